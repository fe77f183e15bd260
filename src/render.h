/* SPDX-License-Identifier: MIT */
/* render: turns points into pictures — a float density raster, a Gaussian
 * kernel, normalisation, palettes with an alpha ramp, difference maps,
 * confetti dots, scroll and attention bands, compositing over a background,
 * and PNG encoding and decoding in memory. Does no I/O. */
#ifndef CALOR_RENDER_H
#define CALOR_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* Caps: a raster or image past these is refused with CALOR_ETOOBIG, never
 * allocated. They apply to decoded background PNGs too. */
#define RENDER_MAX_DIM	  32768
#define RENDER_MAX_PIXELS (16 * 1024 * 1024)

/* ---- scale, device pixel ratio and radius ----
 *
 * Every raster and image here has a scale: CSS px per raster px, given
 * explicitly by the caller. A page W x H CSS px rendered at scale s is
 * ceil(W / s) x ceil(H / s) raster px, and a point at CSS (x, y) lands at
 * raster (x / s, y / s). The radius of a heat blob is in CSS px and is where
 * the Gaussian fades out, 3 sigma, so
 *
 *	sigma (raster px) = radius (CSS px) / 3 / scale	  (render_sigma())
 *
 * and a blob covers the same part of the page at every scale. For a screen
 * with device pixel ratio d, scale = 1 / d gives one raster px per device px
 * (d = 2, radius 25: scale 0.5, sigma 16.7); any larger scale is upsampled by
 * the browser. The API serves scale 2: a blurred density has no detail finer
 * than sigma, so half resolution loses nothing visible at radius >= ~10 CSS
 * px and costs a quarter of the pixels and an eighth of the blur. Confetti
 * dots and band lines take their sizes in CSS px as well. */

/* sigma in raster px for a radius in CSS px at scale CSS px per raster px;
 * 0 when either is not positive. */
double render_sigma(double radius_css, double scale);

/* ---- threads ---- */

#define RENDER_MAX_THREADS 16

/* Threads one render call may use, 1..RENDER_MAX_THREADS (clamped): 1 by
 * default, since the server already renders requests side by side; the
 * offline verb and the benchmark set the core count. Work is split by rows
 * (or pixel ranges, or histograms summed exactly), never by reordering
 * float sums, so every count gives the same bytes. Process-wide; safe to
 * call at any time (a call in progress keeps the count it started with). */
void render_set_threads(int n);
/* The current count. */
int render_threads(void);

/* ---- the density raster ---- */

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
/* Add weight at raster position (x, y) (pixel centres at +0.5), split
 * bilinearly over the four nearest pixels; points outside the raster are
 * ignored. */
void render_heat_add(struct render_heat *heat, double x, double y,
		     float weight);
/* Add n points of weight 1 given in CSS px as xy[2i], xy[2i + 1], at
 * raster (x / scale, y / scale): bit for bit the same as n
 * render_heat_add() calls. On several threads it first copies the points
 * into buckets by band of rows (up to 16 bytes a point; one plain pass if
 * that memory is not there). scale <= 0 adds nothing. */
void render_heat_add_points(struct render_heat *heat, const float *xy, size_t n,
			    double scale);
/* Convolve in place with a normalised Gaussian of the given sigma (raster
 * px): the sampled Gaussian cut at ceil(3 sigma) and renormalised, applied
 * separably. Exact up to float rounding: the unit tests hold it within
 * 1e-5 relative (+1e-4 absolute) of a direct 2-D convolution in double;
 * there is no approximate fast path. The cut drops 0.27% of each 1-D
 * kernel's mass, so against an untruncated Gaussian the renormalised
 * kernel weighs the centre ~0.5% more. The sum of the raster is kept
 * (edges lose what falls outside). Same bytes on every x86-64 and thread
 * count. sigma <= 0 is a no-op. CALOR_ENOMEM. */
int render_heat_blur(struct render_heat *heat, double sigma);
/* The largest value in the raster (0 for an empty one). */
float render_heat_max(const struct render_heat *heat);

/* ---- normalisation ---- */

/* What maps to the top of the palette. Values are taken as |v|, so the same
 * modes serve signed difference rasters. */
