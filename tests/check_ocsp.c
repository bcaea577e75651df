/* SPDX-License-Identifier: ISC */
/*
 * check_ocsp.c: unit tests for server/ocsp.c.
 *
 * A small PKI (RSA CA, RSA and EC delegated OCSP signers) is made once in
 * an unchecked fixture; requests are built with OpenSSL's client API and
 * responses are checked with OpenSSL's client-side verification.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check_main.h"
#include "ocsp.h"

#define MAX_IDS		100

static EVP_PKEY			*ca_key, *rsa_key, *ec_key;
static X509			*ca, *rsa_signer, *ec_signer;
static struct ocsp_issuer_hashes ca_h, other_h;

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ck_assert_ptr_nonnull(ext);
	ck_assert_int_eq(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

static X509 *
make_cert(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *key, const char *cn,
    int is_ca, long serial)
{
	X509		*x;
	X509_NAME	*name;

	x = X509_new();
	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	name = X509_NAME_new();
	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
	    (const unsigned char *)"JP", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "L", MBSTRING_ASC,
	    (const unsigned char *)"Inagi", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
	X509_set_pubkey(x, key);
	if (is_ca) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
		add_ext(x, x, NID_subject_key_identifier, "hash");
	} else {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
		add_ext(x, issuer, NID_ext_key_usage, "OCSPSigning");
		add_ext(x, issuer, NID_id_pkix_OCSP_noCheck, "yes");
	}
	ck_assert_int_gt(X509_sign(x, issuer_key, EVP_sha256()), 0);
	return x;
}

static void
pki_setup(void)
{
	ca_key = EVP_RSA_gen(2048);
	rsa_key = EVP_RSA_gen(2048);
	ec_key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(ca_key);
	ck_assert_ptr_nonnull(rsa_key);
	ck_assert_ptr_nonnull(ec_key);
	ca = make_cert(NULL, ca_key, ca_key, "Inagi test CA", 1, 1);
	rsa_signer = make_cert(ca, ca_key, rsa_key, "OCSP signer RSA", 0, 2);
	ec_signer = make_cert(ca, ca_key, ec_key, "OCSP signer EC", 0, 3);
	ck_assert_int_eq(ocsp_issuer_hashes(ca, &ca_h), 0);
	ck_assert_int_eq(ocsp_issuer_hashes(ec_signer, &other_h), 0);
}

static void
pki_teardown(void)
{
	X509_free(ca);
	X509_free(rsa_signer);
	X509_free(ec_signer);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ec_key);
}

static OCSP_CERTID *
mkid(const EVP_MD *md, X509 *issuer, long serial)
{
	ASN1_INTEGER	*sn = ASN1_INTEGER_new();
	OCSP_CERTID	*id;

	ASN1_INTEGER_set(sn, serial);
	id = OCSP_cert_id_new(md, X509_get_subject_name(issuer),
	    X509_get0_pubkey_bitstr(issuer), sn);
	ck_assert_ptr_nonnull(id);
	ASN1_INTEGER_free(sn);
	return id;
}

/* A request for serials 1..n of the test CA, SHA-1 and SHA-256 alternating. */
static OCSP_REQUEST *
mkreq(int n, const unsigned char *nonce, int nonce_len)
{
	OCSP_REQUEST	*req = OCSP_REQUEST_new();
	int		 i;

	for (i = 0; i < n; i++)
		ck_assert_ptr_nonnull(OCSP_request_add0_id(req,
		    mkid(i % 2 ? EVP_sha256() : EVP_sha1(), ca, i + 1)));
	if (nonce_len > 0)
		ck_assert_int_eq(OCSP_request_add1_nonce(req,
		    (unsigned char *)nonce, nonce_len), 1);
	return req;
}

static unsigned char *
req_der(OCSP_REQUEST *req, size_t *len)
{
	unsigned char	*der = NULL;
	int		 n;

	n = i2d_OCSP_REQUEST(req, &der);
	ck_assert_int_gt(n, 0);
	*len = n;
	return der;
}

/* Parse req's DER; returns the parse result, *why the reason. */
static int
parse_req(OCSP_REQUEST *req, size_t max_ids, struct ocsp_request *r,
    const char **why)
{
	unsigned char	*der;
	size_t		 len;
	int		 rc;

	der = req_der(req, &len);
	rc = ocsp_request_parse(der, len, max_ids, r, why);
	OPENSSL_free(der);
	return rc;
}

static void
expect_reject(OCSP_REQUEST *req, size_t max_ids, const char *reason)
{
	struct ocsp_request	 r;
	const char		*why = NULL;

	ck_assert_int_eq(parse_req(req, max_ids, &r, &why), -1);
	ck_assert_str_eq(why, reason);
	ck_assert_ptr_null(r.ids);
	ck_assert_ptr_null(r.req);
	ck_assert_int_eq(ERR_peek_error(), 0);
	ocsp_request_clear(&r);
	OCSP_REQUEST_free(req);
}

/* A request extension whose extnValue is exactly val (len octets). */
static X509_EXTENSION *
raw_ext(int nid, const char *oid, int crit, const unsigned char *val, int len)
{
	ASN1_OCTET_STRING	*os = ASN1_OCTET_STRING_new();
	ASN1_OBJECT		*obj;
	X509_EXTENSION		*ext;

	ck_assert_int_eq(ASN1_OCTET_STRING_set(os, val, len), 1);
	obj = oid != NULL ? OBJ_txt2obj(oid, 1) : OBJ_nid2obj(nid);
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, crit, os);
	ck_assert_ptr_nonnull(ext);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(os);
	return ext;
}

/* A nonce extension wrapping len octets in an OCTET STRING, as RFC 9654. */
static X509_EXTENSION *
nonce_ext(int len, int crit)
{
	ASN1_OCTET_STRING	*inner = ASN1_OCTET_STRING_new();
	unsigned char		*buf, *der = NULL;
	X509_EXTENSION		*ext;
	int			 dlen;

	buf = calloc(1, len + 1);
	memset(buf, 0xa5, len);
	ck_assert_int_eq(ASN1_OCTET_STRING_set(inner, buf, len), 1);
	dlen = i2d_ASN1_OCTET_STRING(inner, &der);
	ck_assert_int_gt(dlen, 0);
	ext = raw_ext(NID_id_pkix_OCSP_Nonce, NULL, crit, der, dlen);
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(inner);
	free(buf);
	return ext;
}

