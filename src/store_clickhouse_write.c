/* SPDX-License-Identifier: MIT */
/* store_clickhouse_write: the ClickHouse backend's write path — a writer
 * group's batches checked against what is stored (duplicates, each page
 * view's first device, the latest clicks for the rage rule) and written as
 * one TabSeparated INSERT — and the data version other nodes' writes move.
 * Why it is shaped so: docs/deploy.md, "ClickHouse". */
#include "store_clickhouse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int64_t first_ts; /* the earliest start its stored batches carry */
};

struct write_ctx {
	int64_t deadline; /* monotonic ms: the whole write gives up then */
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
 * seq, device, ts) rows of the batches table, looked up by its primary
 * key (site, pv). */
static int stored_row(void *ctx, char **f, size_t n)
{
	struct write_ctx *w = ctx;
	int64_t site_id, seq, ts;

	if (n < 5)
		return CALOR_ESTORE;
	site_id = strtoll(f[0], NULL, 10);
	seq = strtoll(f[2], NULL, 10);
	ts = strtoll(f[4], NULL, 10);
	for (size_t i = 0; i < w->n; i++) {
		const struct ingest_batch *b = w->batches[i];
		struct batch_state *st = &w->st[i];
		if (b->site_id != site_id || strcmp(b->pv.id, f[1]) != 0)
			continue;
		if (b->pv.seq == seq)
			st->dup = 1;
		if (!st->known || ts < st->first_ts)
			st->first_ts = ts;
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

/* " OR (site_id = S AND page = 'P' AND pv = 'ID')" for each batch, for
 * the batches table, whose key starts (site_id, pv). Not the page view's
 * time: it is the client's time moved by the server's clock on arrival
 * (ingest.c, skew), so a batch sent again, or the page view's next batch,
 * carries a start some milliseconds (or, for a retry, the client's resend
 * delay) away from the stored one. */
static int pv_terms(struct dynbuf *sql, const struct write_ctx *w)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < w->n; i++) {
		const struct ingest_batch *b = w->batches[i];
		rc = dynbuf_addf(sql, "%s(site_id = %lld AND page = ",
				 i ? " OR " : "", (long long)b->site_id);
		if (!rc)
			rc = ch_quote(sql, b->pv.url);
		if (!rc)
			rc = dynbuf_adds(sql, " AND pv = ");
		if (!rc)
			rc = ch_quote(sql, b->pv.id);
		if (!rc)
			rc = dynbuf_adds(sql, ")");
	}
	return rc;
}

/* What is left of the write's time (at least 1 ms). */
static long time_left(const struct write_ctx *w)
{
	int64_t left = w->deadline - calor_mono_ms();
	return left > 1 ? (long)left : 1L;
}

/* " OR (site_id = S AND page = 'P' AND device = D AND ts >= T AND pv =
 * 'ID')" for each batch of a page view with stored batches: its stored
 * clicks are a range of the events' sort key (site, page, kind, device,
 * ts), as each click is no earlier than its batch's start (the same
 * client clock, moved by the same skew). 0 terms: nothing to look up. */
static int click_terms(struct dynbuf *sql, const struct write_ctx *w,
		       size_t *ret_n)
{
	int rc = 0;

	*ret_n = 0;
	for (size_t i = 0; !rc && i < w->n; i++) {
		const struct ingest_batch *b = w->batches[i];
		const struct batch_state *st = &w->st[i];
		if (!st->known)
			continue;
		rc = dynbuf_addf(sql, "%s(site_id = %lld AND page = ",
				 *ret_n ? " OR " : "", (long long)b->site_id);
		if (!rc)
			rc = ch_quote(sql, b->pv.url);
		if (!rc)
			rc = dynbuf_addf(sql,
					 " AND device = %d AND ts >= %lld AND"
					 " pv = ",
					 st->device, (long long)st->first_ts);
		if (!rc)
			rc = ch_quote(sql, b->pv.id);
		if (!rc)
			rc = dynbuf_adds(sql, ")");
		++*ret_n;
	}
	return rc;
}

static int lookup_stored(struct ch_store *s, struct write_ctx *w)
{
	struct dynbuf sql;
	size_t n_terms = 0;
	int rc;

	dynbuf_init(&sql, CH_MAX_SQL);
	rc = dynbuf_adds(&sql, "SELECT site_id, pv, seq, device, ts FROM ");
	if (!rc)
		rc = ch_table(s, &sql, "batches");
	if (!rc)
		rc = dynbuf_adds(&sql, " WHERE (");
	if (!rc)
		rc = pv_terms(&sql, w);
	if (!rc)
		rc = dynbuf_adds(&sql, ")");
	rc = rc ? store_fail(&s->base, rc, "batch lookup query")
		: ch_select_within(s, sql.data, stored_row, w, time_left(w));
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
		rc = click_terms(&sql, w, &n_terms);
	if (!rc)
		rc = dynbuf_adds(&sql, ") ORDER BY ts DESC, seq DESC, idx DESC"
				       " LIMIT 20 BY site_id, pv");
	if (rc)
		rc = store_fail(&s->base, rc, "click lookup query");
	else if (n_terms)
		rc = ch_select_within(s, sql.data, stored_click_row, w,
				      time_left(w));
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
		/* tags: two arrays of string literals. In TabSeparated a
		 * string inside an array is read quoted with the same
		 * backslash escapes as a field, once: the array is not
		 * escaped again (a quote in a value would end the literal).
		 * Keys and values hold no control characters (ingest). */
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
				rc = dynbuf_adds(b, arr.data);
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

/* Idempotency (docs/deploy.md, "Idempotency"): a group's batches already
 * stored are found by their page view record before anything is written,
 * and the group's new rows go in one INSERT, which ClickHouse applies to
 * each shard's MergeTree all or nothing. A batch written by two nodes at
 * the same moment gets in twice; its rows are identical in every column
 * of the table's key, so ReplacingMergeTree keeps one of them when it
 * merges, and page view reads count (pv, seq) once. */
int ch_write_batches(struct store *base,
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
	w.deadline = calor_mono_ms() + s->write_timeout_ms;
	/* groups waiting behind the writer while ClickHouse hangs are
	 * refused (503) within CH_PING_MS each, not CH_WRITE_TIMEOUT_MS,
	 * which would pass the HTTP layer's deadline for requests queued
	 * behind two of them */
	if ((rc = ch_ping(s)))
		goto out;
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
	if (any && (rc = ch_insert_within(s, "events", data.data, data.len,
					  time_left(&w))))
		goto out;
	for (size_t i = 0; i < n; i++)
		ret_results[i] =
		    w.st[i].dup ? STORE_WRITE_DUPLICATE : STORE_WRITE_STORED;
	if (any)
		atomic_fetch_add(&s->version, 1);
out:
	ch_seen(s, rc);
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
uint64_t ch_data_version(struct store *base)
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
	    ch_select_within(s, sql.data, parts_row, &seen, CH_WATCH_MS) == 0 &&
	    seen != s->watch_seen) {
		s->watch_seen = seen;
		atomic_fetch_add(&s->version, 1);
	}
	dynbuf_done(&sql);
	pthread_mutex_unlock(&s->watch_lock);
	return atomic_load(&s->version);
}
