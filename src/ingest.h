/* SPDX-License-Identifier: MIT */
/* ingest: the trust boundary. Decodes a /collect batch (docs/wire.md),
 * validates every field against its cap, and normalises it into a
 * struct ingest_batch. Never touches SQL. */
#ifndef CALOR_INGEST_H
#define CALOR_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* Caps on everything a client controls (documented in docs/wire.md). */
#define INGEST_MAX_BODY	       (128 * 1024)
#define INGEST_MAX_EVENTS      500
#define INGEST_MAX_KEY	       64
#define INGEST_MAX_ID	       64
#define INGEST_MIN_ID	       8
#define INGEST_MAX_URL	       2048
#define INGEST_MAX_HOST	       253
#define INGEST_MAX_SELECTOR    512
#define INGEST_MAX_VIEWPORT    16384   /* px, width or height */
#define INGEST_MAX_DOC_W       32768   /* px */
#define INGEST_MAX_DOC_H       1000000 /* px */
#define INGEST_MAX_SEQ	       1000000
#define INGEST_MAX_SKEW_MS     (24LL * 3600 * 1000) /* default age cap */
#define INGEST_MAX_AGE_MS      (3650LL * 86400000)  /* widest: 10 years */
#define INGEST_MAX_UTM	       128
#define INGEST_MAX_TAGS	       10
#define INGEST_MAX_TAG_KEY     32
#define INGEST_MAX_TAG_VALUE   64
#define INGEST_MAX_GOAL	       64
#define INGEST_MAX_MOVE_POINTS 300 /* per move event */
#define INGEST_MAX_MS_DELTA    3600000
#define INGEST_MAX_REVERSALS   100000
#define INGEST_BANDS	       100   /* 1 % bands of the document height */
#define INGEST_MAX_REACT_MS    60000 /* rt, et */
/* Default windows of dead and error clicks (DESIGN.md); sites may set
 * their own (store.h, dead_ms and error_ms), up to the tracker's
 * observation window. */
#define INGEST_DEAD_MS	  1500
#define INGEST_ERROR_MS	  1000
#define INGEST_OBSERVE_MS 3000 /* calor.js watches a click this long */

enum device_class { DEVICE_DESKTOP = 0, DEVICE_TABLET = 1, DEVICE_MOBILE = 2 };

/* mobile < 768 <= tablet < 1024 <= desktop, by viewport width in CSS px. */
enum device_class ingest_device_class(int viewport_width);
/* "desktop", "tablet", "mobile". */
const char *ingest_device_name(enum device_class d);
/* Parse a device name. 0 or CALOR_EINVAL. */
int ingest_device_parse(const char *s, enum device_class *ret_device);

enum pointer_type {
	POINTER_MOUSE = 0,
	POINTER_TOUCH,
	POINTER_PEN,
	POINTER_KEY
};

enum event_type {
	EVENT_CLICK = 1,
	EVENT_SCROLL = 2,
	EVENT_MOVE = 3,
	EVENT_GOAL = 4
};

/* Click flags, as stored. */
enum click_flag {
	CLICK_FIXED = 1,       /* target in a fixed/sticky container */
	CLICK_INTERACTIVE = 2, /* target is a link, button, input, ... */
	CLICK_DEAD = 4,	       /* nothing happened after it */
	CLICK_ERROR = 8,       /* an uncaught error followed it */
	CLICK_RAGE =
	    16 /* completes or extends a rage burst (set by the writer) */
};

enum browser_family {
	BROWSER_OTHER = 0,
	BROWSER_CHROME,
	BROWSER_EDGE,
	BROWSER_FIREFOX,
	BROWSER_SAFARI,
	BROWSER_OPERA,
	BROWSER_SAMSUNG
};

enum os_family {
	OS_OTHER = 0,
	OS_WINDOWS,
	OS_MACOS,
	OS_IOS,
	OS_ANDROID,
	OS_LINUX,
	OS_CHROMEOS
};

struct ingest_click {
	int32_t x, y;	       /* document px */
	int32_t vw, vh;	       /* viewport at the click */
	int32_t dw, dh;	       /* document size at the click */
	const char *selector;  /* stable selector, validated UTF-8 */
	uint16_t off_x, off_y; /* offset inside the element, 0..65535 */
	int32_t el_w, el_h;    /* element box size px */
	enum pointer_type pointer;
	unsigned flags;	   /* enum click_flag bits */
	uint64_t sel_hash; /* 64-bit FNV-1a of selector, computed here */
	/* ms from the click to the first reaction / uncaught error that the
	 * tracker saw (more than INGEST_OBSERVE_MS: none); -1 when not sent */
	int32_t react_ms, error_ms;
};

struct ingest_scroll {
	int32_t depth;	   /* deepest visible bottom, document px */
	int32_t doc_h;	   /* document height then */
	int32_t fold;	   /* first viewport bottom, 0 when not sent */
	int32_t reversals; /* direction reversals since the previous batch */
	int has_dwell;
	uint32_t
	    dwell[INGEST_BANDS]; /* ms per 1 % band since the previous batch */
};

struct ingest_move {
	int32_t vw, doc_h;
	size_t n;
	int32_t *x, *y; /* document px */
	int32_t *dt;	/* ms after the event's ts */
};

