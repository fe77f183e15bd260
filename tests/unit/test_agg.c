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

TEST_MAIN(RUN(projection_and_height); RUN(mode_width); RUN(cap_refuses);
	  RUN(cells_hottest_first); RUN(empty_cells);
	  RUN(raster_holds_every_point))
