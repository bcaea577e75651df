/* SPDX-License-Identifier: ISC */
/*
 * crlgen.c: streaming CRL builder (see crlgen.h).
 *
 * No DER is written by hand: every value and every SEQUENCE header comes from
 * OpenSSL (i2d_*, ASN1_put_object, ASN1_object_size).  The entries' bytes are
 * appended to one buffer; at the end that buffer is grown to the final size,
 * the entries moved up in place, the TBSCertList's other pieces written
 * around them, the TBS signed where it lies, and the signature appended, so
 * the entries are never copied into a second buffer.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "crlgen.h"
#include "log.h"

/*
 * Upper bound on one entry's DER: SEQUENCE { INTEGER (<= 21 octets),
 * GeneralizedTime (15), Extensions { reasonCode } (16) } is under 70 octets.
 */
#define CRLGEN_ENTRY_DER_MAX	256	/* bytes */
#define CRLGEN_BUF_INITIAL	(64 * 1024)	/* bytes */
#define OID_EXPIRED_CERTS_ON_CRL "2.5.29.60"

struct crlgen {
	X509		*issuer;
	EVP_PKEY	*key;
	uint64_t	 number;
	int64_t		 delta_base;
	time_t		 this_update, next_update;
	char		*freshest_url;
	char		*idp_url;
	time_t		 expired_certs_on_crl;

	/*
	 * Two reused entry objects: X509_REVOKED_delete_ext() leaves an empty
	 * extension stack that i2d writes as an empty SEQUENCE (30 00), which
	 * Extensions SIZE (1..MAX) forbids; so entries without a reasonCode
	 * use an object that never had an extension.
	 */
	X509_REVOKED	*rev_plain;	/* never has extensions */
	X509_REVOKED	*rev_coded;	/* always has exactly one reasonCode */
	int		 coded_reason;	/* the reasonCode now on rev_coded */
	ASN1_INTEGER	*serial;
	ASN1_TIME	*when;
	time_t		 when_t;	/* value in `when` when when_ok, to skip re-formatting */
	int		 when_ok;

	unsigned char	*buf;		/* the entries' DER, back to back */
	size_t		 len, cap;
	size_t		 count;
	int		 finished;
};

static int
reason_valid(int reason, int delta)
{
	if (reason == CRL_REASON_NONE)
		return 1;
	if (reason < 1 || reason > 10 || reason == 7)
		return 0;
	return reason != CRL_REASON_REMOVE_FROM_CRL || delta;
}

struct crlgen *
crlgen_new(const struct crlgen_params *p)
{
	struct crlgen	*g;
	int		 type;

	if (p->issuer == NULL || p->key == NULL) {
		log_warnx("%s: issuer and key are required", __func__);
		return NULL;
	}
	type = EVP_PKEY_get_base_id(p->key);
	if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
		log_warnx("%s: CA key type %d: only RSA and EC sign CRLs", __func__, type);
		return NULL;
	}
	if (X509_check_private_key(p->issuer, p->key) != 1) {
		log_ssl("%s: CA key does not match the CA certificate", __func__);
		return NULL;
	}
	if (p->next_update <= p->this_update) {
		log_warnx("%s: nextUpdate not after thisUpdate", __func__);
		return NULL;
	}
	if (p->delta_base < -1) {
		log_warnx("%s: bad delta base %lld", __func__, (long long)p->delta_base);
		return NULL;
	}
	if (p->delta_base >= 0 && p->freshest_url != NULL) {
		log_warnx("%s: freshestCRL belongs on a full CRL, not a delta", __func__);
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	g->number = p->number;
	g->delta_base = p->delta_base;
	g->this_update = p->this_update;
	g->next_update = p->next_update;
	g->expired_certs_on_crl = p->expired_certs_on_crl;
	g->coded_reason = CRL_REASON_NONE;
	if (p->freshest_url != NULL &&
	    (g->freshest_url = strdup(p->freshest_url)) == NULL) {
		log_warn("%s: strdup", __func__);
		goto fail;
	}
	if (p->idp_url != NULL && (g->idp_url = strdup(p->idp_url)) == NULL) {
		log_warn("%s: strdup", __func__);
		goto fail;
	}
	if ((g->rev_plain = X509_REVOKED_new()) == NULL ||
	    (g->rev_coded = X509_REVOKED_new()) == NULL ||
	    (g->serial = ASN1_INTEGER_new()) == NULL ||
	    (g->when = ASN1_TIME_new()) == NULL) {
		log_ssl("%s: allocation", __func__);
		goto fail;
	}
	if (X509_up_ref(p->issuer) != 1) {
		log_ssl("%s: X509_up_ref", __func__);
		goto fail;
	}
	g->issuer = p->issuer;
	if (EVP_PKEY_up_ref(p->key) != 1) {
		log_ssl("%s: EVP_PKEY_up_ref", __func__);
		goto fail;
	}
	g->key = p->key;
	return g;
 fail:
	crlgen_free(g);
	return NULL;
}

