/* SPDX-License-Identifier: MIT */
/* api_sites: the sites — listed with their origins, settings and snippet
 * (GET /api/v1/sites), created (POST) and edited (PATCH ?site=KEY): name,
 * allowed origins, and the settings of store.h. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "core.h"

#define SITES_JSON_MAX (16 * 1024 * 1024)

/* The tag for a site's pages, with the attributes its privacy and
 * collection settings ask for (docs/tracker.md). */
void api_site_snippet(char *buf, size_t size, const char *origin,
		      const struct store_site *s)
{
	snprintf(buf, size,
		 "<script defer src=\"%.200s/calor.js\" data-site=\"%s\"%s%s%s>"
		 "</script>",
		 origin, s->key,
		 s->cfg.consent_required ? " data-consent=\"required\"" : "",
		 s->cfg.no_storage ? " data-storage=\"none\"" : "",
		 s->cfg.url_hash ? " data-hash=\"true\"" : "");
}

/* {"key", "name", "origins", "created", "settings", "snippet"}. The snippet
 * points at the host the request came to. */
static int site_json(struct dynbuf *b, struct http_request *req,
		     const struct store_site *s)
{
	const char *host = http_request_header(req, "Host");
	const char *proto = http_request_header(req, "X-Forwarded-Proto");
	char snippet[512], origin[256];
	int rc, first = 1;

	rc = dynbuf_adds(b, "{\"key\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(b, s->key);
	if (!rc)
		rc = dynbuf_adds(b, "\", \"name\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(b, s->name);
	if (!rc)
		rc = dynbuf_adds(b, "\", \"origins\": [");
	for (size_t k = 0; !rc && k < s->n_origins; k++) {
		rc = dynbuf_adds(b, k ? ", \"" : "\"");
		if (!rc)
			rc = dynbuf_add_json_string(b, s->origins[k]);
		if (!rc)
			rc = dynbuf_adds(b, "\"");
	}
	if (!rc)
		rc = dynbuf_addf(b, "], \"created\": %lld, \"settings\": {",
				 (long long)s->created_ms);
	for (const struct store_config_key *k = store_config_keys;
	     !rc && k->name; k++) {
		rc = dynbuf_addf(b, "%s\"%s\": %d", first ? "" : ", ", k->name,
				 store_config_get(&s->cfg, k));
		first = 0;
	}
	snprintf(origin, sizeof(origin), "%s://%.200s",
		 proto && strcasecmp(proto, "https") == 0 ? "https" : "http",
		 host ? host : "YOUR-CALOR-HOST");
	api_site_snippet(snippet, sizeof(snippet), origin, s);
	if (!rc)
		rc = dynbuf_adds(b, "}, \"snippet\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(b, snippet);
	return rc ? rc : dynbuf_adds(b, "\"}");
}

static void respond_site(struct http_request *req, int status,
			 const struct store_site *s)
{
	struct dynbuf b;
	int rc;

	dynbuf_init(&b, SITES_JSON_MAX);
	if ((rc = site_json(&b, req, s))) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_respond_json(req, status, &b);
}

void api_get_sites(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct dynbuf b;
	int rc;

	if ((rc = api_sites_reload(api))) {
		http_respond_failure(req, rc);
		return;
	}
	dynbuf_init(&b, SITES_JSON_MAX);
	pthread_rwlock_rdlock(&api->sites_lock);
	rc = dynbuf_adds(&b, "{\"sites\": [");
	for (size_t i = 0; !rc && i < api->n_sites; i++) {
		if (i)
			rc = dynbuf_adds(&b, ", ");
		if (!rc)
			rc = site_json(&b, req, &api->sites[i]);
	}
	pthread_rwlock_unlock(&api->sites_lock);
	if (!rc)
		rc = dynbuf_adds(&b, "], \"setting_keys\": [");
	for (const struct store_config_key *k = store_config_keys;
	     !rc && k->name; k++) {
		rc = dynbuf_addf(&b,
				 "%s{\"name\": \"%s\", \"group\": \"%s\", "
				 "\"default\": %d, \"min\": %d, \"max\": %d, "
				 "\"doc\": \"",
				 k == store_config_keys ? "" : ", ", k->name,
				 k->group, k->def, k->min, k->max);
		if (!rc)
			rc = dynbuf_add_json_string(&b, k->doc);
		if (!rc)
			rc = dynbuf_adds(&b, "\"}");
	}
	if (!rc)
		rc = dynbuf_adds(&b, "]}");
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_respond_json(req, 200, &b);
}

/* The fields of a site body: name (string), origins (array of strings),
 * settings (object of integers, applied to *cfg). Fills err and returns
 * CALOR_EINVAL for anything wrong. */
struct site_body {
	const char *name;
	int has_origins;
	const char *origins[STORE_MAX_ORIGINS];
	size_t n_origins;
	struct store_site_config cfg;
	const char *set[32];
	size_t n_set;
};

static int body_parse(json_t *o, struct site_body *sb, char *err,
		      size_t err_size)
{
	json_t *v;
	const char *k;
	size_t i;

	if (!json_is_object(o)) {
		snprintf(err, err_size, "body: must be a JSON object");
		return CALOR_EINVAL;
	}
	json_object_foreach(o, k, v)
	{
		if (strcmp(k, "name") != 0 && strcmp(k, "origins") != 0 &&
		    strcmp(k, "settings") != 0) {
			snprintf(err, err_size, "%.40s: unknown field", k);
			return CALOR_EINVAL;
		}
	}
	if ((v = json_object_get(o, "name"))) {
		if (!json_is_string(v) || !*json_string_value(v) ||
		    strlen(json_string_value(v)) > STORE_MAX_NAME) {
			snprintf(err, err_size, "name: 1..%d bytes of text",
				 STORE_MAX_NAME);
			return CALOR_EINVAL;
		}
		sb->name = json_string_value(v);
	}
	if ((v = json_object_get(o, "origins"))) {
		if (!json_is_array(v) ||
		    json_array_size(v) > STORE_MAX_ORIGINS) {
			snprintf(err, err_size,
				 "origins: an array of at most %d origins",
				 STORE_MAX_ORIGINS);
			return CALOR_EINVAL;
		}
		sb->has_origins = 1;
		for (i = 0; i < json_array_size(v); i++) {
			json_t *e = json_array_get(v, i);
			if (!json_is_string(e)) {
				snprintf(err, err_size,
					 "origins[%zu]: must be a string", i);
				return CALOR_EINVAL;
			}
			sb->origins[sb->n_origins++] = json_string_value(e);
		}
	}
	if ((v = json_object_get(o, "settings"))) {
		json_t *e;
		if (!json_is_object(v)) {
			snprintf(err, err_size, "settings: must be an object");
			return CALOR_EINVAL;
		}
		json_object_foreach(v, k, e)
		{
			if (!json_is_integer(e)) {
				snprintf(err, err_size,
					 "settings.%.40s: must be an integer",
					 k);
				return CALOR_EINVAL;
			}
			if (store_config_set(&sb->cfg, k, json_integer_value(e),
					     err, err_size))
				return CALOR_EINVAL;
			if (sb->n_set < sizeof(sb->set) / sizeof(sb->set[0]))
				sb->set[sb->n_set++] = k;
		}
	}
	return 0;
}

/* Store what sb says of site (settings after name and origins), reload
 * the sites and answer with the site as stored. */
static void site_write(struct http_request *req, struct api *api,
		       struct store_site *site, const struct site_body *sb,
		       int status)
{
	struct store_site now;
	int rc = 0;

	if (sb->name || sb->has_origins)
		rc = store_site_update(api->store, site->id, sb->name,
				       sb->has_origins ? sb->origins : NULL,
				       sb->n_origins);
	for (size_t i = 0; !rc && i < sb->n_set; i++)
		rc = store_site_set(
		    api->store, site->id, sb->set[i],
		    store_config_get(&sb->cfg, store_config_find(sb->set[i])));
	if (rc == CALOR_EINVAL) {
		http_respond_error(req, 400, "bad_field",
				   store_last_error(api->store));
		return;
	}
	if (rc || (rc = api_sites_reload(api)) ||
	    (rc = api_site_find(api, site->key, &now))) {
		http_respond_failure(req, rc);
		return;
	}
	respond_site(req, status, &now);
}

void api_post_site(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct site_body sb = {0};
	struct store_site site;
	char err[160];
	const char *body;
	json_t *o;
	size_t len;
	int rc;

	body = http_request_body(req, &len);
	o = json_loadb(body, len, 0, NULL);
	store_config_defaults(&sb.cfg);
	if (body_parse(o, &sb, err, sizeof(err))) {
		/* a key cut at 40 bytes may split a character */
		utf8_clean(err);
		http_respond_error(req, 400, "bad_field", err);
		goto out;
	}
	if (!sb.name) {
		http_respond_error(req, 400, "bad_field", "name: required");
		goto out;
	}
	rc = store_site_add(api->store, sb.name, sb.origins, sb.n_origins,
			    &site);
	if (rc == CALOR_EINVAL) {
		http_respond_error(req, 400, "bad_field",
				   store_last_error(api->store));
		goto out;
	}
	if (rc) {
		http_respond_failure(req, rc);
		goto out;
	}
	sb.name = NULL;
	sb.has_origins = 0;
	site_write(req, api, &site, &sb, 201);
out:
	json_decref(o);
}

void api_patch_site(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct site_body sb = {0};
	struct store_site site;
	const char *key = NULL, *body;
	const struct query_arg *args;
	char err[160];
	size_t n, len;
	json_t *o = NULL;
	int rc;

	args = http_request_args(req, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(args[i].name, "site") == 0)
			key = args[i].value;
	if (!key || !ingest_site_key_valid(key)) {
		http_respond_error(req, 400, "bad_param", "site: required");
		return;
	}
	if ((rc = api_site_find(api, key, &site))) {
		if (rc == CALOR_ENOTFOUND)
			http_respond_error(req, 404, "unknown_site",
					   "site: no site has this key");
		else
			http_respond_failure(req, rc);
		return;
	}
	body = http_request_body(req, &len);
	o = json_loadb(body, len, 0, NULL);
	sb.cfg = site.cfg;
	if (body_parse(o, &sb, err, sizeof(err))) {
		utf8_clean(err);
		http_respond_error(req, 400, "bad_field", err);
	} else
		site_write(req, api, &site, &sb, 200);
	json_decref(o);
}
