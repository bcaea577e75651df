/*
 * registry.c: residents, cards, life events, counter procedures and what
 * each revokes (SPEC section 2).  See registry.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "clock.h"
#include "registry.h"

/* Status selections: a hold always moves on; an expired good certificate is
 * left alone (expiry already ended it, and the CRL need not carry it). */
#define LIVE	"(status = 'hold' OR (status = 'good' AND not_after > ?2))"
#define GOOD	"(status = 'good' AND not_after > ?2)"
#define HELD	"(status = 'hold' AND ?2 = ?2)"

#define DAY_SEC	86400

static const char *reason_names[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "aACompromise",
};

struct card_row {
	int64_t	 id, resident_id;
	char	 number[64];
	char	 type[16];
	char	 expires[11];
	int	 has_photo;
	char	 state[16];
	char	 uid[128];
	int	 resident_removed;
};

int
reg_say(struct reg *r, int rc, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return rc;
}

static int
dberr(struct reg *r)
{
	return reg_say(r, REG_ERROR, "database: %s", db_errmsg(r->db));
}

static sqlite3_stmt *
prep(struct reg *r, const char *sql)
{
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(r->db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		dberr(r);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static const char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

/* The serial blob in column i as hex (an overlong blob is cut at SERIAL_MAX). */
static void
col_serial_hex(sqlite3_stmt *st, int i, char *hex)
{
	struct serial	 s;

	s.len = (size_t)sqlite3_column_bytes(st, i);
	if (s.len > SERIAL_MAX)
		s.len = SERIAL_MAX;
	memcpy(s.b, sqlite3_column_blob(st, i), s.len);
	serial_to_hex(&s, hex);
}

static char *
xstrdup0(const char *s)
{
	char	*p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		abort();
	return p;
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
}

const char *
reg_reason_name(int code)
{
	if (code < 0 || code > 10)
		return NULL;
	return reason_names[code];
}

int
reg_reason_parse(const char *name)
{
	for (int i = 0; i <= 10; i++)
		if (reason_names[i] != NULL && strcasecmp(name, reason_names[i]) == 0)
			return i;
	return -1;
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
	if (db_begin(r->db) != 0)
		return dberr(r);
	return REG_OK;
}

int
reg_txn_end(struct reg *r, int rc)
{
	if (rc == REG_OK && db_commit(r->db) != 0)
		rc = dberr(r);
	if (rc != REG_OK)
		db_rollback(r->db);
	return rc;
}

int
reg_audit(struct reg *r, const char *action, const char *subject,
    json_t *detail)
{
	struct audit_record	 ar;
	char			*text;
	int			 rc;

	if ((text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return reg_say(r, REG_ERROR, "out of memory");
	memset(&ar, 0, sizeof(ar));
	ar.at = r->now != 0 ? r->now : clock_now();
	ar.operator_name = r->operator_name;
	ar.office = r->office;
	ar.action = action;
	ar.subject = subject;
	ar.detail = text;
	rc = audit_append(r->db, &ar) == 0 ? REG_OK : dberr(r);
	free(text);
	return rc;
}

/* Record the event's audit entry and keep its detail as the result. */
static int
finish(struct reg *r, const char *action, const char *subject, json_t *detail)
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

/* --- lookups -------------------------------------------------------------- */

static int
resident_find(struct reg *r, const char *uid, int64_t *id, int *removed)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = prep(r, "SELECT id, state FROM residents WHERE uid = ?")) == NULL)
		return REG_ERROR;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*id = sqlite3_column_int64(st, 0);
		if (removed != NULL)
			*removed = strcmp(col_str(st, 1), "removed") == 0;
		rc = REG_OK;
		break;
	case SQLITE_DONE:
		rc = reg_say(r, REG_REFUSED, "no resident with id \"%s\"", uid);
		break;
	default:
		rc = dberr(r);
	}
	sqlite3_finalize(st);
	return rc;
}

static int
card_find(struct reg *r, const char *number, struct card_row *c)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = prep(r, "SELECT k.id, k.resident_id, k.number, k.type, "
	    "k.expires, k.has_photo, k.state, s.uid, s.state FROM cards k "
	    "JOIN residents s ON s.id = k.resident_id WHERE k.number = ?")) == NULL)
		return REG_ERROR;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(st, 0);
		c->resident_id = sqlite3_column_int64(st, 1);
		snprintf(c->number, sizeof(c->number), "%s", col_str(st, 2));
		snprintf(c->type, sizeof(c->type), "%s", col_str(st, 3));
		snprintf(c->expires, sizeof(c->expires), "%s", col_str(st, 4));
		c->has_photo = sqlite3_column_int(st, 5);
		snprintf(c->state, sizeof(c->state), "%s", col_str(st, 6));
		snprintf(c->uid, sizeof(c->uid), "%s", col_str(st, 7));
		c->resident_removed = strcmp(col_str(st, 8), "removed") == 0;
		rc = REG_OK;
		break;
	case SQLITE_DONE:
		rc = reg_say(r, REG_REFUSED, "no card with number \"%s\"", number);
		break;
	default:
		rc = dberr(r);
	}
	sqlite3_finalize(st);
	return rc;
}

/* card_find, refusing a card whose holder has left the register. */
static int
card_find_registered(struct reg *r, const char *number, struct card_row *c)
{
	int	 rc;

	if ((rc = card_find(r, number, c)) == REG_OK && c->resident_removed)
		rc = reg_say(r, REG_REFUSED, "the holder of card %s has been "
		    "removed from the register", number);
	return rc;
}

