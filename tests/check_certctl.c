/* SPDX-License-Identifier: ISC */
/*
 * check_certctl.c: the counter's rules (tools/registry.c, tools/issuance.c)
 * and the demo (tools/demo.c): what each life event revokes and must not
 * revoke, refusals, validity arithmetic, the audit chain against tampering,
 * the certificate profile, the demo's index against the registry, and the
 * relying parties (tools/cmd_party.c): add, remove, refusals, what the
 * server loads.
 * Each test gets a fresh temporary folder, database and CA (CK_FORK).
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "audit.h"
#include "certctl.h"
#include "check_main.h"
#include "check_registry.h"
#include "clock.h"
#include "db_party.h"
#include "issuance.h"
#include "log.h"
#include "pki.h"
#include "registry.h"

static char		 tdir[] = "/tmp/check_certctl.XXXXXX";
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
	fixture_open("check_certctl", tdir, &cfg, &db, &r);
	ck_assert_ptr_nonnull(holder = pki_key_generate(PKI_P256));
}

static void
teardown(void)
{
	EVP_PKEY_free(holder);
	fixture_close(tdir, cfg, db, &r);
}

static void
add_resident(const char *uid, const char *birth)
{
	struct resident_info ri = { uid, "Test Resident", "Inagi 1-1", birth, 1 };

	ck_assert_msg(reg_resident_add(&r, &ri) == REG_OK, "%s", r.why);
}

static void
add_card(const char *uid, const char *number, const char *type,
    const char *expires, int photo)
{
	struct card_info ci = { number, type, expires, photo, 0 };

	ck_assert_msg(reg_card_add(&r, uid, &ci) == REG_OK, "%s", r.why);
}

/* Issue and return the serial (static buffer per call site is enough). */
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
issue(const char *card, const char *kind, char *serial)
{
	int	 rc = try_issue(card, kind, 0, serial);

	ck_assert_msg(rc == REG_OK, "issue %s %s: %s", card, kind, r.why);
}

static json_t *
show(const char *serial)
{
	json_t	*j = reg_cert_show(&r, serial, NULL);

	ck_assert_msg(j != NULL, "show %s: %s", serial, r.why);
	return j;
}

/* Assert a certificate's registry status and reason name ("-" = none). */
static void
expect(const char *serial, const char *status, const char *reason)
{
	json_t		*j = show(serial);
	json_t		*rj = json_object_get(j, "reason");

	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), status);
	ck_assert_str_eq(json_is_null(rj) ? "-" : json_string_value(rj), reason);
	json_decref(j);
}

static int64_t
count(const char *sql)
{
	return fixture_sql_int(cfg->database, sql);
}

/* Two residents, each with a My Number card holding sign + auth. */
static char s1[SERIAL_HEX_MAX], a1[SERIAL_HEX_MAX];
static char s2[SERIAL_HEX_MAX], a2[SERIAL_HEX_MAX];

static void
two_residents(void)
{
	add_resident("R1", "1980-04-01");
	add_resident("R2", "1985-10-10");
	add_card("R1", "C1", "mynumber", "2033-01-01", 1);
	add_card("R2", "C2", "mynumber", "2033-01-01", 1);
	issue("C1", "sign", s1);
	issue("C1", "auth", a1);
	issue("C2", "sign", s2);
	issue("C2", "auth", a2);
}

/* --- life events ---------------------------------------------------------- */

START_TEST(test_detail_changes_revoke_sign_only)
{
	static const char *fields[] = { "address", "name", "birth", "sex" };
	struct resident_info ri;

	two_residents();
	memset(&ri, 0, sizeof(ri));
	ri.uid = "R1";
	switch (_i) {
	case 0: ri.address = "Inagi 9-9"; break;
	case 1: ri.name = "New Name"; break;
	case 2: ri.birth_date = "1980-04-02"; break;
	default: ri.sex = 2; break;
	}
	ck_assert_msg(reg_resident_change(&r, &ri) == REG_OK, "%s: %s",
	    fields[_i], r.why);
	expect(s1, "revoked", "affiliationChanged");
	expect(a1, "good", "-");	/* auth carries no details */
	expect(s2, "good", "-");	/* another resident */
	expect(a2, "good", "-");
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'resident.change'"), 1);
}
END_TEST

START_TEST(test_change_revokes_hold_and_keeps_revoked)
{
	struct resident_info ri = { "R1", NULL, "Inagi 2-2", NULL, 0 };
	char	 h[SERIAL_HEX_MAX];

	two_residents();
	ck_assert_int_eq(reg_cert_revoke(&r, s1, NULL, REASON_KEY_COMPROMISE),
	    REG_OK);
	issue("C1", "sign", h);		/* s1 is revoked: nothing to supersede */
	expect(s1, "revoked", "keyCompromise");
	ck_assert_int_eq(reg_card_lost(&r, "C1"), REG_OK);
	expect(h, "hold", "certificateHold");
	expect(a1, "hold", "certificateHold");
	ck_assert_int_eq(reg_resident_change(&r, &ri), REG_OK);
	expect(s1, "revoked", "keyCompromise");	/* already revoked: as it was */
	expect(h, "revoked", "affiliationChanged");
	expect(a1, "hold", "certificateHold");	/* auth: no details */
}
END_TEST

START_TEST(test_card_replace_supersedes)
{
	struct card_info ci = { "C9", "mynumber", "2033-03-01", 1, 0 };

	two_residents();
	ck_assert_msg(reg_card_replace(&r, "C1", &ci) == REG_OK, "%s", r.why);
	expect(s1, "revoked", "superseded");
	expect(a1, "revoked", "superseded");
	expect(s2, "good", "-");
	ck_assert_int_eq(count("SELECT count(*) FROM cards WHERE number = 'C1' "
	    "AND state = 'replaced' AND replaced_by = (SELECT id FROM cards "
	    "WHERE number = 'C9')"), 1);
	ck_assert_int_eq(try_issue("C1", "sign", 0, NULL), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "replaced"));
	issue("C9", "sign", NULL);
	/* A replaced card cannot be replaced again. */
	ci.number = "C10";
	ck_assert_int_eq(reg_card_replace(&r, "C1", &ci), REG_REFUSED);
}
END_TEST

