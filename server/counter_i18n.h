/* SPDX-License-Identifier: ISC */
/*
 * counter_i18n.h: the online counter's words in Japanese (the default),
 * English and Spanish (counter_i18n.c), and how a language is chosen.
 */
#ifndef CERTSTATUSD_COUNTER_I18N_H
#define CERTSTATUSD_COUNTER_I18N_H

#include <stddef.h>
#include <time.h>

enum lang { LANG_JA, LANG_EN, LANG_ES, LANG_COUNT };

/*
 * Message ids.  Entries named *_FMT are printf formats: the M_D_* details
 * take the date (%1$s) and, for M_D_REVOKED, the reason (%2$s); M_PHONE_FMT,
 * M_CONTACT_FMT and M_LOST_LINE_FMT take a phone number; M_D_FORGED_FMT the
 * name of our issuer it copies; M_RENEWAL_FMT the expiry date (%1$s) and
 * the offices (%2$s, joined by M_LIST_SEP), M_RENEWAL_JUKI_FMT the date;
 * M_CARD_RULES_H_FMT the card's name; M_CR_JUKI_VALIDITY_FMT the years
 * (%1$d); M_CR_MN_VALIDITY_FMT the birthday count (%1$d) and its English
 * ordinal suffix (%2$s, unused elsewhere).
 */
enum msg {
	M_HTML_TITLE, M_CITY, M_SERVICE, M_LANG_NAV, M_SKIP,
	M_H1, M_INTRO, M_FILE_LABEL, M_FILE_HINT, M_PEM_LABEL, M_PEM_HINT,
	M_SUBMIT, M_PRIVACY, M_CHECKING,

	M_RESULT_H, M_F_STATUS, M_F_KIND, M_F_SERIAL, M_F_ISSUER,
	M_F_NOT_BEFORE, M_F_NOT_AFTER, M_F_REVOKED_AT, M_F_REASON,
	M_KIND_SIGN, M_KIND_AUTH, M_JST,

	M_H_VALID, M_D_VALID_FMT, M_N_VALID,
	M_H_EXPIRED, M_D_EXPIRED_FMT, M_N_EXPIRED_JUKI, M_N_EXPIRED_MYNUMBER,
	M_H_REVOKED, M_D_REVOKED_FMT,
	M_R_AFFILIATION, M_R_SUPERSEDED, M_R_CESSATION, M_R_KEY_COMPROMISE,
	M_R_OTHER,
	M_N_AFFILIATION, M_N_SUPERSEDED, M_N_CESSATION, M_N_KEY_COMPROMISE,
	M_N_OTHER,
	M_H_HOLD, M_D_HOLD_FMT, M_N_HOLD,
	M_H_UNKNOWN, M_D_UNKNOWN, M_N_UNKNOWN,
	M_H_NOT_HERE, M_D_NOT_HERE, M_N_NOT_HERE,
	M_H_FORGED, M_D_FORGED_FMT, M_N_FORGED,
	M_LOST_LINE_FMT, M_RENEWAL_FMT, M_RENEWAL_JUKI_FMT, M_LIST_SEP,

	M_F_CARD, M_CARD_JUKI, M_CARD_MYNUMBER, M_CARD_RULES_H_FMT,
	M_CR_JUKI_VALIDITY_FMT, M_CR_JUKI_LOCK, M_CR_JUKI_END,
	M_CR_MN_VALIDITY_FMT, M_CR_MN_PASSWORDS, M_CR_MN_MOVE,

	M_E_TITLE, M_E_EMPTY, M_E_MALFORMED, M_E_TOO_LARGE, M_E_RATE,
	M_E_UNAVAILABLE,

	M_WHERE_H, M_WHERE_INTRO, M_PHONE_FMT,
	M_OFFICE_CITY_HALL, M_OFFICE_HIRAO, M_OFFICE_WAKABADAI,

	M_RULES_H, M_RULE_VALIDITY_H, M_RULE_VALIDITY, M_RULE_COPY,
	M_RULE_CARD_EXPIRY, M_RULE_JUKI_END,
	M_RULE_REVOKE_H, M_RULE_REVOKE,
	M_RULE_PASSWORD_H, M_RULE_LOCK, M_RULE_PASSWORD, M_RULE_BRING,
	M_RULE_LEND,
	M_CONTACT_FMT,
	M_COUNT
};

/* The text of id in lang (never NULL once i18n_check() passed). */
const char	*i18n(enum lang l, enum msg id);
/* 0 when every language has every message, else -1 with the gap in err. */
int		 i18n_check(char *err, size_t errlen);
/* "ja", "en", "es". */
const char	*i18n_code(enum lang l);
/* The language's own name ("日本語", "English", "Español"). */
const char	*i18n_name(enum lang l);
/* The language named by code[0..len) ("en", "EN", "es-MX"), or -1. */
int		 i18n_parse(const char *code, size_t len);
/*
 * The best language for an Accept-Language header (q values honoured;
 * ties keep the header's order); LANG_JA when none matches or h is NULL.
 */
enum lang	 i18n_accept(const char *h);
/* A Japan-time calendar date in the language's own style, into out. */
void		 i18n_date(enum lang l, time_t t, char *out, size_t outlen);
/* A default office's name in lang, or NULL for an office the file named. */
const char	*i18n_office(enum lang l, const char *office);
/* The city's name in lang when it is the seed's city, else NULL. */
const char	*i18n_city(enum lang l, const char *city);

#endif
