/*
 * exceptions.c: exceptions.conf, the network team's list -- one grammar
 * for every reader (nfqd, nfqctl, nfqd-rules), its checks and warnings;
 * exchash.c: the list's identity.
 */
#ifndef NFQD_POLICY_EXCEPTIONS_H
#define NFQD_POLICY_EXCEPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/digest.h"
#include "base/lpm.h"
#include "base/tz.h"
#include "policy/conf.h"

enum exc_dir { EXC_INBOUND = 1, EXC_OUTBOUND = 2, EXC_BOTH = 3 };

#define EXC_TEXTLEN	64

struct exc_entry {
	struct prefix	 pfx;
	enum exc_dir	 dir;
	int64_t		 expires_at;		/* unix s, 0 = never */
	char		 ticket[EXC_TEXTLEN];
	char		 owner[EXC_TEXTLEN];
	char		 expires[11];		/* YYYY-MM-DD or "" */
	char		 added[11];
	unsigned	 line;
};

struct exc_list {
	struct exc_entry *v;
	size_t		  n;
	struct lpm	  lpm;
};

/* exc_scope(): where an entry lies against internal-networks. */
enum { EXC_INSIDE, EXC_EQUAL, EXC_OUTSIDE, EXC_CONTAINS };
#define EXC_LINEMAX	4096		/* bytes of a line, with its end */
#define EXC_COMMENTMAX	200		/* bytes of a comment an edit writes */
#define EXC_ANY_MODE	0x1		/* exc_load: a checkout copy */
#define EXC_LINT_EXPIRY	0x1		/* exc_lint_entry: expired, expiring */

typedef void (*exc_warn_cb)(void *arg, const char *text);
int	 exc_load(const char *path, const struct conf *c, unsigned flags,
	    struct exc_list *l, char *err, size_t errlen);
int	 exc_parse_line(const char *line, const struct tz *tz,
	    struct exc_entry *e, char *err, size_t errlen);
/*
 * A line of the file, len bytes: exc_parse_line (and where its comment
 * starts), no NUL byte, and inside c's campus.
 */
int	 exc_check_line(const char *line, size_t len, const struct conf *c,
	    struct exc_entry *e, size_t *comment, char *err, size_t errlen);
void	 exc_free(struct exc_list *l);
const char	*exc_dir_name(uint8_t d);
int	 exc_check_text(const char *key, const char *v, char *out, char *err,
	    size_t errlen);
int	 exc_check_date(const char *key, const char *v, char out[11],
	    int64_t *day, char *err, size_t errlen);
int	 exc_check_dir(const char *v, enum exc_dir *out, char *err, size_t errlen);
/* An entry's comment as an edit gives it: trimmed into out, checked. */
int	 exc_check_comment(const char *v, char out[EXC_COMMENTMAX + 1],
	    char *err, size_t errlen);
int64_t	 exc_expires_at(const struct tz *tz, int64_t day);
/* Days from now's local day to e's last day; INT64_MAX: it never ends. */
int64_t	 exc_days_left(const struct tz *tz, const struct exc_entry *e,
	    int64_t now);
int	 exc_scope(const struct conf *c, const struct prefix *p,
	    size_t *which);
int	 exc_check_scope(const struct conf *c, const struct prefix *p,
	    char *err, size_t errlen);
unsigned	 exc_lint(const struct conf *c, const struct exc_list *l,
	    const char *name, int64_t now, exc_warn_cb cb, void *arg);
unsigned	 exc_lint_entry(const struct conf *c,
	    const struct exc_entry *e, const char *name, int64_t now,
	    unsigned flags, exc_warn_cb cb, void *arg);
unsigned	 exc_lint_overlaps(const struct exc_entry *const *v, size_t n,
	    const struct lpm *lpm, const char *name, int64_t now,
	    const bool *only, exc_warn_cb cb, void *arg);
unsigned	 exc_lint_overlaps_of(const struct exc_entry *const *f,
	    size_t nf, const struct exc_entry *const *v, const struct lpm *lpm,
	    const char *name, int64_t now, exc_warn_cb cb, void *arg);

struct cJSON;
/* An entry as the control socket's answers show it. */
struct cJSON	*exc_json(const struct exc_entry *e, int64_t now);

/* The list's SHA-256, of its canonical form (exchash.c). */
int	 exc_hash(const struct exc_list *l, char out[SHA256_HEXLEN]);

#endif
