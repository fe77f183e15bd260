/* SPDX-License-Identifier: MIT */
/* Unit tests for render's colours and scales: the p99 and max norms
 * (against sorting and on a page with one hot button), per-page-view
 * difference maps and the diverging palette, palette indices and indexed
 * PNGs decoding to exactly the RGBA pixels. */
#include "render.h"
#include "test.h"
#include "test_png.h"

#include <math.h>
#include <spng.h>

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* The radix selection against sorting, on a large raster of values that
 * share high bits (a blurred one has many), on one thread and two. */
TEST(percentile_matches_sorting)
{
	static const double ps[] = {99, 50, 1, 99.9, 100, 12.5};
	struct render_heat *heat = NULL;
	float *sorted = NULL, value = 0, expected;
	size_t i, n = 600 * 500, k, rank;
	uint32_t seed = 4242;
	int threads;

	ASSERT_EQ(render_heat_new(600, 500, &heat), 0);
	sorted = malloc(n * sizeof(*sorted));
	ASSERT(sorted != NULL);
	for (i = 0, k = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		if (seed % 3 == 0)
			continue; /* a third zero */
		heat->v[i] = 1 + (float)(seed >> 8) / (1 << 24) * 0.01f;
		if (seed % 7 == 0)
			heat->v[i] *= 1000;
		sorted[k++] = heat->v[i];
	}
	qsort(sorted, k, sizeof(*sorted), cmp_float);
	for (threads = 1; threads <= 2; threads++) {
		render_set_threads(threads);
		for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
			rank = (size_t)ceil(ps[i] / 100 * (double)k);
			ASSERT_EQ(render_heat_percentile(heat, ps[i], &value),
				  0);
			expected = sorted[rank - 1];
			if (value != expected) {
				free(sorted);
				render_heat_free(heat);
				render_set_threads(1);
				FAIL_HERE("p%g: %.9g, sorted %.9g", ps[i],
					  value, expected);
			}
		}
	}
	render_set_threads(1);
	free(sorted);
	render_heat_free(heat);
}

TEST(percentile_known_raster)
{
	struct render_heat *heat = NULL;
	float value = -1;
	int i;

	/* 1..100 scattered over 300 pixels, the rest zero. */
	ASSERT_EQ(render_heat_new(20, 15, &heat), 0);
	for (i = 0; i < 100; i++)
		heat->v[(i * 37) % 300] = (float)(i + 1);
	ASSERT_EQ(render_heat_percentile(heat, 99, &value), 0);
	ASSERT_EQ(value, 99);
	ASSERT_EQ(render_heat_norm(heat, RENDER_NORM_P99, &value), 0);
	ASSERT_EQ(value, 99);
	ASSERT_EQ(render_heat_norm(heat, RENDER_NORM_DEFAULT, &value), 0);
	ASSERT_EQ(value, 99);
	ASSERT_EQ(render_heat_percentile(heat, 100, &value), 0);
	ASSERT_EQ(value, 100);
	ASSERT_EQ(render_heat_percentile(heat, 50, &value), 0);
	ASSERT_EQ(value, 50);
	ASSERT_EQ(render_heat_percentile(heat, 0.5, &value), 0);
	ASSERT_EQ(value, 1);
	ASSERT_EQ(render_heat_percentile(heat, 99.5, &value), 0);
	ASSERT_EQ(value, 100); /* rank ceil(99.5) = 100 */
	ASSERT_EQ(render_heat_norm(heat, RENDER_NORM_MAX, &value), 0);
	ASSERT_EQ(value, 100);

	/* Fractions, negatives by magnitude, NaN ignored. */
	heat->v[(7 * 37) % 300] = -1000.5f; /* was 8 */
	heat->v[(8 * 37) % 300] = NAN;	    /* was 9: one fewer */
	heat->v[(9 * 37) % 300] = 0.125f;   /* was 10 */
	ASSERT_EQ(render_heat_norm(heat, RENDER_NORM_MAX, &value), 0);
	ASSERT_EQ(value, 1000.5f);
	/* 99 values; rank ceil(98.01) = 99 is the largest, |-1000.5|. */
	ASSERT_EQ(render_heat_percentile(heat, 99, &value), 0);
	ASSERT_EQ(value, 1000.5f);
	/* The smallest is 0.125. */
	ASSERT_EQ(render_heat_percentile(heat, 1, &value), 0);
	ASSERT_EQ(value, 0.125f);

	/* Nothing non-zero: 0, for both. */
	heat_zero(heat);
	heat->v[3] = -0.0f;
	value = -1;
	ASSERT_EQ(render_heat_norm(heat, RENDER_NORM_P99, &value), 0);
	ASSERT_EQ(value, 0);
	value = -1;
	ASSERT_EQ(render_heat_norm(heat, RENDER_NORM_MAX, &value), 0);
	ASSERT_EQ(value, 0);

	ASSERT_EQ(render_heat_percentile(heat, 0, &value), CALOR_EINVAL);
	ASSERT_EQ(render_heat_percentile(heat, 100.5, &value), CALOR_EINVAL);
	ASSERT_EQ(render_heat_percentile(heat, NAN, &value), CALOR_EINVAL);
	ASSERT_EQ(render_heat_percentile(NULL, 99, &value), CALOR_EINVAL);
	ASSERT_EQ(render_heat_norm(heat, (enum render_norm)9, &value),
		  CALOR_EINVAL);
	render_heat_free(heat);
}

