/* SPDX-License-Identifier: MIT */
/* api: the route table with each kind of answer's security headers, the
 * embedded web assets (dashboard, demo site, tracker), health and
 * metrics, and the api object's life cycle. */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "assets.h"
#include "metrics.h"

#define DEMO_PLACEHOLDER "__CALOR_SITE__"

/* The security headers of each kind of answer (docs/limits.md, "Response
 * headers"); every answer also has X-Content-Type-Options: nosniff. */

/* The dashboard's own files: no inline script or style, nothing from
 * elsewhere but the framed pages under a heatmap, never framed itself,
 * no path or query of it sent to other sites, not loadable by them. */
static const struct http_header dashboard_set[] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; "
     "img-src 'self' data: blob:; frame-src 'self' http: https:; "
     "connect-src 'self'; object-src 'none'; base-uri 'none'; "
     "form-action 'self'; frame-ancestors 'none'"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {NULL, NULL}};

/* Data (JSON, PNG, CSV, errors, health, metrics): opened as a document it
 * runs nothing and cannot be framed; other sites cannot load it. */
static const struct http_header api_set[] = {
    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {NULL, NULL}};

/* A path nothing is served at: the dashboard frames a site's page by its
 * path on calor's origin, and a page calor does not have is this 404 in
 * the dashboard's frame; framed by anyone else it is still refused. */
