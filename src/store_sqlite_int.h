/* SPDX-License-Identifier: MIT */
/* store_sqlite_int: what the SQLite backend's files share — the store
 * object, the writer's statements, the read pool and a few helpers. Private
 * to store_sqlite*.c. */
#ifndef CALOR_STORE_SQLITE_INT_H
#define CALOR_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store.h"

#define READ_POOL_MAX 8

/* The day of the grids' all-time roll-up rows. */
#define GRID_ALL_DAYS (-1)

/* Statements the writer prepares once. */
enum {
	ST_PAGE_INSERT,
	ST_PAGE_SELECT,
	ST_PAGEVIEW_UPSERT,
	ST_BATCH_INSERT,
	ST_CLICK_INSERT,
	ST_DWELL_SELECT,
	ST_DWELL_UPDATE,
	ST_TAG_UPSERT,
	ST_GOAL_INSERT,
	ST_MOVE_INSERT,
	ST_GRID_UPSERT,
	ST_WIDTH_UPSERT,
	ST_GRID_SUB,
	ST_GRID_DROP,
	ST_WIDTH_SUB,
	ST_WIDTH_DROP,
	ST_PREV_CLICKS,
	ST_SETTING_UPSERT,
	ST_COUNT
};

struct sqlite_store {
	struct store base;
	char *path;
	pthread_mutex_t write_lock;
	sqlite3 *wdb;
	sqlite3_stmt *st[ST_COUNT];
	pthread_mutex_t pool_lock;
	sqlite3 *pool[READ_POOL_MAX];
	size_t n_pool;
	_Atomic uint64_t version; /* see store_data_version() */
	/* a connection of its own that sees other connections' commits
	 * (another process's: `calor erase`, `calor restore`) */
	pthread_mutex_t watch_lock;
	sqlite3 *watch_db;
	sqlite3_stmt *watch_st; /* PRAGMA data_version */
	int64_t watch_seen;
	int watch_failed;
	/* grid and width counts of the open write transaction, added up in
	 * memory and written once per distinct cell (writer only) */
	struct grid_delta *deltas;
	size_t n_deltas, cap_deltas;
};

/* One pending grid (table 0: cell cy, cx) or width (table 1: vw) count;
 * n < 0 takes counts off. */
struct grid_delta {
	int64_t page_id, day, n;
	int32_t device, kind, a, b, max_dh;
	uint8_t table, used;
};

/* The grids (store_sqlite_grid.c), inside the caller's write
 * transaction: count one click with its flags, or one move point of a move
 * whose document was dh tall, into the cells and width rows store.h
 * describes, for its UTC day and the all-time roll-up; n is 1 on a write
 * and -1 on a purge, which gives the exact same cells. Counts add up in
 * memory until sqlite_grid_flush() writes them (a row taken down to
 * nothing is deleted); sqlite_grid_clear() drops them after a rollback. */
int sqlite_grid_click(struct sqlite_store *s, int64_t page_id, int64_t device,
		      int64_t ts, int32_t x, int32_t y, int32_t vw, int32_t dh,
		      unsigned flags, int64_t n);
int sqlite_grid_move(struct sqlite_store *s, int64_t page_id, int64_t device,
		     int64_t ts, int32_t x, int32_t y, int32_t vw, int32_t dh,
		     int64_t n);
int sqlite_grid_flush(struct sqlite_store *s);
void sqlite_grid_clear(struct sqlite_store *s);

/* Record db's error on s (as store_fail) and map it to a CALOR_E* code. */
int sqlite_db_fail(struct sqlite_store *s, sqlite3 *db, const char *what);
/* Run sql (no results) on db; errors as sqlite_db_fail(). */
int sqlite_db_exec(struct sqlite_store *s, sqlite3 *db, const char *sql);
/* A read-only connection from the pool (or a new one); give it back with
 * sqlite_read_release(). */
int sqlite_read_acquire(struct sqlite_store *s, sqlite3 **ret_db);
void sqlite_read_release(struct sqlite_store *s, sqlite3 *db);

/* Create or upgrade the schema to this binary's version, inside the
 * caller's transaction (store_sqlite_schema.c). A database newer than this
 * binary is refused with CALOR_ESTORE. */
int sqlite_schema_apply(struct sqlite_store *s);
/* The schema version this binary writes (and the newest it reads). */
int sqlite_schema_version(void);

