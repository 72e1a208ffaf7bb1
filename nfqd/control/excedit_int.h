/*
 * What the pieces of excedit share (excedit.h is its API): the session,
 * its lines, and the functions one piece offers the others.
 *
 *	excedit.c		the session: open, read, close, list, export
 *	excedit_lines.c		the file as its lines, their runs and layout
 *	excedit_ops.c		validation; add, remove, set
 *	excedit_import.c	import of a JSON array
 *	excedit_commit.c	the audit records, the write
 */
#ifndef NFQD_CONTROL_EXCEDIT_INT_H
#define NFQD_CONTROL_EXCEDIT_INT_H

#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "control/excedit.h"

#define LINE_LEN	EXC_LINEMAX
#define NO_COMMENT	((size_t)-1)

enum { XL_BLANK, XL_COMMENT, XL_ENTRY };

struct xline {
	char		*s;		/* the line and its end, NUL-ended */
	size_t		 len;
	size_t		 cpos;		/* its comment's '#', or NO_COMMENT */
	size_t		 first, last;	/* XL_ENTRY: its run of entry lines */
	uint8_t		 kind;
	bool		 fresh;		/* written by this session */
	bool		 owned;		/* s is malloc'd (else in x->text) */
	struct exc_entry e;		/* XL_ENTRY */
};

/*
 * Layout of the entry lines: the direction starts at column col1 (abs1)
 * or gap1 spaces after the address; the attributes col2 columns after the
 * direction's start (abs2) or gap2 spaces after it.  min1/min2: the
 * spaces used when a field does not fit its column.
 */
struct layout {
	bool		 abs1, abs2;
	int		 col1, col2, min1, min2;
};

struct excedit {
	struct excedit_opts o;
	const struct tz	*tz;			/* expires days end there */
	char		 name[MAX_PATH];	/* as given: messages */
	char		 real[MAX_PATH];	/* symlinks resolved */
	char		 today[11];
	int		 lockfd;
	struct stat	 st;
	char		*orig;			/* the file as read */
	size_t		 origlen;
	char		*text;			/* its lines, each NUL-ended */
	bool		 bom;			/* it starts with one: kept */
	struct xline	*l;
	size_t		 n, cap;
	size_t		*ent;			/* line index of each entry */
	size_t		 nent;
	struct prefix	*pfx;			/* entry k's, for idx */
	const struct exc_entry **ptr;		/* entry k, for the lint */
	struct lpm	 idx;			/* entry k by its prefix */
	bool		 idx_ok;
	struct layout	 lay;
	const char	*eol;
	bool		 changed;
	unsigned	 last_line;
	char		*audit;			/* pending JSON lines */
	size_t		 auditlen, auditcap;
	char		 sha256[SHA256_HEXLEN];	/* of the list written */
};

/* A validated entry, before it becomes a line. */
struct xnew {
	struct prefix	 pfx;
	enum exc_dir	 dir;
	char		 ticket[EXC_TEXTLEN];
	char		 owner[EXC_TEXTLEN];
	char		 expires[11];
	char		 added[11];
	char		 comment[EXCEDIT_COMMENTLEN];
};

struct sb {
	char	*p;
	size_t	 len, cap;
	bool	 over;
};

/*
 * The lines of a change, decided on the file as it is: each is kept,
 * deleted or replaced.
 */
struct xplan {
	bool		 del;
	char		*rep;		/* malloc'd new text, with its end */
};

/* Here, so that an import's sort and matching inline them. */
static inline int
xe_pfx_cmp(const struct prefix *a, const struct prefix *b)
{
	if (a->addr.af != b->addr.af)
		return a->addr.af < b->addr.af ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->addr.b, b->addr.b, 16);
}

static inline bool
xe_pfx_equal(const struct prefix *a, const struct prefix *b)
{
	return xe_pfx_cmp(a, b) == 0;
}

/* s, or "" for NULL. */
static inline const char *
xv_or(const char *s)
{
	return s != NULL ? s : "";
}

