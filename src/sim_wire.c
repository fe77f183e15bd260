/* SPDX-License-Identifier: MIT */
/* sim_wire: a planned page view (sim_int.h) written as the /collect
 * batches calor.js would send for it (docs/wire.md, docs/tracker.md): a
 * flush every 5 s when something is new and one when the page is left;
 * clicks queued after their 3 s observation window (with rt/et); one move event per flush; the
 * scroll event (depth, fold, reversals, attention deltas) last; at most 50
 * events per batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "ingest.h"
#include "sim_int.h"

#define FLUSH_MS      5000
#define WINDOW_MS     3000
#define MAX_BATCH_EV  50
#define DWELL_STEP_MS 250
#define MOVE_POINTS   300

int sim_pv_scroll_at(const struct sim_pv *pv, int64_t t)
{
	int i;
	if (pv->n_kf == 0 || t <= pv->kf_t[0])
		return pv->n_kf ? pv->kf_y[0] : 0;
	for (i = 1; i < pv->n_kf; i++)
		if (t < pv->kf_t[i]) {
			int64_t dt = pv->kf_t[i] - pv->kf_t[i - 1];
			return pv->kf_y[i - 1] +
			       (int)((pv->kf_y[i] - pv->kf_y[i - 1]) *
				     (t - pv->kf_t[i - 1]) / (dt ? dt : 1));
		}
	return pv->kf_y[pv->n_kf - 1];
}

/* Deepest visible bottom until t, capped at the document height. */
static int depth_at(const struct sim_pv *pv, int64_t t)
{
	int d = sim_pv_scroll_at(pv, t);
	for (int i = 0; i < pv->n_kf && pv->kf_t[i] <= t; i++)
		if (pv->kf_y[i] > d)
			d = pv->kf_y[i];
	d += pv->view->vh;
	return d < pv->view->dh ? d : pv->view->dh;
}

/* Direction reversals of the keyframes until t. */
static int reversals_at(const struct sim_pv *pv, int64_t t)
{
	int n = 0, dir = 0;
	for (int i = 1; i < pv->n_kf && pv->kf_t[i] <= t; i++) {
		int d = pv->kf_y[i] > pv->kf_y[i - 1]	? 1
			: pv->kf_y[i] < pv->kf_y[i - 1] ? -1
							: 0;
		if (!d)
			continue;
		if (dir && d != dir)
			n++;
		dir = d;
	}
	return n;
}

struct writer_state {
	const struct sim_params *p;
	const struct sim_visitor *v;
	const struct sim_pv *pv;
	struct sim_session *s;
	struct sim_truth *t;
	int seq;
	int64_t dwell_t; /* attention integrated until here */
	int64_t dwell[INGEST_BANDS], dwell_sent[INGEST_BANDS];
};

static void dwell_advance(struct writer_state *w, int64_t to)
{
	const struct sim_pv *pv = w->pv;
	int dh = pv->view->dh, vh = pv->view->vh;
	while (w->dwell_t < to) {
		int64_t dt = to - w->dwell_t < DWELL_STEP_MS ? to - w->dwell_t
							     : DWELL_STEP_MS;
		int64_t sy = sim_pv_scroll_at(pv, w->dwell_t + dt / 2);
		int b0 = (int)(sy * 100 / dh);
		int b1 = (int)(((sy + vh) * 100 + dh - 1) / dh);
		if (b0 < 0)
			b0 = 0;
		if (b1 > INGEST_BANDS)
			b1 = INGEST_BANDS;
		for (int i = b0; i < b1; i++)
			w->dwell[i] += dt;
		w->dwell_t += dt;
	}
}

