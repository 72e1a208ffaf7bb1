/*
 * Every module's header, for the tests (which reach into every layer);
 * nfqd's own sources include what each uses.
 */
#ifndef NFQD_TESTS_ALL_H
#define NFQD_TESTS_ALL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/defs.h"
#include "base/addr.h"
#include "base/clock.h"
#include "base/digest.h"
#include "base/hash.h"
#include "base/hosttab.h"
#include "base/log.h"
#include "base/lpm.h"
#include "base/table.h"
#include "base/tz.h"
#include "base/when.h"
#include "base/files.h"
#include "base/text.h"
#include "base/prom.h"
#include "base/json.h"
#include "base/communityid.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "event/evq.h"
#include "event/census.h"
#include "engine/pkt.h"
#include "engine/flow.h"
#include "engine/classify.h"
#include "engine/summary.h"
#include "engine/detect.h"
#include "engine/respond.h"
#include "engine/engine.h"
#include "sink/sink.h"
#include "sink/eve.h"
#include "sink/metrics.h"
#include "kernel/ipset.h"
#include "kernel/rules.h"
#include "control/ctlreq.h"
#include "daemon/queue.h"
#include "daemon/run.h"
#include "daemon/ctl.h"
#include "daemon/priv.h"
#include "daemon/fastpath.h"
#include "control/excedit.h"

#endif
