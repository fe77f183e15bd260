/* SPDX-License-Identifier: MIT */
/* store: the only way calor reaches storage. A vtable (struct store_ops)
 * with one implementation per backend, chosen at run time by store_open();
 * no backend type leaks above this header. */
#ifndef CALOR_STORE_H
#define CALOR_STORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"

#define STORE_MAX_NAME	  128
#define STORE_MAX_ORIGIN  256
#define STORE_MAX_ORIGINS 16

/* Per-site settings: the frustration definitions (DESIGN.md, docs/api.md)
 * and how far back a client's clock is believed. Stored per site, default
 * below; `calor site set KEY NAME=VALUE` changes one. */
struct store_site_config {
	int32_t rage_clicks;	      /* clicks in a rage run */
	int32_t rage_ms;	      /* max gap between them */
	int32_t rage_px;	      /* max distance between them */
	int32_t dead_ms;	      /* no reaction within: a dead click */
	int32_t error_ms;	      /* an error within: an error click */
	int32_t quick_back_ms;	      /* back to the previous page within */
	int32_t scroll_reversals_min; /* excessive scrolling: at least this */
	int32_t scroll_reversals_factor; /* and this × the page's median */
	int32_t backdate_days;	  /* oldest event time accepted, days back */
	int32_t retention_days;	  /* events older are deleted; 0 = kept */
	int32_t consent_required; /* snippet: record after consent only */
	int32_t no_storage;	  /* snippet: no localStorage/sessionStorage */
	int32_t url_hash;	  /* snippet: URL fragments are pages */
};

/* One setting's name, place, default and range. */
struct store_config_key {
	const char *name;
	size_t offset; /* in struct store_site_config */
	int32_t def, min, max;
	const char *group; /* "frustration", "collection" or "privacy" */
	const char *doc;
};

/* The settings, in a fixed order, ending with a NULL name. */
extern const struct store_config_key store_config_keys[];
/* Every setting at its default. */
void store_config_defaults(struct store_site_config *cfg);
/* The key named name, or NULL. */
const struct store_config_key *store_config_find(const char *name);
/* Set name to value in cfg: 0, or CALOR_EINVAL for an unknown name or a
 * value out of range (detail in err). */
int store_config_set(struct store_site_config *cfg, const char *name,
		     int64_t value, char *err, size_t err_size);
/* The value of key k in cfg. */
int32_t store_config_get(const struct store_site_config *cfg,
			 const struct store_config_key *k);

struct store_site {
	int64_t id;
	char key[INGEST_MAX_KEY + 1];
	char name[STORE_MAX_NAME + 1];
	size_t n_origins;
	char origins[STORE_MAX_ORIGINS][STORE_MAX_ORIGIN + 1];
	int64_t created_ms;
	struct store_site_config cfg;
};

/* A segment: which visitors' page views to read. A zeroed segment selects
 * every page view; each member set narrows it. Goals count per session: a
 * page view is in `goal` when its session reached that goal anywhere on
 * the site, at any time. */
#define STORE_MAX_TAG_FILTERS 4

enum store_segment_has {
	STORE_SEG_BROWSER = 1,
	STORE_SEG_OS = 2,
	STORE_SEG_SOURCE = 4,
	STORE_SEG_NEW = 8
};

struct store_segment {
	unsigned has;		/* enum store_segment_has: which ints apply */
	int browser;		/* enum browser_family */
	int os;			/* enum os_family */
	int source;		/* enum source_class */
	int is_new;		/* 1 new, 0 returning */
	int32_t vw_min, vw_max; /* page view viewport width band; 0: open */
	/* exact matches; NULL any */
	const char *referrer, *utm_source, *utm_medium, *utm_campaign;
	struct ingest_tag tags[STORE_MAX_TAG_FILTERS]; /* all must match */
	size_t n_tags;
	const char *goal;   /* only sessions that reached it; NULL any */
	const char *nogoal; /* only sessions that did not; NULL any */
};

/* 1 when seg selects every page view. */
int store_segment_empty(const struct store_segment *seg);

/* One equality a segment puts on a page view column: a whole number
 * (text NULL) or a text. Both backends' SQL is built from these. */
struct store_seg_term {
	const char *column;
	int value;
	const char *text;
};
#define STORE_SEG_TERMS 8
/* The segment's equalities (browser, os, source, is_new when set in
 * `has`; referrer and utm_* when not NULL) into terms; returns how many. */
