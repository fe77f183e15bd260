/* SPDX-License-Identifier: MIT */
/* bench_rand: the benches' loaders' one deterministic generator
 * (xorshift64), so every run loads the same events. */
#ifndef CALOR_BENCH_RAND_H
#define CALOR_BENCH_RAND_H

#include <math.h>
#include <stdint.h>

static uint64_t bench_rng = 0x9e3779b97f4a7c15ULL;

/* Uniform in [0, 1). */
static inline double uniform(void)
{
	bench_rng ^= bench_rng << 13;
	bench_rng ^= bench_rng >> 7;
	bench_rng ^= bench_rng << 17;
	return (double)(bench_rng >> 11) / 9007199254740992.0;
}

/* Standard normal (Box-Muller). */
static inline double gauss(void)
{
	double u = uniform(), v = uniform();
	return sqrt(-2.0 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

#endif
