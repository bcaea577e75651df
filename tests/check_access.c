/* SPDX-License-Identifier: ISC */
/*
 * check_access.c: unit tests for server/access.c, linked without the
 * server: relying parties given as rows, OCSP requests built and signed
 * with OpenSSL as a relying party's client would, and every answer of the
 * decision: answered for which party, sigRequired, unauthorized (unknown
 * party, wrong key, bad signature bytes, expired or removed party, a
 * refused signature algorithm, too many certificates), the rate limit, the
 * CRL rule and the counters /metrics shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "access.h"
#include "check_main.h"
#include "db.h"

#define T0	((time_t)1795608000)	/* 2026-11-25T12:00:00Z */
#define DAY	((time_t)86400)

struct id {
	EVP_PKEY	*key;
	X509		*cert;
};

static struct id	 alice, bob, mallory, rsa_party;

static void
make_id(struct id *id, const char *cn, int rsa, time_t from, time_t to)
{
	X509_NAME	*name;

	id->key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(id->key);
	ck_assert_ptr_nonnull(id->cert = X509_new());
	ck_assert(X509_set_version(id->cert, 2));
	ck_assert(ASN1_INTEGER_set(X509_get_serialNumber(id->cert), 7));
	ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notBefore(id->cert),
	    0, 0, &from));
	ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notAfter(id->cert),
	    0, 0, &to));
	name = X509_get_subject_name(id->cert);
	ck_assert(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0));
	ck_assert(X509_set_issuer_name(id->cert, name));
	ck_assert(X509_set_pubkey(id->cert, id->key));
	ck_assert(X509_sign(id->cert, id->key, EVP_sha256()) > 0);
}

static void
free_id(struct id *id)
{
	X509_free(id->cert);
	EVP_PKEY_free(id->key);
	memset(id, 0, sizeof(*id));
}

static void
setup_ids(void)
{
	make_id(&alice, "alice.example", 0, T0 - 30 * DAY, T0 + 365 * DAY);
	make_id(&bob, "bob.example", 0, T0 - 400 * DAY, T0 - DAY); /* expired */
	/* same subject as alice, another key */
	make_id(&mallory, "alice.example", 0, T0 - 30 * DAY, T0 + 365 * DAY);
	make_id(&rsa_party, "rsa.example", 1, T0 - 30 * DAY, T0 + 365 * DAY);
}

static void
teardown_ids(void)
{
	free_id(&alice);
	free_id(&bob);
	free_id(&mallory);
	free_id(&rsa_party);
}

/* A db_party row for id (DER in a buffer the caller frees). */
static struct db_party
row(int64_t rid, const char *name, const struct id *id, int rate)
{
	struct db_party	 r;
	unsigned char	*der = NULL;
	int		 len = i2d_X509(id->cert, &der);

	ck_assert_int_gt(len, 0);
	memset(&r, 0, sizeof(r));
	r.id = rid;
	r.name = (char *)name;
	r.cert = der;
	r.cert_len = (size_t)len;
	r.rate = rate;
	return r;
}

static void
set_parties(struct access *a, struct db_party *rows, size_t n)
{
	char	 why[256];

	ck_assert_msg(access_set_parties(a, rows, n, why, sizeof(why)) == 0,
	    "%s", why);
	for (size_t i = 0; i < n; i++)
		OPENSSL_free(rows[i].cert);
}

/* alice (rate 0) and rsa-party (rate 2) registered. */
static struct access *
two_parties(void)
{
	struct access	*a = access_new();
	struct db_party	 rows[2];

	ck_assert_ptr_nonnull(a);
	rows[0] = row(1, "alice", &alice, 0);
	rows[1] = row(2, "rsa-party", &rsa_party, 2);
	set_parties(a, rows, 2);
	return a;
}

/* The request as the server has it: parsed from the bytes that came. */
static struct ocsp_request *
parse(const unsigned char *der, size_t len)
{
	struct ocsp_request	*r = calloc(1, sizeof(*r));
	const char		*why = NULL;

	ck_assert_msg(ocsp_request_parse(der, len, 8, r, &why) == 0, "%s",
	    why);
	return r;
}

