/* SPDX-License-Identifier: MIT */
/* Unit tests for assets (the embedded table and URL lookup) and metrics
 * (counters and the Prometheus text). */
#include "assets.h"
#include "metrics.h"
#include "test.h"

TEST(assets_embedded_and_found)
{
	const struct asset *a = assets_find("/calor.js");
	ASSERT(a != NULL);
	ASSERT(a->len > 100);
	ASSERT_STR(a->content_type, "text/javascript; charset=utf-8");
	a = assets_find("/");
	ASSERT(a != NULL);
	ASSERT_STR(a->url, "/index.html");
	a = assets_find("/demo/");
	ASSERT(a != NULL);
	ASSERT_STR(a->url, "/demo/index.html");
	ASSERT(memmem(a->data, a->len, "__CALOR_SITE__", 14) != NULL);
	ASSERT(assets_find("/nope.html") == NULL);
	ASSERT(assets_find("/demo") == NULL);
	ASSERT(assets_find("/../Makefile") == NULL);
}

/* The number on the sample line containing key (not the # HELP line). */
static long long value(const char *text, const char *key)
{
	for (const char *p = text; (p = strstr(p, key)) != NULL; p++) {
		const char *line = p;
		while (line > text && line[-1] != '\n')
			line--;
		if (*line != '#')
			return strtoll(p + strlen(key), NULL, 10);
	}
	return -1;
}

TEST(metrics_count_and_render)
{
	struct dynbuf b;
	dynbuf_init(&b, 64 * 1024);
	metrics_events_accepted(7);
	metrics_batch_accepted(0);
	metrics_batch_accepted(1);
	metrics_batch_rejected("bad_json");
	metrics_batch_rejected("bad_json");
	metrics_batch_rejected("something new");
	metrics_commit(1500, 1);  /* 1.5 ms */
	metrics_commit(30000, 0); /* 30 ms, failed */
	ASSERT_EQ(metrics_render(&b), 0);
	ASSERT_EQ(value(b.data, "calor_events_accepted_total "), 7);
	ASSERT_EQ(value(b.data, "{duplicate=\"false\"} "), 1);
	ASSERT_EQ(value(b.data, "{duplicate=\"true\"} "), 1);
	ASSERT_EQ(value(b.data, "{reason=\"bad_json\"} "), 2);
	ASSERT_EQ(value(b.data, "{reason=\"other\"} "), 1);
	ASSERT_EQ(value(b.data, "calor_commit_seconds_bucket{le=\"0.001\"} "),
		  0);
	ASSERT_EQ(value(b.data, "calor_commit_seconds_bucket{le=\"0.0025\"} "),
		  1);
	ASSERT_EQ(value(b.data, "calor_commit_seconds_bucket{le=\"0.05\"} "),
		  2);
	ASSERT_EQ(value(b.data, "calor_commit_seconds_count "), 2);
	ASSERT_EQ(value(b.data, "calor_commit_failures_total "), 1);
	dynbuf_done(&b);
}

TEST_MAIN(RUN(assets_embedded_and_found); RUN(metrics_count_and_render))
