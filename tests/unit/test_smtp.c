/*
 * The SMTP stream parser on raw byte strings: every command and reply
 * case, pipelining, DATA and BDAT, STARTTLS, gaps, over-long lines, what
 * is not SMTP, the address modes; every transcript is also fed at every
 * split point and byte by byte and must give the same meta.  Then a
 * random-input loop checking invariants, and the real captures in
 * ../shared/pcaps replayed through a minimal in-order reassembly.
 */
#include "util.h"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include "engine/smtp.h"

/* ---- transcripts ---- */

/* One feed of one direction; b == NULL is a gap of n bytes (0: unknown). */
struct rec {
	int		 dir;
	const char	*b;
	size_t		 n;
};

#define C(s)		{ 0, (s), sizeof(s) - 1 }
#define S(s)		{ 1, (s), sizeof(s) - 1 }
#define GAP(d, n)	{ (d), NULL, (n) }

#define CRLF		"\r\n"

/* Feed n bytes from an exact-size heap copy, so ASan sees any over-read. */
static int
feed_exact(struct smtp *s, int dir, const void *p, size_t n)
{
	uint8_t	*q = dup_exact(p, n);
	int	 st;

	st = smtp_feed(s, dir, q, n);
	free(q);
	return st;
}

static int
feed_str(struct smtp *s, int dir, const char *str)
{
	return feed_exact(s, dir, str, strlen(str));
}

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

enum split { SPLIT_NONE, SPLIT_BYTES, SPLIT_AT, SPLIT_RANDOM };

/*
 * Feed a transcript: each record whole (SPLIT_NONE), byte by byte, cut in
 * two at global offset `arg` (SPLIT_AT), or cut at random points (seed
 * `arg`).  Returns the last status; checks that a final status sticks.
 */
static int
run(struct smtp *s, enum smtp_addr_mode mode, const struct rec *t,
    size_t nt, enum split how, uint64_t arg)
{
	uint64_t	 x = arg * 2654435761u + 88172645463325252ull;
	size_t		 i, off, piece, global = 0;
	int		 st = SMTP_MORE, prev;

	smtp_init(s, mode);
	for (i = 0; i < nt; i++) {
		if (t[i].b == NULL) {
			smtp_gap(s, t[i].dir, t[i].n);
			continue;
		}
		for (off = 0; off < t[i].n; off += piece) {
			piece = t[i].n - off;
			if (how == SPLIT_BYTES)
				piece = 1;
			else if (how == SPLIT_AT && global + off < arg &&
			    arg < global + t[i].n)
				piece = arg - global - off;
			else if (how == SPLIT_RANDOM && piece > 1)
				piece = 1 + rnd(&x) % (rnd(&x) % 4 == 0 ?
				    piece : (piece < 8 ? piece : 8));
			prev = st;
			st = feed_exact(s, t[i].dir, t[i].b + off, piece);
			if (prev != SMTP_MORE)
				assert_int_equal(st, prev);
		}
		global += t[i].n;
	}
	return st;
}

static size_t
total_len(const struct rec *t, size_t nt)
{
	size_t	 i, n = 0;

	for (i = 0; i < nt; i++)
		if (t[i].b != NULL)
			n += t[i].n;
	return n;
}

/* Fail naming the first field where a and b differ. */
static void
meta_same(const struct smtp_meta *a, const struct smtp_meta *b,
    const char *what)
{
	uint32_t	 i;

#define SAME_INT(f) do {						\
	if (a->f != b->f)						\
		fail_msg("%s: " #f " %llu != %llu", what,		\
		    (unsigned long long)a->f, (unsigned long long)b->f);\
} while (0)
#define SAME_STR(f) do {						\
	if (strcmp(a->f, b->f) != 0)					\
		fail_msg("%s: " #f " '%s' != '%s'", what, a->f, b->f);	\
} while (0)
	SAME_STR(banner);
	SAME_STR(helo);
	SAME_INT(starttls);
	SAME_INT(auth);
	SAME_INT(transactions);
	SAME_INT(rcpts);
	SAME_INT(data_bytes);
	for (i = 0; i < 4; i++)
		SAME_INT(replies[i]);
	SAME_INT(n_mail_from);
	SAME_INT(n_rcpt_to);
	for (i = 0; i < a->n_mail_from && i < SMTP_MAX_ADDRS; i++)
		SAME_STR(mail_from[i]);
	for (i = 0; i < a->n_rcpt_to && i < SMTP_MAX_ADDRS; i++)
		SAME_STR(rcpt_to[i]);
	SAME_INT(commands);
	SAME_INT(max_message);
	SAME_INT(messages);
#undef SAME_INT
#undef SAME_STR
}

/*
 * Feed t whole into `out` (returned status), then byte by byte, at every
 * split point and at random split points: all must agree.
 */
static int
feed_checked(struct smtp *out, enum smtp_addr_mode mode, const struct rec *t,
    size_t nt)
{
	struct smtp	*s = malloc(sizeof(*s));
	char		 what[64];
	size_t		 k, total = total_len(t, nt);
	int		 st, st2;

	assert_non_null(s);
	st = run(out, mode, t, nt, SPLIT_NONE, 0);
	st2 = run(s, mode, t, nt, SPLIT_BYTES, 0);
	assert_int_equal(st2, st);
	meta_same(smtp_meta(out), smtp_meta(s), "byte by byte");
	for (k = 1; k < total; k++) {
		st2 = run(s, mode, t, nt, SPLIT_AT, k);
		snprintf(what, sizeof(what), "split at %zu", k);
		if (st2 != st)
			fail_msg("%s: status %d != %d", what, st2, st);
		meta_same(smtp_meta(out), smtp_meta(s), what);
	}
	for (k = 1; k <= 64; k++) {
		st2 = run(s, mode, t, nt, SPLIT_RANDOM, k);
		snprintf(what, sizeof(what), "random split %zu", k);
		assert_int_equal(st2, st);
		meta_same(smtp_meta(out), smtp_meta(s), what);
	}
	free(s);
	return st;
}

#define FEED(s, mode, t)	feed_checked((s), (mode), (t), NELEM(t))

static void
assert_replies(const struct smtp_meta *m, uint32_t r2, uint32_t r3,
    uint32_t r4, uint32_t r5)
{
	assert_int_equal(m->replies[0], r2);
	assert_int_equal(m->replies[1], r3);
	assert_int_equal(m->replies[2], r4);
	assert_int_equal(m->replies[3], r5);
}

/* Every kept string NUL-terminated, printable, within its array. */
static void
assert_meta_sane(const struct smtp_meta *m)
{
	const char	*strs[2 + 2 * SMTP_MAX_ADDRS];
	size_t		 sizes[2 + 2 * SMTP_MAX_ADDRS], i, n = 0, len;
	uint32_t	 k;

	assert_true(m->n_mail_from <= SMTP_MAX_ADDRS);
	assert_true(m->n_rcpt_to <= SMTP_MAX_ADDRS);
	strs[n] = m->banner;
	sizes[n++] = sizeof(m->banner);
	strs[n] = m->helo;
	sizes[n++] = sizeof(m->helo);
	for (k = 0; k < m->n_mail_from; k++) {
		strs[n] = m->mail_from[k];
		sizes[n++] = SMTP_ADDRLEN;
	}
	for (k = 0; k < m->n_rcpt_to; k++) {
		strs[n] = m->rcpt_to[k];
		sizes[n++] = SMTP_ADDRLEN;
	}
	for (i = 0; i < n; i++) {
		const char *z = memchr(strs[i], '\0', sizes[i]);

		if (z == NULL)
			fail_msg("string %zu not NUL-terminated", i);
		len = (size_t)(z - strs[i]);
		for (k = 0; k < len; k++)
			if (strs[i][k] < 0x21 || strs[i][k] > 0x7e)
				fail_msg("string %zu has byte 0x%02x", i,
				    (unsigned char)strs[i][k]);
	}
	assert_true(m->max_message <= m->data_bytes);
}

/* ---- a whole session ---- */

#define BODY	"From: alice@example.org" CRLF "Subject: test" CRLF CRLF	\
		".leading dot" CRLF "MAIL FROM:<not@command>" CRLF

