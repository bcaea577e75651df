/* SPDX-License-Identifier: ISC */
/*
 * counter_judge.h: the online counter's judgement (counter_judge.c), apart
 * from HTTP and from reading the registry: from a certificate, what the
 * registry records of it and the card's rules, what the resident is told.
 * counter.c reads the upload and the registry and writes the page and the
 * JSON; everything it decides is here, so tests/check_counter.c can judge
 * real certificates without a server.
 */
#ifndef CERTSTATUSD_COUNTER_JUDGE_H
#define CERTSTATUSD_COUNTER_JUDGE_H

#include <time.h>

#include <openssl/x509.h>

#include "config.h"
#include "counter_i18n.h"
#include "db.h"
#include "serial.h"
#include "server.h"

enum verdict {
	V_VALID, V_EXPIRED, V_REVOKED, V_HOLD, V_UNKNOWN, V_NOT_HERE, V_FORGED
};

enum cert_kind { KIND_OTHER, KIND_SIGN, KIND_AUTH };
enum card_type { CARD_NONE, CARD_JUKI, CARD_MYNUMBER };

#define CARD_RULES_MAX	3	/* sentences of a card's rules */

/* What the presented certificate says and what the registry says of it. */
struct verdict_info {
	enum verdict	 v;
	char		 serial[2 * SERIAL_MAX + 8];
	char		 issuer[256];		/* a name (O or CN), never the DN */
	const char	*issuer_id;		/* registry name of our issuer, or NULL */
	time_t		 not_before, not_after, revoked_at;
	int		 reason;		/* CRLReason, -1 when none */
	enum cert_kind	 kind;
	enum card_type	 card;			/* as the registry records it */
	int		 renewal;		/* valid, within renewal-window */
};

/* The localized words for a verdict. */
struct verdict_text {
	const char	*headline;
	char		 detail[1024];
	const char	*advice;
	const char	*reason;		/* revoked: the plain words */
	const char	*card;			/* the card's name, or NULL */
	char		 rules_h[256];		/* "" when no card is known */
	char		 rules[CARD_RULES_MAX][512];
	int		 nrules;
	char		 lost[512];		/* hold: the 24-hour line, else "" */
	char		 renewal[2048];		/* renewal notice, else "" */
};

/* The verdict's name: the JSON "status" and the page's result-<name> class. */
const char	*counter_judge_name(enum verdict v);

/*
 * The first step: what x itself says (serial, the issuer's name, validity,
 * kind by keyUsage) into *vi, which is overwritten.  Returns the CA of set
 * whose key verifies x's signature (vi->issuer then its name, vi->issuer_id
 * its registry name): only then may the registry be asked about x.  NULL
 * when none does: vi->v is V_FORGED when x names one of our CAs as its
 * issuer (vi->issuer that CA's name), else V_NOT_HERE.  Never fails.
 */
const struct issuer *counter_judge_cert(X509 *x, const struct issuer_set *set,
		    struct verdict_info *vi);

/*
 * The second step, for a certificate counter_judge_cert() verified: the
 * verdict from the registry's record st (state, revoked_at, reason; state
 * CERT_UNKNOWN when it has none) and the card and kind it records ("juki" /
 * "mynumber", "sign" / "auth", "" when none, as db_cert_card() gives them;
 * the registry's kind wins over keyUsage).  Expired when now is past
 * not_after; a valid certificate with at most renewal_window seconds left
 * is due for renewal.  Pure: no clock, no registry.
 */
void		 counter_judge_record(struct verdict_info *vi,
		    const struct cert_status *st, const char *card,
		    const char *kind, time_t now, time_t renewal_window);

/*
 * What the resident reads in l for vi: headline, detail, advice, the
 * reason in plain words, the card's rules, the lost-card line of a hold
 * (c->lost_card_phone) and the renewal notice (c->offices).  *t is
 * overwritten; its pointers are static strings.
 */
void		 counter_judge_words(enum lang l, const struct config *c,
		    const struct verdict_info *vi, struct verdict_text *t);

#endif
