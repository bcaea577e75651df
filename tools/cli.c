/*
 * cli.c: what every certctl verb shares: option parsing, opening the
 * config and registry, printing results and refusals; and the small verb
 * init.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certctl.h"

int
usage(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "certctl: usage: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(certctl help lists every verb)\n");
	return EXIT_USAGE;
}

int
opts_parse(int argc, char **argv, const struct optdef *defs, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		const char	*a = argv[i];
		int		 k;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (o->npos == POS_MAX) {
				usage("too many arguments");
				return -1;
			}
			o->pos[o->npos++] = a;
			continue;
		}
		for (k = 0; defs[k].name != NULL; k++)
			if (strcmp(defs[k].name, a + 2) == 0)
				break;
		if (defs[k].name == NULL)
			{
			usage("unknown option %s", a);
			return -1;
		}
		if (!defs[k].has_arg)
			o->val[k] = "1";
		else if (i + 1 >= argc) {
			usage("%s needs a value", a);
			return -1;
		} else
			o->val[k] = argv[++i];
	}
	return 0;
}

const char *
opt(const struct opts *o, const struct optdef *defs, const char *name)
{
	for (int k = 0; defs[k].name != NULL; k++)
		if (strcmp(defs[k].name, name) == 0)
			return o->val[k];
	return NULL;
}

int
ctx_open(struct ctx *c, int create)
{
	const char	*path;
	char		 err[CONFIG_ERR_MAX];

	if (c->cfg == NULL) {
		if ((path = config_find(c->conf_path, err, sizeof(err))) == NULL) {
			fprintf(stderr, "certctl: error: %s\n", err);
			return EXIT_REFUSED;
		}
		if ((c->cfg = config_load(path, err, sizeof(err))) == NULL) {
			fprintf(stderr, "certctl: error: %s\n", err);
			return EXIT_REFUSED;
		}
	}
	if (c->office == NULL)
		c->office = c->cfg->offices[0];
	else {
		int	 found = 0;

		for (int i = 0; i < c->cfg->noffices; i++)
			if (strcmp(c->cfg->offices[i], c->office) == 0)
				found = 1;
		if (!found) {
			fprintf(stderr, "certctl: refused: office \"%s\" is not "
			    "one of the configured offices (", c->office);
			for (int i = 0; i < c->cfg->noffices; i++)
				fprintf(stderr, "%s\"%s\"", i ? ", " : "",
				    c->cfg->offices[i]);
			fprintf(stderr, ")\n");
			return EXIT_REFUSED;
		}
	}
	if ((c->db = db_open(c->cfg->database, create ? DB_CREATE :
	    DB_READWRITE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "certctl: error: %s%s\n", err, create ? "" :
		    " (run certctl init first?)");
		return EXIT_REFUSED;
	}
	if (!create && db_schema_version(c->db) < db_schema_latest()) {
		fprintf(stderr, "certctl: error: %s: the database needs "
		    "`certctl init` (schema %d, this program knows %d)\n",
		    c->cfg->database, db_schema_version(c->db),
		    db_schema_latest());
		return EXIT_REFUSED;
	}
	reg_init(&c->reg, c->db, c->cfg, c->operator_name, c->office);
	return EXIT_OK;
}

void
ctx_close(struct ctx *c)
{
	reg_done(&c->reg);
	db_close(c->db);
	config_free(c->cfg);
	c->db = NULL;
	c->cfg = NULL;
}

int
report(struct ctx *c, int rc)
{
	if (rc == REG_OK)
		return EXIT_OK;
	fprintf(stderr, "certctl: %s: %s\n", rc == REG_REFUSED ? "refused" :
	    "error", c->reg.why[0] != '\0' ? c->reg.why : "failed");
	return EXIT_REFUSED;
}

void
print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
}

static void
print_serials(json_t *d, const char *key, const char *verb)
{
	json_t		*a = json_object_get(d, key), *v;
	size_t		 i;

	if (a == NULL)
		return;
	printf("  %s %zu certificate%s", verb, json_array_size(a),
	    json_array_size(a) == 1 ? "" : "s");
	if (json_array_size(a) > 0)
		printf(" (%s):", json_string_value(json_object_get(d, "reason")));
	json_array_foreach(a, i, v)
		printf(" %s", json_string_value(v));
	printf("\n");
}

int
print_result(struct ctx *c)
{
	json_t	*d = c->reg.result;

	if (d == NULL)
		return EXIT_OK;
	if (c->json) {
		json_object_set_new(d, "ok", json_true());
		print_json(d);
		return EXIT_OK;
	}
	printf("%s: %s (recorded at %s by %s)\n",
	    json_string_value(json_object_get(d, "action")),
	    json_string_value(json_object_get(d, "subject")), c->office,
	    c->operator_name);
	print_serials(d, "revoked", "revoked");
	print_serials(d, "held", "put on hold");
	return EXIT_OK;
}

int
cmd_init(struct ctx *c, int argc, char **argv)
{
	char	 err[512];
	int	 before, rc;

	(void)argv;
	if (argc != 1)
		return usage("init");
	if ((rc = ctx_open(c, 1)) != EXIT_OK)
		return rc;
	before = db_schema_version(c->db);
	if (db_migrate(c->db, err, sizeof(err)) != 0) {
		fprintf(stderr, "certctl: error: %s\n", err);
		return EXIT_REFUSED;
	}
	if (c->json) {
		json_t	*j = json_pack("{s:b,s:s,s:i,s:i}", "ok", 1, "database",
		    c->cfg->database, "from", before, "to", db_schema_version(c->db));

		print_json(j);
		json_decref(j);
	} else if (before == db_schema_version(c->db))
		printf("%s: schema version %d, up to date\n", c->cfg->database,
		    before);
	else
		printf("%s: schema upgraded from version %d to %d\n",
		    c->cfg->database, before, db_schema_version(c->db));
	return EXIT_OK;
}
