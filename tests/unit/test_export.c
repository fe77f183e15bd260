/* SPDX-License-Identifier: MIT */
/* Unit tests for export and offline rendering: lines written by export read
 * back field by field, a whole site exported from real SQLite, and
 * `calor render`'s pipeline drawing a known file, checked by decoding the
 * PNG with libspng. */
#include <math.h>
#include <spng.h>
#include <unistd.h>

#include "export.h"
#include "ndjson.h"
#include "offline.h"
#include "test.h"
#include "test_ndjson.h"
#include "test_png.h"

/* ---- lines written by export read back ---- */

TEST(pageview_roundtrip_every_field)
{
	static const struct ingest_tag tags[] = {
	    {"ab", "v\"2<&>"}, {"plan", "pro \xc3\xa9"}, {"z_9", ""}};
	uint32_t dwell[INGEST_BANDS];
	struct store_export_pageview pv = {
	    .id = "pv_8f3a1c2d9e",
	    .session = "s_2b7e4c1a90",
	    .page = "/pricing?plan=pro&x=\"q\"",
	    .referrer = "news.example.com",
	    .device = DEVICE_TABLET,
	    .vw = 820,
	    .vh = 1180,
	    .dpr = 2.625,
	    .is_new = 1,
	    .ts = 1763999990000LL,
	    .browser = BROWSER_FIREFOX,
	    .os = OS_ANDROID,
	    .utm_source = "news\\letter",
	    .utm_medium = "email",
	    .utm_campaign = "spring",
	    .utm_term = "",
	    .utm_content = "b",
	    .fold = 1180,
	    .reversals = 4,
	    .max_depth = 2400,
	    .doc_h = 2600,
	    .tags = tags,
	    .n_tags = 3,
	    .dwell = dwell,
	};
	struct ndjson_record r;
	struct ndjson_error e;
	const struct store_export_pageview *q = &r.u.pageview;
	struct dynbuf b;

	for (int i = 0; i < INGEST_BANDS; i++)
		dwell[i] = i == 99 ? UINT32_MAX : (uint32_t)i * 1000;
	dynbuf_init(&b, NDJSON_MAX_LINE + 1);
	ASSERT_EQ(export_line_pageview(&b, &pv), 0);
	ASSERT_EQ(b.data[b.len - 1], '\n');
	ASSERT(!memchr(b.data, '\n', b.len - 1));
	ASSERT_EQ(ndjson_parse_line(parser(), b.data, b.len - 1, &r, &e), 0);
	ASSERT_EQ(r.type, NDJSON_PAGEVIEW);
	ASSERT_STR(q->id, pv.id);
	ASSERT_STR(q->session, pv.session);
	ASSERT_STR(q->page, pv.page);
	ASSERT_STR(q->referrer, pv.referrer);
	ASSERT_EQ(q->device, DEVICE_TABLET);
	ASSERT_EQ(q->vw, 820);
	ASSERT_EQ(q->vh, 1180);
	ASSERT(q->dpr == 2.625);
	ASSERT_EQ(q->is_new, 1);
	ASSERT_EQ(q->ts, pv.ts);
	ASSERT_EQ(q->browser, BROWSER_FIREFOX);
	ASSERT_EQ(q->os, OS_ANDROID);
	ASSERT_STR(q->utm_source, "news\\letter");
	ASSERT_STR(q->utm_medium, "email");
	ASSERT_STR(q->utm_campaign, "spring");
	ASSERT_STR(q->utm_term, "");
	ASSERT_STR(q->utm_content, "b");
	ASSERT_EQ(q->fold, 1180);
	ASSERT_EQ(q->reversals, 4);
	ASSERT_EQ(q->max_depth, 2400);
	ASSERT_EQ(q->doc_h, 2600);
	ASSERT_EQ(q->n_tags, 3);
	for (int i = 0; i < 3; i++) {
		ASSERT_STR(q->tags[i].key, tags[i].key);
		ASSERT_STR(q->tags[i].value, tags[i].value);
	}
	ASSERT(q->dwell != NULL);
	for (int i = 0; i < INGEST_BANDS; i++)
		ASSERT_EQ(q->dwell[i], dwell[i]);

	/* no attention: "dwell": null; no tags: {} */
	pv.dwell = NULL;
	pv.n_tags = 0;
	pv.dpr = 1.1;
	dynbuf_clear(&b);
	ASSERT_EQ(export_line_pageview(&b, &pv), 0);
	ASSERT(strstr(b.data, "\"dpr\":1.1,") != NULL);
	ASSERT(strstr(b.data, "\"tags\":{},\"dwell\":null}") != NULL);
	ASSERT_EQ(ndjson_parse_line(parser(), b.data, b.len - 1, &r, &e), 0);
	ASSERT(q->dwell == NULL);
	ASSERT_EQ(q->n_tags, 0);
	ASSERT(q->dpr == 1.1);

	/* a value the format cannot say is refused, not written as another */
	pv.os = (enum os_family)99;
	dynbuf_clear(&b);
	ASSERT_EQ(export_line_pageview(&b, &pv), CALOR_EINVAL);
	dynbuf_done(&b);
}

