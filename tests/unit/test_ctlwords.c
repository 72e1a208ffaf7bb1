/*
 * The control request's one grammar (ctlreq.c): a request in words is
 * the JSON object it stands for.  Each pair below must parse to the same
 * struct ctl_req, and a mistake made in either form is refused by the
 * same rule: the same message, or for a count (limit, days) the same
 * range, the words form quoting the word.
 */
#include "util.h"

static void
parse_same(const char *words, const char *json)
{
	struct ctl_req	 a, b;
	char		 ea[ERRLEN] = "", eb[ERRLEN] = "";

	if (ctl_parse(words, strlen(words), &a, ea, sizeof(ea)) != 0)
		fail_msg("'%s' refused: %s", words, ea);
	if (ctl_parse(json, strlen(json), &b, eb, sizeof(eb)) != 0)
		fail_msg("'%s' refused: %s", json, eb);
	if (memcmp(&a, &b, sizeof(a)) != 0)
		fail_msg("'%s' and '%s' differ", words, json);
}

/* Both refused; with want, both with that message. */
static void
refused_both(const char *words, const char *json, const char *want)
{
	struct ctl_req	 r;
	char		 ea[ERRLEN] = "", eb[ERRLEN] = "";

	if (ctl_parse(words, strlen(words), &r, ea, sizeof(ea)) != -1)
		fail_msg("'%s' accepted", words);
	if (ctl_parse(json, strlen(json), &r, eb, sizeof(eb)) != -1)
		fail_msg("'%s' accepted", json);
	if (want != NULL) {
		assert_string_equal(ea, want);
		assert_string_equal(eb, want);
	}
}

static void
test_same_request(void **state UNUSED)
{
	parse_same("status", "{\"cmd\":\"status\"}");
	parse_same("reload", "{\"cmd\":\"reload\"}");
	parse_same("flows", "{\"cmd\":\"flows\"}");
	parse_same("flows 10.20.3.44", "{\"cmd\":\"flows\",\"host\":"
	    "\"10.20.3.44\"}");
	parse_same("flows 10.20.0.0/16 20", "{\"cmd\":\"flows\",\"host\":"
	    "\"10.20.0.0/16\",\"limit\":20}");
	parse_same("flows 7", "{\"cmd\":\"flows\",\"limit\":7}");
	parse_same("flows 1000000", "{\"cmd\":\"flows\",\"limit\":1000000}");
	parse_same("exceptions", "{\"cmd\":\"exceptions\"}");
	parse_same("exceptions 2001:db8:20::/48 3", "{\"cmd\":\"exceptions\","
	    "\"host\":\"2001:db8:20::/48\",\"limit\":3}");
	parse_same("census", "{\"cmd\":\"census\"}");
	parse_same("census 35", "{\"cmd\":\"census\",\"days\":35}");
	parse_same("quarantine list", "{\"cmd\":\"quarantine\",\"op\":"
	    "\"list\"}");
	parse_same("quarantine remove 10.20.3.44", "{\"cmd\":\"quarantine\","
	    "\"op\":\"remove\",\"host\":\"10.20.3.44\"}");
	parse_same("quarantine add 10.20.3.44 24h spam bot, SEC-77 \t",
	    "{\"cmd\":\"quarantine\",\"op\":\"add\",\"host\":\"10.20.3.44\","
	    "\"for\":\"24h\",\"reason\":\"spam bot, SEC-77\"}");
	parse_same("quarantine add 10.20.9.0/24 90 x", "{\"cmd\":"
	    "\"quarantine\",\"op\":\"add\",\"host\":\"10.20.9.0/24\","
	    "\"for\":90,\"reason\":\"x\"}");
}

static void
test_same_rule(void **state UNUSED)
{
	/* Said the same way in both forms. */
	refused_both("quarantine", "{\"cmd\":\"quarantine\"}",
	    "quarantine needs op: add, remove or list");
	refused_both("flows 10.20.3.999", "{\"cmd\":\"flows\",\"host\":"
	    "\"10.20.3.999\"}", "bad address '10.20.3.999'");
	refused_both("exceptions 10.20.3.1/24", "{\"cmd\":\"exceptions\","
	    "\"host\":\"10.20.3.1/24\"}", "host bits set in '10.20.3.1/24' "
	    "(did you mean 10.20.3.0/24?)");
	refused_both("quarantine remove 0.0.0.0/0", "{\"cmd\":\"quarantine\","
	    "\"op\":\"remove\",\"host\":\"0.0.0.0/0\"}", NULL);
	refused_both("quarantine add 10.20.3.44 forever r", "{\"cmd\":"
	    "\"quarantine\",\"op\":\"add\",\"host\":\"10.20.3.44\",\"for\":"
	    "\"forever\",\"reason\":\"r\"}", NULL);
	refused_both("quarantine add 10.20.3.44 367d r", "{\"cmd\":"
	    "\"quarantine\",\"op\":\"add\",\"host\":\"10.20.3.44\",\"for\":"
	    "\"367d\",\"reason\":\"r\"}", NULL);
	/* The same ranges, the words quoted. */
	refused_both("flows 0", "{\"cmd\":\"flows\",\"limit\":0}", NULL);
	refused_both("flows 1000001", "{\"cmd\":\"flows\",\"limit\":1000001}",
	    NULL);
	refused_both("census 0", "{\"cmd\":\"census\",\"days\":0}", NULL);
	refused_both("census 36", "{\"cmd\":\"census\",\"days\":36}", NULL);
	{
		struct ctl_req	 r;
		char		 e[ERRLEN];

		assert_int_equal(ctl_parse("flows 1000001", 13, &r, e,
		    sizeof(e)), -1);
		assert_string_equal(e, "bad limit '1000001' (1-1000000)");
		assert_int_equal(ctl_parse("census 36", 9, &r, e, sizeof(e)),
		    -1);
		assert_string_equal(e, "bad days '36' (1-35: the census keeps "
		    "35 days)");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_request),
		cmocka_unit_test(test_same_rule),
	};

	log_init(0, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
