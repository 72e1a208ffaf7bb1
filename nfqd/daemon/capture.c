/*
 * A capture for replay: a pcap or pcapng file, or standard input ("-"),
 * plain or gzip-compressed.  The gzip magic (1f 8b) is looked for rather
 * than the name, and zlib inflates it behind a stdio stream
 * (fopencookie), so libpcap reads it as any other.  A pipe goes through
 * zlib either way (its transparent mode passes plain data on as it is),
 * since its first bytes cannot be read twice; a plain file is read by
 * stdio alone, at full speed.  Another compression is named in the error
 * with the command that inflates it.  Also the link types nfqd reads and
 * the records' times.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <zlib.h>

#include "base/log.h"
#include "engine/pkt.h"
#include "daemon/capture.h"

#define CAPTURE_READBUF	(1 << 20)	/* stdio buffer of the capture */

/* The engine's link layer for a pcap link type; -1: not one nfqd reads. */
static int
capture_link(int dlt, enum link *link)
{
	switch (dlt) {
	case DLT_EN10MB:	*link = LINK_ETH; return 0;
	case DLT_LINUX_SLL:	*link = LINK_SLL; return 0;
	case DLT_LINUX_SLL2:	*link = LINK_SLL2; return 0;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:		*link = LINK_RAW; return 0;
	case DLT_NULL:
	case DLT_LOOP:		*link = LINK_NULL; return 0;
	}
	return -1;
}

/*
 * A packet's time, in microseconds.  A pcapng timestamp is any 64-bit
 * count of any unit, which libpcap hands over as a huge or negative
 * tv_sec: kept to 1970-9999, so that neither this product nor the
 * engine's clock arithmetic overflows.
 */
int64_t
capture_ts(const struct timeval *tv)
{
	int64_t	 s = (int64_t)tv->tv_sec;

	if (s < 0)
		s = 0;
	else if (s > INT64_C(253402300799))	/* 9999-12-31T23:59:59Z */
		s = INT64_C(253402300799);
	return s * 1000000 + (int64_t)tv->tv_usec;
}

struct capture_gz {
	gzFile		 gz;
	int		 err;		/* zlib's error, once one was seen */
	char		 msg[128];
};

static ssize_t
capture_gz_read(void *cookie, char *buf, size_t size)
{
	struct capture_gz	*z = cookie;
	const char		*m;
	int			 n;

	if (size > INT_MAX)
		size = INT_MAX;
	if ((n = gzread(z->gz, buf, (unsigned)size)) >= 0)
		return n;
	m = gzerror(z->gz, &z->err);
	if (strncmp(m, "<fd:", 4) == 0 && strstr(m, ">: ") != NULL)
		m = strstr(m, ">: ") + 3;
	snprintf(z->msg, sizeof(z->msg), "%s", z->err == Z_ERRNO ?
	    strerror(errno) : m);
	return -1;
}

/* zlib's word on a failed read, or NULL when zlib saw nothing wrong. */
const char *
capture_gz_why(struct capture_gz *z)
{
	const char	*m;
	int		 err;

	if (z == NULL)
		return NULL;
	if (z->err != 0)
		return z->msg;
	m = gzerror(z->gz, &err);
	if (err == Z_OK)
		return NULL;
	if (strncmp(m, "<fd:", 4) == 0 && strstr(m, ">: ") != NULL)
		m = strstr(m, ">: ") + 3;	/* gzdopen's name for it */
	return m;
}

static int
capture_gz_close(void *cookie)
{
	struct capture_gz	*z = cookie;
	int			 rc;

	rc = gzclose_r(z->gz);
	free(z);
	return rc == Z_OK ? 0 : -1;
}

/* What libpcap calls an unknown file format may be another compression. */
static const char *
capture_hint(int fd)
{
	static const struct {
		const char	*magic, *tool;
		size_t		 len;
	} m[] = {
		{ "\xfd" "7zXZ", "xz -dc", 5 },
		{ "BZh", "bzip2 -dc", 3 },
		{ "\x28\xb5\x2f\xfd", "zstd -dc", 4 },
		{ "\x04\x22\x4d\x18", "lz4 -dc", 4 },
		{ "PK\x03\x04", "unzip -p", 4 },
	};
	char	 b[8];
	ssize_t	 n;
	size_t	 i;

	if ((n = pread(fd, b, sizeof(b), 0)) <= 0)
		return NULL;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if ((size_t)n >= m[i].len && memcmp(b, m[i].magic, m[i].len) == 0)
			return m[i].tool;
	return NULL;
}