void
crlgen_free(struct crlgen *g)
{
	if (g == NULL)
		return;
	X509_free(g->issuer);
	EVP_PKEY_free(g->key);
	free(g->freshest_url);
	free(g->idp_url);
	X509_REVOKED_free(g->rev_plain);
	X509_REVOKED_free(g->rev_coded);
	ASN1_INTEGER_free(g->serial);
	ASN1_TIME_free(g->when);
	free(g->buf);
	free(g);
}

size_t
crlgen_count(const struct crlgen *g)
{
	return g->count;
}

/* Make room for n more bytes; doubling keeps appends amortised O(1). */
static int
buf_reserve(struct crlgen *g, size_t n)
{
	unsigned char	*nb;
	size_t		 ncap;

	if (g->cap - g->len >= n)
		return 0;
	ncap = g->cap ? g->cap : CRLGEN_BUF_INITIAL;
	while (ncap - g->len < n) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if ((nb = realloc(g->buf, ncap)) == NULL) {
		log_warn("%s: realloc %zu", __func__, ncap);
		return -1;
	}
	g->buf = nb;
	g->cap = ncap;
	return 0;
}

/* Set the reasonCode on rev_coded, unless it already carries that one. */
static int
entry_set_reason(struct crlgen *g, int reason)
{
	ASN1_ENUMERATED	*e;
	int		 rc = -1;

	if (reason == g->coded_reason)
		return 0;
	if ((e = ASN1_ENUMERATED_new()) != NULL &&
	    ASN1_ENUMERATED_set(e, reason) == 1 &&
	    X509_REVOKED_add1_ext_i2d(g->rev_coded, NID_crl_reason, e, 0,
	    X509V3_ADD_REPLACE) == 1) {
		g->coded_reason = reason;
		rc = 0;
	}
	ASN1_ENUMERATED_free(e);
	return rc;
}

int
crlgen_add(struct crlgen *g, const struct serial *s, time_t revoked_at, int reason)
{
	X509_REVOKED	*rev;
	unsigned char	*p;
	size_t		 off = 0;
	int		 n;

	if (g->finished) {
		log_warnx("%s: CRL already finished", __func__);
		return -1;
	}
	while (off < s->len && off < SERIAL_MAX && s->b[off] == 0)
		off++;
	if (s->len > SERIAL_MAX || off == s->len) {
		log_warnx("%s: bad serial (length %zu)", __func__, s->len);
		return -1;
	}
	if (!reason_valid(reason, g->delta_base >= 0)) {
		log_warnx("%s: reason %d not allowed in a %s CRL", __func__,
		    reason, g->delta_base >= 0 ? "delta" : "full");
		return -1;
	}
	if (reason == CRL_REASON_NONE)
		rev = g->rev_plain;
	else {
		rev = g->rev_coded;
		if (entry_set_reason(g, reason) == -1)
			goto fail;
	}
	/* A positive ASN1_INTEGER holds the magnitude; i2d adds any 00 pad. */
	if (ASN1_STRING_set(g->serial, s->b + off, (int)(s->len - off)) != 1 ||
	    X509_REVOKED_set_serialNumber(rev, g->serial) != 1)
		goto fail;
	if (!g->when_ok || revoked_at != g->when_t) {
		g->when_ok = 0;
		if (ASN1_TIME_set(g->when, revoked_at) == NULL)
			goto fail;
		g->when_t = revoked_at;
		g->when_ok = 1;
	}
	if (X509_REVOKED_set_revocationDate(rev, g->when) != 1)
		goto fail;
	if (buf_reserve(g, CRLGEN_ENTRY_DER_MAX) == -1)
		return -1;
	p = g->buf + g->len;
	if ((n = i2d_X509_REVOKED(rev, &p)) <= 0)
		goto fail;
	g->len += n;
	g->count++;
	return 0;
 fail:
	log_ssl("%s: encoding entry", __func__);
	return -1;
}

