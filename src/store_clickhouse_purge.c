/* SPDX-License-Identifier: MIT */
/* store_clickhouse_purge: retention and erasure for the ClickHouse
 * backend. The selected page views (a site's started before a time, one
 * session's, those started in a range of days) are read first, in chunks;
 * each chunk is counted, taken off the pre-aggregated grids and deleted
 * with everything under it (clicks, move points, goals, batch records)
 * from every server's events_local (and batches_local, pageviews_local)
 * by a mutation,
 * ALTER TABLE ... DELETE WHERE (page, pv) IN (a literal list), which is
 * then waited for in system.mutations. Only one calor node purges at a
 * time: a lease in auth_kv. Why it is so: docs/deploy.md, "Retention and
 * erase". */
#include "store_clickhouse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* page views per mutation: each is a tuple of the IN list, three AST
 * elements, and 18.16 refuses a query of more than 50,000 (max_ast_elements;
 * checked: 10,000 pass, 16,000 do not) */
#define PURGE_MAX_PV   10000
#define PURGE_MAX_LIST (2u * 1024 * 1024) /* their list's SQL, about */
#define LEASE_KIND     "purge_lease"
#define NAP_MS	       100  /* stop is looked at this often while waiting */
#define POLL_MAX_MS    1000 /* system.mutations looked at this often, at least */
#define LEASE_RETRY_MS 1000 /* erase looks at another's lease this often */

typedef char ch_url[CH_HOST_MAX + 16];

struct purge {
	struct ch_store *s;
	const struct store_pageview_sel *sel;
	const atomic_int *stop;
	int erase;    /* store_erase(): waits for another node's purge */
	ch_url *urls; /* every server whose events_local is mutated */
	size_t n_urls;
	int64_t claim;	     /* our lease claim: the earliest live one wins */
	int64_t renewed_ms;  /* monotonic time of the last write of it */
	int held;	     /* our claim is written (and must be released) */
	struct dynbuf where; /* the chunk: "site_id = S AND (page, pv) IN" */
	size_t n_chunk;	     /* page views in it */
	int cut;	     /* the chunk's list is full */
	uint64_t last_hash;  /* the previous chunk's list, hashed */
	struct store_purge_stats n;
};

static int stopped(const struct purge *p)
{
	return p->stop && atomic_load(p->stop);
}

/* Sleep ms, looking at stop every NAP_MS: CALOR_ESHUTDOWN once it is set. */
static int nap(const struct purge *p, long ms)
{
	while (ms > 0) {
		long step = ms < NAP_MS ? ms : NAP_MS;

		if (stopped(p))
			return CALOR_ESHUTDOWN;
		calor_sleep_ms(step);
		ms -= step;
	}
	return stopped(p) ? CALOR_ESHUTDOWN : 0;
}

/* "2026-11-24 19:32:25 UTC" for messages. */
static void utc_text(int64_t ms, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, size, "%lld ms", (long long)ms);
}

/* ---- the lease ----
 * Every calor node runs the retention pass, and taking counts off the
 * grids is not idempotent: two nodes purging the same page views at once
 * would take them off twice. A node purges only while it holds the lease:
 * its row in auth_kv (kind purge_lease, key its node id, value its claim,
 * the µs clock when it claimed; expiring lease_ttl_ms after its last
 * renewal; a tombstone when released). To take it: no live claim of
 * another node; write ours; wait lease_settle_ms, so a claim another node
 * wrote meanwhile is stored; read back: the earliest live claim (then the
 * smaller node id) wins, and every node reading the same rows agrees on
 * it. The loser withdraws its claim. What is left of the race:
 * docs/deploy.md, "Retention and erase". */

struct lease_view {
	const char *me;
	int64_t now;
	int64_t mine;	     /* our live claim, 0 without */
	int others;	     /* live claims of other nodes */
	char first[24];	     /* the winning claim's node */
	int64_t first_claim; /* and its claim and expiry */
	int64_t first_expires;
};

