/*
 * Prometheus' text exposition format (prom.h), and the atomic replace of
 * a node_exporter textfile.  Runs in nfqd's main thread once a stats
 * interval, and in nfqd-collect's loop: nothing here is on a packet path.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/files.h"
#include "base/prom.h"

void
prom_init(struct prom *p)
{
	memset(p, 0, sizeof(*p));
}

void
prom_reset(struct prom *p)
{
	p->len = 0;
	if (p->buf != NULL)
		p->buf[0] = '\0';
	p->nlen = 0;
	p->family[0] = '\0';
	p->labels[0] = '\0';
	p->err[0] = '\0';
}

void
prom_free(struct prom *p)
{
	free(p->buf);
	free(p->names);
	prom_init(p);
}

static int __attribute__((format(printf, 2, 3)))
prom_fail(struct prom *p, const char *fmt, ...)
{
	va_list	 ap;

	if (p->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(p->err, sizeof(p->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Room for n more bytes in buf (and a NUL). */
static int
grow(struct prom *p, char **buf, size_t *cap, size_t len, size_t n)
{
	size_t	 c = *cap ? *cap : 4096;
	char	*b;

	if (len + n + 1 <= *cap)
		return 0;
	while (c < len + n + 1)
		c *= 2;
	if ((b = realloc(*buf, c)) == NULL)
		return prom_fail(p, "out of memory");
	*buf = b;
	*cap = c;
	return 0;
}

static void
put(struct prom *p, const char *s, size_t n)
{
	if (p->err[0] != '\0' || grow(p, &p->buf, &p->cap, p->len, n) == -1)
		return;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

static void
puts_(struct prom *p, const char *s)
{
	put(p, s, strlen(s));
}

static bool
name_ok(const char *s, bool label)
{
	size_t	 i;

	if (s[0] == '\0' || strlen(s) >= PROM_NAME_MAX)
		return false;
	if (label && s[0] == '_' && s[1] == '_')
		return false;		/* reserved for Prometheus itself */
	for (i = 0; s[i] != '\0'; i++) {
		char	 c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (!label && c == ':'))
			continue;
		if (i > 0 && c >= '0' && c <= '9')
			continue;
		return false;
	}
	return true;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t	 a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The length of the well-formed UTF-8 character at s, 0 if it is not. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned	 cp, min, k, n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 1; cp = s[0] & 0x1f; min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 2; cp = s[0] & 0x0f; min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 3; cp = s[0] & 0x07; min = 0x10000;
	} else
		return 0;
	for (k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}

/* s escaped: \ and newline always, " in label values. */
static void
put_escaped(struct prom *p, const char *s, bool quote)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n;

	while (*u != '\0') {
		if (*u == '\\')
			put(p, "\\\\", 2);
		else if (*u == '\n')
			put(p, "\\n", 2);
		else if (*u == '"' && quote)
			put(p, "\\\"", 2);
		else if ((n = utf8_len(u)) == 0)
			put(p, "?", 1);
		else {
			put(p, (const char *)u, n);
			u += n;
			continue;
		}
		u++;
	}
}

int
prom_family(struct prom *p, const char *name, enum prom_type type,
    const char *help)
{
	const char	*n;
	size_t		 len;

	if (p->err[0] != '\0')
		return -1;
	if (!name_ok(name, false))
		return prom_fail(p, "bad metric name '%.64s'", name);
	if (type == PROM_COUNTER && !ends_with(name, "_total"))
		return prom_fail(p, "counter %s: the name must end in _total",
		    name);
	if (type == PROM_GAUGE && ends_with(name, "_total"))
		return prom_fail(p, "gauge %s: _total is for counters", name);
	for (n = p->names; n != NULL && n < p->names + p->nlen;
	    n += strlen(n) + 1)
		if (strcmp(n, name) == 0)
			return prom_fail(p, "family %s declared twice", name);
	len = strlen(name) + 1;
	if (grow(p, &p->names, &p->ncap, p->nlen, len) == -1)
		return -1;
	memcpy(p->names + p->nlen, name, len);
	p->nlen += len;
	snprintf(p->family, sizeof(p->family), "%s", name);
	snprintf(p->labels, sizeof(p->labels), "-");
	puts_(p, "# HELP ");
	puts_(p, name);
	put(p, " ", 1);
	put_escaped(p, help, false);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	puts_(p, type == PROM_COUNTER ? " counter\n" : " gauge\n");
	return p->err[0] != '\0' ? -1 : 0;
}

