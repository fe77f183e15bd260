/* SPDX-License-Identifier: MIT */
/* Fuzzes the /collect decoder (ingest_decode) as api_collect.c calls it:
 * any body is either refused with a 4xx, a known code and a detail naming
 * the field, or decoded into a batch whose every field is within its cap
 * (docs/wire.md), with URL and selectors normalised. */
#include <string.h>

#include "fuzz.h"
#include "ingest.h"

#define NOW	  1764000000000LL   /* the server's clock: fixed */
#define ARENA_MAX (8 * 1024 * 1024) /* as http.c's HTTP_ARENA_MAX */
#define DAY_MS	  86400000LL
#define ALL_CLICK_BITS                                                         \
	(CLICK_FIXED | CLICK_INTERACTIVE | CLICK_DEAD | CLICK_ERROR)

/* Every byte of s is in set, and min <= strlen(s) <= max. */
static int chars_ok(const char *s, const char *set, size_t min, size_t max)
{
	size_t n = strlen(s);
	return n >= min && n <= max && strspn(s, set) == n;
}

#define ID_CHARS                                                               \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define HOST_CHARS                                                             \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-"
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_"

static int in(int64_t v, int64_t lo, int64_t hi)
{
	return v >= lo && v <= hi;
}

/* Normalising again changes nothing: ingest_decode() stored the normal
 * form. */
static void check_normal(const char *s, size_t (*normalise)(char *))
{
	size_t n = strlen(s);
	char *copy = malloc(n + 1);

	CHECK(copy, "out of memory");
	memcpy(copy, s, n + 1);
	CHECK(normalise(copy) == n && strcmp(copy, s) == 0,
	      "\"%s\" normalised again is \"%s\"", s, copy);
	free(copy);
}

static void check_pageview(const struct ingest_pageview *pv)
{
	CHECK(chars_ok(pv->id, ID_CHARS, INGEST_MIN_ID, INGEST_MAX_ID), "id");
	CHECK(chars_ok(pv->session, ID_CHARS, INGEST_MIN_ID, INGEST_MAX_ID),
	      "sid");
	CHECK(in(pv->seq, 0, INGEST_MAX_SEQ), "seq %lld", (long long)pv->seq);
	CHECK(pv->url[0] == '/' && fuzz_text_ok(pv->url, 1, INGEST_MAX_URL),
	      "url");
	check_normal(pv->url, ingest_url_normalise);
	CHECK(chars_ok(pv->referrer, HOST_CHARS, 0, INGEST_MAX_HOST), "ref");
	CHECK(in(pv->ts, NOW - INGEST_MAX_AGE_MS, NOW), "ts %lld",
	      (long long)pv->ts);
	CHECK(in(pv->vw, 1, INGEST_MAX_VIEWPORT) &&
		  in(pv->vh, 1, INGEST_MAX_VIEWPORT),
	      "viewport %d x %d", pv->vw, pv->vh);
	CHECK(pv->dpr >= 0.25 && pv->dpr <= 16, "dpr %g", pv->dpr);
	CHECK(pv->is_new == 0 || pv->is_new == 1, "new");
	CHECK(pv->device == ingest_device_class(pv->vw), "device");
	CHECK(fuzz_text_ok(pv->utm_source, 0, INGEST_MAX_UTM) &&
		  fuzz_text_ok(pv->utm_medium, 0, INGEST_MAX_UTM) &&
		  fuzz_text_ok(pv->utm_campaign, 0, INGEST_MAX_UTM) &&
		  fuzz_text_ok(pv->utm_term, 0, INGEST_MAX_UTM) &&
		  fuzz_text_ok(pv->utm_content, 0, INGEST_MAX_UTM),
	      "utm");
	CHECK(pv->n_tags <= INGEST_MAX_TAGS, "%zu tags", pv->n_tags);
	for (size_t i = 0; i < pv->n_tags; i++) {
		CHECK(chars_ok(pv->tags[i].key, NAME_CHARS, 1,
			       INGEST_MAX_TAG_KEY),
		      "tag key");
		CHECK(fuzz_text_ok(pv->tags[i].value, 0, INGEST_MAX_TAG_VALUE),
		      "tag value");
	}
	CHECK(pv->browser == BROWSER_OTHER && pv->os == OS_OTHER,
	      "browser and OS are the caller's");
}

