/* SPDX-License-Identifier: ISC */
/*
 * check_prepare.c: unit tests for server/prepare.c, linked without the
 * server: a request's DER against the fixed registry in tests/data/registry
 * (copied per test), and the signing job it yields, decoded as a signer
 * worker decodes it: one SingleResponse per CertID with the registry's
 * status, the dates, the nonce, and what the caller is told to count, store
 * and report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <sqlite3.h>

#include "check_main.h"
#include "log.h"
#include "prepare.h"

#define REGISTRY	"tests/data/registry"
#define T0		((time_t)1795608000)	/* 2026-11-25T12:00:00Z */
#define VALIDITY	((time_t)3600)

static char			 dir[64];
static struct config		*conf;
static struct db		*db;
static struct issuer_set	*set;
static struct prepare_env	 env;
static X509			*ca;
static unsigned char		 buf[OCSP_JOB_MAX];

static X509 *
pem_file(const char *path)
{
	FILE	*f;
	X509	*x;

	ck_assert_msg((f = fopen(path, "r")) != NULL, "%s", path);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_msg(x != NULL, "%s: not a certificate", path);
	return x;
}

static X509 *
cert(const char *name)
{
	char	 path[128];

	snprintf(path, sizeof(path), "%s/demo/certs/%s.pem", dir, name);
	return pem_file(path);
}

