/* SPDX-License-Identifier: MIT */
/* api_heatmap: GET /api/v1/heatmap — density maps (click, move, dead,
 * error, rage) read from the pre-aggregated grids, scroll and attention
 * bands, confetti dots and difference maps, as JSON or PNG, with ETags. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "api_int.h"

#define JSON_MAX	    (64 * 1024 * 1024)
#define HEATMAP_MAX_CELLS   20000 /* cells listed in a JSON answer */
#define PNG_MAX_SCALE	    4	  /* CSS px per PNG px, at most */
#define BANDS_SCALE	    2	  /* flat bands need no finer raster */
#define CONFETTI_MAX_VALUES 10000 /* distinct tag values tracked */

/* The width to draw at when neither the request nor the data says: the
 * device class's usual one, or inside the width band. */
static int default_width(const struct store_filter *f)
{
	static const int by_device[] = {1440, 820, 390};

	if (f->device >= 0)
		return by_device[f->device];
	if (f->seg.vw_max)
		return f->seg.vw_max;
	return f->seg.vw_min > 1440 ? f->seg.vw_min : 1440;
}

/* CSS px per PNG px: as coarse as keeps at least 2 px per kernel sigma, so
 * the density stays smooth when drawn stretched, and at most
 * PNG_MAX_SCALE. radius 25 (sigma 8.3) gives 4. */
static int png_scale(double radius)
{
	int scale = (int)(radius / 3.0 / 2.0);
	return scale < 1 ? 1 : scale > PNG_MAX_SCALE ? PNG_MAX_SCALE : scale;
}

/* The tallest height (CSS px) a PNG of this width and scale may have. */
static int max_height(int width, int scale)
{
	int64_t cols = (width + scale - 1) / scale;
	int64_t rows = RENDER_MAX_PIXELS / (cols > 0 ? cols : 1);
	return rows * scale > INT32_MAX ? INT32_MAX : (int)(rows * scale);
}

static void respond_png(struct http_request *req, int width, int height,
			int scale, void *png, size_t len)
{
	char v[32];

	snprintf(v, sizeof(v), "%d", width);
	http_add_header(req, "X-Calor-Width", v);
	snprintf(v, sizeof(v), "%d", height);
	http_add_header(req, "X-Calor-Height", v);
	snprintf(v, sizeof(v), "%d", scale);
	http_add_header(req, "X-Calor-Scale", v);
	http_respond(req, 200, "image/png", png, len, 1);
}

static void respond_failure(struct http_request *req, int rc)
{
	if (rc == CALOR_ETOOBIG)
		http_respond_error(req, 413, "too_large",
				   "the heatmap would exceed the image size "
				   "limit; choose a smaller width");
	else
		http_respond_failure(req, rc);
}

/* ---- density maps from the grids ---- */

static int add_cell(void *ctx, const struct store_grid_cell *c)
{
	return agg_clicks_add_cell(ctx, c);
}

/* Read one grid into a (initialised by the caller) and project it to
 * width, or to the most common viewport width when width is 0. */
static int load_grid(struct api *api, const struct store_filter *f,
		     enum store_grid_kind kind, int width, struct agg_clicks *a)
{
	struct store_grid_width *widths = NULL;
	size_t n = 0;
	int rc;

	if ((rc = store_grid_widths(api->store, f, kind, &widths, &n)) ||
	    (rc = store_grid_scan(api->store, f, kind, add_cell, a)))
		goto out;
	if (!width)
		width = n > 0 ? widths[0].vw : default_width(f);
	for (size_t i = 0; i < n; i++)
		if (widths[i].max_doc_h > a->max_doc_h)
			a->max_doc_h = widths[i].max_doc_h;
	rc = agg_clicks_project(a, width);
out:
	free(widths);
	return rc;
}

static void density_png(struct http_request *req, const struct query_heatmap *q,
			struct agg_clicks *a, const struct store_sample *sample)
{
	int scale = png_scale(q->radius);
	struct render_heat *heat = NULL;
	void *png = NULL;
	size_t len = 0;
	float norm = 0;
	int rc;

