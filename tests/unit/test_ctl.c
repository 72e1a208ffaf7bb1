/*
 * The control protocol's parser (ctl_parse): every command in words and
 * in JSON, and what must be refused with a message rather than crash:
 * malformed JSON, oversized lines, unknown commands and keys, bad
 * arguments, control characters.  Also who may ask (ctl_allowed), and
 * the daemon's side end to end: ctl_open on a scratch path, a handler,
 * real connections (good, malformed, oversized, silent, refused peer).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "util.h"

static int
parse(const char *s, struct ctl_req *r, char *err, size_t errlen)
{
	err[0] = '\0';
	return ctl_parse(s, strlen(s), r, err, errlen);
}

#define OK(s, r) do {							\
	char e_[ERRLEN];						\
	if (parse(s, r, e_, sizeof(e_)) != 0)				\
		fail_msg("'%s' refused: %s", s, e_);			\
} while (0)

/* Refused, with a message containing `want`. */
#define BAD(s, want) do {						\
	struct ctl_req r_;						\
	char e_[ERRLEN];						\
	if (parse(s, &r_, e_, sizeof(e_)) != -1)			\
		fail_msg("'%s' accepted", s);				\
	assert_contains(e_, want);					\
} while (0)

static void
test_words(void **state UNUSED)
{
	struct ctl_req	 r;
	char		 a[PREFIX_STRLEN];

	OK("status", &r);
	assert_int_equal(r.cmd, CTL_STATUS);
	OK("reload\n", &r);
	assert_int_equal(r.cmd, CTL_RELOAD);
	OK("  reload\r\n", &r);
	assert_int_equal(r.cmd, CTL_RELOAD);
	OK("flows", &r);
	assert_int_equal(r.cmd, CTL_FLOWS);
	assert_false(r.has_host);
	assert_int_equal(r.limit, CTL_LIMIT_DEF);
	OK("flows 10.20.3.44", &r);
	assert_true(r.has_host);
	prefix_format(&r.host, a, sizeof(a));
	assert_string_equal(a, "10.20.3.44/32");
	OK("flows 10.20.0.0/16 20", &r);
	assert_int_equal(r.limit, 20);
	assert_int_equal(r.host.len, 16);
	OK("flows 5", &r);
	assert_false(r.has_host);
	assert_int_equal(r.limit, 5);
	OK("exceptions", &r);
	assert_int_equal(r.cmd, CTL_EXCEPTIONS);
	assert_int_equal(r.limit, CTL_LIMIT_MAX);
	OK("exceptions 2001:db8:20:1::25", &r);
	assert_int_equal(r.host.addr.af, 6);
	OK("quarantine list", &r);
	assert_int_equal(r.cmd, CTL_QUAR_LIST);
	OK("quarantine remove 10.20.3.44", &r);
	assert_int_equal(r.cmd, CTL_QUAR_REMOVE);
	OK("quarantine add 10.20.3.44 24h spam bot, ticket SEC-77  ", &r);
	assert_int_equal(r.cmd, CTL_QUAR_ADD);
	assert_int_equal(r.secs, 86400);
	assert_string_equal(r.reason, "spam bot, ticket SEC-77");
	OK("quarantine\tadd\t10.20.9.0/24 90 x", &r);
	assert_int_equal(r.secs, 90);
	assert_string_equal(r.reason, "x");
	OK("census", &r);
	assert_int_equal(r.cmd, CTL_CENSUS);
	assert_int_equal(r.days, 0);
	OK("census 7", &r);
	assert_int_equal(r.days, 7);
	OK("census 35", &r);
	assert_int_equal(r.days, CENSUS_DAYS);
	assert_string_equal(ctl_cmd_name(CTL_QUAR_ADD), "quarantine");
	assert_string_equal(ctl_cmd_name(CTL_CENSUS), "census");
	assert_string_equal(ctl_cmd_name(99), "?");
}

