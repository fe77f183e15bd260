/* SPDX-License-Identifier: MIT */
/* export: store records to NDJSON lines — compact JSON, fields in the order
 * of docs/export.md, strings escaped by dynbuf_add_json_string() — and the
 * streaming loop that writes a whole site. */
#include "export.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* A line's buffer: the longest line the parser takes, and its "\n". */
#define LINE_MAX_BYTES (NDJSON_MAX_LINE + 1)

/* ,"key": (no comma for the first field, which is always "type") */
static int add_key(struct dynbuf *b, const char *key)
{
	int rc = dynbuf_add(b, ",\"", 2);
	if (!rc)
		rc = dynbuf_adds(b, key);
	if (!rc)
		rc = dynbuf_add(b, "\":", 2);
	return rc;
}

static int add_str(struct dynbuf *b, const char *key, const char *value)
{
	int rc = add_key(b, key);
	if (!rc)
		rc = dynbuf_add(b, "\"", 1);
	if (!rc)
		rc = dynbuf_add_json_string(b, value ? value : "");
	if (!rc)
		rc = dynbuf_add(b, "\"", 1);
	return rc;
}

static int add_i64(struct dynbuf *b, const char *key, int64_t v)
{
	char digits[24], *p = digits + sizeof(digits);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int rc = add_key(b, key);

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	if (!rc)
		rc = dynbuf_add(b, p, (size_t)(digits + sizeof(digits) - p));
	return rc;
}

static int add_bool(struct dynbuf *b, const char *key, int v)
{
	int rc = add_key(b, key);
	if (!rc)
		rc = dynbuf_adds(b, v ? "true" : "false");
	return rc;
}

/* The shortest decimal that reads back as the same double ("2", "1.5",
 * "2.625"), never in exponent form for the dpr range. */
static int add_double(struct dynbuf *b, const char *key, double v)
{
	char buf[40];
	int rc;

	if (!isfinite(v))
		return CALOR_EINVAL;
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v && !strchr(buf, 'e'))
			break;
	}
	rc = add_key(b, key);
	if (!rc)
		rc = dynbuf_adds(b, buf);
	return rc;
}

static int add_type(struct dynbuf *b, const char *type)
{
	int rc = dynbuf_add(b, "{\"type\":\"", 9);
	if (!rc)
		rc = dynbuf_adds(b, type);
	if (!rc)
		rc = dynbuf_add(b, "\"", 1);
	return rc;
}

static int end_line(struct dynbuf *b)
{
	return dynbuf_add(b, "}\n", 2);
}

/* Name of an enum value, NULL when out of range (the ingest name functions
 * would quietly say "desktop" or "other"). */
static const char *device_name(enum device_class d)
{
	return (unsigned)d <= DEVICE_MOBILE ? ingest_device_name(d) : NULL;
}

int export_line_site(struct dynbuf *b, const struct store_site *site,
		     int64_t exported_ms)
{
	int rc = add_type(b, "site");

	if (!rc)
		rc = add_i64(b, "format", NDJSON_FORMAT);
	if (!rc)
		rc = add_str(b, "key", site->key);
	if (!rc)
		rc = add_str(b, "name", site->name);
	if (!rc)
		rc = dynbuf_adds(b, ",\"origins\":[");
	for (size_t i = 0; !rc && i < site->n_origins; i++) {
		rc = dynbuf_adds(b, i ? ",\"" : "\"");
		if (!rc)
			rc = dynbuf_add_json_string(b, site->origins[i]);
		if (!rc)
			rc = dynbuf_add(b, "\"", 1);
	}
	if (!rc)
		rc = dynbuf_add(b, "]", 1);
	if (!rc)
		rc = add_i64(b, "created", site->created_ms);
	if (!rc)
		rc = add_i64(b, "exported", exported_ms);
	/* format 2: every setting, in store_config_keys' order */
	if (!rc)
		rc = dynbuf_adds(b, ",\"settings\":{");
	for (const struct store_config_key *k = store_config_keys;
	     !rc && k->name; k++) {
		if (k != store_config_keys)
			rc = dynbuf_add(b, ",", 1);
		if (!rc)
			rc = dynbuf_addf(b, "\"%s\":%d", k->name,
					 (int)store_config_get(&site->cfg, k));
	}
	if (!rc)
		rc = dynbuf_add(b, "}", 1);
	if (!rc)
		rc = end_line(b);
	return rc;
}

