/*
 * nfqctl: the network team's tool for the exception list (add, remove,
 * list, check, import, export through excedit.c), the helpdesk's
 * question "what does the policy do with this connection, and why", and
 * the running daemon's control socket (ctl.c): reload after an edit,
 * status, flows, what is in force, quarantine.
 *
 * Data (tables, JSON, test results) goes to stdout; everything said to
 * the user goes to stderr, starting with "nfqctl: ", or with "warning: "
 * for a warning (as nfqd -n writes them).  Exit 0: done, 1: refused or
 * failed (a warning with --strict), 2: usage or configuration error.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqctl/nfqctl.h"
#include "base/addr.h"

struct conf	 conf;

static const struct option longopts[] = {
	{ "config",	required_argument,	NULL, 'c' },
	{ "no-reload",	no_argument,		NULL, 256 + OPT_NO_RELOAD },
	{ "direction",	required_argument,	NULL, 256 + OPT_DIRECTION },
	{ "ticket",	required_argument,	NULL, 256 + OPT_TICKET },
	{ "owner",	required_argument,	NULL, 256 + OPT_OWNER },
	{ "expires",	required_argument,	NULL, 256 + OPT_EXPIRES },
	{ "comment",	required_argument,	NULL, 256 + OPT_COMMENT },
	{ "json",	no_argument,		NULL, 256 + OPT_JSON },
	{ "expired",	no_argument,		NULL, 256 + OPT_EXPIRED },
	{ "expiring",	required_argument,	NULL, 256 + OPT_EXPIRING },
	{ "for",	required_argument,	NULL, 256 + OPT_FOR },
	{ "reason",	required_argument,	NULL, 256 + OPT_REASON },
	{ "limit",	required_argument,	NULL, 256 + OPT_LIMIT },
	{ "since",	required_argument,	NULL, 256 + OPT_SINCE },
	{ "socket",	required_argument,	NULL, 256 + OPT_SOCKET },
	{ "strict",	no_argument,		NULL, 256 + OPT_STRICT },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct cmd {
	const char	*w1, *w2;	/* "exception", "add"; w2 NULL */
	int		 minpos, maxpos;
	unsigned	 opts;		/* allowed besides -c, -h */
	int		(*fn)(const struct args *);
	const char	*synopsis;
};

