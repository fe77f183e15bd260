/* SPDX-License-Identifier: MIT */
/* store_clickhouse: the scale-out backend.
 * The spec clickhouse://HOST:PORT/DB[?cluster=NAME], sites and their
 * settings, access records, open and close (the schema is made and
 * migrated at open: store_clickhouse_schema.c). SQL travels by
 * store_clickhouse_http.c; writes are in store_clickhouse_write.c,
 * reads in store_clickhouse_read.c. How to run it
 * and why it is shaped so: docs/deploy.md. */
#include "store_clickhouse_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the spec ---- */

#define SPEC_FORM                                                              \
	"clickhouse://HOST:PORT/DB[?cluster=NAME[&shards=HOST:PORT,...]]"

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

/* HOST:PORT in [p, end): a name or IPv4 address ([A-Za-z0-9.-]), or an
 * IPv6 address in brackets; PORT 1..65535. */
static int host_port_parse(const char *p, const char *end, char *host,
			   size_t host_size, int *ret_port)
{
	const char *colon, *q;
	char num[8];
	int64_t port;

	if (p < end && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close || close == p + 1)
			return CALOR_EINVAL;
		for (q = p + 1; q < close; q++)
			if (!((*q >= '0' && *q <= '9') ||
			      (*q >= 'a' && *q <= 'f') ||
			      (*q >= 'A' && *q <= 'F') || *q == ':' ||
			      *q == '.'))
				return CALOR_EINVAL;
		colon = close + 1;
		if (colon >= end || *colon != ':')
			return CALOR_EINVAL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		if (!colon || colon == p)
			return CALOR_EINVAL;
		for (q = p; q < colon; q++)
			if (!((*q >= 'a' && *q <= 'z') ||
			      (*q >= 'A' && *q <= 'Z') ||
			      (*q >= '0' && *q <= '9') || *q == '.' ||
			      *q == '-'))
				return CALOR_EINVAL;
	}
	if ((size_t)(colon - p) >= host_size ||
	    (size_t)(colon - p) > CH_HOST_MAX)
		return CALOR_EINVAL;
	if (end - colon - 1 < 1 || (size_t)(end - colon - 1) >= sizeof(num))
		return CALOR_EINVAL;
	memcpy(num, colon + 1, (size_t)(end - colon - 1));
	num[end - colon - 1] = '\0';
	if (parse_int64(num, 1, 65535, &port))
		return CALOR_EINVAL;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	*ret_port = (int)port;
	return 0;
}

/* shards=H:P,H:P,... in [p, end) into sp. */
static int shards_parse(const char *p, const char *end,
			struct store_clickhouse_spec *sp, char *err,
			size_t err_size)
{
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;

		if (sp->n_shards == STORE_CH_MAX_SHARDS) {
			snprintf(err, err_size, "shards=: at most %d servers",
				 STORE_CH_MAX_SHARDS);
			return CALOR_EINVAL;
		}
		if (host_port_parse(p, e, sp->shards[sp->n_shards].host,
				    sizeof(sp->shards[0].host),
				    &sp->shards[sp->n_shards].port)) {
			snprintf(
			    err, err_size,
			    "shards=: \"%.*s\" is not HOST:PORT (each "
			    "shard server's HTTP address, comma-separated)",
			    (int)(e - p < 80 ? e - p : 80), p);
			return CALOR_EINVAL;
		}
		for (size_t i = 0; i < sp->n_shards; i++)
			if (strcmp(sp->shards[i].host,
				   sp->shards[sp->n_shards].host) == 0 &&
			    sp->shards[i].port ==
				sp->shards[sp->n_shards].port) {
				snprintf(err, err_size,
					 "shards=: %.*s is listed twice",
					 (int)(e - p < 80 ? e - p : 80), p);
				return CALOR_EINVAL;
			}
		sp->n_shards++;
		if (comma && comma + 1 == end) {
			snprintf(err, err_size, "shards=: ends with a comma");
			return CALOR_EINVAL;
		}
		p = comma ? comma + 1 : end;
	}
	if (!sp->n_shards) {
		snprintf(err, err_size, "shards=: empty");
		return CALOR_EINVAL;
	}
	return 0;
}