/* exception add/remove (nfqctl --socket): carried as text to excedit. */
static void
test_exception_edit(void **state UNUSED)
{
	struct ctl_req	 r;

	OK("{\"cmd\":\"exception\",\"op\":\"add\",\"host\":\"10.20.9.20\","
	    "\"direction\":\"inbound\",\"ticket\":\"NET-2001\",\"owner\":"
	    "\"lab\",\"expires\":\"2027-01-31\",\"comment\":\"a lab\","
	    "\"who\":\"alice\"}", &r);
	assert_int_equal(r.cmd, CTL_EXC_ADD);
	assert_string_equal(r.edit.address, "10.20.9.20");
	assert_string_equal(r.edit.direction, "inbound");
	assert_string_equal(r.edit.ticket, "NET-2001");
	assert_string_equal(r.edit.owner, "lab");
	assert_string_equal(r.edit.expires, "2027-01-31");
	assert_string_equal(r.edit.comment, "a lab");
	assert_string_equal(r.who, "alice");
	assert_string_equal(ctl_cmd_name(r.cmd), "exception");
	OK("{\"cmd\":\"exception\",\"op\":\"remove\",\"host\":"
	    "\"2001:db8::/48\",\"ticket\":\"NET-1\"}", &r);
	assert_int_equal(r.cmd, CTL_EXC_REMOVE);
	assert_string_equal(r.edit.address, "2001:db8::/48");
	assert_string_equal(r.edit.direction, "");
	BAD("{\"cmd\":\"exception\"}", "exception needs op: add or remove");
	BAD("{\"cmd\":\"exception\",\"op\":\"list\"}",
	    "exception needs op: add or remove");
	BAD("{\"cmd\":\"exception\",\"op\":\"add\",\"host\":\"10.0.0.1\"}",
	    "exception add needs direction, ticket and owner");
	BAD("{\"cmd\":\"exception\",\"op\":\"remove\"}",
	    "exception remove needs host");
	BAD("{\"cmd\":\"exception\",\"op\":\"remove\",\"host\":\"10.0.0.1\","
	    "\"owner\":\"x\"}", "exception remove takes host and ticket");
	BAD("{\"cmd\":\"exception\",\"op\":\"add\",\"host\":\"10.0.0.1\","
	    "\"direction\":7,\"ticket\":\"t\",\"owner\":\"o\"}",
	    "direction is a string of at most 15 bytes");
	BAD("{\"cmd\":\"exception\",\"op\":\"add\",\"host\":\"10.0.0.1\","
	    "\"direction\":\"in\",\"ticket\":\"t\",\"owner\":\"o\","
	    "\"limit\":3}", "exception takes op, host");
	BAD("{\"cmd\":\"status\",\"ticket\":\"t\"}",
	    "are for exception add and remove");
	BAD("exception add 10.0.0.1 inbound", "unknown command");
}

static void
test_json(void **state UNUSED)
{
	struct ctl_req	 r;

	OK("{\"cmd\":\"status\"}", &r);
	assert_int_equal(r.cmd, CTL_STATUS);
	OK("{\"cmd\":\"flows\",\"host\":\"10.20.3.44\",\"limit\":7}\n", &r);
	assert_int_equal(r.cmd, CTL_FLOWS);
	assert_true(r.has_host);
	assert_int_equal(r.limit, 7);
	OK(" {\"cmd\":\"exceptions\"}", &r);
	assert_int_equal(r.cmd, CTL_EXCEPTIONS);
	OK("{\"cmd\":\"quarantine\",\"op\":\"add\",\"host\":\"10.20.3.44\","
	    "\"for\":\"2d\",\"reason\":\"r\\u00e9seau \\\"x\\\"\",\"who\":"
	    "\"alice\"}", &r);
	assert_int_equal(r.cmd, CTL_QUAR_ADD);
	assert_int_equal(r.secs, 2 * 86400);
	assert_string_equal(r.reason, "r\xc3\xa9seau \"x\"");
	assert_string_equal(r.who, "alice");
	OK("{\"cmd\":\"quarantine\",\"op\":\"add\",\"host\":\"10.20.3.44\","
	    "\"for\":3600,\"reason\":\"r\"}", &r);
	assert_int_equal(r.secs, 3600);
	OK("{\"cmd\":\"quarantine\",\"op\":\"remove\",\"host\":\"::1\"}", &r);
	assert_int_equal(r.cmd, CTL_QUAR_REMOVE);
	OK("{\"cmd\":\"quarantine\",\"op\":\"list\"}", &r);
	assert_int_equal(r.cmd, CTL_QUAR_LIST);
	OK("{\"cmd\":\"census\"}", &r);
	assert_int_equal(r.cmd, CTL_CENSUS);
	assert_int_equal(r.days, 0);
	OK("{\"cmd\":\"census\",\"days\":14}", &r);
	assert_int_equal(r.days, 14);
}

