/* SPDX-License-Identifier: ISC */
/*
 * cmd_cert.c: certificates: issue (with the holder's certificate copy),
 * import, revoke, show, list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certctl.h"
#include "clock.h"
#include "issuance.h"
#include "pki.h"
#include "xalloc.h"

static const char *
kind_words(const char *kind, int ja)
{
	if (strcmp(kind, "sign") == 0)
		return ja ? "署名用電子証明書" : "signature certificate";
	return ja ? "利用者証明用電子証明書" : "user authentication certificate";
}

static void
html_put(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

int
copy_write_html(const char *path, const char *uid, const char *name,
    const char *serial, const char *issued, const char *expiry,
    const char *card_expires, const char *kind)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
	    "<title>電子証明書の写し / Electronic certificate copy</title>\n"
	    "<style>body{font-family:sans-serif;margin:2em}"
	    "table{border-collapse:collapse}td,th{border:1px solid #444;"
	    "padding:.4em .8em;text-align:left}.note{margin-top:1em;"
	    "font-weight:bold}</style></head><body>\n"
	    "<h1>電子証明書の写し<br><small>Electronic certificate copy"
	    "</small></h1>\n<table>\n", f);
	fputs("<tr><th>氏名 / Name</th><td>", f);
	html_put(f, name);
	fputs("</td></tr>\n<tr><th>住民 ID / Resident</th><td>", f);
	html_put(f, uid);
	fputs("</td></tr>\n<tr><th>種類 / Certificate</th><td>", f);
	html_put(f, kind_words(kind, 1));
	fputs(" / ", f);
	html_put(f, kind_words(kind, 0));
	fputs("</td></tr>\n<tr><th>シリアル番号 / Serial number</th><td>", f);
	html_put(f, serial);
	fputs("</td></tr>\n<tr><th>発行日 / Issue date</th><td>", f);
	html_put(f, issued);
	fputs("</td></tr>\n<tr><th>有効期限 / Expiry date</th><td>", f);
	html_put(f, expiry);
	fputs("</td></tr>\n</table>\n<p class=\"note\">", f);
	/* The two dates are different things; only say they differ when
	 * they do. */
	if (strcmp(expiry, card_expires) != 0) {
		fputs("この有効期限は、カードの有効期限（カード券面に記載、", f);
		html_put(f, card_expires);
		fputs("）とは異なります。", f);
	} else {
		fputs("この有効期限は、カードの有効期限（カード券面に記載、", f);
		html_put(f, card_expires);
		fputs("）と同じ日です。", f);
	}
	fputs("この写しは大切に保管してください。<br>\n", f);
	if (strcmp(expiry, card_expires) != 0) {
		fputs("This expiry date differs from the expiry date of the card "
		    "itself (written on the front of the card: ", f);
		html_put(f, card_expires);
		fputs(").", f);
	} else {
		fputs("This certificate expires on the same day as the card itself "
		    "(written on the front of the card: ", f);
		html_put(f, card_expires);
		fputs(").", f);
	}
	fputs(" Keep this copy in a safe place.</p>\n</body></html>\n", f);
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static char *
resident_name(struct ctx *c, const char *serial)
{
	struct serial	 s;

	if (serial_from_hex(serial, &s) != 0)
		return NULL;
	return db_cert_holder_name(c->db, &s);
}