static int add_pv(struct dynbuf *b, const struct writer_state *w)
{
	const struct sim_visitor *v = w->v;
	const struct sim_pv *pv = w->pv;
	int rc =
	    dynbuf_addf(b,
			"\"pv\":{\"id\":\"%s\",\"seq\":%d,\"sid\":\"%s\","
			"\"url\":\"%s\",\"ref\":\"%s\",\"ts\":%lld,"
			"\"vw\":%d,\"vh\":%d,\"dpr\":%g,\"new\":%s",
			pv->id, w->seq, v->sid, sim_page_url(pv->page),
			pv->first && v->ref ? v->ref : "", (long long)pv->start,
			v->vw, v->vh, v->dpr, v->is_new ? "true" : "false");
	if (!rc && v->utm_source)
		rc =
		    dynbuf_addf(b,
				",\"utm\":{\"source\":\"%s\",\"medium\":\"%s\","
				"\"campaign\":\"%s\"}",
				v->utm_source, v->utm_medium, v->utm_campaign);
	if (!rc)
		rc = dynbuf_addf(b, ",\"tags\":{\"variant\":\"%s\"",
				 v->variant ? "B" : "A");
	if (!rc && pv->page == SIM_PRICING)
		rc =
		    dynbuf_addf(b, ",\"billing\":\"%s\"",
				pv->yearly_at >= 0 && w->dwell_t > pv->yearly_at
				    ? "yearly"
				    : "monthly");
	if (!rc)
		rc = dynbuf_adds(b, "}}");
	return rc;
}

/* A JSON string's inside as JSON.stringify writes it: only '"', '\\' and
 * control characters are escaped ('>' in selectors stays as it is). */
static int add_string(struct dynbuf *b, const char *s)
{
	int rc = 0;
	for (; !rc && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			rc = dynbuf_addf(b, "\\%c", ch);
		else if (ch < 0x20)
			rc = dynbuf_addf(b, "\\u%04x", ch);
		else
			rc = dynbuf_add(b, s, 1);
	}
	return rc;
}

static int add_click(struct dynbuf *b, const struct writer_state *w,
		     const struct sim_click *c, const char *sel)
{
	static const char *const pts[] = {"mouse", "touch", "pen", "key"};
	const struct sim_view *view = w->pv->view;
	int ex =
	    c->box.w > 0
		? (int)(((double)(c->x - c->box.x) + 0.5) / c->box.w * 65535 +
			0.5)
		: 0;
	int ey =
	    c->box.h > 0
		? (int)(((double)(c->y - c->box.y) + 0.5) / c->box.h * 65535 +
			0.5)
		: 0;
	int rc;
	ex = ex < 0 ? 0 : ex > 65535 ? 65535 : ex;
	ey = ey < 0 ? 0 : ey > 65535 ? 65535 : ey;
	if (c->pt == SIM_PT_KEY)
		ex = ey = 32768;
	rc = dynbuf_addf(b,
			 "{\"t\":\"click\",\"ts\":%lld,\"x\":%d,\"y\":%d,"
			 "\"vw\":%d,\"vh\":%d,\"dw\":%d,\"dh\":%d,\"sel\":\"",
			 (long long)(w->pv->start + c->t), c->x, c->y, w->v->vw,
			 w->v->vh, view->dw, view->dh);
	if (!rc)
		rc = add_string(b, sel);
	if (!rc)
		rc = dynbuf_addf(b,
				 "\",\"ex\":%d,\"ey\":%d,\"ew\":%d,\"eh\":%d,"
				 "\"pt\":\"%s\",\"fx\":%d,\"ia\":%d,"
				 "\"rt\":%d,\"et\":%d,\"dead\":%d,\"err\":%d}",
				 ex, ey, c->box.w, c->box.h, pts[c->pt], c->fx,
				 c->ia, c->rt, c->et, c->dead, c->err);
	return rc;
}

