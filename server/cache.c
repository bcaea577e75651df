/* SPDX-License-Identifier: ISC */
/*
 * cache.c: pre-signed responses in memory (LRU) over a SQLite store
 * (see cache.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cache.h"
#include "log.h"

#define CACHE_BUCKETS_MIN	1024
#define ENTRY_OVERHEAD		(sizeof(struct mem_entry) + 2 * sizeof(void *))

struct mem_entry {
	struct cache_key	 key;
	unsigned char		*der;
	size_t			 len;
	time_t			 this_update, next_update;
	char			 etag[CONDGET_ETAG_SIZE];
	uint64_t		 fp;
	int64_t			 gen;
	struct mem_entry	*chain;			/* hash bucket */
	struct mem_entry	*lru_prev, *lru_next;	/* head = most recent */
};

enum pend_op { PEND_PUT, PEND_DROP, PEND_CONFIRM };

struct pending {
	enum pend_op		 op;
	struct cache_key	 key;
	unsigned char		*der;			/* PEND_PUT */
	size_t			 len;
	time_t			 this_update, next_update;
	uint64_t		 fp;
};

struct cache {
	sqlite3			*h;
	char			*path;
	sqlite3_stmt		*st_get, *st_put, *st_drop, *st_stored_at;
	sqlite3_stmt		*st_confirm, *st_drop_other;
	int64_t			 gen;			/* current generation */
	struct mem_entry	**buckets;
	size_t			 nbuckets, nentries, bytes, max_bytes;
	struct mem_entry	*lru_head, *lru_tail;
	struct pending		*pend;
	size_t			 npend, cappend;
	unsigned char		*scratch;		/* last store read */
	size_t			 scratch_cap;
	struct mem_entry	 scratch_entry;
	struct cache_stats	 stats;
};

/*
 * The store is a cache: a file of another layout is dropped, not migrated.
 * Rows are appended in signing order (a rowid table) and found through a
 * small unique index, so pre-signing a large registry in random serial order
 * does not rewrite the pages holding the ~1 KB responses.
 */
#define STR_(x)			#x
#define STR(x)			STR_(x)
#define STORE_VERSION		3
#define STORE_CACHE_KB		16384	/* SQLite page cache for the store */

static const char *store_schema =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS responses ("
	"  issuer_id INTEGER NOT NULL, hash_alg INTEGER NOT NULL,"
	"  serial BLOB NOT NULL, this_update INTEGER NOT NULL,"
	"  next_update INTEGER NOT NULL, der BLOB NOT NULL,"
	"  fp INTEGER NOT NULL, gen INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS responses_key"
	"  ON responses(issuer_id, serial, hash_alg);"
	"CREATE INDEX IF NOT EXISTS responses_age"
	"  ON responses(hash_alg, this_update);"
	"CREATE INDEX IF NOT EXISTS responses_gen ON responses(gen);"
	"CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v);";

static const char *store_drop =
	"DROP TABLE IF EXISTS responses; DROP TABLE IF EXISTS meta;";

static int64_t	store_int(struct cache *, const char *, int64_t);

static uint64_t
key_hash(const struct cache_key *k)
{
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */

	h = (h ^ k->issuer) * 1099511628211ULL;
	h = (h ^ k->alg) * 1099511628211ULL;
	for (size_t i = 0; i < k->len; i++)
		h = (h ^ k->serial[i]) * 1099511628211ULL;
	return h;
}

static int
key_eq(const struct cache_key *a, const struct cache_key *b)
{
	return a->issuer == b->issuer && a->alg == b->alg && a->len == b->len &&
	    memcmp(a->serial, b->serial, a->len) == 0;
}

void
cache_key_set(struct cache_key *k, int issuer, int alg, const struct serial *s)
{
	memset(k, 0, sizeof(*k));
	k->issuer = (uint32_t)issuer;
	k->alg = (uint8_t)alg;
	k->len = (uint8_t)s->len;
	memcpy(k->serial, s->b, s->len);
}

static int
prepare(struct cache *c, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL) != SQLITE_OK) {
		log_warnx("%s: %s", c->path, sqlite3_errmsg(c->h));
		return -1;
	}
	return 0;
}

