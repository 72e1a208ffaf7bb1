/*
 * The report's field table (nfqd/collect/report_eve.c): where each thing
 * is in an event, read from raw event lines as nfqd writes them.
 */
#include "util.h"

#include <cjson/cJSON.h>

#include "collect/report.h"

static const char alert_line[] =
    "{\"timestamp\":\"2026-09-21T10:21:00.000000+0000\",\"host\":\"vm\","
    "\"flow_id\":711847106146960,\"event_type\":\"alert\",\"src_ip\":"
    "\"10.20.8.15\",\"src_port\":44101,\"dest_ip\":\"203.0.113.77\","
    "\"dest_port\":25,\"proto\":\"TCP\",\"community_id\":"
    "\"1:yEqsezC/zUXYFqcX9BFW0IZIweo=\",\"alert\":{\"action\":\"blocked\","
    "\"gid\":1,\"signature_id\":9250106,\"rev\":1,\"signature\":\"nfqd: "
    "open relay suspect\",\"category\":\"Potentially Bad Traffic\","
    "\"severity\":1,\"metadata\":{\"detection\":[\"relay_suspect\"],"
    "\"host\":[\"10.20.8.15\"],\"inbound_flow_id\":[\"1856836652340780\"],"
    "\"outbound_flow_id\":[\"711847106146960\"],\"outbound_blocked\":"
    "[\"true\"],\"window\":[\"600\"],\"response\":[\"quarantine\"],"
    "\"response_until\":[\"2026-09-21T10:51:00.000000+0000\"]}},"
    "\"metadata\":{\"flowints\":{\"nfqd_format\":2}}}";

static const char policy_line[] =
    "{\"timestamp\":\"2026-09-21T09:30:00.000000+0000\",\"host\":\"border-1\","
    "\"flow_id\":1768355358126861,\"event_type\":\"policy\",\"src_ip\":"
    "\"203.0.113.40\",\"src_port\":40005,\"dest_ip\":\"10.20.8.15\","
    "\"dest_port\":25,\"proto\":\"TCP\",\"policy\":{\"action\":\"allowed\","
    "\"direction\":\"inbound\",\"reason\":\"exception\",\"mode\":\"monitor\","
    "\"exception\":{\"entry\":\"10.20.8.0/24\",\"direction\":\"inbound\","
    "\"ticket\":\"NET-1187\",\"owner\":\"physics-it\"}}}";

static cJSON *
parse(const char *s)
{
	cJSON	*o = cJSON_Parse(s);

	if (o == NULL)
		fail_msg("not JSON: %s", s);
	return o;
}

static void
test_every_field_has_a_path(void **state UNUSED)
{
	for (int f = 0; f < RF_COUNT; f++) {
		assert_non_null(rf_path((enum rf)f));
		assert_true(strlen(rf_path((enum rf)f)) > 0);
	}
	assert_string_equal(rf_path(RF_POL_ACTION), "policy.action");
	assert_string_equal(rf_path(RF_DET_KIND), "alert.metadata.detection");
}

static void
test_nested_fields(void **state UNUSED)
{
	cJSON	*o = parse(alert_line);
	double	 v;
	bool	 b;

	assert_int_equal(rt_of(o), RT_ALERT);
	assert_string_equal(rf_str(o, RF_HOST), "vm");
	assert_string_equal(rf_str(o, RF_DET_KIND), "relay_suspect");
	assert_string_equal(rf_str(o, RF_DET_RESP_ACTION), "quarantine");
	assert_string_equal(rf_str(o, RF_DET_RESP_UNTIL),
	    "2026-09-21T10:51:00.000000+0000");
	assert_true(rf_num(o, RF_DET_IN_FLOW, &v));
	assert_true(v == 1856836652340780.0);
	assert_true(rf_num(o, RF_ALERT_SID, &v));
	assert_true(v == 9250106);
	assert_true(rf_bool(o, RF_DET_OUT_BLOCKED, &b));
	assert_true(b);
	/* absent here: no count, no note */
	assert_false(rf_num(o, RF_DET_COUNT, &v));
	assert_null(rf_str(o, RF_DET_RESP_NOTE));
	cJSON_Delete(o);

	o = parse(policy_line);
	assert_int_equal(rt_of(o), RT_POLICY);
	assert_int_equal(rv_action(rf_str(o, RF_POL_ACTION)), RV_ALLOWED);
	assert_int_equal(rv_mode(rf_str(o, RF_POL_MODE)), RV_MONITOR);
	assert_int_equal(rv_direction(rf_str(o, RF_POL_DIRECTION)), 0);
	assert_string_equal(rf_str(o, RF_POL_EXC_ENTRY), "10.20.8.0/24");
	assert_string_equal(rf_str(o, RF_POL_EXC_OWNER), "physics-it");
	assert_null(rf_str(o, RF_POL_QUAR_HOST));
	cJSON_Delete(o);
}