/* Why a card in state c->state cannot take part in `what`. */
static int
card_state_refusal(struct reg *r, const struct card_row *c, const char *what)
{
	const char	*s = c->state;

	if (strcmp(s, "replaced") == 0)
		return reg_say(r, REG_REFUSED, "card %s has been replaced by a new "
		    "card: %s is not possible on it", c->number, what);
	if (strcmp(s, "returned") == 0)
		return reg_say(r, REG_REFUSED, "card %s has been returned: %s is "
		    "not possible on it", c->number, what);
	if (strcmp(s, "lost") == 0)
		return reg_say(r, REG_REFUSED, "card %s is reported lost: %s is "
		    "not possible on it", c->number, what);
	if (strcmp(s, "found") == 0)
		return reg_say(r, REG_REFUSED, "card %s was reported lost and found "
		    "again; its certificates were revoked: %s is not possible on "
		    "it (apply for a new card)", c->number, what);
	return reg_say(r, REG_REFUSED, "card %s is %s: %s is not possible", c->number,
	    s, what);
}

static int
card_number_free(struct reg *r, const char *number)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (number == NULL || *number == '\0' || strlen(number) > 63)
		return reg_say(r, REG_REFUSED, "a card number is required (at most "
		    "63 characters)");
	if ((st = prep(r, "SELECT 1 FROM cards WHERE number = ?")) == NULL)
		return REG_ERROR;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		rc = reg_say(r, REG_REFUSED, "card number %s is already recorded",
		    number);
		break;
	case SQLITE_DONE:
		rc = REG_OK;
		break;
	default:
		rc = dberr(r);
	}
	sqlite3_finalize(st);
	return rc;
}

/* --- status changes ------------------------------------------------------- */

/*
 * Move every certificate matching `where` (?1 is bound to key, ?2 to now)
 * to status to_status with reason; each change takes its own change_seq so
 * that readers paging by change_seq never split one.  The serials changed
 * are appended to `changed` (hex strings).
 */
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
	if ((sel = prep(r, sql)) == NULL)
		goto done;
	sqlite3_bind_int64(sel, 1, key);
	sqlite3_bind_int64(sel, 2, (int64_t)r->now);
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((ids = realloc(ids, cap * sizeof(*ids))) == NULL)
				abort();
		}
		ids[n++] = sqlite3_column_int64(sel, 0);
		col_serial_hex(sel, 1, hex);
		json_array_append_new(changed, json_string(hex));
	}
	if (step != SQLITE_DONE) {
		dberr(r);
		goto done;
	}
	if ((upd = prep(r, "UPDATE certificates SET status = ?1, reason = ?2, "
	    "revoked_at = ?3, hold_at = CASE WHEN ?1 = 'hold' THEN ?3 "
	    "ELSE hold_at END, change_seq = ?4 WHERE id = ?5")) == NULL)
		goto done;
	for (size_t i = 0; i < n; i++) {
		if ((seq = db_next_change(r->db)) < 0) {
			dberr(r);
			goto done;
		}
		sqlite3_bind_text(upd, 1, to_status, -1, SQLITE_STATIC);
		sqlite3_bind_int(upd, 2, reason);
		sqlite3_bind_int64(upd, 3, (int64_t)r->now);
		sqlite3_bind_int64(upd, 4, seq);
		sqlite3_bind_int64(upd, 5, ids[i]);
		if (sqlite3_step(upd) != SQLITE_DONE) {
			dberr(r);
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

/* certs_change + record the reason name and list under `field` in detail. */
static int
certs_event(struct reg *r, json_t *detail, const char *where, int64_t key,
    const char *to_status, int reason)
{
	json_t	*list = json_array();
	int	 rc;

	rc = certs_change(r, where, key, to_status, reason, list);
	json_object_set_new(detail, strcmp(to_status, "hold") == 0 ? "held" :
	    "revoked", list);
	json_object_set_new(detail, "reason", json_string(reg_reason_name(reason)));
	return rc;
}

static int
exec_bound(struct reg *r, const char *sql, const char *s1, int64_t i2,
    int64_t i3)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = prep(r, sql)) == NULL)
		return REG_ERROR;
	sqlite3_bind_text(st, 1, s1, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, i2);
	sqlite3_bind_int64(st, 3, i3);
	rc = sqlite3_step(st) == SQLITE_DONE ? REG_OK : dberr(r);
	sqlite3_finalize(st);
	return rc;
}

/* --- residents ------------------------------------------------------------ */

static int
utf8_ok(const char *s)
{
	json_t	*t;

	if (s == NULL)
		return 1;
	if ((t = json_string(s)) == NULL)
		return 0;
	json_decref(t);
	return 1;
}

static int
resident_fields_check(struct reg *r, const struct resident_info *ri, int all)
{
	if (!utf8_ok(ri->uid) || !utf8_ok(ri->name) || !utf8_ok(ri->address))
		return reg_say(r, REG_REFUSED, "text must be UTF-8");
	if (all && (ri->uid == NULL || *ri->uid == '\0' || strlen(ri->uid) > 64))
		return reg_say(r, REG_REFUSED, "a resident id is required (at most "
		    "64 characters)");
	if ((all || ri->name != NULL) && (ri->name == NULL || *ri->name == '\0'))
		return reg_say(r, REG_REFUSED, "the resident's name is required");
	if ((all || ri->address != NULL) &&
	    (ri->address == NULL || *ri->address == '\0'))
		return reg_say(r, REG_REFUSED, "the resident's address is required");
	if ((all || ri->birth_date != NULL) && !reg_date_valid(ri->birth_date))
		return reg_say(r, REG_REFUSED, "date of birth must be a real date "
		    "written YYYY-MM-DD");
	if (ri->birth_date != NULL && reg_date_valid(ri->birth_date)) {
		time_t	 b;

		clock_parse(ri->birth_date, &b);
		if (b > r->now)
			return reg_say(r, REG_REFUSED, "date of birth %s is in the "
			    "future", ri->birth_date);
	}
	if ((all && (ri->sex < 1 || ri->sex > 3)) || ri->sex < 0 || ri->sex > 3)
		return reg_say(r, REG_REFUSED, "sex must be male, female or unknown "
		    "(1, 2, 3)");
	return REG_OK;
}

