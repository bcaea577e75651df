/* SPDX-License-Identifier: ISC */
/*
 * responder.c: OCSP over HTTP (RFC 6960, RFC 5019, RFC 9654): the request
 * path.
 *
 * A request is parsed and looked up on the event loop (indexed reads and
 * memory lookups only, prepare.c).  Requests without a nonce for one
 * certificate are answered from the response store (cache.c), which the
 * pre-signing walk (presign.c) keeps filled and current; everything else
 * becomes a signing job for a signer worker, and the reply is sent when the
 * job comes back.
 *
 * The invariant of the whole answer path: a stored answer is served only
 * when the status it states is the registry's status now, and only while
 * this_update <= now < nextUpdate.  Four things keep it:
 *  - changes: every status change bumps the registry's change_seq and is
 *    committed with an audit record; apply_changes() (presign.c) drops and
 *    re-signs the answers of every row changed since the change_seq seen.
 *  - history: that only works while the registry's history continues the
 *    one seen.  A restored backup (change_seq goes back, the audit record
 *    seen is gone or differs), another registry (another registry_id), or a
 *    store left by another registry is a break: history_break() (presign.c)
 *    then starts a new cache generation, which makes every stored answer
 *    unverified.  An unverified answer is compared with the registry
 *    (ocsp_status_fp) before it is served, here in stored_answer_current(),
 *    and the walk that starts at once confirms or re-signs each one and at
 *    its end drops what the registry no longer has.  So a revocation
 *    committed after a restore is answered revoked at once, on every path.
 *  - drift: the walk compares every stored answer's fingerprint with the
 *    registry row it reads (presign_needed()), so even a change made behind
 *    certctl's back (no change_seq, no audit) is corrected within one pass.
 *  - time: cache_get() never returns an answer dated in the future or past
 *    its nextUpdate; the walk re-signs those at once, and a wall-clock step
 *    (wall clock against the monotonic clock, presign.c) starts a walk
 *    immediately.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ocsp.h>

#include "access.h"
#include "cache.h"
#include "clock.h"
#include "log.h"
#include "prepare.h"
#include "server.h"
#include "signer.h"

/*
 * Who may keep an answer (README "Who may ask").  In ocsp-access open an
 * answer to an unsigned GET is for everyone: RFC 5019 caching.  In
 * registered mode it went to one registered party, so no shared cache may
 * keep it for others ("private").  A signed request is outside RFC 5019
 * (its 2.1.2: lightweight clients do not sign) and its answer is for its
 * signer alone: "no-store".
 */
enum scope { SCOPE_PUBLIC, SCOPE_PRIVATE, SCOPE_NOSTORE };

/* A request waiting for its signing job. */
struct pending {
	struct server		*s;
	struct evhttp_request	*req;
	int			 is_get;
	enum scope		 scope;
	int			 cacheable;
	uint64_t		 epoch;
	struct cache_key	 key;
	time_t			 this_update, next_update;
	uint64_t		 fp;
};

/* Send an OCSPResponse, with RFC 5019 cache headers when it can be cached. */
static void
reply_ocsp(struct server *s, struct evhttp_request *req, int is_get,
    enum scope scope, const unsigned char *der, size_t len,
    const struct cache_entry *ce)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);

	if (ce != NULL && is_get && scope != SCOPE_NOSTORE) {
		struct condget_rep	 rep;

		condget_ocsp_rep(ce->this_update, ce->next_update, ce->etag, &rep);
		rep.private_only = scope == SCOPE_PRIVATE;
		rep.cache_max_age = (long)s->conf->cache_max_age;
		if (condget_answer(req, &rep, clock_now())) {
			s->metrics.not_modified++;
			http_reply(s, req, HTTP_NOTMODIFIED, NULL, NULL, 0);
			return;
		}
	} else
		evhttp_add_header(out, "Cache-Control", "no-store");
	http_reply(s, req, HTTP_OK, "application/ocsp-response", der, len);
}

static void
reply_ocsp_error(struct server *s, struct evhttp_request *req, int status)
{
	size_t			 len;
	const unsigned char	*der = ocsp_response_error(status, &len);

	s->metrics.ocsp_response[status & 7]++;
	reply_ocsp(s, req, 0, SCOPE_NOSTORE, der, len, NULL);
}

