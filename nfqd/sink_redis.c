/*
 * redis://HOST:PORT[/MODE/KEY]: events into Redis, in the shapes that
 * Suricata's EVE redis output writes, so its consumers read nfqd too:
 *
 *	list, lpush	LPUSH KEY line		(the default, key "nfqd")
 *	rpush		RPUSH KEY line
 *	channel, publish PUBLISH KEY line
 *	stream, xadd	XADD KEY MAXLEN ~ 100000 * eve line
 *
 * sink.c connects (TCP, with backoff), queues and counts; this file
 * speaks RESP through hiredis: commands formatted with
 * redisFormatCommandArgv, replies parsed with a redisReader, on the
 * sink's non-blocking socket.  Commands are pipelined: up to
 * INFLIGHT_MAX sent before their replies are read.  A line counts as
 * written when Redis answers it, as failed when Redis answers with an
 * error (a WRONGTYPE key, an out-of-memory server).  A connection lost
 * with commands unanswered sends them again on the next one: at least
 * once, so a line may be stored twice.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <hiredis/hiredis.h>

#include "nfqd.h"
#include "sink.h"
#include "sink_ext.h"

#define INFLIGHT_MAX	1024		/* commands without a reply yet */
#define OUT_CAP		(8 * SINK_LINE_MAX)	/* 512 KiB of commands */
#define FILL_ROOM	(SINK_LINE_MAX + 1024)	/* one more command fits */
#define REPLY_WAIT_MS	30000		/* no reply this long: lost */
#define STREAM_MAXLEN	"100000"	/* as Suricata's stream-maxlen */
#define KEY_MAX		128

enum rmode { RM_LPUSH, RM_RPUSH, RM_PUBLISH, RM_XADD };

static const struct {
	const char	*name;
	enum rmode	 mode;
} rmodes[] = {
	{ "list", RM_LPUSH }, { "lpush", RM_LPUSH }, { "rpush", RM_RPUSH },
	{ "channel", RM_PUBLISH }, { "publish", RM_PUBLISH },
	{ "stream", RM_XADD }, { "xadd", RM_XADD },
};
#define NRMODES	(sizeof(rmodes) / sizeof(rmodes[0]))

struct redis {
	enum rmode	 mode;
	char		 key[KEY_MAX];
	char		*line;		/* SINK_LINE_MAX */
	char		*out;		/* formatted commands, OUT_CAP */
	size_t		 acked, sent, len;	/* out[acked..len) unanswered */
	uint32_t	 clen[INFLIGHT_MAX];	/* their lengths, a ring */
	uint32_t	 chead, ncmd;
	redisReader	*reader;
	int64_t		 wait_since;	/* mono ms: replies owed since */
	int64_t		 last_err_log;
	uint64_t	 errors;
};

/* "" or "/MODE/KEY" into mode and key. */
static int
redis_parse(const char *path, enum rmode *mode, char *key, size_t keylen,
    char *err, size_t errlen)
{
	const char	*m, *slash;
	size_t		 i, n;

	*mode = RM_LPUSH;
	snprintf(key, keylen, "nfqd");
	if (path[0] == '\0')
		return 0;
	m = path + 1;
	if ((slash = strchr(m, '/')) == NULL || slash[1] == '\0') {
		snprintf(err, errlen, "expected redis://HOST:PORT/MODE/KEY");
		return -1;
	}
	for (i = 0; i < NRMODES; i++)
		if (strlen(rmodes[i].name) == (size_t)(slash - m) &&
		    strncmp(m, rmodes[i].name, (size_t)(slash - m)) == 0)
			break;
	if (i == NRMODES) {
		snprintf(err, errlen, "bad redis mode '%.*s' (list, lpush, "
		    "rpush, channel, publish, stream or xadd)",
		    (int)(slash - m) > 40 ? 40 : (int)(slash - m), m);
		return -1;
	}
	*mode = rmodes[i].mode;
	n = strlen(slash + 1);
	if (n >= keylen) {
		snprintf(err, errlen, "redis key longer than %zu bytes",
		    keylen - 1);
		return -1;
	}
	for (const char *p = slash + 1; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~') {
			snprintf(err, errlen, "redis key: printable "
			    "characters only");
			return -1;
		}
	memcpy(key, slash + 1, n + 1);
	return 0;
}

