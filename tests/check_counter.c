/* SPDX-License-Identifier: ISC */
/*
 * check_counter.c: the online counter's judgement (server/counter_judge.c)
 * on real certificates made here with OpenSSL: every answer a resident can
 * read (valid, expired, revoked and why, on hold, unknown, not issued here,
 * possible forgery), the card's rules, the lost-card line and the renewal
 * notice, in each language, and the boundaries between them: the last
 * second of validity, the first second of the renewal window, a hold beside
 * a revocation, our issuer's name without our issuer's signature.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "check_main.h"
#include "clock.h"
#include "config.h"
#include "counter_i18n.h"
#include "counter_judge.h"
#include "pki.h"
#include "serial.h"

#define CA_O		"Inagi Resident Card CA"
#define CA2_CN		"Tama Resident Card CA"	/* a CA without an O */
#define OTHER_O		"Kawasaki Resident Card CA"
#define DAY		86400

static EVP_PKEY		*ca_key, *ca2_key, *forger_key, *other_key, *holder;
static X509		*ca, *ca2, *forger_ca, *other_ca;
static struct issuer_set set;
static struct config	*cfg;
static time_t		 nb, na, revoked_at;	/* of every leaf made here */

static time_t
at(const char *iso)
{
	time_t	 t;

	ck_assert_int_eq(clock_parse(iso, &t), 0);
	return t;
}

static X509 *
make_ca(EVP_PKEY *key, const char *org, const char *cn)
{
	X509	*x;

	x = org != NULL ?
	    pki_ca_create_org(key, "Tokyo", "Inagi", org, cn, nb - 365 * DAY,
	    na + 365 * DAY) :
	    pki_ca_create(key, "Tokyo", "Tama", cn, nb - 365 * DAY,
	    na + 365 * DAY);
	ck_assert_ptr_nonnull(x);
	return x;
}

/* A resident's certificate of kind, issued by by/by_key. */
static X509 *
leaf(X509 *by, EVP_PKEY *by_key, enum pki_kind kind)
{
	struct pki_profile	 p;
	X509			*x;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.prefecture = "Tokyo";
	p.city = "Inagi";
	p.uid = "resident-0001";
	if (kind == PKI_KIND_SIGN) {
		p.name = "稲城 花子";
		p.address = "東京都稲城市東長沼2111";
		p.birth_date = "1990-04-01";
		p.sex = 2;
	}
	p.not_before = nb;
	p.not_after = na;
	ck_assert_int_eq(pki_serial_random(&p.serial), 0);
	x = pki_cert_issue(by, by_key, holder, &p);
	ck_assert_ptr_nonnull(x);
	return x;
}

static void
setup(void)
{
	char	 err[256];

	nb = at("2024-04-01T00:00:00Z");
	na = at("2029-03-31T14:59:59Z");	/* 23:59:59 Japan time */
	revoked_at = at("2026-07-01T01:00:00Z");
	ck_assert_ptr_nonnull(ca_key = pki_key_generate(PKI_P256));
	ck_assert_ptr_nonnull(ca2_key = pki_key_generate(PKI_P256));
	ck_assert_ptr_nonnull(forger_key = pki_key_generate(PKI_P256));
	ck_assert_ptr_nonnull(other_key = pki_key_generate(PKI_P256));
	ck_assert_ptr_nonnull(holder = pki_key_generate(PKI_P256));
	ca = make_ca(ca_key, CA_O, "Inagi CA");
	ca2 = make_ca(ca2_key, NULL, CA2_CN);
	/* the same subject as ours, another key */
	forger_ca = make_ca(forger_key, CA_O, "Inagi CA");
	other_ca = make_ca(other_key, OTHER_O, "Kawasaki CA");
	memset(&set, 0, sizeof(set));
	set.v[0] = (struct issuer){ .id = 1, .index = 0, .name = "inagi",
	    .ca = ca };
	set.v[1] = (struct issuer){ .id = 2, .index = 1, .name = "tama",
	    .ca = ca2 };
	set.n = 2;
	ck_assert_ptr_nonnull(cfg = config_defaults("/tmp"));
	ck_assert_int_eq(i18n_check(err, sizeof(err)), 0);
}

