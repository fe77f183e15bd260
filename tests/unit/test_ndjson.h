/* SPDX-License-Identifier: MIT */
/* Test helpers for the NDJSON format: one parser for the whole test
 * program and a parse() of a NUL-terminated line. */
#ifndef CALOR_TEST_NDJSON_H
#define CALOR_TEST_NDJSON_H

#include <stdlib.h>
#include <string.h>

#include "ndjson.h"

static inline struct ndjson_parser *parser(void)
{
	static struct ndjson_parser *p;
	if (!p && ndjson_parser_new(&p))
		abort();
	return p;
}

static inline int parse(const char *line, struct ndjson_record *rec,
			struct ndjson_error *err)
{
	return ndjson_parse_line(parser(), line, strlen(line), rec, err);
}
#endif
