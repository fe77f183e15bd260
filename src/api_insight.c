/* SPDX-License-Identifier: MIT */
/* api_insight: GET /api/v1/elements (per selector: clicks, share with its
 * Wilson interval, sessions, frustration counts, conversion) and
 * GET /api/v1/frustration (rage, dead and error clicks by element; quick
 * backs and excessive scrolling by page), under the site's definitions. */
#include <stdlib.h>
#include <string.h>

#include "agg_signals.h"
#include "api_int.h"

#define JSON_MAX	(64 * 1024 * 1024)
#define ELEMENTS_SCAN	1000 /* elements read before sorting */
#define DEAD_WINDOW_MS	1500 /* decided by the tracker (docs/tracker.md) */
#define ERROR_WINDOW_MS 1000

/* ---- shared pieces ---- */

int api_share_json(struct dynbuf *b, const char *name, int64_t k, int64_t n)
{
	double lo, hi;

	agg_wilson(k, n, &lo, &hi);
	return dynbuf_addf(b,
			   ", \"%s\": {\"rate\": %.5f, \"low\": %.5f, "
			   "\"high\": %.5f}",
			   name, n ? (double)k / (double)n : 0.0, lo, hi);
}

static int examples_json(struct dynbuf *b, const struct agg_example *ex,
			 size_t n)
{
	int rc = dynbuf_adds(b, ", \"examples\": [");

	for (size_t i = 0; !rc && i < n; i++) {
		rc = dynbuf_addf(b, "%s{\"ts\": %lld, \"pageview\": \"",
				 i ? ", " : "", (long long)ex[i].ts);
		if (!rc)
			rc = dynbuf_add_json_string(b, ex[i].pageview);
		if (!rc)
			rc = dynbuf_adds(b, "\", \"session\": \"");
		if (!rc)
			rc = dynbuf_add_json_string(b, ex[i].session);
		if (!rc)
			rc = dynbuf_adds(b, "\"}");
	}
	return rc ? rc : dynbuf_adds(b, "]");
}

/* {"site": ..., "page": ..., "device": ..., sample...  (no closing). */
static int head_json(struct dynbuf *b, const struct query_where *w,
		     const struct store_sample *sample)
{
	int rc = dynbuf_adds(b, "{\"site\": \"");

	if (!rc)
		rc = dynbuf_add_json_string(b, w->site_key);
	if (!rc)
		rc = dynbuf_adds(b, w->page ? "\", \"page\": \""
					    : "\", \"page\": null");
	if (!rc && w->page)
		rc = dynbuf_add_json_string(b, w->page);
	if (!rc)
		rc = dynbuf_addf(b, "%s, \"device\": \"%s\", ",
				 w->page ? "\"" : "",
				 api_device_name(w->device));
	return rc ? rc : api_sample_json(b, sample);
}

static void respond(struct http_request *req, struct dynbuf *b, int rc)
{
	if (rc) {
		dynbuf_done(b);
		http_respond_failure(req, rc);
		return;
	}
	http_respond_json(req, 200, b);
}

/* ---- elements ---- */

struct element {
	struct store_element e;
	char *page, *selector;
};

struct elements {
	struct element *v;
	size_t n, cap;
};

static int element_keep(void *ctx, const struct store_element *e)
{
	struct elements *es = ctx;
	struct element *el;

	if (es->n == es->cap) {
		size_t ncap = es->cap ? es->cap * 2 : 64;
		void *p = realloc(es->v, ncap * sizeof(*es->v));
		if (!p)
			return CALOR_ENOMEM;
		es->v = p;
		es->cap = ncap;
	}
	el = &es->v[es->n];
	el->e = *e;
	el->page = strdup(e->page ? e->page : "");
	el->selector = strdup(e->selector ? e->selector : "");
	if (!el->page || !el->selector) {
		free(el->page);
		free(el->selector);
		return CALOR_ENOMEM;
	}
	el->e.page = el->page;
	el->e.selector = el->selector;
	es->n++;
	return 0;
}

static void elements_free(struct elements *es)
{
	for (size_t i = 0; i < es->n; i++) {
		free(es->v[i].page);
		free(es->v[i].selector);
	}
	free(es->v);
}

static int64_t key_of(const struct store_element *e, enum query_sort by)
{
	switch (by) {
	case QUERY_SORT_RAGE: return e->rage;
	case QUERY_SORT_DEAD: return e->dead;
	case QUERY_SORT_ERROR: return e->error;
	default: return e->clicks;
	}
}

static int cmp_element(const void *pa, const void *pb, void *by)
{
	const struct element *x = pa, *y = pb;
	int64_t kx = key_of(&x->e, *(enum query_sort *)by);
	int64_t ky = key_of(&y->e, *(enum query_sort *)by);

	if (kx != ky)
		return kx < ky ? 1 : -1;
	if (x->e.clicks != y->e.clicks)
		return x->e.clicks < y->e.clicks ? 1 : -1;
	return strcmp(x->selector, y->selector);
}

