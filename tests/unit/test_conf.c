/*
 * conf_load: every key, every default, every error message with its
 * file:line, and paths resolved against the configuration's folder.
 */
#include <unistd.h>

#include "util.h"

#define BASE	"internal-networks = 10.20.0.0/16\nexceptions = exc.conf\n"

struct fx {
	struct tmpdir	 dir;
	struct conf	 c;
	char		 path[MAX_PATH];
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

static struct conf *
load_ok(struct fx *f, const char *text)
{
	write_file(&f->dir, "nfqd.conf", text, f->path);
	f->err[0] = '\0';
	if (conf_load(f->path, &f->c, f->err, sizeof(f->err)) != 0)
		fail_msg("conf_load: %s", f->err);
	return &f->c;
}

/* conf_load fails with exactly "PATH:LINE: msg". */
static void
load_err_at(struct fx *f, const char *text, unsigned line, const char *msg,
    int caller)
{
	char	 want[ERRLEN + MAX_PATH];

	write_file(&f->dir, "nfqd.conf", text, f->path);
	f->err[0] = '\0';
	if (conf_load(f->path, &f->c, f->err, sizeof(f->err)) != -1)
		fail_msg("line %d: conf_load accepted", caller);
	snprintf(want, sizeof(want), "%s:%u: %s", f->path, line, msg);
	if (strcmp(f->err, want) != 0)
		fail_msg("line %d:\n got '%s'\nwant '%s'", caller, f->err,
		    want);
	/* a refused load leaves nothing to free */
	assert_null(f->c.internal_lpm.slots);
}
#define load_err(f, text, line, msg)	load_err_at(f, text, line, msg, __LINE__)

static void
test_defaults(void **state)
{
	struct fx	*f = *state;
	struct conf	*c = load_ok(f, BASE);
	char		 want[MAX_PATH];
	unsigned	 p;

	assert_string_equal(c->path, f->path);
	assert_string_equal(c->exceptions, tmpdir_file(&f->dir, "exc.conf",
	    want));
	assert_int_equal(c->ninternal, 1);
	assert_int_equal(c->nports, 1);
	assert_int_equal(c->ports[0], 25);
	for (p = 0; p < 65536; p++)
		if (conf_is_smtp_port(c, (uint16_t)p) != (p == 25))
			fail_msg("port %u", p);
	assert_int_equal(c->mode, MODE_ENFORCE);
	assert_int_equal(c->transit, TRANSIT_ALLOW);
	assert_int_equal(c->nevents, 1);
	assert_string_equal(c->events[0], "stdout");
	assert_int_equal(c->max_flows, 262144);
	assert_int_equal(c->timeout_new, 30);
	assert_int_equal(c->timeout_established, 3600);
	assert_int_equal(c->timeout_closed, 10);
	assert_int_equal(c->stats_interval, 60);
	/* live datapath */
	assert_int_equal(c->queue_first, 0);
	assert_int_equal(c->queue_count, 1);
	assert_true(c->fail_open);
	assert_false(c->reject);
	assert_int_equal(c->queue_maxlen, 4096);
	assert_int_equal(c->copy_range, 1536);
	assert_int_equal(c->mark_bypass, 0x10000000);
	assert_int_equal(c->mark_reject, 0x20000000);
	assert_int_equal(c->event_queue, 16384);
	assert_string_equal(c->ipset_prefix, "nfqd");
	conf_free(c);
	assert_null(c->internal_lpm.slots);
}

static void
test_every_key(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;
	char		 want[MAX_PATH];
	struct ip_addr	 a;

	c = load_ok(f,
	    "# nfqd.conf\n"
	    "\n"
	    "internal-networks = 10.20.0.0/16, 2001:db8:20::/48 ,"
	    "192.168.0.0/24   \n"
	    "smtp-ports = 25, 587,465\n"
	    "exceptions = /etc/nfqd/exceptions.conf   # absolute\n"
	    "mode = monitor\n"
	    "transit = block\n"
	    "events = stdout, file:events.json, file:/var/log/nfqd.json\n"
	    "max-flows = 16\n"
	    "timeout-new = 2m\n"
	    "timeout-established = 1d\n"
	    "timeout-closed = 45s\n"
	    "stats-interval = 0\n");
	assert_int_equal(c->ninternal, 3);
	prefix_format(&c->internal[1], want, sizeof(want));
	assert_string_equal(want, "2001:db8:20::/48");
	prefix_format(&c->internal[2], want, sizeof(want));
	assert_string_equal(want, "192.168.0.0/24");
	a = ip("192.168.0.200");
	assert_true(lpm_match(&c->internal_lpm, &a));
	a = ip("2001:db8:20:ffff::1");
	assert_true(lpm_match(&c->internal_lpm, &a));
	a = ip("10.21.0.1");
	assert_false(lpm_match(&c->internal_lpm, &a));

	assert_int_equal(c->nports, 3);
	assert_int_equal(c->ports[0], 25);
	assert_int_equal(c->ports[1], 587);
	assert_int_equal(c->ports[2], 465);
	assert_true(conf_is_smtp_port(c, 25));
	assert_true(conf_is_smtp_port(c, 587));
	assert_true(conf_is_smtp_port(c, 465));
	assert_false(conf_is_smtp_port(c, 24));
	assert_false(conf_is_smtp_port(c, 588));
	assert_false(conf_is_smtp_port(c, 0));

	assert_string_equal(c->exceptions, "/etc/nfqd/exceptions.conf");
	assert_int_equal(c->mode, MODE_MONITOR);
	assert_int_equal(c->transit, TRANSIT_BLOCK);
	assert_int_equal(c->nevents, 3);
	assert_string_equal(c->events[0], "stdout");
	snprintf(want, sizeof(want), "file:%s/events.json", f->dir.path);
	assert_string_equal(c->events[1], want);
	assert_string_equal(c->events[2], "file:/var/log/nfqd.json");
	assert_int_equal(c->max_flows, 16);
	assert_int_equal(c->timeout_new, 120);
	assert_int_equal(c->timeout_established, 86400);
	assert_int_equal(c->timeout_closed, 45);
	assert_int_equal(c->stats_interval, 0);
	conf_free(c);

	c = load_ok(f, BASE
	    "queues = 2-5\n"
	    "fail-open = no\n"
	    "reject = yes\n"
	    "queue-maxlen = 1000000\n"
	    "copy-range = 128\n"
	    "mark-bypass = 0x1\n"
	    "mark-reject = 2147483648\n"
	    "event-queue = 64\n"
	    "ipset-prefix = smtp_Sets-2\n");
	assert_int_equal(c->queue_first, 2);
	assert_int_equal(c->queue_count, 4);
	assert_false(c->fail_open);
	assert_true(c->reject);
	assert_int_equal(c->queue_maxlen, 1000000);
	assert_int_equal(c->copy_range, 128);
	assert_int_equal(c->mark_bypass, 1);
	assert_int_equal(c->mark_reject, 0x80000000);
	assert_int_equal(c->event_queue, 64);
	assert_string_equal(c->ipset_prefix, "smtp_Sets-2");
	conf_free(c);
}

static void
test_live_keys(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;

	c = load_ok(f, BASE "queues = 7\nfail-open = yes\nreject = no\n"
	    "copy-range = 65531\nevent-queue = 1048576\n"
	    "ipset-prefix = abcdefghijklmno\n");
	assert_int_equal(c->queue_first, 7);
	assert_int_equal(c->queue_count, 1);
	assert_true(c->fail_open);
	assert_false(c->reject);
	conf_free(c);
	c = load_ok(f, BASE "queues = 0-63\n");
	assert_int_equal(c->queue_count, 64);
	conf_free(c);

	load_err(f, BASE "queues = 5-3\n", 3,
	    "bad queues '5-3' (N or N-M, at most 64 queues)");
	load_err(f, BASE "queues = 0-64\n", 3,
	    "bad queues '0-64' (N or N-M, at most 64 queues)");
	load_err(f, BASE "queues = x\n", 3, "bad number 'x' (0-65535)");
	load_err(f, BASE "queues = 1-x\n", 3, "bad number 'x' (0-65535)");
	load_err(f, BASE "queues = 65536\n", 3,
	    "bad number '65536' (0-65535)");
	load_err(f, BASE "fail-open = maybe\n", 3,
	    "bad fail-open 'maybe' (expected yes or no)");
	load_err(f, BASE "reject = true\n", 3,
	    "bad reject 'true' (expected yes or no)");
	load_err(f, BASE "queue-maxlen = 0\n", 3,
	    "bad number '0' (1-1000000)");
	load_err(f, BASE "copy-range = 127\n", 3,
	    "bad number '127' (128-65531)");
	load_err(f, BASE "copy-range = 65532\n", 3,
	    "bad number '65532' (128-65531)");
	load_err(f, BASE "event-queue = 63\n", 3,
	    "bad number '63' (64-1048576)");
	load_err(f, BASE "mark-bypass = 0x3\n", 3,
	    "bad mark-bypass '0x3' (one bit, e.g. 0x10000000)");
	load_err(f, BASE "mark-bypass = 0\n", 3,
	    "bad mark-bypass '0' (one bit, e.g. 0x10000000)");
	load_err(f, BASE "mark-reject = 0x100000000\n", 3,
	    "bad mark-reject '0x100000000' (one bit, e.g. 0x10000000)");
	load_err(f, BASE "mark-reject = 0x10q\n", 3,
	    "bad mark-reject '0x10q' (one bit, e.g. 0x10000000)");
	load_err(f, BASE "ipset-prefix = my.sets\n", 3,
	    "bad ipset-prefix 'my.sets' (1-15 letters, digits, - or _)");
	load_err(f, BASE "ipset-prefix = abcdefghijklmnop\n", 3,
	    "bad ipset-prefix 'abcdefghijklmnop' (1-15 letters, digits, - "
	    "or _)");
}

static void
test_marks_must_differ(void **state)
{
	struct fx	*f = *state;
	char		 want[ERRLEN + MAX_PATH];

	write_file(&f->dir, "nfqd.conf", BASE "mark-bypass = 0x20000000\n",
	    f->path);
	assert_int_equal(conf_load(f->path, &f->c, f->err, sizeof(f->err)),
	    -1);
	snprintf(want, sizeof(want), "%s: mark-bypass, mark-reject and "
	    "mark-allowed must be three different bits", f->path);
	assert_string_equal(f->err, want);
	assert_null(f->c.internal_lpm.slots);
	/* mark-allowed against the default bypass bit */
	write_file(&f->dir, "nfqd.conf", BASE "mark-allowed = 0x10000000\n",
	    f->path);
	assert_int_equal(conf_load(f->path, &f->c, f->err, sizeof(f->err)),
	    -1);
	assert_string_equal(f->err, want);
	write_file(&f->dir, "nfqd.conf", BASE "mark-allowed = 0x1\n",
	    f->path);
	assert_int_equal(conf_load(f->path, &f->c, f->err, sizeof(f->err)),
	    0);
	assert_int_equal(f->c.mark_allowed, 1);
	conf_free(&f->c);
}

static void
test_layout_whitespace_and_comments(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;

	c = load_ok(f,
	    "   # indented comment\n"
	    "\t\n"
	    "internal-networks=10.20.0.0/16\n"
	    "\texceptions\t=\texc.conf\t# trailing comment\n"
	    "mode=monitor #after a space\n"
	    "  transit   =   block   \r\n"
	    "smtp-ports = 2525");		/* no final newline */
	assert_int_equal(c->mode, MODE_MONITOR);
	assert_int_equal(c->transit, TRANSIT_BLOCK);
	assert_int_equal(c->nports, 1);
	assert_int_equal(c->ports[0], 2525);
	assert_false(conf_is_smtp_port(c, 25));
	conf_free(c);

	/* each value is replaced, not merged with the default */
	c = load_ok(f, BASE "events = file:a.json\n");
	assert_int_equal(c->nevents, 1);
	assert_contains(c->events[0], "/a.json");
	conf_free(c);
}

/*
 * The grammar of exceptions.conf: '#' starts a comment at the start of
 * a line or after a space or tab, a byte-order mark is skipped, any other
 * control or non-ASCII byte outside a comment is named.
 */
static void
test_grammar(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;

	/* Notepad's byte-order mark: the first key is still known */
	c = load_ok(f, "\xef\xbb\xbfinternal-networks = 10.20.0.0/16\n"
	    "exceptions = exc.conf\n");
	assert_int_equal(c->ninternal, 1);
	conf_free(c);
	c = load_ok(f, "\xef\xbb\xbf# nfqd.conf\n" BASE);
	conf_free(c);
	/* '#' inside a value is the value's: a clear error, not a cut */
	load_err(f, BASE "mode = enforce#monitor\n", 3, "bad mode "
	    "'enforce#monitor' (expected enforce or monitor)");
	c = load_ok(f, BASE "sensor-name = border-1 # the north router\n");
	assert_string_equal(c->sensor_name, "border-1");
	conf_free(c);
	c = load_ok(f, BASE "events = file:/var/log/nfqd#1/eve.json\n");
	assert_string_equal(c->events[0], "file:/var/log/nfqd#1/eve.json");
	conf_free(c);
	/* bytes: named by code and column */
	load_err(f, "\xef\xbb\xbf\xef\xbb\xbfinternal-networks = "
	    "10.20.0.0/16\n", 1, "non-ASCII character U+FEFF (a byte-order "
	    "mark; bytes 0xef 0xbb 0xbf) at column 1: outside a comment a line "
	    "holds printable ASCII, spaces and tabs only");
	load_err(f, BASE "mode =\xc2\xa0" "monitor\n", 3, "non-ASCII "
	    "character U+00A0 (a no-break space; bytes 0xc2 0xa0) at column 7: "
	    "outside a comment a line holds printable ASCII, spaces and tabs "
	    "only");
	load_err(f, "internal-networks = 10.20.0.0/16\x0c\n", 1, "control "
	    "character 0x0c at column 33: outside a comment a line holds "
	    "printable ASCII, spaces and tabs only");
	c = load_ok(f, BASE "# caf\xc3\xa9, \x01 and \xe9: a comment's\n");
	conf_free(c);
}

static void
test_timezone(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;
	int64_t		 d = tz_days_from_civil(2026, 12, 31);

	/* the system's by default (/etc/localtime) */
	c = load_ok(f, BASE);
	assert_non_null(c->tz);
	assert_string_equal(c->timezone, "");
	conf_free(c);
	assert_null(c->tz);
	c = load_ok(f, BASE "timezone = America/New_York\n");
	assert_string_equal(c->timezone, "America/New_York");
	assert_string_equal(tz_name(c->tz), "America/New_York");
	assert_int_equal(tz_day_end(c->tz, d), INT64_C(1798779600));
	conf_free(c);
	c = load_ok(f, BASE "timezone = Pacific/Auckland # far from UTC\n");
	assert_int_equal(tz_day_end(c->tz, d), INT64_C(1798714800));
	conf_free(c);
	load_err(f, BASE "timezone = America/Clevland\n", 3, "timezone: no "
	    "zone 'America/Clevland' (/usr/share/zoneinfo/America/Clevland: "
	    "No such file or directory; is tzdata installed?)");
	load_err(f, BASE "\ntimezone = ../../etc/shadow\n", 4, "timezone: "
	    "'../../etc/shadow' is not a zone name (Area/City, as in "
	    "/usr/share/zoneinfo)");
	load_err(f, BASE "timezone = UTC\ntimezone = UTC\n", 4,
	    "timezone set twice (first on line 3)");
}

static void
test_durations(void **state)
{
	static const struct { const char *v; uint32_t s; } ok[] = {
		{ "1", 1 }, { "30", 30 }, { "30s", 30 }, { "5m", 300 },
		{ "2h", 7200 }, { "1d", 86400 }, { "86400", 86400 },
		{ "1440m", 86400 }, { "24h", 86400 },
	};
	static const char *const bad[] = {
		"0", "0s", "86401", "2d", "25h", "1441m", "10x", "m", "1.5h",
		"10 m", "10M", "10ms", "-5", "+5", "s10", "99999999999999999999",
		"18446744073709551615d", "0x10",
	};
	struct fx	*f = *state;
	struct conf	*c;
	char		 text[256], msg[256];
	size_t		 i;

	for (i = 0; i < NELEM(ok); i++) {
		snprintf(text, sizeof(text), BASE "timeout-new = %s\n",
		    ok[i].v);
		c = load_ok(f, text);
		assert_int_equal(c->timeout_new, ok[i].s);
		conf_free(c);
	}
	for (i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text), BASE "timeout-new = %s\n",
		    bad[i]);
		snprintf(msg, sizeof(msg), "bad duration '%s' (1-86400 "
		    "seconds, or with s/m/h/d)", bad[i]);
		load_err(f, text, 3, msg);
	}
	c = load_ok(f, BASE "timeout-established = 30d\n"
	    "timeout-closed = 1s\nstats-interval = 0s\n");
	assert_int_equal(c->timeout_established, 30 * 86400);
	assert_int_equal(c->timeout_closed, 1);
	assert_int_equal(c->stats_interval, 0);
	conf_free(c);
	c = load_ok(f, BASE "stats-interval = 1d\n");
	assert_int_equal(c->stats_interval, 86400);
	conf_free(c);
	load_err(f, BASE "timeout-established = 31d\n", 3,
	    "bad duration '31d' (1-2592000 seconds, or with s/m/h/d)");
	load_err(f, BASE "timeout-closed = 0\n", 3,
	    "bad duration '0' (1-86400 seconds, or with s/m/h/d)");
	load_err(f, BASE "stats-interval = 1441m\n", 3,
	    "bad duration '1441m' (0-86400 seconds, or with s/m/h/d)");
}