TEST(click_move_goal_end_roundtrip)
{
	struct store_export_click c = {
	    .pageview = "pv_abcdefgh",
	    .page = "/a",
	    .device = DEVICE_MOBILE,
	    .ts = 5,
	    .x = 32767,
	    .y = 999999,
	    .vw = 390,
	    .vh = 844,
	    .dw = 32768,
	    .dh = 1000000,
	    .selector = "div#x\t> span",
	    .off_x = 65535,
	    .el_w = 32768,
	    .el_h = 1000000,
	    .pointer = POINTER_KEY,
	    .flags = CLICK_FIXED | CLICK_DEAD | CLICK_RAGE,
	};
	struct store_export_move m = {
	    "pv_abcdefgh", "/a", DEVICE_DESKTOP, 9, 1, 2, 1440};
	struct store_export_goal g = {"pv_abcdefgh", "s_abcdefgh", "/a", "buy",
				      11};
	struct export_counts n = {1, 2, 3, 4};
	struct ndjson_record r;
	struct ndjson_error e;
	struct dynbuf b;

	dynbuf_init(&b, NDJSON_MAX_LINE + 1);
	/* a tab in a selector is escaped, and then refused by the reader:
	 * the exporter never writes such a line (it checks each line) */
	ASSERT_EQ(export_line_click(&b, &c), 0);
	ASSERT_EQ(ndjson_parse_line(parser(), b.data, b.len - 1, &r, &e),
		  CALOR_EINVAL);
	ASSERT(strstr(e.detail, "\"selector\"") != NULL);
	c.selector = "div#x > span";
	dynbuf_clear(&b);
	ASSERT_EQ(export_line_click(&b, &c), 0);
	ASSERT_EQ(ndjson_parse_line(parser(), b.data, b.len - 1, &r, &e), 0);
	ASSERT_EQ(r.u.click.x, 32767);
	ASSERT_EQ(r.u.click.y, 999999);
	ASSERT_EQ(r.u.click.dh, 1000000);
	ASSERT_EQ(r.u.click.off_x, 65535);
	ASSERT_EQ(r.u.click.off_y, 0);
	ASSERT_EQ(r.u.click.pointer, POINTER_KEY);
	ASSERT_EQ(r.u.click.flags, CLICK_FIXED | CLICK_DEAD | CLICK_RAGE);
	ASSERT_EQ(r.u.click.device, DEVICE_MOBILE);

	dynbuf_clear(&b);
	ASSERT_EQ(export_line_move(&b, &m), 0);
	ASSERT_EQ(ndjson_parse_line(parser(), b.data, b.len - 1, &r, &e), 0);
	ASSERT_EQ(r.type, NDJSON_MOVE);
	ASSERT_EQ(r.u.move.ts, 9);
	ASSERT_EQ(r.u.move.vw, 1440);

	dynbuf_clear(&b);
	ASSERT_EQ(export_line_goal(&b, &g), 0);
	ASSERT_EQ(ndjson_parse_line(parser(), b.data, b.len - 1, &r, &e), 0);
	ASSERT_STR(r.u.goal.name, "buy");
	ASSERT_EQ(r.u.goal.ts, 11);

	dynbuf_clear(&b);
	ASSERT_EQ(export_line_end(&b, &n), 0);
	ASSERT_STR(b.data, "{\"type\":\"end\",\"pageviews\":1,\"clicks\":2,"
			   "\"moves\":3,\"goals\":4}\n");
	c.flags = 32; /* a flag the format has no name for */
	ASSERT_EQ(export_line_click(&b, &c), CALOR_EINVAL);
	c.flags = 0;
	c.pointer = (enum pointer_type)7;
	ASSERT_EQ(export_line_click(&b, &c), CALOR_EINVAL);
	dynbuf_done(&b);
}

/* ---- a whole site from real SQLite ---- */