START_TEST(test_card_return_and_resident_remove)
{
	two_residents();
	ck_assert_int_eq(reg_card_return(&r, "C1"), REG_OK);
	expect(s1, "revoked", "cessationOfOperation");
	expect(a1, "revoked", "cessationOfOperation");
	expect(s2, "good", "-");
	ck_assert_int_eq(try_issue("C1", "auth", 0, NULL), REG_REFUSED);

	ck_assert_int_eq(reg_resident_remove(&r, "R2", "death"), REG_OK);
	expect(s2, "revoked", "cessationOfOperation");
	expect(a2, "revoked", "cessationOfOperation");
	ck_assert_int_eq(count("SELECT count(*) FROM cards WHERE number = 'C2' "
	    "AND state = 'returned'"), 1);
	{
		struct card_info ci = { "C3", "mynumber", "2033-01-01", 1, 0 };

		ck_assert_int_eq(reg_card_add(&r, "R2", &ci), REG_REFUSED);
	}
	ck_assert_int_eq(try_issue("C2", "sign", 0, NULL), REG_REFUSED);
	ck_assert_int_eq(reg_resident_remove(&r, "R2", NULL), REG_REFUSED);
}
END_TEST

START_TEST(test_lost_then_found)
{
	time_t	 lost = at("2024-06-02T01:00:00Z"), found = at("2024-06-05T02:00:00Z");

	two_residents();
	clock_set(lost);
	ck_assert_int_eq(reg_card_lost(&r, "C1"), REG_OK);
	expect(s1, "hold", "certificateHold");
	expect(a1, "hold", "certificateHold");
	expect(s2, "good", "-");
	ck_assert_int_eq(try_issue("C1", "sign", 0, NULL), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "lost"));
	ck_assert_int_eq(reg_card_lost(&r, "C1"), REG_REFUSED);
	ck_assert_int_eq(reg_card_found(&r, "C2"), REG_REFUSED);	/* not lost */
	clock_set(found);
	ck_assert_int_eq(reg_card_found(&r, "C1"), REG_OK);
	expect(s1, "revoked", "cessationOfOperation");
	expect(a1, "revoked", "cessationOfOperation");
	ck_assert_int_eq(count("SELECT count(*) FROM certificates WHERE "
	    "hold_at = 1717290000 AND revoked_at = 1717552800"), 2);
	/* A hold is never lifted, but the found card is usable: the resident
	 * applies for new certificates on it. */
	issue("C1", "sign", NULL);
	ck_assert_int_eq(reg_card_unlock(&r, "C1", "sign", NULL), REG_OK);
}
END_TEST

START_TEST(test_revoke_named_certificate)
{
	two_residents();
	ck_assert_int_eq(reg_cert_revoke(&r, a1, NULL, REASON_CESSATION), REG_OK);
	expect(a1, "revoked", "cessationOfOperation");
	expect(s1, "good", "-");
	ck_assert_int_eq(reg_cert_revoke(&r, a1, NULL, REASON_KEY_COMPROMISE),
	    REG_REFUSED);
	ck_assert_int_eq(reg_cert_revoke(&r, s2, NULL,
	    REASON_CERTIFICATE_HOLD), REG_REFUSED);
	ck_assert_int_eq(reg_cert_revoke(&r, "00AB", NULL, REASON_CESSATION),
	    REG_REFUSED);
	ck_assert_int_eq(reg_cert_revoke(&r, "zz", NULL, REASON_CESSATION),
	    REG_REFUSED);
	/* Leading zeros are optional. */
	{
		char	 z[SERIAL_HEX_MAX + 2];

		snprintf(z, sizeof(z), "00%s", s2);
		ck_assert_int_eq(reg_cert_revoke(&r, z, "test",
		    REASON_KEY_COMPROMISE), REG_OK);
		expect(s2, "revoked", "keyCompromise");
	}
	ck_assert_int_eq(reg_cert_revoke(&r, s1, "nosuch", REASON_CESSATION),
	    REG_REFUSED);
}
END_TEST

START_TEST(test_change_seq_per_change)
{
	int64_t	 before;

	two_residents();
	before = db_change_seq(db);
	ck_assert_int_eq(reg_card_lost(&r, "C1"), REG_OK);
	ck_assert_int_eq(db_change_seq(db), before + 2);
	ck_assert_int_eq(count("SELECT count(DISTINCT change_seq) FROM "
	    "certificates"), 4);
	ck_assert_int_eq(count("SELECT max(change_seq) FROM certificates"),
	    before + 2);
}
END_TEST

START_TEST(test_refused_write_changes_nothing)
{
	struct card_info ci = { "C2", "mynumber", "2033-03-01", 1, 0 };
	int64_t	 audits, seq;

	two_residents();
	audits = count("SELECT count(*) FROM audit");
	seq = db_change_seq(db);
	/* New number already taken: no revocation may survive the refusal. */
	ck_assert_int_eq(reg_card_replace(&r, "C1", &ci), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "already recorded"));
	expect(s1, "good", "-");
	/* Only the refusal's own record, after the rollback. */
	ck_assert_int_eq(count("SELECT count(*) FROM audit"), audits + 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE id = (SELECT "
	    "max(id) FROM audit) AND action = 'refused' AND subject = 'card C1' "
	    "AND json_extract(detail, '$.attempt') = 'card.replace'"), 1);
	ck_assert_int_eq(db_change_seq(db), seq);
}
END_TEST

/* --- refusals ------------------------------------------------------------- */

START_TEST(test_juki_rules)
{
	char	 s[SERIAL_HEX_MAX];

	struct card_info jk = { "JK1", "juki", "2024-12-31", 0,
	    at("2015-01-05T01:00:00Z") };

	add_resident("J1", "1960-05-05");
	ck_assert_msg(reg_card_add(&r, "J1", &jk) == REG_OK, "%s", r.why);
	ck_assert_int_eq(try_issue("JK1", "sign", 0, NULL), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "My Number Card"));
	ck_assert_ptr_nonnull(strstr(r.why, "2015-12-22"));
	/* The day before the end (Japan time) is still history. */
	ck_assert_int_eq(try_issue("JK1", "sign", at("2015-12-21T14:59:59Z"),
	    s), REG_OK);
	ck_assert_int_eq(try_issue("JK1", "sign", at("2015-12-21T15:00:00Z"),
	    NULL), REG_REFUSED);
	ck_assert_int_eq(try_issue("JK1", "auth", at("2015-06-01T00:00:00Z"),
	    NULL), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "My Number"));
}
END_TEST

