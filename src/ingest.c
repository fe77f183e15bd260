/* SPDX-License-Identifier: MIT */
/* ingest: decodes a /collect batch with jansson and checks every field
 * against docs/wire.md. A batch is accepted whole or refused whole; the
 * refusal names the field. */
#include "ingest.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

enum device_class ingest_device_class(int viewport_width)
{
	if (viewport_width < 768)
		return DEVICE_MOBILE;
	if (viewport_width < 1024)
		return DEVICE_TABLET;
	return DEVICE_DESKTOP;
}

static const char *const device_names[] = {"desktop", "tablet", "mobile"};

const char *ingest_device_name(enum device_class d)
{
	return (unsigned)d < 3 ? device_names[d] : "desktop";
}

int ingest_device_parse(const char *s, enum device_class *ret_device)
{
	for (int i = 0; i < 3; i++) {
		if (s && strcmp(s, device_names[i]) == 0) {
			*ret_device = (enum device_class)i;
			return 0;
		}
	}
	return CALOR_EINVAL;
}

static int id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int id_valid(const char *s, size_t min, size_t max)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n >= max || !id_char(s[n]))
			return 0;
	return n >= min;
}

int ingest_site_key_valid(const char *s)
{
	return s && id_valid(s, 1, INGEST_MAX_KEY);
}

/* Decoding context: where we are, for error details. */
struct decoder {
	struct arena *arena;
	struct ingest_error *err;
	int64_t skew; /* server_now - client_now */
	int64_t now;
	int nomem;
};

static int fail(struct decoder *d, int status, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct decoder *d, int status, const char *code,
		const char *fmt, ...)
{
	va_list ap;
	d->err->status = status;
	d->err->code = code;
	va_start(ap, fmt);
	vsnprintf(d->err->detail, sizeof(d->err->detail), fmt, ap);
	va_end(ap);
	/* jansson's message quotes the bytes near the error, which may be
	 * control characters: the detail goes into a JSON answer */
	utf8_clean(d->err->detail);
	return status == 413 ? CALOR_ETOOBIG : CALOR_EINVAL;
}

/* An integer field in [min,max]. where is "pv" or "ev[3]". */
static int get_int(struct decoder *d, json_t *obj, const char *where,
		   const char *key, int64_t min, int64_t max, int required,
		   int64_t def, int64_t *ret)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (!required) {
			*ret = def;
			return 0;
		}
		return fail(d, 400, "missing_field", "%s.%s: required", where,
			    key);
	}
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return fail(d, 400, "bad_field",
			    "%s.%s: must be an integer in %lld..%lld", where,
			    key, (long long)min, (long long)max);
	*ret = json_integer_value(v);
	return 0;
}

/* A string field: length in [min,max] bytes, valid UTF-8 (jansson checks),
 * no control characters. Copied into the arena, where it is the caller's
 * to normalise in place; NULL when absent and not required. */
static int get_text(struct decoder *d, json_t *obj, const char *where,
		    const char *key, size_t min, size_t max, int required,
		    char **ret)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;

	if (!v) {
		if (!required) {
			*ret = NULL;
			return 0;
		}
		return fail(d, 400, "missing_field", "%s.%s: required", where,
			    key);
	}
	if (!json_is_string(v))
		return fail(d, 400, "bad_field", "%s.%s: must be a string",
			    where, key);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n < min || n > max)
		return fail(d, 400, "bad_field",
			    "%s.%s: length must be %zu..%zu bytes", where, key,
			    min, max);
	if (!utf8_valid(s, n))
		return fail(d, 400, "bad_field", "%s.%s: invalid UTF-8", where,
			    key);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(d, 400, "bad_field",
				    "%s.%s: control characters not allowed",
				    where, key);
	*ret = arena_strndup(d->arena, s, n);
	if (!*ret) {
		d->nomem = 1;
		return CALOR_ENOMEM;
	}
	return 0;
}

