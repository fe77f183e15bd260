/* SPDX-License-Identifier: MIT */
/* store_clickhouse_read: the ClickHouse backend's reads — samples, raw
 * clicks, grid cells and widths binned inside ClickHouse, scroll records
 * — with filters and segments pushed down as SQL, answering as
 * store_sqlite_read.c does for the same events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_clickhouse_int.h"

#define DAY_MS 86400000LL

/* " AND <column> = 'value'". */
static int text_eq(struct dynbuf *sql, const char *column, const char *value)
{
	int rc = dynbuf_addf(sql, " AND %s = ", column);
	return rc ? rc : ch_quote(sql, value);
}

/* " AND session [NOT] IN (sessions of the site that reached goal)":
 * sessions, not page views, as store.h says. The events table is sharded
 * by session, so the subquery reads the local table of each shard. */
int ch_goal_sql(const struct ch_store *s, struct dynbuf *sql, int64_t site_id,
		const char *goal, int reached)
{
	int rc = dynbuf_addf(sql,
			     " AND session %sIN (SELECT session FROM"
			     " %s.events_local WHERE site_id = %lld AND"
			     " kind = %d AND goal = ",
			     reached ? "" : "NOT ", s->db, (long long)site_id,
			     CH_KIND_GOAL);
	if (!rc)
		rc = ch_quote(sql, goal);
	return rc ? rc : dynbuf_adds(sql, ")");
}

/* The segment's conditions on page view (batch) rows. */
static int segment_sql(const struct ch_store *s, struct dynbuf *sql,
		       const struct store_filter *f)
{
	const struct store_segment *g = &f->seg;
	struct store_seg_term t[STORE_SEG_TERMS];
	size_t nt = store_segment_terms(g, t);
	int rc = 0;

	if (g->vw_min)
		rc = dynbuf_addf(sql, " AND vw >= %d", g->vw_min);
	if (!rc && g->vw_max)
		rc = dynbuf_addf(sql, " AND vw <= %d", g->vw_max);
	for (size_t i = 0; !rc && i < nt; i++)
		rc = t[i].text ? text_eq(sql, t[i].column, t[i].text)
			       : dynbuf_addf(sql, " AND %s = %d", t[i].column,
					     t[i].value);
	for (size_t i = 0; !rc && i < g->n_tags; i++) {
		/* a tag on any of the page view's batches */
		rc = dynbuf_adds(sql, " AND has(arrayMap((k, v) -> (k, v),"
				      " tag_keys, tag_values), (");
		if (!rc)
			rc = ch_quote(sql, g->tags[i].key);
		if (!rc)
			rc = dynbuf_adds(sql, ", ");
		if (!rc)
			rc = ch_quote(sql, g->tags[i].value);
		if (!rc)
			rc = dynbuf_adds(sql, "))");
	}
	if (!rc && g->goal)
		rc = ch_goal_sql(s, sql, f->site_id, g->goal, 1);
	if (!rc && g->nogoal)
		rc = ch_goal_sql(s, sql, f->site_id, g->nogoal, 0);
	return rc;
}

/* The filter's conditions (" AND ..."): device and exact times on the
 * rows read; the segment on them when they are page view rows (pv_rows),
 * else through the page views it selects (same shard: sharded by
 * session). */
int ch_filter_sql(const struct ch_store *s, struct dynbuf *sql,
		  const struct store_filter *f, int pv_rows)
{
	int rc = 0;

	if (f->device >= 0)
		rc = dynbuf_addf(sql, " AND device = %d", f->device);
	if (!rc && f->from_ms)
		rc = dynbuf_addf(sql, " AND ts >= %lld", (long long)f->from_ms);
	if (!rc && f->to_ms)
		rc = dynbuf_addf(sql, " AND ts < %lld", (long long)f->to_ms);
	if (rc || store_segment_empty(&f->seg))
		return rc;
	if (pv_rows)
		return segment_sql(s, sql, f);
	rc = dynbuf_addf(sql,
			 " AND pv IN (SELECT pv FROM %s.events_local WHERE"
			 " site_id = %lld AND kind = %d",
			 s->db, (long long)f->site_id, CH_KIND_BATCH);
	if (!rc && f->page) {
		rc = dynbuf_adds(sql, " AND page = ");
		if (!rc)
			rc = ch_quote(sql, f->page);
	}
	if (!rc)
		rc = segment_sql(s, sql, f);
	return rc ? rc : dynbuf_adds(sql, ")");
}

