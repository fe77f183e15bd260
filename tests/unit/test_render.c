/* SPDX-License-Identifier: MIT */
/* Unit tests for render's raster: known answers for splatting, the Gaussian
 * blur (against the closed form and a direct 2-D convolution), the palette
 * endpoints and alpha ramp, caps, threads giving the same bytes, and PNG
 * bytes decoded back with libspng. Norms, differences and palette indices
 * are in test_render_colour.c; composite, confetti, bands and decoding in
 * test_render_image.c. */
#include "render.h"
#include "test.h"
#include "test_png.h"

#include <limits.h>
#include <math.h>
#include <spng.h>

static float at(const struct render_heat *heat, int x, int y)
{
	return heat->v[(size_t)y * heat->w + x];
}

static double heat_sum(const struct render_heat *heat)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < (size_t)heat->w * heat->h; i++)
		sum += heat->v[i];
	return sum;
}

/* Two clusters of points, blurred, coloured and encoded: the whole path. */
static int render_sample(void **ret_png, size_t *ret_len)
{
	struct render_heat *heat = NULL;
	uint8_t *rgba = NULL;
	int rc, i;

	rc = render_heat_new(64, 48, &heat);
	if (rc)
		goto out;
	for (i = 0; i < 50; i++)
		render_heat_add(heat, 10 + (i * 7 % 13) * 0.37,
				12 + (i * 5 % 11) * 0.41, 1);
	for (i = 0; i < 20; i++)
		render_heat_add(heat, 45.2 + (i % 5) * 0.5, 30.7, 2);
	rc = render_heat_blur(heat, 3.3);
	if (rc)
		goto out;
	rc = render_heat_rgba(heat, render_heat_max(heat),
			      RENDER_PALETTE_CLASSIC, &rgba);
	if (rc)
		goto out;
	rc = render_png_encode(rgba, heat->w, heat->h, ret_png, ret_len);
out:
	free(rgba);
	render_heat_free(heat);
	return rc;
}

TEST(heat_new_checks_caps)
{
	static struct render_heat dummy;
	struct render_heat *heat = &dummy;

	ASSERT_EQ(render_heat_new(0, 5, &heat), CALOR_EINVAL);
	ASSERT_EQ(render_heat_new(5, -1, &heat), CALOR_EINVAL);
	ASSERT_EQ(render_heat_new(RENDER_MAX_DIM + 1, 1, &heat), CALOR_ETOOBIG);
	ASSERT_EQ(render_heat_new(1, RENDER_MAX_DIM + 1, &heat), CALOR_ETOOBIG);
	ASSERT_EQ(render_heat_new(RENDER_MAX_DIM, RENDER_MAX_DIM, &heat),
		  CALOR_ETOOBIG);
	/* w * h would overflow an int: still refused, not wrapped. */
	ASSERT_EQ(render_heat_new(INT_MAX, INT_MAX, &heat), CALOR_ETOOBIG);
	ASSERT_EQ(render_heat_new(65536, 65536, &heat), CALOR_ETOOBIG);
	ASSERT_EQ(render_heat_new(4096, 4097, &heat), CALOR_ETOOBIG);
	/* Nothing handed out (and LeakSanitizer sees nothing left behind). */
	ASSERT(heat == &dummy);

	heat = NULL;
	ASSERT_EQ(render_heat_new(4096, 4096, &heat), 0); /* exactly the cap */
	ASSERT(heat != NULL);
	ASSERT_EQ(heat->w, 4096);
	ASSERT_EQ(heat->h, 4096);
	ASSERT_EQ(render_heat_max(heat), 0);
	render_heat_free(heat);
	render_heat_free(NULL);
}

