/*
 * fuzz_exceptions: exceptions.conf (exceptions.c): exc_parse_line() on
 * every line, exc_load() on the whole input, then the longest-prefix
 * match built from a loaded list (lpm.c) and policy decisions over it.
 *
 * Input: the file's text.
 *
 * Checked: a parsed entry is well-formed (network address, known
 * direction, printable ticket and owner, real dates) and formats and
 * parses back to itself; exc_load() accepts exactly when every line
 * parses (the first after a byte-order mark), none holds a NUL and no
 * prefix is listed twice, and with the campus's internal networks,
 * exactly when moreover no entry contains one; lpm_lookup() gives the
 * same entries, most specific first, as a scan of the list.
 */
#include "fuzz.h"

#define MAX_CHECKED	512	/* entries compared pairwise */

static struct policy	*pol;		/* internal networks for decisions */
static char		 exc_path[MAX_PATH];

int
LLVMFuzzerInitialize(int *argc FUZZ_UNUSED, char ***argv FUZZ_UNUSED)
{
	static const char conf[] =
	    "internal-networks = 10.20.0.0/16, 2001:db8:20::/48\n"
	    "exceptions = base-exceptions.conf\n"
	    "state-dir = .\n";
	char	 path[MAX_PATH], err[ERRLEN];

	fuzz_dir_new();
	fuzz_write("base-exceptions.conf", "", 0, path);
	fuzz_write("base.conf", conf, strlen(conf), path);
	if ((pol = policy_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_exceptions: %s\n", err);
		abort();
	}
	fuzz_path("exceptions.conf", exc_path);
	return 0;
}

static void
check_text(const char *what, const char *s, size_t size)
{
	size_t	 i;

	for (i = 0; i < size && s[i] != '\0'; i++)
		FUZZ_CHECK(s[i] > ' ' && s[i] < 0x7f && s[i] != '"' &&
		    s[i] != '\\', "%s: byte 0x%02x", what, (uint8_t)s[i]);
	FUZZ_CHECK(i < size, "%s: not NUL-terminated", what);
}

static void
check_date(const char *what, const char *s)
{
	int64_t	 t;

	FUZZ_CHECK(s[10] == '\0', "%s: not NUL-terminated", what);
	FUZZ_CHECK(s[0] == '\0' || date_parse(s, &t) == 0, "%s: '%s'", what,
	    s);
}

static void
check_entry(const struct exc_entry *e)
{
	struct prefix	 p, m;
	char		 s[PREFIX_STRLEN], err[ERRLEN];
	int64_t		 t;

	FUZZ_CHECK(e->dir >= EXC_INBOUND && e->dir <= EXC_BOTH, "dir %u",
	    e->dir);
	FUZZ_CHECK((e->pfx.addr.af == 4 && e->pfx.len <= 32) ||
	    (e->pfx.addr.af == 6 && e->pfx.len <= 128), "af %u len %u",
	    e->pfx.addr.af, e->pfx.len);
	m = e->pfx;
	addr_mask(&m.addr, m.len);
	FUZZ_CHECK(memcmp(&m, &e->pfx, sizeof(m)) == 0, "host bits set");
	prefix_format(&e->pfx, s, sizeof(s));
	FUZZ_CHECK(prefix_parse(s, &p, err, sizeof(err)) == 0 &&
	    p.len == e->pfx.len && addr_equal(&p.addr, &e->pfx.addr),
	    "'%s' does not parse back: %s", s, err);
	check_text("ticket", e->ticket, sizeof(e->ticket));
	check_text("owner", e->owner, sizeof(e->owner));
	check_date("expires", e->expires);
	check_date("added", e->added);
	FUZZ_CHECK((e->expires[0] == '\0') == (e->expires_at == 0),
	    "expires '%s' at %lld", e->expires, (long long)e->expires_at);
	if (e->expires[0] != '\0') {
		FUZZ_CHECK(date_parse(e->expires, &t) == 0 &&
		    e->expires_at == t + 86400, "expires_at of '%s'",
		    e->expires);
	}
}

/* lpm_lookup against a scan: the same entries, most specific first. */
static void
check_lookup(const struct exc_list *l, const struct ip_addr *a)
{
	uint32_t	 idx[129];
	size_t		 i, want = 0;
	int		 n, k;

	n = lpm_lookup(&l->lpm, a, idx, 129);
	for (i = 0; i < l->n; i++)
		if (prefix_contains(&l->v[i].pfx, a))
			want++;
	FUZZ_CHECK((size_t)n == want, "lpm found %d entries, a scan %zu", n,
	    want);
	for (k = 0; k < n; k++) {
		FUZZ_CHECK(idx[k] < l->n, "index %u of %zu", idx[k], l->n);
		FUZZ_CHECK(prefix_contains(&l->v[idx[k]].pfx, a),
		    "entry %u does not contain the address", idx[k]);
		FUZZ_CHECK(k == 0 || l->v[idx[k]].pfx.len <
		    l->v[idx[k - 1]].pfx.len, "not most specific first");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exc_entry	 e, *ents;
	struct exc_list		 l, saved;
	struct decision		 d;
	const uint8_t		*p = data, *end = data + size, *nl;
	char			*line, err[ERRLEN], path[MAX_PATH];
	size_t			 nents = 0, i, j;
	struct ip_addr		 a, c;
	bool			 nul = false, bad = false, dup = false;
	bool			 wide = false;
	size_t			 which;
	int			 r;

	if ((ents = malloc((size + 1) * sizeof(*ents))) == NULL)
		abort();
	/* Line by line, as exc_load's getline() splits (the LF kept). */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl + 1 : end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			nul = true;
		line = fuzz_strndup(p, (size_t)(nl - p));
		err[0] = '\0';
		r = exc_parse_line(line + (p == data ? utf8_bom(line,
		    strlen(line)) : 0), NULL, &e, err, sizeof(err));
		FUZZ_CHECK(r >= -1 && r <= 1, "exc_parse_line returned %d", r);
		if (r == -1) {
			FUZZ_CHECK(err[0] != '\0', "an error without a message");
			bad = true;
		} else if (r == 1) {
			check_entry(&e);
			wide |= exc_scope(&pol->conf, &e.pfx, &which) ==
			    EXC_CONTAINS;
			ents[nents++] = e;
		}
		free(line);
		p = nl;
	}
	for (i = 0; i < nents && i < MAX_CHECKED && !dup; i++)
		for (j = 0; j < i && !dup; j++)
			dup = ents[i].pfx.len == ents[j].pfx.len &&
			    addr_equal(&ents[i].pfx.addr, &ents[j].pfx.addr);

	fuzz_write("exceptions.conf", data, size, path);
	err[0] = '\0';
	/* Against the campus: refused too when an entry contains it. */
	r = exc_load(exc_path, &pol->conf, 0, &l, err, sizeof(err));
	FUZZ_CHECK(r == -1 || !wide, "took an entry wider than the campus");
	if (r == 0)
		exc_free(&l);
	else
		FUZZ_CHECK(nul || bad || dup || wide || nents > MAX_CHECKED,
		    "refused a list inside the campus: %s", err);
	err[0] = '\0';
	r = exc_load(exc_path, NULL, 0, &l, err, sizeof(err));
	if (r == -1) {
		FUZZ_CHECK(strncmp(err, exc_path, strlen(exc_path)) == 0,
		    "the error does not name the file: '%s'", err);
		FUZZ_CHECK(nul || bad || dup || nents > MAX_CHECKED,
		    "refused a list whose every line parses: %s", err);
		goto out;
	}
	FUZZ_CHECK(r == 0, "exc_load returned %d", r);
	FUZZ_CHECK(!nul && !bad && !dup, "took a list with %s",
	    nul ? "a NUL" : bad ? "a bad line" : "a duplicate");
	FUZZ_CHECK(l.n == nents, "%zu entries loaded, %zu lines parse", l.n,
	    nents);
	for (i = 0; i < l.n; i++) {
		FUZZ_CHECK(l.v[i].line >= 1, "line %u", l.v[i].line);
		a = l.v[i].pfx.addr;
		check_lookup(&l, &a);
		/* An address inside it, and one just outside a /len. */
		a.b[15] ^= 1;
		check_lookup(&l, &a);
		a.b[l.v[i].pfx.len / 8 < 16 ? l.v[i].pfx.len / 8 : 15] ^= 0x80;
		check_lookup(&l, &a);
		if (i >= 64)
			break;
	}
	/* Decisions with this list as the policy's. */
	saved = pol->exc;
	pol->exc = l;
	for (i = 0; i < l.n && i < 32; i++) {
		a = l.v[i].pfx.addr;
		memset(&c, 0, sizeof(c));
		c.af = a.af;
		c.b[0] = 0xc6;		/* off campus */
		policy_decide(pol, &a, &c, (int64_t)(i * 86400 * 365), &d);
		FUZZ_CHECK(d.exc == NULL || (d.exc >= l.v && d.exc < l.v + l.n),
		    "entry outside the list");
		policy_decide(pol, &c, &a, 1767225600, &d);
		FUZZ_CHECK(d.action <= A_BLOCKED &&
		    strcmp(direction_name(d.direction), "?") != 0 &&
		    strcmp(reason_name(d.reason), "?") != 0,
		    "decision %u %u %u", d.action, d.direction, d.reason);
	}
	pol->exc = saved;
	exc_free(&l);
out:
	free(ents);
	return 0;
}
