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

/* Rate limits (token buckets: rate a second, up to burst at once; rate 0
 * turns one off), defaults in docs/limits.md. Clients on the loopback
 * address (this machine: a local proxy, calor simulate) are not limited. */
#define API_COLLECT_IP_RATE    20.0 /* /collect batches per client address */
#define API_COLLECT_IP_BURST   60.0
#define API_COLLECT_SITE_RATE  1000.0 /* /collect batches per site */
#define API_COLLECT_SITE_BURST 5000.0
#define API_LOGIN_IP_RATE      0.1 /* sign-ins per client address: 6/min */
#define API_LOGIN_IP_BURST     10.0
#define API_LIMIT_CLIENTS      16384 /* buckets for client addresses */
#define API_LIMIT_SITES	       4096  /* buckets for sites */

struct api_limits {
	double collect_ip_rate, collect_ip_burst;
	double collect_site_rate, collect_site_burst;
	double login_ip_rate, login_ip_burst;
};

/* Fill l with the API_* defaults above. */
void api_limits_defaults(struct api_limits *l);

/* A new API over store and writer (both borrowed, must outlive it).
 * demo_site is the key served into /demo/ pages, or NULL to not serve the
 * demo; limits (copied; NULL: the defaults) are the rate limits. Caller
 * frees with api_free(). */
int api_new(struct store *store, struct writer *writer, const char *demo_site,
	    const struct api_limits *limits, struct api **ret_api);
/* Accepts NULL. */
void api_free(struct api *api);

/* The script tag for a site's pages into buf: the tracker at
 * origin/calor.js, with the attributes the site's settings ask for. */
void api_site_snippet(char *buf, size_t size, const char *origin,
		      const struct store_site *s);
/* The route table, to pass to http_server_new() with the api as ctx. */
const struct http_route *api_routes(size_t *ret_n);
/* The headers of answers no route covers (404, 405), for
 * http_config.headers: those of the API's data. */
const struct http_header *api_default_headers(void);
/* The guard for http_config.guard: lets a request through when its
 * session, API token or share link grants the route's access; else
 * answers 401/403 and returns 1 (docs/api.md, "Access"). */
int api_guard(struct http_request *req, unsigned access, void *ctx);

#endif
