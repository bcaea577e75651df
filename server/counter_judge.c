/* SPDX-License-Identifier: ISC */
/*
 * counter_judge.c: the online counter's judgement (see counter_judge.h).
 * A certificate is judged only after its signature verifies against one of
 * our CAs.  One that copies our issuer's name but does not verify is called
 * a possible forgery; any other foreign one is "not issued here".  The
 * answer carries the rules of the card the certificate is on (Juki or My
 * Number, from the registry's record of that certificate), the 24-hour
 * lost-card line for a hold, and a renewal notice within renewal-window of
 * expiry.  The issuer is shown by its name, not its DN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "counter_judge.h"
#include "pki.h"
#include "reason.h"

static const char *const verdict_names[] = {
	"valid", "expired", "revoked", "hold", "unknown", "not_issued_here",
	"possible_forgery"
};

const char *
counter_judge_name(enum verdict v)
{
	return verdict_names[v];
}

/*
 * A CA's name as a resident reads it: its O, else its CN, else the
 * registry's name for it.
 */
static void
name_of(const X509_NAME *n, const char *fallback, char *out, size_t len)
{
	static const int	 nids[] = { NID_organizationName, NID_commonName };
	X509_NAME_ENTRY		*e;
	unsigned char		*u;
	int			 i;

	out[0] = '\0';
	for (size_t k = 0; k < sizeof(nids) / sizeof(nids[0]); k++) {
		if ((i = X509_NAME_get_index_by_NID(n, nids[k], -1)) < 0 ||
		    (e = X509_NAME_get_entry(n, i)) == NULL ||
		    ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e)) < 0)
			continue;
		/* control characters would only confuse; the page escapes
		 * the rest */
		for (unsigned char *p = u; *p != '\0'; p++)
			if (*p < 0x20 || *p == 0x7f)
				*p = '?';
		snprintf(out, len, "%s", (char *)u);
		OPENSSL_free(u);
		break;
	}
	if (out[0] == '\0' && fallback != NULL)
		snprintf(out, len, "%s", fallback);
	ERR_clear_error();
}

/* Fill what the certificate itself says. */
static void
cert_facts(X509 *x, struct verdict_info *vi)
{
	BIGNUM		*bn;
	char		*hex;
	uint32_t	 ku;

	vi->serial[0] = '\0';
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) != NULL &&
	    (hex = BN_bn2hex(bn)) != NULL) {
		snprintf(vi->serial, sizeof(vi->serial), "%s", hex);
		if (strlen(hex) >= sizeof(vi->serial))
			memcpy(vi->serial + sizeof(vi->serial) - 4, "...", 4);
		OPENSSL_free(hex);
	}
	BN_free(bn);
	/* what it claims; replaced by our CA's own name once it verifies */
	name_of(X509_get_issuer_name(x), NULL, vi->issuer, sizeof(vi->issuer));
	(void)pki_time(X509_get0_notBefore(x), &vi->not_before);
	(void)pki_time(X509_get0_notAfter(x), &vi->not_after);
	vi->revoked_at = 0;
	vi->reason = -1;
	ku = X509_get_key_usage(x);
	if (ku == UINT32_MAX)
		vi->kind = KIND_OTHER;
	else if (ku & KU_NON_REPUDIATION)
		vi->kind = KIND_SIGN;
	else if (ku & KU_DIGITAL_SIGNATURE)
		vi->kind = KIND_AUTH;
	else
		vi->kind = KIND_OTHER;
	ERR_clear_error();
}

const struct issuer *
counter_judge_cert(X509 *x, const struct issuer_set *set,
    struct verdict_info *vi)
{
	const struct issuer	*is = NULL;

	memset(vi, 0, sizeof(*vi));
	cert_facts(x, vi);
	for (size_t i = 0; i < set->n; i++)
		if (pki_cert_issued_by(x, set->v[i].ca)) {
			is = &set->v[i];
			break;
		}
	if (is == NULL) {
		vi->v = V_NOT_HERE;
		/* our issuer's name without our issuer's signature */
		for (size_t i = 0; i < set->n; i++)
			if (X509_NAME_cmp(X509_get_issuer_name(x),
			    X509_get_subject_name(set->v[i].ca)) == 0) {
				vi->v = V_FORGED;
				name_of(X509_get_subject_name(set->v[i].ca),
				    set->v[i].name, vi->issuer,
				    sizeof(vi->issuer));
				break;
			}
		return NULL;
	}
	name_of(X509_get_subject_name(is->ca), is->name, vi->issuer,
	    sizeof(vi->issuer));
	vi->issuer_id = is->name;
	return is;
}