static void
test_full_session(void **state UNUSED)
{
	static const struct rec t[] = {
		S("220-mx.example.net ESMTP Postfix" CRLF "220 ready" CRLF),
		C("EHLO client.example.org" CRLF),
		S("250-mx.example.net" CRLF "250-PIPELINING" CRLF
		    "250-SIZE 10240000" CRLF "250-STARTTLS" CRLF
		    "250-AUTH PLAIN LOGIN" CRLF "250 8BITMIME" CRLF),
		C("AUTH PLAIN AGFsaWNlAHNlY3JldA==" CRLF),
		S("235 2.7.0 Authentication successful" CRLF),
		C("MAIL FROM:<Alice@Example.ORG> SIZE=123 BODY=8BITMIME" CRLF
		    "RCPT TO:<bob@example.net>" CRLF
		    "RCPT TO:<carol@Example.Net> NOTIFY=NEVER" CRLF
		    "DATA" CRLF),
		S("250 2.1.0 Ok" CRLF "250 2.1.5 Ok" CRLF
		    "550 5.1.1 <carol@Example.Net>: Recipient rejected" CRLF
		    "354 End data with <CR><LF>.<CR><LF>" CRLF),
		C("From: alice@example.org" CRLF "Subject: test" CRLF CRLF
		    "..leading dot" CRLF "MAIL FROM:<not@command>" CRLF
		    "." CRLF),
		S("250 2.0.0 Ok: queued as 4ABC" CRLF),
		C("QUIT" CRLF),
		S("221 2.0.0 Bye" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_MORE);
	assert_ptr_equal(smtp_meta(&s), &s.meta);
	assert_string_equal(m->banner, "mx.example.net");
	assert_string_equal(m->helo, "client.example.org");
	assert_true(m->auth);
	assert_false(m->starttls);
	assert_int_equal(m->transactions, 1);
	assert_int_equal(m->rcpts, 2);
	assert_int_equal(m->commands, 7);
	assert_int_equal(m->data_bytes, strlen(BODY));
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->max_message, strlen(BODY));
	assert_replies(m, 7, 1, 0, 1);
	assert_int_equal(m->n_mail_from, 1);
	assert_string_equal(m->mail_from[0], "Alice@Example.ORG");
	assert_int_equal(m->n_rcpt_to, 2);
	assert_string_equal(m->rcpt_to[0], "bob@example.net");
	assert_string_equal(m->rcpt_to[1], "carol@Example.Net");
	assert_meta_sane(m);
	assert_string_equal(smtp_status_name(SMTP_MORE), "more");
	assert_string_equal(smtp_status_name(SMTP_TLS), "tls");
	assert_string_equal(smtp_status_name(SMTP_NOT_SMTP), "not-smtp");
	assert_string_equal(smtp_status_name(99), "?");
}

/* ---- commands ---- */

static void
test_case_insensitive(void **state UNUSED)
{
	static const struct rec t[] = {
		C("ehlo Host.Example" CRLF "mail from:<a@b.c>" CRLF
		    "Rcpt To:<d@e.f>" CRLF "dAtA" CRLF "x" CRLF "." CRLF
		    "StartTLS" CRLF "noop" CRLF "Rset" CRLF "vrfy x" CRLF
		    "expn x" CRLF "help" CRLF "auth login" CRLF
		    "xclient ADDR=1.2.3.4" CRLF "lhlo other" CRLF "quit" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_MORE);
	assert_int_equal(m->commands, 14);
	assert_int_equal(m->transactions, 1);
	assert_int_equal(m->rcpts, 1);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->data_bytes, 3);
	assert_true(m->auth);
	assert_string_equal(m->helo, "other");
	assert_string_equal(m->mail_from[0], "a@b.c");
	assert_string_equal(m->rcpt_to[0], "d@e.f");
}

/* Verbs that only look like commands, and commands without arguments. */
static void
test_not_commands(void **state UNUSED)
{
	static const struct rec t[] = {
		C("EHLO" CRLF "EHLO first" CRLF "HELO" CRLF
		    "MAILFROM:<a@b>" CRLF "MAIL TO:<a@b>" CRLF
		    "RCPT FROM:<a@b>" CRLF "DATA now" CRLF "BDAT" CRLF
		    "BDAT x" CRLF "BDAT 5x" CRLF "STARTTLSX" CRLF
		    "STARTTLS now" CRLF "XYZZY" CRLF "MAIL\0FROM:<a@b>" CRLF
		    "QUIT" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_MORE);
	/* EHLO x3, MAIL TO, RCPT FROM, DATA now, BDAT x3, STARTTLS now, QUIT */
	assert_int_equal(m->commands, 11);
	assert_string_equal(m->helo, "first");	/* empty EHLO keeps it */
	assert_int_equal(m->transactions, 0);
	assert_int_equal(m->rcpts, 0);
	assert_int_equal(m->n_mail_from, 0);
	assert_int_equal(m->messages, 0);
	assert_int_equal(m->data_bytes, 0);
}

static void
test_bare_lf(void **state UNUSED)
{
	static const struct rec t[] = {
		S("220 mx.lf ESMTP\n"),
		C("EHLO lf\n"),
		S("250-mx.lf\n250 8BITMIME\n"),
		C("MAIL FROM:<a@b>\nRCPT TO:<c@d>\nDATA\n"),
		S("250 ok\n250 ok\n354 go\n"),
		C("hello\n.\nQUIT\n"),
		S("250 ok\n221 bye\n"),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_MORE);
	assert_string_equal(m->banner, "mx.lf");
	assert_string_equal(m->helo, "lf");
	assert_int_equal(m->commands, 5);
	assert_int_equal(m->data_bytes, 6);
	assert_int_equal(m->messages, 1);
	assert_replies(m, 6, 1, 0, 0);
}

/* ---- replies ---- */

static void
test_replies(void **state UNUSED)
{
	static const struct rec t[] = {
		S("220-first line" CRLF "220-second" CRLF "220 last" CRLF),
		C("EHLO c" CRLF),
		S("250-a" CRLF "250-b" CRLF "250-c" CRLF "250 d" CRLF),
		C("AUTH LOGIN" CRLF),
		S("334 VXNlcm5hbWU6" CRLF),
		C("dXNlcg==" CRLF),
		S("334 UGFzc3dvcmQ6" CRLF),
		C("cGFzcw==" CRLF),
		S("535 5.7.8 bad" CRLF),
		C("MAIL FROM:<a@b>" CRLF),
		S("451 try later" CRLF "this is not a reply line" CRLF),
		C("NOOP" CRLF),
		S("250" CRLF),			/* code only */
		C("VRFY x" CRLF),
		S("250-open" CRLF "252 other code closes it" CRLF),
		C("QUIT" CRLF),
		S("221 bye" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_MORE);
	assert_string_equal(m->banner, "first");
	/* 220 250 250 252 250(open) 221 | 334 334 | 451 | 535 */
	assert_replies(m, 6, 2, 1, 1);
}

static void
test_pipelining(void **state UNUSED)
{
	static const struct rec t[] = {
		S("220 mx ESMTP" CRLF),
		C("EHLO c" CRLF),
		S("250-mx" CRLF "250 PIPELINING" CRLF),
		C("MAIL FROM:<a@x>" CRLF "RCPT TO:<b@y>" CRLF "DATA" CRLF),
		S("250 ok" CRLF "550 no such user" CRLF
		    "554 no valid recipients" CRLF),
		C("RSET" CRLF "MAIL FROM:<a@x>" CRLF "RCPT TO:<c@y>" CRLF
		    "DATA" CRLF),
		S("250 ok" CRLF "250 ok" CRLF "250 ok" CRLF "354 go" CRLF),
		C("hi" CRLF "." CRLF "QUIT" CRLF),
		S("250 queued" CRLF "221 bye" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_MORE);
	/* the refused DATA: RSET after it is a command, not content */
	assert_int_equal(m->commands, 9);
	assert_int_equal(m->transactions, 2);
	assert_int_equal(m->rcpts, 2);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->data_bytes, 4);
	assert_replies(m, 8, 1, 0, 2);
	assert_int_equal(m->n_mail_from, 1);
	assert_int_equal(m->n_rcpt_to, 2);
}

/* The client sent content before the server refused DATA: taken back. */
static void
test_data_refused_late(void **state UNUSED)
{
	static const struct rec t[] = {
		S("220 mx ESMTP" CRLF),
		C("EHLO c" CRLF),
		S("250 mx" CRLF),
		C("MAIL FROM:<a@x>" CRLF "RCPT TO:<b@y>" CRLF "DATA" CRLF),
		C("Subject: early" CRLF),
		S("250 ok" CRLF "550 no" CRLF "554 no valid recipients" CRLF),
		C("QUIT" CRLF),
		S("221 bye" CRLF),
	};
	static const struct rec mid[] = {	/* refused mid-line */
		S("220 mx ESMTP" CRLF),
		C("DATA" CRLF "Subject: ea"),
		S("503 need MAIL" CRLF),
		C("rly" CRLF "NOOP" CRLF),
	};
	static const struct rec temp[] = {	/* 4xx, nothing sent yet */
		S("220 mx ESMTP" CRLF),
		C("DATA" CRLF),
		S("451 later" CRLF),
		C("NOOP" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_MORE);
	assert_int_equal(m->data_bytes, 0);
	assert_int_equal(m->messages, 0);
	assert_int_equal(m->commands, 5);	/* EHLO MAIL RCPT DATA QUIT */

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, mid), SMTP_MORE);
	assert_int_equal(m->data_bytes, 0);
	assert_int_equal(m->commands, 2);	/* DATA NOOP */

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, temp), SMTP_MORE);
	assert_int_equal(m->commands, 2);
	assert_replies(m, 1, 0, 1, 0);
}

/* ---- DATA ---- */

