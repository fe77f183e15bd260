/* SPDX-License-Identifier: MIT */
/* agg_signals: quick backs and excessive scrolling from page views in
 * session order (see agg_signals.h), and Wilson intervals. */
#include "agg_signals.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

void agg_wilson(int64_t k, int64_t n, double *ret_low, double *ret_high)
{
	const double z = 1.959963984540054;
	double p, denom, centre, half;

	if (n <= 0) {
		*ret_low = *ret_high = 0;
		return;
	}
	p = (double)k / (double)n;
	denom = 1 + z * z / (double)n;
	centre = (p + z * z / (2.0 * (double)n)) / denom;
	half = z *
	       sqrt(p * (1 - p) / (double)n +
		    z * z / (4.0 * (double)n * (double)n)) /
	       denom;
	*ret_low = centre - half < 0 ? 0 : centre - half;
	*ret_high = centre + half > 1 ? 1 : centre + half;
}

/* What the collector keeps per page. */
struct page_state {
	char *page;
	int32_t *reversals; /* every page view's, for the median */
	size_t n_rev, cap_rev;
	struct agg_signal_page quick;
	char last_quick_session[65];
	/* page views kept for the second pass over excessive scrolling */
	struct pv_note {
		int64_t ts;
		int32_t reversals;
		char pageview[65], session[65];
	} * notes;
	size_t n_notes, cap_notes;
};

/* The session's previous page views (the last two). */
struct recent {
	size_t page; /* index into pages */
	int64_t ts;
	char pageview[65];
};

struct agg_signals {
	struct agg_signals_rules rules;
	struct page_state *pages;
	size_t n_pages, cap_pages;
	char session[65];
	struct recent prev[2]; /* prev[0] the latest */
	size_t n_prev;
	struct agg_signal_page *quick, *scroll;
};

struct agg_signals *agg_signals_new(const struct agg_signals_rules *rules)
{
	struct agg_signals *a = calloc(1, sizeof(*a));
	if (a)
		a->rules = *rules;
	return a;
}

void agg_signals_free(struct agg_signals *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_pages; i++) {
		free(a->pages[i].page);
		free(a->pages[i].reversals);
		free(a->pages[i].notes);
	}
	free(a->pages);
	free(a->quick);
	free(a->scroll);
	free(a);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * size);
	if (!np)
		return CALOR_ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

/* The page's index, added when new. Pages are few (a site's paths), so a
 * linear search over them is fine up to thousands. */
static int page_index(struct agg_signals *a, const char *page, size_t *ret)
{
	struct page_state *ps;

	for (size_t i = a->n_pages; i-- > 0;)
		if (strcmp(a->pages[i].page, page) == 0) {
			*ret = i;
			return 0;
		}
	if (grow((void **)&a->pages, &a->cap_pages, a->n_pages + 1,
		 sizeof(*a->pages)))
		return CALOR_ENOMEM;
	ps = &a->pages[a->n_pages];
	memset(ps, 0, sizeof(*ps));
	if (!(ps->page = strdup(page)))
		return CALOR_ENOMEM;
	ps->quick.page = ps->page;
	*ret = a->n_pages++;
	return 0;
}

/* Keep ex among the latest AGG_SIGNAL_EXAMPLES of s. */
static void example_add(struct agg_signal_page *s, int64_t ts,
			const char *pageview, const char *session)
{
	size_t i = s->n_examples;

	if (i == AGG_SIGNAL_EXAMPLES) {
		if (ts <= s->examples[i - 1].ts)
			return;
		i--;
	} else {
		s->n_examples++;
	}
	while (i > 0 && s->examples[i - 1].ts < ts) {
		s->examples[i] = s->examples[i - 1];
		i--;
	}
	s->examples[i].ts = ts;
	str_copy(s->examples[i].pageview, pageview,
		 sizeof(s->examples[i].pageview));
	str_copy(s->examples[i].session, session,
		 sizeof(s->examples[i].session));
}

