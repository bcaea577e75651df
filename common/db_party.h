/* SPDX-License-Identifier: ISC */
/*
 * db_party.h: the relying-party table's full rows and its writes, for
 * certctl party (tools/cmd_party.c).  The server needs only what db.h
 * declares (db_parties_load); this header keeps the rest out of its way.
 * Implemented in db_party.c with db_parties_load.
 */
#ifndef CERTSTATUS_DB_PARTY_H
#define CERTSTATUS_DB_PARTY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db.h"

#define DB_PARTY_NAME_MAX	64	/* bytes */
#define DB_PARTY_RATE_MAX	100000	/* requests per second */

/* One row of parties as certctl shows it; strings malloc'd. */
struct db_party_rec {
	int64_t		 id;
	char		*name;
	char		*fingerprint;	/* SHA-256 of the DER, lowercase hex */
	char		*subject;	/* RFC 2253 */
	time_t		 not_after;
	char		*note;		/* NULL when none */
	int		 rate;		/* requests per second; 0: no limit */
	time_t		 added_at;
	char		*added_by;
	time_t		 removed_at;	/* 0: registered now */
	char		*removed_by;	/* NULL while registered */
};

/*
 * The parties in id order, the removed ones too when all is nonzero: as
 * db_parties_load.  0, or -1 (db_errmsg, or out of memory) with *out NULL.
 */
int	 db_party_records(struct db *db, int all, struct db_party_rec **out,
	    size_t *n);
void	 db_party_records_free(struct db_party_rec *v, size_t n);

/* What db_party_insert records (note may be NULL). */
struct db_party_new {
	const char		*name;
	const unsigned char	*cert;		/* DER */
	size_t			 cert_len;
	const char		*fingerprint;
	const char		*subject;
	time_t			 not_after;
	const char		*note;
	int			 rate;
	const char		*added_by;
};

/*
 * Within a write transaction: register p at now.  Returns its id, or -1
 * (db_errmsg; a name or certificate registered now fails here too, by the
 * schema's unique indexes).
 */
int64_t	 db_party_insert(struct db *db, const struct db_party_new *p,
	    time_t now);
/*
 * Within a write transaction: the party with this id, registered now,
 * is removed at now by `by`.  0, or -1 (db_errmsg; no such party
 * registered now fails too).
 */
int	 db_party_remove(struct db *db, int64_t id, const char *by, time_t now);

#endif
