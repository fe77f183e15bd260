/* SPDX-License-Identifier: MIT */
/* Unit tests for the images render builds beside the density raster:
 * decoding hostile PNGs, resizing and compositing over a background,
 * confetti dots and their sampling, and scroll/attention bands — all
 * against known answers. */
#include "render.h"
#include "test.h"

#include <limits.h>
#include <math.h>
#include <zlib.h>

/* The 8-byte signature, then IHDR: length (8), type (12), width (16),
 * height (20), depth, colour type, ..., CRC over type and data (29). */
#define IHDR_WIDTH 16
#define IHDR_CRC   29

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Fix the CRC of IHDR after editing it. */
static void fix_ihdr_crc(uint8_t *png)
{
	put_u32(png + IHDR_CRC, (uint32_t)crc32(0, png + 12, 17));
}

/* A small valid RGBA PNG of a gradient; caller frees. */
static uint8_t *sample_png(int w, int h, size_t *ret_len)
{
	uint8_t *rgba = malloc((size_t)w * h * 4);
	void *png = NULL;
	int i;

	if (!rgba)
		return NULL;
	for (i = 0; i < w * h; i++) {
		rgba[4 * i] = (uint8_t)(i * 5);
		rgba[4 * i + 1] = (uint8_t)(i * 3 + 7);
		rgba[4 * i + 2] = (uint8_t)(255 - i);
		rgba[4 * i + 3] = (uint8_t)(i % 2 ? 255 : 128);
	}
	if (render_png_encode(rgba, w, h, &png, ret_len))
		png = NULL;
	free(rgba);
	return png;
}

/* A solid-colour PNG. */
static void *solid_png(int w, int h, const uint8_t colour[4], size_t *ret_len)
{
	uint8_t *rgba = malloc((size_t)w * h * 4);
	void *png = NULL;
	int i;

	if (!rgba)
		return NULL;
	for (i = 0; i < w * h; i++)
		memcpy(rgba + 4 * i, colour, 4);
	if (render_png_encode(rgba, w, h, &png, ret_len))
		png = NULL;
	free(rgba);
	return png;
}

/* ---- decoding ---- */

TEST(png_decode_round_trips)
{
	uint8_t *rgba = NULL, *back = NULL, index[12], colours[3 * 4];
	void *png = NULL;
	size_t len = 0;
	int w = 0, h = 0, i;

	/* RGBA. */
	png = sample_png(7, 5, &len);
	ASSERT(png != NULL);
	ASSERT_EQ(render_png_decode(png, len, &back, &w, &h), 0);
	ASSERT_EQ(w, 7);
	ASSERT_EQ(h, 5);
	ASSERT_EQ(back[0], 0);
	ASSERT_EQ(back[3], 128);
	ASSERT_EQ(back[4 * 6 + 0], 30);
	ASSERT_EQ(back[4 * 6 + 3], 128);
	ASSERT_EQ(back[4 * 34 + 2], 255 - 34);
	free(back);
	free(png);

	/* Indexed with transparency: tRNS applied. */
	for (i = 0; i < 12; i++)
		index[i] = (uint8_t)(i % 3);
	for (i = 0; i < 3; i++) {
		colours[4 * i] = (uint8_t)(100 * i);
		colours[4 * i + 1] = 10;
		colours[4 * i + 2] = 20;
		colours[4 * i + 3] = (uint8_t)(i * 120);
	}
	ASSERT_EQ(
	    render_png_encode_indexed(index, 4, 3, colours, 3, &png, &len), 0);
	ASSERT_EQ(render_png_decode(png, len, &back, &w, &h), 0);
	ASSERT_EQ(w, 4);
	ASSERT_EQ(h, 3);
	for (i = 0; i < 12; i++)
		ASSERT_EQ(memcmp(back + 4 * i, colours + 4 * (i % 3), 4), 0);
	free(back);
	free(png);

	/* An index past the palette is refused at encoding. */
	index[5] = 3;
	png = NULL;
	ASSERT_EQ(
	    render_png_encode_indexed(index, 4, 3, colours, 3, &png, &len),
	    CALOR_EINVAL);
	ASSERT_EQ(
	    render_png_encode_indexed(index, 4, 3, colours, 0, &png, &len),
	    CALOR_EINVAL);
	ASSERT_EQ(
	    render_png_encode_indexed(index, 4, 3, colours, 257, &png, &len),
	    CALOR_EINVAL);
	ASSERT(png == NULL);
	(void)rgba;
}

