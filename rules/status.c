/*
 * nfqd-rules status: what is installed, against what the configuration
 * says, as one JSON object; printed as it is (--json) or as text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/defs.h"
#include "rules/nfqd-rules.h"

/* ---- status ---- */

/*
 * status reads what is installed into one JSON object, then prints it as
 * text or, with --json, as it is:
 *
 *	{"config":PATH, "families":[{"family":4, "tool":"iptables",
 *	  "chains":[{"table","chain","state","rules"}],
 *	  "jumps":[{"table","chain","state","rule","of","spec"}],
 *	  "stray_jumps":[{"table","chain","spec"}]}, ...],
 *	 "sets":[{"name","state","elements"}], "sets_error":TEXT,
 *	 "leftover_sets":[NAME...],
 *	 "queues":[{"queue","bound","portid","waiting","copy_range",
 *	  "queue_dropped","user_dropped"}],
 *	 "status":"installed"|"partly installed"|"not installed",
 *	 "smtp":"queued"|"partly filtered"|"not filtered"}
 *
 * A chain's state is "as configured", "not as configured" or "missing"; a
 * jump's "present" or "missing".
 */
static cJSON *
status_obj(cJSON *arr)
{
	cJSON	*o = cJSON_CreateObject();

	if (o != NULL)
		cJSON_AddItemToArray(arr, o);
	return o;
}

static int
status_family(const struct conf *c, int family, cJSON *fams, bool *all,
    bool *none)
{
	struct script	 sc;
	struct saved	 s;
	size_t		 i, k, n, pos;
	bool		 found;
	cJSON		*f, *chains, *jumps, *stray, *o;

	if (script_make(c, family, &sc) == -1)
		return -1;
	if (save_load(family, &s) == -1) {
		free(sc.text);
		return -1;
	}
	f = status_obj(fams);
	cJSON_AddNumberToObject(f, "family", family);
	cJSON_AddStringToObject(f, "tool", family == 4 ? "iptables" :
	    "ip6tables");
	chains = cJSON_AddArrayToObject(f, "chains");
	jumps = cJSON_AddArrayToObject(f, "jumps");
	stray = cJSON_AddArrayToObject(f, "stray_jumps");
	for (size_t t = 0; t < 2; t++)
		for (k = 0; k < NOURS; k++) {
			const char *tb = tables[t], *ch = our_chains[k];

			if ((t == 1) != (k < NFILTER))
				continue;
			o = status_obj(chains);
			cJSON_AddStringToObject(o, "table", tb);
			cJSON_AddStringToObject(o, "chain", ch);
			if (!chain_exists(&s, tb, ch)) {
				cJSON_AddStringToObject(o, "state", "missing");
				*all = false;
				continue;
			}
			*none = false;
			for (i = n = 0; i < s.nr; i++)
				n += strcmp(s.r[i].table, tb) == 0 &&
				    strcmp(s.r[i].chain, ch) == 0;
			if (chain_matches(&sc, &s, tb, ch))
				cJSON_AddStringToObject(o, "state",
				    "as configured");
			else {
				cJSON_AddStringToObject(o, "state",
				    "not as configured");
				*all = false;
			}
			cJSON_AddNumberToObject(o, "rules", (double)n);
		}
	for (k = 0; k < sc.nj; k++) {
		found = false;
		for (i = pos = n = 0; i < s.nr; i++) {
			if (strcmp(s.r[i].table, sc.j[k].table) != 0 ||
			    strcmp(s.r[i].chain, sc.j[k].chain) != 0)
				continue;
			n++;
			if (!found && strcmp(s.r[i].spec, sc.j[k].spec) == 0) {
				found = true;
				pos = n;
			}
		}
		o = status_obj(jumps);
		cJSON_AddStringToObject(o, "table", sc.j[k].table);
		cJSON_AddStringToObject(o, "chain", sc.j[k].chain);
		cJSON_AddStringToObject(o, "state", found ? "present" :
		    "missing");
		if (found) {
			cJSON_AddNumberToObject(o, "rule", (double)pos);
			cJSON_AddNumberToObject(o, "of", (double)n);
			*none = false;
		} else
			*all = false;
		cJSON_AddStringToObject(o, "spec", sc.j[k].spec);
	}
	/* Jumps to our chains that the configuration does not make. */
	for (i = 0; i < s.nr; i++) {
		if (!is_ours(s.r[i].target) || is_ours(s.r[i].chain))
			continue;
		found = false;
		for (k = 0; k < sc.nj; k++)
			found |= strcmp(sc.j[k].table, s.r[i].table) == 0 &&
			    strcmp(sc.j[k].chain, s.r[i].chain) == 0 &&
			    strcmp(sc.j[k].spec, s.r[i].spec) == 0;
		if (!found) {
			o = status_obj(stray);
			cJSON_AddStringToObject(o, "table", s.r[i].table);
			cJSON_AddStringToObject(o, "chain", s.r[i].chain);
			cJSON_AddStringToObject(o, "spec", s.r[i].spec);
			*all = false;
			*none = false;
		}
	}
	saved_free(&s);
	free(sc.text);
	return 0;
}

