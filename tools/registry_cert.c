/* SPDX-License-Identifier: ISC */
/*
 * registry_cert.c: certificates in the registry: the counter's revoke, the
 * plan an issuance follows (who, which card, until when, whether allowed),
 * the record of an issued or imported certificate (a renewal supersedes
 * the previous one of its kind), and issuers.  See registry.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "registry_impl.h"
#include "xalloc.h"

int
reg_cert_find(struct reg *r, const char *serial_hex, const char *issuer,
    struct serial *s, int64_t *id)
{
	sqlite3_stmt	*st;
	int		 rc = REG_OK, step, n = 0;

	if (serial_hex == NULL || serial_from_hex(serial_hex, s) != 0)
		return reg_say(r, REG_REFUSED, "\"%.64s\" is not a serial number "
		    "(hexadecimal, as openssl x509 -serial prints it)",
		    serial_hex != NULL ? serial_hex : "");
	/*
	 * Issuers first (CROSS JOIN fixes the order), then the (issuer_id,
	 * serial) index per issuer: joined the other way SQLite scans every
	 * certificate's index entry, 1.3 s a revoke at 10M (bench-national).
	 */
	if ((st = reg_prep(r, "SELECT c.id FROM issuers i CROSS JOIN "
	    "certificates c ON c.issuer_id = i.id AND c.serial = ?1 WHERE "
	    "?2 IS NULL OR i.name = ?2")) == NULL)
		return REG_ERROR;
	sqlite3_bind_blob(st, 1, s->b, (int)s->len, SQLITE_STATIC);
	if (issuer != NULL)
		sqlite3_bind_text(st, 2, issuer, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		n++;
	}
	if (step != SQLITE_DONE)
		rc = reg_dberr(r);
	else if (n == 0)
		rc = reg_say(r, REG_REFUSED, "no certificate with serial %s%s%.64s",
		    serial_hex, issuer != NULL ? " from issuer " : "",
		    issuer != NULL ? issuer : "");
	else if (n > 1)
		rc = reg_say(r, REG_REFUSED, "serial %s was issued by several "
		    "issuers: name one with --ca", serial_hex);
	sqlite3_finalize(st);
	return rc;
}

