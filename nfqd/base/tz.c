/*
 * The campus's time zone, for the one thing nfqd needs of it: when an
 * `expires=YYYY-MM-DD` day ends.  An entry is in force until the first
 * instant at which the zone's clocks show the next day.
 *
 * The zone is read from a TZif file (RFC 8536: /etc/localtime, or
 * /usr/share/zoneinfo/Area/City for `timezone =`), transitions and the
 * POSIX TZ rule of its footer for the years after them.  Not localtime(3):
 * that answers for the one zone in the process's TZ, a global that the
 * event writer's localtime_r() reads on another thread while a reload
 * would have to change it; this is a plain table, read once per load with
 * open, read and close (all that the seccomp filter of a reloading daemon
 * allows, priv.c), and asked without locks.
 *
 * A NULL zone is UTC.  Zones that count leap seconds (right/...) are
 * refused: expiry is in POSIX time, as the clock nfqd compares it to.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/tz.h"
#include "base/defs.h"

#define TZ_DIR		"/usr/share/zoneinfo"
#define TZ_LOCALTIME	"/etc/localtime"
#define TZ_FILE_MAX	(256 * 1024)
#define TZ_OFF_MAX	(26 * 3600)	/* RFC 8536: -89999..93599 s */

/* A POSIX TZ rule date: Jn, n or Mm.w.d, and the time of day. */
struct tz_rule {
	char		 kind;		/* 'J', 'n' or 'M' */
	int		 day, week, month;
	int32_t		 secs;		/* -167h..167h, local */
};