static void __attribute__((format(printf, 1, 0)))
vsay(const char *fmt, va_list ap)
{
	fputs("nfqctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static const char usage_text[] =
    "usage: nfqctl [-c CONF] exception add ADDR[/LEN] "
    "--direction inbound|outbound|both\n"
    "                  --ticket T --owner O [--expires YYYY-MM-DD] "
    "[--comment TEXT] [--no-reload]\n"
    "       nfqctl [-c CONF] exception set ADDR[/LEN] [--expires DATE|never] "
    "[--ticket T]\n"
    "                  [--owner O] [--direction D] [--comment TEXT] "
    "[--no-reload]\n"
    "       nfqctl [-c CONF] exception remove ADDR[/LEN] [--ticket T] "
    "[--no-reload]\n"
    "       nfqctl exception add|remove ... --socket PATH --socket PATH "
    "...\n"
    "       nfqctl [-c CONF] exception list [--json] [--expired] "
    "[--expiring DAYS]\n"
    "       nfqctl [-c CONF] exception check [FILE] [--strict]\n"
    "       nfqctl [-c CONF] exception import --json FILE|- "
    "[--no-reload]\n"
    "       nfqctl [-c CONF] exception export --json\n"
    "       nfqctl [-c CONF] test SRC DST [PORT] [--json]\n"
    "       nfqctl [-c CONF] status [--json] | reload\n"
    "       nfqctl status --socket PATH --socket PATH ... [--json]\n"
    "       nfqctl [-c CONF] flows [HOST] [--limit N] [--json]\n"
    "       nfqctl [-c CONF] exceptions [HOST] [--limit N] [--json]\n"
    "       nfqctl [-c CONF] quarantine add HOST --for DURATION "
    "--reason TEXT\n"
    "       nfqctl [-c CONF] quarantine remove HOST\n"
    "       nfqctl [-c CONF] quarantine list [--json]\n"
    "       nfqctl [-c CONF] census [--since DAYS] [--json]\n"
    "       nfqctl -h | --help | -V | --version\n"
    "  -c, --config CONF   configuration file (default " DEFAULT_CONF ")\n"
    "  --no-reload         edit the file only; do not ask the daemon to "
    "reload\n"
    "  --socket PATH       a daemon's control socket (repeatable): status "
    "side by side,\n"
    "                      or the edit made by each daemon on its own "
    "list\n"
    "  --strict            exception check: a warning fails the check "
    "(exit 1)\n"
    "  --json              the answer as JSON, where there is a table\n";

static const struct cmd	*cur;		/* the command, once known */

/* A usage error: the problem, then the command's synopsis; exit 2. */
void __attribute__((noreturn, format(printf, 1, 2)))
usage_exit(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	if (cur != NULL)
		fprintf(stderr, "nfqctl: usage: nfqctl [-c CONF] %s\n",
		    cur->synopsis);
	else
		fputs(usage_text, stderr);
	exit(EX_USAGE);
}

int
load_conf(const struct args *a)
{
	char	 err[ERRLEN];

	if (conf_load(a->config, &conf, err, sizeof(err)) == -1) {
		say("%s", err);
		return -1;
	}
	return 0;
}

/* ---- main ---- */

#define EDIT	B(OPT_NO_RELOAD)

static const struct cmd cmds[] = {
	{ "exception", "add", 1, 1, EDIT | B(OPT_DIRECTION) | B(OPT_TICKET) |
	    B(OPT_OWNER) | B(OPT_EXPIRES) | B(OPT_COMMENT) | B(OPT_SOCKET),
	    cmd_add,
	    "exception add ADDR[/LEN] --direction inbound|outbound|both "
	    "--ticket T --owner O [--expires YYYY-MM-DD] [--comment TEXT] "
	    "[--no-reload | --socket PATH ...]" },
	{ "exception", "set", 1, 1, EDIT | B(OPT_DIRECTION) | B(OPT_TICKET) |
	    B(OPT_OWNER) | B(OPT_EXPIRES) | B(OPT_COMMENT), cmd_set,
	    "exception set ADDR[/LEN] [--expires YYYY-MM-DD|never] "
	    "[--ticket T] [--owner O] [--direction D] [--comment TEXT] "
	    "[--no-reload]" },
	{ "exception", "remove", 1, 1, EDIT | B(OPT_TICKET) | B(OPT_SOCKET),
	    cmd_remove,
	    "exception remove ADDR[/LEN] [--ticket T] "
	    "[--no-reload | --socket PATH ...]" },
	{ "exception", "list", 0, 0, B(OPT_JSON) | B(OPT_EXPIRED) |
	    B(OPT_EXPIRING), cmd_list,
	    "exception list [--json] [--expired] [--expiring DAYS]" },
	{ "exception", "check", 0, 1, B(OPT_STRICT), cmd_check,
	    "exception check [FILE] [--strict]" },
	{ "exception", "import", 1, 1, EDIT | B(OPT_JSON), cmd_import,
	    "exception import --json FILE|- [--no-reload]" },
	{ "exception", "export", 0, 0, B(OPT_JSON), cmd_export,
	    "exception export --json" },
	{ "test", NULL, 2, 3, B(OPT_JSON), cmd_test,
	    "test SRC DST [PORT] [--json]" },
	{ "status", NULL, 0, 0, B(OPT_SOCKET) | B(OPT_JSON), cmd_status,
	    "status [--socket PATH ...] [--json]" },
	{ "reload", NULL, 0, 0, B(OPT_JSON), cmd_reload, "reload [--json]" },
	{ "flows", NULL, 0, 1, B(OPT_LIMIT) | B(OPT_JSON), cmd_flows,
	    "flows [HOST] [--limit N] [--json]" },
	{ "exceptions", NULL, 0, 1, B(OPT_LIMIT) | B(OPT_JSON), cmd_exceptions,
	    "exceptions [HOST] [--limit N] [--json]" },
	{ "quarantine", "add", 1, 1, B(OPT_FOR) | B(OPT_REASON), cmd_quar_add,
	    "quarantine add HOST --for DURATION --reason TEXT" },
	{ "quarantine", "remove", 1, 1, 0, cmd_quar_remove,
	    "quarantine remove HOST" },
	{ "quarantine", "list", 0, 0, B(OPT_JSON), cmd_quar_list,
	    "quarantine list [--json]" },
	{ "census", NULL, 0, 0, B(OPT_JSON) | B(OPT_SINCE), cmd_census,
	    "census [--since DAYS] [--json]" },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

/* Letters and dashes only: a command's word, never an address. */
static bool
is_word(const char *s)
{
	struct ip_addr	 a;

	if (s[0] == '\0' || addr_parse(s, &a) == 0)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    *s == '-'))
			return false;
	return true;
}

static const char *
opt_name(int o)
{
	const struct option	*l;

	for (l = longopts; l->name != NULL; l++)
		if (l->val == 256 + o)
			return l->name;
	return "?";
}

/* One option (getopt_long's ch, its argument) into a. */
static void
opt_take(struct args *a, int ch, const char *arg, const char *given)
{
	int	 o;

	switch (ch) {
	case 'c':
		a->config = arg;
		return;
	case ':':
		usage_exit("%s needs a value", given);
	case '?':
		usage_exit("unknown option '%s'", given);
	}
	o = ch - 256;
	if (o == OPT_SOCKET) {		/* may repeat */
		if (a->nsocks == MAXSOCKS)
			usage_exit("at most %d --socket", MAXSOCKS);
		a->socks[a->nsocks++] = arg;
		a->seen |= B(o);
		return;
	}
	if (a->seen & B(o))
		usage_exit("--%s given twice", opt_name(o));
	a->seen |= B(o);
	a->val[o] = arg;
}

/*
 * The command line: options anywhere ("+": no reordering, so this works
 * the same under POSIXLY_CORRECT) into a, the other words in order into
 * words.  Returns how many words, or -1 after -h or -V (said).
 */
static int
args_read(int argc, char **argv, struct args *a, const char **words)
{
	int	 ch, nw = 0, last;

	opterr = 0;
	for (;;) {
		last = optind;
		ch = getopt_long(argc, argv, "+:c:hV", longopts, NULL);
		if (ch == 'h' || ch == 'V') {
			if (ch == 'h')
				fputs(usage_text, stdout);
			else
				printf("nfqctl %s\n", NFQD_VERSION);
			return -1;
		}
		if (ch != -1) {
			opt_take(a, ch, optarg, argv[last]);
			continue;
		}
		if (optind >= argc)
			break;
		if (optind == last + 1 && strcmp(argv[last], "--") == 0) {
			while (optind < argc && nw < MAXPOS + 2)
				words[nw++] = argv[optind++];
			break;
		}
		if (nw == MAXPOS + 2)
			usage_exit("too many arguments");
		words[nw++] = argv[optind++];
	}
	return nw;
}

/* The command the first words name; exit 2 when none does. */
static const struct cmd *
cmd_find(const char **words, int nw)
{
	const struct cmd	*c;
	bool			 exc = strcmp(words[0], "exception") == 0;
	bool			 quar = strcmp(words[0], "quarantine") == 0;

	for (c = cmds; c < cmds + NCMDS; c++)
		if (strcmp(words[0], c->w1) == 0 && (c->w2 == NULL ||
		    (nw > 1 && strcmp(words[1], c->w2) == 0)))
			break;
	if (c == cmds + NCMDS) {
		if (exc && nw == 1)
			usage_exit("exception needs a command: add, remove, "
			    "list, check, import or export");
		if (quar && nw == 1)
			usage_exit("quarantine needs a command: add, remove or "
			    "list");
		if (exc || quar)
			usage_exit("unknown command '%s %s'", words[0],
			    words[1]);
		usage_exit("unknown command '%s'", words[0]);
	}
	/*
	 * A command of one word takes addresses and ports, never a word:
	 * "exceptions list" is a mistyped command, not a bad address.
	 */
	if (c->w2 == NULL && nw > 1 && is_word(words[1]))
		usage_exit("unknown command '%s %s'%s%s%s", words[0], words[1],
		    strcmp(words[0], "exceptions") == 0 ? " (did you mean "
		    "'exception " : "", strcmp(words[0], "exceptions") == 0 ?
		    words[1] : "", strcmp(words[0], "exceptions") == 0 ? "'?)" :
		    "");
	return c;
}

int
main(int argc, char **argv)
{
	struct args		 a;
	const char		*words[MAXPOS + 2];
	const struct cmd	*c;
	int			 nw, o, i;

	memset(&a, 0, sizeof(a));
	if ((nw = args_read(argc, argv, &a, words)) == -1)
		return EX_OK;
	if (nw == 0) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	cur = c = cmd_find(words, nw);
	for (i = c->w2 == NULL ? 1 : 2; i < nw; i++)
		a.pos[a.npos++] = words[i];
	if (a.npos < c->minpos || a.npos > c->maxpos)
		usage_exit("wrong number of arguments");
	for (o = 0; o < NOPTS; o++)
		if ((a.seen & B(o)) && !(c->opts & B(o)))
			usage_exit("--%s is not an option of '%s%s%s'",
			    opt_name(o), c->w1, c->w2 ? " " : "",
			    c->w2 ? c->w2 : "");
	/* exception check FILE may run without a configuration. */
	if (a.config == NULL && !(c->fn == cmd_check && a.npos == 1))
		a.config = DEFAULT_CONF;
	return c->fn(&a);
}
