/* SPDX-License-Identifier: MIT */
/* core: error table lookups, the logger, clocks, dynbuf, arena and the few
 * string helpers every module shares. */
#include "core.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *calor_strerror_name(int err)
{
	switch (err) {
#define CALOR_ERR_NAME(name, code, msg)                                        \
	case code: return #name;
		CALOR_ERRORS(CALOR_ERR_NAME)
#undef CALOR_ERR_NAME
	}
	return "CALOR_E?";
}

const char *calor_strerror(int err)
{
	switch (err) {
#define CALOR_ERR_MSG(name, code, msg)                                         \
	case code: return msg;
		CALOR_ERRORS(CALOR_ERR_MSG)
#undef CALOR_ERR_MSG
	}
	return "unknown error";
}

int64_t calor_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t calor_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t calor_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void calor_sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- logging ---- */

static enum log_level min_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	char stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;

	if (level < min_level)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s %s ", stamp, names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&log_lock);
}

/* ---- dynbuf ---- */

void dynbuf_init(struct dynbuf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void dynbuf_done(struct dynbuf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void dynbuf_clear(struct dynbuf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int dynbuf_reserve(struct dynbuf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > b->max - b->len)
		return CALOR_ETOOBIG;
	need = b->len + extra + 1; /* room for the terminating NUL */
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (!p)
		return CALOR_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int dynbuf_add(struct dynbuf *b, const void *data, size_t len)
{
	int rc = dynbuf_reserve(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int dynbuf_adds(struct dynbuf *b, const char *s)
{
	return dynbuf_add(b, s, strlen(s));
}

int dynbuf_addf(struct dynbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return CALOR_EINVAL;
	rc = dynbuf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int dynbuf_add_json_string(struct dynbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p;
	int rc;

	for (; *p; p++) {
		char esc[8];
		const char *e = NULL;

		switch (*p) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '<': e = "\\u003c"; break; /* safe to embed in HTML */
		case '>': e = "\\u003e"; break;
		case '&': e = "\\u0026"; break;
		default:
			if (*p < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				e = esc;
			}
		}
		if (!e)
			continue;
		if ((rc = dynbuf_add(b, run, (size_t)(p - run))) ||
		    (rc = dynbuf_adds(b, e)))
			return rc;
		run = p + 1;
	}
	return dynbuf_add(b, run, (size_t)(p - run));
}

char *dynbuf_take(struct dynbuf *b, size_t *ret_len)
{
	char *p = b->data;
	if (ret_len)
		*ret_len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

/* ---- arena ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct arena {
	struct arena_chunk *head;
	size_t total, max;
};

struct arena *arena_new(size_t max)
{
	struct arena *a = calloc(1, sizeof(*a));
	if (a)
		a->max = max;
	return a;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;
	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	struct arena_chunk *c = a->head;
	size_t size;
	void *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (!c || c->size - c->used < n) {
		size = n > 8192 ? n : 8192;
		if (size > a->max - a->total || a->total > a->max)
			return NULL;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
		a->total += size;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* ---- helpers ---- */

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret_value)
{
	char *end;
	long long v;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return CALOR_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return CALOR_EINVAL;
	*ret_value = v;
	return 0;
}

int utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		unsigned cp, need;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

void utf8_clean(char *str)
{
	unsigned char *s = (unsigned char *)str;

	while (*s) {
		size_t n = *s < 0x80 ? 1 : *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : 2;

		if (*s >= 0x20 && *s != 0x7f && strnlen((char *)s, n) == n &&
		    utf8_valid((char *)s, n)) {
			s += n;
			continue;
		}
		*s++ = '?';
	}
}

size_t str_copy(char *dst, const char *src, size_t dst_size)
{
	size_t n = strlen(src);
	size_t k = n < dst_size - 1 ? n : dst_size - 1;
	memcpy(dst, src, k);
	dst[k] = '\0';
	return n;
}