START_TEST(test_input_refusals)
{
	struct resident_info bad = { "B1", "N", "A", "1990-02-30", 1 };
	struct card_info ci = { "C1", "mynumber", "2034-13-01", 1, 0 };

	ck_assert_int_eq(reg_resident_add(&r, &bad), REG_REFUSED);
	bad.birth_date = "2099-01-01";
	ck_assert_int_eq(reg_resident_add(&r, &bad), REG_REFUSED);
	bad.birth_date = "1990-01-01";
	bad.sex = 4;
	ck_assert_int_eq(reg_resident_add(&r, &bad), REG_REFUSED);
	add_resident("R1", "1980-01-01");
	add_resident("R2", "1980-01-01");
	bad.uid = "R1";
	bad.sex = 1;
	ck_assert_int_eq(reg_resident_add(&r, &bad), REG_REFUSED);
	ck_assert_int_eq(reg_card_add(&r, "R1", &ci), REG_REFUSED);
	ci.expires = "2033-01-01";
	ci.type = "passport";
	ck_assert_int_eq(reg_card_add(&r, "R1", &ci), REG_REFUSED);
	ci.type = "mynumber";
	ck_assert_int_eq(reg_card_add(&r, "nobody", &ci), REG_REFUSED);
	ck_assert_int_eq(reg_card_add(&r, "R1", &ci), REG_OK);
	ck_assert_int_eq(reg_card_add(&r, "R2", &ci), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "already recorded"));
	ck_assert_int_eq(reg_card_lost(&r, "nosuch"), REG_REFUSED);
	ck_assert_int_eq(try_issue("C1", "other", 0, NULL), REG_REFUSED);
	ck_assert_int_eq(try_issue("C1", "sign", at("2030-01-01"), NULL),
	    REG_REFUSED);	/* in the future */
	{
		struct resident_info none = { "R1", NULL, NULL, NULL, 0 };

		ck_assert_int_eq(reg_resident_change(&r, &none), REG_REFUSED);
	}
}
END_TEST

START_TEST(test_counter_procedures_photo_rule)
{
	struct card_info jk = { "JK1", "juki", "2025-05-31", 0,
	    at("2015-06-01T01:00:00Z") };

	add_resident("J1", "1960-05-05");
	ck_assert_msg(reg_card_add(&r, "J1", &jk) == REG_OK, "%s", r.why);
	add_resident("J2", "1960-05-05");
	add_card("J2", "MN1", "mynumber", "2030-12-31", -1);	/* photo by type */
	ck_assert_int_eq(reg_card_unlock(&r, "JK1", "sign", NULL), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "photo"));
	ck_assert_int_eq(reg_password_change(&r, "JK1", "sign", ""), REG_REFUSED);
	ck_assert_int_eq(reg_card_unlock(&r, "JK1", "sign", "driver's licence"),
	    REG_OK);
	ck_assert_int_eq(reg_password_change(&r, "MN1", "auth", NULL), REG_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'card.unlock' AND office = 'City Hall 1F Citizens Division' AND "
	    "operator = 'tester' AND detail LIKE '%driver''s licence%'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'password.change' AND detail LIKE '%card with photo%'"), 1);
	ck_assert_int_eq(reg_card_lost(&r, "MN1"), REG_OK);
	ck_assert_int_eq(reg_card_unlock(&r, "MN1", "auth", NULL), REG_REFUSED);
}
END_TEST

/* --- validity ------------------------------------------------------------- */

static time_t
vend(const char *type, const char *birth, const char *card, const char *issued)
{
	time_t	 t;

	ck_assert_int_eq(reg_validity_end(cfg, type, birth, card, at(issued),
	    &t), 0);
	return t;
}

START_TEST(test_validity_arithmetic)
{
	/* Juki: three years to the second, capped by the card's last day. */
	ck_assert_int_eq(vend("juki", "1960-01-01", "2030-01-01",
	    "2014-04-01T01:00:00Z"), at("2017-04-01T01:00:00Z"));
	ck_assert_int_eq(vend("juki", "1960-01-01", "2016-06-30",
	    "2014-04-01T01:00:00Z"), at("2016-06-30T14:59:59Z"));
	ck_assert_int_eq(vend("juki", "1960-01-01", "2030-01-01",
	    "2012-02-29T01:00:00Z"), at("2015-02-28T01:00:00Z"));
	/* My Number: end of the 5th birthday after issuance (Japan time). */
	ck_assert_int_eq(vend("mynumber", "1980-04-01", "2040-01-01",
	    "2020-03-31T15:00:00Z"), at("2025-04-01T14:59:59Z"));	/* on it */
	ck_assert_int_eq(vend("mynumber", "1980-04-01", "2040-01-01",
	    "2020-03-31T14:59:59Z"), at("2024-04-01T14:59:59Z"));	/* eve */
	/* 29 February: 28 February in common years. */
	ck_assert_int_eq(vend("mynumber", "1992-02-29", "2040-01-01",
	    "2021-03-01T00:00:00Z"), at("2026-02-28T14:59:59Z"));
	ck_assert_int_eq(vend("mynumber", "1992-02-29", "2040-01-01",
	    "2019-03-01T00:00:00Z"), at("2024-02-29T14:59:59Z"));
	/* Capped by the card. */
	ck_assert_int_eq(vend("mynumber", "1980-04-01", "2022-12-31",
	    "2020-05-01T00:00:00Z"), at("2022-12-31T14:59:59Z"));
	cfg->mynumber_birthdays = 1;
	ck_assert_int_eq(vend("mynumber", "1980-04-01", "2040-01-01",
	    "2020-05-01T00:00:00Z"), at("2021-04-01T14:59:59Z"));
}
END_TEST

START_TEST(test_issue_validity_recorded)
{
	char	 s[SERIAL_HEX_MAX];
	json_t	*j;

	add_resident("R1", "1980-04-01");
	add_card("R1", "C1", "mynumber", "2027-03-31", 1);
	issue("C1", "sign", s);
	j = show(s);
	ck_assert_str_eq(json_string_value(json_object_get(j, "not_after")),
	    "2027-03-31T14:59:59Z");	/* card before 5th birthday */
	ck_assert_str_eq(json_string_value(json_object_get(j, "not_before")),
	    "2024-06-01T03:00:00Z");
	json_decref(j);
}
END_TEST

/* --- certificate profile -------------------------------------------------- */

