/*
 * The control socket: a unix stream socket (control-socket, mode 0660,
 * group control-group) on which nfqctl asks the running daemon to reload,
 * for its status, its connections, what is in force, and to put hosts in
 * quarantine or take them out.
 *
 * One request per connection: a line of at most CTL_REQ_MAX bytes, either
 * words (`status`, `flows 10.20.3.44`, `quarantine add 10.20.3.44 24h spam
 * bot`) or one JSON object (`{"cmd":"flows","host":"10.20.3.44"}`); the
 * answer is one JSON object on one line, `{"ok":true,...}` or
 * `{"ok":false,"error":"..."}`, and the daemon closes the connection.
 * Anything malformed, too long or too slow gets an error answer.
 *
 * The socket is served by a thread of its own, one connection at a time:
 * a client has 2 s to send its request and 10 s to read the answer, so a
 * stuck one holds the socket that long at most.  Who may ask: root, the
 * daemon's own user, and members of control-group (the peer's
 * credentials, SO_PEERCRED, and its user's groups).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/ctl.h"
#include "base/defs.h"
#include "base/addr.h"
#include "base/clock.h"
#include "base/log.h"
#include "policy/conf.h"
#include "policy/quarantine.h"
#include "event/census.h"

#define CTL_READ_MS	2000	/* to send the request */
#define CTL_WRITE_MS	10000	/* to read the answer */

struct ctl {
	int		 fd;
	int		 stop[2];
	pthread_t	 thread;
	bool		 running;
	char		 path[MAX_PATH];
	bool		 has_group;
	uint32_t	 gid;
	uint32_t	 self;
	ctl_handler	 fn;
	void		*arg;
};

/* ---- who may ask ---- */

/* Root, the daemon's own user, the control group (primary or other). */
bool
ctl_allowed(const struct ctl_peer *p, uint32_t self, bool has_group,
    uint32_t gid)
{
	gid_t	 groups[256];
	int	 n = 256;

	if (p->uid == 0 || p->uid == self)
		return true;
	if (!has_group)
		return false;
	if (p->gid == gid)
		return true;
	if (p->name[0] == '\0' || getgrouplist(p->name, (gid_t)p->gid, groups,
	    &n) == -1)
		return false;
	for (int i = 0; i < n; i++)
		if ((uint32_t)groups[i] == gid)
			return true;
	return false;
}

/* ---- the socket ---- */

