/*
 * nfqd-collect: its stream clients (tcp, unix) and datagrams (udp,
 * unix-dgram).  A client is greeted with "nfqd-ack 1" and told "ok N"
 * once its lines are written (docs/collectors.md); a line that could
 * not be written is never acknowledged.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "collect/collect.h"

void
client_close(struct collector *co, size_t i)
{
	struct client	*c = &co->c[i];

	if (c->len > 0 && !c->skipping)
		co->n.partial++;	/* a line cut by the close */
	if (co->verbose)
		collect_say("client %s gone", c->peer);
	close(c->fd);
	free(c->buf);
	co->c[i] = co->c[--co->nc];
}

/* Read what is there (turns reads at most); false when it is gone. */
bool
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
bool
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
int64_t
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
			collect_say("could not store every line from %s: "
			    "closing its connection unacknowledged, so that "
			    "it sends them again (%llu such closes so far)",
			    c->peer,
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
void
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

void
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
				collect_say("%d clients already: refused one",
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
			collect_say("client %s", c->peer);
	}
}

void
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