static char dir[64];

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
}

TEST(export_site_from_sqlite)
{
	static const char body[] =
	    "{\"v\":1,\"site\":\"K\",\"now\":1000000,\"pv\":{\"id\":"
	    "\"pv_exp00001\",\"seq\":0,\"sid\":\"s_exp00001\",\"url\":"
	    "\"/p\",\"ref\":\"r.example\",\"ts\":1000000,\"vw\":1440,\"vh\":"
	    "900,\"dpr\":1.5,\"new\":true,\"utm\":{\"source\":\"nl\"},\"tags\":"
	    "{\"plan\":\"pro\",\"ab\":\"b\"}},\"ev\":[{\"t\":\"click\",\"ts\":"
	    "1000000,\"x\":10,\"y\":20,\"vw\":1440,\"vh\":900,\"dw\":1440,"
	    "\"dh\":3000,\"sel\":\"#a\",\"ex\":1,\"ey\":2,\"ew\":3,\"eh\":4,"
	    "\"pt\":\"pen\",\"fx\":1,\"err\":1},{\"t\":\"scroll\",\"ts\":"
	    "1000000,\"y\":900,\"dh\":3000,\"fold\":900,\"rev\":3},"
	    "{\"t\":\"move\",\"ts\":1000000,\"p\":[5,6,0,7,8,50],\"vw\":1440,"
	    "\"dh\":3000},{\"t\":\"goal\",\"ts\":1000000,\"name\":\"buy\"}]}";
	const char *origins[] = {"https://shop.example"};
	struct store *s = NULL;
	struct store_site site;
	struct arena *a = arena_new(1 << 20);
	struct ingest_batch *b = NULL;
	struct ingest_error ierr;
	struct export_counts n;
	char err[256], *out = NULL, *line, *save = NULL;
	size_t out_len = 0;
	int results[1], k = 0;
	FILE *f;
	static const char *const types[] = {"site", "pageview", "click", "move",
					    "move", "goal",	"end"};

	snprintf(dir, sizeof(dir), "/tmp/calor-unit-XXXXXX");
	ASSERT(mkdtemp(dir) != NULL);
	ASSERT_EQ(store_open(dir, &s, err, sizeof(err)), 0);
	ASSERT_EQ(store_site_add(s, "Shop", origins, 1, &site), 0);
	ASSERT_EQ(store_site_set(s, site.id, "rage_px", 44), 0);
	ASSERT_EQ(ingest_decode(body, sizeof(body) - 1, 1000000, a, &b, &ierr),
		  0);
	b->site_id = site.id;
	b->pv.browser = BROWSER_SAFARI;
	b->pv.os = OS_IOS;
	ASSERT_EQ(store_write_batches(s, (const struct ingest_batch **)&b, 1,
				      results),
		  0);
	f = open_memstream(&out, &out_len);
	ASSERT_EQ(export_site(s, site.key, 42, f, &n, err, sizeof(err)), 0);
	fclose(f);
	ASSERT_EQ(n.pageviews, 1);
	ASSERT_EQ(n.clicks, 1);
	ASSERT_EQ(n.moves, 2);
	ASSERT_EQ(n.goals, 1);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), k++) {
		struct ndjson_record r;
		struct ndjson_error e;

		ASSERT(k < 7);
		ASSERT_EQ(parse(line, &r, &e), 0);
		ASSERT_STR(ndjson_type_name(r.type), types[k]);
		if (r.type == NDJSON_SITE) {
			ASSERT_STR(r.u.site.key, site.key);
			ASSERT_STR(r.u.site.name, "Shop");
			ASSERT_EQ(r.u.site.n_origins, 1);
			ASSERT_STR(r.u.site.origins[0], "https://shop.example");
			ASSERT_EQ(r.u.site.exported_ms, 42);
			ASSERT_EQ(r.u.site.format, NDJSON_FORMAT);
			ASSERT_EQ(r.u.site.has_settings, 1);
			ASSERT_EQ(r.u.site.settings.rage_px, 44);
			ASSERT_EQ(r.u.site.settings.rage_ms, STORE_RAGE_MS);
		} else if (r.type == NDJSON_PAGEVIEW) {
			const struct store_export_pageview *pv = &r.u.pageview;
			ASSERT_STR(pv->id, "pv_exp00001");
			ASSERT_STR(pv->page, "/p");
			ASSERT_STR(pv->referrer, "r.example");
			ASSERT(pv->dpr == 1.5);
			ASSERT_EQ(pv->is_new, 1);
			ASSERT_EQ(pv->browser, BROWSER_SAFARI);
			ASSERT_EQ(pv->os, OS_IOS);
			ASSERT_STR(pv->utm_source, "nl");
			ASSERT_EQ(pv->fold, 900);
			ASSERT_EQ(pv->reversals, 3);
			ASSERT_EQ(pv->max_depth, 900);
			ASSERT_EQ(pv->doc_h, 3000);
			ASSERT_EQ(pv->n_tags, 2); /* sorted by key */
			ASSERT_STR(pv->tags[0].key, "ab");
			ASSERT_STR(pv->tags[1].value, "pro");
			ASSERT(pv->dwell == NULL);
		} else if (r.type == NDJSON_CLICK) {
			ASSERT_STR(r.u.click.pageview, "pv_exp00001");
			ASSERT_EQ(r.u.click.x, 10);
			ASSERT_EQ(r.u.click.el_h, 4);
			ASSERT_EQ(r.u.click.pointer, POINTER_PEN);
			ASSERT_EQ(r.u.click.flags, CLICK_FIXED | CLICK_ERROR);
		} else if (r.type == NDJSON_MOVE && k == 4) {
			ASSERT_EQ(r.u.move.x, 7);
			ASSERT_EQ(r.u.move.y, 8);
			ASSERT_EQ(r.u.move.ts, 1000050);
		} else if (r.type == NDJSON_END) {
			ASSERT_EQ(r.u.end.moves, 2);
		}
	}
	ASSERT_EQ(k, 7);
	f = open_memstream(&out, &out_len);
	ASSERT_EQ(export_site(s, "nosuchkey", 42, f, NULL, err, sizeof(err)),
		  CALOR_ENOTFOUND);
	ASSERT(strstr(err, "no site has the key nosuchkey"));
	fclose(f);
	free(out);
	arena_free(a);
	store_close(s);
	remove_dir();
}

