/* SPDX-License-Identifier: MIT */
/* render_palette: colours — the heat palettes (classic, viridis) and the
 * diverging palette for difference maps as lookup tables with an alpha
 * ramp, and colouring a raster through them to RGBA or to an indexed PNG. */
#include "render.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "render_int.h"

/* Eight floats, their int32 bit masks, eight bytes (GCC/Clang vector
 * extensions); GCC also builds an AVX2 clone of the loop using them. */
#define VF_WIDTH 8
typedef float vf __attribute__((vector_size(VF_WIDTH * sizeof(float))));
typedef int32_t vi __attribute__((vector_size(VF_WIDTH * sizeof(int32_t))));
typedef uint8_t vb __attribute__((vector_size(VF_WIDTH)));
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VF_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VF_CLONES
#endif

/* Heat: t in [0, 1] in 256 steps. Difference: t in [-1, 1] in 255 steps,
 * DIFF_ZERO the centre, so both fit a PNG palette. */
#define LUT_SIZE      256
#define DIFF_SIZE     255
#define DIFF_ZERO     127
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

/* ColorBrewer's 11-class RdBu, evenly spaced over [-1, 1]: blue for less
 * than the other set, white for the same, red for more; it stays readable
 * for the common colour-vision deficiencies. */
static const uint8_t diverging_stops[][3] = {
    {5, 48, 97},     {33, 102, 172},  {67, 147, 195},  {146, 197, 222},
    {209, 229, 240}, {247, 247, 247}, {253, 219, 199}, {244, 165, 130},
    {214, 96, 77},   {178, 24, 43},   {103, 0, 31},
};

static uint8_t palette_lut[PALETTE_COUNT][LUT_SIZE][4];
static uint8_t diff_lut[DIFF_SIZE][4];
static pthread_once_t palette_once = PTHREAD_ONCE_INIT;

/* Alpha = 204 * min(1, 1.6 t)^0.8 for t = |value / norm|: 0 where there is
 * no heat so the page shows through, already ~0.23 of the top at t = 0.1
 * and ~0.48 at t = 0.25 so moderately warm areas are visible, and capped at
 * 204 (0.8) from t = 0.625 so even the hottest spot leaves the page
 * readable. */
static uint8_t ramp_alpha(double t)
{
	return (uint8_t)lround(204.0 * pow(fmin(1.0, 1.6 * t), 0.8));
}

/* The colour at t in [0, 1] along evenly spaced stops, into rgb[3]. */
static void interpolate(const uint8_t (*stops)[3], int nstops, double t,
			uint8_t *rgb)
{
	double pos = t * (nstops - 1), f;
	int s = (int)pos, c;

	if (s > nstops - 2)
		s = nstops - 2;
	f = pos - s;
	for (c = 0; c < 3; c++)
		rgb[c] = (uint8_t)lround(stops[s][c] * (1 - f) +
					 stops[s + 1][c] * f);
}

static void fill_lut(uint8_t lut[LUT_SIZE][4], const uint8_t (*stops)[3],
		     int nstops)
{
	double t;
	int i;

	for (i = 0; i < LUT_SIZE; i++) {
		t = (double)i / (LUT_SIZE - 1);
		interpolate(stops, nstops, t, lut[i]);
		lut[i][3] = ramp_alpha(t);
	}
	/* Fully transparent pixels are all-zero bytes, whatever the palette:
	 * the same as an image with nothing to show, and cheaper to deflate. */
	memset(lut[0], 0, 4);
}

static void build_luts(void)
{
	int nstops =
	    (int)(sizeof(diverging_stops) / sizeof(diverging_stops[0]));
	double t;
	int i;

	fill_lut(palette_lut[RENDER_PALETTE_CLASSIC], classic_stops,
		 (int)(sizeof(classic_stops) / sizeof(classic_stops[0])));
	fill_lut(palette_lut[RENDER_PALETTE_VIRIDIS], viridis_stops,
		 (int)(sizeof(viridis_stops) / sizeof(viridis_stops[0])));
	for (i = 0; i < DIFF_SIZE; i++) {
		t = (double)(i - DIFF_ZERO) / DIFF_ZERO; /* -1 .. 1 */
		interpolate(diverging_stops, nstops, (t + 1) / 2, diff_lut[i]);
		diff_lut[i][3] = ramp_alpha(fabs(t));
	}
}

