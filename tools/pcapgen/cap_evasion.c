/*
 * nfqd-pcapgen: captures of what a parser must survive and an evader
 * tries: malformed frames, fragments, IPv6 extension chains, connections
 * already under way when the capture starts, retransmissions, flows that
 * end by timeout, and a file whose last record is cut.
 */
#include <stdio.h>
#include <string.h>

#include "tools/pcapgen/pcapgen.h"

/*
 * IPv6 extension chain: hop-by-hop (router alert), destination options
 * (padding) and a segment routing header with no segment left, then TCP.
 * Bytes 24..39 (the segment) are filled with the destination by
 * ip6_ext_chain().
 */
static size_t
ip6_ext_chain(uint8_t *p, const struct pg_addr *dst)
{
	static const uint8_t hdr[24] = {
		PROTO_DSTOPTS, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
		PROTO_ROUTING, 0, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
		PROTO_TCP, 2, 4, 0, 0, 0, 0, 0,
	};

	memcpy(p, hdr, sizeof(hdr));
	memcpy(p + 24, dst->a, 16);
	return 40;
}

/* Build the client's SYN (with options) of c into ip; returns its length. */
static size_t
mal_syn(struct pg_conn *c, uint8_t *ip)
{
	uint8_t		 seg[PG_MAXFRAME];
	size_t		 n;

	n = pg_tcp_build(c, PG_C2S, TH_SYN, c->side[PG_C2S].seq, NULL, 0,
	    seg);
	return pg_ip_build(c, PG_C2S, PROTO_TCP, IP_DF, seg, n, ip);
}

/* An IPv6 datagram holding only the extension chain ext: no TCP. */
static void
mal_v6_chain(struct pg_conn *c, const uint8_t *ext, size_t len)
{
	uint8_t		 ip[PG_MAXFRAME];

	c->x.v6ext = ext;
	c->x.v6extlen = len;
	c->x.v6first = PROTO_HOPOPTS;
	pg_emit_ip(c, PG_C2S, ip, pg_ip_build(c, PG_C2S, PROTO_TCP, 0, NULL,
	    0, ip));
	memset(&c->x, 0, sizeof(c->x));
}

/* Re-checksum the TCP segment at ip + hl after mangling its header. */
static void
mal_tcp_cksum(struct pg_conn *c, uint8_t *ip, size_t hl, size_t len)
{
	pg_be16(ip + hl + 16, 0);
	pg_be16(ip + hl + 16, pg_l4sum(&c->side[0].addr, &c->side[1].addr,
	    PROTO_TCP, ip + hl, len - hl));
}

/*
 * malformed.pcap: one frame of each malformed kind, each aimed at port
 * 25 (none may yield an event; all count in stats.decoder.invalid), then
 * ARP, UDP, a SYN to port 80, and one valid SYN (outbound, blocked).
 * Frames are not padded, so what is cut stays cut.
 */
