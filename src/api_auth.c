/* SPDX-License-Identifier: MIT */
/* api_auth: who is asking, and may they. Sessions (a cookie set by
 * POST /auth/login, CSRF token for every state change), API tokens
 * (Authorization: Bearer), and read-only share links for one page
 * (X-Calor-Share); the guard every non-public route passes through. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "auth.h"

#define COOKIE		   "calor_session"
#define LOGIN_SLOTS	   64
#define LOGIN_MAX_FAILS	   5
#define LOGIN_WINDOW_MS	   (5 * 60 * 1000)
#define SESSION_VALUE_SIZE (AUTH_MAX_NAME + AUTH_SECRET_LEN + 8)

/* Failed sign-ins by user name, to slow guessing (in memory, per node). */
struct login_slot {
	char digest[AUTH_DIGEST_LEN + 1];
	int fails;
	int64_t since_ms;
};
static struct login_slot login_slots[LOGIN_SLOTS];
static pthread_mutex_t login_lock = PTHREAD_MUTEX_INITIALIZER;

static struct login_slot *login_slot(const char *name)
{
	char d[AUTH_DIGEST_LEN + 1];
	struct login_slot *oldest = &login_slots[0];

	auth_digest(name, d);
	for (int i = 0; i < LOGIN_SLOTS; i++) {
		if (strcmp(login_slots[i].digest, d) == 0)
			return &login_slots[i];
		if (login_slots[i].since_ms < oldest->since_ms)
			oldest = &login_slots[i];
	}
	memset(oldest, 0, sizeof(*oldest));
	str_copy(oldest->digest, d, sizeof(oldest->digest));
	return oldest;
}

/* ms until name may try again (0: now). */
static int64_t login_wait(const char *name, int64_t now)
{
	struct login_slot *s;
	int64_t wait = 0;

	pthread_mutex_lock(&login_lock);
	s = login_slot(name);
	if (now - s->since_ms > LOGIN_WINDOW_MS)
		s->fails = 0;
	if (s->fails >= LOGIN_MAX_FAILS)
		wait = s->since_ms + LOGIN_WINDOW_MS - now;
	pthread_mutex_unlock(&login_lock);
	return wait > 0 ? wait : 0;
}

static void login_failed(const char *name, int64_t now)
{
	struct login_slot *s;

	pthread_mutex_lock(&login_lock);
	s = login_slot(name);
	if (s->fails == 0 || now - s->since_ms > LOGIN_WINDOW_MS) {
		s->fails = 0;
		s->since_ms = now;
	}
	s->fails++;
	pthread_mutex_unlock(&login_lock);
}

int api_share_key(struct api *api)
{
	char hex[65];
	size_t len;
	int rc;

	for (int tries = 0; tries < 2; tries++) {
		rc = store_kv_get(api->store, "secret", "share", 0, hex,
				  sizeof(hex));
		if (rc == 0)
			return sodium_hex2bin(api->share_key,
					      sizeof(api->share_key), hex,
					      strlen(hex), NULL, &len, NULL) ||
				       len != sizeof(api->share_key)
				   ? CALOR_ESTORE
				   : 0;
		if (rc != CALOR_ENOTFOUND)
			return rc;
		/* the first node to start makes it; a racing one reads it */
		randombytes_buf(api->share_key, sizeof(api->share_key));
		sodium_bin2hex(hex, sizeof(hex), api->share_key,
			       sizeof(api->share_key));
		rc = store_kv_put(api->store, "secret", "share", hex, 0, 0);
		if (rc == 0)
			return 0;
		if (rc != CALOR_EEXIST)
			return rc;
	}
	return CALOR_ESTORE;
}

