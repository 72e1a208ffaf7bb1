/*
 * Event sinks.  Each sink gets every formatted event as one line.
 * Backends sit behind one small table so udp://, tcp://, unix: and syslog
 * add an entry, not a rewrite.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqd.h"

struct sink {
	FILE		*fp;
	char		 name[MAX_PATH];	/* a copy: reloads free the conf */
	uint64_t	 written, failed;
	bool		 own;
};

struct sinks {
	struct sink	 v[MAX_SINKS];
	size_t		 n;
};

struct sinks *
sinks_open(const struct conf *c, char *err, size_t errlen)
{
	struct sinks	*s;
	struct sink	*k;
	size_t		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < c->nevents; i++) {
		k = &s->v[s->n];
		memcpy(k->name, c->events[i], sizeof(k->name));
		if (strcmp(c->events[i], "stdout") == 0)
			k->fp = stdout;
		else if (strncmp(c->events[i], "file:", 5) == 0) {
			if ((k->fp = fopen(c->events[i] + 5, "a")) == NULL) {
				snprintf(err, errlen, "%s: %s", c->events[i] + 5,
				    strerror(errno));
				sinks_close(s);
				return NULL;
			}
			k->own = true;
		}
		setvbuf(k->fp, NULL, _IOFBF, 1 << 16);
		s->n++;
	}
	return s;
}

void
sinks_write(struct sinks *s, const char *line, size_t len)
{
	size_t	 i;

	for (i = 0; i < s->n; i++) {
		if (fwrite(line, 1, len, s->v[i].fp) != len ||
		    putc('\n', s->v[i].fp) == EOF)
			s->v[i].failed++;
		else
			s->v[i].written++;
	}
}

/* After logrotate moved the files: reopen them under their names. */
void
sinks_reopen(struct sinks *s)
{
	size_t	 i;
	FILE	*fp;

	for (i = 0; i < s->n; i++) {
		if (!s->v[i].own)
			continue;
		if ((fp = fopen(s->v[i].name + 5, "a")) == NULL) {
			log_warn("event sink %s: reopen", s->v[i].name);
			continue;
		}
		fclose(s->v[i].fp);
		s->v[i].fp = fp;
		setvbuf(fp, NULL, _IOFBF, 1 << 16);
	}
}

void
sinks_flush(struct sinks *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		if (fflush(s->v[i].fp) == EOF)
			log_warn("event sink %s", s->v[i].name);
}

void
sinks_close(struct sinks *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	sinks_flush(s);
	for (i = 0; i < s->n; i++)
		if (s->v[i].own)
			fclose(s->v[i].fp);
	free(s);
}
