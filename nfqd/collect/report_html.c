/*
 * nfqd-collect report --html: one self-contained page.  Inline CSS, SVG
 * charts drawn here, no script, nothing fetched: it opens the same on a
 * laptop without a network and prints on A4 landscape.  Every chart has
 * a <title> and <desc>, and its numbers in a table beside it.
 *
 * Charts: daily connections by direction and action (allowed, blocked,
 * would be blocked in monitor mode; days without data hatched), an
 * hour x day heat map of refused outbound attempts, the campus hosts
 * with the most refused attempts, and a timeline of the alerts with the
 * quarantines and harvest blocks beside them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/defs.h"
#include "base/when.h"
#include "base/addr.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "collect/collect.h"
#include "collect/report.h"

/* Okabe-Ito: told apart with every common colour-vision deficiency. */
#define C_ALLOWED	"#0072b2"
#define C_BLOCKED	"#d55e00"
#define C_WOULD		"#e69f00"
#define C_NODATA	"#bbbbbb"
#define C_GRID		"#dddddd"
#define C_TEXT		"#222222"

/* Heat map: refused attempts in six steps, light to dark. */
static const char *const heat[] = { "#fee6ce", "#fdd0a2", "#fdae6b",
    "#fd8d3c", "#e6550d", "#a63603" };
#define NHEAT	6

/* Alerts drawn and listed: past this the page says how many more, and
 * --csv alerts lists every one. */
#define PAGE_ALERTS	2000

static const char css[] =
"body{font-family:'DejaVu Sans',Verdana,sans-serif;color:#222;margin:1.5em;"
"max-width:72em;font-size:14px;line-height:1.35}"
"h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .4em;"
"border-bottom:1px solid #ccc;padding-bottom:.15em}"
".meta{color:#555;margin:.2em 0}.warn{color:#a63603;font-weight:bold}"
"dl.figs{display:flex;flex-wrap:wrap;gap:.6em;margin:1em 0}"
"dl.figs div{border:1px solid #ccc;border-radius:4px;padding:.4em .8em;"
"min-width:8.5em}dl.figs dt{font-size:.8em;color:#555}"
"dl.figs dd{margin:0;font-size:1.5em;font-weight:bold}"
".row{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}"
".row figure{flex:0 1 470px}figure{margin:0 0 1em}figcaption{font-size:.85em;color:#444;"
"max-width:44em}svg{max-width:100%;height:auto}"
"svg text{font-family:'DejaVu Sans',Verdana,sans-serif;fill:#222}"
"table{border-collapse:collapse;font-size:.85em;margin:.3em 0 1em}"
"th,td{border:1px solid #ccc;padding:.15em .45em;text-align:left;"
"vertical-align:top}td.t{white-space:nowrap}td.n,th.n{text-align:right;"
"font-variant-numeric:tabular-nums}th{background:#f2f2f2}"
"tr.nodata td{color:#888;font-style:italic}"
"code,.ip{font-family:'DejaVu Sans Mono',monospace;font-size:.95em}"
".key{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;"
"margin:0 .25em 0 .8em;border:1px solid #888}"
"@media print{@page{size:A4 landscape;margin:10mm}"
"body{margin:0;max-width:none;font-size:9pt}"
"h2{break-after:avoid}figure,table,dl.figs{break-inside:avoid}"
"section{break-inside:auto}tr{break-inside:avoid}"
"a{color:inherit;text-decoration:none}}";

/* ---- writing ---- */

static FILE	*out;
static int	 werr;

static void __attribute__((format(printf, 1, 2)))
w(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	if (vfprintf(out, fmt, ap) < 0)
		werr = 1;
	va_end(ap);
}

/* Text from the events, escaped for HTML and SVG alike. */
static void
esc(const char *s)
{
	if (s == NULL)
		s = "-";
	for (; *s; s++)
		switch (*s) {
		case '&': w("&amp;"); break;
		case '<': w("&lt;"); break;
		case '>': w("&gt;"); break;
		case '"': w("&quot;"); break;
		case '\'': w("&#39;"); break;
		default:
			/* control characters have no place in a page */
			if ((unsigned char)*s < 0x20 && *s != '\t')
				w("\xef\xbf\xbd");
			else if (fputc(*s, out) == EOF)
				werr = 1;
		}
}

static const char *
day_str(int64_t day, char *buf, size_t len)
{
	day_format(day, buf, len);
	return buf;
}

static uint64_t
nice_max(uint64_t v)
{
	uint64_t	 p = 1;

	if (v <= 4)
		return 4;
	while (p <= v / 10)
		p *= 10;
	for (;;) {
		if (p >= v)
			return p;
		if (2 * p >= v)
			return 2 * p;
		if (5 * p >= v)
			return 5 * p;
		p *= 10;
	}
}

/* "2026-09-21T08:05:00..." as seconds since 1970, or -1. */
static int64_t
ts_secs(const char *ts)
{
	const char	*end;
	int64_t		 t;

	if (ts == NULL || when_parse(ts, &t, &end) == -1 || end - ts != 19)
		return -1;
	return t;
}