/* excedit.c */
/* A message to opts.msg, at level (enum excedit_level). */
void	 xe_msg(const struct excedit *x, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* "<real>.lock" taken (waited for), or -1 with err; xe_unlock lets go. */
int	 xe_lock(struct excedit *x, char *err, size_t errlen);
void	 xe_unlock(struct excedit *x);

/* excedit_lines.c: the lines */
/* The line without its line end. */
void	 xl_text(const struct xline *l, char *out, size_t cap);
bool	 xl_has_end(const struct xline *l);
void	 xl_free(struct xline *l);
/* The whole of fd into *buf (malloc'd, NUL-terminated); -1 with errno. */
int	 xe_read_fd(int fd, char **buf, size_t *len);
/* The file into x's lines, each classified (xe_parse). */
int	 xe_read(struct excedit *x, char *err, size_t errlen);
/* After any change: the entries, their line numbers, their runs. */
void	 xe_reindex(struct excedit *x);
/* Line i classified: blank, comment or entry; -1 "file:line: why". */
int	 xe_parse(struct excedit *x, size_t i, char *err, size_t errlen);
/* A copy of s[0..len) as the line at index at; xe_delete takes one out. */
int	 xe_insert(struct excedit *x, size_t at, const char *s, size_t len);
void	 xe_delete(struct excedit *x, size_t at);
/* Line i given, or deprived of, its line end. */
int	 xe_terminate(struct excedit *x, size_t i);
void	 xe_unterminate(struct excedit *x, size_t i);
/* The comment line heading line i's run *first..*last of entries, or -1. */
ssize_t	 xe_heading(const struct excedit *x, size_t i, size_t *first,
	    size_t *last);
/* The comment line that is entry line i's own, or -1. */
ssize_t	 xe_attached(const struct excedit *x, size_t i);
/* Entry line i's comment (*own: its own line's number, or 0). */
void	 xe_comment_of(const struct excedit *x, size_t i, char *out,
	    size_t cap, unsigned *own);
/* Is entry line i in a group headed by a comment line? */
bool	 xe_in_group(const struct excedit *x, size_t i);
/* The entries by prefix; 1 with dup[] when a prefix is there twice. */
int	 xe_index(struct excedit *x, size_t dup[2]);
/* Entry k whose prefix is p, or -1 (-2: out of memory). */
ssize_t	 xe_find(struct excedit *x, const struct prefix *p);
/* The columns the entry lines align to (struct layout). */
void	 xe_layout(struct excedit *x);
void	 xe_sb_add(struct sb *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The entry's line, in the file's layout, with the file's line end. */
int	 xe_format(const struct excedit *x, const struct xnew *e, char *out,
	    size_t cap);

/* excedit_ops.c: validation and edits */
/* What entry line i says, as an xnew. */
void	 xe_old(const struct excedit *x, size_t i, struct xnew *o);
/* r validated into n; with old, a field as old has it is taken as is. */
int	 xe_check(const struct excedit *x, const struct excedit_req *r,
	    const struct xnew *old, struct xnew *n, char *err, size_t errlen);
/* The entries n[0..count) appended at the end of the file. */
int	 xe_append(struct excedit *x, const struct xnew *n, size_t count,
	    char *err, size_t errlen);
/* Entry line i to become n, in the plan; audited as what. */
int	 xe_change(struct excedit *x, size_t i, const struct xnew *n,
	    struct xplan *plan, const char *what, char *err, size_t errlen);
/* The plan's deletions and replacements, in one pass. */
int	 xe_apply(struct excedit *x, struct xplan *plan, size_t nplan,
	    char *err, size_t errlen);
void	 xe_plan_free(struct xplan *plan, size_t n);
/* Warnings on the entries this session wrote (exc_lint's, less expiry). */
void	 xe_warn_fresh(struct excedit *x);

/* excedit_commit.c */
/* One audit record, held until excedit_commit writes the file. */
int	 xe_audit(struct excedit *x, const char *what, const char *change,
	    const char *entry, const char *was, const char *ticket);

#endif
