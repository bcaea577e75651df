/* SPDX-License-Identifier: ISC */
/*
 * http.c: the HTTP side of certstatusd on libevent's evhttp: one listener,
 * dispatch through the route table (router.c) and the handlers it names,
 * the limits (body, headers, CertIDs via the responder, connections,
 * timeouts), the framing check (framing.c) on each raw head, the access
 * log, the one reply path and the lingering close.
 *
 * libevent 2.1.12 has no connection cap, so every connection's bufferevent
 * is created here (evhttp_set_bevcb, conn_new); we hold a reference on it
 * and learn from the connection's close callback when evhttp is done with
 * it; at the cap the listener stops accepting until a connection ends.
 * When accept() fails for want of file descriptors the listener pauses
 * instead of spinning.
 *
 * With tls-listen there is a second evhttp on its own listener whose
 * connections are bufferevent_openssl ones (conn_new_tls, SSL_CTX from
 * tls.c); everything else is shared: the route table, the limits, the
 * connection table and its cap (both listeners pause together), the
 * sweep, the framing check (on the decrypted input) and the lingering
 * close.  When it is there, the counter is served only over HTTPS
 * (https_only).
 *
 * All of it is struct http_state, made by http_start() and freed by
 * http_stop(), reached as s->http; each connection knows its server.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cacert.h"
#include "clock.h"
#include "framing.h"
#include "log.h"
#include "proxy.h"
#include "server.h"
#include "tls.h"
#include "version.h"

#define ACCEPT_PAUSE_MS	100	/* after EMFILE/ENFILE */
#define CONN_BUCKETS	4096	/* a power of two */
#define SERVER_TOKEN_MAX 64	/* bytes of the Server header */
#define CRL_NAME_MAX	128	/* bytes of a /crl/ name, NUL included */
#define HOST_MAX	256	/* bytes of a redirect's host, NUL included */
#define LOCATION_MAX	2048	/* bytes of a redirect's Location */
#define HSTS_VALUE	"max-age=31536000"	/* a year, as is usual */

struct conn;

struct http_state {
	struct evhttp		*evhttp;
	struct evconnlistener	*listener;	/* evhttp's; NULL once freed */
	struct evhttp		*tls_evhttp;	/* tls-listen; NULL: none */
	struct evconnlistener	*tls_listener;	/* tls_evhttp's */
	SSL_CTX			*tls_ctx;	/* new connections' (reload swaps) */
	char			*tls_addr;	/* as bound: a change needs a restart */
	int			 tls_port;
	int			 listener_paused;
	struct event		*resume_ev;	/* ends an accept-error pause */
	time_t			 accept_logged;	/* last accept error reported */
	unsigned		 accept_quiet;	/* errors since, not reported */
	struct event		*sweep_ev;	/* closes slow connections */
	FILE			*access_log;	/* NULL: none */
	struct conn		*conn_list;	/* every live connection */
	struct conn		*conn_table[CONN_BUCKETS]; /* by bufferevent */
	char			 token[SERVER_TOKEN_MAX]; /* "certstatusd/1.2" */
};

static void
listener_pause(struct server *s)
{
	struct http_state	*h = s->http;

	if (!h->listener_paused && h->listener != NULL) {
		evconnlistener_disable(h->listener);
		if (h->tls_listener != NULL)
			evconnlistener_disable(h->tls_listener);
		h->listener_paused = 1;
	}
}

static void
listener_resume(struct server *s)
{
	struct http_state	*h = s->http;

	/* not while stopping: http_stop_listening() paused it for good */
	if (h->listener_paused && !s->stopping && h->listener != NULL &&
	    s->connections < (unsigned)s->conf->max_connections) {
		evconnlistener_enable(h->listener);
		if (h->tls_listener != NULL)
			evconnlistener_enable(h->tls_listener);
		h->listener_paused = 0;
	}
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	listener_resume(arg);
}

static void	sweep_cb(evutil_socket_t, short, void *);

/* event_base_foreach_event() callback: the server the sweep was made for. */
static int
sweep_server(const struct event_base *base, const struct event *ev,
    void *arg)
{
	struct server	**s = arg;

	(void)base;
	if (event_get_callback(ev) != sweep_cb)
		return 0;
	*s = event_get_callback_arg(ev);
	return 1;
}

/*
 * The listener is evhttp's: evhttp_bind_listener() makes its struct evhttp
 * the listener's argument (also on a listener we would create), and
 * libevent 2.1 has no public way to hand evhttp a socket we accepted.  So
 * the server is found through the one event of ours that is on the base
 * while the listener is: the sweep (http_start() to http_stop()).  This
 * runs only when accept() fails, and then pauses the listener.
 */
static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct server		*s = NULL;
	struct http_state	*h;
	struct timeval		 tv = { 0, ACCEPT_PAUSE_MS * 1000 };
	int			 err = EVUTIL_SOCKET_ERROR();
	time_t			 now = time(NULL);

	(void)arg;
	if (event_base_foreach_event(evconnlistener_get_base(lev),
	    sweep_server, &s) != 1 || s == NULL) {
		evconnlistener_disable(lev);	/* never spin */
		log_warnx("accept: %s: no server for the listener",
		    evutil_socket_error_to_string(err));
		return;
	}
	h = s->http;
	s->metrics.accept_errors++;
	/* at most one line a minute while it lasts: the metric counts all */
	if (now - h->accept_logged >= 60) {
		log_warnx("accept: %s: pausing the listener for %d ms (%u "
		    "more since the last report)",
		    evutil_socket_error_to_string(err), ACCEPT_PAUSE_MS,
		    h->accept_quiet);
		h->accept_logged = now;
		h->accept_quiet = 0;
	} else
		h->accept_quiet++;
	listener_pause(s);
	evtimer_add(h->resume_ev, &tv);
}

