/* SPDX-License-Identifier: ISC */
/*
 * signer.h: signer processes.
 *
 * The network-facing process never holds a private key.  At start (and at
 * each reload) it starts worker processes (fork + exec of our image,
 * "certstatusd --signer-worker", see proc.h) that load the delegated
 * signers' keys, check them against their certificates, and then sign: each
 * takes a
 * job (struct ocsp_job, already parsed and looked up by the network process,
 * so no network input reaches a key holder) over a socketpair and returns the
 * signed OCSPResponse DER.  Several workers spread signing over the cores.
 * The pool supervises them: a worker that ends or stops answering is
 * replaced at once and its jobs go to another (see signer.c).
 */
#ifndef CERTSTATUSD_SIGNER_H
#define CERTSTATUSD_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "server.h"

#define SIGNER_WORKERS_MAX	32
#define SIGNER_START_SEC	10	/* a worker must report ready by then */
#define SIGNER_REPLY_MAX	(1024 * 1024)	/* bytes of a signed response */
#define SIGNER_SETUP_MAX	65536		/* bytes of one setup frame */
#define SIGNER_FRAME_HDR	4		/* the u32 length */

/* How a job ended. */
enum signer_status {
	SIGNER_OK,		/* der holds the signed response */
	SIGNER_FAILED,		/* the worker could not sign it (internalError) */
	SIGNER_UNAVAILABLE	/* no live worker to sign it (tryLater) */
};

/* Called on the event loop, once per job (der NULL unless SIGNER_OK). */
typedef void (*signer_cb)(void *arg, int status, const unsigned char *der,
	    size_t len);

struct signer_pool;

/*
 * Fork n workers (0: one per core) for the issuers in set; wait until each
 * has loaded its keys.  NULL with err filled when any key is unreadable,
 * wrong, or does not match its certificate.
 */
struct signer_pool	*signer_pool_start(struct event_base *base,
			    const struct config *conf, struct issuer_set *set,
			    int n, char *err, size_t errlen);
/* Stop accepting jobs (queued ones finish); the pool replaces no worker. */
void			 signer_pool_retire(struct signer_pool *p);
/* End the workers without waiting for them (queued jobs: UNAVAILABLE). */
void			 signer_pool_free(struct signer_pool *p);
/* At exit, after the loop: wait (at most about 2 s) for every worker told
 * to end, then SIGKILL what is left. */
void			 signer_shutdown(void);
/*
 * Queue an encoded ocsp_job; cb runs once with the result.  -1 (cb not
 * called) when the queue is full (the caller answers tryLater) or no worker
 * is alive.
 */
int			 signer_submit(struct signer_pool *p, const unsigned char *job,
			    size_t len, signer_cb cb, void *arg);
/* Jobs queued or in flight. */
size_t			 signer_pending(const struct signer_pool *p);
/* Workers alive, and workers the pool should have. */
int			 signer_alive(const struct signer_pool *p);
int			 signer_workers(const struct signer_pool *p);
/*
 * Live workers whose last job found their token key down (they answer
 * tryLater and log in again by themselves; see signer.c).  0 when none.
 */
int			 signer_token_down(const struct signer_pool *p);

/*
 * The frames on a worker's socket, both ways: a u32 length in native byte
 * order (both ends are the same binary), then that many bytes.
 *
 * signer_frame_put: append one frame of len bytes to out.  0, or -1 when
 * len is over max (nothing appended) or out of memory.
 * signer_frame_take: move the payload of the frame at the head of in to
 * out (the header is drained).  1 when a whole frame was there; 0 when it
 * is not all there yet (nothing taken); -1 when its length is over max
 * (nothing taken: the peer is broken).
 * signer_frame_read: read one frame from the blocking fd into buf (max
 * bytes) and its length into *len.  0, or -1 on end of file before a whole
 * frame (truncated), a length over max, or an error.
 * signer_frame_write: write one frame to fd.  0 / -1.
 */
int	signer_frame_put(struct evbuffer *out, const void *data, size_t len,
	    size_t max);
int	signer_frame_take(struct evbuffer *in, size_t max, struct evbuffer *out);
int	signer_frame_read(int fd, void *buf, size_t max, uint32_t *len);
int	signer_frame_write(int fd, const void *data, uint32_t len);

/*
 * The worker process ("certstatusd --signer-worker", main() hands over):
 * its socket on fd 3, its issuers' key files on 4, 5, ...; the setup
 * (user, then per issuer its name, key path and signer certificate DER)
 * comes as frames on the socket.  Returns the exit status.
 */
int	signer_worker_main(void);

struct signer_stats {
	uint64_t	signed_ok, failed;
	double		seconds_sum;
	uint64_t	buckets[8];	/* <=1ms 2ms 5ms 10ms 50ms 100ms 1s +Inf */
};
void			 signer_stats(const struct signer_pool *p,
			    struct signer_stats *out);
extern const double	 signer_bucket_bounds[8];

#endif
