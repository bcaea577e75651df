/* SPDX-License-Identifier: ISC */
/*
 * db_backup.c: the registry as a whole: SQLite's integrity check and
 * copies through its online backup API (see db.h; certctl backup and
 * restore use them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db_impl.h"

int
db_integrity_check(struct db *db, char *why, size_t whylen)
{
	sqlite3_stmt		*st = NULL;
	const unsigned char	*t;
	int			 rc = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		snprintf(why, whylen, "integrity check: %s", db_errmsg(db));
		goto done;
	}
	if ((t = sqlite3_column_text(st, 0)) == NULL ||
	    strcmp((const char *)t, "ok") != 0) {
		snprintf(why, whylen, "integrity check: %s", t != NULL ?
		    (const char *)t : "no answer");
		goto done;
	}
	rc = 0;
 done:
	sqlite3_finalize(st);
	return rc;
}

/* Copy all of src into dst in steps; 0, or -1 with why. */
static int
copy_pages(sqlite3 *dst, sqlite3 *src, int *steps, char *why, size_t whylen)
{
	sqlite3_backup	*b;
	int		 rc;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		snprintf(why, whylen, "backup: %s", sqlite3_errmsg(dst));
		return -1;
	}
	*steps = 0;
	do {
		rc = sqlite3_backup_step(b, DB_COPY_STEP_PAGES);
		(*steps)++;
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(10);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
		snprintf(why, whylen, "backup: %s", sqlite3_errmsg(dst));
		return -1;
	}
	return 0;
}

/* Copy src's open read snapshot into a new file at path; 0 or -1. */
static int
copy_snapshot(struct db *src, const char *path, int mode, int *steps,
    char *why, size_t whylen)
{
	sqlite3	*dst = NULL;
	int	 rc = -1, fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(why, whylen, "%s: %s", path, dst != NULL ?
		    sqlite3_errmsg(dst) : "cannot create");
		goto done;
	}
	if (copy_pages(dst, src->h, steps, why, whylen) != 0)
		goto done;
	/* one self-contained file: a copy needs no -wal beside it */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		snprintf(why, whylen, "%s: %s", path, sqlite3_errmsg(dst));
		goto done;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(why, whylen, "%s: close failed", path);
		dst = NULL;
		goto done;
	}
	dst = NULL;
	rc = 0;
 done:
	sqlite3_close(dst);
	if (rc != 0)
		(void)unlink(path);
	return rc;
}

int
db_copy_to_file(struct db *db, const char *path, int mode, int *steps,
    char *why, size_t whylen)
{
	int	 rc;

	/*
	 * One read transaction for the whole copy: every step reads the same
	 * snapshot (no restart when a writer commits meanwhile), and in WAL
	 * mode it holds up no writer.
	 */
	if (db_exec(db, "BEGIN") != 0 ||
	    db_exec(db, "SELECT count(*) FROM sqlite_master") != 0) {
		snprintf(why, whylen, "%s: %s", db->path, db_errmsg(db));
		db_rollback(db);
		return -1;
	}
	rc = copy_snapshot(db, path, mode, steps, why, whylen);
	db_rollback(db);	/* a read: nothing to commit */
	return rc;
}

int
db_copy_into(struct db *dst, struct db *src, int *steps, char *why,
    size_t whylen)
{
	return copy_pages(dst->h, src->h, steps, why, whylen);
}
