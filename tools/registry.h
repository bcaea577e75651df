/* SPDX-License-Identifier: ISC */
/*
 * registry.h: the counter's registry (SPEC section 2), callable from
 * certctl's verbs and from tests.  The rules themselves are tools/rules.c
 * (no SQL); the registry applies them to the database:
 *
 *	registry_txn.c		transactions, the audit record of every write
 *				and of every refusal, certificate status changes
 *	registry_resident.c	resident add|change|moveout|remove
 *	registry_card.c		card add|replace|lost|found|return|unlock,
 *				password change
 *	registry_cert.c		revoke, issuance plans and records, issuers
 *	registry_query.c	show, list, resident show, card show, audit show
 *
 * Every write function is one transaction (BEGIN IMMEDIATE) holding the
 * event, every certificate status change it causes (each with its own
 * change_seq) and its audit record: all or nothing.  Functions return
 * REG_OK, REG_REFUSED (a rule or bad input; r->why holds one line a counter
 * clerk understands) or REG_ERROR (database or system failure; r->why says
 * what).
 */
#ifndef CERTSTATUS_REGISTRY_H
#define CERTSTATUS_REGISTRY_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "rules.h"
#include "serial.h"

#define REG_OK		0
#define REG_REFUSED	1
#define REG_ERROR	(-1)

#define REG_WHY_MAX	512

struct reg {
	struct db		*db;
	const struct config	*cfg;
	const char		*operator_name;
	const char		*office;
	time_t			 now;		/* set by each call from clock_now() */
	char			 why[REG_WHY_MAX];
	json_t			*result;	/* last write's result (owned; may be NULL) */
	/* the write under way, for the audit record of its refusal */
	const char		*attempt;	/* action, e.g. "card.add"; NULL: none */
	char			 attempt_subject[128];
	json_t			*request;	/* what was asked (owned; may be NULL) */
	int			 refusal_recorded;
};

struct resident_info {
	const char	*uid;
	const char	*name;
	const char	*address;
	const char	*birth_date;	/* YYYY-MM-DD */
	int		 sex;		/* 1 male, 2 female, 3 unknown; 0 = unchanged */
};

struct card_info {
	const char	*number;
	const char	*type;		/* "juki" | "mynumber" */
	const char	*expires;	/* YYYY-MM-DD */
	int		 has_photo;	/* 1, 0, or -1: the type's default */
	time_t		 issued;	/* when the card was issued; 0: now */
};

/* What issuance needs to know about a card and its holder (see reg_issue_plan). */
struct issue_plan {
	int64_t		 card_id, resident_id;
	char		 card_type[16];
	char		 card_expires[11];
	char		*uid, *name, *address, *birth_date;	/* malloc'd */
	int		 sex;
	time_t		 not_before, not_after;
};

struct issuer_row {
	int64_t		 id;
	char		*name;
	char		*ca_cert;	/* PEM */
	char		*ca_key;	/* path relative to config dir, or NULL */
	char		*signer_cert;
	char		*signer_key;
};

/* Set up / tear down (r->result freed). */
void	reg_init(struct reg *r, struct db *db, const struct config *cfg,
	    const char *operator_name, const char *office);
void	reg_done(struct reg *r);

/* RFC 5280 reason name for code ("keyCompromise"), or NULL. */
#define reg_reason_name		reason_name
/* Reason code for an RFC 5280 name (case-insensitive), -1 when unknown. */
#define reg_reason_parse	reason_parse
/* "1"/"male"/"m" -> 1, "2"/"female"/"f" -> 2, "3"/"unknown" -> 3; 0 when bad. */
int	reg_sex_parse(const char *s);
/* 1 when s is a real YYYY-MM-DD date. */
int	reg_date_valid(const char *s);

/*
 * Validity end of a certificate of kind ("sign"/"auth") on a card of
 * card_type issued at `issued`: Juki = issued + juki-validity-years; My
 * Number = end of the mynumber-birthdays-th birthday after issuance (Japan
 * time); both capped at the end of the card's expiry day (Japan time).
 * 0, or -1 on a bad date.
 */
int	reg_validity_end(const struct config *cfg, const char *card_type,
	    const char *birth_date, const char *card_expires, time_t issued,
	    time_t *out);

/* Residents and cards: events of SPEC section 2. */
int	reg_resident_add(struct reg *r, const struct resident_info *ri);
/*
 * Non-NULL fields (sex != 0) change; revokes the resident's sign certs.
 * A field given with the value already recorded is no change; when nothing
 * changes, the call is refused and nothing is revoked.
 */
