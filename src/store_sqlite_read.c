/* SPDX-License-Identifier: MIT */
/* store_sqlite_read: the SQLite backend's reads — pages, samples, raw
 * clicks, the pre-aggregated grids, scroll records and clicks with their
 * visitors' attributes — on the pool of read connections. */
#include <stdlib.h>
#include <string.h>

#include "store_sqlite_int.h"

static int day_sql(struct dynbuf *sql, const struct store_filter *f);

/* ---- reading ---- */

/* " AND <pv>.<column> = 'value'" with the value quoted by SQLite. */
static int text_eq(struct dynbuf *sql, const char *pv, const char *column,
		   const char *value)
{
	char *q = sqlite3_mprintf("%Q", value);
	int rc;

	if (!q)
		return CALOR_ENOMEM;
	rc = dynbuf_addf(sql, " AND %s.%s = %s", pv, column, q);
	sqlite3_free(q);
	return rc;
}

/* " AND [NOT] EXISTS (a goal NAME reached by <pv>'s session)". */
static int goal_sql(struct dynbuf *sql, const char *pv, const char *goal,
		    int reached)
{
	char *q = sqlite3_mprintf("%Q", goal);
	int rc;

	if (!q)
		return CALOR_ENOMEM;
	rc = dynbuf_addf(sql,
			 " AND %sEXISTS (SELECT 1 FROM goals g WHERE"
			 " g.site_id = %s.site_id AND g.name = %s AND"
			 " g.session = %s.session)",
			 reached ? "" : "NOT ", pv, q, pv);
	sqlite3_free(q);
	return rc;
}

static int segment_sql(struct dynbuf *sql, const struct store_segment *g,
		       const char *pv)
{
	struct store_seg_term t[STORE_SEG_TERMS];
	size_t nt = store_segment_terms(g, t);
	int rc = 0;

	if (g->vw_min)
		rc = dynbuf_addf(sql, " AND %s.vw >= %d", pv, g->vw_min);
	if (!rc && g->vw_max)
		rc = dynbuf_addf(sql, " AND %s.vw <= %d", pv, g->vw_max);
	for (size_t i = 0; !rc && i < nt; i++)
		rc = t[i].text ? text_eq(sql, pv, t[i].column, t[i].text)
			       : dynbuf_addf(sql, " AND %s.%s = %d", pv,
					     t[i].column, t[i].value);
	for (size_t i = 0; !rc && i < g->n_tags; i++) {
		char *q = sqlite3_mprintf("%Q AND t.value = %Q", g->tags[i].key,
					  g->tags[i].value);
		if (!q)
			return CALOR_ENOMEM;
		rc = dynbuf_addf(sql,
				 " AND EXISTS (SELECT 1 FROM pageview_tags t"
				 " WHERE t.pageview_id = %s.id AND t.key = %s)",
				 pv, q);
		sqlite3_free(q);
	}
	if (!rc && g->goal)
		rc = goal_sql(sql, pv, g->goal, 1);
	if (!rc && g->nogoal)
		rc = goal_sql(sql, pv, g->nogoal, 0);
	return rc;
}

int sqlite_filter_sql(struct dynbuf *sql, const struct store_filter *f,
		      const char *ev, const char *pv)
{
	int rc = 0;
	if (f->device >= 0)
		rc = dynbuf_addf(sql, " AND %s.device = %d", ev, f->device);
	if (!rc && f->from_ms)
		rc = dynbuf_addf(sql, " AND %s.ts >= %lld", ev,
				 (long long)f->from_ms);
	if (!rc && f->to_ms)
		rc = dynbuf_addf(sql, " AND %s.ts < %lld", ev,
				 (long long)f->to_ms);
	if (!rc && pv)
		rc = segment_sql(sql, &f->seg, pv);
	return rc;
}

/* The same, for reads of one table: the page views themselves, or events
 * joined to them only when the segment needs it. */
static int filter_sql(struct dynbuf *sql, const struct store_filter *f,
		      const char *alias)
{
	return sqlite_filter_sql(sql, f, alias,
				 strcmp(alias, "pv") == 0 ? "pv" : NULL);
}

