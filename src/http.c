/* SPDX-License-Identifier: MIT */
/* http: libmicrohttpd glue. Accumulates bodies up to each route's cap,
 * dispatches to handlers, and queues their responses; suspended requests
 * are resumed from other threads with MHD_resume_connection(). A watcher
 * thread closes connections whose request has not arrived whole in time:
 * libmicrohttpd's own timeout restarts with every byte, so a client that
 * trickles its headers would otherwise hold a connection for ever. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"

#define WATCH_PERIOD_MS 250 /* how often deadlines are checked */

/* One open connection's request deadline. */
struct watch {
	MHD_socket fd;		     /* MHD_INVALID_SOCKET: a free slot */
	_Atomic int64_t deadline_ms; /* monotonic; 0: none (being answered) */
};

struct http_server {
	struct MHD_Daemon *daemon;
	MHD_socket
	    quiesced; /* the listen socket after quiescing, ours to close */
	const struct http_route *routes;
	size_t n_routes;
	void *ctx;
	int (*guard)(struct http_request *req, unsigned access, void *ctx);
	const struct http_header *headers;
	int tls, trust_proxy;
	char *tls_cert, *tls_key; /* PEM, NUL-terminated */
	/* deadlines: slots for every connection libmicrohttpd may open */
	int64_t request_timeout_ms;
	pthread_mutex_t watch_lock; /* slots' fd, the free list, stopping */
	pthread_cond_t watch_wake;
	pthread_t watcher;
	int watcher_started, stopping;
	struct watch *watches;
	size_t n_watches, *free_slots, n_free;
};

struct header_out {
	char *name, *value;
};

struct http_request {
	struct http_server *server;
	struct MHD_Connection *conn;
	struct arena *arena;
	const char *method, *path;
	const struct http_route *route;
	struct dynbuf body;
	struct query_arg args[QUERY_MAX_ARGS];
	size_t n_args;
	int too_many_args;
	int refused; /* an early status to send, or 0 */
	const char *refused_code;
	int suspended, dispatched;
	/* the response, once a handler gave it */
	int has_response;
	int status;
	const char *type;
	void *data;
	size_t len;
	int owned;
	struct header_out headers[HTTP_MAX_HEADERS_OUT];
	size_t n_headers;
	const struct http_header *set; /* the security headers to send */
	struct watch *watch;	       /* the connection's deadline, or NULL */
};

/* ---- accessors ---- */

const char *http_request_method(const struct http_request *req)
{
	return req->method;
}

const char *http_request_path(const struct http_request *req)
{
	return req->path;
}

const char *http_request_header(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const struct query_arg *http_request_args(const struct http_request *req,
					  size_t *ret_n)
{
	*ret_n = req->n_args;
	return req->args;
}

const char *http_request_body(const struct http_request *req, size_t *ret_len)
{
	*ret_len = req->body.len;
	return req->body.data ? req->body.data : "";
}

struct arena *http_request_arena(struct http_request *req)
{
	return req->arena;
}

/* addr as 16 bytes (IPv4 mapped into IPv6); 0 or CALOR_EINVAL. */
static int sockaddr_bytes(const struct sockaddr *sa, unsigned char out[16])
{
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a->sin_addr, 4);
		return 0;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		memcpy(out, &a->sin6_addr, 16);
		return 0;
	}
	return CALOR_EINVAL;
}

/* The last entry of an X-Forwarded-For list as 16 bytes: the address the
 * proxy in front saw (entries before it are the client's to invent). */
static int forwarded_for(const char *xff, unsigned char out[16])
{
	const char *start = strrchr(xff, ',');
	char ip[INET6_ADDRSTRLEN];
	size_t n;
	struct in_addr a4;

	start = start ? start + 1 : xff;
	start += strspn(start, " \t");
	n = strcspn(start, " \t");
	if (n == 0 || n >= sizeof(ip))
		return CALOR_EINVAL;
	memcpy(ip, start, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, ip, out) == 1 ? 0 : CALOR_EINVAL;
}

