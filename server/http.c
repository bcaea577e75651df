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
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "cacert.h"
#include "clock.h"
#include "framing.h"
#include "log.h"
#include "proxy.h"
#include "server.h"
#include "version.h"

#define ACCEPT_PAUSE_MS	100	/* after EMFILE/ENFILE */
#define CONN_BUCKETS	4096	/* a power of two */
#define SERVER_TOKEN_MAX 64	/* bytes of the Server header */
#define CRL_NAME_MAX	128	/* bytes of a /crl/ name, NUL included */

struct conn;

struct http_state {
	struct evhttp		*evhttp;
	struct evconnlistener	*listener;	/* evhttp's; NULL once freed */
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
	    "Connection: close\r\n\r\n%s\n",
	    h->code, status_reason(h->code), date, len, h->why);
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

static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct server	*s = arg;
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->s = s;
	c->linger_fd = -1;
	c->waiting_since = clock_mono();
	framing_reset(&c->head);
	c->head_armed = 1;
	if ((c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		return NULL;
	}
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
	if (body != NULL && len > 0)
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	access_log_line(s, req, code, len);
	evhttp_send_reply(req, code, code == HTTP_OK ? "OK" :
	    code == HTTP_NOTMODIFIED ? "Not Modified" : NULL, NULL);
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

/* Apply the limits from the configuration (at start and on reload). */
static void
http_limits(struct server *s)
{
	struct evhttp	*http = s->http->evhttp;

	evhttp_set_max_body_size(http, (ev_ssize_t)s->conf->max_body);
	evhttp_set_max_headers_size(http, (ev_ssize_t)s->conf->max_headers);
	evhttp_set_timeout(http, s->conf->timeout_sec);
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
	if ((h->evhttp = evhttp_new(s->base)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		return -1;
	}
	http_limits(s);
	evhttp_set_allowed_methods(h->evhttp, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(h->evhttp, conn_new, s);
	evhttp_set_gencb(h->evhttp, route, s);
	evhttp_set_default_content_type(h->evhttp, "text/plain; charset=utf-8");
	if (http_listen(s, err, errlen) != 0)
		return -1;
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

void
http_reload(struct server *s)
{
	http_limits(s);
	listener_resume(s);
}

/* Stop accepting; connections in flight finish. */
void
http_stop_listening(struct server *s)
{
	struct http_state	*h = s->http;

	if (h->listener != NULL)
		evconnlistener_disable(h->listener);
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
	h->evhttp = NULL;
	h->listener = NULL;
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
	free(h);
	s->http = NULL;
}
