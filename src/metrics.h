/* SPDX-License-Identifier: MIT */
/* metrics: process-wide counters (atomics) and their Prometheus text form
 * for GET /metrics: events accepted, batches rejected by reason, commit
 * latency, retention passes, rate limits, bots and slow clients. */
#ifndef CALOR_METRICS_H
#define CALOR_METRICS_H

#include <stdint.h>

#include "core.h"

/* Count n events committed. */
void metrics_events_accepted(int64_t n);
/* Count one batch committed (dup: it had been stored before). */
void metrics_batch_accepted(int dup);
/* Count one refused batch; reason is a stable error code such as
 * "bad_json" (unknown codes count as "other"). */
void metrics_batch_rejected(const char *reason);
/* Record one commit's latency in microseconds and whether it succeeded. */
void metrics_commit(int64_t micros, int ok);
/* Count one finished retention pass that deleted n events (page views,
 * clicks, moves and goals). */
void metrics_retention_pass(int64_t n);
/* Count one request refused by a rate limit; limit is "collect_ip",
 * "collect_site" or "login_ip" (others count as "other"). */
void metrics_rate_limited(const char *limit);
/* Count one batch from a known bot, acknowledged and not stored. */
void metrics_bot_batch(void);
/* Count one connection closed because its request did not arrive whole
 * within the request timeout. */
void metrics_request_timed_out(void);
/* Append the Prometheus text exposition to b. */
int metrics_render(struct dynbuf *b);

#endif
