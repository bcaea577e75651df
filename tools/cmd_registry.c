/* SPDX-License-Identifier: ISC */
/*
 * cmd_registry.c: the verbs of residents, cards and counter procedures:
 * resident add|change|moveout|remove|show, card
 * add|replace|lost|found|return|unlock|show, password change.  The rules
 * are in rules.c, applied by registry_*.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certctl.h"
#include "clock.h"

static int
run(struct ctx *c, int rc)
{
	if (rc != REG_OK)
		return report(c, rc);
	return print_result(c);
}

/* --issued-at YYYY-MM-DD: that day at the counter in Japan.  0 / -1. */
static int
issued_opt(struct ctx *c, const char *s, time_t *out)
{
	*out = 0;
	if (s == NULL)
		return 0;
	if (clock_parse(s, out) != 0) {
		refuse(c, "--issued-at must be a real date written YYYY-MM-DD");
		return -1;
	}
	if (strlen(s) == 10)
		*out -= JST_OFFSET_SEC;
	return 0;
}

static int
events_opt(const char *s, int *out)
{
	char	*end;
	long	 n;

	*out = 0;
	if (s == NULL)
		return 0;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || n < 1 || n > 1000)
		return -1;
	*out = (int)n;
	return 0;
}

static int
show(struct ctx *c, json_t *j)
{
	if (j == NULL)
		return report(c, strncmp(c->reg.why, "database", 8) == 0 ?
		    REG_ERROR : REG_REFUSED);
	if (c->json)
		print_json(j);
	else
		print_view(j);
	json_decref(j);
	return EXIT_OK;
}

int
cmd_resident(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "name", 1 }, { "address", 1 }, { "birth-date", 1 },
		{ "sex", 1 }, { "note", 1 }, { "to", 1 }, { "events", 1 },
		{ NULL, 0 },
	};
	struct resident_info	 ri;
	struct opts		 o;
	const char		*sub, *sex;
	int			 rc, events;

	if (argc < 2)
		return usage("resident add|change|moveout|remove|show UID ...");
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
	sex = opt(&o, defs, "sex");
	if (strcmp(sub, "add") == 0 && (ri.name == NULL || ri.address == NULL ||
	    ri.birth_date == NULL || sex == NULL))
		return usage("resident add UID --name N --address A "
		    "--birth-date YYYY-MM-DD --sex male|female|unknown");
	if (strcmp(sub, "moveout") == 0 && opt(&o, defs, "to") == NULL)
		return usage("resident moveout UID --to ADDRESS");
	if (events_opt(opt(&o, defs, "events"), &events) != 0)
		return usage("--events takes a number from 1 to 1000");
	if (strcmp(sub, "add") != 0 && strcmp(sub, "change") != 0 &&
	    strcmp(sub, "moveout") != 0 && strcmp(sub, "remove") != 0 &&
	    strcmp(sub, "show") != 0)
		return usage("resident add|change|moveout|remove|show UID ...");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if (sex != NULL && (ri.sex = reg_sex_parse(sex)) == 0)
		return refuse(c, "sex must be male, female or unknown (1, 2, 3)");
	if (strcmp(sub, "add") == 0)
		return run(c, reg_resident_add(&c->reg, &ri));
	if (strcmp(sub, "change") == 0)
		return run(c, reg_resident_change(&c->reg, &ri));
	if (strcmp(sub, "moveout") == 0)
		return run(c, reg_resident_moveout(&c->reg, ri.uid,
		    opt(&o, defs, "to")));
	if (strcmp(sub, "remove") == 0)
		return run(c, reg_resident_remove(&c->reg, ri.uid,
		    opt(&o, defs, "note")));
	return show(c, reg_resident_show(&c->reg, ri.uid, events));
}

int
cmd_card(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "resident", 1 }, { "number", 1 }, { "type", 1 },
		{ "expires", 1 }, { "photo", 0 }, { "no-photo", 0 },
		{ "document", 1 }, { "secret", 1 }, { "issued-at", 1 },
		{ "events", 1 }, { NULL, 0 },
	};
	static const char *subs[] = { "add", "replace", "lost", "found",
	    "return", "unlock", "show", NULL };
	struct card_info	 ci;
	struct opts		 o;
	const char		*sub;
	int			 rc, known = 0, events;

	if (argc < 2)
		return usage("card add|replace|lost|found|return|unlock|show ...");
	sub = argv[1];
	for (int i = 0; subs[i] != NULL; i++)
		known |= strcmp(subs[i], sub) == 0;
	if (!known)
		return usage("card add|replace|lost|found|return|unlock|show ...");
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
	if (events_opt(opt(&o, defs, "events"), &events) != 0)
		return usage("--events takes a number from 1 to 1000");
	if (strcmp(sub, "add") == 0) {
		if (o.npos != 0 || opt(&o, defs, "resident") == NULL ||
		    ci.number == NULL || ci.type == NULL || ci.expires == NULL)
			return usage("card add --resident UID --number N --type "
			    "juki|mynumber --expires YYYY-MM-DD [--photo|--no-photo] "
			    "[--issued-at YYYY-MM-DD]");
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		if (issued_opt(c, opt(&o, defs, "issued-at"), &ci.issued) != 0)
			return EXIT_REFUSED;
		return run(c, reg_card_add(&c->reg, opt(&o, defs, "resident"),
		    &ci));
	}
	if (strcmp(sub, "replace") == 0) {
		if (o.npos != 1 || ci.number == NULL || ci.expires == NULL)
			return usage("card replace OLD --number NEW [--type T] "
			    "--expires YYYY-MM-DD [--photo|--no-photo] "
			    "[--issued-at YYYY-MM-DD]");
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		if (issued_opt(c, opt(&o, defs, "issued-at"), &ci.issued) != 0)
			return EXIT_REFUSED;
		return run(c, reg_card_replace(&c->reg, o.pos[0], &ci));
	}
	if (o.npos != 1)
		return usage("card %s NUMBER", sub);
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if (strcmp(sub, "lost") == 0)
		return run(c, reg_card_lost(&c->reg, o.pos[0]));
	if (strcmp(sub, "found") == 0)
		return run(c, reg_card_found(&c->reg, o.pos[0]));
	if (strcmp(sub, "return") == 0)
		return run(c, reg_card_return(&c->reg, o.pos[0]));
	if (strcmp(sub, "show") == 0)
		return show(c, reg_card_show(&c->reg, o.pos[0], events));
	return run(c, reg_card_unlock(&c->reg, o.pos[0], opt(&o, defs, "secret"),
	    opt(&o, defs, "document")));
}

int
cmd_password(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "card", 1 }, { "document", 1 }, { "secret", 1 }, { NULL, 0 },
	};
	struct opts	 o;
	int		 rc;

	if (argc < 2 || strcmp(argv[1], "change") != 0)
		return usage("password change --card N --secret sign|auth|card "
		    "[--document D]");
	if (opts_parse(argc - 2, argv + 2, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 0 || opt(&o, defs, "card") == NULL)
		return usage("password change --card N --secret sign|auth|card "
		    "[--document D]");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	return run(c, reg_password_change(&c->reg, opt(&o, defs, "card"),
	    opt(&o, defs, "secret"), opt(&o, defs, "document")));
}
