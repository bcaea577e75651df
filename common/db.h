/* SPDX-License-Identifier: ISC */
/*
 * db.h: the SQLite registry (schema in schema/, embedded at build time).
 *
 * This header is the registry's one interface: struct db is opaque and
 * every row comes back as a typed struct.  The registry is these files,
 * and nothing else speaks SQL to it:
 *
 *	common/db.c		opening, migrations, transactions, history mark
 *	common/db_cert.c	certificates: status, card, changes, walk
 *	common/db_issuer.c	issuers
 *	common/db_crl.c		the stored CRLs the server serves
 *	common/db_party.c	relying parties (certctl party; db_party.h)
 *	common/db_backup.c	integrity check, whole-registry copies
 *	common/audit.c		the audit table (audit.h)
 *	common/crlpub.c		CRL generation's reads and writes (crlpub.h)
 *	tools/registry_*.c	certctl's write layer (registry.h)
 *
 * They share struct db's inside through db_impl.h.  (server/cache.c's
 * response store is another database.)
 *
 * Two programs write: certctl, and the server's CRL child (certstatusd
 * --crl-child, server/crl.c crl_child_main) storing the CRLs it signs.
 * Every write goes through db_begin() (BEGIN IMMEDIATE) ... db_commit()
 * together with its audit record.  The network-facing server opens the
 * registry read-only and polls it for changes (db_data_version,
 * db_changes_since).
 */
#ifndef CERTSTATUS_DB_H
#define CERTSTATUS_DB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

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

struct db;		/* an open registry: db_open() / db_close() */

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

/* --- the connection, schema and transactions (db.c) -------------------- */

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
/* The last SQLite error message. */
const char	*db_errmsg(struct db *db);
/* The path the registry was opened from (owned by db). */
const char	*db_path(const struct db *db);

/* --- certificates (db_cert.c) ------------------------------------------ */

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
/*
 * Within a write transaction (so no other writer races it): the id the
 * next certificate row gets.  -1 on error (db_errmsg).
 */
int64_t		 db_cert_next_id(struct db *db);
/*
 * Within a write transaction: put the certificate (issuer_id, serial) in
 * CRL partition k (0 .. n-1) of n (schema 007), and record n as the
 * issuer's partition count when it is larger than the one recorded.  0, or
 * -1 (db_errmsg; no such certificate fails too).
 */
int		 db_cert_set_partition(struct db *db, int64_t issuer_id,
		    const struct serial *serial, int k, int n);
/*
 * The CRL partition of (issuer_id, serial): *k gets it, or -1 for the
 * unpartitioned CRL.  0, 1 when there is no such certificate, -1 on a
 * database error.
 */
int		 db_cert_partition(struct db *db, int64_t issuer_id,
		    const struct serial *serial, int *k);
/*
 * The name of the resident holding the certificate with this serial (of
 * any issuer): malloc'd, caller frees.  NULL when there is none or on an
 * error.
 */
char		*db_cert_holder_name(struct db *db, const struct serial *serial);

/* --- changes and history (db.c) ---------------------------------------- */

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

/* --- issuers (db_issuer.c) --------------------------------------------- */

/* One row of the issuers table; every string malloc'd (db_issuers_free). */
struct db_issuer {
	int64_t		 id;
	char		*name;
	char		*ca_pem;	/* the CA certificate, PEM */
	char		*ca_key;	/* path to the CA key, NULL when elsewhere */
	char		*signer_pem;	/* the OCSP signer certificate, PEM */
	char		*signer_key;	/* path to the signer key, as recorded */
};

/*
 * All issuers in id order: *out gets a malloc'd array of *n rows (NULL
 * and 0 when there are none); free it with db_issuers_free.  0, or -1 on
 * a database error (db_errmsg) or when out of memory, with *out NULL.
 */
int		 db_issuers_load(struct db *db, struct db_issuer **out,
		    size_t *n);
/* Free what db_issuers_load returned (NULL-safe). */
void		 db_issuers_free(struct db_issuer *v, size_t n);
/*
 * Within a write transaction: add an issuer created at now (ca_key NULL
 * when the CA key is kept elsewhere), its signer recorded in the signers
 * table too.  Returns its id, or -1 (db_errmsg; a name already taken fails
 * here too).
 */