/* get_text() for a string kept as it came; "" when absent. */
static int get_str(struct decoder *d, json_t *obj, const char *where,
		   const char *key, size_t min, size_t max, int required,
		   const char **ret)
{
	char *s;
	int rc = get_text(d, obj, where, key, min, max, required, &s);

	if (!rc)
		*ret = s ? s : "";
	return rc;
}

static int get_id(struct decoder *d, json_t *obj, const char *where,
		  const char *key, const char **ret)
{
	int rc =
	    get_str(d, obj, where, key, INGEST_MIN_ID, INGEST_MAX_ID, 1, ret);
	if (rc)
		return rc;
	if (!id_valid(*ret, INGEST_MIN_ID, INGEST_MAX_ID))
		return fail(d, 400, "bad_field",
			    "%s.%s: must match [A-Za-z0-9_-]{%d,%d}", where,
			    key, INGEST_MIN_ID, INGEST_MAX_ID);
	return 0;
}

/* A client timestamp moved to the server's clock and clamped. */
static int64_t server_time(const struct decoder *d, int64_t client_ts)
{
	int64_t t = client_ts + d->skew;
	if (t > d->now)
		t = d->now;
	if (t < d->now - INGEST_MAX_AGE_MS)
		t = d->now - INGEST_MAX_AGE_MS;
	return t;
}

void ingest_batch_clamp(struct ingest_batch *b, int64_t oldest_ms)
{
	if (b->pv.ts < oldest_ms)
		b->pv.ts = oldest_ms;
	for (size_t i = 0; i < b->n_events; i++)
		if (b->events[i].ts < oldest_ms)
			b->events[i].ts = oldest_ms;
}

static int host_valid(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
			return 0;
	return 1;
}

/* [a-z0-9_]{1,max}, and '-' too when allow_dash. */
static int name_valid(const char *s, size_t max, int allow_dash)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n >= max || !((s[n] >= 'a' && s[n] <= 'z') ||
				  (s[n] >= '0' && s[n] <= '9') || s[n] == '_' ||
				  (allow_dash && s[n] == '-')))
			return 0;
	return n > 0;
}

static int decode_utm(struct decoder *d, json_t *utm,
		      struct ingest_pageview *out)
{
	const char **fields[] = {&out->utm_source, &out->utm_medium,
				 &out->utm_campaign, &out->utm_term,
				 &out->utm_content};
	static const char *const names[] = {"source", "medium", "campaign",
					    "term", "content"};
	int rc;

	for (size_t i = 0; i < 5; i++)
		*fields[i] = "";
	if (!utm)
		return 0;
	if (!json_is_object(utm))
		return fail(d, 400, "bad_field", "pv.utm: must be an object");
	for (size_t i = 0; i < 5; i++)
		if ((rc = get_str(d, utm, "pv.utm", names[i], 0, INGEST_MAX_UTM,
				  0, fields[i])))
			return rc;
	return 0;
}

static int decode_tags(struct decoder *d, json_t *tags,
		       struct ingest_pageview *out)
{
	const char *key;
	json_t *value;
	int rc;

	out->n_tags = 0;
	if (!tags)
		return 0;
	if (!json_is_object(tags))
		return fail(d, 400, "bad_field", "pv.tags: must be an object");
	if (json_object_size(tags) > INGEST_MAX_TAGS)
		return fail(d, 400, "bad_field", "pv.tags: at most %d tags",
			    INGEST_MAX_TAGS);
	json_object_foreach(tags, key, value)
	{
		struct ingest_tag *t = &out->tags[out->n_tags];
		if (!name_valid(key, INGEST_MAX_TAG_KEY, 0))
			return fail(d, 400, "bad_field",
				    "pv.tags: keys must match "
				    "[a-z0-9_]{1,%d}",
				    INGEST_MAX_TAG_KEY);
		if ((rc = get_str(d, tags, "pv.tags", key, 0,
				  INGEST_MAX_TAG_VALUE, 1, &t->value)))
			return rc;
		t->key = arena_strndup(d->arena, key, strlen(key));
		if (!t->key) {
			d->nomem = 1;
			return CALOR_ENOMEM;
		}
		out->n_tags++;
	}
	return 0;
}

