/* SPDX-License-Identifier: MIT */
/* api internals shared by api.c, api_collect.c and api_read.c. */
#ifndef CALOR_API_INT_H
#define CALOR_API_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "api.h"
#include "auth.h"
#include "ratelimit.h"

#define API_SITE_RELOAD_MS                                                     \
	1000 /* an unknown key reloads sites at most this often */
#define API_SITE_REFRESH_MS                                                    \
	10000 /* settings changed by `calor site set` are seen within this */

struct api {
	struct store *store;
	struct writer *writer;
	const char *demo_site;
	pthread_rwlock_t sites_lock;
	struct store_site *sites;
	size_t n_sites;
	pthread_mutex_t reload_lock;
	_Atomic int64_t last_reload_ms;
	unsigned char share_key[32];	/* signs share links (store "secret") */
	char dummy_hash[AUTH_HASH_MAX]; /* checked for unknown user names */
	/* rate limits (api_limit.c) */
	struct ratelimit *collect_ip, *collect_site, *login_ip;
};

/* Make the rate limit tables of l (api_limit.c); 0 or CALOR_ENOMEM /
 * CALOR_EINVAL. api_free() frees them. */
int api_limits_start(struct api *api, const struct api_limits *l);
/* Take a token from the client's bucket in rl, keyed by its address (an
 * IPv6 client by its /64: one host holds a whole /64). Returns 0 to go
 * on, else has answered 429 with Retry-After and counted it in /metrics
 * under limit ("collect_ip", "login_ip"). Loopback clients pass. */
int api_limit_client(struct http_request *req, struct ratelimit *rl,
		     const char *limit, const char *detail);
/* The same for site_id's bucket in api->collect_site ("collect_site"). */
int api_limit_site(struct http_request *req, struct api *api, int64_t site_id);

/* Route access (struct http_route.access). */
enum {
	API_ACCESS_AUTH = 1, /* a session or an API token */
	API_ACCESS_SHARE = 2 /* also a share link, for its site and page */
};

enum api_who_kind {
	API_WHO_NOBODY = 0,
	API_WHO_SESSION,
	API_WHO_TOKEN,
	API_WHO_SHARE,
	API_WHO_BAD_SHARE
};

/* Who sent a request. */
struct api_who {
	enum api_who_kind kind;
	char user[AUTH_MAX_NAME + 1];	   /* session user or token name */
	char csrf[AUTH_SECRET_LEN + 1];	   /* session only */
	char session[AUTH_DIGEST_LEN + 1]; /* session only: its digest */
	struct auth_share share;	   /* share only */
	int share_expired;		   /* bad share: expired, not forged */
};

/* Identify the sender (API token, else session cookie, else share
 * header). 0 (who->kind may be API_WHO_NOBODY) or a store error. */
int api_who(struct http_request *req, struct api *api, struct api_who *who);
/* Load the share-link key from the store, making it the first time. */
int api_share_key(struct api *api);

/* Copy the site with this key into *ret_site. Reloads the site table from
 * the store (rate-limited) when the key is unknown. 0, CALOR_ENOTFOUND, or
 * a store error. */
int api_site_find(struct api *api, const char *key,
		  struct store_site *ret_site);
/* Reload the site table now. */
int api_sites_reload(struct api *api);

/* Below this many sessions an answer warns that its patterns are not yet
 * reliable (DESIGN.md, "sample size"). */
#define API_RELIABLE_SESSIONS 1000

/* Append "pageviews": N, "sessions": N and, below API_RELIABLE_SESSIONS,
 * "warning": "..." (no braces, no leading comma). */
int api_sample_json(struct dynbuf *b, const struct store_sample *sample);
/* The same as X-Calor-Pageviews, X-Calor-Sessions and X-Calor-Warning
 * headers, for answers that are not JSON. */
void api_sample_headers(struct http_request *req,
			const struct store_sample *sample);
/* "desktop", "tablet", "mobile", or "all" for device < 0. */
const char *api_device_name(int device);

/* Answer 400 bad_param with err's detail. */
void api_bad_param(struct http_request *req, const struct query_error *err);
/* The store filter for w, with its site looked up. Answers 404 (or a store
 * failure) and returns non-zero when the site cannot be found. */
int api_resolve(struct http_request *req, struct api *api,
		const struct query_where *w, struct store_filter *f);
/* Scroll reach and attention of the page views matching f. */
struct agg_scroll_result;
int api_scroll_compute(struct api *api, const struct store_filter *f,
		       struct agg_scroll_result *ret);
/* Append the scroll answer (GET /api/v1/scroll's JSON; with "width" and
 * "height" first when width > 0) to b. */
int api_scroll_json(struct dynbuf *b, int device,
		    const struct store_sample *sample,
		    const struct agg_scroll_result *r, int width, int height);

/* Append , "NAME": {"rate": r, "low": l, "high": h}: k of n with its
 * 95 % Wilson interval. */
int api_share_json(struct dynbuf *b, const char *name, int64_t k, int64_t n);

/* A read's conversion: the goal asked for, else the goal most sessions
 * under the filter reached, and how many of the filter's sessions reached
 * it. goal is NULL when no goal was reached, or when a goal/nogoal
 * segment names another goal (no honest overall rate then). */
#define API_GOALS_MAX 20

struct api_conversion {
	char *goal;	   /* owned; free with api_conversion_done() */
	int64_t sessions;  /* sessions under the filter (sample's) */
	int64_t converted; /* of those, the sessions that reached goal */
	/* the goals reached under the filter, most sessions first (at
	 * most API_GOALS_MAX), for a goal picker; names owned */
	struct {
		char *name;
		int64_t sessions;
	} goals[API_GOALS_MAX];
	size_t n_goals;
};
/* Fill *ret for filter f (sample: f's sample size); requested may be
 * NULL. 0 or a store error (then nothing to free); free a filled *ret
 * with api_conversion_done() even when goal is NULL. */
int api_conversion_get(struct api *api, const struct store_filter *f,
		       const char *requested, const struct store_sample *sample,
		       struct api_conversion *ret);
void api_conversion_done(struct api_conversion *c);
/* Append {"goal", "sessions", "converted", "rate": {...}}, or null. */
int api_conversion_json(struct dynbuf *b, const struct api_conversion *c);

void api_collect(struct http_request *req, void *ctx);
void api_get_sites(struct http_request *req, void *ctx);
void api_post_site(struct http_request *req, void *ctx);
void api_patch_site(struct http_request *req, void *ctx);
void api_get_pages(struct http_request *req, void *ctx);
void api_get_heatmap(struct http_request *req, void *ctx);
void api_get_scroll(struct http_request *req, void *ctx);
void api_get_elements(struct http_request *req, void *ctx);
void api_auth_login(struct http_request *req, void *ctx);
void api_auth_logout(struct http_request *req, void *ctx);
void api_auth_me(struct http_request *req, void *ctx);
void api_auth_share(struct http_request *req, void *ctx);
void api_share_create(struct http_request *req, void *ctx);
void api_get_frustration(struct http_request *req, void *ctx);

#endif
