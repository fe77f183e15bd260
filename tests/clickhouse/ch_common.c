/* SPDX-License-Identifier: MIT */
/* The ClickHouse test programs' shared part (ch_common.h): the same events
 * for every backend, every read compared between two stores, exports, and
 * opening the stores. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ch_common.h"

/* ---- the same events for every backend ---- */

struct ingest_batch batches[MAX_B];
static struct ingest_event events[MAX_B][MAX_EV];
static struct ingest_scroll scrolls[MAX_B];
static int32_t mx[MAX_B][MAX_PTS], my[MAX_B][MAX_PTS], mdt[MAX_B][MAX_PTS];
char pv_ids[N_PV][24], sessions[N_PV][24];
size_t n_batches;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

const char *const urls[] = {"/", "/pricing", "/demo/"};
static const int32_t widths[] = {375, 800, 1440, 1920};
static const char *const selectors[] = {"#cta", "nav > a.home", "main p",
					"button.buy\tit", "a[href='x\\y']"};

/* Batches of N_PV page views over six days, 1..3 batches each: clicks
 * (some in rage bursts, some dead or error), moves, scroll with attention,
 * goals, tags, UTM, referrers. Deterministic. */
void make_events(void)
{
	n_batches = 0;
	for (int p = 0; p < N_PV; p++) {
		int nb = 1 + (int)rnd(3);
		int32_t vw = widths[rnd(4)];
		int64_t pv_ts =
		    BASE_MS + (int64_t)p * 3 * 3600 * 1000 + rnd(1000);
		int64_t t = pv_ts + 500;
		int32_t bx = 0, by = 0;

		snprintf(pv_ids[p], sizeof(pv_ids[p]), "pv_%04d_%c", p,
			 "abc"[p % 3]);
		snprintf(sessions[p], sizeof(sessions[p]), "sess_%04d", p / 3);
		for (int k = 0; k < nb; k++) {
			struct ingest_batch *b = &batches[n_batches];
			struct ingest_event *ev = events[n_batches];
			size_t ne = 0;

			memset(b, 0, sizeof(*b));
			b->site_key = "k";
			b->pv.id = pv_ids[p];
			b->pv.seq = k;
			b->pv.session = sessions[p];
			b->pv.url = urls[p % 3];
			b->pv.referrer = p % 4 == 1 ? "news.example" : "";
			b->pv.ts = pv_ts;
			b->pv.vw = vw;
			b->pv.vh = 700;
			b->pv.dpr = p % 2 ? 2 : 1.25;
			b->pv.is_new = p % 5 != 0;
			b->pv.device = ingest_device_class(vw);
			b->pv.utm_source = p % 6 == 2 ? "mail" : "";
			b->pv.utm_medium = p % 6 == 2 ? "email" : "";
			b->pv.utm_campaign = "";
			b->pv.utm_term = "";
			b->pv.utm_content = "";
			b->pv.browser = (enum browser_family)(p % 3);
			b->pv.os = (enum os_family)(p % 4);
			if (p % 2) {
				b->pv.tags[0] = (struct ingest_tag){
				    "variant", p % 4 == 1 ? "A" : "B"};
				b->pv.n_tags = 1;
			}
			for (int c = (int)rnd(7); c > 0 && ne < MAX_EV - 3;
			     c--) {
				struct ingest_click *ck = &ev[ne].u.click;
				int burst = rnd(3) == 0 && (bx || by);
				ev[ne].type = EVENT_CLICK;
				t += burst ? 100 + rnd(300) : 1500 + rnd(4000);
				ev[ne].ts = t;
				if (!burst) {
					bx = (int32_t)rnd((uint32_t)vw);
					by = (int32_t)rnd(3000);
				}
				*ck = (struct ingest_click){
				    .x = bx + (int32_t)rnd(9),
				    .y = by + (int32_t)rnd(9),
				    .vw = vw,
				    .vh = 700,
				    .dw = vw,
				    .dh = 3000 + (int32_t)rnd(3) * 100,
				    .selector = selectors[rnd(5)],
				    .off_x = (uint16_t)rnd(65536),
				    .off_y = (uint16_t)rnd(65536),
				    .el_w = 100,
				    .el_h = 40,
				    .pointer = (enum pointer_type)rnd(2),
				    .flags =
					(unsigned[]){0, 2, 4, 8, 0}[rnd(5)],
				    .react_ms = -1,
				    .error_ms = -1};
				ck->sel_hash = ingest_hash(ck->selector);
				ne++;
			}
			if (rnd(3)) { /* scroll */
				struct ingest_scroll *sc = &scrolls[n_batches];
				memset(sc, 0, sizeof(*sc));
				sc->depth = 700 + (int32_t)rnd(2300);
				sc->doc_h = 3000 + (int32_t)rnd(3) * 100;
				sc->fold = k == 0 ? 700 : (rnd(2) ? 650 : 0);
				sc->reversals = (int32_t)rnd(4);
				sc->has_dwell = rnd(4) != 0;
				for (int i = 0;
				     sc->has_dwell && i < INGEST_BANDS; i++)
					sc->dwell[i] = rnd(3) ? rnd(2000) : 0;
				ev[ne].type = EVENT_SCROLL;
				ev[ne].ts = t;
				ev[ne].u.scroll = sc;
				ne++;
			}
			if (rnd(2)) { /* moves */
				struct ingest_move *m = &ev[ne].u.move;
				ev[ne].type = EVENT_MOVE;
				ev[ne].ts = t;
				m->vw = vw;
				m->doc_h = 3000 + (int32_t)rnd(3) * 100;
				m->n = 1 + rnd(MAX_PTS);
				m->x = mx[n_batches];
				m->y = my[n_batches];
				m->dt = mdt[n_batches];
				for (size_t i = 0; i < m->n; i++) {
					m->x[i] = (int32_t)rnd((uint32_t)vw);
					m->y[i] = (int32_t)rnd(3000);
					m->dt[i] = (int32_t)(i * 150);
				}
				ne++;
			}
			if (p % 7 == 3 && k == nb - 1) { /* a goal */
				ev[ne].type = EVENT_GOAL;
				ev[ne].ts = t + 10;
				ev[ne].u.goal.name = "signup";
				ne++;
			}
			b->events = ev;
			b->n_events = ne;
			for (size_t i = 0; i < ne; i++)
				b->n_clicks += ev[i].type == EVENT_CLICK;
			n_batches++;
			t += 60000;
		}
	}
}

