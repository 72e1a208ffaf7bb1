/*
 * base/files.c: the atomic replace every state file, the exception list,
 * the metrics and the report's page are written with, and the edit lock
 * nfqctl's exception and quarantine edits wait on.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "base/files.h"

/* Entries of folder d other than . and .. */
static int
entries(const struct tmpdir *d)
{
	DIR		*dir = opendir(d->path);
	struct dirent	*e;
	int		 n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dir);
	return n;
}

static void
test_replace(void **state UNUSED)
{
	struct tmpdir	 d;
	struct stat	 st;
	char		 path[MAX_PATH], err[ERRLEN], *text;

	tmpdir_new(&d);
	tmpdir_file(&d, "state.json", path);
	/* A new file, then its replacement: content and mode, nothing else. */
	assert_int_equal(file_replace(path, "old\n", 4, 0644, err,
	    sizeof(err)), 0);
	assert_int_equal(file_write_text(path, "{\"new\": 1}", err,
	    sizeof(err)), 0);
	text = file_read_text(path, 100, true, err, sizeof(err));
	assert_non_null(text);
	assert_string_equal(text, "{\"new\": 1}\n");
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(entries(&d), 1);
	/* Too large for the reader, or no file: NULL, and why. */
	assert_null(file_read_text(path, 4, false, err, sizeof(err)));
	assert_non_null(strstr(err, "too large"));
	tmpdir_file(&d, "none", path);
	assert_null(file_read_text(path, 100, false, err, sizeof(err)));
	assert_string_equal(err, "");
	tmpdir_rm(&d);
}

static void
test_replace_fails_cleanly(void **state UNUSED)
{
	struct tmpdir	 d;
	struct file_tmp	 t;
	char		 path[MAX_PATH], in[MAX_PATH], err[ERRLEN], *text;

	tmpdir_new(&d);
	/* The target is a folder: the rename fails, the folder stays. */
	tmpdir_file(&d, "dir", path);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file(&d, "dir/x", "x", in);
	assert_int_equal(file_replace(path, "new", 3, 0644, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write"));
	assert_int_equal(entries(&d), 1);
	/* A writer that gives up leaves the old file and no new one. */
	write_file(&d, "list", "kept\n", path);
	assert_int_equal(file_tmp_open(&t, path, err, sizeof(err)), 0);
	assert_int_equal(file_tmp_write(&t, "half", 4), 0);
	file_tmp_discard(&t);
	assert_int_equal(entries(&d), 2);
	text = file_read_text(path, 100, false, err, sizeof(err));
	assert_string_equal(text, "kept\n");
	free(text);
	/* Written and closed, not yet renamed: the old one is what is read. */
	assert_int_equal(file_tmp_open(&t, path, err, sizeof(err)), 0);
	assert_int_equal(file_tmp_write(&t, "next\n", 5), 0);
	assert_int_equal(file_tmp_close(&t, 0644), 0);
	text = file_read_text(path, 100, false, err, sizeof(err));
	assert_string_equal(text, "kept\n");
	free(text);
	assert_int_equal(file_tmp_rename(&t), 0);
	text = file_read_text(path, 100, false, err, sizeof(err));
	assert_string_equal(text, "next\n");
	free(text);
	assert_int_equal(entries(&d), 2);
	/* A folder that does not exist: said, nothing made. */
	tmpdir_file(&d, "no/such", path);
	assert_int_equal(file_replace(path, "x", 1, 0644, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "cannot create a file beside"));
	tmpdir_rm(&d);
}

static void
test_lock(void **state UNUSED)
{
	struct tmpdir	 d;
	char		 path[MAX_PATH];
	int		 fd, fd2, go[2], status;
	pid_t		 pid;
	char		 c;

	tmpdir_new(&d);
	tmpdir_file(&d, "x.lock", path);
	assert_int_equal(pipe(go), 0);
	if ((pid = fork()) == 0) {	/* another edit holds it for 300 ms */
		fd2 = file_lock(path, 0644, 0);
		(void)!write(go[1], "l", 1);
		usleep(300 * 1000);
		_exit(fd2 == -1);
	}
	assert_int_equal(read(go[0], &c, 1), 1);
	/* Not waiting long enough: EWOULDBLOCK, nothing held. */
	errno = 0;
	assert_int_equal(file_lock(path, 0644, 50), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	/* Waiting long enough: it gets the lock once the other lets go. */
	fd = file_lock(path, 0644, 5000);
	assert_true(fd >= 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	close(go[0]);
	close(go[1]);
	/* A lock file that cannot be made: the open's errno. */
	tmpdir_file(&d, "no/such.lock", path);
	errno = 0;
	assert_int_equal(file_lock(path, 0644, 0), -1);
	assert_int_equal(errno, ENOENT);
	tmpdir_rm(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_replace_fails_cleanly),
		cmocka_unit_test(test_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
