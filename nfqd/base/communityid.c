/*
 * Community ID, version 1 (corelight/community-id-spec): the flow key that
 * Zeek, Suricata, Arkime and most SIEMs share, so that one connection can
 * be joined across tools.  SHA-1 over the seed, the ordered endpoints,
 * the protocol and the ports, in network byte order; "1:" and the digest
 * in base64.
 */
#include <string.h>

#include "base/communityid.h"

/* ---- SHA-1 (FIPS 180-4), for this digest only ---- */

struct sha1 {
	uint32_t	 h[5];
	uint64_t	 len;		/* bytes */
	uint8_t		 buf[64];
};

static uint32_t
rol(uint32_t x, unsigned n)
{
	return x << n | x >> (32 - n);
}

static void
sha1_block(struct sha1 *s, const uint8_t *p)
{
	uint32_t	 w[80], a, b, c, d, e, f, k, t;
	int		 i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(b, 30), b = a, a = t;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void
sha1_init(struct sha1 *s)
{
	static const uint32_t	 h0[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
				     0x10325476, 0xc3d2e1f0 };

	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
}

static void
sha1_update(struct sha1 *s, const void *data, size_t n)
{
	const uint8_t	*p = data;
	size_t		 have = (size_t)(s->len % 64), take;

	s->len += n;
	while (n > 0) {
		take = 64 - have < n ? 64 - have : n;
		memcpy(s->buf + have, p, take);
		have += take, p += take, n -= take;
		if (have == 64) {
			sha1_block(s, s->buf);
			have = 0;
		}
	}
}

static void
sha1_final(struct sha1 *s, uint8_t out[20])
{
	uint64_t	 bits = s->len * 8;
	uint8_t		 pad = 0x80, zero = 0, lenb[8];
	int		 i;

	sha1_update(s, &pad, 1);
	while (s->len % 64 != 56)
		sha1_update(s, &zero, 1);
	for (i = 0; i < 8; i++)
		lenb[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_update(s, lenb, 8);
	for (i = 0; i < 20; i++)
		out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

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
community_id(uint16_t seed, const struct ip_addr *src,
    const struct ip_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport,
    char out[COMMUNITY_ID_LEN])
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const struct ip_addr	*a = src, *b = dst;
	struct sha1		 s;
	uint8_t			 d[21], hdr[2], pp[4];
	uint16_t		 pa = sport, pb = dport;
	size_t			 alen = src->af == 4 ? 4 : 16, i;
	bool			 ports, one_way = false;
	int			 cmp;
	char			*o = out;

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
