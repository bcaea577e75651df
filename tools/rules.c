/* SPDX-License-Identifier: ISC */
/*
 * rules.c: the counter's rules as one model, without SQL (see rules.h).
 *
 * Read rules_events[] first: one row per event, its preconditions and what
 * it does to certificates, cards and the resident.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "rules.h"

#define LIVE		(CTS(CRT_GOOD) | CTS(CRT_HOLD))
#define CURRENT_CARDS	(CS(CARD_ACTIVE) | CS(CARD_LOST) | CS(CARD_FOUND))
#define USABLE_CARDS	(CS(CARD_ACTIVE) | CS(CARD_FOUND))

/*
 * Sources: SPEC = SPEC.md section 2 (from the seed and JPKI practice);
 * JPKI = public JPKI practice; config = this city's certstatus.conf.
 */
const struct rule_event rules_events[EV_NEVENTS] = {
	[EV_RESIDENT_ADD] = { EV_RESIDENT_ADD, "resident.add",
	    "recording the resident",
	    RS(RES_NONE), 0, 0,
	    SCOPE_NONE, 0, 0, CRT_GOOD, 0, -1, RES_ACTIVE,
	    "SPEC: residents are recorded before their cards" },
	[EV_RESIDENT_CHANGE] = { EV_RESIDENT_CHANGE, "resident.change",
	    "a change of details",
	    RS(RES_ACTIVE), 0, 0,
	    SCOPE_RESIDENT, KIND_SIGN, LIVE, CRT_REVOKED,
	    REASON_AFFILIATION_CHANGED, -1, -1,
	    "SPEC/JPKI: the sign certificate carries the four details; auth none" },
	[EV_RESIDENT_MOVEOUT] = { EV_RESIDENT_MOVEOUT, "resident.moveout",
	    "moving out",
	    RS(RES_ACTIVE), 0, 0,
	    SCOPE_RESIDENT, KIND_SIGN, LIVE, CRT_REVOKED,
	    REASON_AFFILIATION_CHANGED, -1, RES_MOVED_OUT,
	    "JPKI: moving out ends the sign certificate; auth stays valid" },
	[EV_RESIDENT_REMOVE] = { EV_RESIDENT_REMOVE, "resident.remove",
	    "removing the record",
	    RS(RES_ACTIVE) | RS(RES_MOVED_OUT), 0, 0,
	    SCOPE_RESIDENT, KIND_BOTH, LIVE, CRT_REVOKED, REASON_CESSATION,
	    CARD_RETURNED, RES_REMOVED,
	    "SPEC: death or emigration ends every certificate" },
	[EV_CARD_ADD] = { EV_CARD_ADD, "card.add", "a new card",
	    RS(RES_ACTIVE), CS(CARD_NONE), 1,
	    SCOPE_NONE, 0, 0, CRT_GOOD, 0, CARD_ACTIVE, -1,
	    "SPEC: one active card per resident; a new one is a replacement" },
	[EV_CARD_REPLACE] = { EV_CARD_REPLACE, "card.replace", "replacement",
	    RS(RES_ACTIVE), CURRENT_CARDS | CS(CARD_EXPIRED), 0,
	    SCOPE_CARD, KIND_BOTH, LIVE, CRT_REVOKED, REASON_SUPERSEDED,
	    CARD_REPLACED, -1,
	    "SPEC: the certificates lived on the old card's chip" },
	[EV_CARD_LOST] = { EV_CARD_LOST, "card.lost", "a loss report",
	    RS(RES_ACTIVE), USABLE_CARDS, 0,
	    SCOPE_CARD, KIND_BOTH, CTS(CRT_GOOD), CRT_HOLD,
	    REASON_CERTIFICATE_HOLD, CARD_LOST, -1,
	    "SPEC/JPKI: a lost card's certificates are held" },
	[EV_CARD_FOUND] = { EV_CARD_FOUND, "card.found", "a found report",
	    RS(RES_ACTIVE), CS(CARD_LOST), 0,
	    SCOPE_CARD, KIND_BOTH, CTS(CRT_HOLD), CRT_REVOKED,
	    REASON_CESSATION, CARD_FOUND, -1,
	    "JPKI: a hold is never lifted; the card is usable, apply again" },
	[EV_CARD_RETURN] = { EV_CARD_RETURN, "card.return", "returning it",
	    RS(RES_ACTIVE) | RS(RES_MOVED_OUT), CURRENT_CARDS | CS(CARD_EXPIRED), 0,
	    SCOPE_CARD, KIND_BOTH, LIVE, CRT_REVOKED, REASON_CESSATION,
	    CARD_RETURNED, -1,
	    "SPEC: a returned card's certificates end" },
	[EV_CARD_UNLOCK] = { EV_CARD_UNLOCK, "card.unlock", "unlocking",
	    RS(RES_ACTIVE), USABLE_CARDS, 0,
	    SCOPE_NONE, 0, 0, CRT_GOOD, 0, -1, -1,
	    "SPEC: a counter procedure, no certificate change" },
	[EV_PASSWORD_CHANGE] = { EV_PASSWORD_CHANGE, "password.change",
	    "a password change",
	    RS(RES_ACTIVE), USABLE_CARDS, 0,
	    SCOPE_NONE, 0, 0, CRT_GOOD, 0, -1, -1,
	    "SPEC: a counter procedure, no certificate change" },
	[EV_CERT_ISSUE] = { EV_CERT_ISSUE, "cert.issue",
	    "issuing a certificate",
	    RS(RES_ACTIVE), USABLE_CARDS, 0,
	    SCOPE_CARD_KIND, KIND_BOTH, LIVE, CRT_REVOKED, REASON_SUPERSEDED,
	    -1, -1,
	    "SPEC: one valid certificate of each kind per card; again = renewal" },
	[EV_CERT_IMPORT] = { EV_CERT_IMPORT, "cert.import",
	    "recording a certificate",
	    RS(RES_ACTIVE), USABLE_CARDS, 0,
	    SCOPE_CARD_KIND, KIND_BOTH, LIVE, CRT_REVOKED, REASON_SUPERSEDED,
	    -1, -1,
	    "SPEC: as issue" },
	[EV_CERT_REVOKE] = { EV_CERT_REVOKE, "cert.revoke",
	    "revoking a certificate",
	    RS(RES_ACTIVE) | RS(RES_MOVED_OUT), 0, 0,
	    SCOPE_ONE, KIND_BOTH, LIVE, CRT_REVOKED, REASON_CLERK, -1, -1,
	    "SPEC: holder's request, key compromise; CA reasons are the CA's" },
};

