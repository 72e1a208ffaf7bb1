/*
 * nfqd-pcapgen: the policy's captures.  campus-day.pcap, one working day
 * at the border against the sample campus configuration; the same short
 * connections under every link type (linktypes-*.pcap, linktypes.pcapng)
 * and behind VLAN tags (vlan.pcap).
 */
#include <stdio.h>
#include <string.h>

#include "tools/pcapgen/pcapgen.h"

/* Enable IHL 6: one 4-byte IP Router Alert option (RFC 2113). */
static const uint8_t ip4_router_alert[4] = { 0x94, 0x04, 0x00, 0x00 };

/* campus-day.pcap, 08:00-10:59: the exceptions at work, both ways. */
static void
day_morning(struct pg_writer *w)
{
	struct pg_conn	 c;
	struct smtp_script s;

	/* Noise: ARP and a DNS MX lookup (not IP / not TCP). */
	arp_exchange(w, pg_at(8, 1, 30), "10.20.3.44", "10.20.3.1");
	pg_conn_init(&c, w, "10.20.3.44", 53001, "10.20.0.53", 53,
	    pg_at(8, 2, 0));
	dns_mx(&c, 0x4e21, "example.net", "mx.example.net");

	/* Outbound from a plain host: blocked, no-exception; SYN x3. */
	pg_conn_init(&c, w, "10.20.3.44", 40001, "198.51.100.7", 25,
	    pg_at(8, 5, 0));
	syn_attempts(&c, 3);

	/* Outbound from the gateway: allowed (10.20.1.25 both). */
	pg_conn_init(&c, w, "10.20.1.25", 40002, "203.0.113.25", 25,
	    pg_at(8, 20, 0));
	smtp_full(&c, &smtp_out);

	/* Inbound to the gateway: allowed (10.20.1.25 both). */
	pg_conn_init(&c, w, "198.51.100.20", 40003, "10.20.1.25", 25,
	    pg_at(8, 45, 0));
	smtp_full(&c, &smtp_in);

	/* Noise: HTTP from a campus host (other port). */
	pg_conn_init(&c, w, "10.20.3.44", 40004, "203.0.113.80", 80,
	    pg_at(9, 10, 0));
	http_get(&c, "www.example.com");

	/* Inbound to a physics server: allowed by 10.20.8.0/24 inbound. */
	pg_conn_init(&c, w, "203.0.113.40", 40005, "10.20.8.15", 25,
	    pg_at(9, 30, 0));
	smtp_full(&c, &smtp_physics);

	/* Inbound to 10.20.8.66: the /32 (outbound only) decides: blocked. */
	pg_conn_init(&c, w, "203.0.113.41", 40006, "10.20.8.66", 25,
	    pg_at(9, 50, 0));
	syn_attempts(&c, 3);

	/* Outbound from 10.20.8.66: allowed by its /32 outbound entry. */
	s = smtp_out;
	s.helo = "relay.physics.campus.example";
	s.from = "daq@physics.campus.example";
	s.server = "mx2.example.net";
	pg_conn_init(&c, w, "10.20.8.66", 40007, "198.51.100.30", 25,
	    pg_at(10, 5, 0));
	smtp_full(&c, &s);

	/* Outbound from 10.20.8.15: the /24 is inbound only: blocked. */
	pg_conn_init(&c, w, "10.20.8.15", 40008, "198.51.100.31", 25,
	    pg_at(10, 20, 0));
	syn_attempts(&c, 3);

	/* Outbound from genomics: allowed, a ~12 KB message. */
	pg_conn_init(&c, w, "10.20.5.10", 40009, "192.0.2.50", 25,
	    pg_at(10, 40, 0));
	smtp_full(&c, &smtp_genomics);
}

/* 11:00-13:59: an expired entry, internal and transit mail, a stray
 * server, a reset, IPv6, IP options. */
