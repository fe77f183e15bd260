/* SPDX-License-Identifier: MIT */
/* store_clickhouse: the scale-out backend (work in progress, issue 7).
 * Talks to ClickHouse's HTTP interface with libcurl: the spec
 * clickhouse://HOST:PORT/DB[?cluster=NAME], the schema made and migrated at
 * open, sites and their settings, and batches written as one TabSeparated
 * INSERT per group; reads are in store_clickhouse_read.c. What is done and
 * what is not: docs/clickhouse-progress.md. */
#include "store_clickhouse_int.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- HTTP ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
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

static size_t body_write(char *data, size_t size, size_t n, void *ctx)
{
	struct dynbuf *b = ctx;
	return dynbuf_add(b, data, size * n) ? 0 : size * n;
}

/* POST body to the server with query (NULL: the body is the query) in the
 * URL; the answer's body into *out. */
static int http_post(struct ch_store *s, const char *query, const char *body,
		     size_t len, int insert, long timeout_ms,
		     struct dynbuf *out)
{
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
	rc = dynbuf_addf(&url, "%s?wait_end_of_query=1&max_query_size=%u%s",
			 s->url, CH_MAX_SQL + 4096u,
			 insert ? "&insert_distributed_sync=1" : "");
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
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	cc = curl_easy_perform(h);
	if (cc == CURLE_WRITE_ERROR) {
		rc = store_fail(&s->base, CALOR_ETOOBIG,
				"ClickHouse answer over %zu bytes", out->max);
		goto out;
	}
	if (cc != CURLE_OK) {
		/* unreachable, refused, timed out: /collect answers 503 */
		rc = store_fail(&s->base, CALOR_EUNAVAILABLE, "ClickHouse: %s",
				curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		/* the first line of ClickHouse's message is enough */
		const char *m = out->data ? out->data : "";
		size_t ml = strcspn(m, "\n");
		rc = store_fail(
		    &s->base, status == 503 ? CALOR_EUNAVAILABLE : CALOR_ESTORE,
		    "ClickHouse HTTP %ld: %.*s", status,
		    (int)(ml < 200 ? ml : 200), m);
	}
out:
	curl_free(q);
	dynbuf_done(&url);
	handle_put(s, h);
	return rc;
}

int ch_exec(struct ch_store *s, const char *sql)
{
	struct dynbuf out;
	int rc;

	dynbuf_init(&out, 65536);
	rc = http_post(s, NULL, sql, strlen(sql), 0, s->read_timeout_ms, &out);
	dynbuf_done(&out);
	return rc;
}

int ch_insert(struct ch_store *s, const char *table, const char *data,
	      size_t len)
{
	struct dynbuf q, out;
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
		rc = http_post(s, q.data, data, len, 1, s->write_timeout_ms,
			       &out);
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

/* ch_select() with a timeout of its own. */
static int select_within(struct ch_store *s, const char *sql, ch_row_fn row,
			 void *ctx, long timeout_ms)
{
	struct dynbuf q, out;
	char *fields[CH_MAX_FIELDS];
	char *p, *end;
	int rc;

	dynbuf_init(&q, CH_MAX_SQL);
	dynbuf_init(&out, CH_MAX_RESULT);
	rc = dynbuf_addf(&q, "%s FORMAT TabSeparated", sql);
	if (rc) {
		rc = store_fail(&s->base, rc, "query too long");
		goto out;
	}
	if ((rc = http_post(s, NULL, q.data, q.len, 0, timeout_ms, &out)))
		goto out;
	p = out.data;
	end = out.data + out.len;
	while (p && p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = 0;

		if (!eol)
			eol = end;
		for (char *f = p;;) {
			char *tab = memchr(f, '\t', (size_t)(eol - f));
			char *fe = tab ? tab : eol;
			if (n == CH_MAX_FIELDS) {
				rc = store_fail(&s->base, CALOR_ESTORE,
						"too many columns");
				goto out;
			}
			*tsv_unescape(f, fe) = '\0';
			fields[n++] = f;
			if (!tab)
				break;
			f = tab + 1;
		}
		if ((rc = row(ctx, fields, n)))
			goto out;
		p = eol + 1;
	}
out:
	dynbuf_done(&q);
	dynbuf_done(&out);
	return rc;
}

int ch_select(struct ch_store *s, const char *sql, ch_row_fn row, void *ctx)
{
	return select_within(s, sql, row, ctx, s->read_timeout_ms);
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

/* ---- the spec ---- */

static int name_ok(const char *p, size_t n)
{
	if (n == 0 || n > CH_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		      (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
			return 0;
	return !(p[0] >= '0' && p[0] <= '9');
}

int store_clickhouse_spec_parse(const char *spec,
				struct store_clickhouse_spec *ret_spec)
{
	struct store_clickhouse_spec sp = {0};
	const char *p, *host, *colon, *slash, *db, *qs;
	size_t host_len;
	int64_t port;
	char num[8];

	if (strncmp(spec, "clickhouse://", 13) != 0)
		return CALOR_EINVAL;
	host = spec + 13;
	if (*host == '[') {
		const char *close = strchr(host, ']');
		if (!close)
			return CALOR_EINVAL;
		colon = close + 1;
		if (*colon != ':')
			return CALOR_EINVAL;
	} else {
		colon = strchr(host, ':');
		if (!colon)
			return CALOR_EINVAL;
	}
	host_len = (size_t)(colon - host);
	if (host_len == 0 || host_len > CH_HOST_MAX)
		return CALOR_EINVAL;
	for (p = host; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		      *p == ':' || *p == '[' || *p == ']'))
			return CALOR_EINVAL;
	slash = strchr(colon, '/');
	if (!slash || (size_t)(slash - colon - 1) >= sizeof(num) ||
	    slash == colon + 1)
		return CALOR_EINVAL;
	memcpy(num, colon + 1, (size_t)(slash - colon - 1));
	num[slash - colon - 1] = '\0';
	if (parse_int64(num, 1, 65535, &port))
		return CALOR_EINVAL;
	db = slash + 1;
	qs = strchr(db, '?');
	if (!name_ok(db, qs ? (size_t)(qs - db) : strlen(db)))
		return CALOR_EINVAL;
	memcpy(sp.host, host, host_len);
	sp.port = (int)port;
	memcpy(sp.db, db, qs ? (size_t)(qs - db) : strlen(db));
	if (qs) {
		if (strncmp(qs, "?cluster=", 9) != 0 ||
		    !name_ok(qs + 9, strlen(qs + 9)))
			return CALOR_EINVAL;
		str_copy(sp.cluster, qs + 9, sizeof(sp.cluster));
	}
	*ret_spec = sp;
	return 0;
}

/* ---- schema ---- */

/* The tables, each made as NAME_local on the server calor talks to and,
 * with a cluster, NAME as a Distributed table over every shard's
 * NAME_local. Column types and engines run on 18.16 and on current
 * releases: no LowCardinality, no Nullable, no IF NOT EXISTS in ALTER.
 * docs/clickhouse-progress.md says why each is the way it is. */
struct ch_table_def {
	const char *name, *columns, *engine, *shard_key;
};

static const struct ch_table_def tables_v1[] = {
    {"events",
     "site_id UInt64, page String, kind UInt8, device UInt8, ts Int64,"
     " pv String, seq UInt32, idx UInt32, session String,"
     " received_ms Int64,"
     " x Int32, y Int32, vw Int32, vh Int32, dw Int32, dh Int32,"
     " selector String, sel_hash UInt64, off_x UInt16, off_y UInt16,"
     " el_w Int32, el_h Int32, pointer UInt8, flags UInt8,"
     " goal String,"
     " referrer String, dpr Float64, is_new UInt8, browser UInt8,"
     " os UInt8, source UInt8, utm_source String, utm_medium String,"
     " utm_campaign String, utm_term String, utm_content String,"
     " max_depth Int32, doc_h Int32, fold Int32, reversals Int32,"
     " dwell Array(UInt32), tag_keys Array(String),"
     " tag_values Array(String)",
     "ReplacingMergeTree PARTITION BY toYYYYMM(toDate(intDiv(ts, 1000)))"
     " ORDER BY (site_id, page, kind, device, ts, pv, seq, idx)",
     "cityHash64(session)"},
    {"sites",
     "id UInt64, key String, name String, created_ms Int64,"
     " origins Array(String), version UInt64",
     "ReplacingMergeTree(version) ORDER BY id", "id"},
    {"site_settings",
     "site_id UInt64, name String, value Int32, version UInt64",
     "ReplacingMergeTree(version) ORDER BY (site_id, name)", "site_id"},
    {"auth_kv",
     "kind String, key String, value String, expires_ms Int64,"
     " deleted UInt8, version UInt64",
     "ReplacingMergeTree(version) ORDER BY (kind, key)",
     "cityHash64(kind, key)"},
};

/* Migrations after version 1, in order (none yet): each a list of
 * statements with {db} standing for the database; ALTERs must be run on
 * NAME_local and, with a cluster, on NAME too. */
#define CH_SCHEMA_VERSION 1

static int make_table(struct ch_store *s, const struct ch_table_def *t)
{
	struct dynbuf sql;
	int rc;

	dynbuf_init(&sql, 8192);
	rc = dynbuf_addf(&sql,
			 "CREATE TABLE IF NOT EXISTS %s.%s_local (%s) ENGINE = "
			 "%s",
			 s->db, t->name, t->columns, t->engine);
	if (!rc && !(rc = ch_exec(s, sql.data)) && s->cluster[0]) {
		dynbuf_clear(&sql);
		rc = dynbuf_addf(
		    &sql,
		    "CREATE TABLE IF NOT EXISTS %s.%s AS %s.%s_local"
		    " ENGINE = Distributed(%s, %s, %s_local, %s)",
		    s->db, t->name, s->db, t->name, s->cluster, s->db, t->name,
		    t->shard_key);
		if (!rc)
			rc = ch_exec(s, sql.data);
	}
	dynbuf_done(&sql);
	return rc;
}

static int version_row(void *ctx, char **f, size_t n)
{
	if (n >= 1)
		*(int64_t *)ctx = strtoll(f[0], NULL, 10);
	return 0;
}

/* The schema version is kept per server (schema_local): with a cluster,
 * each shard's local tables are made when calor first opens that shard. */
static int schema_apply(struct ch_store *s)
{
	char sql[512];
	int64_t version = 0;
	int rc;

	snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS %s", s->db);
	if ((rc = ch_exec(s, sql)))
		return rc;
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE IF NOT EXISTS %s.schema_local (version UInt32,"
		 " applied_ms Int64) ENGINE = MergeTree ORDER BY version",
		 s->db);
	if ((rc = ch_exec(s, sql)))
		return rc;
	snprintf(sql, sizeof(sql), "SELECT max(version) FROM %s.schema_local",
		 s->db);
	if ((rc = ch_select(s, sql, version_row, &version)))
		return rc;
	if (version > CH_SCHEMA_VERSION)
		return store_fail(&s->base, CALOR_ESTORE,
				  "ClickHouse schema version %lld is newer "
				  "than this calor's (%d)",
				  (long long)version, CH_SCHEMA_VERSION);
	/* CREATE ... IF NOT EXISTS: a start that died half-way through
	 * version 1 finishes it */
	for (size_t i = 0; i < sizeof(tables_v1) / sizeof(tables_v1[0]); i++)
		if ((rc = make_table(s, &tables_v1[i])))
			return rc;
	if (version < 1) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO %s.schema_local VALUES (1, %lld)", s->db,
			 (long long)calor_now_ms());
		if ((rc = ch_exec(s, sql)))
			return rc;
	}
	return 0;
}

/* ---- sites ---- */

/* A version for ReplacingMergeTree(version) rows: later writes win, by the
 * clock (µs) of the node that wrote them. */
static uint64_t row_version(void)
{
	static _Atomic uint64_t last;
	uint64_t v = (uint64_t)calor_now_ms() * 1000, seen = atomic_load(&last);

	do {
		if (v <= seen)
			v = seen + 1;
	} while (!atomic_compare_exchange_weak(&last, &seen, v));
	return v;
}

static int site_row_insert(struct ch_store *s, const struct store_site *site)
{
	struct dynbuf row, arr;
	int rc;

	dynbuf_init(&row, 65536);
	dynbuf_init(&arr, 65536);
	rc = dynbuf_adds(&arr, "[");
	for (size_t i = 0; !rc && i < site->n_origins; i++)
		if (!(rc = i ? dynbuf_adds(&arr, ",") : 0))
			rc = ch_quote(&arr, site->origins[i]);
	if (!rc)
		rc = dynbuf_adds(&arr, "]");
	if (!rc)
		rc = dynbuf_addf(&row, "%lld\t", (long long)site->id);
	if (!rc)
		rc = ch_tsv(&row, site->key);
	if (!rc)
		rc = dynbuf_adds(&row, "\t");
	if (!rc)
		rc = ch_tsv(&row, site->name);
	if (!rc)
		rc = dynbuf_addf(&row, "\t%lld\t", (long long)site->created_ms);
	if (!rc)
		rc = ch_tsv(&row, arr.data);
	if (!rc)
		rc = dynbuf_addf(&row, "\t%llu\n",
				 (unsigned long long)row_version());
	if (rc)
		rc = store_fail(&s->base, rc, "site row");
	else
		rc = ch_insert(s, "sites", row.data, row.len);
	dynbuf_done(&row);
	dynbuf_done(&arr);
	return rc;
}

static int ch_site_add(struct store *base, const char *name,
		       const char *const *origins, size_t n_origins,
		       struct store_site *ret_site)
{
	struct ch_store *s = (struct ch_store *)base;
	struct store_site site = {0};
	uint64_t id;
	int rc;

	if (!name)
		name = "";
	if ((rc = store_site_fields_check(base, name, origins, n_origins)))
		return rc;
	str_copy(site.name, name, sizeof(site.name));
	site.created_ms = calor_now_ms();
	store_random_key(site.key, 16);
	store_config_defaults(&site.cfg);
	/* no sequence across calor nodes: a random id, below 2^53 so it
	 * survives a JSON number */
	do {
		randombytes_buf(&id, sizeof(id));
		id &= (1ULL << 53) - 1;
	} while (id == 0);
	site.id = (int64_t)id;
	for (size_t i = 0; i < n_origins; i++)
		str_copy(site.origins[site.n_origins++], origins[i],
			 sizeof(site.origins[0]));
	if ((rc = site_row_insert(s, &site)))
		return rc;
	atomic_fetch_add(&s->version, 1);
	*ret_site = site;
	return 0;
}

struct sites_acc {
	struct store_site *sites;
	size_t n, cap;
};

static int site_row(void *ctx, char **f, size_t n)
{
	struct sites_acc *a = ctx;
	struct store_site *site;

	if (n < 5)
		return CALOR_ESTORE;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 8;
		void *p = realloc(a->sites, ncap * sizeof(*a->sites));
		if (!p)
			return CALOR_ENOMEM;
		a->sites = p;
		a->cap = ncap;
	}
	site = &a->sites[a->n++];
	memset(site, 0, sizeof(*site));
	site->id = strtoll(f[0], NULL, 10);
	str_copy(site->key, f[1], sizeof(site->key));
	str_copy(site->name, f[2], sizeof(site->name));
	site->created_ms = strtoll(f[3], NULL, 10);
	store_config_defaults(&site->cfg);
	/* origins joined by spaces: an origin never holds one */
	for (char *o = f[4]; *o && site->n_origins < STORE_MAX_ORIGINS;) {
		size_t len = strcspn(o, " ");
		if (len && len <= STORE_MAX_ORIGIN) {
			memcpy(site->origins[site->n_origins], o, len);
			site->origins[site->n_origins++][len] = '\0';
		}
		o += len;
		o += *o == ' ';
	}
	return 0;
}

static int setting_row(void *ctx, char **f, size_t n)
{
	struct sites_acc *a = ctx;
	int64_t id, value;
	char err[96];

	if (n < 3)
		return CALOR_ESTORE;
	id = strtoll(f[0], NULL, 10);
	value = strtoll(f[2], NULL, 10);
	for (size_t i = 0; i < a->n; i++)
		if (a->sites[i].id == id &&
		    store_config_set(&a->sites[i].cfg, f[1], value, err,
				     sizeof(err)))
			log_warn("site %s: setting ignored: %s",
				 a->sites[i].key, err);
	return 0;
}

static int ch_sites_load(struct store *base, struct store_site **ret_sites,
			 size_t *ret_n)
{
	struct ch_store *s = (struct ch_store *)base;
	struct sites_acc a = {0};
	struct dynbuf sql;
	int rc;

	dynbuf_init(&sql, 4096);
	rc = dynbuf_adds(
	    &sql, "SELECT id, argMax(key, version), argMax(name, version),"
		  " argMax(created_ms, version),"
		  " arrayStringConcat(argMax(origins, version), ' ')"
		  " FROM ");
	if (!rc)
		rc = ch_table(s, &sql, "sites");
	if (!rc)
		rc = dynbuf_adds(&sql, " GROUP BY id ORDER BY id");
	if (!rc)
		rc = ch_select(s, sql.data, site_row, &a);
	if (!rc) {
		dynbuf_clear(&sql);
		rc = dynbuf_adds(&sql, "SELECT site_id, name,"
				       " argMax(value, version) FROM ");
		if (!rc)
			rc = ch_table(s, &sql, "site_settings");
		if (!rc)
			rc = dynbuf_adds(&sql, " GROUP BY site_id, name");
		if (!rc)
			rc = ch_select(s, sql.data, setting_row, &a);
	}
	dynbuf_done(&sql);
	if (rc) {
		free(a.sites);
		return rc == CALOR_ESTORE && !base->last_error[0]
			   ? store_fail(base, rc, "bad site row")
			   : rc;
	}
	*ret_sites = a.sites;
	*ret_n = a.n;
	return 0;
}

static int ch_site_set(struct store *base, int64_t site_id, const char *name,
		       int32_t value)
{
	struct ch_store *s = (struct ch_store *)base;
	struct dynbuf row;
	int rc;

	if (!store_config_find(name))
		return store_fail(base, CALOR_EINVAL, "unknown setting %s",
				  name);
	dynbuf_init(&row, 1024);
	rc = dynbuf_addf(&row, "%lld\t%s\t%d\t%llu\n", (long long)site_id, name,
			 value, (unsigned long long)row_version());
	rc = rc ? store_fail(base, rc, "setting row")
		: ch_insert(s, "site_settings", row.data, row.len);
	dynbuf_done(&row);
	if (!rc)
		atomic_fetch_add(&s->version, 1);
	return rc;
}

static int ch_site_update(struct store *base, int64_t site_id, const char *name,
			  const char *const *origins, size_t n_origins)
{
	struct ch_store *s = (struct ch_store *)base;
	struct store_site *sites = NULL, site;
	size_t n = 0, i;
	int rc;

	if ((rc = store_site_fields_check(base, name, origins, n_origins)))
		return rc;
	/* read, change, write a newer version: two nodes updating one site
	 * at once keep the later write whole */
	if ((rc = ch_sites_load(base, &sites, &n)))
		return rc;
	for (i = 0; i < n && sites[i].id != site_id; i++)
		;
	if (i == n) {
		free(sites);
		return store_fail(base, CALOR_ENOTFOUND, "no such site");
	}
	site = sites[i];
	free(sites);
	if (name)
		str_copy(site.name, name, sizeof(site.name));
	if (origins) {
		site.n_origins = 0;
		for (i = 0; i < n_origins; i++)
			str_copy(site.origins[site.n_origins++], origins[i],
				 sizeof(site.origins[0]));
	}
	if ((rc = site_row_insert(s, &site)))
		return rc;
	atomic_fetch_add(&s->version, 1);
	return 0;
}

/* ---- writing ---- */

/* One click as the rage rule sees it. Stored ones have ord < 0 (-1 the
 * latest); this call's have ord >= 0 in the order they are written. */
struct rage_click {
	int64_t site_id;
	const char *pv;
	int64_t ts, ord;
	int32_t x, y;
};

/* What the write of one group knows of each batch's page view. */
struct batch_state {
	int dup;    /* stored before (or earlier in this group) */
	int known;  /* the page view has stored batches */
	int device; /* its first batch's device */
	int64_t first_seq;
};

struct write_ctx {
	const struct ingest_batch *const *batches;
	size_t n;
	struct batch_state *st;
	struct rage_click *clicks;
	size_t n_clicks, cap_clicks;
	int64_t next_ord;
};

static int click_push(struct write_ctx *w, int64_t site_id, const char *pv,
		      int64_t ts, int64_t ord, int32_t x, int32_t y)
{
	if (w->n_clicks == w->cap_clicks) {
		size_t ncap = w->cap_clicks ? w->cap_clicks * 2 : 64;
		void *p = realloc(w->clicks, ncap * sizeof(*w->clicks));
		if (!p)
			return CALOR_ENOMEM;
		w->clicks = p;
		w->cap_clicks = ncap;
	}
	w->clicks[w->n_clicks++] =
	    (struct rage_click){site_id, pv, ts, ord, x, y};
	return 0;
}

/* The batches of this group's page views already stored: (site, pv,
 * seq, device) rows, looked up by the primary key (site, page, kind, ts =
 * the page view's start). */
static int stored_row(void *ctx, char **f, size_t n)
{
	struct write_ctx *w = ctx;
	int64_t site_id, seq;

	if (n < 4)
		return CALOR_ESTORE;
	site_id = strtoll(f[0], NULL, 10);
	seq = strtoll(f[2], NULL, 10);
	for (size_t i = 0; i < w->n; i++) {
		const struct ingest_batch *b = w->batches[i];
		struct batch_state *st = &w->st[i];
		if (b->site_id != site_id || strcmp(b->pv.id, f[1]) != 0)
			continue;
		if (b->pv.seq == seq)
			st->dup = 1;
		if (!st->known || seq < st->first_seq) {
			st->known = 1;
			st->first_seq = seq;
			st->device = (int)strtol(f[3], NULL, 10);
		}
	}
	return 0;
}

static int stored_click_row(void *ctx, char **f, size_t n)
{
	struct write_ctx *w = ctx;
	int64_t site_id;

	if (n < 5)
		return CALOR_ESTORE;
	site_id = strtoll(f[0], NULL, 10);
	/* point at a batch's copy of the id: it outlives the read */
	for (size_t i = 0; i < w->n; i++)
		if (w->batches[i]->site_id == site_id &&
		    strcmp(w->batches[i]->pv.id, f[1]) == 0)
			return click_push(w, site_id, w->batches[i]->pv.id,
					  strtoll(f[2], NULL, 10),
					  -1 - (int64_t)w->n_clicks,
					  (int32_t)strtol(f[3], NULL, 10),
					  (int32_t)strtol(f[4], NULL, 10));
	return 0;
}

/* " OR (site_id = S AND page = 'P' AND pv = 'ID'...)" for each batch. */
static int pv_terms(struct dynbuf *sql, const struct write_ctx *w, int with_ts)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < w->n; i++) {
		const struct ingest_batch *b = w->batches[i];
		rc = dynbuf_addf(sql, "%s(site_id = %lld AND page = ",
				 i ? " OR " : "", (long long)b->site_id);
		if (!rc)
			rc = ch_quote(sql, b->pv.url);
		if (!rc && with_ts)
			rc = dynbuf_addf(sql, " AND ts = %lld",
					 (long long)b->pv.ts);
		if (!rc)
			rc = dynbuf_adds(sql, " AND pv = ");
		if (!rc)
			rc = ch_quote(sql, b->pv.id);
		if (!rc)
			rc = dynbuf_adds(sql, ")");
	}
	return rc;
}

