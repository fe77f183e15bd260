/* SPDX-License-Identifier: MIT */
/* Unit tests for the NDJSON line parser: valid lines in any field order,
 * every kind of bad line with its reason, the caps, mutated lines that must
 * never crash, and the capped line reader. */
#include <unistd.h>

#include "ndjson.h"
#include "test.h"
#include "test_ndjson.h"

static const char click_line[] =
    "{\"type\":\"click\",\"pv\":\"pv_abcdefgh\",\"page\":\"/pricing\","
    "\"device\":\"desktop\",\"ts\":1763999995000,\"x\":700,\"y\":512,"
    "\"vw\":1440,\"vh\":900,\"dw\":1440,\"dh\":2600,"
    "\"selector\":\"main \\u003e a.cta\",\"ex\":32768,\"ey\":16384,"
    "\"ew\":180,\"eh\":48,\"pointer\":\"touch\",\"fixed\":false,"
    "\"interactive\":true,\"dead\":false,\"error\":true,\"rage\":true}";

/* ---- valid lines ---- */

TEST(parse_click_line)
{
	struct ndjson_record r;
	struct ndjson_error e;
	const struct store_export_click *c = &r.u.click;

	ASSERT_EQ(parse(click_line, &r, &e), 0);
	ASSERT_EQ(r.type, NDJSON_CLICK);
	ASSERT_STR(c->pageview, "pv_abcdefgh");
	ASSERT_STR(c->page, "/pricing");
	ASSERT_EQ(c->device, DEVICE_DESKTOP);
	ASSERT_EQ(c->ts, 1763999995000LL);
	ASSERT_EQ(c->x, 700);
	ASSERT_EQ(c->y, 512);
	ASSERT_EQ(c->vw, 1440);
	ASSERT_EQ(c->vh, 900);
	ASSERT_EQ(c->dw, 1440);
	ASSERT_EQ(c->dh, 2600);
	ASSERT_STR(c->selector, "main > a.cta");
	ASSERT_EQ(c->off_x, 32768);
	ASSERT_EQ(c->off_y, 16384);
	ASSERT_EQ(c->el_w, 180);
	ASSERT_EQ(c->el_h, 48);
	ASSERT_EQ(c->pointer, POINTER_TOUCH);
	ASSERT_EQ(c->flags, CLICK_INTERACTIVE | CLICK_ERROR | CLICK_RAGE);
}

TEST(parse_any_field_order_and_whitespace)
{
	struct ndjson_record r;
	struct ndjson_error e;
	const char *line =
	    " { \"y\" : 5 , \"x\":4,\"vw\":390,\"type\":\"move\",\t"
	    "\"pv\":\"pv_abcdefgh\",\"page\":\"/\",\"device\":\"mobile\","
	    "\"ts\":0 } \r";

	ASSERT_EQ(parse(line, &r, &e), 0);
	ASSERT_EQ(r.type, NDJSON_MOVE);
	ASSERT_EQ(r.u.move.x, 4);
	ASSERT_EQ(r.u.move.y, 5);
	ASSERT_EQ(r.u.move.vw, 390);
	ASSERT_EQ(r.u.move.device, DEVICE_MOBILE);
	ASSERT_STR(r.u.move.page, "/");
}

