/*
 * nfqd-collect: a small collector for nfqd's events, and the report a
 * security officer asks for first.
 *
 *	nfqd-collect [-v] [-d DIR] [--tcp ADDR:PORT] [--udp ADDR:PORT]
 *	    [--unix PATH] [--unix-dgram PATH] [--retention DAYS]
 *	    [--fsync SECONDS]
 *	nfqd-collect report DIR [--since DATE] [--until DATE] [-c CONF]
 *	    [--json]
 *
 * The collector runs in the foreground, one poll loop: any number of
 * listeners (each option may be given more than once), up to MAX_CLIENTS
 * stream clients.  Every line (a stream line, or a datagram; a syslog
 * header in front, RFC 5424 or syslog(3)'s, is taken off) must be one
 * JSON object of at most LINE_MAX bytes, or it is counted and dropped.
 * It is appended, as it came, to DIR/eve-YYYY-MM-DD.json for the UTC
 * date of its own `timestamp` (of its arrival when it has none); files
 * are fsync'ed on a timer.  Files older than the retention period (60
 * days unless told) are removed at start and after every UTC midnight.
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 on a runtime failure, 2 on a
 * usage or configuration error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
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

#include "../nfqd/nfqd.h"

#define LINE_MAX_LEN	65536		/* bytes, without the newline */
#define MAX_LISTENERS	16
#define MAX_CLIENTS	1024
#define MAX_DAYFILES	8		/* open daily files */
#define DAYFILE_BUF	65536
#define DAYFILE_IDLE_S	600		/* close a file unused this long */
#define UDP_RCVBUF	(8 << 20)
#define DGRAM_BATCH	256		/* datagrams per listener per turn */
#define LOG_EVERY_S	60
#define DEFAULT_DIR	"/var/log/nfqd-collect"
#define DEFAULT_KEEP	60		/* days: Cal Poly's mail-log standard */

enum lkind { L_TCP, L_UDP, L_UNIX, L_UNIX_DGRAM };
static const char *lkind_names[] = { "tcp", "udp", "unix", "unix-dgram" };

struct listener {
	int		 fd;
	enum lkind	 kind;
	char		 name[MAX_PATH];	/* as bound, for the logs */
	char		 path[MAX_PATH];	/* unix: removed at exit */
};

struct client {
	int		 fd;
	char		*buf;
	size_t		 len;
	bool		 skipping;	/* inside a line that was too long */
	char		 peer[80];
};

struct dayfile {
	char		 date[11];	/* "" unused */
	int		 fd;
	char		*buf;
	size_t		 len;
	bool		 dirty;		/* written since the last fsync */
	int64_t		 used;		/* mono s */
};

struct counters {
	uint64_t	 lines, written, invalid, too_long, partial;
	uint64_t	 no_timestamp, write_failed, clients, refused;
};

struct collector {
	const char	*dir;
	int		 retention;	/* days, 0: keep everything */
	int		 fsync_s;
	int		 verbose;
	struct listener	 l[MAX_LISTENERS];
	size_t		 nl;
	struct client	*c;
	size_t		 nc;
	struct dayfile	 f[MAX_DAYFILES];
	struct counters	 n;
	int64_t		 today;		/* UTC days since 1970 */
	int64_t		 last_fsync, last_fail_log, last_refuse_log;
	char		*dgram;		/* LINE_MAX_LEN + 2 */
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

static int64_t
utc_day(void)
{
	return (int64_t)time(NULL) / 86400;
}

static void
day_format(int64_t day, char *out, size_t len)
{
	time_t		 t = (time_t)(day * 86400);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
}

/* "YYYY-MM-DD" at s (not necessarily terminated) into days, or -1. */
static int64_t
day_parse(const char *s, size_t len)
{
	char	 d[11];
	int64_t	 t;

	if (len < 10)
		return -1;
	memcpy(d, s, 10);
	d[10] = '\0';
	if (date_parse(d, &t) == -1)
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

/* ADDR:PORT, [V6]:PORT or *:PORT; port 0 picks one (logged). */
static int
addr_split(const char *s, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char	*colon, *h = s;
	size_t		 n;

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
	memcpy(host, h, n);
	host[n] = '\0';
	strcpy(port, colon + 1);
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

static int
listen_inet(struct collector *co, enum lkind kind, const char *spec)
{
	struct addrinfo	 hints, *res, *ai;
	struct listener	*l;
	char		 host[256], port[8], where[128];
	int		 fd, one = 1, rc, v = UDP_RCVBUF;

	if (addr_split(spec, host, sizeof(host), port, sizeof(port)) == -1) {
		say("--%s %s: expected ADDRESS:PORT ([ADDRESS]:PORT for IPv6, "
		    "*:PORT for all)", lkind_names[kind], spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = kind == L_TCP ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port,
	    &hints, &res)) != 0) {
		say("--%s %s: %s", lkind_names[kind], spec, gai_strerror(rc));
		return -1;
	}
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
		if (kind == L_UDP &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v,
		    sizeof(v)) == -1)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    (kind == L_TCP && listen(fd, 128) == -1)) {
			say("--%s %s: %s", lkind_names[kind], spec,
			    strerror(errno));
			close(fd);
			freeaddrinfo(res);
			return -1;
		}
		l = &co->l[co->nl++];
		l->fd = fd;
		l->kind = kind;
		sockname(fd, where, sizeof(where));
		snprintf(l->name, sizeof(l->name), "%s %s", lkind_names[kind],
		    where);
		say("listening on %s", l->name);
	}
	freeaddrinfo(res);
	return 0;
}

