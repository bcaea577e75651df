/* SPDX-License-Identifier: ISC */
/*
 * cmd_crl.c: crl generate: sign and store an issuer's full and delta CRLs
 * with its CA key (for operators who keep the CA key away from the server;
 * the server then serves what is stored).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certctl.h"
#include "clock.h"
#include "crlpub.h"
#include "issuance.h"

/*
 * The partitions: with detail every partition's numbers, else only how many
 * entries each full CRL has (the audit record: a thousand partitions stay
 * a few kilobytes there).
 */
static json_t *
parts_json(const struct crlpub_result *res, int detail)
{
	json_t	*a = json_array(), *e;

	for (size_t k = 0; a != NULL && k < res->nparts; k++) {
		const struct crlpub_part *p = &res->parts[k];

		if (!detail) {
			json_array_append_new(a, json_integer(
			    (json_int_t)p->full_entries));
			continue;
		}
		e = json_pack("{s:i}", "partition", p->part);
		if (p->full_number >= 0)
			json_object_set_new(e, "full", json_pack("{s:I,s:I,s:I}",
			    "number", (json_int_t)p->full_number, "entries",
			    (json_int_t)p->full_entries, "bytes",
			    (json_int_t)p->full_len));
		json_object_set_new(e, "delta", json_pack("{s:I,s:I,s:I,s:I}",
		    "number", (json_int_t)p->delta_number, "base",
		    (json_int_t)p->delta_base, "entries",
		    (json_int_t)p->delta_entries, "bytes",
		    (json_int_t)p->delta_len));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *
result_json(const char *issuer, const struct crlpub_result *res, double secs,
    int detail)
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
	if (res->nparts > 0)
		json_object_set_new(j, detail ? "partitions" :
		    "partition_entries", parts_json(res, detail));
	return j;
}

/* Entries per partition's full CRL: every one when few, else a summary. */
static void
parts_print(const char *issuer, const struct crlpub_result *res)
{
	size_t	 lo = SIZE_MAX, hi = 0, sum = 0, dsum = 0;

	if (res->nparts == 0)
		return;
	for (size_t k = 0; k < res->nparts; k++) {
		const struct crlpub_part *p = &res->parts[k];

		if (p->full_entries < lo)
			lo = p->full_entries;
		if (p->full_entries > hi)
			hi = p->full_entries;
		sum += p->full_entries;
		dsum += p->delta_entries;
	}
	printf("crl %s: %zu partitions (%s-0 .. %s-%zu): %zu entries in full "
	    "CRLs (%zu .. %zu each), %zu in deltas\n", issuer, res->nparts,
	    issuer, issuer, res->nparts - 1, sum, lo, hi, dsum);
	if (res->nparts > 16)
		return;
	for (size_t k = 0; k < res->nparts; k++) {
		const struct crlpub_part *p = &res->parts[k];

		if (p->full_number >= 0)
			printf("  %s-%d: full CRL %lld, %zu entries, %zu bytes; ",
			    issuer, p->part, (long long)p->full_number,
			    p->full_entries, p->full_len);
		else
			printf("  %s-%d: ", issuer, p->part);
		printf("delta CRL %lld (base %lld), %zu entries\n",
		    (long long)p->delta_number, (long long)p->delta_base,
		    p->delta_entries);
	}
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
	memset(&res, 0, sizeof(res));
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
	d = result_json(is.name, &res, 0, 0);
	json_object_del(d, "seconds");
	snprintf(subject, sizeof(subject), "issuer %s", is.name);
	rc = reg_txn_end(&c->reg, reg_audit(&c->reg, "crl.generate", subject, d));
	if (rc != REG_OK)
		goto done;
	json_decref(d);
	d = result_json(is.name, &res, clock_mono_elapsed(t0), 1);
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
		parts_print(is.name, &res);
		printf("  in %.3f s (recorded at %s by %s)\n",
		    clock_mono_elapsed(t0), c->office, c->operator_name);
	}
 done:
	json_decref(d);
	crlpub_result_free(&res);
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
