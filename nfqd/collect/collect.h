/*
 * nfqd-collect's collector (collect.c and the files beside it): what its
 * pieces share.  listen.c binds the listeners and checks senders against
 * --allow; client.c reads stream clients and datagrams and speaks the
 * acknowledgement protocol; line.c checks each line and hands it to
 * dayfile.c, which keeps the daily files and their retention; collect.c
 * is the options and the poll loop.
 */
#ifndef NFQD_COLLECT_COLLECT_H
#define NFQD_COLLECT_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "base/defs.h"
#include "base/addr.h"
#include "sink/sink.h"		/* the acknowledgement protocol */

#define LINE_MAX_LEN	65536		/* bytes, without the newline */
#define MAX_LISTENERS	16
#define MAX_CLIENTS	1024
#define MAX_DAYFILES	32		/* open daily files, all senders */
#define MAX_ALLOW	64		/* --allow prefixes */
#define SENDER_MAX	64		/* "2001:db8::1", "local-uid-998" */
#define DAYFILE_BUF	65536
#define DAYFILE_IDLE_S	600		/* close a file unused this long */
#define UDP_RCVBUF	(8 << 20)
#define DGRAM_BATCH	256		/* datagrams per listener per turn */
#define LOG_EVERY_S	60
#define DEFAULT_DIR	"/var/log/nfqd-collect"
#define DEFAULT_KEEP	60		/* days: Cal Poly's mail-log standard */
#define ACK_EVERY_MS	20		/* while lines arrive */
#define ACK_QUIET_MS	2		/* after the last line: at once */
#define STOP_ACK_MS	500		/* the stop: last acknowledgements */

enum lkind { L_TCP, L_UDP, L_UNIX, L_UNIX_DGRAM };
extern const char *const lkind_names[];	/* "tcp", "udp", ... */

struct listener {
	int		 fd;
	enum lkind	 kind;
	char		 spec[MAX_PATH];	/* as given */
	char		 name[MAX_PATH];	/* as bound, for the logs */
	char		 path[MAX_PATH];	/* unix: removed at exit */
};

struct client {
	int		 fd;
	char		*buf;
	size_t		 len;
	bool		 skipping;	/* inside a line that was too long */
	char		 peer[80];
	char		 sender[SENDER_MAX];	/* its folder */
	/* acknowledgements: lines are counted by their newline */
	uint64_t	 lines;		/* lines it sent, each dealt with */
	uint64_t	 acked;		/* the count last acknowledged */
	uint64_t	 wfail;		/* write_failed when nothing was owed */
	int64_t		 last_in;	/* mono ms: bytes last came */
	int64_t		 last_ack;	/* mono ms */
	char		 out[SINK_ACK_LINE_MAX];	/* "ok N\n" unsent */
	size_t		 olen, ooff;
};

struct dayfile {
	char		 date[11];	/* "" unused */
	char		 sender[SENDER_MAX];
	int		 fd;
	char		*buf;
	size_t		 len;
	bool		 dirty;		/* written since the last fsync */
	int64_t		 used;		/* mono s */
};

struct counters {
	uint64_t	 lines, written, invalid, too_long, partial;
	uint64_t	 write_failed, clients, refused;
	uint64_t	 senders_refused;	/* not in --allow */
	uint64_t	 unacked;	/* connections closed owing lines */
};

/* A rate-limited complaint: the first at once, then one a minute. */
struct ratelog {
	int64_t		 last;		/* mono s, 0: never */
	uint64_t	 since;		/* not logged since then */
};

