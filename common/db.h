/*
 * db.h: the SQLite registry (schema in schema/, embedded at build time).
 *
 * certctl is the registry's only writer; every write goes through
 * db_begin() (BEGIN IMMEDIATE) ... db_commit() together with its audit
 * record.  The server opens the registry read-only and polls it for changes
 * (db_data_version, db_changes_since).
 */
#ifndef CERTSTATUS_DB_H
#define CERTSTATUS_DB_H

#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "serial.h"

#define DB_BUSY_MS	5000	/* how long a writer waits for the lock */

struct db_migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct db_migration db_migrations[];
extern const int db_nmigrations;

enum db_mode { DB_READONLY, DB_READWRITE, DB_CREATE };

struct db {
	sqlite3		*h;
	char		*path;
	sqlite3_stmt	*st_status;	/* cert status by (issuer, serial) */
	sqlite3_stmt	*st_changes;	/* certs with change_seq > ? */
	sqlite3_stmt	*st_version;	/* PRAGMA data_version */
	sqlite3_stmt	*st_walk;	/* certs by id, from a cursor */
	sqlite3_stmt	*st_card;	/* card type and kind of a cert */
};

/* Status of one certificate as OCSP and the CRL see it. */
enum cert_state { CERT_GOOD, CERT_REVOKED, CERT_HOLD, CERT_UNKNOWN };

struct cert_status {
	int64_t		 cert_id;
	int64_t		 issuer_id;
	struct serial	 serial;
	enum cert_state	 state;
	time_t		 not_after;
	time_t		 revoked_at;	/* revoked or hold */
	int		 reason;	/* CRLReason, -1 when none */
	int64_t		 change_seq;
};

/*
 * Open (and with DB_CREATE create) the database at path: WAL mode, a busy
 * timeout, foreign keys on.  Returns NULL and fills err on failure.
 */
struct db	*db_open(const char *path, enum db_mode mode, char *err, size_t errlen);
void		 db_close(struct db *db);
/* Current schema version (0 for an empty database), -1 on error. */
int		 db_schema_version(struct db *db);
/* Apply the missing migrations, each in its own transaction.  0 / -1. */
int		 db_migrate(struct db *db, char *err, size_t errlen);
/* Latest version this binary knows. */
int		 db_schema_latest(void);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK: 0 or -1 (logged). */
int		 db_begin(struct db *db);
int		 db_commit(struct db *db);
void		 db_rollback(struct db *db);
/* Run SQL without results (several statements allowed).  0 / -1. */
int		 db_exec(struct db *db, const char *sql);
/* The last SQLite error message. */
const char	*db_errmsg(struct db *db);

/*
 * Status of (issuer_id, serial): fills out (state CERT_UNKNOWN when the
 * issuer never issued it).  0, or -1 on a database error.
 */
int		 db_cert_status(struct db *db, int64_t issuer_id,
		    const struct serial *serial, struct cert_status *out);
/*
 * The card type ("juki", "mynumber") and kind ("sign", "auth") the registry
 * records for (issuer_id, serial), NUL-terminated into card[16] and
 * kind[8]; both "" when it has none.  0, or -1 on a database error.
 */
int		 db_cert_card(struct db *db, int64_t issuer_id,
		    const struct serial *serial, char card[16], char kind[8]);
/*
 * Call fn for every certificate whose change_seq > since, in change_seq
 * order, at most limit rows.  Returns the number of rows or -1.
 */
int		 db_changes_since(struct db *db, int64_t since, int limit,
		    void (*fn)(const struct cert_status *, void *), void *arg);
/*
 * Call fn for the certificates with id > after, in id order, at most limit
 * rows, until fn returns nonzero (that row then counts as not visited).
 * Returns the number of rows visited, or -1 (logged).  The read ends
 * before it returns.
 */
int		 db_walk(struct db *db, int64_t after, int limit,
		    int (*fn)(const struct cert_status *, void *), void *arg);
/* PRAGMA data_version: changes when another connection commits. -1 on error. */
int64_t		 db_data_version(struct db *db);
/* registry_state.change_seq, -1 on error. */
int64_t		 db_change_seq(struct db *db);
/*
 * Within a transaction: take the next change number (registry_state) for a
 * status change.  Returns it, or -1.
 */
int64_t		 db_next_change(struct db *db);
/*
 * Where the registry's history stands: its identity (schema 003; empty for
 * an older registry), its change sequence, and the newest audit record (id
 * and hash; 0 and zeros for an empty log).  Every status change is committed
 * together with an audit record, so two registries that agree on the audit
 * record at id N share their history up to N.
 */
struct registry_mark {
	char		 id[33];
	int64_t		 change_seq;
	int64_t		 audit_id;
	unsigned char	 audit_hash[32];
};

/* Read the mark (one read transaction).  0 / -1. */
int		 db_registry_mark(struct db *db, struct registry_mark *out);
/*
 * Is the registry's history now a continuation of the one seen?  Reads the
 * current mark into now.  0 when it is, 1 when it went back or is another
 * history (why says how: another registry, change sequence went back, the
 * audit record seen is gone or differs), -1 on a database error.
 */
int		 db_history_check(struct db *db, const struct registry_mark *seen,
		    struct registry_mark *now, char *why, size_t whylen);
/* Fill status fields from a row of (id, issuer_id, serial, status, not_after,
 * revoked_at, reason, change_seq) starting at column col. */
void		 db_status_from_row(sqlite3_stmt *st, int col, struct cert_status *out);

#endif
