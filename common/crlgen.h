/* SPDX-License-Identifier: ISC */
/*
 * crlgen.h: a streaming RFC 5280 CRL builder.
 *
 * Entries go in one at a time, in the caller's order (an indexed query), and
 * are kept only as their DER encoding: a reused X509_REVOKED (one for entries
 * with a reasonCode, one for those without) is encoded with OpenSSL per entry
 * and its bytes appended to a growing buffer.  At the end the TBSCertList is
 * assembled around those bytes (every piece encoded by OpenSSL), signed with
 * SHA-256 by the CA key (RSA PKCS#1 v1.5 or ECDSA), and wrapped as a
 * CertificateList.  Memory is about one DER copy of the entries
 * (~50 bytes each); the buffer becomes the returned CRL.
 */
#ifndef CERTSTATUS_CRLGEN_H
#define CERTSTATUS_CRLGEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "serial.h"

/*
 * Reason codes are OpenSSL's CRL_REASON_* (x509v3.h): CRL_REASON_NONE (-1)
 * for no reasonCode, CRL_REASON_KEY_COMPROMISE (1) .. CRL_REASON_AA_COMPROMISE
 * (10).  7 is unused; 0 (unspecified) is refused: RFC 5280 5.3.1 wants the
 * reasonCode absent instead, so pass CRL_REASON_NONE.
 */

struct crlgen_params {
	X509		*issuer;		/* the CA certificate (up-referenced) */
	EVP_PKEY	*key;			/* the CA key: RSA or EC (up-referenced) */
	uint64_t	 number;		/* CRL Number */
	int64_t		 delta_base;		/* -1: full CRL; >= 0: delta CRL with deltaCRLIndicator(critical)=delta_base */
	time_t		 this_update, next_update;
	const char	*freshest_url;		/* full CRL only: freshestCRL (2.5.29.46) fullName URI of the delta; NULL none */
	time_t		 expired_certs_on_crl;	/* 0: omit; else ExpiredCertsOnCRL (2.5.29.60) GeneralizedTime */
	const char	*idp_url;		/* NULL: none; else a critical issuingDistributionPoint
						   (2.5.29.28) whose distributionPoint fullName is this URI:
						   the CRL's scope is the certificates whose CRLDP names it */
};

struct crlgen;

/*
 * A new builder for the CRL p describes (p is copied; issuer and key are
 * up-referenced, so the caller may free its own references).  NULL when p is
 * inconsistent (next_update not after this_update, freshest_url on a delta,
 * a key type other than RSA or EC, a key that is not the issuer's) or on
 * allocation failure; logged.
 */
struct crlgen	*crlgen_new(const struct crlgen_params *p);

/*
 * Append one entry.  reason: CRL_REASON_NONE (-1) for no reasonCode
 * extension (unspecified), else a CRLReason 1..10 except 7; 8
 * (removeFromCRL) only in delta CRLs.  Entries are written in the caller's
 * order.  0, or -1 (entry not added, logged) on a bad serial or reason, on
 * allocation failure, or after crlgen_finish().
 */
int		 crlgen_add(struct crlgen *g, const struct serial *s, time_t revoked_at, int reason);

/*
 * Finish: emit the TBSCertList (v2, signature algorithm, issuer name,
 * thisUpdate, nextUpdate, the entries (revokedCertificates omitted when
 * there are none), crlExtensions: authorityKeyIdentifier (keyid from the
 * issuer's SKI, else the SHA-1 of its public key), cRLNumber, and
 * deltaCRLIndicator / issuingDistributionPoint / freshestCRL /
 * expiredCertsOnCRL as configured), sign
 * it and return the DER CertificateList, malloc'd: the caller frees it with
 * free().  *out_len is its length.  NULL on failure (logged).  Either way the
 * builder accepts no more entries; call crlgen_free() after.
 */
unsigned char	*crlgen_finish(struct crlgen *g, size_t *out_len);

/* Free the builder; NULL is allowed. */
void		 crlgen_free(struct crlgen *g);

/* Number of entries added so far. */
size_t		 crlgen_count(const struct crlgen *g);

#endif