static void check_click(const struct ingest_click *c)
{
	CHECK(in(c->x, 0, INGEST_MAX_DOC_W - 1) &&
		  in(c->y, 0, INGEST_MAX_DOC_H - 1),
	      "click at %d, %d", c->x, c->y);
	CHECK(in(c->vw, 1, INGEST_MAX_VIEWPORT) &&
		  in(c->vh, 1, INGEST_MAX_VIEWPORT),
	      "click viewport");
	CHECK(in(c->dw, 1, INGEST_MAX_DOC_W) && in(c->dh, 1, INGEST_MAX_DOC_H),
	      "click document");
	CHECK(in(c->el_w, 0, INGEST_MAX_DOC_W) &&
		  in(c->el_h, 0, INGEST_MAX_DOC_H),
	      "element box");
	CHECK(fuzz_text_ok(c->selector, 1, INGEST_MAX_SELECTOR), "selector");
	check_normal(c->selector, ingest_selector_normalise);
	CHECK(c->sel_hash == ingest_hash(c->selector), "selector hash");
	CHECK(c->pointer >= POINTER_MOUSE && c->pointer <= POINTER_KEY,
	      "pointer %d", (int)c->pointer);
	CHECK((c->flags & ~(unsigned)ALL_CLICK_BITS) == 0, "flags %u",
	      c->flags);
	CHECK(c->react_ms == -1 || in(c->react_ms, 0, INGEST_MAX_REACT_MS),
	      "rt");
	CHECK(c->error_ms == -1 || in(c->error_ms, 0, INGEST_MAX_REACT_MS),
	      "et");
}

/* The dead and error flags follow from rt and et by the windows given. */
static void check_decided(const struct ingest_click *c, int32_t dead_ms,
			  int32_t error_ms)
{
	if (c->react_ms >= 0)
		CHECK(!!(c->flags & CLICK_DEAD) ==
			  (!(c->flags & CLICK_INTERACTIVE) &&
			   c->react_ms > dead_ms),
		      "dead flag for rt %d", c->react_ms);
	if (c->error_ms >= 0)
		CHECK(!!(c->flags & CLICK_ERROR) == (c->error_ms <= error_ms),
		      "error flag for et %d", c->error_ms);
}

static void check_scroll(const struct ingest_scroll *s)
{
	CHECK(in(s->depth, 0, INGEST_MAX_DOC_H) &&
		  in(s->doc_h, 1, INGEST_MAX_DOC_H),
	      "scroll");
	CHECK(in(s->fold, 0, INGEST_MAX_DOC_H), "fold");
	CHECK(in(s->reversals, 0, INGEST_MAX_REVERSALS), "rev");
	for (size_t i = 0; s->has_dwell && i < INGEST_BANDS; i++)
		CHECK(s->dwell[i] <= INGEST_MAX_MS_DELTA, "dwell");
}

static void check_move(const struct ingest_move *m)
{
	CHECK(in(m->vw, 1, INGEST_MAX_VIEWPORT) &&
		  in(m->doc_h, 1, INGEST_MAX_DOC_H),
	      "move");
	CHECK(m->n >= 1 && m->n <= INGEST_MAX_MOVE_POINTS, "%zu points", m->n);
	for (size_t i = 0; i < m->n; i++)
		CHECK(in(m->x[i], 0, INGEST_MAX_DOC_W - 1) &&
			  in(m->y[i], 0, INGEST_MAX_DOC_H - 1) &&
			  in(m->dt[i], 0, INGEST_MAX_MS_DELTA),
		      "point %zu", i);
}

