/*
 * quarantine.c: hosts kept out for a while, whatever the list says,
 * in a state file (state-dir/quarantine.json) written atomically.
 */
#ifndef NFQD_POLICY_QUARANTINE_H
#define NFQD_POLICY_QUARANTINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/lpm.h"
#include "policy/conf.h"

#define QUAR_FILE	"quarantine.json"
#define QUAR_REASONLEN	201		/* bytes of reason text, and a NUL */
#define QUAR_WHOLEN	64
#define QUAR_MAX	4096		/* hosts in quarantine at once */
#define QUAR_MAX_SECS	(366 * 86400)

struct quar_entry {
	struct prefix	 pfx;
	int64_t		 since, until;	/* unix s: in force in [since, until) */
	char		 reason[QUAR_REASONLEN];
	char		 who[QUAR_WHOLEN];	/* who put it in force */
	char		 removed_by[QUAR_WHOLEN];	/* ended early: by whom */
	bool		 pending;	/* its start event is still owed */
};

struct quar_list {
	struct quar_entry *v;
	size_t		  n;
	struct lpm	  lpm;
};

enum quar_action { QA_START, QA_END };

typedef void (*quar_cb)(void *, uint8_t, const struct quar_entry *);
void	 quar_path(const struct conf *c, char *buf, size_t len);
int	 quar_load(const char *path, struct quar_list *l, char *err,
	    size_t errlen);
void	 quar_free(struct quar_list *l);
void	 quar_destroy(struct quar_list *l);	/* quar_free, then free */
const struct quar_entry	*quar_match(const struct quar_list *l,
	    const struct ip_addr *a, int64_t now);
int	 quar_check(const char *host, const char *dur, const char *reason,
	    struct prefix *pfx, int64_t *secs, char *err, size_t errlen);
bool	 quar_text_ok(const char *s);
int	 quar_add(const char *dir, const struct quar_entry *e, char *err,
	    size_t errlen);
int	 quar_remove(const char *dir, const struct prefix *p, int64_t now,
	    const char *who, struct quar_entry *out, char *err, size_t errlen);
int	 quar_settle(const char *dir, int64_t now, struct quar_list *out,
	    quar_cb cb, void *arg, char *err, size_t errlen);
int	 duration_parse(const char *s, int64_t *out);

#endif
