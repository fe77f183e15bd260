/* SPDX-License-Identifier: MIT */
/* ndjson: the export format's records — a field table per record type that
 * says what each value must be, checked over the tokens of one line
 * (ndjson_json.c) — and a line splitter with a cap. No allocation per
 * line. */
#include "ndjson_int.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define READ_BUF (1024 * 1024)

static int lower_or_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int id_char(char c)
{
	return lower_or_digit(c) || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '-';
}

static int host_char(char c)
{
	return lower_or_digit(c) || (c >= 'A' && c <= 'Z') || c == '.' ||
	       c == '-';
}

static int goal_char(char c)
{
	return lower_or_digit(c) || c == '_' || c == '-';
}

static int tag_key_char(char c)
{
	return lower_or_digit(c) || c == '_';
}

/* ---- names ---- */

static const char *const type_names[] = {
    [NDJSON_SITE] = "site",   [NDJSON_PAGEVIEW] = "pageview",
    [NDJSON_CLICK] = "click", [NDJSON_MOVE] = "move",
    [NDJSON_GOAL] = "goal",   [NDJSON_END] = "end",
};
#define N_TYPES ((int)(sizeof(type_names) / sizeof(type_names[0])))

const char *ndjson_type_name(enum ndjson_type type)
{
	return type >= NDJSON_SITE && (int)type < N_TYPES ? type_names[type]
							  : "?";
}

static const char *const pointer_names[] = {"mouse", "touch", "pen", "key"};

_Static_assert(sizeof(enum device_class) == sizeof(int) &&
		   sizeof(enum browser_family) == sizeof(int) &&
		   sizeof(enum os_family) == sizeof(int) &&
		   sizeof(enum pointer_type) == sizeof(int),
	       "enum fields are written as int");

const char *ndjson_pointer_name(enum pointer_type pointer)
{
	return (unsigned)pointer < 4 ? pointer_names[pointer] : NULL;
}

/* The index of s among names(0..n-1), or -1. */
static int name_index(const char *s, const char *(*name)(int), int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, name(i)) == 0)
			return i;
	return -1;
}

static const char *device_at(int i)
{
	return ingest_device_name((enum device_class)i);
}

static const char *browser_at(int i)
{
	return ingest_browser_name((enum browser_family)i);
}

static const char *os_at(int i)
{
	return ingest_os_name((enum os_family)i);
}

static const char *pointer_at(int i)
{
	return pointer_names[i];
}

/* ---- fields of each record type ---- */

enum fkind {
	F_TYPE,	     /* "type": read before the others */
	F_I32,	     /* integer in [min, max] */
	F_I64,	     /* integer in [min, max] */
	F_BOOL,	     /* true or false, into an int */
	F_DPR,	     /* number 0.25..16 */
	F_FLAG,	     /* true or false, into a bit of the click's flags */
	F_ID,	     /* [A-Za-z0-9_-]{8,64} */
	F_PATH,	     /* "/...", 1..max bytes, no control characters */
	F_HOST,	     /* [A-Za-z0-9.-]{0,max} */
	F_TEXT,	     /* min..max bytes, no control characters */
	F_GOAL,	     /* [a-z0-9_-]{1,max} */
	F_SITE_KEY,  /* [A-Za-z0-9_-]{1,64} */
	F_SITE_NAME, /* 1..max bytes */
	F_DEVICE,
	F_BROWSER,
	F_OS,
	F_POINTER,
	F_TAGS,	    /* object of tag strings */
	F_DWELL,    /* null or INGEST_BANDS integers */
	F_ORIGINS,  /* array of strings */
	F_SETTINGS, /* object of setting name: integer (format 2) */
};

struct field {
	const char *name;
	enum fkind kind;
	int64_t min, max;
	size_t off;   /* of the value in the record's union member */
	unsigned bit; /* F_FLAG */
};

#define PV(m) offsetof(struct store_export_pageview, m)
#define CL(m) offsetof(struct store_export_click, m)
#define MV(m) offsetof(struct store_export_move, m)
#define GL(m) offsetof(struct store_export_goal, m)
#define ST(m) offsetof(struct ndjson_site, m)
#define EN(m) offsetof(struct ndjson_end, m)

