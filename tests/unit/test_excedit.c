/*
 * excedit: every validation and its exact message, the refused edit that
 * leaves the file byte for byte as it was (and no audit record, no
 * temporary file), add and remove keeping every other byte, the rule for
 * a removed entry's comment line, the layout of new lines, the audit log,
 * export -> import round trips and what an import changes, the lock.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "util.h"
#include "control/excedit.h"

#define NOW	INT64_C(1795348800)	/* 2026-11-22T12:00:00Z */
#define TODAY	"2026-11-22"
#define MSGLEN	(MAX_PATH + ERRLEN)	/* a message naming a path */
#define ALLOWED	"(printable ASCII without spaces, quotes or backslashes)"

/* The sample list, with its dates as of NOW. */
static const char sample[] =
    /* 1 */ "# Central mail gateway (smtp.campus.example): all SMTP in and out\n"
    /* 2 */ "10.20.1.25          both      ticket=NET-1001 owner=its-mail added=2024-01-15\n"
    /* 3 */ "2001:db8:20:1::25   both      ticket=NET-1001 owner=its-mail added=2024-01-15\n"
    /* 4 */ "# Physics department mail servers: inbound only\n"
    /* 5 */ "10.20.8.0/24        inbound   ticket=NET-1187 owner=physics-it expires=2027-06-30 added=2025-07-01\n"
    /* 6 */ "# ... but this host in the physics subnet only sends\n"
    /* 7 */ "10.20.8.66          outbound  ticket=NET-1203 owner=physics-it added=2025-09-02\n"
    /* 8 */ "# Genomics lab sends large results\n"
    /* 9 */ "10.20.5.10          outbound  ticket=NET-1290 owner=genomics expires=2026-12-31 added=2026-01-10\n"
    /* 10 */ "# Expired: the old conference list server\n"
    /* 11 */ "10.20.7.7           both      ticket=NET-0950 owner=events expires=2026-08-31 added=2025-09-01\n";

static const char conf_text[] =
    "internal-networks = 10.20.0.0/16, 2001:db8:20::/48\n"
    "exceptions = exceptions.conf\n"
    "timezone = UTC\n";

struct fx {
	struct tmpdir	 dir;
	char		 exc[MAX_PATH], conf[MAX_PATH], audit[MAX_PATH];
	struct conf	 c;
	char		 msgs[16384];
};

