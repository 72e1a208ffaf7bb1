/*
 * excedit: validated, comment-preserving, atomic edits of exceptions.conf.
 *
 * An edit is a session:
 *
 *	x = excedit_open(&opts, err, errlen);	lock (opts.lock), read, parse
 *	excedit_add(x, &req, err, errlen);	validate, change the copy
 *	excedit_commit(x, err, errlen);		audit, write, rename
 *	excedit_close(x);			unlock
 *
 * Nothing touches the file before excedit_commit(), so a refused edit
 * (any -1 before it) leaves the file byte for byte as it was.  The file is
 * kept as its lines: an edit inserts, deletes or replaces whole lines and
 * every other byte is written back unchanged; an add undone by a remove
 * leaves the file as it was, byte for byte.
 *
 * Locking: flock(2) on "<file>.lock", next to the file (symlinks resolved).
 * With opts.lock it is held from excedit_open() to excedit_close(): the
 * file is read after the lock is taken, so concurrent sessions serialize.
 * With opts.late_lock (nfqctl) it is held only while writing: the file is
 * read and the edit prepared unlocked, and excedit_commit() takes the
 * lock, finds the file as it was read or returns EXCEDIT_STALE (nothing
 * written: open, edit and commit again), writes, and lets go.
 * Writing: a temporary file in the same folder, fsync, checked with the
 * daemon's own loader (exc_load), rename over the file, fsync the folder.
 * Every step is linear in the size of the file (bench/exceptions.sh).
 *
 * Errors are one line, without file:line unless they are about a line of
 * the file.  opts.msg gets what an edit did (EXCEDIT_INFO: show it once
 * committed), warnings (EXCEDIT_WARN: the edit still happens) and, for an
 * import, every problem found (EXCEDIT_ERROR).
 */
#ifndef NFQD_EXCEDIT_H
#define NFQD_EXCEDIT_H

#include "base/defs.h"
#include "policy/policy.h"

#define EXCEDIT_COMMENTLEN	1024	/* room for a hand-written one */

enum excedit_level { EXCEDIT_INFO, EXCEDIT_WARN, EXCEDIT_ERROR };

#define EXCEDIT_STALE	(-2)	/* excedit_commit: the file changed meanwhile */

struct excedit_opts {
	const char		*path;	/* exceptions.conf */
	const char		*audit;	/* JSON-lines audit log; NULL: none */
	const char		*who;	/* the audit log's "who" */
	const struct conf	*conf;	/* internal-networks; NULL: no check */
	int64_t			 now;	/* unix time: today, and what expired */
	bool			 lock;	/* an edit session (else read only) */
	bool			 late_lock;	/* with lock: only to write */
	bool			 want_sha256;	/* excedit_sha256(), then */
	/* What an edit did, warned or found wrong (level: excedit_level). */
	void			(*msg)(void *arg, int level, const char *text);
	void			*arg;	/* for msg */
};

/*
 * One entry as add takes it: strings, validated by excedit_add().  NULL
 * (or "") for an optional one: expires never, added today, no comment.
 * For excedit_set(): NULL keeps the field as it is; expires "never"
 * takes the expiry away, comment "" the comment.
 */
struct excedit_req {
	const char	*address;	/* ADDR or ADDR/LEN */
	const char	*direction;	/* inbound, outbound, both */
	const char	*ticket;
	const char	*owner;
	const char	*expires;	/* YYYY-MM-DD */
	const char	*added;		/* YYYY-MM-DD */
	const char	*comment;
};

/* One entry of the file, as list and export see it. */
struct excedit_info {
	struct exc_entry e;		/* e.line: its line in the file */
	char		 comment[EXCEDIT_COMMENTLEN];	/* "" when none */
	unsigned	 comment_line;	/* the comment's own line, or 0 */
	char		 text[4096];	/* the line, without its line end */
};

struct excedit_stats {
	unsigned	 added, removed, changed, kept;
};

struct excedit;

/* The file read (and locked, with o->lock but not o->late_lock). */
struct excedit	*excedit_open(const struct excedit_opts *o, char *err,
		    size_t errlen);
void		 excedit_close(struct excedit *x);
int		 excedit_add(struct excedit *x, const struct excedit_req *r,
		    char *err, size_t errlen);
/* The entry of prefix addr, and its own comment line; ticket: audited. */
int		 excedit_remove(struct excedit *x, const char *addr,
		    const char *ticket, char *err, size_t errlen);
int		 excedit_set(struct excedit *x, const struct excedit_req *r,
		    char *err, size_t errlen);
/* The list made what the JSON array text says (name: for messages). */
int		 excedit_import(struct excedit *x, const char *text,
		    size_t len, const char *name, struct excedit_stats *st,
		    char *err, size_t errlen);
/* The edits written, or EXCEDIT_STALE (late lock), or -1: nothing is. */
int		 excedit_commit(struct excedit *x, char *err, size_t errlen);

/* The path as given, and with its symlinks resolved (the one written). */
const char	*excedit_path(const struct excedit *x);
const char	*excedit_real(const struct excedit *x);
/* The SHA-256 (exchash.c) of the list committed, with want_sha256. */
const char	*excedit_sha256(const struct excedit *x);
size_t		 excedit_count(const struct excedit *x);
/* Has the session something to write? */
bool		 excedit_changed(const struct excedit *x);
/* Entry k (0 to excedit_count() - 1), its comment and its line. */
void		 excedit_get(const struct excedit *x, size_t k,
		    struct excedit_info *info);
/* The entries (those with select[k]; NULL: all) as a JSON array. */
char		*excedit_json(const struct excedit *x, const bool *select);

/* Who edits, for the audit log: SUDO_USER, else the user's name. */
void		 excedit_who(char *buf, size_t len);

#endif
