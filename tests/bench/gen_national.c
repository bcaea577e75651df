/* SPDX-License-Identifier: ISC */
/*
 * gen_national.c: a national-scale registry for tests/bench/national.sh:
 * N synthetic certificates spread over every issuer of an existing registry
 * (a `certctl demo` with more CAs from `certctl ca create`), and M audit
 * records chained onto its audit log.
 *
 *   gen_national REGISTRY.db N OUTDIR [AUDIT_M]
 *
 * The rows are what certctl would have written for bulk test data (der and
 * card NULL, as gen_registry.py does): 16-octet serials (first octet
 * 0x40..0x7F), one certificate in ten revoked with a reason mix, each row its
 * own change_seq and the registry's change counter moved past them, so a
 * server that has seen the registry before hears of every row.  Issuers
 * take rows in turn.  The M audit records are "cert.issue" records of the
 * first certificates (round again when M > N), hashed with audit_hash() and
 * chained to the log's last record, so `certctl audit verify` walks them
 * like any other.  One transaction: a failure leaves the registry as it was.
 *
 * Python row by row takes minutes per million; here the rows go in sorted
 * by (issuer, serial), and the secondary indexes of certificates are
 * dropped and built again after the load (the same SQL, read from
 * sqlite_master), so every index is built in order instead of at random.
 *
 * Writes OUTDIR/serials.<issuer>.txt (hex, one a line) and prints
 *   rows=N revoked=R audit=M issuers=K rows_seconds=S audit_seconds=S seconds=S
 * (audit_seconds includes the commit and the WAL checkpoint).
 */
#include <err.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "audit.h"
#include "clock.h"

#define ISSUERS_MAX	64
#define INDEXES_MAX	16
#define SERIAL_LEN	16			/* octets */
#define YEAR_SEC	(365 * 86400)
#define CACHE_KIB	(2 * 1024 * 1024)	/* page cache for the load */

struct issuer {
	int64_t		 id;
	char		 name[128];
	FILE		*serials;
};

/* The reason codes of gen_registry.py; 0 is stored as NULL (no reason). */
static const int	 reasons[] = { 0, 1, 3, 4, 5, 3 };
#define REASONS_N	(sizeof(reasons) / sizeof(reasons[0]))

static sqlite3	*db;

/* splitmix64: a bijection, so distinct i give distinct serials. */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/*
 * Certificate i's serial.  The seed differs per run so that a registry
 * extended twice gets no duplicate; within a run i makes them distinct.
 */
static void
cert_serial(uint64_t seed, uint64_t i, unsigned char s[SERIAL_LEN])
{
	uint64_t	 hi = mix64(i ^ seed), lo = mix64(i + seed * 3);

	for (int k = 0; k < 8; k++) {
		s[k] = (unsigned char)(hi >> (56 - 8 * k));
		s[8 + k] = (unsigned char)(lo >> (56 - 8 * k));
	}
	s[0] = (s[0] & 0x3F) | 0x40;	/* positive, no leading zero */
}

static void
hex(const unsigned char *b, size_t n, char *out)
{
	static const char	 d[] = "0123456789ABCDEF";

	for (size_t k = 0; k < n; k++) {
		out[2 * k] = d[b[k] >> 4];
		out[2 * k + 1] = d[b[k] & 15];
	}
	out[2 * n] = '\0';
}

static void
exec(const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		errx(1, "%s: %s", sql, msg != NULL ? msg : sqlite3_errmsg(db));
}

static sqlite3_stmt *
prep(const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		errx(1, "%s: %s", sql, sqlite3_errmsg(db));
	return st;
}

static double
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
load_issuers(struct issuer *is, const char *outdir)
{
	sqlite3_stmt	*st = prep("SELECT id, name FROM issuers ORDER BY id");
	char		 path[4096];
	int		 n = 0;

	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == ISSUERS_MAX)
			errx(1, "more than %d issuers", ISSUERS_MAX);
		is[n].id = sqlite3_column_int64(st, 0);
		snprintf(is[n].name, sizeof(is[n].name), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		snprintf(path, sizeof(path), "%s/serials.%s.txt", outdir,
		    is[n].name);
		if ((is[n].serials = fopen(path, "w")) == NULL)
			err(1, "%s", path);
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0)
		errx(1, "the registry has no issuer: run certctl demo first");
	return n;
}