static int lookup_stored(struct ch_store *s, struct write_ctx *w)
{
	struct dynbuf sql;
	int rc;

	dynbuf_init(&sql, CH_MAX_SQL);
	rc =
	    dynbuf_adds(&sql, "SELECT DISTINCT site_id, pv, seq, device FROM ");
	if (!rc)
		rc = ch_table(s, &sql, "events");
	if (!rc)
		rc = dynbuf_adds(&sql, " WHERE kind = 0 AND (");
	if (!rc)
		rc = pv_terms(&sql, w, 1);
	if (!rc)
		rc = dynbuf_adds(&sql, ")");
	rc =
	    rc ? store_fail(&s->base, rc, "batch lookup query")
	       : select_within(s, sql.data, stored_row, w, s->write_timeout_ms);
	if (rc)
		goto out;
	/* the latest stored clicks of page views that go on: a rage run
	 * may have begun in an earlier batch (20: the longest run a site
	 * may set) */
	dynbuf_clear(&sql);
	rc = dynbuf_adds(&sql, "SELECT site_id, pv, ts, x, y FROM ");
	if (!rc)
		rc = ch_table(s, &sql, "events");
	if (!rc)
		rc = dynbuf_adds(&sql, " WHERE kind = 1 AND (");
	if (!rc)
		rc = pv_terms(&sql, w, 0);
	if (!rc)
		rc = dynbuf_adds(&sql, ") ORDER BY ts DESC, seq DESC, idx DESC"
				       " LIMIT 20 BY site_id, pv");
	rc = rc ? store_fail(&s->base, rc, "click lookup query")
		: select_within(s, sql.data, stored_click_row, w,
				s->write_timeout_ms);
out:
	dynbuf_done(&sql);
	return rc;
}

