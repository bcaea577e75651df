/* SPDX-License-Identifier: ISC */
/*
 * certctl.c: the counter's admin tool: global options, verb dispatch,
 * output.  Verbs live in cmd_*.c and demo.c; the rules in rules.c, the
 * registry in registry_*.c.
 *
 *	certctl [-c FILE] [--json] [--operator NAME] [--office NAME] VERB ...
 *
 * Exit status: 0 done, 1 refused, bad input or out of memory (one line on
 * stderr; see xalloc.h), 2 usage.
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
"verbs (certctl help VERB for its options and an example):\n"
"  init\n"
"  ca create NAME [--key-algorithm rsa2048|p256]\n"
"  ca import NAME --ca-cert F --signer-cert F --signer-key F [--ca-key F]\n"
"  ca list\n"
"  resident add UID --name N --address A --birth-date YYYY-MM-DD --sex male|female|unknown\n"
"  resident change UID [--address A] [--name N] [--birth-date D] [--sex S]\n"
"  resident moveout UID --to ADDRESS\n"
"  resident remove UID [--note TEXT]\n"
"  resident show UID [--events N]\n"
"  card add --resident UID --number N --type juki|mynumber --expires YYYY-MM-DD\n"
"        [--photo|--no-photo] [--issued-at YYYY-MM-DD]\n"
"  card replace OLD --number NEW [--type T] --expires YYYY-MM-DD [--issued-at D]\n"
"  card lost N | card found N | card return N\n"
"  card unlock N --secret sign|auth|card [--document D]\n"
"  card show N [--events N]\n"
"  password change --card N --secret sign|auth|card [--document D]\n"
"  issue --card N --kind sign|auth (--csr F | --pubkey F | --keyout F)\n"
"        [--key-algorithm A] [--issued-at YYYY-MM-DD] [--ca NAME] [--out F] [--copy F.html]\n"
"  import CERTFILE --card N --kind sign|auth [--ca NAME]\n"
"  revoke SERIAL --reason keyCompromise|cessationOfOperation|superseded|affiliationChanged [--ca NAME]\n"
"  show SERIAL [--ca NAME]\n"
"  list [--resident UID] [--card N] [--status good|revoked|hold|expired]\n"
"  audit verify [--head HEX] | audit show [--limit N] [--refused]\n"
"  crl generate [--ca NAME] [--delta-only]\n"
"  party add NAME --cert FILE [--note TEXT] [--rate N] | party list [--all]\n"
"  party remove NAME\n"
"  backup FILE | restore FILE [--head HEX]\n"
"  demo DIR [--extra N] [--key-algorithm A] [--port N] [--no-crl]\n"
"       [--pkcs11 URI --pkcs11-module SO --pkcs11-pin-file F]\n"
"  help [VERB]\n";

/* certctl help VERB: each verb's options and an example. */
static const struct verb_help {
	const char	*verb;
	const char	*text;
} verb_help[] = {
	{ "init", "init\n  create or upgrade the database named in the config\n"
	    "example: certctl -c certstatus.conf init\n" },
	{ "ca", "ca create NAME [--key-algorithm rsa2048|p256]\n"
	    "ca import NAME --ca-cert F --signer-cert F --signer-key F [--ca-key F]\n"
	    "ca rotate-signer NAME [--days N] [--key-algorithm rsa2048|p256]\n"
	    "ca list\n"
	    "ca export NAME [--der] [--out F]\n"
	    "  the CA certificate (PEM, or DER as GET /ca/NAME.crt serves it)\n"
	    "example: certctl ca create inagi\n" },
	{ "resident",
	    "resident add UID --name N --address A --birth-date YYYY-MM-DD --sex S\n"
	    "  S: male|female|unknown (1, 2, 3).  Name and address: UTF-8, one\n"
	    "  line, no < >, at most 1024 bytes each (what the certificate carries)\n"
	    "resident change UID [--address A] [--name N] [--birth-date D] [--sex S]\n"
	    "  revokes the sign certificates (affiliationChanged); auth stays.\n"
	    "  A value already recorded is no change: nothing is revoked.\n"
	    "resident moveout UID --to ADDRESS\n"
	    "  moving out of the city: sign revoked (affiliationChanged), auth\n"
	    "  stays valid, no new issuance here\n"
	    "resident remove UID [--note TEXT]\n"
	    "  death or emigration: every certificate cessationOfOperation,\n"
	    "  cards returned\n"
	    "resident show UID [--events N]\n"
	    "  details, cards, certificates with status, the last N events\n"
	    "example: certctl resident change R0001 --address \"東京都稲城市平尾1-1\"\n" },
	{ "card",
	    "card add --resident UID --number N --type juki|mynumber --expires D\n"
	    "         [--photo|--no-photo] [--issued-at YYYY-MM-DD]\n"
	    "  one card in use per resident (a new one is `card replace`);\n"
	    "  expiry within the type's longest validity; no new Juki cards\n"
	    "  (older ones with --issued-at)\n"
	    "card replace OLD --number NEW [--type T] --expires D [--issued-at D]\n"
	    "  every certificate on OLD is revoked (superseded)\n"
	    "card lost N     certificates on hold (certificateHold)\n"
	    "card found N    holds become revocations (cessationOfOperation);\n"
	    "                the card is usable again: issue new certificates\n"
	    "card return N   every certificate cessationOfOperation\n"
	    "card unlock N --secret sign|auth|card [--document D]\n"
	    "  sign: signature password (6-16 letters and digits, locks after 5)\n"
	    "  auth: authentication PIN (4 digits, locks after 3; My Number only)\n"
	    "  card: card PIN (4 digits, locks after 3)\n"
	    "  a card without a photo needs --document, one of photo-document\n"
	    "card show N [--events N]\n"
	    "example: certctl card unlock JK-0010 --secret sign --document \"driver's licence\"\n" },
	{ "password",
	    "password change --card N --secret sign|auth|card [--document D]\n"
	    "  as card unlock (see certctl help card)\n"
	    "example: certctl password change --card MN-0001 --secret auth\n" },
	{ "issue",
	    "issue --card N --kind sign|auth (--csr F | --pubkey F | --keyout F)\n"
	    "      [--key-algorithm A] [--issued-at YYYY-MM-DD] [--ca NAME]\n"
	    "      [--out F] [--copy F.html]\n"
	    "  sign from the holder's 15th birthday (sign-min-age), auth at any\n"
	    "  age; issuing a kind again on a card is a renewal: the previous\n"
	    "  one is revoked (superseded).  --issued-at records history (not\n"
	    "  before history-start, not in the future)\n"
	    "example: certctl issue --card MN-0001 --kind auth --keyout a.key --out a.pem\n" },
	{ "import", "import CERTFILE --card N --kind sign|auth [--ca NAME]\n"
	    "  record a certificate issued elsewhere by a known issuer (a\n"
	    "  renewal as with issue)\n"
	    "example: certctl import old.pem --card MN-0001 --kind sign\n" },
	{ "revoke", "revoke SERIAL --reason R [--ca NAME]\n"
	    "  R: keyCompromise, cessationOfOperation, superseded, or for sign\n"
	    "  certificates affiliationChanged.  CA-level reasons (cACompromise,\n"
	    "  aACompromise, privilegeWithdrawn) belong to the CA's procedure;\n"
	    "  a hold comes only from card lost\n"
	    "example: certctl revoke 1A2B3C --reason keyCompromise\n" },
	{ "show", "show SERIAL [--ca NAME]\n"
	    "example: certctl show 1A2B3C\n" },
	{ "list", "list [--resident UID] [--card N] [--status good|revoked|hold|expired]\n"
	    "  a resident or card that does not exist is refused\n"
	    "example: certctl list --resident R0001 --status good\n" },
	{ "audit", "audit verify [--head HEX]\n"
	    "audit show [--limit N] [--refused]\n"
	    "  --refused: only refused attempts (who, where, what, why)\n"
	    "example: certctl audit show --refused --limit 20\n" },
	{ "crl", "crl generate [--ca NAME] [--delta-only]\n"
	    "example: certctl crl generate\n" },
	{ "party", "party add NAME --cert FILE [--note TEXT] [--rate N]\n"
	    "  register a relying party (signature verifier) by the certificate\n"
	    "  it sent: one end-entity certificate, PEM or DER, valid now.\n"
	    "  NAME: 1-64 of A-Z a-z 0-9 . _ -; --rate: requests per second\n"
	    "  the server allows it, 0 (no limit, the default) to 100000\n"
	    "party list [--all]\n"
	    "  the parties registered now (--all: the removed ones too)\n"
	    "party remove NAME\n"
	    "  the server refuses it from its next registry poll; the record\n"
	    "  stays (party list --all) and the name may be registered again\n"
	    "example: certctl party add bank-a --cert bank-a.pem --note \"Bank A, contract 12\"\n" },
	{ "backup", "backup FILE\n"
	    "  a consistent copy of the live registry (SQLite online backup),\n"
	    "  checked (integrity and audit chain); prints the audit head\n"
	    "restore FILE [--head HEX]\n"
	    "  put a checked copy back (the replaced one is kept beside it)\n"
	    "example: certctl backup /var/backups/certstatus-$(date +%F).db\n" },
	{ "restore", "restore FILE [--head HEX]\n"
	    "  see certctl help backup\n"
	    "example: certctl restore /var/backups/certstatus-2026-12-01.db\n" },
	{ "demo", "demo DIR [--extra N] [--key-algorithm A] [--port N] [--no-crl]\n"
	    "     [--pkcs11 URI --pkcs11-module SO --pkcs11-pin-file F]\n"
	    "example: certctl demo /tmp/demo\n" },
};

