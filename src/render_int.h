/* SPDX-License-Identifier: MIT */
/* render_int: what the render_*.c files share and nobody else needs —
 * splitting one render call's work over threads. */
#ifndef CALOR_RENDER_INT_H
#define CALOR_RENDER_INT_H

#include <stddef.h>

#include "render.h"

/* How many parts to split work (pixels or points) into: 1 below a size
 * where threads cost more than they save, else render_threads(). */
int render_parts(size_t work);
/* Run fn(ctx, part, parts) for every part in 0..parts - 1 (1 <= parts <=
 * RENDER_MAX_THREADS), part 0 on the calling thread and the others on new
 * threads; a part whose thread cannot be created runs on the caller. Parts
 * must write disjoint memory. Returns when all are done. */
void render_parallel(void (*fn)(void *ctx, int part, int parts), void *ctx,
		     int parts);

/* Part's share [*lo, *hi) of n items. */
static inline void render_part_range(size_t n, int part, int parts, size_t *lo,
				     size_t *hi)
{
	*lo = n / (size_t)parts * (size_t)part +
	      (n % (size_t)parts) * (size_t)part / (size_t)parts;
	*hi = n / (size_t)parts * (size_t)(part + 1) +
	      (n % (size_t)parts) * (size_t)(part + 1) / (size_t)parts;
}

#endif
