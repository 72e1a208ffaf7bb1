/*
 * Least privilege: the files nfqd trusts, the user it runs as, the
 * capabilities it keeps, the system calls it may make (docs/security.md).
 *
 * priv_file_check: a file that decides the policy (nfqd.conf, the
 * exception list, announcements, the quarantine state) must not be
 * writable by anyone but its owner, or by its group unless that group is
 * root's (gid 0): whoever can write it decides who may send mail.
 *
 * priv_drop, once every queue, socket and file is open and before any
 * worker thread starts (capabilities are per thread, and threads inherit
 * the main thread's): the configured user, its primary group, no
 * supplementary groups, an empty bounding set, and one capability left,
 * CAP_NET_ADMIN, measured to be needed at run time:
 *   - every verdict: nfnetlink checks CAP_NET_ADMIN on each message it
 *     receives, not only when the queue is bound (nfnetlink_rcv);
 *   - `ipset restore` at reload, on a quarantine change and hourly: ipset
 *     is a child process, so the capability is also ambient (kept across
 *     execve; no file capabilities and no set-uid are needed or honoured,
 *     no_new_privs is set).
 * Nothing else: the control socket and event sockets are already bound,
 * event files are reopened (logrotate) and the state written by the user's
 * own rights, which the files' and folders' owners must grant.
 *
 * priv_seccomp, after the drop: an allow-list of the system calls the
 * daemon makes in every mode (workers, writer, event sinks, control
 * socket, reload, ipset's child, nDPI).  Anything else kills the process:
 * see seccomp in nfqd.conf(5) for why that beats an error return.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "daemon/priv.h"
#include "base/log.h"
#include "policy/conf.h"
#include "sink/sink.h"

/* Built with AddressSanitizer (make SAN=1): see allowed_san. */
#if defined(__SANITIZE_ADDRESS__)
#define NFQD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NFQD_ASAN 1
#endif
#endif

/*
 * Become c->user (when set and running as root) and keep CAP_NET_ADMIN
 * alone.  Started unprivileged with capabilities (systemd's User= and
 * AmbientCapabilities=), the user stays and the other capabilities go.
 */
int
priv_drop(const struct conf *c, char *err, size_t errlen)
{
	int	 rc;
	bool	 root = geteuid() == 0;

	if (c->user[0] != '\0' && !root && geteuid() != c->uid) {
		snprintf(err, errlen, "user = %s, but started as uid %u, not "
		    "root: cannot change user", c->user, (unsigned)geteuid());
		return -1;
	}
	if (c->user[0] == '\0' && root) {
		log_warnx("running as root: set `user` in %s (nfqd.conf(5))",
		    c->path);
		return 0;
	}
	capng_clear(CAPNG_SELECT_ALL);
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
	    CAPNG_INHERITABLE | CAPNG_AMBIENT, CAP_NET_ADMIN);
	if (root && geteuid() != c->uid) {
		if ((rc = capng_change_id((int)c->uid, (int)c->gid,
		    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING)) != 0) {
			snprintf(err, errlen, "cannot become user %s (uid %u, "
			    "gid %u): capng_change_id %d: %s", c->user,
			    (unsigned)c->uid, (unsigned)c->gid, rc,
			    strerror(errno));
			return -1;
		}
	} else if (capng_apply(CAPNG_SELECT_CAPS) != 0) {
		snprintf(err, errlen, "cannot drop capabilities: %s",
		    strerror(errno));
		return -1;
	}
	/* capng_change_id applies the caps; the ambient set is separate. */
	if (capng_apply(CAPNG_SELECT_AMBIENT) != 0) {
		snprintf(err, errlen, "cannot keep CAP_NET_ADMIN for ipset "
		    "(ambient): %s", strerror(errno));
		return -1;
	}
	if (root && (getuid() == 0 || geteuid() == 0 || getgid() == 0 ||
	    getegid() == 0) && c->uid != 0) {
		snprintf(err, errlen, "still root after the change to %s",
		    c->user);
		return -1;
	}
	log_info("running as %s (uid %u, gid %u) with CAP_NET_ADMIN only",
	    c->user[0] ? c->user : "the starting user", (unsigned)getuid(),
	    (unsigned)getgid());
	return 0;
}