TEST(heat_add_splats_bilinearly)
{
	struct render_heat *heat = NULL;

	ASSERT_EQ(render_heat_new(8, 6, &heat), 0);

	/* On a pixel centre: all of it on that pixel. */
	render_heat_add(heat, 2.5, 3.5, 1);
	ASSERT_EQ(at(heat, 2, 3), 1);
	ASSERT_NEAR(heat_sum(heat), 1, 1e-6);
	heat_zero(heat);

	/* On a pixel border: split evenly. */
	render_heat_add(heat, 2.0, 3.5, 1);
	ASSERT_NEAR(at(heat, 1, 3), 0.5, 1e-6);
	ASSERT_NEAR(at(heat, 2, 3), 0.5, 1e-6);
	heat_zero(heat);

	/* A quarter right of and a quarter above the centre of (2, 3). */
	render_heat_add(heat, 2.75, 3.25, 4);
	ASSERT_NEAR(at(heat, 2, 2), 0.75, 1e-6);
	ASSERT_NEAR(at(heat, 3, 2), 0.25, 1e-6);
	ASSERT_NEAR(at(heat, 2, 3), 2.25, 1e-6);
	ASSERT_NEAR(at(heat, 3, 3), 0.75, 1e-6);
	ASSERT_NEAR(heat_sum(heat), 4, 1e-6);
	heat_zero(heat);

	/* Outside the raster, NaN, infinities: ignored. */
	render_heat_add(heat, -0.01, 1, 1);
	render_heat_add(heat, 8, 1, 1);
	render_heat_add(heat, 1, 6, 1);
	render_heat_add(heat, 1, -1e300, 1);
	render_heat_add(heat, NAN, 1, 1);
	render_heat_add(heat, 1, NAN, 1);
	render_heat_add(heat, INFINITY, 1, 1);
	render_heat_add(heat, 1, 1, NAN);
	ASSERT_EQ(heat_sum(heat), 0);

	/* In the outer half pixel the weight stays on the edge pixel. */
	render_heat_add(heat, 0.2, 0.5, 1);
	ASSERT_NEAR(at(heat, 0, 0), 1, 1e-6);
	render_heat_add(heat, 7.9, 5.99, 1);
	ASSERT_NEAR(at(heat, 7, 5), 1, 1e-6);
	ASSERT_NEAR(heat_sum(heat), 2, 1e-6);
	render_heat_free(heat);
}

TEST(blur_point_gives_gaussian)
{
	const double sigma = 3, weight = 1000;
	struct render_heat *heat = NULL;
	double expected, d2;
	int dx, dy, d;

	ASSERT_EQ(render_heat_new(61, 61, &heat), 0);
	render_heat_add(heat, 30.5, 30.5, (float)weight);
	ASSERT_EQ(render_heat_blur(heat, sigma), 0);

	/* Peak at the point, and nowhere else as high. */
	ASSERT_EQ(render_heat_max(heat), at(heat, 30, 30));
	ASSERT(at(heat, 30, 30) > at(heat, 31, 30));
	ASSERT(at(heat, 30, 30) > at(heat, 31, 31));
	/* Sum kept: the kernel lies wholly inside. */
	ASSERT_NEAR(heat_sum(heat), weight, weight * 1e-5);
	/* Symmetric left/right, up/down and across the diagonal. */
	for (d = 1; d <= 9; d++) {
		ASSERT_NEAR(at(heat, 30 + d, 30), at(heat, 30 - d, 30), 1e-6);
		ASSERT_NEAR(at(heat, 30, 30 + d), at(heat, 30, 30 - d), 1e-6);
		ASSERT_NEAR(at(heat, 30 + d, 30), at(heat, 30, 30 + d), 1e-6);
		ASSERT_NEAR(at(heat, 30 + d, 30 + 2), at(heat, 30 + 2, 30 + d),
			    1e-6);
	}
	/* The closed form, away from the truncation (which adds ~0.3%). */
	for (dy = 0; dy <= 6; dy++) {
		for (dx = 0; dx <= 6; dx++) {
			d2 = dx * dx + dy * dy;
			expected = weight * exp(-d2 / (2 * sigma * sigma)) /
				   (2 * M_PI * sigma * sigma);
			ASSERT_NEAR(at(heat, 30 + dx, 30 + dy), expected,
				    0.01 * expected);
		}
	}
	/* Truncated at ceil(3 sigma) = 9 px. */
	ASSERT(at(heat, 39, 30) > 0);
	ASSERT_EQ(at(heat, 40, 30), 0);
	ASSERT_EQ(at(heat, 30, 20), 0);
	render_heat_free(heat);
}