static int lease_row(void *ctx, char **f, size_t n)
{
	struct lease_view *v = ctx;
	int64_t claim, expires;

	if (n < 4)
		return CALOR_ESTORE;
	claim = strtoll(f[1], NULL, 10);
	expires = strtoll(f[2], NULL, 10);
	if (strcmp(f[3], "0") != 0 || expires <= v->now || claim <= 0)
		return 0; /* released, or lapsed */
	if (strcmp(f[0], v->me) == 0)
		v->mine = claim;
	else
		v->others++;
	if (!v->first[0] || claim < v->first_claim ||
	    (claim == v->first_claim && strcmp(f[0], v->first) < 0)) {
		str_copy(v->first, f[0], sizeof(v->first));
		v->first_claim = claim;
		v->first_expires = expires;
	}
	return 0;
}

static int lease_read(struct purge *p, struct lease_view *v)
{
	struct dynbuf sql;
	int rc;

	memset(v, 0, sizeof(*v));
	v->me = p->s->node_id;
	v->now = calor_now_ms();
	dynbuf_init(&sql, 4096);
	rc = dynbuf_adds(&sql, "SELECT key, argMax(value, version),"
			       " argMax(expires_ms, version),"
			       " argMax(deleted, version) FROM ");
	if (!rc)
		rc = ch_table(p->s, &sql, "auth_kv");
	if (!rc)
		rc = dynbuf_adds(&sql,
				 " WHERE kind = '" LEASE_KIND "' GROUP BY key");
	rc = rc ? store_fail(&p->s->base, rc, "lease query")
		: ch_select(p->s, sql.data, lease_row, v);
	dynbuf_done(&sql);
	return rc;
}

/* Write our claim with a new expiry, or (release) its tombstone. */
static int lease_write(struct purge *p, int release)
{
	char value[32];
	int rc;

	snprintf(value, sizeof(value), "%lld", (long long)p->claim);
	rc = ch_kv_write(p->s, LEASE_KIND, p->s->node_id, release ? "" : value,
			 release ? 0 : calor_now_ms() + p->s->lease_ttl_ms,
			 release);
	if (!rc)
		p->renewed_ms = calor_mono_ms();
	return rc;
}

/* Withdraw our claim, keeping the store's last error (a claim that
 * cannot be withdrawn lapses after lease_ttl_ms). */
static void lease_release(struct purge *p)
{
	char keep[sizeof(p->s->base.last_error)];

	if (!p->held)
		return;
	memcpy(keep, p->s->base.last_error, sizeof(keep));
	if (lease_write(p, 1))
		log_warn("purge: the lease could not be released (it lapses "
			 "in %ld s): %s",
			 p->s->lease_ttl_ms / 1000,
			 store_last_error(&p->s->base));
	memcpy(p->s->base.last_error, keep, sizeof(keep));
	p->held = 0;
}

static int lease_busy(struct purge *p, const struct lease_view *v,
		      int64_t waited_ms)
{
	char until[40];

	utc_text(v->first_expires, until, sizeof(until));
	if (!p->erase)
		return store_fail(&p->s->base, CALOR_EBUSY,
				  "another calor node (%s) is purging (its "
				  "lease runs until %s at the latest): this "
				  "node's retention pass is skipped",
				  v->first, until);
	return store_fail(&p->s->base, CALOR_EBUSY,
			  "another calor node (%s) is purging (its lease runs "
			  "until %s at the latest); waited %lld s: try again "
			  "later",
			  v->first, until, (long long)(waited_ms / 1000));
}

static int lease_acquire(struct purge *p)
{
	int64_t start = calor_mono_ms();
	struct lease_view v;
	int rc;

	for (;;) {
		if ((rc = lease_read(p, &v)))
			return rc;
		if (!v.others) {
			p->claim = (int64_t)ch_row_version();
			if ((rc = lease_write(p, 0)))
				return rc;
			p->held = 1;
			if ((rc = nap(p, p->s->lease_settle_ms)) ||
			    (rc = lease_read(p, &v)))
				return rc;
			if (v.mine == p->claim &&
			    strcmp(v.first, p->s->node_id) == 0)
				return 0;
			/* another node claimed meanwhile, earlier */
			lease_release(p);
			if (!v.others)
				return store_fail(&p->s->base, CALOR_ESTORE,
						  "purge lease: our claim was "
						  "not read back");
		}
		if (!p->erase || calor_mono_ms() - start >= p->s->lease_wait_ms)
			return lease_busy(p, &v, calor_mono_ms() - start);
		if ((rc = nap(p, LEASE_RETRY_MS)))
			return rc;
	}
}

