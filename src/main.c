/* SPDX-License-Identifier: MIT */
/* main: the calor binary. Each verb parses its arguments and wires the
 * modules together; the work is in the library. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "core.h"
#include "export.h"
#include "import.h"
#include "http.h"
#include "maint.h"
#include "offline.h"
#include "retention.h"
#include "simulate.h"
#include "store.h"
#include "writer.h"

#define CALOR_VERSION	  "0.1.0"
#define SHUTDOWN_DRAIN_MS 3000

static void usage(FILE *f)
{
	fprintf(f,
		"usage: calor VERB [options]\n"
		"\n"
		"  serve [--listen ADDR:PORT] [--data DIR] [--demo-site KEY]\n"
		"        [--threads N] [--retention-interval SECONDS]\n"
		"        [--tls-cert FILE --tls-key FILE] [--trust-proxy]\n"
		"        [--max-connections N] [--max-connections-per-ip N]\n"
		"        [--idle-timeout S] [--request-timeout S]\n"
		"        [--max-header-size BYTES] [--collect-ip-rate N]\n"
		"        [--collect-site-rate N]\n"
		"      run the server (default 127.0.0.1:8080, ./calor-data);\n"
		"      sites' retention_days are enforced every SECONDS\n"
		"      (default 3600; the first pass after at most 30 s);\n"
		"      HTTPS with a PEM certificate and key; --trust-proxy\n"
		"      takes clients' addresses from X-Forwarded-For; the\n"
		"      limits and their defaults: docs/limits.md\n"
		"  site add NAME [--origin URL]... [--data DIR]\n"
		"      create a site; prints its key on the first line, then\n"
		"      the snippet to put on its pages\n"
		"  site list [--data DIR]\n"
		"      list sites: key, name, origins\n"
		"  site show KEY [--data DIR]\n"
		"  site set KEY NAME=VALUE... [--data DIR]\n"
		"      show or change a site's settings (frustration rules,\n"
		"      backdate_days, retention_days, snippet options); a\n"
		"      running server sees them in 10 s (retention_days at\n"
		"      its next retention pass)\n"
		"  export --site KEY [--data DIR] [--out FILE]\n"
		"      write a site's events as NDJSON (docs/export.md)\n"
		"  import --in FILE [--site KEY] [--data DIR] [--skip-bad]\n"
		"      write an export into the store: the site is created\n"
		"      under the export's key (name, origins, settings) or,\n"
		"      when the store has it, added to; --site KEY adds to\n"
		"      that existing site instead. The file is checked whole\n"
		"      first: a bad line stores nothing (--skip-bad leaves\n"
		"      bad lines out); importing a file again stores nothing\n"
		"      twice (docs/export.md)\n"
		"  erase --site KEY --visitor SESSION_ID [--data DIR]\n"
		"  erase --site KEY --from YYYY-MM-DD --to YYYY-MM-DD [--data "
		"DIR]\n"
		"      delete a visitor's page views (the tracker's session\n"
		"      id, calor_sid) or those started on those UTC days,\n"
		"      with everything under them and their heatmap counts;\n"
		"      safe while calor serve runs (docs/operations.md)\n"
		"  backup [--data DIR] --out FILE\n"
		"      copy the data directory into one checked file while\n"
		"      calor serve may run\n"
		"  restore --in FILE [--data DIR] [--force]\n"
		"      check a backup and restore it into DIR (refused when\n"
		"      DIR has a database, unless --force; stop serve first)\n"
		"  render --in FILE.ndjson --out FILE.png [--type click]\n"
		"        [--width PX] [--scale N] [--radius PX]\n"
		"        [--palette NAME] [--device desktop|tablet|mobile]\n"
		"        [--page PATH] [--background PAGE.png] [--skip-bad]\n"
		"      draw a click heatmap from an export, without a server\n"
		"  user add NAME [--data DIR]\n"
		"      create a dashboard user; the password is read from the\n"
		"      terminal (twice) or from standard input\n"
		"  token add NAME [--data DIR]\n"
		"      create an API token; prints it alone on the first line\n"
		"  simulate --target URL --site KEY [--sessions N] [--seed S]\n"
		"        [--days D] [--concurrency C] [--json] [--dry-run]\n"
		"        [--print FILE|-] [--now MS]\n"
		"      model visitors of the demo site and send their events\n"
		"      to URL; prints the planted truth (docs/simulate.md)\n"
		"  version\n"
		"\n"
		"--data takes a directory (SQLite, the default ./calor-data);\n"
		"--store SPEC is the same option: a directory, or\n"
		"clickhouse://HOST:PORT/DB[?cluster=NAME] for ClickHouse\n"
		"(docs/deploy.md).\n");
}

/* Returns the value after argv[*i] for option name, or NULL. --store is another name for --data: a directory or file (SQLite) or
 * clickhouse://HOST:PORT/DB[?cluster=NAME] (docs/deploy.md). */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	if (strcmp(argv[*i], name) != 0 &&
	    !(strcmp(name, "--data") == 0 && strcmp(argv[*i], "--store") == 0))
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "calor: %s needs a value\n", name);
		exit(2);
	}
	return argv[++*i];
}

