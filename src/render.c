/* SPDX-License-Identifier: MIT */
/* render: the float density raster behind every heatmap — bilinear splatting
 * of points, a separable normalised Gaussian blur, and colouring through a
 * palette with an alpha ramp. PNG encoding lives in render_png.c. */
#include "render.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int render_heat_new(int w, int h, struct render_heat **ret_heat)
{
	struct render_heat *heat = NULL;
	int rc = 0;

	assert(ret_heat);
	if (w < 1 || h < 1) {
		rc = CALOR_EINVAL;
		goto out;
	}
	/* Both factors are at most RENDER_MAX_DIM here, so the 64-bit product
	 * cannot overflow; nothing is allocated before this check. */
	if (w > RENDER_MAX_DIM || h > RENDER_MAX_DIM ||
	    (int64_t)w * h > RENDER_MAX_PIXELS) {
		rc = CALOR_ETOOBIG;
		goto out;
	}
	heat = malloc(sizeof(*heat));
	if (!heat) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	heat->w = w;
	heat->h = h;
	heat->v = calloc((size_t)w * (size_t)h, sizeof(*heat->v));
	if (!heat->v) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	*ret_heat = heat;
	heat = NULL;
out:
	render_heat_free(heat);
	return rc;
}

void render_heat_free(struct render_heat *heat)
{
	if (!heat)
		return;
	free(heat->v);
	free(heat);
}

void render_heat_add(struct render_heat *heat, double x, double y, float weight)
{
	double fx, fy, ax, ay;
	int x0, y0, x1, y1;
	float *v;

	/* The negated comparisons also reject NaN. */
	if (!heat || !(x >= 0 && x < heat->w) || !(y >= 0 && y < heat->h) ||
	    !isfinite(weight))
		return;
	/* Distances from the pixel centre up-left of the point; a point exactly
	 * on a centre lands wholly on that pixel. */
	fx = x - 0.5;
	fy = y - 0.5;
	x0 = (int)floor(fx);
	y0 = (int)floor(fy);
	ax = fx - x0;
	ay = fy - y0;
	x1 = x0 + 1;
	y1 = y0 + 1;
	/* In the outer half pixel the far neighbour lies outside the raster:
	 * fold its share onto the edge pixel so an in-raster point keeps all of
	 * its weight. */
	if (x0 < 0)
		x0 = 0;
	if (x1 > heat->w - 1)
		x1 = heat->w - 1;
	if (y0 < 0)
		y0 = 0;
	if (y1 > heat->h - 1)
		y1 = heat->h - 1;
	v = heat->v;
	v[(size_t)y0 * heat->w + x0] += (float)((1 - ax) * (1 - ay) * weight);
	v[(size_t)y0 * heat->w + x1] += (float)(ax * (1 - ay) * weight);
	v[(size_t)y1 * heat->w + x0] += (float)((1 - ax) * ay * weight);
	v[(size_t)y1 * heat->w + x1] += (float)(ax * ay * weight);
}

float render_heat_max(const struct render_heat *heat)
{
	size_t i, n;
	float max = 0;

	if (!heat)
		return 0;
	n = (size_t)heat->w * (size_t)heat->h;
	for (i = 0; i < n; i++)
		if (heat->v[i] > max)
			max = heat->v[i];
	return max;
}

/* ---- blur ---- */

/* A sigma wider than the largest raster gives a practically flat result;
 * clamping it keeps the kernel allocation bounded. */
#define MAX_SIGMA ((double)RENDER_MAX_DIM)

/* Half of the normalised, truncated kernel: k[0] is the centre tap, k[d] the
 * weight at distance d (1 <= d <= radius). The full kernel sums to 1. */
static void make_kernel(float *k, int radius, double sigma)
{
	double sum = 0, g;
	int d;

	for (d = 0; d <= radius; d++) {
		g = exp(-(double)d * d / (2 * sigma * sigma));
		sum += d == 0 ? g : 2 * g;
		k[d] = (float)g;
	}
	for (d = 0; d <= radius; d++)
		k[d] = (float)(k[d] / sum);
}

/* out[i] = c * a[i], for i < n. */
static void scale(float *restrict out, const float *restrict a, float c, int n)
{
	int i;

	for (i = 0; i < n; i++)
		out[i] = c * a[i];
}

