/*
 * pcap replay: the second packet source.  Frames from a pcap or pcapng
 * file go through the same engine_packet() as NFQUEUE packets; the clock
 * is the capture's timestamps, so expiry and timeouts are deterministic.
 * At the end every remaining flow is flushed, a stats event written, and a
 * one-screen summary printed to stderr.
 *
 * As live, events are formatted off the packet path: the engine pushes
 * them into an evq ring and a writer thread formats, counts and writes
 * them, in order.  Unlike live, replay never drops an event: a full ring
 * makes the reader wait for the writer.
 *
 * The capture is a file or standard input ("-"), plain or gzip-compressed:
 * the gzip magic (1f 8b) is looked for rather than the name, and zlib
 * inflates it behind a stdio stream (fopencookie), so libpcap reads it as
 * any other.  A pipe goes through zlib either way (its transparent mode
 * passes plain data on as it is), since its first bytes cannot be read
 * twice; a plain file is read by stdio alone, at full speed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <zlib.h>

#include "nfqd.h"
#include "sink/sink.h"

#define TOP_HOSTS	10
#define HOST_SLOTS	65536		/* campus hosts counted for the summary */
#define REPLAY_RING	8192		/* events between reader and writer */
#define REPLAY_READBUF	(1 << 20)	/* stdio buffer of the capture */

struct host_count {
	struct ip_addr	 addr;
	uint64_t	 n[2];		/* blocked inbound, outbound */
};

struct replay {
	struct sinks		*sinks;
	char			 buf[65536];
	uint64_t		 conns[4][2];	/* direction x action */
	struct host_count	*hosts;
	uint32_t		 nhosts;
	uint64_t		 hosts_dropped;
	/* the reader (engine) and the writer thread */
	struct evq		*q;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	_Atomic int		 waiting;	/* someone sleeps on cond */
	_Atomic int		 done;		/* no more events */
	int64_t			 now_us;	/* the last packet's time */
	_Atomic uint64_t	 pushed, popped;	/* the ring's backlog */
};

static void
replay_count_host(struct replay *r, const struct ip_addr *a, int dir,
    uint64_t n)
{
	uint32_t		 i;
	struct host_count	*h;

	if (r->hosts == NULL)
		return;
	i = (uint32_t)hash64(a, sizeof(*a), 0) & (HOST_SLOTS - 1);
	for (;; i = (i + 1) & (HOST_SLOTS - 1)) {
		h = &r->hosts[i];
		if (h->addr.af == 0) {
			if (r->nhosts == HOST_SLOTS / 2) {
				r->hosts_dropped++;
				return;
			}
			h->addr = *a;
			r->nhosts++;
			break;
		}
		if (addr_equal(&h->addr, a))
			break;
	}
	h->n[dir] += n;
}

/* Sleep until the other side signals, 1 ms at most (a missed wake-up). */
static void
replay_wait(struct replay *r)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->waiting, 1);
	pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	atomic_store(&r->waiting, 0);
	pthread_mutex_unlock(&r->lock);
}

static void
replay_wake(struct replay *r)
{
	if (atomic_load(&r->waiting)) {
		pthread_mutex_lock(&r->lock);
		pthread_cond_signal(&r->cond);
		pthread_mutex_unlock(&r->lock);
	}
}

/*
 * Engine callback: hand the event to the writer, waiting if it is behind.
 * A sleeping writer is woken only once a batch is waiting (it wakes on
 * its own within 1 ms anyway): a wake-up per event cost the reader a
 * tenth of its time in futex calls.
 */
static void
replay_emit(void *arg, const struct event *ev)
{
	struct replay	*r = arg;
	uint64_t	 n;

	while (!evq_push(r->q, ev))
		replay_wait(r);
	n = atomic_load_explicit(&r->pushed, memory_order_relaxed) + 1;
	atomic_store_explicit(&r->pushed, n, memory_order_relaxed);
	if (n - atomic_load_explicit(&r->popped, memory_order_relaxed) >=
	    REPLAY_RING / 8)
		replay_wake(r);
}

