/* SPDX-License-Identifier: MIT */
/* query: parameter parsing for the read API. Each parameter has one parser
 * and one message; unknown parameters are refused so a typo is never
 * silently ignored. */
#include "query.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int bad(struct query_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int bad(struct query_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	/* a detail may quote a parameter's name, any bytes cut at 40: it
	 * goes into a JSON answer, so it must be text */
	utf8_clean(err->detail);
	return CALOR_EINVAL;
}

/* The number of the n digits at s; -1 if one is not a digit. (sscanf's
 * %d would take "+1" or " 1" too.) */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int query_parse_date(const char *s, int64_t *ret_ms)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, m, d;
	int64_t days;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return CALOR_EINVAL;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
		return CALOR_EINVAL;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return CALOR_EINVAL;
	/* days from civil (Howard Hinnant's algorithm) */
	y -= m <= 2;
	int era = y / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = (int64_t)era * 146097 + doe - 719468;
	*ret_ms = days * 86400000LL;
	return 0;
}

static int parse_device(const char *v, int allow_all, int *ret,
			struct query_error *err)
{
	enum device_class d;
	if (allow_all && strcmp(v, "all") == 0) {
		*ret = -1;
		return 0;
	}
	if (ingest_device_parse(v, &d))
		return bad(err, "device: must be desktop, tablet or mobile%s",
			   allow_all ? " (or all)" : "");
	*ret = (int)d;
	return 0;
}

static int parse_range(const char *name, const char *v, int64_t min,
		       int64_t max, int64_t *ret, struct query_error *err)
{
	if (parse_int64(v, min, max, ret))
		return bad(err, "%s: must be an integer in %lld..%lld", name,
			   (long long)min, (long long)max);
	return 0;
}

/* from (inclusive) and to (inclusive day) as YYYY-MM-DD. */
static int parse_dates(const char *name, const char *v, int64_t *from,
		       int64_t *to, struct query_error *err)
{
	int64_t ms;
	if (query_parse_date(v, &ms))
		return bad(err, "%s: must be a date YYYY-MM-DD", name);
	if (strcmp(name, "from") == 0)
		*from = ms;
	else
		*to = ms + 86400000LL;
	return 0;
}

static int check_site(const char *v, struct query_error *err)
{
	if (!ingest_site_key_valid(v))
		return bad(err, "site: must be a site key");
	return 0;
}

/* 1 when s is 1..max bytes of UTF-8 without control characters. */
static int text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || !utf8_valid(s, n))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The index of name among names(0..n) by their name function. */
static int enum_parse(const char *v, int n, const char *(*name)(int), int *ret)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v, name(i)) == 0) {
			*ret = i;
			return 0;
		}
	return CALOR_EINVAL;
}

static const char *browser_name(int i)
{
	return ingest_browser_name((enum browser_family)i);
}
static const char *os_name(int i)
{
	return ingest_os_name((enum os_family)i);
}
static const char *source_name(int i)
{
	return ingest_source_name((enum source_class)i);
}

/* "MIN-MAX", "MIN-" or "-MAX" viewport widths in CSS px. */
static int parse_band(const char *v, struct store_segment *g,
		      struct query_error *err)
{
	const char *dash = strchr(v, '-');
	char lo[16] = "", hi[16] = "";
	int64_t a = 0, b = 0;

	if (!dash || (size_t)(dash - v) >= sizeof(lo) ||
	    strlen(dash + 1) >= sizeof(hi))
		goto fail;
	memcpy(lo, v, (size_t)(dash - v));
	str_copy(hi, dash + 1, sizeof(hi));
	if ((!*lo && !*hi) ||
	    (*lo && parse_int64(lo, 1, INGEST_MAX_VIEWPORT, &a)) ||
	    (*hi && parse_int64(hi, 1, INGEST_MAX_VIEWPORT, &b)) ||
	    (*lo && *hi && a > b))
		goto fail;
	g->vw_min = (int32_t)a;
	g->vw_max = (int32_t)b;
	return 0;
fail:
	return bad(err,
		   "vw: must be a viewport width band MIN-MAX, MIN- or "
		   "-MAX in CSS px (1..%d)",
		   INGEST_MAX_VIEWPORT);
}