struct tz {
	char		 name[TZ_NAMELEN];
	int64_t		*when;		/* transitions, ascending */
	int32_t		*off;		/* the UTC offset from each on */
	size_t		 n;
	int32_t		 before;	/* before the first (type 0) */
	/* After the last transition: the footer's rule, if any. */
	bool		 footer;	/* else: the last offset stays */
	bool		 dst;		/* the footer has a DST rule */
	int32_t		 std_off, dst_off;	/* seconds east of UTC */
	struct tz_rule	 start, end;
};

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant). */
int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil date of a day number (the inverse). */
void
tz_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t	 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static bool
leap(int y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* ---- the footer: a POSIX TZ string ---- */

static const char *
tzs_name(const char *p)
{
	const char	*s = p;

	if (*p == '<') {
		for (s = ++p; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' &&
		    *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' ||
		    *p == '-'; p++)
			;
		return *p == '>' && p - s >= 3 ? p + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* [+-]h[h][:mm[:ss]], hours up to maxh: seconds into *out. */
static const char *
tzs_time(const char *p, int maxh, int32_t *out)
{
	int	 sign = 1, h = 0, m = 0, s = 0, n;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (n = 0; *p >= '0' && *p <= '9' && n < 3; n++)
		h = h * 10 + (*p++ - '0');
	if (n == 0 || h > maxh)
		return NULL;
	if (*p == ':') {
		p++;
		if (p[0] < '0' || p[0] > '5' || p[1] < '0' || p[1] > '9')
			return NULL;
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':') {
			p++;
			if (p[0] < '0' || p[0] > '5' || p[1] < '0' ||
			    p[1] > '9')
				return NULL;
			s = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *
tzs_num(const char *p, int min, int max, int *out)
{
	int	 v = 0, n;

	for (n = 0; *p >= '0' && *p <= '9' && n < 4; n++)
		v = v * 10 + (*p++ - '0');
	if (n == 0 || v < min || v > max)
		return NULL;
	*out = v;
	return p;
}

static const char *
tzs_rule(const char *p, struct tz_rule *r)
{
	if (*p == 'J') {
		r->kind = 'J';
		p = tzs_num(p + 1, 1, 365, &r->day);
	} else if (*p == 'M') {
		r->kind = 'M';
		if ((p = tzs_num(p + 1, 1, 12, &r->month)) == NULL ||
		    *p++ != '.' || (p = tzs_num(p, 1, 5, &r->week)) == NULL ||
		    *p++ != '.')
			return NULL;
		p = tzs_num(p, 0, 6, &r->day);
	} else {
		r->kind = 'n';
		p = tzs_num(p, 0, 365, &r->day);
	}
	if (p == NULL)
		return NULL;
	r->secs = 2 * 3600;
	if (*p == '/')
		p = tzs_time(p + 1, 167, &r->secs);
	return p;
}

/* "EST5EDT,M3.2.0,M11.1.0", "<+0530>-5:30", "UTC0"; -1 if unsupported. */
static int
tzs_parse(struct tz *z, const char *s)
{
	const char	*p = s;
	int32_t		 o;

	if ((p = tzs_name(p)) == NULL || (p = tzs_time(p, 24, &o)) == NULL)
		return -1;
	z->std_off = -o;		/* POSIX counts west of Greenwich */
	z->footer = true;
	if (*p == '\0')
		return 0;
	if ((p = tzs_name(p)) == NULL)
		return -1;
	z->dst = true;
	z->dst_off = z->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if ((p = tzs_time(p, 24, &o)) == NULL)
			return -1;
		z->dst_off = -o;
	}
	if (*p++ != ',' || (p = tzs_rule(p, &z->start)) == NULL ||
	    *p++ != ',' || (p = tzs_rule(p, &z->end)) == NULL || *p != '\0')
		return -1;
	return 0;
}

/* The day number of a rule's date in year y. */
static int64_t
rule_day(const struct tz_rule *r, int y)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int64_t	 jan1 = tz_days_from_civil(y, 1, 1), d1;
	int	 wd, day, dim;

	switch (r->kind) {
	case 'J':		/* 1-365, February 29 never counted */
		return jan1 + r->day - 1 + (leap(y) && r->day >= 60);
	case 'n':		/* 0-365, February 29 counted */
		return jan1 + r->day;
	}
	d1 = tz_days_from_civil(y, r->month, 1);
	wd = (int)(((d1 + 4) % 7 + 7) % 7);	/* 1970-01-01: a Thursday */
	day = 1 + (r->day - wd + 7) % 7 + 7 * (r->week - 1);
	dim = mdays[r->month - 1] + (r->month == 2 && leap(y));
	while (day > dim)
		day -= 7;
	return d1 + day - 1;
}

struct tz_edge {
	int64_t		 t;
	int32_t		 off;		/* from t on */
};

/* The footer rule's transitions of years y0..y1, in time order. */
static size_t
footer_edges(const struct tz *z, int y0, int y1, struct tz_edge *v,
    size_t max)
{
	struct tz_edge	 e;
	size_t		 n = 0, i;

	for (int y = y0; y <= y1 && n + 2 <= max; y++) {
		/* Start in standard time, end in DST: local clock times. */
		v[n].t = rule_day(&z->start, y) * 86400 + z->start.secs -
		    z->std_off;
		v[n++].off = z->dst_off;
		v[n].t = rule_day(&z->end, y) * 86400 + z->end.secs -
		    z->dst_off;
		v[n++].off = z->std_off;
	}
	for (i = 1; i < n; i++)		/* stable: a year's end, then the */
		for (size_t j = i; j > 0 && v[j - 1].t > v[j].t; j--) {
			e = v[j];	/* next year's start at the same t */
			v[j] = v[j - 1];
			v[j - 1] = e;
		}
	return n;
}

static int
year_of(int64_t t)
{
	int	 y, m, d;

	tz_civil_from_days(floor_div(t, 86400), &y, &m, &d);
	return y;
}

static int32_t
footer_offset(const struct tz *z, int64_t t)
{
	struct tz_edge	 v[8];
	size_t		 n, i;
	int32_t		 off = z->std_off;
	int		 y;

	if (!z->dst)
		return z->std_off;
	y = year_of(t);
	n = footer_edges(z, y - 1, y + 1, v, 8);
	for (i = 0; i < n && v[i].t <= t; i++)
		off = v[i].off;
	return off;
}

/* ---- lookups ---- */

/* Index of the last transition at or before t, or -1. */
static ssize_t
tz_find(const struct tz *z, int64_t t)
{
	size_t	 lo = 0, hi = z->n;

	while (lo < hi) {
		size_t	 mid = lo + (hi - lo) / 2;

		if (z->when[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ssize_t)lo - 1;
}

/* Seconds east of UTC in force at t. */
int32_t
tz_offset(const struct tz *z, int64_t t)
{
	ssize_t	 i;

	if (z == NULL)
		return 0;
	if ((i = tz_find(z, t)) == -1)
		return z->n == 0 && z->footer ? footer_offset(z, t) :
		    z->before;
	if ((size_t)i + 1 == z->n && z->footer)
		return footer_offset(z, t);
	return z->off[i];
}

/* The zone's transitions in (from, to], in order; at most max. */
static size_t
tz_edges(const struct tz *z, int64_t from, int64_t to, struct tz_edge *v,
    size_t max)
{
	struct tz_edge	 f[16];
	size_t		 n = 0, k, i;
	ssize_t		 j = tz_find(z, from);
	int64_t		 last = z->n > 0 ? z->when[z->n - 1] : INT64_MIN;

	for (j++; (size_t)j < z->n && z->when[j] <= to && n < max; j++) {
		v[n].t = z->when[j];
		v[n++].off = z->off[j];
	}
	if (!z->footer || !z->dst || to <= last)
		return n;
	k = footer_edges(z, year_of(from) - 1, year_of(to) + 1, f, 16);
	for (i = 0; i < k && n < max; i++)
		if (f[i].t > from && f[i].t > last && f[i].t <= to)
			v[n++] = f[i];
	return n;
}

/* The local day number (days since 1970-01-01 there) at t. */
int64_t
tz_day_of(const struct tz *z, int64_t t)
{
	return floor_div(t + tz_offset(z, t), 86400);
}

/*
 * The first instant at which the local clock reads day + 1, 00:00:00 or
 * later: the end of `day`.  A midnight skipped by a DST change ends the
 * day at the change; a midnight shown twice, at its first showing.
 */
int64_t
tz_day_end(const struct tz *z, int64_t day)
{
	struct tz_edge	 v[16];
	int64_t		 want = (day + 1) * 86400, from, c;
	int32_t		 off;
	size_t		 n, i;

	if (z == NULL)
		return want;
	from = want - TZ_OFF_MAX - 86400;
	off = tz_offset(z, from);
	n = tz_edges(z, from, want + TZ_OFF_MAX + 86400, v, 16);
	for (i = 0; i <= n; i++) {
		/* [from, v[i].t) at off: the local clock is t + off. */
		c = want - off > from ? want - off : from;
		if (i == n || c < v[i].t)
			return c;
		from = v[i].t;
		off = v[i].off;
	}
	return want;		/* not reached */
}

const char *
tz_name(const struct tz *z)
{
	return z == NULL ? "UTC" : z->name;
}

/* ---- loading ---- */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_hdr {
	uint32_t	 isut, isstd, leap, time, type, chars;
};

static int
tzif_hdr(const uint8_t *p, size_t len, struct tzif_hdr *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->isut = be32(p + 20);
	h->isstd = be32(p + 24);
	h->leap = be32(p + 28);
	h->time = be32(p + 32);
	h->type = be32(p + 36);
	h->chars = be32(p + 40);
	if (h->type == 0 || h->type > 256 || h->time > 100000 ||
	    h->chars > 65536 || h->leap > 100000 || h->isut > h->type ||
	    h->isstd > h->type)
		return -1;
	return 0;
}

static size_t
tzif_body(const struct tzif_hdr *h, size_t tsize)
{
	return h->time * tsize + h->time + h->type * 6 + h->chars +
	    h->leap * (tsize + 4) + h->isstd + h->isut;
}

/* The file's bytes into z; a message in err on -1. */
static int
tzif_parse(struct tz *z, const uint8_t *p, size_t len, char *err,
    size_t errlen)
{
	struct tzif_hdr	 h;
	const uint8_t	*d, *types, *ti;
	size_t		 tsize = 4, body, i;
	char		 footer[128];
	const uint8_t	*nl;
	int32_t		 off;

	if (tzif_hdr(p, len, &h) == -1)
		goto bad;
	body = tzif_body(&h, 4);
	if (p[4] >= '2') {
		/* Version 2+: skip the 32-bit data, read the 64-bit one. */
		if (44 + body > len)
			goto bad;
		p += 44 + body;
		len -= 44 + body;
		if (tzif_hdr(p, len, &h) == -1)
			goto bad;
		tsize = 8;
		body = tzif_body(&h, 8);
	}
	if (44 + body > len)
		goto bad;
	if (h.leap > 0) {
		snprintf(err, errlen, "it counts leap seconds (use the zone "
		    "without right/)");
		return -1;
	}
	d = p + 44;
	types = d + h.time * tsize;
	ti = types + h.time;
	if ((z->when = calloc(h.time + 1, sizeof(*z->when))) == NULL ||
	    (z->off = calloc(h.time + 1, sizeof(*z->off))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < h.type; i++) {
		off = (int32_t)be32(ti + 6 * i);
		if (off < -TZ_OFF_MAX || off > TZ_OFF_MAX)
			goto bad;
	}
	z->before = (int32_t)be32(ti);
	for (i = 0; i < h.time; i++) {
		z->when[i] = tsize == 8 ? be64(d + 8 * i) :
		    (int32_t)be32(d + 4 * i);
		if (types[i] >= h.type || (i > 0 && z->when[i] <= z->when[i -
		    1]))
			goto bad;
		z->off[i] = (int32_t)be32(ti + 6 * types[i]);
	}
	z->n = h.time;
	if (tsize == 8 && 44 + body < len && p[44 + body] == '\n') {
		d = p + 44 + body + 1;
		if ((nl = memchr(d, '\n', len - 44 - body - 1)) == NULL ||
		    (size_t)(nl - d) >= sizeof(footer))
			goto bad;
		memcpy(footer, d, (size_t)(nl - d));
		footer[nl - d] = '\0';
		if (footer[0] != '\0' && tzs_parse(z, footer) == -1) {
			snprintf(err, errlen, "its rule '%s' is not one nfqd "
			    "reads", footer);
			return -1;
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "not a valid TZif file");
	return -1;
}

void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->when);
	free(z->off);
	free(z);
}

/* Area/City: letters, digits, - _ + and /, no empty or dot-dot part. */
static bool
tz_name_ok(const char *s)
{
	size_t	 len = strlen(s);

	if (len == 0 || len >= TZ_NAMELEN || s[0] == '/' || s[len - 1] == '/' ||
	    strstr(s, "//") != NULL || s[0] == '.' || strstr(s, "/.") != NULL)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr("-_+/.", *s) != NULL))
			return false;
	return true;
}

static int
tz_read(const char *path, uint8_t **buf, size_t *len)
{
	struct stat	 st;
	ssize_t		 r;
	int		 fd, e;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : S_ISREG(st.st_mode) ?
		    EFBIG : EINVAL;
		goto fail;
	}
	if ((*buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (*len < (size_t)st.st_size) {
		if ((r = read(fd, *buf + *len, (size_t)st.st_size - *len)) ==
		    -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	close(fd);
	return 0;
fail:
	e = errno;
	free(*buf);
	*buf = NULL;
	close(fd);
	errno = e;
	return -1;
}

/*
 * The zone `name` (Area/City, from /usr/share/zoneinfo, or the path of
 * a TZif file), or with NULL the
 * system's (/etc/localtime, named after what it links to; UTC when there
 * is none).  NULL with a message (no "timezone:" before it) on error.
 */
struct tz *
tz_load(const char *name, char *err, size_t errlen)
{
	struct tz	*z;
	char		 path[MAX_PATH], link[MAX_PATH], msg[ERRLEN];
	const char	*p;
	uint8_t		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;

	if ((z = calloc(1, sizeof(*z))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (name != NULL && name[0] == '/') {	/* a TZif file by its path */
		if (strlen(name) >= sizeof(path) ||
		    strlen(name) >= sizeof(z->name)) {
			snprintf(err, errlen, "'%.40s...' is too long", name);
			goto fail;
		}
		snprintf(path, sizeof(path), "%s", name);
		snprintf(z->name, sizeof(z->name), "%s", name);
	} else if (name != NULL) {
		if (!tz_name_ok(name)) {
			snprintf(err, errlen, "'%.80s' is not a zone name (Area/"
			    "City, as in " TZ_DIR ")", name);
			goto fail;
		}
		snprintf(path, sizeof(path), TZ_DIR "/%s", name);
		snprintf(z->name, sizeof(z->name), "%s", name);
	} else {
		snprintf(path, sizeof(path), TZ_LOCALTIME);
		snprintf(z->name, sizeof(z->name), "%s", TZ_LOCALTIME);
		if ((n = readlink(TZ_LOCALTIME, link, sizeof(link) - 1)) > 0) {
			link[n] = '\0';
			if ((p = strstr(link, "zoneinfo/")) != NULL &&
			    strlen(p + 9) < sizeof(z->name))
				snprintf(z->name, sizeof(z->name), "%s", p + 9);
		}
	}
	errno = 0;
	if (tz_read(path, &buf, &len) == -1) {
		if (name == NULL && errno == ENOENT) {
			snprintf(z->name, sizeof(z->name), "UTC");
			return z;		/* no /etc/localtime: UTC */
		}
		if (errno == ENOENT && name[0] != '/')
			snprintf(err, errlen, "no zone '%s' (%s: %s; is tzdata "
			    "installed?)", name, path, strerror(errno));
		else
			snprintf(err, errlen, "%s: %s", path, errno ?
			    strerror(errno) : "unreadable");
		goto fail;
	}
	if (tzif_parse(z, buf, len, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", path, msg);
		goto fail;
	}
	free(buf);
	return z;
fail:
	free(buf);
	tz_free(z);
	return NULL;
}