/* "SELECT <select> FROM events WHERE site_id = S [AND page = P]". */
int ch_from_events(const struct ch_store *s, struct dynbuf *sql,
		   const char *select, const struct store_filter *f)
{
	int rc = dynbuf_addf(sql, "SELECT %s FROM ", select);

	if (!rc)
		rc = ch_table(s, sql, "events");
	if (!rc)
		rc = dynbuf_addf(sql, " WHERE site_id = %lld",
				 (long long)f->site_id);
	if (!rc && f->page) {
		rc = dynbuf_adds(sql, " AND page = ");
		if (!rc)
			rc = ch_quote(sql, f->page);
	}
	return rc;
}

/* "SELECT <select> FROM <table> WHERE site_id = S [AND page = P]
 * [AND device = D]" and the grids' time rule on its day column: whole UTC
 * days, from_ms's day to to_ms's day rounded up (store_sqlite_read.c's
 * day_sql). */
static int from_days(const struct ch_store *s, struct dynbuf *sql,
		     const char *table, const char *select,
		     const struct store_filter *f)
{
	int rc = dynbuf_addf(sql, "SELECT %s FROM ", select);

	if (!rc)
		rc = ch_table(s, sql, table);
	if (!rc)
		rc = dynbuf_addf(sql, " WHERE site_id = %lld",
				 (long long)f->site_id);
	if (!rc && f->page) {
		rc = dynbuf_adds(sql, " AND page = ");
		if (!rc)
			rc = ch_quote(sql, f->page);
	}
	if (!rc && f->device >= 0)
		rc = dynbuf_addf(sql, " AND device = %d", f->device);
	if (!rc && f->from_ms)
		rc = dynbuf_addf(sql, " AND day >= %lld",
				 (long long)(f->from_ms / DAY_MS));
	if (!rc && f->to_ms)
		rc = dynbuf_addf(sql, " AND day < %lld",
				 (long long)((f->to_ms + DAY_MS - 1) / DAY_MS));
	return rc;
}

/* from_days() of a grid table: without dates the all-time one
 * (TABLE_all), else the daily one. */
static int from_grids(const struct ch_store *s, struct dynbuf *sql,
		      const char *table, const char *select,
		      const struct store_filter *f)
{
	char name[32];

	snprintf(name, sizeof(name), "%s%s", table,
		 !f->from_ms && !f->to_ms ? "_all" : "");
	return from_days(s, sql, name, select, f);
}

/* Build (status rc) and run sql; frees it. */
int ch_run(struct ch_store *s, struct dynbuf *sql, int rc, ch_row_fn row,
	   void *ctx)
{
	if (rc)
		rc = store_fail(&s->base, rc, "query too long");
	else
		rc = ch_select(s, sql->data, row, ctx);
	dynbuf_done(sql);
	return rc;
}

struct forward {
	union {
		store_click_cb click;
		store_grid_cb grid;
		store_scroll_cb scroll;
	} cb;
	void *ctx;
};

static int click_row(void *ctx, char **f, size_t n)
{
	struct forward *fw = ctx;
	struct store_click c;

	if (n < 6)
		return CALOR_ESTORE;
	c.x = (int32_t)strtol(f[0], NULL, 10);
	c.y = (int32_t)strtol(f[1], NULL, 10);
	c.vw = (int32_t)strtol(f[2], NULL, 10);
	c.vh = (int32_t)strtol(f[3], NULL, 10);
	c.dw = (int32_t)strtol(f[4], NULL, 10);
	c.dh = (int32_t)strtol(f[5], NULL, 10);
	return fw->cb.click(fw->ctx, &c);
}