TEST(blur_nonpositive_sigma_is_noop)
{
	struct render_heat *heat = NULL;

	ASSERT_EQ(render_heat_new(5, 5, &heat), 0);
	render_heat_add(heat, 2.5, 2.5, 3);
	ASSERT_EQ(render_heat_blur(heat, 0), 0);
	ASSERT_EQ(render_heat_blur(heat, -2), 0);
	ASSERT_EQ(render_heat_blur(heat, NAN), 0);
	ASSERT_EQ(at(heat, 2, 2), 3);
	ASSERT_EQ(heat_sum(heat), 3);
	render_heat_free(heat);
}

/* The separable, vectorised blur against a plain 2-D convolution with zero
 * outside the raster, on rasters wider and narrower than the kernel. */
static void check_against_direct(int w, int h, double sigma)
{
	int radius = (int)ceil(3 * sigma), x, y, i, j, sx, sy;
	struct render_heat *heat = NULL;
	double k[64], ksum = 0, want, got, max = 0;
	float *orig = NULL;
	uint32_t seed = 12345;

	ASSERT(radius < 64);
	for (i = 0; i <= radius; i++) {
		k[i] = exp(-(double)i * i / (2 * sigma * sigma));
		ksum += i ? 2 * k[i] : k[i];
	}
	ASSERT_EQ(render_heat_new(w, h, &heat), 0);
	for (i = 0; i < w * h; i++) {
		seed = seed * 1103515245 + 12345;
		/* Sparse, like clicks: most pixels stay zero. */
		heat->v[i] =
		    (seed >> 16) % 5 == 0 ? (float)((seed >> 8) % 100) : 0;
	}
	orig = malloc((size_t)w * h * sizeof(*orig));
	ASSERT(orig != NULL);
	memcpy(orig, heat->v, (size_t)w * h * sizeof(*orig));
	ASSERT_EQ(render_heat_blur(heat, sigma), 0);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			want = 0;
			for (j = -radius; j <= radius; j++) {
				for (i = -radius; i <= radius; i++) {
					sx = x + i;
					sy = y + j;
					if (sx < 0 || sx >= w || sy < 0 ||
					    sy >= h)
						continue;
					want += orig[sy * w + sx] * k[abs(i)] *
						k[abs(j)] / (ksum * ksum);
				}
			}
			if (want > max)
				max = want;
			got = at(heat, x, y);
			if (fabs(got - want) > 1e-4 + 1e-5 * want) {
				free(orig);
				render_heat_free(heat);
				FAIL_HERE("%dx%d sigma %g at (%d,%d): %.9g vs "
					  "%.9g",
					  w, h, sigma, x, y, got, want);
			}
		}
	}
	free(orig);
	render_heat_free(heat);
	ASSERT(max > 0);
}

TEST(blur_matches_direct_convolution)
{
	check_against_direct(23, 17, 2.2);
	if (test_failed_flag)
		return;
	check_against_direct(5, 40, 4);
	if (test_failed_flag)
		return;
	check_against_direct(40, 3, 1.5);
	if (test_failed_flag)
		return;
	check_against_direct(37, 29, 0.4);
}

TEST(blur_edges_lose_mass)
{
	struct render_heat *heat = NULL;
	double s;

	ASSERT_EQ(render_heat_new(30, 30, &heat), 0);
	render_heat_add(heat, 0.5, 0.5, 1);
	ASSERT_EQ(render_heat_blur(heat, 2), 0);
	/* A corner keeps a bit more than a quarter of its weight. */
	s = heat_sum(heat);
	ASSERT(s > 0.25 && s < 0.5);
	ASSERT_EQ(render_heat_max(heat), at(heat, 0, 0));
	render_heat_free(heat);
}

