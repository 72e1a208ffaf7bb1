/*
 * The grammar of event sink specs (sinkspec.h): the kinds, HOST:PORT and
 * paths, the normal form nfqd.conf's `events` is kept in.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "policy/sinkspec.h"
#include "base/defs.h"

static const struct sink_kind kinds[] = {
	/* type, name, prefix, socktype, inet, syslog, part, lookup */
	{ ST_STDOUT, "stdout", "stdout", 0, false, false, false, false },
	{ ST_FILE, "file", "file:", 0, false, false, false, false },
	{ ST_UDP, "udp", "udp://", SOCK_DGRAM, true, false, false, true },
	{ ST_TCP, "tcp", "tcp://", SOCK_STREAM, true, false, false, true },
	{ ST_UNIX_DGRAM, "unix-dgram", "unix-dgram:", SOCK_DGRAM, false,
	    false, false, false },
	{ ST_UNIX, "unix", "unix:", SOCK_STREAM, false, false, false, false },
	{ ST_SYSLOG5424, "syslog-rfc5424", "syslog-rfc5424", SOCK_DGRAM,
	    false, true, false, false },
	{ ST_SYSLOG, "syslog", "syslog", SOCK_DGRAM, false, true, false,
	    false },
	{ ST_REDIS, "redis", "redis://", SOCK_STREAM, true, false, true,
	    true },
	{ ST_KAFKA, "kafka", "kafka://", SOCK_STREAM, true, false, true,
	    false },
};

const struct sink_kind *
sinkspec_kind(const char *spec, const char **rest)
{
	size_t	 i, n;

	for (i = 0; i < NELEM(kinds); i++) {
		n = strlen(kinds[i].prefix);
		if (strncmp(spec, kinds[i].prefix, n) != 0)
			continue;
		if (kinds[i].type == ST_STDOUT && spec[n] != '\0')
			continue;
		if (kinds[i].syslog && spec[n] != '\0') {
			if (spec[n] != ':')
				continue;
			n++;
		}
		*rest = spec + n;
		return &kinds[i];
	}
	return NULL;
}

int
sinkspec_hostport(const char *s, char *host, size_t hostlen, char *port,
    size_t portlen, char *err, size_t errlen)
{
	const char	*colon, *h = s, *close;
	size_t		 n;
	char		*end;
	unsigned long	 p;

	if (*s == '[') {
		if ((close = strchr(s, ']')) == NULL || close[1] != ':') {
			snprintf(err, errlen, "expected [ADDRESS]:PORT");
			return -1;
		}
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
		if (memchr(h, ':', n) == NULL) {
			snprintf(err, errlen, "brackets are for IPv6 "
			    "addresses");
			return -1;
		}
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			snprintf(err, errlen, "expected HOST:PORT");
			return -1;
		}
		n = (size_t)(colon - s);
		if (memchr(s, ':', n) != NULL) {
			snprintf(err, errlen, "an IPv6 address goes in "
			    "brackets: [2001:db8::5]:PORT");
			return -1;
		}
	}
	if (n == 0 || n >= hostlen) {
		snprintf(err, errlen, "bad host");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || h[i] == '.' ||
		    h[i] == '-' || h[i] == ':' || h[i] == '%' || h[i] == '_')) {
			snprintf(err, errlen, "bad character in host");
			return -1;
		}
	memcpy(host, h, n);
	host[n] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    p == 0 || p > 65535) {
		snprintf(err, errlen, "bad port '%s' (1-65535)", colon + 1);
		return -1;
	}
	snprintf(port, portlen, "%lu", p);
	return 0;
}

/*
 * A kind with a part of its own is HOST:PORT then that part from the
 * first '/' (""/"/list/nfqd"): split them.  Other inet sinks: all of it
 * is HOST:PORT.
 */
int
sinkspec_split(const struct sink_kind *k, const char *rest, char *hp,
    size_t hplen, const char **path)
{
	const char	*slash = k->part ? strchr(rest, '/') : NULL;
	size_t		 n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);

	*path = slash != NULL ? slash : "";
	if (n >= hplen) {
		snprintf(hp, hplen, "%.*s", (int)(hplen - 1), rest);
		return -1;
	}
	memcpy(hp, rest, n);
	hp[n] = '\0';
	return 0;
}