/* ---- rendering a known file ---- */

static void add_click(FILE *f, const char *page, const char *device, int x,
		      int y, int vw, int dh)
{
	fprintf(f,
		"{\"type\":\"click\",\"pv\":\"pv_abcdefgh\",\"page\":\"%s\","
		"\"device\":\"%s\",\"ts\":1,\"x\":%d,\"y\":%d,\"vw\":%d,"
		"\"vh\":800,\"dw\":%d,\"dh\":%d,\"selector\":\"a\",\"ex\":0,"
		"\"ey\":0,\"ew\":1,\"eh\":1,\"pointer\":\"mouse\",\"fixed\":"
		"false,\"interactive\":true,\"dead\":false,\"error\":false,"
		"\"rage\":false}\n",
		page, device, x, y, vw, vw, dh);
}

/* The known file: 20 desktop clicks at (300, 400) and 5 at (1000, 1500)
 * on /home at vw 1440, the same 20 at vw 720 (x 150: projected to 300),
 * 30 mobile clicks at (100, 100) and 40 on /other at (50, 50): 115
 * click lines in 118 lines. */
static FILE *known_file(void)
{
	FILE *f = tmpfile();

	fprintf(f, "{\"type\":\"site\",\"format\":1,\"key\":\"k\",\"name\":"
		   "\"n\",\"origins\":[],\"created\":1,\"exported\":2}\n\n");
	for (int i = 0; i < 20; i++) {
		add_click(f, "/home", "desktop", 300, 400, 1440, 2000);
		add_click(f, "/home", "desktop", 150, 400, 1440 / 2, 2000);
	}
	for (int i = 0; i < 5; i++)
		add_click(f, "/home", "desktop", 1000, 1500, 1440, 2000);
	for (int i = 0; i < 30; i++)
		add_click(f, "/home", "mobile", 100, 100, 390, 1200);
	for (int i = 0; i < 40; i++)
		add_click(f, "/other", "desktop", 50, 50, 1440, 3000);
	fprintf(f, "{\"type\":\"end\",\"pageviews\":0,\"clicks\":115,"
		   "\"moves\":0,\"goals\":0}\n");
	rewind(f);
	return f;
}

/* The pixel with the largest alpha, then the reddest: where the heat
 * peaks in the classic palette. */
static void hottest(const uint8_t *rgba, uint32_t w, uint32_t h, int *ret_x,
		    int *ret_y)
{
	long best = -1;

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *p = rgba + ((size_t)y * w + x) * 4;
			long score = p[3] * 1024L + p[0] * 2 - p[1] - p[2];
			if (score > best) {
				best = score;
				*ret_x = (int)x;
				*ret_y = (int)y;
			}
		}
}

