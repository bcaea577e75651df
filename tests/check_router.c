/* SPDX-License-Identifier: ISC */
/*
 * check_router.c: the route table and its match (server/router.c), linked
 * alone: which row answers a target and method, the rest of the path a
 * handler gets, 405 with the path's methods, and the table's own shape.
 * The handlers are stubs here; a row is known by its handler's address.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "router.h"

/* The handlers routes[] names; http.c has the real ones. */
void
http_serve_healthz(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)s; (void)req; (void)hit;
}

void
http_serve_metrics(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)s; (void)req; (void)hit;
}

void
http_serve_crl(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)s; (void)req; (void)hit;
}

void
http_serve_api(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)s; (void)req; (void)hit;
}

void
http_serve_static(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)s; (void)req; (void)hit;
}

void
http_serve_favicon(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)s; (void)req; (void)hit;
}

void
http_serve_page(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)s; (void)req; (void)hit;
}

void
http_serve_ocsp_post(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)s; (void)req; (void)hit;
}

void
http_serve_ocsp_get(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)s; (void)req; (void)hit;
}

void
http_serve_ca(struct server *s, struct evhttp_request *req,
    const struct route_hit *hit)
{
	(void)s; (void)req; (void)hit;
}

static const unsigned all_methods[] = {
	ROUTE_GET, ROUTE_HEAD, ROUTE_POST, ROUTE_PUT, ROUTE_DELETE,
	ROUTE_OPTIONS, ROUTE_TRACE, ROUTE_CONNECT, ROUTE_PATCH,
};
#define ALL_METHODS_N	(sizeof(all_methods) / sizeof(all_methods[0]))

static struct route_hit	 hit;

/* Route target with method through the server's table. */
static enum route_result
find(unsigned method, const char *target)
{
	return route_find(routes, routes_len, method, target, &hit);
}

/* The row answering method on target: its handler and endpoint. */
static void
expect(unsigned method, const char *target, route_handler *h,
    enum endpoint ep)
{
	ck_assert_msg(find(method, target) == ROUTE_FOUND, "%s %s: not found",
	    route_method_name(method), target);
	ck_assert_msg(hit.route->handler == h, "%s %s: another handler",
	    route_method_name(method), target);
	ck_assert_msg(hit.endpoint == ep, "%s %s: counted as %s",
	    route_method_name(method), target, route_endpoint_name(hit.endpoint));
}

/* A 405 for method on target, with this Allow text, counted under ep. */
static void
expect_405(unsigned method, const char *target, const char *allow,
    enum endpoint ep)
{
	char	 buf[ROUTE_ALLOW_MAX];

	ck_assert_msg(find(method, target) == ROUTE_NO_METHOD, "%s %s: no 405",
	    route_method_name(method), target);
	ck_assert_ptr_null(hit.route);
	ck_assert_str_eq(route_allow_text(hit.allow, buf, sizeof(buf)), allow);
	ck_assert_int_eq(hit.endpoint, ep);
}

/* The rest of the path a handler gets (up to '?') and with the query. */
static void
expect_rest(const char *rest, size_t len)
{
	ck_assert_str_eq(hit.rest, rest);
	ck_assert_uint_eq(hit.rest_len, len);
}

START_TEST(exact_paths)
{
	expect(ROUTE_GET, "/healthz", http_serve_healthz, EP_HEALTHZ);
	expect(ROUTE_HEAD, "/healthz", http_serve_healthz, EP_HEALTHZ);
	expect(ROUTE_GET, "/healthz?verbose=1", http_serve_healthz, EP_HEALTHZ);
	expect(ROUTE_GET, "/metrics", http_serve_metrics, EP_METRICS);
	expect(ROUTE_POST, "/api/v1/check", http_serve_api, EP_API);
	expect(ROUTE_POST, "/api/v1/check?lang=en", http_serve_api, EP_API);
	expect(ROUTE_GET, "/", http_serve_page, EP_PAGE);
	expect(ROUTE_GET, "/?lang=es", http_serve_page, EP_PAGE);
	/* an exact path is not a prefix: longer ones are other resources */
	expect(ROUTE_GET, "/healthz/", http_serve_ocsp_get, EP_OCSP_GET);
	expect(ROUTE_GET, "/healthzz", http_serve_ocsp_get, EP_OCSP_GET);
	expect(ROUTE_GET, "/metric", http_serve_ocsp_get, EP_OCSP_GET);
	expect_405(ROUTE_POST, "/api/v1/checks", "GET, HEAD", EP_OCSP_GET);
	/* case matters: paths are compared as sent */
	expect(ROUTE_GET, "/HEALTHZ", http_serve_ocsp_get, EP_OCSP_GET);
}
END_TEST

