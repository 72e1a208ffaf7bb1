/*
 * nfqd's eBPF programs as the kernel holds them: libbpf's messages into
 * nfqd's log, and the programs a killed daemon left attached, removed.
 * nfqd-rules uses this without the fast path's reader (daemon/fastpath.c).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/bpfhook.h"
#include "base/log.h"

static char	last_warn[256];

static int	bpfhook_print(enum libbpf_print_level, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static int
bpfhook_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char	 buf[1024];
	size_t	 n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n == 0)
		return 0;
	if (level == LIBBPF_WARN)
		snprintf(last_warn, sizeof(last_warn), "%s", buf);
	log_debug("libbpf: %s", buf);
	return 0;
}

void
bpfhook_log_init(void)
{
	last_warn[0] = '\0';
	libbpf_set_print(bpfhook_print);
}

const char *
bpfhook_last_warning(void)
{
	return last_warn;
}

/* Is program `id` one of ours (by name)? */
static bool
bpfhook_ours(uint32_t id, const char *name)
{
	struct bpf_prog_info	 info;
	uint32_t		 len = sizeof(info);
	int			 fd;
	bool			 ours;

	if (id == 0 || (fd = bpf_prog_get_fd_by_id(id)) < 0)
		return false;
	memset(&info, 0, sizeof(info));
	ours = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	    strcmp(info.name, name) == 0;
	close(fd);
	return ours;
}

static int
bpfhook_leftover(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_xdp_query_opts, xq);
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
	    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE,
	    .priority = FP_TC_PRIO);
	int	 n = 0;

	if (bpf_xdp_query(ifindex, 0, &xq) == 0) {
		if (bpfhook_ours(xq.drv_prog_id, FP_XDP_NAME) &&
		    bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL) == 0)
			n++;
		if (bpfhook_ours(xq.skb_prog_id, FP_XDP_NAME) &&
		    bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL) == 0)
			n++;
	}
	if (bpf_tc_query(&hook, &opts) == 0 &&
	    bpfhook_ours(opts.prog_id, FP_TC_NAME)) {
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, d, .handle = FP_TC_HANDLE,
		    .priority = FP_TC_PRIO);

		if (bpf_tc_detach(&hook, &d) == 0)
			n++;
	}
	return n;
}

int
bpfhook_remove_leftovers(char *err, size_t errlen)
{
	struct if_nameindex	*ifs, *i;
	int			 n = 0;

	bpfhook_log_init();
	if ((ifs = if_nameindex()) == NULL) {
		snprintf(err, errlen, "cannot list interfaces: %s",
		    strerror(errno));
		return -1;
	}
	for (i = ifs; i->if_index != 0; i++)
		n += bpfhook_leftover((int)i->if_index);
	if_freenameindex(ifs);
	return n;
}
