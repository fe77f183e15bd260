/* SPDX-License-Identifier: MIT */
/* store_clickhouse_http: how the ClickHouse backend talks to a server —
 * SQL over ClickHouse's HTTP interface with libcurl (a pool of easy
 * handles, deadlines, errors made into CALOR_* codes with ClickHouse's
 * message), TabSeparated answers handed over a row at a time as they
 * arrive, and the quoting of values into SQL and TSV. */
#include "store_clickhouse_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- HTTP ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void ch_http_start(void)
{
	pthread_once(&curl_once, curl_start);
}

void ch_http_close(struct ch_store *s)
{
	for (size_t i = 0; i < s->n_pool; i++)
		curl_easy_cleanup(s->pool[i]);
	s->n_pool = 0;
}

static CURL *handle_get(struct ch_store *s)
{
	CURL *h = NULL;

	pthread_mutex_lock(&s->pool_lock);
	if (s->n_pool)
		h = s->pool[--s->n_pool];
	pthread_mutex_unlock(&s->pool_lock);
	if (h)
		curl_easy_reset(h);
	else
		h = curl_easy_init();
	return h;
}

static void handle_put(struct ch_store *s, CURL *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&s->pool_lock);
	if (s->n_pool < CH_POOL_MAX) {
		s->pool[s->n_pool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&s->pool_lock);
	curl_easy_cleanup(h);
}

/* Where an answer goes: into buf whole, or, for a read (row set) that
 * ClickHouse answers 200, a line at a time to row as lines complete, so
 * buf holds at most one unfinished line (plus what the last write
 * brought) however long the answer. */
struct sink {
	struct ch_store *s;
	const char *base; /* the server, http://HOST:PORT/; NULL: the spec's */
	struct dynbuf *buf;
	CURL *h;
	ch_row_fn row;
	void *ctx;
	int rc; /* what row or the parser returned; stops the transfer */
	char *fields[CH_MAX_FIELDS];
};

static int rows_feed(struct sink *k, int last);

static size_t body_write(char *data, size_t size, size_t n, void *ctx)
{
	struct sink *k = ctx;
	long status = 0;

	if (dynbuf_add(k->buf, data, size * n))
		return 0;
	if (k->row) {
		curl_easy_getinfo(k->h, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200 && (k->rc = rows_feed(k, 0)))
			return 0;
	}
	return size * n;
}

/* POST body to the server at k->base (NULL: the spec's) with query (NULL:
 * the body is the query) in the URL; the answer's body into *out. */
static int http_post(struct ch_store *s, const char *query, const char *body,
		     size_t len, long timeout_ms, struct sink *k)
{
	struct dynbuf *out = k->buf;
	struct dynbuf url;
	char *q = NULL;
	long status = 0;
	CURLcode cc;
	CURL *h;
	int rc = 0;

	if (!(h = handle_get(s)))
		return store_fail(&s->base, CALOR_ENOMEM, "curl handle");
	dynbuf_init(&url, 16384);
	/* wait_end_of_query: an error found while the answer is made comes
	 * as a 500, never after a 200 and some rows */
	/* every name in calor's SQL is DB.TABLE: no database= parameter,
	 * which ClickHouse refuses before CREATE DATABASE */
	/* max_query_size: a group's duplicate lookup names up to
	 * WRITER_MAX_GROUP page views with their URLs, past the default
	 * 256 KiB */
	/* insert_distributed_sync: an INSERT (also INSERT ... SELECT) into
	 * a Distributed table answers once every shard has its rows */
	rc = dynbuf_addf(&url,
			 "%s?wait_end_of_query=1&max_query_size=%u"
			 "&insert_distributed_sync=1",
			 k->base ? k->base : s->url, CH_MAX_SQL + 4096u);
	if (!rc && query) {
		if (!(q = curl_easy_escape(h, query, 0)))
			rc = CALOR_ENOMEM;
		else
			rc = dynbuf_addf(&url, "&query=%s", q);
	}
	if (rc) {
		rc = store_fail(&s->base, rc, "query URL");
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url.data);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, k);
	k->h = h;
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	cc = curl_easy_perform(h);
	if (cc == CURLE_WRITE_ERROR && k->rc) {
		rc = k->rc; /* a row's or the parser's, detail already set */
		goto out;
	}
	if (cc == CURLE_WRITE_ERROR) {
		rc = store_fail(&s->base, CALOR_ETOOBIG,
				"ClickHouse answer over %zu bytes", out->max);
		goto out;
	}
	if (cc != CURLE_OK) {
		/* unreachable, refused, timed out: /collect answers 503 */
		if (cc == CURLE_OPERATION_TIMEDOUT)
			rc = store_fail(&s->base, CALOR_EUNAVAILABLE,
					"ClickHouse at %s: no answer within "
					"%ld ms",
					k->base ? k->base : s->url, timeout_ms);
		else
			rc = store_fail(&s->base, CALOR_EUNAVAILABLE,
					"ClickHouse at %s: %s",
					k->base ? k->base : s->url,
					curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		/* the first line of ClickHouse's message is enough */
		const char *m = out->data ? out->data : "", *what;
		size_t ml = strcspn(m, "\n");
		/* 18.16 ends it with ", e.what() = DB::Exception": noise */
		if ((what = strstr(m, ", e.what() = ")) && what < m + ml)
			ml = (size_t)(what - m);
		rc = store_fail(
		    &s->base, status == 503 ? CALOR_EUNAVAILABLE : CALOR_ESTORE,
		    "ClickHouse%s%s HTTP %ld: %.*s", k->base ? " at " : "",
		    k->base ? k->base : "", status, (int)(ml < 200 ? ml : 200),
		    m);
	} else if (k->row) {
		rc = rows_feed(k, 1); /* the last line may lack its \n */
	}
out:
	curl_free(q);
	dynbuf_done(&url);
	handle_put(s, h);
	return rc;
}