int http_request_client(struct http_request *req, unsigned char ret_addr[16])
{
	const union MHD_ConnectionInfo *info;
	unsigned char addr[16];

	if (req->server->trust_proxy) {
		const char *xff = http_request_header(req, "X-Forwarded-For");
		if (xff && forwarded_for(xff, addr) == 0) {
			memcpy(ret_addr, addr, 16);
			return 0;
		}
	}
	info = MHD_get_connection_info(req->conn,
				       MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!info || sockaddr_bytes(info->client_addr, addr))
		return CALOR_EINVAL;
	memcpy(ret_addr, addr, 16);
	return 0;
}

int http_request_tls(const struct http_request *req)
{
	return req->server->tls;
}

/* ---- responses ---- */

void http_add_header(struct http_request *req, const char *name,
		     const char *value)
{
	struct header_out *h;
	if (req->n_headers >= HTTP_MAX_HEADERS_OUT)
		return;
	h = &req->headers[req->n_headers];
	h->name = arena_strndup(req->arena, name, strlen(name));
	h->value = arena_strndup(req->arena, value, strlen(value));
	if (h->name && h->value)
		req->n_headers++;
}

void http_use_headers(struct http_request *req, const struct http_header *set)
{
	req->set = set;
}

void http_respond(struct http_request *req, int status, const char *type,
		  const void *data, size_t len, int owned)
{
	if (req->has_response) { /* a second answer is a programmer error */
		if (owned)
			free((void *)data);
		return;
	}
	req->has_response = 1;
	req->status = status;
	req->type = type;
	req->data = (void *)data;
	req->len = len;
	req->owned = owned;
}

void http_respond_json(struct http_request *req, int status, struct dynbuf *b)
{
	size_t len;
	char *data = dynbuf_take(b, &len);
	if (!data) {
		http_respond(req, status, "application/json; charset=utf-8",
			     "{}", 2, 0);
		return;
	}
	http_respond(req, status, "application/json; charset=utf-8", data, len,
		     1);
}

void http_respond_error(struct http_request *req, int status, const char *code,
			const char *detail)
{
	struct dynbuf b;

	dynbuf_init(&b, 1024);
	if (dynbuf_adds(&b, "{\"error\": \"") ||
	    dynbuf_add_json_string(&b, code) ||
	    dynbuf_adds(&b, "\", \"detail\": \"") ||
	    dynbuf_add_json_string(&b, detail) || dynbuf_adds(&b, "\"}")) {
		dynbuf_done(&b);
		http_respond(req, 503, "application/json; charset=utf-8",
			     "{\"error\": \"unavailable\"}", 24, 0);
		return;
	}
	http_respond_json(req, status, &b);
}

void http_respond_failure(struct http_request *req, int err)
{
	static const struct {
		int err, status;
		const char *code;
	} map[] = {
	    {CALOR_EINVAL, 400, "bad_request"},
	    {CALOR_ETOOBIG, 413, "too_large"},
	    {CALOR_ENOTFOUND, 404, "not_found"},
	    {CALOR_EFORBIDDEN, 403, "forbidden"},
	    {CALOR_EEXIST, 409, "exists"},
	    {CALOR_EBUSY, 503, "unavailable"},
	    {CALOR_ESHUTDOWN, 503, "unavailable"},
	    {CALOR_EFULL, 503, "unavailable"},
	    {CALOR_ENOMEM, 503, "unavailable"},
	    {CALOR_EUNAVAILABLE, 503, "unavailable"},
	};
	int status = 500;
	const char *code = "internal";

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].err == err) {
			status = map[i].status;
			code = map[i].code;
			break;
		}
	}
	if (status == 503)
		http_add_header(req, "Retry-After", "5");
	http_respond_error(req, status, code, calor_strerror(err));
}