	/* a page taller than the image cap is drawn from its top down */
	if (a->height > max_height(a->width, scale))
		a->height = max_height(a->width, scale);
	if ((rc = agg_click_heat(a, scale, q->radius, &heat)) ||
	    (rc = render_heat_norm(heat, q->norm, &norm)) ||
	    (rc = render_heat_png(heat, norm, q->palette, &png, &len))) {
		respond_failure(req, rc);
		goto out;
	}
	api_sample_headers(req, sample);
	respond_png(req, a->width, a->height, scale, png, len);
	png = NULL;
out:
	free(png);
	render_heat_free(heat);
}

static void density_json(struct http_request *req,
			 const struct query_heatmap *q,
			 const struct agg_clicks *a,
			 const struct store_sample *sample)
{
	struct agg_cell *cells = NULL;
	size_t n = 0;
	struct dynbuf b;
	int rc;

	dynbuf_init(&b, JSON_MAX);
	if ((rc = agg_cells(a, q->cell, &cells, &n)))
		goto out;
	rc = dynbuf_addf(&b,
			 "{\"width\": %d, \"height\": %d, \"cell\": %d, "
			 "\"device\": \"%s\", ",
			 a->width, a->height, q->cell,
			 api_device_name(q->w.device));
	if (!rc)
		rc = api_sample_json(&b, sample);
	if (!rc)
		rc = dynbuf_addf(&b, ", \"clicks\": %lld, \"cells\": [",
				 (long long)a->total);
	for (size_t i = 0; !rc && i < n && i < HEATMAP_MAX_CELLS; i++)
		rc = dynbuf_addf(&b, "%s[%d, %d, %lld]", i ? ", " : "",
				 cells[i].x, cells[i].y,
				 (long long)cells[i].count);
	if (!rc)
		rc = dynbuf_adds(&b, "]}");
out:
	free(cells);
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_respond_json(req, 200, &b);
}

static void heatmap_density(struct http_request *req, struct api *api,
			    const struct query_heatmap *q,
			    const struct store_filter *f)
{
	struct store_sample sample;
	struct agg_clicks a;
	int rc;

	agg_clicks_init(&a, AGG_MAX_POINTS);
	if ((rc = store_sample(api->store, f, &sample)) ||
	    (rc = load_grid(api, f, (enum store_grid_kind)q->type, q->width,
			    &a))) {
		http_respond_failure(req, rc);
		goto out;
	}
	if (q->format == QUERY_PNG)
		density_png(req, q, &a, &sample);
	else
		density_json(req, q, &a, &sample);
out:
	agg_clicks_done(&a);
}

/* ---- scroll reach and attention bands ---- */

static void heatmap_bands(struct http_request *req, struct api *api,
			  const struct query_heatmap *q,
			  const struct store_filter *f)
{
	struct store_sample sample;
	struct agg_scroll_result *r = malloc(sizeof(*r));
	struct render_band_lines lines = {-1, {-1, -1, -1}};
	float values[RENDER_BANDS];
	uint8_t *rgba = NULL;
	void *png = NULL;
	size_t len = 0;
	struct dynbuf b;
	int width = q->width ? q->width : default_width(f);
	int height, scale = BANDS_SCALE, rc;

	dynbuf_init(&b, JSON_MAX);
	if (!r) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if ((rc = store_sample(api->store, f, &sample)) ||
	    (rc = api_scroll_compute(api, f, r)))
		goto out;
	height = r->doc_h > 0 ? r->doc_h : 1;
	if (height > max_height(width, scale))
		height = max_height(width, scale);
	if (q->format == QUERY_JSON) {
		rc = api_scroll_json(&b, f->device, &sample, r, width, height);
		if (!rc) {
			http_respond_json(req, 200, &b);
			goto out;
		}
		goto out;
	}
	for (int i = 0; i < RENDER_BANDS; i++)
		values[i] = (float)(q->type == QUERY_SCROLL ? r->reach[i]
							    : r->dwell_ms[i]);
	if (r->pageviews) {
		lines.fold_y = r->fold_pct * height / 100.0;
		if (q->type == QUERY_SCROLL)
			for (int k = 0; k < 3; k++)
				lines.reach_y[k] =
				    r->depth_pct[k] * height / 100.0;
	}
	if ((rc = render_bands_rgba(
		 values, q->type == QUERY_SCROLL ? 1 : 0, q->palette, &lines,
		 (width + scale - 1) / scale, (height + scale - 1) / scale,
		 scale, &rgba)) ||
	    (rc = render_png_encode(rgba, (width + scale - 1) / scale,
				    (height + scale - 1) / scale, &png, &len)))
		goto out;
	api_sample_headers(req, &sample);
	respond_png(req, width, height, scale, png, len);
	png = NULL;
out:
	if (rc) {
		dynbuf_done(&b);
		respond_failure(req, rc);
	}
	free(png);
	free(rgba);
	free(r);
}

