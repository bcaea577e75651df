/* SPDX-License-Identifier: ISC */
/*
 * ocsp.c: OCSP request decoding, issuer matching, response signing and the
 * signer job message (see ocsp.h).
 *
 * Everything ASN.1 goes through OpenSSL.  Two places look at DER headers
 * with ASN1_get_object() because OpenSSL 3.0 has no accessor for them: the
 * request version and the CertID hash algorithm parameters.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "db.h"
#include "log.h"
#include "ocsp.h"
#include "reason.h"
#include "serial.h"

/*
 * RFC 6960 4.4.8 id-pkix-ocsp-extended-revoke, 1.3.6.1.5.5.7.48.1.9.
 * OpenSSL's object table still calls this arc "valid" (from a draft); its
 * "extendedStatus" (48.1.8) is RFC 6960's preferred signature algorithms.
 */
#define NID_ocsp_extended_revoke	NID_id_pkix_OCSP_valid

static const struct {
	int		 nid;
	const char	*name;
	size_t		 len;
} hash_algs[OCSP_HASH_COUNT] = {
	[OCSP_HASH_SHA1] =	{ NID_sha1,	"SHA1",		20 },
	[OCSP_HASH_SHA256] =	{ NID_sha256,	"SHA256",	32 },
	[OCSP_HASH_SHA384] =	{ NID_sha384,	"SHA384",	48 },
	[OCSP_HASH_SHA512] =	{ NID_sha512,	"SHA512",	64 },
};

/*
 * ocsp_issuer_hashes: name hash over the DER subject, key hash over the
 * subjectPublicKey BIT STRING contents, as OCSP_cert_id_new() computes them.
 */
int
ocsp_issuer_hashes(X509 *issuer, struct ocsp_issuer_hashes *out)
{
	const unsigned char	*name, *key;
	const ASN1_BIT_STRING	*bits;
	size_t			 name_len;
	unsigned int		 dlen;
	EVP_MD			*md = NULL;
	int			 rc = -1, h;

	memset(out, 0, sizeof(*out));
	if (issuer == NULL ||
	    !X509_NAME_get0_der(X509_get_subject_name(issuer), &name, &name_len) ||
	    (bits = X509_get0_pubkey_bitstr(issuer)) == NULL)
		goto done;
	key = ASN1_STRING_get0_data(bits);
	for (h = 0; h < OCSP_HASH_COUNT; h++) {
		if ((md = EVP_MD_fetch(NULL, hash_algs[h].name, NULL)) == NULL)
			goto done;
		if (!EVP_Digest(name, name_len, out->name[h], &dlen, md, NULL) ||
		    dlen != hash_algs[h].len ||
		    !EVP_Digest(key, ASN1_STRING_length(bits), out->key[h],
		    &dlen, md, NULL) || dlen != hash_algs[h].len)
			goto done;
		out->len[h] = dlen;
		EVP_MD_free(md);
		md = NULL;
	}
	rc = 0;
 done:
	EVP_MD_free(md);
	if (rc == -1)
		log_ssl("%s: cannot hash the issuer", __func__);
	return rc;
}

int
ocsp_issuer_match(const struct ocsp_issuer_hashes *h,
    const struct ocsp_certid *id)
{
	if (id->hash >= OCSP_HASH_COUNT || id->hash_len != h->len[id->hash] ||
	    id->hash_len == 0)
		return 0;
	return memcmp(id->name_hash, h->name[id->hash], id->hash_len) == 0 &&
	    memcmp(id->key_hash, h->key[id->hash], id->hash_len) == 0;
}

/*
 * The signature part of an OCSPRequest (RFC 6960 4.1.1) as OpenSSL
 * templates of our own: OpenSSL 3.0 has no getter for requestorName, the
 * signatureAlgorithm or the certificates.  REQ_WHOLE keeps tbsRequest as
 * its bytes (an ANY re-encodes exactly what came, so what was signed is
 * unchanged when the request is encoded again without its certificates);
 * REQ_TBS reads the requestorName from those bytes; the certificates stay
 * undecoded ANYs.
 */
typedef struct {
	X509_ALGOR		*alg;
	ASN1_BIT_STRING		*sig;
	STACK_OF(ASN1_TYPE)	*certs;
} REQ_SIG;

typedef struct {
	ASN1_TYPE		*tbs;
	REQ_SIG			*sig;
} REQ_WHOLE;

typedef struct {
	ASN1_INTEGER		*version;
	GENERAL_NAME		*requestor;
	STACK_OF(ASN1_TYPE)	*list;
	ASN1_TYPE		*exts;
} REQ_TBS;

ASN1_SEQUENCE(REQ_SIG) = {
	ASN1_SIMPLE(REQ_SIG, alg, X509_ALGOR),
	ASN1_SIMPLE(REQ_SIG, sig, ASN1_BIT_STRING),
	ASN1_EXP_SEQUENCE_OF_OPT(REQ_SIG, certs, ASN1_ANY, 0)
} static_ASN1_SEQUENCE_END(REQ_SIG)