static void
req_add_ext(OCSP_REQUEST *req, X509_EXTENSION *ext)
{
	ck_assert_int_eq(OCSP_REQUEST_add_ext(req, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

START_TEST(test_parse_good)
{
	static const unsigned char	 nonce[16] = "0123456789abcdef";
	struct ocsp_request		 r;
	OCSP_REQUEST			*req;
	OCSP_CERTID			*id;
	const char			*why = NULL;
	size_t				 i;

	req = mkreq(4, nonce, sizeof(nonce));
	OCSP_request_add0_id(req, mkid(EVP_sha384(), ca, 0x0102030405L));
	OCSP_request_add0_id(req, mkid(EVP_sha512(), ca, 0x7fffffffL));
	ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
	ck_assert_uint_eq(r.n, 6);
	ck_assert_int_eq(r.has_nonce, 1);
	ck_assert_uint_eq(r.nonce_len, sizeof(nonce));
	ck_assert_mem_eq(r.nonce, nonce, sizeof(nonce));
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(r.ids[i].hash,
		    i % 2 ? OCSP_HASH_SHA256 : OCSP_HASH_SHA1);
		ck_assert_uint_eq(r.ids[i].hash_len, i % 2 ? 32 : 20);
		ck_assert_int_eq(r.ids[i].serial_ok, 1);
		ck_assert_uint_eq(r.ids[i].serial.len, 1);
		ck_assert_uint_eq(r.ids[i].serial.b[0], i + 1);
	}
	ck_assert_int_eq(r.ids[4].hash, OCSP_HASH_SHA384);
	ck_assert_uint_eq(r.ids[4].serial.len, 5);
	ck_assert_mem_eq(r.ids[4].serial.b, "\x01\x02\x03\x04\x05", 5);
	ck_assert_int_eq(r.ids[5].hash, OCSP_HASH_SHA512);
	ck_assert_uint_eq(r.ids[5].hash_len, 64);
	for (i = 0; i < r.n; i++) {
		ck_assert_int_eq(ocsp_issuer_match(&ca_h, &r.ids[i]), 1);
		ck_assert_int_eq(ocsp_issuer_match(&other_h, &r.ids[i]), 0);
		/* The echoed CertID is the one the client sent. */
		id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
		ck_assert_int_eq(OCSP_id_cmp(id, r.ids[i].id), 0);
	}
	ocsp_request_clear(&r);
	ocsp_request_clear(&r);
	OCSP_REQUEST_free(req);
}
END_TEST

START_TEST(test_parse_other_issuer)
{
	struct ocsp_request	 r;
	OCSP_REQUEST		*req = OCSP_REQUEST_new();
	const char		*why;

	OCSP_request_add0_id(req, mkid(EVP_sha256(), ec_signer, 5));
	ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
	ck_assert_int_eq(r.has_nonce, 0);
	ck_assert_uint_eq(r.nonce_len, 0);
	ck_assert_int_eq(ocsp_issuer_match(&ca_h, &r.ids[0]), 0);
	ck_assert_int_eq(ocsp_issuer_match(&other_h, &r.ids[0]), 1);
	ocsp_request_clear(&r);
	OCSP_REQUEST_free(req);
}
END_TEST

START_TEST(test_parse_signed)
{
	struct ocsp_request	 r;
	OCSP_REQUEST		*req = mkreq(2, NULL, 0);
	const char		*why;

	STACK_OF(X509)		*extra = sk_X509_new_null(), *only;

	/* unsigned: nothing recorded */
	ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
	ck_assert_int_eq(r.signed_req, 0);
	ck_assert_ptr_null(r.requestor);
	ocsp_request_clear(&r);

	/* signed, the signer's certificate and two more beside it */
	ck_assert(sk_X509_push(extra, ca));
	ck_assert(sk_X509_push(extra, ec_signer));
	ck_assert_int_eq(OCSP_request_sign(req, rsa_signer, rsa_key,
	    EVP_sha256(), extra, 0), 1);
	ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.signed_req, 1);
	ck_assert_int_eq(r.sig_nid, NID_sha256WithRSAEncryption);
	ck_assert_int_eq(r.sig_certs, 3);
	ck_assert_ptr_nonnull(r.requestor);
	ck_assert_int_eq(X509_NAME_cmp(r.requestor,
	    X509_get_subject_name(rsa_signer)), 0);
	/* the certificates are dropped unread; the signature still verifies
	 * with the signer's own certificate, and with no other */
	only = sk_X509_new_null();
	ck_assert(sk_X509_push(only, rsa_signer));
	ck_assert_int_eq(OCSP_request_verify(r.req, only, NULL, OCSP_NOINTERN |
	    OCSP_NOVERIFY), 1);
	ck_assert_int_eq(OCSP_request_verify(r.req, NULL, NULL, OCSP_NOVERIFY),
	    0);
	ERR_clear_error();
	sk_X509_free(only);
	sk_X509_free(extra);
	ocsp_request_clear(&r);
	ck_assert_ptr_null(r.requestor);
	OCSP_REQUEST_free(req);

	/* signed without certificates: the same request, byte for byte */
	req = mkreq(1, NULL, 0);
	ck_assert_int_eq(OCSP_request_sign(req, ec_signer, ec_key, EVP_sha384(),
	    NULL, OCSP_NOCERTS), 1);
	ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
	ck_assert_int_eq(r.sig_nid, NID_ecdsa_with_SHA384);
	ck_assert_int_eq(r.sig_certs, 0);
	ocsp_request_clear(&r);
	OCSP_REQUEST_free(req);
}
END_TEST

START_TEST(test_parse_garbage)
{
	static const unsigned char	 junk[] = { 0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30 };
	struct ocsp_request		 r;
	OCSP_REQUEST			*req = mkreq(3, (const unsigned char *)"nonce", 5);
	OCSP_RESPONSE			*resp;
	unsigned char			*der, *big, *rder = NULL;
	const char			*why;
	size_t				 len, i;
	int				 rlen;

	ck_assert_int_eq(ocsp_request_parse(NULL, 0, MAX_IDS, &r, &why), -1);
	ck_assert_str_eq(why, "empty");
	ck_assert_int_eq(ocsp_request_parse(junk, 0, MAX_IDS, &r, &why), -1);
	ck_assert_int_eq(ocsp_request_parse(junk, sizeof(junk), MAX_IDS, &r,
	    &why), -1);
	ck_assert_str_eq(why, "not DER");

	der = req_der(req, &len);
	for (i = 1; i < len; i++) {
		ck_assert_int_eq(ocsp_request_parse(der, i, MAX_IDS, &r, &why), -1);
		ck_assert_int_eq(ERR_peek_error(), 0);
	}
	big = malloc(len + 3);
	memcpy(big, der, len);
	memcpy(big + len, "\0\0\0", 3);
	ck_assert_int_eq(ocsp_request_parse(big, len + 1, MAX_IDS, &r, &why), -1);
	ck_assert_str_eq(why, "trailing data");
	ck_assert_int_eq(ocsp_request_parse(big, len + 3, MAX_IDS, &r, &why), -1);
	ck_assert_str_eq(why, "trailing data");
	ck_assert_int_eq(ocsp_request_parse(big, len, MAX_IDS, &r, &why), 0);
	ocsp_request_clear(&r);

	/* An OCSPResponse is not a request. */
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, NULL);
	rlen = i2d_OCSP_RESPONSE(resp, &rder);
	ck_assert_int_eq(ocsp_request_parse(rder, rlen, MAX_IDS, &r, &why), -1);
	ck_assert_str_eq(why, "not DER");

	free(big);
	OPENSSL_free(der);
	OPENSSL_free(rder);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
}
END_TEST

/* Every single-byte change of a good request: no crash, no leak. */
START_TEST(test_parse_mutations)
{
	struct ocsp_request	 r;
	OCSP_REQUEST		*req = mkreq(3, (const unsigned char *)"nonce", 5);
	unsigned char		*der;
	const char		*why;
	size_t			 len, i;
	int			 v;
	static const int	 vals[] = { 0x00, 0x01, 0x7f, 0x80, 0x81, 0xff };

	OCSP_request_sign(req, rsa_signer, rsa_key, EVP_sha256(), NULL, 0);
	der = req_der(req, &len);
	for (i = 0; i < len; i++) {
		unsigned char	 saved = der[i];

		for (v = 0; v < (int)(sizeof(vals) / sizeof(vals[0])); v++) {
			der[i] = vals[v];
			if (ocsp_request_parse(der, len, MAX_IDS, &r, &why) == 0)
				ck_assert_uint_ge(r.n, 1);
			ocsp_request_clear(&r);
			ck_assert_int_eq(ERR_peek_error(), 0);
		}
		der[i] = saved;
	}
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}
END_TEST

