/* SPDX-License-Identifier: MIT */
/* ingest_norm: the server's own normalisation of page URLs and selectors.
 * calor.js already sends both in their normal form; anyone else may not,
 * and one page or element must not be split into several by spelling. */
#include "ingest.h"

#include <string.h>

/* "." or its percent-encoded spelling, as a browser's URL parser sees it
 * in a path segment. */
static int is_dot(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') ||
	       (n == 3 && s[0] == '%' && s[1] == '2' &&
		(s[2] == 'e' || s[2] == 'E'));
}

/* "..": two of is_dot()'s spellings in a row. */
static int is_dot_dot(const char *s, size_t n)
{
	for (size_t k = 1; k < n; k++)
		if (is_dot(s, k) && is_dot(s + k, n - k))
			return 1;
	return 0;
}

/* Resolve the path p[0..n) (p[0] == '/') into out, which may be p itself:
 * every segment is copied to an offset no later than its own, so the
 * copy never overtakes what it reads. Returns the new length (<= n). */
static size_t path_resolve(char *out, const char *p, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) { /* p[i] == '/' */
		size_t start = i + 1, end = start;
		int last;

		while (end < n && p[end] != '/')
			end++;
		last = end == n;
		if (is_dot_dot(p + start, end - start)) {
			while (o > 0 && out[--o] != '/')
				; /* drop the last segment and its '/' */
			if (last)
				out[o++] = '/';
		} else if (is_dot(p + start, end - start)) {
			if (last)
				out[o++] = '/';
		} else {
			out[o++] = '/';
			memmove(out + o, p + start, end - start);
			o += end - start;
		}
		i = end;
	}
	if (o == 0)
		out[o++] = '/';
	return o;
}

size_t ingest_url_normalise(char *url)
{
	size_t n = strlen(url), path_n, query_n, frag_n, o;

	/* WHATWG URLs read a backslash in an http(s) path as a slash */
	path_n = strcspn(url, "?#");
	for (size_t i = 0; i < path_n; i++)
		if (url[i] == '\\')
			url[i] = '/';
	query_n = url[path_n] == '?' ? strcspn(url + path_n, "#") : 0;
	frag_n = n - path_n - query_n;
	o = path_resolve(url, url, path_n);
	/* a lone "?" or "#" says nothing: calor.js never sends one */
	if (query_n > 1) {
		memmove(url + o, url + path_n, query_n);
		o += query_n;
	}
	if (frag_n > 1) {
		memmove(url + o, url + n - frag_n, frag_n);
		o += frag_n;
	}
	url[o] = '\0';
	return o;
}

size_t ingest_selector_normalise(char *sel)
{
	size_t o = 0;

	for (const char *s = sel; *s; s++) {
		if (*s == ' ' && (o == 0 || sel[o - 1] == ' '))
			continue;
		sel[o++] = *s;
	}
	if (o > 0 && sel[o - 1] == ' ')
		o--;
	sel[o] = '\0';
	return o;
}
