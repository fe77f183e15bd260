/* SPDX-License-Identifier: MIT */
/* Unit tests for store (real SQLite in a temporary directory) and writer:
 * sites, batches stored once, duplicates, all-or-nothing, reads. */
#include <stdatomic.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <unistd.h>

#include "store.h"
#include "test.h"
#include "writer.h"

static char dir[64];

static struct store *open_fresh(void)
{
	struct store *s = NULL;
	char err[256];
	snprintf(dir, sizeof(dir), "/tmp/calor-unit-XXXXXX");
	if (!mkdtemp(dir))
		return NULL;
	if (store_open(dir, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "  open: %s\n", err);
		return NULL;
	}
	return s;
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
}

static struct ingest_event clicks[3];

static void make_batch(struct ingest_batch *b, int64_t site_id, const char *pv,
		       int64_t seq, int vw)
{
	memset(b, 0, sizeof(*b));
	b->site_key = "k";
	b->site_id = site_id;
	b->pv.id = pv;
	b->pv.seq = seq;
	b->pv.session = "sess_0001";
	b->pv.url = "/demo/";
	b->pv.referrer = "";
	b->pv.ts = 1000;
	b->pv.vw = vw;
	b->pv.vh = 800;
	b->pv.dpr = 1;
	b->pv.device = ingest_device_class(vw);
	for (int i = 0; i < 3; i++) {
		clicks[i].type = EVENT_CLICK;
		clicks[i].ts = 2000 + i;
		clicks[i].u.click = (struct ingest_click){.x = 100 + i,
							  .y = 200,
							  .vw = vw,
							  .vh = 800,
							  .dw = vw,
							  .dh = 3000,
							  .selector = "#cta",
							  .el_w = 10,
							  .el_h = 10};
	}
	b->events = clicks;
	b->n_events = 3;
	b->n_clicks = 3;
}

static int count_click(void *ctx, const struct store_click *c)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

TEST(sites_roundtrip)
{
	struct store *s = open_fresh();
	const char *origins[] = {"https://shop.example",
				 "http://127.0.0.1:8080"};
	const char *bad[] = {"ftp://x"};
	struct store_site site, *all = NULL;
	size_t n = 0;
	ASSERT(s != NULL);
	ASSERT_EQ(store_site_add(s, "shop", origins, 2, &site), 0);
	ASSERT_EQ(strlen(site.key), 16);
	ASSERT_EQ(store_site_add(s, "x", bad, 1, &site), CALOR_EINVAL);
	ASSERT_EQ(store_site_add(s, "", NULL, 0, &site), CALOR_EINVAL);
	ASSERT_EQ(store_sites_load(s, &all, &n), 0);
	ASSERT_EQ(n, 1);
	ASSERT_STR(all[0].name, "shop");
	ASSERT_EQ(all[0].n_origins, 2);
	ASSERT_STR(all[0].origins[0], "http://127.0.0.1:8080");
	free(all);
	store_close(s);
	remove_dir();
}

/* A site under a given key, with its settings, in one write; a taken key
 * and bad fields are refused and leave nothing behind. */
TEST(site_created_by_key)
{
	struct store *s = open_fresh();
	struct store_site want = {0}, got, *all = NULL;
	size_t n = 0;

	ASSERT(s != NULL);
	str_copy(want.key, "imported_KEY-1", sizeof(want.key));
	str_copy(want.name, "Shop \"A\"", sizeof(want.name));
	str_copy(want.origins[0], "https://shop.example",
		 sizeof(want.origins[0]));
	want.n_origins = 1;
	want.created_ms = 1234;
	store_config_defaults(&want.cfg);
	want.cfg.rage_px = 44;
	want.cfg.retention_days = 90;
	ASSERT_EQ(store_site_create(s, &want, &got), 0);
	ASSERT(got.id > 0);
	ASSERT_EQ(store_site_create(s, &want, &got), CALOR_EEXIST);
	want.cfg.rage_px = 0; /* out of range */
	str_copy(want.key, "other", sizeof(want.key));
	ASSERT_EQ(store_site_create(s, &want, &got), CALOR_EINVAL);
	want.cfg.rage_px = 30;
	str_copy(want.key, "bad key", sizeof(want.key));
	ASSERT_EQ(store_site_create(s, &want, &got), CALOR_EINVAL);
	ASSERT_EQ(store_sites_load(s, &all, &n), 0);
	ASSERT_EQ(n, 1);
	ASSERT_STR(all[0].key, "imported_KEY-1");
	ASSERT_STR(all[0].name, "Shop \"A\"");
	ASSERT_EQ(all[0].n_origins, 1);
	ASSERT_EQ(all[0].created_ms, 1234);
	ASSERT_EQ(all[0].cfg.rage_px, 44);
	ASSERT_EQ(all[0].cfg.retention_days, 90);
	ASSERT_EQ(all[0].cfg.rage_ms, STORE_RAGE_MS);
	free(all);
	store_close(s);
	remove_dir();
}

