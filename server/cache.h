/*
 * cache.h: pre-signed OCSP responses.
 *
 * Two levels: a bounded in-memory table (LRU, cache-memory bytes) for the
 * hot set, and the server's own SQLite file (response-cache) holding every
 * pre-signed response, so a national-size registry needs neither all of it
 * in memory nor re-signing on restart.  The registry itself is never written.
 */
#ifndef CERTSTATUSD_CACHE_H
#define CERTSTATUSD_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "serial.h"

#define CACHE_ETAG_LEN	16	/* hex digits of SHA-256(DER) */

struct cache_key {
	uint32_t	issuer;		/* issuers.id */
	uint8_t		alg;		/* enum ocsp_hash */
	uint8_t		len;
	unsigned char	serial[SERIAL_MAX];
};

struct cache_entry {
	const unsigned char	*der;
	size_t			 len;
	time_t			 this_update;
	time_t			 next_update;
	char			 etag[CACHE_ETAG_LEN + 3];	/* "\"...\"" */
};

struct cache;

/* Open (create) the store at path and an empty memory table. NULL + err. */
struct cache	*cache_open(const char *path, size_t max_memory, char *err,
		    size_t errlen);
void		 cache_close(struct cache *c);
void		 cache_key_set(struct cache_key *k, int issuer, int alg,
		    const struct serial *s);
/*
 * Look up a response usable at now (now < next_update).  The entry points
 * into the cache and stays valid until the next cache call.  0 found, 1 not
 * found, -1 store error.
 */
int		 cache_get(struct cache *c, const struct cache_key *k,
		    time_t now, struct cache_entry *out);
/*
 * Insert or replace (copies der); written to the store in the next flush.
 * hot: also keep it in memory (an answered request), evicting the least
 * recently used; otherwise (pre-signing) memory takes it only while it has
 * room or where it already holds the key.
 */
int		 cache_put(struct cache *c, const struct cache_key *k,
		    const unsigned char *der, size_t len, time_t this_update,
		    time_t next_update, int hot);
/* Forget every response for this certificate (all hash algorithms). */
void		 cache_drop(struct cache *c, int issuer, const struct serial *s);
/* Write pending puts and drops to the store in one transaction. 0 / -1. */
int		 cache_flush(struct cache *c);
/* This-update of the stored SHA-1 response for (issuer, serial), 0 if none. */
time_t		 cache_stored_at(struct cache *c, int issuer,
		    const struct serial *s);
/* Oldest this_update among stored responses (0 when empty). */
time_t		 cache_oldest(struct cache *c);
/* Registry change number the store reflects (meta), and set it. */
int64_t		 cache_get_seq(struct cache *c);
int		 cache_set_seq(struct cache *c, int64_t seq);
/* Drop everything (memory and store). */
int		 cache_clear(struct cache *c);

struct cache_stats {
	uint64_t	hits_memory, hits_store, misses;
	size_t		memory_bytes, memory_entries;
	uint64_t	stored;		/* rows in the store (approximate) */
};
void		 cache_stats(struct cache *c, struct cache_stats *out);

#endif
