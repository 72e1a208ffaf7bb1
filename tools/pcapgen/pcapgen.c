/*
 * nfqd-pcapgen: write the captures used by nfqd's replay tests.
 *
 *	nfqd-pcapgen -o DIR
 *	nfqd-pcapgen -b FILE [-s SEED] [-n CONNECTIONS] [-t SECONDS]
 *	nfqd-pcapgen -h | -V
 *
 * Exit status: 0 written, 1 a file could not be written, 2 usage error.
 *
 * Everything is deterministic: timestamps, ISNs, IP IDs, TCP timestamps
 * and message bodies derive from fixed constants, so two runs produce
 * byte-for-byte identical files.  Only libc is used; the pcap and pcapng
 * bytes are written here, in little-endian order.
 *
 * The program reads bottom-up, one file a layer (pcapgen.h):
 *
 *	writer.c	pcap / pcapng files and link-layer framing; IPv4,
 *			IPv6, TCP and UDP headers, checksums, fragments
 *	session.c	one TCP connection between a client and a server:
 *			tcp_handshake, syn_attempts, tcp_data, fin_close,
 *			tcp_rst, smtp_session, ...; ARP, DNS, HTTP noise
 *	cap_*.c		one function per output file, one block per
 *			scenario: the policy (cap_policy.c), malformed input
 *			and evasion (cap_evasion.c), detections
 *			(cap_detect.c), the benchmark (cap_bench.c)
 *	pcapgen.c	the command line
 *
 * The session layer keeps no state outside struct pg_conn, so a caller can
 * interleave many connections on one writer (e.g. a benchmark capture).
 * Captures are dated 2026-09-21 (UTC); the policy cases refer to the
 * sample campus config (10.20.0.0/16, 2001:db8:20::/48, exceptions.conf).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/defs.h"		/* NFQD_VERSION only */
#include "tools/pcapgen/pcapgen.h"

static void __attribute__((noreturn))
usage(int rc)
{
	fputs("usage: nfqd-pcapgen -o DIR\n"
	    "       nfqd-pcapgen -b FILE [-s SEED] [-n CONNECTIONS] "
	    "[-t SECONDS]\n"
	    "       nfqd-pcapgen -h | -V\n"
	    "  -o, --output DIR        write the test captures into DIR\n"
	    "  -b, --bench FILE        write one benchmark capture\n"
	    "  -s, --seed SEED         its seed (default 1)\n"
	    "  -n, --connections N     its connections, 1-10000000 "
	    "(default 90000)\n"
	    "  -t, --seconds N         its duration, 1-86400 (default 300)\n"
	    "  -h, --help              this help\n"
	    "  -V, --version           print the version\n",
	    rc ? stderr : stdout);
	exit(rc);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list	 ap;

	fputs("nfqd-pcapgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(2);
}

/* A whole decimal number, or a usage error naming the option. */
static unsigned long long
num_arg(const char *opt, const char *s)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		usage_error("%s: '%s' is not a number", opt, s);
	return v;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "bench",		required_argument,	NULL, 'b' },
		{ "connections",	required_argument,	NULL, 'n' },
		{ "output",		required_argument,	NULL, 'o' },
		{ "seed",		required_argument,	NULL, 's' },
		{ "seconds",		required_argument,	NULL, 't' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "version",		no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*dir = NULL, *bench = NULL;
	int		 ch;
	unsigned long long nconn = 90000, secs = 300;
	unsigned long long seed = 1;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":b:n:o:s:t:hV", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			bench = optarg;
			break;
		case 'n':
			nconn = num_arg("-n", optarg);
			break;
		case 'o':
			dir = optarg;
			break;
		case 's':
			seed = num_arg("-s", optarg);
			break;
		case 't':
			secs = num_arg("-t", optarg);
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("nfqd-pcapgen %s\n", NFQD_VERSION);
			return 0;
		case ':':
			usage_error("%s needs an argument", argv[optind - 1]);
		default:
			if (optopt != 0)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (bench != NULL && dir == NULL && optind == argc) {
		if (nconn < 1 || nconn > 10000000 || secs < 1 || secs > 86400)
			usage_error("-n is 1-10000000, -t 1-86400");
		cap_bench(bench, seed, (unsigned)nconn, (unsigned)secs);
		return 0;
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (dir == NULL && bench == NULL)
		usage_error("-o or -b is needed");
	if (dir != NULL && bench != NULL)
		usage_error("-o and -b go one at a time");
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		pg_fatal("%s: %s", dir, strerror(errno));

	cap_campus_day(dir);
	cap_linktypes(dir);
	cap_vlan(dir);
	cap_malformed(dir);
	cap_fragments(dir);
	cap_ipv6_ext(dir);
	cap_midstream(dir);
	cap_retrans(dir);
	cap_timeouts(dir);
	cap_scan(dir);
	cap_detections(dir);
	cap_responses(dir);
	cap_truncated(dir);
	return 0;
}
