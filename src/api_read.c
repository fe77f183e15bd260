/* SPDX-License-Identifier: MIT */
/* api_read: the read API — sites, pages and heatmaps (JSON cells or a PNG
 * density) — over query, store, agg and render. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "api_int.h"

#define JSON_MAX	  (64 * 1024 * 1024)
#define HEATMAP_MAX_CELLS 20000 /* cells listed in a JSON answer */
#define PNG_MAX_SCALE	  4	/* CSS px per PNG px, at most */

static const int device_default_width[] = {1440, 820, 390};

static void bad_param(struct http_request *req, const struct query_error *err)
{
	http_respond_error(req, 400, "bad_param", err->detail);
}

static int find_site(struct http_request *req, struct api *api, const char *key,
		     struct store_site *ret_site)
{
	int rc = api_site_find(api, key, ret_site);
	if (rc == CALOR_ENOTFOUND)
		http_respond_error(req, 404, "unknown_site",
				   "site: no site has this key");
	else if (rc)
		http_respond_failure(req, rc);
	return rc;
}

/* The store filter for w, with its site looked up. Answers 404 (or a store
 * failure) and returns non-zero when the site cannot be found. */
static int resolve(struct http_request *req, struct api *api,
		   const struct query_where *w, struct store_filter *f)
{
	struct store_site site;
	int rc = find_site(req, api, w->site_key, &site);

	if (rc)
		return rc;
	memset(f, 0, sizeof(*f));
	f->site_id = site.id;
	f->page = w->page;
	f->device = w->device;
	f->from_ms = w->from_ms;
	f->to_ms = w->to_ms;
	return 0;
}

void api_get_sites(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct dynbuf b;
	int rc;

	if ((rc = api_sites_reload(api))) {
		http_respond_failure(req, rc);
		return;
	}
	dynbuf_init(&b, JSON_MAX);
	pthread_rwlock_rdlock(&api->sites_lock);
	rc = dynbuf_adds(&b, "{\"sites\": [");
	for (size_t i = 0; !rc && i < api->n_sites; i++) {
		const struct store_site *s = &api->sites[i];
		rc = dynbuf_addf(&b, "%s{\"key\": \"", i ? ", " : "");
		if (!rc)
			rc = dynbuf_add_json_string(&b, s->key);
		if (!rc)
			rc = dynbuf_adds(&b, "\", \"name\": \"");
		if (!rc)
			rc = dynbuf_add_json_string(&b, s->name);
		if (!rc)
			rc = dynbuf_adds(&b, "\", \"origins\": [");
		for (size_t k = 0; !rc && k < s->n_origins; k++) {
			rc = dynbuf_adds(&b, k ? ", \"" : "\"");
			if (!rc)
				rc = dynbuf_add_json_string(&b, s->origins[k]);
			if (!rc)
				rc = dynbuf_adds(&b, "\"");
		}
		if (!rc)
			rc = dynbuf_adds(&b, "]}");
	}
	pthread_rwlock_unlock(&api->sites_lock);
	if (!rc)
		rc = dynbuf_adds(&b, "]}");
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_respond_json(req, 200, &b);
}

struct pages_ctx {
	struct dynbuf *b;
	size_t n;
};