void
counter_judge_record(struct verdict_info *vi, const struct cert_status *st,
    const char *card, const char *kind, time_t now, time_t renewal_window)
{
	vi->card = strcmp(card, "juki") == 0 ? CARD_JUKI :
	    strcmp(card, "mynumber") == 0 ? CARD_MYNUMBER : CARD_NONE;
	if (strcmp(kind, "sign") == 0)
		vi->kind = KIND_SIGN;
	else if (strcmp(kind, "auth") == 0)
		vi->kind = KIND_AUTH;
	switch (st->state) {
	case CERT_UNKNOWN:
		vi->v = V_UNKNOWN;
		break;
	case CERT_REVOKED:
		vi->v = V_REVOKED;
		vi->revoked_at = st->revoked_at;
		vi->reason = st->reason;
		break;
	case CERT_HOLD:
		vi->v = V_HOLD;
		vi->revoked_at = st->revoked_at;
		vi->reason = REASON_CERTIFICATE_HOLD;
		break;
	case CERT_GOOD:
		vi->v = now > vi->not_after ? V_EXPIRED : V_VALID;
		vi->renewal = vi->v == V_VALID &&
		    vi->not_after - now <= renewal_window;
		break;
	}
}

/* English ordinals for the birthday count: 1st, 2nd, 3rd, 4th, 11th. */
static const char *
ordinal_en(int n)
{
	if (n % 100 >= 11 && n % 100 <= 13)
		return "th";
	switch (n % 10) {
	case 1: return "st";
	case 2: return "nd";
	case 3: return "rd";
	default: return "th";
	}
}

/* "Renewal is open now, at these offices" (or, for Juki: it cannot be). */
static void
renewal_words(enum lang l, const struct config *c,
    const struct verdict_info *vi, struct verdict_text *t)
{
	char	 date[64], offices[1024] = "";
	size_t	 n = 0;

	i18n_date(l, vi->not_after, date, sizeof(date));
	if (vi->card == CARD_JUKI) {
		snprintf(t->renewal, sizeof(t->renewal),
		    i18n(l, M_RENEWAL_JUKI_FMT), date);
		return;
	}
	for (int i = 0; i < c->noffices && n < sizeof(offices); i++) {
		const char	*name = i18n_office(l, c->offices[i]);

		n += (size_t)snprintf(offices + n, sizeof(offices) - n, "%s%s",
		    i > 0 ? i18n(l, M_LIST_SEP) : "", name != NULL ? name :
		    c->offices[i]);
	}
	snprintf(t->renewal, sizeof(t->renewal), i18n(l, M_RENEWAL_FMT), date,
	    offices);
}

/* The rules of the card the certificate is on. */
static void
card_rules(enum lang l, const struct config *c,
    const struct verdict_info *vi, struct verdict_text *t)
{
	switch (vi->card) {
	case CARD_JUKI:
		t->card = i18n(l, M_CARD_JUKI);
		snprintf(t->rules[0], sizeof(t->rules[0]),
		    i18n(l, M_CR_JUKI_VALIDITY_FMT), c->juki_validity_years);
		snprintf(t->rules[1], sizeof(t->rules[1]), "%s",
		    i18n(l, M_CR_JUKI_LOCK));
		snprintf(t->rules[2], sizeof(t->rules[2]), "%s",
		    i18n(l, M_CR_JUKI_END));
		t->nrules = 3;
		break;
	case CARD_MYNUMBER:
		t->card = i18n(l, M_CARD_MYNUMBER);
		snprintf(t->rules[0], sizeof(t->rules[0]),
		    i18n(l, M_CR_MN_VALIDITY_FMT), c->mynumber_birthdays,
		    ordinal_en(c->mynumber_birthdays));
		snprintf(t->rules[1], sizeof(t->rules[1]), "%s",
		    i18n(l, M_CR_MN_PASSWORDS));
		snprintf(t->rules[2], sizeof(t->rules[2]), "%s",
		    i18n(l, M_CR_MN_MOVE));
		t->nrules = 3;
		break;
	case CARD_NONE:
		return;
	}
	snprintf(t->rules_h, sizeof(t->rules_h), i18n(l, M_CARD_RULES_H_FMT),
	    t->card);
}