static void
test_numbers(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;

	c = load_ok(f, BASE "max-flows = 100000000\n");
	assert_int_equal(c->max_flows, 100000000);
	conf_free(c);
	load_err(f, BASE "max-flows = 15\n", 3,
	    "bad number '15' (16-100000000)");
	load_err(f, BASE "max-flows = 100000001\n", 3,
	    "bad number '100000001' (16-100000000)");
	load_err(f, BASE "max-flows = 1k\n", 3,
	    "bad number '1k' (16-100000000)");
	load_err(f, BASE "max-flows = 100s\n", 3,	/* no suffixes here */
	    "bad number '100s' (16-100000000)");
	load_err(f, BASE "max-flows = lots\n", 3,
	    "bad number 'lots' (16-100000000)");
	load_err(f, BASE "max-flows = -20\n", 3,
	    "bad number '-20' (16-100000000)");
}

static void
test_ports(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;
	char		 text[1024];
	int		 i, n;

	c = load_ok(f, BASE "smtp-ports = 1, 65535\n");
	assert_true(conf_is_smtp_port(c, 1));
	assert_true(conf_is_smtp_port(c, 65535));
	assert_false(conf_is_smtp_port(c, 25));
	conf_free(c);
	load_err(f, BASE "smtp-ports = 25, 0\n", 3,
	    "bad number '0' (1-65535)");
	load_err(f, BASE "smtp-ports = 65536\n", 3,
	    "bad number '65536' (1-65535)");
	load_err(f, BASE "smtp-ports = smtp\n", 3,
	    "bad number 'smtp' (1-65535)");
	load_err(f, BASE "smtp-ports = 25 587\n", 3,
	    "bad number '25 587' (1-65535)");
	load_err(f, BASE "smtp-ports = 25,,587\n", 3, "empty item in list");
	load_err(f, BASE "smtp-ports = 25,\n", 3, "empty item in list");
	load_err(f, BASE "smtp-ports = , 25\n", 3, "empty item in list");
	load_err(f, BASE "smtp-ports = 25, 587, 25\n", 3,
	    "port 25 listed twice");
	load_err(f, BASE "smtp-ports = 587, 0587\n", 3,
	    "port 0587 listed twice");

	/* 64 ports is the limit */
	n = snprintf(text, sizeof(text), BASE "smtp-ports = 1");
	for (i = 2; i <= 64; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, ",%d", i);
	snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	c = load_ok(f, text);
	assert_int_equal(c->nports, 64);
	assert_int_equal(c->ports[63], 64);
	conf_free(c);
	snprintf(text + n, sizeof(text) - (size_t)n, ",65\n");
	load_err(f, text, 3, "too many items (at most 64)");
}