struct cache *
cache_open(const char *path, size_t max_memory, char *err, size_t errlen)
{
	struct cache	*c;
	char		*msg = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->path = strdup(path);
	c->max_bytes = max_memory;
	c->nbuckets = CACHE_BUCKETS_MIN;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (c->path == NULL || c->buckets == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (sqlite3_open_v2(path, &c->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(c->h));
		goto fail;
	}
	sqlite3_busy_timeout(c->h, 2000);
	if (store_int(c, "PRAGMA user_version", 0) != STORE_VERSION &&
	    (sqlite3_exec(c->h, store_drop, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(c->h, "PRAGMA user_version = " STR(STORE_VERSION),
	    NULL, NULL, &msg) != SQLITE_OK)) {
		snprintf(err, errlen, "%s: %s", path, msg);
		sqlite3_free(msg);
		goto fail;
	}
	sqlite3_exec(c->h, "PRAGMA cache_size = -" STR(STORE_CACHE_KB), NULL,
	    NULL, NULL);
	if (sqlite3_exec(c->h, store_schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg);
		sqlite3_free(msg);
		goto fail;
	}
	c->gen = store_int(c, "SELECT v FROM meta WHERE k = 'generation'", 1);
	if (prepare(c, &c->st_get, "SELECT this_update, next_update, der, fp, "
	    "gen FROM responses WHERE issuer_id = ? AND serial = ? AND "
	    "hash_alg = ?") ||
	    prepare(c, &c->st_put, "INSERT OR REPLACE INTO responses VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?)") ||
	    prepare(c, &c->st_drop, "DELETE FROM responses WHERE issuer_id = ? "
	    "AND serial = ?") ||
	    prepare(c, &c->st_confirm, "UPDATE responses SET gen = ? WHERE "
	    "issuer_id = ? AND serial = ? AND fp = ?") ||
	    prepare(c, &c->st_drop_other, "DELETE FROM responses WHERE "
	    "issuer_id = ? AND serial = ? AND fp != ?") ||
	    prepare(c, &c->st_stored_at, "SELECT this_update, fp, gen FROM "
	    "responses WHERE issuer_id = ? AND serial = ? AND hash_alg = 0")) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(c->h));
		goto fail;
	}
	return c;
 fail:
	cache_close(c);
	return NULL;
}

static void
mem_unlink_lru(struct cache *c, struct mem_entry *e)
{
	if (e->lru_prev != NULL)
		e->lru_prev->lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next != NULL)
		e->lru_next->lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void
mem_push_lru(struct cache *c, struct mem_entry *e)
{
	e->lru_prev = NULL;
	e->lru_next = c->lru_head;
	if (c->lru_head != NULL)
		c->lru_head->lru_prev = e;
	c->lru_head = e;
	if (c->lru_tail == NULL)
		c->lru_tail = e;
}

static struct mem_entry **
mem_slot(struct cache *c, const struct cache_key *k)
{
	struct mem_entry	**p = &c->buckets[key_hash(k) & (c->nbuckets - 1)];

	while (*p != NULL && !key_eq(&(*p)->key, k))
		p = &(*p)->chain;
	return p;
}

static void
mem_remove(struct cache *c, struct mem_entry **slot)
{
	struct mem_entry	*e = *slot;

	*slot = e->chain;
	mem_unlink_lru(c, e);
	c->bytes -= e->len + ENTRY_OVERHEAD;
	c->nentries--;
	free(e->der);
	free(e);
}

static void
mem_grow(struct cache *c)
{
	struct mem_entry	**nb, *e, *next;
	size_t			  n = c->nbuckets * 2;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;		/* keep the old table: slower, still right */
	for (size_t i = 0; i < c->nbuckets; i++)
		for (e = c->buckets[i]; e != NULL; e = next) {
			next = e->chain;
			e->chain = nb[key_hash(&e->key) & (n - 1)];
			nb[key_hash(&e->key) & (n - 1)] = e;
		}
	free(c->buckets);
	c->buckets = nb;
	c->nbuckets = n;
}