static void
test_malformed(void **state UNUSED)
{
	char	*big;

	BAD("", "empty request");
	BAD("   \n", "empty request");
	BAD("{\"cmd\":", "malformed JSON");
	BAD("{\"cmd\":\"status\"} trailing", "malformed JSON");
	BAD("[1,2]", "unknown command");
	BAD("{}", "cmd is required");
	BAD("{\"cmd\":3}", "strings");
	BAD("\"status\"", "unknown command");
	BAD("{\"cmd\":\"status\",\"colour\":\"red\"}", "unknown key 'colour'");
	BAD("stat\x01us", "control character");
	BAD("status\x7f", "control character");
	/* A NUL inside the line. */
	{
		struct ctl_req	 r;
		char		 e[ERRLEN];

		assert_int_equal(ctl_parse("status\0rm", 9, &r, e, sizeof(e)),
		    -1);
		assert_contains(e, "control character");
	}
	/* Oversized: one byte over, and far over. */
	big = malloc(CTL_REQ_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', CTL_REQ_MAX + 1);
	big[CTL_REQ_MAX + 1] = '\0';
	BAD(big, "request too long");
	big[CTL_REQ_MAX] = '\n';		/* exactly the limit: parsed */
	BAD(big, "unknown command");
	free(big);
	big = malloc(1 << 20);
	assert_non_null(big);
	memset(big, '{', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	BAD(big, "request too long");
	free(big);
}

static void
test_unknown_and_bad_arguments(void **state UNUSED)
{
	BAD("frobnicate", "unknown command 'frobnicate'");
	BAD("{\"cmd\":\"frobnicate\"}", "unknown command 'frobnicate'");
	BAD("status now", "takes no arguments");
	BAD("reload please", "takes no arguments");
	BAD("{\"cmd\":\"reload\",\"host\":\"10.1.1.1\"}", "no arguments");
	BAD("flows 10.20.3.999", "bad address");
	BAD("flows 10.20.3.1/24", "host bits set");
	BAD("flows 0", "bad limit");
	BAD("flows 99999999999", "bad limit");
	BAD("flows 10.20.3.4 10 11", "takes [HOST] [LIMIT]");
	BAD("flows 10.20.3.4 10.20.3.5", "takes [HOST] [LIMIT]");
	BAD("{\"cmd\":\"flows\",\"limit\":0}", "limit is a number");
	BAD("{\"cmd\":\"flows\",\"limit\":1.5}", "limit is a number");
	BAD("{\"cmd\":\"flows\",\"limit\":\"5\"}", "limit is a number");
	BAD("{\"cmd\":\"flows\",\"op\":\"add\"}", "takes host and limit");
	BAD("quarantine", "add, remove or list");
	BAD("quarantine frob", "unknown command 'quarantine frob'");
	BAD("quarantine list all", "no arguments");
	BAD("quarantine remove", "usage: quarantine remove HOST");
	BAD("quarantine remove 10.20.3.44 now", "usage");
	BAD("quarantine remove 0.0.0.0/0", "every address");
	BAD("quarantine add 10.20.3.44 24h", "usage: quarantine add");
	BAD("quarantine add 10.20.3.44", "usage: quarantine add");
	BAD("quarantine add 10.20.3.44 forever reason", "bad duration");
	BAD("quarantine add 10.20.3.44 0s reason", "bad duration");
	BAD("quarantine add 10.20.3.44 367d reason", "bad duration");
	BAD("quarantine add 10.20.3.44 24x reason", "bad duration");
	BAD("quarantine add nowhere 24h reason", "bad address");
	BAD("{\"cmd\":\"quarantine\"}", "needs op");
	BAD("{\"cmd\":\"quarantine\",\"op\":\"add\",\"host\":\"10.20.3.44\","
	    "\"reason\":\"r\"}", "takes host, for and reason");
	BAD("{\"cmd\":\"quarantine\",\"op\":\"add\",\"host\":\"10.20.3.44\","
	    "\"for\":-5,\"reason\":\"r\"}", "for is a duration");
	BAD("{\"cmd\":\"quarantine\",\"op\":\"add\",\"host\":\"10.20.3.44\","
	    "\"for\":\"1h\",\"reason\":\"\"}", "reason must be");
	BAD("{\"cmd\":\"quarantine\",\"op\":\"add\",\"host\":\"10.20.3.44\","
	    "\"for\":\"1h\",\"reason\":\"a\\u0007b\"}", "control character");
	BAD("{\"cmd\":\"quarantine\",\"op\":\"add\",\"host\":\"10.20.3.44\","
	    "\"for\":\"1h\",\"reason\":\"r\",\"who\":\"\"}", "who must be");
	BAD("{\"cmd\":\"quarantine\",\"op\":\"zap\"}", "unknown quarantine op");
	BAD("{\"cmd\":\"quarantine\",\"op\":\"remove\"}", "takes host");
	BAD("census 0", "bad days '0' (1-35");
	BAD("census 36", "bad days");
	BAD("census 99999999999999999999", "bad days");
	BAD("census 7d", "bad days");
	BAD("census 7 8", "census takes [DAYS]");
	BAD("{\"cmd\":\"census\",\"days\":0}", "days is a number, 1-35");
	BAD("{\"cmd\":\"census\",\"days\":2.5}", "days is a number");
	BAD("{\"cmd\":\"census\",\"days\":\"7\"}", "days is a number");
	BAD("{\"cmd\":\"census\",\"host\":\"10.20.1.25\"}",
	    "census takes days");
	BAD("{\"cmd\":\"status\",\"days\":3}", "days is for census only");
	BAD("frob", "quarantine or census)");
}

static void
test_long_reason(void **state UNUSED)
{
	char	 line[600];

	snprintf(line, sizeof(line), "quarantine add 10.20.3.44 1h %0*d",
	    QUAR_REASONLEN, 7);
	BAD(line, "reason must be 1-200 bytes");
	snprintf(line, sizeof(line), "quarantine add 10.20.3.44 1h %0*d",
	    QUAR_REASONLEN - 1, 7);
	{
		struct ctl_req	 r;

		OK(line, &r);
		assert_int_equal(strlen(r.reason), QUAR_REASONLEN - 1);
	}
	/* Invalid UTF-8 in a reason. */
	BAD("quarantine add 10.20.3.44 1h bad \xc3\x28 byte", "not UTF-8");
}

static void
test_allowed(void **state UNUSED)
{
	struct ctl_peer	 p;

	memset(&p, 0, sizeof(p));
	p.uid = 0;
	assert_true(ctl_allowed(&p, 999, false, 0));
	p.uid = 999;
	p.gid = 999;
	assert_true(ctl_allowed(&p, 999, false, 0));	/* the daemon's user */
	p.uid = 1234;
	p.gid = 1234;
	assert_false(ctl_allowed(&p, 999, false, 0));	/* no group: root */
	assert_false(ctl_allowed(&p, 999, true, 4321));
	assert_true(ctl_allowed(&p, 999, true, 1234));	/* primary group */
	/* A member of the group in /etc/group (a supplementary group). */
	{
		struct group	*g;
		bool		 found = false;

		setgrent();
		while (!found && (g = getgrent()) != NULL)
			for (char **m = g->gr_mem; *m != NULL && !found; m++)
				if (getpwnam(*m) != NULL && g->gr_gid != 4242) {
					snprintf(p.name, sizeof(p.name), "%s", *m);
					p.gid = 4242;
					p.uid = 4242;
					assert_true(ctl_allowed(&p, 999, true,
					    g->gr_gid));
					found = true;
				}
		endgrent();
	}
	snprintf(p.name, sizeof(p.name), "no-such-user-here");
	p.uid = p.gid = 4242;
	assert_false(ctl_allowed(&p, 999, true, 0));
}

/* ---- the server side, over a real socket ---- */

static int
handler(void *arg, const struct ctl_req *r, const struct ctl_peer *peer,
    cJSON *o, char *err, size_t errlen)
{
	int	*calls = arg;

	(*calls)++;
	if (r->cmd == CTL_RELOAD) {
		snprintf(err, errlen, "refused for the test");
		return -1;
	}
	cJSON_AddNumberToObject(o, "uid", peer->uid);
	cJSON_AddNumberToObject(o, "limit", r->limit);
	return 0;
}

/* Send `req` (len bytes; shut the write side after when `shut`). */
static char *
ask(const char *path, const char *req, size_t len, bool shut)
{
	struct sockaddr_un	 sa;
	static char		 buf[65536];
	size_t			 n = 0;
	ssize_t			 r;
	int			 fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (len > 0)
		(void)!send(fd, req, len, MSG_NOSIGNAL);
	if (shut)
		shutdown(fd, SHUT_WR);
	while (n + 1 < sizeof(buf) && (r = recv(fd, buf + n,
	    sizeof(buf) - 1 - n, 0)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
	return buf;
}

static void
test_server(void **state UNUSED)
{
	struct tmpdir	 d;
	struct conf	 c;
	struct ctl	*x;
	char		 err[ERRLEN], path[MAX_PATH], *big, *s;
	int		 calls = 0;
	struct stat	 st;

	tmpdir_new(&d);
	memset(&c, 0, sizeof(c));
	tmpdir_file(&d, "run/ctl.sock", path);
	snprintf(c.control_socket, sizeof(c.control_socket), "%s", path);
	x = ctl_open(&c, handler, &calls, err, sizeof(err));
	if (x == NULL)
		fail_msg("ctl_open: %s", err);
	assert_int_equal(ctl_start(x), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);

	s = ask(path, "status\n", 7, false);
	assert_contains(s, "{\"ok\":true,\"cmd\":\"status\",\"uid\":");
	s = ask(path, "{\"cmd\":\"flows\",\"limit\":3}", 25, true);
	assert_contains(s, "\"ok\":true,\"cmd\":\"flows\"");
	assert_contains(s, "\"limit\":3");
	s = ask(path, "reload\n", 7, false);
	assert_string_equal(s, "{\"ok\":false,\"cmd\":\"reload\","
	    "\"error\":\"refused for the test\"}\n");
	s = ask(path, "{\"cmd\":\n", 9, false);
	assert_string_equal(s, "{\"ok\":false,\"error\":\"malformed JSON "
	    "request\"}\n");
	/* 1 MB without a line end: an answer, not a reset. */
	big = malloc(1 << 20);
	assert_non_null(big);
	memset(big, 'x', 1 << 20);
	s = ask(path, big, 1 << 20, false);
	free(big);
	assert_contains(s, "request too long");
	/* Nothing sent, the write side closed: an answer. */
	s = ask(path, "", 0, true);
	assert_contains(s, "empty request");
	assert_int_equal(calls, 3);

	/* A second server on the same path is refused; the first serves. */
	assert_null(ctl_open(&c, handler, &calls, err, sizeof(err)));
	assert_contains(err, "another nfqd answers");
	s = ask(path, "status\n", 7, false);
	assert_contains(s, "\"ok\":true");

	ctl_close(x);
	assert_int_equal(stat(path, &st), -1);	/* removed */

	/* A stale socket (a killed daemon's) is replaced. */
	{
		struct sockaddr_un sa;
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		assert_true(strlen(path) < sizeof(sa.sun_path));
		memcpy(sa.sun_path, path, strlen(path) + 1);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)),
		    0);
		close(fd);
	}
	x = ctl_open(&c, handler, &calls, err, sizeof(err));
	if (x == NULL)
		fail_msg("ctl_open over a stale socket: %s", err);
	ctl_close(x);

	/* control-socket = none: no socket, no error. */
	c.control_socket[0] = '\0';
	assert_null(ctl_open(&c, handler, &calls, err, sizeof(err)));
	assert_string_equal(err, "");
	/* Not a socket: refused. */
	write_file(&d, "plain", "x", path);
	snprintf(c.control_socket, sizeof(c.control_socket), "%s", path);
	assert_null(ctl_open(&c, handler, &calls, err, sizeof(err)));
	assert_contains(err, "is not a socket");
	tmpdir_rm(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_exception_edit),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unknown_and_bad_arguments),
		cmocka_unit_test(test_long_reason),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_server),
	};

	log_init(0, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