START_TEST(prefix_paths)
{
	expect(ROUTE_GET, "/crl/inagi.crl", http_serve_crl, EP_CRL);
	expect_rest("inagi.crl", 9);
	expect(ROUTE_GET, "/crl/inagi-delta.crl?x=1", http_serve_crl, EP_CRL);
	expect_rest("inagi-delta.crl?x=1", 15);
	expect(ROUTE_HEAD, "/crl/", http_serve_crl, EP_CRL);
	expect_rest("", 0);
	/* the prefix ends in '/': "/crl" alone is no CRL */
	expect(ROUTE_GET, "/crl", http_serve_ocsp_get, EP_OCSP_GET);
	expect(ROUTE_GET, "/static/counter.css", http_serve_static, EP_PAGE);
	expect_rest("counter.css", 11);
	expect(ROUTE_GET, "/static/counter.js?v=2", http_serve_static, EP_PAGE);
	expect_rest("counter.js?v=2", 10);
	expect(ROUTE_GET, "/ca/inagi.crt", http_serve_ca, EP_CA);
	expect_rest("inagi.crt", 9);
	expect(ROUTE_HEAD, "/ca/inagi-2031.crt?x", http_serve_ca, EP_CA);
	expect_rest("inagi-2031.crt?x", 14);
	/* "/ca" alone and "/cacert" are not the CA prefix */
	expect(ROUTE_GET, "/ca", http_serve_ocsp_get, EP_OCSP_GET);
	expect(ROUTE_GET, "/cacert", http_serve_ocsp_get, EP_OCSP_GET);
	/* a '?' before the prefix ends is the query, not the path */
	expect(ROUTE_GET, "/crl?/x", http_serve_ocsp_get, EP_OCSP_GET);
}
END_TEST

START_TEST(methods)
{
	expect_405(ROUTE_POST, "/healthz", "GET, HEAD", EP_HEALTHZ);
	expect_405(ROUTE_DELETE, "/metrics", "GET, HEAD", EP_METRICS);
	expect_405(ROUTE_POST, "/crl/inagi.crl", "GET, HEAD", EP_CRL);
	expect_405(ROUTE_PUT, "/ca/inagi.crt", "GET, HEAD", EP_CA);
	expect_405(ROUTE_PUT, "/static/counter.css", "GET, HEAD", EP_PAGE);
	expect_405(ROUTE_GET, "/api/v1/check", "POST", EP_API);
	expect_405(ROUTE_HEAD, "/api/v1/check", "POST", EP_API);
	expect_405(ROUTE_PUT, "/api/v1/check", "POST", EP_API);
	/* one path, rows for several methods: Allow lists them all */
	expect_405(ROUTE_PUT, "/", "GET, HEAD, POST", EP_PAGE);
	expect_405(ROUTE_OPTIONS, "/check", "GET, HEAD, POST", EP_PAGE);
	expect_405(ROUTE_DELETE, "/ocsp", "GET, HEAD, POST", EP_OCSP_POST);
	expect_405(ROUTE_PATCH, "/ocsp/", "GET, HEAD, POST", EP_OCSP_POST);
	/* a method evhttp knows but the router does not */
	expect_405(0, "/", "GET, HEAD, POST", EP_PAGE);
	expect_405(0x8000, "/healthz", "GET, HEAD", EP_HEALTHZ);
}
END_TEST

