/* SPDX-License-Identifier: ISC */
/*
 * crlpub.h: CRL publication: generate, sign and store an issuer's full and
 * delta CRLs from the registry (both certctl and certstatusd's CRL child
 * call this; the CA key is the caller's).
 *
 * Numbering: full and delta CRLs share one CRL Number sequence per issuer,
 * max(crls.number) + 1, taken inside the writing transaction, so numbers
 * strictly increase across processes and restarts.
 *
 * A run writes a full CRL (number n) and a delta CRL (number n+1).  The
 * delta's base is the newest full CRL stored BEFORE the run (the full a
 * relying party is likely to hold cached), and it lists every certificate
 * whose status changed since that base and is revoked or on hold now (with
 * its current reason), plus removeFromCRL for holds released since.  Any full
 * CRL numbered >= that base combines with it.  The first run has no earlier
 * full: its delta's base is the new full and the delta is empty.
 * CRLPUB_DELTA_ONLY writes only a new delta against the newest full.
 */
#ifndef CERTSTATUS_CRLPUB_H
#define CERTSTATUS_CRLPUB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "config.h"
#include "db.h"

#define CRLPUB_KEEP	10	/* crls rows kept per issuer (older pruned) */

enum crlpub_mode { CRLPUB_FULL_AND_DELTA, CRLPUB_DELTA_ONLY };

struct crlpub_issuer {
	int64_t		 id;		/* issuers.id */
	const char	*name;		/* for the freshestCRL URL */
	X509		*ca;
	EVP_PKEY	*key;		/* the CA key */
};

struct crlpub_result {
	int64_t		 full_number;	/* -1 when no full CRL was written */
	size_t		 full_entries, full_len;
	int64_t		 delta_number;
	int64_t		 delta_base;
	size_t		 delta_entries, delta_len;
	int64_t		 change_seq;	/* registry state the CRLs reflect */
	time_t		 this_update, next_update, delta_next_update;
};

/*
 * Inside the caller's write transaction (db_begin): generate and store.
 * now is thisUpdate.  0, or -1 with err filled (nothing stored is left to
 * the caller's rollback).
 */
int	crlpub_generate_tx(struct db *db, const struct config *conf,
	    const struct crlpub_issuer *is, enum crlpub_mode mode, time_t now,
	    struct crlpub_result *out, char *err, size_t errlen);
/* The same in its own BEGIN IMMEDIATE ... COMMIT. */
int	crlpub_generate(struct db *db, const struct config *conf,
	    const struct crlpub_issuer *is, enum crlpub_mode mode, time_t now,
	    struct crlpub_result *out, char *err, size_t errlen);

/*
 * Does the issuer need new CRLs at now?  1 when it has no full or delta CRL,
 * when the newest of either is past half its validity, or when one of its
 * certificates changed after the newest CRL's change_seq; 0 when not; -1 on
 * a database error.  *refresh_at (may be NULL) gets the time the newest CRLs
 * reach half their validity (0 when there are none).  Read-only.
 */
int	crlpub_needed(struct db *db, int64_t issuer_id, time_t now,
	    time_t *refresh_at);

#endif
