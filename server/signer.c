/* SPDX-License-Identifier: ISC */
/*
 * signer.c: signer worker processes (see signer.h).
 *
 * Framing on the socketpair, both ways: a u32 length in native byte order,
 * then that many bytes (signer_frame_*).  A worker is started by fork + exec
 * (proc_spawn: "certstatusd --signer-worker", nothing of the network
 * process's memory survives) with its socket on fd 3 and one open key file
 * per issuer on fd 4, 5, ...; the network side first sends the setup
 * (frames: user, the PKCS#11 module (empty: none), then per issuer name,
 * key path, signer certificate DER, then an empty frame), the worker
 * answers a ready word or its error text.
 * Then requests are encoded ocsp_jobs; replies are the response DER, or
 * length 0 for a failed job.  A worker answers in order, so the network
 * side keeps one FIFO of jobs per worker.
 *
 * Why key files are opened by the network process: with `user` set and
 * keys readable by root only, a worker started after the network process
 * dropped root (a replacement, a reload) could not open its key.  So the
 * pool opens each key file once, as root, before the drop, and every
 * worker it ever starts inherits those descriptors and reads them (pread:
 * they share one offset); the network process never reads them.  This
 * keeps the key's bytes out of the network process's memory; it does not
 * stop a network process taken over by an attacker from reading the key
 * through the descriptor (as the documented deployment, where the service
 * user owns the signer key, does not either).  A privileged parent that
 * spawns workers would close that, at the price of a fourth process that
 * keeps root.
 *
 * A signer key on a token ("pkcs11:...", see p11.h) has no file: its
 * descriptor is the PIN file's instead, opened the same way, and the
 * worker opens its own session after exec (sessions do not survive fork)
 * and logs in.  It keeps the PIN, so that when the token fails (a lost
 * session, a device error, a token gone) it opens a new session, logs in
 * again and retries the job once; until that works its jobs fail
 * (tryLater) while the network process keeps serving pre-signed answers.
 *
 * Supervision, as nginx's master supervises its workers, but from the event
 * loop and without ever waiting on it:
 *  - a worker whose socket reaches EOF or error is lost: its queued jobs go
 *    to a live worker (each job at most SIGNER_TRIES times; with no live
 *    worker, or after SIGNER_TRIES workers, they end SIGNER_UNAVAILABLE:
 *    tryLater), and a replacement is
 *    forked at once (backing off while replacements fail to start);
 *  - a worker that holds jobs and answers none for SIGNER_JOB_TIMEOUT_MS is
 *    killed (SIGKILL) and lost the same way;
 *  - processes that ended or were told to end are reaped by pid with
 *    waitpid(WNOHANG) from a timer (never waitpid(-1): the CRL child is
 *    crl.c's to reap); one still there SIGNER_KILL_MS after SIGTERM gets
 *    SIGKILL, which ends even a stopped process.  Only signer_shutdown(), at
 *    exit when the loop has ended, waits, and for a bounded time.
 */
#include <sys/socket.h>
#include <poll.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "clock.h"
#include "log.h"
#include "p11.h"
#include "pki.h"
#include "proc.h"
#include "signer.h"

#define READY_MAGIC	0x52454459u	/* "REDY" */
#define WORKER_SOCK_FD	3		/* in the worker: its socket */
#define WORKER_KEY_FD0	4		/* and its issuers' key files */
#define USER_MAX	256		/* bytes of a user name */
#define TOKEN_DOWN	"TKDN"		/* reply: the job's token key is down */
#define TOKEN_UP	"TKUP"		/* unasked: the token keys are back */
#define TOKEN_MAGIC_LEN	4		/* bytes (DER starts with 0x30) */
#define TOKEN_POLL_MS	1000		/* log-in retries, token down */

const double signer_bucket_bounds[8] = {
	0.001, 0.002, 0.005, 0.010, 0.050, 0.100, 1.0, 1e300
};

#define SIGNER_TRIES		2	/* workers a job may be given to */
#define SIGNER_JOB_TIMEOUT_MS	2000	/* no answer with jobs held: stuck */
#define SIGNER_KILL_MS		2000	/* SIGTERM, then SIGKILL */
#define SIGNER_TICK_MS		100	/* supervision timer */
#define SIGNER_BACKOFF_MAX_MS	30000	/* between failed replacements */
#define REAP_MAX		256

struct job_slot {
	signer_cb	 cb;
	void		*arg;
	int64_t		 t0_us;		/* clock_mono_us() when queued */
	unsigned char	*job;
	uint32_t	 len;
	int		 tries;
};

enum worker_state { W_EMPTY, W_STARTING, W_ALIVE };

struct worker {
	struct signer_pool	*pool;
	pid_t			 pid;
	struct bufferevent	*bev;
	struct job_slot		*q;		/* ring */
	size_t			 qhead, qlen, qcap;
	enum worker_state	 state;
	int64_t			 since_ms;	/* state entered / last answer */
	int64_t			 respawn_ms;	/* W_EMPTY: fork again then */
	int			 backoff_ms;
	int			 token_down;	/* last job: its token was down */
};