int api_who(struct http_request *req, struct api *api, struct api_who *who)
{
	const char *authz = http_request_header(req, "Authorization");
	const char *cookie = http_request_header(req, "Cookie");
	const char *share = http_request_header(req, "X-Calor-Share");
	char secret[128], digest[AUTH_DIGEST_LEN + 1];
	char value[SESSION_VALUE_SIZE];
	int64_t now = calor_now_ms();
	int rc;

	memset(who, 0, sizeof(*who));
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
		auth_digest(authz + 7, digest);
		rc = store_kv_get(api->store, "token", digest, now, who->user,
				  sizeof(who->user));
		if (rc == 0)
			who->kind = API_WHO_TOKEN;
		return rc == CALOR_ENOTFOUND ? 0 : rc;
	}
	if (cookie &&
	    auth_cookie_get(cookie, COOKIE, secret, sizeof(secret)) == 0) {
		auth_digest(secret, digest);
		rc = store_kv_get(api->store, "session", digest, now, value,
				  sizeof(value));
		if (rc && rc != CALOR_ENOTFOUND)
			return rc;
		if (rc == 0) {
			char *tab = strchr(value, '\t');
			if (tab) {
				*tab = '\0';
				str_copy(who->user, value, sizeof(who->user));
				str_copy(who->csrf, tab + 1, sizeof(who->csrf));
				str_copy(who->session, digest,
					 sizeof(who->session));
				who->kind = API_WHO_SESSION;
				return 0;
			}
		}
	}
	if (share) {
		rc = auth_share_verify(api->share_key, share, now, &who->share);
		who->kind = rc == 0 ? API_WHO_SHARE : API_WHO_BAD_SHARE;
		who->share_expired = rc == CALOR_EFORBIDDEN;
	}
	return 0;
}

/* The value of a query argument, or NULL. */
static const char *arg(struct http_request *req, const char *name)
{
	size_t n;
	const struct query_arg *a = http_request_args(req, &n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i].name, name) == 0)
			return a[i].value ? a[i].value : "";
	return NULL;
}