TEST(png_decode_refuses_truncated_input)
{
	uint8_t *png, *back = (uint8_t *)"untouched";
	size_t len = 0, cut;
	int w = -1, h = -1;

	png = sample_png(9, 4, &len);
	ASSERT(png != NULL);
	/* Every prefix, down to nothing, including the one missing only the
	 * end of IEND. */
	for (cut = 0; cut < len; cut++) {
		int rc = render_png_decode(png, cut, &back, &w, &h);

		if (rc != CALOR_EINVAL) {
			free(png);
			FAIL_HERE("prefix of %zu of %zu bytes: %d", cut, len,
				  rc);
		}
	}
	ASSERT_STR((const char *)back, "untouched");
	ASSERT_EQ(w, -1);
	ASSERT_EQ(h, -1);
	free(png);
}

TEST(png_decode_refuses_bad_crc)
{
	uint8_t *png, *back = NULL;
	size_t len = 0;
	int w, h;

	png = sample_png(6, 6, &len);
	ASSERT(png != NULL);
	/* IHDR's CRC off by one bit. */
	png[IHDR_CRC + 3] ^= 1;
	ASSERT_EQ(render_png_decode(png, len, &back, &w, &h), CALOR_EINVAL);
	png[IHDR_CRC + 3] ^= 1;
	ASSERT_EQ(render_png_decode(png, len, &back, &w, &h), 0);
	free(back);
	back = NULL;
	/* A bit of the image data flipped: IDAT's CRC no longer matches. */
	png[IHDR_CRC + 4 + 8 + 3] ^= 0x10;
	ASSERT_EQ(render_png_decode(png, len, &back, &w, &h), CALOR_EINVAL);
	ASSERT(back == NULL);
	free(png);
}

TEST(png_decode_refuses_huge_and_empty_sizes)
{
	static const uint32_t sizes[][3] = {
	    /* width, height, expected: 0 EINVAL, 1 ETOOBIG */
	    {100000, 100000, 1},
	    {RENDER_MAX_DIM + 1, 1, 1},
	    {1, RENDER_MAX_DIM + 1, 1},
	    {8192, 8192, 1}, /* within the side cap, past the pixel cap */
	    {0x7fffffff, 0x7fffffff, 1},
	    {0, 5, 0},
	    {5, 0, 0},
	    {0x80000000u, 1, 0}, /* past PNG's own 2^31 - 1 */
	};
	uint8_t *png, *back = NULL;
	size_t len = 0, i;
	int w, h, rc;

	png = sample_png(3, 3, &len);
	ASSERT(png != NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		put_u32(png + IHDR_WIDTH, sizes[i][0]);
		put_u32(png + IHDR_WIDTH + 4, sizes[i][1]);
		fix_ihdr_crc(png);
		rc = render_png_decode(png, len, &back, &w, &h);
		if (rc != (sizes[i][2] ? CALOR_ETOOBIG : CALOR_EINVAL)) {
			free(png);
			FAIL_HERE("%ux%u: %d", sizes[i][0], sizes[i][1], rc);
		}
	}
	ASSERT(back == NULL);
	/* A size that fits but does not match the data: the data runs out. */
	put_u32(png + IHDR_WIDTH, 300);
	put_u32(png + IHDR_WIDTH + 4, 200);
	fix_ihdr_crc(png);
	ASSERT_EQ(render_png_decode(png, len, &back, &w, &h), CALOR_EINVAL);
	free(png);

	/* Input past the byte cap is refused before it is read. */
	ASSERT_EQ(render_png_decode("\x89PNG", (size_t)RENDER_MAX_PNG_BYTES + 1,
				    &back, &w, &h),
		  CALOR_ETOOBIG);
	ASSERT_EQ(render_png_decode("not a png at all", 16, &back, &w, &h),
		  CALOR_EINVAL);
	ASSERT_EQ(render_png_decode(NULL, 10, &back, &w, &h), CALOR_EINVAL);
	ASSERT(back == NULL);
}

