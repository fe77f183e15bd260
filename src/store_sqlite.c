/* SPDX-License-Identifier: MIT */
/* store_sqlite: the default backend. One SQLite database (WAL,
 * synchronous=FULL) in the data directory; one write connection used by the
 * writer thread, and a pool of read connections for queries, which WAL lets
 * run beside the writer. */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define READ_POOL_MAX 8

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta("
    "  key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sites("
    "  id INTEGER PRIMARY KEY,"
    "  key TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS site_origins("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  origin TEXT NOT NULL,"
    "  PRIMARY KEY(site_id, origin));"
    "CREATE TABLE IF NOT EXISTS pages("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  path TEXT NOT NULL,"
    "  UNIQUE(site_id, path));"
    "CREATE TABLE IF NOT EXISTS pageviews("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL,"
    "  page_id INTEGER NOT NULL,"
    "  client_id TEXT NOT NULL,"
    "  session TEXT NOT NULL,"
    "  referrer TEXT NOT NULL,"
    "  device INTEGER NOT NULL,"
    "  vw INTEGER NOT NULL, vh INTEGER NOT NULL, dpr REAL NOT NULL,"
    "  is_new INTEGER NOT NULL,"
    "  ts INTEGER NOT NULL,"
    "  max_depth INTEGER NOT NULL DEFAULT 0,"
    "  doc_h INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(site_id, client_id));"
    "CREATE INDEX IF NOT EXISTS pageviews_page"
    "  ON pageviews(page_id, device, ts);"
    /* (page view, seq) names a batch: a batch sent twice is stored once */
    "CREATE TABLE IF NOT EXISTS batches("
    "  pageview_id INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  received_ms INTEGER NOT NULL,"
    "  events INTEGER NOT NULL,"
    "  PRIMARY KEY(pageview_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS clicks("
    "  id INTEGER PRIMARY KEY,"
    "  pageview_id INTEGER NOT NULL,"
    "  page_id INTEGER NOT NULL,"
    "  device INTEGER NOT NULL,"
    "  ts INTEGER NOT NULL,"
    "  x INTEGER NOT NULL, y INTEGER NOT NULL,"
    "  vw INTEGER NOT NULL, vh INTEGER NOT NULL,"
    "  dw INTEGER NOT NULL, dh INTEGER NOT NULL,"
    "  selector TEXT NOT NULL,"
    "  off_x INTEGER NOT NULL, off_y INTEGER NOT NULL,"
    "  el_w INTEGER NOT NULL, el_h INTEGER NOT NULL,"
    "  pointer INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS clicks_page ON clicks(page_id, device, ts);";

/* Migrations, in order: migrations[i] takes the schema from version i + 1
 * to i + 2. A new database gets the version 1 schema above and then every
 * migration, so fresh and upgraded databases are the same. */
static const char *const migrations[] = {
    /* 1 -> 2: click flags and selector hash; browser, OS, UTM, fold,
	 * reversals and attention per page view; tags, goals, moves */
    "ALTER TABLE clicks ADD COLUMN sel_hash INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE clicks ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE pageviews ADD COLUMN browser INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE pageviews ADD COLUMN os INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE pageviews ADD COLUMN utm_source TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE pageviews ADD COLUMN utm_medium TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE pageviews ADD COLUMN utm_campaign TEXT NOT NULL"
    "  DEFAULT '';"
    "ALTER TABLE pageviews ADD COLUMN utm_term TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE pageviews ADD COLUMN utm_content TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE pageviews ADD COLUMN fold INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE pageviews ADD COLUMN reversals INTEGER NOT NULL DEFAULT 0;"
    /* 100 little-endian uint32: ms of attention per 1 % band */
    "ALTER TABLE pageviews ADD COLUMN dwell BLOB;"
    "CREATE TABLE pageview_tags("
    "  pageview_id INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY(pageview_id, key)) WITHOUT ROWID;"
    "CREATE INDEX pageview_tags_kv ON pageview_tags(key, value);"
    "CREATE TABLE goals("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL,"
    "  pageview_id INTEGER NOT NULL,"
    "  session TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  ts INTEGER NOT NULL);"
    "CREATE INDEX goals_site ON goals(site_id, name, session);"
    "CREATE TABLE moves("
    "  id INTEGER PRIMARY KEY,"
    "  pageview_id INTEGER NOT NULL,"
    "  page_id INTEGER NOT NULL,"
    "  device INTEGER NOT NULL,"
    "  ts INTEGER NOT NULL,"
    "  x INTEGER NOT NULL, y INTEGER NOT NULL,"
    "  vw INTEGER NOT NULL);"
    "CREATE INDEX moves_page ON moves(page_id, device, ts);",
    /* 2 -> 3: per-day grids of clicks, moves, dead and error clicks (see
     * store.h), filled from what is already stored */
    "CREATE TABLE grid("
    "  page_id INTEGER NOT NULL, device INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL, day INTEGER NOT NULL,"
    "  cy INTEGER NOT NULL, cx INTEGER NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY(page_id, device, kind, day, cy, cx)) WITHOUT ROWID;"
    "CREATE TABLE grid_widths("
    "  page_id INTEGER NOT NULL, device INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL, day INTEGER NOT NULL, vw INTEGER NOT NULL,"
    "  n INTEGER NOT NULL, max_dh INTEGER NOT NULL,"
    "  PRIMARY KEY(page_id, device, kind, day, vw)) WITHOUT ROWID;"
    "INSERT INTO grid SELECT page_id, device, k.kind, ts / 86400000,"
    "  y / 4, min(x * 360 / vw, 32767), count(*) FROM clicks"
    "  JOIN (SELECT 0 AS kind, 0 AS flag UNION ALL SELECT 2, 4"
    "        UNION ALL SELECT 3, 8) k ON k.flag = 0 OR flags & k.flag"
    "  GROUP BY 1, 2, 3, 4, 5, 6;"
    "INSERT INTO grid SELECT page_id, device, 1, ts / 86400000, y / 4,"
    "  min(x * 360 / vw, 32767), count(*) FROM moves"
    "  GROUP BY 1, 2, 3, 4, 5, 6;"
    "INSERT INTO grid_widths SELECT page_id, device, k.kind,"
    "  ts / 86400000, vw, count(*), max(dh) FROM clicks"
    "  JOIN (SELECT 0 AS kind, 0 AS flag UNION ALL SELECT 2, 4"
    "        UNION ALL SELECT 3, 8) k ON k.flag = 0 OR flags & k.flag"
    "  GROUP BY 1, 2, 3, 4, 5;"
    "INSERT INTO grid_widths SELECT page_id, device, 1, ts / 86400000, vw,"
    "  count(*), 0 FROM moves GROUP BY 1, 2, 3, 4, 5;",
    /* 3 -> 4: an all-time roll-up (day -1) beside the daily cells, so a
     * view without a date range reads each cell once, not once a day */
    "INSERT INTO grid SELECT page_id, device, kind, -1, cy, cx, sum(n)"
    "  FROM grid WHERE day >= 0 GROUP BY 1, 2, 3, 5, 6;"
    "INSERT INTO grid_widths SELECT page_id, device, kind, -1, vw, sum(n),"
    "  max(max_dh) FROM grid_widths WHERE day >= 0 GROUP BY 1, 2, 3, 5;",
    /* 4 -> 5: rage clicks (store.h's rule) found in what is stored, and
     * their grids */
    "CREATE INDEX clicks_pageview ON clicks(pageview_id, ts);"
    "UPDATE clicks SET flags = flags | 16 WHERE id IN ("
    "  SELECT id FROM (SELECT id, ts, x, y,"
    "    lag(ts, 1) OVER w AS t1, lag(x, 1) OVER w AS x1,"
    "    lag(y, 1) OVER w AS y1, lag(ts, 2) OVER w AS t2,"
    "    lag(x, 2) OVER w AS x2, lag(y, 2) OVER w AS y2"
    "    FROM clicks WINDOW w AS (PARTITION BY pageview_id"
    "    ORDER BY ts, id))"
    "  WHERE ts - t1 <= 1000 AND t1 - t2 <= 1000"
    "    AND (x - x1) * (x - x1) + (y - y1) * (y - y1) <= 900"
    "    AND (x1 - x2) * (x1 - x2) + (y1 - y2) * (y1 - y2) <= 900);"
    "INSERT INTO grid SELECT page_id, device, 4, ts / 86400000, y / 4,"
    "  min(x * 360 / vw, 32767), count(*) FROM clicks WHERE flags & 16"
    "  GROUP BY 1, 2, 3, 4, 5, 6;"
    "INSERT INTO grid SELECT page_id, device, 4, -1, y / 4,"
    "  min(x * 360 / vw, 32767), count(*) FROM clicks WHERE flags & 16"
    "  GROUP BY 1, 2, 3, 4, 5, 6;"
    "INSERT INTO grid_widths SELECT page_id, device, 4, ts / 86400000,"
    "  vw, count(*), max(dh) FROM clicks WHERE flags & 16"
    "  GROUP BY 1, 2, 3, 4, 5;"
    "INSERT INTO grid_widths SELECT page_id, device, 4, -1, vw, count(*),"
    "  max(dh) FROM clicks WHERE flags & 16 GROUP BY 1, 2, 3, 4, 5;",
};
#define SCHEMA_VERSION (1 + (int)(sizeof(migrations) / sizeof(migrations[0])))

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
	ST_PREV_CLICKS,
	ST_COUNT
};