static int
say(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return 1;
}

const struct rule_event *
rules_event(enum rule_ev ev)
{
	if ((int)ev < 0 || ev >= EV_NEVENTS)
		return NULL;
	return &rules_events[ev];
}

const char *
rules_res_state_name(enum res_state s)
{
	static const char *n[] = { "not recorded", "active", "moved out",
	    "removed" };

	return (int)s >= 0 && s < RES_NSTATES ? n[s] : "?";
}

const char *
rules_card_state_name(enum card_state s)
{
	static const char *n[] = { "not recorded", "active", "lost", "found",
	    "replaced", "returned", "expired" };

	return (int)s >= 0 && s < CARD_NSTATES ? n[s] : "?";
}

const char *
rules_cert_state_name(enum crt_state s)
{
	static const char *n[] = { "good", "hold", "revoked", "expired" };

	return (int)s >= 0 && s < CRT_NSTATES ? n[s] : "?";
}

enum card_state
rules_card_state_parse(const char *stored)
{
	for (int s = CARD_ACTIVE; s < CARD_EXPIRED; s++)
		if (strcmp(stored, rules_card_state_name(s)) == 0)
			return s;
	return CARD_NONE;
}

unsigned
rules_kind_bit(const char *kind)
{
	if (kind != NULL && strcmp(kind, "sign") == 0)
		return KIND_SIGN;
	if (kind != NULL && strcmp(kind, "auth") == 0)
		return KIND_AUTH;
	return 0;
}

enum card_state
rules_card_state(const char *stored, const char *expires, const char *today)
{
	enum card_state	 s = rules_card_state_parse(stored);

	/* Only a card still in use runs out; a replaced or returned one is
	 * over already, and a lost one is reported as lost. */
	if ((s == CARD_ACTIVE || s == CARD_FOUND) && strcmp(today, expires) > 0)
		return CARD_EXPIRED;
	return s;
}

enum res_state
rules_res_state(const char *stored, int moved_out)
{
	if (strcmp(stored, "removed") == 0)
		return RES_REMOVED;
	return moved_out ? RES_MOVED_OUT : RES_ACTIVE;
}

enum crt_state
rules_cert_state(const char *status, time_t not_after, time_t now)
{
	if (strcmp(status, "revoked") == 0)
		return CRT_REVOKED;
	if (strcmp(status, "hold") == 0)
		return CRT_HOLD;
	return not_after <= now ? CRT_EXPIRED : CRT_GOOD;
}