static int open_store(const char *data, struct store **ret_store)
{
	char err[256] = "";
	int rc = store_open(data, ret_store, err, sizeof(err));
	if (rc)
		fprintf(stderr, "calor: cannot open store %s: %s\n", data,
			err[0] ? err : calor_strerror(rc));
	return rc;
}

/* A serve option that is a whole number in min..max: 1 when argv[*i] is
 * name (its value in *ret), 0 when it is not; exits on a bad value. */
static int opt_number(int argc, char **argv, int *i, const char *name,
		      int64_t min, int64_t max, int64_t *ret)
{
	const char *v = opt_value(argc, argv, i, name);

	if (!v)
		return 0;
	if (parse_int64(v, min, max, ret)) {
		fprintf(stderr, "calor: %s: %lld..%lld\n", name, (long long)min,
			(long long)max);
		exit(2);
	}
	return 1;
}

/* The serve options of http and api limits; 1 when argv[*i] was one. */
static int serve_limit_option(int argc, char **argv, int *i,
			      struct http_config *cfg,
			      struct api_limits *limits, int *per_ip_given)
{
	const char *v;
	int64_t n;

	if (strcmp(argv[*i], "--trust-proxy") == 0)
		cfg->trust_proxy = 1;
	else if ((v = opt_value(argc, argv, i, "--tls-cert")))
		cfg->tls_cert_file = v;
	else if ((v = opt_value(argc, argv, i, "--tls-key")))
		cfg->tls_key_file = v;
	else if (opt_number(argc, argv, i, "--max-connections", 1, 65536, &n))
		cfg->max_connections = (unsigned)n;
	else if (opt_number(argc, argv, i, "--max-connections-per-ip", 0, 65536,
			    &n)) {
		cfg->max_connections_per_ip = (unsigned)n;
		*per_ip_given = 1;
	} else if (opt_number(argc, argv, i, "--idle-timeout", 1, 3600, &n))
		cfg->idle_timeout_s = (unsigned)n;
	else if (opt_number(argc, argv, i, "--request-timeout", 0, 3600, &n))
		cfg->request_timeout_s = (unsigned)n;
	else if (opt_number(argc, argv, i, "--max-header-size", 4096,
			    1024 * 1024, &n))
		cfg->max_header_bytes = (size_t)n;
	else if (opt_number(argc, argv, i, "--collect-ip-rate", 0, 1000000,
			    &n)) {
		limits->collect_ip_rate = (double)n;
		limits->collect_ip_burst = 3.0 * (double)n;
	} else if (opt_number(argc, argv, i, "--collect-site-rate", 0, 1000000,
			      &n)) {
		limits->collect_site_rate = (double)n;
		limits->collect_site_burst = 5.0 * (double)n;
	} else
		return 0;
	return 1;
}