/* A field of the wrong type, or a path through something not an object,
 * is absent: never a crash, never another field's value. */
static void
test_wrong_shapes(void **state UNUSED)
{
	static const char *lines[] = {
		"{\"policy\":\"blocked\"}",
		"{\"policy\":{\"action\":1}}",
		"{\"policy\":[{\"action\":\"blocked\"}]}",
		"{\"policyX\":{\"action\":\"blocked\"}}",
		"{\"policy_summary\":{\"action\":\"blocked\"}}",
		"{\"policy\":{\"actions\":\"blocked\"}}",
		"{\"policy\":{\"act\":\"blocked\"}}",
		"[]",
		"\"policy.action\"",
		"{\"policy.action\":\"blocked\"}",
		/* only alert.metadata's values are arrays */
		"{\"policy\":{\"action\":[\"blocked\"]}}",
	};
	double	 v;
	bool	 b;

	for (size_t i = 0; i < NELEM(lines); i++) {
		cJSON *o = parse(lines[i]);

		if (rf_str(o, RF_POL_ACTION) != NULL)
			fail_msg("policy.action found in %s", lines[i]);
		if (i != 1 && rf_num(o, RF_POL_ACTION, &v))
			fail_msg("policy.action a number in %s", lines[i]);
		assert_false(rf_bool(o, RF_POL_ACTION, &b));
		cJSON_Delete(o);
	}
	/* the number is there, as a number only */
	{
		cJSON *o = parse(lines[1]);

		assert_true(rf_num(o, RF_POL_ACTION, &v));
		assert_true(v == 1);
		cJSON_Delete(o);
	}
	assert_null(rf_str(NULL, RF_TIMESTAMP));
	assert_int_equal(rt_of(NULL), RT_OTHER);
}

static void
test_types_and_words(void **state UNUSED)
{
	static const struct { const char *line; enum rt t; } types[] = {
		{ "{\"event_type\":\"policy\"}", RT_POLICY },
		{ "{\"event_type\":\"policy_summary\"}", RT_SUMMARY },
		{ "{\"event_type\":\"alert\"}", RT_ALERT },
		{ "{\"event_type\":\"quarantine\"}", RT_QUARANTINE },
		{ "{\"event_type\":\"flow\"}", RT_OTHER },
		{ "{\"event_type\":\"Policy\"}", RT_OTHER },
		{ "{\"event_type\":7}", RT_OTHER },
		{ "{}", RT_OTHER },
	};

	for (size_t i = 0; i < NELEM(types); i++) {
		cJSON *o = parse(types[i].line);

		assert_int_equal(rt_of(o), types[i].t);
		cJSON_Delete(o);
	}
	assert_int_equal(rv_action("blocked"), RV_BLOCKED);
	assert_int_equal(rv_action("drop"), -1);
	assert_int_equal(rv_action(NULL), -1);
	assert_int_equal(rv_mode("enforce"), RV_ENFORCE);
	assert_int_equal(rv_mode("Monitor"), -1);
	assert_int_equal(rv_direction("transit"), 3);
	assert_int_equal(rv_direction("sideways"), -1);
	assert_string_equal(rv_direction_name(1), "outbound");
	assert_string_equal(rv_direction_name(9), "?");
	assert_int_equal(rv_qaction("end"), RV_END);
	assert_int_equal(rv_qaction("stop"), -1);
}

static void
test_alert_kinds(void **state UNUSED)
{
	static const struct { const char *line, *kind; } cases[] = {
		{ "{\"alert\":{\"signature_id\":9250101,\"metadata\":"
		    "{\"detection\":[\"bulk_attempts\"]}}}", "bulk_attempts" },
		{ "{\"alert\":{\"signature_id\":9250313}}",
		    "blocked_connection" },
		{ "{\"alert\":{\"signature_id\":9250001}}",
		    "non_smtp_protocol" },
		{ "{\"alert\":{\"signature_id\":9250002}}",
		    "unidentified_payload" },
		{ "{\"alert\":{\"signature_id\":9250999}}", "sid 9250999" },
		{ "{\"alert\":{}}", "sid 0" },
	};
	char	 buf[32];

	for (size_t i = 0; i < NELEM(cases); i++) {
		cJSON *o = parse(cases[i].line);

		assert_string_equal(rv_alert_kind(o, buf, sizeof(buf)),
		    cases[i].kind);
		cJSON_Delete(o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field_has_a_path),
		cmocka_unit_test(test_nested_fields),
		cmocka_unit_test(test_wrong_shapes),
		cmocka_unit_test(test_types_and_words),
		cmocka_unit_test(test_alert_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
