/* SPDX-License-Identifier: MIT */
/* store_clickhouse_schema: the ClickHouse backend's tables, materialized
 * views and migrations, made when the store is opened
 * (ch_schema_apply()), and the grid changes purge makes
 * (ch_grids_change()). The tables and why each is so: docs/deploy.md,
 * "Schema". */
#include "store_clickhouse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tables, each made as NAME_local on the spec's server and each
 * server shards= names and, with a cluster, NAME as a Distributed table
 * over every server's NAME_local on the spec's server. Column types and
 * engines run on 18.16 and on current releases: no LowCardinality, no
 * Nullable, no IF NOT EXISTS in ALTER. docs/deploy.md says why each is
 * the way it is. */
struct ch_table_def {
	const char *name, *columns, *engine, *shard_key;
};

static const struct ch_table_def tables_v1[] = {
    {"events",
     "site_id UInt64, page String, kind UInt8, device UInt8, ts Int64,"
     " pv String, seq UInt32, idx UInt32, session String,"
     " received_ms Int64,"
     " x Int32, y Int32, vw Int32, vh Int32, dw Int32, dh Int32,"
     " selector String, sel_hash UInt64, off_x UInt16, off_y UInt16,"
     " el_w Int32, el_h Int32, pointer UInt8, flags UInt8,"
     " goal String,"
     " referrer String, dpr Float64, is_new UInt8, browser UInt8,"
     " os UInt8, source UInt8, utm_source String, utm_medium String,"
     " utm_campaign String, utm_term String, utm_content String,"
     " max_depth Int32, doc_h Int32, fold Int32, reversals Int32,"
     " dwell Array(UInt32), tag_keys Array(String),"
     " tag_values Array(String)",
     "ReplacingMergeTree PARTITION BY toYYYYMM(toDate(intDiv(ts, 1000)))"
     " ORDER BY (site_id, page, kind, device, ts, pv, seq, idx)",
     "cityHash64(session)"},
    {"sites",
     "id UInt64, key String, name String, created_ms Int64,"
     " origins Array(String), version UInt64",
     "ReplacingMergeTree(version) ORDER BY id", "id"},
    {"site_settings",
     "site_id UInt64, name String, value Int32, version UInt64",
     "ReplacingMergeTree(version) ORDER BY (site_id, name)", "site_id"},
    {"auth_kv",
     "kind String, key String, value String, expires_ms Int64,"
     " deleted UInt8, version UInt64",
     "ReplacingMergeTree(version) ORDER BY (kind, key)",
     "cityHash64(kind, key)"},
};

/* The pre-aggregated grids (store.h): per page, kind (1 click, 2 move
 * point), device and click flags (dead 4, error 8, rage 16), the events
 * counted in each cell and at each viewport width with the document
 * height seen — per UTC day (grids, grid_widths) and for all time
 * (grids_all, grid_widths_all: what a heatmap without dates reads, as
 * SQLite's roll-up). SummingMergeTree adds rows of one key when parts
 * merge; reads still sum. Materialized views fill them from every INSERT
 * into events_local, on every shard, so the write path does nothing
 * more; ch_grids_subtract() takes events off. A heatmap reads cells, not
 * events (docs/deploy.md). */
struct ch_grid_def {
	struct ch_table_def t;
	const char *cols;  /* its own columns, from event rows */
	const char *group; /* and their names */
};

#define GRID_COLUMNS                                                           \
	"site_id UInt64, page String, kind UInt8, device UInt8, fl UInt8,"     \
	" n Int64, "
#define GRID_CELL                                                              \
	"toInt32(least(intDiv(x * 360, greatest(vw, 1)), 32767)) AS cx,"       \
	" toInt32(intDiv(y, 4)) AS cy"
#define GRID_DAILY                                                             \
	"SummingMergeTree(n) PARTITION BY toYYYYMM(toDate(day * 86400))"
_Static_assert(STORE_GRID_COLS == 360 && STORE_GRID_ROW_PX == 4, "GRID_CELL");