static int parse_tag(const char *k, const char *v, struct store_segment *g,
		     struct query_error *err)
{
	const char *key = k + 4;
	size_t i;

	if (!*key || strlen(key) > INGEST_MAX_TAG_KEY ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(key))
		return bad(err, "%.40s: a tag key is [a-z0-9_]{1,%d}", k,
			   INGEST_MAX_TAG_KEY);
	if (!text_ok(v, INGEST_MAX_TAG_VALUE))
		return bad(err, "%.40s: must be 1..%d bytes of text", k,
			   INGEST_MAX_TAG_VALUE);
	for (i = 0; i < g->n_tags && strcmp(g->tags[i].key, key) != 0; i++)
		;
	if (i == STORE_MAX_TAG_FILTERS)
		return bad(err, "%.40s: at most %d tag filters", k,
			   STORE_MAX_TAG_FILTERS);
	g->tags[i].key = key;
	g->tags[i].value = v;
	if (i == g->n_tags)
		g->n_tags++;
	return 0;
}

/* The segment filters (docs/api.md, "Filters"). Returns 1 when k was one,
 * 0 when not, CALOR_EINVAL for a bad value. */
static int parse_segment(const char *k, const char *v, struct store_segment *g,
			 struct query_error *err)
{
	static const struct {
		const char *name;
		unsigned bit;
		int n;
		const char *(*fn)(int);
		const char *values;
	} enums[] = {
	    {"browser", STORE_SEG_BROWSER, 7, browser_name,
	     "chrome, edge, firefox, safari, opera, samsung or other"},
	    {"os", STORE_SEG_OS, 7, os_name,
	     "windows, macos, ios, android, linux, chromeos or other"},
	    {"source", STORE_SEG_SOURCE, 5, source_name,
	     "direct, search, social, campaign or referral"},
	};
	const struct {
		const char *name;
		const char **slot;
		size_t max;
	} texts[] = {
	    {"utm_source", &g->utm_source, INGEST_MAX_UTM},
	    {"utm_medium", &g->utm_medium, INGEST_MAX_UTM},
	    {"utm_campaign", &g->utm_campaign, INGEST_MAX_UTM},
	    {"goal", &g->goal, INGEST_MAX_GOAL},
	    {"nogoal", &g->nogoal, INGEST_MAX_GOAL},
	};
	int *slots[] = {&g->browser, &g->os, &g->source};

	for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
		if (strcmp(k, enums[i].name) != 0)
			continue;
		if (enum_parse(v, enums[i].n, enums[i].fn, slots[i]))
			return bad(err, "%s: must be %s", k, enums[i].values);
		g->has |= enums[i].bit;
		return 1;
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (strcmp(k, texts[i].name) != 0)
			continue;
		if (!text_ok(v, texts[i].max))
			return bad(err, "%s: must be 1..%zu bytes of text", k,
				   texts[i].max);
		*texts[i].slot = v;
		return 1;
	}
	if (strcmp(k, "visitor") == 0) {
		if (strcmp(v, "new") != 0 && strcmp(v, "returning") != 0)
			return bad(err, "visitor: must be new or returning");
		g->is_new = strcmp(v, "new") == 0;
		g->has |= STORE_SEG_NEW;
	} else if (strcmp(k, "referrer") == 0) {
		if (!*v || strlen(v) > INGEST_MAX_HOST ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
			strlen(v))
			return bad(err, "referrer: must be a host name");
		g->referrer = v;
	} else if (strcmp(k, "vw") == 0) {
		return parse_band(v, g, err) ? CALOR_EINVAL : 1;
	} else if (strncmp(k, "tag.", 4) == 0) {
		return parse_tag(k, v, g, err) ? CALOR_EINVAL : 1;
	} else {
		return 0;
	}
	return 1;
}