/*
 * The access log: one line per answer; the path only up to '?', truncated:
 * no personal data.
 */
static void
access_log_write(struct http_state *h, const char *peer, const char *method,
    const char *uri, int code, size_t len)
{
	char	 stamp[32];
	int	 n;

	if (h->access_log == NULL)
		return;
	clock_format_iso(clock_now(), stamp);
	n = (int)strcspn(uri, "?");
	fprintf(h->access_log, "%s %s %s %.*s%s %d %zu\n", stamp, peer, method,
	    n > 200 ? 200 : n, uri, n > 200 ? "..." : "", code, len);
}

/*
 * Connection accounting.  evhttp creates each connection's bufferevent
 * through conn_new(); we hold an extra reference on it, so its memory (and
 * its socket) outlive evhttp's bufferevent_free() until conn_release().  On
 * the next loop turn conn_adopt() finds the evhttp_connection (the
 * bufferevent's callback argument) and sets its close callback; if evhttp
 * already dropped the connection, the callbacks are gone and we release.
 * A connection counts until its socket is closed, lingering included.
 */
struct conn {
	struct server		*s;
	struct bufferevent	*bev;		/* NULL once released */
	struct evhttp_connection *evcon;	/* NULL until adopted, after close */
	int			 adopted;
	int			 tls;		/* from the HTTPS listener */
	int			 handshake_counted; /* its end is in the metrics */
	struct event		*adopt_ev;
	time_t			 waiting_since;	/* no request in hand since; 0: busy */
	struct framing		 head;		/* the request head being read */
	int			 head_armed;	/* head is fed what arrives */
	int			 taken;		/* we answer, not evhttp */
	struct event		*reject_ev;	/* takes over on the next turn */
	int			 linger_fd;	/* -1, or lingering on it */
	struct event		*linger_ev;
	size_t			 lingered;	/* bytes discarded */
	int64_t			 linger_end_us;	/* clock_mono_us() */
	struct conn		*next, *prev;	/* every live connection */
	struct conn		*hnext;		/* conn_table bucket, by bev */
};

/*
 * evhttp resets its timeout at every byte, so a client trickling a header
 * byte now and then would hold its connection for as long as the header
 * limit lasts.  A connection must therefore bring each request whole
 * within REQUEST_DEADLINE_FACTOR timeouts of the previous answer (or of
 * connecting); the sweep closes those that do not.
 */
#define REQUEST_DEADLINE_FACTOR	3
#define REQUEST_DEADLINE_MIN	5	/* seconds */
#define SWEEP_MS		1000

/*
 * Lingering close (nginx lingering_time, Apache's lingering close): when
 * we close while the client may still be sending (a 413 or 400 before the
 * body was read, an idle timeout), closing a socket with unread input makes
 * the kernel send a reset, which destroys our answer in the client's
 * buffers: a client that writes its whole body before reading (urllib)
 * sees a broken pipe instead of the 413.  So after evhttp (or we) shut the
 * write side, the socket stays open and what arrives is discarded until
 * the client closes, or LINGER_SEC or LINGER_BYTES are reached.
 */
#define LINGER_SEC		2
#define LINGER_BYTES		(4 * 1024 * 1024)
#define LINGER_READ		16384	/* bytes per read */

static struct conn **
conn_slot(struct http_state *h, const struct bufferevent *bev)
{
	uintptr_t	 k = (uintptr_t)bev;

	k ^= k >> 17;
	return &h->conn_table[(k * 0x9E3779B97F4A7C15ULL >> 40) &
	    (CONN_BUCKETS - 1)];
}

static void
conn_link(struct conn *c)
{
	struct http_state	*h = c->s->http;
	struct conn		**slot = conn_slot(h, c->bev);

	c->hnext = *slot;
	*slot = c;
	c->next = h->conn_list;
	if (h->conn_list != NULL)
		h->conn_list->prev = c;
	h->conn_list = c;
}

/* Out of the table by bufferevent (which is going away), still counted. */
static void
conn_unhash(struct conn *c)
{
	struct conn	**p;

	for (p = conn_slot(c->s->http, c->bev); *p != NULL; p = &(*p)->hnext)
		if (*p == c) {
			*p = c->hnext;
			break;
		}
}

static void
conn_unlink(struct conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->s->http->conn_list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
}

static struct conn *
conn_find(struct http_state *h, const struct bufferevent *bev)
{
	struct conn	*c;

	if (bev == NULL)
		return NULL;
	for (c = *conn_slot(h, bev); c != NULL; c = c->hnext)
		if (c->bev == bev)
			return c;
	return NULL;
}

/* The connection a request came on, or NULL (not adopted yet). */
static struct conn *
conn_of(struct http_state *h, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct conn			*c;

	if (evcon == NULL)
		return NULL;
	c = conn_find(h, evhttp_connection_get_bufferevent(evcon));
	return c != NULL && c->evcon != NULL ? c : NULL;
}

/* A TLS connection whose handshake has not finished (else 0). */
static int
conn_handshaking(const struct conn *c)
{
	SSL	*ssl;

	if (!c->tls || c->bev == NULL ||
	    (ssl = bufferevent_openssl_get_ssl(c->bev)) == NULL)
		return 0;
	return !SSL_is_init_finished(ssl);
}

/*
 * A TLS connection that ends before its handshake finished is counted
 * once: as a timeout when it ran out of time (the sweep, or evhttp's
 * timeout: no OpenSSL error, and the timeout has passed since it
 * connected, which is waiting_since until a request is in hand), else as
 * a failed handshake (a protocol the server refuses, a bad record, a
 * client that gave up).
 */
