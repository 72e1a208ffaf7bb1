/*
 * Event sinks: lines reach the file, and a logrotate reopen after the
 * configuration that named the file is gone (a reload frees it) still
 * writes to the right path.
 */
#include "util.h"

static char *
slurp(const char *path)
{
	static char	 buf[4096];
	FILE		*f = fopen(path, "r");
	size_t		 n;

	if (f == NULL)
		fail_msg("cannot read %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_file_sink_survives_conf_free_and_reopen(void **state UNUSED)
{
	struct tmpdir	 d;
	struct conf	*c;
	struct sinks	*s;
	char		 path[MAX_PATH], rotated[MAX_PATH], err[ERRLEN];

	tmpdir_new(&d);
	tmpdir_file(&d, "eve.json", path);
	tmpdir_file(&d, "eve.json.1", rotated);
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	snprintf(c->events[0], sizeof(c->events[0]), "file:%.1000s", path);
	c->nevents = 1;
	s = sinks_open(c, err, sizeof(err));
	assert_non_null(s);
	/* what a reload does to the old configuration */
	memset(c, 0x5a, sizeof(*c));
	free(c);

	sinks_write(s, "{\"a\":1}", 7);
	sinks_flush(s);
	assert_int_equal(rename(path, rotated), 0);	/* logrotate */
	sinks_reopen(s);
	sinks_write(s, "{\"b\":2}", 7);
	sinks_close(s);
	assert_string_equal(slurp(rotated), "{\"a\":1}\n");
	assert_string_equal(slurp(path), "{\"b\":2}\n");
	tmpdir_rm(&d);
}

static void
test_unwritable_sink_is_an_error(void **state UNUSED)
{
	struct conf	 c;
	char		 err[ERRLEN] = "";

	memset(&c, 0, sizeof(c));
	snprintf(c.events[0], sizeof(c.events[0]),
	    "file:/nonexistent-nfqd-dir/eve.json");
	c.nevents = 1;
	assert_null(sinks_open(&c, err, sizeof(err)));
	assert_contains(err, "/nonexistent-nfqd-dir/eve.json");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_sink_survives_conf_free_and_reopen),
		cmocka_unit_test(test_unwritable_sink_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