/* ---- confetti ---- */

struct confetti {
	const struct query_heatmap *q;
	int width;
	int32_t height;
	struct render_point *points;
	size_t n, cap;
	/* QUERY_BY_TAG: distinct values seen, their counts; a point's
	 * category holds the value's index until remap() */
	char **values;
	int64_t *value_counts;
	size_t n_values;
	int64_t counts[RENDER_CONFETTI_CATEGORIES];
	const char *names[RENDER_CONFETTI_CATEGORIES];
};

static uint32_t tag_index(struct confetti *c, const char *value)
{
	if (!value)
		return UINT32_MAX; /* no such tag: "other" */
	for (size_t i = 0; i < c->n_values; i++)
		if (strcmp(c->values[i], value) == 0) {
			c->value_counts[i]++;
			return (uint32_t)i;
		}
	if (c->n_values == CONFETTI_MAX_VALUES)
		return UINT32_MAX;
	c->values[c->n_values] = strdup(value);
	if (!c->values[c->n_values])
		return UINT32_MAX;
	c->value_counts[c->n_values] = 1;
	return (uint32_t)c->n_values++;
}

static int add_dot(void *ctx, const struct store_click_attrs *a)
{
	struct confetti *c = ctx;
	struct render_point *p;
	uint32_t cat = 7;

	switch (c->q->by) {
	case QUERY_BY_NEW: cat = a->is_new ? 0 : 1; break;
	case QUERY_BY_SOURCE:
		cat = ingest_source_class(a->referrer, a->utm_source,
					  a->utm_medium);
		break;
	case QUERY_BY_BROWSER:
		cat = a->browser >= 1 && a->browser <= 6
			  ? (uint32_t)a->browser - 1
			  : 7;
		break;
	case QUERY_BY_OS:
		cat = a->os >= 1 && a->os <= 6 ? (uint32_t)a->os - 1 : 7;
		break;
	case QUERY_BY_TAG: cat = tag_index(c, a->tag); break;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 4096;
		void *np = realloc(c->points, cap * sizeof(*c->points));
		if (!np)
			return CALOR_ENOMEM;
		c->points = np;
		c->cap = cap;
	}
	p = &c->points[c->n++];
	p->x = (float)((double)a->x * c->width / (a->vw > 0 ? a->vw : 1));
	p->y = (float)a->y;
	p->category = cat;
	if (a->y >= c->height)
		c->height = a->y + 1;
	return 0;
}

/* A tag value and how many clicks carry it. */
struct tag_count {
	int64_t n;
	const char *value;
	size_t i;
};

/* Most clicks first; equal counts by value, so the order does not depend
 * on the order the store returned the clicks in (it has none). */
static int cmp_tag_count(const void *pa, const void *pb)
{
	const struct tag_count *a = pa, *b = pb;
	if (a->n != b->n)
		return (a->n < b->n) - (a->n > b->n);
	return strcmp(a->value, b->value);
}