static void
sign_done(void *arg, int status, const unsigned char *der, size_t len)
{
	struct pending		*p = arg;
	struct server		*s = p->s;
	struct cache_entry	 ce;

	if (status != SIGNER_OK) {
		reply_ocsp_error(s, p->req, status == SIGNER_UNAVAILABLE ?
		    OCSP_RESPONSE_STATUS_TRYLATER :
		    OCSP_RESPONSE_STATUS_INTERNALERROR);
		free(p);
		return;
	}
	if (p->cacheable && p->epoch == s->epoch)
		(void)cache_put(s->cache, &p->key, der, len, p->this_update,
		    p->next_update, p->fp, 1);
	s->metrics.ocsp_response[0]++;
	memset(&ce, 0, sizeof(ce));
	if (p->cacheable && cache_get(s->cache, &p->key, clock_now(),
	    &ce) == 0 && ce.len == len && memcmp(ce.der, der, len) == 0)
		reply_ocsp(s, p->req, p->is_get, p->scope, der, len, &ce);
	else
		reply_ocsp(s, p->req, p->is_get, p->scope, der, len, NULL);
	free(p);
}

/* The registry could not be read: say so once, and until it can. */
static void
registry_failed(struct server *s)
{
	if (s->db_ok)
		log_warnx("registry read failed: %s", db_errmsg(s->db));
	s->db_ok = 0;
	snprintf(s->db_error, sizeof(s->db_error), "registry read failed: %s",
	    db_errmsg(s->db));
}

/*
 * Look up every CertID and queue the signing job.  Returns 0 when queued
 * (the reply comes from sign_done), else the OCSP error status to answer.
 */
static int
submit_job(struct server *s, struct evhttp_request *req, int is_get,
    enum scope scope, const struct prepare_env *env, const struct ocsp_request *r,
    const struct issuer *is, int cacheable, const struct cache_key *key)
{
	static unsigned char	 buf[OCSP_JOB_MAX];
	struct prepare_job	 job;
	struct pending		*p;
	int			 status;

	status = prepare_job(env, r, is, clock_now(), buf, sizeof(buf), &job);
	for (int i = 0; i < 3; i++)
		s->metrics.ocsp_cert[i] += job.count[i];
	if (job.registry_failed)
		registry_failed(s);
	if (status != 0)
		return status;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return OCSP_RESPONSE_STATUS_TRYLATER;
	p->s = s;
	p->req = req;
	p->is_get = is_get;
	p->scope = scope;
	p->cacheable = cacheable && job.cacheable;
	p->epoch = s->epoch;
	p->fp = job.fp;
	if (key != NULL)
		p->key = *key;
	p->this_update = job.this_update;
	p->next_update = job.next_update;
	if (signer_submit(s->signers, buf, job.len, sign_done, p) != 0) {
		free(p);
		return OCSP_RESPONSE_STATUS_TRYLATER;
	}
	/*
	 * If the client goes away meanwhile, evhttp detaches the request
	 * rather than freeing it, and frees it at our evhttp_send_reply().
	 */
	return 0;
}

/*
 * An answer stored before the registry's history broke: serve it only if
 * the registry states the same now.  1 when it does (and it is marked
 * verified), 0 when not (it is dropped) or the registry cannot tell.
 */
static int
stored_answer_current(struct server *s, const struct issuer *is,
    const struct serial *serial, uint64_t fp)
{
	struct cert_status	 cs;

	if (db_cert_status(s->db, is->id, serial, &cs) != 0)
		return 0;
	if (cs.state != CERT_UNKNOWN && ocsp_status_fp(&cs) == fp) {
		cache_confirm(s->cache, (int)is->id, serial, fp);
		return 1;
	}
	s->metrics.store_corrected++;
	cache_drop(s->cache, (int)is->id, serial);
	return 0;
}

/*
 * ocsp-access (access.c): 0 when the request may be answered, with *scope
 * who may keep the answer; else the OCSP status that refuses it, with why.
 */
