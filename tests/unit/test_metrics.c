/*
 * metrics.c and the engine's decision counts behind it: every decision
 * counted once under its direction, action and reason (and the sums are
 * stats.policy.allowed and .blocked); the text for a snapshot (per-queue
 * families, the fast path's engine only where the stats event sums it,
 * each family declared once); metrics_check as nfqd -n runs it.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "engine_fx.h"
#include "sink/metrics.h"

static uint64_t
dec_sum(const struct decisions *d, int action)
{
	uint64_t	 n = 0;

	for (int i = 0; i < 4; i++)
		for (int k = 0; k <= R_COUNT; k++)
			n += d->n[i][action][k];
	return n;
}

/* One connection opened by a SYN from src to dst:25, at t. */
static void
syn(struct fx *f, int64_t t, const char *src, const char *dst)
{
	static uint16_t	 port = 30000;

	tcp(f, t, src, port++, dst, 25, TH_SYN, 0);
}

static void
test_decisions_by_label(void **state)
{
	struct fx		*f = *state;
	const struct decisions	*d;
	const struct stats	*st;
	struct ip_addr		 a = ip(OUT);

	start(f, "summary-threshold = 0\ntransit = block\n");
	syn(f, T0, OUT, "10.20.1.25");		/* in, allowed, exception */
	syn(f, T0 + 1, "10.20.1.25", OUT);	/* out, allowed, exception */
	syn(f, T0 + 2, OUT, "10.20.3.3");	/* in, blocked, no exception */
	syn(f, T0 + 3, OUT, "10.20.3.4");
	syn(f, T0 + 4, "10.20.3.3", OUT);	/* out, blocked, no exception */
	syn(f, T0 + 5, "10.20.7.7", OUT);	/* out, blocked, expired */
	syn(f, T0 + 6, "10.20.8.8", OUT);	/* out, blocked, direction */
	syn(f, T0 + 7, "10.20.3.3", "10.20.1.25");	/* internal */
	syn(f, T0 + 8, OUT, OUT2);		/* transit, blocked */
	engine_fold(f->e, f->pol, &a, D_INBOUND, 5, T0 + 9);
	d = engine_decisions(f->e);
	st = engine_stats(f->e);
	assert_int_equal(d->n[D_INBOUND][A_ALLOWED][R_EXCEPTION], 1);
	assert_int_equal(d->n[D_OUTBOUND][A_ALLOWED][R_EXCEPTION], 1);
	assert_int_equal(d->n[D_INBOUND][A_BLOCKED][R_NO_EXCEPTION], 2);
	assert_int_equal(d->n[D_OUTBOUND][A_BLOCKED][R_NO_EXCEPTION], 1);
	assert_int_equal(d->n[D_OUTBOUND][A_BLOCKED][R_EXCEPTION_EXPIRED], 1);
	assert_int_equal(d->n[D_OUTBOUND][A_BLOCKED][R_EXCEPTION_DIRECTION],
	    1);
	assert_int_equal(d->n[D_INTERNAL][A_ALLOWED][R_INTERNAL], 1);
	assert_int_equal(d->n[D_TRANSIT][A_BLOCKED][R_TRANSIT], 1);
	/* the fast path's drops the ring buffer had no room for */
	assert_int_equal(d->n[D_INBOUND][A_BLOCKED][DEC_UNRECORDED], 5);
	assert_int_equal(dec_sum(d, A_ALLOWED), st->allowed);
	assert_int_equal(dec_sum(d, A_BLOCKED), st->blocked);
	assert_int_equal(st->allowed, 3);
	assert_int_equal(st->blocked, 6 + 5);
	/* one per decision: the connection's later packets add nothing */
	tcp(f, T0 + 10, OUT, 30002, "10.20.3.3", 25, TH_SYN, 0);
	tcp(f, T0 + 11, "10.20.1.25", 25, OUT, 30000, TH_SYN | TH_ACK, 0);
	assert_int_equal(dec_sum(d, A_ALLOWED), 3);
	assert_int_equal(dec_sum(d, A_BLOCKED), 11);
}

