/* SPDX-License-Identifier: ISC */
/*
 * db_issuer.c: the registry's issuers (see db.h).
 */
#include <stdlib.h>
#include <string.h>

#include "db_impl.h"

static void
issuer_clear(struct db_issuer *is)
{
	free(is->name);
	free(is->ca_pem);
	free(is->ca_key);
	free(is->signer_pem);
	free(is->signer_key);
	memset(is, 0, sizeof(*is));
}

/* One row of (id, name, ca_cert, ca_key, signer_cert, signer_key); 0 / -1. */
static int
issuer_from_row(sqlite3_stmt *st, struct db_issuer *is)
{
	memset(is, 0, sizeof(*is));
	is->id = sqlite3_column_int64(st, 0);
	is->name = db_col_strdup(st, 1);
	is->ca_pem = db_col_strdup(st, 2);
	is->ca_key = db_col_strdup(st, 3);
	is->signer_pem = db_col_strdup(st, 4);
	is->signer_key = db_col_strdup(st, 5);
	/* all but ca_key are NOT NULL: a NULL here is out of memory */
	if (is->name == NULL || is->ca_pem == NULL || is->signer_pem == NULL ||
	    is->signer_key == NULL ||
	    (is->ca_key == NULL && sqlite3_column_type(st, 3) != SQLITE_NULL)) {
		issuer_clear(is);
		return -1;
	}
	return 0;
}

int
db_issuers_load(struct db *db, struct db_issuer **out, size_t *n)
{
	sqlite3_stmt		*st = NULL;
	struct db_issuer	*v = NULL, *nv;
	size_t			 len = 0, cap = 0;
	int			 rc = -1, step;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db->h, "SELECT id, name, ca_cert, ca_key, "
	    "signer_cert, signer_key FROM issuers ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK)
		goto done;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 8;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto done;
			v = nv;
		}
		if (issuer_from_row(st, &v[len]) != 0)
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
	db_issuers_free(v, len);
	return rc;
}

void
db_issuers_free(struct db_issuer *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		issuer_clear(&v[i]);
	free(v);
}

/* Record the signer an issuer starts using at now; 0 / -1 (db_errmsg). */
static int
signer_add(struct db *db, int64_t issuer_id, const char *signer_pem,
    const char *signer_key, time_t now)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db->h, "INSERT INTO signers (issuer_id, cert, "
	    "key, created_at) VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto done;
	if (sqlite3_bind_int64(st, 1, issuer_id) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, signer_pem, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 3, signer_key, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 4, (int64_t)now) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
 done:
	sqlite3_finalize(st);
	return rc;
}

int64_t
db_issuer_insert(struct db *db, const char *name, const char *ca_pem,
    const char *ca_key, const char *signer_pem, const char *signer_key,
    time_t now)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 id = -1;

	if (sqlite3_prepare_v2(db->h, "INSERT INTO issuers (name, ca_cert, "
	    "ca_key, signer_cert, signer_key, created_at) VALUES (?, ?, ?, ?, "
	    "?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto done;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, ca_pem, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (ca_key != NULL && sqlite3_bind_text(st, 3, ca_key, -1,
	    SQLITE_STATIC) != SQLITE_OK) ||
	    sqlite3_bind_text(st, 4, signer_pem, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, signer_key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, (int64_t)now) != SQLITE_OK)
		goto done;
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db->h);
	if (id >= 0 && signer_add(db, id, signer_pem, signer_key, now) != 0)
		id = -1;
 done:
	sqlite3_finalize(st);
	return id;
}

int
db_issuer_signer_replace(struct db *db, int64_t issuer_id,
    const char *signer_pem, const char *signer_key, time_t now)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db->h, "UPDATE signers SET retired_at = ?2 "
	    "WHERE issuer_id = ?1 AND retired_at IS NULL", -1, &st,
	    NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, issuer_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (int64_t)now) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		goto done;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db->h, "UPDATE issuers SET signer_cert = ?2, "
	    "signer_key = ?3 WHERE id = ?1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, issuer_id) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, signer_pem, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, signer_key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db->h) != 1)
		goto done;
	rc = signer_add(db, issuer_id, signer_pem, signer_key, now);
 done:
	sqlite3_finalize(st);
	return rc;
}