/* tbsRequest with an explicit [0] version in front (OpenSSL never writes one). */
static unsigned char *
der_with_version(OCSP_REQUEST *req, long version, size_t *outlen)
{
	const unsigned char	*p, *tbs, *rest;
	unsigned char		*der = NULL, *out, *q;
	ASN1_INTEGER		*v = ASN1_INTEGER_new();
	long			 plen, tbs_len, rest_len;
	int			 len, tag, xclass, vlen, inner, tbs_total, total;

	len = i2d_OCSP_REQUEST(req, &der);
	p = der;
	ASN1_get_object(&p, &plen, &tag, &xclass, len);
	ASN1_get_object(&p, &plen, &tag, &xclass, der + len - p);
	tbs = p;
	tbs_len = plen;
	rest = tbs + tbs_len;
	rest_len = der + len - rest;
	ASN1_INTEGER_set(v, version);
	vlen = i2d_ASN1_INTEGER(v, NULL);
	inner = ASN1_object_size(1, vlen, 0) + tbs_len;
	tbs_total = ASN1_object_size(1, inner, V_ASN1_SEQUENCE);
	total = ASN1_object_size(1, tbs_total + rest_len, V_ASN1_SEQUENCE);
	q = out = malloc(total);
	ASN1_put_object(&q, 1, tbs_total + rest_len, V_ASN1_SEQUENCE,
	    V_ASN1_UNIVERSAL);
	ASN1_put_object(&q, 1, inner, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	ASN1_put_object(&q, 1, vlen, 0, V_ASN1_CONTEXT_SPECIFIC);
	i2d_ASN1_INTEGER(v, &q);
	memcpy(q, tbs, tbs_len);
	q += tbs_len;
	memcpy(q, rest, rest_len);
	q += rest_len;
	ck_assert_int_eq(q - out, total);
	*outlen = total;
	ASN1_INTEGER_free(v);
	OPENSSL_free(der);
	return out;
}

START_TEST(test_parse_version)
{
	struct ocsp_request	 r;
	OCSP_REQUEST		*req = mkreq(2, (const unsigned char *)"n", 1);
	unsigned char		*der;
	const char		*why;
	size_t			 len;

	der = der_with_version(req, 0, &len);
	ck_assert_int_eq(ocsp_request_parse(der, len, MAX_IDS, &r, &why), 0);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_uint_eq(r.nonce_len, 1);
	ocsp_request_clear(&r);
	free(der);
	der = der_with_version(req, 1, &len);	/* "version 2" */
	ck_assert_int_eq(ocsp_request_parse(der, len, MAX_IDS, &r, &why), -1);
	ck_assert_str_eq(why, "version");
	free(der);
	der = der_with_version(req, -1, &len);
	ck_assert_int_eq(ocsp_request_parse(der, len, MAX_IDS, &r, &why), -1);
	ck_assert_str_eq(why, "version");
	free(der);
	OCSP_REQUEST_free(req);
}
END_TEST

START_TEST(test_parse_nonce)
{
	static const int	 ok[] = { 1, 32, 128 };
	struct ocsp_request	 r;
	OCSP_REQUEST		*req;
	const char		*why;
	size_t			 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		req = mkreq(1, NULL, 0);
		req_add_ext(req, nonce_ext(ok[i], i == 1));
		ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
		ck_assert_int_eq(r.has_nonce, 1);
		ck_assert_uint_eq(r.nonce_len, ok[i]);
		ck_assert_uint_eq(r.nonce[0], 0xa5);
		ck_assert_uint_eq(r.nonce[ok[i] - 1], 0xa5);
		ocsp_request_clear(&r);
		OCSP_REQUEST_free(req);
	}

	req = mkreq(1, NULL, 0);
	req_add_ext(req, nonce_ext(0, 0));
	expect_reject(req, MAX_IDS, "nonce length");
	req = mkreq(1, NULL, 0);
	req_add_ext(req, nonce_ext(129, 0));
	expect_reject(req, MAX_IDS, "nonce length");
	req = mkreq(1, NULL, 0);
	req_add_ext(req, nonce_ext(10000, 0));
	expect_reject(req, MAX_IDS, "nonce length");

	/* The nonce octets themselves, not wrapped (pre-RFC 8954 clients). */
	req = mkreq(1, NULL, 0);
	req_add_ext(req, raw_ext(NID_id_pkix_OCSP_Nonce, NULL, 0,
	    (const unsigned char *)"0123456789abcdef", 16));
	expect_reject(req, MAX_IDS, "nonce not OCTET STRING");
	/* Looks like an OCTET STRING but the length is wrong. */
	req = mkreq(1, NULL, 0);
	req_add_ext(req, raw_ext(NID_id_pkix_OCSP_Nonce, NULL, 0,
	    (const unsigned char *)"\x04\x05" "abc", 5));
	expect_reject(req, MAX_IDS, "nonce not OCTET STRING");
	req = mkreq(1, NULL, 0);
	req_add_ext(req, raw_ext(NID_id_pkix_OCSP_Nonce, NULL, 0,
	    (const unsigned char *)"\x04\x02" "abc", 5));
	expect_reject(req, MAX_IDS, "nonce not OCTET STRING");
	/* Non-minimal length: would not echo byte for byte. */
	req = mkreq(1, NULL, 0);
	req_add_ext(req, raw_ext(NID_id_pkix_OCSP_Nonce, NULL, 0,
	    (const unsigned char *)"\x04\x81\x03" "abc", 6));
	expect_reject(req, MAX_IDS, "nonce not OCTET STRING");
	/* Empty extnValue. */
	req = mkreq(1, NULL, 0);
	req_add_ext(req, raw_ext(NID_id_pkix_OCSP_Nonce, NULL, 0,
	    (const unsigned char *)"", 0));
	expect_reject(req, MAX_IDS, "nonce not OCTET STRING");
}
END_TEST

START_TEST(test_parse_extensions)
{
	struct ocsp_request	 r;
	OCSP_REQUEST		*req;
	OCSP_ONEREQ		*one;
	X509_EXTENSION		*ext;
	const char		*why;
	int			 i;

	req = mkreq(1, NULL, 0);
	req_add_ext(req, raw_ext(0, "1.2.3.4.5", 1,
	    (const unsigned char *)"\x05\x00", 2));
	expect_reject(req, MAX_IDS, "unsupported critical extension");

	req = mkreq(1, (const unsigned char *)"abc", 3);
	req_add_ext(req, raw_ext(0, "1.2.3.4.5", 0,
	    (const unsigned char *)"\x05\x00", 2));
	ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
	ck_assert_uint_eq(r.nonce_len, 3);
	ocsp_request_clear(&r);
	OCSP_REQUEST_free(req);

	req = mkreq(1, (const unsigned char *)"abc", 3);
	req_add_ext(req, nonce_ext(8, 0));
	expect_reject(req, MAX_IDS, "duplicate extension");

	req = mkreq(1, NULL, 0);
	req_add_ext(req, raw_ext(0, "1.2.3.4.5", 0,
	    (const unsigned char *)"\x05\x00", 2));
	req_add_ext(req, raw_ext(0, "1.2.3.4.5", 0,
	    (const unsigned char *)"\x05\x00", 2));
	expect_reject(req, MAX_IDS, "duplicate extension");

	req = mkreq(1, NULL, 0);
	for (i = 0; i < OCSP_EXT_MAX + 1; i++) {
		char	 oid[32];

		snprintf(oid, sizeof(oid), "1.2.3.4.%d", i);
		req_add_ext(req, raw_ext(0, oid, 0,
		    (const unsigned char *)"\x05\x00", 2));
	}
	expect_reject(req, MAX_IDS, "too many extensions");

	/* singleRequestExtensions */
	req = mkreq(1, NULL, 0);
	one = OCSP_request_add0_id(req, mkid(EVP_sha1(), ca, 77));
	ext = raw_ext(0, "1.2.3.4.6", 1, (const unsigned char *)"\x05\x00", 2);
	OCSP_ONEREQ_add_ext(one, ext, -1);
	X509_EXTENSION_free(ext);
	expect_reject(req, MAX_IDS, "unsupported critical extension");

	req = mkreq(1, NULL, 0);
	one = OCSP_request_add0_id(req, mkid(EVP_sha1(), ca, 77));
	ext = raw_ext(0, "1.2.3.4.6", 0, (const unsigned char *)"\x05\x00", 2);
	OCSP_ONEREQ_add_ext(one, ext, -1);
	OCSP_ONEREQ_add_ext(one, ext, -1);
	X509_EXTENSION_free(ext);
	expect_reject(req, MAX_IDS, "duplicate extension");
}
END_TEST