static int prepare_read(struct sqlite_store *s, sqlite3 *db, struct dynbuf *sql,
			sqlite3_stmt **ret_st)
{
	if (!sql->data)
		return CALOR_ENOMEM;
	if (sqlite3_prepare_v2(db, sql->data, (int)sql->len, ret_st, NULL) !=
	    SQLITE_OK)
		return sqlite_db_fail(s, db, "prepare query");
	return 0;
}

/* A pooled read connection with sql prepared on it. On failure *ret_db may
 * be set and read_end() still gives it back. */
int sqlite_read_begin(struct sqlite_store *s, struct dynbuf *sql,
		      sqlite3 **ret_db, sqlite3_stmt **ret_st)
{
	int rc = sqlite_read_acquire(s, ret_db);
	return rc ? rc : prepare_read(s, *ret_db, sql, ret_st);
}

/* The end of every read: the statement, the connection, the SQL text. */
void sqlite_read_end(struct sqlite_store *s, sqlite3 *db, sqlite3_stmt *st,
		     struct dynbuf *sql)
{
	sqlite3_finalize(st);
	if (db)
		sqlite_read_release(s, db);
	dynbuf_done(sql);
}

int sqlite_read_rows(struct sqlite_store *s, struct dynbuf *sql, int built,
		     const struct sqlite_binds *b, sqlite_row_fn row, void *ctx,
		     const char *what)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc = built, step = SQLITE_DONE, n;

	if (!rc && !(rc = sqlite_read_begin(s, sql, &db, &st))) {
		n = sqlite3_bind_parameter_count(st);
		if (n >= 1)
			sqlite3_bind_int64(st, 1, b->site_id);
		if (n >= 2 && b->page)
			sqlite3_bind_text(st, 2, b->page, -1, SQLITE_STATIC);
		if (n >= 3 && b->text3)
			sqlite3_bind_text(st, 3, b->text3, -1, SQLITE_STATIC);
		if (n >= 4)
			sqlite3_bind_int64(st, 4, b->int4);
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			if ((rc = row(st, ctx)))
				break;
		if (!rc && step != SQLITE_DONE)
			rc = sqlite_db_fail(s, db, what);
	}
	sqlite_read_end(s, db, st, sql);
	return rc;
}

const char *sqlite_text_col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? v : "";
}

/* The caller's callback and context, for the row functions. */
struct forward {
	union {
		store_page_cb page;
		store_click_cb click;
		store_scroll_cb scroll;
		store_attrs_cb attrs;
	} cb;
	void *ctx;
};

/* A scalar subquery body: the clicks of the pages matching page_expr
 * ("= p.id", "IN (...)") under the filter — counted from the grid's widths
 * table rather than row by row, unless a segment needs the rows. */
static int clicks_count_sql(struct dynbuf *sql, const struct store_filter *f,
			    const char *page_expr)
{
	int rc;

	if (!store_segment_empty(&f->seg)) {
		/* page views first: the segment is tested once per page view
		 * rather than once per click */
		rc = dynbuf_addf(sql,
				 "SELECT count(*) FROM pageviews cpv CROSS JOIN"
				 " clicks c ON c.pageview_id = cpv.id WHERE"
				 " cpv.page_id %s",
				 page_expr);
		return rc ? rc : sqlite_filter_sql(sql, f, "c", "cpv");
	}
	rc = dynbuf_addf(sql,
			 "SELECT coalesce(sum(n), 0) FROM grid_widths g"
			 " WHERE g.kind = %d AND g.page_id %s",
			 STORE_GRID_CLICK, page_expr);
	if (!rc && f->device >= 0)
		rc = dynbuf_addf(sql, " AND g.device = %d", f->device);
	if (!rc)
		rc = day_sql(sql, f);
	return rc;
}