static void
replay_write(struct replay *r, struct event *ev)
{
	struct sink_stat ss[MAX_SINKS];
	size_t		 nss = MAX_SINKS;
	int		 len;

	if (ev->type == EV_POLICY) {
		r->conns[ev->policy.direction][ev->policy.action]++;
		if (ev->policy.action == A_BLOCKED &&
		    ev->policy.direction == D_INBOUND)
			replay_count_host(r, &ev->dst, 0, 1);
		else if (ev->policy.action == A_BLOCKED &&
		    ev->policy.direction == D_OUTBOUND)
			replay_count_host(r, &ev->src, 1, 1);
	} else if (ev->type == EV_SUMMARY) {
		/* Folded attempts count too; the campus end of an inbound
		 * scan is many hosts, so only outbound ones name a host. */
		r->conns[ev->summary.direction][A_BLOCKED] += ev->summary.count;
		if (ev->summary.direction == D_OUTBOUND)
			replay_count_host(r, &ev->src, 1, ev->summary.count);
	}
	if (ev->type == EV_STATS) {
		sinks_stats(r->sinks, ss, &nss);
		ev->stats.sinks = ss;
		ev->stats.nsinks = nss;
	}
	len = event_format(ev, r->buf, sizeof(r->buf));
	event_release(ev);
	if (len == -1) {
		log_warnx("event too large to format, dropped");
		return;
	}
	sinks_write(r->sinks, r->buf, (size_t)len);
}

static void *
replay_writer(void *arg)
{
	struct replay	*r = arg;
	struct event	 ev;

	for (;;) {
		if (evq_pop(r->q, &ev)) {
			replay_write(r, &ev);
			atomic_store_explicit(&r->popped, atomic_load_explicit(
			    &r->popped, memory_order_relaxed) + 1,
			    memory_order_relaxed);
			/* The reader waits only on a full ring. */
			replay_wake(r);
		} else if (atomic_load(&r->done)) {
			if (!evq_pop(r->q, &ev))
				break;
			replay_write(r, &ev);
		} else
			replay_wait(r);
	}
	return NULL;
}

/*
 * An auto-quarantine's start and end, as the quarantine events the
 * daemon writes for the state file's entries (replay writes no state:
 * the response table is the list here, for the whole duration).
 */
static int
replay_respond(void *arg, uint8_t action, const struct resp_entry *e)
{
	struct replay	*r = arg;
	struct event	 ev;

	if (e->kind != RK_QUARANTINE)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_QUARANTINE;
	ev.ts_us = action == RA_START ? r->now_us : e->until * 1000000;
	ev.quarantine.action = action == RA_START ? QA_START : QA_END;
	if ((ev.quarantine.q = malloc(sizeof(*ev.quarantine.q))) == NULL) {
		log_warnx("quarantine event lost: out of memory");
		return 0;
	}
	respond_quar_entry(e, ev.quarantine.q);
	replay_emit(r, &ev);
	return 0;
}

static int
host_cmp(const void *a, const void *b)
{
	const struct host_count	*x = a, *y = b;
	uint64_t		 nx = x->n[0] + x->n[1], ny = y->n[0] + y->n[1];

	if (nx != ny)
		return nx < ny ? 1 : -1;
	if (x->addr.af != y->addr.af)
		return x->addr.af - y->addr.af;
	return memcmp(x->addr.b, y->addr.b, 16);
}

