/* SPDX-License-Identifier: MIT */
/* assets: URL lookup in the embedded asset table. */
#include "assets.h"

#include <string.h>

const struct asset *assets_find(const char *url)
{
	size_t n = strlen(url);

	for (size_t i = 0; i < assets_count; i++) {
		const char *u = assets_table[i].url;
		if (strcmp(u, url) == 0)
			return &assets_table[i];
		/* a directory URL serves its index.html */
		if (n > 0 && url[n - 1] == '/' && strncmp(u, url, n) == 0 &&
		    strcmp(u + n, "index.html") == 0)
			return &assets_table[i];
	}
	return NULL;
}
