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

/* The caller's callback and context, for the row functions. */
struct forward {
	union {
		store_element_cb element;
		store_example_cb example;
		store_pageview_cb pageview;
		store_goal_cb goal;
	} cb;
	void *ctx;
};

static int element_row(sqlite3_stmt *st, void *ctx)
{
	struct forward *fw = ctx;
	struct store_element e = {
	    .page = sqlite_text_col(st, 0),
	    .selector = sqlite_text_col(st, 1),
	    .clicks = sqlite3_column_int64(st, 2),
	    .sessions = sqlite3_column_int64(st, 3),
	    .rage = sqlite3_column_int64(st, 4),
	    .dead = sqlite3_column_int64(st, 5),
	    .error = sqlite3_column_int64(st, 6),
	    .interactive = sqlite3_column_int64(st, 7),
	    .converted = sqlite3_column_int64(st, 8),
	    .last_ts = sqlite3_column_int64(st, 9),
	};
	return fw->cb.element(fw->ctx, &e);
}

int sqlite_elements_scan(struct store *base, const struct store_filter *f,
			 unsigned flags, const char *goal, size_t limit,
			 store_element_cb cb, void *ctx)
{
	struct forward fw = {.cb.element = cb, .ctx = ctx};
	struct sqlite_binds b = {
	    .site_id = f->site_id, .page = f->page, .text3 = goal};
	struct dynbuf sql;
	int rc;

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
	return sqlite_read_rows((struct sqlite_store *)base, &sql, rc, &b,
				element_row, &fw, "scan elements");
}

static int example_row(sqlite3_stmt *st, void *ctx)
{
	struct forward *fw = ctx;
	struct store_example e = {
	    .ts = sqlite3_column_int64(st, 0),
	    .pageview = sqlite_text_col(st, 1),
	    .session = sqlite_text_col(st, 2),
	};
	return fw->cb.example(fw->ctx, &e);
}

int sqlite_click_examples(struct store *base, const struct store_filter *f,
			  const char *page, const char *selector,
			  unsigned flags, size_t n, store_example_cb cb,
			  void *ctx)
{
	struct forward fw = {.cb.example = cb, .ctx = ctx};
	struct sqlite_binds b = {
	    .site_id = f->site_id, .page = page, .text3 = selector};
	struct dynbuf sql;
	int rc;

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
	return sqlite_read_rows((struct sqlite_store *)base, &sql, rc, &b,
				example_row, &fw, "click examples");
}

static int pageview_row(sqlite3_stmt *st, void *ctx)
{
	struct forward *fw = ctx;
	struct store_pageview pv = {
	    .page = sqlite_text_col(st, 0),
	    .session = sqlite_text_col(st, 1),
	    .id = sqlite_text_col(st, 2),
	    .ts = sqlite3_column_int64(st, 3),
	    .reversals = sqlite3_column_int(st, 4),
	    .depth = sqlite3_column_int(st, 5),
	    .doc_h = sqlite3_column_int(st, 6),
	};
	return fw->cb.pageview(fw->ctx, &pv);
}

int sqlite_pageviews_scan(struct store *base, const struct store_filter *f,
			  store_pageview_cb cb, void *ctx)
{
	struct forward fw = {.cb.pageview = cb, .ctx = ctx};
	struct sqlite_binds b = {.site_id = f->site_id, .page = f->page};
	struct dynbuf sql;
	int rc;

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
	return sqlite_read_rows((struct sqlite_store *)base, &sql, rc, &b,
				pageview_row, &fw, "scan page views");
}

static int goal_row(sqlite3_stmt *st, void *ctx)
{
	struct forward *fw = ctx;
	struct store_goal g = {
	    .name = sqlite_text_col(st, 0),
	    .sessions = sqlite3_column_int64(st, 1),
	};
	return fw->cb.goal(fw->ctx, &g);
}

int sqlite_goals_list(struct store *base, const struct store_filter *f,
		      store_goal_cb cb, void *ctx)
{
	struct forward fw = {.cb.goal = cb, .ctx = ctx};
	struct sqlite_binds b = {.site_id = f->site_id, .page = f->page};
	struct dynbuf sql;
	int rc;

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
	return sqlite_read_rows((struct sqlite_store *)base, &sql, rc, &b,
				goal_row, &fw, "list goals");
}
