/* SPDX-License-Identifier: MIT */
/* ratelimit: a set-associative table of token buckets. A key's SipHash
 * (random key per table, so nobody can aim many keys at one set) picks a
 * set of RATELIMIT_WAYS buckets; sets share a few locks. */
#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define LOCKS 64 /* set i is guarded by lock i % LOCKS */

struct bucket {
	uint64_t hash; /* 0: free */
	int64_t last_ms;
	double tokens;
};

struct ratelimit {
	double rate, burst; /* tokens per second, most tokens */
	size_t n_sets;
	unsigned char key[crypto_shorthash_KEYBYTES];
	pthread_mutex_t locks[LOCKS];
	struct bucket *buckets; /* n_sets * RATELIMIT_WAYS */
};

int ratelimit_new(size_t slots, double rate, double burst,
		  struct ratelimit **ret_rl)
{
	struct ratelimit *rl;

	if (rate < 0 || (rate > 0 && (burst < 1 || slots == 0)))
		return CALOR_EINVAL;
	if (sodium_init() < 0)
		return CALOR_ENOMEM;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return CALOR_ENOMEM;
	rl->rate = rate;
	rl->burst = burst;
	if (rate > 0) {
		rl->n_sets = (slots + RATELIMIT_WAYS - 1) / RATELIMIT_WAYS;
		rl->buckets =
		    calloc(rl->n_sets * RATELIMIT_WAYS, sizeof(*rl->buckets));
		if (!rl->buckets) {
			free(rl);
			return CALOR_ENOMEM;
		}
	}
	randombytes_buf(rl->key, sizeof(rl->key));
	for (int i = 0; i < LOCKS; i++)
		pthread_mutex_init(&rl->locks[i], NULL);
	*ret_rl = rl;
	return 0;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	for (int i = 0; i < LOCKS; i++)
		pthread_mutex_destroy(&rl->locks[i]);
	free(rl->buckets);
	free(rl);
}

size_t ratelimit_slots(const struct ratelimit *rl)
{
	return rl ? rl->n_sets * RATELIMIT_WAYS : 0;
}

/* b's tokens at now_ms. */
static double refilled(const struct ratelimit *rl, const struct bucket *b,
		       int64_t now_ms)
{
	double t = b->tokens;
	if (now_ms > b->last_ms)
		t += (double)(now_ms - b->last_ms) * rl->rate / 1000.0;
	return t < rl->burst ? t : rl->burst;
}

/* The bucket of hash h in set, taking one when h has none: a free one, a
 * refilled one (as good as new), else the least recently used. */
static struct bucket *find(struct ratelimit *rl, struct bucket *set, uint64_t h,
			   int64_t now_ms)
{
	struct bucket *victim = NULL;

	for (int i = 0; i < RATELIMIT_WAYS; i++)
		if (set[i].hash == h)
			return &set[i];
	for (int i = 0; i < RATELIMIT_WAYS; i++) {
		struct bucket *b = &set[i];
		if (b->hash == 0 || refilled(rl, b, now_ms) >= rl->burst) {
			victim = b;
			break;
		}
		if (!victim || b->last_ms < victim->last_ms)
			victim = b;
	}
	victim->hash = h;
	victim->last_ms = now_ms;
	victim->tokens = rl->burst;
	return victim;
}

int64_t ratelimit_take(struct ratelimit *rl, const void *key, size_t len,
		       int64_t now_ms)
{
	unsigned char out[crypto_shorthash_BYTES];
	struct bucket *b;
	pthread_mutex_t *lock;
	uint64_t h;
	size_t set;
	int64_t wait = 0;

	if (!rl || rl->rate <= 0)
		return 0;
	crypto_shorthash(out, key, len, rl->key);
	memcpy(&h, out, sizeof(h));
	if (h == 0) /* 0 marks a free bucket */
		h = 1;
	set = (size_t)(h % rl->n_sets);
	lock = &rl->locks[set % LOCKS];
	pthread_mutex_lock(lock);
	b = find(rl, &rl->buckets[set * RATELIMIT_WAYS], h, now_ms);
	b->tokens = refilled(rl, b, now_ms);
	if (now_ms > b->last_ms)
		b->last_ms = now_ms;
	if (b->tokens >= 1)
		b->tokens -= 1;
	else
		wait = (int64_t)ceil((1 - b->tokens) * 1000.0 / rl->rate);
	pthread_mutex_unlock(lock);
	return wait; /* > 0: (1 - tokens) > 0 rounds up */
}