static int decode_pageview(struct decoder *d, json_t *pv,
			   struct ingest_pageview *out)
{
	char *url;
	int64_t v;
	json_t *j;
	int rc;

	if (!json_is_object(pv))
		return fail(d, 400, "bad_field", "pv: must be an object");
	if ((rc = get_id(d, pv, "pv", "id", &out->id)) ||
	    (rc = get_int(d, pv, "pv", "seq", 0, INGEST_MAX_SEQ, 1, 0,
			  &out->seq)) ||
	    (rc = get_id(d, pv, "pv", "sid", &out->session)) ||
	    (rc = get_text(d, pv, "pv", "url", 1, INGEST_MAX_URL, 1, &url)) ||
	    (rc = get_str(d, pv, "pv", "ref", 0, INGEST_MAX_HOST, 0,
			  &out->referrer)))
		return rc;
	if (url[0] != '/')
		return fail(d, 400, "bad_field", "pv.url: must start with /");
	ingest_url_normalise(url);
	out->url = url;
	if (!host_valid(out->referrer))
		return fail(d, 400, "bad_field",
			    "pv.ref: must be a host name ([A-Za-z0-9.-])");
	if ((rc = get_int(d, pv, "pv", "ts", 0, INT64_MAX / 2, 1, 0, &v)))
		return rc;
	out->ts = server_time(d, v);
	if ((rc = get_int(d, pv, "pv", "vw", 1, INGEST_MAX_VIEWPORT, 1, 0, &v)))
		return rc;
	out->vw = (int32_t)v;
	if ((rc = get_int(d, pv, "pv", "vh", 1, INGEST_MAX_VIEWPORT, 1, 0, &v)))
		return rc;
	out->vh = (int32_t)v;
	out->dpr = 1;
	j = json_object_get(pv, "dpr");
	if (j) {
		if (!json_is_number(j) || !(json_number_value(j) >= 0.25) ||
		    !(json_number_value(j) <= 16))
			return fail(d, 400, "bad_field",
				    "pv.dpr: must be a number in 0.25..16");
		out->dpr = json_number_value(j);
	}
	out->is_new = 0;
	j = json_object_get(pv, "new");
	if (j) {
		if (!json_is_boolean(j))
			return fail(d, 400, "bad_field",
				    "pv.new: must be true or false");
		out->is_new = json_is_true(j);
	}
	out->device = ingest_device_class(out->vw);
	if ((rc = decode_utm(d, json_object_get(pv, "utm"), out)))
		return rc;
	return decode_tags(d, json_object_get(pv, "tags"), out);
}

static int decode_pointer(const char *s, enum pointer_type *ret)
{
	static const char *const names[] = {"mouse", "touch", "pen", "key"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum pointer_type)i;
			return 0;
		}
	}
	return CALOR_EINVAL;
}

static const struct {
	const char *key;
	unsigned flag;
} flag_fields[] = {
    {"fx", CLICK_FIXED},
    {"ia", CLICK_INTERACTIVE},
    {"dead", CLICK_DEAD},
    {"err", CLICK_ERROR},
};

