/* SPDX-License-Identifier: ISC */
/*
 * crl.c: the CRL endpoints and, when the config names crl-key, CRL
 * generation.
 *
 * Serving: GET /crl/<issuer>.crl and /crl/<issuer>-delta.crl answer with the
 * newest full / delta CRL stored in the registry's crls table (by certctl
 * crl generate or by our own generator), and /crl/<issuer>-<k>.crl and
 * <issuer>-<k>-delta.crl those of partition k (crl-partitions; 404 for a
 * partition with nothing stored), kept in memory per issuer and
 * re-read when the registry's data_version moves.  A new CRL becomes
 * visible only when its transaction commits, so publication is atomic: the
 * previous CRL is served until then.
 *
 * Generating: the network process never holds the CA key.  It runs
 * "certstatusd --crl-child CONF" (proc_spawn(): fork + exec of our image, a
 * fresh process with its own SQLite connection), which loads crl-key, and for every issuer
 * whose CA certificate matches it and which crlpub_needed() says is due,
 * writes a full and a delta CRL (crlpub_generate) and exits.  Runs are
 * started crl-debounce after the last registry change (at most
 * DEBOUNCE_MAX_FACTOR debounces after the first pending one), when the
 * newest CRLs reach half their validity, and at start when they are missing
 * or stale.  One child at a time; a change during a run queues one more.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "access.h"
#include "clock.h"
#include "condget.h"
#include "crlpub.h"
#include "log.h"
#include "pki.h"
#include "proc.h"
#include "server.h"

#define CRL_MAX_AGE_SEC		60	/* caches revalidate at least this often */
#define CRL_RETRY_SEC		60	/* after a failed run; floor of the refresh timer */
#define CHILD_POLL_MS		20	/* how often a running child is checked */
#define CHILD_MAX_SEC		600	/* a run taking longer is killed */
#define DEBOUNCE_MAX_FACTOR	10	/* changes never postpone a run beyond this */

struct crl_doc {
	unsigned char	*der;
	size_t		 len;
	int64_t		 number;	/* 0: none */
	time_t		 this_update, next_update;
	char		 etag[CONDGET_ETAG_SIZE];
};

/* One partition's CRLs (crl-partitions): /crl/<issuer>-<k>[-delta].crl. */
struct crl_part {
	struct crl_doc	 full, delta;
};

struct crl_entry {
	int64_t		 issuer_id;
	char		 name[128];
	struct crl_doc	 full, delta;	/* the unpartitioned CRL */
	struct crl_part	*parts;		/* indexed by k; malloc'd */
	size_t		 nparts;
};

struct crl_state {
	struct crl_entry v[ISSUERS_MAX];
	size_t		 n;
	int		 generate;		/* crl-key configured */
	struct event	*debounce_ev, *refresh_ev, *child_ev;
	pid_t		 child;
	time_t		 child_started;
	time_t		 pending_since;		/* first change not yet run */
	int		 again;			/* changes arrived during a run */
};

static void	crl_run(struct server *s);

static void
doc_clear(struct crl_doc *d)
{
	free(d->der);
	memset(d, 0, sizeof(*d));
}

static void
entry_clear(struct crl_entry *e)
{
	doc_clear(&e->full);
	doc_clear(&e->delta);
	for (size_t k = 0; k < e->nparts; k++) {
		doc_clear(&e->parts[k].full);
		doc_clear(&e->parts[k].delta);
	}
	free(e->parts);
	e->parts = NULL;
	e->nparts = 0;
}

/*
 * Read the newest full (delta == 0) or delta CRL of issuer e's scope part
 * (-1: unpartitioned) into d if it is not the one d holds.
 */
static int
doc_load(struct db *db, struct crl_entry *e, int part, int delta,
    struct crl_doc *d)
{
	struct db_crl	 row;
	int		 rc = -1, got;
	int64_t		 number;

