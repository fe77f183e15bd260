/* SPDX-License-Identifier: MIT */
/* store_sqlite_export: a site's page views, clicks, moves and goals as
 * typed records, streamed from one read snapshot in rowid order. */
#include <stdlib.h>
#include <string.h>

#include "store_sqlite_int.h"

/* ---- export ---- */

/* Every scan walks its table in rowid order (CROSS JOIN fixes the loop
 * order, "+" keeps the site index out) so rows stream in storage order with
 * no sort: memory and temporary files stay constant however large the
 * site. */
static const char export_pageviews_sql[] =
    "SELECT pv.id, pv.client_id, pv.session, p.path, pv.referrer,"
    " pv.device, pv.vw, pv.vh, pv.dpr, pv.is_new, pv.ts, pv.browser, pv.os,"
    " pv.utm_source, pv.utm_medium, pv.utm_campaign, pv.utm_term,"
    " pv.utm_content, pv.fold, pv.reversals, pv.max_depth, pv.doc_h,"
    " pv.dwell FROM pageviews pv CROSS JOIN pages p ON p.id = pv.page_id"
    " WHERE +pv.site_id = ?1 ORDER BY pv.id";
static const char export_tags_sql[] = "SELECT key, value FROM pageview_tags"
				      " WHERE pageview_id = ?1 ORDER BY key";
static const char export_clicks_sql[] =
    "SELECT pv.client_id, p.path, c.device, c.ts, c.x, c.y, c.vw, c.vh,"
    " c.dw, c.dh, c.selector, c.off_x, c.off_y, c.el_w, c.el_h, c.pointer,"
    " c.flags FROM clicks c CROSS JOIN pageviews pv ON pv.id = c.pageview_id"
    " CROSS JOIN pages p ON p.id = c.page_id WHERE +pv.site_id = ?1"
    " ORDER BY c.id";
static const char export_moves_sql[] =
    "SELECT pv.client_id, p.path, m.device, m.ts, m.x, m.y, m.vw"
    " FROM moves m CROSS JOIN pageviews pv ON pv.id = m.pageview_id"
    " CROSS JOIN pages p ON p.id = m.page_id WHERE +pv.site_id = ?1"
    " ORDER BY m.id";
static const char export_goals_sql[] =
    "SELECT pv.client_id, g.session, p.path, g.name, g.ts"
    " FROM goals g CROSS JOIN pageviews pv ON pv.id = g.pageview_id"
    " CROSS JOIN pages p ON p.id = pv.page_id WHERE +g.site_id = ?1"
    " ORDER BY g.id";

/* One page view's tags, copied out of their statement (fixed size: the
 * export's memory does not grow with the site). */
struct export_tags {
	struct ingest_tag tags[STORE_EXPORT_MAX_TAGS];
	char key[STORE_EXPORT_MAX_TAGS][INGEST_MAX_TAG_KEY + 1];
	char value[STORE_EXPORT_MAX_TAGS][INGEST_MAX_TAG_VALUE + 1];
	uint32_t dwell[INGEST_BANDS];
};

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return t ? t : "";
}

static int export_prepare(struct sqlite_store *s, sqlite3 *db, const char *sql,
			  int64_t site_id, sqlite3_stmt **ret_st)
{
	if (sqlite3_prepare_v2(db, sql, -1, ret_st, NULL) != SQLITE_OK)
		return sqlite_db_fail(s, db, "prepare export");
	sqlite3_bind_int64(*ret_st, 1, site_id);
	return 0;
}

static int export_tags_load(struct sqlite_store *s, sqlite3 *db,
			    sqlite3_stmt *st, int64_t pv_id,
			    const char *client_id, struct export_tags *t,
			    size_t *ret_n)
{
	size_t n = 0;
	int step, rc = 0;

	sqlite3_bind_int64(st, 1, pv_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = col_text(st, 0), *v = col_text(st, 1);
		if (n == STORE_EXPORT_MAX_TAGS) {
			rc = store_fail(&s->base, CALOR_ETOOBIG,
					"page view %.64s has more than %d tags",
					client_id, STORE_EXPORT_MAX_TAGS);
			goto out;
		}
		if (strlen(k) > INGEST_MAX_TAG_KEY ||
		    strlen(v) > INGEST_MAX_TAG_VALUE) {
			rc = store_fail(&s->base, CALOR_ESTORE,
					"page view %.64s: a stored tag is "
					"longer than its cap",
					client_id);
			goto out;
		}
		str_copy(t->key[n], k, sizeof(t->key[n]));
		str_copy(t->value[n], v, sizeof(t->value[n]));
		t->tags[n].key = t->key[n];
		t->tags[n].value = t->value[n];
		n++;
	}
	if (step != SQLITE_DONE) {
		rc = sqlite_db_fail(s, db, "export tags");
		goto out;
	}
	*ret_n = n;
out:
	sqlite3_reset(st);
	return rc;
}