/* The parameters every read shares: site, page (when with_page), device,
 * from, to, the segment, and "_" (a cache buster). Returns 1 when k was
 * one of them, 0 when it was not, CALOR_EINVAL (err filled) for a bad
 * value. */
static int parse_where(const char *k, const char *val, struct query_where *w,
		       int with_page, int device_all, struct query_error *err)
{
	int rc;

	if (strcmp(k, "site") == 0) {
		if ((rc = check_site(val, err)))
			return rc;
		w->site_key = val;
	} else if (with_page && strcmp(k, "page") == 0) {
		if (val[0] != '/' || !text_ok(val, INGEST_MAX_URL))
			return bad(err, "page: must be a path starting with /");
		w->page = val;
	} else if (strcmp(k, "device") == 0) {
		if ((rc = parse_device(val, device_all, &w->device, err)))
			return rc;
	} else if (strcmp(k, "from") == 0 || strcmp(k, "to") == 0) {
		if ((rc = parse_dates(k, val, &w->from_ms, &w->to_ms, err)))
			return rc;
	} else if (strcmp(k, "_") != 0) {
		return parse_segment(k, val, &w->seg, err);
	}
	return 1;
}

/* Parse args into w with parse_where(), handing any other parameter to
 * other (which returns 0, or CALOR_EINVAL with err filled; NULL: every
 * other parameter is unknown). device_default applies unless device or a
 * width band is given (a band alone reads every device class). with_page:
 * 0 no page parameter, 1 optional, 2 required. The heatmap's "vs.*"
 * parameters are left to parse_vs(). */
typedef int (*query_other_fn)(void *q, const char *k, const char *v,
			      struct query_error *err);
static int heatmap_other(void *ctx, const char *k, const char *val,
			 struct query_error *err);

static int parse_args(const struct query_arg *args, size_t n,
		      struct query_where *w, int with_page, int device_all,
		      int device_default, query_other_fn other, void *q,
		      struct query_error *err)
{
	int device_given = 0, rc;

	for (size_t i = 0; i < n; i++) {
		const char *k = args[i].name, *val = args[i].value;
		if (!val)
			val = "";
		if (strncmp(k, "vs.", 3) == 0 && other == heatmap_other)
			continue;
		device_given |= strcmp(k, "device") == 0;
		rc = parse_where(k, val, w, with_page, device_all, err);
		if (rc < 0)
			return rc;
		if (rc == 1)
			continue;
		if (!other)
			return bad(err, "%.40s: unknown parameter", k);
		if ((rc = other(q, k, val, err)))
			return rc;
	}
	if (!device_given)
		w->device =
		    w->seg.vw_min || w->seg.vw_max ? -1 : device_default;
	if (!w->site_key)
		return bad(err, "site: required");
	if (with_page == 2 && !w->page)
		return bad(err, "page: required");
	return 0;
}

static int parse_by(const char *val, struct query_heatmap *q,
		    struct query_error *err)
{
	static const char *const names[] = {"new", "source", "browser", "os"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(val, names[i]) == 0) {
			q->by = (enum query_by)i;
			return 0;
		}
	}
	if (strncmp(val, "tag.", 4) == 0 && val[4] &&
	    strlen(val + 4) <= INGEST_MAX_TAG_KEY &&
	    strspn(val + 4, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
		strlen(val + 4)) {
		q->by = QUERY_BY_TAG;
		q->by_tag = val + 4;
		return 0;
	}
	return bad(err, "by: must be new, source, browser, os or tag.KEY");
}

static int heatmap_other(void *ctx, const char *k, const char *val,
			 struct query_error *err)
{
	struct query_heatmap *q = ctx;
	int64_t v;
	int rc;

