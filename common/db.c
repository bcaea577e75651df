/* SPDX-License-Identifier: ISC */
/*
 * db.c: opening, migrating and the transactions of the registry, and where
 * its history stands (see db.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_impl.h"
#include "log.h"

struct db *
db_open(const char *path, enum db_mode mode, char *err, size_t errlen)
{
	struct db	*db;
	int		 flags, rc;

	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(db);
		return NULL;
	}
	switch (mode) {
	case DB_READONLY:
		flags = SQLITE_OPEN_READONLY;
		break;
	case DB_READWRITE:
		flags = SQLITE_OPEN_READWRITE;
		break;
	default:
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
		break;
	}
	rc = sqlite3_open_v2(path, &db->h, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db->h != NULL ?
		    sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	sqlite3_extended_result_codes(db->h, 1);
	if (mode != DB_READONLY &&
	    db_exec(db, "PRAGMA journal_mode=WAL") != 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db->h));
		goto fail;
	}
	/* NORMAL is durable in WAL mode across process crashes (not power loss
	 * of the last commit); FULL also survives power loss.  Registry writes
	 * are rare: take FULL. */
	if (db_exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL") != 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db->h));
		goto fail;
	}
	/* A read-only opener of a database that is not one gets told here. */
	if (db_schema_version(db) < 0) {
		snprintf(err, errlen, "%s: not a certstatus database (%s)",
		    path, sqlite3_errmsg(db->h));
		goto fail;
	}
	return db;
 fail:
	db_close(db);
	return NULL;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlite3_finalize(db->st_status);
	sqlite3_finalize(db->st_changes);
	sqlite3_finalize(db->st_version);
	sqlite3_finalize(db->st_walk);
	sqlite3_finalize(db->st_card);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

const char *
db_errmsg(struct db *db)
{
	return sqlite3_errmsg(db->h);
}

const char *
db_path(const struct db *db)
{
	return db->path;
}

char *
db_col_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char	*t = sqlite3_column_text(st, col);

	return t != NULL ? strdup((const char *)t) : NULL;
}