int
rules_allowed(enum rule_ev ev, enum res_state rs, enum card_state cs,
    const struct rule_subject *s, char *why, size_t whylen)
{
	const struct rule_event	*e = rules_event(ev);
	const char		*card = s->card != NULL ? s->card : "?";

	if (e == NULL)
		return say(why, whylen, "unknown event");
	if ((e->residents & RS(rs)) == 0) {
		switch (rs) {
		case RES_NONE:
			return say(why, whylen, "no resident with id \"%s\"",
			    s->uid);
		case RES_ACTIVE:
			return say(why, whylen, "resident \"%s\" is already "
			    "recorded", s->uid);
		case RES_MOVED_OUT:
			return say(why, whylen, "resident \"%s\" moved out of the "
			    "city%s%s: %s is not possible here (the new city's "
			    "counter handles it)", s->uid, s->moved_out_on != NULL ?
			    " on " : "", s->moved_out_on != NULL ?
			    s->moved_out_on : "", e->what);
		default:
			return say(why, whylen, "resident \"%s\" has been removed "
			    "from the register: %s is not possible", s->uid,
			    e->what);
		}
	}
	if (e->cards == 0 || (e->cards & CS(cs)) != 0)
		return 0;
	switch (cs) {
	case CARD_NONE:
		return say(why, whylen, "no card with number \"%s\"", card);
	case CARD_REPLACED:
		return say(why, whylen, "card %s has been replaced by a new card: "
		    "%s is not possible on it", card, e->what);
	case CARD_RETURNED:
		return say(why, whylen, "card %s has been returned: %s is not "
		    "possible on it", card, e->what);
	case CARD_LOST:
		return say(why, whylen, "card %s is reported lost: %s is not "
		    "possible on it (report it found, or replace it)", card,
		    e->what);
	case CARD_EXPIRED:
		return say(why, whylen, "card %s expired on %s: %s is not "
		    "possible on it (replace it with a new card)", card,
		    s->card_expires != NULL ? s->card_expires : "?", e->what);
	case CARD_ACTIVE:
	case CARD_FOUND:
		if (ev == EV_CARD_FOUND)
			return say(why, whylen, "card %s is not reported lost",
			    card);
		if (ev == EV_CARD_ADD)
			return say(why, whylen, "card number %s is already "
			    "recorded", card);
		/* FALLTHROUGH */
	default:
		return say(why, whylen, "card %s is %s: %s is not possible", card,
		    rules_card_state_name(cs), e->what);
	}
}

int
rules_affects(enum rule_ev ev, unsigned kind_bit, enum crt_state cs)
{
	const struct rule_event	*e = rules_event(ev);

	return e != NULL && e->scope != SCOPE_NONE && (e->kinds & kind_bit) &&
	    (e->from & CTS(cs));
}

int
rules_revoke_reason_check(const char *kind, int reason, char *why,
    size_t whylen)
{
	switch (reason) {
	case REASON_KEY_COMPROMISE:
	case REASON_CESSATION:
	case REASON_SUPERSEDED:
		return 0;
	case REASON_AFFILIATION_CHANGED:
		if (kind != NULL && strcmp(kind, "sign") == 0)
			return 0;
		return say(why, whylen, "affiliationChanged is never a reason for "
		    "an authentication (auth) certificate: it carries no "
		    "personal details (use cessationOfOperation or "
		    "keyCompromise)");
	case REASON_CERTIFICATE_HOLD:
		return say(why, whylen, "a hold comes only from `card lost`");
	case REASON_CA_COMPROMISE:
	case REASON_AA_COMPROMISE:
	case REASON_PRIVILEGE_WITHDRAWN:
		return say(why, whylen, "%s is a CA-level reason: it is not "
		    "recorded at the counter but by the certification "
		    "authority's own procedure (report it to the CA operator)",
		    reason_name(reason));
	default:
		return say(why, whylen, "the counter revokes with "
		    "keyCompromise, cessationOfOperation, superseded or (sign "
		    "certificates) affiliationChanged");
	}
}

/*
 * Length of the UTF-8 sequence at p (1..4), or 0 when malformed: overlong
 * forms, surrogates and code points above U+10FFFF are malformed.
 */
