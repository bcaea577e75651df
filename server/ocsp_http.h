/* SPDX-License-Identifier: ISC */
/*
 * ocsp_http.h: the pure decisions of OCSP over HTTP, kept apart from evhttp
 * so that unit tests reach them: the RFC 5019 cache profile of a response,
 * and the mapping of a registry status onto an OCSP SingleResponse.
 */
#ifndef CERTSTATUSD_OCSP_HTTP_H
#define CERTSTATUSD_OCSP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "condget.h"
#include "db.h"
#include "ocsp.h"

/*
 * The RFC 5019 view of a response valid from this_update to next_update
 * with this ETag (quoted; kept by reference): Last-Modified thisUpdate,
 * Expires nextUpdate, max-age up to nextUpdate, must-revalidate.  The 304
 * decision and the headers are condget's.
 */
void	ocsp_http_rep(time_t this_update, time_t next_update, const char *etag,
	    struct condget_rep *rep);

/*
 * Fill one SingleResponse's status from the registry's view: good, revoked
 * with its time and reason (hold: certificateHold), and a serial never
 * issued as unknown or, when unknown_as_revoked, revoked certificateHold at
 * 1970-01-01 (RFC 6960 2.2).  Returns 1 when the response then needs the
 * extended-revoke extension, else 0.
 */
int	ocsp_http_status(const struct cert_status *cs, int unknown_as_revoked,
	    struct ocsp_single *one);
/*
 * What an answer states about a certificate, as one number: its state and,
 * when revoked or held, the time and reason.  Two registry views with the
 * same fingerprint give the same SingleResponse status, so a stored answer
 * is right exactly when its fingerprint equals the registry's now.
 */
uint64_t ocsp_http_fp(const struct cert_status *cs);

#endif
