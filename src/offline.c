/* SPDX-License-Identifier: MIT */
/* offline: the `calor render` pipeline — NDJSON lines through the parser,
 * click lines filtered and collected by agg, then agg_click_heat() and the
 * palette exactly as the heatmap API draws them — plus the progress bar and
 * the whole-file reads and writes the verb needs. */
#include "offline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "ndjson.h"

#define PROGRESS_EVERY 8192 /* lines between progress calls */
#define MAX_RADIUS     200  /* CSS px, as the API */

static void set_error(struct offline_error *err, int64_t line, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));

static void set_error(struct offline_error *err, int64_t line, const char *fmt,
		      ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
}

/* A bad line stops the render, or with skip_bad is counted and skipped
 * (returns 0). */
static int bad_line(const struct offline_options *o, struct offline_stats *st,
		    struct offline_error *err, int64_t line, int rc,
		    const char *detail)
{
	if (!o->skip_bad) {
		set_error(err, line, "%s", detail);
		return rc;
	}
	if (st->bad_lines++ == 0) {
		st->first_bad_line = line;
		snprintf(st->first_bad, sizeof(st->first_bad), "%s", detail);
	}
	return 0;
}

static int options_valid(const struct offline_options *o,
			 struct offline_error *err)
{
	if (o->width < 1 || o->width > INGEST_MAX_DOC_W) {
		set_error(err, 0, "width must be 1..%d", INGEST_MAX_DOC_W);
		return 0;
	}
	if (o->scale < 1 || o->scale > OFFLINE_MAX_SCALE) {
		set_error(err, 0, "scale must be 1..%d", OFFLINE_MAX_SCALE);
		return 0;
	}
	if (!(o->radius >= 1 && o->radius <= MAX_RADIUS)) {
		set_error(err, 0, "radius must be 1..%d", MAX_RADIUS);
		return 0;
	}
	if ((unsigned)o->device > DEVICE_MOBILE) {
		set_error(err, 0, "unknown device class");
		return 0;
	}
	return 1;
}

/* Read every line, keep the matching clicks in a. */
static int collect(FILE *in, const struct offline_options *o,
		   struct agg_clicks *a, struct offline_stats *st,
		   struct offline_error *err)
{
	struct ndjson_parser *parser = NULL;
	struct ndjson_reader *reader = NULL;
	char first_page[INGEST_MAX_URL + 1] = "";
	char why[64];
	int64_t records = 0, line_no = 0;
	int rc;

	if ((rc = ndjson_parser_new(&parser)) ||
	    (rc = ndjson_reader_new(in, &reader)))
		goto out;
	for (;;) {
		struct ndjson_record rec;
		struct ndjson_error perr;
		const struct store_export_click *c;
		const char *line = NULL;
		size_t len = 0;

		rc = ndjson_reader_next(reader, &line, &len);
		if (rc == 0)
			break;
		line_no = ndjson_reader_line(reader);
		if (o->progress && line_no % PROGRESS_EVERY == 0)
			o->progress(o->progress_ctx,
				    ndjson_reader_offset(reader),
				    o->total_bytes);
		if (rc == CALOR_EIO) {
			set_error(err, line_no, "read error: %s",
				  strerror(errno));
			goto out;
		}
		if (rc == CALOR_ETOOBIG) {
			snprintf(why, sizeof(why), "longer than %d bytes",
				 NDJSON_MAX_LINE);
			if ((rc = bad_line(o, st, err, line_no, rc, why)))
				goto out;
			continue;
		}
		if (len == 0)
			continue;
		rc = ndjson_parse_line(parser, line, len, &rec, &perr);
		if (!rc && rec.type == NDJSON_SITE && records > 0) {
			rc = CALOR_EINVAL;
			snprintf(perr.detail, sizeof(perr.detail),
				 "a site line may only be the first line");
		}
		records++;
		if (rc) {
			if ((rc = bad_line(o, st, err, line_no, rc,
					   perr.detail)))
				goto out;
			continue;
		}
		if (rec.type != NDJSON_CLICK)
			continue;
		st->click_lines++;
		c = &rec.u.click;
		if (c->device != o->device)
			continue;
		if (o->page && strcmp(c->page, o->page) != 0)
			continue;
		if (!o->page && !first_page[0])
			str_copy(first_page, c->page, sizeof(first_page));
		else if (!o->page && strcmp(first_page, c->page) != 0)
			st->mixed_pages = 1;
		if ((rc = agg_clicks_add(a, c->x, c->y, c->vw, c->dh))) {
			if (rc == CALOR_ETOOBIG)
				set_error(err, line_no,
					  "more than %d clicks to draw",
					  AGG_MAX_POINTS);
			goto out;
		}
		st->clicks++;
	}
	if (o->progress)
		o->progress(o->progress_ctx, ndjson_reader_offset(reader),
			    o->total_bytes);
out:
	st->lines = line_no;
	ndjson_reader_free(reader);
	ndjson_parser_free(parser);
	return rc;
}

