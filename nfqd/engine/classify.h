/*
 * classify.c: the protocol and SMTP metadata of a connection that passes
 * (nDPI, dpi.c, and the SMTP parser, smtp.c).
 */
#ifndef NFQD_ENGINE_CLASSIFY_H
#define NFQD_ENGINE_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/defs.h"
#include "engine/pkt.h"
#include "engine/smtp.h"

struct cls;
struct dpi;
struct cls_result {
	char			 app_proto[32];
	uint64_t		 risk;
	struct smtp_meta	*smtp;		/* malloc'ed copy or NULL */
	bool			 unknown_payload;
};
struct cls	*cls_new(struct dpi *d, int addr_mode, bool smtp);
void	 cls_free(struct cls *c);
/*
 * tx, arg: where the SMTP parser's finished transactions go during this
 * call (smtp.h); NULL: nowhere.
 */
bool	 cls_packet(struct dpi *d, struct cls *c, const struct pkt *p,
	    enum side side, int64_t now, smtp_tx_cb tx, void *arg);
void	 cls_result(struct dpi *d, struct cls *c, struct cls_result *r,
	    smtp_tx_cb tx, void *arg);

#endif
