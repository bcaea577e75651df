/* SPDX-License-Identifier: ISC */
/*
 * ocsp.h: the OCSP protocol core of certstatusd (RFC 6960, RFC 5019, RFC 9654).
 *
 * Request decoding (POST body or GET path), issuer matching on the real
 * name/key hashes, response building and signing, the constant error
 * responses, the message that hands a signing job to a signer process, and
 * the mapping of a registry status (db.h's struct cert_status) onto a
 * SingleResponse and its fingerprint.  No networking, no database access.  Every function here is safe on hostile input
 * and leaves OpenSSL's error queue empty.
 */
#ifndef CERTSTATUS_OCSP_H
#define CERTSTATUS_OCSP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "serial.h"

#define OCSP_NONCE_MAX		128	/* octets, RFC 9654 */
#define OCSP_HASH_MAX		64	/* octets, SHA-512 */
#define OCSP_EXT_MAX		16	/* extensions per list in a request */
#define OCSP_CERTID_DER_MAX	256	/* bytes of one CertID (legal ones are < 180) */

enum ocsp_hash {
	OCSP_HASH_SHA1,
	OCSP_HASH_SHA256,
	OCSP_HASH_SHA384,
	OCSP_HASH_SHA512,
	OCSP_HASH_COUNT
};

/*
 * An issuer's name hash (over its DER subject) and key hash (over the
 * contents of its subjectPublicKey BIT STRING, RFC 6960 4.1.1) for each
 * CertID hash algorithm.  len[h] is the digest size of h.
 */
struct ocsp_issuer_hashes {
	unsigned char	name[OCSP_HASH_COUNT][OCSP_HASH_MAX];
	unsigned char	key[OCSP_HASH_COUNT][OCSP_HASH_MAX];
	size_t		len[OCSP_HASH_COUNT];
};

/* One CertID of a request, with its fields extracted. */
struct ocsp_certid {
	enum ocsp_hash	 hash;
	unsigned char	 name_hash[OCSP_HASH_MAX];
	unsigned char	 key_hash[OCSP_HASH_MAX];
	size_t		 hash_len;
	struct serial	 serial;
	int		 serial_ok;	/* 0: negative, zero or > 20 octets: answer "unknown" */
	OCSP_CERTID	*id;		/* borrowed from ocsp_request.req, echoed in the response */
};

struct ocsp_request {
	struct ocsp_certid	*ids;
	size_t			 n;
	unsigned char		 nonce[OCSP_NONCE_MAX];
	size_t			 nonce_len;
	int			 has_nonce;
	OCSP_REQUEST		*req;	/* retained: ids[].id point into it */

	/* RFC 6960 4.1.2 optionalSignature, when the request has one */
	int			 signed_req;
	int			 sig_nid;	/* its signatureAlgorithm */
	int			 sig_certs;	/* certificates that came beside it */
	X509_NAME		*requestor;	/* a directoryName requestorName */
};

/*
 * Compute the name and key hashes of issuer for every CertID hash
 * algorithm.  Done once per issuer at start-up.  0, or -1 on failure.
 */
int	ocsp_issuer_hashes(X509 *issuer, struct ocsp_issuer_hashes *out);

/*
 * 1 when the hash algorithm, issuerNameHash and issuerKeyHash of id are those
 * of the issuer h, else 0.
 */
int	ocsp_issuer_match(const struct ocsp_issuer_hashes *h,
	    const struct ocsp_certid *id);

/*
 * Parse a DER OCSPRequest of len bytes from memory.  out is overwritten
 * (clear it first if it held a request); on success it owns memory that
 * ocsp_request_clear() frees.  On failure out is left empty, *why points to
 * a static reason, and -1 is returned; every failure is malformedRequest.
 * Rules: nothing after the DER; version v1; 1..max_ids CertIDs; CertID hash
 * SHA-1/256/384/512 by OID with absent or NULL parameters, name and key hash
 * of the digest's size, at most OCSP_CERTID_DER_MAX bytes in all; a nonce is
 * an OCTET STRING (DER) of 1..OCSP_NONCE_MAX octets; no unknown critical
 * extension, no extension twice, at most OCSP_EXT_MAX per list.  A serial
 * that is zero, negative or longer than 20 octets parses with serial_ok 0.
 * A request signature is not verified (RFC 6960 4.1.2 allows it).
 * Returns 0, -1 for a malformed request, or -2 when memory ran out (the
 * request may be sound: answer tryLater).
 */
int	ocsp_request_parse(const unsigned char *der, size_t len, size_t max_ids,
	    struct ocsp_request *out, const char **why);

/* Free what ocsp_request_parse() put in r and empty it; safe to repeat. */
void	ocsp_request_clear(struct ocsp_request *r);

/*
 * Decode an OCSP GET path (RFC 6960 appendix A, RFC 5019): what follows the
 * endpoint ("/" or "/ocsp/"), with any number of leading slashes.  Accepts
 * standard base64 ('+' stays '+'), base64url, %XX escapes (%2B %2F %3D and
 * any other but %00), and missing '=' padding.  On success *der is a malloc'd
 * buffer (free() it) of *der_len bytes, 1..max_len, and 0 is returned; -2
 * when memory ran out, -1 on anything else.
 */
int	ocsp_get_decode(const char *path, size_t max_len, unsigned char **der,
	    size_t *der_len);

enum ocsp_cert_status {
	OCSP_ST_GOOD,
	OCSP_ST_REVOKED,
	OCSP_ST_UNKNOWN
};

