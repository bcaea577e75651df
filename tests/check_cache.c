/* SPDX-License-Identifier: ISC */
/*
 * check_cache.c: unit tests for server/cache.c, the store of signed OCSP
 * answers: what is put comes back byte for byte with its dates, ETag and
 * fingerprint; nothing is served outside this_update <= now < nextUpdate;
 * a dropped answer is gone at once; generations make answers unverified
 * until confirmed, and the sweep drops the rest; the file survives a close;
 * a store of another layout is rebuilt empty, not read.
 *
 * Most tests run twice (loop index): with a memory table large enough for
 * everything, and with none, so that every answer comes from the SQLite
 * store (an answer larger than memory is served from a scratch copy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "cache.h"
#include "check_main.h"
#include "log.h"

/* 2026-11-25T12:00:00Z */
#define T0		((time_t)1795608000)
#define VALID		((time_t)86400)
#define MEM_ALL		((size_t)1 << 20)	/* every answer fits */
#define DER_LEN		700			/* about a real answer */
#define FP_HIGH		0xfedcba9876543210ULL	/* sign bit set in SQLite */

static char		 dir[64], path[128];
static char		 err[256];
static struct cache	*c;

static const size_t	 mem_sizes[] = { MEM_ALL, 0 };

static void
setup(void)
{
	log_init("check_cache", LOG_LVL_WARN);
	strcpy(dir, "/tmp/check_cache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/responses.db", dir);
	c = NULL;
}