	if (strcmp(k, "type") == 0) {
		static const char *const types[] = {
		    "click",  "move",	   "dead",     "error", "rage",
		    "scroll", "attention", "confetti", "diff"};
		size_t t;
		for (t = 0; t < 9 && strcmp(val, types[t]) != 0; t++)
			;
		if (t == 9)
			return bad(err, "type: must be click, move, dead, "
					"error, rage, scroll, attention, "
					"confetti or diff");
		q->type = (enum query_type)t;
	} else if (strcmp(k, "format") == 0) {
		if (strcmp(val, "json") == 0)
			q->format = QUERY_JSON;
		else if (strcmp(val, "png") == 0)
			q->format = QUERY_PNG;
		else
			return bad(err, "format: must be json or png");
	} else if (strcmp(k, "width") == 0) {
		if ((rc = parse_range(k, val, 1, INGEST_MAX_VIEWPORT, &v, err)))
			return rc;
		q->width = (int)v;
	} else if (strcmp(k, "cell") == 0) {
		if ((rc = parse_range(k, val, 1, 1000, &v, err)))
			return rc;
		q->cell = (int)v;
	} else if (strcmp(k, "radius") == 0) {
		if ((rc = parse_range(k, val, 1, 200, &v, err)))
			return rc;
		q->radius = (double)v;
	} else if (strcmp(k, "palette") == 0) {
		if (render_palette_parse(val, &q->palette))
			return bad(err, "palette: must be classic or viridis");
	} else if (strcmp(k, "norm") == 0) {
		if (render_norm_parse(val, &q->norm))
			return bad(err, "norm: must be p99 or max");
	} else if (strcmp(k, "by") == 0) {
		return parse_by(val, q, err);
	} else {
		return bad(err, "%.40s: unknown parameter", k);
	}
	return 0;
}

/* Remove filter k from g ("vs.KEY=*": the second set without it). 1 when
 * k names a segment filter, else 0. */
static int segment_clear(const char *k, struct store_segment *g)
{
	static const struct {
		const char *name;
		unsigned bit;
	} bits[] = {{"browser", STORE_SEG_BROWSER},
		    {"os", STORE_SEG_OS},
		    {"source", STORE_SEG_SOURCE},
		    {"visitor", STORE_SEG_NEW}};
	const struct {
		const char *name;
		const char **slot;
	} texts[] = {
	    {"referrer", &g->referrer},
	    {"utm_source", &g->utm_source},
	    {"utm_medium", &g->utm_medium},
	    {"utm_campaign", &g->utm_campaign},
	    {"goal", &g->goal},
	    {"nogoal", &g->nogoal},
	};

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (strcmp(k, bits[i].name) == 0) {
			g->has &= ~bits[i].bit;
			return 1;
		}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(k, texts[i].name) == 0) {
			*texts[i].slot = NULL;
			return 1;
		}
	if (strcmp(k, "vw") == 0) {
		g->vw_min = g->vw_max = 0;
		return 1;
	}
	if (strncmp(k, "tag.", 4) == 0) {
		size_t j = 0;
		for (size_t i = 0; i < g->n_tags; i++)
			if (strcmp(g->tags[i].key, k + 4) != 0)
				g->tags[j++] = g->tags[i];
		g->n_tags = j;
		return 1;
	}
	return 0;
}

/* A refusal of a vs.* value by parse_where(), which names the parameter
 * without its "vs.": put it back. */
static int vs_refused(struct query_error *err)
{
	size_t n = strlen(err->detail);

	if (n + 3 >= sizeof(err->detail))
		n = sizeof(err->detail) - 4;
	memmove(err->detail + 3, err->detail, n);
	memcpy(err->detail, "vs.", 3);
	err->detail[n + 3] = '\0';
	utf8_clean(err->detail); /* in case the cut split a character */
	return CALOR_EINVAL;
}

/* The second set of a comparison: the first set, changed by every vs.*
 * parameter ("*" removes a filter). Its device follows the first set's
 * rule: as given (device or vs.device), else every class in a width band,
 * else desktop — so removing the band with vs.vw=* never mixes device
 * classes. Returns the number of vs.* parameters, or CALOR_EINVAL. */
