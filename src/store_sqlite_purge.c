/* SPDX-License-Identifier: MIT */
/* store_sqlite_purge: retention for the SQLite backend. A site's old page
 * views go with everything stored under them, and its old daily grid rows
 * are taken off the all-time roll-up, in short write transactions on the
 * writer's own connection and lock, taken in turn with the writer's. */
#include <stdlib.h>
#include <time.h>

#include "store_sqlite_int.h"

#define PURGE_PAGEVIEWS	   256	/* page views looked at per transaction */
#define PURGE_ROWS	   4096 /* rows deleted per transaction, about */
#define PURGE_CELLS	   2048 /* daily grid rows per transaction */
#define PURGE_PAUSE_MIN_US 1000
#define PURGE_PAUSE_MAX_US 100000
#define DAY_MS		   86400000

/* Statements of one purge: P_R_* on a read connection (finding what to
 * delete), the rest on the write connection. The grid and width groups
 * are laid out alike: table t's statement of role r is grid_base(t) + r. */
enum {
	P_R_PAGES,
	P_R_DEVICE,
	P_R_GRID_KINDS,
	P_R_WIDTH_KINDS,
	P_R_PV_ANY,
	P_R_GRID_ANY,
	P_R_WIDTH_ANY,
	P_READS,
	P_PV_OLD = P_READS,
	P_DEL_CLICKS,
	P_DEL_MOVES,
	P_DEL_GOALS,
	P_DEL_TAGS,
	P_DEL_BATCHES,
	P_DEL_PAGEVIEW,
	P_GRID_OLD,
	P_GRID_SUB,
	P_GRID_DROP_ALL,
	P_GRID_DROP_DAY,
	P_WIDTH_OLD,
	P_WIDTH_SUB,
	P_WIDTH_DROP_ALL,
	P_WIDTH_DROP_DAY,
	P_WIDTH_MAX_DH,
	P_COUNT
};

/* Roles within a table's group, from its *_OLD statement. */
enum { G_OLD, G_SUB, G_DROP_ALL, G_DROP_DAY };

/* Binds, where a statement has them: ?1 page, ?2 device, ?3 kind, ?4 day
 * (or the cutoff day), ?5 a count, ?6 and ?7 the cell (cy, cx; or vw). */
