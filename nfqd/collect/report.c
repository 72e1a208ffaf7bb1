/*
 * nfqd-collect report: the daily files of a collector's folder, counted
 * for the security office.
 *
 *	nfqd-collect report DIR [--since DATE] [--until DATE] [-c CONF]
 *	    [--json | --csv SECTION | --html FILE]
 *
 * DIR holds DIR/SENDER/eve-YYYY-MM-DD.json (the collector's layout) and
 * DIR/eve-YYYY-MM-DD.json (an older one's); any of them may be gzipped
 * (.json.gz).  Every event is read through the field table of
 * report_eve.c.  What is counted:
 *
 *  - per day and direction: connections allowed, blocked, and would be
 *    blocked (blocked in monitor mode), from the policy events and the
 *    flood summaries' counts; the day's mode; the days of the period
 *    without a single event;
 *  - refused outbound attempts per day and hour (the page's heat map);
 *  - why: the policy reason of every refused connection;
 *  - every alert, with its flow, hosts, counts and the response; every
 *    quarantine and harvest block, with the connections it refused;
 *  - the campus hosts with the most refused attempts, the outside
 *    sources of the most inbound attempts;
 *  - per router (the events' `host`): events, decisions, alerts, the
 *    sender folders they came from, the days it sent nothing;
 *  - the exception entries used, and with -c the ones never used.
 *
 * The pieces: report_count.c counts, report_eve.c knows the event
 * format, report_text.c, report_json.c, report_csv.c and report_html.c
 * write; this file reads the folder and is the command line.
 *
 * Exit status: 0, 1 when a daily file could not be read (whole), 2 on a
 * usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "base/defs.h"
#include "base/files.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "collect/report.h"

#define LINE_START	4096
#define LINE_LIMIT	(1 << 20)	/* longer lines are unreadable */
#define HTML_DAYS_MAX	366

/* ---- shared by the report's files (report.h) ---- */