int export_line_pageview(struct dynbuf *b,
			 const struct store_export_pageview *pv)
{
	const char *device = device_name(pv->device);
	int rc;

	if (!device || (unsigned)pv->browser > BROWSER_SAMSUNG ||
	    (unsigned)pv->os > OS_CHROMEOS)
		return CALOR_EINVAL;
	rc = add_type(b, "pageview");
	if (!rc)
		rc = add_str(b, "id", pv->id);
	if (!rc)
		rc = add_str(b, "session", pv->session);
	if (!rc)
		rc = add_str(b, "page", pv->page);
	if (!rc)
		rc = add_str(b, "referrer", pv->referrer);
	if (!rc)
		rc = add_str(b, "device", device);
	if (!rc)
		rc = add_i64(b, "vw", pv->vw);
	if (!rc)
		rc = add_i64(b, "vh", pv->vh);
	if (!rc)
		rc = add_double(b, "dpr", pv->dpr);
	if (!rc)
		rc = add_bool(b, "is_new", pv->is_new);
	if (!rc)
		rc = add_i64(b, "ts", pv->ts);
	if (!rc)
		rc = add_str(b, "browser", ingest_browser_name(pv->browser));
	if (!rc)
		rc = add_str(b, "os", ingest_os_name(pv->os));
	if (!rc)
		rc = add_str(b, "utm_source", pv->utm_source);
	if (!rc)
		rc = add_str(b, "utm_medium", pv->utm_medium);
	if (!rc)
		rc = add_str(b, "utm_campaign", pv->utm_campaign);
	if (!rc)
		rc = add_str(b, "utm_term", pv->utm_term);
	if (!rc)
		rc = add_str(b, "utm_content", pv->utm_content);
	if (!rc)
		rc = add_i64(b, "fold", pv->fold);
	if (!rc)
		rc = add_i64(b, "reversals", pv->reversals);
	if (!rc)
		rc = add_i64(b, "max_depth", pv->max_depth);
	if (!rc)
		rc = add_i64(b, "doc_h", pv->doc_h);
	if (!rc)
		rc = dynbuf_adds(b, ",\"tags\":{");
	for (size_t i = 0; !rc && i < pv->n_tags; i++) {
		rc = dynbuf_adds(b, i ? ",\"" : "\"");
		if (!rc)
			rc = dynbuf_add_json_string(b, pv->tags[i].key);
		if (!rc)
			rc = dynbuf_add(b, "\":\"", 3);
		if (!rc)
			rc = dynbuf_add_json_string(b, pv->tags[i].value);
		if (!rc)
			rc = dynbuf_add(b, "\"", 1);
	}
	if (!rc)
		rc = dynbuf_adds(b, "},\"dwell\":");
	if (!rc && !pv->dwell)
		rc = dynbuf_adds(b, "null");
	for (int i = 0; !rc && pv->dwell && i < INGEST_BANDS; i++)
		rc = dynbuf_addf(b, "%c%lu", i ? ',' : '[',
				 (unsigned long)pv->dwell[i]);
	if (!rc && pv->dwell)
		rc = dynbuf_add(b, "]", 1);
	if (!rc)
		rc = end_line(b);
	return rc;
}

