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
		api_bad_param(req, &qerr);
		return;
	}
	if (api_resolve(req, api, &q.w, &f))
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
		rc = dynbuf_adds(&b, "\", ");
	if (!rc)
		rc = api_sample_json(&b, &sample);
	if (!rc)
		rc = dynbuf_addf(&b, ", \"clicks\": %lld, \"pages\": [",
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
