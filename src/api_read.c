/* SPDX-License-Identifier: MIT */
/* api_read: the read API's sites, pages and scroll answers, and the helpers
 * every read shares (parameter errors, site lookup, filters). Heatmaps are
 * in api_heatmap.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "api_int.h"

#define JSON_MAX (64 * 1024 * 1024)

#define WARNING "fewer than 1,000 sessions: patterns are not yet reliable"

int api_sample_json(struct dynbuf *b, const struct store_sample *sample)
{
	int rc = dynbuf_addf(b, "\"pageviews\": %lld, \"sessions\": %lld",
			     (long long)sample->pageviews,
			     (long long)sample->sessions);
	if (!rc && sample->sessions < API_RELIABLE_SESSIONS)
		rc = dynbuf_adds(b, ", \"warning\": \"" WARNING "\"");
	return rc;
}

void api_sample_headers(struct http_request *req,
			const struct store_sample *sample)
{
	char v[32];

	snprintf(v, sizeof(v), "%lld", (long long)sample->pageviews);
	http_add_header(req, "X-Calor-Pageviews", v);
	snprintf(v, sizeof(v), "%lld", (long long)sample->sessions);
	http_add_header(req, "X-Calor-Sessions", v);
	if (sample->sessions < API_RELIABLE_SESSIONS)
		http_add_header(req, "X-Calor-Warning", WARNING);
}

const char *api_device_name(int device)
{
	return device < 0 ? "all"
			  : ingest_device_name((enum device_class)device);
}

void api_bad_param(struct http_request *req, const struct query_error *err)
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

int api_resolve(struct http_request *req, struct api *api,
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
	f->seg = w->seg;
	return 0;
}

/* ---- the pages table ---- */

/* One page as read, with what the answer derives from it. */
struct page_row {
	struct store_page p;
	char *path;
	double rate;	    /* converted / sessions */
	double frustration; /* rage + dead + error clicks per session */
	double gap;	    /* the site's conversion rate minus the page's,
			     * at least 0; 0 without a goal */
	double priority;    /* sessions × (frustration + gap) */
};

struct page_rows {
	struct page_row *v;
	size_t n, cap;
};

static int page_keep(void *ctx, const struct store_page *p)
{
	struct page_rows *rs = ctx;
	struct page_row *r;

	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 64;
		void *np = realloc(rs->v, ncap * sizeof(*rs->v));
		if (!np)
			return CALOR_ENOMEM;
		rs->v = np;
		rs->cap = ncap;
	}
	r = &rs->v[rs->n];
	memset(r, 0, sizeof(*r));
	r->p = *p;
	if (!(r->path = strdup(p->path ? p->path : "")))
		return CALOR_ENOMEM;
	r->p.path = r->path;
	rs->n++;
	return 0;
}

static void page_rows_free(struct page_rows *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].path);
	free(rs->v);
}

/* The sort key of a row; pages without scroll data sort below every page
 * with it. */
static double page_key(const struct page_row *r, enum query_pages_sort by)
{
	switch (by) {
	case QUERY_PAGES_SESSIONS: return (double)r->p.sessions;
	case QUERY_PAGES_CLICKS: return (double)r->p.clicks;
	case QUERY_PAGES_RAGE: return (double)r->p.rage;
	case QUERY_PAGES_DEAD: return (double)r->p.dead;
	case QUERY_PAGES_ERROR: return (double)r->p.error;
	case QUERY_PAGES_DEPTH:
		return r->p.scroll_pageviews ? r->p.depth : -1.0;
	case QUERY_PAGES_CONVERSION: return r->rate;
	case QUERY_PAGES_PRIORITY: return r->priority;
	default: return (double)r->p.pageviews;
	}
}

struct page_order {
	enum query_pages_sort by;
	int ascending;
};

/* By the key in the asked order; ties by page views (most first), then
 * by path, so paging through equal keys is stable. */
static int cmp_page(const void *pa, const void *pb, void *ctx)
{
	const struct page_row *x = pa, *y = pb;
	const struct page_order *o = ctx;
	int c = 0;

	if (o->by == QUERY_PAGES_PATH) {
		c = strcmp(x->path, y->path);
		return o->ascending ? c : -c;
	}
	double kx = page_key(x, o->by), ky = page_key(y, o->by);
	if (kx != ky)
		c = kx < ky ? -1 : 1;
	if (c)
		return o->ascending ? c : -c;
	if (x->p.pageviews != y->p.pageviews)
		return x->p.pageviews < y->p.pageviews ? 1 : -1;
	return strcmp(x->path, y->path);
}