struct ingest_goal {
	const char *name;
};

struct ingest_tag {
	const char *key, *value;
};

struct ingest_event {
	enum event_type type;
	int64_t
	    ts; /* server-clock ms: client time corrected by the batch's skew */
	union {
		struct ingest_click click;
		struct ingest_scroll *scroll; /* large: in the arena */
		struct ingest_move move;
		struct ingest_goal goal;
	} u;
};

/* The page view context, sent with every batch. */
struct ingest_pageview {
	const char *id;	      /* client page view id */
	int64_t seq;	      /* batch number within the page view */
	const char *session;  /* client session id */
	const char *url;      /* normalised path (+ allow-listed query) */
	const char *referrer; /* referrer host, "" when none */
	int64_t ts;	      /* page view start, server clock */
	int32_t vw, vh;
	double dpr;
	int is_new;
	enum device_class device; /* derived from vw on the server */
	/* UTM parameters, "" when absent */
	const char *utm_source, *utm_medium, *utm_campaign, *utm_term,
	    *utm_content;
	struct ingest_tag tags[INGEST_MAX_TAGS];
	size_t n_tags;
	/* from the User-Agent header: set by the caller with
	 * ingest_user_agent(); BROWSER_OTHER/OS_OTHER from ingest_decode() */
	enum browser_family browser;
	enum os_family os;
};

/* A decoded, validated batch. All strings live in the arena it was decoded
 * into; the batch is valid as long as that arena. */
struct ingest_batch {
	const char *site_key;
	int64_t site_id; /* 0 from ingest_decode; set by the caller once the
			    key is resolved to a site */
	struct ingest_pageview pv;
	struct ingest_event *events;
	size_t n_events;
	size_t n_clicks;
	/* the site's rage rule (store.h), set by the caller; 0: defaults */
	int32_t rage_clicks, rage_ms, rage_px;
};

/* Why a batch was refused: an HTTP status, a stable machine-readable code
 * and a human detail naming the field. */
struct ingest_error {
	int status;	  /* 400, 413, ... */
	const char *code; /* "bad_json", "bad_field", "too_many_events", ... */
	char detail[160];
};

/* Decode and validate body[0..len). now_ms is the server's receive time.
 * On success *ret_batch points into arena a. On failure returns
 * CALOR_EINVAL or CALOR_ETOOBIG and fills *err; CALOR_ENOMEM if the arena
 * is exhausted. Borrows body (it need not be NUL-terminated). */
int ingest_decode(const char *body, size_t len, int64_t now_ms, struct arena *a,
		  struct ingest_batch **ret_batch, struct ingest_error *err);

/* Decide the dead and error flags of b's clicks that carry the tracker's
 * measurements: dead when not interactive and no reaction came within
 * dead_ms, error when an uncaught error came within error_ms. Clicks
 * without them keep the flags they were sent with. ingest_decode() applies
 * the defaults; the caller re-decides with the site's windows. */
void ingest_batch_decide(struct ingest_batch *b, int32_t dead_ms,
			 int32_t error_ms);

/* Move every time in b older than oldest_ms up to it. ingest_decode()
 * accepts times up to INGEST_MAX_AGE_MS old; the caller narrows that to
 * what the site allows (INGEST_MAX_SKEW_MS unless configured). */
void ingest_batch_clamp(struct ingest_batch *b, int64_t oldest_ms);

/* Browser and OS families from a User-Agent string (NULL: other). */
void ingest_user_agent(const char *ua, enum browser_family *ret_browser,
		       enum os_family *ret_os);
/* "chrome", "windows", ...: names of the families. */
const char *ingest_browser_name(enum browser_family b);
const char *ingest_os_name(enum os_family os);
/* Where a visit came from, from its referrer host and UTM tags. */
enum source_class {
	SOURCE_DIRECT = 0, /* no referrer, no campaign */
	SOURCE_SEARCH,	   /* a search engine */
	SOURCE_SOCIAL,	   /* a social network */
	SOURCE_CAMPAIGN,   /* utm_source or utm_medium set */
	SOURCE_REFERRAL	   /* any other site */
};
enum source_class ingest_source_class(const char *referrer,
				      const char *utm_source,
				      const char *utm_medium);
/* "direct", "search", "social", "campaign", "referral". */
const char *ingest_source_name(enum source_class c);

/* Normalise a page URL in place, as ingest_decode() does with pv.url:
 * url must start with '/'. In the path (up to the first '?' or '#'),
 * backslashes become slashes and "." and ".." segments (also spelt "%2e")
 * are resolved as a browser's URL parser does; a query or fragment that is
 * only "?" or "#" is dropped. Never lengthens url; idempotent; what
 * calor.js sends comes back unchanged. Returns the new length. */
size_t ingest_url_normalise(char *url);
/* Normalise a selector in place, as ingest_decode() does with sel:
 * leading and trailing spaces dropped, runs of spaces made one. Never
 * lengthens sel; idempotent. Returns the new length (0: it was blank). */
size_t ingest_selector_normalise(char *sel);

/* 64-bit FNV-1a of s. */
uint64_t ingest_hash(const char *s);

/* 1 if s is a well-formed site key ([A-Za-z0-9_-]{1,64}). */
int ingest_site_key_valid(const char *s);

#endif
