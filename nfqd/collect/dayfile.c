/*
 * nfqd-collect: the daily files, DIR/SENDER/eve-YYYY-MM-DD.json, kept
 * open (MAX_DAYFILES at most), written from a buffer, synced on a timer;
 * and their retention.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/when.h"
#include "collect/collect.h"

/* ---- days ---- */

int64_t
utc_day(void)
{
	return (int64_t)time(NULL) / 86400;
}

void
day_format(int64_t day, char *out, size_t len)
{
	when_format(day * 86400, WHEN_DATE, out, len);
}

/* "YYYY-MM-DD" at s (not necessarily terminated) into days, or -1. */
int64_t
day_parse(const char *s, size_t len)
{
	char	 d[11];
	int64_t	 t;

	if (len < 10)
		return -1;
	memcpy(d, s, 10);
	d[10] = '\0';
	if (date_parse(d, &t) == -1)
		return -1;
	return t / 86400;
}

/* eve-YYYY-MM-DD.json (or .json.gz, ...): its day, or -1. */
static int64_t
file_day(const char *name, bool exact)
{
	int64_t	 d;

	if (strncmp(name, "eve-", 4) != 0 || strlen(name) < 19 ||
	    (d = day_parse(name + 4, strlen(name) - 4)) == -1 ||
	    strncmp(name + 14, ".json", 5) != 0)
		return -1;
	if (exact && name[19] != '\0')
		return -1;
	return d;
}

/* ---- daily files ---- */

void
dayfile_write(struct collector *co, struct dayfile *f)
{
	size_t		 off = 0;
	ssize_t		 w;
	uint64_t	 missed;

	while (off < f->len) {
		if ((w = write(f->fd, f->buf + off, f->len - off)) > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		/* a full disk: what is left is lost, and counted */
		for (size_t i = off; i < f->len; i++)
			if (f->buf[i] == '\n')
				co->n.write_failed++;
		if (ratelog_due(&co->fail_log, &missed))
			collect_say("%s/eve-%s.json: write: %s (%llu lines "
			    "lost so far)", f->sender, f->date,
			    strerror(w == -1 ? errno : EIO),
			    (unsigned long long)co->n.write_failed);
		break;
	}
	f->len = 0;
	f->dirty = true;
}

void
dayfile_close(struct collector *co, struct dayfile *f)
{
	if (f->date[0] == '\0')
		return;
	dayfile_write(co, f);
	fsync(f->fd);
	close(f->fd);
	f->date[0] = '\0';
	f->fd = -1;
	f->dirty = false;
}

struct dayfile *
dayfile_get(struct collector *co, const char *sender, const char *date)
{
	struct dayfile	*f, *lru = &co->f[0];
	char		 path[MAX_PATH];
	size_t		 i;
	int		 fd;
	uint64_t	 missed;

	for (i = 0; i < MAX_DAYFILES; i++) {
		f = &co->f[i];
		if (strcmp(f->date, date) == 0 &&
		    strcmp(f->sender, sender) == 0) {
			f->used = (clock_mono_ms() / 1000);
			return f;
		}
		if (f->date[0] == '\0' || (lru->date[0] != '\0' &&
		    f->used < lru->used))
			lru = f;
	}
	dayfile_close(co, lru);
	snprintf(path, sizeof(path), "%s/%s", co->dir, sender);
	if (mkdir(path, 0750) == -1 && errno != EEXIST) {
		if (ratelog_due(&co->fail_log, &missed))
			collect_say("%s: %s", path, strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s/eve-%s.json", co->dir, sender,
	    date);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0640);
	if (fd == -1) {
		if (ratelog_due(&co->fail_log, &missed))
			collect_say("%s: %s", path, strerror(errno));
		return NULL;
	}
	snprintf(lru->date, sizeof(lru->date), "%s", date);
	snprintf(lru->sender, sizeof(lru->sender), "%s", sender);
	lru->fd = fd;
	lru->len = 0;
	lru->used = (clock_mono_ms() / 1000);
	return lru;
}

void
dayfiles_flush(struct collector *co)
{
	for (size_t i = 0; i < MAX_DAYFILES; i++)
		if (co->f[i].date[0] != '\0' && co->f[i].len > 0)
			dayfile_write(co, &co->f[i]);
}

void
dayfiles_fsync(struct collector *co)
{
	for (size_t i = 0; i < MAX_DAYFILES; i++)
		if (co->f[i].date[0] != '\0' && co->f[i].dirty) {
			fsync(co->f[i].fd);
			co->f[i].dirty = false;
		}
}

/* Remove eve-DATE.json* files in folder whose day is before oldest. */
static void
retention_folder(struct collector *co, const char *folder, int64_t oldest,
    const char *keep)
{
	DIR		*d;
	struct dirent	*e;
	int64_t		 day;
	char		 path[MAX_PATH];
	size_t		 i;

	if ((d = opendir(folder)) == NULL) {
		collect_say("%s: %s", folder, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if ((day = file_day(e->d_name, false)) == -1 || day >= oldest)
			continue;
		for (i = 0; i < MAX_DAYFILES; i++)
			if (co->f[i].date[0] != '\0' &&
			    strncmp(e->d_name + 4, co->f[i].date, 10) == 0)
				dayfile_close(co, &co->f[i]);
		snprintf(path, sizeof(path), "%s/%s", folder, e->d_name);
		if (unlink(path) == 0)
			collect_say("removed %s: older than %d days (keeping "
			    "%s and later)", path, co->retention, keep);
		else
			collect_say("%s: %s", path, strerror(errno));
	}
	closedir(d);
}

/*
 * Remove eve-DATE.json* files whose whole day is older than retention,
 * in each sender's folder (and at the top, where an older nfqd-collect
 * put them).
 */
void
retention_sweep(struct collector *co)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	int64_t		 oldest;
	char		 path[MAX_PATH], keep[11];

	if (co->retention == 0)
		return;
	oldest = utc_day() - co->retention;	/* this day and later stay */
	day_format(oldest, keep, sizeof(keep));
	retention_folder(co, co->dir, oldest, keep);
	if ((d = opendir(co->dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", co->dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			retention_folder(co, path, oldest, keep);
	}
	closedir(d);
}