/* Drop the secondary indexes of certificates; their SQL into sql[]. */
static int
drop_indexes(char *sql[INDEXES_MAX])
{
	sqlite3_stmt	*st = prep("SELECT name, sql FROM sqlite_master WHERE "
			    "type = 'index' AND tbl_name = 'certificates' AND "
			    "sql IS NOT NULL");
	char		*drop[INDEXES_MAX], buf[256];
	int		 n = 0;

	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == INDEXES_MAX)
			errx(1, "more than %d indexes on certificates",
			    INDEXES_MAX);
		drop[n] = strdup((const char *)sqlite3_column_text(st, 0));
		sql[n] = strdup((const char *)sqlite3_column_text(st, 1));
		if (drop[n] == NULL || sql[n] == NULL)
			err(1, "strdup");
		n++;
	}
	sqlite3_finalize(st);
	for (int k = 0; k < n; k++) {
		snprintf(buf, sizeof(buf), "DROP INDEX \"%s\"", drop[k]);
		exec(buf);
		free(drop[k]);
	}
	return n;
}

/* A certificate to be: its serial and its number in the run. */
struct slot {
	unsigned char	 s[SERIAL_LEN];
	uint32_t	 i;
	uint16_t	 issuer;
};

static int
slot_cmp(const void *a, const void *b)
{
	const struct slot	*x = a, *y = b;

	if (x->issuer != y->issuer)
		return x->issuer < y->issuer ? -1 : 1;
	return memcmp(x->s, y->s, SERIAL_LEN);
}

/*
 * Rows go in in (issuer, serial) order: the UNIQUE (issuer_id, serial)
 * index, which cannot be dropped, then grows at its end instead of taking
 * ten million inserts at random places.  Every other column comes from the
 * certificate's number i, so the mix is the same whatever the order.
 */