START_TEST(test_parse_counts)
{
	struct ocsp_request	 r;
	OCSP_REQUEST		*req;
	const char		*why;

	expect_reject(OCSP_REQUEST_new(), MAX_IDS, "no CertIDs");
	expect_reject(mkreq(2000, NULL, 0), MAX_IDS, "too many CertIDs");
	expect_reject(mkreq(MAX_IDS + 1, NULL, 0), MAX_IDS, "too many CertIDs");
	req = mkreq(MAX_IDS, NULL, 0);
	ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
	ck_assert_uint_eq(r.n, MAX_IDS);
	ck_assert_uint_eq(r.ids[MAX_IDS - 1].serial.b[0], MAX_IDS);
	ocsp_request_clear(&r);
	OCSP_REQUEST_free(req);
}
END_TEST

START_TEST(test_parse_hash)
{
	OCSP_REQUEST		*req;
	OCSP_CERTID		*id;
	ASN1_OCTET_STRING	*nh, *kh;
	unsigned char		*der, *p;
	struct ocsp_request	 r;
	const char		*why;
	size_t			 len, i;
	static const unsigned char sha1_alg[] = {
		0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00
	};

	req = OCSP_REQUEST_new();
	OCSP_request_add0_id(req, mkid(EVP_md5(), ca, 1));
	expect_reject(req, MAX_IDS, "unsupported hash");

	req = OCSP_REQUEST_new();
	id = mkid(EVP_sha1(), ca, 1);
	OCSP_id_get0_info(&nh, NULL, NULL, NULL, id);
	ASN1_OCTET_STRING_set(nh, (const unsigned char *)"0123456789012345678", 19);
	OCSP_request_add0_id(req, id);
	expect_reject(req, MAX_IDS, "bad hash length");

	req = OCSP_REQUEST_new();
	id = mkid(EVP_sha256(), ca, 1);
	OCSP_id_get0_info(NULL, NULL, &kh, NULL, id);
	ASN1_OCTET_STRING_set(kh, (const unsigned char *)"01234567890123456789", 20);
	OCSP_request_add0_id(req, id);
	expect_reject(req, MAX_IDS, "bad hash length");

	/* SHA-1 with parameters that are not NULL (an empty OCTET STRING). */
	req = mkreq(1, NULL, 0);
	der = req_der(req, &len);
	p = NULL;
	for (i = 0; i + sizeof(sha1_alg) <= len; i++)
		if (memcmp(der + i, sha1_alg, sizeof(sha1_alg)) == 0)
			p = der + i;
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(ocsp_request_parse(der, len, MAX_IDS, &r, &why), 0);
	ocsp_request_clear(&r);
	p[7] = V_ASN1_OCTET_STRING;
	ck_assert_int_eq(ocsp_request_parse(der, len, MAX_IDS, &r, &why), -1);
	ck_assert_str_eq(why, "unsupported hash");
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}
END_TEST

START_TEST(test_parse_serials)
{
	OCSP_REQUEST		*req = OCSP_REQUEST_new();
	OCSP_CERTID		*id;
	ASN1_INTEGER		*sn;
	BIGNUM			*bn = BN_new();
	struct ocsp_request	 r;
	const char		*why;
	unsigned char		 b[40];

	id = mkid(EVP_sha1(), ca, 1);
	OCSP_id_get0_info(NULL, NULL, NULL, &sn, id);
	ASN1_INTEGER_set(sn, 0);
	OCSP_request_add0_id(req, id);
	id = mkid(EVP_sha1(), ca, 1);
	OCSP_id_get0_info(NULL, NULL, NULL, &sn, id);
	ASN1_INTEGER_set(sn, -5);
	OCSP_request_add0_id(req, id);
	memset(b, 0xff, sizeof(b));
	id = mkid(EVP_sha1(), ca, 1);	/* 21 octets */
	OCSP_id_get0_info(NULL, NULL, NULL, &sn, id);
	BN_bin2bn(b, 21, bn);
	BN_to_ASN1_INTEGER(bn, sn);
	OCSP_request_add0_id(req, id);
	id = mkid(EVP_sha1(), ca, 1);	/* 20 octets, high bit set */
	OCSP_id_get0_info(NULL, NULL, NULL, &sn, id);
	BN_bin2bn(b, 20, bn);
	BN_to_ASN1_INTEGER(bn, sn);
	OCSP_request_add0_id(req, id);
	id = mkid(EVP_sha1(), ca, 1);	/* far too long for any CertID */
	OCSP_id_get0_info(NULL, NULL, NULL, &sn, id);
	BN_bin2bn(b, 40, bn);
	BN_to_ASN1_INTEGER(bn, sn);

	ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
	ck_assert_uint_eq(r.n, 4);
	ck_assert_int_eq(r.ids[0].serial_ok, 0);
	ck_assert_int_eq(r.ids[1].serial_ok, 0);
	ck_assert_int_eq(r.ids[2].serial_ok, 0);
	ck_assert_int_eq(r.ids[3].serial_ok, 1);
	ck_assert_uint_eq(r.ids[3].serial.len, 20);
	ck_assert_int_eq(ocsp_issuer_match(&ca_h, &r.ids[2]), 1);
	ocsp_request_clear(&r);
	OCSP_REQUEST_free(req);
	BN_free(bn);

	/* CertIDs beyond OCSP_CERTID_DER_MAX are refused outright. */
	req = OCSP_REQUEST_new();
	OCSP_request_add0_id(req, id);
	ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
	ocsp_request_clear(&r);
	bn = BN_new();
	memset(b, 0x7f, sizeof(b));
	BN_bin2bn(b, sizeof(b), bn);
	BN_lshift(bn, bn, 8 * 300);
	BN_to_ASN1_INTEGER(bn, sn);
	BN_free(bn);
	expect_reject(req, MAX_IDS, "CertID too large");
}
END_TEST

/* A request DER whose base64 has '+', '/' and padding. */
static unsigned char *
get_fixture(size_t *len, char **b64)
{
	OCSP_REQUEST	*req;
	unsigned char	*der, nonce[48];
	int		 k, i, n;

	for (k = 0; k < 1000; k++) {
		for (i = 0; i < (int)sizeof(nonce); i++)
			nonce[i] = (unsigned char)(i * 37 + k * 11);
		req = mkreq(2, nonce, 40 + k % 3);
		der = req_der(req, len);
		OCSP_REQUEST_free(req);
		*b64 = malloc(*len / 3 * 4 + 5);
		n = EVP_EncodeBlock((unsigned char *)*b64, der, *len);
		ck_assert_int_gt(n, 0);
		if (*len % 3 != 0 && strchr(*b64, '+') != NULL &&
		    strchr(*b64, '/') != NULL)
			return der;
		free(*b64);
		OPENSSL_free(der);
	}
	ck_abort_msg("no fixture");
	return NULL;
}