/* Each byte of a valid PNG changed in turn: decoding fails cleanly or
 * succeeds with the right size, and never touches memory it should not
 * (the sanitizers watch). */
TEST(png_decode_survives_every_byte_flip)
{
	uint8_t *png, *back;
	size_t len = 0, i;
	int w, h, rc, ok = 0;

	png = sample_png(5, 4, &len);
	ASSERT(png != NULL);
	for (i = 0; i < len; i++) {
		png[i] ^= 0xa5;
		back = NULL;
		w = h = 0;
		rc = render_png_decode(png, len, &back, &w, &h);
		png[i] ^= 0xa5;
		if (rc == 0) {
			ok++;
			free(back);
			if (w < 1 || h < 1 ||
			    (int64_t)w * h > RENDER_MAX_PIXELS) {
				free(png);
				FAIL_HERE("flip at %zu: %dx%d", i, w, h);
			}
		} else if (rc != CALOR_EINVAL && rc != CALOR_ETOOBIG) {
			free(png);
			FAIL_HERE("flip at %zu: %d", i, rc);
		}
	}
	/* CRCs catch almost every flip. */
	ASSERT(ok < (int)len / 4);
	free(png);
}

/* ---- compositing ---- */

TEST(over_known_blends)
{
	uint8_t dst[4 * 4] = {
	    0, 0, 255, 255,		    /* opaque blue */
	    0, 0, 255, 255, 0, 0, 255, 128, /* half-transparent blue */
	    9, 9, 9,   0,		    /* nothing */
	};
	const uint8_t src[4 * 4] = {
	    255, 0,  0,	 204, /* the heat palette's top over opaque: blend */
	    1,	 2,  3,	 0,   /* transparent: dst unchanged */
	    255, 0,  0,	 128, /* over half-transparent */
	    10,	 20, 30, 77,  /* over nothing: itself */
	};

	render_rgba_over(dst, src, 4);
	/* (255 * 204 + 0 * 51) / 255 = 204; (255 * 51) / 255 = 51. */
	ASSERT_EQ(dst[0], 204);
	ASSERT_EQ(dst[1], 0);
	ASSERT_EQ(dst[2], 51);
	ASSERT_EQ(dst[3], 255);
	ASSERT_EQ(dst[4], 0);
	ASSERT_EQ(dst[6], 255);
	ASSERT_EQ(dst[7], 255);
	/* a = .502 + .502 * .498 = .752: 192; r = 255 * .502 / .752 = 170;
	 * b = 255 * .502 * .498 / .752 = 85. */
	ASSERT_EQ(dst[8], 170);
	ASSERT_EQ(dst[9], 0);
	ASSERT_EQ(dst[10], 85);
	ASSERT_EQ(dst[11], 192);
	ASSERT_EQ(dst[12], 10);
	ASSERT_EQ(dst[13], 20);
	ASSERT_EQ(dst[14], 30);
	ASSERT_EQ(dst[15], 77);
}