static void
test_data_end_split(void **state UNUSED)
{
	static const struct rec t[] = {
		C("MAIL FROM:<a@b>" CRLF "DATA" CRLF),
		C("line one" CRLF "line two" CRLF "."),
		C(CRLF),
		C("QUIT" CRLF),
	};
	static const struct rec t2[] = {
		C("DATA" CRLF "x" "\r"),
		C("\n"),
		C("."),
		C("\r"),
		C("\n" "NOOP" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_NONE, t), SMTP_MORE);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->data_bytes, 20);
	assert_int_equal(m->commands, 3);

	assert_int_equal(FEED(&s, SMTP_ADDR_NONE, t2), SMTP_MORE);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->data_bytes, 3);
	assert_int_equal(m->commands, 2);
}

/* Dot-unstuffing and what does and does not end the message. */
static void
test_data_dots(void **state UNUSED)
{
	static const struct rec t[] = {
		C("DATA" CRLF
		    ".." CRLF		/* "."	3 */
		    ".x" CRLF		/* "x"	3 */
		    ". " CRLF		/* " "	3 */
		    ".\r." CRLF		/* "\r." 4 */
		    "a.\r\n.b" CRLF	/* "a." "b" 7 */
		    "\r" CRLF		/* 3 */
		    "." CRLF
		    "DATA" CRLF "." CRLF	/* empty message */
		    "DATA" CRLF "1234567890" CRLF "." CRLF
		    "NOOP" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_NONE, t), SMTP_MORE);
	assert_int_equal(m->messages, 3);
	assert_int_equal(m->data_bytes, 23 + 0 + 12);
	assert_int_equal(m->max_message, 23);
	assert_int_equal(m->commands, 4);
}

static void
test_data_long_line(void **state UNUSED)
{
	static char	 buf[40000];
	struct rec	 t[3];
	struct smtp	 s;
	size_t		 n;

	n = (size_t)snprintf(buf, sizeof(buf), "DATA" CRLF);
	memset(buf + n, 'x', 30000);
	n += 30000;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
	    CRLF "." CRLF "QUIT" CRLF);
	t[0] = (struct rec){ 0, buf, 10 };
	t[1] = (struct rec){ 0, buf + 10, n - 10 };
	t[2] = (struct rec)S("220 x" CRLF);
	assert_int_equal(run(&s, SMTP_ADDR_NONE, t, 3, SPLIT_NONE, 0),
	    SMTP_MORE);
	assert_int_equal(s.meta.data_bytes, 30002);
	assert_int_equal(s.meta.commands, 2);
	assert_int_equal(run(&s, SMTP_ADDR_NONE, t, 3, SPLIT_BYTES, 0),
	    SMTP_MORE);
	assert_int_equal(s.meta.data_bytes, 30002);
	assert_int_equal(s.meta.commands, 2);
}

/* ---- BDAT ---- */

#define CHUNK1	"abc" CRLF "." CRLF "MAIL FROM:<evil@z>" CRLF	/* 28 */
#define CHUNK2	"RCPT TO:<x>\r"					/* 12 */

static void
test_bdat(void **state UNUSED)
{
	static const struct rec t[] = {
		S("220 mx ESMTP" CRLF),
		C("EHLO c" CRLF),
		S("250-mx" CRLF "250-CHUNKING" CRLF "250 PIPELINING" CRLF),
		C("MAIL FROM:<a@x>" CRLF "RCPT TO:<b@y>" CRLF
		    "BDAT 28" CRLF CHUNK1 "bdat 12 last" CRLF CHUNK2),
		C("\n" "QUIT" CRLF),	/* the LF after the chunk: a line */
		S("250 ok" CRLF "250 ok" CRLF "250 28 bytes" CRLF
		    "250-12 bytes" CRLF "250 queued" CRLF "500 bad" CRLF
		    "221 bye" CRLF),
	};
	static const struct rec zero[] = {
		C("MAIL FROM:<a@x>" CRLF "BDAT 5" CRLF "hello"
		    "BDAT 0 LAST" CRLF "BDAT 0" CRLF "BDAT 1 LAST" CRLF "!"
		    "RSET" CRLF "BDAT 3" CRLF "abc" "RSET" CRLF
		    "BDAT 2 LAST" CRLF "ab" "NOOP" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(sizeof(CHUNK1) - 1, 28);
	assert_int_equal(sizeof(CHUNK2) - 1, 12);
	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_MORE);
	assert_int_equal(m->data_bytes, 40);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->max_message, 40);
	assert_int_equal(m->transactions, 1);
	assert_int_equal(m->rcpts, 1);
	assert_int_equal(m->commands, 6);	/* EHLO MAIL RCPT BDAT BDAT QUIT */
	assert_int_equal(m->n_mail_from, 1);
	assert_string_equal(m->mail_from[0], "a@x");
	assert_int_equal(m->n_rcpt_to, 1);
	assert_string_equal(m->rcpt_to[0], "b@y");
	assert_replies(m, 7, 0, 0, 1);

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, zero), SMTP_MORE);
	assert_int_equal(m->messages, 3);	/* 5+0, 1, after RSET 2 */
	assert_int_equal(m->data_bytes, 5 + 1 + 3 + 2);
	assert_int_equal(m->max_message, 5);
	assert_int_equal(m->commands, 10);
}

/* A huge BDAT swallows what follows; nothing in it is a command. */
static void
test_bdat_huge(void **state UNUSED)
{
	static const char	 cmd[] = "BDAT 99999999999999999999999999" CRLF;
	static const char	 junk[] = "MAIL FROM:<a@b>" CRLF "QUIT" CRLF;
	struct smtp		 s;
	int			 i;

	smtp_init(&s, SMTP_ADDR_FULL);
	assert_int_equal(feed_exact(&s, 0, cmd, sizeof(cmd) - 1), SMTP_MORE);
	for (i = 0; i < 1000; i++)
		feed_exact(&s, 0, junk, sizeof(junk) - 1);
	assert_int_equal(s.meta.commands, 1);
	assert_int_equal(s.meta.transactions, 0);
	assert_int_equal(s.meta.data_bytes, 1000 * (sizeof(junk) - 1));
	assert_int_equal(s.meta.messages, 0);
}

/* ---- one side only ---- */

static void
test_client_only(void **state UNUSED)
{
	static const struct rec t[] = {
		C("EHLO c.example" CRLF),
		C("MAIL FROM:<a@x> SIZE=21" CRLF "RCPT TO:<b@y>" CRLF),
		C("DATA" CRLF),
		C("Subject: hi" CRLF CRLF "body" CRLF "." CRLF),
		C("MAIL FROM:<a@x>" CRLF "RCPT TO:<c@y>" CRLF "DATA" CRLF
		    "..x" CRLF "." CRLF "QUIT" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_MORE);
	assert_int_equal(m->commands, 8);
	assert_int_equal(m->transactions, 2);
	assert_int_equal(m->rcpts, 2);
	assert_int_equal(m->messages, 2);
	assert_int_equal(m->data_bytes, 21 + 4);
	assert_int_equal(m->max_message, 21);
	assert_replies(m, 0, 0, 0, 0);
	assert_string_equal(m->banner, "");
	assert_string_equal(m->helo, "c.example");
	assert_int_equal(m->n_mail_from, 1);
	assert_int_equal(m->n_rcpt_to, 2);
}

static void
test_server_only(void **state UNUSED)
{
	static const struct rec t[] = {
		S("220 mx.example ESMTP" CRLF),
		S("250-a" CRLF "250 b" CRLF "354 go" CRLF "250 ok" CRLF),
		S("421 closing" CRLF "221 bye" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_MORE);
	assert_string_equal(m->banner, "mx.example");
	assert_replies(m, 4, 1, 1, 0);
	assert_int_equal(m->commands, 0);
	assert_int_equal(m->messages, 0);
}

/* ---- STARTTLS ---- */

static void
test_starttls_accepted(void **state UNUSED)
{
	static const struct rec t[] = {
		S("220 mx.tls ESMTP" CRLF),
		C("EHLO c" CRLF),
		S("250-mx.tls" CRLF "250 STARTTLS" CRLF),
		C("STARTTLS" CRLF),
		S("220 2.0.0 Ready to start TLS" CRLF),
		C("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" "EHLO x\r\n"),
		S("\x16\x03\x03\x00\x5d\x02" "250 x\r\n"),
	};
	static const struct rec client_only[] = {
		C("EHLO c" CRLF "STARTTLS" CRLF),
		C("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"),
		C("MAIL FROM:<a@b>" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;
	size_t			 i;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t), SMTP_TLS);
	assert_true(m->starttls);
	assert_int_equal(m->commands, 2);
	assert_replies(m, 3, 0, 0, 0);

	/* The status comes with the 220, and sticks. */
	smtp_init(&s, SMTP_ADDR_FULL);
	for (i = 0; i < 4; i++)
		assert_int_equal(feed_exact(&s, t[i].dir, t[i].b, t[i].n),
		    SMTP_MORE);
	assert_int_equal(feed_exact(&s, 1, t[4].b, t[4].n), SMTP_TLS);
	assert_int_equal(feed_str(&s, 0, "QUIT" CRLF), SMTP_TLS);
	smtp_gap(&s, 0, 10);
	assert_int_equal(m->commands, 2);

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, client_only), SMTP_TLS);
	assert_true(m->starttls);
	assert_int_equal(m->transactions, 0);
}

