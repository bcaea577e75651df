/* SPDX-License-Identifier: ISC */
/*
 * tls.c: the OpenSSL server context behind tls-listen (http.c makes one
 * SSL per connection from it).
 *
 * The profile is Mozilla's "intermediate" without its finite-field DHE
 * suites: TLS 1.2 and 1.3 only, TLS 1.2 with ECDHE and AES-GCM or
 * ChaCha20-Poly1305 only, TLS 1.3 with OpenSSL's default suites (all AEAD).
 * No renegotiation (a client could make us do handshakes for free) and no
 * compression (CRIME).
 *
 * With tls-client-ca the server asks for a client certificate and names
 * those CAs, but never requires one: residents at the online counter have
 * none.  A certificate that does not verify does not end the handshake
 * either; it is simply not trusted (http_client_cert() returns it only
 * when the verification passed), so a relying party with a wrong
 * certificate gets an answer it can read (403, unauthorized) rather than a
 * TLS alert.
 *
 * The same steps build the context and check the files for certstatusd
 * -n: each problem goes to a report callback; building stops being useful
 * at the first one, checking lists them all.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "p11.h"
#include "pki.h"
#include "tls.h"

#define TLS12_CIPHERS	"ECDHE-ECDSA-AES128-GCM-SHA256:" \
			"ECDHE-RSA-AES128-GCM-SHA256:" \
			"ECDHE-ECDSA-AES256-GCM-SHA384:" \
			"ECDHE-RSA-AES256-GCM-SHA384:" \
			"ECDHE-ECDSA-CHACHA20-POLY1305:" \
			"ECDHE-RSA-CHACHA20-POLY1305"
#define TLS_SESSION_ID	"certstatusd"	/* session id context */
#define TLS_PROBLEM_MAX	512		/* bytes of one problem line */

/* The reason of OpenSSL's first queued error (the queue is cleared). */
static const char *
ssl_reason(void)
{
	unsigned long	 e, first = 0;
	const char	*r;

	while ((e = ERR_get_error()) != 0)
		if (first == 0)
			first = e;
	if (first == 0)
		return "unknown OpenSSL error";
	if ((r = ERR_reason_error_string(first)) == NULL)
		return "OpenSSL error";
	return r;
}