static void
test_mode_transit_errors(void **state)
{
	struct fx	*f = *state;

	load_err(f, BASE "mode = enforcing\n", 3,
	    "bad mode 'enforcing' (expected enforce or monitor)");
	load_err(f, BASE "mode = Monitor\n", 3,
	    "bad mode 'Monitor' (expected enforce or monitor)");
	load_err(f, "mode = off\n" BASE, 1,
	    "bad mode 'off' (expected enforce or monitor)");
	load_err(f, BASE "transit = drop\n", 3,
	    "bad transit 'drop' (expected allow or block)");
	load_err(f, BASE "transit = allow block\n", 3,
	    "bad transit 'allow block' (expected allow or block)");
}

static void
test_syntax_errors(void **state)
{
	struct fx	*f = *state;

	load_err(f, BASE "colour = blue\n", 3, "unknown key 'colour'");
	load_err(f, BASE "Mode = enforce\n", 3, "unknown key 'Mode'");
	load_err(f, "# x\nmode = enforce\n" BASE "\nmode = monitor\n", 6,
	    "mode set twice (first on line 2)");
	load_err(f, BASE "exceptions = other.conf\n", 3,
	    "exceptions set twice (first on line 2)");
	load_err(f, BASE "mode enforce\n", 3,
	    "expected 'key = value', got 'mode enforce'");
	load_err(f, BASE "mode\n", 3, "expected 'key = value', got 'mode'");
	load_err(f, BASE "mode =\n", 3, "missing value after '='");
	load_err(f, BASE "mode =   # nothing\n", 3,
	    "missing value after '='");
	load_err(f, BASE "= enforce\n", 3, "missing key before '='");
	load_err(f, BASE "  =  \n", 3, "missing key before '='");
	/* the first bad line is the one reported */
	load_err(f, "mode = x\ntransit = y\n" BASE, 1,
	    "bad mode 'x' (expected enforce or monitor)");
}