static int
print_copy(struct ctx *c, const struct issue_result *res, const char *uid,
    const char *out, const char *keyout, const char *copy)
{
	char	 issued[11], expiry[11];
	char	*name = resident_name(c, res->serial);

	clock_format_date(res->not_before, JST_OFFSET_SEC, issued);
	clock_format_date(res->not_after, JST_OFFSET_SEC, expiry);
	if (copy != NULL && copy_write_html(copy, uid, name != NULL ? name : "",
	    res->serial, issued, expiry, res->card_expires, res->kind) != 0) {
		fprintf(stderr, "certctl: error: cannot write %s (the "
		    "certificate is recorded: serial %s)\n", copy, res->serial);
		free(name);
		return EXIT_REFUSED;
	}
	free(name);
	if (c->json) {
		json_t	*j = c->reg.result != NULL ? json_incref(c->reg.result) :
		    json_object();

		json_object_set_new(j, "ok", json_true());
		json_object_set_new(j, "issue_date_jst", json_string(issued));
		json_object_set_new(j, "expiry_date_jst", json_string(expiry));
		if (out != NULL)
			json_object_set_new(j, "out", json_string(out));
		else
			json_object_set_new(j, "pem", json_string(res->pem));
		if (keyout != NULL)
			json_object_set_new(j, "keyout", json_string(keyout));
		if (copy != NULL)
			json_object_set_new(j, "copy", json_string(copy));
		print_json(j);
		json_decref(j);
		return EXIT_OK;
	}
	printf("電子証明書の写し / Electronic certificate copy\n");
	printf("  resident / 住民:            %s\n", uid);
	printf("  certificate / 種類:         %s / %s\n", kind_words(res->kind, 1),
	    kind_words(res->kind, 0));
	printf("  serial number / シリアル番号: %s\n", res->serial);
	printf("  issue date / 発行日:        %s\n", issued);
	printf("  expiry date / 有効期限:     %s\n", expiry);
	if (strcmp(expiry, res->card_expires) != 0) {
		printf("  この有効期限はカードの有効期限（%s）とは異なります。\n",
		    res->card_expires);
		printf("  This expiry date differs from the card's own expiry "
		    "date (%s).\n", res->card_expires);
	} else {
		printf("  この有効期限はカードの有効期限（%s）と同じ日です。\n",
		    res->card_expires);
		printf("  This certificate expires on the same day as the card "
		    "itself (%s).\n", res->card_expires);
	}
	{
		json_t	*sup = json_object_get(c->reg.result, "superseded");
		json_t	*v;
		size_t	 i;

		if (json_array_size(sup) > 0) {
			printf("  renewal: the previous certificate was revoked "
			    "(superseded):");
			json_array_foreach(sup, i, v)
				printf(" %s", json_string_value(v));
			printf("\n");
		}
	}
	if (out != NULL)
		printf("certificate written to %s\n", out);
	if (keyout != NULL)
		printf("private key written to %s (mode 0600)\n", keyout);
	if (copy != NULL)
		printf("printable copy written to %s\n", copy);
	if (out == NULL)
		fputs(res->pem, stdout);
	return EXIT_OK;
}

static int
write_pem(const char *path, const char *pem)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rc = fputs(pem, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int
cmd_issue(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "card", 1 }, { "kind", 1 }, { "csr", 1 }, { "pubkey", 1 },
		{ "keyout", 1 }, { "key-algorithm", 1 }, { "issued-at", 1 },
		{ "copy", 1 }, { "ca", 1 }, { "out", 1 }, { NULL, 0 },
	};
	struct issue_req	 q;
	struct issue_result	 res;
	struct opts		 o;
	const char		*at, *out;
	char			 uid[128];
	int			 rc;

	if (opts_parse(argc - 1, argv + 1, defs, &o) != 0)
		return EXIT_USAGE;
	memset(&q, 0, sizeof(q));
	memset(&res, 0, sizeof(res));
	q.card = opt(&o, defs, "card");
	q.kind = opt(&o, defs, "kind");
	q.csr = opt(&o, defs, "csr");
	q.pubkey = opt(&o, defs, "pubkey");
	q.keyout = opt(&o, defs, "keyout");
	q.key_algorithm = opt(&o, defs, "key-algorithm");
	q.issuer = opt(&o, defs, "ca");
	out = opt(&o, defs, "out");
	if (o.npos != 0 || q.card == NULL || q.kind == NULL)
		return usage("issue --card N --kind sign|auth (--csr F | --pubkey "
		    "F | --keyout F) [--issued-at YYYY-MM-DD] [--out F] [--copy "
		    "F.html]");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if ((at = opt(&o, defs, "issued-at")) != NULL) {
		if (clock_parse(at, &q.issued) != 0)
			return refuse(c, "--issued-at must be a real date written "
			    "YYYY-MM-DD");
		/* A bare date means that day at the counter in Japan. */
		if (strlen(at) == 10)
			q.issued -= JST_OFFSET_SEC;
	}
	if ((rc = iss_issue(&c->reg, &q, &res)) != REG_OK)
		return report(c, rc);
	if (out != NULL && write_pem(out, res.pem) != 0) {
		fprintf(stderr, "certctl: error: cannot write %s (the certificate "
		    "is recorded: serial %s)\n", out, res.serial);
		iss_result_free(&res);
		return EXIT_REFUSED;
	}
	snprintf(uid, sizeof(uid), "%s", json_string_value(json_object_get(
	    c->reg.result, "resident")));
	rc = print_copy(c, &res, uid, out, q.keyout, opt(&o, defs, "copy"));
	iss_result_free(&res);
	return rc;
}