static int export_pageviews(struct sqlite_store *s, sqlite3 *db,
			    int64_t site_id, const struct store_export_cb *cb,
			    void *ctx, struct export_tags *t)
{
	sqlite3_stmt *st = NULL, *tags = NULL;
	int rc, step;

	if ((rc = export_prepare(s, db, export_pageviews_sql, site_id, &st)))
		goto out;
	if (sqlite3_prepare_v2(db, export_tags_sql, -1, &tags, NULL) !=
	    SQLITE_OK) {
		rc = sqlite_db_fail(s, db, "prepare export tags");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_export_pageview pv = {
		    .id = col_text(st, 1),
		    .session = col_text(st, 2),
		    .page = col_text(st, 3),
		    .referrer = col_text(st, 4),
		    .device = (enum device_class)sqlite3_column_int(st, 5),
		    .vw = sqlite3_column_int(st, 6),
		    .vh = sqlite3_column_int(st, 7),
		    .dpr = sqlite3_column_double(st, 8),
		    .is_new = sqlite3_column_int(st, 9),
		    .ts = sqlite3_column_int64(st, 10),
		    .browser = (enum browser_family)sqlite3_column_int(st, 11),
		    .os = (enum os_family)sqlite3_column_int(st, 12),
		    .utm_source = col_text(st, 13),
		    .utm_medium = col_text(st, 14),
		    .utm_campaign = col_text(st, 15),
		    .utm_term = col_text(st, 16),
		    .utm_content = col_text(st, 17),
		    .fold = sqlite3_column_int(st, 18),
		    .reversals = sqlite3_column_int64(st, 19),
		    .max_depth = sqlite3_column_int(st, 20),
		    .doc_h = sqlite3_column_int(st, 21),
		    .tags = t->tags,
		};
		const unsigned char *blob = sqlite3_column_blob(st, 22);
		int len = sqlite3_column_bytes(st, 22);

		if (blob && len != (int)sizeof(t->dwell)) {
			rc = store_fail(&s->base, CALOR_ESTORE,
					"page view %.64s: dwell is %d bytes, "
					"not %d",
					pv.id, len, (int)sizeof(t->dwell));
			goto out;
		}
		if (blob) {
			for (int i = 0; i < INGEST_BANDS; i++)
				t->dwell[i] = (uint32_t)blob[4 * i] |
					      (uint32_t)blob[4 * i + 1] << 8 |
					      (uint32_t)blob[4 * i + 2] << 16 |
					      (uint32_t)blob[4 * i + 3] << 24;
			pv.dwell = t->dwell;
		}
		if ((rc = export_tags_load(s, db, tags,
					   sqlite3_column_int64(st, 0), pv.id,
					   t, &pv.n_tags)))
			goto out;
		if ((rc = cb->pageview(ctx, &pv)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "export page views");
out:
	sqlite3_finalize(tags);
	sqlite3_finalize(st);
	return rc;
}

static int export_clicks(struct sqlite_store *s, sqlite3 *db, int64_t site_id,
			 const struct store_export_cb *cb, void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	if ((rc = export_prepare(s, db, export_clicks_sql, site_id, &st)))
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_export_click c = {
		    .pageview = col_text(st, 0),
		    .page = col_text(st, 1),
		    .device = (enum device_class)sqlite3_column_int(st, 2),
		    .ts = sqlite3_column_int64(st, 3),
		    .x = sqlite3_column_int(st, 4),
		    .y = sqlite3_column_int(st, 5),
		    .vw = sqlite3_column_int(st, 6),
		    .vh = sqlite3_column_int(st, 7),
		    .dw = sqlite3_column_int(st, 8),
		    .dh = sqlite3_column_int(st, 9),
		    .selector = col_text(st, 10),
		    .off_x = sqlite3_column_int(st, 11),
		    .off_y = sqlite3_column_int(st, 12),
		    .el_w = sqlite3_column_int(st, 13),
		    .el_h = sqlite3_column_int(st, 14),
		    .pointer = (enum pointer_type)sqlite3_column_int(st, 15),
		    .flags = (unsigned)sqlite3_column_int(st, 16),
		};
		if ((rc = cb->click(ctx, &c)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "export clicks");
out:
	sqlite3_finalize(st);
	return rc;
}

static int export_moves(struct sqlite_store *s, sqlite3 *db, int64_t site_id,
			const struct store_export_cb *cb, void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	if ((rc = export_prepare(s, db, export_moves_sql, site_id, &st)))
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_export_move m = {
		    .pageview = col_text(st, 0),
		    .page = col_text(st, 1),
		    .device = (enum device_class)sqlite3_column_int(st, 2),
		    .ts = sqlite3_column_int64(st, 3),
		    .x = sqlite3_column_int(st, 4),
		    .y = sqlite3_column_int(st, 5),
		    .vw = sqlite3_column_int(st, 6),
		};
		if ((rc = cb->move(ctx, &m)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "export moves");
out:
	sqlite3_finalize(st);
	return rc;
}

static int export_goals(struct sqlite_store *s, sqlite3 *db, int64_t site_id,
			const struct store_export_cb *cb, void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	if ((rc = export_prepare(s, db, export_goals_sql, site_id, &st)))
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_export_goal g = {
		    .pageview = col_text(st, 0),
		    .session = col_text(st, 1),
		    .page = col_text(st, 2),
		    .name = col_text(st, 3),
		    .ts = sqlite3_column_int64(st, 4),
		};
		if ((rc = cb->goal(ctx, &g)))
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "export goals");
out:
	sqlite3_finalize(st);
	return rc;
}

/* Four scans in storage order inside one read transaction: the snapshot
 * keeps page views before their events even while the writer commits. */
int sqlite_export_site(struct store *base, int64_t site_id,
		       const struct store_export_cb *cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct export_tags *t = NULL;
	sqlite3 *db = NULL;
	int rc, in_tx = 0;

	t = malloc(sizeof(*t));
	if (!t)
		return CALOR_ENOMEM;
	if ((rc = sqlite_read_acquire(s, &db)))
		goto out;
	if ((rc = sqlite_db_exec(s, db, "BEGIN")))
		goto out;
	in_tx = 1;
	rc = export_pageviews(s, db, site_id, cb, ctx, t);
	if (!rc)
		rc = export_clicks(s, db, site_id, cb, ctx);
	if (!rc)
		rc = export_moves(s, db, site_id, cb, ctx);
	if (!rc)
		rc = export_goals(s, db, site_id, cb, ctx);
out:
	if (in_tx)
		sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	if (db)
		sqlite_read_release(s, db);
	free(t);
	return rc;
}