/* Heat LUT index of value * inv (inv = 1 / norm): the nearest of 256 steps
 * over [0, 1]; negative and NaN give 0. */
static inline uint8_t heat_index(float value, float inv)
{
	float t = value * inv;

	/* Negated so NaN also lands on the transparent entry. */
	if (!(t > 0))
		return 0;
	if (t >= 1)
		return LUT_SIZE - 1;
	return (uint8_t)(t * (LUT_SIZE - 1) + 0.5f);
}

/* Diverging LUT index of value * inv: the nearest of 255 steps over
 * [-1, 1]; NaN gives the centre. */
static inline uint8_t diff_index(float value, float inv)
{
	float t = value * inv;
	int steps;

	if (isnan(t))
		return DIFF_ZERO;
	if (t <= -1)
		return 0;
	if (t >= 1)
		return DIFF_SIZE - 1;
	/* Rounded by magnitude so -t and t land equally far from the centre
	 * (the truncating cast of a positive value rounds to nearest). */
	steps = (int)(fabsf(t) * DIFF_ZERO + 0.5f);
	return (uint8_t)(t < 0 ? DIFF_ZERO - steps : DIFF_ZERO + steps);
}

struct colour_job {
	const float *v;
	size_t n;
	float inv;
	uint8_t *out; /* one index or four RGBA bytes per pixel */
	const uint8_t (*lut)[4];
};

/* heat_index() eight pixels at a time, without branches: clamping by bit
 * masks (a NaN compares false and is cleared to 0), then the same multiply,
 * add and truncation, so the bytes are heat_index()'s. */
VF_CLONES static void index_run(const float *restrict v, uint8_t *restrict out,
				size_t n, float inv)
{
	const vf zero = {0}, one = zero + 1, top = zero + (LUT_SIZE - 1),
		 half = zero + 0.5f;
	size_t i = 0;
	vf t;
	vi mask;
	vb bytes;

	for (; i + VF_WIDTH <= n; i += VF_WIDTH) {
		memcpy(&t, v + i, sizeof(t));
		t *= inv;
		mask = t > zero;
		t = (vf)((vi)t & mask);
		mask = t < one;
		t = (vf)(((vi)t & mask) | ((vi)one & ~mask));
		bytes = __builtin_convertvector(
		    __builtin_convertvector(t * top + half, vi), vb);
		memcpy(out + i, &bytes, sizeof(bytes));
	}
	for (; i < n; i++)
		out[i] = heat_index(v[i], inv);
}

static void index_part(void *ctx, int part, int parts)
{
	struct colour_job *job = ctx;
	size_t lo, hi;

	render_part_range(job->n, part, parts, &lo, &hi);
	index_run(job->v + lo, job->out + lo, hi - lo, job->inv);
}

static void rgba_part(void *ctx, int part, int parts)
{
	struct colour_job *job = ctx;
	size_t i, lo, hi;

	render_part_range(job->n, part, parts, &lo, &hi);
	for (i = lo; i < hi; i++)
		memcpy(job->out + 4 * i,
		       job->lut[heat_index(job->v[i], job->inv)], 4);
}

int render_heat_rgba(const struct render_heat *heat, float norm,
		     enum render_palette palette, uint8_t **ret_rgba)
{
	struct colour_job job;
	uint8_t *rgba = NULL;
	int rc = 0;

	if (!heat || !ret_rgba || (unsigned)palette >= PALETTE_COUNT) {
		rc = CALOR_EINVAL;
		goto out;
	}
	pthread_once(&palette_once, build_luts);
	job.v = heat->v;
	job.n = (size_t)heat->w * (size_t)heat->h;
	rgba = malloc(job.n * 4);
	if (!rgba) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	/* norm <= 0 (or NaN): inv = 0 puts every pixel on entry 0, all zero
	 * bytes: the fully transparent image. */
	job.inv = norm > 0 ? 1.0f / norm : 0;
	job.out = rgba;
	job.lut = palette_lut[palette];
	render_parallel(rgba_part, &job, render_parts(job.n));
	*ret_rgba = rgba;
	rgba = NULL;
out:
	free(rgba);
	return rc;
}