	if ((got = db_crl_newest_part(db, e->issuer_id, part, delta ?
	    DB_CRL_DELTA : DB_CRL_FULL, d->number, &row)) < 0)
		goto done;
	if (got == 1) {		/* the one we hold */
		rc = 0;
		goto done;
	}
	doc_clear(d);
	if ((number = row.number) == 0) {	/* none stored */
		rc = 0;
		goto done;
	}
	d->der = row.der;
	d->len = row.len;
	d->number = number;
	d->this_update = row.this_update;
	d->next_update = row.next_update;
	condget_etag(d->der, d->len, d->etag);
	log_debug("crl %s: %s CRL %lld of partition %d loaded (%zu bytes)",
	    e->name, delta ? "delta" : "full", (long long)number, part, d->len);
	rc = 0;
 done:
	if (rc != 0) {
		log_warnx("crl %s: reading the stored CRL: %s", e->name,
		    db_errmsg(db));
		doc_clear(d);
	}
	return rc;
}

/*
 * Re-read issuer e's CRLs that moved.  One query gives every scope's newest
 * numbers, so only what changed is read again: with a thousand partitions a
 * registry change costs one read here, not two thousand.
 */
static void
entry_load(struct db *db, struct crl_entry *e)
{
	struct db_crl_head	*h = NULL;
	struct crl_part		*np;
	size_t			 nh = 0, want = 0, i;
	int			 seen_top = 0;

	if (db_crl_heads(db, e->issuer_id, &h, &nh) != 0) {
		log_warnx("crl %s: reading the stored CRLs: %s", e->name,
		    db_errmsg(db));
		return;		/* keep serving what we hold */
	}
	for (i = 0; i < nh; i++)
		if (h[i].part >= 0 && (size_t)h[i].part + 1 > want)
			want = (size_t)h[i].part + 1;
	if (want > e->nparts) {
		if ((np = reallocarray(e->parts, want, sizeof(*np))) == NULL) {
			log_warnx("crl %s: out of memory for %zu partitions",
			    e->name, want);
			want = e->nparts;
		} else {
			memset(np + e->nparts, 0, (want - e->nparts) *
			    sizeof(*np));
			e->parts = np;
			e->nparts = want;
		}
	}
	for (i = 0; i < nh; i++) {
		struct crl_doc	*full, *delta;

		if (h[i].part < 0) {
			full = &e->full;
			delta = &e->delta;
			seen_top = 1;
		} else if ((size_t)h[i].part < e->nparts) {
			full = &e->parts[h[i].part].full;
			delta = &e->parts[h[i].part].delta;
		} else
			continue;
		if (h[i].full != full->number)
			(void)doc_load(db, e, h[i].part, 0, full);
		if (h[i].delta != delta->number)
			(void)doc_load(db, e, h[i].part, 1, delta);
	}
	if (!seen_top) {	/* none stored (or all removed) */
		doc_clear(&e->full);
		doc_clear(&e->delta);
	}
	free(h);
}

/* Follow the issuer set and re-read what changed in the crls table. */
static void
crl_reload(struct server *s)
{
	struct crl_state	*c = s->crl;
	struct crl_entry	 old[ISSUERS_MAX];
	size_t			 nold = c->n;

	memcpy(old, c->v, sizeof(old));
	memset(c->v, 0, sizeof(c->v));
	c->n = 0;
	for (size_t i = 0; i < s->issuers->n; i++) {
		struct issuer		*is = &s->issuers->v[i];
		struct crl_entry	*e = &c->v[c->n++];

		for (size_t k = 0; k < nold; k++)
			if (old[k].issuer_id == is->id) {
				*e = old[k];
				memset(&old[k], 0, sizeof(old[k]));
				old[k].issuer_id = -1;
				break;
			}
		e->issuer_id = is->id;
		snprintf(e->name, sizeof(e->name), "%s", is->name);
		entry_load(s->db, e);
	}
	for (size_t k = 0; k < nold; k++)
		entry_clear(&old[k]);
}

/* 1 when some issuer is due for new CRLs; *refresh_at: the earliest due time. */
static int
crl_due(struct server *s, time_t now, time_t *refresh_at)
{
	int	 due = 0;
	time_t	 r;

	*refresh_at = 0;
	for (size_t i = 0; i < s->issuers->n; i++) {
		if (crlpub_needed(s->db, s->conf, s->issuers->v[i].id, now, &r) != 0)
			due = 1;
		if (r != 0 && (*refresh_at == 0 || r < *refresh_at))
			*refresh_at = r;
	}
	return due;
}