int ch_clicks_scan(struct store *base, const struct store_filter *f,
		   store_click_cb cb, void *ctx)
{
	struct ch_store *s = (struct ch_store *)base;
	struct forward fw = {.cb.click = cb, .ctx = ctx};
	struct store_filter pf = *f;
	struct dynbuf sql;
	int rc;

	/* store.h: clicks of one page; no page reads none */
	pf.page = f->page ? f->page : "";
	dynbuf_init(&sql, CH_MAX_SQL);
	rc = ch_from_events(s, &sql, "x, y, vw, vh, dw, dh", &pf);
	if (!rc)
		rc = dynbuf_addf(&sql, " AND kind = %d", CH_KIND_CLICK);
	if (!rc)
		rc = ch_filter_sql(s, &sql, f, 0);
	if (!rc)
		rc = dynbuf_adds(&sql, " ORDER BY ts, pv, seq, idx");
	return ch_run(s, &sql, rc, click_row, &fw);
}

/* two or three counts */
static int sample_row(void *ctx, char **f, size_t n)
{
	int64_t *v = ctx;

	if (n < 2)
		return CALOR_ESTORE;
	for (size_t i = 0; i < n && i < 3; i++)
		v[i] = strtoll(f[i], NULL, 10);
	return 0;
}

/* Whether the sample can come from the page views table: no segment,
 * and whole UTC days (the API's dates are), as the table keeps them. */
static int sample_pre(const struct store_filter *f)
{
	return store_segment_empty(&f->seg) && f->from_ms % DAY_MS == 0 &&
	       f->to_ms % DAY_MS == 0;
}

int ch_sample(struct store *base, const struct store_filter *f,
	      struct store_sample *ret_sample)
{
	struct ch_store *s = (struct ch_store *)base;
	int64_t pvs[3] = {0, 0, 0}, clicks[2] = {0, 0};
	struct dynbuf sql, sub, sel;
	int rc;

	dynbuf_init(&sql, CH_MAX_SQL);
	if (sample_pre(f)) {
		/* one round trip: the page view rows, and the clicks from
		 * the grids as a scalar subquery */
		dynbuf_init(&sub, CH_MAX_SQL);
		dynbuf_init(&sel, CH_MAX_SQL);
		rc = from_grids(s, &sub, "grids", "sum(n)", f);
		if (!rc)
			rc = dynbuf_addf(&sub, " AND kind = %d", CH_KIND_CLICK);
		if (!rc)
			rc =
			    dynbuf_addf(&sel,
					"uniqExact(pv_h), uniqExact(session_h),"
					" (%s)",
					sub.data);
		if (!rc)
			rc = from_days(s, &sql, "pageviews", sel.data, f);
		dynbuf_done(&sub);
		dynbuf_done(&sel);
		if ((rc = ch_run(s, &sql, rc, sample_row, pvs)))
			return rc;
		ret_sample->pageviews = pvs[0];
		ret_sample->sessions = pvs[1];
		ret_sample->clicks = pvs[2];
		return 0;
	}
	rc = ch_from_events(s, &sql, "uniqExact(pv), uniqExact(session)", f);
	if (!rc)
		rc = dynbuf_addf(&sql, " AND kind = %d", CH_KIND_BATCH);
	if (!rc)
		rc = ch_filter_sql(s, &sql, f, 1);
	if ((rc = ch_run(s, &sql, rc, sample_row, pvs)))
		return rc;
	dynbuf_init(&sql, CH_MAX_SQL);
	if (store_segment_empty(&f->seg)) {
		/* as SQLite counts them: from the grids */
		rc = from_grids(s, &sql, "grids", "sum(n), 0", f);
		if (!rc)
			rc = dynbuf_addf(&sql, " AND kind = %d", CH_KIND_CLICK);
	} else {
		rc = ch_from_events(s, &sql, "count(), 0", f);
		if (!rc)
			rc = dynbuf_addf(&sql, " AND kind = %d", CH_KIND_CLICK);
		if (!rc)
			rc = ch_filter_sql(s, &sql, f, 0);
	}
	if ((rc = ch_run(s, &sql, rc, sample_row, clicks)))
		return rc;
	ret_sample->pageviews = pvs[0];
	ret_sample->sessions = pvs[1];
	ret_sample->clicks = clicks[0];
	return 0;
}

/* Whether a grid read counts stored events (a segment, or no device:
 * exact times, as SQLite's raw reads) rather than the grid tables. */
static int grid_raw(const struct store_filter *f)
{
	return !store_segment_empty(&f->seg) || f->device < 0;
}

