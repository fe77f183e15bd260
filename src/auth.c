/* SPDX-License-Identifier: MIT */
/* auth: password hashes, secrets, digests, cookies and share tokens (see
 * auth.h). libsodium does the cryptography. */
#include "auth.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int auth_name_valid(const char *name)
{
	size_t n = strlen(name);
	return n >= 1 && n <= AUTH_MAX_NAME &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

int auth_password_hash(const char *password, char out[AUTH_HASH_MAX])
{
	size_t n = strlen(password);

	if (n < AUTH_MIN_PASSWORD || n > AUTH_MAX_PASSWORD)
		return CALOR_EINVAL;
	_Static_assert(AUTH_HASH_MAX >= crypto_pwhash_STRBYTES,
		       "argon2id hash string");
	if (crypto_pwhash_str_alg(out, password, n,
				  crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return CALOR_ENOMEM;
	return 0;
}

int auth_password_check(const char *hash, const char *password)
{
	size_t n = strlen(password);

	if (n > AUTH_MAX_PASSWORD || strlen(hash) >= crypto_pwhash_STRBYTES)
		return 0;
	return crypto_pwhash_str_verify(hash, password, n) == 0;
}

void auth_secret_new(const char *prefix, char *out, size_t size)
{
	unsigned char raw[32];
	char b64[sodium_base64_ENCODED_LEN(
	    32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out, size, "%s%s", prefix, b64);
	sodium_memzero(raw, sizeof(raw));
}

void auth_digest(const char *secret, char out[AUTH_DIGEST_LEN + 1])
{
	unsigned char d[32];

	crypto_generichash(d, sizeof(d), (const unsigned char *)secret,
			   strlen(secret), NULL, 0);
	sodium_bin2hex(out, AUTH_DIGEST_LEN + 1, d, sizeof(d));
}

int auth_cookie_get(const char *header, const char *name, char *out,
		    size_t size)
{
	size_t n = strlen(name);

	for (const char *p = header; p && *p;) {
		size_t len;

		while (*p == ' ' || *p == ';')
			p++;
		len = strcspn(p, ";");
		if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			size_t vlen = len - n - 1;
			if (vlen + 1 > size)
				return CALOR_ENOTFOUND;
			memcpy(out, p + n + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p += len;
	}
	return CALOR_ENOTFOUND;
}

static int b64_encode(const void *bin, size_t len, char *out, size_t size)
{
	if (sodium_base64_ENCODED_LEN(
		len, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > size)
		return CALOR_ETOOBIG;
	sodium_bin2base64(out, size, bin, len,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

int auth_share_sign(const unsigned char key[32], const struct auth_share *sh,
		    char *out, size_t size)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:I}", "s", sh->site, "p", sh->page, "v",
		      sh->view, "e", (json_int_t)sh->expires_ms);
	char *payload = o ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t used;
	int rc;

	json_decref(o);
	if (!payload)
		return CALOR_ENOMEM;
	rc = b64_encode(payload, strlen(payload), out, size);
	free(payload);
	if (rc)
		return rc;
	used = strlen(out);
	crypto_auth_hmacsha256(mac, (const unsigned char *)out, used, key);
	if (used + 2 > size)
		return CALOR_ETOOBIG;
	out[used] = '.';
	return b64_encode(mac, sizeof(mac), out + used + 1, size - used - 1);
}

int auth_share_verify(const unsigned char key[32], const char *token,
		      int64_t now_ms, struct auth_share *sh)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	unsigned char payload[AUTH_MAX_SHARE];
	const char *dot = strchr(token, '.');
	const char *site, *page, *view;
	json_int_t exp;
	size_t mac_len, len;
	json_t *o;
	int rc = CALOR_EINVAL;

	if (!dot || strlen(token) > AUTH_MAX_SHARE ||
	    sodium_base642bin(mac, sizeof(mac), dot + 1, strlen(dot + 1), NULL,
			      &mac_len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    mac_len != sizeof(mac) ||
	    crypto_auth_hmacsha256_verify(mac, (const unsigned char *)token,
					  (size_t)(dot - token), key) != 0)
		return CALOR_EINVAL;
	if (sodium_base642bin(payload, sizeof(payload) - 1, token,
			      (size_t)(dot - token), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return CALOR_EINVAL;
	o = json_loadb((const char *)payload, len, 0, NULL);
	if (o &&
	    json_unpack(o, "{s:s, s:s, s:s, s:I}", "s", &site, "p", &page, "v",
			&view, "e", &exp) == 0 &&
	    strlen(site) < sizeof(sh->site) &&
	    strlen(page) < sizeof(sh->page) &&
	    strlen(view) < sizeof(sh->view)) {
		str_copy(sh->site, site, sizeof(sh->site));
		str_copy(sh->page, page, sizeof(sh->page));
		str_copy(sh->view, view, sizeof(sh->view));
		sh->expires_ms = exp;
		rc = exp > now_ms ? 0 : CALOR_EFORBIDDEN;
	}
	json_decref(o);
	return rc;
}
