/*
 * signer.c: signer worker processes (see signer.h).
 *
 * Framing on the socketpair, both ways: a u32 length in native byte order,
 * then that many bytes.  Requests are encoded ocsp_jobs; replies are the
 * response DER, or length 0 for a failed job.  A worker answers in order, so
 * the network side keeps one FIFO of callbacks per worker.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "log.h"
#include "pki.h"
#include "signer.h"

#define READY_MAGIC	0x52454459u	/* "REDY" */

const double signer_bucket_bounds[8] = {
	0.001, 0.002, 0.005, 0.010, 0.050, 0.100, 1.0, 1e300
};

struct job_slot {
	signer_cb	 cb;
	void		*arg;
	struct timespec	 t0;
};

struct worker {
	struct signer_pool	*pool;
	pid_t			 pid;
	struct bufferevent	*bev;
	struct job_slot		*q;		/* ring */
	size_t			 qhead, qlen, qcap;
	int			 alive;
};

struct signer_pool {
	struct worker		 w[SIGNER_WORKERS_MAX];
	int			 n;
	size_t			 pending;
	int			 retiring;
	struct signer_stats	 stats;
};

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

static int
send_frame(int fd, const void *buf, uint32_t len)
{
	if (full_write(fd, &len, sizeof(len)) != 0)
		return -1;
	return len == 0 ? 0 : full_write(fd, buf, len);
}