/* Renew the lease when a quarter of its time has gone. */
static int lease_renew(struct purge *p)
{
	if (calor_mono_ms() - p->renewed_ms < p->s->lease_ttl_ms / 4)
		return 0;
	return lease_write(p, 0);
}

/* Before the grids are changed: the lease is still ours (a node that
 * could not renew in time may have lost it). */
static int lease_check(struct purge *p)
{
	struct lease_view v;
	int rc;

	if ((rc = lease_renew(p)) || (rc = lease_read(p, &v)))
		return rc;
	if (v.mine != p->claim || strcmp(v.first, p->s->node_id) != 0)
		return store_fail(&p->s->base, CALOR_EBUSY,
				  "purge: the lease was lost to another calor "
				  "node (%s) before the grids were changed",
				  v.first[0] ? v.first : "none");
	return 0;
}

/* ---- the servers to delete on ----
 * Without a cluster, the spec's server. With one, every server of it
 * (each shard, each replica: events_local is not replicated) must run
 * the mutation on its own local table, and 18.16 has ON CLUSTER only with
 * ZooKeeper: calor sends it to each. Their HTTP addresses come from
 * shards= in the spec, or else from system.clusters' host names with the
 * spec's port. Either way each address is asked which entries of the
 * cluster are its own (is_local), and every entry must be someone's. */

struct cluster_entry {
	int64_t shard, replica;
	char host[CH_HOST_MAX + 1];
	const char *url; /* the address that answered as it */
};

struct entries {
	struct cluster_entry *e;
	size_t n, cap;
	const char *url; /* for local_row */
	size_t hits;
};

static int entry_row(void *ctx, char **f, size_t n)
{
	struct entries *es = ctx;
	struct cluster_entry *e;

	if (n < 3)
		return CALOR_ESTORE;
	if (es->n == es->cap) {
		size_t ncap = es->cap ? es->cap * 2 : 8;
		void *grown = realloc(es->e, ncap * sizeof(*es->e));
		if (!grown)
			return CALOR_ENOMEM;
		es->e = grown;
		es->cap = ncap;
	}
	e = &es->e[es->n++];
	memset(e, 0, sizeof(*e));
	e->shard = strtoll(f[0], NULL, 10);
	e->replica = strtoll(f[1], NULL, 10);
	str_copy(e->host, f[2], sizeof(e->host));
	return 0;
}

static int local_row(void *ctx, char **f, size_t n)
{
	struct entries *es = ctx;

	if (n < 2)
		return CALOR_ESTORE;
	for (size_t i = 0; i < es->n; i++)
		if (es->e[i].shard == strtoll(f[0], NULL, 10) &&
		    es->e[i].replica == strtoll(f[1], NULL, 10)) {
			if (!es->e[i].url)
				es->e[i].url = es->url;
			es->hits++;
		}
	return 0;
}

static int url_add(struct purge *p, const char *url)
{
	for (size_t i = 0; i < p->n_urls; i++)
		if (strcmp(p->urls[i], url) == 0)
			return 0;
	str_copy(p->urls[p->n_urls++], url, sizeof(p->urls[0]));
	return 0;
}

