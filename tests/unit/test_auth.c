/* SPDX-License-Identifier: MIT */
/* Unit tests for auth: argon2id hashes, secrets and digests, the cookie
 * parser on hostile headers, and share tokens — signed, scoped, expiring,
 * and refused when tampered with. */
#include <sodium.h>

#include "auth.h"
#include "test.h"

TEST(passwords)
{
	char h[AUTH_HASH_MAX];

	ASSERT_EQ(sodium_init() >= 0, 1);
	ASSERT_EQ(auth_password_hash("correct horse", h), 0);
	ASSERT(strncmp(h, "$argon2id$", 10) == 0);
	ASSERT(auth_password_check(h, "correct horse"));
	ASSERT(!auth_password_check(h, "correct horsE"));
	ASSERT(!auth_password_check(h, ""));
	ASSERT(!auth_password_check("garbage", "correct horse"));
	ASSERT_EQ(auth_password_hash("short", h), CALOR_EINVAL);
}

TEST(names_secrets_digests)
{
	char a[64], b[64], d1[AUTH_DIGEST_LEN + 1], d2[AUTH_DIGEST_LEN + 1];

	ASSERT(auth_name_valid("admin"));
	ASSERT(auth_name_valid("ci.bot-1_x"));
	ASSERT(!auth_name_valid(""));
	ASSERT(!auth_name_valid("a b"));
	ASSERT(!auth_name_valid("<script>"));
	auth_secret_new("ct_", a, sizeof(a));
	auth_secret_new("ct_", b, sizeof(b));
	ASSERT_EQ(strlen(a), 3 + AUTH_SECRET_LEN);
	ASSERT(strcmp(a, b) != 0);
	auth_digest(a, d1);
	auth_digest(a, d2);
	ASSERT_STR(d1, d2);
	ASSERT_EQ(strlen(d1), AUTH_DIGEST_LEN);
	auth_digest(b, d2);
	ASSERT(strcmp(d1, d2) != 0);
}

TEST(cookies)
{
	char v[64];

	ASSERT_EQ(auth_cookie_get("a=1; calor_session=xyz; b=2",
				  "calor_session", v, sizeof(v)),
		  0);
	ASSERT_STR(v, "xyz");
	ASSERT_EQ(
	    auth_cookie_get("xcalor_session=1", "calor_session", v, sizeof(v)),
	    CALOR_ENOTFOUND);
	ASSERT_EQ(
	    auth_cookie_get("calor_session", "calor_session", v, sizeof(v)),
	    CALOR_ENOTFOUND);
	ASSERT_EQ(auth_cookie_get(";;; ;", "calor_session", v, sizeof(v)),
		  CALOR_ENOTFOUND);
	/* too long for the buffer: refused, not cut */
	ASSERT_EQ(
	    auth_cookie_get("calor_session=0123456789", "calor_session", v, 5),
	    CALOR_ENOTFOUND);
}

TEST(share_tokens)
{
	unsigned char key[32], other[32];
	struct auth_share sh = {.expires_ms = 2000}, got;
	char t[AUTH_MAX_SHARE + 1];
	size_t n;

	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	str_copy(sh.site, "k3Jd9aQ2xYp0", sizeof(sh.site));
	str_copy(sh.page, "/pricing?\"x\"", sizeof(sh.page));
	str_copy(sh.view, "site/k/page/p?type=click", sizeof(sh.view));
	ASSERT_EQ(auth_share_sign(key, &sh, t, sizeof(t)), 0);
	ASSERT_EQ(auth_share_verify(key, t, 1000, &got), 0);
	ASSERT_STR(got.site, sh.site);
	ASSERT_STR(got.page, sh.page);
	ASSERT_STR(got.view, sh.view);
	ASSERT_EQ(got.expires_ms, 2000);
	/* expired, another key, a changed payload or signature, garbage */
	ASSERT_EQ(auth_share_verify(key, t, 2000, &got), CALOR_EFORBIDDEN);
	ASSERT_EQ(auth_share_verify(other, t, 1000, &got), CALOR_EINVAL);
	t[3] = t[3] == 'A' ? 'B' : 'A';
	ASSERT_EQ(auth_share_verify(key, t, 1000, &got), CALOR_EINVAL);
	t[3] = t[3] == 'A' ? 'B' : 'A';
	n = strlen(t);
	t[n - 2] = t[n - 2] == 'A' ? 'B' : 'A';
	ASSERT_EQ(auth_share_verify(key, t, 1000, &got), CALOR_EINVAL);
	ASSERT_EQ(auth_share_verify(key, "", 1000, &got), CALOR_EINVAL);
	ASSERT_EQ(auth_share_verify(key, "abc.def", 1000, &got), CALOR_EINVAL);
	ASSERT_EQ(auth_share_verify(key, ".", 1000, &got), CALOR_EINVAL);
	/* a token that does not fit is refused, not cut */
	ASSERT_EQ(auth_share_sign(key, &sh, t, 64), CALOR_ETOOBIG);
}

TEST_MAIN(RUN(passwords); RUN(names_secrets_digests); RUN(cookies);
	  RUN(share_tokens))