TEST(p99_keeps_the_page_visible_beside_a_hot_button)
{
	struct render_heat *heat = NULL;
	float by_max = 0, by_p99 = 0;
	uint8_t *rgba = NULL;
	int i;

	/* A page of 5000 warm pixels, 50 at each value 1..100, and one hot
	 * button of 50 pixels at 1000. */
	ASSERT_EQ(render_heat_new(100, 51, &heat), 0);
	for (i = 0; i < 5000; i++)
		heat->v[i] = (float)(i % 100 + 1);
	for (i = 5000; i < 5050; i++)
		heat->v[i] = 1000;
	ASSERT_EQ(render_heat_norm(heat, RENDER_NORM_MAX, &by_max), 0);
	ASSERT_EQ(render_heat_norm(heat, RENDER_NORM_P99, &by_p99), 0);
	ASSERT_EQ(by_max, 1000);
	/* rank ceil(0.99 * 5050) = 5000: the page's own top. */
	ASSERT_EQ(by_p99, 100);

	/* A middling page pixel (50) by max: t = 0.05, nearly invisible. */
	ASSERT_EQ(render_heat_rgba(heat, by_max, RENDER_PALETTE_CLASSIC, &rgba),
		  0);
	ASSERT(rgba[4 * 49 + 3] < 40);
	free(rgba);
	/* By p99: t = 0.5, green and clearly visible; the button is
	 * saturated, not lost. */
	ASSERT_EQ(render_heat_rgba(heat, by_p99, RENDER_PALETTE_CLASSIC, &rgba),
		  0);
	ASSERT(rgba[4 * 49 + 3] > 150);
	ASSERT_NEAR(rgba[4 * 49 + 1], 255, 2);
	ASSERT_EQ(rgba[4 * 5000 + 0], 255);
	ASSERT_EQ(rgba[4 * 5000 + 3], 204);
	free(rgba);
	render_heat_free(heat);
}

TEST(norm_parse_names)
{
	enum render_norm n = RENDER_NORM_MAX;

	ASSERT_EQ(render_norm_parse("p99", &n), 0);
	ASSERT_EQ(n, RENDER_NORM_P99);
	ASSERT_EQ(render_norm_parse("max", &n), 0);
	ASSERT_EQ(n, RENDER_NORM_MAX);
	ASSERT_EQ(render_norm_parse("P99", &n), CALOR_EINVAL);
	ASSERT_EQ(render_norm_parse("", &n), CALOR_EINVAL);
	ASSERT_EQ(render_norm_parse(NULL, &n), CALOR_EINVAL);
	ASSERT_EQ(n, RENDER_NORM_MAX);
}

