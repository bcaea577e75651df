/* SPDX-License-Identifier: ISC */
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

struct copy_check {
	int64_t		 records;
	unsigned char	 head[AUDIT_HASH_LEN];
	int		 schema;
	long long	 bytes;
};

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
	struct stat	 sb;
	char		 err[512];
	int		 rc = -1, n;

	memset(out, 0, sizeof(*out));
	if ((db = db_open(path, DB_READONLY, err, sizeof(err))) == NULL) {
		snprintf(why, whylen, "%s", err);
		return -1;
	}
	if (db_integrity_check(db, err, sizeof(err)) != 0) {
		snprintf(why, whylen, "%s: %s", path, err);
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
 * Copy the registry open as src to a new single file at path (no WAL),
 * through path.tmp (mode 0600 when private): the name appears only when
 * the copy is whole.
 */
static int
copy_to_file(struct db *src, const char *path, int private, int *steps,
    char *why, size_t whylen)
{
	char	 tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(why, whylen, "%s: name too long", path);
		return -1;
	}
	(void)unlink(tmp);
	/* a copy of the registry holds personal data: owner only */
	if (db_copy_to_file(src, tmp, private ? 0600 : 0644, steps, why,
	    whylen) != 0)
		return -1;
	if (sync_path(tmp, 0) != 0) {
		snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
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
	    steps == 1 ? "" : "s", DB_COPY_STEP_PAGES);
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
	rc = copy_to_file(c->db, argv[1], 1, &steps, why, sizeof(why));
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
	struct db	*src = NULL;
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
	if ((src = db_open(file, DB_READONLY, err, sizeof(err))) == NULL) {
		fprintf(stderr, "certctl: error: %s\n", err);
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
		if (copy_to_file(live, kept, 1, &steps, why, sizeof(why)) != 0) {
			fprintf(stderr, "certctl: error: restore: keeping the "
			    "current registry: %s\n", why[0] ? why :
			    db_errmsg(live));
			goto done;
		}
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
		if (db_copy_into(live, src, &steps, why, sizeof(why)) != 0) {
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
	db_close(src);
	return ret;
}
