/*
 * responder.c: OCSP over HTTP (RFC 6960, RFC 5019, RFC 9654).
 *
 * A request is parsed and looked up on the event loop (indexed reads and
 * memory lookups only).  Requests without a nonce for one certificate are
 * answered from pre-signed responses; everything else becomes a signing job
 * for a signer worker, and the reply is sent when the job comes back.
 * Pre-signing walks the registry in small steps from a timer, and the
 * registry is polled for changes, whose responses are dropped and re-signed
 * at once.
 *
 * The invariant: a stored answer is served only when the status it states
 * is the registry's status now, and only while this_update <= now <
 * nextUpdate.  Three things keep it:
 *  - changes: every status change bumps the registry's change_seq and is
 *    committed with an audit record; apply_changes() drops and re-signs the
 *    answers of every row changed since the change_seq seen.
 *  - history: that only works while the registry's history continues the
 *    one seen.  A restored backup (change_seq goes back, the audit record
 *    seen is gone or differs), another registry (another registry_id), or a
 *    store left by another registry is a break: check_history() then starts
 *    a new cache generation, which makes every stored answer unverified.
 *    An unverified answer is compared with the registry (ocsp_http_fp)
 *    before it is served, and the walk that starts at once confirms or
 *    re-signs each one and at its end drops what the registry no longer
 *    has.  So a revocation committed after a restore is answered revoked
 *    at once, on every path.
 *  - drift: the walk compares every stored answer's fingerprint with the
 *    registry row it reads, so even a change made behind certctl's back
 *    (no change_seq, no audit) is corrected within one pass.
 * Time: cache_get() never returns an answer dated in the future or past
 * its nextUpdate; the walk re-signs those at once, and a wall-clock step
 * (wall clock against the monotonic clock) starts a walk immediately.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ocsp.h>

#include "cache.h"
#include "clock.h"
#include "log.h"
#include "ocsp_http.h"
#include "prepare.h"
#include "server.h"
#include "signer.h"

#define CHANGES_BATCH		1000	/* registry changes read per query */
#define FLUSH_MS		100	/* cache writes are batched this long */
#define PRESIGN_IDLE_SEC	60	/* pause between passes, at least */
#define CLOCK_CHECK_MS		1000	/* wall against monotonic clock */
#define CLOCK_STEP_MS		2000	/* a larger jump is a step */

struct pending {
	struct server		*s;
	struct evhttp_request	*req;	/* NULL: pre-signing */
	int			 is_get;
	int			 cacheable;
	uint64_t		 epoch;
	struct cache_key	 key;
	time_t			 this_update, next_update;
	uint64_t		 fp;
};

struct presign {
	int64_t			 cursor;	/* certificates.id */
	int			 inflight;
	int			 walking;
	int			 epoch_bumped;	/* by the change batch in hand */
	int			 sweep;		/* drop unverified at pass end */
	int			 stalled;	/* the step stopped before a row */
	time_t			 pass_started;
	struct event		*ev;
	struct event		*flush_ev;
	struct event		*clock_ev;
	struct clock_watch	 clock;
};

static struct presign	 ps;

static void	presign_schedule(struct server *s, int msec);
static void	presign_restart(struct server *s);