static void
test_starttls_refused(void **state UNUSED)
{
	static const struct rec t454[] = {
		S("220 mx ESMTP" CRLF),
		C("EHLO c" CRLF),
		S("250-mx" CRLF "250 STARTTLS" CRLF),
		C("STARTTLS" CRLF),
		S("454 4.7.0 TLS not available" CRLF),
		C("MAIL FROM:<a@b>" CRLF),
		S("250 ok" CRLF),
		C("QUIT" CRLF),
		S("221 bye" CRLF),
	};
	static const struct rec t502[] = {
		S("220 mx ESMTP" CRLF),
		C("HELO c" CRLF),
		S("250 mx" CRLF),
		C("STARTTLS" CRLF),
		S("502 5.5.1 not implemented" CRLF),
		C("MAIL FROM:<a@b>" CRLF "RCPT TO:<c@d>" CRLF "DATA" CRLF),
		S("250 ok" CRLF "250 ok" CRLF "354 go" CRLF),
		C("x" CRLF "." CRLF),
		S("250 ok" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t454), SMTP_MORE);
	assert_false(m->starttls);
	assert_int_equal(m->transactions, 1);
	assert_int_equal(m->commands, 4);
	assert_replies(m, 4, 0, 1, 0);

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, t502), SMTP_MORE);
	assert_false(m->starttls);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->data_bytes, 3);
	assert_replies(m, 5, 1, 0, 1);
}

/* ---- over-long lines ---- */

static void
test_overlong_banner(void **state UNUSED)
{
	static char	 b1[400], b2[6000];
	struct rec	 t[8];
	struct smtp	 s;
	size_t		 n;
	char		 want[64];

	/* a first word longer than banner[] */
	n = (size_t)snprintf(b1, sizeof(b1), "220 ");
	memset(b1 + n, 'A', 300);
	n += 300;
	n += (size_t)snprintf(b1 + n, sizeof(b1) - n, " ESMTP" CRLF);
	t[0] = (struct rec){ 1, b1, n };
	t[1] = (struct rec)C("EHLO x" CRLF);
	t[2] = (struct rec)S("250 ok" CRLF);
	assert_int_equal(feed_checked(&s, SMTP_ADDR_FULL, t, 3), SMTP_MORE);
	memset(want, 'A', 63);
	want[63] = '\0';
	assert_string_equal(s.meta.banner, want);
	assert_replies(&s.meta, 2, 0, 0, 0);

	/* smtp-bug-6053: 5 KB of banner, its line ending in a later feed */
	n = (size_t)snprintf(b2, sizeof(b2),
	    "220 smtpblah.mailserver.xxx.com ESMTP ");
	memset(b2 + n, 'A', 5000);
	n += 5000;
	b2[n++] = 'Z';
	t[0] = (struct rec){ 1, b2, n };
	t[1] = (struct rec)C("EHLO Simone" CRLF);
	t[2] = (struct rec)S("250-smtp001.mail.xxx.xxxxx.com" CRLF);
	t[3] = (struct rec)C("AUTH LOGIN" CRLF);
	t[4] = (struct rec)S("334 VXNlcm5hbWU6" CRLF);
	t[5] = (struct rec)C("MAIL FROM: <x@y.uk>" CRLF);
	t[6] = (struct rec)S("250 ok" CRLF);
	t[7] = (struct rec)C("QUIT" CRLF);
	assert_int_equal(run(&s, SMTP_ADDR_FULL, t, 8, SPLIT_NONE, 0),
	    SMTP_MORE);
	assert_string_equal(s.meta.banner, "smtpblah.mailserver.xxx.com");
	assert_replies(&s.meta, 2, 1, 0, 0);
	assert_int_equal(s.meta.commands, 4);
	assert_string_equal(s.meta.mail_from[0], "x@y.uk");
	assert_int_equal(run(&s, SMTP_ADDR_FULL, t, 8, SPLIT_BYTES, 0),
	    SMTP_MORE);
	assert_string_equal(s.meta.banner, "smtpblah.mailserver.xxx.com");
	assert_replies(&s.meta, 2, 1, 0, 0);
	assert_int_equal(s.meta.commands, 4);
	assert_meta_sane(&s.meta);
}

static void
test_overlong_client_line(void **state UNUSED)
{
	static char	 b[5000];
	struct rec	 t[1];
	struct smtp	 s;
	size_t		 n, local;
	char		 want[SMTP_ADDRLEN];

	n = (size_t)snprintf(b, sizeof(b), "NOOP ");
	memset(b + n, 'x', 2000);		/* longer than the buffer */
	n += 2000;
	n += (size_t)snprintf(b + n, sizeof(b) - n,
	    CRLF "MAIL FROM:<");
	local = n;
	memset(b + n, 'l', 200);
	n += 200;
	n += (size_t)snprintf(b + n, sizeof(b) - n,
	    "@Example.COM> SIZE=1" CRLF "RCPT TO:<");
	memset(b + n, 'r', 600);		/* address past the buffer */
	n += 600;
	n += (size_t)snprintf(b + n, sizeof(b) - n,
	    "@late.example>" CRLF "HELO ");
	memset(b + n, 'h', 100);
	n += 100;
	n += (size_t)snprintf(b + n, sizeof(b) - n, CRLF "QUIT" CRLF);
	t[0] = (struct rec){ 0, b, n };

	assert_int_equal(feed_checked(&s, SMTP_ADDR_FULL, t, 1), SMTP_MORE);
	assert_int_equal(s.meta.commands, 5);
	assert_int_equal(s.meta.transactions, 1);
	assert_int_equal(s.meta.rcpts, 1);
	memcpy(want, b + local, SMTP_ADDRLEN - 1);
	want[SMTP_ADDRLEN - 1] = '\0';
	assert_string_equal(s.meta.mail_from[0], want);
	assert_int_equal(strlen(s.meta.rcpt_to[0]), SMTP_ADDRLEN - 1);
	assert_int_equal(strlen(s.meta.helo), 63);
	assert_meta_sane(&s.meta);

	assert_int_equal(feed_checked(&s, SMTP_ADDR_DOMAIN, t, 1), SMTP_MORE);
	assert_string_equal(s.meta.mail_from[0], "example.com");
	assert_int_equal(s.meta.n_rcpt_to, 1);
	assert_string_equal(s.meta.rcpt_to[0], "");	/* '@' cut off */
}

/* ---- gaps ---- */

static void
test_gaps(void **state UNUSED)
{
	static const struct rec cmd[] = {	/* lost mid-command */
		C("MAIL FR"), GAP(0, 0), C("OM:<x@y>" CRLF "RCPT TO:<a@b>" CRLF),
	};
	static const struct rec data[] = {	/* lost inside DATA */
		C("DATA" CRLF "abc"), GAP(0, 100), C("def" CRLF "." CRLF),
		C("QUIT" CRLF),
	};
	static const struct rec data_unknown[] = {
		C("DATA" CRLF "abc"), GAP(0, 0), C("def" CRLF "." CRLF),
		C("QUIT" CRLF),
	};
	static const struct rec data_end_lost[] = {
		S("220 mx" CRLF),
		C("MAIL FROM:<a@b>" CRLF),
		S("250 ok" CRLF),
		C("RCPT TO:<c@d>" CRLF),
		S("250 ok" CRLF),
		C("DATA" CRLF),
		S("354 go" CRLF),
		C("abc" CRLF),
		GAP(0, 10),		/* ate "x\r\n.\r\n..." */
		S("250 queued" CRLF),
		C("QUIT" CRLF),
		S("221 bye" CRLF),
	};
	static const struct rec bdat_known[] = {
		C("BDAT 10 LAST" CRLF "abc"), GAP(0, 5), C("de" "QUIT" CRLF),
	};
	static const struct rec bdat_exact[] = {
		C("BDAT 10 LAST" CRLF "abc"), GAP(0, 7), C("QUIT" CRLF),
	};
	static const struct rec bdat_past[] = {
		C("BDAT 10 LAST" CRLF "abc"), GAP(0, 12),
		C("ignored" CRLF "QUIT" CRLF),
	};
	static const struct rec bdat_unknown[] = {
		C("BDAT 10 LAST" CRLF "abc"), GAP(0, 0),
		C("defg" CRLF "QUIT" CRLF),
	};
	static const struct rec server[] = {
		S("220 mx" CRLF "250-a"), GAP(1, 0), S("xx" CRLF "250 ok" CRLF),
		GAP(1, 5), S("554 no" CRLF "221 bye" CRLF),	/* resync */
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, cmd), SMTP_MORE);
	assert_int_equal(m->transactions, 0);
	assert_int_equal(m->rcpts, 1);
	assert_string_equal(m->rcpt_to[0], "a@b");

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, data), SMTP_MORE);
	assert_int_equal(m->data_bytes, 3 + 100 + 5);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->commands, 2);

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, data_unknown), SMTP_MORE);
	assert_int_equal(m->data_bytes, 3 + 5);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->commands, 2);

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, data_end_lost), SMTP_MORE);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->data_bytes, 15);
	assert_int_equal(m->commands, 4);	/* QUIT is a command again */

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, bdat_known), SMTP_MORE);
	assert_int_equal(m->data_bytes, 10);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->commands, 2);

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, bdat_exact), SMTP_MORE);
	assert_int_equal(m->data_bytes, 10);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->commands, 2);

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, bdat_past), SMTP_MORE);
	assert_int_equal(m->data_bytes, 10);
	assert_int_equal(m->messages, 1);
	assert_int_equal(m->commands, 2);

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, bdat_unknown), SMTP_MORE);
	assert_int_equal(m->data_bytes, 3);
	assert_int_equal(m->messages, 0);
	assert_int_equal(m->commands, 2);

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, server), SMTP_MORE);
	assert_string_equal(m->banner, "mx");
	assert_replies(m, 3, 0, 0, 0);	/* "554 no" followed a gap */
}