static int
mem_put(struct cache *c, const struct cache_key *k, const unsigned char *der,
    size_t len, time_t this_update, time_t next_update, uint64_t fp,
    int64_t gen)
{
	struct mem_entry	**slot, *e;

	if (len + ENTRY_OVERHEAD > c->max_bytes)
		return 0;
	if (*(slot = mem_slot(c, k)) != NULL)
		mem_remove(c, slot);
	while (c->bytes + len + ENTRY_OVERHEAD > c->max_bytes &&
	    c->lru_tail != NULL)
		mem_remove(c, mem_slot(c, &c->lru_tail->key));
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->der = malloc(len)) == NULL) {
		free(e);
		return -1;
	}
	e->key = *k;
	memcpy(e->der, der, len);
	e->len = len;
	e->this_update = this_update;
	e->next_update = next_update;
	e->fp = fp;
	e->gen = gen;
	condget_etag(der, len, e->etag);
	slot = mem_slot(c, k);
	*slot = e;
	mem_push_lru(c, e);
	c->bytes += len + ENTRY_OVERHEAD;
	if (++c->nentries > c->nbuckets)
		mem_grow(c);
	return 0;
}

static void
entry_out(const struct cache *c, const struct mem_entry *e,
    struct cache_entry *out)
{
	out->der = e->der;
	out->len = e->len;
	out->this_update = e->this_update;
	out->next_update = e->next_update;
	out->fp = e->fp;
	out->verified = e->gen == c->gen;
	memcpy(out->etag, e->etag, sizeof(out->etag));
}

/* Servable at now: signed at or before now (never dated in the future),
 * and before its nextUpdate. */
static int
usable(time_t this_update, time_t next_update, time_t now)
{
	return this_update <= now && now < next_update;
}

/* 1 when a write not yet in the store concerns k's certificate. */
static int
pend_touches(const struct cache *c, const struct cache_key *k)
{
	for (size_t i = 0; i < c->npend; i++) {
		const struct cache_key	*p = &c->pend[i].key;

		if (p->issuer == k->issuer && p->len == k->len &&
		    memcmp(p->serial, k->serial, k->len) == 0)
			return 1;
	}
	return 0;
}

int
cache_get(struct cache *c, const struct cache_key *k, time_t now,
    struct cache_entry *out)
{
	struct mem_entry	**slot = mem_slot(c, k), *e = *slot;
	int			  rc = 1;

	if (e != NULL) {
		if (usable(e->this_update, e->next_update, now)) {
			mem_unlink_lru(c, e);
			mem_push_lru(c, e);
			entry_out(c, e, out);
			c->stats.hits_memory++;
			return 0;
		}
		mem_remove(c, slot);
	}
	/*
	 * The store is behind by the pending writes: a drop, a confirmation
	 * that dropped a disagreeing answer, or a newer answer for this
	 * certificate would not be seen, and the answer they replace would
	 * be served.  Write them first.
	 */
	if (pend_touches(c, k) && cache_flush(c) != 0)
		return -1;
	sqlite3_bind_int64(c->st_get, 1, k->issuer);
	sqlite3_bind_blob(c->st_get, 2, k->serial, k->len, SQLITE_STATIC);
	sqlite3_bind_int(c->st_get, 3, k->alg);
	switch (sqlite3_step(c->st_get)) {
	case SQLITE_ROW: {
		time_t	tu = (time_t)sqlite3_column_int64(c->st_get, 0);
		time_t	nu = (time_t)sqlite3_column_int64(c->st_get, 1);
		int	n = sqlite3_column_bytes(c->st_get, 2);
		uint64_t fp = (uint64_t)sqlite3_column_int64(c->st_get, 3);
		int64_t	gen = sqlite3_column_int64(c->st_get, 4);

		if (!usable(tu, nu, now) || n <= 0)
			break;
		if (mem_put(c, k, sqlite3_column_blob(c->st_get, 2), n, tu,
		    nu, fp, gen) == 0 && *(slot = mem_slot(c, k)) != NULL) {
			entry_out(c, *slot, out);
		} else {
			/* too big for memory: serve from a scratch copy */
			if ((size_t)n > c->scratch_cap) {
				unsigned char *p = realloc(c->scratch, n);

				if (p == NULL)
					break;
				c->scratch = p;
				c->scratch_cap = n;
			}
			memcpy(c->scratch, sqlite3_column_blob(c->st_get, 2), n);
			c->scratch_entry.der = c->scratch;
			c->scratch_entry.len = n;
			c->scratch_entry.this_update = tu;
			c->scratch_entry.next_update = nu;
			c->scratch_entry.fp = fp;
			c->scratch_entry.gen = gen;
			condget_etag(c->scratch, n, c->scratch_entry.etag);
			entry_out(c, &c->scratch_entry, out);
		}
		c->stats.hits_store++;
		rc = 0;
		break;
	}
	case SQLITE_DONE:
		break;
	default:
		log_warnx("%s: %s", c->path, sqlite3_errmsg(c->h));
		rc = -1;
	}
	sqlite3_reset(c->st_get);
	if (rc == 1)
		c->stats.misses++;
	return rc;
}