TEST(diff_of_identical_rasters_is_zero)
{
	struct render_heat *a = NULL, *diff = NULL;
	float norm = -1;
	uint8_t *rgba = NULL;
	size_t i;

	ASSERT_EQ(render_heat_new(31, 17, &a), 0);
	for (i = 0; i < 31 * 17; i++)
		a->v[i] = (float)((i * 7919) % 101) / 7;
	ASSERT_EQ(render_heat_blur(a, 1.7), 0);
	ASSERT_EQ(
	    render_heat_diff(a, 123, a, 123, RENDER_NORM_P99, &diff, &norm), 0);
	for (i = 0; i < 31 * 17; i++)
		ASSERT_EQ(diff->v[i], 0);
	ASSERT_EQ(norm, 0);
	/* ...and colours as nothing at all. */
	ASSERT_EQ(render_diff_rgba(diff, norm, &rgba), 0);
	for (i = 0; i < 31 * 17; i++)
		ASSERT_EQ(rgba[4 * i + 3], 0);
	free(rgba);
	render_heat_free(diff);
	render_heat_free(a);
}

TEST(diff_per_page_view_and_symmetric_norm)
{
	struct render_heat *a = NULL, *b = NULL, *diff = NULL;
	float norm = 0;

	ASSERT_EQ(render_heat_new(4, 1, &a), 0);
	ASSERT_EQ(render_heat_new(4, 1, &b), 0);
	/* a: 10 page views; b: 40. */
	a->v[0] = 5;  /* 0.5 per view */
	b->v[0] = 20; /* 0.5 per view: no difference */
	a->v[1] = 1;  /* 0.1 */
	b->v[1] = 0;
	a->v[2] = 0;
	b->v[2] = 30; /* -0.75: the largest magnitude is negative */
	ASSERT_EQ(render_heat_diff(a, 10, b, 40, RENDER_NORM_MAX, &diff, &norm),
		  0);
	ASSERT_NEAR(diff->v[0], 0, 1e-7);
	ASSERT_NEAR(diff->v[1], 0.1, 1e-7);
	ASSERT_NEAR(diff->v[2], -0.75, 1e-7);
	ASSERT_EQ(diff->v[3], 0);
	ASSERT_NEAR(norm, 0.75, 1e-7);
	render_heat_free(diff);
	diff = NULL;

	ASSERT_EQ(render_heat_diff(a, 0, b, 40, RENDER_NORM_MAX, &diff, &norm),
		  CALOR_EINVAL);
	ASSERT_EQ(render_heat_diff(a, 10, b, -1, RENDER_NORM_MAX, &diff, &norm),
		  CALOR_EINVAL);
	ASSERT_EQ(
	    render_heat_diff(a, 10, NULL, 1, RENDER_NORM_MAX, &diff, &norm),
	    CALOR_EINVAL);
	render_heat_free(b);
	ASSERT_EQ(render_heat_new(4, 2, &b), 0);
	ASSERT_EQ(render_heat_diff(a, 10, b, 10, RENDER_NORM_MAX, &diff, &norm),
		  CALOR_EINVAL);
	ASSERT(diff == NULL);
	render_heat_free(a);
	render_heat_free(b);
}

TEST(diverging_palette_endpoints_and_transparent_zero)
{
	static const float values[] = {-2, -1, 0, 1, 2, NAN, -0.5f, 0.5f};
	struct render_heat *diff = NULL;
	uint8_t *rgba = NULL;
	int i;

	ASSERT_EQ(render_heat_new(8, 1, &diff), 0);
	memcpy(diff->v, values, sizeof(values));
	ASSERT_EQ(render_diff_rgba(diff, 1, &rgba), 0);
	/* -1 and below: RdBu's darkest blue, at the top of the ramp. */
	for (i = 0; i <= 1; i++) {
		ASSERT_EQ(rgba[4 * i + 0], 5);
		ASSERT_EQ(rgba[4 * i + 1], 48);
		ASSERT_EQ(rgba[4 * i + 2], 97);
		ASSERT_EQ(rgba[4 * i + 3], 204);
	}
	/* +1 and above: its darkest red. */
	for (i = 3; i <= 4; i++) {
		ASSERT_EQ(rgba[4 * i + 0], 103);
		ASSERT_EQ(rgba[4 * i + 1], 0);
		ASSERT_EQ(rgba[4 * i + 2], 31);
		ASSERT_EQ(rgba[4 * i + 3], 204);
	}
	/* 0 and NaN: transparent white. */
	for (i = 2; i <= 5; i += 3) {
		ASSERT_EQ(rgba[4 * i + 0], 247);
		ASSERT_EQ(rgba[4 * i + 1], 247);
		ASSERT_EQ(rgba[4 * i + 2], 247);
		ASSERT_EQ(rgba[4 * i + 3], 0);
	}
	/* Halfway: blue on the minus side, red on the plus side, the same
	 * alpha both ways: 204 * min(1, 1.6 t)^0.8 at t = 64/127, the
	 * nearest of the table's 127 steps a side. */
	ASSERT(rgba[4 * 6 + 2] > rgba[4 * 6 + 0]);
	ASSERT(rgba[4 * 7 + 0] > rgba[4 * 7 + 2]);
	ASSERT_EQ(rgba[4 * 6 + 3], rgba[4 * 7 + 3]);
	ASSERT_NEAR(rgba[4 * 6 + 3], 204 * pow(1.6 * 64 / 127, 0.8), 1);
	free(rgba);

	/* norm <= 0: every pixel the transparent centre. */
	ASSERT_EQ(render_diff_rgba(diff, 0, &rgba), 0);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(rgba[4 * i + 3], 0);
	free(rgba);
	rgba = NULL;
	ASSERT_EQ(render_diff_rgba(NULL, 1, &rgba), CALOR_EINVAL);
	ASSERT(rgba == NULL);
	render_heat_free(diff);
}