void
counter_judge_words(enum lang l, const struct config *c,
    const struct verdict_info *vi, struct verdict_text *t)
{
	char	 date[64];

	memset(t, 0, sizeof(*t));
	switch (vi->v) {
	case V_VALID:
		i18n_date(l, vi->not_after, date, sizeof(date));
		t->headline = i18n(l, M_H_VALID);
		snprintf(t->detail, sizeof(t->detail), i18n(l, M_D_VALID_FMT),
		    date);
		t->advice = i18n(l, M_N_VALID);
		break;
	case V_EXPIRED:
		i18n_date(l, vi->not_after, date, sizeof(date));
		t->headline = i18n(l, M_H_EXPIRED);
		snprintf(t->detail, sizeof(t->detail), i18n(l, M_D_EXPIRED_FMT),
		    date);
		t->advice = i18n(l, vi->card == CARD_JUKI ? M_N_EXPIRED_JUKI :
		    M_N_EXPIRED_MYNUMBER);
		break;
	case V_REVOKED:
		i18n_date(l, vi->revoked_at, date, sizeof(date));
		t->headline = i18n(l, M_H_REVOKED);
		switch (vi->reason) {
		case REASON_AFFILIATION_CHANGED:
			t->reason = i18n(l, M_R_AFFILIATION);
			t->advice = i18n(l, M_N_AFFILIATION);
			break;
		case REASON_SUPERSEDED:
			t->reason = i18n(l, M_R_SUPERSEDED);
			t->advice = i18n(l, M_N_SUPERSEDED);
			break;
		case REASON_CESSATION:
			t->reason = i18n(l, M_R_CESSATION);
			t->advice = i18n(l, M_N_CESSATION);
			break;
		case REASON_KEY_COMPROMISE:
			t->reason = i18n(l, M_R_KEY_COMPROMISE);
			t->advice = i18n(l, M_N_KEY_COMPROMISE);
			break;
		default:
			t->reason = i18n(l, M_R_OTHER);
			t->advice = i18n(l, M_N_OTHER);
		}
		snprintf(t->detail, sizeof(t->detail), i18n(l, M_D_REVOKED_FMT),
		    date, t->reason);
		break;
	case V_HOLD:
		i18n_date(l, vi->revoked_at, date, sizeof(date));
		t->headline = i18n(l, M_H_HOLD);
		snprintf(t->detail, sizeof(t->detail), i18n(l, M_D_HOLD_FMT),
		    date);
		t->advice = i18n(l, M_N_HOLD);
		break;
	case V_UNKNOWN:
		t->headline = i18n(l, M_H_UNKNOWN);
		snprintf(t->detail, sizeof(t->detail), "%s",
		    i18n(l, M_D_UNKNOWN));
		t->advice = i18n(l, M_N_UNKNOWN);
		break;
	case V_NOT_HERE:
		t->headline = i18n(l, M_H_NOT_HERE);
		snprintf(t->detail, sizeof(t->detail), "%s",
		    i18n(l, M_D_NOT_HERE));
		t->advice = i18n(l, M_N_NOT_HERE);
		break;
	case V_FORGED:
		t->headline = i18n(l, M_H_FORGED);
		snprintf(t->detail, sizeof(t->detail), i18n(l, M_D_FORGED_FMT),
		    vi->issuer);
		t->advice = i18n(l, M_N_FORGED);
		break;
	}
	if (vi->v == V_HOLD && c->lost_card_phone != NULL)
		snprintf(t->lost, sizeof(t->lost), i18n(l, M_LOST_LINE_FMT),
		    c->lost_card_phone);
	if (vi->renewal)
		renewal_words(l, c, vi, t);
	card_rules(l, c, vi, t);
}
