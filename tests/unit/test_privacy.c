/* SPDX-License-Identifier: MIT */
/* Unit tests for erasure, backup and restore (real SQLite in temporary
 * directories): an erased session or date range leaves rows and grids
 * exactly as if those page views had never been stored (compared with a
 * second store that never saw them); another process's commit changes the
 * data version; a backup restores to the same rows and carried files, and
 * a damaged backup or an occupied directory is refused. */
#include <stdatomic.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "test.h"

#define DAY  86400000LL
#define HOUR 3600000LL

static char dirs[4][128];

static struct store *open_dir(int k)
{
	struct store *s = NULL;
	char err[256];

	snprintf(dirs[k], sizeof(dirs[k]), "/tmp/calor-unit-XXXXXX");
	if (!mkdtemp(dirs[k]))
		return NULL;
	if (store_open(dirs[k], &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "  open: %s\n", err);
		return NULL;
	}
	return s;
}

static int make_dir(int k)
{
	snprintf(dirs[k], sizeof(dirs[k]), "/tmp/calor-unit-XXXXXX");
	return mkdtemp(dirs[k]) ? 0 : -1;
}

static void remove_dirs(void)
{
	for (int k = 0; k < 4; k++) {
		char cmd[128];
		if (!dirs[k][0])
			continue;
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dirs[k]);
		if (system(cmd) != 0)
			fprintf(stderr, "  could not remove %s\n", dirs[k]);
		dirs[k][0] = '\0';
	}
}

/* The first column of sql's first row in store k's database as text
 * (sqlite3 frees it at the next call). */
static char *query_text(int k, const char *sql)
{
	static char buf[1 << 16];
	char path[128];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	snprintf(buf, sizeof(buf), "(no answer)");
	snprintf(path, sizeof(path), "%s/calor.db", dirs[k]);
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, sizeof(buf), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf;
}

static long long query_int(int k, const char *sql)
{
	return strtoll(query_text(k, sql), NULL, 10);
}

/* What a store holds, as comparable text: every row of each table by
 * site and page path (ids may differ between two stores), and the grid
 * rows; the width rows without their tallest document (an erase keeps a
 * day's height). */
static const char *const dumps[] = {
    "SELECT group_concat(r, ';') FROM (SELECT pv.site_id || ',' || p.path"
    " || ',' || pv.client_id || ',' || pv.session || ',' || pv.device ||"
    " ',' || pv.ts AS r FROM pageviews pv JOIN pages p ON p.id ="
    " pv.page_id ORDER BY 1)",
    "SELECT group_concat(r, ';') FROM (SELECT p.path || ',' || c.ts || ','"
    " || c.x || ',' || c.y || ',' || c.flags AS r FROM clicks c JOIN pages"
    " p ON p.id = c.page_id ORDER BY 1)",
    "SELECT count(*) || ',' || (SELECT count(*) FROM goals) || ',' ||"
    " (SELECT count(*) FROM pageview_tags) || ',' || (SELECT count(*) FROM"
    " batches) FROM moves",
    "SELECT group_concat(r, ';') FROM (SELECT p.site_id || ',' || p.path ||"
    " ',' || g.device || ',' || g.kind || ',' || g.day || ',' || g.cy ||"
    " ',' || g.cx || ',' || g.n AS r FROM grid g JOIN pages p ON p.id ="
    " g.page_id ORDER BY 1)",
    "SELECT group_concat(r, ';') FROM (SELECT p.site_id || ',' || p.path ||"
    " ',' || g.device || ',' || g.kind || ',' || g.day || ',' || g.vw ||"
    " ',' || g.n AS r FROM grid_widths g JOIN pages p ON p.id = g.page_id"
    " ORDER BY 1)",
};

/* One page view: a batch with three clicks (the first dead, the second
 * an error click; close together they make a rage run), a move of three
 * points spread over an hour, a goal and a tag; and a second batch with
 * one more click. */
