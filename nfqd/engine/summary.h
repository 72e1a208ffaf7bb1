/*
 * summary.c: flood control -- a source's repeated blocked attempts folded
 * into one policy_summary event.
 */
#ifndef NFQD_ENGINE_SUMMARY_H
#define NFQD_ENGINE_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "event/event.h"

struct summary;
typedef void (*summary_cb)(void *, const struct summary_rec *);
struct summary	*summary_new(uint32_t capacity, uint32_t threshold,
	    uint32_t window_s);
void	 summary_free(struct summary *s);
bool	 summary_admit(struct summary *s, const struct ip_addr *src,
	    uint8_t dir, const struct ip_addr *dst, uint16_t port,
	    uint8_t mode, int64_t now, summary_cb cb, void *arg);
void	 summary_flush(struct summary *s, summary_cb cb, void *arg);
void	 summary_fold(struct summary *s, const struct ip_addr *src,
	    uint8_t dir, uint8_t mode, uint64_t n, int64_t now, summary_cb cb,
	    void *arg);

#endif