static int cmd_serve(int argc, char **argv)
{
	struct http_config cfg;
	struct api_limits limits;
	int per_ip_given = 0;
	const char *data = "calor-data", *demo = NULL, *v;
	struct store *store = NULL;
	struct writer *writer = NULL;
	struct retention *retention = NULL;
	int64_t retention_ms = RETENTION_INTERVAL_MS;
	struct api *api = NULL;
	struct http_server *http = NULL;
	const struct http_route *routes;
	size_t n_routes;
	char err[256] = "";
	sigset_t sigs;
	int sig = 0, rc = 1;

	http_config_defaults(&cfg);
	cfg.guard = api_guard;
	cfg.headers = api_default_headers();
	api_limits_defaults(&limits);
	for (int i = 0; i < argc; i++) {
		if (serve_limit_option(argc, argv, &i, &cfg, &limits,
				       &per_ip_given))
			continue;
		if ((v = opt_value(argc, argv, &i, "--listen")))
			cfg.listen = v;
		else if ((v = opt_value(argc, argv, &i, "--data")))
			data = v;
		else if ((v = opt_value(argc, argv, &i, "--demo-site")))
			demo = v;
		else if ((v = opt_value(argc, argv, &i, "--threads"))) {
			int64_t n;
			if (parse_int64(v, 1, 256, &n)) {
				fprintf(stderr, "calor: --threads: 1..256\n");
				return 2;
			}
			cfg.threads = (unsigned)n;
		} else if ((v = opt_value(argc, argv, &i,
					  "--retention-interval"))) {
			int64_t n;
			if (parse_int64(v, 1, 86400, &n)) {
				fprintf(stderr, "calor: --retention-interval: "
						"1..86400 seconds\n");
				return 2;
			}
			retention_ms = n * 1000;
		} else {
			fprintf(stderr, "calor serve: unknown option %s\n",
				argv[i]);
			return 2;
		}
	}
	/* behind a proxy every connection comes from the proxy */
	if (cfg.trust_proxy && !per_ip_given)
		cfg.max_connections_per_ip = 0;
	/* signals are taken by sigwait() below, never by other threads */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (open_store(data, &store))
		goto out;
	if (writer_new(store, &writer)) {
		fprintf(stderr, "calor: cannot start the writer\n");
		goto out;
	}
	if (api_new(store, writer, demo, &limits, &api)) {
		fprintf(stderr, "calor: cannot load sites: %s\n",
			store_last_error(store));
		goto out;
	}
	routes = api_routes(&n_routes);
	if (http_server_new(&cfg, routes, n_routes, api, &http, err,
			    sizeof(err))) {
		fprintf(stderr, "calor: %s\n", err);
		goto out;
	}
	if (retention_new(store, retention_ms, &retention)) {
		fprintf(stderr, "calor: cannot start the retention pass\n");
		goto out;
	}
	log_info("calor %s listening on %s://%s/ (data %s)", CALOR_VERSION,
		 cfg.tls_cert_file ? "https" : "http", cfg.listen, data);
	printf("calor listening on %s://%s/\n",
	       cfg.tls_cert_file ? "https" : "http", cfg.listen);
	fflush(stdout);

	sigwait(&sigs, &sig);
	log_info("signal %d: finishing what was received", sig);
	/* no new connections; every queued batch is committed and answered */
	http_server_quiesce(http);
	retention_stop(retention); /* ends after its current transaction */
	writer_stop(writer);
	for (int64_t t0 = calor_mono_ms();
	     http_server_connections(http) > 0 &&
	     calor_mono_ms() - t0 < SHUTDOWN_DRAIN_MS;)
		usleep(10000);
	rc = 0;
out:
	http_server_free(http);
	retention_free(retention);
	writer_free(writer);
	api_free(api);
	store_close(store);
	if (!rc)
		log_info("stopped");
	return rc;
}

