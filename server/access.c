/* SPDX-License-Identifier: ISC */
/*
 * access.c: the registered relying parties and the decision who may ask
 * (access.h).
 *
 * A party is pinned by its certificate: the one registered is the trust
 * anchor, so no chain is built and the certificates a signed request
 * carries are never trusted (ocsp_request_parse() drops them unread).  A
 * signed request is matched by its requestorName against the registered
 * certificates' subjects, and OpenSSL's OCSP_request_verify() checks the
 * signature with that certificate's key only (OCSP_NOINTERN: never with
 * one the request brings).
 *
 * Parties are few (the platform operators a city registers), so lookups
 * are linear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "access.h"
#include "db.h"

/*
 * Signature algorithms a request may be signed with: SHA-2 with RSA
 * (PKCS#1 v1.5 or PSS), ECDSA with SHA-2, EdDSA.  Not SHA-1, MD5, DSA.
 */
static const int sig_nids[] = {
	NID_sha256WithRSAEncryption, NID_sha384WithRSAEncryption,
	NID_sha512WithRSAEncryption, NID_rsassaPss,
	NID_ecdsa_with_SHA256, NID_ecdsa_with_SHA384, NID_ecdsa_with_SHA512,
	NID_ED25519, NID_ED448,
};

/* --- the parties ------------------------------------------------------- */

enum { REFUSED_SIG, REFUSED_UNAUTH, REFUSED_RATE, REFUSED_COUNT };
static const char *refused_names[REFUSED_COUNT] = {
	"sig_required", "unauthorized", "rate_limited",
};

struct party {
	int64_t		 id;
	char		*name;
	X509		*cert;
	STACK_OF(X509)	*only;		/* just cert: what a signature may use */
	unsigned char	 fp[EVP_MAX_MD_SIZE];	/* SHA-256 of the DER */
	time_t		 not_before, not_after;
	int		 rate;		/* per second; 0: unlimited */
	double		 tokens;
	int64_t		 filled_us;	/* tokens counted up to then */
	uint64_t	 requests;	/* answered */
	uint64_t	 refused[REFUSED_COUNT];
};

struct access {
	struct party	*v;
	size_t		 n;
	uint64_t	 refused[REFUSED_COUNT];	/* every refusal */
};

static void
party_clear(struct party *p)
{
	free(p->name);
	sk_X509_free(p->only);
	X509_free(p->cert);
	memset(p, 0, sizeof(*p));
}

static int
asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm	 tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return -1;
	*out = timegm(&tm);
	return 0;
}

static int
party_make(struct party *p, const struct db_party *row)
{
	const unsigned char	*d = row->cert;
	unsigned int		 fplen;

	memset(p, 0, sizeof(*p));
	p->id = row->id;
	p->rate = row->rate;
	if ((p->name = strdup(row->name)) == NULL ||
	    (p->cert = d2i_X509(NULL, &d, (long)row->cert_len)) == NULL ||
	    d != row->cert + row->cert_len ||
	    (p->only = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(p->only, p->cert) ||
	    !X509_digest(p->cert, EVP_sha256(), p->fp, &fplen) ||
	    asn1_time(X509_get0_notBefore(p->cert), &p->not_before) != 0 ||
	    asn1_time(X509_get0_notAfter(p->cert), &p->not_after) != 0) {
		ERR_clear_error();
		party_clear(p);
		return -1;
	}
	p->tokens = p->rate > 0 ? p->rate : 0;
	return 0;
}

struct access *
access_new(void)
{
	return calloc(1, sizeof(struct access));
}

static void
parties_free(struct party *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		party_clear(&v[i]);
	free(v);
}

void
access_free(struct access *a)
{
	if (a == NULL)
		return;
	parties_free(a->v, a->n);
	free(a);
}

int
access_set_parties(struct access *a, const struct db_party *rows, size_t n,
    char *why, size_t whylen)
{
	struct party	*v = NULL;
	size_t		 k = 0;
	int		 skipped = 0;

	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		/*
		 * certctl checks a certificate before it registers it: one
		 * that does not decode was written behind its back.  That
		 * party is not authorized (fail closed for it alone); the
		 * others, and open mode, go on.
		 */
		if (party_make(&v[k], &rows[i]) != 0) {
			if (skipped++ == 0)
				snprintf(why, whylen, "relying party %s: its "
				    "certificate does not decode: refused",
				    rows[i].name);
			continue;
		}
		/* one still registered keeps what it has counted */
		for (size_t j = 0; j < a->n; j++) {
			struct party	*old = &a->v[j];

			if (old->id != v[k].id)
				continue;
			v[k].requests = old->requests;
			memcpy(v[k].refused, old->refused, sizeof(v[k].refused));
			if (old->rate == v[k].rate) {
				v[k].tokens = old->tokens;
				v[k].filled_us = old->filled_us;
			}
			break;
		}
		k++;
	}
	parties_free(a->v, a->n);
	a->v = v;
	a->n = k;
	return skipped;
}

