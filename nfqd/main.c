/*
 * nfqd: enforce the campus SMTP policy on the packet path.
 *
 *	nfqd [-v] [-s] [-c CONF]		run on the configured queues
 *	nfqd [-v] [-c CONF] -n			check configuration
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

#include "nfqd.h"
#include "metrics.h"
#include "sink.h"

#define DEFAULT_CONF	"/etc/nfqd/nfqd.conf"

static void __attribute__((noreturn))
usage(int rc)
{
	fprintf(rc ? stderr : stdout,
	    "usage: nfqd [-v] [-s] [-c CONF]\n"
	    "       nfqd [-v] [-c CONF] -n\n"
	    "       nfqd [-v] [-c CONF] --replay FILE\n"
	    "  -c, --config CONF   configuration file (default %s)\n"
	    "  -n, --check         check the configuration and exception "
	    "list, then exit\n"
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "check",	no_argument,		NULL, 'n' },
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
	struct policy	*pol;
	struct sinks	*sinks;

	opterr = 0;		/* our own message, then the usage */
	while ((ch = getopt_long(argc, argv, ":c:nr:svVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'n': check = 1; break;
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
	log_init(use_syslog && !check && replay == NULL, verbose);

	if ((pol = policy_load(conf, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return 2;
	}
	if (replay == NULL) {		/* live, or -n: the border it runs */
		main_warn_family(&pol->conf);
		if (pol->warning[0] != '\0')
			log_warnx("%s", pol->warning);
	}
	if (check) {
		sinks_check_names(&pol->conf);	/* warnings only */
		/* A warning too: a reload must not wait on a NOC's folder. */
		if (metrics_check(&pol->conf, err, sizeof(err)) == -1)
			log_warnx("warning: %s: nfqd runs without writing the "
			    "metrics until that is fixed", err);
		printf("configuration OK\n");
		policy_free(pol);
		return 0;
	}
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
