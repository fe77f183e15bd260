/* SPDX-License-Identifier: MIT */
/* Fuzzes the server's URL and selector normalisation (ingest_norm.c) with
 * every input that ingest_decode() would let through to it: normalising
 * twice equals normalising once, a normal input comes back unchanged, the
 * result never grows, and the URL path agrees with a plain stack-of-
 * segments resolver written here independently. */
#include <string.h>

#include "fuzz.h"
#include "ingest.h"

static int dot(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') ||
	       (n == 3 &&
		(strncmp(s, "%2e", 3) == 0 || strncmp(s, "%2E", 3) == 0));
}

static int dot_dot(const char *s, size_t n)
{
	return (n == 2 && dot(s, 1) && dot(s + 1, 1)) ||
	       (n == 4 && ((dot(s, 1) && dot(s + 1, 3)) ||
			   (dot(s, 3) && dot(s + 3, 1)))) ||
	       (n == 6 && dot(s, 3) && dot(s + 3, 3));
}

/* The reference: path p[0..n) (backslashes already slashes) resolved by
 * a stack of segments, per the WHATWG URL standard's path state. */
static size_t reference_path(const char *p, size_t n, char *out)
{
	size_t seg[4096][2], depth = 0, o = 0, i = 0;

	while (i < n) {
		size_t start = i + 1, end = start;
		while (end < n && p[end] != '/')
			end++;
		if (dot_dot(p + start, end - start)) {
			if (depth)
				depth--;
			if (end == n) {
				seg[depth][0] = start;
				seg[depth++][1] = 0;
			}
		} else if (dot(p + start, end - start)) {
			if (end == n) {
				seg[depth][0] = start;
				seg[depth++][1] = 0;
			}
		} else {
			seg[depth][0] = start;
			seg[depth++][1] = end - start;
		}
		i = end;
	}
	for (size_t k = 0; k < depth; k++) {
		out[o++] = '/';
		memcpy(out + o, p + seg[k][0], seg[k][1]);
		o += seg[k][1];
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return o;
}

/* 1 when the path p[0..n) has a backslash or a "." or ".." segment. */
static int path_abnormal(const char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t start = i + 1, end = start;
		while (end < n && p[end] != '/' && p[end] != '\\')
			end++;
		if (end < n && p[end] == '\\')
			return 1;
		if (dot(p + start, end - start) ||
		    dot_dot(p + start, end - start))
			return 1;
		i = end;
	}
	return 0;
}

static void check_url(const char *in)
{
	size_t n = strlen(in), path_n = strcspn(in, "?#"), m, again_n;
	size_t q_n = in[path_n] == '?' ? strcspn(in + path_n, "#") : 0;
	char *out = malloc(n + 1), *again = malloc(n + 1), *ref = malloc(n + 2);
	int normal;

	CHECK(out && again && ref, "out of memory");
	memcpy(out, in, n + 1);
	m = ingest_url_normalise(out);
	CHECK(m == strlen(out) && m <= n, "length %zu of %zu", m, n);
	CHECK(out[0] == '/' && fuzz_text_ok(out, 1, n), "\"%s\" gave \"%s\"",
	      in, out);
	memcpy(again, out, m + 1);
	again_n = ingest_url_normalise(again);
	CHECK(again_n == m && strcmp(again, out) == 0,
	      "not idempotent: \"%s\" -> \"%s\" -> \"%s\"", in, out, again);

	/* the path against the reference resolver */
	memcpy(again, in, path_n);
	for (size_t i = 0; i < path_n; i++)
		if (again[i] == '\\')
			again[i] = '/';
	m = reference_path(again, path_n, ref);
	CHECK(strcspn(out, "?#") == m && strncmp(out, ref, m) == 0,
	      "\"%s\": path \"%s\", the reference says \"%s\"", in, out, ref);
	/* what follows the path: the query and fragment, lone ones gone */
	CHECK(strcmp(out + m, "?") != 0 && strcmp(out + m, "#") != 0 &&
		  strncmp(out + m, "?#", 2) != 0,
	      "lone ? or # kept in \"%s\"", out);

	normal = !path_abnormal(in, path_n) && q_n != 1 &&
		 strcmp(in + path_n + q_n, "#") != 0;
	CHECK(!normal || strcmp(in, out) == 0,
	      "normal \"%s\" changed to \"%s\"", in, out);
	free(out);
	free(again);
	free(ref);
}

static void check_selector(const char *in)
{
	size_t n = strlen(in), m, k = 0;
	char *out = malloc(n + 1), *again = malloc(n + 1);
	int normal = in[0] != ' ' && in[n - 1] != ' ' && !strstr(in, "  ");

	CHECK(out && again, "out of memory");
	memcpy(out, in, n + 1);
	m = ingest_selector_normalise(out);
	CHECK(m == strlen(out) && m <= n, "length %zu of %zu", m, n);
	CHECK(m == 0 || (out[0] != ' ' && out[m - 1] != ' '), "edges \"%s\"",
	      out);
	CHECK(!strstr(out, "  "), "double space in \"%s\"", out);
	/* only spaces were taken away */
	for (size_t i = 0; i < n; i++) {
		if (in[i] == ' ')
			continue;
		while (out[k] == ' ')
			k++;
		CHECK(out[k] == in[i], "\"%s\" became \"%s\"", in, out);
		k++;
	}
	CHECK(strspn(out + k, " ") == strlen(out + k), "bytes added");
	CHECK(m == 0 || fuzz_text_ok(out, 1, n), "not text");
	memcpy(again, out, m + 1);
	CHECK(ingest_selector_normalise(again) == m && strcmp(again, out) == 0,
	      "not idempotent: \"%s\"", in);
	CHECK(!normal || strcmp(in, out) == 0, "normal \"%s\" changed", in);
	free(out);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	CHECK(s, "out of memory");
	memcpy(s, data, size);
	s[size] = '\0'; /* ingest never sees a NUL: one inside ends it */
	if (s[0] == '/' && fuzz_text_ok(s, 1, INGEST_MAX_URL))
		check_url(s);
	if (fuzz_text_ok(s, 1, INGEST_MAX_SELECTOR))
		check_selector(s);
	free(s);
	return 0;
}