static void
teardown(void)
{
	X509_free(ca);
	X509_free(ca2);
	X509_free(forger_ca);
	X509_free(other_ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ca2_key);
	EVP_PKEY_free(forger_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(holder);
	config_free(cfg);
}

/*
 * Judge x as the counter does: the signature first, then (for one of ours)
 * the registry's record: state, with reason for a revocation, and card.
 */
static const struct issuer *
judge(X509 *x, enum cert_state state, int reason, const char *card,
    const char *kind, time_t now, struct verdict_info *vi)
{
	const struct issuer	*is;
	struct cert_status	 st;

	if ((is = counter_judge_cert(x, &set, vi)) == NULL)
		return NULL;
	memset(&st, 0, sizeof(st));
	st.state = state;
	st.not_after = na;
	st.reason = -1;
	if (state == CERT_REVOKED || state == CERT_HOLD) {
		st.revoked_at = revoked_at;
		st.reason = state == CERT_HOLD ? 6 : reason;
	}
	counter_judge_record(vi, &st, card, kind, now, cfg->renewal_window);
	return is;
}

/* A good certificate of ours on card, judged at now. */
static void
judge_good(const char *card, time_t now, struct verdict_info *vi)
{
	X509	*x = leaf(ca, ca_key, PKI_KIND_AUTH);

	ck_assert_ptr_eq(judge(x, CERT_GOOD, -1, card, "auth", now, vi),
	    &set.v[0]);
	X509_free(x);
}

static void
assert_has(const char *text, const char *part)
{
	ck_assert_msg(strstr(text, part) != NULL, "\"%s\" not in \"%s\"", part,
	    text);
}

/* The date as the resident reads it in l. */
static const char *
date_in(enum lang l, time_t t)
{
	static char	 buf[64];

	i18n_date(l, t, buf, sizeof(buf));
	return buf;
}

START_TEST(t_valid)
{
	struct verdict_info	 vi;
	struct verdict_text	 t;
	X509			*x = leaf(ca, ca_key, PKI_KIND_SIGN);
	struct serial		 sn;
	char			 hex[SERIAL_HEX_MAX];

	ck_assert_ptr_eq(judge(x, CERT_GOOD, -1, "mynumber", "sign",
	    na - 200 * DAY, &vi), &set.v[0]);
	ck_assert_int_eq(vi.v, V_VALID);
	ck_assert_str_eq(counter_judge_name(vi.v), "valid");
	ck_assert_int_eq(vi.renewal, 0);
	ck_assert_int_eq(vi.not_before, nb);
	ck_assert_int_eq(vi.not_after, na);
	ck_assert_int_eq(vi.revoked_at, 0);
	ck_assert_int_eq(vi.reason, -1);
	ck_assert_int_eq(vi.kind, KIND_SIGN);
	ck_assert_int_eq(vi.card, CARD_MYNUMBER);
	/* our CA by its O, never its DN; the registry's name beside it */
	ck_assert_str_eq(vi.issuer, CA_O);
	ck_assert_str_eq(vi.issuer_id, "inagi");
	ck_assert_int_eq(serial_from_asn1(X509_get0_serialNumber(x), &sn), 0);
	serial_to_hex(&sn, hex);
	ck_assert_str_eq(vi.serial, hex);
	for (int l = 0; l < LANG_COUNT; l++) {
		counter_judge_words(l, cfg, &vi, &t);
		ck_assert_str_eq(t.headline, i18n(l, M_H_VALID));
		assert_has(t.detail, date_in(l, na));
		ck_assert_str_eq(t.advice, i18n(l, M_N_VALID));
		ck_assert_ptr_null(t.reason);
		ck_assert_str_eq(t.lost, "");
		ck_assert_str_eq(t.renewal, "");
	}
	X509_free(x);
}
END_TEST

/* Valid through the last second of not_after, expired one second later. */
START_TEST(t_expiry_day)
{
	struct verdict_info	 vi;
	struct verdict_text	 t;

	judge_good("mynumber", na, &vi);
	ck_assert_int_eq(vi.v, V_VALID);
	judge_good("mynumber", na + 1, &vi);
	ck_assert_int_eq(vi.v, V_EXPIRED);
	ck_assert_str_eq(counter_judge_name(vi.v), "expired");
	ck_assert_int_eq(vi.renewal, 0);	/* too late to renew */
	for (int l = 0; l < LANG_COUNT; l++) {
		counter_judge_words(l, cfg, &vi, &t);
		ck_assert_str_eq(t.headline, i18n(l, M_H_EXPIRED));
		assert_has(t.detail, date_in(l, na));
		ck_assert_str_eq(t.advice, i18n(l, M_N_EXPIRED_MYNUMBER));
		ck_assert_str_eq(t.renewal, "");
	}
	/* Juki certificates are no longer issued: a My Number Card instead */
	judge_good("juki", na + DAY, &vi);
	ck_assert_int_eq(vi.v, V_EXPIRED);
	counter_judge_words(LANG_EN, cfg, &vi, &t);
	ck_assert_str_eq(t.advice, i18n(LANG_EN, M_N_EXPIRED_JUKI));
}
END_TEST

/* The notice opens exactly renewal-window before not_after. */
START_TEST(t_renewal_window)
{
	struct verdict_info	 vi;
	struct verdict_text	 t;
	time_t			 w = cfg->renewal_window;

	ck_assert_int_eq(w, 90 * DAY);
	judge_good("mynumber", na - w - 1, &vi);
	ck_assert_int_eq(vi.v, V_VALID);
	ck_assert_int_eq(vi.renewal, 0);
	counter_judge_words(LANG_EN, cfg, &vi, &t);
	ck_assert_str_eq(t.renewal, "");

	judge_good("mynumber", na - w, &vi);
	ck_assert_int_eq(vi.v, V_VALID);
	ck_assert_int_eq(vi.renewal, 1);
	for (int l = 0; l < LANG_COUNT; l++) {
		counter_judge_words(l, cfg, &vi, &t);
		ck_assert_str_eq(t.headline, i18n(l, M_H_VALID));
		assert_has(t.renewal, date_in(l, na));
		for (int i = 0; i < cfg->noffices; i++)
			assert_has(t.renewal, i18n_office(l, cfg->offices[i]));
	}
	judge_good("mynumber", na, &vi);
	ck_assert_int_eq(vi.renewal, 1);

	/* a shorter window from the config moves the line */
	cfg->renewal_window = 30 * DAY;
	judge_good("mynumber", na - 31 * DAY, &vi);
	ck_assert_int_eq(vi.renewal, 0);
	judge_good("mynumber", na - 30 * DAY, &vi);
	ck_assert_int_eq(vi.renewal, 1);
}
END_TEST

/* A Juki certificate near expiry is told it cannot be renewed. */
START_TEST(t_renewal_juki)
{
	struct verdict_info	 vi;
	struct verdict_text	 t;
	char			 want[2048];

	judge_good("juki", na - DAY, &vi);
	ck_assert_int_eq(vi.renewal, 1);
	for (int l = 0; l < LANG_COUNT; l++) {
		counter_judge_words(l, cfg, &vi, &t);
		snprintf(want, sizeof(want), i18n(l, M_RENEWAL_JUKI_FMT),
		    date_in(l, na));
		ck_assert_str_eq(t.renewal, want);
		ck_assert_ptr_null(strstr(t.renewal,
		    i18n_office(l, cfg->offices[0])));
	}
}
END_TEST

/* Each recorded reason in plain words, with what to do next. */
START_TEST(t_revoked)
{
	static const struct {
		int		 reason;
		enum msg	 words, advice;
	} cases[] = {
		{ 3, M_R_AFFILIATION, M_N_AFFILIATION },
		{ 4, M_R_SUPERSEDED, M_N_SUPERSEDED },
		{ 5, M_R_CESSATION, M_N_CESSATION },
		{ 1, M_R_KEY_COMPROMISE, M_N_KEY_COMPROMISE },
		{ 0, M_R_OTHER, M_N_OTHER },
		{ 9, M_R_OTHER, M_N_OTHER },
	};
	struct verdict_info	 vi;
	struct verdict_text	 t;
	X509			*x = leaf(ca, ca_key, PKI_KIND_SIGN);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		judge(x, CERT_REVOKED, cases[i].reason, "mynumber", "sign",
		    na - 400 * DAY, &vi);
		ck_assert_int_eq(vi.v, V_REVOKED);
		ck_assert_str_eq(counter_judge_name(vi.v), "revoked");
		ck_assert_int_eq(vi.reason, cases[i].reason);
		ck_assert_int_eq(vi.revoked_at, revoked_at);
		ck_assert_int_eq(vi.renewal, 0);
		for (int l = 0; l < LANG_COUNT; l++) {
			counter_judge_words(l, cfg, &vi, &t);
			ck_assert_str_eq(t.headline, i18n(l, M_H_REVOKED));
			ck_assert_str_eq(t.reason, i18n(l, cases[i].words));
			ck_assert_str_eq(t.advice, i18n(l, cases[i].advice));
			assert_has(t.detail, t.reason);
			assert_has(t.detail, date_in(l, revoked_at));
			ck_assert_str_eq(t.lost, "");
		}
	}
	X509_free(x);
}
END_TEST

