/* SPDX-License-Identifier: MIT */
/* render: turns points into pictures — a float density raster, a Gaussian
 * kernel, palettes with an alpha ramp, and PNG encoding to memory. Does no
 * I/O. */
#ifndef CALOR_RENDER_H
#define CALOR_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* Caps: a raster past these is refused with CALOR_ETOOBIG, never allocated. */
#define RENDER_MAX_DIM	  32768
#define RENDER_MAX_PIXELS (16 * 1024 * 1024)

enum render_palette {
	RENDER_PALETTE_CLASSIC = 0, /* blue -> cyan -> green -> yellow -> red */
	RENDER_PALETTE_VIRIDIS = 1, /* colour-blind-safe */
};

/* A w x h raster of float densities, row-major, v[y * w + x]. */
struct render_heat {
	int w, h;
	float *v;
};

/* Allocate a zeroed raster. CALOR_EINVAL for w or h < 1, CALOR_ETOOBIG past
 * the caps, CALOR_ENOMEM. Caller frees with render_heat_free(). */
int render_heat_new(int w, int h, struct render_heat **ret_heat);
/* Accepts NULL. */
void render_heat_free(struct render_heat *heat);
/* Add weight at raster position (x, y) (pixel centres at +0.5); points
 * outside the raster are ignored. */
void render_heat_add(struct render_heat *heat, double x, double y,
		     float weight);
/* Convolve in place with a normalised Gaussian of the given sigma (raster
 * px), separable, truncated at 3 sigma; the sum of the raster is kept
 * (edges lose what falls outside). sigma <= 0 is a no-op. CALOR_ENOMEM. */
int render_heat_blur(struct render_heat *heat, double sigma);
/* The largest value in the raster (0 for an empty one). */
float render_heat_max(const struct render_heat *heat);
/* Colour the raster: value/norm clamped to [0,1] through the palette, with
 * alpha rising from 0 (cold, page visible) to about 0.8 (hot). Writes
 * w*h*4 RGBA bytes to *ret_rgba (caller frees with free()). norm <= 0 gives
 * a fully transparent image. */
int render_heat_rgba(const struct render_heat *heat, float norm,
		     enum render_palette palette, uint8_t **ret_rgba);
/* Encode w x h RGBA8 to a PNG in memory (libspng). *ret_png is freed by the
 * caller with free(). CALOR_EPNG on encoder failure. */
int render_png_encode(const uint8_t *rgba, int w, int h, void **ret_png,
		      size_t *ret_len);
/* Parse a palette name ("classic", "viridis"). 0 or CALOR_EINVAL. */
int render_palette_parse(const char *name, enum render_palette *ret_palette);

#endif