static int cmd_site_add(int argc, char **argv)
{
	const char *origins[STORE_MAX_ORIGINS];
	const char *data = "calor-data", *name = NULL, *v;
	struct store *store = NULL;
	struct store_site site;
	char snippet[512];
	size_t n = 0;
	int rc;

	for (int i = 0; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--data")))
			data = v;
		else if ((v = opt_value(argc, argv, &i, "--origin"))) {
			if (n == STORE_MAX_ORIGINS) {
				fprintf(stderr, "calor: at most %d origins\n",
					STORE_MAX_ORIGINS);
				return 2;
			}
			origins[n++] = v;
		} else if (argv[i][0] == '-' || name) {
			fprintf(stderr, "calor site add: unexpected %s\n",
				argv[i]);
			return 2;
		} else {
			name = argv[i];
		}
	}
	if (!name) {
		usage(stderr);
		return 2;
	}
	if (open_store(data, &store))
		return 1;
	rc = store_site_add(store, name, origins, n, &site);
	if (rc) {
		fprintf(stderr, "calor: cannot add site: %s\n",
			store_last_error(store));
		store_close(store);
		return rc == CALOR_EINVAL ? 2 : 1;
	}
	printf("%s\n", site.key);
	printf("\nAdd this to every page of %s, before </head>:\n\n",
	       site.name);
	api_site_snippet(snippet, sizeof(snippet), "https://YOUR-CALOR-HOST",
			 &site);
	printf("  %s\n", snippet);
	store_close(store);
	return 0;
}

/* `site show KEY` and `site set KEY NAME=VALUE...`: every assignment is
 * checked before any is stored. */
static int cmd_site_settings(int argc, char **argv, int set)
{
	const char *data = "calor-data", *key = NULL, *v;
	const char *names[32];
	int64_t values[32];
	size_t n = 0, n_sites = 0;
	struct store *store = NULL;
	struct store_site *sites = NULL, *site = NULL;
	char err[128];
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if ((v = opt_value(argc, argv, &i, "--data")))
			data = v;
		else if (!key && argv[i][0] != '-' && !eq)
			key = argv[i];
		else if (set && eq && n < 32) {
			*eq = '\0';
			names[n] = argv[i];
			if (parse_int64(eq + 1, INT32_MIN, INT32_MAX,
					&values[n])) {
				fprintf(stderr,
					"calor site set: %s: not an "
					"integer\n",
					argv[i]);
				return 2;
			}
			n++;
		} else {
			fprintf(stderr, "calor site %s: unexpected %s\n",
				set ? "set" : "show", argv[i]);
			return 2;
		}
	}
	if (!key || (set && !n)) {
		usage(stderr);
		return 2;
	}
	if (open_store(data, &store))
		return 1;
	if (store_sites_load(store, &sites, &n_sites)) {
		fprintf(stderr, "calor: %s\n", store_last_error(store));
		goto out;
	}
	for (size_t i = 0; i < n_sites; i++)
		if (strcmp(sites[i].key, key) == 0)
			site = &sites[i];
	if (!site) {
		fprintf(stderr, "calor: no site has the key %s\n", key);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (store_config_set(&site->cfg, names[i], values[i], err,
				     sizeof(err))) {
			fprintf(stderr, "calor site set: %s\n", err);
			rc = 2;
			goto out;
		}
	for (size_t i = 0; i < n; i++)
		if (store_site_set(store, site->id, names[i],
				   (int32_t)values[i])) {
			fprintf(stderr, "calor: %s\n", store_last_error(store));
			goto out;
		}
	for (const struct store_config_key *k = store_config_keys; k->name; k++)
		printf("%s=%d\t# %s (default %d)\n", k->name,
		       store_config_get(&site->cfg, k), k->doc, k->def);
	rc = 0;
out:
	free(sites);
	store_close(store);
	return rc;
}

/* A password from the terminal without echo (asked twice), or one line of
 * standard input when it is not a terminal. */