int ch_spec_parse(const char *spec, struct store_clickhouse_spec *ret_spec,
		  char *err, size_t err_size)
{
	struct store_clickhouse_spec *sp;
	const char *host, *slash, *db, *qs;
	char dummy[8];
	int rc = CALOR_EINVAL;

	if (!err) {
		err = dummy;
		err_size = sizeof(dummy);
	}
	err[0] = '\0';
	/* the spec is large (the shard list): built on the heap */
	if (!(sp = calloc(1, sizeof(*sp))))
		return CALOR_ENOMEM;
	if (strncmp(spec, "clickhouse://", 13) != 0)
		goto bad;
	host = spec + 13;
	/* the first '/' after the host (an IPv6 address has none) */
	slash = strchr(host, '/');
	if (!slash || host_port_parse(host, slash, sp->host, sizeof(sp->host),
				      &sp->port)) {
		snprintf(err, err_size,
			 "expected " SPEC_FORM
			 " (HOST:PORT the HTTP interface)");
		goto out;
	}
	db = slash + 1;
	qs = strchr(db, '?');
	if (!name_ok(db, qs ? (size_t)(qs - db) : strlen(db))) {
		snprintf(err, err_size,
			 "DB is 1..%d of [A-Za-z0-9_], not starting with a "
			 "digit",
			 CH_NAME_MAX);
		goto out;
	}
	memcpy(sp->db, db, qs ? (size_t)(qs - db) : strlen(db));
	for (const char *p = qs; p && *p;) {
		const char *amp, *end, *value;

		p++; /* '?' or '&' */
		amp = strchr(p, '&');
		end = amp ? amp : p + strlen(p);
		value = memchr(p, '=', (size_t)(end - p));
		if (value && value - p == 7 && strncmp(p, "cluster", 7) == 0) {
			if (sp->cluster[0] ||
			    !name_ok(value + 1, (size_t)(end - value - 1))) {
				snprintf(err, err_size,
					 "cluster= is one name of "
					 "[A-Za-z0-9_], given once");
				goto out;
			}
			memcpy(sp->cluster, value + 1,
			       (size_t)(end - value - 1));
		} else if (value && value - p == 6 &&
			   strncmp(p, "shards", 6) == 0) {
			if (sp->n_shards) {
				snprintf(err, err_size,
					 "shards= is given once");
				goto out;
			}
			if (shards_parse(value + 1, end, sp, err, err_size))
				goto out;
		} else {
			snprintf(
			    err, err_size,
			    "unknown parameter \"%.*s\" (expected " SPEC_FORM
			    ")",
			    (int)(end - p < 40 ? end - p : 40), p);
			goto out;
		}
		p = end;
	}
	if (sp->n_shards && !sp->cluster[0]) {
		snprintf(err, err_size,
			 "shards= lists the servers of a cluster: it needs "
			 "cluster=NAME");
		goto out;
	}
	*ret_spec = *sp;
	rc = 0;
	goto out;
bad:
	snprintf(err, err_size, "expected " SPEC_FORM);
out:
	free(sp);
	return rc;
}

int store_clickhouse_spec_parse(const char *spec,
				struct store_clickhouse_spec *ret_spec)
{
	return ch_spec_parse(spec, ret_spec, NULL, 0) ? CALOR_EINVAL : 0;
}

/* ---- sites ---- */

/* A version for ReplacingMergeTree(version) rows: later writes win, by the
 * clock (µs) of the node that wrote them. */
uint64_t ch_row_version(void)
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
				 (unsigned long long)ch_row_version());
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

static int ch_sites_load(struct store *base, struct store_site **ret_sites,
			 size_t *ret_n);

/* Settings first, the site row last: a create cut short leaves settings
 * rows of an id no site has, which nothing reads, never a site without
 * its settings. */
static int ch_site_create(struct store *base, const struct store_site *in,
			  struct store_site *ret_site)
{
	struct ch_store *s = (struct ch_store *)base;
	struct store_site site = *in, *sites = NULL;
	struct store_site_config def;
	struct dynbuf rows;
	size_t n = 0;
	uint64_t id;
	int rc;

