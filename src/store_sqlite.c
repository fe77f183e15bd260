/* SPDX-License-Identifier: MIT */
/* store_sqlite: the default backend. One SQLite database (WAL,
 * synchronous=FULL) in the data directory; one write connection used by the
 * writer thread, and a pool of read connections for queries, which WAL lets
 * run beside the writer. */
#include "store_sqlite_int.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const write_sql[ST_COUNT] = {
    [ST_PAGE_INSERT] = "INSERT INTO pages(site_id, path) VALUES(?1, ?2)"
		       " ON CONFLICT DO NOTHING",
    [ST_PAGE_SELECT] = "SELECT id FROM pages WHERE site_id = ?1 AND path = ?2",
    [ST_PAGEVIEW_UPSERT] =
	"INSERT INTO pageviews(site_id, page_id, client_id, session,"
	" referrer, device, vw, vh, dpr, is_new, ts, max_depth, doc_h,"
	" browser, os, utm_source, utm_medium, utm_campaign, utm_term,"
	" utm_content, fold, reversals, source)"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)"
	" ON CONFLICT(site_id, client_id) DO UPDATE SET"
	"  max_depth = max(max_depth, excluded.max_depth),"
	"  doc_h = max(doc_h, excluded.doc_h),"
	"  fold = CASE WHEN fold = 0 THEN excluded.fold ELSE fold END,"
	"  reversals = reversals + excluded.reversals"
	" RETURNING id, page_id, device",
    [ST_BATCH_INSERT] = "INSERT OR IGNORE INTO batches(pageview_id, seq,"
			" received_ms, events) VALUES(?1, ?2, ?3, ?4)",
    [ST_CLICK_INSERT] =
	"INSERT INTO clicks(pageview_id, page_id, device, ts, x, y, vw,"
	" vh, dw, dh, selector, off_x, off_y, el_w, el_h, pointer,"
	" sel_hash, flags)"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	" ?14, ?15, ?16, ?17, ?18)",
    [ST_DWELL_SELECT] = "SELECT dwell FROM pageviews WHERE id = ?1",
    [ST_DWELL_UPDATE] = "UPDATE pageviews SET dwell = ?2 WHERE id = ?1",
    [ST_TAG_UPSERT] = "INSERT INTO pageview_tags(pageview_id, key, value)"
		      " VALUES(?1, ?2, ?3) ON CONFLICT DO UPDATE SET"
		      " value = excluded.value",
    [ST_GOAL_INSERT] = "INSERT INTO goals(site_id, pageview_id, session,"
		       " name, ts) VALUES(?1, ?2, ?3, ?4, ?5)",
    [ST_MOVE_INSERT] = "INSERT INTO moves(pageview_id, page_id, device,"
		       " ts, x, y, vw) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_GRID_UPSERT] = "INSERT INTO grid(page_id, device, kind, day, cy,"
		       " cx, n) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		       " ON CONFLICT DO UPDATE SET n = n + excluded.n",
    [ST_WIDTH_UPSERT] = "INSERT INTO grid_widths(page_id, device, kind,"
			" day, vw, n, max_dh) VALUES(?1, ?2, ?3, ?4, ?5,"
			" ?6, ?7) ON CONFLICT DO UPDATE SET"
			" n = n + excluded.n,"
			" max_dh = max(max_dh, excluded.max_dh)",
    /* a purge's counts taken off (store_sqlite_grid.c) */
    [ST_GRID_SUB] = "UPDATE grid SET n = n - ?7 WHERE page_id = ?1 AND"
		    " device = ?2 AND kind = ?3 AND day = ?4 AND cy = ?5 AND"
		    " cx = ?6 RETURNING n",
    [ST_GRID_DROP] = "DELETE FROM grid WHERE page_id = ?1 AND device = ?2"
		     " AND kind = ?3 AND day = ?4 AND cy = ?5 AND cx = ?6",
    [ST_WIDTH_SUB] = "UPDATE grid_widths SET n = n - ?6 WHERE page_id = ?1"
		     " AND device = ?2 AND kind = ?3 AND day = ?4 AND"
		     " vw = ?5 RETURNING n",
    [ST_WIDTH_DROP] = "DELETE FROM grid_widths WHERE page_id = ?1 AND"
		      " device = ?2 AND kind = ?3 AND day = ?4 AND vw = ?5",
    [ST_PREV_CLICKS] = "SELECT ts, x, y FROM clicks WHERE pageview_id = ?1"
		       " AND ts <= ?2 ORDER BY ts DESC, id DESC LIMIT ?3",
    [ST_SETTING_UPSERT] = "INSERT INTO site_settings(site_id, name, value)"
			  " VALUES(?1, ?2, ?3) ON CONFLICT DO UPDATE SET"
			  " value = excluded.value",
};

