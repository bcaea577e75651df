/* SPDX-License-Identifier: ISC */
/*
 * check_rules.c: the counter's rules (tools/rules.c) against the registry.
 *
 * The walk: for every event of rules_events[] and every resident and card
 * state a resident can reach, build that world, record the event, and
 * check that it was allowed or refused as the table says and that exactly
 * the certificates the table names changed, to the state and reason it
 * names; every other certificate (another resident's, an expired one, a
 * revoked one) must be as it was.  A refusal writes nothing but its own
 * audit record.  Then the table itself against SPEC section 2, and one test
 * per rule with the case from the issue that used to be accepted.
 * Each test: a fresh folder, database and CA (CK_FORK), clock 2024-06-01.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "check_main.h"
#include "check_registry.h"
#include "clock.h"
#include "issuance.h"
#include "pki.h"
#include "registry.h"
#include "rules.h"

static char		 tdir[] = "/tmp/check_rules.XXXXXX";
static struct config	*cfg;
static struct db	*db;
static struct reg	 r;
static EVP_PKEY		*holder;

static time_t
at(const char *iso)
{
	time_t	 t;

	ck_assert_int_eq(clock_parse(iso, &t), 0);
	return t;
}

static void
setup(void)
{
	fixture_open("check_rules", tdir, &cfg, &db, &r);
	ck_assert_ptr_nonnull(holder = pki_key_generate(PKI_P256));
}

static void
teardown(void)
{
	EVP_PKEY_free(holder);
	fixture_close(tdir, cfg, db, &r);
}

static int64_t
count(const char *sql)
{
	return fixture_sql_int(cfg->database, sql);
}

static void
add_resident(const char *uid, const char *birth)
{
	struct resident_info ri = { uid, "Test Resident", "Inagi 1-1", birth, 1 };

	ck_assert_msg(reg_resident_add(&r, &ri) == REG_OK, "%s", r.why);
}

static void
add_card_at(const char *uid, const char *number, const char *expires,
    time_t issued)
{
	struct card_info ci = { number, "mynumber", expires, 1, issued };

	ck_assert_msg(reg_card_add(&r, uid, &ci) == REG_OK, "%s", r.why);
}

static int
try_issue(const char *card, const char *kind, time_t issued, char *serial)
{
	struct issue_req	 q;
	struct issue_result	 res;
	int			 rc;

	memset(&q, 0, sizeof(q));
	q.card = card;
	q.kind = kind;
	q.key = holder;
	q.issued = issued;
	if ((rc = iss_issue(&r, &q, &res)) == REG_OK) {
		if (serial != NULL)
			strcpy(serial, res.serial);
		iss_result_free(&res);
	}
	return rc;
}

static void
issue_at(const char *card, const char *kind, time_t issued, char *serial)
{
	int	 rc = try_issue(card, kind, issued, serial);

	ck_assert_msg(rc == REG_OK, "issue %s %s: %s", card, kind, r.why);
}

static json_t *
cert(const char *serial)
{
	json_t	*j = reg_cert_show(&r, serial, NULL);

	ck_assert_msg(j != NULL, "show %s: %s", serial, r.why);
	return j;
}

static void
expect(const char *serial, const char *status, const char *reason)
{
	json_t	*j = cert(serial), *rj = json_object_get(j, "reason");

	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), status);
	ck_assert_str_eq(json_is_null(rj) ? "-" : json_string_value(rj), reason);
	json_decref(j);
}

/* The last audit record's action. */
static char last_action[64];

static const char *
last_audit(void)
{
	json_t	*a = reg_audit_show(&r, 1, 0);

	ck_assert_ptr_nonnull(a);
	snprintf(last_action, sizeof(last_action), "%s", json_string_value(
	    json_object_get(json_array_get(a, 0), "action")));
	json_decref(a);
	return last_action;
}

/* --- the walk ------------------------------------------------------------- */

/*
 * The world: resident P (born 1980-04-01) with card K, issued 2016-06-01
 * and valid until 2026-01-01, holding an expired sign certificate E (of
 * 2016) and good sign S and auth A; resident Q with card KQ holding good
 * sign and auth.  Then K and P are brought to the states asked for.
 */
static char	 E[SERIAL_HEX_MAX], S[SERIAL_HEX_MAX], A[SERIAL_HEX_MAX];
static char	 QS[SERIAL_HEX_MAX], QA[SERIAL_HEX_MAX];
static char	 named[SERIAL_HEX_MAX];	/* the certificate revoke names */

static void
world(enum res_state rs, enum card_state cs)
{
	struct card_info	 rep = { "K2", "mynumber", "2033-01-01", 1, 0 };

	add_resident("P", "1980-04-01");
	add_resident("Q", "1985-10-10");
	add_card_at("P", "K", "2026-01-01", at("2016-06-01T01:00:00Z"));
	add_card_at("Q", "KQ", "2033-01-01", 0);
	issue_at("K", "sign", at("2016-06-01T01:00:00Z"), E);
	issue_at("K", "sign", 0, S);
	issue_at("K", "auth", 0, A);
	issue_at("KQ", "sign", 0, QS);
	issue_at("KQ", "auth", 0, QA);
	strcpy(named, A);
	switch (cs) {
	case CARD_LOST:
		ck_assert_int_eq(reg_card_lost(&r, "K"), REG_OK);
		break;
	case CARD_FOUND:
		ck_assert_int_eq(reg_card_lost(&r, "K"), REG_OK);
		ck_assert_int_eq(reg_card_found(&r, "K"), REG_OK);
		issue_at("K", "sign", 0, NULL);
		issue_at("K", "auth", 0, named);
		break;
	case CARD_REPLACED:
		ck_assert_msg(reg_card_replace(&r, "K", &rep) == REG_OK, "%s", r.why);
		break;
	case CARD_RETURNED:
		ck_assert_int_eq(reg_card_return(&r, "K"), REG_OK);
		break;
	case CARD_EXPIRED:
		clock_set(at("2026-02-01T03:00:00Z"));
		break;
	default:
		break;
	}
	if (rs == RES_MOVED_OUT)
		ck_assert_msg(reg_resident_moveout(&r, "P", "Kawasaki 1-1") ==
		    REG_OK, "%s", r.why);
	else if (rs == RES_REMOVED)
		ck_assert_int_eq(reg_resident_remove(&r, "P", "death"), REG_OK);
}

