/* SPDX-License-Identifier: ISC */
/*
 * registry_card.c: the card events (add, replace, lost, found, return) and
 * the counter procedures on a card (unlock, password change).  What each
 * may do and revoke is its rules_events row (rules.c).  See registry.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "registry_impl.h"

int
reg_card_load(struct reg *r, const char *number, struct card_row *c)
{
	sqlite3_stmt	*st;
	char		 today[11];
	int		 rc;

	memset(c, 0, sizeof(*c));
	c->state = CARD_NONE;
	snprintf(c->number, sizeof(c->number), "%s", number != NULL ? number : "");
	if ((st = reg_prep(r, "SELECT k.id, k.resident_id, k.number, k.type, "
	    "k.expires, k.has_photo, k.state, s.uid, s.state, s.moved_out_at "
	    "FROM cards k JOIN residents s ON s.id = k.resident_id "
	    "WHERE k.number = ?")) == NULL)
		return REG_ERROR;
	sqlite3_bind_text(st, 1, number != NULL ? number : "", -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		c->id = sqlite3_column_int64(st, 0);
		c->resident_id = sqlite3_column_int64(st, 1);
		snprintf(c->number, sizeof(c->number), "%s", reg_col_str(st, 2));
		snprintf(c->type, sizeof(c->type), "%s", reg_col_str(st, 3));
		snprintf(c->expires, sizeof(c->expires), "%s", reg_col_str(st, 4));
		c->has_photo = sqlite3_column_int(st, 5);
		snprintf(c->stored, sizeof(c->stored), "%s", reg_col_str(st, 6));
		reg_today(r, today);
		c->state = rules_card_state(c->stored, c->expires, today);
		snprintf(c->uid, sizeof(c->uid), "%s", reg_col_str(st, 7));
		c->res_state = reg_col_res_state(st, 8, c->moved_out_on);
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

int
reg_card_allowed(struct reg *r, enum rule_ev ev, const struct card_row *c)
{
	struct rule_subject	 s = { c->uid, c->number, c->expires,
	    c->moved_out_on[0] != '\0' ? c->moved_out_on : NULL };

	/* A card nobody holds: the card is what is missing. */
	if (c->state == CARD_NONE && ev != EV_CARD_ADD)
		return reg_say(r, REG_REFUSED, "no card with number \"%s\"",
		    c->number);
	if (rules_allowed(ev, c->state == CARD_NONE ? RES_ACTIVE : c->res_state,
	    c->state, &s, r->why, sizeof(r->why)))
		return REG_REFUSED;
	return REG_OK;
}

static json_t *
card_request(const char *uid, const char *old, const struct card_info *ci)
{
	json_t	*q = json_object();
	char	 d[11];

	if (uid != NULL)
		json_object_set_new(q, "resident", json_string(uid));
	if (old != NULL)
		json_object_set_new(q, "old", json_string(old));
	if (ci->number != NULL)
		json_object_set_new(q, "number", json_string(ci->number));
	if (ci->type != NULL)
		json_object_set_new(q, "type", json_string(ci->type));
	if (ci->expires != NULL)
		json_object_set_new(q, "expires", json_string(ci->expires));
	if (ci->issued != 0) {
		clock_format_date(ci->issued, JST_OFFSET_SEC, d);
		json_object_set_new(q, "issued_on", json_string(d));
	}
	return q;
}

/* has_photo < 0: the default of the type (a My Number Card always has one). */
static int
card_photo(const struct card_info *ci)
{
	if (ci->has_photo >= 0)
		return ci->has_photo != 0;
	return strcmp(ci->type, "mynumber") == 0;
}

/*
 * The new card ci for a holder born birth_date: number free and well
 * formed, type known, validity plausible.  *issued gets its issue time.
 */