#define CELL_WHERE "page_id = ?1 AND device = ?2 AND kind = ?3"
static const char *const purge_sql[P_COUNT] = {
    [P_R_PAGES] = "SELECT id FROM pages WHERE site_id = ?1 ORDER BY id",
    /* a skip-scan of pageviews_page: the next device of a page */
    [P_R_DEVICE] = "SELECT device FROM pageviews WHERE page_id = ?1 AND"
		   " device > ?2 ORDER BY device LIMIT 1",
    [P_R_GRID_KINDS] = "SELECT device, kind FROM grid WHERE page_id = ?1"
		       " AND (device, kind) > (?2, ?3) ORDER BY device, kind"
		       " LIMIT 1",
    [P_R_WIDTH_KINDS] = "SELECT device, kind FROM grid_widths WHERE"
			" page_id = ?1 AND (device, kind) > (?2, ?3) ORDER BY"
			" device, kind LIMIT 1",
    /* is there anything to delete: a seek, not a write transaction */
    [P_R_PV_ANY] = "SELECT 1 FROM pageviews WHERE page_id = ?1 AND"
		   " device = ?2 AND ts < ?4 LIMIT 1",
    [P_R_GRID_ANY] = "SELECT 1 FROM grid WHERE " CELL_WHERE
		     " AND day >= 0 AND day < ?4 LIMIT 1",
    [P_R_WIDTH_ANY] = "SELECT 1 FROM grid_widths WHERE " CELL_WHERE
		      " AND day >= 0 AND day < ?4 LIMIT 1",
    [P_PV_OLD] = "SELECT id FROM pageviews WHERE page_id = ?1 AND"
		 " device = ?2 AND ts < ?4 LIMIT ?5",
    [P_DEL_CLICKS] = "DELETE FROM clicks WHERE pageview_id = ?1",
    [P_DEL_MOVES] = "DELETE FROM moves WHERE pageview_id = ?1",
    [P_DEL_GOALS] = "DELETE FROM goals WHERE pageview_id = ?1",
    [P_DEL_TAGS] = "DELETE FROM pageview_tags WHERE pageview_id = ?1",
    [P_DEL_BATCHES] = "DELETE FROM batches WHERE pageview_id = ?1",
    [P_DEL_PAGEVIEW] = "DELETE FROM pageviews WHERE id = ?1",
    [P_GRID_OLD] = "SELECT day, cy, cx, n FROM grid WHERE " CELL_WHERE
		   " AND day >= 0 AND day < ?4 LIMIT ?5",
    [P_GRID_SUB] = "UPDATE grid SET n = n - ?5 WHERE " CELL_WHERE
		   " AND day = -1 AND cy = ?6 AND cx = ?7 RETURNING n",
    [P_GRID_DROP_ALL] = "DELETE FROM grid WHERE " CELL_WHERE
			" AND day = -1 AND cy = ?6 AND cx = ?7",
    [P_GRID_DROP_DAY] = "DELETE FROM grid WHERE " CELL_WHERE
			" AND day = ?4 AND cy = ?6 AND cx = ?7",
    [P_WIDTH_OLD] = "SELECT day, vw, 0, n FROM grid_widths WHERE " CELL_WHERE
		    " AND day >= 0 AND day < ?4 LIMIT ?5",
    [P_WIDTH_SUB] = "UPDATE grid_widths SET n = n - ?5 WHERE " CELL_WHERE
		    " AND day = -1 AND vw = ?6 RETURNING n",
    [P_WIDTH_DROP_ALL] =
	"DELETE FROM grid_widths WHERE " CELL_WHERE " AND day = -1 AND vw = ?6",
    [P_WIDTH_DROP_DAY] =
	"DELETE FROM grid_widths WHERE " CELL_WHERE " AND day = ?4 AND vw = ?6",
    /* the roll-up's tallest document: the tallest of the days left */
    [P_WIDTH_MAX_DH] =
	"UPDATE grid_widths SET max_dh = m.h FROM (SELECT vw, max(max_dh)"
	" AS h FROM grid_widths WHERE " CELL_WHERE " AND day >= 0 GROUP BY"
	" vw) AS m WHERE grid_widths.page_id = ?1 AND grid_widths.device ="
	" ?2 AND grid_widths.kind = ?3 AND grid_widths.day = -1 AND"
	" grid_widths.vw = m.vw AND grid_widths.max_dh != m.h",
};
#undef CELL_WHERE

/* One daily grid (or width) row: day, cell (a, b) and count. */
struct cell {
	int64_t day, n;
	int64_t a, b;
};

/* Page, device and kind: where a group of grid rows is. */
struct grid_at {
	int64_t page_id, device, kind;
};

struct purge {
	struct sqlite_store *s;
	sqlite3 *rdb;
	int64_t site_id, before_ms, before_day;
	const atomic_int *stop;
	sqlite3_stmt *st[P_COUNT];
	int64_t tx_start_us;
	struct cell *cells; /* PURGE_CELLS */
	struct store_purge_stats n;
};

static int grid_base(int widths)
{
	return widths ? P_WIDTH_OLD : P_GRID_OLD;
}

/* Bind the parameters st has of the layout above; values past its last
 * parameter are left out. */
static void bind_all(sqlite3_stmt *st, const int64_t v[7])
{
	int n = sqlite3_bind_parameter_count(st);

	for (int i = 0; i < 7 && i < n; i++)
		sqlite3_bind_int64(st, i + 1, v[i]);
}

/* *ret_any: 1 when read statement i, bound to v, has a row. */
static int any_row(struct purge *p, int i, const int64_t v[7], int *ret_any)
{
	sqlite3_stmt *st = p->st[i];
	int step;

	bind_all(st, v);
	step = sqlite3_step(st);
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sqlite_db_fail(p->s, p->rdb, "purge check");
	*ret_any = step == SQLITE_ROW;
	return 0;
}

static int stopped(const struct purge *p)
{
	return p->stop && atomic_load(p->stop);
}

/* ---- transactions ---- */

/* The writer's lock and a write transaction on its connection: a purge and
 * a batch commit of this process never overlap, so neither meets
 * SQLITE_BUSY; the writer only waits for the one transaction in hand. */
static int tx_begin(struct purge *p)
{
	int rc;

	if (stopped(p))
		return CALOR_ESHUTDOWN;
	pthread_mutex_lock(&p->s->write_lock);
	p->tx_start_us = calor_mono_us();
	rc = sqlite_db_exec(p->s, p->s->wdb, "BEGIN IMMEDIATE");
	if (rc)
		pthread_mutex_unlock(&p->s->write_lock);
	return rc;
}