struct snap {
	size_t	 n;
	struct {
		char	 serial[SERIAL_HEX_MAX];
		char	 status[16], reason[32], kind[8], card[16], resident[8];
		enum crt_state state;
	} c[32];
};

static void
snapshot(struct snap *s)
{
	json_t	*a = reg_cert_list(&r, NULL, NULL, NULL), *v, *rj;
	size_t	 i;

	ck_assert_ptr_nonnull(a);
	memset(s, 0, sizeof(*s));
	json_array_foreach(a, i, v) {
		ck_assert_uint_lt(s->n, 32);
		rj = json_object_get(v, "reason");
		snprintf(s->c[s->n].serial, SERIAL_HEX_MAX, "%s",
		    json_string_value(json_object_get(v, "serial")));
		snprintf(s->c[s->n].status, 16, "%s",
		    json_string_value(json_object_get(v, "status")));
		snprintf(s->c[s->n].reason, 32, "%s", json_is_null(rj) ? "-" :
		    json_string_value(rj));
		snprintf(s->c[s->n].kind, 8, "%s",
		    json_string_value(json_object_get(v, "kind")));
		snprintf(s->c[s->n].card, 16, "%s",
		    json_string_value(json_object_get(v, "card")));
		snprintf(s->c[s->n].resident, 8, "%s",
		    json_string_value(json_object_get(v, "resident")));
		s->c[s->n].state = rules_cert_state(s->c[s->n].status,
		    at(json_string_value(json_object_get(v, "not_after"))),
		    clock_now());
		s->n++;
	}
	json_decref(a);
}

/* The resident's and the card's state now, as the registry reads them. */
static void
states(enum res_state *rs, enum card_state *cs, int *has_current)
{
	json_t		*p = reg_resident_show(&r, "P", 1), *v;
	const char	*st;
	size_t		 i;

	ck_assert_ptr_nonnull(p);
	st = json_string_value(json_object_get(p, "state"));
	*rs = strcmp(st, "active") == 0 ? RES_ACTIVE : strcmp(st, "moved out") ==
	    0 ? RES_MOVED_OUT : RES_REMOVED;
	*cs = CARD_NONE;
	*has_current = 0;
	json_array_foreach(json_object_get(p, "cards"), i, v) {
		const char	*cst = json_string_value(json_object_get(v, "state"));
		enum card_state	 k = CARD_NONE;

		for (int s = CARD_ACTIVE; s < CARD_NSTATES; s++)
			if (strcmp(cst, rules_card_state_name(s)) == 0)
				k = s;
		if (strcmp(json_string_value(json_object_get(v, "number")), "K")
		    == 0)
			*cs = k;
		if (k == CARD_ACTIVE || k == CARD_LOST || k == CARD_FOUND)
			*has_current = 1;
	}
	json_decref(p);
}

/* A certificate for P signed by the CA outside the registry (for import). */
static void
foreign_cert(const char *path)
{
	struct iss_ca		 ca;
	struct pki_profile	 p;
	X509			*x;
	char			*pem;
	FILE			*f;

	ck_assert_int_eq(iss_ca_load(&r, NULL, &ca), REG_OK);
	memset(&p, 0, sizeof(p));
	p.kind = PKI_KIND_AUTH;
	p.prefecture = cfg->prefecture;
	p.city = cfg->city;
	p.uid = "P";
	p.not_before = clock_now();
	p.not_after = clock_now() + 365 * 86400;
	ck_assert_int_eq(pki_serial_random(&p.serial), 0);
	ck_assert_ptr_nonnull(x = pki_cert_issue(ca.cert, ca.key, holder, &p));
	ck_assert_ptr_nonnull(pem = pki_cert_to_pem(x));
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(pem, f);
	fclose(f);
	free(pem);
	X509_free(x);
	iss_ca_free(&ca);
}