static int
new_card_check(struct reg *r, const struct card_info *ci,
    const char *birth_date, time_t *issued)
{
	struct card_row	 other;
	int		 rc;

	if (rules_card_number_check(ci->number, r->why, sizeof(r->why)))
		return REG_REFUSED;
	if (ci->type == NULL || (strcmp(ci->type, "juki") != 0 &&
	    strcmp(ci->type, "mynumber") != 0))
		return reg_say(r, REG_REFUSED, "card type must be juki or mynumber");
	if (!reg_date_valid(ci->expires))
		return reg_say(r, REG_REFUSED, "the card's expiry date must be a "
		    "real date written YYYY-MM-DD");
	if (strcmp(ci->type, "mynumber") == 0 && ci->has_photo == 0)
		return reg_say(r, REG_REFUSED, "a My Number Card always carries "
		    "a photo");
	*issued = ci->issued != 0 ? ci->issued : r->now;
	if (ci->issued != 0 && rules_history_check(r->cfg, "the card's issue "
	    "date", ci->issued, r->now, r->why, sizeof(r->why)))
		return REG_REFUSED;
	if ((rc = reg_card_load(r, ci->number, &other)) != REG_OK)
		return rc;
	if (other.state != CARD_NONE)
		return reg_say(r, REG_REFUSED, "card number %s is already recorded",
		    ci->number);
	if (rules_card_validity_check(r->cfg, ci->type, birth_date, *issued,
	    ci->expires, r->why, sizeof(r->why)))
		return REG_REFUSED;
	return REG_OK;
}