size_t store_segment_terms(const struct store_segment *seg,
			   struct store_seg_term terms[STORE_SEG_TERMS]);

/* What to read. device < 0 means every device class; page NULL every page;
 * from_ms/to_ms 0 mean unbounded. A filter with a segment is answered from
 * the stored events rather than from pre-aggregated grids. */
struct store_filter {
	int64_t site_id;
	const char *page;
	int device;
	int64_t from_ms, to_ms;
	struct store_segment seg;
};

/* 1 when f reads one device class or one width band, as the grid and
 * click scans require (heatmaps never mix classes, or read one band). */
int store_filter_one_class(const struct store_filter *f);

/* One stored click, as the heatmap needs it. */
struct store_click {
	int32_t x, y, vw, vh, dw, dh;
};

/* One page with what the pages table shows (store_pages_list). */
struct store_page {
	const char *path; /* valid during the callback only */
	int64_t pageviews, sessions, clicks;
	int64_t rage, dead, error; /* clicks with each flag */
	int64_t scroll_pageviews;  /* page views with scroll data */
	double depth;		   /* their mean deepest visible bottom, % of
				    * the document (0..100); 0 without any */
	int64_t converted; /* sessions that reached the goal; 0 without */
};

/* What store_pages_list() reads besides the filter. */
#define STORE_PAGES_MAX 10000 /* pages read per question, most viewed */

struct store_pages_query {
	const char *goal;   /* count `converted` for this goal; NULL none */
	const char *search; /* only paths containing it, ASCII letters
			     * case-insensitively; NULL every path */
	size_t limit;	    /* at most this many pages (<= STORE_PAGES_MAX) */
};

struct store_sample {
	int64_t pageviews, sessions, clicks;
};

/* Pre-aggregated grids: every click (and move point, dead click, error
 * click) is also counted per day into cells of STORE_GRID_COLS across its
 * viewport width and STORE_GRID_ROW_PX document px down, so a heatmap reads
 * cells, not every event. A cell's centre is at x = (cx + 0.5) / COLS of
 * the viewport width, y = cy * ROW_PX + ROW_PX / 2. */
#define STORE_GRID_COLS	  360
#define STORE_GRID_ROW_PX 4

enum store_grid_kind {
	STORE_GRID_CLICK = 0,
	STORE_GRID_MOVE = 1,
	STORE_GRID_DEAD = 2,
	STORE_GRID_ERROR = 3,
	STORE_GRID_RAGE = 4
};

struct store_grid_cell {
	int32_t cx, cy;
	int64_t n;
};

/* How many events of a kind came at one viewport width, and the tallest
 * document seen with them. */
struct store_grid_width {
	int32_t vw;
	int32_t max_doc_h;
	int64_t n;
};

/* Rage clicks: at least STORE_RAGE_CLICKS clicks, each at most
 * STORE_RAGE_MS after the previous and at most STORE_RAGE_PX from it. The
 * click that completes such a run, and every later click that extends it,
 * carries CLICK_RAGE. */
#define STORE_RAGE_CLICKS 3
#define STORE_RAGE_MS	  1000
#define STORE_RAGE_PX	  30

/* One page view's scroll record. */
struct store_scroll {
	int32_t depth; /* deepest visible bottom, px */
	int32_t doc_h; /* tallest document seen, px */
	int32_t fold;  /* first viewport bottom, px; 0 when unknown */
	int32_t reversals;
	int has_dwell;
	uint32_t dwell[INGEST_BANDS]; /* ms per 1 % band, when has_dwell */
};

/* A click with what its page view says of the visitor, for confetti. */
struct store_click_attrs {
	int32_t x, y, vw, dh;
	int is_new;
	int browser, os; /* enum browser_family, enum os_family */
	const char *referrer, *utm_source, *utm_medium; /* never NULL */
	const char *tag; /* the requested tag's value, NULL without it */
};

/* The clicks of one element (page and selector), as the element table and
 * the frustration list need them. Strings are valid during the callback
 * only. */
struct store_element {
	const char *page, *selector;
	int64_t clicks, sessions;
	int64_t rage, dead, error; /* clicks with each flag */
	int64_t interactive;	   /* clicks on an interactive target */
	int64_t converted;	   /* of `sessions`, those that reached goal */
	int64_t last_ts;
};