/*
 * A hold (the card reported lost) is not a revocation: 一時保留 with the
 * 24-hour line; the revocation that follows a found card has no line.
 */
START_TEST(t_hold_vs_revoked)
{
	struct verdict_info	 vi;
	struct verdict_text	 t;
	X509			*x = leaf(ca, ca_key, PKI_KIND_AUTH);

	judge(x, CERT_HOLD, -1, "mynumber", "auth", na - 400 * DAY, &vi);
	ck_assert_int_eq(vi.v, V_HOLD);
	ck_assert_str_eq(counter_judge_name(vi.v), "hold");
	ck_assert_int_eq(vi.reason, 6);		/* certificateHold */
	ck_assert_int_eq(vi.revoked_at, revoked_at);
	counter_judge_words(LANG_JA, cfg, &vi, &t);
	assert_has(t.headline, "一時保留");
	assert_has(t.lost, "0120-95-0178");
	for (int l = 0; l < LANG_COUNT; l++) {
		counter_judge_words(l, cfg, &vi, &t);
		ck_assert_str_eq(t.headline, i18n(l, M_H_HOLD));
		ck_assert_str_eq(t.advice, i18n(l, M_N_HOLD));
		assert_has(t.detail, date_in(l, revoked_at));
		assert_has(t.lost, cfg->lost_card_phone);
		ck_assert_ptr_null(t.reason);
	}

	judge(x, CERT_REVOKED, 5, "mynumber", "auth", na - 400 * DAY, &vi);
	ck_assert_int_eq(vi.v, V_REVOKED);
	counter_judge_words(LANG_JA, cfg, &vi, &t);
	ck_assert_ptr_null(strstr(t.headline, "一時保留"));
	ck_assert_str_eq(t.lost, "");

	/* the line is the config's */
	free(cfg->lost_card_phone);
	cfg->lost_card_phone = strdup("042-000-0000");
	judge(x, CERT_HOLD, -1, "mynumber", "auth", na - 400 * DAY, &vi);
	counter_judge_words(LANG_EN, cfg, &vi, &t);
	assert_has(t.lost, "042-000-0000");
	ck_assert_ptr_null(strstr(t.lost, "0120-95-0178"));
	X509_free(x);
}
END_TEST