/*
 * The capture's stream: fd (owned) through stdio, or through zlib when it
 * starts with the gzip magic or cannot be read twice (a pipe).
 */
static FILE *
capture_fopen(int fd, const char *name, struct capture_gz **zp)
{
	unsigned char	 magic[2] = { 0, 0 };
	struct capture_gz *z;
	FILE		*fp;
	bool		 gz;

	*zp = NULL;
	if (pread(fd, magic, sizeof(magic), 0) == -1) {
		if (errno != ESPIPE) {
			log_warnx("%s: %s", name, strerror(errno));
			close(fd);
			return NULL;
		}
		gz = true;		/* a pipe: zlib passes plain data on */
	} else
		gz = magic[0] == 0x1f && magic[1] == 0x8b;
	if (!gz) {
		if ((fp = fdopen(fd, "rb")) == NULL) {
			log_warnx("%s: %s", name, strerror(errno));
			close(fd);
		}
		return fp;
	}
	if ((z = calloc(1, sizeof(*z))) == NULL ||
	    (z->gz = gzdopen(fd, "rb")) == NULL) {
		log_warnx("%s: out of memory", name);
		free(z);
		close(fd);
		return NULL;
	}
	gzbuffer(z->gz, CAPTURE_READBUF / 4);	/* before the first read */
	fp = fopencookie(z, "rb", (cookie_io_functions_t){
	    .read = capture_gz_read, .close = capture_gz_close });
	if (fp == NULL) {
		log_warnx("%s: %s", name, strerror(errno));
		capture_gz_close(z);
		return NULL;
	}
	*zp = z;
	return fp;
}

/*
 * Open the capture (FILE "-": standard input), gzip or not, and learn
 * its link type.  -1: logged, nothing left open.
 */
int
capture_open(const char *file, struct capture *c)
{
	char			 errbuf[PCAP_ERRBUF_SIZE];
	FILE			*fp;
	const char		*tool, *why;
	int			 fd;
	static char		 readbuf[CAPTURE_READBUF];

	memset(c, 0, sizeof(*c));
	c->name = file;
	c->first_us = INT64_MIN;
	/*
	 * A large stdio buffer: libpcap reads each record with fread.  glibc
	 * ignores the size when setvbuf is given no buffer (it read 4 KB at a
	 * time), so the buffer is ours; replay runs one capture at a time.
	 */
	if (strcmp(file, "-") == 0) {
		c->name = "standard input";
		fd = dup(STDIN_FILENO);
	} else
		fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		log_warnx("%s: %s", c->name, strerror(errno));
		return -1;
	}
	if ((fp = capture_fopen(fd, c->name, &c->gz)) == NULL)
		return -1;
	setvbuf(fp, readbuf, _IOFBF, sizeof(readbuf));
	__fsetlocking(fp, FSETLOCKING_BYCALLER);	/* one reader thread */
	c->pc = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (c->pc == NULL) {
		if ((why = capture_gz_why(c->gz)) != NULL)
			log_warnx("%s: gzip: %s", c->name, why);
		else if (c->gz == NULL &&
		    (tool = capture_hint(fileno(fp))) != NULL)
			log_warnx("%s: %s: it is compressed, and nfqd "
			    "inflates gzip only: %s %s | nfqd --replay -",
			    c->name, errbuf, tool, file);
		else
			log_warnx("%s: %s", c->name, errbuf);
		fclose(fp);
		return -1;
	}
	if (capture_link(pcap_datalink(c->pc), &c->link) == -1) {
		log_warnx("%s: unsupported link type %s", c->name,
		    pcap_datalink_val_to_name(pcap_datalink(c->pc)) ?
		    pcap_datalink_val_to_name(pcap_datalink(c->pc)) :
		    "unknown");
		pcap_close(c->pc);
		return -1;
	}
	return 0;
}
