/* SPDX-License-Identifier: MIT */
/* Test helpers for pictures: a PNG decoder independent of
 * render_png_decode() (so the encoder is never checked against itself) and
 * a raster reset, shared by the render and export tests. */
#ifndef CALOR_TEST_PNG_H
#define CALOR_TEST_PNG_H

#include <spng.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

/* Decode a PNG to RGBA8 with transparency applied, as a browser does;
 * 0 or -1. *ret_rgba is freed with free(). */
static inline int png_decode(const void *png, size_t len, uint8_t **ret_rgba,
			     uint32_t *ret_w, uint32_t *ret_h)
{
	struct spng_ihdr ihdr;
	spng_ctx *ctx = spng_ctx_new(0);
	uint8_t *out = NULL;
	size_t size;
	int rc = -1;

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

/* Set every value of the raster to 0. */
static inline void heat_zero(struct render_heat *heat)
{
	memset(heat->v, 0, (size_t)heat->w * heat->h * sizeof(*heat->v));
}

#endif