/* store_goals_list's callback: the first goal, or the one wanted and how
 * many sessions reached it; and the first API_GOALS_MAX of them all. */
struct goal_pick {
	const char *want; /* NULL: the first (most reached) */
	char *name;
	int64_t sessions;
	size_t seen;
	int found;
	struct api_conversion *ret; /* the goals list */
};

static int goal_pick(void *ctx, const struct store_goal *g)
{
	struct goal_pick *pk = ctx;
	const char *name = g->name ? g->name : "";
	struct api_conversion *c = pk->ret;

	pk->seen++;
	if (c->n_goals < API_GOALS_MAX) {
		if (!(c->goals[c->n_goals].name = strdup(name)))
			return CALOR_ENOMEM;
		c->goals[c->n_goals++].sessions = g->sessions;
	}
	if (pk->found || (pk->want && strcmp(pk->want, name) != 0))
		return 0;
	if (!pk->want && !(pk->name = strdup(name)))
		return CALOR_ENOMEM;
	pk->sessions = g->sessions;
	pk->found = 1;
	return 0;
}

/* goals_list lists at most this many goals (store_sqlite_insight.c) */
#define GOALS_LISTED 100

int api_conversion_get(struct api *api, const struct store_filter *f,
		       const char *requested, const struct store_sample *sample,
		       struct api_conversion *ret)
{
	struct goal_pick pk = {.want = requested, .ret = ret};
	struct store_sample conv = {0};
	struct store_filter fc;
	char *goal;
	int rc;

	memset(ret, 0, sizeof(*ret));
	/* one read gives both the goal most sessions reached and how many
	 * sessions under f reached it: no click counting */
	if ((rc = store_goals_list(api->store, f, goal_pick, &pk)) < 0) {
		free(pk.name);
		api_conversion_done(ret);
		return rc;
	}
	goal = requested ? strdup(requested) : pk.name;
	if (requested && !goal) {
		api_conversion_done(ret);
		return CALOR_ENOMEM;
	}
	if (!goal)
		return 0; /* no goal reached */
	/* a segment on another goal leaves no honest overall rate: the
	 * conversion is then left out */
	if ((f->seg.goal && strcmp(f->seg.goal, goal) != 0) ||
	    (f->seg.nogoal && strcmp(f->seg.nogoal, goal) != 0)) {
		free(goal);
		return 0;
	}
	if (requested && !pk.found && pk.seen >= GOALS_LISTED &&
	    !f->seg.nogoal) {
		/* past the listed goals: count it */
		fc = *f;
		fc.seg.goal = goal;
		if ((rc = store_sample(api->store, &fc, &conv))) {
			free(goal);
			api_conversion_done(ret);
			return rc;
		}
		pk.sessions = conv.sessions;
	}
	ret->goal = goal;
	ret->sessions = sample->sessions;
	ret->converted = f->seg.nogoal ? 0 : pk.sessions;
	return 0;
}

void api_conversion_done(struct api_conversion *c)
{
	free(c->goal);
	c->goal = NULL;
	for (size_t i = 0; i < c->n_goals; i++)
		free(c->goals[i].name);
	c->n_goals = 0;
}