struct pv {
	const char *id, *session, *url;
	int64_t ts, delay; /* start; the events after it */
	int32_t vw, x;	   /* viewport; where the clicks are */
	int rage;
};

static int pv_write(struct store *s, int64_t site_id, const struct pv *v)
{
	struct ingest_batch b[2];
	struct ingest_event ev[2][5];
	int32_t mx[3] = {v->x, v->x + 50, v->x + 100}, my[3] = {40, 80, 120};
	int32_t mdt[3] = {0, 1000, (int32_t)HOUR};
	const struct ingest_batch *ptrs[2] = {&b[0], &b[1]};
	int results[2];

	for (int k = 0; k < 2; k++) {
		memset(&b[k], 0, sizeof(b[k]));
		b[k].site_key = "k";
		b[k].site_id = site_id;
		b[k].pv = (struct ingest_pageview){
		    .id = v->id,
		    .seq = k,
		    .session = v->session,
		    .url = v->url,
		    .referrer = "",
		    .ts = v->ts,
		    .vw = v->vw,
		    .vh = 800,
		    .dpr = 1,
		    .device = ingest_device_class(v->vw),
		    .n_tags = 1};
		b[k].pv.tags[0] = (struct ingest_tag){"variant", "A"};
		b[k].events = ev[k];
	}
	for (int i = 0; i < 4; i++) {
		struct ingest_event *e = i < 3 ? &ev[0][i] : &ev[1][0];
		int step = v->rage ? 5 : 300;
		e->type = EVENT_CLICK;
		e->ts = v->ts + v->delay + (v->rage ? 100 : 2000) * i;
		e->u.click =
		    (struct ingest_click){.x = v->x + step * i,
					  .y = 200 + step * i,
					  .vw = v->vw,
					  .vh = 800,
					  .dw = v->vw,
					  .dh = 3000 + 1000 * i,
					  .selector = "#b",
					  .el_w = 10,
					  .el_h = 10,
					  .flags = i == 0   ? CLICK_DEAD
						   : i == 1 ? CLICK_ERROR
							    : 0};
	}
	ev[0][3].type = EVENT_MOVE;
	ev[0][3].ts = v->ts + v->delay;
	ev[0][3].u.move = (struct ingest_move){
	    .vw = v->vw, .doc_h = 5000, .n = 3, .x = mx, .y = my, .dt = mdt};
	ev[0][4].type = EVENT_GOAL;
	ev[0][4].ts = v->ts + v->delay + 10;
	ev[0][4].u.goal.name = "signup";
	b[0].n_events = 5;
	b[0].n_clicks = 3;
	b[1].n_events = 1;
	b[1].n_clicks = 1;
	return store_write_batches(s, ptrs, 2, results);
}

/* Sites a and b in a new store k, in that order (so two stores give
 * them the same ids). */
static struct store *two_sites(int k, struct store_site *a,
			       struct store_site *b)
{
	struct store *s = open_dir(k);

	if (s && (store_site_add(s, "a", NULL, 0, a) ||
		  store_site_add(s, "b", NULL, 0, b))) {
		store_close(s);
		return NULL;
	}
	return s;
}

/* Page views on site a over days 10..12, desktop and mobile, two pages,
 * of sessions "sess_erase_me" and "sess_keep_me", sharing cells; and one
 * of "sess_erase_me" on site b. */