int
access_load(struct access *a, struct db *db, char *why, size_t whylen)
{
	struct db_party	*rows;
	size_t		 n;
	int		 rc;

	if (db_parties_load(db, &rows, &n) != 0) {
		snprintf(why, whylen, "relying parties: %s", db_errmsg(db));
		return -1;
	}
	rc = access_set_parties(a, rows, n, why, whylen);
	db_parties_free(rows, n);
	return rc;
}

size_t
access_count(const struct access *a)
{
	return a->n;
}

const char *
access_party_name(const struct access *a, int party)
{
	return party >= 0 && (size_t)party < a->n ? a->v[party].name : NULL;
}

/* --- the decision ------------------------------------------------------ */

static enum access_verdict
refuse(struct access *a, struct party *p, enum access_verdict v,
    struct access_who *who, const char *why)
{
	int	 k = v == ACCESS_SIG_REQUIRED ? REFUSED_SIG :
		    v == ACCESS_RATE_LIMITED ? REFUSED_RATE : REFUSED_UNAUTH;

	a->refused[k]++;
	if (p != NULL) {
		p->refused[k]++;
		who->party = (int)(p - a->v);
	}
	who->why = why;
	return v;
}

static int
party_valid(const struct party *p, time_t now)
{
	return p->not_before <= now && now <= p->not_after;
}

/* Take one request from the party's bucket: 1, or 0 when it is empty. */
static int
party_take(struct party *p, int64_t now_us)
{
	double	 burst;

	if (p->rate <= 0)
		return 1;
	burst = p->rate;
	if (p->filled_us != 0 && now_us > p->filled_us)
		p->tokens += (double)(now_us - p->filled_us) * p->rate / 1e6;
	if (p->tokens > burst)
		p->tokens = burst;
	p->filled_us = now_us;
	if (p->tokens < 1.0)
		return 0;
	p->tokens -= 1.0;
	return 1;
}

/* Counted as answered, unless over its rate. */
static enum access_verdict
admit(struct access *a, struct party *p, int64_t now_us,
    struct access_who *who)
{
	who->party = (int)(p - a->v);
	if (!party_take(p, now_us))
		return refuse(a, p, ACCESS_RATE_LIMITED, who,
		    "over the party's rate");
	p->requests++;
	return ACCESS_OK;
}

static struct party *
party_by_cert(struct access *a, X509 *cert)
{
	unsigned char	 fp[EVP_MAX_MD_SIZE];
	unsigned int	 len;

	if (!X509_digest(cert, EVP_sha256(), fp, &len)) {
		ERR_clear_error();
		return NULL;
	}
	for (size_t i = 0; i < a->n; i++)
		if (memcmp(a->v[i].fp, fp, len) == 0)
			return &a->v[i];
	return NULL;
}

static int
sig_accepted(int nid)
{
	for (size_t i = 0; i < sizeof(sig_nids) / sizeof(sig_nids[0]); i++)
		if (sig_nids[i] == nid)
			return 1;
	return 0;
}

/* A signed request: the party whose key signed it, or a refusal. */
static enum access_verdict
signed_request(struct access *a, const struct ocsp_request *r, time_t now,
    int64_t now_us, struct access_who *who)
{
	struct party		*named = NULL;
	int			 tried = 0, expired = 0;

	if (!sig_accepted(r->sig_nid))
		return refuse(a, NULL, ACCESS_UNAUTHORIZED, who,
		    "signature algorithm not accepted");
	if (r->sig_certs > ACCESS_SIG_CERTS_MAX)
		return refuse(a, NULL, ACCESS_UNAUTHORIZED, who,
		    "too many certificates beside the signature");
	if (r->requestor == NULL)
		return refuse(a, NULL, ACCESS_UNAUTHORIZED, who,
		    "requestorName is not a directory name");
	for (size_t i = 0; i < a->n && tried < ACCESS_NAME_MATCHES_MAX; i++) {
		struct party	*pt = &a->v[i];

		if (X509_NAME_cmp(X509_get_subject_name(pt->cert),
		    r->requestor) != 0)
			continue;
		named = pt;
		if (!party_valid(pt, now)) {
			expired = 1;
			continue;
		}
		tried++;
		if (OCSP_request_verify(r->req, pt->only, NULL, OCSP_NOINTERN |
		    OCSP_NOVERIFY | OCSP_NOCHAIN | OCSP_NOEXPLICIT) == 1) {
			ERR_clear_error();
			return admit(a, pt, now_us, who);
		}
		ERR_clear_error();
	}
	if (named == NULL)
		return refuse(a, NULL, ACCESS_UNAUTHORIZED, who,
		    "requestorName is no registered party");
	if (tried == 0 && expired)
		return refuse(a, named, ACCESS_UNAUTHORIZED, who,
		    "the party's certificate is not valid now");
	return refuse(a, named, ACCESS_UNAUTHORIZED, who,
	    "signature does not verify with the party's key");
}

