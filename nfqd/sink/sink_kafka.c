/*
 * kafka://HOST:PORT/TOPIC[?PROPERTY=VALUE&...]: events into a Kafka
 * topic through librdkafka, one message per event, no key (the
 * partitioner spreads them).  HOST:PORT is the bootstrap broker; the
 * properties are librdkafka's (security.protocol, sasl.*, ssl.*,
 * compression.type, ...), checked when nfqd.conf is read.
 *
 * The same rules as every queued sink: sinks_write copies the line into
 * the sink's bounded queue and returns; this sink's thread moves lines
 * into librdkafka (rd_kafka_produce, which never blocks) and serves its
 * delivery reports (rd_kafka_poll).  librdkafka's own queue is bounded
 * too (queue.buffering.max.kbytes: event-buffer; max.messages), and when
 * it is full the line waits here, so the sink's queue fills and drops,
 * counted.  A message librdkafka gives up on (message.timeout.ms, 30 s
 * here unless set: no broker reachable) is counted as dropped; one the
 * broker refuses as failed; one delivered as written.  At exit the sink
 * waits FLUSH_MS at most for deliveries, then purges and counts the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "sink/sink.h"
#include "sink/sink_ext.h"
#include "base/clock.h"
#include "base/log.h"

#define TOPIC_MAX	249		/* Kafka's limit */
#define PROPS_MAX	16
#define FLUSH_MS	2000		/* at exit, for deliveries */
#define TIMEOUT_MS	"30000"		/* message.timeout.ms default */

struct kafka {
	rd_kafka_conf_t	*conf;		/* until the thread takes it */
	char		 topic[TOPIC_MAX + 1];
	char		*line;
	size_t		 held;		/* a line librdkafka had no room for */
	bool		 holding;
	int64_t		 last_log;
};

/*
 * "/TOPIC[?P=V&...]" into topic and, when conf is not NULL, the
 * properties set on conf.  -1 and a message.
 */
static int
kafka_parse(const char *path, char *topic, rd_kafka_conf_t *conf, char *err,
    size_t errlen)
{
	const char	*t = path + 1, *q;
	char		 props[1024], *p, *save = NULL, *eq, rerr[256];
	size_t		 n;

	if (path[0] != '/' || path[1] == '\0' || path[1] == '?') {
		snprintf(err, errlen, "expected kafka://HOST:PORT/TOPIC");
		return -1;
	}
	q = strchr(t, '?');
	n = q != NULL ? (size_t)(q - t) : strlen(t);
	if (n > TOPIC_MAX || strspn(t, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") < n) {
		snprintf(err, errlen, "bad kafka topic (1-%d letters, digits, "
		    "'.', '_' or '-')", TOPIC_MAX);
		return -1;
	}
	memcpy(topic, t, n);
	topic[n] = '\0';
	if (q == NULL)
		return 0;
	if (snprintf(props, sizeof(props), "%s", q + 1) >=
	    (int)sizeof(props)) {
		snprintf(err, errlen, "kafka properties too long");
		return -1;
	}
	n = 0;
	for (p = strtok_r(props, "&", &save); p != NULL;
	    p = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(p, '=')) == NULL || eq == p || eq[1] == '\0' ||
		    ++n > PROPS_MAX) {
			snprintf(err, errlen, "kafka properties: expected "
			    "NAME=VALUE&... (at most %d), got '%.60s'",
			    PROPS_MAX, p);
			return -1;
		}
		*eq = '\0';
		if (conf != NULL && rd_kafka_conf_set(conf, p, eq + 1, rerr,
		    sizeof(rerr)) != RD_KAFKA_CONF_OK) {
			snprintf(err, errlen, "kafka property %.60s: %.200s",
			    p, rerr);
			return -1;
		}
	}
	return 0;
}

static int
kafka_set(rd_kafka_conf_t *conf, const char *name, const char *value,
    char *err, size_t errlen)
{
	char	 rerr[256];

	if (rd_kafka_conf_set(conf, name, value, rerr, sizeof(rerr)) ==
	    RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "kafka property %s: %.200s", name, rerr);
	return -1;
}

/* nfqd's defaults first, then what the spec sets. */
static rd_kafka_conf_t *
kafka_conf(const char *hostport, const char *path, size_t buffer,
    char *topic, char *err, size_t errlen)
{
	rd_kafka_conf_t	*conf;
	char		 kb[24], msgs[24];

	if ((conf = rd_kafka_conf_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(kb, sizeof(kb), "%zu", buffer / 1024 > 0 ? buffer / 1024 : 1);
	snprintf(msgs, sizeof(msgs), "%zu", buffer / 64 > 100000 ? 100000 :
	    buffer / 64 > 1000 ? buffer / 64 : 1000);
	if (kafka_set(conf, "bootstrap.servers", hostport, err, errlen) ||
	    kafka_set(conf, "queue.buffering.max.kbytes", kb, err, errlen) ||
	    kafka_set(conf, "queue.buffering.max.messages", msgs, err,
	    errlen) ||
	    kafka_set(conf, "message.timeout.ms", TIMEOUT_MS, err, errlen) ||
	    kafka_set(conf, "client.id", "nfqd", err, errlen) ||
	    kafka_parse(path, topic, conf, err, errlen) == -1) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	return conf;
}

static int
kafka_check(const char *path, char *err, size_t errlen)
{
	rd_kafka_conf_t	*conf;
	char		 topic[TOPIC_MAX + 1];

	if ((conf = kafka_conf("localhost:9092", path, SINK_BUFFER_DEFAULT,
	    topic, err, errlen)) == NULL)
		return -1;
	rd_kafka_conf_destroy(conf);
	return 0;
}

/* Delivery reports, from rd_kafka_poll in the sink's thread. */
static void
kafka_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct sink	*k = opaque;
	struct kafka	*kf = sink_priv(k);
	int64_t		 now;

	(void)rk;
	switch (m->err) {
	case RD_KAFKA_RESP_ERR_NO_ERROR:
		sink_settle(k, 1, 0, 0);
		sink_state(k, true, NULL);
		return;
	case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
	case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
	case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
		sink_settle(k, 0, 0, 1);	/* undelivered: dropped */
		return;
	default:
		sink_settle(k, 0, 1, 0);	/* refused: failed */
		now = clock_mono_ms();
		if (kf->last_log == 0 ||
		    now - kf->last_log >= SINK_LOG_EVERY_S * 1000) {
			log_warnx("event sink %s: kafka refused an event: %s",
			    sink_name(k), rd_kafka_err2str(m->err));
			kf->last_log = now;
		}
	}
}

static void
kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct sink	*k = opaque;
	char		 why[300];

	(void)rk;
	if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN &&
	    err != RD_KAFKA_RESP_ERR__TRANSPORT &&
	    err != RD_KAFKA_RESP_ERR__RESOLVE) {
		log_debug("event sink %s: kafka: %s", sink_name(k), reason);
		return;
	}
	snprintf(why, sizeof(why), "no broker: %.250s", reason);
	sink_state(k, false, why);
}