static const char *const write_sql[ST_COUNT] = {
    [ST_PAGE_INSERT] = "INSERT INTO pages(site_id, path) VALUES(?1, ?2)"
		       " ON CONFLICT DO NOTHING",
    [ST_PAGE_SELECT] = "SELECT id FROM pages WHERE site_id = ?1 AND path = ?2",
    [ST_PAGEVIEW_UPSERT] =
	"INSERT INTO pageviews(site_id, page_id, client_id, session,"
	" referrer, device, vw, vh, dpr, is_new, ts, max_depth, doc_h,"
	" browser, os, utm_source, utm_medium, utm_campaign, utm_term,"
	" utm_content, fold, reversals)"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"
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
    [ST_PREV_CLICKS] = "SELECT ts, x, y FROM clicks WHERE pageview_id = ?1"
		       " AND ts <= ?2 ORDER BY ts DESC, id DESC LIMIT 2",
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
};

static int db_fail(struct sqlite_store *s, sqlite3 *db, const char *what)
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
	*ret_db = db;
	return 0;
}

static int db_exec(struct sqlite_store *s, sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int err = db_fail(s, db, msg ? msg : sql);
		sqlite3_free(msg);
		return err;
	}
	return 0;
}

/* ---- read pool ---- */

static int read_acquire(struct sqlite_store *s, sqlite3 **ret_db)
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