static const struct ch_grid_def grid_tables[] = {
    {{"grids", GRID_COLUMNS "day Int32, cx Int32, cy Int32",
      GRID_DAILY " ORDER BY (site_id, page, kind, device, day, fl, cx, cy)",
      "site_id"},
     "toInt32(intDiv(ts, 86400000)) AS day, " GRID_CELL,
     "day, cx, cy"},
    {{"grid_widths", GRID_COLUMNS "day Int32, vw Int32, dh Int32",
      GRID_DAILY " ORDER BY (site_id, page, kind, device, day, fl, vw, dh)",
      "site_id"},
     "toInt32(intDiv(ts, 86400000)) AS day, vw, dh",
     "day, vw, dh"},
    {{"grids_all", GRID_COLUMNS "cx Int32, cy Int32",
      "SummingMergeTree(n) ORDER BY (site_id, page, kind, device, fl, cx,"
      " cy)",
      "site_id"},
     GRID_CELL,
     "cx, cy"},
    {{"grid_widths_all", GRID_COLUMNS "vw Int32, dh Int32",
      "SummingMergeTree(n) ORDER BY (site_id, page, kind, device, fl, vw,"
      " dh)",
      "site_id"},
     "vw, dh",
     "vw, dh"},
};

/* "SELECT <the grid row> FROM <from> WHERE kind IN (1, 2)<and> GROUP BY
 * ..." with count() as n (sign -1: negated). */
static int grid_rows_sql(struct dynbuf *sql, const struct ch_grid_def *g,
			 const char *from, const char *and, int sign)
{
	return dynbuf_addf(
	    sql,
	    "SELECT site_id, page, kind, device,"
	    " bitAnd(flags, 28) AS fl, %stoInt64(count()) AS n,"
	    " %s FROM %s WHERE kind IN (1, 2)%s GROUP BY site_id,"
	    " page, kind, device, fl, %s",
	    sign < 0 ? "-" : "", g->cols, from, and, g->group);
}

/* The batches table: one row per stored batch (its page view record's
 * site, id, number, page, device and start), filled by a materialized
 * view from events_local, sorted by (site_id, pv): the write path's
 * duplicate lookup is a point read of it, where events (sorted for
 * heatmaps) would be read page by page. */
static const struct ch_table_def batches_table = {
    "batches",
    "site_id UInt64, pv String, seq UInt32, page String, device UInt8,"
    " ts Int64",
    "ReplacingMergeTree ORDER BY (site_id, pv, seq, page)", "site_id"};

static int make_batches_view(struct ch_store *s, const char *at)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "CREATE MATERIALIZED VIEW IF NOT EXISTS %s.batches_mv TO"
		 " %s.batches_local AS SELECT site_id, pv, seq, page, device,"
		 " ts FROM %s.events_local WHERE kind = 0",
		 s->db, s->db, s->db);
	return ch_exec_at(s, at, sql, s->read_timeout_ms);
}

static int make_grid_view(struct ch_store *s, const char *at,
			  const struct ch_grid_def *g)
{
	struct dynbuf sql;
	char from[CH_NAME_MAX + 16];
	int rc;

	snprintf(from, sizeof(from), "%s.events_local", s->db);
	dynbuf_init(&sql, 8192);
	rc = dynbuf_addf(&sql,
			 "CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s_mv TO"
			 " %s.%s_local AS ",
			 s->db, g->t.name, s->db, g->t.name);
	if (!rc)
		rc = grid_rows_sql(&sql, g, from, "", 1);
	rc = rc ? store_fail(&s->base, rc, "view SQL")
		: ch_exec_at(s, at, sql.data, s->read_timeout_ms);
	dynbuf_done(&sql);
	return rc;
}

int ch_grids_change(struct ch_store *s, const char *where, int sign,
		    size_t n_tables, size_t *ret_done)
{
	struct dynbuf sql, from, and;
	size_t done = 0;
	int rc = 0;

	dynbuf_init(&from, 256);
	dynbuf_init(&and, CH_MAX_SQL);
	if (ch_table(s, &from, "events") ||
	    dynbuf_addf(&and, " AND (%s)", where))
		rc = CALOR_ETOOBIG;
	for (size_t g = 0; !rc && g < n_tables &&
			   g < sizeof(grid_tables) / sizeof(grid_tables[0]);
	     g++) {
		dynbuf_init(&sql, CH_MAX_SQL);
		rc = dynbuf_adds(&sql, "INSERT INTO ");
		if (!rc)
			rc = ch_table(s, &sql, grid_tables[g].t.name);
		if (!rc)
			rc = dynbuf_adds(&sql, " ");
		if (!rc)
			rc = grid_rows_sql(&sql, &grid_tables[g], from.data,
					   and.data, sign);
		rc = rc ? store_fail(&s->base, rc, "grid SQL")
			: ch_exec(s, sql.data);
		dynbuf_done(&sql);
		done += !rc;
	}
	if (rc == CALOR_ETOOBIG)
		rc = store_fail(&s->base, rc, "grid SQL");
	dynbuf_done(&from);
	dynbuf_done(&and);
	if (ret_done)
		*ret_done = done;
	return rc;
}

