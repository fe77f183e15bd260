/* SPDX-License-Identifier: MIT */
/* assets: the web files (dashboard, demo site, tracker) embedded into the
 * binary at build time by tools/bin2c.c, or read from --assets-dir during
 * development. */
#ifndef CALOR_ASSETS_H
#define CALOR_ASSETS_H

#include <stddef.h>

struct asset {
	const char *url; /* "/index.html", "/demo/pricing.html" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
};

/* Generated table (build/assets_data.c). */
extern const struct asset assets_table[];
extern const size_t assets_count;

/* The embedded asset for a URL path; "/x/" also finds "/x/index.html".
 * NULL when there is none. Borrowed, static storage. */
const struct asset *assets_find(const char *url);

#endif
