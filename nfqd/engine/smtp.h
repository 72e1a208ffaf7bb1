/*
 * smtp.c: an allocation-free SMTP command/reply stream parser.
 *
 * The engine reassembles TCP and feeds each direction's payload in order
 * (TO_SERVER, then TO_CLIENT); the parser keeps what the
 * policy events want to say about a session (banner, HELO, envelope
 * addresses, counts) and never the message or any credential.
 *
 * Rules worth knowing (details in smtp.c):
 *  - Lines end at LF; a CR before it is dropped.  Only the first
 *    SMTP_CLINE (client) / SMTP_SLINE (server) bytes of a line are looked
 *    at; the rest of a longer line is skipped up to its LF.
 *  - Commands and replies are matched by position (the n-th final reply
 *    answers the n-th client request, the greeting aside), so pipelining
 *    works.  After the client's DATA its next lines are message content
 *    unless the server's reply to that DATA is 4xx/5xx; a 354 is not
 *    needed, so client-only captures work.
 *  - data_bytes is the message as the server stores it: dot-unstuffed,
 *    including the CRLF that ends the last line, excluding the ".CRLF"
 *    terminator (RFC 5321 4.1.1.4); so a message sent with DATA counts the
 *    same as when sent with BDAT (whose chunks carry that CRLF), and
 *    compares with SIZE= (RFC 1870).
 *  - Feed each direction from the start of the connection: the first
 *    line of each decides SMTP_NOT_SMTP.  Once smtp_feed() has returned
 *    SMTP_TLS or SMTP_NOT_SMTP nothing more is parsed.
 *  - One struct smtp per connection, no locking, no global state.
 */
#ifndef NFQD_SMTP_H
#define NFQD_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/defs.h"
#include "policy/conf.h"

/* smtp_feed() results; sticky: once TLS or NOT_SMTP, always that. */
enum smtp_status {
	SMTP_MORE,		/* keep feeding */
	SMTP_TLS,		/* STARTTLS accepted: the rest is TLS */
	SMTP_NOT_SMTP		/* the stream clearly is not SMTP */
};

#define SMTP_MAX_ADDRS	16	/* mail_from and rcpt_to kept, each */
#define SMTP_ADDRLEN	128
#define SMTP_CLINE	512	/* client line bytes looked at (RFC 5321) */
#define SMTP_SLINE	80	/* server: "220-" + 63 banner bytes + slack */

/*
 * Strings are NUL-terminated printable ASCII: bytes outside 0x21-0x7e
 * become '?'.  Addresses are kept once each (no duplicates), the first
 * SMTP_MAX_ADDRS distinct ones; SMTP_ADDR_DOMAIN keeps the part after the
 * last '@', lower-cased ("" when there is none, as for "<>" or
 * "<postmaster>").  Counters saturate.
 */
struct smtp_meta {
	char		 banner[64];	/* first word after "220 "/"220-" of the greeting */
	char		 helo[64];	/* last non-empty HELO/EHLO/LHLO argument, first word */
	bool		 starttls;	/* STARTTLS answered 220 (or TLS followed it) */
	bool		 auth;		/* an AUTH command was sent */
	uint32_t	 transactions;	/* MAIL FROM commands */
	uint32_t	 rcpts;		/* RCPT TO commands */
	uint64_t	 data_bytes;	/* message bytes, DATA and BDAT (see above) */
	uint32_t	 replies[4];	/* final reply lines by class 2xx..5xx */
	uint32_t	 n_mail_from, n_rcpt_to;	/* how many kept */
	char		 mail_from[SMTP_MAX_ADDRS][SMTP_ADDRLEN];
	char		 rcpt_to[SMTP_MAX_ADDRS][SMTP_ADDRLEN];
	uint32_t	 commands;	/* recognised command verbs */
	uint32_t	 max_message;	/* largest completed message, bytes */
	uint32_t	 messages;	/* DATA ended or BDAT LAST */
};

/*
 * One mail transaction, as Suricata logs one smtp event per transaction:
 * from MAIL FROM to the end of its message, RSET, the next MAIL FROM or
 * the session's end.  Addresses as in struct smtp_meta (smtp-addresses),
 * in the order given, duplicates kept; the first SMTP_MAX_ADDRS
 * recipients.  A session with commands but no MAIL FROM has one
 * transaction too, handed out at its end (its HELO).
 */
struct smtp_tx {
	uint32_t	 id;		/* 0, 1, ... within the session */
	bool		 has_mail_from;	/* MAIL FROM seen (kept unless NONE) */
	char		 helo[64];	/* the session's HELO when it ended */
	char		 mail_from[SMTP_ADDRLEN];
	uint32_t	 n_rcpt_to;	/* how many kept */
	char		 rcpt_to[SMTP_MAX_ADDRS][SMTP_ADDRLEN];
};
/* Called as each transaction ends; the tx is the parser's, copy it. */
typedef void (*smtp_tx_cb)(void *arg, const struct smtp_tx *tx);

/*
 * Parser state; plain data, so the engine can embed or pool it (call
 * smtp_init first).  About 7.3 KB on x86-64: the meta 4288 (of which 4096
 * are the session's distinct addresses), the open transaction 2284, the
 * two line buffers 592, counters and flags.
 */
struct smtp {
	struct smtp_meta meta;
	struct smtp_tx	 tx;		/* the open transaction */
	bool		 tx_open;	/* it has a MAIL FROM or a RCPT TO */
	uint32_t	 ntx;		/* transactions handed out */
	smtp_tx_cb	 tx_cb;		/* NULL: transactions are not wanted */
	void		*tx_arg;
	uint64_t	 bdat_left;	/* chunk bytes still to come */
	uint64_t	 msg_bytes;	/* the message in progress */
	uint32_t	 c_seq;		/* client requests sent (lines, chunks) */
	uint32_t	 s_seq;		/* final replies matched to them */
	uint32_t	 data_seq;	/* c_seq of the last DATA */
	uint32_t	 tls_seq;	/* c_seq of the last STARTTLS */
	uint16_t	 clen, slen;	/* bytes held in cbuf, sbuf */
	uint16_t	 scode;		/* code of an open multi-line reply */
	uint16_t	 flags;		/* SF_* in smtp.c */
	enum smtp_addr_mode	 addr_mode : 8;
	enum smtp_status	 status : 8;
	uint8_t		 cmode;		/* client: command, DATA or BDAT */
	uint8_t		 dstate;	/* where in a DATA line */
	uint8_t		 first[2];	/* first line per direction: ok/bad */
	uint8_t		 cbuf[SMTP_CLINE];
	uint8_t		 sbuf[SMTP_SLINE];
};

void	 smtp_init(struct smtp *s, enum smtp_addr_mode mode);
/* Where finished transactions go (until changed); NULL: nowhere. */
void	 smtp_set_tx_cb(struct smtp *s, smtp_tx_cb cb, void *arg);
/*
 * The session is over: its open transaction (or, when it had commands
 * but no transaction, one with its HELO alone) is handed out.
 */
void	 smtp_finish(struct smtp *s);
int	 smtp_feed(struct smtp *s, enum side side, const uint8_t *p, size_t n);
/*
 * `lost` bytes of direction `side` are missing (0: not known).  The partial
 * line is dropped and parsing resumes after the next LF; inside DATA or a
 * BDAT chunk a known count is added to the message.
 */
void	 smtp_gap(struct smtp *s, enum side side, size_t lost);
const struct smtp_meta *smtp_meta(const struct smtp *s);
const char *smtp_status_name(int st);

#endif
