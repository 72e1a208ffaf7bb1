/*
 * Hash tables probed before they are written (detections, flood control,
 * responses, the census, replay's host counts) get their pages at
 * allocation.  Left to fault in, each page is first mapped to the shared
 * zero page by a probe's read and then copied on the first write, which
 * flushes the TLB of every CPU running another thread of nfqd: 6% of
 * `nfqd --replay`'s time on real captures tiled by tools/pcaptile.py
 * (perf: do_wp_page, ptep_clear_flush, smp_call_function_many_cond), and
 * an inter-processor interrupt per page on the router's packet path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/table.h"

void *
table_calloc(size_t n, size_t size)
{
	void		*p;
	uintptr_t	 a, b, pg = (uintptr_t)sysconf(_SC_PAGESIZE);

	if ((p = calloc(n, size)) == NULL)
		return NULL;
#ifdef MADV_POPULATE_WRITE
	/* The whole pages inside the block; failure (before Linux 5.14)
	 * leaves them to fault in as before. */
	a = ((uintptr_t)p + pg - 1) & ~(pg - 1);
	b = ((uintptr_t)p + n * size) & ~(pg - 1);
	if (b > a)
		(void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
	(void)a; (void)b; (void)pg;
#endif
	return p;
}
