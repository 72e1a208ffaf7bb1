/*
 * ctlreq.c: the control socket's requests, one grammar for nfqctl and the
 * daemon: a JSON object, or words that stand for one, checked once.
 */
#ifndef NFQD_CONTROL_CTLREQ_H
#define NFQD_CONTROL_CTLREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"

#define CTL_REQ_MAX	4096		/* bytes of a request line */
#define CTL_LIMIT_DEF	1000		/* flows/exceptions per reply */
#define CTL_LIMIT_MAX	1000000
#define CTL_REPLY_MAX	(64u << 20)

enum ctl_cmd {
	CTL_STATUS, CTL_RELOAD, CTL_FLOWS, CTL_EXCEPTIONS, CTL_QUAR_ADD,
	CTL_QUAR_REMOVE, CTL_QUAR_LIST, CTL_CENSUS, CTL_EXC_ADD, CTL_EXC_REMOVE
};

/* exception add/remove through the socket: excedit.c validates them. */
struct ctl_edit {
	char		 address[PREFIX_STRLEN];
	char		 direction[16];
	char		 ticket[EXC_TEXTLEN];
	char		 owner[EXC_TEXTLEN];
	char		 expires[16];
	char		 comment[256];
};

struct ctl_req {
	enum ctl_cmd	 cmd;
	bool		 has_host;
	struct prefix	 host;
	uint32_t	 limit;
	int64_t		 secs;		/* quarantine add: duration */
	char		 reason[QUAR_REASONLEN];
	char		 who[QUAR_WHOLEN];	/* as the client says; "" */
	uint32_t	 days;		/* census --since; 0: all */
	struct ctl_edit	 edit;		/* CTL_EXC_ADD, CTL_EXC_REMOVE */
};

/*
 * One request line (without or with its line end) into r.  Returns 0, or
 * -1 with a one-line message.
 */
int		 ctl_parse(const char *line, size_t len, struct ctl_req *r,
		    char *err, size_t errlen);
/* The command's name as the answers give it ("quarantine"), or "?". */
const char	*ctl_cmd_name(uint8_t c);

#endif
