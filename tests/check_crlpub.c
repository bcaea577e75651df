/* SPDX-License-Identifier: ISC */
/*
 * check_crlpub.c: CRL publication from the registry (common/crlpub.c) and
 * certctl crl generate: numbering, the full CRL's entries and reasons, the
 * delta against its base, expired entries (drop/keep) and the refusal for
 * an issuer without its CA key.  Certificates are registry rows written
 * directly (no DER needed for CRLs); each test gets a fresh folder (CK_FORK).
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "certctl.h"
#include "check_main.h"
#include "check_registry.h"
#include "clock.h"
#include "crlpub.h"
#include "db_impl.h"	/* crlpub.c is part of the registry */
#include "issuance.h"
#include "log.h"
#include "pki.h"
#include "registry.h"

#define DAY	86400

static char		 tdir[] = "/tmp/check_crlpub.XXXXXX";
static struct config	*cfg;
static struct db	*db;
static struct reg	 r;
static struct iss_ca	 ca;
static struct crlpub_issuer is;
static time_t		 t0;

static void
setup(void)
{
	fixture_open("check_crlpub", tdir, &cfg, &db, &r);
	ck_assert_int_eq(clock_parse(FIXTURE_NOW, &t0), 0);
	free(cfg->base_url);
	cfg->base_url = strdup("http://crl.example/");
	ck_assert_int_eq(iss_ca_load(&r, "test", &ca), REG_OK);
	is.id = ca.row.id;
	is.name = ca.row.name;
	is.ca = ca.cert;
	is.key = ca.key;
}

static void
teardown(void)
{
	iss_ca_free(&ca);
	fixture_close(tdir, cfg, db, &r);
}