/* NULL when the bytes are no request at all (a flipped byte may do that). */
static struct ocsp_request *
parse_maybe(const unsigned char *der, size_t len)
{
	struct ocsp_request	*r = calloc(1, sizeof(*r));
	const char		*why = NULL;

	if (ocsp_request_parse(der, len, 8, r, &why) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

static void
req_free(struct ocsp_request *r)
{
	ocsp_request_clear(r);
	free(r);
}

/*
 * A request for one CertID, signed by signer with md (NULL: unsigned),
 * with extra certificates beside the signature; its DER in *der.
 */
static struct ocsp_request *
request(const struct id *signer, const EVP_MD *md, int extra_certs,
    unsigned char **der, size_t *len)
{
	OCSP_REQUEST		*req = OCSP_REQUEST_new();
	OCSP_CERTID		*cid;
	ASN1_INTEGER		*serial = ASN1_INTEGER_new();
	ASN1_BIT_STRING		*key = ASN1_BIT_STRING_new();
	X509_NAME		*name = X509_NAME_new();
	STACK_OF(X509)		*certs = NULL;
	int			 n;

	ck_assert(ASN1_INTEGER_set(serial, 4242));
	ck_assert(ASN1_BIT_STRING_set(key, (unsigned char *)"k", 1));
	ck_assert(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"Inagi CA", -1, -1, 0));
	ck_assert_ptr_nonnull(cid = OCSP_cert_id_new(EVP_sha1(), name, key,
	    serial));
	ck_assert_ptr_nonnull(OCSP_request_add0_id(req, cid));
	if (extra_certs > 0) {
		certs = sk_X509_new_null();
		for (int i = 0; i < extra_certs; i++)
			ck_assert(sk_X509_push(certs, alice.cert));
	}
	if (signer != NULL)
		ck_assert(OCSP_request_sign(req, signer->cert, signer->key, md,
		    certs, 0));
	sk_X509_free(certs);
	*der = NULL;
	ck_assert_int_gt(n = i2d_OCSP_REQUEST(req, der), 0);
	*len = (size_t)n;
	OCSP_REQUEST_free(req);
	ASN1_INTEGER_free(serial);
	ASN1_BIT_STRING_free(key);
	X509_NAME_free(name);
	return parse(*der, *len);
}

static enum access_verdict
ask(struct access *a, struct ocsp_request *req, const unsigned char *der,
    size_t len, X509 *client, int registered, time_t now, int64_t us,
    struct access_who *who)
{
	enum access_verdict v;

	(void)der;
	(void)len;
	v = access_ocsp(a, req, client, registered, now, us, who);

	ck_assert_int_eq(ERR_peek_error(), 0);	/* the queue left empty */
	return v;
}

static char *
metrics(const struct access *a)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	char		*s;

	access_metrics(a, b);
	len = evbuffer_get_length(b);
	s = malloc(len + 1);
	evbuffer_remove(b, s, len);
	s[len] = '\0';
	evbuffer_free(b);
	return s;
}

START_TEST(open_answers_all)
{
	struct access		*a = access_new();
	struct access_who	 who;
	unsigned char		*der;
	size_t			 len;
	struct ocsp_request	*req;

	req = request(NULL, NULL, 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 0, T0, 1, &who), ACCESS_OK);
	ck_assert_int_eq(who.signed_req, 0);
	req_free(req);
	OPENSSL_free(der);
	/* signed by nobody registered: open mode answers, marks it signed */
	req = request(&mallory, NULL, 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 0, T0, 1, &who), ACCESS_OK);
	ck_assert_int_eq(who.signed_req, 1);
	ck_assert_int_eq(who.party, -1);
	req_free(req);
	OPENSSL_free(der);
	access_free(a);
}
END_TEST

