/*
 * SMTP command/reply stream parser: one pass over each direction's bytes,
 * no allocation, bounded state (struct smtp in smtp.h).
 *
 * Lines.  A line ends at LF (a CR before it is dropped, bare LF is fine).
 * A line that arrives whole in one feed is parsed in place; one split
 * across feeds is gathered in the direction's buffer.  Either way only its
 * first SMTP_CLINE/SMTP_SLINE bytes are looked at, so an over-long line
 * (a 5 KB banner) is parsed on its prefix and the rest skipped to the LF,
 * and feeding byte by byte gives the same result as feeding at once.
 *
 * Replies.  A reply line is "[2-5]xx" then '-' (more lines follow) or
 * anything else (the last line); the reply is counted once, at its last
 * line.  A line with another code than the open multi-line reply closes
 * that reply first (smtp-bug-6053's server never ends its "250-").  Lines
 * that are not reply lines are ignored.
 *
 * Matching replies to requests.  Every client line in command mode (known
 * verb or not, AUTH exchange lines included), every BDAT command and every
 * end of DATA is a request the server answers with one final reply; the
 * greeting (the first reply, if 220, 421 or 554) answers none.  The n-th
 * final reply therefore answers the n-th request, whatever the pipelining
 * depth, with two counters (c_seq, s_seq).  A reply when nothing is
 * outstanding (a 421 on timeout) matches nothing.  After a gap that may
 * have cost requests or replies the positions are not trusted (SF_DESYNC)
 * until a 354 realigns them.
 *
 * Gaps.  The partial line is dropped and the next bytes up to an LF are
 * skipped.  Inside DATA the missing bytes, if their number is known, are
 * counted as content; inside a BDAT chunk they are taken off the chunk
 * (an unknown number abandons the chunk).
 *
 * DATA.  After the client's DATA (no argument) its next bytes are message
 * content at once: a 354 is not required, so client-only captures work.
 * If the server's reply to that DATA is 4xx/5xx, the client is back in
 * command mode and whatever was counted as content is taken back.  If the
 * server sends a final reply while the client is still in content after
 * the DATA was answered, the end marker was lost in a gap: the message
 * ends there (and counts as a message if the reply is 2xx).  The content
 * ends at a line holding only "." (CRLF or LF).  Counted bytes are the
 * message as stored: the stuffing dot of a line starting with "." is not
 * counted, the CRLF ending the last line is, the ".CRLF" marker is not.
 *
 * BDAT (RFC 3030).  "BDAT <n> [LAST]" is followed by exactly n bytes of
 * message that are never parsed as commands; LAST completes the message.
 *
 * STARTTLS.  A 220 reply while the client's STARTTLS is unanswered means
 * TLS follows: starttls = true and SMTP_TLS.  So does a TLS record (0x16)
 * where the client's next line would start (the 220 was not seen).  Any
 * other reply to it (454, 502) leaves the session in cleartext.
 *
 * Not SMTP.  The first non-empty line of the client must start with a
 * known command verb, that of the server with a reply code 2xx-5xx; the
 * first byte of each is checked at once (a TLS ClientHello, 0x16, fails
 * on its first byte).  A direction that fails makes the stream NOT_SMTP
 * unless the other direction already passed.
 */
#include <string.h>

#include "engine/smtp.h"

/* s->flags */
#define SF_DATA_WAIT	0x0001	/* the last DATA is not answered yet */
#define SF_TLS_WAIT	0x0002	/* STARTTLS is not answered yet */
#define SF_BDAT_LAST	0x0004	/* the current chunk ends the message */
#define SF_MULTI	0x0008	/* server: inside a multi-line reply */
#define SF_GREETED	0x0010	/* server: first reply seen */
#define SF_DESYNC	0x0020	/* request/reply positions not trusted */
#define SF_CSKIP	0x0040	/* client: discard up to the next LF */
#define SF_SSKIP	0x0080	/* server: discard up to the next LF */

/* s->cmode */
#define CM_CMD		0
#define CM_DATA		1
#define CM_BDAT		2