TEST(parse_site_goal_end_lines)
{
	struct ndjson_record r;
	struct ndjson_error e;

	ASSERT_EQ(parse("{\"type\":\"site\",\"format\":1,\"key\":\"k3Jd9aQ2\","
			"\"name\":\"Shop \\u00e9\\ud83d\\ude00\",\"origins\":"
			"[\"https://a.example\",\"http://b.example:8080\"],"
			"\"created\":1,\"exported\":2}",
			&r, &e),
		  0);
	ASSERT_EQ(r.type, NDJSON_SITE);
	ASSERT_STR(r.u.site.key, "k3Jd9aQ2");
	ASSERT_STR(r.u.site.name, "Shop \xc3\xa9\xf0\x9f\x98\x80");
	ASSERT_EQ(r.u.site.n_origins, 2);
	ASSERT_STR(r.u.site.origins[1], "http://b.example:8080");
	ASSERT_EQ(r.u.site.created_ms, 1);
	ASSERT_EQ(r.u.site.exported_ms, 2);
	ASSERT_EQ(r.u.site.format, 1);
	ASSERT_EQ(r.u.site.has_settings, 0);

	/* format 2 carries the settings; one left out keeps its default */
	ASSERT_EQ(parse("{\"type\":\"site\",\"format\":2,\"key\":\"k3Jd9aQ2\","
			"\"name\":\"S\",\"origins\":[],\"created\":1,"
			"\"exported\":2,\"settings\":{\"rage_clicks\":5,"
			"\"retention_days\":30}}",
			&r, &e),
		  0);
	ASSERT_EQ(r.u.site.format, 2);
	ASSERT_EQ(r.u.site.has_settings, 1);
	ASSERT_EQ(r.u.site.settings.rage_clicks, 5);
	ASSERT_EQ(r.u.site.settings.retention_days, 30);
	ASSERT_EQ(r.u.site.settings.rage_ms, STORE_RAGE_MS);

	ASSERT_EQ(parse("{\"type\":\"goal\",\"pv\":\"pv_abcdefgh\","
			"\"session\":\"s_abcdefgh\",\"page\":\"/a\","
			"\"name\":\"sign-up_2\",\"ts\":7}",
			&r, &e),
		  0);
	ASSERT_EQ(r.type, NDJSON_GOAL);
	ASSERT_STR(r.u.goal.name, "sign-up_2");
	ASSERT_STR(r.u.goal.session, "s_abcdefgh");

	ASSERT_EQ(parse("{\"type\":\"end\",\"pageviews\":3,\"clicks\":"
			"9007199254740991,\"moves\":0,\"goals\":1}",
			&r, &e),
		  0);
	ASSERT_EQ(r.type, NDJSON_END);
	ASSERT_EQ(r.u.end.clicks, 9007199254740991LL);
	ASSERT_EQ(r.u.end.goals, 1);
}

/* ---- bad lines ---- */

/* click_line with the first occurrence of from replaced by to. */
static const char *click_with(const char *from, const char *to)
{
	static char buf[4096];
	const char *at = strstr(click_line, from);
	size_t pre;

	if (!at)
		abort();
	pre = (size_t)(at - click_line);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)pre, click_line, to,
		 at + strlen(from));
	return buf;
}

