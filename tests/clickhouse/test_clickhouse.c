/* SPDX-License-Identifier: MIT */
/* The ClickHouse backend against real ClickHouse servers (started by
 * tests/clickhouse/run.sh, which passes their HTTP ports in
 * CALOR_CH_PORT0 and CALOR_CH_PORT1): the spec, the schema, sites, batches
 * stored once, and every read written so far answering exactly as SQLite
 * does for the same events — on one server and on a two-shard cluster
 * written through one server and read through the other. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "ch_common.h"
#include "store_clickhouse_int.h"
#include "test.h"

/* ---- tests ---- */

TEST(spec_parsed)
{
	struct store_clickhouse_spec sp;
	struct store *s = NULL;
	char err[256];

	ASSERT_EQ(
	    store_clickhouse_spec_parse("clickhouse://db1:8123/calor", &sp), 0);
	ASSERT_STR(sp.host, "db1");
	ASSERT_EQ(sp.port, 8123);
	ASSERT_STR(sp.db, "calor");
	ASSERT_STR(sp.cluster, "");
	ASSERT_EQ(store_clickhouse_spec_parse(
		      "clickhouse://[::1]:9/c_1?cluster=two", &sp),
		  0);
	ASSERT_STR(sp.host, "[::1]");
	ASSERT_STR(sp.cluster, "two");
	ASSERT_EQ(sp.n_shards, 0);
	/* shards=: every server's HTTP address, either order of parameters */
	ASSERT_EQ(store_clickhouse_spec_parse(
		      "clickhouse://h:8123/db?cluster=calor&shards=h1:8123,"
		      "10.0.0.2:9000,[fe80::1]:8124",
		      &sp),
		  0);
	ASSERT_STR(sp.cluster, "calor");
	ASSERT_EQ(sp.n_shards, 3);
	ASSERT_STR(sp.shards[0].host, "h1");
	ASSERT_EQ(sp.shards[0].port, 8123);
	ASSERT_STR(sp.shards[1].host, "10.0.0.2");
	ASSERT_EQ(sp.shards[1].port, 9000);
	ASSERT_STR(sp.shards[2].host, "[fe80::1]");
	ASSERT_EQ(sp.shards[2].port, 8124);
	ASSERT_EQ(store_clickhouse_spec_parse(
		      "clickhouse://h:8123/db?shards=a:1&cluster=c", &sp),
		  0);
	ASSERT_EQ(sp.n_shards, 1);
	ASSERT_STR(sp.cluster, "c");
	static const char *const bad[] = {
	    "clickhouse://db1/calor",
	    "clickhouse://db1:0/calor",
	    "clickhouse://db1:70000/calor",
	    "clickhouse://:8123/calor",
	    "clickhouse://db1:8123/",
	    "clickhouse://db1:8123/a-b",
	    "clickhouse://db1:8123/a;DROP",
	    "clickhouse://db1:8123/a?x=y",
	    "clickhouse://d b:8123/a",
	    "clickhouse://db1:8123/a?cluster=",
	    "clickhouse://db1:8x/a",
	    "http://db1:8123/a",
	    "clickhouse://db1:8123/a?",
	    "clickhouse://[zz]:1/a",
	    "clickhouse://h:1/a?shards=h1:8123", /* no cluster */
	    "clickhouse://h:1/a?cluster=c&shards=",
	    "clickhouse://h:1/a?cluster=c&shards=h1",
	    "clickhouse://h:1/a?cluster=c&shards=h1:0",
	    "clickhouse://h:1/a?cluster=c&shards=h1:1,",
	    "clickhouse://h:1/a?cluster=c&shards=h1:1,,h2:1",
	    "clickhouse://h:1/a?cluster=c&shards=h1:1,h1:1",
	    "clickhouse://h:1/a?cluster=c&shards=h 1:1",
	    "clickhouse://h:1/a?cluster=c&shards=h1:1&shards=h2:1",
	    "clickhouse://h:1/a?cluster=c&cluster=d",
	    "clickhouse://h:1/a?cluster=c&x=1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (store_clickhouse_spec_parse(bad[i], &sp) != CALOR_EINVAL)
			FAIL_HERE("accepted %s", bad[i]);
	{ /* at most STORE_CH_MAX_SHARDS */
		char many[2048] = "clickhouse://h:1/a?cluster=c&shards=h0:1";
		for (int i = 1; i <= STORE_CH_MAX_SHARDS; i++)
			snprintf(many + strlen(many),
				 sizeof(many) - strlen(many), ",h%d:1", i);
		ASSERT_EQ(store_clickhouse_spec_parse(many, &sp), CALOR_EINVAL);
		*strrchr(many, ',') = '\0';
		ASSERT_EQ(store_clickhouse_spec_parse(many, &sp), 0);
		ASSERT_EQ(sp.n_shards, STORE_CH_MAX_SHARDS);
	}
	/* a bad spec is refused with what is wrong in it */
	ASSERT_EQ(store_open("clickhouse://h:1/a?shards=h1:8123", &s, err,
			     sizeof(err)),
		  CALOR_EINVAL);
	ASSERT(strstr(err, "needs cluster=NAME") != NULL);
	ASSERT_EQ(store_open("clickhouse://h:1/a?cluster=c&shards=h1:1,h2", &s,
			     err, sizeof(err)),
		  CALOR_EINVAL);
	ASSERT(strstr(err, "\"h2\" is not HOST:PORT") != NULL);
	ASSERT_EQ(
	    store_open("clickhouse://h:1/a?custer=c", &s, err, sizeof(err)),
	    CALOR_EINVAL);
	ASSERT(strstr(err, "unknown parameter \"custer=c\"") != NULL);
	/* store_open() routes it to this backend: nothing listens on 1 */
	ASSERT_EQ(
	    store_open("clickhouse://127.0.0.1:1/calor", &s, err, sizeof(err)),
	    CALOR_EUNAVAILABLE);
	ASSERT(strstr(err, "ClickHouse") != NULL);
}

TEST(unreachable_is_unavailable)
{
	struct store *s = NULL;
	char err[256];

	/* nothing listens on port 1 */
	ASSERT_EQ(store_clickhouse_open("clickhouse://127.0.0.1:1/calor", &s,
					err, sizeof(err)),
		  CALOR_EUNAVAILABLE);
	ASSERT(s == NULL);
}

TEST(sites_roundtrip)
{
	struct store *s = open_ch("CALOR_CH_PORT0", NULL);
	const char *origins[] = {"https://shop.example",
				 "http://127.0.0.1:8080"};
	const char *bad[] = {"ftp://x"};
	const char *one[] = {"https://new.example"};
	struct store_site site, site2, *all = NULL;
	size_t n = 0;

	ASSERT(s != NULL);
	ASSERT_EQ(store_site_add(s, "shop \"o'\\\t", origins, 2, &site), 0);
	ASSERT_EQ(strlen(site.key), 16);
	ASSERT(site.id > 0 && site.id < (1LL << 53));
	ASSERT_EQ(store_site_add(s, "x", bad, 1, &site2), CALOR_EINVAL);
	ASSERT_EQ(store_site_add(s, "two", NULL, 0, &site2), 0);
	ASSERT_EQ(store_site_set(s, site.id, "rage_ms", 700), 0);
	ASSERT_EQ(store_site_set(s, site.id, "rage_ms", 800), 0);
	ASSERT_EQ(store_site_set(s, site.id, "nope", 1), CALOR_EINVAL);
	ASSERT_EQ(store_site_update(s, site2.id, "renamed", one, 1), 0);
	ASSERT_EQ(store_site_update(s, 12345, "x", NULL, 0), CALOR_ENOTFOUND);
	ASSERT_EQ(store_sites_load(s, &all, &n), 0);
	ASSERT_EQ(n, 2);
	for (size_t i = 0; i < n; i++) {
		if (all[i].id == site.id) {
			ASSERT_STR(all[i].name, "shop \"o'\\\t");
			ASSERT_STR(all[i].key, site.key);
			ASSERT_EQ(all[i].n_origins, 2);
			/* sorted, as SQLite lists them */
			ASSERT_STR(all[i].origins[0], "http://127.0.0.1:8080");
			ASSERT_STR(all[i].origins[1], "https://shop.example");
			ASSERT_EQ(all[i].cfg.rage_ms, 800);
			ASSERT_EQ(all[i].created_ms, site.created_ms);
		} else {
			ASSERT_EQ(all[i].id, site2.id);
			ASSERT_STR(all[i].name, "renamed");
			ASSERT_EQ(all[i].n_origins, 1);
			ASSERT_STR(all[i].origins[0], "https://new.example");
			ASSERT_EQ(all[i].cfg.rage_ms, STORE_RAGE_MS);
		}
	}
	free(all);
	store_close(s);
}

/* Purge and erase of nothing: no lease, no mutation, zero counts (the
 * rest in test_clickhouse_purge.c). */
TEST(purge_of_nothing)
{
	struct store *s = open_ch("CALOR_CH_PORT0", NULL);
	struct store_filter f = {.site_id = 1, .page = "/", .device = 0};
	struct store_purge_stats ps = {.pageviews = 7};

	ASSERT(s != NULL);
	ASSERT_EQ(store_pageviews_scan(s, &f, NULL, NULL), 0);
	ASSERT_EQ(store_erase(s, &(struct store_pageview_sel){.site_id = 1},
			      NULL, &ps),
		  0);
	ASSERT_EQ(ps.pageviews + ps.clicks + ps.batches, 0);
	ps.pageviews = 7;
	ASSERT_EQ(store_purge(s, 1, 1000, NULL, &ps), 0);
	ASSERT_EQ(ps.pageviews, 0);
	store_close(s);
}

/* A read's answer is handed over a line at a time as it arrives: one
 * many times bigger than what the store may hold at once (max_result,
 * CH_MAX_RESULT in use; 64 KiB here, so the test stays small) is read
 * whole, every row in order. */
struct long_read {
	uint64_t rows, next;
	size_t bytes;
	int bad;
};

static int long_row(void *ctx, char **f, size_t n)
{
	struct long_read *r = ctx;

	if (n != 2 || strtoull(f[0], NULL, 10) != r->next ||
	    strlen(f[1]) != 200 || f[1][199] != '\t')
		r->bad = 1;
	r->next++;
	r->rows++;
	r->bytes += strlen(f[0]) + strlen(f[1]) + 2;
	return 0;
}

TEST(long_read_streams)
{
	struct ch_store *s;
	struct long_read r = {0};
	char sql[512], xs[200];

	/* 200 bytes a row, an escaped tab last: 50,000 rows ≈ 10 MB */
	memset(xs, 'x', 199);
	xs[199] = '\0';
	snprintf(sql, sizeof(sql),
		 "SELECT number, concat('%s', '\\t') FROM system.numbers"
		 " LIMIT 50000",
		 xs);
	snprintf(db_name, sizeof(db_name), "calor_long_%d", (int)getpid());
	s = (struct ch_store *)open_ch("CALOR_CH_PORT0", NULL);
	ASSERT(s != NULL);
	s->max_result = 64 * 1024;
	ASSERT_EQ(ch_select(s, sql, long_row, &r), 0);
	ASSERT_EQ(r.bad, 0);
	ASSERT_EQ(r.rows, 50000);
	ASSERT(r.bytes > 100 * s->max_result);
	store_close(&s->base);
}

TEST(kv_records)
{
	struct store *s = open_ch("CALOR_CH_PORT0", NULL);
	char v[16];

	ASSERT(s != NULL);
	ASSERT_EQ(store_kv_get(s, "user", "ann", 1000, v, sizeof(v)),
		  CALOR_ENOTFOUND);
	ASSERT_EQ(store_kv_put(s, "user", "ann", "h1\t'\\", 0, 0), 0);
	ASSERT_EQ(store_kv_put(s, "user", "ann", "h2", 0, 0), CALOR_EEXIST);
	ASSERT_EQ(store_kv_get(s, "user", "ann", 1000, v, sizeof(v)), 0);
	ASSERT_STR(v, "h1\t'\\");
	ASSERT_EQ(store_kv_get(s, "user", "ann", 1000, v, 3), CALOR_ETOOBIG);
	ASSERT_EQ(store_kv_put(s, "user", "ann", "h3", 0, 1), 0);
	ASSERT_EQ(store_kv_get(s, "user", "ann", 1000, v, sizeof(v)), 0);
	ASSERT_STR(v, "h3");
	ASSERT_EQ(store_kv_get(s, "token", "ann", 1000, v, sizeof(v)),
		  CALOR_ENOTFOUND);
	/* expiry: gone at its time; an expired record may be made again */
	ASSERT_EQ(store_kv_put(s, "session", "x", "1", 5000, 0), 0);
	ASSERT_EQ(store_kv_get(s, "session", "x", 4999, v, sizeof(v)), 0);
	ASSERT_EQ(store_kv_get(s, "session", "x", 5000, v, sizeof(v)),
		  CALOR_ENOTFOUND);
	ASSERT_EQ(store_kv_put(s, "session", "x", "2", 0, 0), 0);
	ASSERT_EQ(store_kv_get(s, "session", "x", 9000, v, sizeof(v)), 0);
	ASSERT_STR(v, "2");
	ASSERT_EQ(store_kv_delete(s, "session", "x"), 0);
	ASSERT_EQ(store_kv_delete(s, "session", "never"), 0);
	ASSERT_EQ(store_kv_get(s, "session", "x", 9000, v, sizeof(v)),
		  CALOR_ENOTFOUND);
	ASSERT_EQ(store_kv_put(s, "session", "x", "3", 0, 0), 0);
	ASSERT_EQ(store_kv_get(s, "session", "x", 9000, v, sizeof(v)), 0);
	ASSERT_STR(v, "3");
	store_close(s);
}

/* Two nodes creating one key at the same moment (the share secret of
 * nodes started together): exactly one create succeeds and every read
 * then gives its value. Before creates waited for racers, both
 * succeeded and the first kept a value nobody else read. */
struct racer {
	struct store *s;
	pthread_barrier_t *go;
	const char *key, *value;
	int rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->go);
	r->rc = store_kv_put(r->s, "secret", r->key, r->value, 0, 0);
	return NULL;
}