static void read_release(struct sqlite_store *s, sqlite3 *db)
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
	pthread_mutex_destroy(&s->write_lock);
	pthread_mutex_destroy(&s->pool_lock);
	free(s->path);
	free(s);
}

static int random_key(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyz"
				       "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char raw[64];

	if (len > sizeof(raw))
		return CALOR_EINVAL;
	randombytes_buf(raw, len);
	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
	out[len] = '\0';
	return 0;
}

/* scheme://host[:port] with nothing after, lower-case scheme. */
static int origin_valid(const char *o)
{
	const char *p;
	size_t n = strlen(o);

	if (n < 8 || n > STORE_MAX_ORIGIN)
		return 0;
	if (strncmp(o, "http://", 7) == 0)
		p = o + 7;
	else if (strncmp(o, "https://", 8) == 0)
		p = o + 8;
	else
		return 0;
	if (!*p)
		return 0;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		      *p == ':' || *p == '[' || *p == ']'))
			return 0;
	return 1;
}

static int sqlite_site_add(struct store *base, const char *name,
			   const char *const *origins, size_t n_origins,
			   struct store_site *ret_site)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct store_site site = {0};
	sqlite3_stmt *st = NULL;
	int rc, in_tx = 0;

	if (!name || !*name || strlen(name) > STORE_MAX_NAME ||
	    !utf8_valid(name, strlen(name)))
		return store_fail(base, CALOR_EINVAL,
				  "site name must be 1..%d bytes of UTF-8",
				  STORE_MAX_NAME);
	if (n_origins > STORE_MAX_ORIGINS)
		return store_fail(base, CALOR_EINVAL, "at most %d origins",
				  STORE_MAX_ORIGINS);
	for (size_t i = 0; i < n_origins; i++)
		if (!origin_valid(origins[i]))
			return store_fail(base, CALOR_EINVAL,
					  "origin \"%.64s\" is not "
					  "scheme://host[:port]",
					  origins[i]);
	str_copy(site.name, name, sizeof(site.name));
	site.created_ms = calor_now_ms();
	random_key(site.key, 16);

	pthread_mutex_lock(&s->write_lock);
	if ((rc = db_exec(s, s->wdb, "BEGIN IMMEDIATE")))
		goto out;
	in_tx = 1;
	if (sqlite3_prepare_v2(s->wdb,
			       "INSERT INTO sites(key, name, created_ms)"
			       " VALUES(?1, ?2, ?3)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(s, s->wdb, "prepare site insert");
		goto out;
	}
	sqlite3_bind_text(st, 1, site.key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, site.name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, site.created_ms);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(s, s->wdb, "insert site");
		goto out;
	}
	site.id = sqlite3_last_insert_rowid(s->wdb);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(s->wdb,
			       "INSERT OR IGNORE INTO site_origins(site_id, "
			       "origin) VALUES(?1, ?2)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(s, s->wdb, "prepare origin insert");
		goto out;
	}
	for (size_t i = 0; i < n_origins; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, site.id);
		sqlite3_bind_text(st, 2, origins[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = db_fail(s, s->wdb, "insert origin");
			goto out;
		}
		str_copy(site.origins[site.n_origins++], origins[i],
			 sizeof(site.origins[0]));
	}
	if ((rc = db_exec(s, s->wdb, "COMMIT")))
		goto out;
	in_tx = 0;
	*ret_site = site;