/* Dots top to bottom, left to right, then by category: the JSON's order
 * and which dot a PNG draws over another are then the same whatever order
 * the store returned the clicks in (SQLite: as stored; ClickHouse: as its
 * threads finish). */
static int cmp_point(const void *pa, const void *pb)
{
	const struct render_point *a = pa, *b = pb;
	if (a->y != b->y)
		return (a->y > b->y) - (a->y < b->y);
	if (a->x != b->x)
		return (a->x > b->x) - (a->x < b->x);
	return (a->category > b->category) - (a->category < b->category);
}

/* Name the categories, and for tags give the 7 most frequent values
 * categories 0..6 and the rest 7 ("other"). */
static int name_categories(struct confetti *c)
{
	static const char *const names_new[] = {"new", "returning"};

	for (int i = 0; i < RENDER_CONFETTI_CATEGORIES; i++)
		c->names[i] = "other";
	switch (c->q->by) {
	case QUERY_BY_NEW:
		c->names[0] = names_new[0];
		c->names[1] = names_new[1];
		break;
	case QUERY_BY_SOURCE:
		for (int i = 0; i < 5; i++)
			c->names[i] = ingest_source_name((enum source_class)i);
		break;
	case QUERY_BY_BROWSER:
		for (int i = 0; i < 6; i++)
			c->names[i] =
			    ingest_browser_name((enum browser_family)(i + 1));
		break;
	case QUERY_BY_OS:
		for (int i = 0; i < 6; i++)
			c->names[i] = ingest_os_name((enum os_family)(i + 1));
		break;
	case QUERY_BY_TAG: {
		struct tag_count *order;
		uint32_t *remap;
		size_t top = c->n_values < 7 ? c->n_values : 7;

		order = malloc((c->n_values + 1) * sizeof(*order));
		remap = malloc((c->n_values + 1) * sizeof(*remap));
		if (!order || !remap) {
			free(order);
			free(remap);
			return CALOR_ENOMEM;
		}
		for (size_t i = 0; i < c->n_values; i++) {
			order[i] = (struct tag_count){c->value_counts[i],
						      c->values[i], i};
			remap[i] = 7;
		}
		qsort(order, c->n_values, sizeof(*order), cmp_tag_count);
		for (size_t k = 0; k < top; k++) {
			size_t i = order[k].i;
			remap[i] = (uint32_t)k;
			c->names[k] = c->values[i];
		}
		for (size_t i = 0; i < c->n; i++) {
			uint32_t v = c->points[i].category;
			c->points[i].category = v < c->n_values ? remap[v] : 7;
		}
		free(order);
		free(remap);
		break;
	}
	}
	for (size_t i = 0; i < c->n; i++)
		c->counts[c->points[i].category < 8 ? c->points[i].category
						    : 7]++;
	if (c->n > 1)
		qsort(c->points, c->n, sizeof(*c->points), cmp_point);
	return 0;
}

