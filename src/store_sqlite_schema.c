/* SPDX-License-Identifier: MIT */
/* store_sqlite_schema: the SQLite backend's schema — version 1 as first
 * written, and every migration since, applied in order at open. */
#include <stdio.h>

#include "store_sqlite_int.h"

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
    /* 5 -> 6: per-site settings (store.h's struct store_site_config; a
     * missing row is the default); each page view's source class, stored
     * so segments can filter on it (calor_source() is ingest's rule); page
     * views by session for the session-level signals */
    "CREATE TABLE site_settings("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  name TEXT NOT NULL, value INTEGER NOT NULL,"
    "  PRIMARY KEY(site_id, name)) WITHOUT ROWID;"
    "ALTER TABLE pageviews ADD COLUMN source INTEGER NOT NULL DEFAULT 0;"
    "UPDATE pageviews SET source = calor_source(referrer, utm_source,"
    "  utm_medium);"
    "CREATE INDEX pageviews_session ON pageviews(site_id, session, ts);"
    /* the few flagged clicks, found without reading every click (the
     * WHERE terms are the ones store_sqlite_insight.c writes) */
    "CREATE INDEX clicks_rage ON clicks(page_id, selector)"
    "  WHERE flags & 16 = 16;"
    "CREATE INDEX clicks_dead ON clicks(page_id, selector)"
    "  WHERE flags & 4 = 4;"
    "CREATE INDEX clicks_error ON clicks(page_id, selector)"
    "  WHERE flags & 8 = 8;",
    /* 6 -> 7: access control's records: users (argon2id hashes), sessions
     * and API tokens (digests only), secrets (store.h, store_kv_*) */
    "CREATE TABLE auth_kv("
    "  kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    "  expires_ms INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(kind, key)) WITHOUT ROWID;",
    /* 7 -> 8: moves and goals by page view, so retention deletes a page
     * view's rows without reading the whole table (clicks, tags and
     * batches are already keyed by it) */
    "CREATE INDEX moves_pageview ON moves(pageview_id);"
    "CREATE INDEX goals_pageview ON goals(pageview_id);",
};
#define SCHEMA_VERSION (1 + (int)(sizeof(migrations) / sizeof(migrations[0])))

int sqlite_schema_version(void)
{
	return SCHEMA_VERSION;
}

int sqlite_schema_apply(struct sqlite_store *s)
{
	sqlite3_stmt *st = NULL;
	char sql[96];
	int version = 0, rc;

	if ((rc = sqlite_db_exec(s, s->wdb, schema_sql)) ||
	    (rc = sqlite_db_exec(s, s->wdb,
				 "INSERT OR IGNORE INTO meta VALUES('schema', "
				 "'1')")))
		return rc;

	if (sqlite3_prepare_v2(s->wdb,
			       "SELECT CAST(value AS INTEGER) FROM meta"
			       " WHERE key = 'schema'",
			       -1, &st, NULL) != SQLITE_OK)
		return sqlite_db_fail(s, s->wdb, "read schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version < 1 || version > SCHEMA_VERSION)
		return store_fail(&s->base, CALOR_ESTORE,
				  "database schema version %d is not one this "
				  "calor knows (1..%d)",
				  version, SCHEMA_VERSION);
	for (; version < SCHEMA_VERSION; version++) {
		if ((rc = sqlite_db_exec(s, s->wdb, migrations[version - 1])))
			return rc;
		snprintf(sql, sizeof(sql),
			 "UPDATE meta SET value = '%d' WHERE key = 'schema'",
			 version + 1);
		if ((rc = sqlite_db_exec(s, s->wdb, sql)))
			return rc;
	}
	return 0;
}