int
reg_resident_add(struct reg *r, const struct resident_info *ri)
{
	int	 rc;

	if ((rc = reg_txn_begin(r)) != REG_OK)
		return rc;
	return reg_txn_end(r, reg_resident_add_tx(r, ri));
}

int
reg_resident_add_tx(struct reg *r, const struct resident_info *ri)
{
	sqlite3_stmt	*st = NULL;
	json_t		*d = json_object();
	int64_t		 id;
	char		 subject[128];
	int		 rc;

	if ((rc = resident_fields_check(r, ri, 1)) != REG_OK)
		goto done;
	if (resident_find(r, ri->uid, &id, NULL) == REG_OK) {
		rc = reg_say(r, REG_REFUSED, "resident \"%s\" is already recorded",
		    ri->uid);
		goto done;
	}
	if ((st = prep(r, "INSERT INTO residents (uid, name, address, "
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
		rc = dberr(r);
		goto done;
	}
	json_object_set_new(d, "uid", json_string(ri->uid));
	json_object_set_new(d, "name", json_string(ri->name));
	json_object_set_new(d, "address", json_string(ri->address));
	json_object_set_new(d, "birth_date", json_string(ri->birth_date));
	json_object_set_new(d, "sex", json_integer(ri->sex));
	snprintf(subject, sizeof(subject), "resident %s", ri->uid);
	rc = finish(r, "resident.add", subject, d);
 done:
	sqlite3_finalize(st);
	json_decref(d);
	return rc;
}

static int
resident_update(struct reg *r, int64_t id, const char *col, const char *text,
    int ival, json_t *changed)
{
	sqlite3_stmt	*st;
	char		 sql[128];
	int		 rc;

	snprintf(sql, sizeof(sql), "UPDATE residents SET %s = ?1, updated_at = "
	    "?2 WHERE id = ?3 RETURNING (SELECT %s FROM residents WHERE id = ?3)",
	    col, col);
	if ((st = prep(r, sql)) == NULL)
		return REG_ERROR;
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int(st, 1, ival);
	sqlite3_bind_int64(st, 2, (int64_t)r->now);
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_t	*ch = json_object();

		json_object_set_new(ch, "from", sqlite3_column_type(st, 0) ==
		    SQLITE_INTEGER ? json_integer(sqlite3_column_int(st, 0)) :
		    json_string(col_str(st, 0)));
		json_object_set_new(ch, "to", text != NULL ? json_string(text) :
		    json_integer(ival));
		json_object_set_new(changed, col, ch);
		rc = REG_OK;
	} else
		rc = dberr(r);
	sqlite3_finalize(st);
	return rc;
}

int
reg_resident_change(struct reg *r, const struct resident_info *ri)
{
	json_t	*d = json_object(), *changed = json_object();
	int64_t	 id;
	int	 rc, removed;
	char	 subject[128];

	if ((rc = reg_txn_begin(r)) != REG_OK)
		goto out;
	if (ri->name == NULL && ri->address == NULL && ri->birth_date == NULL &&
	    ri->sex == 0) {
		rc = reg_say(r, REG_REFUSED, "nothing to change: give --address, "
		    "--name, --birth-date or --sex");
		goto done;
	}
	if ((rc = resident_fields_check(r, ri, 0)) != REG_OK ||
	    (rc = resident_find(r, ri->uid, &id, &removed)) != REG_OK)
		goto done;
	if (removed) {
		rc = reg_say(r, REG_REFUSED, "resident \"%s\" has been removed from "
		    "the register", ri->uid);
		goto done;
	}
	if ((ri->address != NULL && (rc = resident_update(r, id, "address",
	    ri->address, 0, changed)) != REG_OK) ||
	    (ri->name != NULL && (rc = resident_update(r, id, "name",
	    ri->name, 0, changed)) != REG_OK) ||
	    (ri->birth_date != NULL && (rc = resident_update(r, id,
	    "birth_date", ri->birth_date, 0, changed)) != REG_OK) ||
	    (ri->sex != 0 && (rc = resident_update(r, id, "sex", NULL,
	    ri->sex, changed)) != REG_OK))
		goto done;
	json_object_set(d, "changed", changed);
	/* The sign certificate carries the four details: any change ends it.
	 * The auth certificate carries none and stays. */
	if ((rc = certs_event(r, d, "resident_id = ?1 AND kind = 'sign' AND "
	    LIVE, id, "revoked", REASON_AFFILIATION_CHANGED)) != REG_OK)
		goto done;
	snprintf(subject, sizeof(subject), "resident %s", ri->uid);
	rc = finish(r, "resident.change", subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	json_decref(changed);
	json_decref(d);
	return rc;
}

int
reg_resident_remove(struct reg *r, const char *uid, const char *note)
{
	json_t	*d = json_object();
	int64_t	 id;
	int	 rc, removed;
	char	 subject[128];

	if ((rc = reg_txn_begin(r)) != REG_OK)
		goto out;
	if ((rc = resident_find(r, uid, &id, &removed)) != REG_OK)
		goto done;
	if (removed) {
		rc = reg_say(r, REG_REFUSED, "resident \"%s\" has already been "
		    "removed from the register", uid);
		goto done;
	}
	if ((rc = certs_event(r, d, "resident_id = ?1 AND " LIVE, id,
	    "revoked", REASON_CESSATION)) != REG_OK ||
	    (rc = exec_bound(r, "UPDATE cards SET state = ?1, updated_at = ?2 "
	    "WHERE resident_id = ?3 AND state IN ('active', 'lost', 'found')",
	    "returned", (int64_t)r->now, id)) != REG_OK ||
	    (rc = exec_bound(r, "UPDATE residents SET state = ?1, updated_at = "
	    "?2 WHERE id = ?3", "removed", (int64_t)r->now, id)) != REG_OK)
		goto done;
	if (note != NULL)
		json_object_set_new(d, "note", json_string(note));
	snprintf(subject, sizeof(subject), "resident %s", uid);
	rc = finish(r, "resident.remove", subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	json_decref(d);
	return rc;
}

/* --- cards ---------------------------------------------------------------- */

static int
card_fields_check(struct reg *r, const struct card_info *ci)
{
	if (ci->type == NULL || (strcmp(ci->type, "juki") != 0 &&
	    strcmp(ci->type, "mynumber") != 0))
		return reg_say(r, REG_REFUSED, "card type must be juki or mynumber");
	if (!reg_date_valid(ci->expires))
		return reg_say(r, REG_REFUSED, "the card's expiry date must be a "
		    "real date written YYYY-MM-DD");
	return card_number_free(r, ci->number);
}

/* has_photo < 0: the default of the type (a My Number Card always has one). */
static int
card_photo(const struct card_info *ci)
{
	if (ci->has_photo >= 0)
		return ci->has_photo != 0;
	return strcmp(ci->type, "mynumber") == 0;
}

static int
card_insert(struct reg *r, int64_t resident_id, const struct card_info *ci,
    int64_t *id)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = prep(r, "INSERT INTO cards (number, resident_id, type, "
	    "expires, has_photo, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)")) == NULL)
		return REG_ERROR;
	sqlite3_bind_text(st, 1, ci->number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, resident_id);
	sqlite3_bind_text(st, 3, ci->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ci->expires, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, card_photo(ci));
	sqlite3_bind_int64(st, 6, (int64_t)r->now);
	sqlite3_bind_int64(st, 7, (int64_t)r->now);
	if (sqlite3_step(st) == SQLITE_DONE) {
		*id = sqlite3_last_insert_rowid(r->db->h);
		rc = REG_OK;
	} else
		rc = dberr(r);
	sqlite3_finalize(st);
	return rc;
}

