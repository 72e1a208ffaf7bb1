/*
 * Addresses and prefixes, IPv4 and IPv6 in one 17-byte form.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"

int
addr_parse(const char *s, struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->af = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->af = 6;
		return 0;
	}
	return -1;
}

void
addr_format(const struct ip_addr *a, char *buf, size_t len)
{
	/* IPv4 by hand: glibc's inet_ntop goes through sprintf. */
	if (a->af == 4 && len >= 16) {
		char	*p = buf;

		for (int i = 0; i < 4; i++) {
			unsigned v = a->b[i];

			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (inet_ntop(a->af == 4 ? AF_INET : AF_INET6, a->b, buf, len) == NULL)
		snprintf(buf, len, "?");
}

bool
addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->af == b->af && memcmp(a->b, b->b, 16) == 0;
}

void
addr_mask(struct ip_addr *a, unsigned len)
{
	unsigned	 i;

	for (i = 0; i < 16; i++) {
		if (len >= 8)
			len -= 8;
		else {
			a->b[i] &= (uint8_t)(0xff00 >> len);
			len = 0;
		}
	}
}

/*
 * The IPv4 address an IPv4-mapped (::ffff:0:0/96) or IPv4-compatible
 * (::/96 but :: and ::1, deprecated) IPv6 address carries: true, with it
 * in out.  Such a source must never be on the wire (RFC 4291, 5156), so
 * the policy decides it as the IPv4 host it names rather than as an
 * unknown IPv6 host: an exception for 10.20.1.25 covers ::ffff:10.20.1.25,
 * and ::ffff:10.20.3.7 is a campus host, not transit.
 */
bool
addr_unmap(const struct ip_addr *a, struct ip_addr *out)
{
	static const uint8_t	 zero[12];
	uint32_t		 v4;

	if (a->af != 6 || memcmp(a->b, zero, 10) != 0)
		return false;
	if (a->b[10] != a->b[11] || (a->b[10] != 0 && a->b[10] != 0xff))
		return false;
	v4 = (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 |
	    (uint32_t)a->b[14] << 8 | a->b[15];
	if (a->b[10] == 0 && v4 <= 1)
		return false;		/* :: and ::1 */
	memset(out, 0, sizeof(*out));
	out->af = 4;
	memcpy(out->b, a->b + 12, 4);
	return true;
}

bool
prefix_contains(const struct prefix *p, const struct ip_addr *a)
{
	struct ip_addr	 m;

	if (p->addr.af != a->af)
		return false;
	m = *a;
	addr_mask(&m, p->len);
	return memcmp(m.b, p->addr.b, 16) == 0;
}

/*
 * "ADDR" or "ADDR/LEN". A prefix with host bits set is refused with the
 * network address suggested: 10.20.9.1/24 is most likely a typo, and
 * silently masking it would widen what the entry covers.
 */
int
prefix_parse(const char *s, struct prefix *p, char *err, size_t errlen)
{
	char		 buf[PREFIX_STRLEN + 8], *slash, *end, net[PREFIX_STRLEN];
	unsigned long	 len;
	unsigned	 max;
	struct prefix	 masked;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "address too long: '%.40s...'", s);
		return -1;
	}
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (addr_parse(buf, &p->addr) == -1) {
		snprintf(err, errlen, "bad address '%s'", buf);
		return -1;
	}
	max = p->addr.af == 4 ? 32 : 128;
	if (slash == NULL) {
		p->len = (uint8_t)max;
		return 0;
	}
	errno = 0;
	len = strtoul(slash, &end, 10);
	if (*slash < '0' || *slash > '9' || *end != '\0' || len > max) {
		snprintf(err, errlen, "bad prefix length '%s' in '%s' (0-%u)",
		    slash, s, max);
		return -1;
	}
	p->len = (uint8_t)len;
	masked = *p;
	addr_mask(&masked.addr, p->len);
	if (memcmp(masked.addr.b, p->addr.b, 16) != 0) {
		prefix_format(&masked, net, sizeof(net));
		snprintf(err, errlen, "host bits set in '%s' (did you mean %s?)",
		    s, net);
		return -1;
	}
	return 0;
}

void
prefix_format(const struct prefix *p, char *buf, size_t len)
{
	char	 a[ADDR_STRLEN];

	addr_format(&p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

/* A prefix as the lists write it: "10.20.1.25" for one host (no /32 or
 * /128), "10.20.8.0/24" otherwise. */
void
host_format(const struct prefix *p, char *buf, size_t len)
{
	if (p->len == (p->addr.af == 4 ? 32 : 128))
		addr_format(&p->addr, buf, len);
	else
		prefix_format(p, buf, len);
}