/*
 * Every system call the daemon makes after the drop, found by reading
 * the code and by strace -f over the live e2e tests (plain and ASan).
 */
static const char *const allowed[] = {
	/* memory: malloc, nDPI, thread stacks */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	/* threads, time, randomness */
	"clone", "clone3", "futex", "set_robust_list", "rseq",
	"set_tid_address", "exit", "exit_group", "gettid", "getpid",
	"sched_getaffinity", "sched_setaffinity", "sched_yield",
	"clock_gettime", "clock_nanosleep", "nanosleep", "getrandom",
	"restart_syscall",
	/* signals: sigtimedwait in the main thread, blocked elsewhere */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait",
	"sigaltstack", "tgkill",
	/* files: policy and state (re)loads, event files, /proc counters */
	"read", "write", "writev", "pread64", "open", "openat", "close",
	"fstat", "stat", "lstat", "newfstatat", "lseek", "fcntl", "flock",
	"fsync", "fdatasync", "ftruncate", "rename", "renameat2", "unlink",
	"unlinkat", "mkdir", "fchmod", "access", "faccessat", "dup", "dup2",
	"dup3", "pipe", "pipe2", "memfd_create", "ioctl", "uname",
	"prlimit64", "arch_prctl", "getuid", "geteuid", "getgid",
	"getegid", "getgroups",
	/* sockets: netlink (verdicts, ipset), sinks, control, syslog */
	"connect", "accept", "accept4", "sendto", "sendmsg", "recvfrom",
	"recvmsg", "shutdown", "getsockopt", "setsockopt", "getsockname",
	"getpeername", "bind", "poll", "ppoll",
	/* exception edits through the socket (excedit.c): the real path
	   of a symlinked list, the file's owner kept */
	"readlink", "readlinkat", "fchown",
	/* ipset restore, a child process (it inherits this filter) */
	"execve", "wait4",
};

/*
 * AddressSanitizer's and LeakSanitizer's own calls (make SAN=1), so that
 * the sanitizer builds run the same filter: the leak check at exit lists
 * the threads (getdents) and stops them with ptrace from a helper
 * process, which the filter would otherwise kill, leaving the daemon
 * waiting for it forever; it makes a process that changed its user
 * dumpable again first, and the helper asks to die with the daemon
 * (prctl: those four options only).
 */
#ifdef NFQD_ASAN
static const char *const allowed_san[] = {
	"ptrace", "wait4", "sched_yield", "getppid", "msync", "mincore",
	"getdents", "getdents64",
};
static const int san_prctl[] = {
	PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_SET_PTRACER, PR_SET_PDEATHSIG,
};
#endif

/*
 * The eBPF fast path (fastpath.c), when on: its maps are written at each
 * reload through bpf(2) on descriptors opened before the drop, and its
 * reader thread polls the ring buffer with epoll.
 */
static const char *const allowed_fastpath[] = {
	"bpf", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
};

/*
 * kafka:// sinks (sink_kafka.c): librdkafka starts a thread per broker it
 * learns of (from the cluster's metadata, so after the filter is loaded),
 * and each names itself with prctl(PR_SET_NAME), as nfqd's own threads
 * do (allowed for all, with that argument only, below); it lists a folder when it starts, and resolves
 * the brokers' advertised names through glibc, whose DNS client sends
 * its queries with sendmmsg.  Seen with strace -f on a replay to a kafka
 * sink; only when one is configured.
 */
static const char *const allowed_kafka[] = { "getdents64", "sendmmsg" };

static bool
has_kafka_sink(const struct conf *c)
{
	for (size_t i = 0; i < c->nevents; i++)
		if (strncmp(c->events[i], "kafka://", 8) == 0)
			return true;
	return false;
}

/*
 * A tcp://, udp:// or redis:// sink with a host name: its thread looks
 * the name up before every connection (sink.c), after the filter is
 * loaded.  glibc's DNS client sends the A and AAAA queries together with
 * sendmmsg; the rest (reading /etc/hosts and resolv.conf, a UDP or TCP
 * socket, poll, a netlink socket for AI_ADDRCONFIG) is allowed anyway.
 * Seen with strace -f on tests/e2e/test_sink_dns.sh.
 */
