/* SPDX-License-Identifier: ISC */
/*
 * registry_query.c: the read side: a certificate, lists of them, a
 * resident or a card as the clerk sees it (details, cards, certificates
 * with status, last events), issuers and the audit log.  Every answer is
 * JSON built for people and scripts: internal fields (row ids,
 * change_seq) never leave here.  See registry.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "registry_impl.h"

#define EVENTS_DEFAULT	10	/* last events shown by resident/card show */

json_t *
reg_rows_json(struct reg *r, sqlite3_stmt *st,
    json_t *(*row)(struct reg *, sqlite3_stmt *))
{
	json_t	*a = json_array();
	int	 step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a, row(r, st));
	if (step != SQLITE_DONE) {
		reg_dberr(r);
		json_decref(a);
		a = NULL;
	}
	sqlite3_finalize(st);
	return a;
}

static json_t *
text_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null() :
	    json_string(reg_col_str(st, col));
}

json_t *
reg_cert_row_json(struct reg *r, sqlite3_stmt *st)
{
	json_t		*o = json_object();
	char		 hex[SERIAL_HEX_MAX], date[11];
	const char	*status = reg_col_str(st, 4);
	time_t		 na = (time_t)sqlite3_column_int64(st, 7);
	int		 expired = na < r->now;

	reg_col_serial_hex(st, 2, hex);
	json_object_set_new(o, "serial", json_string(hex));
	json_object_set_new(o, "issuer", json_string(reg_col_str(st, 1)));
	json_object_set_new(o, "kind", json_string(reg_col_str(st, 3)));
	json_object_set_new(o, "status", json_string(status));
	/* What a person reads: "expired" only for a certificate never ended. */
	json_object_set_new(o, "state", json_string(strcmp(status, "good") == 0 &&
	    expired ? "expired" : status));
	json_object_set_new(o, "expired", json_boolean(expired));
	json_object_set_new(o, "reason", sqlite3_column_type(st, 5) ==
	    SQLITE_NULL ? json_null() :
	    json_string(reg_reason_name(sqlite3_column_int(st, 5))));
	json_object_set_new(o, "not_before", reg_time_json(st, 6));
	json_object_set_new(o, "not_after", reg_time_json(st, 7));
	clock_format_date(na, JST_OFFSET_SEC, date);
	json_object_set_new(o, "expiry_date_jst", json_string(date));
	json_object_set_new(o, "revoked_at", reg_time_json(st, 8));
	json_object_set_new(o, "hold_at", reg_time_json(st, 9));
	json_object_set_new(o, "card", text_or_null(st, 11));
	json_object_set_new(o, "card_type", text_or_null(st, 12));
	json_object_set_new(o, "resident", text_or_null(st, 13));
	json_object_set_new(o, "card_state", text_or_null(st, 15));
	return o;
}

json_t *
reg_cert_show(struct reg *r, const char *serial_hex, const char *issuer)
{
	struct serial	 s;
	int64_t		 id;

	r->now = clock_now();
	if (reg_cert_find(r, serial_hex, issuer, &s, &id) != REG_OK)
		return NULL;
	return reg_cert_by_id(r, id);
}

json_t *
reg_cert_list(struct reg *r, const char *uid, const char *card,
    const char *status)
{
	struct resident_row	 res;
	struct card_row		 c;
	sqlite3_stmt		*st;

	r->now = clock_now();
	if (status != NULL && strcmp(status, "good") != 0 &&
	    strcmp(status, "revoked") != 0 && strcmp(status, "hold") != 0 &&
	    strcmp(status, "expired") != 0) {
		reg_say(r, REG_REFUSED, "status must be good, revoked, hold or expired");
		return NULL;
	}
	/* A filter naming nobody is a mistake, not an empty list. */
	if (uid != NULL) {
		if (reg_resident_load(r, uid, &res) != REG_OK)
			return NULL;
		if (res.state == RES_NONE) {
			reg_say(r, REG_REFUSED, "no resident with id \"%.64s\"", uid);
			return NULL;
		}
		reg_resident_row_free(&res);
	}
	if (card != NULL) {
		if (reg_card_load(r, card, &c) != REG_OK)
			return NULL;
		if (c.state == CARD_NONE) {
			reg_say(r, REG_REFUSED, "no card with number \"%.64s\"", card);
			return NULL;
		}
	}
	if ((st = reg_prep(r, "SELECT " REG_CERT_COLS REG_CERT_FROM
	    "WHERE (?1 IS NULL OR s.uid = ?1) AND (?2 IS NULL OR k.number = ?2) "
	    "AND (?3 IS NULL "
	    "OR (?3 = 'good' AND c.status = 'good' AND c.not_after >= ?4) "
	    "OR (?3 = 'expired' AND c.status = 'good' AND c.not_after < ?4) "
	    "OR (?3 IN ('revoked', 'hold') AND c.status = ?3)) "
	    "ORDER BY c.id")) == NULL)
		return NULL;
	if (uid != NULL)
		sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	if (card != NULL)
		sqlite3_bind_text(st, 2, card, -1, SQLITE_STATIC);
	if (status != NULL)
		sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)r->now);
	return reg_rows_json(r, st, reg_cert_row_json);
}

