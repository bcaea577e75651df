/*
 * certctl.c: the counter's admin tool: global options, verb dispatch,
 * output.  Verbs live in cmd_*.c and demo.c; the rules in registry.c.
 *
 *	certctl [-c FILE] [--json] [--operator NAME] [--office NAME] VERB ...
 *
 * Exit status: 0 done, 1 refused or bad input (one line on stderr), 2 usage.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certctl.h"
#include "log.h"
#include "version.h"

static const char *usage_text =
"usage: certctl [-c FILE] [--json] [--operator NAME] [--office NAME] VERB ...\n"
"       certctl --version\n"
"The configuration is -c FILE, else $CERTSTATUS_CONF, else the installed one.\n"
"verbs:\n"
"  init\n"
"  ca create NAME [--key-algorithm rsa2048|p256]\n"
"  ca import NAME --ca-cert F --signer-cert F --signer-key F [--ca-key F]\n"
"  ca list\n"
"  resident add UID --name N --address A --birth-date YYYY-MM-DD --sex male|female|unknown\n"
"  resident change UID [--address A] [--name N] [--birth-date D] [--sex S]\n"
"  resident remove UID [--note TEXT]\n"
"  card add --resident UID --number N --type juki|mynumber --expires YYYY-MM-DD [--photo|--no-photo]\n"
"  card replace OLD --number NEW [--type T] --expires YYYY-MM-DD [--photo|--no-photo]\n"
"  card lost N | card found N | card return N\n"
"  card unlock N [--document D]\n"
"  password change --card N [--document D]\n"
"  issue --card N --kind sign|auth (--csr F | --pubkey F | --keyout F)\n"
"        [--key-algorithm A] [--issued-at YYYY-MM-DD] [--ca NAME] [--out F] [--copy F.html]\n"
"  import CERTFILE --card N --kind sign|auth [--ca NAME]\n"
"  revoke SERIAL --reason R [--ca NAME]\n"
"  show SERIAL [--ca NAME]\n"
"  list [--resident UID] [--card N] [--status good|revoked|hold|expired]\n"
"  audit verify | audit show [--limit N]\n"
"  crl generate [--ca NAME] [--delta-only]\n"
"  backup FILE | restore FILE [--head HEX]\n"
"  demo DIR [--extra N] [--key-algorithm A] [--port N] [--no-crl]\n"
"  help\n";

static int
cmd_help(struct ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	fputs(usage_text, stdout);
	return EXIT_OK;
}

static const struct verb {
	const char	*name;
	int		(*fn)(struct ctx *, int, char **);
} verbs[] = {
	{ "init",	cmd_init },
	{ "ca",		cmd_ca },
	{ "resident",	cmd_resident },
	{ "card",	cmd_card },
	{ "password",	cmd_password },
	{ "issue",	cmd_issue },
	{ "import",	cmd_import },
	{ "revoke",	cmd_revoke },
	{ "show",	cmd_show },
	{ "list",	cmd_list },
	{ "audit",	cmd_audit },
	{ "crl",	cmd_crl },
	{ "backup",	cmd_backup },
	{ "restore",	cmd_restore },
	{ "demo",	cmd_demo },
	{ "help",	cmd_help },
};

static const char *
default_operator(void)
{
	const char	*s;
	struct passwd	*pw;

	if ((s = getenv("CERTSTATUS_OPERATOR")) != NULL && *s != '\0')
		return s;
	if ((s = getenv("USER")) != NULL && *s != '\0')
		return s;
	if ((s = getlogin()) != NULL)
		return s;
	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_name;
	return "unknown";
}

int
main(int argc, char **argv)
{
	struct ctx	 c;
	char		*rest[256];
	int		 n = 0, rc;

	log_init("certctl", LOG_LVL_WARN);
	memset(&c, 0, sizeof(c));
	/* Global options may come anywhere: take them out first. */
	for (int i = 1; i < argc; i++) {
		const char	*a = argv[i];
		const char	**slot = NULL;

		if (strcmp(a, "--json") == 0) {
			c.json = 1;
			continue;
		}
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
			slot = &c.conf_path;
		else if (strcmp(a, "--operator") == 0)
			slot = &c.operator_name;
		else if (strcmp(a, "--office") == 0)
			slot = &c.office;
		if (slot != NULL) {
			if (i + 1 >= argc)
				return usage("%s needs a value", a);
			*slot = argv[++i];
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			a = "help";
		if (strcmp(a, "--version") == 0) {
			printf("certctl %s\n", certstatus_version);
			return EXIT_OK;
		}
		if (n == (int)(sizeof(rest) / sizeof(rest[0])) - 1)
			return usage("too many arguments");
		rest[n++] = (char *)a;
	}
	rest[n] = NULL;
	if (n == 0) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (c.operator_name == NULL)
		c.operator_name = default_operator();
	if (*c.operator_name == '\0')
		return usage("--operator must not be empty");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verbs[i].name, rest[0]) != 0)
			continue;
		rc = verbs[i].fn(&c, n, rest);
		ctx_close(&c);
		return rc;
	}
	return usage("unknown verb \"%s\"", rest[0]);
}