static int decode_click(struct decoder *d, json_t *e, const char *where,
			struct ingest_click *c)
{
	static const struct {
		const char *key;
		int64_t min, max;
		size_t offset;
	} ints[] = {
#define F(k, lo, hi, field) {k, lo, hi, offsetof(struct ingest_click, field)}
	    F("x", 0, INGEST_MAX_DOC_W - 1, x),
	    F("y", 0, INGEST_MAX_DOC_H - 1, y),
	    F("vw", 1, INGEST_MAX_VIEWPORT, vw),
	    F("vh", 1, INGEST_MAX_VIEWPORT, vh),
	    F("dw", 1, INGEST_MAX_DOC_W, dw),
	    F("dh", 1, INGEST_MAX_DOC_H, dh),
	    F("ew", 0, INGEST_MAX_DOC_W, el_w),
	    F("eh", 0, INGEST_MAX_DOC_H, el_h),
#undef F
	};
	const char *pt;
	char *sel;
	int64_t v;
	int rc;

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		rc = get_int(d, e, where, ints[i].key, ints[i].min, ints[i].max,
			     1, 0, &v);
		if (rc)
			return rc;
		*(int32_t *)((char *)c + ints[i].offset) = (int32_t)v;
	}
	if ((rc = get_int(d, e, where, "ex", 0, 65535, 1, 0, &v)))
		return rc;
	c->off_x = (uint16_t)v;
	if ((rc = get_int(d, e, where, "ey", 0, 65535, 1, 0, &v)))
		return rc;
	c->off_y = (uint16_t)v;
	if ((rc =
		 get_text(d, e, where, "sel", 1, INGEST_MAX_SELECTOR, 1, &sel)))
		return rc;
	if (ingest_selector_normalise(sel) == 0)
		return fail(d, 400, "bad_field", "%s.sel: must not be blank",
			    where);
	c->selector = sel;
	if ((rc = get_str(d, e, where, "pt", 1, 8, 1, &pt)))
		return rc;
	if (decode_pointer(pt, &c->pointer))
		return fail(d, 400, "bad_field",
			    "%s.pt: must be mouse, touch, pen or key", where);
	c->flags = 0;
	for (size_t i = 0; i < sizeof(flag_fields) / sizeof(flag_fields[0]);
	     i++) {
		if ((rc = get_int(d, e, where, flag_fields[i].key, 0, 1, 0, 0,
				  &v)))
			return rc;
		if (v)
			c->flags |= flag_fields[i].flag;
	}
	/* the tracker's measurements, from which the server decides dead and
	 * error by the site's windows (ingest_batch_decide) */
	if ((rc =
		 get_int(d, e, where, "rt", 0, INGEST_MAX_REACT_MS, 0, -1, &v)))
		return rc;
	c->react_ms = (int32_t)v;
	if ((rc =
		 get_int(d, e, where, "et", 0, INGEST_MAX_REACT_MS, 0, -1, &v)))
		return rc;
	c->error_ms = (int32_t)v;
	c->sel_hash = ingest_hash(c->selector);
	return 0;
}

void ingest_batch_decide(struct ingest_batch *b, int32_t dead_ms,
			 int32_t error_ms)
{
	for (size_t i = 0; i < b->n_events; i++) {
		struct ingest_click *c = &b->events[i].u.click;

		if (b->events[i].type != EVENT_CLICK)
			continue;
		if (c->react_ms >= 0) {
			c->flags &= ~(unsigned)CLICK_DEAD;
			if (!(c->flags & CLICK_INTERACTIVE) &&
			    c->react_ms > dead_ms)
				c->flags |= CLICK_DEAD;
		}
		if (c->error_ms >= 0) {
			c->flags &= ~(unsigned)CLICK_ERROR;
			if (c->error_ms <= error_ms)
				c->flags |= CLICK_ERROR;
		}
	}
}

static int decode_scroll(struct decoder *d, json_t *e, const char *where,
			 struct ingest_scroll **ret)
{
	struct ingest_scroll *s;
	json_t *dwell;
	int64_t v;
	int rc;

	s = arena_alloc(d->arena, sizeof(*s));
	if (!s) {
		d->nomem = 1;
		return CALOR_ENOMEM;
	}
	memset(s, 0, sizeof(*s));
	*ret = s;
	if ((rc = get_int(d, e, where, "y", 0, INGEST_MAX_DOC_H, 1, 0, &v)))
		return rc;
	s->depth = (int32_t)v;
	if ((rc = get_int(d, e, where, "dh", 1, INGEST_MAX_DOC_H, 1, 0, &v)))
		return rc;
	s->doc_h = (int32_t)v;
	if ((rc = get_int(d, e, where, "fold", 1, INGEST_MAX_DOC_H, 0, 0, &v)))
		return rc;
	s->fold = (int32_t)v;
	if ((rc = get_int(d, e, where, "rev", 0, INGEST_MAX_REVERSALS, 0, 0,
			  &v)))
		return rc;
	s->reversals = (int32_t)v;
	dwell = json_object_get(e, "dwell");
	if (!dwell)
		return 0;
	if (!json_is_array(dwell) || json_array_size(dwell) != INGEST_BANDS)
		return fail(d, 400, "bad_field",
			    "%s.dwell: must be an array of %d integers", where,
			    INGEST_BANDS);
	for (size_t i = 0; i < INGEST_BANDS; i++) {
		json_t *x = json_array_get(dwell, i);
		if (!json_is_integer(x) || json_integer_value(x) < 0 ||
		    json_integer_value(x) > INGEST_MAX_MS_DELTA)
			return fail(d, 400, "bad_field",
				    "%s.dwell[%zu]: must be an integer in "
				    "0..%d",
				    where, i, INGEST_MAX_MS_DELTA);
		s->dwell[i] = (uint32_t)json_integer_value(x);
	}
	s->has_dwell = 1;
	return 0;
}