static void
on_msg(void *arg, int level, const char *text)
{
	struct fx	*f = arg;
	size_t		 n = strlen(f->msgs);

	snprintf(f->msgs + n, sizeof(f->msgs) - n, "%s %s\n",
	    level == EXCEDIT_INFO ? "I" : level == EXCEDIT_WARN ? "W" : "E",
	    text);
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	char		 err[ERRLEN];

	if (f == NULL)
		return -1;
	tmpdir_new(&f->dir);
	write_file(&f->dir, "exceptions.conf", sample, f->exc);
	write_file(&f->dir, "nfqd.conf", conf_text, f->conf);
	/* realpath: the messages name the path as given, the audit the real */
	tmpdir_file(&f->dir, "exceptions.conf.audit", f->audit);
	if (conf_load(f->conf, &f->c, err, sizeof(err)) == -1)
		fail_msg("conf_load: %s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	conf_free(&f->c);
	tmpdir_rm(&f->dir);
	free(f);
	return 0;
}

static char *
slurp(const char *path)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf;
	long	 n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	if ((buf = calloc(1, (size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n)
		fail_msg("cannot read %s", path);
	fclose(fp);
	return buf;
}

static void
assert_file(const char *path, const char *want)
{
	char	*got = slurp(path);

	if (got == NULL)
		fail_msg("%s missing", path);
	if (strcmp(got, want) != 0)
		fail_msg("%s:\n--- got\n%s--- want\n%s---", path, got, want);
	free(got);
}

/* Fail unless the file at path contains needle. */
static void
file_contains(const char *path, const char *needle)
{
	char	*got = slurp(path);

	if (got == NULL || strstr(got, needle) == NULL)
		fail_msg("%s:\n%s--- does not contain\n%s", path,
		    got ? got : "(missing)", needle);
	free(got);
}

/* Files in the scratch folder: no temporary file may be left behind. */
static int
count_files(const struct fx *f)
{
	DIR		*d = opendir(f->dir.path);
	struct dirent	*e;
	int		 n = 0;

	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0))
			n++;
	closedir(d);
	return n;
}

static struct excedit *
xopen(struct fx *f, bool lock)
{
	struct excedit_opts	 o;
	struct excedit		*x;
	char			 err[ERRLEN] = "";

	memset(&o, 0, sizeof(o));
	o.path = f->exc;
	o.audit = f->audit;
	o.who = "tester";
	o.conf = &f->c;
	o.now = NOW;
	o.lock = lock;
	o.msg = on_msg;
	o.arg = f;
	if ((x = excedit_open(&o, err, sizeof(err))) == NULL)
		fail_msg("excedit_open: %s", err);
	return x;
}

static void
add_ok(struct fx *f, const struct excedit_req *r)
{
	struct excedit	*x = xopen(f, true);
	char		 err[ERRLEN] = "";

	if (excedit_add(x, r, err, sizeof(err)) == -1 ||
	    excedit_commit(x, err, sizeof(err)) == -1)
		fail_msg("add %s: %s", r->address, err);
	excedit_close(x);
}

static void
remove_ok(struct fx *f, const char *addr)
{
	struct excedit	*x = xopen(f, true);
	char		 err[ERRLEN] = "";

	if (excedit_remove(x, addr, NULL, err, sizeof(err)) == -1 ||
	    excedit_commit(x, err, sizeof(err)) == -1)
		fail_msg("remove %s: %s", addr, err);
	excedit_close(x);
}

/* path + ":" + rest, for messages that name the file. */
static const char *
at(const struct fx *f, const char *rest)
{
	static char	 buf[2][MSGLEN];
	static int	 i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s%s", f->exc, rest);
	return buf[i];
}

static struct excedit_req
req(const char *addr, const char *dir)
{
	struct excedit_req	 r = { .address = addr, .direction = dir,
				    .ticket = "NET-1300", .owner = "chem-it" };

	return r;
}

/*
 * The edit must be refused with exactly `msg`, the file and the folder
 * left as they were: same bytes, no audit log, no temporary file.
 */
static void
refused_at(struct fx *f, const struct excedit_req *r, const char *rmaddr,
    const char *msg, int caller)
{
	struct excedit	*x;
	char		*before = slurp(f->exc), *after, err[ERRLEN] = "";
	int		 files = count_files(f), rc;

	x = xopen(f, true);
	if (r != NULL)
		rc = excedit_add(x, r, err, sizeof(err));
	else
		rc = excedit_remove(x, rmaddr, NULL, err, sizeof(err));
	if (rc != -1)
		fail_msg("line %d: edit accepted", caller);
	excedit_close(x);
	if (strcmp(err, msg) != 0)
		fail_msg("line %d:\n got '%s'\nwant '%s'", caller, err, msg);
	after = slurp(f->exc);
	if (strcmp(before, after) != 0)
		fail_msg("line %d: the refused edit changed the file", caller);
	if (access(f->audit, F_OK) == 0)
		fail_msg("line %d: the refused edit wrote the audit log",
		    caller);
	/* the lock file may be new; nothing else */
	if (count_files(f) > files + 1)
		fail_msg("line %d: a file was left behind", caller);
	free(before);
	free(after);
}
#define add_refused(f, r, msg)	refused_at(f, r, NULL, msg, __LINE__)
#define remove_refused(f, a, msg) refused_at(f, NULL, a, msg, __LINE__)

/* ---- add ---- */

static void
test_add_appends_and_keeps_the_rest(void **state)
{
	struct fx		*f = *state;
	struct excedit_req	 r = req("10.20.9.0/24", "inbound");
	char			 want[4096];

	r.comment = "Chemistry mail relay";
	add_ok(f, &r);
	/* after an entry under a comment heading: a blank line first */
	snprintf(want, sizeof(want), "%s\n10.20.9.0/24        inbound   "
	    "ticket=NET-1300 owner=chem-it added=" TODAY
	    "  # Chemistry mail relay\n", sample);
	assert_file(f->exc, want);
	assert_contains(f->msgs, at(f, ":13: added 10.20.9.0/24        "
	    "inbound   ticket=NET-1300 owner=chem-it"));

	r = req("10.20.9.25", "outbound");
	r.expires = "2027-01-31";
	add_ok(f, &r);
	snprintf(want + strlen(want), sizeof(want) - strlen(want),
	    "10.20.9.25          outbound  ticket=NET-1300 owner=chem-it "
	    "expires=2027-01-31 added=" TODAY "\n");
	assert_file(f->exc, want);
}

static void
test_add_address_forms(void **state)
{
	struct fx		*f = *state;
	struct excedit_req	 r;
	char			 want[4096];

	write_file(&f->dir, "exceptions.conf", "", f->exc);
	r = req("10.20.9.9/32", "both");
	add_ok(f, &r);
	r = req("2001:DB8:20:0:0:0:0:99/128", "both");
	add_ok(f, &r);
	r = req("2001:db8:20:9::/64", "inbound");
	add_ok(f, &r);
	r = req("10.20.0.0/16", "inbound");
	add_ok(f, &r);
	snprintf(want, sizeof(want),
	    "10.20.9.9           both      ticket=NET-1300 owner=chem-it added=" TODAY "\n"
	    "2001:db8:20::99     both      ticket=NET-1300 owner=chem-it added=" TODAY "\n"
	    "2001:db8:20:9::/64  inbound   ticket=NET-1300 owner=chem-it added=" TODAY "\n"
	    "10.20.0.0/16        inbound   ticket=NET-1300 owner=chem-it added=" TODAY "\n");
	assert_file(f->exc, want);
}

static void
test_add_validation_messages(void **state)
{
	struct fx	*f = *state;
	char		 long_ticket[80], long_comment[260], dup[MSGLEN];
	struct excedit_req r;
	static const struct {
		const char	*field, *value, *msg;
	} cases[] = {
		{ "address", "10.20.9.1/24",
		    "host bits set in '10.20.9.1/24' (did you mean "
		    "10.20.9.0/24?)" },
		{ "address", "2001:db8:20:9::1/64",
		    "host bits set in '2001:db8:20:9::1/64' (did you mean "
		    "2001:db8:20:9::/64?)" },
		{ "address", "10.20.300.1", "bad address '10.20.300.1'" },
		{ "address", "campus-mx", "bad address 'campus-mx'" },
		{ "address", "10.20.9.0/33",
		    "bad prefix length '33' in '10.20.9.0/33' (0-32)" },
		{ "address", "10.20.9.0/", "bad prefix length '' in "
		    "'10.20.9.0/' (0-32)" },
		{ "address", "", "address is required" },
		{ "direction", "sideways", "bad direction 'sideways' (expected "
		    "inbound, outbound or both)" },
		{ "direction", "Inbound", "bad direction 'Inbound' (expected "
		    "inbound, outbound or both)" },
		{ "direction", "", "direction is required (inbound, outbound "
		    "or both)" },
		{ "ticket", "", "ticket is required" },
		{ "ticket", "NET 1300", "ticket 'NET 1300' has a character "
		    "that is not allowed: ' ' " ALLOWED },
		{ "ticket", "NET\"1300", "ticket 'NET\"1300' has a character "
		    "that is not allowed: '\"' " ALLOWED },
		{ "ticket", "NET\\1300", "ticket 'NET\\1300' has a character "
		    "that is not allowed: '\\' " ALLOWED },
		{ "owner", "", "owner is required" },
		{ "owner", "chem it", "owner 'chem it' has a character that "
		    "is not allowed: ' ' " ALLOWED },
		{ "owner", "chimie-\xc3\xa9", "owner has a character that is "
		    "not allowed: byte 0xc3 " ALLOWED },
		{ "owner", "chem\tit", "owner has a character that is not "
		    "allowed: byte 0x09 " ALLOWED },
		{ "expires", "2026-02-30",
		    "expires '2026-02-30' is not a real calendar date" },
		{ "expires", "2027-02-29",
		    "expires '2027-02-29' is not a real calendar date" },
		{ "expires", "2026-13-01",
		    "expires '2026-13-01' is not a real calendar date" },
		{ "expires", "2026/12/01", "expires '2026/12/01' is not a "
		    "date (expected YYYY-MM-DD)" },
		{ "expires", "31.12.2026", "expires '31.12.2026' is not a "
		    "date (expected YYYY-MM-DD)" },
		{ "expires", "2026-12-1", "expires '2026-12-1' is not a date "
		    "(expected YYYY-MM-DD)" },
		{ "expires", "2026-11-21", "expires 2026-11-21 is in the past "
		    "(today is " TODAY " in UTC)" },
		{ "expires", "2020-01-01", "expires 2020-01-01 is in the past "
		    "(today is " TODAY " in UTC)" },
		{ "added", "2026-11-23", "added 2026-11-23 is in the future "
		    "(today is " TODAY " in UTC)" },
		{ "added", "2026-02-29",
		    "added '2026-02-29' is not a real calendar date" },
		{ "comment", "two\nlines", "comment has a control character "
		    "(byte 0x0a): one line of printable text" },
		{ "comment", "bell\a", "comment has a control character "
		    "(byte 0x07): one line of printable text" },
		{ "comment", "caf\xe9", "comment is not valid UTF-8 (byte "
		    "0xe9 at offset 3)" },
		{ "comment", "\xc0\xaf", "comment is not valid UTF-8 (byte "
		    "0xc0 at offset 0)" },
		/* after the attributes, a word like one would not be read */
		{ "comment", "was expires=2026-12-01", "comment holds "
		    "'expires=2026-12-01', which reads as an attribute that "
		    "nfqd would not read there: give it as an option, or "
		    "reword the comment" },
		{ "comment", "#owner=x", "comment holds 'owner=x', which reads "
		    "as an attribute that nfqd would not read there: give it "
		    "as an option, or reword the comment" },
		/* an entry stays inside the campus */
		{ "address", "10.0.0.0/8", "10.0.0.0/8 contains the internal "
		    "network 10.20.0.0/16: it would exempt every campus host "
		    "there, not the ones it is for; list those hosts (or "
		    "their subnet), or write 10.20.0.0/16 itself to exempt "
		    "that whole network on purpose" },
		{ "address", "0.0.0.0/0", "0.0.0.0/0 contains the internal "
		    "network 10.20.0.0/16: it would exempt every campus host "
		    "there, not the ones it is for; list those hosts (or "
		    "their subnet), or write 10.20.0.0/16 itself to exempt "
		    "that whole network on purpose" },
		{ "address", "::/0", "::/0 contains the internal network "
		    "2001:db8:20::/48: it would exempt every campus host "
		    "there, not the ones it is for; list those hosts (or "
		    "their subnet), or write 2001:db8:20::/48 itself to "
		    "exempt that whole network on purpose" },
		{ "address", "2001:db8::/32", "2001:db8::/32 contains the "
		    "internal network 2001:db8:20::/48: it would exempt every "
		    "campus host there, not the ones it is for; list those "
		    "hosts (or their subnet), or write 2001:db8:20::/48 itself "
		    "to exempt that whole network on purpose" },
	};
	size_t		 i;

	for (i = 0; i < NELEM(cases); i++) {
		r = req("10.20.9.0/24", "inbound");
		if (strcmp(cases[i].field, "address") == 0)
			r.address = cases[i].value;
		else if (strcmp(cases[i].field, "direction") == 0)
			r.direction = cases[i].value;
		else if (strcmp(cases[i].field, "ticket") == 0)
			r.ticket = cases[i].value;
		else if (strcmp(cases[i].field, "owner") == 0)
			r.owner = cases[i].value;
		else if (strcmp(cases[i].field, "expires") == 0)
			r.expires = cases[i].value;
		else if (strcmp(cases[i].field, "added") == 0)
			r.added = cases[i].value;
		else
			r.comment = cases[i].value;
		refused_at(f, &r, NULL, cases[i].msg, (int)i);
	}

	/* NULL is the same as "" for the required ones */
	r = req("10.20.9.0/24", NULL);
	add_refused(f, &r, "direction is required (inbound, outbound or both)");
	r = req(NULL, "inbound");
	add_refused(f, &r, "address is required");
	r = req("10.20.9.0/24", "inbound");
	r.ticket = NULL;
	add_refused(f, &r, "ticket is required");
	r.ticket = "NET-1";
	r.owner = NULL;
	add_refused(f, &r, "owner is required");

	memset(long_ticket, 'T', 64);
	long_ticket[64] = '\0';
	r = req("10.20.9.0/24", "inbound");
	r.ticket = long_ticket;
	add_refused(f, &r, "ticket 'TTTTTTTTTTTTTTTTTTTT...' is too long (64 "
	    "characters, at most 63)");
	memset(long_comment, 'c', 201);
	long_comment[201] = '\0';
	r = req("10.20.9.0/24", "inbound");
	r.comment = long_comment;
	add_refused(f, &r, "comment is too long (201 bytes, at most 200)");

	/* duplicates, however written */
	r = req("10.20.1.25", "inbound");
	snprintf(dup, sizeof(dup), "10.20.1.25 is already listed (%s:2); "
	    "change it with nfqctl exception set 10.20.1.25", f->exc);
	add_refused(f, &r, dup);
	r = req("10.20.1.25/32", "both");
	add_refused(f, &r, dup);
	r = req("2001:DB8:20:1:0:0:0:25", "both");
	snprintf(dup, sizeof(dup), "2001:db8:20:1::25 is already listed "
	    "(%s:3); change it with nfqctl exception set 2001:db8:20:1::25",
	    f->exc);
	add_refused(f, &r, dup);
	r = req("10.20.8.0/24", "both");
	snprintf(dup, sizeof(dup), "10.20.8.0/24 is already listed (%s:5); "
	    "change it with nfqctl exception set 10.20.8.0/24", f->exc);
	add_refused(f, &r, dup);
	/* an expired entry is still listed */
	r = req("10.20.7.7", "both");
	snprintf(dup, sizeof(dup), "10.20.7.7 is already listed (%s:11); "
	    "change it with nfqctl exception set 10.20.7.7", f->exc);
	add_refused(f, &r, dup);
	assert_file(f->exc, sample);
	assert_string_equal(f->msgs, "");
}

static void
test_add_accepts_edges(void **state)
{
	struct fx		*f = *state;
	struct excedit_req	 r;
	char			 c200[201];
	char			*text;

	r = req("10.20.9.1", "inbound");
	r.expires = TODAY;			/* through the end of today */
	add_ok(f, &r);
	r = req("10.20.9.2", "inbound");
	r.expires = "2028-02-29";		/* leap day */
	add_ok(f, &r);
	memset(c200, 'c', 200);
	c200[200] = '\0';
	r = req("10.20.9.3", "inbound");
	r.comment = c200;
	add_ok(f, &r);
	r = req("10.20.9.4", "inbound");
	r.ticket = "JIRA:NET-1300/a.b_c+d@x";
	r.owner = "alice@campus.example";
	add_ok(f, &r);
	/* the file's own grammar: '#' inside a value is the value's */
	r = req("10.20.9.5", "inbound");
	r.ticket = "INC#4711";
	r.owner = "its=mail";
	r.comment = "  d\xc3\xa9partement de chimie, \"relay\" #2  ";
	add_ok(f, &r);
	text = slurp(f->exc);
	assert_contains(text, "10.20.9.1           inbound   ticket=NET-1300 "
	    "owner=chem-it expires=" TODAY " added=" TODAY "\n");
	assert_contains(text, "expires=2028-02-29");
	assert_contains(text, "ticket=JIRA:NET-1300/a.b_c+d@x "
	    "owner=alice@campus.example added=" TODAY "\n");
	assert_contains(text, "10.20.9.5           inbound   ticket=INC#4711 "
	    "owner=its=mail added=" TODAY
	    "  # d\xc3\xa9partement de chimie, \"relay\" #2\n");
	free(text);
}

static void
test_add_warnings(void **state)
{
	struct fx		*f = *state;
	struct excedit_req	 r;
	char			*text;

	/* outside internal-networks: said, and still written */
	r = req("192.0.2.5", "both");
	add_ok(f, &r);
	assert_contains(f->msgs, at(f, ":13: 192.0.2.5 is outside "
	    "internal-networks (10.20.0.0/16, 2001:db8:20::/48): only campus "
	    "addresses are looked up, so it never matches"));
	text = slurp(f->exc);
	assert_contains(text, "192.0.2.5           both");
	free(text);
	/* the whole internal network: the direction it opens, said */
	f->msgs[0] = '\0';
	r = req("10.20.0.0/16", "outbound");
	add_ok(f, &r);
	assert_contains(f->msgs, at(f, ":14: 10.20.0.0/16 outbound is the "
	    "whole internal network 10.20.0.0/16: it opens outbound SMTP "
	    "(Part 2) from every campus host in it\n"));
	remove_ok(f, "10.20.0.0/16");
	f->msgs[0] = '\0';
	r = req("2001:db8:20::/48", "both");
	add_ok(f, &r);
	assert_contains(f->msgs, "2001:db8:20::/48 both is the whole internal "
	    "network 2001:db8:20::/48: it opens inbound and outbound SMTP for "
	    "every campus host in it: the policy is off there\n");
	remove_ok(f, "2001:db8:20::/48");
	/* IPv4-mapped: never matches, the IPv4 form given */
	f->msgs[0] = '\0';
	r = req("::ffff:10.20.1.26", "both");
	add_ok(f, &r);
	assert_contains(f->msgs, at(f, ":14: ::ffff:10.20.1.26 is an "
	    "IPv4-mapped address: nfqd sees that host's packets as IPv4, so "
	    "this entry never matches; write 10.20.1.26\n"));
	remove_ok(f, "::ffff:10.20.1.26");
	/* an edit's expiry is on purpose: not warned of */
	f->msgs[0] = '\0';
	r = req("10.20.9.77", "both");
	r.expires = "2026-11-25";
	add_ok(f, &r);
	assert_null(strstr(f->msgs, "W "));
	remove_ok(f, "10.20.9.77");
	/* add and remove left the sample and one entry as they were */
	text = slurp(f->exc);
	assert_int_equal(strncmp(text, sample, strlen(sample)), 0);
	free(text);

	/* a host inside a subnet entry with another direction */
	f->msgs[0] = '\0';
	r = req("10.20.8.67", "outbound");
	add_ok(f, &r);
	assert_contains(f->msgs, at(f, ":14: 10.20.8.67 outbound overlaps "
	    "10.20.8.0/24 inbound (line 5) with another direction: the more "
	    "specific entry decides, so 10.20.8.67 loses inbound and gains "
	    "outbound\n"));
	/* ... which gains only */
	f->msgs[0] = '\0';
	r = req("10.20.8.68", "both");
	add_ok(f, &r);
	assert_contains(f->msgs, "so 10.20.8.68 gains outbound\n");
	/* the same direction: no warning */
	f->msgs[0] = '\0';
	r = req("10.20.8.128/25", "inbound");
	add_ok(f, &r);
	assert_null(strstr(f->msgs, "W "));
	/* a new subnet around an existing host entry */
	f->msgs[0] = '\0';
	r = req("10.20.5.0/24", "inbound");
	add_ok(f, &r);
	assert_contains(f->msgs, at(f, ":9: 10.20.5.10 outbound overlaps "
	    "10.20.5.0/24 inbound (line 17) with another direction: the more "
	    "specific entry decides, so 10.20.5.10 loses inbound and gains "
	    "outbound\n"));
	/* around an expired entry: it counts as absent, no warning */
	f->msgs[0] = '\0';
	r = req("10.20.7.0/24", "inbound");
	add_ok(f, &r);
	assert_null(strstr(f->msgs, "W "));
}

/* ---- remove ---- */

static const char groups[] =
    /* 1 */ "# exceptions.conf: header\n"
    /* 2 */ "# second header line\n"
    /* 3 */ "\n"
    /* 4 */ "# Gateways\n"
    /* 5 */ "10.20.1.25 both ticket=A owner=a\n"
    /* 6 */ "10.20.1.26 both ticket=A owner=a\n"
    /* 7 */ "# Physics\n"
    /* 8 */ "10.20.8.0/24 inbound ticket=B owner=b\n"
    /* 9 */ "# Genomics\n"
    /* 10 */ "10.20.5.10 outbound ticket=C owner=c\n"
    /* 11 */ "\n"
    /* 12 */ "# A comment block\n"
    /* 13 */ "# of two lines\n"
    /* 14 */ "10.20.6.6 both ticket=D owner=d\n"
    /* 15 */ "\n"
    /* 16 */ "10.20.7.7 both ticket=E owner=e  # its own comment\n"
    /* 17 */ "# a note about the next entry\n"
    /* 18 */ "\n"
    /* 19 */ "10.20.9.9 both ticket=F owner=f\n";

/* `groups` without the given 1-based lines (a 0-terminated list). */
static void
groups_without(char *out, size_t len, const int *drop)
{
	const char	*p = groups, *e;
	int		 line = 1, i;
	bool		 skip;
	size_t		 o = 0;

	for (; *p != '\0'; p = e + 1, line++) {
		e = strchr(p, '\n');
		skip = false;
		for (i = 0; drop[i] != 0; i++)
			skip |= drop[i] == line;
		if (!skip && o + (size_t)(e - p) + 2 < len) {
			memcpy(out + o, p, (size_t)(e - p) + 1);
			o += (size_t)(e - p) + 1;
		}
	}
	out[o] = '\0';
}

static void
test_remove_comment_rule(void **state)
{
	struct fx	*f = *state;
	static const struct {
		const char	*addr;
		int		 drop[4];
	} cases[] = {
		/* first of a group: the heading stays */
		{ "10.20.1.25", { 5 } },
		/* last of a group: above it is an entry, not the comment */
		{ "10.20.1.26", { 6 } },
		/* one-line comment between entries, next line a comment */
		{ "10.20.8.0/24", { 7, 8 } },
		/* one-line comment, next line blank */
		{ "10.20.5.10", { 9, 10 } },
		/* a comment block of two lines stays */
		{ "10.20.6.6", { 14 } },
		/* its comment on its own line goes with it; the note below
		 * (about the next entry) stays */
		{ "10.20.7.7", { 16 } },
		/* after a blank line: no comment */
		{ "10.20.9.9", { 19 } },
	};
	char		 want[2048];
	size_t		 i;

	for (i = 0; i < NELEM(cases); i++) {
		write_file(&f->dir, "exceptions.conf", groups, f->exc);
		remove_ok(f, cases[i].addr);
		groups_without(want, sizeof(want), cases[i].drop);
		assert_file(f->exc, want);
	}

	/* both entries of a group, one after the other: then the heading */
	write_file(&f->dir, "exceptions.conf", groups, f->exc);
	remove_ok(f, "10.20.1.25");
	remove_ok(f, "10.20.1.26");
	groups_without(want, sizeof(want), (const int[]){ 4, 5, 6, 0 });
	assert_file(f->exc, want);

	/* a comment on the first line is the file's header: it stays */
	write_file(&f->dir, "exceptions.conf", "# header\n10.20.1.25 both\n",
	    f->exc);
	remove_ok(f, "10.20.1.25");
	assert_file(f->exc, "# header\n");
}

static void
test_remove_sample(void **state)
{
	struct fx	*f = *state;
	char		 want[4096], *p;

	remove_ok(f, "10.20.8.66");
	/* lines 6-7 go, every other byte stays */
	snprintf(want, sizeof(want), "%s", sample);
	p = strstr(want, "# ... but");
	memmove(p, strstr(p, "# Genomics"), strlen(strstr(p, "# Genomics")) +
	    1);
	assert_file(f->exc, want);
	assert_contains(f->msgs, at(f, ":7: removed 10.20.8.66          "
	    "outbound  ticket=NET-1203 owner=physics-it added=2025-09-02\n"));
	assert_contains(f->msgs, at(f, ":6: removed its comment # ... but "
	    "this host in the physics subnet only sends\n"));
}

static void
test_remove_refused(void **state)
{
	struct fx	*f = *state;
	char		 msg[MSGLEN];

	snprintf(msg, sizeof(msg), "10.20.3.3 is not in %s", f->exc);
	remove_refused(f, "10.20.3.3", msg);
	snprintf(msg, sizeof(msg), "10.20.8.5 is not in %s (it is inside "
	    "10.20.8.0/24, line 5, which stays)", f->exc);
	remove_refused(f, "10.20.8.5", msg);
	snprintf(msg, sizeof(msg), "10.20.8.0/25 is not in %s (it is inside "
	    "10.20.8.0/24, line 5, which stays)", f->exc);
	remove_refused(f, "10.20.8.0/25", msg);
	remove_refused(f, "10.20.8.1/24", "host bits set in '10.20.8.1/24' "
	    "(did you mean 10.20.8.0/24?)");
	remove_refused(f, "mail.campus", "bad address 'mail.campus'");
	assert_file(f->exc, sample);
}

/* ---- the audit log ---- */

static cJSON *
audit_line(const struct fx *f, int n)
{
	char	*text = slurp(f->audit), *p = text;
	cJSON	*o;

	if (text == NULL)
		fail_msg("no audit log");
	while (n-- > 0 && p != NULL)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p == NULL || *p == '\0')
		fail_msg("audit log too short:\n%s", text);
	*strchr(p, '\n') = '\0';
	if ((o = cJSON_Parse(p)) == NULL)
		fail_msg("audit line is not JSON: %s", p);
	free(text);
	return o;
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
test_audit_log(void **state)
{
	struct fx		*f = *state;
	struct excedit_req	 r = req("10.20.9.0/24", "inbound");
	struct excedit		*x;
	char			 err[ERRLEN], real[MAX_PATH];
	cJSON			*o;

	add_ok(f, &r);
	x = xopen(f, true);
	assert_int_equal(excedit_remove(x, "10.20.5.10", "NET-1400", err,
	    sizeof(err)), 0);
	assert_int_equal(excedit_commit(x, err, sizeof(err)), 0);
	excedit_close(x);
	remove_ok(f, "10.20.7.7");
	assert_non_null(realpath(f->exc, real));

	o = audit_line(f, 0);
	assert_string_equal(jstr(o, "when"), "2026-11-22T12:00:00Z");
	assert_string_equal(jstr(o, "who"), "tester");
	assert_string_equal(jstr(o, "what"), "add");
	assert_string_equal(jstr(o, "entry"), "10.20.9.0/24        inbound   "
	    "ticket=NET-1300 owner=chem-it added=" TODAY);
	assert_string_equal(jstr(o, "ticket"), "NET-1300");
	assert_string_equal(jstr(o, "file"), real);
	cJSON_Delete(o);
	/* the removal's own ticket, when given */
	o = audit_line(f, 1);
	assert_string_equal(jstr(o, "what"), "remove");
	assert_string_equal(jstr(o, "entry"), "10.20.5.10          outbound  "
	    "ticket=NET-1290 owner=genomics expires=2026-12-31 "
	    "added=2026-01-10");
	assert_string_equal(jstr(o, "ticket"), "NET-1400");
	cJSON_Delete(o);
	/* else the entry's */
	o = audit_line(f, 2);
	assert_string_equal(jstr(o, "what"), "remove");
	assert_string_equal(jstr(o, "ticket"), "NET-0950");
	cJSON_Delete(o);
}

/* ---- export, import ---- */

static char *
export(struct fx *f)
{
	struct excedit	*x = xopen(f, false);
	char		*json = excedit_json(x, NULL);

	assert_non_null(json);
	excedit_close(x);
	return json;
}

static int
import_at(struct fx *f, const char *json, struct excedit_stats *st,
    char *err, size_t errlen)
{
	struct excedit	*x = xopen(f, true);
	int		 rc;

	rc = excedit_import(x, json, strlen(json), "in.json", st, err, errlen);
	if (rc == 0 && excedit_commit(x, err, errlen) == -1)
		rc = -1;
	excedit_close(x);
	return rc;
}

static void
test_export_format(void **state)
{
	struct fx	*f = *state;
	char		*json = export(f);
	cJSON		*a;

	assert_string_equal(json, "[\n"
	    "  {\"address\":\"10.20.1.25\",\"prefix\":32,\"direction\":\"both\","
	    "\"ticket\":\"NET-1001\",\"owner\":\"its-mail\",\"expires\":null,"
	    "\"added\":\"2024-01-15\",\"comment\":null},\n"
	    "  {\"address\":\"2001:db8:20:1::25\",\"prefix\":128,"
	    "\"direction\":\"both\",\"ticket\":\"NET-1001\",\"owner\":"
	    "\"its-mail\",\"expires\":null,\"added\":\"2024-01-15\","
	    "\"comment\":null},\n"
	    "  {\"address\":\"10.20.8.0\",\"prefix\":24,\"direction\":"
	    "\"inbound\",\"ticket\":\"NET-1187\",\"owner\":\"physics-it\","
	    "\"expires\":\"2027-06-30\",\"added\":\"2025-07-01\",\"comment\":"
	    "\"Physics department mail servers: inbound only\"},\n"
	    "  {\"address\":\"10.20.8.66\",\"prefix\":32,\"direction\":"
	    "\"outbound\",\"ticket\":\"NET-1203\",\"owner\":\"physics-it\","
	    "\"expires\":null,\"added\":\"2025-09-02\",\"comment\":\"... but "
	    "this host in the physics subnet only sends\"},\n"
	    "  {\"address\":\"10.20.5.10\",\"prefix\":32,\"direction\":"
	    "\"outbound\",\"ticket\":\"NET-1290\",\"owner\":\"genomics\","
	    "\"expires\":\"2026-12-31\",\"added\":\"2026-01-10\",\"comment\":"
	    "\"Genomics lab sends large results\"},\n"
	    "  {\"address\":\"10.20.7.7\",\"prefix\":32,\"direction\":\"both\","
	    "\"ticket\":\"NET-0950\",\"owner\":\"events\",\"expires\":"
	    "\"2026-08-31\",\"added\":\"2025-09-01\",\"comment\":\"Expired: "
	    "the old conference list server\"}\n"
	    "]\n");
	assert_non_null(a = cJSON_Parse(json));
	assert_int_equal(cJSON_GetArraySize(a), 6);
	cJSON_Delete(a);
	free(json);

	/* an empty list is an empty array; odd bytes in a comment are '?' */
	write_file(&f->dir, "exceptions.conf", "", f->exc);
	json = export(f);
	assert_string_equal(json, "[]\n");
	free(json);
	write_file(&f->dir, "exceptions.conf",
	    "10.20.1.25 both # caf\xe9 \"q\" \\ \xc3\xa9\n", f->exc);
	json = export(f);
	assert_contains(json, "\"comment\":\"caf? \\\"q\\\" \\\\ \xc3\xa9\"");
	assert_non_null(a = cJSON_Parse(json));
	cJSON_Delete(a);
	free(json);

	/* Written by hand, as cJSON_PrintUnformatted writes it: the same
	   bytes, control characters of a comment line escaped the same. */
	write_file(&f->dir, "exceptions.conf", "10.20.1.24 both\n"
	    "# tab\there, bell \a, del "
	    "\x7f, \\u, \"q\" /\n10.20.1.25 both ticket=A#1 owner=o\n", f->exc);
	json = export(f);
	{
		cJSON	*o = cJSON_CreateObject();
		char	*want;

		cJSON_AddStringToObject(o, "address", "10.20.1.25");
		cJSON_AddNumberToObject(o, "prefix", 32);
		cJSON_AddStringToObject(o, "direction", "both");
		cJSON_AddStringToObject(o, "ticket", "A#1");
		cJSON_AddStringToObject(o, "owner", "o");
		cJSON_AddNullToObject(o, "expires");
		cJSON_AddNullToObject(o, "added");
		cJSON_AddStringToObject(o, "comment", "tab\there, bell \a, "
		    "del \x7f, \\u, \"q\" /");
		want = cJSON_PrintUnformatted(o);
		assert_contains(json, want);
		cJSON_free(want);
		cJSON_Delete(o);
	}
	free(json);
}

static void
test_round_trip_same_file(void **state)
{
	struct fx		*f = *state;
	struct excedit_stats	 st;
	char			*json = export(f), err[ERRLEN] = "";

	/* unchanged, expired entry included: nothing written at all */
	assert_int_equal(import_at(f, json, &st, err, sizeof(err)), 0);
	assert_int_equal(st.kept, 6);
	assert_int_equal(st.added + st.removed + st.changed, 0);
	assert_file(f->exc, sample);
	assert_int_equal(access(f->audit, F_OK), -1);
	free(json);
}

static void
test_round_trip_other_file(void **state)
{
	struct fx		*f = *state;
	struct excedit_stats	 st;
	char			*json, *again, err[ERRLEN] = "";
	char			 want[4096];

	/*
	 * An entry that has expired is refused as new (as add would), so
	 * carry a list without one: remove it as the weekly review does.
	 */
	remove_ok(f, "10.20.7.7");
	json = export(f);

	/* into a file with only a header: the header stays */
	write_file(&f->dir, "exceptions.conf", "# exceptions.conf, "
	    "generated from NetBox\n\n", f->exc);
	assert_int_equal(import_at(f, json, &st, err, sizeof(err)), 0);
	assert_int_equal(st.added, 5);
	again = export(f);
	assert_string_equal(again, json);
	snprintf(want, sizeof(want), "# exceptions.conf, generated from "
	    "NetBox\n\n"
	    "10.20.1.25          both      ticket=NET-1001 owner=its-mail "
	    "added=2024-01-15\n");
	file_contains(f->exc, want);
	file_contains(f->exc, "\n10.20.5.10          outbound  "
	    "ticket=NET-1290 owner=genomics expires=2026-12-31 added=2026-01-10"
	    "  # Genomics lab sends large results\n");
	free(again);
	free(json);
}

static void
test_import_changes_in_place(void **state)
{
	struct fx		*f = *state;
	struct excedit_stats	 st;
	char			 err[ERRLEN] = "";
	cJSON			*o;
	/* 10.20.7.7 dropped; 10.20.5.10's expiry and 10.20.8.66's comment
	 * changed; 2001:db8:20:1::25 unchanged though its fields come in
	 * another order and without "added"; one new entry */
	static const char json[] = "[\n"
	    "{\"address\":\"10.20.1.25\",\"prefix\":32,\"direction\":\"both\","
	    "\"ticket\":\"NET-1001\",\"owner\":\"its-mail\",\"expires\":null,"
	    "\"added\":\"2024-01-15\",\"comment\":null},\n"
	    "{\"owner\":\"its-mail\",\"direction\":\"both\",\"ticket\":"
	    "\"NET-1001\",\"address\":\"2001:db8:20:1::25/128\"},\n"
	    "{\"address\":\"10.20.8.0\",\"prefix\":24,\"direction\":"
	    "\"inbound\",\"ticket\":\"NET-1187\",\"owner\":\"physics-it\","
	    "\"expires\":\"2027-06-30\",\"added\":\"2025-07-01\",\"comment\":"
	    "\"Physics department mail servers: inbound only\"},\n"
	    "{\"address\":\"10.20.8.66\",\"prefix\":32,\"direction\":"
	    "\"outbound\",\"ticket\":\"NET-1203\",\"owner\":\"physics-it\","
	    "\"expires\":null,\"added\":\"2025-09-02\",\"comment\":\"the "
	    "physics list server\"},\n"
	    "{\"address\":\"10.20.5.10\",\"prefix\":32,\"direction\":"
	    "\"outbound\",\"ticket\":\"NET-1290\",\"owner\":\"genomics\","
	    "\"expires\":\"2027-12-31\",\"added\":\"2026-01-10\",\"comment\":"
	    "\"Genomics lab sends large results\"},\n"
	    "{\"address\":\"10.20.9.0\",\"prefix\":24,\"direction\":"
	    "\"inbound\",\"ticket\":\"NET-1300\",\"owner\":\"chem-it\","
	    "\"comment\":\"Chemistry\"}\n"
	    "]\n";

	assert_int_equal(import_at(f, json, &st, err, sizeof(err)), 0);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.removed, 1);
	assert_int_equal(st.changed, 2);
	assert_int_equal(st.kept, 3);
	assert_file(f->exc,
	    "# Central mail gateway (smtp.campus.example): all SMTP in and out\n"
	    "10.20.1.25          both      ticket=NET-1001 owner=its-mail added=2024-01-15\n"
	    "2001:db8:20:1::25   both      ticket=NET-1001 owner=its-mail added=2024-01-15\n"
	    "# Physics department mail servers: inbound only\n"
	    "10.20.8.0/24        inbound   ticket=NET-1187 owner=physics-it expires=2027-06-30 added=2025-07-01\n"
	    "# the physics list server\n"
	    "10.20.8.66          outbound  ticket=NET-1203 owner=physics-it added=2025-09-02\n"
	    "# Genomics lab sends large results\n"
	    "10.20.5.10          outbound  ticket=NET-1290 owner=genomics expires=2027-12-31 added=2026-01-10\n"
	    "\n"
	    "10.20.9.0/24        inbound   ticket=NET-1300 owner=chem-it added=" TODAY "  # Chemistry\n");
	/* one audit line per change, in the file's order, then additions */
	o = audit_line(f, 0);
	assert_string_equal(jstr(o, "what"), "import");
	assert_string_equal(jstr(o, "change"), "change");
	assert_string_equal(jstr(o, "entry"), "10.20.8.66          outbound  "
	    "ticket=NET-1203 owner=physics-it added=2025-09-02");
	cJSON_Delete(o);
	o = audit_line(f, 1);
	assert_string_equal(jstr(o, "change"), "change");
	assert_contains(jstr(o, "was"), "expires=2026-12-31");
	assert_contains(jstr(o, "entry"), "expires=2027-12-31");
	cJSON_Delete(o);
	o = audit_line(f, 2);
	assert_string_equal(jstr(o, "change"), "remove");
	assert_string_equal(jstr(o, "ticket"), "NET-0950");
	cJSON_Delete(o);
	o = audit_line(f, 3);
	assert_string_equal(jstr(o, "change"), "add");
	assert_string_equal(jstr(o, "ticket"), "NET-1300");
	cJSON_Delete(o);

	/* a comment set to null goes, where it was */
	f->msgs[0] = '\0';
	assert_int_equal(import_at(f, "[{\"address\":\"10.20.9.0/24\","
	    "\"direction\":\"inbound\",\"ticket\":\"NET-1300\",\"owner\":"
	    "\"chem-it\",\"added\":\"" TODAY "\"},{\"address\":\"10.20.8.66\","
	    "\"direction\":\"outbound\",\"ticket\":\"NET-1203\",\"owner\":"
	    "\"physics-it\",\"added\":\"2025-09-02\",\"comment\":null}]", &st,
	    err, sizeof(err)), 0);
	assert_file(f->exc,
	    "# Central mail gateway (smtp.campus.example): all SMTP in and out\n"
	    "10.20.8.66          outbound  ticket=NET-1203 owner=physics-it added=2025-09-02\n"
	    "\n"
	    "10.20.9.0/24        inbound   ticket=NET-1300 owner=chem-it added=" TODAY "\n");
}