TEST(batches_stored_once)
{
	struct store *s = open_fresh();
	struct store_site site;
	struct ingest_batch b1, b2;
	const struct ingest_batch *batches[2] = {&b1, &b2};
	struct store_filter f = {0};
	struct store_sample sample;
	int results[2], n = 0;
	ASSERT(s != NULL);
	ASSERT_EQ(store_site_add(s, "a", NULL, 0, &site), 0);
	make_batch(&b1, site.id, "pv_aaaaaaaa", 0, 1440);
	make_batch(&b2, site.id, "pv_aaaaaaaa", 0, 1440); /* same batch again */
	ASSERT_EQ(store_write_batches(s, batches, 2, results), 0);
	ASSERT_EQ(results[0], STORE_WRITE_STORED);
	ASSERT_EQ(results[1], STORE_WRITE_DUPLICATE);
	b2.pv.seq = 1;
	ASSERT_EQ(store_write_batches(s, batches + 1, 1, results), 0);
	ASSERT_EQ(results[0], STORE_WRITE_STORED);
	f.site_id = site.id;
	f.page = "/demo/";
	f.device = DEVICE_DESKTOP;
	ASSERT_EQ(store_clicks_scan(s, &f, count_click, &n), 0);
	ASSERT_EQ(n, 6);
	ASSERT_EQ(store_sample(s, &f, &sample), 0);
	ASSERT_EQ(sample.pageviews, 1);
	ASSERT_EQ(sample.sessions, 1);
	ASSERT_EQ(sample.clicks, 6);
	f.device = DEVICE_MOBILE;
	n = 0;
	ASSERT_EQ(store_clicks_scan(s, &f, count_click, &n), 0);
	ASSERT_EQ(n, 0);
	store_close(s);
	remove_dir();
}

struct done_state {
	int calls, rc, result;
};

static void on_done(struct writer_job *job)
{
	struct done_state *d = job->ctx;
	d->calls++;
	d->rc = job->rc;
	d->result = job->result;
}

TEST(writer_commits_then_reports)
{
	struct store *s = open_fresh();
	struct store_site site;
	struct ingest_batch b;
	struct writer *w = NULL;
	struct done_state d = {0};
	struct writer_job job = {.done = on_done, .ctx = &d};
	struct store_filter f = {0};
	int n = 0;
	ASSERT(s != NULL);
	ASSERT_EQ(store_site_add(s, "a", NULL, 0, &site), 0);
	make_batch(&b, site.id, "pv_bbbbbbbb", 0, 390);
	job.batch = &b;
	ASSERT_EQ(writer_new(s, &w), 0);
	ASSERT_EQ(writer_submit(w, &job), 0);
	writer_stop(w); /* drains the queue */
	ASSERT_EQ(d.calls, 1);
	ASSERT_EQ(d.rc, 0);
	ASSERT_EQ(d.result, STORE_WRITE_STORED);
	ASSERT_EQ(writer_submit(w, &job), CALOR_ESHUTDOWN);
	writer_free(w);
	f.site_id = site.id;
	f.page = "/demo/";
	f.device = DEVICE_MOBILE;
	ASSERT_EQ(store_clicks_scan(s, &f, count_click, &n), 0);
	ASSERT_EQ(n, 3);
	store_close(s);
	remove_dir();
}

static int page_cb(void *ctx, const struct store_page *p)
{
	*(int64_t *)ctx = strcmp(p->path, "/demo/") == 0 ? p->clicks : -2;
	return 0;
}

