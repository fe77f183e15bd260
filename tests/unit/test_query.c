/* SPDX-License-Identifier: MIT */
/* Unit tests for query: defaults, each parameter's parser, and refusals
 * that name the parameter. */
#include "query.h"
#include "test.h"

#define ARGS(...) ((const struct query_arg[]){__VA_ARGS__})
#define N(a)	  (sizeof(a) / sizeof((a)[0]))

TEST(heatmap_defaults)
{
	const struct query_arg a[] = {{"site", "k123"}, {"page", "/x"}};
	struct query_heatmap q;
	struct query_error e;
	ASSERT_EQ(query_parse_heatmap(a, N(a), &q, &e), 0);
	ASSERT_STR(q.w.site_key, "k123");
	ASSERT_STR(q.w.page, "/x");
	ASSERT_EQ(q.w.device, DEVICE_DESKTOP);
	ASSERT_EQ(q.format, QUERY_JSON);
	ASSERT_EQ(q.cell, 10);
	ASSERT_EQ(q.width, 0);
	ASSERT_NEAR(q.radius, 25, 0);
}

TEST(heatmap_all_params)
{
	const struct query_arg a[] = {
	    {"site", "k123"},	  {"page", "/x"},
	    {"device", "mobile"}, {"format", "png"},
	    {"width", "390"},	  {"cell", "5"},
	    {"radius", "40"},	  {"palette", "viridis"},
	    {"type", "click"},	  {"from", "2026-01-01"},
	    {"to", "2026-01-31"}};
	struct query_heatmap q;
	struct query_error e;
	ASSERT_EQ(query_parse_heatmap(a, N(a), &q, &e), 0);
	ASSERT_EQ(q.w.device, DEVICE_MOBILE);
	ASSERT_EQ(q.format, QUERY_PNG);
	ASSERT_EQ(q.width, 390);
	ASSERT_EQ(q.cell, 5);
	ASSERT_EQ(q.palette, RENDER_PALETTE_VIRIDIS);
	ASSERT_EQ(q.w.from_ms, 1767225600000LL);
	ASSERT_EQ(q.w.to_ms, 1769817600000LL + 86400000LL);
}

static void expect_bad(const struct query_arg *a, size_t n, const char *name)
{
	struct query_heatmap q;
	struct query_error e = {{0}};
	if (query_parse_heatmap(a, n, &q, &e) != CALOR_EINVAL ||
	    strncmp(e.detail, name, strlen(name)) != 0) {
		fprintf(stderr, "  expected refusal naming %s, got \"%s\"\n",
			name, e.detail);
		test_failed_flag = 1;
	}
}

TEST(heatmap_refusals_name_the_parameter)
{
	const struct query_arg base[] = {{"site", "k123"}, {"page", "/x"}};
	struct query_arg a[3];
	static const struct query_arg bad[] = {
	    {"device", "phone"},    {"format", "gif"},	    {"width", "0"},
	    {"width", "abc"},	    {"cell", "100000"},	    {"radius", "-3"},
	    {"palette", "rainbow"}, {"from", "2026-13-01"}, {"to", "yesterday"},
	    {"type", "hover"},	    {"bogus", "1"},
	};
	for (size_t i = 0; i < N(bad); i++) {
		a[0] = base[0];
		a[1] = base[1];
		a[2] = bad[i];
		expect_bad(a, 3, bad[i].name);
	}
	expect_bad(base + 1, 1, "site");
	expect_bad(base, 1, "page");
	expect_bad(ARGS({"site", "bad key"}, {"page", "/x"}), 2, "site");
	expect_bad(ARGS({"site", "k1"}, {"page", "x"}), 2, "page");
}

TEST(dates)
{
	int64_t ms;
	ASSERT_EQ(query_parse_date("1970-01-01", &ms), 0);
	ASSERT_EQ(ms, 0);
	ASSERT_EQ(query_parse_date("2024-02-29", &ms), 0);
	ASSERT_EQ(ms, 1709164800000LL);
	ASSERT_EQ(query_parse_date("2023-02-29", &ms), CALOR_EINVAL);
	ASSERT_EQ(query_parse_date("2024-1-01", &ms), CALOR_EINVAL);
	ASSERT_EQ(query_parse_date("2024-01-01x", &ms), CALOR_EINVAL);
}

TEST(pages_params)
{
	const struct query_arg a[] = {{"site", "k123"}, {"device", "all"}};
	const struct query_arg b[] = {{"site", "k123"}, {"page", "/x"}};
	struct query_pages q;
	struct query_error e;
	ASSERT_EQ(query_parse_pages(a, N(a), &q, &e), 0);
	ASSERT_EQ(q.w.device, -1);
	ASSERT_EQ(query_parse_pages(b, N(b), &q, &e), CALOR_EINVAL);
	ASSERT(strstr(e.detail, "page") != NULL);
}

TEST_MAIN(RUN(heatmap_defaults); RUN(heatmap_all_params);
	  RUN(heatmap_refusals_name_the_parameter); RUN(dates);
	  RUN(pages_params))
