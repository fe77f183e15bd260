/* SPDX-License-Identifier: MIT */
/* Unit tests for agg: projection to one width, the mode width, cells
 * counted and ordered, and the point raster. */
#include "agg.h"
#include "test.h"

TEST(projection_and_height)
{
	struct agg_clicks a;
	agg_clicks_init(&a, 100);
	ASSERT_EQ(agg_clicks_add(&a, 720, 100, 1440, 3000), 0);
	ASSERT_EQ(agg_clicks_add(&a, 960, 5000, 1920, 2000), 0);
	ASSERT_EQ(agg_clicks_project(&a, 1440), 0);
	ASSERT_NEAR(a.px[0], 720, 1e-3);
	ASSERT_NEAR(a.px[1], 720, 1e-3); /* same relative position */
	ASSERT_EQ(a.width, 1440);
	ASSERT_EQ(a.height, 5001); /* lowest click beats doc heights */
	agg_clicks_done(&a);
}

TEST(mode_width)
{
	struct agg_clicks a;
	agg_clicks_init(&a, 100);
	ASSERT_EQ(agg_clicks_mode_width(&a, 1440), 1440);
	agg_clicks_add(&a, 1, 1, 1280, 10);
	agg_clicks_add(&a, 1, 1, 1920, 10);
	agg_clicks_add(&a, 1, 1, 1920, 10);
	agg_clicks_add(&a, 1, 1, 1280, 10);
	agg_clicks_add(&a, 1, 1, 1440, 10);
	ASSERT_EQ(agg_clicks_mode_width(&a, 0), 1920); /* tie: the wider */
	agg_clicks_add(&a, 1, 1, 1280, 10);
	ASSERT_EQ(agg_clicks_mode_width(&a, 0), 1280);
	agg_clicks_done(&a);
}

TEST(cap_refuses)
{
	struct agg_clicks a;
	agg_clicks_init(&a, 2);
	ASSERT_EQ(agg_clicks_add(&a, 1, 1, 100, 10), 0);
	ASSERT_EQ(agg_clicks_add(&a, 1, 1, 100, 10), 0);
	ASSERT_EQ(agg_clicks_add(&a, 1, 1, 100, 10), CALOR_ETOOBIG);
	agg_clicks_done(&a);
}

TEST(cells_hottest_first)
{
	struct agg_clicks a;
	struct agg_cell *c = NULL;
	size_t n = 0;
	agg_clicks_init(&a, 100);
	for (int i = 0; i < 5; i++)
		agg_clicks_add(&a, 105 + i, 207, 1000, 1000);
	for (int i = 0; i < 2; i++)
		agg_clicks_add(&a, 900, 15, 1000, 1000);
	agg_clicks_add(&a, 0, 999, 1000, 1000);
	agg_clicks_project(&a, 1000);
	ASSERT_EQ(agg_cells(&a, 10, &c, &n), 0);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(c[0].x, 100);
	ASSERT_EQ(c[0].y, 200);
	ASSERT_EQ(c[0].count, 5);
	ASSERT_EQ(c[1].x, 900);
	ASSERT_EQ(c[1].y, 10);
	ASSERT_EQ(c[1].count, 2);
	ASSERT_EQ(c[2].x, 0);
	ASSERT_EQ(c[2].y, 990);
	ASSERT_EQ(agg_cells(&a, 0, &c, &n), CALOR_EINVAL);
	free(c);
	agg_clicks_done(&a);
}

TEST(empty_cells)
{
	struct agg_clicks a;
	struct agg_cell *c = NULL;
	size_t n = 99;
	agg_clicks_init(&a, 10);
	agg_clicks_project(&a, 1440);
	ASSERT_EQ(a.height, 1);
	ASSERT_EQ(agg_cells(&a, 10, &c, &n), 0);
	ASSERT_EQ(n, 0);
	free(c);
	agg_clicks_done(&a);
}

