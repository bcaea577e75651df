/* SPDX-License-Identifier: ISC */
/*
 * router.h: certstatusd's routes as data.  One row per (path, methods):
 * which endpoint it counts under and which handler answers.  Matching is
 * pure (no libevent), so tests/check_router.c runs it without a server.
 */
#ifndef CERTSTATUSD_ROUTER_H
#define CERTSTATUSD_ROUTER_H

#include <stddef.h>

/* What /metrics counts requests under (certstatus_requests_total). */
enum endpoint {
	EP_OCSP_POST, EP_OCSP_GET, EP_CRL, EP_PAGE, EP_API, EP_HEALTHZ,
	EP_METRICS, EP_CA, EP_OTHER, EP_COUNT
};

/* Methods as bits; the Allow header lists them in this order. */
#define ROUTE_GET	0x001
#define ROUTE_HEAD	0x002
#define ROUTE_POST	0x004
#define ROUTE_PUT	0x008
#define ROUTE_DELETE	0x010
#define ROUTE_OPTIONS	0x020
#define ROUTE_TRACE	0x040
#define ROUTE_CONNECT	0x080
#define ROUTE_PATCH	0x100
#define ROUTE_READ	(ROUTE_GET | ROUTE_HEAD)

#define ROUTE_ALLOW_MAX	64	/* bytes: holds every method's name */

enum route_kind {
	ROUTE_EXACT,		/* the path up to '?' is the row's path */
	ROUTE_PREFIX		/* the path starts with the row's path */
};

struct server;
struct evhttp_request;
struct route_hit;

/* A row's handler: answers req exactly once. */
typedef void route_handler(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit);

struct route {
	unsigned		 methods;	/* ROUTE_* bits */
	const char		*path;		/* no '?' */
	enum route_kind		 kind;
	enum endpoint		 endpoint;
	route_handler		*handler;
};

enum route_result {
	ROUTE_FOUND,		/* hit->route answers */
	ROUTE_NO_METHOD,	/* 405: hit->allow lists the path's methods */
	ROUTE_NO_PATH		/* 404: no row has this path */
};

struct route_hit {
	const struct route	*route;		/* ROUTE_FOUND only, else NULL */
	enum endpoint		 endpoint;	/* what to count: see route_find */
	unsigned		 allow;		/* methods of the path's rows */
	const char		*path;		/* the target's path (no scheme, host) */
	size_t			 path_len;	/* up to '?' */
	const char		*rest;		/* after the row's path, query included */
	size_t			 rest_len;	/* up to '?' */
};

/*
 * The server's table (router.c) and its length.  Its handlers live in
 * http.c; a test that links router.o alone defines them.
 */
extern const struct route	 routes[];
extern const size_t		 routes_len;

/* http.c: the handlers routes[] names. */
route_handler	http_serve_healthz, http_serve_metrics, http_serve_crl,
		http_serve_api, http_serve_static, http_serve_favicon,
		http_serve_page, http_serve_ocsp_post, http_serve_ocsp_get,
		http_serve_ca;

/*
 * Route the raw request target (never a decoded or "normalized" one; an
 * absolute-form "http://host/..." is taken from its path) for one method
 * (a ROUTE_* bit) through table[0..n).  The first row whose path matches
 * picks the path; the rows right after it with the same path and kind are
 * that path's other methods.  So order is precedence: exact paths and longer
 * prefixes before the "/" prefix that takes every other GET.
 *
 * Fills hit and returns ROUTE_FOUND (the row whose methods hold method;
 * endpoint is its endpoint), ROUTE_NO_METHOD (endpoint is the path's first
 * row's, allow the union of the path's rows' methods) or ROUTE_NO_PATH
 * (endpoint EP_OTHER, allow 0).
 */
enum route_result	 route_find(const struct route *table, size_t n,
			    unsigned method, const char *target,
			    struct route_hit *hit);

/* "GET, HEAD, POST": the names of methods' bits into buf; returns buf. */
const char		*route_allow_text(unsigned methods, char *buf,
			    size_t len);

/* A ROUTE_* bit's method name ("GET"), or "?" for anything else. */
const char		*route_method_name(unsigned method);

/* The endpoint's label in /metrics ("ocsp_get"), or "?" out of range. */
const char		*route_endpoint_name(enum endpoint ep);

#endif
