/* SPDX-License-Identifier: MIT */
/* retention: enforces each site's retention_days while calor serves. A
 * thread runs a pass a little after start and then every interval; a pass
 * purges (store_purge) each site with retention_days > 0 of what is older
 * than now − retention_days. */
#ifndef CALOR_RETENTION_H
#define CALOR_RETENTION_H

#include <stdatomic.h>
#include <stdint.h>

#include "store.h"

#define RETENTION_INTERVAL_MS 3600000 /* default: hourly */
#define RETENTION_FIRST_MS    30000   /* the first pass, at most this late */

/* One pass over every site as of now_ms: each site with retention_days > 0
 * loses what is older than now_ms − retention_days days. Logs one line per
 * site that lost rows and one per failure, and counts the pass in the
 * metrics. A failed site does not stop the others. Returns 0, the first
 * site's error, or CALOR_ESHUTDOWN once stop (may be NULL) is set;
 * CALOR_EBUSY when another calor node on the same store is purging (a
 * ClickHouse cluster's lease): the rest of the pass is skipped, the other
 * node's pass does it. */
int retention_pass(struct store *s, int64_t now_ms, const atomic_int *stop);

struct retention;

/* Start the thread over store s (borrowed; must outlive it): the first
 * pass after min(interval_ms, RETENTION_FIRST_MS), then every interval_ms
 * from the start of the previous one. Caller frees with
 * retention_free(). */
int retention_new(struct store *s, int64_t interval_ms,
		  struct retention **ret_retention);
/* Stop the thread: a pass in progress ends after its current transaction.
 * Idempotent. */
void retention_stop(struct retention *r);
/* Stop (if needed) and free; accepts NULL. */
void retention_free(struct retention *r);

#endif
