/* SPDX-License-Identifier: ISC */
/*
 * registry_txn.c: the registry's engine: one transaction per write with
 * its audit record, the audit record of a refusal (written after the
 * refused write is rolled back), and certificate status changes as the
 * rules table (rules.c) says.  See registry.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "clock.h"
#include "registry_impl.h"
#include "xalloc.h"

int
reg_say(struct reg *r, int rc, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return rc;
}

int
reg_dberr(struct reg *r)
{
	return reg_say(r, REG_ERROR, "database: %s", db_errmsg(r->db));
}

sqlite3_stmt *
reg_prep(struct reg *r, const char *sql)
{
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(r->db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		reg_dberr(r);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

const char *
reg_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

enum res_state
reg_col_res_state(sqlite3_stmt *st, int i, char moved_out_on[11])
{
	int	 moved = sqlite3_column_type(st, i + 1) != SQLITE_NULL;

	moved_out_on[0] = '\0';
	if (moved)
		clock_format_date((time_t)sqlite3_column_int64(st, i + 1),
		    JST_OFFSET_SEC, moved_out_on);
	return rules_res_state(reg_col_str(st, i), moved);
}

/* The serial blob in column i as hex (an overlong blob is cut at SERIAL_MAX). */
void
reg_col_serial_hex(sqlite3_stmt *st, int i, char *hex)
{
	struct serial	 s;

	s.len = (size_t)sqlite3_column_bytes(st, i);
	if (s.len > SERIAL_MAX)
		s.len = SERIAL_MAX;
	memcpy(s.b, sqlite3_column_blob(st, i), s.len);
	serial_to_hex(&s, hex);
}

json_t *
reg_time_json(sqlite3_stmt *st, int col)
{
	char	 iso[21];

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	clock_format_iso((time_t)sqlite3_column_int64(st, col), iso);
	return json_string(iso);
}

void
reg_today(struct reg *r, char out[11])
{
	clock_format_date(r->now != 0 ? r->now : clock_now(), JST_OFFSET_SEC, out);
}

void
reg_init(struct reg *r, struct db *db, const struct config *cfg,
    const char *operator_name, const char *office)
{
	memset(r, 0, sizeof(*r));
	r->db = db;
	r->cfg = cfg;
	r->operator_name = operator_name;
	r->office = office;
}

void
reg_done(struct reg *r)
{
	json_decref(r->result);
	r->result = NULL;
	json_decref(r->request);
	r->request = NULL;
}

int
reg_sex_parse(const char *s)
{
	if (strcmp(s, "1") == 0 || strcasecmp(s, "male") == 0 ||
	    strcasecmp(s, "m") == 0)
		return 1;
	if (strcmp(s, "2") == 0 || strcasecmp(s, "female") == 0 ||
	    strcasecmp(s, "f") == 0)
		return 2;
	if (strcmp(s, "3") == 0 || strcasecmp(s, "unknown") == 0)
		return 3;
	return 0;
}

int
reg_date_valid(const char *s)
{
	time_t	 t;

	return s != NULL && strlen(s) == 10 && clock_parse(s, &t) == 0;
}

/* The last second of a Japan-time civil date. */
static time_t
end_of_jst_day(time_t utc_midnight)
{
	return utc_midnight + DAY_SEC - JST_OFFSET_SEC - 1;
}

int
reg_validity_end(const struct config *cfg, const char *card_type,
    const char *birth_date, const char *card_expires, time_t issued,
    time_t *out)
{
	time_t	 end, cap, bday;

	if (strlen(card_expires) != 10 || clock_parse(card_expires, &cap) != 0)
		return -1;
	cap = end_of_jst_day(cap);
	if (strcmp(card_type, "juki") == 0)
		end = clock_add_years(issued, cfg->juki_validity_years);
	else {
		bday = clock_nth_birthday_after(birth_date, issued,
		    cfg->mynumber_birthdays);
		if (bday == -1)
			return -1;
		end = end_of_jst_day(bday);
	}
	*out = end < cap ? end : cap;
	return 0;
}

/* --- transactions and audit ---------------------------------------------- */