static void
problem(void (*report)(void *, const char *), void *arg, int *n,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
problem(void (*report)(void *, const char *), void *arg, int *n,
    const char *fmt, ...)
{
	char	 buf[TLS_PROBLEM_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(*n)++;
	report(arg, buf);
}

/*
 * A client certificate that does not verify is noted, not fatal (see the
 * top of this file): SSL_get_verify_result() keeps the error.
 */
static int
verify_cb(int ok, X509_STORE_CTX *x)
{
	if (!ok)
		log_debug("tls: client certificate at depth %d: %s",
		    X509_STORE_CTX_get_error_depth(x),
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(x)));
	return 1;
}

/* A file we can open for reading: 0, or -1 with the problem reported. */
static int
readable(const char *what, const char *path,
    void (*report)(void *, const char *), void *arg, int *n)
{
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL) {
		problem(report, arg, n, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

/* The protocol profile: 0, or -1 (reported). */
static int
tls_profile(SSL_CTX *ctx, void (*report)(void *, const char *), void *arg,
    int *n)
{
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		problem(report, arg, n, "tls: cannot set the protocol profile: "
		    "%s", ssl_reason());
		return -1;
	}
	/*
	 * SSL_OP_IGNORE_UNEXPECTED_EOF: a keep-alive client that closes
	 * without close_notify (most HTTP clients) is an end, not an error;
	 * HTTP frames its messages itself, so no truncation goes unseen.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* idle keep-alive connections need not hold 34 kB of buffers each */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_set_session_id_context(ctx,
	    (const unsigned char *)TLS_SESSION_ID, strlen(TLS_SESSION_ID)) != 1) {
		problem(report, arg, n, "tls: session id context: %s",
		    ssl_reason());
		return -1;
	}
	return 0;
}

/* The certificate chain and its key into ctx. */
static void
tls_identity(SSL_CTX *ctx, const struct config *conf,
    void (*report)(void *, const char *), void *arg, int *n)
{
	char		 err[CONFIG_ERR_MAX];
	EVP_PKEY	*key = NULL;
	int		 have_cert = 0;

	if (readable("tls-cert", conf->tls_cert, report, arg, n) == 0) {
		if (SSL_CTX_use_certificate_chain_file(ctx, conf->tls_cert) != 1)
			problem(report, arg, n, "tls-cert %s: %s", conf->tls_cert,
			    ssl_reason());
		else
			have_cert = 1;
	}
	/*
	 * pki_key_load() as for every other key: owner-only mode, and an
	 * encrypted key refused rather than a passphrase prompt (which would
	 * hang a SIGHUP).
	 */
	if (p11_is_uri(conf->tls_key)) {
		problem(report, arg, n, "tls-key %s: a key on a token is not "
		    "supported for TLS", conf->tls_key);
		return;
	}
	if ((key = pki_key_load(conf->tls_key, err, sizeof(err))) == NULL) {
		problem(report, arg, n, "tls-key: %s", err);
		ERR_clear_error();
		return;
	}
	/* SSL_CTX_use_PrivateKey() refuses a key that is not the cert's */
	if (have_cert && X509_check_private_key(SSL_CTX_get0_certificate(ctx),
	    key) != 1) {
		problem(report, arg, n, "tls-key %s does not match tls-cert %s",
		    conf->tls_key, conf->tls_cert);
		ERR_clear_error();
	} else if (SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    (have_cert && SSL_CTX_check_private_key(ctx) != 1))
		problem(report, arg, n, "tls-key %s: %s", conf->tls_key,
		    ssl_reason());
	EVP_PKEY_free(key);
}

/* tls-client-ca: trusted for client certificates, and named to clients. */
static void
tls_client_ca(SSL_CTX *ctx, const struct config *conf,
    void (*report)(void *, const char *), void *arg, int *n)
{
	STACK_OF(X509_NAME)	*names;

	if (conf->tls_client_ca == NULL ||
	    readable("tls-client-ca", conf->tls_client_ca, report, arg, n) != 0)
		return;
	if (SSL_CTX_load_verify_locations(ctx, conf->tls_client_ca,
	    NULL) != 1) {
		problem(report, arg, n, "tls-client-ca %s: %s",
		    conf->tls_client_ca, ssl_reason());
		return;
	}
	if ((names = SSL_load_client_CA_file(conf->tls_client_ca)) == NULL) {
		problem(report, arg, n, "tls-client-ca %s: no certificates",
		    conf->tls_client_ca);
		ERR_clear_error();
		return;
	}
	SSL_CTX_set_client_CA_list(ctx, names);		/* takes names */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
}

/* Every step; the context, with *n the number of problems reported. */
static SSL_CTX *
tls_build(const struct config *conf, void (*report)(void *, const char *),
    void *arg, int *n)
{
	SSL_CTX		*ctx;

	*n = 0;
	if (conf->tls_cert == NULL || conf->tls_key == NULL) {
		problem(report, arg, n, "tls-listen needs tls-cert and tls-key");
		return NULL;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		problem(report, arg, n, "tls: %s", ssl_reason());
		return NULL;
	}
	if (tls_profile(ctx, report, arg, n) != 0)
		return ctx;
	tls_identity(ctx, conf, report, arg, n);
	tls_client_ca(ctx, conf, report, arg, n);
	return ctx;
}

struct first_problem {
	char	*buf;
	size_t	 len;
	int	 seen;
};

static void
keep_first(void *arg, const char *msg)
{
	struct first_problem	*f = arg;

	if (!f->seen)
		snprintf(f->buf, f->len, "%s", msg);
	f->seen = 1;
}

SSL_CTX *
tls_ctx_new(const struct config *conf, char *err, size_t errlen)
{
	struct first_problem	 f = { err, errlen, 0 };
	SSL_CTX			*ctx;
	int			 n;

	ctx = tls_build(conf, keep_first, &f, &n);
	if (n > 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
tls_check(const struct config *conf, void (*report)(void *, const char *),
    void *arg)
{
	int	 n;

	SSL_CTX_free(tls_build(conf, report, arg, &n));
	return n;
}