/* The rows of a grid kind: from the grid table (whole days, by device)
 * with grid_select unless grid_raw(f), else from the events with
 * raw_select. */
static int grid_sql(struct ch_store *s, struct dynbuf *sql,
		    const struct store_filter *f, enum store_grid_kind kind,
		    const char *table, const char *grid_select,
		    const char *raw_select)
{
	static const char *const conds[] = {
	    [STORE_GRID_CLICK] = "kind = 1",
	    [STORE_GRID_MOVE] = "kind = 2",
	    [STORE_GRID_DEAD] = "kind = 1 AND bitAnd(flags, 4) != 0",
	    [STORE_GRID_ERROR] = "kind = 1 AND bitAnd(flags, 8) != 0",
	    [STORE_GRID_RAGE] = "kind = 1 AND bitAnd(flags, 16) != 0",
	};
	/* the grids' fl is the events' flags & 28 */
	static const char *const gconds[] = {
	    [STORE_GRID_CLICK] = "kind = 1",
	    [STORE_GRID_MOVE] = "kind = 2",
	    [STORE_GRID_DEAD] = "kind = 1 AND bitAnd(fl, 4) != 0",
	    [STORE_GRID_ERROR] = "kind = 1 AND bitAnd(fl, 8) != 0",
	    [STORE_GRID_RAGE] = "kind = 1 AND bitAnd(fl, 16) != 0",
	};
	int rc;

	_Static_assert(CH_KIND_CLICK == 1 && CH_KIND_MOVE == 2, "conds");
	if (!f->page || !store_filter_one_class(f))
		return store_fail(&s->base, CALOR_EINVAL,
				  "grid reads need a page and a device or a "
				  "width band");
	if ((unsigned)kind >= sizeof(conds) / sizeof(conds[0]))
		return store_fail(&s->base, CALOR_EINVAL, "no such grid");
	if (!grid_raw(f)) {
		rc = from_grids(s, sql, table, grid_select, f);
		return rc ? rc : dynbuf_addf(sql, " AND %s", gconds[kind]);
	}
	rc = ch_from_events(s, sql, raw_select, f);
	if (!rc)
		rc = dynbuf_addf(sql, " AND %s", conds[kind]);
	return rc ? rc : ch_filter_sql(s, sql, f, 0);
}

static int cell_row(void *ctx, char **f, size_t n)
{
	struct forward *fw = ctx;
	struct store_grid_cell c;

	if (n < 3)
		return CALOR_ESTORE;
	c.cx = (int32_t)strtol(f[0], NULL, 10);
	c.cy = (int32_t)strtol(f[1], NULL, 10);
	c.n = strtoll(f[2], NULL, 10);
	return fw->cb.grid(fw->ctx, &c);
}

/* the cell SQL below is store.h's grid */
_Static_assert(STORE_GRID_COLS == 360 && STORE_GRID_ROW_PX == 4,
	       "ch_grid_scan()'s cell SQL");

int ch_grid_scan(struct store *base, const struct store_filter *f,
		 enum store_grid_kind kind, store_grid_cb cb, void *ctx)
{
	struct ch_store *s = (struct ch_store *)base;
	struct forward fw = {.cb.grid = cb, .ctx = ctx};
	struct dynbuf sql;
	int rc;

	/* one row per cell travels; cells with nothing left are skipped */
	dynbuf_init(&sql, CH_MAX_SQL);
	rc = grid_sql(s, &sql, f, kind, "grids", "cx, cy, sum(n) AS g_n",
		      "least(intDiv(x * 360, greatest(vw, 1)), 32767) AS cx,"
		      " intDiv(y, 4) AS cy, count() AS g_n");
	if (rc) {
		dynbuf_done(&sql);
		return rc == CALOR_EINVAL ? rc
					  : store_fail(base, rc, "grid query");
	}
	rc = dynbuf_adds(&sql, " GROUP BY cx, cy HAVING g_n > 0");
	return ch_run(s, &sql, rc, cell_row, &fw);
}

struct widths_acc {
	struct store_grid_width *w;
	size_t n, cap;
};

