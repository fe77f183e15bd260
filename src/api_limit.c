/* SPDX-License-Identifier: MIT */
/* api_limit: the rate limits of /collect and sign-in over ratelimit's
 * buckets: which client a request is (never stored: the address only
 * reaches a keyed hash in memory), who is exempt, and the 429 answer. */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "metrics.h"

void api_limits_defaults(struct api_limits *l)
{
	l->collect_ip_rate = API_COLLECT_IP_RATE;
	l->collect_ip_burst = API_COLLECT_IP_BURST;
	l->collect_site_rate = API_COLLECT_SITE_RATE;
	l->collect_site_burst = API_COLLECT_SITE_BURST;
	l->login_ip_rate = API_LOGIN_IP_RATE;
	l->login_ip_burst = API_LOGIN_IP_BURST;
}

int api_limits_start(struct api *api, const struct api_limits *l)
{
	int rc = ratelimit_new(API_LIMIT_CLIENTS, l->collect_ip_rate,
			       l->collect_ip_burst, &api->collect_ip);
	if (!rc)
		rc = ratelimit_new(API_LIMIT_SITES, l->collect_site_rate,
				   l->collect_site_burst, &api->collect_site);
	if (!rc)
		rc = ratelimit_new(API_LIMIT_CLIENTS, l->login_ip_rate,
				   l->login_ip_burst, &api->login_ip);
	return rc;
}

/* 1 for 127.0.0.0/8 (also as ::ffff:127.x.y.z) and ::1. */
static int loopback(const unsigned char a[16])
{
	static const unsigned char v4[12] = {0, 0, 0, 0, 0,    0,
					     0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char v6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
					     0, 0, 0, 0, 0, 0, 0, 1};
	return (memcmp(a, v4, 12) == 0 && a[12] == 127) ||
	       memcmp(a, v6, 16) == 0;
}

/* The client's bucket key into key (16 bytes, an IPv6 address cut to its
 * /64); 0, or 1 when the client is not limited (loopback, or no address
 * known: nothing to tell clients apart by). */
static int client_key(struct http_request *req, unsigned char key[16])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0,	   0,
						 0, 0, 0, 0, 0xff, 0xff};

	if (http_request_client(req, key) || loopback(key))
		return 1;
	if (memcmp(key, mapped, 12) != 0)
		memset(key + 8, 0, 8);
	return 0;
}

static void too_many(struct http_request *req, int64_t wait_ms,
		     const char *limit, const char *detail)
{
	char v[24];

	snprintf(v, sizeof(v), "%lld", (long long)((wait_ms + 999) / 1000));
	metrics_rate_limited(limit);
	if (strncmp(limit, "collect", 7) == 0)
		metrics_batch_rejected("rate_limited");
	http_add_header(req, "Retry-After", v);
	http_respond_error(req, 429, "rate_limited", detail);
}

int api_limit_client(struct http_request *req, struct ratelimit *rl,
		     const char *limit, const char *detail)
{
	unsigned char key[16];
	int64_t wait;

	if (client_key(req, key))
		return 0;
	wait = ratelimit_take(rl, key, sizeof(key), calor_mono_ms());
	if (wait == 0)
		return 0;
	too_many(req, wait, limit, detail);
	return 1;
}

int api_limit_site(struct http_request *req, struct api *api, int64_t site_id)
{
	unsigned char key[16];
	int64_t wait;

	/* batches sent from this machine (imports, simulations) do not
	 * spend the site's visitors' allowance */
	if (client_key(req, key))
		return 0;
	wait = ratelimit_take(api->collect_site, &site_id, sizeof(site_id),
			      calor_mono_ms());
	if (wait == 0)
		return 0;
	too_many(req, wait, "collect_site",
		 "too many batches for this site; retry later");
	return 1;
}