int render_heat_index(const struct render_heat *heat, float norm,
		      uint8_t **ret_index)
{
	struct colour_job job;
	uint8_t *index = NULL;
	int rc = 0;

	if (!heat || !ret_index) {
		rc = CALOR_EINVAL;
		goto out;
	}
	job.v = heat->v;
	job.n = (size_t)heat->w * (size_t)heat->h;
	index = malloc(job.n);
	if (!index) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	/* norm <= 0 (or NaN): inv = 0 puts every pixel on entry 0. */
	job.inv = norm > 0 ? 1.0f / norm : 0;
	job.out = index;
	render_parallel(index_part, &job, render_parts(job.n));
	*ret_index = index;
	index = NULL;
out:
	free(index);
	return rc;
}

const uint8_t *render_palette_colours(enum render_palette palette)
{
	if ((unsigned)palette >= PALETTE_COUNT)
		return NULL;
	pthread_once(&palette_once, build_luts);
	return &palette_lut[palette][0][0];
}

int render_heat_png(const struct render_heat *heat, float norm,
		    enum render_palette palette, void **ret_png,
		    size_t *ret_len)
{
	const uint8_t *colours = render_palette_colours(palette);
	uint8_t *index = NULL;
	int rc;

	if (!colours || !ret_png || !ret_len) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if ((rc = render_heat_index(heat, norm, &index)))
		goto out;
	rc = render_png_encode_indexed(index, heat->w, heat->h, colours,
				       LUT_SIZE, ret_png, ret_len);
out:
	free(index);
	return rc;
}

int render_diff_rgba(const struct render_heat *diff, float norm,
		     uint8_t **ret_rgba)
{
	uint8_t *rgba = NULL;
	size_t i, n;
	float inv;
	int rc = 0;

	if (!diff || !ret_rgba) {
		rc = CALOR_EINVAL;
		goto out;
	}
	pthread_once(&palette_once, build_luts);
	n = (size_t)diff->w * (size_t)diff->h;
	rgba = malloc(n * 4);
	if (!rgba) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	/* norm <= 0 (or NaN): inv = 0 puts every pixel on the centre. */
	inv = norm > 0 ? 1.0f / norm : 0;
	for (i = 0; i < n; i++)
		memcpy(rgba + 4 * i, diff_lut[diff_index(diff->v[i], inv)], 4);
	*ret_rgba = rgba;
	rgba = NULL;
out:
	free(rgba);
	return rc;
}

int render_diff_png(const struct render_heat *diff, float norm, void **ret_png,
		    size_t *ret_len)
{
	uint8_t *index = NULL;
	size_t i, n;
	float inv;
	int rc = 0;

	if (!diff || !ret_png || !ret_len) {
		rc = CALOR_EINVAL;
		goto out;
	}
	pthread_once(&palette_once, build_luts);
	n = (size_t)diff->w * (size_t)diff->h;
	index = malloc(n);
	if (!index) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	inv = norm > 0 ? 1.0f / norm : 0;
	for (i = 0; i < n; i++)
		index[i] = diff_index(diff->v[i], inv);
	rc = render_png_encode_indexed(index, diff->w, diff->h, &diff_lut[0][0],
				       DIFF_SIZE, ret_png, ret_len);
out:
	free(index);
	return rc;
}

int render_palette_rgba(enum render_palette palette, double t, uint8_t rgba[4])
{
	if ((unsigned)palette >= PALETTE_COUNT || !rgba)
		return CALOR_EINVAL;
	/* Straight from the stops rather than the table, whose first entry is
	 * blanked: a legend or a cold band wants the colour at t = 0 too. */
	t = !(t > 0) ? 0 : t > 1 ? 1 : t;
	if (palette == RENDER_PALETTE_CLASSIC)
		interpolate(
		    classic_stops,
		    (int)(sizeof(classic_stops) / sizeof(classic_stops[0])), t,
		    rgba);
	else
		interpolate(
		    viridis_stops,
		    (int)(sizeof(viridis_stops) / sizeof(viridis_stops[0])), t,
		    rgba);
	rgba[3] = ramp_alpha(t);
	return 0;
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
