/* SPDX-License-Identifier: MIT */
/* writer: a queue of batches and one thread that drains it in groups, one
 * transaction per group, reporting each batch's fate only after commit. */
#include "writer.h"

#include <pthread.h>
#include <stdlib.h>

#include "metrics.h"

struct writer {
	struct store *store;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct writer_job *head, *tail;
	size_t queued;
	int stopping, started;
	/* a run of failed commits (writer thread only): a full disk fails
	 * every group until space returns, so the run is logged when it starts
	 * and when it ends, not once per group; a disk at the edge lets a
	 * small group through now and then, so the run ends only once commits
	 * have succeeded for WRITER_CALM_MS */
	int fail_rc;
	int64_t fail_groups, fail_batches, fail_since_ms, ok_since_ms;
};

#define WRITER_CALM_MS 2000

/* Log the first failure of a run, or a different error within it. */
static void note_failure(struct writer *w, int rc, size_t n)
{
	if (rc != w->fail_rc)
		log_error("commit of %zu batches failed: %s (%s); batches are "
			  "answered 503 until a commit succeeds",
			  n, calor_strerror(rc), store_last_error(w->store));
	if (!w->fail_rc)
		w->fail_since_ms = calor_mono_ms();
	w->fail_rc = rc;
	w->fail_groups++;
	w->fail_batches += (int64_t)n;
	w->ok_since_ms = 0;
}

/* The run of failures is over (or the writer stops): one line. */
static void end_run(struct writer *w, const char *how)
{
	int64_t end = w->ok_since_ms ? w->ok_since_ms : calor_mono_ms();

	log_info("commits %s after %lld failed in %.1f s (%lld batches "
		 "refused)",
		 how, (long long)w->fail_groups,
		 (double)(end - w->fail_since_ms) / 1000.0,
		 (long long)w->fail_batches);
	w->fail_rc = 0;
	w->fail_groups = w->fail_batches = 0;
	w->ok_since_ms = 0;
}

/* A commit succeeded: after WRITER_CALM_MS of them, end the run. */
static void note_success(struct writer *w)
{
	int64_t now;

	if (!w->fail_rc)
		return;
	now = calor_mono_ms();
	if (!w->ok_since_ms)
		w->ok_since_ms = now;
	else if (now - w->ok_since_ms >= WRITER_CALM_MS)
		end_run(w, "succeed again");
}

static void commit_group(struct writer *w, struct writer_job *jobs, size_t n)
{
	const struct ingest_batch *batches[WRITER_MAX_GROUP];
	int results[WRITER_MAX_GROUP];
	struct writer_job *j;
	int64_t t0, events = 0;
	size_t i = 0;
	int rc;

	for (j = jobs; j; j = j->next)
		batches[i++] = j->batch;
	t0 = calor_mono_us();
	rc = store_write_batches(w->store, batches, n, results);
	metrics_commit(calor_mono_us() - t0, rc == 0);
	if (rc)
		note_failure(w, rc, n);
	else
		note_success(w);
	i = 0;
	for (j = jobs; j;) {
		struct writer_job *next = j->next;
		j->rc = rc;
		j->result = rc ? 0 : results[i];
		if (!rc && results[i] == STORE_WRITE_STORED)
			events += (int64_t)j->batch->n_events;
		i++;
		j->done(j); /* may free j */
		j = next;
	}
	metrics_events_accepted(events);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	for (;;) {
		struct writer_job *group, *last;
		size_t n = 0;

		pthread_mutex_lock(&w->lock);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->head) { /* stopping and drained */
			pthread_mutex_unlock(&w->lock);
			break;
		}
		group = last = w->head;
		n = 1;
		while (last->next && n < WRITER_MAX_GROUP) {
			last = last->next;
			n++;
		}
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		w->queued -= n;
		pthread_mutex_unlock(&w->lock);
		commit_group(w, group, n);
	}
	if (w->fail_rc)
		end_run(w, w->ok_since_ms ? "succeed again"
					  : "still fail at stop");
	return NULL;
}

int writer_new(struct store *s, struct writer **ret_writer)
{
	struct writer *w = calloc(1, sizeof(*w));

	if (!w)
		return CALOR_ENOMEM;
	w->store = s;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		free(w);
		return CALOR_ENOMEM;
	}
	w->started = 1;
	*ret_writer = w;
	return 0;
}

int writer_submit(struct writer *w, struct writer_job *job)
{
	int rc = 0;

	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->stopping)
		rc = CALOR_ESHUTDOWN;
	else if (w->queued >= WRITER_MAX_QUEUE)
		rc = CALOR_EBUSY;
	if (!rc) {
		if (w->tail)
			w->tail->next = job;
		else
			w->head = job;
		w->tail = job;
		w->queued++;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void writer_stop(struct writer *w)
{
	if (!w || !w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->started = 0;
}

void writer_free(struct writer *w)
{
	if (!w)
		return;
	writer_stop(w);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}
