/* SPDX-License-Identifier: MIT */
/* maint: `calor erase`, `calor backup`, `calor restore` — argument parsing
 * and what each prints; the work is store_erase() and the SQLite backend's
 * backup and restore (store_sqlite_backup.c). */
#include "maint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "query.h"
#include "store.h"

#define DAY_MS 86400000LL

/* The value after argv[*i] when it is option name: 1 and *ret_value, 0
 * when argv[*i] is another option, -1 when the value is missing. */
static int opt(int argc, char **argv, int *i, const char *name,
	       const char **ret_value)
{
	if (strcmp(argv[*i], name) != 0)
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "calor: %s needs a value\n", name);
		return -1;
	}
	*ret_value = argv[++*i];
	return 1;
}

/* A session id as the tracker makes them and /collect accepts them
 * (docs/wire.md, pv.sid). */
static int session_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < INGEST_MIN_ID || n > INGEST_MAX_ID)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* ---- erase ---- */

struct erase_args {
	const char *data, *key, *visitor, *from, *to;
};

static int erase_parse(int argc, char **argv, struct erase_args *a)
{
	for (int i = 0; i < argc; i++) {
		int got = 0;
		/* --store is another name for --data (a directory, or
		 * clickhouse://...) */
		const char **slot[] = {&a->data,    &a->data, &a->key,
				       &a->visitor, &a->from, &a->to};
		const char *names[] = {"--data",    "--store", "--site",
				       "--visitor", "--from",  "--to"};

		for (int k = 0; !got && k < 6; k++)
			got = opt(argc, argv, &i, names[k], slot[k]);
		if (got < 0)
			return 2;
		if (!got) {
			fprintf(stderr, "calor erase: unexpected %s\n",
				argv[i]);
			return 2;
		}
	}
	if (!a->key || (!a->visitor && !a->from && !a->to) ||
	    (!a->from != !a->to)) {
		fprintf(stderr,
			"usage: calor erase --site KEY --visitor SESSION_ID "
			"[--data DIR|--store SPEC]\n"
			"       calor erase --site KEY --from YYYY-MM-DD --to "
			"YYYY-MM-DD [--data DIR|--store SPEC]\n");
		return 2;
	}
	if (a->visitor && !session_valid(a->visitor)) {
		fprintf(stderr,
			"calor erase: --visitor: a session id is %d..%d of "
			"[A-Za-z0-9_-] (the tracker's calor_sid)\n",
			INGEST_MIN_ID, INGEST_MAX_ID);
		return 2;
	}
	return 0;
}

/* The selection: the site by key, the session, the UTC days from..to
 * (inclusive) as [from_ms, to_ms). */
static int erase_select(struct store *s, const struct erase_args *a,
			struct store_pageview_sel *sel)
{
	struct store_site *sites = NULL;
	size_t n = 0;
	int64_t from, to;

	sel->from_ms = INT64_MIN;
	sel->to_ms = INT64_MAX;
	sel->session = a->visitor;
	if (a->from) {
		if (query_parse_date(a->from, &from) ||
		    query_parse_date(a->to, &to) || to < from) {
			fprintf(stderr, "calor erase: --from and --to are "
					"UTC days YYYY-MM-DD, from <= to\n");
			return 2;
		}
		sel->from_ms = from;
		sel->to_ms = to + DAY_MS; /* the whole last day */
	}
	if (store_sites_load(s, &sites, &n)) {
		fprintf(stderr, "calor: %s\n", store_last_error(s));
		return 1;
	}
	sel->site_id = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(sites[i].key, a->key) == 0)
			sel->site_id = sites[i].id;
	free(sites);
	if (!sel->site_id) {
		fprintf(stderr, "calor: no site has the key %s\n", a->key);
		return 1;
	}
	return 0;
}

static void erase_report(const struct erase_args *a,
			 const struct store_purge_stats *n)
{
	printf("calor erase: site %s", a->key);
	if (a->visitor)
		printf(", session %s", a->visitor);
	if (a->from)
		printf(", page views started %s..%s (UTC)", a->from, a->to);
	printf("\nerased %lld page views, %lld clicks, %lld move points, "
	       "%lld goals, %lld tags, %lld batch records\n",
	       (long long)n->pageviews, (long long)n->clicks,
	       (long long)n->moves, (long long)n->goals, (long long)n->tags,
	       (long long)n->batches);
	printf("grids: %lld clicks and move points taken off\n",
	       (long long)n->grid_events);
	if (!n->pageviews && a->visitor)
		fprintf(stderr,
			"calor erase: no page view of session %s on site %s "
			"(erased already, another site, or never stored)\n",
			a->visitor, a->key);
}