/* Write every batch to s for site_id in groups of 7, then the first ten
 * again (duplicates); *ret_stored counts STORE_WRITE_STORED. */
int write_all(struct store *s, int64_t site_id, int *ret_stored, int *ret_dups)
{
	const struct ingest_batch *group[7];
	int results[7], rc;

	*ret_stored = *ret_dups = 0;
	for (size_t i = 0; i < n_batches; i++)
		batches[i].site_id = site_id;
	for (size_t i = 0; i < n_batches; i += 7) {
		size_t n = n_batches - i < 7 ? n_batches - i : 7;
		for (size_t j = 0; j < n; j++)
			group[j] = &batches[i + j];
		if ((rc = store_write_batches(s, group, n, results)))
			return rc;
		for (size_t j = 0; j < n; j++)
			*ret_stored += results[j] == STORE_WRITE_STORED;
	}
	for (size_t i = 0; i < 10; i += 5) {
		for (size_t j = 0; j < 5; j++)
			group[j] = &batches[i + j];
		if ((rc = store_write_batches(s, group, 5, results)))
			return rc;
		for (size_t j = 0; j < 5; j++)
			*ret_dups += results[j] == STORE_WRITE_DUPLICATE;
	}
	return 0;
}

int compare_heights = 1;

/* ---- answers as sorted lists of numbers ---- */

struct answer {
	int64_t v[65536];
	size_t n;
	int width; /* numbers per record */
};

static struct answer ans_a, ans_b;

static void ans_push(struct answer *a, const int64_t *v, int width)
{
	a->width = width;
	for (int i = 0; i < width && a->n < 65536; i++)
		a->v[a->n++] = v[i];
}