/* A client certificate the handshake verified: registered and valid? */
static enum access_verdict
client_party(struct access *a, X509 *client, time_t now, int64_t now_us,
    struct access_who *who)
{
	struct party	*p = party_by_cert(a, client);

	if (p == NULL)
		return refuse(a, NULL, ACCESS_UNAUTHORIZED, who,
		    "client certificate is no registered party's");
	if (!party_valid(p, now))
		return refuse(a, p, ACCESS_UNAUTHORIZED, who,
		    "the party's certificate is not valid now");
	return admit(a, p, now_us, who);
}

enum access_verdict
access_ocsp(struct access *a, const struct ocsp_request *r, X509 *client,
    int registered, time_t now, int64_t now_us, struct access_who *who)
{
	who->party = -1;
	who->why = NULL;
	who->signed_req = r->signed_req;
	if (!registered)
		return ACCESS_OK;
	if (who->signed_req)
		return signed_request(a, r, now, now_us, who);
	if (client != NULL)
		return client_party(a, client, now, now_us, who);
	return refuse(a, NULL, ACCESS_SIG_REQUIRED, who,
	    "unsigned request without a client certificate");
}

enum access_verdict
access_crl(struct access *a, X509 *client, int registered, time_t now,
    int64_t now_us, struct access_who *who)
{
	who->party = -1;
	who->why = NULL;
	who->signed_req = 0;
	if (!registered)
		return ACCESS_OK;
	if (client == NULL)
		return refuse(a, NULL, ACCESS_UNAUTHORIZED, who,
		    "CRLs only over HTTPS with a registered client "
		    "certificate");
	return client_party(a, client, now, now_us, who);
}

/*
 * A party's name as a label value: certctl allows only [A-Za-z0-9._-], but
 * a row written behind its back must not break the exposition format.
 */
static const char *
label(const char *name, char *buf, size_t len)
{
	size_t	 o = 0;

	for (; *name != '\0' && o + 3 < len; name++) {
		if (*name == '"' || *name == '\\')
			buf[o++] = '\\';
		buf[o++] = *name == '\n' ? '_' : *name;
	}
	buf[o] = '\0';
	return buf;
}

void
access_metrics(const struct access *a, struct evbuffer *b)
{
	char	 l[160];

	evbuffer_add_printf(b, "# HELP certstatus_parties relying parties "
	    "registered (certctl party).\n# TYPE certstatus_parties gauge\n"
	    "certstatus_parties %zu\n", a->n);
	evbuffer_add_printf(b, "# HELP certstatus_access_refused_total OCSP "
	    "requests and CRL downloads refused by ocsp-access, by reason.\n"
	    "# TYPE certstatus_access_refused_total counter\n");
	for (int k = 0; k < REFUSED_COUNT; k++)
		evbuffer_add_printf(b, "certstatus_access_refused_total"
		    "{reason=\"%s\"} %llu\n", refused_names[k],
		    (unsigned long long)a->refused[k]);
	evbuffer_add_printf(b, "# HELP certstatus_party_requests_total OCSP "
	    "requests and CRL downloads answered, per relying party.\n"
	    "# TYPE certstatus_party_requests_total counter\n");
	for (size_t i = 0; i < a->n; i++)
		evbuffer_add_printf(b, "certstatus_party_requests_total"
		    "{party=\"%s\"} %llu\n", label(a->v[i].name, l, sizeof(l)),
		    (unsigned long long)a->v[i].requests);
	evbuffer_add_printf(b, "# HELP certstatus_party_refused_total "
	    "requests refused that named a relying party, by reason.\n"
	    "# TYPE certstatus_party_refused_total counter\n");
	for (size_t i = 0; i < a->n; i++)
		for (int k = REFUSED_UNAUTH; k < REFUSED_COUNT; k++)
			evbuffer_add_printf(b, "certstatus_party_refused_total"
			    "{party=\"%s\",reason=\"%s\"} %llu\n",
			    label(a->v[i].name, l, sizeof(l)),
			    refused_names[k],
			    (unsigned long long)a->v[i].refused[k]);
}
