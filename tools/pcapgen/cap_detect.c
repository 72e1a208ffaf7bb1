/*
 * nfqd-pcapgen: captures of what the detections and their responses act
 * on: a port-25 scan (flood control), bulk senders, directory harvests,
 * relays, big messages, and what nfqd does about an alert.
 */
#include <stdio.h>
#include <string.h>

#include "tools/pcapgen/pcapgen.h"

/*
 * scan.pcap: flood control.  An outside scanner SYNs port 25 of 1000
 * campus hosts in 10 s, an infected campus host tries 300 Internet mail
 * servers in 15 s (each SYN retransmitted once), a second outside source
 * stays below the threshold with 5 attempts, and the gateway's mail goes
 * on in the middle of it.
 */
void
cap_scan(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;
	char		 a[32];
	int		 i;

	pg_open(&w, dir, "scan.pcap", PG_PCAP, LINKTYPE_ETHERNET);
	for (i = 0; i < 1000; i++) {
		snprintf(a, sizeof(a), "10.20.%d.%d", 10 + i / 250, 1 + i % 250);
		pg_conn_init(&c, &w, "203.0.113.66", (uint16_t)(50000 + i), a,
		    25, pg_at(9, 0, 0) + (uint64_t)i * 10000);
		syn_attempts(&c, 1);
	}
	for (i = 0; i < 300; i++) {
		snprintf(a, sizeof(a), "%s.%d", i % 2 ? "198.51.100" :
		    "203.0.113", 1 + i / 2);
		pg_conn_init(&c, &w, "10.20.3.44", (uint16_t)(41000 + i), a,
		    25, pg_at(9, 0, 20) + (uint64_t)i * 50000);
		syn_attempts(&c, 2);
	}
	for (i = 0; i < 5; i++) {
		snprintf(a, sizeof(a), "10.20.3.%d", 100 + i);
		pg_conn_init(&c, &w, "198.51.100.9", (uint16_t)(33000 + i), a,
		    25, pg_at(9, 0, 5) + (uint64_t)i * 1000000);
		syn_attempts(&c, 1);
	}
	pg_conn_init(&c, &w, "10.20.1.25", 45000, "203.0.113.25", 25,
	    pg_at(9, 0, 8));
	smtp_full(&c, &smtp_out);
	pg_close(&w);
}

/* A directory harvest: n guessed recipients at the gateway, all 550. */
static void
harvest_session(struct pg_conn *c, const char *local, int n)
{
	int	 i;

	tcp_handshake(c);
	smtp_greet(c, &smtp_in);
	smtp_say(c, PG_C2S, "MAIL FROM:<>\r\n");
	smtp_say(c, PG_S2C, "250 2.1.0 Ok\r\n");
	for (i = 0; i < n; i++) {
		smtp_say(c, PG_C2S, "RCPT TO:<%s%02d@campus.example>\r\n",
		    local, i);
		smtp_say(c, PG_S2C, "550 5.1.1 <%s%02d@campus.example>: "
		    "Recipient address rejected: User unknown\r\n", local, i);
	}
	smtp_quit(c);
	fin_close(c, PG_S2C);
}

/*
 * detections.pcap: what the seed policies block port 25 for, one case
 * each (tests/replay/detections uses low thresholds):
 *  - 10.20.6.6, an infected workstation, tries 40 outside servers in
 *    4 minutes (bulk_attempts; all blocked);
 *  - the genomics host 10.20.5.10 sends 6 messages to 2 recipients each
 *    in one session, one of them 20 KB (bulk_messages, message_size);
 *  - 192.0.2.200 tries 30 recipients at the gateway, all refused with
 *    550 (harvest_recipients, harvest_rejects);
 *  - the physics server 10.20.8.15 takes mail from outside, then a
 *    minute later tries to send outside itself (relay_suspect);
 *  - the gateway takes mail in and sends it on: a relay by design, no
 *    alert.
 */