static int page_row(sqlite3_stmt *st, void *ctx)
{
	struct forward *fw = ctx;
	struct store_page p = {
	    .path = sqlite_text_col(st, 0),
	    .pageviews = sqlite3_column_int64(st, 1),
	    .sessions = sqlite3_column_int64(st, 2),
	    .clicks = sqlite3_column_int64(st, 3),
	    .rage = sqlite3_column_int64(st, 4),
	    .dead = sqlite3_column_int64(st, 5),
	    .error = sqlite3_column_int64(st, 6),
	    .scroll_pageviews = sqlite3_column_int64(st, 7),
	    .depth = sqlite3_column_double(st, 8),
	    .converted = sqlite3_column_int64(st, 9),
	};
	return fw->cb.page(fw->ctx, &p);
}

/* The click counts of the pages in pages_in per page, as a CTE body with
 * columns page_id, clicks, rage, dead, error: from the grids' widths
 * table (one row per page, device, kind, day and width), or counted from
 * the stored clicks when a segment needs their page views. */
static int page_clicks_sql(struct dynbuf *sql, const struct store_filter *f,
			   const char *pages_in)
{
	int rc;

	if (!store_segment_empty(&f->seg)) {
		/* from the page views in the segment to their clicks (the
		 * segment is tested once per page view, not once per click:
		 * twice as fast at 1M clicks as the other way round) */
		rc = dynbuf_addf(
		    sql,
		    "SELECT cpv.page_id AS page_id, count(*) AS clicks,"
		    " sum(c.flags & 16 = 16) AS rage, sum(c.flags & 4 = 4)"
		    " AS dead, sum(c.flags & 8 = 8) AS error FROM pageviews"
		    " cpv CROSS JOIN clicks c ON c.pageview_id = cpv.id"
		    " WHERE cpv.site_id = ?1 AND cpv.page_id IN (%s)",
		    pages_in);
		if (!rc)
			rc = sqlite_filter_sql(sql, f, "c", "cpv");
		return rc ? rc : dynbuf_adds(sql, " GROUP BY cpv.page_id");
	}
	rc = dynbuf_addf(sql,
			 "SELECT page_id, sum(CASE WHEN kind = %d THEN n END)"
			 " AS clicks, sum(CASE WHEN kind = %d THEN n END) AS"
			 " rage, sum(CASE WHEN kind = %d THEN n END) AS dead,"
			 " sum(CASE WHEN kind = %d THEN n END) AS error FROM"
			 " grid_widths WHERE page_id IN (%s) AND kind IN (%d,"
			 " %d, %d, %d)",
			 STORE_GRID_CLICK, STORE_GRID_RAGE, STORE_GRID_DEAD,
			 STORE_GRID_ERROR, pages_in, STORE_GRID_CLICK,
			 STORE_GRID_RAGE, STORE_GRID_DEAD, STORE_GRID_ERROR);
	if (!rc && f->device >= 0)
		rc = dynbuf_addf(sql, " AND device = %d", f->device);
	if (!rc)
		rc = day_sql(sql, f);
	return rc ? rc : dynbuf_adds(sql, " GROUP BY page_id");
}

/* Page views per page in one pass over the site's page views (grouped by
 * page, sessions counted distinct), click counts per page from the grids
 * (or the clicks under a segment), joined by page. */