/* 1 when the click (the last pushed) completes or extends a rage run
 * with the page view's previous clicks, as store_sqlite.c decides it:
 * walk back through the need latest clicks at or before its time. */
static int is_rage(const struct write_ctx *w, const struct ingest_batch *b,
		   const struct rage_click *c)
{
	int need = (b->rage_clicks ? b->rage_clicks : STORE_RAGE_CLICKS) - 1;
	int64_t max_ms = b->rage_ms ? b->rage_ms : STORE_RAGE_MS;
	int64_t px = b->rage_px ? b->rage_px : STORE_RAGE_PX;
	const struct rage_click *prev[32];
	int n = 0;

	if (need > 31)
		need = 31;
	/* the need latest earlier clicks by (ts, ord), latest first */
	for (size_t i = 0; i < w->n_clicks; i++) {
		const struct rage_click *p = &w->clicks[i];
		int at;
		if (p == c || p->site_id != c->site_id || p->ts > c->ts ||
		    strcmp(p->pv, c->pv) != 0 || p->ord > c->ord)
			continue;
		for (at = n; at > 0; at--) {
			const struct rage_click *q = prev[at - 1];
			if (q->ts > p->ts ||
			    (q->ts == p->ts && q->ord > p->ord))
				break;
		}
		if (at >= need)
			continue;
		if (n < need)
			n++;
		memmove(&prev[at + 1], &prev[at],
			(size_t)(n - 1 - at) * sizeof(prev[0]));
		prev[at] = p;
	}
	if (n < need)
		return 0;
	for (int i = 0; i < n; i++) {
		const struct rage_click *after = i ? prev[i - 1] : c;
		int64_t dx = after->x - prev[i]->x, dy = after->y - prev[i]->y;
		if (after->ts - prev[i]->ts > max_ms ||
		    dx * dx + dy * dy > px * px)
			return 0;
	}
	return 1;
}