static int
pend_add(struct cache *c, enum pend_op op, const struct cache_key *k,
    const unsigned char *der, size_t len, time_t this_update,
    time_t next_update, uint64_t fp)
{
	struct pending	*p;

	if (c->npend == c->cappend) {
		size_t	 n = c->cappend ? c->cappend * 2 : 256;

		if ((p = reallocarray(c->pend, n, sizeof(*p))) == NULL)
			return -1;
		c->pend = p;
		c->cappend = n;
	}
	p = &c->pend[c->npend];
	p->op = op;
	p->fp = fp;
	p->key = *k;
	p->der = NULL;
	p->len = len;
	p->this_update = this_update;
	p->next_update = next_update;
	if (der != NULL) {
		if ((p->der = malloc(len)) == NULL)
			return -1;
		memcpy(p->der, der, len);
	}
	c->npend++;
	return 0;
}

int
cache_put(struct cache *c, const struct cache_key *k, const unsigned char *der,
    size_t len, time_t this_update, time_t next_update, uint64_t fp, int hot)
{
	/* pre-signed answers go to memory too while it has room */
	if ((hot || *mem_slot(c, k) != NULL ||
	    c->bytes + len + ENTRY_OVERHEAD <= c->max_bytes) &&
	    mem_put(c, k, der, len, this_update, next_update, fp, c->gen) != 0)
		return -1;
	return pend_add(c, PEND_PUT, k, der, len, this_update, next_update, fp);
}

void
cache_confirm(struct cache *c, int issuer, const struct serial *s, uint64_t fp)
{
	struct cache_key	 k;
	struct mem_entry	**slot;

	for (int alg = 0; alg < 4; alg++) {
		cache_key_set(&k, issuer, alg, s);
		if (*(slot = mem_slot(c, &k)) == NULL)
			continue;
		if ((*slot)->fp == fp)
			(*slot)->gen = c->gen;
		else
			mem_remove(c, slot);
	}
	cache_key_set(&k, issuer, 0, s);
	(void)pend_add(c, PEND_CONFIRM, &k, NULL, 0, 0, 0, fp);
}

void
cache_drop(struct cache *c, int issuer, const struct serial *s)
{
	struct cache_key	 k;
	struct mem_entry	**slot;

	for (int alg = 0; alg < 4; alg++) {
		cache_key_set(&k, issuer, alg, s);
		if (*(slot = mem_slot(c, &k)) != NULL)
			mem_remove(c, slot);
	}
	cache_key_set(&k, issuer, 0, s);
	(void)pend_add(c, PEND_DROP, &k, NULL, 0, 0, 0, 0);
}