void
cap_malformed(const char *dir)
{
	struct pg_writer w;
	static const uint8_t runt[10] = { 0x02, 0x44, 0xc6, 0x33, 0x64, 0x07,
	    0x02, 0x44, 0x0a, 0x14 };
	static const uint8_t hbh[8] = { PROTO_TCP, 3, 0x01, 0x04 };
	struct pg_conn	 c, c6;
	uint8_t		 ip[PG_MAXFRAME], seg[64];
	size_t		 n;

	pg_open(&w, dir, "malformed.pcap", PG_PCAP, LINKTYPE_ETHERNET);
	pg_conn_init(&c, &w, "10.20.3.44", 43001, "198.51.100.7", 25,
	    pg_at(10, 0, 0));
	c.l2.pad = 0;
	pg_conn_init(&c6, &w, "2001:db8:20:3::44", 43002, "2001:db8:99::7",
	    25, pg_at(10, 0, 0));
	c6.l2.pad = 0;

	/* 1. Ethernet frame of 10 bytes, shorter than its header. */
	pg_record(&w, c.now, runt, sizeof(runt));

	/* 2. IPv4 IHL 4 (< 5). */
	c.now += 1000;
	n = mal_syn(&c, ip);
	ip[0] = 0x44;
	pg_ip4_cksum(ip, 20);
	pg_emit_ip(&c, PG_C2S, ip, n);

	/* 3. IPv4 total length 16, less than IHL * 4. */
	c.now += 1000;
	n = mal_syn(&c, ip);
	pg_be16(ip + 2, 16);
	pg_ip4_cksum(ip, 20);
	pg_emit_ip(&c, PG_C2S, ip, n);

	/* 4. IPv4 header cut after 12 bytes. */
	c.now += 1000;
	mal_syn(&c, ip);
	pg_emit_ip(&c, PG_C2S, ip, 12);

	/* 5. TCP header cut after 10 bytes (IPv4 length says 30). */
	c.now += 1000;
	mal_syn(&c, ip);
	pg_be16(ip + 2, 30);
	pg_ip4_cksum(ip, 20);
	pg_emit_ip(&c, PG_C2S, ip, 30);

	/* 6. TCP data offset 4 (< 5). */
	c.now += 1000;
	n = mal_syn(&c, ip);
	ip[20 + 12] = 0x40;
	mal_tcp_cksum(&c, ip, 20, n);
	pg_emit_ip(&c, PG_C2S, ip, n);

	/* 7. TCP data offset 15 (60 bytes) in a 40-byte segment. */
	c.now += 1000;
	n = mal_syn(&c, ip);
	ip[20 + 12] = 0xf0;
	mal_tcp_cksum(&c, ip, 20, n);
	pg_emit_ip(&c, PG_C2S, ip, n);

	/* 8. IPv6 header cut after 20 bytes. */
	c6.now = c.now += 1000;
	mal_syn(&c6, ip);
	pg_emit_ip(&c6, PG_C2S, ip, 20);

	/* 9. IPv6 hop-by-hop header claiming 32 bytes, 8 present. */
	c6.now = c.now += 1000;
	mal_v6_chain(&c6, hbh, sizeof(hbh));

	/* 10. First IPv4 fragment with only 8 bytes of TCP (MF set). */
	c.now += 1000;
	pg_tcp_build(&c, PG_C2S, TH_SYN, c.side[0].seq, NULL, 0, seg);
	n = pg_ip_build(&c, PG_C2S, PROTO_TCP, IP_MF, seg, 8, ip);
	pg_emit_ip(&c, PG_C2S, ip, n);

	/* Not IP: ARP.  Not TCP: a syslog datagram.  Other port: 80. */
	arp_exchange(&w, c.now + 1000, "10.20.3.44", "10.20.3.1");
	{
		struct pg_conn	 u;
		static const char msg[] = "<30>Sep 21 10:00:00 ws-3-44 "
		    "cron[811]: job done";

		pg_conn_init(&u, &w, "10.20.3.44", 43003, "10.20.0.14", 514,
		    c.now + 2000);
		udp_send(&u, PG_C2S, msg, sizeof(msg) - 1);
		pg_conn_init(&u, &w, "10.20.3.44", 43004, "203.0.113.80", 80,
		    c.now + 3000);
		syn_attempts(&u, 1);
	}

	/* Parsing recovers: a valid SYN, outbound, blocked. */
	pg_conn_init(&c, &w, "10.20.3.44", 43005, "198.51.100.7", 25,
	    pg_at(10, 0, 1));
	syn_attempts(&c, 1);

	pg_close(&w);
}

/*
 * fragments.pcap: IPv4 fragments and an IPv6 atomic fragment.
 */
void
cap_fragments(const char *dir)
{
	static const char junk[24] = "fragmented-syn-payload!";
	static const uint8_t frag6[8] = { PROTO_TCP, 0, 0, 0, 0, 0, 0x1f,
	    0x61 };
	struct pg_writer w;
	struct pg_conn	 c;

	pg_open(&w, dir, "fragments.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/*
	 * Inbound to the gateway: allowed; the server's banner (first
	 * data segment) goes out as 3 fragments, the first holding the
	 * whole TCP header (32 bytes) and 8 bytes of data.
	 */
	pg_conn_init(&c, &w, "198.51.100.20", 44001, "10.20.1.25", 25,
	    pg_at(10, 0, 0));
	tcp_handshake(&c);
	c.x.frag[0] = 40;
	c.x.frag[1] = 24;
	c.x.nfrag = 2;
	smtp_session(&c, &smtp_in);
	fin_close(&c, PG_S2C);

	/*
	 * Outbound from a plain host: blocked; the SYN (40-byte header,
	 * 24 bytes of data) as a first fragment of 48 bytes + one more.
	 */
	pg_conn_init(&c, &w, "10.20.3.44", 44002, "198.51.100.7", 25,
	    pg_at(10, 0, 10));
	c.x.frag[0] = 48;
	c.x.nfrag = 1;
	tcp_send(&c, PG_C2S, TH_SYN, junk, sizeof(junk));

	/*
	 * IPv6 SYN behind a Fragment header, offset 0, M=0 (atomic
	 * fragment, RFC 6946), outbound: blocked.
	 */
	pg_conn_init(&c, &w, "2001:db8:20:3::44", 44003, "2001:db8:99::7", 25,
	    pg_at(10, 0, 15));
	c.x.v6ext = frag6;
	c.x.v6extlen = sizeof(frag6);
	c.x.v6first = PROTO_FRAGMENT;
	syn_attempts(&c, 1);

	pg_close(&w);
}