/* out[i] += c * a[i], for i < n. Unrolled by eight so the compiler can turn
 * each group into vector operations even at -O2. */
static void axpy(float *restrict out, const float *restrict a, float c, int n)
{
	int i = 0, j;

	for (; i + 8 <= n; i += 8)
		for (j = 0; j < 8; j++)
			out[i + j] += c * a[i + j];
	for (; i < n; i++)
		out[i] += c * a[i];
}

/* out[i] += c * (a[i] + b[i]), for i < n: two symmetric taps at once. */
static void axpy2(float *restrict out, const float *restrict a,
		  const float *restrict b, float c, int n)
{
	int i = 0, j;

	for (; i + 8 <= n; i += 8)
		for (j = 0; j < 8; j++)
			out[i + j] += c * (a[i + j] + b[i + j]);
	for (; i < n; i++)
		out[i] += c * (a[i] + b[i]);
}

static int row_is_zero(const float *row, int w)
{
	int x;

	for (x = 0; x < w; x++)
		if (row[x] != 0)
			return 0;
	return 1;
}

/* One row of the horizontal pass, in -> out (length w), zero outside the
 * raster. Works tap by tap over the whole row (an axpy each) rather than
 * pixel by pixel, so the inner loops are long, contiguous and vectorisable. */
static void blur_row(float *restrict out, const float *restrict in, int w,
		     const float *k, int radius)
{
	int d, lo, hi;

	/* Empty rows are common in click maps and stay empty. */
	if (row_is_zero(in, w)) {
		memset(out, 0, (size_t)w * sizeof(*out));
		return;
	}
	scale(out, in, k[0], w);
	for (d = 1; d <= radius && d < w; d++) {
		/* x < d sees only its right tap, x >= w - d only its left. */
		lo = d < w - d ? d : w - d;
		hi = d > w - d ? d : w - d;
		axpy(out, in + d, k[d], lo);
		if (d < w - d)
			axpy2(out + d, in, in + 2 * d, k[d], w - 2 * d);
		axpy(out + hi, in + hi - d, k[d], w - hi);
	}
}

/* Output row y of the vertical pass: a weighted sum of whole input rows, so
 * every access walks memory in order and a row of w columns is accumulated
 * at once. */
static void blur_column_row(float *restrict out, const float *restrict in,
			    int w, int h, int y, const float *k, int radius)
{
	size_t stride = (size_t)w;
	int d;

	scale(out, in + (size_t)y * stride, k[0], w);
	for (d = 1; d <= radius && (y - d >= 0 || y + d < h); d++) {
		if (y - d >= 0 && y + d < h)
			axpy2(out, in + (size_t)(y - d) * stride,
			      in + (size_t)(y + d) * stride, k[d], w);
		else if (y - d >= 0)
			axpy(out, in + (size_t)(y - d) * stride, k[d], w);
		else
			axpy(out, in + (size_t)(y + d) * stride, k[d], w);
	}
}

int render_heat_blur(struct render_heat *heat, double sigma)
{
	float *kernel = NULL, *tmp = NULL;
	int radius, y, rc = 0;
	size_t w;

	/* Also a no-op for NaN. */
	if (!heat || !(sigma > 0))
		goto out;
	if (sigma > MAX_SIGMA)
		sigma = MAX_SIGMA;
	radius = (int)ceil(3 * sigma);
	w = (size_t)heat->w;
	kernel = malloc(((size_t)radius + 1) * sizeof(*kernel));
	tmp = malloc(w * (size_t)heat->h * sizeof(*tmp));
	if (!kernel || !tmp) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	make_kernel(kernel, radius, sigma);
	for (y = 0; y < heat->h; y++)
		blur_row(tmp + y * w, heat->v + y * w, heat->w, kernel, radius);
	for (y = 0; y < heat->h; y++)
		blur_column_row(heat->v + y * w, tmp, heat->w, heat->h, y,
				kernel, radius);
out:
	free(kernel);
	free(tmp);
	return rc;
}

/* ---- palettes ---- */

#define LUT_SIZE      256
#define PALETTE_COUNT 2