static json_t *
issuer_row_json(struct reg *r, sqlite3_stmt *st)
{
	json_t	*o = json_object();

	(void)r;
	json_object_set_new(o, "name", json_string(reg_col_str(st, 0)));
	json_object_set_new(o, "ca_key", json_boolean(sqlite3_column_int(st, 1)));
	json_object_set_new(o, "signer_key", json_string(reg_col_str(st, 2)));
	json_object_set_new(o, "created_at", reg_time_json(st, 3));
	json_object_set_new(o, "certificates",
	    json_integer(sqlite3_column_int64(st, 4)));
	json_object_set_new(o, "signers",
	    json_integer(sqlite3_column_int64(st, 5)));
	return o;
}

json_t *
reg_issuer_list(struct reg *r)
{
	sqlite3_stmt	*st;

	if ((st = reg_prep(r, "SELECT i.name, i.ca_key IS NOT NULL, i.signer_key, "
	    "i.created_at, (SELECT count(*) FROM certificates c WHERE "
	    "c.issuer_id = i.id), (SELECT count(*) FROM signers g WHERE "
	    "g.issuer_id = i.id) FROM issuers i ORDER BY i.id")) == NULL)
		return NULL;
	return reg_rows_json(r, st, issuer_row_json);
}

static json_t *
audit_row_json(struct reg *r, sqlite3_stmt *st)
{
	json_t	*o = json_object(), *detail;

	(void)r;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "at", reg_time_json(st, 1));
	json_object_set_new(o, "operator", json_string(reg_col_str(st, 2)));
	json_object_set_new(o, "office", json_string(reg_col_str(st, 3)));
	json_object_set_new(o, "action", json_string(reg_col_str(st, 4)));
	json_object_set_new(o, "subject", json_string(reg_col_str(st, 5)));
	detail = json_loads(reg_col_str(st, 6), 0, NULL);
	json_object_set_new(o, "detail", detail != NULL ? detail :
	    json_string(reg_col_str(st, 6)));
	return o;
}

#define AUDIT_COLS	"id, at, operator, office, action, subject, detail"

json_t *
reg_audit_show(struct reg *r, int limit, int refused)
{
	sqlite3_stmt	*st;

	if ((st = reg_prep(r, "SELECT * FROM (SELECT " AUDIT_COLS " FROM audit "
	    "WHERE ?2 = 0 OR action = 'refused' ORDER BY id DESC LIMIT ?1) "
	    "ORDER BY id")) == NULL)
		return NULL;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	sqlite3_bind_int(st, 2, refused != 0);
	return reg_rows_json(r, st, audit_row_json);
}

/* The last n audit records about a resident (?1 uid) or a card (?2). */
static json_t *
events_of(struct reg *r, const char *uid, const char *card, int n)
{
	sqlite3_stmt	*st;

	if ((st = reg_prep(r, "SELECT * FROM (SELECT " AUDIT_COLS " FROM audit "
	    "WHERE (?1 IS NOT NULL AND (subject = 'resident ' || ?1 OR "
	    "json_extract(detail, '$.resident') = ?1 OR "
	    "json_extract(detail, '$.request.uid') = ?1 OR "
	    "json_extract(detail, '$.request.resident') = ?1)) OR "
	    "(?2 IS NOT NULL AND (subject = 'card ' || ?2 OR "
	    "json_extract(detail, '$.card') = ?2 OR "
	    "json_extract(detail, '$.number') = ?2 OR "
	    "json_extract(detail, '$.request.card') = ?2)) "
	    "ORDER BY id DESC LIMIT ?3) ORDER BY id")) == NULL)
		return NULL;
	if (uid != NULL)
		sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	if (card != NULL)
		sqlite3_bind_text(st, 2, card, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, n > 0 ? n : EVENTS_DEFAULT);
	return reg_rows_json(r, st, audit_row_json);
}