static void
svg_open(const char *id, int width, int height, const char *title,
    const char *desc)
{
	w("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-labelledby=\"%s-t %s-d\"><title id=\"%s-t\">", id, width,
	    height, width, height, id, id, id);
	esc(title);
	w("</title><desc id=\"%s-d\">", id);
	esc(desc);
	w("</desc><defs><pattern id=\"%s-hatch\" width=\"6\" height=\"6\" "
	    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	    "<rect width=\"6\" height=\"6\" fill=\"#f4f4f4\"/><line x1=\"0\" "
	    "y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"" C_NODATA "\" "
	    "stroke-width=\"3\"/></pattern><pattern id=\"%s-would\" "
	    "width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" "
	    "patternTransform=\"rotate(45)\"><rect width=\"5\" height=\"5\" "
	    "fill=\"" C_WOULD "\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" "
	    "stroke=\"#ffffff\" stroke-width=\"1.5\"/></pattern></defs>",
	    id, id);
}

/* ---- the head of the page ---- */

static void
page_head(const struct report *r, const struct rpt_view *v)
{
	char	 a[16], b[16];
	uint64_t refused = 0, would = 0, conns = 0;
	size_t	 nq = 0, nh = 0;

	for (int d = 0; d < RPT_DIRS; d++) {
		conns += v->total[d][0] + v->total[d][1] + v->total[d][2];
		refused += v->total[d][RC_BLOCKED];
		would += v->total[d][RC_WOULD];
	}
	for (size_t i = 0; i < r->nresps; i++)
		r->resps[i].harvest ? nh++ : nq++;
	w("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<meta name=\"generator\" content=\"nfqd-collect %s\">"
	    "<title>SMTP policy report: ", NFQD_VERSION);
	if (r->ndays > 0)
		w("%s to %s", day_str(r->first, a, sizeof(a)),
		    day_str(r->last, b, sizeof(b)));
	else
		w("no events");
	w("</title><style>%s</style></head>\n<body>\n<header>"
	    "<h1>SMTP policy report</h1><p class=\"meta\">", css);
	if (r->ndays > 0)
		w("<span id=\"period\">%s to %s</span>, %zu days (UTC). ",
		    day_str(r->first, a, sizeof(a)),
		    day_str(r->last, b, sizeof(b)), r->ndays);
	w("Events from <code>");
	esc(r->dir);
	w("</code>: %llu events in %zu files (%zu gzipped), %zu routers.",
	    (unsigned long long)r->events, r->nfiles, v->ngz, v->nrouters);
	w("</p>");
	if (r->bad > 0)
		w("<p class=\"warn\" id=\"unreadable\">%llu unreadable lines "
		    "were left out.</p>", (unsigned long long)r->bad);
	for (size_t i = 0; i < r->nfiles; i++)
		if (r->files[i].error != NULL) {
			w("<p class=\"warn notread\">Not read whole: <code>");
			esc(r->files[i].path);
			w("</code>: ");
			esc(r->files[i].error);
			w("</p>");
		}
	for (size_t i = 0; i < r->nskipped; i++) {
		w("<p class=\"warn notread\">Not read (plain or .gz only): "
		    "<code>");
		esc(r->skipped[i]);
		w("</code></p>");
	}
	w("</header>\n<section id=\"figures\"><h2>In figures</h2>"
	    "<dl class=\"figs\">");
	w("<div><dt>connections decided</dt><dd data-k=\"connections\">%llu"
	    "</dd></div>", (unsigned long long)conns);
	w("<div><dt>blocked</dt><dd data-k=\"blocked\">%llu</dd></div>",
	    (unsigned long long)refused);
	w("<div><dt>would be blocked (monitor)</dt><dd data-k=\"would\">"
	    "%llu</dd></div>", (unsigned long long)would);
	w("<div><dt>alerts</dt><dd data-k=\"alerts\">%zu</dd></div>",
	    r->nalerts);
	w("<div><dt>quarantines</dt><dd data-k=\"quarantines\">%zu</dd>"
	    "</div>", nq);
	w("<div><dt>harvest blocks</dt><dd data-k=\"harvest_blocks\">%zu"
	    "</dd></div>", nh);
	w("<div><dt>days without data</dt><dd data-k=\"nodata\">%zu</dd>"
	    "</div>", v->nodata);
	w("</dl></section>\n");
}

/* ---- daily connections ---- */