static void
test_event_sinks(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;

	load_err(f, BASE "events = stdout, file:\n", 3,
	    "bad event sink 'file:': no path");
	load_err(f, BASE "events = udp://2001:db8::1:514\n", 3,
	    "bad event sink 'udp://2001:db8::1:514': an IPv6 address goes in "
	    "brackets: [2001:db8::5]:PORT");
	load_err(f, BASE "events = tcp://10.0.0.1:0\n", 3,
	    "bad event sink 'tcp://10.0.0.1:0': bad port '0' (1-65535)");
	load_err(f, BASE "events = tcp://10.0.0.1:514, tcp://10.0.0.1:514\n",
	    3, "event sink 'tcp://10.0.0.1:514' listed twice");
	load_err(f, BASE "event-buffer = 1k\n", 3,
	    "bad size '1k' (64K-1024M, bytes or with K, M or G)");
	load_err(f, BASE "events = stdout,\n", 3, "empty item in list");
	load_err(f, BASE "events = a,b,c,d,e,f,g,h,i\n", 3,
	    "too many items (at most 8)");
	c = load_ok(f, BASE "events = file:1,file:2,file:3,file:4,file:5,"
	    "file:6,file:7,stdout\n");
	assert_int_equal(c->nevents, 8);
	assert_string_equal(c->events[7], "stdout");
	assert_int_equal(c->event_buffer, 4u << 20);
	conf_free(c);
	c = load_ok(f, BASE "events = tcp://127.0.0.1:5514, "
	    "udp://[2001:db8::5]:514, unix:c.sock, syslog\n"
	    "event-buffer = 16M\n");
	assert_int_equal(c->nevents, 4);
	assert_string_equal(c->events[3], "syslog");
	/* a relative unix path is made absolute, like file: */
	assert_true(c->events[2][5] == '/');
	assert_int_equal(c->event_buffer, 16u << 20);
	conf_free(c);
}