int maint_erase_cmd(int argc, char **argv)
{
	struct erase_args a = {.data = "calor-data"};
	struct store_pageview_sel sel;
	struct store_purge_stats n;
	struct store *s = NULL;
	char err[256] = "";
	int rc;

	if ((rc = erase_parse(argc, argv, &a)))
		return rc;
	if ((rc = store_open(a.data, &s, err, sizeof(err)))) {
		fprintf(stderr, "calor: cannot open store %s: %s\n", a.data,
			err[0] ? err : calor_strerror(rc));
		return 1;
	}
	if ((rc = erase_select(s, &a, &sel)))
		goto out;
	/* short transactions: a server on the same data goes on storing
	 * events between them, and sees the change (data version) */
	if (store_erase(s, &sel, NULL, &n)) {
		fprintf(stderr, "calor erase: %s\n", store_last_error(s));
		rc = 1;
		goto out;
	}
	erase_report(&a, &n);
out:
	store_close(s);
	return rc;
}

/* ---- backup and restore ---- */

/* The data directory of --data: a directory or sqlite:DIR, as store_open
 * takes it. */
static const char *data_dir(const char *data)
{
	return strncmp(data, "sqlite:", 7) == 0 ? data + 7 : data;
}

int maint_backup_cmd(int argc, char **argv)
{
	const char *data = "calor-data", *out = NULL;
	struct store_backup_stats n;
	char err[512] = "";
	int rc;

	for (int i = 0; i < argc; i++) {
		int got = opt(argc, argv, &i, "--data", &data);
		if (!got)
			got = opt(argc, argv, &i, "--out", &out);
		if (got <= 0) {
			if (!got)
				fprintf(stderr, "calor backup: unexpected %s\n",
					argv[i]);
			return 2;
		}
	}
	if (!out) {
		fprintf(stderr,
			"usage: calor backup [--data DIR] --out FILE\n");
		return 2;
	}
	if ((rc = store_sqlite_backup(data_dir(data), out, &n, err,
				      sizeof(err)))) {
		fprintf(stderr, "calor backup: %s\n",
			err[0] ? err : calor_strerror(rc));
		return 1;
	}
	printf("calor backup: %s -> %s (%lld bytes): %lld sites, %lld page "
	       "views, %lld clicks, %d files beside the database; integrity "
	       "ok\n",
	       data, out, (long long)n.bytes, (long long)n.sites,
	       (long long)n.pageviews, (long long)n.clicks, n.files);
	if (n.files_skipped)
		fprintf(stderr,
			"calor backup: %d files of %s left out (over 1 MiB, "
			"or past 64 files)\n",
			n.files_skipped, data);
	return 0;
}

int maint_restore_cmd(int argc, char **argv)
{
	const char *data = "calor-data", *in = NULL;
	struct store_backup_stats n;
	struct store *s = NULL;
	char err[512] = "";
	int rc, force = 0;

	for (int i = 0; i < argc; i++) {
		int got = opt(argc, argv, &i, "--data", &data);
		if (!got)
			got = opt(argc, argv, &i, "--in", &in);
		if (!got && strcmp(argv[i], "--force") == 0)
			got = force = 1;
		if (got <= 0) {
			if (!got)
				fprintf(stderr,
					"calor restore: unexpected %s\n",
					argv[i]);
			return 2;
		}
	}
	if (!in) {
		fprintf(stderr, "usage: calor restore --in FILE [--data DIR] "
				"[--force]\n");
		return 2;
	}
	if ((rc = store_sqlite_restore(in, data_dir(data), force, &n, err,
				       sizeof(err)))) {
		fprintf(stderr, "calor restore: %s\n",
			err[0] ? err : calor_strerror(rc));
		return 1;
	}
	/* opened once as serve would: an older backup's schema upgraded */
	if ((rc = store_open(data, &s, err, sizeof(err)))) {
		fprintf(stderr,
			"calor restore: the restored store does not "
			"open: %s\n",
			err[0] ? err : calor_strerror(rc));
		return 1;
	}
	store_close(s);
	printf("calor restore: %s -> %s: %lld sites, %lld page views, %lld "
	       "clicks, %d files beside the database\n",
	       in, data, (long long)n.sites, (long long)n.pageviews,
	       (long long)n.clicks, n.files);
	return 0;
}
