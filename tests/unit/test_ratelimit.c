/* SPDX-License-Identifier: MIT */
/* Unit tests for ratelimit (token buckets in a fixed table: burst, refill,
 * Retry-After waits, independent keys, bounded memory) and bots (the
 * User-Agent patterns: bots and headless browsers caught, people's
 * browsers and server-side senders not). */
#include "bots.h"
#include "core.h"
#include "ratelimit.h"
#include "test.h"

TEST(ratelimit_burst_then_rate)
{
	struct ratelimit *rl = NULL;
	const char ip[] = "203.0.113.7";
	int64_t t = 1000000;

	ASSERT_EQ(ratelimit_new(64, 20, 60, &rl), 0);
	for (int i = 0; i < 60; i++)
		ASSERT_EQ(ratelimit_take(rl, ip, sizeof(ip), t), 0);
	/* empty: the next token comes after 1/20 s */
	ASSERT_EQ(ratelimit_take(rl, ip, sizeof(ip), t), 50);
	ASSERT_EQ(ratelimit_take(rl, ip, sizeof(ip), t + 25), 25);
	ASSERT_EQ(ratelimit_take(rl, ip, sizeof(ip), t + 50), 0);
	ASSERT(ratelimit_take(rl, ip, sizeof(ip), t + 50) > 0);
	/* a refused take spends nothing: 20 a second go through */
	for (int i = 1; i <= 20; i++)
		ASSERT_EQ(ratelimit_take(rl, ip, sizeof(ip), t + 50 + i * 50),
			  0);
	/* a long pause refills to the burst, not past it */
	t += 3600000;
	for (int i = 0; i < 60; i++)
		ASSERT_EQ(ratelimit_take(rl, ip, sizeof(ip), t), 0);
	ASSERT(ratelimit_take(rl, ip, sizeof(ip), t) > 0);
	ratelimit_free(rl);
}

TEST(ratelimit_keys_apart)
{
	struct ratelimit *rl = NULL;
	const char a[] = "a", b[] = "b";

	ASSERT_EQ(ratelimit_new(64, 1, 2, &rl), 0);
	ASSERT_EQ(ratelimit_take(rl, a, 1, 0), 0);
	ASSERT_EQ(ratelimit_take(rl, a, 1, 0), 0);
	ASSERT(ratelimit_take(rl, a, 1, 0) > 0);
	ASSERT_EQ(ratelimit_take(rl, b, 1, 0), 0);
	ASSERT_EQ(ratelimit_take(rl, b, 1, 0), 0);
	ASSERT_EQ(ratelimit_take(rl, b, 1, 0), 1000);
	ratelimit_free(rl);
}

TEST(ratelimit_bounded_table)
{
	struct ratelimit *rl = NULL;
	const char held[] = "the one that keeps asking";
	int refused = 0;

	ASSERT_EQ(ratelimit_new(100, 1, 3, &rl), 0);
	ASSERT_EQ(ratelimit_slots(rl), 104); /* whole sets of 8 */
	/* a million spoofed addresses: the table stays its size, and every
	 * new one is let through (its bucket starts full) */
	for (uint32_t i = 0; i < 1000000; i++)
		if (ratelimit_take(rl, &i, sizeof(i), 5000))
			refused++;
	ASSERT_EQ(refused, 0);
	ASSERT_EQ(ratelimit_slots(rl), 104);
	/* a key asking again and again keeps its bucket while others come
	 * and go: the least recently used bucket is the one taken */
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(ratelimit_take(rl, held, sizeof(held), 6000), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		ASSERT(ratelimit_take(rl, held, sizeof(held), 6000 + i) > 0);
		ratelimit_take(rl, &i, sizeof(i), 6000 + i);
	}
	ratelimit_free(rl);
}

TEST(ratelimit_off_and_bad)
{
	struct ratelimit *rl = NULL;

	ASSERT_EQ(ratelimit_new(64, 0, 0, &rl), 0);
	for (int i = 0; i < 1000; i++)
		ASSERT_EQ(ratelimit_take(rl, "x", 1, 0), 0);
	ASSERT_EQ(ratelimit_slots(rl), 0);
	ratelimit_free(rl);
	ASSERT_EQ(ratelimit_take(NULL, "x", 1, 0), 0);
	ASSERT_EQ(ratelimit_new(64, 5, 0.5, &rl), CALOR_EINVAL);
	ASSERT_EQ(ratelimit_new(64, -1, 5, &rl), CALOR_EINVAL);
	ratelimit_free(NULL);
}

TEST(bots_caught)
{
	static const char *const bots[] = {
	    "Mozilla/5.0 (compatible; Googlebot/2.1; "
	    "+http://www.google.com/bot.html)",
	    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
	    "bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0 "
	    "Safari/537.36",
	    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
	    "Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
	    "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, "
	    "like Gecko) PhantomJS/2.1.1 Safari/538.1",
	    "curl/7.88.1",
	    "Wget/1.21.3",
	    "python-requests/2.31.0",
	    "Go-http-client/1.1",
	    "facebookexternalhit/1.1 "
	    "(+http://www.facebook.com/externalhit_uatext.php)",
	    "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Mobile "
	    "Safari/537.36 Chrome-Lighthouse",
	    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
	    "GPTBot/1.2; +https://openai.com/gptbot)",
	};
	for (size_t i = 0; i < sizeof(bots) / sizeof(bots[0]); i++)
		if (!bots_match(bots[i]))
			FAIL_HERE("not caught: %s", bots[i]);
}

TEST(bots_people_pass)
{
	static const char *const people[] = {
	    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 "
	    "(KHTML, like Gecko) Version/17.1 Safari/605.1.15",
	    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
	    "Mobile/15E148 Safari/604.1",
	    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 "
	    "Firefox/121.0",
	    "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36",
	    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 "
	    "Edg/120.0.0.0",
	    "node", /* Node's fetch: server-side senders, calor's tests */
	    "",
	};
	for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++)
		if (bots_match(people[i]))
			FAIL_HERE("taken for a bot: %s", people[i]);
	ASSERT_EQ(bots_match(NULL), 0);
}

TEST_MAIN(RUN(ratelimit_burst_then_rate); RUN(ratelimit_keys_apart);
	  RUN(ratelimit_bounded_table); RUN(ratelimit_off_and_bad);
	  RUN(bots_caught); RUN(bots_people_pass))