void
cap_detections(const char *dir)
{
	struct pg_writer	 w;
	struct pg_conn		 c;
	struct smtp_script	 s = smtp_genomics;
	char			 a[32];
	int			 i;

	pg_open(&w, dir, "detections.pcap", PG_PCAP, LINKTYPE_ETHERNET);
	for (i = 0; i < 40; i++) {
		snprintf(a, sizeof(a), "198.51.100.%d", 100 + i);
		pg_conn_init(&c, &w, "10.20.6.6", (uint16_t)(42000 + i), a, 25,
		    pg_at(10, 0, 0) + (uint64_t)i * 6000000);
		syn_attempts(&c, 1);
	}

	pg_conn_init(&c, &w, "10.20.5.10", 43000, "192.0.2.50", 25,
	    pg_at(10, 5, 0));
	tcp_handshake(&c);
	smtp_greet(&c, &s);
	s.rcpt[1] = "archive@example.org";
	for (i = 0; i < 6; i++) {
		s.bodylen = i == 3 ? 20000 : 600;
		smtp_mail(&c, &s);
	}
	smtp_quit(&c);
	fin_close(&c, PG_S2C);

	pg_conn_init(&c, &w, "192.0.2.200", 44000, "10.20.1.25", 25,
	    pg_at(10, 10, 0));
	harvest_session(&c, "user", 30);

	pg_conn_init(&c, &w, "198.51.100.40", 44100, "10.20.8.15", 25,
	    pg_at(10, 20, 0));
	smtp_full(&c, &smtp_physics);
	pg_conn_init(&c, &w, "10.20.8.15", 44101, "203.0.113.77", 25,
	    pg_at(10, 21, 0));
	syn_attempts(&c, 2);

	pg_conn_init(&c, &w, "198.51.100.20", 44200, "10.20.1.25", 25,
	    pg_at(10, 30, 0));
	smtp_full(&c, &smtp_in);
	pg_conn_init(&c, &w, "10.20.1.25", 44201, "203.0.113.25", 25,
	    pg_at(10, 30, 30));
	smtp_full(&c, &smtp_out);
	pg_close(&w);
}

/*
 * responses.pcap: what nfqd does about an alert (auto-quarantine,
 * harvest-block; tests/replay/responses*):
 *  - 10.20.9.9, a department server with an inbound-only exception,
 *    hammers outside port 25 (31 attempts in 150 s: bulk_attempts), then
 *    outside mail for it arrives at 09:05 (blocked while in quarantine)
 *    and again at 09:40 (allowed: the 30 minutes are over);
 *  - the gateway sends 6 messages in one session at 09:10
 *    (bulk_messages: an exception for both directions) and sends again at
 *    09:12;
 *  - 192.0.2.200 harvests at the gateway at 09:20 (30 recipients, all
 *    550), connects again at 09:21 (blocked), 192.0.2.201 at 09:21:30
 *    (allowed), 192.0.2.200 at 09:35 (allowed: the 10 minutes are over).
 */
void
cap_responses(const char *dir)
{
	struct pg_writer	 w;
	struct pg_conn		 c;
	struct smtp_script	 s = smtp_out;
	char			 a[32];
	int			 i;

	pg_open(&w, dir, "responses.pcap", PG_PCAP, LINKTYPE_ETHERNET);
	for (i = 0; i < 31; i++) {
		snprintf(a, sizeof(a), "198.51.100.%d", 150 + i);
		pg_conn_init(&c, &w, "10.20.9.9", (uint16_t)(45000 + i), a, 25,
		    pg_at(9, 0, 0) + (uint64_t)i * 5000000);
		syn_attempts(&c, 1);
	}
	pg_conn_init(&c, &w, "198.51.100.60", 45100, "10.20.9.9", 25,
	    pg_at(9, 5, 0));
	syn_attempts(&c, 2);

	pg_conn_init(&c, &w, "10.20.1.25", 45200, "203.0.113.25", 25,
	    pg_at(9, 10, 0));
	tcp_handshake(&c);
	smtp_greet(&c, &s);
	for (i = 0; i < 6; i++)
		smtp_mail(&c, &s);
	smtp_quit(&c);
	fin_close(&c, PG_S2C);
	pg_conn_init(&c, &w, "10.20.1.25", 45201, "203.0.113.26", 25,
	    pg_at(9, 12, 0));
	smtp_full(&c, &smtp_out);

	pg_conn_init(&c, &w, "192.0.2.200", 45300, "10.20.1.25", 25,
	    pg_at(9, 20, 0));
	harvest_session(&c, "staff", 30);
	pg_conn_init(&c, &w, "192.0.2.200", 45301, "10.20.1.25", 25,
	    pg_at(9, 21, 0));
	syn_attempts(&c, 2);
	pg_conn_init(&c, &w, "192.0.2.201", 45302, "10.20.1.25", 25,
	    pg_at(9, 21, 30));
	smtp_full(&c, &smtp_in);
	pg_conn_init(&c, &w, "192.0.2.200", 45303, "10.20.1.25", 25,
	    pg_at(9, 35, 0));
	smtp_full(&c, &smtp_in);

	pg_conn_init(&c, &w, "198.51.100.61", 45101, "10.20.9.9", 25,
	    pg_at(9, 40, 0));
	smtp_full(&c, &smtp_in);
	pg_close(&w);
}