out:
	sqlite3_finalize(st);
	if (in_tx)
		sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}

static int sqlite_sites_load(struct store *base, struct store_site **ret_sites,
			     size_t *ret_n)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct store_site *sites = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	if ((rc = read_acquire(s, &db)))
		return rc;
	if (sqlite3_prepare_v2(db,
			       "SELECT s.id, s.key, s.name, s.created_ms, "
			       "o.origin FROM sites s LEFT JOIN site_origins o"
			       " ON o.site_id = s.id ORDER BY s.id, o.origin",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(s, db, "prepare sites");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *origin = (const char *)sqlite3_column_text(st, 4);
		struct store_site *site;

		if (n == 0 || sites[n - 1].id != id) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				void *p = realloc(sites, ncap * sizeof(*sites));
				if (!p) {
					rc = CALOR_ENOMEM;
					goto out;
				}
				sites = p;
				cap = ncap;
			}
			site = &sites[n++];
			memset(site, 0, sizeof(*site));
			site->id = id;
			str_copy(site->key,
				 (const char *)sqlite3_column_text(st, 1),
				 sizeof(site->key));
			str_copy(site->name,
				 (const char *)sqlite3_column_text(st, 2),
				 sizeof(site->name));
			site->created_ms = sqlite3_column_int64(st, 3);
		}
		site = &sites[n - 1];
		if (origin && site->n_origins < STORE_MAX_ORIGINS)
			str_copy(site->origins[site->n_origins++], origin,
				 sizeof(site->origins[0]));
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(s, db, "read sites");
		goto out;
	}
	*ret_sites = sites;
	*ret_n = n;
	sites = NULL;
out:
	free(sites);
	sqlite3_finalize(st);
	read_release(s, db);
	return rc;
}

/* ---- writing ---- */