static const struct pv site_a_pvs[] = {
    /* on the same cells as the next: the shared rows go down, not away */
    {"pv_a_01", "sess_erase_me", "/p", 10 * DAY + HOUR, 0, 1440, 100, 0},
    {"pv_a_02", "sess_keep_me", "/p", 10 * DAY + 2 * HOUR, 0, 1440, 100, 0},
    {"pv_a_03", "sess_erase_me", "/p", 10 * DAY + 3 * HOUR, 0, 1440, 700, 1},
    {"pv_a_04", "sess_erase_me", "/q", 11 * DAY + HOUR, 0, 390, 50, 0},
    {"pv_a_05", "sess_keep_me", "/q", 11 * DAY + 2 * HOUR, 0, 390, 60, 1},
    /* started a second before day 11, its events on day 11 */
    {"pv_a_06", "sess_erase_me", "/p", 11 * DAY - 1000, 5000, 1440, 300, 0},
    {"pv_a_07", "sess_keep_me", "/p", 11 * DAY - 2000, 5000, 1440, 300, 0},
    /* started a second before day 12: in an erased day 11, events on 12 */
    {"pv_a_08", "sess_keep_me", "/q", 12 * DAY - 1000, 5000, 390, 60, 0},
    {"pv_a_09", "sess_erase_me", "/p", 12 * DAY + HOUR, 0, 1440, 100, 0},
};
#define N_SITE_A (sizeof(site_a_pvs) / sizeof(site_a_pvs[0]))
static const struct pv site_b_pv = {
    "pv_b_01", "sess_erase_me", "/p", 10 * DAY + HOUR, 0, 1440, 100, 0};

/* Write site a's page views for which keep(v) says so, and site b's. */
static int write_all(struct store *s, int64_t a, int64_t b,
		     int (*keep)(const struct pv *v))
{
	int rc = pv_write(s, b, &site_b_pv);

	for (size_t i = 0; !rc && i < N_SITE_A; i++)
		if (!keep || keep(&site_a_pvs[i]))
			rc = pv_write(s, a, &site_a_pvs[i]);
	return rc;
}

static int not_erased_session(const struct pv *v)
{
	return strcmp(v->session, "sess_erase_me") != 0;
}

static int not_started_day_11(const struct pv *v)
{
	return v->ts / DAY != 11;
}

/* Stores 0 (everything, then erased) and 1 (never given what 0 erased)
 * hold the same rows and grids; verbose: say where not. */
static int same_as_never_stored(int verbose)
{
	int same = 1;

	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		char erased[1 << 16];
		snprintf(erased, sizeof(erased), "%s", query_text(0, dumps[i]));
		if (strcmp(erased, query_text(1, dumps[i])) != 0) {
			if (verbose)
				fprintf(
				    stderr,
				    "  dump %zu differs:\n  erased: %.600s\n"
				    "  never:  %.600s\n",
				    i, erased, query_text(1, dumps[i]));
			same = 0;
		}
	}
	return same;
}

/* The roll-ups are the sums of their days. */
static const char drift_sql[] =
    "SELECT (SELECT count(*) FROM (SELECT page_id, device, kind, cy, cx,"
    " sum(CASE WHEN day >= 0 THEN n END) AS d, sum(CASE WHEN day = -1"
    " THEN n END) AS r FROM grid GROUP BY 1, 2, 3, 4, 5) WHERE d IS NOT"
    " r) + (SELECT count(*) FROM (SELECT page_id, device, kind, vw,"
    " sum(CASE WHEN day >= 0 THEN n END) AS d, sum(CASE WHEN day = -1"
    " THEN n END) AS r FROM grid_widths GROUP BY 1, 2, 3, 4) WHERE d IS"
    " NOT r) + (SELECT count(*) FROM grid WHERE n <= 0) + (SELECT"
    " count(*) FROM grid_widths WHERE n <= 0)";

/* Erasing a session: its page views on site a go with every row under
 * them, in several transactions' worth of statements; the grids lose
 * exactly its clicks and move points (shared cells go down, its own go
 * away, the roll-up follows), so the store equals one that never stored
 * them; the same session id on site b stays. */
