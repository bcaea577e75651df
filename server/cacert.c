/* SPDX-License-Identifier: ISC */
/*
 * cacert.c: GET /ca/<issuer>.crt (cacert.h).  The certificate is the
 * issuer's X509 that issuers.c read from the registry; it is encoded per
 * request (a CA certificate is fetched rarely: by a relying party building
 * a path, then from its cache).
 *
 * max-age: a CA certificate never changes under its URL (certctl has no
 * verb that replaces an issuer's CA; a rollover is a new issuer with its
 * own URL), so a long lifetime would be safe for the bytes.  A day bounds
 * how long a cache keeps serving a CA the registry no longer holds, and
 * condget never lets max-age run past the CA's notAfter.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "cacert.h"
#include "clock.h"
#include "condget.h"
#include "log.h"
#include "pki.h"
#include "server.h"

/* The issuer that "<name>.crt" names, or NULL. */
static struct issuer *
cacert_issuer(struct server *s, const char *name)
{
	char	 stem[CACERT_NAME_MAX];
	size_t	 len = strlen(name);

	if (s->issuers == NULL || len < 5 || len >= sizeof(stem) ||
	    strcmp(name + len - 4, ".crt") != 0)
		return NULL;
	memcpy(stem, name, len - 4);
	stem[len - 4] = '\0';
	return issuers_by_name(s->issuers, stem);
}

void
cacert_handle(struct server *s, struct evhttp_request *req, const char *name)
{
	struct issuer		*is;
	struct condget_rep	 rep;
	unsigned char		*der = NULL;
	char			 etag[CONDGET_ETAG_SIZE];
	int			 len;

	if ((is = cacert_issuer(s, name)) == NULL) {
		http_reply_error(s, req, HTTP_NOTFOUND, "no such CA certificate");
		return;
	}
	if ((len = i2d_X509(is->ca, &der)) <= 0) {
		log_warnx("%s: %s: cannot encode the CA certificate: %s",
		    __func__, is->name, log_ssl_drain());
		http_reply_error(s, req, HTTP_INTERNAL,
		    "CA certificate unavailable");
		return;
	}
	condget_etag(der, (size_t)len, etag);
	memset(&rep, 0, sizeof(rep));
	rep.etag = etag;
	(void)pki_time(X509_get0_notBefore(is->ca), &rep.last_modified);
	rep.expires = is->ca_not_after;
	rep.max_age_cap = CACERT_MAX_AGE_SEC;
	if (condget_answer(req, &rep, clock_now())) {
		s->metrics.not_modified++;
		http_reply(s, req, HTTP_NOTMODIFIED, NULL, NULL, 0);
	} else
		http_reply(s, req, HTTP_OK, "application/pkix-cert", der,
		    (size_t)len);
	OPENSSL_free(der);
}