/* The registry's state wins over the date: no "expired" for a hold. */
START_TEST(t_state_after_expiry)
{
	struct verdict_info	 vi;
	X509			*x = leaf(ca, ca_key, PKI_KIND_AUTH);

	judge(x, CERT_HOLD, -1, "mynumber", "auth", na + DAY, &vi);
	ck_assert_int_eq(vi.v, V_HOLD);
	judge(x, CERT_REVOKED, 4, "mynumber", "auth", na + DAY, &vi);
	ck_assert_int_eq(vi.v, V_REVOKED);
	judge(x, CERT_UNKNOWN, -1, "", "", na + DAY, &vi);
	ck_assert_int_eq(vi.v, V_UNKNOWN);
	X509_free(x);
}
END_TEST

/* Signed by our CA, but the registry has no record: no card, no rules. */
START_TEST(t_unknown)
{
	struct verdict_info	 vi;
	struct verdict_text	 t;
	X509			*x = leaf(ca, ca_key, PKI_KIND_SIGN);

	ck_assert_ptr_eq(judge(x, CERT_UNKNOWN, -1, "", "", na - 400 * DAY,
	    &vi), &set.v[0]);
	ck_assert_int_eq(vi.v, V_UNKNOWN);
	ck_assert_str_eq(counter_judge_name(vi.v), "unknown");
	ck_assert_str_eq(vi.issuer_id, "inagi");
	ck_assert_int_eq(vi.card, CARD_NONE);
	ck_assert_int_eq(vi.kind, KIND_SIGN);	/* keyUsage, the registry silent */
	for (int l = 0; l < LANG_COUNT; l++) {
		counter_judge_words(l, cfg, &vi, &t);
		ck_assert_str_eq(t.headline, i18n(l, M_H_UNKNOWN));
		ck_assert_str_eq(t.detail, i18n(l, M_D_UNKNOWN));
		ck_assert_str_eq(t.advice, i18n(l, M_N_UNKNOWN));
		ck_assert_int_eq(t.nrules, 0);
		ck_assert_str_eq(t.rules_h, "");
		ck_assert_ptr_null(t.card);
	}
	X509_free(x);
}
END_TEST