static int targets_resolve(struct purge *p)
{
	struct ch_store *s = p->s;
	struct entries es = {0};
	char sql[512];
	size_t cap;
	int rc;

	if (!s->cluster[0]) {
		if (!(p->urls = calloc(1, sizeof(*p->urls))))
			return CALOR_ENOMEM;
		return url_add(p, s->url);
	}
	snprintf(sql, sizeof(sql),
		 "SELECT shard_num, replica_num, host_name FROM system.clusters"
		 " WHERE cluster = '%s' ORDER BY shard_num, replica_num",
		 s->cluster);
	if ((rc = ch_select(s, sql, entry_row, &es)))
		goto out;
	if (!es.n) {
		rc = store_fail(&s->base, CALOR_ESTORE,
				"purge: cluster %s is not in system.clusters "
				"of %s",
				s->cluster, s->url);
		goto out;
	}
	cap = s->n_shards ? s->n_shards : es.n;
	if (!(p->urls = calloc(cap, sizeof(*p->urls)))) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cap; i++) {
		char url[sizeof(p->urls[0])];
		const char *h = s->n_shards ? NULL : es.e[i].host;

		if (h)
			snprintf(url, sizeof(url),
				 strchr(h, ':') ? "http://[%s]:%d/"
						: "http://%s:%d/",
				 h, s->port);
		url_add(p, h ? url : s->shard_urls[i]);
	}
	snprintf(sql, sizeof(sql),
		 "SELECT shard_num, replica_num FROM system.clusters WHERE"
		 " cluster = '%s' AND is_local",
		 s->cluster);
	for (size_t i = 0; i < p->n_urls; i++) {
		es.url = p->urls[i];
		es.hits = 0;
		if ((rc = ch_select_at(s, p->urls[i], sql, local_row, &es,
				       s->read_timeout_ms)))
			goto out;
		if (!es.hits && s->n_shards) {
			rc = store_fail(&s->base, CALOR_ESTORE,
					"purge: shards= names %s, which is no "
					"server of cluster %s (none of its "
					"entries in system.clusters is local "
					"there)",
					p->urls[i], s->cluster);
			goto out;
		}
	}
	for (size_t i = 0; i < es.n; i++) {
		if (es.e[i].url)
			continue;
		if (s->n_shards)
			rc = store_fail(
			    &s->base, CALOR_ESTORE,
			    "purge: cluster %s: shard %lld replica %lld (%s) "
			    "is none of the servers in shards=; list every "
			    "server's HTTP address there",
			    s->cluster, (long long)es.e[i].shard,
			    (long long)es.e[i].replica, es.e[i].host);
		else
			rc = store_fail(
			    &s->base, CALOR_ESTORE,
			    "purge: cluster %s: shard %lld replica %lld (%s) "
			    "did not answer as itself on port %d (without "
			    "shards= every server is assumed to serve HTTP "
			    "on the spec's port); give each server's HTTP "
			    "address: ?cluster=%s&shards=HOST:PORT,...",
			    s->cluster, (long long)es.e[i].shard,
			    (long long)es.e[i].replica, es.e[i].host, s->port,
			    s->cluster);
		goto out;
	}
out:
	free(es.e);
	return rc;
}

/* ---- mutations ---- */

static int count_row(void *ctx, char **f, size_t n)
{
	*(int64_t *)ctx = n ? strtoll(f[0], NULL, 10) : 0;
	return 0;
}

/* Until no mutation of events_local (or batches_local, pageviews_local)
 * is unfinished on any of the first n
 * servers: this purge's, or one an earlier purge left running (stopped,
 * or its node died; 18.16 cannot kill one). The lease is renewed
 * meanwhile. With patient unset (the start of a retention purge), an
 * unfinished mutation is CALOR_EBUSY at once: the next pass tries again. */
static int mutations_wait(struct purge *p, size_t n, int patient)
{
	struct ch_store *s = p->s;
	int64_t start = calor_mono_ms();
	long pause = 20;
	char sql[256];
	int rc;

	snprintf(sql, sizeof(sql),
		 "SELECT count() FROM system.mutations WHERE database = '%s'"
		 " AND table IN ('events_local', 'batches_local',"
		 " 'pageviews_local') AND is_done = 0",
		 s->db);
	for (size_t i = 0; i < n;) {
		int64_t left = 0;

		if ((rc = ch_select_at(s, p->urls[i], sql, count_row, &left,
				       s->read_timeout_ms)))
			return rc;
		if (!left) {
			i++;
			continue;
		}
		if (!patient)
			return store_fail(&s->base, CALOR_EBUSY,
					  "purge: %lld mutation(s) of "
					  "%s.events_local still running at "
					  "%s (system.mutations); retention "
					  "tries again next pass",
					  (long long)left, s->db, p->urls[i]);
		if (calor_mono_ms() - start >= s->mutation_wait_ms)
			return store_fail(
			    &s->base, CALOR_EUNAVAILABLE,
			    "purge: %lld mutation(s) of %s.events_local at %s "
			    "not done after %ld s; ClickHouse goes on with "
			    "them (system.mutations)",
			    (long long)left, s->db, p->urls[i],
			    s->mutation_wait_ms / 1000);
		if ((rc = lease_renew(p)) || (rc = nap(p, pause)))
			return rc;
		pause = pause * 2 > POLL_MAX_MS ? POLL_MAX_MS : pause * 2;
	}
	return 0;
}

