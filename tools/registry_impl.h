/* SPDX-License-Identifier: ISC */
/*
 * registry_impl.h: what the registry_*.c files share and nothing else
 * includes: SQL helpers, the rows they read, status changes.  This layer
 * is part of the registry (see db.h): it prepares its statements on the
 * registry's own handle, struct db's h, through db_impl.h.
 */
#ifndef CERTSTATUS_REGISTRY_IMPL_H
#define CERTSTATUS_REGISTRY_IMPL_H

#include "db_impl.h"
#include "registry.h"

#define DAY_SEC	86400

/* Status selections: a hold always moves on; an expired good certificate is
 * left alone (expiry already ended it, and the CRL need not carry it).
 * ?2 is bound to now. */
#define SQL_LIVE	"(status = 'hold' OR (status = 'good' AND not_after > ?2))"
#define SQL_GOOD	"(status = 'good' AND not_after > ?2)"
#define SQL_HELD	"(status = 'hold' AND ?2 = ?2)"

struct resident_row {
	int64_t		 id;
	char		 uid[RULES_UID_MAX + 1];
	char		*name, *address;	/* malloc'd */
	char		 birth_date[11];
	int		 sex;
	enum res_state	 state;
	char		 moved_out_on[11];	/* "" unless moved out */
};

struct card_row {
	int64_t		 id, resident_id;
	char		 number[RULES_CARD_NUMBER_MAX + 1];
	char		 type[16];
	char		 expires[11];
	int		 has_photo;
	char		 stored[16];		/* the state column */
	enum card_state	 state;			/* with expiry derived */
	char		 uid[RULES_UID_MAX + 1];
	enum res_state	 res_state;
	char		 moved_out_on[11];
};

/* registry_txn.c */
int	 reg_dberr(struct reg *r);
sqlite3_stmt *reg_prep(struct reg *r, const char *sql);
const char *reg_col_str(sqlite3_stmt *st, int i);
/* A resident's state from columns i (residents.state) and i + 1
 * (moved_out_at); moved_out_on gets the move-out date, "" when none. */
enum res_state reg_col_res_state(sqlite3_stmt *st, int i,
    char moved_out_on[11]);
void	 reg_col_serial_hex(sqlite3_stmt *st, int i, char *hex);
json_t	*reg_time_json(sqlite3_stmt *st, int col);
/* Today's Japan civil date at r->now. */
void	 reg_today(struct reg *r, char out[11]);
/* Run sql binding ?1 text, ?2 and ?3 integers. */
int	 reg_exec3(struct reg *r, const char *sql, const char *s1, int64_t i2,
	    int64_t i3);
/* Record the event's audit entry and keep its detail as the result. */
int	 reg_finish(struct reg *r, const char *action, const char *subject,
	    json_t *detail);
/*
 * Move every certificate matching where (?1 bound to key, ?2 to now) to
 * to_status with reason; each change takes its own change_seq.  The
 * serials changed are listed in detail under list_key, with the reason
 * under "reason".
 */
int	 reg_certs_event(struct reg *r, json_t *detail, const char *list_key,
	    const char *where, int64_t key, const char *to_status, int reason);
/* The certificate changes of ev's rules_events row for the resident or card
 * (id), listed in detail ("revoked" or "held"). */
int	 reg_apply_effects(struct reg *r, enum rule_ev ev, int64_t id,
	    json_t *detail);

/* registry_resident.c */
int	 reg_resident_load(struct reg *r, const char *uid,
	    struct resident_row *out);	/* REG_OK with state RES_NONE if absent */
void	 reg_resident_row_free(struct resident_row *row);

/* registry_card.c */
int	 reg_card_load(struct reg *r, const char *number, struct card_row *c);
				/* REG_OK with state CARD_NONE if absent */
/* rules_allowed for ev on card c: REG_OK or REG_REFUSED with why. */
int	 reg_card_allowed(struct reg *r, enum rule_ev ev, const struct card_row *c);

/* registry_cert.c */
json_t	*reg_cert_row_json(struct reg *r, sqlite3_stmt *st);
#define REG_CERT_COLS \
	"c.id, i.name, c.serial, c.kind, c.status, c.reason, c.not_before, " \
	"c.not_after, c.revoked_at, c.hold_at, c.change_seq, k.number, " \
	"k.type, s.uid, c.issuer_id, k.state"
#define REG_CERT_FROM \
	" FROM certificates c JOIN issuers i ON i.id = c.issuer_id " \
	"LEFT JOIN cards k ON k.id = c.card_id " \
	"LEFT JOIN residents s ON s.id = c.resident_id "
int	 reg_cert_find(struct reg *r, const char *serial_hex, const char *issuer,
	    struct serial *s, int64_t *id);
json_t	*reg_cert_by_id(struct reg *r, int64_t id);
/* Step st to the end collecting row(r, st) in an array; st finalized. */
json_t	*reg_rows_json(struct reg *r, sqlite3_stmt *st,
	    json_t *(*row)(struct reg *, sqlite3_stmt *));

#endif