TEST(raster_holds_every_point)
{
	struct agg_clicks a;
	struct render_heat *h = NULL;
	double sum = 0;
	agg_clicks_init(&a, 100);
	agg_clicks_add(&a, 10, 10, 100, 50);
	agg_clicks_add(&a, 51, 33, 100, 50);
	agg_clicks_project(&a, 100);
	ASSERT_EQ(agg_click_raster(&a, 2, &h), 0);
	ASSERT_EQ(h->w, 50);
	ASSERT_EQ(h->h, 25);
	for (int i = 0; i < h->w * h->h; i++)
		sum += h->v[i];
	ASSERT_NEAR(sum, 2.0, 1e-4);
	render_heat_free(h);
	agg_clicks_done(&a);
}

TEST(scroll_reach_and_attention)
{
	struct agg_scroll a;
	struct agg_scroll_result r;
	uint32_t dwell[AGG_BANDS] = {0};
	agg_scroll_init(&a);
	/* four page views reaching 25, 50, 75 and 100 % of a 4000 px page */
	dwell[0] = 3000;
	dwell[99] = 1000;
	ASSERT_EQ(agg_scroll_add(&a, 1000, 4000, 900, 1, dwell), 0);
	ASSERT_EQ(agg_scroll_add(&a, 2000, 4000, 900, 0, NULL), 0);
	ASSERT_EQ(agg_scroll_add(&a, 3000, 4000, 700, 3, dwell), 0);
	ASSERT_EQ(agg_scroll_add(&a, 4100, 4000, 0, 0, NULL),
		  0);						/* overscroll */
	ASSERT_EQ(agg_scroll_add(&a, 500, 0, 900, 0, NULL), 0); /* unknown */
	agg_scroll_finish(&a, &r);
	ASSERT_EQ(r.pageviews, 4);
	ASSERT_NEAR(r.reach[0], 1.0, 1e-12);
	ASSERT_NEAR(r.reach[25], 1.0, 1e-12);
	ASSERT_NEAR(r.reach[26], 0.75, 1e-12);
	ASSERT_NEAR(r.reach[50], 0.75, 1e-12);
	ASSERT_NEAR(r.reach[51], 0.5, 1e-12);
	ASSERT_NEAR(r.reach[100], 0.25, 1e-12);
	ASSERT_EQ(r.depth_pct[0], 50);	/* reached by 75 % */
	ASSERT_EQ(r.depth_pct[1], 75);	/* by 50 % */
	ASSERT_EQ(r.depth_pct[2], 100); /* by 25 % */
	ASSERT_EQ(r.doc_h, 4000);
	ASSERT_EQ(r.fold_px, (900 + 900 + 700) / 3);
	ASSERT_NEAR(r.fold_pct, 100.0 * 2500 / 3 / 4000, 1e-9);
	ASSERT_NEAR(r.reversals_per_pageview, 1.0, 1e-12);
	ASSERT_EQ(r.dwell_pageviews, 2);
	ASSERT_NEAR(r.dwell_ms[0], 3000, 1e-9);
	ASSERT_NEAR(r.dwell_share[0], 0.75, 1e-12);
	ASSERT_NEAR(r.dwell_share[99], 0.25, 1e-12);
	agg_scroll_done(&a);
}

TEST(scroll_empty)
{
	struct agg_scroll a;
	struct agg_scroll_result r;
	agg_scroll_init(&a);
	agg_scroll_finish(&a, &r);
	ASSERT_EQ(r.pageviews, 0);
	ASSERT_NEAR(r.reach[0], 0, 0);
	ASSERT_EQ(r.depth_pct[1], 0);
	ASSERT_EQ(r.doc_h, 0);
	agg_scroll_done(&a);
}

TEST_MAIN(RUN(scroll_reach_and_attention); RUN(scroll_empty);
	  RUN(projection_and_height); RUN(mode_width); RUN(cap_refuses);
	  RUN(cells_hottest_first); RUN(empty_cells);
	  RUN(raster_holds_every_point))