int api_conversion_json(struct dynbuf *b, const struct api_conversion *c)
{
	int rc;

	if (!c->goal)
		return dynbuf_adds(b, "null");
	rc = dynbuf_adds(b, "{\"goal\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(b, c->goal);
	if (!rc)
		rc = dynbuf_addf(
		    b, "\", \"sessions\": %lld, \"converted\": %lld",
		    (long long)c->sessions, (long long)c->converted);
	if (!rc)
		rc = api_share_json(b, "rate", c->converted, c->sessions);
	return rc ? rc : dynbuf_adds(b, "}");
}

static int element_json(struct dynbuf *b, const struct element *el,
			int64_t total, int has_goal, int first)
{
	int rc =
	    dynbuf_adds(b, first ? "{\"selector\": \"" : ", {\"selector\": \"");

	if (!rc)
		rc = dynbuf_add_json_string(b, el->selector);
	if (!rc)
		rc = dynbuf_addf(
		    b,
		    "\", \"clicks\": %lld, \"sessions\": %lld, \"rage\": %lld,"
		    " \"dead\": %lld, \"error\": %lld, \"interactive\": %s,"
		    " \"non_interactive_clicks\": %lld",
		    (long long)el->e.clicks, (long long)el->e.sessions,
		    (long long)el->e.rage, (long long)el->e.dead,
		    (long long)el->e.error,
		    el->e.interactive * 2 >= el->e.clicks ? "true" : "false",
		    (long long)(el->e.clicks - el->e.interactive));
	if (!rc)
		rc = api_share_json(b, "share", el->e.clicks, total);
	if (!rc && has_goal) {
		rc = dynbuf_addf(b, ", \"converted\": %lld",
				 (long long)el->e.converted);
		if (!rc)
			rc = api_share_json(b, "conversion", el->e.converted,
					    el->e.sessions);
	}
	return rc ? rc : dynbuf_adds(b, "}");
}

void api_get_elements(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct query_elements q;
	struct query_error qerr;
	struct store_sample sample;
	struct store_filter f;
	struct elements es = {0};
	struct api_conversion conv = {0};
	const struct query_arg *args;
	int64_t total = 0;
	struct dynbuf b;
	size_t n_args;
	int rc;

	dynbuf_init(&b, JSON_MAX);
	args = http_request_args(req, &n_args);
	if (query_parse_elements(args, n_args, &q, &qerr)) {
		api_bad_param(req, &qerr);
		return;
	}
	if (api_resolve(req, api, &q.w, &f))
		return;
	if ((rc = store_sample(api->store, &f, &sample)) ||
	    (rc = api_conversion_get(api, &f, q.conversion, &sample, &conv)) ||
	    (rc = store_elements_scan(api->store, &f, 0, conv.goal,
				      ELEMENTS_SCAN, element_keep, &es)))
		goto out;
	for (size_t i = 0; i < es.n; i++)
		total += es.v[i].e.clicks;
	if (total < sample.clicks)
		total = sample.clicks; /* more elements than were read */
	if (es.n > 1)
		qsort_r(es.v, es.n, sizeof(*es.v), cmp_element, &q.sort);

	rc = head_json(&b, &q.w, &sample);
	if (!rc)
		rc = dynbuf_addf(&b, ", \"clicks\": %lld, \"conversion\": ",
				 (long long)total);
	if (!rc)
		rc = api_conversion_json(&b, &conv);
	if (!rc)
		rc = dynbuf_adds(&b, ", \"elements\": [");
	for (size_t i = 0; !rc && i < es.n && i < (size_t)q.limit; i++)
		rc = element_json(&b, &es.v[i], total, conv.goal != NULL,
				  i == 0);
	if (!rc)
		rc = dynbuf_adds(&b, "]}");
out:
	api_conversion_done(&conv);
	elements_free(&es);
	respond(req, &b, rc);
}

/* ---- frustration ---- */

struct examples {
	struct agg_example v[AGG_SIGNAL_EXAMPLES];
	size_t n;
};

static int example_keep(void *ctx, const struct store_example *e)
{
	struct examples *ex = ctx;
	struct agg_example *x;

	if (ex->n == AGG_SIGNAL_EXAMPLES)
		return 1;
	x = &ex->v[ex->n++];
	x->ts = e->ts;
	str_copy(x->pageview, e->pageview ? e->pageview : "",
		 sizeof(x->pageview));
	str_copy(x->session, e->session ? e->session : "", sizeof(x->session));
	return 0;
}

/* "NAME": {"clicks": N, "elements": [...]} for the clicks with flag. */
static int click_signal_json(struct api *api, struct dynbuf *b,
			     const struct store_filter *f, const char *name,
			     unsigned flag, int limit)
{
	struct elements es = {0};
	int64_t total = 0;
	int rc = store_elements_scan(api->store, f, flag, NULL, ELEMENTS_SCAN,
				     element_keep, &es);

	for (size_t i = 0; !rc && i < es.n; i++)
		total += es.v[i].e.clicks;
	if (!rc)
		rc = dynbuf_addf(b,
				 ", \"%s\": {\"clicks\": %lld, \"elements\": [",
				 name, (long long)total);
	for (size_t i = 0; !rc && i < es.n && i < (size_t)limit; i++) {
		const struct element *el = &es.v[i];
		struct examples ex = {.n = 0};

		rc = store_click_examples(api->store, f, el->page, el->selector,
					  flag, AGG_SIGNAL_EXAMPLES,
					  example_keep, &ex);
		if (rc == 1)
			rc = 0;
		if (!rc)
			rc = dynbuf_adds(b, i ? ", {\"page\": \""
					      : "{\"page\": \"");
		if (!rc)
			rc = dynbuf_add_json_string(b, el->page);
		if (!rc)
			rc = dynbuf_adds(b, "\", \"selector\": \"");
		if (!rc)
			rc = dynbuf_add_json_string(b, el->selector);
		if (!rc)
			rc = dynbuf_addf(b,
					 "\", \"count\": %lld, \"sessions\": "
					 "%lld",
					 (long long)el->e.clicks,
					 (long long)el->e.sessions);
		if (!rc)
			rc = examples_json(b, ex.v, ex.n);
		if (!rc)
			rc = dynbuf_adds(b, "}");
	}
	elements_free(&es);
	return rc ? rc : dynbuf_adds(b, "]}");
}

/* "NAME": {"pageviews": N, "pages": [...]}, only page (when not NULL). */
static int page_signal_json(struct dynbuf *b, const char *name,
			    const struct agg_signal_page *v, size_t n,
			    const char *page, int limit, int with_threshold)
{
	int64_t total = 0;
	int rc, listed = 0;

	for (size_t i = 0; i < n; i++)
		if (!page || strcmp(v[i].page, page) == 0)
			total += v[i].count;
	rc = dynbuf_addf(b, ", \"%s\": {\"pageviews\": %lld, \"pages\": [",
			 name, (long long)total);
	for (size_t i = 0; !rc && i < n && listed < limit; i++) {
		if (page && strcmp(v[i].page, page) != 0)
			continue;
		rc = dynbuf_adds(b, listed++ ? ", {\"page\": \""
					     : "{\"page\": \"");
		if (!rc)
			rc = dynbuf_add_json_string(b, v[i].page);
		if (!rc)
			rc = dynbuf_addf(b,
					 "\", \"count\": %lld, \"sessions\": "
					 "%lld",
					 (long long)v[i].count,
					 (long long)v[i].sessions);
		if (!rc && with_threshold)
			rc = dynbuf_addf(b,
					 ", \"median_reversals\": %d, "
					 "\"threshold\": %d",
					 v[i].median, v[i].threshold);
		if (!rc)
			rc = examples_json(b, v[i].examples, v[i].n_examples);
		if (!rc)
			rc = dynbuf_adds(b, "}");
	}
	return rc ? rc : dynbuf_adds(b, "]}");
}

static int pageview_add(void *ctx, const struct store_pageview *pv)
{
	return agg_signals_add(ctx, pv->page, pv->session, pv->id, pv->ts,
			       pv->reversals);
}

static int definitions_json(struct dynbuf *b,
			    const struct store_site_config *cfg)
{
	int rc = dynbuf_adds(b, ", \"definitions\": {");
	int first = 1;

	for (const struct store_config_key *k = store_config_keys;
	     !rc && k->name; k++)
		if (strcmp(k->group, "frustration") == 0) {
			rc = dynbuf_addf(b, "%s\"%s\": %d", first ? "" : ", ",
					 k->name, store_config_get(cfg, k));
			first = 0;
		}
	return rc ? rc : dynbuf_adds(b, "}");
}

void api_get_frustration(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct query_frustration q;
	struct query_error qerr;
	struct store_sample sample;
	struct store_filter f, fsite;
	struct store_site site;
	struct agg_signals *sig = NULL;
	const struct agg_signal_page *quick, *scroll;
	size_t n_quick, n_scroll;
	const struct query_arg *args;
	struct dynbuf b;
	size_t n_args;
	int rc;

	dynbuf_init(&b, JSON_MAX);
	args = http_request_args(req, &n_args);
	if (query_parse_frustration(args, n_args, &q, &qerr)) {
		api_bad_param(req, &qerr);
		return;
	}
	if (api_resolve(req, api, &q.w, &f))
		return;
	if ((rc = api_site_find(api, q.w.site_key, &site)))
		goto out;
	sig = agg_signals_new(&(struct agg_signals_rules){
	    .quick_back_ms = site.cfg.quick_back_ms,
	    .reversals_min = site.cfg.scroll_reversals_min,
	    .reversals_factor = site.cfg.scroll_reversals_factor,
	});
	if (!sig) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	/* a quick back needs the page before and after: read every page */
	fsite = f;
	fsite.page = NULL;
	if ((rc = store_sample(api->store, &f, &sample)) ||
	    (rc =
		 store_pageviews_scan(api->store, &fsite, pageview_add, sig)) ||
	    (rc =
		 agg_signals_finish(sig, &quick, &n_quick, &scroll, &n_scroll)))
		goto out;
	rc = head_json(&b, &q.w, &sample);
	if (!rc)
		rc = definitions_json(&b, &site.cfg);
	if (!rc)
		rc =
		    click_signal_json(api, &b, &f, "rage", CLICK_RAGE, q.limit);
	if (!rc)
		rc =
		    click_signal_json(api, &b, &f, "dead", CLICK_DEAD, q.limit);
	if (!rc)
		rc = click_signal_json(api, &b, &f, "error", CLICK_ERROR,
				       q.limit);
	if (!rc)
		rc = page_signal_json(&b, "quick_back", quick, n_quick,
				      q.w.page, q.limit, 0);
	if (!rc)
		rc = page_signal_json(&b, "excessive_scroll", scroll, n_scroll,
				      q.w.page, q.limit, 1);
	if (!rc)
		rc = dynbuf_adds(&b, "}");
out:
	agg_signals_free(sig);
	respond(req, &b, rc);
}