/* One pending operation against the store.  0 / -1. */
static int
pend_apply(struct cache *c, const struct pending *p)
{
	sqlite3_stmt	*st[2] = { NULL, NULL };
	int		 rc = 0;

	switch (p->op) {
	case PEND_PUT:
		st[0] = c->st_put;
		sqlite3_bind_int64(st[0], 1, p->key.issuer);
		sqlite3_bind_int(st[0], 2, p->key.alg);
		sqlite3_bind_blob(st[0], 3, p->key.serial, p->key.len,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st[0], 4, p->this_update);
		sqlite3_bind_int64(st[0], 5, p->next_update);
		sqlite3_bind_blob(st[0], 6, p->der, (int)p->len, SQLITE_STATIC);
		sqlite3_bind_int64(st[0], 7, (int64_t)p->fp);
		sqlite3_bind_int64(st[0], 8, c->gen);
		break;
	case PEND_DROP:
		st[0] = c->st_drop;
		sqlite3_bind_int64(st[0], 1, p->key.issuer);
		sqlite3_bind_blob(st[0], 2, p->key.serial, p->key.len,
		    SQLITE_STATIC);
		break;
	case PEND_CONFIRM:
		st[0] = c->st_confirm;
		sqlite3_bind_int64(st[0], 1, c->gen);
		sqlite3_bind_int64(st[0], 2, p->key.issuer);
		sqlite3_bind_blob(st[0], 3, p->key.serial, p->key.len,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st[0], 4, (int64_t)p->fp);
		st[1] = c->st_drop_other;
		sqlite3_bind_int64(st[1], 1, p->key.issuer);
		sqlite3_bind_blob(st[1], 2, p->key.serial, p->key.len,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st[1], 3, (int64_t)p->fp);
		break;
	}
	for (int i = 0; i < 2 && st[i] != NULL; i++) {
		if (sqlite3_step(st[i]) != SQLITE_DONE) {
			log_warnx("%s: %s", c->path, sqlite3_errmsg(c->h));
			rc = -1;
		}
		sqlite3_reset(st[i]);
	}
	return rc;
}

