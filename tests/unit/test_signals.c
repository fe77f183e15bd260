/* SPDX-License-Identifier: MIT */
/* Unit tests for agg_signals: Wilson intervals against known values, quick
 * backs (and what is not one), excessive scrolling against the page's
 * median. */
#include "agg_signals.h"
#include "test.h"

TEST(wilson_known_values)
{
	double lo, hi;

	agg_wilson(6, 12, &lo, &hi);
	ASSERT_NEAR(lo, 0.2538, 0.0001);
	ASSERT_NEAR(hi, 0.7462, 0.0001);
	agg_wilson(0, 10, &lo, &hi);
	ASSERT_NEAR(lo, 0, 1e-12);
	ASSERT_NEAR(hi, 0.2775, 0.0001);
	agg_wilson(81, 263, &lo, &hi); /* Wilson (1927)-style textbook case */
	ASSERT_NEAR(lo, 0.2553, 0.0001);
	ASSERT_NEAR(hi, 0.3662, 0.0001);
	agg_wilson(0, 0, &lo, &hi);
	ASSERT_NEAR(hi, 0, 1e-12);
}

static const struct agg_signals_rules rules = {
    .quick_back_ms = 7000, .reversals_min = 6, .reversals_factor = 3};

TEST(quick_backs)
{
	struct agg_signals *a = agg_signals_new(&rules);
	const struct agg_signal_page *q, *sc;
	size_t nq, ns;

	ASSERT(a != NULL);
	/* s1: A, B for 3 s, A: a quick back from B */
	ASSERT_EQ(agg_signals_add(a, "/a", "s1", "p1", 0, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/b", "s1", "p2", 1000, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/a", "s1", "p3", 4000, 0), 0);
	/* s2: A, B for 8 s, A: too slow */
	ASSERT_EQ(agg_signals_add(a, "/a", "s2", "p4", 0, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/b", "s2", "p5", 1000, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/a", "s2", "p6", 9000, 0), 0);
	/* s3: B, then A in a new session: sessions do not join up */
	ASSERT_EQ(agg_signals_add(a, "/a", "s3", "p7", 0, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/b", "s3", "p8", 1000, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/a", "s4", "p9", 2000, 0), 0);
	/* s5: A, B, C: forward, not back */
	ASSERT_EQ(agg_signals_add(a, "/a", "s5", "pa", 0, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/b", "s5", "pb", 1000, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/c", "s5", "pc", 2000, 0), 0);
	/* s6: A B A B A: back from B twice, and from A once (B A B) */
	ASSERT_EQ(agg_signals_add(a, "/a", "s6", "pd", 0, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/b", "s6", "pe", 100, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/a", "s6", "pf", 200, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/b", "s6", "pg", 300, 0), 0);
	ASSERT_EQ(agg_signals_add(a, "/a", "s6", "ph", 400, 0), 0);
	ASSERT_EQ(agg_signals_finish(a, &q, &nq, &sc, &ns), 0);
	ASSERT_EQ(nq, 2);
	ASSERT_STR(q[1].page, "/a");
	ASSERT_EQ(q[1].count, 1);
	ASSERT_STR(q[0].page, "/b");
	ASSERT_EQ(q[0].count, 3);
	ASSERT_EQ(q[0].sessions, 2);
	ASSERT_EQ(q[0].n_examples, 3);
	ASSERT_EQ(q[0].examples[0].ts, 1000); /* latest first */
	ASSERT_STR(q[0].examples[0].pageview, "p2");
	ASSERT_EQ(q[0].examples[2].ts, 100);
	ASSERT_EQ(ns, 0);
	agg_signals_free(a);
}

TEST(excessive_scrolling)
{
	struct agg_signals *a = agg_signals_new(&rules);
	const struct agg_signal_page *q, *sc;
	size_t nq, ns;
	char sid[16], pv[16];

	ASSERT(a != NULL);
	/* /calm: median 0, so the floor (6) decides; /busy: median 4, so
	 * 3 × 4 = 12 does */
	for (int i = 0; i < 20; i++) {
		snprintf(sid, sizeof(sid), "s%02d", i);
		snprintf(pv, sizeof(pv), "c%02d", i);
		ASSERT_EQ(agg_signals_add(a, "/calm", sid, pv, i,
					  i == 3   ? 6
					  : i == 4 ? 5
						   : 0),
			  0);
		snprintf(pv, sizeof(pv), "b%02d", i);
		ASSERT_EQ(agg_signals_add(a, "/busy", sid, pv, 100 + i,
					  i < 2 ? 12 + i : 4),
			  0);
	}
	ASSERT_EQ(agg_signals_finish(a, &q, &nq, &sc, &ns), 0);
	ASSERT_EQ(ns, 2);
	ASSERT_STR(sc[0].page, "/busy");
	ASSERT_EQ(sc[0].count, 2);
	ASSERT_EQ(sc[0].median, 4);
	ASSERT_EQ(sc[0].threshold, 12);
	ASSERT_STR(sc[1].page, "/calm");
	ASSERT_EQ(sc[1].count, 1);
	ASSERT_EQ(sc[1].threshold, 6);
	ASSERT_STR(sc[1].examples[0].pageview, "c03");
	agg_signals_free(a);
}

TEST_MAIN(RUN(wilson_known_values); RUN(quick_backs); RUN(excessive_scrolling))
