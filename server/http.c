/*
 * http.c: the HTTP side of certstatusd on libevent's evhttp: one listener,
 * the routes, the limits (body, headers, CertIDs via the responder,
 * connections, timeouts), the access log, and the one reply path.
 *
 * libevent 2.1.12 has no connection cap, so every connection's bufferevent
 * is created here (evhttp_set_bevcb) wrapped in a pass-through filter whose
 * free callback tells us when evhttp closes it; at the cap the listener
 * stops accepting until a connection ends.  When accept() fails for want of
 * file descriptors the listener pauses instead of spinning.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "clock.h"
#include "log.h"
#include "server.h"

#define ACCEPT_PAUSE_MS	100	/* after EMFILE/ENFILE */

static struct evhttp_bound_socket	*bound;
static struct evconnlistener		*listener;
static struct event			*resume_ev;
static FILE				*access_log;
static int				 listener_paused;

static void
listener_pause(struct server *s)
{
	if (!listener_paused) {
		evconnlistener_disable(listener);
		listener_paused = 1;
	}
	(void)s;
}

static void
listener_resume(struct server *s)
{
	if (listener_paused &&
	    s->connections < (unsigned)s->conf->max_connections) {
		evconnlistener_enable(listener);
		listener_paused = 0;
	}
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	listener_resume(arg);
}

/*
 * arg is evhttp's own (the listener is evhttp's, created with its struct
 * evhttp as user data), not our server: use srv.
 */
static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct server	*s = srv;
	struct timeval	 tv = { 0, ACCEPT_PAUSE_MS * 1000 };
	int		 err = EVUTIL_SOCKET_ERROR();
	static time_t	 logged;
	static unsigned	 quiet;
	time_t		 now = time(NULL);

	(void)lev;
	(void)arg;
	s->metrics.accept_errors++;
	/* at most one line a minute while it lasts: the metric counts all */
	if (now - logged >= 60) {
		log_warnx("accept: %s: pausing the listener for %d ms (%u "
		    "more since the last report)",
		    evutil_socket_error_to_string(err), ACCEPT_PAUSE_MS, quiet);
		logged = now;
		quiet = 0;
	} else
		quiet++;
	listener_pause(s);
	evtimer_add(resume_ev, &tv);
}

/*
 * Connection accounting.  evhttp creates each connection's bufferevent
 * through conn_new(); we hold an extra reference on it, so its memory (and
 * its socket) outlive evhttp's bufferevent_free() until conn_release().  On
 * the next loop turn conn_adopt() finds the evhttp_connection (the
 * bufferevent's callback argument) and sets its close callback; if evhttp
 * already dropped the connection, the callbacks are gone and we release.
 */
struct conn {
	struct server		*s;
	struct bufferevent	*bev;
	struct evhttp_connection *evcon;	/* NULL until adopted, after close */
	time_t			 waiting_since;	/* no request in hand since; 0: busy */
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
#define CONN_BUCKETS		4096	/* a power of two */
#define SWEEP_MS		1000

static struct conn	*conn_list;
static struct conn	*conn_table[CONN_BUCKETS];
static struct event	*sweep_ev;

static time_t
mono_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static struct conn **
conn_slot(const struct bufferevent *bev)
{
	uintptr_t	 h = (uintptr_t)bev;

	h ^= h >> 17;
	return &conn_table[(h * 0x9E3779B97F4A7C15ULL >> 40) & (CONN_BUCKETS - 1)];
}

static void
conn_link(struct conn *c)
{
	struct conn	**slot = conn_slot(c->bev);

	c->hnext = *slot;
	*slot = c;
	c->next = conn_list;
	if (conn_list != NULL)
		conn_list->prev = c;
	conn_list = c;
}

static void
conn_unlink(struct conn *c)
{
	struct conn	**p;

	for (p = conn_slot(c->bev); *p != NULL; p = &(*p)->hnext)
		if (*p == c) {
			*p = c->hnext;
			break;
		}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		conn_list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
}

/* The connection a request came on, or NULL (not adopted yet). */
static struct conn *
conn_of(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct bufferevent		*bev;
	struct conn			*c;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return NULL;
	for (c = *conn_slot(bev); c != NULL; c = c->hnext)
		if (c->bev == bev)
			return c->evcon != NULL ? c : NULL;
	return NULL;
}

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	struct conn	*c, *next;
	time_t		 now = mono_now();
	time_t		 deadline = (time_t)s->conf->timeout_sec *
			    REQUEST_DEADLINE_FACTOR;