static int step_done(struct sqlite_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(s, s->wdb, what);
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
		return db_fail(s, s->wdb, "select dwell");
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

/* Where the grid's page, device and day are; see store.h. */
struct grid_key {
	int64_t page_id, device, day;
};

/* The day of the all-time roll-up rows. */
#define GRID_ALL_DAYS (-1)

static int grid_add_one(struct sqlite_store *s, const struct grid_key *k,
			enum store_grid_kind kind, int32_t x, int32_t y,
			int32_t vw, int64_t n);
static int grid_width_add_one(struct sqlite_store *s, const struct grid_key *k,
			      enum store_grid_kind kind, int32_t vw,
			      int32_t doc_h, int64_t n);

/* Add n to a cell of the day's grid and of the all-time roll-up. */
static int grid_add(struct sqlite_store *s, const struct grid_key *k,
		    enum store_grid_kind kind, int32_t x, int32_t y, int32_t vw,
		    int64_t n)
{
	struct grid_key all = {k->page_id, k->device, GRID_ALL_DAYS};
	int rc = grid_add_one(s, k, kind, x, y, vw, n);
	return rc ? rc : grid_add_one(s, &all, kind, x, y, vw, n);
}

/* The same for the widths seen. */
static int grid_width_add(struct sqlite_store *s, const struct grid_key *k,
			  enum store_grid_kind kind, int32_t vw, int32_t doc_h,
			  int64_t n)
{
	struct grid_key all = {k->page_id, k->device, GRID_ALL_DAYS};
	int rc = grid_width_add_one(s, k, kind, vw, doc_h, n);
	return rc ? rc : grid_width_add_one(s, &all, kind, vw, doc_h, n);
}

static int grid_add_one(struct sqlite_store *s, const struct grid_key *k,
			enum store_grid_kind kind, int32_t x, int32_t y,
			int32_t vw, int64_t n)
{
	sqlite3_stmt *st = s->st[ST_GRID_UPSERT];
	int64_t cx = (int64_t)x * STORE_GRID_COLS / (vw > 0 ? vw : 1);

	sqlite3_bind_int64(st, 1, k->page_id);
	sqlite3_bind_int64(st, 2, k->device);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_int64(st, 4, k->day);
	sqlite3_bind_int(st, 5, y / STORE_GRID_ROW_PX);
	sqlite3_bind_int64(st, 6, cx < 32767 ? cx : 32767);
	sqlite3_bind_int64(st, 7, n);
	return step_done(s, st, "upsert grid");
}

static int grid_width_add_one(struct sqlite_store *s, const struct grid_key *k,
			      enum store_grid_kind kind, int32_t vw,
			      int32_t doc_h, int64_t n)
{
	sqlite3_stmt *st = s->st[ST_WIDTH_UPSERT];

	sqlite3_bind_int64(st, 1, k->page_id);
	sqlite3_bind_int64(st, 2, k->device);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_int64(st, 4, k->day);
	sqlite3_bind_int(st, 5, vw);
	sqlite3_bind_int64(st, 6, n);
	sqlite3_bind_int(st, 7, doc_h);
	return step_done(s, st, "upsert grid width");
}

/* Count a click into the click grid and, when flagged, the dead and error
 * grids. */
static int grid_click(struct sqlite_store *s, const struct ingest_event *e,
		      unsigned flags, int64_t page_id, int64_t device)
{
	const struct ingest_click *c = &e->u.click;
	struct grid_key k = {page_id, device, e->ts / 86400000};
	static const struct {
		enum store_grid_kind kind;
		unsigned flag;
	} kinds[] = {{STORE_GRID_CLICK, 0},
		     {STORE_GRID_DEAD, CLICK_DEAD},
		     {STORE_GRID_ERROR, CLICK_ERROR},
		     {STORE_GRID_RAGE, CLICK_RAGE}};
	int rc;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].flag && !(flags & kinds[i].flag))
			continue;
		if ((rc = grid_add(s, &k, kinds[i].kind, c->x, c->y, c->vw,
				   1)) ||
		    (rc =
			 grid_width_add(s, &k, kinds[i].kind, c->vw, c->dh, 1)))
			return rc;
	}
	return 0;
}

/* 1 when a click at (x, y, ts) completes or extends a rage run with the
 * page view's previous clicks (store.h's rule). */
