/* SPDX-License-Identifier: MIT */
/* api_collect: POST /collect. Checks the client's rate, method, content
 * type, the batch, the site and the origin; acknowledges a known bot's
 * batch without storing it; checks the site's rate; then queues the batch
 * to the writer and answers 204 only once it is committed. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "bots.h"
#include "metrics.h"

struct collect_job {
	struct writer_job job;
	struct http_request *req;
	char origin[STORE_MAX_ORIGIN + 1]; /* echoed in CORS headers, or "" */
};

static void refuse(struct http_request *req, int status, const char *code,
		   const char *detail)
{
	metrics_batch_rejected(code);
	http_respond_error(req, status, code, detail);
}

/* 1 when origin may send events for site. */
static int origin_allowed(const struct store_site *site, const char *origin)
{
	if (site->n_origins == 0)
		return 1;
	for (size_t i = 0; i < site->n_origins; i++)
		if (strcmp(site->origins[i], origin) == 0)
			return 1;
	return 0;
}

static void cors(struct http_request *req, const char *origin)
{
	if (!origin || !*origin)
		return;
	http_add_header(req, "Access-Control-Allow-Origin", origin);
	http_add_header(req, "Vary", "Origin");
}

static void collect_done(struct writer_job *job)
{
	struct collect_job *cj = job->ctx;
	struct http_request *req = cj->req;

	if (job->rc) {
		metrics_batch_rejected("unavailable");
		http_add_header(req, "Retry-After", "5");
		http_respond_error(req, 503, "unavailable",
				   "storage unavailable, retry later");
	} else {
		metrics_batch_accepted(job->result == STORE_WRITE_DUPLICATE);
		cors(req, cj->origin);
		http_respond(req, 204, NULL, "", 0, 0);
	}
	http_resume(req);
}

static int content_type_ok(const char *ct)
{
	size_t n;
	if (!ct)
		return 0;
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	return (n == 10 && strncasecmp(ct, "text/plain", n) == 0) ||
	       (n == 16 && strncasecmp(ct, "application/json", n) == 0);
}

void api_collect(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	const char *method = http_request_method(req);
	const char *origin = http_request_header(req, "Origin");
	struct ingest_batch *batch = NULL;
	struct ingest_error ierr = {0};
	struct store_site site;
	struct collect_job *cj;
	const char *body;
	int64_t now;
	size_t len;
	int rc;

	if (strcmp(method, "OPTIONS") == 0) {
		/* preflight for fetch() senders using application/json */
		http_add_header(req, "Access-Control-Allow-Methods", "POST");
		http_add_header(req, "Access-Control-Allow-Headers",
				"Content-Type");
		http_add_header(req, "Access-Control-Max-Age", "86400");
		cors(req, origin);
		http_respond(req, 204, NULL, "", 0, 0);
		return;
	}
	if (strcmp(method, "POST") != 0) {
		http_add_header(req, "Allow", "POST, OPTIONS");
		refuse(req, 405, "bad_method", "use POST");
		return;
	}
	/* before any work on the body */
	if (api_limit_client(req, api->collect_ip, "collect_ip",
			     "too many batches from this address; retry "
			     "later"))
		return;
	if (!content_type_ok(http_request_header(req, "Content-Type"))) {
		refuse(req, 415, "bad_content_type",
		       "Content-Type must be text/plain or application/json");
		return;
	}
	body = http_request_body(req, &len);
	now = calor_now_ms();
	rc = ingest_decode(body, len, now, http_request_arena(req), &batch,
			   &ierr);
	if (rc == CALOR_ENOMEM) {
		refuse(req, 503, "unavailable", "out of memory");
		return;
	}
	if (rc) {
		refuse(req, ierr.status, ierr.code, ierr.detail);
		return;
	}
	rc = api_site_find(api, batch->site_key, &site);
	if (rc == CALOR_ENOTFOUND) {
		refuse(req, 403, "unknown_site", "no site has this key");
		return;
	}
	if (rc) {
		refuse(req, 503, "unavailable", "site lookup failed");
		return;
	}
	/* Browsers always send Origin on POST; when they do, it must be one
	 * the site allows ("null" never is, unless any origin is). */
	if (origin && !origin_allowed(&site, origin)) {
		refuse(req, 403, "forbidden_origin",
		       "this site does not accept events from this origin");
		return;
	}
	/* a crawler running the tracker, a headless browser, a script:
	 * acknowledged, so it does not retry, and counted, not stored */
	if (bots_match(http_request_header(req, "User-Agent"))) {
		metrics_bot_batch();
		cors(req, origin);
		http_respond(req, 204, NULL, "", 0, 0);
		return;
	}
	if (api_limit_site(req, api, site.id))
		return;
	batch->site_id = site.id;
	ingest_batch_clamp(batch,
			   now - (int64_t)site.cfg.backdate_days * 86400000);
	batch->rage_clicks = site.cfg.rage_clicks;
	batch->rage_ms = site.cfg.rage_ms;
	batch->rage_px = site.cfg.rage_px;
	ingest_batch_decide(batch, site.cfg.dead_ms, site.cfg.error_ms);
	ingest_user_agent(http_request_header(req, "User-Agent"),
			  &batch->pv.browser, &batch->pv.os);

	cj = arena_alloc(http_request_arena(req), sizeof(*cj));
	if (!cj) {
		refuse(req, 503, "unavailable", "out of memory");
		return;
	}
	memset(cj, 0, sizeof(*cj));
	cj->req = req;
	cj->job.batch = batch;
	cj->job.done = collect_done;
	cj->job.ctx = cj;
	if (origin && strlen(origin) <= STORE_MAX_ORIGIN)
		str_copy(cj->origin, origin, sizeof(cj->origin));
	http_suspend(req);
	rc = writer_submit(api->writer, &cj->job);
	if (rc) {
		metrics_batch_rejected("unavailable");
		http_add_header(req, "Retry-After", "5");
		http_respond_error(req, 503, "unavailable",
				   rc == CALOR_ESHUTDOWN
				       ? "shutting down, retry later"
				       : "too busy, retry later");
		http_resume(req);
	}
}

