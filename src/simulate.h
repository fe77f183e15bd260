/* SPDX-License-Identifier: MIT */
/* simulate: the `calor simulate` verb (docs/simulate.md). Sessions from
 * sim_model are sent to a calor server's /collect over HTTP (httpc) by a
 * few sender threads; what was sent, acknowledged and planted is printed. */
#ifndef CALOR_SIMULATE_H
#define CALOR_SIMULATE_H

#include <stdint.h>
#include <stdio.h>

#define SIMULATE_MAX_SESSIONS	 10000000
#define SIMULATE_MAX_CONCURRENCY 64
#define SIMULATE_MAX_DAYS	 3650
#define SIMULATE_ATTEMPTS	 6 /* per batch: the first and 5 retries */

struct simulate_options {
	const char *target; /* http://host:port[/prefix] */
	const char *site;
	int64_t sessions;
	uint64_t seed;
	int days;
	int concurrency;
	int json;	   /* one JSON object on stdout */
	int dry_run;	   /* send nothing */
	const char *print; /* NDJSON of every batch to this file, "-" stdout */
	int64_t now_ms;	   /* the simulated now; 0: the clock */
};

/* Parse the verb's arguments (after "simulate"). Returns 0, or 2 after
 * printing the problem to stderr. */
int simulate_parse_args(int argc, char **argv, struct simulate_options *ret);

/* Run the simulation; the report goes to out. Returns the exit status:
 * 0 when every batch was acknowledged (or --dry-run), 1 otherwise. */
int simulate_run(const struct simulate_options *o, FILE *out);

/* `calor simulate ...`: parse and run. Returns the exit status. */
int simulate_cmd(int argc, char **argv);

#endif
