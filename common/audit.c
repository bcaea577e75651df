/* SPDX-License-Identifier: ISC */
/*
 * audit.c: hash-chained audit log (see audit.h).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit.h"
#include "db_impl.h"
#include "log.h"

/* Length-prefix every field so that no two records serialize alike. */
static int
hash_field(EVP_MD_CTX *ctx, const void *p, size_t len)
{
	unsigned char	 n[8];

	for (int i = 0; i < 8; i++)
		n[i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return EVP_DigestUpdate(ctx, n, sizeof(n)) &&
	    EVP_DigestUpdate(ctx, p, len);
}

static int
hash_int(EVP_MD_CTX *ctx, int64_t v)
{
	unsigned char	 b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
	return hash_field(ctx, b, sizeof(b));
}

static int
hash_str(EVP_MD_CTX *ctx, const char *s)
{
	return hash_field(ctx, s, strlen(s));
}

int
audit_hash(const unsigned char prev[AUDIT_HASH_LEN],
    const struct audit_record *r, unsigned char out[AUDIT_HASH_LEN])
{
	EVP_MD_CTX	*ctx;
	unsigned int	 len = 0;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    hash_field(ctx, prev, AUDIT_HASH_LEN) &&
	    hash_int(ctx, r->id) && hash_int(ctx, (int64_t)r->at) &&
	    hash_str(ctx, r->operator_name) && hash_str(ctx, r->office) &&
	    hash_str(ctx, r->action) && hash_str(ctx, r->subject) &&
	    hash_str(ctx, r->detail) &&
	    EVP_DigestFinal_ex(ctx, out, &len) && len == AUDIT_HASH_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
audit_append(struct db *db, struct audit_record *r)
{
	sqlite3_stmt	*st = NULL;
	unsigned char	 prev[AUDIT_HASH_LEN] = { 0 }, hash[AUDIT_HASH_LEN];
	int		 rc = -1;

	if (sqlite3_prepare_v2(db->h, "SELECT id, hash FROM audit "
	    "ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		goto done;
	r->id = 1;
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		if (sqlite3_column_bytes(st, 1) != AUDIT_HASH_LEN)
			goto done;
		r->id = sqlite3_column_int64(st, 0) + 1;
		memcpy(prev, sqlite3_column_blob(st, 1), AUDIT_HASH_LEN);
		break;
	case SQLITE_DONE:
		break;
	default:
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (audit_hash(prev, r, hash) != 0)
		goto done;
	if (sqlite3_prepare_v2(db->h, "INSERT INTO audit (id, at, operator, "
	    "office, action, subject, detail, prev_hash, hash) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, (int64_t)r->at);
	sqlite3_bind_text(st, 3, r->operator_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->office, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, prev, AUDIT_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, hash, AUDIT_HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
 done:
	if (rc != 0)
		log_warnx("%s: %s", __func__, db_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

int
audit_verify(struct db *db, int64_t *count, char *why, size_t whylen)
{
	return audit_verify_anchored(db, NULL, count, NULL, why, whylen);
}

int
audit_verify_anchored(struct db *db, const unsigned char *anchor,
    int64_t *count, unsigned char *head, char *why, size_t whylen)
{
	sqlite3_stmt		*st = NULL;
	unsigned char		 prev[AUDIT_HASH_LEN] = { 0 };
	unsigned char		 want[AUDIT_HASH_LEN];
	struct audit_record	 r;
	int64_t			 expect = 1;
	int			 rc = -1, step, anchored = anchor == NULL;

	*count = 0;
	snprintf(why, whylen, "intact");
	if (sqlite3_prepare_v2(db->h, "SELECT id, at, operator, office, "
	    "action, subject, detail, prev_hash, hash FROM audit ORDER BY id",
	    -1, &st, NULL) != SQLITE_OK)
		goto done;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.at = (time_t)sqlite3_column_int64(st, 1);
		r.operator_name = col_text(st, 2);
		r.office = col_text(st, 3);
		r.action = col_text(st, 4);
		r.subject = col_text(st, 5);
		r.detail = col_text(st, 6);
		if (r.id != expect) {
			snprintf(why, whylen, "record %lld: expected record "
			    "%lld (deleted or inserted record)",
			    (long long)r.id, (long long)expect);
			rc = 1;
			goto done;
		}
		if (sqlite3_column_bytes(st, 7) != AUDIT_HASH_LEN ||
		    memcmp(sqlite3_column_blob(st, 7), prev, AUDIT_HASH_LEN) != 0) {
			snprintf(why, whylen, "record %lld: does not chain to "
			    "record %lld", (long long)r.id, (long long)r.id - 1);
			rc = 1;
			goto done;
		}
		if (audit_hash(prev, &r, want) != 0)
			goto done;
		if (sqlite3_column_bytes(st, 8) != AUDIT_HASH_LEN ||
		    memcmp(sqlite3_column_blob(st, 8), want, AUDIT_HASH_LEN) != 0) {
			snprintf(why, whylen, "record %lld: hash mismatch "
			    "(record edited)", (long long)r.id);
			rc = 1;
			goto done;
		}
		memcpy(prev, want, AUDIT_HASH_LEN);
		if (!anchored && memcmp(want, anchor, AUDIT_HASH_LEN) == 0)
			anchored = 1;
		expect++;
		(*count)++;
	}
	if (step != SQLITE_DONE)
		goto done;
	if (head != NULL)
		memcpy(head, prev, AUDIT_HASH_LEN);
	rc = 0;
	if (!anchored) {
		snprintf(why, whylen, "no record has the given head: records "
		    "were removed from the end of the log");
		rc = 1;
	}
 done:
	if (rc < 0)
		snprintf(why, whylen, "%s", db_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}
