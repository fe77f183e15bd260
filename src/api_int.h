/* SPDX-License-Identifier: MIT */
/* api internals shared by api.c, api_collect.c and api_read.c. */
#ifndef CALOR_API_INT_H
#define CALOR_API_INT_H

#include <pthread.h>

#include "api.h"

#define API_SITE_RELOAD_MS                                                     \
	1000 /* an unknown key reloads sites at most this often */

struct api {
	struct store *store;
	struct writer *writer;
	const char *demo_site;
	pthread_rwlock_t sites_lock;
	struct store_site *sites;
	size_t n_sites;
	pthread_mutex_t reload_lock;
	int64_t last_reload_ms;
};

/* Copy the site with this key into *ret_site. Reloads the site table from
 * the store (rate-limited) when the key is unknown. 0, CALOR_ENOTFOUND, or
 * a store error. */
int api_site_find(struct api *api, const char *key,
		  struct store_site *ret_site);
/* Reload the site table now. */
int api_sites_reload(struct api *api);

void api_collect(struct http_request *req, void *ctx);
void api_get_sites(struct http_request *req, void *ctx);
void api_get_pages(struct http_request *req, void *ctx);
void api_get_heatmap(struct http_request *req, void *ctx);
void api_get_scroll(struct http_request *req, void *ctx);

#endif