static void
card_detail(json_t *d, const struct card_info *ci)
{
	json_object_set_new(d, "number", json_string(ci->number));
	json_object_set_new(d, "type", json_string(ci->type));
	json_object_set_new(d, "expires", json_string(ci->expires));
	json_object_set_new(d, "photo", json_boolean(card_photo(ci)));
}

int
reg_card_add(struct reg *r, const char *uid, const struct card_info *ci)
{
	int	 rc;

	if ((rc = reg_txn_begin(r)) != REG_OK)
		return rc;
	return reg_txn_end(r, reg_card_add_tx(r, uid, ci));
}

int
reg_card_add_tx(struct reg *r, const char *uid, const struct card_info *ci)
{
	json_t	*d = json_object();
	int64_t	 rid, cid;
	int	 rc, removed;
	char	 subject[128];

	if ((rc = resident_find(r, uid, &rid, &removed)) != REG_OK)
		goto done;
	if (removed) {
		rc = reg_say(r, REG_REFUSED, "resident \"%s\" has been removed from "
		    "the register: no new card", uid);
		goto done;
	}
	if ((rc = card_fields_check(r, ci)) != REG_OK ||
	    (rc = card_insert(r, rid, ci, &cid)) != REG_OK)
		goto done;
	json_object_set_new(d, "resident", json_string(uid));
	card_detail(d, ci);
	snprintf(subject, sizeof(subject), "card %s", ci->number);
	rc = finish(r, "card.add", subject, d);
 done:
	json_decref(d);
	return rc;
}

