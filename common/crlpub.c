/* SPDX-License-Identifier: ISC */
/*
 * crlpub.c: generate, sign and store CRLs from the registry (see crlpub.h).
 *
 * The full CRL streams from the partial index certs_revoked (only revoked
 * and held certificates, in serial order) into crlgen; no entry is kept as
 * an object, so memory is about one DER copy of the list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "crlgen.h"
#include "crlpub.h"
#include "db_impl.h"
#include "log.h"
#include "pki.h"
#include "reason.h"

static int
prep(struct db *db, sqlite3_stmt **st, const char *sql, char *err,
    size_t errlen)
{
	if (sqlite3_prepare_v2(db->h, sql, -1, st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
		*st = NULL;
		return -1;
	}
	return 0;
}

/* A scope's newest full CRL: number, change_seq; 0 found, 1 none, -1 error. */
static int
newest_full(struct db *db, int64_t issuer_id, int part, int64_t *number,
    int64_t *seq, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc = -1;

	if (prep(db, &st, "SELECT number, change_seq FROM crls WHERE "
	    "issuer_id = ?1 AND part = ?2 AND delta_base IS NULL "
	    "ORDER BY number DESC LIMIT 1", err, errlen) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, issuer_id);
	sqlite3_bind_int(st, 2, part);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*number = sqlite3_column_int64(st, 0);
		*seq = sqlite3_column_int64(st, 1);
		rc = 0;
		break;
	case SQLITE_DONE:
		rc = 1;
		break;
	default:
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
	}
	sqlite3_finalize(st);
	return rc;
}

