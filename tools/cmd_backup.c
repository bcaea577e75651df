/*
 * cmd_backup.c: backup FILE and restore FILE: a consistent copy of the live
 * registry, and putting one back.
 *
 * backup copies with SQLite's online backup API inside one read transaction
 * on the registry: in WAL mode that snapshot never blocks certctl's writers
 * nor the server's readers, and every step reads the same snapshot, so the
 * copy is the registry as of one commit.  The copy is checked (PRAGMA
 * integrity_check, the audit chain) before it is renamed into place, and
 * its audit head is printed: keep it with the copy.
 *
 * restore checks the copy the same way (and, given --head, that it holds
 * that record), keeps the registry it replaces as
 * DATABASE.before-restore-<UTC time>,
 * then copies the backup into the live registry with the backup API in one
 * write transaction: readers see the old registry or the restored one,
 * never a mix; a killed restore leaves the old one.  The server notices the
 * restored history by itself (the registry's id, change sequence and audit
 * head it remembered no longer continue), treats every stored answer as
 * unverified and re-signs from the registry.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "certctl.h"
#include "clock.h"

#define BACKUP_STEP_PAGES	1024	/* pages per sqlite3_backup_step */

struct copy_check {
	int64_t		 records;
	unsigned char	 head[AUDIT_HASH_LEN];
	int		 schema;
	long long	 bytes;
};

/* Copy all of src into dst in steps; 0, or -1 with why. */
static int
copy_db(sqlite3 *dst, sqlite3 *src, int *steps, char *why, size_t whylen)
{
	sqlite3_backup	*b;
	int		 rc;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		snprintf(why, whylen, "backup: %s", sqlite3_errmsg(dst));
		return -1;
	}
	*steps = 0;
	do {
		rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		(*steps)++;
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(10);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
		snprintf(why, whylen, "backup: %s", sqlite3_errmsg(dst));
		return -1;
	}
	return 0;
}

/*
 * Check a registry file: SQLite's integrity check, a schema this program
 * knows, an intact audit chain (holding anchor, when given).  0, or -1
 * with why.
 */
static int
check_copy(const char *path, const unsigned char *anchor,
    struct copy_check *out, char *why, size_t whylen)
{
	struct db	*db;
	sqlite3_stmt	*st = NULL;
	struct stat	 sb;
	char		 err[512];
	int		 rc = -1, n;

	memset(out, 0, sizeof(*out));
	if ((db = db_open(path, DB_READONLY, err, sizeof(err))) == NULL) {
		snprintf(why, whylen, "%s", err);
		return -1;
	}
	if (sqlite3_prepare_v2(db->h, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		snprintf(why, whylen, "%s: integrity check: %s", path,
		    db_errmsg(db));
		goto done;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		snprintf(why, whylen, "%s: integrity check: %s", path,
		    sqlite3_column_text(st, 0));
		goto done;
	}
	if ((out->schema = db_schema_version(db)) < 1 ||
	    out->schema > db_schema_latest()) {
		snprintf(why, whylen, "%s: not a registry this certctl knows "
		    "(schema %d, this program knows 1 to %d)", path, out->schema,
		    db_schema_latest());
		goto done;
	}
	if ((n = audit_verify_anchored(db, anchor, &out->records, out->head,
	    err, sizeof(err))) != 0) {
		snprintf(why, whylen, "%s: audit chain %s: %s", path, n > 0 ?
		    "broken" : "unreadable", err);
		goto done;
	}
	if (stat(path, &sb) == 0)
		out->bytes = (long long)sb.st_size;
	rc = 0;
 done:
	sqlite3_finalize(st);
	db_close(db);
	return rc;
}

/* fsync a file, then its folder (so a rename into it is durable). */
static int
sync_path(const char *path, int dir_too)
{
	char	 dir[PATH_MAX], *slash;
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	if (rc != 0 || !dir_too)
		return rc;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Copy the database open as src to a new single file at path (no WAL),
 * through path.tmp (mode 0600 when private): the name appears only when
 * the copy is whole.
 */
static int
copy_to_file(sqlite3 *src, const char *path, int private, int *steps,
    char *why, size_t whylen)
{
	char	 tmp[PATH_MAX];
	sqlite3	*dst = NULL;
	int	 rc = -1, fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(why, whylen, "%s: name too long", path);
		return -1;
	}
	(void)unlink(tmp);
	/* a copy of the registry holds personal data: owner only */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    private ? 0600 : 0644)) == -1) {
		snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(why, whylen, "%s: %s", tmp, dst != NULL ?
		    sqlite3_errmsg(dst) : "cannot create");
		goto done;
	}
	if (copy_db(dst, src, steps, why, whylen) != 0)
		goto done;
	/* one self-contained file: a copy needs no -wal beside it */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		snprintf(why, whylen, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto done;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(why, whylen, "%s: close failed", tmp);
		dst = NULL;
		goto done;
	}
	dst = NULL;
	if (sync_path(tmp, 0) != 0) {
		snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	rc = 0;
 done:
	sqlite3_close(dst);
	if (rc != 0)
		(void)unlink(tmp);
	return rc;
}

