/*
 * What every part of nfqd shares: its version, the room an error message
 * gets ("file:line: message"), and the longest path it takes.
 */
#ifndef NFQD_BASE_DEFS_H
#define NFQD_BASE_DEFS_H

#define NFQD_VERSION	"0.1.0"
#define ERRLEN		512
#define MAX_PATH	1024
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Which way a packet goes within its connection: an index of [2] arrays. */
enum side { TO_SERVER, TO_CLIENT };

#endif
