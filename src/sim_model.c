/* SPDX-License-Identifier: MIT */
/* sim_model: one simulated session on the demo site (docs/simulate.md):
 * who the visitor is (device, browser, source, new or returning, A/B
 * variant), the journey through the pages, and per page view how far it
 * scrolls, where it clicks (around the measured element boxes) and when,
 * and its pointer moves. The planted behaviours (the CTA of variant B, the
 * dead image, the throwing coupon button, the slow save button, quick backs,
 * excessive scrolling) live here; sim_wire.c writes the batches. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "ingest.h"
#include "sim_int.h"

#define SEC		    1000
#define DAY_MS		    86400000LL
#define MAX_PAGEVIEWS	    5
#define CLICK_GAP_MS	    1200 /* > the server's 1000 ms rage step */
#define RAGE_MIN	    3
#define RAGE_MAX	    6
#define EXCESSIVE_REVERSALS 15

/* ---- planted numbers (docs/simulate.md) ---- */
static const double cta_per_click[2] = {0.12, 0.36}; /* A, B */
static const double signup_after_cta[2] = {0.30, 0.36};
static const double signup_direct[2] = {0.05, 0.06};
static const int planted_median[SIM_PAGES] = {55, 60, 50, 80, 80};
#define P_HERO_IMAGE 0.55
#define P_IMAGE_DEAD 0.92
#define P_COUPON     0.20
#define P_SYNC	     0.08
#define P_SAVE	     0.60
#define P_RAGE	     0.55
#define P_EXCESSIVE  0.10
#define P_MISS	     0.04
#define P_KEYBOARD   0.03
#define P_QUICK_PROD 0.18
#define P_QUICK_PRIC 0.015
#define P_TRIAL_APP  0.60

enum act { PLAIN, ANCHOR, INPUT, BUTTON, CART, YEARLY, PLAN, LINK, SPA, MENU };
struct region {
	const char *key;
	enum act act;
	int to; /* LINK/SPA: the next page */
	int w;	/* weight */
};

#define NAV_LINKS(logo, feat, prod, pric, cust)                                \
	{"#nav-logo", LINK, SIM_HOME, logo},                                   \
	    {"#nav-features", feat ? LINK : ANCHOR, SIM_HOME,                  \
	     feat ? feat : 2},                                                 \
	    {"#nav-product", LINK, SIM_PRODUCT, prod},                         \
	    {"#nav-pricing", LINK, SIM_PRICING, pric},                         \
	    {"#nav-customers", LINK, SIM_HOME, cust},                          \
	{                                                                      \
		"#nav-menu-button", MENU, -1, 10                               \
	}

static const struct region home_regions[] = {
    NAV_LINKS(1, 0, 6, 8, 0),
    {"#nav-signin", ANCHOR, -1, 2},
    {"#nav-cta", ANCHOR, -1, 2},
    {"#hero-badge", LINK, SIM_PRODUCT, 4},
    {"#cta-demo", LINK, SIM_PRODUCT, 6},
    {".hero h1", PLAIN, -1, 2},
    {".hero .lead", PLAIN, -1, 2},
    {".mockup", PLAIN, -1, 2},
    {".logo-row", PLAIN, -1, 2},
    {"#features h2", PLAIN, -1, 2},
    {".features .feature p", PLAIN, -1, 4},
    {"#feature-booking", LINK, SIM_PRICING, 2},
    {"#feature-release", LINK, SIM_PRICING, 2},
    {"#feature-display", LINK, SIM_PRODUCT, 3},
    {"#feature-insights", LINK, SIM_PRICING, 2},
    {"#feature-sync", LINK, SIM_PRICING, 1},
    {"#feature-security", LINK, SIM_PRICING, 1},
    {".quotes blockquote", PLAIN, -1, 3},
    {".signup h2", PLAIN, -1, 1},
    {"#signup-email", INPUT, -1, 2},
    {"#footer-pricing", LINK, SIM_PRICING, 2},
    {"#footer-display", LINK, SIM_PRODUCT, 1},
    {"#footer-faq", LINK, SIM_PRICING, 1},
    {"#footer-careers", LINK, SIM_HOME, 1},
    {NULL, PLAIN, -1, 0}};

