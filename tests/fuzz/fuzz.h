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

#endif
