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

TEST(segment_filters)
{
	const struct query_arg a[] = {{"site", "k1"},
				      {"page", "/x"},
				      {"browser", "firefox"},
				      {"os", "linux"},
				      {"source", "campaign"},
				      {"visitor", "returning"},
				      {"referrer", "t.co"},
				      {"utm_campaign", "launch"},
				      {"tag.variant", "B"},
				      {"tag.plan", "pro"},
				      {"tag.variant", "C"},
				      {"goal", "signup"},
				      {"nogoal", "trial_start"},
				      {"vw", "768-1023"}};
	struct query_heatmap q;
	struct query_error e;
	const struct store_segment *g = &q.w.seg;

	ASSERT_EQ(query_parse_heatmap(a, N(a), &q, &e), 0);
	ASSERT_EQ(g->has, (unsigned)(STORE_SEG_BROWSER | STORE_SEG_OS |
				     STORE_SEG_SOURCE | STORE_SEG_NEW));
	ASSERT_EQ(g->browser, BROWSER_FIREFOX);
	ASSERT_EQ(g->os, OS_LINUX);
	ASSERT_EQ(g->source, SOURCE_CAMPAIGN);
	ASSERT_EQ(g->is_new, 0);
	ASSERT_STR(g->referrer, "t.co");
	ASSERT_STR(g->utm_campaign, "launch");
	/* a tag given twice keeps its last value */
	ASSERT_EQ(g->n_tags, 2);
	ASSERT_STR(g->tags[0].key, "variant");
	ASSERT_STR(g->tags[0].value, "C");
	ASSERT_STR(g->goal, "signup");
	ASSERT_STR(g->nogoal, "trial_start");
	ASSERT_EQ(g->vw_min, 768);
	ASSERT_EQ(g->vw_max, 1023);
	/* a width band without a device reads every class */
	ASSERT_EQ(q.w.device, -1);
	ASSERT(!store_segment_empty(g));
}

TEST(vs_is_the_first_set_changed)
{
	const struct query_arg a[] = {
	    {"site", "k1"},	     {"page", "/x"},
	    {"type", "diff"},	     {"device", "mobile"},
	    {"tag.variant", "A"},    {"from", "2026-01-01"},
	    {"vs.tag.variant", "B"}, {"vs.to", "2026-02-01"}};
	struct query_heatmap q;
	struct query_error e;

	ASSERT_EQ(query_parse_heatmap(a, N(a), &q, &e), 0);
	ASSERT_EQ(q.vs.device, DEVICE_MOBILE);
	ASSERT_STR(q.vs.seg.tags[0].value, "B");
	ASSERT_STR(q.w.seg.tags[0].value, "A");
	/* a date given for the second set replaces the first's range */
	ASSERT_EQ(q.vs.from_ms, 0);
	ASSERT(q.vs.to_ms > 0);
	ASSERT_STR(q.vs.page, "/x");
}

TEST(vs_star_removes_a_filter)
{
	const struct query_arg a[] = {
	    {"site", "k1"},	     {"page", "/x"},	     {"type", "diff"},
	    {"goal", "signup"},	     {"tag.variant", "A"},   {"vs.goal", "*"},
	    {"vs.nogoal", "signup"}, {"vs.tag.variant", "*"}};
	const struct query_arg bad[] = {{"site", "k1"},
					{"page", "/x"},
					{"type", "diff"},
					{"vs.device", "*"}};
	struct query_heatmap q;
	struct query_error e;

	ASSERT_EQ(query_parse_heatmap(a, N(a), &q, &e), 0);
	ASSERT(q.vs.seg.goal == NULL);
	ASSERT_STR(q.vs.seg.nogoal, "signup");
	ASSERT_EQ(q.vs.seg.n_tags, 0);
	ASSERT_STR(q.w.seg.goal, "signup");
	ASSERT_EQ(q.w.seg.n_tags, 1);
	ASSERT_EQ(query_parse_heatmap(bad, N(bad), &q, &e), CALOR_EINVAL);
	ASSERT(strncmp(e.detail, "vs.device:", 10) == 0);
}

