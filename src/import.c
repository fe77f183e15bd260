/* SPDX-License-Identifier: MIT */
/* import: `calor import`'s work — an export checked line by line and as a
 * whole (first pass), the site found or created, then its page views and
 * events turned back into ingest batches and written in groups through
 * store_write_batches() (second pass). */
#include "import.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ndjson.h"
#include "writer.h"

#define GROUP_EVENTS   8192		 /* events per group */
#define GROUP_POINTS   16384		 /* move points per group */
#define GROUP_STRINGS  (8u << 20)	 /* selector and goal bytes */
#define GROUP_ARENA    (16u << 20)	 /* their arena's cap */
#define RUN_EVENTS     INGEST_MAX_EVENTS /* events per batch */
#define RUN_POINTS     INGEST_MAX_MOVE_POINTS
#define PROGRESS_LINES 4096

/* ---- what the first pass learns of each page view ---- */

struct pv_entry {
	int64_t line; /* of its pageview line */
	int64_t ts, next_seq;
	int32_t vw, vh, doc_h;
	double dpr;
	int is_new;
	enum device_class device;
	enum browser_family browser;
	enum os_family os;
	const char *id, *session, *page, *referrer, *utm[5];
	char strings[]; /* the strings above, one after another */
};

struct pv_table {
	struct pv_entry **slots;
	size_t cap, n; /* cap a power of two; n < cap / 2 */
};