static void
test_internal_networks_errors(void **state)
{
	struct fx	*f = *state;

	load_err(f, "internal-networks = 10.20.0.0/16, 10.30.0.1/16\n", 1,
	    "internal-networks: host bits set in '10.30.0.1/16' "
	    "(did you mean 10.30.0.0/16?)");
	load_err(f, "internal-networks = campus\n", 1,
	    "internal-networks: bad address 'campus'");
	load_err(f, "internal-networks = 10.20.0.0/40\n", 1,
	    "internal-networks: bad prefix length '40' in '10.20.0.0/40' "
	    "(0-32)");
	load_err(f, "exceptions = x\ninternal-networks = 10.20.0.0/16, "
	    "2001:db8::/32, 10.20.0.0/16\n", 2,
	    "internal-networks: 10.20.0.0/16 listed twice");
	load_err(f, "internal-networks = 10.20.0.0/16,\n", 1,
	    "empty item in list");
}

static void
test_required_keys(void **state)
{
	struct fx	*f = *state;
	char		 want[ERRLEN + MAX_PATH];

	write_file(&f->dir, "nfqd.conf", "exceptions = exc.conf\n", f->path);
	assert_int_equal(conf_load(f->path, &f->c, f->err, sizeof(f->err)),
	    -1);
	snprintf(want, sizeof(want), "%s: internal-networks is not set",
	    f->path);
	assert_string_equal(f->err, want);

	write_file(&f->dir, "nfqd.conf", "internal-networks = 10.0.0.0/8\n",
	    f->path);
	assert_int_equal(conf_load(f->path, &f->c, f->err, sizeof(f->err)),
	    -1);
	snprintf(want, sizeof(want), "%s: exceptions is not set", f->path);
	assert_string_equal(f->err, want);
	assert_null(f->c.internal_lpm.slots);

	write_file(&f->dir, "nfqd.conf", "", f->path);
	assert_int_equal(conf_load(f->path, &f->c, f->err, sizeof(f->err)),
	    -1);
	assert_contains(f->err, "is not set");
}

