/*
 * The nDPI 4.2 wrapper: one detection module per worker, one nDPI flow per
 * connection while it is classified.
 *
 * nDPI 4.2 as measured with Debian's libndpi 4.2-2:
 * - ndpi_init_detection_module() must not run in parallel with itself (its
 *   own documentation; it also initializes libgcrypt), so module set-up and
 *   tear-down hold a lock.  A module costs about 8.9 MB of nDPI allocations
 *   (~100,000 blocks, ~6 MiB RSS) and 11 ms.
 * - The module, not the flow, holds the packet being dissected (struct
 *   ndpi_packet_struct moved there in 4.2): one module per thread, never
 *   shared; flows of one thread may interleave freely.
 * - ndpi_extra_dissection_possible() may stay true for the whole flow (SMTP
 *   on 587, BDAT), so the packet cap below is what ends it.
 * - ndpi_detection_giveup() with guessing names a payload-less port-25 flow
 *   "SMTP" from the port alone (confidence MATCH_BY_PORT); we call it
 *   without guessing and report a name only with confidence DPI.
 * - Even confidence DPI can come from a port: the TargusDataspeed dissector
 *   names a bare SYN to 5001.  So a flow that never had payload is unknown.
 * - TCP segments whose sequence number is not the next expected one are
 *   taken for retransmissions and not dissected.
 * - The TLS dissector allocates a 2 KB reassembly buffer for any TCP flow
 *   with payload (SMTP too); the flow struct holds that and other pointers
 *   (TLS names, HTTP URL...): ndpi_free_flow_data() frees them, then we free
 *   our block, which embeds the 688-byte flow struct.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "base/log.h"
#include "engine/dpi.h"

struct dpi {
	struct ndpi_detection_module_struct	*mod;
};

struct dpi_flow {
	struct ndpi_flow_struct	 nf;		/* zeroed before first use */
	uint16_t		 pkts;		/* packets given to nDPI */
	uint16_t		 payload_pkts;	/* ... with TCP/UDP payload */
	bool			 done;
	bool			 gave_up;	/* ndpi_detection_giveup called */
};

static pthread_mutex_t	 dpi_init_lock = PTHREAD_MUTEX_INITIALIZER;

struct dpi *
dpi_new(void)
{
	struct dpi		*d;
	NDPI_PROTOCOL_BITMASK	 all;

	if (ndpi_get_api_version() != NDPI_API_VERSION ||
	    ndpi_detection_get_sizeof_ndpi_flow_struct() !=
	    sizeof(struct ndpi_flow_struct)) {
		log_warnx("dpi: libndpi %s (API %u) does not match the "
		    "headers nfqd was built with (API %u); no classification",
		    ndpi_revision(), (unsigned)ndpi_get_api_version(),
		    (unsigned)NDPI_API_VERSION);
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		log_warn("dpi: no classification");
		return NULL;
	}
	pthread_mutex_lock(&dpi_init_lock);
	d->mod = ndpi_init_detection_module(ndpi_no_prefs);
	if (d->mod != NULL) {
		NDPI_BITMASK_SET_ALL(all);
		ndpi_set_protocol_detection_bitmask2(d->mod, &all);
		ndpi_finalize_initialization(d->mod);
	}
	pthread_mutex_unlock(&dpi_init_lock);
	if (d->mod == NULL) {
		log_warnx("dpi: nDPI %s cannot start (out of memory?); "
		    "no classification", ndpi_revision());
		free(d);
		return NULL;
	}
	return d;
}

void
dpi_free(struct dpi *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&dpi_init_lock);
	ndpi_exit_detection_module(d->mod);
	pthread_mutex_unlock(&dpi_init_lock);
	free(d);
}

size_t
dpi_flow_size(void)
{
	return sizeof(struct dpi_flow);
}

/* NULL without a module (nfqd runs unclassified) or memory. */
struct dpi_flow *
dpi_flow_new(struct dpi *d)
{
	if (d == NULL)
		return NULL;
	return calloc(1, sizeof(struct dpi_flow));
}

void
dpi_flow_free(struct dpi_flow *f)
{
	if (f == NULL)
		return;
	ndpi_free_flow_data(&f->nf);
	free(f);
}

/* Whether the IP packet carries TCP or UDP payload (best effort). */
static bool
has_payload(const uint8_t *ip, uint32_t len)
{
	uint32_t	 hl, tot, off;
	uint8_t		 proto;

	if (len < 1)
		return false;
	if (ip[0] >> 4 == 4) {
		if (len < 20)
			return false;
		hl = (uint32_t)(ip[0] & 0x0f) * 4;
		if (hl < 20)
			return false;
		tot = (uint32_t)ip[2] << 8 | ip[3];
		proto = ip[9];
		if (tot > len)
			tot = len;
		if ((((uint32_t)ip[6] << 8 | ip[7]) & 0x1fff) != 0)
			return tot > hl;	/* a later fragment */
	} else if (ip[0] >> 4 == 6) {
		if (len < 40)
			return false;
		hl = 40;
		tot = 40 + ((uint32_t)ip[4] << 8 | ip[5]);
		proto = ip[6];
		if (tot > len)
			tot = len;
		/* Hop-by-hop, routing, destination options. */
		while ((proto == 0 || proto == 43 || proto == 60) &&
		    hl + 8 <= tot) {
			proto = ip[hl];
			hl += 8 + (uint32_t)ip[hl + 1] * 8;
		}
	} else
		return false;
	if (hl > tot)
		return false;
	switch (proto) {
	case 6:
		if (tot - hl < 20)
			return false;
		off = (uint32_t)(ip[hl + 12] >> 4) * 4;
		return tot - hl > off;
	case 17:
		return tot - hl > 8;
	default:
		return tot > hl;
	}
}