int
reg_txn_begin(struct reg *r)
{
	r->now = clock_now();
	r->why[0] = '\0';
	json_decref(r->result);
	r->result = NULL;
	json_decref(r->request);
	r->request = NULL;
	r->attempt = NULL;
	r->attempt_subject[0] = '\0';
	r->refusal_recorded = 0;
	if (db_begin(r->db) != 0)
		return reg_dberr(r);
	return REG_OK;
}

int
reg_txn_begin_as(struct reg *r, enum rule_ev ev, const char *subject,
    json_t *request)
{
	int	 rc = reg_txn_begin(r);

	r->attempt = rules_event(ev)->action;
	snprintf(r->attempt_subject, sizeof(r->attempt_subject), "%s",
	    subject != NULL ? subject : "");
	r->request = request;
	return rc;
}

int
reg_txn_end(struct reg *r, int rc)
{
	if (rc == REG_OK && db_commit(r->db) != 0)
		rc = reg_dberr(r);
	if (rc != REG_OK)
		db_rollback(r->db);
	if (rc == REG_REFUSED && r->attempt != NULL) {
		json_t	*req = r->request;

		r->request = NULL;
		reg_refusal_record(r, r->attempt, r->attempt_subject, req);
	}
	return rc;
}

int
reg_audit(struct reg *r, const char *action, const char *subject,
    json_t *detail)
{
	struct audit_record	 ar;
	char			*text;
	int			 rc;

	/* json_pack() also refuses text that is not UTF-8: not memory */
	if (detail == NULL)
		return reg_say(r, REG_ERROR, "audit: the record's detail could "
		    "not be built");
	if ((text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatal_oom();
	memset(&ar, 0, sizeof(ar));
	ar.at = r->now != 0 ? r->now : clock_now();
	ar.operator_name = r->operator_name;
	ar.office = r->office;
	ar.action = action;
	ar.subject = subject;
	ar.detail = text;
	rc = audit_append(r->db, &ar) == 0 ? REG_OK : reg_dberr(r);
	free(text);
	return rc;
}

int
reg_refusal_record(struct reg *r, const char *action, const char *subject,
    json_t *request)
{
	char	 why[REG_WHY_MAX];
	json_t	*d;
	int	 rc;

	if (r->refusal_recorded || r->db == NULL) {
		json_decref(request);
		return REG_OK;
	}
	/* The refusal's own reason stays what the clerk reads. */
	snprintf(why, sizeof(why), "%s", r->why);
	d = json_object();
	json_object_set_new(d, "attempt", json_string(action));
	json_object_set_new(d, "why", json_string(why));
	if (request != NULL)
		json_object_set_new(d, "request", request);
	if (r->now == 0)
		r->now = clock_now();
	if (db_begin(r->db) != 0)
		rc = REG_ERROR;
	else if ((rc = reg_audit(r, "refused", subject, d)) != REG_OK ||
	    db_commit(r->db) != 0) {
		db_rollback(r->db);
		rc = REG_ERROR;
	}
	json_decref(d);
	r->refusal_recorded = 1;
	snprintf(r->why, sizeof(r->why), "%s", why);
	return rc;
}

int
reg_finish(struct reg *r, const char *action, const char *subject,
    json_t *detail)
{
	int	 rc;

	json_object_set_new(detail, "action", json_string(action));
	json_object_set_new(detail, "subject", json_string(subject));
	rc = reg_audit(r, action, subject, detail);
	if (rc == REG_OK) {
		json_decref(r->result);	/* bulk work: one result per call */
		r->result = json_incref(detail);
	}
	return rc;
}

int
reg_exec3(struct reg *r, const char *sql, const char *s1, int64_t i2,
    int64_t i3)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = reg_prep(r, sql)) == NULL)
		return REG_ERROR;
	sqlite3_bind_text(st, 1, s1, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, i2);
	sqlite3_bind_int64(st, 3, i3);
	rc = sqlite3_step(st) == SQLITE_DONE ? REG_OK : reg_dberr(r);
	sqlite3_finalize(st);
	return rc;
}