/* Record ev on P / K; the kind a new certificate has (issue, import). */
static int
event(enum rule_ev ev, const char **new_kind)
{
	struct resident_info	 ch = { "P", NULL, "Inagi 9-9", NULL, 0 };
	struct resident_info	 same = { "P", "Test Resident", "Inagi 1-1",
	    "1980-04-01", 1 };
	struct card_info	 nc = { "KN", "mynumber", "2033-01-01", 1, 0 };
	struct card_info	 rc = { "KR", "mynumber", "2033-01-01", 1, 0 };
	struct issue_result	 res;
	char			 path[128];
	int			 ret;

	*new_kind = NULL;
	switch (ev) {
	case EV_RESIDENT_ADD:	return reg_resident_add(&r, &same);
	case EV_RESIDENT_CHANGE: return reg_resident_change(&r, &ch);
	case EV_RESIDENT_MOVEOUT: return reg_resident_moveout(&r, "P",
	    "Kawasaki 2-2");
	case EV_RESIDENT_REMOVE: return reg_resident_remove(&r, "P", NULL);
	case EV_CARD_ADD:	return reg_card_add(&r, "P", &nc);
	case EV_CARD_REPLACE:	return reg_card_replace(&r, "K", &rc);
	case EV_CARD_LOST:	return reg_card_lost(&r, "K");
	case EV_CARD_FOUND:	return reg_card_found(&r, "K");
	case EV_CARD_RETURN:	return reg_card_return(&r, "K");
	case EV_CARD_UNLOCK:	return reg_card_unlock(&r, "K", "sign", NULL);
	case EV_PASSWORD_CHANGE: return reg_password_change(&r, "K", "auth",
	    NULL);
	case EV_CERT_ISSUE:
		*new_kind = "sign";
		return try_issue("K", "sign", 0, NULL);
	case EV_CERT_IMPORT:
		*new_kind = "auth";
		snprintf(path, sizeof(path), "%s/foreign.pem", tdir);
		foreign_cert(path);
		memset(&res, 0, sizeof(res));
		ret = iss_import(&r, path, "K", "auth", NULL, &res);
		iss_result_free(&res);
		return ret;
	case EV_CERT_REVOKE:
		return reg_cert_revoke(&r, named, NULL, REASON_CESSATION);
	default:
		ck_abort_msg("no event %d", ev);
	}
	return REG_ERROR;
}

/* Does the table allow ev with the world in (rs, cs)? */
static int
table_allows(enum rule_ev ev, enum res_state rs, enum card_state cs,
    int has_current)
{
	const struct rule_event	*e = rules_event(ev);
	enum crt_state		 named_state = CRT_GOOD;
	struct snap		 s;

	if (ev == EV_RESIDENT_ADD)
		return 0;	/* P exists: the walk adds no one new */
	if ((e->residents & RS(rs)) == 0)
		return 0;
	if (e->cards != 0 && ev != EV_CARD_ADD && (e->cards & CS(cs)) == 0)
		return 0;
	if (e->one_card && has_current)
		return 0;
	if (ev == EV_CERT_REVOKE) {
		snapshot(&s);
		for (size_t i = 0; i < s.n; i++)
			if (strcmp(s.c[i].serial, named) == 0)
				named_state = s.c[i].state;
		return (e->from & CTS(named_state)) != 0;
	}
	return 1;
}

START_TEST(test_walk)
{
	enum rule_ev		 ev = (enum rule_ev)_i;
	const struct rule_event	*e = rules_event(ev);
	static const enum card_state cstates[] = { CARD_ACTIVE, CARD_LOST,
	    CARD_FOUND, CARD_REPLACED, CARD_RETURNED, CARD_EXPIRED };
	int			 walked = 0;

	/* Every world is built from scratch in this process: a fresh
	 * database per (resident state, card state). */
	for (int rsi = RES_ACTIVE; rsi < RES_NSTATES; rsi++)
	for (size_t ci = 0; ci < sizeof(cstates) / sizeof(cstates[0]); ci++) {
		struct snap	 before, after;
		enum res_state	 rs, rs2;
		enum card_state	 cs, cs2;
		const char	*new_kind;
		int64_t		 audits, seq;
		int		 cur, cur2, allowed, rc;
		char		 sql[256];

		fixture_close(tdir, cfg, db, &r);
		strcpy(tdir, "/tmp/check_rules.XXXXXX");
		fixture_open("check_rules", tdir, &cfg, &db, &r);
		/* Removal returns the cards: only replaced or returned ones. */
		if (rsi == RES_REMOVED && cstates[ci] != CARD_REPLACED &&
		    cstates[ci] != CARD_RETURNED)
			continue;
		world((enum res_state)rsi, cstates[ci]);
		states(&rs, &cs, &cur);
		snapshot(&before);
		audits = count("SELECT count(*) FROM audit");
		seq = db_change_seq(db);
		allowed = table_allows(ev, rs, cs, cur);
		rc = event(ev, &new_kind);
		ck_assert_msg(rc == (allowed ? REG_OK : REG_REFUSED),
		    "%s with resident %s, card %s: got %d (%s), table says %s",
		    e->action, rules_res_state_name(rs), rules_card_state_name(cs),
		    rc, r.why, allowed ? "allowed" : "refused");
		snapshot(&after);
		if (!allowed) {
			/* Nothing written but the refusal's own record. */
			ck_assert_uint_eq(after.n, before.n);
			for (size_t i = 0; i < before.n; i++) {
				ck_assert_str_eq(after.c[i].status, before.c[i].status);
				ck_assert_str_eq(after.c[i].reason, before.c[i].reason);
			}
			ck_assert_int_eq(count("SELECT count(*) FROM audit"),
			    audits + 1);
			ck_assert_str_eq(last_audit(), "refused");
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit "
			    "WHERE id = (SELECT max(id) FROM audit) AND "
			    "json_extract(detail, '$.attempt') = '%s' AND "
			    "operator = 'tester' AND office != ''", e->action);
			ck_assert_int_eq(count(sql), 1);
			ck_assert_int_eq(db_change_seq(db), seq);
			walked++;
			continue;
		}
		ck_assert_str_eq(last_audit(), e->action);
		/* Exactly the certificates the table names change. */
		ck_assert_uint_eq(after.n, before.n + (new_kind != NULL));
		for (size_t i = 0; i < before.n; i++) {
			int	 in;

			switch (e->scope) {
			case SCOPE_RESIDENT:
				in = strcmp(before.c[i].resident, "P") == 0;
				break;
			case SCOPE_CARD:
				in = strcmp(before.c[i].card, "K") == 0;
				break;
			case SCOPE_CARD_KIND:
				in = strcmp(before.c[i].card, "K") == 0 &&
				    strcmp(before.c[i].kind, new_kind) == 0;
				break;
			case SCOPE_ONE:
				in = strcmp(before.c[i].serial, named) == 0;
				break;
			default:
				in = 0;
			}
			if (in && rules_affects(ev, rules_kind_bit(before.c[i].kind),
			    before.c[i].state)) {
				ck_assert_msg(strcmp(after.c[i].status,
				    e->to == CRT_HOLD ? "hold" : "revoked") == 0,
				    "%s: %s %s not moved", e->action,
				    before.c[i].kind, before.c[i].serial);
				ck_assert_str_eq(after.c[i].reason, reason_name(
				    e->reason == REASON_CLERK ? REASON_CESSATION :
				    e->reason));
			} else {
				ck_assert_msg(strcmp(after.c[i].status,
				    before.c[i].status) == 0 && strcmp(
				    after.c[i].reason, before.c[i].reason) == 0,
				    "%s with resident %s, card %s changed %s %s "
				    "(%s %s -> %s %s)", e->action,
				    rules_res_state_name(rs), rules_card_state_name(cs),
				    before.c[i].kind, before.c[i].serial,
				    before.c[i].status, before.c[i].reason,
				    after.c[i].status, after.c[i].reason);
			}
		}
		if (new_kind != NULL) {
			ck_assert_str_eq(after.c[before.n].status, "good");
			ck_assert_str_eq(after.c[before.n].kind, new_kind);
		}
		/* The card and the resident move as the table says. */
		states(&rs2, &cs2, &cur2);
		if (e->resident_to >= 0)
			ck_assert_int_eq(rs2, e->resident_to);
		else
			ck_assert_int_eq(rs2, rs);
		if (e->card_to >= 0 && e->scope == SCOPE_CARD)
			ck_assert_int_eq(cs2, e->card_to);
		else if (e->card_to >= 0 && e->scope == SCOPE_RESIDENT)
			ck_assert_int_eq(cur2, 0);
		else
			ck_assert_int_eq(cs2, cs);
		ck_assert_int_eq(count("SELECT count(*) FROM certificates c JOIN "
		    "cards k ON k.id = c.card_id WHERE k.number = 'KQ' AND "
		    "c.status = 'good'"), 2);	/* Q is never touched */
		walked++;
	}
	ck_assert_int_ge(walked, 14);
}
END_TEST

