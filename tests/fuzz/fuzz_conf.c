/*
 * fuzz_conf: nfqd.conf (conf_load, conf.c) and the whole policy load
 * (policy_load: the configuration, then the exception list it names),
 * then what is derived from a loaded configuration: the iptables and
 * nftables rules (rules.c), the degraded-mode ipset script (ipset.c),
 * policy decisions and a reload diff (policy.c).
 *
 * Input: nfqd.conf text; if it holds a line "===", what follows that
 * line is written as exceptions.conf beside it (else a small valid list
 * is).  Unless a line sets state-dir, "state-dir = ." is appended
 * (the default, /var/lib/nfqd, is the machine's).  policy_load runs only
 * when the configuration loaded and every file it would read is in the
 * scratch folder ("exceptions = exceptions.conf"): the fuzzer must not
 * make nfqd read /dev/zero or the rest of the machine.
 *
 * Checked: an error names the file, a loaded configuration is consistent
 * (ports bitmap and list, three distinct mark bits, queues, internal
 * networks findable), and policy_load agrees with conf_load.
 */
#include "fuzz.h"

#define SEP		"\n===\n"
#define STATE_DIR	"\nstate-dir = .\n"

static const char default_exc[] =
    "10.20.1.25 both ticket=F-1 owner=fuzz\n"
    "10.20.8.0/24 inbound expires=2027-06-30\n"
    "2001:db8:20::/48 outbound expires=2020-01-01\n";

static const char announcements[] =
    "10.20.1.25 2026-01-01 2026-12-31 x4\n"
    "2001:db8:20::/48 2026-03-01T08:00 2026-03-02T08:00 x10\n";

static FILE		*devnull;
static struct policy	*base;		/* for policy_diff */
static char		 conf_path[MAX_PATH], exc_path[MAX_PATH];

int
LLVMFuzzerInitialize(int *argc FUZZ_UNUSED, char ***argv FUZZ_UNUSED)
{
	static const char base_conf[] =
	    "internal-networks = 10.20.0.0/16, 2001:db8:20::/48\n"
	    "exceptions = base-exceptions.conf\n";
	char	 path[MAX_PATH], err[ERRLEN];

	fuzz_dir_new();
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	fuzz_write("base-exceptions.conf", default_exc, strlen(default_exc),
	    path);
	fuzz_write("base.conf", base_conf, strlen(base_conf), path);
	if ((base = policy_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_conf: %s\n", err);
		abort();
	}
	/* For "bulk-announcements = announcements.conf" (detect.c). */
	fuzz_write("announcements.conf", announcements, strlen(announcements),
	    path);
	fuzz_path("nfqd.conf", conf_path);
	fuzz_path("exceptions.conf", exc_path);
	return 0;
}

/* Whether a line (not a comment) starts with the state-dir key. */
static bool
sets_state_dir(const uint8_t *p, size_t n)
{
	size_t	 i = 0;

	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (n - i >= 9 && memcmp(p + i, "state-dir", 9) == 0)
			return true;
		while (i < n && p[i] != '\n')
			i++;
		i++;
	}
	return false;
}

/* A path inside the scratch folder (no way out with ".."). */
static bool
in_dir(const char *path)
{
	size_t	 n = strlen(fuzz_dir);

	return strncmp(path, fuzz_dir, n) == 0 && path[n] == '/' &&
	    strstr(path, "/..") == NULL;
}

static unsigned
popcount32(uint32_t v)
{
	return (unsigned)__builtin_popcount(v);
}

static void
check_conf(const struct conf *c)
{
	size_t		 i, bits = 0;
	struct ip_addr	 a;

	FUZZ_CHECK(strcmp(c->path, conf_path) == 0, "path '%s'", c->path);
	FUZZ_CHECK(c->ninternal >= 1 && c->ninternal <= MAX_INTERNAL,
	    "%zu internal networks", c->ninternal);
	for (i = 0; i < c->ninternal; i++) {
		a = c->internal[i].addr;
		FUZZ_CHECK(lpm_match(&c->internal_lpm, &a),
		    "internal network %zu not found", i);
	}
	FUZZ_CHECK(c->nports >= 1 && c->nports <= 64, "%zu ports", c->nports);
	for (i = 0; i < sizeof(c->smtp_port); i++)
		bits += (size_t)__builtin_popcount(c->smtp_port[i]);
	FUZZ_CHECK(bits == c->nports, "%zu ports in the bitmap, %zu listed",
	    bits, c->nports);
	for (i = 0; i < c->nports; i++)
		FUZZ_CHECK(c->ports[i] != 0 && conf_is_smtp_port(c, c->ports[i]),
		    "port %u", c->ports[i]);
	FUZZ_CHECK(popcount32(c->mark_bypass) == 1 &&
	    popcount32(c->mark_reject) == 1 &&
	    popcount32(c->mark_allowed) == 1 &&
	    c->mark_bypass != c->mark_reject &&
	    c->mark_bypass != c->mark_allowed &&
	    c->mark_reject != c->mark_allowed, "marks %x %x %x",
	    c->mark_bypass, c->mark_reject, c->mark_allowed);
	FUZZ_CHECK(c->queue_count >= 1 && c->queue_count <= 64 &&
	    (uint32_t)c->queue_first + c->queue_count - 1 <= 65535,
	    "queues %u+%u", c->queue_first, c->queue_count);
	FUZZ_CHECK(c->exceptions[0] != '\0' &&
	    memchr(c->exceptions, '\0', sizeof(c->exceptions)) != NULL,
	    "exceptions path");
	FUZZ_CHECK(c->nevents >= 1 && c->nevents <= MAX_SINKS, "%zu sinks",
	    c->nevents);
	FUZZ_CHECK(c->ipset_prefix[0] != '\0' &&
	    strlen(c->ipset_prefix) < sizeof(c->ipset_prefix), "ipset-prefix");
	FUZZ_CHECK(c->max_flows >= 16 && c->timeout_new >= 1 &&
	    c->timeout_established >= 1 && c->timeout_closed >= 1,
	    "max-flows %u, timeouts %u %u %u", c->max_flows, c->timeout_new,
	    c->timeout_established, c->timeout_closed);
	FUZZ_CHECK(c->smtp_addresses <= 2, "smtp-addresses %u",
	    c->smtp_addresses);
}