/* The counter's own paths are never OCSP GET requests. */
START_TEST(check_and_favicon)
{
	expect(ROUTE_GET, "/check", http_serve_page, EP_PAGE);
	expect(ROUTE_HEAD, "/check", http_serve_page, EP_PAGE);
	expect(ROUTE_GET, "/check?lang=ja", http_serve_page, EP_PAGE);
	expect(ROUTE_POST, "/check", http_serve_page, EP_PAGE);
	expect(ROUTE_POST, "/check?lang=en", http_serve_page, EP_PAGE);
	expect(ROUTE_GET, "/favicon.ico", http_serve_favicon, EP_PAGE);
	expect(ROUTE_HEAD, "/favicon.ico", http_serve_favicon, EP_PAGE);
	expect(ROUTE_GET, "/favicon.ico?v=1", http_serve_favicon, EP_PAGE);
	expect_405(ROUTE_POST, "/favicon.ico", "GET, HEAD", EP_PAGE);
	expect(ROUTE_GET, "http://localhost:8080/check", http_serve_page,
	    EP_PAGE);
	expect(ROUTE_GET, "http://localhost/favicon.ico", http_serve_favicon,
	    EP_PAGE);
}
END_TEST

/*
 * RFC 6960 A.1 / RFC 5019: GET {url}/{url-encoded base64}, url being the
 * root or /ocsp; the handler decodes what follows (query included, which
 * the decoder refuses).
 */
START_TEST(ocsp_get)
{
	static const char	 b64[] = "MEMwQTA%2FMD0wOzAJBgUrDgMCGgUABBQ=";

	expect(ROUTE_GET, "/ocsp/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUABBQ=",
	    http_serve_ocsp_get, EP_OCSP_GET);
	expect_rest(b64, strlen(b64));
	expect(ROUTE_GET, "/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUABBQ=",
	    http_serve_ocsp_get, EP_OCSP_GET);
	expect_rest(b64, strlen(b64));
	expect(ROUTE_HEAD, "/MEMw", http_serve_ocsp_get, EP_OCSP_GET);
	/* base64 holds '/': it is all the request */
	expect(ROUTE_GET, "/ocsp/MEMw/QTA/+A==", http_serve_ocsp_get,
	    EP_OCSP_GET);
	expect_rest("MEMw/QTA/+A==", 13);
	expect(ROUTE_GET, "/MEMw/QTA", http_serve_ocsp_get, EP_OCSP_GET);
	expect_rest("MEMw/QTA", 8);
	expect(ROUTE_GET, "/ocsp/MEMw?x", http_serve_ocsp_get, EP_OCSP_GET);
	expect_rest("MEMw?x", 4);
	expect(ROUTE_GET, "/ocsp/", http_serve_ocsp_get, EP_OCSP_GET);
	expect_rest("", 0);
	expect(ROUTE_GET, "/ocsp", http_serve_ocsp_get, EP_OCSP_GET);
	expect(ROUTE_GET, "/ocspMEMw", http_serve_ocsp_get, EP_OCSP_GET);
	expect_rest("ocspMEMw", 8);
	/* absolute-form: the path after the authority */
	expect(ROUTE_GET, "http://ocsp.example.jp/ocsp/MEMw",
	    http_serve_ocsp_get, EP_OCSP_GET);
	expect_rest("MEMw", 4);
	expect(ROUTE_GET, "http://ocsp.example.jp", http_serve_page, EP_PAGE);
	/* not OCSP POST paths either */
	expect_405(ROUTE_POST, "/ocsp/MEMw", "GET, HEAD", EP_OCSP_GET);
	expect_405(ROUTE_POST, "/MEMw", "GET, HEAD", EP_OCSP_GET);
}
END_TEST

