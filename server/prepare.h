/*
 * prepare.h: the synchronous part of answering an OCSP request, without
 * evhttp: parse the DER, match the issuer, look every CertID up in the
 * registry and encode the signing job.  responder.c calls the two steps
 * (with the response cache between them); the fuzz target calls
 * responder_prepare() on the whole path.
 */
#ifndef CERTSTATUSD_PREPARE_H
#define CERTSTATUSD_PREPARE_H

#include <stddef.h>

#include "server.h"

/*
 * Parse der and find the issuer of the first CertID that names one of ours.
 * 0 with r filled (ocsp_request_clear() it) and *is set; else the
 * OCSPResponseStatus to answer (malformedRequest, unauthorized,
 * internalError when the registry is failing) with *why set.
 */
int	responder_parse(struct server *s, const unsigned char *der, size_t len,
	    struct ocsp_request *r, struct issuer **is, const char **why);

/*
 * Look up every CertID of r (for issuer is) and encode the signing job into
 * buf (size bytes, OCSP_JOB_MAX always suffices) at time now.  *cacheable is
 * cleared when an answer must not be stored (a CertID of another issuer, a
 * bad serial, a never-issued one); *fp gets the first CertID's status
 * fingerprint (ocsp_http_fp).  0, or the OCSPResponseStatus to answer.
 */
int	responder_build_job(struct server *s, struct ocsp_request *r,
	    struct issuer *is, time_t now, unsigned char *buf, size_t size,
	    size_t *len, int *cacheable, uint64_t *fp);

/* Fill one SingleResponse from the registry's view of a certificate. */
void	responder_single(struct server *s, const struct cert_status *cs,
	    struct ocsp_single *one, int *extended_revoke);

/*
 * Both steps: der in, signing job out (buf, size, *len).  0, or the
 * OCSPResponseStatus to answer with *why set.
 */
int	responder_prepare(struct server *s, const unsigned char *der,
	    size_t len, unsigned char *buf, size_t size, size_t *job_len,
	    const char **why);

#endif
