/* SPDX-License-Identifier: MIT */
/* Unit tests for render: known answers for splatting, the Gaussian blur
 * (against the closed form and a direct 2-D convolution), normalisation,
 * difference maps, palettes and the alpha ramp, caps, threads giving the
 * same bytes, and PNG bytes decoded back with libspng. Images built from
 * rasters (composite, confetti, bands, decoding) are in
 * test_render_image.c. */
#include "render.h"
#include "test.h"

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

static void heat_zero(struct render_heat *heat)
{
	memset(heat->v, 0, (size_t)heat->w * heat->h * sizeof(*heat->v));
}

/* Decode a PNG to RGBA8 with transparency applied, as a browser does;
 * 0 or -1. *ret_rgba is freed with free(). Independent of
 * render_png_decode(), so the encoder is not checked against itself. */
static int png_decode(const void *png, size_t len, uint8_t **ret_rgba,
		      uint32_t *ret_w, uint32_t *ret_h)
{
	struct spng_ihdr ihdr;
	spng_ctx *ctx = NULL;
	uint8_t *out = NULL;
	size_t size;
	int rc = -1;

	ctx = spng_ctx_new(0);
	if (!ctx || spng_set_png_buffer(ctx, png, len) ||
	    spng_get_ihdr(ctx, &ihdr) ||
	    spng_decoded_image_size(ctx, SPNG_FMT_RGBA8, &size))
		goto out;
	out = malloc(size);
	if (!out ||
	    spng_decode_image(ctx, out, size, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS))
		goto out;
	*ret_rgba = out;
	*ret_w = ihdr.width;
	*ret_h = ihdr.height;
	out = NULL;
	rc = 0;
out:
	free(out);
	spng_ctx_free(ctx);
	return rc;
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

/* ---- differences and the diverging palette ---- */

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
	  RUN(percentile_matches_sorting); RUN(sigma_from_radius_and_scale);
	  RUN(percentile_known_raster);
	  RUN(p99_keeps_the_page_visible_beside_a_hot_button);
	  RUN(norm_parse_names); RUN(diff_of_identical_rasters_is_zero);
	  RUN(diff_per_page_view_and_symmetric_norm);
	  RUN(diverging_palette_endpoints_and_transparent_zero);
	  RUN(indexed_png_decodes_to_the_rgba_pixels);
	  RUN(index_agrees_with_rgba_on_edge_values);
	  RUN(palette_colours_for_legends); RUN(palette_parse_names))