static void
arm_refresh(struct server *s)
{
	struct crl_state	*c = s->crl;
	struct timeval		 tv = { CRL_RETRY_SEC, 0 };
	time_t			 now = clock_now(), at;

	(void)crl_due(s, now, &at);
	if (at > now + CRL_RETRY_SEC)
		tv.tv_sec = at - now;
	evtimer_add(c->refresh_ev, &tv);
}

static void
child_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	struct crl_state *c = s->crl;
	struct timeval	 tv = { 0, CHILD_POLL_MS * 1000 };
	int		 status;
	pid_t		 pid;

	(void)fd;
	(void)what;
	if ((pid = waitpid(c->child, &status, WNOHANG)) == 0) {
		if (clock_now() - c->child_started > CHILD_MAX_SEC) {
			log_warnx("crl: generation took over %d s: stopping it",
			    CHILD_MAX_SEC);
			kill(c->child, SIGKILL);
		}
		evtimer_add(c->child_ev, &tv);
		return;
	}
	if (pid == -1)
		log_warn("crl: waitpid");
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("crl: generation failed (%s %d): retrying in %d s",
		    WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ?
		    WEXITSTATUS(status) : WTERMSIG(status), CRL_RETRY_SEC);
	c->child = -1;
	crl_reload(s);
	if (c->again) {
		c->again = 0;
		if (crl_due(s, clock_now(), &(time_t){ 0 })) {
			crl_run(s);
			return;
		}
	}
	arm_refresh(s);
}

static void
crl_run(struct server *s)
{
	struct crl_state	*c = s->crl;
	struct timeval		 tv = { 0, CHILD_POLL_MS * 1000 };
	pid_t			 pid;

	if (c->child > 0) {
		c->again = 1;
		return;
	}
	c->pending_since = 0;
	/* fork + exec of our image (proc.c), handed only the config's path */
	if ((pid = proc_spawn(PROC_CRL, s->conf->path, NULL, 0)) == -1) {
		log_warn("crl: spawn");
		arm_refresh(s);
		return;
	}
	c->child = pid;
	c->child_started = clock_now();
	evtimer_del(c->refresh_ev);
	evtimer_add(c->child_ev, &tv);
}

static void
debounce_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	crl_run(arg);
}

static void
refresh_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	time_t		 at;

	(void)fd;
	(void)what;
	if (crl_due(s, clock_now(), &at))
		crl_run(s);
	else
		arm_refresh(s);
}

int
crl_start(struct server *s, char *err, size_t errlen)
{
	struct crl_state	*c;
	time_t			 at;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->crl = c;
	c->child = -1;
	crl_reload(s);
	if (s->conf->crl_key == NULL)
		return 0;
	if (proc_self_open(NULL) != 0) {
		snprintf(err, errlen, "cannot find our own executable to run the "
		    "CRL generator: %s", strerror(errno));
		return -1;
	}
	c->generate = 1;
	c->debounce_ev = evtimer_new(s->base, debounce_cb, s);
	c->refresh_ev = evtimer_new(s->base, refresh_cb, s);
	c->child_ev = evtimer_new(s->base, child_cb, s);
	if (c->debounce_ev == NULL || c->refresh_ev == NULL ||
	    c->child_ev == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	log_info("crl: signing CRLs with %s (debounce %lld s)", s->conf->crl_key,
	    (long long)s->conf->crl_debounce);
	if (crl_due(s, clock_now(), &at))
		crl_run(s);
	else
		arm_refresh(s);
	return 0;
}

void
crl_registry_changed(struct server *s)
{
	struct crl_state	*c = s->crl;
	struct timeval		 tv = { 0, 0 };
	time_t			 now = clock_now(), at;

	if (c == NULL)
		return;
	crl_reload(s);
	if (!c->generate)
		return;
	if (c->child > 0) {
		c->again = 1;
		return;
	}
	if (!crl_due(s, now, &at))
		return;
	if (c->pending_since == 0)
		c->pending_since = now;
	else if (now - c->pending_since >= DEBOUNCE_MAX_FACTOR *
	    s->conf->crl_debounce && evtimer_pending(c->debounce_ev, NULL))
		return;		/* keep the armed deadline */
	tv.tv_sec = s->conf->crl_debounce;
	evtimer_add(c->debounce_ev, &tv);
}

/* The issuer named exactly by name[0 .. len). */
static struct crl_entry *
entry_named(struct crl_state *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->v[i].name) == len &&
		    strncmp(c->v[i].name, name, len) == 0)
			return &c->v[i];
	return NULL;
}

