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
 * CRLPUB_DELTA_ONLY writes only a new delta against the newest full (and a
 * first full CRL for a partition that has none yet, see below).
 *
 * Partitions (crl-partitions N, schema 007): a certificate issued with N > 1
 * is in partition k = crlpub_partition_of(serial, N), stored with it.  An
 * issuer's partition count P is the larger of N (when > 1) and the largest N
 * any of its certificates was issued under; with P > 0 a run publishes, besides
 * the unpartitioned CRL (the certificates without a partition), a full and a
 * delta CRL for every k < P, each listing only its partition's certificates
 * and carrying a critical issuingDistributionPoint naming its own URL (the
 * unpartitioned CRL then names <issuer>.crl: it no longer lists every
 * certificate, so it must not claim to).  Every scope (-1 unpartitioned, or
 * k) numbers its CRLs in its own sequence, as above.  With P == 0 (N 1 and
 * no partitioned certificate) the output is exactly the unpartitioned pair,
 * without an IDP.  All scopes of a run are written in the caller's one
 * transaction: the server never serves a mix of runs, and every scope
 * reflects the same change_seq.
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

/* What a run wrote for one scope. */
struct crlpub_part {
	int		 part;		/* -1: the unpartitioned CRL, else k */
	int64_t		 full_number;	/* -1 when no full CRL was written */
	size_t		 full_entries, full_len;
	int64_t		 delta_number;
	int64_t		 delta_base;
	size_t		 delta_entries, delta_len;
};

struct crlpub_result {
	/* the unpartitioned CRL */
	int64_t		 full_number;	/* -1 when no full CRL was written */
	size_t		 full_entries, full_len;
	int64_t		 delta_number;
	int64_t		 delta_base;
	size_t		 delta_entries, delta_len;
	int64_t		 change_seq;	/* registry state the CRLs reflect */
	time_t		 this_update, next_update, delta_next_update;
	/* the partitions k = 0 .. nparts-1 (nparts 0: none); malloc'd */
	struct crlpub_part *parts;
	size_t		 nparts;
};

/* Free what a result holds (not the struct); safe on a zeroed result. */
void	crlpub_result_free(struct crlpub_result *res);

#define CRLPUB_PARTITIONS_MAX	1024

/*
 * The partition (0 .. n-1) of a certificate issued with crl-partitions n:
 * the first 4 octets of SHA-256 over the serial's octets (as stored: no
 * leading zeros), big-endian, mod n.  The serial is random already; the
 * hash keeps it even for sequential serials.  -1 (the unpartitioned CRL)
 * when n <= 1.
 */
int	crlpub_partition_of(const struct serial *s, int n);
/*
 * The URL of issuer's CRL for part (-1: unpartitioned) under base-url:
 * <base>/crl/<issuer>[-<k>][-delta].crl, malloc'd (caller frees), NULL when
 * out of memory.  Certificates (cRLDistributionPoints), the IDP and
 * freshestCRL all take it from here, so they cannot disagree.
 */
char	*crlpub_url(const struct config *conf, const char *issuer, int part,
	    int delta);
/*
 * The issuer's partition count P (see above) into *n.  0, or -1 with err.
 */
int	crlpub_partitions(struct db *db, const struct config *conf,
	    int64_t issuer_id, int *n, char *err, size_t errlen);

/*
 * Inside the caller's write transaction (db_begin): generate and store
 * every scope.  now is thisUpdate.  0, or -1 with err filled (nothing
 * stored is left to the caller's rollback).  Either way free *out with
 * crlpub_result_free.
 */
int	crlpub_generate_tx(struct db *db, const struct config *conf,
	    const struct crlpub_issuer *is, enum crlpub_mode mode, time_t now,
	    struct crlpub_result *out, char *err, size_t errlen);
/* The same in its own BEGIN IMMEDIATE ... COMMIT. */
int	crlpub_generate(struct db *db, const struct config *conf,
	    const struct crlpub_issuer *is, enum crlpub_mode mode, time_t now,
	    struct crlpub_result *out, char *err, size_t errlen);

/*
 * Does the issuer need new CRLs at now?  1 when one of its scopes (the
 * unpartitioned CRL and every partition below its partition count) has no
 * full or delta CRL, when the newest of either is past half its validity,
 * or when one of its certificates changed after the newest CRL's
 * change_seq; 0 when not; -1 on a database error.  *refresh_at (may be
 * NULL) gets the time the newest CRLs reach half their validity (0 when
 * there are none).  Read-only.
 */
int	crlpub_needed(struct db *db, const struct config *conf,
	    int64_t issuer_id, time_t now, time_t *refresh_at);

#endif