static int cmp_rec_width;
static int rec_cmp(const void *x, const void *y)
{
	const int64_t *a = x, *b = y;
	for (int i = 0; i < cmp_rec_width; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static void ans_sort(struct answer *a)
{
	if (!a->width)
		return;
	cmp_rec_width = a->width;
	qsort(a->v, a->n / (size_t)a->width, sizeof(int64_t) * a->width,
	      rec_cmp);
}

/* Grid cells arrive once per day from SQLite: add them up first. */
static void cells_merge(struct answer *a)
{
	size_t w = 0;
	ans_sort(a);
	for (size_t i = 0; i < a->n; i += 3) {
		if (w && a->v[w - 3] == a->v[i] && a->v[w - 2] == a->v[i + 1]) {
			a->v[w - 1] += a->v[i + 2];
			continue;
		}
		memmove(&a->v[w], &a->v[i], 3 * sizeof(int64_t));
		w += 3;
	}
	a->n = w;
}

static int click_cb(void *ctx, const struct store_click *c)
{
	int64_t v[6] = {c->x, c->y, c->vw, c->vh, c->dw, c->dh};
	ans_push(ctx, v, 6);
	return 0;
}

static int cell_cb(void *ctx, const struct store_grid_cell *c)
{
	int64_t v[3] = {c->cx, c->cy, c->n};
	ans_push(ctx, v, 3);
	return 0;
}

static int scroll_cb(void *ctx, const struct store_scroll *sc)
{
	int64_t v[6] = {sc->depth,     sc->doc_h,     sc->fold,
			sc->reversals, sc->has_dwell, 0};
	uint64_t h = 0;
	for (int i = 0; sc->has_dwell && i < INGEST_BANDS; i++)
		h = h * 31 + sc->dwell[i];
	v[5] = (int64_t)(h >> 1);
	ans_push(ctx, v, 6);
	return 0;
}

static int page_cb(void *ctx, const struct store_page *p)
{
	int64_t v[12] = {(int64_t)strlen(p->path), p->pageviews, p->sessions,
			 p->clicks, p->rage, p->dead, p->error,
			 p->scroll_pageviews,
			 /* summed in another order: equal to 1e-6 */
			 (int64_t)(p->depth * 1e6 + 0.5), p->converted,
			 (int64_t)p->path[0], (int64_t)p->path[1]};
	ans_push(ctx, v, 12);
	return 0;
}

/* A string as numbers: its length and a hash. */
static void str_nums(const char *str, int64_t v[2])
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = str; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	v[0] = (int64_t)strlen(str);
	v[1] = (int64_t)(h >> 1);
}

static void push_str(struct answer *a, const char *str)
{
	int64_t v[2];
	str_nums(str, v);
	ans_push(a, v, 2);
}

static int element_cb(void *ctx, const struct store_element *e)
{
	int64_t v[8] = {e->clicks, e->sessions,	   e->rage,	 e->dead,
			e->error,  e->interactive, e->converted, e->last_ts};
	push_str(ctx, e->page);
	push_str(ctx, e->selector);
	ans_push(ctx, v, 8);
	return 0;
}

static int example_cb(void *ctx, const struct store_example *e)
{
	ans_push(ctx, &e->ts, 1);
	push_str(ctx, e->pageview);
	push_str(ctx, e->session);
	return 0;
}

static int pageview_cb(void *ctx, const struct store_pageview *pv)
{
	int64_t v[4] = {pv->ts, pv->reversals, pv->depth, pv->doc_h};
	push_str(ctx, pv->page);
	push_str(ctx, pv->session);
	push_str(ctx, pv->id);
	ans_push(ctx, v, 4);
	return 0;
}

static int goal_cb(void *ctx, const struct store_goal *g)
{
	push_str(ctx, g->name);
	ans_push(ctx, &g->sessions, 1);
	return 0;
}

static int attrs_cb(void *ctx, const struct store_click_attrs *c)
{
	/* one fixed-width record per click, so the list can be sorted */
	int64_t v[15] = {c->x,	    c->y,	c->vw, c->dh,
			 c->is_new, c->browser, c->os};
	str_nums(c->referrer, &v[7]);
	str_nums(c->utm_source, &v[9]);
	str_nums(c->utm_medium, &v[11]);
	str_nums(c->tag ? c->tag : "(none)", &v[13]);
	ans_push(ctx, v, 15);
	return 0;
}

/* The insight reads, in the order they answer. */
static int read_insights(struct store *s, const struct store_filter *f,
			 struct answer *a)
{
	static const unsigned flags[] = {0, CLICK_RAGE, CLICK_DEAD,
					 CLICK_ERROR | CLICK_INTERACTIVE};
	int rc;

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if ((rc = store_elements_scan(s, f, flags[i],
					      i % 2 ? "signup" : NULL, 50,
					      element_cb, a)))
			return rc;
		for (size_t k = 0; f->page && k < 5; k++)
			if ((rc = store_click_examples(s, f, f->page,
						       selectors[k], flags[i],
						       4, example_cb, a)))
				return rc;
	}
	if ((rc = store_pageviews_scan(s, f, pageview_cb, a)))
		return rc;
	return store_goals_list(s, f, goal_cb, a);
}