static void
setup(void)
{
	char	 cmd[256], path[128], err[512];

	log_init("check_prepare", LOG_LVL_ERR);
	strcpy(dir, "/tmp/check_prepare.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp -R %s %s/demo && "
	    "chmod 600 %s/demo/keys/*", REGISTRY, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/demo/certstatus.conf", dir);
	ck_assert_msg((conf = config_load(path, err, sizeof(err))) != NULL,
	    "%s", err);
	ck_assert_msg((db = db_open(conf->database, DB_READONLY, err,
	    sizeof(err))) != NULL, "%s", err);
	ck_assert_msg((set = issuers_load(db, conf, err, sizeof(err))) != NULL,
	    "%s", err);
	ck_assert_uint_ge(set->n, 1);
	prepare_env_set(&env, conf, set, db);
	env.validity = VALIDITY;
	snprintf(path, sizeof(path), "%s/demo/issuer.pem", dir);
	ca = pem_file(path);
	ck_assert_int_eq(X509_cmp(ca, set->v[0].ca), 0);
}

static void
teardown(void)
{
	char	 cmd[128];

	X509_free(ca);
	issuers_free(set);
	db_close(db);
	config_free(conf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* DER of a request for these certificates of issuer by, with a nonce when
 * nonce_len > 0.  The caller frees it. */
static unsigned char *
request(X509 *by, const char **names, size_t n, size_t nonce_len,
    size_t *len)
{
	OCSP_REQUEST	*req = OCSP_REQUEST_new();
	unsigned char	*der = NULL, nonce[64];
	int		 dlen;

	ck_assert_ptr_nonnull(req);
	for (size_t i = 0; i < n; i++) {
		X509		*x = cert(names[i]);
		OCSP_CERTID	*id = OCSP_cert_to_id(EVP_sha1(), x, by);

		ck_assert_ptr_nonnull(id);
		ck_assert_ptr_nonnull(OCSP_request_add0_id(req, id));
		X509_free(x);
	}
	memset(nonce, 0x5a, sizeof(nonce));
	if (nonce_len > 0)
		ck_assert_int_eq(OCSP_request_add1_nonce(req, nonce,
		    (int)nonce_len), 1);
	ck_assert_int_gt(dlen = i2d_OCSP_REQUEST(req, &der), 0);
	OCSP_REQUEST_free(req);
	*len = (size_t)dlen;
	return der;
}

/* The registry's view of a certificate, read here without prepare.c. */
static struct cert_status
status_of(const char *name)
{
	struct cert_status	 cs;
	struct serial		 s;
	X509			*x = cert(name);

	ck_assert_int_eq(serial_from_asn1(X509_get0_serialNumber(x), &s), 0);
	X509_free(x);
	ck_assert_int_eq(db_cert_status(db, set->v[0].id, &s, &cs), 0);
	return cs;
}

/* Run prepare_request on the request for names and decode the job. */
static int
prepare_names(const char **names, size_t n, size_t nonce_len,
    struct prepare_job *pj, struct ocsp_job *job, const char **why)
{
	unsigned char	*der;
	size_t		 len;
	int		 status;

	der = request(ca, names, n, nonce_len, &len);
	status = prepare_request(&env, der, len, T0, buf, sizeof(buf), pj, why);
	OPENSSL_free(der);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	memset(job, 0, sizeof(*job));
	if (status == 0)
		ck_assert_int_eq(ocsp_job_decode(buf, pj->len, job), 0);
	return status;
}

static void
assert_dates(const struct ocsp_single *one)
{
	ck_assert_int_eq(one->this_update, T0);
	ck_assert_int_eq(one->next_update, T0 + VALIDITY);
}

START_TEST(test_statuses)
{
	const char		*names[] = { "good-sign", "moved-sign",
				    "lost-sign", "never-issued" };
	struct cert_status	 good = status_of("good-sign");
	struct prepare_job	 pj;
	struct ocsp_job		 job;
	const char		*why = NULL;

	ck_assert_int_eq(prepare_names(names, 4, 0, &pj, &job, &why), 0);
	ck_assert_uint_eq(job.n, 4);
	ck_assert_uint_eq(job.issuer, (uint32_t)set->v[0].index);
	ck_assert_int_eq(job.produced_at, T0);
	ck_assert_uint_eq(job.nonce_len, 0);
	ck_assert_int_eq(job.extended_revoke, 0);
	ck_assert_int_eq(job.s[0].status, OCSP_ST_GOOD);
	ck_assert_int_eq(job.s[1].status, OCSP_ST_REVOKED);
	ck_assert_int_eq(job.s[1].reason, 3);	/* affiliationChanged */
	ck_assert_int_eq(job.s[2].status, OCSP_ST_REVOKED);
	ck_assert_int_eq(job.s[2].reason, 6);	/* certificateHold */
	ck_assert_int_eq(job.s[3].status, OCSP_ST_UNKNOWN);
	for (size_t i = 0; i < job.n; i++)
		assert_dates(&job.s[i]);
	ck_assert_uint_eq(pj.count[OCSP_ST_GOOD], 1);
	ck_assert_uint_eq(pj.count[OCSP_ST_REVOKED], 2);
	ck_assert_uint_eq(pj.count[OCSP_ST_UNKNOWN], 1);
	ck_assert_int_eq(pj.cacheable, 0);	/* a never-issued serial */
	ck_assert(pj.fp == ocsp_status_fp(&good));
	ck_assert_int_eq(pj.this_update, T0);
	ck_assert_int_eq(pj.next_update, T0 + VALIDITY);
	ck_assert_int_eq(pj.registry_failed, 0);
	ocsp_job_clear(&job);
}
END_TEST

/* One issued certificate: storable, with the fingerprint of its status. */
START_TEST(test_single)
{
	const char		*good[] = { "good-sign" };
	const char		*moved[] = { "moved-sign" };
	struct cert_status	 cs = status_of("moved-sign");
	struct prepare_job	 pj, pj2;
	struct ocsp_job		 job;
	const char		*why;

	ck_assert_int_eq(prepare_names(good, 1, 0, &pj, &job, &why), 0);
	ck_assert_int_eq(pj.cacheable, 1);
	ck_assert_uint_eq(pj.count[OCSP_ST_GOOD], 1);
	ck_assert_uint_eq(pj.count[OCSP_ST_REVOKED] + pj.count[OCSP_ST_UNKNOWN],
	    0);
	ocsp_job_clear(&job);
	ck_assert_int_eq(prepare_names(moved, 1, 0, &pj2, &job, &why), 0);
	ck_assert_int_eq(pj2.cacheable, 1);
	ck_assert(pj2.fp == ocsp_status_fp(&cs));
	ck_assert(pj2.fp != pj.fp);
	ck_assert_int_eq(job.s[0].revoked_at, cs.revoked_at);
	ocsp_job_clear(&job);
}
END_TEST

/* unknown-serial revoked: never-issued is revoked, with extended-revoke. */
START_TEST(test_unknown_as_revoked)
{
	const char		*names[] = { "never-issued" };
	struct prepare_job	 pj;
	struct ocsp_job		 job;
	const char		*why;

	env.unknown_as_revoked = 1;
	ck_assert_int_eq(prepare_names(names, 1, 0, &pj, &job, &why), 0);
	ck_assert_int_eq(job.s[0].status, OCSP_ST_REVOKED);
	ck_assert_int_eq(job.s[0].reason, 6);
	ck_assert_int_eq(job.s[0].revoked_at, 0);
	ck_assert_int_eq(job.extended_revoke, 1);
	ck_assert_uint_eq(pj.count[OCSP_ST_REVOKED], 1);
	ck_assert_int_eq(pj.cacheable, 0);
	ocsp_job_clear(&job);
}
END_TEST

START_TEST(test_nonce)
{
	const char		*names[] = { "good-auth" };
	unsigned char		 want[32];
	struct prepare_job	 pj;
	struct ocsp_job		 job;
	const char		*why;

	memset(want, 0x5a, sizeof(want));
	ck_assert_int_eq(prepare_names(names, 1, sizeof(want), &pj, &job,
	    &why), 0);
	ck_assert_uint_eq(job.nonce_len, sizeof(want));
	ck_assert_mem_eq(job.nonce, want, sizeof(want));
	ocsp_job_clear(&job);
}
END_TEST

/* CertIDs of an issuer not ours: unauthorized alone, unknown among ours. */
START_TEST(test_other_issuer)
{
	struct ocsp_request	 r;
	struct issuer		*is = NULL;
	struct prepare_job	 pj;
	struct ocsp_job		 job;
	X509			*other, *gs = cert("good-sign");
	X509			*ga = cert("good-auth");
	OCSP_REQUEST		*req;
	unsigned char		*der = NULL;
	const char		*why = NULL;
	char			 path[128];
	int			 len;

	snprintf(path, sizeof(path), "%s/demo/signer.pem", dir);
	other = pem_file(path);		/* hashes of another name and key */
	ck_assert_ptr_nonnull(req = OCSP_REQUEST_new());
	ck_assert_ptr_nonnull(OCSP_request_add0_id(req,
	    OCSP_cert_to_id(EVP_sha1(), gs, other)));
	ck_assert_int_gt(len = i2d_OCSP_REQUEST(req, &der), 0);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(prepare_parse(&env, der, (size_t)len, &r, &is, &why),
	    OCSP_RESPONSE_STATUS_UNAUTHORIZED);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_null(is);
	ocsp_request_clear(&r);
	OPENSSL_free(der);

	/* the other's first, then ours: the first is unknown, none stored */
	ck_assert_ptr_nonnull(OCSP_request_add0_id(req,
	    OCSP_cert_to_id(EVP_sha1(), ga, ca)));
	der = NULL;
	ck_assert_int_gt(len = i2d_OCSP_REQUEST(req, &der), 0);
	ck_assert_int_eq(prepare_request(&env, der, (size_t)len, T0, buf,
	    sizeof(buf), &pj, &why), 0);
	ck_assert_int_eq(ocsp_job_decode(buf, pj.len, &job), 0);
	ck_assert_uint_eq(job.n, 2);
	ck_assert_int_eq(job.s[0].status, OCSP_ST_UNKNOWN);
	ck_assert_int_eq(job.s[1].status, OCSP_ST_GOOD);
	ck_assert_uint_eq(pj.count[OCSP_ST_UNKNOWN], 1);
	ck_assert_uint_eq(pj.count[OCSP_ST_GOOD], 1);
	ck_assert_int_eq(pj.cacheable, 0);
	ocsp_job_clear(&job);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
	X509_free(other);
	X509_free(gs);
	X509_free(ga);
}
END_TEST

START_TEST(test_malformed)
{
	const char		*names[] = { "good-sign", "good-auth",
				    "lost-auth" };
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	struct prepare_job	 pj;
	struct ocsp_job		 job;
	const char		*why = NULL;

	ck_assert_int_eq(prepare_request(&env, junk, sizeof(junk), T0, buf,
	    sizeof(buf), &pj, &why), OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	env.max_certids = 2;
	why = NULL;
	ck_assert_int_eq(prepare_names(names, 3, 0, &pj, &job, &why),
	    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(prepare_names(names, 2, 0, &pj, &job, &why), 0);
	ocsp_job_clear(&job);
}
END_TEST

/* A registry that cannot be read: internalError, and the caller is told. */
START_TEST(test_registry_failed)
{
	const char		*names[] = { "good-sign" };
	struct prepare_job	 pj;
	struct ocsp_job		 job;
	const char		*why = NULL;
	sqlite3			*h;

	ck_assert_int_eq(sqlite3_open(conf->database, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "PRAGMA foreign_keys = OFF; "
	    "ALTER TABLE certificates RENAME TO gone", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	ck_assert_int_eq(prepare_names(names, 1, 0, &pj, &job, &why),
	    OCSP_RESPONSE_STATUS_INTERNALERROR);
	ck_assert_int_eq(pj.registry_failed, 1);
	ck_assert_ptr_nonnull(why);
}
END_TEST

/* The pre-signing job for a registry row: the SHA-1 CertID a client
 * builds, the row's status, nothing for a row of no issuer of ours. */
START_TEST(test_cert_job)
{
	struct cert_status	 cs = status_of("moved-sign"), bad;
	struct prepare_job	 pj;
	struct ocsp_job		 job;
	X509			*x = cert("moved-sign");
	OCSP_CERTID		*want = OCSP_cert_to_id(EVP_sha1(), x, ca);

	ck_assert_int_eq(prepare_cert_job(&env, &cs, T0, buf, sizeof(buf),
	    &pj), 0);
	ck_assert_int_eq(ocsp_job_decode(buf, pj.len, &job), 0);
	ck_assert_uint_eq(job.n, 1);
	ck_assert_int_eq(OCSP_id_cmp(job.s[0].id, want), 0);
	ck_assert_int_eq(job.s[0].status, OCSP_ST_REVOKED);
	ck_assert_int_eq(job.s[0].reason, 3);
	assert_dates(&job.s[0]);
	ck_assert(pj.fp == ocsp_status_fp(&cs));
	ck_assert_uint_eq(pj.count[OCSP_ST_REVOKED], 1);
	ocsp_job_clear(&job);

	bad = cs;
	bad.issuer_id = 999999;
	ck_assert_int_eq(prepare_cert_job(&env, &bad, T0, buf, sizeof(buf),
	    &pj), 1);
	bad = cs;
	bad.serial.len = 0;
	ck_assert_int_eq(prepare_cert_job(&env, &bad, T0, buf, sizeof(buf),
	    &pj), 1);
	OCSP_CERTID_free(want);
	X509_free(x);
}
END_TEST

static Suite *
prepare_suite(void)
{
	Suite	*s = suite_create("prepare");
	TCase	*tc = tcase_create("prepare");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_statuses);
	tcase_add_test(tc, test_single);
	tcase_add_test(tc, test_unknown_as_revoked);
	tcase_add_test(tc, test_nonce);
	tcase_add_test(tc, test_other_issuer);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_registry_failed);
	tcase_add_test(tc, test_cert_job);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(prepare_suite(), CK_FORK_GETENV);
}