static int
sun_set(struct sockaddr_un *sa, const char *path, char *err, size_t errlen)
{
	size_t	 len = strlen(path);

	if (len >= sizeof(sa->sun_path)) {
		snprintf(err, errlen, "%s: too long for a unix socket", path);
		return -1;
	}
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

/* Another daemon answering on path?  Else remove what is left there. */
static int
ctl_clear(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sa;
	struct stat		 st;
	int			 fd, r;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (sun_set(&sa, path, err, errlen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (r == 0) {
		snprintf(err, errlen, "another nfqd answers on %s", path);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the old %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Bind the configured socket.  NULL with err "" when control-socket is
 * none; NULL with a message when it cannot be made.
 */
struct ctl *
ctl_open(const struct conf *c, ctl_handler fn, void *arg, char *err,
    size_t errlen)
{
	struct sockaddr_un	 sa;
	struct ctl		*x;
	char			 dir[MAX_PATH], *slash;

	err[0] = '\0';
	if (c->control_socket[0] == '\0')
		return NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->fd = x->stop[0] = x->stop[1] = -1;
	snprintf(x->path, sizeof(x->path), "%s", c->control_socket);
	x->has_group = c->control_group[0] != '\0';
	x->gid = c->control_gid;
	x->self = (uint32_t)geteuid();
	x->fn = fn;
	x->arg = arg;
	/* /run/nfqd is made at start (systemd's RuntimeDirectory, or here). */
	snprintf(dir, sizeof(dir), "%s", x->path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "control-socket: cannot create "
			    "%s: %s", dir, strerror(errno));
			goto fail;
		}
	}
	if (ctl_clear(x->path, err, errlen) == -1)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (sun_set(&sa, x->path, err, errlen) == -1)
		goto fail;
	if ((x->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    bind(x->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(err, errlen, "control-socket %s: %s", x->path,
		    strerror(errno));
		goto fail;
	}
	if (chmod(x->path, 0660) == -1 || (x->has_group &&
	    chown(x->path, (uid_t)-1, (gid_t)x->gid) == -1) ||
	    listen(x->fd, 16) == -1 || pipe2(x->stop, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "control-socket %s: %s", x->path,
		    strerror(errno));
		unlink(x->path);
		goto fail;
	}
	return x;
fail:
	if (x->fd != -1)
		close(x->fd);
	free(x);
	return NULL;
}

/* Read one line within the deadline; returns its length or -1 with err. */
static ssize_t
ctl_read(int fd, char *buf, size_t cap, char *err, size_t errlen)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	int64_t		 end = clock_mono_ms() + CTL_READ_MS, left;
	size_t		 n = 0;
	ssize_t		 r;
	char		*nl;

	for (;;) {
		if ((left = end - clock_mono_ms()) <= 0) {
			snprintf(err, errlen, "timed out waiting for the "
			    "request (%d s)", CTL_READ_MS / 1000);
			return -1;
		}
		if (poll(&p, 1, (int)left) == -1 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		r = read(fd, buf + n, cap - n);
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			if (n == 0) {
				snprintf(err, errlen, "empty request");
				return -1;
			}
			return (ssize_t)n;	/* the line without its end */
		}
		if ((nl = memchr(buf + n, '\n', (size_t)r)) != NULL)
			return nl - buf + 1;
		n += (size_t)r;
		if (n == cap) {
			snprintf(err, errlen, "request too long (at most %d "
			    "bytes)", CTL_REQ_MAX);
			return -1;
		}
	}
}

static void
ctl_write(int fd, const char *s, size_t len)
{
	struct pollfd	 p = { fd, POLLOUT, 0 };
	int64_t		 end = clock_mono_ms() + CTL_WRITE_MS, left;
	ssize_t		 w;

	while (len > 0 && (left = end - clock_mono_ms()) > 0) {
		if (poll(&p, 1, (int)left) == -1 && errno != EINTR)
			return;
		if ((w = send(fd, s, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return;
		}
		s += w;
		len -= (size_t)w;
	}
}

static void
ctl_reply(int fd, cJSON *o)
{
	char	*s;
	size_t	 len = 0;

	if ((s = cJSON_PrintUnformatted(o)) == NULL ||
	    (len = strlen(s)) > CTL_REPLY_MAX) {
		cJSON_free(s);
		s = strdup(len > CTL_REPLY_MAX ?
		    "{\"ok\":false,\"error\":\"reply too large: ask for less "
		    "(a host, a smaller limit)\"}" :
		    "{\"ok\":false,\"error\":\"out of memory\"}");
		if (s == NULL)
			return;
		len = strlen(s);
		ctl_write(fd, s, len);
		ctl_write(fd, "\n", 1);
		free(s);
		return;
	}
	ctl_write(fd, s, len);
	ctl_write(fd, "\n", 1);
	cJSON_free(s);
}

static void
ctl_error(int fd, const char *msg)
{
	cJSON	*o = cJSON_CreateObject();

	if (o == NULL)
		return;
	cJSON_AddFalseToObject(o, "ok");
	cJSON_AddStringToObject(o, "error", msg);
	ctl_reply(fd, o);
	cJSON_Delete(o);
}

static void
ctl_conn(struct ctl *x, int fd)
{
	struct ucred	 uc;
	socklen_t	 sl = sizeof(uc);
	struct ctl_peer	 peer;
	struct ctl_req	 req;
	struct passwd	 pw, *res = NULL;
	char		 buf[CTL_REQ_MAX + 2], pwbuf[4096], err[ERRLEN];
	ssize_t		 n;
	cJSON		*o;

	memset(&peer, 0, sizeof(peer));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &sl) == -1) {
		ctl_error(fd, "cannot tell who is asking (SO_PEERCRED)");
		return;
	}
	peer.pid = uc.pid;
	peer.uid = uc.uid;
	peer.gid = uc.gid;
	if (getpwuid_r(uc.uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 &&
	    res != NULL)
		snprintf(peer.name, sizeof(peer.name), "%s", pw.pw_name);
	else
		snprintf(peer.name, sizeof(peer.name), "uid %u",
		    (unsigned)uc.uid);
	if (!ctl_allowed(&peer, x->self, x->has_group, x->gid)) {
		snprintf(err, sizeof(err), "permission denied: %s (uid %u) is "
		    "not root and not in control-group%s", peer.name,
		    (unsigned)uc.uid, x->has_group ? "" : " (none is set)");
		log_warnx("control socket: refused %s (uid %u, pid %d)",
		    peer.name, (unsigned)uc.uid, (int)uc.pid);
		ctl_error(fd, err);
		return;
	}
	/* One byte more than a request may have: "too long" is seen. */
	if ((n = ctl_read(fd, buf, CTL_REQ_MAX + 2, err, sizeof(err))) == -1 ||
	    ctl_parse(buf, (size_t)n, &req, err, sizeof(err)) == -1) {
		ctl_error(fd, err);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL) {
		ctl_error(fd, "out of memory");
		return;
	}
	cJSON_AddTrueToObject(o, "ok");
	cJSON_AddStringToObject(o, "cmd", ctl_cmd_name(req.cmd));
	err[0] = '\0';
	if (x->fn(x->arg, &req, &peer, o, err, sizeof(err)) == -1) {
		cJSON_ReplaceItemInObjectCaseSensitive(o, "ok",
		    cJSON_CreateFalse());
		cJSON_AddStringToObject(o, "error", err[0] ? err : "failed");
	}
	ctl_reply(fd, o);
	cJSON_Delete(o);
}

/*
 * The answer is out: say so (EOF), then read what the client may still be
 * sending (an oversized request) before closing, for a moment, so that
 * the close does not reset the connection under an unread answer.
 */
static void
ctl_drain(int fd)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	char		 buf[16384];
	int64_t		 end = clock_mono_ms() + 500, left;
	size_t		 total = 0;
	ssize_t		 r;

	shutdown(fd, SHUT_WR);
	while (total < (4u << 20) && (left = end - clock_mono_ms()) > 0) {
		if (poll(&p, 1, (int)left) <= 0)
			break;
		if ((r = read(fd, buf, sizeof(buf))) <= 0) {
			if (r == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			break;
		}
		total += (size_t)r;
	}
}

static void *
ctl_main(void *arg)
{
	struct ctl	*x = arg;
	struct pollfd	 p[2];
	int		 fd;

	pthread_setname_np(pthread_self(), "nfqd-ctl");
	for (;;) {
		p[0].fd = x->fd;
		p[0].events = POLLIN;
		p[1].fd = x->stop[0];
		p[1].events = POLLIN;
		if (poll(p, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("control socket: poll");
			break;
		}
		if (p[1].revents)
			break;
		if ((fd = accept4(x->fd, NULL, NULL, SOCK_CLOEXEC |
		    SOCK_NONBLOCK)) == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control socket: accept");
			if (errno == EMFILE || errno == ENFILE)
				usleep(100000);
			continue;
		}
		ctl_conn(x, fd);
		ctl_drain(fd);
		close(fd);
	}
	return NULL;
}

int
ctl_start(struct ctl *x)
{
	if (pthread_create(&x->thread, NULL, ctl_main, x) != 0)
		return -1;
	x->running = true;
	return 0;
}

/* Stop serving (the request being answered is finished), remove it. */
void
ctl_close(struct ctl *x)
{
	if (x == NULL)
		return;
	if (x->running) {
		if (write(x->stop[1], "x", 1) != 1)
			log_warn("control socket: cannot stop its thread");
		else
			pthread_join(x->thread, NULL);
	}
	close(x->fd);
	close(x->stop[0]);
	close(x->stop[1]);
	unlink(x->path);
	free(x);
}