TEST(two_clusters_two_maxima)
{
	struct render_heat *heat = NULL;
	int x, y, dx, dy, maxima = 0, is_max, found_a = 0, found_b = 0;
	float v, max;

	ASSERT_EQ(render_heat_new(120, 50, &heat), 0);
	for (dy = -1; dy <= 1; dy++) {
		for (dx = -1; dx <= 1; dx++) {
			render_heat_add(heat, 30.5 + dx, 25.5 + dy, 1);
			render_heat_add(heat, 90.5 + dx * 0.5, 20.5 + dy * 0.5,
					2);
		}
	}
	ASSERT_EQ(render_heat_blur(heat, 4), 0);
	max = render_heat_max(heat);
	ASSERT_EQ(max, at(heat, 90, 20)); /* the heavier cluster is hottest */
	for (y = 1; y < heat->h - 1; y++) {
		for (x = 1; x < heat->w - 1; x++) {
			v = at(heat, x, y);
			if (v < 0.01f * max)
				continue;
			is_max = 1;
			for (dy = -1; dy <= 1; dy++)
				for (dx = -1; dx <= 1; dx++)
					if ((dx || dy) &&
					    at(heat, x + dx, y + dy) >= v)
						is_max = 0;
			if (!is_max)
				continue;
			maxima++;
			found_a |= x == 30 && y == 25;
			found_b |= x == 90 && y == 20;
		}
	}
	ASSERT_EQ(maxima, 2);
	ASSERT(found_a);
	ASSERT(found_b);
	render_heat_free(heat);
}

TEST(max_normalises_colours)
{
	struct render_heat *heat = NULL;
	uint8_t *rgba = NULL;

	ASSERT_EQ(render_heat_new(4, 2, &heat), 0);
	ASSERT_EQ(render_heat_max(heat), 0);
	render_heat_add(heat, 1.5, 1.5, 3);
	render_heat_add(heat, 3.5, 0.5, 7);
	ASSERT_EQ(render_heat_max(heat), 7);
	ASSERT_EQ(render_heat_rgba(heat, render_heat_max(heat),
				   RENDER_PALETTE_CLASSIC, &rgba),
		  0);
	/* The hottest pixel is the top of the ramp... */
	ASSERT_EQ(rgba[4 * 3 + 0], 255);
	ASSERT_EQ(rgba[4 * 3 + 1], 0);
	ASSERT_EQ(rgba[4 * 3 + 2], 0);
	ASSERT_EQ(rgba[4 * 3 + 3], 204);
	/* ...3/7 of it is between cyan and green, visible but lighter... */
	ASSERT(rgba[4 * 5 + 3] > 100 && rgba[4 * 5 + 3] < 204);
	ASSERT_EQ(rgba[4 * 5 + 0], 0);
	ASSERT_EQ(rgba[4 * 5 + 1], 255);
	/* ...and where nothing fell stays transparent. */
	ASSERT_EQ(rgba[4 * 0 + 3], 0);
	free(rgba);
	render_heat_free(heat);
}

