/* SPDX-License-Identifier: MIT */
/* store_clickhouse_insight: the ClickHouse backend's reads for the element
 * table and the frustration signals — clicks grouped by element, examples
 * of a signal, page views in session order, goals reached — answering as
 * store_sqlite_insight.c does. */
#include <stdlib.h>
#include <string.h>

#include "store_clickhouse_int.h"

struct forward {
	union {
		store_element_cb element;
		store_example_cb example;
		store_pageview_cb pageview;
		store_goal_cb goal;
	} cb;
	void *ctx;
};

static int element_row(void *ctx, char **f, size_t n)
{
	struct forward *fw = ctx;
	struct store_element e;

	if (n < 10)
		return CALOR_ESTORE;
	e.page = f[0];
	e.selector = f[1];
	e.clicks = strtoll(f[2], NULL, 10);
	e.sessions = strtoll(f[3], NULL, 10);
	e.rage = strtoll(f[4], NULL, 10);
	e.dead = strtoll(f[5], NULL, 10);
	e.error = strtoll(f[6], NULL, 10);
	e.interactive = strtoll(f[7], NULL, 10);
	e.converted = strtoll(f[8], NULL, 10);
	e.last_ts = strtoll(f[9], NULL, 10);
	return fw->cb.element(fw->ctx, &e);
}

int ch_elements_scan(struct store *base, const struct store_filter *f,
		     unsigned flags, const char *goal, size_t limit,
		     store_element_cb cb, void *ctx)
{
	struct ch_store *s = (struct ch_store *)base;
	struct forward fw = {.cb.element = cb, .ctx = ctx};
	struct dynbuf sql, conv;
	int rc;

	/* converted: the clicks' sessions that reached the goal, decided on
	 * each shard (the select list of a Distributed read runs there) */
	dynbuf_init(&conv, 65536);
	rc = goal ? ch_goal_sql(s, &conv, f->site_id, goal, 1) : 0;
	dynbuf_init(&sql, CH_MAX_SQL);
	if (!rc)
		rc = dynbuf_addf(&sql,
				 "page, selector, count() AS n,"
				 " uniqExact(session),"
				 " countIf(bitAnd(flags, 16) != 0),"
				 " countIf(bitAnd(flags, 4) != 0),"
				 " countIf(bitAnd(flags, 8) != 0),"
				 " countIf(bitAnd(flags, 2) != 0), %s%s%s,"
				 " max(ts)",
				 goal ? "uniqExactIf(session, " : "0",
				 goal ? conv.data + 5 : "", goal ? ")" : "");
	if (!rc) {
		struct dynbuf q;
		dynbuf_init(&q, CH_MAX_SQL);
		rc = ch_from_events(s, &q, sql.data, f);
		dynbuf_done(&sql);
		sql = q;
	}
	dynbuf_done(&conv);
	if (!rc)
		rc = dynbuf_addf(&sql,
				 " AND kind = %d AND bitAnd(flags, %u) = %u",
				 CH_KIND_CLICK, flags, flags);
	if (!rc)
		rc = ch_filter_sql(s, &sql, f, 0);
	if (!rc)
		rc = dynbuf_addf(&sql,
				 " GROUP BY page, selector ORDER BY n DESC,"
				 " page, selector LIMIT %zu",
				 limit);
	return ch_run(s, &sql, rc, element_row, &fw);
}

static int example_row(void *ctx, char **f, size_t n)
{
	struct forward *fw = ctx;
	struct store_example e;

	if (n < 3)
		return CALOR_ESTORE;
	e.ts = strtoll(f[0], NULL, 10);
	e.pageview = f[1];
	e.session = f[2];
	return fw->cb.example(fw->ctx, &e);
}

int ch_click_examples(struct store *base, const struct store_filter *f,
		      const char *page, const char *selector, unsigned flags,
		      size_t n, store_example_cb cb, void *ctx)
{
	struct ch_store *s = (struct ch_store *)base;
	struct forward fw = {.cb.example = cb, .ctx = ctx};
	struct store_filter pf = *f;
	struct dynbuf sql;
	int rc;

	pf.page = page;
	dynbuf_init(&sql, CH_MAX_SQL);
	rc = ch_from_events(s, &sql, "ts, pv, session", &pf);
	if (!rc)
		rc = dynbuf_addf(&sql,
				 " AND kind = %d AND bitAnd(flags, %u) = %u"
				 " AND selector = ",
				 CH_KIND_CLICK, flags, flags);
	if (!rc)
		rc = ch_quote(&sql, selector);
	if (!rc)
		rc = ch_filter_sql(s, &sql, f, 0);
	/* latest first; within one time, the later written first */
	if (!rc)
		rc = dynbuf_addf(&sql,
				 " ORDER BY ts DESC, seq DESC, idx DESC LIMIT"
				 " %zu",
				 n);
	return ch_run(s, &sql, rc, example_row, &fw);
}