/* One example of a signal: when, in which page view and session. */
struct store_example {
	int64_t ts;
	const char *pageview, *session; /* client ids */
};

/* A page view as session-level signals (quick backs, excessive
 * scrolling) need it. */
struct store_pageview {
	const char *page, *session, *id; /* valid during the callback only */
	int64_t ts;
	int32_t reversals, depth, doc_h;
};

/* A goal and how many sessions (under the filter) reached it. */
struct store_goal {
	const char *name;
	int64_t sessions;
};

/* Results of store_write_batches, one per batch. */
enum store_write_result { STORE_WRITE_STORED = 0, STORE_WRITE_DUPLICATE = 1 };

/* Callbacks return 0 to go on, anything else to stop the scan and have it
 * returned. */
typedef int (*store_click_cb)(void *ctx, const struct store_click *c);
typedef int (*store_page_cb)(void *ctx, const struct store_page *p);
typedef int (*store_scroll_cb)(void *ctx, const struct store_scroll *sc);
/* Strings in *c are valid during the callback only. */
typedef int (*store_attrs_cb)(void *ctx, const struct store_click_attrs *c);
/* Cells arrive in no particular order and a cell may arrive more than once
 * (once per day): callers add them up. */
typedef int (*store_grid_cb)(void *ctx, const struct store_grid_cell *c);

typedef int (*store_element_cb)(void *ctx, const struct store_element *e);
typedef int (*store_example_cb)(void *ctx, const struct store_example *e);
typedef int (*store_pageview_cb)(void *ctx, const struct store_pageview *pv);
typedef int (*store_goal_cb)(void *ctx, const struct store_goal *g);

/* ---- export: every stored event of a site, as typed records ----
 * store_export_site() hands records to these callbacks in this order: every
 * page view, then every click, every move point and every goal, each kind
 * in storage order, all read from one consistent snapshot, so a page view
 * always comes before the events that name it. Strings and arrays are valid
 * during the callback only. The backend knows nothing of file formats
 * (export.c writes them as NDJSON). */
#define STORE_EXPORT_MAX_TAGS 100 /* tags per page view in an export */

struct store_export_pageview {
	const char *id;	      /* client page view id */
	const char *session;  /* client session id */
	const char *page;     /* page path */
	const char *referrer; /* referrer host, "" when none */
	enum device_class device;
	int32_t vw, vh;
	double dpr;
	int is_new;
	int64_t ts; /* page view start, server clock ms */
	enum browser_family browser;
	enum os_family os;
	/* "" when absent */
	const char *utm_source, *utm_medium, *utm_campaign, *utm_term,
	    *utm_content;
	int32_t fold;	   /* first viewport bottom, 0 when unknown */
	int64_t reversals; /* scroll direction reversals, summed */
	int32_t max_depth; /* deepest visible bottom, document px */
	int32_t doc_h;	   /* tallest document height seen */
	const struct ingest_tag *tags; /* n_tags, sorted by key */
	size_t n_tags;
	const uint32_t *dwell; /* INGEST_BANDS ms totals; NULL when none */
};

struct store_export_click {
	const char *pageview; /* client id of its page view */
	const char *page;     /* page path */
	enum device_class device;
	int64_t ts;
	int32_t x, y, vw, vh, dw, dh;
	const char *selector;
	int32_t off_x, off_y; /* 0..65535 across the element */
	int32_t el_w, el_h;
	enum pointer_type pointer;
	unsigned flags; /* enum click_flag bits */
};

/* One stored point of pointer movement. */
struct store_export_move {
	const char *pageview, *page;
	enum device_class device;
	int64_t ts;
	int32_t x, y, vw;
};

struct store_export_goal {
	const char *pageview, *session, *page, *name;
	int64_t ts;
};

/* Each callback returns 0 to go on, anything else to stop the export and
 * have it returned. */
struct store_export_cb {
	int (*pageview)(void *ctx, const struct store_export_pageview *pv);
	int (*click)(void *ctx, const struct store_export_click *c);
	int (*move)(void *ctx, const struct store_export_move *m);
	int (*goal)(void *ctx, const struct store_export_goal *g);
};

/* Which page views store_erase() deletes: one site's page views that
 * started in [from_ms, to_ms) (server clock), and only those of one
 * session when session is not NULL (the tracker's pv.sid; docs/api.md,
 * "Erasing a visitor"). */