static void
conn_handshake_end(struct conn *c, int timed_out)
{
	unsigned long	 e, first = 0;
	const char	*why;

	if (c->handshake_counted || c->s->stopping || !conn_handshaking(c))
		return;
	c->handshake_counted = 1;
	while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
		if (first == 0 || ERR_GET_LIB(first) == 0)
			first = e;	/* prefer one with a reason */
	if (timed_out || (first == 0 && clock_mono() - c->waiting_since >=
	    (time_t)c->s->conf->timeout_sec)) {
		c->s->metrics.tls_handshake_timeouts++;
		log_debug("%s: handshake not finished in time", __func__);
		return;
	}
	c->s->metrics.tls_handshake_failures++;
	why = ERR_GET_LIB(first) != 0 ? ERR_reason_error_string(first) : NULL;
	log_debug("%s: handshake failed: %s", __func__,
	    why != NULL ? why : "connection closed");
}

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	struct conn	*c, *next;
	time_t		 now = clock_mono();
	time_t		 deadline = (time_t)s->conf->timeout_sec *
			    REQUEST_DEADLINE_FACTOR;

	(void)fd;
	(void)what;
	if (deadline < REQUEST_DEADLINE_MIN)
		deadline = REQUEST_DEADLINE_MIN;
	for (c = s->http->conn_list; c != NULL; c = next) {
		next = c->next;
		if (c->evcon == NULL || c->waiting_since == 0 ||
		    now - c->waiting_since <= deadline)
			continue;
		if (conn_handshaking(c))
			conn_handshake_end(c, 1);
		else
			s->metrics.connections_timed_out++;
		log_debug("%s: no whole request in %lld s: closing",
		    __func__, (long long)(now - c->waiting_since));
		evhttp_connection_free(c->evcon);	/* runs conn_closed */
	}
}

/* The end of a connection: its socket is closed, it no longer counts. */
static void
conn_free(struct conn *c)
{
	struct server	*s = c->s;

	conn_unlink(c);
	if (c->linger_ev != NULL)
		event_free(c->linger_ev);
	if (c->linger_fd != -1)
		close(c->linger_fd);
	free(c);
	s->connections--;
	listener_resume(s);
}

/* At http_stop(): end a connection where it stands, without lingering. */
static void
conn_drop(struct conn *c)
{
	if (c->bev != NULL) {
		conn_unhash(c);
		if (c->adopt_ev != NULL)
			event_free(c->adopt_ev);
		if (c->reject_ev != NULL)
			event_free(c->reject_ev);
		bufferevent_decref(c->bev);	/* evhttp_free() dropped its own */
		c->bev = NULL;
	}
	conn_free(c);
}

static void
linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	char		 buf[LINGER_READ];
	struct timeval	 tv;
	ssize_t		 n;
	long long	 left_us;
	int		 i;

	if (what & EV_TIMEOUT)
		goto done;
	for (i = 0; i < 4; i++) {	/* a bounded share of the loop */
		if ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
			if ((c->lingered += (size_t)n) >= LINGER_BYTES)
				goto done;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR))
			goto done;
		break;
	}
	left_us = c->linger_end_us - clock_mono_us();
	if (left_us <= 0)
		goto done;
	tv.tv_sec = (time_t)(left_us / 1000000);
	tv.tv_usec = (suseconds_t)(left_us % 1000000);
	if (event_add(c->linger_ev, &tv) == 0)
		return;
 done:
	log_debug("%s: closing after %zu bytes discarded", __func__,
	    c->lingered);
	conn_free(c);
}

/*
 * A descriptor of the socket to linger on (the bufferevent closes its own),
 * or -1 when the client is gone already or has nothing more to say.
 */
static int
linger_fd(struct bufferevent *bev)
{
	evutil_socket_t	 fd = bufferevent_getfd(bev);
	char		 b;
	ssize_t		 n;

	if (fd < 0)
		return -1;
	n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
		return -1;
	return dup(fd);
}

static int
linger_start(struct conn *c, int fd)
{
	struct timeval	 tv = { LINGER_SEC, 0 };

	c->linger_fd = fd;
	(void)shutdown(fd, SHUT_WR);	/* evhttp did; not on every path */
	c->linger_end_us = clock_mono_us() + LINGER_SEC * 1000000LL;
	if ((c->linger_ev = event_new(c->s->base, fd, EV_READ, linger_cb,
	    c)) == NULL || event_add(c->linger_ev, &tv) != 0)
		return -1;
	return 0;
}

/*
 * Say goodbye in TLS (close_notify) before the socket closes, so that a
 * client can tell our close from a cut connection.  One non-blocking try:
 * the answer was written already, and a client gone is no matter.
 */
static void
tls_close_notify(struct bufferevent *bev)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(bev);

	if (ssl != NULL && SSL_is_init_finished(ssl) &&
	    !(SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN))
		(void)SSL_shutdown(ssl);
	ERR_clear_error();
}

static void
conn_release(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	int		 lfd;

	(void)fd;
	(void)what;
	conn_unhash(c);
	event_free(c->adopt_ev);
	c->adopt_ev = NULL;
	if (c->reject_ev != NULL)
		event_free(c->reject_ev);
	c->reject_ev = NULL;
	lfd = linger_fd(c->bev);
	if (c->tls)
		tls_close_notify(c->bev);
	bufferevent_decref(c->bev);	/* the last reference: closes its fd */
	c->bev = NULL;
	if (lfd != -1 && linger_start(c, lfd) == 0)
		return;
	conn_free(c);
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn	*c = arg;
	struct timeval	 now = { 0, 0 };

	(void)evcon;
	c->evcon = NULL;
	conn_handshake_end(c, 0);
	/* evhttp frees the bufferevent after this returns: release later */
	if (event_base_once(c->s->base, -1, EV_TIMEOUT, conn_release, c,
	    &now) != 0)
		log_warnx("%s: cannot schedule a release", __func__);
}

