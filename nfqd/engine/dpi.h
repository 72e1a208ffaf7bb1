/*
 * dpi.c: nDPI (4.2) classification of an allowed connection while it is
 * being classified.
 *
 * One struct dpi per worker thread (an nDPI detection module, every
 * protocol enabled, initialized once); one struct dpi_flow per connection,
 * only while it is classified: the engine frees it at DPI_DONE.  Neither is
 * shared between threads.
 *
 * Names in struct dpi_result come only from payload inspection: a protocol
 * nDPI merely guessed (from the port, an address or a cache) reads as "".
 */
#ifndef NFQD_DPI_H
#define NFQD_DPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Classification gives up after this many packets of the connection
 * carrying TCP/UDP payload, or this many packets in all (handshake and
 * pure ACKs included), whichever comes first.
 */
#define DPI_MAX_PAYLOAD_PACKETS	12
#define DPI_MAX_PACKETS		24

struct dpi;
struct dpi_flow;

enum dpi_state { DPI_MORE, DPI_DONE };

/*
 * app_proto: nDPI's name, lower case, of the master protocol when there is
 * one (SMTP of "SMTP.Google", TLS of "TLS.AppleiCloud"), else of the app
 * protocol; "" when unknown or only guessed (port, address, cache) or when
 * the flow never had payload.  server_name is nDPI's host_server_name,
 * made printable, whatever app_proto is.
 */
struct dpi_result {
	char		 app_proto[32];	/* "smtp", "tls", "smtps", ... or "" */
	char		 app_detail[32];/* the app part ("google"), else "" */
	char		 server_name[64];/* SMTP 220 banner host, TLS SNI */
	uint64_t	 risk;		/* ndpi_risk bitmap, 1 << NDPI_... */
	char		 risks[256];	/* ndpi_risk2str names, comma-separated */
	bool		 by_payload;	/* app_proto != "": from payload */
};

/* NULL, with a log line, when nDPI cannot start. */
struct dpi	*dpi_new(void);
void		 dpi_free(struct dpi *d);

/*
 * 696 bytes with libndpi 4.2 (dpi_flow_size()); while dissecting nDPI adds
 * its own blocks to it (a 2 KB TLS reassembly buffer for any TCP flow with
 * payload, TLS/HTTP names), all freed by dpi_flow_free.  NULL when out of
 * memory or given no module: then the connection goes unclassified.
 */
struct dpi_flow	*dpi_flow_new(struct dpi *d);
void		 dpi_flow_free(struct dpi_flow *f);
size_t		 dpi_flow_size(void);

/*
 * One IP packet of the connection (from its IP header; len = captured
 * bytes), either direction, with its time (unix microseconds).  DPI_DONE
 * once the protocol is known from payload and nDPI wants no more packets
 * (it keeps some flows for credentials or certificates), or at the packet
 * cap; every later call returns DPI_DONE at once.  Then call dpi_result
 * and dpi_flow_free.  DPI_DONE too without a module or flow.
 */
int		 dpi_packet(struct dpi *d, struct dpi_flow *f,
		    const uint8_t *ip, uint32_t len, int64_t ts_us);

/*
 * The result, at DPI_DONE or at any time (best so far); all empty before
 * the first packet.  Unless the flow is already classified from payload
 * this gives up on it (nDPI's giveup, without port guessing): later
 * dpi_packet calls return DPI_DONE.
 */
void		 dpi_result(struct dpi *d, struct dpi_flow *f,
		    struct dpi_result *r);
/* nDPI's names of the risks in a bitmap, comma-separated, whole names only. */
void		 dpi_risk_names(uint64_t risk, char *out, size_t outlen);

#endif