/* ---- not SMTP ---- */

static void
test_not_smtp(void **state UNUSED)
{
	static const struct rec http[] = {
		C("GET / HTTP/1.1" CRLF "Host: mx.example" CRLF CRLF),
		S("HTTP/1.1 400 Bad Request" CRLF),
	};
	static const struct rec hello[] = {
		C("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x8a\x11"),
	};
	static const struct rec ssh[] = {
		S("SSH-2.0-OpenSSH_9.2p1 Debian-2" CRLF),
	};
	static const struct rec http_reply[] = {
		S("HTTP/1.1 200 OK" CRLF),
	};
	static const struct rec binary[] = {
		S("\x00\x00\x00\x12\x34"),
	};
	static const struct rec code1xx[] = {
		S("199 hmm" CRLF),
	};
	static const struct rec smtp_server_http_client[] = {
		S("220 mx ESMTP" CRLF),
		C("GET / HTTP/1.1" CRLF),
		S("502 5.5.2 Error: command not recognized" CRLF),
	};
	static const struct rec smtp_client_bad_server[] = {
		C("EHLO c" CRLF),
		S("HTTP/1.1 400 Bad Request" CRLF),
	};
	static const struct rec blank_first[] = {
		C(CRLF "\n" "EHLO c" CRLF),
		S(CRLF "220 mx" CRLF),
	};
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, http), SMTP_NOT_SMTP);
	assert_int_equal(m->commands, 0);
	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, hello), SMTP_NOT_SMTP);
	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, ssh), SMTP_NOT_SMTP);
	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, http_reply), SMTP_NOT_SMTP);
	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, binary), SMTP_NOT_SMTP);
	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, code1xx), SMTP_NOT_SMTP);
	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, smtp_server_http_client),
	    SMTP_MORE);
	assert_replies(m, 1, 0, 0, 1);
	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, smtp_client_bad_server),
	    SMTP_MORE);
	assert_int_equal(m->commands, 1);
	assert_int_equal(FEED(&s, SMTP_ADDR_FULL, blank_first), SMTP_MORE);
	assert_int_equal(m->commands, 1);
	assert_string_equal(m->banner, "mx");

	/* decided on the first byte of a ClientHello, and sticky */
	smtp_init(&s, SMTP_ADDR_FULL);
	assert_int_equal(feed_str(&s, 0, "\x16"), SMTP_NOT_SMTP);
	assert_int_equal(feed_str(&s, 1, "220 mx" CRLF), SMTP_NOT_SMTP);
	assert_string_equal(m->banner, "");
	/* bad arguments change nothing */
	smtp_init(&s, SMTP_ADDR_FULL);
	assert_int_equal(smtp_feed(&s, 2, (const uint8_t *)"x", 1),
	    SMTP_MORE);
	assert_int_equal(smtp_feed(&s, 0, NULL, 5), SMTP_MORE);
	assert_int_equal(smtp_feed(&s, 0, (const uint8_t *)"", 0), SMTP_MORE);
	smtp_gap(&s, -1, 3);
	assert_int_equal(feed_str(&s, 0, "EHLO a" CRLF), SMTP_MORE);
	assert_int_equal(m->commands, 1);
}

/* ---- addresses ---- */

static const struct rec addrs[] = {
	C("MAIL FROM:<User@Example.ORG> SIZE=123 BODY=8BITMIME" CRLF),
	C("RCPT TO:<@relay.a,@relay.b:joe@Dest.COM>" CRLF),
	C("RCPT TO:<postmaster>" CRLF),
	C("RCPT TO: <spaced@X.y> NOTIFY=NEVER" CRLF),
	C("RCPT TO:<\"john>doe\"@Quoted.Example>" CRLF),
	C("RCPT TO:<j\xc3\xbcrgen@Umlaut.DE>" CRLF),
	C("RCPT TO:<joe@dest.com>" CRLF),
	C("RCPT TO:<User@Example.ORG>" CRLF),
	C("MAIL FROM:<>" CRLF),
	C("MAIL From : bare@Bare.Example SIZE=1" CRLF),
	C("MAIL FROM:<User@Example.ORG>" CRLF),
};

static void
test_addr_modes(void **state UNUSED)
{
	struct smtp		 s;
	const struct smtp_meta	*m = &s.meta;

	assert_int_equal(feed_checked(&s, SMTP_ADDR_FULL, addrs,
	    NELEM(addrs)), SMTP_MORE);
	assert_int_equal(m->transactions, 4);
	assert_int_equal(m->rcpts, 7);
	assert_int_equal(m->n_mail_from, 3);
	assert_string_equal(m->mail_from[0], "User@Example.ORG");
	assert_string_equal(m->mail_from[1], "");	/* null sender */
	assert_string_equal(m->mail_from[2], "bare@Bare.Example");
	assert_int_equal(m->n_rcpt_to, 7);
	assert_string_equal(m->rcpt_to[0], "joe@Dest.COM");
	assert_string_equal(m->rcpt_to[1], "postmaster");
	assert_string_equal(m->rcpt_to[2], "spaced@X.y");
	assert_string_equal(m->rcpt_to[3], "\"john>doe\"@Quoted.Example");
	assert_string_equal(m->rcpt_to[4], "j??rgen@Umlaut.DE");
	assert_string_equal(m->rcpt_to[5], "joe@dest.com");
	assert_string_equal(m->rcpt_to[6], "User@Example.ORG");
	assert_meta_sane(m);

	assert_int_equal(feed_checked(&s, SMTP_ADDR_DOMAIN, addrs,
	    NELEM(addrs)), SMTP_MORE);
	assert_int_equal(m->transactions, 4);
	assert_int_equal(m->rcpts, 7);
	assert_int_equal(m->n_mail_from, 3);
	assert_string_equal(m->mail_from[0], "example.org");
	assert_string_equal(m->mail_from[1], "");
	assert_string_equal(m->mail_from[2], "bare.example");
	assert_int_equal(m->n_rcpt_to, 6);
	assert_string_equal(m->rcpt_to[0], "dest.com");
	assert_string_equal(m->rcpt_to[1], "");		/* postmaster */
	assert_string_equal(m->rcpt_to[2], "x.y");
	assert_string_equal(m->rcpt_to[3], "quoted.example");
	assert_string_equal(m->rcpt_to[4], "umlaut.de");
	assert_string_equal(m->rcpt_to[5], "example.org");
	assert_meta_sane(m);

	assert_int_equal(feed_checked(&s, SMTP_ADDR_NONE, addrs,
	    NELEM(addrs)), SMTP_MORE);
	assert_int_equal(m->transactions, 4);
	assert_int_equal(m->rcpts, 7);
	assert_int_equal(m->n_mail_from, 0);
	assert_int_equal(m->n_rcpt_to, 0);
	assert_string_equal(m->mail_from[0], "");
	assert_string_equal(m->rcpt_to[0], "");

	/* an unknown mode keeps nothing */
	smtp_init(&s, (enum smtp_addr_mode)7);
	feed_exact(&s, 0, addrs[0].b, addrs[0].n);
	assert_int_equal(m->transactions, 1);
	assert_int_equal(m->n_mail_from, 0);
}

static void
test_addr_limit(void **state UNUSED)
{
	char			 line[64];
	struct smtp		 s, d;
	const struct smtp_meta	*m = &s.meta;
	int			 i, n;

	smtp_init(&s, SMTP_ADDR_FULL);
	smtp_init(&d, SMTP_ADDR_DOMAIN);
	for (i = 0; i < 40; i++) {
		n = snprintf(line, sizeof(line), "RCPT TO:<u%d@Same.Example>"
		    CRLF, i);
		feed_exact(&s, 0, line, (size_t)n);
		feed_exact(&d, 0, line, (size_t)n);
		n = snprintf(line, sizeof(line), "MAIL FROM:<s%d@d%d.example>"
		    CRLF, i, i);
		feed_exact(&s, 0, line, (size_t)n);
		feed_exact(&d, 0, line, (size_t)n);
	}
	assert_int_equal(m->rcpts, 40);
	assert_int_equal(m->transactions, 40);
	assert_int_equal(m->n_rcpt_to, SMTP_MAX_ADDRS);
	assert_int_equal(m->n_mail_from, SMTP_MAX_ADDRS);
	assert_string_equal(m->rcpt_to[0], "u0@Same.Example");
	assert_string_equal(m->rcpt_to[15], "u15@Same.Example");
	assert_string_equal(m->mail_from[15], "s15@d15.example");
	assert_int_equal(d.meta.n_rcpt_to, 1);		/* one domain */
	assert_string_equal(d.meta.rcpt_to[0], "same.example");
	assert_int_equal(d.meta.n_mail_from, SMTP_MAX_ADDRS);
	assert_meta_sane(m);
	assert_meta_sane(&d.meta);
}