static int confetti_json(struct dynbuf *b, const struct confetti *c,
			 const struct store_sample *sample, size_t *index,
			 size_t n_index, int sampled, int64_t total)
{
	int rc = dynbuf_addf(b,
			     "{\"width\": %d, \"height\": %d, \"by\": \"%s\", "
			     "\"clicks\": %lld, \"sampled\": %s, ",
			     c->width, c->height,
			     c->q->by == QUERY_BY_NEW	    ? "new"
			     : c->q->by == QUERY_BY_SOURCE  ? "source"
			     : c->q->by == QUERY_BY_BROWSER ? "browser"
			     : c->q->by == QUERY_BY_OS	    ? "os"
							    : "tag",
			     (long long)total, sampled ? "true" : "false");
	int first = 1;

	if (!rc)
		rc = api_sample_json(b, sample);
	if (!rc)
		rc = dynbuf_adds(b, ", \"categories\": [");

	for (int i = 0; !rc && i < RENDER_CONFETTI_CATEGORIES; i++) {
		uint8_t rgb[3];
		if (!c->counts[i])
			continue;
		render_confetti_colour((uint32_t)i, rgb);
		rc = dynbuf_addf(b, "%s{\"name\": \"", first ? "" : ", ");
		if (!rc)
			rc = dynbuf_add_json_string(b, c->names[i]);
		if (!rc)
			rc = dynbuf_addf(b,
					 "\", \"category\": %d, \"colour\": "
					 "\"#%02x%02x%02x\", \"count\": %lld}",
					 i, rgb[0], rgb[1], rgb[2],
					 (long long)c->counts[i]);
		first = 0;
	}
	if (!rc)
		rc = dynbuf_adds(b, "], \"points\": [");
	for (size_t k = 0; !rc && k < n_index; k++) {
		const struct render_point *p = &c->points[index[k]];
		rc = dynbuf_addf(b, "%s[%d, %d, %u]", k ? ", " : "",
				 (int)lroundf(p->x), (int)lroundf(p->y),
				 p->category < 8 ? p->category : 7);
	}
	return rc ? rc : dynbuf_adds(b, "]}");
}

static void heatmap_confetti(struct http_request *req, struct api *api,
			     const struct query_heatmap *q,
			     const struct store_filter *f)
{
	struct confetti c = {.q = q};
	struct store_sample sample;
	struct store_grid_width *widths = NULL;
	size_t n_widths = 0, *index = NULL, n_index = 0;
	int64_t total = 0, stride;
	uint8_t *rgba = NULL;
	void *png = NULL;
	size_t len = 0;
	struct dynbuf b;
	int scale = 2, rc;

	dynbuf_init(&b, JSON_MAX);
	c.values = calloc(CONFETTI_MAX_VALUES, sizeof(*c.values));
	c.value_counts = calloc(CONFETTI_MAX_VALUES, sizeof(*c.value_counts));
	if (!c.values || !c.value_counts) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if ((rc = store_sample(api->store, f, &sample)) ||
	    (rc = store_grid_widths(api->store, f, STORE_GRID_CLICK, &widths,
				    &n_widths)))
		goto out;
	for (size_t i = 0; i < n_widths; i++) {
		total += widths[i].n;
		if (widths[i].max_doc_h > c.height)
			c.height = widths[i].max_doc_h;
	}
	c.width = q->width	 ? q->width
		  : n_widths > 0 ? widths[0].vw
				 : default_width(f);
	/* read about RENDER_CONFETTI_MAX_POINTS stored clicks, not all */
	stride = total / RENDER_CONFETTI_MAX_POINTS + 1;
	if ((rc = store_clicks_attrs_scan(
		 api->store, f, q->by == QUERY_BY_TAG ? q->by_tag : NULL,
		 stride, add_dot, &c)) ||
	    (rc = name_categories(&c)) ||
	    (rc = render_confetti_sample(c.n, 0, &index, &n_index)))
		goto out;
	if (c.height < 1)
		c.height = 1;
	if (c.height > max_height(c.width, scale))
		c.height = max_height(c.width, scale);
	if (q->format == QUERY_JSON) {
		if ((rc = confetti_json(&b, &c, &sample, index, n_index,
					stride > 1 || n_index < c.n, total)))
			goto out;
		http_respond_json(req, 200, &b);
		goto out;
	}
	if ((rc = render_confetti_rgba(c.points, c.n, 0,
				       (c.width + scale - 1) / scale,
				       (c.height + scale - 1) / scale, scale,
				       q->radius / 5.0, &rgba)) ||
	    (rc =
		 render_png_encode(rgba, (c.width + scale - 1) / scale,
				   (c.height + scale - 1) / scale, &png, &len)))
		goto out;
	api_sample_headers(req, &sample);
	respond_png(req, c.width, c.height, scale, png, len);
	png = NULL;
out:
	if (rc) {
		dynbuf_done(&b);
		respond_failure(req, rc);
	}
	for (size_t i = 0; i < c.n_values; i++)
		free(c.values[i]);
	free(c.values);
	free(c.value_counts);
	free(c.points);
	free(index);
	free(widths);
	free(png);
	free(rgba);
}