static int
listen_unix(struct collector *co, enum lkind kind, const char *path)
{
	struct sockaddr_un	 sun;
	struct listener		*l;
	struct stat		 st;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path) || path[0] == '\0') {
		say("--%s %s: a socket path has 1-%zu bytes", lkind_names[kind],
		    path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	if (co->nl == MAX_LISTENERS) {
		say("at most %d listeners", MAX_LISTENERS);
		return -1;
	}
	strcpy(sun.sun_path, path);
	/* a socket left by a previous run goes; anything else stays */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, (kind == L_UNIX ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    (kind == L_UNIX && listen(fd, 128) == -1)) {
		say("--%s %s: %s", lkind_names[kind], path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	l = &co->l[co->nl++];
	l->fd = fd;
	l->kind = kind;
	snprintf(l->name, sizeof(l->name), "%s %s", lkind_names[kind], path);
	snprintf(l->path, sizeof(l->path), "%s", path);
	say("listening on %s", l->name);
	return 0;
}

/* ---- daily files ---- */

static void
dayfile_write(struct collector *co, struct dayfile *f)
{
	size_t	 off = 0;
	ssize_t	 w;
	int64_t	 now;

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
		now = (clock_mono_ms() / 1000);
		if (now - co->last_fail_log >= LOG_EVERY_S) {
			say("eve-%s.json: write: %s (%llu lines lost so far)",
			    f->date, strerror(w == -1 ? errno : EIO),
			    (unsigned long long)co->n.write_failed);
			co->last_fail_log = now;
		}
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
dayfile_get(struct collector *co, const char *date)
{
	struct dayfile	*f, *lru = &co->f[0];
	char		 path[MAX_PATH];
	size_t		 i;
	int		 fd;

	for (i = 0; i < MAX_DAYFILES; i++) {
		f = &co->f[i];
		if (strcmp(f->date, date) == 0) {
			f->used = (clock_mono_ms() / 1000);
			return f;
		}
		if (f->date[0] == '\0' || (lru->date[0] != '\0' &&
		    f->used < lru->used))
			lru = f;
	}
	dayfile_close(co, lru);
	snprintf(path, sizeof(path), "%s/eve-%s.json", co->dir, date);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		if ((clock_mono_ms() / 1000) - co->last_fail_log >= LOG_EVERY_S) {
			say("%s: %s", path, strerror(errno));
			co->last_fail_log = (clock_mono_ms() / 1000);
		}
		return NULL;
	}
	snprintf(lru->date, sizeof(lru->date), "%s", date);
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

/* Remove eve-DATE.json* files whose whole day is older than retention. */
static void
retention_sweep(struct collector *co)
{
	DIR		*d;
	struct dirent	*e;
	int64_t		 day, oldest;
	char		 path[MAX_PATH], keep[11];
	size_t		 i;

	if (co->retention == 0)
		return;
	oldest = utc_day() - co->retention;	/* this day and later stay */
	day_format(oldest, keep, sizeof(keep));
	if ((d = opendir(co->dir)) == NULL) {
		say("%s: %s", co->dir, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if ((day = file_day(e->d_name, false)) == -1 || day >= oldest)
			continue;
		for (i = 0; i < MAX_DAYFILES; i++)
			if (co->f[i].date[0] != '\0' &&
			    strncmp(e->d_name + 4, co->f[i].date, 10) == 0)
				dayfile_close(co, &co->f[i]);
		snprintf(path, sizeof(path), "%s/%s", co->dir, e->d_name);
		if (unlink(path) == 0)
			say("removed %s: older than %d days (keeping %s and "
			    "later)", e->d_name, co->retention, keep);
		else
			say("%s: %s", path, strerror(errno));
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

static void
line_in(struct collector *co, const char *p, size_t len)
{
	const char	*end = p + len, *pe = NULL;
	cJSON		*o, *ts;
	char		 date[11];
	struct dayfile	*f;
	int64_t		 d;

	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	p = syslog_strip(p, end);
	len = (size_t)(end - p);
	if (len == 0)
		return;
	co->n.lines++;
	o = cJSON_ParseWithLengthOpts(p, len, &pe, false);
	if (o == NULL || !cJSON_IsObject(o)) {
		co->n.invalid++;
		cJSON_Delete(o);
		return;
	}
	for (; pe != NULL && pe < end; pe++)
		if (*pe != ' ' && *pe != '\t')
			break;
	if (pe != NULL && pe < end) {
		co->n.invalid++;	/* something after the object */
		cJSON_Delete(o);
		return;
	}
	ts = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
	if (cJSON_IsString(ts) && (d = day_parse(ts->valuestring,
	    strlen(ts->valuestring))) != -1)
		day_format(d, date, sizeof(date));
	else {
		co->n.no_timestamp++;
		day_format(utc_day(), date, sizeof(date));
	}
	cJSON_Delete(o);
	if ((f = dayfile_get(co, date)) == NULL) {
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

/* Read what is there; false when the client is gone. */
static bool
client_read(struct collector *co, struct client *c)
{
	ssize_t	 n;
	char	*nl, *p;
	size_t	 left;

	for (int turns = 0; turns < 16; turns++) {
		n = read(c->fd, c->buf + c->len, LINE_MAX_LEN + 1 - c->len);
		if (n == 0)
			return false;
		if (n == -1)
			return errno == EAGAIN || errno == EINTR;
		c->len += (size_t)n;
		p = c->buf;
		left = c->len;
		while ((nl = memchr(p, '\n', left)) != NULL) {
			if (c->skipping)
				c->skipping = false;	/* its end */
			else
				line_in(co, p, (size_t)(nl - p));
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

static void
client_accept(struct collector *co, struct listener *l)
{
	struct client	*c;
	int		 fd;
	int64_t		 now;

	while ((fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		if (co->nc == MAX_CLIENTS) {
			close(fd);
			co->n.refused++;
			now = (clock_mono_ms() / 1000);
			if (now - co->last_refuse_log >= LOG_EVERY_S) {
				say("%d clients already: refused one",
				    MAX_CLIENTS);
				co->last_refuse_log = now;
			}
			continue;
		}
		c = &co->c[co->nc];
		memset(c, 0, sizeof(*c));
		if ((c->buf = malloc(LINE_MAX_LEN + 1)) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		if (l->kind == L_TCP) {
			struct sockaddr_storage	 ss;
			socklen_t		 sl = sizeof(ss);
			char			 h[NI_MAXHOST], p[NI_MAXSERV];

			if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
			    getnameinfo((struct sockaddr *)&ss, sl, h,
			    sizeof(h), p, sizeof(p),
			    NI_NUMERICHOST | NI_NUMERICSERV) == 0)
				snprintf(c->peer, sizeof(c->peer), "%.64s:%.8s",
				    h, p);
		} else
			snprintf(c->peer, sizeof(c->peer), "on %.70s",
			    l->path);
		co->nc++;
		co->n.clients++;
		if (co->verbose)
			say("client %s", c->peer);
	}
}

static void
dgram_read(struct collector *co, struct listener *l)
{
	ssize_t	 n;
	char	*p, *nl, *end;

	for (int i = 0; i < DGRAM_BATCH; i++) {
		n = recv(l->fd, co->dgram, LINE_MAX_LEN + 2, MSG_TRUNC);
		if (n == -1)
			return;
		if ((size_t)n > LINE_MAX_LEN + 1) {
			co->n.too_long++;
			continue;
		}
		/* one event, or several lines */
		for (p = co->dgram, end = p + n; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			line_in(co, p, (size_t)(nl - p));
		}
	}
}

/* ---- the loop ---- */

static void
collector_stats(struct collector *co)
{
	say("%llu lines: %llu written, %llu invalid, %llu too long, %llu "
	    "cut by a close, %llu without a timestamp, %llu lost to write "
	    "errors; %llu clients (%llu refused)",
	    (unsigned long long)co->n.lines, (unsigned long long)co->n.written,
	    (unsigned long long)co->n.invalid,
	    (unsigned long long)co->n.too_long,
	    (unsigned long long)co->n.partial,
	    (unsigned long long)co->n.no_timestamp,
	    (unsigned long long)co->n.write_failed,
	    (unsigned long long)co->n.clients,
	    (unsigned long long)co->n.refused);
}

static int
collector_run(struct collector *co, int sfd)
{
	struct pollfd		*p;
	struct signalfd_siginfo	 si;
	size_t			 i, np, nfix;
	int64_t			 now;
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
	while (!stop) {
		p[0].fd = sfd;
		p[0].events = POLLIN;
		for (i = 0; i < co->nl; i++) {
			p[1 + i].fd = co->l[i].fd;
			p[1 + i].events = POLLIN;
		}
		nfix = 1 + co->nl;
		for (i = 0; i < co->nc; i++) {
			p[nfix + i].fd = co->c[i].fd;
			p[nfix + i].events = POLLIN;
		}
		np = nfix + co->nc;
		if (poll(p, np, 1000) == -1 && errno != EINTR) {
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
		/* clients first: accept may move the array's tail */
		for (i = np - nfix; i-- > 0;)
			if (p[nfix + i].revents != 0 &&
			    !client_read(co, &co->c[i]))
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
	}
	for (i = co->nc; i-- > 0;) {
		client_read(co, &co->c[i]);
		client_close(co, i);
	}
	for (i = 0; i < MAX_DAYFILES; i++) {
		dayfile_close(co, &co->f[i]);
		free(co->f[i].buf);
	}
	for (i = 0; i < co->nl; i++) {
		close(co->l[i].fd);
		if (co->l[i].path[0] != '\0')
			unlink(co->l[i].path);
	}
	collector_stats(co);
	free(co->c);
	free(co->dgram);
	free(p);
	return 0;
}

static void __attribute__((noreturn))
usage(int rc)
{
	fprintf(rc ? stderr : stdout,
	    "usage: nfqd-collect [-v] [-d DIR] [--tcp ADDR:PORT] "
	    "[--udp ADDR:PORT]\n"
	    "           [--unix PATH] [--unix-dgram PATH] [--retention DAYS] "
	    "[--fsync SECONDS]\n"
	    "       nfqd-collect report DIR [--since YYYY-MM-DD] "
	    "[--until YYYY-MM-DD]\n"
	    "           [-c nfqd.conf] [--json]\n"
	    "  -d, --dir DIR        daily files eve-YYYY-MM-DD.json here "
	    "(default %s)\n"
	    "      --tcp ADDR:PORT  newline-delimited JSON over TCP "
	    "([::1]:PORT, *:PORT)\n"
	    "      --udp ADDR:PORT  one event per datagram\n"
	    "      --unix PATH      a unix stream socket\n"
	    "      --unix-dgram PATH  a unix datagram socket\n"
	    "      --retention DAYS remove files older than this (default "
	    "%d; 0 keeps all)\n"
	    "      --fsync SECONDS  sync the files this often (default 1)\n"
	    "  -v, --verbose        log clients coming and going\n",
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
		{ "retention",	required_argument,	NULL, 'r' },
		{ "fsync",	required_argument,	NULL, 'f' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct collector	 co;
	struct stat		 st;
	sigset_t		 set;
	int			 ch, rc, sfd;

	memset(&co, 0, sizeof(co));
	co.dir = DEFAULT_DIR;
	co.retention = DEFAULT_KEEP;
	co.fsync_s = 1;
	while ((ch = getopt_long(argc, argv, "d:vh", opts, NULL)) != -1) {
		rc = 0;
		switch (ch) {
		case 'd': co.dir = optarg; break;
		case 't': rc = listen_inet(&co, L_TCP, optarg); break;
		case 'u': rc = listen_inet(&co, L_UDP, optarg); break;
		case 'x': rc = listen_unix(&co, L_UNIX, optarg); break;
		case 'X': rc = listen_unix(&co, L_UNIX_DGRAM, optarg); break;
		case 'r':
			co.retention = number_arg("--retention", optarg, 0,
			    36500);
			break;
		case 'f':
			co.fsync_s = number_arg("--fsync", optarg, 1, 3600);
			break;
		case 'v': co.verbose++; break;
		case 'h': usage(0);
		default: usage(2);
		}
		if (rc == -1)
			return 1;
	}
	if (optind != argc)
		usage(2);
	if (co.nl == 0) {
		say("nothing to listen on: give --tcp, --udp, --unix or "
		    "--unix-dgram");
		return 2;
	}
	if (stat(co.dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    access(co.dir, W_OK) == -1) {
		say("%s: not a writable folder", co.dir);
		return 2;
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
		return 1;
	}
	say("writing to %s/eve-YYYY-MM-DD.json, keeping %d days%s", co.dir,
	    co.retention, co.retention == 0 ? " (all: retention 0)" : "");
	rc = collector_run(&co, sfd);
	close(sfd);
	return rc;
}

/* ---- report ---- */

#define TOP_HOSTS	10

static const char *dirs[] = { "inbound", "outbound", "internal", "transit" };

struct day {
	char		 date[11];
	uint64_t	 n[4][2];	/* direction x allowed, blocked */
};

/* A string-keyed count table: campus hosts, exception entries. */
struct item {
	char		*key;
	uint64_t	 n[2];		/* inbound, outbound */
	char		*dir, *ticket, *owner;
};

struct table {
	struct item	*v;
	size_t		 cap, n;
};

struct report {
	struct day	*days;
	size_t		 ndays, capdays;
	struct table	 hosts, exc;
	uint64_t	 events, bad, files, summaries;
	char		 first[11], last[11];
};

static uint64_t
str_hash(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct item *
table_get(struct table *t, const char *key)
{
	struct item	*old = t->v;
	size_t		 i, oldcap = t->cap;

	if (t->n * 2 >= t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		if ((t->v = calloc(t->cap, sizeof(*t->v))) == NULL) {
			say("out of memory");
			exit(1);
		}
		t->n = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i].key != NULL) {
				struct item *it = table_get(t, old[i].key);

				free(it->key);
				*it = old[i];
			}
		free(old);
	}
	for (i = str_hash(key) & (t->cap - 1); t->v[i].key != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	if ((t->v[i].key = strdup(key)) == NULL) {
		say("out of memory");
		exit(1);
	}
	t->n++;
	return &t->v[i];
}

static uint64_t
table_count(const struct table *t, const char *key)
{
	size_t	 i;

	if (t->cap == 0)
		return 0;
	for (i = str_hash(key) & (t->cap - 1); t->v[i].key != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (strcmp(t->v[i].key, key) == 0)
			return t->v[i].n[0] + t->v[i].n[1];
	return 0;
}

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		free(t->v[i].key);
		free(t->v[i].dir);
		free(t->v[i].ticket);
		free(t->v[i].owner);
	}
	free(t->v);
}

static struct day *
report_day(struct report *r, const char *date)
{
	size_t	 i;

	for (i = r->ndays; i-- > 0;)
		if (strcmp(r->days[i].date, date) == 0)
			return &r->days[i];
	if (r->ndays == r->capdays) {
		r->capdays = r->capdays ? r->capdays * 2 : 64;
		r->days = realloc(r->days, r->capdays * sizeof(*r->days));
		if (r->days == NULL) {
			say("out of memory");
			exit(1);
		}
	}
	memset(&r->days[r->ndays], 0, sizeof(r->days[0]));
	snprintf(r->days[r->ndays].date, 11, "%s", date);
	return &r->days[r->ndays++];
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
name_index(const char *s, const char **names, int n)
{
	for (int i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
report_event(struct report *r, const cJSON *o, const char *date)
{
	static const char	*acts[] = { "allowed", "blocked" };
	const char		*type = jstr(o, "event_type"), *host = NULL;
	const cJSON		*p, *x, *cnt;
	uint64_t		 count = 1;
	int			 d, a;
	struct item		*it;

	if (type == NULL)
		return;
	if (strcmp(type, "policy") == 0)
		p = cJSON_GetObjectItemCaseSensitive(o, "policy");
	else if (strcmp(type, "policy_summary") == 0) {
		p = cJSON_GetObjectItemCaseSensitive(o, "policy_summary");
		cnt = cJSON_GetObjectItemCaseSensitive(p, "count");
		if (!cJSON_IsNumber(cnt) || cnt->valuedouble < 0)
			return;
		count = (uint64_t)cnt->valuedouble;
		r->summaries++;
	} else
		return;
	if ((d = name_index(jstr(p, "direction"), dirs, 4)) == -1 ||
	    (a = name_index(jstr(p, "action"), acts, 2)) == -1)
		return;
	report_day(r, date)->n[d][a] += count;
	if (strcmp(r->first, date) > 0 || r->first[0] == '\0')
		snprintf(r->first, sizeof(r->first), "%s", date);
	if (strcmp(r->last, date) < 0)
		snprintf(r->last, sizeof(r->last), "%s", date);
	/* the campus end: dest inbound, src outbound (a summary of an
	 * inbound scan has many campus ends, only a sample of them) */
	if (a == 1 && d == 0 && strcmp(type, "policy") == 0)
		host = jstr(o, "dest_ip");
	else if (a == 1 && d == 1)
		host = jstr(o, "src_ip");
	if (host != NULL)
		table_get(&r->hosts, host)->n[d] += count;
	x = cJSON_GetObjectItemCaseSensitive(p, "exception");
	if (a == 0 && (d == 0 || d == 1) && jstr(x, "entry") != NULL) {
		it = table_get(&r->exc, jstr(x, "entry"));
		it->n[d] += count;
		if (it->dir == NULL) {
			it->dir = dup_or_null(jstr(x, "direction"));
			it->ticket = dup_or_null(jstr(x, "ticket"));
			it->owner = dup_or_null(jstr(x, "owner"));
		}
	}
}

static int
report_file(struct report *r, const char *path, int64_t since, int64_t until)
{
	FILE	*f;
	char	*line = NULL, date[11];
	size_t	 cap = 0;
	ssize_t	 len;
	cJSON	*o, *ts;
	int64_t	 d;

	if ((f = fopen(path, "r")) == NULL) {
		say("%s: %s", path, strerror(errno));
		return -1;
	}
	r->files++;
	while ((len = getline(&line, &cap, f)) != -1) {
		o = cJSON_ParseWithLength(line, (size_t)len);
		ts = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
		if (!cJSON_IsObject(o) || !cJSON_IsString(ts) ||
		    (d = day_parse(ts->valuestring,
		    strlen(ts->valuestring))) == -1) {
			r->bad++;
			cJSON_Delete(o);
			continue;
		}
		if (d >= since && d <= until) {
			r->events++;
			day_format(d, date, sizeof(date));
			report_event(r, o, date);
		}
		cJSON_Delete(o);
	}
	free(line);
	fclose(f);
	return 0;
}

static int
day_cmp(const void *a, const void *b)
{
	return strcmp(((const struct day *)a)->date,
	    ((const struct day *)b)->date);
}

static int
host_cmp(const void *a, const void *b)
{
	const struct item	*x = a, *y = b;
	uint64_t		 nx = x->n[0] + x->n[1], ny = y->n[0] + y->n[1];

	if (nx != ny)
		return nx < ny ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Table entries with a key, sorted. */
static struct item *
table_sorted(struct table *t, size_t *n)
{
	struct item	*v = calloc(t->n + 1, sizeof(*v));
	size_t		 i;

	*n = 0;
	if (v == NULL) {
		say("out of memory");
		exit(1);
	}
	for (i = 0; i < t->cap; i++)
		if (t->v[i].key != NULL)
			v[(*n)++] = t->v[i];
	qsort(v, *n, sizeof(*v), host_cmp);
	return v;
}

static cJSON *
json_counts(const uint64_t n[2])
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "allowed", (double)n[0]);
	cJSON_AddNumberToObject(o, "blocked", (double)n[1]);
	return o;
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, k, v);
}

static void
report_json(struct report *r, const char *dir, struct item *hosts,
    size_t nh, struct item *exc, size_t ne, const struct policy *pol)
{
	cJSON		*o = cJSON_CreateObject(), *a, *x, *y;
	uint64_t	 tot[4][2];
	size_t		 i;
	char		*s, pfx[PREFIX_STRLEN];
	int		 d;

	memset(tot, 0, sizeof(tot));
	cJSON_AddStringToObject(o, "dir", dir);
	x = cJSON_AddObjectToObject(o, "period");
	add_str(x, "first", r->first[0] ? r->first : NULL);
	add_str(x, "last", r->last[0] ? r->last : NULL);
	cJSON_AddNumberToObject(o, "files", (double)r->files);
	cJSON_AddNumberToObject(o, "events", (double)r->events);
	cJSON_AddNumberToObject(o, "unreadable_lines", (double)r->bad);
	a = cJSON_AddArrayToObject(o, "days");
	for (i = 0; i < r->ndays; i++) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "date", r->days[i].date);
		for (d = 0; d < 4; d++) {
			cJSON_AddItemToObject(x, dirs[d],
			    json_counts(r->days[i].n[d]));
			tot[d][0] += r->days[i].n[d][0];
			tot[d][1] += r->days[i].n[d][1];
		}
		cJSON_AddItemToArray(a, x);
	}
	x = cJSON_AddObjectToObject(o, "total");
	for (d = 0; d < 4; d++)
		cJSON_AddItemToObject(x, dirs[d], json_counts(tot[d]));
	a = cJSON_AddArrayToObject(o, "top_blocked_hosts");
	for (i = 0; i < nh && i < TOP_HOSTS; i++) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "ip", hosts[i].key);
		cJSON_AddNumberToObject(x, "blocked",
		    (double)(hosts[i].n[0] + hosts[i].n[1]));
		cJSON_AddNumberToObject(x, "inbound", (double)hosts[i].n[0]);
		cJSON_AddNumberToObject(x, "outbound", (double)hosts[i].n[1]);
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "exceptions_used");
	for (i = 0; i < ne; i++) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "entry", exc[i].key);
		add_str(x, "direction", exc[i].dir);
		add_str(x, "ticket", exc[i].ticket);
		add_str(x, "owner", exc[i].owner);
		cJSON_AddNumberToObject(x, "allowed",
		    (double)(exc[i].n[0] + exc[i].n[1]));
		cJSON_AddNumberToObject(x, "inbound", (double)exc[i].n[0]);
		cJSON_AddNumberToObject(x, "outbound", (double)exc[i].n[1]);
		cJSON_AddItemToArray(a, x);
	}
	if (pol != NULL) {
		a = cJSON_AddArrayToObject(o, "exceptions_unused");
		for (i = 0; i < pol->exc.n; i++) {
			const struct exc_entry	*e = &pol->exc.v[i];

			prefix_format(&e->pfx, pfx, sizeof(pfx));
			if (table_count(&r->exc, pfx) > 0)
				continue;
			y = cJSON_CreateObject();
			cJSON_AddStringToObject(y, "entry", pfx);
			cJSON_AddStringToObject(y, "direction",
			    dir_name(e->dir));
			add_str(y, "ticket", e->ticket[0] ? e->ticket : NULL);
			add_str(y, "owner", e->owner[0] ? e->owner : NULL);
			add_str(y, "expires", e->expires[0] ? e->expires :
			    NULL);
			cJSON_AddNumberToObject(y, "line", e->line);
			cJSON_AddItemToArray(a, y);
		}
	}
	s = cJSON_Print(o);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
}

static void
report_text(struct report *r, const char *dir, struct item *hosts,
    size_t nh, struct item *exc, size_t ne, const struct policy *pol,
    const char *conf)
{
	uint64_t	 tot[4][2];
	size_t		 i, unused = 0;
	char		 pfx[PREFIX_STRLEN];
	int		 d;

	memset(tot, 0, sizeof(tot));
	printf("nfqd events in %s: %s .. %s, %llu events from %llu files",
	    dir, r->first[0] ? r->first : "-", r->last[0] ? r->last : "-",
	    (unsigned long long)r->events, (unsigned long long)r->files);
	if (r->bad > 0)
		printf(", %llu unreadable lines", (unsigned long long)r->bad);
	printf("\n\nConnections to SMTP ports, per day and direction%s\n",
	    r->summaries ? " (flood summaries included)" : "");
	printf("  %-10s  %-9s %10s %10s\n", "day", "direction", "allowed",
	    "blocked");
	for (i = 0; i < r->ndays; i++)
		for (d = 0; d < 4; d++) {
			tot[d][0] += r->days[i].n[d][0];
			tot[d][1] += r->days[i].n[d][1];
			if (r->days[i].n[d][0] + r->days[i].n[d][1] == 0)
				continue;
			printf("  %-10s  %-9s %10llu %10llu\n",
			    r->days[i].date, dirs[d],
			    (unsigned long long)r->days[i].n[d][0],
			    (unsigned long long)r->days[i].n[d][1]);
		}
	for (d = 0; d < 4; d++)
		printf("  %-10s  %-9s %10llu %10llu\n", "total", dirs[d],
		    (unsigned long long)tot[d][0],
		    (unsigned long long)tot[d][1]);

	printf("\nCampus hosts with the most blocked attempts\n");
	if (nh == 0)
		printf("  none\n");
	for (i = 0; i < nh && i < TOP_HOSTS; i++)
		printf("  %-39s %8llu  (inbound %llu, outbound %llu)\n",
		    hosts[i].key,
		    (unsigned long long)(hosts[i].n[0] + hosts[i].n[1]),
		    (unsigned long long)hosts[i].n[0],
		    (unsigned long long)hosts[i].n[1]);

	printf("\nExceptions used (connections they allowed)\n");
	if (ne == 0)
		printf("  none\n");
	for (i = 0; i < ne; i++)
		printf("  %-24s %-8s %8llu  (inbound %llu, outbound %llu)  "
		    "%s %s\n", exc[i].key, exc[i].dir ? exc[i].dir : "-",
		    (unsigned long long)(exc[i].n[0] + exc[i].n[1]),
		    (unsigned long long)exc[i].n[0],
		    (unsigned long long)exc[i].n[1],
		    exc[i].ticket ? exc[i].ticket : "-",
		    exc[i].owner ? exc[i].owner : "-");

	if (pol == NULL) {
		printf("\nExceptions never used: give -c nfqd.conf to list "
		    "them\n");
		return;
	}
	printf("\nExceptions never used (%s, %s)\n", conf,
	    pol->conf.exceptions);
	for (i = 0; i < pol->exc.n; i++) {
		const struct exc_entry	*e = &pol->exc.v[i];

		prefix_format(&e->pfx, pfx, sizeof(pfx));
		if (table_count(&r->exc, pfx) > 0)
			continue;
		unused++;
		printf("  %-24s %-8s line %-4u %s %s%s%s\n", pfx,
		    dir_name(e->dir), e->line, e->ticket[0] ? e->ticket : "-",
		    e->owner[0] ? e->owner : "-",
		    e->expires[0] ? " expires=" : "", e->expires);
	}
	if (unused == 0)
		printf("  none\n");
}

static int
report_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since",	required_argument,	NULL, 's' },
		{ "until",	required_argument,	NULL, 'u' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct report	 r;
	struct policy	*pol = NULL;
	struct dirent	**names = NULL;
	struct item	*hosts, *exc;
	const char	*conf = NULL, *dir;
	char		 err[ERRLEN], path[MAX_PATH];
	int64_t		 since = 0, until = INT64_MAX, d;
	size_t		 nh, ne;
	int		 ch, json = 0, n, i, rc = 0;

	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'u':
			if ((d = day_parse(optarg, strlen(optarg))) == -1 ||
			    strlen(optarg) != 10) {
				say("--%s: expected YYYY-MM-DD, got '%s'",
				    ch == 's' ? "since" : "until", optarg);
				return 2;
			}
			*(ch == 's' ? &since : &until) = d;
			break;
		case 'c': conf = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind + 1 != argc)
		usage(2);
	dir = argv[optind];
	if (conf != NULL &&
	    (pol = policy_load(conf, err, sizeof(err))) == NULL) {
		say("%s", err);
		return 2;
	}
	if ((n = scandir(dir, &names, NULL, alphasort)) == -1) {
		say("%s: %s", dir, strerror(errno));
		policy_free(pol);
		return 2;
	}
	memset(&r, 0, sizeof(r));
	for (i = 0; i < n; i++) {
		/* a file holds its date's events; a stray one is still read */
		if ((d = file_day(names[i]->d_name, true)) != -1 &&
		    d + 1 >= since && d - 1 <= until) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			    names[i]->d_name);
			if (report_file(&r, path, since, until) == -1)
				rc = 1;
		}
		free(names[i]);
	}
	free(names);
	if (r.ndays > 0)
		qsort(r.days, r.ndays, sizeof(*r.days), day_cmp);
	hosts = table_sorted(&r.hosts, &nh);
	exc = table_sorted(&r.exc, &ne);
	if (json)
		report_json(&r, dir, hosts, nh, exc, ne, pol);
	else
		report_text(&r, dir, hosts, nh, exc, ne, pol, conf);
	free(hosts);
	free(exc);
	table_free(&r.hosts);
	table_free(&r.exc);
	free(r.days);
	policy_free(pol);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1);
	return collect_main(argc, argv);
}
