/* SPDX-License-Identifier: MIT */
/* ndjson_int: what ndjson.c (records) and ndjson_json.c (the tokenizer)
 * share: the parser state, token types and the tokenizer's entry points.
 * Private to ndjson*.c. */
#ifndef CALOR_NDJSON_INT_H
#define CALOR_NDJSON_INT_H

#include "ndjson.h"

#define MAX_MEMBERS 40	/* fields of one line; a page view has 27 */
#define MAX_ITEMS   256 /* elements of all of a line's arrays and objects */
#define MAX_NUMBER  32	/* characters of a number that is not an integer */
#define MAX_DIGITS  18	/* an integer with more is out of every range */

enum jkind { J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL, J_ARRAY, J_OBJECT };

struct jval {
	enum jkind kind;
	const char *s;	 /* string: decoded, NUL-terminated; number: its text */
	size_t len;	 /* bytes of s */
	int is_int;	 /* a number without fraction or exponent */
	size_t first, n; /* array, object: items[first .. first + n) */
};

struct jmember {
	const char *key; /* NULL for an array element */
	struct jval v;
};

struct ndjson_parser {
	const char *line, *cur, *end;
	struct ndjson_error *err;
	size_t text_len;
	struct jmember members[MAX_MEMBERS];
	size_t n_members;
	struct jmember items[MAX_ITEMS];
	size_t n_items;
	struct ingest_tag tags[STORE_EXPORT_MAX_TAGS];
	uint32_t dwell[INGEST_BANDS];
	/* decoded strings: each is shorter than its quoted source, so the
	 * strings of a line fit in the line's length */
	char text[NDJSON_MAX_LINE + 1];
};

/* Record a refusal (printf-style detail) on p; returns CALOR_EINVAL. */
int ndjson_fail(struct ndjson_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A refusal for malformed JSON at the current byte. */
int ndjson_bad_json(struct ndjson_parser *p, const char *what);
/* s quoted and shortened for a message, in buf. */
const char *ndjson_quote(char *buf, size_t size, const char *s);
void ndjson_skip_ws(struct ndjson_parser *p);
/* Tokenize the members (or, with key-less entries, elements) of the
 * object or array at p->cur into arr[0..max), counting them in *n. */
int ndjson_parse_members(struct ndjson_parser *p, struct jval *v,
			 struct jmember *arr, size_t max, size_t *n, int depth);
/* v as an integer in [min, max], or a number in [min, max]: 0, or -1 when
 * it is not one. */
int ndjson_int_value(const struct jval *v, int64_t min, int64_t max,
		     int64_t *ret);
int ndjson_double_value(const struct jval *v, double min, double max,
			double *ret);
/* 1 when v is a string of min..max bytes without control characters. */
int ndjson_text_ok(const struct jval *v, size_t min, size_t max);
/* 1 when every byte of s[0..len) passes ok. */
int ndjson_chars_ok(const char *s, size_t len, int (*ok)(char));

#endif