static int decode_move(struct decoder *d, json_t *e, const char *where,
		       struct ingest_move *m)
{
	static const int64_t max[3] = {
	    INGEST_MAX_DOC_W - 1, INGEST_MAX_DOC_H - 1, INGEST_MAX_MS_DELTA};
	static const char *const names[3] = {"x", "y", "t"};
	json_t *p = json_object_get(e, "p");
	size_t n;
	int64_t v;
	int rc;

	if ((rc = get_int(d, e, where, "vw", 1, INGEST_MAX_VIEWPORT, 1, 0, &v)))
		return rc;
	m->vw = (int32_t)v;
	if ((rc = get_int(d, e, where, "dh", 1, INGEST_MAX_DOC_H, 1, 0, &v)))
		return rc;
	m->doc_h = (int32_t)v;
	if (!json_is_array(p) || json_array_size(p) % 3 != 0 ||
	    json_array_size(p) < 3 ||
	    json_array_size(p) > 3 * INGEST_MAX_MOVE_POINTS)
		return fail(d, 400, "bad_field",
			    "%s.p: must be a flat array of 1..%d [x, y, t] "
			    "points",
			    where, INGEST_MAX_MOVE_POINTS);
	n = json_array_size(p) / 3;
	m->n = n;
	m->x = arena_alloc(d->arena, 3 * n * sizeof(int32_t));
	if (!m->x) {
		d->nomem = 1;
		return CALOR_ENOMEM;
	}
	m->y = m->x + n;
	m->dt = m->y + n;
	for (size_t i = 0; i < 3 * n; i++) {
		json_t *x = json_array_get(p, i);
		int k = (int)(i % 3);
		int32_t *dst = k == 0 ? m->x : k == 1 ? m->y : m->dt;
		if (!json_is_integer(x) || json_integer_value(x) < 0 ||
		    json_integer_value(x) > max[k])
			return fail(d, 400, "bad_field",
				    "%s.p[%zu]: %s must be an integer in "
				    "0..%lld",
				    where, i, names[k], (long long)max[k]);
		dst[i / 3] = (int32_t)json_integer_value(x);
	}
	return 0;
}

static int decode_goal(struct decoder *d, json_t *e, const char *where,
		       struct ingest_goal *g)
{
	int rc = get_str(d, e, where, "name", 1, INGEST_MAX_GOAL, 1, &g->name);
	if (rc)
		return rc;
	if (!name_valid(g->name, INGEST_MAX_GOAL, 1))
		return fail(d, 400, "bad_field",
			    "%s.name: must match [a-z0-9_-]{1,%d}", where,
			    INGEST_MAX_GOAL);
	return 0;
}

static int decode_event(struct decoder *d, json_t *e, size_t index,
			struct ingest_event *out)
{
	char where[32];
	const char *type;
	int64_t ts;
	int rc;