static int page_row(void *ctx, const struct store_page *p)
{
	struct pages_ctx *pc = ctx;
	int rc =
	    dynbuf_adds(pc->b, pc->n++ ? ", {\"path\": \"" : "{\"path\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(pc->b, p->path);
	if (!rc)
		rc = dynbuf_addf(pc->b,
				 "\", \"pageviews\": %lld, \"sessions\": %lld, "
				 "\"clicks\": %lld}",
				 (long long)p->pageviews,
				 (long long)p->sessions, (long long)p->clicks);
	return rc;
}

void api_get_pages(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct query_pages q;
	struct query_error qerr;
	struct store_sample sample;
	struct store_filter f;
	struct pages_ctx pc;
	const struct query_arg *args;
	struct dynbuf b;
	size_t n_args;
	int rc;

	args = http_request_args(req, &n_args);
	if (query_parse_pages(args, n_args, &q, &qerr)) {
		bad_param(req, &qerr);
		return;
	}
	if (resolve(req, api, &q.w, &f))
		return;
	if ((rc = store_sample(api->store, &f, &sample))) {
		http_respond_failure(req, rc);
		return;
	}
	dynbuf_init(&b, JSON_MAX);
	pc.b = &b;
	pc.n = 0;
	rc = dynbuf_adds(&b, "{\"site\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(&b, q.w.site_key);
	if (!rc)
		rc = dynbuf_addf(&b,
				 "\", \"pageviews\": %lld, \"sessions\": %lld, "
				 "\"clicks\": %lld, \"pages\": [",
				 (long long)sample.pageviews,
				 (long long)sample.sessions,
				 (long long)sample.clicks);
	if (!rc)
		rc = store_pages_list(api->store, &f, page_row, &pc);
	if (!rc)
		rc = dynbuf_adds(&b, "]}");
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_respond_json(req, 200, &b);
}

static int add_cell(void *ctx, const struct store_grid_cell *c)
{
	return agg_clicks_add_cell(ctx, c);
}

/* CSS px per PNG px: as coarse as keeps at least 2 px per kernel sigma, so
 * the density stays smooth when drawn stretched, and at most
 * PNG_MAX_SCALE. radius 25 (sigma 8.3) gives 4. */
static int png_scale(double radius)
{
	int scale = (int)(radius / 3.0 / 2.0);
	return scale < 1 ? 1 : scale > PNG_MAX_SCALE ? PNG_MAX_SCALE : scale;
}

static void heatmap_png(struct http_request *req, const struct query_heatmap *q,
			struct agg_clicks *a)
{
	int scale = png_scale(q->radius);
	int64_t cols = (a->width + scale - 1) / scale;
	int64_t max_rows = RENDER_MAX_PIXELS / (cols > 0 ? cols : 1);
	struct render_heat *heat = NULL;
	uint8_t *rgba = NULL;
	void *png = NULL;
	size_t png_len = 0;
	char v[32];
	int rc;

	/* a page taller than the image cap is drawn from its top down */
	if ((int64_t)a->height > max_rows * scale)
		a->height = (int)(max_rows * scale);
	if ((rc = agg_click_heat(a, scale, q->radius, &heat)))
		goto out;
	if ((rc = render_heat_rgba(heat, render_heat_max(heat), q->palette,
				   &rgba)))
		goto out;
	if ((rc = render_png_encode(rgba, heat->w, heat->h, &png, &png_len)))
		goto out;
	snprintf(v, sizeof(v), "%d", a->width);
	http_add_header(req, "X-Calor-Width", v);
	snprintf(v, sizeof(v), "%d", a->height);
	http_add_header(req, "X-Calor-Height", v);
	snprintf(v, sizeof(v), "%d", scale);
	http_add_header(req, "X-Calor-Scale", v);
	http_respond(req, 200, "image/png", png, png_len, 1);
	png = NULL;
out:
	if (rc == CALOR_ETOOBIG)
		http_respond_error(req, 413, "too_large",
				   "the heatmap would exceed the image size "
				   "limit; choose a smaller width");
	else if (rc)
		http_respond_failure(req, rc);
	free(png);
	free(rgba);
	render_heat_free(heat);
}

static void heatmap_json(struct http_request *req,
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
			 "\"device\": \"%s\", \"pageviews\": %lld, "
			 "\"sessions\": %lld, \"clicks\": %zu, \"cells\": [",
			 a->width, a->height, q->cell,
			 ingest_device_name((enum device_class)q->w.device),
			 (long long)sample->pageviews,
			 (long long)sample->sessions, (size_t)a->total);
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
	struct store_sample sample;
	struct store_filter f;
	struct store_grid_width *widths = NULL;
	struct agg_clicks a;
	const struct query_arg *args;
	size_t n_args, n_widths = 0;
	int rc, width;

	args = http_request_args(req, &n_args);
	if (query_parse_heatmap(args, n_args, &q, &qerr)) {
		bad_param(req, &qerr);
		return;
	}
	if (resolve(req, api, &q.w, &f))
		return;
	if (not_modified(req, api, args, n_args))
		return;
	agg_clicks_init(&a, AGG_MAX_POINTS);
	/* the pre-aggregated grid: cells, not every event */
	if ((rc = store_sample(api->store, &f, &sample)) ||
	    (rc =
		 store_grid_widths(api->store, &f, (enum store_grid_kind)q.type,
				   &widths, &n_widths)) ||
	    (rc = store_grid_scan(api->store, &f, (enum store_grid_kind)q.type,
				  add_cell, &a)))
		goto out;
	width = q.width	       ? q.width
		: n_widths > 0 ? widths[0].vw
			       : device_default_width[q.w.device];
	for (size_t i = 0; i < n_widths; i++)
		if (widths[i].max_doc_h > a.max_doc_h)
			a.max_doc_h = widths[i].max_doc_h;
	if ((rc = agg_clicks_project(&a, width)))
		goto out;
	if (q.format == QUERY_PNG)
		heatmap_png(req, &q, &a);
	else
		heatmap_json(req, &q, &a, &sample);
out:
	if (rc)
		http_respond_failure(req, rc);
	free(widths);
	agg_clicks_done(&a);
}

static int add_scroll(void *ctx, const struct store_scroll *sc)
{
	return agg_scroll_add(ctx, sc->depth, sc->doc_h, sc->fold,
			      sc->reversals, sc->has_dwell ? sc->dwell : NULL);
}

/* Append , "name": [v0, v1, ...] with the given decimals per value. */
static int json_doubles(struct dynbuf *b, const char *name, const double *v,
			size_t n, int decimals)
{
	int rc = dynbuf_addf(b, ", \"%s\": [", name);
	for (size_t i = 0; !rc && i < n; i++) {
		if (i)
			rc = dynbuf_adds(b, ", ");
		if (!rc)
			rc = dynbuf_addf(b, "%.*f", decimals, v[i]);
	}
	return rc ? rc : dynbuf_adds(b, "]");
}

void api_get_scroll(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct query_scroll q;
	struct query_error qerr;
	struct store_sample sample;
	struct store_filter f;
	struct agg_scroll a;
	struct agg_scroll_result *r = NULL;
	const struct query_arg *args;
	struct dynbuf b;
	size_t n_args;
	int rc;

	args = http_request_args(req, &n_args);
	if (query_parse_scroll(args, n_args, &q, &qerr)) {
		bad_param(req, &qerr);
		return;
	}
	if (resolve(req, api, &q.w, &f))
		return;
	agg_scroll_init(&a);
	dynbuf_init(&b, JSON_MAX);
	r = malloc(sizeof(*r));
	if (!r) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if ((rc = store_sample(api->store, &f, &sample)) ||
	    (rc = store_scroll_scan(api->store, &f, add_scroll, &a)))
		goto out;
	agg_scroll_finish(&a, r);
	rc = dynbuf_addf(
	    &b,
	    "{\"device\": \"%s\", \"pageviews\": %lld, \"sessions\": %lld,"
	    " \"scroll_pageviews\": %lld, \"doc_height\": %d,"
	    " \"average_fold\": {\"px\": %d, \"percent\": %.2f},"
	    " \"reached_by\": {\"75\": %d, \"50\": %d, \"25\": %d},"
	    " \"reversals_per_pageview\": %.3f,"
	    " \"attention_pageviews\": %lld",
	    ingest_device_name((enum device_class)q.w.device),
	    (long long)sample.pageviews, (long long)sample.sessions,
	    (long long)r->pageviews, r->doc_h, r->fold_px, r->fold_pct,
	    r->depth_pct[0], r->depth_pct[1], r->depth_pct[2],
	    r->reversals_per_pageview, (long long)r->dwell_pageviews);
	if (!rc)
		rc = json_doubles(&b, "reach", r->reach, AGG_BANDS + 1, 4);
	if (!rc)
		rc =
		    json_doubles(&b, "attention_ms", r->dwell_ms, AGG_BANDS, 1);
	if (!rc)
		rc = json_doubles(&b, "attention_share", r->dwell_share,
				  AGG_BANDS, 5);
	if (!rc)
		rc = dynbuf_adds(&b, "}");
out:
	free(r);
	agg_scroll_done(&a);
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_respond_json(req, 200, &b);
}
