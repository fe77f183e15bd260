/* SPDX-License-Identifier: MIT */
/* agg: collection and projection of clicks, cell counting, and the raster
 * of points the renderer turns into a density. */
#include "agg.h"

#include "store.h"

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
	free(a->w);
	free(a->px);
	memset(a, 0, sizeof(*a));
}

static int grow(void **p, size_t cap, size_t size)
{
	void *q = realloc(*p, cap * size);
	if (!q)
		return CALOR_ENOMEM;
	*p = q;
	return 0;
}

int agg_clicks_add_weighted(struct agg_clicks *a, double x, double y,
			    int32_t vw, int32_t doc_h, uint32_t w)
{
	if (a->n >= a->max)
		return CALOR_ETOOBIG;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		if (cap > a->max)
			cap = a->max;
		if (grow((void **)&a->x, cap, sizeof(*a->x)) ||
		    grow((void **)&a->y, cap, sizeof(*a->y)) ||
		    grow((void **)&a->vw, cap, sizeof(*a->vw)) ||
		    grow((void **)&a->w, cap, sizeof(*a->w)))
			return CALOR_ENOMEM;
		a->cap = cap;
	}
	a->x[a->n] = (float)x;
	a->y[a->n] = (float)y;
	a->vw[a->n] = vw > 0 ? vw : 1;
	a->w[a->n] = w;
	a->n++;
	a->total += w;
	if (doc_h > a->max_doc_h)
		a->max_doc_h = doc_h;
	return 0;
}

int agg_clicks_add(struct agg_clicks *a, int32_t x, int32_t y, int32_t vw,
		   int32_t doc_h)
{
	return agg_clicks_add_weighted(a, x, y, vw, doc_h, 1);
}

int agg_clicks_add_cell(struct agg_clicks *a, const struct store_grid_cell *c)
{
	/* x relative to a viewport STORE_GRID_COLS wide: projection to any
	 * width is then the usual x * width / vw */
	if (c->n <= 0)
		return 0;
	return agg_clicks_add_weighted(
	    a, c->cx + 0.5,
	    (double)c->cy * STORE_GRID_ROW_PX + STORE_GRID_ROW_PX / 2.0,
	    STORE_GRID_COLS, 0,
	    c->n > UINT32_MAX ? UINT32_MAX : (uint32_t)c->n);
}

struct width_weight {
	int32_t vw;
	uint32_t w;
};

static int cmp_width(const void *pa, const void *pb)
{
	const struct width_weight *a = pa, *b = pb;
	return (a->vw > b->vw) - (a->vw < b->vw);
}

int agg_clicks_mode_width(const struct agg_clicks *a, int def)
{
	struct width_weight *v;
	int32_t best = def;
	int64_t best_n = 0, run = 0;

	if (a->n == 0)
		return def;
	v = malloc(a->n * sizeof(*v));
	if (!v)
		return a->vw[0];
	for (size_t i = 0; i < a->n; i++) {
		v[i].vw = a->vw[i];
		v[i].w = a->w[i];
	}
	qsort(v, a->n, sizeof(*v), cmp_width);
	for (size_t i = 0; i < a->n; i++) {
		run = (i > 0 && v[i].vw == v[i - 1].vw) ? run + v[i].w : v[i].w;
		if (run >= best_n) { /* >= : ties go to the wider */
			best_n = run;
			best = v[i].vw;
		}
	}
	free(v);
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
			height = (int32_t)a->y[i] + 1;
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

struct cell_key {
	uint64_t key; /* row << 32 | column */
	uint32_t w;
};

static int cmp_key(const void *pa, const void *pb)
{
	uint64_t a = ((const struct cell_key *)pa)->key;
	uint64_t b = ((const struct cell_key *)pb)->key;
	return (a > b) - (a < b);
}

int agg_cells(const struct agg_clicks *a, int cell, struct agg_cell **ret_cells,
	      size_t *ret_n)
{
	struct agg_cell *cells = NULL;
	struct cell_key *keys = NULL;
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
		int32_t cy = (int32_t)(a->y[i] / cell);
		if (cx < 0)
			cx = 0;
		keys[i].key = ((uint64_t)(uint32_t)cy << 32) | (uint32_t)cx;
		keys[i].w = a->w[i];
	}
	if (a->n)
		qsort(keys, a->n, sizeof(*keys), cmp_key);
	for (size_t i = 0; i < a->n; i++) {
		if (i > 0 && keys[i].key == keys[i - 1].key) {
			cells[n - 1].count += keys[i].w;
			continue;
		}
		cells[n].x = (int32_t)(keys[i].key & 0xffffffffu) * cell;
		cells[n].y = (int32_t)(keys[i].key >> 32) * cell;
		cells[n].count = keys[i].w;
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
				(float)a->w[i]);
	*ret_heat = heat;
	return 0;
}

int agg_click_heat(const struct agg_clicks *a, int scale, double radius_css,
		   struct render_heat **ret_heat)
{
	struct render_heat *heat = NULL;
	int rc;

	if ((rc = agg_click_raster(a, scale, &heat)))
		goto out;
	/* the radius is where the kernel fades out: 3 sigma */
	if ((rc = render_heat_blur(heat, radius_css / 3.0 / scale)))
		goto out;
	*ret_heat = heat;
	heat = NULL;
out:
	render_heat_free(heat);
	return rc;
}