static void
chart_daily(const struct report *r, int dir)
{
	const int	 W = 470, H = 210, ml = 52, mr = 10, mt = 30, mb = 40;
	char		 id[32], title[96], desc[256], a[16];
	uint64_t	 max = 0, tot[RC_N] = { 0, 0, 0 };
	double		 bw, x, y, hgt, sc;
	size_t		 i, every;

	for (i = 0; i < r->ndays; i++) {
		const uint64_t *n = r->days[i].n[dir];

		if (n[0] + n[1] + n[2] > max)
			max = n[0] + n[1] + n[2];
		for (int c = 0; c < RC_N; c++)
			tot[c] += n[c];
	}
	max = nice_max(max);
	snprintf(id, sizeof(id), "daily-%s", rv_direction_name(dir));
	snprintf(title, sizeof(title), "%s connections per day",
	    rv_direction_name(dir));
	snprintf(desc, sizeof(desc), "Stacked bars, one per day: %llu "
	    "allowed, %llu blocked, %llu would be blocked (monitor mode) over "
	    "the period; hatched grey: a day without data. The numbers are in "
	    "the table of daily connections.",
	    (unsigned long long)tot[0], (unsigned long long)tot[1],
	    (unsigned long long)tot[2]);
	w("<figure>");
	svg_open(id, W, H, title, desc);
	sc = (double)(H - mt - mb) / (double)max;
	for (int g = 0; g <= 4; g++) {
		y = H - mb - (double)g * (H - mt - mb) / 4;
		w("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
		    "stroke=\"" C_GRID "\"/><text x=\"%d\" y=\"%.1f\" "
		    "font-size=\"11\" text-anchor=\"end\">%llu</text>", ml, y,
		    W - mr, y, ml - 6, y + 4,
		    (unsigned long long)(max * (uint64_t)g / 4));
	}
	bw = (double)(W - ml - mr) / (double)(r->ndays ? r->ndays : 1);
	every = r->ndays / 12 + 1;
	for (i = 0; i < r->ndays; i++) {
		const struct rpt_day	*d = &r->days[i];
		static const char *const fill[RC_N] = { C_ALLOWED, C_BLOCKED,
		    NULL };
		static const char *const what[RC_N] = { "allowed", "blocked",
		    "would be blocked" };

		x = ml + bw * (double)i;
		day_str(d->day, a, sizeof(a));
		if (rpt_day_empty(d)) {
			w("<rect class=\"nodata\" x=\"%.1f\" y=\"%d\" "
			    "width=\"%.1f\" height=\"%d\" fill=\"url(#%s-hatch)"
			    "\"><title>%s: no data</title></rect>", x + bw * 0.1,
			    mt, bw * 0.8, H - mt - mb, id, a);
		}
		y = H - mb;
		for (int c = 0; c < RC_N; c++) {
			if (d->n[dir][c] == 0)
				continue;
			hgt = (double)d->n[dir][c] * sc;
			y -= hgt;
			w("<rect class=\"bar-%d\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" fill=\"", c,
			    x + bw * 0.1, y, bw * 0.8, hgt);
			if (fill[c] != NULL)
				w("%s", fill[c]);
			else
				w("url(#%s-would)", id);
			w("\"><title>%s %s: %llu %s</title></rect>", a,
			    rv_direction_name(dir),
			    (unsigned long long)d->n[dir][c], what[c]);
		}
		if (i % every == 0)
			w("<text x=\"%.1f\" y=\"%d\" font-size=\"10\" "
			    "text-anchor=\"middle\">%.5s</text>", x + bw / 2,
			    H - mb + 14, a + 5);
	}
	w("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>",
	    ml, H - mb, W - mr, H - mb);
	w("<text x=\"%d\" y=\"16\" font-size=\"14\" font-weight=\"bold\">%s"
	    "</text><text x=\"%d\" y=\"16\" font-size=\"11\" "
	    "text-anchor=\"end\">connections a day</text>", 4,
	    rv_direction_name(dir), W - mr);
	w("</svg><figcaption>%s: ", rv_direction_name(dir));
	w("<span class=\"key\" style=\"background:" C_ALLOWED "\"></span>"
	    "allowed %llu", (unsigned long long)tot[0]);
	w("<span class=\"key\" style=\"background:" C_BLOCKED "\"></span>"
	    "blocked %llu", (unsigned long long)tot[1]);
	w("<span class=\"key\" style=\"background:repeating-linear-gradient("
	    "45deg," C_WOULD " 0 3px,#fff 3px 4px)\"></span>would be blocked "
	    "(monitor) %llu", (unsigned long long)tot[2]);
	w("<span class=\"key\" style=\"background:repeating-linear-gradient("
	    "45deg," C_NODATA " 0 3px,#f4f4f4 3px 6px)\"></span>no data"
	    "</figcaption></figure>");
}

static void
section_daily(const struct report *r, const struct rpt_view *v)
{
	char	 a[16];
	static const char *const modes_note =
	    "Monitor days decide as enforce days do but block nothing: "
	    "their refusals are <em>would be blocked</em>.";

	w("<section id=\"daily\"><h2>Daily connections by direction and "
	    "action</h2><p>%s Flood-control summaries are counted in.</p>"
	    "<div class=\"row\">", modes_note);
	for (int d = 0; d < RPT_DIRS; d++)
		if (v->total[d][0] + v->total[d][1] + v->total[d][2] > 0 ||
		    d < 2)
			chart_daily(r, d);
	w("</div><table id=\"t-days\"><caption>Daily connections (a: "
	    "allowed, b: blocked, w: would be blocked)</caption><thead><tr>"
	    "<th rowspan=\"2\">day</th><th rowspan=\"2\">mode</th>"
	    "<th rowspan=\"2\" class=\"n\">events</th>");
	for (int d = 0; d < RPT_DIRS; d++)
		w("<th colspan=\"3\">%s</th>", rv_direction_name(d));
	w("</tr><tr>");
	for (int d = 0; d < RPT_DIRS; d++)
		w("<th class=\"n\">a</th><th class=\"n\">b</th>"
		    "<th class=\"n\">w</th>");
	w("</tr></thead><tbody>");
	for (size_t i = 0; i < r->ndays; i++) {
		const struct rpt_day *d = &r->days[i];

		day_str(d->day, a, sizeof(a));
		w("<tr data-day=\"%s\"%s><td>%s</td><td>", a,
		    rpt_day_empty(d) ? " class=\"nodata\"" : "", a);
		if (rpt_day_empty(d))
			w("no data</td><td class=\"n\">0</td>"
			    "<td colspan=\"12\">no event from any router"
			    "</td></tr>");
		else {
			w("%s</td><td class=\"n\">%llu</td>",
			    d->modes == MODE_MONITOR ? "monitor" :
			    d->modes == MODE_ENFORCE ? "enforce" :
			    d->modes ? "mixed" : "-",
			    (unsigned long long)d->events);
			for (int k = 0; k < RPT_DIRS; k++)
				for (int c = 0; c < RC_N; c++)
					w("<td class=\"n\">%llu</td>",
					    (unsigned long long)d->n[k][c]);
			w("</tr>");
		}
	}
	w("</tbody><tfoot><tr data-day=\"total\"><th>total</th><th></th>"
	    "<th class=\"n\">%llu</th>", (unsigned long long)r->events);
	for (int k = 0; k < RPT_DIRS; k++)
		for (int c = 0; c < RC_N; c++)
			w("<th class=\"n\">%llu</th>",
			    (unsigned long long)v->total[k][c]);
	w("</tr></tfoot></table></section>\n");
}

