/* SPDX-License-Identifier: ISC */
/*
 * registry_resident.c: the resident events: add, change (address, name,
 * date of birth, sex), moveout, remove.  What each may do and revoke is
 * its rules_events row (rules.c).  See registry.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "registry_impl.h"
#include "xalloc.h"

void
reg_resident_row_free(struct resident_row *row)
{
	free(row->name);
	free(row->address);
	memset(row, 0, sizeof(*row));
}

int
reg_resident_load(struct reg *r, const char *uid, struct resident_row *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(out, 0, sizeof(*out));
	out->state = RES_NONE;
	if ((st = reg_prep(r, "SELECT id, uid, name, address, birth_date, sex, "
	    "state, moved_out_at FROM residents WHERE uid = ?")) == NULL)
		return REG_ERROR;
	sqlite3_bind_text(st, 1, uid != NULL ? uid : "", -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		out->id = sqlite3_column_int64(st, 0);
		snprintf(out->uid, sizeof(out->uid), "%s", reg_col_str(st, 1));
		out->name = xstrdup(reg_col_str(st, 2));
		out->address = xstrdup(reg_col_str(st, 3));
		snprintf(out->birth_date, sizeof(out->birth_date), "%s",
		    reg_col_str(st, 4));
		out->sex = sqlite3_column_int(st, 5);
		out->state = reg_col_res_state(st, 6, out->moved_out_on);
		rc = REG_OK;
		break;
	case SQLITE_DONE:
		rc = REG_OK;
		break;
	default:
		rc = reg_dberr(r);
	}
	sqlite3_finalize(st);
	return rc;
}

/* rules_allowed for ev on resident row. */
static int
resident_allowed(struct reg *r, enum rule_ev ev, const struct resident_row *row,
    const char *uid)
{
	struct rule_subject	 s = { uid, NULL, NULL,
	    row->moved_out_on[0] != '\0' ? row->moved_out_on : NULL };

	if (rules_allowed(ev, row->state, CARD_NONE, &s, r->why, sizeof(r->why)))
		return REG_REFUSED;
	return REG_OK;
}

static int
birth_date_check(struct reg *r, const char *birth_date)
{
	time_t	 b;

	if (!reg_date_valid(birth_date))
		return reg_say(r, REG_REFUSED, "date of birth must be a real date "
		    "written YYYY-MM-DD");
	clock_parse(birth_date, &b);
	if (b > r->now)
		return reg_say(r, REG_REFUSED, "date of birth %s is in the "
		    "future", birth_date);
	if (strcmp(birth_date, "1880-01-01") < 0)
		return reg_say(r, REG_REFUSED, "date of birth %s is not "
		    "plausible", birth_date);
	return REG_OK;
}

/* The given fields fit the certificate (all: every field is required). */
static int
resident_fields_check(struct reg *r, const struct resident_info *ri, int all)
{
	if (all && rules_uid_check(ri->uid, r->why, sizeof(r->why)))
		return REG_REFUSED;
	if ((all || ri->name != NULL) && rules_text_check("name", ri->name,
	    RULES_NAME_MAX, r->why, sizeof(r->why)))
		return REG_REFUSED;
	if ((all || ri->address != NULL) && rules_text_check("address",
	    ri->address, RULES_ADDRESS_MAX, r->why, sizeof(r->why)))
		return REG_REFUSED;
	if ((all || ri->birth_date != NULL) &&
	    birth_date_check(r, ri->birth_date) != REG_OK)
		return REG_REFUSED;
	if ((all && (ri->sex < 1 || ri->sex > 3)) || ri->sex < 0 || ri->sex > 3)
		return reg_say(r, REG_REFUSED, "sex must be male, female or unknown "
		    "(1, 2, 3)");
	return REG_OK;
}

static json_t *
resident_request(const struct resident_info *ri)
{
	json_t	*q = json_object();

	if (ri->uid != NULL)
		json_object_set_new(q, "uid", json_string(ri->uid));
	if (ri->name != NULL)
		json_object_set_new(q, "name", json_string(ri->name));
	if (ri->address != NULL)
		json_object_set_new(q, "address", json_string(ri->address));
	if (ri->birth_date != NULL)
		json_object_set_new(q, "birth_date", json_string(ri->birth_date));
	if (ri->sex != 0)
		json_object_set_new(q, "sex", json_integer(ri->sex));
	return q;
}