int sqlite_pages_list(struct store *base, const struct store_filter *f,
		      const struct store_pages_query *q, store_page_cb cb,
		      void *ctx)
{
	struct forward fw = {.cb.page = cb, .ctx = ctx};
	struct sqlite_binds b = {.site_id = f->site_id, .text3 = q->search};
	const char *pages_in =
	    q->search ? "SELECT id FROM pages WHERE site_id = ?1 AND"
			" instr(lower(path), lower(?3)) > 0"
		      : "SELECT id FROM pages WHERE site_id = ?1";
	size_t limit = q->limit < STORE_PAGES_MAX ? q->limit : STORE_PAGES_MAX;
	struct dynbuf sql;
	char *goal = NULL;
	int rc = 0;

	if (q->goal && !(goal = sqlite3_mprintf("%Q", q->goal)))
		return CALOR_ENOMEM;
	dynbuf_init(&sql, 8192);
	rc = dynbuf_adds(
	    &sql,
	    "WITH pvs AS (SELECT pv.page_id AS page_id, count(*) AS views,"
	    " count(DISTINCT pv.session) AS sessions, count(CASE WHEN"
	    " pv.doc_h > 0 THEN 1 END) AS scrolled, coalesce(avg(CASE WHEN"
	    " pv.doc_h > 0 THEN min(pv.max_depth * 100.0 / pv.doc_h, 100.0)"
	    " END), 0) AS depth, ");
	if (!rc && goal)
		rc = dynbuf_addf(&sql,
				 "count(DISTINCT CASE WHEN EXISTS (SELECT 1"
				 " FROM goals g WHERE g.site_id = pv.site_id"
				 " AND g.name = %s AND g.session = pv.session)"
				 " THEN pv.session END)",
				 goal);
	else if (!rc)
		rc = dynbuf_adds(&sql, "0");
	if (!rc)
		rc = dynbuf_adds(&sql, " AS converted FROM pageviews pv WHERE"
				       " pv.site_id = ?1");
	if (!rc && q->search)
		rc = dynbuf_addf(&sql, " AND pv.page_id IN (%s)", pages_in);
	if (!rc)
		rc = filter_sql(&sql, f, "pv");
	if (!rc)
		rc = dynbuf_adds(&sql, " GROUP BY pv.page_id), ev AS (");
	if (!rc)
		rc = page_clicks_sql(&sql, f, pages_in);
	if (!rc)
		rc = dynbuf_addf(
		    &sql,
		    ") SELECT p.path, pvs.views, pvs.sessions,"
		    " coalesce(ev.clicks, 0), coalesce(ev.rage, 0),"
		    " coalesce(ev.dead, 0), coalesce(ev.error, 0),"
		    " pvs.scrolled, pvs.depth, pvs.converted FROM pvs JOIN"
		    " pages p ON p.id = pvs.page_id LEFT JOIN ev ON"
		    " ev.page_id = pvs.page_id ORDER BY pvs.views DESC, p.path"
		    " LIMIT %zu",
		    limit);
	sqlite3_free(goal);
	return sqlite_read_rows((struct sqlite_store *)base, &sql, rc, &b,
				page_row, &fw, "list pages");
}

static int click_row(sqlite3_stmt *st, void *ctx)
{
	struct forward *fw = ctx;
	struct store_click c = {
	    .x = sqlite3_column_int(st, 0),
	    .y = sqlite3_column_int(st, 1),
	    .vw = sqlite3_column_int(st, 2),
	    .vh = sqlite3_column_int(st, 3),
	    .dw = sqlite3_column_int(st, 4),
	    .dh = sqlite3_column_int(st, 5),
	};
	return fw->cb.click(fw->ctx, &c);
}

int sqlite_clicks_scan(struct store *base, const struct store_filter *f,
		       store_click_cb cb, void *ctx)
{
	struct forward fw = {.cb.click = cb, .ctx = ctx};
	struct sqlite_binds b = {.site_id = f->site_id,
				 .page = f->page ? f->page : ""};
	struct dynbuf sql;
	int rc;

	dynbuf_init(&sql, 4096);
	rc = dynbuf_adds(&sql, "SELECT c.x, c.y, c.vw, c.vh, c.dw, c.dh FROM"
			       " clicks c JOIN pageviews pv ON pv.id ="
			       " c.pageview_id WHERE c.page_id = (SELECT id"
			       " FROM pages WHERE site_id = ?1 AND path = ?2)");
	if (!rc)
		rc = sqlite_filter_sql(&sql, f, "c", "pv");
	return sqlite_read_rows((struct sqlite_store *)base, &sql, rc, &b,
				click_row, &fw, "scan clicks");
}

