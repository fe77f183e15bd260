/* SPDX-License-Identifier: MIT */
/* store_sqlite_purge: retention and erasure for the SQLite backend, one
 * walk for both. A selection of a site's page views (too old; started in a
 * date range; of one session) goes with everything stored under them, each
 * deleted click and move point taken off its grid cells exactly as the
 * write counted it; retention also drops whole daily grid rows of the days
 * it leaves behind. All in short write transactions on the writer's own
 * connection and lock, taken in turn with the writer's. */
#include <stdlib.h>
#include <time.h>

#include "store_sqlite_int.h"

#define PURGE_PAGEVIEWS	   256	/* page views looked at per transaction */
#define PURGE_ROWS	   4096 /* rows deleted per transaction, about */
#define PURGE_CELLS	   2048 /* daily grid rows per transaction */
#define PURGE_PAUSE_MIN_US 1000
#define PURGE_PAUSE_MAX_US 100000
#define PURGE_HEIGHT_PAGES 64 /* pages' roll-up heights per transaction */
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
	P_PV_PAGE = P_READS,
	P_PV_SESSION,
	P_CLICKS_OF,
	P_MOVES_OF,
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

/* Binds of the grid statements, where a statement has them: ?1 page, ?2
 * device, ?3 kind, ?4 day (or the cutoff day), ?5 a count, ?6 and ?7 the
 * cell (cy, cx; or vw). The page view statements bind ?1 the page (or the
 * site), ?2 the device (or the session), ?3 and ?4 the start range and ?5
 * a count; the event statements ?1 the page view and ?2 the first time
 * taken off the grids one by one. */
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
		   " device = ?2 AND ts >= ?3 AND ts < ?4 LIMIT 1",
    [P_R_GRID_ANY] = "SELECT 1 FROM grid WHERE " CELL_WHERE
		     " AND day >= 0 AND day < ?4 LIMIT 1",
    [P_R_WIDTH_ANY] = "SELECT 1 FROM grid_widths WHERE " CELL_WHERE
		      " AND day >= 0 AND day < ?4 LIMIT 1",
    /* a range of pageviews_page, or of pageviews_session */
    [P_PV_PAGE] = "SELECT id, page_id FROM pageviews WHERE page_id = ?1 AND"
		  " device = ?2 AND ts >= ?3 AND ts < ?4 LIMIT ?5",
    [P_PV_SESSION] = "SELECT id, page_id FROM pageviews WHERE site_id = ?1"
		     " AND session = ?2 AND ts >= ?3 AND ts < ?4 LIMIT ?5",
    /* what the write counted, as it counted it (store_sqlite_grid.c) */
    [P_CLICKS_OF] = "SELECT page_id, device, ts, x, y, vw, dh, flags FROM"
		    " clicks WHERE pageview_id = ?1 AND ts >= ?2",
    [P_MOVES_OF] = "SELECT page_id, device, ts, x, y, vw FROM moves WHERE"
		   " pageview_id = ?1 AND ts >= ?2",
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
    /* the roll-up's tallest documents: the tallest of the days left */
    [P_WIDTH_MAX_DH] =
	"UPDATE grid_widths SET max_dh = m.h FROM (SELECT device, kind, vw,"
	" max(max_dh) AS h FROM grid_widths WHERE page_id = ?1 AND day >= 0"
	" GROUP BY device, kind, vw) AS m WHERE grid_widths.page_id = ?1 AND"
	" grid_widths.day = -1 AND grid_widths.device = m.device AND"
	" grid_widths.kind = m.kind AND grid_widths.vw = m.vw AND"
	" grid_widths.max_dh != m.h",
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
	const struct store_pageview_sel *sel;
	int64_t drop_day;      /* daily grid rows before it go whole; 0: none */
	int64_t one_by_one_ms; /* events from then on leave the grids one
				* by one: drop_day's first ms */
	const atomic_int *stop;
	sqlite3_stmt *st[P_COUNT];
	int64_t tx_start_us;
	struct cell *cells; /* PURGE_CELLS */
	int64_t *touched;   /* pages whose roll-up heights may change */
	size_t n_touched, cap_touched;
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

/* Remember that page_id's grids changed: its roll-up heights are looked
 * at once the events are gone. */
static int touch(struct purge *p, int64_t page_id)
{
	if (p->n_touched && p->touched[p->n_touched - 1] == page_id)
		return 0;
	if (p->n_touched == p->cap_touched) {
		size_t cap = p->cap_touched ? 2 * p->cap_touched : 64;
		int64_t *grown = realloc(p->touched, cap * sizeof(*grown));
		if (!grown)
			return CALOR_ENOMEM;
		p->touched = grown;
		p->cap_touched = cap;
	}
	p->touched[p->n_touched++] = page_id;
	return 0;
}