START_TEST(test_profile_parse_back)
{
	struct pki_details	 d;
	struct iss_ca		 ca;
	X509			*x;
	AUTHORITY_INFO_ACCESS	*aia;
	char			 s[SERIAL_HEX_MAX], hex[SERIAL_HEX_MAX];
	struct serial		 sn;
	uint32_t		 ku;
	struct resident_info	 ri = { "R1", "稲城 花子", "東京都稲城市東長沼2111",
				    "1992-02-29", 2 };

	ck_assert_int_eq(reg_resident_add(&r, &ri), REG_OK);
	add_card("R1", "C1", "mynumber", "2033-01-01", 1);
	issue("C1", "sign", s);
	x = fixture_sql_x509(cfg->database, "SELECT der FROM certificates");
	ck_assert_int_eq(serial_from_asn1(X509_get0_serialNumber(x), &sn), 0);
	serial_to_hex(&sn, hex);
	ck_assert_str_eq(hex, s);
	ck_assert_int_eq(sn.len, PKI_SERIAL_LEN);
	ck_assert_int_eq(pki_cert_details(x, &d), 0);
	ck_assert_str_eq(d.name, "稲城 花子");
	ck_assert_str_eq(d.address, "東京都稲城市東長沼2111");
	ck_assert_str_eq(d.birth_date, "1992-02-29");
	ck_assert_int_eq(d.sex, 2);
	pki_details_free(&d);
	ku = X509_get_key_usage(x);
	ck_assert(ku & KU_DIGITAL_SIGNATURE);
	ck_assert(ku & KU_NON_REPUDIATION);
	ck_assert_ptr_nonnull(aia = X509_get_ext_d2i(x, NID_info_access, NULL,
	    NULL));
	ck_assert_str_eq((const char *)ASN1_STRING_get0_data(
	    sk_ACCESS_DESCRIPTION_value(aia, 0)->location->d.
	    uniformResourceIdentifier), "http://127.0.0.1:8080/ocsp");
	/* caIssuers: the CA certificate's URL, from the same base and name */
	ck_assert_int_eq(sk_ACCESS_DESCRIPTION_num(aia), 2);
	ck_assert_int_eq(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 1)->method),
	    NID_ad_ca_issuers);
	ck_assert_int_eq(iss_ca_load(&r, NULL, &ca), REG_OK);
	{
		char	 want[128];

		snprintf(want, sizeof(want), "http://127.0.0.1:8080/ca/%s.crt",
		    ca.row.name);
		ck_assert_str_eq((const char *)ASN1_STRING_get0_data(
		    sk_ACCESS_DESCRIPTION_value(aia, 1)->location->d.
		    uniformResourceIdentifier), want);
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	ck_assert_int_eq(pki_cert_issued_by(x, ca.cert), 1);
	iss_ca_free(&ca);
	X509_free(x);
}
END_TEST

/* Issue kind on card and return the certificate (caller frees). */
static X509 *
issue_x509(const char *card, const char *kind)
{
	struct issue_req	 q;
	struct issue_result	 res;
	X509			*x;

	memset(&q, 0, sizeof(q));
	q.card = card;
	q.kind = kind;
	q.key = holder;
	ck_assert_msg(iss_issue(&r, &q, &res) == REG_OK, "%s", r.why);
	ck_assert_ptr_nonnull(x = pki_cert_from_pem(res.pem, strlen(res.pem)));
	iss_result_free(&res);
	return x;
}

static void
subject_cn(X509 *x, char *out, size_t len)
{
	ck_assert_int_gt(X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, out, (int)len), 0);
}

/* 1 when x's certificatePolicies is exactly the one policy oid. */
static int
has_only_policy(X509 *x, const char *oid)
{
	CERTIFICATEPOLICIES	*cps;
	char			 txt[80];
	int			 ok;

	if ((cps = X509_get_ext_d2i(x, NID_certificate_policies, NULL,
	    NULL)) == NULL)
		return 0;
	ok = sk_POLICYINFO_num(cps) == 1 && OBJ_obj2txt(txt, sizeof(txt),
	    sk_POLICYINFO_value(cps, 0)->policyid, 1) > 0 &&
	    strcmp(txt, oid) == 0;
	CERTIFICATEPOLICIES_free(cps);
	return ok;
}

START_TEST(test_cert_cn_format)
{
	char	 cn[ISS_CN_MAX];

	/* 2024-06-01 03:00:00Z is 12:00 in Japan */
	iss_cert_cn(at("2024-06-01T03:00:00Z"), 42, "132250", cn);
	ck_assert_str_eq(cn, "20240601120000" "00000042" "132250");
	iss_cert_cn(at("2015-12-21T15:00:00Z"), 123456789, ISS_MUNICIPALITY_CODE,
	    cn);
	ck_assert_str_eq(cn, "20151222000000" "23456789" "132250");
}
END_TEST

/* JPKI: the CN is per certificate, never the holder's id, never shared by
 * a resident's sign and auth certificates, new on renewal; each kind has
 * its policy. */
START_TEST(test_cert_cn_unique_and_policies)
{
	X509	*sign, *auth, *renewed, *other;
	char	 cs[ISS_CN_MAX], ca[ISS_CN_MAX], cr[ISS_CN_MAX], co[ISS_CN_MAX];

	two_residents();
	sign = issue_x509("C1", "sign");
	auth = issue_x509("C1", "auth");
	renewed = issue_x509("C1", "sign");
	other = issue_x509("C2", "auth");
	subject_cn(sign, cs, sizeof(cs));
	subject_cn(auth, ca, sizeof(ca));
	subject_cn(renewed, cr, sizeof(cr));
	subject_cn(other, co, sizeof(co));
	ck_assert_str_ne(cs, ca);
	ck_assert_str_ne(cs, cr);
	ck_assert_str_ne(ca, cr);
	ck_assert_str_ne(ca, co);
	ck_assert_str_ne(cs, "R1");
	ck_assert_int_eq(strlen(cs), 28);
	ck_assert_int_eq(strspn(cs, "0123456789"), 28);
	ck_assert_int_eq(strncmp(cs, "20240601120000", 14), 0);
	ck_assert_str_eq(cs + 22, ISS_MUNICIPALITY_CODE);
	ck_assert(has_only_policy(sign, PKI_OID_POLICY_SIGN));
	ck_assert(has_only_policy(renewed, PKI_OID_POLICY_SIGN));
	ck_assert(has_only_policy(auth, PKI_OID_POLICY_AUTH));
	ck_assert(has_only_policy(other, PKI_OID_POLICY_AUTH));
	X509_free(sign);
	X509_free(auth);
	X509_free(renewed);
	X509_free(other);
}
END_TEST

/* Write x as PEM to tdir/name; returns the path (static). */
static const char *
write_pem(X509 *x, const char *name)
{
	static char	 path[700];

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	ck_assert_int_eq(pki_cert_write(path, x), 0);
	return path;
}

/* An imported sign certificate must carry the holder's recorded details. */
START_TEST(test_import_details_must_match)
{
	struct pki_profile	 p;
	struct iss_ca		 ca;
	X509			*x;
	const char		*path;

	two_residents();
	/* R1's certificate presented for R2's card */
	x = issue_x509("C1", "sign");
	path = write_pem(x, "r1.pem");
	X509_free(x);
	ck_assert_int_eq(iss_import(&r, path, "C2", "sign", NULL, NULL),
	    REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "differ from the record"));
	/* one made elsewhere with R2's details is accepted */
	ck_assert_int_eq(iss_ca_load(&r, NULL, &ca), REG_OK);
	memset(&p, 0, sizeof(p));
	p.kind = PKI_KIND_SIGN;
	p.prefecture = "Tokyo";
	p.city = "Inagi";
	p.uid = "20240601090000" "00000099" "132250";
	p.name = "Test Resident";
	p.address = "Inagi 1-1";
	p.birth_date = "1985-10-10";
	p.sex = 1;
	p.not_before = clock_now();	/* not before card C2 was issued */
	p.not_after = clock_now() + 365 * 86400;
	ck_assert_int_eq(pki_serial_random(&p.serial), 0);
	ck_assert_ptr_nonnull(x = pki_cert_issue(ca.cert, ca.key, holder, &p));
	path = write_pem(x, "r2.pem");
	ck_assert_msg(iss_import(&r, path, "C2", "sign", NULL, NULL) == REG_OK,
	    "%s", r.why);
	/* a different address is not the holder's */
	p.address = "Inagi 9-9";
	ck_assert_int_eq(pki_serial_random(&p.serial), 0);
	X509_free(x);
	ck_assert_ptr_nonnull(x = pki_cert_issue(ca.cert, ca.key, holder, &p));
	path = write_pem(x, "r2b.pem");
	ck_assert_int_eq(iss_import(&r, path, "C2", "sign", NULL, NULL),
	    REG_REFUSED);
	X509_free(x);
	iss_ca_free(&ca);
}
END_TEST

