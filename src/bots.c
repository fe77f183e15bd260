/* SPDX-License-Identifier: MIT */
/* bots: the User-Agent patterns of things that are not a person's
 * browser. Generic markers first ("bot/", "crawler", "+http": crawlers
 * name a page about themselves), then the names that carry none. */
#include "bots.h"

#include <string.h>

#include "core.h"

const char *const bots_patterns[] = {
    /* crawlers, by their own conventions */
    "bot/", "crawler", "spider", "+http", "slurp",
    /* search, SEO and AI crawlers without those markers */
    "Googlebot", "bingbot", "Google-InspectionTool", "AdsBot-Google",
    "Mediapartners-Google", "APIs-Google", "FeedFetcher", "Baiduspider",
    "YandexBot", "Exabot", "ia_archiver", "archive.org_bot", "SemrushBot",
    "AhrefsBot", "MJ12bot", "PetalBot", "Bytespider", "GPTBot", "ClaudeBot",
    "CCBot", "PerplexityBot",
    /* link previews */
    "facebookexternalhit", "Twitterbot", "Slackbot", "Discordbot",
    "TelegramBot", "WhatsApp/", "LinkedInBot", "SkypeUriPreview",
    /* performance tools and uptime monitors */
    "Lighthouse", "Page Speed", "GTmetrix", "Pingdom", "UptimeRobot",
    "StatusCake", "Site24x7",
    /* headless and automated browsers */
    "HeadlessChrome", "PhantomJS", "SlimerJS", "Cypress/",
    /* command-line tools and HTTP libraries */
    "curl/", "Wget/", "python-requests/", "python-urllib/", "aiohttp/",
    "httpx/", "Go-http-client/", "libwww-perl/", "Java/", "okhttp/",
    "Apache-HttpClient/", "Scrapy/", "axios/", "node-fetch/", "got (",
    "HTTPie/", "PostmanRuntime/", NULL};

int bots_match(const char *ua)
{
	if (!ua)
		return 0;
	for (size_t i = 0; bots_patterns[i]; i++)
		if (strcasestr(ua, bots_patterns[i]))
			return 1;
	return 0;
}