static int
request_allowed(struct server *s, struct evhttp_request *req,
    const struct ocsp_request *r, enum scope *scope, const char **why)
{
	struct access_who	 who;
	int			 registered = s->conf->ocsp_access ==
				    OCSP_ACCESS_REGISTERED;

	switch (access_ocsp(s->access, r, registered ?
	    http_client_cert(s, req) : NULL, registered, clock_now(),
	    clock_mono_us(), &who)) {
	case ACCESS_OK:
		*scope = who.signed_req ? SCOPE_NOSTORE : registered ?
		    SCOPE_PRIVATE : SCOPE_PUBLIC;
		return 0;
	case ACCESS_SIG_REQUIRED:
		*why = who.why;
		return OCSP_RESPONSE_STATUS_SIGREQUIRED;
	case ACCESS_RATE_LIMITED:
		*why = who.why;
		return OCSP_RESPONSE_STATUS_TRYLATER;
	case ACCESS_UNAUTHORIZED:
		break;
	}
	*why = who.why;
	return OCSP_RESPONSE_STATUS_UNAUTHORIZED;
}

/* The request's DER: the GET path decoded or the POST body.  0, or the
 * OCSP error status with why set; -1 when already answered (413). */
static int
request_der(struct server *s, struct evhttp_request *req,
    const char *get_path, unsigned char **der, size_t *len, const char **why)
{
	int	 fail = 0;

	if (get_path != NULL) {
		switch (ocsp_get_decode(get_path, s->conf->max_body, der, len)) {
		case 0:
			return 0;
		case -2:
			*why = "out of memory";
			return OCSP_RESPONSE_STATUS_TRYLATER;
		}
		*why = "bad GET encoding";
		return OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
	}
	if ((*der = http_body(req, s->conf->max_body, len, &fail)) != NULL)
		return 0;
	switch (fail) {
	case HTTP_BODY_TOO_LARGE:
		http_reply_error(s, req, HTTP_ENTITYTOOLARGE,
		    "request body too large");
		return -1;
	case HTTP_BODY_NOMEM:
		*why = "out of memory";
		return OCSP_RESPONSE_STATUS_TRYLATER;
	}
	*why = "empty body";
	return OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
}

void
responder_handle(struct server *s, struct evhttp_request *req,
    const char *get_path)
{
	struct prepare_env	 env;
	struct ocsp_request	 r;
	struct cache_key	 key;
	struct cache_entry	 ce;
	struct issuer		*is = NULL;
	unsigned char		*der = NULL;
	size_t			 len = 0;
	const char		*why = NULL;
	int			 status, is_get = get_path != NULL;
	int			 single;
	enum scope		 scope = SCOPE_PUBLIC;

	memset(&r, 0, sizeof(r));
	prepare_env_set(&env, s->conf, s->issuers, s->db);
	if ((status = request_der(s, req, get_path, &der, &len, &why)) < 0)
		goto done;	/* answered */
	if (status != 0)
		goto error;
	if ((status = prepare_parse(&env, der, len, &r, &is, &why)) != 0)
		goto error;
	if ((status = request_allowed(s, req, &r, &scope, &why)) != 0)
		goto error;
	if (!s->db_ok) {
		why = s->db_error;
		status = OCSP_RESPONSE_STATUS_INTERNALERROR;
		goto error;
	}
	single = r.n == 1 && !r.has_nonce && r.ids[0].serial_ok;
	if (single) {
		cache_key_set(&key, (int)is->id, r.ids[0].hash, &r.ids[0].serial);
		switch (cache_get(s->cache, &key, clock_now(), &ce)) {
		case 0:
			if (!ce.verified && !stored_answer_current(s, is,
			    &r.ids[0].serial, ce.fp))
				break;	/* the registry says otherwise: sign */
			s->metrics.ocsp_response[0]++;
			reply_ocsp(s, req, is_get, scope, ce.der, ce.len, &ce);
			goto done;
		case 1:
			break;
		default:
			break;	/* a store read error: sign afresh */
		}
	}
	if ((status = submit_job(s, req, is_get, scope, &env, &r, is, single,
	    single ? &key : NULL)) == 0)
		goto done;
	why = status == OCSP_RESPONSE_STATUS_TRYLATER ? "signers busy" :
	    "lookup failed";
 error:
	log_debug("%s: %s: %s", __func__, http_peer(req), why ? why : "?");
	reply_ocsp_error(s, req, status);
 done:
	ocsp_request_clear(&r);
	free(der);
}
