/* SPDX-License-Identifier: MIT */
/* store: picks a backend from a spec string and forwards every call through
 * the backend's struct store_ops. */
#include "store.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int store_open(const char *spec, struct store **ret_store, char *err,
	       size_t err_size)
{
	if (!spec || !*spec) {
		snprintf(err, err_size, "no store given");
		return CALOR_EINVAL;
	}
	if (strncmp(spec, "sqlite:", 7) == 0)
		return store_sqlite_open(spec + 7, ret_store, err, err_size);
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
		     store_page_cb cb, void *ctx)
{
	return s->ops->pages_list(s, f, cb, ctx);
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
