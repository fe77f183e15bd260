/* SPDX-License-Identifier: MIT */
/* offline: heatmaps without a server — `calor render` reads an NDJSON
 * export (docs/export.md), keeps the click lines of one device class (and
 * page), and draws them with the same projection, kernel and palette as the
 * API, optionally over a background screenshot. */
#ifndef CALOR_OFFLINE_H
#define CALOR_OFFLINE_H

#include <stdint.h>
#include <stdio.h>

#include "ingest.h"
#include "render.h"

#define OFFLINE_MAX_SCALE 16 /* CSS px per PNG px */

struct offline_options {
	int width;     /* CSS px the clicks' x is projected to, >= 1 */
	int scale;     /* CSS px per PNG px, 1..OFFLINE_MAX_SCALE */
	double radius; /* CSS px where the kernel fades out (3 sigma) */
	enum render_palette palette;
	enum device_class device; /* only clicks of this device class */
	const char *page;	  /* only clicks of this page; NULL: all */
	int skip_bad;		  /* skip bad lines instead of stopping */
	/* a PNG to draw over (resized to the heatmap), or NULL */
	const void *background;
	size_t background_len;
	/* called every few thousand lines with the bytes read so far and
	 * total_bytes (0 when unknown); NULL for none */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	uint64_t total_bytes;
};

struct offline_stats {
	int64_t lines;	     /* lines read, blank ones included */
	int64_t click_lines; /* click lines, before filtering */
	int64_t clicks;	     /* clicks drawn */
	int64_t bad_lines;   /* skipped with skip_bad */
	int64_t first_bad_line;
	char first_bad[224]; /* why first_bad_line was bad */
	int mixed_pages;     /* no page filter, and clicks of > 1 page */
	int width, height;   /* the page drawn, CSS px */
	int png_w, png_h;
};

/* What stopped offline_render(): the line (0 when not about one line) and
 * why. */
struct offline_error {
	int64_t line;
	char detail[256];
};

/* Read NDJSON from in (borrowed) and draw its click lines for o->device
 * (and o->page) as a PNG: x projected to o->width (x' = x * width / vw),
 * height the tallest document seen, each click blurred by
 * agg_click_heat() at o->scale with o->radius, normalised by the hottest
 * pixel, coloured with o->palette, over o->background when given. A site
 * line may only be the first line; blank lines are skipped; any other line
 * must parse (ndjson_parse_line()) or it stops the render — unless
 * o->skip_bad, when it is counted in the stats and skipped. On success
 * *ret_png (caller frees with free()), *ret_len and *ret_stats are set.
 * Returns CALOR_EINVAL (bad options, a bad line, a bad background PNG),
 * CALOR_ETOOBIG (a line past the cap, or an image past the render caps),
 * CALOR_ENOTFOUND (no click matched), CALOR_EIO, CALOR_ENOMEM,
 * CALOR_EPNG; err says which line and why. */
int offline_render(FILE *in, const struct offline_options *o, void **ret_png,
		   size_t *ret_len, struct offline_stats *ret_stats,
		   struct offline_error *err);

/* A text progress bar for offline_render()'s progress callback: ctx is a
 * struct offline_progress. Redraws "\r[####    ]  42%" on f only when the
 * percentage changes, and ends the line at 100%. For terminals: the caller
 * decides whether f is one. */
struct offline_progress {
	FILE *f;
	int last; /* percentage drawn last; start at -1 */
};
void offline_progress_draw(void *ctx, uint64_t done, uint64_t total);

/* Read the whole file at path into *ret_data (caller frees with free()).
 * CALOR_ETOOBIG past max bytes, CALOR_EIO (errno says why), CALOR_ENOMEM. */
int offline_read_file(const char *path, size_t max, void **ret_data,
		      size_t *ret_len);
/* Write data to path (created or truncated). CALOR_EIO (errno says why). */
int offline_write_file(const char *path, const void *data, size_t len);

#endif