int
cmd_import(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "card", 1 }, { "kind", 1 }, { "ca", 1 }, { NULL, 0 },
	};
	struct issue_result	 res;
	struct opts		 o;
	int			 rc;

	if (opts_parse(argc - 1, argv + 1, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 1 || opt(&o, defs, "card") == NULL ||
	    opt(&o, defs, "kind") == NULL)
		return usage("import CERTFILE --card N --kind sign|auth [--ca NAME]");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	memset(&res, 0, sizeof(res));
	rc = iss_import(&c->reg, o.pos[0], opt(&o, defs, "card"),
	    opt(&o, defs, "kind"), opt(&o, defs, "ca"), &res);
	iss_result_free(&res);
	if (rc != REG_OK)
		return report(c, rc);
	return print_result(c);
}

int
cmd_revoke(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "reason", 1 }, { "ca", 1 }, { NULL, 0 },
	};
	struct opts	 o;
	const char	*reason;
	int		 rc, code;

	if (opts_parse(argc - 1, argv + 1, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 1 || (reason = opt(&o, defs, "reason")) == NULL)
		return usage("revoke SERIAL --reason R [--ca NAME]");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if ((code = reg_reason_parse(reason)) < 0)
		return refuse(c, "unknown reason \"%.64s\" (the counter uses "
		    "keyCompromise, cessationOfOperation, superseded and, for "
		    "sign certificates, affiliationChanged)", reason);
	if ((rc = reg_cert_revoke(&c->reg, o.pos[0], opt(&o, defs, "ca"),
	    code)) != REG_OK)
		return report(c, rc);
	return print_result(c);
}

static const char *
cert_jstr(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "-";
}

int
cmd_show(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = { { "ca", 1 }, { NULL, 0 } };
	struct opts	 o;
	json_t		*j;
	int		 rc;

	if (opts_parse(argc - 1, argv + 1, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 1)
		return usage("show SERIAL [--ca NAME]");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if ((j = reg_cert_show(&c->reg, o.pos[0], opt(&o, defs, "ca"))) == NULL)
		return report(c, c->reg.why[0] != '\0' &&
		    strncmp(c->reg.why, "database", 8) == 0 ? REG_ERROR :
		    REG_REFUSED);
	if (c->json)
		print_json(j);
	else {
		static const char *keys[] = { "serial", "issuer", "resident",
		    "card", "card_type", "card_state", "kind", "state", "reason",
		    "not_before", "not_after", "expiry_date_jst", "revoked_at",
		    "hold_at", NULL };

		for (int i = 0; keys[i] != NULL; i++)
			printf("%-16s %s\n", keys[i], cert_jstr(j, keys[i]));
	}
	json_decref(j);
	return EXIT_OK;
}

int
cmd_list(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "resident", 1 }, { "card", 1 }, { "status", 1 }, { NULL, 0 },
	};
	struct opts	 o;
	json_t		*a, *v;
	size_t		 i;
	int		 rc;

	if (opts_parse(argc - 1, argv + 1, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 0)
		return usage("list [--resident UID] [--card N] [--status "
		    "good|revoked|hold|expired]");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if ((a = reg_cert_list(&c->reg, opt(&o, defs, "resident"),
	    opt(&o, defs, "card"), opt(&o, defs, "status"))) == NULL)
		return report(c, strncmp(c->reg.why, "database", 8) == 0 ?
		    REG_ERROR : REG_REFUSED);
	if (c->json)
		print_json(a);
	else {
		printf("%-34s %-5s %-8s %-21s %-11s %-14s %s\n", "SERIAL", "KIND",
		    "STATE", "REASON", "EXPIRY(JST)", "CARD", "RESIDENT");
		json_array_foreach(a, i, v)
			printf("%-34s %-5s %-8s %-21s %-11s %-14s %s\n",
			    cert_jstr(v, "serial"), cert_jstr(v, "kind"),
			    cert_jstr(v, "state"), cert_jstr(v, "reason"),
			    cert_jstr(v, "expiry_date_jst"), cert_jstr(v, "card"),
			    cert_jstr(v, "resident"));
	}
	json_decref(a);
	return EXIT_OK;
}