/* Another city's CA: not judged, the registry never asked. */
START_TEST(t_not_here)
{
	struct verdict_info	 vi;
	struct verdict_text	 t;
	X509			*x = leaf(other_ca, other_key, PKI_KIND_SIGN);

	ck_assert_ptr_null(counter_judge_cert(x, &set, &vi));
	ck_assert_int_eq(vi.v, V_NOT_HERE);
	ck_assert_str_eq(counter_judge_name(vi.v), "not_issued_here");
	ck_assert_str_eq(vi.issuer, OTHER_O);	/* what it claims */
	ck_assert_ptr_null(vi.issuer_id);
	for (int l = 0; l < LANG_COUNT; l++) {
		counter_judge_words(l, cfg, &vi, &t);
		ck_assert_str_eq(t.headline, i18n(l, M_H_NOT_HERE));
		ck_assert_str_eq(t.advice, i18n(l, M_N_NOT_HERE));
		ck_assert_int_eq(t.nrules, 0);
	}
	X509_free(x);
}
END_TEST

/* Our CA's name over another key's signature: a possible forgery. */
START_TEST(t_forged_issuer)
{
	struct verdict_info	 vi;
	struct verdict_text	 t;
	X509			*x = leaf(forger_ca, forger_key, PKI_KIND_SIGN);

	ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(x),
	    X509_get_subject_name(ca)), 0);
	ck_assert_ptr_null(counter_judge_cert(x, &set, &vi));
	ck_assert_int_eq(vi.v, V_FORGED);
	ck_assert_str_eq(counter_judge_name(vi.v), "possible_forgery");
	ck_assert_str_eq(vi.issuer, CA_O);
	ck_assert_ptr_null(vi.issuer_id);
	for (int l = 0; l < LANG_COUNT; l++) {
		counter_judge_words(l, cfg, &vi, &t);
		ck_assert_str_eq(t.headline, i18n(l, M_H_FORGED));
		assert_has(t.detail, CA_O);
		ck_assert_str_eq(t.advice, i18n(l, M_N_FORGED));
	}
	X509_free(x);
}
END_TEST

/* A real certificate's serial and subject, signed again by another key. */
START_TEST(t_forged_copy)
{
	struct verdict_info	 vi;
	X509			*x = leaf(ca, ca_key, PKI_KIND_SIGN), *copy;

	ck_assert_ptr_nonnull(copy = X509_dup(x));
	ck_assert_int_gt(X509_sign(copy, forger_key, EVP_sha256()), 0);
	ck_assert_int_eq(ASN1_INTEGER_cmp(X509_get0_serialNumber(copy),
	    X509_get0_serialNumber(x)), 0);
	ck_assert_ptr_nonnull(counter_judge_cert(x, &set, &vi));
	ck_assert_ptr_null(counter_judge_cert(copy, &set, &vi));
	ck_assert_int_eq(vi.v, V_FORGED);
	X509_free(copy);
	X509_free(x);
}
END_TEST

/* The second CA of the set; a CA without an O is named by its CN. */
START_TEST(t_second_issuer)
{
	struct verdict_info	 vi;
	X509			*x = leaf(ca2, ca2_key, PKI_KIND_AUTH);

	ck_assert_ptr_eq(judge(x, CERT_GOOD, -1, "mynumber", "auth",
	    na - 400 * DAY, &vi), &set.v[1]);
	ck_assert_int_eq(vi.v, V_VALID);
	ck_assert_str_eq(vi.issuer, CA2_CN);
	ck_assert_str_eq(vi.issuer_id, "tama");
	X509_free(x);
}
END_TEST

