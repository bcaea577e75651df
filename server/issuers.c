/*
 * issuers.c: the CAs the server answers for, read from the registry.
 * Only public material is loaded here; signer keys stay with the workers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "log.h"
#include "pki.h"
#include "server.h"

struct issuer_set *
issuers_load(struct db *db, const struct config *conf, char *err, size_t errlen)
{
	struct issuer_set	*set;
	sqlite3_stmt		*st = NULL;
	int			 rc;

	if ((set = calloc(1, sizeof(*set))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_prepare_v2(db->h, "SELECT id, name, ca_cert, signer_cert, "
	    "signer_key FROM issuers ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct issuer	*is;

		if (set->n == ISSUERS_MAX) {
			snprintf(err, errlen, "more than %d issuers", ISSUERS_MAX);
			goto fail;
		}
		is = &set->v[set->n];
		is->index = (int)set->n;
		is->id = sqlite3_column_int64(st, 0);
		is->name = strdup((const char *)sqlite3_column_text(st, 1));
		is->ca = pki_cert_from_pem(
		    (const char *)sqlite3_column_text(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2));
		is->signer = pki_cert_from_pem(
		    (const char *)sqlite3_column_text(st, 3),
		    (size_t)sqlite3_column_bytes(st, 3));
		is->signer_key = config_path(conf,
		    (const char *)sqlite3_column_text(st, 4));
		set->n++;
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
		if (ocsp_issuer_hashes(is->ca, &is->hashes) != 0) {
			snprintf(err, errlen, "issuer %s: cannot hash the CA",
			    is->name);
			goto fail;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", db->path, db_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(st);
	return set;
 fail:
	sqlite3_finalize(st);
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