TEST(palette_endpoints_and_alpha_ramp)
{
	static const float values[] = {0, 2.5f, 5, 7.5f, 10, -3, 20};
	struct render_heat *heat = NULL;
	uint8_t *rgba = NULL;
	int i;

	ASSERT_EQ(render_heat_new(7, 1, &heat), 0);
	memcpy(heat->v, values, sizeof(values));
	ASSERT_EQ(render_heat_rgba(heat, 10, RENDER_PALETTE_CLASSIC, &rgba), 0);
	/* t = 0 transparent; negative clamps to it. */
	ASSERT_EQ(rgba[4 * 0 + 3], 0);
	ASSERT_EQ(rgba[4 * 5 + 3], 0);
	/* t = 0.25 cyan, 0.5 green, 0.75 yellow (within the 256-entry table's
	 * step), 1 red exactly. */
	ASSERT_NEAR(rgba[4 * 1 + 0], 0, 2);
	ASSERT_NEAR(rgba[4 * 1 + 1], 255, 2);
	ASSERT_NEAR(rgba[4 * 1 + 2], 255, 2);
	ASSERT_NEAR(rgba[4 * 2 + 0], 0, 2);
	ASSERT_NEAR(rgba[4 * 2 + 1], 255, 2);
	ASSERT_NEAR(rgba[4 * 2 + 2], 0, 2);
	ASSERT_NEAR(rgba[4 * 3 + 0], 255, 2);
	ASSERT_NEAR(rgba[4 * 3 + 1], 255, 2);
	ASSERT_NEAR(rgba[4 * 3 + 2], 0, 2);
	ASSERT_EQ(rgba[4 * 4 + 0], 255);
	ASSERT_EQ(rgba[4 * 4 + 1], 0);
	ASSERT_EQ(rgba[4 * 4 + 2], 0);
	ASSERT_EQ(rgba[4 * 4 + 3], 204);
	/* Above the norm clamps to the top. */
	ASSERT_EQ(memcmp(rgba + 4 * 6, rgba + 4 * 4, 4), 0);
	/* alpha = 204 * min(1, 1.6 t)^0.8: ~98 already at t = 0.25. */
	ASSERT_NEAR(rgba[4 * 1 + 3], 204 * pow(0.4, 0.8), 1);
	ASSERT_NEAR(rgba[4 * 2 + 3], 204 * pow(0.8, 0.8), 1);
	ASSERT_EQ(rgba[4 * 3 + 3], 204);
	free(rgba);
	rgba = NULL;

	/* Alpha never falls as the value rises. */
	for (i = 0; i < 7; i++)
		heat->v[i] = (float)i / 6;
	ASSERT_EQ(render_heat_rgba(heat, 1, RENDER_PALETTE_VIRIDIS, &rgba), 0);
	for (i = 1; i < 7; i++)
		ASSERT(rgba[4 * i + 3] >= rgba[4 * (i - 1) + 3]);
	ASSERT_EQ(rgba[3], 0);
	/* viridis ends on its yellow. */
	ASSERT_EQ(rgba[4 * 6 + 0], 253);
	ASSERT_EQ(rgba[4 * 6 + 1], 231);
	ASSERT_EQ(rgba[4 * 6 + 2], 37);
	ASSERT_EQ(rgba[4 * 6 + 3], 204);
	free(rgba);
	rgba = NULL;

	ASSERT_EQ(render_heat_rgba(heat, 1, (enum render_palette)7, &rgba),
		  CALOR_EINVAL);
	ASSERT(rgba == NULL);
	render_heat_free(heat);
}

TEST(empty_raster_is_transparent)
{
	struct render_heat *heat = NULL;
	uint8_t *rgba = NULL, *back = NULL;
	uint32_t w = 0, h = 0;
	void *png = NULL;
	size_t len = 0, i;

	ASSERT_EQ(render_heat_new(13, 7, &heat), 0);
	ASSERT_EQ(render_heat_blur(heat, 2.5), 0);
	/* norm = max = 0: every byte zero. */
	ASSERT_EQ(render_heat_rgba(heat, render_heat_max(heat),
				   RENDER_PALETTE_CLASSIC, &rgba),
		  0);
	for (i = 0; i < 13 * 7 * 4; i++)
		ASSERT_EQ(rgba[i], 0);
	ASSERT_EQ(render_png_encode(rgba, 13, 7, &png, &len), 0);
	ASSERT_EQ(png_decode(png, len, &back, &w, &h), 0);
	ASSERT_EQ(w, 13);
	ASSERT_EQ(h, 7);
	ASSERT_EQ(memcmp(back, rgba, 13 * 7 * 4), 0);
	free(back);
	free(png);
	free(rgba);
	rgba = NULL;

	/* A positive norm over nothing: still no alpha anywhere. */
	ASSERT_EQ(render_heat_rgba(heat, 1, RENDER_PALETTE_VIRIDIS, &rgba), 0);
	for (i = 0; i < 13 * 7; i++)
		ASSERT_EQ(rgba[4 * i + 3], 0);
	free(rgba);
	rgba = NULL;

	/* A negative norm over something: transparent too. */
	render_heat_add(heat, 3, 3, 5);
	ASSERT_EQ(render_heat_rgba(heat, -1, RENDER_PALETTE_CLASSIC, &rgba), 0);
	for (i = 0; i < 13 * 7 * 4; i++)
		ASSERT_EQ(rgba[i], 0);
	free(rgba);
	render_heat_free(heat);
}