static struct offline_options default_options(void)
{
	struct offline_options o = {.width = 1440,
				    .scale = 1,
				    .radius = 25,
				    .palette = RENDER_PALETTE_CLASSIC,
				    .device = DEVICE_DESKTOP,
				    .page = "/home"};
	return o;
}

TEST(render_known_file_hot_spot)
{
	struct offline_options o = default_options();
	struct offline_stats st;
	struct offline_error err;
	void *png = NULL, *png2 = NULL;
	size_t len = 0, len2 = 0;
	uint8_t *rgba = NULL;
	uint32_t w = 0, h = 0;
	int hx = -1, hy = -1;
	FILE *f = known_file();

	ASSERT_EQ(offline_render(f, &o, &png, &len, &st, &err), 0);
	ASSERT_EQ(st.click_lines, 115);
	ASSERT_EQ(st.clicks, 45);
	ASSERT_EQ(st.lines, 118);
	ASSERT_EQ(st.width, 1440);
	ASSERT_EQ(st.height, 2000); /* the tallest document of /home */
	ASSERT_EQ(st.mixed_pages, 0);
	ASSERT_EQ(png_decode(png, len, &rgba, &w, &h), 0);
	ASSERT_EQ(w, 1440);
	ASSERT_EQ(h, 2000);
	hottest(rgba, w, h, &hx, &hy);
	/* 40 clicks at (300, 400), pixel centres at +0.5 */
	ASSERT(abs(hx - 300) <= 1 && abs(hy - 400) <= 1);
	/* the second cluster shows, the mobile and /other clicks do not */
	ASSERT(rgba[((size_t)1500 * w + 1000) * 4 + 3] > 40);
	ASSERT_EQ(rgba[((size_t)50 * w + 50) * 4 + 3], 0);
	ASSERT_EQ(rgba[((size_t)100 * w + 100) * 4 + 3], 0);
	free(rgba);
	rgba = NULL;

	/* the same input gives the same bytes */
	rewind(f);
	ASSERT_EQ(offline_render(f, &o, &png2, &len2, &st, &err), 0);
	ASSERT_EQ(len2, len);
	ASSERT(memcmp(png, png2, len) == 0);
	free(png2);
	png2 = NULL;

	/* mobile at its own width: only the mobile clusters, at scale 2 */
	o.device = DEVICE_MOBILE;
	o.width = 390;
	o.scale = 2;
	rewind(f);
	ASSERT_EQ(offline_render(f, &o, &png2, &len2, &st, &err), 0);
	ASSERT_EQ(st.clicks, 30);
	ASSERT_EQ(png_decode(png2, len2, &rgba, &w, &h), 0);
	ASSERT_EQ(w, 195);
	ASSERT_EQ(h, 600);
	hottest(rgba, w, h, &hx, &hy);
	ASSERT(abs(hx - 50) <= 1 && abs(hy - 50) <= 1);
	free(rgba);
	free(png2);
	free(png);
	fclose(f);
}

TEST(render_without_page_filter_says_pages_mixed)
{
	struct offline_options o = default_options();
	struct offline_stats st;
	struct offline_error err;
	void *png = NULL;
	size_t len = 0;
	FILE *f = known_file();

	o.page = NULL;
	ASSERT_EQ(offline_render(f, &o, &png, &len, &st, &err), 0);
	ASSERT_EQ(st.clicks, 85);
	ASSERT_EQ(st.mixed_pages, 1);
	ASSERT_EQ(st.height, 3000);
	free(png);
	fclose(f);
}

/* A copy of the known file with line n (1-based) replaced by text. */
static FILE *known_file_with(int n, const char *text)
{
	FILE *src = known_file(), *f = tmpfile();
	char buf[4096];
	int line = 0;

	while (fgets(buf, sizeof(buf), src))
		fputs(++line == n ? text : buf, f);
	fclose(src);
	rewind(f);
	return f;
}

