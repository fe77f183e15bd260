/* SPDX-License-Identifier: MIT */
/* sim_truth: the simulator's PRNG (xoshiro256** seeded by splitmix64, so
 * a seed gives the same visitors on every machine) and the planted-truth
 * counters, merged across sender threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "sim_model.h"

uint64_t sim_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = sim_splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double sim_rng_unit(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

int64_t sim_rng_range(struct sim_rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)(sim_rng_next(r) % (uint64_t)(hi - lo + 1));
}

double sim_rng_normal(struct sim_rng *r)
{
	double u = sim_rng_unit(r), v = sim_rng_unit(r);
	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

int sim_truth_init(struct sim_truth *t, size_t n_sels)
{
	memset(t, 0, sizeof(*t));
	t->n_sels = n_sels;
	t->el = calloc(SIM_PAGES * (n_sels ? n_sels : 1), sizeof(*t->el));
	return t->el ? 0 : CALOR_ENOMEM;
}

void sim_truth_done(struct sim_truth *t)
{
	if (!t)
		return;
	free(t->el);
	t->el = NULL;
}

#define ADD(f) (dst->f += src->f)

void sim_truth_merge(struct sim_truth *dst, const struct sim_truth *src)
{
	ADD(sessions);
	ADD(pageviews);
	ADD(batches);
	ADD(events);
	ADD(clicks);
	ADD(new_sessions);
	ADD(rage_bursts);
	for (int i = 0; i < 3; i++)
		ADD(devices[i]);
	for (int i = 0; i < 7; i++) {
		ADD(browsers[i]);
		ADD(os[i]);
	}
	for (int i = 0; i < 5; i++)
		ADD(sources[i]);
	for (int v = 0; v < 2; v++) {
		ADD(variant[v].sessions);
		ADD(variant[v].pageviews);
		ADD(variant[v].cta_clicks);
		ADD(variant[v].page_clicks);
		ADD(variant[v].signups);
	}
	for (int g = 0; g < SIM_GOALS; g++)
		ADD(goal_sessions[g]);
	for (int p = 0; p < SIM_PAGES; p++) {
		ADD(quick_backs[p]);
		ADD(excessive[p]);
		if (src->planted_median[p])
			dst->planted_median[p] = src->planted_median[p];
		for (int d = 0; d < 3; d++)
			for (int k = 0; k <= 100; k++)
				ADD(depth[p][d][k]);
	}
	for (size_t i = 0;
	     i < SIM_PAGES * dst->n_sels && i < SIM_PAGES * src->n_sels; i++) {
		ADD(el[i].clicks);
		ADD(el[i].dead);
		ADD(el[i].rage);
		ADD(el[i].err);
	}
}

static int64_t depth_count(const struct sim_truth *t, enum sim_page p,
			   int device, int k)
{
	if (device >= 0)
		return t->depth[p][device][k];
	return t->depth[p][0][k] + t->depth[p][1][k] + t->depth[p][2][k];
}

int64_t sim_truth_depth_pageviews(const struct sim_truth *t, enum sim_page p,
				  int device)
{
	int64_t n = 0;
	for (int k = 0; k <= 100; k++)
		n += depth_count(t, p, device, k);
	return n;
}

int sim_truth_reach50(const struct sim_truth *t, enum sim_page p, int device)
{
	int64_t n = sim_truth_depth_pageviews(t, p, device), reach = 0;
	if (!n)
		return -1;
	/* reach(d) = share of page views whose depth >= d %; walk down from
	 * the bottom until half of them reach */
	for (int d = 100; d >= 0; d--) {
		reach += depth_count(t, p, device, d);
		if (2 * reach >= n)
			return d;
	}
	return 0;
}
