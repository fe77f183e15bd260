/* SPDX-License-Identifier: MIT */
/* store_sqlite_insight: the SQLite backend's reads for the element table
 * and the frustration signals — clicks grouped by element, examples of a
 * signal, page views in session order, and the goals reached. */
#include <string.h>

#include "store_sqlite_int.h"

/* " AND c.page_id = (the filter's page)" or " AND p.site_id = ?1". */
static int page_sql(struct dynbuf *sql, const struct store_filter *f)
{
	return dynbuf_adds(sql, f->page ? " AND c.page_id = (SELECT id FROM"
					  " pages WHERE site_id = ?1 AND"
					  " path = ?2)"
					: " AND p.site_id = ?1");
}

/* The clicks table, read through the partial index of a flag when one
 * flag is asked for: flagged clicks are few, and without statistics the
 * planner would read every click of the page instead. */
static const char *clicks_from(unsigned flags)
{
	switch (flags) {
	case CLICK_RAGE: return "clicks c INDEXED BY clicks_rage";
	case CLICK_DEAD: return "clicks c INDEXED BY clicks_dead";
	case CLICK_ERROR: return "clicks c INDEXED BY clicks_error";
	default: return "clicks c";
	}
}

static void bind_site_page(sqlite3_stmt *st, const struct store_filter *f)
{
	sqlite3_bind_int64(st, 1, f->site_id);
	if (f->page)
		sqlite3_bind_text(st, 2, f->page, -1, SQLITE_STATIC);
}