/* The table against SPEC section 2's table of events. */
START_TEST(test_table_is_the_spec)
{
	static const struct {
		enum rule_ev	 ev;
		enum rule_scope	 scope;
		unsigned	 kinds;
		int		 reason;
	} spec[] = {
		{ EV_RESIDENT_CHANGE, SCOPE_RESIDENT, KIND_SIGN,
		    REASON_AFFILIATION_CHANGED },
		{ EV_RESIDENT_MOVEOUT, SCOPE_RESIDENT, KIND_SIGN,
		    REASON_AFFILIATION_CHANGED },
		{ EV_RESIDENT_REMOVE, SCOPE_RESIDENT, KIND_BOTH, REASON_CESSATION },
		{ EV_CARD_REPLACE, SCOPE_CARD, KIND_BOTH, REASON_SUPERSEDED },
		{ EV_CARD_RETURN, SCOPE_CARD, KIND_BOTH, REASON_CESSATION },
		{ EV_CARD_LOST, SCOPE_CARD, KIND_BOTH, REASON_CERTIFICATE_HOLD },
		{ EV_CARD_FOUND, SCOPE_CARD, KIND_BOTH, REASON_CESSATION },
		{ EV_CERT_ISSUE, SCOPE_CARD_KIND, KIND_BOTH, REASON_SUPERSEDED },
		{ EV_CERT_IMPORT, SCOPE_CARD_KIND, KIND_BOTH, REASON_SUPERSEDED },
		{ EV_CARD_UNLOCK, SCOPE_NONE, 0, 0 },
		{ EV_PASSWORD_CHANGE, SCOPE_NONE, 0, 0 },
		{ EV_RESIDENT_ADD, SCOPE_NONE, 0, 0 },
		{ EV_CARD_ADD, SCOPE_NONE, 0, 0 },
	};

	for (int i = 0; i < EV_NEVENTS; i++) {
		const struct rule_event	*e = rules_event(i);

		ck_assert_int_eq(e->ev, i);
		ck_assert_ptr_nonnull(e->action);
		ck_assert_ptr_nonnull(e->source);
		/* auth certificates are never affiliationChanged */
		ck_assert(!(e->reason == REASON_AFFILIATION_CHANGED &&
		    (e->kinds & KIND_AUTH)));
		/* a revoked or expired certificate never changes again */
		ck_assert_uint_eq(e->from & (CTS(CRT_REVOKED) | CTS(CRT_EXPIRED)), 0);
		/* nothing happens to a removed resident */
		ck_assert_uint_eq(e->residents & RS(RES_REMOVED), 0);
		/* no new issuance for a resident who moved out */
		if (i == EV_CERT_ISSUE || i == EV_CERT_IMPORT || i == EV_CARD_ADD)
			ck_assert_uint_eq(e->residents & RS(RES_MOVED_OUT), 0);
	}
	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		const struct rule_event	*e = rules_event(spec[i].ev);

		ck_assert_int_eq(e->scope, spec[i].scope);
		ck_assert_uint_eq(e->kinds & (spec[i].scope ? 3u : 0u), spec[i].kinds);
		if (spec[i].scope != SCOPE_NONE)
			ck_assert_int_eq(e->reason, spec[i].reason);
	}
	/* the found card is usable: issue, unlock and password procedures */
	ck_assert(rules_event(EV_CERT_ISSUE)->cards & CS(CARD_FOUND));
	ck_assert(rules_event(EV_CARD_UNLOCK)->cards & CS(CARD_FOUND));
	ck_assert(rules_event(EV_PASSWORD_CHANGE)->cards & CS(CARD_FOUND));
	/* procedures are refused on expired, returned or replaced cards */
	for (int ev = EV_CARD_UNLOCK; ev <= EV_PASSWORD_CHANGE; ev++)
		ck_assert_uint_eq(rules_event(ev)->cards & (CS(CARD_EXPIRED) |
		    CS(CARD_RETURNED) | CS(CARD_REPLACED)), 0);
	ck_assert(rules_event(EV_CARD_ADD)->one_card);
}
END_TEST

