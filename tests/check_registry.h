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