TEST(resize_known_answers)
{
	const uint8_t quad[4 * 4] = {
	    255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255,
	};
	const uint8_t half[2 * 4] = {255, 0, 0, 255, 0, 0, 0, 0};
	uint8_t *out = NULL, colour[4] = {12, 34, 56, 255}, *solid;
	int i;

	/* 2x2 to 1x1: the mean of the four. */
	ASSERT_EQ(render_rgba_resize(quad, 2, 2, 1, 1, &out), 0);
	ASSERT_EQ(out[0], 128);
	ASSERT_EQ(out[1], 128);
	ASSERT_EQ(out[2], 128);
	ASSERT_EQ(out[3], 255);
	free(out);
	/* Transparent black does not darken its neighbour: weighted by
	 * alpha, the colour is red's, at half opacity. */
	ASSERT_EQ(render_rgba_resize(half, 2, 1, 1, 1, &out), 0);
	ASSERT_EQ(out[0], 255);
	ASSERT_EQ(out[1], 0);
	ASSERT_EQ(out[3], 128);
	free(out);
	/* A solid colour stays itself at any size, up or down. */
	solid = malloc(30 * 20 * 4);
	ASSERT(solid != NULL);
	for (i = 0; i < 30 * 20; i++)
		memcpy(solid + 4 * i, colour, 4);
	ASSERT_EQ(render_rgba_resize(solid, 30, 20, 7, 45, &out), 0);
	for (i = 0; i < 7 * 45; i++)
		ASSERT_EQ(memcmp(out + 4 * i, colour, 4), 0);
	free(out);
	ASSERT_EQ(render_rgba_resize(solid, 30, 20, 30, 20, &out), 0);
	ASSERT_EQ(memcmp(out, solid, 30 * 20 * 4), 0);
	free(out);
	out = NULL;
	ASSERT_EQ(render_rgba_resize(solid, 30, 20, 0, 5, &out), CALOR_EINVAL);
	ASSERT_EQ(render_rgba_resize(solid, 30, 20, 40000, 5, &out),
		  CALOR_ETOOBIG);
	ASSERT(out == NULL);
	free(solid);
}

TEST(composite_over_background_png)
{
	const uint8_t blue[4] = {0, 0, 255, 255};
	uint8_t overlay[3 * 2 * 4] = {0}, *back = NULL;
	void *bg = NULL, *png = NULL;
	size_t bg_len = 0, len = 0;
	int w = 0, h = 0, i;

	/* The heat palette's top in one corner, nothing elsewhere, over a
	 * background twice the size. */
	overlay[0] = 255;
	overlay[3] = 204;
	bg = solid_png(6, 4, blue, &bg_len);
	ASSERT(bg != NULL);
	ASSERT_EQ(render_composite_png(overlay, 3, 2, bg, bg_len, &png, &len),
		  0);
	ASSERT_EQ(render_png_decode(png, len, &back, &w, &h), 0);
	ASSERT_EQ(w, 3);
	ASSERT_EQ(h, 2);
	/* Opaque everywhere; the blend where the heat is, the page
	 * elsewhere. */
	for (i = 0; i < 6; i++)
		ASSERT_EQ(back[4 * i + 3], 255);
	ASSERT_EQ(back[0], 204);
	ASSERT_EQ(back[1], 0);
	ASSERT_EQ(back[2], 51);
	for (i = 1; i < 6; i++)
		ASSERT_EQ(memcmp(back + 4 * i, blue, 4), 0);
	free(back);
	free(png);
	png = NULL;

	/* A broken background is the caller's input error. */
	((uint8_t *)bg)[IHDR_CRC] ^= 0xff;
	ASSERT_EQ(render_composite_png(overlay, 3, 2, bg, bg_len, &png, &len),
		  CALOR_EINVAL);
	ASSERT_EQ(render_composite_png(overlay, 3, 2, bg, 5, &png, &len),
		  CALOR_EINVAL);
	ASSERT(png == NULL);
	free(bg);
}

/* ---- confetti ---- */

static const uint8_t *pixel(const uint8_t *rgba, int w, int x, int y)
{
	return rgba + 4 * ((size_t)y * w + x);
}

