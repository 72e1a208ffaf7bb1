/*
 * clock.c: the two clocks nfqd reads, and a nap.
 */
#ifndef NFQD_BASE_CLOCK_H
#define NFQD_BASE_CLOCK_H

#include <stdint.h>

int64_t	 clock_real_us(void);		/* CLOCK_REALTIME, microseconds */
int64_t	 clock_mono_ms(void);		/* CLOCK_MONOTONIC, milliseconds */
void	 clock_sleep_ms(long ms);

#endif