static void
day_midday(struct pg_writer *w)
{
	struct pg_conn	 c;
	struct smtp_script s;

	/* Inbound to genomics: its entry is outbound only: blocked. */
	pg_conn_init(&c, w, "192.0.2.51", 40010, "10.20.5.10", 25,
	    pg_at(11, 0, 0));
	syn_attempts(&c, 2);

	/* Outbound from 10.20.7.7: entry expired 2026-08-31: blocked. */
	pg_conn_init(&c, w, "10.20.7.7", 40011, "203.0.113.60", 25,
	    pg_at(11, 15, 0));
	syn_attempts(&c, 3);

	/* Internal: campus workstation to the gateway: allowed. */
	pg_conn_init(&c, w, "10.20.3.44", 40012, "10.20.1.25", 25,
	    pg_at(11, 30, 0));
	smtp_full(&c, &smtp_internal);

	/* Transit: neither end on campus: allowed (transit = allow). */
	s = smtp_in;
	s.server = "mx.example.com";
	s.helo = "out.example.net";
	s.rcpt[0] = "ops@example.com";
	s.rcpt[1] = NULL;
	pg_conn_init(&c, w, "198.51.100.1", 40013, "203.0.113.1", 25,
	    pg_at(11, 50, 0));
	smtp_full(&c, &s);

	/*
	 * Inbound to a stray campus server: blocked, but the mirror port
	 * sees the whole session (state closed).
	 */
	s = smtp_in;
	s.server = "nas-4-4.campus.example";
	pg_conn_init(&c, w, "198.51.100.70", 40014, "10.20.4.4", 25,
	    pg_at(12, 10, 0));
	smtp_full(&c, &s);

	/* Outbound from the gateway, refused and reset: allowed, RST. */
	pg_conn_init(&c, w, "10.20.1.25", 40015, "198.51.100.80", 25,
	    pg_at(12, 30, 0));
	tcp_handshake(&c);
	pg_wait(&c, 2000);
	smtp_say(&c, PG_S2C, "421 4.7.0 mx.example.com Error: too many "
	    "connections\r\n");
	tcp_rst(&c, PG_C2S);

	/* Noise: mail submission on 587 (not in smtp-ports). */
	s = smtp_out;
	s.helo = "ws-3-44.campus.example";
	pg_conn_init(&c, w, "10.20.3.44", 40016, "198.51.100.7", 587,
	    pg_at(12, 50, 0));
	smtp_short(&c, &s);

	/* IPv6 outbound from a plain host: blocked, no-exception. */
	pg_conn_init(&c, w, "2001:db8:20:3::44", 40017, "2001:db8:99::7", 25,
	    pg_at(13, 0, 0));
	syn_attempts(&c, 3);

	/* IPv6 inbound to the gateway: allowed (2001:db8:20:1::25 both). */
	pg_conn_init(&c, w, "2001:db8:99::20", 40018, "2001:db8:20:1::25",
	    25, pg_at(13, 20, 0));
	smtp_full(&c, &smtp_in);

	/* Inbound to the gateway, the SYN with IP options (IHL 6). */
	pg_conn_init(&c, w, "203.0.113.90", 40019, "10.20.1.25", 25,
	    pg_at(13, 40, 0));
	c.x.v4opt = ip4_router_alert;
	c.x.v4optlen = sizeof(ip4_router_alert);
	smtp_full(&c, &smtp_in);
}

/* 14:00-18:00: more noise, an infected host, an idle session. */
static void
day_afternoon(struct pg_writer *w)
{
	struct pg_conn	 c;
	struct smtp_script s;

	/* Noise: SMTPS on 465, unanswered SYN (not in smtp-ports). */
	pg_conn_init(&c, w, "10.20.3.44", 40020, "198.51.100.7", 465,
	    pg_at(14, 0, 0));
	syn_attempts(&c, 1);

	/* Noise: HTTPS connection opened and closed (other port). */
	pg_conn_init(&c, w, "10.20.3.50", 40021, "203.0.113.43", 443,
	    pg_at(14, 20, 0));
	tcp_handshake(&c);
	fin_close(&c, PG_C2S);

	/* Inbound to a plain campus host: blocked, no-exception. */
	pg_conn_init(&c, w, "198.51.100.99", 40022, "10.20.3.44", 25,
	    pg_at(14, 40, 0));
	syn_attempts(&c, 1);

	/* IPv6 outbound from the gateway: allowed. */
	pg_conn_init(&c, w, "2001:db8:20:1::25", 40023, "2001:db8:99::25",
	    25, pg_at(15, 0, 0));
	smtp_full(&c, &smtp_out);

	/* Internal: physics server relays through the gateway. */
	s = smtp_internal;
	s.helo = "mail.physics.campus.example";
	pg_conn_init(&c, w, "10.20.8.15", 40024, "10.20.1.25", 25,
	    pg_at(15, 20, 0));
	smtp_full(&c, &s);

	/* Inbound to a physics server again: allowed by the /24. */
	s = smtp_physics;
	s.helo = "lists.example.org";
	pg_conn_init(&c, w, "192.0.2.77", 40025, "10.20.8.15", 25,
	    pg_at(15, 40, 0));
	smtp_full(&c, &s);

	/* An infected host spraying SMTP: blocked twice, no-exception. */
	pg_conn_init(&c, w, "10.20.6.101", 40026, "192.0.2.99", 25,
	    pg_at(16, 0, 0));
	syn_attempts(&c, 3);
	pg_conn_init(&c, w, "10.20.6.101", 40027, "198.51.100.99", 25,
	    pg_at(16, 0, 20));
	syn_attempts(&c, 3);

	/* Outbound from the gateway: allowed. */
	s = smtp_out;
	s.server = "mail.example.org";
	s.rcpt[0] = "board@example.org";
	s.rcpt[1] = NULL;
	pg_conn_init(&c, w, "10.20.1.25", 40028, "198.51.100.25", 25,
	    pg_at(16, 30, 0));
	smtp_full(&c, &s);

	/* Inbound to 10.20.7.7: only an expired entry: blocked. */
	pg_conn_init(&c, w, "198.51.100.123", 40029, "10.20.7.7", 25,
	    pg_at(17, 0, 0));
	syn_attempts(&c, 2);

	/*
	 * Inbound to the gateway that goes idle after EHLO: no FIN, the
	 * flow is still established when the capture ends.
	 */
	pg_conn_init(&c, w, "198.51.100.20", 40030, "10.20.1.25", 25,
	    pg_at(17, 30, 0));
	tcp_handshake(&c);
	smtp_greet(&c, &smtp_in);

	/* Noise to end the day. */
	pg_conn_init(&c, w, "10.20.3.44", 53002, "10.20.0.53", 53,
	    pg_at(17, 50, 0));
	dns_mx(&c, 0x4e22, "example.org", "mx1.example.org");
	arp_exchange(w, pg_at(17, 55, 0), "10.20.3.50", "10.20.3.1");
}

