/* SPDX-License-Identifier: MIT */
/* Fuzzes the NDJSON importer (ndjson.c, ndjson_json.c): the line reader
 * over a stream and the parser of one line. An odd first byte sends the
 * rest through ndjson_reader (each 0xff byte stands for 4096 'x', so that
 * short inputs reach the 64 KiB line cap); an even one parses the rest as
 * one line. Every refusal is clean text; every record parsed is within
 * docs/export.md's caps and survives export_line_*() and parsing again
 * unchanged. */
#include <string.h>

#include "export.h"
#include "fuzz.h"
#include "ndjson.h"

#define LONG_RUN 4096 /* bytes an 0xff stands for */

static struct ndjson_parser *parser, *again_parser;

static int in(int64_t v, int64_t lo, int64_t hi)
{
	return v >= lo && v <= hi;
}

static int id_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= INGEST_MIN_ID && n <= INGEST_MAX_ID &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_-") == n;
}

static int page_ok(const char *s)
{
	return s[0] == '/' && fuzz_text_ok(s, 1, INGEST_MAX_URL);
}

static void check_pageview(const struct store_export_pageview *pv)
{
	CHECK(id_ok(pv->id) && id_ok(pv->session), "ids");
	CHECK(page_ok(pv->page), "page");
	CHECK(strlen(pv->referrer) <= INGEST_MAX_HOST, "referrer");
	CHECK(in(pv->device, 0, DEVICE_MOBILE) &&
		  in(pv->browser, 0, BROWSER_SAMSUNG) &&
		  in(pv->os, 0, OS_CHROMEOS),
	      "enums");
	CHECK(in(pv->vw, 1, INGEST_MAX_VIEWPORT) &&
		  in(pv->vh, 1, INGEST_MAX_VIEWPORT),
	      "viewport");
	CHECK(pv->dpr >= 0.25 && pv->dpr <= 16, "dpr");
	CHECK(pv->is_new == 0 || pv->is_new == 1, "is_new");
	CHECK(in(pv->ts, 0, NDJSON_MAX_INT), "ts");
	CHECK(fuzz_text_ok(pv->utm_source, 0, INGEST_MAX_UTM) &&
		  fuzz_text_ok(pv->utm_medium, 0, INGEST_MAX_UTM) &&
		  fuzz_text_ok(pv->utm_campaign, 0, INGEST_MAX_UTM) &&
		  fuzz_text_ok(pv->utm_term, 0, INGEST_MAX_UTM) &&
		  fuzz_text_ok(pv->utm_content, 0, INGEST_MAX_UTM),
	      "utm");
	CHECK(in(pv->fold, 0, INGEST_MAX_DOC_H) &&
		  in(pv->max_depth, 0, INGEST_MAX_DOC_H) &&
		  in(pv->doc_h, 0, INGEST_MAX_DOC_H) &&
		  in(pv->reversals, 0, NDJSON_MAX_INT),
	      "scroll");
	CHECK(pv->n_tags <= STORE_EXPORT_MAX_TAGS, "tags");
	for (size_t i = 0; i < pv->n_tags; i++)
		CHECK(fuzz_text_ok(pv->tags[i].key, 1, INGEST_MAX_TAG_KEY) &&
			  fuzz_text_ok(pv->tags[i].value, 0,
				       INGEST_MAX_TAG_VALUE),
		      "tag %zu", i);
}

static void check_click(const struct store_export_click *c)
{
	CHECK(id_ok(c->pageview) && page_ok(c->page), "pv, page");
	CHECK(in(c->device, 0, DEVICE_MOBILE) && in(c->pointer, 0, POINTER_KEY),
	      "enums");
	CHECK(in(c->x, 0, INGEST_MAX_DOC_W - 1) &&
		  in(c->y, 0, INGEST_MAX_DOC_H - 1),
	      "x, y");
	CHECK(in(c->vw, 1, INGEST_MAX_VIEWPORT) &&
		  in(c->vh, 1, INGEST_MAX_VIEWPORT) &&
		  in(c->dw, 1, INGEST_MAX_DOC_W) &&
		  in(c->dh, 1, INGEST_MAX_DOC_H),
	      "sizes");
	CHECK(fuzz_text_ok(c->selector, 1, INGEST_MAX_SELECTOR), "selector");
	CHECK(in(c->el_w, 0, INGEST_MAX_DOC_W) &&
		  in(c->el_h, 0, INGEST_MAX_DOC_H),
	      "element");
	CHECK(!(c->flags & ~(unsigned)(CLICK_FIXED | CLICK_INTERACTIVE |
				       CLICK_DEAD | CLICK_ERROR | CLICK_RAGE)),
	      "flags");
}

