/* SPDX-License-Identifier: MIT */
/* retention: the serve-time thread that deletes what each site's
 * retention_days says is too old, and one pass of it for tests. */
#include "retention.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "metrics.h"

#define DAY_MS 86400000LL

struct retention {
	struct store *store;
	int64_t interval_ms;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* on CLOCK_MONOTONIC */
	atomic_int stopping;
	int started;
};

/* "2025-01-31 12:00 UTC" for the log. */
static void utc_text(int64_t ms, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(out, size, "%lld ms", (long long)ms);
}

/* Purge one site; logs what went. Adds the events deleted to *events. */
static int site_purge(struct store *s, const struct store_site *site,
		      int64_t now_ms, const atomic_int *stop, int64_t *events)
{
	int64_t before = now_ms - site->cfg.retention_days * DAY_MS;
	struct store_purge_stats n;
	char when[40];
	int64_t total;
	int rc;

	utc_text(before, when, sizeof(when));
	rc = store_purge(s, site->id, before, stop, &n);
	if (rc == CALOR_ESHUTDOWN)
		return rc;
	if (rc == CALOR_EBUSY) {
		/* another calor node on the same store is purging (a
		 * ClickHouse cluster): its pass does the sites */
		log_info("retention: site %s: skipped, with the rest of this "
			 "pass: %s",
			 site->key, store_last_error(s));
		return rc;
	}
	if (rc) {
		log_error("retention: site %s: purge before %s failed: %s (%s)",
			  site->key, when, calor_strerror(rc),
			  store_last_error(s));
		return rc;
	}
	total = n.pageviews + n.clicks + n.moves + n.goals;
	*events += total;
	if (total || n.grid_rows)
		log_info("retention: site %s: deleted %lld page views, %lld "
			 "clicks, %lld moves, %lld goals and %lld grid rows "
			 "from before %s (%d days)",
			 site->key, (long long)n.pageviews, (long long)n.clicks,
			 (long long)n.moves, (long long)n.goals,
			 (long long)n.grid_rows, when,
			 (int)site->cfg.retention_days);
	return 0;
}

int retention_pass(struct store *s, int64_t now_ms, const atomic_int *stop)
{
	struct store_site *sites = NULL;
	int64_t events = 0;
	size_t n = 0;
	int rc, first = 0;

	/* fresh settings every pass: `calor site set` and PATCH count at
	 * the next one */
	if ((rc = store_sites_load(s, &sites, &n))) {
		log_error("retention: cannot load sites: %s (%s)",
			  calor_strerror(rc), store_last_error(s));
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		if (sites[i].cfg.retention_days <= 0)
			continue;
		rc = site_purge(s, &sites[i], now_ms, stop, &events);
		if (rc == CALOR_ESHUTDOWN || rc == CALOR_EBUSY) {
			first = rc;
			break;
		}
		if (rc && !first)
			first = rc;
	}
	free(sites);
	if (first != CALOR_ESHUTDOWN)
		metrics_retention_pass(events);
	return first;
}

/* Wait until deadline (monotonic ms) or a stop; 1 when stopping. */
static int wait_until(struct retention *r, int64_t deadline)
{
	struct timespec ts = {.tv_sec = (time_t)(deadline / 1000),
			      .tv_nsec = (long)(deadline % 1000) * 1000000};
	int stopping;

	pthread_mutex_lock(&r->lock);
	while (!(stopping = atomic_load(&r->stopping)) &&
	       calor_mono_ms() < deadline)
		pthread_cond_timedwait(&r->wake, &r->lock, &ts);
	pthread_mutex_unlock(&r->lock);
	return stopping;
}

static void *retention_main(void *arg)
{
	struct retention *r = arg;
	int64_t first = r->interval_ms < RETENTION_FIRST_MS
			    ? r->interval_ms
			    : RETENTION_FIRST_MS;
	int64_t next = calor_mono_ms() + first;

	while (!wait_until(r, next)) {
		/* from the start of this pass: a long pass does not push
		 * every later one back */
		next = calor_mono_ms() + r->interval_ms;
		retention_pass(r->store, calor_now_ms(), &r->stopping);
	}
	return NULL;
}

int retention_new(struct store *s, int64_t interval_ms,
		  struct retention **ret_retention)
{
	struct retention *r;
	pthread_condattr_t attr;

	if (interval_ms <= 0)
		return CALOR_EINVAL;
	if (!(r = calloc(1, sizeof(*r))))
		return CALOR_ENOMEM;
	r->store = s;
	r->interval_ms = interval_ms;
	atomic_init(&r->stopping, 0);
	pthread_mutex_init(&r->lock, NULL);
	/* waits measured on the clock calor_mono_ms() reads, which a
	 * changed wall clock does not move */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&r->thread, NULL, retention_main, r) != 0) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->wake);
		free(r);
		return CALOR_ENOMEM;
	}
	r->started = 1;
	*ret_retention = r;
	return 0;
}

void retention_stop(struct retention *r)
{
	if (!r || !r->started)
		return;
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->stopping, 1);
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	r->started = 0;
}

void retention_free(struct retention *r)
{
	if (!r)
		return;
	retention_stop(r);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	free(r);
}