/* The CRL's signature AlgorithmIdentifier: SHA-256 with the key's algorithm. */
static X509_ALGOR *
sig_algor(EVP_PKEY *key)
{
	X509_ALGOR	*alg;
	int		 type = EVP_PKEY_get_base_id(key), sig_nid;

	if (OBJ_find_sigid_by_algs(&sig_nid, NID_sha256, type) != 1)
		return NULL;
	if ((alg = X509_ALGOR_new()) == NULL)
		return NULL;
	/* RFC 4055: NULL parameters for RSA; RFC 5758: absent for ECDSA. */
	if (X509_ALGOR_set0(alg, OBJ_nid2obj(sig_nid),
	    type == EVP_PKEY_RSA ? V_ASN1_NULL : V_ASN1_UNDEF, NULL) != 1) {
		X509_ALGOR_free(alg);
		return NULL;
	}
	return alg;
}

static AUTHORITY_KEYID *
issuer_akid(X509 *issuer)
{
	AUTHORITY_KEYID			*akid;
	const ASN1_OCTET_STRING		*ski;
	unsigned char			 md[EVP_MAX_MD_SIZE];
	unsigned int			 mdlen;

	if ((akid = AUTHORITY_KEYID_new()) == NULL ||
	    (akid->keyid = ASN1_OCTET_STRING_new()) == NULL)
		goto fail;
	if ((ski = X509_get0_subject_key_id(issuer)) != NULL) {
		if (ASN1_STRING_copy(akid->keyid, ski) != 1)
			goto fail;
	} else {
		/* RFC 5280 4.2.1.2 method (1): SHA-1 of subjectPublicKey. */
		if (X509_pubkey_digest(issuer, EVP_sha1(), md, &mdlen) != 1 ||
		    ASN1_OCTET_STRING_set(akid->keyid, md, mdlen) != 1)
			goto fail;
	}
	return akid;
 fail:
	AUTHORITY_KEYID_free(akid);
	return NULL;
}

/* DistributionPointName fullName [ URI ]: as freshestCRL and the IDP hold it. */
static DIST_POINT_NAME *
dp_name_uri(const char *url)
{
	DIST_POINT_NAME	*dpn = NULL;
	GENERAL_NAME	*gn = NULL;
	ASN1_IA5STRING	*uri = NULL;

	if ((dpn = DIST_POINT_NAME_new()) == NULL ||
	    (dpn->name.fullname = GENERAL_NAMES_new()) == NULL ||
	    (gn = GENERAL_NAME_new()) == NULL ||
	    (uri = ASN1_IA5STRING_new()) == NULL ||
	    ASN1_STRING_set(uri, url, -1) != 1)
		goto fail;
	dpn->type = 0;	/* fullName */
	GENERAL_NAME_set0_value(gn, GEN_URI, uri);
	uri = NULL;
	if (sk_GENERAL_NAME_push(dpn->name.fullname, gn) <= 0)
		goto fail;
	return dpn;
 fail:
	ASN1_IA5STRING_free(uri);
	GENERAL_NAME_free(gn);
	DIST_POINT_NAME_free(dpn);
	return NULL;
}