static json_t *
card_row_json(struct reg *r, sqlite3_stmt *st)
{
	json_t	*o = json_object();
	char	 today[11];

	reg_today(r, today);
	json_object_set_new(o, "number", json_string(reg_col_str(st, 0)));
	json_object_set_new(o, "type", json_string(reg_col_str(st, 1)));
	json_object_set_new(o, "state", json_string(rules_card_state_name(
	    rules_card_state(reg_col_str(st, 2), reg_col_str(st, 3), today))));
	json_object_set_new(o, "expires", json_string(reg_col_str(st, 3)));
	json_object_set_new(o, "photo", json_boolean(sqlite3_column_int(st, 4)));
	json_object_set_new(o, "issued_on", text_or_null(st, 5));
	json_object_set_new(o, "replaced_by", text_or_null(st, 6));
	json_object_set_new(o, "resident", json_string(reg_col_str(st, 7)));
	json_object_set_new(o, "recorded_at", reg_time_json(st, 8));
	return o;
}

#define CARD_COLS \
	"k.number, k.type, k.state, k.expires, k.has_photo, k.issued_on, " \
	"(SELECT n.number FROM cards n WHERE n.id = k.replaced_by), s.uid, " \
	"k.created_at FROM cards k JOIN residents s ON s.id = k.resident_id "

static json_t *
certs_where(struct reg *r, const char *where, const char *key)
{
	sqlite3_stmt	*st;
	char		 sql[1024];

	snprintf(sql, sizeof(sql), "SELECT " REG_CERT_COLS REG_CERT_FROM
	    "WHERE %s ORDER BY c.id", where);
	if ((st = reg_prep(r, sql)) == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return reg_rows_json(r, st, reg_cert_row_json);
}

json_t *
reg_resident_show(struct reg *r, const char *uid, int events)
{
	struct resident_row	 res;
	sqlite3_stmt		*st;
	json_t			*o, *cards, *certs, *ev;

	r->now = clock_now();
	if (reg_resident_load(r, uid, &res) != REG_OK)
		return NULL;
	if (res.state == RES_NONE) {
		reg_resident_row_free(&res);
		reg_say(r, REG_REFUSED, "no resident with id \"%.64s\"", uid);
		return NULL;
	}
	o = json_object();
	json_object_set_new(o, "uid", json_string(res.uid));
	json_object_set_new(o, "name", json_string(res.name));
	json_object_set_new(o, "address", json_string(res.address));
	json_object_set_new(o, "birth_date", json_string(res.birth_date));
	json_object_set_new(o, "sex", json_integer(res.sex));
	json_object_set_new(o, "age", json_integer(rules_age_at(res.birth_date,
	    r->now)));
	json_object_set_new(o, "state", json_string(rules_res_state_name(
	    res.state)));
	json_object_set_new(o, "moved_out_on", res.moved_out_on[0] != '\0' ?
	    json_string(res.moved_out_on) : json_null());
	reg_resident_row_free(&res);
	cards = certs = ev = NULL;
	if ((st = reg_prep(r, "SELECT " CARD_COLS "WHERE s.uid = ?1 ORDER BY "
	    "k.id")) != NULL) {
		sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
		cards = reg_rows_json(r, st, card_row_json);
	}
	if (cards == NULL || (certs = certs_where(r, "s.uid = ?1", uid)) == NULL ||
	    (ev = events_of(r, uid, NULL, events)) == NULL) {
		json_decref(cards);
		json_decref(certs);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "cards", cards);
	json_object_set_new(o, "certificates", certs);
	json_object_set_new(o, "events", ev);
	return o;
}

json_t *
reg_card_show(struct reg *r, const char *number, int events)
{
	sqlite3_stmt	*st;
	json_t		*o = NULL, *certs, *ev;
	int		 step;

	r->now = clock_now();
	if ((st = reg_prep(r, "SELECT " CARD_COLS "WHERE k.number = ?1")) == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		o = card_row_json(r, st);
	else if (step == SQLITE_DONE)
		reg_say(r, REG_REFUSED, "no card with number \"%.64s\"", number);
	else
		reg_dberr(r);
	sqlite3_finalize(st);
	if (o == NULL)
		return NULL;
	if ((certs = certs_where(r, "k.number = ?1", number)) == NULL ||
	    (ev = events_of(r, NULL, number, events)) == NULL) {
		json_decref(certs);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "certificates", certs);
	json_object_set_new(o, "events", ev);
	return o;
}
