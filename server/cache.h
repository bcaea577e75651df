/* SPDX-License-Identifier: ISC */
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

#include "condget.h"
#include "db.h"
#include "serial.h"

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
	char			 etag[CONDGET_ETAG_SIZE];	/* condget_etag */
	uint64_t		 fp;		/* status it states (ocsp_status_fp) */
	int			 verified;	/* checked in this generation */
};

/*
 * Generations.  Every stored response carries the generation in which it
 * was signed or last checked against the registry.  When the registry's
 * history breaks (restored, replaced), cache_new_generation() makes every
 * response unverified at once: the responder must then compare an entry's
 * fp with the registry before serving it (cache_confirm() when it agrees),
 * and the pre-signing walk confirms or re-signs them all; at the end of that
 * walk cache_sweep_unverified() drops what the registry no longer has.
 */

struct cache;

/* Open (create) the store at path and an empty memory table. NULL + err. */
struct cache	*cache_open(const char *path, size_t max_memory, char *err,
		    size_t errlen);
void		 cache_close(struct cache *c);
void		 cache_key_set(struct cache_key *k, int issuer, int alg,
		    const struct serial *s);
/*
 * Look up a response usable at now (this_update <= now < next_update: an
 * answer dated in the future, after the clock was stepped back, is never
 * served).  The entry points
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
		    time_t next_update, uint64_t fp, int hot);
/* The registry agrees with the entry's status: mark it (all hash
 * algorithms whose fp matches) verified in this generation; drop those
 * whose fp differs. */
void		 cache_confirm(struct cache *c, int issuer, const struct serial *s,
		    uint64_t fp);
/* Forget every response for this certificate (all hash algorithms). */
void		 cache_drop(struct cache *c, int issuer, const struct serial *s);
/* Write pending puts and drops to the store in one transaction. 0 / -1. */
int		 cache_flush(struct cache *c);
/*
 * The stored SHA-1 response for (issuer, serial): 1 with its this_update,
 * fp and whether it is verified in this generation; 0 when none.
 */
int		 cache_stored(struct cache *c, int issuer, const struct serial *s,
		    time_t *this_update, uint64_t *fp, int *verified);
/* Stored SHA-1 answers signed at or before t (due for re-signing). */
int64_t		 cache_count_before(struct cache *c, time_t t);
/* Oldest and newest this_update among stored responses (0 when empty). */
time_t		 cache_oldest(struct cache *c);
time_t		 cache_newest(struct cache *c);
/* The registry history the store reflects (meta): 0, 1 when none, -1. */
int		 cache_get_mark(struct cache *c, struct registry_mark *m);
int		 cache_set_mark(struct cache *c, const struct registry_mark *m);
/* Start a new generation (see above); 0 / -1. */
int		 cache_new_generation(struct cache *c);
/* 1 when some stored response is not verified in this generation. */
int		 cache_has_unverified(struct cache *c);
/* Drop every response not verified in this generation; 0 / -1. */
int		 cache_sweep_unverified(struct cache *c);
/* Drop everything (memory and store). */
int		 cache_clear(struct cache *c);

struct cache_stats {
	uint64_t	hits_memory, hits_store, misses;
	size_t		memory_bytes, memory_entries;
	uint64_t	stored;		/* rows in the store (approximate) */
};
void		 cache_stats(struct cache *c, struct cache_stats *out);

#endif