	if ((rc = store_site_check(base, &site)))
		return rc;
	if ((rc = ch_sites_load(base, &sites, &n)))
		return rc;
	for (size_t i = 0; i < n; i++)
		if (strcmp(sites[i].key, site.key) == 0)
			rc = store_fail(base, CALOR_EEXIST,
					"a site with key %s exists", site.key);
	free(sites);
	if (rc)
		return rc;
	do {
		randombytes_buf(&id, sizeof(id));
		id &= (1ULL << 53) - 1;
	} while (id == 0);
	site.id = (int64_t)id;
	store_config_defaults(&def);
	dynbuf_init(&rows, 65536);
	for (const struct store_config_key *k = store_config_keys;
	     !rc && k->name; k++) {
		int32_t v = store_config_get(&site.cfg, k);
		if (v != store_config_get(&def, k))
			rc = dynbuf_addf(&rows, "%lld\t%s\t%d\t%llu\n",
					 (long long)site.id, k->name, v,
					 (unsigned long long)ch_row_version());
	}
	if (rc)
		rc = store_fail(base, rc, "setting rows");
	else if (rows.len)
		rc = ch_insert(s, "site_settings", rows.data, rows.len);
	dynbuf_done(&rows);
	if (!rc)
		rc = site_row_insert(s, &site);
	if (rc)
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

/* The sites and their settings, within CH_SITES_TIMEOUT_MS, not the read
 * timeout: the API reloads them on a /collect request's thread every 10 s
 * (api_collect.c), and a ClickHouse that does not answer must get that
 * request its 503 before HTTP's deadline, not hold the thread for 30 s. */
static int ch_sites_load(struct store *base, struct store_site **ret_sites,
			 size_t *ret_n)
{
	struct ch_store *s = (struct ch_store *)base;
	struct sites_acc a = {0};
	struct dynbuf sql;
	int rc;

	if ((rc = ch_ping(s)))
		return rc;
	dynbuf_init(&sql, 4096);
	rc = dynbuf_adds(
	    &sql, "SELECT id, argMax(key, version), argMax(name, version),"
		  " argMax(created_ms, version),"
		  " arrayStringConcat(arraySort(argMax(origins, version)), ' ')"
		  " FROM ");
	if (!rc)
		rc = ch_table(s, &sql, "sites");
	if (!rc)
		rc = dynbuf_adds(&sql, " GROUP BY id ORDER BY id");
	if (!rc)
		rc = ch_select_within(s, sql.data, site_row, &a,
				      CH_SITES_TIMEOUT_MS);
	if (!rc) {
		dynbuf_clear(&sql);
		rc = dynbuf_adds(&sql, "SELECT site_id, name,"
				       " argMax(value, version) FROM ");
		if (!rc)
			rc = ch_table(s, &sql, "site_settings");
		if (!rc)
			rc = dynbuf_adds(&sql, " GROUP BY site_id, name");
		if (!rc)
			rc = ch_select_within(s, sql.data, setting_row, &a,
					      CH_SITES_TIMEOUT_MS);
	}
	ch_seen(s, rc);
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
			 value, (unsigned long long)ch_row_version());
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

int ch_kv_write(struct ch_store *s, const char *kind, const char *key,
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
				 (unsigned long long)ch_row_version());
	rc = rc ? store_fail(&s->base, rc, "record row")
		: ch_insert(s, "auth_kv", row.data, row.len);
	dynbuf_done(&row);
	return rc;
}

/* How long a create waits before it checks it was not raced (ch_kv_put) */
#define KV_SETTLE_MS 1000