/* ---- difference maps ---- */

struct diff_cell {
	int32_t x, y;
	double v;
};

static int cmp_diff(const void *pa, const void *pb)
{
	const struct diff_cell *a = pa, *b = pb;
	double x = fabs(a->v), y = fabs(b->v);
	if (x != y)
		return x < y ? 1 : -1;
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	return (a->x > b->x) - (a->x < b->x);
}

static int cmp_pos(const void *pa, const void *pb)
{
	const struct diff_cell *a = pa, *b = pb;
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	return (a->x > b->x) - (a->x < b->x);
}

static int diff_json(struct dynbuf *b, const struct query_heatmap *q,
		     const struct agg_clicks *a, const struct agg_clicks *bb,
		     const struct store_sample *sa,
		     const struct store_sample *sb)
{
	struct agg_cell *ca = NULL, *cb = NULL;
	struct diff_cell *d = NULL;
	size_t na = 0, nb = 0, n = 0;
	int rc;

	if ((rc = agg_cells(a, q->cell, &ca, &na)) ||
	    (rc = agg_cells(bb, q->cell, &cb, &nb)))
		goto out;
	d = malloc((na + nb + 1) * sizeof(*d));
	if (!d) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	/* the first set's cells by position, the second's looked up there */
	for (size_t i = 0; i < na; i++)
		d[n++] = (struct diff_cell){ca[i].x, ca[i].y,
					    (double)ca[i].count /
						(double)sa->pageviews};
	qsort(d, na, sizeof(*d), cmp_pos);
	for (size_t i = 0; i < nb; i++) {
		struct diff_cell key = {cb[i].x, cb[i].y, 0}, *hit;
		double v = (double)cb[i].count / (double)sb->pageviews;
		hit = na ? bsearch(&key, d, na, sizeof(*d), cmp_pos) : NULL;
		if (hit)
			hit->v -= v;
		else
			d[n++] = (struct diff_cell){cb[i].x, cb[i].y, -v};
	}
	qsort(d, n, sizeof(*d), cmp_diff);
	rc = dynbuf_addf(b,
			 "{\"width\": %d, \"height\": %d, \"cell\": %d, "
			 "\"a\": {",
			 a->width, a->height, q->cell);
	if (!rc)
		rc = api_sample_json(b, sa);
	if (!rc)
		rc = dynbuf_addf(b, ", \"clicks\": %lld}, \"b\": {",
				 (long long)a->total);
	if (!rc)
		rc = api_sample_json(b, sb);
	if (!rc)
		rc = dynbuf_addf(b, ", \"clicks\": %lld}, \"cells\": [",
				 (long long)bb->total);
	for (size_t i = 0; !rc && i < n && i < HEATMAP_MAX_CELLS; i++)
		rc = dynbuf_addf(b, "%s[%d, %d, %.6f]", i ? ", " : "", d[i].x,
				 d[i].y, d[i].v);
	if (!rc)
		rc = dynbuf_adds(b, "]}");
out:
	free(ca);
	free(cb);
	free(d);
	return rc;
}