/*
 * ipv6-ext.pcap: SYNs behind hop-by-hop + destination options + routing
 * headers, and one whose chain runs past the end (invalid).
 */
void
cap_ipv6_ext(const char *dir)
{
	static const uint8_t bad[8] = { PROTO_DSTOPTS, 2, 0x01, 0x04 };
	struct pg_writer w;
	struct pg_conn	 c;
	uint8_t		 ext[40];

	pg_open(&w, dir, "ipv6-ext.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/* Outbound from a plain host: blocked. */
	pg_conn_init(&c, &w, "2001:db8:20:3::44", 45001, "2001:db8:99::7", 25,
	    pg_at(10, 0, 0));
	c.x.v6extlen = ip6_ext_chain(ext, &c.side[PG_S2C].addr);
	c.x.v6ext = ext;
	c.x.v6first = PROTO_HOPOPTS;
	syn_attempts(&c, 1);

	/* Inbound to the gateway: allowed; only the SYN carries the chain. */
	pg_conn_init(&c, &w, "2001:db8:99::20", 45002, "2001:db8:20:1::25",
	    25, pg_at(10, 0, 2));
	c.x.v6extlen = ip6_ext_chain(ext, &c.side[PG_S2C].addr);
	c.x.v6ext = ext;
	c.x.v6first = PROTO_HOPOPTS;
	smtp_short(&c, &smtp_in);

	/* Hop-by-hop says 24 bytes, the datagram ends after 8: invalid. */
	pg_conn_init(&c, &w, "2001:db8:99::21", 45003, "2001:db8:20:1::25",
	    25, pg_at(10, 0, 4));
	mal_v6_chain(&c, bad, sizeof(bad));

	pg_close(&w);
}

/*
 * midstream.pcap: the capture starts inside connections.
 */
void
cap_midstream(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;

	pg_open(&w, dir, "midstream.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/*
	 * (a) First packet: server data from port 25 to a campus host; the
	 * other side is the originator: outbound, blocked, established.
	 */
	pg_conn_init(&c, &w, "10.20.3.44", 40100, "198.51.100.7", 25,
	    pg_at(9, 0, 0));
	tcp_midstream(&c);
	smtp_say(&c, PG_S2C, "250 2.1.0 Ok\r\n");
	smtp_say(&c, PG_C2S, "RCPT TO:<friend@example.com>\r\n");
	smtp_say(&c, PG_S2C, "250 2.1.5 Ok\r\n");
	smtp_say(&c, PG_C2S, "DATA\r\n");
	smtp_say(&c, PG_S2C, "354 End data with <CR><LF>.<CR><LF>\r\n");
	smtp_say(&c, PG_C2S, "Subject: hi\r\n\r\nhello\r\n.\r\n");
	smtp_say(&c, PG_S2C, "250 2.0.0 Ok: queued as 9Zx1Yw2Vu3\r\n");

	/*
	 * (b) First packet: SYN-ACK from the gateway; its receiver is the
	 * originator: inbound, allowed; the session then closes.
	 */
	pg_conn_init(&c, &w, "203.0.113.9", 51000, "10.20.1.25", 25,
	    pg_at(9, 0, 5));
	c.side[PG_C2S].tslast = c.side[PG_C2S].tsbase;
	c.side[PG_C2S].seq++;		/* its SYN was not captured */
	c.lastdir = PG_C2S;
	tcp_send(&c, PG_S2C, TH_SYN | TH_ACK, NULL, 0);
	tcp_send(&c, PG_C2S, TH_ACK, NULL, 0);
	smtp_session(&c, &smtp_in);
	fin_close(&c, PG_S2C);

	pg_close(&w);
}

/*
 * retrans.pcap: SYN retransmissions, and a 5-tuple reused after a RST.
 */
void
cap_retrans(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;
	struct smtp_script s = smtp_out;

	pg_open(&w, dir, "retrans.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/*
	 * Outbound from a plain host: blocked; 5 SYNs over 15 s, one
	 * decision.
	 */
	pg_conn_init(&c, &w, "10.20.3.44", 46001, "198.51.100.7", 25,
	    pg_at(8, 0, 0));
	syn_attempts(&c, 5);

	/* Outbound from the gateway: allowed, then the client resets. */
	s.server = "mx3.example.com";
	pg_conn_init(&c, &w, "10.20.1.25", 46002, "203.0.113.30", 25,
	    pg_at(8, 1, 0));
	tcp_handshake(&c);
	smtp_greet(&c, &s);
	tcp_rst(&c, PG_C2S);

	/* Same 5-tuple 2 s after the RST: a new connection, new ISNs. */
	pg_conn_init(&c, &w, "10.20.1.25", 46002, "203.0.113.30", 25,
	    c.now + 2000000);
	smtp_full(&c, &s);

	pg_close(&w);
}

/*
 * timeouts.pcap: flows that end by timeout before the capture does.
 */
void
cap_timeouts(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;

	pg_open(&w, dir, "timeouts.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/* 08:00:00 blocked SYN: still new 60 s later: timeout. */
	pg_conn_init(&c, &w, "10.20.3.44", 47001, "198.51.100.7", 25,
	    pg_at(8, 0, 0));
	syn_attempts(&c, 1);

	/*
	 * 08:01:00 the unrelated packet: another blocked SYN, itself
	 * timed out by the next connection at 08:02.
	 */
	pg_conn_init(&c, &w, "10.20.3.45", 47002, "198.51.100.8", 25,
	    pg_at(8, 1, 0));
	syn_attempts(&c, 1);

	/* 08:02:00 established (gateway, allowed), idle after EHLO. */
	pg_conn_init(&c, &w, "10.20.1.25", 47003, "203.0.113.25", 25,
	    pg_at(8, 2, 0));
	tcp_handshake(&c);
	smtp_greet(&c, &smtp_out);

	/*
	 * 10:05:00, two hours later: a blocked SYN expires the idle flow
	 * and is itself flushed at the end of the capture.
	 */
	pg_conn_init(&c, &w, "10.20.3.46", 47004, "198.51.100.9", 25,
	    pg_at(10, 5, 0));
	syn_attempts(&c, 1);

	pg_close(&w);
}

/*
 * truncated.pcap: a valid file whose last record is cut: its header
 * says 60 bytes, 20 follow.
 */
void
cap_truncated(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;
	struct pg_frame	 f;
	uint8_t		 ip[PG_MAXFRAME], buf[PG_MAXFRAME];

	pg_open(&w, dir, "truncated.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/* Outbound from a plain host: blocked, SYN x2. */
	pg_conn_init(&c, &w, "10.20.3.44", 48001, "198.51.100.7", 25,
	    pg_at(10, 0, 0));
	syn_attempts(&c, 2);

	/* Inbound to the gateway: allowed, complete. */
	pg_conn_init(&c, &w, "198.51.100.20", 48002, "10.20.1.25", 25,
	    pg_at(10, 0, 5));
	smtp_short(&c, &smtp_in);

	/* A third SYN, cut in the middle of its IPv4 header. */
	pg_conn_init(&c, &w, "198.51.100.21", 48003, "10.20.1.25", 25,
	    pg_at(10, 0, 8));
	f.ts = c.now;
	f.ethertype = ETHERTYPE_IP;
	pg_mac(&c.side[0].addr, f.src);
	pg_mac(&c.side[1].addr, f.dst);
	f.outgoing = 1;
	f.l3 = ip;
	f.len = mal_syn(&c, ip);
	pg_frame_build(&w, &c.l2, &f, buf);
	pg_record_cut(&w, f.ts, buf, 60, 20);

	pg_close(&w);
}