static int64_t
gen_rows(struct issuer *is, int nis, int64_t n, int64_t seq0, time_t now,
    uint64_t seed)
{
	sqlite3_stmt	*st = prep("INSERT INTO certificates (issuer_id, serial, "
			    "kind, not_before, not_after, status, revoked_at, "
			    "reason, change_seq, created_at) VALUES (?, ?, ?, ?, "
			    "?, ?, ?, ?, ?, ?)");
	struct slot	*sl;
	char		 h[2 * SERIAL_LEN + 1];
	int64_t		 revoked = 0;

	if ((sl = calloc((size_t)n, sizeof(*sl))) == NULL)
		err(1, "%" PRId64 " certificates", n);
	for (int64_t i = 0; i < n; i++) {
		cert_serial(seed, (uint64_t)i, sl[i].s);
		sl[i].i = (uint32_t)i;
		sl[i].issuer = (uint16_t)(i % nis);
	}
	qsort(sl, (size_t)n, sizeof(*sl), slot_cmp);
	for (int64_t k = 0; k < n; k++) {
		int64_t		 i = sl[k].i;
		struct issuer	*iss = &is[sl[k].issuer];
		uint64_t	 r = mix64((uint64_t)i ^ 0xA5A5A5A5ULL);
		time_t		 nb = now - (time_t)(r % (3 * YEAR_SEC)), at;

		hex(sl[k].s, SERIAL_LEN, h);
		fprintf(iss->serials, "%s\n", h);
		sqlite3_bind_int64(st, 1, iss->id);
		sqlite3_bind_blob(st, 2, sl[k].s, SERIAL_LEN, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, (i >> 1) & 1 ? "auth" : "sign", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (int64_t)nb);
		sqlite3_bind_int64(st, 5, (int64_t)nb + 5 * YEAR_SEC);
		if (i % 10 == 3) {
			int	 why = reasons[(i / 10) % REASONS_N];

			/* revoked between a day after issue and now */
			at = nb + 86400 + (time_t)((r >> 32) % YEAR_SEC);
			if (at >= now)
				at = now - 1;
			if (at < nb)
				at = nb;
			sqlite3_bind_text(st, 6, "revoked", -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 7, (int64_t)at);
			if (why != 0)
				sqlite3_bind_int(st, 8, why);
			else
				sqlite3_bind_null(st, 8);
			revoked++;
		} else {
			sqlite3_bind_text(st, 6, "good", -1, SQLITE_STATIC);
			sqlite3_bind_null(st, 7);
			sqlite3_bind_null(st, 8);
		}
		sqlite3_bind_int64(st, 9, seq0 + k + 1);
		sqlite3_bind_int64(st, 10, (int64_t)nb);
		if (sqlite3_step(st) != SQLITE_DONE)
			errx(1, "insert row %" PRId64 ": %s", i,
			    sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	free(sl);
	return revoked;
}

/*
 * M cert.issue records for the certificates just made, chained on: the
 * detail as reg_cert_insert() writes it (compact, sorted keys).
 */
static void
gen_audit(struct issuer *is, int nis, int64_t n, int64_t m, time_t now,
    uint64_t seed)
{
	sqlite3_stmt		*st;
	struct audit_record	 r;
	unsigned char		 prev[AUDIT_HASH_LEN] = { 0 };
	unsigned char		 hash[AUDIT_HASH_LEN], s[SERIAL_LEN];
	char			 h[2 * SERIAL_LEN + 1], subject[64], nb[21], na[21];
	char			*detail;
	int64_t			 id = 0;

	st = prep("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != AUDIT_HASH_LEN)
			errx(1, "the last audit record has no hash");
		id = sqlite3_column_int64(st, 0);
		memcpy(prev, sqlite3_column_blob(st, 1), AUDIT_HASH_LEN);
	}
	sqlite3_finalize(st);
	st = prep("INSERT INTO audit (id, at, operator, office, action, "
	    "subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
	    "?)");
	for (int64_t k = 0; k < m; k++) {
		int64_t		 i = k % n;
		uint64_t	 rr = mix64((uint64_t)i ^ 0xA5A5A5A5ULL);
		time_t		 t = now - (time_t)(rr % (3 * YEAR_SEC));
		json_t		*d;

		cert_serial(seed, (uint64_t)i, s);
		hex(s, SERIAL_LEN, h);
		snprintf(subject, sizeof(subject), "serial %s", h);
		clock_format_iso(t, nb);
		clock_format_iso(t + 5 * YEAR_SEC, na);
		d = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "action",
		    "cert.issue", "issuer", is[i % nis].name, "kind",
		    (i >> 1) & 1 ? "auth" : "sign", "not_after", na,
		    "not_before", nb, "serial", h, "subject", subject);
		if (d == NULL ||
		    (detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
			errx(1, "json");
		json_decref(d);
		r = (struct audit_record){ ++id, now, "gen_national", "bench",
		    "cert.issue", subject, detail };
		if (audit_hash(prev, &r, hash) != 0)
			errx(1, "audit_hash");
		sqlite3_bind_int64(st, 1, r.id);
		sqlite3_bind_int64(st, 2, (int64_t)r.at);
		sqlite3_bind_text(st, 3, r.operator_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, r.office, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, r.action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, r.subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, r.detail, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 8, prev, AUDIT_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(st, 9, hash, AUDIT_HASH_LEN, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			errx(1, "audit record %" PRId64 ": %s", r.id,
			    sqlite3_errmsg(db));
		sqlite3_reset(st);
		free(detail);
		memcpy(prev, hash, AUDIT_HASH_LEN);
	}
	sqlite3_finalize(st);
}

int
main(int argc, char *argv[])
{
	struct issuer	 is[ISSUERS_MAX];
	sqlite3_stmt	*st;
	char		*idx[INDEXES_MAX], *end, buf[128];
	int64_t		 n, m = 0, seq0, revoked;
	time_t		 now = time(NULL);
	uint64_t	 seed = (uint64_t)now;
	double		 t0, t1, t2;
	int		 nis, nidx;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: gen_national REGISTRY.db N OUTDIR "
		    "[AUDIT_M]\n");
		return 2;
	}
	n = strtoll(argv[2], &end, 10);
	if (*end != '\0' || n < 1 || n > UINT32_MAX)
		errx(2, "N: \"%s\" is not a number from 1 to %u", argv[2],
		    UINT32_MAX);
	if (argc == 5 && ((m = strtoll(argv[4], &end, 10)) < 0 || *end != '\0'))
		errx(2, "AUDIT_M: \"%s\" is not a number", argv[4]);
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		errx(1, "%s: %s", argv[1], sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 10000);
	/* a bulk load: no fsync, a page cache holding the indexes */
	exec("PRAGMA synchronous=OFF");
	snprintf(buf, sizeof(buf), "PRAGMA cache_size=-%d", CACHE_KIB);
	exec(buf);
	t0 = mono();
	exec("BEGIN IMMEDIATE");
	nis = load_issuers(is, argv[3]);
	st = prep("SELECT change_seq FROM registry_state");
	if (sqlite3_step(st) != SQLITE_ROW)
		errx(1, "no registry_state: not a certstatus registry");
	seq0 = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	nidx = drop_indexes(idx);
	revoked = gen_rows(is, nis, n, seq0, now, seed);
	for (int k = 0; k < nidx; k++) {
		exec(idx[k]);
		free(idx[k]);
	}
	snprintf(buf, sizeof(buf), "UPDATE registry_state SET change_seq = %"
	    PRId64, seq0 + n);
	exec(buf);
	t1 = mono();
	gen_audit(is, nis, n, m, now, seed);
	exec("COMMIT");
	exec("PRAGMA wal_checkpoint(TRUNCATE)");
	t2 = mono();
	for (int k = 0; k < nis; k++)
		if (fclose(is[k].serials) != 0)
			err(1, "serials of %s", is[k].name);
	sqlite3_close(db);
	printf("rows=%" PRId64 " revoked=%" PRId64 " audit=%" PRId64
	    " issuers=%d rows_seconds=%.1f audit_seconds=%.1f seconds=%.1f\n",
	    n, revoked, m, nis, t1 - t0, t2 - t1, t2 - t0);
	return 0;
}
