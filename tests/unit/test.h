/* SPDX-License-Identifier: MIT */
/* A tiny unit-test harness: TEST(name) functions, ASSERT macros that print
 * both sides, one "ok NAME" / "not ok NAME" line per test, counted by
 * tests/run.sh. */
#ifndef CALOR_TEST_H
#define CALOR_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed_flag;

#define FAIL_HERE(...)                                                         \
	do {                                                                   \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);              \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		test_failed_flag = 1;                                          \
		return;                                                        \
	} while (0)

#define ASSERT(cond)                                                           \
	do {                                                                   \
		if (!(cond))                                                   \
			FAIL_HERE("assertion failed: %s", #cond);              \
	} while (0)

#define ASSERT_EQ(a, b)                                                        \
	do {                                                                   \
		long long va_ = (long long)(a), vb_ = (long long)(b);          \
		if (va_ != vb_)                                                \
			FAIL_HERE("%s == %s: %lld != %lld", #a, #b, va_, vb_); \
	} while (0)

#define ASSERT_NEAR(a, b, eps)                                                 \
	do {                                                                   \
		double va_ = (double)(a), vb_ = (double)(b);                   \
		if (!(va_ - vb_ <= (eps) && vb_ - va_ <= (eps)))               \
			FAIL_HERE("%s ~= %s: %.9g vs %.9g (eps %g)", #a, #b,   \
				  va_, vb_, (double)(eps));                    \
	} while (0)

#define ASSERT_STR(a, b)                                                       \
	do {                                                                   \
		const char *sa_ = (a), *sb_ = (b);                             \
		if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0)                     \
			FAIL_HERE("%s == %s: \"%s\" != \"%s\"", #a, #b,        \
				  sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
	} while (0)

#define TEST(name) static void name(void)

#define RUN(name)                                                              \
	do {                                                                   \
		test_failed_flag = 0;                                          \
		name();                                                        \
		printf("%s %s\n", test_failed_flag ? "not ok" : "ok", #name);  \
		fflush(stdout);                                                \
		if (test_failed_flag)                                          \
			test_failures++;                                       \
	} while (0)

#define TEST_MAIN(...)                                                         \
	int main(void)                                                         \
	{                                                                      \
		int test_failures = 0;                                         \
		__VA_ARGS__;                                                   \
		return test_failures ? 1 : 0;                                  \
	}

#endif