/* --- one rule each -------------------------------------------------------- */

START_TEST(test_sign_from_15)
{
	add_resident("C9", "2015-03-01");	/* 9 years old */
	add_card_at("C9", "KC", "2029-01-01", 0);
	ck_assert_int_eq(try_issue("KC", "sign", 0, NULL), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "15th birthday"));
	ck_assert_ptr_nonnull(strstr(r.why, "--kind auth"));
	issue_at("KC", "auth", 0, NULL);
	/* The day before the 15th birthday and on it. */
	add_resident("T", "2009-06-02");
	add_card_at("T", "KT", "2028-01-01", 0);
	ck_assert_int_eq(try_issue("KT", "sign", 0, NULL), REG_REFUSED);
	clock_set(at("2024-06-02T03:00:00Z"));
	issue_at("KT", "sign", 0, NULL);
	ck_assert_int_eq(rules_age_at("2008-02-29", at("2023-02-28T03:00:00Z")),
	    15);
	ck_assert_int_eq(rules_age_at("2008-02-29", at("2023-02-27T03:00:00Z")),
	    14);
	cfg->sign_min_age = 18;	/* configurable */
	ck_assert_int_eq(rules_sign_age_check(cfg, "sign", "2008-01-01",
	    at("2024-06-01"), r.why, sizeof(r.why)), 1);
	ck_assert_int_eq(rules_sign_age_check(cfg, "auth", "2024-01-01",
	    at("2024-06-01"), r.why, sizeof(r.why)), 0);
}
END_TEST

START_TEST(test_one_card_and_renewal)
{
	struct card_info	 c2 = { "K2", "mynumber", "2033-01-01", 1, 0 };
	struct card_info	 jk = { "J1", "juki", "2024-12-31", 0,
	    at("2015-01-05T01:00:00Z") };
	char			 s1[SERIAL_HEX_MAX], s2[SERIAL_HEX_MAX];
	json_t			*res;

	add_resident("P", "1980-04-01");
	add_card_at("P", "K1", "2033-01-01", 0);
	ck_assert_int_eq(reg_card_add(&r, "P", &c2), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "card replace K1"));
	ck_assert_int_eq(count("SELECT count(*) FROM cards"), 1);
	/* A My Number Card for a Juki holder is a replacement. */
	add_resident("J", "1960-01-01");
	ck_assert_int_eq(reg_card_add(&r, "J", &jk), REG_OK);
	c2.number = "M1";
	ck_assert_int_eq(reg_card_add(&r, "J", &c2), REG_REFUSED);
	ck_assert_int_eq(reg_card_replace(&r, "J1", &c2), REG_OK);
	/* Renewal: the second sign certificate supersedes the first. */
	issue_at("K1", "sign", 0, s1);
	issue_at("K1", "sign", 0, s2);
	expect(s1, "revoked", "superseded");
	expect(s2, "good", "-");
	res = json_object_get(r.result, "superseded");
	ck_assert_uint_eq(json_array_size(res), 1);
	ck_assert_str_eq(json_string_value(json_array_get(res, 0)), s1);
	ck_assert_int_eq(count("SELECT count(*) FROM certificates c JOIN cards k "
	    "ON k.id = c.card_id WHERE k.number = 'K1' AND c.kind = 'sign' AND "
	    "c.status = 'good'"), 1);
}
END_TEST

START_TEST(test_card_validity)
{
	struct card_info ci = { "K", "mynumber", "2024-05-31", 1, 0 };

	add_resident("P", "1980-04-01");
	ck_assert_int_eq(reg_card_add(&r, "P", &ci), REG_REFUSED);	/* expired */
	ci.expires = "2043-06-01";					/* 19 years */
	ck_assert_int_eq(reg_card_add(&r, "P", &ci), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "10th birthday"));
	ci.expires = "2034-04-01";		/* the 10th birthday: the limit */
	ck_assert_msg(reg_card_add(&r, "P", &ci) == REG_OK, "%s", r.why);
	/* A child: the 5th birthday after issuance. */
	add_resident("C", "2014-07-01");
	ci.number = "KC";
	ci.expires = "2028-07-02";
	ck_assert_int_eq(reg_card_add(&r, "C", &ci), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "5th birthday"));
	ci.expires = "2028-07-01";
	ck_assert_msg(reg_card_add(&r, "C", &ci) == REG_OK, "%s", r.why);
	/* No new Juki card today; history with --issued-at. */
	add_resident("J", "1960-01-01");
	ci = (struct card_info){ "J1", "juki", "2030-01-01", 0, 0 };
	ck_assert_int_eq(reg_card_add(&r, "J", &ci), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "no new Juki cards"));
	ci.issued = at("2012-04-01T01:00:00Z");
	ci.expires = "2024-01-01";		/* more than 10 years */
	ck_assert_int_eq(reg_card_add(&r, "J", &ci), REG_REFUSED);
	ci.expires = "2022-03-31";
	ck_assert_msg(reg_card_add(&r, "J", &ci) == REG_OK, "%s", r.why);
	/* My Number Cards began in 2016. */
	ci = (struct card_info){ "M0", "mynumber", "2020-01-01", 1,
	    at("2015-06-01T01:00:00Z") };
	ck_assert_int_eq(reg_card_add(&r, "J", &ci), REG_REFUSED);
}
END_TEST