static void check_record(const struct ndjson_record *r)
{
	switch (r->type) {
	case NDJSON_SITE:
		CHECK(r->u.site.format >= NDJSON_FORMAT_MIN &&
			  r->u.site.format <= NDJSON_FORMAT,
		      "format");
		CHECK(ingest_site_key_valid(r->u.site.key), "key");
		CHECK(in((int64_t)strlen(r->u.site.name), 1, STORE_MAX_NAME),
		      "name");
		CHECK(r->u.site.n_origins <= STORE_MAX_ORIGINS, "origins");
		for (size_t i = 0; i < r->u.site.n_origins; i++)
			CHECK(fuzz_text_ok(r->u.site.origins[i], 1,
					   STORE_MAX_ORIGIN),
			      "origin");
		break;
	case NDJSON_PAGEVIEW: check_pageview(&r->u.pageview); break;
	case NDJSON_CLICK: check_click(&r->u.click); break;
	case NDJSON_MOVE:
		CHECK(id_ok(r->u.move.pageview) && page_ok(r->u.move.page),
		      "move");
		CHECK(in(r->u.move.x, 0, INGEST_MAX_DOC_W - 1) &&
			  in(r->u.move.y, 0, INGEST_MAX_DOC_H - 1) &&
			  in(r->u.move.vw, 1, INGEST_MAX_VIEWPORT),
		      "move point");
		break;
	case NDJSON_GOAL:
		CHECK(id_ok(r->u.goal.pageview) && id_ok(r->u.goal.session) &&
			  page_ok(r->u.goal.page),
		      "goal");
		CHECK(in((int64_t)strlen(r->u.goal.name), 1, INGEST_MAX_GOAL),
		      "goal name");
		break;
	case NDJSON_END:
		CHECK(r->u.end.pageviews >= 0 && r->u.end.clicks >= 0 &&
			  r->u.end.moves >= 0 && r->u.end.goals >= 0,
		      "counts");
		break;
	default: CHECK(0, "type %d", (int)r->type);
	}
}

/* The record as export.c writes it, into b. */
static int export_record(struct dynbuf *b, const struct ndjson_record *r)
{
	static struct store_site site;
	struct export_counts counts;

	switch (r->type) {
	case NDJSON_SITE:
		ndjson_site_to_store(&r->u.site, &site);
		return export_line_site(b, &site, r->u.site.exported_ms);
	case NDJSON_PAGEVIEW: return export_line_pageview(b, &r->u.pageview);
	case NDJSON_CLICK: return export_line_click(b, &r->u.click);
	case NDJSON_MOVE: return export_line_move(b, &r->u.move);
	case NDJSON_GOAL: return export_line_goal(b, &r->u.goal);
	case NDJSON_END:
		counts.pageviews = r->u.end.pageviews;
		counts.clicks = r->u.end.clicks;
		counts.moves = r->u.end.moves;
		counts.goals = r->u.end.goals;
		return export_line_end(b, &counts);
	}
	return CALOR_EINVAL;
}

/* Exported, parsed again and exported again: the same line. A line that
 * escaping made longer than the cap may be refused, nothing else. */