TEST(bad_lines_are_refused_with_a_reason)
{
	static const struct {
		const char *from, *to, *why;
	} cases[] = {
	    /* not JSON */
	    {"{\"type\"", "[\"type\"", "expected '{'"},
	    {"\"rage\":true}", "\"rage\":true", "expected ',' or '}'"},
	    {"\"rage\":true}", "\"rage\":true}}", "more after the object"},
	    {"\"rage\":true}", "\"rage\":true} x", "more after the object"},
	    {"\"x\":700", "\"x\":0700", "expected ',' or '}'"},
	    {"\"x\":700", "\"x\":+700", "unexpected character"},
	    {"\"x\":700", "\"x\":7e", "bad number"},
	    {"\"x\":700", "\"x\":-", "bad number"},
	    {"\"x\":700", "\"x\":7.", "bad number"},
	    {"\"fixed\":false", "\"fixed\":fals", "unexpected character"},
	    {"\"fixed\":false", "\"fixed\":False", "unexpected character"},
	    {"\"x\":700", "x:700", "expected a string key"},
	    {"\"x\":700", "\"x\" 700", "expected ':'"},
	    {"\"x\":700", "\"x\":700,", "expected a string key"},
	    {"a.cta\"", "a.cta\\q\"", "bad escape"},
	    {"a.cta\"", "a.cta\\ud800\"", "\\u escape"},
	    {"a.cta\"", "a.cta\\udc00\\ud800\"", "\\u escape"},
	    {"a.cta\"", "a.cta\\u12\"", "\\u escape"},
	    {"a.cta\"", "a.cta\\u0000\"", "\\u escape"},
	    {"a.cta\"", "a.cta\x01\"", "control character in a string"},
	    {"a.cta\"", "a.cta\xff\"", "not UTF-8"},
	    {"a.cta\"", "a.cta\xc0\xaf\"", "not UTF-8"},
	    {"a.cta\"", "a.cta\xed\xa0\x80\"", "not UTF-8"},
	    {"\"x\":700", "\"x\":[[1]]", "nested too deep"},
	    {"\"x\":700", "\"x\":[{}]", "nested too deep"},
	    /* wrong values */
	    {"\"x\":700", "\"x\":32768",
	     "\"x\": must be an integer in 0..32767"},
	    {"\"x\":700", "\"x\":-1", "\"x\": must be an integer in 0..32767"},
	    {"\"x\":700", "\"x\":7.5", "\"x\": must be an integer"},
	    {"\"x\":700", "\"x\":7e2", "\"x\": must be an integer"},
	    {"\"x\":700", "\"x\":\"700\"", "\"x\": must be an integer"},
	    {"\"x\":700", "\"x\":null", "\"x\": must be an integer"},
	    {"\"x\":700", "\"x\":99999999999999999999999",
	     "\"x\": must be an integer"},
	    {"\"ts\":1763999995000", "\"ts\":9007199254740992",
	     "\"ts\": must be an integer"},
	    {"\"vw\":1440", "\"vw\":0",
	     "\"vw\": must be an integer in 1..16384"},
	    {"\"dh\":2600", "\"dh\":1000001", "\"dh\": must be an integer"},
	    {"\"ex\":32768", "\"ex\":65536", "\"ex\": must be an integer"},
	    {"\"fixed\":false", "\"fixed\":0", "\"fixed\": must be true or"},
	    {"\"device\":\"desktop\"", "\"device\":\"phone\"",
	     "\"device\": must be desktop, tablet or mobile"},
	    {"\"pointer\":\"touch\"", "\"pointer\":\"finger\"",
	     "\"pointer\": must be mouse, touch, pen or key"},
	    {"\"pv\":\"pv_abcdefgh\"", "\"pv\":\"pv_abc\"",
	     "\"pv\": must be 8..64"},
	    {"\"pv\":\"pv_abcdefgh\"", "\"pv\":\"pv abcdefgh\"",
	     "\"pv\": must"},
	    {"\"page\":\"/pricing\"", "\"page\":\"pricing\"", "\"page\": must"},
	    {"\"page\":\"/pricing\"", "\"page\":\"\"", "\"page\": must"},
	    {"\"page\":\"/pricing\"", "\"page\":\"/a\\nb\"", "\"page\": must"},
	    {"\"selector\":\"main \\u003e a.cta\"", "\"selector\":\"\"",
	     "\"selector\": must be a string of 1..512"},
	    {"\"selector\":\"main \\u003e a.cta\"", "\"selector\":\"a\\u007f\"",
	     "\"selector\": must"},
	    /* wrong shape */
	    {"\"x\":700,", "", "missing field \"x\" in a click line"},
	    {"\"x\":700", "\"x\":700,\"x\":701", "duplicate field \"x\""},
	    {"\"x\":700", "\"x\":700,\"colour\":1",
	     "unknown field \"colour\" in a click line"},
	    {"\"x\":700", "\"x\":700,\"k\\u0001\":1",
	     "unknown field \"k\\x01\""},
	    {"\"type\":\"click\",", "", "missing field \"type\""},
	    {"\"type\":\"click\"", "\"type\":\"tap\"",
	     "\"type\": \"tap\" is not"},
	    {"\"type\":\"click\"", "\"type\":1", "\"type\": must be a string"},
	    {"\"type\":\"click\"", "\"type\":\"click\",\"type\":\"click\"",
	     "duplicate field \"type\""},
	    {"\"type\":\"click\"", "\"type\":\"move\"",
	     "unknown field \"vh\" in a move line"},
	};
	struct ndjson_record r;
	struct ndjson_error e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *line = click_with(cases[i].from, cases[i].to);
		int rc = parse(line, &r, &e);
		if (rc != CALOR_EINVAL)
			FAIL_HERE("case %zu (%s): rc %d for %s", i,
				  cases[i].why, rc, line);
		if (!strstr(e.detail, cases[i].why))
			FAIL_HERE("case %zu: detail \"%s\" lacks \"%s\"", i,
				  e.detail, cases[i].why);
	}
}

