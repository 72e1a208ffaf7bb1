/*
 * What the pieces of nfqctl share:
 *
 *	nfqctl.c		options, the commands' table, main
 *	nfqctl_exc.c		the exception commands
 *	nfqctl_daemon.c		the control socket, and the commands that ask
 *				the daemon (status, reload, flows, quarantine,
 *				census)
 *	nfqctl_policy.c		test SRC DST: the policy's decision, and why
 *	nfqctl_out.c		the daemon's answers read, tables printed
 */
#ifndef NFQD_NFQCTL_NFQCTL_H
#define NFQD_NFQCTL_NFQCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/defs.h"
#include "policy/conf.h"

#define DEFAULT_CONF	"/etc/nfqd/nfqd.conf"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2 };

/* Options; the bit of each in struct cmd's mask. */
enum {
	OPT_CONFIG, OPT_NO_RELOAD, OPT_DIRECTION, OPT_TICKET, OPT_OWNER,
	OPT_EXPIRES, OPT_COMMENT, OPT_JSON, OPT_EXPIRED, OPT_EXPIRING,
	OPT_HELP, OPT_VERSION, OPT_FOR, OPT_REASON, OPT_LIMIT, OPT_SINCE,
	OPT_SOCKET, OPT_STRICT, NOPTS
};
#define B(o)	(1u << (o))

#define MAXPOS	8
#define MAXSOCKS	32	/* --socket, one per daemon */

struct args {
	const char	*config;
	const char	*val[NOPTS];	/* option arguments */
	unsigned	 seen;		/* B(OPT_*) given */
	const char	*pos[MAXPOS];	/* after the command's words */
	int		 npos;
	const char	*socks[MAXSOCKS];	/* --socket, in order */
	int		 nsocks;
};

/* The configuration of -c, once a command has loaded it. */
extern struct conf	 conf;

struct cJSON;
struct excedit;

/* nfqctl.c */
/* A line to stderr, "nfqctl: " first. */
void	 say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The problem, then the command's synopsis; exit 2. */
void	 usage_exit(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
/* conf from -c; -1 after saying why. */
int	 load_conf(const struct args *a);

/* nfqctl_exc.c */
int	 cmd_add(const struct args *a);
int	 cmd_set(const struct args *a);
int	 cmd_remove(const struct args *a);
int	 cmd_list(const struct args *a);
int	 cmd_export(const struct args *a);
int	 cmd_check(const struct args *a);
int	 cmd_import(const struct args *a);

/* nfqctl_daemon.c */
enum { CTL_OK, CTL_NODAEMON, CTL_ERROR };
/* req to c's control socket: CTL_OK with *reply, or why not. */
int	 ctl_ask(const struct conf *c, struct cJSON *req,
	    struct cJSON **reply, char *err, size_t errlen);
/* The daemon's answer to a reload, in a sentence; the exit status. */
int	 reload_said(const struct cJSON *reply);
/* {"cmd":cmd}, or NULL after saying why. */
struct cJSON	*new_req(const char *cmd);
int	 cmd_status(const struct args *a);
int	 cmd_reload(const struct args *a);
int	 cmd_flows(const struct args *a);
int	 cmd_exceptions(const struct args *a);
int	 cmd_quar_add(const struct args *a);
int	 cmd_quar_remove(const struct args *a);
int	 cmd_quar_list(const struct args *a);
int	 cmd_census(const struct args *a);

/* nfqctl_policy.c */
int	 cmd_test(const struct args *a);

/* nfqctl_out.c */
/* An answer's "ok", and its key as a string ("") or a number (0). */
bool	 reply_ok(const struct cJSON *o);
const char	*reply_str(const struct cJSON *o, const char *key);
double	 reply_num(const struct cJSON *o, const char *key);
/* exception list: the entries with sel[k], as a table. */
void	 list_table(const struct excedit *x, const bool *sel, int64_t now);
/* The tables of status --socket, quarantine list and census. */
void	 status_table(const struct cJSON *all);
void	 quar_table(const struct cJSON *arr);
void	 census_table(const struct cJSON *reply, bool since);

#endif