static void
replay_summary(struct replay *r, const char *file, const struct stats *st)
{
	static const char	*dirs[] = { "inbound", "outbound", "internal",
				    "transit" };
	uint64_t		 total = st->allowed + st->blocked;
	uint32_t		 i, n = 0;
	char			 a[ADDR_STRLEN];

	fprintf(stderr, "nfqd: replay of %s\n", file);
	fprintf(stderr, "  %llu packets, %llu SMTP-port connections "
	    "(%llu allowed, %llu blocked)\n", (unsigned long long)st->pkts,
	    (unsigned long long)total, (unsigned long long)st->allowed,
	    (unsigned long long)st->blocked);
	if (st->summarized > 0)
		fprintf(stderr, "  %llu blocked attempts were folded into "
		    "policy_summary events (flood control)\n",
		    (unsigned long long)st->summarized);
	fprintf(stderr, "  %-10s %9s %9s\n", "direction", "allowed",
	    "blocked");
	for (i = 0; i < 4; i++)
		fprintf(stderr, "  %-10s %9llu %9llu\n", dirs[i],
		    (unsigned long long)r->conns[i][A_ALLOWED],
		    (unsigned long long)r->conns[i][A_BLOCKED]);
	if (r->hosts != NULL) {
		for (i = 0; i < HOST_SLOTS; i++)
			if (r->hosts[i].addr.af != 0)
				r->hosts[n++] = r->hosts[i];
		qsort(r->hosts, n, sizeof(*r->hosts), host_cmp);
	}
	if (n > 0)
		fprintf(stderr, "  top blocked campus hosts:\n");
	for (i = 0; i < n && i < TOP_HOSTS; i++) {
		addr_format(&r->hosts[i].addr, a, sizeof(a));
		fprintf(stderr, "    %-39s %6llu  (inbound %llu, outbound "
		    "%llu)\n", a, (unsigned long long)(r->hosts[i].n[0] +
		    r->hosts[i].n[1]), (unsigned long long)r->hosts[i].n[0],
		    (unsigned long long)r->hosts[i].n[1]);
	}
	fprintf(stderr, "  other traffic: %llu other ports, %llu not TCP, "
	    "%llu not IP, %llu fragments, %llu invalid\n",
	    (unsigned long long)st->other_port,
	    (unsigned long long)st->not_tcp, (unsigned long long)st->not_ip,
	    (unsigned long long)st->fragments,
	    (unsigned long long)st->invalid);
}

static int
replay_link(int dlt, enum link *link)
{
	switch (dlt) {
	case DLT_EN10MB:	*link = LINK_ETH; return 0;
	case DLT_LINUX_SLL:	*link = LINK_SLL; return 0;
	case DLT_LINUX_SLL2:	*link = LINK_SLL2; return 0;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:		*link = LINK_RAW; return 0;
	case DLT_NULL:
	case DLT_LOOP:		*link = LINK_NULL; return 0;
	}
	return -1;
}

/*
 * A packet's time, in microseconds.  A pcapng timestamp is any 64-bit
 * count of any unit, which libpcap hands over as a huge or negative
 * tv_sec: kept to 1970-9999, so that neither this product nor the
 * engine's clock arithmetic overflows.
 */
static int64_t
replay_ts(const struct timeval *tv)
{
	int64_t	 s = (int64_t)tv->tv_sec;

	if (s < 0)
		s = 0;
	else if (s > INT64_C(253402300799))	/* 9999-12-31T23:59:59Z */
		s = INT64_C(253402300799);
	return s * 1000000 + (int64_t)tv->tv_usec;
}

/* ---- the capture: a file or standard input, plain or gzip ---- */

struct replay_gz {
	gzFile		 gz;
	int		 err;		/* zlib's error, once one was seen */
	char		 msg[128];
};

static ssize_t
replay_gz_read(void *cookie, char *buf, size_t size)
{
	struct replay_gz	*z = cookie;
	const char		*m;
	int			 n;

	if (size > INT_MAX)
		size = INT_MAX;
	if ((n = gzread(z->gz, buf, (unsigned)size)) >= 0)
		return n;
	m = gzerror(z->gz, &z->err);
	if (strncmp(m, "<fd:", 4) == 0 && strstr(m, ">: ") != NULL)
		m = strstr(m, ">: ") + 3;
	snprintf(z->msg, sizeof(z->msg), "%s", z->err == Z_ERRNO ?
	    strerror(errno) : m);
	return -1;
}