/* The columns of every events row, in the order rows are written. */
struct ev_row {
	int64_t site_id;
	const char *page;
	int kind, device;
	int64_t ts;
	const char *pv;
	int64_t seq, idx;
	const char *session;
	int64_t received_ms;
	int32_t x, y, vw, vh, dw, dh;
	const char *selector;
	uint64_t sel_hash;
	int32_t off_x, off_y, el_w, el_h, pointer, flags;
	const char *goal;
	const struct ingest_pageview *pv_ctx; /* batch rows only */
	const struct ingest_scroll *scroll;   /* batch rows only */
	int source;
};

static int row_add(struct dynbuf *b, const struct ev_row *r)
{
	const struct ingest_pageview *p = r->pv_ctx;
	const char *empty = "";
	struct dynbuf arr;
	int rc;

	rc = dynbuf_addf(b, "%lld\t", (long long)r->site_id);
	if (!rc)
		rc = ch_tsv(b, r->page);
	if (!rc)
		rc = dynbuf_addf(b, "\t%d\t%d\t%lld\t", r->kind, r->device,
				 (long long)r->ts);
	if (!rc)
		rc = ch_tsv(b, r->pv);
	if (!rc)
		rc = dynbuf_addf(b, "\t%lld\t%lld\t", (long long)r->seq,
				 (long long)r->idx);
	if (!rc)
		rc = ch_tsv(b, r->session);
	if (!rc)
		rc = dynbuf_addf(b, "\t%lld\t%d\t%d\t%d\t%d\t%d\t%d\t",
				 (long long)r->received_ms, r->x, r->y, r->vw,
				 r->vh, r->dw, r->dh);
	if (!rc)
		rc = ch_tsv(b, r->selector ? r->selector : empty);
	if (!rc)
		rc = dynbuf_addf(b, "\t%llu\t%d\t%d\t%d\t%d\t%d\t%d\t",
				 (unsigned long long)r->sel_hash, r->off_x,
				 r->off_y, r->el_w, r->el_h, r->pointer,
				 r->flags);
	if (!rc)
		rc = ch_tsv(b, r->goal ? r->goal : empty);
	if (rc)
		return rc;
	if (!p) /* referrer .. tag_values at their defaults */
		return dynbuf_adds(b, "\t\t0\t0\t0\t0\t0\t\t\t\t\t\t0\t0\t0\t0"
				      "\t[]\t[]\t[]\n");
	{
		const char *utm[5] = {p->utm_source, p->utm_medium,
				      p->utm_campaign, p->utm_term,
				      p->utm_content};
		const struct ingest_scroll *sc = r->scroll;

		rc = dynbuf_adds(b, "\t");
		if (!rc)
			rc = ch_tsv(b, p->referrer ? p->referrer : empty);
		if (!rc)
			rc = dynbuf_addf(b, "\t%.17g\t%d\t%d\t%d\t%d", p->dpr,
					 p->is_new, (int)p->browser, (int)p->os,
					 r->source);
		for (int i = 0; !rc && i < 5; i++) {
			if (!(rc = dynbuf_adds(b, "\t")))
				rc = ch_tsv(b, utm[i] ? utm[i] : empty);
		}
		if (!rc)
			rc = dynbuf_addf(b, "\t%d\t%d\t%d\t%d\t[", sc->depth,
					 sc->doc_h, sc->fold, sc->reversals);
		for (int i = 0; !rc && sc->has_dwell && i < INGEST_BANDS; i++)
			rc = dynbuf_addf(b, "%s%u", i ? "," : "", sc->dwell[i]);
		if (rc)
			return rc;
		/* tags: two arrays of string literals, the whole field
		 * TSV-escaped */
		dynbuf_init(&arr, 65536);
		for (int half = 0; !rc && half < 2; half++) {
			dynbuf_clear(&arr);
			rc = dynbuf_adds(&arr, "[");
			for (size_t i = 0; !rc && i < p->n_tags; i++) {
				if (i)
					rc = dynbuf_adds(&arr, ",");
				if (!rc)
					rc = ch_quote(&arr,
						      half ? p->tags[i].value
							   : p->tags[i].key);
			}
			if (!rc)
				rc = dynbuf_adds(&arr, "]");
			if (!rc)
				rc = dynbuf_adds(b, half ? "\t" : "]\t");
			if (!rc)
				rc = ch_tsv(b, arr.data);
		}
		dynbuf_done(&arr);
		return rc ? rc : dynbuf_adds(b, "\n");
	}
}