/* Everything read through f from a store, into a. */
static int read_all(struct store *s, const struct store_filter *f,
		    struct answer *a)
{
	struct store_sample sm;
	struct answer part;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = store_sample(s, f, &sm)))
		return rc;
	{
		int64_t v[3] = {sm.pageviews, sm.sessions, sm.clicks};
		ans_push(a, v, 3);
	}
	if ((rc = read_insights(s, f, a)))
		return rc;
	if (!f->page) {
		static const struct store_pages_query qs[] = {
		    {.limit = STORE_PAGES_MAX},
		    {.limit = 2, .goal = "signup"},
		    {.limit = 10, .search = "PRIC"},
		    {.limit = 10, .search = "zz"},
		};
		for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
			int64_t mark = -2000 - (int64_t)i;
			ans_push(a, &mark, 1);
			/* in the order given: not sorted */
			if ((rc = store_pages_list(s, f, &qs[i], page_cb, a)))
				return rc;
		}
		a->width = 1;
		return 0;
	}
	/* each part sorted on its own, then appended with a marker */
	memset(&part, 0, sizeof(part));
	if ((rc = store_clicks_scan(s, f, click_cb, &part)))
		return rc;
	ans_sort(&part);
	for (size_t i = 0; i < part.n; i++)
		ans_push(a, &part.v[i], 1);
	if (f->device >= 0 || f->seg.vw_min || f->seg.vw_max) {
		for (int k = 0; k <= STORE_GRID_RAGE; k++) {
			struct store_grid_width *w = NULL;
			size_t nw = 0;
			int64_t mark = -1000 - k;

			memset(&part, 0, sizeof(part));
			if ((rc = store_grid_scan(s, f, k, cell_cb, &part)))
				return rc;
			cells_merge(&part);
			ans_push(a, &mark, 1);
			for (size_t i = 0; i < part.n; i++)
				ans_push(a, &part.v[i], 1);
			if ((rc = store_grid_widths(s, f, k, &w, &nw)))
				return rc;
			for (size_t i = 0; i < nw; i++) {
				int64_t v[3] = {w[i].vw, w[i].n,
						compare_heights ? w[i].max_doc_h
								: 0};
				ans_push(a, v, 3);
			}
			free(w);
		}
	}
	if (store_filter_one_class(f)) {
		/* stride 1 only: the sample of a larger one is by SQLite's
		 * click id, which ClickHouse has not */
		static const char *const keys[] = {NULL, "variant", "nope"};
		for (int k = 0; k < 3; k++) {
			memset(&part, 0, sizeof(part));
			if ((rc = store_clicks_attrs_scan(s, f, keys[k], 1,
							  attrs_cb, &part)))
				return rc;
			ans_sort(&part);
			for (size_t i = 0; i < part.n; i++)
				ans_push(a, &part.v[i], 1);
		}
	}
	memset(&part, 0, sizeof(part));
	if ((rc = store_scroll_scan(s, f, scroll_cb, &part)))
		return rc;
	ans_sort(&part);
	for (size_t i = 0; i < part.n; i++)
		ans_push(a, &part.v[i], 1);
	a->width = 1;
	return 0;
}

/* ---- exports as sorted lines ---- */

struct lines {
	char *l[8192];
	size_t n;
};

static struct lines ex_a, ex_b;

static int line_add(void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int line_add(void *ctx, const char *fmt, ...)
{
	struct lines *ls = ctx;
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ls->n == 8192)
		return CALOR_ETOOBIG;
	return (ls->l[ls->n++] = strdup(buf)) ? 0 : CALOR_ENOMEM;
}

