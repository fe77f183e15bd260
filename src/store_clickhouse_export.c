/* SPDX-License-Identifier: MIT */
/* store_clickhouse_export: a site's page views, clicks, moves and goals as
 * typed records (store_export_site), from the ClickHouse backend. Each
 * answer is handed over a line at a time as it arrives (ch_select), so a
 * site of any size is exported without holding it. */
#include <stdlib.h>
#include <string.h>

#include "store_clickhouse_int.h"

/* One page view's merged tags: each key's value from its latest batch. */
struct tag_rec {
	char *pv, *key, *value;
};

struct export_ctx {
	const struct store_export_cb *cb;
	void *ctx;
	struct tag_rec *tags;
	size_t n_tags, cap_tags;
	struct ch_store *s;
};

static int tag_row(void *ctx, char **f, size_t n)
{
	struct export_ctx *x = ctx;
	struct tag_rec *t;

	if (n < 3)
		return CALOR_ESTORE;
	if (x->n_tags == x->cap_tags) {
		size_t ncap = x->cap_tags ? 2 * x->cap_tags : 64;
		void *p = realloc(x->tags, ncap * sizeof(*x->tags));
		if (!p)
			return CALOR_ENOMEM;
		x->tags = p;
		x->cap_tags = ncap;
	}
	t = &x->tags[x->n_tags];
	t->pv = strdup(f[0]);
	t->key = strdup(f[1]);
	t->value = strdup(f[2]);
	x->n_tags++;
	return t->pv && t->key && t->value ? 0 : CALOR_ENOMEM;
}

/* Parse "[a,b,...]" into INGEST_BANDS numbers; 0 for "[]". */
static int dwell_parse(const char *p, uint32_t *dwell)
{
	int i;

	if (p[0] != '[' || p[1] == ']')
		return 0;
	for (i = 0, p++; i < INGEST_BANDS && *p; i++) {
		char *e;
		dwell[i] = (uint32_t)strtoul(p, &e, 10);
		p = *e == ',' ? e + 1 : e;
	}
	return i == INGEST_BANDS;
}

static int pageview_row(void *ctx, char **f, size_t n)
{
	struct export_ctx *x = ctx;
	struct ingest_tag tags[STORE_EXPORT_MAX_TAGS];
	uint32_t dwell[INGEST_BANDS];
	struct store_export_pageview pv;
	size_t lo = 0, hi = x->n_tags, nt = 0;

	if (n < 23)
		return CALOR_ESTORE;
	memset(&pv, 0, sizeof(pv));
	pv.id = f[0];
	pv.session = f[1];
	pv.page = f[2];
	pv.referrer = f[3];
	pv.device = (enum device_class)strtol(f[4], NULL, 10);
	pv.vw = (int32_t)strtol(f[5], NULL, 10);
	pv.vh = (int32_t)strtol(f[6], NULL, 10);
	pv.dpr = strtod(f[7], NULL);
	pv.is_new = (int)strtol(f[8], NULL, 10);
	pv.ts = strtoll(f[9], NULL, 10);
	pv.browser = (enum browser_family)strtol(f[10], NULL, 10);
	pv.os = (enum os_family)strtol(f[11], NULL, 10);
	pv.utm_source = f[12];
	pv.utm_medium = f[13];
	pv.utm_campaign = f[14];
	pv.utm_term = f[15];
	pv.utm_content = f[16];
	pv.fold = (int32_t)strtol(f[17], NULL, 10);
	pv.reversals = strtoll(f[18], NULL, 10);
	pv.max_depth = (int32_t)strtol(f[19], NULL, 10);
	pv.doc_h = (int32_t)strtol(f[20], NULL, 10);
	pv.dwell = dwell_parse(f[21], dwell) ? dwell : NULL;
	/* its tags: a range of the (pv, key)-sorted list */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(x->tags[mid].pv, pv.id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->n_tags && strcmp(x->tags[lo].pv, pv.id) == 0; lo++) {
		if (nt == STORE_EXPORT_MAX_TAGS)
			return store_fail(&x->s->base, CALOR_ETOOBIG,
					  "page view %.64s has more than %d "
					  "tags",
					  pv.id, STORE_EXPORT_MAX_TAGS);
		tags[nt].key = x->tags[lo].key;
		tags[nt].value = x->tags[lo].value;
		nt++;
	}
	pv.tags = tags;
	pv.n_tags = nt;
	return x->cb->pageview(x->ctx, &pv);
}

