/*
 * nfqd-collect: a small collector for nfqd's events, and the report a
 * security officer asks for first.
 *
 *	nfqd-collect [-v] [-d DIR] [--tcp ADDR:PORT] [--udp ADDR:PORT]
 *	    [--unix PATH] [--unix-dgram PATH] [--allow CIDR]
 *	    [--unix-mode MODE] [--unix-group GROUP] [--retention DAYS]
 *	    [--fsync SECONDS] [--metrics FILE [--metrics-interval SECONDS]]
 *	nfqd-collect report DIR ...	(report.c)
 *
 * The collector runs in the foreground, one poll loop: any number of
 * listeners (each option may be given more than once), up to MAX_CLIENTS
 * stream clients.  It trusts no one: a TCP or UDP sender outside the
 * --allow prefixes (loopback alone without one) is refused, counted and
 * logged; unix sockets get --unix-mode and --unix-group.  Every line (a
 * stream line, or a datagram; a syslog header in front, RFC 5424 or
 * syslog(3)'s, is taken off) must be an nfqd event (event_valid) of at
 * most LINE_MAX bytes, or it is counted, logged and never stored.  It is
 * appended, byte for byte as it came, to DIR/SENDER/eve-YYYY-MM-DD.json
 * for the UTC date of its own `timestamp`: SENDER is the sender's
 * address, or local-uid-N for a unix socket's peer, so that which router
 * sent an event is recorded beside it without touching it.  Files are
 * fsync'ed on a timer.  Files older than the retention period (60 days
 * unless told) are removed at start and after every UTC midnight.
 *
 * On a stream connection (tcp, unix) it speaks nfqd's acknowledgement
 * protocol (docs/collectors.md): it greets with "nfqd-ack 1", then, once
 * its lines are written to the files (write(2) returned, before the
 * fsync), sends back "ok N", N the lines of that connection it is done
 * with, every ACK_EVERY_MS while lines arrive and ACK_QUIET_MS after
 * they stop.  A line it could not write is never acknowledged: the
 * connection is closed, and nfqd sends it again.
 *
 * At SIGTERM it closes its listeners first (a sender reconnecting finds
 * nothing, rather than a connection that will be reset), stores what its
 * open connections already sent, acknowledges it, then exits.
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 on a runtime failure (a socket
 * that cannot be bound), 2 on a usage or configuration error, found
 * before anything is bound.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/defs.h"
#include "base/when.h"
#include "base/addr.h"
#include "base/clock.h"
#include "base/prom.h"
#include "policy/exceptions.h"
#include "sink/metrics.h"
#include "sink/sink.h"		/* the acknowledgement protocol */
#include "report.h"

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
static const char *lkind_names[] = { "tcp", "udp", "unix", "unix-dgram" };

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

/* ---- small things ---- */

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list	 ap;

	fputs("nfqd-collect: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* True when this complaint is to be logged now; counts it otherwise. */
static bool
ratelog_due(struct ratelog *r, uint64_t *missed)
{
	int64_t	 now = clock_mono_ms() / 1000;

	if (r->last != 0 && now - r->last < LOG_EVERY_S) {
		r->since++;
		return false;
	}
	*missed = r->since;
	r->since = 0;
	r->last = now;
	return true;
}

static int64_t
utc_day(void)
{
	return (int64_t)time(NULL) / 86400;
}

static void
day_format(int64_t day, char *out, size_t len)
{
	when_format(day * 86400, WHEN_DATE, out, len);
}

/* "YYYY-MM-DD" at s (not necessarily terminated) into days, or -1. */
static int64_t
day_parse(const char *s, size_t len)
{
	char		 d[11];
	const char	*end;
	int64_t		 t;

	if (len < 10)
		return -1;
	memcpy(d, s, 10);
	d[10] = '\0';
	if (when_parse(d, &t, &end) == -1)
		return -1;
	return t / 86400;
}

/* eve-YYYY-MM-DD.json (or .json.gz, ...): its day, or -1. */
static int64_t
file_day(const char *name, bool exact)
{
	int64_t	 d;

	if (strncmp(name, "eve-", 4) != 0 || strlen(name) < 19 ||
	    (d = day_parse(name + 4, strlen(name) - 4)) == -1 ||
	    strncmp(name + 14, ".json", 5) != 0)
		return -1;
	if (exact && name[19] != '\0')
		return -1;
	return d;
}

/* ---- listeners ---- */

/*
 * ADDR:PORT, [V6]:PORT or *:PORT, the address numeric, the port 0-65535
 * (0 picks one, logged): checked before anything is bound.
 */
static int
addr_split(const char *s, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char	*colon, *h = s;
	size_t		 n;
	unsigned long	 p;
	char		*end;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		n = (size_t)(colon - s);
		if (memchr(s, ':', n) != NULL)
			return -1;
	}
	if (n == 0 || n >= hostlen || colon[1] == '\0' ||
	    strlen(colon + 1) >= portlen ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno != 0 || p > 65535)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, portlen, "%lu", p);
	return 0;
}

static void
sockname(int fd, char *out, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			 h[64], p[NI_MAXSERV];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), p, sizeof(p),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, len, "?");
		return;
	}
	snprintf(out, len, strchr(h, ':') ? "[%s]:%s" : "%s:%s", h, p);
}