/* Take page view pv_id's clicks and move points from one_by_one_ms on
 * off the grids, each from the cells its write counted it in; *rows
 * grows by the rows read. */
static int pageview_uncount(struct purge *p, int64_t pv_id, int64_t *rows)
{
	int rc = 0;

	for (int moves = 0; !rc && moves < 2; moves++) {
		sqlite3_stmt *st = p->st[moves ? P_MOVES_OF : P_CLICKS_OF];
		int step;

		sqlite3_bind_int64(st, 1, pv_id);
		sqlite3_bind_int64(st, 2, p->one_by_one_ms);
		while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t page = sqlite3_column_int64(st, 0);
			int64_t device = sqlite3_column_int64(st, 1);
			int64_t ts = sqlite3_column_int64(st, 2);
			int32_t x = sqlite3_column_int(st, 3);
			int32_t y = sqlite3_column_int(st, 4);
			int32_t vw = sqlite3_column_int(st, 5);

			rc = moves
				 ? sqlite_grid_move(p->s, page, device, ts, x,
						    y, vw, 0, -1)
				 : sqlite_grid_click(
				       p->s, page, device, ts, x, y, vw,
				       sqlite3_column_int(st, 6),
				       (unsigned)sqlite3_column_int(st, 7), -1);
			p->n.grid_events++;
			++*rows;
		}
		if (!rc && step != SQLITE_DONE)
			rc = sqlite_db_fail(p->s, p->s->wdb, "purge events");
		sqlite3_reset(st);
	}
	return rc;
}

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

/* Bind a page view statement: the page and device (or the site and the
 * session), the start range and the count. */
