/* SPDX-License-Identifier: MIT */
/* store_clickhouse_int: what the ClickHouse backend's files share — the
 * store object, the HTTP calls (libcurl) and SQL quoting. Private to
 * store_clickhouse*.c. The schema and its reasons: docs/deploy.md. */
#ifndef CALOR_STORE_CLICKHOUSE_INT_H
#define CALOR_STORE_CLICKHOUSE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "store.h"

#define CH_POOL_MAX   8
#define CH_MAX_RESULT (256u * 1024 * 1024) /* one line of an answer */
#define CH_MAX_INSERT (64u * 1024 * 1024)  /* one INSERT's body */
#define CH_MAX_SQL    (4u * 1024 * 1024)   /* one query's text */
#define CH_MAX_FIELDS 32		   /* columns of a read */
#define CH_NAME_MAX   64		   /* database and cluster names */
/* A read holds one of the HTTP threads, and the connections that thread
 * serves (/collect's too) wait behind it: under the HTTP layer's 20 s
 * request deadline, so a ClickHouse that hangs costs 15 s, not more,
 * and once a read or write has found it away, CH_PING_MS (ch_ping). A
 * write (its lookups and its INSERT together) holds a /collect request
 * (answered 503 + Retry-After when ClickHouse is slower than this) and
 * the writer thread. */
#define CH_READ_TIMEOUT_MS  15000L
#define CH_WRITE_TIMEOUT_MS 10000L
#define CH_WATCH_MS	    1000L /* other writers looked for at most this often */
#define CH_PING_MS	    1000L /* while ClickHouse seems away, each request's ping */
/* Loading the sites: the API does it on a /collect request's thread every
 * 10 s, so with the write this must stay under HTTP's 20 s deadline. */
#define CH_SITES_TIMEOUT_MS 3000L
#define CH_HOST_MAX	    253
/* Purge (store_clickhouse_purge.c): the cluster-wide lease and how long
 * a mutation is waited for. */
#define CH_LEASE_TTL_MS	    60000L  /* renewed every quarter of it */
#define CH_LEASE_SETTLE_MS  1000L   /* claims written meanwhile are seen */
#define CH_LEASE_WAIT_MS    120000L /* erase waits for another's purge */
#define CH_MUTATION_WAIT_MS 600000L

/* The kinds of rows in the events table. */
enum ch_kind {
	CH_KIND_BATCH = 0, /* a batch's page view record */
	CH_KIND_CLICK = 1,
	CH_KIND_MOVE = 2, /* one point */
	CH_KIND_GOAL = 3
};

struct ch_store {
	struct store base;
	char url[CH_HOST_MAX + 64]; /* http://HOST:PORT/ */
	char db[CH_NAME_MAX + 1];
	char cluster[CH_NAME_MAX + 1]; /* "" without one */
	pthread_mutex_t pool_lock;
	void *pool[CH_POOL_MAX]; /* idle CURL easy handles */
	size_t n_pool;
	pthread_mutex_t write_lock; /* one write path per process */
	/* monotonic time a read or write last found ClickHouse away (timed
	 * out, refused); 0 once one gets through (ch_ping) */
	_Atomic int64_t down_ms;
	_Atomic uint64_t version;
	long read_timeout_ms, write_timeout_ms;
	size_t max_result; /* what a read holds at once (CH_MAX_RESULT) */
	/* other writers, seen in the tables' data parts (ch_data_version) */
	pthread_mutex_t watch_lock;
	_Atomic int64_t watch_ms; /* monotonic time of the last look */
	uint64_t watch_seen;	  /* what it saw, hashed */
	/* purge (store_clickhouse_purge.c) */
	int port;	 /* the spec's HTTP port */
	size_t n_shards; /* shards= of the spec; 0 without */
	char (*shard_urls)[CH_HOST_MAX + 16]; /* each http://HOST:PORT/ */
	char node_id[24];	    /* this store's name in the purge lease */
	pthread_mutex_t purge_lock; /* one purge at a time per store */
	long lease_ttl_ms;	    /* a lease not renewed lapses after this */
	long lease_settle_ms;	    /* wait between claiming and reading back */
	long lease_wait_ms;	    /* erase waits this long for another's */
	long mutation_wait_ms;	    /* a mutation is waited for this long */
};