TEST(kv_create_race)
{
	struct store *a = open_ch("CALOR_CH_PORT0", NULL);
	struct store *b = open_ch("CALOR_CH_PORT0", NULL);
	const char *keys[] = {"race1", "race2", "race3"};
	pthread_barrier_t go;
	char v[16];

	ASSERT(a != NULL && b != NULL);
	ASSERT_EQ(pthread_barrier_init(&go, NULL, 2), 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct racer r[2] = {{a, &go, keys[i], "from-a", -1},
				     {b, &go, keys[i], "from-b", -1}};
		pthread_t t[2];

		for (int j = 0; j < 2; j++)
			ASSERT_EQ(pthread_create(&t[j], NULL, race, &r[j]), 0);
		for (int j = 0; j < 2; j++)
			pthread_join(t[j], NULL);
		ASSERT((r[0].rc == 0) != (r[1].rc == 0));
		ASSERT_EQ(r[0].rc + r[1].rc, CALOR_EEXIST);
		ASSERT_EQ(
		    store_kv_get(b, "secret", keys[i], 1000, v, sizeof(v)), 0);
		ASSERT_STR(v, r[0].rc == 0 ? "from-a" : "from-b");
		ASSERT_EQ(
		    store_kv_get(a, "secret", keys[i], 1000, v, sizeof(v)), 0);
		ASSERT_STR(v, r[0].rc == 0 ? "from-a" : "from-b");
	}
	pthread_barrier_destroy(&go);
	store_close(a);
	store_close(b);
}