struct signer_pool {
	struct worker		 w[SIGNER_WORKERS_MAX];
	int			 n;
	size_t			 pending;
	int			 retiring;
	struct event_base	*base;
	struct issuer_set	*set;		/* the server's; outlives the pool */
	char			*user;
	struct event		*tick_ev;
	struct signer_stats	 stats;
	int			 keyfd[ISSUERS_MAX];	/* opened before the drop */
	size_t			 nkeys;
	unsigned char		*setup;		/* what each new worker is sent */
	size_t			 setup_len;
	struct evbuffer		*reply;		/* one reply being handed back */
};

/* Processes to reap: every worker that ended or was told to end. */
static struct reap {
	pid_t	 pid;
	int64_t	 kill_ms;	/* SIGKILL when still there by then */
} reaps[REAP_MAX];
static size_t		 nreaps;
static struct event	*reap_ev;

/* --- worker side ---------------------------------------------------------- */

static int
full_read(int fd, void *buf, size_t len)
{
	unsigned char	*p = buf;
	ssize_t		 r;

	while (len > 0) {
		if ((r = read(fd, p, len)) == 0)
			return -1;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		len -= r;
	}
	return 0;
}

static int
full_write(int fd, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	ssize_t			 r;

	while (len > 0) {
		if ((r = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		len -= r;
	}
	return 0;
}

int
signer_frame_write(int fd, const void *data, uint32_t len)
{
	if (full_write(fd, &len, sizeof(len)) != 0)
		return -1;
	return len == 0 ? 0 : full_write(fd, data, len);
}

int
signer_frame_read(int fd, void *buf, size_t max, uint32_t *len)
{
	if (full_read(fd, len, sizeof(*len)) != 0 || *len > max)
		return -1;
	return *len == 0 ? 0 : full_read(fd, buf, *len);
}

int
signer_frame_put(struct evbuffer *out, const void *data, size_t len,
    size_t max)
{
	uint32_t	 l = (uint32_t)len;

	if (len > max || len > UINT32_MAX)
		return -1;
	if (evbuffer_add(out, &l, sizeof(l)) != 0)
		return -1;
	return len == 0 ? 0 : evbuffer_add(out, data, len);
}

int
signer_frame_take(struct evbuffer *in, size_t max, struct evbuffer *out)
{
	uint32_t	 len;

	if (evbuffer_copyout(in, &len, sizeof(len)) != (ssize_t)sizeof(len))
		return 0;
	if (len > max)
		return -1;
	if (evbuffer_get_length(in) < sizeof(len) + len)
		return 0;
	evbuffer_drain(in, sizeof(len));
	if (evbuffer_remove_buffer(in, out, len) != (int)len)
		return -1;
	return 1;
}

/*
 * Load one signer key: a file from its inherited descriptor, or a token key
 * (its descriptor is then the PIN file's; the session is this process's).
 */
static EVP_PKEY *
worker_key(struct issuer *is, int fd, char *err, size_t errlen)
{
	if (!p11_is_uri(is->signer_key))
		return pki_key_load_fd(fd, is->signer_key, err, errlen);
	if (fd != -1 && p11_pin_fd(fd, "pkcs11-pin-file", err, errlen) != 0)
		return NULL;
	return pki_key_load(is->signer_key, err, errlen);
}

/* Load and check every signer key; on failure write why into err. */
static int
worker_keys(struct issuer_set *set, EVP_PKEY **keys, char *err, size_t errlen)
{
	for (size_t i = 0; i < set->n; i++) {
		struct issuer	*is = &set->v[i];

		if ((keys[i] = worker_key(is, WORKER_KEY_FD0 + (int)i, err,
		    errlen)) == NULL)
			return -1;
		if (X509_check_private_key(is->signer, keys[i]) != 1) {
			snprintf(err, errlen, "issuer %s: signer key %s does "
			    "not match its certificate", is->name, is->signer_key);
			(void)log_ssl_drain();
			return -1;
		}
	}
	return 0;
}

/*
 * After a token key failed to sign (a lost session, a device error, a token
 * gone): drop every token key and the module's sessions, then open a new
 * session and log in again (the PIN was kept).  Keys that cannot be loaded
 * stay NULL, and their jobs fail until a later reload works.  0 when every
 * token key is back, else -1 (logged unless quiet: the retries while it
 * stays down).
 */
static int
worker_token_reload(struct issuer_set *set, EVP_PKEY **keys, int quiet)
{
	char	 err[512];
	int	 rc = 0;

	for (size_t i = 0; i < set->n; i++)
		if (p11_is_uri(set->v[i].signer_key)) {
			EVP_PKEY_free(keys[i]);
			keys[i] = NULL;
		}
	p11_reset();
	for (size_t i = 0; i < set->n; i++) {
		if (!p11_is_uri(set->v[i].signer_key))
			continue;
		if ((keys[i] = worker_key(&set->v[i], -1, err,
		    sizeof(err))) == NULL) {
			if (!quiet)
				log_warnx("signer worker: issuer %s: token "
				    "key not back: %s", set->v[i].name, err);
			rc = -1;
		}
	}
	if (rc == 0)
		log_info("signer worker: logged in to the token again");
	return rc;
}

/* One setup frame as a NUL-terminated string (of at most max - 1 bytes). */
static int
setup_string(int fd, char *buf, size_t max)
{
	uint32_t	 len;

	if (signer_frame_read(fd, buf, max - 1, &len) != 0)
		return -1;
	buf[len] = '\0';
	return memchr(buf, '\0', len) != NULL ? -1 : 0;
}

/*
 * The setup the network process sends first: the user to become, the
 * PKCS#11 module, then per issuer its name, key path and signer
 * certificate, then an empty frame.
 */
static int
setup_read(int fd, struct issuer_set *set, char *user, size_t userlen,
    char *err, size_t errlen)
{
	unsigned char	*buf;
	uint32_t	 len;
	int		 rc = -1;

	if ((buf = malloc(SIGNER_SETUP_MAX + 1)) == NULL ||
	    setup_string(fd, user, userlen) != 0 ||
	    setup_string(fd, (char *)buf, SIGNER_SETUP_MAX + 1) != 0 ||
	    (buf[0] != '\0' && p11_configure((char *)buf, NULL) != 0))
		goto done;
	for (;;) {
		struct issuer	*is = &set->v[set->n];

		if (setup_string(fd, (char *)buf, SIGNER_SETUP_MAX + 1) != 0)
			goto done;
		if (buf[0] == '\0')
			break;
		if (set->n == ISSUERS_MAX || (is->name = strdup((char *)buf)) ==
		    NULL)
			goto done;
		set->n++;
		if (setup_string(fd, (char *)buf, SIGNER_SETUP_MAX + 1) != 0 ||
		    (is->signer_key = strdup((char *)buf)) == NULL ||
		    signer_frame_read(fd, buf, SIGNER_SETUP_MAX, &len) != 0 ||
		    (is->signer = pki_cert_from_der(buf, len)) == NULL)
			goto done;
	}
	rc = 0;
 done:
	if (rc != 0)
		snprintf(err, errlen, "signer worker: bad setup from the "
		    "network process");
	free(buf);
	return rc;
}

static void	prepared_clear(void);

static void
setup_clear(struct issuer_set *set, EVP_PKEY **keys)
{
	prepared_clear();	/* each holds a reference on its key */
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].name);
		free(set->v[i].signer_key);
		X509_free(set->v[i].signer);
		EVP_PKEY_free(keys[i]);
	}
	p11_shutdown();
}

