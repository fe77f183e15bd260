/* SPDX-License-Identifier: MIT */
/* Fuzzes the read API's parameter parsers (query.c). The first byte picks
 * the endpoint (heatmap, pages, scroll, elements, frustration) or the date
 * parser; the rest is a query string, split and percent-decoded as
 * libmicrohttpd hands it to http.c. Each parse either fails with a clean
 * detail that starts with a parameter's name, or yields values in range. */
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "query.h"

#define DAY_MS 86400000LL

enum which { HEATMAP, PAGES, SCROLL, ELEMENTS, FRUSTRATION, DATE, N_WHICH };

struct args {
	struct query_arg a[QUERY_MAX_ARGS];
	size_t n;
	char buf[]; /* the decoded names and values */
};

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* s[0..n) decoded into out ('+' a space, %XX a byte, a bad escape kept):
 * a C string, so a decoded NUL ends it, as it does for libmicrohttpd. */
static char *unescape(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && hex(s[i + 1]) >= 0 &&
			   hex(s[i + 2]) >= 0) {
			out[o++] = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* "k=v&k&..." into at most QUERY_MAX_ARGS arguments (libmicrohttpd stops
 * at the cap and http.c refuses the request, so more are never parsed). A
 * name without "=" has a NULL value. */
static struct args *split(const char *s, size_t n)
{
	struct args *r = malloc(sizeof(*r) + n + 2 * QUERY_MAX_ARGS + 2);
	char *o;
	size_t i = 0;

	CHECK(r, "out of memory");
	r->n = 0;
	o = r->buf;
	while (i <= n && r->n < QUERY_MAX_ARGS) {
		size_t end = i, eq;

		while (end < n && s[end] != '&')
			end++;
		for (eq = i; eq < end && s[eq] != '='; eq++)
			;
		if (end > i) {
			struct query_arg *a = &r->a[r->n++];
			a->name = unescape(s + i, eq - i, o);
			o += strlen(o) + 1;
			a->value = NULL;
			if (eq < end) {
				a->value =
				    unescape(s + eq + 1, end - eq - 1, o);
				o += strlen(o) + 1;
			}
		}
		i = end + 1;
	}
	return r;
}

/* Clean text: UTF-8 without control characters (it goes into a JSON
 * answer and the log). */
static int clean(const char *s)
{
	size_t n = strlen(s);

	if (!utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* 1 when d starts with "NAME:" for name as query.c shows it: cut to its
 * first cut bytes and cleaned (utf8_clean), after prefix. */
static int names(const char *d, const char *prefix, const char *name,
		 size_t cut)
{
	char shown[64];
	size_t p = strlen(prefix), n = strlen(name);

	if (n > cut)
		n = cut;
	memcpy(shown, prefix, p);
	memcpy(shown + p, name, n);
	shown[p + n] = '\0';
	utf8_clean(shown);
	return strncmp(d, shown, p + n) == 0 && d[p + n] == ':';
}

/* The detail starts with "NAME:" for a parameter that was given (as
 * given, "vs." included) or a required one. */
static void check_error(const struct args *r, const struct query_error *err)
{
	static const char *const fixed[] = {
	    "site:", "page:", "vs.from:", "vs.*:"};
	const char *d = err->detail;

	CHECK(d[0] && strlen(d) < sizeof(err->detail), "empty detail");
	CHECK(clean(d), "detail not clean text: %s", d);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strncmp(d, fixed[i], strlen(fixed[i])) == 0)
			return;
	for (size_t i = 0; i < r->n; i++) {
		const char *k = r->a[i].name;

		if (names(d, "", k, 40) ||
		    (strncmp(k, "vs.", 3) == 0 && names(d, "vs.", k + 3, 40)))
			return;
	}
	CHECK(0, "detail names no parameter: %s", d);
}

static int in(int64_t v, int64_t lo, int64_t hi)
{
	return v >= lo && v <= hi;
}

static int tag_key_ok(const char *k)
{
	size_t n = strlen(k);
	return n >= 1 && n <= INGEST_MAX_TAG_KEY &&
	       strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int text_ok(const char *s, size_t max)
{
	return !s || (*s && strlen(s) <= max && clean(s));
}

static void check_where(const struct query_where *w, int device_all)
{
	const struct store_segment *g = &w->seg;

	CHECK(ingest_site_key_valid(w->site_key), "site");
	CHECK(!w->page ||
		  (w->page[0] == '/' && text_ok(w->page, INGEST_MAX_URL)),
	      "page");
	CHECK(in(w->device, -1, DEVICE_MOBILE), "device %d", w->device);
	CHECK(w->device >= 0 || device_all || g->vw_min || g->vw_max,
	      "every device without a band");
	CHECK(w->from_ms >= 0 && w->from_ms % DAY_MS == 0, "from");
	CHECK(w->to_ms >= 0 && w->to_ms % DAY_MS == 0, "to");
	CHECK(!(g->has & ~15u), "has");
	CHECK(!(g->has & STORE_SEG_BROWSER) ||
		  in(g->browser, 0, BROWSER_SAMSUNG),
	      "browser");
	CHECK(!(g->has & STORE_SEG_OS) || in(g->os, 0, OS_CHROMEOS), "os");
	CHECK(!(g->has & STORE_SEG_SOURCE) || in(g->source, 0, SOURCE_REFERRAL),
	      "source");
	CHECK(in(g->vw_min, 0, INGEST_MAX_VIEWPORT) &&
		  in(g->vw_max, 0, INGEST_MAX_VIEWPORT) &&
		  (!g->vw_min || !g->vw_max || g->vw_min <= g->vw_max),
	      "band %d-%d", g->vw_min, g->vw_max);
	CHECK(!g->referrer ||
		  (*g->referrer && strlen(g->referrer) <= INGEST_MAX_HOST),
	      "referrer");
	CHECK(text_ok(g->utm_source, INGEST_MAX_UTM) &&
		  text_ok(g->utm_medium, INGEST_MAX_UTM) &&
		  text_ok(g->utm_campaign, INGEST_MAX_UTM) &&
		  text_ok(g->goal, INGEST_MAX_GOAL) &&
		  text_ok(g->nogoal, INGEST_MAX_GOAL),
	      "segment text");
	CHECK(g->n_tags <= STORE_MAX_TAG_FILTERS, "%zu tags", g->n_tags);
	for (size_t i = 0; i < g->n_tags; i++) {
		CHECK(tag_key_ok(g->tags[i].key), "tag key");
		CHECK(text_ok(g->tags[i].value, INGEST_MAX_TAG_VALUE),
		      "tag value");
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(g->tags[i].key, g->tags[k].key) != 0,
			      "tag filter twice");
	}
}

static void check_heatmap(const struct query_heatmap *q)
{
	check_where(&q->w, 0);
	CHECK(q->w.page, "heatmap without a page");
	CHECK(in(q->type, QUERY_CLICK, QUERY_DIFF), "type");
	CHECK(q->format == QUERY_JSON || q->format == QUERY_PNG, "format");
	CHECK(in(q->width, 0, INGEST_MAX_VIEWPORT), "width");
	CHECK(in(q->cell, 1, 1000), "cell");
	CHECK(q->radius >= 1 && q->radius <= 200, "radius");
	CHECK(in(q->palette, 0, 2) && in(q->norm, 0, 1), "palette, norm");
	CHECK(in(q->by, QUERY_BY_NEW, QUERY_BY_TAG), "by");
	CHECK(q->by != QUERY_BY_TAG || tag_key_ok(q->by_tag), "by tag");
	if (q->type == QUERY_DIFF) {
		check_where(&q->vs, 0);
		CHECK(q->vs.page == q->w.page, "vs page");
	}
}

static void check_date(const char *s)
{
	int64_t ms;
	char again[16];
	struct tm tm;
	time_t t;

	if (query_parse_date(s, &ms))
		return;
	CHECK(ms >= 0 && ms % DAY_MS == 0, "%s is %lld ms", s, (long long)ms);
	t = (time_t)(ms / 1000);
	CHECK(gmtime_r(&t, &tm), "gmtime");
	strftime(again, sizeof(again), "%Y-%m-%d", &tm);
	CHECK(strcmp(again, s) == 0, "\"%s\" read as %s", s, again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query_error err;
	struct args *r;
	int rc = 0;

	if (size < 1)
		return 0;
	if (data[0] % N_WHICH == DATE) {
		char s[32];
		size_t n = size - 1 < sizeof(s) - 1 ? size - 1 : sizeof(s) - 1;
		memcpy(s, data + 1, n);
		s[n] = '\0';
		check_date(s);
		return 0;
	}
	r = split((const char *)data + 1, size - 1);
	memset(&err, 0, sizeof(err));
	switch ((enum which)(data[0] % N_WHICH)) {
	case HEATMAP: {
		struct query_heatmap q;
		if (!(rc = query_parse_heatmap(r->a, r->n, &q, &err)))
			check_heatmap(&q);
		break;
	}
	case PAGES: {
		struct query_pages q;
		if (!(rc = query_parse_pages(r->a, r->n, &q, &err))) {
			check_where(&q.w, 1);
			CHECK(!q.w.page, "pages with a page");
			CHECK(in(q.sort, 0, QUERY_PAGES_PATH), "sort");
			CHECK(q.ascending == 0 || q.ascending == 1, "order");
			CHECK(!q.search || text_ok(q.search, QUERY_MAX_SEARCH),
			      "q");
			CHECK(in(q.limit, 1, QUERY_PAGES_MAX_LIMIT) &&
				  in(q.offset, 0, QUERY_MAX_OFFSET),
			      "limit, offset");
			CHECK(text_ok(q.conversion, INGEST_MAX_GOAL), "goal");
		}
		break;
	}
	case SCROLL: {
		struct query_scroll q;
		if (!(rc = query_parse_scroll(r->a, r->n, &q, &err))) {
			check_where(&q.w, 0);
			CHECK(q.w.page, "scroll without a page");
		}
		break;
	}
	case ELEMENTS: {
		struct query_elements q;
		if (!(rc = query_parse_elements(r->a, r->n, &q, &err))) {
			check_where(&q.w, 1);
			CHECK(q.w.page, "elements without a page");
			CHECK(in(q.sort, 0, QUERY_SORT_ERROR), "sort");
			CHECK(in(q.limit, 1, 1000), "limit");
			CHECK(text_ok(q.conversion, INGEST_MAX_GOAL), "goal");
		}
		break;
	}
	case FRUSTRATION: {
		struct query_frustration q;
		if (!(rc = query_parse_frustration(r->a, r->n, &q, &err))) {
			check_where(&q.w, 1);
			CHECK(in(q.limit, 1, 1000), "limit");
		}
		break;
	}
	default: break;
	}
	CHECK(rc == 0 || rc == CALOR_EINVAL, "rc %d", rc);
	if (rc)
		check_error(r, &err);
	free(r);
	return 0;
}