static void
teardown(void)
{
	char	cmd[128];

	cache_close(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct cache *
open_store(size_t mem)
{
	struct cache	*o;

	err[0] = '\0';
	o = cache_open(path, mem, err, sizeof(err));
	ck_assert_msg(o != NULL, "cache_open: %s", err);
	return o;
}

static void
reopen(size_t mem)
{
	cache_close(c);
	c = open_store(mem);
}

static struct serial
ser(unsigned v, size_t len)
{
	struct serial	 s;

	memset(&s, 0, sizeof(s));
	s.len = len;
	for (size_t i = 0; i < len; i++)
		s.b[len - 1 - i] = (unsigned char)(v >> (8 * (i % 4)));
	s.b[0] |= 0x01;		/* no leading zero octet */
	return s;
}

static struct cache_key
key(int issuer, int alg, unsigned v)
{
	struct cache_key	 k;
	struct serial		 s = ser(v, 16);

	cache_key_set(&k, issuer, alg, &s);
	return k;
}

/* Bytes that differ for every (seed, i). */
static void
der_fill(unsigned char *der, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		der[i] = (unsigned char)(seed * 31 + i * 7 + (i >> 8));
}

/* The ETag as cache.h defines it: the first 16 hex digits of SHA-256(DER),
 * quoted, computed here with OpenSSL's EVP interface. */
static void
etag_expected(const unsigned char *der, size_t len, char *out, size_t outlen)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	ck_assert_int_eq(EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL),
	    1);
	ck_assert_uint_eq(mdlen, 32);
	snprintf(out, outlen, "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", md[0],
	    md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
}

static void
put(const struct cache_key *k, unsigned seed, time_t tu, uint64_t fp,
    int hot)
{
	unsigned char	 der[DER_LEN];

	der_fill(der, sizeof(der), seed);
	ck_assert_int_eq(cache_put(c, k, der, sizeof(der), tu, tu + VALID, fp,
	    hot), 0);
}

/* The answer for k at now is the one put with seed, tu and fp. */
static void
assert_answer(const struct cache_key *k, time_t now, unsigned seed,
    time_t tu, uint64_t fp, int verified)
{
	struct cache_entry	 ce;
	unsigned char		 der[DER_LEN];
	char			 etag[CONDGET_ETAG_SIZE];

	der_fill(der, sizeof(der), seed);
	etag_expected(der, sizeof(der), etag, sizeof(etag));
	memset(&ce, 0, sizeof(ce));
	ck_assert_int_eq(cache_get(c, k, now, &ce), 0);
	ck_assert_uint_eq(ce.len, sizeof(der));
	ck_assert_mem_eq(ce.der, der, sizeof(der));
	ck_assert_int_eq(ce.this_update, tu);
	ck_assert_int_eq(ce.next_update, tu + VALID);
	ck_assert_str_eq(ce.etag, etag);
	ck_assert_msg(ce.fp == fp, "fp %llx, want %llx",
	    (unsigned long long)ce.fp, (unsigned long long)fp);
	ck_assert_int_eq(ce.verified, verified);
}

static void
assert_none(const struct cache_key *k, time_t now)
{
	struct cache_entry	 ce;

	ck_assert_int_eq(cache_get(c, k, now, &ce), 1);
}

START_TEST(test_put_get)
{
	struct cache_key	 k = key(1, 0, 100);
	struct cache_stats	 st;

	c = open_store(mem_sizes[_i]);
	assert_none(&k, T0);
	put(&k, 1, T0, FP_HIGH, 1);
	ck_assert_int_eq(cache_flush(c), 0);
	assert_answer(&k, T0 + 10, 1, T0, FP_HIGH, 1);
	cache_stats(c, &st);
	ck_assert_uint_eq(st.misses, 1);
	if (mem_sizes[_i] == 0) {
		ck_assert_uint_eq(st.hits_store, 1);
		ck_assert_uint_eq(st.memory_entries, 0);
	} else {
		ck_assert_uint_eq(st.hits_memory, 1);
		ck_assert_uint_eq(st.memory_entries, 1);
	}
}
END_TEST

/* A put is served at once, before the batched write to the store. */
START_TEST(test_put_visible_before_flush)
{
	struct cache_key	 k = key(1, 0, 101);

	c = open_store(mem_sizes[_i]);
	put(&k, 2, T0, 42, 0);
	assert_answer(&k, T0, 2, T0, 42, 1);
}
END_TEST

/* A newer answer for the same key replaces the old one everywhere. */
START_TEST(test_replace)
{
	struct cache_key	 k = key(1, 0, 102);

	c = open_store(mem_sizes[_i]);
	put(&k, 3, T0, 1, 1);
	ck_assert_int_eq(cache_flush(c), 0);
	put(&k, 4, T0 + 5, 2, 1);
	assert_answer(&k, T0 + 5, 4, T0 + 5, 2, 1);
	reopen(mem_sizes[_i]);
	assert_answer(&k, T0 + 5, 4, T0 + 5, 2, 1);
	ck_assert_int_eq(cache_count_before(c, T0 + VALID), 1);
}
END_TEST

/* Issuer, hash algorithm and serial (also its length) each tell keys apart. */
START_TEST(test_keys_distinct)
{
	struct cache_key	 a = key(1, 0, 200), b = key(2, 0, 200);
	struct cache_key	 d = key(1, 1, 200), e;
	struct serial		 s = ser(200, 16);

	s.len = 15;	/* a prefix of a's serial */
	cache_key_set(&e, 1, 0, &s);
	c = open_store(mem_sizes[_i]);
	put(&a, 10, T0, 10, 1);
	put(&b, 11, T0, 11, 1);
	put(&d, 12, T0, 12, 1);
	ck_assert_int_eq(cache_flush(c), 0);
	assert_answer(&a, T0, 10, T0, 10, 1);
	assert_answer(&b, T0, 11, T0, 11, 1);
	assert_answer(&d, T0, 12, T0, 12, 1);
	assert_none(&e, T0);
}
END_TEST

/* Served only while this_update <= now < nextUpdate, from memory or store,
 * and an answer refused once (the clock was back) is served when due. */
START_TEST(test_validity_window)
{
	struct cache_key	 k = key(1, 0, 300);

	c = open_store(mem_sizes[_i]);
	put(&k, 5, T0, 5, 1);
	assert_none(&k, T0 - 1);		/* dated in the future */
	assert_answer(&k, T0, 5, T0, 5, 1);
	assert_answer(&k, T0 + VALID - 1, 5, T0, 5, 1);
	assert_none(&k, T0 + VALID);		/* at nextUpdate */
	assert_none(&k, T0 + 10 * VALID);
	ck_assert_int_eq(cache_flush(c), 0);
	assert_none(&k, T0 - 3600);
	assert_answer(&k, T0 + 1, 5, T0, 5, 1);
	reopen(mem_sizes[_i]);
	assert_none(&k, T0 - 1);
	assert_none(&k, T0 + VALID);
	assert_answer(&k, T0 + VALID - 1, 5, T0, 5, 1);
}
END_TEST

/* A dropped answer is never served again: every hash algorithm of the
 * certificate goes, at once (before the batched write), and for good. */
START_TEST(test_drop)
{
	struct cache_key	 k0 = key(1, 0, 400), k1 = key(1, 1, 400);
	struct cache_key	 other = key(1, 0, 401);
	struct serial		 s = ser(400, 16);

	c = open_store(mem_sizes[_i]);
	put(&k0, 20, T0, 20, 1);
	put(&k1, 21, T0, 20, 1);
	put(&other, 22, T0, 22, 1);
	ck_assert_int_eq(cache_flush(c), 0);
	cache_drop(c, 1, &s);
	assert_none(&k0, T0);
	assert_none(&k1, T0);
	assert_answer(&other, T0, 22, T0, 22, 1);
	ck_assert_int_eq(cache_flush(c), 0);
	assert_none(&k0, T0);
	reopen(mem_sizes[_i]);
	assert_none(&k0, T0);
	assert_none(&k1, T0);
	assert_answer(&other, T0, 22, T0, 22, 1);
}
END_TEST

/* Dropped, then signed anew before the write: the new answer is served. */
START_TEST(test_drop_then_put)
{
	struct cache_key	 k = key(3, 0, 410);
	struct serial		 s = ser(410, 16);

	c = open_store(mem_sizes[_i]);
	put(&k, 30, T0, 30, 1);
	ck_assert_int_eq(cache_flush(c), 0);
	cache_drop(c, 3, &s);
	put(&k, 31, T0 + 1, 31, 0);
	assert_answer(&k, T0 + 1, 31, T0 + 1, 31, 1);
	reopen(mem_sizes[_i]);
	assert_answer(&k, T0 + 1, 31, T0 + 1, 31, 1);
}
END_TEST

/*
 * A new generation makes every answer unverified (also after a reopen);
 * cache_confirm() verifies those whose fingerprint agrees and drops the
 * others; the sweep drops what was not confirmed.
 */
START_TEST(test_generations)
{
	struct cache_key	 a = key(1, 0, 500), a1 = key(1, 2, 500);
	struct cache_key	 b = key(1, 0, 501), d = key(1, 0, 502);
	struct cache_key	 fresh = key(1, 0, 503);
	struct serial		 sa = ser(500, 16), sb = ser(501, 16);

	c = open_store(mem_sizes[_i]);
	put(&a, 40, T0, 40, 1);
	put(&a1, 41, T0, 99, 1);	/* SHA-384, stating another status */
	put(&b, 42, T0, 42, 1);
	put(&d, 43, T0, 43, 1);
	ck_assert_int_eq(cache_has_unverified(c), 0);
	ck_assert_int_eq(cache_new_generation(c), 0);
	ck_assert_int_eq(cache_has_unverified(c), 1);
	assert_answer(&a, T0, 40, T0, 40, 0);
	assert_answer(&b, T0, 42, T0, 42, 0);
	reopen(mem_sizes[_i]);
	assert_answer(&a, T0, 40, T0, 40, 0);	/* the generation persists */
	ck_assert_int_eq(cache_has_unverified(c), 1);

	cache_confirm(c, 1, &sa, 40);
	assert_answer(&a, T0, 40, T0, 40, 1);
	assert_none(&a1, T0);			/* its fp disagreed */
	cache_confirm(c, 1, &sb, 7);		/* the registry says otherwise */
	assert_none(&b, T0);
	put(&fresh, 44, T0, 44, 1);		/* signed in this generation */
	assert_answer(&fresh, T0, 44, T0, 44, 1);

	ck_assert_int_eq(cache_sweep_unverified(c), 0);
	ck_assert_int_eq(cache_has_unverified(c), 0);
	assert_answer(&a, T0, 40, T0, 40, 1);
	assert_answer(&fresh, T0, 44, T0, 44, 1);
	assert_none(&b, T0);
	assert_none(&d, T0);			/* never confirmed */
	reopen(mem_sizes[_i]);
	assert_answer(&a, T0, 40, T0, 40, 1);
	assert_none(&d, T0);
	assert_none(&a1, T0);
	ck_assert_int_eq(cache_count_before(c, T0), 2);
}
END_TEST

/* What the pre-signing walk reads: the stored SHA-1 answer's date, fp and
 * whether it is verified; other hash algorithms are not "stored". */
START_TEST(test_stored)
{
	struct cache_key	 k = key(4, 0, 600), k256 = key(4, 1, 601);
	struct serial		 s = ser(600, 16), s256 = ser(601, 16);
	struct serial		 none = ser(602, 16);
	time_t			 tu = 0;
	uint64_t		 fp = 0;
	int			 verified = -1;

	c = open_store(mem_sizes[_i]);
	put(&k, 50, T0 + 7, FP_HIGH, 1);
	put(&k256, 51, T0, 51, 1);
	ck_assert_int_eq(cache_flush(c), 0);
	ck_assert_int_eq(cache_stored(c, 4, &s, &tu, &fp, &verified), 1);
	ck_assert_int_eq(tu, T0 + 7);
	ck_assert(fp == FP_HIGH);
	ck_assert_int_eq(verified, 1);
	ck_assert_int_eq(cache_stored(c, 4, &s256, &tu, &fp, &verified), 0);
	ck_assert_int_eq(cache_stored(c, 4, &none, &tu, &fp, &verified), 0);
	ck_assert_int_eq(cache_stored(c, 5, &s, &tu, &fp, &verified), 0);
	ck_assert_int_eq(cache_new_generation(c), 0);
	ck_assert_int_eq(cache_stored(c, 4, &s, &tu, &fp, &verified), 1);
	ck_assert_int_eq(verified, 0);
	cache_confirm(c, 4, &s, FP_HIGH);
	ck_assert_int_eq(cache_flush(c), 0);
	ck_assert_int_eq(cache_stored(c, 4, &s, &tu, &fp, &verified), 1);
	ck_assert_int_eq(verified, 1);
}
END_TEST

/* Oldest, newest and the backlog count look at the SHA-1 answers only. */
START_TEST(test_ages)
{
	struct cache_key	 k;

	c = open_store(mem_sizes[_i]);
	ck_assert_int_eq(cache_oldest(c), 0);
	ck_assert_int_eq(cache_newest(c), 0);
	ck_assert_int_eq(cache_count_before(c, T0 + VALID), 0);
	for (unsigned i = 0; i < 3; i++) {
		k = key(1, 0, 700 + i);
		put(&k, 60 + i, T0 + 10 * i, 60 + i, 0);
	}
	k = key(1, 1, 710);
	put(&k, 70, T0 + 1000, 70, 0);	/* a SHA-256 answer, never refreshed */
	k = key(1, 3, 711);
	put(&k, 71, T0 - 1000, 71, 0);
	ck_assert_int_eq(cache_flush(c), 0);
	ck_assert_int_eq(cache_oldest(c), T0);
	ck_assert_int_eq(cache_newest(c), T0 + 20);
	ck_assert_int_eq(cache_count_before(c, T0 - 1), 0);
	ck_assert_int_eq(cache_count_before(c, T0), 1);
	ck_assert_int_eq(cache_count_before(c, T0 + 10), 2);
	ck_assert_int_eq(cache_count_before(c, T0 + 19), 2);
	ck_assert_int_eq(cache_count_before(c, T0 + 5000), 3);
}
END_TEST

/* Everything put is in the file after a close (which writes what is
 * pending), with its generation, and the mark beside it. */
START_TEST(test_persistence)
{
	struct registry_mark	 m, got;
	struct cache_key	 k[5];

	c = open_store(mem_sizes[_i]);
	for (unsigned i = 0; i < 5; i++) {
		k[i] = key(1 + (int)(i % 2), 0, 800 + i);
		put(&k[i], 80 + i, T0 + i, FP_HIGH - i, i % 2);
	}
	memset(&m, 0, sizeof(m));
	snprintf(m.id, sizeof(m.id), "0123456789abcdef0123456789abcdef");
	m.change_seq = 123456789012LL;
	m.audit_id = 77;
	for (int i = 0; i < 32; i++)
		m.audit_hash[i] = (unsigned char)(0xf0 ^ i);
	ck_assert_int_eq(cache_set_mark(c, &m), 0);
	reopen(mem_sizes[1 - _i]);
	for (unsigned i = 0; i < 5; i++)
		assert_answer(&k[i], T0 + 4, 80 + i, T0 + i, FP_HIGH - i, 1);
	ck_assert_int_eq(cache_get_mark(c, &got), 0);
	ck_assert_str_eq(got.id, m.id);
	ck_assert_int_eq(got.change_seq, m.change_seq);
	ck_assert_int_eq(got.audit_id, m.audit_id);
	ck_assert_mem_eq(got.audit_hash, m.audit_hash, 32);
	ck_assert_int_eq(cache_count_before(c, T0 + 4), 5);
}
END_TEST

/* No mark in a new store; a mark without a registry id round-trips. */
START_TEST(test_mark)
{
	struct registry_mark	 m, got;

	c = open_store(MEM_ALL);
	ck_assert_int_eq(cache_get_mark(c, &got), 1);
	memset(&m, 0, sizeof(m));
	m.change_seq = 5;
	m.audit_id = 6;
	memset(m.audit_hash, 0xab, sizeof(m.audit_hash));
	ck_assert_int_eq(cache_set_mark(c, &m), 0);
	ck_assert_int_eq(cache_get_mark(c, &got), 0);
	ck_assert_str_eq(got.id, "");
	ck_assert_int_eq(got.change_seq, 5);
	ck_assert_int_eq(got.audit_id, 6);
	ck_assert_mem_eq(got.audit_hash, m.audit_hash, 32);
	m.change_seq = 9;			/* replaced, not added */
	ck_assert_int_eq(cache_set_mark(c, &m), 0);
	reopen(MEM_ALL);
	ck_assert_int_eq(cache_get_mark(c, &got), 0);
	ck_assert_int_eq(got.change_seq, 9);
}
END_TEST

static void
sql(sqlite3 *h, const char *q)
{
	char	*msg = NULL;

	ck_assert_msg(sqlite3_exec(h, q, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", q, msg ? msg : "?");
}

static int
user_version(void)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	int		 v = -1;

	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st,
	    NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/*
 * A store written by another version (older or newer layout) is a cache:
 * it is dropped and rebuilt empty, its answers and its mark never read.
 */
START_TEST(test_other_version_rebuilt)
{
	static const int	 versions[] = { 2, 4 };
	struct cache_key	 k = key(1, 0, 900);
	struct registry_mark	 got;
	sqlite3			*h;
	char			 q[1024], hex[2 * SERIAL_MAX + 1];
	int			 now_version;

	c = open_store(MEM_ALL);
	cache_close(c);
	c = NULL;
	now_version = user_version();
	ck_assert_int_gt(now_version, 0);
	ck_assert_int_eq(unlink(path), 0);

	/*
	 * The layout of today's store, with a row for k servable at T0 and a
	 * mark: only the version says it is not ours to read.
	 */
	for (size_t i = 0; i < k.len; i++)
		snprintf(hex + 2 * i, 3, "%02x", k.serial[i]);
	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	snprintf(q, sizeof(q), "PRAGMA user_version = %d;"
	    "CREATE TABLE responses (issuer_id INTEGER NOT NULL, hash_alg "
	    "INTEGER NOT NULL, serial BLOB NOT NULL, this_update INTEGER NOT "
	    "NULL, next_update INTEGER NOT NULL, der BLOB NOT NULL, fp INTEGER "
	    "NOT NULL, gen INTEGER NOT NULL);"
	    "INSERT INTO responses VALUES (1, 0, x'%s', %lld, %lld, x'3000', 1,"
	    " 1);"
	    "CREATE TABLE meta (k TEXT PRIMARY KEY, v);"
	    "INSERT INTO meta VALUES ('mark', '|1|1|%064d');",
	    versions[_i], hex, (long long)T0, (long long)(T0 + VALID), 0);
	sql(h, q);
	sqlite3_close(h);

	c = open_store(MEM_ALL);
	assert_none(&k, T0 + 1);
	ck_assert_int_eq(cache_count_before(c, T0 + VALID), 0);
	ck_assert_int_eq(cache_newest(c), 0);
	ck_assert_int_eq(cache_get_mark(c, &got), 1);
	put(&k, 90, T0, 90, 1);		/* and it works as a store */
	reopen(0);
	assert_answer(&k, T0, 90, T0, 90, 1);
	cache_close(c);
	c = NULL;
	ck_assert_int_eq(user_version(), now_version);
}
END_TEST

/* A file that is not a store, or no folder for it: refused, with why. */
START_TEST(test_open_refused)
{
	FILE	*f;
	char	 bad[160];

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database\n", f);
	ck_assert_int_eq(fclose(f), 0);
	err[0] = '\0';
	ck_assert_ptr_null(cache_open(path, MEM_ALL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, path));

	snprintf(bad, sizeof(bad), "%s/no/such/folder/responses.db", dir);
	err[0] = '\0';
	ck_assert_ptr_null(cache_open(bad, MEM_ALL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, bad));
}
END_TEST

/*
 * Memory is bounded by cache-memory: answered (hot) puts evict the least
 * recently used; pre-signed ones never push out what is there.  Evicted
 * answers are still served, from the store.
 */
START_TEST(test_memory_bound)
{
	struct cache_stats	 st;
	struct cache_key	 k[8], pre = key(2, 0, 1099);
	size_t			 max = 4 * (DER_LEN + 200);
	size_t			 entries;

	c = open_store(max);
	for (unsigned i = 0; i < 8; i++) {
		k[i] = key(2, 0, 1000 + i);
		put(&k[i], 100 + i, T0, 100 + i, 1);
		cache_stats(c, &st);
		ck_assert_uint_le(st.memory_bytes, max);
	}
	cache_stats(c, &st);
	ck_assert_uint_lt(st.memory_entries, 8);
	ck_assert_uint_gt(st.memory_entries, 0);
	entries = st.memory_entries;
	put(&pre, 110, T0, 110, 0);		/* memory full: store only */
	cache_stats(c, &st);
	ck_assert_uint_eq(st.memory_entries, entries);
	ck_assert_int_eq(cache_flush(c), 0);

	assert_answer(&k[7], T0, 107, T0, 107, 1);	/* most recent: memory */
	cache_stats(c, &st);
	ck_assert_uint_eq(st.hits_memory, 1);
	ck_assert_uint_eq(st.hits_store, 0);
	assert_answer(&k[0], T0, 100, T0, 100, 1);	/* evicted: store */
	assert_answer(&pre, T0, 110, T0, 110, 1);
	cache_stats(c, &st);
	ck_assert_uint_eq(st.hits_store, 2);
	ck_assert_uint_le(st.memory_bytes, max);
	for (unsigned i = 0; i < 8; i++)
		assert_answer(&k[i], T0, 100 + i, T0, 100 + i, 1);
}
END_TEST

/* Clear drops every answer, in memory, pending and stored. */
START_TEST(test_clear)
{
	struct cache_key	 a = key(1, 0, 1200), b = key(1, 0, 1201);
	struct cache_stats	 st;

	c = open_store(mem_sizes[_i]);
	put(&a, 120, T0, 120, 1);
	ck_assert_int_eq(cache_flush(c), 0);
	put(&b, 121, T0, 121, 1);		/* still pending */
	ck_assert_int_eq(cache_clear(c), 0);
	assert_none(&a, T0);
	assert_none(&b, T0);
	cache_stats(c, &st);
	ck_assert_uint_eq(st.memory_entries, 0);
	ck_assert_uint_eq(st.memory_bytes, 0);
	reopen(mem_sizes[_i]);
	assert_none(&a, T0);
	assert_none(&b, T0);
	ck_assert_int_eq(cache_newest(c), 0);
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite	*s = suite_create("cache");
	TCase	*tc = tcase_create("store");
	int	 n = (int)(sizeof(mem_sizes) / sizeof(mem_sizes[0]));

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_put_get, 0, n);
	tcase_add_loop_test(tc, test_put_visible_before_flush, 0, n);
	tcase_add_loop_test(tc, test_replace, 0, n);
	tcase_add_loop_test(tc, test_keys_distinct, 0, n);
	tcase_add_loop_test(tc, test_validity_window, 0, n);
	tcase_add_loop_test(tc, test_drop, 0, n);
	tcase_add_loop_test(tc, test_drop_then_put, 0, n);
	tcase_add_loop_test(tc, test_generations, 0, n);
	tcase_add_loop_test(tc, test_stored, 0, n);
	tcase_add_loop_test(tc, test_ages, 0, n);
	tcase_add_loop_test(tc, test_persistence, 0, n);
	tcase_add_test(tc, test_mark);
	tcase_add_loop_test(tc, test_other_version_rebuilt, 0, 2);
	tcase_add_test(tc, test_open_refused);
	tcase_add_test(tc, test_memory_bound);
	tcase_add_loop_test(tc, test_clear, 0, n);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(cache_suite(), CK_FORK_GETENV);
}