static int
redis_check(const char *path, char *err, size_t errlen)
{
	enum rmode	 mode;
	char		 key[KEY_MAX];

	return redis_parse(path, &mode, key, sizeof(key), err, errlen);
}

static int
redis_open(struct sink *k, const char *hostport, const char *path,
    char *err, size_t errlen)
{
	struct redis	*r;
	char		 msg[ERRLEN];

	(void)hostport;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->line = malloc(SINK_LINE_MAX)) == NULL ||
	    (r->out = malloc(OUT_CAP)) == NULL ||
	    (r->reader = redisReaderCreate()) == NULL) {
		if (r != NULL) {
			free(r->line);
			free(r->out);
		}
		free(r);
		snprintf(err, errlen, "event sink %s: out of memory",
		    sink_name(k));
		return -1;
	}
	sink_set_priv(k, r);	/* freed by redis_close from here on */
	if (redis_parse(path, &r->mode, r->key, sizeof(r->key), msg,
	    sizeof(msg)) == -1) {
		snprintf(err, errlen, "event sink %s: %s", sink_name(k), msg);
		return -1;
	}
	return 0;
}

static void
redis_close(struct sink *k)
{
	struct redis	*r = sink_priv(k);

	if (r->reader != NULL)
		redisReaderFree(r->reader);
	free(r->line);
	free(r->out);
	free(r);
	sink_set_priv(k, NULL);
}

