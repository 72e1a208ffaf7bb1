/*
 * redis://HOST:PORT[/MODE/KEY[?auth-file=PATH]]: events into Redis, in the
 * shapes that Suricata's EVE redis output writes, so its consumers read
 * nfqd too:
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
 *
 * auth-file names a file holding PASSWORD or USER PASSWORD (Redis 6 ACL
 * users), readable by its owner (and group) only: it is read once at
 * open, and every connection starts with AUTH.  Events wait until Redis
 * has answered it; a refusal (WRONGPASS) is logged with Redis's words and
 * the connection is retried with the sink's backoff, the events queued,
 * never sent to be refused as NOAUTH.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "base/clock.h"
#include "sink/sink.h"
#include "sink/sink_ext.h"
#include "base/log.h"

#define INFLIGHT_MAX	1024		/* commands without a reply yet */
#define OUT_CAP		(8 * SINK_LINE_MAX)	/* 512 KiB of commands */
#define FILL_ROOM	(SINK_LINE_MAX + 1024)	/* one more command fits */
#define REPLY_WAIT_MS	30000		/* no reply this long: lost */
#define STREAM_MAXLEN	"100000"	/* as Suricata's stream-maxlen */
#define KEY_MAX		128
#define AUTH_MAX	512		/* the auth file's one line */

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
	char		*hello;		/* AUTH, formatted; NULL: none */
	size_t		 hello_len, hello_sent;
	bool		 hello_wait;	/* its answer is owed */
	int64_t		 last_auth_log;
};

/*
 * "" or "/MODE/KEY[?auth-file=PATH]" into mode, key and the auth file
 * ("" for none; an absolute path).
 */
static int
redis_parse(const char *path, enum rmode *mode, char *key, size_t keylen,
    char *auth, size_t authlen, char *err, size_t errlen)
{
	const char	*m, *slash, *q;
	char		 kbuf[KEY_MAX + 1];
	size_t		 i, n;

	*mode = RM_LPUSH;
	snprintf(key, keylen, "nfqd");
	auth[0] = '\0';
	if (path[0] == '\0')
		return 0;
	if ((q = strchr(path, '?')) != NULL) {
		if (strncmp(q + 1, "auth-file=", 10) != 0) {
			snprintf(err, errlen, "unknown redis option '%.40s' "
			    "(auth-file=PATH)", q + 1);
			return -1;
		}
		if (q[11] != '/' || strlen(q + 11) >= authlen ||
		    strpbrk(q + 11, "?& \t") != NULL) {
			snprintf(err, errlen, "redis auth-file: an absolute "
			    "path, no spaces, shorter than %zu bytes", authlen);
			return -1;
		}
		snprintf(auth, authlen, "%s", q + 11);
		if ((size_t)(q - path) >= sizeof(kbuf)) {
			snprintf(err, errlen, "redis key longer than %zu "
			    "bytes", keylen - 1);
			return -1;
		}
		memcpy(kbuf, path, (size_t)(q - path));
		kbuf[q - path] = '\0';
		path = kbuf;
	}
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
	char		 key[KEY_MAX], auth[MAX_PATH];

	return redis_parse(path, &mode, key, sizeof(key), auth, sizeof(auth),
	    err, errlen);
}

/*
 * The auth file into a formatted AUTH command.  Refused: a file others
 * may read or write, more than one line, an empty or unprintable secret.
 */
