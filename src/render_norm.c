/* SPDX-License-Identifier: MIT */
/* render_norm: what the top of the palette means — the max or a high
 * percentile of a raster (exact, by radix selection on the float bits) —
 * and the per-page-view difference of two rasters for difference maps. */
#include "render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render_int.h"

/* The bits of |v| as an unsigned key: for non-negative floats the order of
 * the bit patterns is the order of the values. 0 for ±0, above INF_KEY for
 * NaN. */
#define INF_KEY 0x7f800000u

static inline uint32_t abs_key(float v)
{
	uint32_t u;

	memcpy(&u, &v, sizeof(u));
	return u & 0x7fffffffu;
}

static inline int key_counts(uint32_t key)
{
	return key != 0 && key <= INF_KEY;
}

/* Find the bucket holding the rank-th (1-based) counted key, and the rank
 * within that bucket. */
static uint32_t pick_bucket(const uint32_t *hist, uint32_t nbuckets,
			    size_t *rank)
{
	uint32_t b;

	for (b = 0; b + 1 < nbuckets && *rank > hist[b]; b++)
		*rank -= hist[b];
	return b;
}

/* Two radix digits of the 31-bit key: the high 16 bits, then the low 15
 * among the keys whose high bits matched. */
#define HIGH_SHIFT 15
#define HIGH_BINS  (1u << 16)
#define LOW_BINS   (1u << HIGH_SHIFT)

/* One histogram pass, split over threads: each part counts its share of
 * the pixels into its own bins, summed afterwards (integers: exact). */
struct histogram {
	const float *v;
	size_t n;
	int low; /* 0: bin by the high digit; 1: by the low one among
			  keys whose high digit is high */
	uint32_t high;
	uint32_t *bins[RENDER_MAX_THREADS];
	size_t counted[RENDER_MAX_THREADS];
};

static void histogram_part(void *ctx, int part, int parts)
{
	struct histogram *h = ctx;
	uint32_t *bins = h->bins[part], key;
	size_t i, lo, hi, counted = 0;

	render_part_range(h->n, part, parts, &lo, &hi);
	for (i = lo; i < hi; i++) {
		key = abs_key(h->v[i]);
		if (!key_counts(key))
			continue;
		if (!h->low) {
			bins[key >> HIGH_SHIFT]++;
			counted++;
		} else if (key >> HIGH_SHIFT == h->high) {
			bins[key & (LOW_BINS - 1)]++;
		}
	}
	h->counted[part] = counted;
}

/* Fill h->bins[0] with the whole raster's histogram. */
static void histogram_run(struct histogram *h, int parts, uint32_t nbins)
{
	uint32_t b;
	int p;

	for (p = 0; p < parts; p++)
		memset(h->bins[p], 0, nbins * sizeof(uint32_t));
	render_parallel(histogram_part, h, parts);
	for (p = 1; p < parts; p++) {
		for (b = 0; b < nbins; b++)
			h->bins[0][b] += h->bins[p][b];
		h->counted[0] += h->counted[p];
	}
}

int render_heat_percentile(const struct render_heat *heat, double p,
			   float *ret_value)
{
	struct histogram h = {0};
	size_t count, rank;
	uint32_t key, high, low;
	float value = 0;
	int i, parts = 1, rc = 0;
	double r;

	if (!heat || !ret_value || !(p > 0 && p <= 100)) {
		rc = CALOR_EINVAL;
		goto out;
	}
	h.v = heat->v;
	h.n = (size_t)heat->w * (size_t)heat->h;
	parts = render_parts(h.n);
	for (i = 0; i < parts; i++) {
		h.bins[i] = malloc(HIGH_BINS * sizeof(uint32_t));
		if (!h.bins[i]) {
			rc = CALOR_ENOMEM;
			goto out;
		}
	}
	histogram_run(&h, parts, HIGH_BINS);
	count = h.counted[0];
	if (count == 0)
		goto done;
	/* Nearest rank: ceil(p / 100 * count), guarded against the product
	 * landing a hair above an exact integer. */
	r = p / 100 * (double)count;
	rank = (size_t)ceil(r * (1 - 1e-12));
	rank = rank < 1 ? 1 : rank > count ? count : rank;
	high = pick_bucket(h.bins[0], HIGH_BINS, &rank);

	h.low = 1;
	h.high = high;
	histogram_run(&h, parts, LOW_BINS);
	low = pick_bucket(h.bins[0], LOW_BINS, &rank);
	key = high << HIGH_SHIFT | low;
	memcpy(&value, &key, sizeof(value));
done:
	*ret_value = value;
out:
	for (i = 0; i < parts; i++)
		free(h.bins[i]);
	return rc;
}

int render_heat_norm(const struct render_heat *heat, enum render_norm norm,
		     float *ret_norm)
{
	uint32_t key, max = 0;
	size_t i, n;
	float value;

	if (!heat || !ret_norm)
		return CALOR_EINVAL;
	switch (norm) {
	case RENDER_NORM_P99: return render_heat_percentile(heat, 99, ret_norm);
	case RENDER_NORM_MAX:
		n = (size_t)heat->w * (size_t)heat->h;
		for (i = 0; i < n; i++) {
			key = abs_key(heat->v[i]);
			if (key_counts(key) && key > max)
				max = key;
		}
		memcpy(&value, &max, sizeof(value));
		*ret_norm = value;
		return 0;
	}
	return CALOR_EINVAL;
}

int render_norm_parse(const char *name, enum render_norm *ret_norm)
{
	if (!name || !ret_norm)
		return CALOR_EINVAL;
	if (strcmp(name, "p99") == 0)
		*ret_norm = RENDER_NORM_P99;
	else if (strcmp(name, "max") == 0)
		*ret_norm = RENDER_NORM_MAX;
	else
		return CALOR_EINVAL;
	return 0;
}

int render_heat_diff(const struct render_heat *a, int64_t pageviews_a,
		     const struct render_heat *b, int64_t pageviews_b,
		     enum render_norm norm, struct render_heat **ret_diff,
		     float *ret_norm)
{
	struct render_heat *diff = NULL;
	float inv_a, inv_b, value = 0;
	size_t i, n;
	int rc;

	if (!a || !b || !ret_diff || !ret_norm || a->w != b->w ||
	    a->h != b->h || pageviews_a < 1 || pageviews_b < 1 ||
	    (norm != RENDER_NORM_P99 && norm != RENDER_NORM_MAX)) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if ((rc = render_heat_new(a->w, a->h, &diff)))
		goto out;
	/* In float, as products: identical rasters with identical page views
	 * give exact zeros. */
	inv_a = (float)(1.0 / (double)pageviews_a);
	inv_b = (float)(1.0 / (double)pageviews_b);
	n = (size_t)a->w * (size_t)a->h;
	for (i = 0; i < n; i++)
		diff->v[i] = a->v[i] * inv_a - b->v[i] * inv_b;
	if ((rc = render_heat_norm(diff, norm, &value)))
		goto out;
	*ret_diff = diff;
	*ret_norm = value;
	diff = NULL;
out:
	render_heat_free(diff);
	return rc;
}
