/* SPDX-License-Identifier: MIT */
/* render_png: PNG in memory with libspng — encoding RGBA8 and indexed
 * images, and decoding untrusted PNGs (backgrounds) to RGBA8 under caps.
 * The only file that knows about libspng. */
#include "render.h"

#include <spng.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Tuned on 720x2000 blurred click maps: libspng's default tries all five
 * filters on every row and, with zlib level 6, took ~100 ms (sparse) to
 * ~260 ms (dense). The "up" filter alone suits smooth vertical gradients and,
 * with level 2, takes ~20-45 ms for files at most ~1.7x the smallest seen. */
#define PNG_COMPRESSION_LEVEL 2
#define PNG_FILTERS	      SPNG_FILTER_CHOICE_UP
/* Indexed heatmaps (one byte a pixel, smooth): after the "up" filter most
 * bytes are zero runs, which zlib's run-length-only strategy finds as well
 * as a hash search does, faster. On the 1440x4000 benchmark raster (1M
 * clustered points) level 2 default: 35 ms, 484 KB; Z_RLE: 27 ms, 373 KB;
 * at 720x2000: 8.3 ms, 180 KB against 6.6 ms, 151 KB. */
#define PNG_INDEXED_LEVEL    1
#define PNG_INDEXED_STRATEGY Z_RLE

/* Ancillary chunks (text, ICC profiles, Exif) a decoded PNG may keep in
 * memory, each and all together; past either the PNG is refused. libspng
 * does not apply these to the image data (IDAT), however it is split. */
#define PNG_CHUNK_MAX	(4 * 1024 * 1024)
#define PNG_CHUNK_CACHE (8 * 1024 * 1024)

/* The last chunk of every PNG: length 0, "IEND", CRC-32 of "IEND". */
#define IEND_CHUNK "\0\0\0\0IEND\xae\x42\x60\x82"

static int check_size(int w, int h)
{
	if (w < 1 || h < 1)
		return CALOR_EINVAL;
	if (w > RENDER_MAX_DIM || h > RENDER_MAX_DIM ||
	    (int64_t)w * h > RENDER_MAX_PIXELS)
		return CALOR_ETOOBIG;
	return 0;
}

/* Encode the image described by ihdr (8-bit, RGBA or indexed) from pixels
 * of size bytes; plte and trns set for indexed images. */
static int encode(const struct spng_ihdr *ihdr, struct spng_plte *plte,
		  struct spng_trns *trns, const void *pixels, size_t size,
		  void **ret_png, size_t *ret_len)
{
	int indexed = ihdr->color_type == SPNG_COLOR_TYPE_INDEXED;
	struct spng_ihdr header = *ihdr;
	spng_ctx *ctx = NULL;
	void *png = NULL;
	size_t len = 0;
	int err = 0, rc = 0;

	ctx = spng_ctx_new(SPNG_CTX_ENCODER);
	if (!ctx) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if (spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1) ||
	    spng_set_option(ctx, SPNG_IMG_COMPRESSION_LEVEL,
			    indexed ? PNG_INDEXED_LEVEL
				    : PNG_COMPRESSION_LEVEL) ||
	    (indexed && spng_set_option(ctx, SPNG_IMG_COMPRESSION_STRATEGY,
					PNG_INDEXED_STRATEGY)) ||
	    spng_set_option(ctx, SPNG_FILTER_CHOICE, PNG_FILTERS) ||
	    spng_set_ihdr(ctx, &header) || (plte && spng_set_plte(ctx, plte)) ||
	    (trns && spng_set_trns(ctx, trns)) ||
	    spng_encode_image(ctx, pixels, size, SPNG_FMT_PNG,
			      SPNG_ENCODE_FINALIZE)) {
		rc = CALOR_EPNG;
		goto out;
	}
	/* The buffer comes from the context's allocator (malloc by default)
	 * and is ours to free once taken. */
	png = spng_get_png_buffer(ctx, &len, &err);
	if (!png || err) {
		rc = CALOR_EPNG;
		goto out;
	}
	*ret_png = png;
	*ret_len = len;
	png = NULL;
out:
	free(png);
	spng_ctx_free(ctx);
	return rc;
}

int render_png_encode(const uint8_t *rgba, int w, int h, void **ret_png,
		      size_t *ret_len)
{
	struct spng_ihdr ihdr = {0};
	int rc;

	if (!rgba || !ret_png || !ret_len) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if ((rc = check_size(w, h)))
		goto out;
	ihdr.width = (uint32_t)w;
	ihdr.height = (uint32_t)h;
	ihdr.bit_depth = 8;
	ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
	rc = encode(&ihdr, NULL, NULL, rgba, (size_t)w * (size_t)h * 4, ret_png,
		    ret_len);
out:
	return rc;
}