int sqlite_db_fail(struct sqlite_store *s, sqlite3 *db, const char *what)
{
	int code = sqlite3_errcode(db);
	int err = CALOR_ESTORE;

	if (code == SQLITE_FULL)
		err = CALOR_EFULL;
	else if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		err = CALOR_EBUSY;
	else if (code == SQLITE_IOERR || code == SQLITE_CANTOPEN)
		err = CALOR_EIO;
	return store_fail(&s->base, err, "%s: %s", what, sqlite3_errmsg(db));
}

/* calor_source(referrer, utm_source, utm_medium): ingest's source class,
 * for SQL (the migration that stored it for old page views). */
static void sql_source(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *v[3];

	for (int i = 0; i < 3 && i < argc; i++) {
		v[i] = (const char *)sqlite3_value_text(argv[i]);
		if (!v[i])
			v[i] = "";
	}
	sqlite3_result_int(ctx, (int)ingest_source_class(v[0], v[1], v[2]));
}

static int db_open(struct sqlite_store *s, int readonly, sqlite3 **ret_db)
{
	int flags = readonly ? SQLITE_OPEN_READONLY
			     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	sqlite3 *db = NULL;
	int rc;

	flags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(s->path, &db, flags, NULL) != SQLITE_OK) {
		rc = store_fail(&s->base, CALOR_EIO, "open %s: %s", s->path,
				db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_create_function(db, "calor_source", 3,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				    sql_source, NULL, NULL) != SQLITE_OK) {
		rc = sqlite_db_fail(s, db, "register calor_source");
		sqlite3_close(db);
		return rc;
	}
	*ret_db = db;
	return 0;
}

int sqlite_db_exec(struct sqlite_store *s, sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int err = sqlite_db_fail(s, db, msg ? msg : sql);
		sqlite3_free(msg);
		return err;
	}
	return 0;
}

/* ---- read pool ---- */

int sqlite_read_acquire(struct sqlite_store *s, sqlite3 **ret_db)
{
	sqlite3 *db = NULL;

	pthread_mutex_lock(&s->pool_lock);
	if (s->n_pool)
		db = s->pool[--s->n_pool];
	pthread_mutex_unlock(&s->pool_lock);
	if (db) {
		*ret_db = db;
		return 0;
	}
	return db_open(s, 1, ret_db);
}

void sqlite_read_release(struct sqlite_store *s, sqlite3 *db)
{
	pthread_mutex_lock(&s->pool_lock);
	if (s->n_pool < READ_POOL_MAX) {
		s->pool[s->n_pool++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&s->pool_lock);
	sqlite3_close(db);
}

/* ---- open / close ---- */

static void sqlite_close(struct store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->wdb);
	for (size_t i = 0; i < s->n_pool; i++)
		sqlite3_close(s->pool[i]);
	sqlite3_finalize(s->watch_st);
	sqlite3_close(s->watch_db);
	free(s->deltas);
	pthread_mutex_destroy(&s->write_lock);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_mutex_destroy(&s->watch_lock);
	free(s->path);
	free(s);
}

/* ---- writing ---- */

static int step_done(struct sqlite_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sqlite_db_fail(s, s->wdb, what);
	return 0;
}