/*
 * A worker's file keys, each prepared once for signing (ocsp.h: the
 * provider lookups of every EVP_DigestSignInit() cost a P-256 signature's
 * worth).  A prepared context holds a reference on its key, so a key
 * replaced later is at another address and its entry is made again.  Token
 * keys are not prepared: a session that fails drops them (worker_token_
 * reload), and a token signature dwarfs the lookups anyway.
 */
static struct {
	EVP_PKEY	*key;
	EVP_MD_CTX	*ctx;
} prepared[ISSUERS_MAX];

static const EVP_MD_CTX *
prepared_for(struct issuer_set *set, EVP_PKEY **keys, uint32_t i)
{
	if (p11_is_uri(set->v[i].signer_key))
		return NULL;
	if (prepared[i].key != keys[i]) {
		EVP_MD_CTX_free(prepared[i].ctx);
		prepared[i].ctx = ocsp_sign_prepare(keys[i]);
		prepared[i].key = prepared[i].ctx != NULL ? keys[i] : NULL;
	}
	return prepared[i].ctx;
}

static void
prepared_clear(void)
{
	for (size_t i = 0; i < ISSUERS_MAX; i++) {
		EVP_MD_CTX_free(prepared[i].ctx);
		prepared[i].ctx = NULL;
		prepared[i].key = NULL;
	}
}

static unsigned char *
sign_one(struct issuer_set *set, EVP_PKEY **keys, const struct ocsp_job *job,
    size_t *dlen)
{
	const EVP_MD_CTX	*ctx;

	if (keys[job->issuer] == NULL)
		return NULL;
	if ((ctx = prepared_for(set, keys, job->issuer)) != NULL)
		return ocsp_response_sign_prepared(ctx,
		    set->v[job->issuer].signer, job->s, job->n, job->nonce,
		    job->nonce_len, job->extended_revoke, job->produced_at,
		    dlen);
	return ocsp_response_sign(keys[job->issuer], set->v[job->issuer].signer,
	    job->s, job->n, job->nonce, job->nonce_len, job->extended_revoke,
	    job->produced_at, dlen);
}

/*
 * Sign job; a token key that fails (or was lost before) is loaded again
 * through a new session and the job tried once more.  The response DER
 * (OPENSSL_free), or NULL: the job fails, the client is told tryLater.
 */