	(void)fd;
	(void)what;
	if (deadline < REQUEST_DEADLINE_MIN)
		deadline = REQUEST_DEADLINE_MIN;
	for (c = conn_list; c != NULL; c = next) {
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

static void
conn_release(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	struct server	*s = c->s;

	(void)fd;
	(void)what;
	conn_unlink(c);
	bufferevent_decref(c->bev);	/* the last reference: closes the socket */
	free(c);
	s->connections--;
	listener_resume(s);
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

static void
conn_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct conn		*c = arg;
	bufferevent_data_cb	 readcb;
	void			*evcon;

	(void)fd;
	(void)what;
	bufferevent_getcb(c->bev, &readcb, NULL, NULL, &evcon);
	if (readcb == NULL || evcon == NULL) {
		conn_release(-1, 0, c);
		return;
	}
	c->evcon = evcon;
	evhttp_connection_set_closecb(evcon, conn_closed, c);
}

static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct server	*s = arg;
	struct conn	*c;
	struct timeval	 now = { 0, 0 };

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->s = s;
	c->waiting_since = mono_now();
	if ((c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		return NULL;
	}
	bufferevent_incref(c->bev);
	conn_link(c);
	if (event_base_once(base, -1, EV_TIMEOUT, conn_adopt, c, &now) != 0) {
		conn_unlink(c);
		bufferevent_decref(c->bev);
		bufferevent_free(c->bev);
		free(c);
		return NULL;
	}
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

static const char *
method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "?";
}

/* One line per request; the path only up to '?', truncated: no personal data. */
static void
access_log_line(struct evhttp_request *req, int code, size_t len)
{
	const char	*uri = evhttp_request_get_uri(req);
	char		 stamp[32];
	int		 n;

	if (access_log == NULL)
		return;
	clock_format_iso(clock_now(), stamp);
	n = (int)strcspn(uri, "?");
	fprintf(access_log, "%s %s %s %.*s%s %d %zu\n", stamp, http_peer(req),
	    method_name(evhttp_request_get_command(req)), n > 200 ? 200 : n,
	    uri, n > 200 ? "..." : "", code, len);
}

void
http_reply(struct evhttp_request *req, int code, const char *type,
    const void *body, size_t len)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct conn		*c = conn_of(req);

	if (c != NULL)
		c->waiting_since = mono_now();	/* the next request's clock */
	srv->metrics.http_status[(code / 100) % 6]++;
	if (type != NULL)
		evhttp_add_header(out, "Content-Type", type);
	if (body != NULL && len > 0)
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	access_log_line(req, code, len);
	evhttp_send_reply(req, code, code == HTTP_OK ? "OK" :
	    code == HTTP_NOTMODIFIED ? "Not Modified" : NULL, NULL);
}

void
http_reply_error(struct evhttp_request *req, int code, const char *msg)
{
	char	 body[256];
	int	 n = snprintf(body, sizeof(body), "%s\n", msg);

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	http_reply(req, code, "text/plain; charset=utf-8", body,
	    n > 0 ? (size_t)n : 0);
}

unsigned char *
http_body(struct evhttp_request *req, size_t max, size_t *len, int *too_large)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 n = evbuffer_get_length(in);
	unsigned char	*p;

	*too_large = 0;
	*len = 0;
	if (n == 0)
		return NULL;
	if (n > max) {
		*too_large = 1;
		return NULL;
	}
	if ((p = malloc(n)) == NULL)
		return NULL;
	evbuffer_remove(in, p, n);
	*len = n;
	return p;
}

/*
 * More than one Content-Length: libevent reads the body by the first and
 * ignores the others, a request-smuggling ambiguity behind any proxy that
 * picks another one (RFC 9112 6.3: unrecoverable error).
 */
static int
content_length_repeated(struct evhttp_request *req)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyval		*h;
	int			 n = 0;

	TAILQ_FOREACH(h, in, next)
		if (strcasecmp(h->key, "Content-Length") == 0)
			n++;
	return n > 1;
}

