/* SPDX-License-Identifier: ISC */
/*
 * router.c: certstatusd's route table and the match on it (router.h).
 * Adding an endpoint is adding a row here and its handler in http.c;
 * /metrics and the 405's Allow header follow from the rows.
 */
#include <stdio.h>
#include <string.h>

#include "router.h"

/*
 * Order is precedence (route_find): the first row whose path matches owns
 * the path, and rows of one path are adjacent.  OCSP GET is RFC 6960 A.1 /
 * RFC 5019 {url}/{url-encoded base64}, url being this server's root or its
 * /ocsp: so every GET no other row claims is an OCSP GET of what follows
 * the "/".  /check and /favicon.ico have rows of their own and never reach
 * OCSP GET decoding.
 */
const struct route routes[] = {
	{ ROUTE_READ,	"/healthz",	 ROUTE_EXACT,  EP_HEALTHZ,   http_serve_healthz },
	{ ROUTE_READ,	"/metrics",	 ROUTE_EXACT,  EP_METRICS,   http_serve_metrics },
	{ ROUTE_READ,	"/crl/",	 ROUTE_PREFIX, EP_CRL,	     http_serve_crl },
	{ ROUTE_READ,	"/ca/",		 ROUTE_PREFIX, EP_CA,	     http_serve_ca },
	{ ROUTE_POST,	"/api/v1/check", ROUTE_EXACT,  EP_API,	     http_serve_api },
	{ ROUTE_READ,	"/static/",	 ROUTE_PREFIX, EP_PAGE,	     http_serve_static },
	{ ROUTE_READ,	"/favicon.ico",	 ROUTE_EXACT,  EP_PAGE,	     http_serve_favicon },
	/* /check reloaded or bookmarked after the no-JS form: the page */
	{ ROUTE_READ,	"/check",	 ROUTE_EXACT,  EP_PAGE,	     http_serve_page },
	{ ROUTE_POST,	"/check",	 ROUTE_EXACT,  EP_PAGE,	     http_serve_page },
	{ ROUTE_READ,	"/",		 ROUTE_EXACT,  EP_PAGE,	     http_serve_page },
	{ ROUTE_POST,	"/",		 ROUTE_EXACT,  EP_OCSP_POST, http_serve_ocsp_post },
	{ ROUTE_POST,	"/ocsp",	 ROUTE_EXACT,  EP_OCSP_POST, http_serve_ocsp_post },
	{ ROUTE_READ,	"/ocsp",	 ROUTE_EXACT,  EP_OCSP_GET,  http_serve_ocsp_get },
	{ ROUTE_POST,	"/ocsp/",	 ROUTE_EXACT,  EP_OCSP_POST, http_serve_ocsp_post },
	{ ROUTE_READ,	"/ocsp/",	 ROUTE_EXACT,  EP_OCSP_GET,  http_serve_ocsp_get },
	{ ROUTE_READ,	"/ocsp/",	 ROUTE_PREFIX, EP_OCSP_GET,  http_serve_ocsp_get },
	{ ROUTE_READ,	"/",		 ROUTE_PREFIX, EP_OCSP_GET,  http_serve_ocsp_get },
};
const size_t routes_len = sizeof(routes) / sizeof(routes[0]);

static const char *method_names[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT",
	"PATCH",
};
#define METHODS_N	(sizeof(method_names) / sizeof(method_names[0]))

static const char *endpoint_names[EP_COUNT] = {
	"ocsp_post", "ocsp_get", "crl", "page", "api", "healthz", "metrics",
	"ca", "other",
};

/* The path of a request target: an absolute-form's scheme and host skipped. */
static const char *
target_path(const char *target)
{
	const char	*p;

	if (strncmp(target, "http://", 7) != 0)
		return target;
	p = strchr(target + 7, '/');
	return p != NULL ? p : "/";
}

static int
path_matches(const struct route *r, const char *path, size_t plen)
{
	size_t	 n = strlen(r->path);

	if (r->kind == ROUTE_EXACT)
		return plen == n && memcmp(path, r->path, n) == 0;
	return plen >= n && memcmp(path, r->path, n) == 0;
}

static int
same_path(const struct route *a, const struct route *b)
{
	return a->kind == b->kind && strcmp(a->path, b->path) == 0;
}

enum route_result
route_find(const struct route *table, size_t n, unsigned method,
    const char *target, struct route_hit *hit)
{
	size_t	 i, j, rlen;

	memset(hit, 0, sizeof(*hit));
	hit->endpoint = EP_OTHER;
	hit->path = target_path(target);
	hit->path_len = strcspn(hit->path, "?");
	for (i = 0; i < n; i++)
		if (path_matches(&table[i], hit->path, hit->path_len))
			break;
	if (i == n)
		return ROUTE_NO_PATH;
	rlen = strlen(table[i].path);
	hit->rest = hit->path + rlen;
	hit->rest_len = hit->path_len - rlen;
	hit->endpoint = table[i].endpoint;
	for (j = i; j < n && same_path(&table[i], &table[j]); j++) {
		hit->allow |= table[j].methods;
		if (hit->route == NULL && (table[j].methods & method) != 0) {
			hit->route = &table[j];
			hit->endpoint = table[j].endpoint;
		}
	}
	return hit->route != NULL ? ROUTE_FOUND : ROUTE_NO_METHOD;
}

const char *
route_allow_text(unsigned methods, char *buf, size_t len)
{
	size_t	 used = 0;
	int	 n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < METHODS_N; i++) {
		if ((methods & (1U << i)) == 0)
			continue;
		n = snprintf(buf + used, len - used, "%s%s",
		    used > 0 ? ", " : "", method_names[i]);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';	/* whole names only */
			break;
		}
		used += (size_t)n;
	}
	return buf;
}

const char *
route_method_name(unsigned method)
{
	for (size_t i = 0; i < METHODS_N; i++)
		if (method == 1U << i)
			return method_names[i];
	return "?";
}

const char *
route_endpoint_name(enum endpoint ep)
{
	if ((int)ep < 0 || ep >= EP_COUNT)
		return "?";
	return endpoint_names[ep];
}
