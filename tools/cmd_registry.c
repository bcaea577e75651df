/*
 * cmd_registry.c: the verbs of residents, cards and counter procedures:
 * resident add|change|remove, card add|replace|lost|found|return|unlock,
 * password change.  The rules are in registry.c.
 */
#include <stdio.h>
#include <string.h>

#include "certctl.h"

static int
run(struct ctx *c, int rc)
{
	if (rc != REG_OK)
		return report(c, rc);
	return print_result(c);
}

static int
sex_opt(const char *s, int *out)
{
	*out = 0;
	if (s == NULL)
		return 0;
	if ((*out = reg_sex_parse(s)) == 0) {
		fprintf(stderr, "certctl: refused: sex must be male, female or "
		    "unknown (1, 2, 3)\n");
		return -1;
	}
	return 0;
}

int
cmd_resident(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "name", 1 }, { "address", 1 }, { "birth-date", 1 },
		{ "sex", 1 }, { "note", 1 }, { NULL, 0 },
	};
	struct resident_info	 ri;
	struct opts		 o;
	const char		*sub;
	int			 rc;

	if (argc < 2)
		return usage("resident add|change|remove UID ...");
	sub = argv[1];
	if (opts_parse(argc - 2, argv + 2, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 1)
		return usage("resident %s UID ...", sub);
	memset(&ri, 0, sizeof(ri));
	ri.uid = o.pos[0];
	ri.name = opt(&o, defs, "name");
	ri.address = opt(&o, defs, "address");
	ri.birth_date = opt(&o, defs, "birth-date");
	if (sex_opt(opt(&o, defs, "sex"), &ri.sex) != 0)
		return EXIT_REFUSED;
	if (strcmp(sub, "add") == 0) {
		if (ri.name == NULL || ri.address == NULL ||
		    ri.birth_date == NULL || ri.sex == 0)
			return usage("resident add UID --name N --address A "
			    "--birth-date YYYY-MM-DD --sex male|female|unknown");
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		return run(c, reg_resident_add(&c->reg, &ri));
	}
	if (strcmp(sub, "change") == 0) {
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		return run(c, reg_resident_change(&c->reg, &ri));
	}
	if (strcmp(sub, "remove") == 0) {
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		return run(c, reg_resident_remove(&c->reg, ri.uid,
		    opt(&o, defs, "note")));
	}
	return usage("resident add|change|remove UID ...");
}

int
cmd_card(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "resident", 1 }, { "number", 1 }, { "type", 1 },
		{ "expires", 1 }, { "photo", 0 }, { "no-photo", 0 },
		{ "document", 1 }, { NULL, 0 },
	};
	struct card_info	 ci;
	struct opts		 o;
	const char		*sub;
	int			 rc;

	if (argc < 2)
		return usage("card add|replace|lost|found|return|unlock ...");
	sub = argv[1];
	if (opts_parse(argc - 2, argv + 2, defs, &o) != 0)
		return EXIT_USAGE;
	memset(&ci, 0, sizeof(ci));
	ci.number = opt(&o, defs, "number");
	ci.type = opt(&o, defs, "type");
	ci.expires = opt(&o, defs, "expires");
	if (opt(&o, defs, "photo") != NULL && opt(&o, defs, "no-photo") != NULL)
		return usage("give --photo or --no-photo, not both");
	/* A My Number Card always carries a photo; a Juki card only if asked. */
	ci.has_photo = opt(&o, defs, "photo") != NULL ? 1 :
	    opt(&o, defs, "no-photo") != NULL ? 0 : -1;
	if (strcmp(sub, "add") == 0) {
		if (o.npos != 0 || opt(&o, defs, "resident") == NULL ||
		    ci.number == NULL || ci.type == NULL || ci.expires == NULL)
			return usage("card add --resident UID --number N --type "
			    "juki|mynumber --expires YYYY-MM-DD [--photo|--no-photo]");
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		return run(c, reg_card_add(&c->reg, opt(&o, defs, "resident"),
		    &ci));
	}
	if (strcmp(sub, "replace") == 0) {
		if (o.npos != 1 || ci.number == NULL || ci.expires == NULL)
			return usage("card replace OLD --number NEW [--type T] "
			    "--expires YYYY-MM-DD [--photo|--no-photo]");
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		return run(c, reg_card_replace(&c->reg, o.pos[0], &ci));
	}
	if (o.npos != 1)
		return usage("card %s NUMBER", sub);
	if (strcmp(sub, "lost") != 0 && strcmp(sub, "found") != 0 &&
	    strcmp(sub, "return") != 0 && strcmp(sub, "unlock") != 0)
		return usage("card add|replace|lost|found|return|unlock ...");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if (strcmp(sub, "lost") == 0)
		return run(c, reg_card_lost(&c->reg, o.pos[0]));
	if (strcmp(sub, "found") == 0)
		return run(c, reg_card_found(&c->reg, o.pos[0]));
	if (strcmp(sub, "return") == 0)
		return run(c, reg_card_return(&c->reg, o.pos[0]));
	return run(c, reg_card_unlock(&c->reg, o.pos[0],
	    opt(&o, defs, "document")));
}

int
cmd_password(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "card", 1 }, { "document", 1 }, { NULL, 0 },
	};
	struct opts	 o;
	int		 rc;

	if (argc < 2 || strcmp(argv[1], "change") != 0)
		return usage("password change --card N [--document D]");
	if (opts_parse(argc - 2, argv + 2, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 0 || opt(&o, defs, "card") == NULL)
		return usage("password change --card N [--document D]");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	return run(c, reg_password_change(&c->reg, opt(&o, defs, "card"),
	    opt(&o, defs, "document")));
}
