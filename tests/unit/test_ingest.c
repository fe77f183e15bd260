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
	ASSERT_EQ(b->events[1].u.scroll->depth, 2500);
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

static const char *full =
    "{\"v\":1,\"site\":\"abcDEF123\",\"now\":1764000000000,"
    "\"pv\":{\"id\":\"pv_12345678\",\"seq\":0,\"sid\":\"s_12345678\","
    "\"url\":\"/p\",\"ts\":1764000000000,\"vw\":1440,\"vh\":900,"
    "\"utm\":{\"source\":\"news\",\"campaign\":\"fall\"},"
    "\"tags\":{\"variant\":\"B\",\"plan\":\"pro\"}},"
    "\"ev\":[{\"t\":\"click\",\"ts\":1764000000000,\"x\":1,\"y\":2,"
    "\"vw\":1440,\"vh\":900,\"dw\":1440,\"dh\":900,\"sel\":\"img\","
    "\"ex\":0,\"ey\":0,\"ew\":1,\"eh\":1,\"pt\":\"mouse\",\"fx\":1,"
    "\"ia\":0,\"dead\":1,\"err\":0},"
    "{\"t\":\"scroll\",\"ts\":1764000000000,\"y\":1200,\"dh\":3000,"
    "\"fold\":900,\"rev\":3,\"dwell\":[DWELL]},"
    "{\"t\":\"move\",\"ts\":1764000000000,\"vw\":1440,\"dh\":3000,"
    "\"p\":[10,20,0,30,40,120]},"
    "{\"t\":\"goal\",\"ts\":1764000000000,\"name\":\"signup\"}]}";

/* full with DWELL replaced by 100 numbers (band i gets i * 10 ms). */
static void make_full(char *out, size_t size, const char *from, const char *to)
{
	char dwell[1024], tmp[8192];
	size_t n = 0;
	const char *hit;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(dwell + n, sizeof(dwell) - n, "%s%d",
				      i ? "," : "", i * 10);
	hit = strstr(full, "DWELL");
	snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(hit - full), full, dwell,
		 hit + 5);
	hit = from ? strstr(tmp, from) : NULL;
	if (hit)
		snprintf(out, size, "%.*s%s%s", (int)(hit - tmp), tmp, to,
			 hit + strlen(from));
	else
		snprintf(out, size, "%s", tmp);
}

TEST(new_fields_decode)
{
	char body[8192];
	struct ingest_batch *b = NULL;
	struct ingest_error err = {0};
	struct arena *a;
	make_full(body, sizeof(body), NULL, NULL);
	ASSERT_EQ(decode(body, &b, &err, &a), 0);
	ASSERT_STR(b->pv.utm_source, "news");
	ASSERT_STR(b->pv.utm_campaign, "fall");
	ASSERT_STR(b->pv.utm_medium, "");
	ASSERT_EQ(b->pv.n_tags, 2);
	ASSERT_EQ(b->events[0].u.click.flags, CLICK_FIXED | CLICK_DEAD);
	ASSERT(b->events[0].u.click.sel_hash == ingest_hash("img"));
	ASSERT_EQ(b->events[1].u.scroll->fold, 900);
	ASSERT_EQ(b->events[1].u.scroll->reversals, 3);
	ASSERT_EQ(b->events[1].u.scroll->has_dwell, 1);
	ASSERT_EQ(b->events[1].u.scroll->dwell[99], 990);
	ASSERT_EQ(b->events[2].type, EVENT_MOVE);
	ASSERT_EQ(b->events[2].u.move.n, 2);
	ASSERT_EQ(b->events[2].u.move.x[1], 30);
	ASSERT_EQ(b->events[2].u.move.y[1], 40);
	ASSERT_EQ(b->events[2].u.move.dt[1], 120);
	ASSERT_EQ(b->events[3].type, EVENT_GOAL);
	ASSERT_STR(b->events[3].u.goal.name, "signup");
	arena_free(a);
}