TEST(confetti_dot_colour_and_edge)
{
	struct render_point points[2] = {
	    {20.5f, 10.5f, 1},	/* vermillion, on a pixel centre */
	    {60.5f, 30.5f, 12}, /* past 7: drawn as 7, black */
	};
	uint8_t *rgba = NULL, rgb[3];
	const uint8_t *p;

	ASSERT_EQ(render_confetti_rgba(points, 2, 0, 80, 40, 1, 4, &rgba), 0);
	p = pixel(rgba, 80, 20, 10);
	ASSERT_EQ(p[0], 213);
	ASSERT_EQ(p[1], 94);
	ASSERT_EQ(p[2], 0);
	ASSERT_EQ(p[3], 224);
	/* Inside, 3 px away: full; on the radius: half covered; half a
	 * pixel beyond it: nothing. */
	ASSERT_EQ(pixel(rgba, 80, 23, 10)[3], 224);
	ASSERT_EQ(pixel(rgba, 80, 24, 10)[3], 112);
	ASSERT_EQ(pixel(rgba, 80, 20, 14)[3], 112);
	ASSERT_EQ(pixel(rgba, 80, 25, 10)[3], 0);
	/* Far away: transparent. */
	ASSERT_EQ(memcmp(pixel(rgba, 80, 40, 20), "\0\0\0\0", 4), 0);
	ASSERT_EQ(memcmp(pixel(rgba, 80, 0, 0), "\0\0\0\0", 4), 0);
	p = pixel(rgba, 80, 60, 30);
	ASSERT_EQ(p[0] | p[1] | p[2], 0);
	ASSERT_EQ(p[3], 224);
	free(rgba);

	/* Scale 2: CSS (41, 21) is raster (20.5, 10.5), radius 8 CSS is 4. */
	points[0].x = 41;
	points[0].y = 21;
	ASSERT_EQ(render_confetti_rgba(points, 1, 0, 40, 20, 2, 8, &rgba), 0);
	ASSERT_EQ(pixel(rgba, 40, 20, 10)[3], 224);
	ASSERT_EQ(pixel(rgba, 40, 24, 10)[3], 112);
	free(rgba);

	render_confetti_colour(0, rgb);
	ASSERT_EQ(rgb[0], 0);
	ASSERT_EQ(rgb[1], 114);
	ASSERT_EQ(rgb[2], 178);
	render_confetti_colour(6, rgb);
	ASSERT_EQ(rgb[0], 240);
	render_confetti_colour(UINT32_MAX, rgb);
	ASSERT_EQ(rgb[0] | rgb[1] | rgb[2], 0);

	rgba = NULL;
	ASSERT_EQ(render_confetti_rgba(points, 1, 0, 40, 20, 0, 8, &rgba),
		  CALOR_EINVAL);
	ASSERT_EQ(render_confetti_rgba(points, 1, 0, 40, 20, 1, NAN, &rgba),
		  CALOR_EINVAL);
	ASSERT_EQ(render_confetti_rgba(NULL, 1, 0, 40, 20, 1, 3, &rgba),
		  CALOR_EINVAL);
	ASSERT_EQ(render_confetti_rgba(points, 1, 0, 40000, 20, 1, 3, &rgba),
		  CALOR_ETOOBIG);
	ASSERT(rgba == NULL);
	/* No points: a transparent canvas. */
	ASSERT_EQ(render_confetti_rgba(NULL, 0, 0, 3, 2, 1, 3, &rgba), 0);
	ASSERT_EQ(
	    memcmp(rgba, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24),
	    0);
	free(rgba);
}

TEST(confetti_sampling_is_deterministic)
{
	size_t *a = NULL, *b = NULL, na = 0, nb = 0, i, sum = 0, low = 0;
	struct render_point *points;
	uint8_t *one = NULL, *two = NULL;

	ASSERT_EQ(render_confetti_sample(100000, 1000, &a, &na), 0);
	ASSERT_EQ(render_confetti_sample(100000, 1000, &b, &nb), 0);
	ASSERT_EQ(na, 1000);
	ASSERT_EQ(nb, 1000);
	ASSERT_EQ(memcmp(a, b, na * sizeof(*a)), 0);
	for (i = 0; i < na; i++) {
		if (i)
			ASSERT(a[i] >
			       a[i - 1]); /* in input order, no repeats */
		ASSERT(a[i] < 100000);
		sum += a[i];
		low += a[i] < 50000;
	}
	/* Uniform: the mean index near the middle, half in each half (both
	 * far inside what chance allows for 1000 draws). */
	ASSERT_NEAR((double)sum / na, 50000, 3000);
	ASSERT_NEAR((double)low, 500, 60);
	free(a);
	free(b);

	/* At or under the cap: every point. 0 means the default cap. */
	ASSERT_EQ(render_confetti_sample(5, 5, &a, &na), 0);
	ASSERT_EQ(na, 5);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(a[i], i);
	free(a);
	ASSERT_EQ(
	    render_confetti_sample(RENDER_CONFETTI_MAX_POINTS + 10, 0, &a, &na),
	    0);
	ASSERT_EQ(na, RENDER_CONFETTI_MAX_POINTS);
	free(a);
	a = (size_t *)&na;
	ASSERT_EQ(render_confetti_sample(0, 10, &a, &na), 0);
	ASSERT(a == NULL);
	ASSERT_EQ(na, 0);

	/* Over the cap, the drawn image is the same bytes every time. */
	points = malloc(5000 * sizeof(*points));
	ASSERT(points != NULL);
	for (i = 0; i < 5000; i++) {
		points[i].x = (float)(i * 37 % 300);
		points[i].y = (float)(i * 91 % 200);
		points[i].category = (uint32_t)(i % 8);
	}
	ASSERT_EQ(render_confetti_rgba(points, 5000, 700, 300, 200, 1, 3, &one),
		  0);
	ASSERT_EQ(render_confetti_rgba(points, 5000, 700, 300, 200, 1, 3, &two),
		  0);
	ASSERT_EQ(memcmp(one, two, 300 * 200 * 4), 0);
	free(one);
	free(two);
	free(points);
}