/* Sites (store_sqlite_site.c): the ops of the same names. */
int sqlite_site_add(struct store *base, const char *name,
		    const char *const *origins, size_t n_origins,
		    struct store_site *ret_site);
int sqlite_site_create(struct store *base, const struct store_site *in,
		       struct store_site *ret_site);
int sqlite_site_update(struct store *base, int64_t site_id, const char *name,
		       const char *const *origins, size_t n_origins);
int sqlite_sites_load(struct store *base, struct store_site **ret_sites,
		      size_t *ret_n);
int sqlite_site_set(struct store *base, int64_t site_id, const char *name,
		    int32_t value);

/* Reads (store_sqlite_read.c). */
int sqlite_pages_list(struct store *base, const struct store_filter *f,
		      const struct store_pages_query *q, store_page_cb cb,
		      void *ctx);
int sqlite_clicks_scan(struct store *base, const struct store_filter *f,
		       store_click_cb cb, void *ctx);
int sqlite_sample(struct store *base, const struct store_filter *f,
		  struct store_sample *ret_sample);
int sqlite_grid_scan(struct store *base, const struct store_filter *f,
		     enum store_grid_kind kind, store_grid_cb cb, void *ctx);
int sqlite_grid_widths(struct store *base, const struct store_filter *f,
		       enum store_grid_kind kind,
		       struct store_grid_width **ret_widths, size_t *ret_n);
int sqlite_scroll_scan(struct store *base, const struct store_filter *f,
		       store_scroll_cb cb, void *ctx);
int sqlite_clicks_attrs_scan(struct store *base, const struct store_filter *f,
			     const char *tag_key, int64_t stride,
			     store_attrs_cb cb, void *ctx);
/* Insights (store_sqlite_insight.c). */
int sqlite_elements_scan(struct store *base, const struct store_filter *f,
			 unsigned flags, const char *goal, size_t limit,
			 store_element_cb cb, void *ctx);
int sqlite_click_examples(struct store *base, const struct store_filter *f,
			  const char *page, const char *selector,
			  unsigned flags, size_t n, store_example_cb cb,
			  void *ctx);
int sqlite_pageviews_scan(struct store *base, const struct store_filter *f,
			  store_pageview_cb cb, void *ctx);
int sqlite_goals_list(struct store *base, const struct store_filter *f,
		      store_goal_cb cb, void *ctx);
/* Appends the filter's conditions (" AND ...") on the event table ev
 * (device, time) and the page view table pv (the segment); literals are
 * quoted with sqlite3_mprintf's %Q. CALOR_ENOMEM or 0. */
int sqlite_filter_sql(struct dynbuf *sql, const struct store_filter *f,
		      const char *ev, const char *pv);
/* What a read binds: ?1 the site, ?2 the page, ?3 a text (tag key,
 * selector, goal), ?4 an integer — each only when the SQL has it. */
struct sqlite_binds {
	int64_t site_id;
	const char *page, *text3;
	int64_t int4;
};

/* Turns the current row of st into a record for the caller; non-zero
 * stops the read and is returned. */
typedef int (*sqlite_row_fn)(sqlite3_stmt *st, void *ctx);

/* The shape of most reads: unless built (the status of building sql) is
 * an error, run sql on a pooled read connection with b bound and hand
 * every row to row. Frees sql. what names the read in errors. */
int sqlite_read_rows(struct sqlite_store *s, struct dynbuf *sql, int built,
		     const struct sqlite_binds *b, sqlite_row_fn row, void *ctx,
		     const char *what);

/* A text column of the current row, "" for NULL. */
const char *sqlite_text_col(sqlite3_stmt *st, int i);

/* Read helpers shared by the readers (store_sqlite_read.c). */
int sqlite_read_begin(struct sqlite_store *s, struct dynbuf *sql,
		      sqlite3 **ret_db, sqlite3_stmt **ret_st);
void sqlite_read_end(struct sqlite_store *s, sqlite3 *db, sqlite3_stmt *st,
		     struct dynbuf *sql);

/* Export (store_sqlite_export.c). */
int sqlite_export_site(struct store *base, int64_t site_id,
		       const struct store_export_cb *cb, void *ctx);

/* Retention and erasure (store_sqlite_purge.c): store_purge() with
 * drop_before_ms its before_ms, store_erase() with 0. */
int sqlite_purge(struct store *base, const struct store_pageview_sel *sel,
		 int64_t drop_before_ms, const atomic_int *stop,
		 struct store_purge_stats *ret_stats);

#endif