int sqlite_elements_scan(struct store *base, const struct store_filter *f,
			 unsigned flags, const char *goal, size_t limit,
			 store_element_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct dynbuf sql;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	dynbuf_init(&sql, 8192);
	/* the sessions that reached the goal, once each, joined by session */
	rc = dynbuf_addf(
	    &sql,
	    "SELECT p.path, c.selector, count(*), count(DISTINCT pv.session),"
	    " sum(c.flags & 16 != 0), sum(c.flags & 4 != 0),"
	    " sum(c.flags & 8 != 0), sum(c.flags & 2 != 0),"
	    " count(DISTINCT cv.session), max(c.ts)"
	    " FROM %s JOIN pageviews pv ON pv.id = c.pageview_id"
	    " JOIN pages p ON p.id = c.page_id"
	    " LEFT JOIN (SELECT DISTINCT session FROM goals WHERE site_id = ?1"
	    " AND name = ?3) cv ON cv.session = pv.session"
	    " WHERE c.flags & %u = %u",
	    clicks_from(flags), flags, flags);
	if (!rc)
		rc = page_sql(&sql, f);
	if (!rc)
		rc = sqlite_filter_sql(&sql, f, "c", "pv");
	if (!rc)
		rc = dynbuf_addf(&sql,
				 " GROUP BY c.page_id, c.selector ORDER BY 3"
				 " DESC, 1, 2 LIMIT %zu",
				 limit);
	if (rc)
		goto out;
	if ((rc = sqlite_read_begin(s, &sql, &db, &st)))
		goto out;
	bind_site_page(st, f);
	if (goal)
		sqlite3_bind_text(st, 3, goal, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_element e = {
		    .page = (const char *)sqlite3_column_text(st, 0),
		    .selector = (const char *)sqlite3_column_text(st, 1),
		    .clicks = sqlite3_column_int64(st, 2),
		    .sessions = sqlite3_column_int64(st, 3),
		    .rage = sqlite3_column_int64(st, 4),
		    .dead = sqlite3_column_int64(st, 5),
		    .error = sqlite3_column_int64(st, 6),
		    .interactive = sqlite3_column_int64(st, 7),
		    .converted = sqlite3_column_int64(st, 8),
		    .last_ts = sqlite3_column_int64(st, 9),
		};
		if ((rc = cb(ctx, &e)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "scan elements");
out:
	sqlite_read_end(s, db, st, &sql);
	return rc;
}

int sqlite_click_examples(struct store *base, const struct store_filter *f,
			  const char *page, const char *selector,
			  unsigned flags, size_t n, store_example_cb cb,
			  void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct dynbuf sql;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	dynbuf_init(&sql, 4096);
	rc = dynbuf_addf(&sql,
			 "SELECT c.ts, pv.client_id, pv.session FROM %s"
			 " JOIN pageviews pv ON pv.id = c.pageview_id"
			 " WHERE c.page_id = (SELECT id FROM pages WHERE"
			 " site_id = ?1 AND path = ?2) AND c.selector = ?3"
			 " AND c.flags & %u = %u",
			 clicks_from(flags), flags, flags);
	if (!rc)
		rc = sqlite_filter_sql(&sql, f, "c", "pv");
	if (!rc)
		rc = dynbuf_addf(&sql,
				 " ORDER BY c.ts DESC, c.id DESC LIMIT %zu", n);
	if (rc)
		goto out;
	if ((rc = sqlite_read_begin(s, &sql, &db, &st)))
		goto out;
	sqlite3_bind_int64(st, 1, f->site_id);
	sqlite3_bind_text(st, 2, page, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, selector, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_example e = {
		    .ts = sqlite3_column_int64(st, 0),
		    .pageview = (const char *)sqlite3_column_text(st, 1),
		    .session = (const char *)sqlite3_column_text(st, 2),
		};
		if ((rc = cb(ctx, &e)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "click examples");
out:
	sqlite_read_end(s, db, st, &sql);
	return rc;
}

int sqlite_pageviews_scan(struct store *base, const struct store_filter *f,
			  store_pageview_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct dynbuf sql;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	dynbuf_init(&sql, 4096);
	rc = dynbuf_adds(&sql, "SELECT p.path, pv.session, pv.client_id,"
			       " pv.ts, pv.reversals, pv.max_depth, pv.doc_h"
			       " FROM pageviews pv JOIN pages p ON p.id ="
			       " pv.page_id WHERE pv.site_id = ?1");
	if (!rc && f->page)
		rc = dynbuf_adds(&sql, " AND p.path = ?2");
	if (!rc)
		rc = sqlite_filter_sql(&sql, f, "pv", "pv");
	if (!rc)
		rc = dynbuf_adds(&sql, " ORDER BY pv.session, pv.ts, pv.id");
	if (rc)
		goto out;
	if ((rc = sqlite_read_begin(s, &sql, &db, &st)))
		goto out;
	bind_site_page(st, f);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_pageview pv = {
		    .page = (const char *)sqlite3_column_text(st, 0),
		    .session = (const char *)sqlite3_column_text(st, 1),
		    .id = (const char *)sqlite3_column_text(st, 2),
		    .ts = sqlite3_column_int64(st, 3),
		    .reversals = sqlite3_column_int(st, 4),
		    .depth = sqlite3_column_int(st, 5),
		    .doc_h = sqlite3_column_int(st, 6),
		};
		if ((rc = cb(ctx, &pv)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "scan page views");
out:
	sqlite_read_end(s, db, st, &sql);
	return rc;
}

int sqlite_goals_list(struct store *base, const struct store_filter *f,
		      store_goal_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct dynbuf sql;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	dynbuf_init(&sql, 4096);
	/* goals of the sessions that have a page view under the filter */
	rc = dynbuf_adds(&sql, "SELECT g.name, count(DISTINCT g.session) FROM"
			       " goals g WHERE g.site_id = ?1 AND g.session IN"
			       " (SELECT pv.session FROM pageviews pv JOIN"
			       " pages p ON p.id = pv.page_id WHERE"
			       " pv.site_id = ?1");
	if (!rc && f->page)
		rc = dynbuf_adds(&sql, " AND p.path = ?2");
	if (!rc)
		rc = sqlite_filter_sql(&sql, f, "pv", "pv");
	if (!rc)
		rc = dynbuf_adds(&sql, ") GROUP BY g.name ORDER BY 2 DESC, 1"
				       " LIMIT 100");
	if (rc)
		goto out;
	if ((rc = sqlite_read_begin(s, &sql, &db, &st)))
		goto out;
	bind_site_page(st, f);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_goal g = {
		    .name = (const char *)sqlite3_column_text(st, 0),
		    .sessions = sqlite3_column_int64(st, 1),
		};
		if ((rc = cb(ctx, &g)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "list goals");
out:
	sqlite_read_end(s, db, st, &sql);
	return rc;
}