static unsigned char *
worker_sign(struct issuer_set *set, EVP_PKEY **keys, const struct ocsp_job *job,
    size_t *dlen, int *down)
{
	unsigned char	*der;

	*down = 0;
	if ((der = sign_one(set, keys, job, dlen)) != NULL ||
	    !p11_is_uri(set->v[job->issuer].signer_key))
		return der;
	(void)log_ssl_drain();
	if (keys[job->issuer] != NULL)
		log_warnx("signer worker: issuer %s: the token key failed to "
		    "sign: opening a new session", set->v[job->issuer].name);
	if (worker_token_reload(set, keys, 0) != 0 &&
	    keys[job->issuer] == NULL) {
		*down = 1;
		return NULL;
	}
	if ((der = sign_one(set, keys, job, dlen)) == NULL)
		*down = 1;
	return der;
}

/* 1 when a token key is not loaded (the token failed), else 0. */
static int
token_down(const struct issuer_set *set, EVP_PKEY **keys)
{
	for (size_t i = 0; i < set->n; i++)
		if (keys[i] == NULL)
			return 1;
	return 0;
}

/*
 * Wait for the next job; while a token key is down, try every
 * TOKEN_POLL_MS to log in again and say so (TOKEN_UP) when it worked, so
 * that /healthz recovers without traffic.  0 when a job is there, -1 on
 * error.
 */
static int
worker_wait(int fd, struct issuer_set *set, EVP_PKEY **keys)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	int		 n;

	while (token_down(set, keys)) {
		if ((n = poll(&pfd, 1, TOKEN_POLL_MS)) > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
		if (n == 0 && worker_token_reload(set, keys, 1) == 0 &&
		    signer_frame_write(fd, TOKEN_UP, TOKEN_MAGIC_LEN) != 0)
			return -1;
	}
	return 0;
}

/* Sign every job that comes until end of file: 0, or -1 on a bad frame. */
static int
worker_serve(int fd, struct issuer_set *set, EVP_PKEY **keys)
{
	unsigned char		*buf;
	uint32_t		 len;
	struct ocsp_job		 job;
	int			 rc = -1;

	if ((buf = malloc(OCSP_JOB_MAX)) == NULL)
		return -1;
	memset(&job, 0, sizeof(job));
	while (worker_wait(fd, set, keys) == 0 &&
	    signer_frame_read(fd, buf, OCSP_JOB_MAX, &len) == 0 && len > 0) {
		unsigned char	*der = NULL;
		size_t		 dlen = 0;
		int		 down = 0, wr;

		if (ocsp_job_decode(buf, len, &job) == 0 && job.issuer < set->n)
			der = worker_sign(set, keys, &job, &dlen, &down);
		if (down)
			wr = signer_frame_write(fd, TOKEN_DOWN,
			    TOKEN_MAGIC_LEN);
		else
			wr = signer_frame_write(fd, der, der != NULL ?
			    (uint32_t)dlen : 0);
		ocsp_job_clear(&job);
		if (wr != 0) {
			OPENSSL_free(der);
			goto done;
		}
		OPENSSL_free(der);
	}
	rc = 0;
 done:
	free(buf);
	return rc;
}

int
signer_worker_main(void)
{
	struct issuer_set	 set;
	EVP_PKEY		*keys[ISSUERS_MAX] = { 0 };
	char			 err[512], user[USER_MAX];
	uint32_t		 ready = READY_MAGIC;
	int			 fd = WORKER_SOCK_FD, rc = 1;

	log_init("certstatusd", LOG_LVL_INFO);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);	/* "reopen logs", sent to the whole unit */
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	memset(&set, 0, sizeof(set));
	/*
	 * Keys first (the descriptors were opened as root), then drop root,
	 * then confine: the filter refuses changing users.
	 */
	if (setup_read(fd, &set, user, sizeof(user), err, sizeof(err)) != 0 ||
	    worker_keys(&set, keys, err, sizeof(err)) != 0 ||
	    drop_privileges(user[0] != '\0' ? user : NULL, err,
	    sizeof(err)) != 0 ||
	    proc_confine(PROC_SIGNER, NULL, err, sizeof(err)) != 0) {
		(void)signer_frame_write(fd, err, (uint32_t)strlen(err));
		goto done;
	}
	(void)close_range(WORKER_KEY_FD0, ~0U, 0);	/* the keys are loaded */
	if (full_write(fd, &ready, sizeof(ready)) != 0)
		goto done;
	rc = worker_serve(fd, &set, keys) == 0 ? 0 : 1;
 done:
	setup_clear(&set, keys);
	return rc;
}

/* --- network side -------------------------------------------------------- */

/* --- reaping --- */

static void
reap_poll(void)
{
	int64_t	 now = clock_mono_ms();
	size_t	 i = 0;

	while (i < nreaps) {
		struct reap	*r = &reaps[i];
		pid_t		 got = waitpid(r->pid, NULL, WNOHANG);

		if (got == r->pid || (got == -1 && errno == ECHILD)) {
			reaps[i] = reaps[--nreaps];
			continue;
		}
		if (r->kill_ms != 0 && now >= r->kill_ms) {
			log_warnx("signer worker %ld did not end: killing it",
			    (long)r->pid);
			(void)kill(r->pid, SIGKILL);
			r->kill_ms = 0;
		}
		i++;
	}
}

static void
reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 tv = { 0, SIGNER_TICK_MS * 1000 };

	(void)fd;
	(void)what;
	(void)arg;
	reap_poll();
	if (nreaps > 0)
		evtimer_add(reap_ev, &tv);
}

