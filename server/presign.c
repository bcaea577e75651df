/* SPDX-License-Identifier: ISC */
/*
 * presign.c: the pre-signing walk and what keeps the response store true
 * to the registry: registry changes, breaks in the registry's history, and
 * steps of the wall clock.  These are three of the four guards of the
 * invariant stated at the top of responder.c (the fourth, checking an
 * unverified answer before serving it, is on the request path).
 *
 * The walk goes over the registry in small steps from a timer (db_walk,
 * PRESIGN_BATCH rows a step, at most PRESIGN_INFLIGHT jobs at the signers)
 * and re-signs every answer that is missing, old, dated in the future or
 * states another status than its row.  The registry is polled by main.c,
 * which calls presign_registry_changed(); the answers of changed rows are
 * dropped and re-signed at once.
 *
 * The state is one struct presign reached from struct server; it lives from
 * the first presign_start() to presign_free(), across stops and starts
 * (reloads, a reopened registry), because answers still being signed come
 * back to it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cache.h"
#include "clock.h"
#include "log.h"
#include "prepare.h"
#include "server.h"
#include "signer.h"

#define CHANGES_BATCH		1000	/* registry changes read per query */
#define FLUSH_MS		100	/* cache writes are batched this long */
#define PRESIGN_IDLE_SEC	60	/* pause between passes, at least */
#define CLOCK_CHECK_MS		1000	/* wall against monotonic clock */
#define CLOCK_STEP_MS		2000	/* a larger jump is a step */

