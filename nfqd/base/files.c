/*
 * Files and accounts, as the policy's readers and the daemon need them.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/files.h"

/*
 * A file that decides the policy must not be writable by others, or by a
 * group other than root's: its owner is trusted, nobody else.
 */
int
file_check_mode(int fd, const char *path, char *err, size_t errlen)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & S_IWOTH) ||
	    ((st.st_mode & S_IWGRP) && st.st_gid != 0)) {
		snprintf(err, errlen, "%s: mode %04o: writable by %s; refusing "
		    "a file that decides the policy (chmod go-w)", path,
		    (unsigned)(st.st_mode & 07777), (st.st_mode & S_IWOTH) ?
		    "others" : "its group");
		return -1;
	}
	return 0;
}

/* A user by name: its uid and primary gid (`user =`). */
int
user_lookup(const char *name, uint32_t *uid, uint32_t *gid, char *err,
    size_t errlen)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[16384];

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		snprintf(err, errlen, "user: no user '%.64s' on this system",
		    name);
		return -1;
	}
	*uid = (uint32_t)pw.pw_uid;
	*gid = (uint32_t)pw.pw_gid;
	return 0;
}

/* ---- atomic replace ---- */

int
file_tmp_open(struct file_tmp *t, const char *path, char *err, size_t errlen)
{
	const char	*slash = strrchr(path, '/');
	int		 n;

	t->fd = -1;
	t->path = path;
	if (slash == NULL)
		n = snprintf(t->tmp, sizeof(t->tmp), ".%s.XXXXXX", path);
	else
		n = snprintf(t->tmp, sizeof(t->tmp), "%.*s/.%s.XXXXXX",
		    (int)(slash - path), path, slash + 1);
	if (n < 0 || (size_t)n >= sizeof(t->tmp)) {
		snprintf(err, errlen, "%.64s...: path too long", path);
		t->tmp[0] = '\0';
		return -1;
	}
	if ((t->fd = mkostemp(t->tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot create a file beside %s: %s",
		    path, strerror(errno));
		t->tmp[0] = '\0';
		return -1;
	}
	return 0;
}

int
file_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 w;

	for (size_t off = 0; off < len; off += (size_t)w)
		if ((w = write(fd, p + off, len - off)) <= 0) {
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == 0)
				errno = EIO;
			return -1;
		}
	return 0;
}

int
file_tmp_write(struct file_tmp *t, const void *buf, size_t len)
{
	return file_write_all(t->fd, buf, len);
}

int
file_tmp_close(struct file_tmp *t, mode_t mode)
{
	int	 fd = t->fd;

	if (fchmod(fd, mode) == -1 || fsync(fd) == -1)
		return -1;
	t->fd = -1;
	return close(fd);
}

int
file_tmp_rename(struct file_tmp *t)
{
	char		 dir[MAX_PATH];
	const char	*slash = strrchr(t->path, '/');
	int		 dfd;

	if (rename(t->tmp, t->path) == -1)
		return -1;
	t->tmp[0] = '\0';
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == t->path ? 1 :
		    (int)(slash - t->path), t->path);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);	/* the rename is done either way */
		close(dfd);
	}
	return 0;
}

void
file_tmp_discard(struct file_tmp *t)
{
	int	 saved = errno;

	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
	if (t->tmp[0] != '\0')
		unlink(t->tmp);
	t->tmp[0] = '\0';
	errno = saved;
}

int
file_replace(const char *path, const void *buf, size_t len, mode_t mode,
    char *err, size_t errlen)
{
	struct file_tmp	 t;

	if (file_tmp_open(&t, path, err, errlen) == -1)
		return -1;
	if (file_tmp_write(&t, buf, len) == -1 ||
	    file_tmp_close(&t, mode) == -1 || file_tmp_rename(&t) == -1) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		file_tmp_discard(&t);
		return -1;
	}
	return 0;
}

/*
 * Replace path with text and a newline, atomically (file_tmp): the state
 * files' way to be written (quarantine.json, census.json).
 */
int
file_write_text(const char *path, const char *text, char *err, size_t errlen)
{
	struct file_tmp	 t;

	if (file_tmp_open(&t, path, err, errlen) == -1)
		return -1;
	if (file_tmp_write(&t, text, strlen(text)) == -1 ||
	    file_tmp_write(&t, "\n", 1) == -1 ||
	    file_tmp_close(&t, 0640) == -1 || file_tmp_rename(&t) == -1) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		file_tmp_discard(&t);
		return -1;
	}
	return 0;
}

/* ---- state files ---- */

/*
 * A text file's (malloc'ed, NUL-terminated), at most max bytes and
 * without NUL bytes; decides: a file that decides the policy, refused
 * when others can write it (file_check_mode).  NULL with err "" when
 * there is no file, NULL with "path: why" when it cannot be read or is
 * not text.
 */
char *
file_read_text(const char *path, size_t max, bool decides, char *err,
    size_t errlen)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	err[0] = '\0';
	if ((f = fopen(path, "re")) == NULL) {
		if (errno != ENOENT)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (decides && file_check_mode(fileno(f), path, err, errlen) == -1) {
		fclose(f);
		return NULL;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		snprintf(err, errlen, "%s: %s", path, ferror(f) ?
		    strerror(errno) : "too large");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		snprintf(err, errlen, "%s: NUL byte (not a state file)", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- edit locks ---- */

int
file_lock(const char *path, mode_t mode, int wait_ms)
{
	struct timespec	 step = { 0, 10 * 1000 * 1000 };
	int		 fd, waited = 0;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode)) == -1)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    waited >= wait_ms) {
			int saved = errno == EINTR ? EWOULDBLOCK : errno;

			close(fd);
			errno = saved;
			return -1;
		}
		nanosleep(&step, NULL);
		waited += 10;
	}
	return fd;
}