TEST(one_by_one_raster)
{
	struct render_heat *heat = NULL;
	uint8_t *rgba = NULL, *back = NULL;
	uint32_t w = 0, h = 0;
	void *png = NULL;
	size_t len = 0;
	double k0 = 0;
	int i;

	ASSERT_EQ(render_heat_new(1, 1, &heat), 0);
	render_heat_add(heat, 0.5, 0.5, 2);
	render_heat_add(heat, 0.99, 0.01, 1);
	ASSERT_EQ(at(heat, 0, 0), 3);
	ASSERT_EQ(render_heat_blur(heat, 3), 0);
	/* Only the centre tap lands: 3 * k0^2. */
	for (i = -9; i <= 9; i++)
		k0 += exp(-(double)i * i / 18);
	k0 = 1 / k0;
	ASSERT_NEAR(at(heat, 0, 0), 3 * k0 * k0, 1e-6);
	ASSERT_EQ(render_heat_max(heat), at(heat, 0, 0));
	ASSERT_EQ(render_heat_rgba(heat, render_heat_max(heat),
				   RENDER_PALETTE_CLASSIC, &rgba),
		  0);
	ASSERT_EQ(rgba[0], 255);
	ASSERT_EQ(rgba[1], 0);
	ASSERT_EQ(rgba[2], 0);
	ASSERT_EQ(rgba[3], 204);
	ASSERT_EQ(render_png_encode(rgba, 1, 1, &png, &len), 0);
	ASSERT_EQ(png_decode(png, len, &back, &w, &h), 0);
	ASSERT_EQ(w, 1);
	ASSERT_EQ(h, 1);
	ASSERT_EQ(memcmp(back, rgba, 4), 0);
	free(back);
	free(png);
	free(rgba);
	render_heat_free(heat);
}

TEST(png_round_trips)
{
	const int w = 37, h = 23;
	uint8_t *rgba, *back = NULL;
	uint32_t bw = 0, bh = 0;
	void *png = NULL;
	size_t len = 0;
	int i;

	rgba = malloc((size_t)w * h * 4);
	ASSERT(rgba != NULL);
	for (i = 0; i < w * h * 4; i++)
		rgba[i] = (uint8_t)(i * 7 + (i / 97) * 13);
	ASSERT_EQ(render_png_encode(rgba, w, h, &png, &len), 0);
	ASSERT(len > 8);
	ASSERT_EQ(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);
	ASSERT_EQ(png_decode(png, len, &back, &bw, &bh), 0);
	ASSERT_EQ(bw, w);
	ASSERT_EQ(bh, h);
	ASSERT_EQ(memcmp(back, rgba, (size_t)w * h * 4), 0);
	free(back);
	free(png);
	free(rgba);
}

TEST(png_same_input_same_bytes)
{
	void *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	ASSERT_EQ(render_sample(&a, &alen), 0);
	ASSERT_EQ(render_sample(&b, &blen), 0);
	ASSERT_EQ(alen, blen);
	ASSERT_EQ(memcmp(a, b, alen), 0);
	free(a);
	free(b);
}

TEST(png_rejects_bad_arguments)
{
	static const uint8_t pixel[4];
	void *png = (void *)pixel;
	size_t len = 99;

	ASSERT_EQ(render_png_encode(NULL, 1, 1, &png, &len), CALOR_EINVAL);
	ASSERT_EQ(render_png_encode(pixel, 0, 1, &png, &len), CALOR_EINVAL);
	ASSERT_EQ(render_png_encode(pixel, 1, -5, &png, &len), CALOR_EINVAL);
	ASSERT_EQ(render_png_encode(pixel, INT_MAX, INT_MAX, &png, &len),
		  CALOR_ETOOBIG);
	ASSERT(png == pixel);
	ASSERT_EQ(len, 99);
}

/* ---- batch splatting and threads ---- */