/* ALTER TABLE db.<table>_local DELETE WHERE <the chunk> on server url:
 * events, or the batches table the write path finds duplicates in, or
 * the page views table the sample counts (their rows made from the
 * events' by materialized views, on the same server; same columns
 * site_id, page, pv). */
static int mutate(struct purge *p, const char *url, const char *table)
{
	struct dynbuf sql;
	int rc;

	dynbuf_init(&sql, CH_MAX_SQL);
	rc = dynbuf_addf(&sql, "ALTER TABLE %s.%s_local DELETE WHERE ",
			 p->s->db, table);
	if (!rc)
		rc = dynbuf_add(&sql, p->where.data, p->where.len);
	rc = rc ? store_fail(&p->s->base, rc, "purge: mutation too long")
		: ch_exec_at(p->s, url, sql.data, p->s->read_timeout_ms);
	dynbuf_done(&sql);
	return rc;
}

/* ---- one chunk ---- */

static int pick_row(void *ctx, char **f, size_t n)
{
	struct purge *p = ctx;
	int rc;

	if (n < 2)
		return CALOR_ESTORE;
	if (p->where.len > PURGE_MAX_LIST) {
		p->cut = 1;
		return 0;
	}
	rc = dynbuf_adds(&p->where, p->n_chunk ? ",(" : "(");
	if (!rc)
		rc = ch_quote(&p->where, f[0]);
	if (!rc)
		rc = dynbuf_adds(&p->where, ",");
	if (!rc)
		rc = ch_quote(&p->where, f[1]);
	if (!rc)
		rc = dynbuf_adds(&p->where, ")");
	p->n_chunk++;
	return rc;
}

/* The next chunk of selected page views into p->where; p->n_chunk 0 when
 * none is left. A page view is (page, pv) as the reads take it; its start
 * is its first batch's. */
static int chunk_pick(struct purge *p)
{
	const struct store_pageview_sel *sel = p->sel;
	struct dynbuf sql;
	int rc;

	dynbuf_clear(&p->where);
	p->n_chunk = 0;
	p->cut = 0;
	dynbuf_init(&sql, 8192);
	rc =
	    dynbuf_adds(&sql, "SELECT page, pv, argMin(ts, seq) AS p_ts FROM ");
	if (!rc)
		rc = ch_table(p->s, &sql, "events");
	if (!rc)
		rc = dynbuf_addf(&sql, " WHERE site_id = %lld AND kind = %d",
				 (long long)sel->site_id, CH_KIND_BATCH);
	if (!rc && sel->session) {
		/* a page view with batches of the session */
		rc = dynbuf_adds(&sql, " AND session = ");
		if (!rc)
			rc = ch_quote(&sql, sel->session);
	}
	if (!rc)
		rc = dynbuf_adds(&sql, " GROUP BY page, pv HAVING 1");
	if (!rc && sel->from_ms != INT64_MIN)
		rc = dynbuf_addf(&sql, " AND p_ts >= %lld",
				 (long long)sel->from_ms);
	if (!rc && sel->to_ms != INT64_MAX)
		rc = dynbuf_addf(&sql, " AND p_ts < %lld",
				 (long long)sel->to_ms);
	if (!rc)
		rc = dynbuf_addf(&sql, " ORDER BY page, pv LIMIT %d",
				 PURGE_MAX_PV);
	if (!rc)
		rc =
		    dynbuf_addf(&p->where, "site_id = %lld AND (page, pv) IN (",
				(long long)sel->site_id);
	rc = rc ? store_fail(&p->s->base, rc, "purge: selection query")
		: ch_select(p->s, sql.data, pick_row, p);
	if (!rc)
		rc = dynbuf_adds(&p->where, ")");
	if (rc == CALOR_ETOOBIG || rc == CALOR_ENOMEM)
		rc = store_fail(&p->s->base, rc, "purge: page view list");
	dynbuf_done(&sql);
	return rc;
}

static int counts_row(void *ctx, char **f, size_t n)
{
	int64_t *v = ctx;

	for (size_t i = 0; i < n && i < 4; i++)
		v[i] = strtoll(f[i], NULL, 10);
	return 0;
}

/* What the chunk holds, counted before it is deleted: each row once
 * (a batch two nodes stored at once is there twice until a merge). */
