/*
 * What crossed the border on an allowed connection: nDPI names the
 * protocol from payload, the SMTP parser keeps the session's metadata.
 * The state lives only while the connection is being inspected and is
 * freed as soon as both are done (or at the connection's end); the flow
 * keeps only the protocol's name and nDPI's risk bits.
 *
 * The SMTP parser wants each direction's bytes in order: a minimal
 * reassembly keeps the next expected sequence number per direction, feeds
 * new bytes, skips what was already fed (retransmissions, overlaps: the
 * first copy wins) and reports holes as gaps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/classify.h"
#include "engine/pkt.h"
#include "engine/dpi.h"
#include "engine/smtp.h"

struct cls {
	struct dpi_flow	*df;		/* NULL once nDPI is done */
	struct smtp	*smtp;		/* NULL when not parsing SMTP */
	uint32_t	 next[2];	/* next sequence number per direction */
	uint8_t		 seq_ok[2];
	uint8_t		 smtp_status;
	struct dpi_result res;
	bool		 res_ok;
};

struct cls *
cls_new(struct dpi *d, int addr_mode, bool smtp)
{
	struct cls	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->df = dpi_flow_new(d)) == NULL) {
		free(c);
		return NULL;
	}
	if (smtp && (c->smtp = malloc(sizeof(*c->smtp))) != NULL)
		smtp_init(c->smtp, (enum smtp_addr_mode)addr_mode);
	return c;
}

void
cls_free(struct cls *c)
{
	if (c == NULL)
		return;
	dpi_flow_free(c->df);
	free(c->smtp);
	free(c);
}

static bool
seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* Feed the new part of this segment to the SMTP parser, in order. */
static void
cls_smtp(struct cls *c, const struct pkt *p, enum side side)
{
	uint32_t	 seq = p->seq, skip = 0, len = p->payload_len;
	uint32_t	 caplen = p->payload_caplen;

	if (p->flags & TH_SYN) {
		c->next[side] = p->seq + 1;
		c->seq_ok[side] = 1;
		return;
	}
	if (len == 0)
		return;
	if (!c->seq_ok[side]) {		/* handshake not seen: start here */
		c->next[side] = seq;
		c->seq_ok[side] = 1;
	}
	if (seq_before(seq, c->next[side])) {
		skip = c->next[side] - seq;
		if (skip >= len)
			return;		/* all seen already */
	} else if (seq != c->next[side])
		smtp_gap(c->smtp, side, seq - c->next[side]);
	c->next[side] = seq + len;
	if (skip < caplen)
		c->smtp_status = (uint8_t)smtp_feed(c->smtp, side,
		    p->payload + skip, caplen - skip);
	if (caplen < len && c->smtp_status == SMTP_MORE)
		smtp_gap(c->smtp, side, len - (skip > caplen ? skip : caplen));
}

/*
 * One packet of the connection, `side` 0 from the client.  Returns true
 * while more inspection is wanted.
 */
bool
cls_packet(struct dpi *d, struct cls *c, const struct pkt *p, enum side side,
    int64_t now, smtp_tx_cb tx, void *arg)
{
	if (c->df != NULL && dpi_packet(d, c->df, p->l3, p->l3_caplen, now) ==
	    DPI_DONE) {
		dpi_result(d, c->df, &c->res);
		c->res_ok = true;
		dpi_flow_free(c->df);
		c->df = NULL;
	}
	if (c->smtp != NULL && c->smtp_status == SMTP_MORE) {
		smtp_set_tx_cb(c->smtp, tx, arg);
		cls_smtp(c, p, side);
		smtp_set_tx_cb(c->smtp, NULL, NULL);
	}
	return c->df != NULL ||
	    (c->smtp != NULL && c->smtp_status == SMTP_MORE);
}

/*
 * Final word: protocol and risks into the flow, the SMTP metadata (a
 * copy the caller owns, NULL when the stream was not SMTP) and whether
 * payload that is neither SMTP nor anything nDPI knows was seen.
 */
void
cls_result(struct dpi *d, struct cls *c, struct cls_result *r, smtp_tx_cb tx,
    void *arg)
{
	const struct smtp_meta	*m;

	memset(r, 0, sizeof(*r));
	if (c->df != NULL) {
		dpi_result(d, c->df, &c->res);
		c->res_ok = true;
		dpi_flow_free(c->df);
		c->df = NULL;
	}
	snprintf(r->app_proto, sizeof(r->app_proto), "%s", c->res.app_proto);
	r->risk = c->res.risk;
	if (c->smtp == NULL)
		return;
	m = smtp_meta(c->smtp);
	/*
	 * 4.2 names HTTP on port 25 "SMTP.HTTP": the master from the port,
	 * the app from payload.  When the stream is not SMTP, the app part
	 * is what was found.
	 */
	if (c->smtp_status == SMTP_NOT_SMTP &&
	    strcmp(r->app_proto, "smtp") == 0)
		snprintf(r->app_proto, sizeof(r->app_proto), "%s",
		    c->res.app_detail);
	r->unknown_payload = c->smtp_status == SMTP_NOT_SMTP &&
	    r->app_proto[0] == '\0';
	if (c->smtp_status != SMTP_NOT_SMTP &&
	    (m->commands > 0 || m->banner[0] != '\0' ||
	    m->replies[0] + m->replies[1] + m->replies[2] + m->replies[3] > 0)) {
		/* the open transaction, then the session */
		smtp_set_tx_cb(c->smtp, tx, arg);
		smtp_finish(c->smtp);
		smtp_set_tx_cb(c->smtp, NULL, NULL);
		if ((r->smtp = malloc(sizeof(*r->smtp))) != NULL)
			*r->smtp = *m;
	}
	/*
	 * A session the parser followed (commands answered by replies) is
	 * SMTP, whatever nDPI says: 4.2 calls a 52-byte "220 ..." greeting
	 * MQTT ('2' reads as PUBLISH, then as a remaining length of 50).
	 */
	if (r->smtp != NULL && m->commands > 0 &&
	    m->replies[0] + m->replies[1] + m->replies[2] + m->replies[3] > 0)
		snprintf(r->app_proto, sizeof(r->app_proto), "smtp");
}