/* The sample's name and labels, then value (already formatted). */
static int
sample(struct prom *p, const char *value, va_list ap)
{
	const char	*k[PROM_LABELS_MAX], *v[PROM_LABELS_MAX], *s;
	char		 names[sizeof(p->labels)];
	size_t		 i, j, n = 0, off = 0;

	if (p->err[0] != '\0')
		return -1;
	if (p->family[0] == '\0')
		return prom_fail(p, "a sample before any family");
	while ((s = va_arg(ap, const char *)) != NULL) {
		if (n == PROM_LABELS_MAX)
			return prom_fail(p, "%s: more than %d labels",
			    p->family, PROM_LABELS_MAX);
		k[n] = s;
		if ((v[n] = va_arg(ap, const char *)) == NULL)
			return prom_fail(p, "%s: label %.64s has no value",
			    p->family, s);
		if (!name_ok(s, true))
			return prom_fail(p, "%s: bad label name '%.64s'",
			    p->family, s);
		for (j = 0; j < n; j++)
			if (strcmp(k[j], s) == 0)
				return prom_fail(p, "%s: label %s given twice",
				    p->family, s);
		off += (size_t)snprintf(names + off, sizeof(names) - off,
		    "%s%s", n ? "," : "", s);
		n++;
	}
	names[off] = '\0';
	/* One family, one set of label names: node_exporter refuses others. */
	if (strcmp(p->labels, "-") == 0)
		snprintf(p->labels, sizeof(p->labels), "%s", names);
	else if (strcmp(p->labels, names) != 0)
		return prom_fail(p, "%s: labels {%s}, but {%s} before",
		    p->family, names, p->labels);
	puts_(p, p->family);
	for (i = 0; i < n; i++) {
		put(p, i == 0 ? "{" : ",", 1);
		puts_(p, k[i]);
		put(p, "=\"", 2);
		put_escaped(p, v[i], true);
		put(p, "\"", 1);
	}
	if (n > 0)
		put(p, "}", 1);
	put(p, " ", 1);
	puts_(p, value);
	put(p, "\n", 1);
	return p->err[0] != '\0' ? -1 : 0;
}

int
prom_u64(struct prom *p, uint64_t value, ...)
{
	char	 v[24];
	va_list	 ap;
	int	 rc;

	snprintf(v, sizeof(v), "%" PRIu64, value);
	va_start(ap, value);
	rc = sample(p, v, ap);
	va_end(ap);
	return rc;
}

int
prom_us(struct prom *p, int64_t us, ...)
{
	char		 v[32];
	uint64_t	 a = us < 0 ? -(uint64_t)us : (uint64_t)us;
	va_list		 ap;
	int		 rc;

	snprintf(v, sizeof(v), "%s%" PRIu64 ".%06" PRIu64, us < 0 ? "-" : "",
	    a / 1000000, a % 1000000);
	va_start(ap, us);
	rc = sample(p, v, ap);
	va_end(ap);
	return rc;
}

const char *
prom_error(const struct prom *p)
{
	return p->err[0] != '\0' ? p->err : NULL;
}

const char *
prom_text(const struct prom *p, size_t *len)
{
	*len = p->len;
	return p->buf != NULL ? p->buf : "";
}

/*
 * Replace path with the text: a new file beside it (.NAME.XXXXXX, which
 * node_exporter's *.prom pattern skips, made with O_EXCL: nothing planted
 * there is followed), written, mode 0644 (node_exporter runs as another
 * user), fsync'ed, renamed over path.  A reader sees the old file or the
 * new one, never a part.  On failure path is untouched and the new file
 * removed.  A text with an error (prom_error) is never written.
 */
int
prom_write_file(const struct prom *p, const char *path, char *err,
    size_t errlen)
{
	if (p->err[0] != '\0') {
		snprintf(err, errlen, "%s not written: %s", path, p->err);
		return -1;
	}
	return file_replace(path, p->buf, p->len, 0644, err, errlen);
}

/*
 * A textfile's path: named NAME.prom (node_exporter's textfile collector
 * reads *.prom; a name that starts with a dot is what prom_write_file
 * writes first).  nfqd.conf's `metrics`, nfqd-collect's --metrics.
 */
int
prom_path_check(const char *path, char *err, size_t errlen)
{
	const char	*base = strrchr(path, '/');
	size_t		 len;

	base = base != NULL ? base + 1 : path;
	len = strlen(base);
	if (len <= 5 || strcmp(base + len - 5, ".prom") != 0 ||
	    base[0] == '.') {
		snprintf(err, errlen, "bad metrics file '%.80s' (NAME.prom: "
		    "node_exporter's textfile collector reads *.prom)", path);
		return -1;
	}
	if (strlen(path) >= MAX_PATH - 16) {
		snprintf(err, errlen, "metrics file path too long");
		return -1;
	}
	return 0;
}

/*
 * A textfile's folder: it exists, and user uid (with gid, its primary
 * group alone, as after nfqd's drop) may create and rename files there;
 * the file, if there, is not a folder.  By the mode bits for another
 * user, by access(2) for ourselves.
 */
int
prom_folder_check(const char *path, const char *user, uint32_t uid,
    uint32_t gid, char *err, size_t errlen)
{
	char		 dir[MAX_PATH];
	const char	*slash = strrchr(path, '/');
	struct stat	 st;
	mode_t		 need;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) == -1) {
		snprintf(err, errlen, "folder %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a folder", dir);
		return -1;
	}
	if (uid == (uint32_t)geteuid()) {
		if (access(dir, W_OK | X_OK) == -1) {
			snprintf(err, errlen, "folder %s: not writable: %s",
			    dir, strerror(errno));
			return -1;
		}
	} else {
		need = st.st_uid == uid ? S_IWUSR | S_IXUSR :
		    st.st_gid == gid ? S_IWGRP | S_IXGRP : S_IWOTH | S_IXOTH;
		if ((st.st_mode & need) != need) {
			snprintf(err, errlen, "folder %s (owner %u, group %u, "
			    "mode %04o) is not writable by user %s (uid %u, "
			    "gid %u)", dir, (unsigned)st.st_uid,
			    (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777),
			    user, (unsigned)uid, (unsigned)gid);
			return -1;
		}
	}
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is a folder", path);
		return -1;
	}
	return 0;
}