/* --- audit chain ---------------------------------------------------------- */

static void
tamper(const char *sql)
{
	sqlite3	*h;

	ck_assert_int_eq(sqlite3_open(cfg->database, &h), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s",
	    sqlite3_errmsg(h));
	sqlite3_close(h);
}

START_TEST(test_audit_tamper)
{
	static const char *attacks[] = {
		"UPDATE audit SET detail = replace(detail, 'C1', 'C7') WHERE id = 4",
		"DELETE FROM audit WHERE id = 3",
		"INSERT INTO audit SELECT (SELECT max(id) + 1 FROM audit), at, "
		    "operator, office, 'cert.revoke', subject, detail, prev_hash, "
		    "hash FROM audit WHERE id = 2",
		"UPDATE audit SET operator = 'someone else' WHERE id = 5",
	};
	int64_t	 n;
	char	 why[256];

	two_residents();
	ck_assert_int_eq(reg_card_lost(&r, "C1"), REG_OK);
	ck_assert_int_eq(audit_verify(db, &n, why, sizeof(why)), 0);
	ck_assert_int_ge(n, 8);
	tamper(attacks[_i]);
	ck_assert_int_eq(audit_verify(db, &n, why, sizeof(why)), 1);
	ck_assert_ptr_nonnull(strstr(why, "record"));
}
END_TEST

/* --- signer rotation ------------------------------------------------------ */

/* The test issuer's signer now: its key file (relative) and certificate. */
static X509 *
current_signer(char *key, size_t keylen, EVP_PKEY **k)
{
	struct iss_ca	 ca;
	X509		*x;
	char		*path, why[256];

	ck_assert_int_eq(iss_ca_load(&r, "test", &ca), REG_OK);
	snprintf(key, keylen, "%s", ca.row.signer_key);
	ck_assert_ptr_nonnull(x = pki_cert_from_pem(ca.row.signer_cert,
	    strlen(ca.row.signer_cert)));
	ck_assert(pki_cert_issued_by(x, ca.cert));
	ck_assert_ptr_nonnull(path = config_path(cfg, ca.row.signer_key));
	ck_assert_msg((*k = pki_key_load(path, why, sizeof(why))) != NULL, "%s",
	    why);
	free(path);
	iss_ca_free(&ca);
	return x;
}

START_TEST(test_signer_rotate)
{
	X509		*old, *x;
	EVP_PKEY	*k;
	char		 key[256], why[256];
	time_t		 na;
	int64_t		 n;

	old = current_signer(key, sizeof(key), &k);
	EVP_PKEY_free(k);
	ck_assert_str_eq(key, "keys/test-ocsp.key");
	ck_assert_int_eq(iss_signer_rotate(&r, "test", NULL, NULL, 10), REG_OK);
	x = current_signer(key, sizeof(key), &k);
	ck_assert_str_eq(key, "keys/test-ocsp-2.key");
	ck_assert(pki_cert_matches_key(x, k));
	ck_assert((X509_get_extended_key_usage(x) & XKU_OCSP_SIGN) != 0);
	ck_assert_int_ne(X509_cmp(x, old), 0);
	ck_assert_int_eq(pki_time(X509_get0_notAfter(x), &na), 0);
	ck_assert_int_eq((long)(na - r.now), 10 * 86400L);
	EVP_PKEY_free(k);
	X509_free(x);
	/* the old signer kept for the record, retired */
	ck_assert_int_eq(fixture_sql_int(db_path(db), "SELECT count(*) FROM "
	    "signers WHERE retired_at IS NOT NULL"), 1);
	ck_assert_int_eq(fixture_sql_int(db_path(db), "SELECT count(*) FROM "
	    "audit WHERE action = 'ca.rotate-signer'"), 1);

	/* again, with the default validity: the next free name */
	ck_assert_int_eq(iss_signer_rotate(&r, "test", NULL, NULL, 0), REG_OK);
	x = current_signer(key, sizeof(key), &k);
	ck_assert_str_eq(key, "keys/test-ocsp-3.key");
	ck_assert_int_eq(pki_time(X509_get0_notAfter(x), &na), 0);
	ck_assert_int_eq((long)na, (long)clock_add_years(r.now,
	    SIGNER_VALID_YEARS));
	EVP_PKEY_free(k);
	X509_free(x);
	ck_assert_int_eq(fixture_sql_int(db_path(db), "SELECT count(*) FROM "
	    "signers"), 3);

	/* refusals change nothing */
	ck_assert_int_eq(iss_signer_rotate(&r, "nosuch", NULL, NULL, 0), REG_REFUSED);
	ck_assert_int_eq(iss_signer_rotate(&r, "test", "dsa", NULL, 0), REG_REFUSED);
	ck_assert_int_eq(fixture_sql_int(db_path(db), "SELECT count(*) FROM "
	    "signers"), 3);
	ck_assert_int_eq(audit_verify(db, &n, why, sizeof(why)), 0);
	X509_free(old);
}
END_TEST

/* --- demo ----------------------------------------------------------------- */

#define DEMO_CERTS_MAX	64	/* lines in the demo's index.tsv, at most */

static int64_t
count_demo(struct db *d)
{
	return fixture_sql_int(db_path(d), "SELECT count(*) + 1 FROM "
	    "certificates");
}

