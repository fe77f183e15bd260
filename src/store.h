/* SPDX-License-Identifier: MIT */
/* store: the only way calor reaches storage. A vtable (struct store_ops)
 * with one implementation per backend, chosen at run time by store_open();
 * no backend type leaks above this header. */
#ifndef CALOR_STORE_H
#define CALOR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ingest.h"

#define STORE_MAX_NAME	  128
#define STORE_MAX_ORIGIN  256
#define STORE_MAX_ORIGINS 16

struct store_site {
	int64_t id;
	char key[INGEST_MAX_KEY + 1];
	char name[STORE_MAX_NAME + 1];
	size_t n_origins;
	char origins[STORE_MAX_ORIGINS][STORE_MAX_ORIGIN + 1];
	int64_t created_ms;
};

/* What to read. device < 0 means every device class; page NULL every page;
 * from_ms/to_ms 0 mean unbounded. */
struct store_filter {
	int64_t site_id;
	const char *page;
	int device;
	int64_t from_ms, to_ms;
};

/* One stored click, as the heatmap needs it. */
struct store_click {
	int32_t x, y, vw, vh, dw, dh;
};

struct store_page {
	const char *path; /* valid during the callback only */
	int64_t pageviews, sessions, clicks;
};

struct store_sample {
	int64_t pageviews, sessions, clicks;
};

/* Results of store_write_batches, one per batch. */
enum store_write_result { STORE_WRITE_STORED = 0, STORE_WRITE_DUPLICATE = 1 };

/* Callbacks return 0 to go on, anything else to stop the scan and have it
 * returned. */
typedef int (*store_click_cb)(void *ctx, const struct store_click *c);
typedef int (*store_page_cb)(void *ctx, const struct store_page *p);

struct store;

struct store_ops {
	const char *name;
	void (*close)(struct store *s);
	int (*site_add)(struct store *s, const char *name,
			const char *const *origins, size_t n_origins,
			struct store_site *ret_site);
	int (*sites_load)(struct store *s, struct store_site **ret_sites,
			  size_t *ret_n);
	int (*write_batches)(struct store *s,
			     const struct ingest_batch *const *batches,
			     size_t n, int *ret_results);
	int (*pages_list)(struct store *s, const struct store_filter *f,
			  store_page_cb cb, void *ctx);
	int (*clicks_scan)(struct store *s, const struct store_filter *f,
			   store_click_cb cb, void *ctx);
	int (*sample)(struct store *s, const struct store_filter *f,
		      struct store_sample *ret_sample);
};

/* Every backend embeds this as its first member. */
struct store {
	const struct store_ops *ops;
	char last_error[256];
};

/* Open the store named by spec: a directory (SQLite database
 * DIR/calor.db, created with its schema if missing) or "sqlite:DIR".
 * Returns 0 and *ret_store (caller frees with store_close()), or
 * CALOR_EINVAL for an unknown spec, CALOR_ESTORE/CALOR_EIO with a detail in
 * err[0..err_size) when the backend cannot be opened. */
int store_open(const char *spec, struct store **ret_store, char *err,
	       size_t err_size);
/* Close and free; accepts NULL. */
void store_close(struct store *s);
/* The backend's detail on its last failure (for logs only, never for
 * clients). Never NULL. */
const char *store_last_error(const struct store *s);
/* Record a failure detail on s (printf-style); returns err unchanged. */
int store_fail(struct store *s, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Create a site with a new random key. origins are the exact
 * scheme://host[:port] strings events may come from; n_origins may be 0
 * (any origin). Fills *ret_site. CALOR_EINVAL for a bad name/origin. */
int store_site_add(struct store *s, const char *name,
		   const char *const *origins, size_t n_origins,
		   struct store_site *ret_site);
/* Every site; caller frees *ret_sites with free(). */
int store_sites_load(struct store *s, struct store_site **ret_sites,
		     size_t *ret_n);
/* Commit n batches in one transaction; each batch is all-or-nothing and a
 * batch already stored (same site, page view id and seq) is reported as
 * STORE_WRITE_DUPLICATE and not stored again. Returns 0 only when
 * everything is durable; then ret_results[i] says what happened to batch i.
 * Batches borrow their memory from the caller. */
int store_write_batches(struct store *s,
			const struct ingest_batch *const *batches, size_t n,
			int *ret_results);
int store_pages_list(struct store *s, const struct store_filter *f,
		     store_page_cb cb, void *ctx);
int store_clicks_scan(struct store *s, const struct store_filter *f,
		      store_click_cb cb, void *ctx);
int store_sample(struct store *s, const struct store_filter *f,
		 struct store_sample *ret_sample);

/* Backends. */
int store_sqlite_open(const char *dir, struct store **ret_store, char *err,
		      size_t err_size);

#endif
