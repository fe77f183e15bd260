/* SPDX-License-Identifier: MIT */
/* writer: the single thread that writes. Requests queue decoded batches;
 * the writer commits whatever is queued in one transaction (group commit)
 * and only then tells each request how it went, so a 204 always means
 * "durable". */
#ifndef CALOR_WRITER_H
#define CALOR_WRITER_H

#include <stddef.h>

#include "ingest.h"
#include "store.h"

#define WRITER_MAX_QUEUE 20000 /* batches waiting; past it submit says EBUSY */
#define WRITER_MAX_GROUP 512   /* batches per transaction */

/* One queued batch. The submitter owns it (usually inside its request
 * state) and must keep it alive until done() has been called. */
struct writer_job {
	const struct ingest_batch *batch;
	/* Called once, from the writer thread, after the batch's transaction
	 * committed (rc 0, result a STORE_WRITE_* value) or failed (rc < 0). */
	void (*done)(struct writer_job *job);
	void *ctx;
	int rc;
	int result;
	struct writer_job *next; /* private to the writer */
};

struct writer;

/* Start the writer thread over store s (borrowed; must outlive the
 * writer). Caller frees with writer_free(). */
int writer_new(struct store *s, struct writer **ret_writer);
/* Queue a job. 0, CALOR_EBUSY when the queue is full, CALOR_ESHUTDOWN after
 * writer_stop(). On error done() is not called. Thread-safe. */
int writer_submit(struct writer *w, struct writer_job *job);
/* Refuse new jobs, commit everything already queued, call their done(),
 * and join the thread. Idempotent. */
void writer_stop(struct writer *w);
/* Stop (if needed) and free; accepts NULL. */
void writer_free(struct writer *w);

#endif