static int parse_vs(const struct query_arg *args, size_t n,
		    const struct query_where *w, struct query_where *vs,
		    struct query_error *err)
{
	int given = 0, device_given = 0, rc;

	*vs = *w;
	for (size_t i = 0; i < n; i++) {
		/* a date range given for the second set replaces the
		 * first's */
		if (strcmp(args[i].name, "vs.from") == 0 ||
		    strcmp(args[i].name, "vs.to") == 0)
			vs->from_ms = vs->to_ms = 0;
		device_given |= strcmp(args[i].name, "device") == 0 ||
				strcmp(args[i].name, "vs.device") == 0;
	}
	for (size_t i = 0; i < n; i++) {
		const char *k = args[i].name, *val = args[i].value;
		if (strncmp(k, "vs.", 3) != 0)
			continue;
		if (!val)
			val = "";
		k += 3;
		if (strcmp(k, "site") == 0 || strcmp(k, "_") == 0 ||
		    strcmp(k, "page") == 0)
			return bad(err, "vs.%.40s: unknown parameter", k);
		if (strcmp(val, "*") == 0) {
			if (!segment_clear(k, &vs->seg))
				return bad(err,
					   "vs.%.40s: * removes a segment "
					   "filter; this one cannot be removed",
					   k);
			given++;
			continue;
		}
		rc = parse_where(k, val, vs, 0, 0, err);
		if (rc < 0)
			return vs_refused(err);
		if (rc == 0)
			return bad(err, "vs.%.40s: unknown parameter", k);
		given++;
	}
	if (!device_given)
		vs->device =
		    vs->seg.vw_min || vs->seg.vw_max ? -1 : DEVICE_DESKTOP;
	return given;
}

int query_parse_heatmap(const struct query_arg *args, size_t n,
			struct query_heatmap *ret, struct query_error *err)
{
	struct query_heatmap q = {
	    .cell = 10, .radius = 25, .norm = RENDER_NORM_DEFAULT};
	int rc, given;

	if ((rc = parse_args(args, n, &q.w, 2, 0, DEVICE_DESKTOP, heatmap_other,
			     &q, err)))
		return rc;
	if ((given = parse_vs(args, n, &q.w, &q.vs, err)) < 0)
		return given;
	if (q.type == QUERY_DIFF && !given)
		return bad(err, "vs.from: type=diff needs a second set (any "
				"filter prefixed with vs., e.g. vs.device or "
				"vs.tag.variant)");
	if (q.type != QUERY_DIFF && given)
		return bad(err, "vs.*: only with type=diff");
	*ret = q;
	return 0;
}

static const char *const pages_sorts[] = {
    "pageviews", "sessions", "clicks",	   "rage",     "dead",
    "error",	 "depth",    "conversion", "priority", "path"};

const char *query_pages_sort_name(enum query_pages_sort sort)
{
	return (size_t)sort < sizeof(pages_sorts) / sizeof(pages_sorts[0])
		   ? pages_sorts[sort]
		   : "pageviews";
}

static int pages_other(void *ctx, const char *k, const char *val,
		       struct query_error *err)
{
	struct query_pages *q = ctx;
	int64_t v;
	int rc;