int
db_exec(struct db *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("%s: %s", db->path, msg != NULL ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
db_schema_latest(void)
{
	return db_migrations[db_nmigrations - 1].version;
}

int
db_schema_version(struct db *db)
{
	sqlite3_stmt	*st = NULL;
	int		 v = -1, rc;

	rc = sqlite3_prepare_v2(db->h, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name = 'schema_migrations'", -1, &st, NULL);
	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto done;
	if (sqlite3_column_int(st, 0) == 0) {
		v = 0;
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db->h, "SELECT coalesce(max(version), 0) "
	    "FROM schema_migrations", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto done;
	v = sqlite3_column_int(st, 0);
 done:
	sqlite3_finalize(st);
	return v;
}

int
db_migrate(struct db *db, char *err, size_t errlen)
{
	int	 have, i;
	char	 sql[256];

	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	    "applied_at INTEGER NOT NULL)") != 0) {
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
		return -1;
	}
	if ((have = db_schema_version(db)) < 0) {
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
		return -1;
	}
	if (have > db_schema_latest()) {
		snprintf(err, errlen, "%s: schema version %d is newer than this "
		    "program (%d)", db->path, have, db_schema_latest());
		return -1;
	}
	for (i = 0; i < db_nmigrations; i++) {
		const struct db_migration *m = &db_migrations[i];

		if (m->version <= have)
			continue;
		if (db_begin(db) != 0 || db_exec(db, m->sql) != 0)
			goto fail;
		snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations "
		    "VALUES (%d, '%s', strftime('%%s','now'))", m->version,
		    m->name);
		if (db_exec(db, sql) != 0 || db_commit(db) != 0)
			goto fail;
		continue;
 fail:
		snprintf(err, errlen, "%s: migration %s: %s", db->path, m->name,
		    db_errmsg(db));
		db_rollback(db);
		return -1;
	}
	return 0;
}

int
db_begin(struct db *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(struct db *db)
{
	return db_exec(db, "COMMIT");
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		(void)sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int
db_prepare_once(struct db *db, sqlite3_stmt **st, const char *sql)
{
	if (*st != NULL)
		return 0;
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL) != SQLITE_OK) {
		log_warnx("%s: prepare: %s", db->path, db_errmsg(db));
		*st = NULL;
		return -1;
	}
	return 0;
}

int64_t
db_data_version(struct db *db)
{
	int64_t	 v = -1;

	if (db_prepare_once(db, &db->st_version, "PRAGMA data_version") != 0)
		return -1;
	if (sqlite3_step(db->st_version) == SQLITE_ROW)
		v = sqlite3_column_int64(db->st_version, 0);
	sqlite3_reset(db->st_version);
	return v;
}

static int64_t
db_int64_query(struct db *db, const char *sql)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 v = -1;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		log_warnx("%s: %s", db->path, db_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

int64_t
db_change_seq(struct db *db)
{
	return db_int64_query(db, "SELECT change_seq FROM registry_state");
}

int64_t
db_next_change(struct db *db)
{
	return db_int64_query(db, "UPDATE registry_state SET change_seq = "
	    "change_seq + 1 RETURNING change_seq");
}

static int
db_read_mark(struct db *db, struct registry_mark *out)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	/* registry_id arrived with schema 003: an older registry has none */
	if (sqlite3_prepare_v2(db->h, "SELECT change_seq, registry_id FROM "
	    "registry_state", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		st = NULL;
		if (sqlite3_prepare_v2(db->h, "SELECT change_seq, NULL FROM "
		    "registry_state", -1, &st, NULL) != SQLITE_OK)
			goto done;
	}
	if (sqlite3_step(st) != SQLITE_ROW)
		goto done;
	out->change_seq = sqlite3_column_int64(st, 0);
	if (sqlite3_column_type(st, 1) == SQLITE_TEXT)
		snprintf(out->id, sizeof(out->id), "%s",
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db->h, "SELECT id, hash FROM audit ORDER BY id "
	    "DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		goto done;
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		out->audit_id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == (int)sizeof(out->audit_hash))
			memcpy(out->audit_hash, sqlite3_column_blob(st, 1),
			    sizeof(out->audit_hash));
		/* FALLTHROUGH */
	case SQLITE_DONE:
		rc = 0;
		break;
	}
 done:
	if (rc != 0)
		log_warnx("%s: %s: %s", __func__, db->path, db_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* The audit record at id: 0 and its hash, 1 when there is none, -1. */
static int
db_audit_hash_at(struct db *db, int64_t id, unsigned char out[32])
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db->h, "SELECT hash FROM audit WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		memset(out, 0, 32);
		if (sqlite3_column_bytes(st, 0) == 32)
			memcpy(out, sqlite3_column_blob(st, 0), 32);
		rc = 0;
		break;
	case SQLITE_DONE:
		rc = 1;
		break;
	}
 done:
	if (rc < 0)
		log_warnx("%s: %s: %s", __func__, db->path, db_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

int
db_registry_mark(struct db *db, struct registry_mark *out)
{
	int	 rc;

	if (db_exec(db, "BEGIN") != 0)
		return -1;
	rc = db_read_mark(db, out);
	db_rollback(db);	/* a read: nothing to commit */
	return rc;
}

int
db_history_check(struct db *db, const struct registry_mark *seen,
    struct registry_mark *now, char *why, size_t whylen)
{
	unsigned char	 h[32];
	int		 rc = -1, at;

	if (db_exec(db, "BEGIN") != 0)
		return -1;
	if (db_read_mark(db, now) != 0)
		goto done;
	rc = 1;
	if (seen->id[0] != '\0' && strcmp(seen->id, now->id) != 0) {
		snprintf(why, whylen, "another registry (id %s, was %s)",
		    now->id[0] != '\0' ? now->id : "none", seen->id);
		goto done;
	}
	if (now->change_seq < seen->change_seq) {
		snprintf(why, whylen, "change sequence went back from %lld "
		    "to %lld", (long long)seen->change_seq,
		    (long long)now->change_seq);
		goto done;
	}
	if (seen->audit_id > 0) {
		if ((at = db_audit_hash_at(db, seen->audit_id, h)) < 0) {
			rc = -1;
			goto done;
		}
		if (at == 1) {
			snprintf(why, whylen, "audit record %lld is gone (the "
			    "log now ends at %lld)", (long long)seen->audit_id,
			    (long long)now->audit_id);
			goto done;
		}
		if (memcmp(h, seen->audit_hash, sizeof(h)) != 0) {
			snprintf(why, whylen, "audit record %lld differs from "
			    "the one seen (a restored or rewritten history)",
			    (long long)seen->audit_id);
			goto done;
		}
	}
	rc = 0;
 done:
	db_rollback(db);
	return rc;
}