/* Commit (or roll back when rc says so) and let go of the lock; then wait
 * as long as the transaction took, so the writer, woken by the unlock,
 * gets the lock before the next one and has at least half the time. */
static int tx_end(struct purge *p, int rc, int changed)
{
	int64_t pause;

	if (!rc)
		rc = sqlite_db_exec(p->s, p->s->wdb, "COMMIT");
	if (rc)
		sqlite3_exec(p->s->wdb, "ROLLBACK", NULL, NULL, NULL);
	else if (changed)
		atomic_fetch_add(&p->s->version, 1); /* new ETags */
	pause = calor_mono_us() - p->tx_start_us;
	pthread_mutex_unlock(&p->s->write_lock);
	if (pause < PURGE_PAUSE_MIN_US)
		pause = PURGE_PAUSE_MIN_US;
	if (pause > PURGE_PAUSE_MAX_US)
		pause = PURGE_PAUSE_MAX_US;
	nanosleep(&(struct timespec){.tv_nsec = (long)pause * 1000}, NULL);
	return rc;
}

/* Step a statement that returns no rows (or ignores them); reset it. */
static int run(struct purge *p, sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	int step = sqlite3_step(st);
	sqlite3_reset(st);
	if (step != SQLITE_DONE && step != SQLITE_ROW)
		return sqlite_db_fail(p->s, db, what);
	return 0;
}

/* ---- page views and what hangs off them ---- */

/* Delete page view pv_id and its rows; adds what went to p->n and *rows. */
static int pageview_delete(struct purge *p, int64_t pv_id, int64_t *rows)
{
	/* children first, the page view last */
	int64_t *counts[] = {&p->n.clicks, &p->n.moves,	  &p->n.goals,
			     &p->n.tags,   &p->n.batches, &p->n.pageviews};
	int rc;

	for (int i = 0; i < 6; i++) {
		sqlite3_stmt *st = p->st[P_DEL_CLICKS + i];
		int64_t changed;

		sqlite3_bind_int64(st, 1, pv_id);
		if ((rc = run(p, p->s->wdb, st, "purge page view")))
			return rc;
		changed = sqlite3_changes64(p->s->wdb);
		*counts[i] += changed;
		*rows += changed;
	}
	return 0;
}

/* One transaction: the old page views of a page on a device, up to
 * PURGE_PAGEVIEWS of them and about PURGE_ROWS rows. *ret_more is 1 when
 * there may be more. */