static int width_row(void *ctx, char **f, size_t n)
{
	struct widths_acc *a = ctx;

	if (n < 3)
		return CALOR_ESTORE;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? 2 * a->cap : 16;
		void *p = realloc(a->w, ncap * sizeof(*a->w));
		if (!p)
			return CALOR_ENOMEM;
		a->w = p;
		a->cap = ncap;
	}
	a->w[a->n].vw = (int32_t)strtol(f[0], NULL, 10);
	a->w[a->n].n = strtoll(f[1], NULL, 10);
	a->w[a->n].max_doc_h = (int32_t)strtol(f[2], NULL, 10);
	a->n++;
	return 0;
}

int ch_grid_widths(struct store *base, const struct store_filter *f,
		   enum store_grid_kind kind,
		   struct store_grid_width **ret_widths, size_t *ret_n)
{
	struct ch_store *s = (struct ch_store *)base;
	struct widths_acc a = {0};
	struct dynbuf sql;
	int rc;

	dynbuf_init(&sql, CH_MAX_SQL);
	if (!grid_raw(f)) {
		/* per (width, height) first: heights whose counts were all
		 * taken off are not the tallest seen */
		rc = dynbuf_adds(&sql,
				 "SELECT vw, sum(w_n) AS c, max(dh) FROM (");
		if (!rc)
			rc = grid_sql(s, &sql, f, kind, "grid_widths",
				      "vw, dh, sum(n) AS w_n", NULL);
		if (!rc)
			rc =
			    dynbuf_adds(&sql, " GROUP BY vw, dh HAVING w_n > 0)"
					      " GROUP BY vw ORDER BY c DESC,"
					      " vw DESC");
	} else {
		/* SQLite's raw reads give moves no document height */
		rc = grid_sql(s, &sql, f, kind, NULL, NULL,
			      kind == STORE_GRID_MOVE
				  ? "vw, count() AS c, 0"
				  : "vw, count() AS c, max(dh)");
		if (!rc)
			rc = dynbuf_adds(
			    &sql, " GROUP BY vw ORDER BY c DESC, vw DESC");
	}
	if (rc == CALOR_EINVAL) {
		dynbuf_done(&sql);
		return rc;
	}
	if ((rc = ch_run(s, &sql, rc, width_row, &a))) {
		free(a.w);
		return rc;
	}
	*ret_widths = a.w;
	*ret_n = a.n;
	return 0;
}

static int scroll_row(void *ctx, char **f, size_t n)
{
	struct forward *fw = ctx;
	struct store_scroll sc;
	const char *p;
	int i;

	if (n < 5)
		return CALOR_ESTORE;
	memset(&sc, 0, sizeof(sc));
	sc.depth = (int32_t)strtol(f[0], NULL, 10);
	sc.doc_h = (int32_t)strtol(f[1], NULL, 10);
	sc.fold = (int32_t)strtol(f[2], NULL, 10);
	sc.reversals = (int32_t)strtol(f[3], NULL, 10);
	/* "[a,b,...]": INGEST_BANDS numbers, or "[]" without attention */
	p = f[4];
	if (*p == '[' && p[1] != ']') {
		for (i = 0, p++; i < INGEST_BANDS && *p; i++) {
			char *e;
			sc.dwell[i] = (uint32_t)strtoul(p, &e, 10);
			p = *e == ',' ? e + 1 : e;
		}
		sc.has_dwell = i == INGEST_BANDS;
	}
	return fw->cb.scroll(fw->ctx, &sc);
}

