/*
 * Files and accounts, as the policy's readers and the daemon need them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

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