/* Add a batch's attention deltas to the page view's per-band totals. */
static int write_dwell(struct sqlite_store *s, int64_t pv_id,
		       const uint32_t add[INGEST_BANDS])
{
	unsigned char blob[INGEST_BANDS * 4];
	sqlite3_stmt *st = s->st[ST_DWELL_SELECT];
	int rc;

	memset(blob, 0, sizeof(blob));
	sqlite3_bind_int64(st, 1, pv_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == sizeof(blob))
		memcpy(blob, sqlite3_column_blob(st, 0), sizeof(blob));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return sqlite_db_fail(s, s->wdb, "select dwell");
	for (int i = 0; i < INGEST_BANDS; i++) {
		uint64_t v = (uint64_t)blob[4 * i] |
			     (uint64_t)blob[4 * i + 1] << 8 |
			     (uint64_t)blob[4 * i + 2] << 16 |
			     (uint64_t)blob[4 * i + 3] << 24;
		v += add[i];
		if (v > UINT32_MAX)
			v = UINT32_MAX;
		for (int k = 0; k < 4; k++)
			blob[4 * i + k] = (unsigned char)(v >> (8 * k));
	}
	st = s->st[ST_DWELL_UPDATE];
	sqlite3_bind_int64(st, 1, pv_id);
	sqlite3_bind_blob(st, 2, blob, sizeof(blob), SQLITE_STATIC);
	return step_done(s, st, "update dwell");
}

/* 1 when a click at (x, y, ts) completes or extends a rage run with the
 * page view's previous clicks: the batch's rule, else store.h's. */