	if (strcmp(k, "conversion") == 0) {
		if (!text_ok(val, INGEST_MAX_GOAL))
			return bad(err, "conversion: must be a goal name");
		q->conversion = val;
	} else if (strcmp(k, "sort") == 0) {
		for (size_t i = 0;
		     i < sizeof(pages_sorts) / sizeof(pages_sorts[0]); i++)
			if (strcmp(val, pages_sorts[i]) == 0) {
				q->sort = (enum query_pages_sort)i;
				return 0;
			}
		return bad(err, "sort: must be pageviews, sessions, clicks, "
				"rage, dead, error, depth, conversion, "
				"priority or path");
	} else if (strcmp(k, "order") == 0) {
		if (strcmp(val, "asc") != 0 && strcmp(val, "desc") != 0)
			return bad(err, "order: must be asc or desc");
		q->ascending = strcmp(val, "asc") == 0 ? 1 : 0;
	} else if (strcmp(k, "q") == 0) {
		/* empty: every page (a cleared search box) */
		if (*val && !text_ok(val, QUERY_MAX_SEARCH))
			return bad(err,
				   "q: must be at most %d bytes of text "
				   "without control characters",
				   QUERY_MAX_SEARCH);
		q->search = *val ? val : NULL;
	} else if (strcmp(k, "limit") == 0) {
		if ((rc = parse_range(k, val, 1, QUERY_PAGES_MAX_LIMIT, &v,
				      err)))
			return rc;
		q->limit = (int)v;
	} else if (strcmp(k, "offset") == 0) {
		if ((rc = parse_range(k, val, 0, QUERY_MAX_OFFSET, &v, err)))
			return rc;
		q->offset = (int)v;
	} else {
		return bad(err, "%.40s: unknown parameter", k);
	}
	return 0;
}

int query_parse_pages(const struct query_arg *args, size_t n,
		      struct query_pages *ret, struct query_error *err)
{
	struct query_pages q = {.limit = QUERY_PAGES_LIMIT, .ascending = -1};
	int rc = parse_args(args, n, &q.w, 0, 1, -1, pages_other, &q, err);

	if (rc)
		return rc;
	/* the default order: most first, except paths A to Z */
	if (q.ascending < 0)
		q.ascending = q.sort == QUERY_PAGES_PATH;
	*ret = q;
	return 0;
}

int query_parse_scroll(const struct query_arg *args, size_t n,
		       struct query_scroll *ret, struct query_error *err)
{
	struct query_scroll q = {0};
	int rc =
	    parse_args(args, n, &q.w, 2, 0, DEVICE_DESKTOP, NULL, NULL, err);

	if (!rc)
		*ret = q;
	return rc;
}

static int limit_param(const char *k, const char *val, int *ret,
		       struct query_error *err)
{
	int64_t v;
	int rc = parse_range(k, val, 1, 1000, &v, err);
	if (!rc)
		*ret = (int)v;
	return rc;
}

static int elements_other(void *ctx, const char *k, const char *val,
			  struct query_error *err)
{
	static const char *const sorts[] = {"clicks", "rage", "dead", "error"};
	struct query_elements *q = ctx;

	if (strcmp(k, "conversion") == 0) {
		if (!text_ok(val, INGEST_MAX_GOAL))
			return bad(err, "conversion: must be a goal name");
		q->conversion = val;
	} else if (strcmp(k, "sort") == 0) {
		for (size_t i = 0; i < 4; i++)
			if (strcmp(val, sorts[i]) == 0) {
				q->sort = (enum query_sort)i;
				return 0;
			}
		return bad(err, "sort: must be clicks, rage, dead or error");
	} else if (strcmp(k, "limit") == 0) {
		return limit_param(k, val, &q->limit, err);
	} else {
		return bad(err, "%.40s: unknown parameter", k);
	}
	return 0;
}

int query_parse_elements(const struct query_arg *args, size_t n,
			 struct query_elements *ret, struct query_error *err)
{
	struct query_elements q = {.limit = 100};
	int rc = parse_args(args, n, &q.w, 2, 1, -1, elements_other, &q, err);

	if (!rc)
		*ret = q;
	return rc;
}

static int frustration_other(void *ctx, const char *k, const char *val,
			     struct query_error *err)
{
	struct query_frustration *q = ctx;

	if (strcmp(k, "limit") == 0)
		return limit_param(k, val, &q->limit, err);
	return bad(err, "%.40s: unknown parameter", k);
}

int query_parse_frustration(const struct query_arg *args, size_t n,
			    struct query_frustration *ret,
			    struct query_error *err)
{
	struct query_frustration q = {.limit = 10};
	int rc =
	    parse_args(args, n, &q.w, 1, 1, -1, frustration_other, &q, err);

	if (!rc)
		*ret = q;
	return rc;
}