int ch_scroll_scan(struct store *base, const struct store_filter *f,
		   store_scroll_cb cb, void *ctx)
{
	struct ch_store *s = (struct ch_store *)base;
	struct forward fw = {.cb.scroll = cb, .ctx = ctx};
	struct dynbuf sql;
	int rc;

	if (!f->page)
		return store_fail(base, CALOR_EINVAL,
				  "scroll scans need a page");
	/* a page view's batches summed as SQLite's upsert does: deepest,
	 * tallest, first fold (by batch number), reversals and attention
	 * added; each (pv, seq) once, so a batch stored twice by two nodes
	 * at once counts once before ClickHouse merges it away */
	dynbuf_init(&sql, CH_MAX_SQL);
	rc =
	    dynbuf_adds(&sql, "SELECT max(b_depth), max(b_doc_h),"
			      " argMinIf(b_fold, seq, b_fold != 0), sum(b_rev),"
			      " arrayMap(v -> least(v, 4294967295),"
			      " sumForEach(b_dwell)) FROM (");
	if (!rc)
		rc = ch_from_events(
		    s, &sql,
		    "pv, seq, any(max_depth) AS b_depth,"
		    " any(doc_h) AS b_doc_h, any(fold) AS b_fold,"
		    " any(reversals) AS b_rev, any(dwell) AS"
		    " b_dwell",
		    f);
	if (!rc)
		rc = dynbuf_addf(&sql, " AND kind = %d", CH_KIND_BATCH);
	if (!rc)
		rc = ch_filter_sql(s, &sql, f, 1);
	if (!rc)
		rc = dynbuf_adds(&sql, " GROUP BY pv, seq) GROUP BY pv ORDER BY"
				       " pv");
	return ch_run(s, &sql, rc, scroll_row, &fw);
}

/* ---- the pages table ---- */

struct page_rec {
	char *path;
	int64_t v[9]; /* views, sessions, scrolled, converted; clicks, rage,
		       * dead, error; 1 when clicks were found */
	double depth;
};

struct pages_acc {
	struct page_rec *p;
	size_t n, cap;
	int clicks_phase;
};

static int page_cmp(const void *a, const void *b)
{
	return strcmp(((const struct page_rec *)a)->path,
		      ((const struct page_rec *)b)->path);
}

/* The pages table's order: most viewed first, then by path. */
static int page_order_cmp(const void *a, const void *b)
{
	const struct page_rec *x = a, *y = b;

	if (x->v[0] != y->v[0])
		return x->v[0] > y->v[0] ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int page_row(void *ctx, char **f, size_t n)
{
	struct pages_acc *a = ctx;
	struct page_rec *r;

	if (a->clicks_phase) {
		struct page_rec key = {.path = f[0]};
		if (n < 5)
			return CALOR_ESTORE;
		r = a->n ? bsearch(&key, a->p, a->n, sizeof(*a->p), page_cmp)
			 : NULL;
		if (r)
			for (int i = 0; i < 4; i++)
				r->v[4 + i] = strtoll(f[1 + i], NULL, 10);
		return 0;
	}
	if (n < 6)
		return CALOR_ESTORE;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? 2 * a->cap : 64;
		void *p = realloc(a->p, ncap * sizeof(*a->p));
		if (!p)
			return CALOR_ENOMEM;
		a->p = p;
		a->cap = ncap;
	}
	r = &a->p[a->n];
	memset(r, 0, sizeof(*r));
	if (!(r->path = strdup(f[0])))
		return CALOR_ENOMEM;
	a->n++;
	r->v[0] = strtoll(f[1], NULL, 10);
	r->v[1] = strtoll(f[2], NULL, 10);
	r->v[2] = strtoll(f[3], NULL, 10);
	r->depth = strtod(f[4], NULL);
	r->v[3] = strtoll(f[5], NULL, 10);
	return 0;
}

/* " AND positionCaseInsensitive(page, 'search') > 0": ASCII letters
 * case-insensitively, as SQLite's lower() compares them. */
static int search_sql(struct dynbuf *sql, const char *search)
{
	int rc;

	if (!search)
		return 0;
	rc = dynbuf_adds(sql, " AND positionCaseInsensitive(page, ");
	if (!rc)
		rc = ch_quote(sql, search);
	return rc ? rc : dynbuf_adds(sql, ") > 0");
}

/* Two reads: the page views per page (the most viewed first, at most
 * limit), then their click counts; joined here by path. */
