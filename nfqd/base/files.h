/*
 * files.c: file modes and accounts; a file replaced atomically; a lock
 * file waited for.  Every writer of a file someone else reads at any
 * moment (state files, the exception list, metrics, reports) goes
 * through file_tmp or file_replace, every edit lock through file_lock.
 */
#ifndef NFQD_BASE_FILES_H
#define NFQD_BASE_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/defs.h"

/* fd (path, for the message) may decide the policy: 0, or -1 with err. */
int	 file_check_mode(int fd, const char *path, char *err, size_t errlen);
/* A user by name: its uid and primary gid. */
int	 user_lookup(const char *name, uint32_t *uid, uint32_t *gid,
	    char *err, size_t errlen);

/* All of buf to fd, through EINTR and short writes; -1 with errno. */
int	 file_write_all(int fd, const void *buf, size_t len);

/*
 * A new file beside path, written by the caller, then put in place by
 * file_tmp_close and file_tmp_rename: a reader sees the old file or the
 * new one, never a part, and after a crash the one that was renamed.
 * file_tmp_discard removes it on any failure.  The -1 returns set errno.
 */
struct file_tmp {
	int		 fd;
	const char	*path;
	char		 tmp[MAX_PATH + 16];	/* "DIR/.NAME.XXXXXX" */
};
int	 file_tmp_open(struct file_tmp *t, const char *path, char *err,
	    size_t errlen);
int	 file_tmp_write(struct file_tmp *t, const void *buf, size_t len);
/* Its mode, fsync, close: its content is on disk, not yet in place. */
int	 file_tmp_close(struct file_tmp *t, mode_t mode);
/* Over path, then the folder synced. */
int	 file_tmp_rename(struct file_tmp *t);
void	 file_tmp_discard(struct file_tmp *t);
/* The whole of it: buf as path's new content, mode. */
int	 file_replace(const char *path, const void *buf, size_t len,
	    mode_t mode, char *err, size_t errlen);

/* text and a newline as path's new content (mode 0640), atomically. */
int	 file_write_text(const char *path, const char *text, char *err,
	    size_t errlen);
/*
 * A text file (malloc'ed, NUL-terminated), at most max bytes, without NUL
 * bytes; decides: refused when others can write it (file_check_mode).
 * NULL with err "" when there is no file, "path: why" otherwise.
 */
char	*file_read_text(const char *path, size_t max, bool decides, char *err,
	    size_t errlen);

/*
 * path (created with mode) open and locked with flock(LOCK_EX), waiting
 * up to wait_ms for another holder: its fd (close it to unlock), or -1
 * with errno (EWOULDBLOCK: still held after wait_ms).
 */
int	 file_lock(const char *path, mode_t mode, int wait_ms);

#endif