/* Random traffic, both modes, flood control on: the sums hold. */
static void
test_decisions_sum(void **state)
{
	static const char *const hosts[] = { "10.20.1.25", "10.20.3.3",
	    "10.20.8.8", "10.20.7.7", OUT, OUT2 };
	static const uint8_t flags[] = { TH_SYN, TH_SYN, TH_SYN | TH_ACK,
	    TH_ACK, TH_FIN | TH_ACK, TH_RST };
	struct fx		*f = *state;
	const struct decisions	*d;
	const struct stats	*st;
	uint32_t		 x = 12345;
	int64_t			 t = T0;

	for (int mode = 0; mode < 2; mode++) {
		start(f, mode ? "mode = monitor\nmax-flows = 16\n" :
		    "max-flows = 16\ntimeout-new = 5\n");
		for (int k = 0; k < 5000; k++) {
			const char	*a, *b;

			x = x * 1103515245 + 12345;
			a = hosts[(x >> 8) % NELEM(hosts)];
			b = hosts[(x >> 16) % NELEM(hosts)];
			if (a == b)
				continue;
			t += 1 + (x >> 24) * 1000;
			tcp(f, t, a, (uint16_t)(40000 + (x >> 4) % 8), b, 25,
			    flags[(x >> 12) % NELEM(flags)], 0);
		}
		engine_flush(f->e, FE_END_OF_CAPTURE);
		d = engine_decisions(f->e);
		st = engine_stats(f->e);
		assert_true(st->allowed > 0 && st->blocked > 0);
		assert_true(st->summarized > 0 || mode == 1);
		assert_int_equal(dec_sum(d, A_ALLOWED), st->allowed);
		assert_int_equal(dec_sum(d, A_BLOCKED), st->blocked);
	}
}

/* ---- the text ---- */

struct snapfx {
	struct stats		 sum;
	struct metrics_part	 parts[3];
	struct sink_stat	 sinks[2];
	struct metrics_state	 state;
	struct metrics_snap	 s;
};

static void
snap_make(struct snapfx *x, bool fastpath)
{
	memset(x, 0, sizeof(*x));
	x->parts[0].queue = 4;
	x->parts[0].st.pkts = 100;
	x->parts[0].st.invalid = 2;
	x->parts[0].st.reopened = 3;
	x->parts[0].st.flows_created = 10;
	x->parts[0].st.flows_closed = 4;
	x->parts[0].st.flows_timeout = 1;
	x->parts[0].dec.n[D_OUTBOUND][A_BLOCKED][R_QUARANTINE] = 6;
	x->parts[0].queue_dropped = 7;
	x->parts[1].queue = 5;
	x->parts[1].st.pkts = 50;
	x->parts[1].ev_dropped = 9;
	x->parts[2].queue = METRICS_KERNEL;
	x->parts[2].st.pkts = 20;
	x->parts[2].st.reopened = 99;	/* not in the stats event's sum */
	x->parts[2].st.flows_created = 20;
	x->parts[2].dec.n[D_INBOUND][A_BLOCKED][DEC_UNRECORDED] = 8;
	snprintf(x->sinks[0].name, sizeof(x->sinks[0].name), "file:/l/e\"ve");
	x->sinks[0].type = "file";
	x->sinks[0].connected = true;
	x->sinks[0].written = 12345678901234ULL;
	snprintf(x->sinks[1].name, sizeof(x->sinks[1].name),
	    "tcp://127.0.0.1:5140");
	x->sinks[1].type = "tcp";
	x->sinks[1].queued = 3;
	x->sum.start_us = INT64_C(1790000000) * 1000000;
	x->sum.fp_mode = fastpath ? FASTPATH_TC : FASTPATH_OFF;
	x->sum.fp_syn = 41;
	snprintf(x->sum.exc_sha256, sizeof(x->sum.exc_sha256), "%064d", 7);
	x->state.reloads[METRICS_SOCKET][0] = 2;
	x->state.reloads[METRICS_SIGHUP][1] = 1;
	x->state.reload_ok = false;
	x->state.reload_us = INT64_C(1790000100) * 1000000 + 250000;
	x->state.quar_started = 4;
	x->state.quar_ended = 3;
	x->s = (struct metrics_snap){
		.ts_us = INT64_C(1790000200) * 1000000 + 1,
		.running = true, .sum = &x->sum, .parts = x->parts,
		.nparts = fastpath ? 3 : 2, .main_dropped = 1,
		.sinks = x->sinks, .nsinks = 2, .mode = MODE_MONITOR,
		.exceptions = 4, .quarantined = 1, .state = &x->state };
}