/* ---- hour x day heat map ---- */

static void
section_heat(const struct report *r)
{
	const int	 ml = 92, mt = 24, cw = 24;
	int		 rh, W, H;
	uint64_t	 max = 0, sum = 0;
	char		 a[16], desc[256];
	size_t		 i;

	for (i = 0; i < r->ndays; i++)
		for (int h = 0; h < 24; h++) {
			sum += r->days[i].out_hour[h];
			if (r->days[i].out_hour[h] > max)
				max = r->days[i].out_hour[h];
		}
	rh = r->ndays > 0 ? 560 / (int)r->ndays : 16;
	rh = rh > 18 ? 18 : rh < 3 ? 3 : rh;
	W = ml + 24 * cw + 10;
	H = mt + rh * (int)r->ndays + 46;
	w("<section id=\"heatmap\"><h2>Refused outbound attempts by hour "
	    "and day</h2><p>Campus hosts trying to deliver mail outside "
	    "themselves (Part 2), blocked or would be blocked, by the UTC hour "
	    "of the event: a spam bot shows as a bright row or a sudden "
	    "band.</p>");
	snprintf(desc, sizeof(desc), "A grid of %zu days by 24 hours; %llu "
	    "refused outbound attempts in all, at most %llu in one hour. The "
	    "numbers are in the table below.", r->ndays,
	    (unsigned long long)sum, (unsigned long long)max);
	w("<figure>");
	svg_open("heat", W, H, "Refused outbound attempts, hour by day",
	    desc);
	for (int h = 0; h < 24; h += 3)
		w("<text x=\"%d\" y=\"%d\" font-size=\"10\" "
		    "text-anchor=\"middle\">%02d</text>", ml + h * cw + cw / 2,
		    mt - 8, h);
	for (i = 0; i < r->ndays; i++) {
		const struct rpt_day *d = &r->days[i];
		int y = mt + rh * (int)i;

		day_str(d->day, a, sizeof(a));
		if (rh >= 9 || i % (size_t)(10 / rh + 1) == 0)
			w("<text x=\"%d\" y=\"%d\" font-size=\"%d\" "
			    "text-anchor=\"end\">%s</text>", ml - 6,
			    y + rh - (rh > 10 ? 4 : 0), rh >= 10 ? 10 : 9, a);
		if (rpt_day_empty(d)) {
			w("<rect class=\"nodata\" x=\"%d\" y=\"%d\" "
			    "width=\"%d\" height=\"%d\" fill=\"url(#heat-hatch)"
			    "\"><title>%s: no data</title></rect>", ml, y,
			    24 * cw, rh, a);
			continue;
		}
		for (int h = 0; h < 24; h++) {
			uint64_t n = d->out_hour[h];
			/* a square-root scale: a flood's hour must not
			 * wash out a workstation's few attempts */
			int bin = n == 0 ? -1 : (int)(sqrt((double)n /
			    (double)max) * NHEAT - 1e-9);

			w("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			    "fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"%s\">"
			    "<title>%s %02d:00-%02d:59: %llu</title></rect>",
			    ml + h * cw, y, cw, rh, bin < 0 ? "#f4f4f4" :
			    heat[bin], rh > 5 ? "1" : "0", a, h, h,
			    (unsigned long long)n);
		}
	}
	/* the scale */
	{
		int y = mt + rh * (int)r->ndays + 18;

		w("<text x=\"%d\" y=\"%d\" font-size=\"10\">0</text>", ml,
		    y + 10);
		w("<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"12\" "
		    "fill=\"#f4f4f4\" stroke=\"#ccc\"/>", ml + 10, y);
		for (int b = 0; b < NHEAT; b++)
			w("<rect x=\"%d\" y=\"%d\" width=\"28\" height=\"12\" "
			    "fill=\"%s\"/>", ml + 34 + b * 28, y, heat[b]);
		w("<text x=\"%d\" y=\"%d\" font-size=\"10\">%llu per hour"
		    "</text>", ml + 34 + NHEAT * 28 + 6, y + 10,
		    (unsigned long long)max);
		w("<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"12\" "
		    "fill=\"url(#heat-hatch)\"/><text x=\"%d\" y=\"%d\" "
		    "font-size=\"10\">no data</text>", ml + 34 + NHEAT * 28 + 110,
		    y, ml + 34 + NHEAT * 28 + 130, y + 10);
	}
	w("</svg><figcaption>Darker: more attempts in that hour (six steps "
	    "on a square-root scale up to %llu); light grey: none; hatched: no "
	    "data that day."
	    "</figcaption></figure>", (unsigned long long)max);
	w("<table id=\"t-hours\"><caption>Refused outbound attempts per hour "
	    "(days with any)</caption><thead><tr><th>day</th>");
	for (int h = 0; h < 24; h++)
		w("<th class=\"n\">%02d</th>", h);
	w("<th class=\"n\">day</th></tr></thead><tbody>");
	for (i = 0; i < r->ndays; i++) {
		const struct rpt_day *d = &r->days[i];
		uint64_t t = 0;

		for (int h = 0; h < 24; h++)
			t += d->out_hour[h];
		if (t == 0)
			continue;
		w("<tr data-day=\"%s\"><td>%s</td>", day_str(d->day, a,
		    sizeof(a)), a);
		for (int h = 0; h < 24; h++)
			w("<td class=\"n\">%llu</td>",
			    (unsigned long long)d->out_hour[h]);
		w("<td class=\"n\">%llu</td></tr>", (unsigned long long)t);
	}
	w("</tbody></table></section>\n");
}