static const struct field site_fields[] = {
    {"type", F_TYPE, 0, 0, 0, 0},
    {"format", F_I64, 1, NDJSON_MAX_INT, ST(format), 0},
    {"key", F_SITE_KEY, 1, INGEST_MAX_KEY, ST(key), 0},
    {"name", F_SITE_NAME, 1, STORE_MAX_NAME, ST(name), 0},
    {"origins", F_ORIGINS, 1, STORE_MAX_ORIGIN, 0, 0},
    {"created", F_I64, 0, NDJSON_MAX_INT, ST(created_ms), 0},
    {"exported", F_I64, 0, NDJSON_MAX_INT, ST(exported_ms), 0},
    {"settings", F_SETTINGS, 0, 0, 0, 0},
};

static const struct field pageview_fields[] = {
    {"type", F_TYPE, 0, 0, 0, 0},
    {"id", F_ID, 0, 0, PV(id), 0},
    {"session", F_ID, 0, 0, PV(session), 0},
    {"page", F_PATH, 1, INGEST_MAX_URL, PV(page), 0},
    {"referrer", F_HOST, 0, INGEST_MAX_HOST, PV(referrer), 0},
    {"device", F_DEVICE, 0, 0, PV(device), 0},
    {"vw", F_I32, 1, INGEST_MAX_VIEWPORT, PV(vw), 0},
    {"vh", F_I32, 1, INGEST_MAX_VIEWPORT, PV(vh), 0},
    {"dpr", F_DPR, 0, 0, PV(dpr), 0},
    {"is_new", F_BOOL, 0, 0, PV(is_new), 0},
    {"ts", F_I64, 0, NDJSON_MAX_INT, PV(ts), 0},
    {"browser", F_BROWSER, 0, 0, PV(browser), 0},
    {"os", F_OS, 0, 0, PV(os), 0},
    {"utm_source", F_TEXT, 0, INGEST_MAX_UTM, PV(utm_source), 0},
    {"utm_medium", F_TEXT, 0, INGEST_MAX_UTM, PV(utm_medium), 0},
    {"utm_campaign", F_TEXT, 0, INGEST_MAX_UTM, PV(utm_campaign), 0},
    {"utm_term", F_TEXT, 0, INGEST_MAX_UTM, PV(utm_term), 0},
    {"utm_content", F_TEXT, 0, INGEST_MAX_UTM, PV(utm_content), 0},
    {"fold", F_I32, 0, INGEST_MAX_DOC_H, PV(fold), 0},
    {"reversals", F_I64, 0, NDJSON_MAX_INT, PV(reversals), 0},
    {"max_depth", F_I32, 0, INGEST_MAX_DOC_H, PV(max_depth), 0},
    {"doc_h", F_I32, 0, INGEST_MAX_DOC_H, PV(doc_h), 0},
    {"tags", F_TAGS, 0, 0, 0, 0},
    {"dwell", F_DWELL, 0, 0, 0, 0},
};

static const struct field click_fields[] = {
    {"type", F_TYPE, 0, 0, 0, 0},
    {"pv", F_ID, 0, 0, CL(pageview), 0},
    {"page", F_PATH, 1, INGEST_MAX_URL, CL(page), 0},
    {"device", F_DEVICE, 0, 0, CL(device), 0},
    {"ts", F_I64, 0, NDJSON_MAX_INT, CL(ts), 0},
    {"x", F_I32, 0, INGEST_MAX_DOC_W - 1, CL(x), 0},
    {"y", F_I32, 0, INGEST_MAX_DOC_H - 1, CL(y), 0},
    {"vw", F_I32, 1, INGEST_MAX_VIEWPORT, CL(vw), 0},
    {"vh", F_I32, 1, INGEST_MAX_VIEWPORT, CL(vh), 0},
    {"dw", F_I32, 1, INGEST_MAX_DOC_W, CL(dw), 0},
    {"dh", F_I32, 1, INGEST_MAX_DOC_H, CL(dh), 0},
    {"selector", F_TEXT, 1, INGEST_MAX_SELECTOR, CL(selector), 0},
    {"ex", F_I32, 0, 65535, CL(off_x), 0},
    {"ey", F_I32, 0, 65535, CL(off_y), 0},
    {"ew", F_I32, 0, INGEST_MAX_DOC_W, CL(el_w), 0},
    {"eh", F_I32, 0, INGEST_MAX_DOC_H, CL(el_h), 0},
    {"pointer", F_POINTER, 0, 0, CL(pointer), 0},
    {"fixed", F_FLAG, 0, 0, 0, CLICK_FIXED},
    {"interactive", F_FLAG, 0, 0, 0, CLICK_INTERACTIVE},
    {"dead", F_FLAG, 0, 0, 0, CLICK_DEAD},
    {"error", F_FLAG, 0, 0, 0, CLICK_ERROR},
    {"rage", F_FLAG, 0, 0, 0, CLICK_RAGE},
};