/* Lines of text that start with prefix. */
static int
lines_with(const char *text, const char *prefix)
{
	const char	*p = text;
	int		 n = 0;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return n;
}

static void
test_format(void **state UNUSED)
{
	static const char *const want[] = {
		"nfqd_info{version=\"" NFQD_VERSION "\",mode=\"monitor\"} 1\n",
		"nfqd_running 1\n",
		"nfqd_start_time_seconds 1790000000.000000\n",
		"nfqd_snapshot_timestamp_seconds 1790000200.000001\n",
		"nfqd_exceptions 4\n",
		"nfqd_exceptions_info{sha256=\"000000000000000000000000000"
		    "0000000000000000000000000000000000007\"} 1\n",
		"nfqd_quarantined_hosts 1\n",
		"nfqd_quarantines_started_total 4\n",
		"nfqd_quarantines_ended_total 3\n",
		"nfqd_reloads_total{source=\"SIGHUP\",result=\"ok\"} 1\n",
		"nfqd_reloads_total{source=\"socket\",result=\"failed\"} 2\n",
		"nfqd_last_reload_success 0\n",
		"nfqd_last_reload_timestamp_seconds 1790000100.250000\n",
		"nfqd_packets_total{queue=\"4\"} 100\n",
		"nfqd_packets_total{queue=\"5\"} 50\n",
		"nfqd_packets_total{queue=\"kernel\"} 20\n",
		"nfqd_undecoded_packets_total{queue=\"4\",kind=\"invalid\"} 2\n",
		"nfqd_undecoded_packets_total{queue=\"5\",kind=\"not_tcp\"} 0\n",
		"nfqd_flows_reused_total{queue=\"4\"} 3\n",
		"nfqd_flows_ended_total{queue=\"4\",end=\"timeout\"} 1\n",
		"nfqd_flows_active{queue=\"4\"} 5\n",
		"nfqd_flows_active{queue=\"kernel\"} 20\n",
		"nfqd_decisions_total{queue=\"4\",direction=\"outbound\","
		    "action=\"blocked\",reason=\"quarantine\"} 6\n",
		"nfqd_decisions_total{queue=\"5\",direction=\"inbound\","
		    "action=\"allowed\",reason=\"exception\"} 0\n",
		"nfqd_decisions_total{queue=\"kernel\",direction=\"inbound\","
		    "action=\"blocked\",reason=\"unrecorded\"} 8\n",
		"nfqd_events_dropped_total{queue=\"5\"} 9\n",
		"nfqd_events_dropped_total{queue=\"main\"} 1\n",
		"nfqd_nfqueue_dropped_packets_total{queue=\"4\"} 7\n",
		"nfqd_fastpath_info{mode=\"tc\"} 1\n",
		"nfqd_fastpath_syns_total 41\n",
		"nfqd_sink_up{sink=\"file:/l/e\\\"ve\",type=\"file\"} 1\n",
		"nfqd_sink_written_events_total{sink=\"file:/l/e\\\"ve\","
		    "type=\"file\"} 12345678901234\n",
		"nfqd_sink_queued_events{sink=\"tcp://127.0.0.1:5140\","
		    "type=\"tcp\"} 3\n",
	};
	struct snapfx		 x;
	struct prom		 p;
	const char		*t, *l;
	char			 name[PROM_NAME_MAX + 16];
	size_t			 len, i;

	snap_make(&x, true);
	prom_init(&p);
	assert_int_equal(metrics_format(&p, &x.s), 0);
	t = prom_text(&p, &len);
	for (i = 0; i < NELEM(want); i++)
		assert_contains(t, want[i]);
	/* the fast path's engine only where the stats event sums it */
	assert_null(strstr(t, "nfqd_flows_reused_total{queue=\"kernel\"}"));
	assert_null(strstr(t, "nfqd_undecoded_packets_total{queue=\"kernel\""));
	assert_null(strstr(t, "nfqd_nfqueue_dropped_packets_total{queue="
	    "\"kernel\"}"));
	/* a decision never counted, and not one of the four: not shown */
	assert_null(strstr(t, "reason=\"harvest-block\""));
	/* every family: HELP then TYPE once, before its samples */
	for (l = t; *l != '\0'; l = strchr(l, '\n') + 1) {
		if (strncmp(l, "# HELP ", 7) == 0) {
			snprintf(name, sizeof(name), "# TYPE %.*s ",
			    (int)strcspn(l + 7, " "), l + 7);
			assert_int_equal(lines_with(t, name), 1);
			assert_int_equal(strncmp(strchr(l, '\n') + 1, name,
			    strlen(name)), 0);
		} else if (l[0] != '#') {
			snprintf(name, sizeof(name), "# TYPE %.*s ",
			    (int)strcspn(l, "{ "), l);
			assert_int_equal(lines_with(t, name), 1);
			assert_true(strstr(t, name) < l);
		}
	}
	assert_int_equal(lines_with(t, "# HELP "), lines_with(t, "# TYPE "));

	/* without the fast path: none of its families, no kernel queue */
	snap_make(&x, false);
	assert_int_equal(metrics_format(&p, &x.s), 0);
	t = prom_text(&p, &len);
	assert_null(strstr(t, "nfqd_fastpath_"));
	assert_null(strstr(t, "queue=\"kernel\""));
	/* written as nfqd stops */
	x.s.running = false;
	assert_int_equal(metrics_format(&p, &x.s), 0);
	assert_contains(prom_text(&p, &len), "\nnfqd_running 0\n");
	prom_free(&p);
}

