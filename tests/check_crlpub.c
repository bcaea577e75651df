/* SPDX-License-Identifier: ISC */
/*
 * check_crlpub.c: CRL publication from the registry (common/crlpub.c) and
 * certctl crl generate: numbering, the full CRL's entries and reasons, the
 * delta against its base, expired entries (drop/keep) and the refusal for
 * an issuer without its CA key; partitions (crl-partitions): entries, IDP,
 * numbers per partition, N=1 unchanged.  Certificates are registry rows written
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
#include "crlgen.h"
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

/* Put certificate `serial` (one byte) in partition k of n, as issuance does. */
static void
cert_part(int serial, int k, int n)
{
	struct serial	 s = { .len = 1 };

	s.b[0] = (unsigned char)serial;
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_cert_set_partition(db, is.id, &s, k, n), 0);
	ck_assert_int_eq(db_commit(db), 0);
}

/* The partition of one-byte serial v with crl-partitions n. */
static int
part_of(int v, int n)
{
	struct serial	 s = { .len = 1 };

	s.b[0] = (unsigned char)v;
	return crlpub_partition_of(&s, n);
}

/* Stored CRL `number` of scope part (-1: unpartitioned), verified. */
static X509_CRL *
stored_part(int part, int64_t number, unsigned char **der, size_t *len)
{
	sqlite3_stmt		*st;
	const unsigned char	*p;
	X509_CRL		*crl;

	ck_assert_int_eq(sqlite3_prepare_v2(db->h, "SELECT der FROM crls WHERE "
	    "issuer_id = ? AND part = ? AND number = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, is.id);
	sqlite3_bind_int(st, 2, part);
	sqlite3_bind_int64(st, 3, number);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	p = sqlite3_column_blob(st, 0);
	if (der != NULL) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		ck_assert_ptr_nonnull(*der = malloc(*len));
		memcpy(*der, p, *len);
	}
	crl = d2i_X509_CRL(NULL, &p, sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	ck_assert_ptr_nonnull(crl);
	ck_assert_int_eq(X509_CRL_verify(crl, X509_get0_pubkey(ca.cert)), 1);
	return crl;
}

/* The URI of the CRL's extension nid (IDP or freshestCRL); *crit its flag. */
static char *
ext_uri(X509_CRL *crl, int nid, int *crit)
{
	const DIST_POINT_NAME	*dpn;
	const GENERAL_NAME	*gn;
	ISSUING_DIST_POINT	*idp = NULL;
	CRL_DIST_POINTS		*dps = NULL;
	char			*uri;

	if (nid == NID_issuing_distribution_point) {
		if ((idp = X509_CRL_get_ext_d2i(crl, nid, crit, NULL)) == NULL)
			return NULL;
		dpn = idp->distpoint;
	} else {
		if ((dps = X509_CRL_get_ext_d2i(crl, nid, crit, NULL)) == NULL)
			return NULL;
		dpn = sk_DIST_POINT_value(dps, 0)->distpoint;
	}
	ck_assert_ptr_nonnull(dpn);
	ck_assert_int_eq(sk_GENERAL_NAME_num(dpn->name.fullname), 1);
	gn = sk_GENERAL_NAME_value(dpn->name.fullname, 0);
	ck_assert_int_eq(gn->type, GEN_URI);
	uri = strdup((const char *)ASN1_STRING_get0_data(
	    gn->d.uniformResourceIdentifier));
	ISSUING_DIST_POINT_free(idp);
	CRL_DIST_POINTS_free(dps);
	return uri;
}

static void
check_uri(X509_CRL *crl, int nid, int crit_want, const char *want)
{
	char	*got;
	int	 crit = -1;

	ck_assert_ptr_nonnull(got = ext_uri(crl, nid, &crit));
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(crit, crit_want);
	free(got);
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

START_TEST(test_partition_of)
{
	struct serial	 s;
	int		 seen[8] = { 0 };

	/* SHA-256 of the serial's octets, first 4 big-endian, mod n */
	ck_assert_int_eq(part_of(1, 1), -1);
	ck_assert_int_eq(part_of(1, 0), -1);
	ck_assert_int_eq(part_of(1, 4), 3);
	ck_assert_int_eq(part_of(1, 1024), 559);
	ck_assert_int_eq(serial_from_hex("4A1B2C3D4E5F60718293A4B5C6D7E8F9", &s), 0);
	ck_assert_int_eq(crlpub_partition_of(&s, 1024), 255);
	ck_assert_int_eq(crlpub_partition_of(&s, 7), 6);
	for (int v = 1; v < 256; v++) {
		int	 k = part_of(v, 8);

		ck_assert_int_ge(k, 0);
		ck_assert_int_lt(k, 8);
		seen[k]++;
	}
	for (int k = 0; k < 8; k++)	/* 255 serials: each gets about 32 */
		ck_assert_int_gt(seen[k], 10);
}
END_TEST

START_TEST(test_url)
{
	char	*u;

	ck_assert_ptr_nonnull(u = crlpub_url(cfg, "test", -1, 0));
	ck_assert_str_eq(u, "http://crl.example/crl/test.crl");
	free(u);
	ck_assert_ptr_nonnull(u = crlpub_url(cfg, "test", -1, 1));
	ck_assert_str_eq(u, "http://crl.example/crl/test-delta.crl");
	free(u);
	ck_assert_ptr_nonnull(u = crlpub_url(cfg, "test", 0, 0));
	ck_assert_str_eq(u, "http://crl.example/crl/test-0.crl");
	free(u);
	ck_assert_ptr_nonnull(u = crlpub_url(cfg, "test", 1023, 1));
	ck_assert_str_eq(u, "http://crl.example/crl/test-1023-delta.crl");
	free(u);
}
END_TEST

/*
 * crl-partitions 4: serials 1..40 spread over the partitions by their hash,
 * 200 and 201 issued before (no partition).  Each partition's CRLs list only
 * its own, carry the critical IDP of their URL and their own numbers.
 */
START_TEST(test_partitions)
{
	struct crlpub_result	 res;
	X509_CRL		*crl;
	char			 url[128];
	int			 want[4] = { 0 }, wantd[4] = { 0 }, k;

	cfg->crl_partitions = 4;
	for (int v = 1; v <= 40; v++) {
		cert_set(v, v % 3 == 0 ? "revoked" : "good", v % 3 == 0 ?
		    REASON_KEY_COMPROMISE : -1, 0);
		cert_part(v, part_of(v, 4), 4);
		if (v % 3 == 0)
			want[part_of(v, 4)]++;
	}
	cert_set(200, "revoked", REASON_KEY_COMPROMISE, 0);
	cert_set(201, "good", -1, 0);
	generate(CRLPUB_FULL_AND_DELTA, &res);
	ck_assert_uint_eq(res.nparts, 4);
	ck_assert_int_eq(res.full_entries, 1);		/* 200 only */
	crl = stored_part(-1, res.full_number, NULL, NULL);
	ck_assert_int_eq(entry(crl, 200), CRL_REASON_KEY_COMPROMISE);
	ck_assert_int_eq(count(crl), 1);
	check_uri(crl, NID_issuing_distribution_point, 1,
	    "http://crl.example/crl/test.crl");
	X509_CRL_free(crl);
	for (k = 0; k < 4; k++) {
		ck_assert_int_eq(res.parts[k].part, k);
		ck_assert_int_eq(res.parts[k].full_number, 1);
		ck_assert_int_eq(res.parts[k].delta_number, 2);
		ck_assert_int_eq(res.parts[k].full_entries, want[k]);
		crl = stored_part(k, 1, NULL, NULL);
		ck_assert_int_eq(crl_number(crl), 1);
		ck_assert_int_eq(count(crl), want[k]);
		for (int v = 1; v <= 40; v++)
			ck_assert_int_eq(entry(crl, v) != -2,
			    v % 3 == 0 && part_of(v, 4) == k);
		ck_assert_int_eq(entry(crl, 200), -2);
		snprintf(url, sizeof(url), "http://crl.example/crl/test-%d.crl", k);
		check_uri(crl, NID_issuing_distribution_point, 1, url);
		snprintf(url, sizeof(url), "http://crl.example/crl/test-%d-delta.crl", k);
		check_uri(crl, NID_freshest_crl, 0, url);
		X509_CRL_free(crl);
		crl = stored_part(k, 2, NULL, NULL);
		ck_assert_int_ge(X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1), 0);
		snprintf(url, sizeof(url), "http://crl.example/crl/test-%d.crl", k);
		check_uri(crl, NID_issuing_distribution_point, 1, url);
		X509_CRL_free(crl);
	}
	crlpub_result_free(&res);

	/* revocations since: each lands in its own partition's delta only */
	clock_set(t0 + 60);
	for (int v = 1; v <= 40; v += 3) {
		cert_set(v, "revoked", REASON_SUPERSEDED, 0);
		wantd[part_of(v, 4)]++;
	}
	generate(CRLPUB_DELTA_ONLY, &res);
	ck_assert_int_eq(res.delta_entries, 0);
	for (k = 0; k < 4; k++) {
		ck_assert_int_eq(res.parts[k].delta_number, 3);
		ck_assert_int_eq(res.parts[k].delta_base, 1);
		ck_assert_int_eq(res.parts[k].delta_entries, wantd[k]);
		crl = stored_part(k, 3, NULL, NULL);
		for (int v = 1; v <= 40; v += 3)
			ck_assert_int_eq(entry(crl, v) == CRL_REASON_SUPERSEDED,
			    part_of(v, 4) == k);
		X509_CRL_free(crl);
	}
	crlpub_result_free(&res);
	/* numbers keep rising per partition */
	for (int run = 0; run < 3; run++) {
		generate(CRLPUB_FULL_AND_DELTA, &res);
		ck_assert_int_eq(res.full_number, 4 + 2 * run);	/* unpartitioned: 1, 2, 3(delta) before */
		for (k = 0; k < 4; k++) {
			ck_assert_int_eq(res.parts[k].full_number, 4 + 2 * run);
			ck_assert_int_eq(res.parts[k].delta_number, 5 + 2 * run);
			ck_assert_int_eq(res.parts[k].full_entries, want[k] + wantd[k]);
		}
		crlpub_result_free(&res);
	}
}
END_TEST

/* A smaller crl-partitions later keeps every partition a certificate names. */
START_TEST(test_partitions_kept)
{
	struct crlpub_result	 res;
	X509_CRL		*crl;
	int			 k, n;
	char			 err[256];

	cfg->crl_partitions = 4;
	cert_set(9, "revoked", REASON_KEY_COMPROMISE, 0);
	cert_part(9, 3, 4);
	cfg->crl_partitions = 1;
	ck_assert_int_eq(crlpub_partitions(db, cfg, is.id, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 4);
	generate(CRLPUB_FULL_AND_DELTA, &res);
	ck_assert_uint_eq(res.nparts, 4);
	ck_assert_int_eq(res.parts[3].full_entries, 1);
	crl = stored_part(3, res.parts[3].full_number, NULL, NULL);
	ck_assert_int_eq(entry(crl, 9), CRL_REASON_KEY_COMPROMISE);
	X509_CRL_free(crl);
	crlpub_result_free(&res);
	ck_assert_int_eq(crlpub_needed(db, cfg, is.id, t0, NULL), 0);
	/* a larger one: partitions 4..7 have no CRL yet, so a run is due;
	 * even a delta-only run gives them their first full CRL */
	cfg->crl_partitions = 8;
	ck_assert_int_eq(crlpub_needed(db, cfg, is.id, t0, NULL), 1);
	generate(CRLPUB_DELTA_ONLY, &res);
	ck_assert_uint_eq(res.nparts, 8);
	ck_assert_int_eq(res.full_number, -1);
	for (k = 0; k < 4; k++)
		ck_assert_int_eq(res.parts[k].full_number, -1);
	for (k = 4; k < 8; k++) {
		ck_assert_int_eq(res.parts[k].full_number, 1);	/* their own sequence */
		ck_assert_int_eq(res.parts[k].full_entries, 0);
		ck_assert_int_eq(res.parts[k].delta_number, 2);
		ck_assert_int_eq(res.parts[k].delta_base, 1);
	}
	ck_assert_int_eq(res.parts[3].delta_number, 3);
	ck_assert_int_eq(res.parts[3].delta_base, 1);
	crlpub_result_free(&res);
	ck_assert_int_eq(crlpub_needed(db, cfg, is.id, t0, NULL), 0);
}
END_TEST

/*
 * crl-partitions 1 and no partitioned certificate: the CRLs are what they
 * were: no IDP, the same extensions, and the TBS crlgen makes from the same
 * parameters without any partition (ECDSA signatures differ run to run).
 */
START_TEST(test_unpartitioned_unchanged)
{
	struct crlpub_result	 res;
	struct crlgen_params	 p;
	struct crlgen		*g;
	struct serial		 s = { .len = 1 };
	X509_CRL		*crl, *mine;
	unsigned char		*der, *der2, *t1 = NULL, *t2 = NULL;
	size_t			 len, len2;
	int			 n1, n2;

	ck_assert_int_eq(cfg->crl_partitions, 1);
	cert_set(2, "revoked", REASON_KEY_COMPROMISE, 0);
	cert_set(5, "hold", REASON_CERTIFICATE_HOLD, 0);
	cert_set(7, "good", -1, 0);
	generate(CRLPUB_FULL_AND_DELTA, &res);
	ck_assert_uint_eq(res.nparts, 0);
	ck_assert_ptr_null(res.parts);
	crl = stored_part(-1, res.full_number, &der, &len);
	ck_assert_int_lt(X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1), 0);
	ck_assert_int_eq(X509_CRL_get_ext_count(crl), 3);
	ck_assert_int_ge(X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier, -1), 0);
	ck_assert_int_ge(X509_CRL_get_ext_by_NID(crl, NID_crl_number, -1), 0);
	ck_assert_int_ge(X509_CRL_get_ext_by_NID(crl, NID_freshest_crl, -1), 0);

	memset(&p, 0, sizeof(p));
	p.issuer = ca.cert;
	p.key = ca.key;
	p.number = (uint64_t)res.full_number;
	p.delta_base = -1;
	p.this_update = res.this_update;
	p.next_update = res.next_update;
	p.freshest_url = "http://crl.example/crl/test-delta.crl";
	ck_assert_ptr_nonnull(g = crlgen_new(&p));
	s.b[0] = 2;
	ck_assert_int_eq(crlgen_add(g, &s, clock_now(), CRL_REASON_KEY_COMPROMISE), 0);
	s.b[0] = 5;
	ck_assert_int_eq(crlgen_add(g, &s, clock_now(), CRL_REASON_CERTIFICATE_HOLD), 0);
	ck_assert_ptr_nonnull(der2 = crlgen_finish(g, &len2));
	crlgen_free(g);
	{
		const unsigned char *q = der2;

		ck_assert_ptr_nonnull(mine = d2i_X509_CRL(NULL, &q, (long)len2));
	}
	ck_assert_int_gt(n1 = i2d_re_X509_CRL_tbs(crl, &t1), 0);
	ck_assert_int_gt(n2 = i2d_re_X509_CRL_tbs(mine, &t2), 0);
	ck_assert_int_eq(n1, n2);
	ck_assert_int_eq(memcmp(t1, t2, n1), 0);
	OPENSSL_free(t1);
	OPENSSL_free(t2);
	X509_CRL_free(crl);
	X509_CRL_free(mine);
	free(der);
	free(der2);
	crl = stored_part(-1, res.delta_number, NULL, NULL);
	ck_assert_int_lt(X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1), 0);
	ck_assert_int_eq(X509_CRL_get_ext_count(crl), 3);	/* AKID, number, delta */
	X509_CRL_free(crl);
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
	tcase_add_test(tc, test_partition_of);
	tcase_add_test(tc, test_url);
	tcase_add_test(tc, test_partitions);
	tcase_add_test(tc, test_partitions_kept);
	tcase_add_test(tc, test_unpartitioned_unchanged);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(crlpub_suite(), CK_FORK_GETENV);
}
