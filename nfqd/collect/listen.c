/*
 * nfqd-collect: its listeners (--tcp, --udp, --unix, --unix-dgram), each
 * checked before anything is bound, and the senders --allow lets in.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/addr.h"
#include "collect/collect.h"

const char *const lkind_names[] = { "tcp", "udp", "unix", "unix-dgram" };

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
struct addrinfo *
inet_resolve(enum lkind kind, const char *spec)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256], port[8];
	int		 rc;

	if (addr_split(spec, host, sizeof(host), port, sizeof(port)) == -1) {
		collect_say("--%s %s: expected ADDRESS:PORT with a port from 0 "
		    "to 65535 ([ADDRESS]:PORT for IPv6, *:PORT for all)",
		    lkind_names[kind], spec);
		return NULL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = kind == L_TCP ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST;
	if ((rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port,
	    &hints, &res)) != 0) {
		collect_say("--%s %s: %s: %s", lkind_names[kind], spec, host,
		    rc == EAI_NONAME ? "not a numeric address" :
		    gai_strerror(rc));
		return NULL;
	}
	return res;
}

int
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
			collect_say("at most %d listeners", MAX_LISTENERS);
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
			collect_say("--%s %s: %s", lkind_names[spec->kind],
			    spec->spec, strerror(errno));
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
		collect_say("listening on %s", l->name);
	}
	freeaddrinfo(res);
	return 0;
}

int
unix_check(enum lkind kind, const char *path)
{
	if (path[0] == '\0' || strlen(path) >=
	    sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
		collect_say("--%s %s: a socket path has 1-%zu bytes",
		    lkind_names[kind], path,
		    sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
		return -1;
	}
	return 0;
}

int
listen_unix(struct collector *co, struct listener *spec)
{
	struct sockaddr_un	 sun;
	struct listener		*l;
	struct stat		 st;
	const char		*path = spec->spec;
	int			 fd, one = 1;
	mode_t			 old;

	if (co->nl == MAX_LISTENERS) {
		collect_say("at most %d listeners", MAX_LISTENERS);
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
		collect_say("--%s %s: %s", lkind_names[spec->kind], path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, co->unix_mode) == -1 || (co->unix_gid != (gid_t)-1 &&
	    chown(path, (uid_t)-1, co->unix_gid) == -1)) {
		collect_say("--%s %s: mode or group: %s",
		    lkind_names[spec->kind], path, strerror(errno));
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
	    sun.sun_path);	/* path, which fits (unix_check) */
	snprintf(l->path, sizeof(l->path), "%s", path);
	collect_say("listening on %s (mode %04o)", l->name,
	    (unsigned)co->unix_mode);
	return 0;
}

void
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
bool
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

void
sender_refused(struct collector *co, const char *what, const char *who)
{
	uint64_t	 missed;

	co->n.senders_refused++;
	if (ratelog_due(&co->sender_log, &missed))
		collect_say("refused %s from %s: not in --allow (%llu refused "
		    "so far, %llu since the last such line)", what, who,
		    (unsigned long long)co->n.senders_refused,
		    (unsigned long long)missed);
}