TEST(pages_listed)
{
	struct store *s = open_fresh();
	struct store_site site;
	struct ingest_batch b;
	const struct ingest_batch *batches[1] = {&b};
	struct store_filter f = {.device = -1};
	int results[1];
	struct store_pages_query pq = {.limit = STORE_PAGES_MAX};
	int64_t clicks_seen = -1;
	ASSERT(s != NULL);
	ASSERT_EQ(store_site_add(s, "a", NULL, 0, &site), 0);
	make_batch(&b, site.id, "pv_cccccccc", 0, 820);
	ASSERT_EQ(store_write_batches(s, batches, 1, results), 0);
	f.site_id = site.id;
	ASSERT_EQ(store_pages_list(s, &f, &pq, page_cb, &clicks_seen), 0);
	ASSERT_EQ(clicks_seen, 3);
	store_close(s);
	remove_dir();
}

TEST(unknown_spec_refused)
{
	struct store *s = NULL;
	char err[128];
	ASSERT_EQ(store_open("mongodb://x", &s, err, sizeof(err)),
		  CALOR_EINVAL);
	ASSERT(s == NULL);
	ASSERT_EQ(store_open("", &s, err, sizeof(err)), CALOR_EINVAL);
}

/* A database as calor 0.1 (schema 1) wrote it: a frozen fixture. */
static const char schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO meta VALUES('schema', '1');"
    "CREATE TABLE sites(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "INSERT INTO sites VALUES(1, 'oldsite', 'old', 0);"
    "CREATE TABLE site_origins(site_id INTEGER NOT NULL, origin TEXT NOT "
    "NULL, PRIMARY KEY(site_id, origin));"
    "CREATE TABLE pages(id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL,"
    " path TEXT NOT NULL, UNIQUE(site_id, path));"
    "CREATE TABLE pageviews(id INTEGER PRIMARY KEY, site_id INTEGER NOT "
    "NULL, page_id INTEGER NOT NULL, client_id TEXT NOT NULL, session TEXT "
    "NOT NULL, referrer TEXT NOT NULL, device INTEGER NOT NULL, vw INTEGER "
    "NOT NULL, vh INTEGER NOT NULL, dpr REAL NOT NULL, is_new INTEGER NOT "
    "NULL, ts INTEGER NOT NULL, max_depth INTEGER NOT NULL DEFAULT 0, doc_h "
    "INTEGER NOT NULL DEFAULT 0, UNIQUE(site_id, client_id));"
    "CREATE TABLE batches(pageview_id INTEGER NOT NULL, seq INTEGER NOT "
    "NULL, received_ms INTEGER NOT NULL, events INTEGER NOT NULL, PRIMARY "
    "KEY(pageview_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE clicks(id INTEGER PRIMARY KEY, pageview_id INTEGER NOT "
    "NULL, page_id INTEGER NOT NULL, device INTEGER NOT NULL, ts INTEGER NOT "
    "NULL, x INTEGER NOT NULL, y INTEGER NOT NULL, vw INTEGER NOT NULL, vh "
    "INTEGER NOT NULL, dw INTEGER NOT NULL, dh INTEGER NOT NULL, selector "
    "TEXT NOT NULL, off_x INTEGER NOT NULL, off_y INTEGER NOT NULL, el_w "
    "INTEGER NOT NULL, el_h INTEGER NOT NULL, pointer INTEGER NOT NULL);"
    /* a rage burst stored before rage detection existed */
    "INSERT INTO pages VALUES(1, 1, '/old');"
    "INSERT INTO pageviews VALUES(1, 1, 1, 'pv_old_0001', 's_old_0001', '',"
    " 0, 1440, 900, 1, 0, 86400000, 0, 0);"
    "INSERT INTO pageviews VALUES(2, 1, 1, 'pv_old_0002', 's_old_0002',"
    " 'www.google.com', 0, 1440, 900, 1, 0, 86400000, 0, 0);"
    "INSERT INTO clicks VALUES(1, 1, 1, 0, 86400000, 500, 500, 1440, 900,"
    " 1440, 2000, 'b', 0, 0, 10, 10, 0);"
    "INSERT INTO clicks VALUES(2, 1, 1, 0, 86400400, 505, 505, 1440, 900,"
    " 1440, 2000, 'b', 0, 0, 10, 10, 0);"
    "INSERT INTO clicks VALUES(3, 1, 1, 0, 86400800, 500, 510, 1440, 900,"
    " 1440, 2000, 'b', 0, 0, 10, 10, 0);";