static int read_password(char *out, size_t size)
{
	int tty = isatty(STDIN_FILENO);
	char again[AUTH_MAX_PASSWORD + 2];
	struct termios old, quiet;

	for (int round = 0; round < (tty ? 2 : 1); round++) {
		char *dst = round ? again : out;
		size_t dsize = round ? sizeof(again) : size;
		size_t n;

		if (tty) {
			fprintf(stderr, round ? "again: " : "password: ");
			tcgetattr(STDIN_FILENO, &old);
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
		}
		if (!fgets(dst, (int)dsize, stdin))
			dst[0] = '\0';
		if (tty) {
			tcsetattr(STDIN_FILENO, TCSANOW, &old);
			fprintf(stderr, "\n");
		}
		n = strcspn(dst, "\r\n");
		dst[n] = '\0';
	}
	if (tty && strcmp(out, again) != 0) {
		fprintf(stderr, "calor: the passwords differ\n");
		return 1;
	}
	sodium_memzero(again, sizeof(again));
	return 0;
}

/* `user add NAME` and `token add NAME`. */
static int cmd_access_add(int argc, char **argv, int token)
{
	const char *data = "calor-data", *name = NULL, *v;
	const char *what = token ? "token" : "user";
	char password[AUTH_MAX_PASSWORD + 2], hash[AUTH_HASH_MAX];
	char secret[64], digest[AUTH_DIGEST_LEN + 1];
	struct store *store = NULL;
	int rc;

	for (int i = 0; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--data")))
			data = v;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else {
			fprintf(stderr, "calor %s add: unexpected %s\n", what,
				argv[i]);
			return 2;
		}
	}
	if (!name || !auth_name_valid(name)) {
		fprintf(stderr,
			"calor %s add: NAME must be 1..%d of "
			"[A-Za-z0-9_.-]\n",
			what, AUTH_MAX_NAME);
		return 2;
	}
	if (token) {
		auth_secret_new("ct_", secret, sizeof(secret));
		auth_digest(secret, digest);
	} else {
		if (read_password(password, sizeof(password)))
			return 1;
		rc = auth_password_hash(password, hash);
		sodium_memzero(password, sizeof(password));
		if (rc) {
			fprintf(stderr, "calor: a password is %d..%d bytes\n",
				AUTH_MIN_PASSWORD, AUTH_MAX_PASSWORD);
			return 2;
		}
	}
	if (open_store(data, &store))
		return 1;
	/* a token is keyed by the digest of 256 random bits, which nothing
	 * else has: no create-if-absent check (on ClickHouse it waits for
	 * racers); a user's name is chosen, so two may meet */
	rc = token ? store_kv_put(store, "token", digest, name, 0, 1)
		   : store_kv_put(store, "user", name, hash, 0, 0);
	if (rc == CALOR_EEXIST)
		fprintf(stderr, "calor: %s %s already exists\n", what, name);
	else if (rc)
		fprintf(stderr, "calor: %s\n", store_last_error(store));
	else if (token)
		printf("%s\nsend it as: Authorization: Bearer %s\n", secret,
		       secret);
	else
		printf("user %s added\n", name);
	store_close(store);
	return rc ? 1 : 0;
}