int sqlite_sample(struct store *base, const struct store_filter *f,
		  struct store_sample *ret_sample)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct store_sample sample = {0};
	struct dynbuf sql;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	const char *page_cond = f->page ? " AND page_id = (SELECT id FROM "
					  "pages WHERE site_id = ?1 AND "
					  "path = ?2)"
					: "";
	int rc;

	dynbuf_init(&sql, 4096);
	rc = dynbuf_addf(&sql,
			 "SELECT count(*), count(DISTINCT session) FROM"
			 " pageviews pv WHERE site_id = ?1%s",
			 page_cond);
	if (!rc)
		rc = filter_sql(&sql, f, "pv");
	if (!rc)
		rc = dynbuf_adds(&sql, " UNION ALL SELECT (");
	if (!rc)
		rc =
		    clicks_count_sql(&sql, f,
				     f->page ? "= (SELECT id FROM pages WHERE "
					       "site_id = ?1 AND path = ?2)"
					     : "IN (SELECT id FROM pages WHERE "
					       "site_id = ?1)");
	if (!rc)
		rc = dynbuf_adds(&sql, "), 0");
	if (rc)
		goto out;
	if ((rc = sqlite_read_begin(s, &sql, &db, &st)))
		goto out;
	sqlite3_bind_int64(st, 1, f->site_id);
	if (f->page)
		sqlite3_bind_text(st, 2, f->page, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = sqlite_db_fail(s, db, "sample");
		goto out;
	}
	sample.pageviews = sqlite3_column_int64(st, 0);
	sample.sessions = sqlite3_column_int64(st, 1);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = sqlite_db_fail(s, db, "sample clicks");
		goto out;
	}
	sample.clicks = sqlite3_column_int64(st, 0);
	*ret_sample = sample;
out:
	sqlite_read_end(s, db, st, &sql);
	return rc;
}

/* " AND day >= A AND day < B" for the filter's whole UTC days; the
 * all-time roll-up when there is no date range. */
static int day_sql(struct dynbuf *sql, const struct store_filter *f)
{
	int rc;

	if (!f->from_ms && !f->to_ms)
		return dynbuf_addf(sql, " AND day = %d", GRID_ALL_DAYS);
	rc = dynbuf_adds(sql, " AND day >= 0");
	if (!rc && f->from_ms)
		rc = dynbuf_addf(sql, " AND day >= %lld",
				 (long long)(f->from_ms / 86400000));
	if (!rc && f->to_ms)
		rc = dynbuf_addf(sql, " AND day < %lld",
				 (long long)((f->to_ms + 86399999) / 86400000));
	return rc;
}

/* the raw-event SQL below counts cells as store.h defines them */
_Static_assert(STORE_GRID_COLS == 360 && STORE_GRID_ROW_PX == 4,
	       "grid_query()'s raw cell SQL");

/* The table and condition of a grid kind's raw events. */
static void kind_source(enum store_grid_kind kind, const char **ret_table,
			const char **ret_cond)
{
	static const char *const conds[] = {
	    [STORE_GRID_CLICK] = "",
	    [STORE_GRID_MOVE] = "",
	    [STORE_GRID_DEAD] = " AND e.flags & 4",
	    [STORE_GRID_ERROR] = " AND e.flags & 8",
	    [STORE_GRID_RAGE] = " AND e.flags & 16",
	};
	*ret_table = kind == STORE_GRID_MOVE ? "moves" : "clicks";
	*ret_cond = conds[kind];
}

/* A grid read: from the grid tables, or, for a filter with a segment (or
 * a width band without a device class), the same cells counted from the
 * stored events. select_grid/select_raw name the columns of each; tail
 * follows the WHERE clause. */