/* ---- bands ---- */

TEST(bands_colours_and_lines)
{
	float values[RENDER_BANDS] = {0};
	struct render_band_lines lines = {100, {-1, NAN, -1}};
	uint8_t *rgba = NULL, *again = NULL;
	const uint8_t *p;
	int x;

	/* Scroll reach: everyone sees band 0, nobody band 99; norm 1. A
	 * 40 x 400 image at scale 2: band i is rows 4i .. 4i + 3. */
	values[0] = 1;
	values[50] = 0.5f;
	values[99] = 0;
	ASSERT_EQ(render_bands_rgba(values, 1, RENDER_PALETTE_CLASSIC, &lines,
				    40, 400, 2, &rgba),
		  0);
	/* Value 1: the palette's top colour, at the band alpha's top. */
	p = pixel(rgba, 40, 7, 2);
	ASSERT_EQ(p[0], 255);
	ASSERT_EQ(p[1], 0);
	ASSERT_EQ(p[2], 0);
	ASSERT_EQ(p[3], 160);
	/* Value 0: the bottom colour, still visible. */
	p = pixel(rgba, 40, 7, 398);
	ASSERT_EQ(p[0], 0);
	ASSERT_EQ(p[1], 0);
	ASSERT_EQ(p[2], 255);
	ASSERT_EQ(p[3], 64);
	/* 0.5: green, alpha halfway. */
	p = pixel(rgba, 40, 7, 201);
	ASSERT_EQ(p[1], 255);
	ASSERT_EQ(p[3], 112);
	/* The fold at 100 CSS px: row 50, one row thick at scale 2, across
	 * the whole width; rows 49 and 51 are band. */
	for (x = 0; x < 40; x++)
		ASSERT_EQ(memcmp(pixel(rgba, 40, x, 50), "\0\0\0\xff", 4), 0);
	ASSERT(pixel(rgba, 40, 0, 49)[3] != 255);
	ASSERT(pixel(rgba, 40, 0, 51)[3] != 255);
	/* Same input, same bytes. */
	ASSERT_EQ(render_bands_rgba(values, 1, RENDER_PALETTE_CLASSIC, &lines,
				    40, 400, 2, &again),
		  0);
	ASSERT_EQ(memcmp(rgba, again, 40 * 400 * 4), 0);
	free(again);
	free(rgba);

	/* Reach lines dashed (8 on, 6 off CSS px: 4 and 3 px at scale 2),
	 * dark grey; at scale 1 the fold is 2 rows thick. */
	lines.reach_y[0] = 30;
	lines.reach_y[1] = 250.7;
	ASSERT_EQ(render_bands_rgba(values, 1, RENDER_PALETTE_VIRIDIS, &lines,
				    40, 400, 2, &rgba),
		  0);
	ASSERT_EQ(memcmp(pixel(rgba, 40, 0, 15), "\x30\x30\x30\xff", 4), 0);
	ASSERT_EQ(memcmp(pixel(rgba, 40, 3, 15), "\x30\x30\x30\xff", 4), 0);
	ASSERT(pixel(rgba, 40, 4, 15)[3] != 255);
	ASSERT(pixel(rgba, 40, 6, 15)[3] != 255);
	ASSERT_EQ(memcmp(pixel(rgba, 40, 7, 15), "\x30\x30\x30\xff", 4), 0);
	ASSERT_EQ(memcmp(pixel(rgba, 40, 0, 125), "\x30\x30\x30\xff", 4), 0);
	free(rgba);
	ASSERT_EQ(render_bands_rgba(values, 1, RENDER_PALETTE_VIRIDIS, &lines,
				    20, 200, 1, &rgba),
		  0);
	ASSERT_EQ(memcmp(pixel(rgba, 20, 5, 100), "\0\0\0\xff", 4), 0);
	ASSERT_EQ(memcmp(pixel(rgba, 20, 5, 101), "\0\0\0\xff", 4), 0);
	ASSERT(pixel(rgba, 20, 5, 102)[3] != 255);
	free(rgba);
}