/* The first column of the first row of sql, as an integer (-1 on error). */
static long long query_int(const char *sql)
{
	char path[128];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;
	snprintf(path, sizeof(path), "%s/calor.db", dir);
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int exec_in(const char *sql)
{
	char path[128];
	sqlite3 *db = NULL;
	int rc;
	snprintf(path, sizeof(path), "%s/calor.db", dir);
	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

TEST(schema_1_upgraded_in_place)
{
	struct store *s = NULL;
	struct store_site *sites = NULL;
	struct ingest_batch b;
	const struct ingest_batch *batches[1] = {&b};
	char err[256];
	size_t n = 0;
	int results[1];
	snprintf(dir, sizeof(dir), "/tmp/calor-unit-XXXXXX");
	ASSERT(mkdtemp(dir) != NULL);
	ASSERT_EQ(exec_in(schema_v1), SQLITE_OK);
	ASSERT_EQ(store_open(dir, &s, err, sizeof(err)), 0);
	ASSERT_EQ(store_sites_load(s, &sites, &n), 0);
	ASSERT_EQ(n, 1);
	ASSERT_STR(sites[0].key, "oldsite");
	free(sites);
	/* stored clicks were given grids and rage flags by the migrations */
	ASSERT_EQ(query_int("SELECT count(*) FROM clicks WHERE flags = 0"), 2);
	ASSERT_EQ(query_int("SELECT flags FROM clicks WHERE id = 3"),
		  CLICK_RAGE);
	ASSERT_EQ(
	    query_int("SELECT sum(n) FROM grid WHERE kind = 0 AND day = 1"), 3);
	ASSERT_EQ(
	    query_int("SELECT sum(n) FROM grid WHERE kind = 0 AND day = -1"),
	    3);
	ASSERT_EQ(query_int("SELECT sum(n) FROM grid WHERE kind = 4"), 2);
	ASSERT_EQ(query_int("SELECT value FROM meta WHERE key = 'schema'"), 8);
	/* old page views were given their source class */
	ASSERT_EQ(query_int("SELECT source FROM pageviews WHERE id = 2"),
		  SOURCE_SEARCH);
	ASSERT_EQ(query_int("SELECT source FROM pageviews WHERE id = 1"),
		  SOURCE_DIRECT);
	/* the upgraded database takes every new field */
	make_batch(&b, 1, "pv_upgraded", 0, 1440);
	clicks[0].u.click.flags = CLICK_DEAD;
	ASSERT_EQ(store_write_batches(s, batches, 1, results), 0);
	store_close(s);
	/* a database from a newer calor is refused, not damaged */
	ASSERT_EQ(exec_in("UPDATE meta SET value = '99' WHERE key = 'schema'"),
		  SQLITE_OK);
	ASSERT_EQ(store_open(dir, &s, err, sizeof(err)), CALOR_ESTORE);
	ASSERT(strstr(err, "99") != NULL);
	remove_dir();
}

/* Grids hold exactly what the raw rows hold, also when one group commit
 * has more distinct cells than the writer keeps in memory at once. */
TEST(grids_match_rows)
{
	enum { BATCHES = 180, PER = 500 };
	struct store *s = open_fresh();
	struct store_site site;
	struct ingest_batch *b = calloc(BATCHES, sizeof(*b));
	struct ingest_event *ev = calloc((size_t)BATCHES * PER, sizeof(*ev));
	const struct ingest_batch **ptrs = calloc(BATCHES, sizeof(*ptrs));
	int *results = calloc(BATCHES, sizeof(*results));
	char(*ids)[32] = calloc(BATCHES, sizeof(*ids));
	ASSERT(s && b && ev && ptrs && results && ids);
	ASSERT_EQ(store_site_add(s, "g", NULL, 0, &site), 0);
	for (int i = 0; i < BATCHES; i++) {
		snprintf(ids[i], sizeof(ids[i]), "pv_grid_%05d", i);
		make_batch(&b[i], site.id, ids[i], 0, 1440);
		for (int k = 0; k < PER; k++) {
			struct ingest_event *e = &ev[i * PER + k];
			int n = i * PER + k;
			*e = clicks[0];
			/* 90,000 clicks over ~85,000 distinct cells, some
			 * dead */
			e->u.click.x = (n * 7) % 1440;
			e->u.click.y = (n / 360) * 4 % 4000 + (n % 3);
			e->u.click.flags = n % 10 == 0 ? CLICK_DEAD : 0;
			e->ts = 86400000LL * (1 + n % 3);
		}
		b[i].events = &ev[i * PER];
		b[i].n_events = b[i].n_clicks = PER;
		ptrs[i] = &b[i];
	}
	ASSERT_EQ(store_write_batches(s, ptrs, BATCHES, results), 0);
	ASSERT_EQ(query_int("SELECT count(*) FROM clicks"), BATCHES * PER);
	ASSERT(
	    query_int("SELECT count(*) FROM grid WHERE kind = 0 AND day = -1") >
	    65536);
	ASSERT_EQ(
	    query_int("SELECT sum(n) FROM grid WHERE kind = 0 AND day >= 0"),
	    BATCHES * PER);
	ASSERT_EQ(
	    query_int("SELECT sum(n) FROM grid WHERE kind = 0 AND day = -1"),
	    BATCHES * PER);
	ASSERT_EQ(
	    query_int("SELECT sum(n) FROM grid WHERE kind = 2 AND day = -1"),
	    query_int("SELECT count(*) FROM clicks WHERE flags & 4"));
	ASSERT_EQ(query_int("SELECT sum(n) FROM grid_widths WHERE kind = 0 AND "
			    "day = -1"),
		  BATCHES * PER);
	ASSERT_EQ(
	    query_int("SELECT count(*) FROM (SELECT day, cy, cx FROM grid "
		      "WHERE kind = 0 AND day >= 0 GROUP BY 1, 2, 3 "
		      "HAVING count(*) > 1)"),
	    0);
	free(b);
	free(ev);
	free(ptrs);
	free(results);
	free(ids);
	store_close(s);
	remove_dir();
}

/* ---- retention ---- */

#define DAY 86400000LL

/* A page view starting at ts with 3 clicks delay ms later (+0, +1, +2
 * ms), a move of 2 points and a goal; dh is the document height. */
struct purge_pv {
	struct ingest_batch b;
	struct ingest_event ev[5];
	int32_t mx[2], my[2], mdt[2];
	char id[32];
};

static void purge_pv_make(struct purge_pv *p, int64_t site_id, int n,
			  int64_t ts, int64_t delay, int32_t dh)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "pv_purge_%06d", n);
	p->b.site_key = "k";
	p->b.site_id = site_id;
	p->b.pv = (struct ingest_pageview){.id = p->id,
					   .session = "sess_purge",
					   .url = "/p",
					   .referrer = "",
					   .ts = ts,
					   .vw = 1440,
					   .vh = 800,
					   .dpr = 1,
					   .device = DEVICE_DESKTOP,
					   .n_tags = 1};
	p->b.pv.tags[0] = (struct ingest_tag){"variant", "A"};
	for (int i = 0; i < 3; i++) {
		p->ev[i].type = EVENT_CLICK;
		p->ev[i].ts = ts + delay + i;
		/* far apart: no rage runs */
		p->ev[i].u.click =
		    (struct ingest_click){.x = 100 + 400 * i,
					  .y = 200 + 400 * i,
					  .vw = 1440,
					  .vh = 800,
					  .dw = 1440,
					  .dh = dh,
					  .selector = "#b",
					  .el_w = 10,
					  .el_h = 10,
					  .flags = i == 0 ? CLICK_DEAD : 0};
	}
	p->mx[0] = 10, p->mx[1] = 20, p->my[0] = 30, p->my[1] = 40;
	p->mdt[0] = 0, p->mdt[1] = 5;
	p->ev[3].type = EVENT_MOVE;
	p->ev[3].ts = ts + delay;
	p->ev[3].u.move = (struct ingest_move){.vw = 1440,
					       .doc_h = dh,
					       .n = 2,
					       .x = p->mx,
					       .y = p->my,
					       .dt = p->mdt};
	p->ev[4].type = EVENT_GOAL;
	p->ev[4].ts = ts + delay + 3;
	p->ev[4].u.goal.name = "signup";
	p->b.events = p->ev;
	p->b.n_events = 5;
	p->b.n_clicks = 3;
}