ASN1_SEQUENCE(REQ_WHOLE) = {
	ASN1_SIMPLE(REQ_WHOLE, tbs, ASN1_ANY),
	ASN1_EXP_OPT(REQ_WHOLE, sig, REQ_SIG, 0)
} static_ASN1_SEQUENCE_END(REQ_WHOLE)

ASN1_SEQUENCE(REQ_TBS) = {
	ASN1_EXP_OPT(REQ_TBS, version, ASN1_INTEGER, 0),
	ASN1_EXP_OPT(REQ_TBS, requestor, GENERAL_NAME, 1),
	ASN1_SEQUENCE_OF(REQ_TBS, list, ASN1_ANY),
	ASN1_EXP_OPT(REQ_TBS, exts, ASN1_ANY, 2)
} static_ASN1_SEQUENCE_END(REQ_TBS)

/*
 * 1 when something follows tbsRequest inside the OCSPRequest (the
 * optionalSignature, or garbage d2i will refuse), 0 when not, -1 when the
 * headers do not parse.  Headers only: unsigned requests pay nothing more.
 */
static int
request_has_more(const unsigned char *der, size_t len)
{
	const unsigned char	*p = der, *end;
	long			 plen;
	int			 tag, xclass;

	if (ASN1_get_object(&p, &plen, &tag, &xclass, (long)len) & 0x80)
		return -1;
	end = p + plen;
	if (ASN1_get_object(&p, &plen, &tag, &xclass, end - p) & 0x80)
		return -1;
	return p + plen < end;
}

/*
 * A signed request: record its signature's algorithm, certificate count
 * and requestorName in out, and when certificates came, put in *bare the
 * request re-encoded without them (the caller OPENSSL_free()s it).  0, -1
 * malformed (*why), -2 out of memory.
 */
static int
request_signature(const unsigned char *der, size_t len,
    struct ocsp_request *out, unsigned char **bare, int *bare_len,
    const char **why)
{
	const unsigned char	*p = der;
	const unsigned char	*t;
	const ASN1_OBJECT	*obj;
	REQ_WHOLE		*w;
	REQ_TBS			*tbs = NULL;
	int			 rc = -1;

	*bare = NULL;
	*bare_len = 0;
	w = (REQ_WHOLE *)ASN1_item_d2i(NULL, &p, (long)len,
	    ASN1_ITEM_rptr(REQ_WHOLE));
	if (w == NULL || (size_t)(p - der) != len ||
	    w->tbs->type != V_ASN1_SEQUENCE) {
		*why = w == NULL ? "not DER" : "trailing data";
		goto done;
	}
	if (w->sig == NULL) {
		*why = "trailing data";
		goto done;
	}
	t = w->tbs->value.sequence->data;
	if ((tbs = (REQ_TBS *)ASN1_item_d2i(NULL, &t,
	    w->tbs->value.sequence->length, ASN1_ITEM_rptr(REQ_TBS))) == NULL) {
		*why = "not DER";
		goto done;
	}
	out->signed_req = 1;
	X509_ALGOR_get0(&obj, NULL, NULL, w->sig->alg);
	out->sig_nid = OBJ_obj2nid(obj);
	out->sig_certs = sk_ASN1_TYPE_num(w->sig->certs);
	if (out->sig_certs < 0)
		out->sig_certs = 0;
	if (tbs->requestor != NULL && tbs->requestor->type == GEN_DIRNAME &&
	    (out->requestor = X509_NAME_dup(
	    tbs->requestor->d.directoryName)) == NULL) {
		*why = "out of memory";
		rc = -2;
		goto done;
	}
	if (out->sig_certs > 0) {
		sk_ASN1_TYPE_pop_free(w->sig->certs, ASN1_TYPE_free);
		w->sig->certs = NULL;
		if ((*bare_len = ASN1_item_i2d((ASN1_VALUE *)w, bare,
		    ASN1_ITEM_rptr(REQ_WHOLE))) <= 0) {
			*bare = NULL;
			*why = "out of memory";
			rc = -2;
			goto done;
		}
	}
	rc = 0;
 done:
	ASN1_item_free((ASN1_VALUE *)tbs, ASN1_ITEM_rptr(REQ_TBS));
	ASN1_item_free((ASN1_VALUE *)w, ASN1_ITEM_rptr(REQ_WHOLE));
	return rc;
}

/*
 * The version of a request that d2i_OCSP_REQUEST() accepted: OCSPRequest
 * and tbsRequest headers, then an optional [0] EXPLICIT INTEGER.
 */
static int
request_version(const unsigned char *der, size_t len, int64_t *version)
{
	const unsigned char	*p = der, *end = der + len;
	ASN1_INTEGER		*v = NULL;
	long			 plen;
	int			 tag, xclass, i, rc = -1;

	for (i = 0; i < 3; i++) {
		if (ASN1_get_object(&p, &plen, &tag, &xclass, end - p) & 0x80)
			goto done;
	}
	if (xclass != V_ASN1_CONTEXT_SPECIFIC || tag != 0) {
		*version = 0;	/* DEFAULT v1 */
		rc = 0;
		goto done;
	}
	if ((v = d2i_ASN1_INTEGER(NULL, &p, end - p)) == NULL ||
	    !ASN1_INTEGER_get_int64(version, v))
		goto done;
	rc = 0;
 done:
	ASN1_INTEGER_free(v);
	return rc;
}