static int
cmd_help(struct ctx *c, int argc, char **argv)
{
	(void)c;
	if (argc < 2) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(verb_help) / sizeof(verb_help[0]); i++)
		if (strcmp(verb_help[i].verb, argv[1]) == 0) {
			fputs(verb_help[i].text, stdout);
			return EXIT_OK;
		}
	return usage("no verb \"%s\" (certctl help lists every verb)", argv[1]);
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
	{ "party",	cmd_party },
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

	/* --operator, else CERTSTATUS_OPERATOR, else the login name. */
	if ((s = getenv("CERTSTATUS_OPERATOR")) != NULL && *s != '\0')
		return s;
	if ((s = getlogin()) != NULL && *s != '\0')
		return s;
	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_name;
	return "unknown";
}

int
main(int argc, char **argv)
{
	struct ctx	 c;
	char		*rest[256], verb[64];
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
	/* What a refusal record names: "card unlock", its first argument. */
	if (n >= 2 && strstr(" ca resident card password audit crl party ",
	    rest[0]) != NULL && strncmp(rest[1], "--", 2) != 0) {
		snprintf(verb, sizeof(verb), "%.20s %.20s", rest[0], rest[1]);
		if (n >= 3 && strncmp(rest[2], "--", 2) != 0)
			c.verb_subject = rest[2];
	} else {
		snprintf(verb, sizeof(verb), "%.20s", rest[0]);
		if (n >= 2 && strncmp(rest[1], "--", 2) != 0)
			c.verb_subject = rest[1];
	}
	c.verb = verb;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verbs[i].name, rest[0]) != 0)
			continue;
		rc = verbs[i].fn(&c, n, rest);
		ctx_close(&c);
		return rc;
	}
	return usage("unknown verb \"%s\"", rest[0]);
}