static int is_rage(struct sqlite_store *s, const struct ingest_batch *b,
		   int64_t pv_id, int64_t ts, int32_t x, int32_t y,
		   int *ret_rage)
{
	sqlite3_stmt *st = s->st[ST_PREV_CLICKS];
	int need = (b->rage_clicks ? b->rage_clicks : STORE_RAGE_CLICKS) - 1;
	int64_t max_ms = b->rage_ms ? b->rage_ms : STORE_RAGE_MS;
	int64_t px = b->rage_px ? b->rage_px : STORE_RAGE_PX;
	int64_t t = ts, cx = x, cy = y;
	int n = 0, step = SQLITE_DONE, rage = 1;

	sqlite3_bind_int64(st, 1, pv_id);
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_int(st, 3, need);
	/* walk back from this click: each earlier one within the gap and
	 * the distance of the one after it */
	while (rage && n < need && (step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pt = sqlite3_column_int64(st, 0);
		int64_t px0 = sqlite3_column_int64(st, 1);
		int64_t py0 = sqlite3_column_int64(st, 2);

		rage = t - pt <= max_ms &&
		       (cx - px0) * (cx - px0) + (cy - py0) * (cy - py0) <=
			   px * px;
		t = pt;
		cx = px0;
		cy = py0;
		n++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE && step != SQLITE_ROW)
		return sqlite_db_fail(s, s->wdb, "previous clicks");
	*ret_rage = rage && n == need;
	return 0;
}

static int write_click(struct sqlite_store *s, const struct ingest_batch *b,
		       const struct ingest_event *e, int64_t pv_id,
		       int64_t page_id, int64_t device)
{
	const struct ingest_click *c = &e->u.click;
	sqlite3_stmt *st = s->st[ST_CLICK_INSERT];
	unsigned flags = c->flags & ~(unsigned)CLICK_RAGE;
	int rc, rage = 0;

	if ((rc = is_rage(s, b, pv_id, e->ts, c->x, c->y, &rage)))
		return rc;
	if (rage)
		flags |= CLICK_RAGE;

	sqlite3_bind_int64(st, 1, pv_id);
	sqlite3_bind_int64(st, 2, page_id);
	sqlite3_bind_int64(st, 3, device);
	sqlite3_bind_int64(st, 4, e->ts);
	sqlite3_bind_int(st, 5, c->x);
	sqlite3_bind_int(st, 6, c->y);
	sqlite3_bind_int(st, 7, c->vw);
	sqlite3_bind_int(st, 8, c->vh);
	sqlite3_bind_int(st, 9, c->dw);
	sqlite3_bind_int(st, 10, c->dh);
	sqlite3_bind_text(st, 11, c->selector, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, c->off_x);
	sqlite3_bind_int(st, 13, c->off_y);
	sqlite3_bind_int(st, 14, c->el_w);
	sqlite3_bind_int(st, 15, c->el_h);
	sqlite3_bind_int(st, 16, c->pointer);
	sqlite3_bind_int64(st, 17, (int64_t)c->sel_hash);
	sqlite3_bind_int(st, 18, (int)flags);
	if ((rc = step_done(s, st, "insert click")))
		return rc;
	return sqlite_grid_click(s, page_id, device, e->ts, c->x, c->y, c->vw,
				 c->dh, flags, 1);
}

static int write_moves(struct sqlite_store *s, const struct ingest_event *e,
		       int64_t pv_id, int64_t page_id, int64_t device)
{
	const struct ingest_move *m = &e->u.move;
	sqlite3_stmt *st = s->st[ST_MOVE_INSERT];
	int rc;

	for (size_t i = 0; i < m->n; i++) {
		sqlite3_bind_int64(st, 1, pv_id);
		sqlite3_bind_int64(st, 2, page_id);
		sqlite3_bind_int64(st, 3, device);
		sqlite3_bind_int64(st, 4, e->ts + m->dt[i]);
		sqlite3_bind_int(st, 5, m->x[i]);
		sqlite3_bind_int(st, 6, m->y[i]);
		sqlite3_bind_int(st, 7, m->vw);
		if ((rc = step_done(s, st, "insert move")))
			return rc;
	}
	/* every point on its own day, like its cell: a purge finds each
	 * count where the point's row says */
	for (size_t i = 0; i < m->n; i++)
		if ((rc = sqlite_grid_move(s, page_id, device, e->ts + m->dt[i],
					   m->x[i], m->y[i], m->vw, m->doc_h,
					   1)))
			return rc;
	return 0;
}

static int write_goal(struct sqlite_store *s, const struct ingest_batch *b,
		      const struct ingest_event *e, int64_t pv_id)
{
	sqlite3_stmt *st = s->st[ST_GOAL_INSERT];

	sqlite3_bind_int64(st, 1, b->site_id);
	sqlite3_bind_int64(st, 2, pv_id);
	sqlite3_bind_text(st, 3, b->pv.session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->u.goal.name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, e->ts);
	return step_done(s, st, "insert goal");
}

/* Insert or update the page view; returns its id, page and device (an
 * existing page view keeps the page and device its first batch gave). */
static int write_pageview(struct sqlite_store *s, const struct ingest_batch *b,
			  const struct ingest_scroll *sum, int64_t *ret_pv_id,
			  int64_t *ret_page_id, int64_t *ret_device)
{
	const struct ingest_pageview *pv = &b->pv;
	const char *utm[5] = {pv->utm_source, pv->utm_medium, pv->utm_campaign,
			      pv->utm_term, pv->utm_content};
	sqlite3_stmt *st;
	int64_t page_id;
	int rc;

	st = s->st[ST_PAGE_INSERT];
	sqlite3_bind_int64(st, 1, b->site_id);
	sqlite3_bind_text(st, 2, pv->url, -1, SQLITE_STATIC);
	if ((rc = step_done(s, st, "insert page")))
		return rc;
	st = s->st[ST_PAGE_SELECT];
	sqlite3_bind_int64(st, 1, b->site_id);
	sqlite3_bind_text(st, 2, pv->url, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = sqlite_db_fail(s, s->wdb, "select page");
		sqlite3_reset(st);
		return rc;
	}
	page_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);

	st = s->st[ST_PAGEVIEW_UPSERT];
	sqlite3_bind_int64(st, 1, b->site_id);
	sqlite3_bind_int64(st, 2, page_id);
	sqlite3_bind_text(st, 3, pv->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pv->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, pv->referrer, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, pv->device);
	sqlite3_bind_int(st, 7, pv->vw);
	sqlite3_bind_int(st, 8, pv->vh);
	sqlite3_bind_double(st, 9, pv->dpr);
	sqlite3_bind_int(st, 10, pv->is_new);
	sqlite3_bind_int64(st, 11, pv->ts);
	sqlite3_bind_int(st, 12, sum->depth);
	sqlite3_bind_int(st, 13, sum->doc_h);
	sqlite3_bind_int(st, 14, pv->browser);
	sqlite3_bind_int(st, 15, pv->os);
	for (int i = 0; i < 5; i++)
		sqlite3_bind_text(st, 16 + i, utm[i] ? utm[i] : "", -1,
				  SQLITE_STATIC);
	sqlite3_bind_int(st, 21, sum->fold);
	sqlite3_bind_int(st, 22, sum->reversals);
	sqlite3_bind_int(st, 23,
			 (int)ingest_source_class(pv->referrer, pv->utm_source,
						  pv->utm_medium));
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = sqlite_db_fail(s, s->wdb, "upsert pageview");
		sqlite3_reset(st);
		return rc;
	}
	*ret_pv_id = sqlite3_column_int64(st, 0);
	*ret_page_id = sqlite3_column_int64(st, 1);
	*ret_device = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	return 0;
}