/* An import removes comment lines by the same rule as remove. */
static void
test_import_comment_rule(void **state)
{
	struct fx		*f = *state;
	struct excedit_stats	 st;
	char			 err[ERRLEN] = "", want[2048];
	static const char keep_gw2[] = "[{\"address\":\"10.20.1.26\","
	    "\"direction\":\"both\",\"ticket\":\"A\",\"owner\":\"a\"},"
	    "{\"address\":\"10.20.9.9\",\"direction\":\"both\","
	    "\"ticket\":\"F\",\"owner\":\"f\"}]";
	static const char keep_99[] = "[{\"address\":\"10.20.9.9\","
	    "\"direction\":\"both\",\"ticket\":\"F\",\"owner\":\"f\"}]";

	/* one entry of a group stays: its heading stays */
	write_file(&f->dir, "exceptions.conf", groups, f->exc);
	assert_int_equal(import_at(f, keep_gw2, &st, err, sizeof(err)), 0);
	assert_int_equal(st.removed, 5);
	groups_without(want, sizeof(want),
	    (const int[]){ 5, 7, 8, 9, 10, 14, 16, 0 });
	assert_file(f->exc, want);

	/* the whole group goes: its heading too; the header, the two-line
	 * block and the note about another entry stay */
	write_file(&f->dir, "exceptions.conf", groups, f->exc);
	assert_int_equal(import_at(f, keep_99, &st, err, sizeof(err)), 0);
	assert_int_equal(st.removed, 6);
	groups_without(want, sizeof(want),
	    (const int[]){ 4, 5, 6, 7, 8, 9, 10, 14, 16, 0 });
	assert_file(f->exc, want);
}