static int ex_pageview(void *ctx, const struct store_export_pageview *pv)
{
	char tags[2048] = "", dwell[1024] = "-";
	size_t at = 0;
	uint64_t h = 0;

	for (size_t i = 0; i < pv->n_tags && at < sizeof(tags) - 200; i++)
		at += (size_t)snprintf(tags + at, sizeof(tags) - at, "%s=%s;",
				       pv->tags[i].key, pv->tags[i].value);
	for (int i = 0; pv->dwell && i < INGEST_BANDS; i++)
		h = h * 31 + pv->dwell[i];
	if (pv->dwell)
		snprintf(dwell, sizeof(dwell), "%llu", (unsigned long long)h);
	return line_add(
	    ctx,
	    "pv %s %s %s %s %d %d %d %.6f %d %lld %d %d %s %s %s %s"
	    " %s %d %lld %d %d [%s] %s",
	    pv->id, pv->session, pv->page, pv->referrer, (int)pv->device,
	    pv->vw, pv->vh, pv->dpr, pv->is_new, (long long)pv->ts,
	    (int)pv->browser, (int)pv->os, pv->utm_source, pv->utm_medium,
	    pv->utm_campaign, pv->utm_term, pv->utm_content, pv->fold,
	    (long long)pv->reversals, pv->max_depth, pv->doc_h, tags, dwell);
}

static int ex_click(void *ctx, const struct store_export_click *c)
{
	return line_add(ctx,
			"click %s %s %d %lld %d %d %d %d %d %d [%s] %d %d %d %d"
			" %d %u",
			c->pageview, c->page, (int)c->device, (long long)c->ts,
			c->x, c->y, c->vw, c->vh, c->dw, c->dh, c->selector,
			c->off_x, c->off_y, c->el_w, c->el_h, (int)c->pointer,
			c->flags);
}

static int ex_move(void *ctx, const struct store_export_move *m)
{
	return line_add(ctx, "move %s %s %d %lld %d %d %d", m->pageview,
			m->page, (int)m->device, (long long)m->ts, m->x, m->y,
			m->vw);
}

static int ex_goal(void *ctx, const struct store_export_goal *g)
{
	return line_add(ctx, "goal %s %s %s %s %lld", g->pageview, g->session,
			g->page, g->name, (long long)g->ts);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_clear(struct lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->l[i]);
	ls->n = 0;
}

/* Both exports, sorted (storage orders differ), the same lines. Every
 * kind comes after the page views in both (checked before sorting). */
int exports_equal(struct store *a, int64_t site_a, struct store *b,
		  int64_t site_b)
{
	static const struct store_export_cb cb = {ex_pageview, ex_click,
						  ex_move, ex_goal};
	int rc, same = 1;

	if ((rc = store_export_site(a, site_a, &cb, &ex_a)) ||
	    (rc = store_export_site(b, site_b, &cb, &ex_b))) {
		fprintf(stderr, "  export: %d %s | %s\n", rc,
			store_last_error(a), store_last_error(b));
		same = 0;
		goto out;
	}
	for (size_t i = 1; i < ex_b.n; i++)
		if (strncmp(ex_b.l[i], "pv ", 3) == 0 &&
		    strncmp(ex_b.l[i - 1], "pv ", 3) != 0) {
			fprintf(stderr, "  a page view after other records\n");
			same = 0;
		}
	qsort(ex_a.l, ex_a.n, sizeof(char *), str_cmp);
	qsort(ex_b.l, ex_b.n, sizeof(char *), str_cmp);
	if (ex_a.n != ex_b.n) {
		fprintf(stderr, "  %zu vs %zu records\n", ex_a.n, ex_b.n);
		same = 0;
	}
	for (size_t i = 0; same && i < ex_a.n; i++)
		if (strcmp(ex_a.l[i], ex_b.l[i]) != 0) {
			fprintf(stderr, "  %s\n  %s\n", ex_a.l[i], ex_b.l[i]);
			same = 0;
		}
	if (same)
		fprintf(stderr, "  export: %zu records, the same\n", ex_a.n);
out:
	lines_clear(&ex_a);
	lines_clear(&ex_b);
	return same;
}

/* ---- the stores ---- */

char sqlite_dir[64];
char db_name[48];

struct store *open_sqlite(void)
{
	struct store *s = NULL;
	char err[256];

	snprintf(sqlite_dir, sizeof(sqlite_dir), "/tmp/calor-chtest-XXXXXX");
	if (!mkdtemp(sqlite_dir))
		return NULL;
	if (store_open(sqlite_dir, &s, err, sizeof(err))) {
		fprintf(stderr, "  sqlite: %s\n", err);
		return NULL;
	}
	return s;
}

struct store *open_ch(const char *port_env, const char *cluster)
{
	struct store *s = NULL;
	const char *port = getenv(port_env);
	char spec[256], err[256];

