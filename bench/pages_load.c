/* SPDX-License-Identifier: MIT */
/* pages_load: fills a data directory with N clicks over P pages through
 * the real write path (store_write_batches), for the pages table: 10
 * clicks per page view, 2 page views per session, pages drawn Zipf-like,
 * 2 % dead and 1 % error clicks, a rage burst in 1 % of page views, a
 * scroll record per page view and a signup goal in 5 % of sessions, over
 * 30 days, from a fixed seed. Prints the site key.
 * Usage: pages_load DIR N PAGES */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#include "bench_rand.h"

#define PER_PV 10
#define GROUP  200

int main(int argc, char **argv)
{
	static struct ingest_batch batches[GROUP];
	static struct ingest_event events[GROUP][PER_PV + 2];
	static struct ingest_scroll scrolls[GROUP];
	static const struct ingest_batch *ptrs[GROUP];
	static char ids[GROUP][32], sids[GROUP][32], urls[GROUP][32];
	static int results[GROUP];
	struct store *s = NULL;
	struct store_site site;
	char err[256];
	long n, pages;
	int64_t now = 1764000000000LL;

	if (argc != 4 || (n = strtol(argv[2], NULL, 10)) <= 0 ||
	    (pages = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: pages_load DIR N PAGES\n");
		return 2;
	}
	if (store_open(argv[1], &s, err, sizeof(err)) ||
	    store_site_add(s, "bench", NULL, 0, &site)) {
		fprintf(stderr, "pages_load: %s\n", err);
		return 1;
	}
	for (long done = 0, pv = 0; done < n;) {
		size_t k = 0;
		for (; k < GROUP && done < n; k++, pv++) {
			struct ingest_batch *bt = &batches[k];
			struct ingest_event *ev = events[k];
			long page =
			    (long)((double)pages * uniform() * uniform());
			int64_t ts = now - (pv % 30) * 86400000LL;
			int rage = uniform() < 0.01;
			size_t m = 0;

			snprintf(ids[k], sizeof(ids[k]), "pv_pages_%09ld", pv);
			snprintf(sids[k], sizeof(sids[k]), "s_pages_%09ld",
				 pv / 2);
			snprintf(urls[k], sizeof(urls[k]), "/bench/page-%ld",
				 page);
			memset(bt, 0, sizeof(*bt));
			bt->site_id = site.id;
			bt->pv =
			    (struct ingest_pageview){.id = ids[k],
						     .session = sids[k],
						     .url = urls[k],
						     .referrer = "",
						     .ts = ts,
						     .vw = 1440,
						     .vh = 900,
						     .dpr = 1,
						     .device = DEVICE_DESKTOP};
			for (; m < PER_PV && done < n; m++, done++) {
				double r = uniform();
				int burst = rage && m >= PER_PV - 4;
				ev[m].type = EVENT_CLICK;
				ev[m].ts = ts + 1000 * (int64_t)m;
				ev[m].u.click = (struct ingest_click){
				    .x = burst ? 700 : (int)(uniform() * 1400),
				    .y = burst ? 500 : (int)(uniform() * 3900),
				    .vw = 1440,
				    .vh = 900,
				    .dw = 1440,
				    .dh = 4000,
				    .selector = burst ? "#slow" : "#el",
				    .el_w = 100,
				    .el_h = 40,
				    .flags = r < 0.02	? CLICK_DEAD
					     : r < 0.03 ? CLICK_ERROR
							: 0,
				    .react_ms = -1,
				    .error_ms = -1};
				if (burst)
					ev[m].ts =
					    ts + 20000 + 100 * (int64_t)m;
			}
			bt->n_clicks = m;
			scrolls[k] = (struct ingest_scroll){
			    .depth = 900 + (int)(uniform() * 3100),
			    .doc_h = 4000,
			    .fold = 900};
			ev[m].type = EVENT_SCROLL;
			ev[m].ts = ts + 30000;
			ev[m].u.scroll = &scrolls[k];
			m++;
			if (pv % 2 && uniform() < 0.05) {
				ev[m].type = EVENT_GOAL;
				ev[m].ts = ts + 31000;
				ev[m].u.goal.name = "signup";
				m++;
			}
			bt->events = ev;
			bt->n_events = m;
			ptrs[k] = bt;
		}
		if (store_write_batches(s, ptrs, k, results)) {
			fprintf(stderr, "pages_load: %s\n",
				store_last_error(s));
			return 1;
		}
	}
	printf("%s\n", site.key);
	store_close(s);
	return 0;
}
