/* SPDX-License-Identifier: MIT */
/* Unit tests for core: error table, dynbuf caps, arena caps, parsing, UTF-8. */
#include "core.h"
#include "test.h"

TEST(error_table)
{
	ASSERT_STR(calor_strerror_name(CALOR_ENOMEM), "CALOR_ENOMEM");
	ASSERT_STR(calor_strerror(CALOR_ETOOBIG), "too large");
	ASSERT_STR(calor_strerror_name(12345), "CALOR_E?");
	ASSERT_STR(calor_strerror(12345), "unknown error");
}

TEST(dynbuf_respects_max)
{
	struct dynbuf b;
	dynbuf_init(&b, 8);
	ASSERT_EQ(dynbuf_adds(&b, "12345678"), 0);
	ASSERT_EQ(b.len, 8);
	ASSERT_EQ(dynbuf_adds(&b, "9"), CALOR_ETOOBIG);
	ASSERT_EQ(b.len, 8);
	ASSERT_STR(b.data, "12345678");
	dynbuf_clear(&b);
	ASSERT_EQ(dynbuf_addf(&b, "%d-%s", 42, "x"), 0);
	ASSERT_STR(b.data, "42-x");
	ASSERT_EQ(dynbuf_addf(&b, "%s", "toolong"), CALOR_ETOOBIG);
	dynbuf_done(&b);
	dynbuf_done(&b); /* twice is fine */
}

TEST(dynbuf_json_escapes)
{
	struct dynbuf b;
	dynbuf_init(&b, 1024);
	ASSERT_EQ(dynbuf_add_json_string(&b, "a\"b\\c\n<script>&\x01"), 0);
	ASSERT_STR(b.data, "a\\\"b\\\\c\\n\\u003cscript\\u003e\\u0026\\u0001");
	dynbuf_done(&b);
}

TEST(arena_caps)
{
	struct arena *a = arena_new(16 * 1024);
	char *s;
	ASSERT(a != NULL);
	s = arena_strndup(a, "hello", 3);
	ASSERT_STR(s, "hel");
	ASSERT(arena_alloc(a, 4000) != NULL);
	ASSERT(arena_alloc(a, 64 * 1024) == NULL);
	arena_free(a);
	arena_free(NULL);
}

TEST(parse_int64_ranges)
{
	int64_t v = 0;
	ASSERT_EQ(parse_int64("42", 0, 100, &v), 0);
	ASSERT_EQ(v, 42);
	ASSERT_EQ(parse_int64("-1", 0, 100, &v), CALOR_EINVAL);
	ASSERT_EQ(parse_int64("101", 0, 100, &v), CALOR_EINVAL);
	ASSERT_EQ(parse_int64("12x", 0, 100, &v), CALOR_EINVAL);
	ASSERT_EQ(parse_int64("", 0, 100, &v), CALOR_EINVAL);
	ASSERT_EQ(parse_int64(" 1", 0, 100, &v), CALOR_EINVAL);
	ASSERT_EQ(parse_int64("99999999999999999999", 0, INT64_MAX, &v),
		  CALOR_EINVAL);
	ASSERT_EQ(v, 42);
}

TEST(utf8_validation)
{
	ASSERT(utf8_valid("plain", 5));
	ASSERT(utf8_valid("\xc3\xa9t\xc3\xa9", 5)); /* été */
	ASSERT(utf8_valid("\xf0\x9f\x94\xa5", 4));  /* 🔥 */
	ASSERT(!utf8_valid("\xc3", 1));		    /* truncated */
	ASSERT(!utf8_valid("\xc0\xaf", 2));	    /* overlong */
	ASSERT(!utf8_valid("\xed\xa0\x80", 3));	    /* surrogate */
	ASSERT(!utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	ASSERT(!utf8_valid("a\0b", 3));		    /* NUL */
	ASSERT(!utf8_valid("\xff", 1));
}

TEST(str_copy_truncates)
{
	char buf[4];
	ASSERT_EQ(str_copy(buf, "abcdef", sizeof(buf)), 6);
	ASSERT_STR(buf, "abc");
}

TEST_MAIN(RUN(error_table); RUN(dynbuf_respects_max); RUN(dynbuf_json_escapes);
	  RUN(arena_caps); RUN(parse_int64_ranges); RUN(utf8_validation);
	  RUN(str_copy_truncates))