/*
 * End pid: sig now (SIGTERM, or SIGKILL for a stuck one), SIGKILL after
 * SIGNER_KILL_MS if it is still there, reaped whenever it has ended.
 */
static void
reap_later(struct event_base *base, pid_t pid, int sig)
{
	struct timeval	 tv = { 0, SIGNER_TICK_MS * 1000 };

	if (pid <= 0)
		return;
	(void)kill(pid, sig);
	if (sig == SIGTERM)
		(void)kill(pid, SIGCONT);	/* a stopped one must see it */
	if (nreaps == REAP_MAX)
		reap_poll();
	if (nreaps == REAP_MAX) {
		/* full of stuck processes: this one must not be lost */
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return;
	}
	reaps[nreaps].pid = pid;
	reaps[nreaps].kill_ms = sig == SIGKILL ? 0 : clock_mono_ms() + SIGNER_KILL_MS;
	nreaps++;
	if (reap_ev == NULL && base != NULL)
		reap_ev = evtimer_new(base, reap_cb, NULL);
	if (reap_ev != NULL && !evtimer_pending(reap_ev, NULL))
		evtimer_add(reap_ev, &tv);
}

void
signer_shutdown(void)
{
	int64_t	 end = clock_mono_ms() + SIGNER_KILL_MS;

	while (nreaps > 0 && clock_mono_ms() < end) {
		reap_poll();
		if (nreaps > 0)
			usleep(10 * 1000);
	}
	for (size_t i = 0; i < nreaps; i++) {
		(void)kill(reaps[i].pid, SIGKILL);
		(void)waitpid(reaps[i].pid, NULL, 0);
	}
	nreaps = 0;
	if (reap_ev != NULL)
		event_free(reap_ev);
	reap_ev = NULL;
}

/* --- jobs --- */

static void
slot_end(struct signer_pool *p, struct job_slot *slot, int status,
    const unsigned char *der, size_t len)
{
	double	 sec = clock_mono_elapsed(slot->t0_us);
	int	 b = 0;

	p->pending--;
	if (status == SIGNER_OK) {
		p->stats.signed_ok++;
		p->stats.seconds_sum += sec;
		while (sec > signer_bucket_bounds[b])
			b++;
		p->stats.buckets[b]++;
	} else
		p->stats.failed++;
	free(slot->job);
	slot->job = NULL;
	slot->cb(slot->arg, status, der, len);
}

/* Give a job to the least busy live worker but not. 0, or -1 (none). */
static int
dispatch(struct signer_pool *p, const struct job_slot *slot,
    const struct worker *not)
{
	struct worker	*best = NULL;
	size_t		 l = slot->len;

	for (int i = 0; i < p->n; i++) {
		struct worker	*w = &p->w[i];

		if (w != not && w->state == W_ALIVE && w->qlen < w->qcap &&
		    (best == NULL || w->qlen < best->qlen))
			best = w;
	}
	if (best == NULL)
		return -1;
	if (signer_frame_put(bufferevent_get_output(best->bev), slot->job, l,
	    OCSP_JOB_MAX) != 0)
		return -1;
	if (best->qlen == 0)
		best->since_ms = clock_mono_ms();	/* the answer clock starts */
	best->q[(best->qhead + best->qlen) % best->qcap] = *slot;
	best->q[(best->qhead + best->qlen) % best->qcap].tries++;
	best->qlen++;
	return 0;
}

static struct job_slot
queue_pop(struct worker *w)
{
	struct job_slot	 slot = w->q[w->qhead];

	w->qhead = (w->qhead + 1) % w->qcap;
	w->qlen--;
	return slot;
}

static void
worker_finish_one(struct worker *w, const unsigned char *der, size_t len)
{
	struct job_slot	 slot = queue_pop(w);
	int		 status = der != NULL ? SIGNER_OK : SIGNER_FAILED;

	w->since_ms = clock_mono_ms();
	if (len == TOKEN_MAGIC_LEN && memcmp(der, TOKEN_DOWN, len) == 0) {
		if (!w->token_down)
			log_warnx("signer worker %ld: its token key is down: "
			    "tryLater until it is back", (long)w->pid);
		w->token_down = 1;
		status = SIGNER_UNAVAILABLE;
		der = NULL;
		len = 0;
	} else if (der != NULL)
		w->token_down = 0;
	slot_end(w->pool, &slot, status, der, len);
}

/*
 * The worker is gone or being killed: end its process, hand its jobs to
 * the others (in order), and schedule a replacement.
 */
static void
worker_lost(struct worker *w, const char *why, int sig)
{
	struct signer_pool	*p = w->pool;

	log_warnx("signer worker %ld %s%s", (long)w->pid, why,
	    p->retiring ? "" : ": replacing it");
	if (w->bev != NULL) {
		(void)shutdown(bufferevent_getfd(w->bev), SHUT_RDWR);
		bufferevent_free(w->bev);
		w->bev = NULL;
	}
	reap_later(p->base, w->pid, sig);
	w->pid = 0;
	w->state = W_EMPTY;
	w->respawn_ms = clock_mono_ms() + w->backoff_ms;
	while (w->qlen > 0) {
		struct job_slot	 slot = queue_pop(w);

		/* a job two workers died with: the client may try later */
		if (slot.tries >= SIGNER_TRIES || dispatch(p, &slot, w) != 0)
			slot_end(p, &slot, SIGNER_UNAVAILABLE, NULL, 0);
	}
}

