/* SPDX-License-Identifier: ISC */
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

/* Is the office one of the configured ones?  0, or 1 with why. */
static int
office_check(const struct config *cfg, const char *office, char *why,
    size_t whylen)
{
	size_t	 o;

	for (int i = 0; i < cfg->noffices; i++)
		if (strcmp(cfg->offices[i], office) == 0)
			return 0;
	o = (size_t)snprintf(why, whylen, "office \"%.64s\" is not one of the "
	    "configured offices (", office);
	for (int i = 0; i < cfg->noffices && o < whylen; i++)
		o += (size_t)snprintf(why + o, whylen - o, "%s\"%s\"", i ? ", " : "",
		    cfg->offices[i]);
	if (o < whylen)
		snprintf(why + o, whylen - o, ")");
	return 1;
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
	if ((c->db = db_open(c->cfg->database, create ? DB_CREATE :
	    DB_READWRITE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "certctl: error: %s%s\n", err, create ? "" :
		    " (run certctl init first?)");
		return EXIT_REFUSED;
	}
	if (db_schema_version(c->db) > db_schema_latest()) {
		fprintf(stderr, "certctl: error: %s: schema version %d is newer "
		    "than this certctl knows (%d): use the newer certctl\n",
		    c->cfg->database, db_schema_version(c->db),
		    db_schema_latest());
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
	/* Who and where are checked with the registry open, so that the
	 * refusal itself is on the record (except before `init`). */
	if (rules_operator_check(c->cfg, c->operator_name, c->reg.why,
	    sizeof(c->reg.why)) ||
	    office_check(c->cfg, c->office, c->reg.why, sizeof(c->reg.why))) {
		if (create && db_schema_version(c->db) < db_schema_latest())
			c->reg.refusal_recorded = 1;	/* no audit table yet */
		return report(c, REG_REFUSED);
	}
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
	const char	*why = c->reg.why[0] != '\0' ? c->reg.why : "failed";

	if (rc == REG_OK)
		return EXIT_OK;
	/* A refusal outside a registry write is recorded here: who, where,
	 * what (the verb) and why. */
	if (rc == REG_REFUSED && c->db != NULL && !c->reg.refusal_recorded)
		reg_refusal_record(&c->reg, c->verb != NULL ? c->verb : "?",
		    c->verb_subject != NULL ? c->verb_subject : "", NULL);
	if (c->json) {
		json_t	*j = json_pack("{s:b,s:s,s:s}", "ok", 0, "error",
		    rc == REG_REFUSED ? "refused" : "error", "message", why);

		print_json(j);
		json_decref(j);
	}
	fprintf(stderr, "certctl: %s: %s\n", rc == REG_REFUSED ? "refused" :
	    "error", why);
	return EXIT_REFUSED;
}

int
refuse(struct ctx *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->reg.why, sizeof(c->reg.why), fmt, ap);
	va_end(ap);
	return report(c, REG_REFUSED);
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

static const char *
jstr(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "-";
}

/* {"address": {"from": A, "to": B}} as lines a clerk reads. */
static void
print_changes(json_t *d)
{
	json_t		*ch = json_object_get(d, "changed"), *v, *u;
	const char	*k;
	size_t		 i;
	char		*from, *to;

	json_object_foreach(ch, k, v) {
		from = json_dumps(json_object_get(v, "from"), JSON_ENCODE_ANY);
		to = json_dumps(json_object_get(v, "to"), JSON_ENCODE_ANY);
		printf("  %s: %s -> %s\n", k, from != NULL ? from : "?",
		    to != NULL ? to : "?");
		free(from);
		free(to);
	}
	if ((u = json_object_get(d, "unchanged")) != NULL) {
		printf("  unchanged (already recorded):");
		json_array_foreach(u, i, v)
			printf(" %s", json_string_value(v));
		printf("\n");
	}
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
	print_changes(d);
	if (json_object_get(d, "secret") != NULL)
		printf("  %s (%s, locks after %lld wrong tries); identity: %s\n",
		    jstr(d, "secret_name"), jstr(d, "secret_format"),
		    (long long)json_integer_value(json_object_get(d,
		    "locks_after")), jstr(d, "identity"));
	print_serials(d, "revoked", "revoked");
	print_serials(d, "held", "put on hold");
	print_serials(d, "superseded", "renewal: superseded");
	return EXIT_OK;
}

static void
print_certs(json_t *a)
{
	json_t	*v;
	size_t	 i;

	printf("certificates:\n");
	if (json_array_size(a) == 0)
		printf("  (none)\n");
	json_array_foreach(a, i, v)
		printf("  %-34s %-5s %-8s %-21s until %s  card %s\n",
		    jstr(v, "serial"), jstr(v, "kind"), jstr(v, "state"),
		    jstr(v, "reason"), jstr(v, "expiry_date_jst"), jstr(v, "card"));
}

static void
print_events(json_t *a)
{
	json_t	*v;
	size_t	 i;

	printf("last events:\n");
	json_array_foreach(a, i, v) {
		json_t		*d = json_object_get(v, "detail");
		const char	*act = jstr(v, "action");

		printf("  %s %s [%s] %s %s", jstr(v, "at"), jstr(v, "operator"),
		    jstr(v, "office"), act, jstr(v, "subject"));
		if (strcmp(act, "refused") == 0)
			printf(" (%s: %s)", jstr(d, "attempt"), jstr(d, "why"));
		printf("\n");
	}
}

void
print_view(json_t *j)
{
	json_t	*v;
	size_t	 i;

	if (json_object_get(j, "uid") != NULL) {
		printf("resident %s: %s (%s)\n", jstr(j, "uid"), jstr(j, "name"),
		    jstr(j, "state"));
		printf("  address:       %s\n", jstr(j, "address"));
		printf("  date of birth: %s (age %lld)\n", jstr(j, "birth_date"),
		    (long long)json_integer_value(json_object_get(j, "age")));
		printf("  sex:           %s\n", (const char *[]){ "?", "male",
		    "female", "unknown" }[json_integer_value(json_object_get(j,
		    "sex")) & 3]);
		if (json_is_string(json_object_get(j, "moved_out_on")))
			printf("  moved out:     %s\n", jstr(j, "moved_out_on"));
		printf("cards:\n");
		json_array_foreach(json_object_get(j, "cards"), i, v)
			printf("  %-16s %-8s %-8s expires %s  issued %s  %s\n",
			    jstr(v, "number"), jstr(v, "type"), jstr(v, "state"),
			    jstr(v, "expires"), jstr(v, "issued_on"),
			    json_is_true(json_object_get(v, "photo")) ?
			    "photo" : "no photo");
	} else {
		printf("card %s: %s, %s\n", jstr(j, "number"), jstr(j, "type"),
		    jstr(j, "state"));
		printf("  holder:      %s\n", jstr(j, "resident"));
		printf("  expires:     %s\n", jstr(j, "expires"));
		printf("  issued:      %s\n", jstr(j, "issued_on"));
		printf("  photo:       %s\n", json_is_true(json_object_get(j,
		    "photo")) ? "yes" : "no");
		if (json_is_string(json_object_get(j, "replaced_by")))
			printf("  replaced by: %s\n", jstr(j, "replaced_by"));
	}
	print_certs(json_object_get(j, "certificates"));
	print_events(json_object_get(j, "events"));
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