static const char *const allowed_dns[] = { "sendmmsg" };

static bool
has_named_sink(const struct conf *c)
{
	for (size_t i = 0; i < c->nevents; i++)
		if (sink_spec_named(c->events[i]))
			return true;
	return false;
}

/* socket(2): these families only. */
static const int families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };

/* Allow call nr when its first argument is v. */
static int
allow_arg0(scmp_filter_ctx ctx, int nr, const char *name, scmp_datum_t v,
    char *err, size_t errlen)
{
	int	 rc;

	if ((rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1,
	    &(struct scmp_arg_cmp){ .arg = 0, .op = SCMP_CMP_EQ,
	    .datum_a = v, .datum_b = 0 })) != 0) {
		snprintf(err, errlen, "seccomp: %s: %s", name, strerror(-rc));
		return -1;
	}
	return 0;
}

static int
add_names(scmp_filter_ctx ctx, const char *const *names, size_t n,
    char *err, size_t errlen)
{
	int	 nr, rc;

	for (size_t i = 0; i < n; i++) {
		if ((nr = seccomp_syscall_resolve_name(names[i])) ==
		    __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) != 0 &&
		    rc != -EDOM) {
			snprintf(err, errlen, "seccomp: allow %s: %s",
			    names[i], strerror(-rc));
			return -1;
		}
	}
	return 0;
}

int
priv_seccomp(const struct conf *c, char *err, size_t errlen)
{
	scmp_filter_ctx	 ctx;
	uint32_t	 def;
	int		 rc;

	if (c->seccomp == SECCOMP_OFF)
		return 0;
	def = c->seccomp == SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
	if ((ctx = seccomp_init(def)) == NULL) {
		snprintf(err, errlen, "seccomp: cannot initialise");
		return -1;
	}
	/* All threads (the sinks' are running), and no_new_privs. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) != 0) {
		snprintf(err, errlen, "seccomp: %s", strerror(-rc));
		goto fail;
	}
	if (add_names(ctx, allowed, sizeof(allowed) / sizeof(allowed[0]), err,
	    errlen) == -1)
		goto fail;
	if (c->fastpath != FASTPATH_OFF && add_names(ctx, allowed_fastpath,
	    sizeof(allowed_fastpath) / sizeof(allowed_fastpath[0]), err,
	    errlen) == -1)
		goto fail;
	if (has_kafka_sink(c) && add_names(ctx, allowed_kafka,
	    sizeof(allowed_kafka) / sizeof(allowed_kafka[0]), err, errlen) == -1)
		goto fail;
	if (has_named_sink(c) && add_names(ctx, allowed_dns,
	    sizeof(allowed_dns) / sizeof(allowed_dns[0]), err, errlen) == -1)
		goto fail;
	/* threads name themselves: nfqd-worker0, nfqd-writer, ... */
	if (allow_arg0(ctx, SCMP_SYS(prctl), "prctl", PR_SET_NAME, err,
	    errlen) == -1)
		goto fail;
#ifdef NFQD_ASAN
	if (add_names(ctx, allowed_san, sizeof(allowed_san) /
	    sizeof(allowed_san[0]), err, errlen) == -1)
		goto fail;
	for (size_t i = 0; i < sizeof(san_prctl) / sizeof(san_prctl[0]); i++)
		if (allow_arg0(ctx, SCMP_SYS(prctl), "prctl",
		    (scmp_datum_t)san_prctl[i], err, errlen) == -1)
			goto fail;
#endif
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (allow_arg0(ctx, SCMP_SYS(socket), "socket",
		    (scmp_datum_t)families[i], err, errlen) == -1)
			goto fail;
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(err, errlen, "seccomp: cannot load the filter: %s",
		    strerror(-rc));
		goto fail;
	}
	seccomp_release(ctx);
	log_info("seccomp: %zu system calls allowed, anything else %s",
	    sizeof(allowed) / sizeof(allowed[0]) + 1,
	    c->seccomp == SECCOMP_LOG ? "logged" : "kills the daemon");
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