/* zlib's word on a failed read, or NULL when zlib saw nothing wrong. */
static const char *
replay_gz_why(struct replay_gz *z)
{
	const char	*m;
	int		 err;

	if (z == NULL)
		return NULL;
	if (z->err != 0)
		return z->msg;
	m = gzerror(z->gz, &err);
	if (err == Z_OK)
		return NULL;
	if (strncmp(m, "<fd:", 4) == 0 && strstr(m, ">: ") != NULL)
		m = strstr(m, ">: ") + 3;	/* gzdopen's name for it */
	return m;
}

static int
replay_gz_close(void *cookie)
{
	struct replay_gz	*z = cookie;
	int			 rc;

	rc = gzclose_r(z->gz);
	free(z);
	return rc == Z_OK ? 0 : -1;
}

/* What libpcap calls an unknown file format may be another compression. */
static const char *
replay_hint(int fd)
{
	static const struct {
		const char	*magic, *tool;
		size_t		 len;
	} m[] = {
		{ "\xfd" "7zXZ", "xz -dc", 5 },
		{ "BZh", "bzip2 -dc", 3 },
		{ "\x28\xb5\x2f\xfd", "zstd -dc", 4 },
		{ "\x04\x22\x4d\x18", "lz4 -dc", 4 },
		{ "PK\x03\x04", "unzip -p", 4 },
	};
	char	 b[8];
	ssize_t	 n;
	size_t	 i;

	if ((n = pread(fd, b, sizeof(b), 0)) <= 0)
		return NULL;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if ((size_t)n >= m[i].len && memcmp(b, m[i].magic, m[i].len) == 0)
			return m[i].tool;
	return NULL;
}

/*
 * The capture's stream: fd (owned) through stdio, or through zlib when it
 * starts with the gzip magic or cannot be read twice (a pipe).
 */
static FILE *
replay_fopen(int fd, const char *name, struct replay_gz **zp)
{
	unsigned char	 magic[2] = { 0, 0 };
	struct replay_gz *z;
	FILE		*fp;
	bool		 gz;

	*zp = NULL;
	if (pread(fd, magic, sizeof(magic), 0) == -1) {
		if (errno != ESPIPE) {
			log_warnx("%s: %s", name, strerror(errno));
			close(fd);
			return NULL;
		}
		gz = true;		/* a pipe: zlib passes plain data on */
	} else
		gz = magic[0] == 0x1f && magic[1] == 0x8b;
	if (!gz) {
		if ((fp = fdopen(fd, "rb")) == NULL) {
			log_warnx("%s: %s", name, strerror(errno));
			close(fd);
		}
		return fp;
	}
	if ((z = calloc(1, sizeof(*z))) == NULL ||
	    (z->gz = gzdopen(fd, "rb")) == NULL) {
		log_warnx("%s: out of memory", name);
		free(z);
		close(fd);
		return NULL;
	}
	gzbuffer(z->gz, REPLAY_READBUF / 4);	/* before the first read */
	fp = fopencookie(z, "rb", (cookie_io_functions_t){
	    .read = replay_gz_read, .close = replay_gz_close });
	if (fp == NULL) {
		log_warnx("%s: %s", name, strerror(errno));
		replay_gz_close(z);
		return NULL;
	}
	*zp = z;
	return fp;
}

/*
 * Returns 0, or 1 for an unreadable or truncated capture.  FILE "-" is
 * standard input.
 */