static void pageviews_bind(struct purge *p, sqlite3_stmt *st, int64_t page_id,
			   int64_t device, int64_t limit)
{
	if (p->sel->session) {
		sqlite3_bind_int64(st, 1, p->sel->site_id);
		sqlite3_bind_text(st, 2, p->sel->session, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(st, 1, page_id);
		sqlite3_bind_int64(st, 2, device);
	}
	sqlite3_bind_int64(st, 3, p->sel->from_ms);
	sqlite3_bind_int64(st, 4, p->sel->to_ms);
	if (limit)
		sqlite3_bind_int64(st, 5, limit);
}

/* One transaction: up to PURGE_PAGEVIEWS selected page views (of a page
 * on a device, or of the session) and about PURGE_ROWS rows, off the
 * grids and deleted. *ret_more is 1 when there may be more. */
static int pageviews_chunk(struct purge *p, int64_t page_id, int64_t device,
			   int *ret_more)
{
	sqlite3_stmt *st = p->st[p->sel->session ? P_PV_SESSION : P_PV_PAGE];
	int64_t ids[PURGE_PAGEVIEWS], pages[PURGE_PAGEVIEWS], rows = 0;
	size_t n = 0, i = 0;
	int rc, step = SQLITE_DONE;

	if ((rc = tx_begin(p)))
		return rc;
	/* read inside the transaction: exactly what is selected now */
	pageviews_bind(p, st, page_id, device, PURGE_PAGEVIEWS);
	while (n < PURGE_PAGEVIEWS && (step = sqlite3_step(st)) == SQLITE_ROW) {
		ids[n] = sqlite3_column_int64(st, 0);
		pages[n++] = sqlite3_column_int64(st, 1);
	}
	if (n < PURGE_PAGEVIEWS && step != SQLITE_DONE)
		rc = sqlite_db_fail(p->s, p->s->wdb, "selected page views");
	sqlite3_reset(st);
	for (; !rc && i < n && rows < PURGE_ROWS; i++)
		if (!(rc = pageview_uncount(p, ids[i], &rows)) &&
		    !(rc = pageview_delete(p, ids[i], &rows)))
			rc = touch(p, pages[i]);
	/* the grids lose the events in the transaction that deletes them */
	if (!rc)
		rc = sqlite_grid_flush(p->s);
	else
		sqlite_grid_clear(p->s);
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

/* Every selected page view of a page, device by device (each a range of
 * the pageviews_page index); a device with none costs no write
 * transaction. */
static int page_events_purge(struct purge *p, int64_t page_id)
{
	int64_t device = -1;
	int rc, more = 0;

	while (!(rc = next_device(p, page_id, &device)) && device >= 0) {
		sqlite3_stmt *st = p->st[P_R_PV_ANY];
		int step;

		pageviews_bind(p, st, page_id, device, 0);
		step = sqlite3_step(st);
		sqlite3_reset(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE) {
			rc = sqlite_db_fail(p->s, p->rdb, "purge check");
			break;
		}
		more = step == SQLITE_ROW;
		while (!rc && more)
			rc = pageviews_chunk(p, page_id, device, &more);
		if (rc)
			break;
	}
	return rc;
}

/* Every page view of the session, by the pageviews_session index. */
static int session_events_purge(struct purge *p)
{
	int rc, more = 1;

	while (more)
		if ((rc = pageviews_chunk(p, 0, 0, &more)))
			return rc;
	return 0;
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
 * kind from before drop_day. *ret_n: how many went. */
static int cells_chunk(struct purge *p, int widths, const struct grid_at *at,
		       size_t *ret_n)
{
	const int64_t v[7] = {at->page_id, at->device, at->kind, p->drop_day,
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

/* A page's daily grid and width rows of the days before drop_day (wholly
 * before the cutoff), (device, kind) by (device, kind): each a range of
 * the table's primary key. The cutoff's own day is not dropped: its rows
 * also count events after the cutoff; the purged ones of that day and
 * later left the grids one by one with their page views. */
static int page_grids_purge(struct purge *p, int64_t page_id)
{
	int rc = 0;

	for (int widths = 0; !rc && widths < 2; widths++) {
		struct grid_at at = {page_id, -1, -1};

		while (!(rc = next_kind(p, widths, &at)) && at.device >= 0) {
			const int64_t v[7] = {page_id, at.device, at.kind,
					      p->drop_day};
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
				rc = touch(p, page_id);
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

	sqlite3_bind_int64(st, 1, p->sel->site_id);
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

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The roll-up's tallest documents of the touched pages: the tallest of
 * their days left, a few pages per transaction. */
static int heights_refresh(struct purge *p)
{
	size_t i = 0, k = 0;
	int rc = 0;

	if (!p->n_touched)
		return 0;
	/* the touched pages, each once */
	qsort(p->touched, p->n_touched, sizeof(*p->touched), id_cmp);
	for (; i < p->n_touched; i++)
		if (!k || p->touched[k - 1] != p->touched[i])
			p->touched[k++] = p->touched[i];
	for (i = 0; !rc && i < k;) {
		size_t end =
		    i + PURGE_HEIGHT_PAGES < k ? i + PURGE_HEIGHT_PAGES : k;
		if ((rc = tx_begin(p)))
			break;
		for (; !rc && i < end; i++) {
			sqlite3_bind_int64(p->st[P_WIDTH_MAX_DH], 1,
					   p->touched[i]);
			rc = run(p, p->s->wdb, p->st[P_WIDTH_MAX_DH],
				 "purge max_dh");
		}
		rc = tx_end(p, rc, 1);
	}
	return rc;
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

int sqlite_purge(struct store *base, const struct store_pageview_sel *sel,
		 int64_t drop_before_ms, const atomic_int *stop,
		 struct store_purge_stats *ret_stats)
{
	struct purge p = {.s = (struct sqlite_store *)base,
			  .sel = sel,
			  .drop_day = drop_before_ms / DAY_MS,
			  .one_by_one_ms = drop_before_ms / DAY_MS * DAY_MS,
			  .stop = stop};
	int64_t *pages = NULL;
	size_t n_pages = 0;
	int rc;

	if (!(p.cells = malloc(PURGE_CELLS * sizeof(*p.cells))))
		return CALOR_ENOMEM;
	if ((rc = sqlite_read_acquire(p.s, &p.rdb)))
		goto out;
	if ((rc = statements_prepare(&p)))
		goto out;
	/* the events first, so an interrupted purge has taken what matters
	 * most; the daily grid rows to drop whole and the heights follow */
	if (sel->session) {
		rc = session_events_purge(&p);
	} else if (!(rc = pages_load(&p, &pages, &n_pages))) {
		for (size_t i = 0; !rc && i < n_pages; i++)
			rc = page_events_purge(&p, pages[i]);
	}
	if (!rc && p.drop_day > 0 && !pages)
		rc = pages_load(&p, &pages, &n_pages);
	for (size_t i = 0; !rc && p.drop_day > 0 && i < n_pages; i++)
		rc = page_grids_purge(&p, pages[i]);
	if (!rc)
		rc = heights_refresh(&p);
	if (!rc)
		*ret_stats = p.n;
out:
	statements_finalize(&p);
	if (p.rdb)
		sqlite_read_release(p.s, p.rdb);
	free(pages);
	free(p.touched);
	free(p.cells);
	return rc;
}