/* Take the evhttp_connection from the bufferevent: 0, or -1 when gone. */
static int
conn_adopt_now(struct conn *c)
{
	bufferevent_data_cb	 readcb;
	void			*evcon;

	if (c->adopted)
		return c->evcon != NULL ? 0 : -1;
	/* evhttp clears the read callback while it writes: look at the argument */
	bufferevent_getcb(c->bev, &readcb, NULL, NULL, &evcon);
	if (evcon == NULL)
		return -1;
	c->adopted = 1;
	c->evcon = evcon;
	evhttp_connection_set_closecb(evcon, conn_closed, c);
	return 0;
}

static void
conn_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	if (!c->adopted && conn_adopt_now(c) != 0)
		conn_release(-1, 0, c);
}

/*
 * Framing.  evhttp reads a head into C strings and frames the body by the
 * first Content-Length or an exact "Transfer-Encoding: chunked", ignoring
 * the rest (see framing.c for what is refused).  So each head is checked
 * from its raw bytes before evhttp parses it: an evbuffer callback on the
 * connection's input buffer sees every read before the bufferevent's read
 * callback (evhttp) does, and evhttp acts on a request only at the empty
 * line that ends its head, which framing_feed() has seen first.  The check
 * is armed for the head (at connect, and when an answer has been written:
 * head_rearm() from the request's on-complete callback, which scans what
 * was pipelined meanwhile); from the end of a sound head to the end of its
 * answer evhttp reads the body by its own rules, which are then
 * unambiguous.  A refused head is answered here: evhttp's callbacks on
 * the bufferevent are replaced by ours (conn_take), the answer is written,
 * and evhttp_connection_free() closes it (lingering, above).  When the
 * refusal comes from bytes pipelined behind an answer, evhttp is still in
 * its on-complete path: the input is dropped so it has nothing to parse,
 * and reject_ev takes over on the next turn (or input_cb, if bytes come
 * first).
 */
static const char *
status_reason(int code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

static void
take_read_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
}

static void
take_done_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (c->evcon != NULL)
		evhttp_connection_free(c->evcon);	/* runs conn_closed */
}

static void
take_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	take_done_cb(bev, arg);
}

/* Answer the refused head ourselves and close after it is written. */
static void
conn_take(struct conn *c)
{
	struct server		*s = c->s;
	struct framing		*h = &c->head;
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	char			 date[64], *peer = NULL;
	ev_uint16_t		 port;
	time_t			 now = time(NULL);
	struct tm		 tm;
	size_t			 len = strlen(h->why) + 1;

	if (c->taken || conn_adopt_now(c) != 0)
		return;
	c->taken = 1;
	c->head_armed = 0;
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_setcb(c->bev, take_read_cb, take_done_cb, take_event_cb, c);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT",
	    gmtime_r(&now, &tm));
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n"
	    "%s%s%s"
	    "Connection: close\r\n\r\n%s\n",
	    h->code, status_reason(h->code), date, len,
	    c->tls ? "Strict-Transport-Security: " : "",
	    c->tls ? HSTS_VALUE : "", c->tls ? "\r\n" : "", h->why);
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
	s->metrics.requests[EP_OTHER]++;
	s->metrics.http_status[(h->code / 100) % 6]++;
	evhttp_connection_get_peer(c->evcon, &peer, &port);
	access_log_write(s->http, peer != NULL ? peer : "-",
	    h->method[0] != '\0' ? h->method : "-",
	    h->target[0] != '\0' ? h->target : "-", h->code, len);
	log_debug("%s: %s: %d %s", __func__, peer != NULL ? peer : "-",
	    h->code, h->why);
}

static void
reject_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_take(arg);
}

/*
 * Feed the head check buf's bytes from offset on.  Returns 1 when the head
 * was refused, else 0.
 */
static int
head_scan(struct conn *c, struct evbuffer *buf, size_t off)
{
	struct evbuffer_ptr	 pos;
	struct evbuffer_iovec	 v[8];
	size_t			 len = evbuffer_get_length(buf), n, used;
	int			 i, nv;

	while (c->head_armed && off < len) {
		if (evbuffer_ptr_set(buf, &pos, off, EVBUFFER_PTR_SET) != 0 ||
		    (nv = evbuffer_peek(buf, (ev_ssize_t)(len - off), &pos, v,
		    8)) <= 0)
			break;
		for (i = 0; i < nv && i < 8 && off < len; i++) {
			n = v[i].iov_len < len - off ? v[i].iov_len : len - off;
			used = framing_feed(&c->head, v[i].iov_base, n);
			off += used;
			if (c->head.state != FRAMING_HEAD) {
				c->head_armed = 0;
				return c->head.state == FRAMING_REJECT;
			}
		}
	}
	return 0;
}

static void
input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;
	size_t		 len = evbuffer_get_length(buf);

	if (c->taken || info->n_added == 0)
		return;
	if (c->head.state == FRAMING_REJECT || (c->head_armed &&
	    head_scan(c, buf, len - info->n_added)))
		conn_take(c);	/* before evhttp sees these bytes */
}

/* An answer was written: check the next head, pipelined or to come. */
static void
head_rearm(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct timeval	 now = { 0, 0 };

	(void)req;
	framing_reset(&c->head);
	c->head_armed = 1;
	if (!head_scan(c, in, 0))
		return;
	/* evhttp goes on to read what is buffered: leave it nothing */
	evbuffer_drain(in, evbuffer_get_length(in));
	if (c->reject_ev == NULL)
		c->reject_ev = evtimer_new(c->s->base, reject_cb, c);
	if (c->reject_ev == NULL || evtimer_add(c->reject_ev, &now) != 0)
		log_warnx("%s: cannot schedule the refusal", __func__);
}

/* One connection's accounting around bev (which it frees on failure). */
static struct bufferevent *
conn_account(struct server *s, struct event_base *base,
    struct bufferevent *bev, int tls)
{
	struct conn	*c;