int agg_signals_add(struct agg_signals *a, const char *page,
		    const char *session, const char *pageview, int64_t ts,
		    int32_t reversals)
{
	struct page_state *ps;
	struct pv_note *note;
	size_t idx;

	if (page_index(a, page, &idx))
		return CALOR_ENOMEM;
	ps = &a->pages[idx];
	if (grow((void **)&ps->reversals, &ps->cap_rev, ps->n_rev + 1,
		 sizeof(*ps->reversals)) ||
	    grow((void **)&ps->notes, &ps->cap_notes, ps->n_notes + 1,
		 sizeof(*ps->notes)))
		return CALOR_ENOMEM;
	ps->reversals[ps->n_rev++] = reversals;
	if (reversals >= a->rules.reversals_min) {
		/* only page views that could be excessive are kept */
		note = &ps->notes[ps->n_notes++];
		note->ts = ts;
		note->reversals = reversals;
		str_copy(note->pageview, pageview, sizeof(note->pageview));
		str_copy(note->session, session, sizeof(note->session));
	}

	if (strcmp(session, a->session) != 0) {
		str_copy(a->session, session, sizeof(a->session));
		a->n_prev = 0;
	}
	/* A, B, then A again within quick_back_ms of arriving at B: a quick
	 * back from B */
	if (a->n_prev == 2 && a->prev[1].page == idx &&
	    a->prev[0].page != idx &&
	    ts - a->prev[0].ts <= a->rules.quick_back_ms) {
		struct page_state *b = &a->pages[a->prev[0].page];
		b->quick.count++;
		if (strcmp(b->last_quick_session, session) != 0) {
			b->quick.sessions++;
			str_copy(b->last_quick_session, session,
				 sizeof(b->last_quick_session));
		}
		example_add(&b->quick, a->prev[0].ts, a->prev[0].pageview,
			    session);
	}
	a->prev[1] = a->prev[0];
	a->prev[0].page = idx;
	a->prev[0].ts = ts;
	str_copy(a->prev[0].pageview, pageview, sizeof(a->prev[0].pageview));
	if (a->n_prev < 2)
		a->n_prev++;
	return 0;
}

static int cmp_i32(const void *pa, const void *pb)
{
	int32_t x = *(const int32_t *)pa, y = *(const int32_t *)pb;
	return (x > y) - (x < y);
}

static int cmp_count(const void *pa, const void *pb)
{
	const struct agg_signal_page *x = pa, *y = pb;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->page, y->page);
}

/* Count a page's excessive page views into *s. */
static void excessive(const struct agg_signals_rules *r, struct page_state *ps,
		      struct agg_signal_page *s)
{
	int64_t threshold;
	const char *last = "";

	memset(s, 0, sizeof(*s));
	s->page = ps->page;
	qsort(ps->reversals, ps->n_rev, sizeof(*ps->reversals), cmp_i32);
	s->median = ps->n_rev ? ps->reversals[ps->n_rev / 2] : 0;
	threshold = (int64_t)s->median * r->reversals_factor;
	if (threshold < r->reversals_min)
		threshold = r->reversals_min;
	s->threshold = threshold > INT32_MAX ? INT32_MAX : (int32_t)threshold;
	/* notes are in session order, so sessions change only forward */
	for (size_t i = 0; i < ps->n_notes; i++) {
		const struct pv_note *n = &ps->notes[i];
		if (n->reversals < s->threshold)
			continue;
		s->count++;
		if (strcmp(n->session, last) != 0) {
			s->sessions++;
			last = n->session;
		}
		example_add(s, n->ts, n->pageview, n->session);
	}
}

int agg_signals_finish(struct agg_signals *a,
		       const struct agg_signal_page **ret_quick,
		       size_t *ret_n_quick,
		       const struct agg_signal_page **ret_scroll,
		       size_t *ret_n_scroll)
{
	size_t nq = 0, ns = 0;

	free(a->quick);
	free(a->scroll);
	a->quick = calloc(a->n_pages + 1, sizeof(*a->quick));
	a->scroll = calloc(a->n_pages + 1, sizeof(*a->scroll));
	if (!a->quick || !a->scroll)
		return CALOR_ENOMEM;
	for (size_t i = 0; i < a->n_pages; i++) {
		struct agg_signal_page s;

		if (a->pages[i].quick.count)
			a->quick[nq++] = a->pages[i].quick;
		excessive(&a->rules, &a->pages[i], &s);
		if (s.count)
			a->scroll[ns++] = s;
	}
	qsort(a->quick, nq, sizeof(*a->quick), cmp_count);
	qsort(a->scroll, ns, sizeof(*a->scroll), cmp_count);
	*ret_quick = a->quick;
	*ret_n_quick = nq;
	*ret_scroll = a->scroll;
	*ret_n_scroll = ns;
	return 0;
}
