/* SPDX-License-Identifier: ISC */
/*
 * audit.h: the append-only, hash-chained audit log.
 *
 * Each record's hash is SHA-256 over the previous record's hash and this
 * record's fields; the first record chains to 32 zero octets.  Records are
 * numbered 1, 2, 3... without gaps, so an edited, inserted or deleted record
 * breaks the chain at that point.
 */
#ifndef CERTSTATUS_AUDIT_H
#define CERTSTATUS_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db.h"

#define AUDIT_HASH_LEN	32

struct audit_record {
	int64_t		 id;
	time_t		 at;
	const char	*operator_name;
	const char	*office;
	const char	*action;	/* e.g. "card.lost", "cert.revoke" */
	const char	*subject;	/* e.g. "card 1234", "serial 0A1B" */
	const char	*detail;	/* JSON object text */
};

/*
 * Append one record inside the caller's transaction (db_begin was called);
 * r->id is ignored and set.  0 / -1.
 */
int	audit_append(struct db *db, struct audit_record *r);
/*
 * Walk the whole log.  Returns 0 when intact, 1 when a record is broken
 * (why names the first one: "record 17: hash mismatch (edited?)"),
 * -1 on a database error.  *count gets the number of records checked.
 */
int	audit_verify(struct db *db, int64_t *count, char *why, size_t whylen);
/*
 * The same walk, also giving the newest record's hash in head (when not
 * NULL; zeros for an empty log), and, when anchor is not NULL, requiring a
 * record whose hash is anchor: a head recorded earlier (outside the
 * database) that has vanished means records were cut from the end, which the
 * chain alone cannot show.
 */
int	audit_verify_anchored(struct db *db, const unsigned char *anchor,
	    int64_t *count, unsigned char *head, char *why, size_t whylen);
/* The record hash (exposed for tests). */
int	audit_hash(const unsigned char prev[AUDIT_HASH_LEN],
	    const struct audit_record *r, unsigned char out[AUDIT_HASH_LEN]);

#endif
