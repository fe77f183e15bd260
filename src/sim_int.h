/* SPDX-License-Identifier: MIT */
/* sim_int: what sim_model.c (plans a visit) hands to sim_wire.c (writes the
 * batches calor.js would send for it). Private to the simulator. */
#ifndef CALOR_SIM_INT_H
#define CALOR_SIM_INT_H

#include "sim_model.h"

#define SIM_MAX_KF     96
#define SIM_MAX_CLICKS 48
#define SIM_MAX_POINTS 1000 /* calor.js: at most 1000 points per page view */
#define SIM_MAX_GOALS  4
#define SIM_ID_LEN     22

enum sim_pointer { SIM_PT_MOUSE, SIM_PT_TOUCH, SIM_PT_PEN, SIM_PT_KEY };

/* The visitor and the session: the same on every page view. */
struct sim_visitor {
	int device; /* the server's class of vw: 0 desktop, 1 tablet, 2 mobile */
	int vw, vh;
	double dpr;
	enum sim_pointer pointer;
	const char *user_agent;
	int browser, os; /* enum browser_family / os_family the UA gives */
	int is_new;
	int variant; /* 0 = A, 1 = B */
	int source;  /* enum source_class */
	const char *ref;
	const char *utm_source, *utm_medium, *utm_campaign; /* or NULL */
	char sid[SIM_ID_LEN + 1];
};

struct sim_click {
	int64_t t; /* ms after the page view's start */
	int x, y;  /* document px */
	int sel;   /* layout selector id */
	struct sim_box box;
	int ia, fx, dead, err;
	int rt, et; /* ms to the first reaction / error; 9000: none seen */
	enum sim_pointer pt;
};

struct sim_point {
	int64_t t;
	int x, y;
};

struct sim_goal_event {
	int64_t t;
	enum sim_goal goal;
};

/* One planned page view. Times are ms after its start. */
struct sim_pv {
	enum sim_page page;
	const struct sim_view *view;
	int64_t start;	   /* absolute ms, the client clock */
	int64_t dur;	   /* until it is left */
	int first;	   /* the session's landing page view (carries ref) */
	int64_t yearly_at; /* pricing: billing switched to yearly then; -1 */
	char id[SIM_ID_LEN + 1];
	int n_kf; /* scroll keyframes: scrollY at t, linear in between */
	int64_t kf_t[SIM_MAX_KF];
	int kf_y[SIM_MAX_KF];
	int n_clicks;
	struct sim_click clicks[SIM_MAX_CLICKS];
	int n_points;
	struct sim_point points[SIM_MAX_POINTS];
	int n_goals;
	struct sim_goal_event goals[SIM_MAX_GOALS];
};

/* An index in [0, n) drawn with the integer weights w. */
int sim_pick_weighted(struct sim_rng *r, const int *w, int n);
/* n random characters of [A-Za-z0-9_-] and a NUL (as calor.js's ids). */
void sim_random_id(struct sim_rng *r, char *out, int n);
/* A new visitor and session (sim_visitor.c). */
void sim_visitor_make(struct sim_rng *r, struct sim_visitor *v);

/* scrollY at t (ms after the start). */
int sim_pv_scroll_at(const struct sim_pv *pv, int64_t t);

/* Append the batches of one page view to the session, in sending order,
 * and count them in the truth. 0 or CALOR_ENOMEM. */
int sim_wire_pageview(const struct sim_layout *l, const struct sim_params *p,
		      const struct sim_visitor *v, const struct sim_pv *pv,
		      struct sim_session *s, struct sim_truth *t);

#endif