	if (bev == NULL)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		bufferevent_free(bev);
		return NULL;
	}
	c->s = s;
	c->bev = bev;
	c->tls = tls;
	c->linger_fd = -1;
	c->waiting_since = clock_mono();
	framing_reset(&c->head);
	c->head_armed = 1;
	if ((c->adopt_ev = evtimer_new(base, conn_adopt, c)) == NULL ||
	    evbuffer_add_cb(bufferevent_get_input(c->bev), input_cb, c) == NULL) {
		if (c->adopt_ev != NULL)
			event_free(c->adopt_ev);
		bufferevent_free(c->bev);
		free(c);
		return NULL;
	}
	bufferevent_incref(c->bev);
	conn_link(c);
	event_active(c->adopt_ev, EV_TIMEOUT, 1);	/* after evhttp's setup */
	if (++s->connections >= (unsigned)s->conf->max_connections) {
		s->metrics.connections_refused++;
		listener_pause(s);
	}
	return c->bev;
}

static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	return conn_account(arg, base, bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE), 0);
}

/*
 * The HTTPS listener's connections: evhttp sets the socket, and the
 * bufferevent then does the server side of the handshake before evhttp
 * sees any byte.  The SSL holds its own reference to the context, so a
 * reload that swaps s->http->tls_ctx leaves this connection on its own.
 * When this fails evhttp makes a plain bufferevent of its own, which
 * route_tls() refuses.
 */
static struct bufferevent *
conn_new_tls(struct event_base *base, void *arg)
{
	struct server		*s = arg;
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(s->http->tls_ctx)) == NULL) {
		log_ssl("%s: SSL_new", __func__);
		return NULL;
	}
	/* frees ssl when it fails (BEV_OPT_CLOSE_ON_FREE) */
	if ((bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	/* a client that closes without close_notify ends, it does not fail */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return conn_account(s, base, bev, 1);
}

const char *
http_peer(struct evhttp_request *req)
{
	struct evhttp_connection	*con = evhttp_request_get_connection(req);
	char				*addr = NULL;
	ev_uint16_t			 port;

	if (con == NULL)
		return "-";
	evhttp_connection_get_peer(con, &addr, &port);
	return addr != NULL ? addr : "-";
}

/*
 * Every X-Forwarded-For header's value, in order, joined by commas (RFC
 * 9110 5.3: the same as one list); NULL when there is none or no memory,
 * which leaves the peer as the client.  Bounded by max-headers.
 */
static char *
forwarded_for(struct evhttp_request *req)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyval		*h;
	size_t			 len = 0, n;
	char			*list, *p;

	TAILQ_FOREACH(h, in, next)
		if (strcasecmp(h->key, "X-Forwarded-For") == 0)
			len += strlen(h->value) + 1;
	if (len == 0 || (list = malloc(len)) == NULL)
		return NULL;
	p = list;
	TAILQ_FOREACH(h, in, next)
		if (strcasecmp(h->key, "X-Forwarded-For") == 0) {
			if (p != list)
				*p++ = ',';
			n = strlen(h->value);
			memcpy(p, h->value, n);
			p += n;
		}
	*p = '\0';
	return list;
}

const char *
http_client_addr(struct server *s, struct evhttp_request *req, char *buf,
    size_t len)
{
	const struct config	*c = s->conf;
	char			*xff = NULL;

	/*
	 * With no trusted-proxy the headers are not even gathered; from an
	 * untrusted peer proxy_client_addr() never looks at them.
	 */
	if (c->nproxies > 0)
		xff = forwarded_for(req);
	proxy_client_addr(c->proxies, c->nproxies, http_peer(req), xff, buf,
	    len);
	free(xff);
	return buf;
}

/* evhttp's method as the router's bit (0 for one it does not know). */
static unsigned
route_method(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return ROUTE_GET;
	case EVHTTP_REQ_POST: return ROUTE_POST;
	case EVHTTP_REQ_HEAD: return ROUTE_HEAD;
	case EVHTTP_REQ_PUT: return ROUTE_PUT;
	case EVHTTP_REQ_DELETE: return ROUTE_DELETE;
	case EVHTTP_REQ_OPTIONS: return ROUTE_OPTIONS;
	case EVHTTP_REQ_TRACE: return ROUTE_TRACE;
	case EVHTTP_REQ_CONNECT: return ROUTE_CONNECT;
	case EVHTTP_REQ_PATCH: return ROUTE_PATCH;
	}
	return 0;
}

static void
access_log_line(struct server *s, struct evhttp_request *req, int code,
    size_t len)
{
	char	 client[PROXY_ADDR_MAX];

	access_log_write(s->http, http_client_addr(s, req, client,
	    sizeof(client)),
	    route_method_name(route_method(evhttp_request_get_command(req))),
	    evhttp_request_get_uri(req), code, len);
}

/* The SSL of the connection req came on, or NULL (plain HTTP, or gone). */
static SSL *
req_ssl(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct bufferevent		*bev;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return NULL;
	return bufferevent_openssl_get_ssl(bev);
}

int
http_is_tls(struct server *s, struct evhttp_request *req)
{
	(void)s;
	return req_ssl(req) != NULL;
}