/* Write one batch inside the open transaction. *ret_dup is set when the
 * batch had been stored before. */
static int write_one(struct sqlite_store *s, const struct ingest_batch *b,
		     int64_t now, int *ret_dup)
{
	struct ingest_scroll sum;
	sqlite3_stmt *st;
	int64_t page_id = 0, pv_id = 0, device = 0;
	int rc;

	/* the batch's scroll events summed: deepest, tallest, first fold,
	 * reversal and attention deltas added */
	memset(&sum, 0, sizeof(sum));
	for (size_t i = 0; i < b->n_events; i++) {
		const struct ingest_scroll *e = b->events[i].u.scroll;
		if (b->events[i].type != EVENT_SCROLL)
			continue;
		if (e->depth > sum.depth)
			sum.depth = e->depth;
		if (e->doc_h > sum.doc_h)
			sum.doc_h = e->doc_h;
		if (!sum.fold)
			sum.fold = e->fold;
		sum.reversals += e->reversals;
		if (e->has_dwell) {
			sum.has_dwell = 1;
			for (int k = 0; k < INGEST_BANDS; k++)
				sum.dwell[k] += e->dwell[k];
		}
	}
	if ((rc = write_pageview(s, b, &sum, &pv_id, &page_id, &device)))
		return rc;

	st = s->st[ST_BATCH_INSERT];
	sqlite3_bind_int64(st, 1, pv_id);
	sqlite3_bind_int64(st, 2, b->pv.seq);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, (int64_t)b->n_events);
	if ((rc = step_done(s, st, "insert batch")))
		return rc;
	if (sqlite3_changes(s->wdb) == 0) {
		*ret_dup = 1;
		return 0;
	}
	if (sum.has_dwell && (rc = write_dwell(s, pv_id, sum.dwell)))
		return rc;
	for (size_t i = 0; i < b->pv.n_tags; i++) {
		st = s->st[ST_TAG_UPSERT];
		sqlite3_bind_int64(st, 1, pv_id);
		sqlite3_bind_text(st, 2, b->pv.tags[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, b->pv.tags[i].value, -1,
				  SQLITE_STATIC);
		if ((rc = step_done(s, st, "upsert tag")))
			return rc;
	}
	for (size_t i = 0; i < b->n_events; i++) {
		const struct ingest_event *e = &b->events[i];
		if (e->type == EVENT_CLICK)
			rc = write_click(s, b, e, pv_id, page_id, device);
		else if (e->type == EVENT_MOVE)
			rc = write_moves(s, e, pv_id, page_id, device);
		else if (e->type == EVENT_GOAL)
			rc = write_goal(s, b, e, pv_id);
		if (rc)
			return rc;
	}
	*ret_dup = 0;
	return 0;
}

static int sqlite_write_batches(struct store *base,
				const struct ingest_batch *const *batches,
				size_t n, int *ret_results)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	int64_t now = calor_now_ms();
	int rc, in_tx = 0;

	pthread_mutex_lock(&s->write_lock);
	if ((rc = sqlite_db_exec(s, s->wdb, "BEGIN IMMEDIATE")))
		goto out;
	in_tx = 1;
	for (size_t i = 0; i < n; i++) {
		int dup = 0;
		if ((rc = sqlite_db_exec(s, s->wdb, "SAVEPOINT batch")))
			goto out;
		rc = write_one(s, batches[i], now, &dup);
		if (rc || dup) {
			/* all or nothing per batch */
			sqlite3_exec(s->wdb, "ROLLBACK TO batch", NULL, NULL,
				     NULL);
		}
		if (rc)
			goto out;
		if ((rc = sqlite_db_exec(s, s->wdb, "RELEASE batch")))
			goto out;
		ret_results[i] =
		    dup ? STORE_WRITE_DUPLICATE : STORE_WRITE_STORED;
	}
	if ((rc = sqlite_grid_flush(s)) ||
	    (rc = sqlite_db_exec(s, s->wdb, "COMMIT")))
		goto out;
	in_tx = 0;
	atomic_fetch_add(&s->version, 1);