static CRL_DIST_POINTS *
freshest_dps(const char *url)
{
	CRL_DIST_POINTS	*dps = NULL;
	DIST_POINT	*dp = NULL;

	if ((dps = sk_DIST_POINT_new_null()) == NULL ||
	    (dp = DIST_POINT_new()) == NULL ||
	    (dp->distpoint = dp_name_uri(url)) == NULL)
		goto fail;
	if (sk_DIST_POINT_push(dps, dp) <= 0)
		goto fail;
	return dps;
 fail:
	DIST_POINT_free(dp);
	CRL_DIST_POINTS_free(dps);
	return NULL;
}

/*
 * RFC 5280 5.2.5: only distributionPoint, the other fields at their
 * DEFAULT FALSE / absent (all kinds of certificate, all reasons), so the
 * scope is exactly "the certificates whose cRLDistributionPoints names url".
 */
static ISSUING_DIST_POINT *
issuing_dp(const char *url)
{
	ISSUING_DIST_POINT	*idp;

	if ((idp = ISSUING_DIST_POINT_new()) == NULL)
		return NULL;
	if ((idp->distpoint = dp_name_uri(url)) == NULL) {
		ISSUING_DIST_POINT_free(idp);
		return NULL;
	}
	return idp;
}

/* ExpiredCertsOnCRL ::= GeneralizedTime (X.509 (2019) 9.6.2.9); no OpenSSL NID. */
static int
add_expired_certs_on_crl(STACK_OF(X509_EXTENSION) **exts, time_t t)
{
	ASN1_GENERALIZEDTIME	*gt = NULL;
	ASN1_OCTET_STRING	*os = NULL;
	ASN1_OBJECT		*obj = NULL;
	X509_EXTENSION		*ext = NULL;
	unsigned char		*der = NULL;
	int			 n, rc = -1;

	if ((gt = ASN1_GENERALIZEDTIME_set(NULL, t)) == NULL ||
	    (n = i2d_ASN1_GENERALIZEDTIME(gt, &der)) <= 0 ||
	    (os = ASN1_OCTET_STRING_new()) == NULL)
		goto done;
	ASN1_STRING_set0(os, der, n);
	der = NULL;
	if ((obj = OBJ_txt2obj(OID_EXPIRED_CERTS_ON_CRL, 1)) == NULL ||
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) == NULL ||
	    X509v3_add_ext(exts, ext, -1) == NULL)
		goto done;
	rc = 0;
 done:
	OPENSSL_free(der);
	ASN1_GENERALIZEDTIME_free(gt);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	X509_EXTENSION_free(ext);
	return rc;
}