int
cache_flush(struct cache *c)
{
	int	 rc = 0;

	if (c->npend == 0)
		return 0;
	if (sqlite3_exec(c->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", c->path, sqlite3_errmsg(c->h));
		rc = -1;
		goto done;
	}
	for (size_t i = 0; i < c->npend; i++)
		if (pend_apply(c, &c->pend[i]) != 0)
			rc = -1;
	if (sqlite3_exec(c->h, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL,
	    NULL) != SQLITE_OK) {
		log_warnx("%s: %s", c->path, sqlite3_errmsg(c->h));
		rc = -1;
	}
	c->stats.stored += c->npend;
 done:
	for (size_t i = 0; i < c->npend; i++)
		free(c->pend[i].der);
	c->npend = 0;
	return rc;
}

int
cache_stored(struct cache *c, int issuer, const struct serial *s,
    time_t *this_update, uint64_t *fp, int *verified)
{
	int	 found = 0;

	sqlite3_bind_int64(c->st_stored_at, 1, issuer);
	sqlite3_bind_blob(c->st_stored_at, 2, s->b, (int)s->len, SQLITE_STATIC);
	if (sqlite3_step(c->st_stored_at) == SQLITE_ROW) {
		*this_update = (time_t)sqlite3_column_int64(c->st_stored_at, 0);
		*fp = (uint64_t)sqlite3_column_int64(c->st_stored_at, 1);
		*verified = sqlite3_column_int64(c->st_stored_at, 2) == c->gen;
		found = 1;
	}
	sqlite3_reset(c->st_stored_at);
	return found;
}

static int64_t
store_int(struct cache *c, const char *sql, int64_t dflt)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 v = dflt;

	if (sqlite3_prepare_v2(c->h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

time_t
cache_oldest(struct cache *c)
{
	/*
	 * The pre-signed set is the SHA-1 CertIDs the walk keeps fresh;
	 * others (hash_alg > 0) are stored when asked and never refreshed,
	 * so they must not make the server look stale.
	 */
	return (time_t)store_int(c, "SELECT min(this_update) FROM responses "
	    "WHERE hash_alg = 0", 0);
}

int64_t
cache_count_before(struct cache *c, time_t t)
{
	char	sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM responses WHERE "
	    "hash_alg = 0 AND this_update <= %lld", (long long)t);
	return store_int(c, sql, 0);
}

time_t
cache_newest(struct cache *c)
{
	return (time_t)store_int(c, "SELECT max(this_update) FROM responses "
	    "WHERE hash_alg = 0", 0);
}

/*
 * The mark is one meta row: 'mark' = "<id>|<change_seq>|<audit_id>|<hash hex>",
 * written in one statement so it is never half old, half new.
 */
int
cache_get_mark(struct cache *c, struct registry_mark *m)
{
	sqlite3_stmt	*st = NULL;
	const char	*v;
	char		 id[33], hex[65];
	long long	 seq, aid;
	int		 rc = -1;

	memset(m, 0, sizeof(*m));
	if (sqlite3_prepare_v2(c->h, "SELECT v FROM meta WHERE k = 'mark'", -1,
	    &st, NULL) != SQLITE_OK)
		goto done;
	switch (sqlite3_step(st)) {
	case SQLITE_DONE:
		rc = 1;
		goto done;
	case SQLITE_ROW:
		break;
	default:
		goto done;
	}
	id[0] = '\0';
	if ((v = (const char *)sqlite3_column_text(st, 0)) == NULL ||
	    sscanf(v, "%32[0-9a-f]|%lld|%lld|%64[0-9a-f]", id, &seq, &aid,
	    hex) != 4) {
		if (v == NULL || sscanf(v, "|%lld|%lld|%64[0-9a-f]", &seq, &aid,
		    hex) != 3) {
			rc = 1;		/* unreadable: as good as none */
			goto done;
		}
		id[0] = '\0';
	}
	snprintf(m->id, sizeof(m->id), "%s", id);
	m->change_seq = seq;
	m->audit_id = aid;
	for (int i = 0; i < 32; i++) {
		unsigned int	 b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			goto done;
		m->audit_hash[i] = (unsigned char)b;
	}
	rc = 0;
 done:
	sqlite3_finalize(st);
	return rc;
}

int
cache_set_mark(struct cache *c, const struct registry_mark *m)
{
	char	sql[256], hex[65];

	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", m->audit_hash[i]);
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta VALUES "
	    "('mark', '%s|%lld|%lld|%s')", m->id, (long long)m->change_seq,
	    (long long)m->audit_id, hex);
	return sqlite3_exec(c->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int
cache_new_generation(struct cache *c)
{
	char	sql[128];

	if (cache_flush(c) != 0)
		return -1;
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta VALUES "
	    "('generation', %lld)", (long long)(c->gen + 1));
	if (sqlite3_exec(c->h, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", c->path, sqlite3_errmsg(c->h));
		return -1;
	}
	c->gen++;
	return 0;
}

int
cache_has_unverified(struct cache *c)
{
	char	sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT 1 FROM "
	    "responses WHERE gen != %lld LIMIT 1)", (long long)c->gen);
	return store_int(c, sql, 1) != 0;
}

int
cache_sweep_unverified(struct cache *c)
{
	sqlite3_stmt		*st = NULL;
	struct mem_entry	*e, *prev;
	int			 rc = -1;

	if (cache_flush(c) != 0)
		return -1;
	for (e = c->lru_tail; e != NULL; e = prev) {
		prev = e->lru_prev;
		if (e->gen != c->gen)
			mem_remove(c, mem_slot(c, &e->key));
	}
	if (sqlite3_prepare_v2(c->h, "DELETE FROM responses WHERE gen != ?",
	    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, c->gen);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = 0;
	}
	if (rc != 0)
		log_warnx("%s: %s", c->path, sqlite3_errmsg(c->h));
	sqlite3_finalize(st);
	return rc;
}

int
cache_clear(struct cache *c)
{
	while (c->lru_tail != NULL)
		mem_remove(c, mem_slot(c, &c->lru_tail->key));
	for (size_t i = 0; i < c->npend; i++)
		free(c->pend[i].der);
	c->npend = 0;
	return sqlite3_exec(c->h, "DELETE FROM responses", NULL, NULL, NULL) ==
	    SQLITE_OK ? 0 : -1;
}

void
cache_stats(struct cache *c, struct cache_stats *out)
{
	*out = c->stats;
	out->memory_bytes = c->bytes;
	out->memory_entries = c->nentries;
}

void
cache_close(struct cache *c)
{
	if (c == NULL)
		return;
	if (c->h != NULL)
		(void)cache_flush(c);
	while (c->lru_tail != NULL)
		mem_remove(c, mem_slot(c, &c->lru_tail->key));
	free(c->pend);
	free(c->buckets);
	free(c->scratch);
	sqlite3_finalize(c->st_get);
	sqlite3_finalize(c->st_put);
	sqlite3_finalize(c->st_drop);
	sqlite3_finalize(c->st_stored_at);
	sqlite3_finalize(c->st_confirm);
	sqlite3_finalize(c->st_drop_other);
	sqlite3_close(c->h);
	free(c->path);
	free(c);
}