static char *
replace(const char *s, char from, const char *to)
{
	char	*out = malloc(strlen(s) * strlen(to) + strlen(s) + 1), *q = out;

	for (; *s != '\0'; s++) {
		if (*s == from) {
			strcpy(q, to);
			q += strlen(to);
		} else
			*q++ = *s;
	}
	*q = '\0';
	return out;
}

static void
get_ok(const char *path, const unsigned char *der, size_t len)
{
	unsigned char	*out;
	size_t		 olen;

	ck_assert_msg(ocsp_get_decode(path, 65536, &out, &olen) == 0,
	    "rejected: %s", path);
	ck_assert_uint_eq(olen, len);
	ck_assert_mem_eq(out, der, len);
	free(out);
}

static void
get_bad(const char *path, size_t max_len)
{
	unsigned char	*out = (unsigned char *)"x";
	size_t		 olen = 1;

	ck_assert_msg(ocsp_get_decode(path, max_len, &out, &olen) == -1,
	    "accepted: %s", path);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(olen, 0);
}

START_TEST(test_get_decode)
{
	unsigned char	*der;
	char		*b64, *s, *t, *u, buf[8192];
	size_t		 len;

	der = get_fixture(&len, &b64);
	get_ok(b64, der, len);
	snprintf(buf, sizeof(buf), "/%s", b64);
	get_ok(buf, der, len);
	snprintf(buf, sizeof(buf), "//%s", b64);
	get_ok(buf, der, len);

	s = replace(b64, '+', "%2B");
	t = replace(s, '/', "%2F");
	u = replace(t, '=', "%3D");
	get_ok(u, der, len);
	free(s);
	free(t);
	free(u);
	s = replace(b64, '+', "%2b");
	t = replace(s, '/', "%2f");
	get_ok(t, der, len);
	free(s);
	free(t);

	s = replace(b64, '+', "-");
	t = replace(s, '/', "_");
	u = replace(t, '=', "");
	get_ok(t, der, len);		/* base64url with padding */
	get_ok(u, der, len);		/* and without */
	snprintf(buf, sizeof(buf), "//%s", u);
	get_ok(buf, der, len);
	free(s);
	free(t);
	free(u);
	u = replace(b64, '=', "");
	get_ok(u, der, len);
	free(u);
	u = replace(b64, 'M', "%4D");	/* any escape */
	get_ok(u, der, len);
	free(u);

	/* Rejected. */
	u = replace(b64, '+', " ");	/* '+' turned into a space */
	get_bad(u, 65536);
	free(u);
	snprintf(buf, sizeof(buf), "%.8s%%00%s", b64, b64 + 8);
	get_bad(buf, 65536);
	snprintf(buf, sizeof(buf), "%.8s%%ZZ%s", b64, b64 + 8);
	get_bad(buf, 65536);
	snprintf(buf, sizeof(buf), "%.8s*%s", b64, b64 + 8);
	get_bad(buf, 65536);
	snprintf(buf, sizeof(buf), "%s%%", b64);
	get_bad(buf, 65536);
	snprintf(buf, sizeof(buf), "%s%%2", b64);
	get_bad(buf, 65536);
	snprintf(buf, sizeof(buf), "%s=", b64);	/* excess padding */
	get_bad(buf, 65536);
	snprintf(buf, sizeof(buf), "%sQUJD", b64);	/* data after '=' */
	get_bad(buf, 65536);
	snprintf(buf, sizeof(buf), "%s?x=1", b64);
	get_bad(buf, 65536);
	get_bad("", 65536);
	get_bad("/", 65536);
	get_bad("//", 65536);
	get_bad("====", 65536);
	get_bad("Q", 65536);
	get_bad("QUJDQ", 65536);
	get_bad("Q===", 65536);
	get_bad("QUI==", 65536);	/* excess padding */
	get_bad("QUJD=", 65536);
	get_ok("QUI=", (const unsigned char *)"AB", 2);
	get_ok("QQ=", (const unsigned char *)"A", 1);	/* short padding */
	get_ok("QQ", (const unsigned char *)"A", 1);
	get_ok("QUJD", (const unsigned char *)"ABC", 3);
	get_bad(b64, len - 1);	/* overlong */
	get_bad(b64, 0);
	{
		unsigned char	*out;
		size_t		 olen;

		ck_assert_int_eq(ocsp_get_decode(b64, len, &out, &olen), 0);
		free(out);
	}
	memset(buf, 'A', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	get_bad(buf, 100);
	free(b64);
	OPENSSL_free(der);
}
END_TEST

/* Lengths around the decoder's 256-character chunk, padded and not. */
START_TEST(test_get_decode_lengths)
{
	unsigned char	 data[900], *out;
	char		 b64[1300];
	size_t		 n, olen;
	int		 k;

	for (n = 0; n < sizeof(data); n++)
		data[n] = (unsigned char)(n * 131 + 7);
	for (n = 1; n < sizeof(data); n++) {
		k = EVP_EncodeBlock((unsigned char *)b64, data, n);
		ck_assert_int_eq(ocsp_get_decode(b64, n, &out, &olen), 0);
		ck_assert_uint_eq(olen, n);
		ck_assert_mem_eq(out, data, n);
		free(out);
		while (k > 0 && b64[k - 1] == '=')
			b64[--k] = '\0';
		ck_assert_int_eq(ocsp_get_decode(b64, n, &out, &olen), 0);
		ck_assert_uint_eq(olen, n);
		ck_assert_mem_eq(out, data, n);
		free(out);
		ck_assert_int_eq(ocsp_get_decode(b64, n - 1, &out, &olen), -1);
	}
}
END_TEST

struct answer {
	long		 serial;
	const EVP_MD	*md;
	int		 status;	/* V_OCSP_CERTSTATUS_* */
	int		 reason;
};

static const struct answer answers[] = {
	{ 10, NULL, V_OCSP_CERTSTATUS_GOOD, -1 },
	{ 11, NULL, V_OCSP_CERTSTATUS_REVOKED, OCSP_REVOKED_STATUS_KEYCOMPROMISE },
	{ 12, NULL, V_OCSP_CERTSTATUS_UNKNOWN, -1 },
	{ 13, NULL, V_OCSP_CERTSTATUS_REVOKED, -1 },
	{ 14, NULL, V_OCSP_CERTSTATUS_REVOKED, OCSP_REVOKED_STATUS_AFFILIATIONCHANGED },
};
#define NANSWERS	(sizeof(answers) / sizeof(answers[0]))
#define T_PRODUCED	((time_t)1735689600)	/* 2025-01-01 */
#define T_REVOKED	((time_t)1700000000)

static enum ocsp_cert_status
to_status(int st)
{
	return st == V_OCSP_CERTSTATUS_GOOD ? OCSP_ST_GOOD :
	    st == V_OCSP_CERTSTATUS_REVOKED ? OCSP_ST_REVOKED : OCSP_ST_UNKNOWN;
}

static OCSP_BASICRESP *
decode_basic(const unsigned char *der, size_t len)
{
	const unsigned char	*p = der;
	OCSP_RESPONSE		*resp;
	OCSP_BASICRESP		*bs;

	resp = d2i_OCSP_RESPONSE(NULL, &p, len);
	ck_assert_ptr_nonnull(resp);
	ck_assert_ptr_eq(p, der + len);
	ck_assert_int_eq(OCSP_response_status(resp),
	    OCSP_RESPONSE_STATUS_SUCCESSFUL);
	bs = OCSP_response_get1_basic(resp);
	ck_assert_ptr_nonnull(bs);
	OCSP_RESPONSE_free(resp);
	return bs;
}

static void
check_signed(EVP_PKEY *key, X509 *signer, int sig_nid)
{
	static const unsigned char	 nonce[20] = "resident-card-nonce";
	struct ocsp_single		 s[NANSWERS];
	struct ocsp_request		 r;
	OCSP_REQUEST			*req = OCSP_REQUEST_new();
	OCSP_BASICRESP			*bs;
	X509_STORE			*store;
	const ASN1_OCTET_STRING		*kid;
	const X509_NAME			*rname;
	const X509_ALGOR		*alg;
	const ASN1_OBJECT		*aobj;
	ASN1_GENERALIZEDTIME		*rev, *thisupd, *nextupd;
	unsigned char			*der, md[EVP_MAX_MD_SIZE];
	unsigned int			 mdlen;
	const char			*why;
	time_t				 now = time(NULL);
	size_t				 len, i;
	int				 st, reason;

	for (i = 0; i < NANSWERS; i++)
		OCSP_request_add0_id(req, mkid(i % 2 ? EVP_sha256() : EVP_sha1(),
		    ca, answers[i].serial));
	OCSP_request_add1_nonce(req, (unsigned char *)nonce, sizeof(nonce));
	ck_assert_int_eq(parse_req(req, MAX_IDS, &r, &why), 0);
	for (i = 0; i < NANSWERS; i++) {
		s[i].id = r.ids[i].id;
		s[i].status = to_status(answers[i].status);
		s[i].revoked_at = T_REVOKED + i;
		s[i].reason = answers[i].reason;
		s[i].this_update = now - 60;
		s[i].next_update = i == 2 ? 0 : now + 3600;
	}
	der = ocsp_response_sign(key, signer, s, NANSWERS, r.nonce,
	    r.nonce_len, 0, T_PRODUCED, &len);
	ck_assert_ptr_nonnull(der);
	bs = decode_basic(der, len);

	store = X509_STORE_new();
	X509_STORE_add_cert(store, ca);
	ck_assert_int_eq(OCSP_basic_verify(bs, NULL, store, 0), 1);
	ck_assert_int_eq(OCSP_check_nonce(req, bs), 1);
	ck_assert_int_eq(OCSP_resp_count(bs), NANSWERS);

	for (i = 0; i < NANSWERS; i++) {
		OCSP_CERTID	*id = mkid(i % 2 ? EVP_sha256() : EVP_sha1(),
		    ca, answers[i].serial);

		ck_assert_int_eq(OCSP_resp_find_status(bs, id, &st, &reason,
		    &rev, &thisupd, &nextupd), 1);
		ck_assert_int_eq(OCSP_resp_find(bs, id, -1), (int)i);
		ck_assert_int_eq(st, answers[i].status);
		if (st == V_OCSP_CERTSTATUS_REVOKED) {
			ck_assert_int_eq(reason, answers[i].reason);
			ck_assert_int_eq(ASN1_TIME_cmp_time_t(rev,
			    T_REVOKED + i), 0);
		}
		ck_assert_int_eq(ASN1_TIME_cmp_time_t(thisupd, now - 60), 0);
		if (i == 2)
			ck_assert_ptr_null(nextupd);
		else
			ck_assert_int_eq(ASN1_TIME_cmp_time_t(nextupd,
			    now + 3600), 0);
		ck_assert_int_eq(OCSP_check_validity(thisupd, nextupd, 300, -1), 1);
		OCSP_CERTID_free(id);
	}
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(OCSP_resp_get0_produced_at(bs),
	    T_PRODUCED), 0);

	/* responderID byKey: SHA-1 of the signer's public key. */
	ck_assert_int_eq(OCSP_resp_get0_id(bs, &kid, &rname), 1);
	ck_assert_ptr_null(rname);
	ck_assert_ptr_nonnull(kid);
	ck_assert_int_eq(X509_pubkey_digest(signer, EVP_sha1(), md, &mdlen), 1);
	ck_assert_int_eq(ASN1_STRING_length(kid), mdlen);
	ck_assert_mem_eq(ASN1_STRING_get0_data(kid), md, mdlen);

	alg = OCSP_resp_get0_tbs_sigalg(bs);
	X509_ALGOR_get0(&aobj, NULL, NULL, alg);
	ck_assert_int_eq(OBJ_obj2nid(aobj), sig_nid);
	ck_assert_int_eq(sk_X509_num(OCSP_resp_get0_certs(bs)), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(OCSP_resp_get0_certs(bs), 0),
	    signer), 0);
	ck_assert_int_lt(OCSP_BASICRESP_get_ext_by_NID(bs,
	    NID_id_pkix_OCSP_valid, -1), 0);

	/* Without a nonce: none echoed. */
	OPENSSL_free(der);
	OCSP_BASICRESP_free(bs);
	der = ocsp_response_sign(key, signer, s, 1, NULL, 0, 0, T_PRODUCED, &len);
	ck_assert_ptr_nonnull(der);
	bs = decode_basic(der, len);
	ck_assert_int_lt(OCSP_BASICRESP_get_ext_by_NID(bs,
	    NID_id_pkix_OCSP_Nonce, -1), 0);
	ck_assert_int_eq(OCSP_basic_verify(bs, NULL, store, 0), 1);

	/*
	 * A key prepared once signs any number of responses (each signature
	 * from its own copy), and they verify like the others.
	 */
	{
		EVP_MD_CTX	*prep = ocsp_sign_prepare(key);
		unsigned char	*d2;
		size_t		 l2;

		ck_assert_ptr_nonnull(prep);
		for (int round = 0; round < 3; round++) {
			d2 = ocsp_response_sign_prepared(prep, signer, s, 1,
			    r.nonce, r.nonce_len, 0, T_PRODUCED + round, &l2);
			ck_assert_ptr_nonnull(d2);
			OCSP_BASICRESP_free(bs);
			bs = decode_basic(d2, l2);
			ck_assert_int_eq(OCSP_basic_verify(bs, NULL, store, 0),
			    1);
			ck_assert_int_eq(OCSP_check_nonce(r.req, bs), 1);
			OPENSSL_free(d2);
		}
		EVP_MD_CTX_free(prep);
	}

	ck_assert_int_eq(ERR_peek_error(), 0);
	OPENSSL_free(der);
	OCSP_BASICRESP_free(bs);
	X509_STORE_free(store);
	ocsp_request_clear(&r);
	OCSP_REQUEST_free(req);
}