void http_suspend(struct http_request *req)
{
	req->suspended = 1;
	MHD_suspend_connection(req->conn);
}

void http_resume(struct http_request *req)
{
	MHD_resume_connection(req->conn);
}

/* ---- the libmicrohttpd side ---- */

static enum MHD_Result queue(struct http_request *req)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	if (req->owned)
		r = MHD_create_response_from_buffer_with_free_callback(
		    req->len, req->data, free);
	else
		r = MHD_create_response_from_buffer(req->len, req->data,
						    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (req->owned)
			free(req->data);
		req->data = NULL;
		return MHD_NO;
	}
	req->data = NULL; /* the response owns it now */
	if (req->type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					req->type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	for (const struct http_header *h = req->set; h && h->name; h++)
		MHD_add_response_header(r, h->name, h->value);
	for (size_t i = 0; i < req->n_headers; i++)
		MHD_add_response_header(r, req->headers[i].name,
					req->headers[i].value);
	ok = MHD_queue_response(req->conn, (unsigned)req->status, r);
	MHD_destroy_response(r);
	if (req->watch) /* answered: only the idle timeout applies now */
		atomic_store(&req->watch->deadline_ms, 0);
	return ok;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct http_request *req = cls;
	(void)kind;
	if (req->n_args >= QUERY_MAX_ARGS) {
		req->too_many_args = 1;
		return MHD_NO;
	}
	req->args[req->n_args].name = key;
	req->args[req->n_args].value = value ? value : "";
	req->n_args++;
	return MHD_YES;
}

static int method_matches(const char *want, const char *got)
{
	if (!want)
		return 1;
	if (strcmp(want, got) == 0)
		return 1;
	return strcmp(want, "GET") == 0 && strcmp(got, "HEAD") == 0;
}

/* Find the route for path+method; *ret_path_known tells 404 from 405. */
static const struct http_route *route_find(struct http_server *s,
					   const char *path, const char *method,
					   int *ret_path_known)
{
	*ret_path_known = 0;
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct http_route *r = &s->routes[i];
		int match = r->prefix
				? strncmp(path, r->path, strlen(r->path)) == 0
				: strcmp(path, r->path) == 0;
		if (!match)
			continue;
		*ret_path_known = 1;
		if (method_matches(r->method, method))
			return r;
	}
	return NULL;
}