static int pageview_row(void *ctx, char **f, size_t n)
{
	struct forward *fw = ctx;
	struct store_pageview pv;

	if (n < 7)
		return CALOR_ESTORE;
	pv.page = f[0];
	pv.session = f[1];
	pv.id = f[2];
	pv.ts = strtoll(f[3], NULL, 10);
	pv.reversals = (int32_t)strtol(f[4], NULL, 10);
	pv.depth = (int32_t)strtol(f[5], NULL, 10);
	pv.doc_h = (int32_t)strtol(f[6], NULL, 10);
	return fw->cb.pageview(fw->ctx, &pv);
}

int ch_pageviews_scan(struct store *base, const struct store_filter *f,
		      store_pageview_cb cb, void *ctx)
{
	struct ch_store *s = (struct ch_store *)base;
	struct forward fw = {.cb.pageview = cb, .ctx = ctx};
	struct dynbuf sql;
	int rc;

	/* each (pv, seq) once, then the page view's batches summed; its
	 * start is its first batch's (each batch's start is moved by the
	 * server's clock when it arrived, so they differ), as in export */
	dynbuf_init(&sql, CH_MAX_SQL);
	rc = dynbuf_adds(&sql, "SELECT page, any(b_session) AS p_session, pv,"
			       " argMin(b_ts, seq) AS p_ts, sum(b_rev),"
			       " max(b_depth),"
			       " max(b_doc_h) FROM (");
	if (!rc)
		rc = ch_from_events(s, &sql,
				    "page, pv, seq, any(session) AS b_session,"
				    " any(ts) AS b_ts, any(reversals) AS b_rev,"
				    " any(max_depth) AS b_depth, any(doc_h) AS"
				    " b_doc_h",
				    f);
	if (!rc)
		rc = dynbuf_addf(&sql, " AND kind = %d", CH_KIND_BATCH);
	if (!rc)
		rc = ch_filter_sql(s, &sql, f, 1);
	if (!rc)
		rc = dynbuf_adds(&sql, " GROUP BY page, pv, seq) GROUP BY page,"
				       " pv ORDER BY p_session, p_ts, pv");
	return ch_run(s, &sql, rc, pageview_row, &fw);
}

static int goal_row(void *ctx, char **f, size_t n)
{
	struct forward *fw = ctx;
	struct store_goal g;

	if (n < 2)
		return CALOR_ESTORE;
	g.name = f[0];
	g.sessions = strtoll(f[1], NULL, 10);
	return fw->cb.goal(fw->ctx, &g);
}

int ch_goals_list(struct store *base, const struct store_filter *f,
		  store_goal_cb cb, void *ctx)
{
	struct ch_store *s = (struct ch_store *)base;
	struct forward fw = {.cb.goal = cb, .ctx = ctx};
	struct store_filter site = {.site_id = f->site_id, .device = -1};
	struct dynbuf sql;
	int rc;

	/* goals of the sessions that have a page view under the filter
	 * (same shard: the shard key is the session) */
	dynbuf_init(&sql, CH_MAX_SQL);
	rc = ch_from_events(s, &sql, "goal, uniqExact(session) AS n", &site);
	if (!rc)
		rc = dynbuf_addf(&sql,
				 " AND kind = %d AND session IN (SELECT session"
				 " FROM %s.events_local WHERE site_id = %lld"
				 " AND kind = %d",
				 CH_KIND_GOAL, s->db, (long long)f->site_id,
				 CH_KIND_BATCH);
	if (!rc && f->page) {
		rc = dynbuf_adds(&sql, " AND page = ");
		if (!rc)
			rc = ch_quote(&sql, f->page);
	}
	if (!rc)
		rc = ch_filter_sql(s, &sql, f, 1);
	if (!rc)
		rc = dynbuf_adds(
		    &sql, ") GROUP BY goal ORDER BY n DESC, goal LIMIT 100");
	return ch_run(s, &sql, rc, goal_row, &fw);
}