static int chunk_count(struct purge *p, struct store_purge_stats *c)
{
	int64_t v[4] = {0}, tags = 0;
	struct dynbuf sql;
	int rc;

	dynbuf_init(&sql, CH_MAX_SQL);
	rc = dynbuf_addf(&sql,
			 "SELECT uniqExactIf(page, pv, seq, kind = %d),"
			 " uniqExactIf(page, pv, seq, idx, kind = %d),"
			 " uniqExactIf(page, pv, seq, idx, kind = %d),"
			 " uniqExactIf(page, pv, seq, idx, kind = %d) FROM ",
			 CH_KIND_BATCH, CH_KIND_CLICK, CH_KIND_MOVE,
			 CH_KIND_GOAL);
	if (!rc)
		rc = ch_table(p->s, &sql, "events");
	if (!rc)
		rc = dynbuf_adds(&sql, " WHERE ");
	if (!rc)
		rc = dynbuf_add(&sql, p->where.data, p->where.len);
	rc = rc ? store_fail(&p->s->base, rc, "purge: count query")
		: ch_select(p->s, sql.data, counts_row, v);
	/* tags: a page view's keys (SQLite keeps one row per key) */
	if (!rc) {
		dynbuf_clear(&sql);
		rc = dynbuf_adds(&sql, "SELECT sum(k) FROM (SELECT"
				       " uniqExactArray(tag_keys) AS k FROM ");
		if (!rc)
			rc = ch_table(p->s, &sql, "events");
		if (!rc)
			rc = dynbuf_adds(&sql, " WHERE ");
		if (!rc)
			rc = dynbuf_add(&sql, p->where.data, p->where.len);
		if (!rc)
			rc = dynbuf_addf(&sql,
					 " AND kind = %d GROUP BY page, pv)",
					 CH_KIND_BATCH);
		rc = rc ? store_fail(&p->s->base, rc, "purge: tag query")
			: ch_select(p->s, sql.data, count_row, &tags);
	}
	dynbuf_done(&sql);
	if (rc)
		return rc;
	*c = (struct store_purge_stats){.pageviews = (int64_t)p->n_chunk,
					.batches = v[0],
					.clicks = v[1],
					.moves = v[2],
					.goals = v[3],
					.tags = tags,
					/* each one taken off its cells */
					.grid_events = v[1] + v[2]};
	return 0;
}

static void stats_add(struct store_purge_stats *a,
		      const struct store_purge_stats *b)
{
	a->pageviews += b->pageviews;
	a->clicks += b->clicks;
	a->moves += b->moves;
	a->goals += b->goals;
	a->tags += b->tags;
	a->batches += b->batches;
	a->grid_rows += b->grid_rows;
	a->grid_events += b->grid_events;
}

/* The chunk's counts were taken off the first n_tables grid tables, but
 * its delete reached only the first `sent` servers (an error, in the
 * store's last error): once those have done their part, put back the
 * counts of the chunk's events still stored, so grids and events agree.
 * The last error says whether that worked. */
static void grids_restore(struct purge *p, size_t sent, size_t n_tables)
{
	struct ch_store *s = p->s;
	const atomic_int *stop = p->stop;
	char first[sizeof(s->base.last_error)];
	int err = 0, rc;

	memcpy(first, s->base.last_error, sizeof(first));
	p->stop = NULL; /* this wait is short and must not be cut */
	rc = mutations_wait(p, sent, 1);
	p->stop = stop;
	if (!rc)
		rc = ch_grids_change(s, p->where.data, 1, n_tables, NULL);
	if (rc) {
		log_error("purge: site %lld: the grids no longer count the "
			  "events of %zu page views that are still stored "
			  "(the delete failed: %s; putting the counts back "
			  "failed: %s)",
			  (long long)p->sel->site_id, p->n_chunk, first,
			  store_last_error(&s->base));
		err = 1;
	}
	if (err)
		store_fail(&s->base, CALOR_ESTORE,
			   "%.190s; the grids could not be put back (logged)",
			   first);
	else if (sent)
		store_fail(&s->base, CALOR_ESTORE,
			   "%.180s; deleted on %zu of %zu servers only, the "
			   "grids count what is left",
			   first, sent, p->n_urls);
	else
		store_fail(&s->base, CALOR_ESTORE, "%.220s; nothing deleted",
			   first);
}