/* The deadline slot on_connection() gave conn, or NULL. */
static struct watch *connection_watch(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_request *req = *con_cls;
	(void)version;

	if (!req) {
		const char *cl;
		int path_known;

		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->arena = arena_new(HTTP_ARENA_MAX);
		if (!req->arena) {
			free(req);
			return MHD_NO;
		}
		*con_cls = req;
		req->server = s;
		req->conn = conn;
		req->method = method;
		req->path = url;
		req->watch = connection_watch(conn);
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND,
					  collect_arg, req);
		req->route = route_find(s, url, method, &path_known);
		req->set = req->route && req->route->headers
			       ? req->route->headers
			       : s->headers;
		dynbuf_init(&req->body, req->route && req->route->max_body
					    ? req->route->max_body
					    : HTTP_MAX_BODY_DEFAULT);
		if (!req->route) {
			if (path_known) {
				req->refused = 405;
				req->refused_code = "bad_method";
			} else {
				req->refused = 404;
				req->refused_code = "not_found";
			}
		} else if (req->too_many_args) {
			req->refused = 400;
			req->refused_code = "too_many_parameters";
		}
		/* refuse an announced oversized body before reading it */
		cl = MHD_lookup_connection_value(
		    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (!req->refused && cl) {
			int64_t n;
			if (parse_int64(cl, 0, INT64_MAX, &n) == 0 &&
			    (uint64_t)n > req->body.max) {
				req->refused = 413;
				req->refused_code = "body_too_large";
			}
		}
		if (req->refused) {
			char detail[96];
			snprintf(detail, sizeof(detail), "%s",
				 req->refused == 404 ? "no such path"
				 : req->refused == 405
				     ? "method not allowed here"
				 : req->refused == 413
				     ? "request body too large"
				     : "too many query parameters");
			if (req->refused == 405 && req->route == NULL)
				http_add_header(req, "Allow",
						"GET, POST, OPTIONS");
			http_respond_error(req, req->refused, req->refused_code,
					   detail);
			return queue(req);
		}
		return MHD_YES;
	}

	if (*upload_data_size) {
		if (dynbuf_add(&req->body, upload_data, *upload_data_size)) {
			/* a chunked body past the cap: no way to answer
			 * mid-upload, so drop the connection */
			return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (!req->dispatched) {
		req->dispatched = 1;
		/* the whole request is in: no deadline while it is answered,
		 * however long its commit takes */
		if (req->watch)
			atomic_store(&req->watch->deadline_ms, 0);
		if (!req->route->access || !s->guard ||
		    s->guard(req, req->route->access, s->ctx) == 0)
			req->route->fn(req, s->ctx);
	}
	if (!req->has_response) {
		/* a handler that suspended answers after being resumed */
		if (req->suspended)
			return MHD_YES;
		http_respond_error(req, 500, "internal", "no response");
	}
	return queue(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct http_server *s = cls;
	struct http_request *req = *con_cls;
	(void)conn;
	(void)why;
	if (!req)
		return;
	/* the next request on this connection has its own deadline */
	if (req->watch && s->request_timeout_ms)
		atomic_store(&req->watch->deadline_ms,
			     calor_mono_ms() + s->request_timeout_ms);
	if (req->owned)
		free(req->data);
	dynbuf_done(&req->body);
	arena_free(req->arena);
	free(req);
	*con_cls = NULL;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss,
			char *err, size_t err_size)
{
	const char *colon = strrchr(listen, ':');
	char host[64];
	int64_t port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (!colon || parse_int64(colon + 1, 1, 65535, &port)) {
		snprintf(err, err_size,
			 "listen address \"%.64s\" is not HOST:PORT", listen);
		return CALOR_EINVAL;
	}
	hl = (size_t)(colon - listen);
	if (hl >= sizeof(host)) {
		snprintf(err, err_size, "listen host too long");
		return CALOR_EINVAL;
	}
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		host[hl - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1)
			return 0;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (hl == 0) {
			a->sin_addr.s_addr = htonl(INADDR_ANY);
			return 0;
		}
		if (strcmp(host, "localhost") == 0)
			str_copy(host, "127.0.0.1", sizeof(host));
		if (inet_pton(AF_INET, host, &a->sin_addr) == 1)
			return 0;
	}
	snprintf(err, err_size, "listen host \"%.64s\" is not an IP address",
		 host);
	return CALOR_EINVAL;
}

void http_config_defaults(struct http_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen = "127.0.0.1:8080";
	cfg->threads = 4;
	cfg->max_connections = HTTP_MAX_CONNECTIONS;
	cfg->max_connections_per_ip = HTTP_MAX_CONNECTIONS_PER_IP;
	cfg->idle_timeout_s = HTTP_IDLE_TIMEOUT_S;
	cfg->request_timeout_s = HTTP_REQUEST_TIMEOUT_S;
	cfg->max_header_bytes = HTTP_MAX_HEADER_BYTES;
}

/* ---- request deadlines ---- */

static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	struct watch *w = *socket_context;

	pthread_mutex_lock(&s->watch_lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED && s->n_free > 0) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		    conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci) {
			w = &s->watches[s->free_slots[--s->n_free]];
			w->fd = ci->connect_fd;
			atomic_store(&w->deadline_ms,
				     calor_mono_ms() + s->request_timeout_ms);
			*socket_context = w;
		}
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && w) {
		/* libmicrohttpd closes the socket after this returns; the
		 * lock keeps the watcher from touching it (or a reused fd) */
		w->fd = MHD_INVALID_SOCKET;
		s->free_slots[s->n_free++] = (size_t)(w - s->watches);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&s->watch_lock);
}

