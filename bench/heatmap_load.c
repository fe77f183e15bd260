/* SPDX-License-Identifier: MIT */
/* heatmap_load: fills a store (a data directory or a clickhouse:// spec)
 * with N events on one page, through the real write path
 * (store_write_batches), in Gaussian clusters from a fixed seed, spread
 * over D days. Prints the site key, then one line on the writes:
 * "events=N clicks=C points=P batches=B groups=G write_s=S first_group_s=F
 * last_group_s=L" (S: seconds spent in store_write_batches, generating
 * the events excluded; F, L: its first and last call).
 *
 * Default: N clicks, desktop at 1440 px, 500 clicks a batch, 40 batches a
 * group (bench/heatmap.sh). -r, the realistic mix (bench/clickhouse.sh):
 * page views of 4 batches (seq 0-3, 5 s apart), each batch 3 clicks and
 * a move event of 30 points, N = clicks + move points; two page views a
 * session; devices by width (desktop 1440/1920/1366 60 %, mobile 390/414
 * 30 %, tablet 768/820 10 %), clusters placed in fractions of the width;
 * groups of WRITER_MAX_GROUP batches, as the writer commits under load.
 * Usage: heatmap_load [-r] STORE N DAYS */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "writer.h"

#include "bench_rand.h"

#define PER_BATCH  500 /* default: clicks a batch */
#define GROUP	   40  /* default: batches a group */
#define MIX_CLICKS 3   /* -r: clicks a batch */
#define MIX_POINTS 30  /* -r: move points a batch */
#define MIX_SEQS   4   /* -r: batches a page view */

/* Where clicks land: x as a share of the 1440 px layout (scaled to the
 * viewport), y in px of that layout (taller on narrow viewports). */
static const struct {
	double x, y, sx, sy, share;
} clusters[] = {
    {720, 460, 60, 20, 0.30},	{1180, 40, 40, 12, 0.15},
    {300, 1200, 120, 80, 0.15}, {900, 1900, 200, 120, 0.15},
    {720, 3100, 90, 30, 0.15},	{200, 40, 30, 10, 0.10},
};
/* one element per cluster, for the element table */
static const char *const selectors[] = {"#cta",	    "#hero",   "#nav",
					"#pricing", "#footer", "#other"};

static int32_t clamp(double v, int32_t max)
{
	return v < 0 ? 0 : v > max ? max : (int32_t)v;
}

/* A point of cluster c (drawn by share when c < 0) on a vw-wide layout
 * whose document is dh tall; spread widens the cluster. Returns c. */