/*
 * campus-day.pcap: one working day at the border, 08:00-18:00, Ethernet
 * from a mirror port (so blocked connections still show their packets).
 */
void
cap_campus_day(const char *dir)
{
	struct pg_writer w;

	pg_open(&w, dir, "campus-day.pcap", PG_PCAP, LINKTYPE_ETHERNET);
	day_morning(&w);
	day_midday(&w);
	day_afternoon(&w);
	pg_close(&w);
}

/* One capture per link type, see cap_linktype(). */
struct linktype_cap {
	const char	*name;
	enum pg_fmt	 fmt;
	uint32_t	 linktype;
	const char	*blk_cli;	/* outbound, blocked */
	const char	*blk_srv;
	const char	*ok_cli;	/* with the gateway, allowed */
	const char	*ok_srv;
	const struct smtp_script *ok_smtp;
};

static const struct linktype_cap linktype_caps[] = {
	{ "linktypes-sll.pcap", PG_PCAP, LINKTYPE_LINUX_SLL,
	    "10.20.3.44", "198.51.100.7", "198.51.100.20", "10.20.1.25",
	    &smtp_in },
	{ "linktypes-sll2.pcap", PG_PCAP, LINKTYPE_LINUX_SLL2,
	    "2001:db8:20:3::44", "2001:db8:99::7", "10.20.1.25",
	    "203.0.113.25", &smtp_out },
	{ "linktypes-raw.pcap", PG_PCAP, LINKTYPE_RAW,
	    "10.20.3.44", "198.51.100.7", "2001:db8:99::20",
	    "2001:db8:20:1::25", &smtp_in },
	{ "linktypes.pcapng", PG_PCAPNG, LINKTYPE_ETHERNET,
	    "10.20.3.44", "198.51.100.7", "198.51.100.20", "10.20.1.25",
	    &smtp_in },
};

/*
 * linktypes-*.pcap, linktypes.pcapng: the same two short connections
 * under each link type: an outbound blocked one (SYN, one retransmission)
 * and an allowed one with the gateway (handshake, banner, EHLO, QUIT,
 * FIN both ways).
 */
static void
cap_linktype(const char *dir, const struct linktype_cap *lc)
{
	struct pg_writer w;
	struct pg_conn	 c;

	pg_open(&w, dir, lc->name, lc->fmt, lc->linktype);
	pg_conn_init(&c, &w, lc->blk_cli, 41001, lc->blk_srv, 25,
	    pg_at(10, 0, 0));
	syn_attempts(&c, 2);
	pg_conn_init(&c, &w, lc->ok_cli, 41002, lc->ok_srv, 25,
	    pg_at(10, 0, 5));
	smtp_short(&c, lc->ok_smtp);
	pg_close(&w);
}

void
cap_linktypes(const char *dir)
{
	for (size_t i = 0; i < sizeof(linktype_caps) / sizeof(linktype_caps[0]);
	    i++)
		cap_linktype(dir, &linktype_caps[i]);
}

/*
 * vlan.pcap: tagged frames.  stats.decoder.vlan counts tagged frames.
 */
void
cap_vlan(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;

	pg_open(&w, dir, "vlan.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/* 802.1Q VLAN 20, IPv4 outbound from a plain host: blocked. */
	pg_conn_init(&c, &w, "10.20.3.44", 42001, "198.51.100.7", 25,
	    pg_at(10, 0, 0));
	c.l2.ntags = 1;
	c.l2.tpid[0] = ETHERTYPE_VLAN;
	c.l2.vid[0] = 20;
	syn_attempts(&c, 2);

	/* QinQ (S-tag 100, C-tag 20), IPv4 inbound to the gateway: allowed. */
	pg_conn_init(&c, &w, "198.51.100.20", 42002, "10.20.1.25", 25,
	    pg_at(10, 0, 5));
	c.l2.ntags = 2;
	c.l2.tpid[0] = ETHERTYPE_QINQ;
	c.l2.vid[0] = 100;
	c.l2.tpid[1] = ETHERTYPE_VLAN;
	c.l2.vid[1] = 20;
	smtp_short(&c, &smtp_in);

	/* 802.1Q VLAN 30, IPv6 inbound to a plain host: blocked. */
	pg_conn_init(&c, &w, "2001:db8:99::66", 42003, "2001:db8:20:3::44",
	    25, pg_at(10, 0, 10));
	c.l2.ntags = 1;
	c.l2.tpid[0] = ETHERTYPE_VLAN;
	c.l2.vid[0] = 30;
	syn_attempts(&c, 2);

	pg_close(&w);
}