static const struct field move_fields[] = {
    {"type", F_TYPE, 0, 0, 0, 0},
    {"pv", F_ID, 0, 0, MV(pageview), 0},
    {"page", F_PATH, 1, INGEST_MAX_URL, MV(page), 0},
    {"device", F_DEVICE, 0, 0, MV(device), 0},
    {"ts", F_I64, 0, NDJSON_MAX_INT, MV(ts), 0},
    {"x", F_I32, 0, INGEST_MAX_DOC_W - 1, MV(x), 0},
    {"y", F_I32, 0, INGEST_MAX_DOC_H - 1, MV(y), 0},
    {"vw", F_I32, 1, INGEST_MAX_VIEWPORT, MV(vw), 0},
};

static const struct field goal_fields[] = {
    {"type", F_TYPE, 0, 0, 0, 0},
    {"pv", F_ID, 0, 0, GL(pageview), 0},
    {"session", F_ID, 0, 0, GL(session), 0},
    {"page", F_PATH, 1, INGEST_MAX_URL, GL(page), 0},
    {"name", F_GOAL, 1, INGEST_MAX_GOAL, GL(name), 0},
    {"ts", F_I64, 0, NDJSON_MAX_INT, GL(ts), 0},
};

static const struct field end_fields[] = {
    {"type", F_TYPE, 0, 0, 0, 0},
    {"pageviews", F_I64, 0, NDJSON_MAX_INT, EN(pageviews), 0},
    {"clicks", F_I64, 0, NDJSON_MAX_INT, EN(clicks), 0},
    {"moves", F_I64, 0, NDJSON_MAX_INT, EN(moves), 0},
    {"goals", F_I64, 0, NDJSON_MAX_INT, EN(goals), 0},
};

#define FIELDS(a)                                                              \
	{                                                                      \
		a, sizeof(a) / sizeof(a[0])                                    \
	}
static const struct {
	const struct field *f;
	size_t n;
} type_fields[] = {
    [NDJSON_SITE] = FIELDS(site_fields),
    [NDJSON_PAGEVIEW] = FIELDS(pageview_fields),
    [NDJSON_CLICK] = FIELDS(click_fields),
    [NDJSON_MOVE] = FIELDS(move_fields),
    [NDJSON_GOAL] = FIELDS(goal_fields),
    [NDJSON_END] = FIELDS(end_fields),
};

static int set_tags(struct ndjson_parser *p, const struct jval *v,
		    struct store_export_pageview *pv)
{
	char q[160];

	if (v->kind != J_OBJECT)
		return ndjson_fail(p, "\"tags\": must be an object");
	if (v->n > STORE_EXPORT_MAX_TAGS)
		return ndjson_fail(p, "\"tags\": at most %d tags",
				   STORE_EXPORT_MAX_TAGS);
	for (size_t i = 0; i < v->n; i++) {
		const struct jmember *m = &p->items[v->first + i];
		size_t klen = strlen(m->key);

		if (klen < 1 || klen > INGEST_MAX_TAG_KEY ||
		    !ndjson_chars_ok(m->key, klen, tag_key_char))
			return ndjson_fail(p,
					   "\"tags\": key %s must be 1..%d "
					   "characters of [a-z0-9_]",
					   ndjson_quote(q, sizeof(q), m->key),
					   INGEST_MAX_TAG_KEY);
		if (!ndjson_text_ok(&m->v, 0, INGEST_MAX_TAG_VALUE))
			return ndjson_fail(
			    p,
			    "\"tags\": %s must be a string of at most "
			    "%d bytes without control characters",
			    ndjson_quote(q, sizeof(q), m->key),
			    INGEST_MAX_TAG_VALUE);
		for (size_t k = 0; k < i; k++)
			if (strcmp(p->tags[k].key, m->key) == 0)
				return ndjson_fail(
				    p, "\"tags\": duplicate key %s",
				    ndjson_quote(q, sizeof(q), m->key));
		p->tags[i].key = m->key;
		p->tags[i].value = m->v.s;
	}
	pv->tags = p->tags;
	pv->n_tags = v->n;
	return 0;
}

