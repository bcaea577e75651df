/* SPDX-License-Identifier: ISC */
/*
 * db_impl.h: the inside of struct db, for the files that make up the
 * registry (listed in db.h) and the unit suites of their internals
 * (check_db, check_crlpub).  Nothing else includes it: the rest of both
 * programs reaches the registry through db.h's typed functions only.
 */
#ifndef CERTSTATUS_DB_IMPL_H
#define CERTSTATUS_DB_IMPL_H

#include <stddef.h>

#include <sqlite3.h>

#include "db.h"

struct db {
	sqlite3		*h;
	char		*path;
	sqlite3_stmt	*st_status;	/* cert status by (issuer, serial) */
	sqlite3_stmt	*st_changes;	/* certs with change_seq > ? */
	sqlite3_stmt	*st_version;	/* PRAGMA data_version */
	sqlite3_stmt	*st_walk;	/* certs by id, from a cursor */
	sqlite3_stmt	*st_card;	/* card type and kind of a cert */
};

/*
 * Prepare *st for the connection's life unless it already is (finalized
 * by db_close).  0, or -1 (logged, *st NULL).
 */
int	 db_prepare_once(struct db *db, sqlite3_stmt **st, const char *sql);
/* Run SQL without results (several statements allowed).  0 / -1 (logged). */
int	 db_exec(struct db *db, const char *sql);
/*
 * A copy of column col of st's current row as a NUL-terminated string:
 * malloc'd (caller frees), NULL for SQL NULL or when out of memory.
 */
char	*db_col_strdup(sqlite3_stmt *st, int col);

#endif