static int click_row(void *ctx, char **f, size_t n)
{
	struct export_ctx *x = ctx;
	struct store_export_click c;

	if (n < 17)
		return CALOR_ESTORE;
	c.pageview = f[0];
	c.page = f[1];
	c.device = (enum device_class)strtol(f[2], NULL, 10);
	c.ts = strtoll(f[3], NULL, 10);
	c.x = (int32_t)strtol(f[4], NULL, 10);
	c.y = (int32_t)strtol(f[5], NULL, 10);
	c.vw = (int32_t)strtol(f[6], NULL, 10);
	c.vh = (int32_t)strtol(f[7], NULL, 10);
	c.dw = (int32_t)strtol(f[8], NULL, 10);
	c.dh = (int32_t)strtol(f[9], NULL, 10);
	c.selector = f[10];
	c.off_x = (int32_t)strtol(f[11], NULL, 10);
	c.off_y = (int32_t)strtol(f[12], NULL, 10);
	c.el_w = (int32_t)strtol(f[13], NULL, 10);
	c.el_h = (int32_t)strtol(f[14], NULL, 10);
	c.pointer = (enum pointer_type)strtol(f[15], NULL, 10);
	c.flags = (unsigned)strtoul(f[16], NULL, 10);
	return x->cb->click(x->ctx, &c);
}

static int move_row(void *ctx, char **f, size_t n)
{
	struct export_ctx *x = ctx;
	struct store_export_move m;

	if (n < 7)
		return CALOR_ESTORE;
	m.pageview = f[0];
	m.page = f[1];
	m.device = (enum device_class)strtol(f[2], NULL, 10);
	m.ts = strtoll(f[3], NULL, 10);
	m.x = (int32_t)strtol(f[4], NULL, 10);
	m.y = (int32_t)strtol(f[5], NULL, 10);
	m.vw = (int32_t)strtol(f[6], NULL, 10);
	return x->cb->move(x->ctx, &m);
}

static int goal_row(void *ctx, char **f, size_t n)
{
	struct export_ctx *x = ctx;
	struct store_export_goal g;

	if (n < 5)
		return CALOR_ESTORE;
	g.pageview = f[0];
	g.session = f[1];
	g.page = f[2];
	g.name = f[3];
	g.ts = strtoll(f[4], NULL, 10);
	return x->cb->goal(x->ctx, &g);
}

/* "FROM events WHERE site_id = S AND received_ms <= CUT AND kind = K". */
static int from_kind(struct ch_store *s, struct dynbuf *sql, int64_t site_id,
		     int64_t cut, int kind)
{
	int rc = dynbuf_adds(sql, " FROM ");

	if (!rc)
		rc = ch_table(s, sql, "events");
	return rc ? rc
		  : dynbuf_addf(sql,
				" WHERE site_id = %lld AND received_ms <= %lld"
				" AND kind = %d",
				(long long)site_id, (long long)cut, kind);
}

/* Four reads, each cut at the same received time so rows written while
 * the export runs are left out of all of them (ClickHouse has no read
 * snapshot across queries). Each event row once (LIMIT 1 BY its
 * identity: a batch two nodes wrote at once, before a merge), in the
 * order it was received. */
