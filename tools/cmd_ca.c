/* SPDX-License-Identifier: ISC */
/*
 * cmd_ca.c: issuers (ca create|import|rotate-signer|list|export) and the
 * audit log (audit verify|show).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "audit.h"
#include "certctl.h"
#include "issuance.h"
#include "pki.h"
#include "xalloc.h"

/* Write len bytes to path (or stdout when NULL); 0 / -1. */
static int
export_write(const char *path, const void *buf, size_t len)
{
	FILE	*f = stdout;
	int	 rc;

	if (path != NULL && (f = fopen(path, "wb")) == NULL)
		return -1;
	rc = fwrite(buf, 1, len, f) == len ? 0 : -1;
	if (path != NULL) {
		if (fclose(f) != 0)
			rc = -1;
	} else if (fflush(f) != 0)
		rc = -1;
	return rc;
}

/*
 * ca export NAME [--der] [--out F]: the issuer's CA certificate as the
 * registry holds it, the same bytes GET /ca/NAME.crt serves, for relying
 * parties and for the web server that publishes it.  PEM by default.
 */
static int
ca_export(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "der", 0 }, { "out", 1 }, { NULL, 0 },
	};
	struct issuer_row	 row;
	struct opts		 o;
	X509			*x = NULL;
	unsigned char		*der = NULL;
	char			*pem = NULL;
	const char		*out;
	void			*buf;
	size_t			 len;
	int			 rc, n, der_wanted;

	if (opts_parse(argc, argv, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 1)
		return usage("ca export NAME [--der] [--out F]");
	der_wanted = opt(&o, defs, "der") != NULL;
	out = opt(&o, defs, "out");
	if (c->json && der_wanted && out == NULL)
		return usage("ca export NAME --der --json needs --out F");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if ((rc = reg_issuer_get(&c->reg, o.pos[0], &row)) != REG_OK)
		return report(c, rc);
	if ((x = pki_cert_from_pem(row.ca_cert, strlen(row.ca_cert))) == NULL) {
		rc = report(c, reg_say(&c->reg, REG_ERROR, "issuer %s: stored "
		    "CA certificate does not parse", row.name));
		goto done;
	}
	if (der_wanted) {
		if ((n = i2d_X509(x, &der)) <= 0)
			fatal_oom();
		buf = der;
		len = (size_t)n;
	} else {
		if ((pem = pki_cert_to_pem(x)) == NULL)
			fatal_oom();
		buf = pem;
		len = strlen(pem);
	}
	if ((!c->json || out != NULL) && export_write(out, buf, len) != 0) {
		fprintf(stderr, "certctl: error: cannot write %s\n",
		    out != NULL ? out : "the certificate");
		rc = EXIT_REFUSED;
		goto done;
	}
	if (c->json) {
		json_t	*j = json_pack("{s:b,s:s,s:s}", "ok", 1, "issuer",
		    row.name, "format", der_wanted ? "der" : "pem");

		if (j == NULL)
			fatal_oom();
		if (out != NULL)
			json_object_set_new(j, "out", json_string(out));
		else
			json_object_set_new(j, "pem", json_string(pem));
		print_json(j);
		json_decref(j);
	} else if (out != NULL)
		printf("CA certificate of %s written to %s\n", row.name, out);
	rc = EXIT_OK;
 done:
	OPENSSL_free(der);
	free(pem);
	X509_free(x);
	reg_issuer_free(&row);
	return rc;
}

/* --days N of rotate-signer: 1 to 3660, or absent (0: the default). */
static int
rotate_days(const char *arg, int *days)
{
	char	*end;
	long	 n;

	*days = 0;
	if (arg == NULL)
		return EXIT_OK;
	n = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || n < 1 || n > 3660)
		return usage("ca rotate-signer NAME [--days 1-3660] "
		    "[--key-algorithm rsa2048|p256] [--pkcs11 pkcs11:token=L]");
	*days = (int)n;
	return EXIT_OK;
}

int
cmd_ca(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "key-algorithm", 1 }, { "ca-cert", 1 }, { "signer-cert", 1 },
		{ "signer-key", 1 }, { "ca-key", 1 }, { "pkcs11", 1 },
		{ "days", 1 },
		{ NULL, 0 },
	};
	struct opts	 o;
	const char	*sub;
	json_t		*a, *v;
	size_t		 i;
	int		 rc, days = 0;

	if (argc < 2)
		return usage("ca create|import|rotate-signer|list ...");
	sub = argv[1];
	if (strcmp(sub, "export") == 0)
		return ca_export(c, argc - 2, argv + 2);
	if (opts_parse(argc - 2, argv + 2, defs, &o) != 0)
		return EXIT_USAGE;
	if (strcmp(sub, "list") == 0) {
		if (o.npos != 0)
			return usage("ca list");
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		if ((a = reg_issuer_list(&c->reg)) == NULL)
			return report(c, REG_ERROR);
		if (c->json)
			print_json(a);
		else
			json_array_foreach(a, i, v)
				printf("%-16s certificates %-8lld CA key %-4s "
				    "signer key %s\n",
				    json_string_value(json_object_get(v, "name")),
				    (long long)json_integer_value(json_object_get(v,
				    "certificates")),
				    json_is_true(json_object_get(v, "ca_key")) ?
				    "yes" : "no",
				    json_string_value(json_object_get(v, "signer_key")));
		json_decref(a);
		return EXIT_OK;
	}
	if (o.npos != 1)
		return usage("ca %s NAME ...", sub);
	if (strcmp(sub, "create") == 0) {
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		if (opt(&o, defs, "pkcs11") != NULL)
			rc = iss_ca_create_token(&c->reg, o.pos[0], opt(&o,
			    defs, "key-algorithm"), opt(&o, defs, "pkcs11"), 0);
		else
			rc = iss_ca_create(&c->reg, o.pos[0], opt(&o, defs,
			    "key-algorithm"), 0);
	} else if (strcmp(sub, "import") == 0) {
		if (opt(&o, defs, "ca-cert") == NULL ||
		    opt(&o, defs, "signer-cert") == NULL ||
		    opt(&o, defs, "signer-key") == NULL)
			return usage("ca import NAME --ca-cert F --signer-cert F "
			    "--signer-key F [--ca-key F]");
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		rc = iss_ca_import(&c->reg, o.pos[0], opt(&o, defs, "ca-cert"),
		    opt(&o, defs, "signer-cert"), opt(&o, defs, "signer-key"),
		    opt(&o, defs, "ca-key"));
	} else if (strcmp(sub, "rotate-signer") == 0) {
		if ((rc = rotate_days(opt(&o, defs, "days"), &days)) != EXIT_OK)
			return rc;
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		rc = iss_signer_rotate(&c->reg, o.pos[0], opt(&o, defs,
		    "key-algorithm"), opt(&o, defs, "pkcs11"), days);
		if (rc == REG_OK && !c->json && c->reg.result != NULL)
			json_object_del(c->reg.result, "signer_cert");
	} else
		return usage("ca create|import|rotate-signer|list ...");
	if (rc != REG_OK)
		return report(c, rc);
	if (!c->json && c->reg.result != NULL)
		json_object_del(c->reg.result, "ca_cert");
	return print_result(c);
}