START_TEST(test_history_dates)
{
	struct card_info ci = { "K", "mynumber", "2033-01-01", 1, 0 };

	add_resident("P", "1980-04-01");
	ck_assert_int_eq(reg_card_add(&r, "P", &ci), REG_OK);
	ck_assert_int_eq(try_issue("K", "auth", at("2003-01-01T01:00:00Z"), NULL),
	    REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "2004-01-29"));
	ck_assert_int_eq(try_issue("K", "auth", at("2025-01-01T01:00:00Z"), NULL),
	    REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "future"));
	/* Not before the card itself was issued. */
	ck_assert_int_eq(try_issue("K", "auth", at("2024-05-01T01:00:00Z"), NULL),
	    REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "before card K was issued"));
	ci = (struct card_info){ "K9", "mynumber", "2010-01-01", 1,
	    at("2003-05-01T01:00:00Z") };
	ck_assert_int_eq(reg_card_add(&r, "P", &ci), REG_REFUSED);
}
END_TEST

START_TEST(test_change_old_new_and_no_event)
{
	struct resident_info	 ri = { "P", NULL, "Inagi 2-2", NULL, 0 };
	char			 s[SERIAL_HEX_MAX], a[SERIAL_HEX_MAX];
	int64_t			 audits;

	add_resident("P", "1980-04-01");
	add_card_at("P", "K", "2033-01-01", 0);
	issue_at("K", "sign", 0, s);
	issue_at("K", "auth", 0, a);
	/* The value already recorded: no event, nothing revoked. */
	ri.address = "Inagi 1-1";
	audits = count("SELECT count(*) FROM audit");
	ck_assert_int_eq(reg_resident_change(&r, &ri), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "already \"Inagi 1-1\""));
	expect(s, "good", "-");
	ck_assert_int_eq(count("SELECT count(*) FROM audit"), audits + 1);
	ck_assert_str_eq(last_audit(), "refused");
	/* A real change records the old and the new value exactly. */
	ri.address = "Inagi 2-2";
	ri.name = "Test Resident";	/* unchanged: listed, not an event */
	ck_assert_int_eq(reg_resident_change(&r, &ri), REG_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'resident.change' AND json_extract(detail, "
	    "'$.changed.address.from') = 'Inagi 1-1' AND json_extract(detail, "
	    "'$.changed.address.to') = 'Inagi 2-2' AND json_extract(detail, "
	    "'$.changed.name') IS NULL AND json_extract(detail, "
	    "'$.unchanged[0]') = 'name'"), 1);
	expect(s, "revoked", "affiliationChanged");
	expect(a, "good", "-");
	ri = (struct resident_info){ "P", "New Name", NULL, "1980-04-02", 2 };
	ck_assert_int_eq(reg_resident_change(&r, &ri), REG_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE id = (SELECT "
	    "max(id) FROM audit) AND json_extract(detail, '$.changed.name.from') "
	    "= 'Test Resident' AND json_extract(detail, '$.changed.birth_date."
	    "from') = '1980-04-01' AND json_extract(detail, '$.changed.sex.from') "
	    "= 1 AND json_extract(detail, '$.changed.sex.to') = 2"), 1);
}
END_TEST

START_TEST(test_lost_found_usable)
{
	char	 s[SERIAL_HEX_MAX], n[SERIAL_HEX_MAX];
	json_t	*k;

	add_resident("P", "1980-04-01");
	add_card_at("P", "K", "2033-01-01", 0);
	issue_at("K", "sign", 0, s);
	ck_assert_int_eq(reg_card_lost(&r, "K"), REG_OK);
	ck_assert_int_eq(reg_card_unlock(&r, "K", "sign", NULL), REG_REFUSED);
	ck_assert_int_eq(reg_card_found(&r, "K"), REG_OK);
	expect(s, "revoked", "cessationOfOperation");
	issue_at("K", "sign", 0, n);
	expect(n, "good", "-");
	ck_assert_int_eq(reg_card_unlock(&r, "K", "sign", NULL), REG_OK);
	ck_assert_int_eq(reg_password_change(&r, "K", "card", NULL), REG_OK);
	ck_assert_ptr_nonnull(k = reg_card_show(&r, "K", 0));
	ck_assert_str_eq(json_string_value(json_object_get(k, "state")), "found");
	json_decref(k);
}
END_TEST

