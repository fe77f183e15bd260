/* SPDX-License-Identifier: MIT */
/* agg: collection and projection of clicks, cell counting, and the raster
 * of points the renderer turns into a density. */
#include "agg.h"

#include <stdlib.h>
#include <string.h>

void agg_clicks_init(struct agg_clicks *a, size_t max)
{
	memset(a, 0, sizeof(*a));
	a->max = max;
}

void agg_clicks_done(struct agg_clicks *a)
{
	if (!a)
		return;
	free(a->x);
	free(a->y);
	free(a->vw);
	free(a->px);
	memset(a, 0, sizeof(*a));
}

static int grow(int32_t **p, size_t cap)
{
	int32_t *q = realloc(*p, cap * sizeof(**p));
	if (!q)
		return CALOR_ENOMEM;
	*p = q;
	return 0;
}

int agg_clicks_add(struct agg_clicks *a, int32_t x, int32_t y, int32_t vw,
		   int32_t doc_h)
{
	if (a->n >= a->max)
		return CALOR_ETOOBIG;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		if (cap > a->max)
			cap = a->max;
		if (grow(&a->x, cap) || grow(&a->y, cap) || grow(&a->vw, cap))
			return CALOR_ENOMEM;
		a->cap = cap;
	}
	a->x[a->n] = x;
	a->y[a->n] = y;
	a->vw[a->n] = vw > 0 ? vw : 1;
	a->n++;
	if (doc_h > a->max_doc_h)
		a->max_doc_h = doc_h;
	return 0;
}

static int cmp_int32(const void *pa, const void *pb)
{
	int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
	return (a > b) - (a < b);
}

int agg_clicks_mode_width(const struct agg_clicks *a, int def)
{
	int32_t *w, best = def;
	size_t best_n = 0, run = 0;

	if (a->n == 0)
		return def;
	w = malloc(a->n * sizeof(*w));
	if (!w)
		return a->vw[0];
	memcpy(w, a->vw, a->n * sizeof(*w));
	qsort(w, a->n, sizeof(*w), cmp_int32);
	for (size_t i = 0; i < a->n; i++) {
		run = (i > 0 && w[i] == w[i - 1]) ? run + 1 : 1;
		if (run >= best_n) { /* >= : ties go to the wider */
			best_n = run;
			best = w[i];
		}
	}
	free(w);
	return best;
}

int agg_clicks_project(struct agg_clicks *a, int width)
{
	int32_t height = a->max_doc_h;

	free(a->px);
	a->px = NULL;
	if (a->n) {
		a->px = malloc(a->n * sizeof(*a->px));
		if (!a->px)
			return CALOR_ENOMEM;
	}
	for (size_t i = 0; i < a->n; i++) {
		a->px[i] = (float)((double)a->x[i] * width / a->vw[i]);
		if (a->y[i] >= height)
			height = a->y[i] + 1;
	}
	a->width = width;
	a->height = height > 0 ? height : 1;
	return 0;
}

static int cmp_cell(const void *pa, const void *pb)
{
	const struct agg_cell *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	return (a->x > b->x) - (a->x < b->x);
}

static int cmp_key(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return (a > b) - (a < b);
}

int agg_cells(const struct agg_clicks *a, int cell, struct agg_cell **ret_cells,
	      size_t *ret_n)
{
	struct agg_cell *cells = NULL;
	uint64_t *keys = NULL;
	size_t n = 0;
	int rc = 0;

	if (cell < 1)
		return CALOR_EINVAL;
	/* sort cell keys (row << 32 | column): linear memory, any page size */
	if (a->n) {
		keys = malloc(a->n * sizeof(*keys));
		cells = malloc(a->n * sizeof(*cells));
		if (!keys || !cells) {
			rc = CALOR_ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < a->n; i++) {
		int32_t cx = (int32_t)(a->px[i] / cell);
		int32_t cy = a->y[i] / cell;
		if (cx < 0)
			cx = 0;
		keys[i] = ((uint64_t)(uint32_t)cy << 32) | (uint32_t)cx;
	}
	if (a->n)
		qsort(keys, a->n, sizeof(*keys), cmp_key);
	for (size_t i = 0; i < a->n; i++) {
		if (i > 0 && keys[i] == keys[i - 1]) {
			cells[n - 1].count++;
			continue;
		}
		cells[n].x = (int32_t)(keys[i] & 0xffffffffu) * cell;
		cells[n].y = (int32_t)(keys[i] >> 32) * cell;
		cells[n].count = 1;
		n++;
	}
	if (n)
		qsort(cells, n, sizeof(*cells), cmp_cell);
	*ret_cells = cells;
	*ret_n = n;
	cells = NULL;
out:
	free(keys);
	free(cells);
	return rc;
}

int agg_click_raster(const struct agg_clicks *a, int scale,
		     struct render_heat **ret_heat)
{
	struct render_heat *heat;
	int rc;

	if (scale < 1)
		return CALOR_EINVAL;
	rc = render_heat_new((a->width + scale - 1) / scale,
			     (a->height + scale - 1) / scale, &heat);
	if (rc)
		return rc;
	for (size_t i = 0; i < a->n; i++)
		render_heat_add(heat, a->px[i] / scale, (double)a->y[i] / scale,
				1.0f);
	*ret_heat = heat;
	return 0;
}