/* A new connection: every unanswered command goes again, in order. */
static void
redis_up(struct sink *k)
{
	struct redis	*r = sink_priv(k);
	int		 one = 1;

	/* pipelined commands, not Nagle's wait for the previous reply */
	setsockopt(sink_fd(k), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	redisReaderFree(r->reader);
	r->reader = redisReaderCreate();
	r->sent = r->acked;
	r->wait_since = 0;
}

/* Queued lines into commands, while they fit. */
static int
redis_fill(struct sink *k, struct redis *r)
{
	const char	*argv[8];
	size_t		 argl[8], n;
	char		*cmd;
	int		 argc = 0, len;

	if (r->acked > 0 && r->acked == r->len)
		r->acked = r->sent = r->len = 0;
	else if (r->acked > 0 && r->len + FILL_ROOM > OUT_CAP) {
		memmove(r->out, r->out + r->acked, r->len - r->acked);
		r->sent -= r->acked;
		r->len -= r->acked;
		r->acked = 0;
	}
	while (r->ncmd < INFLIGHT_MAX && r->len + FILL_ROOM <= OUT_CAP &&
	    sink_take(k, r->line, &n)) {
		argc = 0;
		switch (r->mode) {
		case RM_LPUSH: argv[argc] = "LPUSH"; break;
		case RM_RPUSH: argv[argc] = "RPUSH"; break;
		case RM_PUBLISH: argv[argc] = "PUBLISH"; break;
		case RM_XADD: argv[argc] = "XADD"; break;
		}
		argl[argc] = strlen(argv[argc]);
		argc++;
		argv[argc] = r->key;
		argl[argc++] = strlen(r->key);
		if (r->mode == RM_XADD) {
			static const char *xa[] = { "MAXLEN", "~",
			    STREAM_MAXLEN, "*", "eve" };

			for (size_t i = 0; i < 5; i++) {
				argv[argc] = xa[i];
				argl[argc++] = strlen(xa[i]);
			}
		}
		argv[argc] = r->line;
		argl[argc++] = n;
		cmd = NULL;
		if ((len = redisFormatCommandArgv(&cmd, argc, argv, argl)) < 0 ||
		    (size_t)len > OUT_CAP - r->len) {
			if (cmd != NULL)
				redisFreeCommand(cmd);
			sink_settle(k, 0, 1, 0);	/* cannot happen */
			continue;
		}
		memcpy(r->out + r->len, cmd, (size_t)len);
		redisFreeCommand(cmd);
		r->len += (size_t)len;
		r->clen[(r->chead + r->ncmd) % INFLIGHT_MAX] = (uint32_t)len;
		r->ncmd++;
	}
	return 0;
}

static void
redis_error(struct sink *k, struct redis *r, const char *text)
{
	int64_t	 now = clock_mono_ms();

	r->errors++;
	if (r->last_err_log != 0 && now - r->last_err_log <
	    SINK_LOG_EVERY_S * 1000)
		return;
	log_warnx("event sink %s: redis refused an event: %.200s (%llu so "
	    "far)", sink_name(k), text, (unsigned long long)r->errors);
	r->last_err_log = now;
}

/* Read what Redis answered; settle one command per reply. */
static int
redis_read(struct sink *k, struct redis *r)
{
	char		 buf[16384];
	ssize_t		 n;
	void		*reply;
	redisReply	*rep;

	for (;;) {
		n = recv(sink_fd(k), buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0) {
			errno = 0;		/* closed by the server */
			return -1;
		}
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		if (redisReaderFeed(r->reader, buf, (size_t)n) != REDIS_OK) {
			errno = EPROTO;
			return -1;
		}
		for (;;) {
			reply = NULL;
			if (redisReaderGetReply(r->reader, &reply) !=
			    REDIS_OK) {
				errno = EPROTO;	/* not RESP: not Redis */
				return -1;
			}
			if (reply == NULL)
				break;
			rep = reply;
			if (r->ncmd == 0) {	/* an answer to nothing */
				freeReplyObject(reply);
				errno = EPROTO;
				return -1;
			}
			if (rep->type == REDIS_REPLY_ERROR) {
				redis_error(k, r, rep->str);
				sink_settle(k, 0, 1, 0);
			} else
				sink_settle(k, 1, 0, 0);
			freeReplyObject(reply);
			r->acked += r->clen[r->chead];
			r->chead = (r->chead + 1) % INFLIGHT_MAX;
			r->ncmd--;
			r->wait_since = r->ncmd > 0 ? clock_mono_ms() : 0;
		}
	}
}

static int
redis_step(struct sink *k)
{
	struct redis	*r = sink_priv(k);
	ssize_t		 n;
	bool		 full;

	redis_fill(k, r);
	if (r->sent < r->len) {
		n = send(sink_fd(k), r->out + r->sent, r->len - r->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0) {
			r->sent += (size_t)n;
			if (r->wait_since == 0)
				r->wait_since = clock_mono_ms();
		}
	}
	if (redis_read(k, r) == -1)
		return -1;
	if (r->ncmd > 0 && r->wait_since != 0 &&
	    clock_mono_ms() - r->wait_since > REPLY_WAIT_MS) {
		errno = ETIMEDOUT;
		return -1;
	}
	/* room for more (after moving the answered ones out): no wait */
	full = r->ncmd >= INFLIGHT_MAX ||
	    r->len - r->acked + FILL_ROOM > OUT_CAP;
	if (r->sent < r->len)		/* the socket is full: wait for it */
		sink_wait(k, 1000, sink_fd(k), POLLOUT | POLLIN, false);
	else				/* replies, new lines, or a close */
		sink_wait(k, r->ncmd > 0 ? 100 : 1000, sink_fd(k), POLLIN,
		    !full);
	return 0;
}

const struct sink_proto sink_redis = {
	.check = redis_check,
	.open = redis_open,
	.close = redis_close,
	.up = redis_up,
	.step = redis_step,
	.run = NULL,
};