int export_line_click(struct dynbuf *b, const struct store_export_click *c)
{
	const char *device = device_name(c->device);
	const char *pointer = ndjson_pointer_name(c->pointer);
	int rc;

	if (!device || !pointer ||
	    (c->flags & ~(unsigned)(CLICK_FIXED | CLICK_INTERACTIVE |
				    CLICK_DEAD | CLICK_ERROR | CLICK_RAGE)))
		return CALOR_EINVAL;
	rc = add_type(b, "click");
	if (!rc)
		rc = add_str(b, "pv", c->pageview);
	if (!rc)
		rc = add_str(b, "page", c->page);
	if (!rc)
		rc = add_str(b, "device", device);
	if (!rc)
		rc = add_i64(b, "ts", c->ts);
	if (!rc)
		rc = add_i64(b, "x", c->x);
	if (!rc)
		rc = add_i64(b, "y", c->y);
	if (!rc)
		rc = add_i64(b, "vw", c->vw);
	if (!rc)
		rc = add_i64(b, "vh", c->vh);
	if (!rc)
		rc = add_i64(b, "dw", c->dw);
	if (!rc)
		rc = add_i64(b, "dh", c->dh);
	if (!rc)
		rc = add_str(b, "selector", c->selector);
	if (!rc)
		rc = add_i64(b, "ex", c->off_x);
	if (!rc)
		rc = add_i64(b, "ey", c->off_y);
	if (!rc)
		rc = add_i64(b, "ew", c->el_w);
	if (!rc)
		rc = add_i64(b, "eh", c->el_h);
	if (!rc)
		rc = add_str(b, "pointer", pointer);
	if (!rc)
		rc = add_bool(b, "fixed", c->flags & CLICK_FIXED);
	if (!rc)
		rc = add_bool(b, "interactive", c->flags & CLICK_INTERACTIVE);
	if (!rc)
		rc = add_bool(b, "dead", c->flags & CLICK_DEAD);
	if (!rc)
		rc = add_bool(b, "error", c->flags & CLICK_ERROR);
	if (!rc)
		rc = add_bool(b, "rage", c->flags & CLICK_RAGE);
	if (!rc)
		rc = end_line(b);
	return rc;
}

int export_line_move(struct dynbuf *b, const struct store_export_move *m)
{
	const char *device = device_name(m->device);
	int rc;

	if (!device)
		return CALOR_EINVAL;
	rc = add_type(b, "move");
	if (!rc)
		rc = add_str(b, "pv", m->pageview);
	if (!rc)
		rc = add_str(b, "page", m->page);
	if (!rc)
		rc = add_str(b, "device", device);
	if (!rc)
		rc = add_i64(b, "ts", m->ts);
	if (!rc)
		rc = add_i64(b, "x", m->x);
	if (!rc)
		rc = add_i64(b, "y", m->y);
	if (!rc)
		rc = add_i64(b, "vw", m->vw);
	if (!rc)
		rc = end_line(b);
	return rc;
}

int export_line_goal(struct dynbuf *b, const struct store_export_goal *g)
{
	int rc = add_type(b, "goal");

	if (!rc)
		rc = add_str(b, "pv", g->pageview);
	if (!rc)
		rc = add_str(b, "session", g->session);
	if (!rc)
		rc = add_str(b, "page", g->page);
	if (!rc)
		rc = add_str(b, "name", g->name);
	if (!rc)
		rc = add_i64(b, "ts", g->ts);
	if (!rc)
		rc = end_line(b);
	return rc;
}

int export_line_end(struct dynbuf *b, const struct export_counts *counts)
{
	int rc = add_type(b, "end");

	if (!rc)
		rc = add_i64(b, "pageviews", counts->pageviews);
	if (!rc)
		rc = add_i64(b, "clicks", counts->clicks);
	if (!rc)
		rc = add_i64(b, "moves", counts->moves);
	if (!rc)
		rc = add_i64(b, "goals", counts->goals);
	if (!rc)
		rc = end_line(b);
	return rc;
}

/* ---- the streaming loop ---- */

struct export_ctx {
	FILE *out;
	struct dynbuf line;
	struct ndjson_parser *check;
	struct export_counts counts;
	char *err;
	size_t err_size;
};

static int export_fail(struct export_ctx *x, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int export_fail(struct export_ctx *x, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->err_size, fmt, ap);
	va_end(ap);
	return rc;
}