/* Write count page views of a site starting at ts, 1 s apart. */
static int purge_write(struct store *s, int64_t site_id, int first, int count,
		       int64_t ts, int64_t delay, int32_t dh)
{
	struct purge_pv *pv = calloc((size_t)count, sizeof(*pv));
	const struct ingest_batch **ptrs = calloc((size_t)count, sizeof(*ptrs));
	int *results = calloc((size_t)count, sizeof(*results));
	int rc = CALOR_ENOMEM;

	if (pv && ptrs && results) {
		for (int i = 0; i < count; i++) {
			purge_pv_make(&pv[i], site_id, first + i,
				      ts + 1000LL * i, delay, dh);
			ptrs[i] = &pv[i].b;
		}
		rc = store_write_batches(s, ptrs, (size_t)count, results);
		for (int i = 0; !rc && i < count; i++)
			if (results[i] != STORE_WRITE_STORED)
				rc = CALOR_EEXIST;
	}
	free(pv);
	free(ptrs);
	free(results);
	return rc;
}

/* Rows of the grid (or widths) whose roll-up differs from the sum of its
 * days, or whose tallest document is not the tallest of its days. */
static const char grid_drift_sql[] =
    "SELECT count(*) FROM (SELECT page_id, device, kind, cy, cx,"
    " sum(CASE WHEN day >= 0 THEN n END) AS d,"
    " sum(CASE WHEN day = -1 THEN n END) AS r FROM grid GROUP BY 1, 2, 3,"
    " 4, 5) WHERE d IS NOT r";