static void heatmap_diff(struct http_request *req, struct api *api,
			 const struct query_heatmap *q,
			 const struct store_filter *fa)
{
	struct store_filter fb = *fa;
	struct store_sample sa, sb;
	struct agg_clicks a, b;
	struct render_heat *ha = NULL, *hb = NULL, *diff = NULL;
	int scale = png_scale(q->radius), height, rc;
	void *png = NULL;
	size_t len = 0;
	float norm = 0;
	struct dynbuf out;

	fb.device = q->vs.device;
	fb.from_ms = q->vs.from_ms;
	fb.to_ms = q->vs.to_ms;
	fb.seg = q->vs.seg;
	agg_clicks_init(&a, AGG_MAX_POINTS);
	agg_clicks_init(&b, AGG_MAX_POINTS);
	dynbuf_init(&out, JSON_MAX);
	if ((rc = store_sample(api->store, fa, &sa)) ||
	    (rc = store_sample(api->store, &fb, &sb)) ||
	    (rc = load_grid(api, fa, STORE_GRID_CLICK, q->width, &a)) ||
	    (rc = load_grid(api, &fb, STORE_GRID_CLICK, a.width, &b)))
		goto out;
	if (sa.pageviews < 1 || sb.pageviews < 1) {
		http_respond_error(req, 400, "bad_param",
				   sa.pageviews < 1
				       ? "from: the first set has no page "
					 "views"
				       : "vs.from: the second set has no "
					 "page views");
		goto out;
	}
	/* one canvas for both sets: the first set's page, which the map is
	 * drawn over (the second set's events below it are not shown) */
	height = a.height;
	if (height > max_height(a.width, scale))
		height = max_height(a.width, scale);
	a.height = b.height = height;
	if (q->format == QUERY_JSON) {
		if ((rc = diff_json(&out, q, &a, &b, &sa, &sb)))
			goto out;
		http_respond_json(req, 200, &out);
		goto out;
	}
	if ((rc = agg_click_heat(&a, scale, q->radius, &ha)) ||
	    (rc = agg_click_heat(&b, scale, q->radius, &hb)) ||
	    (rc = render_heat_diff(ha, sa.pageviews, hb, sb.pageviews, q->norm,
				   &diff, &norm)) ||
	    (rc = render_diff_png(diff, norm, &png, &len)))
		goto out;
	api_sample_headers(req, sa.sessions < sb.sessions ? &sa : &sb);
	respond_png(req, a.width, height, scale, png, len);
	png = NULL;
out:
	if (rc) {
		dynbuf_done(&out);
		respond_failure(req, rc);
	}
	free(png);
	render_heat_free(ha);
	render_heat_free(hb);
	render_heat_free(diff);
	agg_clicks_done(&a);
	agg_clicks_done(&b);
}

/* ---- the endpoint ---- */

/* The answer's ETag: the store's data version and the question (every
 * argument, in order). Sets the ETag header; answers 304 and returns 1 when
 * the client already holds this answer. */
static int not_modified(struct http_request *req, struct api *api,
			const struct query_arg *args, size_t n_args)
{
	uint64_t h = store_data_version(api->store);
	const char *have;
	char etag[48];

	for (size_t i = 0; i < n_args; i++) {
		h = h * 0x100000001b3ULL ^ ingest_hash(args[i].name);
		h = h * 0x100000001b3ULL ^ ingest_hash(args[i].value);
	}
	snprintf(etag, sizeof(etag), "\"%016llx\"", (unsigned long long)h);
	http_add_header(req, "ETag", etag);
	/* revalidate every time: cheap, and never stale */
	http_add_header(req, "Cache-Control", "no-cache");
	have = http_request_header(req, "If-None-Match");
	if (have && strstr(have, etag)) {
		http_respond(req, 304, NULL, "", 0, 0);
		return 1;
	}
	return 0;
}

void api_get_heatmap(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct query_heatmap q;
	struct query_error qerr;
	struct store_filter f;
	const struct query_arg *args;
	size_t n_args;

	args = http_request_args(req, &n_args);
	if (query_parse_heatmap(args, n_args, &q, &qerr)) {
		api_bad_param(req, &qerr);
		return;
	}
	if (api_resolve(req, api, &q.w, &f))
		return;
	if (not_modified(req, api, args, n_args))
		return;
	switch (q.type) {
	case QUERY_SCROLL:
	case QUERY_ATTENTION: heatmap_bands(req, api, &q, &f); break;
	case QUERY_CONFETTI: heatmap_confetti(req, api, &q, &f); break;
	case QUERY_DIFF: heatmap_diff(req, api, &q, &f); break;
	default: heatmap_density(req, api, &q, &f); break;
	}
}