TEST(bad_pageview_site_and_empty_lines)
{
	static const struct {
		const char *line, *why;
	} cases[] = {
	    {"", "expected '{'"},
	    {"   ", "expected '{'"},
	    {"{", "expected a string key"},
	    {"{}", "missing field \"type\""},
	    {"null", "expected '{'"},
	    {"{\"type\":\"site\",\"format\":3,\"future\":[1]}",
	     "\"format\": 3 is not a format this calor reads (1..2)"},
	    {"{\"type\":\"site\",\"format\":1,\"key\":\"k\",\"name\":\"n\","
	     "\"origins\":[],\"created\":1,\"exported\":1,\"settings\":{}}",
	     "unknown field \"settings\" in a site line"},
	    {"{\"type\":\"site\",\"format\":2,\"key\":\"k\",\"name\":\"n\","
	     "\"origins\":[],\"created\":1,\"exported\":1}",
	     "missing field \"settings\" in a site line"},
	    {"{\"type\":\"site\",\"format\":2,\"key\":\"k\",\"name\":\"n\","
	     "\"origins\":[],\"created\":1,\"exported\":1,\"settings\":"
	     "{\"rage_clicks\":1000}}",
	     "\"settings\": rage_clicks: must be"},
	    {"{\"type\":\"site\",\"format\":2,\"key\":\"k\",\"name\":\"n\","
	     "\"origins\":[],\"created\":1,\"exported\":1,\"settings\":"
	     "{\"colour\":1}}",
	     "\"settings\": \"colour\" is not a setting"},
	    {"{\"type\":\"site\",\"format\":2,\"key\":\"k\",\"name\":\"n\","
	     "\"origins\":[],\"created\":1,\"exported\":1,\"settings\":"
	     "{\"rage_ms\":1.5}}",
	     "\"settings\": \"rage_ms\" must be an integer"},
	    {"{\"type\":\"site\",\"format\":1,\"key\":\"k k\",\"name\":\"n\","
	     "\"origins\":[],\"created\":1,\"exported\":1}",
	     "\"key\": must be"},
	    {"{\"type\":\"site\",\"format\":1,\"key\":\"k\",\"name\":\"n\","
	     "\"origins\":[1],\"created\":1,\"exported\":1}",
	     "\"origins\": must be an array"},
	    {"{\"type\":\"goal\",\"pv\":\"pv_abcdefgh\",\"session\":"
	     "\"s_abcdefgh\",\"page\":\"/\",\"name\":\"Buy\",\"ts\":1}",
	     "\"name\": must be 1..64 characters of [a-z0-9_-]"},
	    {"{\"type\":\"end\",\"pageviews\":-1,\"clicks\":0,\"moves\":0,"
	     "\"goals\":0}",
	     "\"pageviews\": must be an integer"},
	};
	struct ndjson_record r;
	struct ndjson_error e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].line, &r, &e) != CALOR_EINVAL)
			FAIL_HERE("case %zu accepted: %s", i, cases[i].line);
		if (!strstr(e.detail, cases[i].why))
			FAIL_HERE("case %zu: detail \"%s\" lacks \"%s\"", i,
				  e.detail, cases[i].why);
	}
}

