/* SPDX-License-Identifier: MIT */
/* httpc: a small HTTP/1.1 client over plain sockets (see httpc.h). One
 * connection per handle, kept alive between requests; answers are read
 * whole (status, headers, body by Content-Length, chunked or close). */
#include "httpc.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core.h"

struct httpc {
	struct httpc_url url;
	int fd;	    /* -1 when not connected */
	int reused; /* the connection already carried a request */
	char err[160];
	/* received bytes not yet consumed */
	char buf[16 * 1024];
	size_t start, end;
};

int httpc_url_parse(const char *url, struct httpc_url *ret_url, char *err,
		    size_t err_size)
{
	struct httpc_url u;
	const char *p, *host, *host_end, *path;
	size_t n;

	memset(&u, 0, sizeof(u));
	if (strncasecmp(url, "https://", 8) == 0) {
		snprintf(err, err_size,
			 "https:// is not supported (no TLS in the simulator "
			 "client): use the server's http:// address");
		return CALOR_EINVAL;
	}
	if (strncasecmp(url, "http://", 7) != 0) {
		snprintf(err, err_size, "the URL must start with http://");
		return CALOR_EINVAL;
	}
	host = url + 7;
	path = host + strcspn(host, "/?#");
	if (*host == '[') { /* [IPv6]:port */
		host_end = memchr(host, ']', (size_t)(path - host));
		if (!host_end) {
			snprintf(err, err_size, "bad IPv6 address in the URL");
			return CALOR_EINVAL;
		}
		host++;
		p = host_end + 1;
	} else {
		host_end = memchr(host, ':', (size_t)(path - host));
		if (!host_end)
			host_end = path;
		p = host_end;
	}
	n = (size_t)(host_end - host);
	if (n == 0 || n > HTTPC_MAX_HOST) {
		snprintf(err, err_size, "the URL has no host");
		return CALOR_EINVAL;
	}
	memcpy(u.host, host, n);
	str_copy(u.port, "80", sizeof(u.port));
	if (*p == ':') {
		int64_t port;
		char tmp[8];
		size_t k = (size_t)(path - p - 1);
		if (k == 0 || k >= sizeof(tmp)) {
			snprintf(err, err_size, "bad port in the URL");
			return CALOR_EINVAL;
		}
		memcpy(tmp, p + 1, k);
		tmp[k] = 0;
		if (parse_int64(tmp, 1, 65535, &port)) {
			snprintf(err, err_size, "bad port in the URL");
			return CALOR_EINVAL;
		}
		snprintf(u.port, sizeof(u.port), "%d", (int)port);
	} else if (p != path) {
		snprintf(err, err_size, "bad host in the URL");
		return CALOR_EINVAL;
	}
	n = strcspn(path, "?#");
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(u.prefix)) {
		snprintf(err, err_size, "the URL's path is too long");
		return CALOR_EINVAL;
	}
	memcpy(u.prefix, path, n);
	if (strcmp(u.port, "80") == 0)
		snprintf(u.origin, sizeof(u.origin), "http://%s%s%s",
			 strchr(u.host, ':') ? "[" : "", u.host,
			 strchr(u.host, ':') ? "]" : "");
	else
		snprintf(u.origin, sizeof(u.origin), "http://%s%s%s:%s",
			 strchr(u.host, ':') ? "[" : "", u.host,
			 strchr(u.host, ':') ? "]" : "", u.port);
	*ret_url = u;
	return 0;
}

int httpc_new(const struct httpc_url *url, struct httpc **ret_client)
{
	struct httpc *c = calloc(1, sizeof(*c));
	if (!c)
		return CALOR_ENOMEM;
	c->url = *url;
	c->fd = -1;
	*ret_client = c;
	return 0;
}

static void disconnect(struct httpc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->reused = 0;
	c->start = c->end = 0;
}

void httpc_free(struct httpc *c)
{
	if (!c)
		return;
	disconnect(c);
	free(c);
}

const char *httpc_last_error(const struct httpc *c)
{
	return c->err;
}

static int fail(struct httpc *c, const char *what, int err)
{
	snprintf(c->err, sizeof(c->err), "%s: %s", what,
		 err ? strerror(err) : "connection closed");
	disconnect(c);
	return CALOR_EIO;
}

static int connect_to(struct httpc *c)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = {.tv_sec = HTTPC_TIMEOUT_MS / 1000,
			     .tv_usec = (HTTPC_TIMEOUT_MS % 1000) * 1000};
	int one = 1, rc, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(c->url.host, c->url.port, &hints, &res);
	if (rc) {
		snprintf(c->err, sizeof(c->err), "resolve %.64s: %s",
			 c->url.host, gai_strerror(rc));
		return CALOR_EIO;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
				ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			c->fd = fd;
			break;
		}
		err = errno;
		close(fd);
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return fail(c, "connect", err);
	c->reused = 0;
	c->start = c->end = 0;
	return 0;
}

