/* SPDX-License-Identifier: ISC */
/*
 * prepare.h: the synchronous part of answering an OCSP request, without
 * evhttp and without the server's state: parse the DER, match the issuer,
 * look every CertID up in the registry and encode the signing job.  Pure:
 * it reads what the caller lends it (struct prepare_env) and returns what it
 * found (struct prepare_job); counting, logging the registry's state and
 * storing the answer are the caller's.  responder.c calls the two request
 * steps (with the response store between them), presign.c the job for one
 * registry row; the fuzz target runs prepare_request() on the whole path.
 */
#ifndef CERTSTATUSD_PREPARE_H
#define CERTSTATUSD_PREPARE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db.h"
#include "ocsp.h"
#include "server.h"

/* What answering reads, lent by the caller for the call. */
struct prepare_env {
	struct issuer_set	*issuers;	/* the CAs we answer for */
	struct db		*db;		/* the registry, read-only */
	size_t			 max_certids;	/* CertIDs per request at most */
	time_t			 validity;	/* nextUpdate - thisUpdate, seconds */
	int			 unknown_as_revoked; /* a never-issued serial */
};

/* What an encoded signing job states, for the caller to count and store. */
struct prepare_job {
	size_t		 len;		/* bytes of the job in the caller's buf */
	time_t		 this_update, next_update;
	int		 cacheable;	/* the answer may be stored */
	uint64_t	 fp;		/* first CertID's status (ocsp_status_fp) */
	unsigned	 count[3];	/* SingleResponses by enum ocsp_cert_status */
	int		 registry_failed; /* a registry read failed (db_errmsg) */
};

/* The limits and policy of conf, with the issuers and registry given. */
void	prepare_env_set(struct prepare_env *env, const struct config *conf,
	    struct issuer_set *issuers, struct db *db);

/*
 * Parse der and find the issuer of the first CertID that names one of ours.
 * 0 with r filled (ocsp_request_clear() it) and *is set; else the
 * OCSPResponseStatus to answer (malformedRequest, unauthorized) with *why
 * set to a static reason.
 */
int	prepare_parse(const struct prepare_env *env, const unsigned char *der,
	    size_t len, struct ocsp_request *r, struct issuer **is,
	    const char **why);

/*
 * Look up every CertID of r (for issuer is) and encode the signing job into
 * buf (size bytes, OCSP_JOB_MAX always suffices) at time now; out says what
 * it states.  out->cacheable is cleared when the answer must not be stored
 * (a CertID of another issuer, a bad serial, a never-issued one).  0, or the
 * OCSPResponseStatus to answer (internalError with out->registry_failed set
 * when the registry could not be read).
 */
int	prepare_job(const struct prepare_env *env, const struct ocsp_request *r,
	    const struct issuer *is, time_t now, unsigned char *buf,
	    size_t size, struct prepare_job *out);

/*
 * The signing job for one registry row (a SHA-1 CertID of its issuer, as the
 * pre-signing walk stores them) at time now into buf; out as above.  0, 1
 * when there is nothing to sign (no issuer of ours, no serial), or -1 when
 * the job cannot be built.
 */
int	prepare_cert_job(const struct prepare_env *env,
	    const struct cert_status *cs, time_t now, unsigned char *buf,
	    size_t size, struct prepare_job *out);

/*
 * Both request steps: der in, signing job out (buf, size, out) at now.  0,
 * or the OCSPResponseStatus to answer with *why set.
 */
int	prepare_request(const struct prepare_env *env, const unsigned char *der,
	    size_t len, time_t now, unsigned char *buf, size_t size,
	    struct prepare_job *out, const char **why);

#endif