/* The addresses of an inet spec, or NULL with a usage message. */
static struct addrinfo *
inet_resolve(enum lkind kind, const char *spec)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256], port[8];
	int		 rc;

	if (addr_split(spec, host, sizeof(host), port, sizeof(port)) == -1) {
		say("--%s %s: expected ADDRESS:PORT with a port from 0 to "
		    "65535 ([ADDRESS]:PORT for IPv6, *:PORT for all)",
		    lkind_names[kind], spec);
		return NULL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = kind == L_TCP ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST;
	if ((rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port,
	    &hints, &res)) != 0) {
		say("--%s %s: %s: %s", lkind_names[kind], spec, host,
		    rc == EAI_NONAME ? "not a numeric address" :
		    gai_strerror(rc));
		return NULL;
	}
	return res;
}

static int
listen_inet(struct collector *co, struct listener *spec)
{
	struct addrinfo	*res, *ai;
	struct listener	*l;
	char		 where[128];
	int		 fd, one = 1, v = UDP_RCVBUF;

	if ((res = inet_resolve(spec->kind, spec->spec)) == NULL)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (co->nl == MAX_LISTENERS) {
			say("at most %d listeners", MAX_LISTENERS);
			break;
		}
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			    sizeof(one));
		if (spec->kind == L_UDP &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v,
		    sizeof(v)) == -1)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    (spec->kind == L_TCP && listen(fd, 128) == -1)) {
			say("--%s %s: %s", lkind_names[spec->kind], spec->spec,
			    strerror(errno));
			close(fd);
			freeaddrinfo(res);
			return -1;
		}
		l = &co->l[co->nl++];
		l->fd = fd;
		l->kind = spec->kind;
		sockname(fd, where, sizeof(where));
		snprintf(l->name, sizeof(l->name), "%s %s",
		    lkind_names[spec->kind], where);
		say("listening on %s", l->name);
	}
	freeaddrinfo(res);
	return 0;
}

