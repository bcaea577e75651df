/* SPDX-License-Identifier: ISC */
/*
 * cmd_crl.c: crl generate: sign and store an issuer's full and delta CRLs
 * with its CA key (for operators who keep the CA key away from the server;
 * the server then serves what is stored).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certctl.h"
#include "clock.h"
#include "crlpub.h"
#include "issuance.h"

static json_t *
result_json(const char *issuer, const struct crlpub_result *res, double secs)
{
	json_t		*j;
	char		 tu[24], nu[24], dnu[24];

	clock_format_iso(res->this_update, tu);
	clock_format_iso(res->next_update, nu);
	clock_format_iso(res->delta_next_update, dnu);
	j = json_pack("{s:s,s:I,s:s,s:f}", "issuer", issuer, "change_seq",
	    (json_int_t)res->change_seq, "this_update", tu, "seconds", secs);
	if (res->full_number >= 0)
		json_object_set_new(j, "full", json_pack("{s:I,s:I,s:I,s:s}",
		    "number", (json_int_t)res->full_number, "entries",
		    (json_int_t)res->full_entries, "bytes",
		    (json_int_t)res->full_len, "next_update", nu));
	json_object_set_new(j, "delta", json_pack("{s:I,s:I,s:I,s:I,s:s}",
	    "number", (json_int_t)res->delta_number, "base",
	    (json_int_t)res->delta_base, "entries",
	    (json_int_t)res->delta_entries, "bytes", (json_int_t)res->delta_len,
	    "next_update", dnu));
	return j;
}

static int
crl_generate(struct ctx *c, const char *ca_name, enum crlpub_mode mode)
{
	struct issuer_row	 row;
	struct iss_ca		 ca;
	struct crlpub_issuer	 is;
	struct crlpub_result	 res;
	int64_t			 t0;
	json_t			*d = NULL;
	char			 err[512], subject[128];
	int			 rc;

	memset(&ca, 0, sizeof(ca));
	t0 = clock_mono_us();
	if ((rc = reg_issuer_get(&c->reg, ca_name, &row)) != REG_OK)
		return report(c, rc);
	if (row.ca_key == NULL) {
		rc = reg_say(&c->reg, REG_REFUSED, "issuer %s has no CA key "
		    "here (imported without --ca-key): CRLs must be signed "
		    "where its CA key is", row.name);
		reg_issuer_free(&row);
		return report(c, rc);
	}
	rc = iss_ca_load(&c->reg, row.name, &ca);
	reg_issuer_free(&row);
	if (rc != REG_OK)
		return report(c, rc);
	is.id = ca.row.id;
	is.name = ca.row.name;
	is.ca = ca.cert;
	is.key = ca.key;
	if ((rc = reg_txn_begin(&c->reg)) != REG_OK)
		goto done;
	if (crlpub_generate_tx(c->db, c->cfg, &is, mode, c->reg.now, &res, err,
	    sizeof(err)) != 0) {
		rc = reg_say(&c->reg, mode == CRLPUB_DELTA_ONLY &&
		    strstr(err, "no full CRL") != NULL ? REG_REFUSED :
		    REG_ERROR, "%s", err);
		rc = reg_txn_end(&c->reg, rc);
		goto done;
	}
	d = result_json(is.name, &res, 0);
	json_object_del(d, "seconds");
	snprintf(subject, sizeof(subject), "issuer %s", is.name);
	rc = reg_txn_end(&c->reg, reg_audit(&c->reg, "crl.generate", subject, d));
	if (rc != REG_OK)
		goto done;
	json_decref(d);
	d = result_json(is.name, &res, clock_mono_elapsed(t0));
	if (c->json) {
		json_object_set_new(d, "ok", json_true());
		print_json(d);
	} else {
		if (res.full_number >= 0)
			printf("crl %s: full CRL %lld, %zu entries, %zu bytes\n",
			    is.name, (long long)res.full_number,
			    res.full_entries, res.full_len);
		printf("crl %s: delta CRL %lld (base %lld), %zu entries, "
		    "%zu bytes\n", is.name, (long long)res.delta_number,
		    (long long)res.delta_base, res.delta_entries, res.delta_len);
		printf("  in %.3f s (recorded at %s by %s)\n",
		    clock_mono_elapsed(t0), c->office, c->operator_name);
	}
 done:
	json_decref(d);
	iss_ca_free(&ca);
	return rc == REG_OK ? EXIT_OK : report(c, rc);
}

int
cmd_crl(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "ca", 1 }, { "delta-only", 0 }, { NULL, 0 },
	};
	struct opts	 o;
	int		 rc;

	if (argc < 2 || strcmp(argv[1], "generate") != 0)
		return usage("crl generate [--ca NAME] [--delta-only]");
	if (opts_parse(argc - 2, argv + 2, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 0)
		return usage("crl generate [--ca NAME] [--delta-only]");
	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	return crl_generate(c, opt(&o, defs, "ca"), opt(&o, defs,
	    "delta-only") != NULL ? CRLPUB_DELTA_ONLY : CRLPUB_FULL_AND_DELTA);
}
