/* SPDX-License-Identifier: MIT */
/* Unit tests for store (real SQLite in a temporary directory) and writer:
 * sites, batches stored once, duplicates, all-or-nothing, reads. */
#include <stdlib.h>
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
	int64_t clicks_seen = -1;
	ASSERT(s != NULL);
	ASSERT_EQ(store_site_add(s, "a", NULL, 0, &site), 0);
	make_batch(&b, site.id, "pv_cccccccc", 0, 820);
	ASSERT_EQ(store_write_batches(s, batches, 1, results), 0);
	f.site_id = site.id;
	ASSERT_EQ(store_pages_list(s, &f, page_cb, &clicks_seen), 0);
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

TEST_MAIN(RUN(sites_roundtrip); RUN(batches_stored_once);
	  RUN(writer_commits_then_reports); RUN(pages_listed);
	  RUN(unknown_spec_refused))