static int
one_int64(struct db *db, const char *sql, int64_t a, int b, int64_t *out,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc = -1;

	if (prep(db, &st, sql, err, errlen) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int(st, 2, b);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* Is an entry with this not_after still listed at now? */
static int
listed(const struct config *conf, time_t not_after, time_t now)
{
	if (conf->crl_expired == CRL_EXPIRED_KEEP)
		return 1;
	return not_after + conf->crl_retention > now;
}

/* The CRLReason for a registry row on a CRL (CRL_REASON_NONE: omit). */
static int
entry_reason(const unsigned char *status, int null_reason, int reason)
{
	if (status != NULL && strcmp((const char *)status, "hold") == 0)
		return REASON_CERTIFICATE_HOLD;
	if (null_reason || reason == REASON_UNSPECIFIED ||
	    reason_name(reason) == NULL || reason == REASON_REMOVE_FROM_CRL)
		return CRL_REASON_NONE;
	return reason;
}

static int
serial_of(sqlite3_stmt *st, int col, struct serial *s)
{
	int	 n = sqlite3_column_bytes(st, col);

	if (n <= 0 || n > SERIAL_MAX)
		return -1;
	memcpy(s->b, sqlite3_column_blob(st, col), (size_t)n);
	s->len = (size_t)n;
	return 0;
}

static int
store(struct db *db, int64_t issuer_id, int part, int64_t number,
    int64_t delta_base, int64_t seq, time_t tu, time_t nu,
    const unsigned char *der, size_t len, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc = -1;

	if (prep(db, &st, "INSERT INTO crls (issuer_id, number, delta_base, "
	    "change_seq, this_update, next_update, der, part) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?)", err, errlen) != 0)
		return -1;
	sqlite3_bind_int(st, 8, part);
	sqlite3_bind_int64(st, 1, issuer_id);
	sqlite3_bind_int64(st, 2, number);
	if (delta_base >= 0)
		sqlite3_bind_int64(st, 3, delta_base);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, seq);
	sqlite3_bind_int64(st, 5, (int64_t)tu);
	sqlite3_bind_int64(st, 6, (int64_t)nu);
	sqlite3_bind_blob64(st, 7, der, len, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else
		snprintf(err, errlen, "%s: storing CRL %lld: %s", db->path,
		    (long long)number, db_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

void
crlpub_result_free(struct crlpub_result *res)
{
	free(res->parts);
	res->parts = NULL;
	res->nparts = 0;
}

int
crlpub_partition_of(const struct serial *s, int n)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	uint32_t	 h;

	if (n <= 1)
		return -1;
	/* SHA-256 cannot fail on a few octets short of memory for the
	 * context; should it, partition 0 is still a valid partition */
	if (EVP_Digest(s->b, s->len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < 4)
		return 0;
	h = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	    (uint32_t)md[2] << 8 | md[3];
	return (int)(h % (uint32_t)n);
}

char *
crlpub_url(const struct config *conf, const char *issuer, int part, int delta)
{
	const char	*base = conf->base_url != NULL ? conf->base_url : "";
	size_t		 blen = strlen(base);
	char		 k[16] = "";
	char		*url;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (part >= 0)
		snprintf(k, sizeof(k), "-%d", part);
	if (asprintf(&url, "%.*s/crl/%s%s%s.crl", (int)blen, base, issuer, k,
	    delta ? "-delta" : "") == -1)
		return NULL;
	return url;
}

int
crlpub_partitions(struct db *db, const struct config *conf, int64_t issuer_id,
    int *n, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int64_t		 issued;

	/* a registry before schema 007 (the server reads it as it is) has
	 * no partitioned certificate */
	if (sqlite3_prepare_v2(db->h, "SELECT 1 FROM crl_partitions LIMIT 0",
	    -1, &st, NULL) != SQLITE_OK)
		issued = 0;
	else if (one_int64(db, "SELECT coalesce(max(partitions), 0) FROM "
	    "crl_partitions WHERE issuer_id = ?", issuer_id, 0, &issued, err,
	    errlen) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	*n = conf->crl_partitions > 1 ? conf->crl_partitions : 0;
	if (issued > *n && issued <= CRLPUB_PARTITIONS_MAX)
		*n = (int)issued;
	return 0;
}

/* One CRL scope of a run: the unpartitioned CRL (part -1) or partition k. */
struct scope {
	int		 part;
	int		 idp;		/* issuingDistributionPoint on its CRLs */
};

static struct crlgen *
builder(const struct config *conf, const struct crlpub_issuer *is,
    const struct scope *sc, int64_t number, int64_t delta_base, time_t now,
    char *err, size_t errlen)
{
	struct crlgen_params	 p;
	struct crlgen		*g = NULL;
	char			*url = NULL, *idp = NULL;
	const char		*base = conf->base_url != NULL ? conf->base_url : "";

	memset(&p, 0, sizeof(p));
	p.issuer = is->ca;
	p.key = is->key;
	p.number = (uint64_t)number;
	p.delta_base = delta_base;
	p.this_update = now;
	p.next_update = now + (delta_base < 0 ? conf->crl_validity :
	    conf->crl_delta_validity);
	if ((delta_base < 0 && strspn(base, "/") < strlen(base) &&
	    (url = crlpub_url(conf, is->name, sc->part, 1)) == NULL) ||
	    (sc->idp && (idp = crlpub_url(conf, is->name, sc->part, 0)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	p.freshest_url = url;
	p.idp_url = idp;
	if (conf->crl_expired == CRL_EXPIRED_KEEP)
		(void)pki_time(X509_get0_notBefore(is->ca),
		    &p.expired_certs_on_crl);
	if ((g = crlgen_new(&p)) == NULL)
		snprintf(err, errlen, "issuer %s: cannot start the CRL (is the key "
		    "the CA's?): %s", is->name, log_ssl_drain());
 done:
	free(url);
	free(idp);
	return g;
}

static unsigned char *
finish(struct crlgen *g, const struct crlpub_issuer *is, size_t *len,
    char *err, size_t errlen)
{
	unsigned char	*der;

	if ((der = crlgen_finish(g, len)) == NULL)
		snprintf(err, errlen, "issuer %s: signing the CRL failed: %s",
		    is->name, log_ssl_drain());
	return der;
}

/*
 * Add to g every row of st (serial, revoked_at, reason, status, not_after,
 * and for the delta hold_at) still listed at now.  A row back at 'good' is
 * a hold released since the delta's base (the full CRL's query never selects
 * one): removeFromCRL, dated hold_at.  `what` names the CRL in an error.
 */
static int
rows_add(struct db *db, const struct config *conf,
    const struct crlpub_issuer *is, sqlite3_stmt *st, struct crlgen *g,
    time_t now, const char *what, char *err, size_t errlen)
{
	struct serial	 s;
	const unsigned char *status;
	int		 step, reason;
	time_t		 when;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!listed(conf, (time_t)sqlite3_column_int64(st, 4), now))
			continue;
		status = sqlite3_column_text(st, 3);
		when = (time_t)sqlite3_column_int64(st, 1);
		if (status != NULL && strcmp((const char *)status, "good") == 0) {
			/* a hold released since the base */
			reason = REASON_REMOVE_FROM_CRL;
			when = (time_t)sqlite3_column_int64(st, 5);
		} else
			reason = entry_reason(status,
			    sqlite3_column_type(st, 2) == SQLITE_NULL,
			    sqlite3_column_int(st, 2));
		if (serial_of(st, 0, &s) != 0 ||
		    crlgen_add(g, &s, when, reason) != 0) {
			snprintf(err, errlen, "issuer %s: bad certificate row "
			    "for the %s", is->name, what);
			return -1;
		}
	}
	if (step != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
		return -1;
	}
	return 0;
}

/*
 * Build, sign and store one CRL of scope sc: with base < 0 the full CRL
 * (every revoked or held certificate of the scope), else a delta on base
 * (the scope's certificates changed since base_seq).  *entries and *len get
 * what was stored.
 */
static int
write_crl(struct db *db, const struct config *conf,
    const struct crlpub_issuer *is, const struct scope *sc, int64_t number,
    int64_t base, int64_t base_seq, time_t now, int64_t change_seq,
    size_t *entries, size_t *len, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	struct crlgen	*g = NULL;
	unsigned char	*der = NULL;
	const char	*sql;
	char		 what[64];
	int		 rc = -1, delta = base >= 0;

	/*
	 * The full CRL walks certs_revoked_part (issuer, partition, serial):
	 * one partition's revoked certificates, already in serial order.
	 * The delta's "+issuer_id" walks certs_by_change (the few changed
	 * rows), not every certificate of the issuer in serial order.
	 */
	if (delta)
		sql = sc->part < 0 ?
		    "SELECT serial, revoked_at, reason, status, not_after, hold_at "
		    "FROM certificates WHERE change_seq > ?2 AND +issuer_id = ?1 "
		    "AND +crl_partition IS NULL "
		    "AND (status != 'good' OR hold_at IS NOT NULL) ORDER BY serial" :
		    "SELECT serial, revoked_at, reason, status, not_after, hold_at "
		    "FROM certificates WHERE change_seq > ?2 AND +issuer_id = ?1 "
		    "AND +crl_partition = ?3 "
		    "AND (status != 'good' OR hold_at IS NOT NULL) ORDER BY serial";
	else
		sql = sc->part < 0 ?
		    "SELECT serial, revoked_at, reason, status, not_after "
		    "FROM certificates WHERE issuer_id = ?1 AND crl_partition IS NULL "
		    "AND status != 'good' ORDER BY serial" :
		    "SELECT serial, revoked_at, reason, status, not_after "
		    "FROM certificates WHERE issuer_id = ?1 AND crl_partition = ?3 "
		    "AND status != 'good' ORDER BY serial";
	if ((g = builder(conf, is, sc, number, base, now, err, errlen)) == NULL ||
	    prep(db, &st, sql, err, errlen) != 0)
		goto done;
	sqlite3_bind_int64(st, 1, is->id);
	if (delta)
		sqlite3_bind_int64(st, 2, base_seq);
	if (sc->part >= 0)
		sqlite3_bind_int(st, 3, sc->part);
	if (sc->part >= 0)
		snprintf(what, sizeof(what), "%s of partition %d", delta ?
		    "delta CRL" : "CRL", sc->part);
	else
		snprintf(what, sizeof(what), "%s", delta ? "delta CRL" : "CRL");
	if (rows_add(db, conf, is, st, g, now, what, err, errlen) != 0)
		goto done;
	sqlite3_finalize(st);
	st = NULL;
	*entries = crlgen_count(g);
	if ((der = finish(g, is, len, err, errlen)) == NULL ||
	    store(db, is->id, sc->part, number, base, change_seq, now, now +
	    (delta ? conf->crl_delta_validity : conf->crl_validity), der, *len,
	    err, errlen) != 0)
		goto done;
	rc = 0;
 done:
	sqlite3_finalize(st);
	crlgen_free(g);
	free(der);
	return rc;
}

/* Keep the scope's newest CRLPUB_KEEP rows, and always the delta's base. */
static int
prune(struct db *db, int64_t issuer_id, int part, int64_t newest, int64_t base,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int64_t		 cutoff = newest - CRLPUB_KEEP + 1;
	int		 rc = -1;

	if (base < cutoff)
		cutoff = base;
	if (prep(db, &st, "DELETE FROM crls WHERE issuer_id = ? AND part = ? "
	    "AND number < ?", err, errlen) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, issuer_id);
	sqlite3_bind_int(st, 2, part);
	sqlite3_bind_int64(st, 3, cutoff);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* Full (unless mode says not) and delta CRL of one scope, numbered in it. */
static int
scope_generate(struct db *db, const struct config *conf,
    const struct crlpub_issuer *is, const struct scope *sc,
    enum crlpub_mode mode, time_t now, int64_t change_seq,
    struct crlpub_part *out, char *err, size_t errlen)
{
	int64_t		 number, base = -1, base_seq = 0;
	int		 have;

	memset(out, 0, sizeof(*out));
	out->part = sc->part;
	out->full_number = out->delta_number = out->delta_base = -1;
	if (one_int64(db, "SELECT coalesce(max(number), 0) + 1 FROM crls "
	    "WHERE issuer_id = ? AND part = ?", is->id, sc->part, &number, err,
	    errlen) != 0 ||
	    (have = newest_full(db, is->id, sc->part, &base, &base_seq, err,
	    errlen)) < 0)
		return -1;
	/*
	 * A delta needs a full CRL as its base.  Without one for the issuer,
	 * --delta-only is refused; a partition that has none is new (a larger
	 * crl-partitions since the last full run) and gets its first full
	 * CRL here, so that a cron job of delta-only runs keeps every
	 * partition a certificate may name published.
	 */
	if (mode == CRLPUB_DELTA_ONLY && have != 0 && sc->part < 0) {
		snprintf(err, errlen, "issuer %s: no full CRL yet: a delta CRL "
		    "needs one as its base", is->name);
		return -1;
	}
	if (mode != CRLPUB_DELTA_ONLY || have != 0) {
		if (write_crl(db, conf, is, sc, number, -1, 0, now, change_seq,
		    &out->full_entries, &out->full_len, err, errlen) != 0)
			return -1;
		out->full_number = number;
		if (have != 0) {	/* first full: the delta is based on it */
			base = number;
			base_seq = change_seq;
		}
		number++;
	}
	if (write_crl(db, conf, is, sc, number, base, base_seq, now,
	    change_seq, &out->delta_entries, &out->delta_len, err,
	    errlen) != 0 ||
	    prune(db, is->id, sc->part, number, base, err, errlen) != 0)
		return -1;
	out->delta_number = number;
	out->delta_base = base;
	return 0;
}

int
crlpub_generate_tx(struct db *db, const struct config *conf,
    const struct crlpub_issuer *is, enum crlpub_mode mode, time_t now,
    struct crlpub_result *out, char *err, size_t errlen)
{
	struct crlpub_part	 top;
	struct scope		 sc;
	int			 nparts;

	memset(out, 0, sizeof(*out));
	out->full_number = out->delta_number = out->delta_base = -1;
	out->this_update = now;
	if (is->key == NULL || is->ca == NULL) {
		snprintf(err, errlen, "issuer %s: no CA key to sign CRLs with",
		    is->name);
		return -1;
	}
	if ((out->change_seq = db_change_seq(db)) < 0) {
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
		return -1;
	}
	if (crlpub_partitions(db, conf, is->id, &nparts, err, errlen) != 0)
		return -1;
	if (nparts > 0 &&
	    (out->parts = calloc((size_t)nparts, sizeof(*out->parts))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* the unpartitioned CRL is scoped to its URL once partitions exist */
	sc.part = -1;
	sc.idp = nparts > 0;
	if (scope_generate(db, conf, is, &sc, mode, now, out->change_seq, &top,
	    err, errlen) != 0)
		return -1;
	out->full_number = top.full_number;
	out->full_entries = top.full_entries;
	out->full_len = top.full_len;
	out->delta_number = top.delta_number;
	out->delta_base = top.delta_base;
	out->delta_entries = top.delta_entries;
	out->delta_len = top.delta_len;
	if (mode != CRLPUB_DELTA_ONLY)
		out->next_update = now + conf->crl_validity;
	out->delta_next_update = now + conf->crl_delta_validity;
	for (int k = 0; k < nparts; k++) {
		sc.part = k;
		sc.idp = 1;
		if (scope_generate(db, conf, is, &sc, mode, now, out->change_seq,
		    &out->parts[k], err, errlen) != 0)
			return -1;
		out->nparts = (size_t)k + 1;
	}
	return 0;
}

int
crlpub_generate(struct db *db, const struct config *conf,
    const struct crlpub_issuer *is, enum crlpub_mode mode, time_t now,
    struct crlpub_result *out, char *err, size_t errlen)
{
	if (db_begin(db) != 0) {
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
		return -1;
	}
	if (crlpub_generate_tx(db, conf, is, mode, now, out, err,
	    errlen) != 0) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db) != 0) {
		snprintf(err, errlen, "%s: commit: %s", db->path, db_errmsg(db));
		db_rollback(db);
		return -1;
	}
	return 0;
}

int
crlpub_needed(struct db *db, const struct config *conf, int64_t issuer_id,
    time_t now, time_t *refresh_at)
{
	sqlite3_stmt	*st = NULL;
	int64_t		*seqs = NULL, seq = -1;
	unsigned char	*kinds = NULL;
	time_t		 half, refresh = 0;
	int		 rc = -1, step, nparts, part, complete = 1;
	char		 err[256];

	if (refresh_at != NULL)
		*refresh_at = 0;
	if (crlpub_partitions(db, conf, issuer_id, &nparts, err,
	    sizeof(err)) != 0)
		goto done;
	/* per scope (index part + 1): the newest CRLs' registry state, and
	 * which kinds it has (1 full, 2 delta) */
	if ((seqs = calloc((size_t)nparts + 1, sizeof(*seqs))) == NULL ||
	    (kinds = calloc((size_t)nparts + 1, 1)) == NULL)
		goto done;
	/* the newest full and the newest delta of every scope */
	if (sqlite3_prepare_v2(db->h, "SELECT part, delta_base IS NULL, "
	    "this_update, next_update, change_seq FROM crls WHERE id IN ("
	    "SELECT max(id) FROM crls WHERE issuer_id = ?1 "
	    "GROUP BY part, delta_base IS NULL)", -1, &st, NULL) != SQLITE_OK &&
	    /* a registry before schema 007: the unpartitioned CRL only */
	    sqlite3_prepare_v2(db->h, "SELECT -1, delta_base IS NULL, "
	    "this_update, next_update, change_seq FROM crls WHERE id IN ("
	    "SELECT max(id) FROM crls WHERE issuer_id = ?1 "
	    "GROUP BY delta_base IS NULL)", -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, issuer_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		time_t	 tu = (time_t)sqlite3_column_int64(st, 2);
		time_t	 nu = (time_t)sqlite3_column_int64(st, 3);
		int64_t	 cs = sqlite3_column_int64(st, 4);

		if ((part = sqlite3_column_int(st, 0)) < -1 || part >= nparts)
			continue;	/* not a scope published now */
		kinds[part + 1] |= sqlite3_column_int(st, 1) ? 1 : 2;
		if (cs > seqs[part + 1])
			seqs[part + 1] = cs;
		/* the scope refreshed least recently decides */
		half = tu + (nu - tu) / 2;
		if (refresh == 0 || half < refresh)
			refresh = half;
	}
	if (step != SQLITE_DONE)
		goto done;
	sqlite3_finalize(st);
	st = NULL;
	for (part = -1; part < nparts; part++) {
		if (kinds[part + 1] != 3)
			complete = 0;
		else if (seq < 0 || seqs[part + 1] < seq)
			seq = seqs[part + 1];
	}
	if (refresh_at != NULL)
		*refresh_at = refresh;
	if (!complete || now >= refresh) {
		rc = 1;
		goto done;
	}
	if (sqlite3_prepare_v2(db->h, "SELECT 1 FROM certificates WHERE "
	    "change_seq > ?1 AND +issuer_id = ?2 LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, issuer_id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		rc = 1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	}
 done:
	if (rc == -1)
		log_warnx("%s: %s: %s", __func__, db->path, db_errmsg(db));
	sqlite3_finalize(st);
	free(seqs);
	free(kinds);
	return rc;
}
