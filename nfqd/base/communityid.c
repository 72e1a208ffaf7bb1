/*
 * Community ID, version 1 (corelight/community-id-spec): the flow key that
 * Zeek, Suricata, Arkime and most SIEMs share, so that one connection can
 * be joined across tools.  SHA-1 over the seed, the ordered endpoints,
 * the protocol and the ports, in network byte order; "1:" and the digest
 * in base64.
 */
#include <string.h>

#include "base/communityid.h"
#include "base/digest.h"

/* ---- the ID ---- */

/*
 * ICMP's and ICMPv6's types as ports (the specification takes this from
 * Zeek): a request and its reply are one flow, the type as one port and
 * its counterpart as the other; a type without one is one-way, its code
 * the other port, and never reordered.
 */
static bool
icmp_ports(uint8_t proto, uint16_t type, uint16_t code, uint16_t *p1,
    uint16_t *p2)
{
	static const uint8_t	 v4[][2] = { { 8, 0 }, { 0, 8 }, { 13, 14 },
				     { 14, 13 }, { 15, 16 }, { 16, 15 },
				     { 10, 9 }, { 9, 10 }, { 17, 18 },
				     { 18, 17 } };
	static const uint8_t	 v6[][2] = { { 128, 129 }, { 129, 128 },
				     { 133, 134 }, { 134, 133 }, { 135, 136 },
				     { 136, 135 }, { 130, 131 }, { 131, 130 },
				     { 139, 140 }, { 140, 139 }, { 144, 145 },
				     { 145, 144 } };
	const uint8_t		 (*m)[2] = proto == 1 ? v4 : v6;
	size_t			 i, n = proto == 1 ? sizeof(v4) / sizeof(v4[0]) :
				     sizeof(v6) / sizeof(v6[0]);

	*p1 = type;
	for (i = 0; i < n; i++)
		if (m[i][0] == type) {
			*p2 = m[i][1];
			return false;
		}
	*p2 = code;
	return true;
}

void
community_id_hash(uint16_t seed, const struct ip_addr *src,
    const struct ip_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport,
    uint8_t d[COMMUNITY_ID_HASHLEN])
{
	const struct ip_addr	*a = src, *b = dst;
	struct sha1		 s;
	uint8_t			 hdr[2], pp[4];
	uint16_t		 pa = sport, pb = dport;
	size_t			 alen = src->af == 4 ? 4 : 16;
	bool			 ports, one_way = false;
	int			 cmp;

	ports = proto == 6 || proto == 17 || proto == 132 || proto == 1 ||
	    proto == 58;
	if (proto == 1 || proto == 58)
		one_way = icmp_ports(proto, sport, dport, &pa, &pb);
	cmp = memcmp(src->b, dst->b, alen);
	if (!one_way && (cmp > 0 || (cmp == 0 && pa > pb))) {
		a = dst, b = src;
		pa ^= pb, pb ^= pa, pa ^= pb;
	}
	sha1_init(&s);
	hdr[0] = (uint8_t)(seed >> 8), hdr[1] = (uint8_t)seed;
	sha1_update(&s, hdr, 2);
	sha1_update(&s, a->b, alen);
	sha1_update(&s, b->b, alen);
	hdr[0] = proto, hdr[1] = 0;
	sha1_update(&s, hdr, 2);
	if (ports) {
		pp[0] = (uint8_t)(pa >> 8), pp[1] = (uint8_t)pa;
		pp[2] = (uint8_t)(pb >> 8), pp[3] = (uint8_t)pb;
		sha1_update(&s, pp, 4);
	}
	sha1_final(&s, d);
}

/* "1:" and the digest in base64: the ID as events write it. */
void
community_id_text(const uint8_t h[COMMUNITY_ID_HASHLEN],
    char out[COMMUNITY_ID_LEN])
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t			 d[21];
	size_t			 i;
	char			*o = out;

	memcpy(d, h, 20);
	d[20] = 0;
	*o++ = '1';
	*o++ = ':';
	/* 20 bytes: six groups of three, then two bytes and one '=' */
	for (i = 0; i < 21; i += 3) {
		*o++ = b64[d[i] >> 2];
		*o++ = b64[(d[i] & 3) << 4 | d[i + 1] >> 4];
		*o++ = i + 3 < 21 ? b64[(d[i + 1] & 15) << 2 | d[i + 2] >> 6] :
		    b64[(d[i + 1] & 15) << 2];
		*o++ = i + 3 < 21 ? b64[d[i + 2] & 63] : '=';
	}
	*o = '\0';
}

void
community_id(uint16_t seed, const struct ip_addr *src,
    const struct ip_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport,
    char out[COMMUNITY_ID_LEN])
{
	uint8_t	 d[COMMUNITY_ID_HASHLEN];

	community_id_hash(seed, src, dst, proto, sport, dport, d);
	community_id_text(d, out);
}