int	reg_resident_change(struct reg *r, const struct resident_info *ri);
/* Moving out of the city to to_address: sign certificates end, auth stays. */
int	reg_resident_moveout(struct reg *r, const char *uid,
	    const char *to_address);
int	reg_resident_remove(struct reg *r, const char *uid, const char *note);
int	reg_card_add(struct reg *r, const char *uid, const struct card_info *ci);
/* The same inside the caller's transaction (reg_txn_begin), for bulk work. */
int	reg_resident_add_tx(struct reg *r, const struct resident_info *ri);
int	reg_card_add_tx(struct reg *r, const char *uid, const struct card_info *ci);
int	reg_card_replace(struct reg *r, const char *old_number,
	    const struct card_info *ci);
int	reg_card_lost(struct reg *r, const char *number);
int	reg_card_found(struct reg *r, const char *number);
int	reg_card_return(struct reg *r, const char *number);
/*
 * Counter procedures on the secret named secret ("sign", "auth", "card"):
 * document may be NULL (refused on a card without photo).
 */
int	reg_card_unlock(struct reg *r, const char *number, const char *secret,
	    const char *document);
int	reg_password_change(struct reg *r, const char *number,
	    const char *secret, const char *document);

/* Revoke one certificate (issuer NULL: any, refused when ambiguous). */
int	reg_cert_revoke(struct reg *r, const char *serial_hex,
	    const char *issuer, int reason);

/*
 * Inside the caller's transaction: check that kind may be issued on card
 * `number` at `issued` and fill plan (free with reg_plan_free).
 */
int	reg_issue_plan(struct reg *r, const char *number, const char *kind,
	    time_t issued, struct issue_plan *plan);
void	reg_plan_free(struct issue_plan *plan);
/*
 * Inside the caller's transaction: record an issued certificate (DER) and
 * append its audit record (action "cert.issue" or "cert.import").
 */
int	reg_cert_insert(struct reg *r, int64_t issuer_id,
	    const struct serial *serial, const unsigned char *der, size_t derlen,
	    const struct issue_plan *plan, const char *kind, const char *action);

/* Issuer by name (NULL: the only one).  Free with reg_issuer_free. */
int	reg_issuer_get(struct reg *r, const char *name, struct issuer_row *out);
void	reg_issuer_free(struct issuer_row *i);

/*
 * Start a write (r->now = clock_now(), r->result cleared) / end it: commit
 * when rc is REG_OK, else roll back.  reg_txn_end returns the final code.
 * reg_txn_begin_as names the event (its rules_events row), its subject
 * ("card 1234") and what was asked (request, consumed, may be NULL): when
 * the write is refused, reg_txn_end rolls it back and records the refusal
 * in its own transaction (action "refused").
 */
int	reg_txn_begin(struct reg *r);
int	reg_txn_begin_as(struct reg *r, enum rule_ev ev, const char *subject,
	    json_t *request);
int	reg_txn_end(struct reg *r, int rc);
/*
 * Record a refusal (r->why) of action on subject that happened outside a
 * write, once: who, where, what and why.  request is consumed.
 */
int	reg_refusal_record(struct reg *r, const char *action,
	    const char *subject, json_t *request);
/* Put a reason into r->why and return rc. */
int	reg_say(struct reg *r, int rc, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Append an audit record for r (detail is serialized; not consumed). */
int	reg_audit(struct reg *r, const char *action, const char *subject,
	    json_t *detail);

/* Read side: JSON objects / arrays (new references; NULL + why on failure). */
json_t	*reg_cert_show(struct reg *r, const char *serial_hex,
	    const char *issuer);
/* Filters may be NULL; status is good|revoked|hold|expired. */
json_t	*reg_cert_list(struct reg *r, const char *uid, const char *card,
	    const char *status);
json_t	*reg_issuer_list(struct reg *r);
/* The last limit records (all when limit <= 0); refused: only refusals. */
json_t	*reg_audit_show(struct reg *r, int limit, int refused);
/* A resident with cards, certificates and last events (NULL + why). */
json_t	*reg_resident_show(struct reg *r, const char *uid, int events);
/* A card with its holder, certificates and last events (NULL + why). */
json_t	*reg_card_show(struct reg *r, const char *number, int events);

#endif