enum render_norm {
	/* The 99th percentile of the non-zero |values| (nearest rank). The
	 * default: one hot button then saturates instead of pushing the rest
	 * of the page into the transparent end of the ramp, while a page with
	 * no outlier looks as it would by max (the top 1% of its heated
	 * pixels share the top colour). Zeros are left out so a mostly empty
	 * page does not pull the percentile to 0. */
	RENDER_NORM_P99 = 0,
	/* The largest |value|: linear and faithful, but one hot spot can
	 * wash out everything else. */
	RENDER_NORM_MAX = 1,
};
#define RENDER_NORM_DEFAULT RENDER_NORM_P99

/* The norm of the raster in the given mode into *ret_norm: 0 for a raster
 * with no non-zero value (render_*_rgba then give a transparent image).
 * CALOR_EINVAL for a NULL raster or an unknown mode, CALOR_ENOMEM. */
int render_heat_norm(const struct render_heat *heat, enum render_norm norm,
		     float *ret_norm);
/* The p-th percentile (0 < p <= 100, nearest rank: the smallest value with
 * at least p% of the non-zero |values| at or below it) into *ret_value;
 * 0 when there is no non-zero value. NaN is ignored. Exact, O(w h), no
 * sorting: two radix passes over the float bits with a 256 KB histogram
 * per thread. CALOR_EINVAL for NULL or p outside (0, 100], CALOR_ENOMEM. */
int render_heat_percentile(const struct render_heat *heat, double p,
			   float *ret_value);
/* Parse a normalisation name ("p99", "max"). 0 or CALOR_EINVAL. */
int render_norm_parse(const char *name, enum render_norm *ret_norm);

/* ---- difference maps ---- */

/* A new raster of a / pageviews_a - b / pageviews_b (per page view, so sets
 * of different sizes compare), and its symmetric norm in the given mode
 * (over |value|) into *ret_norm, for render_diff_rgba(). Blurring is linear,
 * so blurring a and b first or the difference afterwards is the same.
 * Borrows a and b. CALOR_EINVAL for NULL, different sizes or a page-view
 * count < 1, CALOR_ENOMEM. Caller frees *ret_diff with render_heat_free(). */
int render_heat_diff(const struct render_heat *a, int64_t pageviews_a,
		     const struct render_heat *b, int64_t pageviews_b,
		     enum render_norm norm, struct render_heat **ret_diff,
		     float *ret_norm);

/* ---- palettes ---- */

enum render_palette {
	RENDER_PALETTE_CLASSIC = 0, /* blue -> cyan -> green -> yellow -> red */
	RENDER_PALETTE_VIRIDIS = 1, /* colour-blind-safe */
};

/* Colours of the heat palettes: t = value / norm clamped to [0, 1] in 256
 * steps; alpha = 204 * min(1, 1.6 t)^0.8 (0 where there is no heat, 0.8 at
 * the top so the page stays readable). The diverging palette for
 * differences (ColorBrewer RdBu, colour-blind-safe): t in [-1, 1] in 255
 * steps, -1 dark blue (5, 48, 97), 0 transparent white, +1 dark red
 * (103, 0, 31), with the same alpha ramp on |t|. */

/* Colour a raster: value / norm clamped to [0, 1] through the palette and
 * alpha ramp. Writes w*h*4 RGBA bytes to *ret_rgba (caller frees with
 * free()). norm <= 0 gives a fully transparent (all-zero) image.
 * CALOR_EINVAL, CALOR_ENOMEM. */
int render_heat_rgba(const struct render_heat *heat, float norm,
		     enum render_palette palette, uint8_t **ret_rgba);
/* The palette index of every pixel (the nearest of 256 steps of value /
 * norm over [0, 1]; 0, transparent, for <= 0, NaN and norm <= 0), w*h bytes
 * into *ret_index (caller frees with free()): render_heat_rgba() is
 * render_palette_colours()[index]. CALOR_EINVAL, CALOR_ENOMEM. */
int render_heat_index(const struct render_heat *heat, float norm,
		      uint8_t **ret_index);
/* The palette's 256 RGBA colours, 1024 bytes, static (never freed); entry
 * 0 is all zeros. NULL for an unknown palette. */
const uint8_t *render_palette_colours(enum render_palette palette);
/* The same picture straight to PNG: an 8-bit indexed PNG whose PLTE and
 * tRNS hold the palette's 256 colours, so it decodes to exactly the pixels
 * of render_heat_rgba() + render_png_encode() at a quarter of the bytes to
 * filter and deflate. Caller frees *ret_png with free(). CALOR_EINVAL,
 * CALOR_ENOMEM, CALOR_EPNG. */