/* The answer for one CertID. */
struct ocsp_single {
	const OCSP_CERTID	*id;
	enum ocsp_cert_status	 status;
	time_t			 revoked_at;
	int			 reason;	/* -1: omit revocationReason; 0..10 CRLReason but 7 */
	time_t			 this_update;
	time_t			 next_update;	/* 0: omit */
};

/*
 * Build and sign a successful OCSPResponse: a BasicOCSPResponse signed with
 * SHA-256 by key (RSA PKCS#1 v1.5 or ECDSA) for signer, responderID byKey,
 * producedAt produced_at, one SingleResponse per entry of s in order, the
 * nonce echoed when nonce_len > 0 (at most OCSP_NONCE_MAX), the signer
 * certificate in certs, and when extended_revoke the non-critical
 * extended-revoke extension (RFC 6960 4.4.8) for never-issued serials
 * answered revoked.  Returns the DER, allocated with OPENSSL_malloc() (the
 * caller OPENSSL_free()s it), and its length in *out_len; NULL on failure
 * (logged).
 */
unsigned char *ocsp_response_sign(EVP_PKEY *key, X509 *signer,
	    const struct ocsp_single *s, size_t n, const unsigned char *nonce,
	    size_t nonce_len, int extended_revoke, time_t produced_at,
	    size_t *out_len);

/*
 * The same with the key prepared once: EVP_DigestSignInit() looks up the
 * digest and the signature implementation in OpenSSL 3's provider store
 * at every call, which costs a P-256 signer worker about as much as the
 * signature itself; a prepared context is copied instead.  A signer
 * worker keeps one per key (ocsp_sign_prepare, NULL when the key cannot
 * sign with SHA-256) and frees it with EVP_MD_CTX_free() when the key
 * goes.
 */
EVP_MD_CTX	*ocsp_sign_prepare(EVP_PKEY *key);
unsigned char	*ocsp_response_sign_prepared(const EVP_MD_CTX *prepared,
		    X509 *signer, const struct ocsp_single *s, size_t n,
		    const unsigned char *nonce, size_t nonce_len,
		    int extended_revoke, time_t produced_at, size_t *out_len);

/*
 * The unsigned OCSPResponse for an error status (OCSP_RESPONSE_STATUS_*:
 * malformedRequest 1, internalError 2, tryLater 3, sigRequired 5,
 * unauthorized 6).  Returns static DER the caller must not free, and its
 * length in *out_len; NULL for any other status.  Thread-safe.
 */
const unsigned char *ocsp_response_error(int status, size_t *out_len);

/*
 * A signing job: what the network process hands the signer process, so that
 * the process holding the key never parses network input.  Message layout
 * (native byte order; both ends run on one host from one build):
 *
 *   header  u32 magic, u32 total length, u32 issuer, u32 n,
 *           i64 produced_at, u16 nonce_len, u8 flags, u8 zero   (28 bytes)
 *           nonce_len octets of nonce
 *   n times u16 certid_len, u8 status, i8 reason,
 *           i64 revoked_at, i64 this_update, i64 next_update    (28 bytes)
 *           certid_len octets of i2d_OCSP_CERTID
 *
 * A message is never longer than OCSP_JOB_MAX bytes.
 */
#define OCSP_JOB_ENTRIES_MAX	256	/* >= the configured CertIDs per request */
#define OCSP_JOB_HDR_SIZE	28
#define OCSP_JOB_ENTRY_SIZE	28
#define OCSP_JOB_MAX		(OCSP_JOB_HDR_SIZE + OCSP_NONCE_MAX + \
	OCSP_JOB_ENTRIES_MAX * (OCSP_JOB_ENTRY_SIZE + OCSP_CERTID_DER_MAX))

struct ocsp_job {
	uint32_t		 issuer;	/* index in the signer's issuer table */
	int			 extended_revoke;
	time_t			 produced_at;
	unsigned char		 nonce[OCSP_NONCE_MAX];
	size_t			 nonce_len;
	struct ocsp_single	*s;	/* decoded: s[i].id owned by the job */
	size_t			 n;
};

/*
 * Encode job into buf (size bytes; OCSP_JOB_MAX always suffices).  0 and the
 * message length in *len, or -1 when the job breaks a bound.
 */
int	ocsp_job_encode(const struct ocsp_job *job, unsigned char *buf,
	    size_t size, size_t *len);

/*
 * Decode and validate a message of len bytes into out (overwritten), which
 * then owns an array of entries and their CertIDs: ocsp_job_clear() frees
 * them.  0, or -1 (out left empty) when any length, count or value is out of
 * bounds or a CertID does not decode exactly.
 */
int	ocsp_job_decode(const unsigned char *buf, size_t len,
	    struct ocsp_job *out);

/* Free what ocsp_job_decode() put in job and empty it; safe to repeat. */
void	ocsp_job_clear(struct ocsp_job *job);

struct cert_status;		/* db.h */

/*
 * Fill one SingleResponse's status from the registry's view: good, revoked
 * with its time and reason (hold: certificateHold), and a serial never
 * issued as unknown or, when unknown_as_revoked, revoked certificateHold at
 * 1970-01-01 (RFC 6960 2.2).  Returns 1 when the response then needs the
 * extended-revoke extension, else 0.
 */
int	ocsp_single_status(const struct cert_status *cs, int unknown_as_revoked,
	    struct ocsp_single *one);
/*
 * What an answer states about a certificate, as one number: its state and,
 * when revoked or held, the time and reason.  Two registry views with the
 * same fingerprint give the same SingleResponse status, so a stored answer
 * is right exactly when its fingerprint equals the registry's now.
 */
uint64_t ocsp_status_fp(const struct cert_status *cs);

#endif
