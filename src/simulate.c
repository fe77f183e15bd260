/* SPDX-License-Identifier: MIT */
/* simulate: `calor simulate` — generates seeded visitor sessions on the demo
 * site (sim_model) and sends their batches to /collect exactly as calor.js
 * would (text/plain body, the target's Origin, the visitor's User-Agent),
 * over keep-alive connections from a few threads; 503 and connection errors
 * are retried, 4xx are counted as refused. Prints what was sent, what was
 * acknowledged (204) and the truth that was planted (docs/simulate.md). */
#include "simulate.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assets.h"
#include "core.h"
#include "httpc.h"
#include "ingest.h"
#include "sim_model.h"

struct counters {
	int64_t sent, acknowledged, refused, failed;
	int64_t events_sent, events_acknowledged;
};

struct run {
	const struct simulate_options *o;
	const struct sim_layout *layout;
	struct sim_params params;
	struct httpc_url url;
	int64_t mono0;
	atomic_llong next;    /* the next session index */
	pthread_mutex_t lock; /* print file, first refusal */
	FILE *print;
	char refusal[600]; /* the first 4xx answer */
	char failure[300]; /* the first failure */
};

struct worker {
	struct run *run;
	pthread_t thread;
	struct sim_truth truth;
	struct counters n;
	int rc;
};

static int usage_error(const char *msg)
{
	fprintf(stderr, "calor simulate: %s\n", msg);
	fprintf(stderr,
		"usage: calor simulate --target http://HOST:PORT --site KEY\n"
		"         [--sessions N] [--seed S] [--days D] [--concurrency "
		"C]\n"
		"         [--json] [--dry-run] [--print FILE|-] [--now MS]\n");
	return 2;
}

int simulate_parse_args(int argc, char **argv, struct simulate_options *ret)
{
	struct simulate_options o = {
	    .sessions = 100, .seed = 1, .days = 1, .concurrency = 8};
	int64_t n;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--json") == 0) {
			o.json = 1;
			continue;
		}
		if (strcmp(a, "--dry-run") == 0) {
			o.dry_run = 1;
			continue;
		}
		if (!v || a[0] != '-' || a[1] != '-') {
			char msg[300];
			snprintf(msg, sizeof(msg), "unexpected %s%s", a,
				 v ? "" : " (or it needs a value)");
			return usage_error(msg);
		}
		i++;
		if (strcmp(a, "--target") == 0)
			o.target = v;
		else if (strcmp(a, "--site") == 0)
			o.site = v;
		else if (strcmp(a, "--print") == 0)
			o.print = v;
		else if (strcmp(a, "--sessions") == 0) {
			if (parse_int64(v, 1, SIMULATE_MAX_SESSIONS, &n))
				return usage_error("--sessions: 1..10000000");
			o.sessions = n;
		} else if (strcmp(a, "--seed") == 0) {
			if (parse_int64(v, 0, INT64_MAX, &n))
				return usage_error("--seed: a number >= 0");
			o.seed = (uint64_t)n;
		} else if (strcmp(a, "--days") == 0) {
			if (parse_int64(v, 1, SIMULATE_MAX_DAYS, &n))
				return usage_error("--days: 1..3650");
			o.days = (int)n;
		} else if (strcmp(a, "--concurrency") == 0) {
			if (parse_int64(v, 1, SIMULATE_MAX_CONCURRENCY, &n))
				return usage_error("--concurrency: 1..64");
			o.concurrency = (int)n;
		} else if (strcmp(a, "--now") == 0) {
			if (parse_int64(v, 1000000000000LL, 9999999999999LL,
					&n))
				return usage_error("--now: milliseconds "
						   "since the epoch");
			o.now_ms = n;
		} else {
			char msg[300];
			snprintf(msg, sizeof(msg), "unknown option %s", a);
			return usage_error(msg);
		}
	}
	if (!o.site || !ingest_site_key_valid(o.site))
		return usage_error("--site KEY is required ([A-Za-z0-9_-], "
				   "1..64)");
	if (!o.target && !o.dry_run)
		return usage_error("--target http://HOST:PORT is required "
				   "(or --dry-run)");
	*ret = o;
	return 0;
}

