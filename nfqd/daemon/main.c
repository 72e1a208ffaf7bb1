/*
 * nfqd: enforce the campus SMTP policy on the packet path.
 *
 *	nfqd [-v] [-s] [-c CONF]		run on the configured queues
 *	nfqd [-v] [-c CONF] -n [--strict]	check configuration
 *	nfqd [-v] [-c CONF] --replay FILE	run the pipeline on a capture
 *
 * Exit status: 0 success, 1 unreadable or truncated capture / runtime
 * failure, 2 usage or configuration error, 3 a replay whose events did not
 * all reach the sinks.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/defs.h"
#include "base/clock.h"
#include "base/log.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "event/event.h"
#include "daemon/run.h"
#include "sink/metrics.h"
#include "sink/sink.h"
#include "sink/eve.h"

#define DEFAULT_CONF	"/etc/nfqd/nfqd.conf"

static void __attribute__((noreturn))
usage(int rc)
{
	fprintf(rc ? stderr : stdout,
	    "usage: nfqd [-v] [-s] [-c CONF]\n"
	    "       nfqd [-v] [-c CONF] -n [--strict]\n"
	    "       nfqd [-v] [-c CONF] --replay FILE\n"
	    "  -c, --config CONF   configuration file (default %s)\n"
	    "  -n, --check         check the configuration and exception "
	    "list, then exit\n"
	    "  --strict            with -n: any warning fails the check\n"
	    "  -r, --replay FILE   run the pipeline on a pcap/pcapng capture,\n"
	    "                      gzip-compressed or not; - is standard input\n"
	    "  -s, --syslog        log to syslog instead of stderr\n"
	    "  -v, --verbose       more log output\n"
	    "  -V, --version       print the version\n"
	    "  -h, --help          this help\n", DEFAULT_CONF);
	exit(rc);
}

/*
 * Valid, but likely not what was meant: a campus named in one address
 * family only.  Its hosts' SMTP in the other family has no campus end,
 * so it is decided as transit -- allowed with transit = allow.
 */
/* -n: a warning, "warning: FILE:LINE: ..." (exc_lint). */
static void
main_warning(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "warning: %s\n", msg);
}

/* Live: the same words in the daemon's log. */
static void
main_log_warning(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

/*
 * What nfqd.conf says that is valid but likely not what was meant, and
 * what the policy found on loading: a campus named in one address family
 * only (its hosts' SMTP in the other family has no campus end, so it is
 * decided as transit -- allowed with transit = allow); a campus
 * interface that does not exist.  Returns how many.
 */
static unsigned
main_warn_conf(const struct policy *pol, void (*say)(void *, const char *))
{
	const struct conf	*c = &pol->conf;
	char			 msg[MAX_PATH + 128];
	size_t			 i;
	bool			 has[2] = { false, false };
	unsigned		 n = 0;

	for (i = 0; i < c->ninternal; i++)
		has[c->internal[i].addr.af == 6] = true;
	for (i = 0; i < 2; i++)
		if (!has[i]) {
			snprintf(msg, sizeof(msg), "%s: internal-networks has "
			    "no IPv%c prefix: IPv%c SMTP is decided as transit "
			    "(%s)", c->path, i ? '6' : '4', i ? '6' : '4',
			    c->transit == TRANSIT_ALLOW ? "allowed" :
			    "blocked");
			say(NULL, msg);
			n++;
		}
	if (pol->warning[0] != '\0') {
		say(NULL, pol->warning);
		n++;
	}
	return n;
}

/*
 * nfqd -n: the warnings, then "configuration OK" on standard output once
 * they are all out, so the two streams do not interleave.  --strict: a
 * warning fails the check (exit 2), for CI and pre-commit hooks.
 */
static int
main_check(const struct policy *pol, bool strict)
{
	char		 err[512];
	unsigned	 n;

	n = main_warn_conf(pol, main_warning);
	n += (unsigned)sinks_check_names(&pol->conf);
	/* A warning, not an error: a reload must not wait on a NOC's folder. */
	if (metrics_check(&pol->conf, err, sizeof(err)) == -1) {
		log_warnx("warning: %s: nfqd runs without writing the metrics "
		    "until that is fixed", err);
		n++;
	}
	n += exc_lint(&pol->conf, &pol->exc, pol->conf.exceptions,
	    clock_real_us() / 1000000, main_warning, NULL);
	fflush(stderr);
	if (strict && n > 0) {
		log_warnx("%u warning%s, and --strict: configuration refused",
		    n, n == 1 ? "" : "s");
		return 2;
	}
	printf("configuration OK\n");
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "check",	no_argument,		NULL, 'n' },
		{ "strict",	no_argument,		NULL, 'S' },
		{ "replay",	required_argument,	NULL, 'r' },
		{ "syslog",	no_argument,		NULL, 's' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*conf = DEFAULT_CONF, *replay = NULL;
	char		 err[ERRLEN];
	int		 ch, check = 0, verbose = 0, use_syslog = 0, rc;
	uint64_t	 lost;
	bool		 strict = false;
	struct policy	*pol;
	struct sinks	*sinks;

	opterr = 0;		/* our own message, then the usage */
	while ((ch = getopt_long(argc, argv, ":c:nr:svVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'n': check = 1; break;
		case 'S': strict = true; break;
		case 'r':
			if (replay != NULL) {
				fprintf(stderr, "nfqd: --replay given twice "
				    "(%s, %s): one capture at a time\n",
				    replay, optarg);
				usage(2);
			}
			replay = optarg;
			break;
		case 's': use_syslog = 1; break;
		case 'v': verbose++; break;
		case 'V': printf("nfqd %s\n", NFQD_VERSION); return 0;
		case 'h': usage(0);
		case ':':
			fprintf(stderr, "nfqd: %s needs an argument\n",
			    argv[optind - 1]);
			usage(2);
		default:
			if (optopt != 0)
				fprintf(stderr, "nfqd: unknown option -%c\n",
				    optopt);
			else
				fprintf(stderr, "nfqd: unknown option %s\n",
				    argv[optind - 1]);
			usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nfqd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(2);
	}
	if (strict && !check) {
		fprintf(stderr, "nfqd: --strict goes with -n\n");
		usage(2);
	}
	log_init(use_syslog && !check && replay == NULL, verbose);

	if ((pol = policy_load(conf, err, sizeof(err))) == NULL ||
	    sinks_check_specs(&pol->conf, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		policy_free(pol);
		return 2;
	}
	if (check) {		/* -n: every warning */
		rc = main_check(pol, strict);
		policy_free(pol);
		return rc;
	}
	if (replay == NULL)		/* live: the border it runs */
		main_warn_conf(pol, main_log_warning);
	event_set_host(pol->conf.sensor_name);
	if (replay == NULL)
		return live_run(pol, conf);
	if ((sinks = sinks_open_opts(&pol->conf, &(struct sink_opts){
	    .buffer = pol->conf.event_buffer, .wait = true }, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s", err);
		policy_free(pol);
		return 2;
	}
	rc = replay_run(pol, replay, sinks);
	/* The summary was printed; a lost event fails the run all the same. */
	if ((lost = sinks_close(sinks)) > 0) {
		log_warnx("replay: %llu event line%s lost (dropped or failed "
		    "in a sink)", (unsigned long long)lost, lost == 1 ? "" :
		    "s");
		if (rc == 0)
			rc = 3;
	}
	policy_free(pol);
	return rc;
}