/* Shut down the sockets whose request is late; libmicrohttpd then sees
 * the connection end and cleans it up in its own thread. */
static void *watcher(void *arg)
{
	struct http_server *s = arg;
	const size_t n = s->n_watches;

	pthread_mutex_lock(&s->watch_lock);
	while (!s->stopping) {
		int64_t now = calor_mono_ms();
		struct timespec until;

		for (size_t i = 0; i < n; i++) {
			struct watch *w = &s->watches[i];
			int64_t d = atomic_load(&w->deadline_ms);
			if (w->fd == MHD_INVALID_SOCKET || d == 0 || now < d)
				continue;
			atomic_store(&w->deadline_ms, 0);
			shutdown(w->fd, SHUT_RDWR);
			metrics_request_timed_out();
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WATCH_PERIOD_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->watch_wake, &s->watch_lock, &until);
	}
	pthread_mutex_unlock(&s->watch_lock);
	return NULL;
}

/* Slots for n connections and, when there is a deadline, the watcher. */
static int watch_start(struct http_server *s, size_t n, unsigned timeout_s)
{
	s->request_timeout_ms = (int64_t)timeout_s * 1000;
	if (!timeout_s)
		return 0;
	s->watches = calloc(n, sizeof(*s->watches));
	s->free_slots = calloc(n, sizeof(*s->free_slots));
	if (!s->watches || !s->free_slots)
		return CALOR_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		s->watches[i].fd = MHD_INVALID_SOCKET;
		s->free_slots[i] = n - 1 - i;
	}
	s->n_watches = s->n_free = n;
	if (pthread_create(&s->watcher, NULL, watcher, s))
		return CALOR_ENOMEM;
	s->watcher_started = 1;
	return 0;
}

static void watch_stop(struct http_server *s)
{
	if (s->watcher_started) {
		pthread_mutex_lock(&s->watch_lock);
		s->stopping = 1;
		pthread_cond_signal(&s->watch_wake);
		pthread_mutex_unlock(&s->watch_lock);
		pthread_join(s->watcher, NULL);
		s->watcher_started = 0;
	}
}

/* ---- TLS ---- */

/* The whole of a PEM file as a NUL-terminated string in *ret (caller
 * frees); 0 or CALOR_EIO with a detail in err. */
static int read_pem(const char *path, char **ret, char *err, size_t err_size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;

	if (f) {
		buf = malloc(HTTP_TLS_FILE_MAX + 1);
		if (buf)
			n = fread(buf, 1, HTTP_TLS_FILE_MAX + 1, f);
	}
	if (!f || !buf || ferror(f) || n == 0 || n > HTTP_TLS_FILE_MAX) {
		snprintf(err, err_size, "cannot read %s: %s", path,
			 !f || ferror(f) ? strerror(errno)
			 : n == 0	 ? "empty"
					 : "larger than 64 KiB");
		if (f)
			fclose(f);
		free(buf);
		return CALOR_EIO;
	}
	fclose(f);
	buf[n] = '\0';
	*ret = buf;
	return 0;
}

static int tls_load(struct http_server *s, const struct http_config *cfg,
		    char *err, size_t err_size)
{
	int rc;

	if (!cfg->tls_cert_file && !cfg->tls_key_file)
		return 0;
	if (!cfg->tls_cert_file || !cfg->tls_key_file) {
		snprintf(err, err_size,
			 "TLS needs both a certificate and a key");
		return CALOR_EINVAL;
	}
	if ((rc = read_pem(cfg->tls_cert_file, &s->tls_cert, err, err_size)) ||
	    (rc = read_pem(cfg->tls_key_file, &s->tls_key, err, err_size)))
		return rc;
	s->tls = 1;
	return 0;
}