/* AUTH data is never kept, not even in the line buffers. */
static void
test_auth_not_kept(void **state UNUSED)
{
	static const struct rec t[] = {
		S("220 mx ESMTP" CRLF),
		C("EHLO c" CRLF),
		S("250-mx" CRLF "250 AUTH PLAIN LOGIN" CRLF),
		C("AUTH PLAIN AHNlY3JldHVzZXIAaHVudGVyMg==" CRLF),
		S("535 no" CRLF),
		C("AUTH LOGIN" CRLF),
		S("334 VXNlcm5hbWU6" CRLF),
		C("c2VjcmV0dXNlcg==" CRLF),
		S("334 UGFzc3dvcmQ6" CRLF),
		C("aHVudGVyMg==" CRLF),
		S("235 ok" CRLF),
	};
	static const char *secrets[] = {
		"AHNlY3JldHVzZXIAaHVudGVyMg==", "c2VjcmV0dXNlcg==",
		"aHVudGVyMg==", "hunter2", "secretuser",
	};
	struct smtp	 s;
	size_t		 i;
	enum split	 how;

	for (how = SPLIT_NONE; how <= SPLIT_RANDOM; how++) {
		assert_int_equal(run(&s, SMTP_ADDR_FULL, t, NELEM(t), how, 3),
		    SMTP_MORE);
		assert_true(s.meta.auth);
		assert_int_equal(s.meta.commands, 3);
		assert_replies(&s.meta, 3, 2, 0, 1);
		for (i = 0; i < NELEM(secrets); i++)
			assert_null(memmem(&s, sizeof(s), secrets[i],
			    strlen(secrets[i])));
	}
}

/* ---- counters ---- */

static void
test_saturation(void **state UNUSED)
{
	struct smtp	 s;
	int		 i;

	smtp_init(&s, SMTP_ADDR_NONE);
	s.meta.rcpts = UINT32_MAX - 1;
	s.meta.commands = UINT32_MAX - 1;
	s.meta.transactions = UINT32_MAX;
	s.meta.messages = UINT32_MAX;
	s.meta.replies[0] = UINT32_MAX - 1;
	s.meta.data_bytes = UINT64_MAX - 5;
	for (i = 0; i < 3; i++)
		feed_str(&s, 0, "RCPT TO:<a@b>" CRLF);
	feed_str(&s, 0, "MAIL FROM:<a@b>" CRLF);
	feed_str(&s, 1, "220 a" CRLF "250 b" CRLF "250 c" CRLF);
	feed_str(&s, 0, "DATA" CRLF "0123456789" CRLF "." CRLF);
	assert_int_equal(s.meta.rcpts, UINT32_MAX);
	assert_int_equal(s.meta.commands, UINT32_MAX);
	assert_int_equal(s.meta.transactions, UINT32_MAX);
	assert_int_equal(s.meta.messages, UINT32_MAX);
	assert_int_equal(s.meta.replies[0], UINT32_MAX);
	assert_true(s.meta.data_bytes == UINT64_MAX);
	assert_int_equal(s.meta.max_message, 12);

	/* max_message saturates at 4 GiB, data_bytes keeps counting */
	smtp_init(&s, SMTP_ADDR_NONE);
	feed_str(&s, 0, "BDAT 5000000000 LAST" CRLF);
	smtp_gap(&s, 0, 4999999999u);
	feed_str(&s, 0, "xNOOP" CRLF);
	assert_true(s.meta.data_bytes == 5000000000u);
	assert_int_equal(s.meta.max_message, UINT32_MAX);
	assert_int_equal(s.meta.messages, 1);
	assert_int_equal(s.meta.commands, 2);
}

/* ---- random input ---- */

static const char *const tokens[] = {
	"EHLO x" CRLF, "HELO y" CRLF, "MAIL FROM:<a@b.c>" CRLF,
	"MAIL FROM:<>" CRLF, "RCPT TO:<d@e.f>" CRLF, "rcpt to:<@x:u@v>" CRLF,
	"DATA" CRLF, "BDAT 5" CRLF, "BDAT 3 LAST" CRLF, "BDAT 0 LAST" CRLF,
	"." CRLF, ".." CRLF, "\r\n.", "\r", "\n", CRLF, "STARTTLS" CRLF,
	"AUTH PLAIN x" CRLF, "QUIT" CRLF, "220 mx ESMTP" CRLF, "220-",
	"250-", "250 ok" CRLF, "354 go" CRLF, "554 no" CRLF, "454 no" CRLF,
	"220 TLS" CRLF, "334 x" CRLF, "\x16\x03\x01", "<", ">", "@", " ",
	"\"", ":", "\0", "\xff",
};

static void
test_fuzz(void **state UNUSED)
{
	enum { ITER = 100000, NREC = 8, RECCAP = 400 };
	static uint8_t	 bufs[NREC][RECCAP];
	struct rec	 t[NREC];
	struct smtp	*a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	uint64_t	 x = 0x9e3779b97f4a7c15ull;
	size_t		 nt, i, j, k, n;
	int		 it, st, sb;
	unsigned	 seen[3] = { 0, 0, 0 };
	bool		 opened[2];
	enum smtp_addr_mode mode;

	assert_non_null(a);
	assert_non_null(b);
	for (it = 0; it < ITER; it++) {
		nt = 1 + rnd(&x) % NREC;
		opened[0] = opened[1] = rnd(&x) % 8 == 0;
		for (i = 0; i < nt; i++) {
			t[i].dir = (int)(rnd(&x) & 1);
			if (rnd(&x) % 16 == 0) {
				t[i].b = NULL;
				t[i].n = rnd(&x) % 3 == 0 ? 0 : rnd(&x) % 64;
				continue;
			}
			n = 0;
			k = rnd(&x) % RECCAP;
			if (!opened[t[i].dir]) {
				/* mostly start like SMTP, to get past the
				 * first-line check */
				const char *o = t[i].dir == 0 ? "EHLO f" CRLF :
				    "220 f" CRLF;

				opened[t[i].dir] = true;
				n = strlen(o);
				memcpy(bufs[i], o, n);
				if (k < n)
					k = n;
			}
			while (n < k) {
				unsigned pick = (unsigned)(rnd(&x) % 10);
				size_t	 m;

				if (pick < 6) {
					const char *tok =
					    tokens[rnd(&x) % NELEM(tokens)];

					m = *tok == '\0' ? 1 : strlen(tok);
					if (m > k - n)
						m = k - n;
					memcpy(bufs[i] + n, tok, m);
				} else if (pick < 9) {
					m = rnd(&x) % 24;
					if (m > k - n)
						m = k - n;
					for (j = 0; j < m; j++)
						bufs[i][n + j] =
						    (uint8_t)rnd(&x);
				} else {
					m = rnd(&x) % RECCAP;
					if (m > k - n)
						m = k - n;
					memset(bufs[i] + n, "A\n.x"[rnd(&x) %
					    4], m);
				}
				n += m;
			}
			t[i].b = (const char *)bufs[i];
			t[i].n = n;
		}
		mode = (enum smtp_addr_mode)(rnd(&x) % 3);
		st = run(a, mode, t, nt, SPLIT_NONE, 0);
		sb = run(b, mode, t, nt, SPLIT_RANDOM, (uint64_t)it);
		if (st != sb)
			fail_msg("iteration %d: status %d != %d", it, st, sb);
		assert_true(st == SMTP_MORE || st == SMTP_TLS ||
		    st == SMTP_NOT_SMTP);
		seen[st]++;
		if (st != SMTP_MORE) {	/* nothing changes any more */
			struct smtp_meta before = a->meta;

			assert_int_equal(smtp_feed(a, 0, bufs[0], RECCAP), st);
			assert_int_equal(smtp_feed(a, 1, bufs[0], RECCAP), st);
			smtp_gap(a, 0, 5);
			smtp_gap(a, 1, 0);
			assert_memory_equal(&before, &a->meta, sizeof(before));
		}
		meta_same(smtp_meta(a), smtp_meta(b), "fuzz");
		assert_meta_sane(smtp_meta(a));
		assert_true(a->clen <= SMTP_CLINE && a->slen <= SMTP_SLINE);
		assert_true(a->cmode <= 2 && a->dstate <= 3);
		assert_true(smtp_meta(a)->commands <= a->c_seq ||
		    smtp_meta(a)->commands == UINT32_MAX);
	}
	print_message("fuzz: %u more, %u tls, %u not-smtp\n", seen[0],
	    seen[1], seen[2]);
	free(a);
	free(b);
}

