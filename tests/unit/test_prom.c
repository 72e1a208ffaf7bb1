/*
 * prom.c: the text exposition format byte for byte (HELP and TYPE once
 * per family, names, label escaping, integers printed exactly), what it
 * refuses, and the textfile's atomic replace.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "base/prom.h"

/* A whole file, NUL-terminated; the caller frees it. */
static char *
read_file(const char *path)
{
	FILE	*fp = fopen(path, "r");
	char	*buf = NULL;
	long	 n;

	if (fp == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if (n < 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n)
		fail_msg("cannot read %s", path);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
test_text(void **state UNUSED)
{
	struct prom	 p;
	size_t		 len;

	prom_init(&p);
	assert_int_equal(prom_family(&p, "nfqd_packets_total", PROM_COUNTER,
	    "Packets."), 0);
	assert_int_equal(prom_u64(&p, 7, "queue", "0", NULL), 0);
	assert_int_equal(prom_u64(&p, 0, "queue", "1", NULL), 0);
	assert_int_equal(prom_family(&p, "nfqd_running", PROM_GAUGE,
	    "Up."), 0);
	assert_int_equal(prom_u64(&p, 1, NULL), 0);
	assert_null(prom_error(&p));
	assert_string_equal(prom_text(&p, &len),
	    "# HELP nfqd_packets_total Packets.\n"
	    "# TYPE nfqd_packets_total counter\n"
	    "nfqd_packets_total{queue=\"0\"} 7\n"
	    "nfqd_packets_total{queue=\"1\"} 0\n"
	    "# HELP nfqd_running Up.\n"
	    "# TYPE nfqd_running gauge\n"
	    "nfqd_running 1\n");
	assert_int_equal(len, strlen(prom_text(&p, &len)));
	/* reset: empty, and the names may be declared again */
	prom_reset(&p);
	assert_string_equal(prom_text(&p, &len), "");
	assert_int_equal(prom_family(&p, "nfqd_running", PROM_GAUGE, "Up."),
	    0);
	prom_free(&p);
}

static void
test_exact_integers(void **state UNUSED)
{
	struct prom	 p;
	size_t		 len;

	prom_init(&p);
	prom_family(&p, "a_total", PROM_COUNTER, "h");
	prom_u64(&p, UINT64_MAX, "k", "max", NULL);
	prom_u64(&p, (UINT64_C(1) << 53) + 1, "k", "2^53+1", NULL);
	prom_family(&p, "t_seconds", PROM_GAUGE, "h");
	prom_us(&p, INT64_C(1790000000123456), "k", "a", NULL);
	prom_us(&p, INT64_C(-1500000), "k", "b", NULL);
	prom_us(&p, 7, "k", "c", NULL);
	assert_null(prom_error(&p));
	assert_contains(prom_text(&p, &len),
	    "a_total{k=\"max\"} 18446744073709551615\n"
	    "a_total{k=\"2^53+1\"} 9007199254740993\n");
	assert_contains(prom_text(&p, &len),
	    "t_seconds{k=\"a\"} 1790000000.123456\n"
	    "t_seconds{k=\"b\"} -1.500000\n"
	    "t_seconds{k=\"c\"} 0.000007\n");
	prom_free(&p);
}

static void
test_escaping(void **state UNUSED)
{
	struct prom	 p;
	size_t		 len;

	prom_init(&p);
	prom_family(&p, "s_total", PROM_COUNTER, "back\\slash and\nnewline, "
	    "\"quotes\" stay");
	/* \ " and newline escaped; é kept; a lone 0xff, a cut 0xc3 and an
	 * overlong 0xc0 0xaf become '?' */
	prom_u64(&p, 1, "sink", "file:/a\\b\"c\nd", "x",
	    "caf\xc3\xa9 \xff \xc3", NULL);
	prom_u64(&p, 2, "sink", "\xc0\xaf", "x", "", NULL);
	assert_null(prom_error(&p));
	assert_string_equal(prom_text(&p, &len),
	    "# HELP s_total back\\\\slash and\\nnewline, \"quotes\" stay\n"
	    "# TYPE s_total counter\n"
	    "s_total{sink=\"file:/a\\\\b\\\"c\\nd\",x=\"caf\xc3\xa9 ? ?\"} 1\n"
	    "s_total{sink=\"??\",x=\"\"} 2\n");
	prom_free(&p);
}

/* Each call must fail with msg, and everything after it too. */
static void
refused(const char *msg, int (*fn)(struct prom *))
{
	struct prom	 p;
	char		 err[ERRLEN];
	struct tmpdir	 d;
	char		 path[MAX_PATH];

	prom_init(&p);
	if (fn(&p) != -1)
		fail_msg("accepted, expected '%s'", msg);
	assert_non_null(prom_error(&p));
	assert_contains(prom_error(&p), msg);
	/* sticky: the text is never written */
	assert_int_equal(prom_family(&p, "ok_total", PROM_COUNTER, "h"), -1);
	tmpdir_new(&d);
	assert_int_equal(prom_write_file(&p, tmpdir_file(&d, "x.prom", path),
	    err, sizeof(err)), -1);
	assert_contains(err, msg);
	assert_int_equal(access(path, F_OK), -1);
	tmpdir_rm(&d);
	prom_free(&p);
}

static int
r_counter(struct prom *p)
{
	return prom_family(p, "nfqd_packets", PROM_COUNTER, "h");
}

static int
r_gauge(struct prom *p)
{
	return prom_family(p, "nfqd_active_total", PROM_GAUGE, "h");
}

static int
r_name(struct prom *p)
{
	return prom_family(p, "9nfqd_total", PROM_COUNTER, "h");
}

static int
r_name_dash(struct prom *p)
{
	return prom_family(p, "nfqd-x_total", PROM_COUNTER, "h");
}

static int
r_twice(struct prom *p)
{
	prom_family(p, "a_total", PROM_COUNTER, "h");
	prom_u64(p, 1, NULL);
	prom_family(p, "b", PROM_GAUGE, "h");
	return prom_family(p, "a_total", PROM_COUNTER, "h again");
}

static int
r_label_name(struct prom *p)
{
	prom_family(p, "a_total", PROM_COUNTER, "h");
	return prom_u64(p, 1, "bad-label", "v", NULL);
}

static int
r_label_reserved(struct prom *p)
{
	prom_family(p, "a_total", PROM_COUNTER, "h");
	return prom_u64(p, 1, "__name__", "v", NULL);
}

static int
r_label_colon(struct prom *p)
{
	prom_family(p, "a:b_total", PROM_COUNTER, "h");	/* names may */
	return prom_u64(p, 1, "a:b", "v", NULL);	/* labels may not */
}

static int
r_label_dup(struct prom *p)
{
	prom_family(p, "a_total", PROM_COUNTER, "h");
	return prom_u64(p, 1, "q", "1", "q", "2", NULL);
}

static int
r_label_set(struct prom *p)
{
	prom_family(p, "a_total", PROM_COUNTER, "h");
	prom_u64(p, 1, "queue", "0", NULL);
	return prom_u64(p, 1, "queue", "1", "kind", "x", NULL);
}

static int
r_label_none(struct prom *p)
{
	prom_family(p, "a_total", PROM_COUNTER, "h");
	prom_u64(p, 1, "queue", "0", NULL);
	return prom_u64(p, 1, NULL);
}

static int
r_no_value(struct prom *p)
{
	prom_family(p, "a_total", PROM_COUNTER, "h");
	return prom_u64(p, 1, "queue", NULL);
}

static int
r_no_family(struct prom *p)
{
	return prom_u64(p, 1, NULL);
}

static int
r_too_many(struct prom *p)
{
	prom_family(p, "a_total", PROM_COUNTER, "h");
	return prom_u64(p, 1, "a", "1", "b", "1", "c", "1", "d", "1", "e", "1",
	    "f", "1", "g", "1", "h", "1", "i", "1", NULL);
}

static void
test_refused(void **state UNUSED)
{
	refused("must end in _total", r_counter);
	refused("_total is for counters", r_gauge);
	refused("bad metric name '9nfqd_total'", r_name);
	refused("bad metric name 'nfqd-x_total'", r_name_dash);
	refused("family a_total declared twice", r_twice);
	refused("bad label name 'bad-label'", r_label_name);
	refused("bad label name '__name__'", r_label_reserved);
	refused("bad label name 'a:b'", r_label_colon);
	refused("label q given twice", r_label_dup);
	refused("labels {queue,kind}, but {queue} before", r_label_set);
	refused("labels {}, but {queue} before", r_label_none);
	refused("label queue has no value", r_no_value);
	refused("a sample before any family", r_no_family);
	refused("more than 8 labels", r_too_many);
}

/* Every name in folder d, sorted, joined by spaces. */
static void
list_dir(const char *d, char *out, size_t len)
{
	struct dirent	**v;
	int		  i, n;

	out[0] = '\0';
	if ((n = scandir(d, &v, NULL, alphasort)) == -1)
		fail_msg("scandir %s: %s", d, strerror(errno));
	for (i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") != 0 &&
		    strcmp(v[i]->d_name, "..") != 0)
			snprintf(out + strlen(out), len - strlen(out), "%s%s",
			    out[0] ? " " : "", v[i]->d_name);
		free(v[i]);
	}
	free(v);
}

static void
test_write_file(void **state UNUSED)
{
	struct tmpdir	 d;
	struct prom	 p;
	struct stat	 st;
	char		 path[MAX_PATH], sub[MAX_PATH], err[ERRLEN], names[512];
	char		*text;
	mode_t		 old;
	ino_t		 ino;

	tmpdir_new(&d);
	prom_init(&p);
	prom_family(&p, "a_total", PROM_COUNTER, "h");
	prom_u64(&p, 1, NULL);
	tmpdir_file(&d, "nfqd.prom", path);
	/* mode 0644 whatever the umask: node_exporter is another user */
	old = umask(077);
	assert_int_equal(prom_write_file(&p, path, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	ino = st.st_ino;
	text = read_file(path);
	assert_string_equal(text, "# HELP a_total h\n# TYPE a_total counter\n"
	    "a_total 1\n");
	free(text);
	/* replaced, not rewritten in place: a new inode, no file left over */
	prom_reset(&p);
	prom_family(&p, "a_total", PROM_COUNTER, "h");
	prom_u64(&p, 2, NULL);
	assert_int_equal(prom_write_file(&p, path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_ino != ino);
	text = read_file(path);
	assert_contains(text, "a_total 2\n");
	free(text);
	list_dir(d.path, names, sizeof(names));
	assert_string_equal(names, "nfqd.prom");

	/* a folder where the file goes: refused, nothing left behind */
	tmpdir_file(&d, "dir.prom", sub);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(prom_write_file(&p, sub, err, sizeof(err)), -1);
	assert_contains(err, "cannot write ");
	assert_contains(err, "dir.prom");
	list_dir(d.path, names, sizeof(names));
	assert_string_equal(names, "dir.prom nfqd.prom");
	/* no such folder */
	tmpdir_file(&d, "none/x.prom", sub);
	assert_int_equal(prom_write_file(&p, sub, err, sizeof(err)), -1);
	assert_contains(err, "cannot create a file beside ");
	assert_contains(err, "No such file or directory");
	/* the old file is untouched by the failures */
	text = read_file(path);
	assert_contains(text, "a_total 2\n");
	free(text);
	prom_free(&p);
	tmpdir_rm(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_exact_integers),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_write_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
