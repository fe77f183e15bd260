/* SPDX-License-Identifier: MIT */
/* What every harness shares: libFuzzer's entry point and CHECK(), which
 * prints a broken invariant and aborts, so that libFuzzer (or the corpus
 * replay driver, replay.c) reports the input as a crash. */
#ifndef CALOR_FUZZ_H
#define CALOR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr,                                        \
				"%s:%d: invariant broken: %s: ", __FILE__,     \
				__LINE__, #cond);                              \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

/* min..max bytes of valid UTF-8 without control characters: what the
 * decoders promise of every string they hand on. */
static inline int fuzz_text_ok(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max || !utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

#endif
