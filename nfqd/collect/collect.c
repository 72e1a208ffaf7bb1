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
 * The pieces: listen.c, client.c, line.c, dayfile.c (collect.h); this
 * file is the options and the loop.
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 on a runtime failure (a socket
 * that cannot be bound), 2 on a usage or configuration error, found
 * before anything is bound.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/addr.h"
#include "base/clock.h"
#include "base/prom.h"
#include "sink/metrics.h"
#include "collect/collect.h"
#include "collect/report.h"

/* ---- small things ---- */

void
collect_say(const char *fmt, ...)
{
	va_list	 ap;

	fputs("nfqd-collect: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool
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

/* ---- the loop ---- */

static void
collector_stats(struct collector *co)
{
	collect_say("%llu lines: %llu written, %llu rejected (not an nfqd "
	    "event), %llu too long, %llu cut by a close, %llu lost to write "
	    "errors; %llu clients (%llu refused: too many, %llu closed "
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
			collect_say("metrics: %s (%llu more failures not "
			    "logged)", err, (unsigned long long)missed);
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
		collect_say("out of memory");
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
			collect_say("poll: %s", strerror(errno));
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
		collect_say("%s: bad number '%s' (%ld-%ld)", opt, v, min, max);
		exit(2);
	}
	return (int)n;
}

static const struct option collect_opts[] = {
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

/*
 * One --tcp, --udp, --unix or --unix-dgram (ch its short option) into
 * want: its syntax checked, nothing bound.  0, or 2 with a message.
 */
static int
opt_listener(struct listener *want, size_t *nwant, int ch, const char *arg)
{
	struct addrinfo	*res;
	enum lkind	 kind;

	kind = ch == 't' ? L_TCP : ch == 'u' ? L_UDP :
	    ch == 'x' ? L_UNIX : L_UNIX_DGRAM;
	if (*nwant == MAX_LISTENERS) {
		collect_say("at most %d listeners", MAX_LISTENERS);
		return 2;
	}
	if (strlen(arg) >= sizeof(want[0].spec)) {
		collect_say("--%s: too long", lkind_names[kind]);
		return 2;
	}
	want[*nwant].kind = kind;
	snprintf(want[*nwant].spec, sizeof(want[*nwant].spec), "%s", arg);
	if (kind == L_TCP || kind == L_UDP) {
		if ((res = inet_resolve(kind, arg)) == NULL)
			return 2;
		freeaddrinfo(res);
	} else if (unix_check(kind, arg) == -1)
		return 2;
	(*nwant)++;
	return 0;
}

/* --allow CIDR: 0, or 2 with a message. */
static int
opt_allow(struct collector *co, const char *arg)
{
	char	 err[ERRLEN];

	if (co->nallow == MAX_ALLOW) {
		collect_say("--allow: at most %d prefixes", MAX_ALLOW);
		return 2;
	}
	if (prefix_parse(arg, &co->allow[co->nallow], err,
	    sizeof(err)) == -1) {
		collect_say("--allow %s: %s", arg, err);
		return 2;
	}
	co->nallow++;
	return 0;
}

/* --unix-mode MODE, octal: 0, or 2 with a message. */
static int
opt_unix_mode(struct collector *co, const char *arg)
{
	char		*end;
	unsigned long	 m;

	errno = 0;
	m = strtoul(arg, &end, 8);
	if (*arg < '0' || *arg > '7' || *end != '\0' || errno != 0 ||
	    m > 0777) {
		collect_say("--unix-mode: '%s' is not an octal mode "
		    "(0000-0777, e.g. 0660)", arg);
		return 2;
	}
	co->unix_mode = (mode_t)m;
	return 0;
}

/* --unix-group GROUP, by name: 0, or 2 with a message. */
static int
opt_unix_group(struct collector *co, const char *arg)
{
	struct group	*gr;

	if ((gr = getgrnam(arg)) == NULL) {
		collect_say("--unix-group: no group '%s'", arg);
		return 2;
	}
	co->unix_gid = gr->gr_gid;
	return 0;
}

/*
 * The command line into co and want, nothing bound yet: -1 to go on, or
 * the exit status (0 after -V, 2 on a usage error).
 */
static int
collect_options(struct collector *co, struct listener *want, size_t *nwant,
    int argc, char **argv)
{
	char	 err[ERRLEN];
	int	 ch, rc;

	opterr = 0;		/* our own message, then the usage */
	while ((ch = getopt_long(argc, argv, ":d:vVh", collect_opts,
	    NULL)) != -1) {
		rc = 0;
		switch (ch) {
		case 'd': co->dir = optarg; break;
		case 't': case 'u': case 'x': case 'X':
			rc = opt_listener(want, nwant, ch, optarg);
			break;
		case 'a': rc = opt_allow(co, optarg); break;
		case 'm': rc = opt_unix_mode(co, optarg); break;
		case 'g': rc = opt_unix_group(co, optarg); break;
		case 'r':
			co->retention = number_arg("--retention", optarg, 0,
			    36500);
			break;
		case 'f':
			co->fsync_s = number_arg("--fsync", optarg, 1, 3600);
			break;
		case 'M':
			if (prom_path_check(optarg, err, sizeof(err)) == -1) {
				collect_say("--metrics: %s", err);
				return 2;
			}
			co->metrics = optarg;
			break;
		case 'I':
			co->metrics_s = number_arg("--metrics-interval",
			    optarg, 1, 3600);
			break;
		case 'v': co->verbose++; break;
		case 'V':
			printf("nfqd-collect %s\n", NFQD_VERSION);
			return 0;
		case 'h': usage(0);
		case ':':
			collect_say("%s needs an argument", argv[optind - 1]);
			usage(2);
		default:
			if (optopt != 0)
				collect_say("unknown option -%c", optopt);
			else
				collect_say("unknown option %s",
				    argv[optind - 1]);
			usage(2);
		}
		if (rc != 0)
			return rc;
	}
	if (optind != argc) {
		collect_say("unexpected argument '%s'", argv[optind]);
		usage(2);
	}
	if (*nwant == 0) {
		collect_say("nothing to listen on: give --tcp, --udp, --unix "
		    "or --unix-dgram");
		return 2;
	}
	return -1;
}

/*
 * What the options name is there: a writable folder, the metrics file's
 * folder; and without --allow, this host alone.  0, or 2 with a message.
 */
static int
collect_check(struct collector *co)
{
	struct stat	 st;
	char		 err[ERRLEN];

	if (stat(co->dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    access(co->dir, W_OK) == -1) {
		collect_say("%s: not a writable folder", co->dir);
		return 2;
	}
	if (co->metrics != NULL && metrics_folder_check(co->metrics, err,
	    sizeof(err)) == -1) {
		collect_say("--metrics: %s", err);
		return 2;
	}
	if (co->nallow == 0) {		/* this host alone */
		prefix_parse("127.0.0.0/8", &co->allow[co->nallow++], err,
		    sizeof(err));
		prefix_parse("::1", &co->allow[co->nallow++], err,
		    sizeof(err));
	}
	return 0;
}

/* Every listener of want bound, then whom they accept said: 0, or -1
 * (logged) with none left bound. */
static int
collect_bind(struct collector *co, struct listener *want, size_t nwant)
{
	char	 pfx[PREFIX_STRLEN];
	size_t	 i;

	for (i = 0; i < nwant; i++)
		if ((want[i].kind == L_TCP || want[i].kind == L_UDP ?
		    listen_inet(co, &want[i]) : listen_unix(co,
		    &want[i])) == -1) {
			listeners_close(co);
			return -1;
		}
	for (i = 0; i < co->nallow; i++) {
		prefix_format(&co->allow[i], pfx, sizeof(pfx));
		collect_say("accepting tcp and udp senders from %s", pfx);
	}
	return 0;
}

/* The signals the loop reads, blocked and on a signalfd (SIGPIPE
 * ignored): its fd, or -1 logged. */
static int
collect_signals(void)
{
	sigset_t	 set;
	int		 sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		collect_say("signalfd: %s", strerror(errno));
	return sfd;
}

static int
collect_main(int argc, char **argv)
{
	static struct listener	 want[MAX_LISTENERS];
	struct collector	 co;
	size_t			 nwant = 0;
	int			 rc, sfd;

	memset(&co, 0, sizeof(co));
	co.dir = DEFAULT_DIR;
	co.retention = DEFAULT_KEEP;
	co.fsync_s = 1;
	co.metrics_s = 15;
	co.start_us = clock_real_us();
	co.unix_mode = 0660;
	co.unix_gid = (gid_t)-1;
	/* Everything is checked first: a usage error binds nothing. */
	if ((rc = collect_options(&co, want, &nwant, argc, argv)) != -1 ||
	    (rc = collect_check(&co)) != 0)
		return rc;
	if (collect_bind(&co, want, nwant) == -1)
		return 1;
	if ((sfd = collect_signals()) == -1) {
		listeners_close(&co);
		return 1;
	}
	collect_say("writing to %s/SENDER/eve-YYYY-MM-DD.json, keeping %d "
	    "days%s", co.dir, co.retention, co.retention == 0 ?
	    " (all: retention 0)" : "");
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