static STACK_OF(X509_EXTENSION) *
crl_extensions(const struct crlgen *g)
{
	STACK_OF(X509_EXTENSION)	*exts = NULL;
	AUTHORITY_KEYID			*akid = NULL;
	ASN1_INTEGER			*num = NULL, *base = NULL;
	CRL_DIST_POINTS			*dps = NULL;
	ISSUING_DIST_POINT		*idp = NULL;

	if ((akid = issuer_akid(g->issuer)) == NULL ||
	    X509V3_add1_i2d(&exts, NID_authority_key_identifier, akid, 0,
	    X509V3_ADD_APPEND) != 1)
		goto fail;
	if ((num = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_uint64(num, g->number) != 1 ||
	    X509V3_add1_i2d(&exts, NID_crl_number, num, 0, X509V3_ADD_APPEND) != 1)
		goto fail;
	if (g->delta_base >= 0 &&
	    ((base = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_int64(base, g->delta_base) != 1 ||
	    X509V3_add1_i2d(&exts, NID_delta_crl, base, 1, X509V3_ADD_APPEND) != 1))
		goto fail;
	/* critical: a relying party that cannot read the scope must not
	 * take a partition's CRL for the complete one (RFC 5280 5.2.5) */
	if (g->idp_url != NULL &&
	    ((idp = issuing_dp(g->idp_url)) == NULL ||
	    X509V3_add1_i2d(&exts, NID_issuing_distribution_point, idp, 1,
	    X509V3_ADD_APPEND) != 1))
		goto fail;
	if (g->freshest_url != NULL &&
	    ((dps = freshest_dps(g->freshest_url)) == NULL ||
	    X509V3_add1_i2d(&exts, NID_freshest_crl, dps, 0, X509V3_ADD_APPEND) != 1))
		goto fail;
	if (g->expired_certs_on_crl != 0 &&
	    add_expired_certs_on_crl(&exts, g->expired_certs_on_crl) == -1)
		goto fail;
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(num);
	ASN1_INTEGER_free(base);
	CRL_DIST_POINTS_free(dps);
	ISSUING_DIST_POINT_free(idp);
	return exts;
 fail:
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(num);
	ASN1_INTEGER_free(base);
	CRL_DIST_POINTS_free(dps);
	ISSUING_DIST_POINT_free(idp);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return NULL;
}

/* Length of the identifier and length octets for `len` content octets. */
static size_t
hdr_len(int constructed, size_t len, int tag)
{
	return (size_t)ASN1_object_size(constructed, (int)len, tag) - len;
}

/* The DER pieces of TBSCertList other than the entries, in order. */
enum { P_VERSION, P_ALG, P_ISSUER, P_THIS, P_NEXT, P_EXTS, P_COUNT };

unsigned char *
crlgen_finish(struct crlgen *g, size_t *out_len)
{
	unsigned char			*der[P_COUNT] = { NULL };
	size_t				 dlen[P_COUNT] = { 0 };
	ASN1_INTEGER			*version = NULL;
	X509_ALGOR			*alg = NULL;
	ASN1_TIME			*tu = NULL, *nu = NULL;
	STACK_OF(X509_EXTENSION)	*exts = NULL;
	ASN1_BIT_STRING			*bits = NULL;
	EVP_MD_CTX			*mctx = NULL;
	unsigned char			*sig = NULL, *bits_der = NULL;
	unsigned char			*p, *tbs, *nb, *out = NULL;
	size_t				 rev_hdr = 0, exts_hdr, tbs_content, tbs_total;
	size_t				 pre, sig_max, sig_len, bits_max, outer_max;
	size_t				 outer_hdr_max, outer_hdr, content;
	int				 n, bits_len, i;

	if (g->finished) {
		log_warnx("%s: CRL already finished", __func__);
		return NULL;
	}
	g->finished = 1;

	if ((version = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set(version, 1) != 1 ||		/* v2 */
	    (alg = sig_algor(g->key)) == NULL ||
	    (tu = ASN1_TIME_set(NULL, g->this_update)) == NULL ||
	    (nu = ASN1_TIME_set(NULL, g->next_update)) == NULL ||
	    (exts = crl_extensions(g)) == NULL)
		goto fail;
	if ((n = i2d_ASN1_INTEGER(version, &der[P_VERSION])) <= 0)
		goto fail;
	dlen[P_VERSION] = n;
	if ((n = i2d_X509_ALGOR(alg, &der[P_ALG])) <= 0)
		goto fail;
	dlen[P_ALG] = n;
	if ((n = i2d_X509_NAME(X509_get_subject_name(g->issuer), &der[P_ISSUER])) <= 0)
		goto fail;
	dlen[P_ISSUER] = n;
	if ((n = i2d_ASN1_TIME(tu, &der[P_THIS])) <= 0)
		goto fail;
	dlen[P_THIS] = n;
	if ((n = i2d_ASN1_TIME(nu, &der[P_NEXT])) <= 0)
		goto fail;
	dlen[P_NEXT] = n;
	if ((n = i2d_X509_EXTENSIONS(exts, &der[P_EXTS])) <= 0)
		goto fail;
	dlen[P_EXTS] = n;

	/* Sizes first: every header length follows from its content length. */
	sig_max = (size_t)EVP_PKEY_get_size(g->key);
	if (g->len > INT_MAX / 2) {
		log_warnx("%s: %zu bytes of entries: too large for one CRL", __func__, g->len);
		goto done;
	}
	if (g->count > 0)
		rev_hdr = hdr_len(1, g->len, V_ASN1_SEQUENCE);
	exts_hdr = hdr_len(1, dlen[P_EXTS], 0);
	tbs_content = rev_hdr + g->len + exts_hdr + dlen[P_EXTS];
	for (i = P_VERSION; i < P_EXTS; i++)
		tbs_content += dlen[i];
	tbs_total = (size_t)ASN1_object_size(1, (int)tbs_content, V_ASN1_SEQUENCE);
	pre = tbs_total - tbs_content;
	for (i = P_VERSION; i < P_EXTS; i++)
		pre += dlen[i];
	pre += rev_hdr;
	bits_max = (size_t)ASN1_object_size(0, (int)sig_max + 1, V_ASN1_BIT_STRING);
	content = tbs_total + dlen[P_ALG] + bits_max;
	outer_max = (size_t)ASN1_object_size(1, (int)content, V_ASN1_SEQUENCE);
	outer_hdr_max = outer_max - content;

	/* Grow in place (mremap for large blocks) and move the entries up. */
	if ((nb = realloc(g->buf, outer_max)) == NULL) {
		log_warn("%s: realloc %zu", __func__, outer_max);
		goto fail;
	}
	g->buf = nb;
	g->cap = outer_max;
	tbs = g->buf + outer_hdr_max;
	if (g->len > 0)
		memmove(tbs + pre, g->buf, g->len);
	p = tbs;
	ASN1_put_object(&p, 1, (int)tbs_content, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	for (i = P_VERSION; i < P_EXTS; i++) {
		memcpy(p, der[i], dlen[i]);
		p += dlen[i];
	}
	if (g->count > 0)
		ASN1_put_object(&p, 1, (int)g->len, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	p += g->len;
	ASN1_put_object(&p, 1, (int)dlen[P_EXTS], 0, V_ASN1_CONTEXT_SPECIFIC);
	memcpy(p, der[P_EXTS], dlen[P_EXTS]);
	p += dlen[P_EXTS];
	if ((size_t)(p - tbs) != tbs_total) {
		log_warnx("%s: TBS length %zu, expected %zu", __func__,
		    (size_t)(p - tbs), tbs_total);
		goto fail;
	}

	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, g->key) != 1 ||
	    (sig = malloc(sig_max)) == NULL)
		goto fail;
	sig_len = sig_max;
	if (EVP_DigestSign(mctx, sig, &sig_len, tbs, tbs_total) != 1)
		goto fail;
	if ((bits = ASN1_BIT_STRING_new()) == NULL ||
	    ASN1_BIT_STRING_set(bits, sig, (int)sig_len) != 1)
		goto fail;
	/* A signature is whole octets: say "0 unused bits", don't let i2d trim. */
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	if ((bits_len = i2d_ASN1_BIT_STRING(bits, &bits_der)) <= 0 ||
	    (size_t)bits_len > bits_max)
		goto fail;

	/* ECDSA signatures vary in length: the outer header may be shorter. */
	content = tbs_total + dlen[P_ALG] + bits_len;
	outer_hdr = (size_t)ASN1_object_size(1, (int)content, V_ASN1_SEQUENCE) - content;
	if (outer_hdr < outer_hdr_max)
		memmove(g->buf + outer_hdr, tbs, tbs_total);
	p = g->buf;
	ASN1_put_object(&p, 1, (int)content, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	p += tbs_total;
	memcpy(p, der[P_ALG], dlen[P_ALG]);
	p += dlen[P_ALG];
	memcpy(p, bits_der, bits_len);
	p += bits_len;

	out = g->buf;
	*out_len = p - out;
	g->buf = NULL;
	g->len = g->cap = 0;
	goto done;
 fail:
	log_ssl("%s: building the CRL", __func__);
 done:
	for (i = 0; i < P_COUNT; i++)
		OPENSSL_free(der[i]);
	ASN1_INTEGER_free(version);
	X509_ALGOR_free(alg);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ASN1_BIT_STRING_free(bits);
	OPENSSL_free(bits_der);
	EVP_MD_CTX_free(mctx);
	free(sig);
	return out;
}