static int pageviews_chunk(struct purge *p, int64_t page_id, int64_t device,
			   int *ret_more)
{
	const int64_t v[7] = {page_id, device, 0, p->before_ms,
			      PURGE_PAGEVIEWS};
	sqlite3_stmt *st = p->st[P_PV_OLD];
	int64_t ids[PURGE_PAGEVIEWS], rows = 0;
	size_t n = 0, i = 0;
	int rc, step = SQLITE_DONE;

	if ((rc = tx_begin(p)))
		return rc;
	/* read inside the transaction: exactly what is old now */
	bind_all(st, v);
	while (n < PURGE_PAGEVIEWS && (step = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	if (n < PURGE_PAGEVIEWS && step != SQLITE_DONE)
		rc = sqlite_db_fail(p->s, p->s->wdb, "old page views");
	sqlite3_reset(st);
	for (; !rc && i < n && rows < PURGE_ROWS; i++)
		rc = pageview_delete(p, ids[i], &rows);
	rc = tx_end(p, rc, i > 0);
	*ret_more = n == PURGE_PAGEVIEWS || i < n;
	return rc;
}

/* The next device (after *device) with page views of page; 0 and -1 when
 * there is none. */
static int next_device(struct purge *p, int64_t page_id, int64_t *device)
{
	sqlite3_stmt *st = p->st[P_R_DEVICE];
	int step;

	sqlite3_bind_int64(st, 1, page_id);
	sqlite3_bind_int64(st, 2, *device);
	step = sqlite3_step(st);
	*device = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sqlite_db_fail(p->s, p->rdb, "page view devices");
	return 0;
}

/* Every old page view of a page, device by device (each a range of the
 * pageviews_page index); a device with none costs no write transaction. */
static int page_events_purge(struct purge *p, int64_t page_id)
{
	int64_t device = -1;
	int rc, more = 0;

	while (!(rc = next_device(p, page_id, &device)) && device >= 0) {
		const int64_t v[7] = {page_id, device, 0, p->before_ms};
		if ((rc = any_row(p, P_R_PV_ANY, v, &more)))
			break;
		while (!rc && more)
			rc = pageviews_chunk(p, page_id, device, &more);
		if (rc)
			break;
	}
	return rc;
}

/* ---- grids ---- */

/* Take one daily row off the roll-up (dropped when nothing is left of it)
 * and delete it. */
static int cell_delete(struct purge *p, int widths, const struct grid_at *at,
		       const struct cell *c)
{
	const int64_t v[7] = {at->page_id, at->device, at->kind, c->day,
			      c->n,	   c->a,       c->b};
	int base = grid_base(widths), rc = 0, step, empty = 1;
	sqlite3_stmt *st = p->st[base + G_SUB];

	bind_all(st, v);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		empty = sqlite3_column_int64(st, 0) <= 0;
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sqlite_db_fail(p->s, p->s->wdb, "purge roll-up");
	if (empty) {
		bind_all(p->st[base + G_DROP_ALL], v);
		rc = run(p, p->s->wdb, p->st[base + G_DROP_ALL],
			 "purge roll-up");
	}
	if (!rc) {
		bind_all(p->st[base + G_DROP_DAY], v);
		rc = run(p, p->s->wdb, p->st[base + G_DROP_DAY], "purge grid");
	}
	return rc;
}

/* One transaction: up to PURGE_CELLS daily rows of one page, device and
 * kind from before the cutoff's day. *ret_n: how many went. */
static int cells_chunk(struct purge *p, int widths, const struct grid_at *at,
		       size_t *ret_n)
{
	const int64_t v[7] = {at->page_id, at->device, at->kind, p->before_day,
			      PURGE_CELLS};
	sqlite3_stmt *st = p->st[grid_base(widths) + G_OLD];
	size_t n = 0, i = 0;
	int rc, step = SQLITE_DONE;

	if ((rc = tx_begin(p)))
		return rc;
	/* read first, then change: the table is not changed under the
	 * statement that reads it */
	bind_all(st, v);
	while (n < PURGE_CELLS && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct cell *c = &p->cells[n++];
		c->day = sqlite3_column_int64(st, 0);
		c->a = sqlite3_column_int64(st, 1);
		c->b = sqlite3_column_int64(st, 2);
		c->n = sqlite3_column_int64(st, 3);
	}
	if (n < PURGE_CELLS && step != SQLITE_DONE)
		rc = sqlite_db_fail(p->s, p->s->wdb, "old grid rows");
	sqlite3_reset(st);
	for (; !rc && i < n; i++)
		rc = cell_delete(p, widths, at, &p->cells[i]);
	rc = tx_end(p, rc, n > 0);
	if (!rc) {
		p->n.grid_rows += (int64_t)n;
		*ret_n = n;
	}
	return rc;
}

/* The widths' roll-up keeps the tallest document of the days left. */
static int widths_max_dh(struct purge *p, const struct grid_at *at)
{
	const int64_t v[7] = {at->page_id, at->device, at->kind};
	int rc;

	if ((rc = tx_begin(p)))
		return rc;
	bind_all(p->st[P_WIDTH_MAX_DH], v);
	rc = run(p, p->s->wdb, p->st[P_WIDTH_MAX_DH], "purge max_dh");
	return tx_end(p, rc, 1);
}

/* The next (device, kind) after at's with rows in the table; 0 with
 * at->device -1 when there is none. */
static int next_kind(struct purge *p, int widths, struct grid_at *at)
{
	sqlite3_stmt *st = p->st[widths ? P_R_WIDTH_KINDS : P_R_GRID_KINDS];
	int step;

	sqlite3_bind_int64(st, 1, at->page_id);
	sqlite3_bind_int64(st, 2, at->device);
	sqlite3_bind_int64(st, 3, at->kind);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		at->device = sqlite3_column_int64(st, 0);
		at->kind = sqlite3_column_int64(st, 1);
	} else {
		at->device = -1;
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sqlite_db_fail(p->s, p->rdb, "grid kinds");
	return 0;
}

/* A page's daily grid and width rows of the days wholly before the
 * cutoff's day, (device, kind) by (device, kind): each a range of the
 * table's primary key. The cutoff's own day stays whole: its rows also
 * count events after the cutoff, which a daily row cannot tell apart. */
static int page_grids_purge(struct purge *p, int64_t page_id)
{
	int rc = 0;

	for (int widths = 0; !rc && widths < 2; widths++) {
		struct grid_at at = {page_id, -1, -1};

		while (!(rc = next_kind(p, widths, &at)) && at.device >= 0) {
			const int64_t v[7] = {page_id, at.device, at.kind,
					      p->before_day};
			size_t n = PURGE_CELLS, gone = 0;
			int any = 0;

			if ((rc = any_row(p,
					  widths ? P_R_WIDTH_ANY : P_R_GRID_ANY,
					  v, &any)))
				break;
			while (!rc && any && n == PURGE_CELLS) {
				rc = cells_chunk(p, widths, &at, &n);
				gone += n;
			}
			if (!rc && widths && gone)
				rc = widths_max_dh(p, &at);
			if (rc)
				break;
		}
	}
	return rc;
}

/* ---- the operation ---- */

/* The site's page ids (from the read connection; pages made later only
 * hold page views newer than this purge is after, or the next one's). */
static int pages_load(struct purge *p, int64_t **ret_ids, size_t *ret_n)
{
	sqlite3_stmt *st = p->st[P_R_PAGES];
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc = 0, step;

	sqlite3_bind_int64(st, 1, p->site_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			int64_t *grown = realloc(ids, ncap * sizeof(*ids));
			if (!grown) {
				rc = CALOR_ENOMEM;
				break;
			}
			ids = grown;
			cap = ncap;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (!rc && step != SQLITE_DONE)
		rc = sqlite_db_fail(p->s, p->rdb, "site pages");
	sqlite3_reset(st);
	if (rc) {
		free(ids);
		return rc;
	}
	*ret_ids = ids;
	*ret_n = n;
	return 0;
}

static int statements_prepare(struct purge *p)
{
	int rc = 0;

	/* the write connection is the writer's: touched under its lock */
	pthread_mutex_lock(&p->s->write_lock);
	for (int i = 0; !rc && i < P_COUNT; i++) {
		sqlite3 *db = i < P_READS ? p->rdb : p->s->wdb;
		if (sqlite3_prepare_v2(db, purge_sql[i], -1, &p->st[i], NULL) !=
		    SQLITE_OK)
			rc = sqlite_db_fail(p->s, db, purge_sql[i]);
	}
	pthread_mutex_unlock(&p->s->write_lock);
	return rc;
}

static void statements_finalize(struct purge *p)
{
	pthread_mutex_lock(&p->s->write_lock);
	for (int i = 0; i < P_COUNT; i++)
		sqlite3_finalize(p->st[i]);
	pthread_mutex_unlock(&p->s->write_lock);
}

int sqlite_purge(struct store *base, int64_t site_id, int64_t before_ms,
		 const atomic_int *stop, struct store_purge_stats *ret_stats)
{
	struct purge p = {.s = (struct sqlite_store *)base,
			  .site_id = site_id,
			  .before_ms = before_ms,
			  .before_day = before_ms / DAY_MS,
			  .stop = stop};
	int64_t *pages = NULL;
	size_t n_pages = 0;
	int rc;

	if (before_ms <= 0) { /* nothing is older than the epoch */
		*ret_stats = p.n;
		return 0;
	}
	if (!(p.cells = malloc(PURGE_CELLS * sizeof(*p.cells))))
		return CALOR_ENOMEM;
	if ((rc = sqlite_read_acquire(p.s, &p.rdb)))
		goto out;
	if ((rc = statements_prepare(&p)) ||
	    (rc = pages_load(&p, &pages, &n_pages)))
		goto out;
	/* the events first, so an interrupted purge has taken what matters
	 * most; the grids follow */
	for (size_t i = 0; !rc && i < n_pages; i++)
		rc = page_events_purge(&p, pages[i]);
	for (size_t i = 0; !rc && i < n_pages; i++)
		rc = page_grids_purge(&p, pages[i]);
	if (!rc)
		*ret_stats = p.n;
out:
	statements_finalize(&p);
	if (p.rdb)
		sqlite_read_release(p.s, p.rdb);
	free(pages);
	free(p.cells);
	return rc;
}
