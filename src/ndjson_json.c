/* SPDX-License-Identifier: MIT */
/* ndjson_json: a strict JSON tokenizer for one flat line (an object whose
 * values are scalars, or arrays and objects of scalars) and the checks of
 * single values. No recursion past one level. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndjson_int.h"

/* ---- the tokenizer ---- */

int ndjson_fail(struct ndjson_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err->detail, sizeof(p->err->detail), fmt, ap);
	va_end(ap);
	return CALOR_EINVAL;
}

int ndjson_bad_json(struct ndjson_parser *p, const char *what)
{
	return ndjson_fail(p, "not JSON: %s at byte %zu", what,
			   (size_t)(p->cur - p->line) + 1);
}

/* s (from the input) quoted for an error message: printable ASCII kept,
 * anything else as \xNN, at most 32 bytes of it. */
const char *ndjson_quote(char *buf, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	buf[o++] = '"';
	for (i = 0; s[i] && i < 32 && o + 6 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (s[i] && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

void ndjson_skip_ws(struct ndjson_parser *p)
{
	while (p->cur < p->end && (*p->cur == ' ' || *p->cur == '\t' ||
				   *p->cur == '\r' || *p->cur == '\n'))
		p->cur++;
}

static int hex4(const char *s, unsigned *ret)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*ret = v;
	return 0;
}

static size_t utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A "\uXXXX" escape at s (s[0] == '\\', s[1] == 'u'), with the low half
 * of a surrogate pair after it if it is a high half. */
static int unicode_escape(struct ndjson_parser *p, const char **s,
			  unsigned *ret_cp)
{
	const char *q = *s;
	unsigned cp, lo;

	if (p->end - q < 6 || hex4(q + 2, &cp))
		return -1;
	q += 6;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return -1;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->end - q < 6 || q[0] != '\\' || q[1] != 'u' ||
		    hex4(q + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return -1;
		q += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return -1; /* strings are C strings: no NUL */
	*s = q;
	*ret_cp = cp;
	return 0;
}

/* The string at p->cur (a '"'), decoded into p->text. */
static int parse_string(struct ndjson_parser *p, struct jval *v)
{
	char *out = p->text + p->text_len, *o = out;
	const char *s = p->cur + 1;
	unsigned cp;

	for (;;) {
		unsigned char c;

		if (s >= p->end) {
			p->cur = s;
			return ndjson_bad_json(p, "unterminated string");
		}
		c = (unsigned char)*s;
		if (c == '"')
			break;
		if (c < 0x20) {
			p->cur = s;
			return ndjson_bad_json(p,
					       "control character in a string");
		}
		if (c != '\\') {
			/* copy the run of plain bytes at once */
			const char *run = s;
			while (s < p->end && *s != '"' && *s != '\\' &&
			       (unsigned char)*s >= 0x20)
				s++;
			memcpy(o, run, (size_t)(s - run));
			o += s - run;
			continue;
		}
		if (s + 1 >= p->end) {
			p->cur = s;
			return ndjson_bad_json(p, "unterminated string");
		}
		switch (s[1]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (unicode_escape(p, &s, &cp)) {
				p->cur = s;
				return ndjson_bad_json(
				    p, "bad \\u escape (bad hex, "
				       "lone surrogate or "
				       "\\u0000)");
			}
			o += utf8_put(o, cp);
			continue;
		default: p->cur = s; return ndjson_bad_json(p, "bad escape");
		}
		s += 2;
	}
	*o = '\0';
	v->kind = J_STRING;
	v->s = out;
	v->len = (size_t)(o - out);
	p->text_len += v->len + 1;
	p->cur = s + 1;
	return 0;
}

static int is_digit(const struct ndjson_parser *p, const char *s)
{
	return s < p->end && *s >= '0' && *s <= '9';
}

/* A number by the JSON grammar; its value is read by the field that wants
 * it. */
static int parse_number(struct ndjson_parser *p, struct jval *v)
{
	const char *s = p->cur;

	v->kind = J_NUMBER;
	v->is_int = 1;
	if (s < p->end && *s == '-')
		s++;
	if (!is_digit(p, s))
		goto bad;
	if (*s == '0')
		s++;
	else
		while (is_digit(p, s))
			s++;
	if (s < p->end && *s == '.') {
		v->is_int = 0;
		s++;
		if (!is_digit(p, s))
			goto bad;
		while (is_digit(p, s))
			s++;
	}
	if (s < p->end && (*s == 'e' || *s == 'E')) {
		v->is_int = 0;
		s++;
		if (s < p->end && (*s == '+' || *s == '-'))
			s++;
		if (!is_digit(p, s))
			goto bad;
		while (is_digit(p, s))
			s++;
	}
	v->s = p->cur;
	v->len = (size_t)(s - p->cur);
	p->cur = s;
	return 0;
bad:
	p->cur = s;
	return ndjson_bad_json(p, "bad number");
}

static int parse_literal(struct ndjson_parser *p, struct jval *v,
			 const char *word, enum jkind kind)
{
	size_t n = strlen(word);

	if ((size_t)(p->end - p->cur) < n || memcmp(p->cur, word, n) != 0)
		return ndjson_bad_json(p, "unexpected character");
	p->cur += n;
	v->kind = kind;
	return 0;
}

/* One value; depth 0 is a field of the line, whose arrays and objects
 * (depth 1) hold scalars only. */
static int parse_value(struct ndjson_parser *p, struct jval *v, int depth)
{
	if (p->cur >= p->end)
		return ndjson_bad_json(p, "unexpected end of line");
	switch (*p->cur) {
	case '"': return parse_string(p, v);
	case 't': return parse_literal(p, v, "true", J_TRUE);
	case 'f': return parse_literal(p, v, "false", J_FALSE);
	case 'n': return parse_literal(p, v, "null", J_NULL);
	case '[':
	case '{':
		if (depth > 0)
			return ndjson_bad_json(
			    p, "arrays or objects nested too deep");
		return ndjson_parse_members(p, v, p->items, MAX_ITEMS,
					    &p->n_items, depth + 1);
	default:
		if (*p->cur == '-' || (*p->cur >= '0' && *p->cur <= '9'))
			return parse_number(p, v);
		return ndjson_bad_json(p, "unexpected character");
	}
}

/* The array or object at p->cur, its elements appended to arr[*n ..]
 * (contiguous: their own values are scalars or, at depth 0, containers
 * whose elements go to p->items instead). */
int ndjson_parse_members(struct ndjson_parser *p, struct jval *v,
			 struct jmember *arr, size_t max, size_t *n, int depth)
{
	int object = *p->cur == '{';
	char close = object ? '}' : ']';
	int rc;

	v->kind = object ? J_OBJECT : J_ARRAY;
	v->first = *n;
	v->n = 0;
	p->cur++;
	ndjson_skip_ws(p);
	if (p->cur < p->end && *p->cur == close) {
		p->cur++;
		return 0;
	}
	for (;;) {
		struct jmember *m;
		struct jval key;

		if (*n == max)
			return ndjson_fail(p, "more than %zu %s in one line",
					   max,
					   depth == 0 ? "fields" : "elements");
		m = &arr[*n];
		m->key = NULL;
		if (object) {
			if (p->cur >= p->end || *p->cur != '"')
				return ndjson_bad_json(p,
						       "expected a string key");
			if ((rc = parse_string(p, &key)))
				return rc;
			m->key = key.s;
			ndjson_skip_ws(p);
			if (p->cur >= p->end || *p->cur != ':')
				return ndjson_bad_json(p, "expected ':'");
			p->cur++;
			ndjson_skip_ws(p);
		}
		if ((rc = parse_value(p, &m->v, depth)))
			return rc;
		(*n)++;
		v->n++;
		ndjson_skip_ws(p);
		if (p->cur < p->end && *p->cur == ',') {
			p->cur++;
			ndjson_skip_ws(p);
			continue;
		}
		if (p->cur < p->end && *p->cur == close) {
			p->cur++;
			return 0;
		}
		return ndjson_bad_json(p, object ? "expected ',' or '}'"
						 : "expected ',' or ']'");
	}
}

/* ---- values ---- */

/* An integer in [min, max] (min >= -10^18, max <= 10^18). */
int ndjson_int_value(const struct jval *v, int64_t min, int64_t max,
		     int64_t *ret)
{
	const char *s = v->s, *e = v->s + v->len;
	int64_t acc = 0;
	int neg = 0;

	if (v->kind != J_NUMBER || !v->is_int)
		return -1;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (e - s > MAX_DIGITS)
		return -1;
	for (; s < e; s++)
		acc = acc * 10 + (*s - '0');
	if (neg)
		acc = -acc;
	if (acc < min || acc > max)
		return -1;
	*ret = acc;
	return 0;
}

int ndjson_double_value(const struct jval *v, double min, double max,
			double *ret)
{
	char buf[MAX_NUMBER + 1];
	double d;

	if (v->kind != J_NUMBER || v->len > MAX_NUMBER)
		return -1;
	memcpy(buf, v->s, v->len);
	buf[v->len] = '\0';
	d = strtod(buf, NULL);
	if (!isfinite(d) || d < min || d > max)
		return -1;
	*ret = d;
	return 0;
}

static int is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int ndjson_text_ok(const struct jval *v, size_t min, size_t max)
{
	if (v->kind != J_STRING || v->len < min || v->len > max)
		return 0;
	for (size_t i = 0; i < v->len; i++)
		if (is_control((unsigned char)v->s[i]))
			return 0;
	return 1;
}

/* Every byte of s[0..len) passes ok(). */
int ndjson_chars_ok(const char *s, size_t len, int (*ok)(char))
{
	for (size_t i = 0; i < len; i++)
		if (!ok(s[i]))
			return 0;
	return 1;
}