int ch_exec_at(struct ch_store *s, const char *base, const char *sql,
	       long timeout_ms)
{
	struct dynbuf out;
	struct sink k = {.s = s, .base = base, .buf = &out};
	int rc;

	dynbuf_init(&out, 65536);
	rc = http_post(s, NULL, sql, strlen(sql), timeout_ms, &k);
	dynbuf_done(&out);
	return rc;
}

int ch_exec(struct ch_store *s, const char *sql)
{
	return ch_exec_at(s, NULL, sql, s->read_timeout_ms);
}

int ch_insert(struct ch_store *s, const char *table, const char *data,
	      size_t len)
{
	return ch_insert_within(s, table, data, len, s->write_timeout_ms);
}

int ch_insert_within(struct ch_store *s, const char *table, const char *data,
		     size_t len, long timeout_ms)
{
	struct dynbuf q, out;
	struct sink k = {.s = s, .buf = &out};
	int rc;

	dynbuf_init(&q, 1024);
	dynbuf_init(&out, 65536);
	rc = dynbuf_adds(&q, "INSERT INTO ");
	if (!rc)
		rc = ch_table(s, &q, table);
	if (!rc)
		rc = dynbuf_adds(&q, " FORMAT TabSeparated");
	if (rc)
		rc = store_fail(&s->base, rc, "insert query");
	else
		rc = http_post(s, q.data, data, len, timeout_ms, &k);
	dynbuf_done(&q);
	dynbuf_done(&out);
	return rc;
}

/* Undo TabSeparated escaping in place; returns the new end. */
static char *tsv_unescape(char *p, char *end)
{
	char *w = p;

	for (; p < end; p++) {
		if (*p != '\\' || p + 1 == end) {
			*w++ = *p;
			continue;
		}
		switch (*++p) {
		case 'n': *w++ = '\n'; break;
		case 't': *w++ = '\t'; break;
		case 'r': *w++ = '\r'; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case '0': *w++ = '\0'; break;
		default: *w++ = *p; break;
		}
	}
	return w;
}

/* Hand the complete lines in k->buf to k->row (all of it when last)
 * and keep the rest. */