/* Rename path.tmp to path after checking it; 0 or -1. */
static int
tmp_into_place(const char *path, struct copy_check *chk, char *why,
    size_t whylen)
{
	char	 tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (check_copy(tmp, NULL, chk, why, whylen) != 0) {
		(void)unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0 || sync_path(path, 1) != 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

static int
same_file(const char *a, const char *b)
{
	struct stat	 sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void
print_copy(struct ctx *c, const char *verb, const char *file,
    const struct copy_check *chk, double secs, int steps, const char *kept)
{
	char	 hex[2 * AUDIT_HASH_LEN + 1];

	hash_to_hex(chk->head, hex);
	if (c->json) {
		json_t	*j = json_pack("{s:b,s:s,s:s,s:I,s:i,s:I,s:s,s:f,s:i}",
		    "ok", 1, "action", verb, "file", file, "bytes",
		    (json_int_t)chk->bytes, "schema", chk->schema,
		    "audit_records", (json_int_t)chk->records, "audit_head",
		    hex, "seconds", secs, "steps", steps);

		if (kept != NULL)
			json_object_set_new(j, "previous", json_string(kept));
		print_json(j);
		json_decref(j);
		return;
	}
	printf("%s %s: %lld bytes, schema %d, in %.3f s (%d step%s of up to "
	    "%d pages)\n", verb, file, chk->bytes, chk->schema, secs, steps,
	    steps == 1 ? "" : "s", BACKUP_STEP_PAGES);
	printf("  integrity ok; audit chain intact: %lld records, head %s\n",
	    (long long)chk->records, hex);
	if (kept != NULL)
		printf("  the registry it replaced is kept as %s\n", kept);
	if (strcmp(verb, "backup") == 0)
		printf("  keep the head with the copy; check it later with\n"
		    "  certctl restore %s --head %s\n", file, hex);
}

int
cmd_backup(struct ctx *c, int argc, char **argv)
{
	struct copy_check chk;
	int64_t	 t0;
	char		 why[2 * PATH_MAX];
	int		 rc, steps = 0;

	if (argc != 2 || argv[1][0] == '-')
		return usage("backup FILE");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if (same_file(argv[1], c->cfg->database)) {
		fprintf(stderr, "certctl: refused: %s is the live registry\n",
		    argv[1]);
		return EXIT_REFUSED;
	}
	t0 = clock_mono_us();
	/*
	 * One read transaction for the whole copy: every step reads the same
	 * snapshot (no restart when certctl commits meanwhile), and in WAL
	 * mode it holds up no writer.
	 */
	if (db_exec(c->db, "BEGIN") != 0 ||
	    db_exec(c->db, "SELECT count(*) FROM sqlite_master") != 0) {
		fprintf(stderr, "certctl: error: %s: %s\n", c->cfg->database,
		    db_errmsg(c->db));
		return EXIT_REFUSED;
	}
	rc = copy_to_file(c->db->h, argv[1], 1, &steps, why, sizeof(why));
	db_rollback(c->db);
	if (rc != 0 || tmp_into_place(argv[1], &chk, why, sizeof(why)) != 0) {
		fprintf(stderr, "certctl: error: backup: %s\n", why);
		return EXIT_REFUSED;
	}
	print_copy(c, "backup", argv[1], &chk, clock_mono_elapsed(t0), steps,
	    NULL);
	return EXIT_OK;
}

/* The config alone: restore must work when the registry does not open. */
static int
load_config(struct ctx *c)
{
	const char	*path;
	char		 err[CONFIG_ERR_MAX];

	if ((path = config_find(c->conf_path, err, sizeof(err))) == NULL ||
	    (c->cfg = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "certctl: error: %s\n", err);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

int
cmd_restore(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = { { "head", 1 }, { NULL, 0 } };
	struct opts	 o;
	struct copy_check chk, now;
	int64_t	 t0;
	unsigned char	 anchor[AUDIT_HASH_LEN];
	const char	*file, *want, *db_path;
	char		 why[2 * PATH_MAX], kept[PATH_MAX], kept_tmp[PATH_MAX + 8];
	char		 err[512];
	sqlite3		*src = NULL;
	struct db	*live = NULL;
	int		 rc, steps = 0, ret = EXIT_REFUSED;

	if (opts_parse(argc - 1, argv + 1, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 1)
		return usage("restore FILE [--head HEX]");
	file = o.pos[0];
	if ((want = opt(&o, defs, "head")) != NULL &&
	    hex_to_hash(want, anchor) != 0) {
		fprintf(stderr, "certctl: refused: --head wants the 64 hex "
		    "digits that backup printed\n");
		return EXIT_REFUSED;
	}
	if ((rc = load_config(c)) != EXIT_OK)
		return rc;
	db_path = c->cfg->database;
	if (same_file(file, db_path)) {
		fprintf(stderr, "certctl: refused: %s is the live registry\n",
		    file);
		return EXIT_REFUSED;
	}
	t0 = clock_mono_us();
	if (check_copy(file, want != NULL ? anchor : NULL, &chk, why,
	    sizeof(why)) != 0) {
		fprintf(stderr, "certctl: refused: not restoring: %s\n", why);
		return EXIT_REFUSED;
	}
	if (sqlite3_open_v2(file, &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "certctl: error: %s: %s\n", file,
		    sqlite3_errmsg(src));
		goto done;
	}
	kept[0] = why[0] = '\0';
	if (access(db_path, F_OK) != 0) {
		/* no registry yet (a fresh machine): the copy becomes it */
		if (copy_to_file(src, db_path, 0, &steps, why, sizeof(why)) != 0 ||
		    tmp_into_place(db_path, &now, why, sizeof(why)) != 0) {
			fprintf(stderr, "certctl: error: restore: %s\n", why);
			goto done;
		}
	} else {
		if ((live = db_open(db_path, DB_READWRITE, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "certctl: refused: the registry %s does "
			    "not open (%s): move it and its -wal and -shm files "
			    "away, then restore\n", db_path, err);
			goto done;
		}
		/* keep what we replace, consistent as any backup */
		{
			char		 stamp[32];
			time_t		 t = time(NULL);
			struct tm	 tm;

			gmtime_r(&t, &tm);
			strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
			snprintf(kept, sizeof(kept), "%s.before-restore-%s",
			    db_path, stamp);
		}
		if (db_exec(live, "BEGIN") != 0 ||
		    db_exec(live, "SELECT count(*) FROM sqlite_master") != 0 ||
		    copy_to_file(live->h, kept, 1, &steps, why, sizeof(why)) != 0) {
			db_rollback(live);
			fprintf(stderr, "certctl: error: restore: keeping the "
			    "current registry: %s\n", why[0] ? why :
			    db_errmsg(live));
			goto done;
		}
		db_rollback(live);
		snprintf(kept_tmp, sizeof(kept_tmp), "%s.tmp", kept);
		if (rename(kept_tmp, kept) != 0 || sync_path(kept, 1) != 0) {
			fprintf(stderr, "certctl: error: %s: %s\n", kept,
			    strerror(errno));
			goto done;
		}
		/*
		 * Into place: the backup API writes the copy's pages into the
		 * live registry as one write transaction (through its WAL), so
		 * every reader sees the old registry or the restored one.
		 */
		if (copy_db(live->h, src, &steps, why, sizeof(why)) != 0) {
			fprintf(stderr, "certctl: error: restore: %s (the "
			    "registry is unchanged)\n", why);
			goto done;
		}
		db_close(live);
		live = NULL;
		if (check_copy(db_path, NULL, &now, why, sizeof(why)) != 0) {
			fprintf(stderr, "certctl: error: after restore: %s "
			    "(the replaced registry is %s)\n", why, kept);
			goto done;
		}
	}
	if (memcmp(now.head, chk.head, AUDIT_HASH_LEN) != 0) {
		fprintf(stderr, "certctl: error: the restored registry's audit "
		    "head differs from the copy's\n");
		goto done;
	}
	print_copy(c, "restore", db_path, &now, clock_mono_elapsed(t0), steps,
	    kept[0] != '\0' ? kept : NULL);
	if (!c->json && now.schema < db_schema_latest())
		printf("  schema %d is older than this certctl's %d: run "
		    "certctl init\n", now.schema, db_schema_latest());
	ret = EXIT_OK;
 done:
	db_close(live);
	sqlite3_close(src);
	return ret;
}
