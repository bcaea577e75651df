/* SPDX-License-Identifier: ISC */
/*
 * check_registry.h: the fixture the registry suites share: a scratch folder
 * with a migrated registry, a config using quick P-256 keys, the clock fixed
 * at 2024-06-01 (Japan morning), and an issuer "test" made through the
 * registry as certctl makes one.
 */
#ifndef CERTSTATUS_CHECK_REGISTRY_H
#define CERTSTATUS_CHECK_REGISTRY_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "issuance.h"
#include "log.h"
#include "registry.h"

#define FIXTURE_NOW	"2024-06-01T03:00:00Z"

/*
 * Make dir (a mkdtemp template, rewritten) and open the fixture in it;
 * prog names the suite in log lines.
 */
static inline void
fixture_open(const char *prog, char *dir, struct config **cfg,
    struct db **db, struct reg *r)
{
	char	 err[512];
	time_t	 t;

	log_init(prog, LOG_LVL_ERR);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	*cfg = config_defaults(dir);
	free((*cfg)->database);
	(*cfg)->database = config_path(*cfg, "test.db");
	free((*cfg)->key_algorithm);
	(*cfg)->key_algorithm = strdup("p256");	/* quick keys */
	*db = db_open((*cfg)->database, DB_CREATE, err, sizeof(err));
	ck_assert_msg(*db != NULL, "%s", err);
	ck_assert_int_eq(db_migrate(*db, err, sizeof(err)), 0);
	ck_assert_int_eq(clock_parse(FIXTURE_NOW, &t), 0);
	clock_set(t);
	reg_init(r, *db, *cfg, "tester", (*cfg)->offices[0]);
	ck_assert_int_eq(iss_ca_create(r, "test", NULL, 0), REG_OK);
}

/*
 * Read the registry file at path as an outsider would, on a connection of
 * its own (struct db stays opaque to these suites): the first column of
 * sql's first row as an integer, -1 when there is no row.
 */
static inline int64_t
fixture_sql_int(const char *path, const char *sql)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	int64_t		 n = -1;

	ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(h));
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* The same for a DER certificate in the first row's first column. */
static inline X509 *
fixture_sql_x509(const char *path, const char *sql)
{
	sqlite3			*h;
	sqlite3_stmt		*st;
	const unsigned char	*p;
	X509			*x;

	ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(h));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	p = sqlite3_column_blob(st, 0);
	x = d2i_X509(NULL, &p, sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	ck_assert_ptr_nonnull(x);
	return x;
}

static inline int
fixture_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* Close what fixture_open opened and remove the folder. */
static inline void
fixture_close(const char *dir, struct config *cfg, struct db *db,
    struct reg *r)
{
	reg_done(r);
	db_close(db);
	config_free(cfg);
	nftw(dir, fixture_rm, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