/* ---- real captures ---- */

#define MAXPEND	256

struct pend {
	uint32_t	 seq;
	uint32_t	 len;
	uint8_t		*data;
};

struct half {
	bool		 init;
	uint32_t	 next;
	struct pend	 p[MAXPEND];
	size_t		 np;
};

struct replay {
	struct smtp	*s;
	struct half	 side[2];
	int		 last;
	bool		 bytewise;	/* each segment one byte at a time */
};

static void
replay_deliver(struct replay *r, int dir, uint32_t seq, const uint8_t *d,
    uint32_t len)
{
	struct half	*sd = &r->side[dir];
	int32_t		 off = (int32_t)(seq - sd->next);
	uint32_t	 skip;

	if (off > 0) {			/* ahead of a hole: keep it */
		if (sd->np == MAXPEND)
			fail_msg("too many segments out of order");
		sd->p[sd->np].seq = seq;
		sd->p[sd->np].len = len;
		sd->p[sd->np].data = dup_exact(d, len);
		sd->np++;
		return;
	}
	skip = (uint32_t)-off;
	if (skip >= len)
		return;			/* retransmitted */
	if (r->bytewise)
		for (; skip < len; skip++, sd->next++)
			r->last = smtp_feed(r->s, dir, d + skip, 1);
	else {
		r->last = feed_exact(r->s, dir, d + skip, len - skip);
		sd->next += len - skip;
	}
}