out:
	if (in_tx) {
		sqlite_grid_clear(s);
		sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}

/* The watch connection, opened at the first use; 0, or an error after
 * which the version follows this process's commits only. */
static int watch_open(struct sqlite_store *s)
{
	int rc;

	if ((rc = db_open(s, 1, &s->watch_db)))
		return rc;
	if (sqlite3_prepare_v3(s->watch_db, "PRAGMA data_version", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->watch_st,
			       NULL) != SQLITE_OK)
		return sqlite_db_fail(s, s->watch_db, "data_version");
	return 0;
}

/* This process's commits move the version at once; another connection's
 * (another process's) move PRAGMA data_version on the watch connection,
 * which is asked here, so an answer cached under the old version is not
 * taken for the new data. */
static uint64_t sqlite_data_version(struct store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	pthread_mutex_lock(&s->watch_lock);
	if (!s->watch_st && !s->watch_failed && watch_open(s)) {
		s->watch_failed = 1;
		log_warn("store: cannot watch for other writers: %s",
			 s->base.last_error);
	}
	if (s->watch_st) {
		if (sqlite3_step(s->watch_st) == SQLITE_ROW) {
			int64_t seen = sqlite3_column_int64(s->watch_st, 0);
			if (seen != s->watch_seen) {
				s->watch_seen = seen;
				atomic_fetch_add(&s->version, 1);
			}
		}
		sqlite3_reset(s->watch_st);
	}
	pthread_mutex_unlock(&s->watch_lock);
	return atomic_load(&s->version);
}

/* ---- access control's records ---- */

/* Run one statement on the write connection with up to four text/integer
 * parameters ("t" text, "i" int64, per character of types). */
