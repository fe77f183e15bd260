/* SPDX-License-Identifier: MIT */
/* store_sqlite_backup: `calor backup` and `calor restore` of a SQLite data
 * directory. A backup is one SQLite file: the database copied with the
 * online backup API from one read snapshot while a server goes on writing,
 * plus the small files kept beside it in the directory, carried in a table
 * of their own that a restore writes back out and drops. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_sqlite_int.h"

#define BACKUP_STEP_PAGES 256	    /* pages per step: 1 MiB at 4 KiB */
#define BACKUP_BUSY_MS	  30000	    /* a step waits this long for a lock */
#define BACKUP_MAX_FILE	  (1 << 20) /* a carried file, at most */
#define BACKUP_MAX_FILES  64
#define BACKUP_PATH_MAX	  4096
#define FILES_TABLE	  "calor_backup_files"
#define DB_NAME		  "calor.db" /* and its -wal, -shm, -journal */

/* ---- helpers ---- */

static int fail(int rc, char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return rc;
}

/* db's last error as a CALOR_E* code, with what and SQLite's message. */
static int db_fail(sqlite3 *db, const char *what, char *err, size_t size)
{
	int code = sqlite3_errcode(db), rc = CALOR_ESTORE;

	if (code == SQLITE_FULL)
		rc = CALOR_EFULL;
	else if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		rc = CALOR_EBUSY;
	else if (code == SQLITE_IOERR || code == SQLITE_CANTOPEN)
		rc = CALOR_EIO;
	return fail(rc, err, size, "%s: %s", what, sqlite3_errmsg(db));
}

static int db_exec(sqlite3 *db, const char *sql, char *err, size_t size)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, sql, err, size);
	return 0;
}

static int path_join(char *out, const char *dir, const char *name,
		     const char *suffix)
{
	int n = snprintf(out, BACKUP_PATH_MAX, "%s/%s%s", dir, name, suffix);
	return n < 0 || n >= BACKUP_PATH_MAX ? CALOR_EINVAL : 0;
}

static int db_open_path(const char *path, int flags, sqlite3 **ret_db,
			char *err, size_t size)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		int rc = fail(CALOR_EIO, err, size, "open %s: %s", path,
			      db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, 5000);
	*ret_db = db;
	return 0;
}

/* A calor database of a schema this binary reads (the first read also
 * starts the snapshot of an open transaction). */
static int schema_check(sqlite3 *db, const char *path, char *err, size_t size)
{
	sqlite3_stmt *st = NULL;
	int version = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT CAST(value AS INTEGER) FROM meta WHERE"
			       " key = 'schema'",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version < 1 || version > sqlite_schema_version())
		return fail(CALOR_ESTORE, err, size,
			    "%s is not a calor database this calor reads "
			    "(schema %d, this calor knows 1..%d)",
			    path, version, sqlite_schema_version());
	return 0;
}

/* PRAGMA integrity_check says "ok", or the first thing it found. */
static int integrity_ok(sqlite3 *db, const char *path, char *err, size_t size)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(db, path, err, size);
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = db_fail(db, path, err, size);
	else if (strcmp(sqlite_text_col(st, 0), "ok") != 0)
		rc = fail(CALOR_ESTORE, err, size,
			  "%s failed its integrity check: %.160s", path,
			  sqlite_text_col(st, 0));
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/* Every page of src's main database into dst's, BACKUP_STEP_PAGES at a
 * time. When src holds an open read transaction, every step copies from
 * that one snapshot, so other connections' commits in the meantime
 * neither restart the copy nor end up in it. */
static int pages_copy(sqlite3 *dst, sqlite3 *src, char *err, size_t size)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int64_t waited = 0;
	int step;

	if (!b)
		return db_fail(dst, "backup", err, size);
	for (;;) {
		step = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		if (step == SQLITE_DONE)
			break;
		if (step == SQLITE_BUSY || step == SQLITE_LOCKED) {
			/* the destination is busy: a server using it */
			if ((waited += 10) > BACKUP_BUSY_MS)
				break;
			calor_sleep_ms(10);
		} else if (step != SQLITE_OK) {
			break;
		}
	}
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE)
		return fail(step == SQLITE_FULL ? CALOR_EFULL : CALOR_ESTORE,
			    err, size, "copying the database: %s",
			    sqlite3_errstr(step));
	return 0;
}