/*
 * <issuer>.crl, <issuer>-delta.crl, <issuer>-<k>.crl, <issuer>-<k>-delta.crl.
 * An issuer's own name wins over a partition reading (issuer names may end
 * in "-<digits>"); k is canonical decimal (no leading zero), so one CRL has
 * one URL, the one its IDP names.
 */
static struct crl_doc *
crl_find(struct crl_state *c, const char *name)
{
	struct crl_entry	*e;
	size_t			 len = strlen(name), stem, d;
	int			 delta = 0;
	long			 k = 0;

	if (len < 5 || strcmp(name + len - 4, ".crl") != 0)
		return NULL;
	stem = len - 4;
	if ((e = entry_named(c, name, stem)) != NULL)
		return &e->full;
	if (stem >= 7 && strncmp(name + stem - 6, "-delta", 6) == 0) {
		stem -= 6;
		delta = 1;
		if ((e = entry_named(c, name, stem)) != NULL)
			return &e->delta;
	}
	/* "-<k>" */
	for (d = stem; d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9'; d--)
		;
	if (d == stem || d < 2 || name[d - 1] != '-' || stem - d > 4 ||
	    (name[d] == '0' && stem - d > 1))
		return NULL;
	for (size_t i = d; i < stem; i++)
		k = k * 10 + (name[i] - '0');
	if ((e = entry_named(c, name, d - 1)) == NULL || (size_t)k >= e->nparts)
		return NULL;
	return delta ? &e->parts[k].delta : &e->parts[k].full;
}

void
crl_handle(struct server *s, struct evhttp_request *req, const char *name)
{
	struct crl_doc		*d;
	struct condget_rep	 rep;
	struct access_who	 who;
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	int			 registered = s->conf->ocsp_access ==
				    OCSP_ACCESS_REGISTERED;

	/* in registered mode, only to a party's client certificate (access.c) */
	switch (access_crl(s->access, registered ? http_client_cert(s, req) :
	    NULL, registered, clock_now(), clock_mono_us(), &who)) {
	case ACCESS_OK:
		break;
	case ACCESS_RATE_LIMITED:
		evhttp_add_header(out, "Retry-After", "1");
		http_reply_error(s, req, 429, who.why);
		return;
	default:
		http_reply_error(s, req, 403, who.why);
		return;
	}
	if (s->crl == NULL || (d = crl_find(s->crl, name)) == NULL ||
	    d->der == NULL) {
		http_reply_error(s, req, HTTP_NOTFOUND, "no such CRL");
		return;
	}
	memset(&rep, 0, sizeof(rep));
	rep.etag = d->etag;
	rep.last_modified = d->this_update;
	rep.expires = d->next_update;
	rep.max_age_cap = CRL_MAX_AGE_SEC;
	rep.private_only = registered;
	rep.cache_max_age = (long)s->conf->cache_max_age;
	if (condget_answer(req, &rep, clock_now())) {
		s->metrics.not_modified++;
		http_reply(s, req, HTTP_NOTMODIFIED, NULL, NULL, 0);
		return;
	}
	http_reply(s, req, HTTP_OK, "application/pkix-crl", d->der, d->len);
}

void
crl_stop(struct server *s)
{
	struct crl_state	*c = s->crl;

	if (c == NULL)
		return;
	if (c->child > 0) {
		/* a run cut short rolls back; the next start runs again */
		kill(c->child, SIGTERM);
		(void)waitpid(c->child, NULL, 0);
	}
	if (c->debounce_ev != NULL)
		event_free(c->debounce_ev);
	if (c->refresh_ev != NULL)
		event_free(c->refresh_ev);
	if (c->child_ev != NULL)
		event_free(c->child_ev);
	for (size_t i = 0; i < c->n; i++)
		entry_clear(&c->v[i]);
	free(c);
	s->crl = NULL;
}

/*
 * The generator process (certstatusd --crl-child CONF): sign and store CRLs
 * for every issuer the crl-key belongs to that is due.  Exit 0, or 1 when
 * some issuer failed.
 */
int
crl_child_main(int argc, char **argv)
{
	struct config	*conf = NULL;
	struct db	*db = NULL;
	EVP_PKEY	*key = NULL;
	struct db_issuer *rows = NULL;
	size_t		 nrows = 0;
	char		 err[CONFIG_ERR_MAX];
	int		 rc = 1, failed = 0;
	time_t		 now = clock_now();

	log_init("certstatusd/crl", LOG_LVL_INFO);
	if (argc != 3) {
		log_warnx("usage: certstatusd %s CONF", procs[PROC_CRL].flag);
		return 2;
	}
	if ((conf = config_load(argv[2], err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto done;
	}
	if (conf->crl_key == NULL) {
		log_warnx("%s: no crl-key", argv[2]);
		goto done;
	}
	if ((key = pki_key_load(conf->crl_key, err, sizeof(err))) == NULL) {
		log_warnx("crl-key: %s", err);
		goto done;
	}
	if ((db = db_open(conf->database, DB_READWRITE, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto done;
	}
	if (db_issuers_load(db, &rows, &nrows) != 0) {
		log_warnx("%s: %s", db_path(db), db_errmsg(db));
		goto done;
	}
	for (size_t i = 0; i < nrows; i++) {
		struct crlpub_issuer	 is;
		struct crlpub_result	 res = { 0 };
		const char		*pem = rows[i].ca_pem;
		X509			*ca;

		is.id = rows[i].id;
		is.name = rows[i].name;
		is.key = key;
		if (pem == NULL || (ca = pki_cert_from_pem(pem, strlen(pem))) == NULL)
			continue;
		is.ca = ca;
		if (!pki_cert_matches_key(ca, key) ||
		    crlpub_needed(db, conf, is.id, now, NULL) == 0) {
			X509_free(ca);
			continue;
		}
		if (crlpub_generate(db, conf, &is, CRLPUB_FULL_AND_DELTA, now,
		    &res, err, sizeof(err)) != 0) {
			log_warnx("crl %s: %s", is.name, err);
			failed++;
		} else {
			size_t	 sum = 0;

			for (size_t k = 0; k < res.nparts; k++)
				sum += res.parts[k].full_entries;
			log_info("crl %s: full CRL %lld (%zu entries), delta CRL "
			    "%lld (base %lld, %zu entries), %zu partitions (%zu "
			    "entries), registry change %lld", is.name,
			    (long long)res.full_number, res.full_entries,
			    (long long)res.delta_number, (long long)res.delta_base,
			    res.delta_entries, res.nparts, sum,
			    (long long)res.change_seq);
		}
		crlpub_result_free(&res);
		X509_free(ca);
	}
	rc = failed ? 1 : 0;
 done:
	db_issuers_free(rows, nrows);
	db_close(db);
	EVP_PKEY_free(key);
	config_free(conf);
	return rc;
}

int
crl_times(struct server *s, int64_t issuer_id, int delta, time_t *this_update,
    time_t *next_update)
{
	struct crl_state	*c = s->crl;

	for (size_t i = 0; c != NULL && i < c->n; i++) {
		struct crl_doc	*d = delta ? &c->v[i].delta : &c->v[i].full;

		if (c->v[i].issuer_id != issuer_id)
			continue;
		if (d->number == 0)
			return -1;
		*this_update = d->this_update;
		*next_update = d->next_update;
		return 0;
	}
	return -1;
}
