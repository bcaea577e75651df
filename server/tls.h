/* SPDX-License-Identifier: ISC */
/*
 * tls.h: the HTTPS listener's OpenSSL context, made from the configuration
 * (tls-cert, tls-key, tls-client-ca) at start and again on SIGHUP, and the
 * same checks for certstatusd -n.
 */
#ifndef CERTSTATUSD_TLS_H
#define CERTSTATUSD_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "config.h"

/*
 * A server context for conf: TLS 1.2 and 1.3 only, AEAD ciphers with
 * ECDHE, no renegotiation or compression, the certificate chain and its
 * key, and with tls-client-ca a request for (never a requirement of) a
 * client certificate.  NULL and the first problem in err.
 */
SSL_CTX	*tls_ctx_new(const struct config *conf, char *err, size_t errlen);

/*
 * certstatusd -n: every problem tls_ctx_new() would stop at, each handed
 * to report as one line.  Returns the number of problems.
 */
int	 tls_check(const struct config *conf,
	    void (*report)(void *arg, const char *problem), void *arg);

#endif