static void
test_import_refused(void **state)
{
	struct fx		*f = *state;
	struct excedit_stats	 st;
	char			 err[ERRLEN];
	size_t			 i;
	static const struct {
		const char	*json, *err, *msgs;
	} cases[] = {
		{ "[{\"address\": \"10.20.1.25\",\n \"direction\": both}]",
		    "in.json:2:15: not valid JSON", "" },
		{ "", "in.json:1:1: not valid JSON", "" },
		{ "[{\"address\":\"10.20.1.25\",\"direction\":\"both\"}]\n"
		    "[]", "in.json:2:1: text after the JSON array", "" },
		{ "{\"address\":\"10.20.1.25\"}",
		    "in.json: expected a JSON array of entries", "" },
		{ "[]", "in.json: no entries; refusing to empty the list "
		    "(remove entries one by one, or edit the file)", "" },
		{ "[{\"address\":\"10.20.1.25\",\"direction\":\"both\","
		    "\"expiry\":\"2027-01-01\"}, 42, {\"address\":10}, "
		    "{\"address\":\"10.20.1.26\",\"direction\":\"both\","
		    "\"direction\":\"both\"}]",
		    "in.json: 4 problems; nothing imported",
		    "E in.json: entry 1: unknown key 'expiry' (expected "
		    "address, prefix, direction, ticket, owner, expires, added, "
		    "comment)\n"
		    "E in.json: entry 2: not an object\n"
		    "E in.json: entry 3: address is required (a string)\n"
		    "E in.json: entry 4: key 'direction' given twice\n" },
		{ "[{\"address\":\"10.20.9.1\",\"prefix\":24,\"direction\":"
		    "\"both\",\"ticket\":\"T\",\"owner\":\"O\"},"
		    "{\"address\":\"10.20.9.0/24\",\"prefix\":16,\"direction\":"
		    "\"both\"},"
		    "{\"address\":\"10.20.9.0\",\"prefix\":24.5},"
		    "{\"address\":\"10.20.9.9\",\"direction\":\"both\","
		    "\"ticket\":7}]",
		    "in.json: 4 problems; nothing imported",
		    "E in.json: entry 1: host bits set in '10.20.9.1/24' (did "
		    "you mean 10.20.9.0/24?)\n"
		    "E in.json: entry 2: address '10.20.9.0/24' and prefix 16 "
		    "disagree\n"
		    "E in.json: entry 3: prefix must be a number 0-128\n"
		    "E in.json: entry 4: direction, ticket, owner, expires, "
		    "added and comment must be strings (or null)\n" },
		{ "[{\"address\":\"10.20.9.9\",\"direction\":\"both\","
		    "\"ticket\":\"T\",\"owner\":\"O\"},"
		    "{\"address\":\"10.20.9.9/32\",\"direction\":\"inbound\","
		    "\"ticket\":\"T\",\"owner\":\"O\"},"
		    "{\"address\":\"10.20.9.10\",\"direction\":\"both\","
		    "\"ticket\":\"T\",\"owner\":\"O\",\"expires\":\"2026-01-01\"},"
		    "{\"address\":\"10.20.9.11\",\"direction\":\"both\","
		    "\"owner\":\"O\"},"
		    "{\"address\":\"10.20.9.12\",\"direction\":\"up\","
		    "\"ticket\":\"T\",\"owner\":\"O\"},"
		    "{\"address\":\"10.20.1.25\",\"direction\":\"both\","
		    "\"ticket\":\"NET-1001\",\"owner\":\"its mail\"},"
		    "{\"address\":\"10.20.7.7\",\"direction\":\"both\","
		    "\"ticket\":\"NET-0950\",\"owner\":\"events\",\"expires\":"
		    "\"2026-09-30\",\"added\":\"2025-09-01\"}]",
		    "in.json: 6 problems; nothing imported",
		    "E in.json: entry 2: 10.20.9.9 is also entry 1\n"
		    "E in.json: entry 3 (10.20.9.10): expires 2026-01-01 is in "
		    "the past (today is " TODAY " in UTC)\n"
		    "E in.json: entry 4 (10.20.9.11): ticket is required\n"
		    "E in.json: entry 5 (10.20.9.12): bad direction 'up' "
		    "(expected inbound, outbound or both)\n"
		    "E in.json: entry 6 (10.20.1.25): owner 'its mail' has a "
		    "character that is not allowed: ' ' " ALLOWED "\n"
		    "E in.json: entry 7 (10.20.7.7): expires 2026-09-30 is in "
		    "the past (today is " TODAY " in UTC)\n" },
	};

	for (i = 0; i < NELEM(cases); i++) {
		f->msgs[0] = '\0';
		err[0] = '\0';
		if (import_at(f, cases[i].json, &st, err, sizeof(err)) != -1)
			fail_msg("case %zu accepted", i);
		if (strcmp(err, cases[i].err) != 0)
			fail_msg("case %zu:\n got '%s'\nwant '%s'", i, err,
			    cases[i].err);
		if (strcmp(f->msgs, cases[i].msgs) != 0)
			fail_msg("case %zu:\n got '%s'\nwant '%s'", i, f->msgs,
			    cases[i].msgs);
		assert_file(f->exc, sample);
		assert_int_equal(access(f->audit, F_OK), -1);
	}
}