static int
redis_auth_load(struct redis *r, const char *file, char *err, size_t errlen)
{
	char		 buf[AUTH_MAX + 2], *sp;
	const char	*argv[3];
	size_t		 argl[3];
	struct stat	 st;
	ssize_t		 n;
	int		 fd, argc = 1, len;

	/* O_NONBLOCK: a FIFO there must not hang the start. */
	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "auth-file %.200s: %s", file,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) != 0) {
		snprintf(err, errlen, "auth-file %.200s: %s", file,
		    !S_ISREG(st.st_mode) ? "not a regular file" :
		    "readable or writable by others (chmod 600 or 640)");
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0 || n > AUTH_MAX) {
		snprintf(err, errlen, "auth-file %.200s: %s", file, n < 0 ?
		    strerror(errno) : "longer than 512 bytes");
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] < ' ' || buf[i] > '~') {
			snprintf(err, errlen, "auth-file %.200s: one line, "
			    "PASSWORD or USER PASSWORD, printable", file);
			explicit_bzero(buf, sizeof(buf));
			return -1;
		}
	argv[0] = "AUTH";
	argl[0] = 4;
	if ((sp = strchr(buf, ' ')) != NULL) {	/* USER PASSWORD */
		*sp = '\0';
		argv[argc] = buf;
		argl[argc++] = (size_t)(sp - buf);
		argv[argc] = sp + 1;
		argl[argc++] = strlen(sp + 1);
	} else {
		argv[argc] = buf;
		argl[argc++] = (size_t)n;
	}
	if (argl[1] == 0 || argl[argc - 1] == 0 ||
	    strchr(argv[argc - 1], ' ') != NULL) {
		snprintf(err, errlen, "auth-file %.200s: one line, PASSWORD or "
		    "USER PASSWORD", file);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	len = redisFormatCommandArgv(&r->hello, argc, argv, argl);
	explicit_bzero(buf, sizeof(buf));
	if (len < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->hello_len = (size_t)len;
	return 0;
}

static int
redis_open(struct sink *k, const char *hostport, const char *path,
    char *err, size_t errlen)
{
	struct redis	*r;
	char		 msg[ERRLEN], auth[MAX_PATH];

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
	if (redis_parse(path, &r->mode, r->key, sizeof(r->key), auth,
	    sizeof(auth), msg, sizeof(msg)) == -1 ||
	    (auth[0] != '\0' && redis_auth_load(r, auth, msg,
	    sizeof(msg)) == -1)) {
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
	if (r->hello != NULL) {
		explicit_bzero(r->hello, r->hello_len);
		redisFreeCommand(r->hello);
	}
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
	r->hello_sent = 0;
	r->hello_wait = r->hello != NULL;
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

static void
redis_auth_refused(struct sink *k, struct redis *r, const char *text)
{
	int64_t	 now = clock_mono_ms();

	if (r->last_auth_log != 0 && now - r->last_auth_log <
	    SINK_LOG_EVERY_S * 1000)
		return;
	log_warnx("event sink %s: redis refused AUTH: %.200s; retrying, "
	    "events queued", sink_name(k), text);
	r->last_auth_log = now;
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
			if (r->hello_wait) {	/* AUTH's answer */
				if (rep->type == REDIS_REPLY_ERROR) {
					redis_auth_refused(k, r, rep->str);
					freeReplyObject(reply);
					errno = EACCES;
					return -1;
				}
				freeReplyObject(reply);
				r->hello_wait = false;
				r->wait_since = 0;
				continue;
			}
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

/* A new connection's AUTH: send it, then wait for its answer. */
static int
redis_hello(struct sink *k, struct redis *r)
{
	ssize_t	 n;

	if (r->hello_sent < r->hello_len) {
		n = send(sink_fd(k), r->hello + r->hello_sent,
		    r->hello_len - r->hello_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0)
			r->hello_sent += (size_t)n;
		if (r->wait_since == 0)
			r->wait_since = clock_mono_ms();
	}
	if (redis_read(k, r) == -1)
		return -1;
	if (!r->hello_wait)
		return 0;
	if (clock_mono_ms() - r->wait_since > REPLY_WAIT_MS) {
		errno = ETIMEDOUT;
		return -1;
	}
	sink_wait(k, 100, sink_fd(k), r->hello_sent < r->hello_len ?
	    POLLOUT | POLLIN : POLLIN, false);
	return 0;
}

static int
redis_step(struct sink *k)
{
	struct redis	*r = sink_priv(k);
	ssize_t		 n;
	bool		 full;

	if (r->hello_wait)		/* nothing else before AUTH's answer */
		return redis_hello(k, r);
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