void
hash_to_hex(const unsigned char *h, char *out)
{
	static const char	 digits[] = "0123456789abcdef";

	for (int i = 0; i < AUDIT_HASH_LEN; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 0xf];
	}
	out[2 * AUDIT_HASH_LEN] = '\0';
}

int
hex_to_hash(const char *hex, unsigned char *out)
{
	unsigned char	*buf;
	long		 len = 0;
	int		 rc = -1;

	if (strlen(hex) != 2 * AUDIT_HASH_LEN ||
	    (buf = OPENSSL_hexstr2buf(hex, &len)) == NULL) {
		ERR_clear_error();
		return -1;
	}
	if (len == AUDIT_HASH_LEN) {
		memcpy(out, buf, AUDIT_HASH_LEN);
		rc = 0;
	}
	OPENSSL_free(buf);
	return rc;
}

int
cmd_audit(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = { { "limit", 1 }, { "head", 1 },
	    { "refused", 0 },
	    { NULL, 0 } };
	struct opts	 o;
	json_t		*a, *v;
	size_t		 i;
	int64_t		 count;
	char		 why[256], *end, *detail;
	const char	*lim;
	long		 limit = 20;
	int		 rc;

	if (argc < 2)
		return usage("audit verify [--head HEX] | audit show [--limit N] [--refused]");
	if (opts_parse(argc - 2, argv + 2, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 0)
		return usage("audit verify [--head HEX] | audit show [--limit N] [--refused]");
	if (strcmp(argv[1], "verify") == 0) {
		unsigned char	 head[AUDIT_HASH_LEN], anchor[AUDIT_HASH_LEN];
		char		 hex[2 * AUDIT_HASH_LEN + 1];
		const char	*want = opt(&o, defs, "head");

		if (want != NULL && hex_to_hash(want, anchor) != 0) {
			fprintf(stderr, "certctl: refused: --head wants the 64 "
			    "hex digits that audit verify printed\n");
			return EXIT_REFUSED;
		}
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		rc = audit_verify_anchored(c->db, want != NULL ? anchor : NULL,
		    &count, head, why, sizeof(why));
		hash_to_hex(head, hex);
		if (c->json) {
			json_t	*j = json_pack("{s:b,s:I,s:s,s:s}", "ok", rc == 0,
			    "records", (json_int_t)count, "head", hex,
			    "result", why);

			print_json(j);
			json_decref(j);
		}
		if (rc == 0) {
			if (!c->json)
				printf("audit log intact: %lld records, head %s\n",
				    (long long)count, hex);
			return EXIT_OK;
		}
		fprintf(stderr, "certctl: %s: audit log %s: %s\n", rc > 0 ?
		    "refused" : "error", rc > 0 ? "broken" : "unreadable", why);
		return EXIT_REFUSED;
	}
	if (strcmp(argv[1], "show") != 0)
		return usage("audit verify [--head HEX] | audit show [--limit N] [--refused]");
	if ((lim = opt(&o, defs, "limit")) != NULL) {
		limit = strtol(lim, &end, 10);
		if (*lim == '\0' || *end != '\0' || limit < 0)
			return usage("--limit takes a number (0: all)");
	}
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if ((a = reg_audit_show(&c->reg, (int)limit,
	    opt(&o, defs, "refused") != NULL)) == NULL)
		return report(c, REG_ERROR);
	if (c->json)
		print_json(a);
	else
		json_array_foreach(a, i, v) {
			detail = json_dumps(json_object_get(v, "detail"),
			    JSON_COMPACT | JSON_SORT_KEYS);
			printf("%lld %s %s [%s] %s %s %s\n",
			    (long long)json_integer_value(json_object_get(v, "id")),
			    json_string_value(json_object_get(v, "at")),
			    json_string_value(json_object_get(v, "operator")),
			    json_string_value(json_object_get(v, "office")),
			    json_string_value(json_object_get(v, "action")),
			    json_string_value(json_object_get(v, "subject")),
			    detail != NULL ? detail : "");
			free(detail);
		}
	json_decref(a);
	return EXIT_OK;
}
