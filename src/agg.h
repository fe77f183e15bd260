/* SPDX-License-Identifier: MIT */
/* agg: turns stored clicks into what views need — points projected to one
 * width, density cells for JSON, and the point raster the renderer blurs.
 * Does no I/O. */
#ifndef CALOR_AGG_H
#define CALOR_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "render.h"

#define AGG_MAX_POINTS (50 * 1000 * 1000)

/* Clicks collected for one heatmap, then projected. */
struct agg_clicks {
	size_t n, cap, max;
	float *x, *y;  /* document px as stored (cell centres for grids) */
	uint32_t *w;   /* weight of each point: 1 for a click, n for a cell */
	int64_t total; /* sum of the weights */
	int32_t *vw;   /* viewport width at the click */
	int32_t max_doc_h;
	/* after agg_clicks_project(): */
	int width, height;
	float *px; /* x projected to width */
};

/* Initialise an empty collection that refuses more than max points. */
void agg_clicks_init(struct agg_clicks *a, size_t max);
/* Free the collection's memory; accepts a zeroed one. */
void agg_clicks_done(struct agg_clicks *a);
/* Add one click. CALOR_ETOOBIG past max, CALOR_ENOMEM. */
int agg_clicks_add(struct agg_clicks *a, int32_t x, int32_t y, int32_t vw,
		   int32_t doc_h);
/* Add a point of weight w (w clicks at one place, e.g. a grid cell's
 * centre). Same errors. */
int agg_clicks_add_weighted(struct agg_clicks *a, double x, double y,
			    int32_t vw, int32_t doc_h, uint32_t w);
/* Add every cell of a store grid as a weighted point at its centre. */
struct store_grid_cell;
int agg_clicks_add_cell(struct agg_clicks *a, const struct store_grid_cell *c);
/* The most common viewport width among the clicks, by weight (ties: the
 * wider);
 * def when there are none. */
int agg_clicks_mode_width(const struct agg_clicks *a, int def);
/* Project x to width (x' = x * width / vw) and fix height = the tallest
 * document seen (at least one px past the lowest click). CALOR_ENOMEM. */
int agg_clicks_project(struct agg_clicks *a, int width);

struct agg_cell {
	int32_t x, y;  /* top-left of the cell, document px */
	int64_t count; /* sum of the weights in the cell */
};

/* Count projected clicks into cell x cell squares; *ret_cells (caller
 * frees with free()) holds the non-empty ones, hottest first (ties: top to
 * bottom, left to right). CALOR_EINVAL for cell < 1, CALOR_ENOMEM. */
int agg_cells(const struct agg_clicks *a, int cell, struct agg_cell **ret_cells,
	      size_t *ret_n);

/* A raster of the projected clicks at 1/scale resolution (each raster px
 * covers scale x scale CSS px), each click adding weight 1, not yet
 * blurred. CALOR_ETOOBIG past the render caps. Caller frees with
 * render_heat_free(). */
int agg_click_raster(const struct agg_clicks *a, int scale,
		     struct render_heat **ret_heat);
/* The density every click heatmap shows, for the API and `calor render`
 * alike: agg_click_raster() at scale, blurred with a Gaussian whose radius
 * (3 sigma) is radius_css CSS px, so sigma = radius_css / 3 / scale raster
 * px. Errors of agg_click_raster() and render_heat_blur(). Caller frees
 * *ret_heat with render_heat_free(). */
int agg_click_heat(const struct agg_clicks *a, int scale, double radius_css,
		   struct render_heat **ret_heat);

/* ---- scroll reach and attention (agg_scroll.c) ---- */

#define AGG_BANDS 100

/* Page views' scroll records added up. */
struct agg_scroll {
	int64_t pageviews;		/* with a known document height */
	int64_t reached[AGG_BANDS + 1]; /* page views reaching depth i % */
	int64_t fold_n;
	double fold_px_sum, fold_pct_sum;
	int64_t reversals;
	int64_t dwell_n; /* page views with attention data */
	uint64_t dwell_ms[AGG_BANDS];
	int32_t *doc_h; /* every document height, for the median */
	size_t n_doc_h, cap_doc_h;
};

struct agg_scroll_result {
	int64_t pageviews;
	double reach[AGG_BANDS + 1]; /* share of page views reaching i % */
	int depth_pct[3];	     /* deepest % reached by 75, 50, 25 % */
	int32_t doc_h;		     /* median document height, px */
	double fold_pct;	     /* mean first viewport bottom, % */
	int32_t fold_px;
	double reversals_per_pageview;
	int64_t dwell_pageviews;
	double dwell_ms[AGG_BANDS];    /* mean ms per page view in each band */
	double dwell_share[AGG_BANDS]; /* share of all attention */
};

void agg_scroll_init(struct agg_scroll *a);
/* Frees the collection's memory; accepts a zeroed one. */
void agg_scroll_done(struct agg_scroll *a);
/* Add one page view: deepest bottom and document height in px (doc_h 0:
 * unknown, the page view is skipped), first fold in px (0: unknown),
 * reversals, and ms per 1 % band (NULL: none). CALOR_ENOMEM. */
int agg_scroll_add(struct agg_scroll *a, int32_t depth, int32_t doc_h,
		   int32_t fold, int32_t reversals, const uint32_t *dwell);
/* The reach curve, the depths reached by 75/50/25 % of page views, the
 * average fold and attention per band. */
void agg_scroll_finish(struct agg_scroll *a, struct agg_scroll_result *ret);

#endif
