/* SPDX-License-Identifier: MIT */
/* api: the route table, the embedded web assets (dashboard, demo site,
 * tracker), health and metrics, and the api object's life cycle. */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "assets.h"
#include "metrics.h"

#define DEMO_PLACEHOLDER "__CALOR_SITE__"

/* The dashboard's own pages: no inline script, never framed. */
static void dashboard_headers(struct http_request *req)
{
	http_add_header(req, "Content-Security-Policy",
			"default-src 'self'; script-src 'self'; "
			"style-src 'self'; img-src 'self' data: blob:; "
			"frame-src 'self' http: https:; connect-src 'self'; "
			"object-src 'none'; base-uri 'none'; "
			"frame-ancestors 'none'");
	http_add_header(req, "X-Frame-Options", "DENY");
	http_add_header(req, "Referrer-Policy", "same-origin");
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
	http_add_header(req, "X-Frame-Options", "SAMEORIGIN");
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
		http_respond_error(req, 404, "not_found", "no such path");
		return;
	}
	if (demo && strstr(a->content_type, "text/html")) {
		serve_demo(req, api, a);
		return;
	}
	if (strcmp(path, "/calor.js") == 0) {
		/* sites load it cross-origin */
		http_add_header(req, "Access-Control-Allow-Origin", "*");
		http_add_header(req, "Cache-Control", "public, max-age=300");
	} else {
		http_add_header(req, "Cache-Control", "no-cache");
	}
	if (!demo)
		dashboard_headers(req);
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
static const struct http_route routes[] = {
    {NULL, "/collect", 0, api_collect, INGEST_MAX_BODY, 0},
    {"GET", "/healthz", 0, get_healthz, 0, 0},
    {"GET", "/metrics", 0, get_metrics, 0, 0},
    {"POST", "/auth/login", 0, api_auth_login, 4096, 0},
    {"POST", "/auth/logout", 0, api_auth_logout, 0, AUTH},
    {"GET", "/auth/me", 0, api_auth_me, 0, 0},
    {"GET", "/auth/share", 0, api_auth_share, 0, 0},
    {"POST", "/api/v1/share", 0, api_share_create, 8192, AUTH},
    {"GET", "/api/v1/sites", 0, api_get_sites, 0, AUTH},
    {"POST", "/api/v1/sites", 0, api_post_site, 16384, AUTH},
    {"PATCH", "/api/v1/sites", 0, api_patch_site, 16384, AUTH},
    {"GET", "/api/v1/pages", 0, api_get_pages, 0, AUTH},
    {"GET", "/api/v1/heatmap", 0, api_get_heatmap, 0, SHARE},
    {"GET", "/api/v1/scroll", 0, api_get_scroll, 0, SHARE},
    {"GET", "/api/v1/elements", 0, api_get_elements, 0, SHARE},
    {"GET", "/api/v1/frustration", 0, api_get_frustration, 0, SHARE},
    {"GET", "/demo", 0, get_demo_root, 0, 0},
    {"GET", "/", 1, get_asset, 0, 0},
};
#undef AUTH
#undef SHARE

const struct http_route *api_routes(size_t *ret_n)
{
	*ret_n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

int api_new(struct store *store, struct writer *writer, const char *demo_site,
	    struct api **ret_api)
{
	struct api *api = calloc(1, sizeof(*api));
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
	if ((rc = api_sites_reload(api)) || (rc = api_share_key(api))) {
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
	pthread_rwlock_destroy(&api->sites_lock);
	pthread_mutex_destroy(&api->reload_lock);
	free(api);
}