int render_png_encode_indexed(const uint8_t *index, int w, int h,
			      const uint8_t *colours, int n_colours,
			      void **ret_png, size_t *ret_len)
{
	struct spng_plte plte = {0};
	struct spng_trns trns = {0};
	struct spng_ihdr ihdr = {0};
	size_t i, n;
	uint8_t top = 0;
	int c, rc;

	if (!index || !colours || !ret_png || !ret_len || n_colours < 1 ||
	    n_colours > 256) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if ((rc = check_size(w, h)))
		goto out;
	n = (size_t)w * (size_t)h;
	/* An index past the palette would make decoders refuse the PNG; with
	 * 256 colours every byte is one. */
	for (i = 0; n_colours < 256 && i < n; i++)
		top = index[i] > top ? index[i] : top;
	if (top >= n_colours) {
		rc = CALOR_EINVAL;
		goto out;
	}
	plte.n_entries = (uint32_t)n_colours;
	trns.n_type3_entries = (uint32_t)n_colours;
	for (c = 0; c < n_colours; c++) {
		plte.entries[c].red = colours[4 * c];
		plte.entries[c].green = colours[4 * c + 1];
		plte.entries[c].blue = colours[4 * c + 2];
		trns.type3_alpha[c] = colours[4 * c + 3];
	}
	ihdr.width = (uint32_t)w;
	ihdr.height = (uint32_t)h;
	ihdr.bit_depth = 8;
	ihdr.color_type = SPNG_COLOR_TYPE_INDEXED;
	rc = encode(&ihdr, &plte, &trns, index, n, ret_png, ret_len);
out:
	return rc;
}

/* A libspng error as ours: limits are ETOOBIG, memory ENOMEM, and anything
 * else about the bytes EINVAL. */
static int decode_error(int err)
{
	switch (err) {
	case SPNG_EMEM: return CALOR_ENOMEM;
	case SPNG_EUSER_WIDTH:
	case SPNG_EUSER_HEIGHT:
	case SPNG_ECHUNK_LIMITS:
	case SPNG_EOVERFLOW: return CALOR_ETOOBIG;
	default: return CALOR_EINVAL;
	}
}

int render_png_decode(const void *png, size_t len, uint8_t **ret_rgba,
		      int *ret_w, int *ret_h)
{
	struct spng_ihdr ihdr;
	spng_ctx *ctx = NULL;
	uint8_t *rgba = NULL;
	size_t size = 0;
	int err, rc = 0;

	if (!png || !ret_rgba || !ret_w || !ret_h) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if (len > RENDER_MAX_PNG_BYTES) {
		rc = CALOR_ETOOBIG;
		goto out;
	}
	/* libspng accepts a file cut inside IEND's CRC; a whole PNG ends
	 * with that exact chunk (empty, so its CRC is a constant). */
	if (len < sizeof(IEND_CHUNK) - 1 ||
	    memcmp((const uint8_t *)png + len - (sizeof(IEND_CHUNK) - 1),
		   IEND_CHUNK, sizeof(IEND_CHUNK) - 1) != 0) {
		rc = CALOR_EINVAL;
		goto out;
	}
	ctx = spng_ctx_new(0);
	if (!ctx) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	/* Limits before the first byte is read: libspng then refuses a header
	 * past them, and ancillary chunks (zTXt and iCCP inflate!) past
	 * theirs. */
	if ((err =
		 spng_set_image_limits(ctx, RENDER_MAX_DIM, RENDER_MAX_DIM)) ||
	    (err =
		 spng_set_chunk_limits(ctx, PNG_CHUNK_MAX, PNG_CHUNK_CACHE)) ||
	    (err = spng_set_png_buffer(ctx, png, len)) ||
	    (err = spng_get_ihdr(ctx, &ihdr))) {
		rc = decode_error(err);
		goto out;
	}
	/* libspng has already refused 0 and more than RENDER_MAX_DIM. */
	if ((rc = check_size((int)ihdr.width, (int)ihdr.height)))
		goto out;
	if ((err = spng_decoded_image_size(ctx, SPNG_FMT_RGBA8, &size))) {
		rc = decode_error(err);
		goto out;
	}
	if (size != (size_t)ihdr.width * ihdr.height * 4) {
		rc = CALOR_EINVAL;
		goto out;
	}
	rgba = malloc(size);
	if (!rgba) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	/* Then the chunks after the image, through IEND: a PNG cut short
	 * anywhere is refused, not half accepted. */
	if ((err = spng_decode_image(ctx, rgba, size, SPNG_FMT_RGBA8,
				     SPNG_DECODE_TRNS)) ||
	    (err = spng_decode_chunks(ctx))) {
		rc = decode_error(err);
		goto out;
	}
	*ret_rgba = rgba;
	*ret_w = (int)ihdr.width;
	*ret_h = (int)ihdr.height;
	rgba = NULL;
out:
	free(rgba);
	spng_ctx_free(ctx);
	return rc;
}