/* Deterministic pseudo-random clicks in clusters, CSS px. */
static float *make_points(size_t n, int w, int h, uint32_t seed)
{
	float *xy = malloc(n * 2 * sizeof(*xy));
	size_t i;

	if (!xy)
		return NULL;
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		/* Half on four hot spots, half anywhere; some off the page. */
		if (seed >> 31) {
			xy[2 * i] =
			    (float)((seed >> 8) % (unsigned)(w + 20)) - 10;
			seed = seed * 1103515245 + 12345;
			xy[2 * i + 1] =
			    (float)((seed >> 8) % (unsigned)(h + 20)) - 10;
		} else {
			xy[2 * i] = (float)(w / 4 * (1 + (seed >> 8) % 3) +
					    (seed >> 12) % 7) +
				    0.25f * ((seed >> 16) % 4);
			xy[2 * i + 1] = (float)(h / 3 * (1 + (seed >> 10) % 2) +
						(seed >> 20) % 9);
		}
	}
	return xy;
}

TEST(add_points_matches_single_adds)
{
	const size_t n = 300000; /* past the bucketing threshold */
	struct render_heat *a = NULL, *b = NULL;
	float *xy = make_points(n, 500, 700, 7);
	size_t i;

	ASSERT(xy != NULL);
	ASSERT_EQ(render_heat_new(250, 350, &a), 0);
	ASSERT_EQ(render_heat_new(250, 350, &b), 0);
	for (i = 0; i < n; i++)
		render_heat_add(a, xy[2 * i] / 2.0, xy[2 * i + 1] / 2.0, 1);
	render_heat_add_points(b, xy, n, 2);
	/* Bit for bit: the same additions in the same order per pixel. */
	ASSERT_EQ(memcmp(a->v, b->v, 250 * 350 * sizeof(float)), 0);
	ASSERT(heat_sum(a) > n / 4);
	/* A few points take the plain path; scale <= 0 adds nothing. */
	heat_zero(a);
	render_heat_add_points(a, xy, 3, 0);
	render_heat_add_points(a, xy, 3, -1);
	render_heat_add_points(a, xy, 3, NAN);
	ASSERT_EQ(heat_sum(a), 0);
	render_heat_add_points(a, xy, 3, 2);
	render_heat_add_points(NULL, xy, 3, 2);
	ASSERT(heat_sum(a) > 0);
	free(xy);
	render_heat_free(a);
	render_heat_free(b);
}

/* The whole raster path at a given thread count: points, blur, p99,
 * indices. */
static int threaded_pass(int threads, const float *xy, size_t n,
			 struct render_heat **ret_heat, float *ret_norm,
			 uint8_t **ret_index)
{
	int rc;

	render_set_threads(threads);
	if ((rc = render_heat_new(640, 480, ret_heat)))
		return rc;
	render_heat_add_points(*ret_heat, xy, n, 1);
	if ((rc = render_heat_blur(*ret_heat, 5.3)) ||
	    (rc = render_heat_norm(*ret_heat, RENDER_NORM_P99, ret_norm)))
		return rc;
	return render_heat_index(*ret_heat, *ret_norm, ret_index);
}

TEST(threads_give_the_same_bytes)
{
	const size_t n = 400000;
	struct render_heat *one = NULL, *many = NULL;
	uint8_t *index_one = NULL, *index_many = NULL;
	float norm_one = 0, norm_many = 0;
	float *xy = make_points(n, 640, 480, 99);
	int threads;

	ASSERT(xy != NULL);
	ASSERT_EQ(render_threads(), 1); /* the default */
	ASSERT_EQ(threaded_pass(1, xy, n, &one, &norm_one, &index_one), 0);
	for (threads = 2; threads <= 5; threads += 3) {
		ASSERT_EQ(threaded_pass(threads, xy, n, &many, &norm_many,
					&index_many),
			  0);
		ASSERT_EQ(render_threads(), threads);
		ASSERT_EQ(memcmp(one->v, many->v, 640 * 480 * sizeof(float)),
			  0);
		ASSERT_EQ(norm_one, norm_many);
		ASSERT_EQ(memcmp(index_one, index_many, 640 * 480), 0);
		render_heat_free(many);
		free(index_many);
		many = NULL;
		index_many = NULL;
	}
	ASSERT(norm_one > 0);
	render_set_threads(0); /* clamped */
	ASSERT_EQ(render_threads(), 1);
	render_set_threads(1000);
	ASSERT_EQ(render_threads(), RENDER_MAX_THREADS);
	render_set_threads(1);
	free(xy);
	free(index_one);
	render_heat_free(one);
}

