/* SPDX-License-Identifier: MIT */
/* query: turns request parameters into what to read — site, page, device,
 * date range — and how to show it. Every refusal names the parameter. */
#ifndef CALOR_QUERY_H
#define CALOR_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "render.h"
#include "store.h"

#define QUERY_MAX_ARGS 32

struct query_arg {
	const char *name, *value;
};

struct query_error {
	char detail[192]; /* "device: must be desktop, tablet or mobile" */
};

enum query_format { QUERY_JSON = 0, QUERY_PNG = 1 };

/* Heatmap types; the first four are density maps of one grid kind. */
enum query_type {
	QUERY_CLICK = 0, /* values match enum store_grid_kind */
	QUERY_MOVE = 1,
	QUERY_DEAD = 2,
	QUERY_ERROR = 3,
	QUERY_RAGE = 4,
	QUERY_SCROLL,
	QUERY_ATTENTION,
	QUERY_CONFETTI,
	QUERY_DIFF
};

/* What confetti dots are coloured by. */
enum query_by {
	QUERY_BY_NEW = 0,
	QUERY_BY_SOURCE,
	QUERY_BY_BROWSER,
	QUERY_BY_OS,
	QUERY_BY_TAG
};

/* What every read selects: the site, the page, the device class, the
 * date range and the segment (docs/api.md, "Filters"). */
struct query_where {
	const char *site_key;
	const char *page;	/* NULL: every page */
	int device;		/* enum device_class, or -1: every class */
	int64_t from_ms, to_ms; /* 0: unbounded */
	struct store_segment seg;
};

struct query_heatmap {
	struct query_where w;
	enum query_type type;
	enum query_format format;
	int width;     /* 0: choose from the data */
	int cell;      /* json cell size px */
	double radius; /* png kernel radius, CSS px */
	enum render_palette palette;
	enum render_norm norm;
	enum query_by by;
	const char *by_tag;    /* the tag key for QUERY_BY_TAG */
	struct query_where vs; /* QUERY_DIFF: the second set */
};

/* What the pages table is ordered by (GET /api/v1/pages sort=). */
enum query_pages_sort {
	QUERY_PAGES_PAGEVIEWS = 0,
	QUERY_PAGES_SESSIONS,
	QUERY_PAGES_CLICKS,
	QUERY_PAGES_RAGE,
	QUERY_PAGES_DEAD,
	QUERY_PAGES_ERROR,
	QUERY_PAGES_DEPTH,
	QUERY_PAGES_CONVERSION,
	QUERY_PAGES_PRIORITY,
	QUERY_PAGES_PATH
};

#define QUERY_MAX_SEARCH      200     /* bytes of q */
#define QUERY_PAGES_LIMIT     100     /* default limit */
#define QUERY_PAGES_MAX_LIMIT 1000    /* most pages per answer */
#define QUERY_MAX_OFFSET      1000000 /* most pages skipped */

struct query_pages {
	struct query_where w;	/* no page; device may be -1 (all) */
	const char *conversion; /* goal name; NULL: the most reached goal */
	enum query_pages_sort sort;
	int ascending;	    /* order=asc (default: desc, path asc) */
	const char *search; /* q: path substring; NULL every page */
	int limit, offset;
};

/* The sort names, in enum query_pages_sort order. */
const char *query_pages_sort_name(enum query_pages_sort sort);

/* Parse the parameters of GET /api/v1/heatmap. Unknown names, missing
 * required ones and bad values give CALOR_EINVAL with err->detail naming the
 * parameter. Strings in *ret borrow from args. */
int query_parse_heatmap(const struct query_arg *args, size_t n,
			struct query_heatmap *ret, struct query_error *err);
/* Parse the parameters of GET /api/v1/pages: the filters, conversion,
 * sort, order, q, limit and offset. Same rules. */
int query_parse_pages(const struct query_arg *args, size_t n,
		      struct query_pages *ret, struct query_error *err);
struct query_scroll {
	struct query_where w;
};

/* Parse the parameters of GET /api/v1/scroll (site, page, device, from,
 * to). Same rules. */
int query_parse_scroll(const struct query_arg *args, size_t n,
		       struct query_scroll *ret, struct query_error *err);

/* What the element table is ordered by. */
enum query_sort {
	QUERY_SORT_CLICKS = 0,
	QUERY_SORT_RAGE,
	QUERY_SORT_DEAD,
	QUERY_SORT_ERROR
};

struct query_elements {
	struct query_where w;
	const char *conversion; /* goal name; NULL: the most reached goal */
	enum query_sort sort;
	int limit;
};

/* Parse the parameters of GET /api/v1/elements (the filters, page
 * required, conversion, sort, limit). Same rules. */
int query_parse_elements(const struct query_arg *args, size_t n,
			 struct query_elements *ret, struct query_error *err);

struct query_frustration {
	struct query_where w; /* page optional */
	int limit;	      /* groups per signal */
};

/* Parse the parameters of GET /api/v1/frustration. Same rules. */
int query_parse_frustration(const struct query_arg *args, size_t n,
			    struct query_frustration *ret,
			    struct query_error *err);

/* Parse "YYYY-MM-DD" (UTC midnight) into ms since the epoch. 0 or
 * CALOR_EINVAL. */
int query_parse_date(const char *s, int64_t *ret_ms);

#endif
