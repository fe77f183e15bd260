/* SPDX-License-Identifier: MIT */
/* core: the pieces every module shares — one error table, one logger, one
 * time type, bounded growable buffers and a per-request arena. Knows nothing
 * of HTTP or SQL. */
#ifndef CALOR_CORE_H
#define CALOR_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* The one error table: X(NAME, code, "public message"). Every function that
 * can fail returns 0 or one of these negative codes. */
#define CALOR_ERRORS(X)                                                        \
	X(CALOR_ENOMEM, -1, "out of memory")                                   \
	X(CALOR_EINVAL, -2, "invalid argument")                                \
	X(CALOR_ETOOBIG, -3, "too large")                                      \
	X(CALOR_EIO, -4, "input/output error")                                 \
	X(CALOR_ENOTFOUND, -5, "not found")                                    \
	X(CALOR_EEXIST, -6, "already exists")                                  \
	X(CALOR_EFORBIDDEN, -7, "forbidden")                                   \
	X(CALOR_ESTORE, -8, "storage error")                                   \
	X(CALOR_EBUSY, -9, "busy, try again")                                  \
	X(CALOR_ESHUTDOWN, -10, "shutting down")                               \
	X(CALOR_EFULL, -11, "storage full")                                    \
	X(CALOR_EPNG, -12, "image encoding failed")                            \
	X(CALOR_EUNAVAILABLE, -13, "service unavailable")

enum calor_error {
#define CALOR_ERR_ENUM(name, code, msg) name = code,
	CALOR_ERRORS(CALOR_ERR_ENUM)
#undef CALOR_ERR_ENUM
};

/* The symbolic name of an error code ("CALOR_ENOMEM"); "CALOR_E?" if unknown. */
const char *calor_strerror_name(int err);
/* The public one-line message of an error code; never NULL. */
const char *calor_strerror(int err);

/* ---- time: int64 milliseconds since the Unix epoch, everywhere ---- */
int64_t calor_now_ms(void);
/* Monotonic milliseconds, for durations only. */
int64_t calor_mono_ms(void);
/* Monotonic microseconds, for latency measurements. */
int64_t calor_mono_us(void);
/* Sleep ms milliseconds (a signal does not cut it short). */
void calor_sleep_ms(int64_t ms);

/* ---- logging: only the top layer logs; each failure once ---- */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* ---- dynbuf: a growable byte buffer created with its maximum ---- */
struct dynbuf {
	char *data; /* always NUL-terminated when len > 0 or after an add */
	size_t len;
	size_t cap;
	size_t max; /* hard limit on len */
};

/* Initialise an empty buffer that may never hold more than max bytes. */
void dynbuf_init(struct dynbuf *b, size_t max);
/* Release the buffer's memory; accepts a zeroed or already-done buffer. */
void dynbuf_done(struct dynbuf *b);
/* Forget the contents, keep the memory. */
void dynbuf_clear(struct dynbuf *b);
/* Append len bytes. Returns 0, CALOR_ETOOBIG past max (nothing appended),
 * CALOR_ENOMEM. */
int dynbuf_add(struct dynbuf *b, const void *data, size_t len);
/* Append a NUL-terminated string. Same errors as dynbuf_add. */
int dynbuf_adds(struct dynbuf *b, const char *s);
/* Append printf-formatted text. Same errors as dynbuf_add. */
int dynbuf_addf(struct dynbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s as the inside of a JSON string (no quotes), escaping as needed. */
int dynbuf_add_json_string(struct dynbuf *b, const char *s);
/* Hand the buffer's memory to the caller (caller frees with free()); the
 * buffer is left empty. Returns NULL if nothing was ever added. */
char *dynbuf_take(struct dynbuf *b, size_t *ret_len);

/* ---- arena: many small allocations freed at once ---- */
struct arena;
/* A new arena whose total size may never pass max bytes. NULL on ENOMEM. */
struct arena *arena_new(size_t max);
/* Free the arena and everything allocated from it; accepts NULL. */
void arena_free(struct arena *a);
/* Allocate n bytes aligned for any type; NULL past max or on ENOMEM. */
void *arena_alloc(struct arena *a, size_t n);
/* Copy len bytes of s into the arena, NUL-terminated. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

/* ---- small helpers ---- */
/* Parse a whole decimal integer string into [min,max]. 0 or CALOR_EINVAL. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret_value);
/* 1 when s[0..len) is valid UTF-8 with no NUL and no overlong/surrogate forms. */
int utf8_valid(const char *s, size_t len);
/* Make s printable text in place: each control character, and each byte
 * that does not begin a whole valid UTF-8 character, becomes '?'. For
 * messages that quote client input into a JSON answer or a log line. */
void utf8_clean(char *s);
/* Bounded copy that always terminates dst (dst_size > 0). Returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t dst_size);

#endif