START_TEST(test_demo_matches_registry)
{
	char	 dir[600], why[1024], line[512], path[700], err[256];
	FILE	*f;
	int	 lines = 0, unknown = 0;
	struct config	*dc;
	struct db	*ddb;
	struct reg	 dr;
	struct { unsigned char *der; int len; } keys[DEMO_CERTS_MAX];
	char		 cns[DEMO_CERTS_MAX][ISS_CN_MAX];

	memset(keys, 0, sizeof(keys));
	clock_set(0);
	snprintf(dir, sizeof(dir), "%s/demo", tdir);
	ck_assert_msg(demo_build(dir, 3, "tester", why, sizeof(why)) == 0, "%s",
	    why);
	/* A second run on the same folder is refused. */
	ck_assert_int_eq(demo_build(dir, 0, "tester", why, sizeof(why)),
	    REG_REFUSED);
	snprintf(path, sizeof(path), "%s/certstatus.conf", dir);
	ck_assert_ptr_nonnull(dc = config_load(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(ddb = db_open(dc->database, DB_READWRITE, err,
	    sizeof(err)));
	reg_init(&dr, ddb, dc, "tester", dc->offices[0]);
	snprintf(path, sizeof(path), "%s/certs/index.tsv", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		char		*file = strtok(line, "\t"), *serial = strtok(NULL, "\t");
		char		*status = strtok(NULL, "\t"), *reason = strtok(NULL, "\n");
		char		 pem[700], hex[SERIAL_HEX_MAX];
		struct serial	 sn;
		X509		*x;
		json_t		*j;

		ck_assert_ptr_nonnull(reason);
		lines++;
		snprintf(pem, sizeof(pem), "%s/certs/%s", dir, file);
		ck_assert_msg((x = pki_cert_load(pem, err, sizeof(err))) != NULL,
		    "%s", err);
		ck_assert_int_eq(serial_from_asn1(X509_get0_serialNumber(x), &sn), 0);
		serial_to_hex(&sn, hex);
		ck_assert_str_eq(hex, serial);
		/* every certificate its own key pair and its own CN */
		ck_assert_int_lt(lines, DEMO_CERTS_MAX);
		keys[lines - 1].len = i2d_PUBKEY(X509_get0_pubkey(x),
		    &keys[lines - 1].der);
		ck_assert_int_gt(keys[lines - 1].len, 0);
		subject_cn(x, cns[lines - 1], sizeof(cns[0]));
		for (int k = 0; k < lines - 1; k++) {
			ck_assert_msg(keys[k].len != keys[lines - 1].len ||
			    memcmp(keys[k].der, keys[lines - 1].der,
			    (size_t)keys[k].len) != 0, "%s shares a key", file);
			ck_assert_msg(strcmp(cns[k], cns[lines - 1]) != 0,
			    "%s shares CN %s", file, cns[k]);
		}
		X509_free(x);
		j = reg_cert_show(&dr, serial, NULL);
		if (strcmp(status, "unknown") == 0) {
			ck_assert_ptr_null(j);
			unknown++;
			continue;
		}
		ck_assert_msg(j != NULL, "%s: %s", file, dr.why);
		if (strcmp(status, "good") == 0) {
			ck_assert_str_eq(json_string_value(json_object_get(j,
			    "status")), "good");
			ck_assert_str_eq(reason, "-");
		} else if (strcmp(reason, "certificateHold") == 0) {
			ck_assert_str_eq(json_string_value(json_object_get(j,
			    "status")), "hold");
		} else {
			ck_assert_str_eq(status, "revoked");
			ck_assert_str_eq(json_string_value(json_object_get(j,
			    "status")), "revoked");
			ck_assert_str_eq(json_string_value(json_object_get(j,
			    "reason")), reason);
		}
		json_decref(j);
	}
	fclose(f);
	for (int k = 0; k < lines; k++)
		OPENSSL_free(keys[k].der);
	ck_assert_int_eq(unknown, 1);
	ck_assert_int_eq(lines, (int)count_demo(ddb));
	reg_done(&dr);
	db_close(ddb);
	config_free(dc);
}
END_TEST

/* --- relying parties (party add|remove, db_parties_load) ------------------ */

#define DAY_SEC	86400

/*
 * A self-signed P-256 certificate CN=cn valid [nb, na], written to path as
 * PEM or DER; basicConstraints CA:TRUE when ca, keyUsage ku when not NULL.
 * Returns it (caller frees) so the test can compare what the registry keeps.
 */
static X509 *
party_cert(const char *path, int der, time_t nb, time_t na, int ca,
    const char *ku, const char *cn)
{
	static long	 serial = 1;
	EVP_PKEY	*k = pki_key_generate(PKI_P256);
	X509		*x = X509_new();
	X509_NAME	*n;
	X509_EXTENSION	*e;
	X509V3_CTX	 v3;
	FILE		*f;

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++), 1);
	ck_assert_ptr_nonnull(ASN1_TIME_set(X509_getm_notBefore(x), nb));
	ck_assert_ptr_nonnull(ASN1_TIME_set(X509_getm_notAfter(x), na));
	n = X509_get_subject_name(x);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
	    (const unsigned char *)"Test Bank", -1, -1, 0), 1);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	ck_assert_int_eq(X509_set_issuer_name(x, n), 1);
	ck_assert_int_eq(X509_set_pubkey(x, k), 1);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ck_assert_ptr_nonnull(e = X509V3_EXT_conf_nid(NULL, &v3,
	    NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	if (ku != NULL) {
		ck_assert_ptr_nonnull(e = X509V3_EXT_conf_nid(NULL, &v3,
		    NID_key_usage, ku));
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_int_eq(der ? i2d_X509_fp(f, x) : PEM_write_X509(f, x), 1);
	ck_assert_int_eq(fclose(f), 0);
	EVP_PKEY_free(k);
	return x;
}

/* A path in the test folder (static buffers: four at a time). */
static const char *
tpath(const char *name)
{
	static char	 buf[4][512];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tdir, name);
	return buf[i];
}

/* Everything about the parties table in one number, to see it unchanged. */
static int64_t
parties_digest(void)
{
	return count("SELECT count(*) * 1000003 + coalesce(sum(id * 31 + "
	    "length(cert) + length(name) + rate + coalesce(removed_at, 7)), 0) "
	    "FROM parties");
}

/* db_parties_load's rows: n of them, the i-th being names[i] with x's DER. */
static void
expect_loaded(size_t want, const char **names, X509 **certs)
{
	struct db_party	*v;
	size_t		 n;
	unsigned char	*der;
	int		 len;

	ck_assert_int_eq(db_parties_load(db, &v, &n), 0);
	ck_assert_uint_eq(n, want);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(v[i].name, names[i]);
		if (i > 0)
			ck_assert_int_gt(v[i].id, v[i - 1].id);
		der = NULL;
		ck_assert_int_gt(len = i2d_X509(certs[i], &der), 0);
		ck_assert_uint_eq(v[i].cert_len, (size_t)len);
		ck_assert_int_eq(memcmp(v[i].cert, der, (size_t)len), 0);
		OPENSSL_free(der);
	}
	db_parties_free(v, n);
}

