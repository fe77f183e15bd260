/* SPDX-License-Identifier: MIT */
/* collect_load: an open-loop load generator for POST /collect. Batches are
 * due on a fixed schedule (rate R: batch i at i/R s) whatever the server
 * does, and a batch's latency runs from when it was due, not from when a
 * connection was free to send it, so a server that falls behind shows it
 * (no coordinated omission). Ramp mode steps the rate up until p99 passes
 * a threshold or anything fails and reports the highest rate held; soak
 * mode holds one rate for a while, sampling the server's RSS. Both recount
 * the database at the end: every acknowledged batch stored exactly once,
 * nothing refused stored. Usage: see usage() below. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "httpc.h"

/* What one batch holds, like a 5 s flush of calor.js on a busy page: a
 * few clicks, a move event, and the scroll event with its attention. A
 * page view sends SEQS batches (seq 0..SEQS-1), the later ones go
 * through rage detection against the earlier clicks. */
#define CLICKS	  2
#define MOVES	  25
#define EVENTS	  (CLICKS + 2)
#define SEQS	  4
#define BODY_MAX  8192
#define MAX_CONNS 512
#define NS	  1000000000LL
#define USER_AGENT                                                             \
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "                  \
	"(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

/* A batch's fate, per global batch number. */
enum fate {
	FATE_UNSENT = 0, /* skipped: the step gave up, never sent */
	FATE_ACKED,	 /* 204: committed, must be stored once */
	FATE_REFUSED,	 /* an HTTP error: must not be stored */
	FATE_UNKNOWN,	 /* no answer (I/O error): may or may not be stored */
};

struct options {
	struct httpc_url url;
	const char *site, *db, *run;
	int conns, pid;
	double start, factor, step_s, p99_ms, max_s, late_s, rss_every_s;
	double soak_s, soak_rate;
	int refine;
};

/* One step: n batches due at rate per second from t0. */
struct step {
	double rate;
	int64_t t0_ns, n, base;
	atomic_llong next;
	atomic_int late;      /* set when a batch started late_s after due */
	atomic_llong late_ns; /* when: the step stopped sending then */
	uint32_t *lat_us;     /* per batch of the step, answered ones */
	int64_t last_done_ns;
	pthread_mutex_t lock;
};

struct result {
	double rate, acked_rate, p50, p99, p999, max;
	int64_t n, acked, refused, unknown, unsent;
	int held;
};

/* The server's RSS samples of a soak, for its per-window table. */
struct rss_sample {
	int64_t t_ns;
	long kib;
};

static struct options opt;
static struct rss_sample rss_samples[8192];
static atomic_int n_rss;
static struct httpc *clients[MAX_CONNS];
static unsigned char *fates; /* by global batch number */
static int64_t n_fates;
static char run_id[24];

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void sleep_until(int64_t t_ns)
{
	struct timespec ts = {.tv_sec = t_ns / NS, .tv_nsec = t_ns % NS};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* The body of global batch g: page view g / SEQS, batch g % SEQS. Returns
 * its length. Coordinates vary with g so grids get many cells. */
static size_t make_batch(int64_t g, char *buf, size_t size)
{
	int64_t now = calor_now_ms(), pv = g / SEQS;
	int seq = (int)(g % SEQS);
	int vw = pv % 3 == 0 ? 390 : 1440, vh = vw == 390 ? 844 : 900;
	size_t n = 0;

#define ADD(...)                                                               \
	n += (size_t)snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__)
	ADD("{\"v\":1,\"site\":\"%s\",\"now\":%lld,\"pv\":{\"id\":\"pv_%s_"
	    "%lld\",\"seq\":%d,\"sid\":\"sess_%s_%lld\",\"url\":\"/load/"
	    "%lld\",\"ref\":\"news.example.com\",\"ts\":%lld,\"vw\":%d,"
	    "\"vh\":%d,\"dpr\":2,\"new\":%s,\"utm\":{\"source\":\"news\"}},"
	    "\"ev\":[",
	    opt.site, (long long)now, run_id, (long long)pv, seq, run_id,
	    (long long)(pv / 3), (long long)(pv % 20), (long long)now, vw, vh,
	    pv % 2 ? "true" : "false");
	for (int i = 0; i < CLICKS; i++)
		ADD("{\"t\":\"click\",\"ts\":%lld,\"x\":%d,\"y\":%d,\"vw\":%d,"
		    "\"vh\":%d,\"dw\":%d,\"dh\":3000,\"sel\":\"main > "
		    "section.hero > a.cta\",\"ex\":32768,\"ey\":16384,\"ew\":"
		    "180,\"eh\":48,\"pt\":\"mouse\",\"ia\":1,\"rt\":40,\"et\":"
		    "9000},",
		    (long long)(now - 4000 + i * 1500),
		    (int)((g * 37 + i * 101) % vw), (int)((g * 91 + i) % 3000),
		    vw, vh, vw);
	ADD("{\"t\":\"move\",\"ts\":%lld,\"vw\":%d,\"dh\":3000,\"p\":[",
	    (long long)(now - 5000), vw);
	for (int i = 0; i < MOVES; i++)
		ADD("%s%d,%d,%d", i ? "," : "", (int)((g + i * 23) % vw),
		    (int)((g * 7 + i * 40) % 3000), i * 150);
	ADD("]},{\"t\":\"scroll\",\"ts\":%lld,\"y\":%d,\"dh\":3000,\"fold\":"
	    "%d,\"rev\":1,\"dwell\":[",
	    (long long)now, 900 + seq * 500, vh);
	for (int i = 0; i < 100; i++)
		ADD("%s%d", i ? "," : "", i < 30 + seq * 15 ? 50 : 0);
	ADD("]}]}");
#undef ADD
	return n < size ? n : 0;
}

/* 1 when the step should stop sending: it has fallen too far behind. */
static int behind(struct step *st, int64_t due)
{
	int64_t now = now_ns(), zero = 0;
	if (now - due > (int64_t)(opt.late_s * NS)) {
		atomic_store(&st->late, 1);
		atomic_compare_exchange_strong(&st->late_ns, &zero, now);
	}
	return atomic_load(&st->late);
}

/* Send batch i of the step on client c and record its fate. */
static void send_one(struct step *st, struct httpc *c, int64_t i, char *body)
{
	static const char headers[] = "Content-Type: text/plain;charset=UTF-8"
				      "\r\nUser-Agent: " USER_AGENT "\r\n";
	int64_t g = st->base + i, done;
	size_t len = make_batch(g, body, BODY_MAX);
	struct httpc_response r;
	unsigned char fate = FATE_UNKNOWN;

	if (len && httpc_post(c, "/collect", headers, body, len, &r) == 0)
		fate = r.status == 204 ? FATE_ACKED : FATE_REFUSED;
	done = now_ns();
	fates[g] = fate;
	/* answered batches only: a dropped connection's time says nothing */
	if (fate != FATE_UNKNOWN) {
		int64_t us =
		    (done - (st->t0_ns + (int64_t)(i * NS / st->rate))) / 1000;
		st->lat_us[i] = us > UINT32_MAX ? UINT32_MAX
				: us < 1	? 1
						: (uint32_t)us;
	}
	pthread_mutex_lock(&st->lock);
	if (done > st->last_done_ns)
		st->last_done_ns = done;
	pthread_mutex_unlock(&st->lock);
}

struct worker_arg {
	struct step *st;
	struct httpc *client;
};

/* One connection: take the next due batch, wait for its time, send it. */
static void *worker(void *p)
{
	struct worker_arg *a = p;
	struct step *st = a->st;
	char *body = malloc(BODY_MAX);

	for (int64_t i; body && (i = atomic_fetch_add(&st->next, 1)) < st->n;) {
		int64_t due = st->t0_ns + (int64_t)((double)i * NS / st->rate);
		/* once behind, the rest stays FATE_UNSENT and the step ends */
		if (atomic_load(&st->late))
			break;
		sleep_until(due);
		if (behind(st, due))
			break;
		send_one(st, a->client, i, body);
	}
	free(body);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static double pct(const uint32_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t k = (size_t)ceil(p * (double)n) - 1;
	return v[k < n ? k : n - 1] / 1000.0;
}

/* Counts and latency percentiles of a finished step. */
static void summarise(struct step *st, struct result *r)
{
	uint32_t *v = malloc((size_t)(st->n ? st->n : 1) * sizeof(*v));
	size_t k = 0;

	memset(r, 0, sizeof(*r));
	r->rate = st->rate;
	r->n = st->n;
	for (int64_t i = 0; i < st->n; i++) {
		switch (fates[st->base + i]) {
		case FATE_ACKED: r->acked++; break;
		case FATE_REFUSED: r->refused++; break;
		case FATE_UNKNOWN: r->unknown++; break;
		default: r->unsent++;
		}
		if (v && st->lat_us[i])
			v[k++] = st->lat_us[i];
	}
	if (v) {
		qsort(v, k, sizeof(*v), cmp_u32);
		r->p50 = pct(v, k, 0.50);
		r->p99 = pct(v, k, 0.99);
		r->p999 = pct(v, k, 0.999);
		r->max = k ? v[k - 1] / 1000.0 : 0;
	}
	free(v);
	if (st->last_done_ns > st->t0_ns)
		r->acked_rate = (double)r->acked * NS /
				(double)(st->last_done_ns - st->t0_ns);
	/* held: everything answered 204, at the pace offered, p99 in bounds */
	r->held = r->acked == r->n && r->p99 <= opt.p99_ms &&
		  r->acked_rate >= 0.95 * r->rate;
}

/* The last RSS sample taken before t_ns, in KiB; -1 when none. */
static long rss_before(int64_t t_ns)
{
	long kib = -1;
	for (int i = 0; i < atomic_load(&n_rss) && rss_samples[i].t_ns < t_ns;
	     i++)
		kib = rss_samples[i].kib;
	return kib;
}

/* A line per window_s of a finished step: the batches due in it, how
 * many were acknowledged, their latency, the server's RSS at its end. */
static void print_windows(struct step *st, double window_s)
{
	int64_t per = (int64_t)llround(st->rate * window_s);
	uint32_t *v = malloc((size_t)(per > 0 ? per : 1) * sizeof(*v));

	if (!v || per < 1)
		goto out;
	printf("%8s %10s %10s %9s %9s %9s %10s\n", "until_s", "sent", "acked",
	       "p50_ms", "p99_ms", "max_ms", "rss_MiB");
	for (int64_t w = 0; w * per < st->n; w++) {
		int64_t from = w * per,
			to = from + per < st->n ? from + per : st->n;
		int64_t sent = 0, acked = 0;
		size_t k = 0;
		long kib;
		for (int64_t i = from; i < to; i++) {
			unsigned char f = fates[st->base + i];
			sent += f != FATE_UNSENT;
			acked += f == FATE_ACKED;
			if (st->lat_us[i])
				v[k++] = st->lat_us[i];
		}
		if (!sent)
			break; /* the step gave up before this window */
		qsort(v, k, sizeof(*v), cmp_u32);
		kib = rss_before(st->t0_ns +
				 (int64_t)((double)to * NS / st->rate));
		printf("%8.0f %10lld %10lld %9.2f %9.2f %9.1f %10.1f\n",
		       (double)to / st->rate, (long long)sent, (long long)acked,
		       pct(v, k, 0.50), pct(v, k, 0.99),
		       k ? v[k - 1] / 1000.0 : 0, kib / 1024.0);
	}
out:
	free(v);
}

/* Room for n more batches in the fate table; 0 or -1. */
static int fates_grow(int64_t n)
{
	unsigned char *f = realloc(fates, (size_t)(n_fates + n));
	if (!f)
		return -1;
	memset(f + n_fates, 0, (size_t)n);
	fates = f;
	n_fates += n;
	return 0;
}

/* Run rate batches a second for seconds; fills r, and prints a line per
 * window_s when that is > 0. 0 or -1. */
static int run_step(double rate, double seconds, double window_s,
		    struct result *r)
{
	struct step st = {.rate = rate, .base = n_fates};
	struct worker_arg args[MAX_CONNS];
	pthread_t threads[MAX_CONNS];
	int started = 0, rc = 0;

	st.n = (int64_t)llround(rate * seconds);
	if (st.n < 1)
		st.n = 1;
	if (fates_grow(st.n) ||
	    !(st.lat_us = calloc((size_t)st.n, sizeof(*st.lat_us))))
		return -1;
	pthread_mutex_init(&st.lock, NULL);
	atomic_init(&st.next, 0);
	atomic_init(&st.late, 0);
	atomic_init(&st.late_ns, 0);
	/* a little ahead, so every thread is waiting when the first is due */
	st.t0_ns = now_ns() + 50 * 1000000LL;
	for (int i = 0; i < opt.conns; i++) {
		args[i] = (struct worker_arg){.st = &st, .client = clients[i]};
		if (pthread_create(&threads[i], NULL, worker, &args[i])) {
			rc = -1;
			atomic_store(&st.late, 1);
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (!rc) {
		summarise(&st, r);
		if (window_s > 0)
			print_windows(&st, window_s);
		if (atomic_load(&st.late_ns))
			printf("fell behind by %.1f s at t=%.1f s: the batches "
			       "due after it were not sent\n",
			       opt.late_s,
			       (double)(atomic_load(&st.late_ns) - st.t0_ns) /
				   NS);
	}
	free(st.lat_us);
	pthread_mutex_destroy(&st.lock);
	return rc;
}

/* The server's resident set in KiB from /proc/PID/status; -1 if gone. */
static long rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void print_header(void)
{
	printf("%-6s %10s %10s %10s %9s %9s %9s %8s %8s %s\n", "step",
	       "offered/s", "acked/s", "events/s", "p50_ms", "p99_ms", "max_ms",
	       "errors", "unsent", "held");
}

static void print_step(int k, const struct result *r)
{
	long rss = opt.pid ? rss_kib(opt.pid) : -1;
	printf("%-6d %10.0f %10.0f %10.0f %9.2f %9.2f %9.1f %8lld %8lld %s", k,
	       r->rate, r->acked_rate, r->acked_rate * EVENTS, r->p50, r->p99,
	       r->max, (long long)(r->refused + r->unknown),
	       (long long)r->unsent, r->held ? "yes" : "no");
	if (rss >= 0)
		printf("  rss %.1f MiB", rss / 1024.0);
	printf("\n");
	fflush(stdout);
}

/* Ramp: rates start, start*factor, ... until a step is not held, then
 * `refine` steps between the last held and the first failed rate; all
 * within max_s seconds. Returns the highest rate held (0: none). */
static double ramp(struct result *best)
{
	double rate = opt.start, lo = 0, hi = 0;
	int64_t deadline = now_ns() + (int64_t)(opt.max_s * NS);
	int k = 0, refined = 0;

	printf("ramp: %d connections, %.0f s steps from %.0f batches/s (x%.2f)"
	       ", held = all 204, acked >= 95%% of offered, p99 <= %.0f ms; "
	       "%d events a batch (%d clicks, %d move points, 1 scroll)\n",
	       opt.conns, opt.step_s, opt.start, opt.factor, opt.p99_ms, EVENTS,
	       CLICKS, MOVES);
	print_header();
	memset(best, 0, sizeof(*best));
	while (now_ns() + (int64_t)(opt.step_s * NS) < deadline) {
		struct result r;
		if (run_step(rate, opt.step_s, 0, &r))
			return -1;
		print_step(++k, &r);
		if (r.held && r.rate > best->rate)
			*best = r;
		if (r.held)
			lo = rate;
		else
			hi = hi && hi < rate ? hi : rate;
		if (!hi)
			rate *= opt.factor;
		else if (refined++ < opt.refine && lo && hi / lo > 1.05)
			rate = (lo + hi) / 2;
		else
			break;
		/* let a struggling server drain its queue and checkpoint */
		sleep(r.held ? 1 : 3);
	}
	return best->rate;
}

struct sampler {
	pthread_t thread;
	atomic_int stop;
	long first, last, max;
	int n;
	int64_t t0_ns;
};

/* Every rss_every_s: the server's RSS, and once a minute a line. */
static void *sample_rss(void *p)
{
	struct sampler *s = p;
	int64_t next = s->t0_ns;

	while (!atomic_load(&s->stop)) {
		long kib = rss_kib(opt.pid);
		if (kib >= 0) {
			int k = atomic_load(&n_rss);
			if (k < (int)(sizeof(rss_samples) /
				      sizeof(rss_samples[0]))) {
				rss_samples[k] =
				    (struct rss_sample){now_ns(), kib};
				atomic_store(&n_rss, k + 1);
			}
			if (s->n++ == 0)
				s->first = kib;
			s->last = kib;
			if (kib > s->max)
				s->max = kib;
			if (s->n % (int)ceil(60 / opt.rss_every_s) == 1)
				printf("  t=%4.0f s  rss %.1f MiB\n",
				       (double)(now_ns() - s->t0_ns) / NS,
				       kib / 1024.0);
			fflush(stdout);
		}
		next += (int64_t)(opt.rss_every_s * NS);
		while (!atomic_load(&s->stop) && now_ns() < next)
			usleep(100000);
	}
	return NULL;
}

static int soak(void)
{
	struct sampler s = {.t0_ns = now_ns()};
	struct result r;
	int rc;

	printf("soak: %.0f batches/s (%.0f events/s) for %.0f s, %d "
	       "connections, server RSS every %.0f s\n",
	       opt.soak_rate, opt.soak_rate * EVENTS, opt.soak_s, opt.conns,
	       opt.rss_every_s);
	atomic_init(&s.stop, 0);
	if (opt.pid && pthread_create(&s.thread, NULL, sample_rss, &s))
		return -1;
	rc = run_step(opt.soak_rate, opt.soak_s, 60, &r);
	if (opt.pid) {
		atomic_store(&s.stop, 1);
		pthread_join(s.thread, NULL);
	}
	if (rc)
		return -1;
	print_header();
	print_step(1, &r);
	printf(
	    "soak: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.1f ms; "
	    "%lld acknowledged, %lld refused, %lld unanswered, %lld unsent\n",
	    r.p50, r.p99, r.p999, r.max, (long long)r.acked,
	    (long long)r.refused, (long long)r.unknown, (long long)r.unsent);
	if (opt.pid)
		printf(
		    "soak: server RSS first %.1f MiB, last %.1f MiB, max %.1f "
		    "MiB (%d samples)\n",
		    s.first / 1024.0, s.last / 1024.0, s.max / 1024.0, s.n);
	return r.acked == r.n ? 0 : 1;
}

/* Page view id "pv_RUN_N" -> N, or -1. */
static int64_t pv_number(const char *id)
{
	size_t k = strlen(run_id);
	int64_t n;

	if (strncmp(id, "pv_", 3) || strncmp(id + 3, run_id, k) ||
	    id[3 + k] != '_' ||
	    parse_int64(id + 4 + k, 0, INT64_MAX / SEQS, &n))
		return -1;
	return n;
}

struct recount {
	int64_t acked, stored, lost, refused_stored, unknown_stored, dup;
};

static int recount_batches(sqlite3 *db, unsigned char *stored,
			   struct recount *c)
{
	sqlite3_stmt *st;
	char like[64];
	const char *sql =
	    "SELECT pv.client_id, b.seq FROM batches b JOIN pageviews pv"
	    " ON pv.id = b.pageview_id WHERE pv.client_id LIKE ?1 ESCAPE '\\'";

	snprintf(like, sizeof(like), "pv\\_%s\\_%%", run_id);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, like, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t pv =
		    pv_number((const char *)sqlite3_column_text(st, 0));
		int64_t g = pv * SEQS + sqlite3_column_int(st, 1);
		if (pv < 0 || g >= n_fates || stored[g]++) {
			c->dup++; /* a batch we never sent, or twice */
			continue;
		}
		c->stored++;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Per page view: its clicks and move points are exactly what its stored
 * batches carried (a batch applied twice, or half, shows here). */
static int recount_rows(sqlite3 *db, struct recount *c)
{
	sqlite3_stmt *st;
	char like[64];
	const char *sql =
	    "SELECT (SELECT count(*) FROM batches WHERE pageview_id = pv.id),"
	    " (SELECT count(*) FROM clicks WHERE pageview_id = pv.id),"
	    " (SELECT count(*) FROM moves WHERE pageview_id = pv.id)"
	    " FROM pageviews pv WHERE pv.client_id LIKE ?1 ESCAPE '\\'";

	snprintf(like, sizeof(like), "pv\\_%s\\_%%", run_id);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, like, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(st, 0);
		if (sqlite3_column_int64(st, 1) != b * CLICKS ||
		    sqlite3_column_int64(st, 2) != b * MOVES)
			c->dup++;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Every acknowledged batch stored exactly once, nothing refused stored.
 * 0 when so, 1 when not, -1 when the database cannot be read. */
static int recount(void)
{
	unsigned char *stored = calloc((size_t)n_fates + 1, 1);
	struct recount c = {0};
	sqlite3 *db = NULL;
	int rc = -1;

	if (!stored ||
	    sqlite3_open_v2(opt.db, &db, SQLITE_OPEN_READONLY, NULL) !=
		SQLITE_OK ||
	    recount_batches(db, stored, &c) || recount_rows(db, &c)) {
		fprintf(stderr, "collect_load: recount: %s\n",
			db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	for (int64_t g = 0; g < n_fates; g++) {
		c.acked += fates[g] == FATE_ACKED;
		c.lost += fates[g] == FATE_ACKED && !stored[g];
		c.refused_stored += fates[g] == FATE_REFUSED && stored[g];
		c.unknown_stored += fates[g] == FATE_UNKNOWN && stored[g];
	}
	printf("recount: %lld acknowledged, %lld stored; lost %lld, "
	       "duplicated or partial %lld, refused but stored %lld "
	       "(unanswered but stored: %lld, allowed)\n",
	       (long long)c.acked, (long long)c.stored, (long long)c.lost,
	       (long long)c.dup, (long long)c.refused_stored,
	       (long long)c.unknown_stored);
	rc = c.lost || c.dup || c.refused_stored;
out:
	sqlite3_close(db);
	free(stored);
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: collect_load --url http://127.0.0.1:PORT --site KEY\n"
		"         [--db DATA/calor.db] [--pid SERVER_PID] "
		"[--connections N]\n"
		"         ramp: [--start R] [--factor F] [--step S] "
		"[--p99-ms MS]\n"
		"               [--max-seconds S] [--refine N] [--late S]\n"
		"         soak: --soak SECONDS --rate R [--rss-every S] "
		"[--late S]\n"
		"  --late S: stop sending when a batch is S seconds late "
		"(ramp 2, soak 30)\n");
}

static int late_given;

static int parse_args(int argc, char **argv)
{
	char err[160];
	const char *url = NULL;

	opt = (struct options){.conns = 64,
			       .start = 250,
			       .factor = 1.5,
			       .step_s = 5,
			       .p99_ms = 100,
			       .max_s = 150,
			       .late_s = 2,
			       .rss_every_s = 5,
			       .refine = 2};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return -1;
		i++;
		if (!strcmp(a, "--url"))
			url = v;
		else if (!strcmp(a, "--site"))
			opt.site = v;
		else if (!strcmp(a, "--db"))
			opt.db = v;
		else if (!strcmp(a, "--run"))
			opt.run = v;
		else if (!strcmp(a, "--pid"))
			opt.pid = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--connections"))
			opt.conns = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--start"))
			opt.start = strtod(v, NULL);
		else if (!strcmp(a, "--factor"))
			opt.factor = strtod(v, NULL);
		else if (!strcmp(a, "--step"))
			opt.step_s = strtod(v, NULL);
		else if (!strcmp(a, "--p99-ms"))
			opt.p99_ms = strtod(v, NULL);
		else if (!strcmp(a, "--max-seconds"))
			opt.max_s = strtod(v, NULL);
		else if (!strcmp(a, "--refine"))
			opt.refine = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--late") && (late_given = 1))
			opt.late_s = strtod(v, NULL);
		else if (!strcmp(a, "--soak"))
			opt.soak_s = strtod(v, NULL);
		else if (!strcmp(a, "--rate"))
			opt.soak_rate = strtod(v, NULL);
		else if (!strcmp(a, "--rss-every"))
			opt.rss_every_s = strtod(v, NULL);
		else
			return -1;
	}
	if (!url || !opt.site || opt.conns < 1 || opt.conns > MAX_CONNS ||
	    opt.start <= 0 || opt.factor <= 1 || opt.step_s <= 0 ||
	    opt.rss_every_s <= 0 || (opt.soak_s > 0 && opt.soak_rate <= 0))
		return -1;
	if (httpc_url_parse(url, &opt.url, err, sizeof(err))) {
		fprintf(stderr, "collect_load: %s\n", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct result best;
	int rc = 0;

	if (parse_args(argc, argv)) {
		usage();
		return 2;
	}
	/* page view ids unique to this run, so a recount sees only ours */
	if (opt.run)
		snprintf(run_id, sizeof(run_id), "%.16s", opt.run);
	else
		snprintf(run_id, sizeof(run_id), "%08lx",
			 (unsigned long)(calor_now_ms() ^ getpid()) &
			     0xffffffffUL);
	for (int i = 0; i < opt.conns; i++)
		if (httpc_new(&opt.url, &clients[i]))
			return 1;
	if (opt.soak_s > 0) {
		/* a soak records a stall of the disk or the machine in its
		 * latency; it only gives up on a server that cannot keep up */
		if (!late_given)
			opt.late_s = 30;
		rc = soak();
	} else if (ramp(&best) < 0) {
		rc = 1;
	} else if (best.rate > 0) {
		printf("highest rate held: %.0f batches/s (%.0f events/s), p50 "
		       "%.2f ms, p99 %.2f ms\n",
		       best.rate, best.rate * EVENTS, best.p50, best.p99);
	} else {
		printf("highest rate held: none (the first step failed)\n");
		rc = 1;
	}
	if (rc >= 0 && opt.db && recount())
		rc = 1;
	for (int i = 0; i < opt.conns; i++)
		httpc_free(clients[i]);
	free(fates);
	return rc;
}