static void
status_sets(const struct conf *c, cJSON *st, bool *all, bool *none)
{
	const char	*argv[] = { "ipset", "list", "-t", NULL };
	struct out	 o;
	char		 err[ERRLEN], name[64], want[64], *p;
	long		 count;
	cJSON		*sets, *left, *e;

	sets = cJSON_AddArrayToObject(st, "sets");
	left = cJSON_AddArrayToObject(st, "leftover_sets");
	if (run(argv, NULL, &o, err, sizeof(err)) == -1 || o.rc != 0) {
		if (o.err != NULL) {
			size_t n = strlen(o.err);

			while (n > 0 && o.err[n - 1] == '\n')
				n--;
			snprintf(err, sizeof(err), "`ipset list -t` failed "
			    "(exit %d)%s%.*s", o.rc, n ? ": " : "", (int)n,
			    o.err);
		}
		cJSON_AddStringToObject(st, "sets_error", err);
		out_free(&o);
		*all = false;
		return;
	}
	for (int af = 4; af <= 6; af += 2)
		for (int k = 0; k < IPSET_KINDS; k++)
			for (int tmp = 0; tmp < 2; tmp++) {
				snprintf(want, sizeof(want), "%s-%s%d%s",
				    c->ipset_prefix, set_kinds[k], af,
				    tmp ? "-tmp" : "");
				count = -1;
				for (p = o.out; (p = strstr(p, "Name: ")) !=
				    NULL; p++) {
					if (sscanf(p, "Name: %63s", name) != 1 ||
					    strcmp(name, want) != 0)
						continue;
					if ((p = strstr(p, "Number of entries: "))
					    != NULL)
						count = strtol(p + 19, NULL, 10);
					break;
				}
				if (tmp) {
					if (count >= 0)
						cJSON_AddItemToArray(left,
						    cJSON_CreateString(want));
					continue;
				}
				e = status_obj(sets);
				cJSON_AddStringToObject(e, "name", want);
				if (count < 0) {
					cJSON_AddStringToObject(e, "state",
					    "missing");
					*all = false;
				} else {
					cJSON_AddStringToObject(e, "state",
					    "present");
					cJSON_AddNumberToObject(e, "elements",
					    (double)count);
					*none = false;
				}
			}
	out_free(&o);
}

