/* SPDX-License-Identifier: MIT */
/* httpc: a small HTTP/1.1 client over plain sockets, for server-side senders
 * such as `calor simulate`: one keep-alive connection per handle,
 * Content-Length request bodies, status line + headers + body read back
 * (Content-Length, chunked, or until close). http:// only; no TLS. */
#ifndef CALOR_HTTPC_H
#define CALOR_HTTPC_H

#include <stddef.h>

#define HTTPC_MAX_HOST 253
#define HTTPC_MAX_PATH 1024
#define HTTPC_MAX_BODY                                                         \
	(64 * 1024) /* of a response; the rest is read, not kept */
#define HTTPC_MAX_HEADERS (16 * 1024)
#define HTTPC_TIMEOUT_MS  15000

/* A parsed http:// URL. */
struct httpc_url {
	char host[HTTPC_MAX_HOST + 1]; /* name or IPv4; IPv6 without brackets */
	char port[8];		       /* "80" when absent */
	char
	    prefix[HTTPC_MAX_PATH]; /* path without a trailing '/', may be "" */
	char origin[HTTPC_MAX_HOST + 32]; /* "http://host[:port]", as a browser
					     would send it (no ":80") */
};

/* Parse "http://host[:port][/path]". Returns 0, or CALOR_EINVAL with a
 * reason in err (https:// is refused: there is no TLS here). */
int httpc_url_parse(const char *url, struct httpc_url *ret_url, char *err,
		    size_t err_size);

struct httpc_response {
	int status;	   /* e.g. 204 */
	int retry_after_s; /* Retry-After in seconds, -1 when absent */
	char body[512];	   /* the first bytes of the body, NUL-terminated */
	size_t body_len;   /* the whole body's length */
};

struct httpc;

/* A client for one host:port; connects lazily. Returns 0 or CALOR_ENOMEM.
 * Caller frees with httpc_free(). The url is copied. */
int httpc_new(const struct httpc_url *url, struct httpc **ret_client);
/* Close the connection and free the handle; accepts NULL. */
void httpc_free(struct httpc *c);

/* POST body (len bytes) to the url's prefix + path. extra_headers is "" or
 * complete "Name: value\r\n" lines. Reuses the kept-alive connection and
 * reconnects once when a reused connection turns out closed before any
 * answer. Returns 0 with ret_response filled (any status), or CALOR_EIO
 * (connect, send, receive, timeout, malformed answer; the connection is
 * closed and the next call reconnects). */
int httpc_post(struct httpc *c, const char *path, const char *extra_headers,
	       const char *body, size_t len,
	       struct httpc_response *ret_response);

/* The last connection-level error as text ("connect: Connection refused");
 * "" when none. Borrowed, valid until the next call. */
const char *httpc_last_error(const struct httpc *c);

#endif