static void
test_nul_byte(void **state)
{
	static const char text[] = BASE "mode = en\0force\n";
	struct fx	*f = *state;
	char		 want[ERRLEN + MAX_PATH];

	write_bytes(&f->dir, "nfqd.conf", text, sizeof(text) - 1, f->path);
	assert_int_equal(conf_load(f->path, &f->c, f->err, sizeof(f->err)),
	    -1);
	snprintf(want, sizeof(want), "%s:3: NUL byte in line", f->path);
	assert_string_equal(f->err, want);
	/* in a comment too */
	write_bytes(&f->dir, "nfqd.conf", "# \0\n" BASE, 4 + strlen(BASE),
	    f->path);
	assert_int_equal(conf_load(f->path, &f->c, f->err, sizeof(f->err)),
	    -1);
	snprintf(want, sizeof(want), "%s:1: NUL byte in line", f->path);
	assert_string_equal(f->err, want);
}

static void
test_long_lines(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;
	char		*text;
	size_t		 n;

	text = malloc(20000);
	assert_non_null(text);
	/* a 4000-byte comment is fine */
	n = (size_t)snprintf(text, 20000, BASE "#");
	memset(text + n, 'x', 3998);
	strcpy(text + n + 3998, "\n");
	c = load_ok(f, text);
	conf_free(c);
	/* 10000 bytes is not */
	n = (size_t)snprintf(text, 20000, BASE "#");
	memset(text + n, 'x', 10000);
	strcpy(text + n + 10000, "\nmode = monitor\n");
	load_err(f, text, 3, "line too long");
	/* nor a long value: the line is refused before the key is read */
	n = (size_t)snprintf(text, 20000, BASE "mode = ");
	memset(text + n, 'm', 10000);
	strcpy(text + n + 10000, "\n");
	load_err(f, text, 3, "line too long");
	free(text);
}

