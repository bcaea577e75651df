/* SPDX-License-Identifier: ISC */
/*
 * check_db.c: migrations, status lookups, the change feed, the typed rows
 * (issuers, stored CRLs, a certificate's holder), whole-registry copies
 * and the audit chain (tampered with through the sqlite3 library, as an
 * intruder would).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "audit.h"
#include "check_main.h"
#include "db.h"
#include "db_impl.h"	/* a suite of the registry's inside */

static char		 dir[64], path[128];
static struct db	*db;
static char		 err[256];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_db.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	db = db_open(path, DB_CREATE, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_msg(db_migrate(db, err, sizeof(err)) == 0, "%s", err);
}

static void
teardown(void)
{
	char	cmd[128];

	db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
add_cert(int64_t id, const char *serial, const char *status, int reason,
    int64_t seq)
{
	char	sql[512];

	snprintf(sql, sizeof(sql), "INSERT INTO certificates (id, issuer_id, "
	    "serial, kind, not_before, not_after, status, revoked_at, reason, "
	    "change_seq, created_at) VALUES (%lld, 1, X'%s', 'sign', 0, 100, "
	    "'%s', %s, %s, %lld, 0)", (long long)id, serial, status,
	    reason < 0 ? "NULL" : "50", reason < 0 ? "NULL" : (reason == 6 ? "6" : "3"),
	    (long long)seq);
	ck_assert_int_eq(db_exec(db, sql), 0);
}

START_TEST(migrate_twice)
{
	ck_assert_int_eq(db_schema_version(db), db_schema_latest());
	ck_assert_int_eq(db_migrate(db, err, sizeof(err)), 0);
	ck_assert_int_eq(db_schema_version(db), db_schema_latest());
}
END_TEST

START_TEST(wal_mode)
{
	sqlite3_stmt	*st;

	ck_assert_int_eq(sqlite3_prepare_v2(db->h, "PRAGMA journal_mode", -1,
	    &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
}
END_TEST

START_TEST(status_lookup)
{
	struct cert_status	 cs;
	struct serial		 s;

	ck_assert_int_eq(db_exec(db, "INSERT INTO issuers VALUES (1, 'x', 'pem', "
	    "NULL, 'pem', 'k', 0)"), 0);
	add_cert(1, "0A0B", "good", -1, 0);
	add_cert(2, "0C", "revoked", 3, 1);
	add_cert(3, "0D", "hold", 6, 2);

	ck_assert_int_eq(serial_from_hex("0a0b", &s), 0);
	ck_assert_int_eq(db_cert_status(db, 1, &s, &cs), 0);
	ck_assert_int_eq(cs.state, CERT_GOOD);
	ck_assert_int_eq(cs.reason, -1);
	ck_assert_int_eq(serial_from_hex("C", &s), 0);
	ck_assert_int_eq(db_cert_status(db, 1, &s, &cs), 0);
	ck_assert_int_eq(cs.state, CERT_REVOKED);
	ck_assert_int_eq(cs.reason, 3);
	ck_assert_int_eq((long)cs.revoked_at, 50);
	ck_assert_int_eq(serial_from_hex("0D", &s), 0);
	ck_assert_int_eq(db_cert_status(db, 1, &s, &cs), 0);
	ck_assert_int_eq(cs.state, CERT_HOLD);
	/* same serial, other issuer: never issued */
	ck_assert_int_eq(db_cert_status(db, 2, &s, &cs), 0);
	ck_assert_int_eq(cs.state, CERT_UNKNOWN);
	ck_assert_int_eq(serial_from_hex("EE", &s), 0);
	ck_assert_int_eq(db_cert_status(db, 1, &s, &cs), 0);
	ck_assert_int_eq(cs.state, CERT_UNKNOWN);
}
END_TEST

static void
count_change(const struct cert_status *cs, void *arg)
{
	int64_t	*last = arg;

	ck_assert_int_gt(cs->change_seq, *last);
	*last = cs->change_seq;
}

START_TEST(change_feed)
{
	int64_t	last = 0, seq;

	ck_assert_int_eq(db_exec(db, "INSERT INTO issuers VALUES (1, 'x', 'pem', "
	    "NULL, 'pem', 'k', 0)"), 0);
	ck_assert_int_eq(db_change_seq(db), 0);
	ck_assert_int_eq(db_begin(db), 0);
	seq = db_next_change(db);
	ck_assert_int_eq(seq, 1);
	add_cert(1, "01", "revoked", 3, seq);
	seq = db_next_change(db);
	add_cert(2, "02", "revoked", 3, seq);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(db_change_seq(db), 2);
	ck_assert_int_eq(db_changes_since(db, 0, 100, count_change, &last), 2);
	ck_assert_int_eq(last, 2);
	last = 1;
	ck_assert_int_eq(db_changes_since(db, 1, 100, count_change, &last), 1);
	ck_assert_int_eq(db_changes_since(db, 2, 100, count_change, &last), 0);
}
END_TEST

/* --- typed rows ------------------------------------------------------------ */

START_TEST(issuers_rows)
{
	struct db_issuer	*v;
	size_t			 n;

	ck_assert_int_eq(db_issuers_load(db, &v, &n), 0);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_issuer_insert(db, "b", "CA B", NULL, "SIGNER B",
	    "keys/b-ocsp.key", 7), 1);
	ck_assert_int_eq(db_issuer_insert(db, "a", "CA A", "keys/a-ca.key",
	    "SIGNER A", "keys/a-ocsp.key", 8), 2);
	/* a taken name is the database's refusal, not a second row */
	ck_assert_int_eq(db_issuer_insert(db, "a", "x", NULL, "y", "z", 9), -1);
	ck_assert_int_eq(db_commit(db), 0);

	ck_assert_int_eq(db_issuers_load(db, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[0].id, 1);		/* id order, not name order */
	ck_assert_str_eq(v[0].name, "b");
	ck_assert_str_eq(v[0].ca_pem, "CA B");
	ck_assert_ptr_null(v[0].ca_key);
	ck_assert_str_eq(v[0].signer_pem, "SIGNER B");
	ck_assert_str_eq(v[0].signer_key, "keys/b-ocsp.key");
	ck_assert_int_eq(v[1].id, 2);
	ck_assert_str_eq(v[1].name, "a");
	ck_assert_str_eq(v[1].ca_key, "keys/a-ca.key");
	ck_assert_str_eq(v[1].signer_pem, "SIGNER A");
	db_issuers_free(v, n);
	db_issuers_free(NULL, 0);
}
END_TEST

/* Count signers rows of issuer id matching where (SQL). */
static int
signer_rows(int64_t id, const char *where)
{
	sqlite3_stmt	*st;
	char		 sql[256];
	int		 n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM signers WHERE "
	    "issuer_id = %lld AND %s", (long long)id, where);
	ck_assert_int_eq(sqlite3_prepare_v2(db->h, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

START_TEST(signer_history)
{
	struct db_issuer	*v;
	size_t			 n;

	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_issuer_insert(db, "a", "CA A", "keys/a-ca.key",
	    "SIGNER 1", "keys/a-ocsp.key", 8), 1);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(signer_rows(1, "cert = 'SIGNER 1' AND key = "
	    "'keys/a-ocsp.key' AND created_at = 8 AND retired_at IS NULL"), 1);

	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_issuer_signer_replace(db, 1, "SIGNER 2",
	    "keys/a-ocsp-2.key", 20), 0);
	/* no such issuer: nothing recorded for it */
	ck_assert_int_eq(db_issuer_signer_replace(db, 9, "X", "x", 20), -1);
	ck_assert_int_eq(db_commit(db), 0);

	ck_assert_int_eq(db_issuers_load(db, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].signer_pem, "SIGNER 2");
	ck_assert_str_eq(v[0].signer_key, "keys/a-ocsp-2.key");
	ck_assert_str_eq(v[0].ca_key, "keys/a-ca.key");
	db_issuers_free(v, n);
	/* the old one kept, retired when the new one came */
	ck_assert_int_eq(signer_rows(1, "cert = 'SIGNER 1' AND retired_at = 20"),
	    1);
	ck_assert_int_eq(signer_rows(1, "cert = 'SIGNER 2' AND created_at = 20 "
	    "AND retired_at IS NULL"), 1);
	ck_assert_int_eq(signer_rows(9, "1"), 0);
}
END_TEST

static void
add_crl(int64_t issuer, int64_t number, const char *base, const char *der)
{
	char	sql[512];

	snprintf(sql, sizeof(sql), "INSERT INTO crls (issuer_id, number, "
	    "delta_base, change_seq, this_update, next_update, der) VALUES "
	    "(%lld, %lld, %s, 0, %lld, %lld, %s)", (long long)issuer,
	    (long long)number, base, (long long)(1000 + number),
	    (long long)(2000 + number), der);
	ck_assert_int_eq(db_exec(db, sql), 0);
}

START_TEST(crl_newest)
{
	struct db_crl	 c;

	ck_assert_int_eq(db_exec(db, "INSERT INTO issuers VALUES (1, 'x', 'pem', "
	    "NULL, 'pem', 'k', 0); INSERT INTO issuers VALUES (2, 'y', 'pem', "
	    "NULL, 'pem', 'k', 0)"), 0);
	memset(&c, 0xff, sizeof(c));
	ck_assert_int_eq(db_crl_newest(db, 1, DB_CRL_FULL, 0, &c), 0);
	ck_assert_int_eq(c.number, 0);
	ck_assert_ptr_null(c.der);

	add_crl(1, 1, "NULL", "X'3001'");
	add_crl(1, 2, "1", "X'300202'");
	add_crl(1, 3, "NULL", "X'30030303'");
	add_crl(1, 4, "3", "X'3004040404'");
	add_crl(2, 9, "NULL", "X''");		/* an empty DER is an error */

	ck_assert_int_eq(db_crl_newest(db, 1, DB_CRL_FULL, 1, &c), 0);
	ck_assert_int_eq(c.number, 3);
	ck_assert_int_eq((long)c.this_update, 1003);
	ck_assert_int_eq((long)c.next_update, 2003);
	ck_assert_uint_eq(c.len, 4);
	ck_assert_int_eq(memcmp(c.der, "\x30\x03\x03\x03", 4), 0);
	free(c.der);
	ck_assert_int_eq(db_crl_newest(db, 1, DB_CRL_DELTA, 0, &c), 0);
	ck_assert_int_eq(c.number, 4);
	ck_assert_uint_eq(c.len, 5);
	free(c.der);

	/* the caller holds the newest one: nothing is copied */
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(db_crl_newest(db, 1, DB_CRL_FULL, 3, &c), 1);
	ck_assert_ptr_null(c.der);
	ck_assert_int_eq(c.number, 0);
	/* but a newer one replaces it */
	add_crl(1, 5, "NULL", "X'3005'");
	ck_assert_int_eq(db_crl_newest(db, 1, DB_CRL_FULL, 3, &c), 0);
	ck_assert_int_eq(c.number, 5);
	free(c.der);

	ck_assert_int_eq(db_crl_newest(db, 2, DB_CRL_DELTA, 0, &c), 0);
	ck_assert_int_eq(c.number, 0);
	ck_assert_int_eq(db_crl_newest(db, 2, DB_CRL_FULL, 0, &c), -1);
}
END_TEST

START_TEST(cert_holder_and_next_id)
{
	struct serial	 s;
	char		*name;

	ck_assert_int_eq(db_exec(db, "INSERT INTO issuers VALUES (1, 'x', 'pem', "
	    "NULL, 'pem', 'k', 0)"), 0);
	ck_assert_int_eq(db_cert_next_id(db), 1);
	add_cert(4, "0A", "good", -1, 0);
	add_cert(7, "0B", "good", -1, 0);
	ck_assert_int_eq(db_cert_next_id(db), 8);
	ck_assert_int_eq(db_exec(db, "INSERT INTO residents (id, uid, name, "
	    "address, birth_date, sex, created_at, updated_at) VALUES (3, 'R3', "
	    "'稲城 花子', 'a', '1990-01-01', 2, 0, 0); UPDATE certificates SET "
	    "resident_id = 3 WHERE id = 7"), 0);
	ck_assert_int_eq(serial_from_hex("0B", &s), 0);
	ck_assert_ptr_nonnull(name = db_cert_holder_name(db, &s));
	ck_assert_str_eq(name, "稲城 花子");
	free(name);
	/* a certificate of no resident, and a serial never issued */
	ck_assert_int_eq(serial_from_hex("0A", &s), 0);
	ck_assert_ptr_null(db_cert_holder_name(db, &s));
	ck_assert_int_eq(serial_from_hex("0C", &s), 0);
	ck_assert_ptr_null(db_cert_holder_name(db, &s));
}
END_TEST

START_TEST(copy_and_back)
{
	char		 copy[192], wal[200];
	struct stat	 sb;
	struct db	*c;
	int		 steps = 0;
	char		 why[512];

	ck_assert_int_eq(db_exec(db, "UPDATE registry_state SET change_seq = 5"), 0);
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	ck_assert_msg(db_copy_to_file(db, copy, 0600, &steps, why,
	    sizeof(why)) == 0, "%s", why);
	ck_assert_int_ge(steps, 1);
	ck_assert_int_eq(stat(copy, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	snprintf(wal, sizeof(wal), "%s-wal", copy);
	ck_assert_int_ne(access(wal, F_OK), 0);	/* self-contained */
	/* never over an existing file */
	ck_assert_int_eq(db_copy_to_file(db, copy, 0600, &steps, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, copy));

	ck_assert_ptr_nonnull(c = db_open(copy, DB_READONLY, err, sizeof(err)));
	ck_assert_int_eq(db_integrity_check(c, why, sizeof(why)), 0);
	ck_assert_int_eq(db_change_seq(c), 5);
	/* the live registry moves on; copying the copy back undoes that */
	ck_assert_int_eq(db_exec(db, "UPDATE registry_state SET change_seq = 9"), 0);
	ck_assert_msg(db_copy_into(db, c, &steps, why, sizeof(why)) == 0, "%s",
	    why);
	ck_assert_int_eq(db_change_seq(db), 5);
	db_close(c);
}
END_TEST

START_TEST(integrity_check_finds_damage)
{
	char		 copy[192], why[512];
	struct db	*c;
	FILE		*f;
	char		 junk[4096], serial[8];
	int		 steps;

	ck_assert_int_eq(db_exec(db, "INSERT INTO issuers VALUES (1, 'x', 'pem', "
	    "NULL, 'pem', 'k', 0)"), 0);
	for (int i = 0; i < 400; i++) {
		snprintf(serial, sizeof(serial), "%04X", i + 1);
		add_cert(i + 1, serial, "good", -1, 0);
	}
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	ck_assert_int_eq(db_copy_to_file(db, copy, 0600, &steps, why,
	    sizeof(why)), 0);
	/* page 1 (the schema) stays; a later page turns to noise */
	memset(junk, 0x5a, sizeof(junk));
	ck_assert_ptr_nonnull(f = fopen(copy, "r+b"));
	ck_assert_int_eq(fseek(f, 3 * 4096, SEEK_SET), 0);
	ck_assert_uint_eq(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(c = db_open(copy, DB_READONLY, err, sizeof(err)));
	ck_assert_int_eq(db_integrity_check(c, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "integrity check: "));
	db_close(c);
}
END_TEST

START_TEST(data_version_sees_other_writer)
{
	struct db	*other;
	int64_t		 v;

	other = db_open(path, DB_READONLY, err, sizeof(err));
	ck_assert_ptr_nonnull(other);
	v = db_data_version(other);
	ck_assert_int_ge(v, 0);
	ck_assert_int_eq(db_exec(db, "UPDATE registry_state SET change_seq = 7"), 0);
	ck_assert_int_ne(db_data_version(other), v);
	ck_assert_int_eq(db_change_seq(other), 7);
	db_close(other);
}
END_TEST

START_TEST(not_a_database)
{
	FILE	*f;
	char	 p[160];

	snprintf(p, sizeof(p), "%s/junk.db", dir);
	f = fopen(p, "w");
	fputs("this is not SQLite, just text long enough to be a header......"
	    "......................................................", f);
	fclose(f);
	ck_assert_ptr_null(db_open(p, DB_READONLY, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "junk.db"));
}
END_TEST

static void
append(const char *action, const char *detail)
{
	struct audit_record	r = {
		.at = 1700000000, .operator_name = "tanaka",
		.office = "Hirao branch", .action = action,
		.subject = "card 1", .detail = detail,
	};

	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(audit_append(db, &r), 0);
	ck_assert_int_eq(db_commit(db), 0);
}

static int
verify(char *why, size_t len, int64_t *n)
{
	return audit_verify(db, n, why, len);
}

static void
fill_log(void)
{
	append("card.add", "{\"n\":1}");
	append("card.lost", "{\"n\":2}");
	append("card.found", "{\"n\":3}");
	append("card.return", "{\"n\":4}");
}

START_TEST(audit_intact)
{
	char	why[256];
	int64_t	n;

	ck_assert_int_eq(verify(why, sizeof(why), &n), 0);
	ck_assert_int_eq(n, 0);
	fill_log();
	ck_assert_msg(verify(why, sizeof(why), &n) == 0, "%s", why);
	ck_assert_int_eq(n, 4);
}
END_TEST

static const struct {
	const char	*sql;
	const char	*want;
} tamper[] = {
	{ "UPDATE audit SET detail = '{\"n\":9}' WHERE id = 2",
	    "record 2: hash mismatch" },
	{ "UPDATE audit SET operator = 'suzuki' WHERE id = 4",
	    "record 4: hash mismatch" },
	{ "DELETE FROM audit WHERE id = 2", "record 3: expected record 2" },
	{ "INSERT INTO audit SELECT 5, at, operator, office, action, subject, "
	    "detail, hash, hash FROM audit WHERE id = 4", "record 5: hash mismatch" },
	{ "UPDATE audit SET id = id + 10 WHERE id >= 3",
	    "record 13: expected record 3" },
	{ "UPDATE audit SET prev_hash = zeroblob(32) WHERE id = 3",
	    "record 3: does not chain" },
};

START_TEST(audit_tampered)
{
	sqlite3	*h;
	char	 why[256];
	int64_t	 n;

	fill_log();
	/* the intruder's own connection, not ours */
	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, tamper[_i].sql, NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	ck_assert_int_eq(verify(why, sizeof(why), &n), 1);
	ck_assert_msg(strstr(why, tamper[_i].want) != NULL, "got \"%s\", want \"%s\"",
	    why, tamper[_i].want);
}
END_TEST

START_TEST(audit_tail_cut_needs_anchor)
{
	unsigned char	 head[AUDIT_HASH_LEN], head2[AUDIT_HASH_LEN];
	char		 why[256];
	int64_t		 n;

	fill_log();
	ck_assert_int_eq(audit_verify_anchored(db, NULL, &n, head, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(audit_verify_anchored(db, head, &n, head2, why,
	    sizeof(why)), 0);
	ck_assert_mem_eq(head, head2, AUDIT_HASH_LEN);
	/* a later record does not disturb the anchor */
	append("card.lost", "{\"n\":5}");
	ck_assert_int_eq(audit_verify_anchored(db, head, &n, NULL, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(n, 5);
	/* cutting the last two records leaves a valid chain ... */
	ck_assert_int_eq(db_exec(db, "DELETE FROM audit WHERE id >= 4"), 0);
	ck_assert_int_eq(verify(why, sizeof(why), &n), 0);
	/* ... but not the recorded head */
	ck_assert_int_eq(audit_verify_anchored(db, head, &n, NULL, why,
	    sizeof(why)), 1);
	ck_assert_ptr_nonnull(strstr(why, "removed from the end"));
}
END_TEST

START_TEST(audit_rolled_back_with_write)
{
	struct audit_record	r = {
		.at = 1, .operator_name = "o", .office = "f", .action = "a",
		.subject = "s", .detail = "{}",
	};
	char			why[256];
	int64_t			n;

	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(audit_append(db, &r), 0);
	db_rollback(db);
	ck_assert_int_eq(verify(why, sizeof(why), &n), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

/*
 * The history check: a continuation passes; a registry that went back
 * (change_seq lower, the audit record seen gone or rewritten) or another
 * registry (another registry_id) is a break, with the reason.
 */
START_TEST(history_check)
{
	struct registry_mark	 seen, now;
	char			 why[256], backup[160], cmd[400];
	struct db		*b;

	append("cert.revoke", "{}");
	ck_assert_int_eq(db_exec(db, "UPDATE registry_state SET change_seq = 5"), 0);
	ck_assert_int_eq(db_registry_mark(db, &seen), 0);
	ck_assert_int_eq(strlen(seen.id), 32);
	ck_assert_int_eq(seen.change_seq, 5);
	ck_assert_int_eq(seen.audit_id, 1);
	ck_assert_int_eq(db_history_check(db, &seen, &now, why, sizeof(why)), 0);

	/* a continuation */
	append("cert.revoke", "{}");
	ck_assert_int_eq(db_exec(db, "UPDATE registry_state SET change_seq = 6"), 0);
	ck_assert_int_eq(db_history_check(db, &seen, &now, why, sizeof(why)), 0);
	ck_assert_int_eq(now.audit_id, 2);
	seen = now;

	/* a backup taken now, restored after two more changes */
	snprintf(backup, sizeof(backup), "%s/b.db", dir);
	snprintf(cmd, sizeof(cmd), "sqlite3 %s '.backup %s'", path, backup);
	ck_assert_int_eq(system(cmd), 0);
	append("cert.revoke", "{\"a\": 1}");
	ck_assert_int_eq(db_exec(db, "UPDATE registry_state SET change_seq = 7"), 0);
	ck_assert_int_eq(db_registry_mark(db, &seen), 0);
	snprintf(cmd, sizeof(cmd), "sqlite3 %s '.restore %s'", path, backup);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(db_history_check(db, &seen, &now, why, sizeof(why)), 1);
	ck_assert_msg(strstr(why, "went back") != NULL, "%s", why);

	/* ... and then written again up to the same sequence: another record 3 */
	append("cert.revoke", "{\"b\": 2}");
	ck_assert_int_eq(db_exec(db, "UPDATE registry_state SET change_seq = 7"), 0);
	ck_assert_int_eq(db_history_check(db, &seen, &now, why, sizeof(why)), 1);
	ck_assert_msg(strstr(why, "record 3 differs") != NULL, "%s", why);

	/* the log cut below the record seen */
	ck_assert_int_eq(db_exec(db, "UPDATE registry_state SET change_seq = 9; "
	    "DELETE FROM audit WHERE id = 3"), 0);
	ck_assert_int_eq(db_history_check(db, &seen, &now, why, sizeof(why)), 1);
	ck_assert_msg(strstr(why, "record 3 is gone") != NULL, "%s", why);

	/* another registry: a new database has its own id */
	snprintf(backup, sizeof(backup), "%s/other.db", dir);
	b = db_open(backup, DB_CREATE, err, sizeof(err));
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(db_migrate(b, err, sizeof(err)), 0);
	ck_assert_int_eq(db_registry_mark(db, &seen), 0);
	ck_assert_int_eq(db_history_check(b, &seen, &now, why, sizeof(why)), 1);
	ck_assert_msg(strstr(why, "another registry") != NULL, "%s", why);
	db_close(b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("db");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, migrate_twice);
	tcase_add_test(tc, wal_mode);
	tcase_add_test(tc, status_lookup);
	tcase_add_test(tc, change_feed);
	tcase_add_test(tc, issuers_rows);
	tcase_add_test(tc, signer_history);
	tcase_add_test(tc, crl_newest);
	tcase_add_test(tc, cert_holder_and_next_id);
	tcase_add_test(tc, copy_and_back);
	tcase_add_test(tc, integrity_check_finds_damage);
	tcase_add_test(tc, data_version_sees_other_writer);
	tcase_add_test(tc, not_a_database);
	tcase_add_test(tc, audit_intact);
	tcase_add_loop_test(tc, audit_tampered, 0, sizeof(tamper) / sizeof(tamper[0]));
	tcase_add_test(tc, audit_tail_cut_needs_anchor);
	tcase_add_test(tc, audit_rolled_back_with_write);
	tcase_add_test(tc, history_check);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV);
}