	if (!port)
		return NULL;
	snprintf(spec, sizeof(spec), "clickhouse://127.0.0.1:%s/%s%s%s", port,
		 db_name, cluster ? "?cluster=" : "", cluster ? cluster : "");
	if (store_clickhouse_open(spec, &s, err, sizeof(err))) {
		fprintf(stderr, "  %s: %s\n", spec, err);
		return NULL;
	}
	return s;
}

static int filters(int64_t site_id, struct store_filter *out, int max)
{
	int n = 0;
	for (int page = -1; page < 3; page++) {
		for (int dev = -1; dev < 3; dev++) {
			for (int seg = 0; seg < 9 && n < max; seg++) {
				struct store_filter f = {
				    .site_id = site_id,
				    .page = page < 0 ? NULL : urls[page],
				    .device = dev};
				switch (seg) {
				case 1:
					/* whole days (the API's: the sample
					 * tables) or not (the events) */
					f.from_ms = BASE_MS + DAY +
						    (page > 0 ? 0 : 3600000);
					f.to_ms = BASE_MS + 4 * DAY -
						  (page > 0 ? 0 : 7200000);
					break;
				case 2:
					f.seg.has = STORE_SEG_BROWSER;
					f.seg.browser = 1;
					break;
				case 3:
					f.seg.has = STORE_SEG_NEW;
					f.seg.is_new = 0;
					f.from_ms = BASE_MS + 2 * DAY;
					break;
				case 4:
					f.seg.tags[0] =
					    (struct ingest_tag){"variant", "A"};
					f.seg.n_tags = 1;
					break;
				case 5: f.seg.goal = "signup"; break;
				case 6:
					f.seg.nogoal = "signup";
					f.seg.utm_source = NULL;
					break;
				case 7: f.seg.referrer = "news.example"; break;
				case 8:
					f.seg.vw_min = 700;
					f.seg.vw_max = 1500;
					f.seg.has = STORE_SEG_SOURCE;
					f.seg.source = SOURCE_DIRECT;
					break;
				}
				out[n++] = f;
			}
		}
	}
	return n;
}

static void describe(const struct store_filter *f)
{
	fprintf(stderr,
		"  filter: page %s device %d from %lld to %lld has %u tags %zu"
		" goal %s nogoal %s ref %s vw %d..%d\n",
		f->page ? f->page : "(all)", f->device, (long long)f->from_ms,
		(long long)f->to_ms, f->seg.has, f->seg.n_tags,
		f->seg.goal ? f->seg.goal : "-",
		f->seg.nogoal ? f->seg.nogoal : "-",
		f->seg.referrer ? f->seg.referrer : "-", f->seg.vw_min,
		f->seg.vw_max);
}

int compare_stride = 1;

/* Every filter's reads from a and from b, equal. */
int compare_reads(struct store *a, int64_t site_a, struct store *b,
		  int64_t site_b)
{
	static struct store_filter fa[512], fb[512];
	int n = filters(site_a, fa, 512), rc_a, rc_b, diffs = 0, done = 0;

	filters(site_b, fb, 512);
	for (int i = 0; i < n; i += compare_stride) {
		done++;
		rc_a = read_all(a, &fa[i], &ans_a);
		rc_b = read_all(b, &fb[i], &ans_b);
		if (rc_a != rc_b) {
			describe(&fa[i]);
			fprintf(stderr, "  rc %d vs %d (%s | %s)\n", rc_a, rc_b,
				store_last_error(a), store_last_error(b));
			diffs++;
			continue;
		}
		if (ans_a.n >= 65536 || ans_b.n >= 65536) {
			describe(&fa[i]);
			fprintf(stderr, "  answer too long to compare\n");
			diffs++;
			continue;
		}
		if (ans_a.n != ans_b.n ||
		    memcmp(ans_a.v, ans_b.v, ans_a.n * sizeof(int64_t))) {
			size_t k = 0;
			while (k < ans_a.n && k < ans_b.n &&
			       ans_a.v[k] == ans_b.v[k])
				k++;
			describe(&fa[i]);
			fprintf(stderr,
				"  answers differ at %zu of %zu/%zu: %lld vs "
				"%lld\n",
				k, ans_a.n, ans_b.n,
				k < ans_a.n ? (long long)ans_a.v[k] : -1LL,
				k < ans_b.n ? (long long)ans_b.v[k] : -1LL);
			diffs++;
		}
	}
	return diffs ? -diffs : done;
}

void sqlite_dir_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sqlite_dir);
	if (system(cmd))
		fprintf(stderr, "  could not remove %s\n", sqlite_dir);
}