/* Read a whole regular file of at most max bytes; caller frees. */
static int file_read(const char *path, size_t max, unsigned char **ret_data,
		     size_t *ret_len)
{
	unsigned char *data = malloc(max + 1);
	FILE *f = fopen(path, "rb");
	size_t n = 0;
	int rc = 0;

	if (!data || !f) {
		rc = !data ? CALOR_ENOMEM : CALOR_EIO;
		goto out;
	}
	n = fread(data, 1, max + 1, f);
	if (ferror(f))
		rc = CALOR_EIO;
	else if (n > max)
		rc = CALOR_ETOOBIG;
out:
	if (f)
		fclose(f);
	if (rc) {
		free(data);
		return rc;
	}
	*ret_data = data;
	*ret_len = n;
	return 0;
}

/* Write data to dir/name through a temporary name, synced, then renamed
 * over it: a crash leaves the old file or the new one. */
static int file_write(const char *dir, const char *name, int mode,
		      const void *data, size_t len, char *err, size_t size)
{
	char path[BACKUP_PATH_MAX], tmp[BACKUP_PATH_MAX];
	int fd, ok;

	if (path_join(path, dir, name, "") ||
	    path_join(tmp, dir, name, ".restore-tmp"))
		return fail(CALOR_EINVAL, err, size, "path too long: %s", name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 0777);
	if (fd < 0)
		return fail(CALOR_EIO, err, size, "create %s: %s", tmp,
			    strerror(errno));
	ok = (size_t)write(fd, data, len) == len &&
	     fchmod(fd, mode & 0777) == 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return fail(CALOR_EIO, err, size, "write %s: %s", path,
			    strerror(e));
	}
	return 0;
}

/* fsync a directory, so a rename in it survives a crash. */
static void dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The directory part of path ("." when none), into out. */
static void dir_of(const char *path, char *out)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, BACKUP_PATH_MAX, ".");
	else if (slash == path)
		snprintf(out, BACKUP_PATH_MAX, "/");
	else
		snprintf(out, BACKUP_PATH_MAX, "%.*s", (int)(slash - path),
			 path);
}

/* A file of the data directory worth carrying: a plain name, not the
 * database's own files (those go through SQLite) and not a leftover
 * temporary file of a restore. */
static int carried_name(const char *name)
{
	size_t n = strlen(name), tail = strlen(".restore-tmp");

	if (!n || n > 255 || name[0] == '.' ||
	    strncmp(name, DB_NAME, strlen(DB_NAME)) == 0)
		return 0;
	if (n > tail && strcmp(name + n - tail, ".restore-tmp") == 0)
		return 0;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '/' || *p == 0x7f)
			return 0;
	return 1;
}

/* ---- backup ---- */

/* Carry the small regular files of dir (demo-site.key, admin.password...:
 * whatever a setup keeps beside the database) into dst's FILES_TABLE,
 * leaving out the backup being written (same inode as *skip). */
static int files_carry(sqlite3 *dst, const char *dir, const struct stat *skip,
		       struct store_backup_stats *n, char *err, size_t size)
{
	sqlite3_stmt *st = NULL;
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc;