static int cmd_site_list(int argc, char **argv)
{
	const char *data = "calor-data", *v;
	struct store *store = NULL;
	struct store_site *sites = NULL;
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--data")))
			data = v;
		else {
			fprintf(stderr, "calor site list: unexpected %s\n",
				argv[i]);
			return 2;
		}
	}
	if (open_store(data, &store))
		return 1;
	if (store_sites_load(store, &sites, &n)) {
		fprintf(stderr, "calor: %s\n", store_last_error(store));
		store_close(store);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		printf("%s\t%s", sites[i].key, sites[i].name);
		for (size_t k = 0; k < sites[i].n_origins; k++)
			printf("%s%s", k ? "," : "\t", sites[i].origins[k]);
		printf("\n");
	}
	free(sites);
	store_close(store);
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	const char *data = "calor-data", *key = NULL, *path = NULL, *v;
	struct store *store = NULL;
	struct export_counts n;
	char err[256] = "";
	FILE *out = stdout;
	int rc;

	for (int i = 0; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--site")))
			key = v;
		else if ((v = opt_value(argc, argv, &i, "--data")))
			data = v;
		else if ((v = opt_value(argc, argv, &i, "--out")))
			path = v;
		else {
			fprintf(stderr, "calor export: unexpected %s\n",
				argv[i]);
			return 2;
		}
	}
	if (!key) {
		fprintf(stderr, "calor export: --site KEY is required\n");
		return 2;
	}
	if (open_store(data, &store))
		return 1;
	if (path && !(out = fopen(path, "w"))) {
		fprintf(stderr, "calor export: cannot write %s: %s\n", path,
			strerror(errno));
		store_close(store);
		return 1;
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	rc = export_site(store, key, calor_now_ms(), out, &n, err, sizeof(err));
	if (path && fclose(out) != 0 && !rc) {
		rc = CALOR_EIO;
		snprintf(err, sizeof(err), "write %s: %s", path,
			 strerror(errno));
	}
	if (rc) {
		fprintf(stderr, "calor export: %s\n",
			err[0] ? err : calor_strerror(rc));
		if (path)
			remove(path); /* no half file that looks whole */
	} else if (path) {
		fprintf(stderr,
			"calor export: %lld page views, %lld clicks, %lld "
			"moves, %lld goals to %s\n",
			(long long)n.pageviews, (long long)n.clicks,
			(long long)n.moves, (long long)n.goals, path);
	}
	store_close(store);
	return rc ? 1 : 0;
}