/* ---- campus hosts ---- */

static void
section_hosts(const struct rpt_view *v)
{
	const int	 ml = 200, bh = 20, W = 620;
	size_t		 n = v->nhosts < TOP_HOSTS ? v->nhosts : TOP_HOSTS;
	uint64_t	 max = 0;
	char		 desc[160];
	int		 H = 30 + (int)n * (bh + 6) + 10;

	w("<section id=\"hosts\"><h2>Campus hosts with the most refused "
	    "attempts</h2><p>The campus end of a refused connection: the "
	    "destination inbound, the source outbound (an inbound flood "
	    "summary names no single campus host).</p><div class=\"row\">");
	for (size_t i = 0; i < n; i++)
		if (rpt_refused(&v->hosts[i]) > max)
			max = rpt_refused(&v->hosts[i]);
	max = nice_max(max);
	snprintf(desc, sizeof(desc), "Horizontal bars for the %zu campus "
	    "hosts with the most refused attempts, inbound and outbound; the "
	    "numbers are in the table beside.", n);
	w("<figure>");
	svg_open("hostchart", W, H, "Campus hosts with the most refused "
	    "attempts", desc);
	for (size_t i = 0; i < n; i++) {
		const struct rpt_item *h = &v->hosts[i];
		int y = 20 + (int)i * (bh + 6);
		uint64_t in = h->n[0] + h->n[2], outb = h->n[1] + h->n[3];
		double sc = (double)(W - ml - 70) / (double)max;

		w("<text x=\"%d\" y=\"%d\" font-size=\"12\" "
		    "text-anchor=\"end\" font-family=\"DejaVu Sans Mono,"
		    "monospace\">", ml - 8, y + 14);
		esc(h->key);
		w("</text>");
		if (outb > 0) {
			w("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
			    "fill=\"" C_BLOCKED "\"><title>", ml, y,
			    (double)outb * sc, bh);
			esc(h->key);
			w(": %llu refused outbound</title></rect>",
			    (unsigned long long)outb);
		}
		if (in > 0) {
			w("<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
			    "height=\"%d\" fill=\"" C_ALLOWED "\"><title>",
			    ml + (double)outb * sc, y, (double)in * sc, bh);
			esc(h->key);
			w(": %llu refused inbound</title></rect>",
			    (unsigned long long)in);
		}
		w("<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%llu</text>",
		    ml + (double)(in + outb) * sc + 6, y + 14,
		    (unsigned long long)(in + outb));
	}
	if (n == 0)
		w("<text x=\"10\" y=\"30\" font-size=\"12\">none</text>");
	w("</svg><figcaption><span class=\"key\" style=\"background:"
	    C_BLOCKED "\"></span>outbound<span class=\"key\" "
	    "style=\"background:" C_ALLOWED "\"></span>inbound (a campus "
	    "server refused mail from outside)</figcaption></figure>");
	w("<table id=\"t-hosts\"><thead><tr><th>campus host</th>"
	    "<th class=\"n\">refused</th><th class=\"n\">inbound</th>"
	    "<th class=\"n\">outbound</th><th class=\"n\">of them in monitor "
	    "mode</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const struct rpt_item *h = &v->hosts[i];

		w("<tr data-ip=\"");
		esc(h->key);
		w("\"><td class=\"ip\">");
		esc(h->key);
		w("</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
		    "<td class=\"n\">%llu</td><td class=\"n\">%llu</td></tr>",
		    (unsigned long long)rpt_refused(h),
		    (unsigned long long)(h->n[0] + h->n[2]),
		    (unsigned long long)(h->n[1] + h->n[3]),
		    (unsigned long long)(h->n[2] + h->n[3]));
	}
	w("</tbody></table></div></section>\n");
}

/* ---- alerts: a timeline, then every one ---- */

static int
lane_find(const char **lanes, int nl, const char *k)
{
	for (int i = 0; i < nl; i++)
		if (strcmp(lanes[i], k) == 0)
			return i;
	return -1;
}

/* The lane of k, made when new (the caller keeps room for it). */
static int
lane_of(const char **lanes, int *nl, const char *k)
{
	int	 i = lane_find(lanes, *nl, k);

	if (i != -1)
		return i;
	lanes[*nl] = k;
	return (*nl)++;
}

static void
alert_title(const struct rpt_alert *a)
{
	esc(a->ts);
	w(" ");
	esc(a->kind);
	w(" ");
	esc(a->subject);
	w(", flow %.0f", a->flow_id);
	if (a->has_count && a->has_threshold)
		w(", %.0f over %.0f", a->count, a->threshold);
}