START_TEST(test_response_rsa)
{
	check_signed(rsa_key, rsa_signer, NID_sha256WithRSAEncryption);
}
END_TEST

START_TEST(test_response_ec)
{
	check_signed(ec_key, ec_signer, NID_ecdsa_with_SHA256);
}
END_TEST

START_TEST(test_response_extended_revoke)
{
	struct ocsp_single	 s;
	OCSP_CERTID		*id = mkid(EVP_sha256(), ca, 999);
	OCSP_BASICRESP		*bs;
	X509_EXTENSION		*ext;
	ASN1_OBJECT		*obj = OBJ_txt2obj("1.3.6.1.5.5.7.48.1.9", 1);
	ASN1_GENERALIZEDTIME	*rev, *thisupd, *nextupd;
	unsigned char		*der;
	const ASN1_OCTET_STRING	*val;
	size_t			 len;
	int			 st, reason, loc;

	memset(&s, 0, sizeof(s));
	s.id = id;
	s.status = OCSP_ST_REVOKED;
	s.revoked_at = 0;
	s.reason = OCSP_REVOKED_STATUS_CERTIFICATEHOLD;
	s.this_update = T_PRODUCED;
	s.next_update = T_PRODUCED + 86400;
	der = ocsp_response_sign(ec_key, ec_signer, &s, 1, NULL, 0, 1,
	    T_PRODUCED, &len);
	ck_assert_ptr_nonnull(der);
	bs = decode_basic(der, len);
	loc = OCSP_BASICRESP_get_ext_by_OBJ(bs, obj, -1);
	ck_assert_int_ge(loc, 0);
	ext = OCSP_BASICRESP_get_ext(bs, loc);
	ck_assert_int_eq(X509_EXTENSION_get_critical(ext), 0);
	val = X509_EXTENSION_get_data(ext);
	ck_assert_int_eq(ASN1_STRING_length(val), 2);
	ck_assert_mem_eq(ASN1_STRING_get0_data(val), "\x05\x00", 2);
	ck_assert_int_eq(OCSP_resp_find_status(bs, id, &st, &reason, &rev,
	    &thisupd, &nextupd), 1);
	ck_assert_int_eq(st, V_OCSP_CERTSTATUS_REVOKED);
	ck_assert_int_eq(reason, OCSP_REVOKED_STATUS_CERTIFICATEHOLD);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(rev, 0), 0);
	ck_assert_int_eq(ASN1_STRING_length(rev), 15);	/* 19700101000000Z */
	ck_assert_mem_eq(ASN1_STRING_get0_data(rev), "19700101000000Z", 15);

	OPENSSL_free(der);
	OCSP_BASICRESP_free(bs);
	ASN1_OBJECT_free(obj);
	OCSP_CERTID_free(id);
}
END_TEST

