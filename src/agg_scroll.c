/* SPDX-License-Identifier: MIT */
/* agg_scroll: scroll reach and attention from page views' scroll records —
 * the reach curve per 1 % of the document, the depths reached by 75/50/25 %
 * of page views, the average fold, and dwell time per band. */
#include <stdlib.h>
#include <string.h>

#include "agg.h"

void agg_scroll_init(struct agg_scroll *a)
{
	memset(a, 0, sizeof(*a));
}

void agg_scroll_done(struct agg_scroll *a)
{
	if (!a)
		return;
	free(a->doc_h);
	memset(a, 0, sizeof(*a));
}

int agg_scroll_add(struct agg_scroll *a, int32_t depth, int32_t doc_h,
		   int32_t fold, int32_t reversals, const uint32_t *dwell)
{
	int64_t pct;

	if (doc_h <= 0)
		return 0;
	if (a->n_doc_h == a->cap_doc_h) {
		size_t cap = a->cap_doc_h ? 2 * a->cap_doc_h : 1024;
		int32_t *p = realloc(a->doc_h, cap * sizeof(*p));
		if (!p)
			return CALOR_ENOMEM;
		a->doc_h = p;
		a->cap_doc_h = cap;
	}
	a->doc_h[a->n_doc_h++] = doc_h;
	a->pageviews++;
	/* depth in whole percent of the document, rounded down: a page view
	 * "reaches" band i when its deepest bottom is at or below i % */
	pct = (int64_t)depth * AGG_BANDS / doc_h;
	if (pct > AGG_BANDS)
		pct = AGG_BANDS;
	if (pct < 0)
		pct = 0;
	a->reached[pct]++;
	if (fold > 0) {
		a->fold_n++;
		a->fold_px_sum += fold;
		a->fold_pct_sum +=
		    100.0 * (fold < doc_h ? fold : doc_h) / (double)doc_h;
	}
	a->reversals += reversals;
	if (dwell) {
		a->dwell_n++;
		for (int i = 0; i < AGG_BANDS; i++)
			a->dwell_ms[i] += dwell[i];
	}
	return 0;
}

static int cmp_i32(const void *pa, const void *pb)
{
	int32_t x = *(const int32_t *)pa, y = *(const int32_t *)pb;
	return (x > y) - (x < y);
}

void agg_scroll_finish(struct agg_scroll *a, struct agg_scroll_result *ret)
{
	static const double shares[3] = {0.75, 0.50, 0.25};
	uint64_t dwell_total = 0;
	int64_t at_least = 0;

	memset(ret, 0, sizeof(*ret));
	ret->pageviews = a->pageviews;
	/* reached[i] counts page views whose depth is exactly i %; reach at
	 * i is the share at i or deeper */
	for (int i = AGG_BANDS; i >= 0; i--) {
		at_least += a->reached[i];
		ret->reach[i] =
		    a->pageviews ? (double)at_least / a->pageviews : 0;
	}
	for (int k = 0; k < 3; k++) {
		ret->depth_pct[k] = 0;
		for (int i = AGG_BANDS; i >= 0; i--) {
			if (a->pageviews && ret->reach[i] >= shares[k]) {
				ret->depth_pct[k] = i;
				break;
			}
		}
	}
	if (a->n_doc_h) {
		qsort(a->doc_h, a->n_doc_h, sizeof(*a->doc_h), cmp_i32);
		ret->doc_h = a->doc_h[a->n_doc_h / 2];
	}
	if (a->fold_n) {
		ret->fold_pct = a->fold_pct_sum / (double)a->fold_n;
		ret->fold_px = (int32_t)(a->fold_px_sum / (double)a->fold_n);
	}
	ret->reversals_per_pageview =
	    a->pageviews ? (double)a->reversals / a->pageviews : 0;
	ret->dwell_pageviews = a->dwell_n;
	for (int i = 0; i < AGG_BANDS; i++)
		dwell_total += a->dwell_ms[i];
	for (int i = 0; i < AGG_BANDS; i++) {
		ret->dwell_ms[i] =
		    a->dwell_n ? (double)a->dwell_ms[i] / a->dwell_n : 0;
		ret->dwell_share[i] =
		    dwell_total ? (double)a->dwell_ms[i] / dwell_total : 0;
	}
}
