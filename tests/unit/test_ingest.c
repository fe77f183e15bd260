/* SPDX-License-Identifier: MIT */
/* Unit tests for ingest: a valid batch decodes field by field; each kind of
 * bad input is refused with the right status, code and field. */
#include "ingest.h"
#include "test.h"

#define NOW 1764000000000LL

static const char *valid =
    "{\"v\":1,\"site\":\"abcDEF123\",\"now\":1764000000500,"
    "\"pv\":{\"id\":\"pv_12345678\",\"seq\":3,\"sid\":\"s_12345678\","
    "\"url\":\"/pricing\",\"ref\":\"news.example.com\","
    "\"ts\":1763999990500,\"vw\":390,\"vh\":844,\"dpr\":3,\"new\":true},"
    "\"ev\":[{\"t\":\"click\",\"ts\":1763999995500,\"x\":100,\"y\":2000,"
    "\"vw\":390,\"vh\":844,\"dw\":390,\"dh\":3000,\"sel\":\"#cta\","
    "\"ex\":32768,\"ey\":0,\"ew\":120,\"eh\":40,\"pt\":\"touch\","
    "\"future\":1},"
    "{\"t\":\"scroll\",\"ts\":1763999999500,\"y\":2500,\"dh\":3000}]}";

static int decode(const char *body, struct ingest_batch **b,
		  struct ingest_error *err, struct arena **a)
{
	*a = arena_new(1 << 20);
	return ingest_decode(body, strlen(body), NOW, *a, b, err);
}

TEST(valid_batch_decodes)
{
	struct ingest_batch *b = NULL;
	struct ingest_error err = {0};
	struct arena *a;
	ASSERT_EQ(decode(valid, &b, &err, &a), 0);
	ASSERT_STR(b->site_key, "abcDEF123");
	ASSERT_STR(b->pv.id, "pv_12345678");
	ASSERT_EQ(b->pv.seq, 3);
	ASSERT_STR(b->pv.url, "/pricing");
	ASSERT_STR(b->pv.referrer, "news.example.com");
	ASSERT_EQ(b->pv.device, DEVICE_MOBILE);
	ASSERT_EQ(b->pv.is_new, 1);
	ASSERT_NEAR(b->pv.dpr, 3, 0);
	/* client clock 500 ms ahead: corrected */
	ASSERT_EQ(b->pv.ts, 1763999990000LL);
	ASSERT_EQ(b->n_events, 2);
	ASSERT_EQ(b->n_clicks, 1);
	ASSERT_EQ(b->events[0].type, EVENT_CLICK);
	ASSERT_EQ(b->events[0].ts, 1763999995000LL);
	ASSERT_EQ(b->events[0].u.click.x, 100);
	ASSERT_EQ(b->events[0].u.click.y, 2000);
	ASSERT_EQ(b->events[0].u.click.off_x, 32768);
	ASSERT_EQ(b->events[0].u.click.pointer, POINTER_TOUCH);
	ASSERT_STR(b->events[0].u.click.selector, "#cta");
	ASSERT_EQ(b->events[1].type, EVENT_SCROLL);
	ASSERT_EQ(b->events[1].u.scroll.depth, 2500);
	arena_free(a);
}

/* Replace the first occurrence of from with to in valid, decode, expect. */
static void expect_refused(const char *from, const char *to, int status,
			   const char *code, const char *detail_part)
{
	char body[4096];
	const char *hit = strstr(valid, from);
	struct ingest_batch *b = NULL;
	struct ingest_error err = {0};
	struct arena *a;
	int rc;

	if (!hit) {
		fprintf(stderr, "  fixture lacks %s\n", from);
		test_failed_flag = 1;
		return;
	}
	snprintf(body, sizeof(body), "%.*s%s%s", (int)(hit - valid), valid, to,
		 hit + strlen(from));
	rc = decode(body, &b, &err, &a);
	arena_free(a);
	if (rc == 0 || err.status != status || strcmp(err.code, code) != 0 ||
	    !strstr(err.detail, detail_part)) {
		fprintf(stderr,
			"  %s -> %s: rc %d status %d code %s detail \"%s\"\n",
			from, to, rc, err.status, err.code ? err.code : "-",
			err.detail);
		test_failed_flag = 1;
	}
}