/* Queue items of one flush window, in the order calor.js queues them. */
enum item_kind { ITEM_CLICK, ITEM_GOAL, ITEM_MOVE };
struct item {
	int64_t qt;
	enum item_kind kind;
	int index, count; /* click/goal index; move: first point, points */
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->qt != y->qt)
		return x->qt < y->qt ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int add_item(struct dynbuf *b, const struct writer_state *w,
		    const struct item *it, const struct sim_layout *l)
{
	const struct sim_pv *pv = w->pv;
	static const char *const goals[SIM_GOALS] = {"signup", "trial_start",
						     "add_to_cart"};
	if (it->kind == ITEM_CLICK) {
		const struct sim_click *c = &pv->clicks[it->index];
		return add_click(b, w, c, l->sels[c->sel]);
	}
	if (it->kind == ITEM_GOAL)
		return dynbuf_addf(
		    b, "{\"t\":\"goal\",\"ts\":%lld,\"name\":\"%s\"}",
		    (long long)(pv->start + pv->goals[it->index].t),
		    goals[pv->goals[it->index].goal]);
	{
		const struct sim_point *p0 = &pv->points[it->index];
		int rc = dynbuf_addf(b, "{\"t\":\"move\",\"ts\":%lld,\"p\":[",
				     (long long)(pv->start + p0->t));
		for (int i = 0; !rc && i < it->count; i++) {
			const struct sim_point *q = &pv->points[it->index + i];
			rc = dynbuf_addf(b, "%s%d,%d,%lld", i ? "," : "", q->x,
					 q->y, (long long)(q->t - p0->t));
		}
		if (!rc)
			rc = dynbuf_addf(b, "],\"vw\":%d,\"dh\":%d}", w->v->vw,
					 pv->view->dh);
		return rc;
	}
}

static int session_push(struct sim_session *s, struct dynbuf *b, size_t now_at,
			int n_events)
{
	struct sim_batch *nb;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		nb = realloc(s->batches, cap * sizeof(*nb));
		if (!nb)
			return CALOR_ENOMEM;
		s->batches = nb;
		s->cap = cap;
	}
	nb = &s->batches[s->n];
	nb->body = dynbuf_take(b, &nb->len);
	if (!nb->body)
		return CALOR_ENOMEM;
	nb->now_at = now_at;
	nb->n_events = n_events;
	s->n++;
	return 0;
}

/* Write the batches of one flush: items, then the scroll event (NULL when
 * there is none), 50 events per batch. */
static int emit(struct writer_state *w, const struct sim_layout *l,
		const struct item *items, int n_items, const char *scroll)
{
	int total = n_items + (scroll ? 1 : 0), done = 0, rc = 0;
	while (!rc && done < total) {
		struct dynbuf b;
		size_t now_at;
		int k = 0;
		dynbuf_init(&b, INGEST_MAX_BODY);
		rc = dynbuf_adds(&b, "{\"v\":1,\"site\":\"");
		if (!rc)
			rc = add_string(&b, w->p->site);
		if (!rc)
			rc = dynbuf_adds(&b, "\",\"now\":");
		now_at = b.len;
		if (!rc)
			rc = dynbuf_adds(&b, "0000000000000,");
		if (!rc)
			rc = add_pv(&b, w);
		if (!rc)
			rc = dynbuf_adds(&b, ",\"ev\":[");
		for (; !rc && done < total && k < MAX_BATCH_EV; k++, done++) {
			if (k)
				rc = dynbuf_adds(&b, ",");
			if (rc)
				break;
			if (done < n_items)
				rc = add_item(&b, w, &items[done], l);
			else
				rc = dynbuf_adds(&b, scroll);
		}
		if (!rc)
			rc = dynbuf_adds(&b, "]}");
		if (!rc)
			rc = session_push(w->s, &b, now_at, k);
		dynbuf_done(&b);
		if (!rc) {
			w->seq++;
			w->t->batches++;
			w->t->events += k;
		}
	}
	return rc;
}

int sim_wire_pageview(const struct sim_layout *l, const struct sim_params *p,
		      const struct sim_visitor *v, const struct sim_pv *pv,
		      struct sim_session *s, struct sim_truth *t)
{
	struct writer_state *w = calloc(1, sizeof(*w));
	struct item *items = NULL;
	struct dynbuf sc;
	int64_t prev = -1, tf;
	int sent_depth = 0, first = 1, rev_sent = 0, rc = 0, n_max, page_sel;
	int pi = 0; /* next point */
	int depth;