/* A whole writer group (512 batches) of the longest URLs: the duplicate
 * lookup is over a megabyte of SQL. */
TEST(big_group)
{
	static struct ingest_batch big[512];
	static const struct ingest_batch *group[512];
	static char ids[512][24], url[INGEST_MAX_URL + 1];
	static int res[512];
	struct store *s = open_ch("CALOR_CH_PORT0", NULL);
	struct store_site site;
	struct store_filter f = {.device = -1};
	struct store_sample sm;
	int stored = 0, dups = 0;

	ASSERT(s != NULL);
	ASSERT_EQ(store_site_add(s, "big", NULL, 0, &site), 0);
	url[0] = '/';
	for (int i = 1; i < INGEST_MAX_URL; i++)
		url[i] = "abc'\\d"[i % 6];
	url[INGEST_MAX_URL] = '\0';
	make_events();
	for (int i = 0; i < 512; i++) {
		big[i] = batches[0];
		big[i].site_id = site.id;
		snprintf(ids[i], sizeof(ids[i]), "pv_big_%04d", i);
		big[i].pv.id = ids[i];
		big[i].pv.url = url;
		group[i] = &big[i];
	}
	ASSERT_EQ(store_write_batches(s, group, 512, res), 0);
	for (int i = 0; i < 512; i++)
		stored += res[i] == STORE_WRITE_STORED;
	ASSERT_EQ(store_write_batches(s, group, 512, res), 0);
	for (int i = 0; i < 512; i++)
		dups += res[i] == STORE_WRITE_DUPLICATE;
	ASSERT_EQ(stored, 512);
	ASSERT_EQ(dups, 512);
	f.site_id = site.id;
	f.page = url;
	ASSERT_EQ(store_sample(s, &f, &sm), 0);
	ASSERT_EQ(sm.pageviews, 512);
	store_close(s);
}