static size_t draw(int c, int32_t vw, int32_t dh, double spread, int32_t *x,
		   int32_t *y)
{
	double scale = vw / 1440.0, tall = vw < 768 ? 1.8 : 1.0;
	if (c < 0) {
		double r = uniform(), acc = 0;
		c = 0;
		while (c < 5 && r > acc + clusters[c].share)
			acc += clusters[c++].share;
	}
	*x = clamp((clusters[c].x + gauss() * clusters[c].sx * spread) * scale,
		   vw - 1);
	*y = clamp((clusters[c].y + gauss() * clusters[c].sy * spread) * tall,
		   dh - 1);
	return (size_t)c;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const int32_t widths[] = {1440, 1440, 1920, 1366, 1440, 1920,
					 390,  414,  390,  768,	 820};
	struct store *s = NULL;
	struct store_site site;
	char err[256];
	long n, days;
	int64_t now = 1764000000000LL;
	long clicks = 0, points = 0, n_batches = 0, groups = 0;
	double write_s = 0, first_s = 0, last_s = 0;
	int mix = 0, opt;
	size_t group, per_batch;
	struct ingest_batch *batches;
	struct ingest_event *events;
	const struct ingest_batch **ptrs;
	char(*ids)[32], (*sids)[32];
	int32_t *xs, *ys, *dts;
	int *results;

	while ((opt = getopt(argc, argv, "r")) != -1) {
		if (opt != 'r')
			goto usage;
		mix = 1;
	}
	if (argc - optind != 3 ||
	    (n = strtol(argv[optind + 1], NULL, 10)) <= 0 ||
	    (days = strtol(argv[optind + 2], NULL, 10)) <= 0)
		goto usage;
	if (store_open(argv[optind], &s, err, sizeof(err)) ||
	    store_site_add(s, "bench", NULL, 0, &site)) {
		fprintf(stderr, "heatmap_load: %s\n",
			s ? store_last_error(s) : err);
		return 1;
	}
	group = mix ? WRITER_MAX_GROUP : GROUP;
	per_batch = mix ? MIX_CLICKS + 1 : PER_BATCH;
	batches = calloc(group, sizeof(*batches));
	events = calloc(group * per_batch, sizeof(*events));
	ptrs = calloc(group, sizeof(*ptrs));
	ids = calloc(group, sizeof(*ids));
	sids = calloc(group, sizeof(*sids));
	results = calloc(group, sizeof(*results));
	xs = calloc(group * MIX_POINTS, sizeof(*xs));
	ys = calloc(group * MIX_POINTS, sizeof(*ys));
	dts = calloc(group * MIX_POINTS, sizeof(*dts));
	if (!batches || !events || !ptrs || !ids || !sids || !results || !xs ||
	    !ys || !dts) {
		fprintf(stderr, "heatmap_load: out of memory\n");
		return 1;
	}
	for (long done = 0, b = 0; done < n;) {
		size_t k = 0;
		double t0;
		for (; k < group && done < n; k++, b++) {
			struct ingest_batch *bt = &batches[k];
			struct ingest_event *ev = &events[k * per_batch];
			long pv = mix ? b / MIX_SEQS : b;
			int seq = mix ? (int)(b % MIX_SEQS) : 0;
			int32_t vw = mix ? widths[pv % 11] : 1440;
			int32_t vh = vw < 768 ? 844 : vw < 1024 ? 1024 : 900;
			int32_t dh = vw < 768 ? 7200 : 4000;
			/* -r: page views through the day too */
			int64_t ts = now - (pv % days) * 86400000LL -
				     (mix ? pv * 7919 % 86400 * 1000LL : 0);
			size_t m = 0, c_max = mix ? MIX_CLICKS : PER_BATCH;

			snprintf(ids[k], sizeof(ids[k]), "pv_bench_%09ld", pv);
			snprintf(sids[k], sizeof(sids[k]), "s_bench_%09ld",
				 mix ? pv / 2 : pv);
			memset(bt, 0, sizeof(*bt));
			bt->site_id = site.id;
			bt->pv = (struct ingest_pageview){
			    .id = ids[k],
			    .seq = seq,
			    .session = sids[k],
			    .url = "/bench",
			    .referrer = "",
			    .ts = ts,
			    .vw = vw,
			    .vh = vh,
			    .dpr = 1,
			    .device = ingest_device_class(vw)};
			for (; m < c_max && done < n; m++, done++) {
				int32_t x, y;
				size_t c = draw(-1, vw, dh, 1, &x, &y);
				ev[m].type = EVENT_CLICK;
				ev[m].ts =
				    mix ? ts + seq * 5000 + (int64_t)m * 1200
					: ts;
				ev[m].u.click = (struct ingest_click){
				    .x = x,
				    .y = y,
				    .vw = vw,
				    .vh = vh,
				    .dw = vw,
				    .dh = dh,
				    .selector = selectors[c],
				    .el_w = 100,
				    .el_h = 40};
			}
			bt->n_clicks = m;
			clicks += (long)m;
			if (mix && done < n) {
				/* the pointer drifting between two elements */
				struct ingest_move *mv = &ev[m].u.move;
				size_t p = 0, at = k * MIX_POINTS;
				int c =
				    (int)draw(-1, vw, dh, 1, &xs[at], &ys[at]);
				for (; p < MIX_POINTS && done < n;
				     p++, done++) {
					draw(p < MIX_POINTS / 2 ? c : -1, vw,
					     dh, 2.5, &xs[at + p], &ys[at + p]);
					dts[at + p] = (int32_t)p * 150;
				}
				ev[m].type = EVENT_MOVE;
				ev[m].ts = ts + seq * 5000;
				*mv = (struct ingest_move){.vw = vw,
							   .doc_h = dh,
							   .n = p,
							   .x = &xs[at],
							   .y = &ys[at],
							   .dt = &dts[at]};
				points += (long)p;
				m++;
			}
			bt->events = ev;
			bt->n_events = m;
			ptrs[k] = bt;
		}
		t0 = now_s();
		if (store_write_batches(s, ptrs, k, results)) {
			fprintf(stderr, "heatmap_load: %s\n",
				store_last_error(s));
			return 1;
		}
		last_s = now_s() - t0;
		write_s += last_s;
		if (!groups)
			first_s = last_s;
		n_batches += (long)k;
		groups++;
	}
	printf("%s\n", site.key);
	printf("events=%ld clicks=%ld points=%ld batches=%ld groups=%ld "
	       "write_s=%.3f first_group_s=%.3f last_group_s=%.3f\n",
	       clicks + points, clicks, points, n_batches, groups, write_s,
	       first_s, last_s);
	store_close(s);
	return 0;
usage:
	fprintf(stderr, "usage: heatmap_load [-r] STORE N DAYS\n");
	return 2;
}
