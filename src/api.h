/* SPDX-License-Identifier: MIT */
/* api: calor's HTTP surface — /collect, the read API, health, metrics and
 * the embedded web assets — wired over store, writer, query, agg and
 * render. */
#ifndef CALOR_API_H
#define CALOR_API_H

#include <stddef.h>

#include "http.h"
#include "store.h"
#include "writer.h"

struct api;

/* A new API over store and writer (both borrowed, must outlive it).
 * demo_site is the key served into /demo/ pages, or NULL to not serve the
 * demo. Caller frees with api_free(). */
int api_new(struct store *store, struct writer *writer, const char *demo_site,
	    struct api **ret_api);
/* Accepts NULL. */
void api_free(struct api *api);

/* The script tag for a site's pages into buf: the tracker at
 * origin/calor.js, with the attributes the site's settings ask for. */
void api_site_snippet(char *buf, size_t size, const char *origin,
		      const struct store_site *s);
/* The route table, to pass to http_server_new() with the api as ctx. */
const struct http_route *api_routes(size_t *ret_n);
/* The guard for http_config.guard: lets a request through when its
 * session, API token or share link grants the route's access; else
 * answers 401/403 and returns 1 (docs/api.md, "Access"). */
int api_guard(struct http_request *req, unsigned access, void *ctx);

#endif
