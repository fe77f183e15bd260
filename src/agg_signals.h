/* SPDX-License-Identifier: MIT */
/* agg_signals: the session-level frustration signals — quick backs and
 * excessive scrolling — found in a stream of page views in session order,
 * and the 95 % Wilson interval every share carries. Does no I/O. */
#ifndef CALOR_AGG_SIGNALS_H
#define CALOR_AGG_SIGNALS_H

#include <stddef.h>
#include <stdint.h>

#define AGG_SIGNAL_EXAMPLES 3

/* The 95 % Wilson score interval of k successes in n trials (0..1 each;
 * [0, 0] when n is 0). */
void agg_wilson(int64_t k, int64_t n, double *ret_low, double *ret_high);

/* One example of a signal: the page view it happened in. */
struct agg_example {
	int64_t ts;
	char pageview[65], session[65];
};

/* A signal's count on one page. */
struct agg_signal_page {
	char *page;
	int64_t count, sessions;
	struct agg_example examples[AGG_SIGNAL_EXAMPLES]; /* latest first */
	size_t n_examples;
	/* excessive scrolling only: the page's median reversals and the
	 * count a page view needed to reach */
	int32_t median, threshold;
};

struct agg_signals_rules {
	int64_t quick_back_ms;
	int32_t reversals_min, reversals_factor;
};

struct agg_signals;

/* A new collector under rules, or NULL when out of memory. */
struct agg_signals *agg_signals_new(const struct agg_signals_rules *rules);
void agg_signals_free(struct agg_signals *a);
/* Add the next page view. Page views must come grouped by session and in
 * time order within each. CALOR_ENOMEM or 0. */
int agg_signals_add(struct agg_signals *a, const char *page,
		    const char *session, const char *pageview, int64_t ts,
		    int32_t reversals);
/* Finish: the pages with quick backs (a visitor left the page for the
 * previous one within quick_back_ms of arriving) and with excessive
 * scrolling (a page view whose reversals are at least reversals_min and
 * at least reversals_factor times the page's median), most first. The
 * arrays stay owned by a. */
int agg_signals_finish(struct agg_signals *a,
		       const struct agg_signal_page **ret_quick,
		       size_t *ret_n_quick,
		       const struct agg_signal_page **ret_scroll,
		       size_t *ret_n_scroll);

#endif