TEST(bad_inputs_refused)
{
	expect_refused("{\"v\":1", "[\"v\",1", 400, "bad_json", "JSON");
	expect_refused("\"v\":1", "\"v\":2", 400, "bad_field", "v");
	expect_refused("\"site\":\"abcDEF123\"", "\"site\":\"a b\"", 400,
		       "bad_field", "site");
	expect_refused("\"site\":\"abcDEF123\",", "", 400, "missing_field",
		       "site");
	expect_refused("\"x\":100", "\"x\":\"100\"", 400, "bad_field",
		       "ev[0].x");
	expect_refused("\"x\":100", "\"x\":-5", 400, "bad_field", "ev[0].x");
	expect_refused("\"x\":100", "\"x\":1e300", 400, "bad_field", "ev[0].x");
	expect_refused("\"x\":100", "\"x\":NaN", 400, "bad_json", "JSON");
	expect_refused("\"y\":2000", "\"y\":99999999999", 400, "bad_field",
		       "ev[0].y");
	expect_refused("\"vw\":390,\"vh\":844,\"dpr\"",
		       "\"vw\":0,\"vh\":844,\"dpr\"", 400, "bad_field",
		       "pv.vw");
	expect_refused("\"dpr\":3", "\"dpr\":1e9", 400, "bad_field", "pv.dpr");
	expect_refused("\"sel\":\"#cta\"", "\"sel\":\"\"", 400, "bad_field",
		       "ev[0].sel");
	expect_refused("\"sel\":\"#cta\"", "\"sel\":\"#c\\u0000ta\"", 400,
		       "bad_json", "JSON");
	expect_refused("\"url\":\"/pricing\"", "\"url\":\"pricing\"", 400,
		       "bad_field", "pv.url");
	expect_refused("\"url\":\"/pricing\"", "\"url\":\"/a\\nb\"", 400,
		       "bad_field", "pv.url");
	expect_refused("\"ref\":\"news.example.com\"", "\"ref\":\"<x>\"", 400,
		       "bad_field", "pv.ref");
	expect_refused("\"pt\":\"touch\"", "\"pt\":\"nose\"", 400, "bad_field",
		       "ev[0].pt");
	expect_refused("\"t\":\"scroll\"", "\"t\":\"hover\"", 400, "bad_field",
		       "ev[1].t");
	expect_refused("\"id\":\"pv_12345678\"", "\"id\":\"short\"", 400,
		       "bad_field", "pv.id");
	expect_refused("\"new\":true", "\"new\":1", 400, "bad_field", "pv.new");
	expect_refused("\"ev\":[", "\"ev\":{\"a\":[", 400, "bad_json", "JSON");
	expect_refused("\"v\":1", "\"v\":1,\"v\":1", 400, "bad_json", "JSON");
}

TEST(invalid_utf8_refused)
{
	char body[4096];
	const char *hit = strstr(valid, "#cta");
	struct ingest_batch *b = NULL;
	struct ingest_error err = {0};
	struct arena *a;
	snprintf(body, sizeof(body), "%.*s#c\xc3\x28ta%s", (int)(hit - valid),
		 valid, hit + 4);
	ASSERT(decode(body, &b, &err, &a) != 0);
	arena_free(a);
	ASSERT_EQ(err.status, 400);
	ASSERT_STR(err.code, "bad_json");
}

TEST(caps_enforced)
{
	struct dynbuf body;
	struct ingest_batch *b = NULL;
	struct ingest_error err = {0};
	struct arena *a = arena_new(8 << 20);
	int rc;

	dynbuf_init(&body, 1 << 20);
	dynbuf_adds(&body, "{\"v\":1,\"site\":\"k1234567\",\"now\":1,\"pv\":{"
			   "\"id\":\"pv_12345678\",\"seq\":0,\"sid\":"
			   "\"s_12345678\",\"url\":\"/\",\"ts\":1,\"vw\":1440,"
			   "\"vh\":900},\"ev\":[");
	for (int i = 0; i <= INGEST_MAX_EVENTS; i++)
		dynbuf_addf(&body,
			    "%s{\"t\":\"scroll\",\"ts\":1,\"y\":1,\"dh\":1}",
			    i ? "," : "");
	dynbuf_adds(&body, "]}");
	rc = ingest_decode(body.data, body.len, NOW, a, &b, &err);
	ASSERT_EQ(rc, CALOR_ETOOBIG);
	ASSERT_EQ(err.status, 413);
	ASSERT_STR(err.code, "too_many_events");
	rc = ingest_decode(body.data, INGEST_MAX_BODY + 1, NOW, a, &b, &err);
	ASSERT_EQ(err.status, 413);
	ASSERT_STR(err.code, "body_too_large");
	dynbuf_done(&body);
	arena_free(a);
}

TEST(device_classes)
{
	enum device_class d;
	ASSERT_EQ(ingest_device_class(767), DEVICE_MOBILE);
	ASSERT_EQ(ingest_device_class(768), DEVICE_TABLET);
	ASSERT_EQ(ingest_device_class(1023), DEVICE_TABLET);
	ASSERT_EQ(ingest_device_class(1024), DEVICE_DESKTOP);
	ASSERT_EQ(ingest_device_parse("tablet", &d), 0);
	ASSERT_EQ(d, DEVICE_TABLET);
	ASSERT_EQ(ingest_device_parse("phone", &d), CALOR_EINVAL);
}

TEST_MAIN(RUN(valid_batch_decodes); RUN(bad_inputs_refused);
	  RUN(invalid_utf8_refused); RUN(caps_enforced); RUN(device_classes))