static int
card_insert(struct reg *r, int64_t resident_id, const struct card_info *ci,
    time_t issued, int64_t *id)
{
	sqlite3_stmt	*st;
	char		 on[11];
	int		 rc;

	clock_format_date(issued, JST_OFFSET_SEC, on);
	if ((st = reg_prep(r, "INSERT INTO cards (number, resident_id, type, "
	    "expires, has_photo, created_at, updated_at, issued_on) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) == NULL)
		return REG_ERROR;
	sqlite3_bind_text(st, 1, ci->number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, resident_id);
	sqlite3_bind_text(st, 3, ci->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ci->expires, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, card_photo(ci));
	sqlite3_bind_int64(st, 6, (int64_t)r->now);
	sqlite3_bind_int64(st, 7, (int64_t)r->now);
	sqlite3_bind_text(st, 8, on, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_DONE) {
		*id = sqlite3_last_insert_rowid(r->db->h);
		rc = REG_OK;
	} else
		rc = reg_dberr(r);
	sqlite3_finalize(st);
	return rc;
}

static void
card_detail(json_t *d, const struct card_info *ci, time_t issued)
{
	char	 on[11];

	clock_format_date(issued, JST_OFFSET_SEC, on);
	json_object_set_new(d, "number", json_string(ci->number));
	json_object_set_new(d, "type", json_string(ci->type));
	json_object_set_new(d, "expires", json_string(ci->expires));
	json_object_set_new(d, "issued_on", json_string(on));
	json_object_set_new(d, "photo", json_boolean(card_photo(ci)));
}

/* The resident's card in use (active, lost or found, not expired), if any. */
static int
current_card(struct reg *r, int64_t resident_id, struct card_row *c)
{
	sqlite3_stmt	*st;
	char		 today[11], number[RULES_CARD_NUMBER_MAX + 1];
	int		 rc = REG_OK, step;

	memset(c, 0, sizeof(*c));
	c->state = CARD_NONE;
	reg_today(r, today);
	if ((st = reg_prep(r, "SELECT number FROM cards WHERE resident_id = ?1 "
	    "AND (state = 'lost' OR (state IN ('active', 'found') AND "
	    "expires >= ?2)) ORDER BY id DESC LIMIT 1")) == NULL)
		return REG_ERROR;
	sqlite3_bind_int64(st, 1, resident_id);
	sqlite3_bind_text(st, 2, today, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		snprintf(number, sizeof(number), "%s", reg_col_str(st, 0));
		sqlite3_finalize(st);
		return reg_card_load(r, number, c);
	}
	if (step != SQLITE_DONE)
		rc = reg_dberr(r);
	sqlite3_finalize(st);
	return rc;
}

int
reg_card_add(struct reg *r, const char *uid, const struct card_info *ci)
{
	char	 subject[128];
	int	 rc;

	snprintf(subject, sizeof(subject), "card %s", ci->number != NULL ?
	    ci->number : "");
	if ((rc = reg_txn_begin_as(r, EV_CARD_ADD, subject,
	    card_request(uid, NULL, ci))) != REG_OK)
		return rc;
	return reg_txn_end(r, reg_card_add_tx(r, uid, ci));
}

int
reg_card_add_tx(struct reg *r, const char *uid, const struct card_info *ci)
{
	struct resident_row	 res;
	struct card_row		 cur;
	struct rule_subject	 s = { uid, ci->number, NULL, NULL };
	json_t			*d = json_object();
	time_t			 issued;
	int64_t			 cid;
	char			 subject[128];
	int			 rc;

	if ((rc = reg_resident_load(r, uid, &res)) != REG_OK)
		goto done;
	s.moved_out_on = res.moved_out_on[0] != '\0' ? res.moved_out_on : NULL;
	if (rules_allowed(EV_CARD_ADD, res.state, CARD_NONE, &s, r->why,
	    sizeof(r->why))) {
		rc = REG_REFUSED;
		goto done;
	}
	/* One card in use per resident: a new one is a replacement. */
	if ((rc = current_card(r, res.id, &cur)) != REG_OK)
		goto done;
	if (cur.state != CARD_NONE) {
		rc = reg_say(r, REG_REFUSED, "resident \"%s\" already holds card "
		    "%s (%s %s): a new card is a replacement: certctl card "
		    "replace %s --number %s ...", uid, cur.number, cur.type,
		    rules_card_state_name(cur.state), cur.number,
		    ci->number != NULL ? ci->number : "NEW");
		goto done;
	}
	if ((rc = new_card_check(r, ci, res.birth_date, &issued)) != REG_OK ||
	    (rc = card_insert(r, res.id, ci, issued, &cid)) != REG_OK)
		goto done;
	json_object_set_new(d, "resident", json_string(uid));
	card_detail(d, ci, issued);
	snprintf(subject, sizeof(subject), "card %s", ci->number);
	rc = reg_finish(r, "card.add", subject, d);
 done:
	reg_resident_row_free(&res);
	json_decref(d);
	return rc;
}

int
reg_card_replace(struct reg *r, const char *old_number,
    const struct card_info *ci)
{
	struct card_row		 c;
	struct resident_row	 res;
	struct card_info	 ni = *ci;
	json_t			*d = json_object();
	time_t			 issued;
	int64_t			 cid;
	char			 subject[128];
	int			 rc;

	memset(&res, 0, sizeof(res));
	snprintf(subject, sizeof(subject), "card %s", old_number);
	if ((rc = reg_txn_begin_as(r, EV_CARD_REPLACE, subject,
	    card_request(NULL, old_number, ci))) != REG_OK)
		goto out;
	if ((rc = reg_card_load(r, old_number, &c)) != REG_OK ||
	    (rc = reg_card_allowed(r, EV_CARD_REPLACE, &c)) != REG_OK ||
	    (rc = reg_resident_load(r, c.uid, &res)) != REG_OK)
		goto done;
	if (ni.type == NULL)
		ni.type = c.type;
	if ((rc = new_card_check(r, &ni, res.birth_date, &issued)) != REG_OK ||
	    (rc = card_insert(r, c.resident_id, &ni, issued, &cid)) != REG_OK ||
	    (rc = reg_apply_effects(r, EV_CARD_REPLACE, c.id, d)) != REG_OK)
		goto done;
	{
		sqlite3_stmt	*st;

		if ((st = reg_prep(r, "UPDATE cards SET state = 'replaced', "
		    "replaced_by = ?, updated_at = ? WHERE id = ?")) == NULL) {
			rc = REG_ERROR;
			goto done;
		}
		sqlite3_bind_int64(st, 1, cid);
		sqlite3_bind_int64(st, 2, (int64_t)r->now);
		sqlite3_bind_int64(st, 3, c.id);
		rc = sqlite3_step(st) == SQLITE_DONE ? REG_OK : reg_dberr(r);
		sqlite3_finalize(st);
		if (rc != REG_OK)
			goto done;
	}
	json_object_set_new(d, "resident", json_string(c.uid));
	json_object_set_new(d, "old", json_string(old_number));
	json_object_set_new(d, "old_state", json_string(
	    rules_card_state_name(c.state)));
	card_detail(d, &ni, issued);
	rc = reg_finish(r, "card.replace", subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	reg_resident_row_free(&res);
	json_decref(d);
	return rc;
}

/* A card event of the table: allowed in the card's state, its certificate
 * changes, the card's new state. */
static int
card_event(struct reg *r, enum rule_ev ev, const char *number)
{
	const struct rule_event	*e = rules_event(ev);
	struct card_row		 c;
	json_t			*d = json_object(), *q = json_object();
	char			 subject[128];
	int			 rc;

	snprintf(subject, sizeof(subject), "card %s", number);
	json_object_set_new(q, "card", json_string(number));
	if ((rc = reg_txn_begin_as(r, ev, subject, q)) != REG_OK)
		goto out;
	if ((rc = reg_card_load(r, number, &c)) != REG_OK ||
	    (rc = reg_card_allowed(r, ev, &c)) != REG_OK ||
	    (rc = reg_apply_effects(r, ev, c.id, d)) != REG_OK ||
	    (rc = reg_exec3(r, "UPDATE cards SET state = ?1, updated_at = ?2 "
	    "WHERE id = ?3", rules_card_state_name(e->card_to), (int64_t)r->now,
	    c.id)) != REG_OK)
		goto done;
	json_object_set_new(d, "resident", json_string(c.uid));
	json_object_set_new(d, "card", json_string(number));
	json_object_set_new(d, "card_was", json_string(
	    rules_card_state_name(c.state)));
	json_object_set_new(d, "card_now", json_string(
	    rules_card_state_name(e->card_to)));
	rc = reg_finish(r, e->action, subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	json_decref(d);
	return rc;
}

int
reg_card_lost(struct reg *r, const char *number)
{
	return card_event(r, EV_CARD_LOST, number);
}

int
reg_card_found(struct reg *r, const char *number)
{
	/* JPKI never lifts a hold: it becomes a revocation; the card itself
	 * is usable again and the holder applies for new certificates. */
	return card_event(r, EV_CARD_FOUND, number);
}

int
reg_card_return(struct reg *r, const char *number)
{
	return card_event(r, EV_CARD_RETURN, number);
}

static int
counter_procedure(struct reg *r, enum rule_ev ev, const char *number,
    const char *secret, const char *document)
{
	const struct rule_event	*e = rules_event(ev);
	const struct rule_secret *sec;
	struct card_row		 c;
	json_t			*d = json_object(), *q = json_object();
	char			 subject[128];
	int			 rc;

	snprintf(subject, sizeof(subject), "card %s", number);
	json_object_set_new(q, "card", json_string(number));
	if (secret != NULL)
		json_object_set_new(q, "secret", json_string(secret));
	if (document != NULL)
		json_object_set_new(q, "document", json_string(document));
	if ((rc = reg_txn_begin_as(r, ev, subject, q)) != REG_OK)
		goto out;
	if (document != NULL && *document == '\0')
		document = NULL;
	if ((rc = reg_card_load(r, number, &c)) != REG_OK ||
	    (rc = reg_card_allowed(r, ev, &c)) != REG_OK)
		goto done;
	if ((sec = rules_secret_find(secret, c.type, r->why,
	    sizeof(r->why))) == NULL ||
	    rules_document_check(r->cfg, c.has_photo, document, r->why,
	    sizeof(r->why))) {
		rc = REG_REFUSED;
		goto done;
	}
	json_object_set_new(d, "resident", json_string(c.uid));
	json_object_set_new(d, "card", json_string(number));
	json_object_set_new(d, "card_photo", json_boolean(c.has_photo));
	json_object_set_new(d, "secret", json_string(sec->key));
	json_object_set_new(d, "secret_name", json_string(sec->name));
	json_object_set_new(d, "secret_format", json_string(sec->format));
	json_object_set_new(d, "locks_after", json_integer(sec->tries));
	json_object_set_new(d, "identity", json_string(document != NULL ?
	    document : "card with photo"));
	rc = reg_finish(r, e->action, subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	json_decref(d);
	return rc;
}

int
reg_card_unlock(struct reg *r, const char *number, const char *secret,
    const char *document)
{
	return counter_procedure(r, EV_CARD_UNLOCK, number, secret, document);
}

int
reg_password_change(struct reg *r, const char *number, const char *secret,
    const char *document)
{
	return counter_procedure(r, EV_PASSWORD_CHANGE, number, secret,
	    document);
}