/* Send an OCSPResponse, with RFC 5019 cache headers when it can be cached. */
static void
reply_ocsp(struct server *s, struct evhttp_request *req, int is_get,
    const unsigned char *der, size_t len, const struct cache_entry *ce)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);

	if (ce != NULL && is_get) {
		struct ocsp_http_cache	 h;

		ocsp_http_cache_headers(ce->this_update, ce->next_update,
		    ce->etag, clock_now(),
		    evhttp_find_header(in, "If-None-Match"),
		    evhttp_find_header(in, "If-Modified-Since"), &h);
		evhttp_add_header(out, "Last-Modified", h.last_modified);
		evhttp_add_header(out, "Expires", h.expires);
		evhttp_add_header(out, "Cache-Control", h.cache_control);
		evhttp_add_header(out, "ETag", ce->etag);
		if (h.not_modified) {
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
	reply_ocsp(s, req, 0, der, len, NULL);
}

static void
sign_done(void *arg, int status, const unsigned char *der, size_t len)
{
	struct pending	*p = arg;
	struct server	*s = p->s;

	if (status != SIGNER_OK) {
		if (p->req != NULL)
			reply_ocsp_error(s, p->req, status == SIGNER_UNAVAILABLE ?
			    OCSP_RESPONSE_STATUS_TRYLATER :
			    OCSP_RESPONSE_STATUS_INTERNALERROR);
		else
			ps.inflight--;
		free(p);
		return;
	}
	if (p->cacheable && p->epoch == s->epoch)
		(void)cache_put(s->cache, &p->key, der, len, p->this_update,
		    p->next_update, p->fp, p->req != NULL);
	if (p->req != NULL) {
		struct cache_entry	 ce;

		s->metrics.ocsp_response[0]++;
		memset(&ce, 0, sizeof(ce));
		if (p->cacheable && cache_get(s->cache, &p->key, clock_now(),
		    &ce) == 0 && ce.len == len && memcmp(ce.der, der, len) == 0)
			reply_ocsp(s, p->req, p->is_get, der, len, &ce);
		else
			reply_ocsp(s, p->req, p->is_get, der, len, NULL);
	} else {
		ps.inflight--;
		s->metrics.presigned++;
		if (ps.walking && ps.inflight < PRESIGN_INFLIGHT / 2)
			presign_schedule(s, 0);
	}
	free(p);
}

/*
 * Look up every CertID and queue the signing job.  Returns 0 when queued
 * (the reply comes from sign_done), else the OCSP error status to answer.
 */
static int
submit_job(struct server *s, struct evhttp_request *req, int is_get,
    struct ocsp_request *r, struct issuer *is, int cacheable,
    const struct cache_key *key)
{
	static unsigned char	 buf[OCSP_JOB_MAX];
	struct pending		*p;
	time_t			 now = clock_now();
	size_t			 len;
	uint64_t		 fp = 0;
	int			 status;

	if ((status = responder_build_job(s, r, is, now, buf, sizeof(buf),
	    &len, &cacheable, &fp)) != 0)
		return status;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return OCSP_RESPONSE_STATUS_TRYLATER;
	p->s = s;
	p->req = req;
	p->is_get = is_get;
	p->cacheable = cacheable;
	p->epoch = s->epoch;
	p->fp = fp;
	if (key != NULL)
		p->key = *key;
	p->this_update = now;
	p->next_update = now + s->conf->ocsp_validity;
	if (signer_submit(s->signers, buf, len, sign_done, p) != 0) {
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
stored_answer_current(struct server *s, struct issuer *is,
    const struct serial *serial, uint64_t fp)
{
	struct cert_status	 cs;

	if (db_cert_status(s->db, is->id, serial, &cs) != 0)
		return 0;
	if (cs.state != CERT_UNKNOWN && ocsp_http_fp(&cs) == fp) {
		cache_confirm(s->cache, (int)is->id, serial, fp);
		return 1;
	}
	s->metrics.store_corrected++;
	cache_drop(s->cache, (int)is->id, serial);
	return 0;
}

void
responder_handle(struct server *s, struct evhttp_request *req,
    const char *get_path)
{
	struct ocsp_request	 r;
	struct cache_key	 key;
	struct cache_entry	 ce;
	struct issuer		*is = NULL;
	unsigned char		*der = NULL;
	size_t			 len = 0;
	const char		*why = NULL;
	int			 too_large = 0, status, is_get = get_path != NULL;
	int			 single;

	memset(&r, 0, sizeof(r));
	if (is_get) {
		if (ocsp_get_decode(get_path, s->conf->max_body, &der, &len) != 0) {
			why = "bad GET encoding";
			status = OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
			goto error;
		}
	} else if ((der = http_body(req, s->conf->max_body, &len,
	    &too_large)) == NULL) {
		if (too_large) {
			http_reply_error(s, req, HTTP_ENTITYTOOLARGE,
			    "request body too large");
			return;
		}
		why = "empty body";
		status = OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
		goto error;
	}
	if ((status = responder_parse(s, der, len, &r, &is, &why)) != 0)
		goto error;
	single = r.n == 1 && !r.has_nonce && r.ids[0].serial_ok;
	if (single) {
		cache_key_set(&key, (int)is->id, r.ids[0].hash, &r.ids[0].serial);
		switch (cache_get(s->cache, &key, clock_now(), &ce)) {
		case 0:
			if (!ce.verified && !stored_answer_current(s, is,
			    &r.ids[0].serial, ce.fp))
				break;	/* the registry says otherwise: sign */
			s->metrics.ocsp_response[0]++;
			reply_ocsp(s, req, is_get, ce.der, ce.len, &ce);
			goto done;
		case 1:
			break;
		default:
			break;	/* a store read error: sign afresh */
		}
	}
	if ((status = submit_job(s, req, is_get, &r, is, single,
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

/* --- pre-signing ----------------------------------------------------------- */

static int
presign_one(struct server *s, const struct cert_status *cs)
{
	static unsigned char	 buf[OCSP_JOB_MAX];
	struct issuer		*is = issuers_by_id(s->issuers, cs->issuer_id);
	struct ocsp_single	 one;
	struct ocsp_job		 job;
	struct pending		*p;
	OCSP_CERTID		*id;
	ASN1_INTEGER		*ai;
	time_t			 now = clock_now();
	size_t			 len;
	int			 rc = -1;

	if (is == NULL || cs->serial.len == 0)
		return 0;
	if ((ai = serial_to_asn1(&cs->serial)) == NULL)
		return -1;
	id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(is->ca),
	    X509_get0_pubkey_bitstr(is->ca), ai);
	ASN1_INTEGER_free(ai);
	if (id == NULL)
		return -1;
	memset(&job, 0, sizeof(job));
	memset(&one, 0, sizeof(one));
	job.issuer = (uint32_t)is->index;
	job.produced_at = now;
	job.s = &one;
	job.n = 1;
	one.id = id;
	one.reason = -1;
	one.this_update = now;
	one.next_update = now + s->conf->ocsp_validity;
	responder_single(s, cs, &one, &job.extended_revoke);
	if (ocsp_job_encode(&job, buf, sizeof(buf), &len) != 0 ||
	    (p = calloc(1, sizeof(*p))) == NULL)
		goto done;
	p->s = s;
	p->cacheable = 1;
	p->epoch = s->epoch;
	p->fp = ocsp_http_fp(cs);
	cache_key_set(&p->key, (int)is->id, OCSP_HASH_SHA1, &cs->serial);
	p->this_update = one.this_update;
	p->next_update = one.next_update;
	if (signer_submit(s->signers, buf, len, sign_done, p) != 0) {
		free(p);
		goto done;
	}
	ps.inflight++;
	rc = 0;
 done:
	OCSP_CERTID_free(id);
	return rc;
}

/*
 * The pause between passes.  A response is re-signed by the first pass that
 * finds it older than ocsp-refresh, so it can reach refresh + pause: keep
 * that inside ocsp-validity.  A quarter of the refresh time, at least
 * PRESIGN_IDLE_SEC (a pass walks the whole registry), but never more than
 * half the slack between refresh and validity.
 */
static int
presign_pause_ms(const struct config *c)
{
	long long	 ms = (long long)c->ocsp_refresh * 1000 / 4;
	long long	 slack = ((long long)c->ocsp_validity -
			    (long long)c->ocsp_refresh) * 1000 / 2;

	if (ms < PRESIGN_IDLE_SEC * 1000LL)
		ms = PRESIGN_IDLE_SEC * 1000LL;
	if (ms > slack)
		ms = slack;
	if (ms > INT_MAX)
		ms = INT_MAX;
	return ms < 100 ? 100 : (int)ms;
}

/*
 * Does the stored answer for this registry row need signing anew?  When it
 * is missing, older than ocsp-refresh, dated in the future (the clock went
 * back), or states another status than the row.  An answer that is right
 * but unverified in this generation is confirmed here.
 */
static int
presign_needed(struct server *s, const struct cert_status *cs, time_t now)
{
	time_t		 tu;
	uint64_t	 fp, want = ocsp_http_fp(cs);
	int		 verified;

	if (!cache_stored(s->cache, (int)cs->issuer_id, &cs->serial, &tu, &fp,
	    &verified))
		return 1;
	if (fp != want) {
		s->metrics.store_corrected++;
		cache_drop(s->cache, (int)cs->issuer_id, &cs->serial);
		return 1;
	}
	if (tu > now || tu <= now - s->conf->ocsp_refresh)
		return 1;
	if (!verified)
		cache_confirm(s->cache, (int)cs->issuer_id, &cs->serial, fp);
	return 0;
}

/* One registry row of the walk: 0 to go on, 1 to stop before it. */
static int
presign_row(const struct cert_status *cs, void *arg)
{
	struct server	*s = arg;

	if (ps.inflight >= PRESIGN_INFLIGHT ||
	    (presign_needed(s, cs, clock_now()) && presign_one(s, cs) != 0)) {
		ps.stalled = 1;	/* signers busy or none: this row again later */
		return 1;
	}
	ps.cursor = cs->cert_id;
	return 0;
}

/* One step of the walk over the registry: a batch of certificates. */
static void
presign_step(evutil_socket_t fd, short what, void *arg)
{
	struct server		*s = arg;
	int			 rows;

	(void)fd;
	(void)what;
	if (!ps.walking) {
		ps.walking = 1;
		ps.cursor = 0;
		ps.pass_started = clock_now();
	}
	if (!s->db_ok || s->signers == NULL) {
		presign_schedule(s, 1000);
		return;
	}
	ps.stalled = 0;
	if ((rows = db_walk(s->db, ps.cursor, PRESIGN_BATCH, presign_row,
	    s)) < 0) {
		presign_schedule(s, 1000);
		return;
	}
	if (ps.stalled) {
		/* no signer took the row: retry soon, or when answers are back */
		if (ps.inflight < PRESIGN_INFLIGHT / 2)
			presign_schedule(s, ps.inflight == 0 ? 200 : 50);
		return;
	}
	if (rows == 0 && ps.inflight > 0) {
		presign_schedule(s, 50);	/* the last answers are signing */
		return;
	}
	if (rows == 0) {
		/* pass complete */
		ps.walking = 0;
		if (ps.sweep) {
			/* every answer the registry still has is confirmed */
			if (cache_sweep_unverified(s->cache) == 0)
				log_info("stored answers re-verified against "
				    "the registry");
			ps.sweep = 0;
		}
		s->metrics.presign_passes++;
		s->metrics.presign_done_at = clock_now();
		log_info("pre-signing pass done in %lds",
		    (long)(clock_now() - ps.pass_started));
		service_presigned(s);
		presign_schedule(s, presign_pause_ms(s->conf));
		return;
	}
	if (ps.inflight < PRESIGN_INFLIGHT / 2)
		presign_schedule(s, 0);
	/* else sign_done reschedules as jobs come back */
}

static void
presign_schedule(struct server *s, int msec)
{
	struct timeval	 tv = { msec / 1000, (msec % 1000) * 1000 };

	(void)s;
	if (ps.ev != NULL && !evtimer_pending(ps.ev, NULL))
		evtimer_add(ps.ev, &tv);
	else if (ps.ev != NULL && msec == 0) {
		evtimer_del(ps.ev);
		evtimer_add(ps.ev, &tv);
	}
}

/* Start a new pass now, from the first certificate. */
static void
presign_restart(struct server *s)
{
	ps.walking = 0;
	ps.cursor = 0;
	presign_schedule(s, 0);
}

/*
 * The wall clock against the monotonic clock: a step either way (a host
 * that booted with a wrong clock, corrected by NTP) makes the stored
 * answers' dates wrong; re-sign them now rather than at the next pass.
 */
static void
clock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	int64_t		 step;

	(void)fd;
	(void)what;
	if (!clock_watch_step(&ps.clock, CLOCK_STEP_MS, &step))
		return;
	s->metrics.clock_steps++;
	log_warnx("the wall clock stepped by %+.1f s: re-signing the stored "
	    "answers now", (double)step / 1000.0);
	presign_restart(s);
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;

	(void)fd;
	(void)what;
	(void)cache_flush(s->cache);
}

/* --- registry changes ------------------------------------------------------ */

static void
change_cb(const struct cert_status *cs, void *arg)
{
	struct server	*s = arg;

	if (!ps.epoch_bumped) {
		/*
		 * Jobs started before this change must not be stored.  Only a
		 * real certificate change counts: other commits (a CRL stored)
		 * change data_version too and would throw away good work.
		 */
		s->epoch++;
		ps.epoch_bumped = 1;
	}
	cache_drop(s->cache, (int)cs->issuer_id, &cs->serial);
	if (cs->change_seq > s->change_seq)
		s->change_seq = cs->change_seq;
	(void)presign_one(s, cs);	/* re-sign now, before anyone asks */
}

/*
 * The registry's history is not the one the store was derived from: make
 * every stored answer unverified and re-verify them all from now.
 */
static void
history_break(struct server *s, const char *why)
{
	s->metrics.history_breaks++;
	log_warnx("registry history changed: %s: every stored answer is "
	    "checked against the registry before it is served, and all are "
	    "re-verified now", why);
	s->epoch++;		/* answers being signed came from the old history */
	if (cache_new_generation(s->cache) != 0) {
		log_warnx("response store: cannot start a new generation: "
		    "dropping it");
		(void)cache_clear(s->cache);
	}
	ps.sweep = 1;
	presign_restart(s);
}

/*
 * Check the registry's history against the mark seen, then apply the
 * changes since.  0, or -1 on a registry read error (reported).
 */
static int
apply_changes(struct server *s)
{
	struct registry_mark	 now;
	char			 why[256];
	int			 n;

	ps.epoch_bumped = 0;
	switch (db_history_check(s->db, &s->mark, &now, why, sizeof(why))) {
	case 0:
		break;
	case 1:
		history_break(s, why);
		s->change_seq = now.change_seq;	/* nothing older to replay */
		break;
	default:
		goto fail;
	}
	do {
		if ((n = db_changes_since(s->db, s->change_seq, CHANGES_BATCH,
		    change_cb, s)) < 0)
			goto fail;
	} while (n == CHANGES_BATCH);
	/* the changes read may be newer than the mark: never older */
	if (now.change_seq < s->change_seq)
		now.change_seq = s->change_seq;
	s->change_seq = now.change_seq;
	s->mark = now;
	(void)cache_flush(s->cache);
	(void)cache_set_mark(s->cache, &s->mark);
	return 0;
 fail:
	s->db_ok = 0;
	snprintf(s->db_error, sizeof(s->db_error), "registry read failed: %s",
	    db_errmsg(s->db));
	return -1;
}

void
responder_registry_changed(struct server *s)
{
	(void)apply_changes(s);
}

int
responder_start(struct server *s)
{
	struct timeval	 flush_tv = { 0, FLUSH_MS * 1000 };
	struct timeval	 clock_tv = { CLOCK_CHECK_MS / 1000,
			    (CLOCK_CHECK_MS % 1000) * 1000 };

	ps.ev = evtimer_new(s->base, presign_step, s);
	ps.flush_ev = event_new(s->base, -1, EV_PERSIST, flush_cb, s);
	ps.clock_ev = event_new(s->base, -1, EV_PERSIST, clock_cb, s);
	if (ps.ev == NULL || ps.flush_ev == NULL || ps.clock_ev == NULL)
		return -1;
	/*
	 * The store remembers the history it reflects.  None (a new store):
	 * start empty from the registry as it is.  Otherwise the history
	 * check in apply_changes() decides between replaying the changes
	 * since and re-verifying everything.
	 */
	switch (cache_get_mark(s->cache, &s->mark)) {
	case 0:
		s->change_seq = s->mark.change_seq;
		break;
	case 1:
		(void)cache_clear(s->cache);
		if (db_registry_mark(s->db, &s->mark) != 0)
			return -1;
		s->change_seq = s->mark.change_seq;
		(void)cache_set_mark(s->cache, &s->mark);
		break;
	default:
		return -1;
	}
	/* a walk cut short (a reload, a reopen) is finished by this one */
	ps.sweep = cache_has_unverified(s->cache);
	if (apply_changes(s) != 0)
		return -1;
	if (!ps.clock.primed)
		(void)clock_watch_step(&ps.clock, CLOCK_STEP_MS, NULL);
	event_add(ps.flush_ev, &flush_tv);
	event_add(ps.clock_ev, &clock_tv);
	presign_schedule(s, 0);
	return 0;
}

/* Where pre-signing stands, for /healthz: 1 while a pass runs. */
int
responder_presigning(const struct server *s, time_t *pass_started)
{
	(void)s;
	*pass_started = ps.pass_started;
	return ps.walking;
}

/* Restart the walk (after a reload: new issuers, new keys). */
void
responder_stop(struct server *s)
{
	struct clock_watch	 clock;

	(void)s;
	if (ps.ev != NULL)
		event_free(ps.ev);
	if (ps.flush_ev != NULL)
		event_free(ps.flush_ev);
	if (ps.clock_ev != NULL)
		event_free(ps.clock_ev);
	clock = ps.clock;	/* a step during a restart is still a step */
	memset(&ps, 0, sizeof(ps));
	ps.clock = clock;
}