TEST(erase_session_as_never_stored)
{
	struct store_site a, b, a1, b1;
	struct store *s = two_sites(0, &a, &b), *ref = two_sites(1, &a1, &b1);
	struct store_pageview_sel sel = {.from_ms = INT64_MIN,
					 .to_ms = INT64_MAX,
					 .session = "sess_erase_me"};
	struct store_purge_stats n;
	uint64_t version;
	ASSERT(s && ref);
	ASSERT_EQ(a.id, a1.id);
	ASSERT_EQ(write_all(s, a.id, b.id, NULL), 0);
	ASSERT_EQ(write_all(ref, a1.id, b1.id, not_erased_session), 0);
	ASSERT(!same_as_never_stored(0)); /* the test can fail */

	sel.site_id = a.id;
	version = store_data_version(s);
	ASSERT_EQ(store_erase(s, &sel, NULL, &n), 0);
	ASSERT(store_data_version(s) != version);
	ASSERT_EQ(n.pageviews, 5);
	ASSERT_EQ(n.clicks, 5 * 4);
	ASSERT_EQ(n.moves, 5 * 3);
	ASSERT_EQ(n.goals, 5);
	ASSERT_EQ(n.tags, 5);
	ASSERT_EQ(n.batches, 5 * 2);
	ASSERT_EQ(n.grid_events, 5 * 4 + 5 * 3);
	ASSERT_EQ(n.grid_rows, 0);
	ASSERT(same_as_never_stored(1));
	ASSERT_EQ(query_int(0, drift_sql), 0);
	ASSERT_EQ(query_int(0, "SELECT count(*) FROM pageviews WHERE session ="
			       " 'sess_erase_me'"),
		  1); /* site b's */

	/* again: nothing more */
	ASSERT_EQ(store_erase(s, &sel, NULL, &n), 0);
	ASSERT_EQ(n.pageviews + n.grid_events, 0);
	store_close(s);
	store_close(ref);
	remove_dirs();
}

/* Erasing day 11: the page views that started on it go, one of them with
 * its events on day 12 (taken off day 12's rows); the one that started
 * a second before day 11 with its events on day 11 stays, and so do
 * those rows. */
TEST(erase_days_as_never_stored)
{
	struct store_site a, b, a1, b1;
	struct store *s = two_sites(0, &a, &b), *ref = two_sites(1, &a1, &b1);
	struct store_pageview_sel sel = {.from_ms = 11 * DAY,
					 .to_ms = 12 * DAY};
	struct store_purge_stats n;
	ASSERT(s && ref);
	ASSERT_EQ(write_all(s, a.id, b.id, NULL), 0);
	ASSERT_EQ(write_all(ref, a1.id, b1.id, not_started_day_11), 0);

	sel.site_id = a.id;
	ASSERT_EQ(store_erase(s, &sel, NULL, &n), 0);
	ASSERT_EQ(n.pageviews, 3); /* pv_a_04, 05, 08 */
	ASSERT_EQ(n.clicks, 3 * 4);
	ASSERT(same_as_never_stored(1));
	ASSERT_EQ(query_int(0, drift_sql), 0);
	/* pv_a_08's clicks were on day 12; day 12 keeps only pv_a_09's */
	ASSERT_EQ(query_int(0, "SELECT sum(n) FROM grid WHERE kind = 0 AND"
			       " day = 12"),
		  4);
	store_close(s);
	store_close(ref);
	remove_dirs();
}

/* Another store object (another process) commits: this one's data
 * version changes, so a server's ETags do. */
TEST(data_version_sees_other_writers)
{
	struct store_site a, b;
	struct store *s = two_sites(0, &a, &b), *other = NULL;
	char err[256];
	uint64_t v1, v2;
	ASSERT(s);
	ASSERT_EQ(store_open(dirs[0], &other, err, sizeof(err)), 0);
	v1 = store_data_version(s);
	ASSERT_EQ(store_data_version(s), v1); /* stable while nothing moves */
	ASSERT_EQ(pv_write(other, a.id, &site_b_pv), 0);
	v2 = store_data_version(s);
	ASSERT(v2 != v1);
	ASSERT_EQ(store_data_version(s), v2);
	store_close(other);
	store_close(s);
	remove_dirs();
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "w")))
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Backup and restore: the restored directory holds the same rows and
 * grids and the files beside the database; an occupied directory is
 * refused without force; a damaged backup is refused before anything is
 * touched. */