int render_heat_png(const struct render_heat *heat, float norm,
		    enum render_palette palette, void **ret_png,
		    size_t *ret_len);
/* Colour a signed raster through the diverging palette: value / norm
 * clamped to [-1, 1]; 0 (and NaN) is transparent white (247, 247, 247, 0).
 * Writes w*h*4 RGBA bytes to *ret_rgba (caller frees with free()). norm <=
 * 0 makes every pixel that. CALOR_EINVAL, CALOR_ENOMEM. */
int render_diff_rgba(const struct render_heat *diff, float norm,
		     uint8_t **ret_rgba);
/* render_diff_rgba() straight to an indexed PNG, as render_heat_png(). */
int render_diff_png(const struct render_heat *diff, float norm, void **ret_png,
		    size_t *ret_len);
/* The palette's colour at t in [0, 1] (clamped; NaN is 0) with its alpha,
 * into rgba[4]: for legends and band images. CALOR_EINVAL for an unknown
 * palette. */
int render_palette_rgba(enum render_palette palette, double t, uint8_t rgba[4]);
/* Parse a palette name ("classic", "viridis"). 0 or CALOR_EINVAL. */
int render_palette_parse(const char *name, enum render_palette *ret_palette);

/* ---- PNG ---- */

/* Encoded PNGs longer than this are refused by render_png_decode(). */
#define RENDER_MAX_PNG_BYTES (64 * 1024 * 1024)

/* Encode w x h RGBA8 to a PNG in memory (libspng). *ret_png is freed by the
 * caller with free(). CALOR_EPNG on encoder failure. */
int render_png_encode(const uint8_t *rgba, int w, int h, void **ret_png,
		      size_t *ret_len);
/* Encode w x h 8-bit palette indices with n_colours (1..256) RGBA colours
 * (colours[4 i .. 4 i + 3]) to an indexed PNG with tRNS. Every index must
 * be < n_colours (CALOR_EINVAL otherwise). Caller frees with free().
 * CALOR_EINVAL, CALOR_ETOOBIG, CALOR_ENOMEM, CALOR_EPNG. */
int render_png_encode_indexed(const uint8_t *index, int w, int h,
			      const uint8_t *colours, int n_colours,
			      void **ret_png, size_t *ret_len);
/* Decode a PNG from memory (any colour type and depth, interlaced or not;
 * tRNS applied; no gamma) to RGBA8. Hostile input is expected: the header's
 * size is checked against RENDER_MAX_DIM and RENDER_MAX_PIXELS before
 * anything is allocated, ancillary chunks are capped, and every failure is
 * an error code. Borrows png. *ret_rgba (w*h*4 bytes) is freed by the
 * caller with free(). CALOR_EINVAL for anything that is not a whole, valid
 * PNG ending with its IEND chunk (truncated, bad CRC, bad zlib data, zero
 * size, bytes after IEND), CALOR_ETOOBIG past the caps (or len >
 * RENDER_MAX_PNG_BYTES), CALOR_ENOMEM. */
int render_png_decode(const void *png, size_t len, uint8_t **ret_rgba,
		      int *ret_w, int *ret_h);

/* ---- compositing ---- */

/* Resize RGBA8 src (sw x sh) to dw x dh into a new image (caller frees
 * with free()). Bilinear, widened when shrinking (a triangle filter whose
 * support grows with the shrink factor, like Pillow's BILINEAR), so a 2x or
 * 4x device-pixel screenshot averages every source pixel instead of
 * aliasing; weighted by alpha so transparent pixels do not darken edges.
 * Same size is a copy. CALOR_EINVAL, CALOR_ETOOBIG past the caps,
 * CALOR_ENOMEM. */
int render_rgba_resize(const uint8_t *src, int sw, int sh, int dw, int dh,
		       uint8_t **ret_rgba);
/* Porter-Duff "src over dst" for n RGBA8 pixels (straight alpha), in place
 * in dst, rounded to nearest: an opaque dst stays opaque, and src (r, g, b,
 * a) over opaque (R, G, B) gives (r a + R (255 - a)) / 255. */
void render_rgba_over(uint8_t *dst, const uint8_t *src, size_t n);
/* The overlay (w x h RGBA8, e.g. from render_heat_rgba()) composited over a
 * background PNG resized to w x h (render_rgba_resize()), encoded as PNG.
 * Borrows both. Caller frees *ret_png with free(). Errors of
 * render_png_decode() (CALOR_EINVAL for a bad background), CALOR_ETOOBIG,
 * CALOR_ENOMEM, CALOR_EPNG. */