static void
timeline(const struct report *r)
{
	const int	 ml = 150, mr = 12, mt = 14, lh = 26, W = 900;
	const char	*lanes[64];
	int		 nl = 0, H, k, lq = -1, lh_harvest = -1;
	int64_t		 t0 = r->first * 86400, t1 = (r->last + 1) * 86400;
	double		 sc = (double)(W - ml - mr) / (double)(t1 - t0);
	char		 a[16], desc[200];
	size_t		 i, every;

	for (i = 0; i < r->nalerts && nl < 62; i++)
		lane_of(lanes, &nl, r->alerts[i].kind);
	for (i = 0; i < r->nresps; i++) {
		if (!r->resps[i].harvest && lq == -1)
			lq = lane_of(lanes, &nl, "quarantine");
		if (r->resps[i].harvest && lh_harvest == -1)
			lh_harvest = lane_of(lanes, &nl, "harvest block");
	}
	H = mt + lh * (nl ? nl : 1) + 34;
	snprintf(desc, sizeof(desc), "%zu alerts as marks on a time line of "
	    "the period, one lane per kind, with quarantines and harvest "
	    "blocks as bars; every alert is in the table below.", r->nalerts);
	w("<figure>");
	svg_open("timeline", W, H, "Alert timeline", desc);
	every = r->ndays / 10 + 1;
	for (int64_t d = r->first; d <= r->last + 1; d++) {
		double x = ml + (double)(d * 86400 - t0) * sc;

		w("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
		    "stroke=\"" C_GRID "\"/>", x, mt, x, H - 30);
		if (d <= r->last && (size_t)(d - r->first) % every == 0)
			w("<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%.5s"
			    "</text>", x + 2, H - 18, day_str(d, a,
			    sizeof(a)) + 5);
	}
	for (k = 0; k < nl; k++) {
		w("<text x=\"%d\" y=\"%d\" font-size=\"11\" "
		    "text-anchor=\"end\">", ml - 8, mt + k * lh + 17);
		esc(lanes[k]);
		w("</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"#eeeeee\"/>", ml, mt + k * lh + 13, W - mr,
		    mt + k * lh + 13);
	}
	for (i = 0; i < r->nresps; i++) {
		const struct rpt_resp *q = &r->resps[i];
		int64_t s = ts_secs(q->since), e = ts_secs(q->ended_seen ?
		    q->ended : q->until);

		if (s == -1)
			s = t0;
		if (e == -1)
			e = s;
		s = s < t0 ? t0 : s > t1 ? t1 : s;
		e = e < s ? s : e > t1 ? t1 : e;
		k = q->harvest ? lh_harvest : lq;
		w("<rect class=\"resp\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		    "height=\"12\" rx=\"2\" fill=\"%s\" fill-opacity=\"0.75\">"
		    "<title>", ml + (double)(s - t0) * sc, mt + k * lh + 7,
		    (double)(e - s) * sc < 3 ? 3 : (double)(e - s) * sc,
		    q->harvest ? C_ALLOWED : C_BLOCKED);
		esc(q->harvest ? "harvest block " : "quarantine ");
		esc(q->host);
		w(" ");
		esc(q->since);
		w(" to ");
		esc(q->ended_seen ? q->ended : q->until);
		w(": %llu refused</title></rect>",
		    (unsigned long long)q->refused);
	}
	for (i = 0; i < r->nalerts && i < PAGE_ALERTS; i++) {
		const struct rpt_alert *al = &r->alerts[i];
		int64_t t = ts_secs(al->ts);

		/* kinds past the 62nd have no lane: the table lists them */
		if (t == -1 || (k = lane_find(lanes, nl, al->kind)) == -1)
			continue;
		w("<circle class=\"alert\" cx=\"%.1f\" cy=\"%d\" r=\"5\" "
		    "fill=\"%s\" stroke=\"#222\" stroke-width=\"0.6\"><title>",
		    ml + (double)(t - t0) * sc, mt + k * lh + 13,
		    al->severity <= 1 ? C_BLOCKED : al->severity == 2 ?
		    C_WOULD : C_ALLOWED);
		alert_title(al);
		w("</title></circle>");
	}
	if (nl == 0)
		w("<text x=\"%d\" y=\"%d\" font-size=\"12\">no alerts, no "
		    "quarantines</text>", ml, mt + 17);
	w("</svg><figcaption>Marks: alerts by severity (<span class=\"key\" "
	    "style=\"background:" C_BLOCKED "\"></span>1 <span class=\"key\" "
	    "style=\"background:" C_WOULD "\"></span>2 <span class=\"key\" "
	    "style=\"background:" C_ALLOWED "\"></span>3); bars: quarantines "
	    "and harvest blocks, from start to end.</figcaption></figure>");
}