static void
status_queues(const struct conf *c, cJSON *st)
{
	FILE		*f;
	char		 line[256];
	unsigned	 q, portid, total, mode, range, qdrop, udrop, seq;
	bool		 bound;
	cJSON		*qs, *o;

	qs = cJSON_AddArrayToObject(st, "queues");
	for (unsigned i = c->queue_first;
	    i < (unsigned)c->queue_first + c->queue_count; i++) {
		bound = false;
		if ((f = fopen("/proc/net/netfilter/nfnetlink_queue", "r")) !=
		    NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				if (sscanf(line, "%u %u %u %u %u %u %u %u", &q,
				    &portid, &total, &mode, &range, &qdrop,
				    &udrop, &seq) == 8 && q == i) {
					bound = true;
					break;
				}
			fclose(f);
		}
		o = status_obj(qs);
		cJSON_AddNumberToObject(o, "queue", i);
		cJSON_AddBoolToObject(o, "bound", bound);
		if (!bound)
			continue;
		cJSON_AddNumberToObject(o, "portid", portid);
		cJSON_AddNumberToObject(o, "waiting", total);
		cJSON_AddNumberToObject(o, "copy_range", range);
		cJSON_AddNumberToObject(o, "queue_dropped", qdrop);
		cJSON_AddNumberToObject(o, "user_dropped", udrop);
	}
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double
jnum(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The model as the lines an engineer reads. */
static void
status_text(const cJSON *st)
{
	const cJSON	*f, *o, *a;
	const char	*path = jstr(st, "config"), *state, *smtp;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(st, "families")) {
		printf("IPv%.0f (%s):\n", jnum(f, "family"), jstr(f, "tool"));
		cJSON_ArrayForEach(o, cJSON_GetObjectItem(f, "chains")) {
			state = jstr(o, "state");
			if (strcmp(state, "missing") == 0)
				printf("  chain %s %s: missing\n",
				    jstr(o, "table"), jstr(o, "chain"));
			else if (strcmp(state, "as configured") == 0)
				printf("  chain %s %s: %.0f rules, as "
				    "configured\n", jstr(o, "table"),
				    jstr(o, "chain"), jnum(o, "rules"));
			else
				printf("  chain %s %s: %.0f rules, NOT as "
				    "configured in %s (run install)\n",
				    jstr(o, "table"), jstr(o, "chain"),
				    jnum(o, "rules"), path);
		}
		cJSON_ArrayForEach(o, cJSON_GetObjectItem(f, "jumps")) {
			if (strcmp(jstr(o, "state"), "present") == 0)
				printf("  jump %s %s rule %.0f of %.0f: %s\n",
				    jstr(o, "table"), jstr(o, "chain"),
				    jnum(o, "rule"), jnum(o, "of"),
				    jstr(o, "spec"));
			else
				printf("  jump %s %s: missing: %s\n",
				    jstr(o, "table"), jstr(o, "chain"),
				    jstr(o, "spec"));
		}
		cJSON_ArrayForEach(o, cJSON_GetObjectItem(f, "stray_jumps"))
			printf("  stray jump %s %s: %s (install or remove "
			    "deletes it)\n", jstr(o, "table"),
			    jstr(o, "chain"), jstr(o, "spec"));
	}
	printf("ipsets:\n");
	if ((a = cJSON_GetObjectItem(st, "sets_error")) != NULL)
		printf("  %s\n", a->valuestring);
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(st, "sets")) {
		if (strcmp(jstr(o, "state"), "missing") == 0)
			printf("  %s: missing\n", jstr(o, "name"));
		else
			printf("  %s: %.0f element%s\n", jstr(o, "name"),
			    jnum(o, "elements"), jnum(o, "elements") == 1 ?
			    "" : "s");
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(st, "leftover_sets"))
		printf("  %s: left over from an interrupted update (remove "
		    "or the next update deletes it)\n", o->valuestring);
	smtp = jstr(st, "smtp");
	printf("queues (/proc/net/netfilter/nfnetlink_queue):\n");
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(st, "queues")) {
		if (cJSON_IsTrue(cJSON_GetObjectItem(o, "bound")))
			printf("  queue %.0f: bound (portid %.0f), %.0f "
			    "waiting, copy range %.0f, queue_dropped %.0f, "
			    "user_dropped %.0f%s\n", jnum(o, "queue"),
			    jnum(o, "portid"), jnum(o, "waiting"),
			    jnum(o, "copy_range"), jnum(o, "queue_dropped"),
			    jnum(o, "user_dropped"),
			    strcmp(smtp, "not filtered") == 0 ? "; but no "
			    "rule of nfqd's sends it packets" : "");
		else if (strcmp(smtp, "queued") == 0)
			printf("  queue %.0f: not bound: no nfqd on it, its "
			    "packets go to NFQD-DEGRADED\n", jnum(o, "queue"));
		else if (strcmp(smtp, "not filtered") == 0)
			printf("  queue %.0f: not bound, and no rule of "
			    "nfqd's sends it packets\n", jnum(o, "queue"));
		else
			printf("  queue %.0f: not bound: no nfqd on it; its "
			    "packets go to NFQD-DEGRADED only where the rules "
			    "above are in place\n", jnum(o, "queue"));
	}
	state = jstr(st, "status");
	if (strcmp(smtp, "not filtered") == 0)
		printf("status: %s: SMTP-port traffic through this router is "
		    "not filtered by nfqd\n", state);
	else if (strcmp(smtp, "partly filtered") == 0)
		printf("status: %s: some SMTP-port traffic may not be "
		    "filtered as configured (run install)\n", state);
	else
		printf("status: %s\n", state);
}

int
cmd_status(const struct conf *c, bool json)
{
	bool	 all = true, none = true;
	cJSON	*st, *fams;
	char	*text;
	int	 rc;

	if ((st = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(st, "config", c->path) == NULL ||
	    (fams = cJSON_AddArrayToObject(st, "families")) == NULL) {
		fprintf(stderr, "nfqd-rules: out of memory\n");
		cJSON_Delete(st);
		return 1;
	}
	if (status_family(c, 4, fams, &all, &none) == -1 ||
	    status_family(c, 6, fams, &all, &none) == -1) {
		cJSON_Delete(st);
		return 1;
	}
	status_sets(c, st, &all, &none);
	status_queues(c, st);
	cJSON_AddStringToObject(st, "status", all ? "installed" : none ?
	    "not installed" : "partly installed");
	cJSON_AddStringToObject(st, "smtp", all ? "queued" : none ?
	    "not filtered" : "partly filtered");
	rc = all ? 0 : 1;
	if (!json)
		status_text(st);
	else if ((text = cJSON_PrintUnformatted(st)) != NULL) {
		printf("%s\n", text);
		free(text);
	} else {
		fprintf(stderr, "nfqd-rules: out of memory\n");
		rc = 1;
	}
	cJSON_Delete(st);
	return rc;
}