static int set_dwell(struct ndjson_parser *p, const struct jval *v,
		     struct store_export_pageview *pv)
{
	int64_t x;

	if (v->kind == J_NULL) {
		pv->dwell = NULL;
		return 0;
	}
	if (v->kind != J_ARRAY || v->n != INGEST_BANDS)
		goto bad;
	for (size_t i = 0; i < v->n; i++) {
		if (ndjson_int_value(&p->items[v->first + i].v, 0, UINT32_MAX,
				     &x))
			goto bad;
		p->dwell[i] = (uint32_t)x;
	}
	pv->dwell = p->dwell;
	return 0;
bad:
	return ndjson_fail(
	    p,
	    "\"dwell\": must be null or an array of %d integers in "
	    "0..%lu",
	    INGEST_BANDS, (unsigned long)UINT32_MAX);
}

static int set_origins(struct ndjson_parser *p, const struct jval *v,
		       const struct field *f, struct ndjson_site *site)
{
	if (v->kind != J_ARRAY || v->n > STORE_MAX_ORIGINS)
		goto bad;
	for (size_t i = 0; i < v->n; i++) {
		const struct jval *o = &p->items[v->first + i].v;
		if (!ndjson_text_ok(o, (size_t)f->min, (size_t)f->max))
			goto bad;
		site->origins[i] = o->s;
	}
	site->n_origins = v->n;
	return 0;
bad:
	return ndjson_fail(
	    p,
	    "\"origins\": must be an array of at most %d strings of "
	    "%lld..%lld bytes without control characters",
	    STORE_MAX_ORIGINS, (long long)f->min, (long long)f->max);
}

static int set_settings(struct ndjson_parser *p, const struct jval *v,
			struct ndjson_site *site)
{
	char q[160], why[96];
	int64_t x;

	if (v->kind != J_OBJECT)
		return ndjson_fail(p, "\"settings\": must be an object");
	for (size_t i = 0; i < v->n; i++) {
		const struct jmember *m = &p->items[v->first + i];

		if (!store_config_find(m->key))
			return ndjson_fail(p,
					   "\"settings\": %s is not a setting "
					   "this calor knows",
					   ndjson_quote(q, sizeof(q), m->key));
		for (size_t k = 0; k < i; k++)
			if (strcmp(p->items[v->first + k].key, m->key) == 0)
				return ndjson_fail(
				    p, "\"settings\": duplicate key %s",
				    ndjson_quote(q, sizeof(q), m->key));
		if (ndjson_int_value(&m->v, INT32_MIN, INT32_MAX, &x))
			return ndjson_fail(p,
					   "\"settings\": %s must be an "
					   "integer",
					   ndjson_quote(q, sizeof(q), m->key));
		if (store_config_set(&site->settings, m->key, x, why,
				     sizeof(why)))
			return ndjson_fail(p, "\"settings\": %s", why);
	}
	site->has_settings = 1;
	return 0;
}

/* An enum field: the index of the value among n names. */
static int set_enum(struct ndjson_parser *p, const struct jval *v,
		    const struct field *f, const char *(*name)(int), int n,
		    char *base)
{
	int i = v->kind == J_STRING ? name_index(v->s, name, n) : -1;
	char list[128];
	size_t o = 0;

	if (i >= 0) {
		memcpy(base + f->off, &i, sizeof(i));
		return 0;
	}
	for (int k = 0; k < n; k++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
				      k ? (k == n - 1 ? " or " : ", ") : "",
				      name(k));
	return ndjson_fail(p, "\"%s\": must be %s", f->name, list);
}