/* The batch's scroll events summed as store_sqlite.c does: deepest,
 * tallest, first fold, reversals and attention added up. */
static void scroll_sum(const struct ingest_batch *b, struct ingest_scroll *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; i < b->n_events; i++) {
		const struct ingest_scroll *e = b->events[i].u.scroll;
		if (b->events[i].type != EVENT_SCROLL)
			continue;
		if (e->depth > sum->depth)
			sum->depth = e->depth;
		if (e->doc_h > sum->doc_h)
			sum->doc_h = e->doc_h;
		if (!sum->fold)
			sum->fold = e->fold;
		sum->reversals += e->reversals;
		if (e->has_dwell) {
			sum->has_dwell = 1;
			for (int k = 0; k < INGEST_BANDS; k++)
				sum->dwell[k] += e->dwell[k];
		}
	}
}

/* One batch's rows: its page view record, clicks, move points, goals. */
static int batch_rows(struct write_ctx *w, size_t bi, int64_t now,
		      struct dynbuf *out)
{
	const struct ingest_batch *b = w->batches[bi];
	const struct batch_state *st = &w->st[bi];
	struct ingest_scroll sum;
	struct ev_row r = {.site_id = b->site_id,
			   .page = b->pv.url,
			   .device = st->known ? st->device : (int)b->pv.device,
			   .pv = b->pv.id,
			   .seq = b->pv.seq,
			   .session = b->pv.session,
			   .received_ms = now};
	int rc;