int
replay_run(const struct policy *pol, const char *file, struct sinks *sinks)
{
	char			 errbuf[PCAP_ERRBUF_SIZE];
	pcap_t			*pc;
	struct pcap_pkthdr	*hdr;
	const u_char		*data;
	struct replay		*r;
	struct engine		*e;
	struct respond		*resp = NULL;
	enum link		 link;
	pthread_t		 writer;
	FILE			*fp;
	struct replay_gz	*gz;
	const char		*name = file, *tool, *why;
	int			 rc = 0, n, fd;
	static char		 readbuf[REPLAY_READBUF];

	/*
	 * A large stdio buffer: libpcap reads each record with fread.  glibc
	 * ignores the size when setvbuf is given no buffer (it read 4 KB at a
	 * time), so the buffer is ours; replay runs one capture at a time.
	 */
	if (strcmp(file, "-") == 0) {
		name = "standard input";
		fd = dup(STDIN_FILENO);
	} else
		fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		log_warnx("%s: %s", name, strerror(errno));
		return 1;
	}
	if ((fp = replay_fopen(fd, name, &gz)) == NULL)
		return 1;
	setvbuf(fp, readbuf, _IOFBF, sizeof(readbuf));
	__fsetlocking(fp, FSETLOCKING_BYCALLER);	/* one reader thread */
	pc = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (pc == NULL) {
		if ((why = replay_gz_why(gz)) != NULL)
			log_warnx("%s: gzip: %s", name, why);
		else if (gz == NULL && (tool = replay_hint(fileno(fp))) != NULL)
			log_warnx("%s: %s: it is compressed, and nfqd "
			    "inflates gzip only: %s %s | nfqd --replay -",
			    name, errbuf, tool, file);
		else
			log_warnx("%s: %s", name, errbuf);
		fclose(fp);
		return 1;
	}
	if (replay_link(pcap_datalink(pc), &link) == -1) {
		log_warnx("%s: unsupported link type %s", name,
		    pcap_datalink_val_to_name(pcap_datalink(pc)) ?
		    pcap_datalink_val_to_name(pcap_datalink(pc)) : "unknown");
		pcap_close(pc);
		return 1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->q = evq_new(REPLAY_RING)) == NULL ||
	    (e = engine_new(pol, 0, replay_emit, r)) == NULL) {
		if (r != NULL)
			evq_free(r->q);
		free(r);
		pcap_close(pc);
		log_warnx("out of memory");
		return 1;
	}
	r->sinks = sinks;
	r->hosts = table_calloc(HOST_SLOTS, sizeof(*r->hosts));
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if ((errno = pthread_create(&writer, NULL, replay_writer, r)) != 0)
		fatal("replay: writer thread");
	if ((pol->conf.auto_quarantine > 0 || pol->conf.harvest_block > 0) &&
	    (resp = respond_new(pol->conf.response_hosts)) == NULL)
		log_warnx("out of memory: no auto-quarantine or harvest block");
	engine_set_respond(e, resp);
	while ((n = pcap_next_ex(pc, &hdr, &data)) == 1) {
		r->now_us = replay_ts(&hdr->ts);
		/* Ends that came before this packet, starts it raised. */
		respond_settle(resp, r->now_us / 1000000, replay_respond, r);
		engine_packet(e, pol, link, data, hdr->caplen, hdr->len,
		    &(struct pkt_info){ .ts = r->now_us });
		respond_settle(resp, r->now_us / 1000000, replay_respond, r);
	}
	if (n != PCAP_ERROR_BREAK) {
		if ((why = replay_gz_why(gz)) != NULL)
			log_warnx("%s: gzip: %s", name, why);
		else
			log_warnx("%s: %s", name, pcap_geterr(pc));
		rc = 1;
	}
	engine_flush(e, FE_END_OF_CAPTURE);
	engine_stats_event(e);
	atomic_store(&r->done, 1);
	replay_wake(r);
	pthread_join(writer, NULL);
	sinks_flush(sinks);
	replay_summary(r, name, engine_stats(e));
	engine_free(e);
	evq_free(r->q);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	respond_free(resp);
	free(r->hosts);
	free(r);
	pcap_close(pc);
	return rc;
}