static int set_field(struct ndjson_parser *p, const struct field *f,
		     const struct jval *v, struct ndjson_record *rec)
{
	char *base = (char *)&rec->u;
	int64_t x;
	int32_t x32;
	int b;
	double d;

	switch (f->kind) {
	case F_TYPE: return 0; /* read already */
	case F_I32:
	case F_I64:
		if (ndjson_int_value(v, f->min, f->max, &x))
			return ndjson_fail(
			    p, "\"%s\": must be an integer in %lld..%lld",
			    f->name, (long long)f->min, (long long)f->max);
		if (f->kind == F_I64) {
			memcpy(base + f->off, &x, sizeof(x));
		} else {
			x32 = (int32_t)x;
			memcpy(base + f->off, &x32, sizeof(x32));
		}
		return 0;
	case F_BOOL:
	case F_FLAG:
		if (v->kind != J_TRUE && v->kind != J_FALSE)
			return ndjson_fail(p, "\"%s\": must be true or false",
					   f->name);
		b = v->kind == J_TRUE;
		if (f->kind == F_FLAG) {
			if (b)
				rec->u.click.flags |= f->bit;
		} else {
			memcpy(base + f->off, &b, sizeof(b));
		}
		return 0;
	case F_DPR:
		if (ndjson_double_value(v, 0.25, 16, &d))
			return ndjson_fail(
			    p, "\"%s\": must be a number in 0.25..16", f->name);
		memcpy(base + f->off, &d, sizeof(d));
		return 0;
	case F_ID:
		if (v->kind != J_STRING || v->len < INGEST_MIN_ID ||
		    v->len > INGEST_MAX_ID ||
		    !ndjson_chars_ok(v->s, v->len, id_char))
			return ndjson_fail(
			    p,
			    "\"%s\": must be %d..%d characters of "
			    "[A-Za-z0-9_-]",
			    f->name, INGEST_MIN_ID, INGEST_MAX_ID);
		break;
	case F_PATH:
		if (!ndjson_text_ok(v, (size_t)f->min, (size_t)f->max) ||
		    v->s[0] != '/')
			return ndjson_fail(
			    p,
			    "\"%s\": must be a path of 1..%lld bytes "
			    "starting with \"/\", without control "
			    "characters",
			    f->name, (long long)f->max);
		break;
	case F_HOST:
		if (v->kind != J_STRING || v->len > (size_t)f->max ||
		    !ndjson_chars_ok(v->s, v->len, host_char))
			return ndjson_fail(
			    p,
			    "\"%s\": must be a host name of at most "
			    "%lld characters of [A-Za-z0-9.-]",
			    f->name, (long long)f->max);
		break;
	case F_TEXT:
		if (!ndjson_text_ok(v, (size_t)f->min, (size_t)f->max))
			return ndjson_fail(
			    p,
			    "\"%s\": must be a string of %lld..%lld "
			    "bytes without control characters",
			    f->name, (long long)f->min, (long long)f->max);
		break;
	case F_GOAL:
		if (v->kind != J_STRING || v->len < 1 ||
		    v->len > (size_t)f->max ||
		    !ndjson_chars_ok(v->s, v->len, goal_char))
			return ndjson_fail(
			    p,
			    "\"%s\": must be 1..%lld characters of "
			    "[a-z0-9_-]",
			    f->name, (long long)f->max);
		break;
	case F_SITE_KEY:
		if (v->kind != J_STRING || !ingest_site_key_valid(v->s))
			return ndjson_fail(
			    p,
			    "\"%s\": must be 1..%d characters of "
			    "[A-Za-z0-9_-]",
			    f->name, INGEST_MAX_KEY);
		break;
	case F_SITE_NAME:
		if (v->kind != J_STRING || v->len < (size_t)f->min ||
		    v->len > (size_t)f->max)
			return ndjson_fail(
			    p, "\"%s\": must be a string of 1..%lld bytes",
			    f->name, (long long)f->max);
		break;
	case F_DEVICE: return set_enum(p, v, f, device_at, 3, base);
	case F_BROWSER:
		return set_enum(p, v, f, browser_at, BROWSER_SAMSUNG + 1, base);
	case F_OS: return set_enum(p, v, f, os_at, OS_CHROMEOS + 1, base);
	case F_POINTER:
		return set_enum(p, v, f, pointer_at, POINTER_KEY + 1, base);
	case F_TAGS: return set_tags(p, v, &rec->u.pageview);
	case F_DWELL: return set_dwell(p, v, &rec->u.pageview);
	case F_ORIGINS: return set_origins(p, v, f, &rec->u.site);
	case F_SETTINGS: return set_settings(p, v, &rec->u.site);
	}
	/* the string kinds: the value is the decoded string */
	memcpy(base + f->off, &v->s, sizeof(v->s));
	return 0;
}

/* 1 when s[0..len) is all ASCII without NUL (most lines): eight bytes at
 * a time, before the exact UTF-8 check for the rest. */