TEST(backup_restores_the_same)
{
	struct store_site a, b;
	struct store *s = two_sites(0, &a, &b), *back = NULL;
	struct store_backup_stats n;
	char file[256], bad[256], err[512], cmd[1024], target[256];
	struct stat sb;
	ASSERT(s);
	ASSERT_EQ(write_all(s, a.id, b.id, NULL), 0);
	ASSERT_EQ(write_file(dirs[0], "demo-site.key", "abc\n"), 0);
	ASSERT_EQ(make_dir(2), 0);
	snprintf(file, sizeof(file), "%s/backup.calor", dirs[0]);
	/* the backup's own file inside the data directory is not carried */
	ASSERT_EQ(store_sqlite_backup(dirs[0], file, &n, err, sizeof(err)), 0);
	ASSERT_EQ(n.sites, 2);
	ASSERT_EQ(n.pageviews, (long long)N_SITE_A + 1);
	ASSERT_EQ(n.clicks, 4 * ((long long)N_SITE_A + 1));
	ASSERT_EQ(n.files, 1);
	snprintf(cmd, sizeof(cmd), "%s.tmp", file);
	ASSERT(stat(cmd, &sb) != 0); /* no temporary file left */

	/* restore into a new directory (store 1's) */
	snprintf(target, sizeof(target), "%s/restored", dirs[2]);
	str_copy(dirs[1], target, sizeof(dirs[1]));
	ASSERT_EQ(store_sqlite_restore(file, target, 0, &n, err, sizeof(err)),
		  0);
	ASSERT_EQ(n.files, 1);
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		char orig[1 << 16];
		snprintf(orig, sizeof(orig), "%s", query_text(0, dumps[i]));
		ASSERT_STR(query_text(1, dumps[i]), orig);
	}
	ASSERT_STR(query_text(1, "SELECT count(*) FROM sqlite_master WHERE"
				 " name = 'calor_backup_files'"),
		   "0");
	ASSERT_STR(query_text(1, "SELECT key FROM sites ORDER BY id LIMIT 1"),
		   a.key);
	snprintf(cmd, sizeof(cmd), "cmp -s %s/demo-site.key %s/demo-site.key",
		 dirs[0], target);
	ASSERT_EQ(system(cmd), 0);
	ASSERT_EQ(store_open(target, &back, err, sizeof(err)), 0);
	store_close(back);

	/* occupied: refused, unless forced */
	ASSERT_EQ(store_sqlite_restore(file, target, 0, &n, err, sizeof(err)),
		  CALOR_EEXIST);
	ASSERT_EQ(store_sqlite_restore(file, target, 1, &n, err, sizeof(err)),
		  0);

	/* damaged: a page in the middle overwritten */
	snprintf(bad, sizeof(bad), "%s/bad.calor", dirs[2]);
	snprintf(cmd, sizeof(cmd),
		 "cp %s %s && dd if=/dev/urandom of=%s bs=4096 seek=6 "
		 "count=3 conv=notrunc 2>/dev/null",
		 file, bad, bad);
	ASSERT_EQ(system(cmd), 0);
	snprintf(target, sizeof(target), "%s/never", dirs[2]);
	ASSERT(store_sqlite_restore(bad, target, 0, &n, err, sizeof(err)) != 0);
	ASSERT(stat(target, &sb) != 0); /* nothing made */
	store_close(s);
	dirs[1][0] = '\0';
	remove_dirs();
}

TEST_MAIN(RUN(erase_session_as_never_stored); RUN(erase_days_as_never_stored);
	  RUN(data_version_sees_other_writers); RUN(backup_restores_the_same))
