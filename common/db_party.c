/* SPDX-License-Identifier: ISC */
/*
 * db_party.c: the registered relying parties (schema 006): the rows the
 * server checks requests against (db_parties_load, db.h) and certctl
 * party's rows and writes (db_party.h).
 */
#include <stdlib.h>
#include <string.h>

#include "db_impl.h"
#include "db_party.h"

#define PARTIES_SCHEMA	6	/* the migration that made the table */

static void
party_clear(struct db_party *p)
{
	free(p->name);
	free(p->cert);
	memset(p, 0, sizeof(*p));
}

/* One row of (id, name, cert, rate); 0 / -1 (out of memory, empty cert). */
static int
party_from_row(sqlite3_stmt *st, struct db_party *p)
{
	const void	*blob;
	int		 len;

	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	p->name = db_col_strdup(st, 1);
	blob = sqlite3_column_blob(st, 2);
	len = sqlite3_column_bytes(st, 2);
	p->rate = sqlite3_column_int(st, 3);
	if (p->name == NULL || blob == NULL || len <= 0 ||
	    (p->cert = malloc((size_t)len)) == NULL) {
		party_clear(p);
		return -1;
	}
	memcpy(p->cert, blob, (size_t)len);
	p->cert_len = (size_t)len;
	return 0;
}

/*
 * A registry older than schema 006 has no parties table: no party is
 * registered there, which is not an error (the server reads an older
 * schema as it is until certctl init upgrades it).  1 when that is why
 * prepare failed, else 0.
 */
static int
parties_absent(struct db *db)
{
	int	 v = db_schema_version(db);

	return v >= 0 && v < PARTIES_SCHEMA;
}

int
db_parties_load(struct db *db, struct db_party **out, size_t *n)
{
	sqlite3_stmt	*st = NULL;
	struct db_party	*v = NULL, *nv;
	size_t		 len = 0, cap = 0;
	int		 rc = -1, step;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db->h, "SELECT id, name, cert, rate FROM "
	    "parties WHERE removed_at IS NULL ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK) {
		if (parties_absent(db))
			rc = 0;
		goto done;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 8;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto done;
			v = nv;
		}
		if (party_from_row(st, &v[len]) != 0)
			goto done;
		len++;
	}
	if (step != SQLITE_DONE)
		goto done;
	*out = v;
	*n = len;
	v = NULL;
	rc = 0;
 done:
	sqlite3_finalize(st);	/* ends the read */
	db_parties_free(v, len);
	return rc;
}

void
db_parties_free(struct db_party *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		party_clear(&v[i]);
	free(v);
}

static void
rec_clear(struct db_party_rec *p)
{
	free(p->name);
	free(p->fingerprint);
	free(p->subject);
	free(p->note);
	free(p->added_by);
	free(p->removed_by);
	memset(p, 0, sizeof(*p));
}

/* A text column that may be NULL: 0, or -1 when out of memory. */
static int
col_opt_strdup(sqlite3_stmt *st, int col, char **out)
{
	*out = NULL;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	return (*out = db_col_strdup(st, col)) != NULL ? 0 : -1;
}

/* One row of REC_COLS; 0 / -1 (out of memory). */
static int
rec_from_row(sqlite3_stmt *st, struct db_party_rec *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	p->name = db_col_strdup(st, 1);
	p->fingerprint = db_col_strdup(st, 2);
	p->subject = db_col_strdup(st, 3);
	p->not_after = (time_t)sqlite3_column_int64(st, 4);
	p->rate = sqlite3_column_int(st, 6);
	p->added_at = (time_t)sqlite3_column_int64(st, 7);
	p->added_by = db_col_strdup(st, 8);
	p->removed_at = (time_t)sqlite3_column_int64(st, 9);	/* NULL: 0 */
	if (p->name == NULL || p->fingerprint == NULL || p->subject == NULL ||
	    p->added_by == NULL || col_opt_strdup(st, 5, &p->note) != 0 ||
	    col_opt_strdup(st, 10, &p->removed_by) != 0) {
		rec_clear(p);
		return -1;
	}
	return 0;
}

int
db_party_records(struct db *db, int all, struct db_party_rec **out, size_t *n)
{
	sqlite3_stmt		*st = NULL;
	struct db_party_rec	*v = NULL, *nv;
	size_t			 len = 0, cap = 0;
	int			 rc = -1, step;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db->h, "SELECT id, name, fingerprint, subject, "
	    "not_after, note, rate, added_at, added_by, removed_at, removed_by "
	    "FROM parties WHERE ?1 OR removed_at IS NULL ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK ||
	    sqlite3_bind_int(st, 1, all != 0) != SQLITE_OK)
		goto done;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 8;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto done;
			v = nv;
		}
		if (rec_from_row(st, &v[len]) != 0)
			goto done;
		len++;
	}
	if (step != SQLITE_DONE)
		goto done;
	*out = v;
	*n = len;
	v = NULL;
	rc = 0;
 done:
	sqlite3_finalize(st);
	db_party_records_free(v, len);
	return rc;
}

void
db_party_records_free(struct db_party_rec *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		rec_clear(&v[i]);
	free(v);
}

int64_t
db_party_insert(struct db *db, const struct db_party_new *p, time_t now)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 id = -1;

	if (p->cert_len == 0 || p->cert_len > (size_t)INT32_MAX)
		return -1;
	if (sqlite3_prepare_v2(db->h, "INSERT INTO parties (name, cert, "
	    "fingerprint, subject, not_after, note, rate, added_at, added_by) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto done;
	if (sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, p->cert, (int)p->cert_len,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, p->fingerprint, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(st, 4, p->subject, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, (int64_t)p->not_after) != SQLITE_OK ||
	    (p->note != NULL && sqlite3_bind_text(st, 6, p->note, -1,
	    SQLITE_STATIC) != SQLITE_OK) ||
	    sqlite3_bind_int(st, 7, p->rate) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 8, (int64_t)now) != SQLITE_OK ||
	    sqlite3_bind_text(st, 9, p->added_by, -1, SQLITE_STATIC) != SQLITE_OK)
		goto done;
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db->h);
 done:
	sqlite3_finalize(st);
	return id;
}

int
db_party_remove(struct db *db, int64_t id, const char *by, time_t now)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db->h, "UPDATE parties SET removed_at = ?2, "
	    "removed_by = ?3 WHERE id = ?1 AND removed_at IS NULL", -1, &st,
	    NULL) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 1, id) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, (int64_t)now) == SQLITE_OK &&
	    sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db->h) == 1)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}
