/* SPDX-License-Identifier: MIT */
/* store: picks a backend from a spec string and forwards every call through
 * the backend's struct store_ops. */
#include "store.h"

#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define KEY(field, d, lo, hi, g, text)                                         \
	{                                                                      \
#field, offsetof(struct store_site_config, field), d, lo, hi,  \
		    g, text                                                    \
	}
#define SIGNAL	"frustration"
#define COLLECT "collection"
#define PRIVACY "privacy"
const struct store_config_key store_config_keys[] = {
    KEY(rage_clicks, STORE_RAGE_CLICKS, 2, 20, SIGNAL,
	"clicks in a rage run (each within rage_ms and rage_px of the "
	"previous)"),
    KEY(rage_ms, STORE_RAGE_MS, 50, 10000, SIGNAL,
	"rage: most ms between a click and the previous"),
    KEY(rage_px, STORE_RAGE_PX, 1, 500, SIGNAL,
	"rage: most CSS px between a click and the previous"),
    KEY(dead_ms, INGEST_DEAD_MS, 100, INGEST_OBSERVE_MS, SIGNAL,
	"dead click: no reaction within this many ms (non-interactive "
	"targets)"),
    KEY(error_ms, INGEST_ERROR_MS, 100, INGEST_OBSERVE_MS, SIGNAL,
	"error click: an uncaught error within this many ms"),
    KEY(quick_back_ms, 7000, 500, 120000, SIGNAL,
	"quick back: back on the previous page within this many ms"),
    KEY(scroll_reversals_min, 6, 1, 100000, SIGNAL,
	"excessive scrolling: at least this many direction reversals"),
    KEY(scroll_reversals_factor, 3, 1, 1000, SIGNAL,
	"excessive scrolling: and at least this many times the page's "
	"median"),
    KEY(backdate_days, 1, 1, 3650, COLLECT,
	"events may be dated up to this many days back (imports, "
	"simulations); older times are moved up to it"),
    KEY(retention_days, 0, 0, 3650, PRIVACY,
	"events older than this many days are deleted (0: kept for "
	"ever)"),
    KEY(consent_required, 0, 0, 1, PRIVACY,
	"snippet: record nothing until the page calls calor('consent', "
	"true)"),
    KEY(no_storage, 0, 0, 1, PRIVACY,
	"snippet: never use localStorage or sessionStorage"),
    KEY(url_hash, 0, 0, 1, COLLECT,
	"snippet: URL fragments (#...) are part of the page (hash "
	"routers)"),
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef KEY
#undef SIGNAL
#undef COLLECT
#undef PRIVACY

void store_config_defaults(struct store_site_config *cfg)
{
	for (const struct store_config_key *k = store_config_keys; k->name; k++)
		*(int32_t *)((char *)cfg + k->offset) = k->def;
}

const struct store_config_key *store_config_find(const char *name)
{
	for (const struct store_config_key *k = store_config_keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int store_config_set(struct store_site_config *cfg, const char *name,
		     int64_t value, char *err, size_t err_size)
{
	const struct store_config_key *k = store_config_find(name);

	if (!k) {
		snprintf(err, err_size, "unknown setting \"%.40s\"", name);
		return CALOR_EINVAL;
	}
	if (value < k->min || value > k->max) {
		snprintf(err, err_size, "%s: must be %d..%d", k->name, k->min,
			 k->max);
		return CALOR_EINVAL;
	}
	*(int32_t *)((char *)cfg + k->offset) = (int32_t)value;
	return 0;
}

int32_t store_config_get(const struct store_site_config *cfg,
			 const struct store_config_key *k)
{
	return *(const int32_t *)((const char *)cfg + k->offset);
}

size_t store_segment_terms(const struct store_segment *g,
			   struct store_seg_term terms[STORE_SEG_TERMS])
{
	const struct {
		const char *column;
		unsigned bit;
		int value;
	} ints[] = {
	    {"browser", STORE_SEG_BROWSER, g->browser},
	    {"os", STORE_SEG_OS, g->os},
	    {"source", STORE_SEG_SOURCE, g->source},
	    {"is_new", STORE_SEG_NEW, g->is_new},
	};
	const struct {
		const char *column, *value;
	} texts[] = {
	    {"referrer", g->referrer},
	    {"utm_source", g->utm_source},
	    {"utm_medium", g->utm_medium},
	    {"utm_campaign", g->utm_campaign},
	};
	size_t n = 0;

	_Static_assert(sizeof(ints) / sizeof(ints[0]) +
			       sizeof(texts) / sizeof(texts[0]) <=
			   STORE_SEG_TERMS,
		       "STORE_SEG_TERMS");
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (g->has & ints[i].bit)
			terms[n++] = (struct store_seg_term){
			    ints[i].column, ints[i].value, NULL};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].value)
			terms[n++] = (struct store_seg_term){texts[i].column, 0,
							     texts[i].value};
	return n;
}

int store_segment_empty(const struct store_segment *seg)
{
	return !seg->has && !seg->vw_min && !seg->vw_max && !seg->referrer &&
	       !seg->utm_source && !seg->utm_medium && !seg->utm_campaign &&
	       !seg->n_tags && !seg->goal && !seg->nogoal;
}

int store_filter_one_class(const struct store_filter *f)
{
	return f->device >= 0 || f->seg.vw_min || f->seg.vw_max;
}

int store_open(const char *spec, struct store **ret_store, char *err,
	       size_t err_size)
{
	if (!spec || !*spec) {
		snprintf(err, err_size, "no store given");
		return CALOR_EINVAL;
	}
	if (strncmp(spec, "sqlite:", 7) == 0)
		return store_sqlite_open(spec + 7, ret_store, err, err_size);
	if (strncmp(spec, "clickhouse://", 13) == 0)
		return store_clickhouse_open(spec, ret_store, err, err_size);
	if (strstr(spec, "://")) {
		snprintf(err, err_size, "unsupported store \"%.64s\"", spec);
		return CALOR_EINVAL;
	}
	return store_sqlite_open(spec, ret_store, err, err_size);
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

const char *store_last_error(const struct store *s)
{
	return s->last_error;
}

int store_fail(struct store *s, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
	return err;
}

int store_site_add(struct store *s, const char *name,
		   const char *const *origins, size_t n_origins,
		   struct store_site *ret_site)
{
	return s->ops->site_add(s, name, origins, n_origins, ret_site);
}

int store_sites_load(struct store *s, struct store_site **ret_sites,
		     size_t *ret_n)
{
	return s->ops->sites_load(s, ret_sites, ret_n);
}

int store_write_batches(struct store *s,
			const struct ingest_batch *const *batches, size_t n,
			int *ret_results)
{
	return s->ops->write_batches(s, batches, n, ret_results);
}

int store_pages_list(struct store *s, const struct store_filter *f,
		     const struct store_pages_query *q, store_page_cb cb,
		     void *ctx)
{
	return s->ops->pages_list(s, f, q, cb, ctx);
}

int store_clicks_scan(struct store *s, const struct store_filter *f,
		      store_click_cb cb, void *ctx)
{
	return s->ops->clicks_scan(s, f, cb, ctx);
}

int store_sample(struct store *s, const struct store_filter *f,
		 struct store_sample *ret_sample)
{
	return s->ops->sample(s, f, ret_sample);
}

int store_grid_scan(struct store *s, const struct store_filter *f,
		    enum store_grid_kind kind, store_grid_cb cb, void *ctx)
{
	return s->ops->grid_scan(s, f, kind, cb, ctx);
}

int store_grid_widths(struct store *s, const struct store_filter *f,
		      enum store_grid_kind kind,
		      struct store_grid_width **ret_widths, size_t *ret_n)
{
	return s->ops->grid_widths(s, f, kind, ret_widths, ret_n);
}

int store_export_site(struct store *s, int64_t site_id,
		      const struct store_export_cb *cb, void *ctx)
{
	if (!s->ops->export_site)
		return store_fail(s, CALOR_EINVAL,
				  "the %s backend cannot export", s->ops->name);
	return s->ops->export_site(s, site_id, cb, ctx);
}

uint64_t store_data_version(struct store *s)
{
	return s->ops->data_version(s);
}

int store_scroll_scan(struct store *s, const struct store_filter *f,
		      store_scroll_cb cb, void *ctx)
{
	return s->ops->scroll_scan(s, f, cb, ctx);
}

int store_clicks_attrs_scan(struct store *s, const struct store_filter *f,
			    const char *tag_key, int64_t stride,
			    store_attrs_cb cb, void *ctx)
{
	return s->ops->clicks_attrs_scan(s, f, tag_key, stride, cb, ctx);
}

int store_site_update(struct store *s, int64_t site_id, const char *name,
		      const char *const *origins, size_t n_origins)
{
	return s->ops->site_update(s, site_id, name, origins, n_origins);
}

int store_site_set(struct store *s, int64_t site_id, const char *name,
		   int32_t value)
{
	return s->ops->site_set(s, site_id, name, value);
}

int store_elements_scan(struct store *s, const struct store_filter *f,
			unsigned flags, const char *goal, size_t limit,
			store_element_cb cb, void *ctx)
{
	return s->ops->elements_scan(s, f, flags, goal, limit, cb, ctx);
}

int store_click_examples(struct store *s, const struct store_filter *f,
			 const char *page, const char *selector, unsigned flags,
			 size_t n, store_example_cb cb, void *ctx)
{
	return s->ops->click_examples(s, f, page, selector, flags, n, cb, ctx);
}

int store_pageviews_scan(struct store *s, const struct store_filter *f,
			 store_pageview_cb cb, void *ctx)
{
	return s->ops->pageviews_scan(s, f, cb, ctx);
}

int store_goals_list(struct store *s, const struct store_filter *f,
		     store_goal_cb cb, void *ctx)
{
	return s->ops->goals_list(s, f, cb, ctx);
}

int store_purge(struct store *s, int64_t site_id, int64_t before_ms,
		const atomic_int *stop, struct store_purge_stats *ret_stats)
{
	const struct store_pageview_sel sel = {
	    .site_id = site_id, .from_ms = INT64_MIN, .to_ms = before_ms};

	if (!s->ops->purge)
		return store_fail(s, CALOR_EINVAL,
				  "the %s backend cannot purge", s->ops->name);
	if (before_ms <= 0) { /* nothing is older than the epoch */
		*ret_stats = (struct store_purge_stats){0};
		return 0;
	}
	return s->ops->purge(s, &sel, before_ms, stop, ret_stats);
}

int store_erase(struct store *s, const struct store_pageview_sel *sel,
		const atomic_int *stop, struct store_purge_stats *ret_stats)
{
	if (!s->ops->purge)
		return store_fail(s, CALOR_EINVAL,
				  "the %s backend cannot erase", s->ops->name);
	return s->ops->purge(s, sel, 0, stop, ret_stats);
}

int store_kv_put(struct store *s, const char *kind, const char *key,
		 const char *value, int64_t expires_ms, int replace)
{
	if (strlen(key) > STORE_KV_MAX_KEY ||
	    strlen(value) > STORE_KV_MAX_VALUE)
		return store_fail(s, CALOR_ETOOBIG, "record too large");
	return s->ops->kv_put(s, kind, key, value, expires_ms, replace);
}

int store_kv_get(struct store *s, const char *kind, const char *key,
		 int64_t now_ms, char *ret_value, size_t size)
{
	return s->ops->kv_get(s, kind, key, now_ms, ret_value, size);
}

int store_kv_delete(struct store *s, const char *kind, const char *key)
{
	return s->ops->kv_delete(s, kind, key);
}

/* ---- helpers the backends share ---- */

int store_random_key(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyz"
				       "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char raw[64];

	if (len > sizeof(raw))
		return CALOR_EINVAL;
	randombytes_buf(raw, len);
	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
	out[len] = '\0';
	return 0;
}

/* scheme://host[:port] with nothing after, lower-case scheme. */
static int origin_valid(const char *o)
{
	const char *p;
	size_t n = strlen(o);

	if (n < 8 || n > STORE_MAX_ORIGIN)
		return 0;
	if (strncmp(o, "http://", 7) == 0)
		p = o + 7;
	else if (strncmp(o, "https://", 8) == 0)
		p = o + 8;
	else
		return 0;
	if (!*p)
		return 0;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		      *p == ':' || *p == '[' || *p == ']'))
			return 0;
	return 1;
}

