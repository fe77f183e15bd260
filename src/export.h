/* SPDX-License-Identifier: MIT */
/* export: a site's stored events written as NDJSON (docs/export.md) — the
 * site line, every record of store_export_site() and an end line with the
 * counts. Each line is built in one bounded buffer and read back by the
 * NDJSON parser before it is written, so memory stays constant whatever the
 * site's size and every line written is one `calor import` can read. */
#ifndef CALOR_EXPORT_H
#define CALOR_EXPORT_H

#include <stdio.h>

#include "ndjson.h"
#include "store.h"

struct export_counts {
	int64_t pageviews, clicks, moves, goals;
};

/* Append one record as a line, "\n" included, to b. Returns 0,
 * CALOR_EINVAL for a value the format cannot say (a device, browser, OS or
 * pointer out of its enum, a dpr that is not finite), CALOR_ETOOBIG past
 * b's max, CALOR_ENOMEM. Borrows everything. */
int export_line_site(struct dynbuf *b, const struct store_site *site,
		     int64_t exported_ms);
int export_line_pageview(struct dynbuf *b,
			 const struct store_export_pageview *pv);
int export_line_click(struct dynbuf *b, const struct store_export_click *c);
int export_line_move(struct dynbuf *b, const struct store_export_move *m);
int export_line_goal(struct dynbuf *b, const struct store_export_goal *g);
int export_line_end(struct dynbuf *b, const struct export_counts *counts);

/* Write every event of the site whose key is site_key to out (borrowed,
 * not closed; checked with ferror() at the end) as NDJSON, stamped with
 * now_ms as its export time, and the counts written into *ret_counts
 * (may be NULL). Returns 0; CALOR_ENOTFOUND for an unknown key; store
 * errors; CALOR_EINVAL or CALOR_ETOOBIG for a stored record the format
 * cannot hold; CALOR_EIO when out cannot be written. Except for
 * CALOR_ENOMEM, err[0..err_size) says what went wrong. */
int export_site(struct store *s, const char *site_key, int64_t now_ms,
		FILE *out, struct export_counts *ret_counts, char *err,
		size_t err_size);

#endif