static const struct http_header not_found_set[] = {
    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'"},
    {"X-Frame-Options", "SAMEORIGIN"},
    {"Referrer-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {NULL, NULL}};

/* The tracker, loaded by the pages of every site: readable cross-origin
 * (crossorigin and integrity attributes work) and loadable by pages that
 * require Cross-Origin-Resource-Policy (COEP). */
static const struct http_header tracker_set[] = {
    {"Access-Control-Allow-Origin", "*"},
    {"Cross-Origin-Resource-Policy", "cross-origin"},
    {NULL, NULL}};

/* The demo site stands in for a customer's: the dashboard frames it. */
static const struct http_header demo_set[] = {{"X-Frame-Options", "SAMEORIGIN"},
					      {NULL, NULL}};

/* /collect: nothing reads its answers but the sender; CORS is added by
 * api_collect for the origins a site allows. */
static const struct http_header collect_set[] = {{NULL, NULL}};

const struct http_header *api_default_headers(void)
{
	return api_set;
}

/* A demo page with the demo site's key put into its snippet. */
static void serve_demo(struct http_request *req, struct api *api,
		       const struct asset *a)
{
	const char *p = (const char *)a->data, *end = p + a->len, *hit;
	const size_t ph = strlen(DEMO_PLACEHOLDER);
	struct dynbuf b;
	int rc = 0;

	dynbuf_init(&b, a->len + 64 * 1024);
	while (!rc && (hit = memmem(p, (size_t)(end - p), DEMO_PLACEHOLDER,
				    ph)) != NULL) {
		rc = dynbuf_add(&b, p, (size_t)(hit - p));
		if (!rc)
			rc = dynbuf_adds(&b, api->demo_site);
		p = hit + ph;
	}
	if (!rc)
		rc = dynbuf_add(&b, p, (size_t)(end - p));
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_add_header(req, "Cache-Control", "no-cache");
	size_t len;
	char *data = dynbuf_take(&b, &len);
	http_respond(req, 200, a->content_type, data, len, 1);
}

static void get_asset(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	const char *path = http_request_path(req);
	const struct asset *a = assets_find(path);
	int demo = strncmp(path, "/demo/", 6) == 0;

	if (demo && !api->demo_site)
		a = NULL;
	if (!a) {
		http_use_headers(req, not_found_set);
		http_respond_error(req, 404, "not_found", "no such path");
		return;
	}
	if (demo) {
		http_use_headers(req, demo_set);
		if (strstr(a->content_type, "text/html")) {
			serve_demo(req, api, a);
			return;
		}
	} else if (strcmp(path, "/calor.js") == 0) {
		http_use_headers(req, tracker_set);
	} else {
		http_use_headers(req, dashboard_set);
	}
	http_add_header(req, "Cache-Control",
			strcmp(path, "/calor.js") == 0 ? "public, max-age=300"
						       : "no-cache");
	http_respond(req, 200, a->content_type, a->data, a->len, 0);
}

static void get_demo_root(struct http_request *req, void *ctx)
{
	(void)ctx;
	http_add_header(req, "Location", "/demo/");
	http_respond(req, 301, "text/plain; charset=utf-8", "/demo/\n", 7, 0);
}

static void get_healthz(struct http_request *req, void *ctx)
{
	(void)ctx;
	http_respond(req, 200, "application/json; charset=utf-8",
		     "{\"status\": \"ok\"}", 16, 0);
}

static void get_metrics(struct http_request *req, void *ctx)
{
	struct dynbuf b;
	size_t len;
	char *data;
	(void)ctx;

	dynbuf_init(&b, 64 * 1024);
	if (metrics_render(&b)) {
		dynbuf_done(&b);
		http_respond_failure(req, CALOR_ENOMEM);
		return;
	}
	data = dynbuf_take(&b, &len);
	http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", data,
		     len, 1);
}

#define AUTH  API_ACCESS_AUTH
#define SHARE (API_ACCESS_AUTH | API_ACCESS_SHARE)
#define DATA  api_set
static const struct http_route routes[] = {
    {NULL, "/collect", 0, api_collect, INGEST_MAX_BODY, 0, collect_set},
    {"GET", "/healthz", 0, get_healthz, 0, 0, DATA},
    {"GET", "/metrics", 0, get_metrics, 0, 0, DATA},
    {"POST", "/auth/login", 0, api_auth_login, 4096, 0, DATA},
    {"POST", "/auth/logout", 0, api_auth_logout, 0, AUTH, DATA},
    {"GET", "/auth/me", 0, api_auth_me, 0, 0, DATA},
    {"GET", "/auth/share", 0, api_auth_share, 0, 0, DATA},
    {"POST", "/api/v1/share", 0, api_share_create, 8192, AUTH, DATA},
    {"GET", "/api/v1/sites", 0, api_get_sites, 0, AUTH, DATA},
    {"POST", "/api/v1/sites", 0, api_post_site, 16384, AUTH, DATA},
    {"PATCH", "/api/v1/sites", 0, api_patch_site, 16384, AUTH, DATA},
    {"GET", "/api/v1/pages", 0, api_get_pages, 0, AUTH, DATA},
    {"GET", "/api/v1/heatmap", 0, api_get_heatmap, 0, SHARE, DATA},
    {"GET", "/api/v1/scroll", 0, api_get_scroll, 0, SHARE, DATA},
    {"GET", "/api/v1/elements", 0, api_get_elements, 0, SHARE, DATA},
    {"GET", "/api/v1/frustration", 0, api_get_frustration, 0, SHARE, DATA},
    {"GET", "/demo", 0, get_demo_root, 0, 0, demo_set},
    {"GET", "/", 1, get_asset, 0, 0, DATA},
};
#undef AUTH
#undef SHARE
#undef DATA

const struct http_route *api_routes(size_t *ret_n)
{
	*ret_n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

int api_new(struct store *store, struct writer *writer, const char *demo_site,
	    const struct api_limits *limits, struct api **ret_api)
{
	struct api *api = calloc(1, sizeof(*api));
	struct api_limits defaults;
	int rc;

	if (!api)
		return CALOR_ENOMEM;
	api->store = store;
	api->writer = writer;
	api->demo_site = demo_site;
	pthread_rwlock_init(&api->sites_lock, NULL);
	pthread_mutex_init(&api->reload_lock, NULL);
	/* the hash an unknown user name is checked against, so a sign-in
	 * takes as long whether or not the name exists */
	{
		char pw[64];
		auth_secret_new("", pw, sizeof(pw));
		if ((rc = auth_password_hash(pw, api->dummy_hash))) {
			api_free(api);
			return rc;
		}
	}
	if (!limits) {
		api_limits_defaults(&defaults);
		limits = &defaults;
	}
	if ((rc = api_limits_start(api, limits)) ||
	    (rc = api_sites_reload(api)) || (rc = api_share_key(api))) {
		api_free(api);
		return rc;
	}
	*ret_api = api;
	return 0;
}

void api_free(struct api *api)
{
	if (!api)
		return;
	free(api->sites);
	ratelimit_free(api->collect_ip);
	ratelimit_free(api->collect_site);
	ratelimit_free(api->login_ip);
	pthread_rwlock_destroy(&api->sites_lock);
	pthread_mutex_destroy(&api->reload_lock);
	free(api);
}
