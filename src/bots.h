/* SPDX-License-Identifier: MIT */
/* bots: tells known crawlers, link previewers, uptime monitors, headless
 * browsers and HTTP libraries from people's browsers by the User-Agent,
 * so /collect can acknowledge their batches without storing them. */
#ifndef CALOR_BOTS_H
#define CALOR_BOTS_H

/* 1 when ua (borrowed; NULL: none sent) matches one of bots_patterns
 * (case-insensitive substrings), else 0. A missing User-Agent is not a
 * bot: server-side senders may send none. */
int bots_match(const char *ua);

/* The patterns, ending with NULL (docs/limits.md lists them). */
extern const char *const bots_patterns[];

#endif