/*
 * Reject unknown critical extensions, repeated extensions and more than
 * OCSP_EXT_MAX of them.  known lists the NIDs this responder understands.
 */
static int
exts_check(X509_EXTENSION **ext, int n, const int *known, size_t nknown,
    const char **why)
{
	const ASN1_OBJECT	*obj;
	size_t			 k;
	int			 i, j, nid;

	if (n > OCSP_EXT_MAX) {
		*why = "too many extensions";
		return -1;
	}
	for (i = 0; i < n; i++) {
		obj = X509_EXTENSION_get_object(ext[i]);
		for (j = 0; j < i; j++) {
			if (OBJ_cmp(obj, X509_EXTENSION_get_object(ext[j])) == 0) {
				*why = "duplicate extension";
				return -1;
			}
		}
		if (X509_EXTENSION_get_critical(ext[i]) <= 0)
			continue;
		nid = OBJ_obj2nid(obj);
		for (k = 0; k < nknown; k++)
			if (nid != NID_undef && nid == known[k])
				break;
		if (k == nknown) {
			*why = "unsupported critical extension";
			return -1;
		}
	}
	return 0;
}

/* RFC 9654: extnValue is the DER of an OCTET STRING of 1..128 octets. */
static int
nonce_get(X509_EXTENSION *ext, struct ocsp_request *out, const char **why)
{
	const ASN1_OCTET_STRING	*v = X509_EXTENSION_get_data(ext);
	const unsigned char	*p, *start;
	long			 total, plen;
	int			 tag, xclass, ret;

	start = p = ASN1_STRING_get0_data(v);
	total = ASN1_STRING_length(v);
	ret = ASN1_get_object(&p, &plen, &tag, &xclass, total);
	if (ret != 0 || tag != V_ASN1_OCTET_STRING ||
	    xclass != V_ASN1_UNIVERSAL || (p - start) + plen != total ||
	    ASN1_object_size(0, plen, V_ASN1_OCTET_STRING) != total) {
		*why = "nonce not OCTET STRING";
		return -1;
	}
	if (plen < 1 || plen > OCSP_NONCE_MAX) {
		*why = "nonce length";
		return -1;
	}
	memcpy(out->nonce, p, plen);
	out->nonce_len = plen;
	out->has_nonce = 1;
	return 0;
}

static int
request_exts(OCSP_REQUEST *req, struct ocsp_request *out, const char **why)
{
	static const int	 known[] = {
		NID_id_pkix_OCSP_Nonce,
		NID_id_pkix_OCSP_acceptableResponses,	/* basic is always one */
	};
	X509_EXTENSION		*ext[OCSP_EXT_MAX];
	int			 i, n;

	if ((n = OCSP_REQUEST_get_ext_count(req)) > OCSP_EXT_MAX) {
		*why = "too many extensions";
		return -1;
	}
	for (i = 0; i < n; i++)
		ext[i] = OCSP_REQUEST_get_ext(req, i);
	if (exts_check(ext, n, known, sizeof(known) / sizeof(known[0]),
	    why) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (OBJ_obj2nid(X509_EXTENSION_get_object(ext[i])) ==
		    NID_id_pkix_OCSP_Nonce && nonce_get(ext[i], out, why) == -1)
			return -1;
	}
	return 0;
}

static int
onereq_exts(OCSP_ONEREQ *one, const char **why)
{
	static const int	 known[] = {
		NID_id_pkix_OCSP_serviceLocator,	/* we are authoritative */
	};
	X509_EXTENSION		*ext[OCSP_EXT_MAX];
	int			 i, n;

	if ((n = OCSP_ONEREQ_get_ext_count(one)) == 0)
		return 0;
	if (n > OCSP_EXT_MAX) {
		*why = "too many extensions";
		return -1;
	}
	for (i = 0; i < n; i++)
		ext[i] = OCSP_ONEREQ_get_ext(one, i);
	return exts_check(ext, n, known, sizeof(known) / sizeof(known[0]), why);
}

/*
 * The hashAlgorithm parameters must be absent or NULL.  OpenSSL 3.0 has no
 * accessor for a CertID's AlgorithmIdentifier, so look at its encoding.
 */