static int send_all(struct httpc *c, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(c, "send", n < 0 ? errno : 0);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make at least one more byte available in c->buf. */
static int fill(struct httpc *c)
{
	ssize_t n;
	if (c->start == c->end)
		c->start = c->end = 0;
	if (c->end == sizeof(c->buf)) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
		if (c->end == sizeof(c->buf))
			return fail(c, "receive: line too long", EMSGSIZE);
	}
	do
		n = recv(c->fd, c->buf + c->end, sizeof(c->buf) - c->end, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(c, "receive",
			    errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT
								    : errno);
	if (n == 0)
		return fail(c, "receive", 0);
	c->end += (size_t)n;
	return 0;
}

/* One CRLF-terminated line (without the CRLF) into line. */
static int read_line(struct httpc *c, char *line, size_t size)
{
	for (;;) {
		char *nl = memchr(c->buf + c->start, '\n', c->end - c->start);
		if (nl) {
			size_t n = (size_t)(nl - (c->buf + c->start));
			if (n > 0 && nl[-1] == '\r')
				n--;
			if (n >= size)
				return fail(c, "receive: header too long",
					    EMSGSIZE);
			memcpy(line, c->buf + c->start, n);
			line[n] = 0;
			c->start = (size_t)(nl + 1 - c->buf);
			return 0;
		}
		if (fill(c))
			return CALOR_EIO;
	}
}

/* Consume len body bytes (len < 0: until the connection closes), keeping
 * the first ones in the response. */
static int read_body(struct httpc *c, long long len, struct httpc_response *r)
{
	while (len != 0) {
		size_t avail = c->end - c->start, take;
		if (avail == 0) {
			if (len < 0 && c->fd >= 0) {
				ssize_t n =
				    recv(c->fd, c->buf, sizeof(c->buf), 0);
				if (n == 0)
					return 0;
				if (n < 0)
					return fail(c, "receive", errno);
				c->start = 0;
				c->end = (size_t)n;
				continue;
			}
			if (fill(c))
				return CALOR_EIO;
			avail = c->end - c->start;
		}
		take = len < 0 || (long long)avail < len ? avail : (size_t)len;
		if (r->body_len < sizeof(r->body) - 1) {
			size_t k = sizeof(r->body) - 1 - r->body_len;
			memcpy(r->body + r->body_len, c->buf + c->start,
			       take < k ? take : k);
		}
		r->body_len += take;
		c->start += take;
		if (len > 0)
			len -= (long long)take;
	}
	return 0;
}

static int read_response(struct httpc *c, struct httpc_response *r)
{
	char line[2048];
	long long clen = -1;
	int chunked = 0, close_after = 0, minor = 1;
	size_t header_bytes = 0;

	memset(r, 0, sizeof(*r));
	r->retry_after_s = -1;
	if (read_line(c, line, sizeof(line)))
		return CALOR_EIO;
	if (sscanf(line, "HTTP/1.%d %d", &minor, &r->status) != 2 ||
	    r->status < 100 || r->status > 999)
		return fail(c, "receive: not an HTTP answer", EPROTO);
	if (minor == 0)
		close_after = 1;
	for (;;) {
		char *v;
		if (read_line(c, line, sizeof(line)))
			return CALOR_EIO;
		if (!line[0])
			break;
		header_bytes += strlen(line);
		if (header_bytes > HTTPC_MAX_HEADERS)
			return fail(c, "receive: headers too long", EMSGSIZE);
		v = strchr(line, ':');
		if (!v)
			continue;
		*v++ = 0;
		v += strspn(v, " \t");
		if (strcasecmp(line, "Content-Length") == 0) {
			int64_t n;
			if (parse_int64(v, 0, INT64_MAX / 2, &n))
				return fail(c, "receive: bad Content-Length",
					    EPROTO);
			clen = n;
		} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
			chunked = strcasestr(v, "chunked") != NULL;
		} else if (strcasecmp(line, "Connection") == 0) {
			if (strcasestr(v, "close"))
				close_after = 1;
		} else if (strcasecmp(line, "Retry-After") == 0) {
			int64_t n;
			if (!parse_int64(v, 0, 86400, &n))
				r->retry_after_s = (int)n;
		}
	}
	if (r->status == 204 || r->status == 304 || r->status < 200) {
		/* no body */
	} else if (chunked) {
		for (;;) {
			char *end;
			unsigned long long n;
			if (read_line(c, line, sizeof(line)))
				return CALOR_EIO;
			n = strtoull(line, &end, 16);
			if (end == line || n > INT64_MAX / 2)
				return fail(c, "receive: bad chunk", EPROTO);
			if (n == 0)
				break;
			if (read_body(c, (long long)n, r) ||
			    read_line(c, line, sizeof(line)))
				return CALOR_EIO;
		}
		do /* trailers */
			if (read_line(c, line, sizeof(line)))
				return CALOR_EIO;
		while (line[0]);
	} else if (clen >= 0) {
		if (read_body(c, clen, r))
			return CALOR_EIO;
	} else {
		close_after = 1;
		if (read_body(c, -1, r))
			return CALOR_EIO;
	}
	r->body[r->body_len < sizeof(r->body) ? r->body_len
					      : sizeof(r->body) - 1] = 0;
	if (close_after)
		disconnect(c);
	return 0;
}

int httpc_post(struct httpc *c, const char *path, const char *extra_headers,
	       const char *body, size_t len,
	       struct httpc_response *ret_response)
{
	char head[HTTPC_MAX_PATH * 2 + 1024];
	int n, attempt;

	n = snprintf(head, sizeof(head),
		     "POST %s%s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: "
		     "%zu\r\n\r\n",
		     c->url.prefix, path, c->url.origin + 7, extra_headers,
		     len);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		snprintf(c->err, sizeof(c->err), "request headers too long");
		return CALOR_EIO;
	}
	/* a kept-alive connection the server has closed fails on first use:
	 * try once more on a fresh one (batches are idempotent anyway) */
	for (attempt = 0; attempt < 2; attempt++) {
		int reused;
		if (c->fd < 0 && connect_to(c))
			return CALOR_EIO;
		reused = c->reused;
		c->err[0] = 0;
		if (!send_all(c, head, (size_t)n) && !send_all(c, body, len) &&
		    !read_response(c, ret_response)) {
			if (c->fd >= 0)
				c->reused = 1;
			return 0;
		}
		if (!reused)
			break;
	}
	return CALOR_EIO;
}