static void expect_full_refused(const char *from, const char *to,
				const char *detail_part)
{
	char body[8192];
	struct ingest_batch *b = NULL;
	struct ingest_error err = {0};
	struct arena *a;
	int rc;
	make_full(body, sizeof(body), from, to);
	rc = decode(body, &b, &err, &a);
	arena_free(a);
	if (rc == 0 || err.status != 400 || !strstr(err.detail, detail_part)) {
		fprintf(stderr, "  %s -> %s: rc %d status %d detail \"%s\"\n",
			from, to, rc, err.status, err.detail);
		test_failed_flag = 1;
	}
}

TEST(new_fields_refused)
{
	expect_full_refused("\"fx\":1", "\"fx\":2", "ev[0].fx");
	expect_full_refused("\"dead\":1", "\"dead\":true", "ev[0].dead");
	expect_full_refused("\"fold\":900", "\"fold\":0", "ev[1].fold");
	expect_full_refused("\"rev\":3", "\"rev\":-1", "ev[1].rev");
	expect_full_refused("[0,10,", "[-1,10,", "ev[1].dwell[0]");
	expect_full_refused(",990]", "]", "ev[1].dwell");
	expect_full_refused("[10,20,0,30,40,120]", "[10,20,0,30,40]",
			    "ev[2].p");
	expect_full_refused("[10,20,0,30,40,120]", "[10,20,0,99999,40,1]",
			    "ev[2].p[3]");
	expect_full_refused("[10,20,0,30,40,120]", "[]", "ev[2].p");
	expect_full_refused("\"name\":\"signup\"", "\"name\":\"Sign Up\"",
			    "ev[3].name");
	expect_full_refused("\"variant\":\"B\"", "\"Variant\":\"B\"",
			    "pv.tags");
	expect_full_refused("\"variant\":\"B\"", "\"variant\":7",
			    "pv.tags.variant");
	expect_full_refused("\"source\":\"news\"", "\"source\":[1]",
			    "pv.utm.source");
	expect_full_refused("\"utm\":{", "\"utm\":7,\"x\":{", "pv.utm");
}

TEST(user_agents)
{
	static const struct {
		const char *ua;
		enum browser_family b;
		enum os_family os;
	} cases[] = {
	    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	     "(KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0",
	     BROWSER_EDGE, OS_WINDOWS},
	    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
	     "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
	     "Mobile/15E148 Safari/604.1",
	     BROWSER_SAFARI, OS_IOS},
	    {"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
	     "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
	     BROWSER_CHROME, OS_ANDROID},
	    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) "
	     "Gecko/20100101 Firefox/120.0",
	     BROWSER_FIREFOX, OS_MACOS},
	    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
	     "like Gecko) Chrome/120.0 Safari/537.36 OPR/105.0",
	     BROWSER_OPERA, OS_LINUX},
	    {"curl/8.0", BROWSER_OTHER, OS_OTHER},
	};
	enum browser_family b;
	enum os_family os;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ingest_user_agent(cases[i].ua, &b, &os);
		ASSERT_EQ(b, cases[i].b);
		ASSERT_EQ(os, cases[i].os);
	}
	ingest_user_agent(NULL, &b, &os);
	ASSERT_EQ(b, BROWSER_OTHER);
	ASSERT_STR(ingest_browser_name(BROWSER_SAMSUNG), "samsung");
	ASSERT_STR(ingest_os_name(OS_CHROMEOS), "chromeos");
}

/* Normalise a copy of in; compare with want. */
static int url_is(const char *in, const char *want)
{
	char buf[64];
	str_copy(buf, in, sizeof(buf));
	return ingest_url_normalise(buf) == strlen(want) &&
	       strcmp(buf, want) == 0;
}

static int selector_is(const char *in, const char *want)
{
	char buf[64];
	str_copy(buf, in, sizeof(buf));
	return ingest_selector_normalise(buf) == strlen(want) &&
	       strcmp(buf, want) == 0;
}

