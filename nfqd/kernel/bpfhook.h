/*
 * bpfhook.c: nfqd's eBPF programs on this namespace's interfaces, as
 * libbpf sees them.
 */
#ifndef NFQD_KERNEL_BPFHOOK_H
#define NFQD_KERNEL_BPFHOOK_H

#include <stddef.h>

/* How nfqd's programs are attached, and known again after a crash. */
#define FP_TC_HANDLE	0x4e46		/* "NF" */
#define FP_TC_PRIO	0x4e46
#define FP_XDP_NAME	"nfqd_xdp"
#define FP_TC_NAME	"nfqd_tc"

/* libbpf's messages to nfqd's debug log from now on, the last warning kept. */
void		 bpfhook_log_init(void);
/* libbpf's last warning since bpfhook_log_init, for an error; "" none. */
const char	*bpfhook_last_warning(void);
/*
 * Detach nfqd's programs from every interface of this network namespace
 * (a leftover of a daemon that was killed).  Returns how many were
 * removed, or -1 with err.
 */
int		 bpfhook_remove_leftovers(char *err, size_t errlen);

#endif