/* Colour stops, evenly spaced over [0, 1]. */
static const uint8_t classic_stops[][3] = {
    {0, 0, 255},   /* blue */
    {0, 255, 255}, /* cyan */
    {0, 255, 0},   /* green */
    {255, 255, 0}, /* yellow */
    {255, 0, 0},   /* red */
};

/* matplotlib's viridis sampled at ten even steps. */
static const uint8_t viridis_stops[][3] = {
    {68, 1, 84},    {72, 40, 120},  {62, 74, 137},  {49, 104, 142},
    {38, 130, 142}, {31, 158, 137}, {53, 183, 121}, {109, 205, 89},
    {180, 222, 44}, {253, 231, 37},
};

static uint8_t palette_lut[PALETTE_COUNT][LUT_SIZE][4];
static pthread_once_t palette_once = PTHREAD_ONCE_INIT;

static void fill_lut(uint8_t lut[LUT_SIZE][4], const uint8_t (*stops)[3],
		     int nstops)
{
	double t, pos, f, a;
	int i, c, s;

	for (i = 0; i < LUT_SIZE; i++) {
		t = (double)i / (LUT_SIZE - 1);
		pos = t * (nstops - 1);
		s = (int)pos;
		if (s > nstops - 2)
			s = nstops - 2;
		f = pos - s;
		for (c = 0; c < 3; c++)
			lut[i][c] = (uint8_t)lround(stops[s][c] * (1 - f) +
						    stops[s + 1][c] * f);
		/* Alpha = 204 * min(1, 1.6 t)^0.8: 0 where there is no heat so
		 * the page shows through, already ~0.23 of the top at t = 0.1
		 * and ~0.48 at t = 0.25 so moderately warm areas are visible,
		 * and capped at 204 (0.8) from t = 0.625 so even the hottest
		 * spot leaves the page readable. */
		a = fmin(1.0, 1.6 * t);
		lut[i][3] = (uint8_t)lround(204.0 * pow(a, 0.8));
	}
}

static void build_luts(void)
{
	fill_lut(palette_lut[RENDER_PALETTE_CLASSIC], classic_stops,
		 (int)(sizeof(classic_stops) / sizeof(classic_stops[0])));
	fill_lut(palette_lut[RENDER_PALETTE_VIRIDIS], viridis_stops,
		 (int)(sizeof(viridis_stops) / sizeof(viridis_stops[0])));
}

int render_heat_rgba(const struct render_heat *heat, float norm,
		     enum render_palette palette, uint8_t **ret_rgba)
{
	const uint8_t(*lut)[4];
	uint8_t *rgba = NULL;
	size_t i, n;
	float inv, t;
	int idx, rc = 0;

	if (!heat || !ret_rgba || (unsigned)palette >= PALETTE_COUNT) {
		rc = CALOR_EINVAL;
		goto out;
	}
	n = (size_t)heat->w * (size_t)heat->h;
	/* calloc: an all-zero image is the fully transparent one. */
	rgba = calloc(n, 4);
	if (!rgba) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if (!(norm > 0)) {
		*ret_rgba = rgba;
		rgba = NULL;
		goto out;
	}
	pthread_once(&palette_once, build_luts);
	lut = palette_lut[palette];
	inv = 1.0f / norm;
	for (i = 0; i < n; i++) {
		t = heat->v[i] * inv;
		/* Negated so NaN also lands on the transparent entry. */
		if (!(t > 0))
			idx = 0;
		else if (t >= 1)
			idx = LUT_SIZE - 1;
		else
			idx = (int)(t * (LUT_SIZE - 1) + 0.5f);
		memcpy(rgba + 4 * i, lut[idx], 4);
	}
	*ret_rgba = rgba;
	rgba = NULL;
out:
	free(rgba);
	return rc;
}

int render_palette_parse(const char *name, enum render_palette *ret_palette)
{
	int rc = 0;

	if (!name || !ret_palette)
		rc = CALOR_EINVAL;
	else if (strcmp(name, "classic") == 0)
		*ret_palette = RENDER_PALETTE_CLASSIC;
	else if (strcmp(name, "viridis") == 0)
		*ret_palette = RENDER_PALETTE_VIRIDIS;
	else
		rc = CALOR_EINVAL;
	return rc;
}