/* A read's row: n fields, unescaped, NUL-terminated, valid during the
 * call; non-zero stops the read and is returned. */
typedef int (*ch_row_fn)(void *ctx, char **fields, size_t n);

/* Run sql (no result wanted). 0, CALOR_EUNAVAILABLE (ClickHouse could not
 * be reached or timed out), CALOR_ESTORE (it refused), CALOR_ENOMEM; the
 * detail in store_last_error(). */
int ch_exec(struct ch_store *s, const char *sql);
/* INSERT data (TabSeparated rows) into table (a name this backend made):
 * "INSERT INTO db.table FORMAT TabSeparated". Errors as ch_exec(). */
int ch_insert(struct ch_store *s, const char *table, const char *data,
	      size_t len);
/* ch_insert() giving up after timeout_ms. */
int ch_insert_within(struct ch_store *s, const char *table, const char *data,
		     size_t len, long timeout_ms);
/* Run a SELECT (without FORMAT) and hand each row to row, giving up
 * after the read timeout; while ClickHouse seems away (ch_ping), only if
 * it answers a ping first. Errors as ch_exec(), or what row returned. */
int ch_select(struct ch_store *s, const char *sql, ch_row_fn row, void *ctx);
/* While ClickHouse seems away (s->down_ms: the last read or write it did
 * not answer in time, or refused), ask it for SELECT 1 within CH_PING_MS:
 * 0 when it answers or does not seem away, else CALOR_EUNAVAILABLE at
 * once instead of a whole timeout. So a ClickHouse that hangs holds each
 * request queued behind the first to find it away (an HTTP thread for a
 * read, the writer for a write) for CH_PING_MS, not for a timeout. */
int ch_ping(struct ch_store *s);
/* Record what a request to ClickHouse found: away on
 * CALOR_EUNAVAILABLE, back on 0. */
void ch_seen(struct ch_store *s, int rc);
/* ch_select() giving up after timeout_ms. */
int ch_select_within(struct ch_store *s, const char *sql, ch_row_fn row,
		     void *ctx, long timeout_ms);
/* ch_exec() and ch_select_within() on the server at base
 * ("http://HOST:PORT/"; NULL: the spec's), for what must run on each
 * server of a cluster. */
int ch_exec_at(struct ch_store *s, const char *base, const char *sql,
	       long timeout_ms);
int ch_select_at(struct ch_store *s, const char *base, const char *sql,
		 ch_row_fn row, void *ctx, long timeout_ms);
/* store_clickhouse_http.c: libcurl's global start (once a process) and
 * the easy handles a store keeps, freed at close. */
void ch_http_start(void);
void ch_http_close(struct ch_store *s);
/* A version for ReplacingMergeTree(version) rows: the clock in µs,
 * strictly increasing in this process. */
uint64_t ch_row_version(void);
/* Write a version of auth_kv's (kind, key) (deleted: a tombstone). */
int ch_kv_write(struct ch_store *s, const char *kind, const char *key,
		const char *value, int64_t expires_ms, int deleted);
/* store_clickhouse_spec_parse() with what is wrong in err (may be NULL). */
int ch_spec_parse(const char *spec, struct store_clickhouse_spec *ret_spec,
		  char *err, size_t err_size);

/* Append value as a ClickHouse string literal ('...', backslash escapes). */
int ch_quote(struct dynbuf *b, const char *value);
/* Append value as a TabSeparated field (no quotes). */
int ch_tsv(struct dynbuf *b, const char *value);
/* The name reads and writes use for table: "db.table" across the
 * cluster (Distributed) or "db.table_local" without a cluster. */
int ch_table(const struct ch_store *s, struct dynbuf *b, const char *table);

/* Make the tables and views of the schema and migrate them to this
 * calor's version (store_clickhouse_schema.c): on the server s talks to
 * and on each server shards= names (each must answer), then, with a
 * cluster, the Distributed tables on the first. The version is kept per
 * server (schema_local). */