/* An indexed PNG decodes to exactly the RGBA path's pixels. */
TEST(indexed_png_decodes_to_the_rgba_pixels)
{
	struct render_heat *heat = NULL;
	uint8_t *rgba = NULL, *back = NULL;
	uint32_t w = 0, h = 0;
	void *png = NULL;
	size_t len = 0;
	float norm = 0;
	int palette, i;

	ASSERT_EQ(render_heat_new(57, 43, &heat), 0);
	for (i = 0; i < 40; i++)
		render_heat_add(heat, 5 + i * 1.3, 3 + (i * 17 % 37),
				1 + i % 3);
	ASSERT_EQ(render_heat_blur(heat, 2.5), 0);
	ASSERT_EQ(render_heat_norm(heat, RENDER_NORM_P99, &norm), 0);
	for (palette = 0; palette < 2; palette++) {
		ASSERT_EQ(render_heat_rgba(heat, norm, palette, &rgba), 0);
		ASSERT_EQ(render_heat_png(heat, norm, palette, &png, &len), 0);
		ASSERT_EQ(png_decode(png, len, &back, &w, &h), 0);
		ASSERT_EQ(w, 57);
		ASSERT_EQ(h, 43);
		ASSERT_EQ(memcmp(back, rgba, 57 * 43 * 4), 0);
		free(rgba);
		free(png);
		free(back);
	}
	/* norm 0: all-zero bytes both ways. */
	ASSERT_EQ(render_heat_rgba(heat, 0, RENDER_PALETTE_CLASSIC, &rgba), 0);
	ASSERT_EQ(render_heat_png(heat, 0, RENDER_PALETTE_CLASSIC, &png, &len),
		  0);
	ASSERT_EQ(png_decode(png, len, &back, &w, &h), 0);
	ASSERT_EQ(memcmp(back, rgba, 57 * 43 * 4), 0);
	ASSERT_EQ(back[4 * 100 + 3], 0);
	free(rgba);
	free(png);
	free(back);

	/* The diverging palette too, on a signed raster. */
	for (i = 0; i < 57 * 43; i++)
		heat->v[i] -= norm / 2;
	ASSERT_EQ(render_diff_rgba(heat, norm / 2, &rgba), 0);
	ASSERT_EQ(render_diff_png(heat, norm / 2, &png, &len), 0);
	ASSERT_EQ(png_decode(png, len, &back, &w, &h), 0);
	ASSERT_EQ(memcmp(back, rgba, 57 * 43 * 4), 0);
	free(rgba);
	free(png);
	free(back);
	png = NULL;
	ASSERT_EQ(render_heat_png(heat, 1, (enum render_palette)5, &png, &len),
		  CALOR_EINVAL);
	ASSERT(png == NULL);
	render_heat_free(heat);
}