	snprintf(where, sizeof(where), "ev[%zu]", index);
	if (!json_is_object(e))
		return fail(d, 400, "bad_field", "%s: must be an object",
			    where);
	if ((rc = get_str(d, e, where, "t", 1, 16, 1, &type)) ||
	    (rc = get_int(d, e, where, "ts", 0, INT64_MAX / 2, 1, 0, &ts)))
		return rc;
	out->ts = server_time(d, ts);
	if (strcmp(type, "click") == 0) {
		out->type = EVENT_CLICK;
		return decode_click(d, e, where, &out->u.click);
	}
	if (strcmp(type, "scroll") == 0) {
		out->type = EVENT_SCROLL;
		return decode_scroll(d, e, where, &out->u.scroll);
	}
	if (strcmp(type, "move") == 0) {
		out->type = EVENT_MOVE;
		return decode_move(d, e, where, &out->u.move);
	}
	if (strcmp(type, "goal") == 0) {
		out->type = EVENT_GOAL;
		return decode_goal(d, e, where, &out->u.goal);
	}
	return fail(d, 400, "bad_field", "%s.t: unknown event type", where);
}

int ingest_decode(const char *body, size_t len, int64_t now_ms, struct arena *a,
		  struct ingest_batch **ret_batch, struct ingest_error *err)
{
	struct decoder d = {.arena = a, .err = err, .now = now_ms};
	struct ingest_batch *b = NULL;
	json_error_t jerr;
	json_t *root = NULL, *ev;
	int64_t v, client_now;
	int rc;