/* The filters every read is compared under. */
TEST(reads_match_sqlite)
{
	struct store *lite = open_sqlite(),
		     *ch = open_ch("CALOR_CH_PORT0", NULL);
	struct store_site sl, sc;
	int stored_l, dups_l, stored_c, dups_c, n;

	ASSERT(lite != NULL && ch != NULL);
	make_events();
	ASSERT_EQ(store_site_add(lite, "a", NULL, 0, &sl), 0);
	ASSERT_EQ(store_site_add(ch, "a", NULL, 0, &sc), 0);
	ASSERT_EQ(write_all(lite, sl.id, &stored_l, &dups_l), 0);
	ASSERT_EQ(write_all(ch, sc.id, &stored_c, &dups_c), 0);
	ASSERT_EQ(stored_c, (int)n_batches);
	ASSERT_EQ(stored_l, (int)n_batches);
	ASSERT_EQ(dups_c, 10);
	ASSERT_EQ(dups_l, 10);
	n = compare_reads(lite, sl.id, ch, sc.id);
	if (n <= 0)
		FAIL_HERE("%d filters answered differently", -n);
	fprintf(stderr, "  %d filters, %zu batches: same answers\n", n,
		n_batches);
	ASSERT(exports_equal(lite, sl.id, ch, sc.id));
	store_close(lite);
	store_close(ch);
	sqlite_dir_remove();
}