static void
replay_drain(struct replay *r, int dir, bool force)
{
	struct half	*sd = &r->side[dir];
	size_t		 i, best;
	bool		 progress = true;

	while (sd->np > 0 && progress) {
		progress = false;
		best = 0;
		for (i = 0; i < sd->np; i++) {
			if ((int32_t)(sd->p[i].seq - sd->next) <= 0) {
				best = i;
				progress = true;
				break;
			}
			if ((int32_t)(sd->p[i].seq - sd->p[best].seq) < 0)
				best = i;
		}
		if (!progress && force) {	/* a real hole */
			smtp_gap(r->s, dir, sd->p[best].seq - sd->next);
			sd->next = sd->p[best].seq;
			progress = true;
		}
		if (progress) {
			struct pend pd = sd->p[best];

			sd->p[best] = sd->p[--sd->np];
			replay_deliver(r, dir, pd.seq, pd.data, pd.len);
			free(pd.data);
		}
	}
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* One Ethernet frame: TCP to or from port 25 goes to the parser. */
static void
replay_frame(struct replay *r, const uint8_t *f, uint32_t cap)
{
	uint32_t	 off = 12, ihl, total, doff, plen;
	uint16_t	 type;
	const uint8_t	*ip, *tcp;
	uint8_t		 proto;
	int		 dir;

	if (cap < 14)
		return;
	type = rd16(f + off);
	while ((type == 0x8100 || type == 0x88a8) && cap >= off + 6) {
		off += 4;
		type = rd16(f + off);
	}
	off += 2;
	ip = f + off;
	cap -= off;
	if (type == 0x0800 && cap >= 20) {
		ihl = (uint32_t)(ip[0] & 15) * 4;
		total = rd16(ip + 2);
		proto = ip[9];
		if ((rd16(ip + 6) & 0x3fff) != 0)
			return;
	} else if (type == 0x86dd && cap >= 40) {
		ihl = 40;
		total = 40 + (uint32_t)rd16(ip + 4);
		proto = ip[6];
	} else
		return;
	if (proto != 6 || total > cap || ihl + 20 > total)
		return;
	tcp = ip + ihl;
	doff = (uint32_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || ihl + doff > total)
		return;
	if (rd16(tcp + 2) == 25)
		dir = 0;
	else if (rd16(tcp) == 25)
		dir = 1;
	else
		return;
	plen = total - ihl - doff;
	if (tcp[13] & 0x02) {			/* SYN */
		r->side[dir].init = true;
		r->side[dir].next = rd32(tcp + 4) + 1;
		return;
	}
	if (plen == 0)
		return;
	if (!r->side[dir].init) {
		r->side[dir].init = true;
		r->side[dir].next = rd32(tcp + 4);
	}
	replay_deliver(r, dir, rd32(tcp + 4), tcp + doff, plen);
	replay_drain(r, dir, false);
}

static const char *
pcap_dir(void)
{
	static const char	*dirs[] = { NULL, "../shared/pcaps",
				    "/work/shared/pcaps" };
	struct stat		 st;
	size_t			 i;

	dirs[0] = getenv("NFQD_PCAPS");
	for (i = 0; i < NELEM(dirs); i++)
		if (dirs[i] != NULL && stat(dirs[i], &st) == 0 &&
		    S_ISDIR(st.st_mode))
			return dirs[i];
	return NULL;
}

/* Replay one capture into s; false if the file is not there. */
static bool
replay_file(const char *dir, const char *name, struct smtp *s,
    enum smtp_addr_mode mode, bool bytewise, int *status)
{
	char			 path[MAX_PATH], err[PCAP_ERRBUF_SIZE];
	struct replay		*r = calloc(1, sizeof(*r));
	struct pcap_pkthdr	*h;
	const u_char		*data;
	pcap_t			*p;

	assert_non_null(r);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((p = pcap_open_offline(path, err)) == NULL) {
		free(r);
		return false;
	}
	if (pcap_datalink(p) != DLT_EN10MB)
		fail_msg("%s: not Ethernet", name);
	smtp_init(s, mode);
	r->s = s;
	r->last = SMTP_MORE;
	r->bytewise = bytewise;
	while (pcap_next_ex(p, &h, &data) == 1)
		replay_frame(r, data, h->caplen);
	replay_drain(r, 0, true);
	replay_drain(r, 1, true);
	pcap_close(p);
	*status = r->last;
	free(r);
	return true;
}

struct expect {
	const char	*file;
	int		 status;
	const char	*banner, *helo;
	bool		 starttls, auth;
	uint32_t	 transactions, rcpts, commands, messages;
	uint64_t	 data_bytes;
	uint32_t	 max_message;
	uint32_t	 replies[4];
	uint32_t	 n_mail_from, n_rcpt_to;
	const char	*mail_from0, *rcpt_to0;
	uint32_t	 n_rcpt_domains;	/* n_rcpt_to in DOMAIN mode */
};

static const struct expect captures[] = {
	{ "ndpi-4.2_smtp.pcap", SMTP_MORE,
	  "pigeon.eyrie.af.mil", "delta.peach.mil", false, false,
	  1, 30, 35, 1, 15264, 15264, { 35, 1, 0, 1 },
	  1, 16, "coreys@delta.peach.mil", "camronm@pigeon.eyrie.af.mil", 1 },
	{ "zeek_smtp-bdat-pipeline-8bitmime.pcap", SMTP_MORE,
	  "scoot-81.wizint.net", "vger.kernel.org", false, false,
	  2, 2, 8, 2, 4404 + 8757, 8757, { 9, 0, 0, 0 },
	  1, 1, "linux-kernel-owner@vger.kernel.org",
	  "trafficwatcher@foundit.scootmail.com", 1 },
	{ "zeek_smtp-one-side-only.pcap", SMTP_MORE,
	  "", "enzo.icir.org", false, false,
	  2, 2, 8, 2, 9178 + 9179, 9179, { 0, 0, 0, 0 },
	  1, 2, "robin@icir.org", "robin@icir.org", 2 },
	{ "suricata-verify_smtp-bug-6053.pcap", SMTP_MORE,
	  "smtpblah.mailserver.xxx.com", "Simone", false, true,
	  1, 1, 5, 0, 0, 0, { 5, 2, 0, 0 },
	  1, 1, "xxxxxx@xxxxx.co.uk", "xxxxx@aba.com", 1 },
	{ "wireshark-sample_smtp.pcap", SMTP_MORE,
	  "xc90.websitewelcome.com", "GP", false, true,
	  1, 1, 6, 1, 14545, 14545, { 7, 3, 0, 0 },
	  1, 1, "gurpartap@patriots.in", "raj_deol2002in@yahoo.co.in", 1 },
	{ "suricata-verify_smtp-startssl.pcap", SMTP_TLS,
	  "firewall.unx.ca", "desktop.unx.ca", true, false,
	  0, 0, 2, 0, 0, 0, { 3, 0, 0, 0 },
	  0, 0, NULL, NULL, 0 },
	{ "ndpi-4.2_smtp-starttls.pcap", SMTP_TLS,
	  "mx.google.com", "xxxxxxxxxxxxx.xxx.com", true, false,
	  0, 0, 2, 0, 0, 0, { 3, 0, 0, 0 },
	  0, 0, NULL, NULL, 0 },
	/* pipelined MAIL/RCPT/DATA refused (503 to DATA), then RSET */
	{ "suricata-verify_smtp-data-rejected.pcap", SMTP_MORE,
	  "tux319.loginserver.ch", "173-66-46-112.wash.fios.verizon.net",
	  false, false,
	  2, 2, 8, 1, 114252, 114252, { 5, 1, 0, 4 },
	  2, 1, "splotchiestzg0@gezydb01.apis.dhl.com",
	  "mirjam@abrakadabra.ch", 1 },
};

static void
test_captures(void **state UNUSED)
{
	const char		*dir = pcap_dir();
	const struct expect	*e;
	struct smtp		*s = malloc(sizeof(*s));
	struct smtp		*b = malloc(sizeof(*b));
	const struct smtp_meta	*m = smtp_meta(s);
	size_t			 i, found = 0;
	int			 st, st2;

	assert_non_null(s);
	assert_non_null(b);
	if (dir == NULL) {
		free(s);
		free(b);
		print_message("no capture folder: skipped\n");
		skip();
	}
	for (i = 0; i < NELEM(captures); i++) {
		e = &captures[i];
		if (!replay_file(dir, e->file, s, SMTP_ADDR_FULL, false,
		    &st)) {
			print_message("%s: not found, skipped\n", e->file);
			continue;
		}
		found++;
		print_message("%s: banner '%s' helo '%s' rcpts %u "
		    "transactions %u data_bytes %llu replies %u/%u/%u/%u "
		    "status %s\n", e->file, m->banner, m->helo, m->rcpts,
		    m->transactions, (unsigned long long)m->data_bytes,
		    m->replies[0], m->replies[1], m->replies[2], m->replies[3],
		    smtp_status_name(st));
		assert_int_equal(st, e->status);
		assert_string_equal(m->banner, e->banner);
		assert_string_equal(m->helo, e->helo);
		assert_int_equal(m->starttls, e->starttls);
		assert_int_equal(m->auth, e->auth);
		assert_int_equal(m->transactions, e->transactions);
		assert_int_equal(m->rcpts, e->rcpts);
		assert_int_equal(m->commands, e->commands);
		assert_int_equal(m->messages, e->messages);
		assert_true(m->data_bytes == e->data_bytes);
		assert_int_equal(m->max_message, e->max_message);
		assert_replies(m, e->replies[0], e->replies[1], e->replies[2],
		    e->replies[3]);
		assert_int_equal(m->n_mail_from, e->n_mail_from);
		assert_int_equal(m->n_rcpt_to, e->n_rcpt_to);
		if (e->mail_from0 != NULL)
			assert_string_equal(m->mail_from[0], e->mail_from0);
		if (e->rcpt_to0 != NULL)
			assert_string_equal(m->rcpt_to[0], e->rcpt_to0);
		assert_meta_sane(m);

		/* every segment byte by byte: the same meta */
		assert_true(replay_file(dir, e->file, b, SMTP_ADDR_FULL, true,
		    &st2));
		assert_int_equal(st2, st);
		meta_same(m, smtp_meta(b), e->file);

		assert_true(replay_file(dir, e->file, s, SMTP_ADDR_DOMAIN,
		    false, &st));
		assert_int_equal(m->n_rcpt_to, e->n_rcpt_domains);
		assert_int_equal(m->rcpts, e->rcpts);
	}
	free(s);
	free(b);
	if (found == 0)
		skip();
}

/* The transactions a session hands out, copied as they come. */
struct txs {
	struct smtp_tx	 v[8];
	size_t		 n;
};

static void
tx_keep(void *arg, const struct smtp_tx *tx)
{
	struct txs	*t = arg;

	assert_true(t->n < 8);
	t->v[t->n++] = *tx;
}

/*
 * One smtp event per mail transaction, as Suricata logs them: a message
 * ends one (DATA or BDAT LAST), so do RSET and the next MAIL FROM; the
 * open one goes at the session's end; recipients in order, duplicates
 * kept; a session with commands and no MAIL FROM has one with its HELO.
 */
static void
test_transactions(void **state UNUSED)
{
	static const struct rec t[] = {
		S("220 mx.example.net ESMTP\r\n"),
		C("EHLO a.example\r\n"),
		S("250 ok\r\n"),
		C("MAIL FROM:<Alice@Example.ORG> SIZE=100\r\n"),
		C("RCPT TO:<bob@example.net>\r\n"),
		C("RCPT TO:<bob@example.net>\r\n"),
		C("DATA\r\n"),
		S("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		C("hi\r\n.\r\n"),
		S("250 queued\r\n"),
		C("MAIL FROM:<>\r\n"),
		C("RCPT TO:<carol@example.net>\r\n"),
		C("RSET\r\n"),
		C("MAIL FROM:<dave@example.org>\r\n"),
		C("MAIL FROM:<erin@example.org>\r\n"),
		C("RCPT TO:<frank@example.com>\r\n"),
	};
	struct smtp	 s;
	struct txs	 got = { .n = 0 };
	size_t		 i;

	smtp_init(&s, SMTP_ADDR_FULL);
	smtp_set_tx_cb(&s, tx_keep, &got);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		feed_exact(&s, t[i].dir, t[i].b, t[i].n);
	/* the message, the RSET and dave's MAIL FROM ended three */
	assert_int_equal(got.n, 3);
	smtp_finish(&s);
	assert_int_equal(got.n, 4);
	for (i = 0; i < got.n; i++) {
		assert_int_equal(got.v[i].id, i);
		assert_string_equal(got.v[i].helo, "a.example");
		assert_true(got.v[i].has_mail_from);
	}
	assert_string_equal(got.v[0].mail_from, "Alice@Example.ORG");
	assert_int_equal(got.v[0].n_rcpt_to, 2);
	assert_string_equal(got.v[0].rcpt_to[1], "bob@example.net");
	assert_string_equal(got.v[1].mail_from, "");	/* null sender */
	assert_string_equal(got.v[1].rcpt_to[0], "carol@example.net");
	assert_string_equal(got.v[2].mail_from, "dave@example.org");
	assert_int_equal(got.v[2].n_rcpt_to, 0);
	assert_string_equal(got.v[3].mail_from, "erin@example.org");
	assert_string_equal(got.v[3].rcpt_to[0], "frank@example.com");
	/* the session's counts are the session's */
	assert_int_equal(s.meta.transactions, 4);
	assert_int_equal(s.meta.rcpts, 4);
	smtp_finish(&s);		/* nothing open: nothing more */
	assert_int_equal(got.n, 4);

	/* smtp-addresses: domain and none; a session without MAIL FROM */
	got.n = 0;
	smtp_init(&s, SMTP_ADDR_DOMAIN);
	smtp_set_tx_cb(&s, tx_keep, &got);
	smtp_feed(&s, TO_SERVER, (const uint8_t *)
	    "EHLO b.example\r\nMAIL FROM:<x@Y.Example>\r\nRCPT TO:<z>\r\n", 54);
	smtp_finish(&s);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.v[0].mail_from, "y.example");
	assert_string_equal(got.v[0].rcpt_to[0], "");	/* no domain */
	got.n = 0;
	smtp_init(&s, SMTP_ADDR_NONE);
	smtp_set_tx_cb(&s, tx_keep, &got);
	smtp_feed(&s, TO_SERVER, (const uint8_t *)
	    "EHLO b.example\r\nMAIL FROM:<x@y>\r\nRCPT TO:<z@w>\r\n", 48);
	smtp_finish(&s);
	assert_int_equal(got.n, 1);
	assert_true(got.v[0].has_mail_from);
	assert_string_equal(got.v[0].mail_from, "");
	assert_int_equal(got.v[0].n_rcpt_to, 0);
	got.n = 0;
	smtp_init(&s, SMTP_ADDR_FULL);
	smtp_set_tx_cb(&s, tx_keep, &got);
	smtp_feed(&s, TO_SERVER, (const uint8_t *)"EHLO c.example\r\n", 16);
	smtp_finish(&s);
	assert_int_equal(got.n, 1);
	assert_false(got.v[0].has_mail_from);
	assert_string_equal(got.v[0].helo, "c.example");
	/* a greeting alone: no command, no transaction */
	got.n = 0;
	smtp_init(&s, SMTP_ADDR_FULL);
	smtp_set_tx_cb(&s, tx_keep, &got);
	smtp_feed(&s, TO_CLIENT, (const uint8_t *)"421 busy\r\n", 10);
	smtp_finish(&s);
	assert_int_equal(got.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_session),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_not_commands),
		cmocka_unit_test(test_bare_lf),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_pipelining),
		cmocka_unit_test(test_data_refused_late),
		cmocka_unit_test(test_data_end_split),
		cmocka_unit_test(test_data_dots),
		cmocka_unit_test(test_data_long_line),
		cmocka_unit_test(test_bdat),
		cmocka_unit_test(test_bdat_huge),
		cmocka_unit_test(test_client_only),
		cmocka_unit_test(test_server_only),
		cmocka_unit_test(test_starttls_accepted),
		cmocka_unit_test(test_starttls_refused),
		cmocka_unit_test(test_overlong_banner),
		cmocka_unit_test(test_overlong_client_line),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_not_smtp),
		cmocka_unit_test(test_addr_modes),
		cmocka_unit_test(test_addr_limit),
		cmocka_unit_test(test_auth_not_kept),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_transactions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
