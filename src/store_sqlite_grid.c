/* SPDX-License-Identifier: MIT */
/* store_sqlite_grid: the pre-aggregated grids' bookkeeping, one rule for
 * the write path and for purges: which cells and width rows a click or a
 * move point counts in (store.h), the counts of one write transaction
 * added up in memory, and their flush — added on a write, taken off on a
 * purge (a row taken down to nothing is deleted). */
#include <stdlib.h>
#include <string.h>

#include "store_sqlite_int.h"

#define DELTAS_FLUSH_AT 65536 /* pending counts before an early write */
#define DAY_MS		86400000

static uint64_t delta_hash(const struct grid_delta *d)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int64_t parts[7] = {d->table, d->page_id, d->device, d->kind,
			    d->day,   d->a,	  d->b};
	for (int i = 0; i < 7; i++) {
		h ^= (uint64_t)parts[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

static int delta_same(const struct grid_delta *x, const struct grid_delta *y)
{
	return x->table == y->table && x->page_id == y->page_id &&
	       x->device == y->device && x->kind == y->kind &&
	       x->day == y->day && x->a == y->a && x->b == y->b;
}

void sqlite_grid_clear(struct sqlite_store *s)
{
	if (s->n_deltas)
		memset(s->deltas, 0, s->cap_deltas * sizeof(*s->deltas));
	s->n_deltas = 0;
}

/* Step st, remember its first column when it returns a row (*ret_value,
 * with *ret_row 1), reset it. */
static int step_reset(struct sqlite_store *s, sqlite3_stmt *st, int *ret_row,
		      int64_t *ret_value)
{
	int step = sqlite3_step(st);

	if (step == SQLITE_ROW && ret_value)
		*ret_value = sqlite3_column_int64(st, 0);
	if (ret_row)
		*ret_row = step == SQLITE_ROW;
	sqlite3_reset(st);
	if (step != SQLITE_DONE && step != SQLITE_ROW)
		return sqlite_db_fail(s, s->wdb, "grid");
	return 0;
}

/* Binds the row's key: ?1 page, ?2 device, ?3 kind, ?4 day, then ?5 and
 * ?6 the cell (cy, cx) of a grid row or ?5 the width of a width row. */
static void bind_key(sqlite3_stmt *st, const struct grid_delta *d)
{
	sqlite3_bind_int64(st, 1, d->page_id);
	sqlite3_bind_int(st, 2, d->device);
	sqlite3_bind_int(st, 3, d->kind);
	sqlite3_bind_int64(st, 4, d->day);
	sqlite3_bind_int(st, 5, d->a);
	if (!d->table)
		sqlite3_bind_int(st, 6, d->b);
}

/* A count added: one upsert (a width row keeps the tallest document). */
static int delta_write_add(struct sqlite_store *s, const struct grid_delta *d)
{
	sqlite3_stmt *st = s->st[d->table ? ST_WIDTH_UPSERT : ST_GRID_UPSERT];

	bind_key(st, d);
	if (d->table) {
		sqlite3_bind_int64(st, 6, d->n);
		sqlite3_bind_int(st, 7, d->max_dh);
	} else {
		sqlite3_bind_int64(st, 7, d->n);
	}
	return step_reset(s, st, NULL, NULL);
}

/* A count taken off: never below nothing, and a row left with nothing is
 * deleted, as if those events had never come. A row that is not there
 * (counted on another day by an older calor) is left alone. */
static int delta_write_sub(struct sqlite_store *s, const struct grid_delta *d)
{
	sqlite3_stmt *st = s->st[d->table ? ST_WIDTH_SUB : ST_GRID_SUB];
	int64_t left = 0;
	int rc, row = 0;

	bind_key(st, d);
	sqlite3_bind_int64(st, d->table ? 6 : 7, -d->n);
	if ((rc = step_reset(s, st, &row, &left)) || !row || left > 0)
		return rc;
	st = s->st[d->table ? ST_WIDTH_DROP : ST_GRID_DROP];
	bind_key(st, d);
	return step_reset(s, st, NULL, NULL);
}

int sqlite_grid_flush(struct sqlite_store *s)
{
	int rc = 0;

	for (size_t i = 0; !rc && s->n_deltas && i < s->cap_deltas; i++) {
		const struct grid_delta *d = &s->deltas[i];
		if (!d->used || !d->n)
			continue;
		rc = d->n > 0 ? delta_write_add(s, d) : delta_write_sub(s, d);
	}
	sqlite_grid_clear(s);
	return rc;
}

static int delta_add(struct sqlite_store *s, const struct grid_delta *d)
{
	struct grid_delta *slot;
	size_t mask;
	int rc;

	if (s->n_deltas >= DELTAS_FLUSH_AT && (rc = sqlite_grid_flush(s)))
		return rc;
	if (2 * (s->n_deltas + 1) > s->cap_deltas) {
		/* grow (only while empty or nearly: rehash by flushing) */
		size_t cap = s->cap_deltas ? 2 * s->cap_deltas : 4096;
		struct grid_delta *p;
		if (s->n_deltas && (rc = sqlite_grid_flush(s)))
			return rc;
		if (cap > 2 * DELTAS_FLUSH_AT)
			cap = 2 * DELTAS_FLUSH_AT;
		if (cap > s->cap_deltas) {
			p = calloc(cap, sizeof(*p));
			if (!p)
				return CALOR_ENOMEM;
			free(s->deltas);
			s->deltas = p;
			s->cap_deltas = cap;
		}
	}
	mask = s->cap_deltas - 1;
	for (size_t i = delta_hash(d) & mask;; i = (i + 1) & mask) {
		slot = &s->deltas[i];
		if (!slot->used) {
			*slot = *d;
			slot->used = 1;
			s->n_deltas++;
			return 0;
		}
		if (delta_same(slot, d)) {
			slot->n += d->n;
			if (d->max_dh > slot->max_dh)
				slot->max_dh = d->max_dh;
			return 0;
		}
	}
}

/* Where one event is counted: its page, device and UTC day. */
struct grid_at {
	int64_t page_id, device, day;
};

/* n into the cell under (x, y) of the day's grid and of the all-time
 * roll-up, and into the width row of vw (tallest document dh) of both. */
static int count(struct sqlite_store *s, const struct grid_at *at,
		 enum store_grid_kind kind, int32_t x, int32_t y, int32_t vw,
		 int32_t dh, int64_t n)
{
	int64_t cx = (int64_t)x * STORE_GRID_COLS / (vw > 0 ? vw : 1);
	int64_t days[2] = {at->day, GRID_ALL_DAYS};
	int rc = 0;

	for (int i = 0; !rc && i < 2; i++) {
		struct grid_delta cell = {
		    .table = 0,
		    .page_id = at->page_id,
		    .device = (int32_t)at->device,
		    .kind = kind,
		    .day = days[i],
		    .a = y / STORE_GRID_ROW_PX,
		    .b = (int32_t)(cx < 32767 ? cx : 32767),
		    .n = n};
		struct grid_delta width = {.table = 1,
					   .page_id = at->page_id,
					   .device = (int32_t)at->device,
					   .kind = kind,
					   .day = days[i],
					   .a = vw,
					   .n = n,
					   .max_dh = n > 0 ? dh : 0};
		if (!(rc = delta_add(s, &cell)))
			rc = delta_add(s, &width);
	}
	return rc;
}

int sqlite_grid_click(struct sqlite_store *s, int64_t page_id, int64_t device,
		      int64_t ts, int32_t x, int32_t y, int32_t vw, int32_t dh,
		      unsigned flags, int64_t n)
{
	static const struct {
		enum store_grid_kind kind;
		unsigned flag;
	} kinds[] = {{STORE_GRID_CLICK, 0},
		     {STORE_GRID_DEAD, CLICK_DEAD},
		     {STORE_GRID_ERROR, CLICK_ERROR},
		     {STORE_GRID_RAGE, CLICK_RAGE}};
	struct grid_at at = {page_id, device, ts / DAY_MS};
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!kinds[i].flag || (flags & kinds[i].flag))
			rc = count(s, &at, kinds[i].kind, x, y, vw, dh, n);
	return rc;
}

int sqlite_grid_move(struct sqlite_store *s, int64_t page_id, int64_t device,
		     int64_t ts, int32_t x, int32_t y, int32_t vw, int32_t dh,
		     int64_t n)
{
	struct grid_at at = {page_id, device, ts / DAY_MS};

	return count(s, &at, STORE_GRID_MOVE, x, y, vw, dh, n);
}
