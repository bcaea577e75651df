/*
 * ocsp_http.h: the pure decisions of OCSP over HTTP, kept apart from evhttp
 * so that unit tests reach them: RFC 5019 cache headers and the 304 answer,
 * and the mapping of a registry status onto an OCSP SingleResponse.
 */
#ifndef CERTSTATUSD_OCSP_HTTP_H
#define CERTSTATUSD_OCSP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db.h"
#include "ocsp.h"

#define OCSP_HTTP_DATE_LEN	40

/* The RFC 5019 headers of a cacheable response, and what to answer. */
struct ocsp_http_cache {
	char	 last_modified[OCSP_HTTP_DATE_LEN];	/* = thisUpdate */
	char	 expires[OCSP_HTTP_DATE_LEN];		/* = nextUpdate */
	char	 cache_control[96];
	long	 max_age;		/* seconds, never past nextUpdate */
	int	 not_modified;		/* 1: answer 304 */
};

/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); 0, or -1 if it does not fit. */
int	ocsp_http_date(time_t t, char *buf, size_t len);
/* The time of an IMF-fixdate, or -1 when s is not one. */
time_t	ocsp_http_date_parse(const char *s);

/*
 * Headers for a response valid from this_update to next_update with this
 * ETag (quoted), at now, and whether the request's If-None-Match /
 * If-Modified-Since (each may be NULL) make it a 304.  If-None-Match wins
 * when present (RFC 9110 13.2.2): If-Modified-Since is then ignored.
 */
void	ocsp_http_cache_headers(time_t this_update, time_t next_update,
	    const char *etag, time_t now, const char *if_none_match,
	    const char *if_modified_since, struct ocsp_http_cache *out);

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