struct store_pageview_sel {
	int64_t site_id;
	int64_t from_ms, to_ms;
	const char *session;
};

/* What store_purge() or store_erase() deleted, in rows. */
struct store_purge_stats {
	int64_t pageviews, clicks, moves, goals; /* the events */
	int64_t tags, batches; /* page view tags, batch (duplicate) records */
	int64_t grid_rows;     /* daily grid and width rows dropped whole */
	int64_t grid_events;   /* clicks and move points taken off the
				* grids one by one */
};

struct store;

struct store_ops {
	const char *name;
	void (*close)(struct store *s);
	int (*site_add)(struct store *s, const char *name,
			const char *const *origins, size_t n_origins,
			struct store_site *ret_site);
	int (*sites_load)(struct store *s, struct store_site **ret_sites,
			  size_t *ret_n);
	int (*write_batches)(struct store *s,
			     const struct ingest_batch *const *batches,
			     size_t n, int *ret_results);
	int (*pages_list)(struct store *s, const struct store_filter *f,
			  const struct store_pages_query *q, store_page_cb cb,
			  void *ctx);
	int (*clicks_scan)(struct store *s, const struct store_filter *f,
			   store_click_cb cb, void *ctx);
	int (*sample)(struct store *s, const struct store_filter *f,
		      struct store_sample *ret_sample);
	int (*grid_scan)(struct store *s, const struct store_filter *f,
			 enum store_grid_kind kind, store_grid_cb cb,
			 void *ctx);
	int (*grid_widths)(struct store *s, const struct store_filter *f,
			   enum store_grid_kind kind,
			   struct store_grid_width **ret_widths, size_t *ret_n);
	int (*export_site)(struct store *s, int64_t site_id,
			   const struct store_export_cb *cb, void *ctx);
	uint64_t (*data_version)(struct store *s);
	int (*scroll_scan)(struct store *s, const struct store_filter *f,
			   store_scroll_cb cb, void *ctx);
	int (*clicks_attrs_scan)(struct store *s, const struct store_filter *f,
				 const char *tag_key, int64_t stride,
				 store_attrs_cb cb, void *ctx);
	int (*site_set)(struct store *s, int64_t site_id, const char *name,
			int32_t value);
	int (*elements_scan)(struct store *s, const struct store_filter *f,
			     unsigned flags, const char *goal, size_t limit,
			     store_element_cb cb, void *ctx);
	int (*click_examples)(struct store *s, const struct store_filter *f,
			      const char *page, const char *selector,
			      unsigned flags, size_t n, store_example_cb cb,
			      void *ctx);
	int (*pageviews_scan)(struct store *s, const struct store_filter *f,
			      store_pageview_cb cb, void *ctx);
	int (*goals_list)(struct store *s, const struct store_filter *f,
			  store_goal_cb cb, void *ctx);
	int (*kv_put)(struct store *s, const char *kind, const char *key,
		      const char *value, int64_t expires_ms, int replace);
	int (*kv_get)(struct store *s, const char *kind, const char *key,
		      int64_t now_ms, char *ret_value, size_t size);
	int (*kv_delete)(struct store *s, const char *kind, const char *key);
	int (*site_update)(struct store *s, int64_t site_id, const char *name,
			   const char *const *origins, size_t n_origins);
	/* store_purge (drop_before_ms: its before_ms) and store_erase
	 * (drop_before_ms 0) */
	int (*purge)(struct store *s, const struct store_pageview_sel *sel,
		     int64_t drop_before_ms, const atomic_int *stop,
		     struct store_purge_stats *ret_stats);
	int (*site_create)(struct store *s, const struct store_site *site,
			   struct store_site *ret_site);
};

/* Every backend embeds this as its first member. */
struct store {
	const struct store_ops *ops;
	char last_error[256];
};

/* Open the store named by spec: a directory (SQLite database
 * DIR/calor.db, created with its schema if missing) or "sqlite:DIR".
 * "clickhouse://HOST:PORT/DB[?cluster=NAME]" (store_clickhouse_open()).
 * Returns 0 and
 * *ret_store (caller frees with store_close()), or
 * CALOR_EINVAL for an unknown spec, CALOR_ESTORE/CALOR_EIO with a detail in
 * err[0..err_size) when the backend cannot be opened. */
