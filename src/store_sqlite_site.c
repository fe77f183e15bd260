/* SPDX-License-Identifier: MIT */
/* store_sqlite_site: the SQLite backend's sites — adding one (a new random
 * key, or a given one for `calor import`), renaming, origins, settings, and
 * reading them all from one snapshot. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite_int.h"

/* Replace a site's origins inside the open transaction. */
static int origins_write(struct sqlite_store *s, int64_t site_id,
			 const char *const *origins, size_t n_origins)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(s->wdb,
			       "DELETE FROM site_origins WHERE site_id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return sqlite_db_fail(s, s->wdb, "prepare origin delete");
	sqlite3_bind_int64(st, 1, site_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sqlite_db_fail(s, s->wdb, "delete origins");
	sqlite3_finalize(st);
	st = NULL;
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(s->wdb,
			       "INSERT OR IGNORE INTO site_origins(site_id, "
			       "origin) VALUES(?1, ?2)",
			       -1, &st, NULL) != SQLITE_OK)
		return sqlite_db_fail(s, s->wdb, "prepare origin insert");
	for (size_t i = 0; !rc && i < n_origins; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, site_id);
		sqlite3_bind_text(st, 2, origins[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sqlite_db_fail(s, s->wdb, "insert origin");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Insert site (key, name, created time, origins and the settings that
 * differ from their defaults) in one transaction; its id into site->id.
 * CALOR_EEXIST when its key is taken. */
static int site_insert(struct sqlite_store *s, struct store_site *site)
{
	const char *origins[STORE_MAX_ORIGINS];
	struct store_site_config def;
	sqlite3_stmt *st = NULL;
	int rc, in_tx = 0;

	store_config_defaults(&def);
	for (size_t i = 0; i < site->n_origins; i++)
		origins[i] = site->origins[i];
	pthread_mutex_lock(&s->write_lock);
	if ((rc = sqlite_db_exec(s, s->wdb, "BEGIN IMMEDIATE")))
		goto out;
	in_tx = 1;
	if (sqlite3_prepare_v2(s->wdb,
			       "INSERT INTO sites(key, name, created_ms)"
			       " VALUES(?1, ?2, ?3)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = sqlite_db_fail(s, s->wdb, "prepare site insert");
		goto out;
	}
	sqlite3_bind_text(st, 1, site->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, site->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, site->created_ms);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc =
		    sqlite3_extended_errcode(s->wdb) == SQLITE_CONSTRAINT_UNIQUE
			? store_fail(&s->base, CALOR_EEXIST,
				     "a site with key %s exists", site->key)
			: sqlite_db_fail(s, s->wdb, "insert site");
		goto out;
	}
	site->id = sqlite3_last_insert_rowid(s->wdb);
	if ((rc = origins_write(s, site->id, origins, site->n_origins)))
		goto out;
	for (const struct store_config_key *k = store_config_keys; k->name;
	     k++) {
		int32_t v = store_config_get(&site->cfg, k);
		sqlite3_stmt *set = s->st[ST_SETTING_UPSERT];
		if (v == store_config_get(&def, k))
			continue;
		sqlite3_bind_int64(set, 1, site->id);
		sqlite3_bind_text(set, 2, k->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(set, 3, v);
		rc = sqlite3_step(set) == SQLITE_DONE
			 ? 0
			 : sqlite_db_fail(s, s->wdb, "store setting");
		sqlite3_reset(set);
		if (rc)
			goto out;
	}
	if ((rc = sqlite_db_exec(s, s->wdb, "COMMIT")))
		goto out;
	in_tx = 0;
	atomic_fetch_add(&s->version, 1);
out:
	sqlite3_finalize(st);
	if (in_tx)
		sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}

int sqlite_site_add(struct store *base, const char *name,
		    const char *const *origins, size_t n_origins,
		    struct store_site *ret_site)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct store_site site = {0};
	int rc;

	if (!name)
		name = "";
	if ((rc = store_site_fields_check(base, name, origins, n_origins)))
		return rc;
	str_copy(site.name, name, sizeof(site.name));
	site.created_ms = calor_now_ms();
	store_random_key(site.key, 16);
	store_config_defaults(&site.cfg);
	for (size_t i = 0; i < n_origins; i++)
		str_copy(site.origins[site.n_origins++], origins[i],
			 sizeof(site.origins[0]));
	if ((rc = site_insert(s, &site)))
		return rc;
	*ret_site = site;
	return 0;
}

int sqlite_site_create(struct store *base, const struct store_site *in,
		       struct store_site *ret_site)
{
	struct store_site site = *in;
	int rc;

	if ((rc = store_site_check(base, &site)))
		return rc;
	if ((rc = site_insert((struct sqlite_store *)base, &site)))
		return rc;
	*ret_site = site;
	return 0;
}

int sqlite_site_update(struct store *base, int64_t site_id, const char *name,
		       const char *const *origins, size_t n_origins)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = NULL;
	int rc, in_tx = 0;

	if ((rc = store_site_fields_check(base, name, origins, n_origins)))
		return rc;
	pthread_mutex_lock(&s->write_lock);
	if ((rc = sqlite_db_exec(s, s->wdb, "BEGIN IMMEDIATE")))
		goto out;
	in_tx = 1;
	if (sqlite3_prepare_v2(s->wdb,
			       "UPDATE sites SET name = coalesce(?2, name)"
			       " WHERE id = ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = sqlite_db_fail(s, s->wdb, "prepare site update");
		goto out;
	}
	sqlite3_bind_int64(st, 1, site_id);
	if (name)
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = sqlite_db_fail(s, s->wdb, "update site");
		goto out;
	}
	if (sqlite3_changes(s->wdb) == 0) {
		rc = store_fail(base, CALOR_ENOTFOUND, "no such site");
		goto out;
	}
	if (origins && (rc = origins_write(s, site_id, origins, n_origins)))
		goto out;
	if ((rc = sqlite_db_exec(s, s->wdb, "COMMIT")))
		goto out;
	in_tx = 0;
	atomic_fetch_add(&s->version, 1);
out:
	sqlite3_finalize(st);
	if (in_tx)
		sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}

/* Every site's settings over the defaults already in sites[0..n). */
static int settings_load(struct sqlite_store *s, sqlite3 *db,
			 struct store_site *sites, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db,
			       "SELECT site_id, name, value FROM site_settings"
			       " ORDER BY site_id",
			       -1, &st, NULL) != SQLITE_OK)
		return sqlite_db_fail(s, db, "prepare site settings");
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		char err[96];

		for (size_t i = 0; i < n; i++)
			if (sites[i].id == id && name &&
			    store_config_set(&sites[i].cfg, name,
					     sqlite3_column_int64(st, 2), err,
					     sizeof(err)))
				/* a value this calor does not accept (an
				 * older or newer one wrote it): the default
				 * stays */
				log_warn("site %s: setting ignored: %s",
					 sites[i].key, err);
	}
	if (step != SQLITE_DONE)
		rc = sqlite_db_fail(s, db, "read site settings");
	sqlite3_finalize(st);
	return rc;
}