TEST(urls_normalised)
{
	/* what calor.js sends is already normal */
	ASSERT(url_is("/", "/"));
	ASSERT(url_is("/pricing", "/pricing"));
	ASSERT(url_is("/app?view=a/../b#x/./y", "/app?view=a/../b#x/./y"));
	ASSERT(url_is("/a//b/", "/a//b/"));
	ASSERT(url_is("/.../x.", "/.../x."));
	/* dot segments, in every spelling a browser resolves */
	ASSERT(url_is("/a/./b/../c", "/a/c"));
	ASSERT(url_is("/a/b/..", "/a/"));
	ASSERT(url_is("/a/b/.", "/a/b/"));
	ASSERT(url_is("/../../x", "/x"));
	ASSERT(url_is("/..", "/"));
	ASSERT(url_is("/a/%2e%2E/b/.%2e/c/%2e.", "/"));
	ASSERT(url_is("/a/%2e%2E/b/%2E", "/b/"));
	ASSERT(url_is("/a\\..\\b", "/b"));
	ASSERT(url_is("/a/..?q=1", "/?q=1"));
	/* a lone ? or # says nothing */
	ASSERT(url_is("/a?", "/a"));
	ASSERT(url_is("/a#", "/a"));
	ASSERT(url_is("/a?#", "/a"));
	ASSERT(url_is("/a?#b", "/a#b"));
	ASSERT(url_is("/a?b#", "/a?b"));
}

TEST(selectors_normalised)
{
	ASSERT(selector_is("main > a.cta", "main > a.cta"));
	ASSERT(selector_is("  main   >  a.cta ", "main > a.cta"));
	ASSERT(selector_is("#cta", "#cta"));
	ASSERT(selector_is("   ", ""));
}

/* A batch with this url and selector, decoded. */
static int decode_with(const char *url, const char *sel,
		       struct ingest_batch **b, struct ingest_error *err,
		       struct arena **a)
{
	char body[1024];
	snprintf(body, sizeof(body),
		 "{\"v\":1,\"site\":\"k1\",\"now\":%lld,\"pv\":{"
		 "\"id\":\"pv_12345678\",\"seq\":0,\"sid\":\"s_12345678\","
		 "\"url\":\"%s\",\"ts\":%lld,\"vw\":1440,\"vh\":900},"
		 "\"ev\":[{\"t\":\"click\",\"ts\":%lld,\"x\":1,\"y\":1,"
		 "\"vw\":1440,\"vh\":900,\"dw\":1440,\"dh\":900,"
		 "\"sel\":\"%s\",\"ex\":0,\"ey\":0,\"ew\":1,\"eh\":1,"
		 "\"pt\":\"mouse\"}]}",
		 NOW, url, NOW, NOW, sel);
	return decode(body, b, err, a);
}

TEST(decode_normalises)
{
	struct ingest_batch *b = NULL;
	struct ingest_error err = {0};
	struct arena *a = NULL;

	ASSERT_EQ(
	    decode_with("/shop/./cart/../pay?", " main  >  a ", &b, &err, &a),
	    0);
	ASSERT_STR(b->pv.url, "/shop/pay");
	ASSERT_STR(b->events[0].u.click.selector, "main > a");
	ASSERT(b->events[0].u.click.sel_hash == ingest_hash("main > a"));
	arena_free(a);
	ASSERT_EQ(decode_with("/", "   ", &b, &err, &a), CALOR_EINVAL);
	ASSERT_EQ(err.status, 400);
	ASSERT_STR(err.detail, "ev[0].sel: must not be blank");
	arena_free(a);
}

/* Found by fuzz_collect: jansson's message quotes the bytes near the
 * error, control characters too; the detail goes into a JSON answer. */
TEST(bad_json_detail_is_text)
{
	struct ingest_batch *b = NULL;
	struct ingest_error err = {0};
	struct arena *a = NULL;

	ASSERT_EQ(decode("{\"v\":1,\"site\":\x18}", &b, &err, &a),
		  CALOR_EINVAL);
	ASSERT_STR(err.code, "bad_json");
	for (const char *p = err.detail; *p; p++)
		ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
	arena_free(a);
}

TEST_MAIN(RUN(urls_normalised); RUN(selectors_normalised);
	  RUN(decode_normalises); RUN(bad_json_detail_is_text);
	  RUN(new_fields_decode); RUN(new_fields_refused); RUN(user_agents);
	  RUN(valid_batch_decodes); RUN(bad_inputs_refused);
	  RUN(invalid_utf8_refused); RUN(caps_enforced); RUN(device_classes))