int ch_grids_subtract(struct ch_store *s, const char *where)
{
	return ch_grids_change(s, where, -1, SIZE_MAX, NULL);
}

static int make_table(struct ch_store *s, const char *at,
		      const struct ch_table_def *t);

/* The page views table: one row per page view record (kind 0: a batch's
 * site, page, device, UTC day of its start, page view id, and the 64-bit
 * hashes of the page view and session ids), filled by a materialized
 * view, ReplacingMergeTree sorted by (site_id, page, device, day, pv) so
 * a page view's batches collapse into one row when parts merge. The
 * sample (store_sample(): page views and distinct sessions) is
 * uniqExact of the two hashes over a page's rows: 8-byte keys over one
 * row per page view instead of the ids over one row per batch; a row
 * still there twice (not merged yet, a backfill and a view at once) is
 * counted once. Purge deletes its rows with the events' (same columns
 * site_id, page, pv). Schema version 2. */
static const struct ch_table_def pageviews_table = {
    "pageviews",
    "site_id UInt64, page String, device UInt8, day Int32, pv String,"
    " pv_h UInt64, session_h UInt64",
    "ReplacingMergeTree PARTITION BY toYYYYMM(toDate(day * 86400))"
    " ORDER BY (site_id, page, device, day, pv)",
    "site_id"};

/* "SELECT <the page view rows> FROM <from> WHERE kind = 0" */
static int pageview_rows_sql(struct dynbuf *sql, const char *from)
{
	return dynbuf_addf(sql,
			   "SELECT site_id, page, device,"
			   " toInt32(intDiv(ts, 86400000)) AS day, pv,"
			   " cityHash64(pv) AS pv_h, cityHash64(session) AS"
			   " session_h FROM %s WHERE kind = %d",
			   from, CH_KIND_BATCH);
}

/* The table's view, and (from version 1, which had neither) its rows for
 * the events already stored: after the view exists, so nothing inserted
 * meanwhile is missed; what both add is counted once. */
static int make_pageviews(struct ch_store *s, const char *at, int64_t version)
{
	struct dynbuf sql;
	char from[CH_NAME_MAX + 16];
	int rc;

	if ((rc = make_table(s, at, &pageviews_table)))
		return rc;
	snprintf(from, sizeof(from), "%s.events_local", s->db);
	dynbuf_init(&sql, 8192);
	rc =
	    dynbuf_addf(&sql,
			"CREATE MATERIALIZED VIEW IF NOT EXISTS %s.pageviews_mv"
			" TO %s.pageviews_local AS ",
			s->db, s->db);
	if (!rc)
		rc = pageview_rows_sql(&sql, from);
	rc = rc ? store_fail(&s->base, rc, "view SQL")
		: ch_exec_at(s, at, sql.data, s->read_timeout_ms);
	if (!rc && version < 2) {
		dynbuf_clear(&sql);
		rc =
		    dynbuf_addf(&sql, "INSERT INTO %s.pageviews_local ", s->db);
		if (!rc)
			rc = pageview_rows_sql(&sql, from);
		rc = rc ? store_fail(&s->base, rc, "backfill SQL")
			: ch_exec_at(s, at, sql.data, s->read_timeout_ms);
	}
	dynbuf_done(&sql);
	return rc;
}

/* Version 2 added the page views table (filled from the events when
 * migrating). Migrations are CREATE ... IF NOT EXISTS and inserts whose
 * repetition changes nothing, so a start that died half-way through one
 * finishes it; ALTERs, should one be needed, must be run on NAME_local
 * and, with a cluster, on NAME too. */
#define CH_SCHEMA_VERSION 2

/* NAME_local on the server at (NULL: the spec's). */
static int make_table(struct ch_store *s, const char *at,
		      const struct ch_table_def *t)
{
	struct dynbuf sql;
	int rc;

	dynbuf_init(&sql, 8192);
	rc = dynbuf_addf(&sql,
			 "CREATE TABLE IF NOT EXISTS %s.%s_local (%s) ENGINE = "
			 "%s",
			 s->db, t->name, t->columns, t->engine);
	rc = rc ? store_fail(&s->base, rc, "table SQL")
		: ch_exec_at(s, at, sql.data, s->read_timeout_ms);
	dynbuf_done(&sql);
	return rc;
}