START_TEST(ocsp_post)
{
	expect(ROUTE_POST, "/", http_serve_ocsp_post, EP_OCSP_POST);
	expect(ROUTE_POST, "/ocsp", http_serve_ocsp_post, EP_OCSP_POST);
	expect(ROUTE_POST, "/ocsp/", http_serve_ocsp_post, EP_OCSP_POST);
	expect(ROUTE_POST, "/ocsp?x=1", http_serve_ocsp_post, EP_OCSP_POST);
	expect(ROUTE_POST, "http://ocsp.example.jp/ocsp", http_serve_ocsp_post,
	    EP_OCSP_POST);
	expect(ROUTE_POST, "http://ocsp.example.jp", http_serve_ocsp_post,
	    EP_OCSP_POST);
}
END_TEST

/* Targets that are neither origin-form nor absolute-form http://. */
START_TEST(no_path)
{
	ck_assert_int_eq(find(ROUTE_GET, "*"), ROUTE_NO_PATH);
	ck_assert_int_eq(hit.endpoint, EP_OTHER);
	ck_assert_uint_eq(hit.allow, 0);
	ck_assert_ptr_null(hit.route);
	ck_assert_int_eq(find(ROUTE_OPTIONS, "*"), ROUTE_NO_PATH);
	ck_assert_int_eq(find(ROUTE_GET, ""), ROUTE_NO_PATH);
	ck_assert_int_eq(find(ROUTE_GET, "healthz"), ROUTE_NO_PATH);
	ck_assert_int_eq(find(ROUTE_GET, "https://h/healthz"), ROUTE_NO_PATH);
	/* an empty table has no path */
	ck_assert_int_eq(route_find(routes, 0, ROUTE_GET, "/", &hit),
	    ROUTE_NO_PATH);
}
END_TEST

/* Order is precedence in any table, not only the server's. */
START_TEST(first_path_wins)
{
	static const struct route	 t[] = {
		{ ROUTE_GET, "/a/", ROUTE_PREFIX, EP_CRL, http_serve_crl },
		{ ROUTE_POST, "/a/", ROUTE_PREFIX, EP_API, http_serve_api },
		{ ROUTE_GET, "/a/b", ROUTE_EXACT, EP_PAGE, http_serve_page },
		{ ROUTE_PUT, "/", ROUTE_PREFIX, EP_OTHER, http_serve_page },
	};
	char	 buf[ROUTE_ALLOW_MAX];

	/* "/a/b" is shadowed by the "/a/" prefix before it */
	ck_assert_int_eq(route_find(t, 4, ROUTE_GET, "/a/b", &hit), ROUTE_FOUND);
	ck_assert_ptr_eq(hit.route, &t[0]);
	ck_assert_int_eq(route_find(t, 4, ROUTE_POST, "/a/b", &hit),
	    ROUTE_FOUND);
	ck_assert_ptr_eq(hit.route, &t[1]);
	ck_assert_int_eq(hit.endpoint, EP_API);
	/* the "/" prefix does not lend the "/a/" path its PUT */
	ck_assert_int_eq(route_find(t, 4, ROUTE_PUT, "/a/b", &hit),
	    ROUTE_NO_METHOD);
	ck_assert_str_eq(route_allow_text(hit.allow, buf, sizeof(buf)),
	    "GET, POST");
	ck_assert_int_eq(hit.endpoint, EP_CRL);
	ck_assert_int_eq(route_find(t, 4, ROUTE_PUT, "/b", &hit), ROUTE_FOUND);
	ck_assert_ptr_eq(hit.route, &t[3]);
}
END_TEST

START_TEST(allow_text)
{
	char	 buf[ROUTE_ALLOW_MAX], small[8];
	unsigned all = 0;

	for (size_t i = 0; i < ALL_METHODS_N; i++)
		all |= all_methods[i];
	ck_assert_str_eq(route_allow_text(all, buf, sizeof(buf)),
	    "GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, CONNECT, PATCH");
	ck_assert_str_eq(route_allow_text(ROUTE_POST | ROUTE_GET, buf,
	    sizeof(buf)), "GET, POST");
	ck_assert_str_eq(route_allow_text(0, buf, sizeof(buf)), "");
	/* bits no method has are not listed */
	ck_assert_str_eq(route_allow_text(ROUTE_HEAD | 0x8000, buf,
	    sizeof(buf)), "HEAD");
	/* a short buffer: whole names only, always terminated */
	ck_assert_str_eq(route_allow_text(ROUTE_READ | ROUTE_POST, small,
	    sizeof(small)), "GET");
	ck_assert_str_eq(route_method_name(ROUTE_PATCH), "PATCH");
	ck_assert_str_eq(route_method_name(ROUTE_GET | ROUTE_POST), "?");
	ck_assert_str_eq(route_method_name(0), "?");
}
END_TEST

