/* SPDX-License-Identifier: MIT */
/* What the ClickHouse test programs share (ch_common.c): the same events
 * for every backend, every read under every filter compared between two
 * stores, exports compared record by record, and the stores opened. */
#ifndef CALOR_CH_COMMON_H
#define CALOR_CH_COMMON_H

#include "store.h"

#define N_PV	48
#define MAX_B	(N_PV * 3)
#define MAX_EV	16
#define MAX_PTS 6
#define DAY	86400000LL
#define BASE_MS (1793491200000LL) /* 2026-11-01T00:00:00Z */

/* The batches make_events() builds (n_batches of them; site_id is set by
 * write_all()), and each page view's client id and session. */
extern struct ingest_batch batches[MAX_B];
extern size_t n_batches;
extern char pv_ids[N_PV][24], sessions[N_PV][24];
extern const char *const urls[3];

/* N_PV page views over six days, 1..3 batches each: clicks (some in rage
 * bursts, some dead or error), moves, scroll with attention, goals, tags,
 * UTM, referrers. Deterministic. */
void make_events(void);
/* Write every batch to s for site_id in groups of 7, then the first ten
 * again (duplicates); *ret_stored counts STORE_WRITE_STORED. */
int write_all(struct store *s, int64_t site_id, int *ret_stored, int *ret_dups);
/* Every filter's reads from a and from b: the number of filters when
 * all are equal, else minus the number that differ (each described on
 * stderr). */
int compare_reads(struct store *a, int64_t site_a, struct store *b,
		  int64_t site_b);
/* compare_reads() reads every compare_stride-th filter (1, the default:
 * all 144). 5 is coprime with the nine segment cases each page and
 * device run through, so every case is still met, on other pages and
 * devices; the purge tests use it after the full matrix has been
 * compared once in test_clickhouse.c. */
extern int compare_stride;
/* Whether compare_reads() compares the tallest document of each width
 * (1, the default). After an erase SQLite keeps a day's tallest (a
 * page's height, store.h) while ClickHouse's grid_widths, keyed by the
 * height, have the tallest of the events left. */
extern int compare_heights;
/* Both exports, sorted, the same lines: 1, else 0 (the first difference
 * on stderr). */
int exports_equal(struct store *a, int64_t site_a, struct store *b,
		  int64_t site_b);

/* A new SQLite store in a new directory sqlite_dir; NULL on failure. */
extern char sqlite_dir[64];
struct store *open_sqlite(void);
/* rm -rf sqlite_dir. */
void sqlite_dir_remove(void);
/* The ClickHouse store of database db_name on the server whose HTTP port
 * is in environment variable port_env, with cluster (may be NULL). */
extern char db_name[48];
struct store *open_ch(const char *port_env, const char *cluster);

#endif
