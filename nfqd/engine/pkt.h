/*
 * pkt.c: packet parsing from raw bytes -- link layer, VLAN tags, IPv4
 * (options, fragments), the IPv6 extension-header chain, TCP -- every
 * length checked against what was captured and what the headers claim.
 */
#ifndef NFQD_ENGINE_PKT_H
#define NFQD_ENGINE_PKT_H

#include <stdint.h>

#include "base/addr.h"

enum link { LINK_ETH, LINK_SLL, LINK_SLL2, LINK_RAW, LINK_NULL };

enum pkt_result {
	PKT_OK, PKT_INVALID, PKT_NOT_IP, PKT_NOT_TCP, PKT_FRAGMENT
};

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10

struct pkt {
	struct ip_addr	 src, dst;
	uint16_t	 sport, dport;
	uint8_t		 flags;		/* TCP flags */
	uint8_t		 vlans;		/* VLAN tags seen */
	uint32_t	 seq, ack;
	uint32_t	 ip_len;	/* IP header + payload, from the header */
	uint32_t	 payload_len;	/* TCP payload on the wire */
	const uint8_t	*payload;	/* captured part of it */
	uint32_t	 payload_caplen;
	const uint8_t	*l3;		/* the IP header */
	uint32_t	 l3_caplen;	/* captured bytes of the IP packet */
};
int	 pkt_parse(enum link link, const uint8_t *d, uint32_t cap,
	    uint32_t wire, struct pkt *p);

#endif