int ch_pages_list(struct store *base, const struct store_filter *f,
		  const struct store_pages_query *q, store_page_cb cb,
		  void *ctx)
{
	struct ch_store *s = (struct ch_store *)base;
	size_t limit = q->limit < STORE_PAGES_MAX ? q->limit : STORE_PAGES_MAX;
	struct store_filter pf = *f;
	struct pages_acc a = {0};
	struct dynbuf sql;
	int rc;

	pf.page = NULL; /* every page */
	/* per page view first (its batches: deepest, tallest), with whether
	 * its session reached the goal, decided on the page view's shard */
	dynbuf_init(&sql, CH_MAX_SQL);
	rc = dynbuf_adds(&sql,
			 "SELECT page, count() AS views, uniqExact(p_session),"
			 " countIf(p_doc_h > 0), if(countIf(p_doc_h > 0) = 0,"
			 " 0, avgIf(least(p_depth * 100.0 / p_doc_h, 100.0),"
			 " p_doc_h > 0)), uniqExactIf(p_session, p_conv)"
			 " FROM (SELECT page, pv, any(session) AS p_session,"
			 " max(max_depth) AS p_depth, max(doc_h) AS p_doc_h, ");
	if (!rc && q->goal) {
		struct dynbuf g;
		dynbuf_init(&g, 65536);
		/* " AND session IN (...)" as a value */
		rc = ch_goal_sql(s, &g, f->site_id, q->goal, 1);
		if (!rc)
			rc = dynbuf_addf(&sql, "max(%s) AS p_conv", g.data + 5);
		dynbuf_done(&g);
	} else if (!rc) {
		rc = dynbuf_adds(&sql, "0 AS p_conv");
	}
	if (!rc)
		rc = dynbuf_adds(&sql, " FROM ");
	if (!rc)
		rc = ch_table(s, &sql, "events");
	if (!rc)
		rc = dynbuf_addf(&sql, " WHERE site_id = %lld AND kind = %d",
				 (long long)f->site_id, CH_KIND_BATCH);
	if (!rc)
		rc = search_sql(&sql, q->search);
	if (!rc)
		rc = ch_filter_sql(s, &sql, &pf, 1);
	if (!rc)
		rc = dynbuf_addf(&sql,
				 " GROUP BY page, pv) GROUP BY page ORDER BY"
				 " views DESC, page LIMIT %zu",
				 limit);
	if ((rc = ch_run(s, &sql, rc, page_row, &a)))
		goto out;
	if (a.n == 0)
		goto out;
	qsort(a.p, a.n, sizeof(*a.p), page_cmp);
	/* click counts: the grids' rule (whole days) without a segment,
	 * the page views' clicks with one, as SQLite counts them */
	a.clicks_phase = 1;
	dynbuf_init(&sql, CH_MAX_SQL);
	if (store_segment_empty(&f->seg)) {
		rc = from_grids(s, &sql, "grids",
				"page, sum(n), sumIf(n, bitAnd(fl, 16) != 0),"
				" sumIf(n, bitAnd(fl, 4) != 0),"
				" sumIf(n, bitAnd(fl, 8) != 0)",
				&pf);
		if (!rc)
			rc = dynbuf_addf(&sql, " AND kind = %d", CH_KIND_CLICK);
		if (!rc)
			rc = search_sql(&sql, q->search);
	} else {
		rc = ch_from_events(s, &sql,
				    "page, count(),"
				    " countIf(bitAnd(flags, 16) != 0),"
				    " countIf(bitAnd(flags, 4) != 0),"
				    " countIf(bitAnd(flags, 8) != 0)",
				    &pf);
		if (!rc)
			rc = dynbuf_addf(&sql, " AND kind = %d", CH_KIND_CLICK);
		if (!rc)
			rc = search_sql(&sql, q->search);
		if (!rc)
			rc = ch_filter_sql(s, &sql, &pf, 0);
	}
	if (!rc)
		rc = dynbuf_adds(&sql, " GROUP BY page");
	if ((rc = ch_run(s, &sql, rc, page_row, &a)))
		goto out;
	/* back in the first read's order */
	qsort(a.p, a.n, sizeof(*a.p), page_order_cmp);
	for (size_t i = 0; i < a.n; i++) {
		const struct page_rec *r = &a.p[i];
		struct store_page p = {.path = r->path,
				       .pageviews = r->v[0],
				       .sessions = r->v[1],
				       .clicks = r->v[4],
				       .rage = r->v[5],
				       .dead = r->v[6],
				       .error = r->v[7],
				       .scroll_pageviews = r->v[2],
				       .depth = r->depth,
				       .converted = r->v[3]};
		if ((rc = cb(ctx, &p)))
			break;
	}
out:
	for (size_t i = 0; i < a.n; i++)
		free(a.p[i].path);
	free(a.p);
	return rc;
}