static int write_one_stmt(struct sqlite_store *s, const char *sql,
			  const char *types, const char *const *texts,
			  const int64_t *ints)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	pthread_mutex_lock(&s->write_lock);
	if (sqlite3_prepare_v2(s->wdb, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = sqlite_db_fail(s, s->wdb, "prepare");
		goto out;
	}
	for (int i = 0; types[i]; i++) {
		if (types[i] == 't')
			sqlite3_bind_text(st, i + 1, texts[i], -1,
					  SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, i + 1, ints[i]);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sqlite_db_fail(s, s->wdb, "write record");
	else if (sqlite3_changes(s->wdb) == 0)
		rc = CALOR_EEXIST;
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}

static int sqlite_kv_put(struct store *base, const char *kind, const char *key,
			 const char *value, int64_t expires_ms, int replace)
{
	const char *texts[4] = {kind, key, value, NULL};
	int64_t ints[4] = {0, 0, 0, expires_ms};
	int64_t now = calor_now_ms();

	/* an expired record is as good as absent */
	if (!replace) {
		const char *t2[2] = {kind, key};
		int64_t i2[3] = {0, 0, now};
		int rc = write_one_stmt(
		    (struct sqlite_store *)base,
		    "DELETE FROM auth_kv WHERE kind = ?1 AND key = ?2 AND"
		    " expires_ms != 0 AND expires_ms <= ?3",
		    "tti", t2, i2);
		if (rc && rc != CALOR_EEXIST)
			return rc;
	}
	return write_one_stmt(
	    (struct sqlite_store *)base,
	    replace ? "INSERT OR REPLACE INTO auth_kv(kind, key, value,"
		      " expires_ms) VALUES(?1, ?2, ?3, ?4)"
		    : "INSERT OR IGNORE INTO auth_kv(kind, key, value,"
		      " expires_ms) VALUES(?1, ?2, ?3, ?4)",
	    "ttti", texts, ints);
}

static int sqlite_kv_delete(struct store *base, const char *kind,
			    const char *key)
{
	const char *texts[2] = {kind, key};
	int rc = write_one_stmt((struct sqlite_store *)base,
				"DELETE FROM auth_kv WHERE kind = ?1 AND"
				" key = ?2",
				"tt", texts, NULL);
	return rc == CALOR_EEXIST ? 0 : rc;
}

static int sqlite_kv_get(struct store *base, const char *kind, const char *key,
			 int64_t now_ms, char *ret_value, size_t size)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	if ((rc = sqlite_read_acquire(s, &db)))
		return rc;
	if (sqlite3_prepare_v2(db,
			       "SELECT value FROM auth_kv WHERE kind = ?1 AND"
			       " key = ?2 AND (expires_ms = 0 OR"
			       " expires_ms > ?3)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = sqlite_db_fail(s, db, "prepare record");
		goto out;
	}
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const char *v = sqlite_text_col(st, 0);
		rc = strlen(v) < size ? 0 : CALOR_ETOOBIG;
		if (!rc)
			str_copy(ret_value, v, size);
	} else {
		rc = step == SQLITE_DONE ? CALOR_ENOTFOUND
					 : sqlite_db_fail(s, db, "read record");
	}
out:
	sqlite3_finalize(st);
	sqlite_read_release(s, db);
	return rc;
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .site_add = sqlite_site_add,
    .sites_load = sqlite_sites_load,
    .write_batches = sqlite_write_batches,
    .pages_list = sqlite_pages_list,
    .clicks_scan = sqlite_clicks_scan,
    .sample = sqlite_sample,
    .grid_scan = sqlite_grid_scan,
    .grid_widths = sqlite_grid_widths,
    .export_site = sqlite_export_site,
    .data_version = sqlite_data_version,
    .scroll_scan = sqlite_scroll_scan,
    .clicks_attrs_scan = sqlite_clicks_attrs_scan,
    .site_set = sqlite_site_set,
    .elements_scan = sqlite_elements_scan,
    .click_examples = sqlite_click_examples,
    .pageviews_scan = sqlite_pageviews_scan,
    .goals_list = sqlite_goals_list,
    .kv_put = sqlite_kv_put,
    .kv_get = sqlite_kv_get,
    .kv_delete = sqlite_kv_delete,
    .site_update = sqlite_site_update,
    .site_create = sqlite_site_create,
    .purge = sqlite_purge,
};

int store_sqlite_open(const char *dir, struct store **ret_store, char *err,
		      size_t err_size)
{
	struct sqlite_store *s = NULL;
	struct dynbuf path;
	int rc;

	if (sodium_init() < 0) {
		snprintf(err, err_size, "libsodium failed to initialise");
		return CALOR_EIO;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, err_size, "cannot create %s: %s", dir,
			 strerror(errno));
		return CALOR_EIO;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return CALOR_ENOMEM;
	s->base.ops = &sqlite_ops;
	{
		uint64_t start;
		randombytes_buf(&start, sizeof(start));
		atomic_init(&s->version, start);
	}
	pthread_mutex_init(&s->write_lock, NULL);
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_mutex_init(&s->watch_lock, NULL);
	dynbuf_init(&path, 4096);
	if (dynbuf_addf(&path, "%s/calor.db", dir)) {
		snprintf(err, err_size, "data directory path too long");
		dynbuf_done(&path);
		rc = CALOR_EINVAL;
		goto out;
	}
	s->path = dynbuf_take(&path, NULL);
	if ((rc = db_open(s, 0, &s->wdb)))
		goto out;
	if ((rc = sqlite_db_exec(s, s->wdb, "PRAGMA journal_mode=WAL")) ||
	    (rc = sqlite_db_exec(s, s->wdb, "PRAGMA synchronous=FULL")) ||
	    (rc = sqlite_db_exec(s, s->wdb, "BEGIN IMMEDIATE")))
		goto out;
	if ((rc = sqlite_schema_apply(s))) {
		sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if ((rc = sqlite_db_exec(s, s->wdb, "COMMIT")))
		goto out;
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->wdb, write_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK) {
			rc = sqlite_db_fail(s, s->wdb, write_sql[i]);
			goto out;
		}
	}
	*ret_store = &s->base;
	s = NULL;
out:
	if (s) {
		snprintf(err, err_size, "%s", s->base.last_error);
		sqlite_close(&s->base);
	}
	return rc;
}