int api_sites_reload(struct api *api)
{
	struct store_site *sites = NULL, *old;
	size_t n = 0;
	int rc = store_sites_load(api->store, &sites, &n);

	if (rc)
		return rc;
	pthread_rwlock_wrlock(&api->sites_lock);
	old = api->sites;
	api->sites = sites;
	api->n_sites = n;
	pthread_rwlock_unlock(&api->sites_lock);
	free(old);
	return 0;
}

static int lookup(struct api *api, const char *key, struct store_site *ret_site)
{
	int rc = CALOR_ENOTFOUND;

	pthread_rwlock_rdlock(&api->sites_lock);
	for (size_t i = 0; i < api->n_sites; i++) {
		if (strcmp(api->sites[i].key, key) == 0) {
			*ret_site = api->sites[i];
			rc = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&api->sites_lock);
	return rc;
}

/* Reload the sites when the copy is older than API_SITE_REFRESH_MS, so a
 * setting changed by another process is seen; one thread reloads, the
 * others go on with the copy they have. */
static void refresh(struct api *api)
{
	int64_t now = calor_mono_ms();

	if (now - atomic_load(&api->last_reload_ms) < API_SITE_REFRESH_MS ||
	    pthread_mutex_trylock(&api->reload_lock) != 0)
		return;
	if (now - atomic_load(&api->last_reload_ms) >= API_SITE_REFRESH_MS) {
		atomic_store(&api->last_reload_ms, now);
		if (api_sites_reload(api))
			log_warn("site reload: %s",
				 store_last_error(api->store));
	}
	pthread_mutex_unlock(&api->reload_lock);
}

int api_site_find(struct api *api, const char *key, struct store_site *ret_site)
{
	int64_t now;
	int rc;

	refresh(api);
	rc = lookup(api, key, ret_site);
	if (rc != CALOR_ENOTFOUND)
		return rc;
	/* a site added by `calor site add` while we run: reload, but at most
	 * once a second so random keys cannot hammer the store */
	pthread_mutex_lock(&api->reload_lock);
	now = calor_mono_ms();
	if (now - atomic_load(&api->last_reload_ms) >= API_SITE_RELOAD_MS) {
		atomic_store(&api->last_reload_ms, now);
		rc = api_sites_reload(api);
	}
	pthread_mutex_unlock(&api->reload_lock);
	if (rc && rc != CALOR_ENOTFOUND)
		return rc;
	return lookup(api, key, ret_site);
}
