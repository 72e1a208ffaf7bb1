/*
 * files.c: file modes and accounts.
 */
#ifndef NFQD_BASE_FILES_H
#define NFQD_BASE_FILES_H

#include <stddef.h>
#include <stdint.h>

/* fd (path, for the message) may decide the policy: 0, or -1 with err. */
int	 file_check_mode(int fd, const char *path, char *err, size_t errlen);
/* A user by name: its uid and primary gid. */
int	 user_lookup(const char *name, uint32_t *uid, uint32_t *gid,
	    char *err, size_t errlen);

#endif