	dynbuf_init(&sc, 4096);
	n_max = pv->n_clicks + pv->n_goals + pv->n_points + 4;
	items = calloc((size_t)n_max, sizeof(*items));
	if (!w || !items) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	w->p = p;
	w->v = v;
	w->pv = pv;
	w->s = s;
	w->t = t;
	for (tf = FLUSH_MS;; tf += FLUSH_MS) {
		int last = tf >= pv->dur, n = 0, any_dwell = 0, rev, make;
		if (last)
			tf = pv->dur;
		for (int i = 0; i < pv->n_clicks; i++) {
			int64_t qt = pv->clicks[i].t + WINDOW_MS;
			if (qt > pv->dur)
				qt =
				    pv->dur; /* settled when the page is left */
			if (qt > prev && qt <= tf)
				items[n++] =
				    (struct item){qt, ITEM_CLICK, i, 1};
		}
		for (int i = 0; i < pv->n_goals; i++)
			if (pv->goals[i].t > prev && pv->goals[i].t <= tf)
				items[n++] = (struct item){pv->goals[i].t,
							   ITEM_GOAL, i, 1};
		while (pi < pv->n_points && pv->points[pi].t <= tf) {
			int k = 0;
			while (pi + k < pv->n_points &&
			       pv->points[pi + k].t <= tf && k < MOVE_POINTS)
				k++;
			items[n++] =
			    (struct item){pv->points[pi].t, ITEM_MOVE, pi, k};
			pi += k;
		}
		qsort(items, (size_t)n, sizeof(*items), item_cmp);
		dwell_advance(w, tf);
		for (int i = 0; i < INGEST_BANDS; i++)
			any_dwell |= w->dwell[i] > w->dwell_sent[i];
		depth = depth_at(pv, tf);
		rev = reversals_at(pv, tf) - rev_sent;
		make = depth > sent_depth || first || rev > 0 ||
		       (any_dwell && (last || n > 0));
		dynbuf_clear(&sc);
		if (make) {
			rc = dynbuf_addf(&sc,
					 "{\"t\":\"scroll\",\"ts\":%lld,"
					 "\"y\":%d,\"dh\":%d",
					 (long long)(pv->start + tf), depth,
					 pv->view->dh);
			if (!rc && first)
				rc = dynbuf_addf(&sc, ",\"fold\":%d", v->vh);
			if (!rc && rev > 0)
				rc = dynbuf_addf(&sc, ",\"rev\":%d", rev);
			if (!rc && any_dwell) {
				rc = dynbuf_adds(&sc, ",\"dwell\":[");
				for (int i = 0; !rc && i < INGEST_BANDS; i++) {
					int64_t d =
					    w->dwell[i] - w->dwell_sent[i];
					if (d > INGEST_MAX_MS_DELTA)
						d = INGEST_MAX_MS_DELTA;
					w->dwell_sent[i] += d;
					rc = dynbuf_addf(&sc, "%s%lld",
							 i ? "," : "",
							 (long long)d);
				}
				if (!rc)
					rc = dynbuf_adds(&sc, "]");
			}
			if (!rc)
				rc = dynbuf_adds(&sc, "}");
			if (rc)
				goto out;
			sent_depth = depth;
			rev_sent += rev > 0 ? rev : 0;
			first = 0;
		}
		if (n > 0 || make)
			if ((rc = emit(w, l, items, n, make ? sc.data : NULL)))
				goto out;
		prev = tf;
		if (last)
			break;
	}

	/* the truth of this page view */
	t->pageviews++;
	t->devices[v->device]++;
	t->browsers[v->browser]++;
	t->os[v->os]++;
	depth = depth_at(pv, pv->dur);
	t->depth[pv->page][v->device][depth * 100 / pv->view->dh]++;
	if (reversals_at(pv, pv->dur) >= 15)
		t->excessive[pv->page]++;
	for (int i = 0; i < pv->n_clicks; i++) {
		const struct sim_click *c = &pv->clicks[i];
		page_sel = (int)pv->page * (int)t->n_sels + c->sel;
		t->clicks++;
		t->el[page_sel].clicks++;
		t->el[page_sel].dead += c->dead;
		t->el[page_sel].err += c->err;
	}
out:
	dynbuf_done(&sc);
	free(items);
	free(w);
	return rc;
}