START_TEST(test_moveout)
{
	char	 s[SERIAL_HEX_MAX], a[SERIAL_HEX_MAX];
	json_t	*p;

	add_resident("P", "1980-04-01");
	add_card_at("P", "K", "2033-01-01", 0);
	issue_at("K", "sign", 0, s);
	issue_at("K", "auth", 0, a);
	ck_assert_int_eq(reg_resident_moveout(&r, "P", NULL), REG_REFUSED);
	ck_assert_int_eq(reg_resident_moveout(&r, "P", "Kawasaki 1-1"), REG_OK);
	expect(s, "revoked", "affiliationChanged");
	expect(a, "good", "-");
	ck_assert_int_eq(try_issue("K", "auth", 0, NULL), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "moved out"));
	ck_assert_ptr_nonnull(p = reg_resident_show(&r, "P", 0));
	ck_assert_str_eq(json_string_value(json_object_get(p, "state")),
	    "moved out");
	ck_assert_str_eq(json_string_value(json_object_get(p, "address")),
	    "Kawasaki 1-1");
	json_decref(p);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'resident.moveout' AND json_extract(detail, "
	    "'$.changed.address.from') = 'Inagi 1-1'"), 1);
	/* The holder may still stop the auth certificate. */
	ck_assert_int_eq(reg_cert_revoke(&r, a, NULL, REASON_CESSATION), REG_OK);
}
END_TEST

START_TEST(test_revoke_reasons)
{
	char	 s[SERIAL_HEX_MAX], a[SERIAL_HEX_MAX];

	add_resident("P", "1980-04-01");
	add_card_at("P", "K", "2033-01-01", 0);
	issue_at("K", "sign", 0, s);
	issue_at("K", "auth", 0, a);
	ck_assert_int_eq(reg_cert_revoke(&r, a, NULL, REASON_AFFILIATION_CHANGED),
	    REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "authentication"));
	ck_assert_int_eq(reg_cert_revoke(&r, a, NULL, REASON_CA_COMPROMISE),
	    REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "CA"));
	ck_assert_int_eq(reg_cert_revoke(&r, a, NULL, REASON_AA_COMPROMISE),
	    REG_REFUSED);
	ck_assert_int_eq(reg_cert_revoke(&r, a, NULL,
	    REASON_PRIVILEGE_WITHDRAWN), REG_REFUSED);
	ck_assert_int_eq(reg_cert_revoke(&r, a, NULL, REASON_UNSPECIFIED),
	    REG_REFUSED);
	ck_assert_int_eq(reg_cert_revoke(&r, a, NULL, REASON_REMOVE_FROM_CRL),
	    REG_REFUSED);
	expect(a, "good", "-");
	ck_assert_int_eq(reg_cert_revoke(&r, s, NULL, REASON_AFFILIATION_CHANGED),
	    REG_OK);
	ck_assert_int_eq(reg_cert_revoke(&r, a, NULL, REASON_SUPERSEDED), REG_OK);
}
END_TEST

START_TEST(test_procedures)
{
	struct card_info jk = { "J1", "juki", "2025-05-31", 0,
	    at("2015-06-01T01:00:00Z") };

	add_resident("J", "1960-01-01");
	ck_assert_int_eq(reg_card_add(&r, "J", &jk), REG_OK);
	ck_assert_int_eq(reg_card_unlock(&r, "J1", "sign", "library card"),
	    REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "driver's licence"));
	ck_assert_ptr_nonnull(strstr(r.why, "passport"));
	ck_assert_int_eq(reg_card_unlock(&r, "J1", NULL, "passport"), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "--secret"));
	ck_assert_int_eq(reg_card_unlock(&r, "J1", "auth", "passport"),
	    REG_REFUSED);	/* a Juki card has no authentication PIN */
	ck_assert_int_eq(reg_card_unlock(&r, "J1", "sign", "Passport"), REG_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'card.unlock' AND json_extract(detail, '$.secret') = 'sign' AND "
	    "json_extract(detail, '$.locks_after') = 5 AND json_extract(detail, "
	    "'$.identity') = 'Passport'"), 1);
	ck_assert_int_eq(reg_password_change(&r, "J1", "card", "passport"),
	    REG_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'password.change' AND json_extract(detail, '$.locks_after') = 3"), 1);
	/* On an expired card: refused. */
	clock_set(at("2025-06-02T03:00:00Z"));
	ck_assert_int_eq(reg_card_unlock(&r, "J1", "sign", "passport"),
	    REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "expired on 2025-05-31"));
	ck_assert_int_eq(rules_document_check(cfg, 0, "driver's licence", r.why,
	    sizeof(r.why)), 0);
}
END_TEST

START_TEST(test_details_fit_the_certificate)
{
	struct resident_info	 ri = { "P", "Name", "Inagi", "1980-04-01", 1 };
	char			*big = malloc(3601), *name = malloc(1025);
	char			 s[SERIAL_HEX_MAX];
	struct pki_details	 d;
	X509			*x;

	memset(big, 'a', 3600);
	big[3600] = '\0';
	ri.address = big;
	ck_assert_int_eq(reg_resident_add(&r, &ri), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "1024"));
	ri.address = "Inagi";
	ri.name = "Hanako\nInagi";
	ck_assert_int_eq(reg_resident_add(&r, &ri), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "control"));
	ri.name = "<script>alert(1)</script>";
	ck_assert_int_eq(reg_resident_add(&r, &ri), REG_REFUSED);
	ri.name = "\xff\xfe";
	ck_assert_int_eq(reg_resident_add(&r, &ri), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "UTF-8"));
	ri.name = "\xc0\xaf";	/* overlong '/' */
	ck_assert_int_eq(reg_resident_add(&r, &ri), REG_REFUSED);
	ri.name = "A\xc2\x85" "B";	/* U+0085 NEL */
	ck_assert_int_eq(reg_resident_add(&r, &ri), REG_REFUSED);
	memset(big, 'b', 2000);
	big[2000] = '\0';
	ri.name = big;
	ck_assert_int_eq(reg_resident_add(&r, &ri), REG_REFUSED);
	ri.uid = "-rm";
	ri.name = "Name";
	ck_assert_int_eq(reg_resident_add(&r, &ri), REG_REFUSED);
	ck_assert_int_eq(count("SELECT count(*) FROM residents"), 0);
	/* The longest accepted values go into a certificate. */
	for (int i = 0; i < 341; i++)
		memcpy(name + 3 * i, "稲", 3);
	name[1023] = 'x';
	name[1024] = '\0';
	memset(big, 'c', 1024);
	big[1024] = '\0';
	ri = (struct resident_info){ "P", name, big, "1980-04-01", 1 };
	ck_assert_msg(reg_resident_add(&r, &ri) == REG_OK, "%s", r.why);
	add_card_at("P", "K", "2033-01-01", 0);
	issue_at("K", "sign", 0, s);
	x = fixture_sql_x509(cfg->database, "SELECT der FROM certificates");
	ck_assert_int_eq(pki_cert_details(x, &d), 0);
	ck_assert_str_eq(d.name, name);
	ck_assert_str_eq(d.address, big);
	pki_details_free(&d);
	X509_free(x);
	ri.address = NULL;
	ri.name = "Name\t2";
	ck_assert_int_eq(reg_resident_change(&r, &ri), REG_REFUSED);
	free(big);
	free(name);
}
END_TEST