/* librdkafka's own log lines (from its threads): nfqd -v shows them. */
static void
kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)level;
	log_debug("kafka %s: %s", fac, buf);
}

static int
kafka_open(struct sink *k, const char *hostport, const char *path,
    char *err, size_t errlen)
{
	struct kafka	*kf;
	char		 msg[ERRLEN];

	if ((kf = calloc(1, sizeof(*kf))) == NULL ||
	    (kf->line = malloc(SINK_LINE_MAX)) == NULL) {
		free(kf);
		snprintf(err, errlen, "event sink %s: out of memory",
		    sink_name(k));
		return -1;
	}
	sink_set_priv(k, kf);	/* freed by kafka_close from here on */
	if ((kf->conf = kafka_conf(hostport, path, sink_buffer(k), kf->topic,
	    msg, sizeof(msg))) == NULL) {
		snprintf(err, errlen, "event sink %s: %s", sink_name(k), msg);
		return -1;
	}
	rd_kafka_conf_set_opaque(kf->conf, k);
	rd_kafka_conf_set_dr_msg_cb(kf->conf, kafka_dr);
	rd_kafka_conf_set_error_cb(kf->conf, kafka_error);
	rd_kafka_conf_set_log_cb(kf->conf, kafka_log);
	return 0;
}

static void
kafka_close(struct sink *k)
{
	struct kafka	*kf = sink_priv(k);

	if (kf->conf != NULL)
		rd_kafka_conf_destroy(kf->conf);
	free(kf->line);
	free(kf);
	sink_set_priv(k, NULL);
}

/* Hand lines to librdkafka until it is full or the queue is empty. */
static void
kafka_feed(struct sink *k, struct kafka *kf, rd_kafka_topic_t *rkt)
{
	rd_kafka_resp_err_t	 e;

	for (;;) {
		if (!kf->holding) {
			if (!sink_take(k, kf->line, &kf->held))
				return;
			kf->holding = true;
		}
		if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA,
		    RD_KAFKA_MSG_F_COPY, kf->line, kf->held, NULL, 0,
		    NULL) == 0) {
			kf->holding = false;
			continue;
		}
		if ((e = rd_kafka_last_error()) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			return;		/* it waits here; the queue fills */
		kf->holding = false;
		sink_settle(k, 0, 1, 0);
		log_debug("event sink %s: produce: %s", sink_name(k),
		    rd_kafka_err2str(e));
	}
}

static void *
kafka_run(void *arg)
{
	struct sink		*k = arg;
	struct kafka		*kf = sink_priv(k);
	rd_kafka_t		*rk;
	rd_kafka_topic_t	*rkt = NULL;
	char			 err[512];
	size_t			 n;

	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, kf->conf, err,
	    sizeof(err))) != NULL)
		kf->conf = NULL;	/* rk owns it now */
	if (rk == NULL || (rkt = rd_kafka_topic_new(rk, kf->topic,
	    NULL)) == NULL) {
		log_warnx("event sink %s: %s", sink_name(k), rk == NULL ? err :
		    rd_kafka_err2str(rd_kafka_last_error()));
		/* nothing can be sent: every line fails, counted */
		while (!sink_stopping(k)) {
			while (sink_take(k, kf->line, &n))
				sink_settle(k, 0, 1, 0);
			sink_wait(k, 1000, -1, 0, true);
		}
		if (rk != NULL)
			rd_kafka_destroy(rk);
		return NULL;
	}
	while (!sink_stopping(k)) {
		sink_log_tick(k);
		rd_kafka_poll(rk, 0);
		kafka_feed(k, kf, rkt);
		/* woken by a new line; librdkafka full: poll for room */
		sink_wait(k, 100, -1, 0, !kf->holding);
	}
	/* Bounded: deliveries for FLUSH_MS, then the rest is dropped. */
	kafka_feed(k, kf, rkt);
	rd_kafka_flush(rk, FLUSH_MS);
	rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_poll(rk, 0);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	return NULL;
}

const struct sink_proto sink_kafka = {
	.check = kafka_check,
	.open = kafka_open,
	.close = kafka_close,
	.up = NULL,
	.step = NULL,
	.run = kafka_run,
};