int store_open(const char *spec, struct store **ret_store, char *err,
	       size_t err_size);
/* Close and free; accepts NULL. */
void store_close(struct store *s);
/* The backend's detail on its last failure (for logs only, never for
 * clients). Never NULL. */
const char *store_last_error(const struct store *s);
/* Record a failure detail on s (printf-style); returns err unchanged. */
int store_fail(struct store *s, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Create a site with a new random key. origins are the exact
 * scheme://host[:port] strings events may come from; n_origins may be 0
 * (any origin). Fills *ret_site. CALOR_EINVAL for a bad name/origin. */
int store_site_add(struct store *s, const char *name,
		   const char *const *origins, size_t n_origins,
		   struct store_site *ret_site);
/* Create a site as site says — its key, name, origins, created_ms and
 * settings (site->id is ignored) — as one write: `calor import` recreates
 * an exported site under the key its snippets carry. Fills *ret_site (the
 * new id set). CALOR_EINVAL for a bad key, name, origin, time or setting
 * (store_site_check()); CALOR_EEXIST when a site has that key. Two
 * ClickHouse nodes creating one key at the same moment may both succeed
 * (no unique key there): run one import at a time. */
int store_site_create(struct store *s, const struct store_site *site,
		      struct store_site *ret_site);
/* Every site; caller frees *ret_sites with free(). */
int store_sites_load(struct store *s, struct store_site **ret_sites,
		     size_t *ret_n);
/* Commit n batches in one transaction; each batch is all-or-nothing and a
 * batch already stored (same site, page view id and seq) is reported as
 * STORE_WRITE_DUPLICATE and not stored again. Returns 0 only when
 * everything is durable; then ret_results[i] says what happened to batch i.
 * Batches borrow their memory from the caller. */
int store_write_batches(struct store *s,
			const struct ingest_batch *const *batches, size_t n,
			int *ret_results);
/* The pages matching f (f->page ignored) with page views under f, most
 * viewed first, then by path; at most q->limit. Counts are those of
 * struct store_page, under f; cb borrows each record. */
int store_pages_list(struct store *s, const struct store_filter *f,
		     const struct store_pages_query *q, store_page_cb cb,
		     void *ctx);
int store_clicks_scan(struct store *s, const struct store_filter *f,
		      store_click_cb cb, void *ctx);
int store_sample(struct store *s, const struct store_filter *f,
		 struct store_sample *ret_sample);

/* The grid cells of one page (f->page required; f->device >= 0 required;
 * the date range is applied by whole UTC days). */
int store_grid_scan(struct store *s, const struct store_filter *f,
		    enum store_grid_kind kind, store_grid_cb cb, void *ctx);
/* Viewport widths of one page's events of a kind, most common first;
 * caller frees *ret_widths with free(). Same filter rules. */
int store_grid_widths(struct store *s, const struct store_filter *f,
		      enum store_grid_kind kind,
		      struct store_grid_width **ret_widths, size_t *ret_n);

/* Every page view, click, move point and goal of one site, in the order
 * described above, to cb (every member set). Returns 0, a callback's
 * non-zero return, CALOR_ETOOBIG for a page view with more than
 * STORE_EXPORT_MAX_TAGS tags, CALOR_ESTORE/CALOR_EIO (detail in
 * store_last_error()), CALOR_EINVAL for a backend that cannot export. */
int store_export_site(struct store *s, int64_t site_id,
		      const struct store_export_cb *cb, void *ctx);

/* A number that changes whenever this store object commits events, and
 * starts random, so (version, question) names an answer: the API's ETag.
 * Commits by other connections to the same data (another process: `calor
 * erase`, `calor restore`) change it too, by the next call after them. */
uint64_t store_data_version(struct store *s);

/* The scroll record of every page view matching f (f->page required). */
int store_scroll_scan(struct store *s, const struct store_filter *f,
		      store_scroll_cb cb, void *ctx);

/* Every stride-th stored click of one page (f->page and f->device
 * required; stride >= 1 picks by click id, so the sample is the same each
 * time), with its page view's attributes and, when tag_key is not NULL,
 * the page view's value of that tag. */
int store_clicks_attrs_scan(struct store *s, const struct store_filter *f,
			    const char *tag_key, int64_t stride,
			    store_attrs_cb cb, void *ctx);

/* Rename a site (name not NULL) and/or replace its allowed origins
 * (origins not NULL; n_origins 0: any origin), in one transaction. Same
 * rules as store_site_add(); CALOR_ENOTFOUND for an unknown site. */
int store_site_update(struct store *s, int64_t site_id, const char *name,
		      const char *const *origins, size_t n_origins);
/* Store setting name (store_config_keys) of a site; the caller has
 * checked the range with store_config_set(). */
int store_site_set(struct store *s, int64_t site_id, const char *name,
		   int32_t value);

/* The clicks matching f grouped by page and selector (f->page NULL: every
 * page), counting only clicks that carry every bit of flags (0: every
 * click); most clicks first, at most limit groups. With goal, `converted`
 * counts the sessions that reached it. */
int store_elements_scan(struct store *s, const struct store_filter *f,
			unsigned flags, const char *goal, size_t limit,
			store_element_cb cb, void *ctx);
/* The n latest clicks on page's selector carrying every bit of flags. */
int store_click_examples(struct store *s, const struct store_filter *f,
			 const char *page, const char *selector, unsigned flags,
			 size_t n, store_example_cb cb, void *ctx);
/* Every page view matching f, by session and then time. */
int store_pageviews_scan(struct store *s, const struct store_filter *f,
			 store_pageview_cb cb, void *ctx);
/* The goals reached by sessions matching f, most sessions first. */
int store_goals_list(struct store *s, const struct store_filter *f,
		     store_goal_cb cb, void *ctx);

/* Retention: delete one site's page views that started before before_ms
 * and everything stored under each (clicks, moves, goals, tags, scroll
 * data, its batch records), whatever those events' own times; and the
 * site's daily grid rows of the UTC days wholly before before_ms's day,
 * taken off the all-time roll-up. A deleted click or move point of
 * before_ms's day or later is taken off its grid cells one by one (as
 * store_erase() does), so the grids count exactly the events left.
 * Pages stay (a path, no visitor data; their ids keep the grids valid).
 * The work is done in short write transactions taken in turn with the
 * writer's, so it may take a while but /collect waits at most one of
 * them. When stop (may be NULL) becomes non-zero, it ends between two
 * transactions with CALOR_ESHUTDOWN; what was deleted stays deleted.
 * Returns 0 and *ret_stats, CALOR_ESTORE/CALOR_EIO/CALOR_EFULL (detail in
 * store_last_error()), CALOR_EINVAL for a backend that cannot purge. */
int store_purge(struct store *s, int64_t site_id, int64_t before_ms,
		const atomic_int *stop, struct store_purge_stats *ret_stats);
/* Erase: delete the page views sel selects with everything stored under
 * each, as store_purge() does, and take each of their clicks and move
 * points off the grid cells and width rows it was counted in (the same
 * cells the write computed, on the event's own day and in the roll-up),
 * so unsegmented heatmaps and click counts lose exactly those events. A
 * width row keeps the tallest document its day saw (a page's height, not
 * a visitor's) unless the row goes; the roll-up's follows its days. Same
 * transactions, stop and errors as store_purge(). sel is borrowed. */
int store_erase(struct store *s, const struct store_pageview_sel *sel,
		const atomic_int *stop, struct store_purge_stats *ret_stats);

/* ---- access control's small records (users, sessions, API tokens,
 * secrets), kept by every backend so calor nodes can share them ---- */
#define STORE_KV_MAX_KEY   256
#define STORE_KV_MAX_VALUE 1024

/* Store value under (kind, key), expiring at expires_ms (0: never). An
 * existing live record is replaced when replace is set, else
 * CALOR_EEXIST; of several stores (calor nodes) creating one key at
 * once, one succeeds and the others get CALOR_EEXIST (on ClickHouse a
 * create waits a second to find out: records with random keys, which
 * cannot meet, are put with replace). */
int store_kv_put(struct store *s, const char *kind, const char *key,
		 const char *value, int64_t expires_ms, int replace);
/* Copy the value of a record that has not expired at now_ms; 0,
 * CALOR_ENOTFOUND, CALOR_ETOOBIG (size too small). */
int store_kv_get(struct store *s, const char *kind, const char *key,
		 int64_t now_ms, char *ret_value, size_t size);
/* Remove a record (absent is fine). */
int store_kv_delete(struct store *s, const char *kind, const char *key);

/* Backends. */
int store_sqlite_open(const char *dir, struct store **ret_store, char *err,
		      size_t err_size);

/* The ClickHouse backend (store_open() routes clickhouse:// specs to it;
 * docs/deploy.md). */
#define STORE_CH_MAX_SHARDS 32
struct store_clickhouse_spec {
	char host[254];
	int port;
	char db[65];
	char cluster[65]; /* "" without one */
	/* shards=: the HTTP address of every server of the cluster (purge
	 * runs a mutation on each one's local table); 0 without */
	size_t n_shards;
	struct {
		char host[254];
		int port;
	} shards[STORE_CH_MAX_SHARDS];
};
/* Parse "clickhouse://HOST:PORT/DB[?cluster=NAME[&shards=H:P,H:P...]]":
 * HOST a name or address (IPv6 in brackets), PORT 1..65535 (the HTTP
 * interface), DB and NAME [A-Za-z_][A-Za-z0-9_]{0,63}; shards= (with
 * cluster= only) up to STORE_CH_MAX_SHARDS distinct HOST:PORT, the HTTP
 * address of each server of the cluster. 0 or CALOR_EINVAL. */
int store_clickhouse_spec_parse(const char *spec,
				struct store_clickhouse_spec *ret_spec);
/* Open the ClickHouse store spec names: creates the database and the
 * schema if missing (with a cluster, the local tables on this server and
 * a Distributed table over the cluster's shards). Returns 0 and
 * *ret_store (caller frees with store_close()), CALOR_EINVAL for a bad
 * spec, CALOR_EUNAVAILABLE when ClickHouse cannot be reached,
 * CALOR_ESTORE when it refuses, with a detail in err. */
int store_clickhouse_open(const char *spec, struct store **ret_store, char *err,
			  size_t err_size);

/* For backends: check a site's name (NULL: not checked) and origins as
 * store_site_add() says (CALOR_EINVAL, detail on s), and make a random
 * site key of len (<= 64) characters into out[len + 1]. */
int store_site_fields_check(struct store *s, const char *name,
			    const char *const *origins, size_t n_origins);
int store_random_key(char *out, size_t len);
/* Check a whole site record as store_site_create() needs it: a key of
 * [A-Za-z0-9_-]{1,64}, name and origins as store_site_fields_check(),
 * created_ms in 0..2^53-1, every setting within its range. 0 or
 * CALOR_EINVAL with a detail on s. */
int store_site_check(struct store *s, const struct store_site *site);

/* ---- backup and restore of a SQLite data directory ---- */

/* What a backup holds (or a restore wrote). */
struct store_backup_stats {
	int64_t bytes;			  /* the backup file's size */
	int64_t sites, pageviews, clicks; /* clicks as the grids count */
	int files;	   /* files beside the database, carried */
	int files_skipped; /* left out: over 1 MiB, or past 64 files */
};

/* Back up data directory dir into a new file out_path: the database
 * (DIR/calor.db) copied with SQLite's online backup API, in steps, from
 * one read snapshot — commits that other connections (a running calor
 * serve) make meanwhile go on and are not in it — made a standalone
 * database file, with the small regular files kept beside the database
 * (a setup's key or password files) carried in it; then checked with
 * PRAGMA integrity_check. Written as out_path.tmp, synced and renamed, so
 * a failed backup leaves no file that looks whole. Returns 0 and
 * *ret_stats, CALOR_ENOTFOUND (no database in dir), CALOR_ESTORE (not a
 * calor database this binary reads, or a failed check), CALOR_EIO,
 * CALOR_EFULL, CALOR_EBUSY, with a detail in err. */
int store_sqlite_backup(const char *dir, const char *out_path,
			struct store_backup_stats *ret_stats, char *err,
			size_t err_size);
/* Restore backup in_path into data directory dir (created if missing):
 * checks the whole backup (PRAGMA integrity_check, a calor schema this
 * binary reads) before touching dir; refuses with CALOR_EEXIST when dir
 * already has a database or one of the carried files, unless force; then
 * copies the database in through SQLite (so an old database's WAL is
 * replaced with it, never replayed over it) and writes the carried files
 * back. A server must not be running on dir. Returns 0 and *ret_stats,
 * or an error as store_sqlite_backup() with a detail in err. */
int store_sqlite_restore(const char *in_path, const char *dir, int force,
			 struct store_backup_stats *ret_stats, char *err,
			 size_t err_size);

#endif
