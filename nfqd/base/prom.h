/*
 * prom.c: Prometheus' text exposition format, version 0.0.4 (the one
 * node_exporter's textfile collector reads), built in memory and written
 * to a file by an atomic replace.  nfqd (metrics.c) and nfqd-collect use
 * it; docs/metrics.md says why a file and not an HTTP listener.
 *
 * A family is declared once (its # HELP and # TYPE lines), then its
 * samples follow, each with the same label names.  What the format or
 * Prometheus' naming rules forbid is refused, and the text is then never
 * written (prom_error): a counter's name ends in _total and a gauge's does
 * not, names are [a-zA-Z_:][a-zA-Z0-9_:]*, label names
 * [a-zA-Z_][a-zA-Z0-9_]* and not __-reserved, a family is declared once.
 * Label values are escaped (\\, \", \n) and any byte that is not part of
 * well-formed UTF-8 becomes '?'.  Integer values are printed exactly.
 */
#ifndef NFQD_PROM_H
#define NFQD_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_NAME_MAX	128		/* a metric or label name, and a NUL */
#define PROM_LABELS_MAX	8		/* labels of one sample */

enum prom_type { PROM_COUNTER, PROM_GAUGE };

struct prom {
	char		*buf;		/* the text */
	size_t		 len, cap;
	char		*names;		/* families declared: "a\0b\0" */
	size_t		 nlen, ncap;
	char		 family[PROM_NAME_MAX];	/* the one being written */
	char		 labels[PROM_LABELS_MAX * PROM_NAME_MAX];	/* its
					   label names, comma-separated;
					   "-" before its first sample */
	char		 err[256];	/* the first error; "" when none */
};

void		 prom_init(struct prom *p);
void		 prom_reset(struct prom *p);	/* empty again, memory kept */
void		 prom_free(struct prom *p);
int		 prom_family(struct prom *p, const char *name,
		    enum prom_type type, const char *help);
/* A sample of the current family: NAME, VALUE pairs of labels, NULL. */
int		 prom_u64(struct prom *p, uint64_t value, ...)
		    __attribute__((sentinel));
/* A duration or time in microseconds, printed in seconds exactly. */
int		 prom_us(struct prom *p, int64_t us, ...)
		    __attribute__((sentinel));
const char	*prom_error(const struct prom *p);	/* NULL when none */
const char	*prom_text(const struct prom *p, size_t *len);
int		 prom_write_file(const struct prom *p, const char *path,
		    char *err, size_t errlen);
/* A textfile's name (NAME.prom) and whether user may write its folder. */
int		 prom_path_check(const char *path, char *err, size_t errlen);
int		 prom_folder_check(const char *path, const char *user,
		    uint32_t uid, uint32_t gid, char *err, size_t errlen);

#endif
