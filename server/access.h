/* SPDX-License-Identifier: ISC */
/*
 * access.h: who may ask (README "Who may ask").  With ocsp-access
 * registered, an OCSP answer or a CRL goes only to a relying party that
 * certctl party add registered: identified by the certificate that signed
 * its OCSP request (RFC 6960 4.1.2) or by its TLS client certificate.
 *
 * The decision is pure (no libevent, no database): the parties are handed
 * in as rows (access_set_parties) and time is a parameter, so
 * tests/check_access.c runs every case without a server.  The server loads
 * the rows from the registry at start and whenever it changes
 * (access_load), so a removed party is refused within poll-interval-ms.
 */
#ifndef CERTSTATUSD_ACCESS_H
#define CERTSTATUSD_ACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "ocsp.h"

struct db;
struct db_party;
struct evbuffer;

#define ACCESS_SIG_CERTS_MAX	8	/* certificates beside a request signature */
#define ACCESS_NAME_MATCHES_MAX	4	/* parties tried for one requestorName */

enum access_verdict {
	ACCESS_OK,		/* answer it */
	ACCESS_SIG_REQUIRED,	/* unsigned, no registered client certificate */
	ACCESS_UNAUTHORIZED,	/* not a registered party, or a bad signature */
	ACCESS_RATE_LIMITED	/* the party asked faster than its rate */
};

/* What the decision found out, for the answer and the counters. */
struct access_who {
	int		 party;		/* index among the parties, -1: none */
	int		 signed_req;	/* the request carries a signature */
	const char	*why;		/* a static reason for a refusal */
};

struct access;

/* An empty set (every registered-mode request refused); NULL on no memory. */
struct access	*access_new(void);
void		 access_free(struct access *a);

/*
 * Replace the parties by these rows.  A party still there (same id) keeps
 * its counters and rate bucket.  A row whose certificate does not decode
 * is left out (that party is refused).  Returns how many were left out
 * (why names the first), or -1 when memory ran out (the set unchanged).
 */
int		 access_set_parties(struct access *a, const struct db_party *v,
		    size_t n, char *why, size_t whylen);
/* access_set_parties() with the registry's rows (db_parties_load); -1
 * also when they cannot be read. */
int		 access_load(struct access *a, struct db *db, char *why,
		    size_t whylen);
size_t		 access_count(const struct access *a);

/*
 * May this OCSP request be answered?  r is the parsed request (signed or
 * not: ocsp_request_parse), client the verified TLS client certificate or
 * NULL.  When
 * registered is 0 every request is answered (who->signed_req still says
 * whether it was signed).  Otherwise: a signed request must name (as a
 * directoryName requestorName) and be signed by the key of a registered,
 * currently valid party's certificate, with an accepted signature
 * algorithm and at most ACCESS_SIG_CERTS_MAX certificates beside it; an
 * unsigned one needs a registered client certificate.  Counts the request
 * or the refusal for the party.  now is the wall clock (validity), now_us
 * the monotonic clock (rates).
 */
enum access_verdict access_ocsp(struct access *a,
		    const struct ocsp_request *r, X509 *client, int registered,
		    time_t now, int64_t now_us, struct access_who *who);
/*
 * May this client have a CRL?  Only a registered client certificate, when
 * registered; counted like access_ocsp().
 */
enum access_verdict access_crl(struct access *a, X509 *client, int registered,
		    time_t now, int64_t now_us, struct access_who *who);

/* The party's name (who->party), or NULL. */
const char	*access_party_name(const struct access *a, int party);

/* The counters in Prometheus text format, appended to out. */
void		 access_metrics(const struct access *a, struct evbuffer *out);

#endif
