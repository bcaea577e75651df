/* SPDX-License-Identifier: ISC */
/*
 * db_cert.c: the registry's certificates as OCSP, the CRL and the online
 * counter read them (see db.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_impl.h"
#include "log.h"

/* The columns status_from_row reads, in its order. */
#define STATUS_COLS \
	"id, issuer_id, serial, status, not_after, revoked_at, reason, change_seq"

static enum cert_state
state_from_text(const unsigned char *s)
{
	if (s == NULL)
		return CERT_UNKNOWN;
	if (strcmp((const char *)s, "good") == 0)
		return CERT_GOOD;
	if (strcmp((const char *)s, "hold") == 0)
		return CERT_HOLD;
	return CERT_REVOKED;
}

/* Fill out from a row of STATUS_COLS starting at column col. */
static void
status_from_row(sqlite3_stmt *st, int col, struct cert_status *out)
{
	const void	*blob;
	int		 n;

	memset(out, 0, sizeof(*out));
	out->cert_id = sqlite3_column_int64(st, col);
	out->issuer_id = sqlite3_column_int64(st, col + 1);
	blob = sqlite3_column_blob(st, col + 2);
	n = sqlite3_column_bytes(st, col + 2);
	if (n > 0 && n <= SERIAL_MAX) {
		memcpy(out->serial.b, blob, n);
		out->serial.len = n;
	}
	out->state = state_from_text(sqlite3_column_text(st, col + 3));
	out->not_after = (time_t)sqlite3_column_int64(st, col + 4);
	out->revoked_at = (time_t)sqlite3_column_int64(st, col + 5);
	out->reason = sqlite3_column_type(st, col + 6) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, col + 6);
	out->change_seq = sqlite3_column_int64(st, col + 7);
}

int
db_cert_status(struct db *db, int64_t issuer_id, const struct serial *serial,
    struct cert_status *out)
{
	int	 rc = -1;

	if (db_prepare_once(db, &db->st_status, "SELECT " STATUS_COLS
	    " FROM certificates WHERE issuer_id = ? AND serial = ?") != 0)
		return -1;
	if (sqlite3_bind_int64(db->st_status, 1, issuer_id) != SQLITE_OK ||
	    sqlite3_bind_blob(db->st_status, 2, serial->b, (int)serial->len,
	    SQLITE_STATIC) != SQLITE_OK)
		goto done;
	switch (sqlite3_step(db->st_status)) {
	case SQLITE_ROW:
		status_from_row(db->st_status, 0, out);
		rc = 0;
		break;
	case SQLITE_DONE:
		memset(out, 0, sizeof(*out));
		out->issuer_id = issuer_id;
		out->serial = *serial;
		out->state = CERT_UNKNOWN;
		out->reason = -1;
		rc = 0;
		break;
	default:
		log_warnx("%s: %s", __func__, db_errmsg(db));
	}
 done:
	sqlite3_reset(db->st_status);	/* never leave a read open: it pins the WAL */
	sqlite3_clear_bindings(db->st_status);
	return rc;
}

static void
copy_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char	*t = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t != NULL ? (const char *)t : "");
}

int
db_cert_card(struct db *db, int64_t issuer_id, const struct serial *serial,
    char card[16], char kind[8])
{
	int	 rc = -1;

	card[0] = kind[0] = '\0';
	if (db_prepare_once(db, &db->st_card, "SELECT cards.type, "
	    "certificates.kind FROM certificates LEFT JOIN cards ON "
	    "cards.id = certificates.card_id WHERE certificates.issuer_id = ? "
	    "AND certificates.serial = ?") != 0)
		return -1;
	if (sqlite3_bind_int64(db->st_card, 1, issuer_id) != SQLITE_OK ||
	    sqlite3_bind_blob(db->st_card, 2, serial->b, (int)serial->len,
	    SQLITE_STATIC) != SQLITE_OK)
		goto done;
	switch (sqlite3_step(db->st_card)) {
	case SQLITE_ROW:
		copy_text(db->st_card, 0, card, 16);
		copy_text(db->st_card, 1, kind, 8);
		/* FALLTHROUGH */
	case SQLITE_DONE:
		rc = 0;
		break;
	default:
		log_warnx("%s: %s", __func__, db_errmsg(db));
	}
 done:
	sqlite3_reset(db->st_card);
	sqlite3_clear_bindings(db->st_card);
	return rc;
}

