/* SPDX-License-Identifier: MIT */
/* http: the server (libmicrohttpd, epoll, a thread pool, optional TLS),
 * routing, connection, size and time limits, and responses. Handlers never
 * see libmicrohttpd types; a handler may suspend its request and answer
 * later from another thread. */
#ifndef CALOR_HTTP_H
#define CALOR_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "query.h"

#define HTTP_MAX_BODY_DEFAULT (16 * 1024)
#define HTTP_ARENA_MAX	      (8 * 1024 * 1024) /* per-request memory */
#define HTTP_MAX_HEADERS_OUT  8

/* Defaults of struct http_config (http_config_defaults; docs/limits.md). */
#define HTTP_MAX_CONNECTIONS	    1024
#define HTTP_MAX_CONNECTIONS_PER_IP 128
#define HTTP_IDLE_TIMEOUT_S	    15
#define HTTP_REQUEST_TIMEOUT_S	    20
#define HTTP_MAX_HEADER_BYTES	    (16 * 1024)
#define HTTP_TLS_FILE_MAX	    (64 * 1024) /* a PEM certificate or key */

struct http_request;
struct http_server;

typedef void (*http_handler)(struct http_request *req, void *ctx);

/* One response header; a set of them is a static array ending with a NULL
 * name. */
struct http_header {
	const char *name, *value;
};

struct http_route {
	const char *method; /* "GET" (also serves HEAD), "POST", or NULL: any */
	const char *path;   /* exact path, or a prefix when prefix is set */
	int prefix;
	http_handler fn;
	size_t max_body; /* 0: HTTP_MAX_BODY_DEFAULT */
	unsigned access; /* 0: public; else handed to http_config.guard */
	/* sent with every answer of the route (the security headers of its
	 * kind of response), besides X-Content-Type-Options: nosniff which
	 * every answer has; NULL: http_config.headers */
	const struct http_header *headers;
};

struct http_config {
	const char *listen;	  /* "127.0.0.1:8080", "[::1]:8080", ":8080" */
	unsigned threads;	  /* thread pool size */
	unsigned max_connections; /* open at once, in all */
	unsigned max_connections_per_ip; /* from one address; 0: no cap */
	unsigned idle_timeout_s;	 /* no byte for this long: closed */
	/* a request's line, headers and body must all have arrived this
	 * long after the connection opened or answered the previous
	 * request, else it is closed (slow clients); 0: no deadline */
	unsigned request_timeout_s;
	size_t max_header_bytes; /* request line and headers; more: 431 */
	/* HTTPS when both are set: PEM files, read at start */
	const char *tls_cert_file, *tls_key_file;
	/* take the client's address from the last X-Forwarded-For entry
	 * (one reverse proxy in front, which appends it) */
	int trust_proxy;
	/* sent with answers that no route's headers cover (404, 405) */
	const struct http_header *headers;
	/* Called before the handler of every route whose access is not 0;
	 * returns 0 to let the request through, else it has answered (401,
	 * 403, ...) and the handler is skipped. */
	int (*guard)(struct http_request *req, unsigned access, void *ctx);
};

/* Fill cfg with the HTTP_* defaults (listen 127.0.0.1:8080, 4 threads,
 * no TLS, no proxy, no guard, no headers). */
void http_config_defaults(struct http_config *cfg);

/* Start serving. Routes are matched in order (borrowed, must outlive the
 * server); a path no route matches gets 404, a known path with another
 * method 405. ctx is passed to every handler. On failure returns
 * CALOR_EINVAL (bad listen address, one TLS file without the other),
 * CALOR_EIO (cannot listen, cannot read or use the TLS files) or
 * CALOR_ENOMEM, with a detail in err. */
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
/* The client's address into ret_addr as 16 bytes (IPv4 as
 * ::ffff:a.b.c.d): the connection's peer, or with http_config.trust_proxy
 * the last X-Forwarded-For entry when that is an IP address. 0, or
 * CALOR_EINVAL when there is none (ret_addr untouched). */
int http_request_client(struct http_request *req, unsigned char ret_addr[16]);
/* 1 when the request came over TLS (this server's, not a proxy's). */
int http_request_tls(const struct http_request *req);

/* ---- responses: exactly one per request ---- */
/* Add a response header (copied). At most HTTP_MAX_HEADERS_OUT. */
void http_add_header(struct http_request *req, const char *name,
		     const char *value);
/* Send set (static, NULL-name terminated) instead of the route's
 * headers with this answer. */
void http_use_headers(struct http_request *req, const struct http_header *set);
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