static uint64_t id_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static struct pv_entry *pv_find(const struct pv_table *t, const char *id)
{
	if (!t->cap)
		return NULL;
	for (size_t i = id_hash(id) & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
		if (!t->slots[i] || strcmp(t->slots[i]->id, id) == 0)
			return t->slots[i];
}

static int pv_grow(struct pv_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024;
	struct pv_entry **slots = calloc(ncap, sizeof(*slots));

	if (!slots)
		return CALOR_ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		size_t k;
		if (!t->slots[i])
			continue;
		for (k = id_hash(t->slots[i]->id) & (ncap - 1); slots[k];
		     k = (k + 1) & (ncap - 1))
			;
		slots[k] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = ncap;
	return 0;
}

/* Remember pv (defined on line) with copies of its strings. */
static int pv_add(struct pv_table *t, const struct store_export_pageview *pv,
		  int64_t line)
{
	const char *src[9] = {
	    pv->id,	      pv->session,    pv->page,
	    pv->referrer,     pv->utm_source, pv->utm_medium,
	    pv->utm_campaign, pv->utm_term,   pv->utm_content};
	const char **dst[9];
	size_t len[9], total = 0;
	struct pv_entry *e;
	char *p;
	size_t k;
	int rc;

	if (2 * (t->n + 1) > t->cap && (rc = pv_grow(t)))
		return rc;
	for (int i = 0; i < 9; i++)
		total += (len[i] = strlen(src[i])) + 1;
	if (!(e = malloc(sizeof(*e) + total)))
		return CALOR_ENOMEM;
	e->line = line;
	e->ts = pv->ts;
	e->next_seq = IMPORT_SEQ_BASE;
	e->vw = pv->vw;
	e->vh = pv->vh;
	e->doc_h = pv->doc_h;
	e->dpr = pv->dpr;
	e->is_new = pv->is_new;
	e->device = pv->device;
	e->browser = pv->browser;
	e->os = pv->os;
	dst[0] = &e->id, dst[1] = &e->session, dst[2] = &e->page;
	dst[3] = &e->referrer;
	for (int i = 0; i < 5; i++)
		dst[4 + i] = &e->utm[i];
	p = e->strings;
	for (int i = 0; i < 9; i++) {
		memcpy(p, src[i], len[i] + 1);
		*dst[i] = p;
		p += len[i] + 1;
	}
	for (k = id_hash(e->id) & (t->cap - 1); t->slots[k];
	     k = (k + 1) & (t->cap - 1))
		;
	t->slots[k] = e;
	t->n++;
	return 0;
}

static void pv_table_done(struct pv_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
}

/* ---- one group of batches being built ---- */

enum batch_kind { B_PAGEVIEW, B_CLICKS, B_MOVES, B_GOALS };

struct group {
	struct arena *arena;
	size_t strings;
	struct ingest_batch batches[WRITER_MAX_GROUP];
	const struct ingest_batch *ptrs[WRITER_MAX_GROUP];
	int results[WRITER_MAX_GROUP];
	enum batch_kind kinds[WRITER_MAX_GROUP];
	int64_t counts[WRITER_MAX_GROUP]; /* records each batch holds */
	struct ingest_scroll scrolls[WRITER_MAX_GROUP];
	size_t n_batches, n_scrolls;
	struct ingest_event events[GROUP_EVENTS];
	size_t n_events;
	int32_t px[GROUP_POINTS], py[GROUP_POINTS], pdt[GROUP_POINTS];
	size_t n_points;
	/* the open run: batches[n_batches - 1] takes more lines of this
	 * page view and type */
	const struct pv_entry *run_pv;
	enum batch_kind run_kind;
};

struct importer {
	struct store *s;
	const struct import_options *o;
	struct import_stats st;
	struct import_error *err;
	struct pv_table pvs;
	struct ndjson_parser *parser;
	struct group *g;
	struct store_site site; /* written into */
	int pass;		/* 1 check, 2 write */
	int64_t seen_site, seen_end;
	struct ndjson_end end;
	struct ndjson_end counted; /* valid lines of each type */
	uint64_t size;
};

static int fail(struct importer *im, int rc, int64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct importer *im, int rc, int64_t line, const char *fmt, ...)
{
	va_list ap;

	im->err->line = line;
	va_start(ap, fmt);
	vsnprintf(im->err->detail, sizeof(im->err->detail), fmt, ap);
	va_end(ap);
	return rc;
}

/* Why record rec on line is not one this file may hold here, into why;
 * 0 when it is. The same answers in both passes: a page view counts as
 * defined on the line that defined it first. */
static int check_record(struct importer *im, const struct ndjson_record *r,
			int64_t line, char *why, size_t size)
{
	const char *pv_id = NULL, *page = NULL, *session = NULL;
	enum device_class device = DEVICE_DESKTOP;
	const struct pv_entry *e;

	if (r->type != NDJSON_END && im->seen_end && im->seen_end < line) {
		snprintf(why, size, "after the end line (line %lld)",
			 (long long)im->seen_end);
		return CALOR_EINVAL;
	}
	switch (r->type) {
	case NDJSON_SITE:
		snprintf(why, size, "a site line may only be the first line");
		return CALOR_EINVAL;
	case NDJSON_END:
		if (im->seen_end && im->seen_end != line) {
			snprintf(why, size,
				 "a second end line (the first is "
				 "line %lld)",
				 (long long)im->seen_end);
			return CALOR_EINVAL;
		}
		return 0;
	case NDJSON_PAGEVIEW:
		e = pv_find(&im->pvs, r->u.pageview.id);
		if (e && e->line != line) {
			snprintf(why, size, "page view %s is on line %lld too",
				 r->u.pageview.id, (long long)e->line);
			return CALOR_EINVAL;
		}
		if (r->u.pageview.reversals > INT32_MAX) {
			snprintf(why, size, "\"reversals\": at most %d",
				 INT32_MAX);
			return CALOR_EINVAL;
		}
		return 0;
	case NDJSON_CLICK:
		pv_id = r->u.click.pageview;
		page = r->u.click.page;
		device = r->u.click.device;
		break;
	case NDJSON_MOVE:
		pv_id = r->u.move.pageview;
		page = r->u.move.page;
		device = r->u.move.device;
		break;
	case NDJSON_GOAL:
		pv_id = r->u.goal.pageview;
		page = r->u.goal.page;
		session = r->u.goal.session;
		break;
	}
	e = pv_find(&im->pvs, pv_id);
	if (!e || e->line > line) {
		snprintf(why, size, "page view %s is not on an earlier line",
			 pv_id);
		return CALOR_EINVAL;
	}
	if (strcmp(e->page, page) != 0) {
		snprintf(why, size,
			 "\"page\" is not that of page view %s (line %lld)",
			 pv_id, (long long)e->line);
		return CALOR_EINVAL;
	}
	if (r->type == NDJSON_GOAL ? strcmp(e->session, session) != 0
				   : e->device != device) {
		snprintf(why, size,
			 "\"%s\" is not that of page view %s (line %lld)",
			 r->type == NDJSON_GOAL ? "session" : "device", pv_id,
			 (long long)e->line);
		return CALOR_EINVAL;
	}
	return 0;
}

/* A bad line: the end of the import, or (skip_bad) counted and skipped
 * (the first pass counts, the second only skips). */
static int bad_line(struct importer *im, int64_t line, const char *why)
{
	if (!im->o->skip_bad)
		return fail(im, CALOR_EINVAL, line, "%s", why);
	if (im->pass == 1) {
		if (!im->st.bad_lines++) {
			im->st.first_bad_line = line;
			str_copy(im->st.first_bad, why,
				 sizeof(im->st.first_bad));
		}
	}
	return 0;
}

/* ---- the second pass: records to batches ---- */

static int group_new(struct importer *im)
{
	struct group *g = im->g;

	arena_free(g->arena);
	g->arena = arena_new(GROUP_ARENA);
	g->strings = 0;
	g->n_batches = g->n_scrolls = g->n_events = g->n_points = 0;
	g->run_pv = NULL;
	return g->arena ? 0 : CALOR_ENOMEM;
}

static int group_flush(struct importer *im)
{
	struct group *g = im->g;
	int rc;

	g->run_pv = NULL;
	if (!g->n_batches)
		return 0;
	for (size_t i = 0; i < g->n_batches; i++)
		g->ptrs[i] = &g->batches[i];
	rc = store_write_batches(im->s, g->ptrs, g->n_batches, g->results);
	if (rc)
		return fail(im, rc, 0, "store: %s", store_last_error(im->s));
	for (size_t i = 0; i < g->n_batches; i++) {
		int dup = g->results[i] == STORE_WRITE_DUPLICATE;
		int64_t n = g->counts[i];
		switch (g->kinds[i]) {
		case B_PAGEVIEW:
			*(dup ? &im->st.dup_pageviews : &im->st.pageviews) += n;
			break;
		case B_CLICKS:
			*(dup ? &im->st.dup_clicks : &im->st.clicks) += n;
			break;
		case B_MOVES:
			*(dup ? &im->st.dup_moves : &im->st.moves) += n;
			break;
		case B_GOALS:
			*(dup ? &im->st.dup_goals : &im->st.goals) += n;
			break;
		}
	}
	im->st.batches += (int64_t)g->n_batches;
	return group_new(im);
}

/* A new batch of page view e (its next batch number), flushing the group
 * first when it has no room for it and its first record. */
static int batch_open(struct importer *im, struct pv_entry *e,
		      enum batch_kind kind, struct ingest_batch **ret)
{
	struct group *g = im->g;
	struct ingest_batch *b;
	int rc;

	if ((g->n_batches == WRITER_MAX_GROUP || g->n_events == GROUP_EVENTS ||
	     g->n_points == GROUP_POINTS || g->strings >= GROUP_STRINGS) &&
	    (rc = group_flush(im)))
		return rc;
	b = &g->batches[g->n_batches];
	memset(b, 0, sizeof(*b));
	b->site_key = im->site.key;
	b->site_id = im->site.id;
	b->pv.id = e->id;
	b->pv.seq = e->next_seq++;
	b->pv.session = e->session;
	b->pv.url = e->page;
	b->pv.referrer = e->referrer;
	b->pv.ts = e->ts;
	b->pv.vw = e->vw;
	b->pv.vh = e->vh;
	b->pv.dpr = e->dpr;
	b->pv.is_new = e->is_new;
	b->pv.device = e->device;
	b->pv.utm_source = e->utm[0];
	b->pv.utm_medium = e->utm[1];
	b->pv.utm_campaign = e->utm[2];
	b->pv.utm_term = e->utm[3];
	b->pv.utm_content = e->utm[4];
	b->pv.browser = e->browser;
	b->pv.os = e->os;
	b->events = &g->events[g->n_events];
	b->rage_clicks = im->site.cfg.rage_clicks;
	b->rage_ms = im->site.cfg.rage_ms;
	b->rage_px = im->site.cfg.rage_px;
	g->kinds[g->n_batches] = kind;
	g->counts[g->n_batches] = 0;
	g->n_batches++;
	g->run_pv = kind == B_PAGEVIEW ? NULL : e;
	g->run_kind = kind;
	*ret = b;
	return 0;
}

static char *group_strdup(struct importer *im, const char *s)
{
	size_t len = strlen(s);
	char *copy = arena_strndup(im->g->arena, s, len);

	im->g->strings += len + 1;
	return copy;
}

/* The page view's batch: its scroll totals as one scroll event, its
 * attention, its first INGEST_MAX_TAGS tags; the rest of its tags in
 * batches of their own. */
static int write_pageview(struct importer *im,
			  const struct store_export_pageview *pv)
{
	struct pv_entry *e = pv_find(&im->pvs, pv->id);
	struct group *g = im->g;
	size_t tag = 0;
	int rc, first = 1;

	do {
		struct ingest_batch *b;
		struct ingest_pageview *p;

		if ((rc = batch_open(im, e, B_PAGEVIEW, &b)))
			return rc;
		p = &b->pv;
		g->counts[g->n_batches - 1] = first;
		for (; tag < pv->n_tags && p->n_tags < INGEST_MAX_TAGS; tag++) {
			struct ingest_tag *t = &p->tags[p->n_tags++];
			t->key = group_strdup(im, pv->tags[tag].key);
			t->value = group_strdup(im, pv->tags[tag].value);
			if (!t->key || !t->value)
				return CALOR_ENOMEM;
		}
		if (first && (pv->fold || pv->max_depth || pv->doc_h ||
			      pv->reversals || pv->dwell)) {
			struct ingest_scroll *sc = &g->scrolls[g->n_scrolls++];
			struct ingest_event *ev = &g->events[g->n_events++];

			memset(sc, 0, sizeof(*sc));
			sc->depth = pv->max_depth;
			sc->doc_h = pv->doc_h;
			sc->fold = pv->fold;
			sc->reversals = (int32_t)pv->reversals;
			if (pv->dwell) {
				sc->has_dwell = 1;
				memcpy(sc->dwell, pv->dwell, sizeof(sc->dwell));
			}
			ev->type = EVENT_SCROLL;
			ev->ts = pv->ts;
			ev->u.scroll = sc;
			b->n_events = 1;
		}
		first = 0;
	} while (tag < pv->n_tags);
	g->run_pv = NULL;
	return 0;
}

/* The open batch when it takes one more record of e and kind (and, for a
 * move point, of this width and time), else a new one. */
static int batch_for(struct importer *im, struct pv_entry *e,
		     enum batch_kind kind, const struct store_export_move *m,
		     struct ingest_batch **ret)
{
	struct group *g = im->g;
	struct ingest_batch *b =
	    g->n_batches ? &g->batches[g->n_batches - 1] : NULL;

	if (b && g->run_pv == e && g->run_kind == kind &&
	    g->n_events < GROUP_EVENTS && g->n_points < GROUP_POINTS &&
	    g->strings < GROUP_STRINGS) {
		if (kind != B_MOVES && b->n_events < RUN_EVENTS) {
			*ret = b;
			return 0;
		}
		if (kind == B_MOVES) {
			const struct ingest_move *mv = &b->events[0].u.move;
			int64_t dt = m->ts - b->events[0].ts;
			if (mv->n < RUN_POINTS && mv->vw == m->vw &&
			    dt >= INT32_MIN && dt <= INT32_MAX) {
				*ret = b;
				return 0;
			}
		}
	}
	return batch_open(im, e, kind, ret);
}

static int write_click(struct importer *im, const struct store_export_click *c)
{
	struct pv_entry *e = pv_find(&im->pvs, c->pageview);
	struct ingest_batch *b;
	struct ingest_event *ev;
	struct ingest_click *k;
	int rc;

	if ((rc = batch_for(im, e, B_CLICKS, NULL, &b)))
		return rc;
	ev = &im->g->events[im->g->n_events++];
	memset(ev, 0, sizeof(*ev));
	ev->type = EVENT_CLICK;
	ev->ts = c->ts;
	k = &ev->u.click;
	k->x = c->x, k->y = c->y, k->vw = c->vw, k->vh = c->vh;
	k->dw = c->dw, k->dh = c->dh;
	if (!(k->selector = group_strdup(im, c->selector)))
		return CALOR_ENOMEM;
	k->off_x = (uint16_t)c->off_x;
	k->off_y = (uint16_t)c->off_y;
	k->el_w = c->el_w, k->el_h = c->el_h;
	k->pointer = c->pointer;
	/* the writer derives rage again, with the site's rule */
	k->flags = c->flags & ~(unsigned)CLICK_RAGE;
	k->sel_hash = ingest_hash(k->selector);
	k->react_ms = k->error_ms = -1;
	b->n_events++;
	b->n_clicks++;
	im->g->counts[im->g->n_batches - 1]++;
	return 0;
}

/* Move points of one page view and width in a row become one move event;
 * the document height is the page view's tallest (a move line has none). */
static int write_move(struct importer *im, const struct store_export_move *m)
{
	struct pv_entry *e = pv_find(&im->pvs, m->pageview);
	struct group *g = im->g;
	struct ingest_batch *b;
	struct ingest_move *mv;
	int rc;

	if ((rc = batch_for(im, e, B_MOVES, m, &b)))
		return rc;
	if (!b->n_events) {
		struct ingest_event *ev = &g->events[g->n_events++];
		memset(ev, 0, sizeof(*ev));
		ev->type = EVENT_MOVE;
		ev->ts = m->ts;
		ev->u.move.vw = m->vw;
		ev->u.move.doc_h = e->doc_h;
		ev->u.move.x = &g->px[g->n_points];
		ev->u.move.y = &g->py[g->n_points];
		ev->u.move.dt = &g->pdt[g->n_points];
		b->n_events = 1;
	}
	mv = &b->events[0].u.move;
	mv->x[mv->n] = m->x;
	mv->y[mv->n] = m->y;
	mv->dt[mv->n] = (int32_t)(m->ts - b->events[0].ts);
	mv->n++;
	g->n_points++;
	g->counts[g->n_batches - 1]++;
	return 0;
}

static int write_goal(struct importer *im, const struct store_export_goal *gl)
{
	struct pv_entry *e = pv_find(&im->pvs, gl->pageview);
	struct ingest_batch *b;
	struct ingest_event *ev;
	int rc;

	if ((rc = batch_for(im, e, B_GOALS, NULL, &b)))
		return rc;
	ev = &im->g->events[im->g->n_events++];
	memset(ev, 0, sizeof(*ev));
	ev->type = EVENT_GOAL;
	ev->ts = gl->ts;
	if (!(ev->u.goal.name = group_strdup(im, gl->name)))
		return CALOR_ENOMEM;
	b->n_events++;
	im->g->counts[im->g->n_batches - 1]++;
	return 0;
}

/* ---- the passes ---- */

/* One good record (not the site line) of the first pass. */
static int learn(struct importer *im, const struct ndjson_record *r,
		 int64_t line)
{
	switch (r->type) {
	case NDJSON_PAGEVIEW:
		im->counted.pageviews++;
		return pv_find(&im->pvs, r->u.pageview.id)
			   ? 0
			   : pv_add(&im->pvs, &r->u.pageview, line);
	case NDJSON_CLICK: im->counted.clicks++; return 0;
	case NDJSON_MOVE: im->counted.moves++; return 0;
	case NDJSON_GOAL: im->counted.goals++; return 0;
	case NDJSON_END:
		im->seen_end = line;
		im->end = r->u.end;
		return 0;
	case NDJSON_SITE: break;
	}
	return 0;
}

static int write_record(struct importer *im, const struct ndjson_record *r)
{
	switch (r->type) {
	case NDJSON_PAGEVIEW: return write_pageview(im, &r->u.pageview);
	case NDJSON_CLICK: return write_click(im, &r->u.click);
	case NDJSON_MOVE: return write_move(im, &r->u.move);
	case NDJSON_GOAL: return write_goal(im, &r->u.goal);
	case NDJSON_SITE:
	case NDJSON_END: break;
	}
	return 0;
}

/* One pass over the file from its start. The first checks and learns the
 * page views; the second writes. */
static int pass(struct importer *im, FILE *in, struct store_site *ret_site)
{
	struct ndjson_reader *rd = NULL;
	struct ndjson_error perr;
	struct ndjson_record r;
	const char *text;
	char why[224];
	size_t len;
	int rc, got, header = 0;

	if (fseeko(in, 0, SEEK_SET) != 0)
		return fail(im, CALOR_EINVAL, 0,
			    "cannot read the input twice (%s): import needs a "
			    "file, not a pipe",
			    strerror(errno));
	if ((rc = ndjson_reader_new(in, &rd)))
		return rc;
	while ((got = ndjson_reader_next(rd, &text, &len)) != 0) {
		int64_t line = ndjson_reader_line(rd);
		uint64_t off = ndjson_reader_offset(rd);

		if (im->o->progress && line % PROGRESS_LINES == 0)
			im->o->progress(im->o->progress_ctx,
					(im->pass == 2 ? im->size : 0) + off,
					2 * im->size);
		if (got == CALOR_EIO) {
			rc = fail(im, CALOR_EIO, line, "read: %s",
				  strerror(errno));
			goto out;
		}
		if (got == 1 && len == 0)
			continue;
		rc = got == CALOR_ETOOBIG
			 ? CALOR_ETOOBIG
			 : ndjson_parse_line(im->parser, text, len, &r, &perr);
		if (got == CALOR_ETOOBIG)
			snprintf(perr.detail, sizeof(perr.detail),
				 "line longer than %d bytes", NDJSON_MAX_LINE);
		if (!header) {
			/* the header decides everything: never skipped */
			header = 1;
			if (rc) {
				rc = fail(im, CALOR_EINVAL, line, "%s",
					  perr.detail);
				goto out;
			}
			if (r.type != NDJSON_SITE) {
				rc = fail(im, CALOR_EINVAL, line,
					  "the first line must be a site line "
					  "(is this a calor export?)");
				goto out;
			}
			im->seen_site = line;
			if (ret_site)
				ndjson_site_to_store(&r.u.site, ret_site);
			continue;
		}
		if (rc) {
			if ((rc = bad_line(im, line, perr.detail)))
				goto out;
			continue;
		}
		if (check_record(im, &r, line, why, sizeof(why))) {
			if (im->pass == 2 && !im->o->skip_bad) {
				rc = fail(im, CALOR_EINVAL, line,
					  "the file changed while importing: "
					  "%s",
					  why);
				goto out;
			}
			if ((rc = bad_line(im, line, why)))
				goto out;
			continue;
		}
		rc = im->pass == 1 ? learn(im, &r, line) : write_record(im, &r);
		if (rc) {
			if (rc == CALOR_ENOMEM)
				fail(im, rc, line, "out of memory");
			goto out;
		}
	}
	im->st.lines = ndjson_reader_line(rd);
	if (!header)
		rc = fail(im, CALOR_EINVAL, 0,
			  "the file is empty: no site line");
out:
	ndjson_reader_free(rd);
	return rc;
}

/* The file as a whole, after the first pass. */
static int check_whole(struct importer *im)
{
	const struct ndjson_end *e = &im->end, *c = &im->counted;

	if (!im->seen_end) {
		if (!im->o->skip_bad)
			return fail(im, CALOR_EINVAL, 0,
				    "no end line: the file was cut short "
				    "(--skip-bad imports what it holds)");
		im->st.no_end = 1;
		return 0;
	}
	if (e->pageviews == c->pageviews && e->clicks == c->clicks &&
	    e->moves == c->moves && e->goals == c->goals)
		return 0;
	if (im->o->skip_bad) {
		im->st.end_mismatch = 1;
		return 0;
	}
	return fail(im, CALOR_EINVAL, im->seen_end,
		    "the end line counts %lld page views, %lld clicks, %lld "
		    "moves, %lld goals; the file holds %lld, %lld, %lld, %lld",
		    (long long)e->pageviews, (long long)e->clicks,
		    (long long)e->moves, (long long)e->goals,
		    (long long)c->pageviews, (long long)c->clicks,
		    (long long)c->moves, (long long)c->goals);
}

/* The site to write into: o->site_key's, or the header's (created when
 * missing). */
static int find_site(struct importer *im, const struct store_site *header)
{
	const char *key = im->o->site_key ? im->o->site_key : header->key;
	struct store_site *sites = NULL;
	size_t n = 0;
	int rc;

	if ((rc = store_sites_load(im->s, &sites, &n)))
		return fail(im, rc, 0, "store: %s", store_last_error(im->s));
	for (size_t i = 0; i < n; i++)
		if (strcmp(sites[i].key, key) == 0) {
			im->site = sites[i];
			free(sites);
			return 0;
		}
	free(sites);
	if (im->o->site_key)
		return fail(im, CALOR_ENOTFOUND, 0, "no site has the key %.64s",
			    key);
	if ((rc = store_site_create(im->s, header, &im->site)))
		return fail(im, rc, im->seen_site, "cannot create the site: %s",
			    store_last_error(im->s));
	im->st.site_created = 1;
	return 0;
}

int import_file(struct store *s, FILE *in, const struct import_options *o,
		struct import_stats *ret_stats, struct import_error *err)
{
	struct importer im = {.s = s, .o = o, .err = err};
	struct store_site header;
	struct stat before, after;
	int rc;

	memset(err, 0, sizeof(*err));
	memset(&header, 0, sizeof(header));
	if (fstat(fileno(in), &before) != 0 || !S_ISREG(before.st_mode))
		return fail(&im, CALOR_EINVAL, 0,
			    "import reads its input twice (a check, then the "
			    "writes): give it a regular file, not a pipe");
	im.size = (uint64_t)before.st_size;
	if ((rc = ndjson_parser_new(&im.parser)))
		goto out;
	im.pass = 1;
	if ((rc = pass(&im, in, &header)) || (rc = check_whole(&im)))
		goto out;
	if ((rc = find_site(&im, &header)))
		goto out;
	str_copy(im.st.site_key, im.site.key, sizeof(im.st.site_key));
	if (!(im.g = calloc(1, sizeof(*im.g)))) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if ((rc = group_new(&im)))
		goto out;
	if (fstat(fileno(in), &after) != 0 || after.st_size != before.st_size ||
	    after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
		rc = fail(&im, CALOR_EINVAL, 0,
			  "the file changed while importing");
		goto out;
	}
	im.pass = 2;
	if ((rc = pass(&im, in, NULL)) || (rc = group_flush(&im)))
		goto out;
	if (o->progress)
		o->progress(o->progress_ctx, 2 * im.size, 2 * im.size);
	*ret_stats = im.st;
out:
	if (rc == CALOR_ENOMEM && !err->detail[0])
		fail(&im, rc, 0, "out of memory");
	if (im.g)
		arena_free(im.g->arena);
	free(im.g);
	pv_table_done(&im.pvs);
	ndjson_parser_free(im.parser);
	return rc;
}
