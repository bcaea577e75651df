/* SPDX-License-Identifier: ISC */
/*
 * cacert.h: the CA certificates for relying parties, GET /ca/<issuer>.crt:
 * what the caIssuers URL of every certificate certctl issues names
 * (RFC 5280 4.2.2.1).
 */
#ifndef CERTSTATUSD_CACERT_H
#define CERTSTATUSD_CACERT_H

#include <event2/http.h>

#define CACERT_NAME_MAX		128	/* bytes of a /ca/ name, NUL included */
#define CACERT_MAX_AGE_SEC	86400	/* a day: see cacert.c */

struct server;

/*
 * Answer req for name ("inagi.crt") with the DER of that issuer's CA
 * certificate as the registry holds it, application/pkix-cert, with the
 * conditional-GET headers (condget.c): ETag of the DER, Last-Modified its
 * notBefore, max-age at most CACERT_MAX_AGE_SEC and never past its
 * notAfter; 304 when the request's validators match.  404 for a name that
 * is no issuer's, 500 when the DER cannot be made.  Replies exactly once.
 */
void	cacert_handle(struct server *s, struct evhttp_request *req,
	    const char *name);

#endif