/* s->dstate: where in a DATA line */
#define DS_BOL		0	/* at its start */
#define DS_DOT		1	/* after a leading "." */
#define DS_DOTCR	2	/* after a leading ".\r" */
#define DS_MID		3	/* anywhere else */

/* s->first[] */
#define FL_UNKNOWN	0
#define FL_OK		1
#define FL_BAD		2

enum verb {
	V_UNKNOWN, V_HELO, V_MAIL, V_RCPT, V_DATA, V_BDAT, V_STARTTLS,
	V_AUTH, V_RSET, V_OTHER
};

#define K4(a, b, c, d)	((uint64_t)(a) << 24 | (uint64_t)(b) << 16 | \
			    (uint64_t)(c) << 8 | (uint64_t)(d))
#define K8(a, b, c, d, e, f, g, h) \
			(K4(a, b, c, d) << 32 | K4(e, f, g, h))

static inline uint32_t
sat_inc32(uint32_t v)
{
	return v == UINT32_MAX ? v : v + 1;
}

static inline uint64_t
sat_add64(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static inline bool
is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static inline uint8_t
to_upper(uint8_t c)
{
	return c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
}

/*
 * Copy at most size-1 bytes as printable ASCII (others become '?'),
 * lower-cased if asked, and NUL-terminate.
 */
static void
copy_clean(char *dst, size_t size, const uint8_t *src, size_t n, bool lower)
{
	size_t	 i;
	uint8_t	 c;

	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++) {
		c = src[i];
		if (c < 0x21 || c > 0x7e)
			c = '?';
		else if (lower && c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		dst[i] = (char)c;
	}
	dst[n] = '\0';
}

/* The first word of p[0..n), after any blanks, into dst. */
static void
copy_word(char *dst, size_t size, const uint8_t *p, size_t n)
{
	size_t	 i = 0, j;

	while (i < n && is_space(p[i]))
		i++;
	for (j = i; j < n && !is_space(p[j]); j++)
		;
	copy_clean(dst, size, p + i, j - i, false);
}

/*
 * Case-insensitive keyword at p, then blanks, then ':' (for "FROM:" and
 * "TO:", tolerating "FROM :").  Returns the bytes used, 0 if no match.
 */
static size_t
keyword_colon(const uint8_t *p, size_t n, const char *kw)
{
	size_t	 i;

	for (i = 0; kw[i] != '\0'; i++)
		if (i >= n || to_upper(p[i]) != (uint8_t)kw[i])
			return 0;
	while (i < n && is_space(p[i]))
		i++;
	if (i >= n || p[i] != ':')
		return 0;
	return i + 1;
}

static inline void
msg_add(struct smtp *s, uint64_t n)
{
	s->meta.data_bytes = sat_add64(s->meta.data_bytes, n);
	s->msg_bytes = sat_add64(s->msg_bytes, n);
}

/* The open transaction is over: handed out, and a new one starts. */
static void
tx_end(struct smtp *s)
{
	s->tx.id = s->ntx;
	s->ntx = sat_inc32(s->ntx);
	memcpy(s->tx.helo, s->meta.helo, sizeof(s->tx.helo));
	if (s->tx_cb != NULL)
		s->tx_cb(s->tx_arg, &s->tx);
	memset(&s->tx, 0, sizeof(s->tx));
	s->tx_open = false;
}

static void
message_done(struct smtp *s)
{
	s->meta.messages = sat_inc32(s->meta.messages);
	if (s->msg_bytes > s->meta.max_message)
		s->meta.max_message = s->msg_bytes > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)s->msg_bytes;
	s->msg_bytes = 0;
	if (s->tx_open)
		tx_end(s);
}

/* A direction's first line passed or failed. */
static void
first_verdict(struct smtp *s, enum side side, bool ok)
{
	s->first[side] = ok ? FL_OK : FL_BAD;
	if (!ok && s->first[side ^ 1] != FL_OK)
		s->status = SMTP_NOT_SMTP;
}

/* Can c start the first line of side? (Blank lines wait for the next.) */
static inline bool
first_byte_ok(enum side side, uint8_t c)
{
	if (c == '\r' || c == '\n')
		return true;
	if (side == TO_SERVER)
		return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
	return c >= '2' && c <= '5';
}