static int version_cb(void *ctx, char **f, size_t n)
{
	*(long *)ctx = n ? strtol(f[0], NULL, 10) : -1;
	return 0;
}

/* A store made by a calor of schema version 1 (no page views table) is
 * migrated when opened: the table is made and filled from the events
 * stored, and every read answers as SQLite does again. */
TEST(samples_migrated_from_v1)
{
	/* each statement is head, the database, tail */
	static const char *const v1[][2] = {
	    {"DROP TABLE ", ".pageviews_mv"},
	    {"DROP TABLE ", ".pageviews_local"},
	    {"DROP TABLE ", ".schema_local"},
	    {"CREATE TABLE ", ".schema_local (version UInt32, applied_ms"
			      " Int64) ENGINE = MergeTree ORDER BY version"},
	    {"INSERT INTO ", ".schema_local VALUES (1, 0)"}};
	struct store *lite = open_sqlite(), *ch;
	struct store_site sl, sc;
	int stored, dups, n, stride = compare_stride;
	char sql[256];
	long version = 0;

	snprintf(db_name, sizeof(db_name), "calor_v1_%d", (int)getpid());
	ch = open_ch("CALOR_CH_PORT0", NULL);
	ASSERT(lite != NULL && ch != NULL);
	make_events();
	ASSERT_EQ(store_site_add(lite, "a", NULL, 0, &sl), 0);
	ASSERT_EQ(store_site_add(ch, "a", NULL, 0, &sc), 0);
	ASSERT_EQ(write_all(lite, sl.id, &stored, &dups), 0);
	ASSERT_EQ(write_all(ch, sc.id, &stored, &dups), 0);
	for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
		snprintf(sql, sizeof(sql), "%s%s%s", v1[i][0], db_name,
			 v1[i][1]);
		ASSERT_EQ(ch_exec((struct ch_store *)ch, sql), 0);
	}
	store_close(ch);
	ch = open_ch("CALOR_CH_PORT0", NULL);
	ASSERT(ch != NULL);
	snprintf(sql, sizeof(sql), "SELECT max(version) FROM %s.schema_local",
		 db_name);
	ASSERT_EQ(ch_select((struct ch_store *)ch, sql, version_cb, &version),
		  0);
	ASSERT_EQ(version, 2);
	compare_stride = 7; /* coprime with the nine segment cases */
	n = compare_reads(lite, sl.id, ch, sc.id);
	compare_stride = stride;
	if (n <= 0)
		FAIL_HERE("%d filters answered differently", -n);
	store_close(lite);
	store_close(ch);
	sqlite_dir_remove();
	snprintf(db_name, sizeof(db_name), "calor_test_%d", (int)getpid());
}