int
db_changes_since(struct db *db, int64_t since, int limit,
    void (*fn)(const struct cert_status *, void *), void *arg)
{
	struct cert_status	 cs;
	int			 n = 0, rc;

	if (db_prepare_once(db, &db->st_changes, "SELECT " STATUS_COLS
	    " FROM certificates WHERE change_seq > ? ORDER BY change_seq"
	    " LIMIT ?") != 0)
		return -1;
	sqlite3_bind_int64(db->st_changes, 1, since);
	sqlite3_bind_int(db->st_changes, 2, limit);
	while ((rc = sqlite3_step(db->st_changes)) == SQLITE_ROW) {
		status_from_row(db->st_changes, 0, &cs);
		fn(&cs, arg);
		n++;
	}
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, db_errmsg(db));
		n = -1;
	}
	sqlite3_reset(db->st_changes);
	return n;
}

int
db_walk(struct db *db, int64_t after, int limit,
    int (*fn)(const struct cert_status *, void *), void *arg)
{
	struct cert_status	 cs;
	int			 n = 0, rc;

	if (db_prepare_once(db, &db->st_walk, "SELECT " STATUS_COLS
	    " FROM certificates WHERE id > ? ORDER BY id LIMIT ?") != 0)
		return -1;
	sqlite3_bind_int64(db->st_walk, 1, after);
	sqlite3_bind_int(db->st_walk, 2, limit);
	while ((rc = sqlite3_step(db->st_walk)) == SQLITE_ROW) {
		status_from_row(db->st_walk, 0, &cs);
		if (fn(&cs, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, db_errmsg(db));
		n = -1;
	}
	sqlite3_reset(db->st_walk);	/* never keep the read open */
	return n;
}

int64_t
db_cert_next_id(struct db *db)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 id = -1;

	if (sqlite3_prepare_v2(db->h, "SELECT coalesce(max(id), 0) + 1 "
	    "FROM certificates", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

int
db_cert_set_partition(struct db *db, int64_t issuer_id,
    const struct serial *serial, int k, int n)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db->h, "UPDATE certificates SET crl_partition "
	    "= ?3 WHERE issuer_id = ?1 AND serial = ?2", -1, &st,
	    NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, issuer_id);
	sqlite3_bind_blob(st, 2, serial->b, (int)serial->len, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, k);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db->h) != 1)
		goto done;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db->h, "INSERT INTO crl_partitions (issuer_id, "
	    "partitions) VALUES (?1, ?2) ON CONFLICT (issuer_id) DO UPDATE "
	    "SET partitions = max(partitions, ?2)", -1, &st,
	    NULL) != SQLITE_OK) {
		st = NULL;
		goto done;
	}
	sqlite3_bind_int64(st, 1, issuer_id);
	sqlite3_bind_int(st, 2, n);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
 done:
	sqlite3_finalize(st);
	return rc;
}

int
db_cert_partition(struct db *db, int64_t issuer_id, const struct serial *serial,
    int *k)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db->h, "SELECT crl_partition FROM certificates "
	    "WHERE issuer_id = ?1 AND serial = ?2", -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, issuer_id);
	sqlite3_bind_blob(st, 2, serial->b, (int)serial->len, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*k = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 0);
		rc = 0;
		break;
	case SQLITE_DONE:
		rc = 1;
		break;
	}
 done:
	sqlite3_finalize(st);
	return rc;
}

char *
db_cert_holder_name(struct db *db, const struct serial *serial)
{
	sqlite3_stmt	*st = NULL;
	char		*name = NULL;

	/* issuers first, so that each looks the serial up in its index */
	if (sqlite3_prepare_v2(db->h, "SELECT r.name FROM issuers i CROSS JOIN "
	    "certificates c ON c.issuer_id = i.id AND c.serial = ?1 JOIN "
	    "residents r ON r.id = c.resident_id", -1, &st, NULL) != SQLITE_OK)
		goto done;
	if (sqlite3_bind_blob(st, 1, serial->b, (int)serial->len,
	    SQLITE_STATIC) != SQLITE_OK)
		goto done;
	if (sqlite3_step(st) == SQLITE_ROW)
		name = db_col_strdup(st, 0);
 done:
	sqlite3_finalize(st);
	return name;
}