/*
 * An import is read two ways: the usual array of flat objects without
 * escapes, quickly; anything else through cJSON.  Both must make the same
 * file, and the quick one must hand anything unusual to the other.
 */
static void
test_import_two_readers_agree(void **state)
{
	struct fx		*f = *state;
	struct excedit_stats	 st;
	char			 err[ERRLEN], *quick, *general, *p;
	char			 json[65536];
	size_t			 o = 0;

	o += (size_t)snprintf(json + o, sizeof(json) - o, "[\n");
	for (int i = 0; i < 300; i++)
		o += (size_t)snprintf(json + o, sizeof(json) - o,
		    "%s{\"address\": \"10.20.%d.%d\", \"prefix\": %s, "
		    "\"direction\": \"%s\", \"ticket\": \"NET-%d\", \"owner\": "
		    "\"o%d\", \"expires\": %s, \"added\": null, \"comment\": "
		    "%s}\n", i ? "," : "", 60 + i / 200, i % 200,
		    i % 3 ? "32" : "null", i % 2 ? "both" : "inbound", i, i % 7,
		    i % 4 ? "null" : "\"2027-03-01\"",
		    i % 5 ? "null" : "\"a note\"");
	snprintf(json + o, sizeof(json) - o, "]\n");
	write_file(&f->dir, "exceptions.conf", sample, f->exc);
	assert_int_equal(import_at(f, json, &st, err, sizeof(err)), 0);
	assert_int_equal(st.added, 300);
	quick = slurp(f->exc);
	/* The same array with an escape ("\u0031" is "1"): cJSON reads it. */
	p = strstr(json, "NET-1\"");
	memmove(p + 9, p + 4, strlen(p + 4) + 1);
	memcpy(p + 4, "\\u0031", 6);
	p[10] = '"';
	assert_non_null(strstr(json, "\"NET-\\u0031\""));
	write_file(&f->dir, "exceptions.conf", sample, f->exc);
	assert_int_equal(import_at(f, json, &st, err, sizeof(err)), 0);
	general = slurp(f->exc);
	assert_string_equal(quick, general);
	free(quick);
	free(general);
	/* true, a nested object, a number where a string goes: cJSON's
	   messages, as before */
	write_file(&f->dir, "exceptions.conf", sample, f->exc);
	f->msgs[0] = '\0';
	assert_int_equal(import_at(f, "[{\"address\": \"10.20.9.9\", "
	    "\"direction\": \"both\", \"ticket\": \"T\", \"owner\": \"O\", "
	    "\"comment\": true}]", &st, err, sizeof(err)), -1);
	assert_contains(f->msgs, "entry 1: direction, ticket, owner, expires, "
	    "added and comment must be strings (or null)");
	assert_file(f->exc, sample);
}