START_TEST(endpoint_names)
{
	ck_assert_str_eq(route_endpoint_name(EP_OCSP_POST), "ocsp_post");
	ck_assert_str_eq(route_endpoint_name(EP_OCSP_GET), "ocsp_get");
	ck_assert_str_eq(route_endpoint_name(EP_CRL), "crl");
	ck_assert_str_eq(route_endpoint_name(EP_PAGE), "page");
	ck_assert_str_eq(route_endpoint_name(EP_API), "api");
	ck_assert_str_eq(route_endpoint_name(EP_HEALTHZ), "healthz");
	ck_assert_str_eq(route_endpoint_name(EP_METRICS), "metrics");
	ck_assert_str_eq(route_endpoint_name(EP_CA), "ca");
	ck_assert_str_eq(route_endpoint_name(EP_OTHER), "other");
	ck_assert_str_eq(route_endpoint_name(EP_COUNT), "?");
}
END_TEST

static int
same_path(const struct route *a, const struct route *b)
{
	return a->kind == b->kind && strcmp(a->path, b->path) == 0;
}

/*
 * The server's table: sound rows; a path's rows adjacent and not sharing a
 * method; every row answers its own path for each of its methods (none is
 * shadowed by an earlier row); every endpoint but "other" has a row.
 */
START_TEST(table_shape)
{
	int	 has[EP_COUNT] = { 0 };
	char	 target[256];

	ck_assert_uint_gt(routes_len, 0);
	for (size_t i = 0; i < routes_len; i++) {
		const struct route	*r = &routes[i];

		ck_assert_ptr_nonnull(r->handler);
		ck_assert_uint_ne(r->methods, 0);
		ck_assert_int_eq(r->path[0], '/');
		ck_assert_ptr_null(strchr(r->path, '?'));
		ck_assert_int_lt(r->endpoint, EP_OTHER);
		has[r->endpoint] = 1;
		for (size_t j = i + 1; j < routes_len; j++) {
			if (!same_path(r, &routes[j]))
				continue;
			ck_assert_msg(same_path(r, &routes[j - 1]),
			    "rows %zu and %zu (%s) are not adjacent", i, j,
			    r->path);
			ck_assert_msg((r->methods & routes[j].methods) == 0,
			    "rows %zu and %zu (%s) share a method", i, j,
			    r->path);
		}
		for (size_t m = 0; m < ALL_METHODS_N; m++) {
			if ((r->methods & all_methods[m]) == 0)
				continue;
			snprintf(target, sizeof(target), "%s%s", r->path,
			    r->kind == ROUTE_PREFIX ? "x" : "");
			ck_assert_msg(find(all_methods[m], target) ==
			    ROUTE_FOUND && hit.route == r,
			    "row %zu (%s %s) is shadowed", i,
			    route_method_name(all_methods[m]), r->path);
		}
	}
	for (int e = 0; e < EP_OTHER; e++)
		ck_assert_msg(has[e], "no row for %s", route_endpoint_name(e));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("router");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, exact_paths);
	tcase_add_test(tc, prefix_paths);
	tcase_add_test(tc, methods);
	tcase_add_test(tc, check_and_favicon);
	tcase_add_test(tc, ocsp_get);
	tcase_add_test(tc, ocsp_post);
	tcase_add_test(tc, no_path);
	tcase_add_test(tc, first_path_wins);
	tcase_add_test(tc, allow_text);
	tcase_add_test(tc, endpoint_names);
	tcase_add_test(tc, table_shape);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV);
}
