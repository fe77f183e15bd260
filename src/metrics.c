/* SPDX-License-Identifier: MIT */
/* metrics: lock-free counters and a commit-latency histogram, rendered in
 * the Prometheus text format. */
#include "metrics.h"

#include <stdatomic.h>
#include <string.h>

static const char *const reasons[] = {
    "bad_json",		"bad_field",	"missing_field",    "body_too_large",
    "too_many_events",	"unknown_site", "forbidden_origin", "bad_method",
    "bad_content_type", "unavailable",	"rate_limited",	    "other",
};
#define N_REASONS (sizeof(reasons) / sizeof(reasons[0]))

/* Commit latency bucket bounds in seconds (Prometheus "le"). */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				0.1,   0.25,   0.5,   1,    2.5};
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static _Atomic int64_t events_accepted, batches_accepted, batches_duplicate;
static _Atomic int64_t rejected[N_REASONS];
static _Atomic int64_t commit_buckets[N_BOUNDS], commit_count, commit_sum_us,
    commit_failures;
static _Atomic int64_t retention_passes, retention_deleted;

static const char *const limits[] = {"collect_ip", "collect_site", "login_ip",
				     "other"};
#define N_LIMITS (sizeof(limits) / sizeof(limits[0]))
static _Atomic int64_t rate_limited[N_LIMITS];
static _Atomic int64_t bot_batches, requests_timed_out;

void metrics_events_accepted(int64_t n)
{
	atomic_fetch_add(&events_accepted, n);
}

void metrics_batch_accepted(int dup)
{
	atomic_fetch_add(dup ? &batches_duplicate : &batches_accepted, 1);
}

void metrics_batch_rejected(const char *reason)
{
	size_t i;
	for (i = 0; i < N_REASONS - 1; i++)
		if (reason && strcmp(reason, reasons[i]) == 0)
			break;
	atomic_fetch_add(&rejected[i], 1);
}

void metrics_commit(int64_t micros, int ok)
{
	double s = (double)micros / 1e6;
	for (size_t i = 0; i < N_BOUNDS; i++)
		if (s <= bounds[i])
			atomic_fetch_add(&commit_buckets[i], 1);
	atomic_fetch_add(&commit_count, 1);
	atomic_fetch_add(&commit_sum_us, micros);
	if (!ok)
		atomic_fetch_add(&commit_failures, 1);
}

void metrics_retention_pass(int64_t n)
{
	atomic_fetch_add(&retention_deleted, n);
	atomic_fetch_add(&retention_passes, 1);
}

void metrics_rate_limited(const char *limit)
{
	size_t i;
	for (i = 0; i < N_LIMITS - 1; i++)
		if (limit && strcmp(limit, limits[i]) == 0)
			break;
	atomic_fetch_add(&rate_limited[i], 1);
}

void metrics_bot_batch(void)
{
	atomic_fetch_add(&bot_batches, 1);
}

void metrics_request_timed_out(void)
{
	atomic_fetch_add(&requests_timed_out, 1);
}

/* The rate limit, bot and slow client counters. */
static int render_abuse(struct dynbuf *b)
{
	int rc = dynbuf_adds(
	    b, "# HELP calor_rate_limited_total Requests refused with 429, "
	       "by limit.\n"
	       "# TYPE calor_rate_limited_total counter\n");
	for (size_t i = 0; !rc && i < N_LIMITS; i++)
		rc = dynbuf_addf(
		    b, "calor_rate_limited_total{limit=\"%s\"} %lld\n",
		    limits[i], (long long)atomic_load(&rate_limited[i]));
	if (!rc)
		rc = dynbuf_addf(
		    b,
		    "# HELP calor_bot_batches_total Batches from known bots "
		    "and headless browsers, acknowledged and not stored.\n"
		    "# TYPE calor_bot_batches_total counter\n"
		    "calor_bot_batches_total %lld\n"
		    "# HELP calor_requests_timed_out_total Connections closed "
		    "because a request did not arrive whole in time.\n"
		    "# TYPE calor_requests_timed_out_total counter\n"
		    "calor_requests_timed_out_total %lld\n",
		    (long long)atomic_load(&bot_batches),
		    (long long)atomic_load(&requests_timed_out));
	return rc;
}

int metrics_render(struct dynbuf *b)
{
	int rc = dynbuf_addf(
	    b,
	    "# HELP calor_events_accepted_total Events committed to storage.\n"
	    "# TYPE calor_events_accepted_total counter\n"
	    "calor_events_accepted_total %lld\n"
	    "# HELP calor_batches_accepted_total Batches committed "
	    "(duplicates: already stored).\n"
	    "# TYPE calor_batches_accepted_total counter\n"
	    "calor_batches_accepted_total{duplicate=\"false\"} %lld\n"
	    "calor_batches_accepted_total{duplicate=\"true\"} %lld\n"
	    "# HELP calor_batches_rejected_total Batches refused, by reason.\n"
	    "# TYPE calor_batches_rejected_total counter\n",
	    (long long)atomic_load(&events_accepted),
	    (long long)atomic_load(&batches_accepted),
	    (long long)atomic_load(&batches_duplicate));
	for (size_t i = 0; !rc && i < N_REASONS; i++)
		rc = dynbuf_addf(b,
				 "calor_batches_rejected_total{reason=\"%s\"} "
				 "%lld\n",
				 reasons[i],
				 (long long)atomic_load(&rejected[i]));
	if (!rc)
		rc =
		    dynbuf_adds(b, "# HELP calor_commit_seconds Latency of one "
				   "group commit.\n"
				   "# TYPE calor_commit_seconds histogram\n");
	for (size_t i = 0; !rc && i < N_BOUNDS; i++)
		rc = dynbuf_addf(
		    b, "calor_commit_seconds_bucket{le=\"%g\"} %lld\n",
		    bounds[i], (long long)atomic_load(&commit_buckets[i]));
	if (!rc)
		rc = dynbuf_addf(
		    b,
		    "calor_commit_seconds_bucket{le=\"+Inf\"} %lld\n"
		    "calor_commit_seconds_sum %.6f\n"
		    "calor_commit_seconds_count %lld\n"
		    "# HELP calor_commit_failures_total Group commits that "
		    "failed.\n"
		    "# TYPE calor_commit_failures_total counter\n"
		    "calor_commit_failures_total %lld\n",
		    (long long)atomic_load(&commit_count),
		    (double)atomic_load(&commit_sum_us) / 1e6,
		    (long long)atomic_load(&commit_count),
		    (long long)atomic_load(&commit_failures));
	if (!rc)
		rc = dynbuf_addf(
		    b,
		    "# HELP calor_retention_passes_total Retention passes "
		    "finished.\n"
		    "# TYPE calor_retention_passes_total counter\n"
		    "calor_retention_passes_total %lld\n"
		    "# HELP calor_retention_deleted_total Page views, clicks, "
		    "moves and goals deleted by retention.\n"
		    "# TYPE calor_retention_deleted_total counter\n"
		    "calor_retention_deleted_total %lld\n",
		    (long long)atomic_load(&retention_passes),
		    (long long)atomic_load(&retention_deleted));
	if (!rc)
		rc = render_abuse(b);
	return rc;
}