START_TEST(test_party_add_list_remove)
{
	time_t		 now = clock_now();
	X509		*a, *b, *anew;
	const char	*names[3];
	X509		*certs[3];
	int64_t		 audits;
	char		 why[256];
	struct db_party	*v;
	size_t		 n;

	a = party_cert(tpath("a.pem"), 0, now - DAY_SEC, now + 365 * DAY_SEC, 0,
	    "critical,digitalSignature", "Bank A verifier");
	b = party_cert(tpath("b.der"), 1, now - DAY_SEC, now + 30 * DAY_SEC, 0,
	    NULL, "Bank B verifier");
	anew = party_cert(tpath("a2.pem"), 0, now - DAY_SEC, now + 365 * DAY_SEC,
	    0, NULL, "Bank A verifier 2");
	expect_loaded(0, names, certs);
	audits = count("SELECT count(*) FROM audit");

	ck_assert_msg(party_add(&r, "bank-a", tpath("a.pem"), "contract 12",
	    50) == REG_OK, "%s", r.why);
	ck_assert_msg(party_add(&r, "bank_b.2", tpath("b.der"), NULL, 0) ==
	    REG_OK, "%s", r.why);
	names[0] = "bank-a", certs[0] = a;
	names[1] = "bank_b.2", certs[1] = b;
	expect_loaded(2, names, certs);
	ck_assert_int_eq(db_parties_load(db, &v, &n), 0);
	ck_assert_int_eq(v[0].rate, 50);
	ck_assert_int_eq(v[1].rate, 0);
	db_parties_free(v, n);
	/* what the audit record and the row say */
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'party.add' AND subject = 'party bank-a' AND "
	    "json_extract(detail, '$.rate') = 50 AND json_extract(detail, "
	    "'$.note') = 'contract 12' AND json_extract(detail, "
	    "'$.cert_subject') = 'CN=Bank A verifier,O=Test Bank' AND "
	    "operator = 'tester'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM parties WHERE name = "
	    "'bank-a' AND length(fingerprint) = 64 AND fingerprint = "
	    "json_extract((SELECT detail FROM audit WHERE action = 'party.add' "
	    "AND subject = 'party bank-a'), '$.fingerprint') AND added_by = "
	    "'tester' AND removed_at IS NULL"), 1);
	ck_assert_int_eq(count("SELECT not_after FROM parties WHERE name = "
	    "'bank_b.2'"), (int64_t)(now + 30 * DAY_SEC));

	/* removal: gone from the server's view, kept as a record */
	ck_assert_msg(party_remove(&r, "bank-a") == REG_OK, "%s", r.why);
	names[0] = "bank_b.2", certs[0] = b;
	expect_loaded(1, names, certs);
	ck_assert_int_eq(count("SELECT count(*) FROM parties WHERE name = "
	    "'bank-a' AND removed_at = (SELECT at FROM audit WHERE action = "
	    "'party.remove') AND removed_by = 'tester'"), 1);

	/* the name comes back with another certificate, and so may the old
	 * certificate under another name */
	ck_assert_msg(party_add(&r, "bank-a", tpath("a2.pem"), NULL, 10) ==
	    REG_OK, "%s", r.why);
	ck_assert_msg(party_add(&r, "bank-a-old", tpath("a.pem"), NULL, 0) ==
	    REG_OK, "%s", r.why);
	names[1] = "bank-a", certs[1] = anew;
	names[2] = "bank-a-old", certs[2] = a;
	expect_loaded(3, names, certs);
	ck_assert_int_eq(count("SELECT count(*) FROM parties"), 4);

	/* five writes, five records, and the chain holds */
	ck_assert_int_eq(count("SELECT count(*) FROM audit"), audits + 5);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'refused'"), 0);
	ck_assert_int_eq(audit_verify(db, &audits, why, sizeof(why)), 0);
	X509_free(a);
	X509_free(b);
	X509_free(anew);
}
END_TEST