/* Send one batch with bounded retries; counts its fate. */
static void send_batch(struct worker *w, struct httpc *c, const char *headers,
		       struct sim_batch *b)
{
	struct run *run = w->run;
	struct httpc_response r;
	w->n.sent++;
	w->n.events_sent += b->n_events;
	for (int attempt = 0; attempt < SIMULATE_ATTEMPTS; attempt++) {
		int64_t wait;
		sim_batch_set_now(b, run->params.base_ms + calor_mono_ms() -
					 run->mono0);
		if (httpc_post(c, "/collect", headers, b->body, b->len, &r)) {
			wait = 200LL << attempt;
			if (attempt + 1 == SIMULATE_ATTEMPTS) {
				pthread_mutex_lock(&run->lock);
				if (!run->failure[0])
					snprintf(run->failure,
						 sizeof(run->failure), "%s",
						 httpc_last_error(c));
				pthread_mutex_unlock(&run->lock);
			}
		} else if (r.status == 204) {
			w->n.acknowledged++;
			w->n.events_acknowledged += b->n_events;
			return;
		} else if (r.status >= 400 && r.status < 500) {
			w->n.refused++;
			pthread_mutex_lock(&run->lock);
			if (!run->refusal[0])
				snprintf(run->refusal, sizeof(run->refusal),
					 "HTTP %d %.400s", r.status, r.body);
			pthread_mutex_unlock(&run->lock);
			return;
		} else if (r.status == 503) {
			wait = r.retry_after_s >= 0 ? r.retry_after_s * 1000LL
						    : 1000;
			if (wait > 5000)
				wait = 5000;
			if (wait < 100)
				wait = 100;
		} else {
			pthread_mutex_lock(&run->lock);
			if (!run->failure[0])
				snprintf(run->failure, sizeof(run->failure),
					 "HTTP %d %.200s", r.status, r.body);
			pthread_mutex_unlock(&run->lock);
			break;
		}
		if (attempt + 1 < SIMULATE_ATTEMPTS)
			calor_sleep_ms(wait);
	}
	w->n.failed++;
}

