/*
 * table.c: a zeroed table allocated once, whose pages are taken up front.
 */
#ifndef NFQD_BASE_TABLE_H
#define NFQD_BASE_TABLE_H

#include <stddef.h>

void	*table_calloc(size_t n, size_t size);

#endif