static uint64_t where_hash(const struct purge *p)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < p->where.len; i++)
		h = (h ^ (unsigned char)p->where.data[i]) * 0x100000001b3ULL;
	return h;
}

/* One chunk: picked, counted, off the grids, deleted on every server and
 * waited for. *ret_more: there may be more. */
static int chunk_purge(struct purge *p, int *ret_more)
{
	struct store_purge_stats c;
	uint64_t hash;
	size_t i, done = 0;
	int rc;

	*ret_more = 0;
	if (stopped(p))
		return CALOR_ESHUTDOWN;
	if ((rc = chunk_pick(p)) || !p->n_chunk)
		return rc;
	/* the same page views again after their delete was done: rows on a
	 * server this purge does not reach; never take them off twice */
	if ((hash = where_hash(p)) == p->last_hash)
		return store_fail(&p->s->base, CALOR_ESTORE,
				  "purge: page views of site %lld are still "
				  "stored after their delete finished (a "
				  "server of the cluster not reached?)",
				  (long long)p->sel->site_id);
	p->last_hash = hash;
	if ((rc = chunk_count(p, &c)) || (rc = lease_check(p)))
		return rc;
	/* from here to the last mutation sent, stop is not looked at: the
	 * grids and the events change together */
	if ((rc = ch_grids_change(p->s, p->where.data, -1, SIZE_MAX, &done))) {
		if (done)
			grids_restore(p, 0, done);
		return rc;
	}
	for (i = 0; i < p->n_urls; i++) {
		if ((rc = mutate(p, p->urls[i], "events"))) {
			grids_restore(p, i, SIZE_MAX);
			return rc;
		}
		/* the batch records, so a page view sent again is stored
		 * again (its events are going on this server already), and
		 * the page view rows the sample counts */
		if ((rc = mutate(p, p->urls[i], "batches")) ||
		    (rc = mutate(p, p->urls[i], "pageviews"))) {
			grids_restore(p, i + 1, SIZE_MAX);
			return rc;
		}
	}
	stats_add(&p->n, &c);
	atomic_fetch_add(&p->s->version, 1);
	if ((rc = mutations_wait(p, p->n_urls, 1)))
		return rc;
	atomic_fetch_add(&p->s->version, 1);
	*ret_more = p->cut || p->n_chunk == PURGE_MAX_PV;
	return 0;
}

/* ---- the operation ---- */

int ch_purge(struct store *base, const struct store_pageview_sel *sel,
	     int64_t drop_before_ms, const atomic_int *stop,
	     struct store_purge_stats *ret_stats)
{
	struct ch_store *s = (struct ch_store *)base;
	struct purge p = {
	    .s = s, .sel = sel, .stop = stop, .erase = drop_before_ms == 0};
	int rc, more = 1;

	if (stopped(&p))
		return store_fail(base, CALOR_ESHUTDOWN, "purge: stopped");
	pthread_mutex_lock(&s->purge_lock);
	dynbuf_init(&p.where, CH_MAX_SQL);
	/* nothing selected: no lease, no mutation */
	if ((rc = chunk_pick(&p)) || !p.n_chunk)
		goto out;
	if ((rc = targets_resolve(&p)) || (rc = lease_acquire(&p)) ||
	    (rc = mutations_wait(&p, p.n_urls, p.erase)))
		goto out;
	while (!rc && more)
		rc = chunk_purge(&p, &more);
out:
	if (rc && rc != CALOR_ESHUTDOWN &&
	    strncmp(base->last_error, "purge", 5) != 0) {
		char detail[sizeof(base->last_error)];
		memcpy(detail, base->last_error, sizeof(detail));
		store_fail(base, rc, "purge: %.240s", detail);
	}
	if (rc == CALOR_ESHUTDOWN && p.n.pageviews)
		store_fail(base, rc,
			   "purge: stopped after %lld page views (a delete "
			   "already sent goes on in ClickHouse)",
			   (long long)p.n.pageviews);
	else if (rc == CALOR_ESHUTDOWN)
		store_fail(base, rc, "purge: stopped before deleting anything");
	lease_release(&p);
	pthread_mutex_unlock(&s->purge_lock);
	dynbuf_done(&p.where);
	free(p.urls);
	if (!rc)
		*ret_stats = p.n;
	return rc;
}