/* A valid page view line with its tags and dwell replaced. */
static int parse_pageview(const char *tags, const char *dwell,
			  struct ndjson_record *r, struct ndjson_error *e)
{
	static char buf[NDJSON_MAX_LINE + 1];
	int n = snprintf(
	    buf, sizeof(buf),
	    "{\"type\":\"pageview\",\"id\":\"pv_abcdefgh\",\"session\":"
	    "\"s_abcdefgh\",\"page\":\"/\",\"referrer\":\"\",\"device\":"
	    "\"desktop\",\"vw\":1440,\"vh\":900,\"dpr\":1,\"is_new\":false,"
	    "\"ts\":1,\"browser\":\"chrome\",\"os\":\"linux\",\"utm_source\":"
	    "\"\",\"utm_medium\":\"\",\"utm_campaign\":\"\",\"utm_term\":\"\","
	    "\"utm_content\":\"\",\"fold\":0,\"reversals\":0,\"max_depth\":0,"
	    "\"doc_h\":0,\"tags\":%s,\"dwell\":%s}",
	    tags, dwell);
	if (n < 0 || n >= (int)sizeof(buf))
		abort();
	return ndjson_parse_line(parser(), buf, (size_t)n, r, e);
}

static void fill_list(char *buf, size_t size, int n, const char *item)
{
	size_t o = 0;

	buf[o++] = '[';
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? "," : "",
				      item);
	snprintf(buf + o, size - o, "]");
}

TEST(pageview_tags_dwell_and_dpr_caps)
{
	static char list[8192];
	struct ndjson_record r;
	struct ndjson_error e;

	ASSERT_EQ(parse_pageview("{}", "null", &r, &e), 0);
	fill_list(list, sizeof(list), 100, "4294967295");
	ASSERT_EQ(parse_pageview("{\"a\":\"\"}", list, &r, &e), 0);
	ASSERT_EQ(r.u.pageview.dwell[99], UINT32_MAX);
	fill_list(list, sizeof(list), 99, "1");
	ASSERT_EQ(parse_pageview("{}", list, &r, &e), CALOR_EINVAL);
	ASSERT(strstr(e.detail, "\"dwell\": must be null or an array of 100"));
	fill_list(list, sizeof(list), 100, "4294967296");
	ASSERT_EQ(parse_pageview("{}", list, &r, &e), CALOR_EINVAL);
	fill_list(list, sizeof(list), 300, "1");
	ASSERT_EQ(parse_pageview("{}", list, &r, &e), CALOR_EINVAL);
	ASSERT(strstr(e.detail, "more than 256 elements"));
	ASSERT_EQ(parse_pageview("{}", "[]", &r, &e), CALOR_EINVAL);
	ASSERT_EQ(parse_pageview("{\"Ab\":\"x\"}", "null", &r, &e),
		  CALOR_EINVAL);
	ASSERT(strstr(e.detail, "\"tags\": key \"Ab\" must be"));
	ASSERT_EQ(parse_pageview("{\"a\":\"x\",\"a\":\"y\"}", "null", &r, &e),
		  CALOR_EINVAL);
	ASSERT(strstr(e.detail, "duplicate key \"a\""));
	ASSERT_EQ(parse_pageview("{\"a\":1}", "null", &r, &e), CALOR_EINVAL);
	ASSERT_EQ(parse_pageview("[]", "null", &r, &e), CALOR_EINVAL);
	ASSERT(strstr(e.detail, "\"tags\": must be an object"));
	/* 101 tags: past STORE_EXPORT_MAX_TAGS */
	{
		size_t o = 0;
		list[o++] = '{';
		for (int i = 0; i <= STORE_EXPORT_MAX_TAGS; i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o,
					      "%s\"t%d\":\"v\"", i ? "," : "",
					      i);
		snprintf(list + o, sizeof(list) - o, "}");
		ASSERT_EQ(parse_pageview(list, "null", &r, &e), CALOR_EINVAL);
		ASSERT(strstr(e.detail, "at most 100 tags"));
	}
}

TEST(line_length_cap)
{
	static char big[NDJSON_MAX_LINE + 2];
	struct ndjson_record r;
	struct ndjson_error e;

	memset(big, ' ', sizeof(big));
	ASSERT_EQ(ndjson_parse_line(parser(), big, NDJSON_MAX_LINE + 1, &r, &e),
		  CALOR_ETOOBIG);
	ASSERT(strstr(e.detail, "longer than 65536 bytes"));
	/* a line of exactly the cap is read (here: a click padded with
	 * spaces) */
	memcpy(big, click_line, strlen(click_line));
	ASSERT_EQ(ndjson_parse_line(parser(), big, NDJSON_MAX_LINE, &r, &e), 0);
	ASSERT_EQ(r.u.click.x, 700);
}