static int is_rage(struct sqlite_store *s, int64_t pv_id, int64_t ts, int32_t x,
		   int32_t y, int *ret_rage)
{
	sqlite3_stmt *st = s->st[ST_PREV_CLICKS];
	int64_t t[2] = {0, 0}, px[2] = {0, 0}, py[2] = {0, 0};
	int n = 0, step;

	sqlite3_bind_int64(st, 1, pv_id);
	sqlite3_bind_int64(st, 2, ts);
	while (n < 2 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		t[n] = sqlite3_column_int64(st, 0);
		px[n] = sqlite3_column_int64(st, 1);
		py[n] = sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_reset(st);
	if (n < 2 && step != SQLITE_DONE && step != SQLITE_ROW)
		return db_fail(s, s->wdb, "previous clicks");
#define NEAR(ax, ay, bx, by)                                                   \
	(((ax) - (bx)) * ((ax) - (bx)) + ((ay) - (by)) * ((ay) - (by)) <=      \
	 STORE_RAGE_PX * STORE_RAGE_PX)
	*ret_rage = n == 2 && ts - t[0] <= STORE_RAGE_MS &&
		    t[0] - t[1] <= STORE_RAGE_MS && NEAR(x, y, px[0], py[0]) &&
		    NEAR(px[0], py[0], px[1], py[1]);
#undef NEAR
	return 0;
}

static int write_click(struct sqlite_store *s, const struct ingest_event *e,
		       int64_t pv_id, int64_t page_id, int64_t device)
{
	const struct ingest_click *c = &e->u.click;
	sqlite3_stmt *st = s->st[ST_CLICK_INSERT];
	unsigned flags = c->flags & ~(unsigned)CLICK_RAGE;
	int rc, rage = 0;

	if ((rc = is_rage(s, pv_id, e->ts, c->x, c->y, &rage)))
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
	return grid_click(s, e, flags, page_id, device);
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
	for (size_t i = 0; i < m->n; i++) {
		struct grid_key k = {page_id, device,
				     (e->ts + m->dt[i]) / 86400000};
		if ((rc = grid_add(s, &k, STORE_GRID_MOVE, m->x[i], m->y[i],
				   m->vw, 1)))
			return rc;
	}
	{
		struct grid_key k = {page_id, device, e->ts / 86400000};
		return grid_width_add(s, &k, STORE_GRID_MOVE, m->vw, m->doc_h,
				      (int64_t)m->n);
	}
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
		rc = db_fail(s, s->wdb, "select page");
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
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(s, s->wdb, "upsert pageview");
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
			rc = write_click(s, e, pv_id, page_id, device);
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
	if ((rc = db_exec(s, s->wdb, "BEGIN IMMEDIATE")))
		goto out;
	in_tx = 1;
	for (size_t i = 0; i < n; i++) {
		int dup = 0;
		if ((rc = db_exec(s, s->wdb, "SAVEPOINT batch")))
			goto out;
		rc = write_one(s, batches[i], now, &dup);
		if (rc || dup) {
			/* all or nothing per batch */
			sqlite3_exec(s->wdb, "ROLLBACK TO batch", NULL, NULL,
				     NULL);
		}
		if (rc)
			goto out;
		if ((rc = db_exec(s, s->wdb, "RELEASE batch")))
			goto out;
		ret_results[i] =
		    dup ? STORE_WRITE_DUPLICATE : STORE_WRITE_STORED;
	}
	if ((rc = db_exec(s, s->wdb, "COMMIT")))
		goto out;
	in_tx = 0;
	atomic_fetch_add(&s->version, 1);
out:
	if (in_tx)
		sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}

static uint64_t sqlite_data_version(struct store *base)
{
	return atomic_load(&((struct sqlite_store *)base)->version);
}

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
		return db_fail(s, db, "prepare query");
	return 0;
}

static int day_sql(struct dynbuf *sql, const struct store_filter *f);

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

static int sqlite_pages_list(struct store *base, const struct store_filter *f,
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
	if ((rc = read_acquire(s, &db)))
		goto out;
	if ((rc = prepare_read(s, db, &sql, &st)))
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
		rc = db_fail(s, db, "list pages");
out:
	sqlite3_finalize(st);
	if (db)
		read_release(s, db);
	dynbuf_done(&sql);
	return rc;
}

static int sqlite_clicks_scan(struct store *base, const struct store_filter *f,
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
	if ((rc = read_acquire(s, &db)))
		goto out;
	if ((rc = prepare_read(s, db, &sql, &st)))
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
		rc = db_fail(s, db, "scan clicks");
out:
	sqlite3_finalize(st);
	if (db)
		read_release(s, db);
	dynbuf_done(&sql);
	return rc;
}

static int sqlite_sample(struct store *base, const struct store_filter *f,
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
	if ((rc = read_acquire(s, &db)))
		goto out;
	if ((rc = prepare_read(s, db, &sql, &st)))
		goto out;
	sqlite3_bind_int64(st, 1, f->site_id);
	if (f->page)
		sqlite3_bind_text(st, 2, f->page, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(s, db, "sample");
		goto out;
	}
	sample.pageviews = sqlite3_column_int64(st, 0);
	sample.sessions = sqlite3_column_int64(st, 1);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(s, db, "sample clicks");
		goto out;
	}
	sample.clicks = sqlite3_column_int64(st, 0);
	*ret_sample = sample;
out:
	sqlite3_finalize(st);
	if (db)
		read_release(s, db);
	dynbuf_done(&sql);
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

static int sqlite_grid_scan(struct store *base, const struct store_filter *f,
			    enum store_grid_kind kind, store_grid_cb cb,
			    void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	if ((rc = read_acquire(s, &db)))
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
		rc = db_fail(s, db, "scan grid");
out:
	sqlite3_finalize(st);
	read_release(s, db);
	return rc;
}

