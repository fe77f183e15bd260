/* SPDX-License-Identifier: MIT */
/* heatmap_load: fills a data directory with N clicks on one page, through
 * the real write path (store_write_batches: rows and grids), in Gaussian
 * clusters from a fixed seed, spread over D days. Prints the site key.
 * Usage: heatmap_load DIR N DAYS */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#include "bench_rand.h"

#define PER_BATCH 500
#define GROUP	  40

int main(int argc, char **argv)
{
	static const struct {
		double x, y, sx, sy, share;
	} clusters[] = {
	    {720, 460, 60, 20, 0.30},	{1180, 40, 40, 12, 0.15},
	    {300, 1200, 120, 80, 0.15}, {900, 1900, 200, 120, 0.15},
	    {720, 3100, 90, 30, 0.15},	{200, 40, 30, 10, 0.10},
	};
	struct store *s = NULL;
	struct store_site site;
	char err[256];
	long n, days;
	int64_t now = 1764000000000LL;
	struct ingest_batch *batches;
	struct ingest_event *events;
	const struct ingest_batch **ptrs;
	char(*ids)[32];
	int *results;

	if (argc != 4 || (n = strtol(argv[2], NULL, 10)) <= 0 ||
	    (days = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: heatmap_load DIR N DAYS\n");
		return 2;
	}
	if (store_open(argv[1], &s, err, sizeof(err)) ||
	    store_site_add(s, "bench", NULL, 0, &site)) {
		fprintf(stderr, "heatmap_load: %s\n", err);
		return 1;
	}
	/* one element per cluster, for the element table */
	static const char *const selectors[] = {
	    "#cta", "#hero", "#nav", "#pricing", "#footer", "#other"};
	batches = calloc(GROUP, sizeof(*batches));
	events = calloc((size_t)GROUP * PER_BATCH, sizeof(*events));
	ptrs = calloc(GROUP, sizeof(*ptrs));
	ids = calloc(GROUP, sizeof(*ids));
	results = calloc(GROUP, sizeof(*results));
	for (long done = 0, b = 0; done < n; b += GROUP) {
		size_t k = 0;
		for (; k < GROUP && done < n; k++, b++) {
			struct ingest_batch *bt = &batches[k];
			struct ingest_event *ev = &events[k * PER_BATCH];
			size_t m = 0;
			int64_t ts = now - (b % days) * 86400000LL;
			snprintf(ids[k], sizeof(ids[k]), "pv_bench_%09ld", b);
			memset(bt, 0, sizeof(*bt));
			bt->site_id = site.id;
			bt->pv =
			    (struct ingest_pageview){.id = ids[k],
						     .session = ids[k],
						     .url = "/bench",
						     .referrer = "",
						     .ts = ts,
						     .vw = 1440,
						     .vh = 900,
						     .dpr = 1,
						     .device = DEVICE_DESKTOP};
			for (; m < PER_BATCH && done < n; m++, done++) {
				double r = uniform(), acc = 0;
				size_t c = 0;
				while (c < 5 && r > acc + clusters[c].share)
					acc += clusters[c++].share;
				double x =
				    clusters[c].x + gauss() * clusters[c].sx;
				double y =
				    clusters[c].y + gauss() * clusters[c].sy;
				ev[m].type = EVENT_CLICK;
				ev[m].ts = ts;
				ev[m].u.click = (struct ingest_click){
				    .x = x < 0	    ? 0
					 : x > 1439 ? 1439
						    : (int)x,
				    .y = y < 0	    ? 0
					 : y > 3999 ? 3999
						    : (int)y,
				    .vw = 1440,
				    .vh = 900,
				    .dw = 1440,
				    .dh = 4000,
				    .selector = selectors[c],
				    .el_w = 100,
				    .el_h = 40};
			}
			bt->events = ev;
			bt->n_events = bt->n_clicks = m;
			ptrs[k] = bt;
		}
		if (store_write_batches(s, ptrs, k, results)) {
			fprintf(stderr, "heatmap_load: %s\n",
				store_last_error(s));
			return 1;
		}
	}
	printf("%s\n", site.key);
	store_close(s);
	return 0;
}
