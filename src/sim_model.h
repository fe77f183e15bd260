/* SPDX-License-Identifier: MIT */
/* sim_model: the visitors of `calor simulate` (docs/simulate.md). The demo
 * site's measured layout (web/demo/layout.json, sim_layout.c), a seeded
 * PRNG, one session at a time turned into the /collect batches calor.js
 * would send (sim_model.c plans the visit, sim_wire.c writes the batches),
 * and the truth that was planted, counted as it is generated. No I/O. */
#ifndef CALOR_SIM_MODEL_H
#define CALOR_SIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* ---- PRNG: xoshiro256** seeded through splitmix64 ---- */
struct sim_rng {
	uint64_t s[4];
};
/* One step of splitmix64 (also a good 64-bit mixer). */
uint64_t sim_splitmix64(uint64_t *state);
void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, 1). */
double sim_rng_unit(struct sim_rng *r);
/* Uniform integer in [lo, hi]. */
int64_t sim_rng_range(struct sim_rng *r, int64_t lo, int64_t hi);
/* Standard normal. */
double sim_rng_normal(struct sim_rng *r);

/* ---- the demo's layout ---- */
/* Pages (normalised URLs as calor.js sends them) and the layout's page
 * states (the home page has two variants). */
enum sim_page {
	SIM_HOME,
	SIM_PRODUCT,
	SIM_PRICING,
	SIM_APP,
	SIM_SETTINGS,
	SIM_PAGES
};
enum sim_state {
	SIM_ST_HOME_A,
	SIM_ST_HOME_B,
	SIM_ST_PRODUCT,
	SIM_ST_PRICING,
	SIM_ST_APP,
	SIM_ST_SETTINGS,
	SIM_STATES
};
#define SIM_MAX_VIEWS 16
#define SIM_MAX_ELS   48

struct sim_box {
	int x, y, w, h; /* document px */
};

/* What a click on a layout key hits, measured in Chromium. */
struct sim_el {
	const char *key; /* querySelector key, e.g. "#cta-hero" */
	int sel;	 /* the hit element's selector (sim_layout.sels) */
	struct sim_box box;
	int ia, fx; /* interactive, in a fixed/sticky container */
	int has_miss;
	int miss_sel; /* what a click just outside hits */
	struct sim_box miss_box;
	int miss_ia, miss_fx;
	int probe_x, probe_y; /* the measured point outside, document px */
};

struct sim_view {
	int vw, vh, dw, dh;
	size_t n_el;
	struct sim_el el[SIM_MAX_ELS];
};

struct sim_layout {
	struct {
		size_t n_views;
		struct sim_view views[SIM_MAX_VIEWS];
	} states[SIM_STATES];
	char **sels; /* interned selectors */
	size_t n_sels;
	char **keys; /* interned keys (sim_el.key points here) */
	size_t n_keys;
};

/* The URL path of a page ("/demo/index.html"); static. */
const char *sim_page_url(enum sim_page p);

/* Parse layout.json (scripts/demo-layout.mjs). Returns 0, CALOR_EINVAL
 * (reason in err) or CALOR_ENOMEM. Caller frees with sim_layout_free(). */
int sim_layout_parse(const char *json, size_t len, struct sim_layout **ret,
		     char *err, size_t err_size);
void sim_layout_free(struct sim_layout *l);
/* The view of a state at viewport width vw; NULL when not measured. */
const struct sim_view *sim_layout_view(const struct sim_layout *l,
				       enum sim_state s, int vw);
/* The element of a view for a key; NULL when absent at that width. */
const struct sim_el *sim_view_el(const struct sim_view *v, const char *key);

/* ---- truth: what was planted, counted while generating ---- */
enum sim_goal { SIM_GOAL_SIGNUP, SIM_GOAL_TRIAL, SIM_GOAL_CART, SIM_GOALS };

struct sim_el_count {
	int64_t clicks, dead, rage, err;
};

struct sim_truth {
	int64_t sessions, pageviews, batches, events, clicks;
	int64_t devices[3];  /* page views per server device class */
	int64_t browsers[7]; /* per enum browser_family */
	int64_t os[7];	     /* per enum os_family */
	int64_t sources[5];  /* sessions per source class */
	int64_t new_sessions;
	struct {
		int64_t sessions, pageviews, cta_clicks, page_clicks;
		int64_t signups; /* sessions with the signup goal */
	} variant[2];
	int64_t goal_sessions[SIM_GOALS];
	int64_t quick_backs[SIM_PAGES]; /* per page left quickly */
	int64_t excessive[SIM_PAGES];	/* page views with 15+ reversals */
	int64_t rage_bursts;
	/* depth of every page view, in whole % of the document height */
	int64_t depth[SIM_PAGES][3][101];
	int planted_median[SIM_PAGES]; /* % of the page, per page */
	size_t n_sels;
	struct sim_el_count *el; /* [page * n_sels + sel] */
};

/* Zeroed truth with per-element counters for n_sels selectors. 0 or
 * CALOR_ENOMEM; release with sim_truth_done(). */
int sim_truth_init(struct sim_truth *t, size_t n_sels);
void sim_truth_done(struct sim_truth *t);
/* Add src's counts to dst (same n_sels). */
void sim_truth_merge(struct sim_truth *dst, const struct sim_truth *src);
/* The 50 % reach depth of a page and device class, in %, computed like
 * the server's reach curve: the deepest d with at least half the page
 * views reaching d % of the document; device -1: all classes together.
 * -1 without page views. */
int sim_truth_reach50(const struct sim_truth *t, enum sim_page p, int device);
/* Page views of a page and device class (-1: every class) with a depth. */
int64_t sim_truth_depth_pageviews(const struct sim_truth *t, enum sim_page p,
				  int device);

/* ---- sessions ---- */
struct sim_params {
	const char *site; /* site key, [A-Za-z0-9_-]{1,64} */
	uint64_t seed;
	int64_t base_ms; /* the simulated "now": sessions end before it */
	int days;	 /* sessions start within base - days .. base */
};

/* One /collect body; "now" is written by sim_batch_set_now() just before
 * it is sent. */
struct sim_batch {
	char *body;
	size_t len;
	size_t now_at; /* offset of the 13 digits of "now" */
	int n_events;
};

struct sim_session {
	const char *user_agent; /* static */
	struct sim_batch *batches;
	size_t n, cap;
};

/* Generate session number index of the run: its batches in sending order
 * and its truth added to t. Deterministic in (params, index). Returns 0 or
 * CALOR_ENOMEM. Caller releases with sim_session_done() (also on error). */
int sim_session_generate(const struct sim_layout *l, const struct sim_params *p,
			 uint64_t index, struct sim_truth *t,
			 struct sim_session *ret);
void sim_session_done(struct sim_session *s);
/* Write now_ms (13 digits) into the batch's "now". */
void sim_batch_set_now(struct sim_batch *b, int64_t now_ms);

#endif
