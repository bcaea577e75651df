/* SPDX-License-Identifier: ISC */
/*
 * check_condget.c: unit tests for server/condget.c: HTTP dates, the ETag
 * of a DER object, If-None-Match matching (weak comparison, "*", lists,
 * malformed elements), the 304 decision with its precedence, max-age
 * capping, what shared caches get (s-maxage under cache-max-age, nginx's
 * absolute X-Accel-Expires, never past nextUpdate), and the headers
 * condget_answer() writes on an evhttp request.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/sha.h>

#include "check_main.h"
#include "condget.h"

/* 2026-11-25T12:00:00Z and a day later */
#define T0	((time_t)1795608000)
#define T1	(T0 + 86400)
#define ETAG	"\"0123456789abcdef\""

static struct condget_rep
rep_make(const char *etag, long cap, int must_revalidate)
{
	struct condget_rep	 rep;

	memset(&rep, 0, sizeof(rep));
	rep.etag = etag;
	rep.last_modified = T0;
	rep.expires = T1;
	rep.max_age_cap = cap;
	rep.must_revalidate = must_revalidate;
	return rep;
}

START_TEST(test_date_format)
{
	char	 buf[CONDGET_DATE_LEN];

	ck_assert_int_eq(condget_date(784111777, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	ck_assert_int_eq(condget_date(0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
	ck_assert_int_eq(condget_date(T0, buf, 5), -1);	/* too small */
}
END_TEST

START_TEST(test_date_parse)
{
	char	 buf[CONDGET_DATE_LEN];

	ck_assert_int_eq(condget_date_parse("Sun, 06 Nov 1994 08:49:37 GMT"),
	    784111777);
	ck_assert_int_eq(condget_date(T0, buf, sizeof(buf)), 0);
	ck_assert_int_eq(condget_date_parse(buf), T0);
	ck_assert_int_eq(condget_date_parse(NULL), -1);
	ck_assert_int_eq(condget_date_parse(""), -1);
	ck_assert_int_eq(condget_date_parse("yesterday"), -1);
	/* trailing garbage, other zones, RFC 850 form: not IMF-fixdate */
	ck_assert_int_eq(condget_date_parse(
	    "Sun, 06 Nov 1994 08:49:37 GMT x"), -1);
	ck_assert_int_eq(condget_date_parse(
	    "Sun, 06 Nov 1994 08:49:37 PST"), -1);
	ck_assert_int_eq(condget_date_parse(
	    "Sunday, 06-Nov-94 08:49:37 GMT"), -1);
}
END_TEST

START_TEST(test_etag_format)
{
	static const unsigned char	 der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	unsigned char			 md[SHA256_DIGEST_LENGTH];
	char				 tag[CONDGET_ETAG_SIZE], want[64];
	char				 other[CONDGET_ETAG_SIZE];

	condget_etag(der, sizeof(der), tag);
	SHA256(der, sizeof(der), md);
	want[0] = '"';
	for (int i = 0; i < CONDGET_ETAG_HEX / 2; i++)
		snprintf(want + 1 + 2 * i, 3, "%02x", md[i]);
	strcat(want, "\"");
	ck_assert_str_eq(tag, want);
	ck_assert_uint_eq(strlen(tag), CONDGET_ETAG_HEX + 2);
	/* another object, another tag; the same object, the same tag */
	condget_etag(der, sizeof(der) - 1, other);
	ck_assert_str_ne(tag, other);
	condget_etag(der, sizeof(der), other);
	ck_assert_str_eq(tag, other);
}
END_TEST

START_TEST(test_match_lists)
{
	ck_assert_int_eq(condget_etag_match(ETAG, ETAG), 1);
	ck_assert_int_eq(condget_etag_match("W/" ETAG, ETAG), 1);
	ck_assert_int_eq(condget_etag_match("\"aa\", " ETAG ", \"bb\"", ETAG),
	    1);
	ck_assert_int_eq(condget_etag_match("\"aa\",W/" ETAG, ETAG), 1);
	ck_assert_int_eq(condget_etag_match(" \t" ETAG " \t", ETAG), 1);
	ck_assert_int_eq(condget_etag_match(",, " ETAG ",", ETAG), 1);
	ck_assert_int_eq(condget_etag_match("\"aa\", \"bb\"", ETAG), 0);
	/* our tag, given weak: compared by its opaque-tag */
	ck_assert_int_eq(condget_etag_match(ETAG, "W/" ETAG), 1);
	/* a comma inside a tag is part of it (RFC 9110 etagc) */
	ck_assert_int_eq(condget_etag_match("\"a," "0123456789abcdef\"", ETAG),
	    0);
}
END_TEST

START_TEST(test_match_star)
{
	ck_assert_int_eq(condget_etag_match("*", ETAG), 1);
	ck_assert_int_eq(condget_etag_match(" * ", ETAG), 1);
	ck_assert_int_eq(condget_etag_match("*", NULL), 1);
	ck_assert_int_eq(condget_etag_match("\"x\", *", ETAG), 1);
	/* a star inside or glued to a tag is not the wildcard */
	ck_assert_int_eq(condget_etag_match("\"*\"", ETAG), 0);
	ck_assert_int_eq(condget_etag_match("*\"x\"", ETAG), 0);
	ck_assert_int_eq(condget_etag_match("W/*", ETAG), 0);
}
END_TEST

START_TEST(test_match_malformed)
{
	ck_assert_int_eq(condget_etag_match("", ETAG), 0);
	ck_assert_int_eq(condget_etag_match("0123456789abcdef", ETAG), 0);
	ck_assert_int_eq(condget_etag_match("\"0123456789abcdef0\"", ETAG), 0);
	ck_assert_int_eq(condget_etag_match("\"0123456789abcde\"", ETAG), 0);
	ck_assert_int_eq(condget_etag_match("w/" ETAG, ETAG), 0);  /* W/ is case-sensitive */
	ck_assert_int_eq(condget_etag_match(ETAG "x", ETAG), 0);
	ck_assert_int_eq(condget_etag_match(ETAG "x, \"b\"", ETAG), 0);
	ck_assert_int_eq(condget_etag_match("\"0123456789abcdef", ETAG), 0);
	ck_assert_int_eq(condget_etag_match("junk, " ETAG, ETAG), 1);
	ck_assert_int_eq(condget_etag_match(ETAG, NULL), 0);
}
END_TEST

START_TEST(test_decide_precedence)
{
	struct condget_rep	 rep = rep_make(ETAG, 60, 0);
	struct condget_headers	 h;
	char			 d[CONDGET_DATE_LEN];

	condget_date(T0 + 60, d, sizeof(d));
	condget_decide(&rep, T0 + 5, NULL, d, &h);
	ck_assert_int_eq(h.not_modified, 1);
	condget_date(T0, d, sizeof(d));
	condget_decide(&rep, T0 + 5, NULL, d, &h);
	ck_assert_int_eq(h.not_modified, 1);	/* exactly Last-Modified */
	condget_date(T0 - 1, d, sizeof(d));
	condget_decide(&rep, T0 + 5, NULL, d, &h);
	ck_assert_int_eq(h.not_modified, 0);
	condget_decide(&rep, T0 + 5, NULL, "garbage", &h);
	ck_assert_int_eq(h.not_modified, 0);
	/* If-None-Match present: the date is not looked at (RFC 9110 13.2.2) */
	condget_date(T0 + 60, d, sizeof(d));
	condget_decide(&rep, T0 + 5, "\"old\"", d, &h);
	ck_assert_int_eq(h.not_modified, 0);
	condget_decide(&rep, T0 + 5, "", d, &h);
	ck_assert_int_eq(h.not_modified, 0);
	condget_date(T0 - 60, d, sizeof(d));
	condget_decide(&rep, T0 + 5, "W/" ETAG, d, &h);
	ck_assert_int_eq(h.not_modified, 1);
	condget_decide(&rep, T0 + 5, NULL, NULL, &h);
	ck_assert_int_eq(h.not_modified, 0);
}
END_TEST

START_TEST(test_decide_headers)
{
	struct condget_rep	 rep = rep_make(ETAG, 60, 0);
	struct condget_headers	 h;

	/* the CRL profile: capped at 60 s, no must-revalidate */
	condget_decide(&rep, T0 + 100, NULL, NULL, &h);
	ck_assert_str_eq(h.last_modified, "Wed, 25 Nov 2026 12:00:00 GMT");
	ck_assert_str_eq(h.expires, "Thu, 26 Nov 2026 12:00:00 GMT");
	ck_assert_int_eq(h.max_age, 60);
	ck_assert_str_eq(h.cache_control, "max-age=60, public, no-transform");
	/* the cap never stretches past expires, nor below 0 */
	condget_decide(&rep, T1 - 7, NULL, NULL, &h);
	ck_assert_int_eq(h.max_age, 7);
	condget_decide(&rep, T1 + 7, NULL, NULL, &h);
	ck_assert_int_eq(h.max_age, 0);
	ck_assert_str_eq(h.cache_control, "max-age=0, public, no-transform");
	/* no cap: until expires; must-revalidate when asked for */
	rep = rep_make(ETAG, -1, 1);
	condget_decide(&rep, T0 + 100, NULL, NULL, &h);
	ck_assert_int_eq(h.max_age, 86300);
	ck_assert_str_eq(h.cache_control,
	    "max-age=86300, public, no-transform, must-revalidate");
	/* an answer for a registered relying party: no shared cache */
	rep.private_only = 1;
	condget_decide(&rep, T0 + 100, NULL, NULL, &h);
	ck_assert_str_eq(h.cache_control,
	    "max-age=86300, private, no-transform, must-revalidate");
	rep = rep_make(ETAG, 0, 0);
	condget_decide(&rep, T0 + 100, NULL, NULL, &h);
	ck_assert_int_eq(h.max_age, 0);
}
END_TEST

/* The time in an "@<unix time>" X-Accel-Expires value. */
static time_t
accel_time(const char *v)
{
	long long	 t;
	char		 end;

	ck_assert_int_eq(sscanf(v, "@%lld%c", &t, &end), 1);
	return (time_t)t;
}

START_TEST(test_decide_shared)
{
	struct condget_rep	 rep = rep_make(ETAG, 60, 0);
	struct condget_headers	 h;

	/* a CRL: nginx may keep it for the same 60 s, as an absolute time */
	condget_decide(&rep, T0 + 100, NULL, NULL, &h);
	ck_assert_int_eq(h.shared_max_age, 60);
	ck_assert_int_eq(accel_time(h.accel_expires), T0 + 160);
	ck_assert_int_eq(h.shared_until, T0 + 160);
	/* near nextUpdate: one second before it at the latest, since nginx
	 * serves through the whole second it is given */
	condget_decide(&rep, T1 - 7, NULL, NULL, &h);
	ck_assert_int_eq(accel_time(h.accel_expires), T1 - 1);
	condget_decide(&rep, T1 - 1, NULL, NULL, &h);
	ck_assert_str_eq(h.accel_expires, "0");
	ck_assert_int_eq(h.shared_until, 0);
	condget_decide(&rep, T1 + 7, NULL, NULL, &h);
	ck_assert_str_eq(h.accel_expires, "0");

	/* an OCSP answer: until nextUpdate for everyone without a cap ... */
	rep = rep_make(ETAG, -1, 1);
	condget_decide(&rep, T0 + 100, NULL, NULL, &h);
	ck_assert_int_eq(h.shared_max_age, 86300);
	ck_assert_int_eq(accel_time(h.accel_expires), T1 - 1);
	ck_assert_ptr_null(strstr(h.cache_control, "s-maxage"));
	/* ... with cache-max-age: clients keep max-age, shared caches less */
	rep.cache_max_age = 30;
	condget_decide(&rep, T0 + 100, NULL, NULL, &h);
	ck_assert_int_eq(h.max_age, 86300);
	ck_assert_int_eq(h.shared_max_age, 30);
	ck_assert_str_eq(h.cache_control,
	    "max-age=86300, s-maxage=30, public, no-transform, must-revalidate");
	ck_assert_int_eq(accel_time(h.accel_expires), T0 + 130);
	/* a cap longer than what is left changes nothing */
	condget_decide(&rep, T1 - 20, NULL, NULL, &h);
	ck_assert_int_eq(h.shared_max_age, 20);
	ck_assert_str_eq(h.cache_control,
	    "max-age=20, public, no-transform, must-revalidate");
	ck_assert_int_eq(accel_time(h.accel_expires), T1 - 1);
	/* the cap applies under the CRL's own cap too */
	rep = rep_make(ETAG, 60, 0);
	rep.cache_max_age = 5;
	condget_decide(&rep, T0 + 100, NULL, NULL, &h);
	ck_assert_str_eq(h.cache_control,
	    "max-age=60, s-maxage=5, public, no-transform");
	ck_assert_int_eq(accel_time(h.accel_expires), T0 + 105);

	/* private: nothing for shared caches, whatever the cap */
	rep = rep_make(ETAG, -1, 1);
	rep.private_only = 1;
	rep.cache_max_age = 30;
	condget_decide(&rep, T0 + 100, NULL, NULL, &h);
	ck_assert_str_eq(h.cache_control,
	    "max-age=86300, private, no-transform, must-revalidate");
	ck_assert_str_eq(h.accel_expires, "");
	ck_assert_int_eq(h.shared_until, 0);
}
END_TEST

static const char *
out_header(struct evhttp_request *req, const char *name)
{
	return evhttp_find_header(evhttp_request_get_output_headers(req), name);
}

START_TEST(test_answer_headers)
{
	struct condget_rep	 rep = rep_make(ETAG, 60, 0);
	struct evhttp_request	*req;

	ck_assert_ptr_nonnull(req = evhttp_request_new(NULL, NULL));
	ck_assert_int_eq(condget_answer(req, &rep, T0 + 100), 0);
	ck_assert_str_eq(out_header(req, "ETag"), ETAG);
	ck_assert_str_eq(out_header(req, "Last-Modified"),
	    "Wed, 25 Nov 2026 12:00:00 GMT");
	ck_assert_str_eq(out_header(req, "Expires"),
	    "Thu, 26 Nov 2026 12:00:00 GMT");
	ck_assert_str_eq(out_header(req, "Cache-Control"),
	    "max-age=60, public, no-transform");
	ck_assert_str_eq(out_header(req, "X-Accel-Expires"), "@1795608160");
	evhttp_request_free(req);

	/* a 304 carries the same headers: nginx revalidating takes its new
	 * expiry from them */
	ck_assert_ptr_nonnull(req = evhttp_request_new(NULL, NULL));
	evhttp_add_header(evhttp_request_get_input_headers(req),
	    "If-None-Match", "\"zz\", W/" ETAG);
	ck_assert_int_eq(condget_answer(req, &rep, T0 + 100), 1);
	ck_assert_str_eq(out_header(req, "ETag"), ETAG);
	ck_assert_ptr_nonnull(out_header(req, "Cache-Control"));
	ck_assert_str_eq(out_header(req, "X-Accel-Expires"), "@1795608160");
	evhttp_request_free(req);

	/* private: no X-Accel-Expires (nginx would skip Cache-Control
	 * "private" when it sees X-Accel-Expires first) */
	rep.private_only = 1;
	ck_assert_ptr_nonnull(req = evhttp_request_new(NULL, NULL));
	ck_assert_int_eq(condget_answer(req, &rep, T0 + 100), 0);
	ck_assert_str_eq(out_header(req, "Cache-Control"),
	    "max-age=60, private, no-transform");
	ck_assert_ptr_null(out_header(req, "X-Accel-Expires"));
	evhttp_request_free(req);
	rep.private_only = 0;

	/* without an ETag: none is sent, and only "*" matches */
	rep.etag = NULL;
	ck_assert_ptr_nonnull(req = evhttp_request_new(NULL, NULL));
	evhttp_add_header(evhttp_request_get_input_headers(req),
	    "If-None-Match", ETAG);
	ck_assert_int_eq(condget_answer(req, &rep, T0 + 100), 0);
	ck_assert_ptr_null(out_header(req, "ETag"));
	evhttp_request_free(req);
}
END_TEST

START_TEST(test_answer_if_modified_since)
{
	struct condget_rep	 rep = rep_make(ETAG, -1, 1);
	struct evhttp_request	*req;

	ck_assert_ptr_nonnull(req = evhttp_request_new(NULL, NULL));
	evhttp_add_header(evhttp_request_get_input_headers(req),
	    "If-Modified-Since", "Wed, 25 Nov 2026 12:00:00 GMT");
	ck_assert_int_eq(condget_answer(req, &rep, T0 + 5), 1);
	evhttp_request_free(req);
	ck_assert_ptr_nonnull(req = evhttp_request_new(NULL, NULL));
	evhttp_add_header(evhttp_request_get_input_headers(req),
	    "If-Modified-Since", "Wed, 25 Nov 2026 11:59:59 GMT");
	ck_assert_int_eq(condget_answer(req, &rep, T0 + 5), 0);
	evhttp_request_free(req);
}
END_TEST

static Suite *
condget_suite(void)
{
	Suite	*s = suite_create("condget");
	TCase	*tc;

	tc = tcase_create("dates");
	tcase_add_test(tc, test_date_format);
	tcase_add_test(tc, test_date_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("etags");
	tcase_add_test(tc, test_etag_format);
	tcase_add_test(tc, test_match_lists);
	tcase_add_test(tc, test_match_star);
	tcase_add_test(tc, test_match_malformed);
	suite_add_tcase(s, tc);
	tc = tcase_create("decision");
	tcase_add_test(tc, test_decide_precedence);
	tcase_add_test(tc, test_decide_headers);
	tcase_add_test(tc, test_decide_shared);
	tcase_add_test(tc, test_answer_headers);
	tcase_add_test(tc, test_answer_if_modified_since);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(condget_suite(), CK_FORK_GETENV);
}
