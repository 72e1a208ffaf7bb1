/*
 * ctl.c: the control socket -- who may ask, and the thread that answers
 * (control/ctlreq.h: the requests).
 */
#ifndef NFQD_DAEMON_CTL_H
#define NFQD_DAEMON_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "policy/policy.h"
#include "control/ctlreq.h"

struct ctl_peer {
	int32_t		 pid;
	uint32_t	 uid, gid;
	char		 name[QUAR_WHOLEN];	/* the uid's user name */
};

struct cJSON;
/* Answer one request: fill the reply object; return 0, or -1 with err. */
typedef int (*ctl_handler)(void *arg, const struct ctl_req *req,
    const struct ctl_peer *peer, struct cJSON *reply, char *err,
    size_t errlen);

struct ctl;
bool	 ctl_allowed(const struct ctl_peer *p, uint32_t self, bool has_group,
	    uint32_t gid);
struct ctl	*ctl_open(const struct conf *c, ctl_handler fn, void *arg,
	    char *err, size_t errlen);
int	 ctl_start(struct ctl *x);
void	 ctl_close(struct ctl *x);

#endif