X509 *
http_client_cert(struct server *s, struct evhttp_request *req)
{
	SSL	*ssl = req_ssl(req);

	(void)s;
	/* verify_cb lets a failed verification through: trust only a pass */
	if (ssl == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return NULL;
	return SSL_get0_peer_certificate(ssl);
}

/* Reason phrases evhttp 2.1 does not know. */
static const char *
reply_reason(int code)
{
	switch (code) {
	case HTTP_OK: return "OK";
	case HTTP_NOTMODIFIED: return "Not Modified";
	case 308: return "Permanent Redirect";
	}
	return NULL;	/* evhttp's own */
}

void
http_reply(struct server *s, struct evhttp_request *req, int code,
    const char *type, const void *body, size_t len)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct conn		*c = conn_of(s->http, req);

	if (c != NULL)
		c->waiting_since = clock_mono();	/* the next request's clock */
	s->metrics.http_status[(code / 100) % 6]++;
	if (type != NULL)
		evhttp_add_header(out, "Content-Type", type);
	if (s->conf->server_tokens)		/* off by default: say less */
		evhttp_add_header(out, "Server", s->http->token);
	/* over HTTPS, browsers are to come back only over HTTPS */
	if (req_ssl(req) != NULL)
		evhttp_add_header(out, "Strict-Transport-Security", HSTS_VALUE);
	if (body != NULL && len > 0)
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	access_log_line(s, req, code, len);
	evhttp_send_reply(req, code, reply_reason(code), NULL);
}

void
http_reply_error(struct server *s, struct evhttp_request *req, int code,
    const char *msg)
{
	char	 body[256];
	int	 n = snprintf(body, sizeof(body), "%s\n", msg);

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	http_reply(s, req, code, "text/plain; charset=utf-8", body,
	    n > 0 ? (size_t)n : 0);
}


unsigned char *
http_body(struct evhttp_request *req, size_t max, size_t *len, int *fail)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 n = evbuffer_get_length(in);
	unsigned char	*p;

	*fail = 0;
	*len = 0;
	if (n == 0) {
		*fail = HTTP_BODY_EMPTY;
		return NULL;
	}
	if (n > max) {
		*fail = HTTP_BODY_TOO_LARGE;
		return NULL;
	}
	if ((p = malloc(n)) == NULL) {
		*fail = HTTP_BODY_NOMEM;
		return NULL;
	}
	evbuffer_remove(in, p, n);
	*len = n;
	return p;
}

/* The handlers routes[] names (router.h): each answers exactly once. */

void
http_serve_healthz(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)hit;
	healthz_handle(s, req);
}

void
http_serve_metrics(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)hit;
	metrics_handle(s, req);
}

/* /crl/NAME: the name is the rest of the path, without the query. */
void
http_serve_crl(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	char	 name[CRL_NAME_MAX];

	if (hit->rest_len >= sizeof(name)) {
		http_reply_error(s, req, HTTP_NOTFOUND, "no such CRL");
		return;
	}
	memcpy(name, hit->rest, hit->rest_len);
	name[hit->rest_len] = '\0';
	crl_handle(s, req, name);
}

/* /ca/NAME.crt: the CA certificate a caIssuers URL names (cacert.c). */
void
http_serve_ca(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	char	 name[CACERT_NAME_MAX];

	if (hit->rest_len >= sizeof(name)) {
		http_reply_error(s, req, HTTP_NOTFOUND, "no such CA certificate");
		return;
	}
	memcpy(name, hit->rest, hit->rest_len);
	name[hit->rest_len] = '\0';
	cacert_handle(s, req, name);
}

void
http_serve_api(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)hit;
	counter_handle_api(s, req);
}

void
http_serve_static(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	counter_handle_static(s, req, hit->rest);
}

void
http_serve_favicon(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)hit;
	counter_handle_static(s, req, "favicon.ico");
}

/* GET: the page; POST /check: the form, without JavaScript. */
void
http_serve_page(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)hit;
	counter_handle_page(s, req);
}

void
http_serve_ocsp_post(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)hit;
	responder_handle(s, req, NULL);
}

/* The request is what follows the row's path (query included: refused). */
void
http_serve_ocsp_get(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	responder_handle(s, req, hit->rest);
}

/*
 * The host part of a Host header value (RFC 9110 7.2: a name or an
 * address literal, then maybe ":port") into out, as a URL's host; -1 when
 * it holds anything else: it goes into a Location header, so it is never
 * reflected as sent.
 */