START_TEST(registered_signed_and_unsigned)
{
	struct access		*a = two_parties();
	struct access_who	 who;
	unsigned char		*der;
	size_t			 len;
	struct ocsp_request	*req;
	char			*m;

	req = request(NULL, NULL, 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who),
	    ACCESS_SIG_REQUIRED);
	req_free(req);
	OPENSSL_free(der);

	req = request(&alice, NULL, 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who), ACCESS_OK);
	ck_assert_int_eq(who.signed_req, 1);
	ck_assert_str_eq(access_party_name(a, who.party), "alice");
	req_free(req);
	OPENSSL_free(der);

	req = request(&rsa_party, EVP_sha384(), 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who), ACCESS_OK);
	ck_assert_str_eq(access_party_name(a, who.party), "rsa-party");
	req_free(req);
	OPENSSL_free(der);

	m = metrics(a);
	ck_assert_ptr_nonnull(strstr(m,
	    "certstatus_party_requests_total{party=\"alice\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(m,
	    "certstatus_access_refused_total{reason=\"sig_required\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(m, "certstatus_parties 2\n"));
	free(m);
	access_free(a);
}
END_TEST

START_TEST(unauthorized_signers)
{
	struct access		*a = two_parties();
	struct access_who	 who;
	unsigned char		*der;
	size_t			 len;
	struct ocsp_request	*req;
	struct id		 stranger;
	char			*m;

	/* a name no party has */
	make_id(&stranger, "stranger.example", 0, T0 - DAY, T0 + DAY);
	req = request(&stranger, NULL, 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who),
	    ACCESS_UNAUTHORIZED);
	ck_assert_ptr_nonnull(strstr(who.why, "no registered party"));
	req_free(req);
	OPENSSL_free(der);
	free_id(&stranger);

	/* alice's name, another key (its own certificate beside it) */
	req = request(&mallory, NULL, 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who),
	    ACCESS_UNAUTHORIZED);
	ck_assert_ptr_nonnull(strstr(who.why, "does not verify"));
	ck_assert_str_eq(access_party_name(a, who.party), "alice");
	req_free(req);
	OPENSSL_free(der);

	m = metrics(a);
	ck_assert_ptr_nonnull(strstr(m, "certstatus_party_refused_total"
	    "{party=\"alice\",reason=\"unauthorized\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(m,
	    "certstatus_access_refused_total{reason=\"unauthorized\"} 2\n"));
	free(m);
	access_free(a);
}
END_TEST

START_TEST(flipped_signature)
{
	struct access		*a = two_parties();
	struct access_who	 who;
	unsigned char		*der;
	size_t			 len, at;
	struct ocsp_request	*req;
	unsigned char		*sig_end;
	int			 rc;

	/* without certificates the signature's BIT STRING ends the DER */
	{
		OCSP_REQUEST	*r = OCSP_REQUEST_new();
		OCSP_CERTID	*cid;
		ASN1_INTEGER	*serial = ASN1_INTEGER_new();

		ck_assert(ASN1_INTEGER_set(serial, 1));
		cid = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(
		    alice.cert), X509_get0_pubkey_bitstr(alice.cert), serial);
		ck_assert_ptr_nonnull(OCSP_request_add0_id(r, cid));
		ck_assert(OCSP_request_sign(r, alice.cert, alice.key, NULL,
		    NULL, OCSP_NOCERTS));
		der = NULL;
		ck_assert_int_gt(rc = i2d_OCSP_REQUEST(r, &der), 0);
		len = (size_t)rc;
		OCSP_REQUEST_free(r);
		ASN1_INTEGER_free(serial);
	}
	for (at = len - 8; at < len; at += 3) {
		sig_end = der + at;
		*sig_end ^= 0x01;
		/* an ECDSA signature with a flipped byte may not even decode as
		 * an ECDSA-Sig-Value: either way, not answered */
		if ((req = parse_maybe(der, len)) != NULL) {
			ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1,
			    &who), ACCESS_UNAUTHORIZED);
			req_free(req);
		}
		*sig_end ^= 0x01;
	}
	/* and the untouched bytes are answered */
	req = parse(der, len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who), ACCESS_OK);
	req_free(req);
	OPENSSL_free(der);
	access_free(a);
}
END_TEST