TEST(index_agrees_with_rgba_on_edge_values)
{
	static const float special[] = {
	    0,	      -0.0f,  NAN,  INFINITY, -INFINITY, 1e-30f, 0.001f,
	    0.00195f, 0.002f, 0.5f, 0.99f,    0.998f,	 0.999f, 1,
	    1.0001f,  3,      -1,   -0.5f,    0.25f,	 0.75f,	 1e30f,
	};
	const size_t n = sizeof(special) / sizeof(special[0]);
	const uint8_t *colours = render_palette_colours(RENDER_PALETTE_VIRIDIS);
	struct render_heat *heat = NULL;
	uint8_t *index = NULL, *rgba = NULL;
	size_t i;

	/* Both the eight-wide loop and its scalar tail see every value. */
	ASSERT_EQ(render_heat_new((int)n, 9, &heat), 0);
	for (i = 0; i < n * 9; i++)
		heat->v[i] = special[(i + i / n) % n];
	ASSERT_EQ(render_heat_index(heat, 1, &index), 0);
	ASSERT_EQ(render_heat_rgba(heat, 1, RENDER_PALETTE_VIRIDIS, &rgba), 0);
	for (i = 0; i < n * 9; i++) {
		if (memcmp(rgba + 4 * i, colours + 4 * index[i], 4) != 0) {
			free(index);
			free(rgba);
			render_heat_free(heat);
			FAIL_HERE("value %g: index %d", heat->v[i], index[i]);
		}
	}
	ASSERT_EQ(index[0], 0);	  /* 0 */
	ASSERT_EQ(index[2], 0);	  /* NaN */
	ASSERT_EQ(index[3], 255); /* inf */
	ASSERT_EQ(index[9], 128); /* 0.5 rounds up */
	ASSERT_EQ(index[13], 255);
	free(index);
	free(rgba);
	/* norm 0: all entry 0. */
	ASSERT_EQ(render_heat_index(heat, 0, &index), 0);
	for (i = 0; i < n * 9; i++)
		ASSERT_EQ(index[i], 0);
	free(index);
	render_heat_free(heat);
}

TEST(palette_colours_for_legends)
{
	const uint8_t *colours = render_palette_colours(RENDER_PALETTE_CLASSIC);
	uint8_t rgba[4];

	ASSERT(colours != NULL);
	ASSERT_EQ(render_palette_colours((enum render_palette)2), NULL);
	/* Entry 0 blank, 255 the top. */
	ASSERT_EQ(colours[0] | colours[1] | colours[2] | colours[3], 0);
	ASSERT_EQ(colours[4 * 255], 255);
	ASSERT_EQ(colours[4 * 255 + 3], 204);
	/* From the stops: the colour at 0 is there, with alpha 0. */
	ASSERT_EQ(render_palette_rgba(RENDER_PALETTE_CLASSIC, 0, rgba), 0);
	ASSERT_EQ(rgba[0], 0);
	ASSERT_EQ(rgba[1], 0);
	ASSERT_EQ(rgba[2], 255);
	ASSERT_EQ(rgba[3], 0);
	ASSERT_EQ(render_palette_rgba(RENDER_PALETTE_CLASSIC, 7, rgba), 0);
	ASSERT_EQ(rgba[0], 255);
	ASSERT_EQ(rgba[1], 0);
	ASSERT_EQ(rgba[2], 0);
	ASSERT_EQ(rgba[3], 204);
	ASSERT_EQ(render_palette_rgba(RENDER_PALETTE_VIRIDIS, 1, rgba), 0);
	ASSERT_EQ(rgba[0], 253);
	ASSERT_EQ(rgba[1], 231);
	ASSERT_EQ(rgba[2], 37);
	ASSERT_EQ(render_palette_rgba(RENDER_PALETTE_VIRIDIS, NAN, rgba), 0);
	ASSERT_EQ(rgba[0], 68);
	ASSERT_EQ(render_palette_rgba((enum render_palette)3, 0.5, rgba),
		  CALOR_EINVAL);
}

TEST_MAIN(RUN(percentile_matches_sorting); RUN(percentile_known_raster);
	  RUN(p99_keeps_the_page_visible_beside_a_hot_button);
	  RUN(norm_parse_names); RUN(diff_of_identical_rasters_is_zero);
	  RUN(diff_per_page_view_and_symmetric_norm);
	  RUN(diverging_palette_endpoints_and_transparent_zero);
	  RUN(indexed_png_decodes_to_the_rgba_pixels);
	  RUN(index_agrees_with_rgba_on_edge_values);
	  RUN(palette_colours_for_legends))