static int grid_query(struct sqlite_store *s, sqlite3 *db,
		      const struct store_filter *f, enum store_grid_kind kind,
		      const char *select_grid, const char *select_raw,
		      const char *tail, sqlite3_stmt **ret)
{
	int raw = !store_segment_empty(&f->seg) || f->device < 0;
	const char *table, *cond;
	struct dynbuf sql;
	int rc;

	if (!f->page || !store_filter_one_class(f))
		return store_fail(&s->base, CALOR_EINVAL,
				  "grid reads need a page and a device or a "
				  "width band");
	dynbuf_init(&sql, 4096);
	if (raw) {
		kind_source(kind, &table, &cond);
		rc = dynbuf_addf(&sql,
				 "%s FROM %s e JOIN pageviews pv ON pv.id ="
				 " e.pageview_id WHERE e.page_id = (SELECT id"
				 " FROM pages WHERE site_id = ?1 AND path ="
				 " ?2)%s",
				 select_raw, table, cond);
		if (!rc)
			rc = sqlite_filter_sql(&sql, f, "e", "pv");
	} else {
		rc = dynbuf_addf(&sql,
				 "%s WHERE page_id = (SELECT id FROM pages"
				 " WHERE site_id = ?1 AND path = ?2) AND"
				 " device = %d AND kind = %d",
				 select_grid, f->device, (int)kind);
		if (!rc)
			rc = day_sql(&sql, f);
	}
	if (!rc)
		rc = dynbuf_adds(&sql, tail);
	if (!rc)
		rc = prepare_read(s, db, &sql, ret);
	if (!rc) {
		sqlite3_bind_int64(*ret, 1, f->site_id);
		sqlite3_bind_text(*ret, 2, f->page, -1, SQLITE_TRANSIENT);
	}
	dynbuf_done(&sql);
	return rc;
}

int sqlite_grid_scan(struct store *base, const struct store_filter *f,
		     enum store_grid_kind kind, store_grid_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	if ((rc = sqlite_read_acquire(s, &db)))
		return rc;
	/* events counted from rows come one per row (n = 1): the caller adds
	 * them up, which is cheaper than SQLite grouping a million rows */
	if ((rc = grid_query(s, db, f, kind, "SELECT cx, cy, n FROM grid",
			     "SELECT min(e.x * 360 / max(e.vw, 1), 32767),"
			     " e.y / 4, 1",
			     "", &st)))
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_grid_cell c = {
		    .cx = sqlite3_column_int(st, 0),
		    .cy = sqlite3_column_int(st, 1),
		    .n = sqlite3_column_int64(st, 2),
		};
		if ((rc = cb(ctx, &c)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "scan grid");
out:
	sqlite3_finalize(st);
	sqlite_read_release(s, db);
	return rc;
}

int sqlite_grid_widths(struct store *base, const struct store_filter *f,
		       enum store_grid_kind kind,
		       struct store_grid_width **ret_widths, size_t *ret_n)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct store_grid_width *w = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	if ((rc = sqlite_read_acquire(s, &db)))
		return rc;
	if ((rc = grid_query(s, db, f, kind,
			     "SELECT vw, sum(n), max(max_dh) FROM grid_widths",
			     kind == STORE_GRID_MOVE
				 ? "SELECT e.vw, count(*), 0"
				 : "SELECT e.vw, count(*), max(e.dh)",
			     " GROUP BY 1 ORDER BY 2 DESC, 1 DESC", &st)))
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			void *p = realloc(w, ncap * sizeof(*w));
			if (!p) {
				rc = CALOR_ENOMEM;
				goto out;
			}
			w = p;
			cap = ncap;
		}
		w[n].vw = sqlite3_column_int(st, 0);
		w[n].n = sqlite3_column_int64(st, 1);
		w[n].max_doc_h = sqlite3_column_int(st, 2);
		n++;
	}
	if (step != SQLITE_DONE) {
		rc = sqlite_db_fail(s, db, "read grid widths");
		goto out;
	}
	*ret_widths = w;
	*ret_n = n;
	w = NULL;
out:
	free(w);
	sqlite3_finalize(st);
	sqlite_read_release(s, db);
	return rc;
}