int ch_schema_apply(struct ch_store *s);

/* Take the event rows matching where (a condition on the events table's
 * columns) off the pre-aggregated grids, by adding their negated counts
 * (store_clickhouse_schema.c). Call it before the rows are deleted. */
int ch_grids_subtract(struct ch_store *s, const char *where);
/* The same with sign -1 (take off) or 1 (put back, to undo a subtraction
 * whose rows were not deleted after all), for the first n_tables grid
 * tables (SIZE_MAX: all) in their order; *ret_done (may be NULL): how
 * many were changed, all of them when it returns 0. */
int ch_grids_change(struct ch_store *s, const char *where, int sign,
		    size_t n_tables, size_t *ret_done);

/* SQL builders the readers share (store_clickhouse_read.c). Each appends
 * to sql and returns 0, CALOR_ETOOBIG or CALOR_ENOMEM. */
/* " AND session [NOT] IN (the site's sessions that reached goal)", read
 * from each shard's local table (the shard key is the session). */
int ch_goal_sql(const struct ch_store *s, struct dynbuf *sql, int64_t site_id,
		const char *goal, int reached);
/* The filter's device, times and segment: on page view (batch) rows when
 * pv_rows, else on event rows through the page views it selects. */
int ch_filter_sql(const struct ch_store *s, struct dynbuf *sql,
		  const struct store_filter *f, int pv_rows);
/* "SELECT select FROM events WHERE site_id = S [AND page = P]". */
int ch_from_events(const struct ch_store *s, struct dynbuf *sql,
		   const char *select, const struct store_filter *f);
/* Unless rc (the status of building sql) is an error, run sql and hand
 * its rows to row; frees sql. */
int ch_run(struct ch_store *s, struct dynbuf *sql, int rc, ch_row_fn row,
	   void *ctx);

/* The write path and the data version (store_clickhouse_write.c). */
int ch_write_batches(struct store *base,
		     const struct ingest_batch *const *batches, size_t n,
		     int *ret_results);
uint64_t ch_data_version(struct store *base);

/* Reads (store_clickhouse_read.c). */
int ch_pages_list(struct store *base, const struct store_filter *f,
		  const struct store_pages_query *q, store_page_cb cb,
		  void *ctx);
int ch_clicks_scan(struct store *base, const struct store_filter *f,
		   store_click_cb cb, void *ctx);
int ch_sample(struct store *base, const struct store_filter *f,
	      struct store_sample *ret_sample);
int ch_grid_scan(struct store *base, const struct store_filter *f,
		 enum store_grid_kind kind, store_grid_cb cb, void *ctx);
int ch_grid_widths(struct store *base, const struct store_filter *f,
		   enum store_grid_kind kind,
		   struct store_grid_width **ret_widths, size_t *ret_n);
int ch_scroll_scan(struct store *base, const struct store_filter *f,
		   store_scroll_cb cb, void *ctx);
int ch_clicks_attrs_scan(struct store *base, const struct store_filter *f,
			 const char *tag_key, int64_t stride, store_attrs_cb cb,
			 void *ctx);
/* Retention and erasure (store_clickhouse_purge.c). */
int ch_purge(struct store *base, const struct store_pageview_sel *sel,
	     int64_t drop_before_ms, const atomic_int *stop,
	     struct store_purge_stats *ret_stats);
/* Export (store_clickhouse_export.c). */
int ch_export_site(struct store *base, int64_t site_id,
		   const struct store_export_cb *cb, void *ctx);
/* Insights (store_clickhouse_insight.c). */
int ch_elements_scan(struct store *base, const struct store_filter *f,
		     unsigned flags, const char *goal, size_t limit,
		     store_element_cb cb, void *ctx);
int ch_click_examples(struct store *base, const struct store_filter *f,
		      const char *page, const char *selector, unsigned flags,
		      size_t n, store_example_cb cb, void *ctx);
int ch_pageviews_scan(struct store *base, const struct store_filter *f,
		      store_pageview_cb cb, void *ctx);
int ch_goals_list(struct store *base, const struct store_filter *f,
		  store_goal_cb cb, void *ctx);

#endif