/* ---- client ---- */

static enum verb
verb_of(const uint8_t *p, size_t n, size_t *len)
{
	uint64_t	 key = 0;
	size_t		 i;
	uint8_t		 c;

	for (i = 0; i < n && !is_space(p[i]); i++) {
		c = to_upper(p[i]);
		if (i >= 8 || !((c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return V_UNKNOWN;
		key = key << 8 | c;
	}
	*len = i;
	switch (key) {
	case K4('H', 'E', 'L', 'O'):
	case K4('E', 'H', 'L', 'O'):
	case K4('L', 'H', 'L', 'O'):
		return V_HELO;
	case K4('M', 'A', 'I', 'L'):
		return V_MAIL;
	case K4('R', 'C', 'P', 'T'):
		return V_RCPT;
	case K4('D', 'A', 'T', 'A'):
		return V_DATA;
	case K4('B', 'D', 'A', 'T'):
		return V_BDAT;
	case K8('S', 'T', 'A', 'R', 'T', 'T', 'L', 'S'):
		return V_STARTTLS;
	case K4('A', 'U', 'T', 'H'):
		return V_AUTH;
	case K4('R', 'S', 'E', 'T'):
		return V_RSET;
	case K4('V', 'R', 'F', 'Y'):
	case K4('E', 'X', 'P', 'N'):
	case K4('H', 'E', 'L', 'P'):
	case K4('N', 'O', 'O', 'P'):
	case K4('Q', 'U', 'I', 'T'):
	case K4('T', 'U', 'R', 'N'):
	case K4('E', 'T', 'R', 'N'):
	case K4('A', 'T', 'R', 'N'):
	case K4('B', 'U', 'R', 'L'):
	case K4('S', 'E', 'N', 'D'):
	case K4('S', 'O', 'M', 'L'):
	case K4('S', 'A', 'M', 'L'):
	case K8(0, 'X', 'C', 'L', 'I', 'E', 'N', 'T'):
	case K8('X', 'F', 'O', 'R', 'W', 'A', 'R', 'D'):
	case K8(0, 'X', 'E', 'X', 'C', 'H', '5', '0'):
		return V_OTHER;
	}
	return V_UNKNOWN;
}

/*
 * The address of a MAIL FROM:/RCPT TO: argument: what is inside <...>
 * (quotes respected, a source route "@a,@b:" dropped), or without
 * brackets the first word.  Parameters after it are ignored.
 */
static void
path_of(const uint8_t *a, size_t n, const uint8_t **out, size_t *outn)
{
	size_t	 i = 0, j, start;
	bool	 quoted = false;

	while (i < n && is_space(a[i]))
		i++;
	if (i < n && a[i] == '<') {
		start = ++i;
		for (j = i; j < n; j++) {
			if (quoted) {
				if (a[j] == '\\' && j + 1 < n)
					j++;
				else if (a[j] == '"')
					quoted = false;
			} else if (a[j] == '"')
				quoted = true;
			else if (a[j] == '>')
				break;
		}
		if (start < j && a[start] == '@') {
			for (i = start; i < j && a[i] != ':'; i++)
				;
			if (i < j)
				start = i + 1;
		}
	} else {
		start = i;
		for (j = i; j < n && !is_space(a[j]); j++)
			;
	}
	*out = a + start;
	*outn = j - start;
}

/* The address of a MAIL FROM:/RCPT TO: argument, as smtp-addresses says. */
static void
addr_value(const struct smtp *s, const uint8_t *arg, size_t n,
    char v[SMTP_ADDRLEN])
{
	const uint8_t	*a;
	size_t		 len, i;
	bool		 lower = false;

	path_of(arg, n, &a, &len);
	if (s->addr_mode == SMTP_ADDR_DOMAIN) {
		for (i = len; i > 0 && a[i - 1] != '@'; i--)
			;
		a += i;
		len = i > 0 ? len - i : 0;
		lower = true;
	}
	copy_clean(v, SMTP_ADDRLEN, a, len, lower);
}

/* MAIL FROM (rcpt false) or RCPT TO into the open transaction. */
static void
tx_addr(struct smtp *s, bool rcpt, const uint8_t *arg, size_t n)
{
	if (!rcpt) {
		if (s->tx_open)
			tx_end(s);	/* a MAIL FROM ends the one before */
		s->tx.has_mail_from = true;
		if (s->addr_mode != SMTP_ADDR_NONE)
			addr_value(s, arg, n, s->tx.mail_from);
	} else if (s->addr_mode != SMTP_ADDR_NONE &&
	    s->tx.n_rcpt_to < SMTP_MAX_ADDRS)
		addr_value(s, arg, n, s->tx.rcpt_to[s->tx.n_rcpt_to++]);
	s->tx_open = true;
}

static void
addr_keep(struct smtp *s, char (*list)[SMTP_ADDRLEN], uint32_t *count,
    const uint8_t *arg, size_t n)
{
	char		 v[SMTP_ADDRLEN];
	uint32_t	 k;

	if (s->addr_mode == SMTP_ADDR_NONE || *count >= SMTP_MAX_ADDRS)
		return;
	addr_value(s, arg, n, v);
	for (k = 0; k < *count; k++)
		if (strcmp(list[k], v) == 0)
			return;
	memcpy(list[*count], v, strlen(v) + 1);
	(*count)++;
}

/*
 * The arguments of BDAT, blanks before them already skipped: "<size>
 * [LAST]" (a size too big for 64 bits saturates).  False if no size.
 */
static bool
bdat_parse(const uint8_t *a, size_t n, uint64_t *size, bool *last)
{
	size_t		 j;
	uint64_t	 v = 0;

	for (j = 0; j < n && a[j] >= '0' && a[j] <= '9'; j++)
		v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX :
		    v * 10 + (uint64_t)(a[j] - '0');
	if (j == 0 || (j < n && !is_space(a[j])))
		return false;
	while (j < n && is_space(a[j]))
		j++;
	*last = n - j >= 4 && to_upper(a[j]) == 'L' &&
	    to_upper(a[j + 1]) == 'A' && to_upper(a[j + 2]) == 'S' &&
	    to_upper(a[j + 3]) == 'T' && (n - j == 4 || is_space(a[j + 4]));
	*size = v;
	return true;
}

static void
chunk_done(struct smtp *s)
{
	s->cmode = CM_CMD;
	if (s->flags & SF_BDAT_LAST)
		message_done(s);
	s->flags &= (uint16_t)~SF_BDAT_LAST;
}

/* One complete client line in command mode (without its LF). */
static void
client_line(struct smtp *s, const uint8_t *p, size_t n)
{
	enum verb	 v;
	size_t		 vlen = 0, k;
	uint64_t	 size;
	bool		 last;

	while (n > 0 && (p[n - 1] == '\r' || is_space(p[n - 1])))
		n--;
	s->c_seq++;			/* every line gets a reply */
	v = verb_of(p, n, &vlen);
	if (s->first[0] == FL_UNKNOWN && n > 0)
		first_verdict(s, 0, v != V_UNKNOWN);
	if (v == V_UNKNOWN)
		return;
	s->meta.commands = sat_inc32(s->meta.commands);
	p += vlen;
	n -= vlen;
	while (n > 0 && is_space(*p)) {
		p++;
		n--;
	}
	switch (v) {
	case V_HELO:
		if (n > 0)
			copy_word(s->meta.helo, sizeof(s->meta.helo), p, n);
		s->msg_bytes = 0;
		break;
	case V_MAIL:
		if ((k = keyword_colon(p, n, "FROM")) == 0)
			break;
		s->meta.transactions = sat_inc32(s->meta.transactions);
		s->msg_bytes = 0;
		tx_addr(s, false, p + k, n - k);
		addr_keep(s, s->meta.mail_from, &s->meta.n_mail_from,
		    p + k, n - k);
		break;
	case V_RCPT:
		if ((k = keyword_colon(p, n, "TO")) == 0)
			break;
		s->meta.rcpts = sat_inc32(s->meta.rcpts);
		tx_addr(s, true, p + k, n - k);
		addr_keep(s, s->meta.rcpt_to, &s->meta.n_rcpt_to,
		    p + k, n - k);
		break;
	case V_DATA:
		if (n > 0)		/* "DATA x" is refused */
			break;
		s->cmode = CM_DATA;
		s->dstate = DS_BOL;
		s->data_seq = s->c_seq;
		s->flags |= SF_DATA_WAIT;
		s->msg_bytes = 0;
		break;
	case V_BDAT:
		if (!bdat_parse(p, n, &size, &last))
			break;
		s->bdat_left = size;
		if (last)
			s->flags |= SF_BDAT_LAST;
		s->cmode = CM_BDAT;
		if (size == 0)
			chunk_done(s);
		break;
	case V_STARTTLS:
		if (n > 0)
			break;
		s->flags |= SF_TLS_WAIT;
		s->tls_seq = s->c_seq;
		break;
	case V_AUTH:
		s->meta.auth = true;	/* its arguments are never kept */
		break;
	case V_RSET:
		s->msg_bytes = 0;
		if (s->tx_open)
			tx_end(s);	/* the transaction is abandoned */
		break;
	default:
		break;
	}
}

/* The end of DATA content: the marker is a request the server answers. */
static void
data_end(struct smtp *s)
{
	s->cmode = CM_CMD;
	s->c_seq++;
	message_done(s);
}

/* Message content after DATA, up to and including the end marker. */
static const uint8_t *
data_take(struct smtp *s, const uint8_t *p, const uint8_t *end)
{
	const uint8_t	*lf;

	while (p < end) {
		switch (s->dstate) {
		case DS_BOL:
			if (*p == '.') {
				s->dstate = DS_DOT;
				p++;
			} else
				s->dstate = DS_MID;
			break;
		case DS_DOT:
			if (*p == '\r') {
				s->dstate = DS_DOTCR;
				p++;
				break;
			}
			if (*p == '\n') {
				data_end(s);
				return p + 1;
			}
			s->dstate = DS_MID;	/* stuffing dot: not counted */
			break;
		case DS_DOTCR:
			if (*p == '\n') {
				data_end(s);
				return p + 1;
			}
			msg_add(s, 1);		/* the CR was content */
			s->dstate = DS_MID;
			break;
		default:
			lf = memchr(p, '\n', (size_t)(end - p));
			if (lf == NULL) {
				msg_add(s, (uint64_t)(end - p));
				return end;
			}
			msg_add(s, (uint64_t)(lf + 1 - p));
			p = lf + 1;
			s->dstate = DS_BOL;
			break;
		}
	}
	return p;
}

static const uint8_t *
bdat_take(struct smtp *s, const uint8_t *p, const uint8_t *end)
{
	uint64_t	 take = (uint64_t)(end - p);

	if (take > s->bdat_left)
		take = s->bdat_left;
	msg_add(s, take);
	s->bdat_left -= take;
	if (s->bdat_left == 0)
		chunk_done(s);
	return p + take;
}

/* The server refused the DATA the client is sending content for. */
static void
data_abort(struct smtp *s)
{
	s->meta.data_bytes = s->meta.data_bytes >= s->msg_bytes ?
	    s->meta.data_bytes - s->msg_bytes : 0;
	s->msg_bytes = 0;
	s->cmode = CM_CMD;
	s->clen = 0;
	if (s->dstate != DS_BOL)
		s->flags |= SF_CSKIP;	/* mid-line: resync at the LF */
}

/* ---- server ---- */

/* A final reply (the greeting, or the last line of a multi-line reply). */
static void
reply_final(struct smtp *s, unsigned code)
{
	unsigned	 cls = code / 100;
	bool		 matched;

	s->meta.replies[cls - 2] = sat_inc32(s->meta.replies[cls - 2]);
	if ((s->flags & SF_TLS_WAIT) && code == 220) {
		s->meta.starttls = true;	/* the rest is TLS */
		s->status = SMTP_TLS;
		return;
	}
	if (!(s->flags & SF_GREETED)) {
		s->flags |= SF_GREETED;
		if (code == 220 || code == 421 || code == 554)
			return;			/* the greeting */
	}
	matched = s->s_seq != s->c_seq;
	if (matched)
		s->s_seq++;

	if (s->flags & SF_TLS_WAIT) {
		if (matched && !(s->flags & SF_DESYNC) &&
		    (int32_t)(s->s_seq - s->tls_seq) >= 0)
			s->flags &= (uint16_t)~SF_TLS_WAIT;
	}

	if (code == 354) {
		if (s->flags & SF_DATA_WAIT) {
			s->flags &= (uint16_t)~(SF_DATA_WAIT | SF_DESYNC);
			s->s_seq = s->data_seq;		/* realign */
		}
		return;
	}
	if (s->flags & SF_DESYNC)
		return;
	if (s->flags & SF_DATA_WAIT) {
		if (matched && s->s_seq == s->data_seq) {
			s->flags &= (uint16_t)~SF_DATA_WAIT;
			if (cls >= 4 && s->cmode == CM_DATA)
				data_abort(s);
		}
		return;
	}
	if (!matched && s->cmode == CM_DATA) {
		/* DATA was answered, its end marker was lost: it ended. */
		s->cmode = CM_CMD;
		s->clen = 0;
		s->flags &= (uint16_t)~SF_CSKIP;
		s->c_seq++;
		s->s_seq++;
		if (cls == 2)
			message_done(s);
		else
			s->msg_bytes = 0;
	}
}

/* One complete server line (without its LF). */
static void
server_line(struct smtp *s, const uint8_t *p, size_t n)
{
	unsigned	 code;

	while (n > 0 && p[n - 1] == '\r')
		n--;
	if (n < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9') {
		if (s->first[1] == FL_UNKNOWN && n > 0)
			first_verdict(s, 1, false);
		return;			/* not a reply line: ignored */
	}
	if (s->first[1] == FL_UNKNOWN)
		first_verdict(s, 1, true);
	code = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
	    (unsigned)(p[2] - '0');
	if ((s->flags & SF_MULTI) && code != s->scode) {
		/* A new code: the open reply ended without its last line. */
		s->flags &= (uint16_t)~SF_MULTI;
		reply_final(s, s->scode);
		if (s->status != SMTP_MORE)
			return;
	}
	if (!(s->flags & (SF_MULTI | SF_GREETED)) && code == 220)
		copy_word(s->meta.banner, sizeof(s->meta.banner),
		    n > 4 ? p + 4 : p, n > 4 ? n - 4 : 0);
	if (n > 3 && p[3] == '-') {
		s->flags |= SF_MULTI;
		s->scode = (uint16_t)code;
		return;
	}
	s->flags &= (uint16_t)~SF_MULTI;
	reply_final(s, code);
}

/* ---- both ---- */

/*
 * One line of side from p: parse it if its LF is before end, else keep
 * what fits of it.  Returns where the next line starts.
 */
static const uint8_t *
line_take(struct smtp *s, enum side side, const uint8_t *p, const uint8_t *end)
{
	uint8_t		*buf = side == TO_SERVER ? s->cbuf : s->sbuf;
	uint16_t	*len = side == TO_SERVER ? &s->clen : &s->slen;
	size_t		 cap = side == TO_SERVER ? SMTP_CLINE : SMTP_SLINE;
	uint16_t	 skip = side == TO_SERVER ? SF_CSKIP : SF_SSKIP;
	const uint8_t	*lf, *line;
	size_t		 n, room;

	lf = memchr(p, '\n', (size_t)(end - p));
	if (s->flags & skip) {
		if (lf == NULL)
			return end;
		s->flags &= (uint16_t)~skip;
		return lf + 1;
	}
	n = (size_t)((lf != NULL ? lf : end) - p);
	room = cap - *len;
	if (lf == NULL) {
		if (n > room)
			n = room;
		memcpy(buf + *len, p, n);
		*len = (uint16_t)(*len + n);
		return end;
	}
	if (*len == 0) {
		line = p;		/* whole in this feed: in place */
		if (n > cap)
			n = cap;
	} else {
		if (n > room)
			n = room;
		memcpy(buf + *len, p, n);
		n += *len;
		line = buf;
	}
	*len = 0;
	if (side == TO_SERVER) {
		client_line(s, line, n);
		if (line == buf)
			memset(buf, 0, n);	/* no AUTH data left behind */
	} else
		server_line(s, line, n);
	return lf + 1;
}

static void
client_feed(struct smtp *s, const uint8_t *p, const uint8_t *end)
{
	while (p < end && s->status == SMTP_MORE) {
		switch (s->cmode) {
		case CM_BDAT:
			p = bdat_take(s, p, end);
			break;
		case CM_DATA:
			p = data_take(s, p, end);
			break;
		default:
			if (s->clen == 0 && !(s->flags & SF_CSKIP)) {
				if ((s->flags & SF_TLS_WAIT) && *p == 0x16) {
					/* a TLS record where a line starts */
					s->meta.starttls = true;
					s->status = SMTP_TLS;
					return;
				}
				if (s->first[0] == FL_UNKNOWN &&
				    !first_byte_ok(0, *p)) {
					first_verdict(s, 0, false);
					if (s->status != SMTP_MORE)
						return;
				}
			}
			p = line_take(s, 0, p, end);
			break;
		}
	}
}

static void
server_feed(struct smtp *s, const uint8_t *p, const uint8_t *end)
{
	while (p < end && s->status == SMTP_MORE) {
		if (s->slen == 0 && !(s->flags & SF_SSKIP) &&
		    s->first[1] == FL_UNKNOWN && !first_byte_ok(1, *p)) {
			first_verdict(s, 1, false);
			if (s->status != SMTP_MORE)
				return;
		}
		p = line_take(s, 1, p, end);
	}
}

void
smtp_init(struct smtp *s, enum smtp_addr_mode mode)
{
	memset(s, 0, sizeof(*s));
	s->addr_mode = mode == SMTP_ADDR_DOMAIN || mode == SMTP_ADDR_FULL ?
	    (uint8_t)mode : SMTP_ADDR_NONE;
	s->status = SMTP_MORE;
}

void
smtp_set_tx_cb(struct smtp *s, smtp_tx_cb cb, void *arg)
{
	s->tx_cb = cb;
	s->tx_arg = arg;
}

void
smtp_finish(struct smtp *s)
{
	if (s->tx_open || (s->ntx == 0 && s->meta.commands > 0))
		tx_end(s);
}

int
smtp_feed(struct smtp *s, enum side side, const uint8_t *p, size_t n)
{
	if (s->status != SMTP_MORE || p == NULL || n == 0 ||
	    (side != 0 && side != 1))
		return s->status;
	if (side == TO_SERVER)
		client_feed(s, p, p + n);
	else
		server_feed(s, p, p + n);
	return s->status;
}

void
smtp_gap(struct smtp *s, enum side side, size_t lost)
{
	uint64_t	 take;

	if (s->status != SMTP_MORE || (side != 0 && side != 1))
		return;
	if (side == TO_CLIENT) {
		s->slen = 0;
		s->flags |= SF_SSKIP | SF_DESYNC;
		return;
	}
	switch (s->cmode) {
	case CM_DATA:
		msg_add(s, lost);
		s->dstate = DS_MID;	/* content again after the next LF */
		return;
	case CM_BDAT:
		if (lost > 0) {
			take = lost < s->bdat_left ? lost : s->bdat_left;
			msg_add(s, take);
			s->bdat_left -= take;
			if (s->bdat_left > 0)
				return;
			chunk_done(s);
			if (lost == take)
				return;	/* the gap ended with the chunk */
		} else {
			s->cmode = CM_CMD;	/* the chunk's end is unknown */
			s->flags &= (uint16_t)~SF_BDAT_LAST;
		}
		break;
	default:
		break;
	}
	memset(s->cbuf, 0, s->clen);
	s->clen = 0;
	s->flags |= SF_CSKIP | SF_DESYNC;
}

const struct smtp_meta *
smtp_meta(const struct smtp *s)
{
	return &s->meta;
}

const char *
smtp_status_name(int st)
{
	switch (st) {
	case SMTP_MORE:
		return "more";
	case SMTP_TLS:
		return "tls";
	case SMTP_NOT_SMTP:
		return "not-smtp";
	}
	return "?";
}
