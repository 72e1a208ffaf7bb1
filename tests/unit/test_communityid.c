/*
 * community_id() against the Community ID specification's own test
 * vectors (../shared/community-id/baseline_deflt.json and
 * baseline_seed1.json: ICMP, ICMPv6, TCP, UDP, SCTP, other protocols,
 * IPv4 and IPv6, both directions), and the properties nfqd relies on.
 */
#include <cjson/cJSON.h>

#include "util.h"
#include "base/communityid.h"

#define VECTORS	"../shared/community-id"

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*buf;
	long	 n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((buf = calloc(1, (size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("%s: read", path);
	fclose(f);
	return buf;
}

static void
check_file(const char *name, uint16_t seed)
{
	char		 path[512], got[COMMUNITY_ID_LEN], *text;
	const char	*top = getenv("NFQD_TOP");
	cJSON		*all, *v;
	struct ip_addr	 s, d;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", top ? top : ".", VECTORS,
	    name);
	if ((text = slurp(path)) == NULL) {
		print_message("skip (needs ../shared): %s\n", path);
		skip();
	}
	if ((all = cJSON_Parse(text)) == NULL)
		fail_msg("%s: not JSON", path);
	cJSON_ArrayForEach(v, all) {
		const char *sa = cJSON_GetObjectItem(v, "saddr")->valuestring;
		const char *da = cJSON_GetObjectItem(v, "daddr")->valuestring;
		const char *want =
		    cJSON_GetObjectItem(v, "communityid")->valuestring;
		int proto = cJSON_GetObjectItem(v, "proto")->valueint;
		cJSON *sp = cJSON_GetObjectItem(v, "sport"),
		    *dp = cJSON_GetObjectItem(v, "dport");

		if (addr_parse(sa, &s) == -1 || addr_parse(da, &d) == -1)
			fail_msg("%s: bad address %s or %s", path, sa, da);
		community_id(seed, &s, &d, (uint8_t)proto,
		    sp ? (uint16_t)sp->valueint : 0,
		    dp ? (uint16_t)dp->valueint : 0, got);
		if (strcmp(got, want) != 0)
			fail_msg("%s: %s %s -> %s proto %d: %s, expected %s",
			    path, sa, sp ? sp->valuestring ? sp->valuestring :
			    "" : "", da, proto, got, want);
		n++;
	}
	assert_true(n >= 20);
	cJSON_Delete(all);
	free(text);
}

static void
test_vectors_seed0(void **state)
{
	(void)state;
	check_file("baseline_deflt.json", 0);
}

static void
test_vectors_seed1(void **state)
{
	(void)state;
	check_file("baseline_seed1.json", 1);
}

/* The same ID both ways, a different one for another port or seed. */
static void
test_symmetric(void **state)
{
	struct ip_addr	 a, b;
	char		 x[COMMUNITY_ID_LEN], y[COMMUNITY_ID_LEN];

	(void)state;
	addr_parse("10.20.3.44", &a);
	addr_parse("198.51.100.7", &b);
	community_id(0, &a, &b, 6, 40000, 25, x);
	community_id(0, &b, &a, 6, 25, 40000, y);
	assert_string_equal(x, y);
	assert_int_equal(strlen(x), 30);
	assert_memory_equal(x, "1:", 2);
	community_id(0, &a, &b, 6, 40001, 25, y);
	assert_string_not_equal(x, y);
	community_id(1, &a, &b, 6, 40000, 25, y);
	assert_string_not_equal(x, y);
	/* the same addresses: the ports decide the order */
	community_id(0, &a, &a, 6, 40000, 25, x);
	community_id(0, &a, &a, 6, 25, 40000, y);
	assert_string_equal(x, y);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_seed0),
		cmocka_unit_test(test_vectors_seed1),
		cmocka_unit_test(test_symmetric),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