/* Two shards: node A writes through server 0, node B reads through
 * server 1; both answer as SQLite does, and a batch sent again through B
 * is a duplicate. */
TEST(cluster_matches_sqlite)
{
	struct store *lite, *a, *b;
	struct store_site sl, sc, *all = NULL;
	const struct ingest_batch *again[1];
	int stored_l, dups_l, stored_c, dups_c, n, res[1];
	size_t ns = 0;

	if (!getenv("CALOR_CH_PORT1")) {
		fprintf(stderr, "  no second server (CALOR_CH_PORT1)\n");
		test_failed_flag = 1;
		return;
	}
	lite = open_sqlite();
	snprintf(db_name, sizeof(db_name), "calor_cluster_%d", (int)getpid());
	/* each shard's local tables are made by opening it */
	a = open_ch("CALOR_CH_PORT0", "calor");
	b = open_ch("CALOR_CH_PORT1", "calor");
	ASSERT(lite != NULL && a != NULL && b != NULL);
	make_events();
	ASSERT_EQ(store_site_add(lite, "a", NULL, 0, &sl), 0);
	ASSERT_EQ(store_site_add(a, "a", NULL, 0, &sc), 0);
	ASSERT_EQ(store_sites_load(b, &all, &ns), 0);
	ASSERT_EQ(ns, 1);
	ASSERT_EQ(all[0].id, sc.id);
	free(all);
	ASSERT_EQ(write_all(lite, sl.id, &stored_l, &dups_l), 0);
	ASSERT_EQ(write_all(a, sc.id, &stored_c, &dups_c), 0);
	ASSERT_EQ(stored_c, (int)n_batches);
	ASSERT_EQ(dups_c, 10);
	/* B sees A's writes in its data version (ETags) within a second */
	{
		uint64_t v0 = store_data_version(b), v1;
		const struct ingest_batch *more[1] = {&batches[0]};
		batches[0].pv.seq = 999;
		ASSERT_EQ(store_write_batches(a, more, 1, res), 0);
		batches[0].pv.seq = 0;
		usleep(1200 * 1000);
		v1 = store_data_version(b);
		ASSERT(v0 != v1);
		/* and the extra batch goes into SQLite too */
		batches[0].pv.seq = 999;
		batches[0].site_id = sl.id;
		ASSERT_EQ(store_write_batches(lite, more, 1, res), 0);
		batches[0].pv.seq = 0;
		batches[0].site_id = sc.id;
	}
	again[0] = &batches[n_batches - 1];
	ASSERT_EQ(store_write_batches(b, again, 1, res), 0);
	ASSERT_EQ(res[0], STORE_WRITE_DUPLICATE);
	n = compare_reads(lite, sl.id, b, sc.id);
	if (n <= 0)
		FAIL_HERE("node B: %d filters answered differently", -n);
	/* through the other node: every fifth filter (ch_common.h) */
	compare_stride = 5;
	n = compare_reads(lite, sl.id, a, sc.id);
	compare_stride = 1;
	if (n <= 0)
		FAIL_HERE("node A: %d filters answered differently", -n);
	ASSERT(exports_equal(lite, sl.id, b, sc.id));
	store_close(lite);
	store_close(a);
	store_close(b);
	sqlite_dir_remove();
}

