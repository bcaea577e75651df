/*
 * cache.c: pre-signed responses in memory (LRU) over a SQLite store
 * (see cache.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
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
	char			 etag[CACHE_ETAG_LEN + 3];
	struct mem_entry	*chain;			/* hash bucket */
	struct mem_entry	*lru_prev, *lru_next;	/* head = most recent */
};

struct pending {
	struct cache_key	 key;
	unsigned char		*der;			/* NULL: a drop */
	size_t			 len;
	time_t			 this_update, next_update;
};

struct cache {
	sqlite3			*h;
	char			*path;
	sqlite3_stmt		*st_get, *st_put, *st_drop, *st_stored_at;
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
#define STORE_VERSION		2
#define STORE_CACHE_KB		16384	/* SQLite page cache for the store */

static const char *store_schema =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS responses ("
	"  issuer_id INTEGER NOT NULL, hash_alg INTEGER NOT NULL,"
	"  serial BLOB NOT NULL, this_update INTEGER NOT NULL,"
	"  next_update INTEGER NOT NULL, der BLOB NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS responses_key"
	"  ON responses(issuer_id, serial, hash_alg);"
	"CREATE INDEX IF NOT EXISTS responses_age"
	"  ON responses(hash_alg, this_update);"
	"CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER);";

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

static void
etag_of(const unsigned char *der, size_t len, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[SHA256_DIGEST_LENGTH];

	SHA256(der, len, md);
	out[0] = '"';
	for (int i = 0; i < CACHE_ETAG_LEN / 2; i++) {
		out[1 + 2 * i] = hex[md[i] >> 4];
		out[2 + 2 * i] = hex[md[i] & 0xf];
	}
	out[CACHE_ETAG_LEN + 1] = '"';
	out[CACHE_ETAG_LEN + 2] = '\0';
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
	if (prepare(c, &c->st_get, "SELECT this_update, next_update, der "
	    "FROM responses WHERE issuer_id = ? AND serial = ? AND hash_alg = ?") ||
	    prepare(c, &c->st_put, "INSERT OR REPLACE INTO responses VALUES "
	    "(?, ?, ?, ?, ?, ?)") ||
	    prepare(c, &c->st_drop, "DELETE FROM responses WHERE issuer_id = ? "
	    "AND serial = ?") ||
	    prepare(c, &c->st_stored_at, "SELECT this_update FROM responses "
	    "WHERE issuer_id = ? AND serial = ? AND hash_alg = 0")) {
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
    size_t len, time_t this_update, time_t next_update)
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
	etag_of(der, len, e->etag);
	slot = mem_slot(c, k);
	*slot = e;
	mem_push_lru(c, e);
	c->bytes += len + ENTRY_OVERHEAD;
	if (++c->nentries > c->nbuckets)
		mem_grow(c);
	return 0;
}

static void
entry_out(const struct mem_entry *e, struct cache_entry *out)
{
	out->der = e->der;
	out->len = e->len;
	out->this_update = e->this_update;
	out->next_update = e->next_update;
	memcpy(out->etag, e->etag, sizeof(out->etag));
}

int
cache_get(struct cache *c, const struct cache_key *k, time_t now,
    struct cache_entry *out)
{
	struct mem_entry	**slot = mem_slot(c, k), *e = *slot;
	int			  rc = 1;

	if (e != NULL) {
		if (now < e->next_update) {
			mem_unlink_lru(c, e);
			mem_push_lru(c, e);
			entry_out(e, out);
			c->stats.hits_memory++;
			return 0;
		}
		mem_remove(c, slot);
	}
	sqlite3_bind_int64(c->st_get, 1, k->issuer);
	sqlite3_bind_blob(c->st_get, 2, k->serial, k->len, SQLITE_STATIC);
	sqlite3_bind_int(c->st_get, 3, k->alg);
	switch (sqlite3_step(c->st_get)) {
	case SQLITE_ROW: {
		time_t	tu = (time_t)sqlite3_column_int64(c->st_get, 0);
		time_t	nu = (time_t)sqlite3_column_int64(c->st_get, 1);
		int	n = sqlite3_column_bytes(c->st_get, 2);

		if (now >= nu || n <= 0)
			break;
		if (mem_put(c, k, sqlite3_column_blob(c->st_get, 2), n, tu,
		    nu) == 0 && *(slot = mem_slot(c, k)) != NULL) {
			entry_out(*slot, out);
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
			etag_of(c->scratch, n, c->scratch_entry.etag);
			entry_out(&c->scratch_entry, out);
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
pend_add(struct cache *c, const struct cache_key *k, const unsigned char *der,
    size_t len, time_t this_update, time_t next_update)
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
    size_t len, time_t this_update, time_t next_update, int hot)
{
	/* pre-signed answers go to memory too while it has room */
	if ((hot || *mem_slot(c, k) != NULL ||
	    c->bytes + len + ENTRY_OVERHEAD <= c->max_bytes) &&
	    mem_put(c, k, der, len, this_update, next_update) != 0)
		return -1;
	return pend_add(c, k, der, len, this_update, next_update);
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
	(void)pend_add(c, &k, NULL, 0, 0, 0);
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
	for (size_t i = 0; i < c->npend; i++) {
		struct pending	*p = &c->pend[i];
		sqlite3_stmt	*st = p->der != NULL ? c->st_put : c->st_drop;

		sqlite3_bind_int64(st, 1, p->key.issuer);
		if (p->der != NULL) {
			sqlite3_bind_int(st, 2, p->key.alg);
			sqlite3_bind_blob(st, 3, p->key.serial, p->key.len,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, p->this_update);
			sqlite3_bind_int64(st, 5, p->next_update);
			sqlite3_bind_blob(st, 6, p->der, (int)p->len,
			    SQLITE_STATIC);
		} else
			sqlite3_bind_blob(st, 2, p->key.serial, p->key.len,
			    SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			log_warnx("%s: %s", c->path, sqlite3_errmsg(c->h));
			rc = -1;
		}
		sqlite3_reset(st);
	}
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

time_t
cache_stored_at(struct cache *c, int issuer, const struct serial *s)
{
	time_t	 t = 0;

	sqlite3_bind_int64(c->st_stored_at, 1, issuer);
	sqlite3_bind_blob(c->st_stored_at, 2, s->b, (int)s->len, SQLITE_STATIC);
	if (sqlite3_step(c->st_stored_at) == SQLITE_ROW)
		t = (time_t)sqlite3_column_int64(c->st_stored_at, 0);
	sqlite3_reset(c->st_stored_at);
	return t;
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
cache_get_seq(struct cache *c)
{
	return store_int(c, "SELECT v FROM meta WHERE k = 'change_seq'", -1);
}

int
cache_set_seq(struct cache *c, int64_t seq)
{
	char	sql[128];

	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta VALUES "
	    "('change_seq', %lld)", (long long)seq);
	return sqlite3_exec(c->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
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
	sqlite3_close(c->h);
	free(c->path);
	free(c);
}