static int rows_feed(struct sink *k, int last)
{
	struct dynbuf *b = k->buf;
	char *p = b->data, *end = b->data + b->len, *stop;
	int rc = 0;

	if (!p)
		return 0;
	stop = last ? end : p;
	if (!last)
		for (char *q = end; q > p; q--)
			if (q[-1] == '\n') {
				stop = q;
				break;
			}
	while (p < stop) {
		char *eol = memchr(p, '\n', (size_t)(stop - p));
		size_t n = 0;

		if (!eol)
			eol = stop;
		for (char *f = p;;) {
			char *tab = memchr(f, '\t', (size_t)(eol - f));
			char *fe = tab ? tab : eol;
			if (n == CH_MAX_FIELDS)
				return store_fail(&k->s->base, CALOR_ESTORE,
						  "too many columns");
			*tsv_unescape(f, fe) = '\0';
			k->fields[n++] = f;
			if (!tab)
				break;
			f = tab + 1;
		}
		p = eol + 1;
		if ((rc = k->row(k->ctx, k->fields, n)))
			break;
	}
	if (p > end)
		p = end;
	/* keep what is left (an unfinished line) at the start */
	memmove(b->data, p, (size_t)(end - p));
	b->len = (size_t)(end - p);
	if (b->data)
		b->data[b->len] = '\0';
	return rc;
}

int ch_select_at(struct ch_store *s, const char *base, const char *sql,
		 ch_row_fn row, void *ctx, long timeout_ms)
{
	struct dynbuf q, out;
	struct sink k = {
	    .s = s, .base = base, .buf = &out, .row = row, .ctx = ctx};
	int rc;

	dynbuf_init(&q, CH_MAX_SQL);
	/* one line at most (and one transfer's chunk) is held */
	dynbuf_init(&out, s->max_result);
	rc = dynbuf_addf(&q, "%s FORMAT TabSeparated", sql);
	if (rc)
		rc = store_fail(&s->base, rc, "query too long");
	else
		rc = http_post(s, NULL, q.data, q.len, timeout_ms, &k);
	dynbuf_done(&q);
	dynbuf_done(&out);
	return rc;
}

int ch_select_within(struct ch_store *s, const char *sql, ch_row_fn row,
		     void *ctx, long timeout_ms)
{
	return ch_select_at(s, NULL, sql, row, ctx, timeout_ms);
}

int ch_select(struct ch_store *s, const char *sql, ch_row_fn row, void *ctx)
{
	int rc = ch_ping(s);

	if (!rc)
		rc = ch_select_within(s, sql, row, ctx, s->read_timeout_ms);
	ch_seen(s, rc);
	return rc;
}

void ch_seen(struct ch_store *s, int rc)
{
	if (rc == CALOR_EUNAVAILABLE)
		atomic_store(&s->down_ms, calor_mono_ms());
	else if (!rc)
		atomic_store(&s->down_ms, 0);
}

static int ping_row(void *ctx, char **f, size_t n)
{
	(void)f, (void)n;
	*(int *)ctx = 1;
	return 0;
}

int ch_ping(struct ch_store *s)
{
	int seen = 0, rc;

	if (!atomic_load(&s->down_ms))
		return 0;
	rc = ch_select_within(s, "SELECT 1", ping_row, &seen, CH_PING_MS);
	if (!rc && !seen)
		rc = store_fail(&s->base, CALOR_ESTORE, "ping: no answer");
	if (rc == CALOR_EUNAVAILABLE)
		rc = store_fail(&s->base, rc,
				"ClickHouse did not answer within %ld ms since "
				"a request to it failed",
				CH_PING_MS);
	return rc;
}

int ch_quote(struct dynbuf *b, const char *value)
{
	int rc = dynbuf_adds(b, "'");

	for (const char *p = value; !rc && *p; p++) {
		if (*p == '\'' || *p == '\\')
			rc = dynbuf_add(b, "\\", 1);
		if (!rc)
			rc = dynbuf_add(b, p, 1);
	}
	return rc ? rc : dynbuf_adds(b, "'");
}

int ch_tsv(struct dynbuf *b, const char *value)
{
	int rc = 0;

	for (const char *p = value; !rc && *p; p++) {
		const char *e = NULL;
		switch (*p) {
		case '\\': e = "\\\\"; break;
		case '\t': e = "\\t"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		}
		rc = e ? dynbuf_add(b, e, 2) : dynbuf_add(b, p, 1);
	}
	return rc;
}

int ch_table(const struct ch_store *s, struct dynbuf *b, const char *table)
{
	return dynbuf_addf(b, "%s.%s%s", s->db, table,
			   s->cluster[0] ? "" : "_local");
}