int ch_export_site(struct store *base, int64_t site_id,
		   const struct store_export_cb *cb, void *ctx)
{
	struct ch_store *s = (struct ch_store *)base;
	struct export_ctx x = {.cb = cb, .ctx = ctx, .s = s};
	int64_t cut = calor_now_ms();
	struct dynbuf sql;
	int rc;

	dynbuf_init(&sql, CH_MAX_SQL);
	rc = dynbuf_adds(&sql, "SELECT pv, t_key, argMax(t_value, seq) FROM"
			       " (SELECT pv, seq, any(tag_keys) AS b_keys,"
			       " any(tag_values) AS b_values");
	if (!rc)
		rc = from_kind(s, &sql, site_id, cut, CH_KIND_BATCH);
	if (!rc)
		rc =
		    dynbuf_adds(&sql, " GROUP BY pv, seq) ARRAY JOIN b_keys AS"
				      " t_key, b_values AS t_value GROUP BY pv,"
				      " t_key ORDER BY pv, t_key");
	if ((rc = ch_run(s, &sql, rc, tag_row, &x)))
		goto out;

	/* page views: each batch once, then merged as SQLite's upsert
	 * merges them (first batch's context, deepest, tallest, first fold,
	 * reversals and attention added) */
	dynbuf_init(&sql, CH_MAX_SQL);
	rc = dynbuf_adds(
	    &sql,
	    "SELECT pv, argMin(b_session, seq), argMin(b_page, seq),"
	    " argMin(b_referrer, seq), argMin(b_device, seq), argMin(b_vw,"
	    " seq), argMin(b_vh, seq), argMin(b_dpr, seq), argMin(b_is_new,"
	    " seq), argMin(b_ts, seq), argMin(b_browser, seq), argMin(b_os,"
	    " seq), argMin(b_utm_source, seq), argMin(b_utm_medium, seq),"
	    " argMin(b_utm_campaign, seq), argMin(b_utm_term, seq),"
	    " argMin(b_utm_content, seq), argMinIf(b_fold, seq, b_fold != 0),"
	    " sum(b_reversals), max(b_max_depth), max(b_doc_h),"
	    " arrayMap(v -> least(v, 4294967295), sumForEach(b_dwell)),"
	    " min(b_received) AS p_received FROM (SELECT pv, seq,"
	    " any(session) AS b_session, any(page) AS b_page, any(referrer) AS"
	    " b_referrer, any(device) AS b_device, any(vw) AS b_vw, any(vh) AS"
	    " b_vh, any(dpr) AS b_dpr, any(is_new) AS b_is_new, any(ts) AS"
	    " b_ts, any(browser) AS b_browser, any(os) AS b_os,"
	    " any(utm_source) AS b_utm_source, any(utm_medium) AS"
	    " b_utm_medium, any(utm_campaign) AS b_utm_campaign,"
	    " any(utm_term) AS b_utm_term, any(utm_content) AS b_utm_content,"
	    " any(fold) AS b_fold, any(reversals) AS b_reversals,"
	    " any(max_depth) AS b_max_depth, any(doc_h) AS b_doc_h,"
	    " any(dwell) AS b_dwell, min(received_ms) AS b_received");
	if (!rc)
		rc = from_kind(s, &sql, site_id, cut, CH_KIND_BATCH);
	if (!rc)
		rc = dynbuf_adds(&sql, " GROUP BY pv, seq) GROUP BY pv ORDER BY"
				       " p_received, pv");
	if ((rc = ch_run(s, &sql, rc, pageview_row, &x)))
		goto out;

	dynbuf_init(&sql, CH_MAX_SQL);
	rc = dynbuf_adds(&sql, "SELECT pv, page, device, ts, x, y, vw, vh, dw,"
			       " dh, selector, off_x, off_y, el_w, el_h,"
			       " pointer, flags");
	if (!rc)
		rc = from_kind(s, &sql, site_id, cut, CH_KIND_CLICK);
	if (!rc)
		rc = dynbuf_adds(&sql, " ORDER BY received_ms, pv, seq, idx"
				       " LIMIT 1 BY pv, seq, idx");
	if ((rc = ch_run(s, &sql, rc, click_row, &x)))
		goto out;

	dynbuf_init(&sql, CH_MAX_SQL);
	rc = dynbuf_adds(&sql, "SELECT pv, page, device, ts, x, y, vw");
	if (!rc)
		rc = from_kind(s, &sql, site_id, cut, CH_KIND_MOVE);
	if (!rc)
		rc = dynbuf_adds(&sql, " ORDER BY received_ms, pv, seq, idx"
				       " LIMIT 1 BY pv, seq, idx");
	if ((rc = ch_run(s, &sql, rc, move_row, &x)))
		goto out;

	dynbuf_init(&sql, CH_MAX_SQL);
	rc = dynbuf_adds(&sql, "SELECT pv, session, page, goal, ts");
	if (!rc)
		rc = from_kind(s, &sql, site_id, cut, CH_KIND_GOAL);
	if (!rc)
		rc = dynbuf_adds(&sql, " ORDER BY received_ms, pv, seq, idx"
				       " LIMIT 1 BY pv, seq, idx");
	rc = ch_run(s, &sql, rc, goal_row, &x);
out:
	for (size_t i = 0; i < x.n_tags; i++) {
		free(x.tags[i].pv);
		free(x.tags[i].key);
		free(x.tags[i].value);
	}
	free(x.tags);
	return rc;
}
