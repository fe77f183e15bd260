/* SPDX-License-Identifier: MIT */
/* store_sqlite_read: the SQLite backend's reads — pages, samples, raw
 * clicks, the pre-aggregated grids, scroll records and clicks with their
 * visitors' attributes — on the pool of read connections. */
#include <stdlib.h>
#include <string.h>

#include "store_sqlite_int.h"

static int day_sql(struct dynbuf *sql, const struct store_filter *f);

/* ---- reading ---- */

/* Appends " AND <col>.device = ? AND ts >= ? ..." for the filter; binds in
 * the same order through bind_filter(). */
static int filter_sql(struct dynbuf *sql, const struct store_filter *f,
		      const char *alias)
{
	int rc = 0;
	if (f->device >= 0)
		rc = dynbuf_addf(sql, " AND %s.device = %d", alias, f->device);
	if (!rc && f->from_ms)
		rc = dynbuf_addf(sql, " AND %s.ts >= %lld", alias,
				 (long long)f->from_ms);
	if (!rc && f->to_ms)
		rc = dynbuf_addf(sql, " AND %s.ts < %lld", alias,
				 (long long)f->to_ms);
	return rc;
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
static int read_begin(struct sqlite_store *s, struct dynbuf *sql,
		      sqlite3 **ret_db, sqlite3_stmt **ret_st)
{
	int rc = sqlite_read_acquire(s, ret_db);
	return rc ? rc : prepare_read(s, *ret_db, sql, ret_st);
}

/* The end of every read: the statement, the connection, the SQL text. */
static void read_end(struct sqlite_store *s, sqlite3 *db, sqlite3_stmt *st,
		     struct dynbuf *sql)
{
	sqlite3_finalize(st);
	if (db)
		sqlite_read_release(s, db);
	dynbuf_done(sql);
}

/* A scalar subquery body: the clicks of the pages matching page_expr
 * ("= p.id", "IN (...)") under the filter's device and days, counted from
 * the grid's widths table rather than row by row. */
static int grid_clicks_sql(struct dynbuf *sql, const struct store_filter *f,
			   const char *page_expr)
{
	int rc = dynbuf_addf(sql,
			     "SELECT coalesce(sum(n), 0) FROM grid_widths g"
			     " WHERE g.kind = %d AND g.page_id %s",
			     STORE_GRID_CLICK, page_expr);
	if (!rc && f->device >= 0)
		rc = dynbuf_addf(sql, " AND g.device = %d", f->device);
	if (!rc)
		rc = day_sql(sql, f);
	return rc;
}

int sqlite_pages_list(struct store *base, const struct store_filter *f,
		      store_page_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct dynbuf sql;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	dynbuf_init(&sql, 4096);
	rc = dynbuf_adds(&sql,
			 "SELECT p.path, count(*), count(DISTINCT pv.session),"
			 " (");
	if (!rc)
		rc = grid_clicks_sql(&sql, f, "= p.id");
	if (!rc)
		rc = dynbuf_adds(&sql,
				 ") FROM pages p JOIN pageviews pv ON"
				 " pv.page_id = p.id WHERE p.site_id = ?1");
	if (!rc)
		rc = filter_sql(&sql, f, "pv");
	if (!rc)
		rc = dynbuf_adds(&sql, " GROUP BY p.id ORDER BY 2 DESC, p.path"
				       " LIMIT 1000");
	if (rc)
		goto out;
	if ((rc = read_begin(s, &sql, &db, &st)))
		goto out;
	sqlite3_bind_int64(st, 1, f->site_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_page p = {
		    .path = (const char *)sqlite3_column_text(st, 0),
		    .pageviews = sqlite3_column_int64(st, 1),
		    .sessions = sqlite3_column_int64(st, 2),
		    .clicks = sqlite3_column_int64(st, 3),
		};
		if ((rc = cb(ctx, &p)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "list pages");
out:
	read_end(s, db, st, &sql);
	return rc;
}

int sqlite_clicks_scan(struct store *base, const struct store_filter *f,
		       store_click_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct dynbuf sql;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	dynbuf_init(&sql, 4096);
	rc = dynbuf_adds(&sql, "SELECT c.x, c.y, c.vw, c.vh, c.dw, c.dh FROM"
			       " clicks c WHERE c.page_id = (SELECT id FROM"
			       " pages WHERE site_id = ?1 AND path = ?2)");
	if (!rc)
		rc = filter_sql(&sql, f, "c");
	if (rc)
		goto out;
	if ((rc = read_begin(s, &sql, &db, &st)))
		goto out;
	sqlite3_bind_int64(st, 1, f->site_id);
	sqlite3_bind_text(st, 2, f->page ? f->page : "", -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_click c = {
		    .x = sqlite3_column_int(st, 0),
		    .y = sqlite3_column_int(st, 1),
		    .vw = sqlite3_column_int(st, 2),
		    .vh = sqlite3_column_int(st, 3),
		    .dw = sqlite3_column_int(st, 4),
		    .dh = sqlite3_column_int(st, 5),
		};
		if ((rc = cb(ctx, &c)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "scan clicks");
out:
	read_end(s, db, st, &sql);
	return rc;
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
		rc = grid_clicks_sql(&sql, f,
				     f->page ? "= (SELECT id FROM pages WHERE "
					       "site_id = ?1 AND path = ?2)"
					     : "IN (SELECT id FROM pages WHERE "
					       "site_id = ?1)");
	if (!rc)
		rc = dynbuf_adds(&sql, "), 0");
	if (rc)
		goto out;
	if ((rc = read_begin(s, &sql, &db, &st)))
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
	read_end(s, db, st, &sql);
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

static int grid_query(struct sqlite_store *s, sqlite3 *db,
		      const struct store_filter *f, enum store_grid_kind kind,
		      const char *select, const char *tail, sqlite3_stmt **ret)
{
	struct dynbuf sql;
	int rc;

	if (!f->page || f->device < 0)
		return store_fail(&s->base, CALOR_EINVAL,
				  "grid reads need a page and a device");
	dynbuf_init(&sql, 4096);
	rc = dynbuf_addf(&sql,
			 "%s WHERE page_id = (SELECT id FROM pages WHERE"
			 " site_id = ?1 AND path = ?2) AND device = %d AND"
			 " kind = %d",
			 select, f->device, (int)kind);
	if (!rc)
		rc = day_sql(&sql, f);
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
	if ((rc = grid_query(s, db, f, kind, "SELECT cx, cy, n FROM grid", "",
			     &st)))
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
			     " GROUP BY vw ORDER BY 2 DESC, vw DESC", &st)))
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

int sqlite_scroll_scan(struct store *base, const struct store_filter *f,
		       store_scroll_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct dynbuf sql;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	if (!f->page)
		return store_fail(base, CALOR_EINVAL,
				  "scroll scans need a page");
	dynbuf_init(&sql, 4096);
	rc = dynbuf_adds(&sql, "SELECT max_depth, doc_h, fold, reversals, dwell"
			       " FROM pageviews pv WHERE page_id = (SELECT id"
			       " FROM pages WHERE site_id = ?1 AND path = ?2)");
	if (!rc)
		rc = filter_sql(&sql, f, "pv");
	if (rc)
		goto out;
	if ((rc = read_begin(s, &sql, &db, &st)))
		goto out;
	sqlite3_bind_int64(st, 1, f->site_id);
	sqlite3_bind_text(st, 2, f->page, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_scroll sc;
		const unsigned char *blob = sqlite3_column_blob(st, 4);

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
		if ((rc = cb(ctx, &sc)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "scan scroll");
out:
	read_end(s, db, st, &sql);
	return rc;
}

int sqlite_clicks_attrs_scan(struct store *base, const struct store_filter *f,
			     const char *tag_key, int64_t stride,
			     store_attrs_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct dynbuf sql;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	if (!f->page || f->device < 0 || stride < 1)
		return store_fail(base, CALOR_EINVAL,
				  "click scans need a page, a device and a "
				  "stride");
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
		rc = filter_sql(&sql, f, "c");
	if (rc)
		goto out;
	if ((rc = read_begin(s, &sql, &db, &st)))
		goto out;
	sqlite3_bind_int64(st, 1, f->site_id);
	sqlite3_bind_text(st, 2, f->page, -1, SQLITE_STATIC);
	if (tag_key)
		sqlite3_bind_text(st, 3, tag_key, -1, SQLITE_STATIC);
	if (stride > 1)
		sqlite3_bind_int64(st, 4, stride);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_click_attrs c = {
		    .x = sqlite3_column_int(st, 0),
		    .y = sqlite3_column_int(st, 1),
		    .vw = sqlite3_column_int(st, 2),
		    .dh = sqlite3_column_int(st, 3),
		    .is_new = sqlite3_column_int(st, 4),
		    .browser = sqlite3_column_int(st, 5),
		    .os = sqlite3_column_int(st, 6),
		    .referrer = (const char *)sqlite3_column_text(st, 7),
		    .utm_source = (const char *)sqlite3_column_text(st, 8),
		    .utm_medium = (const char *)sqlite3_column_text(st, 9),
		    .tag = (const char *)sqlite3_column_text(st, 10),
		};
		if (!c.referrer)
			c.referrer = "";
		if (!c.utm_source)
			c.utm_source = "";
		if (!c.utm_medium)
			c.utm_medium = "";
		if ((rc = cb(ctx, &c)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "scan clicks");
out:
	read_end(s, db, st, &sql);
	return rc;
}