int64_t		 db_issuer_insert(struct db *db, const char *name,
		    const char *ca_pem, const char *ca_key,
		    const char *signer_pem, const char *signer_key, time_t now);
/*
 * Within a write transaction: issuer_id's signer becomes signer_pem with
 * its key at signer_key, from now.  The one it replaces stays in the
 * signers table (retired_at now), for the record; so does every signer an
 * issuer was created with (db_issuer_insert).  0, or -1 (db_errmsg; no
 * such issuer fails too).
 */
int		 db_issuer_signer_replace(struct db *db, int64_t issuer_id,
		    const char *signer_pem, const char *signer_key, time_t now);

/* --- stored CRLs (db_crl.c) -------------------------------------------- */

enum db_crl_kind { DB_CRL_FULL, DB_CRL_DELTA };

/* One stored CRL. */
struct db_crl {
	int64_t		 number;	/* the CRL number; 0: none stored */
	time_t		 this_update;
	time_t		 next_update;
	unsigned char	*der;		/* malloc'd, caller frees */
	size_t		 len;
};

/*
 * The newest stored CRL of that kind for issuer_id.  When its number is
 * have (nonzero), returns 1 and leaves out untouched: the caller's copy is
 * current.  Otherwise returns 0 with out filled (number 0 and der NULL when
 * none is stored; the caller frees der).  -1 on a database error
 * (db_errmsg) or an empty DER.  The read ends before it returns.
 * db_crl_newest is the unpartitioned CRL; db_crl_newest_part that of
 * partition part (-1: the unpartitioned one; schema 007).
 */
int		 db_crl_newest(struct db *db, int64_t issuer_id,
		    enum db_crl_kind kind, int64_t have, struct db_crl *out);
int		 db_crl_newest_part(struct db *db, int64_t issuer_id, int part,
		    enum db_crl_kind kind, int64_t have, struct db_crl *out);

/* The newest CRL numbers of one partition (0: none stored). */
struct db_crl_head {
	int		 part;		/* -1: the unpartitioned CRL */
	int64_t		 full, delta;
};

/*
 * The newest full and delta CRL numbers of every partition of issuer_id
 * that has a stored CRL, in part order, in one read (so a server holding
 * a thousand partitions re-reads only the ones that moved): *out a
 * malloc'd array of *n (NULL and 0 when none; caller frees).  0, or -1 on
 * a database error (db_errmsg) or out of memory.
 */
int		 db_crl_heads(struct db *db, int64_t issuer_id,
		    struct db_crl_head **out, size_t *n);

/* --- relying parties (db_party.c, schema 006, certctl party) ---------- */

/* A registered relying party (signature verifier); strings malloc'd. */
struct db_party {
	int64_t		 id;
	char		*name;
	unsigned char	*cert;		/* its certificate, DER */
	size_t		 cert_len;
	int		 rate;		/* requests per second; 0: no limit */
};

/*
 * Every party registered now (not removed), in id order: *out a malloc'd
 * array of *n rows (NULL and 0 when none); free with db_parties_free.  0,
 * or -1 on a database error (db_errmsg) or out of memory, *out NULL.
 */
int		 db_parties_load(struct db *db, struct db_party **out,
		    size_t *n);
void		 db_parties_free(struct db_party *v, size_t n);

/* --- the registry as a whole (db_backup.c) ----------------------------- */

#define DB_COPY_STEP_PAGES	1024	/* pages per step of a copy */

/*
 * SQLite's integrity check of the whole file.  0 when it says ok, else -1
 * with why ("integrity check: <what it found>" or the error).
 */
int		 db_integrity_check(struct db *db, char *why, size_t whylen);
/*
 * Copy the registry, as of one commit (one read transaction: it holds up
 * no writer), into a new self-contained file at path (no WAL beside it),
 * created with mode (path must not exist).  *steps gets the number of
 * steps of DB_COPY_STEP_PAGES.  0, or -1 with why; a failed copy removes
 * path.  The caller makes the file durable (fsync) and renames it.
 */
int		 db_copy_to_file(struct db *db, const char *path, int mode,
		    int *steps, char *why, size_t whylen);
/*
 * Replace all of dst with src, page by page, as one write transaction on
 * dst: dst's readers see the old registry or the new one, never a mix.
 * 0, or -1 with why (dst unchanged).
 */
int		 db_copy_into(struct db *dst, struct db *src, int *steps,
		    char *why, size_t whylen);

#endif
