/* SPDX-License-Identifier: MIT */
/* render_bands: scroll-reach and attention images — one horizontal band
 * per 1% of page depth coloured by its value, with the average fold and
 * the 75/50/25% reach depths drawn as lines. */
#include "render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Band alpha over t in [0, 1]: never transparent (a band nobody reached
 * says so in the palette's coldest colour) and never more than ~0.63 (the
 * page stays readable under the hottest band). */
#define BAND_ALPHA_MIN 64
#define BAND_ALPHA_MAX 160
/* Line sizes in CSS px. */
#define LINE_CSS_PX 2.0
#define DASH_CSS_PX 8.0
#define GAP_CSS_PX  6.0

static const uint8_t fold_colour[4] = {0, 0, 0, 255};
/* Dark like the fold, told apart by the dashes: pages and bands are mostly
 * light, where white lines vanish. */
static const uint8_t reach_colour[4] = {48, 48, 48, 255};

/* CSS px as a whole number of raster px, at least one. */
static int raster_px(double css, double scale)
{
	double px = floor(css / scale + 0.5);

	return px < 1 ? 1 : px > RENDER_MAX_DIM ? RENDER_MAX_DIM : (int)px;
}

/* A horizontal line from depth y (CSS px) down, full width; dash = 0 for a
 * solid one. */
static void draw_line(uint8_t *rgba, int w, int h, double scale, double y,
		      const uint8_t colour[4], int dash, int gap)
{
	int row, rows, x, r;
	double start;

	/* Negated so NaN is skipped too. */
	if (!(y >= 0))
		return;
	start = floor(y / scale);
	if (start >= h)
		return;
	row = (int)start;
	rows = raster_px(LINE_CSS_PX, scale);
	for (r = row; r < row + rows && r < h; r++)
		for (x = 0; x < w; x++)
			if (!dash || x % (dash + gap) < dash)
				memcpy(rgba + 4 * ((size_t)r * w + x), colour,
				       4);
}

int render_bands_rgba(const float values[RENDER_BANDS], float norm,
		      enum render_palette palette,
		      const struct render_band_lines *lines, int w, int h,
		      double scale, uint8_t **ret_rgba)
{
	uint8_t *rgba = NULL, colour[4];
	int i, k, y, y0, y1, x, rc = 0;
	double t;
	float max = 0;

	if (!values || !ret_rgba || !(scale > 0) || !isfinite(scale) || w < 1 ||
	    h < 1 || render_palette_rgba(palette, 0, colour)) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if (w > RENDER_MAX_DIM || h > RENDER_MAX_DIM ||
	    (int64_t)w * h > RENDER_MAX_PIXELS) {
		rc = CALOR_ETOOBIG;
		goto out;
	}
	rgba = malloc((size_t)w * (size_t)h * 4);
	if (!rgba) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if (!(norm > 0)) {
		for (i = 0; i < RENDER_BANDS; i++)
			if (values[i] > max && isfinite(values[i]))
				max = values[i];
		norm = max;
	}
	for (i = 0; i < RENDER_BANDS; i++) {
		/* Negated so NaN lands on 0; norm is 0 only when every value
		 * is. */
		t = norm > 0 && values[i] > 0 ? values[i] / norm : 0;
		t = t > 1 ? 1 : t;
		render_palette_rgba(palette, t, colour);
		colour[3] = (uint8_t)lround(
		    BAND_ALPHA_MIN + (BAND_ALPHA_MAX - BAND_ALPHA_MIN) * t);
		/* Band i spans [i h / 100, (i + 1) h / 100): every row in
		 * exactly one band, whatever h. */
		y0 = (int)((int64_t)i * h / RENDER_BANDS);
		y1 = (int)((int64_t)(i + 1) * h / RENDER_BANDS);
		for (y = y0; y < y1; y++)
			for (x = 0; x < w; x++)
				memcpy(rgba + 4 * ((size_t)y * w + x), colour,
				       4);
	}
	if (lines) {
		for (k = 0; k < 3; k++)
			draw_line(rgba, w, h, scale, lines->reach_y[k],
				  reach_colour, raster_px(DASH_CSS_PX, scale),
				  raster_px(GAP_CSS_PX, scale));
		/* The fold last, on top. */
		draw_line(rgba, w, h, scale, lines->fold_y, fold_colour, 0, 0);
	}
	*ret_rgba = rgba;
	rgba = NULL;
out:
	free(rgba);
	return rc;
}
