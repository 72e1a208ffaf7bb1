/*
 * Least privilege (priv.c): files writable by others or by a group other
 * than root's are refused by every loader (nfqd.conf, the exception list,
 * announcements, the quarantine state), naming the file and its mode;
 * the user and seccomp keys; the seccomp filter lets the daemon's calls
 * through and kills the process on anything else (a forked child is the
 * victim); the drop to a user keeps CAP_NET_ADMIN alone (as root).
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cap-ng.h>

#include "util.h"

struct fx {
	struct tmpdir	 dir;
	char		 err[ERRLEN];
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	tmpdir_new(&f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	tmpdir_rm(&f->dir);
	free(f);
	return 0;
}

static int
check_mode(struct fx *f, const char *path, mode_t mode)
{
	int	 fd, rc;

	assert_int_equal(chmod(path, mode), 0);
	if ((fd = open(path, O_RDONLY)) == -1)
		fail_msg("open %s", path);
	f->err[0] = '\0';
	rc = file_check_mode(fd, path, f->err, sizeof(f->err));
	close(fd);
	return rc;
}

static void
test_file_modes(void **state)
{
	struct fx	*f = *state;
	char		 p[MAX_PATH], want[MAX_PATH + 64];

	write_file(&f->dir, "x.conf", "# nothing\n", p);
	assert_int_equal(check_mode(f, p, 0644), 0);
	assert_int_equal(check_mode(f, p, 0600), 0);
	assert_int_equal(check_mode(f, p, 0444), 0);
	assert_int_equal(check_mode(f, p, 0646), -1);
	snprintf(want, sizeof(want), "%s: mode 0646: writable by others", p);
	assert_contains(f->err, want);
	assert_int_equal(check_mode(f, p, 0666), -1);
	assert_contains(f->err, "mode 0666: writable by others");
	/* Group-writable: only when the group is root's. */
	if (geteuid() == 0) {
		assert_int_equal(chown(p, 0, 0), 0);
		assert_int_equal(check_mode(f, p, 0664), 0);
		assert_int_equal(chown(p, 0, 65534), 0);
	}
	if (getegid() != 0 || geteuid() == 0) {
		assert_int_equal(check_mode(f, p, 0664), -1);
		assert_contains(f->err, "mode 0664: writable by its group");
		assert_int_equal(check_mode(f, p, 0620), -1);
	}
}

/* Every loader refuses a world-writable file, and says which. */
static void
test_loaders_refuse(void **state)
{
	struct fx		*f = *state;
	struct conf		 c;
	struct exc_list		 l;
	struct quar_list	 q;
	struct announce		*a;
	struct policy		*pol;
	size_t			 n;
	char			 conf[MAX_PATH], exc[MAX_PATH], ann[MAX_PATH];
	char			 qf[MAX_PATH], text[3 * MAX_PATH];

	write_file(&f->dir, "exceptions.conf", "10.20.1.25 both\n", exc);
	write_file(&f->dir, "ann.conf", "", ann);
	write_file(&f->dir, "quarantine.json",
	    "{\"version\": 1, \"quarantines\": []}\n", qf);
	snprintf(text, sizeof(text), "internal-networks = 10.20.0.0/16\n"
	    "exceptions = %s\nbulk-announcements = %s\n", exc, ann);
	write_file(&f->dir, "nfqd.conf", text, conf);
	assert_non_null(pol = policy_load(conf, f->err, sizeof(f->err)));
	policy_free(pol);

	chmod(conf, 0666);
	assert_int_equal(conf_load(conf, &c, f->err, sizeof(f->err)), -1);
	assert_contains(f->err, conf);
	assert_contains(f->err, "mode 0666: writable by others");
	/* a checkout copy being checked (nfqctl exception check -c) */
	chmod(conf, 0664);
	assert_int_equal(conf_load_flags(conf, &c, CONF_ANY_MODE, f->err,
	    sizeof(f->err)), 0);
	conf_free(&c);
	chmod(conf, 0644);

	chmod(exc, 0602);
	assert_int_equal(exc_load(exc, NULL, 0, &l, f->err, sizeof(f->err)),
	    -1);
	assert_contains(f->err, "exceptions.conf: mode 0602");
	/* the same copy, checked by content (umask 002: group-writable) */
	chmod(exc, 0664);
	assert_int_equal(exc_load(exc, NULL, EXC_ANY_MODE, &l, f->err,
	    sizeof(f->err)), 0);
	exc_free(&l);
	chmod(exc, 0602);
	assert_null(policy_load(conf, f->err, sizeof(f->err)));
	assert_contains(f->err, exc);
	chmod(exc, 0644);

	chmod(ann, 0666);
	assert_int_equal(announce_load(ann, &a, &n, f->err, sizeof(f->err)),
	    -1);
	assert_contains(f->err, "ann.conf: mode 0666");
	assert_null(policy_load(conf, f->err, sizeof(f->err)));
	chmod(ann, 0644);

	chmod(qf, 0666);
	assert_int_equal(quar_load(qf, &q, f->err, sizeof(f->err)), -1);
	assert_contains(f->err, "quarantine.json: mode 0666");
	chmod(qf, 0640);
	assert_int_equal(quar_load(qf, &q, f->err, sizeof(f->err)), 0);
	quar_free(&q);

	assert_non_null(pol = policy_load(conf, f->err, sizeof(f->err)));
	policy_free(pol);
}