/* Deterministic mutations of valid lines: every result is 0 or
 * CALOR_EINVAL, and ASan/UBSan see every byte touched. */
TEST(mutated_lines_never_crash)
{
	static char buf[1024];
	struct ndjson_record r;
	struct ndjson_error e;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t len0 = strlen(click_line), ok = 0;

	for (int iter = 0; iter < 200000; iter++) {
		size_t len = len0;
		int rc;

		memcpy(buf, click_line, len0);
		for (int k = 0; k < 1 + iter % 4; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			switch (seed % 4) {
			case 0:
				buf[(seed >> 8) % len] = (char)(seed >> 24);
				break;
			case 1: len = (seed >> 8) % len + 1; break;
			case 2:
				buf[(seed >> 8) % len] =
				    "{}[]\",:\\0123456789-.eEtfnu "[(seed >>
								     32) %
								    27];
				break;
			default:
				if (len + 1 < sizeof(buf)) {
					size_t at = (seed >> 8) % len;
					memmove(buf + at + 1, buf + at,
						len - at);
					len++;
				}
			}
		}
		rc = ndjson_parse_line(parser(), buf, len, &r, &e);
		if (rc != 0 && rc != CALOR_EINVAL)
			FAIL_HERE("rc %d", rc);
		if (rc == CALOR_EINVAL && !e.detail[0])
			FAIL_HERE("refusal without a reason");
		ok += rc == 0;
	}
	ASSERT(ok > 0); /* some mutations keep the line valid */
}

/* ---- the line reader ---- */

TEST(reader_lines_crlf_last_line_and_too_long)
{
	static char input[3 * NDJSON_MAX_LINE];
	struct ndjson_reader *r = NULL;
	const char *line;
	size_t len, o = 0;
	FILE *f;

	o += (size_t)snprintf(input + o, sizeof(input) - o, "one\r\n\ntwo\n");
	memset(input + o, 'x', NDJSON_MAX_LINE + 10);
	o += NDJSON_MAX_LINE + 10;
	o += (size_t)snprintf(input + o, sizeof(input) - o, "\nthree");
	f = fmemopen(input, o, "r");
	ASSERT(f != NULL);
	ASSERT_EQ(ndjson_reader_new(f, &r), 0);
	ASSERT_EQ(ndjson_reader_next(r, &line, &len), 1);
	ASSERT_EQ(len, 3);
	ASSERT(memcmp(line, "one", 3) == 0);
	ASSERT_EQ(ndjson_reader_next(r, &line, &len), 1);
	ASSERT_EQ(len, 0);
	ASSERT_EQ(ndjson_reader_next(r, &line, &len), 1);
	ASSERT(len == 3 && memcmp(line, "two", 3) == 0);
	ASSERT_EQ(ndjson_reader_line(r), 3);
	ASSERT_EQ(ndjson_reader_next(r, &line, &len), CALOR_ETOOBIG);
	ASSERT_EQ(ndjson_reader_line(r), 4);
	ASSERT_EQ(ndjson_reader_next(r, &line, &len), 1);
	ASSERT(len == 5 && memcmp(line, "three", 5) == 0);
	ASSERT_EQ(ndjson_reader_line(r), 5);
	ASSERT_EQ(ndjson_reader_next(r, &line, &len), 0);
	ASSERT_EQ(ndjson_reader_offset(r), o);
	ndjson_reader_free(r);
	fclose(f);
}

TEST_MAIN(RUN(parse_click_line); RUN(parse_any_field_order_and_whitespace);
	  RUN(parse_site_goal_end_lines);
	  RUN(bad_lines_are_refused_with_a_reason);
	  RUN(bad_pageview_site_and_empty_lines);
	  RUN(pageview_tags_dwell_and_dpr_caps); RUN(line_length_cap);
	  RUN(mutated_lines_never_crash);
	  RUN(reader_lines_crlf_last_line_and_too_long))
