/*
 * prepare.c: the synchronous part of answering an OCSP request (see
 * prepare.h), split out of responder.c so that it runs, and is fuzzed,
 * without evhttp, signer workers or the response cache.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "ocsp_http.h"
#include "prepare.h"
#include "server.h"

/* Fill one SingleResponse from the registry's view of the certificate. */
void
responder_single(struct server *s, const struct cert_status *cs,
    struct ocsp_single *one, int *extended_revoke)
{
	if (ocsp_http_status(cs, s->conf->unknown_serial == UNKNOWN_AS_REVOKED,
	    one))
		*extended_revoke = 1;
	switch (one->status) {
	case OCSP_ST_GOOD:
		s->metrics.ocsp_cert[0]++;
		break;
	case OCSP_ST_REVOKED:
		s->metrics.ocsp_cert[1]++;
		break;
	default:
		s->metrics.ocsp_cert[2]++;
	}
}

int
responder_parse(struct server *s, const unsigned char *der, size_t len,
    struct ocsp_request *r, struct issuer **is, const char **why)
{
	*is = NULL;
	if (ocsp_request_parse(der, len, (size_t)s->conf->max_certids, r,
	    why) != 0)
		return OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
	for (size_t i = 0; i < r->n && *is == NULL; i++)
		*is = issuers_match(s->issuers, &r->ids[i]);
	if (*is == NULL) {
		*why = "no CertID names an issuer of ours";
		return OCSP_RESPONSE_STATUS_UNAUTHORIZED;
	}
	if (!s->db_ok) {
		*why = s->db_error;
		return OCSP_RESPONSE_STATUS_INTERNALERROR;
	}
	return 0;
}

int
responder_build_job(struct server *s, struct ocsp_request *r,
    struct issuer *is, time_t now, unsigned char *buf, size_t size,
    size_t *len, int *cacheable, uint64_t *fp)
{
	struct ocsp_single	 singles[OCSP_JOB_ENTRIES_MAX];
	struct ocsp_job		 job;
	struct cert_status	 cs;

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

		memset(one, 0, sizeof(*one));
		one->id = r->ids[i].id;
		one->reason = -1;
		one->this_update = now;
		one->next_update = now + s->conf->ocsp_validity;
		if (!r->ids[i].serial_ok || issuers_match(s->issuers,
		    &r->ids[i]) != is) {
			one->status = OCSP_ST_UNKNOWN;
			s->metrics.ocsp_cert[2]++;
			*cacheable = 0;
			continue;
		}
		if (db_cert_status(s->db, is->id, &r->ids[i].serial, &cs) != 0) {
			if (s->db_ok)
				log_warnx("registry read failed: %s",
				    db_errmsg(s->db));
			s->db_ok = 0;
			snprintf(s->db_error, sizeof(s->db_error), "registry "
			    "read failed: %s", db_errmsg(s->db));
			return OCSP_RESPONSE_STATUS_INTERNALERROR;
		}
		if (cs.state == CERT_UNKNOWN)
			*cacheable = 0;	/* never-issued: not worth storing */
		if (i == 0)
			*fp = ocsp_http_fp(&cs);
		responder_single(s, &cs, one, &job.extended_revoke);
	}
	if (ocsp_job_encode(&job, buf, size, len) != 0)
		return OCSP_RESPONSE_STATUS_INTERNALERROR;
	return 0;
}

int
responder_prepare(struct server *s, const unsigned char *der, size_t len,
    unsigned char *buf, size_t size, size_t *job_len, const char **why)
{
	struct ocsp_request	 r;
	struct issuer		*is;
	uint64_t		 fp;
	int			 status, cacheable = 1;

	memset(&r, 0, sizeof(r));
	*why = NULL;
	if ((status = responder_parse(s, der, len, &r, &is, why)) == 0 &&
	    (status = responder_build_job(s, &r, is, clock_now(), buf, size,
	    job_len, &cacheable, &fp)) != 0)
		*why = "lookup failed";
	ocsp_request_clear(&r);
	return status;
}