static size_t
utf8_seq(const unsigned char *p, size_t left, unsigned long *cp)
{
	size_t	 n;
	unsigned long c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
rules_text_check(const char *field, const char *s, size_t max, char *why,
    size_t whylen)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len, n;
	unsigned long		 c;

	if (s == NULL || *s == '\0')
		return say(why, whylen, "the %s is required", field);
	if ((len = strlen(s)) > max)
		return say(why, whylen, "the %s is %zu bytes: the certificate "
		    "carries at most %zu bytes of UTF-8", field, len, max);
	for (size_t i = 0; i < len; i += n) {
		if ((n = utf8_seq(p + i, len - i, &c)) == 0)
			return say(why, whylen, "the %s is not valid UTF-8 (byte "
			    "%zu)", field, i + 1);
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
		    c == 0x2028 || c == 0x2029)
			return say(why, whylen, "the %s contains a control "
			    "character (U+%04lX at byte %zu): type it on one line",
			    field, c, i + 1);
		if (c == '<' || c == '>')
			return say(why, whylen, "the %s contains '%c': markup is "
			    "not part of a name or address", field, (int)c);
	}
	if (s[0] == ' ' || s[len - 1] == ' ')
		return say(why, whylen, "the %s starts or ends with a space",
		    field);
	return 0;
}

static int
ascii_id_check(const char *what, const char *s, size_t max, const char *allowed,
    char *why, size_t whylen)
{
	size_t	 n = s != NULL ? strlen(s) : 0;

	/* The first character is a letter or digit: never an option's "-". */
	if (n == 0 || n > max || strspn(s, allowed) != n ||
	    strchr("-_.", s[0]) != NULL)
		return say(why, whylen, "a %s is 1-%zu letters, digits%s, "
		    "starting with a letter or digit", what, max,
		    strchr(allowed, '.') != NULL ? ", '-', '_' or '.'" : " or '-'");
	return 0;
}

int
rules_uid_check(const char *uid, char *why, size_t whylen)
{
	return ascii_id_check("resident id", uid, RULES_UID_MAX,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
	    why, whylen);
}

int
rules_card_number_check(const char *number, char *why, size_t whylen)
{
	return ascii_id_check("card number", number, RULES_CARD_NUMBER_MAX,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
	    why, whylen);
}

int
rules_history_check(const struct config *cfg, const char *what, time_t t,
    time_t now, char *why, size_t whylen)
{
	char	 d[11], start[11];

	clock_format_date(t, JST_OFFSET_SEC, d);
	if (t > now)
		return say(why, whylen, "%s %s is in the future", what, d);
	/* history-start is a Japan civil date: its midnight in Japan. */
	if (t + JST_OFFSET_SEC < cfg->history_start) {
		clock_format_date(cfg->history_start, 0, start);
		return say(why, whylen, "%s %s is before %s, when the public "
		    "individual authentication service (JPKI) began", what, d,
		    start);
	}
	return 0;
}

/* y, m, d of a YYYY-MM-DD string; -1 when not a real date. */
static int
ymd(const char *s, int *y, int *m, int *d)
{
	if (s == NULL || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d", y, m, d) != 3 ||
	    !clock_valid_date(*y, *m, *d))
		return -1;
	return 0;
}

int
rules_age_at(const char *birth_date, time_t t)
{
	char	 today[11];
	int	 by, bm, bd, ty, tm, td, age;

	clock_format_date(t, JST_OFFSET_SEC, today);
	if (ymd(birth_date, &by, &bm, &bd) != 0 || ymd(today, &ty, &tm, &td) != 0)
		return -1;
	age = ty - by;
	/* 29 February birthdays fall on 28 February in common years, as in
	 * clock_nth_birthday_after. */
	if (bm == 2 && bd == 29 && !clock_valid_date(ty, 2, 29))
		bd = 28;
	if (tm < bm || (tm == bm && td < bd))
		age--;
	return age;
}

int
rules_sign_age_check(const struct config *cfg, const char *kind,
    const char *birth_date, time_t issued, char *why, size_t whylen)
{
	int	 age;

	if (rules_kind_bit(kind) != KIND_SIGN)
		return 0;	/* auth: any age */
	if ((age = rules_age_at(birth_date, issued)) < 0)
		return say(why, whylen, "bad date of birth on record");
	if (age < cfg->sign_min_age)
		return say(why, whylen, "a signature certificate is issued from "
		    "the holder's %dth birthday (born %s, %d years old): an "
		    "authentication certificate (--kind auth) can be issued at "
		    "any age", cfg->sign_min_age, birth_date, age);
	return 0;
}