/* ---- the file as found ---- */

static void
test_broken_file_refuses_edits(void **state)
{
	struct fx		*f = *state;
	struct excedit_opts	 o = { .path = f->exc, .now = NOW,
				    .lock = true, .conf = &f->c };
	struct exc_list		 l;
	static const char *const files[] = {
		"10.20.1.25 both\n# ok\n10.20.1.26 sideways\n",
		"10.20.1.25 both\n\n10.20.1.25/32 inbound\n",
		"10.20.1.25 both expires=2026-02-30\n",
		"10.20.1.1/24 both\n",
		"10.20.1.25 both colour=red\n",
		"10.20.1.25 both ticket=INC #4711 owner=its-mail\n",
		"10.0.0.0/8 both ticket=X owner=y\n",
		"10.20.1.25\xc2\xa0" "both\n",
		"10.20.1.25 both ticket=A ticket=B\n",
	};
	char			 err[ERRLEN], want[ERRLEN];
	size_t			 i;

	for (i = 0; i < NELEM(files); i++) {
		write_file(&f->dir, "exceptions.conf", files[i], f->exc);
		/* the very message the daemon's loader gives */
		assert_int_equal(exc_load(f->exc, &f->c, 0, &l, want,
		    sizeof(want)), -1);
		err[0] = '\0';
		assert_null(excedit_open(&o, err, sizeof(err)));
		assert_string_equal(err, want);
		assert_file(f->exc, files[i]);
	}
	write_bytes(&f->dir, "exceptions.conf", "10.20.1.25 both\n\0x\n", 19,
	    f->exc);
	assert_null(excedit_open(&o, err, sizeof(err)));
	assert_string_equal(err, at(f, ":2: NUL byte in line"));
	o.path = "/nonexistent/exceptions.conf";
	assert_null(excedit_open(&o, err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/exceptions.conf: No such file "
	    "or directory");
}

static void
test_layout_follows_the_file(void **state)
{
	struct fx		*f = *state;
	struct excedit_req	 r = req("10.20.9.100", "both");

	/* single spaces */
	write_file(&f->dir, "exceptions.conf",
	    "10.20.1.25 both ticket=A\n10.20.8.0/24 inbound ticket=B\n"
	    "10.20.8.66 outbound ticket=C\n", f->exc);
	add_ok(f, &r);
	assert_file(f->exc,
	    "10.20.1.25 both ticket=A\n10.20.8.0/24 inbound ticket=B\n"
	    "10.20.8.66 outbound ticket=C\n"
	    "10.20.9.100 both ticket=NET-1300 owner=chem-it added=" TODAY "\n");

	/* tabs, columns 16 and 16+16 */
	write_file(&f->dir, "exceptions.conf",
	    "10.20.1.25\tboth\t\tticket=A\n10.20.8.0/24\tinbound\t\tticket=B\n",
	    f->exc);
	add_ok(f, &r);
	assert_file(f->exc,
	    "10.20.1.25\tboth\t\tticket=A\n10.20.8.0/24\tinbound\t\tticket=B\n"
	    "10.20.9.100     both            ticket=NET-1300 owner=chem-it "
	    "added=" TODAY "\n");

	/* an address too long for the column: two spaces */
	write_file(&f->dir, "exceptions.conf", sample, f->exc);
	r = req("2001:db8:20:ffff:ffff:ffff:ffff:fff0/124", "inbound");
	add_ok(f, &r);
	file_contains(f->exc, "\n2001:db8:20:ffff:ffff:ffff:ffff:fff0/124"
	    "  inbound   ticket=");

	/* no line end at the end: the new last line has none either */
	write_file(&f->dir, "exceptions.conf", "10.20.1.25 both", f->exc);
	r = req("10.20.1.26", "both");
	add_ok(f, &r);
	assert_file(f->exc, "10.20.1.25 both\n10.20.1.26 both ticket=NET-1300 "
	    "owner=chem-it added=" TODAY);
	/* CRLF */
	write_file(&f->dir, "exceptions.conf", "# list\r\n10.20.1.25 both\r\n"
	    "\r\n", f->exc);
	add_ok(f, &r);
	/* at the very end, after the blank line */
	assert_file(f->exc, "# list\r\n10.20.1.25 both\r\n\r\n10.20.1.26 both "
	    "ticket=NET-1300 owner=chem-it added=" TODAY "\r\n");
}

static void
test_symlink_and_mode_kept(void **state)
{
	struct fx		*f = *state;
	struct excedit_req	 r = req("10.20.9.9", "both");
	char			 real[MAX_PATH], link[MAX_PATH];
	struct stat		 st;

	write_file(&f->dir, "real.conf", sample, real);
	assert_int_equal(chmod(real, 0640), 0);
	tmpdir_file(&f->dir, "exceptions.conf", link);
	unlink(link);
	assert_int_equal(symlink("real.conf", link), 0);
	add_ok(f, &r);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(real, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	file_contains(real, "10.20.9.9           both");
	/* lock and temporary file beside the real file */
	tmpdir_file(&f->dir, "real.conf.lock", link);
	assert_int_equal(access(link, F_OK), 0);
}

static void
test_commit_without_change(void **state)
{
	struct fx	*f = *state;
	struct excedit	*x = xopen(f, true);
	char		 err[ERRLEN];
	int		 files = count_files(f);

	assert_int_equal(excedit_commit(x, err, sizeof(err)), 0);
	excedit_close(x);
	assert_file(f->exc, sample);
	assert_int_equal(count_files(f), files);
	assert_int_equal(access(f->audit, F_OK), -1);
}

/* exc_lint on the sample: what nfqctl exception check says of it. */
static void
lint_msg(void *arg, const char *text)
{
	on_msg(arg, EXCEDIT_WARN, text);
}

static void
test_lint(void **state)
{
	struct fx	*f = *state;
	struct exc_list	 l;
	char		 err[ERRLEN];

	write_file(&f->dir, "exceptions.conf", sample, f->exc);
	assert_int_equal(exc_load(f->exc, &f->c, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(exc_lint(&f->c, &l, f->exc, NOW, lint_msg, f), 2);
	exc_free(&l);
	assert_contains(f->msgs, at(f, ":11: 10.20.7.7 expired at the end of "
	    "2026-08-31 (UTC): it allows nothing now; renew it (nfqctl "
	    "exception set 10.20.7.7 --expires YYYY-MM-DD) or remove it "
	    "(nfqctl exception remove 10.20.7.7)"));
	/* 39 days left: not yet worth a warning */
	assert_null(strstr(f->msgs, "10.20.5.10"));
	assert_contains(f->msgs, at(f, ":7: 10.20.8.66 outbound overlaps "
	    "10.20.8.0/24 inbound (line 5)"));
	assert_null(strstr(f->msgs, "outside"));
}

/* Eight processes add at once: the lock serializes them, none is lost. */
static void
test_concurrent_adds(void **state)
{
	struct fx		*f = *state;
	struct excedit_req	 r;
	struct exc_list		 l;
	char			 addr[32], err[ERRLEN];
	pid_t			 pid[8];
	int			 i, status;

	for (i = 0; i < 8; i++) {
		if ((pid[i] = fork()) == 0) {
			snprintf(addr, sizeof(addr), "10.20.99.%d", i + 1);
			r = req(addr, "both");
			f->msgs[0] = '\0';
			add_ok(f, &r);
			_exit(0);
		}
		assert_true(pid[i] > 0);
	}
	for (i = 0; i < 8; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(exc_load(f->exc, &f->c, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 6 + 8);
	exc_free(&l);
}


/* ---- add, then remove: the file as it was ---- */

static void
undo_at(struct fx *f, const char *text, const char *addr,
    const char *comment, int caller)
{
	struct excedit_req	 r = req(addr, "both");
	char			*after;

	write_file(&f->dir, "exceptions.conf", text, f->exc);
	r.comment = comment;
	add_ok(f, &r);
	after = slurp(f->exc);
	if (strcmp(after, text) == 0)
		fail_msg("line %d: the add changed nothing", caller);
	free(after);
	remove_ok(f, addr);
	after = slurp(f->exc);
	if (strcmp(after, text) != 0)
		fail_msg("line %d: add + remove of %s:\n--- got\n%s--- want\n"
		    "%s---", caller, addr, after, text);
	free(after);
}
#define undo(f, t, a, c)	undo_at(f, t, a, c, __LINE__)

static void
test_add_remove_restores(void **state)
{
	struct fx	*f = *state;
	char		*shipped;

	/* the shipped sample: its last entry sits under a comment */
	if ((shipped = slurp("nfqd/exceptions.conf")) == NULL)
		fail_msg("nfqd/exceptions.conf: run from the top folder");
	undo(f, shipped, "10.20.9.9", NULL);
	undo(f, shipped, "10.20.9.0/24", "Chemistry relay");
	undo(f, shipped, "2001:db8:20:9::25", NULL);
	free(shipped);
	undo(f, sample, "10.20.9.9", NULL);
	/* no line end after the last line */
	undo(f, "# list\n10.20.1.25 both", "10.20.9.9", NULL);
	undo(f, "# Gateways\n10.20.1.25 both", "10.20.9.9", NULL);
	undo(f, "# only a comment", "10.20.9.9", NULL);
	undo(f, "10.20.1.25 both ticket=A  # its own", "10.20.9.9", "x");
	/* CRLF, a blank line at the end, an empty file, a BOM */
	undo(f, "# Gateways\r\n10.20.1.25 both\r\n", "10.20.9.9", NULL);
	undo(f, "10.20.1.25 both\n\n", "10.20.9.9", NULL);
	undo(f, "", "10.20.9.9", NULL);
	undo(f, "\xef\xbb\xbf# Gateways\n10.20.1.25 both\n", "10.20.9.9",
	    NULL);
	undo(f, "\xef\xbb\xbf", "10.20.9.9", NULL);
}

/* ---- set ---- */

static void
set_ok(struct fx *f, const struct excedit_req *r)
{
	struct excedit	*x = xopen(f, true);
	char		 err[ERRLEN] = "";

	if (excedit_set(x, r, err, sizeof(err)) == -1 ||
	    excedit_commit(x, err, sizeof(err)) == -1)
		fail_msg("set %s: %s", r->address, err);
	excedit_close(x);
}

static void
set_refused_at(struct fx *f, const struct excedit_req *r, const char *msg,
    int caller)
{
	struct excedit	*x = xopen(f, true);
	char		 err[ERRLEN] = "", *before = slurp(f->exc), *after;

	if (excedit_set(x, r, err, sizeof(err)) != -1)
		fail_msg("line %d: set accepted", caller);
	assert_false(excedit_changed(x));
	excedit_close(x);
	if (strcmp(err, msg) != 0)
		fail_msg("line %d:\n got '%s'\nwant '%s'", caller, err, msg);
	after = slurp(f->exc);
	assert_string_equal(after, before);
	free(before);
	free(after);
}
#define set_refused(f, r, msg)	set_refused_at(f, r, msg, __LINE__)

/* The sample with line `n` (1-based) replaced by `line`. */
static void
sample_with(char *out, size_t len, int n, const char *line)
{
	const char	*p = sample, *e;
	size_t		 o = 0;

	for (int i = 1; *p != '\0'; p = e + 1, i++) {
		e = strchr(p, '\n');
		if (i == n)
			o += (size_t)snprintf(out + o, len - o, "%s\n", line);
		else
			o += (size_t)snprintf(out + o, len - o, "%.*s\n",
			    (int)(e - p), p);
	}
}

static void
test_set(void **state)
{
	struct fx		*f = *state;
	struct excedit_req	 r = { .address = "10.20.5.10" };
	char			 want[4096], msg[MSGLEN];
	cJSON			*a;

	/* a renewal: one line changes, its comment line stays */
	r.expires = "2027-12-31";
	set_ok(f, &r);
	sample_with(want, sizeof(want), 9, "10.20.5.10          outbound  "
	    "ticket=NET-1290 owner=genomics expires=2027-12-31 "
	    "added=2026-01-10");
	assert_file(f->exc, want);
	assert_contains(f->msgs, at(f, ":9: changed 10.20.5.10          "
	    "outbound  ticket=NET-1290 owner=genomics expires=2027-12-31 "
	    "added=2026-01-10\n"));
	a = audit_line(f, 0);
	assert_string_equal(jstr(a, "what"), "set");
	assert_string_equal(jstr(a, "change"), "change");
	assert_contains(jstr(a, "was"), "expires=2026-12-31");
	cJSON_Delete(a);

	/* never: the expiry goes; the written form of the prefix stays */
	r.address = "10.20.5.10/32";
	r.expires = "never";
	set_ok(f, &r);
	sample_with(want, sizeof(want), 9, "10.20.5.10          outbound  "
	    "ticket=NET-1290 owner=genomics added=2026-01-10");
	assert_file(f->exc, want);

	/* direction, ticket and owner; the expired entry can be renewed */
	write_file(&f->dir, "exceptions.conf", sample, f->exc);
	r = (struct excedit_req){ .address = "10.20.7.7", .direction =
	    "inbound", .ticket = "INC#4711", .owner = "events-it",
	    .expires = "2027-01-31" };
	set_ok(f, &r);
	sample_with(want, sizeof(want), 11, "10.20.7.7           inbound   "
	    "ticket=INC#4711 owner=events-it expires=2027-01-31 "
	    "added=2025-09-01");
	assert_file(f->exc, want);

	/* a comment on its own line is changed there */
	write_file(&f->dir, "exceptions.conf", sample, f->exc);
	r = (struct excedit_req){ .address = "10.20.5.10", .comment =
	    "Genomics: results to the sequencing partners" };
	set_ok(f, &r);
	sample_with(want, sizeof(want), 8, "# Genomics: results to the "
	    "sequencing partners");
	assert_file(f->exc, want);
	/* an entry without one gets it on its line */
	write_file(&f->dir, "exceptions.conf", "10.20.1.25 both ticket=A "
	    "owner=a\n10.20.1.26 both ticket=B owner=b", f->exc);
	r = (struct excedit_req){ .address = "10.20.1.26", .comment = "x" };
	set_ok(f, &r);
	/* the last line had no line end: it still has none */
	assert_file(f->exc, "10.20.1.25 both ticket=A owner=a\n"
	    "10.20.1.26 both ticket=B owner=b  # x");
	r.comment = "";
	set_ok(f, &r);
	assert_file(f->exc, "10.20.1.25 both ticket=A owner=a\n"
	    "10.20.1.26 both ticket=B owner=b");

	/* nothing to change: nothing written */
	write_file(&f->dir, "exceptions.conf", sample, f->exc);
	unlink(f->audit);
	r = (struct excedit_req){ .address = "10.20.5.10", .expires =
	    "2026-12-31", .direction = "outbound" };
	set_ok(f, &r);
	assert_file(f->exc, sample);
	assert_int_equal(access(f->audit, F_OK), -1);

	/* refused, with the file as it was */
	r = (struct excedit_req){ .address = "10.20.3.3", .expires =
	    "2027-01-01" };
	snprintf(msg, sizeof(msg), "10.20.3.3 is not in %s; add it with "
	    "nfqctl exception add 10.20.3.3", f->exc);
	set_refused(f, &r, msg);
	r.address = "10.20.8.5";
	snprintf(msg, sizeof(msg), "10.20.8.5 is not in %s (it is inside "
	    "10.20.8.0/24, line 5, which stays); add it with nfqctl exception "
	    "add 10.20.8.5", f->exc);
	set_refused(f, &r, msg);
	r = (struct excedit_req){ .address = "10.20.5.10", .expires =
	    "2026-11-21" };
	set_refused(f, &r, "expires 2026-11-21 is in the past (today is "
	    TODAY " in UTC)");
	r.expires = "2026-11-31";
	set_refused(f, &r, "expires '2026-11-31' is not a real calendar date");
	r = (struct excedit_req){ .address = "10.20.5.10", .ticket =
	    "NET 1" };
	set_refused(f, &r, "ticket 'NET 1' has a character that is not "
	    "allowed: ' ' " ALLOWED);
	r = (struct excedit_req){ .address = "10.20.5.10", .owner = "" };
	set_refused(f, &r, "owner is required");
	r = (struct excedit_req){ .address = "10.20.5.10", .direction =
	    "out" };
	set_refused(f, &r, "bad direction 'out' (expected inbound, outbound "
	    "or both)");
	r = (struct excedit_req){ .address = "10.20.5.10", .comment =
	    "see ticket=NET-1" };
	set_refused(f, &r, "comment holds 'ticket=NET-1', which reads as an "
	    "attribute that nfqd would not read there: give it as an option, "
	    "or reword the comment");
	r = (struct excedit_req){ .address = "10.20.5.1/24" };
	set_refused(f, &r, "host bits set in '10.20.5.1/24' (did you mean "
	    "10.20.5.0/24?)");
	assert_file(f->exc, sample);

	/* the warnings of what it made: an overlap */
	f->msgs[0] = '\0';
	r = (struct excedit_req){ .address = "10.20.8.66", .direction =
	    "inbound" };
	set_ok(f, &r);
	assert_null(strstr(f->msgs, "overlaps"));
	r.direction = "both";
	set_ok(f, &r);
	assert_contains(f->msgs, "10.20.8.66 both overlaps 10.20.8.0/24 "
	    "inbound (line 5) with another direction: the more specific entry "
	    "decides, so 10.20.8.66 gains outbound");
}

/* ---- the lock, held only to write ---- */

static struct excedit *
xopen_late(struct fx *f)
{
	struct excedit_opts	 o;
	struct excedit		*x;
	char			 err[ERRLEN] = "";

	memset(&o, 0, sizeof(o));
	o.path = f->exc;
	o.audit = f->audit;
	o.who = "tester";
	o.conf = &f->c;
	o.now = NOW;
	o.lock = true;
	o.late_lock = true;
	o.want_sha256 = true;
	o.msg = on_msg;
	o.arg = f;
	if ((x = excedit_open(&o, err, sizeof(err))) == NULL)
		fail_msg("excedit_open: %s", err);
	return x;
}

static void
test_late_lock(void **state)
{
	struct fx		*f = *state;
	struct excedit		*x, *y;
	struct excedit_req	 r = req("10.20.9.1", "both");
	char			 err[ERRLEN], lock[MAX_PATH + 8], *text;

	/* prepared without the lock: another edit may be made meanwhile */
	x = xopen_late(f);
	snprintf(lock, sizeof(lock), "%s.lock", f->exc);
	assert_int_equal(excedit_add(x, &r, err, sizeof(err)), 0);
	y = xopen_late(f);
	r = req("10.20.9.2", "both");
	assert_int_equal(excedit_add(y, &r, err, sizeof(err)), 0);
	assert_int_equal(excedit_commit(y, err, sizeof(err)), 0);
	/* the hash of the list written, as the daemon computes it */
	{
		struct exc_list	 l;
		char		 h[SHA256_HEXLEN];

		assert_int_equal(exc_load(f->exc, &f->c, 0, &l, err,
		    sizeof(err)), 0);
		assert_int_equal(exc_hash(&l, h), 0);
		assert_string_equal(excedit_sha256(y), h);
		exc_free(&l);
	}
	excedit_close(y);
	text = slurp(f->exc);
	/* the first finds the file changed: nothing written, no audit */
	assert_int_equal(excedit_commit(x, err, sizeof(err)), EXCEDIT_STALE);
	assert_string_equal(err, at(f, " changed while this edit was made; "
	    "nothing written"));
	excedit_close(x);
	assert_file(f->exc, text);
	free(text);
	text = slurp(f->audit);
	assert_null(strstr(text, "10.20.9.1 "));
	free(text);
	/* made again on the file as it is now, it goes through */
	x = xopen_late(f);
	r = req("10.20.9.1", "both");
	assert_int_equal(excedit_add(x, &r, err, sizeof(err)), 0);
	assert_int_equal(excedit_commit(x, err, sizeof(err)), 0);
	excedit_close(x);
	file_contains(f->exc, "10.20.9.2 ");
	file_contains(f->exc, "10.20.9.1 ");
	/* and the lock is not held between open and commit */
	x = xopen_late(f);
	{
		int	 fd = open(lock, O_RDWR);

		assert_true(fd != -1);
		assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
		close(fd);
	}
	excedit_close(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_add_appends_and_keeps_the_rest),
		T(test_add_address_forms),
		T(test_add_validation_messages),
		T(test_add_accepts_edges),
		T(test_add_warnings),
		T(test_remove_comment_rule),
		T(test_remove_sample),
		T(test_remove_refused),
		T(test_audit_log),
		T(test_export_format),
		T(test_round_trip_same_file),
		T(test_round_trip_other_file),
		T(test_import_changes_in_place),
		T(test_import_comment_rule),
		T(test_import_refused),
		T(test_import_two_readers_agree),
		T(test_broken_file_refuses_edits),
		T(test_layout_follows_the_file),
		T(test_symlink_and_mode_kept),
		T(test_commit_without_change),
		T(test_lint),
		T(test_concurrent_adds),
		T(test_add_remove_restores),
		T(test_set),
		T(test_late_lock),
#undef T
	};

	return cmocka_run_group_tests_name("excedit", tests, NULL, NULL);
}
