/* SPDX-License-Identifier: ISC */
/*
 * prepare.c: the synchronous part of answering an OCSP request (see
 * prepare.h): no evhttp, no signer workers, no response store, no server
 * state, so that it runs, and is fuzzed, on its own.
 */
#include <string.h>

#include <openssl/ocsp.h>

#include "prepare.h"

void
prepare_env_set(struct prepare_env *env, const struct config *conf,
    struct issuer_set *issuers, struct db *db)
{
	memset(env, 0, sizeof(*env));
	env->issuers = issuers;
	env->db = db;
	env->max_certids = (size_t)conf->max_certids;
	env->validity = conf->ocsp_validity;
	env->unknown_as_revoked = conf->unknown_serial == UNKNOWN_AS_REVOKED;
}

static void
job_start(struct prepare_job *out, time_t now, time_t validity)
{
	memset(out, 0, sizeof(*out));
	out->this_update = now;
	out->next_update = now + validity;
	out->cacheable = 1;
}

/* An empty SingleResponse for id, dated as out says. */
static void
single_start(struct ocsp_single *one, const OCSP_CERTID *id,
    const struct prepare_job *out)
{
	memset(one, 0, sizeof(*one));
	one->id = id;
	one->reason = -1;
	one->this_update = out->this_update;
	one->next_update = out->next_update;
}

/* Fill one SingleResponse from the registry's view and count it. */
static void
single_status(const struct prepare_env *env, const struct cert_status *cs,
    struct ocsp_single *one, struct ocsp_job *job, struct prepare_job *out)
{
	if (ocsp_single_status(cs, env->unknown_as_revoked, one))
		job->extended_revoke = 1;
	out->count[one->status]++;
}

int
prepare_parse(const struct prepare_env *env, const unsigned char *der,
    size_t len, struct ocsp_request *r, struct issuer **is, const char **why)
{
	int	 rc;

	*is = NULL;
	if ((rc = ocsp_request_parse(der, len, env->max_certids, r, why)) != 0)
		return rc == -2 ? OCSP_RESPONSE_STATUS_TRYLATER :
		    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
	for (size_t i = 0; i < r->n && *is == NULL; i++)
		*is = issuers_match(env->issuers, &r->ids[i]);
	if (*is == NULL) {
		*why = "no CertID names an issuer of ours";
		return OCSP_RESPONSE_STATUS_UNAUTHORIZED;
	}
	return 0;
}

int
prepare_job(const struct prepare_env *env, const struct ocsp_request *r,
    const struct issuer *is, time_t now, unsigned char *buf, size_t size,
    struct prepare_job *out)
{
	struct ocsp_single	 singles[OCSP_JOB_ENTRIES_MAX];
	struct ocsp_job		 job;
	struct cert_status	 cs;

	job_start(out, now, env->validity);
	if (r->n > OCSP_JOB_ENTRIES_MAX)
		return OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
	memset(&job, 0, sizeof(job));
	job.issuer = (uint32_t)is->index;
	job.produced_at = now;
	job.s = singles;
	job.n = r->n;
	if (r->has_nonce) {
		memcpy(job.nonce, r->nonce, r->nonce_len);
		job.nonce_len = r->nonce_len;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct ocsp_single	*one = &singles[i];

		single_start(one, r->ids[i].id, out);
		if (!r->ids[i].serial_ok || issuers_match(env->issuers,
		    &r->ids[i]) != is) {
			one->status = OCSP_ST_UNKNOWN;
			out->count[OCSP_ST_UNKNOWN]++;
			out->cacheable = 0;
			continue;
		}
		if (db_cert_status(env->db, is->id, &r->ids[i].serial, &cs) != 0) {
			out->registry_failed = 1;
			return OCSP_RESPONSE_STATUS_INTERNALERROR;
		}
		if (cs.state == CERT_UNKNOWN)
			out->cacheable = 0;	/* never-issued: not worth storing */
		if (i == 0)
			out->fp = ocsp_status_fp(&cs);
		single_status(env, &cs, one, &job, out);
	}
	if (ocsp_job_encode(&job, buf, size, &out->len) != 0)
		return OCSP_RESPONSE_STATUS_INTERNALERROR;
	return 0;
}

int
prepare_cert_job(const struct prepare_env *env, const struct cert_status *cs,
    time_t now, unsigned char *buf, size_t size, struct prepare_job *out)
{
	struct issuer		*is = issuers_by_id(env->issuers, cs->issuer_id);
	struct ocsp_single	 one;
	struct ocsp_job		 job;
	OCSP_CERTID		*id;
	ASN1_INTEGER		*ai;
	int			 rc = -1;

	job_start(out, now, env->validity);
	if (is == NULL || cs->serial.len == 0)
		return 1;
	if ((ai = serial_to_asn1(&cs->serial)) == NULL)
		return -1;
	id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(is->ca),
	    X509_get0_pubkey_bitstr(is->ca), ai);
	ASN1_INTEGER_free(ai);
	if (id == NULL)
		return -1;
	memset(&job, 0, sizeof(job));
	job.issuer = (uint32_t)is->index;
	job.produced_at = now;
	job.s = &one;
	job.n = 1;
	single_start(&one, id, out);
	single_status(env, cs, &one, &job, out);
	out->fp = ocsp_status_fp(cs);
	if (ocsp_job_encode(&job, buf, size, &out->len) == 0)
		rc = 0;
	OCSP_CERTID_free(id);
	return rc;
}

int
prepare_request(const struct prepare_env *env, const unsigned char *der,
    size_t len, time_t now, unsigned char *buf, size_t size,
    struct prepare_job *out, const char **why)
{
	struct ocsp_request	 r;
	struct issuer		*is;
	int			 status;

	memset(&r, 0, sizeof(r));
	job_start(out, now, env->validity);
	*why = NULL;
	if ((status = prepare_parse(env, der, len, &r, &is, why)) == 0 &&
	    (status = prepare_job(env, &r, is, now, buf, size, out)) != 0)
		*why = "lookup failed";
	ocsp_request_clear(&r);
	return status;
}