/* The first word from a starting worker: ready, or why it failed. */
static int
worker_ready(struct worker *w, struct evbuffer *in)
{
	uint32_t	 word;
	char		 msg[512];
	size_t		 n;

	evbuffer_copyout(in, &word, sizeof(word));
	if (word == READY_MAGIC) {
		evbuffer_drain(in, sizeof(word));
		w->state = W_ALIVE;
		w->since_ms = clock_mono_ms();
		w->backoff_ms = 0;
		log_info("signer worker %ld started", (long)w->pid);
		return 0;
	}
	n = word < sizeof(msg) - 1 ? word : sizeof(msg) - 1;
	if (evbuffer_get_length(in) < sizeof(word) + n)
		return 1;	/* the rest of the message is coming */
	evbuffer_drain(in, sizeof(word));
	evbuffer_remove(in, msg, n);
	msg[n] = '\0';
	w->backoff_ms = w->backoff_ms == 0 ? 1000 : w->backoff_ms * 2;
	if (w->backoff_ms > SIGNER_BACKOFF_MAX_MS)
		w->backoff_ms = SIGNER_BACKOFF_MAX_MS;
	log_warnx("signer worker %ld failed to start: %s (again in %d s)",
	    (long)w->pid, msg, w->backoff_ms / 1000);
	worker_lost(w, "did not start", SIGTERM);
	return -1;
}

static void
worker_read_cb(struct bufferevent *bev, void *arg)
{
	struct worker	*w = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer	*reply = w->pool->reply;
	int		 got;

	if (w->state == W_STARTING) {
		if (evbuffer_get_length(in) < sizeof(uint32_t) ||
		    worker_ready(w, in) != 0)
			return;
	}
	while ((got = signer_frame_take(in, SIGNER_REPLY_MAX, reply)) == 1) {
		size_t	 len = evbuffer_get_length(reply);

		if (len == TOKEN_MAGIC_LEN && memcmp(evbuffer_pullup(reply, -1),
		    TOKEN_UP, len) == 0) {
			evbuffer_drain(reply, len);
			if (w->token_down)
				log_info("signer worker %ld: its token key is "
				    "back", (long)w->pid);
			w->token_down = 0;
			continue;
		}
		if (w->qlen == 0) {
			evbuffer_drain(reply, len);
			worker_lost(w, "sent a reply without a job", SIGKILL);
			return;
		}
		worker_finish_one(w, len > 0 ? evbuffer_pullup(reply, -1) :
		    NULL, len);
		evbuffer_drain(reply, len);
	}
	if (got == -1)
		worker_lost(w, "sent an oversized reply", SIGKILL);
}

static void
worker_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		worker_lost(arg, "ended", SIGTERM);
}

/*
 * Start one worker (fork + exec); *fd gets our end of its socketpair, the
 * worker gets the other as fd 3 and the key files after it.  0 / -1.
 */
static int
worker_fork(struct worker *w, int *fd, char *err, size_t errlen)
{
	struct signer_pool	*p = w->pool;
	int			 sv[2], fds[1 + ISSUERS_MAX];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	fds[0] = sv[1];
	for (size_t i = 0; i < p->nkeys; i++)
		fds[1 + i] = p->keyfd[i];
	if ((w->pid = proc_spawn(PROC_SIGNER, NULL, fds, 1 + (int)p->nkeys)) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		w->pid = 0;
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[1]);
	*fd = sv[0];
	return 0;
}