int store_site_fields_check(struct store *base, const char *name,
			    const char *const *origins, size_t n_origins)
{
	if (name && (!*name || strlen(name) > STORE_MAX_NAME ||
		     !utf8_valid(name, strlen(name))))
		return store_fail(base, CALOR_EINVAL,
				  "site name must be 1..%d bytes of UTF-8",
				  STORE_MAX_NAME);
	if (n_origins > STORE_MAX_ORIGINS)
		return store_fail(base, CALOR_EINVAL, "at most %d origins",
				  STORE_MAX_ORIGINS);
	for (size_t i = 0; i < n_origins; i++)
		if (!origin_valid(origins[i]))
			return store_fail(base, CALOR_EINVAL,
					  "origin \"%.64s\" is not "
					  "scheme://host[:port]",
					  origins[i]);
	return 0;
}

int store_site_check(struct store *base, const struct store_site *site)
{
	const char *origins[STORE_MAX_ORIGINS];
	int rc;

	if (!ingest_site_key_valid(site->key))
		return store_fail(base, CALOR_EINVAL,
				  "site key must be 1..%d characters of "
				  "[A-Za-z0-9_-]",
				  INGEST_MAX_KEY);
	if (site->n_origins > STORE_MAX_ORIGINS)
		return store_fail(base, CALOR_EINVAL, "at most %d origins",
				  STORE_MAX_ORIGINS);
	for (size_t i = 0; i < site->n_origins; i++)
		origins[i] = site->origins[i];
	if ((rc = store_site_fields_check(base, site->name, origins,
					  site->n_origins)))
		return rc;
	if (site->created_ms < 0 || site->created_ms > 9007199254740991LL)
		return store_fail(base, CALOR_EINVAL,
				  "site creation time out of range");
	for (const struct store_config_key *k = store_config_keys; k->name;
	     k++) {
		int32_t v = store_config_get(&site->cfg, k);
		if (v < k->min || v > k->max)
			return store_fail(base, CALOR_EINVAL,
					  "setting %s: must be %d..%d", k->name,
					  k->min, k->max);
	}
	return 0;
}

int store_site_create(struct store *s, const struct store_site *site,
		      struct store_site *ret_site)
{
	if (!s->ops->site_create)
		return store_fail(s, CALOR_EINVAL,
				  "the %s backend cannot create a site by key",
				  s->ops->name);
	return s->ops->site_create(s, site, ret_site);
}