	if (len > INGEST_MAX_BODY) {
		rc = fail(&d, 413, "body_too_large", "body exceeds %d bytes",
			  INGEST_MAX_BODY);
		goto out;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = fail(&d, 400, "bad_json", "not valid JSON: %s at byte %d",
			  jerr.text, jerr.position);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = fail(&d, 400, "bad_json", "batch must be a JSON object");
		goto out;
	}
	if ((rc = get_int(&d, root, "batch", "v", 1, 1, 1, 0, &v)))
		goto out;
	b = arena_alloc(a, sizeof(*b));
	if (!b) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	memset(b, 0, sizeof(*b));
	if ((rc = get_str(&d, root, "batch", "site", 1, INGEST_MAX_KEY, 1,
			  &b->site_key)))
		goto out;
	if (!ingest_site_key_valid(b->site_key)) {
		rc = fail(&d, 400, "bad_field",
			  "batch.site: must match [A-Za-z0-9_-]{1,64}");
		goto out;
	}
	if ((rc = get_int(&d, root, "batch", "now", 0, INT64_MAX / 2, 1, 0,
			  &client_now)))
		goto out;
	d.skew = now_ms - client_now;
	if ((rc = decode_pageview(&d, json_object_get(root, "pv"), &b->pv)))
		goto out;
	ev = json_object_get(root, "ev");
	if (!json_is_array(ev)) {
		rc = fail(&d, 400, "bad_field", "batch.ev: must be an array");
		goto out;
	}
	if (json_array_size(ev) > INGEST_MAX_EVENTS) {
		rc = fail(&d, 413, "too_many_events",
			  "batch.ev: at most %d events per batch",
			  INGEST_MAX_EVENTS);
		goto out;
	}
	b->n_events = json_array_size(ev);
	if (b->n_events) {
		b->events = arena_alloc(a, b->n_events * sizeof(*b->events));
		if (!b->events) {
			rc = CALOR_ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < b->n_events; i++) {
		rc = decode_event(&d, json_array_get(ev, i), i, &b->events[i]);
		if (rc)
			goto out;
		if (b->events[i].type == EVENT_CLICK)
			b->n_clicks++;
	}
	ingest_batch_decide(b, INGEST_DEAD_MS, INGEST_ERROR_MS);
	*ret_batch = b;
	rc = 0;
out:
	if (d.nomem)
		rc = CALOR_ENOMEM;
	json_decref(root);
	return rc;
}

uint64_t ingest_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static const char *const browser_names[] = {
    "other", "chrome", "edge", "firefox", "safari", "opera", "samsung"};
static const char *const os_names[] = {"other",	  "windows", "macos",	"ios",
				       "android", "linux",   "chromeos"};

const char *ingest_browser_name(enum browser_family b)
{
	return (unsigned)b < 7 ? browser_names[b] : "other";
}

const char *ingest_os_name(enum os_family os)
{
	return (unsigned)os < 7 ? os_names[os] : "other";
}

void ingest_user_agent(const char *ua, enum browser_family *ret_browser,
		       enum os_family *ret_os)
{
	/* order matters: Edge and Opera also say Chrome, Chrome says Safari */
	static const struct {
		const char *needle;
		enum browser_family b;
	} browsers[] = {
	    {"Edg/", BROWSER_EDGE},	   {"EdgA/", BROWSER_EDGE},
	    {"EdgiOS/", BROWSER_EDGE},	   {"OPR/", BROWSER_OPERA},
	    {"Opera", BROWSER_OPERA},	   {"SamsungBrowser", BROWSER_SAMSUNG},
	    {"Firefox/", BROWSER_FIREFOX}, {"FxiOS/", BROWSER_FIREFOX},
	    {"CriOS/", BROWSER_CHROME},	   {"Chrome/", BROWSER_CHROME},
	    {"Chromium/", BROWSER_CHROME}, {"Safari/", BROWSER_SAFARI},
	};
	static const struct {
		const char *needle;
		enum os_family os;
	} systems[] = {
	    {"Windows", OS_WINDOWS}, {"iPhone", OS_IOS},
	    {"iPad", OS_IOS},	     {"iPod", OS_IOS},
	    {"Android", OS_ANDROID}, {"CrOS", OS_CHROMEOS},
	    {"Macintosh", OS_MACOS}, {"Mac OS X", OS_MACOS},
	    {"Linux", OS_LINUX},
	};
	*ret_browser = BROWSER_OTHER;
	*ret_os = OS_OTHER;
	if (!ua)
		return;
	for (size_t i = 0; i < sizeof(browsers) / sizeof(browsers[0]); i++)
		if (strstr(ua, browsers[i].needle)) {
			*ret_browser = browsers[i].b;
			break;
		}
	for (size_t i = 0; i < sizeof(systems) / sizeof(systems[0]); i++)
		if (strstr(ua, systems[i].needle)) {
			*ret_os = systems[i].os;
			break;
		}
}

const char *ingest_source_name(enum source_class c)
{
	static const char *const names[] = {"direct", "search", "social",
					    "campaign", "referral"};
	return (unsigned)c < 5 ? names[c] : "referral";
}

/* 1 when host is name or ends in "." name, or starts with name (for
 * "google." style prefixes). */
static int host_is(const char *host, const char *name)
{
	size_t h = strlen(host), n = strlen(name);
	if (name[n - 1] == '.') /* a prefix such as "google." */
		return strncmp(host, name, n) == 0 ||
		       (strstr(host, name) && strstr(host, name)[-1] == '.');
	return h >= n && strcmp(host + h - n, name) == 0 &&
	       (h == n || host[h - n - 1] == '.');
}

enum source_class ingest_source_class(const char *referrer,
				      const char *utm_source,
				      const char *utm_medium)
{
	static const char *const search[] = {
	    "google.",	 "bing.com",	 "duckduckgo.com", "yahoo.",
	    "baidu.com", "yandex.",	 "ecosia.org",	   "search.brave.com",
	    "qwant.com", "startpage.com"};
	static const char *const social[] = {"facebook.com",
					     "t.co",
					     "twitter.com",
					     "x.com",
					     "linkedin.com",
					     "lnkd.in",
					     "instagram.com",
					     "reddit.com",
					     "youtube.com",
					     "tiktok.com",
					     "pinterest.com",
					     "threads.net",
					     "news.ycombinator.com",
					     "mastodon.social",
					     "bsky.app"};

	if ((utm_source && *utm_source) || (utm_medium && *utm_medium))
		return SOURCE_CAMPAIGN;
	if (!referrer || !*referrer)
		return SOURCE_DIRECT;
	for (size_t i = 0; i < sizeof(search) / sizeof(search[0]); i++)
		if (host_is(referrer, search[i]))
			return SOURCE_SEARCH;
	for (size_t i = 0; i < sizeof(social) / sizeof(social[0]); i++)
		if (host_is(referrer, social[i]))
			return SOURCE_SOCIAL;
	return SOURCE_REFERRAL;
}