void
rpt_say(const char *fmt, ...)
{
	va_list	 ap;

	fputs("nfqd-collect: report: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *
rpt_realloc(void *p, size_t n, size_t size)
{
	if (n != 0 && size > SIZE_MAX / n) {
		rpt_say("out of memory");
		exit(1);
	}
	if ((p = realloc(p, n * size)) == NULL) {
		rpt_say("out of memory");
		exit(1);
	}
	return p;
}

/*
 * A copy of text from an event or a file name: control characters (an
 * escape sequence in a router's name) become '?', so that no output of
 * the report can drive the terminal that shows it.
 */
char *
rpt_strdup(const char *s)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL) {
		rpt_say("out of memory");
		exit(1);
	}
	for (char *p = d; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return d;
}

/* ---- the files ---- */

/* One daily file, plain or gzipped (zlib reads both). */
static int
read_file(struct report *r, const char *path, const char *sender, bool gz)
{
	struct rpt_file	*f;
	gzFile		 z;
	char		*line;
	size_t		 cap = LINE_START, len;
	cJSON		*o;
	const char	*ts, *e;
	int64_t		 d;
	int		 err;
	bool		 toolong = false;

	GROW(r->files, r->nfiles, r->capfiles);
	f = &r->files[r->nfiles++];
	f->path = rpt_strdup(path);
	f->gz = gz;
	f->error = NULL;
	if ((z = gzopen(path, "rb")) == NULL) {
		f->error = rpt_strdup(strerror(errno ? errno : ENOMEM));
		rpt_say("%s: %s", path, f->error);
		return -1;
	}
	gzbuffer(z, 1 << 16);
	line = rpt_realloc(NULL, cap, 1);
	for (;;) {
		len = 0;
		line[0] = '\0';
		/* one line, however long (up to LINE_LIMIT) */
		while (gzgets(z, line + len, (int)(cap - len)) != NULL) {
			len += strlen(line + len);
			if (len > 0 && line[len - 1] == '\n')
				break;
			if (len + 1 < cap)
				break;		/* the last line, unended */
			if (cap >= LINE_LIMIT) {
				toolong = true;
				len = 0;	/* dropped; read on */
				continue;
			}
			cap *= 2;
			line = rpt_realloc(line, cap, 1);
		}
		if (len == 0 && !toolong)
			break;
		if (toolong) {		/* what is here is its tail */
			r->bad++;
			toolong = false;
			continue;
		}
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		o = cJSON_ParseWithLength(line, len);
		ts = rf_str(o, RF_TIMESTAMP);
		if (!cJSON_IsObject(o) || ts == NULL ||
		    (d = rpt_day_of(ts)) == -1) {
			r->bad++;
			cJSON_Delete(o);
			continue;
		}
		if (d >= r->since && d <= r->until)
			rpt_count_event(r, o, d, sender);
		cJSON_Delete(o);
	}
	free(line);
	e = gzerror(z, &err);
	if (err != Z_OK && err != Z_BUF_ERROR) {
		f->error = rpt_strdup(err == Z_ERRNO ? strerror(errno) : e);
		rpt_say("%s: %s", path, f->error);
	} else if (!gzeof(z)) {
		f->error = rpt_strdup("read stopped before the end");
		rpt_say("%s: %s", path, f->error);
	}
	if (gzclose_r(z) != Z_OK && f->error == NULL) {
		f->error = rpt_strdup("truncated");
		rpt_say("%s: %s", path, f->error);
	}
	return f->error != NULL ? -1 : 0;
}

/*
 * eve-YYYY-MM-DD.json and eve-YYYY-MM-DD.json.gz are read; any other
 * eve-YYYY-MM-DD.json.SUFFIX is named as not read.
 */
static int
read_folder(struct report *r, const char *folder, const char *sender)
{
	struct dirent	**names = NULL;
	char		  path[MAX_PATH];
	const char	 *nm;
	int64_t		  d;
	int		  n, rc = 0;

	if ((n = scandir(folder, &names, NULL, alphasort)) == -1) {
		rpt_say("%s: %s", folder, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		nm = names[i]->d_name;
		if (strncmp(nm, "eve-", 4) != 0 || strlen(nm) < 19 ||
		    (d = rpt_day_of(nm + 4)) == -1 ||
		    strncmp(nm + 14, ".json", 5) != 0) {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", folder, nm);
		/* a file holds its date's events: neighbours for safety */
		if (d + 1 < r->since || d - 1 > r->until)
			;
		else if (nm[19] == '\0') {
			if (read_file(r, path, sender, false) == -1)
				rc = -1;
		} else if (strcmp(nm + 19, ".gz") == 0) {
			if (read_file(r, path, sender, true) == -1)
				rc = -1;
		} else {
			GROW(r->skipped, r->nskipped, r->capskipped);
			r->skipped[r->nskipped++] = rpt_strdup(path);
			rpt_say("%s: not read (plain or .gz only)", path);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
read_dir(struct report *r)
{
	struct dirent	**names = NULL;
	struct stat	  st;
	char		  path[MAX_PATH];
	int		  n, rc;

	rc = read_folder(r, r->dir, "");
	if ((n = scandir(r->dir, &names, NULL, alphasort)) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", r->dir,
		    names[i]->d_name);
		if (names[i]->d_name[0] != '.' && lstat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode) &&
		    read_folder(r, path, names[i]->d_name) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ---- the page: written aside, then renamed into place ---- */

static int
write_html(const struct report *r, const struct rpt_view *v, const char *file)
{
	char	*page = NULL, err[ERRLEN];
	size_t	 len = 0;
	FILE	*f;
	int	 rc;

	if (strcmp(file, "-") == 0)
		return report_html(r, v, stdout) == -1 || fflush(stdout) != 0 ?
		    -1 : 0;
	if ((f = open_memstream(&page, &len)) == NULL) {
		rpt_say("%s: %s", file, strerror(errno));
		return -1;
	}
	rc = report_html(r, v, f);
	if (fclose(f) != 0 || rc == -1) {
		rpt_say("%s: %s", file, strerror(errno));
		free(page);
		return -1;
	}
	if ((rc = file_replace(file, page, len, 0644, err, sizeof(err))) == -1)
		rpt_say("%s", err);
	free(page);
	return rc;
}

/* ---- main ---- */

void
report_usage(FILE *fp)
{
	fprintf(fp,
	    "       nfqd-collect report DIR [--since YYYY-MM-DD] "
	    "[--until YYYY-MM-DD]\n"
	    "           [-c nfqd.conf] [--json | --csv SECTION | "
	    "--html FILE]\n");
}

static void __attribute__((noreturn))
usage(int rc)
{
	FILE	*fp = rc ? stderr : stdout;

	fprintf(fp, "usage:\n");
	report_usage(fp);
	fprintf(fp,
	    "  --since, --until DAY  only these UTC days, both included\n"
	    "  -c, --config CONF     list the exception entries never used\n"
	    "  --json                one JSON document\n"
	    "  --csv SECTION         one table: days, hours, reasons, alerts,"
	    "\n"
	    "                        quarantines, hosts, sources, routers, "
	    "exceptions\n"
	    "  --html FILE           a page with charts (- for standard "
	    "output)\n");
	exit(rc);
}

/* What the command line asks for, beside the period (in struct report). */
struct rpt_args {
	const char	*conf, *csv, *html;
	int		 json;
};

static const struct option report_opts[] = {
	{ "since",	required_argument,	NULL, 's' },
	{ "until",	required_argument,	NULL, 'u' },
	{ "config",	required_argument,	NULL, 'c' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "csv",	required_argument,	NULL, 'C' },
	{ "html",	required_argument,	NULL, 'H' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/*
 * The command line into r (the period, the folder) and a: -1 to go on,
 * or the exit status (2, a usage error, said).
 */
static int
report_options(struct report *r, struct rpt_args *a, int argc, char **argv)
{
	int64_t	 d;
	int	 ch, formats = 0;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":c:h", report_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'u':
			if (strlen(optarg) != 10 ||
			    (d = rpt_day_of(optarg)) == -1) {
				rpt_say("--%s: expected YYYY-MM-DD, got '%s'",
				    ch == 's' ? "since" : "until", optarg);
				return 2;
			}
			*(ch == 's' ? &r->since : &r->until) = d;
			break;
		case 'c': a->conf = optarg; break;
		case 'j': a->json = 1; formats++; break;
		case 'C':
			if (!report_csv_section(optarg)) {
				rpt_say("--csv: no section '%s' (days, hours, "
				    "reasons, alerts, quarantines, hosts, "
				    "sources, routers, exceptions)", optarg);
				return 2;
			}
			a->csv = optarg;
			formats++;
			break;
		case 'H': a->html = optarg; formats++; break;
		case 'h': usage(0);
		case ':':
			rpt_say("%s needs an argument", argv[optind - 1]);
			usage(2);
		default:
			if (optopt != 0)
				rpt_say("unknown option -%c", optopt);
			else
				rpt_say("unknown option %s", argv[optind - 1]);
			usage(2);
		}
	}
	if (optind + 1 != argc) {
		rpt_say(optind == argc ? "which folder? (DIR)" :
		    "one folder only (DIR)");
		usage(2);
	}
	if (formats > 1) {
		rpt_say("one of --json, --csv and --html");
		return 2;
	}
	if (r->since != INT64_MIN && r->until != INT64_MAX &&
	    r->since > r->until) {
		rpt_say("--since is after --until");
		return 2;
	}
	r->dir = argv[optind];
	return -1;
}

/* The report in the format asked for: 0, 1 when it could not be
 * written, 2 when the period is too long for a page. */
static int
report_write(const struct report *r, const struct rpt_view *v,
    const struct rpt_args *a)
{
	int	 rc = 0;

	if (a->html != NULL && r->ndays > HTML_DAYS_MAX) {
		rpt_say("the period has %zu days; a page shows at most %d: "
		    "narrow it with --since and --until", r->ndays,
		    HTML_DAYS_MAX);
		rc = 2;
	} else if (a->html != NULL) {
		if (write_html(r, v, a->html) == -1)
			rc = 1;
	} else if (a->csv != NULL)
		report_csv(r, v, a->csv);
	else if (a->json) {
		if (report_json(r, v) == -1)
			rc = 1;
	} else
		report_text(r, v);
	if (a->html == NULL && (fflush(stdout) != 0 || ferror(stdout))) {
		rpt_say("standard output: %s", strerror(errno));
		rc = 1;
	}
	return rc;
}

int
report_main(int argc, char **argv)
{
	struct report	 r;
	struct rpt_view	 v;
	struct rpt_args	 a = { NULL, NULL, NULL, 0 };
	struct policy	*pol = NULL;
	struct stat	 st;
	char		 err[ERRLEN];
	int		 rc = 0, wrc;

	memset(&r, 0, sizeof(r));
	r.since = INT64_MIN;
	r.until = INT64_MAX;
	if ((rc = report_options(&r, &a, argc, argv)) != -1)
		return rc;
	rc = 0;
	if (stat(r.dir, &st) == -1) {
		rpt_say("%s: %s", r.dir, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		rpt_say("%s: not a folder", r.dir);
		return 2;
	}
	if (a.conf != NULL &&
	    (pol = policy_load(a.conf, err, sizeof(err))) == NULL) {
		rpt_say("%s", err);
		return 2;
	}
	r.pol = pol;
	r.conf = a.conf;
	if (read_dir(&r) == -1)
		rc = 1;
	report_finish(&r, &v);
	if ((wrc = report_write(&r, &v, &a)) != 0)
		rc = wrc;
	report_free(&r, &v);
	policy_free(pol);
	return rc;
}
