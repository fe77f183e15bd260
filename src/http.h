/* SPDX-License-Identifier: MIT */
/* http: the server (libmicrohttpd, epoll, a thread pool), routing, body and
 * time limits, and responses. Handlers never see libmicrohttpd types; a
 * handler may suspend its request and answer later from another thread. */
#ifndef CALOR_HTTP_H
#define CALOR_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "query.h"

#define HTTP_MAX_BODY_DEFAULT (16 * 1024)
#define HTTP_ARENA_MAX	      (8 * 1024 * 1024) /* per-request memory */
#define HTTP_MAX_HEADERS_OUT  8

struct http_request;
struct http_server;

typedef void (*http_handler)(struct http_request *req, void *ctx);

struct http_route {
	const char *method; /* "GET" (also serves HEAD), "POST", or NULL: any */
	const char *path;   /* exact path, or a prefix when prefix is set */
	int prefix;
	http_handler fn;
	size_t max_body; /* 0: HTTP_MAX_BODY_DEFAULT */
	unsigned access; /* 0: public; else handed to http_config.guard */
};

struct http_config {
	const char *listen; /* "127.0.0.1:8080", "[::1]:8080", ":8080" */
	unsigned threads;   /* thread pool size */
	unsigned max_connections;
	unsigned timeout_s; /* idle connection timeout */
	/* Called before the handler of every route whose access is not 0;
	 * returns 0 to let the request through, else it has answered (401,
	 * 403, ...) and the handler is skipped. */
	int (*guard)(struct http_request *req, unsigned access, void *ctx);
};

/* Start serving. Routes are matched in order (borrowed, must outlive the
 * server); a path no route matches gets 404, a known path with another
 * method 405. ctx is passed to every handler. On failure returns
 * CALOR_EINVAL (bad listen address) or CALOR_EIO with a detail in err. */
int http_server_new(const struct http_config *cfg,
		    const struct http_route *routes, size_t n_routes, void *ctx,
		    struct http_server **ret_server, char *err,
		    size_t err_size);
/* Stop accepting new connections; existing ones go on. */
void http_server_quiesce(struct http_server *s);
/* Number of open connections. */
unsigned http_server_connections(struct http_server *s);
/* Close every connection and free; accepts NULL. No request may be
 * suspended any more. */
void http_server_free(struct http_server *s);

/* ---- request accessors (valid until the response is sent) ---- */
const char *http_request_method(const struct http_request *req);
const char *http_request_path(const struct http_request *req);
/* A request header, or NULL. */
const char *http_request_header(struct http_request *req, const char *name);
/* The query-string arguments, in order (at most QUERY_MAX_ARGS; more
 * arguments make the request a 400 before any handler runs). */
const struct query_arg *http_request_args(const struct http_request *req,
					  size_t *ret_n);
/* The request body (NUL-terminated, may contain NULs); len in *ret_len. */
const char *http_request_body(const struct http_request *req, size_t *ret_len);
/* Memory freed with the request. */
struct arena *http_request_arena(struct http_request *req);

/* ---- responses: exactly one per request ---- */
/* Add a response header (copied). At most HTTP_MAX_HEADERS_OUT. */
void http_add_header(struct http_request *req, const char *name,
		     const char *value);
/* Respond with len bytes of data; takes ownership of data (freed with
 * free()) when owned is set, else data must be static. */
void http_respond(struct http_request *req, int status, const char *type,
		  const void *data, size_t len, int owned);
/* Respond with the JSON in b (takes its memory; b is left empty). */
void http_respond_json(struct http_request *req, int status, struct dynbuf *b);
/* {"error": code, "detail": detail} with the given status. */
void http_respond_error(struct http_request *req, int status, const char *code,
			const char *detail);
/* Map a CALOR_E* code to a status and a public message (never internals). */
void http_respond_failure(struct http_request *req, int err);

/* Defer the answer: call from the handler before handing the request to
 * another thread, which later calls http_respond*() and then
 * http_resume(). */
void http_suspend(struct http_request *req);
/* Thread-safe. */
void http_resume(struct http_request *req);

#endif