TEST(elements_and_frustration_params)
{
	const struct query_arg a[] = {{"site", "k1"},	     {"page", "/x"},
				      {"sort", "dead"},	     {"limit", "5"},
				      {"conversion", "buy"}, {"device", "all"}};
	const struct query_arg f[] = {{"site", "k1"}, {"limit", "3"}};
	struct query_elements q;
	struct query_frustration fr;
	struct query_error e;

	ASSERT_EQ(query_parse_elements(a, N(a), &q, &e), 0);
	ASSERT_EQ(q.sort, QUERY_SORT_DEAD);
	ASSERT_EQ(q.limit, 5);
	ASSERT_STR(q.conversion, "buy");
	ASSERT_EQ(q.w.device, -1);
	ASSERT_EQ(query_parse_elements(a, 1, &q, &e), CALOR_EINVAL);
	ASSERT_STR(e.detail, "page: required");
	ASSERT_EQ(query_parse_frustration(f, N(f), &fr, &e), 0);
	ASSERT_EQ(fr.limit, 3);
	ASSERT(fr.w.page == NULL);
}

/* Found by fuzz_query: sscanf's %2d took "+1" and " 1". */
TEST(dates_are_digits)
{
	int64_t ms;
	ASSERT_EQ(query_parse_date("2024-02-29", &ms), 0);
	ASSERT_EQ(ms, 1709164800000LL);
	ASSERT_EQ(query_parse_date("2024-+1-01", &ms), CALOR_EINVAL);
	ASSERT_EQ(query_parse_date("2024- 1-01", &ms), CALOR_EINVAL);
	ASSERT_EQ(query_parse_date("+024-01-01", &ms), CALOR_EINVAL);
	ASSERT_EQ(query_parse_date("2023-02-29", &ms), CALOR_EINVAL);
}

/* Found by fuzz_query: vw=768-1023&vs.vw=* left the second set with
 * every device class and no band, mixed in one heatmap. */
TEST(vs_device_follows_the_first_rule)
{
	const struct query_arg a[] = {{"site", "k1"},
				      {"page", "/x"},
				      {"type", "diff"},
				      {"vw", "768-1023"},
				      {"vs.vw", "*"}};
	const struct query_arg b[] = {{"site", "k1"},
				      {"page", "/x"},
				      {"type", "diff"},
				      {"vs.vw", "768-1023"}};
	const struct query_arg c[] = {{"site", "k1"},
				      {"page", "/x"},
				      {"device", "tablet"},
				      {"type", "diff"},
				      {"vs.browser", "chrome"}};
	struct query_heatmap q;
	struct query_error e;

	ASSERT_EQ(query_parse_heatmap(a, N(a), &q, &e), 0);
	ASSERT_EQ(q.w.device, -1);
	ASSERT_EQ(q.vs.device, DEVICE_DESKTOP);
	ASSERT_EQ(query_parse_heatmap(b, N(b), &q, &e), 0);
	ASSERT_EQ(q.w.device, DEVICE_DESKTOP);
	ASSERT_EQ(q.vs.device, -1);
	ASSERT_EQ(q.vs.seg.vw_min, 768);
	ASSERT_EQ(query_parse_heatmap(c, N(c), &q, &e), 0);
	ASSERT_EQ(q.vs.device, DEVICE_TABLET);
}

/* Found by fuzz_query: a name's raw bytes (cut at 40, so maybe inside a
 * character) went into the detail. */
TEST(details_are_text_and_name_vs)
{
	const struct query_arg a[] = {
	    {"site", "k1"}, {"page", "/x"}, {"\xff\x01x", "1"}};
	const struct query_arg b[] = {{"site", "k1"},
				      {"page", "/x"},
				      {"type", "diff"},
				      {"vs.device", "phone"}};
	struct query_heatmap q;
	struct query_error e;

	ASSERT_EQ(query_parse_heatmap(a, N(a), &q, &e), CALOR_EINVAL);
	ASSERT_STR(e.detail, "??x: unknown parameter");
	ASSERT_EQ(query_parse_heatmap(b, N(b), &q, &e), CALOR_EINVAL);
	ASSERT(strncmp(e.detail, "vs.device: ", 11) == 0);
}

TEST_MAIN(RUN(dates_are_digits); RUN(vs_device_follows_the_first_rule);
	  RUN(details_are_text_and_name_vs); RUN(heatmap_defaults);
	  RUN(heatmap_all_params); RUN(heatmap_refusals_name_the_parameter);
	  RUN(dates); RUN(pages_params); RUN(segment_filters);
	  RUN(vs_is_the_first_set_changed); RUN(vs_star_removes_a_filter);
	  RUN(elements_and_frustration_params))