static int scroll_row(sqlite3_stmt *st, void *ctx)
{
	struct forward *fw = ctx;
	const unsigned char *blob = sqlite3_column_blob(st, 4);
	struct store_scroll sc;

	memset(&sc, 0, sizeof(sc));
	sc.depth = sqlite3_column_int(st, 0);
	sc.doc_h = sqlite3_column_int(st, 1);
	sc.fold = sqlite3_column_int(st, 2);
	sc.reversals = sqlite3_column_int(st, 3);
	if (blob && sqlite3_column_bytes(st, 4) == INGEST_BANDS * 4) {
		sc.has_dwell = 1;
		for (int i = 0; i < INGEST_BANDS; i++)
			sc.dwell[i] = (uint32_t)blob[4 * i] |
				      (uint32_t)blob[4 * i + 1] << 8 |
				      (uint32_t)blob[4 * i + 2] << 16 |
				      (uint32_t)blob[4 * i + 3] << 24;
	}
	return fw->cb.scroll(fw->ctx, &sc);
}

int sqlite_scroll_scan(struct store *base, const struct store_filter *f,
		       store_scroll_cb cb, void *ctx)
{
	struct forward fw = {.cb.scroll = cb, .ctx = ctx};
	struct sqlite_binds b = {.site_id = f->site_id, .page = f->page};
	struct dynbuf sql;
	int rc;

	if (!f->page)
		return store_fail(base, CALOR_EINVAL,
				  "scroll scans need a page");
	dynbuf_init(&sql, 4096);
	rc = dynbuf_adds(&sql, "SELECT max_depth, doc_h, fold, reversals, dwell"
			       " FROM pageviews pv WHERE page_id = (SELECT id"
			       " FROM pages WHERE site_id = ?1 AND path = ?2)");
	if (!rc)
		rc = filter_sql(&sql, f, "pv");
	return sqlite_read_rows((struct sqlite_store *)base, &sql, rc, &b,
				scroll_row, &fw, "scan scroll");
}

static int attrs_row(sqlite3_stmt *st, void *ctx)
{
	struct forward *fw = ctx;
	struct store_click_attrs c = {
	    .x = sqlite3_column_int(st, 0),
	    .y = sqlite3_column_int(st, 1),
	    .vw = sqlite3_column_int(st, 2),
	    .dh = sqlite3_column_int(st, 3),
	    .is_new = sqlite3_column_int(st, 4),
	    .browser = sqlite3_column_int(st, 5),
	    .os = sqlite3_column_int(st, 6),
	    .referrer = sqlite_text_col(st, 7),
	    .utm_source = sqlite_text_col(st, 8),
	    .utm_medium = sqlite_text_col(st, 9),
	    .tag = (const char *)sqlite3_column_text(st, 10),
	};
	return fw->cb.attrs(fw->ctx, &c);
}

int sqlite_clicks_attrs_scan(struct store *base, const struct store_filter *f,
			     const char *tag_key, int64_t stride,
			     store_attrs_cb cb, void *ctx)
{
	struct forward fw = {.cb.attrs = cb, .ctx = ctx};
	struct sqlite_binds b = {.site_id = f->site_id,
				 .page = f->page,
				 .text3 = tag_key,
				 .int4 = stride};
	struct dynbuf sql;
	int rc;

	if (!f->page || !store_filter_one_class(f) || stride < 1)
		return store_fail(base, CALOR_EINVAL,
				  "click scans need a page, a device or a "
				  "width band, and a stride");
	dynbuf_init(&sql, 4096);
	rc = dynbuf_addf(
	    &sql,
	    "SELECT c.x, c.y, c.vw, c.dh, pv.is_new, pv.browser, pv.os,"
	    " pv.referrer, pv.utm_source, pv.utm_medium, t.value"
	    " FROM clicks c JOIN pageviews pv ON pv.id = c.pageview_id"
	    " LEFT JOIN pageview_tags t ON t.pageview_id = pv.id"
	    " AND t.key = ?3"
	    " WHERE c.page_id = (SELECT id FROM pages WHERE site_id = ?1"
	    " AND path = ?2)%s",
	    stride > 1 ? " AND c.id % ?4 = 0" : "");
	if (!rc)
		rc = sqlite_filter_sql(&sql, f, "c", "pv");
	return sqlite_read_rows((struct sqlite_store *)base, &sql, rc, &b,
				attrs_row, &fw, "scan clicks");
}