static int ch_kv_put(struct store *base, const char *kind, const char *key,
		     const char *value, int64_t expires_ms, int replace)
{
	struct ch_store *s = (struct ch_store *)base;
	struct kv_found k = {0};
	int64_t now = calor_now_ms();
	int rc;

	if (!replace) {
		if ((rc = kv_read(s, kind, key, &k)))
			goto out;
		if (k.n && !k.deleted &&
		    (k.expires_ms == 0 || k.expires_ms > now)) {
			rc = CALOR_EEXIST;
			goto out;
		}
	}
	if ((rc = ch_kv_write(s, kind, key, value, expires_ms, 0)) || replace)
		goto out;
	/* ClickHouse has no compare-and-set: two nodes that both read the
	 * key absent both write it, and reads take the newer row. Each
	 * racer's write lands within moments of its read, so after
	 * KV_SETTLE_MS every racer sees every racing row: the one whose row
	 * is not the newest learns it lost (the share secret of nodes
	 * started together, a user added from two machines at once) */
	calor_sleep_ms(KV_SETTLE_MS);
	if ((rc = kv_read(s, kind, key, &k)))
		goto out;
	if (k.n && !k.deleted && strcmp(k.value, value) != 0)
		rc = CALOR_EEXIST;
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
	return ch_kv_write((struct ch_store *)base, kind, key, "", 0, 1);
}

/* ---- open / close ---- */

static void ch_close(struct store *base)
{
	struct ch_store *s = (struct ch_store *)base;

	if (!s)
		return;
	ch_http_close(s);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_mutex_destroy(&s->write_lock);
	pthread_mutex_destroy(&s->watch_lock);
	pthread_mutex_destroy(&s->purge_lock);
	free(s->shard_urls);
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
    .site_create = ch_site_create,
    .purge = ch_purge,
};

int store_clickhouse_open(const char *spec, struct store **ret_store, char *err,
			  size_t err_size)
{
	struct store_clickhouse_spec *sp;
	struct ch_store *s;
	uint64_t start;
	int rc;

	if (!(sp = malloc(sizeof(*sp))))
		return CALOR_ENOMEM;
	if ((rc = ch_spec_parse(spec, sp, err, err_size))) {
		free(sp);
		return rc;
	}
	if (sodium_init() < 0) {
		snprintf(err, err_size, "libsodium failed to initialise");
		free(sp);
		return CALOR_EIO;
	}
	ch_http_start();
	if (!(s = calloc(1, sizeof(*s))) ||
	    (sp->n_shards &&
	     !(s->shard_urls = calloc(sp->n_shards, sizeof(*s->shard_urls))))) {
		free(s);
		free(sp);
		return CALOR_ENOMEM;
	}
	s->base.ops = &clickhouse_ops;
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_mutex_init(&s->write_lock, NULL);
	pthread_mutex_init(&s->watch_lock, NULL);
	pthread_mutex_init(&s->purge_lock, NULL);
	atomic_init(&s->watch_ms, INT64_MIN / 2);
	randombytes_buf(&start, sizeof(start));
	atomic_init(&s->version, start);
	s->read_timeout_ms = CH_READ_TIMEOUT_MS;
	s->write_timeout_ms = CH_WRITE_TIMEOUT_MS;
	s->max_result = CH_MAX_RESULT;
	s->lease_ttl_ms = CH_LEASE_TTL_MS;
	s->lease_settle_ms = CH_LEASE_SETTLE_MS;
	s->lease_wait_ms = CH_LEASE_WAIT_MS;
	s->mutation_wait_ms = CH_MUTATION_WAIT_MS;
	snprintf(s->url, sizeof(s->url), "http://%s:%d/", sp->host, sp->port);
	str_copy(s->db, sp->db, sizeof(s->db));
	str_copy(s->cluster, sp->cluster, sizeof(s->cluster));
	s->port = sp->port;
	s->n_shards = sp->n_shards;
	for (size_t i = 0; i < sp->n_shards; i++)
		snprintf(s->shard_urls[i], sizeof(s->shard_urls[i]),
			 "http://%s:%d/", sp->shards[i].host,
			 sp->shards[i].port);
	store_random_key(s->node_id, 16);
	free(sp);
	if ((rc = ch_schema_apply(s))) {
		snprintf(err, err_size, "%s", s->base.last_error);
		ch_close(&s->base);
		return rc;
	}
	*ret_store = &s->base;
	return 0;
}