static int ascii_without_nul(const char *s, size_t len)
{
	const uint64_t high = 0x8080808080808080ULL,
		       low = 0x0101010101010101ULL;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, sizeof(w));
		if ((w & high) || ((w - low) & ~w & high))
			return 0;
	}
	for (; i < len; i++)
		if (s[i] == 0 || (unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* The field of this type named key; members come in the exporter's order,
 * so the one at the member's own index is tried first. */
static const struct field *find_field(const struct field *fields, size_t n,
				      size_t hint, const char *key)
{
	if (hint < n && fields[hint].name[0] == key[0] &&
	    strcmp(fields[hint].name, key) == 0)
		return &fields[hint];
	for (size_t i = 0; i < n; i++)
		if (fields[i].name[0] == key[0] &&
		    strcmp(fields[i].name, key) == 0)
			return &fields[i];
	return NULL;
}

static int record_type(struct ndjson_parser *p, enum ndjson_type *ret)
{
	const struct jmember *m = NULL;
	char q[160];

	for (size_t i = 0; i < p->n_members && !m; i++)
		if (p->members[i].key[0] == 't' &&
		    strcmp(p->members[i].key, "type") == 0)
			m = &p->members[i];
	if (!m)
		return ndjson_fail(p, "missing field \"type\"");
	if (m->v.kind != J_STRING)
		return ndjson_fail(p, "\"type\": must be a string");
	for (int t = NDJSON_SITE; t < N_TYPES; t++) {
		if (strcmp(m->v.s, type_names[t]) == 0) {
			*ret = (enum ndjson_type)t;
			return 0;
		}
	}
	return ndjson_fail(
	    p,
	    "\"type\": %s is not site, pageview, click, move, goal or "
	    "end",
	    ndjson_quote(q, sizeof(q), m->v.s));
}

/* A site line of another format is refused before its fields are read:
 * they may be ones this calor does not know. */
static int check_format(struct ndjson_parser *p, int64_t *ret_format)
{
	int64_t format;

	for (size_t i = 0; i < p->n_members; i++) {
		const struct jmember *m = &p->members[i];
		if (strcmp(m->key, "format") != 0)
			continue;
		if (ndjson_int_value(&m->v, 1, NDJSON_MAX_INT, &format))
			return ndjson_fail(
			    p, "\"format\": must be a positive integer");
		if (format < NDJSON_FORMAT_MIN || format > NDJSON_FORMAT)
			return ndjson_fail(
			    p,
			    "\"format\": %lld is not a format this "
			    "calor reads (%d..%d)",
			    (long long)format, NDJSON_FORMAT_MIN,
			    NDJSON_FORMAT);
		*ret_format = format;
	}
	return 0;
}

int ndjson_parse_line(struct ndjson_parser *p, const char *line, size_t len,
		      struct ndjson_record *ret_record,
		      struct ndjson_error *err)
{
	struct ndjson_record rec;
	struct jval top;
	const struct field *fields;
	size_t n_fields;
	uint64_t seen = 0;
	int64_t format = NDJSON_FORMAT;
	char q[160];
	int rc;

	p->err = err;
	err->detail[0] = '\0';
	if (len > NDJSON_MAX_LINE) {
		ndjson_fail(p, "line longer than %d bytes", NDJSON_MAX_LINE);
		return CALOR_ETOOBIG;
	}
	/* one pass for the whole line: then every string is UTF-8 without
	 * NUL, and escapes can only add valid code points */
	if (!ascii_without_nul(line, len) && !utf8_valid(line, len))
		return ndjson_fail(p, "not UTF-8 (or contains a NUL byte)");
	memset(&rec, 0, sizeof(rec));
	p->line = p->cur = line;
	p->end = line + len;
	p->text_len = 0;
	p->n_members = p->n_items = 0;
	ndjson_skip_ws(p);
	if (p->cur >= p->end || *p->cur != '{')
		return ndjson_bad_json(p, "expected '{'");
	if ((rc = ndjson_parse_members(p, &top, p->members, MAX_MEMBERS,
				       &p->n_members, 0)))
		return rc;
	ndjson_skip_ws(p);
	if (p->cur != p->end)
		return ndjson_bad_json(p, "more after the object");
	if ((rc = record_type(p, &rec.type)))
		return rc;
	if (rec.type == NDJSON_SITE && (rc = check_format(p, &format)))
		return rc;
	if (rec.type == NDJSON_SITE)
		store_config_defaults(&rec.u.site.settings);
	fields = type_fields[rec.type].f;
	n_fields = type_fields[rec.type].n;
	for (size_t i = 0; i < p->n_members; i++) {
		const struct jmember *m = &p->members[i];
		const struct field *f = find_field(fields, n_fields, i, m->key);
		uint64_t bit;

		/* format 1's site line has no settings */
		if (f && f->kind == F_SETTINGS && format < 2)
			f = NULL;
		if (!f)
			return ndjson_fail(p, "unknown field %s in a %s line",
					   ndjson_quote(q, sizeof(q), m->key),
					   type_names[rec.type]);
		bit = 1ull << (f - fields);
		if (seen & bit)
			return ndjson_fail(p, "duplicate field \"%s\"",
					   f->name);
		seen |= bit;
		if ((rc = set_field(p, f, &m->v, &rec)))
			return rc;
	}
	for (size_t i = 0; i < n_fields; i++)
		if (!(seen & (1ull << i)) &&
		    !(fields[i].kind == F_SETTINGS && format < 2))
			return ndjson_fail(
			    p, "missing field \"%s\" in a %s line",
			    fields[i].name, type_names[rec.type]);
	*ret_record = rec;
	return 0;
}

void ndjson_site_to_store(const struct ndjson_site *in, struct store_site *out)
{
	memset(out, 0, sizeof(*out));
	str_copy(out->key, in->key, sizeof(out->key));
	str_copy(out->name, in->name, sizeof(out->name));
	out->n_origins = in->n_origins;
	for (size_t i = 0; i < in->n_origins; i++)
		str_copy(out->origins[i], in->origins[i],
			 sizeof(out->origins[i]));
	out->created_ms = in->created_ms;
	out->cfg = in->settings;
}

int ndjson_parser_new(struct ndjson_parser **ret_parser)
{
	struct ndjson_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return CALOR_ENOMEM;
	*ret_parser = p;
	return 0;
}

void ndjson_parser_free(struct ndjson_parser *p)
{
	free(p);
}

/* ---- the line splitter ---- */

struct ndjson_reader {
	FILE *in;
	char *buf;
	size_t start, end; /* unread bytes: buf[start .. end) */
	int eof;
	int skipping; /* inside a line too long to return */
	int64_t line;
	uint64_t offset;
};

int ndjson_reader_new(FILE *in, struct ndjson_reader **ret_reader)
{
	struct ndjson_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return CALOR_ENOMEM;
	r->buf = malloc(READ_BUF);
	if (!r->buf) {
		free(r);
		return CALOR_ENOMEM;
	}
	r->in = in;
	*ret_reader = r;
	return 0;
}

void ndjson_reader_free(struct ndjson_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

int ndjson_reader_next(struct ndjson_reader *r, const char **ret_line,
		       size_t *ret_len)
{
	for (;;) {
		char *line = r->buf + r->start;
		size_t pending = r->end - r->start, got;
		char *nl = pending ? memchr(line, '\n', pending) : NULL;
		size_t n = nl ? (size_t)(nl - line) : pending;

		if (nl || (r->eof && pending && !r->skipping)) {
			r->start += nl ? n + 1 : n;
			r->offset += nl ? n + 1 : n;
			if (r->skipping) { /* the rest of a refused line */
				r->skipping = 0;
				continue;
			}
			r->line++;
			if (n > NDJSON_MAX_LINE)
				return CALOR_ETOOBIG;
			if (n && line[n - 1] == '\r')
				n--;
			*ret_line = line;
			*ret_len = n;
			return 1;
		}
		if (pending > NDJSON_MAX_LINE && !r->skipping) {
			/* refuse it now, drop what is buffered and skip the
			 * rest up to its newline on later calls */
			r->line++;
			r->skipping = 1;
			r->offset += pending;
			r->start = r->end = 0;
			return CALOR_ETOOBIG;
		}
		if (r->skipping) {
			r->offset += pending;
			r->start = r->end = 0;
		}
		if (r->eof)
			return 0;
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		got = fread(r->buf + r->end, 1, READ_BUF - r->end, r->in);
		r->end += got;
		if (got == 0) {
			if (ferror(r->in))
				return CALOR_EIO;
			r->eof = 1;
		}
	}
}

int64_t ndjson_reader_line(const struct ndjson_reader *r)
{
	return r->line;
}

uint64_t ndjson_reader_offset(const struct ndjson_reader *r)
{
	return r->offset;
}
