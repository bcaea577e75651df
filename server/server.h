/* SPDX-License-Identifier: ISC */
/*
 * server.h: certstatusd's shared state and the interfaces between its
 * subsystems (one per file: main.c http.c router.c responder.c signer.c
 * cache.c issuers.c metrics.c crl.c counter.c).  Each module's own state is
 * an opaque struct reached from struct server, which every entry point
 * takes: there is no global server.
 */
#ifndef CERTSTATUSD_SERVER_H
#define CERTSTATUSD_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <openssl/x509.h>

#include "config.h"
#include "db.h"
#include "ocsp.h"
#include "router.h"

#define ISSUERS_MAX		64
#define SIGN_QUEUE_MAX		4096	/* jobs waiting for a signer: beyond, tryLater */
#define PRESIGN_BATCH		256	/* certificates read per pre-signing step */
#define PRESIGN_INFLIGHT	512	/* pre-signing jobs in flight at most */

/* Counters behind /metrics (Prometheus text format, metrics.c). */
struct metrics {
	uint64_t	requests[EP_COUNT];
	uint64_t	http_status[6];		/* by first digit */
	uint64_t	ocsp_response[8];	/* by OCSPResponseStatus */
	uint64_t	ocsp_cert[3];		/* good, revoked, unknown */
	uint64_t	not_modified;
	uint64_t	presigned;		/* responses signed ahead */
	uint64_t	resigned;		/* of them, for a new signer */
	uint64_t	presign_passes;
	time_t		presign_done_at;	/* end of the last full pass */
	uint64_t	history_breaks;		/* registry restored/replaced */
	uint64_t	store_corrected;	/* stored answers found wrong */
	uint64_t	clock_steps;
	uint64_t	connections_refused;
	uint64_t	connections_timed_out;	/* no whole request in time */
	uint64_t	accept_errors;
	uint64_t	tls_handshake_failures;	/* refused or broken handshakes */
	uint64_t	tls_handshake_timeouts;	/* not finished in time */
	uint64_t	tls_reload_failures;	/* SIGHUP kept the old certificate */
};

/* One CA we answer for, with its delegated signer (public parts only). */
struct issuer {
	int64_t			 id;		/* issuers.id */
	int			 index;		/* position in server.issuers */
	char			*name;
	X509			*ca;
	X509			*signer;
	char			*signer_key;	/* path: only signer workers open it */
	time_t			 signer_not_after;
	time_t			 ca_not_after;
	time_t			 resign_before;	/* stored answers this old came
						   from a previous signer */
	struct ocsp_issuer_hashes hashes;
};

struct issuer_set {
	struct issuer		 v[ISSUERS_MAX];
	size_t			 n;
};

struct cache;
struct signer_pool;
struct crl_state;
struct counter;
struct presign;
struct access;
struct http_state;
struct main_state;

struct server {
	struct config		*conf;
	struct event_base	*base;
	struct http_state	*http;		/* http.c: listener, connections */
	struct main_state	*main_state;	/* main.c: registry watch, reload */
	struct db		*db;		/* registry, read-only */
	struct issuer_set	*issuers;
	struct cache		*cache;
	struct signer_pool	*signers;
	struct metrics		 metrics;
	struct crl_state	*crl;
	struct counter		*counter;
	struct presign		*presign;	/* presign.c */
	struct access		*access;	/* access.c: relying parties */

	int64_t			 data_version;	/* registry's PRAGMA data_version */
	int64_t			 change_seq;	/* last change applied */
	struct registry_mark	 mark;		/* history the store reflects */
	uint64_t		 epoch;		/* bumped by every applied change batch */
	int			 db_ok;		/* last registry read succeeded */
	char			 db_error[256];
	time_t			 started;
	int			 stopping;
	unsigned		 connections;
	struct event		*poll_ev;
};

/* service.c: sd_notify(3) readiness and state for systemd (Type=notify). */
void	service_started(struct server *s);	/* READY=1 at the latest in 10 s */
void	service_presigned(struct server *s);	/* a pre-signing pass ended */
void	service_reloading(int begin);		/* RELOADING=1, then READY=1 */
void	service_stopping(void);			/* STOPPING=1 */
void	service_stop(void);

/* check.c: certstatusd -n; each problem one line on stderr.  0 / -1. */
int	config_check(struct server *s, const char *conf_path);

/* issuers.c: load the CAs and signer certificates from the registry. */
struct issuer_set	*issuers_load(struct db *db, const struct config *conf,
			    char *err, size_t errlen);
void			 issuers_free(struct issuer_set *s);
/* The issuer whose hashes match this CertID, or NULL. */
struct issuer		*issuers_match(struct issuer_set *s,
			    const struct ocsp_certid *id);
struct issuer		*issuers_by_id(struct issuer_set *s, int64_t id);
/* 1 when both sets hold the same CAs and signers under the same ids. */
int			 issuers_same(const struct issuer_set *a,
			    const struct issuer_set *b);
struct issuer		*issuers_by_name(struct issuer_set *s, const char *name);
/*
 * After a reload, what next keeps from prev (same issuer id): a signer
 * other than prev's means every answer stored up to now must be signed
 * again (resign_before = now, logged); the same signer keeps prev's
 * resign_before (a re-sign still under way).  issuers_load sets it to the
 * signer's notBefore, so a restart re-signs what an earlier signer signed.
 */