TEST(bands_attention_norm_and_small_images)
{
	float values[RENDER_BANDS];
	uint8_t *rgba = NULL, top[4];
	int i, y;

	/* Dwell ms, norm 0: the largest band gets the top colour. */
	for (i = 0; i < RENDER_BANDS; i++)
		values[i] = (float)(i * 10);
	values[3] = NAN;
	ASSERT_EQ(render_bands_rgba(values, 0, RENDER_PALETTE_VIRIDIS, NULL, 3,
				    100, 1, &rgba),
		  0);
	ASSERT_EQ(render_palette_rgba(RENDER_PALETTE_VIRIDIS, 1, top), 0);
	ASSERT_EQ(memcmp(pixel(rgba, 3, 1, 99), top, 3), 0);
	ASSERT_EQ(pixel(rgba, 3, 1, 99)[3], 160);
	ASSERT_EQ(pixel(rgba, 3, 1, 3)[3], 64); /* NaN is 0 */
	ASSERT_EQ(pixel(rgba, 3, 1, 0)[3], 64);
	free(rgba);

	/* Fewer rows than bands: every row still coloured, by the band that
	 * holds it. */
	ASSERT_EQ(render_bands_rgba(values, 0, RENDER_PALETTE_CLASSIC, NULL, 2,
				    7, 1, &rgba),
		  0);
	for (y = 0; y < 7; y++)
		ASSERT(pixel(rgba, 2, 0, y)[3] >= 64);
	free(rgba);

	/* All zero: cold everywhere, not an error. */
	memset(values, 0, sizeof(values));
	ASSERT_EQ(render_bands_rgba(values, 0, RENDER_PALETTE_CLASSIC, NULL, 2,
				    100, 1, &rgba),
		  0);
	ASSERT_EQ(pixel(rgba, 2, 0, 50)[3], 64);
	free(rgba);

	rgba = NULL;
	ASSERT_EQ(render_bands_rgba(NULL, 1, RENDER_PALETTE_CLASSIC, NULL, 2,
				    100, 1, &rgba),
		  CALOR_EINVAL);
	ASSERT_EQ(render_bands_rgba(values, 1, (enum render_palette)4, NULL, 2,
				    100, 1, &rgba),
		  CALOR_EINVAL);
	ASSERT_EQ(render_bands_rgba(values, 1, RENDER_PALETTE_CLASSIC, NULL, 2,
				    100, 0, &rgba),
		  CALOR_EINVAL);
	ASSERT_EQ(render_bands_rgba(values, 1, RENDER_PALETTE_CLASSIC, NULL,
				    INT_MAX, INT_MAX, 1, &rgba),
		  CALOR_ETOOBIG);
	ASSERT(rgba == NULL);
}

TEST_MAIN(RUN(png_decode_round_trips); RUN(png_decode_refuses_truncated_input);
	  RUN(png_decode_refuses_bad_crc);
	  RUN(png_decode_refuses_huge_and_empty_sizes);
	  RUN(png_decode_survives_every_byte_flip); RUN(over_known_blends);
	  RUN(resize_known_answers); RUN(composite_over_background_png);
	  RUN(confetti_dot_colour_and_edge);
	  RUN(confetti_sampling_is_deterministic); RUN(bands_colours_and_lines);
	  RUN(bands_attention_norm_and_small_images))
