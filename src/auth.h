/* SPDX-License-Identifier: MIT */
/* auth: the pieces of access control that touch no storage and no HTTP —
 * password hashes (argon2id), random secrets, their stored digests, the
 * session cookie's value, and signed, expiring share tokens. */
#ifndef CALOR_AUTH_H
#define CALOR_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

#define AUTH_MAX_NAME	  64  /* user and token names: [A-Za-z0-9_.-] */
#define AUTH_MAX_PASSWORD 256 /* bytes */
#define AUTH_MIN_PASSWORD 8
#define AUTH_SECRET_LEN	  43  /* base64url of 32 random bytes */
#define AUTH_DIGEST_LEN	  64  /* hex of a 32-byte BLAKE2b digest */
#define AUTH_HASH_MAX	  128 /* an argon2id hash string */
#define AUTH_SESSION_MS	  (30LL * 86400000) /* a session lives 30 days */
#define AUTH_SHARE_MAX_H  720		    /* a share link: at most 30 d */
#define AUTH_MAX_SHARE	  2048		    /* a share token's length */
#define AUTH_MAX_VIEW	  1024		    /* the view a link restores */

/* 1 when name is 1..AUTH_MAX_NAME of [A-Za-z0-9_.-]. */
int auth_name_valid(const char *name);
/* The argon2id hash of password (interactive limits) into out. 0,
 * CALOR_EINVAL (length out of range), CALOR_ENOMEM. */
int auth_password_hash(const char *password, char out[AUTH_HASH_MAX]);
/* 1 when password matches hash. */
int auth_password_check(const char *hash, const char *password);
/* A new random secret (session id, API token, CSRF token): prefix then
 * AUTH_SECRET_LEN base64url characters. out must hold strlen(prefix) +
 * AUTH_SECRET_LEN + 1. */
void auth_secret_new(const char *prefix, char *out, size_t size);
/* The digest a secret is stored under (only digests are stored). */
void auth_digest(const char *secret, char out[AUTH_DIGEST_LEN + 1]);
/* The value of cookie name in a Cookie header, copied into out; 0 or
 * CALOR_ENOTFOUND. */
int auth_cookie_get(const char *header, const char *name, char *out,
		    size_t size);

/* What a share token grants: read-only access to one page of one site
 * until expires_ms, and the dashboard view to restore. */
struct auth_share {
	char site[65];
	char page[2049];
	char view[AUTH_MAX_VIEW + 1];
	int64_t expires_ms;
};

/* Sign sh with key (32 bytes) into a token (base64url payload "."
 * base64url HMAC-SHA-256). 0, CALOR_ETOOBIG, CALOR_ENOMEM. */
int auth_share_sign(const unsigned char key[32], const struct auth_share *sh,
		    char *out, size_t size);
/* Check a token's signature and expiry at now_ms and fill *sh. 0,
 * CALOR_EINVAL (malformed or forged), CALOR_EFORBIDDEN (expired). */
int auth_share_verify(const unsigned char key[32], const char *token,
		      int64_t now_ms, struct auth_share *sh);

#endif