/* A server that stops answering (SIGSTOP: connections still open, no
 * answer): a write gives up after CH_WRITE_TIMEOUT_MS (10 s) with
 * CALOR_EUNAVAILABLE, which /collect answers with 503 and Retry-After; once
 * it answers again the retried batch is stored once. */
TEST(slow_server_is_unavailable)
{
	const char *pid_s = getenv("CALOR_CH_PID1");
	struct store *s;
	struct store_site site;
	struct store_sample sm;
	struct store_filter f = {.device = -1};
	const struct ingest_batch *one[1];
	int64_t t0, took, read_took, clicks;
	pid_t pid;
	int res[1], rc, read_rc;

	if (!pid_s) {
		fprintf(stderr, "  no CALOR_CH_PID1\n");
		test_failed_flag = 1;
		return;
	}
	pid = (pid_t)strtol(pid_s, NULL, 10);
	snprintf(db_name, sizeof(db_name), "calor_slow_%d", (int)getpid());
	s = open_ch("CALOR_CH_PORT1", NULL);
	ASSERT(s != NULL);
	make_events();
	ASSERT_EQ(store_site_add(s, "slow", NULL, 0, &site), 0);
	batches[0].site_id = batches[1].site_id = site.id;
	one[0] = &batches[0];
	ASSERT_EQ(store_write_batches(s, one, 1, res), 0);
	one[0] = &batches[1];
	ASSERT_EQ(kill(pid, SIGSTOP), 0);
	t0 = calor_mono_ms();
	rc = store_write_batches(s, one, 1, res);
	took = calor_mono_ms() - t0;
	/* a read after the write found it away: a ping, not a timeout */
	t0 = calor_mono_ms();
	f.site_id = site.id;
	read_rc = store_sample(s, &f, &sm);
	read_took = calor_mono_ms() - t0;
	kill(pid, SIGCONT);
	ASSERT_EQ(rc, CALOR_EUNAVAILABLE);
	ASSERT(took >= CH_WRITE_TIMEOUT_MS - 500 &&
	       took < CH_WRITE_TIMEOUT_MS + 4000);
	ASSERT_EQ(read_rc, CALOR_EUNAVAILABLE);
	ASSERT(read_took >= CH_PING_MS - 200 && read_took < CH_PING_MS + 1500);
	sleep(1);
	/* whatever the stopped server did with the request, the retry
	 * leaves the batch stored once */
	ASSERT_EQ(store_write_batches(s, one, 1, res), 0);
	ASSERT(res[0] == STORE_WRITE_STORED || res[0] == STORE_WRITE_DUPLICATE);
	ASSERT_EQ(store_write_batches(s, one, 1, res), 0);
	ASSERT_EQ(res[0], STORE_WRITE_DUPLICATE);
	ASSERT_EQ(store_sample(s, &f, &sm), 0);
	clicks = (int64_t)batches[0].n_clicks + (int64_t)batches[1].n_clicks;
	ASSERT_EQ(sm.clicks, clicks);
	store_close(s);
}

int main(void)
{
	int test_failures = 0;

	snprintf(db_name, sizeof(db_name), "calor_test_%d", (int)getpid());
	RUN(spec_parsed);
	RUN(unreachable_is_unavailable);
	if (!getenv("CALOR_CH_PORT0")) {
		printf("not ok clickhouse (CALOR_CH_PORT0 not set: run "
		       "tests/clickhouse/run.sh)\n");
		return 1;
	}
	RUN(sites_roundtrip);
	RUN(purge_of_nothing);
	RUN(kv_records);
	RUN(kv_create_race);
	RUN(big_group);
	RUN(long_read_streams);
	RUN(reads_match_sqlite);
	RUN(samples_migrated_from_v1);
	RUN(cluster_matches_sqlite);
	RUN(slow_server_is_unavailable);
	return test_failures ? 1 : 0;
}