/* Bands of rows thinner than the kernel is wide: each part's halo reaches
 * well into its neighbours' bands. */
TEST(threads_with_bands_thinner_than_the_kernel)
{
	struct render_heat *one = NULL, *many = NULL;
	int threads, i;

	for (threads = 1; threads <= 5; threads += 2) {
		render_set_threads(threads);
		ASSERT_EQ(render_heat_new(500, 600, &many), 0);
		/* Every row has some, so every row of a halo matters. */
		for (i = 0; i < 3000; i++)
			render_heat_add(many, (i * 53) % 500 + 0.5,
					(i * 37) % 600 + 0.3, 1 + i % 4);
		/* radius 90: a kernel 181 rows tall over bands of 120 */
		ASSERT_EQ(render_heat_blur(many, 30), 0);
		if (!one) {
			one = many;
			many = NULL;
			continue;
		}
		ASSERT_EQ(memcmp(one->v, many->v, 500 * 600 * sizeof(float)),
			  0);
		render_heat_free(many);
		many = NULL;
	}
	render_set_threads(1);
	ASSERT(render_heat_max(one) > 0);
	render_heat_free(one);
}

TEST(sigma_from_radius_and_scale)
{
	ASSERT_NEAR(render_sigma(25, 1), 25.0 / 3, 1e-12);
	ASSERT_NEAR(render_sigma(25, 2), 25.0 / 6, 1e-12);
	/* DPR 2 at one raster px per device px: scale 0.5. */
	ASSERT_NEAR(render_sigma(25, 0.5), 50.0 / 3, 1e-12);
	ASSERT_EQ(render_sigma(0, 1), 0);
	ASSERT_EQ(render_sigma(25, 0), 0);
	ASSERT_EQ(render_sigma(-3, 1), 0);
	ASSERT_EQ(render_sigma(NAN, 1), 0);
}

/* ---- normalisation ---- */

/* ---- differences and the diverging palette ---- */

TEST(palette_parse_names)
{
	enum render_palette p = RENDER_PALETTE_VIRIDIS;

	ASSERT_EQ(render_palette_parse("classic", &p), 0);
	ASSERT_EQ(p, RENDER_PALETTE_CLASSIC);
	ASSERT_EQ(render_palette_parse("viridis", &p), 0);
	ASSERT_EQ(p, RENDER_PALETTE_VIRIDIS);
	ASSERT_EQ(render_palette_parse("Classic", &p), CALOR_EINVAL);
	ASSERT_EQ(render_palette_parse("", &p), CALOR_EINVAL);
	ASSERT_EQ(render_palette_parse("viridis ", &p), CALOR_EINVAL);
	ASSERT_EQ(render_palette_parse(NULL, &p), CALOR_EINVAL);
	ASSERT_EQ(p, RENDER_PALETTE_VIRIDIS);
}

TEST_MAIN(RUN(heat_new_checks_caps); RUN(heat_add_splats_bilinearly);
	  RUN(blur_point_gives_gaussian); RUN(blur_nonpositive_sigma_is_noop);
	  RUN(blur_matches_direct_convolution); RUN(blur_edges_lose_mass);
	  RUN(two_clusters_two_maxima); RUN(max_normalises_colours);
	  RUN(palette_endpoints_and_alpha_ramp);
	  RUN(empty_raster_is_transparent); RUN(one_by_one_raster);
	  RUN(png_round_trips); RUN(png_same_input_same_bytes);
	  RUN(png_rejects_bad_arguments); RUN(add_points_matches_single_adds);
	  RUN(threads_give_the_same_bytes);
	  RUN(threads_with_bands_thinner_than_the_kernel);
	  RUN(sigma_from_radius_and_scale); RUN(palette_parse_names))
