/* SPDX-License-Identifier: MIT */
/* ndjson: reads calor's NDJSON export format (docs/export.md) — a capped
 * line splitter over a FILE and a strict parser of one line into a typed
 * record. Every byte is treated as hostile: bounded lines, bounded fields,
 * validated numbers and strings, an error code for anything else. */
#ifndef CALOR_NDJSON_H
#define CALOR_NDJSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

#define NDJSON_FORMAT	  2 /* the "format" calor writes in the site line */
#define NDJSON_FORMAT_MIN 1 /* the oldest it reads (no "settings") */
#define NDJSON_MAX_LINE	  (64 * 1024) /* bytes per line, newline excluded */
#define NDJSON_MAX_INT	  9007199254740991LL /* 2^53 - 1: exact in JSON */

enum ndjson_type {
	NDJSON_SITE = 1, /* the header: which site, which format */
	NDJSON_PAGEVIEW,
	NDJSON_CLICK,
	NDJSON_MOVE,
	NDJSON_GOAL,
	NDJSON_END /* the trailer: how many of each were written */
};

/* The "site" header line. */
struct ndjson_site {
	int64_t format; /* NDJSON_FORMAT_MIN..NDJSON_FORMAT: others are
			 * refused */
	const char *key, *name;
	const char *origins[STORE_MAX_ORIGINS];
	size_t n_origins;
	int64_t created_ms, exported_ms;
	/* format 2's "settings", over the defaults (a setting the line
	 * leaves out stays at its default); has_settings 0 for format 1 */
	int has_settings;
	struct store_site_config settings;
};

/* The "end" trailer line. */
struct ndjson_end {
	int64_t pageviews, clicks, moves, goals;
};

/* One parsed line. Strings and arrays point into the parser that made it
 * and stay valid until its next ndjson_parse_line() call. */
struct ndjson_record {
	enum ndjson_type type;
	union {
		struct ndjson_site site;
		struct store_export_pageview pageview;
		struct store_export_click click;
		struct store_export_move move;
		struct store_export_goal goal;
		struct ndjson_end end;
	} u;
};

/* Why a line was refused: names the field, or the byte for bad JSON. */
struct ndjson_error {
	char detail[192];
};

/* The name of a record type as it appears in "type" ("click"). */
const char *ndjson_type_name(enum ndjson_type type);
/* The name of a pointer type ("mouse", "touch", "pen", "key"); NULL for a
 * value that is none of them. */
const char *ndjson_pointer_name(enum pointer_type pointer);

/* The site a site line describes, as store_site_create() takes it: key,
 * name, origins, creation time and settings (the defaults for format 1);
 * id 0. Copies everything. */
void ndjson_site_to_store(const struct ndjson_site *in, struct store_site *out);

/* ---- parsing one line ---- */

struct ndjson_parser;

/* A parser with its scratch memory (about 80 KiB, allocated once).
 * CALOR_ENOMEM. Caller frees with ndjson_parser_free(). */
int ndjson_parser_new(struct ndjson_parser **ret_parser);
/* Accepts NULL. */
void ndjson_parser_free(struct ndjson_parser *p);
/* Parse line[0..len) (no newline; need not be NUL-terminated; any bytes)
 * as one record: a JSON object whose "type" names the record, with every
 * field of that type present once, no other field, and every value within
 * the caps of docs/export.md. Borrows line; *ret_record borrows from p.
 * Returns 0, or CALOR_EINVAL (CALOR_ETOOBIG for len > NDJSON_MAX_LINE)
 * with err->detail saying why; nothing else, whatever the input. */
int ndjson_parse_line(struct ndjson_parser *p, const char *line, size_t len,
		      struct ndjson_record *ret_record,
		      struct ndjson_error *err);

/* ---- splitting a stream into lines ---- */

struct ndjson_reader;

/* A line reader over in (borrowed; read with fread, never closed here),
 * with a 1 MiB buffer. CALOR_ENOMEM. Caller frees with
 * ndjson_reader_free(). */
int ndjson_reader_new(FILE *in, struct ndjson_reader **ret_reader);
/* Accepts NULL. */
void ndjson_reader_free(struct ndjson_reader *r);
/* The next line, without its "\n" (or "\r\n"), in *ret_line and *ret_len,
 * valid until the next call. Returns 1 for a line, 0 at the end of input,
 * CALOR_ETOOBIG for a line longer than NDJSON_MAX_LINE (it is skipped: the
 * next call returns the line after it), CALOR_EIO on a read error. A last
 * line without "\n" is still a line. */
int ndjson_reader_next(struct ndjson_reader *r, const char **ret_line,
		       size_t *ret_len);
/* The 1-based number of the line last returned (or refused). */
int64_t ndjson_reader_line(const struct ndjson_reader *r);
/* Bytes of input consumed so far: for progress. */
uint64_t ndjson_reader_offset(const struct ndjson_reader *r);

#endif