void			 issuers_carry(struct issuer_set *next,
			    const struct issuer_set *prev, time_t now);

/* metrics.c: /metrics and /healthz. */
void	metrics_handle(struct server *s, struct evhttp_request *req);
void	healthz_handle(struct server *s, struct evhttp_request *req);
/*
 * 1 when healthy; why gets the first problem (an expired CA or signer
 * certificate is one), or "ok: ..." with a warning when one expires within
 * cert-expiry-warning.
 */
int	health_check(struct server *s, char *why, size_t whylen);

/*
 * http.c: listener, dispatch through routes[] (router.h), limits, access
 * log, common replies.  http_start() makes s->http (0, or -1 and why in
 * err: the caller exits); http_stop() ends every connection and frees it.
 */
int	http_start(struct server *s, char *err, size_t errlen);
/* Open the configured access log afresh (after rotation).  0 / -1 + err. */
int	http_log_reopen(struct server *s, char *err, size_t errlen);
void	http_stop(struct server *s);
void	http_stop_listening(struct server *s);
void	http_reload(struct server *s);
/*
 * The one way to answer: with body (may be NULL, copied) and content type
 * (NULL: evhttp's default); counts the status and writes the access log.
 * http_reply_error() answers msg as text/plain, Cache-Control: no-store.
 */
void	http_reply(struct server *s, struct evhttp_request *req, int code,
	    const char *type, const void *body, size_t len);
void	http_reply_error(struct server *s, struct evhttp_request *req,
	    int code, const char *msg);
/*
 * Read the request body into a malloc'd buffer of at most max bytes.  NULL
 * with *fail set when there is none: HTTP_BODY_EMPTY, HTTP_BODY_TOO_LARGE,
 * or HTTP_BODY_NOMEM (the request fails: tryLater or 500, never "empty").
 */
enum { HTTP_BODY_EMPTY = 1, HTTP_BODY_TOO_LARGE, HTTP_BODY_NOMEM };
unsigned char *http_body(struct evhttp_request *req, size_t max, size_t *len,
	    int *fail);
/*
 * 1 when req came over the HTTPS listener (tls-listen), else 0.  Its
 * client certificate, verified against tls-client-ca during the handshake,
 * or NULL (none, or plain HTTP); borrowed: valid while req is.
 */
int	http_is_tls(struct server *s, struct evhttp_request *req);
X509	*http_client_cert(struct server *s, struct evhttp_request *req);
/* The TCP peer's address as text (libevent's; "-" without a connection). */
const char *http_peer(struct evhttp_request *req);
/*
 * The client's address as text, for the access log and the rate limits:
 * the peer, or when the peer is a trusted-proxy the client its
 * X-Forwarded-For names (proxy.c has the rule).  Written into buf (len
 * bytes, PROXY_ADDR_MAX holds any); returns buf.
 */
const char *http_client_addr(struct server *s, struct evhttp_request *req,
	    char *buf, size_t len);

/* responder.c: the OCSP endpoints (POST, and GET with get_path the part
 * after the endpoint); one reply per request, now or when it is signed. */
void	responder_handle(struct server *s, struct evhttp_request *req,
	    const char *get_path);

/*
 * presign.c: the pre-signing walk, registry changes, history breaks and
 * clock steps, which keep the response store true (the invariant is at the
 * top of responder.c).  Its state is s->presign, made by the first start.
 */
/* Read the store's mark, apply the registry's changes since, start the
 * walk and the timers.  0, or -1 when the registry or store cannot be read. */
int	presign_start(struct server *s);
/* The registry's data_version moved: check its history, apply changes. */
void	presign_registry_changed(struct server *s);
/* Stop the walk and timers (a reload or reopen starts it again). */
void	presign_stop(struct server *s);
/* At exit, after the signer pools are freed (their jobs report here). */
void	presign_free(struct server *s);
/* 1 while a pre-signing pass runs (started then), else 0. */
int	presign_running(const struct server *s, time_t *pass_started);

/* crl.c: CRL endpoints and (optional) generation. */
int	crl_start(struct server *s, char *err, size_t errlen);
void	crl_handle(struct server *s, struct evhttp_request *req, const char *name);
void	crl_registry_changed(struct server *s);
void	crl_stop(struct server *s);
/* The served full (delta 0) or delta CRL's times for an issuer: 0, or -1
 * when none is served. */
int	crl_times(struct server *s, int64_t issuer_id, int delta,
	    time_t *this_update, time_t *next_update);
/* The CRL generator process: main() hands over on "--crl-child CONF". */
int	crl_child_main(int argc, char **argv);

/* counter.c: the online counter page and its JSON API. */
int	counter_start(struct server *s, char *err, size_t errlen);
void	counter_handle_page(struct server *s, struct evhttp_request *req);
void	counter_handle_api(struct server *s, struct evhttp_request *req);
void	counter_handle_static(struct server *s, struct evhttp_request *req,
	    const char *path);
void	counter_stop(struct server *s);

#endif