START_TEST(test_refusals_audited_and_chained)
{
	struct card_info	 ci = { "K2", "mynumber", "2033-01-01", 1, 0 };
	int64_t			 n;
	char			 why[256];
	json_t			*a;
	sqlite3			*h;

	add_resident("P", "1980-04-01");
	add_card_at("P", "K", "2033-01-01", 0);
	ck_assert_int_eq(reg_card_add(&r, "P", &ci), REG_REFUSED);
	ck_assert_ptr_nonnull(a = reg_audit_show(&r, 0, 1));
	ck_assert_uint_eq(json_array_size(a), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_array_get(a, 0), "detail"), "attempt")), "card.add");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 0),
	    "operator")), "tester");
	json_decref(a);
	ck_assert_int_eq(audit_verify(db, &n, why, sizeof(why)), 0);
	/* An edit of any field of the refused record is found. */
	ck_assert_int_eq(sqlite3_open(cfg->database, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "UPDATE audit SET office = 'Hirao "
	    "branch' WHERE action = 'refused'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	ck_assert_int_eq(audit_verify(db, &n, why, sizeof(why)), 1);
	ck_assert_ptr_nonnull(strstr(why, "hash mismatch"));
	/* Staff list. */
	ck_assert_int_eq(rules_operator_check(cfg, "anyone", why, sizeof(why)), 0);
	cfg->operators.v[cfg->operators.n++] = strdup("tanaka");
	ck_assert_int_eq(rules_operator_check(cfg, "anyone", why, sizeof(why)), 1);
	ck_assert_int_eq(rules_operator_check(cfg, "tanaka", why, sizeof(why)), 0);
}
END_TEST

START_TEST(test_clerk_view)
{
	char	 s[SERIAL_HEX_MAX];
	json_t	*j, *c;

	add_resident("P", "1980-04-01");
	add_card_at("P", "K", "2033-01-01", 0);
	issue_at("K", "sign", 0, s);
	ck_assert_ptr_null(reg_cert_list(&r, "NOBODY", NULL, NULL));
	ck_assert_ptr_nonnull(strstr(r.why, "no resident"));
	ck_assert_ptr_null(reg_cert_list(&r, NULL, "NOCARD", NULL));
	ck_assert_ptr_null(reg_resident_show(&r, "NOBODY", 0));
	ck_assert_ptr_nonnull(j = reg_resident_show(&r, "P", 5));
	ck_assert_str_eq(json_string_value(json_object_get(j, "name")),
	    "Test Resident");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "cards")), 1);
	c = json_array_get(json_object_get(j, "certificates"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(c, "serial")), s);
	ck_assert_ptr_null(json_object_get(c, "change_seq"));	/* internal */
	ck_assert_uint_eq(json_array_size(json_object_get(j, "events")), 3);
	json_decref(j);
	ck_assert_ptr_nonnull(j = reg_card_show(&r, "K", 0));
	ck_assert_str_eq(json_string_value(json_object_get(j, "resident")), "P");
	ck_assert_str_eq(json_string_value(json_object_get(j, "issued_on")),
	    "2024-06-01");
	json_decref(j);
	ck_assert_ptr_nonnull(j = cert(s));
	ck_assert_ptr_null(json_object_get(j, "change_seq"));
	json_decref(j);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("rules");
	TCase	*walk = tcase_create("walk"), *tc = tcase_create("rules");

	tcase_add_checked_fixture(walk, setup, teardown);
	tcase_set_timeout(walk, 300);
	tcase_add_loop_test(walk, test_walk, 0, EV_NEVENTS);
	suite_add_tcase(s, walk);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_table_is_the_spec);
	tcase_add_test(tc, test_sign_from_15);
	tcase_add_test(tc, test_one_card_and_renewal);
	tcase_add_test(tc, test_card_validity);
	tcase_add_test(tc, test_history_dates);
	tcase_add_test(tc, test_change_old_new_and_no_event);
	tcase_add_test(tc, test_lost_found_usable);
	tcase_add_test(tc, test_moveout);
	tcase_add_test(tc, test_revoke_reasons);
	tcase_add_test(tc, test_procedures);
	tcase_add_test(tc, test_details_fit_the_certificate);
	tcase_add_test(tc, test_refusals_audited_and_chained);
	tcase_add_test(tc, test_clerk_view);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK);
}