static void
test_unreadable(void **state)
{
	struct fx	*f = *state;
	char		 want[ERRLEN + MAX_PATH];

	tmpdir_file(&f->dir, "missing.conf", f->path);
	assert_int_equal(conf_load(f->path, &f->c, f->err, sizeof(f->err)),
	    -1);
	snprintf(want, sizeof(want), "%s: No such file or directory",
	    f->path);
	assert_string_equal(f->err, want);

	/* a folder opens but does not read */
	assert_int_equal(conf_load(f->dir.path, &f->c, f->err,
	    sizeof(f->err)), -1);
	snprintf(want, sizeof(want), "%s: Is a directory", f->dir.path);
	assert_string_equal(f->err, want);
}

static void
test_relative_paths(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;
	char		 sub[MAX_PATH], path[MAX_PATH + 16];
	char		 want[2 * MAX_PATH];
	char		 cwd[MAX_PATH];

	/* a config in a sub-folder: relative to that folder */
	tmpdir_file(&f->dir, "etc", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/nfqd.conf", sub);
	write_file(&f->dir, "etc/nfqd.conf",
	    "internal-networks = 10.0.0.0/8\n"
	    "exceptions = lists/exceptions.conf\n"
	    "events = file:../log/events.json, file:/abs.json\n", path);
	assert_int_equal(conf_load(path, &f->c, f->err, sizeof(f->err)), 0);
	c = &f->c;
	snprintf(want, sizeof(want), "%s/lists/exceptions.conf", sub);
	assert_string_equal(c->exceptions, want);
	snprintf(want, sizeof(want), "file:%s/../log/events.json", sub);
	assert_string_equal(c->events[0], want);
	assert_string_equal(c->events[1], "file:/abs.json");
	conf_free(c);

	/* a config named without a folder: relative to the cwd, as given */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(sub), 0);
	if (conf_load("nfqd.conf", &f->c, f->err, sizeof(f->err)) != 0) {
		assert_int_equal(chdir(cwd), 0);
		fail_msg("%s", f->err);
	}
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(f->c.exceptions, "lists/exceptions.conf");
	assert_string_equal(f->c.events[0], "file:../log/events.json");
	assert_string_equal(f->c.path, "nfqd.conf");
	conf_free(&f->c);

	/* "./nfqd.conf" keeps its "./" */
	assert_int_equal(chdir(sub), 0);
	if (conf_load("./nfqd.conf", &f->c, f->err, sizeof(f->err)) != 0) {
		assert_int_equal(chdir(cwd), 0);
		fail_msg("%s", f->err);
	}
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(f->c.exceptions, "./lists/exceptions.conf");
	conf_free(&f->c);
}