/* --- status changes ------------------------------------------------------- */

static int
certs_change(struct reg *r, const char *where, int64_t key,
    const char *to_status, int reason, json_t *changed)
{
	sqlite3_stmt	*sel = NULL, *upd = NULL;
	char		 sql[512], hex[SERIAL_HEX_MAX];
	int64_t		*ids = NULL, seq;
	size_t		 n = 0, cap = 0;
	int		 rc = REG_ERROR, step;

	snprintf(sql, sizeof(sql), "SELECT id, serial FROM certificates "
	    "WHERE %s ORDER BY id", where);
	if ((sel = reg_prep(r, sql)) == NULL)
		goto done;
	sqlite3_bind_int64(sel, 1, key);
	sqlite3_bind_int64(sel, 2, (int64_t)r->now);
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = xreallocarray(ids, cap, sizeof(*ids));
		}
		ids[n++] = sqlite3_column_int64(sel, 0);
		reg_col_serial_hex(sel, 1, hex);
		json_array_append_new(changed, json_string(hex));
	}
	if (step != SQLITE_DONE) {
		reg_dberr(r);
		goto done;
	}
	if ((upd = reg_prep(r, "UPDATE certificates SET status = ?1, reason = ?2, "
	    "revoked_at = ?3, hold_at = CASE WHEN ?1 = 'hold' THEN ?3 "
	    "ELSE hold_at END, change_seq = ?4 WHERE id = ?5")) == NULL)
		goto done;
	/* Each change takes its own change_seq so that readers paging by
	 * change_seq never split one. */
	for (size_t i = 0; i < n; i++) {
		if ((seq = db_next_change(r->db)) < 0) {
			reg_dberr(r);
			goto done;
		}
		sqlite3_bind_text(upd, 1, to_status, -1, SQLITE_STATIC);
		sqlite3_bind_int(upd, 2, reason);
		sqlite3_bind_int64(upd, 3, (int64_t)r->now);
		sqlite3_bind_int64(upd, 4, seq);
		sqlite3_bind_int64(upd, 5, ids[i]);
		if (sqlite3_step(upd) != SQLITE_DONE) {
			reg_dberr(r);
			goto done;
		}
		sqlite3_reset(upd);
	}
	rc = REG_OK;
 done:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	free(ids);
	return rc;
}

int
reg_certs_event(struct reg *r, json_t *detail, const char *list_key,
    const char *where, int64_t key, const char *to_status, int reason)
{
	json_t	*list = json_array();
	int	 rc;

	rc = certs_change(r, where, key, to_status, reason, list);
	json_object_set_new(detail, list_key, list);
	json_object_set_new(detail, "reason", json_string(reg_reason_name(reason)));
	return rc;
}

int
reg_apply_effects(struct reg *r, enum rule_ev ev, int64_t id, json_t *detail)
{
	const struct rule_event	*e = rules_event(ev);
	char			 where[256];
	const char		*owner, *kinds, *from;

	switch (e->scope) {
	case SCOPE_RESIDENT:
		owner = "resident_id = ?1";
		break;
	case SCOPE_CARD:
		owner = "card_id = ?1";
		break;
	case SCOPE_ONE:
		owner = "id = ?1";
		break;
	default:	/* SCOPE_NONE; SCOPE_CARD_KIND is reg_cert_insert's */
		return REG_OK;
	}
	kinds = e->kinds == KIND_SIGN ? " AND kind = 'sign'" :
	    e->kinds == KIND_AUTH ? " AND kind = 'auth'" : "";
	if (e->from == (CTS(CRT_GOOD) | CTS(CRT_HOLD)))
		from = SQL_LIVE;
	else if (e->from == CTS(CRT_GOOD))
		from = SQL_GOOD;
	else
		from = SQL_HELD;
	snprintf(where, sizeof(where), "%s%s AND %s", owner, kinds, from);
	return reg_certs_event(r, detail, e->to == CRT_HOLD ? "held" : "revoked",
	    where, id, e->to == CRT_HOLD ? "hold" : "revoked", e->reason);
}