static int
load_text(struct fx *f, const char *text, struct conf *c)
{
	char	 p[MAX_PATH];

	write_file(&f->dir, "nfqd.conf", text, p);
	return conf_load(p, c, f->err, sizeof(f->err));
}

static void
test_keys(void **state)
{
	struct fx	*f = *state;
	struct conf	 c;

#define BASE	"internal-networks = 10.0.0.0/8\nexceptions = e\n"
	assert_int_equal(load_text(f, BASE, &c), 0);
	assert_int_equal(c.seccomp, SECCOMP_ON);
	assert_string_equal(c.user, "");
	conf_free(&c);
	assert_int_equal(load_text(f, BASE "user = root\nseccomp = log\n", &c),
	    0);
	assert_string_equal(c.user, "root");
	assert_int_equal(c.uid, 0);
	assert_int_equal(c.seccomp, SECCOMP_LOG);
	conf_free(&c);
	assert_int_equal(load_text(f, BASE "seccomp = no\n", &c), 0);
	assert_int_equal(c.seccomp, SECCOMP_OFF);
	conf_free(&c);
	assert_int_equal(load_text(f, BASE "seccomp = maybe\n", &c), -1);
	assert_contains(f->err, "nfqd.conf:3: bad seccomp 'maybe' (expected "
	    "yes, no or log)");
	assert_int_equal(load_text(f, BASE "user = nfqd-no-such-user\n", &c),
	    -1);
	assert_contains(f->err, "nfqd.conf:3: user: no user "
	    "'nfqd-no-such-user' on this system");
#undef BASE
}

/* Run fn in a child; its wait status. */
static int
in_child(int (*fn)(void *), void *arg)
{
	pid_t	 pid;
	int	 st;

	fflush(NULL);
	if ((pid = fork()) == -1)
		fail_msg("fork");
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &st, 0) != pid)
		fail_msg("waitpid");
	return st;
}

static struct conf *
filter_conf(struct conf *c, uint8_t mode)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "test");
	c->seccomp = mode;
	return c;
}

/* What the daemon does, then what it must not be able to do. */
static int
child_filter(void *arg)
{
	const int	*forbidden = arg;
	struct conf	 c;
	char		 err[ERRLEN];
	int		 fd;

	if (priv_seccomp(filter_conf(&c, SECCOMP_ON), err, sizeof(err)) == -1)
		return 10;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return 11;
	close(fd);
	if ((fd = socket(AF_NETLINK, SOCK_RAW, 0)) == -1)
		return 12;
	close(fd);
	if ((fd = open("/proc/self/status", O_RDONLY)) == -1)
		return 13;
	close(fd);
	if (getpid() <= 0)
		return 14;
	switch (*forbidden) {
	case 1:
		(void)unshare(0);
		return 2;
	case 2:		/* a raw packet socket: not a family nfqd uses */
		(void)socket(AF_PACKET, SOCK_RAW, 0);
		return 3;
	case 3:
		(void)syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL);
		return 4;
	}
	return 0;
}

