/* SPDX-License-Identifier: ISC */
/*
 * rules.h: the counter's rules as one model, without SQL (SPEC section 2,
 * "Invariants the registry keeps"; README "Rules").
 *
 * A resident, a card and a certificate each have a state.  Every event the
 * counter records is a row of rules_events[]: in which resident and card
 * states it is allowed, and which certificates it moves to which state with
 * which RFC 5280 reason.  The registry (registry_*.c) looks the row up,
 * refuses with rules_refusal() when the states do not fit, and applies the
 * effects; tests/check_rules.c walks the same table.
 *
 * The other rules (ages, dates, card validity, text that fits the
 * certificate, secrets, photo documents, revocation reasons) are the
 * rules_*_check functions below: each returns 0 when allowed, or 1 with one
 * line a counter clerk understands in why.
 */
#ifndef CERTSTATUS_RULES_H
#define CERTSTATUS_RULES_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "reason.h"	/* REASON_*: the CRLReason codes */

#define RULES_WHY_MAX	512

#define REASON_CLERK			(-1)	/* the counter names it (revoke) */

/*
 * Text the certificate carries (tools/issuance.c, common/pki.c): each of
 * name and address is one otherName UTF8String, which pki.c refuses above
 * PKI_DETAIL_MAX (1024) bytes.  Accepting at most that much when the value
 * is recorded means issuance never fails on it later.  The resident id is
 * the subject CN (X.520 ub-common-name: 64 characters); it is kept to 32
 * ASCII characters so that a per-certificate CN built from it still fits.
 */
#define RULES_NAME_MAX		1024	/* bytes of UTF-8 */
#define RULES_ADDRESS_MAX	1024	/* bytes of UTF-8 */
#define RULES_UID_MAX		32	/* ASCII letters, digits, - _ . */
#define RULES_CARD_NUMBER_MAX	63	/* ASCII letters, digits, - */
#define RULES_DOCUMENT_MAX	128	/* bytes */
#define RULES_NOTE_MAX		512	/* bytes */

/* My Number Cards were first issued in January 2016 (JPKI practice). */
#define RULES_MYNUMBER_CARD_START	"2016-01-01"

enum res_state {
	RES_NONE,		/* no such resident recorded (yet) */
	RES_ACTIVE,
	RES_MOVED_OUT,		/* moved out of the city: no new issuance here */
	RES_REMOVED,		/* record removed (death, emigration) */
	RES_NSTATES
};

enum card_state {
	CARD_NONE,		/* no such card recorded (yet) */
	CARD_ACTIVE,
	CARD_LOST,		/* certificates on hold */
	CARD_FOUND,		/* found again: holds revoked, card usable */
	CARD_REPLACED,
	CARD_RETURNED,
	CARD_EXPIRED,		/* past its own expiry date (derived) */
	CARD_NSTATES
};

enum crt_state {
	CRT_GOOD,
	CRT_HOLD,
	CRT_REVOKED,
	CRT_EXPIRED,		/* good, past notAfter (derived): never changes */
	CRT_NSTATES
};

#define RS(s)	(1u << (s))
#define CS(s)	(1u << (s))
#define CTS(s)	(1u << (s))

#define KIND_SIGN	1u
#define KIND_AUTH	2u
#define KIND_BOTH	(KIND_SIGN | KIND_AUTH)

/* Whose certificates an event changes. */
enum rule_scope {
	SCOPE_NONE,		/* none: a procedure */
	SCOPE_RESIDENT,		/* every certificate of the resident */
	SCOPE_CARD,		/* every certificate on the card */
	SCOPE_CARD_KIND,	/* those on the card of the new one's kind (renewal) */
	SCOPE_ONE,		/* the named certificate */
};

enum rule_ev {
	EV_RESIDENT_ADD,
	EV_RESIDENT_CHANGE,
	EV_RESIDENT_MOVEOUT,
	EV_RESIDENT_REMOVE,
	EV_CARD_ADD,
	EV_CARD_REPLACE,
	EV_CARD_LOST,
	EV_CARD_FOUND,
	EV_CARD_RETURN,
	EV_CARD_UNLOCK,
	EV_PASSWORD_CHANGE,
	EV_CERT_ISSUE,
	EV_CERT_IMPORT,
	EV_CERT_REVOKE,
	EV_NEVENTS
};

struct rule_event {
	enum rule_ev	 ev;
	const char	*action;	/* audit action, e.g. "card.lost" */
	const char	*what;		/* for refusals: "a loss report" */
	/* preconditions */
	unsigned	 residents;	/* RS() of the resident states allowed */
	unsigned	 cards;		/* CS() of the card states allowed; 0: no card */
	int		 one_card;	/* the resident may hold no other current card */
	/* effects on certificates */
	enum rule_scope	 scope;
	unsigned	 kinds;		/* KIND_* affected (SCOPE_CARD_KIND: the new one's) */
	unsigned	 from;		/* CTS() of the certificate states affected */
	enum crt_state	 to;
	int		 reason;	/* REASON_*, REASON_CLERK for revoke */
	/* effects on the card and the resident (-1: unchanged) */
	int		 card_to;	/* SCOPE_RESIDENT: each current card of the resident */
	int		 resident_to;
	const char	*source;	/* where the rule comes from */
};