/*
 * Known from payload: a protocol, found by deep inspection, in a flow that
 * had payload at all.  nDPI 4.2 also answers confidence DPI for flows with
 * no payload when a dissector goes by the port alone (TargusDataspeed on a
 * bare SYN to 5001).
 */
static bool
dpi_known(const struct dpi_flow *f)
{
	return f->payload_pkts > 0 &&
	    (f->nf.detected_protocol_stack[0] != NDPI_PROTOCOL_UNKNOWN ||
	    f->nf.detected_protocol_stack[1] != NDPI_PROTOCOL_UNKNOWN) &&
	    f->nf.confidence == NDPI_CONFIDENCE_DPI;
}

int
dpi_packet(struct dpi *d, struct dpi_flow *f, const uint8_t *ip,
    uint32_t len, int64_t ts_us)
{
	uint8_t	 guessed;

	if (d == NULL || f == NULL || ip == NULL)
		return DPI_DONE;
	if (f->done)
		return DPI_DONE;
	if (len > 65535)
		len = 65535;	/* nDPI takes an unsigned short */
	f->pkts++;
	if (has_payload(ip, len))
		f->payload_pkts++;
	(void)ndpi_detection_process_packet(d->mod, &f->nf, ip,
	    (unsigned short)len, (uint64_t)(ts_us < 0 ? 0 : ts_us / 1000));
	/*
	 * Known: stop unless nDPI still wants packets for its metadata (the
	 * TLS certificate, SMTP AUTH credentials and their risk); the cap
	 * bounds that too, as 4.2 may want more forever.
	 */
	if (dpi_known(f) && !ndpi_extra_dissection_possible(d->mod, &f->nf))
		f->done = true;
	if (f->payload_pkts >= DPI_MAX_PAYLOAD_PACKETS ||
	    f->pkts >= DPI_MAX_PACKETS)
		f->done = true;
	if (f->done && !dpi_known(f)) {
		(void)ndpi_detection_giveup(d->mod, &f->nf, 0, &guessed);
		f->gave_up = true;
	}
	return f->done ? DPI_DONE : DPI_MORE;
}

/* Lower-case copy of nDPI's name for a protocol id. */
static void
proto_name(struct dpi *d, uint16_t id, char *out, size_t outlen)
{
	const char	*s;
	size_t		 i;

	out[0] = '\0';
	if (id == NDPI_PROTOCOL_UNKNOWN ||
	    (s = ndpi_get_proto_name(d->mod, id)) == NULL)
		return;
	for (i = 0; s[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}

/* Printable copy: server names come off the wire. */
static void
copy_clean(char *out, size_t outlen, const char *s, size_t slen)
{
	size_t	 i, n = 0;

	for (i = 0; i < slen && s[i] != '\0' && n + 1 < outlen; i++)
		out[n++] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[n] = '\0';
}

void
dpi_risk_names(uint64_t risk, char *out, size_t outlen)
{
	size_t		 n = 0;
	int		 i, w;
	const char	*s;

	out[0] = '\0';
	for (i = 1; i < NDPI_MAX_RISK && i < 64; i++) {
		if ((risk & (1ULL << i)) == 0)
			continue;
		if ((s = ndpi_risk2str((ndpi_risk_enum)i)) == NULL)
			continue;
		w = snprintf(out + n, outlen - n, "%s%s", n ? "," : "", s);
		if (w < 0 || (size_t)w >= outlen - n) {
			out[n] = '\0';	/* whole names only */
			return;
		}
		n += (size_t)w;
	}
}

void
dpi_result(struct dpi *d, struct dpi_flow *f, struct dpi_result *r)
{
	uint16_t	 master, app;
	uint8_t		 guessed;

	memset(r, 0, sizeof(*r));
	if (d == NULL || f == NULL)
		return;
	if (f->pkts == 0)
		return;
	if (!dpi_known(f) && !f->gave_up) {
		(void)ndpi_detection_giveup(d->mod, &f->nf, 0, &guessed);
		f->gave_up = true;
		f->done = true;
	}
	copy_clean(r->server_name, sizeof(r->server_name),
	    (const char *)f->nf.host_server_name,
	    sizeof(f->nf.host_server_name));
	r->risk = f->nf.risk;
	dpi_risk_names(r->risk, r->risks, sizeof(r->risks));
	if (!dpi_known(f))
		return;		/* unknown, or only guessed */
	/* detected_protocol_stack: [0] the app, [1] its master, if any. */
	app = f->nf.detected_protocol_stack[0];
	master = f->nf.detected_protocol_stack[1];
	if (master == app)
		master = NDPI_PROTOCOL_UNKNOWN;
	if (master != NDPI_PROTOCOL_UNKNOWN) {
		proto_name(d, master, r->app_proto, sizeof(r->app_proto));
		proto_name(d, app, r->app_detail, sizeof(r->app_detail));
	} else
		proto_name(d, app, r->app_proto, sizeof(r->app_proto));
	r->by_payload = r->app_proto[0] != '\0';
}