static int
child_log(void *arg)
{
	struct conf	 c;
	char		 err[ERRLEN];

	(void)arg;
	if (priv_seccomp(filter_conf(&c, SECCOMP_LOG), err, sizeof(err)) == -1)
		return 10;
	(void)unshare(0);	/* logged by the kernel, not refused */
	return 0;
}

static void
test_seccomp(void **state)
{
	int	 st, which;

	(void)state;
	which = 0;
	st = in_child(child_filter, &which);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	for (which = 1; which <= 3; which++) {
		st = in_child(child_filter, &which);
		if (!WIFSIGNALED(st))
			fail_msg("forbidden call %d: child exited %d, not "
			    "killed", which, WEXITSTATUS(st));
		assert_int_equal(WTERMSIG(st), SIGSYS);
	}
	st = in_child(child_log, NULL);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * Threads name themselves after the filter is loaded: nfqd's own
 * (nfqd-worker0, nfqd-writer, ...) and librdkafka's broker threads
 * (kafka:// sinks) call prctl(PR_SET_NAME), allowed with or without a
 * kafka sink; no other prctl is.  arg: bit 0 a kafka sink, bit 1 also
 * another prctl.
 */
static int
child_kafka(void *arg)
{
	const int	*which = arg;
	struct conf	 c;
	char		 err[ERRLEN];

	filter_conf(&c, SECCOMP_ON);
	c.nevents = 2;
	snprintf(c.events[0], sizeof(c.events[0]), "stdout");
	if (*which & 1)
		snprintf(c.events[1], sizeof(c.events[1]),
		    "kafka://127.0.0.1:9092/nfqd");
	if (priv_seccomp(&c, err, sizeof(err)) == -1)
		return 10;
	if (prctl(PR_SET_NAME, "rdk:broker1", 0, 0, 0) != 0)
		return 11;
	if (*which & 2)	/* not PR_SET_DUMPABLE: LeakSanitizer's (SAN=1) */
		(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

static void
test_seccomp_kafka(void **state)
{
	int	 st, which;

	(void)state;
	for (which = 0; which <= 1; which++) {
		st = in_child(child_kafka, &which);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("PR_SET_NAME, kafka %d: not allowed", which);
	}
	for (which = 2; which <= 3; which++) {
		st = in_child(child_kafka, &which);
		if (!WIFSIGNALED(st))
			fail_msg("kafka case %d: child exited %d, not killed",
			    which, WEXITSTATUS(st));
		assert_int_equal(WTERMSIG(st), SIGSYS);
	}
}

/* As root: become nobody with CAP_NET_ADMIN alone, ambient too. */
static int
child_drop(void *arg)
{
	struct conf	 c;
	char		 err[ERRLEN];
	gid_t		 groups[4];

	(void)arg;
	memset(&c, 0, sizeof(c));
	snprintf(c.path, sizeof(c.path), "test");
	snprintf(c.user, sizeof(c.user), "nobody");
	if (user_lookup("nobody", &c.uid, &c.gid, err, sizeof(err)) == -1)
		return 10;
	if (priv_drop(&c, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 11;
	}
	if (getuid() != c.uid || geteuid() != c.uid || getgid() != c.gid)
		return 12;
	if (getgroups(4, groups) != 0)
		return 13;
	capng_get_caps_process();
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) != 1 ||
	    capng_have_capability(CAPNG_AMBIENT, CAP_NET_ADMIN) != 1 ||
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_CHOWN) != 0 ||
	    capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) != 0 ||
	    capng_have_capability(CAPNG_BOUNDING_SET, CAP_SYS_ADMIN) != 0)
		return 14;
	if (setuid(0) == 0)
		return 15;
	return 0;
}

static int
child_not_root(void *arg)
{
	struct conf	 c;
	char		 err[ERRLEN];

	(void)arg;
	memset(&c, 0, sizeof(c));
	snprintf(c.user, sizeof(c.user), "root");
	c.uid = 0;
	if (priv_drop(&c, err, sizeof(err)) != -1)
		return 1;
	return strstr(err, "not root: cannot change user") != NULL ? 0 : 2;
}

static void
test_drop(void **state)
{
	int	 st;

	(void)state;
	st = in_child(geteuid() == 0 ? child_drop : child_not_root, NULL);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_file_modes),
		T(test_loaders_refuse),
		T(test_keys),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_seccomp_kafka),
		cmocka_unit_test(test_drop),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