START_TEST(test_response_sign_bad)
{
	struct ocsp_single	 s;
	OCSP_CERTID		*id = mkid(EVP_sha256(), ca, 5);
	unsigned char		 nonce[OCSP_NONCE_MAX + 1];
	size_t			 len;

	memset(&s, 0, sizeof(s));
	memset(nonce, 1, sizeof(nonce));
	s.id = id;
	s.status = OCSP_ST_REVOKED;
	s.reason = 7;
	ck_assert_ptr_null(ocsp_response_sign(rsa_key, rsa_signer, &s, 1,
	    NULL, 0, 0, T_PRODUCED, &len));
	s.reason = 11;
	ck_assert_ptr_null(ocsp_response_sign(rsa_key, rsa_signer, &s, 1,
	    NULL, 0, 0, T_PRODUCED, &len));
	s.reason = -1;
	ck_assert_ptr_null(ocsp_response_sign(rsa_key, rsa_signer, &s, 1,
	    nonce, sizeof(nonce), 0, T_PRODUCED, &len));
	/* Key that does not belong to the signer certificate. */
	ck_assert_ptr_null(ocsp_response_sign(ec_key, rsa_signer, &s, 1,
	    NULL, 0, 0, T_PRODUCED, &len));
	ck_assert_ptr_null(ocsp_response_sign(rsa_key, rsa_signer, &s, 0,
	    NULL, 0, 0, T_PRODUCED, &len));
	ck_assert_int_eq(ERR_peek_error(), 0);
	OCSP_CERTID_free(id);
}
END_TEST