/* Insert or change certificate `serial` (one byte) as a status change does. */
static void
cert_set(int serial, const char *status, int reason, time_t not_after)
{
	sqlite3_stmt	*st;
	unsigned char	 b = (unsigned char)serial;
	int64_t		 seq;

	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_ge(seq = db_next_change(db), 1);
	ck_assert_int_eq(sqlite3_prepare_v2(db->h, "INSERT INTO certificates "
	    "(issuer_id, serial, kind, not_before, not_after, status, reason, "
	    "revoked_at, hold_at, change_seq, created_at) VALUES (?1, ?2, 'sign', "
	    "?3, ?4, ?5, ?6, ?7, CASE WHEN ?5 = 'hold' THEN ?7 END, ?8, ?3) "
	    "ON CONFLICT (issuer_id, serial) DO UPDATE SET status = ?5, "
	    "reason = ?6, revoked_at = ?7, hold_at = CASE WHEN ?5 = 'hold' "
	    "THEN ?7 ELSE hold_at END, change_seq = ?8", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, is.id);
	sqlite3_bind_blob(st, 2, &b, 1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, t0 - 365 * DAY);
	sqlite3_bind_int64(st, 4, not_after != 0 ? not_after : t0 + 365 * DAY);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
	if (strcmp(status, "good") == 0 && reason < 0)
		sqlite3_bind_null(st, 6);
	else
		sqlite3_bind_int(st, 6, reason);
	sqlite3_bind_int64(st, 7, clock_now());
	sqlite3_bind_int64(st, 8, seq);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	ck_assert_int_eq(db_commit(db), 0);
}

static X509_CRL *
stored(int64_t number)
{
	sqlite3_stmt		*st;
	const unsigned char	*p;
	X509_CRL		*crl;

	ck_assert_int_eq(sqlite3_prepare_v2(db->h, "SELECT der FROM crls WHERE "
	    "issuer_id = ? AND number = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, is.id);
	sqlite3_bind_int64(st, 2, number);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	p = sqlite3_column_blob(st, 0);
	crl = d2i_X509_CRL(NULL, &p, sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	ck_assert_ptr_nonnull(crl);
	ck_assert_int_eq(X509_CRL_verify(crl, X509_get0_pubkey(ca.cert)), 1);
	return crl;
}

static int64_t
crl_number(X509_CRL *crl)
{
	ASN1_INTEGER	*n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	int64_t		 v = -1;

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(ASN1_INTEGER_get_int64(&v, n), 1);
	ASN1_INTEGER_free(n);
	return v;
}

/* The entry for serial: its reason (-1 none), or -2 when not listed. */
static int
entry(X509_CRL *crl, int serial)
{
	STACK_OF(X509_REVOKED)	*revs = X509_CRL_get_REVOKED(crl);

	for (int i = 0; i < sk_X509_REVOKED_num(revs); i++) {
		X509_REVOKED		*rv = sk_X509_REVOKED_value(revs, i);
		ASN1_ENUMERATED		*e;
		int			 reason = -1;

		if (ASN1_INTEGER_get(X509_REVOKED_get0_serialNumber(rv)) != serial)
			continue;
		if ((e = X509_REVOKED_get_ext_d2i(rv, NID_crl_reason, NULL,
		    NULL)) != NULL) {
			reason = (int)ASN1_ENUMERATED_get(e);
			ASN1_ENUMERATED_free(e);
		}
		return reason;
	}
	return -2;
}

static int
count(X509_CRL *crl)
{
	return sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl));
}

static void
generate(enum crlpub_mode mode, struct crlpub_result *res)
{
	char	 err[512];

	ck_assert_msg(crlpub_generate(db, cfg, &is, mode, clock_now(), res, err,
	    sizeof(err)) == 0, "%s", err);
}

START_TEST(test_numbers_increase)
{
	struct crlpub_result	 res;
	int64_t			 last = 0;

	for (int i = 0; i < 14; i++) {
		cert_set(i + 1, "revoked", REASON_KEY_COMPROMISE, 0);
		generate(i % 3 == 2 ? CRLPUB_DELTA_ONLY : CRLPUB_FULL_AND_DELTA,
		    &res);
		if (res.full_number >= 0) {
			X509_CRL	*crl = stored(res.full_number);

			ck_assert_int_gt(res.full_number, last);
			ck_assert_int_eq(crl_number(crl) == res.full_number, 1);
			X509_CRL_free(crl);
			last = res.full_number;
		}
		ck_assert_int_gt(res.delta_number, last);
		last = res.delta_number;
	}
	/* pruned to CRLPUB_KEEP rows, the delta's base kept */
	{
		sqlite3_stmt	*st;

		ck_assert_int_eq(sqlite3_prepare_v2(db->h, "SELECT count(*) FROM "
		    "crls", -1, &st, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_le(sqlite3_column_int(st, 0), CRLPUB_KEEP);
		sqlite3_finalize(st);
	}
	X509_CRL_free(stored(res.delta_base));
	/* a second connection (another process) continues the sequence */
	{
		struct db	*db2;
		char		 err[256];
		struct crlpub_result res2;

		ck_assert_ptr_nonnull(db2 = db_open(cfg->database, DB_READWRITE,
		    err, sizeof(err)));
		ck_assert_int_eq(crlpub_generate(db2, cfg, &is,
		    CRLPUB_FULL_AND_DELTA, clock_now(), &res2, err, sizeof(err)), 0);
		ck_assert_int_eq(res2.full_number, last + 1);
		db_close(db2);
	}
}
END_TEST

START_TEST(test_full_entries_and_reasons)
{
	struct crlpub_result	 res;
	X509_CRL		*crl;
	X509_EXTENSION		*fx;

	cert_set(1, "good", -1, 0);
	cert_set(2, "revoked", REASON_KEY_COMPROMISE, 0);
	cert_set(3, "hold", REASON_CERTIFICATE_HOLD, 0);
	cert_set(4, "revoked", REASON_UNSPECIFIED, 0);
	cert_set(5, "revoked", REASON_CESSATION, 0);
	cert_set(6, "hold", REASON_CERTIFICATE_HOLD, 0);
	cert_set(6, "good", -1, 0);		/* hold released */
	generate(CRLPUB_FULL_AND_DELTA, &res);
	ck_assert_int_eq(res.full_entries, 4);
	crl = stored(res.full_number);
	ck_assert_int_eq(count(crl), 4);
	ck_assert_int_eq(entry(crl, 1), -2);
	ck_assert_int_eq(entry(crl, 2), CRL_REASON_KEY_COMPROMISE);
	ck_assert_int_eq(entry(crl, 3), CRL_REASON_CERTIFICATE_HOLD);
	ck_assert_int_eq(entry(crl, 4), -1);	/* unspecified: no reasonCode */
	ck_assert_int_eq(entry(crl, 5), CRL_REASON_CESSATION_OF_OPERATION);
	ck_assert_int_eq(entry(crl, 6), -2);
	ck_assert_int_eq(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	ck_assert_int_ge(X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier,
	    -1), 0);
	ck_assert_int_lt(X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1), 0);
	fx = X509_CRL_get_ext(crl, X509_CRL_get_ext_by_NID(crl,
	    NID_freshest_crl, -1));
	ck_assert_ptr_nonnull(fx);
	ck_assert_ptr_nonnull(memmem(ASN1_STRING_get0_data(
	    X509_EXTENSION_get_data(fx)), ASN1_STRING_length(
	    X509_EXTENSION_get_data(fx)), "http://crl.example/crl/test-delta.crl",
	    37));
	ck_assert_int_eq(X509_cmp_time(X509_CRL_get0_nextUpdate(crl),
	    &(time_t){ t0 + cfg->crl_validity - 1 }), 1);
	X509_CRL_free(crl);
}
END_TEST

START_TEST(test_delta_since_base)
{
	struct crlpub_result	 res;
	X509_CRL		*full, *delta;
	int64_t			 base;

	cert_set(1, "revoked", REASON_KEY_COMPROMISE, 0);
	cert_set(2, "hold", REASON_CERTIFICATE_HOLD, 0);
	cert_set(3, "hold", REASON_CERTIFICATE_HOLD, 0);
	cert_set(4, "good", -1, 0);
	generate(CRLPUB_FULL_AND_DELTA, &res);
	base = res.full_number;
	ck_assert_int_eq(res.delta_entries, 0);	/* first: based on itself */
	clock_set(t0 + 3600);
	cert_set(2, "revoked", REASON_CESSATION, 0);	/* hold -> revoked */
	cert_set(4, "revoked", REASON_AFFILIATION_CHANGED, 0);	/* new */
	cert_set(3, "good", -1, 0);			/* hold released */
	generate(CRLPUB_DELTA_ONLY, &res);
	ck_assert_int_eq(res.full_number, -1);
	ck_assert_int_eq(res.delta_base, base);
	delta = stored(res.delta_number);
	ck_assert_int_ge(X509_CRL_get_ext_by_NID(delta, NID_delta_crl, -1), 0);
	ck_assert_int_eq(count(delta), 3);
	ck_assert_int_eq(entry(delta, 1), -2);	/* unchanged since the base */
	ck_assert_int_eq(entry(delta, 2), CRL_REASON_CESSATION_OF_OPERATION);
	ck_assert_int_eq(entry(delta, 4), CRL_REASON_AFFILIATION_CHANGED);
	ck_assert_int_eq(entry(delta, 3), CRL_REASON_REMOVE_FROM_CRL);
	X509_CRL_free(delta);
	/* a full run: the delta keeps the previous full as its base */
	generate(CRLPUB_FULL_AND_DELTA, &res);
	ck_assert_int_eq(res.delta_base, base);
	full = stored(res.full_number);
	ck_assert_int_eq(count(full), 3);
	ck_assert_int_eq(entry(full, 2), CRL_REASON_CESSATION_OF_OPERATION);
	ck_assert_int_eq(entry(full, 3), -2);
	X509_CRL_free(full);
}
END_TEST

START_TEST(test_expired_drop_keep)
{
	struct crlpub_result	 res;
	X509_CRL		*crl;

	cert_set(1, "revoked", REASON_KEY_COMPROMISE, t0 - 10 * DAY);
	cert_set(2, "revoked", REASON_KEY_COMPROMISE, t0 - 1 * DAY);
	cert_set(3, "revoked", REASON_KEY_COMPROMISE, 0);
	cfg->crl_expired = CRL_EXPIRED_DROP;
	cfg->crl_retention = 5 * DAY;
	generate(CRLPUB_FULL_AND_DELTA, &res);
	crl = stored(res.full_number);
	ck_assert_int_eq(entry(crl, 1), -2);	/* past retention */
	ck_assert_int_eq(entry(crl, 2), CRL_REASON_KEY_COMPROMISE);
	ck_assert_int_eq(entry(crl, 3), CRL_REASON_KEY_COMPROMISE);
	{
		ASN1_OBJECT	*o = OBJ_txt2obj("2.5.29.60", 1);

		ck_assert_int_lt(X509_CRL_get_ext_by_OBJ(crl, o, -1), 0);
		ASN1_OBJECT_free(o);
	}
	X509_CRL_free(crl);
	cfg->crl_retention = 0;
	generate(CRLPUB_FULL_AND_DELTA, &res);
	crl = stored(res.full_number);
	ck_assert_int_eq(count(crl), 1);
	X509_CRL_free(crl);
	cfg->crl_expired = CRL_EXPIRED_KEEP;
	generate(CRLPUB_FULL_AND_DELTA, &res);
	crl = stored(res.full_number);
	ck_assert_int_eq(count(crl), 3);
	{
		ASN1_OBJECT	*o = OBJ_txt2obj("2.5.29.60", 1);

		ck_assert_int_ge(X509_CRL_get_ext_by_OBJ(crl, o, -1), 0);
		ASN1_OBJECT_free(o);
	}
	X509_CRL_free(crl);
}
END_TEST

START_TEST(test_no_key_refused)
{
	struct ctx		 c;
	struct crlpub_result	 res;
	struct crlpub_issuer	 nokey = is;
	char			 err[256], *argv[] = { "crl", "generate", NULL };
	sqlite3_stmt		*st;

	nokey.key = NULL;
	ck_assert_int_eq(crlpub_generate(db, cfg, &nokey, CRLPUB_FULL_AND_DELTA,
	    clock_now(), &res, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no CA key"));
	/* delta before any full */
	ck_assert_int_eq(crlpub_generate(db, cfg, &is, CRLPUB_DELTA_ONLY,
	    clock_now(), &res, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no full CRL"));
	/* certctl crl generate on an issuer imported without its key */
	ck_assert_int_eq(db_exec(db, "UPDATE issuers SET ca_key = NULL"), 0);
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.operator_name = "tester";
	ck_assert_int_eq(cmd_crl(&c, 2, argv), EXIT_REFUSED);
	ck_assert_ptr_nonnull(strstr(c.reg.why, "no CA key"));
	reg_done(&c.reg);
	db_close(c.db);
	ck_assert_int_eq(sqlite3_prepare_v2(db->h, "SELECT count(*) FROM crls",
	    -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
}
END_TEST

START_TEST(test_needed)
{
	struct crlpub_result	 res;
	time_t			 at;

	ck_assert_int_eq(crlpub_needed(db, cfg, is.id, t0, &at), 1);
	generate(CRLPUB_FULL_AND_DELTA, &res);
	ck_assert_int_eq(crlpub_needed(db, cfg, is.id, t0, &at), 0);
	ck_assert_int_eq(at, t0 + cfg->crl_delta_validity / 2);
	ck_assert_int_eq(crlpub_needed(db, cfg, is.id, at, NULL), 1);
	cert_set(9, "revoked", REASON_KEY_COMPROMISE, 0);
	ck_assert_int_eq(crlpub_needed(db, cfg, is.id, t0, NULL), 1);
}
END_TEST

static Suite *
crlpub_suite(void)
{
	Suite	*s = suite_create("crlpub");
	TCase	*tc = tcase_create("crlpub");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_numbers_increase);
	tcase_add_test(tc, test_full_entries_and_reasons);
	tcase_add_test(tc, test_delta_since_base);
	tcase_add_test(tc, test_expired_drop_keep);
	tcase_add_test(tc, test_no_key_refused);
	tcase_add_test(tc, test_needed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(crlpub_suite(), CK_FORK_GETENV);
}