static int
unix_check(enum lkind kind, const char *path)
{
	if (path[0] == '\0' || strlen(path) >=
	    sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
		say("--%s %s: a socket path has 1-%zu bytes", lkind_names[kind],
		    path, sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
		return -1;
	}
	return 0;
}

static int
listen_unix(struct collector *co, struct listener *spec)
{
	struct sockaddr_un	 sun;
	struct listener		*l;
	struct stat		 st;
	const char		*path = spec->spec;
	int			 fd, one = 1;
	mode_t			 old;

	if (co->nl == MAX_LISTENERS) {
		say("at most %d listeners", MAX_LISTENERS);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	/* a socket left by a previous run goes; anything else stays */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, (spec->kind == L_UNIX ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* no moment when the socket is more open than --unix-mode says */
	old = umask(0777 & ~co->unix_mode);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    (spec->kind == L_UNIX && listen(fd, 128) == -1)) {
		umask(old);
		say("--%s %s: %s", lkind_names[spec->kind], path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, co->unix_mode) == -1 || (co->unix_gid != (gid_t)-1 &&
	    chown(path, (uid_t)-1, co->unix_gid) == -1)) {
		say("--%s %s: mode or group: %s", lkind_names[spec->kind], path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	/* the sender's uid on every datagram, for its folder */
	if (spec->kind == L_UNIX_DGRAM)
		setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	l = &co->l[co->nl++];
	l->fd = fd;
	l->kind = spec->kind;
	snprintf(l->name, sizeof(l->name), "%s %s", lkind_names[spec->kind],
	    path);
	snprintf(l->path, sizeof(l->path), "%s", path);
	say("listening on %s (mode %04o)", l->name, (unsigned)co->unix_mode);
	return 0;
}

static void
listeners_close(struct collector *co)
{
	for (size_t i = 0; i < co->nl; i++) {
		close(co->l[i].fd);
		if (co->l[i].path[0] != '\0')
			unlink(co->l[i].path);
	}
	co->nl = 0;
}

/* ---- senders ---- */

/* The sender's address (its folder), or false if --allow refuses it. */
static bool
sender_allowed(struct collector *co, const struct sockaddr *sa,
    char *name, size_t len)
{
	struct ip_addr	 a;

	memset(&a, 0, sizeof(a));
	if (sa->sa_family == AF_INET) {
		a.af = 4;
		memcpy(a.b, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		a.af = 6;
		memcpy(a.b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else {
		snprintf(name, len, "?");
		return false;
	}
	addr_format(&a, name, len);
	for (size_t i = 0; i < co->nallow; i++)
		if (prefix_contains(&co->allow[i], &a))
			return true;
	return false;
}

static void
sender_refused(struct collector *co, const char *what, const char *who)
{
	uint64_t	 missed;

	co->n.senders_refused++;
	if (ratelog_due(&co->sender_log, &missed))
		say("refused %s from %s: not in --allow (%llu refused so far, "
		    "%llu since the last such line)", what, who,
		    (unsigned long long)co->n.senders_refused,
		    (unsigned long long)missed);
}

/* ---- daily files ---- */

static void
dayfile_write(struct collector *co, struct dayfile *f)
{
	size_t		 off = 0;
	ssize_t		 w;
	uint64_t	 missed;

	while (off < f->len) {
		if ((w = write(f->fd, f->buf + off, f->len - off)) > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		/* a full disk: what is left is lost, and counted */
		for (size_t i = off; i < f->len; i++)
			if (f->buf[i] == '\n')
				co->n.write_failed++;
		if (ratelog_due(&co->fail_log, &missed))
			say("%s/eve-%s.json: write: %s (%llu lines lost so "
			    "far)", f->sender, f->date,
			    strerror(w == -1 ? errno : EIO),
			    (unsigned long long)co->n.write_failed);
		break;
	}
	f->len = 0;
	f->dirty = true;
}

static void
dayfile_close(struct collector *co, struct dayfile *f)
{
	if (f->date[0] == '\0')
		return;
	dayfile_write(co, f);
	fsync(f->fd);
	close(f->fd);
	f->date[0] = '\0';
	f->fd = -1;
	f->dirty = false;
}

static struct dayfile *
dayfile_get(struct collector *co, const char *sender, const char *date)
{
	struct dayfile	*f, *lru = &co->f[0];
	char		 path[MAX_PATH];
	size_t		 i;
	int		 fd;
	uint64_t	 missed;

	for (i = 0; i < MAX_DAYFILES; i++) {
		f = &co->f[i];
		if (strcmp(f->date, date) == 0 &&
		    strcmp(f->sender, sender) == 0) {
			f->used = (clock_mono_ms() / 1000);
			return f;
		}
		if (f->date[0] == '\0' || (lru->date[0] != '\0' &&
		    f->used < lru->used))
			lru = f;
	}
	dayfile_close(co, lru);
	snprintf(path, sizeof(path), "%s/%s", co->dir, sender);
	if (mkdir(path, 0750) == -1 && errno != EEXIST) {
		if (ratelog_due(&co->fail_log, &missed))
			say("%s: %s", path, strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s/eve-%s.json", co->dir, sender,
	    date);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0640);
	if (fd == -1) {
		if (ratelog_due(&co->fail_log, &missed))
			say("%s: %s", path, strerror(errno));
		return NULL;
	}
	snprintf(lru->date, sizeof(lru->date), "%s", date);
	snprintf(lru->sender, sizeof(lru->sender), "%s", sender);
	lru->fd = fd;
	lru->len = 0;
	lru->used = (clock_mono_ms() / 1000);
	return lru;
}

static void
dayfiles_flush(struct collector *co)
{
	for (size_t i = 0; i < MAX_DAYFILES; i++)
		if (co->f[i].date[0] != '\0' && co->f[i].len > 0)
			dayfile_write(co, &co->f[i]);
}

static void
dayfiles_fsync(struct collector *co)
{
	for (size_t i = 0; i < MAX_DAYFILES; i++)
		if (co->f[i].date[0] != '\0' && co->f[i].dirty) {
			fsync(co->f[i].fd);
			co->f[i].dirty = false;
		}
}

/* Remove eve-DATE.json* files in folder whose day is before oldest. */
static void
retention_folder(struct collector *co, const char *folder, int64_t oldest,
    const char *keep)
{
	DIR		*d;
	struct dirent	*e;
	int64_t		 day;
	char		 path[MAX_PATH];
	size_t		 i;

	if ((d = opendir(folder)) == NULL) {
		say("%s: %s", folder, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if ((day = file_day(e->d_name, false)) == -1 || day >= oldest)
			continue;
		for (i = 0; i < MAX_DAYFILES; i++)
			if (co->f[i].date[0] != '\0' &&
			    strncmp(e->d_name + 4, co->f[i].date, 10) == 0)
				dayfile_close(co, &co->f[i]);
		snprintf(path, sizeof(path), "%s/%s", folder, e->d_name);
		if (unlink(path) == 0)
			say("removed %s: older than %d days (keeping %s and "
			    "later)", path, co->retention, keep);
		else
			say("%s: %s", path, strerror(errno));
	}
	closedir(d);
}

/*
 * Remove eve-DATE.json* files whose whole day is older than retention,
 * in each sender's folder (and at the top, where an older nfqd-collect
 * put them).
 */
static void
retention_sweep(struct collector *co)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	int64_t		 oldest;
	char		 path[MAX_PATH], keep[11];

	if (co->retention == 0)
		return;
	oldest = utc_day() - co->retention;	/* this day and later stay */
	day_format(oldest, keep, sizeof(keep));
	retention_folder(co, co->dir, oldest, keep);
	if ((d = opendir(co->dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", co->dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			retention_folder(co, path, oldest, keep);
	}
	closedir(d);
}

/* ---- lines ---- */

/*
 * Skip a syslog header: RFC 5424 (<PRI>1 TS HOST APP PROCID MSGID SD MSG)
 * or syslog(3)'s (<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG).
 */
static const char *
syslog_strip(const char *p, const char *end)
{
	const char	*q = p;
	int		 field;

	if (q >= end || *q != '<')
		return p;
	while (q < end && *q != '>')
		q++;
	if (q + 2 >= end)
		return p;
	if (q[1] != '1' || q[2] != ' ') {
		/* RFC 3164: the message starts after the tag's ": " */
		for (q++; q + 1 < end; q++)
			if (q[0] == ':' && q[1] == ' ')
				return q + 2;
		return p;
	}
	q += 3;
	for (field = 0; field < 5; field++) {	/* TS HOST APP PROCID MSGID */
		while (q < end && *q != ' ')
			q++;
		if (q++ >= end)
			return p;
	}
	if (q < end && *q == '-')
		q++;
	else
		while (q < end && *q == '[') {	/* SD-ELEMENTs */
			for (q++; q < end && *q != ']'; q++)
				if (*q == '\\' && q + 1 < end)
					q++;
				else if (*q == '"')
					for (q++; q < end && *q != '"'; q++)
						if (*q == '\\' && q + 1 < end)
							q++;
			q++;
		}
	if (q < end && *q == ' ')
		q++;
	if (end - q >= 3 && memcmp(q, "\xef\xbb\xbf", 3) == 0)
		q += 3;			/* BOM */
	return q <= end ? q : p;
}

/*
 * Is o an nfqd event?  The header every event has (docs/events.md):
 * "timestamp" (2026-09-21T08:05:00.123456+0000), a known "event_type";
 * for the events about one connection "flow_id", "src_ip", "src_port",
 * "dest_ip", "dest_port", "proto"; and the object named after the type
 * (an smtp event may have none).  NULL, or what is wrong.  Its day into
 * *day.
 */
static const char *
event_valid(const cJSON *o, int64_t *day)
{
	static const char *const types[] = { "policy", "flow", "stats",
	    "reload", "smtp", "alert", "policy_summary", "quarantine",
	    "exception_expired" };
	static const char *const tuple[] = { "policy", "flow", "smtp",
	    "alert" };
	const cJSON	*ts, *type;
	const char	*t;
	size_t		 i;
	bool		 known = false, has_tuple = false;

	if (!cJSON_IsObject(o))
		return "not a JSON object";
	ts = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
	if (!cJSON_IsString(ts) || strlen(ts->valuestring) < 26 ||
	    ts->valuestring[10] != 'T' || (*day = day_parse(ts->valuestring,
	    10)) == -1)
		return "no valid \"timestamp\"";
	type = cJSON_GetObjectItemCaseSensitive(o, "event_type");
	if (!cJSON_IsString(type))
		return "no \"event_type\"";
	t = type->valuestring;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		known |= strcmp(t, types[i]) == 0;
	if (!known)
		return "an unknown \"event_type\"";
	for (i = 0; i < sizeof(tuple) / sizeof(tuple[0]); i++)
		has_tuple |= strcmp(t, tuple[i]) == 0;
	if (has_tuple && (
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "flow_id")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "src_ip")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "src_port")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "dest_ip")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o,
	    "dest_port")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "proto"))))
		return "a connection's event without its flow_id, addresses, "
		    "ports and proto";
	if (strcmp(t, "smtp") != 0 &&
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, t)))
		return "no object named after its event_type";
	return NULL;
}

static void
line_reject(struct collector *co, const char *sender, const char *why)
{
	uint64_t	 missed;

	co->n.invalid++;
	if (ratelog_due(&co->invalid_log, &missed))
		say("rejected a line from %s: %s (%llu rejected so far, %llu "
		    "since the last such line)", sender, why,
		    (unsigned long long)co->n.invalid,
		    (unsigned long long)missed);
}

static void
line_in(struct collector *co, const char *sender, const char *p, size_t len)
{
	const char	*end = p + len, *pe = NULL, *why;
	cJSON		*o;
	char		 date[11];
	struct dayfile	*f;
	int64_t		 d = -1;

	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	p = syslog_strip(p, end);
	len = (size_t)(end - p);
	if (len == 0)
		return;
	co->n.lines++;
	if ((o = cJSON_ParseWithLengthOpts(p, len, &pe, false)) == NULL) {
		line_reject(co, sender, "not JSON");
		return;
	}
	for (; pe != NULL && pe < end; pe++)
		if (*pe != ' ' && *pe != '\t')
			break;
	why = pe != NULL && pe < end ? "something after the object" :
	    event_valid(o, &d);
	cJSON_Delete(o);
	if (why != NULL) {
		line_reject(co, sender, why);
		return;
	}
	day_format(d, date, sizeof(date));
	if ((f = dayfile_get(co, sender, date)) == NULL) {
		co->n.write_failed++;
		return;
	}
	if (f->len + len + 1 > DAYFILE_BUF)
		dayfile_write(co, f);
	memcpy(f->buf + f->len, p, len);
	f->len += len;
	f->buf[f->len++] = '\n';
	co->n.written++;
}

/* ---- clients ---- */

static void
client_close(struct collector *co, size_t i)
{
	struct client	*c = &co->c[i];

	if (c->len > 0 && !c->skipping)
		co->n.partial++;	/* a line cut by the close */
	if (co->verbose)
		say("client %s gone", c->peer);
	close(c->fd);
	free(c->buf);
	co->c[i] = co->c[--co->nc];
}

/* Read what is there (turns reads at most); false when it is gone. */
static bool
client_read(struct collector *co, struct client *c, int turns)
{
	ssize_t	 n;
	char	*nl, *p;
	size_t	 left;

	for (int t = 0; t < turns; t++) {
		n = read(c->fd, c->buf + c->len, LINE_MAX_LEN + 1 - c->len);
		if (n == 0)
			return false;
		if (n == -1)
			return errno == EAGAIN || errno == EINTR;
		c->last_in = clock_mono_ms();
		c->len += (size_t)n;
		p = c->buf;
		left = c->len;
		while ((nl = memchr(p, '\n', left)) != NULL) {
			if (c->skipping)
				c->skipping = false;	/* its end */
			else
				line_in(co, c->sender, p, (size_t)(nl - p));
			c->lines++;	/* stored, rejected or too long */
			left -= (size_t)(nl + 1 - p);
			p = nl + 1;
		}
		if (left > LINE_MAX_LEN) {
			if (!c->skipping)
				co->n.too_long++;
			c->skipping = true;
			left = 0;
		}
		memmove(c->buf, p, left);
		c->len = left;
	}
	return true;
}

/* Send the unsent part of c->out, never waiting: false if it is gone. */
static bool
client_out(struct client *c)
{
	ssize_t	 n;

	while (c->ooff < c->olen) {
		n = send(c->fd, c->out + c->ooff, c->olen - c->ooff,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			c->ooff += (size_t)n;
		else if (n == -1 && errno == EINTR)
			continue;
		else
			return n == -1 && errno == EAGAIN;	/* later */
	}
	c->olen = c->ooff = 0;
	return true;
}

/* An acknowledgement is owed and due: lines came, then ACK_QUIET_MS of
 * quiet, or ACK_EVERY_MS since the last one.  Else ms until it is, or -1. */
static int64_t
client_ack_wait(const struct client *c, int64_t now)
{
	int64_t	 at;

	if (c->lines == c->acked && c->olen == 0)
		return -1;
	if (c->olen > 0)
		return 0;		/* POLLOUT says when */
	at = c->last_in + ACK_QUIET_MS;
	if (c->last_ack + ACK_EVERY_MS < at)
		at = c->last_ack + ACK_EVERY_MS;
	return at > now ? at - now : 0;
}

/*
 * Acknowledge every line of c dealt with: written to its file (dayfiles
 * flushed before this), or rejected and counted.  A line that could not
 * be written (write_failed moved while c was owed an acknowledgement)
 * is never acknowledged: false, and the caller closes the connection so
 * that the sender sends it again.  False too when c is gone.
 */
static bool
client_ack(struct collector *co, struct client *c)
{
	uint64_t	 missed;
	int		 n;

	if (c->lines == c->acked) {
		c->wfail = co->n.write_failed;	/* nothing of its lost */
		return client_out(c);
	}
	if (co->n.write_failed != c->wfail) {
		co->n.unacked++;
		if (ratelog_due(&co->unacked_log, &missed))
			say("could not store every line from %s: closing its "
			    "connection unacknowledged, so that it sends them "
			    "again (%llu such closes so far)", c->peer,
			    (unsigned long long)co->n.unacked);
		return false;
	}
	if (c->ooff == 0) {		/* none of the last one sent: a newer */
		n = snprintf(c->out, sizeof(c->out), "ok %llu\n",
		    (unsigned long long)c->lines);
		c->olen = (size_t)n;
		c->acked = c->lines;
		c->last_ack = clock_mono_ms();
	}
	return client_out(c);
}

/* Every acknowledgement due; a client that cannot have its own is closed. */
static void
clients_ack(struct collector *co, bool all)
{
	int64_t	 now = clock_mono_ms();

	for (size_t i = co->nc; i-- > 0;) {
		if (co->c[i].lines == co->c[i].acked)	/* owed nothing */
			co->c[i].wfail = co->n.write_failed;
		if ((all || client_ack_wait(&co->c[i], now) == 0) &&
		    !client_ack(co, &co->c[i]))
			client_close(co, i);
	}
}

static void
client_accept(struct collector *co, struct listener *l)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	struct ucred		 cr;
	socklen_t		 crl = sizeof(cr);
	struct client		*c;
	char			 who[SENDER_MAX], h[NI_MAXHOST], p[NI_MAXSERV];
	int			 fd, one = 1;
	uint64_t		 missed;

	for (;;) {
		sl = sizeof(ss);
		if ((fd = accept4(l->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
			break;
		if (l->kind == L_TCP && !sender_allowed(co,
		    (struct sockaddr *)&ss, who, sizeof(who))) {
			close(fd);
			sender_refused(co, "a connection", who);
			continue;
		}
		if (co->nc == MAX_CLIENTS) {
			close(fd);
			co->n.refused++;
			if (ratelog_due(&co->refuse_log, &missed))
				say("%d clients already: refused one",
				    MAX_CLIENTS);
			continue;
		}
		c = &co->c[co->nc];
		memset(c, 0, sizeof(*c));
		if ((c->buf = malloc(LINE_MAX_LEN + 1)) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->wfail = co->n.write_failed;
		c->last_ack = c->last_in = clock_mono_ms();
		if (l->kind == L_TCP) {
			/* acknowledgements are small and wanted at once */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			snprintf(c->sender, sizeof(c->sender), "%s", who);
			if (getnameinfo((struct sockaddr *)&ss, sl, h,
			    sizeof(h), p, sizeof(p),
			    NI_NUMERICHOST | NI_NUMERICSERV) == 0)
				snprintf(c->peer, sizeof(c->peer), "%.64s:%.8s",
				    h, p);
		} else {
			if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr,
			    &crl) == 0)
				snprintf(c->sender, sizeof(c->sender),
				    "local-uid-%u", (unsigned)cr.uid);
			else
				snprintf(c->sender, sizeof(c->sender),
				    "local-unknown");
			snprintf(c->peer, sizeof(c->peer), "%.20s on %.50s",
			    c->sender, l->path);
		}
		/* the greeting: an empty socket takes it whole */
		c->olen = (size_t)snprintf(c->out, sizeof(c->out), "%s %d\n",
		    SINK_ACK_PROTO, SINK_ACK_VERSION);
		if (!client_out(c) || c->olen != 0) {
			close(fd);
			free(c->buf);
			continue;
		}
		co->nc++;
		co->n.clients++;
		if (co->verbose)
			say("client %s", c->peer);
	}
}

static void
dgram_read(struct collector *co, struct listener *l)
{
	struct sockaddr_storage	 ss;
	union {
		struct cmsghdr	 h;
		char		 b[CMSG_SPACE(sizeof(struct ucred))];
	}			 cm;
	struct iovec		 iov;
	struct msghdr		 mh;
	struct cmsghdr		*ch;
	struct ucred		 cr;
	ssize_t			 n;
	char			*p, *nl, *end, who[SENDER_MAX];

	for (int i = 0; i < DGRAM_BATCH; i++) {
		iov.iov_base = co->dgram;
		iov.iov_len = LINE_MAX_LEN + 2;
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &ss;
		mh.msg_namelen = sizeof(ss);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		if ((n = recvmsg(l->fd, &mh, MSG_TRUNC)) == -1)
			return;
		if (l->kind == L_UDP) {
			if (!sender_allowed(co, (struct sockaddr *)&ss, who,
			    sizeof(who))) {
				sender_refused(co, "a datagram", who);
				continue;
			}
		} else {
			snprintf(who, sizeof(who), "local-unknown");
			for (ch = CMSG_FIRSTHDR(&mh); ch != NULL;
			    ch = CMSG_NXTHDR(&mh, ch))
				if (ch->cmsg_level == SOL_SOCKET &&
				    ch->cmsg_type == SCM_CREDENTIALS) {
					memcpy(&cr, CMSG_DATA(ch), sizeof(cr));
					snprintf(who, sizeof(who),
					    "local-uid-%u", (unsigned)cr.uid);
				}
		}
		if ((size_t)n > LINE_MAX_LEN + 1) {
			co->n.too_long++;
			continue;
		}
		/* one event, or several lines */
		for (p = co->dgram, end = p + n; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			line_in(co, who, p, (size_t)(nl - p));
		}
	}
}

/* ---- the loop ---- */

static void
collector_stats(struct collector *co)
{
	say("%llu lines: %llu written, %llu rejected (not an nfqd event), "
	    "%llu too long, %llu cut by a close, %llu lost to write errors; "
	    "%llu clients (%llu refused: too many, %llu closed "
	    "unacknowledged), %llu connections or datagrams refused (not in "
	    "--allow)",
	    (unsigned long long)co->n.lines, (unsigned long long)co->n.written,
	    (unsigned long long)co->n.invalid,
	    (unsigned long long)co->n.too_long,
	    (unsigned long long)co->n.partial,
	    (unsigned long long)co->n.write_failed,
	    (unsigned long long)co->n.clients,
	    (unsigned long long)co->n.refused,
	    (unsigned long long)co->n.unacked,
	    (unsigned long long)co->n.senders_refused);
}

/*
 * --metrics: the counters collector_stats logs, as a node_exporter
 * textfile (docs/metrics.md), replaced atomically; a failed write is
 * logged (rate-limited) and tried again at the next interval.
 */
static void
collector_metrics(struct collector *co, bool running)
{
	struct prom	 p;
	char		 err[ERRLEN];
	uint64_t	 missed;

	if (co->metrics == NULL)
		return;
	co->metrics_last = clock_mono_ms() / 1000;
	prom_init(&p);
	if (metrics_collect_format(&p, &(struct metrics_collect){
	    .start_us = co->start_us, .ts_us = clock_real_us(),
	    .lines = co->n.lines, .written = co->n.written,
	    .invalid = co->n.invalid, .too_long = co->n.too_long,
	    .partial = co->n.partial, .write_failed = co->n.write_failed,
	    .clients = co->n.clients, .refused = co->n.refused,
	    .senders_refused = co->n.senders_refused, .connected = co->nc,
	    .running = running }) == -1 ||
	    prom_write_file(&p, co->metrics, err, sizeof(err)) == -1) {
		if (prom_error(&p) != NULL)
			snprintf(err, sizeof(err), "%s", prom_error(&p));
		if (ratelog_due(&co->metrics_log, &missed))
			say("metrics: %s (%llu more failures not logged)", err,
			    (unsigned long long)missed);
	}
	prom_free(&p);
}

/*
 * The stop: listeners first, so that a sender that reconnects is refused
 * at once instead of sending into a connection nobody will accept; then
 * what each open connection already sent is read and stored (a few
 * reads, bounded: a sender that never pauses must not hold the stop),
 * written, and acknowledged, so that nfqd sends again only what was
 * never read.  An acknowledgement that does not fit at once gets
 * STOP_ACK_MS, for all connections together.
 */
static void
collector_stop(struct collector *co)
{
	struct pollfd	 p;
	int64_t		 until;
	size_t		 i;

	listeners_close(co);
	for (i = co->nc; i-- > 0;)
		client_read(co, &co->c[i], 64);
	dayfiles_flush(co);
	clients_ack(co, true);
	until = clock_mono_ms() + STOP_ACK_MS;
	for (i = co->nc; i-- > 0;) {
		while (co->c[i].olen > 0 && clock_mono_ms() < until) {
			p.fd = co->c[i].fd;
			p.events = POLLOUT;
			if (poll(&p, 1, (int)(until - clock_mono_ms())) < 1 ||
			    !client_out(&co->c[i]))
				break;
		}
		shutdown(co->c[i].fd, SHUT_WR);	/* our last word sent */
		client_close(co, i);
	}
}

static int
collector_run(struct collector *co, int sfd)
{
	struct pollfd		*p;
	struct signalfd_siginfo	 si;
	size_t			 i, np, nfix;
	int64_t			 now, w, wait;
	bool			 stop = false;

	bool			 oom = false;

	p = calloc(1 + MAX_LISTENERS + MAX_CLIENTS, sizeof(*p));
	co->c = calloc(MAX_CLIENTS, sizeof(*co->c));
	co->dgram = malloc(LINE_MAX_LEN + 2);
	for (i = 0; i < MAX_DAYFILES; i++) {
		co->f[i].fd = -1;
		if ((co->f[i].buf = malloc(DAYFILE_BUF)) == NULL)
			oom = true;
	}
	if (oom || p == NULL || co->c == NULL || co->dgram == NULL) {
		say("out of memory");
		return 1;
	}
	co->today = utc_day();
	retention_sweep(co);
	co->last_fsync = (clock_mono_ms() / 1000);
	collector_metrics(co, true);		/* the series from zero */
	while (!stop) {
		p[0].fd = sfd;
		p[0].events = POLLIN;
		for (i = 0; i < co->nl; i++) {
			p[1 + i].fd = co->l[i].fd;
			p[1 + i].events = POLLIN;
		}
		nfix = 1 + co->nl;
		wait = 1000;
		now = clock_mono_ms();
		for (i = 0; i < co->nc; i++) {
			p[nfix + i].fd = co->c[i].fd;
			p[nfix + i].events = POLLIN;
			if (co->c[i].olen > 0)	/* an acknowledgement waits */
				p[nfix + i].events |= POLLOUT;
			else if ((w = client_ack_wait(&co->c[i], now)) >= 0 &&
			    w < wait)
				wait = w;
		}
		np = nfix + co->nc;
		if (poll(p, np, (int)wait) == -1 && errno != EINTR) {
			say("poll: %s", strerror(errno));
			break;
		}
		if (p[0].revents & POLLIN)
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				switch (si.ssi_signo) {
				case SIGTERM:
				case SIGINT:
					stop = true;
					break;
				case SIGHUP:	/* files moved: open anew */
					for (i = 0; i < MAX_DAYFILES; i++)
						dayfile_close(co, &co->f[i]);
					break;
				case SIGUSR1:
					collector_stats(co);
					break;
				}
		if (stop)
			break;
		/* clients first: accept may move the array's tail */
		for (i = np - nfix; i-- > 0;)
			if (p[nfix + i].revents != 0 &&
			    !client_read(co, &co->c[i], 16))
				client_close(co, i);
		for (i = 0; i < co->nl; i++) {
			if (!(p[1 + i].revents & POLLIN))
				continue;
			if (co->l[i].kind == L_TCP || co->l[i].kind == L_UNIX)
				client_accept(co, &co->l[i]);
			else
				dgram_read(co, &co->l[i]);
		}
		dayfiles_flush(co);
		clients_ack(co, false);	/* what is written, and only that */
		now = (clock_mono_ms() / 1000);
		if (now - co->last_fsync >= co->fsync_s) {
			dayfiles_fsync(co);
			for (i = 0; i < MAX_DAYFILES; i++)
				if (co->f[i].date[0] != '\0' &&
				    now - co->f[i].used >= DAYFILE_IDLE_S)
					dayfile_close(co, &co->f[i]);
			co->last_fsync = now;
		}
		if (utc_day() != co->today) {	/* midnight, UTC */
			co->today = utc_day();
			retention_sweep(co);
		}
		if (co->metrics != NULL &&
		    now - co->metrics_last >= co->metrics_s)
			collector_metrics(co, true);
	}
	collector_stop(co);
	for (i = 0; i < MAX_DAYFILES; i++) {
		dayfile_close(co, &co->f[i]);
		free(co->f[i].buf);
	}
	collector_stats(co);
	collector_metrics(co, false);
	free(co->c);
	free(co->dgram);
	free(p);
	return 0;
}

static void __attribute__((noreturn))
usage(int rc)
{
	FILE	*fp = rc ? stderr : stdout;

	fprintf(fp,
	    "usage: nfqd-collect [-v] [-d DIR] [--tcp ADDR:PORT] "
	    "[--udp ADDR:PORT]\n"
	    "           [--unix PATH] [--unix-dgram PATH] [--allow CIDR]\n"
	    "           [--unix-mode MODE] [--unix-group GROUP] "
	    "[--retention DAYS] [--fsync SECONDS]\n"
	    "           [--metrics FILE [--metrics-interval SECONDS]]\n");
	report_usage(fp);
	fprintf(fp,
	    "       nfqd-collect -V | -h\n"
	    "  -d, --dir DIR        DIR/SENDER/eve-YYYY-MM-DD.json "
	    "(default %s)\n"
	    "      --tcp ADDR:PORT  newline-delimited JSON over TCP "
	    "([::1]:PORT, *:PORT)\n"
	    "      --udp ADDR:PORT  one event per datagram\n"
	    "      --unix PATH      a unix stream socket\n"
	    "      --unix-dgram PATH  a unix datagram socket\n"
	    "      --allow CIDR     accept TCP and UDP senders from here "
	    "(repeatable;\n"
	    "                       default 127.0.0.0/8 and ::1 only)\n"
	    "      --unix-mode MODE the unix sockets' mode (default 0660)\n"
	    "      --unix-group GROUP  the unix sockets' group\n"
	    "      --retention DAYS remove files older than this (default "
	    "%d; 0 keeps all)\n"
	    "      --fsync SECONDS  sync the files this often (default 1)\n"
	    "      --metrics FILE   Prometheus metrics, a node_exporter "
	    "textfile (NAME.prom)\n"
	    "      --metrics-interval SECONDS  write it this often "
	    "(default 15)\n"
	    "  -v, --verbose        log clients coming and going\n"
	    "  -V, --version        print the version\n",
	    DEFAULT_DIR, DEFAULT_KEEP);
	exit(rc);
}

static int
number_arg(const char *opt, const char *v, long min, long max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max) {
		say("%s: bad number '%s' (%ld-%ld)", opt, v, min, max);
		exit(2);
	}
	return (int)n;
}

static int
collect_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir",	required_argument,	NULL, 'd' },
		{ "tcp",	required_argument,	NULL, 't' },
		{ "udp",	required_argument,	NULL, 'u' },
		{ "unix",	required_argument,	NULL, 'x' },
		{ "unix-dgram",	required_argument,	NULL, 'X' },
		{ "allow",	required_argument,	NULL, 'a' },
		{ "unix-mode",	required_argument,	NULL, 'm' },
		{ "unix-group",	required_argument,	NULL, 'g' },
		{ "retention",	required_argument,	NULL, 'r' },
		{ "fsync",	required_argument,	NULL, 'f' },
		{ "metrics",	required_argument,	NULL, 'M' },
		{ "metrics-interval", required_argument, NULL, 'I' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct listener	 want[MAX_LISTENERS];
	struct collector	 co;
	struct addrinfo		*res;
	struct group		*gr;
	struct stat		 st;
	sigset_t		 set;
	size_t			 nwant = 0, i;
	char			*end, err[ERRLEN], pfx[PREFIX_STRLEN];
	unsigned long		 m;
	int			 ch, rc, sfd;
	enum lkind		 kind;

	memset(&co, 0, sizeof(co));
	co.dir = DEFAULT_DIR;
	co.retention = DEFAULT_KEEP;
	co.fsync_s = 1;
	co.metrics_s = 15;
	co.start_us = clock_real_us();
	co.unix_mode = 0660;
	co.unix_gid = (gid_t)-1;
	/* Everything is checked first: a usage error binds nothing. */
	opterr = 0;		/* our own message, then the usage */
	while ((ch = getopt_long(argc, argv, ":d:vVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': co.dir = optarg; break;
		case 't': case 'u': case 'x': case 'X':
			kind = ch == 't' ? L_TCP : ch == 'u' ? L_UDP :
			    ch == 'x' ? L_UNIX : L_UNIX_DGRAM;
			if (nwant == MAX_LISTENERS) {
				say("at most %d listeners", MAX_LISTENERS);
				return 2;
			}
			if (strlen(optarg) >= sizeof(want[0].spec)) {
				say("--%s: too long", lkind_names[kind]);
				return 2;
			}
			want[nwant].kind = kind;
			snprintf(want[nwant].spec, sizeof(want[nwant].spec),
			    "%s", optarg);
			if (kind == L_TCP || kind == L_UDP) {
				if ((res = inet_resolve(kind, optarg)) == NULL)
					return 2;
				freeaddrinfo(res);
			} else if (unix_check(kind, optarg) == -1)
				return 2;
			nwant++;
			break;
		case 'a':
			if (co.nallow == MAX_ALLOW) {
				say("--allow: at most %d prefixes", MAX_ALLOW);
				return 2;
			}
			if (prefix_parse(optarg, &co.allow[co.nallow], err,
			    sizeof(err)) == -1) {
				say("--allow %s: %s", optarg, err);
				return 2;
			}
			co.nallow++;
			break;
		case 'm':
			errno = 0;
			m = strtoul(optarg, &end, 8);
			if (*optarg < '0' || *optarg > '7' || *end != '\0' ||
			    errno != 0 || m > 0777) {
				say("--unix-mode: '%s' is not an octal mode "
				    "(0000-0777, e.g. 0660)", optarg);
				return 2;
			}
			co.unix_mode = (mode_t)m;
			break;
		case 'g':
			if ((gr = getgrnam(optarg)) == NULL) {
				say("--unix-group: no group '%s'", optarg);
				return 2;
			}
			co.unix_gid = gr->gr_gid;
			break;
		case 'r':
			co.retention = number_arg("--retention", optarg, 0,
			    36500);
			break;
		case 'f':
			co.fsync_s = number_arg("--fsync", optarg, 1, 3600);
			break;
		case 'M':
			if (prom_path_check(optarg, err,
			    sizeof(err)) == -1) {
				say("--metrics: %s", err);
				return 2;
			}
			co.metrics = optarg;
			break;
		case 'I':
			co.metrics_s = number_arg("--metrics-interval", optarg,
			    1, 3600);
			break;
		case 'v': co.verbose++; break;
		case 'V':
			printf("nfqd-collect %s\n", NFQD_VERSION);
			return 0;
		case 'h': usage(0);
		case ':':
			say("%s needs an argument", argv[optind - 1]);
			usage(2);
		default:
			if (optopt != 0)
				say("unknown option -%c", optopt);
			else
				say("unknown option %s", argv[optind - 1]);
			usage(2);
		}
	}
	if (optind != argc) {
		say("unexpected argument '%s'", argv[optind]);
		usage(2);
	}
	if (nwant == 0) {
		say("nothing to listen on: give --tcp, --udp, --unix or "
		    "--unix-dgram");
		return 2;
	}
	if (stat(co.dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    access(co.dir, W_OK) == -1) {
		say("%s: not a writable folder", co.dir);
		return 2;
	}
	if (co.metrics != NULL && metrics_folder_check(co.metrics, err,
	    sizeof(err)) == -1) {
		say("--metrics: %s", err);
		return 2;
	}
	if (co.nallow == 0) {		/* this host alone */
		prefix_parse("127.0.0.0/8", &co.allow[co.nallow++], err,
		    sizeof(err));
		prefix_parse("::1", &co.allow[co.nallow++], err, sizeof(err));
	}
	for (i = 0; i < nwant; i++)
		if ((want[i].kind == L_TCP || want[i].kind == L_UDP ?
		    listen_inet(&co, &want[i]) : listen_unix(&co,
		    &want[i])) == -1) {
			listeners_close(&co);
			return 1;
		}
	for (i = 0; i < co.nallow; i++) {
		prefix_format(&co.allow[i], pfx, sizeof(pfx));
		say("accepting tcp and udp senders from %s", pfx);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		say("signalfd: %s", strerror(errno));
		listeners_close(&co);
		return 1;
	}
	say("writing to %s/SENDER/eve-YYYY-MM-DD.json, keeping %d days%s",
	    co.dir, co.retention, co.retention == 0 ? " (all: retention 0)" :
	    "");
	rc = collector_run(&co, sfd);
	close(sfd);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1);
	return collect_main(argc, argv);
}