static void check_batch(const struct ingest_batch *b)
{
	size_t clicks = 0;

	CHECK(ingest_site_key_valid(b->site_key), "site");
	CHECK(b->site_id == 0, "site id is the caller's");
	check_pageview(&b->pv);
	CHECK(b->n_events <= INGEST_MAX_EVENTS, "%zu events", b->n_events);
	for (size_t i = 0; i < b->n_events; i++) {
		const struct ingest_event *e = &b->events[i];

		CHECK(in(e->ts, NOW - INGEST_MAX_AGE_MS, NOW), "ev ts");
		switch (e->type) {
		case EVENT_CLICK:
			clicks++;
			check_click(&e->u.click);
			check_decided(&e->u.click, INGEST_DEAD_MS,
				      INGEST_ERROR_MS);
			break;
		case EVENT_SCROLL: check_scroll(e->u.scroll); break;
		case EVENT_MOVE: check_move(&e->u.move); break;
		case EVENT_GOAL:
			CHECK(chars_ok(e->u.goal.name, NAME_CHARS "-", 1,
				       INGEST_MAX_GOAL),
			      "goal");
			break;
		default: CHECK(0, "event type %d", (int)e->type);
		}
	}
	CHECK(clicks == b->n_clicks, "%zu clicks counted as %zu", clicks,
	      b->n_clicks);
}

/* What api_collect.c does next with a site's settings: the results stay
 * within the caps. */
static void check_site_rules(struct ingest_batch *b)
{
	int64_t oldest = NOW - DAY_MS;

	ingest_batch_clamp(b, oldest);
	CHECK(in(b->pv.ts, oldest, NOW), "clamped ts");
	for (size_t i = 0; i < b->n_events; i++)
		CHECK(in(b->events[i].ts, oldest, NOW), "clamped ev ts");
	ingest_batch_decide(b, 0, INGEST_OBSERVE_MS);
	for (size_t i = 0; i < b->n_events; i++)
		if (b->events[i].type == EVENT_CLICK)
			check_decided(&b->events[i].u.click, 0,
				      INGEST_OBSERVE_MS);
	CHECK((unsigned)ingest_source_class(b->pv.referrer, b->pv.utm_source,
					    b->pv.utm_medium) <=
		  SOURCE_REFERRAL,
	      "source");
}

/* A refusal: 400 or 413, a known code, and a detail that names where the
 * problem is and can go into a JSON answer as it is. */
static void check_error(int rc, const struct ingest_error *err, size_t size)
{
	static const char *const codes[] = {"bad_json", "bad_field",
					    "missing_field", "too_many_events",
					    "body_too_large"};
	static const char *const wheres[] = {"batch", "pv", "ev[",
					     "not valid JSON", "body exceeds"};
	size_t i;

	CHECK(rc == CALOR_EINVAL || rc == CALOR_ETOOBIG, "rc %d", rc);
	CHECK(err->status == (rc == CALOR_ETOOBIG ? 413 : 400), "status %d",
	      err->status);
	CHECK(size <= INGEST_MAX_BODY || err->status == 413, "big body");
	CHECK(err->code, "no code");
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(err->code, codes[i]) == 0)
			break;
	CHECK(i < sizeof(codes) / sizeof(codes[0]), "code %s", err->code);
	CHECK(fuzz_text_ok(err->detail, 1, sizeof(err->detail) - 1),
	      "detail not clean text: %s", err->detail);
	for (i = 0; i < sizeof(wheres) / sizeof(wheres[0]); i++)
		if (strncmp(err->detail, wheres[i], strlen(wheres[i])) == 0)
			break;
	CHECK(i < sizeof(wheres) / sizeof(wheres[0]), "detail %s", err->detail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(ARENA_MAX);
	struct ingest_batch *b = NULL;
	struct ingest_error err;
	int rc;

	CHECK(a, "out of memory");
	memset(&err, 0, sizeof(err));
	rc = ingest_decode((const char *)data, size, NOW, a, &b, &err);
	if (rc == 0) {
		CHECK(b, "no batch");
		check_batch(b);
		check_site_rules(b);
	} else {
		/* the arena holds any batch a body under the cap can make */
		CHECK(rc != CALOR_ENOMEM, "arena exhausted by %zu bytes", size);
		check_error(rc, &err, size);
	}
	arena_free(a);
	return 0;
}
