/* SPDX-License-Identifier: MIT */
/* render_confetti: one antialiased dot per click, coloured by category
 * from a fixed colour-blind-safe palette, with deterministic uniform
 * sampling when there are more clicks than dots worth drawing. */
#include "render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Okabe & Ito (2008), "Color Universal Design": distinguishable with every
 * common colour-vision deficiency. Black last, as the "other" colour. */
static const uint8_t confetti_colours[RENDER_CONFETTI_CATEGORIES][3] = {
    {0, 114, 178},   /* blue */
    {213, 94, 0},    /* vermillion */
    {0, 158, 115},   /* bluish green */
    {204, 121, 167}, /* reddish purple */
    {86, 180, 233},  /* sky blue */
    {230, 159, 0},   /* orange */
    {240, 228, 66},  /* yellow */
    {0, 0, 0},	     /* black */
};

/* Opacity of a dot's inside: dense areas still show as denser. */
#define DOT_ALPHA 224
/* The sampling seed: fixed, so a sample is the same on every run. */
#define SAMPLE_SEED 0x63616c6f72ULL /* "calor" */

void render_confetti_colour(uint32_t category, uint8_t rgb[3])
{
	if (category >= RENDER_CONFETTI_CATEGORIES)
		category = RENDER_CONFETTI_CATEGORIES - 1;
	memcpy(rgb, confetti_colours[category], 3);
}

/* splitmix64: a small, well-mixed generator; its sequence from a seed is
 * the same everywhere. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int render_confetti_sample(size_t n, size_t max_points, size_t **ret_index,
			   size_t *ret_n)
{
	uint64_t state = SAMPLE_SEED;
	size_t *index = NULL, i, chosen = 0, want;
	double u;
	int rc = 0;

	if (!ret_index || !ret_n) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if (max_points == 0)
		max_points = RENDER_CONFETTI_MAX_POINTS;
	want = n < max_points ? n : max_points;
	if (want > 0) {
		index = malloc(want * sizeof(*index));
		if (!index) {
			rc = CALOR_ENOMEM;
			goto out;
		}
	}
	/* Algorithm S: take point i with probability (still wanted) / (still
	 * left). Every subset of size want is equally likely, exactly want
	 * are taken (the probability reaches 1 when wanted == left), and they
	 * come out in input order. */
	for (i = 0; i < n && chosen < want; i++) {
		u = (double)(next_random(&state) >> 11) * 0x1p-53;
		if (u * (double)(n - i) < (double)(want - chosen))
			index[chosen++] = i;
	}
	*ret_index = index;
	*ret_n = chosen;
	index = NULL;
out:
	free(index);
	return rc;
}

/* Composite one dot at raster (cx, cy), radius r, over the image. */
static void draw_dot(uint8_t *rgba, int w, int h, double cx, double cy,
		     double r, const uint8_t rgb[3])
{
	int x0, x1, y0, y1, x, y;
	double dx, dy, cover;
	uint8_t px[4];

	/* Pixels whose centre is within r + 0.5 of the dot's. */
	x0 = (int)floor(cx - r - 0.5);
	x1 = (int)ceil(cx + r + 0.5);
	y0 = (int)floor(cy - r - 0.5);
	y1 = (int)ceil(cy + r + 0.5);
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > w ? w : x1;
	y1 = y1 > h ? h : y1;
	memcpy(px, rgb, 3);
	for (y = y0; y < y1; y++) {
		dy = y + 0.5 - cy;
		for (x = x0; x < x1; x++) {
			dx = x + 0.5 - cx;
			/* The share of the pixel inside the disc, linear
			 * across the one-pixel-wide rim. */
			cover = r + 0.5 - sqrt(dx * dx + dy * dy);
			if (cover <= 0)
				continue;
			px[3] = (uint8_t)lround(DOT_ALPHA * fmin(cover, 1.0));
			if (px[3])
				render_rgba_over(rgba + 4 * ((size_t)y * w + x),
						 px, 1);
		}
	}
}

int render_confetti_rgba(const struct render_point *points, size_t n,
			 size_t max_points, int w, int h, double scale,
			 double radius_css, uint8_t **ret_rgba)
{
	size_t *index = NULL, count = 0, i;
	const struct render_point *p;
	uint8_t *rgba = NULL, rgb[3];
	double r, cx, cy;
	int rc = 0;

	if ((!points && n) || !ret_rgba || !(scale > 0) || !isfinite(scale) ||
	    !(radius_css > 0) || !isfinite(radius_css) || w < 1 || h < 1) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if (w > RENDER_MAX_DIM || h > RENDER_MAX_DIM ||
	    (int64_t)w * h > RENDER_MAX_PIXELS) {
		rc = CALOR_ETOOBIG;
		goto out;
	}
	r = radius_css / scale;
	/* A dot smaller than a pixel would vanish; beyond the raster it
	 * would only cost time. */
	r = r < 0.5 ? 0.5 : r > RENDER_MAX_DIM ? RENDER_MAX_DIM : r;
	rgba = calloc((size_t)w * (size_t)h, 4);
	if (!rgba) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if ((rc = render_confetti_sample(n, max_points, &index, &count)))
		goto out;
	for (i = 0; i < count; i++) {
		p = &points[index[i]];
		cx = p->x / scale;
		cy = p->y / scale;
		/* Off the canvas by more than a radius: nothing to draw (also
		 * NaN and infinities). */
		if (!(cx > -r && cx < w + r && cy > -r && cy < h + r))
			continue;
		render_confetti_colour(p->category, rgb);
		draw_dot(rgba, w, h, cx, cy, r, rgb);
	}
	*ret_rgba = rgba;
	rgba = NULL;
out:
	free(index);
	free(rgba);
	return rc;
}