static void
section_alerts(const struct report *r)
{
	char	 b[32];

	w("<section id=\"alerts\"><h2>Alerts (%zu)</h2>", r->nalerts);
	timeline(r);
	w("<table id=\"t-alerts\"><thead><tr><th>time (UTC)</th>"
	    "<th>router</th><th>kind</th><th>host</th><th class=\"n\">count / "
	    "threshold</th><th>flow</th><th>connection</th><th>action</th>"
	    "<th>response</th></tr></thead><tbody>");
	for (size_t i = 0; i < r->nalerts && i < PAGE_ALERTS; i++) {
		const struct rpt_alert *a = &r->alerts[i];

		w("<tr data-flow=\"%.0f\" data-kind=\"", a->flow_id);
		esc(a->kind);
		w("\"><td class=\"t\">%s</td><td>", a->ts[0] ? (snprintf(b, sizeof(b),
		    "%.10s %.8s", a->ts, a->ts + 11), b) : "-");
		esc(a->router);
		w("</td><td>");
		esc(a->kind);
		w("</td><td class=\"ip\">");
		esc(a->subject);
		w("</td><td class=\"n\">");
		if (a->has_count && a->has_threshold)
			w("%.0f / %.0f", a->count, a->threshold);
		if (a->has_window)
			w(" in %.0f s", a->window);
		w("</td><td><code>%.0f</code>", a->flow_id);
		if (a->in_flow != 0 || a->out_flow != 0)
			w("<br>in <code>%.0f</code>, out <code>%.0f</code>",
			    a->in_flow, a->out_flow);
		w("</td><td class=\"ip\">");
		esc(a->src);
		w(":%d &rarr; ", a->sport);
		esc(a->dst);
		w(":%d", a->dport);
		if (a->app_proto != NULL) {
			w(" (");
			esc(a->app_proto);
			w(")");
		}
		w("</td><td>");
		esc(a->action);
		w("</td><td>");
		if (a->resp_action != NULL) {
			esc(a->resp_action);
			if (a->resp_until != NULL) {
				w(" until ");
				esc(a->resp_until);
			}
			if (a->resp_note != NULL) {
				w(" (");
				esc(a->resp_note);
				w(")");
			}
		}
		w("</td></tr>");
	}
	if (r->nalerts == 0)
		w("<tr><td colspan=\"9\">none</td></tr>");
	if (r->nalerts > PAGE_ALERTS)
		w("<tr><td colspan=\"9\" class=\"warn\">%zu more alerts, "
		    "not drawn or listed here: <code>nfqd-collect report --csv "
		    "alerts</code> lists every one.</td></tr>",
		    r->nalerts - PAGE_ALERTS);
	w("</tbody></table></section>\n");
}

static void
section_resps(const struct report *r)
{
	w("<section id=\"quarantines\"><h2>Quarantines and harvest blocks"
	    "</h2><table id=\"t-quarantines\"><thead><tr><th>kind</th>"
	    "<th>host</th><th>since</th><th>until</th><th>end</th><th>who"
	    "</th><th class=\"n\">refused</th><th>routers</th><th>reason</th>"
	    "</tr></thead><tbody>");
	for (size_t i = 0; i < r->nresps; i++) {
		const struct rpt_resp *q = &r->resps[i];

		w("<tr data-host=\"");
		esc(q->host);
		w("\" data-kind=\"%s\"><td>%s</td><td class=\"ip\">",
		    q->harvest ? "harvest_block" : "quarantine",
		    q->harvest ? "harvest block" : "quarantine");
		esc(q->host);
		w("</td><td>");
		esc(q->since[0] ? q->since : NULL);
		w("</td><td>");
		esc(q->ended_seen ? q->ended : q->until[0] ? q->until : NULL);
		w("</td><td>");
		if (!q->harvest) {
			esc(q->ended_seen ? (q->cause ? q->cause : "ended") :
			    q->started ? "no end event in the period" :
			    "start before the period");
			if (q->removed_by != NULL) {
				w(" by ");
				esc(q->removed_by);
			}
		}
		w("</td><td>");
		esc(q->who);
		w("</td><td class=\"n\">%llu</td><td>",
		    (unsigned long long)q->refused);
		esc(q->routers);
		w("</td><td>");
		esc(q->reason);
		w("</td></tr>");
	}
	if (r->nresps == 0)
		w("<tr><td colspan=\"9\">none</td></tr>");
	w("</tbody></table></section>\n");
}

static void
section_reasons(const struct rpt_view *v)
{
	w("<section id=\"reasons\"><h2>Why connections were refused</h2>"
	    "<table id=\"t-reasons\"><thead><tr><th>reason</th><th>direction"
	    "</th><th class=\"n\">blocked</th><th class=\"n\">would be blocked"
	    "</th></tr></thead><tbody>");
	for (size_t i = 0; i < v->nreasons; i++)
		for (int d = 0; d < RPT_DIRS; d++) {
			const uint64_t *n = &v->reasons[i].n[d * 2];

			if (n[0] + n[1] == 0)
				continue;
			w("<tr data-reason=\"");
			esc(v->reasons[i].key);
			w("\" data-dir=\"%s\"><td>", rv_direction_name(d));
			esc(v->reasons[i].key);
			w("</td><td>%s</td><td class=\"n\">%llu</td>"
			    "<td class=\"n\">%llu</td></tr>",
			    rv_direction_name(d), (unsigned long long)n[0],
			    (unsigned long long)n[1]);
		}
	if (v->nreasons == 0)
		w("<tr><td colspan=\"4\">none</td></tr>");
	w("</tbody></table></section>\n");
}

static void
section_sources(const struct rpt_view *v)
{
	w("<section id=\"sources\"><h2>Outside sources of the most inbound "
	    "attempts</h2><p>%zu outside sources in all.</p>"
	    "<table id=\"t-sources\"><thead><tr><th>source</th>"
	    "<th class=\"n\">blocked</th><th class=\"n\">would be blocked</th>"
	    "<th class=\"n\">allowed</th><th>first seen</th><th>last seen</th>"
	    "</tr></thead><tbody>", v->nsources);
	for (size_t i = 0; i < v->nsources && i < TOP_SOURCES; i++) {
		const struct rpt_item *s = &v->sources[i];

		w("<tr data-ip=\"");
		esc(s->key);
		w("\"><td class=\"ip\">");
		esc(s->key);
		w("</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
		    "<td class=\"n\">%llu</td><td>",
		    (unsigned long long)s->n[RC_BLOCKED],
		    (unsigned long long)s->n[RC_WOULD],
		    (unsigned long long)s->n[RC_ALLOWED]);
		esc(s->first);
		w("</td><td>");
		esc(s->last);
		w("</td></tr>");
	}
	w("</tbody></table></section>\n");
}