int sqlite_sites_load(struct store *base, struct store_site **ret_sites,
		      size_t *ret_n)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct store_site *sites = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc, step;

	if ((rc = sqlite_read_acquire(s, &db)))
		return rc;
	/* one snapshot for the sites and their settings */
	if ((rc = sqlite_db_exec(s, db, "BEGIN")))
		goto out;
	if (sqlite3_prepare_v2(db,
			       "SELECT s.id, s.key, s.name, s.created_ms, "
			       "o.origin FROM sites s LEFT JOIN site_origins o"
			       " ON o.site_id = s.id ORDER BY s.id, o.origin",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = sqlite_db_fail(s, db, "prepare sites");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *origin = (const char *)sqlite3_column_text(st, 4);
		struct store_site *site;

		if (n == 0 || sites[n - 1].id != id) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				void *p = realloc(sites, ncap * sizeof(*sites));
				if (!p) {
					rc = CALOR_ENOMEM;
					goto out;
				}
				sites = p;
				cap = ncap;
			}
			site = &sites[n++];
			memset(site, 0, sizeof(*site));
			site->id = id;
			str_copy(site->key,
				 (const char *)sqlite3_column_text(st, 1),
				 sizeof(site->key));
			str_copy(site->name,
				 (const char *)sqlite3_column_text(st, 2),
				 sizeof(site->name));
			site->created_ms = sqlite3_column_int64(st, 3);
			store_config_defaults(&site->cfg);
		}
		site = &sites[n - 1];
		if (origin && site->n_origins < STORE_MAX_ORIGINS)
			str_copy(site->origins[site->n_origins++], origin,
				 sizeof(site->origins[0]));
	}
	if (step != SQLITE_DONE) {
		rc = sqlite_db_fail(s, db, "read sites");
		goto out;
	}
	if ((rc = settings_load(s, db, sites, n)))
		goto out;
	*ret_sites = sites;
	*ret_n = n;
	sites = NULL;
out:
	free(sites);
	sqlite3_finalize(st);
	if (db)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite_read_release(s, db);
	return rc;
}

int sqlite_site_set(struct store *base, int64_t site_id, const char *name,
		    int32_t value)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = s->st[ST_SETTING_UPSERT];
	int rc = 0;

	if (!store_config_find(name))
		return store_fail(base, CALOR_EINVAL, "unknown setting %s",
				  name);
	pthread_mutex_lock(&s->write_lock);
	sqlite3_bind_int64(st, 1, site_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, value);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sqlite_db_fail(s, s->wdb, "store setting");
	sqlite3_reset(st);
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}