/* The kind by keyUsage, unless the registry records another. */
START_TEST(t_kind)
{
	struct verdict_info	 vi;
	X509			*s = leaf(ca, ca_key, PKI_KIND_SIGN);
	X509			*a = leaf(ca, ca_key, PKI_KIND_AUTH);

	judge(s, CERT_GOOD, -1, "mynumber", "", na - 400 * DAY, &vi);
	ck_assert_int_eq(vi.kind, KIND_SIGN);
	judge(a, CERT_GOOD, -1, "mynumber", "", na - 400 * DAY, &vi);
	ck_assert_int_eq(vi.kind, KIND_AUTH);
	judge(s, CERT_GOOD, -1, "mynumber", "auth", na - 400 * DAY, &vi);
	ck_assert_int_eq(vi.kind, KIND_AUTH);
	judge(a, CERT_GOOD, -1, "mynumber", "sign", na - 400 * DAY, &vi);
	ck_assert_int_eq(vi.kind, KIND_SIGN);
	X509_free(s);
	X509_free(a);
}
END_TEST

/* The rules of the card the registry records, with the config's numbers. */
START_TEST(t_card_rules)
{
	struct verdict_info	 vi;
	struct verdict_text	 t;
	char			 want[512];

	judge_good("juki", na - 400 * DAY, &vi);
	ck_assert_int_eq(vi.card, CARD_JUKI);
	for (int l = 0; l < LANG_COUNT; l++) {
		counter_judge_words(l, cfg, &vi, &t);
		ck_assert_str_eq(t.card, i18n(l, M_CARD_JUKI));
		assert_has(t.rules_h, t.card);
		ck_assert_int_eq(t.nrules, 3);
		snprintf(want, sizeof(want), i18n(l, M_CR_JUKI_VALIDITY_FMT),
		    cfg->juki_validity_years);
		ck_assert_str_eq(t.rules[0], want);
		ck_assert_str_eq(t.rules[1], i18n(l, M_CR_JUKI_LOCK));
		ck_assert_str_eq(t.rules[2], i18n(l, M_CR_JUKI_END));
	}
	judge_good("mynumber", na - 400 * DAY, &vi);
	ck_assert_int_eq(vi.card, CARD_MYNUMBER);
	counter_judge_words(LANG_EN, cfg, &vi, &t);
	ck_assert_str_eq(t.card, i18n(LANG_EN, M_CARD_MYNUMBER));
	ck_assert_int_eq(t.nrules, 3);
	assert_has(t.rules[0], "5th birthday");
	ck_assert_str_eq(t.rules[1], i18n(LANG_EN, M_CR_MN_PASSWORDS));
	ck_assert_str_eq(t.rules[2], i18n(LANG_EN, M_CR_MN_MOVE));
	cfg->mynumber_birthdays = 3;
	counter_judge_words(LANG_EN, cfg, &vi, &t);
	assert_has(t.rules[0], "3rd birthday");
	cfg->mynumber_birthdays = 11;
	counter_judge_words(LANG_EN, cfg, &vi, &t);
	assert_has(t.rules[0], "11th birthday");
	/* a card type the counter does not know: no rules */
	judge_good("passport", na - 400 * DAY, &vi);
	ck_assert_int_eq(vi.card, CARD_NONE);
	counter_judge_words(LANG_EN, cfg, &vi, &t);
	ck_assert_int_eq(t.nrules, 0);
}
END_TEST

static Suite *
counter_suite(void)
{
	Suite	*s = suite_create("counter");
	TCase	*tc = tcase_create("judge");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, t_valid);
	tcase_add_test(tc, t_expiry_day);
	tcase_add_test(tc, t_renewal_window);
	tcase_add_test(tc, t_renewal_juki);
	tcase_add_test(tc, t_revoked);
	tcase_add_test(tc, t_hold_vs_revoked);
	tcase_add_test(tc, t_state_after_expiry);
	tcase_add_test(tc, t_unknown);
	tcase_add_test(tc, t_not_here);
	tcase_add_test(tc, t_forged_issuer);
	tcase_add_test(tc, t_forged_copy);
	tcase_add_test(tc, t_second_issuer);
	tcase_add_test(tc, t_kind);
	tcase_add_test(tc, t_card_rules);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(counter_suite(), CK_FORK_GETENV);
}