/* Load and check every signer key; on failure write why into err. */
static int
worker_keys(struct issuer_set *set, EVP_PKEY **keys, char *err, size_t errlen)
{
	for (size_t i = 0; i < set->n; i++) {
		struct issuer	*is = &set->v[i];

		if ((keys[i] = pki_key_load(is->signer_key, err, errlen)) == NULL)
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

static void
worker_main(int fd, struct issuer_set *set, const char *user)
{
	EVP_PKEY		*keys[ISSUERS_MAX] = { 0 };
	unsigned char		*buf;
	char			 err[512];
	uint32_t		 len, ready = READY_MAGIC;
	struct ocsp_job		 job;

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if ((buf = malloc(OCSP_JOB_MAX)) == NULL)
		_exit(1);
	/* keys first (they may be readable by root only), then drop root */
	if (worker_keys(set, keys, err, sizeof(err)) != 0 ||
	    drop_privileges(user, err, sizeof(err)) != 0) {
		(void)send_frame(fd, err, (uint32_t)strlen(err));
		_exit(1);
	}
	if (full_write(fd, &ready, sizeof(ready)) != 0)
		_exit(1);
	memset(&job, 0, sizeof(job));
	while (full_read(fd, &len, sizeof(len)) == 0) {
		unsigned char	*der = NULL;
		size_t		 dlen = 0;

		if (len == 0 || len > OCSP_JOB_MAX || full_read(fd, buf, len) != 0)
			break;
		if (ocsp_job_decode(buf, len, &job) == 0 && job.issuer < set->n)
			der = ocsp_response_sign(keys[job.issuer],
			    set->v[job.issuer].signer, job.s, job.n,
			    job.nonce, job.nonce_len, job.extended_revoke,
			    job.produced_at, &dlen);
		ocsp_job_clear(&job);
		if (send_frame(fd, der, der != NULL ? (uint32_t)dlen : 0) != 0)
			break;
		OPENSSL_free(der);
	}
	for (size_t i = 0; i < set->n; i++)
		EVP_PKEY_free(keys[i]);
	_exit(0);
}

/* --- network side -------------------------------------------------------- */

static double
elapsed(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
worker_finish_one(struct worker *w, const unsigned char *der, size_t len)
{
	struct signer_pool	*p = w->pool;
	struct job_slot		 slot = w->q[w->qhead];
	double			 sec = elapsed(&slot.t0);
	int			 b = 0;

	w->qhead = (w->qhead + 1) % w->qcap;
	w->qlen--;
	p->pending--;
	if (der != NULL) {
		p->stats.signed_ok++;
		p->stats.seconds_sum += sec;
		while (sec > signer_bucket_bounds[b])
			b++;
		p->stats.buckets[b]++;
	} else
		p->stats.failed++;
	slot.cb(slot.arg, der, len);
}

static void
worker_dead(struct worker *w)
{
	if (w->alive)
		log_warnx("signer worker %ld ended", (long)w->pid);
	w->alive = 0;
	while (w->qlen > 0)
		worker_finish_one(w, NULL, 0);
	if (w->bev != NULL) {
		bufferevent_free(w->bev);
		w->bev = NULL;
	}
	if (w->pid > 0) {
		(void)waitpid(w->pid, NULL, WNOHANG);
		w->pid = 0;
	}
}

static void
worker_read_cb(struct bufferevent *bev, void *arg)
{
	struct worker	*w = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint32_t	 len;

	while (evbuffer_get_length(in) >= sizeof(len)) {
		unsigned char	*der;

		evbuffer_copyout(in, &len, sizeof(len));
		if (evbuffer_get_length(in) < sizeof(len) + len)
			break;
		if (w->qlen == 0) {
			log_warnx("signer worker %ld: reply without a job",
			    (long)w->pid);
			worker_dead(w);
			return;
		}
		evbuffer_drain(in, sizeof(len));
		der = evbuffer_pullup(in, len);
		worker_finish_one(w, len > 0 ? der : NULL, len);
		evbuffer_drain(in, len);
	}
}

static void
worker_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		worker_dead(arg);
}

/* Fork one worker and wait for its ready word (or its error text). */
static int
worker_spawn(struct worker *w, struct event_base *base, struct issuer_set *set,
    const char *user, char *err, size_t errlen)
{
	int		 sv[2];
	uint32_t	 word;
	struct timeval	 tv = { SIGNER_START_SEC, 0 };

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	switch ((w->pid = fork())) {
	case -1:
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	case 0:
		close(sv[0]);
		/* keep only stdio and our end of the pair */
		if (dup2(sv[1], 3) == -1)
			_exit(1);
		(void)close_range(4, ~0U, 0);
		worker_main(3, set, user);
		_exit(0);
	}
	close(sv[1]);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (full_read(sv[0], &word, sizeof(word)) != 0) {
		snprintf(err, errlen, "signer worker did not start");
		goto fail;
	}
	if (word != READY_MAGIC) {
		char	msg[512];
		size_t	n = word < sizeof(msg) - 1 ? word : sizeof(msg) - 1;

		if (full_read(sv[0], msg, n) != 0)
			n = 0;
		msg[n] = '\0';
		snprintf(err, errlen, "%s", n > 0 ? msg : "signer failed");
		goto fail;
	}
	tv.tv_sec = 0;
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	evutil_make_socket_nonblocking(sv[0]);
	w->bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	if (w->bev == NULL) {
		snprintf(err, errlen, "bufferevent: out of memory");
		close(sv[0]);
		goto reap;
	}
	bufferevent_setcb(w->bev, worker_read_cb, NULL, worker_event_cb, w);
	bufferevent_enable(w->bev, EV_READ | EV_WRITE);
	w->alive = 1;
	return 0;
 fail:
	close(sv[0]);
 reap:
	kill(w->pid, SIGTERM);
	(void)waitpid(w->pid, NULL, 0);
	w->pid = 0;
	return -1;
}

struct signer_pool *
signer_pool_start(struct event_base *base, const struct config *conf,
    struct issuer_set *set, int n, char *err, size_t errlen)
{
	struct signer_pool	*p;

	if (n <= 0) {
		long	cores = sysconf(_SC_NPROCESSORS_ONLN);

		n = cores > 0 ? (int)cores : 1;
	}
	if (n > SIGNER_WORKERS_MAX)
		n = SIGNER_WORKERS_MAX;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		struct worker	*w = &p->w[i];

		w->pool = p;
		w->qcap = SIGN_QUEUE_MAX;
		if ((w->q = calloc(w->qcap, sizeof(*w->q))) == NULL ||
		    worker_spawn(w, base, set, conf->user, err, errlen) != 0) {
			signer_pool_free(p);
			return NULL;
		}
		p->n++;
	}
	return p;
}

int
signer_submit(struct signer_pool *p, const unsigned char *job, size_t len,
    signer_cb cb, void *arg)
{
	struct worker	*best = NULL;
	uint32_t	 l = (uint32_t)len;

	if (p == NULL || p->retiring || p->pending >= SIGN_QUEUE_MAX)
		return -1;
	for (int i = 0; i < p->n; i++) {
		struct worker	*w = &p->w[i];

		if (w->alive && w->qlen < w->qcap &&
		    (best == NULL || w->qlen < best->qlen))
			best = w;
	}
	if (best == NULL)
		return -1;
	if (bufferevent_write(best->bev, &l, sizeof(l)) != 0 ||
	    bufferevent_write(best->bev, job, len) != 0)
		return -1;
	best->q[(best->qhead + best->qlen) % best->qcap] =
	    (struct job_slot){ .cb = cb, .arg = arg };
	clock_gettime(CLOCK_MONOTONIC,
	    &best->q[(best->qhead + best->qlen) % best->qcap].t0);
	best->qlen++;
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
		n += p->w[i].alive;
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

void
signer_pool_free(struct signer_pool *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < SIGNER_WORKERS_MAX; i++) {
		struct worker	*w = &p->w[i];
		pid_t		 pid = w->pid;

		if (w->q == NULL)
			continue;
		w->alive = 0;
		while (w->qlen > 0)
			worker_finish_one(w, NULL, 0);
		if (w->bev != NULL) {
			/*
			 * The worker ends at EOF.  bufferevent_free() may close
			 * the socket only on a later loop turn, so shut it now.
			 */
			(void)shutdown(bufferevent_getfd(w->bev), SHUT_RDWR);
			bufferevent_free(w->bev);
		}
		if (pid > 0)
			(void)waitpid(pid, NULL, 0);
		free(w->q);
	}
	free(p);
}