/*
 * Check one sink spec and write its normal form to out: relative paths
 * are taken from confdir (NULL: left relative).  -1 and a message if it
 * is not valid.  A kind's own part is kept as written, unchecked.
 */
int
sinkspec_check(const char *spec, char *out, size_t outlen,
    const char *confdir, char *err, size_t errlen)
{
	const struct sink_kind	*k;
	const char		*rest, *path;
	char			 host[256], port[8], msg[ERRLEN], hp[300];
	int			 n;

	if ((k = sinkspec_kind(spec, &rest)) == NULL) {
		snprintf(err, errlen, "bad event sink '%.200s' (expected "
		    "stdout, file:PATH, udp://HOST:PORT, tcp://HOST:PORT, "
		    "unix:PATH, unix-dgram:PATH, syslog[:PATH], "
		    "syslog-rfc5424[:PATH], redis://HOST:PORT[/MODE/KEY] or "
		    "kafka://HOST:PORT/TOPIC)", spec);
		return -1;
	}
	if (k->inet) {
		snprintf(msg, sizeof(msg), "bad host");
		if (sinkspec_split(k, rest, hp, sizeof(hp), &path) == -1 ||
		    sinkspec_hostport(hp, host, sizeof(host), port,
		    sizeof(port), msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "bad event sink '%.200s': %s",
			    spec, msg);
			return -1;
		}
		n = snprintf(out, outlen, strchr(host, ':') ? "%s[%s]:%s%s" :
		    "%s%s:%s%s", k->prefix, host, port, path);
	} else if (k->type == ST_STDOUT ||
	    (k->syslog && *rest == '\0' && rest[-1] != ':'))
		n = snprintf(out, outlen, "%s", k->prefix);
	else if (*rest == '\0') {
		snprintf(err, errlen, "bad event sink '%.200s': no path", spec);
		return -1;
	} else if (rest[0] == '/' || confdir == NULL)
		n = snprintf(out, outlen, "%s%s%s", k->prefix,
		    k->syslog ? ":" : "", rest);
	else
		n = snprintf(out, outlen, "%s%s%s/%s", k->prefix,
		    k->syslog ? ":" : "", confdir, rest);
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "path too long");	/* as conf.c says */
		return -1;
	}
	if (k->socktype != 0 && !k->inet && *rest != '\0' &&
	    strlen(strchr(out, ':') + 1) >=
	    sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
		snprintf(err, errlen, "bad event sink '%.200s': a socket path "
		    "has at most %zu bytes", spec,
		    sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
		return -1;
	}
	return 0;
}

/* A byte count with an optional K, M or G (powers of 1024). */
int
sinkspec_size(const char *v, uint64_t *out, char *err, size_t errlen)
{
	char			*end;
	unsigned long long	 n;
	uint64_t		 mul = 1;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (end != v && end[0] != '\0' && end[1] == '\0')
		switch (*end) {
		case 'k': case 'K': mul = 1u << 10; end++; break;
		case 'm': case 'M': mul = 1u << 20; end++; break;
		case 'g': case 'G': mul = 1u << 30; end++; break;
		}
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 ||
	    n > SINK_BUFFER_MAX / mul || n * mul < SINK_BUFFER_MIN) {
		snprintf(err, errlen, "bad size '%s' (%uK-%uM, bytes or with "
		    "K, M or G)", v, SINK_BUFFER_MIN >> 10, SINK_BUFFER_MAX >> 20);
		return -1;
	}
	*out = n * mul;
	return 0;
}

bool
sinkspec_named(const char *spec, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const struct sink_kind	*k;
	struct addrinfo		 hints, *res = NULL;
	const char		*rest, *path;
	char			 hp[300], msg[ERRLEN];

	if ((k = sinkspec_kind(spec, &rest)) == NULL || !k->inet ||
	    !k->lookup ||
	    sinkspec_split(k, rest, hp, sizeof(hp), &path) == -1 ||
	    sinkspec_hostport(hp, host, hostlen, port, portlen, msg,
	    sizeof(msg)) == -1)
		return false;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) == 0) {
		freeaddrinfo(res);
		return false;
	}
	return true;
}