struct collector {
	const char	*dir;
	int		 retention;	/* days, 0: keep everything */
	int		 fsync_s;
	int		 verbose;
	struct listener	 l[MAX_LISTENERS];
	size_t		 nl;
	struct prefix	 allow[MAX_ALLOW];
	size_t		 nallow;
	mode_t		 unix_mode;
	gid_t		 unix_gid;	/* (gid_t)-1: unchanged */
	struct client	*c;
	size_t		 nc;
	struct dayfile	 f[MAX_DAYFILES];
	struct counters	 n;
	int64_t		 today;		/* UTC days since 1970 */
	int64_t		 last_fsync;
	struct ratelog	 fail_log, refuse_log, sender_log, invalid_log;
	struct ratelog	 unacked_log;
	char		*dgram;		/* LINE_MAX_LEN + 2 */
	const char	*metrics;	/* --metrics: a textfile, or NULL */
	int		 metrics_s;
	int64_t		 metrics_last, start_us;	/* mono s, real us */
	struct ratelog	 metrics_log;
};


/* ---- collect.c ---- */

/* "nfqd-collect: " and the message, on stderr. */
void	 collect_say(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* True when this complaint is to be logged now; counts it otherwise. */
bool	 ratelog_due(struct ratelog *r, uint64_t *missed);

/* ---- listen.c ---- */

/* The addresses of --KIND spec, or NULL with a usage message. */
struct addrinfo	*inet_resolve(enum lkind kind, const char *spec);
/* A unix socket path that fits: 0, or -1 with a usage message. */
int	 unix_check(enum lkind kind, const char *path);
/* Bind spec (each of its addresses) into co->l: 0, or -1 logged. */
int	 listen_inet(struct collector *co, struct listener *spec);
int	 listen_unix(struct collector *co, struct listener *spec);
/* Close every listener, and remove its unix socket. */
void	 listeners_close(struct collector *co);
/* The sender's address (its folder) into name, or false if --allow
 * refuses it. */
bool	 sender_allowed(struct collector *co, const struct sockaddr *sa,
	    char *name, size_t len);
/* Count and log (rate-limited) a what ("a datagram") from who refused. */
void	 sender_refused(struct collector *co, const char *what,
	    const char *who);

/* ---- client.c ---- */

/* Every connection waiting on listener l, accepted and greeted. */
void	 client_accept(struct collector *co, struct listener *l);
/* Read what is there (turns reads at most); false when it is gone. */
bool	 client_read(struct collector *co, struct client *c, int turns);
/* Send the unsent part of c->out, never waiting: false if it is gone. */
bool	 client_out(struct client *c);
/* ms until c's acknowledgement is due (0: now), or -1: none owed. */
int64_t	 client_ack_wait(const struct client *c, int64_t now);
/* Every acknowledgement due (all: every one owed); a client that
 * cannot have its own is closed. */
void	 clients_ack(struct collector *co, bool all);
/* Close co->c[i]; the last client takes its place. */
void	 client_close(struct collector *co, size_t i);
/* Up to DGRAM_BATCH datagrams of listener l, each line stored. */
void	 dgram_read(struct collector *co, struct listener *l);

/* ---- line.c ---- */

/* One line (len bytes at p, newline or not) from sender: checked, then
 * stored in its daily file, or counted and logged as rejected. */
void	 line_in(struct collector *co, const char *sender, const char *p,
	    size_t len);

/* ---- dayfile.c ---- */

/* Today: UTC days since 1970. */
int64_t	 utc_day(void);
/* A day as YYYY-MM-DD. */
void	 day_format(int64_t day, char *out, size_t len);
/* "YYYY-MM-DD" at s (not necessarily terminated) into days, or -1. */
int64_t	 day_parse(const char *s, size_t len);
/* The open file of sender's date, opened (the least used closed) if
 * need be; NULL, logged, when it cannot be. */
struct dayfile	*dayfile_get(struct collector *co, const char *sender,
	    const char *date);
/* f's buffer to its file; a line that cannot be written is counted. */
void	 dayfile_write(struct collector *co, struct dayfile *f);
/* Written, synced and closed; an unused slot is left alone. */
void	 dayfile_close(struct collector *co, struct dayfile *f);
void	 dayfiles_flush(struct collector *co);
void	 dayfiles_fsync(struct collector *co);
/* Remove the files older than the retention period. */
void	 retention_sweep(struct collector *co);

#endif
