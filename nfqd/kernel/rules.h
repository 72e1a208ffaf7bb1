/*
 * rules.c: nfqd's own iptables/ip6tables chains and the nftables ruleset.
 */
#ifndef NFQD_KERNEL_RULES_H
#define NFQD_KERNEL_RULES_H

#include <stdio.h>

#include "policy/conf.h"

int	 rules_script(const struct conf *c, int family, FILE *f);	/* 4 or 6 */
int	 rules_nft(const struct conf *c, FILE *f);

#endif
