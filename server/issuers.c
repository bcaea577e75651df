/* SPDX-License-Identifier: ISC */
/*
 * issuers.c: the CAs the server answers for, read from the registry.
 * Only public material is loaded here; signer keys stay with the workers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "clock.h"
#include "log.h"
#include "pki.h"
#include "server.h"

struct issuer_set *
issuers_load(struct db *db, const struct config *conf, char *err, size_t errlen)
{
	struct issuer_set	*set;
	struct db_issuer	*rows = NULL;
	size_t			 nrows = 0;

	if ((set = calloc(1, sizeof(*set))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (db_issuers_load(db, &rows, &nrows) != 0) {
		snprintf(err, errlen, "%s: %s", db_path(db), db_errmsg(db));
		goto fail;
	}
	for (size_t i = 0; i < nrows; i++) {
		const struct db_issuer	*row = &rows[i];
		struct issuer		*is;

		if (set->n == ISSUERS_MAX) {
			snprintf(err, errlen, "more than %d issuers", ISSUERS_MAX);
			goto fail;
		}
		is = &set->v[set->n];
		is->index = (int)set->n;
		is->id = row->id;
		is->name = strdup(row->name);
		is->ca = pki_cert_from_pem(row->ca_pem,
		    strlen(row->ca_pem));
		is->signer = pki_cert_from_pem(row->signer_pem,
		    strlen(row->signer_pem));
		is->signer_key = config_path(conf, row->signer_key);
		set->n++;
		if (is->signer_key == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (is->name == NULL || is->ca == NULL || is->signer == NULL) {
			snprintf(err, errlen, "issuer %s: unreadable certificate "
			    "in the registry", is->name ? is->name : "?");
			(void)log_ssl_drain();
			goto fail;
		}
		if (X509_check_issued(is->ca, is->signer) != X509_V_OK) {
			snprintf(err, errlen, "issuer %s: signer certificate is "
			    "not issued by the CA", is->name);
			goto fail;
		}
		(void)pki_time(X509_get0_notAfter(is->signer),
		    &is->signer_not_after);
		(void)pki_time(X509_get0_notAfter(is->ca), &is->ca_not_after);
		/*
		 * A stored answer dated before this signer existed was signed
		 * by an earlier one (a restart during a re-sign): again.
		 */
		if (pki_time(X509_get0_notBefore(is->signer),
		    &is->resign_before) != 0 || is->resign_before > clock_now())
			is->resign_before = 0;
		if (ocsp_issuer_hashes(is->ca, &is->hashes) != 0) {
			snprintf(err, errlen, "issuer %s: cannot hash the CA",
			    is->name);
			goto fail;
		}
	}
	db_issuers_free(rows, nrows);
	return set;
 fail:
	db_issuers_free(rows, nrows);
	issuers_free(set);
	return NULL;
}

void
issuers_free(struct issuer_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].signer_key);
		X509_free(s->v[i].ca);
		X509_free(s->v[i].signer);
	}
	free(s);
}

struct issuer *
issuers_match(struct issuer_set *s, const struct ocsp_certid *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (ocsp_issuer_match(&s->v[i].hashes, id))
			return &s->v[i];
	return NULL;
}

struct issuer *
issuers_by_id(struct issuer_set *s, int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			return &s->v[i];
	return NULL;
}

struct issuer *
issuers_by_name(struct issuer_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

int
issuers_same(const struct issuer_set *a, const struct issuer_set *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].id != b->v[i].id ||
		    X509_cmp(a->v[i].ca, b->v[i].ca) != 0 ||
		    X509_cmp(a->v[i].signer, b->v[i].signer) != 0)
			return 0;
	return 1;
}

void
issuers_carry(struct issuer_set *next, const struct issuer_set *prev,
    time_t now)
{
	for (size_t i = 0; i < next->n; i++) {
		struct issuer		*is = &next->v[i];
		const struct issuer	*was = NULL;

		for (size_t j = 0; j < prev->n && was == NULL; j++)
			if (prev->v[j].id == is->id)
				was = &prev->v[j];
		if (was == NULL)
			continue;
		if (X509_cmp(was->signer, is->signer) == 0) {
			if (was->resign_before > is->resign_before)
				is->resign_before = was->resign_before;
			continue;
		}
		is->resign_before = now;
		log_info("issuer %s: new OCSP signer: new answers are signed "
		    "with it, the stored ones are signed again", is->name);
	}
}