struct presign {
	struct server		*s;
	int64_t			 cursor;	/* certificates.id */
	int			 inflight;	/* jobs at the signers */
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

/* A pre-signing job at the signers. */
struct presign_job {
	struct presign		*ps;
	uint64_t		 epoch;
	struct cache_key	 key;
	time_t			 this_update, next_update;
	uint64_t		 fp;
	int			 resign;	/* replaces a previous signer's */
};

static void	presign_schedule(struct presign *ps, int msec);

static void
presign_done(void *arg, int status, const unsigned char *der, size_t len)
{
	struct presign_job	*j = arg;
	struct presign		*ps = j->ps;
	struct server		*s = ps->s;

	ps->inflight--;
	if (status == SIGNER_OK) {
		if (j->epoch == s->epoch) {
			(void)cache_put(s->cache, &j->key, der, len,
			    j->this_update, j->next_update, j->fp, 0);
			if (j->resign)
				s->metrics.resigned++;
		}
		s->metrics.presigned++;
		if (ps->walking && ps->inflight < PRESIGN_INFLIGHT / 2)
			presign_schedule(ps, 0);
	}
	free(j);
}

/* Queue the signing of one registry row's answer (resign: in place of a
 * previous signer's).  0 (also when there is nothing to sign), or -1 when
 * no signer took it. */
static int
presign_one(struct presign *ps, const struct cert_status *cs, int resign)
{
	static unsigned char	 buf[OCSP_JOB_MAX];
	struct server		*s = ps->s;
	struct prepare_env	 env;
	struct prepare_job	 job;
	struct presign_job	*j;
	int			 rc;

	prepare_env_set(&env, s->conf, s->issuers, s->db);
	if ((rc = prepare_cert_job(&env, cs, clock_now(), buf, sizeof(buf),
	    &job)) != 0)
		return rc == 1 ? 0 : -1;
	for (int i = 0; i < 3; i++)
		s->metrics.ocsp_cert[i] += job.count[i];
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->ps = ps;
	j->epoch = s->epoch;
	j->fp = job.fp;
	j->resign = resign;
	cache_key_set(&j->key, (int)cs->issuer_id, OCSP_HASH_SHA1, &cs->serial);
	j->this_update = job.this_update;
	j->next_update = job.next_update;
	if (signer_submit(s->signers, buf, job.len, presign_done, j) != 0) {
		free(j);
		return -1;
	}
	ps->inflight++;
	return 0;
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
 * back), or states another status than the row: 1.  When its issuer has a
 * new signer since the answer was signed: 2 (until then the old answer is
 * served: the old signer's certificate is still valid).  An answer that is
 * right but unverified in this generation is confirmed here.
 */
static int
presign_needed(struct server *s, const struct cert_status *cs, time_t now)
{
	struct issuer	*is = issuers_by_id(s->issuers, cs->issuer_id);
	time_t		 tu;
	uint64_t	 fp, want = ocsp_status_fp(cs);
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
	/* <=: one signed in the swap's second may be the old signer's */
	if (is != NULL && tu <= is->resign_before)
		return 2;
	if (!verified)
		cache_confirm(s->cache, (int)cs->issuer_id, &cs->serial, fp);
	return 0;
}

/* One registry row of the walk: 0 to go on, 1 to stop before it. */
static int
presign_row(const struct cert_status *cs, void *arg)
{
	struct presign	*ps = arg;
	int		 need;

	if (ps->inflight >= PRESIGN_INFLIGHT ||
	    ((need = presign_needed(ps->s, cs, clock_now())) != 0 &&
	    presign_one(ps, cs, need == 2) != 0)) {
		ps->stalled = 1; /* signers busy or none: this row again later */
		return 1;
	}
	ps->cursor = cs->cert_id;
	return 0;
}

/* The walk reached the end of the registry. */
static void
presign_pass_done(struct presign *ps)
{
	struct server	*s = ps->s;

	ps->walking = 0;
	if (ps->sweep) {
		/* every answer the registry still has is confirmed */
		if (cache_sweep_unverified(s->cache) == 0)
			log_info("stored answers re-verified against the "
			    "registry");
		ps->sweep = 0;
	}
	s->metrics.presign_passes++;
	s->metrics.presign_done_at = clock_now();
	log_info("pre-signing pass done in %lds",
	    (long)(clock_now() - ps->pass_started));
	service_presigned(s);
	presign_schedule(ps, presign_pause_ms(s->conf));
}

/* One step of the walk over the registry: a batch of certificates. */
static void
presign_step(evutil_socket_t fd, short what, void *arg)
{
	struct presign	*ps = arg;
	struct server	*s = ps->s;
	int		 rows;

	(void)fd;
	(void)what;
	if (!ps->walking) {
		ps->walking = 1;
		ps->cursor = 0;
		ps->pass_started = clock_now();
	}
	if (!s->db_ok || s->signers == NULL) {
		presign_schedule(ps, 1000);
		return;
	}
	ps->stalled = 0;
	if ((rows = db_walk(s->db, ps->cursor, PRESIGN_BATCH, presign_row,
	    ps)) < 0) {
		presign_schedule(ps, 1000);
		return;
	}
	if (ps->stalled) {
		/* no signer took the row: retry soon, or when answers are back */
		if (ps->inflight < PRESIGN_INFLIGHT / 2)
			presign_schedule(ps, ps->inflight == 0 ? 200 : 50);
		return;
	}
	if (rows == 0 && ps->inflight > 0) {
		presign_schedule(ps, 50);	/* the last answers are signing */
		return;
	}
	if (rows == 0) {
		presign_pass_done(ps);
		return;
	}
	if (ps->inflight < PRESIGN_INFLIGHT / 2)
		presign_schedule(ps, 0);
	/* else presign_done reschedules as jobs come back */
}

static void
presign_schedule(struct presign *ps, int msec)
{
	struct timeval	 tv = { msec / 1000, (msec % 1000) * 1000 };

	if (ps->ev != NULL && !evtimer_pending(ps->ev, NULL))
		evtimer_add(ps->ev, &tv);
	else if (ps->ev != NULL && msec == 0) {
		evtimer_del(ps->ev);
		evtimer_add(ps->ev, &tv);
	}
}

/* Start a new pass now, from the first certificate. */
static void
presign_restart(struct presign *ps)
{
	ps->walking = 0;
	ps->cursor = 0;
	presign_schedule(ps, 0);
}

/*
 * The wall clock against the monotonic clock: a step either way (a host
 * that booted with a wrong clock, corrected by NTP) makes the stored
 * answers' dates wrong; re-sign them now rather than at the next pass.
 */
static void
clock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct presign	*ps = arg;
	int64_t		 step;

	(void)fd;
	(void)what;
	if (!clock_watch_step(&ps->clock, CLOCK_STEP_MS, &step))
		return;
	ps->s->metrics.clock_steps++;
	log_warnx("the wall clock stepped by %+.1f s: re-signing the stored "
	    "answers now", (double)step / 1000.0);
	presign_restart(ps);
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct presign	*ps = arg;

	(void)fd;
	(void)what;
	(void)cache_flush(ps->s->cache);
}

/* --- registry changes ------------------------------------------------------ */

static void
change_cb(const struct cert_status *cs, void *arg)
{
	struct presign	*ps = arg;
	struct server	*s = ps->s;

	if (!ps->epoch_bumped) {
		/*
		 * Jobs started before this change must not be stored.  Only a
		 * real certificate change counts: other commits (a CRL stored)
		 * change data_version too and would throw away good work.
		 */
		s->epoch++;
		ps->epoch_bumped = 1;
	}
	cache_drop(s->cache, (int)cs->issuer_id, &cs->serial);
	if (cs->change_seq > s->change_seq)
		s->change_seq = cs->change_seq;
	(void)presign_one(ps, cs, 0);	/* re-sign now, before anyone asks */
}

/*
 * The registry's history is not the one the store was derived from: make
 * every stored answer unverified and re-verify them all from now.
 */
static void
history_break(struct presign *ps, const char *why)
{
	struct server	*s = ps->s;

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
	ps->sweep = 1;
	presign_restart(ps);
}

/*
 * Check the registry's history against the mark seen, then apply the
 * changes since.  0, or -1 on a registry read error (reported).
 */
static int
apply_changes(struct presign *ps)
{
	struct server		*s = ps->s;
	struct registry_mark	 now;
	char			 why[256];
	int			 n;

	ps->epoch_bumped = 0;
	switch (db_history_check(s->db, &s->mark, &now, why, sizeof(why))) {
	case 0:
		break;
	case 1:
		history_break(ps, why);
		s->change_seq = now.change_seq;	/* nothing older to replay */
		break;
	default:
		goto fail;
	}
	do {
		if ((n = db_changes_since(s->db, s->change_seq, CHANGES_BATCH,
		    change_cb, ps)) < 0)
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
presign_registry_changed(struct server *s)
{
	if (s->presign != NULL)
		(void)apply_changes(s->presign);
}

/*
 * The store remembers the history it reflects.  None (a new store): start
 * empty from the registry as it is.  Otherwise the history check in
 * apply_changes() decides between replaying the changes since and
 * re-verifying everything.  0 / -1.
 */
static int
presign_load_mark(struct server *s)
{
	switch (cache_get_mark(s->cache, &s->mark)) {
	case 0:
		s->change_seq = s->mark.change_seq;
		return 0;
	case 1:
		(void)cache_clear(s->cache);
		if (db_registry_mark(s->db, &s->mark) != 0)
			return -1;
		s->change_seq = s->mark.change_seq;
		(void)cache_set_mark(s->cache, &s->mark);
		return 0;
	default:
		return -1;
	}
}

int
presign_start(struct server *s)
{
	struct presign	*ps;
	struct timeval	 flush_tv = { 0, FLUSH_MS * 1000 };
	struct timeval	 clock_tv = { CLOCK_CHECK_MS / 1000,
			    (CLOCK_CHECK_MS % 1000) * 1000 };

	if (s->presign == NULL &&
	    (s->presign = calloc(1, sizeof(*s->presign))) == NULL)
		return -1;
	ps = s->presign;
	ps->s = s;
	ps->ev = evtimer_new(s->base, presign_step, ps);
	ps->flush_ev = event_new(s->base, -1, EV_PERSIST, flush_cb, ps);
	ps->clock_ev = event_new(s->base, -1, EV_PERSIST, clock_cb, ps);
	if (ps->ev == NULL || ps->flush_ev == NULL || ps->clock_ev == NULL ||
	    presign_load_mark(s) != 0)
		return -1;
	/* a walk cut short (a reload, a reopen) is finished by this one */
	ps->sweep = cache_has_unverified(s->cache);
	if (apply_changes(ps) != 0)
		return -1;
	if (!ps->clock.primed)
		(void)clock_watch_step(&ps->clock, CLOCK_STEP_MS, NULL);
	event_add(ps->flush_ev, &flush_tv);
	event_add(ps->clock_ev, &clock_tv);
	presign_schedule(ps, 0);
	return 0;
}

int
presign_running(const struct server *s, time_t *pass_started)
{
	*pass_started = 0;
	if (s->presign == NULL)
		return 0;
	*pass_started = s->presign->pass_started;
	return s->presign->walking;
}

void
presign_stop(struct server *s)
{
	struct presign	*ps = s->presign;

	if (ps == NULL)
		return;
	if (ps->ev != NULL)
		event_free(ps->ev);
	if (ps->flush_ev != NULL)
		event_free(ps->flush_ev);
	if (ps->clock_ev != NULL)
		event_free(ps->clock_ev);
	ps->ev = ps->flush_ev = ps->clock_ev = NULL;
	/*
	 * The next start walks afresh.  What stays: the clock watch (a step
	 * during a restart is still a step) and the count of jobs at the
	 * signers, which still come back here.
	 */
	ps->cursor = 0;
	ps->walking = ps->epoch_bumped = ps->sweep = ps->stalled = 0;
	ps->pass_started = 0;
}

void
presign_free(struct server *s)
{
	presign_stop(s);
	free(s->presign);
	s->presign = NULL;
}