int offline_render(FILE *in, const struct offline_options *o, void **ret_png,
		   size_t *ret_len, struct offline_stats *ret_stats,
		   struct offline_error *err)
{
	struct offline_stats st;
	struct agg_clicks a;
	struct render_heat *heat = NULL;
	uint8_t *rgba = NULL;
	void *png = NULL;
	size_t png_len = 0;
	int rc;

	memset(&st, 0, sizeof(st));
	memset(err, 0, sizeof(*err));
	agg_clicks_init(&a, AGG_MAX_POINTS);
	if (!options_valid(o, err)) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if ((rc = collect(in, o, &a, &st, err)))
		goto out;
	if (a.n == 0) {
		rc = CALOR_ENOTFOUND;
		set_error(err, 0,
			  "no click to draw: none of the %lld click lines is "
			  "of device %s%s%s",
			  (long long)st.click_lines,
			  ingest_device_name(o->device),
			  o->page ? " and page " : "", o->page ? o->page : "");
		goto out;
	}
	if ((rc = agg_clicks_project(&a, o->width)))
		goto out;
	st.width = a.width;
	st.height = a.height;
	st.png_w = (a.width + o->scale - 1) / o->scale;
	st.png_h = (a.height + o->scale - 1) / o->scale;
	rc = agg_click_heat(&a, o->scale, o->radius, &heat);
	if (rc == CALOR_ETOOBIG)
		set_error(err, 0,
			  "the heatmap would be %d x %d px (page %d x %d CSS "
			  "px at scale %d), past the limit of %d px a side "
			  "and %d px in all: use a larger --scale or a "
			  "smaller --width",
			  st.png_w, st.png_h, a.width, a.height, o->scale,
			  RENDER_MAX_DIM, RENDER_MAX_PIXELS);
	if (rc)
		goto out;
	/* normalised as the API does: the hottest pixel is the top colour */
	if ((rc = render_heat_rgba(heat, render_heat_max(heat), o->palette,
				   &rgba)))
		goto out;
	if (o->background) {
		rc = render_composite_png(rgba, heat->w, heat->h, o->background,
					  o->background_len, &png, &png_len);
		if (rc == CALOR_EINVAL)
			set_error(err, 0, "background: not a valid PNG");
		else if (rc == CALOR_ETOOBIG)
			set_error(err, 0,
				  "background: larger than %d px a side, %d "
				  "px in all or %d bytes",
				  RENDER_MAX_DIM, RENDER_MAX_PIXELS,
				  RENDER_MAX_PNG_BYTES);
	} else {
		rc = render_png_encode(rgba, heat->w, heat->h, &png, &png_len);
	}
	if (rc)
		goto out;
	*ret_png = png;
	*ret_len = png_len;
	*ret_stats = st;
	png = NULL;
out:
	if (rc && !err->detail[0])
		set_error(err, 0, "%s", calor_strerror(rc));
	free(png);
	free(rgba);
	render_heat_free(heat);
	agg_clicks_done(&a);
	return rc;
}

void offline_progress_draw(void *ctx, uint64_t done, uint64_t total)
{
	struct offline_progress *p = ctx;
	char bar[41];
	int pct, fill;

	if (!total)
		return;
	pct = done >= total ? 100 : (int)(done * 100 / total);
	if (pct == p->last)
		return;
	p->last = pct;
	fill = pct * 40 / 100;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, ' ', (size_t)(40 - fill));
	bar[40] = '\0';
	fprintf(p->f, "\r[%s] %3d%%%s", bar, pct, pct == 100 ? "\n" : "");
	fflush(p->f);
}

int offline_read_file(const char *path, size_t max, void **ret_data,
		      size_t *ret_len)
{
	struct dynbuf b;
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc = 0;

	f = fopen(path, "rb");
	if (!f)
		return CALOR_EIO;
	dynbuf_init(&b, max);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = dynbuf_add(&b, chunk, n)))
			goto out;
	if (ferror(f)) {
		rc = CALOR_EIO;
		goto out;
	}
	*ret_data = dynbuf_take(&b, ret_len);
	if (!*ret_data) { /* an empty file */
		*ret_data = calloc(1, 1);
		*ret_len = 0;
		if (!*ret_data)
			rc = CALOR_ENOMEM;
	}
out:
	dynbuf_done(&b);
	fclose(f);
	return rc;
}

int offline_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (!f)
		return CALOR_EIO;
	if (fwrite(data, 1, len, f) != len)
		rc = CALOR_EIO;
	if (fclose(f) != 0)
		rc = CALOR_EIO;
	return rc;
}
