/*
 * nfqd: enforce the campus SMTP policy on the packet path.
 *
 *	nfqd [-v] [-s] [-c CONF]		run on the configured queues
 *	nfqd [-v] [-c CONF] -n [--strict]	check configuration
 *	nfqd [-v] [-c CONF] --replay FILE	run the pipeline on a capture
 *
 * Exit status: 0 success, 1 unreadable or truncated capture / runtime
 * failure, 2 configuration error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqd.h"
#include "sink.h"

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
	    "  -r, --replay FILE   run the pipeline on a pcap/pcapng capture\n"
	    "  -s, --syslog        log to syslog instead of stderr\n"
	    "  -v, --verbose       more log output\n"
	    "  -V, --version       print the version\n", DEFAULT_CONF);
	exit(rc);
}

/*
 * Valid, but likely not what was meant: a campus named in one address
 * family only.  Its hosts' SMTP in the other family has no campus end,
 * so it is decided as transit -- allowed with transit = allow.
 */
static void
main_warn_family(const struct conf *c)
{
	size_t	 i;
	bool	 has[2] = { false, false };

	for (i = 0; i < c->ninternal; i++)
		has[c->internal[i].addr.af == 6] = true;
	for (i = 0; i < 2; i++)
		if (!has[i])
			log_warnx("%s: internal-networks has no IPv%c prefix: "
			    "IPv%c SMTP is decided as transit (%s)", c->path,
			    i ? '6' : '4', i ? '6' : '4',
			    c->transit == TRANSIT_ALLOW ? "allowed" : "blocked");
}

/* -n: a warning, "warning: FILE:LINE: ..." (exc_lint). */
static void
main_warning(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "warning: %s\n", msg);
}

/*
 * nfqd -n: the warnings, then "configuration OK" on standard output once
 * they are all out, so the two streams do not interleave.  --strict: a
 * warning fails the check (exit 2), for CI and pre-commit hooks.
 */
static int
main_check(const struct policy *pol, bool strict)
{
	unsigned	 n;

	n = exc_lint(&pol->conf, &pol->exc, pol->conf.exceptions,
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
	bool		 strict = false;
	struct policy	*pol;
	struct sinks	*sinks;

	while ((ch = getopt_long(argc, argv, "c:nr:svVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'n': check = 1; break;
		case 'S': strict = true; break;
		case 'r': replay = optarg; break;
		case 's': use_syslog = 1; break;
		case 'v': verbose++; break;
		case 'V': printf("nfqd %s\n", NFQD_VERSION); return 0;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc || (strict && !check))
		usage(2);
	log_init(use_syslog && !check && replay == NULL, verbose);

	if ((pol = policy_load(conf, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return 2;
	}
	if (check) {		/* -n: every warning, exc_lint's */
		rc = main_check(pol, strict);
		policy_free(pol);
		return rc;
	}
	if (replay == NULL)		/* live: the border it runs */
		main_warn_family(&pol->conf);
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
	sinks_close(sinks);
	policy_free(pol);
	return rc;
}
