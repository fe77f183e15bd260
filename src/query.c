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
	return CALOR_EINVAL;
}

int query_parse_date(const char *s, int64_t *ret_ms)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, m, d, n = 0;
	int64_t days;

	if (!s || strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    s[4] != '-' || s[7] != '-')
		return CALOR_EINVAL;
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

/* The parameters every read shares: site, page (when with_page),
 * device, from, to, and "_" (a cache buster). Returns 1 when k was one of
 * them, 0 when it was not, CALOR_EINVAL (err filled) for a bad value. */
static int parse_where(const char *k, const char *val, struct query_where *w,
		       int with_page, int device_all, struct query_error *err)
{
	int rc;

	if (strcmp(k, "site") == 0) {
		if ((rc = check_site(val, err)))
			return rc;
		w->site_key = val;
	} else if (with_page && strcmp(k, "page") == 0) {
		if (val[0] != '/' || strlen(val) > INGEST_MAX_URL)
			return bad(err, "page: must be a path starting with /");
		w->page = val;
	} else if (strcmp(k, "device") == 0) {
		if ((rc = parse_device(val, device_all, &w->device, err)))
			return rc;
	} else if (strcmp(k, "from") == 0 || strcmp(k, "to") == 0) {
		if ((rc = parse_dates(k, val, &w->from_ms, &w->to_ms, err)))
			return rc;
	} else if (strcmp(k, "_") != 0) {
		return 0;
	}
	return 1;
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

int query_parse_heatmap(const struct query_arg *args, size_t n,
			struct query_heatmap *ret, struct query_error *err)
{
	struct query_heatmap q = {.w.device = DEVICE_DESKTOP,
				  .cell = 10,
				  .radius = 25,
				  .norm = RENDER_NORM_DEFAULT,
				  .vs.device = -1};
	int vs_given = 0, vs_device = 0;
	int64_t v;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const char *k = args[i].name, *val = args[i].value;
		if (!val)
			val = "";
		rc = parse_where(k, val, &q.w, 1, 0, err);
		if (rc < 0)
			return rc;
		if (rc == 1)
			continue;
		if (strcmp(k, "type") == 0) {
			static const char *const types[] = {
			    "click",  "move",	   "dead",     "error", "rage",
			    "scroll", "attention", "confetti", "diff"};
			size_t t;
			for (t = 0; t < 9 && strcmp(val, types[t]) != 0; t++)
				;
			if (t == 9)
				return bad(err, "type: must be click, move, "
						"dead, error, rage, scroll, "
						"attention, confetti or diff");
			q.type = (enum query_type)t;
		} else if (strcmp(k, "format") == 0) {
			if (strcmp(val, "json") == 0)
				q.format = QUERY_JSON;
			else if (strcmp(val, "png") == 0)
				q.format = QUERY_PNG;
			else
				return bad(err, "format: must be json or png");
		} else if (strcmp(k, "width") == 0) {
			if ((rc = parse_range(k, val, 1, INGEST_MAX_VIEWPORT,
					      &v, err)))
				return rc;
			q.width = (int)v;
		} else if (strcmp(k, "cell") == 0) {
			if ((rc = parse_range(k, val, 1, 1000, &v, err)))
				return rc;
			q.cell = (int)v;
		} else if (strcmp(k, "radius") == 0) {
			if ((rc = parse_range(k, val, 1, 200, &v, err)))
				return rc;
			q.radius = (double)v;
		} else if (strcmp(k, "palette") == 0) {
			if (render_palette_parse(val, &q.palette))
				return bad(err, "palette: must be classic or "
						"viridis");
		} else if (strcmp(k, "norm") == 0) {
			if (render_norm_parse(val, &q.norm))
				return bad(err, "norm: must be p99 or max");
		} else if (strcmp(k, "by") == 0) {
			if ((rc = parse_by(val, &q, err)))
				return rc;
		} else if (strncmp(k, "vs.", 3) == 0) {
			vs_device |= strcmp(k + 3, "device") == 0;
			rc = parse_where(k + 3, val, &q.vs, 0, 0, err);
			if (rc < 0 || strcmp(k + 3, "site") == 0 ||
			    strcmp(k + 3, "_") == 0)
				return rc < 0 ? rc
					      : bad(err,
						    "%.40s: unknown "
						    "parameter",
						    k);
			if (rc == 0)
				return bad(err, "%.40s: unknown parameter", k);
			vs_given = 1;
		} else {
			return bad(err, "%.40s: unknown parameter", k);
		}
	}
	if (q.type == QUERY_DIFF) {
		if (!vs_given)
			return bad(err, "vs.from: type=diff needs a second set "
					"(vs.from, vs.to or vs.device)");
		/* the second set is the first but for what vs.* changed */
		q.vs.site_key = q.w.site_key;
		q.vs.page = q.w.page;
		if (!vs_device)
			q.vs.device = q.w.device;
		if (!q.vs.from_ms && !q.vs.to_ms) {
			q.vs.from_ms = q.w.from_ms;
			q.vs.to_ms = q.w.to_ms;
		}
	} else if (vs_given) {
		return bad(err, "vs.*: only with type=diff");
	}
	if (!q.w.site_key)
		return bad(err, "site: required");
	if (!q.w.page)
		return bad(err, "page: required");
	*ret = q;
	return 0;
}

int query_parse_pages(const struct query_arg *args, size_t n,
		      struct query_pages *ret, struct query_error *err)
{
	struct query_pages q = {.w.device = -1};
	int rc;

	for (size_t i = 0; i < n; i++) {
		const char *val = args[i].value ? args[i].value : "";
		rc = parse_where(args[i].name, val, &q.w, 0, 1, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return bad(err, "%.40s: unknown parameter",
				   args[i].name);
	}
	if (!q.w.site_key)
		return bad(err, "site: required");
	*ret = q;
	return 0;
}

int query_parse_scroll(const struct query_arg *args, size_t n,
		       struct query_scroll *ret, struct query_error *err)
{
	struct query_scroll q = {.w.device = DEVICE_DESKTOP};
	int rc;

	for (size_t i = 0; i < n; i++) {
		const char *val = args[i].value ? args[i].value : "";
		rc = parse_where(args[i].name, val, &q.w, 1, 0, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return bad(err, "%.40s: unknown parameter",
				   args[i].name);
	}
	if (!q.w.site_key)
		return bad(err, "site: required");
	if (!q.w.page)
		return bad(err, "page: required");
	*ret = q;
	return 0;
}