	scroll_sum(b, &sum);
	r.kind = CH_KIND_BATCH;
	r.ts = b->pv.ts;
	r.vw = b->pv.vw;
	r.vh = b->pv.vh;
	r.pv_ctx = &b->pv;
	r.scroll = &sum;
	r.source = (int)ingest_source_class(b->pv.referrer, b->pv.utm_source,
					    b->pv.utm_medium);
	if ((rc = row_add(out, &r)))
		return rc;
	r.pv_ctx = NULL;
	r.scroll = NULL;
	for (size_t i = 0; i < b->n_events; i++) {
		const struct ingest_event *e = &b->events[i];
		struct ev_row c = r;

		c.ts = e->ts;
		c.idx = (int64_t)i * 1024;
		if (e->type == EVENT_CLICK) {
			const struct ingest_click *k = &e->u.click;
			unsigned flags = k->flags & ~(unsigned)CLICK_RAGE;
			if ((rc = click_push(w, b->site_id, b->pv.id, e->ts,
					     w->next_ord++, k->x, k->y)))
				return rc;
			if (is_rage(w, b, &w->clicks[w->n_clicks - 1]))
				flags |= CLICK_RAGE;
			c.kind = CH_KIND_CLICK;
			c.x = k->x, c.y = k->y, c.vw = k->vw, c.vh = k->vh;
			c.dw = k->dw, c.dh = k->dh;
			c.selector = k->selector;
			c.sel_hash = k->sel_hash;
			c.off_x = k->off_x, c.off_y = k->off_y;
			c.el_w = k->el_w, c.el_h = k->el_h;
			c.pointer = (int32_t)k->pointer;
			c.flags = (int32_t)flags;
			rc = row_add(out, &c);
		} else if (e->type == EVENT_MOVE) {
			const struct ingest_move *m = &e->u.move;
			c.kind = CH_KIND_MOVE;
			c.vw = m->vw;
			c.dh = m->doc_h;
			for (size_t k = 0; !rc && k < m->n; k++) {
				c.ts = e->ts + m->dt[k];
				c.idx = (int64_t)i * 1024 + (int64_t)k;
				c.x = m->x[k];
				c.y = m->y[k];
				rc = row_add(out, &c);
			}
		} else if (e->type == EVENT_GOAL) {
			c.kind = CH_KIND_GOAL;
			c.goal = e->u.goal.name;
			rc = row_add(out, &c);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Idempotency (docs/clickhouse-progress.md): a group's batches already
 * stored are found by their page view record before anything is written,
 * and the group's new rows go in one INSERT, which ClickHouse applies to
 * each shard's MergeTree all or nothing. A batch written by two nodes at
 * the same moment gets in twice; its rows are identical in every column
 * of the table's key, so ReplacingMergeTree keeps one of them when it
 * merges, and page view reads count (pv, seq) once. */
static int ch_write_batches(struct store *base,
			    const struct ingest_batch *const *batches, size_t n,
			    int *ret_results)
{
	struct ch_store *s = (struct ch_store *)base;
	struct write_ctx w = {.batches = batches, .n = n};
	struct dynbuf data;
	int64_t now = calor_now_ms();
	int rc = 0, any = 0;

	if (n == 0)
		return 0;
	dynbuf_init(&data, CH_MAX_INSERT);
	pthread_mutex_lock(&s->write_lock);
	if (!(w.st = calloc(n, sizeof(*w.st)))) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if ((rc = lookup_stored(s, &w)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		/* the same batch twice in one group: the first one counts */
		for (size_t j = 0; !w.st[i].dup && j < i; j++)
			w.st[i].dup =
			    !w.st[j].dup &&
			    batches[j]->site_id == batches[i]->site_id &&
			    batches[j]->pv.seq == batches[i]->pv.seq &&
			    strcmp(batches[j]->pv.id, batches[i]->pv.id) == 0;
		if (w.st[i].dup)
			continue;
		/* a page view's later batch in this group keeps the device
		 * of its first */
		for (size_t j = 0; !w.st[i].known && j < i; j++)
			if (!w.st[j].dup &&
			    batches[j]->site_id == batches[i]->site_id &&
			    strcmp(batches[j]->pv.id, batches[i]->pv.id) == 0) {
				w.st[i].known = 1;
				w.st[i].device =
				    w.st[j].known ? w.st[j].device
						  : (int)batches[j]->pv.device;
			}
		if ((rc = batch_rows(&w, i, now, &data))) {
			rc = store_fail(base, rc, "batch rows");
			goto out;
		}
		any = 1;
	}
	if (any && (rc = ch_insert(s, "events", data.data, data.len)))
		goto out;
	for (size_t i = 0; i < n; i++)
		ret_results[i] =
		    w.st[i].dup ? STORE_WRITE_DUPLICATE : STORE_WRITE_STORED;
	if (any)
		atomic_fetch_add(&s->version, 1);
out:
	pthread_mutex_unlock(&s->write_lock);
	dynbuf_done(&data);
	free(w.st);
	free(w.clicks);
	return rc;
}

static int parts_row(void *ctx, char **f, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	/* the row's text, hashed: any change in it is a change */
	for (size_t i = 0; i < n; i++)
		for (const char *p = f[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	*(uint64_t *)ctx = h;
	return 0;
}

/* This process's commits move the version at once. Other calor nodes'
 * (and `calor` verbs') move the data parts of the tables answers are made
 * of, on whichever shard; the parts are looked at, across the cluster, at
 * most once every CH_WATCH_MS, by one thread while the others go on with
 * the version they have. A merge moves them too: a cached answer is then
 * made again, which costs time, never correctness. */
static uint64_t ch_data_version(struct store *base)
{
	struct ch_store *s = (struct ch_store *)base;
	int64_t now = calor_mono_ms();
	struct dynbuf sql;
	uint64_t seen = 0;

	if (now - atomic_load(&s->watch_ms) < CH_WATCH_MS ||
	    pthread_mutex_trylock(&s->watch_lock) != 0)
		return atomic_load(&s->version);
	atomic_store(&s->watch_ms, now);
	dynbuf_init(&sql, 4096);
	if (s->cluster[0])
		dynbuf_addf(&sql,
			    "SELECT count(), sum(rows), max(modification_time)"
			    " FROM cluster(%s, system, parts)",
			    s->cluster);
	else
		dynbuf_adds(&sql, "SELECT count(), sum(rows),"
				  " max(modification_time) FROM system.parts");
	dynbuf_addf(&sql,
		    " WHERE active AND database = '%s' AND table IN"
		    " ('events_local', 'sites_local', 'site_settings_local')",
		    s->db);
	if (sql.data &&
	    select_within(s, sql.data, parts_row, &seen, CH_WATCH_MS) == 0 &&
	    seen != s->watch_seen) {
		s->watch_seen = seen;
		atomic_fetch_add(&s->version, 1);
	}
	dynbuf_done(&sql);
	pthread_mutex_unlock(&s->watch_lock);
	return atomic_load(&s->version);
}

/* ---- what is not done yet: each fails cleanly ---- */

#define NOT_YET(base)                                                          \
	store_fail(base, CALOR_EINVAL,                                         \
		   "%s: not implemented for ClickHouse "                       \
		   "yet",                                                      \
		   __func__)

/* ---- access control's records ----
 * auth_kv rows are versions: the newest of (kind, key) counts, deleted
 * is a tombstone (ReplacingMergeTree(version) keeps only the newest when
 * it merges; reads take argMax, so they never wait for a merge). */

struct kv_found {
	int64_t n, expires_ms, deleted;
	char *value; /* malloc'd */
};

static int kv_row(void *ctx, char **f, size_t n)
{
	struct kv_found *k = ctx;

	if (n < 4)
		return CALOR_ESTORE;
	k->n = strtoll(f[0], NULL, 10);
	k->expires_ms = strtoll(f[2], NULL, 10);
	k->deleted = strtoll(f[3], NULL, 10);
	free(k->value);
	return (k->value = strdup(f[1])) ? 0 : CALOR_ENOMEM;
}

/* The newest version of (kind, key); k->n is 0 when there is none. */
static int kv_read(struct ch_store *s, const char *kind, const char *key,
		   struct kv_found *k)
{
	struct dynbuf sql;
	int rc;

	dynbuf_init(&sql, 8192);
	rc = dynbuf_adds(&sql, "SELECT count(), argMax(value, version),"
			       " argMax(expires_ms, version),"
			       " argMax(deleted, version) FROM ");
	if (!rc)
		rc = ch_table(s, &sql, "auth_kv");
	if (!rc)
		rc = dynbuf_adds(&sql, " WHERE kind = ");
	if (!rc)
		rc = ch_quote(&sql, kind);
	if (!rc)
		rc = dynbuf_adds(&sql, " AND key = ");
	if (!rc)
		rc = ch_quote(&sql, key);
	rc = rc ? store_fail(&s->base, rc, "record query")
		: ch_select(s, sql.data, kv_row, k);
	dynbuf_done(&sql);
	return rc;
}

static int kv_write(struct ch_store *s, const char *kind, const char *key,
		    const char *value, int64_t expires_ms, int deleted)
{
	struct dynbuf row;
	int rc;

	dynbuf_init(&row, 8192);
	rc = ch_tsv(&row, kind);
	if (!rc)
		rc = dynbuf_adds(&row, "\t");
	if (!rc)
		rc = ch_tsv(&row, key);
	if (!rc)
		rc = dynbuf_adds(&row, "\t");
	if (!rc)
		rc = ch_tsv(&row, value);
	if (!rc)
		rc = dynbuf_addf(&row, "\t%lld\t%d\t%llu\n",
				 (long long)expires_ms, deleted,
				 (unsigned long long)row_version());
	rc = rc ? store_fail(&s->base, rc, "record row")
		: ch_insert(s, "auth_kv", row.data, row.len);
	dynbuf_done(&row);
	return rc;
}

static int ch_kv_put(struct store *base, const char *kind, const char *key,
		     const char *value, int64_t expires_ms, int replace)
{
	struct ch_store *s = (struct ch_store *)base;
	struct kv_found k = {0};
	int64_t now = calor_now_ms();
	int rc;

	if (!replace) {
		/* read, then write: two nodes creating one key at the same
		 * moment both succeed and the later write wins (users and
		 * tokens are made by hand; sessions have random keys) */
		if ((rc = kv_read(s, kind, key, &k)))
			goto out;
		if (k.n && !k.deleted &&
		    (k.expires_ms == 0 || k.expires_ms > now)) {
			rc = CALOR_EEXIST;
			goto out;
		}
	}
	rc = kv_write(s, kind, key, value, expires_ms, 0);
out:
	free(k.value);
	return rc;
}

static int ch_kv_get(struct store *base, const char *kind, const char *key,
		     int64_t now_ms, char *ret_value, size_t size)
{
	struct kv_found k = {0};
	int rc = kv_read((struct ch_store *)base, kind, key, &k);

	if (rc)
		goto out;
	if (!k.n || k.deleted || (k.expires_ms && k.expires_ms <= now_ms))
		rc = CALOR_ENOTFOUND;
	else if (strlen(k.value) >= size)
		rc = CALOR_ETOOBIG;
	else
		str_copy(ret_value, k.value, size);
out:
	free(k.value);
	return rc;
}

static int ch_kv_delete(struct store *base, const char *kind, const char *key)
{
	return kv_write((struct ch_store *)base, kind, key, "", 0, 1);
}

static int ch_purge(struct store *base, const struct store_pageview_sel *sel,
		    int64_t drop_before_ms, const atomic_int *stop,
		    struct store_purge_stats *ret_stats)
{
	(void)sel, (void)drop_before_ms, (void)stop, (void)ret_stats;
	return NOT_YET(base);
}

/* ---- open / close ---- */

static void ch_close(struct store *base)
{
	struct ch_store *s = (struct ch_store *)base;

	if (!s)
		return;
	for (size_t i = 0; i < s->n_pool; i++)
		curl_easy_cleanup(s->pool[i]);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_mutex_destroy(&s->write_lock);
	pthread_mutex_destroy(&s->watch_lock);
	free(s);
}

static const struct store_ops clickhouse_ops = {
    .name = "clickhouse",
    .close = ch_close,
    .site_add = ch_site_add,
    .sites_load = ch_sites_load,
    .write_batches = ch_write_batches,
    .pages_list = ch_pages_list,
    .clicks_scan = ch_clicks_scan,
    .sample = ch_sample,
    .grid_scan = ch_grid_scan,
    .grid_widths = ch_grid_widths,
    .export_site = ch_export_site,
    .data_version = ch_data_version,
    .scroll_scan = ch_scroll_scan,
    .clicks_attrs_scan = ch_clicks_attrs_scan,
    .site_set = ch_site_set,
    .elements_scan = ch_elements_scan,
    .click_examples = ch_click_examples,
    .pageviews_scan = ch_pageviews_scan,
    .goals_list = ch_goals_list,
    .kv_put = ch_kv_put,
    .kv_get = ch_kv_get,
    .kv_delete = ch_kv_delete,
    .site_update = ch_site_update,
    .purge = ch_purge,
};

int store_clickhouse_open(const char *spec, struct store **ret_store, char *err,
			  size_t err_size)
{
	struct store_clickhouse_spec sp;
	struct ch_store *s;
	uint64_t start;
	int rc;

	if (store_clickhouse_spec_parse(spec, &sp)) {
		snprintf(err, err_size,
			 "expected clickhouse://HOST:PORT/DB[?cluster=NAME]");
		return CALOR_EINVAL;
	}
	if (sodium_init() < 0) {
		snprintf(err, err_size, "libsodium failed to initialise");
		return CALOR_EIO;
	}
	pthread_once(&curl_once, curl_start);
	if (!(s = calloc(1, sizeof(*s))))
		return CALOR_ENOMEM;
	s->base.ops = &clickhouse_ops;
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_mutex_init(&s->write_lock, NULL);
	pthread_mutex_init(&s->watch_lock, NULL);
	atomic_init(&s->watch_ms, INT64_MIN / 2);
	randombytes_buf(&start, sizeof(start));
	atomic_init(&s->version, start);
	s->read_timeout_ms = CH_READ_TIMEOUT_MS;
	s->write_timeout_ms = CH_WRITE_TIMEOUT_MS;
	snprintf(s->url, sizeof(s->url), "http://%s:%d/", sp.host, sp.port);
	str_copy(s->db, sp.db, sizeof(s->db));
	str_copy(s->cluster, sp.cluster, sizeof(s->cluster));
	if ((rc = schema_apply(s))) {
		snprintf(err, err_size, "%s", s->base.last_error);
		ch_close(&s->base);
		return rc;
	}
	*ret_store = &s->base;
	return 0;
}