static int sqlite_grid_widths(struct store *base, const struct store_filter *f,
			      enum store_grid_kind kind,
			      struct store_grid_width **ret_widths,
			      size_t *ret_n)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct store_grid_width *w = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	if ((rc = read_acquire(s, &db)))
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
		rc = db_fail(s, db, "read grid widths");
		goto out;
	}
	*ret_widths = w;
	*ret_n = n;
	w = NULL;
out:
	free(w);
	sqlite3_finalize(st);
	read_release(s, db);
	return rc;
}

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
		return db_fail(s, db, "prepare export");
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
		rc = db_fail(s, db, "export tags");
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
		rc = db_fail(s, db, "prepare export tags");
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
		rc = db_fail(s, db, "export page views");
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
		rc = db_fail(s, db, "export clicks");
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
		rc = db_fail(s, db, "export moves");
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
		rc = db_fail(s, db, "export goals");
out:
	sqlite3_finalize(st);
	return rc;
}

/* Four scans in storage order inside one read transaction: the snapshot
 * keeps page views before their events even while the writer commits. */
static int sqlite_export_site(struct store *base, int64_t site_id,
			      const struct store_export_cb *cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct export_tags *t = NULL;
	sqlite3 *db = NULL;
	int rc, in_tx = 0;

	t = malloc(sizeof(*t));
	if (!t)
		return CALOR_ENOMEM;
	if ((rc = read_acquire(s, &db)))
		goto out;
	if ((rc = db_exec(s, db, "BEGIN")))
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
		read_release(s, db);
	free(t);
	return rc;
}

static int sqlite_scroll_scan(struct store *base, const struct store_filter *f,
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
	if ((rc = read_acquire(s, &db)))
		goto out;
	if ((rc = prepare_read(s, db, &sql, &st)))
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
		rc = db_fail(s, db, "scan scroll");
out:
	sqlite3_finalize(st);
	if (db)
		read_release(s, db);
	dynbuf_done(&sql);
	return rc;
}

static int sqlite_clicks_attrs_scan(struct store *base,
				    const struct store_filter *f,
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
	if ((rc = read_acquire(s, &db)))
		goto out;
	if ((rc = prepare_read(s, db, &sql, &st)))
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
		rc = db_fail(s, db, "scan clicks");
out:
	sqlite3_finalize(st);
	if (db)
		read_release(s, db);
	dynbuf_done(&sql);
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
};

/* Bring the schema from its stored version to SCHEMA_VERSION, inside the
 * caller's transaction. A database newer than this binary is refused. */
static int migrate(struct sqlite_store *s)
{
	sqlite3_stmt *st = NULL;
	char sql[96];
	int version = 0, rc;

	if (sqlite3_prepare_v2(s->wdb,
			       "SELECT CAST(value AS INTEGER) FROM meta"
			       " WHERE key = 'schema'",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, s->wdb, "read schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version < 1 || version > SCHEMA_VERSION)
		return store_fail(&s->base, CALOR_ESTORE,
				  "database schema version %d is not one this "
				  "calor knows (1..%d)",
				  version, SCHEMA_VERSION);
	for (; version < SCHEMA_VERSION; version++) {
		if ((rc = db_exec(s, s->wdb, migrations[version - 1])))
			return rc;
		snprintf(sql, sizeof(sql),
			 "UPDATE meta SET value = '%d' WHERE key = 'schema'",
			 version + 1);
		if ((rc = db_exec(s, s->wdb, sql)))
			return rc;
	}
	return 0;
}

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
	if ((rc = db_exec(s, s->wdb, "PRAGMA journal_mode=WAL")) ||
	    (rc = db_exec(s, s->wdb, "PRAGMA synchronous=FULL")) ||
	    (rc = db_exec(s, s->wdb, "BEGIN IMMEDIATE")))
		goto out;
	if ((rc = db_exec(s, s->wdb, schema_sql))) {
		sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if ((rc =
		 db_exec(s, s->wdb,
			 "INSERT OR IGNORE INTO meta VALUES('schema', '1')")) ||
	    (rc = migrate(s))) {
		sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if ((rc = db_exec(s, s->wdb, "COMMIT")))
		goto out;
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->wdb, write_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK) {
			rc = db_fail(s, s->wdb, write_sql[i]);
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