static void server_done(struct http_server *s)
{
	watch_stop(s);
	if (s->tls_key)
		sodium_memzero(s->tls_key, strlen(s->tls_key));
	free(s->tls_key);
	free(s->tls_cert);
	free(s->watches);
	free(s->free_slots);
	pthread_mutex_destroy(&s->watch_lock);
	pthread_cond_destroy(&s->watch_wake);
	free(s);
}

int http_server_new(const struct http_config *cfg,
		    const struct http_route *routes, size_t n_routes, void *ctx,
		    struct http_server **ret_server, char *err, size_t err_size)
{
	struct sockaddr_storage ss;
	struct http_server *s;
	unsigned threads = cfg->threads ? cfg->threads : 4;
	unsigned max_conn =
	    cfg->max_connections ? cfg->max_connections : HTTP_MAX_CONNECTIONS;
	struct MHD_OptionItem tls[] = {
	    {MHD_OPTION_HTTPS_MEM_CERT, 0, NULL},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, NULL},
	    /* TLS 1.2 and 1.3 only */
	    {MHD_OPTION_HTTPS_PRIORITIES, 0,
	     (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
	    {MHD_OPTION_END, 0, NULL}};
	int rc;

	if ((rc = parse_listen(cfg->listen, &ss, err, err_size)))
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return CALOR_ENOMEM;
	pthread_mutex_init(&s->watch_lock, NULL);
	pthread_cond_init(&s->watch_wake, NULL);
	s->quiesced = MHD_INVALID_SOCKET;
	s->routes = routes;
	s->n_routes = n_routes;
	s->ctx = ctx;
	s->guard = cfg->guard;
	s->headers = cfg->headers;
	s->trust_proxy = cfg->trust_proxy;
	if ((rc = tls_load(s, cfg, err, err_size)))
		goto fail;
	tls[0].ptr_value = s->tls_cert;
	tls[1].ptr_value = s->tls_key;
	/* every worker may hold its share of the limit, rounded up */
	if ((rc = watch_start(s, (size_t)max_conn + threads,
			      cfg->request_timeout_s))) {
		snprintf(err, err_size, "cannot start the deadline watcher");
		goto fail;
	}
	/* No MHD_OPTION_LISTENING_ADDRESS_REUSE: its 1 is SO_REUSEPORT, which
	 * lets a second calor listen on a port already taken and share its
	 * clients with different data; its 0 drops SO_REUSEADDR, which a
	 * restart needs while old connections linger in TIME_WAIT. Left out,
	 * libmicrohttpd sets SO_REUSEADDR only. */
	s->daemon = MHD_start_daemon(
	    MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ITC | MHD_USE_ERROR_LOG | (s->tls ? MHD_USE_TLS : 0) |
		(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, max_conn,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)cfg->max_connections_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->idle_timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(cfg->max_header_bytes ? cfg->max_header_bytes
					   : HTTP_MAX_HEADER_BYTES),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    /* libmicrohttpd refuses TLS options without MHD_USE_TLS */
	    MHD_OPTION_ARRAY, s->tls ? tls : &tls[3], MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, err_size, "cannot listen on %s%s", cfg->listen,
			 s->tls ? " (or the TLS certificate and key do not "
				  "go together)"
				: "");
		rc = CALOR_EIO;
		goto fail;
	}
	*ret_server = s;
	return 0;
fail:
	server_done(s);
	return rc;
}

void http_server_quiesce(struct http_server *s)
{
	if (s->quiesced == MHD_INVALID_SOCKET)
		s->quiesced = MHD_quiesce_daemon(s->daemon);
}

unsigned http_server_connections(struct http_server *s)
{
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return info ? info->num_connections : 0;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	watch_stop(s); /* before the sockets it watches go away */
	MHD_stop_daemon(s->daemon);
	if (s->quiesced != MHD_INVALID_SOCKET)
		close(s->quiesced);
	server_done(s);
}