static void page_derive(struct page_row *r, const struct api_conversion *conv)
{
	double site = conv->sessions
			  ? (double)conv->converted / (double)conv->sessions
			  : 0.0;
	double sessions = (double)r->p.sessions;

	r->rate = sessions > 0 ? (double)r->p.converted / sessions : 0.0;
	r->frustration =
	    sessions > 0
		? (double)(r->p.rage + r->p.dead + r->p.error) / sessions
		: 0.0;
	r->gap = conv->goal && site > r->rate ? site - r->rate : 0.0;
	r->priority = sessions * (r->frustration + r->gap);
}

static int page_json(struct dynbuf *b, const struct page_row *r, int first,
		     int has_goal)
{
	const struct store_page *p = &r->p;
	int rc = dynbuf_adds(b, first ? "{\"path\": \"" : ", {\"path\": \"");

	if (!rc)
		rc = dynbuf_add_json_string(b, r->path);
	if (!rc)
		rc =
		    dynbuf_addf(b,
				"\", \"pageviews\": %lld, \"sessions\": %lld, "
				"\"clicks\": %lld, \"rage\": %lld, \"dead\": "
				"%lld, \"error\": %lld, \"scroll_pageviews\": "
				"%lld, \"depth\": ",
				(long long)p->pageviews, (long long)p->sessions,
				(long long)p->clicks, (long long)p->rage,
				(long long)p->dead, (long long)p->error,
				(long long)p->scroll_pageviews);
	if (!rc)
		rc = p->scroll_pageviews ? dynbuf_addf(b, "%.2f", p->depth)
					 : dynbuf_adds(b, "null");
	if (!rc && has_goal) {
		rc = dynbuf_addf(b, ", \"converted\": %lld",
				 (long long)p->converted);
		if (!rc)
			rc = api_share_json(b, "conversion", p->converted,
					    p->sessions);
	} else if (!rc) {
		rc = dynbuf_adds(b, ", \"converted\": null, \"conversion\": "
				    "null");
	}
	if (!rc)
		rc = dynbuf_addf(
		    b,
		    ", \"priority\": {\"score\": %.3f, \"frustration\": %lld, "
		    "\"frustration_rate\": %.5f, \"conversion_gap\": %.5f, "
		    "\"missed_conversions\": %.3f}}",
		    r->priority, (long long)(p->rage + p->dead + p->error),
		    r->frustration, r->gap, (double)p->sessions * r->gap);
	return rc;
}