static void
subject_of(char *subject, size_t n, const char *uid)
{
	snprintf(subject, n, "resident %s", uid != NULL ? uid : "");
}

int
reg_resident_add(struct reg *r, const struct resident_info *ri)
{
	char	 subject[128];
	int	 rc;

	subject_of(subject, sizeof(subject), ri->uid);
	if ((rc = reg_txn_begin_as(r, EV_RESIDENT_ADD, subject,
	    resident_request(ri))) != REG_OK)
		return rc;
	return reg_txn_end(r, reg_resident_add_tx(r, ri));
}

int
reg_resident_add_tx(struct reg *r, const struct resident_info *ri)
{
	struct resident_row	 row;
	sqlite3_stmt		*st = NULL;
	json_t			*d = json_object();
	char			 subject[128];
	int			 rc;

	memset(&row, 0, sizeof(row));
	if ((rc = resident_fields_check(r, ri, 1)) != REG_OK ||
	    (rc = reg_resident_load(r, ri->uid, &row)) != REG_OK ||
	    (rc = resident_allowed(r, EV_RESIDENT_ADD, &row, ri->uid)) != REG_OK)
		goto done;
	if ((st = reg_prep(r, "INSERT INTO residents (uid, name, address, "
	    "birth_date, sex, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)")) == NULL) {
		rc = REG_ERROR;
		goto done;
	}
	sqlite3_bind_text(st, 1, ri->uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ri->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ri->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ri->birth_date, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, ri->sex);
	sqlite3_bind_int64(st, 6, (int64_t)r->now);
	sqlite3_bind_int64(st, 7, (int64_t)r->now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = reg_dberr(r);
		goto done;
	}
	json_object_set_new(d, "uid", json_string(ri->uid));
	json_object_set_new(d, "name", json_string(ri->name));
	json_object_set_new(d, "address", json_string(ri->address));
	json_object_set_new(d, "birth_date", json_string(ri->birth_date));
	json_object_set_new(d, "sex", json_integer(ri->sex));
	subject_of(subject, sizeof(subject), ri->uid);
	rc = reg_finish(r, "resident.add", subject, d);
 done:
	sqlite3_finalize(st);
	reg_resident_row_free(&row);
	json_decref(d);
	return rc;
}

/*
 * Set column col of resident id to the new value, recording
 * {"from": old, "to": new} under col in changed; a value equal to the one
 * recorded is no change: its name goes to unchanged instead.
 */
static int
resident_update(struct reg *r, int64_t id, const char *col, const char *text,
    int ival, json_t *changed, json_t *unchanged)
{
	sqlite3_stmt	*st;
	char		 sql[128];
	json_t		*from, *to, *ch;
	int		 rc;

	/* The old value is read before the update: an UPDATE's RETURNING
	 * (even through a subquery) sees the new one. */
	snprintf(sql, sizeof(sql), "SELECT %s FROM residents WHERE id = ?1", col);
	if ((st = reg_prep(r, sql)) == NULL)
		return REG_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = reg_dberr(r);
		sqlite3_finalize(st);
		return rc;
	}
	from = text != NULL ? json_string(reg_col_str(st, 0)) :
	    json_integer(sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	to = text != NULL ? json_string(text) : json_integer(ival);
	if (json_equal(from, to)) {
		json_array_append_new(unchanged, json_string(col));
		json_decref(from);
		json_decref(to);
		return REG_OK;
	}
	snprintf(sql, sizeof(sql), "UPDATE residents SET %s = ?1, updated_at = "
	    "?2 WHERE id = ?3", col);
	if ((st = reg_prep(r, sql)) == NULL) {
		json_decref(from);
		json_decref(to);
		return REG_ERROR;
	}
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int(st, 1, ival);
	sqlite3_bind_int64(st, 2, (int64_t)r->now);
	sqlite3_bind_int64(st, 3, id);
	rc = sqlite3_step(st) == SQLITE_DONE ? REG_OK : reg_dberr(r);
	sqlite3_finalize(st);
	ch = json_object();
	json_object_set_new(ch, "from", from);
	json_object_set_new(ch, "to", to);
	json_object_set_new(changed, col, ch);
	return rc;
}