START_TEST(test_party_refusals_change_nothing)
{
	time_t		 now = clock_now();
	X509		*x[8];
	char		 longname[DB_PARTY_NAME_MAX + 2], why[256];
	int64_t		 digest, audits, nrec;
	FILE		*f;
	const struct {
		const char	*name, *file, *note;
		int		 rate;
		const char	*why;
	} cases[] = {
		{ "bank-a", "b.pem", NULL, 0, "party bank-a is already registered" },
		{ "bank-c", "a.pem", NULL, 0,
		    "already registered as party bank-a" },
		{ "bank-c", "expired.pem", NULL, 0, "expired on" },
		{ "bank-c", "future.pem", NULL, 0, "not valid yet" },
		{ "bank-c", "ca.pem", NULL, 0, "is a CA certificate" },
		{ "bank-c", "certsign.pem", NULL, 0, "is a CA certificate" },
		{ "bank-c", "keyenc.pem", NULL, 0, "lacks digitalSignature" },
		{ "bank c", "b.pem", NULL, 0, "a party name is 1-64" },
		{ "bank/c", "b.pem", NULL, 0, "a party name is 1-64" },
		{ "", "b.pem", NULL, 0, "a party name is 1-64" },
		{ longname, "b.pem", NULL, 0, "a party name is 1-64" },
		{ "bank-c", "missing.pem", NULL, 0, "cannot read" },
		{ "bank-c", "two.pem", NULL, 0, "holds 2 certificates" },
		{ "bank-c", "withkey.pem", NULL, 0, "holds a private key" },
		{ "bank-c", "junk.pem", NULL, 0, "is not a certificate" },
		{ "bank-c", "b.pem", NULL, 100001, "--rate" },
		{ "bank-c", "b.pem", NULL, -1, "--rate" },
		{ "bank-c", "b.pem", "two\nlines", 0, "one line" },
		{ "bank-c", "b.pem", "\xff\xfe", 0, "not UTF-8" },
	};

	memset(longname, 'a', DB_PARTY_NAME_MAX + 1);
	longname[DB_PARTY_NAME_MAX + 1] = '\0';
	x[0] = party_cert(tpath("a.pem"), 0, now - DAY_SEC, now + 365 * DAY_SEC,
	    0, NULL, "A");
	x[1] = party_cert(tpath("b.pem"), 0, now - DAY_SEC, now + 365 * DAY_SEC,
	    0, NULL, "B");
	x[2] = party_cert(tpath("expired.pem"), 0, now - 400 * DAY_SEC,
	    now - 35 * DAY_SEC, 0, NULL, "old");
	x[3] = party_cert(tpath("future.pem"), 0, now + 10 * DAY_SEC,
	    now + 400 * DAY_SEC, 0, NULL, "new");
	x[4] = party_cert(tpath("ca.pem"), 0, now - DAY_SEC, now + 365 * DAY_SEC,
	    1, NULL, "CA");
	x[5] = party_cert(tpath("certsign.pem"), 0, now - DAY_SEC,
	    now + 365 * DAY_SEC, 0, "critical,digitalSignature,keyCertSign",
	    "signs certs");
	x[6] = party_cert(tpath("keyenc.pem"), 0, now - DAY_SEC,
	    now + 365 * DAY_SEC, 0, "critical,keyAgreement", "no signing");
	x[7] = party_cert(tpath("c.pem"), 0, now - DAY_SEC, now + 365 * DAY_SEC,
	    0, NULL, "C");
	/* a chain of two, a certificate with a key, a file of noise */
	ck_assert_ptr_nonnull(f = fopen(tpath("two.pem"), "w"));
	ck_assert_int_eq(PEM_write_X509(f, x[7]), 1);
	ck_assert_int_eq(PEM_write_X509(f, x[4]), 1);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(tpath("withkey.pem"), "w"));
	ck_assert_int_eq(PEM_write_PrivateKey(f, holder, NULL, NULL, 0, NULL,
	    NULL), 1);
	ck_assert_int_eq(PEM_write_X509(f, x[7]), 1);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(tpath("junk.pem"), "w"));
	fputs("this is not a certificate\n", f);
	fclose(f);

	ck_assert_msg(party_add(&r, "bank-a", tpath("a.pem"), NULL, 0) ==
	    REG_OK, "%s", r.why);
	digest = parties_digest();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		audits = count("SELECT count(*) FROM audit");
		ck_assert_msg(party_add(&r, cases[i].name, tpath(cases[i].file),
		    cases[i].note, cases[i].rate) == REG_REFUSED,
		    "case %zu (%s) was not refused", i, cases[i].file);
		ck_assert_msg(strstr(r.why, cases[i].why) != NULL,
		    "case %zu: \"%s\" lacks \"%s\"", i, r.why, cases[i].why);
		ck_assert_ptr_null(strchr(r.why, '\n'));
		ck_assert_int_eq(parties_digest(), digest);
		/* only the refusal's own record */
		ck_assert_int_eq(count("SELECT count(*) FROM audit"), audits + 1);
		ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE id = "
		    "(SELECT max(id) FROM audit) AND action = 'refused' AND "
		    "json_extract(detail, '$.attempt') = 'party.add'"), 1);
	}
	/* removal of what is not registered */
	audits = count("SELECT count(*) FROM audit");
	ck_assert_int_eq(party_remove(&r, "bank-zz"), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "no party named \"bank-zz\""));
	ck_assert_int_eq(party_remove(&r, "bank\xff"), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "a party name is 1-64"));
	/* a name that is no name is not copied into the record's subject */
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE id = (SELECT "
	    "max(id) FROM audit) AND subject = 'party ?'"), 1);
	ck_assert_msg(party_remove(&r, "bank-a") == REG_OK, "%s", r.why);
	digest = parties_digest();
	ck_assert_int_eq(party_remove(&r, "bank-a"), REG_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.why, "already removed on 2024-06-01"));
	ck_assert_int_eq(parties_digest(), digest);
	ck_assert_int_eq(count("SELECT count(*) FROM audit"), audits + 4);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'refused' AND json_extract(detail, '$.attempt') = "
	    "'party.remove'"), 3);
	ck_assert_int_eq(audit_verify(db, &nrec, why, sizeof(why)), 0);
	for (int i = 0; i < 8; i++)
		X509_free(x[i]);
}
END_TEST

START_TEST(test_party_load_before_schema_6)
{
	struct db_party	*v = (struct db_party *)1;
	size_t		 n = 9;
	sqlite3		*h;
	char		 err[256];

	/* a registry still at schema 5: no table, so no party, no error */
	db_close(db);
	ck_assert_int_eq(sqlite3_open(cfg->database, &h), SQLITE_OK);
	/* (and without 007's columns, which came after it) */
	ck_assert_int_eq(sqlite3_exec(h, "DROP TABLE parties; "
	    "DROP INDEX certs_revoked_part; "
	    "ALTER TABLE certificates DROP COLUMN crl_partition; "
	    "DROP TABLE crl_partitions; DELETE FROM "
	    "schema_migrations WHERE version >= 6", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	ck_assert_ptr_nonnull(db = db_open(cfg->database, DB_READONLY, err,
	    sizeof(err)));
	ck_assert_int_eq(db_schema_version(db), 5);
	ck_assert_int_eq(db_parties_load(db, &v, &n), 0);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
	db_close(db);
	/* and certctl init's migration brings the table */
	ck_assert_ptr_nonnull(db = db_open(cfg->database, DB_READWRITE, err,
	    sizeof(err)));
	ck_assert_int_eq(db_migrate(db, err, sizeof(err)), 0);
	ck_assert_int_eq(db_schema_version(db), db_schema_latest());
	r.db = db;
	X509_free(party_cert(tpath("p.pem"), 0, clock_now() - DAY_SEC,
	    clock_now() + DAY_SEC, 0, NULL, "P"));
	ck_assert_msg(party_add(&r, "p", tpath("p.pem"), NULL, 0) == REG_OK,
	    "%s", r.why);
	ck_assert_int_eq(db_parties_load(db, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	db_parties_free(v, n);
}
END_TEST

static Suite *
certctl_suite(void)
{
	Suite	*s = suite_create("certctl");
	TCase	*tc = tcase_create("registry");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_detail_changes_revoke_sign_only, 0, 4);
	tcase_add_test(tc, test_change_revokes_hold_and_keeps_revoked);
	tcase_add_test(tc, test_card_replace_supersedes);
	tcase_add_test(tc, test_card_return_and_resident_remove);
	tcase_add_test(tc, test_lost_then_found);
	tcase_add_test(tc, test_revoke_named_certificate);
	tcase_add_test(tc, test_change_seq_per_change);
	tcase_add_test(tc, test_refused_write_changes_nothing);
	tcase_add_test(tc, test_juki_rules);
	tcase_add_test(tc, test_input_refusals);
	tcase_add_test(tc, test_counter_procedures_photo_rule);
	tcase_add_test(tc, test_validity_arithmetic);
	tcase_add_test(tc, test_issue_validity_recorded);
	tcase_add_test(tc, test_profile_parse_back);
	tcase_add_test(tc, test_cert_cn_format);
	tcase_add_test(tc, test_cert_cn_unique_and_policies);
	tcase_add_test(tc, test_import_details_must_match);
	tcase_add_loop_test(tc, test_audit_tamper, 0, 4);
	tcase_add_test(tc, test_signer_rotate);
	tcase_add_test(tc, test_demo_matches_registry);
	tcase_add_test(tc, test_party_add_list_remove);
	tcase_add_test(tc, test_party_refusals_change_nothing);
	tcase_add_test(tc, test_party_load_before_schema_6);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(certctl_suite(), CK_FORK_GETENV);
}