int
reg_card_replace(struct reg *r, const char *old_number,
    const struct card_info *ci)
{
	struct card_row	 c;
	struct card_info ni = *ci;
	json_t		*d = json_object();
	int64_t		 cid;
	int		 rc;
	char		 subject[128];

	if ((rc = reg_txn_begin(r)) != REG_OK)
		goto out;
	if ((rc = card_find_registered(r, old_number, &c)) != REG_OK)
		goto done;
	if (strcmp(c.state, "active") != 0 && strcmp(c.state, "lost") != 0 &&
	    strcmp(c.state, "found") != 0) {
		rc = card_state_refusal(r, &c, "replacement");
		goto done;
	}
	if (ni.type == NULL)
		ni.type = c.type;
	if ((rc = card_fields_check(r, &ni)) != REG_OK ||
	    (rc = card_insert(r, c.resident_id, &ni, &cid)) != REG_OK)
		goto done;
	/* The certificates lived on the old card's chip: all of them end. */
	if ((rc = certs_event(r, d, "card_id = ?1 AND " LIVE, c.id, "revoked",
	    REASON_SUPERSEDED)) != REG_OK)
		goto done;
	{
		sqlite3_stmt	*st;

		if ((st = prep(r, "UPDATE cards SET state = 'replaced', "
		    "replaced_by = ?, updated_at = ? WHERE id = ?")) == NULL) {
			rc = REG_ERROR;
			goto done;
		}
		sqlite3_bind_int64(st, 1, cid);
		sqlite3_bind_int64(st, 2, (int64_t)r->now);
		sqlite3_bind_int64(st, 3, c.id);
		rc = sqlite3_step(st) == SQLITE_DONE ? REG_OK : dberr(r);
		sqlite3_finalize(st);
		if (rc != REG_OK)
			goto done;
	}
	json_object_set_new(d, "resident", json_string(c.uid));
	json_object_set_new(d, "old", json_string(old_number));
	json_object_set_new(d, "old_state", json_string(c.state));
	card_detail(d, &ni);
	snprintf(subject, sizeof(subject), "card %s", old_number);
	rc = finish(r, "card.replace", subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	json_decref(d);
	return rc;
}

static int
card_set_state(struct reg *r, const struct card_row *c, const char *state)
{
	return exec_bound(r, "UPDATE cards SET state = ?1, updated_at = ?2 "
	    "WHERE id = ?3", state, (int64_t)r->now, c->id);
}

/*
 * A card event: the card must be in one of `from` (space-separated); its
 * certificates matching `where` move to to_status with reason; the card
 * takes new_state.
 */
static int
card_event(struct reg *r, const char *number, const char *from,
    const char *what, const char *where, const char *to_status, int reason,
    const char *new_state, const char *action)
{
	struct card_row	 c;
	json_t		*d = json_object();
	char		 subject[128], pat[24];
	int		 rc;

	if ((rc = reg_txn_begin(r)) != REG_OK)
		goto out;
	if ((rc = card_find(r, number, &c)) != REG_OK)
		goto done;
	snprintf(pat, sizeof(pat), " %s ", c.state);
	if (strstr(from, pat) == NULL) {
		if (strcmp(c.state, "active") == 0 && strcmp(new_state, "found") == 0)
			rc = reg_say(r, REG_REFUSED, "card %s is not reported lost",
			    number);
		else
			rc = card_state_refusal(r, &c, what);
		goto done;
	}
	if ((rc = certs_event(r, d, where, c.id, to_status, reason)) != REG_OK ||
	    (rc = card_set_state(r, &c, new_state)) != REG_OK)
		goto done;
	json_object_set_new(d, "resident", json_string(c.uid));
	json_object_set_new(d, "card", json_string(number));
	snprintf(subject, sizeof(subject), "card %s", number);
	rc = finish(r, action, subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	json_decref(d);
	return rc;
}

int
reg_card_lost(struct reg *r, const char *number)
{
	return card_event(r, number, " active ", "a loss report",
	    "card_id = ?1 AND " GOOD, "hold", REASON_CERTIFICATE_HOLD, "lost",
	    "card.lost");
}

int
reg_card_found(struct reg *r, const char *number)
{
	/* JPKI never lifts a hold: it becomes a revocation, and the holder
	 * applies again. */
	return card_event(r, number, " lost ", "a found report",
	    "card_id = ?1 AND " HELD, "revoked", REASON_CESSATION, "found",
	    "card.found");
}

int
reg_card_return(struct reg *r, const char *number)
{
	return card_event(r, number, " active lost found ", "returning it",
	    "card_id = ?1 AND " LIVE, "revoked", REASON_CESSATION, "returned",
	    "card.return");
}

static int
counter_procedure(struct reg *r, const char *number, const char *document,
    const char *what, const char *action)
{
	struct card_row	 c;
	json_t		*d = json_object();
	char		 subject[128];
	int		 rc;

	if ((rc = reg_txn_begin(r)) != REG_OK)
		goto out;
	if ((rc = card_find_registered(r, number, &c)) != REG_OK)
		goto done;
	if (strcmp(c.state, "active") != 0 && strcmp(c.state, "found") != 0) {
		rc = card_state_refusal(r, &c, what);
		goto done;
	}
	if (document != NULL && *document == '\0')
		document = NULL;
	if (!c.has_photo && document == NULL) {
		rc = reg_say(r, REG_REFUSED, "card %s has no photo: the resident "
		    "must show an official photo document (e.g. a driver's "
		    "licence); give it with --document", number);
		goto done;
	}
	json_object_set_new(d, "resident", json_string(c.uid));
	json_object_set_new(d, "card", json_string(number));
	json_object_set_new(d, "card_photo", json_boolean(c.has_photo));
	json_object_set_new(d, "identity", json_string(document != NULL ?
	    document : "card with photo"));
	snprintf(subject, sizeof(subject), "card %s", number);
	rc = finish(r, action, subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	json_decref(d);
	return rc;
}

int
reg_card_unlock(struct reg *r, const char *number, const char *document)
{
	return counter_procedure(r, number, document, "unlocking",
	    "card.unlock");
}

int
reg_password_change(struct reg *r, const char *number, const char *document)
{
	return counter_procedure(r, number, document, "a password change",
	    "password.change");
}

/* --- certificates --------------------------------------------------------- */

#define CERT_COLS \
	"c.id, i.name, c.serial, c.kind, c.status, c.reason, c.not_before, " \
	"c.not_after, c.revoked_at, c.hold_at, c.change_seq, k.number, " \
	"k.type, s.uid, c.issuer_id, k.state"
#define CERT_FROM \
	" FROM certificates c JOIN issuers i ON i.id = c.issuer_id " \
	"LEFT JOIN cards k ON k.id = c.card_id " \
	"LEFT JOIN residents s ON s.id = c.resident_id "

static json_t *
time_json(sqlite3_stmt *st, int col)
{
	char	 iso[21];

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	clock_format_iso((time_t)sqlite3_column_int64(st, col), iso);
	return json_string(iso);
}

static json_t *
cert_row_json(struct reg *r, sqlite3_stmt *st)
{
	json_t		*o = json_object();
	char		 hex[SERIAL_HEX_MAX], date[11];
	const char	*status = col_str(st, 4);
	time_t		 na = (time_t)sqlite3_column_int64(st, 7);
	int		 expired = na < r->now;

	col_serial_hex(st, 2, hex);
	json_object_set_new(o, "serial", json_string(hex));
	json_object_set_new(o, "issuer", json_string(col_str(st, 1)));
	json_object_set_new(o, "kind", json_string(col_str(st, 3)));
	json_object_set_new(o, "status", json_string(status));
	/* What a person reads: "expired" only for a certificate never ended. */
	json_object_set_new(o, "state", json_string(strcmp(status, "good") == 0 &&
	    expired ? "expired" : status));
	json_object_set_new(o, "expired", json_boolean(expired));
	json_object_set_new(o, "reason", sqlite3_column_type(st, 5) ==
	    SQLITE_NULL ? json_null() :
	    json_string(reg_reason_name(sqlite3_column_int(st, 5))));
	json_object_set_new(o, "not_before", time_json(st, 6));
	json_object_set_new(o, "not_after", time_json(st, 7));
	clock_format_date(na, JST_OFFSET_SEC, date);
	json_object_set_new(o, "expiry_date_jst", json_string(date));
	json_object_set_new(o, "revoked_at", time_json(st, 8));
	json_object_set_new(o, "hold_at", time_json(st, 9));
	json_object_set_new(o, "change_seq", json_integer(sqlite3_column_int64(st, 10)));
	json_object_set_new(o, "card", sqlite3_column_type(st, 11) == SQLITE_NULL ?
	    json_null() : json_string(col_str(st, 11)));
	json_object_set_new(o, "card_type", sqlite3_column_type(st, 12) ==
	    SQLITE_NULL ? json_null() : json_string(col_str(st, 12)));
	json_object_set_new(o, "resident", sqlite3_column_type(st, 13) ==
	    SQLITE_NULL ? json_null() : json_string(col_str(st, 13)));
	json_object_set_new(o, "card_state", sqlite3_column_type(st, 15) ==
	    SQLITE_NULL ? json_null() : json_string(col_str(st, 15)));
	return o;
}

/* Find the one certificate with this serial (and issuer name): its id. */
static int
cert_find(struct reg *r, const char *serial_hex, const char *issuer,
    struct serial *s, int64_t *id)
{
	sqlite3_stmt	*st;
	int		 rc = REG_OK, step, n = 0;

	if (serial_hex == NULL || serial_from_hex(serial_hex, s) != 0)
		return reg_say(r, REG_REFUSED, "\"%s\" is not a serial number "
		    "(hexadecimal, as openssl x509 -serial prints it)",
		    serial_hex != NULL ? serial_hex : "");
	if ((st = prep(r, "SELECT c.id FROM certificates c JOIN issuers i ON "
	    "i.id = c.issuer_id WHERE c.serial = ?1 AND (?2 IS NULL OR "
	    "i.name = ?2)")) == NULL)
		return REG_ERROR;
	sqlite3_bind_blob(st, 1, s->b, (int)s->len, SQLITE_STATIC);
	if (issuer != NULL)
		sqlite3_bind_text(st, 2, issuer, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		n++;
	}
	if (step != SQLITE_DONE)
		rc = dberr(r);
	else if (n == 0)
		rc = reg_say(r, REG_REFUSED, "no certificate with serial %s%s%s",
		    serial_hex, issuer != NULL ? " from issuer " : "",
		    issuer != NULL ? issuer : "");
	else if (n > 1)
		rc = reg_say(r, REG_REFUSED, "serial %s was issued by several "
		    "issuers: name one with --ca", serial_hex);
	sqlite3_finalize(st);
	return rc;
}

static json_t *
cert_by_id(struct reg *r, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*o = NULL;

	if ((st = prep(r, "SELECT " CERT_COLS CERT_FROM "WHERE c.id = ?")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = cert_row_json(r, st);
	else
		dberr(r);
	sqlite3_finalize(st);
	return o;
}

int
reg_cert_revoke(struct reg *r, const char *serial_hex, const char *issuer,
    int reason)
{
	struct serial	 s;
	json_t		*d = json_object(), *cert = NULL;
	const char	*status;
	int64_t		 id;
	char		 subject[128], hex[SERIAL_HEX_MAX];
	int		 rc;

	if ((rc = reg_txn_begin(r)) != REG_OK)
		goto out;
	if (reg_reason_name(reason) == NULL ||
	    reason == REASON_CERTIFICATE_HOLD || reason == 8) {
		rc = reg_say(r, REG_REFUSED, "reason must be an RFC 5280 revocation "
		    "reason such as keyCompromise or cessationOfOperation (a "
		    "hold comes only from `card lost`)");
		goto done;
	}
	if ((rc = cert_find(r, serial_hex, issuer, &s, &id)) != REG_OK)
		goto done;
	if ((cert = cert_by_id(r, id)) == NULL) {
		rc = REG_ERROR;
		goto done;
	}
	serial_to_hex(&s, hex);
	status = json_string_value(json_object_get(cert, "status"));
	if (strcmp(status, "revoked") == 0) {
		rc = reg_say(r, REG_REFUSED, "certificate %s is already revoked (%s)",
		    hex, json_string_value(json_object_get(cert, "reason")));
		goto done;
	}
	if ((rc = certs_event(r, d, "id = ?1 AND ?2 = ?2", id, "revoked",
	    reason)) != REG_OK)
		goto done;
	json_object_set(d, "issuer", json_object_get(cert, "issuer"));
	json_object_set(d, "resident", json_object_get(cert, "resident"));
	json_object_set(d, "card", json_object_get(cert, "card"));
	json_object_set_new(d, "was", json_string(status));
	snprintf(subject, sizeof(subject), "serial %s", hex);
	rc = finish(r, "cert.revoke", subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	json_decref(cert);
	json_decref(d);
	return rc;
}

void
reg_plan_free(struct issue_plan *p)
{
	free(p->uid);
	free(p->name);
	free(p->address);
	free(p->birth_date);
	memset(p, 0, sizeof(*p));
}

int
reg_issue_plan(struct reg *r, const char *number, const char *kind,
    time_t issued, struct issue_plan *p)
{
	struct card_row	 c;
	sqlite3_stmt	*st;
	char		 end[11], today[11];
	time_t		 now = clock_now();
	int		 rc;

	memset(p, 0, sizeof(*p));
	if (r->now == 0)
		r->now = now;
	if (kind == NULL || (strcmp(kind, "sign") != 0 && strcmp(kind, "auth") != 0))
		return reg_say(r, REG_REFUSED, "certificate kind must be sign or auth");
	if (issued > now)
		return reg_say(r, REG_REFUSED, "the issue date is in the future");
	if ((rc = card_find(r, number, &c)) != REG_OK)
		return rc;
	if (c.resident_removed)
		return reg_say(r, REG_REFUSED, "the holder of card %s has been "
		    "removed from the register: no certificate", number);
	if (strcmp(c.state, "active") != 0)
		return card_state_refusal(r, &c, "issuing a certificate");
	if (strcmp(c.type, "juki") == 0) {
		if (strcmp(kind, "auth") == 0)
			return reg_say(r, REG_REFUSED, "user authentication (auth) "
			    "certificates are issued only on My Number Cards; card "
			    "%s is a Juki card", number);
		if (issued + JST_OFFSET_SEC >= r->cfg->juki_issuance_end) {
			clock_format_date(r->cfg->juki_issuance_end, 0, end);
			return reg_say(r, REG_REFUSED, "Juki-card certificates are no "
			    "longer issued (since %s); apply for a My Number Card",
			    end);
		}
	}
	clock_format_date(issued, JST_OFFSET_SEC, today);
	if (strcmp(today, c.expires) > 0)
		return reg_say(r, REG_REFUSED, "card %s expired on %s: no certificate "
		    "on it", number, c.expires);
	p->card_id = c.id;
	p->resident_id = c.resident_id;
	snprintf(p->card_type, sizeof(p->card_type), "%s", c.type);
	snprintf(p->card_expires, sizeof(p->card_expires), "%s", c.expires);
	if ((st = prep(r, "SELECT uid, name, address, birth_date, sex FROM "
	    "residents WHERE id = ?")) == NULL)
		return REG_ERROR;
	sqlite3_bind_int64(st, 1, c.resident_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		p->uid = xstrdup0(col_str(st, 0));
		p->name = xstrdup0(col_str(st, 1));
		p->address = xstrdup0(col_str(st, 2));
		p->birth_date = xstrdup0(col_str(st, 3));
		p->sex = sqlite3_column_int(st, 4);
		rc = REG_OK;
	} else
		rc = dberr(r);
	sqlite3_finalize(st);
	if (rc != REG_OK)
		return rc;
	p->not_before = issued;
	if (reg_validity_end(r->cfg, c.type, p->birth_date, c.expires, issued,
	    &p->not_after) != 0) {
		reg_plan_free(p);
		return reg_say(r, REG_REFUSED, "bad date of birth or card expiry on "
		    "record for card %s", number);
	}
	if (p->not_after <= issued) {
		reg_plan_free(p);
		return reg_say(r, REG_REFUSED, "card %s expires too soon for a "
		    "certificate", number);
	}
	return REG_OK;
}

int
reg_cert_insert(struct reg *r, int64_t issuer_id, const struct serial *serial,
    const unsigned char *der, size_t derlen, const struct issue_plan *p,
    const char *kind, const char *action)
{
	sqlite3_stmt	*st;
	json_t		*d;
	int64_t		 seq;
	char		 hex[SERIAL_HEX_MAX], subject[128], nb[21], na[21];
	char		 date[11];
	int		 rc, step;

	if (r->now == 0)
		r->now = clock_now();
	serial_to_hex(serial, hex);
	/* A new serial turns from unknown to good: readers must hear of it. */
	if ((seq = db_next_change(r->db)) < 0)
		return dberr(r);
	if ((st = prep(r, "INSERT INTO certificates (issuer_id, serial, card_id, "
	    "resident_id, kind, not_before, not_after, der, status, change_seq, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'good', ?, ?)")) == NULL)
		return REG_ERROR;
	sqlite3_bind_int64(st, 1, issuer_id);
	sqlite3_bind_blob(st, 2, serial->b, (int)serial->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, p->card_id);
	sqlite3_bind_int64(st, 4, p->resident_id);
	sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (int64_t)p->not_before);
	sqlite3_bind_int64(st, 7, (int64_t)p->not_after);
	if (der != NULL)
		sqlite3_bind_blob(st, 8, der, (int)derlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, seq);
	sqlite3_bind_int64(st, 10, (int64_t)r->now);
	step = sqlite3_step(st);
	if (step == SQLITE_CONSTRAINT_UNIQUE)
		rc = reg_say(r, REG_REFUSED, "a certificate with serial %s from this "
		    "issuer is already recorded", hex);
	else if (step != SQLITE_DONE)
		rc = dberr(r);
	else
		rc = REG_OK;
	sqlite3_finalize(st);
	if (rc != REG_OK)
		return rc;
	d = json_object();
	json_object_set_new(d, "serial", json_string(hex));
	json_object_set_new(d, "kind", json_string(kind));
	json_object_set_new(d, "resident", json_string(p->uid));
	clock_format_iso(p->not_before, nb);
	clock_format_iso(p->not_after, na);
	json_object_set_new(d, "not_before", json_string(nb));
	json_object_set_new(d, "not_after", json_string(na));
	clock_format_date(p->not_after, JST_OFFSET_SEC, date);
	json_object_set_new(d, "expiry_date_jst", json_string(date));
	json_object_set_new(d, "card_expires", json_string(p->card_expires));
	json_object_set_new(d, "card_type", json_string(p->card_type));
	snprintf(subject, sizeof(subject), "serial %s", hex);
	rc = finish(r, action, subject, d);
	json_decref(d);
	return rc;
}

/* --- issuers -------------------------------------------------------------- */

void
reg_issuer_free(struct issuer_row *i)
{
	free(i->name);
	free(i->ca_cert);
	free(i->ca_key);
	free(i->signer_cert);
	free(i->signer_key);
	memset(i, 0, sizeof(*i));
}

int
reg_issuer_get(struct reg *r, const char *name, struct issuer_row *out)
{
	sqlite3_stmt	*st;
	int		 rc = REG_OK, step, n = 0;

	memset(out, 0, sizeof(*out));
	if ((st = prep(r, "SELECT id, name, ca_cert, ca_key, signer_cert, "
	    "signer_key FROM issuers WHERE ?1 IS NULL OR name = ?1 "
	    "ORDER BY id LIMIT 2")) == NULL)
		return REG_ERROR;
	if (name != NULL)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ > 0)
			continue;
		out->id = sqlite3_column_int64(st, 0);
		out->name = xstrdup0(col_str(st, 1));
		out->ca_cert = xstrdup0(col_str(st, 2));
		out->ca_key = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL :
		    xstrdup0(col_str(st, 3));
		out->signer_cert = xstrdup0(col_str(st, 4));
		out->signer_key = xstrdup0(col_str(st, 5));
	}
	if (step != SQLITE_DONE)
		rc = dberr(r);
	else if (n == 0 && name != NULL)
		rc = reg_say(r, REG_REFUSED, "no issuer named \"%s\" (see certctl "
		    "ca list)", name);
	else if (n == 0)
		rc = reg_say(r, REG_REFUSED, "no issuer yet: create one with "
		    "certctl ca create NAME");
	else if (n > 1)
		rc = reg_say(r, REG_REFUSED, "there are several issuers: name one "
		    "with --ca");
	sqlite3_finalize(st);
	if (rc != REG_OK)
		reg_issuer_free(out);
	return rc;
}

/* --- read side ------------------------------------------------------------ */

/*
 * Step st to the end and collect row(r, st) for each row in a JSON array;
 * st is finalized.  NULL (and the error said) if a step fails.
 */
static json_t *
rows_json(struct reg *r, sqlite3_stmt *st,
    json_t *(*row)(struct reg *, sqlite3_stmt *))
{
	json_t	*a = json_array();
	int	 step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a, row(r, st));
	if (step != SQLITE_DONE) {
		dberr(r);
		json_decref(a);
		a = NULL;
	}
	sqlite3_finalize(st);
	return a;
}

json_t *
reg_cert_show(struct reg *r, const char *serial_hex, const char *issuer)
{
	struct serial	 s;
	int64_t		 id;

	r->now = clock_now();
	if (cert_find(r, serial_hex, issuer, &s, &id) != REG_OK)
		return NULL;
	return cert_by_id(r, id);
}

json_t *
reg_cert_list(struct reg *r, const char *uid, const char *card,
    const char *status)
{
	sqlite3_stmt	*st;

	r->now = clock_now();
	if (status != NULL && strcmp(status, "good") != 0 &&
	    strcmp(status, "revoked") != 0 && strcmp(status, "hold") != 0 &&
	    strcmp(status, "expired") != 0) {
		reg_say(r, REG_REFUSED, "status must be good, revoked, hold or expired");
		return NULL;
	}
	if ((st = prep(r, "SELECT " CERT_COLS CERT_FROM
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
	return rows_json(r, st, cert_row_json);
}

static json_t *
issuer_row_json(struct reg *r, sqlite3_stmt *st)
{
	json_t	*o = json_object();

	(void)r;
	json_object_set_new(o, "name", json_string(col_str(st, 0)));
	json_object_set_new(o, "ca_key", json_boolean(sqlite3_column_int(st, 1)));
	json_object_set_new(o, "signer_key", json_string(col_str(st, 2)));
	json_object_set_new(o, "created_at", time_json(st, 3));
	json_object_set_new(o, "certificates",
	    json_integer(sqlite3_column_int64(st, 4)));
	return o;
}

json_t *
reg_issuer_list(struct reg *r)
{
	sqlite3_stmt	*st;

	if ((st = prep(r, "SELECT i.name, i.ca_key IS NOT NULL, i.signer_key, "
	    "i.created_at, (SELECT count(*) FROM certificates c WHERE "
	    "c.issuer_id = i.id) FROM issuers i ORDER BY i.id")) == NULL)
		return NULL;
	return rows_json(r, st, issuer_row_json);
}

static json_t *
audit_row_json(struct reg *r, sqlite3_stmt *st)
{
	json_t	*o = json_object(), *detail;

	(void)r;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "at", time_json(st, 1));
	json_object_set_new(o, "operator", json_string(col_str(st, 2)));
	json_object_set_new(o, "office", json_string(col_str(st, 3)));
	json_object_set_new(o, "action", json_string(col_str(st, 4)));
	json_object_set_new(o, "subject", json_string(col_str(st, 5)));
	detail = json_loads(col_str(st, 6), 0, NULL);
	json_object_set_new(o, "detail", detail != NULL ? detail :
	    json_string(col_str(st, 6)));
	return o;
}

json_t *
reg_audit_show(struct reg *r, int limit)
{
	sqlite3_stmt	*st;

	if ((st = prep(r, "SELECT * FROM (SELECT id, at, operator, office, "
	    "action, subject, detail FROM audit ORDER BY id DESC LIMIT ?) "
	    "ORDER BY id")) == NULL)
		return NULL;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	return rows_json(r, st, audit_row_json);
}
