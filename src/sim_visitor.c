/* SPDX-License-Identifier: MIT */
/* sim_visitor: who a simulated visitor is (docs/simulate.md): screen and
 * device class in realistic shares, a browser's real User-Agent for that
 * device (the server derives browser and OS from it), pointer, DPR, new or
 * returning, the A/B variant, and where the visit comes from (referrer and
 * UTM parameters). */
#include <string.h>

#include "core.h"
#include "ingest.h"
#include "sim_int.h"

struct screen {
	int vw, vh, hardware; /* 0 desktop, 1 tablet, 2 phone */
	int w;		      /* per 10,000 */
};
static const struct screen screens[] = {
    {1366, 657, 0, 1375}, {1440, 789, 0, 1100}, {1536, 730, 0, 1100},
    {1920, 953, 0, 1925}, {768, 954, 1, 210},	{820, 1106, 1, 350},
    {1024, 1292, 1, 140}, {360, 656, 2, 760},	{390, 664, 2, 1330},
    {412, 782, 2, 950},	  {414, 715, 2, 760}};

struct agent {
	const char *ua;
	int w;
	int mac; /* a Mac: DPR 2 */
};
static const struct agent desktop_agents[] = {
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
     "like Gecko) Chrome/131.0.0.0 Safari/537.36",
     38, 0},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
     "like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
     12, 0},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 "
     "Firefox/133.0",
     7, 0},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
     "like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
     2, 0},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
     15, 1},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/18.1 Safari/605.1.15",
     14, 1},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 "
     "Firefox/133.0",
     3, 1},
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     3, 0},
    {"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 "
     "Firefox/133.0",
     2, 0},
    {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, "
     "like Gecko) Chrome/131.0.0.0 Safari/537.36",
     4, 0},
    {NULL, 0, 0}};
static const struct agent iphone_agents[] = {
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "
     "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 "
     "Safari/604.1",
     88, 0},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "
     "AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 "
     "Mobile/15E148 Safari/604.1",
     10, 0},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "
     "AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 "
     "Safari/605.1.15",
     2, 0},
    {NULL, 0, 0}};
static const struct agent android_agents[] = {
    {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like "
     "Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
     72, 0},
    {"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 "
     "(KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile "
     "Safari/537.36",
     22, 0},
    {"Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", 6,
     0},
    {NULL, 0, 0}};
static const struct agent ipad_agents[] = {
    {"Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
     1, 0},
    {NULL, 0, 0}};
static const struct agent android_tablet_agents[] = {
    {"Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, "
     "like Gecko) Chrome/131.0.0.0 Safari/537.36",
     1, 0},
    {NULL, 0, 0}};

struct source_choice {
	const char *ref, *utm_source, *utm_medium, *utm_campaign;
	int w;
};
static const struct source_choice sources[5][4] = {
    {{NULL, NULL, NULL, NULL, 1}},
    {{"www.google.com", NULL, NULL, NULL, 80},
     {"www.bing.com", NULL, NULL, NULL, 12},
     {"duckduckgo.com", NULL, NULL, NULL, 8}},
    {{"t.co", NULL, NULL, NULL, 30},
     {"www.linkedin.com", NULL, NULL, NULL, 30},
     {"www.facebook.com", NULL, NULL, NULL, 25},
     {"news.ycombinator.com", NULL, NULL, NULL, 15}},
    {{"www.google.com", "google", "cpc", "spring_launch", 40},
     {NULL, "newsletter", "email", "november_digest", 35},
     {"www.linkedin.com", "linkedin", "paid_social", "office_managers", 25}},
    {{"www.g2.com", NULL, NULL, NULL, 40},
     {"www.capterra.com", NULL, NULL, NULL, 30},
     {"www.producthunt.com", NULL, NULL, NULL, 30}}};
static const int source_w[2][5] = {
    {28, 32, 14, 17, 9}, /* new: direct search social campaign referral */
    {50, 25, 8, 10, 7}}; /* returning */

int sim_pick_weighted(struct sim_rng *r, const int *w, int n)
{
	int total = 0, x;
	for (int i = 0; i < n; i++)
		total += w[i];
	x = (int)sim_rng_range(r, 0, total - 1);
	for (int i = 0; i < n; i++)
		if ((x -= w[i]) < 0)
			return i;
	return n - 1;
}

static const struct agent *pick_agent(struct sim_rng *r, const struct agent *a)
{
	int w[16], n = 0;
	for (; a[n].ua && n < 16; n++)
		w[n] = a[n].w;
	return &a[sim_pick_weighted(r, w, n)];
}

void sim_random_id(struct sim_rng *r, char *out, int n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
	    "tuvwxyz0123456789-_";
	for (int i = 0; i < n; i++)
		out[i] = abc[sim_rng_next(r) & 63];
	out[n] = 0;
}

void sim_visitor_make(struct sim_rng *r, struct sim_visitor *v)
{
	int w[16], n = 0, s, k;
	const struct agent *a;
	const struct screen *sc;
	enum browser_family b;
	enum os_family os;
	double u;

	memset(v, 0, sizeof(*v));
	for (; n < (int)(sizeof(screens) / sizeof(screens[0])); n++)
		w[n] = screens[n].w;
	sc = &screens[sim_pick_weighted(r, w, n)];
	v->vw = sc->vw;
	v->vh = sc->vh;
	v->device = (int)ingest_device_class(sc->vw);
	u = sim_rng_unit(r);
	if (sc->hardware == 0) {
		a = pick_agent(r, desktop_agents);
		v->dpr = a->mac		  ? 2
			 : sc->vw == 1536 ? 1.25
			 : sc->vw == 1440 ? 1.5
					  : 1;
		v->pointer = SIM_PT_MOUSE;
	} else if (sc->hardware == 1) {
		a = pick_agent(r, sc->vw == 768 && u < 0.5
				      ? android_tablet_agents
				      : ipad_agents);
		v->dpr = 2;
		v->pointer = sim_rng_unit(r) < 0.15 ? SIM_PT_PEN : SIM_PT_TOUCH;
	} else if (sc->vw == 390 || sc->vw == 414) {
		a = pick_agent(r, iphone_agents);
		v->dpr = sc->vw == 390 ? 3 : 2;
		v->pointer = SIM_PT_TOUCH;
	} else {
		a = pick_agent(r, android_agents);
		v->dpr = sc->vw == 360 ? 3 : 2.625;
		v->pointer = SIM_PT_TOUCH;
	}
	v->user_agent = a->ua;
	ingest_user_agent(a->ua, &b, &os);
	v->browser = (int)b;
	v->os = (int)os;

	v->is_new = sim_rng_unit(r) < 0.62;
	sim_random_id(r, v->sid + 1, SIM_ID_LEN - 1);
	v->sid[0] = v->is_new ? 'n' : 'r';
	v->variant = sim_rng_unit(r) < 0.5 ? 0 : 1;
	s = sim_pick_weighted(r, source_w[v->is_new ? 0 : 1], 5);
	for (n = 0; n < 4 && sources[s][n].w; n++)
		w[n] = sources[s][n].w;
	k = sim_pick_weighted(r, w, n);
	v->ref = sources[s][k].ref;
	v->utm_source = sources[s][k].utm_source;
	v->utm_medium = sources[s][k].utm_medium;
	v->utm_campaign = sources[s][k].utm_campaign;
	v->source =
	    (int)ingest_source_class(v->ref, v->utm_source, v->utm_medium);
}