START_TEST(test_response_error)
{
	static const int	 codes[] = { 1, 2, 3, 5, 6 };
	const unsigned char	*der, *der2, *p;
	OCSP_RESPONSE		*resp;
	size_t			 len, len2, i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		der = ocsp_response_error(codes[i], &len);
		ck_assert_ptr_nonnull(der);
		ck_assert_uint_eq(len, 5);
		der2 = ocsp_response_error(codes[i], &len2);
		ck_assert_ptr_eq(der, der2);
		p = der;
		resp = d2i_OCSP_RESPONSE(NULL, &p, len);
		ck_assert_ptr_nonnull(resp);
		ck_assert_ptr_eq(p, der + len);
		ck_assert_int_eq(OCSP_response_status(resp), codes[i]);
		ck_assert_ptr_null(OCSP_response_get1_basic(resp));
		OCSP_RESPONSE_free(resp);
		ERR_clear_error();
	}
	ck_assert_ptr_null(ocsp_response_error(0, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(ocsp_response_error(4, &len));
	ck_assert_ptr_null(ocsp_response_error(7, &len));
	ck_assert_ptr_null(ocsp_response_error(-1, &len));
}
END_TEST

/* A job for a parsed request, as the network process would build it. */
static void
mkjob(struct ocsp_job *job, struct ocsp_request *r, struct ocsp_single *s)
{
	const char	*why;
	OCSP_REQUEST	*req = mkreq(3, (const unsigned char *)"job-nonce", 9);
	size_t		 i;

	ck_assert_int_eq(parse_req(req, MAX_IDS, r, &why), 0);
	OCSP_REQUEST_free(req);
	memset(job, 0, sizeof(*job));
	job->issuer = 7;
	job->extended_revoke = 1;
	job->produced_at = T_PRODUCED;
	memcpy(job->nonce, r->nonce, r->nonce_len);
	job->nonce_len = r->nonce_len;
	for (i = 0; i < r->n; i++) {
		s[i].id = r->ids[i].id;
		s[i].status = (enum ocsp_cert_status)i;
		s[i].revoked_at = i == 1 ? 0 : T_REVOKED;
		s[i].reason = i == 1 ? 6 : -1;
		s[i].this_update = T_PRODUCED - 10;
		s[i].next_update = i == 2 ? 0 : T_PRODUCED + 3600;
	}
	job->s = s;
	job->n = r->n;
}

START_TEST(test_job_roundtrip)
{
	struct ocsp_request	 r;
	struct ocsp_single	 s[3];
	struct ocsp_job		 job, out;
	OCSP_BASICRESP		*bs;
	unsigned char		*buf = malloc(OCSP_JOB_MAX), *der;
	size_t			 len, dlen, i;

	mkjob(&job, &r, s);
	ck_assert_int_eq(ocsp_job_encode(&job, buf, OCSP_JOB_MAX, &len), 0);
	ck_assert_uint_le(len, OCSP_JOB_MAX);
	ck_assert_int_eq(ocsp_job_decode(buf, len, &out), 0);
	ck_assert_uint_eq(out.issuer, 7);
	ck_assert_int_eq(out.extended_revoke, 1);
	ck_assert_int_eq(out.produced_at, T_PRODUCED);
	ck_assert_uint_eq(out.nonce_len, 9);
	ck_assert_mem_eq(out.nonce, "job-nonce", 9);
	ck_assert_uint_eq(out.n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(OCSP_id_cmp(out.s[i].id, s[i].id), 0);
		ck_assert_int_eq(out.s[i].status, s[i].status);
		ck_assert_int_eq(out.s[i].reason, s[i].reason);
		ck_assert_int_eq(out.s[i].revoked_at, s[i].revoked_at);
		ck_assert_int_eq(out.s[i].this_update, s[i].this_update);
		ck_assert_int_eq(out.s[i].next_update, s[i].next_update);
	}
	/* The signer builds the response from the job alone. */
	der = ocsp_response_sign(rsa_key, rsa_signer, out.s, out.n, out.nonce,
	    out.nonce_len, out.extended_revoke, out.produced_at, &dlen);
	ck_assert_ptr_nonnull(der);
	bs = decode_basic(der, dlen);
	ck_assert_int_eq(OCSP_resp_count(bs), 3);
	OCSP_BASICRESP_free(bs);
	OPENSSL_free(der);

	/* Without nonce and extended revoke. */
	ocsp_job_clear(&out);
	ocsp_job_clear(&out);
	job.nonce_len = 0;
	job.extended_revoke = 0;
	ck_assert_int_eq(ocsp_job_encode(&job, buf, OCSP_JOB_MAX, &len), 0);
	ck_assert_int_eq(ocsp_job_decode(buf, len, &out), 0);
	ck_assert_uint_eq(out.nonce_len, 0);
	ck_assert_int_eq(out.extended_revoke, 0);
	ocsp_job_clear(&out);

	/* Encoder bounds. */
	ck_assert_int_eq(ocsp_job_encode(&job, buf, len - 1, &len), -1);
	job.n = 0;
	ck_assert_int_eq(ocsp_job_encode(&job, buf, OCSP_JOB_MAX, &len), -1);
	job.n = OCSP_JOB_ENTRIES_MAX + 1;
	ck_assert_int_eq(ocsp_job_encode(&job, buf, OCSP_JOB_MAX, &len), -1);
	job.n = 3;
	job.nonce_len = OCSP_NONCE_MAX + 1;
	ck_assert_int_eq(ocsp_job_encode(&job, buf, OCSP_JOB_MAX, &len), -1);
	job.nonce_len = 0;
	s[1].reason = 7;
	ck_assert_int_eq(ocsp_job_encode(&job, buf, OCSP_JOB_MAX, &len), -1);
	ocsp_request_clear(&r);
	free(buf);
}
END_TEST

static void
job_bad(const unsigned char *msg, size_t len, size_t off, const void *v,
    size_t vlen)
{
	unsigned char	*b = malloc(len);
	struct ocsp_job	 out;

	memcpy(b, msg, len);
	memcpy(b + off, v, vlen);
	ck_assert_msg(ocsp_job_decode(b, len, &out) == -1,
	    "accepted change at %zu", off);
	ck_assert_ptr_null(out.s);
	ck_assert_int_eq(ERR_peek_error(), 0);
	free(b);
}

START_TEST(test_job_corrupt)
{
	struct ocsp_request	 r;
	struct ocsp_single	 s[3];
	struct ocsp_job		 job, out;
	unsigned char		*buf = malloc(OCSP_JOB_MAX + 1);
	size_t			 len, i, e;
	uint32_t		 u32;
	uint16_t		 u16;
	uint8_t			 u8;
	int8_t			 i8;

	mkjob(&job, &r, s);
	ck_assert_int_eq(ocsp_job_encode(&job, buf, OCSP_JOB_MAX, &len), 0);
	for (i = 0; i < len; i++)
		ck_assert_int_eq(ocsp_job_decode(buf, i, &out), -1);
	buf[len] = 0;
	ck_assert_int_eq(ocsp_job_decode(buf, len + 1, &out), -1);
	ck_assert_int_eq(ocsp_job_decode(NULL, 0, &out), -1);

	job_bad(buf, len, 0, "XXXX", 4);			/* magic */
	u32 = len + 1;
	job_bad(buf, len, 4, &u32, 4);				/* total */
	u32 = 0;
	job_bad(buf, len, 12, &u32, 4);				/* n */
	u32 = 4;
	job_bad(buf, len, 12, &u32, 4);
	u32 = 100000;
	job_bad(buf, len, 12, &u32, 4);
	u16 = OCSP_NONCE_MAX + 1;
	job_bad(buf, len, 24, &u16, 2);				/* nonce_len */
	u16 = 10;
	job_bad(buf, len, 24, &u16, 2);
	u8 = 2;
	job_bad(buf, len, 26, &u8, 1);				/* flags */
	job_bad(buf, len, 27, &u8, 1);
	e = OCSP_JOB_HDR_SIZE + job.nonce_len;			/* first entry */
	u16 = 0;
	job_bad(buf, len, e, &u16, 2);				/* certid_len */
	u16 = OCSP_CERTID_DER_MAX + 1;
	job_bad(buf, len, e, &u16, 2);
	u16 = len;
	job_bad(buf, len, e, &u16, 2);
	u8 = 3;
	job_bad(buf, len, e + 2, &u8, 1);			/* status */
	i8 = 7;
	job_bad(buf, len, e + 3, &i8, 1);			/* reason */
	i8 = 11;
	job_bad(buf, len, e + 3, &i8, 1);
	i8 = -2;
	job_bad(buf, len, e + 3, &i8, 1);
	u8 = 0x31;
	job_bad(buf, len, e + OCSP_JOB_ENTRY_SIZE, &u8, 1);	/* CertID tag */

	/* Any single-byte change: no crash, no leak. */
	for (i = 0; i < len; i++) {
		unsigned char	 saved = buf[i];

		buf[i] ^= 0x80;
		if (ocsp_job_decode(buf, len, &out) == 0)
			ck_assert_uint_ge(out.n, 1);
		ocsp_job_clear(&out);
		buf[i] = saved;
	}
	ck_assert_int_eq(ERR_peek_error(), 0);
	ocsp_request_clear(&r);
	free(buf);
}
END_TEST

START_TEST(test_issuer_hashes)
{
	struct ocsp_issuer_hashes	 h;
	struct ocsp_certid		 id;

	ck_assert_int_eq(ocsp_issuer_hashes(ca, &h), 0);
	ck_assert_uint_eq(h.len[OCSP_HASH_SHA1], 20);
	ck_assert_uint_eq(h.len[OCSP_HASH_SHA256], 32);
	ck_assert_uint_eq(h.len[OCSP_HASH_SHA384], 48);
	ck_assert_uint_eq(h.len[OCSP_HASH_SHA512], 64);
	ck_assert_int_eq(ocsp_issuer_hashes(NULL, &h), -1);
	memset(&id, 0, sizeof(id));
	id.hash = OCSP_HASH_COUNT;
	ck_assert_int_eq(ocsp_issuer_match(&ca_h, &id), 0);
	id.hash = OCSP_HASH_SHA1;
	ck_assert_int_eq(ocsp_issuer_match(&ca_h, &id), 0);
}
END_TEST

static Suite *
ocsp_suite(void)
{
	Suite	*s = suite_create("ocsp");
	TCase	*tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_issuer_hashes);
	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_other_issuer);
	tcase_add_test(tc, test_parse_signed);
	tcase_add_test(tc, test_parse_garbage);
	tcase_add_test(tc, test_parse_mutations);
	tcase_add_test(tc, test_parse_version);
	tcase_add_test(tc, test_parse_nonce);
	tcase_add_test(tc, test_parse_extensions);
	tcase_add_test(tc, test_parse_counts);
	tcase_add_test(tc, test_parse_hash);
	tcase_add_test(tc, test_parse_serials);
	tcase_add_test(tc, test_get_decode);
	tcase_add_test(tc, test_get_decode_lengths);
	tcase_add_test(tc, test_response_rsa);
	tcase_add_test(tc, test_response_ec);
	tcase_add_test(tc, test_response_extended_revoke);
	tcase_add_test(tc, test_response_sign_bad);
	tcase_add_test(tc, test_response_error);
	tcase_add_test(tc, test_job_roundtrip);
	tcase_add_test(tc, test_job_corrupt);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(ocsp_suite(), CK_FORK);
}