static void check_round_trip(const struct ndjson_record *r)
{
	struct dynbuf first, second;
	struct ndjson_record again;
	struct ndjson_error err;
	int rc;

	dynbuf_init(&first, NDJSON_MAX_LINE + 1);
	dynbuf_init(&second, NDJSON_MAX_LINE + 1);
	rc = export_record(&first, r);
	CHECK(rc == 0 || rc == CALOR_ETOOBIG, "export: %d", rc);
	if (rc)
		goto out;
	CHECK(first.len > 0 && first.data[first.len - 1] == '\n', "newline");
	rc = ndjson_parse_line(again_parser, first.data, first.len - 1, &again,
			       &err);
	CHECK(rc == 0, "exported line refused: %s: %.*s", err.detail,
	      (int)first.len, first.data);
	CHECK(again.type == r->type, "type");
	CHECK(export_record(&second, &again) == 0, "second export");
	CHECK(second.len == first.len &&
		  memcmp(first.data, second.data, first.len) == 0,
	      "round trip changed\n%.*s\nto\n%.*s", (int)first.len, first.data,
	      (int)second.len, second.data);
out:
	dynbuf_done(&first);
	dynbuf_done(&second);
}

static void parse_one(const char *line, size_t len)
{
	struct ndjson_record rec;
	struct ndjson_error err;
	int rc;

	memset(&err, 0x55, sizeof(err)); /* the parser must set it */
	rc = ndjson_parse_line(parser, line, len, &rec, &err);
	if (rc == 0) {
		check_record(&rec);
		check_round_trip(&rec);
		return;
	}
	CHECK(rc == CALOR_EINVAL || rc == CALOR_ETOOBIG, "rc %d", rc);
	CHECK(rc != CALOR_ETOOBIG || len > NDJSON_MAX_LINE, "too big");
	CHECK(memchr(err.detail, '\0', sizeof(err.detail)) &&
		  fuzz_text_ok(err.detail, 1, sizeof(err.detail) - 1),
	      "detail not clean text");
}

/* The input with each 0xff byte as LONG_RUN 'x's, read line by line. */
static void read_stream(const uint8_t *data, size_t size)
{
	struct ndjson_reader *r = NULL;
	size_t n = 0, longs = 0;
	uint64_t last_offset = 0;
	int64_t lines = 0;
	char *buf;
	FILE *f;

	for (size_t i = 0; i < size; i++)
		longs += data[i] == 0xff;
	buf = malloc(size + longs * LONG_RUN + 1);
	CHECK(buf, "out of memory");
	for (size_t i = 0; i < size; i++) {
		if (data[i] == 0xff) {
			memset(buf + n, 'x', LONG_RUN);
			n += LONG_RUN;
		} else {
			buf[n++] = (char)data[i];
		}
	}
	f = n ? fmemopen(buf, n, "rb") : fopen("/dev/null", "rb");
	CHECK(f, "fmemopen");
	CHECK(ndjson_reader_new(f, &r) == 0, "reader");
	for (;;) {
		const char *line;
		size_t len;
		int rc = ndjson_reader_next(r, &line, &len);

		CHECK(rc == 1 || rc == 0 || rc == CALOR_ETOOBIG, "rc %d", rc);
		if (rc == 0)
			break;
		CHECK(ndjson_reader_line(r) == ++lines, "line number");
		CHECK(ndjson_reader_offset(r) >= last_offset &&
			  ndjson_reader_offset(r) <= n,
		      "offset");
		last_offset = ndjson_reader_offset(r);
		if (rc == CALOR_ETOOBIG)
			continue;
		CHECK(len <= NDJSON_MAX_LINE, "line of %zu bytes", len);
		CHECK(!memchr(line, '\n', len), "newline inside a line");
		parse_one(line, len);
	}
	CHECK(ndjson_reader_offset(r) == n, "read %llu of %zu bytes",
	      (unsigned long long)ndjson_reader_offset(r), n);
	ndjson_reader_free(r);
	fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!parser) { /* kept for the process, as calor render keeps one */
		CHECK(ndjson_parser_new(&parser) == 0 &&
			  ndjson_parser_new(&again_parser) == 0,
		      "parser");
	}
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		read_stream(data + 1, size - 1);
	} else {
		/* an exact copy: a read past the line's end is caught */
		char *line = malloc(size - 1 ? size - 1 : 1);
		CHECK(line, "out of memory");
		memcpy(line, data + 1, size - 1);
		parse_one(line, size - 1);
		free(line);
	}
	return 0;
}
