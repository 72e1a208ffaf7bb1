/*
 * sinkspec.c: the grammar of an event sink spec, as `events` in nfqd.conf
 * lists them (sink/sink.h has the list).  Reading a configuration needs
 * only this: which kind, HOST:PORT or a path, the normal form.  What a
 * kind's own part says (redis://.../MODE/KEY, kafka://.../TOPIC?P=V) is
 * checked by the sink that sends (sink_spec_check, sinks_check_specs), so
 * that nfqctl and nfqd-rules read nfqd.conf without Redis or Kafka.
 */
#ifndef NFQD_POLICY_SINKSPEC_H
#define NFQD_POLICY_SINKSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SINK_BUFFER_DEFAULT	(4u << 20)	/* event-buffer default */
#define SINK_BUFFER_MIN		(64u << 10)
#define SINK_BUFFER_MAX		(1u << 30)

enum sink_type {
	ST_STDOUT, ST_FILE, ST_UDP, ST_TCP, ST_UNIX, ST_UNIX_DGRAM, ST_SYSLOG,
	ST_SYSLOG5424, ST_REDIS, ST_KAFKA
};

struct sink_kind {
	enum sink_type	 type;
	const char	*name;
	const char	*prefix;	/* as written in `events` */
	int		 socktype;	/* 0: written by the caller */
	bool		 inet;		/* HOST:PORT, else a path */
	bool		 syslog;	/* [:PATH], /dev/log if none */
	bool		 part;		/* HOST:PORT, then its own part from
					   the first '/' (redis, kafka) */
	bool		 lookup;	/* nfqd looks HOST up (not kafka's) */
};

/* spec's kind, and in *rest what follows its prefix; NULL if none. */
const struct sink_kind	*sinkspec_kind(const char *spec, const char **rest);
/* HOST:PORT or [V6]:PORT into host and port; -1 with a message. */
int		 sinkspec_hostport(const char *s, char *host, size_t hostlen,
		    char *port, size_t portlen, char *err, size_t errlen);
/* An inet kind's rest: HOST:PORT into hp, its own part ("" or "/...") */
int		 sinkspec_split(const struct sink_kind *k, const char *rest,
		    char *hp, size_t hplen, const char **part);
/*
 * The spec's normal form in out (relative paths taken from confdir; NULL:
 * left relative).  -1 and "bad event sink '...': why" if it is not one.
 */
int		 sinkspec_check(const char *spec, char *out, size_t outlen,
		    const char *confdir, char *err, size_t errlen);
/* A byte count with an optional K, M or G: event-buffer. */
int		 sinkspec_size(const char *v, uint64_t *out, char *err,
		    size_t errlen);
/* spec's HOST, when it is a name nfqd looks up (not an address). */
bool		 sinkspec_named(const char *spec, char *host, size_t hostlen,
		    char *port, size_t portlen);

#endif