START_TEST(expired_and_removed)
{
	struct access		*a = access_new();
	struct access_who	 who;
	struct db_party		 rows[2];
	unsigned char		*der;
	size_t			 len;
	struct ocsp_request	*req;

	rows[0] = row(1, "alice", &alice, 0);
	rows[1] = row(3, "bob", &bob, 0);
	set_parties(a, rows, 2);
	req = request(&bob, NULL, 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who),
	    ACCESS_UNAUTHORIZED);
	ck_assert_ptr_nonnull(strstr(who.why, "not valid now"));
	/* the same request while bob's certificate was valid */
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0 - 10 * DAY, 1,
	    &who), ACCESS_OK);
	req_free(req);
	OPENSSL_free(der);

	req = request(&alice, NULL, 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who), ACCESS_OK);
	rows[0] = row(3, "bob", &bob, 0);	/* alice removed */
	set_parties(a, rows, 1);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who),
	    ACCESS_UNAUTHORIZED);
	req_free(req);
	OPENSSL_free(der);
	access_free(a);
}
END_TEST

START_TEST(refused_algorithms_and_certs)
{
	struct access		*a = two_parties();
	struct access_who	 who;
	unsigned char		*der;
	size_t			 len;
	struct ocsp_request	*req;

	/* SHA-1 with RSA, from a registered party's own key */
	req = request(&rsa_party, EVP_sha1(), 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who),
	    ACCESS_UNAUTHORIZED);
	ck_assert_ptr_nonnull(strstr(who.why, "algorithm"));
	req_free(req);
	OPENSSL_free(der);

	/* a chain longer than any party needs (the signer's own + 9) */
	req = request(&alice, NULL, ACCESS_SIG_CERTS_MAX + 1, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who),
	    ACCESS_UNAUTHORIZED);
	ck_assert_ptr_nonnull(strstr(who.why, "too many"));
	req_free(req);
	OPENSSL_free(der);
	/* a few are fine (and never trusted) */
	req = request(&alice, NULL, 3, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who), ACCESS_OK);
	req_free(req);
	OPENSSL_free(der);
	access_free(a);
}
END_TEST

START_TEST(requestor_name_mismatch)
{
	struct access		*a = two_parties();
	struct access_who	 who;
	unsigned char		*der;
	size_t			 len;
	struct ocsp_request	*req;
	int			 n;

	/* signed by alice's key, then renamed to rsa-party: what is signed
	 * is alice's name, what is claimed the other's */
	req = request(&alice, NULL, 0, &der, &len);
	OPENSSL_free(der);
	ck_assert(OCSP_request_set1_name(req->req, X509_get_subject_name(
	    rsa_party.cert)));
	der = NULL;
	ck_assert_int_gt(n = i2d_OCSP_REQUEST(req->req, &der), 0);
	req_free(req);
	len = (size_t)n;
	req = parse(der, len);
	ck_assert_int_eq(ask(a, req, der, len, NULL, 1, T0, 1, &who),
	    ACCESS_UNAUTHORIZED);
	ck_assert_str_eq(access_party_name(a, who.party), "rsa-party");
	req_free(req);
	OPENSSL_free(der);
	access_free(a);
}
END_TEST

START_TEST(client_certificates)
{
	struct access		*a = two_parties();
	struct access_who	 who;
	unsigned char		*der;
	size_t			 len;
	struct ocsp_request	*req;

	req = request(NULL, NULL, 0, &der, &len);
	ck_assert_int_eq(ask(a, req, der, len, alice.cert, 1, T0, 1, &who),
	    ACCESS_OK);
	ck_assert_str_eq(access_party_name(a, who.party), "alice");
	ck_assert_int_eq(ask(a, req, der, len, mallory.cert, 1, T0, 1, &who),
	    ACCESS_UNAUTHORIZED);
	req_free(req);
	OPENSSL_free(der);

	ck_assert_int_eq(access_crl(a, NULL, 0, T0, 1, &who), ACCESS_OK);
	ck_assert_int_eq(access_crl(a, NULL, 1, T0, 1, &who),
	    ACCESS_UNAUTHORIZED);
	ck_assert_int_eq(access_crl(a, mallory.cert, 1, T0, 1, &who),
	    ACCESS_UNAUTHORIZED);
	ck_assert_int_eq(access_crl(a, alice.cert, 1, T0, 1, &who), ACCESS_OK);
	access_free(a);
}
END_TEST