TEST(render_refuses_a_bad_line_or_skips_it)
{
	struct offline_options o = default_options();
	struct offline_stats st;
	struct offline_error err;
	void *png = NULL;
	size_t len = 0;
	FILE *f = known_file_with(7, "{\"type\":\"click\",\"x\":1}\n");

	ASSERT_EQ(offline_render(f, &o, &png, &len, &st, &err), CALOR_EINVAL);
	ASSERT_EQ(err.line, 7);
	ASSERT(strstr(err.detail, "missing field \"pv\" in a click line"));
	ASSERT(png == NULL);
	rewind(f);
	o.skip_bad = 1;
	ASSERT_EQ(offline_render(f, &o, &png, &len, &st, &err), 0);
	ASSERT_EQ(st.bad_lines, 1);
	ASSERT_EQ(st.first_bad_line, 7);
	ASSERT_EQ(st.clicks, 44);
	free(png);
	fclose(f);

	/* a site line anywhere but first */
	o.skip_bad = 0;
	f = known_file_with(9, "{\"type\":\"site\",\"format\":1,\"key\":\"k\","
			       "\"name\":\"n\",\"origins\":[],\"created\":1,"
			       "\"exported\":2}\n");
	ASSERT_EQ(offline_render(f, &o, &png, &len, &st, &err), CALOR_EINVAL);
	ASSERT_EQ(err.line, 9);
	ASSERT(strstr(err.detail, "site line may only be the first"));
	fclose(f);
}

TEST(render_refuses_nothing_to_draw_and_too_big)
{
	struct offline_options o = default_options();
	struct offline_stats st;
	struct offline_error err;
	void *png = NULL;
	size_t len = 0;
	FILE *f = known_file();

	o.device = DEVICE_TABLET;
	ASSERT_EQ(offline_render(f, &o, &png, &len, &st, &err),
		  CALOR_ENOTFOUND);
	ASSERT(strstr(err.detail, "none of the 115 click lines"));
	fclose(f);

	f = tmpfile();
	add_click(f, "/tall", "desktop", 10, 999999, 1440, 1000000);
	rewind(f);
	o = default_options();
	o.page = NULL;
	ASSERT_EQ(offline_render(f, &o, &png, &len, &st, &err), CALOR_ETOOBIG);
	ASSERT(strstr(err.detail, "use a larger --scale"));
	fclose(f);

	o.width = 0;
	ASSERT_EQ(offline_render(stdin, &o, &png, &len, &st, &err),
		  CALOR_EINVAL);
	ASSERT(png == NULL);
}

TEST(render_over_a_background)
{
	struct offline_options o = default_options();
	struct offline_stats st;
	struct offline_error err;
	uint8_t *grey = malloc(720 * 1000 * 4), *rgba = NULL;
	void *bg = NULL, *png = NULL;
	size_t bg_len = 0, len = 0;
	uint32_t w = 0, h = 0;
	const uint8_t *cold, *hot;
	FILE *f = known_file();

	ASSERT(grey != NULL);
	for (size_t i = 0; i < 720 * 1000; i++)
		memcpy(grey + 4 * i, "\x80\x80\x80\xff", 4);
	ASSERT_EQ(render_png_encode(grey, 720, 1000, &bg, &bg_len), 0);
	o.background = bg;
	o.background_len = bg_len;
	ASSERT_EQ(offline_render(f, &o, &png, &len, &st, &err), 0);
	ASSERT_EQ(png_decode(png, len, &rgba, &w, &h), 0);
	/* the background, resized to the heatmap, shows where it is cold
	 * and the heat is drawn over it where the clicks were */
	ASSERT_EQ(w, 1440);
	ASSERT_EQ(h, 2000);
	cold = rgba + ((size_t)1900 * w + 1400) * 4;
	ASSERT(cold[0] == 128 && cold[1] == 128 && cold[2] == 128);
	ASSERT_EQ(cold[3], 255);
	hot = rgba + ((size_t)400 * w + 300) * 4;
	ASSERT_EQ(hot[3], 255);
	ASSERT(hot[0] > 180 && hot[2] < 100);
	free(rgba);
	free(png);
	png = NULL;

	o.background = "not a png";
	o.background_len = 9;
	rewind(f);
	ASSERT_EQ(offline_render(f, &o, &png, &len, &st, &err), CALOR_EINVAL);
	ASSERT(strstr(err.detail, "background: not a valid PNG"));
	ASSERT(png == NULL);
	free(bg);
	free(grey);
	fclose(f);
}

TEST_MAIN(RUN(pageview_roundtrip_every_field);
	  RUN(click_move_goal_end_roundtrip); RUN(export_site_from_sqlite);
	  RUN(render_known_file_hot_spot);
	  RUN(render_without_page_filter_says_pages_mixed);
	  RUN(render_refuses_a_bad_line_or_skips_it);
	  RUN(render_refuses_nothing_to_draw_and_too_big);
	  RUN(render_over_a_background))