static int cmd_import(int argc, char **argv)
{
	const char *data = "calor-data", *path = NULL, *v;
	struct import_options o = {0};
	struct offline_progress bar = {.f = stderr, .last = -1};
	struct import_stats st;
	struct import_error err;
	struct store *store = NULL;
	struct stat sb;
	FILE *in = NULL;
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--in")))
			path = v;
		else if ((v = opt_value(argc, argv, &i, "--site")))
			o.site_key = v;
		else if ((v = opt_value(argc, argv, &i, "--data")))
			data = v;
		else if (strcmp(argv[i], "--skip-bad") == 0)
			o.skip_bad = 1;
		else {
			fprintf(stderr, "calor import: unexpected %s\n",
				argv[i]);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "calor import: --in FILE is required\n");
		return 2;
	}
	if (!(in = fopen(path, "rb"))) {
		fprintf(stderr, "calor import: cannot read %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	if (open_store(data, &store))
		goto out;
	if (isatty(STDERR_FILENO) && fstat(fileno(in), &sb) == 0 &&
	    sb.st_size >= 8 << 20) {
		o.progress = offline_progress_draw;
		o.progress_ctx = &bar;
	}
	if ((rc = import_file(store, in, &o, &st, &err))) {
		if (bar.last >= 0 && bar.last < 100)
			fputc('\n', stderr);
		if (err.line)
			fprintf(stderr, "calor import: %s: line %lld: %s\n",
				path, (long long)err.line, err.detail);
		else
			fprintf(stderr, "calor import: %s: %s\n", path,
				err.detail[0] ? err.detail
					      : calor_strerror(rc));
		rc = 1;
		goto out;
	}
	if (st.bad_lines)
		fprintf(stderr,
			"calor import: skipped %lld bad lines (first: line "
			"%lld: %s)\n",
			(long long)st.bad_lines, (long long)st.first_bad_line,
			st.first_bad);
	if (st.no_end)
		fprintf(stderr, "calor import: note: no end line, the file "
				"was cut short\n");
	if (st.end_mismatch)
		fprintf(stderr, "calor import: note: the end line's counts "
				"differ from the lines imported\n");
	fprintf(stderr,
		"calor import: site %s (%s): stored %lld page views, %lld "
		"clicks, %lld moves, %lld goals; already there (duplicates) "
		"%lld, %lld, %lld, %lld\n",
		st.site_key, st.site_created ? "created" : "existing",
		(long long)st.pageviews, (long long)st.clicks,
		(long long)st.moves, (long long)st.goals,
		(long long)st.dup_pageviews, (long long)st.dup_clicks,
		(long long)st.dup_moves, (long long)st.dup_goals);
	rc = 0;
out:
	store_close(store);
	fclose(in);
	return rc;
}

static int cmd_render(int argc, char **argv)
{
	static const int default_width[] = {1440, 820, 390};
	struct offline_options o = {.scale = 1, .radius = 25};
	struct offline_progress bar = {.f = stderr, .last = -1};
	struct offline_stats st;
	struct offline_error err;
	const char *in_path = NULL, *out_path = NULL, *bg_path = NULL, *v;
	void *bg = NULL, *png = NULL;
	size_t png_len = 0;
	struct stat sb;
	FILE *in = NULL;
	int64_t n;
	int rc = 2;

	for (int i = 0; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--in")))
			in_path = v;
		else if ((v = opt_value(argc, argv, &i, "--out")))
			out_path = v;
		else if ((v = opt_value(argc, argv, &i, "--background")))
			bg_path = v;
		else if ((v = opt_value(argc, argv, &i, "--page")))
			o.page = v;
		else if ((v = opt_value(argc, argv, &i, "--type"))) {
			if (strcmp(v, "click") != 0) {
				fprintf(stderr, "calor render: --type: only "
						"click is drawn offline\n");
				goto out;
			}
		} else if ((v = opt_value(argc, argv, &i, "--width"))) {
			if (parse_int64(v, 1, INGEST_MAX_DOC_W, &n)) {
				fprintf(stderr,
					"calor render: --width: 1..%d\n",
					INGEST_MAX_DOC_W);
				goto out;
			}
			o.width = (int)n;
		} else if ((v = opt_value(argc, argv, &i, "--scale"))) {
			if (parse_int64(v, 1, OFFLINE_MAX_SCALE, &n)) {
				fprintf(stderr,
					"calor render: --scale: 1..%d\n",
					OFFLINE_MAX_SCALE);
				goto out;
			}
			o.scale = (int)n;
		} else if ((v = opt_value(argc, argv, &i, "--radius"))) {
			if (parse_int64(v, 1, 200, &n)) {
				fprintf(stderr,
					"calor render: --radius: 1..200\n");
				goto out;
			}
			o.radius = (double)n;
		} else if ((v = opt_value(argc, argv, &i, "--palette"))) {
			if (render_palette_parse(v, &o.palette)) {
				fprintf(stderr, "calor render: --palette: "
						"classic or viridis\n");
				goto out;
			}
		} else if ((v = opt_value(argc, argv, &i, "--device"))) {
			if (ingest_device_parse(v, &o.device)) {
				fprintf(stderr, "calor render: --device: "
						"desktop, tablet or mobile\n");
				goto out;
			}
		} else if (strcmp(argv[i], "--skip-bad") == 0) {
			o.skip_bad = 1;
		} else {
			fprintf(stderr, "calor render: unexpected %s\n",
				argv[i]);
			goto out;
		}
	}
	if (!in_path || !out_path) {
		fprintf(stderr, "calor render: --in FILE and --out FILE.png "
				"are required\n");
		goto out;
	}
	if (!o.width)
		o.width = default_width[o.device];
	rc = 1;
	if (bg_path && offline_read_file(bg_path, RENDER_MAX_PNG_BYTES, &bg,
					 &o.background_len)) {
		fprintf(stderr, "calor render: cannot read %s: %s\n", bg_path,
			errno == EFBIG || errno == 0 ? "too large"
						     : strerror(errno));
		goto out;
	}
	o.background = bg;
	in = strcmp(in_path, "-") == 0 ? stdin : fopen(in_path, "rb");
	if (!in) {
		fprintf(stderr, "calor render: cannot read %s: %s\n", in_path,
			strerror(errno));
		goto out;
	}
	if (fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode))
		o.total_bytes = (uint64_t)sb.st_size;
	/* a bar for inputs that take a moment, and only on a terminal */
	if (isatty(STDERR_FILENO) && o.total_bytes >= 8u << 20) {
		o.progress = offline_progress_draw;
		o.progress_ctx = &bar;
	}
	if ((rc = offline_render(in, &o, &png, &png_len, &st, &err))) {
		if (bar.last >= 0 && bar.last < 100)
			fputc('\n', stderr);
		if (err.line)
			fprintf(stderr, "calor render: %s: line %lld: %s\n",
				in_path, (long long)err.line, err.detail);
		else
			fprintf(stderr, "calor render: %s\n", err.detail);
		rc = 1;
		goto out;
	}
	if (offline_write_file(out_path, png, png_len)) {
		fprintf(stderr, "calor render: cannot write %s: %s\n", out_path,
			strerror(errno));
		rc = 1;
		goto out;
	}
	if (st.bad_lines)
		fprintf(stderr,
			"calor render: skipped %lld bad lines (first: line "
			"%lld: %s)\n",
			(long long)st.bad_lines, (long long)st.first_bad_line,
			st.first_bad);
	if (st.mixed_pages)
		fprintf(stderr,
			"calor render: note: clicks of more than one "
			"page drawn together; choose one with --page\n");
	fprintf(stderr,
		"calor render: %lld clicks (of %lld click lines) on a %d x %d "
		"page -> %s, %d x %d px\n",
		(long long)st.clicks, (long long)st.click_lines, st.width,
		st.height, out_path, st.png_w, st.png_h);
out:
	if (in && in != stdin)
		fclose(in);
	free(bg);
	free(png);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 2, argv + 2);
	if (strcmp(argv[1], "site") == 0 && argc >= 3 &&
	    strcmp(argv[2], "add") == 0)
		return cmd_site_add(argc - 3, argv + 3);
	if (strcmp(argv[1], "site") == 0 && argc >= 3 &&
	    strcmp(argv[2], "list") == 0)
		return cmd_site_list(argc - 3, argv + 3);
	if (strcmp(argv[1], "site") == 0 && argc >= 3 &&
	    (strcmp(argv[2], "set") == 0 || strcmp(argv[2], "show") == 0))
		return cmd_site_settings(argc - 3, argv + 3,
					 strcmp(argv[2], "set") == 0);
	if (strcmp(argv[1], "export") == 0)
		return cmd_export(argc - 2, argv + 2);
	if (strcmp(argv[1], "render") == 0)
		return cmd_render(argc - 2, argv + 2);
	if (strcmp(argv[1], "import") == 0)
		return cmd_import(argc - 2, argv + 2);
	if (strcmp(argv[1], "erase") == 0)
		return maint_erase_cmd(argc - 2, argv + 2);
	if (strcmp(argv[1], "backup") == 0)
		return maint_backup_cmd(argc - 2, argv + 2);
	if (strcmp(argv[1], "restore") == 0)
		return maint_restore_cmd(argc - 2, argv + 2);
	if ((strcmp(argv[1], "user") == 0 || strcmp(argv[1], "token") == 0) &&
	    argc >= 3 && strcmp(argv[2], "add") == 0)
		return cmd_access_add(argc - 3, argv + 3,
				      strcmp(argv[1], "token") == 0);
	if (strcmp(argv[1], "simulate") == 0)
		return simulate_cmd(argc - 2, argv + 2);
	if (strcmp(argv[1], "version") == 0) {
		printf("calor %s\n", CALOR_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "calor: unknown verb %s\n", argv[1]);
	usage(stderr);
	return 2;
}