static void print_batch(struct run *run, const char *ua, struct sim_batch *b)
{
	pthread_mutex_lock(&run->lock);
	fprintf(run->print, "{\"ua\":\"%s\",\"batch\":", ua);
	fwrite(b->body, 1, b->len, run->print);
	fputs("}\n", run->print);
	pthread_mutex_unlock(&run->lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	struct httpc *c = NULL;
	char headers[1024];

	if (!run->o->dry_run && httpc_new(&run->url, &c)) {
		w->rc = CALOR_ENOMEM;
		return NULL;
	}
	for (;;) {
		long long i = atomic_fetch_add(&run->next, 1);
		struct sim_session s;
		if (i >= run->o->sessions)
			break;
		if ((w->rc =
			 sim_session_generate(run->layout, &run->params,
					      (uint64_t)i, &w->truth, &s))) {
			sim_session_done(&s);
			break;
		}
		snprintf(headers, sizeof(headers),
			 "User-Agent: %s\r\nOrigin: %s\r\nContent-Type: "
			 "text/plain;charset=UTF-8\r\nAccept: */*\r\n",
			 s.user_agent, run->url.origin);
		for (size_t k = 0; k < s.n; k++) {
			if (!run->o->dry_run)
				send_batch(w, c, headers, &s.batches[k]);
			else {
				sim_batch_set_now(&s.batches[k],
						  run->params.base_ms);
				w->n.sent++;
				w->n.events_sent += s.batches[k].n_events;
			}
			if (run->print)
				print_batch(run, s.user_agent, &s.batches[k]);
		}
		sim_session_done(&s);
	}
	httpc_free(c);
	return NULL;
}

/* ---- the report ---- */
struct top {
	int page, sel;
	int64_t n;
};

/* The element with the most clicks of a kind (0 dead, 1 rage, 2 error),
 * and the runner-up. */
static void top_elements(const struct sim_truth *t, int kind, struct top *first,
			 struct top *second)
{
	*first = *second = (struct top){-1, -1, 0};
	for (int p = 0; p < SIM_PAGES; p++)
		for (size_t s = 0; s < t->n_sels; s++) {
			const struct sim_el_count *e =
			    &t->el[(size_t)p * t->n_sels + s];
			int64_t n = kind == 0	? e->dead
				    : kind == 1 ? e->rage
						: e->err;
			struct top cur = {p, (int)s, n};
			if (n > first->n) {
				*second = *first;
				*first = cur;
			} else if (n > second->n) {
				*second = cur;
			}
		}
}

static void json_top(FILE *f, const struct sim_layout *l, const char *name,
		     const struct top *a, const struct top *b)
{
	struct dynbuf s;
	dynbuf_init(&s, 4096);
	if (a->n > 0) {
		dynbuf_add_json_string(&s, l->sels[a->sel]);
		fprintf(f,
			"\"%s\":{\"page\":\"%s\",\"selector\":\"%s\","
			"\"clicks\":%lld",
			name, sim_page_url(a->page), s.data ? s.data : "",
			(long long)a->n);
	} else {
		fprintf(f,
			"\"%s\":{\"page\":null,\"selector\":null,"
			"\"clicks\":0",
			name);
	}
	dynbuf_clear(&s);
	if (b->n > 0) {
		dynbuf_add_json_string(&s, l->sels[b->sel]);
		fprintf(f,
			",\"runner_up\":{\"page\":\"%s\",\"selector\":\"%s\","
			"\"clicks\":%lld}}",
			sim_page_url(b->page), s.data ? s.data : "",
			(long long)b->n);
	} else {
		fputs(",\"runner_up\":null}", f);
	}
	dynbuf_done(&s);
}

static int top_page(const int64_t *per_page)
{
	int best = 0;
	for (int p = 1; p < SIM_PAGES; p++)
		if (per_page[p] > per_page[best])
			best = p;
	return best;
}

static void report_json(FILE *f, const struct run *run,
			const struct sim_truth *t, const struct counters *n)
{
	static const char *const goal_names[SIM_GOALS] = {
	    "signup", "trial_start", "add_to_cart"};
	struct top a, b;
	int qb = top_page(t->quick_backs), ex = top_page(t->excessive);
	int first = 1;

	fprintf(f,
		"{\"sessions\":%lld,\"pageviews\":%lld,\"clicks\":%lld,"
		"\"batches\":{\"sent\":%lld,\"acknowledged\":%lld,"
		"\"refused\":%lld,\"failed\":%lld},\"events\":{\"sent\":%lld,"
		"\"acknowledged\":%lld},\"seed\":%llu,\"days\":%d,"
		"\"truth\":{\"devices\":{\"desktop\":%lld,\"tablet\":%lld,"
		"\"mobile\":%lld},",
		(long long)t->sessions, (long long)t->pageviews,
		(long long)t->clicks, (long long)n->sent,
		(long long)n->acknowledged, (long long)n->refused,
		(long long)n->failed, (long long)n->events_sent,
		(long long)n->events_acknowledged,
		(unsigned long long)run->o->seed, run->o->days,
		(long long)t->devices[0], (long long)t->devices[1],
		(long long)t->devices[2]);
	fputs("\"browsers\":{", f);
	for (int i = 0; i < 7; i++)
		fprintf(f, "%s\"%s\":%lld", i ? "," : "",
			ingest_browser_name((enum browser_family)i),
			(long long)t->browsers[i]);
	fputs("},\"os\":{", f);
	for (int i = 0; i < 7; i++)
		fprintf(f, "%s\"%s\":%lld", i ? "," : "",
			ingest_os_name((enum os_family)i), (long long)t->os[i]);
	fputs("},\"sources\":{", f);
	for (int i = 0; i < 5; i++)
		fprintf(f, "%s\"%s\":%lld", i ? "," : "",
			ingest_source_name((enum source_class)i),
			(long long)t->sources[i]);
	fprintf(f, "},\"new_sessions\":%lld,", (long long)t->new_sessions);
	top_elements(t, 0, &a, &b);
	json_top(f, run->layout, "dead_top", &a, &b);
	fputc(',', f);
	top_elements(t, 1, &a, &b);
	json_top(f, run->layout, "rage_top", &a, &b);
	fprintf(f, ",\"rage_bursts\":%lld,", (long long)t->rage_bursts);
	top_elements(t, 2, &a, &b);
	json_top(f, run->layout, "error_top", &a, &b);
	fputs(",\"variant\":{", f);
	for (int v = 0; v < 2; v++)
		fprintf(f,
			"%s\"%c\":{\"page\":\"%s\",\"selector\":\"#cta-hero\","
			"\"sessions\":%lld,\"pageviews\":%lld,"
			"\"cta_clicks\":%lld,\"page_clicks\":%lld,"
			"\"signups\":%lld}",
			v ? "," : "", v ? 'B' : 'A', sim_page_url(SIM_HOME),
			(long long)t->variant[v].sessions,
			(long long)t->variant[v].pageviews,
			(long long)t->variant[v].cta_clicks,
			(long long)t->variant[v].page_clicks,
			(long long)t->variant[v].signups);
	fputs("},\"reach50\":[", f);
	for (int p = 0; p < SIM_PAGES; p++)
		for (int d = -1; d < 3; d++) {
			int64_t pvs =
			    sim_truth_depth_pageviews(t, (enum sim_page)p, d);
			int r50 = sim_truth_reach50(t, (enum sim_page)p, d);
			if (r50 < 0)
				continue;
			fprintf(f,
				"%s{\"page\":\"%s\",\"device\":\"%s\","
				"\"percent\":%d,\"planted\":%d,"
				"\"pageviews\":%lld}",
				first ? "" : ",", sim_page_url(p),
				d < 0
				    ? "all"
				    : ingest_device_name((enum device_class)d),
				r50, t->planted_median[p], (long long)pvs);
			first = 0;
		}
	fprintf(f,
		"],\"quick_backs\":{\"page\":\"%s\",\"count\":%lld,"
		"\"within_ms\":[2000,6000]},"
		"\"excessive_scroll\":{\"page\":\"%s\",\"count\":%lld,"
		"\"min_reversals\":15},"
		"\"goal\":{\"name\":\"signup\",\"sessions\":%lld},\"goals\":{",
		sim_page_url(qb), (long long)t->quick_backs[qb],
		sim_page_url(ex), (long long)t->excessive[ex],
		(long long)t->goal_sessions[SIM_GOAL_SIGNUP]);
	for (int g = 0; g < SIM_GOALS; g++)
		fprintf(f, "%s\"%s\":%lld", g ? "," : "", goal_names[g],
			(long long)t->goal_sessions[g]);
	fputs("}}}\n", f);
}

static double pct(int64_t a, int64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

static void report_text(FILE *f, const struct run *run,
			const struct sim_truth *t, const struct counters *n,
			double secs)
{
	struct top a, b;
	int qb = top_page(t->quick_backs), ex = top_page(t->excessive);
	const char *what = run->o->dry_run ? "generated (dry run)" : "sent";

	fprintf(f,
		"calor simulate: %lld sessions, %lld page views, %lld clicks "
		"over %d day%s (seed %llu), %.1f s\n",
		(long long)t->sessions, (long long)t->pageviews,
		(long long)t->clicks, run->o->days,
		run->o->days == 1 ? "" : "s", (unsigned long long)run->o->seed,
		secs);
	fprintf(f,
		"  batches  %lld %s, %lld acknowledged, %lld refused, %lld "
		"failed\n  events   %lld %s, %lld acknowledged\n",
		(long long)n->sent, what, (long long)n->acknowledged,
		(long long)n->refused, (long long)n->failed,
		(long long)n->events_sent, what,
		(long long)n->events_acknowledged);
	if (run->refusal[0])
		fprintf(f, "  first refusal: %s\n", run->refusal);
	if (run->failure[0])
		fprintf(f, "  first failure: %s\n", run->failure);
	fprintf(f, "planted truth:\n");
	fprintf(f,
		"  devices     desktop %lld (%.1f %%), tablet %lld (%.1f %%), "
		"mobile %lld (%.1f %%) page views\n",
		(long long)t->devices[0], pct(t->devices[0], t->pageviews),
		(long long)t->devices[1], pct(t->devices[1], t->pageviews),
		(long long)t->devices[2], pct(t->devices[2], t->pageviews));
	for (int v = 0; v < 2; v++)
		fprintf(
		    f,
		    "  variant %c   %lld sessions, #cta-hero %lld of %lld "
		    "home clicks (%.1f %%), %lld signups\n",
		    v ? 'B' : 'A', (long long)t->variant[v].sessions,
		    (long long)t->variant[v].cta_clicks,
		    (long long)t->variant[v].page_clicks,
		    pct(t->variant[v].cta_clicks, t->variant[v].page_clicks),
		    (long long)t->variant[v].signups);
	top_elements(t, 0, &a, &b);
	if (a.n)
		fprintf(f, "  dead top    %s %s: %lld (next: %lld)\n",
			sim_page_url(a.page), run->layout->sels[a.sel],
			(long long)a.n, (long long)b.n);
	top_elements(t, 1, &a, &b);
	if (a.n)
		fprintf(f,
			"  rage top    %s %s: %lld rage clicks in %lld "
			"bursts\n",
			sim_page_url(a.page), run->layout->sels[a.sel],
			(long long)a.n, (long long)t->rage_bursts);
	top_elements(t, 2, &a, &b);
	if (a.n)
		fprintf(f, "  error top   %s %s: %lld (next: %lld)\n",
			sim_page_url(a.page), run->layout->sels[a.sel],
			(long long)a.n, (long long)b.n);
	fprintf(f, "  quick backs %s: %lld\n", sim_page_url(qb),
		(long long)t->quick_backs[qb]);
	fprintf(f, "  excessive   %s: %lld page views with 15+ reversals\n",
		sim_page_url(ex), (long long)t->excessive[ex]);
	fprintf(f,
		"  goals       signup %lld, trial_start %lld, add_to_cart "
		"%lld sessions\n",
		(long long)t->goal_sessions[0], (long long)t->goal_sessions[1],
		(long long)t->goal_sessions[2]);
	fprintf(f, "  reach 50 %%  ");
	for (int p = 0; p < SIM_PAGES; p++) {
		fprintf(f, "%s%s", p ? "; " : "", sim_page_url(p) + 6);
		for (int d = 0; d < 3; d++) {
			int r = sim_truth_reach50(t, (enum sim_page)p, d);
			if (r >= 0)
				fprintf(f, " %c%d", "dtm"[d], r);
		}
	}
	fputc('\n', f);
}

int simulate_run(const struct simulate_options *o, FILE *out)
{
	const struct asset *asset = assets_find("/demo/layout.json");
	struct sim_layout *layout = NULL;
	struct worker *workers = NULL;
	struct sim_truth total;
	struct counters n = {0};
	struct run run;
	char err[256] = "";
	int threads = o->dry_run ? 1 : o->concurrency, started = 0, rc = 1;
	int64_t t0 = calor_mono_ms();

	memset(&run, 0, sizeof(run));
	memset(&total, 0, sizeof(total));
	run.o = o;
	pthread_mutex_init(&run.lock, NULL);
	if (!asset) {
		fprintf(stderr, "calor simulate: no /demo/layout.json in the "
				"binary (rebuild)\n");
		goto out;
	}
	if (sim_layout_parse((const char *)asset->data, asset->len, &layout,
			     err, sizeof(err))) {
		fprintf(stderr, "calor simulate: %s\n",
			err[0] ? err : "out of memory");
		goto out;
	}
	run.layout = layout;
	if (o->target &&
	    httpc_url_parse(o->target, &run.url, err, sizeof(err))) {
		fprintf(stderr, "calor simulate: --target: %s\n", err);
		rc = 2;
		goto out;
	}
	if (o->print) {
		run.print =
		    strcmp(o->print, "-") == 0 ? stdout : fopen(o->print, "w");
		if (!run.print) {
			fprintf(stderr, "calor simulate: cannot write %s: %s\n",
				o->print, strerror(errno));
			goto out;
		}
	}
	run.params = (struct sim_params){.site = o->site,
					 .seed = o->seed,
					 .base_ms = o->now_ms ? o->now_ms
							      : calor_now_ms(),
					 .days = o->days};
	run.mono0 = calor_mono_ms();
	if (sim_truth_init(&total, layout->n_sels) ||
	    !(workers = calloc((size_t)threads, sizeof(*workers))))
		goto oom;
	for (int i = 0; i < threads; i++) {
		workers[i].run = &run;
		if (sim_truth_init(&workers[i].truth, layout->n_sels))
			goto oom;
	}
	for (; started < threads; started++)
		if (pthread_create(&workers[started].thread, NULL, worker_main,
				   &workers[started])) {
			fprintf(stderr, "calor simulate: cannot start a "
					"thread\n");
			atomic_store(&run.next, o->sessions);
			break;
		}
	for (int i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		sim_truth_merge(&total, &workers[i].truth);
		n.sent += workers[i].n.sent;
		n.acknowledged += workers[i].n.acknowledged;
		n.refused += workers[i].n.refused;
		n.failed += workers[i].n.failed;
		n.events_sent += workers[i].n.events_sent;
		n.events_acknowledged += workers[i].n.events_acknowledged;
		if (workers[i].rc)
			fprintf(stderr, "calor simulate: %s\n",
				calor_strerror(workers[i].rc));
	}
	if (started < threads || total.sessions != o->sessions)
		goto out;
	if (o->json)
		report_json(out, &run, &total, &n);
	else
		report_text(out, &run, &total, &n,
			    (double)(calor_mono_ms() - t0) / 1000.0);
	fflush(out);
	rc = o->dry_run || (n.acknowledged == n.sent && n.sent > 0) ? 0 : 1;
	goto out;
oom:
	fprintf(stderr, "calor simulate: out of memory\n");
out:
	if (run.print && run.print != stdout)
		fclose(run.print);
	else if (run.print)
		fflush(stdout);
	if (workers)
		for (int i = 0; i < threads; i++)
			sim_truth_done(&workers[i].truth);
	free(workers);
	sim_truth_done(&total);
	sim_layout_free(layout);
	pthread_mutex_destroy(&run.lock);
	return rc;
}

int simulate_cmd(int argc, char **argv)
{
	struct simulate_options o;
	int rc = simulate_parse_args(argc, argv, &o);
	if (rc)
		return rc;
	/* with the batches on stdout, the report goes to stderr */
	return simulate_run(&o, o.print && strcmp(o.print, "-") == 0 ? stderr
								     : stdout);
}