static void
section_routers(const struct report *r, const struct rpt_view *v)
{
	char	 a[16];

	w("<section id=\"routers\"><h2>Routers</h2><p>By the events' "
	    "<code>host</code> field (nfqd's <code>sensor-name</code>), with "
	    "the collector folders they arrived in.</p><table id=\"t-routers\">"
	    "<thead><tr><th>router</th><th>folders</th><th class=\"n\">events"
	    "</th><th class=\"n\">allowed</th><th class=\"n\">blocked</th>"
	    "<th class=\"n\">would be blocked</th><th class=\"n\">alerts</th>"
	    "<th>days without data</th></tr></thead><tbody>");
	for (size_t i = 0; i < v->nrouters; i++) {
		const struct rpt_item *it = &v->routers[i];
		size_t k = 0, miss = 0;

		w("<tr data-router=\"");
		esc(it->key);
		w("\"><td>");
		esc(it->key);
		w("</td><td>");
		esc(it->s[0] != NULL ? it->s[0] : "(top folder)");
		w("</td>");
		for (int c = 3; c < 4; c++)
			w("<td class=\"n\">%llu</td>",
			    (unsigned long long)it->n[c]);
		for (int c = 0; c < RC_N; c++)
			w("<td class=\"n\">%llu</td>",
			    (unsigned long long)it->n[c]);
		w("<td class=\"n\">%llu</td><td class=\"missing\">",
		    (unsigned long long)it->n[4]);
		for (int64_t d = r->first; d <= r->last; d++) {
			while (k < it->ndays && it->days[k] < d)
				k++;
			if (k < it->ndays && it->days[k] == d)
				continue;
			w("%s%s", miss++ ? ", " : "", day_str(d, a, sizeof(a)));
		}
		if (miss == 0)
			w("none");
		w("</td></tr>");
	}
	w("</tbody></table></section>\n");
}

static void
section_exceptions(const struct report *r, const struct rpt_view *v)
{
	char	 pfx[PREFIX_STRLEN];

	w("<section id=\"exceptions\"><h2>Exception entries</h2>"
	    "<table id=\"t-exc-used\"><caption>Used: the connections each "
	    "allowed</caption><thead><tr><th>entry</th><th>direction</th>"
	    "<th class=\"n\">allowed</th><th class=\"n\">inbound</th>"
	    "<th class=\"n\">outbound</th><th>ticket</th><th>owner</th></tr>"
	    "</thead><tbody>");
	for (size_t i = 0; i < v->nexc; i++) {
		const struct rpt_item *e = &v->exc[i];

		w("<tr data-entry=\"");
		esc(e->key);
		w("\"><td class=\"ip\">");
		esc(e->key);
		w("</td><td>");
		esc(e->s[0]);
		w("</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
		    "<td class=\"n\">%llu</td><td>",
		    (unsigned long long)(e->n[0] + e->n[1]),
		    (unsigned long long)e->n[0], (unsigned long long)e->n[1]);
		esc(e->s[1]);
		w("</td><td>");
		esc(e->s[2]);
		w("</td></tr>");
	}
	w("</tbody></table>");
	if (r->pol == NULL) {
		w("<p>Entries never used: give <code>-c nfqd.conf</code> to "
		    "list them.</p></section>\n");
		return;
	}
	w("<table id=\"t-exc-unused\"><caption>Never used in the period "
	    "(<code>");
	esc(r->pol->conf.exceptions);
	w("</code>)</caption><thead><tr><th>entry</th><th>direction</th>"
	    "<th class=\"n\">line</th><th>ticket</th><th>owner</th>"
	    "<th>expires</th></tr></thead><tbody>");
	for (size_t i = 0; i < r->pol->exc.n; i++) {
		const struct exc_entry *e = &r->pol->exc.v[i];

		prefix_format(&e->pfx, pfx, sizeof(pfx));
		bool used = false;

		for (size_t j = 0; j < v->nexc && !used; j++)
			used = strcmp(v->exc[j].key, pfx) == 0;
		if (used)
			continue;
		w("<tr data-entry=\"%s\"><td class=\"ip\">%s</td><td>%s</td>"
		    "<td class=\"n\">%u</td><td>", pfx, pfx, exc_dir_name(e->dir),
		    e->line);
		esc(e->ticket[0] ? e->ticket : NULL);
		w("</td><td>");
		esc(e->owner[0] ? e->owner : NULL);
		w("</td><td>%s</td></tr>", e->expires[0] ? e->expires : "-");
	}
	w("</tbody></table></section>\n");
}

int
report_html(const struct report *r, const struct rpt_view *v, FILE *fp)
{
	out = fp;
	werr = 0;
	page_head(r, v);
	section_daily(r, v);
	section_heat(r);
	section_alerts(r);
	section_resps(r);
	section_hosts(v);
	section_reasons(v);
	section_sources(v);
	section_routers(r, v);
	section_exceptions(r, v);
	w("<footer><p class=\"meta\">Written by nfqd-collect %s report from "
	    "the daily files; no part of this page is fetched from anywhere."
	    "</p></footer>\n</body></html>\n", NFQD_VERSION);
	return werr || ferror(fp) ? -1 : 0;
}