/* "the address is already "X"" for the refusal of a change to nothing. */
static void
unchanged_words(const struct resident_info *ri, char *out, size_t n)
{
	char	 sex[4];

	snprintf(sex, sizeof(sex), "%d", ri->sex);
	snprintf(out, n, "the %s is already \"%.200s\"",
	    ri->address != NULL ? "address" : ri->name != NULL ? "name" :
	    ri->birth_date != NULL ? "date of birth" : "sex",
	    ri->address != NULL ? ri->address : ri->name != NULL ? ri->name :
	    ri->birth_date != NULL ? ri->birth_date : sex);
}

int
reg_resident_change(struct reg *r, const struct resident_info *ri)
{
	struct resident_row	 row;
	json_t			*d = json_object(), *changed = json_object();
	json_t			*unchanged = json_array();
	char			 subject[128], words[300];
	int			 rc;

	memset(&row, 0, sizeof(row));
	subject_of(subject, sizeof(subject), ri->uid);
	if ((rc = reg_txn_begin_as(r, EV_RESIDENT_CHANGE, subject,
	    resident_request(ri))) != REG_OK)
		goto out;
	if (ri->name == NULL && ri->address == NULL && ri->birth_date == NULL &&
	    ri->sex == 0) {
		rc = reg_say(r, REG_REFUSED, "nothing to change: give --address, "
		    "--name, --birth-date or --sex");
		goto done;
	}
	if ((rc = resident_fields_check(r, ri, 0)) != REG_OK ||
	    (rc = reg_resident_load(r, ri->uid, &row)) != REG_OK ||
	    (rc = resident_allowed(r, EV_RESIDENT_CHANGE, &row, ri->uid)) != REG_OK)
		goto done;
	if ((ri->address != NULL && (rc = resident_update(r, row.id, "address",
	    ri->address, 0, changed, unchanged)) != REG_OK) ||
	    (ri->name != NULL && (rc = resident_update(r, row.id, "name",
	    ri->name, 0, changed, unchanged)) != REG_OK) ||
	    (ri->birth_date != NULL && (rc = resident_update(r, row.id,
	    "birth_date", ri->birth_date, 0, changed, unchanged)) != REG_OK) ||
	    (ri->sex != 0 && (rc = resident_update(r, row.id, "sex", NULL,
	    ri->sex, changed, unchanged)) != REG_OK))
		goto done;
	if (json_object_size(changed) == 0) {
		/* The value already recorded: no event, nothing revoked. */
		unchanged_words(ri, words, sizeof(words));
		rc = reg_say(r, REG_REFUSED, "nothing changed: %s; no certificate "
		    "is revoked", words);
		goto done;
	}
	json_object_set(d, "changed", changed);
	if (json_array_size(unchanged) > 0)
		json_object_set(d, "unchanged", unchanged);
	json_object_set_new(d, "resident", json_string(ri->uid));
	if ((rc = reg_apply_effects(r, EV_RESIDENT_CHANGE, row.id, d)) != REG_OK)
		goto done;
	rc = reg_finish(r, "resident.change", subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	reg_resident_row_free(&row);
	json_decref(unchanged);
	json_decref(changed);
	json_decref(d);
	return rc;
}

int
reg_resident_moveout(struct reg *r, const char *uid, const char *to_address)
{
	struct resident_row	 row;
	json_t			*d = json_object(), *changed = json_object();
	json_t			*unchanged = json_array(), *q = json_object();
	char			 subject[128], on[11];
	int			 rc;

	memset(&row, 0, sizeof(row));
	subject_of(subject, sizeof(subject), uid);
	json_object_set_new(q, "uid", json_string(uid != NULL ? uid : ""));
	if (to_address != NULL)
		json_object_set_new(q, "to", json_string(to_address));
	if ((rc = reg_txn_begin_as(r, EV_RESIDENT_MOVEOUT, subject, q)) != REG_OK)
		goto out;
	if (rules_text_check("new address", to_address, RULES_ADDRESS_MAX, r->why,
	    sizeof(r->why))) {
		rc = REG_REFUSED;
		goto done;
	}
	if ((rc = reg_resident_load(r, uid, &row)) != REG_OK ||
	    (rc = resident_allowed(r, EV_RESIDENT_MOVEOUT, &row, uid)) != REG_OK ||
	    (rc = resident_update(r, row.id, "address", to_address, 0, changed,
	    unchanged)) != REG_OK)
		goto done;
	if (json_object_size(changed) == 0) {
		rc = reg_say(r, REG_REFUSED, "nothing changed: the address is "
		    "already \"%.200s\"; a move out of the city gives the new "
		    "address", to_address);
		goto done;
	}
	if ((rc = reg_exec3(r, "UPDATE residents SET moved_out_at = ?2, "
	    "updated_at = ?2 WHERE id = ?3 AND ?1 = ?1", "", (int64_t)r->now,
	    row.id)) != REG_OK)
		goto done;
	json_object_set(d, "changed", changed);
	json_object_set_new(d, "resident", json_string(uid));
	reg_today(r, on);
	json_object_set_new(d, "moved_out_on", json_string(on));
	if ((rc = reg_apply_effects(r, EV_RESIDENT_MOVEOUT, row.id, d)) != REG_OK)
		goto done;
	rc = reg_finish(r, "resident.moveout", subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	reg_resident_row_free(&row);
	json_decref(unchanged);
	json_decref(changed);
	json_decref(d);
	return rc;
}

int
reg_resident_remove(struct reg *r, const char *uid, const char *note)
{
	struct resident_row	 row;
	sqlite3_stmt		*st = NULL;
	json_t			*d = json_object(), *q = json_object(), *cards;
	char			 subject[128];
	int			 rc, step;

	memset(&row, 0, sizeof(row));
	subject_of(subject, sizeof(subject), uid);
	json_object_set_new(q, "uid", json_string(uid != NULL ? uid : ""));
	if (note != NULL)
		json_object_set_new(q, "note", json_string(note));
	if ((rc = reg_txn_begin_as(r, EV_RESIDENT_REMOVE, subject, q)) != REG_OK)
		goto out;
	if (note != NULL && rules_text_check("note", note, RULES_NOTE_MAX, r->why,
	    sizeof(r->why))) {
		rc = REG_REFUSED;
		goto done;
	}
	if ((rc = reg_resident_load(r, uid, &row)) != REG_OK ||
	    (rc = resident_allowed(r, EV_RESIDENT_REMOVE, &row, uid)) != REG_OK ||
	    (rc = reg_apply_effects(r, EV_RESIDENT_REMOVE, row.id, d)) != REG_OK)
		goto done;
	/* The cards still in use come back with the record. */
	if ((st = reg_prep(r, "UPDATE cards SET state = 'returned', updated_at = "
	    "?1 WHERE resident_id = ?2 AND state IN ('active', 'lost', 'found') "
	    "RETURNING number")) == NULL) {
		rc = REG_ERROR;
		goto done;
	}
	sqlite3_bind_int64(st, 1, (int64_t)r->now);
	sqlite3_bind_int64(st, 2, row.id);
	cards = json_array();
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(cards, json_string(reg_col_str(st, 0)));
	json_object_set_new(d, "cards_returned", cards);
	if (step != SQLITE_DONE) {
		rc = reg_dberr(r);
		goto done;
	}
	if ((rc = reg_exec3(r, "UPDATE residents SET state = ?1, updated_at = "
	    "?2 WHERE id = ?3", "removed", (int64_t)r->now, row.id)) != REG_OK)
		goto done;
	json_object_set_new(d, "resident", json_string(uid));
	json_object_set_new(d, "was", json_string(rules_res_state_name(row.state)));
	if (note != NULL)
		json_object_set_new(d, "note", json_string(note));
	rc = reg_finish(r, "resident.remove", subject, d);
 done:
	sqlite3_finalize(st);
	rc = reg_txn_end(r, rc);
 out:
	reg_resident_row_free(&row);
	json_decref(d);
	return rc;
}