static int
certid_check_der(OCSP_CERTID *cid, const char **why)
{
	unsigned char		 buf[OCSP_CERTID_DER_MAX], *q = buf;
	const unsigned char	*p = buf, *end, *alg_end;
	long			 plen;
	int			 n, tag, xclass;

	n = i2d_OCSP_CERTID(cid, NULL);
	if (n <= 0 || n > (int)sizeof(buf)) {
		*why = "CertID too large";
		return -1;
	}
	if (i2d_OCSP_CERTID(cid, &q) != n)
		goto bad;
	end = buf + n;
	/* CertID, then AlgorithmIdentifier: both DER, definite lengths. */
	if (ASN1_get_object(&p, &plen, &tag, &xclass, end - p) != 0x20 ||
	    ASN1_get_object(&p, &plen, &tag, &xclass, end - p) != 0x20)
		goto bad;
	alg_end = p + plen;
	if (ASN1_get_object(&p, &plen, &tag, &xclass, alg_end - p) != 0 ||
	    tag != V_ASN1_OBJECT)
		goto bad;
	p += plen;
	if (p == alg_end)
		return 0;
	if (ASN1_get_object(&p, &plen, &tag, &xclass, alg_end - p) == 0 &&
	    tag == V_ASN1_NULL && xclass == V_ASN1_UNIVERSAL && plen == 0 &&
	    p == alg_end)
		return 0;
 bad:
	*why = "unsupported hash";
	return -1;
}

static int
certid_parse(OCSP_CERTID *cid, struct ocsp_certid *out, const char **why)
{
	ASN1_OCTET_STRING	*nh = NULL, *kh = NULL;
	ASN1_OBJECT		*md = NULL;
	ASN1_INTEGER		*sn = NULL;
	int			 h, nid;

	if (!OCSP_id_get0_info(&nh, &md, &kh, &sn, cid) || nh == NULL ||
	    md == NULL || kh == NULL || sn == NULL) {
		*why = "bad CertID";
		return -1;
	}
	nid = OBJ_obj2nid(md);
	for (h = 0; h < OCSP_HASH_COUNT; h++)
		if (nid != NID_undef && hash_algs[h].nid == nid)
			break;
	if (h == OCSP_HASH_COUNT) {
		*why = "unsupported hash";
		return -1;
	}
	if ((size_t)ASN1_STRING_length(nh) != hash_algs[h].len ||
	    (size_t)ASN1_STRING_length(kh) != hash_algs[h].len) {
		*why = "bad hash length";
		return -1;
	}
	if (certid_check_der(cid, why) == -1)
		return -1;
	out->hash = h;
	out->hash_len = hash_algs[h].len;
	memcpy(out->name_hash, ASN1_STRING_get0_data(nh), out->hash_len);
	memcpy(out->key_hash, ASN1_STRING_get0_data(kh), out->hash_len);
	out->serial_ok = serial_from_asn1(sn, &out->serial) == 0;
	if (!out->serial_ok)
		memset(&out->serial, 0, sizeof(out->serial));
	out->id = cid;
	return 0;
}

/*
 * ocsp_request_parse: d2i from memory only (a BIO read would trust the DER
 * length), then the checks of ocsp.h.  The parsed OCSP_REQUEST is kept so
 * the CertIDs need no copy.
 */
int
ocsp_request_parse(const unsigned char *der, size_t len, size_t max_ids,
    struct ocsp_request *out, const char **why)
{
	const unsigned char	*p = der;
	OCSP_REQUEST		*req = NULL;
	OCSP_ONEREQ		*one;
	int64_t			 version;
	unsigned char		*bare = NULL;
	int			 bare_len = 0;
	long			 plen;
	int			 i, n, rc = -1;

	memset(out, 0, sizeof(*out));
	*why = "internal error";
	if (der == NULL || len == 0) {
		*why = "empty";
		goto done;
	}
	if (len > LONG_MAX) {
		*why = "too long";
		goto done;
	}
	plen = (long)len;
	switch (request_has_more(der, len)) {
	case -1:
		*why = "not DER";
		goto done;
	case 1:
		if ((rc = request_signature(der, len, out, &bare, &bare_len,
		    why)) != 0)
			goto done;
		rc = -1;
		if (bare != NULL) {
			p = bare;
			plen = bare_len;
		}
		break;
	}
	if ((req = d2i_OCSP_REQUEST(NULL, &p, plen)) == NULL) {
		*why = "not DER";
		goto done;
	}
	if (p - (bare != NULL ? bare : der) != plen) {
		*why = "trailing data";
		goto done;
	}
	if (request_version(der, len, &version) == -1 || version != 0) {
		*why = "version";
		goto done;
	}
	n = OCSP_request_onereq_count(req);
	if (n <= 0) {
		*why = "no CertIDs";
		goto done;
	}
	if ((size_t)n > max_ids) {
		*why = "too many CertIDs";
		goto done;
	}
	if (request_exts(req, out, why) == -1)
		goto done;
	if ((out->ids = calloc(n, sizeof(*out->ids))) == NULL) {
		*why = "out of memory";
		rc = -2;
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((one = OCSP_request_onereq_get0(req, i)) == NULL) {
			*why = "bad CertID";
			goto done;
		}
		if (onereq_exts(one, why) == -1 ||
		    certid_parse(OCSP_onereq_get0_id(one), &out->ids[i],
		    why) == -1)
			goto done;
	}
	out->n = n;
	out->req = req;
	req = NULL;
	rc = 0;
 done:
	OCSP_REQUEST_free(req);
	OPENSSL_free(bare);
	if (rc != 0) {
		free(out->ids);
		X509_NAME_free(out->requestor);
		memset(out, 0, sizeof(*out));
		ERR_clear_error();
	}
	return rc;
}