/* ---- metrics_check ---- */

static void
test_check(void **state UNUSED)
{
	struct tmpdir	 d;
	struct conf	 c;
	char		 err[ERRLEN], sub[MAX_PATH];

	tmpdir_new(&d);
	memset(&c, 0, sizeof(c));
	assert_int_equal(metrics_check(&c, err, sizeof(err)), 0);   /* off */
	snprintf(c.metrics, sizeof(c.metrics), "%s/none/nfqd.prom", d.path);
	assert_int_equal(metrics_check(&c, err, sizeof(err)), -1);
	assert_contains(err, "metrics: folder ");
	assert_contains(err, "/none: No such file or directory");
	/* the file's place taken by a folder */
	snprintf(c.metrics, sizeof(c.metrics), "%s/nfqd.prom", d.path);
	assert_int_equal(metrics_check(&c, err, sizeof(err)), 0);
	assert_int_equal(mkdir(c.metrics, 0755), 0);
	assert_int_equal(metrics_check(&c, err, sizeof(err)), -1);
	assert_contains(err, "nfqd.prom is a folder");
	rmdir(c.metrics);
	/* a file where the folder should be */
	tmpdir_file(&d, "plain", sub);
	write_file(&d, "plain", "x", sub);
	snprintf(c.metrics, sizeof(c.metrics), "%.900s/x.prom", sub);
	assert_int_equal(metrics_check(&c, err, sizeof(err)), -1);
	assert_contains(err, "plain is not a folder");
	/* nfqd's user after the drop: by the folder's mode, owner, group */
	snprintf(c.metrics, sizeof(c.metrics), "%s/nfqd.prom", d.path);
	snprintf(c.user, sizeof(c.user), "nfqdtest");
	c.uid = geteuid() + 4242;
	c.gid = getegid() + 4242;
	assert_int_equal(chmod(d.path, 0755), 0);
	assert_int_equal(metrics_check(&c, err, sizeof(err)), -1);
	assert_contains(err, "is not writable by user nfqdtest");
	assert_int_equal(chmod(d.path, 0777), 0);
	assert_int_equal(metrics_check(&c, err, sizeof(err)), 0);
	if (geteuid() == 0) {		/* chown needs root */
		assert_int_equal(chmod(d.path, 0730), 0);
		assert_int_equal(chown(d.path, 0, c.gid), 0);
		assert_int_equal(metrics_check(&c, err, sizeof(err)), 0);
		/* the owner's bits decide for the owner, as in the kernel */
		assert_int_equal(chown(d.path, c.uid, c.gid), 0);
		assert_int_equal(chmod(d.path, 0570), 0);
		assert_int_equal(metrics_check(&c, err, sizeof(err)), -1);
		assert_int_equal(chmod(d.path, 0700), 0);
		assert_int_equal(metrics_check(&c, err, sizeof(err)), 0);
		chown(d.path, geteuid(), getegid());
	}
	chmod(d.path, 0700);
	tmpdir_rm(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_decisions_by_label, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_decisions_sum, setup,
		    teardown),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
