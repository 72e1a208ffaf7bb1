/*
 * addr.c: IPv4 and IPv6 addresses and prefixes, parsed and written as
 * the lists and events write them.
 */
#ifndef NFQD_BASE_ADDR_H
#define NFQD_BASE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ip_addr {
	uint8_t		af;		/* 4 or 6 */
	uint8_t		b[16];		/* IPv4 in b[0..3], rest zero */
};

struct prefix {
	struct ip_addr	addr;		/* host bits are zero */
	uint8_t		len;
};

#define ADDR_STRLEN	46		/* INET6_ADDRSTRLEN */
#define PREFIX_STRLEN	(ADDR_STRLEN + 4)

int	 addr_parse(const char *s, struct ip_addr *a);
void	 addr_format(const struct ip_addr *a, char *buf, size_t len);
bool	 addr_equal(const struct ip_addr *a, const struct ip_addr *b);
void	 addr_mask(struct ip_addr *a, unsigned len);
bool	 addr_unmap(const struct ip_addr *a, struct ip_addr *out);
int	 prefix_parse(const char *s, struct prefix *p, char *err,
	    size_t errlen);
void	 prefix_format(const struct prefix *p, char *buf, size_t len);
void	 host_format(const struct prefix *p, char *buf, size_t len);
bool	 prefix_contains(const struct prefix *p, const struct ip_addr *a);

#endif