static const struct region product_regions[] = {
    NAV_LINKS(2, 1, 0, 8, 1),
    {"#nav-signin", LINK, SIM_HOME, 1},
    {"#nav-cta", LINK, SIM_HOME, 3},
    {"#crumb-home", LINK, SIM_HOME, 3},
    {"#thumb-front", BUTTON, -1, 2},
    {"#thumb-side", BUTTON, -1, 3},
    {"#thumb-room", BUTTON, -1, 3},
    {"#thumb-app", BUTTON, -1, 2},
    {".buybox h1", PLAIN, -1, 2},
    {"#reviews-link", ANCHOR, -1, 2},
    {".buybox .price", PLAIN, -1, 3},
    {"#swatch-graphite", BUTTON, -1, 2},
    {"#swatch-chalk", BUTTON, -1, 2},
    {"#swatch-oak", BUTTON, -1, 2},
    {"#qty", INPUT, -1, 2},
    {"#add-to-cart", CART, -1, 4},
    {".perks", PLAIN, -1, 2},
    {".specs", PLAIN, -1, 3},
    {"#cta-volume", LINK, SIM_PRICING, 4},
    {"#footer-pricing", LINK, SIM_PRICING, 1},
    {NULL, PLAIN, -1, 0}};

static const struct region pricing_regions[] = {
    NAV_LINKS(2, 1, 5, 0, 1),
    {"#nav-signin", LINK, SIM_HOME, 1},
    {"#nav-cta", LINK, SIM_HOME, 2},
    {".pricing h1", PLAIN, -1, 2},
    {"#toggle-monthly", BUTTON, -1, 1},
    {"#toggle-yearly", YEARLY, -1, 3},
    {"#card-pro ul", PLAIN, -1, 3},
    {"#plan-starter", PLAN, -1, 3},
    {"#plan-pro", PLAN, -1, 6},
    {"#plan-enterprise", PLAN, -1, 2},
    {"#coupon-code", INPUT, -1, 1},
    {"#faq-trial > summary", BUTTON, -1, 3},
    {"#faq-room > summary", BUTTON, -1, 2},
    {"#faq-display > summary", BUTTON, -1, 2},
    {"#faq-cancel > summary", BUTTON, -1, 2},
    {"#faq-data > summary", BUTTON, -1, 1},
    {"#cta-pricing", LINK, SIM_HOME, 3},
    {"#cta-walkthrough", LINK, SIM_PRODUCT, 3},
    {NULL, PLAIN, -1, 0}};

static const struct region app_regions[] = {
    {"#nav-logo", LINK, SIM_HOME, 1},
    {"#app-help", LINK, SIM_PRICING, 1},
    {"#spa-tab-overview", BUTTON, -1, 1},
    {"#spa-tab-settings", SPA, SIM_SETTINGS, 8},
    {"#app-back", LINK, SIM_HOME, 2},
    {".app-head h1", PLAIN, -1, 1},
    {".stats .stat", PLAIN, -1, 3},
    {".room-table tbody", PLAIN, -1, 4},
    {NULL, PLAIN, -1, 0}};

static const struct region settings_regions[] = {
    {"#nav-logo", LINK, SIM_HOME, 1},
    {"#app-help", LINK, SIM_PRICING, 1},
    {"#spa-tab-overview", SPA, SIM_APP, 6},
    {"#spa-tab-settings", BUTTON, -1, 1},
    {"#app-back", LINK, SIM_HOME, 1},
    {"#ws-name", INPUT, -1, 3},
    {"#ws-release", INPUT, -1, 3},
    {"#ws-digest", INPUT, -1, 2},
    {".settings h3", PLAIN, -1, 1},
    {NULL, PLAIN, -1, 0}};

static const struct region *const page_regions[SIM_PAGES] = {
    home_regions, product_regions, pricing_regions, app_regions,
    settings_regions};

/* median time on page (s) */
static const double page_seconds[SIM_PAGES] = {28, 38, 42, 30, 35};
/* regular clicks per page view (Poisson mean) */
static const double page_clicks[SIM_PAGES] = {1.4, 1.2, 1.5, 1.2, 1.0};

/* ---- page views ---- */
struct plan {
	const struct sim_layout *l;
	struct sim_rng *r;
	const struct sim_visitor *v;
	struct sim_truth *t;
	struct sim_pv *pv;
	int next;	      /* forced next page, or -1 */
	int goals[SIM_GOALS]; /* goals reached in this page view */
};