extern const struct rule_event rules_events[EV_NEVENTS];

/* The row of ev. */
const struct rule_event *rules_event(enum rule_ev ev);

/* Words for states and kinds ("reported lost", "moved out"). */
const char	*rules_res_state_name(enum res_state s);
const char	*rules_card_state_name(enum card_state s);
const char	*rules_cert_state_name(enum crt_state s);
/* "active" -> CARD_ACTIVE ... as the registry stores them; CARD_NONE if bad. */
enum card_state	 rules_card_state_parse(const char *stored);
unsigned	 rules_kind_bit(const char *kind);	/* 0 when not sign|auth */

/* A card's state on date today (YYYY-MM-DD, Japan): stored, or expired. */
enum card_state	 rules_card_state(const char *stored, const char *expires,
		    const char *today);
/* A resident's state from the stored state and the moved-out mark. */
enum res_state	 rules_res_state(const char *stored, int moved_out);
/* A certificate's state from the stored status and notAfter at now. */
enum crt_state	 rules_cert_state(const char *status, time_t not_after,
		    time_t now);

/* The facts rules_refusal() names. */
struct rule_subject {
	const char	*uid;
	const char	*card;		/* may be NULL */
	const char	*card_expires;	/* may be NULL */
	const char	*moved_out_on;	/* YYYY-MM-DD, may be NULL */
};

/*
 * 0 when ev is allowed with the resident in rs and the card in cs (ignored
 * for events without a card), else 1 and why.
 */
int	rules_allowed(enum rule_ev ev, enum res_state rs, enum card_state cs,
	    const struct rule_subject *s, char *why, size_t whylen);
/* 1 when a certificate of kind in state cs is changed by ev (in scope). */
int	rules_affects(enum rule_ev ev, unsigned kind_bit, enum crt_state cs);

/*
 * May the counter's `revoke` use reason on a certificate of kind?  Only
 * keyCompromise, cessationOfOperation and the life events' own
 * (affiliationChanged for sign, superseded); CA-level reasons are refused
 * with a pointer to the CA procedure.
 */
int	rules_revoke_reason_check(const char *kind, int reason, char *why,
	    size_t whylen);

/*
 * Text that goes into the certificate or the record: valid UTF-8, no
 * control characters, no markup characters (< >), 1..max bytes.  field
 * names it in the refusal ("name").
 */
int	rules_text_check(const char *field, const char *s, size_t max,
	    char *why, size_t whylen);
/* A resident id: 1..RULES_UID_MAX of [A-Za-z0-9._-]. */
int	rules_uid_check(const char *uid, char *why, size_t whylen);
/* A card number: 1..RULES_CARD_NUMBER_MAX of [A-Za-z0-9-]. */
int	rules_card_number_check(const char *number, char *why, size_t whylen);

/*
 * A date the counter records as history (a card's or certificate's issue
 * date): not before history-start and not after now.
 */
int	rules_history_check(const struct config *cfg, const char *what,
	    time_t t, time_t now, char *why, size_t whylen);

/* Age in whole years on Japan-time date of t; -1 on a bad birth date. */
int	rules_age_at(const char *birth_date, time_t t);
/* Signature certificates from the sign-min-age-th birthday; auth at any age. */
int	rules_sign_age_check(const struct config *cfg, const char *kind,
	    const char *birth_date, time_t issued, char *why, size_t whylen);

/*
 * A new card of type issued at `issued` (Japan date) expiring on expires
 * (YYYY-MM-DD) for a holder born birth_date: not already expired, not
 * beyond the longest validity of its type, no new Juki cards after
 * juki-card-end, no My Number Card before 2016.
 */
int	rules_card_validity_check(const struct config *cfg, const char *type,
	    const char *birth_date, time_t issued, const char *expires,
	    char *why, size_t whylen);

/* The card's secrets: what `card unlock` and `password change` name. */
struct rule_secret {
	const char	*key;		/* --secret value: sign, auth, card */
	const char	*name;		/* "signature password" */
	const char	*format;	/* "6-16 letters and digits" */
	int		 tries;		/* wrong tries before it locks */
	int		 mynumber_only;
};
extern const struct rule_secret rules_secrets[];
extern const size_t rules_nsecrets;
/* The secret named key that a card of type has, or NULL + why. */
const struct rule_secret *rules_secret_find(const char *key,
	    const char *card_type, char *why, size_t whylen);

/*
 * The photo document check of a counter procedure: a card without a photo
 * needs a document; a document given must be one of photo-document.
 */
int	rules_document_check(const struct config *cfg, int card_has_photo,
	    const char *document, char *why, size_t whylen);

/* Is operator_name one of the configured staff (any, when none listed)? */
int	rules_operator_check(const struct config *cfg, const char *operator_name,
	    char *why, size_t whylen);

#endif