static int
worker_attach(struct worker *w, int fd, enum worker_state state)
{
	evutil_make_socket_nonblocking(fd);
	w->bev = bufferevent_socket_new(w->pool->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (w->bev == NULL) {
		close(fd);
		return -1;
	}
	bufferevent_setcb(w->bev, worker_read_cb, NULL, worker_event_cb, w);
	bufferevent_enable(w->bev, EV_READ | EV_WRITE);
	w->state = state;
	w->since_ms = clock_mono_ms();
	return 0;
}

/*
 * At start and reload: fork one worker and wait (bounded, SIGNER_START_SEC)
 * for its ready word or its error text, so that a bad key refuses the
 * start or the reload with the reason.
 */
static int
worker_spawn(struct worker *w, char *err, size_t errlen)
{
	struct signer_pool	*p = w->pool;
	struct timeval		 tv = { SIGNER_START_SEC, 0 };
	uint32_t		 word;
	int			 fd;

	if (worker_fork(w, &fd, err, errlen) != 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* a worker that fails early says why: read that even when this fails */
	(void)full_write(fd, p->setup, p->setup_len);
	if (full_read(fd, &word, sizeof(word)) != 0) {
		snprintf(err, errlen, "signer worker did not start");
		goto fail;
	}
	if (word != READY_MAGIC) {
		char	msg[512];
		size_t	n = word < sizeof(msg) - 1 ? word : sizeof(msg) - 1;

		if (full_read(fd, msg, n) != 0)
			n = 0;
		msg[n] = '\0';
		snprintf(err, errlen, "%s", n > 0 ? msg : "signer failed");
		goto fail;
	}
	tv.tv_sec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (worker_attach(w, fd, W_ALIVE) != 0) {
		snprintf(err, errlen, "bufferevent: out of memory");
		reap_later(p->base, w->pid, SIGTERM);
		w->pid = 0;
		return -1;
	}
	return 0;
 fail:
	close(fd);
	reap_later(p->base, w->pid, SIGTERM);
	w->pid = 0;
	return -1;
}

/* A replacement, from the loop: its ready word arrives in worker_read_cb. */
static void
worker_respawn(struct worker *w)
{
	char	 err[256] = "out of memory";
	int	 fd;

	if (worker_fork(w, &fd, err, sizeof(err)) != 0 ||
	    worker_attach(w, fd, W_STARTING) != 0 ||
	    bufferevent_write(w->bev, w->pool->setup, w->pool->setup_len) != 0) {
		if (w->bev != NULL) {
			bufferevent_free(w->bev);
			w->bev = NULL;
		}
		log_warnx("signer worker: cannot start a replacement: %s", err);
		if (w->pid > 0)
			reap_later(w->pool->base, w->pid, SIGKILL);
		w->pid = 0;
		w->state = W_EMPTY;
		w->backoff_ms = w->backoff_ms == 0 ? 1000 : w->backoff_ms * 2;
		if (w->backoff_ms > SIGNER_BACKOFF_MAX_MS)
			w->backoff_ms = SIGNER_BACKOFF_MAX_MS;
		w->respawn_ms = clock_mono_ms() + w->backoff_ms;
	}
}

/* Every SIGNER_TICK_MS: stuck workers, replacements, slow starters. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct signer_pool	*p = arg;
	int64_t			 now = clock_mono_ms();

	(void)fd;
	(void)what;
	for (int i = 0; i < p->n; i++) {
		struct worker	*w = &p->w[i];

		switch (w->state) {
		case W_ALIVE:
			if (w->qlen > 0 &&
			    now - w->since_ms > SIGNER_JOB_TIMEOUT_MS)
				worker_lost(w, "answered no job in time",
				    SIGKILL);
			break;
		case W_STARTING:
			if (now - w->since_ms > SIGNER_START_SEC * 1000LL) {
				w->backoff_ms = SIGNER_BACKOFF_MAX_MS;
				worker_lost(w, "did not start in time", SIGKILL);
			}
			break;
		case W_EMPTY:
			if (!p->retiring && now >= w->respawn_ms)
				worker_respawn(w);
			break;
		}
	}
	reap_poll();
}

/* An issuer's part of the setup: name, key path, signer certificate. */
static int
setup_issuer(struct evbuffer *b, const struct issuer *is)
{
	unsigned char	*der = NULL;
	int		 len, rc = -1;

	if ((len = i2d_X509(is->signer, &der)) <= 0)
		return -1;
	if (signer_frame_put(b, is->name, strlen(is->name),
	    SIGNER_SETUP_MAX) == 0 && signer_frame_put(b, is->signer_key,
	    strlen(is->signer_key), SIGNER_SETUP_MAX) == 0 &&
	    signer_frame_put(b, der, (size_t)len, SIGNER_SETUP_MAX) == 0)
		rc = 0;
	OPENSSL_free(der);
	return rc;
}

/*
 * Open every issuer's key file (as whoever we are now: before the drop,
 * root) for the workers to inherit, and build the setup they are sent.
 */
static int
pool_prepare(struct signer_pool *p, const struct config *conf, char *err,
    size_t errlen)
{
	const char	*mod = conf->pkcs11_module;

	struct evbuffer	*b;
	int		 rc = -1;

	if ((b = evbuffer_new()) == NULL ||
	    (p->reply = evbuffer_new()) == NULL)
		goto oom;
	if (signer_frame_put(b, p->user, p->user != NULL ? strlen(p->user) : 0,
	    USER_MAX - 1) != 0) {
		snprintf(err, errlen, "user %s: name too long", p->user);
		goto done;
	}
	if (signer_frame_put(b, mod, mod != NULL ? strlen(mod) : 0,
	    SIGNER_SETUP_MAX) != 0) {
		snprintf(err, errlen, "pkcs11-module %s: path too long", mod);
		goto done;
	}
	for (size_t i = 0; i < p->set->n; i++) {
		struct issuer	*is = &p->set->v[i];

		const char	*path = is->signer_key;

		if (p11_is_uri(path) && (path = conf->pkcs11_pin_file) ==
		    NULL) {
			snprintf(err, errlen, "issuer %s: a token key needs "
			    "pkcs11-pin-file in the config", is->name);
			goto done;
		}
		if ((p->keyfd[i] = open(path, O_RDONLY | O_NONBLOCK |
		    O_CLOEXEC | (path != is->signer_key ? O_NOFOLLOW : 0))) ==
		    -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		p->nkeys++;
		if (setup_issuer(b, is) != 0) {
			snprintf(err, errlen, "issuer %s: cannot encode its setup",
			    is->name);
			goto done;
		}
	}
	p->setup_len = evbuffer_get_length(b);
	if (signer_frame_put(b, NULL, 0, 0) != 0 ||
	    (p->setup = malloc(p->setup_len + SIGNER_FRAME_HDR)) == NULL)
		goto oom;
	p->setup_len += SIGNER_FRAME_HDR;
	evbuffer_remove(b, p->setup, p->setup_len);
	rc = 0;
	goto done;
 oom:
	snprintf(err, errlen, "out of memory");
 done:
	evbuffer_free(b);
	return rc;
}

struct signer_pool *
signer_pool_start(struct event_base *base, const struct config *conf,
    struct issuer_set *set, int n, char *err, size_t errlen)
{
	struct signer_pool	*p;
	struct timeval		 tv = { 0, SIGNER_TICK_MS * 1000 };

	if (n <= 0) {
		long	cores = sysconf(_SC_NPROCESSORS_ONLN);

		n = cores > 0 ? (int)cores : 1;
	}
	if (n > SIGNER_WORKERS_MAX)
		n = SIGNER_WORKERS_MAX;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (conf->user != NULL && (p->user = strdup(conf->user)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		free(p);
		return NULL;
	}
	p->base = base;
	p->set = set;
	if (pool_prepare(p, conf, err, errlen) != 0) {
		signer_pool_free(p);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		struct worker	*w = &p->w[i];

		w->pool = p;
		w->qcap = SIGN_QUEUE_MAX;
		if ((w->q = calloc(w->qcap, sizeof(*w->q))) == NULL ||
		    worker_spawn(w, err, errlen) != 0) {
			signer_pool_free(p);
			return NULL;
		}
		p->n++;
	}
	if ((p->tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, p)) == NULL ||
	    event_add(p->tick_ev, &tv) != 0) {
		snprintf(err, errlen, "signer: cannot start the supervision timer");
		signer_pool_free(p);
		return NULL;
	}
	return p;
}

int
signer_submit(struct signer_pool *p, const unsigned char *job, size_t len,
    signer_cb cb, void *arg)
{
	struct job_slot	 slot;

	if (p == NULL || p->retiring || p->pending >= SIGN_QUEUE_MAX)
		return -1;
	memset(&slot, 0, sizeof(slot));
	slot.cb = cb;
	slot.arg = arg;
	slot.len = (uint32_t)len;
	slot.t0_us = clock_mono_us();
	if ((slot.job = malloc(len)) == NULL)
		return -1;
	memcpy(slot.job, job, len);
	if (dispatch(p, &slot, NULL) != 0) {
		free(slot.job);
		return -1;
	}
	p->pending++;
	return 0;
}

size_t
signer_pending(const struct signer_pool *p)
{
	return p != NULL ? p->pending : 0;
}

int
signer_alive(const struct signer_pool *p)
{
	int	 n = 0;

	for (int i = 0; p != NULL && i < p->n; i++)
		n += p->w[i].state == W_ALIVE;
	return n;
}

int
signer_token_down(const struct signer_pool *p)
{
	int	 n = 0;

	for (int i = 0; p != NULL && i < p->n; i++)
		n += p->w[i].state == W_ALIVE && p->w[i].token_down;
	return n;
}

int
signer_workers(const struct signer_pool *p)
{
	return p != NULL ? p->n : 0;
}

void
signer_stats(const struct signer_pool *p, struct signer_stats *out)
{
	if (p != NULL)
		*out = p->stats;
	else
		memset(out, 0, sizeof(*out));
}

void
signer_pool_retire(struct signer_pool *p)
{
	if (p != NULL)
		p->retiring = 1;
}

/*
 * Never waits: jobs still queued end SIGNER_UNAVAILABLE, the workers are
 * told to end (EOF and SIGTERM) and reaped later (reap_later).
 */
void
signer_pool_free(struct signer_pool *p)
{
	if (p == NULL)
		return;
	p->retiring = 1;
	if (p->tick_ev != NULL)
		event_free(p->tick_ev);
	for (int i = 0; i < SIGNER_WORKERS_MAX; i++) {
		struct worker	*w = &p->w[i];

		if (w->q == NULL)
			continue;
		while (w->qlen > 0) {
			struct job_slot	 slot = queue_pop(w);

			slot_end(p, &slot, SIGNER_UNAVAILABLE, NULL, 0);
		}
		if (w->bev != NULL) {
			/*
			 * The worker ends at EOF.  bufferevent_free() may close
			 * the socket only on a later loop turn, so shut it now.
			 */
			(void)shutdown(bufferevent_getfd(w->bev), SHUT_RDWR);
			bufferevent_free(w->bev);
		}
		reap_later(p->base, w->pid, SIGTERM);
		free(w->q);
	}
	for (size_t i = 0; i < p->nkeys; i++)
		close(p->keyfd[i]);
	if (p->reply != NULL)
		evbuffer_free(p->reply);
	free(p->setup);
	free(p->user);
	free(p);
}
