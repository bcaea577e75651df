/* SPDX-License-Identifier: ISC */
/*
 * db_crl.c: the CRLs stored in the registry, as the server serves them
 * (see db.h; crlpub.c writes them).
 */
#include <stdlib.h>
#include <string.h>

#include "db_impl.h"

int
db_crl_newest(struct db *db, int64_t issuer_id, enum db_crl_kind kind,
    int64_t have, struct db_crl *out)
{
	return db_crl_newest_part(db, issuer_id, -1, kind, have, out);
}

int
db_crl_newest_part(struct db *db, int64_t issuer_id, int part,
    enum db_crl_kind kind, int64_t have, struct db_crl *out)
{
	sqlite3_stmt	*st = NULL;
	const void	*blob;
	int64_t		 number;
	int		 rc = -1, step;

	/* crls_latest is (issuer_id, part, delta_base IS NULL, number) */
	if (sqlite3_prepare_v2(db->h, kind == DB_CRL_DELTA ?
	    "SELECT number, this_update, next_update, der FROM crls WHERE "
	    "issuer_id = ? AND part = ? AND delta_base IS NOT NULL "
	    "ORDER BY number DESC LIMIT 1" :
	    "SELECT number, this_update, next_update, der FROM crls WHERE "
	    "issuer_id = ? AND part = ? AND delta_base IS NULL "
	    "ORDER BY number DESC LIMIT 1",
	    -1, &st, NULL) != SQLITE_OK) {
		/* a registry before schema 007 (served as it is): no part */
		if (part >= 0 || sqlite3_prepare_v2(db->h, kind == DB_CRL_DELTA ?
		    "SELECT number, this_update, next_update, der FROM crls "
		    "WHERE issuer_id = ? AND delta_base IS NOT NULL AND ?2 < 0 "
		    "ORDER BY number DESC LIMIT 1" :
		    "SELECT number, this_update, next_update, der FROM crls "
		    "WHERE issuer_id = ? AND delta_base IS NULL AND ?2 < 0 "
		    "ORDER BY number DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
			goto done;
	}
	if (sqlite3_bind_int64(st, 1, issuer_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, part) != SQLITE_OK)
		goto done;
	if ((step = sqlite3_step(st)) == SQLITE_DONE) {
		memset(out, 0, sizeof(*out));
		rc = 0;
		goto done;
	}
	if (step != SQLITE_ROW)
		goto done;
	if ((number = sqlite3_column_int64(st, 0)) == have && have != 0) {
		rc = 1;		/* do not copy what the caller holds */
		goto done;
	}
	memset(out, 0, sizeof(*out));
	blob = sqlite3_column_blob(st, 3);
	out->len = (size_t)sqlite3_column_bytes(st, 3);
	if (blob == NULL || out->len == 0 ||
	    (out->der = malloc(out->len)) == NULL) {
		out->len = 0;
		goto done;
	}
	memcpy(out->der, blob, out->len);
	out->number = number;
	out->this_update = (time_t)sqlite3_column_int64(st, 1);
	out->next_update = (time_t)sqlite3_column_int64(st, 2);
	rc = 0;
 done:
	sqlite3_finalize(st);	/* never keep the read open */
	return rc;
}

int
db_crl_heads(struct db *db, int64_t issuer_id, struct db_crl_head **out,
    size_t *n)
{
	sqlite3_stmt		*st = NULL;
	struct db_crl_head	*v = NULL, *nv;
	size_t			 len = 0, cap = 0;
	int			 rc = -1, step, part;

	*out = NULL;
	*n = 0;
	/* rows come in part order, full before delta within a part */
	if ((sqlite3_prepare_v2(db->h, "SELECT part, delta_base IS NOT NULL, "
	    "max(number) FROM crls WHERE issuer_id = ? "
	    "GROUP BY part, delta_base IS NOT NULL ORDER BY 1, 2", -1, &st,
	    NULL) != SQLITE_OK &&
	    /* a registry before schema 007: the unpartitioned CRL only */
	    sqlite3_prepare_v2(db->h, "SELECT -1, delta_base IS NOT NULL, "
	    "max(number) FROM crls WHERE issuer_id = ? "
	    "GROUP BY delta_base IS NOT NULL ORDER BY 2", -1, &st,
	    NULL) != SQLITE_OK) ||
	    sqlite3_bind_int64(st, 1, issuer_id) != SQLITE_OK)
		goto done;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		part = sqlite3_column_int(st, 0);
		if (len == 0 || v[len - 1].part != part) {
			if (len == cap) {
				cap = cap ? cap * 2 : 16;
				if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
					goto done;
				v = nv;
			}
			memset(&v[len], 0, sizeof(v[len]));
			v[len++].part = part;
		}
		if (sqlite3_column_int(st, 1))
			v[len - 1].delta = sqlite3_column_int64(st, 2);
		else
			v[len - 1].full = sqlite3_column_int64(st, 2);
	}
	if (step != SQLITE_DONE)
		goto done;
	*out = v;
	*n = len;
	v = NULL;
	rc = 0;
 done:
	sqlite3_finalize(st);
	free(v);
	return rc;
}