void
ocsp_request_clear(struct ocsp_request *r)
{
	if (r == NULL)
		return;
	free(r->ids);
	OCSP_REQUEST_free(r->req);
	X509_NAME_free(r->requestor);
	memset(r, 0, sizeof(*r));
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode whole quartets of chunk[0..n) onto out; n % 4 == 0. */
static int
get_flush(const char *chunk, size_t n, unsigned char *out, size_t *outpos,
    size_t cap)
{
	int	 r;

	if (n == 0)
		return 0;
	if (*outpos + n / 4 * 3 > cap)
		return -1;
	r = EVP_DecodeBlock(out + *outpos, (const unsigned char *)chunk, n);
	if (r < 0 || (size_t)r != n / 4 * 3)
		return -1;
	*outpos += r;
	return 0;
}

/*
 * ocsp_get_decode: map escapes and base64url onto the standard alphabet in a
 * small chunk, check padding, and let EVP_DecodeBlock() do the decoding.
 * EVP_DecodeBlock() counts padding as zero octets and tolerates '=' in odd
 * places, so '=' is handled here: only at the end, at most two, and the
 * quartet is restored before decoding.
 */
int
ocsp_get_decode(const char *path, size_t max_len, unsigned char **der,
    size_t *der_len)
{
	char		 chunk[256];
	unsigned char	*out = NULL;
	size_t		 plen, cap, outpos = 0, nc = 0, ndata = 0, npad = 0;
	int		 c, hi, lo, rc = -1;

	*der = NULL;
	*der_len = 0;
	if (path == NULL || max_len == 0)
		goto done;
	if (max_len > SIZE_MAX / 8)
		max_len = SIZE_MAX / 8;
	while (*path == '/')
		path++;
	plen = strlen(path);
	/* Each octet takes 4/3 characters, each character up to 3 (%XX). */
	if (plen == 0 || plen / 3 > (max_len + 2) / 3 * 4 + 2)
		goto done;
	cap = (plen + 3) / 4 * 3;
	if (cap > max_len + 2)
		cap = max_len + 2;
	if ((out = malloc(cap)) == NULL) {
		rc = -2;
		goto done;
	}

	for (; *path != '\0'; path++) {
		c = (unsigned char)*path;
		if (c == '%') {
			if ((hi = hexval((unsigned char)path[1])) == -1 ||
			    (lo = hexval((unsigned char)path[2])) == -1)
				goto done;
			c = hi << 4 | lo;
			path += 2;
		}
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		if (c == '=') {
			if (++npad > 2)
				goto done;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			goto done;	/* includes %00 */
		if (npad > 0)
			goto done;	/* data after padding */
		if (nc == sizeof(chunk)) {
			if (get_flush(chunk, nc, out, &outpos, cap) == -1)
				goto done;
			nc = 0;
		}
		chunk[nc++] = c;
		ndata++;
	}
	if (ndata % 4 == 1)
		goto done;
	/* Padding may be missing or short, never in excess. */
	if (npad > (4 - ndata % 4) % 4)
		goto done;
	npad = (4 - ndata % 4) % 4;
	memset(chunk + nc, '=', npad);
	if (get_flush(chunk, nc + npad, out, &outpos, cap) == -1)
		goto done;
	outpos -= npad;
	if (outpos == 0 || outpos > max_len)
		goto done;
	*der = out;
	*der_len = outpos;
	out = NULL;
	rc = 0;
 done:
	free(out);
	return rc;
}

static int
time_set(ASN1_GENERALIZEDTIME **t, time_t when)
{
	ASN1_GENERALIZEDTIME	*r;

	if ((r = ASN1_GENERALIZEDTIME_set(*t, when)) == NULL)
		return -1;
	*t = r;
	return 0;
}

/* RFC 6960 4.4.8: extnValue NULL, never critical. */
static int
add_extended_revoke(OCSP_BASICRESP *bs)
{
	ASN1_NULL		*null = NULL;
	ASN1_OCTET_STRING	*val = NULL;
	X509_EXTENSION		*ext = NULL;
	int			 rc = -1;

	if ((null = ASN1_NULL_new()) == NULL ||
	    ASN1_item_pack(null, ASN1_ITEM_rptr(ASN1_NULL), &val) == NULL ||
	    (ext = X509_EXTENSION_create_by_NID(NULL, NID_ocsp_extended_revoke,
	    0, val)) == NULL ||
	    !OCSP_BASICRESP_add_ext(bs, ext, -1))
		goto done;
	rc = 0;
 done:
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(val);
	ASN1_NULL_free(null);
	return rc;
}

static int
reason_ok(int reason)
{
	return reason == -1 || reason_name(reason) != NULL;
}

EVP_MD_CTX *
ocsp_sign_prepare(EVP_PKEY *key)
{
	EVP_MD_CTX	*ctx;

	if (key == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		return NULL;
	if (!EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key,
	    NULL)) {
		log_ssl("%s: the key cannot sign with SHA-256", __func__);
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

unsigned char *
ocsp_response_sign(EVP_PKEY *key, X509 *signer, const struct ocsp_single *s,
    size_t n, const unsigned char *nonce, size_t nonce_len,
    int extended_revoke, time_t produced_at, size_t *out_len)
{
	EVP_MD_CTX	*prepared;
	unsigned char	*der;

	*out_len = 0;
	if (key == NULL || (prepared = ocsp_sign_prepare(key)) == NULL) {
		log_warnx("%s: bad arguments", __func__);
		return NULL;
	}
	der = ocsp_response_sign_prepared(prepared, signer, s, n, nonce,
	    nonce_len, extended_revoke, produced_at, out_len);
	EVP_MD_CTX_free(prepared);
	return der;
}

/*
 * producedAt is set through the getter's pointer (OpenSSL 3.0 has no
 * setter) and OCSP_NOTIME keeps OCSP_basic_sign_ctx() from overwriting it
 * with the wall clock.
 */
unsigned char *
ocsp_response_sign_prepared(const EVP_MD_CTX *prepared, X509 *signer,
    const struct ocsp_single *s, size_t n, const unsigned char *nonce,
    size_t nonce_len, int extended_revoke, time_t produced_at,
    size_t *out_len)
{
	OCSP_BASICRESP		*bs = NULL;
	OCSP_RESPONSE		*resp = NULL;
	EVP_MD_CTX		*ctx = NULL;
	ASN1_GENERALIZEDTIME	*rev = NULL, *thisupd = NULL, *nextupd = NULL;
	ASN1_GENERALIZEDTIME	*produced;
	unsigned char		 nbuf[OCSP_NONCE_MAX], *der = NULL;
	size_t			 i;
	int			 len, status;

	*out_len = 0;
	if (prepared == NULL || signer == NULL || s == NULL || n == 0 ||
	    nonce_len > OCSP_NONCE_MAX || (nonce_len > 0 && nonce == NULL)) {
		log_warnx("%s: bad arguments", __func__);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (s[i].id == NULL || (unsigned)s[i].status > OCSP_ST_UNKNOWN ||
		    (s[i].status == OCSP_ST_REVOKED && !reason_ok(s[i].reason))) {
			log_warnx("%s: bad entry %zu", __func__, i);
			return NULL;
		}
	}
	if ((bs = OCSP_BASICRESP_new()) == NULL)
		goto done;
	for (i = 0; i < n; i++) {
		switch (s[i].status) {
		case OCSP_ST_GOOD:
			status = V_OCSP_CERTSTATUS_GOOD;
			break;
		case OCSP_ST_REVOKED:
			status = V_OCSP_CERTSTATUS_REVOKED;
			if (time_set(&rev, s[i].revoked_at) == -1)
				goto done;
			break;
		case OCSP_ST_UNKNOWN:
			status = V_OCSP_CERTSTATUS_UNKNOWN;
			break;
		default:
			goto done;
		}
		if (time_set(&thisupd, s[i].this_update) == -1 ||
		    (s[i].next_update != 0 &&
		    time_set(&nextupd, s[i].next_update) == -1))
			goto done;
		/* add1 duplicates the CertID; it only reads it. */
		if (OCSP_basic_add1_status(bs, (OCSP_CERTID *)s[i].id, status,
		    s[i].reason, rev, thisupd,
		    s[i].next_update != 0 ? nextupd : NULL) == NULL)
			goto done;
	}
	if (nonce_len > 0) {
		memcpy(nbuf, nonce, nonce_len);
		if (!OCSP_basic_add1_nonce(bs, nbuf, (int)nonce_len))
			goto done;
	}
	if (extended_revoke && add_extended_revoke(bs) == -1)
		goto done;
	produced = (ASN1_GENERALIZEDTIME *)OCSP_resp_get0_produced_at(bs);
	if (produced == NULL ||
	    ASN1_GENERALIZEDTIME_set(produced, produced_at) == NULL)
		goto done;
	/* a copy: signing consumes the context's digest state */
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_MD_CTX_copy_ex(ctx, prepared) ||
	    !OCSP_basic_sign_ctx(bs, signer, ctx, NULL,
	    OCSP_RESPID_KEY | OCSP_NOTIME))
		goto done;
	if ((resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL)
		goto done;
	if ((len = i2d_OCSP_RESPONSE(resp, &der)) <= 0) {
		der = NULL;
		goto done;
	}
	*out_len = len;
 done:
	if (der == NULL)
		log_ssl("%s: cannot build the response", __func__);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	EVP_MD_CTX_free(ctx);
	ASN1_GENERALIZEDTIME_free(rev);
	ASN1_GENERALIZEDTIME_free(thisupd);
	ASN1_GENERALIZEDTIME_free(nextupd);
	OPENSSL_cleanse(nbuf, sizeof(nbuf));
	return der;
}

/* Encoded once; an unsigned OCSPResponse is a few octets. */
#define ERR_STATUS_MAX	OCSP_RESPONSE_STATUS_UNAUTHORIZED
static unsigned char	err_der[ERR_STATUS_MAX + 1][16];
static size_t		err_len[ERR_STATUS_MAX + 1];
static CRYPTO_ONCE	err_once = CRYPTO_ONCE_STATIC_INIT;

static void
err_init(void)
{
	static const int	 codes[] = {
		OCSP_RESPONSE_STATUS_MALFORMEDREQUEST,
		OCSP_RESPONSE_STATUS_INTERNALERROR,
		OCSP_RESPONSE_STATUS_TRYLATER,
		OCSP_RESPONSE_STATUS_SIGREQUIRED,
		OCSP_RESPONSE_STATUS_UNAUTHORIZED,
	};
	OCSP_RESPONSE		*resp;
	unsigned char		*p;
	size_t			 i;
	int			 len;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		if ((resp = OCSP_response_create(codes[i], NULL)) == NULL)
			continue;
		len = i2d_OCSP_RESPONSE(resp, NULL);
		if (len > 0 && (size_t)len <= sizeof(err_der[0])) {
			p = err_der[codes[i]];
			if (i2d_OCSP_RESPONSE(resp, &p) == len)
				err_len[codes[i]] = len;
		}
		OCSP_RESPONSE_free(resp);
	}
	ERR_clear_error();
}

const unsigned char *
ocsp_response_error(int status, size_t *out_len)
{
	*out_len = 0;
	if (status <= OCSP_RESPONSE_STATUS_SUCCESSFUL || status > ERR_STATUS_MAX)
		return NULL;
	if (!CRYPTO_THREAD_run_once(&err_once, err_init) || err_len[status] == 0)
		return NULL;
	*out_len = err_len[status];
	return err_der[status];
}

/* Bounded cursor over a job message. */
struct jbuf {
	unsigned char		*w;
	const unsigned char	*r;
	size_t			 left;
};

static int
jput(struct jbuf *b, const void *v, size_t n)
{
	if (n > b->left)
		return -1;
	memcpy(b->w, v, n);
	b->w += n;
	b->left -= n;
	return 0;
}

static int
jget(struct jbuf *b, void *v, size_t n)
{
	if (n > b->left)
		return -1;
	memcpy(v, b->r, n);
	b->r += n;
	b->left -= n;
	return 0;
}

#define JOB_MAGIC	0x314a434fU	/* "OCJ1" little-endian */
#define JOB_F_EXTREV	0x01

int
ocsp_job_encode(const struct ocsp_job *job, unsigned char *buf, size_t size,
    size_t *len)
{
	struct jbuf	 b = { .w = buf, .left = size };
	uint32_t	 u32;
	uint16_t	 u16;
	int64_t		 i64;
	uint8_t		 u8;
	int8_t		 i8;
	unsigned char	*lenp, *q;
	size_t		 i;
	int		 cl;

	*len = 0;
	if (job->n == 0 || job->n > OCSP_JOB_ENTRIES_MAX ||
	    job->nonce_len > OCSP_NONCE_MAX)
		return -1;
	u32 = JOB_MAGIC;
	if (jput(&b, &u32, 4) == -1)
		return -1;
	lenp = b.w;
	u32 = 0;	/* total length, set below */
	if (jput(&b, &u32, 4) == -1 ||
	    jput(&b, &job->issuer, 4) == -1)
		return -1;
	u32 = job->n;
	i64 = job->produced_at;
	u16 = job->nonce_len;
	if (jput(&b, &u32, 4) == -1 || jput(&b, &i64, 8) == -1 ||
	    jput(&b, &u16, 2) == -1)
		return -1;
	u8 = job->extended_revoke ? JOB_F_EXTREV : 0;
	if (jput(&b, &u8, 1) == -1)
		return -1;
	u8 = 0;
	if (jput(&b, &u8, 1) == -1 ||
	    jput(&b, job->nonce, job->nonce_len) == -1)
		return -1;
	for (i = 0; i < job->n; i++) {
		const struct ocsp_single *s = &job->s[i];

		if (s->id == NULL || (unsigned)s->status > OCSP_ST_UNKNOWN ||
		    !reason_ok(s->reason))
			return -1;
		cl = i2d_OCSP_CERTID((OCSP_CERTID *)s->id, NULL);
		if (cl <= 0 || cl > OCSP_CERTID_DER_MAX)
			return -1;
		u16 = cl;
		u8 = s->status;
		i8 = s->reason;
		if (jput(&b, &u16, 2) == -1 || jput(&b, &u8, 1) == -1 ||
		    jput(&b, &i8, 1) == -1)
			return -1;
		i64 = s->revoked_at;
		if (jput(&b, &i64, 8) == -1)
			return -1;
		i64 = s->this_update;
		if (jput(&b, &i64, 8) == -1)
			return -1;
		i64 = s->next_update;
		if (jput(&b, &i64, 8) == -1)
			return -1;
		if ((size_t)cl > b.left)
			return -1;
		q = b.w;
		if (i2d_OCSP_CERTID((OCSP_CERTID *)s->id, &q) != cl)
			return -1;
		b.w += cl;
		b.left -= cl;
	}
	*len = size - b.left;
	u32 = *len;
	memcpy(lenp, &u32, 4);
	return 0;
}

int
ocsp_job_decode(const unsigned char *buf, size_t len, struct ocsp_job *out)
{
	struct jbuf		 b = { .r = buf, .left = len };
	const unsigned char	*p;
	uint32_t		 magic, total, n;
	uint16_t		 u16;
	int64_t			 i64;
	uint8_t			 flags, zero, st;
	int8_t			 reason;
	size_t			 i;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < OCSP_JOB_HDR_SIZE || len > OCSP_JOB_MAX)
		goto done;
	if (jget(&b, &magic, 4) == -1 || jget(&b, &total, 4) == -1 ||
	    jget(&b, &out->issuer, 4) == -1 || jget(&b, &n, 4) == -1 ||
	    jget(&b, &i64, 8) == -1 || jget(&b, &u16, 2) == -1 ||
	    jget(&b, &flags, 1) == -1 || jget(&b, &zero, 1) == -1)
		goto done;
	if (magic != JOB_MAGIC || total != len || n == 0 ||
	    n > OCSP_JOB_ENTRIES_MAX || u16 > OCSP_NONCE_MAX ||
	    (flags & ~JOB_F_EXTREV) != 0 || zero != 0)
		goto done;
	out->produced_at = i64;
	out->extended_revoke = (flags & JOB_F_EXTREV) != 0;
	out->nonce_len = u16;
	if (jget(&b, out->nonce, out->nonce_len) == -1)
		goto done;
	if ((out->s = calloc(n, sizeof(*out->s))) == NULL)
		goto done;
	for (i = 0; i < n; i++) {
		struct ocsp_single *s = &out->s[i];

		if (jget(&b, &u16, 2) == -1 || jget(&b, &st, 1) == -1 ||
		    jget(&b, &reason, 1) == -1)
			goto done;
		if (u16 == 0 || u16 > OCSP_CERTID_DER_MAX ||
		    st > OCSP_ST_UNKNOWN || !reason_ok(reason))
			goto done;
		s->status = st;
		s->reason = reason;
		if (jget(&b, &i64, 8) == -1)
			goto done;
		s->revoked_at = i64;
		if (jget(&b, &i64, 8) == -1)
			goto done;
		s->this_update = i64;
		if (jget(&b, &i64, 8) == -1)
			goto done;
		s->next_update = i64;
		if (u16 > b.left)
			goto done;
		p = b.r;
		s->id = d2i_OCSP_CERTID(NULL, &p, u16);
		out->n = i + 1;		/* so that clear frees it */
		if (s->id == NULL || p != b.r + u16)
			goto done;
		b.r += u16;
		b.left -= u16;
	}
	if (b.left != 0)
		goto done;
	rc = 0;
 done:
	if (rc == -1) {
		ocsp_job_clear(out);
		ERR_clear_error();
	}
	return rc;
}

void
ocsp_job_clear(struct ocsp_job *job)
{
	size_t	 i;

	if (job == NULL)
		return;
	if (job->s != NULL) {
		/* Decoded entries own their CertIDs (const for ocsp_single). */
		for (i = 0; i < job->n; i++)
			OCSP_CERTID_free((OCSP_CERTID *)job->s[i].id);
		free(job->s);
	}
	memset(job, 0, sizeof(*job));
}

/* The registry's view as a SingleResponse status (ocsp.h). */
int
ocsp_single_status(const struct cert_status *cs, int unknown_as_revoked,
    struct ocsp_single *one)
{
	switch (cs->state) {
	case CERT_GOOD:
		one->status = OCSP_ST_GOOD;
		return 0;
	case CERT_REVOKED:
	case CERT_HOLD:
		one->status = OCSP_ST_REVOKED;
		one->revoked_at = cs->revoked_at;
		one->reason = cs->state == CERT_HOLD ? REASON_CERTIFICATE_HOLD :
		    (cs->reason > 0 ? cs->reason : -1);
		return 0;
	default:
		break;
	}
	if (unknown_as_revoked) {
		one->status = OCSP_ST_REVOKED;
		one->revoked_at = 0;
		one->reason = REASON_CERTIFICATE_HOLD;
		return 1;
	}
	one->status = OCSP_ST_UNKNOWN;
	return 0;
}

uint64_t
ocsp_status_fp(const struct cert_status *cs)
{
	uint64_t	 fp = (uint64_t)(cs->state & 0xf) << 60;

	if (cs->state == CERT_REVOKED || cs->state == CERT_HOLD) {
		fp |= (uint64_t)((cs->reason + 1) & 0xff) << 48;
		fp |= (uint64_t)cs->revoked_at & 0xffffffffffffULL;
	}
	return fp;
}
