/* SPDX-License-Identifier: MIT */
/* import: an NDJSON export (docs/export.md) written back into a store —
 * the site recreated under its key (or an existing one named), then every
 * page view and its events as ingest batches through store_write_batches(),
 * the path /collect takes: idempotent per batch, rage flags derived again,
 * grids counted as ingest counts them. The file is read twice: checked
 * whole first, so a bad file stores nothing; then written in groups. */
#ifndef CALOR_IMPORT_H
#define CALOR_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

/* Import batches are numbered from here within their page view: far above
 * any batch number the tracker sends (INGEST_MAX_SEQ), so an imported batch
 * never stands for a tracker's, and below 2^32 (ClickHouse's column). */
#define IMPORT_SEQ_BASE 2147483648LL

struct import_options {
	/* import into the existing site with this key; NULL: the export's
	 * own key, its site created (name, origins, created time, settings)
	 * when the store has none with that key, else imported into */
	const char *site_key;
	int skip_bad; /* skip bad lines (and the events of a skipped page
		       * view) instead of refusing the file */
	/* called every few thousand lines with the bytes done of total
	 * (both passes: total is twice the file's size); NULL for none */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

struct import_stats {
	char site_key[INGEST_MAX_KEY + 1]; /* the site written into */
	int site_created;		   /* 1: created from the site line */
	int64_t lines;			   /* lines read, blank ones included */
	/* stored now, and already stored before (duplicates) */
	int64_t pageviews, clicks, moves, goals;
	int64_t dup_pageviews, dup_clicks, dup_moves, dup_goals;
	int64_t batches; /* ingest batches written, duplicates included */
	int64_t bad_lines, first_bad_line; /* skipped with skip_bad */
	char first_bad[224];
	int no_end;	  /* skip_bad: the file had no end line */
	int end_mismatch; /* skip_bad: its counts differ from what was read */
};

/* What stopped import_file(): the line (0 when not about one line) and
 * why. */
struct import_error {
	int64_t line;
	char detail[256];
};

/* Check the NDJSON in `in` (borrowed, never closed; a seekable file: it is
 * read twice) and write it into s. The first pass reads every line with
 * ndjson_parse_line() and checks the file as a whole: a site line first
 * (format 1 or 2), page view ids unique, every event after its page view
 * and with its page view's page, device (and, for goals, session), an end
 * line last whose counts match; nothing is written when it fails (unless
 * o->skip_bad, when bad lines are counted and left out). Then the site is
 * found or created and the second pass writes each page view as a batch
 * (its scroll totals, attention and tags; IMPORT_SEQ_BASE onwards) and its
 * events as batches of consecutive lines of one page view and type, in
 * groups of up to WRITER_MAX_GROUP batches. Memory: a line, one group,
 * and about 200 bytes per page view plus its strings (the page views'
 * context, which event lines do not repeat). Returns 0 and *ret_stats;
 * CALOR_EINVAL (a bad file, or a file that is not seekable), CALOR_ENOTFOUND
 * (o->site_key names no site), CALOR_EIO, CALOR_ENOMEM, or a store error
 * (then whole batches are stored, never part of one; importing the same
 * file again finishes the work). err says which line and why. */
int import_file(struct store *s, FILE *in, const struct import_options *o,
		struct import_stats *ret_stats, struct import_error *err);

#endif