static int poisson(struct sim_rng *r, double mean)
{
	double l = exp(-mean), p = 1;
	int k = 0;
	do {
		k++;
		p *= sim_rng_unit(r);
	} while (p > l && k < 20);
	return k - 1;
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void kf_add(struct sim_pv *pv, int64_t t, int y)
{
	if (pv->n_kf == SIM_MAX_KF || (pv->n_kf && t <= pv->kf_t[pv->n_kf - 1]))
		return;
	pv->kf_t[pv->n_kf] = t;
	pv->kf_y[pv->n_kf] = y;
	pv->n_kf++;
}

/* The planted reach curve: the depth (share of the document) a page view
 * reaches has median m; a tenth reach the bottom. */
static double reach_quantile(double u, double m)
{
	if (u < 0.5)
		return 0.08 + (m - 0.08) * pow(u / 0.5, 0.8);
	u = (u - 0.5) / 0.4;
	return u >= 1 ? 1 : m + (1 - m) * u;
}

/* Scroll keyframes: reading down to depth px by stops, then `rev`
 * reversals (small fast ones when excessive). */
static void plan_scroll(struct plan *c, int depth, int rev, int excessive)
{
	struct sim_pv *pv = c->pv;
	int vh = pv->view->vh, max_s = depth - vh, y = 0, k, steps, dir = -1;
	int64_t down_end, t0, seg;

	pv->n_kf = 0;
	kf_add(pv, 0, 0);
	if (max_s <= 40)
		return;
	down_end = (int64_t)((double)pv->dur * (excessive ? 0.4
						: rev > 0 ? 0.7
							  : 0.85));
	steps = clampi((int)ceil(max_s / (0.75 * vh)), 1, 14);
	for (k = 1; k <= steps; k++) {
		int64_t end = down_end * k / steps;
		int64_t travel = sim_rng_range(c->r, 250, 700);
		int ny =
		    k == steps
			? max_s
			: (int)(max_s * (k + 0.3 * (sim_rng_unit(c->r) - 0.5)) /
				steps);
		if (ny <= y)
			continue;
		kf_add(pv, end - travel, y);
		kf_add(pv, end, ny);
		y = ny;
	}
	if (rev <= 0)
		return;
	t0 = down_end + 400;
	seg = ((int64_t)((double)pv->dur * 0.97) - t0) / rev;
	for (k = 0; k < rev && seg > 80; k++) {
		int a = excessive
			    ? (int)sim_rng_range(c->r, 150, 500)
			    : (int)sim_rng_range(c->r, vh / 5, vh * 3 / 5);
		int ny = dir < 0 ? y - a : y + a;
		int64_t ts = t0 + k * seg;
		ny = clampi(ny, 0, max_s);
		if (ny == y) { /* at an end: turn around */
			dir = -dir;
			ny = clampi(dir < 0 ? y - a : y + a, 0, max_s);
		}
		kf_add(pv, ts, y);
		kf_add(pv, ts + (seg * 3 / 5 < 600 ? seg * 3 / 5 : 600), ny);
		y = ny;
		dir = -dir;
	}
}

static int visible(const struct sim_pv *pv, const struct sim_el *e, int64_t t)
{
	int sy, cy;
	if (e->fx)
		return 1;
	sy = sim_pv_scroll_at(pv, t);
	cy = e->box.y + e->box.h / 2;
	return cy >= sy + 8 && cy + 8 <= sy + pv->view->vh;
}

/* 1 when a click group [t, t + len] keeps its distance from every click. */
static int free_at(const struct sim_pv *pv, int64_t t, int64_t len)
{
	for (int i = 0; i < pv->n_clicks; i++)
		if (pv->clicks[i].t > t - CLICK_GAP_MS &&
		    pv->clicks[i].t < t + len + CLICK_GAP_MS)
			return 0;
	return 1;
}

/* A time in [lo, hi] when e is in view and no click is near; -1 if none. */
static int64_t pick_time(struct plan *c, const struct sim_el *e, int64_t lo,
			 int64_t hi, int64_t len)
{
	int64_t cand[256], step;
	int n = 0;
	if (hi <= lo)
		return -1;
	step = (hi - lo) / 200 > 250 ? (hi - lo) / 200 : 250;
	for (int64_t t = lo; t <= hi && n < 256; t += step)
		if (visible(c->pv, e, t) && visible(c->pv, e, t + len) &&
		    free_at(c->pv, t, len))
			cand[n++] = t;
	if (!n)
		return -1;
	return cand[sim_rng_range(c->r, 0, n - 1)] +
	       sim_rng_range(c->r, 0, step / 2);
}

static int gauss_in(struct sim_rng *r, int lo, int len, double sd_share)
{
	double v = lo + len / 2.0 + sim_rng_normal(r) * len * sd_share;
	return clampi((int)lround(v), lo, lo + (len > 0 ? len - 1 : 0));
}

#define NO_REACTION 9000 /* calor.js's "nothing seen in the window" */

/* Add a click on e at t. miss: may land just outside (on what is next to
 * it). Returns the click or NULL when the page view is full. */
static struct sim_click *add_click_q(struct plan *c, const struct sim_el *e,
				     int64_t t, int may_miss, double dead_p,
				     int err, int quiet)
{
	struct sim_pv *pv = c->pv;
	struct sim_click *k;
	int sy = sim_pv_scroll_at(pv, t);
	if (pv->n_clicks == SIM_MAX_CLICKS)
		return NULL;
	k = &pv->clicks[pv->n_clicks++];
	memset(k, 0, sizeof(*k));
	k->t = t;
	k->pt = c->v->pointer;
	if (may_miss && e->has_miss && sim_rng_unit(c->r) < P_MISS) {
		k->sel = e->miss_sel;
		k->box = e->miss_box;
		k->ia = e->miss_ia;
		k->fx = e->miss_fx;
		k->x =
		    clampi(e->probe_x + (int)lround(sim_rng_normal(c->r) * 3),
			   k->box.x, k->box.x + k->box.w - 1);
		k->y =
		    clampi(e->probe_y + (int)lround(sim_rng_normal(c->r) * 3),
			   k->box.y, k->box.y + k->box.h - 1);
		dead_p = 0.45;
		err = 0; /* the button was not pressed */
	} else {
		k->sel = e->sel;
		k->box = e->box;
		k->ia = e->ia;
		k->fx = e->fx;
		k->x = gauss_in(c->r, k->box.x, k->box.w, 1.0 / 7);
		k->y = gauss_in(c->r, k->box.y, k->box.h, 1.0 / 6);
		if (k->ia && k->pt == SIM_PT_MOUSE &&
		    sim_rng_unit(c->r) < P_KEYBOARD) {
			k->pt = SIM_PT_KEY; /* Enter on a focused control */
			k->x = k->box.x + k->box.w / 2;
			k->y = k->box.y + k->box.h / 2;
		}
	}
	if (k->fx) { /* measured at the top; it moves with the page */
		k->y += sy;
		k->box.y += sy;
	}
	/* what calor.js measures: the first reaction (a link navigates, a
	 * control reacts at once, text is selected or the page scrolled a
	 * little later) and the first error; 9000 when none came */
	k->dead = !k->ia && sim_rng_unit(c->r) < dead_p;
	k->rt = k->dead ? NO_REACTION
		: k->ia ? (int)sim_rng_range(c->r, 20, 400)
			: (int)sim_rng_range(c->r, 200, 1400);
	k->err = err;
	k->et = err ? (int)sim_rng_range(c->r, 5, 400) : NO_REACTION;
	if (err || quiet)
		k->rt = NO_REACTION; /* it throws, or says nothing for 3 s */
	return k;
}

static struct sim_click *add_click(struct plan *c, const struct sim_el *e,
				   int64_t t, int may_miss, double dead_p,
				   int err)
{
	return add_click_q(c, e, t, may_miss, dead_p, err, 0);
}

static void add_goal(struct plan *c, int64_t t, enum sim_goal g)
{
	struct sim_pv *pv = c->pv;
	if (pv->n_goals < SIM_MAX_GOALS)
		pv->goals[pv->n_goals++] = (struct sim_goal_event){t, g};
	c->goals[g] = 1;
}

static const struct sim_el *el(const struct plan *c, const char *key)
{
	return sim_view_el(c->pv->view, key);
}

/* A region of the page by weight among those of kind `exit` (links) or
 * not, present at this width and reached; NULL if none. */
static const struct region *pick_region(struct plan *c, int exit, int depth,
					int64_t at)
{
	const struct region *rg = page_regions[c->pv->page];
	int w[SIM_MAX_ELS], idx[SIM_MAX_ELS], n = 0;
	for (int i = 0; rg[i].key && n < SIM_MAX_ELS; i++) {
		const struct sim_el *e = el(c, rg[i].key);
		int is_exit = rg[i].act >= LINK;
		if (!e || is_exit != exit)
			continue;
		if (!e->fx && e->box.y + e->box.h / 2 > depth)
			continue;
		if (at >= 0 && !visible(c->pv, e, at))
			continue;
		w[n] = rg[i].w;
		idx[n++] = i;
	}
	return n ? &rg[idx[sim_pick_weighted(c->r, w, n)]] : NULL;
}

/* The signup form: the e-mail field, then the button; the goal. */
static void signup_flow(struct plan *c, int64_t t)
{
	const struct sim_el *email = el(c, "#signup-email"),
			    *button = el(c, "#cta-bottom");
	int64_t tb = t + sim_rng_range(c->r, 3000, 8000);
	if (!email || !button)
		return;
	add_click(c, email, t, 1, 0, 0);
	add_click(c, button, tb, 0, 0, 0);
	add_goal(c, tb, SIM_GOAL_SIGNUP);
	if (c->pv->dur < tb + 600)
		c->pv->dur = tb + sim_rng_range(c->r, 600, 1500);
	c->next = SIM_PRICING; /* the form's action */
}

/* Home: the hero CTA (variant B's is bigger and higher) jumps to the
 * signup form. Returns the end of the window for other clicks. */
static int64_t plan_home(struct plan *c, int wants)
{
	struct sim_pv *pv = c->pv;
	const struct sim_el *cta = el(c, "#cta-hero"),
			    *h2 = el(c, ".signup h2"),
			    *button = el(c, "#cta-bottom");
	int variant = c->v->variant;
	int64_t tc, end = pv->dur - 1500;

	if (wants && cta &&
	    (tc = pick_time(c, cta, 800, pv->dur * 6 / 10, 0)) >= 0) {
		struct sim_click *k = add_click(c, cta, tc, 1, 0, 0);
		if (k && k->sel == cta->sel && h2) { /* the anchor scrolls */
			int sy = sim_pv_scroll_at(pv, tc), ay;
			ay = clampi(h2->box.y - 80, 0,
				    pv->view->dh - pv->view->vh);
			while (pv->n_kf > 0 && pv->kf_t[pv->n_kf - 1] > tc)
				pv->n_kf--;
			kf_add(pv, tc + 50, sy);
			kf_add(pv, tc + 450, ay);
			if (sim_rng_unit(c->r) < signup_after_cta[variant])
				signup_flow(
				    c, tc + sim_rng_range(c->r, 1500, 4000));
		}
		end = tc - CLICK_GAP_MS;
	} else if (button && sim_rng_unit(c->r) < signup_direct[variant]) {
		int64_t ts =
		    pick_time(c, button, pv->dur / 2, pv->dur - 2000, 9000);
		if (ts >= 0) {
			signup_flow(c, ts);
			end = ts - CLICK_GAP_MS;
		}
	}
	return end;
}

static void plan_specials(struct plan *c)
{
	struct sim_pv *pv = c->pv;
	const struct sim_el *e;
	int64_t t, end = pv->dur - 1500;

	if (pv->page == SIM_PRODUCT && (e = el(c, "#hero-image")) &&
	    sim_rng_unit(c->r) < P_HERO_IMAGE) {
		int n = sim_rng_unit(c->r) < 0.35 ? 2 : 1;
		for (int i = 0; i < n; i++)
			if ((t = pick_time(c, e, 800, end, 0)) >= 0)
				add_click(c, e, t, 0, P_IMAGE_DEAD, 0);
	}
	if (pv->page == SIM_PRICING && (e = el(c, "#apply-coupon")) &&
	    sim_rng_unit(c->r) < P_COUPON) {
		const struct sim_el *code = el(c, "#coupon-code");
		int n = sim_rng_unit(c->r) < 0.35 ? 2 : 1;
		int64_t len = 2500 + (n - 1) * 2000;
		if ((t = pick_time(c, e, 800, end - len, len)) >= 0) {
			if (code)
				add_click(c, code, t, 1, 0, 0);
			for (int i = 0; i < n; i++)
				add_click(c, e, t + 2500 + i * 2000, 1, 0, 1);
		}
	}
	if (pv->page == SIM_APP && (e = el(c, "#sync-calendars")) &&
	    sim_rng_unit(c->r) < P_SYNC &&
	    (t = pick_time(c, e, 800, end, 0)) >= 0)
		add_click(c, e, t, 1, 0, 1);
	if (pv->page == SIM_SETTINGS && (e = el(c, "#slow-save")) &&
	    sim_rng_unit(c->r) < P_SAVE) {
		int n = sim_rng_unit(c->r) < P_RAGE
			    ? (int)sim_rng_range(c->r, RAGE_MIN, RAGE_MAX)
			    : 1;
		if ((t = pick_time(c, e, 800, end - n * 400, n * 400)) >= 0) {
			struct sim_click *first =
			    add_click_q(c, e, t, 0, 0, 0, 1);
			int64_t tk = t;
			for (int i = 1; first && i < n; i++) {
				struct sim_click *k;
				tk += sim_rng_range(c->r, 150, 400);
				if (!(k = add_click_q(c, e, tk, 0, 0, 0, 1)))
					break;
				/* the same spot, give or take a few px */
				k->x = clampi(
				    first->x + (int)sim_rng_range(c->r, -4, 4),
				    k->box.x, k->box.x + k->box.w - 1);
				k->y = clampi(
				    first->y + (int)sim_rng_range(c->r, -4, 4),
				    k->box.y, k->box.y + k->box.h - 1);
				k->pt = c->v->pointer;
			}
			first->pt =
			    first->pt == SIM_PT_KEY ? c->v->pointer : first->pt;
			if (n >= RAGE_MIN) {
				c->t->rage_bursts++;
				c->t->el[(size_t)pv->page * c->t->n_sels +
					 (size_t)e->sel]
				    .rage += n - (RAGE_MIN - 1);
			}
		}
	}
}

static void plan_regular(struct plan *c, int n, int depth, int64_t end)
{
	for (int i = 0; i < n; i++) {
		for (int attempt = 0; attempt < 4; attempt++) {
			const struct region *rg = pick_region(c, 0, depth, -1);
			const struct sim_el *e = rg ? el(c, rg->key) : NULL;
			int64_t t;
			if (!e)
				return;
			if ((t = pick_time(c, e, 800, end, 0)) < 0)
				continue;
			double dead_p =
			    strcmp(rg->key, ".mockup") == 0 ? 0.8 : 0.45;
			add_click(c, e, t, 1, dead_p, 0);
			if (rg->act == CART)
				add_goal(c, t, SIM_GOAL_CART);
			else if (rg->act == PLAN) {
				add_goal(c, t, SIM_GOAL_TRIAL);
				if (c->next < 0 &&
				    sim_rng_unit(c->r) < P_TRIAL_APP)
					c->next = SIM_APP;
			} else if (rg->act == YEARLY && c->pv->yearly_at < 0)
				c->pv->yearly_at = t;
			break;
		}
	}
}

static int click_cmp(const void *a, const void *b)
{
	const struct sim_click *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

static int point_cmp(const void *a, const void *b)
{
	const struct sim_point *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* Pointer paths to every click, and a few idle wanders while reading
 * (mouse and pen only, as calor.js). Points at least 100 ms apart. */
static void plan_moves(struct plan *c)
{
	struct sim_pv *pv = c->pv;
	int vw = pv->view->vw, vh = pv->view->vh, n = 0, k = 0;
	double px = vw * (0.3 + 0.4 * sim_rng_unit(c->r)), py = vh * 0.4;
	int wanders = (int)sim_rng_range(c->r, 1, 3);

	pv->n_points = 0;
	if (c->v->pointer != SIM_PT_MOUSE && c->v->pointer != SIM_PT_PEN)
		return;
	/* paths ending on each click, in viewport coordinates */
	for (int i = 0; i < pv->n_clicks && n < SIM_MAX_POINTS - 40; i++) {
		const struct sim_click *ck = &pv->clicks[i];
		int steps = (int)sim_rng_range(c->r, 4, 12);
		double tx = ck->x, ty = ck->y - sim_pv_scroll_at(pv, ck->t);
		if (ck->pt == SIM_PT_KEY)
			continue;
		for (int s = 1; s <= steps; s++) {
			double f = (double)s / steps, e = f * f * (3 - 2 * f);
			int64_t t = ck->t - (int64_t)(steps - s) * 110 - 5;
			double x =
			    px + (tx - px) * e + sim_rng_normal(c->r) * 4;
			double y =
			    py + (ty - py) * e + sim_rng_normal(c->r) * 4;
			if (t < 0)
				continue;
			pv->points[n++] = (struct sim_point){t, (int)x, (int)y};
		}
		px = tx;
		py = ty;
	}
	/* wanders: a random walk of 8..24 points */
	for (int w = 0; w < wanders && n < SIM_MAX_POINTS - 30; w++) {
		int64_t t = sim_rng_range(c->r, 300, pv->dur - 300);
		int steps = (int)sim_rng_range(c->r, 8, 24);
		double x = vw * sim_rng_unit(c->r), y = vh * sim_rng_unit(c->r);
		for (int s = 0; s < steps && t < pv->dur; s++) {
			x += sim_rng_normal(c->r) * 30;
			y += sim_rng_normal(c->r) * 20;
			pv->points[n++] = (struct sim_point){t, (int)x, (int)y};
			t += sim_rng_range(c->r, 100, 220);
		}
	}
	qsort(pv->points, (size_t)n, sizeof(pv->points[0]), point_cmp);
	/* keep a point after 100 ms; document coordinates */
	for (int i = 0; i < n; i++) {
		struct sim_point q = pv->points[i];
		if (k && q.t < pv->points[k - 1].t + 100)
			continue;
		q.x = clampi(q.x, 0, pv->view->dw - 1);
		q.y = clampi(clampi(q.y, 0, vh - 1) + sim_pv_scroll_at(pv, q.t),
			     0, pv->view->dh - 1);
		pv->points[k++] = q;
	}
	pv->n_points = k;
}

/* Plan one page view of page starting at start (relative ms). quick: a
 * page left again within seconds. exit: the visitor goes on (an exit
 * click is planned when a link is in view). Returns the next page, or -1
 * for a page view that ends the session. */
static int plan_pageview(struct plan *c, enum sim_page page, int quick,
			 int exit)
{
	struct sim_pv *pv = c->pv;
	const struct sim_visitor *v = c->v;
	enum sim_state st = page == SIM_HOME
				? (v->variant ? SIM_ST_HOME_B : SIM_ST_HOME_A)
				: (enum sim_state)(page + 1);
	int depth, rev = 0, excessive = 0, regular, next = -1, upper = 0;
	double med = page_seconds[page] * (v->device == 2 ? 0.8 : 1);
	double lambda, p_cta, upper_share = 0, u;
	int64_t end;

	memset(pv->clicks, 0, sizeof(pv->clicks));
	pv->page = page;
	pv->view = sim_layout_view(c->l, st, v->vw);
	if (!pv->view) /* a layout.json measured at other widths */
		pv->view = &c->l->states[st].views[0];
	pv->n_clicks = pv->n_goals = pv->n_points = pv->n_kf = 0;
	pv->yearly_at = -1;
	memset(c->goals, 0, sizeof(c->goals));
	c->next = -1;
	sim_random_id(c->r, pv->id, SIM_ID_LEN);
	if (quick) {
		pv->dur = sim_rng_range(c->r, 1500, 4800);
		kf_add(pv, 0, 0);
		return -1;
	}
	pv->dur = (int64_t)(med * SEC * exp(0.6 * sim_rng_normal(c->r)));
	pv->dur = pv->dur < 8 * SEC	? 8 * SEC + sim_rng_range(c->r, 0, 4000)
		  : pv->dur > 480 * SEC ? 480 * SEC
					: pv->dur;
	/* Page views that will jump to the signup form (home: the CTA is an
	 * anchor) or scroll to and fro (pricing) are drawn from the upper
	 * half of the reach curve, the others so that every page view's draw
	 * stays uniform: the jump then moves only page views that are above
	 * the median already, and the planted 50 % depth holds. */
	lambda = page_clicks[page] * (v->device == 2 ? 0.8 : 1);
	regular = poisson(c->r, lambda);
	if (page == SIM_HOME) {
		p_cta = cta_per_click[v->variant];
		upper_share = 1 - exp(-lambda * p_cta);
		for (int i = 0, n = regular; i < n; i++)
			if (sim_rng_unit(c->r) < p_cta) {
				upper = 1;
				regular--;
			}
	} else if (page == SIM_PRICING) {
		upper_share = P_EXCESSIVE;
		upper = excessive = sim_rng_unit(c->r) < P_EXCESSIVE;
	}
	u = sim_rng_unit(c->r);
	if (upper || sim_rng_unit(c->r) >= 0.5 / (1 - upper_share))
		u = 0.5 + 0.5 * u;
	else
		u = 0.5 * u;
	depth = (int)(reach_quantile(u, planted_median[page] / 100.0) *
		      pv->view->dh);
	if (excessive) {
		rev = (int)sim_rng_range(c->r, EXCESSIVE_REVERSALS, 30);
		if (pv->dur < 40 * SEC)
			pv->dur = 40 * SEC + sim_rng_range(c->r, 0, 20000);
	} else {
		static const int rev_w[4] = {50, 25, 15, 10};
		rev = sim_pick_weighted(c->r, rev_w, 4);
	}
	depth = clampi(depth, pv->view->vh, pv->view->dh);
	plan_scroll(c, depth, rev, excessive);

	end = pv->dur - 1500;
	plan_specials(c);
	if (page == SIM_HOME)
		end = plan_home(c, upper);
	plan_regular(c, regular, depth, end);

	if (c->next >= 0) {
		next = c->next;
	} else if (exit) {
		int64_t te = pv->dur - sim_rng_range(c->r, 200, 700);
		const struct region *rg =
		    free_at(pv, te, 0) ? pick_region(c, 1, pv->view->dh, te)
				       : NULL;
		if (rg) {
			add_click(c, el(c, rg->key), te, 1, 0, 0);
			if (rg->act == MENU) {
				static const int mw[3] = {15, 40, 45};
				static const int to[3] = {SIM_HOME, SIM_PRODUCT,
							  SIM_PRICING};
				next = to[sim_pick_weighted(c->r, mw, 3)];
			} else {
				next = rg->to;
			}
		} else { /* typed, a bookmark, the back button */
			static const int nw[3] = {40, 30, 30};
			static const int to[3] = {SIM_HOME, SIM_PRODUCT,
						  SIM_PRICING};
			next = to[sim_pick_weighted(c->r, nw, 3)];
		}
		if (next == (int)page && page != SIM_HOME)
			next = SIM_HOME;
	}
	qsort(pv->clicks, (size_t)pv->n_clicks, sizeof(pv->clicks[0]),
	      click_cmp);
	plan_moves(c);
	return next;
}

static enum sim_page landing_page(struct sim_rng *r,
				  const struct sim_visitor *v)
{
	static const int returning_w[3] = {45, 20, 35},
			 campaign_w[2] = {60, 40}, new_w[3] = {70, 15, 15};
	static const enum sim_page returning_to[3] = {SIM_HOME, SIM_PRICING,
						      SIM_APP},
				   new_to[3] = {SIM_HOME, SIM_PRODUCT,
						SIM_PRICING};
	if (!v->is_new)
		return returning_to[sim_pick_weighted(r, returning_w, 3)];
	if (v->utm_source)
		return new_to[sim_pick_weighted(r, campaign_w, 2)];
	return new_to[sim_pick_weighted(r, new_w, 3)];
}

void sim_session_done(struct sim_session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->batches[i].body);
	free(s->batches);
	memset(s, 0, sizeof(*s));
}

void sim_batch_set_now(struct sim_batch *b, int64_t now_ms)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%013lld", (long long)now_ms);
	if (n == 13)
		memcpy(b->body + b->now_at, digits, 13);
}

/* Home page views of the A/B test: clicks, and clicks on the CTA. */
static void count_variant(struct sim_truth *t, const struct sim_visitor *v,
			  const struct sim_pv *pv)
{
	const struct sim_el *cta = sim_view_el(pv->view, "#cta-hero");
	if (pv->page != SIM_HOME)
		return;
	t->variant[v->variant].pageviews++;
	t->variant[v->variant].page_clicks += pv->n_clicks;
	for (int i = 0; cta && i < pv->n_clicks; i++)
		t->variant[v->variant].cta_clicks +=
		    pv->clicks[i].sel == cta->sel;
}

int sim_session_generate(const struct sim_layout *l, const struct sim_params *p,
			 uint64_t index, struct sim_truth *t,
			 struct sim_session *ret)
{
	struct sim_rng r;
	struct sim_visitor v;
	struct sim_pv *pvs = NULL;
	struct plan c;
	uint64_t x = p->seed;
	int goals[SIM_GOALS] = {0}, n = 0, rc = 0;
	int64_t rel = 0, lo, hi, start;
	enum sim_page page;

	memset(ret, 0, sizeof(*ret));
	x = sim_splitmix64(&x) ^ ((index + 1) * 0xd1342543de82ef95ULL);
	sim_rng_seed(&r, x);
	pvs = calloc(MAX_PAGEVIEWS, sizeof(*pvs));
	if (!pvs)
		return CALOR_ENOMEM;
	sim_visitor_make(&r, &v);
	ret->user_agent = v.user_agent;
	memset(&c, 0, sizeof(c));
	c.l = l;
	c.r = &r;
	c.v = &v;
	c.t = t;
	page = landing_page(&r, &v);
	while (n < MAX_PAGEVIEWS) {
		int more = n + 1 < MAX_PAGEVIEWS &&
			   sim_rng_unit(&r) < (n == 0 ? 0.62 : 0.52);
		int next, spa;
		c.pv = &pvs[n];
		next = plan_pageview(&c, page, 0, more);
		pvs[n].start = rel;
		pvs[n].first = n == 0;
		for (int g = 0; g < SIM_GOALS; g++)
			goals[g] |= c.goals[g];
		n++;
		spa = (page == SIM_APP && next == SIM_SETTINGS) ||
		      (page == SIM_SETTINGS && next == SIM_APP);
		rel += pvs[n - 1].dur + (spa ? sim_rng_range(&r, 50, 150)
					     : sim_rng_range(&r, 300, 1500));
		if (next < 0 || n == MAX_PAGEVIEWS)
			break;
		/* a quick back: a glance at the next page, then back here
		 * within 2..6 s (a new page view of this page) */
		if (page == SIM_HOME && n + 2 <= MAX_PAGEVIEWS &&
		    ((next == SIM_PRODUCT && sim_rng_unit(&r) < P_QUICK_PROD) ||
		     (next == SIM_PRICING &&
		      sim_rng_unit(&r) < P_QUICK_PRIC))) {
			int64_t gap;
			c.pv = &pvs[n];
			plan_pageview(&c, (enum sim_page)next, 1, 0);
			pvs[n].start = rel;
			gap = sim_rng_range(&r, 2000, 6000) - pvs[n].dur;
			rel += pvs[n].dur + (gap < 200 ? 200 : gap);
			t->quick_backs[next]++;
			n++;
			next = SIM_HOME;
		}
		page = (enum sim_page)next;
	}

	/* place the session in the last `days` days, ending before base */
	lo = p->base_ms - (int64_t)p->days * DAY_MS + 10 * 60 * SEC;
	hi = p->base_ms - rel - 5 * SEC;
	start =
	    hi > lo ? lo + (int64_t)(sim_rng_unit(&r) * (double)(hi - lo)) : hi;
	for (int i = 0; i < n && !rc; i++) {
		pvs[i].start += start;
		count_variant(t, &v, &pvs[i]);
		rc = sim_wire_pageview(l, p, &v, &pvs[i], ret, t);
	}
	t->sessions++;
	t->new_sessions += v.is_new;
	t->sources[v.source]++;
	t->variant[v.variant].sessions++;
	t->variant[v.variant].signups += goals[SIM_GOAL_SIGNUP];
	for (int g = 0; g < SIM_GOALS; g++)
		t->goal_sessions[g] += goals[g];
	for (int i = 0; i < SIM_PAGES; i++)
		t->planted_median[i] = planted_median[i];
	free(pvs);
	return rc;
}