/* Route by the raw request target: never a decoded or "normalized" one. */
static void
route(struct evhttp_request *req, void *arg)
{
	struct server		*s = arg;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	const char		*uri = evhttp_request_get_uri(req);
	const char		*path, *p;
	size_t			 plen;
	int			 get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
	struct conn		*c = conn_of(req);

	if (c != NULL)
		c->waiting_since = 0;	/* a whole request is in hand */

	if (s->stopping)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
	if (content_length_repeated(req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		http_reply_error(req, HTTP_BADREQUEST,
		    "more than one Content-Length");
		return;
	}
	/* absolute-form request target: skip scheme and authority */
	path = uri;
	if (strncmp(path, "http://", 7) == 0 &&
	    (path = strchr(path + 7, '/')) == NULL)
		path = "/";
	plen = strcspn(path, "?");

	if (plen == 8 && strncmp(path, "/healthz", 8) == 0 && get) {
		s->metrics.requests[EP_HEALTHZ]++;
		healthz_handle(s, req);
	} else if (plen == 8 && strncmp(path, "/metrics", 8) == 0 && get) {
		s->metrics.requests[EP_METRICS]++;
		metrics_handle(s, req);
	} else if (strncmp(path, "/crl/", 5) == 0 && get) {
		char	name[128];

		s->metrics.requests[EP_CRL]++;
		if (plen - 5 >= sizeof(name)) {
			http_reply_error(req, HTTP_NOTFOUND, "no such CRL");
			return;
		}
		memcpy(name, path + 5, plen - 5);
		name[plen - 5] = '\0';
		crl_handle(s, req, name);
	} else if (plen == 13 && strncmp(path, "/api/v1/check", 13) == 0) {
		s->metrics.requests[EP_API]++;
		if (cmd != EVHTTP_REQ_POST) {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Allow", "POST");
			http_reply_error(req, 405, "method not allowed");
			return;
		}
		counter_handle_api(s, req);
	} else if (strncmp(path, "/static/", 8) == 0 && get) {
		s->metrics.requests[EP_PAGE]++;
		counter_handle_static(s, req, path + 8);
	} else if ((plen == 1 || (plen == 6 &&
	    strncmp(path, "/check", 6) == 0)) && get) {
		/* /check reloaded or bookmarked after the no-JS form: the page */
		s->metrics.requests[EP_PAGE]++;
		counter_handle_page(s, req);
	} else if (plen == 12 && strncmp(path, "/favicon.ico", 12) == 0 && get) {
		s->metrics.requests[EP_PAGE]++;	/* never an OCSP GET */
		counter_handle_static(s, req, "favicon.ico");
	} else if (cmd == EVHTTP_REQ_POST &&
	    ((plen == 1 && path[0] == '/') ||
	    (plen == 5 && strncmp(path, "/ocsp", 5) == 0) ||
	    (plen == 6 && strncmp(path, "/ocsp/", 6) == 0))) {
		s->metrics.requests[EP_OCSP_POST]++;
		responder_handle(s, req, NULL);
	} else if (cmd == EVHTTP_REQ_POST && plen == 6 &&
	    strncmp(path, "/check", 6) == 0) {
		s->metrics.requests[EP_PAGE]++;
		counter_handle_page(s, req);	/* the form, without JavaScript */
	} else if (get) {
		s->metrics.requests[EP_OCSP_GET]++;
		p = strncmp(path, "/ocsp/", 6) == 0 ? path + 6 : path + 1;
		responder_handle(s, req, p);
	} else {
		s->metrics.requests[EP_OTHER]++;
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD, POST");
		http_reply_error(req, 405, "method not allowed");
	}
}

/* Apply the limits from the configuration (at start and on reload). */
static void
http_limits(struct server *s)
{
	evhttp_set_max_body_size(s->http, (ev_ssize_t)s->conf->max_body);
	evhttp_set_max_headers_size(s->http, (ev_ssize_t)s->conf->max_headers);
	evhttp_set_timeout(s->http, s->conf->timeout_sec);
}

int
http_start(struct server *s, char *err, size_t errlen)
{
	if ((s->http = evhttp_new(s->base)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		return -1;
	}
	http_limits(s);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(s->http, conn_new, s);
	evhttp_set_gencb(s->http, route, s);
	evhttp_set_default_content_type(s->http, "text/plain; charset=utf-8");
	bound = evhttp_bind_socket_with_handle(s->http, s->conf->listen_addr,
	    (ev_uint16_t)s->conf->listen_port);
	if (bound == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s",
		    s->conf->listen_addr, s->conf->listen_port, strerror(errno));
		return -1;
	}
	listener = evhttp_bound_socket_get_listener(bound);
	evconnlistener_set_error_cb(listener, accept_error_cb);
	resume_ev = evtimer_new(s->base, resume_cb, s);
	sweep_ev = event_new(s->base, -1, EV_PERSIST, sweep_cb, s);
	{
		struct timeval	tv = { SWEEP_MS / 1000, (SWEEP_MS % 1000) * 1000 };

		if (sweep_ev == NULL || event_add(sweep_ev, &tv) != 0) {
			snprintf(err, errlen, "cannot start the connection sweep");
			return -1;
		}
	}
	if (s->conf->access_log != NULL) {
		if (strcmp(s->conf->access_log, "-") == 0)
			access_log = stderr;
		else {
			char	*p = config_path(s->conf, s->conf->access_log);

			access_log = fopen(p, "a");
			free(p);
			if (access_log == NULL) {
				snprintf(err, errlen, "access-log %s: %s",
				    s->conf->access_log, strerror(errno));
				return -1;
			}
		}
		setvbuf(access_log, NULL, _IOLBF, 0);
	}
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
	(void)s;
	if (listener != NULL)
		evconnlistener_disable(listener);
	listener_paused = 1;
}

void
http_stop(struct server *s)
{
	if (s->http != NULL)
		evhttp_free(s->http);
	s->http = NULL;
	if (resume_ev != NULL)
		event_free(resume_ev);
	resume_ev = NULL;
	if (sweep_ev != NULL)
		event_free(sweep_ev);
	sweep_ev = NULL;
	if (access_log != NULL && access_log != stderr)
		fclose(access_log);
	access_log = NULL;
}
