/*
 * capture.c: a capture opened for replay (a file or standard input,
 * plain or gzip), its link type, and its records' times.
 */
#ifndef NFQD_DAEMON_CAPTURE_H
#define NFQD_DAEMON_CAPTURE_H

#include <stdint.h>
#include <sys/time.h>

#include <pcap/pcap.h>

#include "engine/pkt.h"

struct capture_gz;

/* The capture being replayed. */
struct capture {
	pcap_t			*pc;
	enum link		 link;
	struct capture_gz	*gz;		/* NULL: not gzip */
	const char		*name;		/* as messages name it */
	int64_t			 first_us, last_us;	/* its records' span */
};

int	 capture_open(const char *file, struct capture *c);
const char	*capture_gz_why(struct capture_gz *z);
int64_t	 capture_ts(const struct timeval *tv);

#endif