/* NAME, the Distributed table over every server's NAME_local, on the
 * spec's server (which has NAME_local: CREATE ... AS copies its
 * columns). */
static int make_distributed(struct ch_store *s, const struct ch_table_def *t)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "CREATE TABLE IF NOT EXISTS %s.%s AS %s.%s_local"
		 " ENGINE = Distributed(%s, %s, %s_local, %s)",
		 s->db, t->name, s->db, t->name, s->cluster, s->db, t->name,
		 t->shard_key);
	return ch_exec(s, sql);
}

static int version_row(void *ctx, char **f, size_t n)
{
	if (n >= 1)
		*(int64_t *)ctx = strtoll(f[0], NULL, 10);
	return 0;
}

/* Every table and view, made or migrated on the server at (its schema
 * version is its own, in schema_local). */
static int schema_local(struct ch_store *s, const char *at)
{
	char sql[512];
	int64_t version = 0;
	long t = s->read_timeout_ms;
	int rc;

	snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS %s", s->db);
	if ((rc = ch_exec_at(s, at, sql, t)))
		return rc;
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE IF NOT EXISTS %s.schema_local (version UInt32,"
		 " applied_ms Int64) ENGINE = MergeTree ORDER BY version",
		 s->db);
	if ((rc = ch_exec_at(s, at, sql, t)))
		return rc;
	snprintf(sql, sizeof(sql), "SELECT max(version) FROM %s.schema_local",
		 s->db);
	if ((rc = ch_select_at(s, at, sql, version_row, &version, t)))
		return rc;
	if (version > CH_SCHEMA_VERSION)
		return store_fail(&s->base, CALOR_ESTORE,
				  "ClickHouse schema version %lld at %s is "
				  "newer than this calor's (%d)",
				  (long long)version, at ? at : s->url,
				  CH_SCHEMA_VERSION);
	/* CREATE ... IF NOT EXISTS: a start that died half-way through
	 * version 1 finishes it */
	for (size_t i = 0; i < sizeof(tables_v1) / sizeof(tables_v1[0]); i++)
		if ((rc = make_table(s, at, &tables_v1[i])))
			return rc;
	if ((rc = make_table(s, at, &batches_table)) ||
	    (rc = make_batches_view(s, at)))
		return rc;
	for (size_t g = 0; g < sizeof(grid_tables) / sizeof(grid_tables[0]);
	     g++)
		if ((rc = make_table(s, at, &grid_tables[g].t)) ||
		    (rc = make_grid_view(s, at, &grid_tables[g])))
			return rc;
	if ((rc = make_pageviews(s, at, version)))
		return rc;
	if (version < CH_SCHEMA_VERSION) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO %s.schema_local VALUES (%d, %lld)", s->db,
			 CH_SCHEMA_VERSION, (long long)calor_now_ms());
		if ((rc = ch_exec_at(s, at, sql, t)))
			return rc;
	}
	return 0;
}

/* The spec's server first, then each other server shards= names: the
 * first node to open the cluster with shards= makes every server's local
 * tables, as 18.16 has no ON CLUSTER without ZooKeeper (without shards=,
 * each server must be opened once on its own); then the Distributed
 * tables on the spec's server. */
int ch_schema_apply(struct ch_store *s)
{
	int rc = schema_local(s, NULL);

	for (size_t i = 0; !rc && i < s->n_shards; i++)
		if (strcmp(s->shard_urls[i], s->url) != 0)
			rc = schema_local(s, s->shard_urls[i]);
	if (rc || !s->cluster[0])
		return rc;
	for (size_t i = 0; !rc && i < sizeof(tables_v1) / sizeof(tables_v1[0]);
	     i++)
		rc = make_distributed(s, &tables_v1[i]);
	for (size_t g = 0;
	     !rc && g < sizeof(grid_tables) / sizeof(grid_tables[0]); g++)
		rc = make_distributed(s, &grid_tables[g].t);
	if (!rc)
		rc = make_distributed(s, &batches_table);
	if (!rc)
		rc = make_distributed(s, &pageviews_table);
	return rc;
}