static const char width_drift_sql[] =
    "SELECT count(*) FROM (SELECT page_id, device, kind, vw,"
    " sum(CASE WHEN day >= 0 THEN n END) AS d,"
    " sum(CASE WHEN day = -1 THEN n END) AS r,"
    " max(CASE WHEN day >= 0 THEN max_dh END) AS dh,"
    " max(CASE WHEN day = -1 THEN max_dh END) AS rh FROM grid_widths"
    " GROUP BY 1, 2, 3, 4) WHERE d IS NOT r OR dh IS NOT rh";

/* Retention: 600 page views on day 10 and one late on day 19 whose clicks
 * fall on day 20 go, with every row under them, in many transactions;
 * day 20 after the cutoff and day 30 stay; the grids of days 10 and 19
 * leave the roll-up exactly, day 20's keep the page views left (the late
 * one's clicks and moves taken off one by one); another site keeps
 * everything; a purged page view's batch is new again. */
TEST(purge_old_pageviews)
{
	struct store *s = open_fresh();
	struct store_site a, b;
	struct store_purge_stats n;
	struct purge_pv again;
	const struct ingest_batch *one[1] = {&again.b};
	int results[1];
	atomic_int stop = 1;
	int64_t cutoff = 20 * DAY + 12 * 3600000LL;
	uint64_t version;
	ASSERT(s);
	ASSERT_EQ(store_site_add(s, "a", NULL, 0, &a), 0);
	ASSERT_EQ(store_site_add(s, "b", NULL, 0, &b), 0);
	ASSERT_EQ(purge_write(s, a.id, 0, 600, 10 * DAY, 0, 9000), 0);
	/* starts 1 s before day 20, its events 1 s into day 20 */
	ASSERT_EQ(purge_write(s, a.id, 600, 1, 20 * DAY - 1000, 2000, 3000), 0);
	ASSERT_EQ(
	    purge_write(s, a.id, 700, 5, 20 * DAY + 13 * 3600000LL, 0, 3000),
	    0);
	ASSERT_EQ(purge_write(s, a.id, 800, 7, 30 * DAY, 0, 3000), 0);
	ASSERT_EQ(purge_write(s, b.id, 900, 4, 10 * DAY, 0, 3000), 0);
	ASSERT_EQ(query_int("SELECT count(*) FROM pageviews"), 617);

	/* asked to stop: stops before the first transaction */
	ASSERT_EQ(store_purge(s, a.id, cutoff, &stop, &n), CALOR_ESHUTDOWN);
	ASSERT_EQ(query_int("SELECT count(*) FROM pageviews"), 617);
	version = store_data_version(s);
	atomic_store(&stop, 0);
	ASSERT_EQ(store_purge(s, a.id, cutoff, &stop, &n), 0);
	ASSERT(store_data_version(s) != version);
	ASSERT_EQ(n.pageviews, 601);
	ASSERT_EQ(n.clicks, 601 * 3);
	ASSERT_EQ(n.moves, 601 * 2);
	ASSERT_EQ(n.goals, 601);
	ASSERT_EQ(n.tags, 601);
	ASSERT_EQ(n.batches, 601);
	ASSERT(n.grid_rows > 0);
	ASSERT_EQ(n.grid_events, 3 + 2); /* the late one's, on day 20 */

	/* site a: 12 page views left with their rows; site b: all 4 */
	ASSERT_EQ(query_int("SELECT count(*) FROM pageviews"), 16);
	ASSERT_EQ(query_int("SELECT count(*) FROM clicks"), 16 * 3);
	ASSERT_EQ(query_int("SELECT count(*) FROM moves"), 16 * 2);
	ASSERT_EQ(query_int("SELECT count(*) FROM goals"), 16);
	ASSERT_EQ(query_int("SELECT count(*) FROM pageview_tags"), 16);
	ASSERT_EQ(query_int("SELECT count(*) FROM batches"), 16);
	ASSERT_EQ(query_int("SELECT count(*) FROM clicks WHERE pageview_id"
			    " NOT IN (SELECT id FROM pageviews)"),
		  0);
	/* pages stay */
	ASSERT_EQ(query_int("SELECT count(*) FROM pages"), 2);

	/* grids: nothing of site a before day 20; day 20 counts the 5 page
	 * views left there, not the late one's clicks; roll-ups the sum of
	 * the days left */
	ASSERT_EQ(query_int("SELECT count(*) FROM grid JOIN pages p ON"
			    " p.id = page_id WHERE p.site_id = 1 AND day >= 0"
			    " AND day < 20"),
		  0);
	ASSERT_EQ(query_int("SELECT sum(n) FROM grid WHERE kind = 0 AND"
			    " day = 20"),
		  5 * 3);
	ASSERT_EQ(query_int("SELECT sum(n) FROM grid JOIN pages p ON p.id ="
			    " page_id WHERE p.site_id = 1 AND kind = 0 AND"
			    " day = -1"),
		  12 * 3);
	ASSERT_EQ(query_int(grid_drift_sql), 0);
	ASSERT_EQ(query_int(width_drift_sql), 0);
	/* the tallest document of site a is now 3000, not day 10's 9000 */
	ASSERT_EQ(query_int("SELECT max(max_dh) FROM grid_widths JOIN pages p"
			    " ON p.id = page_id WHERE p.site_id = 1 AND"
			    " day = -1"),
		  3000);
	/* site b untouched */
	ASSERT_EQ(query_int("SELECT sum(n) FROM grid JOIN pages p ON p.id ="
			    " page_id WHERE p.site_id = 2 AND kind = 0 AND"
			    " day = 10"),
		  4 * 3);

	/* a second purge finds nothing more */
	ASSERT_EQ(store_purge(s, a.id, cutoff, NULL, &n), 0);
	ASSERT_EQ(n.pageviews + n.clicks + n.grid_rows, 0);
	/* a purged page view's batch is stored again, not a duplicate */
	purge_pv_make(&again, a.id, 0, 10 * DAY, 0, 3000);
	ASSERT_EQ(store_write_batches(s, one, 1, results), 0);
	ASSERT_EQ(results[0], STORE_WRITE_STORED);
	store_close(s);
	remove_dir();
}

TEST_MAIN(RUN(grids_match_rows); RUN(schema_1_upgraded_in_place);
	  RUN(sites_roundtrip); RUN(site_created_by_key);
	  RUN(batches_stored_once); RUN(writer_commits_then_reports);
	  RUN(pages_listed); RUN(unknown_spec_refused);
	  RUN(purge_old_pageviews))