/* Decisions for addresses from the input: in range, entries real. */
static void
decide(const struct policy *p, const uint8_t *data, size_t size)
{
	struct ip_addr	 a[2];
	struct decision	 d;
	uint64_t	 seed = hash64(data, size, 1);
	int		 i, k;

	for (i = 0; i < 8; i++) {
		for (k = 0; k < 2; k++) {
			memset(&a[k], 0, sizeof(a[k]));
			a[k].af = i & 1 ? 6 : 4;
			if (i < 4 && p->exc.n > 0)	/* near an entry */
				a[k] = p->exc.v[fuzz_rand(&seed) %
				    p->exc.n].pfx.addr;
			else if (i < 6)
				a[k] = p->conf.internal[fuzz_rand(&seed) %
				    p->conf.ninternal].addr;
			a[k].b[15] ^= (uint8_t)fuzz_rand(&seed);
			if (a[k].af == 4)
				a[k].b[3] ^= (uint8_t)fuzz_rand(&seed);
		}
		if (a[0].af != a[1].af)
			a[1] = a[0];
		policy_decide(p, &a[0], &a[1], (int64_t)(fuzz_rand(&seed) %
		    4102444800ULL), &d);
		FUZZ_CHECK(d.action <= A_BLOCKED &&
		    strcmp(direction_name(d.direction), "?") != 0 &&
		    strcmp(reason_name(d.reason), "?") != 0,
		    "decision %u %u %u", d.action, d.direction, d.reason);
		FUZZ_CHECK(d.exc == NULL || (d.exc >= p->exc.v &&
		    d.exc < p->exc.v + p->exc.n), "entry outside the list");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*sep;
	size_t		 clen = size;
	char		 err[ERRLEN], err2[ERRLEN], path[MAX_PATH], *text;
	struct conf	*c;
	struct policy	*p;
	uint32_t	 n[3];
	int		 r;

	if ((sep = memmem(data, size, SEP, strlen(SEP))) != NULL) {
		clen = (size_t)(sep - data) + 1;
		fuzz_write("exceptions.conf", sep + strlen(SEP),
		    size - clen - strlen(SEP) + 1, path);
	} else
		fuzz_write("exceptions.conf", default_exc,
		    strlen(default_exc), path);
	if (!sets_state_dir(data, clen)) {
		if ((text = malloc(clen + sizeof(STATE_DIR))) == NULL)
			abort();
		memcpy(text, data, clen);
		memcpy(text + clen, STATE_DIR, sizeof(STATE_DIR));
		fuzz_write("nfqd.conf", text, clen + strlen(STATE_DIR), path);
		free(text);
	} else
		fuzz_write("nfqd.conf", data, clen, path);

	if ((c = malloc(sizeof(*c))) == NULL)
		abort();
	err[0] = '\0';
	r = conf_load(conf_path, c, err, sizeof(err));
	if (r == -1) {
		FUZZ_CHECK(strncmp(err, conf_path, strlen(conf_path)) == 0,
		    "the error does not name the file: '%s'", err);
		free(c);
		return 0;
	}
	FUZZ_CHECK(r == 0, "conf_load returned %d", r);
	check_conf(c);
	FUZZ_CHECK(rules_script(c, 4, devnull) == 0, "rules_script 4");
	FUZZ_CHECK(rules_script(c, 6, devnull) == 0, "rules_script 6");
	(void)rules_nft(c, devnull);
	r = strcmp(c->exceptions, exc_path) != 0 || !in_dir(c->state_dir) ||
	    (c->announcements[0] != '\0' && !in_dir(c->announcements));
	conf_free(c);
	free(c);
	if (r != 0)
		return 0;

	err2[0] = '\0';
	if ((p = policy_load(conf_path, err2, sizeof(err2))) == NULL) {
		/* The configuration loaded: a file it names is wrong. */
		FUZZ_CHECK(strncmp(err2, fuzz_dir, strlen(fuzz_dir)) == 0 &&
		    strncmp(err2, conf_path, strlen(conf_path)) != 0,
		    "the error does not name another file: '%s'", err2);
		return 0;
	}
	check_conf(&p->conf);
	decide(p, data, size);
	(void)ipset_script(p, 1767225600, devnull);
	policy_diff(base, p, &n[0], &n[1], &n[2]);
	FUZZ_CHECK(n[0] + n[2] <= p->exc.n && n[1] <= base->exc.n,
	    "diff %u %u %u", n[0], n[1], n[2]);
	policy_diff(p, p, &n[0], &n[1], &n[2]);
	FUZZ_CHECK(n[0] == 0 && n[1] == 0 && n[2] == 0,
	    "a list differs from itself: %u %u %u", n[0], n[1], n[2]);
	policy_free(p);
	return 0;
}