static int safe_method(struct http_request *req)
{
	const char *m = http_request_method(req);
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

int api_guard(struct http_request *req, unsigned access, void *ctx)
{
	struct api *api = ctx;
	struct api_who who;
	const char *site, *page, *csrf;
	int rc = api_who(req, api, &who);

	if (rc) {
		http_respond_failure(req, rc);
		return 1;
	}
	switch (who.kind) {
	case API_WHO_TOKEN: return 0;
	case API_WHO_SESSION:
		csrf = http_request_header(req, "X-CSRF-Token");
		if (!safe_method(req) &&
		    (!csrf || sodium_memcmp(csrf, who.csrf,
					    strlen(who.csrf) + 1) != 0)) {
			http_respond_error(req, 403, "bad_csrf",
					   "X-CSRF-Token: missing or wrong "
					   "(GET /auth/me gives it)");
			return 1;
		}
		return 0;
	case API_WHO_SHARE:
		site = arg(req, "site");
		page = arg(req, "page");
		if (!(access & API_ACCESS_SHARE) || !safe_method(req) ||
		    !site || strcmp(site, who.share.site) != 0 || !page ||
		    strcmp(page, who.share.page) != 0) {
			http_respond_error(req, 403, "forbidden",
					   "a share link opens its one page "
					   "only");
			return 1;
		}
		return 0;
	case API_WHO_BAD_SHARE:
		http_respond_error(req, 401, "bad_share",
				   who.share_expired
				       ? "this share link has expired"
				       : "this share link is not valid");
		return 1;
	default:
		http_respond_error(req, 401, "unauthorized",
				   "sign in (POST /auth/login) or send "
				   "Authorization: Bearer TOKEN");
		return 1;
	}
}

/* ---- the /auth endpoints ---- */

static void session_json(struct http_request *req, const char *user,
			 const char *csrf)
{
	struct dynbuf b;
	int rc;

	dynbuf_init(&b, 4096);
	rc = dynbuf_adds(&b, "{\"user\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(&b, user);
	if (!rc)
		rc = dynbuf_adds(&b, "\", \"csrf\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(&b, csrf);
	if (!rc)
		rc = dynbuf_adds(&b, "\"}");
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_add_header(req, "Cache-Control", "no-store");
	http_respond_json(req, 200, &b);
}

/* Set-Cookie for the session secret, or clearing it when secret is NULL;
 * Secure over calor's own TLS or behind an HTTPS proxy (a client that
 * claims one only keeps its own cookie off plain HTTP). */
static void set_cookie(struct http_request *req, const char *secret)
{
	const char *proto = http_request_header(req, "X-Forwarded-Proto");
	int secure =
	    http_request_tls(req) || (proto && strcasecmp(proto, "https") == 0);
	char v[256];

	snprintf(v, sizeof(v),
		 "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
		 COOKIE, secret ? secret : "",
		 secret ? (long long)(AUTH_SESSION_MS / 1000) : 0LL,
		 secure ? "; Secure" : "");
	http_add_header(req, "Set-Cookie", v);
}

void api_auth_login(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	char secret[64], csrf[64], digest[AUTH_DIGEST_LEN + 1];
	char hash[AUTH_HASH_MAX], value[SESSION_VALUE_SIZE], wait_s[24];
	const char *body, *user = NULL, *password = NULL;
	int64_t now = calor_now_ms(), wait;
	json_t *o = NULL;
	size_t len;
	int rc, ok;

	/* per address, before the costly hash: guessing many names from one
	 * place is slowed as guessing one name is (login_wait) */
	if (api_limit_client(req, api->login_ip, "login_ip",
			     "too many sign-ins from this address; wait and "
			     "try again"))
		return;
	body = http_request_body(req, &len);
	o = json_loadb(body, len, 0, NULL);
	if (!o ||
	    json_unpack(o, "{s:s, s:s}", "user", &user, "password",
			&password) != 0 ||
	    !auth_name_valid(user) || strlen(password) > AUTH_MAX_PASSWORD) {
		http_respond_error(req, 400, "bad_field",
				   "body: must be {\"user\": NAME, "
				   "\"password\": PASSWORD}");
		goto out;
	}
	if ((wait = login_wait(user, now)) > 0) {
		snprintf(wait_s, sizeof(wait_s), "%lld",
			 (long long)(wait + 999) / 1000);
		http_add_header(req, "Retry-After", wait_s);
		http_respond_error(req, 429, "too_many_attempts",
				   "too many failed sign-ins for this user; "
				   "wait and try again");
		goto out;
	}
	rc = store_kv_get(api->store, "user", user, 0, hash, sizeof(hash));
	if (rc && rc != CALOR_ENOTFOUND) {
		http_respond_failure(req, rc);
		goto out;
	}
	/* an unknown name costs the same hash check as a known one */
	ok = auth_password_check(rc ? api->dummy_hash : hash, password) && !rc;
	if (!ok) {
		login_failed(user, now);
		http_respond_error(req, 401, "bad_login",
				   "wrong user name or password");
		goto out;
	}
	auth_secret_new("cs_", secret, sizeof(secret));
	auth_secret_new("", csrf, sizeof(csrf));
	auth_digest(secret, digest);
	snprintf(value, sizeof(value), "%s\t%s", user, csrf);
	/* the key is 256 random bits: no other session has it, so no
	 * create-if-absent check (which on ClickHouse waits for racers) */
	if ((rc = store_kv_put(api->store, "session", digest, value,
			       now + AUTH_SESSION_MS, 1))) {
		http_respond_failure(req, rc);
		goto out;
	}
	set_cookie(req, secret);
	session_json(req, user, csrf);
out:
	json_decref(o);
}

void api_auth_logout(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct api_who who;
	int rc = api_who(req, api, &who);

	if (rc) {
		http_respond_failure(req, rc);
		return;
	}
	/* the guard checked the CSRF token of this session */
	if (who.kind == API_WHO_SESSION &&
	    (rc = store_kv_delete(api->store, "session", who.session))) {
		http_respond_failure(req, rc);
		return;
	}
	set_cookie(req, NULL);
	http_respond(req, 204, NULL, "", 0, 0);
}

void api_auth_me(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct api_who who;
	int rc = api_who(req, api, &who);

	if (rc) {
		http_respond_failure(req, rc);
		return;
	}
	if (who.kind != API_WHO_SESSION) {
		http_respond_error(req, 401, "unauthorized", "not signed in");
		return;
	}
	session_json(req, who.user, who.csrf);
}

void api_auth_share(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct auth_share sh;
	const char *token = arg(req, "token");
	struct dynbuf b;
	int rc;

	rc = token
		 ? auth_share_verify(api->share_key, token, calor_now_ms(), &sh)
		 : CALOR_EINVAL;
	if (rc) {
		http_respond_error(req, 401, "bad_share",
				   rc == CALOR_EFORBIDDEN
				       ? "this share link has expired"
				       : "this share link is not valid");
		return;
	}
	dynbuf_init(&b, 8192);
	rc = dynbuf_adds(&b, "{\"site\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(&b, sh.site);
	if (!rc)
		rc = dynbuf_adds(&b, "\", \"page\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(&b, sh.page);
	if (!rc)
		rc = dynbuf_adds(&b, "\", \"view\": \"");
	if (!rc)
		rc = dynbuf_add_json_string(&b, sh.view);
	if (!rc)
		rc = dynbuf_addf(&b, "\", \"expires\": %lld}",
				 (long long)sh.expires_ms);
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		return;
	}
	http_respond_json(req, 200, &b);
}

/* POST /api/v1/share {"site", "page", "view", "hours"}: a signed link. */
void api_share_create(struct http_request *req, void *ctx)
{
	struct api *api = ctx;
	struct auth_share sh = {0};
	struct store_site site;
	const char *body, *key = NULL, *page = NULL, *view = "";
	char token[AUTH_MAX_SHARE + 1];
	json_int_t hours = 24 * 7;
	struct dynbuf b;
	json_t *o;
	size_t len;
	int rc;

	body = http_request_body(req, &len);
	o = json_loadb(body, len, 0, NULL);
	if (!o || json_unpack(o, "{s:s, s:s, s?s, s?I}", "site", &key, "page",
			      &page, "view", &view, "hours", &hours) != 0) {
		http_respond_error(req, 400, "bad_field",
				   "body: must be {\"site\": KEY, \"page\": "
				   "PATH, \"view\": HASH, \"hours\": N}");
		goto out;
	}
	if (hours < 1 || hours > AUTH_SHARE_MAX_H) {
		http_respond_error(req, 400, "bad_field",
				   "hours: must be 1..720");
		goto out;
	}
	if (page[0] != '/' || strlen(page) >= sizeof(sh.page) ||
	    strlen(view) >= sizeof(sh.view) || !ingest_site_key_valid(key)) {
		http_respond_error(req, 400, "bad_field",
				   "page: a path starting with /; view: at "
				   "most 1024 bytes; site: a site key");
		goto out;
	}
	if ((rc = api_site_find(api, key, &site))) {
		if (rc == CALOR_ENOTFOUND)
			http_respond_error(req, 404, "unknown_site",
					   "site: no site has this key");
		else
			http_respond_failure(req, rc);
		goto out;
	}
	str_copy(sh.site, key, sizeof(sh.site));
	str_copy(sh.page, page, sizeof(sh.page));
	str_copy(sh.view, view, sizeof(sh.view));
	sh.expires_ms = calor_now_ms() + (int64_t)hours * 3600000;
	if ((rc = auth_share_sign(api->share_key, &sh, token, sizeof(token)))) {
		http_respond_error(req, 400, "bad_field",
				   "view: too long for a share link");
		goto out;
	}
	dynbuf_init(&b, 8192);
	rc = dynbuf_addf(&b,
			 "{\"token\": \"%s\", \"expires\": %lld, \"url\": "
			 "\"/#/share/%s\"}",
			 token, (long long)sh.expires_ms, token);
	if (rc) {
		dynbuf_done(&b);
		http_respond_failure(req, rc);
		goto out;
	}
	http_respond_json(req, 200, &b);
out:
	json_decref(o);
}