int render_composite_png(const uint8_t *overlay, int w, int h,
			 const void *background_png, size_t background_len,
			 void **ret_png, size_t *ret_len);

/* ---- confetti ---- */

#define RENDER_CONFETTI_CATEGORIES 8
/* Dots drawn by default when the caller passes max_points 0. */
#define RENDER_CONFETTI_MAX_POINTS 100000

/* One click as a dot: CSS px, and a category 0..7 (e.g. device, source,
 * new vs returning, variant); categories past 7 are drawn as 7, which
 * callers use for "other". */
struct render_point {
	float x, y;
	uint32_t category;
};

/* The confetti colours (Okabe & Ito's colour-blind-safe set), in category
 * order: 0 blue (0, 114, 178), 1 vermillion (213, 94, 0), 2 bluish green
 * (0, 158, 115), 3 reddish purple (204, 121, 167), 4 sky blue (86, 180,
 * 233), 5 orange (230, 159, 0), 6 yellow (240, 228, 66), 7 black. Into
 * rgb[3]; a category past 7 gives 7's. */
void render_confetti_colour(uint32_t category, uint8_t rgb[3]);
/* Draw a w x h transparent RGBA8 image (raster px, scale CSS px per raster
 * px) with one dot per point: a disc of radius radius_css / scale raster px
 * (at least 0.5), colour of its category, alpha 224 inside and an
 * antialiased edge (coverage ramps over one px across the rim), each dot
 * composited over the earlier ones in input order. With more than
 * max_points points (0: RENDER_CONFETTI_MAX_POINTS), exactly max_points of
 * them are drawn, chosen uniformly without replacement by selection
 * sampling (Knuth's algorithm S, the in-order sibling of reservoir
 * sampling) from a fixed seed: the same input gives the same dots, drawn in
 * input order. Borrows points. Caller frees *ret_rgba with free().
 * CALOR_EINVAL, CALOR_ETOOBIG, CALOR_ENOMEM. */
int render_confetti_rgba(const struct render_point *points, size_t n,
			 size_t max_points, int w, int h, double scale,
			 double radius_css, uint8_t **ret_rgba);
/* The indices drawn by render_confetti_rgba() for n points and max_points
 * (0: the default): *ret_n ascending indices into *ret_index (caller frees
 * with free(); NULL when n is 0). CALOR_ENOMEM. */
int render_confetti_sample(size_t n, size_t max_points, size_t **ret_index,
			   size_t *ret_n);

/* ---- scroll-reach and attention bands ---- */

/* Bands per page: band i covers [i, i + 1)% of the page height. */
#define RENDER_BANDS 100

/* Lines drawn over the bands, at CSS px depths; a negative or NaN depth
 * is not drawn. */
struct render_band_lines {
	double fold_y;	   /* average fold: solid black, 2 CSS px */
	double reach_y[3]; /* depths reached by 75, 50 and 25% of page
			      views: dashed dark grey (48, 48, 48), 2 CSS
			      px, 8 on and 6 off */
};

/* A w x h RGBA8 image (raster px at scale CSS px per raster px) of
 * RENDER_BANDS horizontal bands: band i spans rows [i h / 100, (i + 1) h /
 * 100) and has the palette's colour (render_palette_rgba()) at t =
 * values[i] / norm clamped to [0, 1]; NaN and negatives are 0. norm <= 0
 * means the largest value (t = 0 everywhere when all are 0). Scroll reach
 * passes the share of page views reaching each band, in [0, 1], with norm
 * 1; attention passes dwell ms per band with norm 0. Alpha ramps linearly
 * from 64 (t = 0) to 160 (t = 1): the page shows beneath every band, and a
 * band nobody reached is visibly cold rather than absent. Then each line
 * at depth y (CSS px) covers full width from row floor(y / scale) down,
 * 2 CSS px thick (at least one row), reach lines first, fold on top. lines
 * may be NULL. Borrows values. Caller frees *ret_rgba with free().
 * CALOR_EINVAL, CALOR_ETOOBIG, CALOR_ENOMEM. */
int render_bands_rgba(const float values[RENDER_BANDS], float norm,
		      enum render_palette palette,
		      const struct render_band_lines *lines, int w, int h,
		      double scale, uint8_t **ret_rgba);

#endif