	if (!d)
		return fail(CALOR_EIO, err, size, "read %s: %s", dir,
			    strerror(errno));
	if ((rc = db_exec(dst,
			  "CREATE TABLE " FILES_TABLE "(name TEXT PRIMARY KEY,"
			  " mode INTEGER NOT NULL, data BLOB NOT NULL)",
			  err, size)))
		goto out;
	if (sqlite3_prepare_v2(dst,
			       "INSERT INTO " FILES_TABLE " VALUES(?1, ?2, ?3)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(dst, "prepare files", err, size);
		goto out;
	}
	while (!rc && (e = readdir(d))) {
		char path[BACKUP_PATH_MAX];
		unsigned char *data = NULL;
		size_t len = 0;
		struct stat sb;

		if (!carried_name(e->d_name) ||
		    path_join(path, dir, e->d_name, "") ||
		    lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    (sb.st_dev == skip->st_dev && sb.st_ino == skip->st_ino))
			continue;
		if (n->files == BACKUP_MAX_FILES ||
		    sb.st_size > BACKUP_MAX_FILE ||
		    file_read(path, BACKUP_MAX_FILE, &data, &len)) {
			n->files_skipped++;
			continue;
		}
		sqlite3_bind_text(st, 1, e->d_name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, (int)(sb.st_mode & 0777));
		sqlite3_bind_blob(st, 3, data, (int)len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_fail(dst, "carry a file", err, size);
		else
			n->files++;
		sqlite3_reset(st);
		free(data);
	}
out:
	sqlite3_finalize(st);
	closedir(d);
	return rc;
}

/* What the copy holds: sites, page views, and clicks as the grids count
 * them (one row per width, not one per click). */
static void counts_read(sqlite3 *db, struct store_backup_stats *n)
{
	static const char *const sql[3] = {
	    "SELECT count(*) FROM sites", "SELECT count(*) FROM pageviews",
	    "SELECT coalesce(sum(n), 0) FROM grid_widths WHERE day = -1 AND"
	    " kind = 0"};
	int64_t *out[3] = {&n->sites, &n->pageviews, &n->clicks};

	for (int i = 0; i < 3; i++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) ==
			SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			*out[i] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
}

/* The copy at tmp made a standalone file (one file, no WAL beside it),
 * with the directory's files in it, checked and counted. */
static int backup_finish(sqlite3 *dst, const char *dir, const char *tmp,
			 struct store_backup_stats *n, char *err, size_t size)
{
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int rc;

	if (stat(tmp, &sb) != 0)
		return fail(CALOR_EIO, err, size, "stat %s: %s", tmp,
			    strerror(errno));
	/* the copied header says WAL: read it, then leave WAL for good */
	if (sqlite3_prepare_v2(dst, "PRAGMA journal_mode", -1, &st, NULL) ==
	    SQLITE_OK)
		sqlite3_step(st);
	sqlite3_finalize(st);
	if ((rc = db_exec(dst, "PRAGMA journal_mode=DELETE", err, size)) ||
	    (rc = files_carry(dst, dir, &sb, n, err, size)) ||
	    (rc = integrity_ok(dst, tmp, err, size)))
		return rc;
	counts_read(dst, n);
	return 0;
}

/* fsync a file by name. */
static int file_sync(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return CALOR_EIO;
	ok = fsync(fd) == 0;
	return close(fd) == 0 && ok ? 0 : CALOR_EIO;
}

int store_sqlite_backup(const char *dir, const char *out_path,
			struct store_backup_stats *ret_stats, char *err,
			size_t err_size)
{
	struct store_backup_stats n = {0};
	char src_path[BACKUP_PATH_MAX], tmp[BACKUP_PATH_MAX];
	char out_dir[BACKUP_PATH_MAX];
	sqlite3 *src = NULL, *dst = NULL;
	struct stat sb;
	int rc, fd;

	if (path_join(src_path, dir, DB_NAME, "") ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", out_path) >= (int)sizeof(tmp))
		return fail(CALOR_EINVAL, err, err_size, "path too long");
	if (stat(src_path, &sb) != 0)
		return fail(CALOR_ENOTFOUND, err, err_size,
			    "no calor database in %s (%s)", dir,
			    strerror(errno));
	if ((rc = db_open_path(src_path, SQLITE_OPEN_READWRITE, &src, err,
			       err_size)))
		goto out;
	/* one snapshot for the whole copy: writers go on (WAL) */
	if ((rc = db_exec(src, "BEGIN", err, err_size)) ||
	    (rc = schema_check(src, src_path, err, err_size)))
		goto out;
	/* made first, owner-only: SQLite keeps an existing file's mode, and
	 * a backup holds visitors' events and access control's secrets */
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) <
	    0) {
		rc = fail(CALOR_EIO, err, err_size, "create %s: %s", tmp,
			  strerror(errno));
		goto out;
	}
	close(fd);
	if ((rc = db_open_path(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			       &dst, err, err_size)) ||
	    (rc = pages_copy(dst, src, err, err_size)))
		goto out;
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(src);
	src = NULL;
	if ((rc = backup_finish(dst, dir, tmp, &n, err, err_size)))
		goto out;
	if (sqlite3_close(dst) != SQLITE_OK) {
		rc = fail(CALOR_EIO, err, err_size, "close %s", tmp);
		goto out;
	}
	dst = NULL;
	if (file_sync(tmp) || stat(tmp, &sb) != 0 ||
	    rename(tmp, out_path) != 0) {
		rc = fail(CALOR_EIO, err, err_size, "write %s: %s", out_path,
			  strerror(errno));
		goto out;
	}
	dir_of(out_path, out_dir);
	dir_sync(out_dir);
	n.bytes = (int64_t)sb.st_size;
	*ret_stats = n;
out:
	if (src)
		sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(src);
	sqlite3_close(dst);
	if (rc)
		unlink(tmp); /* no half file that looks whole */
	return rc;
}

/* ---- restore ---- */

/* Each carried file, to cb (name, mode, bytes); stops at cb's error. */
typedef int (*file_cb)(void *ctx, const char *name, int mode, const void *data,
		       size_t len);

static int files_each(sqlite3 *src, file_cb cb, void *ctx, char *err,
		      size_t size)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	/* a backup of a calor without carried files has no table */
	if (sqlite3_prepare_v2(src,
			       "SELECT name, mode, data FROM " FILES_TABLE
			       " ORDER BY name",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = sqlite_text_col(st, 0);
		if (!carried_name(name))
			continue; /* not ours to write */
		rc = cb(ctx, name, sqlite3_column_int(st, 1),
			sqlite3_column_blob(st, 2),
			(size_t)sqlite3_column_bytes(st, 2));
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(src, "read carried files", err, size);
	sqlite3_finalize(st);
	return rc;
}

struct restore {
	const char *dir;
	char *err;
	size_t err_size;
	int files;
};

/* Refuses a file the directory already has (without --force). */
static int file_absent(void *ctx, const char *name, int mode, const void *data,
		       size_t len)
{
	struct restore *r = ctx;
	char path[BACKUP_PATH_MAX];

	(void)mode, (void)data, (void)len;
	if (path_join(path, r->dir, name, "") || access(path, F_OK) == 0)
		return fail(CALOR_EEXIST, r->err, r->err_size,
			    "%s already has %s (--force replaces it)", r->dir,
			    name);
	return 0;
}

static int file_put(void *ctx, const char *name, int mode, const void *data,
		    size_t len)
{
	struct restore *r = ctx;
	int rc = file_write(r->dir, name, mode, data, len, r->err, r->err_size);

	if (!rc)
		r->files++;
	return rc;
}

/* The target refuses unless empty or forced: no database, none of the
 * carried files. */
static int target_check(sqlite3 *src, const char *dir, const char *db_path,
			int force, char *err, size_t size)
{
	struct restore r = {dir, err, size, 0};
	struct stat sb;

	if (force)
		return 0;
	if (stat(db_path, &sb) == 0 && sb.st_size > 0)
		return fail(CALOR_EEXIST, err, size,
			    "%s already has a database (%s); --force replaces "
			    "it",
			    dir, db_path);
	return files_each(src, file_absent, &r, err, size);
}

int store_sqlite_restore(const char *in_path, const char *dir, int force,
			 struct store_backup_stats *ret_stats, char *err,
			 size_t err_size)
{
	struct store_backup_stats n = {0};
	struct restore r = {dir, err, err_size, 0};
	char db_path[BACKUP_PATH_MAX];
	sqlite3 *src = NULL, *dst = NULL;
	struct stat sb;
	int rc;

	if (path_join(db_path, dir, DB_NAME, ""))
		return fail(CALOR_EINVAL, err, err_size, "path too long");
	if (stat(in_path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return fail(CALOR_ENOTFOUND, err, err_size, "no backup file %s",
			    in_path);
	if ((rc = db_open_path(in_path, SQLITE_OPEN_READONLY, &src, err,
			       err_size)))
		goto out;
	/* the whole file checked before anything is touched */
	if ((rc = integrity_ok(src, in_path, err, err_size)) ||
	    (rc = schema_check(src, in_path, err, err_size)) ||
	    (rc = target_check(src, dir, db_path, force, err, err_size)))
		goto out;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		rc = fail(CALOR_EIO, err, err_size, "create %s: %s", dir,
			  strerror(errno));
		goto out;
	}
	/* through SQLite, not a file copy: a WAL file beside an old
	 * database is part of it and must not be replayed over the new */
	if ((rc = db_open_path(db_path,
			       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst,
			       err, err_size)) ||
	    (rc = pages_copy(dst, src, err, err_size)) ||
	    (rc = db_exec(dst, "DROP TABLE IF EXISTS " FILES_TABLE, err,
			  err_size)) ||
	    (rc = db_exec(dst, "PRAGMA journal_mode=WAL", err, err_size)) ||
	    (rc = files_each(src, file_put, &r, err, err_size)))
		goto out;
	counts_read(dst, &n);
	n.bytes = (int64_t)sb.st_size;
	n.files = r.files;
	dir_sync(dir);
	*ret_stats = n;
out:
	sqlite3_close(src);
	sqlite3_close(dst);
	return rc;
}
