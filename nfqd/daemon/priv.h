/*
 * priv.c: the drop to `user` with CAP_NET_ADMIN alone, and the seccomp
 * filter: the daemon's least privilege (docs/security.md).
 */
#ifndef NFQD_DAEMON_PRIV_H
#define NFQD_DAEMON_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "policy/conf.h"

int	 priv_drop(const struct conf *c, char *err, size_t errlen);
int	 priv_seccomp(const struct conf *c, char *err, size_t errlen);

#endif