int
rules_card_validity_check(const struct config *cfg, const char *type,
    const char *birth_date, time_t issued, const char *expires, char *why,
    size_t whylen)
{
	char	 on[11], limit[11], end[11];
	time_t	 lim;
	int	 age, n;

	clock_format_date(issued, JST_OFFSET_SEC, on);
	if (strcmp(type, "juki") == 0 && issued + JST_OFFSET_SEC >=
	    cfg->juki_card_end) {
		clock_format_date(cfg->juki_card_end, 0, end);
		return say(why, whylen, "no new Juki cards are issued (since %s): "
		    "issue a My Number Card; an older Juki card is recorded with "
		    "--issued-at", end);
	}
	if (strcmp(expires, on) <= 0)
		return say(why, whylen, "card expiry %s is not after the card's "
		    "issue date %s: the card would be expired already", expires,
		    on);
	if (strcmp(type, "juki") == 0) {
		lim = clock_add_years(issued + JST_OFFSET_SEC,
		    cfg->juki_card_years);
		clock_format_date(lim, 0, limit);
		if (strcmp(expires, limit) > 0)
			return say(why, whylen, "a Juki card is valid for at most "
			    "%d years: issued %s, it expires by %s, not %s",
			    cfg->juki_card_years, on, limit, expires);
		return 0;
	}
	if (strcmp(on, RULES_MYNUMBER_CARD_START) < 0)
		return say(why, whylen, "My Number Cards were first issued in "
		    "January 2016, not on %s", on);
	if ((age = rules_age_at(birth_date, issued)) < 0)
		return say(why, whylen, "bad date of birth on record");
	n = age >= cfg->mynumber_card_adult_age ?
	    cfg->mynumber_card_birthdays_adult : cfg->mynumber_card_birthdays_minor;
	if ((lim = clock_nth_birthday_after(birth_date, issued, n)) == -1)
		return say(why, whylen, "bad date of birth on record");
	clock_format_date(lim, 0, limit);
	if (strcmp(expires, limit) > 0)
		return say(why, whylen, "a My Number Card issued on %s to a holder "
		    "aged %d is valid until the %dth birthday after issuance "
		    "(%s), not %s", on, age, n, limit, expires);
	return 0;
}

const struct rule_secret rules_secrets[] = {
	{ "sign", "signature password", "6-16 letters and digits", 5, 0 },
	{ "auth", "authentication PIN", "4 digits", 3, 1 },
	{ "card", "card PIN (券面事項入力補助用 / 住民基本台帳用)", "4 digits",
	    3, 0 },
};
const size_t rules_nsecrets = sizeof(rules_secrets) / sizeof(rules_secrets[0]);

const struct rule_secret *
rules_secret_find(const char *key, const char *card_type, char *why,
    size_t whylen)
{
	if (key == NULL) {
		say(why, whylen, "say which secret with --secret sign "
		    "(signature password), auth (authentication PIN) or card "
		    "(card PIN)");
		return NULL;
	}
	for (size_t i = 0; i < rules_nsecrets; i++) {
		if (strcmp(rules_secrets[i].key, key) != 0)
			continue;
		if (rules_secrets[i].mynumber_only &&
		    strcmp(card_type, "mynumber") != 0) {
			say(why, whylen, "a Juki card has no %s: use --secret "
			    "sign or --secret card", rules_secrets[i].name);
			return NULL;
		}
		return &rules_secrets[i];
	}
	say(why, whylen, "unknown secret \"%s\": use sign, auth or card", key);
	return NULL;
}

int
rules_document_check(const struct config *cfg, int card_has_photo,
    const char *document, char *why, size_t whylen)
{
	char	 list[RULES_WHY_MAX];
	size_t	 o = 0;

	if ((document == NULL || *document == '\0') && card_has_photo)
		return 0;
	for (int i = 0; i < cfg->photo_documents.n && o < sizeof(list); i++)
		o += snprintf(list + o, sizeof(list) - o, "%s\"%s\"", i ? ", " : "",
		    cfg->photo_documents.v[i]);
	if (document == NULL || *document == '\0')
		return say(why, whylen, "the card has no photo: the resident must "
		    "show an official photo document, given with --document (%s)",
		    list);
	for (int i = 0; i < cfg->photo_documents.n; i++)
		if (strcasecmp(cfg->photo_documents.v[i], document) == 0)
			return 0;
	return say(why, whylen, "\"%.*s\" is not an official photo document: "
	    "one of %s", RULES_DOCUMENT_MAX, document, list);
}

int
rules_operator_check(const struct config *cfg, const char *operator_name,
    char *why, size_t whylen)
{
	if (cfg->operators.n == 0)
		return 0;
	for (int i = 0; i < cfg->operators.n; i++)
		if (strcmp(cfg->operators.v[i], operator_name) == 0)
			return 0;
	return say(why, whylen, "operator \"%s\" is not on the configured staff "
	    "list (operator lines in %s)", operator_name,
	    cfg->path != NULL ? cfg->path : "the configuration");
}