static void
test_path_too_long(void **state)
{
	struct fx	*f = *state;
	char		*text, *longp;
	size_t		 n;

	text = malloc(4096);
	longp = malloc(2048);
	assert_non_null(text);
	assert_non_null(longp);
	memset(longp, 'p', 1500);
	longp[1500] = '\0';
	n = (size_t)snprintf(text, 4096, "internal-networks = 10.0.0.0/8\n"
	    "exceptions = %s\n", longp);
	assert_true(n < 4096);
	load_err(f, text, 2, "path too long");
	snprintf(text, 4096, BASE "events = file:%s\n", longp);
	load_err(f, text, 3, "path too long");

	/* the configuration path itself */
	memset(longp, 'q', 2000);
	longp[0] = '/';
	longp[2000] = '\0';
	assert_int_equal(conf_load(longp, &f->c, f->err, sizeof(f->err)), -1);
	assert_contains(f->err, "path too long");
	free(text);
	free(longp);
}

/* control-socket, control-group, state-dir (ctl.c, quarantine.c). */
static void
test_control_keys(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;
	char		 want[MAX_PATH], text[1024];

	c = load_ok(f, BASE);
	assert_string_equal(c->control_socket, "/run/nfqd/control.sock");
	assert_string_equal(c->control_group, "");
	assert_string_equal(c->state_dir, "/var/lib/nfqd");
	conf_free(c);
	c = load_ok(f, BASE "control-socket = ctl.sock\ncontrol-group = root\n"
	    "state-dir = state\n");
	assert_string_equal(c->control_socket, tmpdir_file(&f->dir,
	    "ctl.sock", want));
	assert_string_equal(c->control_group, "root");
	assert_int_equal(c->control_gid, 0);
	assert_string_equal(c->state_dir, tmpdir_file(&f->dir, "state",
	    want));
	conf_free(c);
	c = load_ok(f, BASE "control-socket = none\n");
	assert_string_equal(c->control_socket, "");
	conf_free(c);
	load_err(f, BASE "control-group = no-such-group-here\n", 3,
	    "control-group: no group 'no-such-group-here' on this system");
	snprintf(text, sizeof(text), BASE "control-socket = /%0120d\n", 7);
	load_err(f, text, 3, "control-socket path too long for a unix socket "
	    "(at most 107 bytes)");
}

/* sensor-name: the system's host name by default; host-name characters. */
static void
test_sensor_name(void **state)
{
	struct fx	*f = *state;
	struct conf	*c;
	char		 host[256] = "", text[256];

	c = load_ok(f, BASE);
	if (gethostname(host, sizeof(host) - 1) == 0 && strlen(host) < 64 &&
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.:") == strlen(host) && host[0] != '\0')
		assert_string_equal(c->sensor_name, host);
	else
		assert_string_equal(c->sensor_name, "nfqd");
	conf_free(c);
	c = load_ok(f, BASE "sensor-name = border-1.case.edu\n");
	assert_string_equal(c->sensor_name, "border-1.case.edu");
	conf_free(c);
	snprintf(text, sizeof(text), BASE "sensor-name = %063d\n", 1);
	c = load_ok(f, text);
	assert_int_equal(strlen(c->sensor_name), 63);
	conf_free(c);
	snprintf(text, sizeof(text), BASE "sensor-name = %064d\n", 1);
	load_err(f, text, 3, "bad sensor-name "
	    "'0000000000000000000000000000000000000000000000000000000000000001'"
	    " (1-63 letters, digits, '-', '_', '.' or ':')");
	load_err(f, BASE "sensor-name = border 1\n", 3, "bad sensor-name "
	    "'border 1' (1-63 letters, digits, '-', '_', '.' or ':')");
	load_err(f, BASE "sensor-name = r\"1\n", 3, "bad sensor-name "
	    "'r\"1' (1-63 letters, digits, '-', '_', '.' or ':')");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_defaults),
		T(test_every_key),
		T(test_live_keys),
		T(test_marks_must_differ),
		T(test_layout_whitespace_and_comments),
		T(test_grammar),
		T(test_timezone),
		T(test_durations),
		T(test_numbers),
		T(test_ports),
		T(test_mode_transit_errors),
		T(test_syntax_errors),
		T(test_event_sinks),
		T(test_internal_networks_errors),
		T(test_required_keys),
		T(test_nul_byte),
		T(test_long_lines),
		T(test_unreadable),
		T(test_relative_paths),
		T(test_path_too_long),
		T(test_control_keys),
		T(test_sensor_name),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