START_TEST(rate_limit_and_reload)
{
	struct access		*a = two_parties();
	struct access_who	 who;
	struct db_party		 rows[2];
	int64_t			 us = 5000000;
	char			*m;

	/* rsa-party: 2 per second, a burst of 2 */
	ck_assert_int_eq(access_crl(a, rsa_party.cert, 1, T0, us, &who),
	    ACCESS_OK);
	ck_assert_int_eq(access_crl(a, rsa_party.cert, 1, T0, us, &who),
	    ACCESS_OK);
	ck_assert_int_eq(access_crl(a, rsa_party.cert, 1, T0, us, &who),
	    ACCESS_RATE_LIMITED);
	ck_assert_int_eq(access_crl(a, rsa_party.cert, 1, T0, us + 499000,
	    &who), ACCESS_RATE_LIMITED);
	ck_assert_int_eq(access_crl(a, rsa_party.cert, 1, T0, us + 501000,
	    &who), ACCESS_OK);
	/* alice has no limit */
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(access_crl(a, alice.cert, 1, T0, us, &who),
		    ACCESS_OK);
	/* a reload keeps the counters of the parties that stay */
	rows[0] = row(1, "alice", &alice, 0);
	rows[1] = row(2, "rsa-party", &rsa_party, 2);
	set_parties(a, rows, 2);
	m = metrics(a);
	ck_assert_ptr_nonnull(strstr(m,
	    "certstatus_party_requests_total{party=\"alice\"} 100\n"));
	ck_assert_ptr_nonnull(strstr(m,
	    "certstatus_party_requests_total{party=\"rsa-party\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(m, "certstatus_party_refused_total"
	    "{party=\"rsa-party\",reason=\"rate_limited\"} 2\n"));
	free(m);
	access_free(a);
}
END_TEST

START_TEST(bad_rows_refused_alone)
{
	struct access		*a = access_new();
	struct access_who	 who;
	struct db_party		 rows[2];
	char			 why[256];

	/* a row written behind certctl's back: that party alone is refused */
	memset(&rows[0], 0, sizeof(rows[0]));
	rows[0].id = 9;
	rows[0].name = "broken";
	rows[0].cert = (unsigned char *)"\x30\x03\x02\x01\x01";
	rows[0].cert_len = 5;
	rows[1] = row(1, "alice", &alice, 0);
	ck_assert_int_eq(access_set_parties(a, rows, 2, why, sizeof(why)), 1);
	OPENSSL_free(rows[1].cert);
	ck_assert_ptr_nonnull(strstr(why, "broken"));
	ck_assert_uint_eq(access_count(a), 1);
	ck_assert_int_eq(access_crl(a, alice.cert, 1, T0, 1, &who), ACCESS_OK);
	ck_assert_str_eq(access_party_name(a, who.party), "alice");
	ck_assert_int_eq(ERR_peek_error(), 0);
	access_free(a);
}
END_TEST

static Suite *
access_suite(void)
{
	Suite	*s = suite_create("access");
	TCase	*tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, setup_ids, teardown_ids);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, open_answers_all);
	tcase_add_test(tc, registered_signed_and_unsigned);
	tcase_add_test(tc, unauthorized_signers);
	tcase_add_test(tc, flipped_signature);
	tcase_add_test(tc, expired_and_removed);
	tcase_add_test(tc, refused_algorithms_and_certs);
	tcase_add_test(tc, requestor_name_mismatch);
	tcase_add_test(tc, client_certificates);
	tcase_add_test(tc, rate_limit_and_reload);
	tcase_add_test(tc, bad_rows_refused_alone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(access_suite(), CK_FORK_GETENV);
}