static int attrs_row(void *ctx, char **f, size_t n)
{
	store_attrs_cb cb = ((void **)ctx)[0];
	struct store_click_attrs c;

	if (n < 11)
		return CALOR_ESTORE;
	c.x = (int32_t)strtol(f[0], NULL, 10);
	c.y = (int32_t)strtol(f[1], NULL, 10);
	c.vw = (int32_t)strtol(f[2], NULL, 10);
	c.dh = (int32_t)strtol(f[3], NULL, 10);
	c.is_new = (int)strtol(f[4], NULL, 10);
	c.browser = (int)strtol(f[5], NULL, 10);
	c.os = (int)strtol(f[6], NULL, 10);
	c.referrer = f[7];
	c.utm_source = f[8];
	c.utm_medium = f[9];
	c.tag = f[10][0] == '1' ? f[10] + 1 : NULL;
	return cb(((void **)ctx)[1], &c);
}

/* The clicks (left) with their page views' attributes (right, one row
 * per page view: its first batch's, and the latest batch's value of the
 * tag), joined here in the query; both sides are read across the
 * cluster. stride picks clicks by a hash of their identity (there is no
 * click id): the same sample every time, not SQLite's. */
int ch_clicks_attrs_scan(struct store *base, const struct store_filter *f,
			 const char *tag_key, int64_t stride, store_attrs_cb cb,
			 void *ctx)
{
	struct ch_store *s = (struct ch_store *)base;
	void *fw[2] = {(void *)cb, ctx};
	struct dynbuf sql, tag, sel;
	int rc;

	if (!f->page || !store_filter_one_class(f) || stride < 1)
		return store_fail(base, CALOR_EINVAL,
				  "click scans need a page, a device or a "
				  "width band, and a stride");
	dynbuf_init(&tag, 65536);
	dynbuf_init(&sel, 65536);
	rc = ch_quote(&tag, tag_key ? tag_key : "");
	dynbuf_init(&sql, CH_MAX_SQL);
	if (!rc)
		rc = dynbuf_adds(
		    &sql, "SELECT c_x, c_y, c_vw, c_dh, a_new, a_browser,"
			  " a_os, a_referrer, a_utm_source, a_utm_medium,"
			  " a_tag FROM (");
	if (!rc)
		rc = ch_from_events(s, &sql,
				    "pv, x AS c_x, y AS c_y, vw AS c_vw,"
				    " dh AS c_dh",
				    f);
	if (!rc)
		rc = dynbuf_addf(&sql, " AND kind = %d", CH_KIND_CLICK);
	if (!rc && stride > 1)
		rc = dynbuf_addf(&sql,
				 " AND cityHash64(pv, seq, idx) %% %lld = 0",
				 (long long)stride);
	if (!rc)
		rc = ch_filter_sql(s, &sql, f, 0);
	if (!rc)
		rc = dynbuf_adds(&sql, ") ANY LEFT JOIN (");
	if (!rc)
		rc = dynbuf_adds(
		    &sel,
		    "pv, argMin(is_new, seq) AS a_new, argMin(browser, seq) AS"
		    " a_browser, argMin(os, seq) AS a_os, argMin(referrer, seq)"
		    " AS a_referrer, argMin(utm_source, seq) AS a_utm_source,"
		    " argMin(utm_medium, seq) AS a_utm_medium");
	/* "1value" when a batch had the tag (the latest batch's value),
	 * "0" when none did */
	if (!rc && tag_key)
		rc =
		    dynbuf_addf(&sel,
				", if(countIf(has(tag_keys, %s)) > 0,"
				" concat('1', argMaxIf(tag_values[indexOf("
				"tag_keys, %s)], seq, has(tag_keys, %s))), '0')"
				" AS a_tag",
				tag.data, tag.data, tag.data);
	else if (!rc)
		rc = dynbuf_adds(&sel, ", '0' AS a_tag");
	if (!rc)
		rc = ch_from_events(s, &sql, sel.data, f);
	if (!rc)
		rc = dynbuf_addf(&sql, " AND kind = %d GROUP BY pv) USING pv",
				 CH_KIND_BATCH);
	dynbuf_done(&tag);
	dynbuf_done(&sel);
	return ch_run(s, &sql, rc, attrs_row, fw);
}