json_t *
reg_cert_by_id(struct reg *r, int64_t id)
{
	sqlite3_stmt	*st;
	json_t		*o = NULL;

	if ((st = reg_prep(r, "SELECT " REG_CERT_COLS REG_CERT_FROM
	    "WHERE c.id = ?")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = reg_cert_row_json(r, st);
	else
		reg_dberr(r);
	sqlite3_finalize(st);
	return o;
}

int
reg_cert_revoke(struct reg *r, const char *serial_hex, const char *issuer,
    int reason)
{
	struct resident_row	 res;
	struct rule_subject	 rs;
	struct serial		 s;
	json_t			*d = json_object(), *cert = NULL, *q = json_object();
	const char		*state, *uid, *kind;
	int64_t			 id;
	char			 subject[128], hex[SERIAL_HEX_MAX];
	int			 rc;

	memset(&res, 0, sizeof(res));
	snprintf(subject, sizeof(subject), "serial %.64s", serial_hex != NULL ?
	    serial_hex : "");
	json_object_set_new(q, "serial", json_string(serial_hex != NULL ?
	    serial_hex : ""));
	json_object_set_new(q, "reason", reg_reason_name(reason) != NULL ?
	    json_string(reg_reason_name(reason)) : json_integer(reason));
	if (issuer != NULL)
		json_object_set_new(q, "issuer", json_string(issuer));
	if ((rc = reg_txn_begin_as(r, EV_CERT_REVOKE, subject, q)) != REG_OK)
		goto out;
	/* A reason the counter never uses is refused whatever the serial;
	 * affiliationChanged depends on the certificate's kind (below). */
	if (reason != REASON_AFFILIATION_CHANGED &&
	    rules_revoke_reason_check(NULL, reason, r->why, sizeof(r->why))) {
		rc = REG_REFUSED;
		goto done;
	}
	if ((rc = reg_cert_find(r, serial_hex, issuer, &s, &id)) != REG_OK)
		goto done;
	if ((cert = reg_cert_by_id(r, id)) == NULL) {
		rc = REG_ERROR;
		goto done;
	}
	serial_to_hex(&s, hex);
	snprintf(subject, sizeof(subject), "serial %s", hex);
	snprintf(r->attempt_subject, sizeof(r->attempt_subject), "%s", subject);
	state = json_string_value(json_object_get(cert, "state"));
	kind = json_string_value(json_object_get(cert, "kind"));
	uid = json_string_value(json_object_get(cert, "resident"));
	if (strcmp(state, "revoked") == 0) {
		rc = reg_say(r, REG_REFUSED, "certificate %s is already revoked (%s)",
		    hex, json_string_value(json_object_get(cert, "reason")));
		goto done;
	}
	if (strcmp(state, "expired") == 0) {
		rc = reg_say(r, REG_REFUSED, "certificate %s expired on %s: there "
		    "is nothing to revoke", hex, json_string_value(
		    json_object_get(cert, "expiry_date_jst")));
		goto done;
	}
	if (rules_revoke_reason_check(kind, reason, r->why, sizeof(r->why))) {
		rc = REG_REFUSED;
		goto done;
	}
	if (uid != NULL) {
		if ((rc = reg_resident_load(r, uid, &res)) != REG_OK)
			goto done;
		rs = (struct rule_subject){ uid, NULL, NULL,
		    res.moved_out_on[0] != '\0' ? res.moved_out_on : NULL };
		if (rules_allowed(EV_CERT_REVOKE, res.state, CARD_NONE, &rs, r->why,
		    sizeof(r->why))) {
			rc = REG_REFUSED;
			goto done;
		}
	}
	if ((rc = reg_certs_event(r, d, "revoked", "id = ?1 AND " SQL_LIVE, id,
	    "revoked", reason)) != REG_OK)
		goto done;
	json_object_set(d, "issuer", json_object_get(cert, "issuer"));
	json_object_set(d, "resident", json_object_get(cert, "resident"));
	json_object_set(d, "card", json_object_get(cert, "card"));
	json_object_set(d, "kind", json_object_get(cert, "kind"));
	json_object_set_new(d, "was", json_string(state));
	rc = reg_finish(r, "cert.revoke", subject, d);
 done:
	rc = reg_txn_end(r, rc);
 out:
	reg_resident_row_free(&res);
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

/* The card's own issue date (YYYY-MM-DD) into on, "" when not recorded. */
static int
card_issued_on(struct reg *r, int64_t card_id, char on[11])
{
	sqlite3_stmt	*st;
	int		 rc = REG_OK;

	on[0] = '\0';
	if ((st = reg_prep(r, "SELECT issued_on FROM cards WHERE id = ?")) == NULL)
		return REG_ERROR;
	sqlite3_bind_int64(st, 1, card_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(on, 11, "%s", reg_col_str(st, 0));
	else
		rc = reg_dberr(r);
	sqlite3_finalize(st);
	return rc;
}

int
reg_issue_plan(struct reg *r, const char *number, const char *kind,
    time_t issued, struct issue_plan *p)
{
	struct card_row		 c;
	struct rule_subject	 s;
	sqlite3_stmt		*st;
	char			 end[11], day[11], card_on[11];
	time_t			 now = clock_now();
	int			 rc;

	memset(p, 0, sizeof(*p));
	if (r->now == 0)
		r->now = now;
	if (rules_kind_bit(kind) == 0)
		return reg_say(r, REG_REFUSED, "certificate kind must be sign or auth");
	if (rules_history_check(r->cfg, "the issue date", issued, now, r->why,
	    sizeof(r->why)))
		return REG_REFUSED;
	if ((rc = reg_card_load(r, number, &c)) != REG_OK)
		return rc;
	if (c.state == CARD_NONE)
		return reg_say(r, REG_REFUSED, "no card with number \"%s\"", number);
	/* A certificate recorded as history is judged on its own date: was
	 * the card still valid then? */
	clock_format_date(issued, JST_OFFSET_SEC, day);
	c.state = rules_card_state(c.stored, c.expires, day);
	s = (struct rule_subject){ c.uid, c.number, c.expires,
	    c.moved_out_on[0] != '\0' ? c.moved_out_on : NULL };
	if (rules_allowed(EV_CERT_ISSUE, c.res_state, c.state, &s, r->why,
	    sizeof(r->why)))
		return REG_REFUSED;
	if ((rc = card_issued_on(r, c.id, card_on)) != REG_OK)
		return rc;
	if (card_on[0] != '\0' && strcmp(day, card_on) < 0)
		return reg_say(r, REG_REFUSED, "the issue date %s is before card "
		    "%s was issued (%s)", day, number, card_on);
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
	p->card_id = c.id;
	p->resident_id = c.resident_id;
	snprintf(p->card_type, sizeof(p->card_type), "%s", c.type);
	snprintf(p->card_expires, sizeof(p->card_expires), "%s", c.expires);
	if ((st = reg_prep(r, "SELECT uid, name, address, birth_date, sex FROM "
	    "residents WHERE id = ?")) == NULL)
		return REG_ERROR;
	sqlite3_bind_int64(st, 1, c.resident_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		p->uid = xstrdup(reg_col_str(st, 0));
		p->name = xstrdup(reg_col_str(st, 1));
		p->address = xstrdup(reg_col_str(st, 2));
		p->birth_date = xstrdup(reg_col_str(st, 3));
		p->sex = sqlite3_column_int(st, 4);
		rc = REG_OK;
	} else
		rc = reg_dberr(r);
	sqlite3_finalize(st);
	if (rc != REG_OK)
		return rc;
	if (rules_sign_age_check(r->cfg, kind, p->birth_date, issued, r->why,
	    sizeof(r->why))) {
		reg_plan_free(p);
		return REG_REFUSED;
	}
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

/*
 * Renewal: at most one valid certificate of each kind per card.  A new
 * certificate valid now supersedes the live ones of its kind on the card
 * (listed in d under "superseded"); one older than a live one is refused.
 */
static int
renewal(struct reg *r, const struct issue_plan *p, const char *kind, json_t *d)
{
	sqlite3_stmt	*st;
	char		 where[160], hex[SERIAL_HEX_MAX], on[11];
	int		 rc = REG_OK;

	if (p->not_after <= r->now)
		return REG_OK;	/* history that has run out: nothing to renew */
	if ((st = reg_prep(r, "SELECT serial, not_before FROM certificates WHERE "
	    "card_id = ?1 AND kind = ?3 AND " SQL_LIVE " AND not_before > ?4 "
	    "LIMIT 1")) == NULL)
		return REG_ERROR;
	sqlite3_bind_int64(st, 1, p->card_id);
	sqlite3_bind_int64(st, 2, (int64_t)r->now);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)p->not_before);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		reg_col_serial_hex(st, 0, hex);
		clock_format_date((time_t)sqlite3_column_int64(st, 1),
		    JST_OFFSET_SEC, on);
		rc = reg_say(r, REG_REFUSED, "card %s already has a newer valid "
		    "%s certificate (%s, issued %s)", json_string_value(
		    json_object_get(d, "card")), kind, hex, on);
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = reg_dberr(r);
	}
	sqlite3_finalize(st);
	if (rc != REG_OK)
		return rc;
	snprintf(where, sizeof(where), "card_id = ?1 AND kind = '%s' AND %s",
	    strcmp(kind, "sign") == 0 ? "sign" : "auth", SQL_LIVE);
	return reg_certs_event(r, d, "superseded", where, p->card_id, "revoked",
	    REASON_SUPERSEDED);
}

/* The number of a card by id, into out. */
static void
card_number_of(struct reg *r, int64_t id, char *out, size_t n)
{
	sqlite3_stmt	*st;

	out[0] = '\0';
	if ((st = reg_prep(r, "SELECT number FROM cards WHERE id = ?")) == NULL)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, n, "%s", reg_col_str(st, 0));
	sqlite3_finalize(st);
}

int
reg_cert_insert(struct reg *r, int64_t issuer_id, const struct serial *serial,
    const unsigned char *der, size_t derlen, const struct issue_plan *p,
    const char *kind, const char *action)
{
	sqlite3_stmt	*st;
	json_t		*d = json_object();
	int64_t		 seq;
	char		 hex[SERIAL_HEX_MAX], subject[128], nb[21], na[21];
	char		 date[11], card[RULES_CARD_NUMBER_MAX + 1];
	int		 rc, step;

	if (r->now == 0)
		r->now = clock_now();
	serial_to_hex(serial, hex);
	card_number_of(r, p->card_id, card, sizeof(card));
	json_object_set_new(d, "card", json_string(card));
	if ((rc = renewal(r, p, kind, d)) != REG_OK)
		goto done;
	/* A new serial turns from unknown to good: readers must hear of it. */
	if ((seq = db_next_change(r->db)) < 0) {
		rc = reg_dberr(r);
		goto done;
	}
	if ((st = reg_prep(r, "INSERT INTO certificates (issuer_id, serial, "
	    "card_id, resident_id, kind, not_before, not_after, der, status, "
	    "change_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'good', ?, "
	    "?)")) == NULL) {
		rc = REG_ERROR;
		goto done;
	}
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
	if (step == SQLITE_CONSTRAINT_UNIQUE || step == SQLITE_CONSTRAINT)
		rc = reg_say(r, REG_REFUSED, "a certificate with serial %s from this "
		    "issuer is already recorded", hex);
	else if (step != SQLITE_DONE)
		rc = reg_dberr(r);
	else
		rc = REG_OK;
	sqlite3_finalize(st);
	if (rc != REG_OK)
		goto done;
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
	rc = reg_finish(r, action, subject, d);
 done:
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
	if ((st = reg_prep(r, "SELECT id, name, ca_cert, ca_key, signer_cert, "
	    "signer_key FROM issuers WHERE ?1 IS NULL OR name = ?1 "
	    "ORDER BY id LIMIT 2")) == NULL)
		return REG_ERROR;
	if (name != NULL)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ > 0)
			continue;
		out->id = sqlite3_column_int64(st, 0);
		out->name = xstrdup(reg_col_str(st, 1));
		out->ca_cert = xstrdup(reg_col_str(st, 2));
		out->ca_key = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL :
		    xstrdup(reg_col_str(st, 3));
		out->signer_cert = xstrdup(reg_col_str(st, 4));
		out->signer_key = xstrdup(reg_col_str(st, 5));
	}
	if (step != SQLITE_DONE)
		rc = reg_dberr(r);
	else if (n == 0 && name != NULL)
		rc = reg_say(r, REG_REFUSED, "no issuer named \"%.64s\" (see "
		    "certctl ca list)", name);
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