void api_get_pages(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct query_pages q;
	struct query_error qerr;
	struct store_sample sample;
	struct store_filter f;
	struct store_pages_query pq = {0};
	struct api_conversion conv = {0};
	struct page_rows rows = {0};
	struct page_order order;
	const struct query_arg *args;
	struct dynbuf b;
	size_t n_args;
	int rc;

	args = http_request_args(req, &n_args);
	if (query_parse_pages(args, n_args, &q, &qerr)) {
		api_bad_param(req, &qerr);
		return;
	}
	if (api_resolve(req, api, &q.w, &f))
		return;
	dynbuf_init(&b, JSON_MAX);
	if ((rc = store_sample(api->store, &f, &sample)) ||
	    (rc = api_conversion_get(api, &f, q.conversion, &sample, &conv)))
		goto out;
	pq.goal = conv.goal;
	pq.search = q.search;
	pq.limit = STORE_PAGES_MAX;
	if ((rc = store_pages_list(api->store, &f, &pq, page_keep, &rows)))
		goto out;
	for (size_t i = 0; i < rows.n; i++)
		page_derive(&rows.v[i], &conv);
	order.by = q.sort;
	order.ascending = q.ascending;
	if (rows.n > 1)
		qsort_r(rows.v, rows.n, sizeof(*rows.v), cmp_page, &order);

	rc = dynbuf_adds(&b, "{\"site\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(&b, q.w.site_key);
	if (!rc)
		rc = dynbuf_addf(&b, "\", \"device\": \"%s\", ",
				 api_device_name(f.device));
	if (!rc)
		rc = api_sample_json(&b, &sample);
	if (!rc)
		rc = dynbuf_addf(&b, ", \"clicks\": %lld, \"conversion\": ",
				 (long long)sample.clicks);
	if (!rc)
		rc = api_conversion_json(&b, &conv);
	if (!rc)
		rc = dynbuf_adds(&b, ", \"goals\": [");
	for (size_t i = 0; !rc && i < conv.n_goals; i++) {
		rc = dynbuf_adds(&b, i ? ", {\"name\": \"" : "{\"name\": \"");
		if (!rc)
			rc = dynbuf_add_json_string(&b, conv.goals[i].name);
		if (!rc)
			rc = dynbuf_addf(&b, "\", \"sessions\": %lld}",
					 (long long)conv.goals[i].sessions);
	}
	if (!rc)
		rc = dynbuf_addf(&b,
				 "], \"sort\": \"%s\", \"order\": \"%s\", "
				 "\"q\": ",
				 query_pages_sort_name(q.sort),
				 q.ascending ? "asc" : "desc");
	if (!rc && q.search) {
		rc = dynbuf_adds(&b, "\"");
		if (!rc)
			rc = dynbuf_add_json_string(&b, q.search);
		if (!rc)
			rc = dynbuf_adds(&b, "\"");
	} else if (!rc) {
		rc = dynbuf_adds(&b, "null");
	}
	if (!rc)
		rc = dynbuf_addf(&b,
				 ", \"total\": %zu, \"truncated\": %s, "
				 "\"offset\": %d, \"limit\": %d, \"pages\": [",
				 rows.n,
				 rows.n >= STORE_PAGES_MAX ? "true" : "false",
				 q.offset, q.limit);
	for (size_t i = (size_t)q.offset, k = 0;
	     !rc && i < rows.n && k < (size_t)q.limit; i++, k++)
		rc = page_json(&b, &rows.v[i], k == 0, conv.goal != NULL);
	if (!rc)
		rc = dynbuf_adds(&b, "]}");
out:
	api_conversion_done(&conv);
	page_rows_free(&rows);
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_respond_json(req, 200, &b);
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

int api_scroll_compute(struct api *api, const struct store_filter *f,
		       struct agg_scroll_result *ret)
{
	struct agg_scroll a;
	int rc;

	agg_scroll_init(&a);
	rc = store_scroll_scan(api->store, f, add_scroll, &a);
	if (!rc)
		agg_scroll_finish(&a, ret);
	agg_scroll_done(&a);
	return rc;
}

int api_scroll_json(struct dynbuf *b, int device,
		    const struct store_sample *sample,
		    const struct agg_scroll_result *r, int width, int height)
{
	int rc = dynbuf_adds(b, "{");

	if (!rc && width > 0)
		rc = dynbuf_addf(b, "\"width\": %d, \"height\": %d, ", width,
				 height);
	if (!rc)
		rc = dynbuf_addf(b, "\"device\": \"%s\", ",
				 api_device_name(device));
	if (!rc)
		rc = api_sample_json(b, sample);
	if (!rc)
		rc = dynbuf_addf(
		    b,
		    ", \"scroll_pageviews\": %lld, "
		    "\"doc_height\": %d, \"average_fold\": {\"px\": %d, "
		    "\"percent\": %.2f}, \"reached_by\": {\"75\": %d, "
		    "\"50\": %d, \"25\": %d}, \"reversals_per_pageview\": "
		    "%.3f, \"attention_pageviews\": %lld",
		    (long long)r->pageviews, r->doc_h, r->fold_px, r->fold_pct,
		    r->depth_pct[0], r->depth_pct[1], r->depth_pct[2],
		    r->reversals_per_pageview, (long long)r->dwell_pageviews);
	if (!rc)
		rc = json_doubles(b, "reach", r->reach, AGG_BANDS + 1, 4);
	if (!rc)
		rc = json_doubles(b, "attention_ms", r->dwell_ms, AGG_BANDS, 1);
	if (!rc)
		rc = json_doubles(b, "attention_share", r->dwell_share,
				  AGG_BANDS, 5);
	return rc ? rc : dynbuf_adds(b, "}");
}

void api_get_scroll(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct query_scroll q;
	struct query_error qerr;
	struct store_sample sample;
	struct store_filter f;
	struct agg_scroll_result *r = NULL;
	const struct query_arg *args;
	struct dynbuf b;
	size_t n_args;
	int rc;

	args = http_request_args(req, &n_args);
	if (query_parse_scroll(args, n_args, &q, &qerr)) {
		api_bad_param(req, &qerr);
		return;
	}
	if (api_resolve(req, api, &q.w, &f))
		return;
	dynbuf_init(&b, JSON_MAX);
	r = malloc(sizeof(*r));
	if (!r) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if ((rc = store_sample(api->store, &f, &sample)) ||
	    (rc = api_scroll_compute(api, &f, r)) ||
	    (rc = api_scroll_json(&b, f.device, &sample, r, 0, 0)))
		goto out;
out:
	free(r);
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_respond_json(req, 200, &b);
}
