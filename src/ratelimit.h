/* SPDX-License-Identifier: MIT */
/* ratelimit: token buckets in a table of fixed size, for the limits on
 * /collect and sign-in. Keys (a client address, a site id) are kept only
 * as a keyed 64-bit hash, and the table never grows: a new key takes a
 * free or refilled bucket of its set, else the least recently used one. */
#ifndef CALOR_RATELIMIT_H
#define CALOR_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_WAYS 8 /* buckets one key may land in (its set) */

struct ratelimit;

/* A table of about slots buckets (rounded up to whole sets of
 * RATELIMIT_WAYS), each refilling rate tokens a second up to burst; a
 * bucket a key first takes is full. rate 0 makes a table that allows
 * everything and holds no buckets. 0, CALOR_EINVAL (rate > 0 with
 * burst < 1) or CALOR_ENOMEM; caller frees with ratelimit_free(). */
int ratelimit_new(size_t slots, double rate, double burst,
		  struct ratelimit **ret_rl);
/* Accepts NULL. */
void ratelimit_free(struct ratelimit *rl);

/* Take one token from key's bucket at now_ms (a monotonic clock). Returns
 * 0 when taken, else the ms until the bucket holds one again (nothing is
 * taken). Thread-safe; key (len bytes, borrowed) is hashed and not kept.
 * A NULL rl allows everything. */
int64_t ratelimit_take(struct ratelimit *rl, const void *key, size_t len,
		       int64_t now_ms);

/* Buckets in the table (0 when it allows everything). */
size_t ratelimit_slots(const struct ratelimit *rl);

#endif