/* Check the line built in x->line (formatted with status rc) by parsing it
 * back, then write it. what/id name the record in errors. */
static int emit(struct export_ctx *x, int rc, const char *what, const char *id)
{
	struct ndjson_record rec;
	struct ndjson_error perr;

	if (rc == CALOR_ETOOBIG)
		return export_fail(x, rc,
				   "%s %.64s: longer than the %d bytes a line "
				   "may have",
				   what, id, NDJSON_MAX_LINE);
	if (rc == CALOR_EINVAL)
		return export_fail(x, rc,
				   "%s %.64s: a stored value is out of its "
				   "range",
				   what, id);
	if (rc)
		return rc;
	rc = ndjson_parse_line(x->check, x->line.data, x->line.len - 1, &rec,
			       &perr);
	if (rc)
		return export_fail(x, rc, "%s %.64s: %s", what, id,
				   perr.detail);
	if (fwrite(x->line.data, 1, x->line.len, x->out) != x->line.len)
		return export_fail(x, CALOR_EIO, "write: %s", strerror(errno));
	dynbuf_clear(&x->line);
	return 0;
}

static int on_pageview(void *ctx, const struct store_export_pageview *pv)
{
	struct export_ctx *x = ctx;

	x->counts.pageviews++;
	return emit(x, export_line_pageview(&x->line, pv), "page view", pv->id);
}

static int on_click(void *ctx, const struct store_export_click *c)
{
	struct export_ctx *x = ctx;

	x->counts.clicks++;
	return emit(x, export_line_click(&x->line, c), "click of page view",
		    c->pageview);
}

static int on_move(void *ctx, const struct store_export_move *m)
{
	struct export_ctx *x = ctx;

	x->counts.moves++;
	return emit(x, export_line_move(&x->line, m), "move of page view",
		    m->pageview);
}

static int on_goal(void *ctx, const struct store_export_goal *g)
{
	struct export_ctx *x = ctx;

	x->counts.goals++;
	return emit(x, export_line_goal(&x->line, g), "goal of page view",
		    g->pageview);
}

int export_site(struct store *s, const char *site_key, int64_t now_ms,
		FILE *out, struct export_counts *ret_counts, char *err,
		size_t err_size)
{
	static const struct store_export_cb cb = {
	    .pageview = on_pageview,
	    .click = on_click,
	    .move = on_move,
	    .goal = on_goal,
	};
	struct export_ctx x = {.out = out, .err = err, .err_size = err_size};
	struct store_site *sites = NULL, *site = NULL;
	size_t n = 0;
	int rc;

	err[0] = '\0';
	dynbuf_init(&x.line, LINE_MAX_BYTES);
	if ((rc = ndjson_parser_new(&x.check)))
		goto out;
	if ((rc = store_sites_load(s, &sites, &n))) {
		export_fail(&x, rc, "%s", store_last_error(s));
		goto out;
	}
	for (size_t i = 0; i < n && !site; i++)
		if (strcmp(sites[i].key, site_key) == 0)
			site = &sites[i];
	if (!site) {
		rc = export_fail(&x, CALOR_ENOTFOUND,
				 "no site has the key %.64s", site_key);
		goto out;
	}
	if ((rc = emit(&x, export_line_site(&x.line, site, now_ms), "site",
		       site->key)))
		goto out;
	rc = store_export_site(s, site->id, &cb, &x);
	if (rc && !err[0])
		export_fail(&x, rc, "%s", store_last_error(s));
	if (rc)
		goto out;
	if ((rc = emit(&x, export_line_end(&x.line, &x.counts), "end", "")))
		goto out;
	if (fflush(out) != 0 || ferror(out)) {
		rc = export_fail(&x, CALOR_EIO, "write: %s", strerror(errno));
		goto out;
	}
	if (ret_counts)
		*ret_counts = x.counts;
out:
	free(sites);
	ndjson_parser_free(x.check);
	dynbuf_done(&x.line);
	return rc;
}