static int
host_part(const char *v, char *out, size_t len)
{
	size_t		 n;
	const char	*end;

	if (v[0] == '[') {
		n = strspn(v + 1, "0123456789abcdefABCDEF:.");
		if (v[1 + n] != ']')
			return -1;
		n += 2;		/* with the brackets */
	} else
		n = strspn(v, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
	end = v + n;
	if (n == 0 || n >= len || (*end != '\0' && (*end != ':' ||
	    end[1 + strspn(end + 1, "0123456789")] != '\0')))
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

/*
 * The same target on the HTTPS listener, into buf; -1 for a Host header
 * that is not one (without any, the tls-listen address).  The path and
 * query go as they came, unless a byte in them could not: then "/".
 */
static int
https_location(struct http_state *h, struct evhttp_request *req,
    const struct route_hit *hit, char *buf, size_t len)
{
	const char	*v = evhttp_find_header(evhttp_request_get_input_headers(req),
			    "Host");
	const char	*path = hit->path, *p;
	char		 host[HOST_MAX], port[16] = "";
	int		 n;

	if (v != NULL) {
		if (host_part(v, host, sizeof(host)) != 0)
			return -1;
	} else
		snprintf(host, sizeof(host), strchr(h->tls_addr, ':') != NULL ?
		    "[%s]" : "%s", h->tls_addr);
	if (h->tls_port != 443)
		snprintf(port, sizeof(port), ":%d", h->tls_port);
	for (p = path; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			break;
	if (*p != '\0' || path[0] != '/')
		path = "/";
	n = snprintf(buf, len, "https://%s%s%s", host, port, path);
	if (n < 0 || (size_t)n >= len)
		n = snprintf(buf, len, "https://%s%s/", host, port);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * With tls-listen, the counter (its page and API carry residents'
 * certificates, with name, address and birth date) is served only over
 * HTTPS: on plain HTTP the page answers with a permanent redirect (308
 * for a POST, which must be sent again as it was, 301 else) and the API,
 * whose clients do not follow redirects with a body, with 403 and a JSON
 * error like its others.  1 when it answered req.
 */
static int
https_only(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	char			 loc[LOCATION_MAX], *text;
	json_t			*o;
	int			 post;

	if (s->http->tls_evhttp == NULL || req_ssl(req) != NULL ||
	    (hit->endpoint != EP_PAGE && hit->endpoint != EP_API))
		return 0;
	if (https_location(s->http, req, hit, loc, sizeof(loc)) != 0) {
		http_reply_error(s, req, HTTP_BADREQUEST, "bad Host header");
		return 1;
	}
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (hit->endpoint == EP_PAGE) {
		post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
		evhttp_add_header(out, "Location", loc);
		http_reply(s, req, post ? 308 : HTTP_MOVEPERM,
		    "text/plain; charset=utf-8", "https required\n", 15);
		return 1;
	}
	o = json_pack("{s:s, s:s, s:s}", "error", "https_required",
	    "message", "The online counter's API answers only over HTTPS.",
	    "url", loc);
	if (o == NULL || (text = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		http_reply_error(s, req, HTTP_INTERNAL, "out of memory");
		return 1;
	}
	http_reply(s, req, 403, "application/json; charset=utf-8", text,
	    strlen(text));
	free(text);
	json_decref(o);
	return 1;
}

/* Route by the raw request target: never a decoded or "normalized" one. */
static void
route(struct evhttp_request *req, void *arg)
{
	struct server		*s = arg;
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct conn		*c = conn_find(s->http, evcon != NULL ?
				    evhttp_connection_get_bufferevent(evcon) : NULL);
	struct route_hit	 hit;
	enum route_result	 res;
	char			 allow[ROUTE_ALLOW_MAX];

	if (c != NULL) {
		c->waiting_since = 0;	/* a whole request is in hand */
		/* its head passed framing.c; check the next after the answer */
		evhttp_request_set_on_complete_cb(req, head_rearm, c);
	}
	if (s->stopping)
		evhttp_add_header(out, "Connection", "close");
	res = route_find(routes, routes_len,
	    route_method(evhttp_request_get_command(req)),
	    evhttp_request_get_uri(req), &hit);
	s->metrics.requests[hit.endpoint]++;
	switch (res) {
	case ROUTE_FOUND:
		if (!https_only(s, req, &hit))
			hit.route->handler(s, req, &hit);
		break;
	case ROUTE_NO_METHOD:
		evhttp_add_header(out, "Allow", route_allow_text(hit.allow,
		    allow, sizeof(allow)));
		http_reply_error(s, req, 405, "method not allowed");
		break;
	case ROUTE_NO_PATH:
		http_reply_error(s, req, HTTP_NOTFOUND, "not found");
		break;
	}
}

/*
 * The HTTPS listener's requests.  Only a connection that failed to become
 * TLS (conn_new_tls) reaches here without it: never serve plain HTTP on
 * the HTTPS port.
 */
static void
route_tls(struct evhttp_request *req, void *arg)
{
	struct server	*s = arg;

	if (req_ssl(req) == NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		http_reply_error(s, req, HTTP_SERVUNAVAIL, "out of memory");
		return;
	}
	route(req, arg);
}

/* Apply the limits from the configuration (at start and on reload). */
static void
http_limits(struct server *s)
{
	struct evhttp	*v[2] = { s->http->evhttp, s->http->tls_evhttp };

	for (size_t i = 0; i < 2; i++) {
		if (v[i] == NULL)
			continue;
		evhttp_set_max_body_size(v[i], (ev_ssize_t)s->conf->max_body);
		evhttp_set_max_headers_size(v[i],
		    (ev_ssize_t)s->conf->max_headers);
		evhttp_set_timeout(v[i], s->conf->timeout_sec);
	}
}

/* The listener and the sweep on s->http: 0, or -1 and why in err. */
static int
http_listen(struct server *s, char *err, size_t errlen)
{
	struct http_state		*h = s->http;
	struct evhttp_bound_socket	*bound;
	struct timeval			 tv = { SWEEP_MS / 1000,
					    (SWEEP_MS % 1000) * 1000 };

	bound = evhttp_bind_socket_with_handle(h->evhttp, s->conf->listen_addr,
	    (ev_uint16_t)s->conf->listen_port);
	if (bound == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s",
		    s->conf->listen_addr, s->conf->listen_port, strerror(errno));
		return -1;
	}
	h->listener = evhttp_bound_socket_get_listener(bound);
	evconnlistener_set_error_cb(h->listener, accept_error_cb);
	if ((h->resume_ev = evtimer_new(s->base, resume_cb, s)) == NULL ||
	    (h->sweep_ev = event_new(s->base, -1, EV_PERSIST, sweep_cb,
	    s)) == NULL || event_add(h->sweep_ev, &tv) != 0) {
		snprintf(err, errlen, "cannot start the connection sweep");
		return -1;
	}
	return 0;
}

/* An evhttp as both listeners have it, with its own connections. */
static struct evhttp *
http_evhttp_new(struct server *s,
    struct bufferevent *(*bevcb)(struct event_base *, void *),
    void (*gencb)(struct evhttp_request *, void *))
{
	struct evhttp	*v;

	if ((v = evhttp_new(s->base)) == NULL)
		return NULL;
	evhttp_set_allowed_methods(v, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(v, bevcb, s);
	evhttp_set_gencb(v, gencb, s);
	evhttp_set_default_content_type(v, "text/plain; charset=utf-8");
	return v;
}

/*
 * tls-listen: the context from the files (read now, as root, before the
 * privileges go), then the second listener.  0, or -1 and why in err.
 */
static int
http_listen_tls(struct server *s, char *err, size_t errlen)
{
	struct http_state		*h = s->http;
	struct evhttp_bound_socket	*bound;
	char				 why[CONFIG_ERR_MAX];

	if ((h->tls_ctx = tls_ctx_new(s->conf, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if ((h->tls_evhttp = http_evhttp_new(s, conn_new_tls,
	    route_tls)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		return -1;
	}
	bound = evhttp_bind_socket_with_handle(h->tls_evhttp,
	    s->conf->tls_listen_addr, (ev_uint16_t)s->conf->tls_listen_port);
	if (bound == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d (tls-listen): %s",
		    s->conf->tls_listen_addr, s->conf->tls_listen_port,
		    strerror(errno));
		return -1;
	}
	h->tls_listener = evhttp_bound_socket_get_listener(bound);
	evconnlistener_set_error_cb(h->tls_listener, accept_error_cb);
	if ((h->tls_addr = strdup(s->conf->tls_listen_addr)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->tls_port = s->conf->tls_listen_port;
	log_info("listening for HTTPS on %s:%d", h->tls_addr, h->tls_port);
	return 0;
}

int
http_start(struct server *s, char *err, size_t errlen)
{
	struct http_state	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->http = h;
	snprintf(h->token, sizeof(h->token), "certstatusd/%s",
	    certstatus_version);
	if ((h->evhttp = http_evhttp_new(s, conn_new, route)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		return -1;
	}
	if (http_listen(s, err, errlen) != 0)
		return -1;
	if (s->conf->tls_listen_addr != NULL &&
	    http_listen_tls(s, err, errlen) != 0)
		return -1;
	http_limits(s);
	return http_log_reopen(s, err, errlen);
}

/*
 * (Re)open the access log named by the config: at start, and on SIGHUP and
 * SIGUSR1 after logrotate moved the file away.  The new file is opened
 * before the old one is closed, so a failure keeps logging to the old one.
 */
int
http_log_reopen(struct server *s, char *err, size_t errlen)
{
	struct http_state	*h = s->http;
	FILE			*f = NULL;

	if (s->conf->access_log != NULL &&
	    strcmp(s->conf->access_log, "-") == 0)
		f = stderr;
	else if (s->conf->access_log != NULL) {
		char	*p = config_path(s->conf, s->conf->access_log);

		if (p == NULL) {
			snprintf(err, errlen, "access-log: out of memory");
			return -1;
		}
		f = fopen(p, "a");
		free(p);
		if (f == NULL) {
			snprintf(err, errlen, "access-log %s: %s",
			    s->conf->access_log, strerror(errno));
			return -1;
		}
		setvbuf(f, NULL, _IOLBF, 0);
	}
	if (h->access_log != NULL && h->access_log != stderr)
		fclose(h->access_log);
	h->access_log = f;
	return 0;
}

/*
 * SIGHUP and tls-cert / tls-key / tls-client-ca: a new context for new
 * connections when the files make one; connections open keep theirs (each
 * SSL holds a reference).  A failure keeps the old one, loudly: the log
 * and certstatus_tls_reload_failures_total.  The files are read as `user`
 * now.  The listener's address is the one bound at start.
 */
static void
http_reload_tls(struct server *s)
{
	struct http_state	*h = s->http;
	const struct config	*c = s->conf;
	SSL_CTX			*ctx;
	char			 err[CONFIG_ERR_MAX];

	if (h->tls_evhttp == NULL) {
		if (c->tls_listen_addr != NULL)
			log_warnx("reload: tls-listen needs a restart");
		return;
	}
	if (c->tls_listen_addr == NULL || strcmp(c->tls_listen_addr,
	    h->tls_addr) != 0 || c->tls_listen_port != h->tls_port) {
		log_warnx("reload: tls-listen changes need a restart (still "
		    "on %s:%d)", h->tls_addr, h->tls_port);
		if (c->tls_listen_addr == NULL)
			return;		/* no files named: keep the context */
	}
	if ((ctx = tls_ctx_new(c, err, sizeof(err))) == NULL) {
		s->metrics.tls_reload_failures++;
		log_warnx("reload: keeping the running TLS certificate: %s", err);
		return;
	}
	SSL_CTX_free(h->tls_ctx);	/* connections open hold their own */
	h->tls_ctx = ctx;
	log_info("reload: TLS certificate and key loaded from %s and %s",
	    c->tls_cert, c->tls_key);
}

void
http_reload(struct server *s)
{
	http_limits(s);
	http_reload_tls(s);
	listener_resume(s);
}

/* Stop accepting; connections in flight finish. */
void
http_stop_listening(struct server *s)
{
	struct http_state	*h = s->http;

	if (h->listener != NULL)
		evconnlistener_disable(h->listener);
	if (h->tls_listener != NULL)
		evconnlistener_disable(h->tls_listener);
	h->listener_paused = 1;
}

void
http_stop(struct server *s)
{
	struct http_state	*h = s->http;
	struct conn		*c, *next;

	if (h == NULL)
		return;
	if (h->evhttp != NULL)
		evhttp_free(h->evhttp);	/* and its listener */
	if (h->tls_evhttp != NULL)
		evhttp_free(h->tls_evhttp);
	h->evhttp = h->tls_evhttp = NULL;
	h->listener = h->tls_listener = NULL;
	for (c = h->conn_list; c != NULL; c = next) {
		next = c->next;
		conn_drop(c);
	}
	if (h->resume_ev != NULL)
		event_free(h->resume_ev);
	if (h->sweep_ev != NULL)
		event_free(h->sweep_ev);
	if (h->access_log != NULL && h->access_log != stderr)
		fclose(h->access_log);
	SSL_CTX_free(h->tls_ctx);	/* after the connections' SSLs */
	free(h->tls_addr);
	free(h);
	s->http = NULL;
}
