/* SPDX-License-Identifier: ISC */
/*
 * check_ocsp_profile.c: the OCSP answer's profile: its RFC 5019 cache
 * headers and 304 decision (condget_ocsp_rep through condget_decide), and
 * the registry status -> OCSP status map and fingerprint (ocsp.c).  The
 * dates are check_condget's.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "condget.h"
#include "db.h"
#include "ocsp.h"

/* 2026-11-25T12:00:00Z and a day later */
#define T0	((time_t)1795608000)
#define T1	(T0 + 86400)
#define ETAG	"\"0123456789abcdef\""

/* The OCSP profile (condget_ocsp_rep) through condget's decision. */
static void
profile_headers(time_t this_update, time_t next_update,
    const char *etag, time_t now, const char *if_none_match,
    const char *if_modified_since, struct condget_headers *out)
{
	struct condget_rep	 rep;

	condget_ocsp_rep(this_update, next_update, etag, &rep);
	condget_decide(&rep, now, if_none_match, if_modified_since, out);
}

START_TEST(test_headers)
{
	struct condget_headers	 h;

	profile_headers(T0, T1, ETAG, T0 + 100, NULL, NULL, &h);
	ck_assert_str_eq(h.last_modified, "Wed, 25 Nov 2026 12:00:00 GMT");
	ck_assert_str_eq(h.expires, "Thu, 26 Nov 2026 12:00:00 GMT");
	ck_assert_int_eq(h.max_age, 86300);
	ck_assert_str_eq(h.cache_control,
	    "max-age=86300, public, no-transform, must-revalidate");
	ck_assert_int_eq(h.not_modified, 0);
}
END_TEST

START_TEST(test_max_age_bounds)
{
	struct condget_headers	 h;

	/* never past nextUpdate, never negative */
	profile_headers(T0, T1, ETAG, T1 - 1, NULL, NULL, &h);
	ck_assert_int_eq(h.max_age, 1);
	profile_headers(T0, T1, ETAG, T1, NULL, NULL, &h);
	ck_assert_int_eq(h.max_age, 0);
	profile_headers(T0, T1, ETAG, T1 + 3600, NULL, NULL, &h);
	ck_assert_int_eq(h.max_age, 0);
	ck_assert_ptr_nonnull(strstr(h.cache_control, "max-age=0,"));
	/* a clock behind thisUpdate: the full validity, not more */
	profile_headers(T0, T1, ETAG, T0 - 10, NULL, NULL, &h);
	ck_assert_int_eq(h.max_age, 86410);
}
END_TEST

START_TEST(test_if_none_match)
{
	struct condget_headers	 h;

	profile_headers(T0, T1, ETAG, T0, ETAG, NULL, &h);
	ck_assert_int_eq(h.not_modified, 1);
	profile_headers(T0, T1, ETAG, T0, "W/" ETAG, NULL, &h);
	ck_assert_int_eq(h.not_modified, 1);	/* weak comparison */
	profile_headers(T0, T1, ETAG, T0, "\"aa\", " ETAG ", \"bb\"",
	    NULL, &h);
	ck_assert_int_eq(h.not_modified, 1);
	profile_headers(T0, T1, ETAG, T0, "*", NULL, &h);
	ck_assert_int_eq(h.not_modified, 1);
	profile_headers(T0, T1, ETAG, T0, "\"0123456789abcdee\"", NULL,
	    &h);
	ck_assert_int_eq(h.not_modified, 0);
	/* a prefix or the bare hex without quotes is another tag */
	profile_headers(T0, T1, ETAG, T0, "\"0123456789abcdef0\"",
	    NULL, &h);
	ck_assert_int_eq(h.not_modified, 0);
	profile_headers(T0, T1, ETAG, T0, "0123456789abcdef", NULL, &h);
	ck_assert_int_eq(h.not_modified, 0);
	profile_headers(T0, T1, ETAG, T0, "", NULL, &h);
	ck_assert_int_eq(h.not_modified, 0);
}
END_TEST

START_TEST(test_if_modified_since)
{
	struct condget_headers	 h;
	char			 d[CONDGET_DATE_LEN];

	condget_date(T0, d, sizeof(d));
	profile_headers(T0, T1, ETAG, T0 + 5, NULL, d, &h);
	ck_assert_int_eq(h.not_modified, 1);
	condget_date(T0 + 60, d, sizeof(d));
	profile_headers(T0, T1, ETAG, T0 + 5, NULL, d, &h);
	ck_assert_int_eq(h.not_modified, 1);
	condget_date(T0 - 1, d, sizeof(d));
	profile_headers(T0, T1, ETAG, T0 + 5, NULL, d, &h);
	ck_assert_int_eq(h.not_modified, 0);	/* ours is newer */
	profile_headers(T0, T1, ETAG, T0 + 5, NULL, "garbage", &h);
	ck_assert_int_eq(h.not_modified, 0);
}
END_TEST

START_TEST(test_if_none_match_wins)
{
	struct condget_headers	 h;
	char			 d[CONDGET_DATE_LEN];

	/* a stale tag with a fresh date: the tag decides (RFC 9110 13.2.2) */
	condget_date(T0 + 60, d, sizeof(d));
	profile_headers(T0, T1, ETAG, T0 + 5, "\"old\"", d, &h);
	ck_assert_int_eq(h.not_modified, 0);
	condget_date(T0 - 60, d, sizeof(d));
	profile_headers(T0, T1, ETAG, T0 + 5, ETAG, d, &h);
	ck_assert_int_eq(h.not_modified, 1);
}
END_TEST

static struct cert_status
cs_make(enum cert_state st, time_t at, int reason)
{
	struct cert_status	 cs;

	memset(&cs, 0, sizeof(cs));
	cs.state = st;
	cs.revoked_at = at;
	cs.reason = reason;
	return cs;
}

static struct ocsp_single
one_blank(void)
{
	struct ocsp_single	 one;

	memset(&one, 0, sizeof(one));
	one.reason = -1;
	return one;
}

START_TEST(test_status_good)
{
	struct cert_status	 cs = cs_make(CERT_GOOD, 0, -1);
	struct ocsp_single	 one = one_blank();

	ck_assert_int_eq(ocsp_single_status(&cs, 0, &one), 0);
	ck_assert_int_eq(one.status, OCSP_ST_GOOD);
	ck_assert_int_eq(one.reason, -1);
	one = one_blank();
	ck_assert_int_eq(ocsp_single_status(&cs, 1, &one), 0);
	ck_assert_int_eq(one.status, OCSP_ST_GOOD);
}
END_TEST

START_TEST(test_status_revoked)
{
	static const int	 reasons[] = { 1, 2, 3, 4, 5, 9, 10 };
	struct cert_status	 cs;
	struct ocsp_single	 one;

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		cs = cs_make(CERT_REVOKED, T0, reasons[i]);
		one = one_blank();
		ck_assert_int_eq(ocsp_single_status(&cs, 0, &one), 0);
		ck_assert_int_eq(one.status, OCSP_ST_REVOKED);
		ck_assert_int_eq(one.revoked_at, T0);
		ck_assert_int_eq(one.reason, reasons[i]);
	}
	/* unspecified (0) or none: revocationReason left out (RFC 5280 5.3.1) */
	cs = cs_make(CERT_REVOKED, T0, 0);
	one = one_blank();
	ocsp_single_status(&cs, 0, &one);
	ck_assert_int_eq(one.reason, -1);
	cs = cs_make(CERT_REVOKED, T0, -1);
	one = one_blank();
	ocsp_single_status(&cs, 0, &one);
	ck_assert_int_eq(one.reason, -1);
}
END_TEST

START_TEST(test_status_hold)
{
	struct cert_status	 cs = cs_make(CERT_HOLD, T0 + 7, -1);
	struct ocsp_single	 one = one_blank();

	ck_assert_int_eq(ocsp_single_status(&cs, 0, &one), 0);
	ck_assert_int_eq(one.status, OCSP_ST_REVOKED);
	ck_assert_int_eq(one.revoked_at, T0 + 7);
	ck_assert_int_eq(one.reason, 6);	/* certificateHold */
}
END_TEST

START_TEST(test_status_never_issued)
{
	struct cert_status	 cs = cs_make(CERT_UNKNOWN, 0, -1);
	struct ocsp_single	 one = one_blank();

	ck_assert_int_eq(ocsp_single_status(&cs, 0, &one), 0);
	ck_assert_int_eq(one.status, OCSP_ST_UNKNOWN);
	/* extended revoke: revoked, certificateHold, 1970-01-01 */
	one = one_blank();
	ck_assert_int_eq(ocsp_single_status(&cs, 1, &one), 1);
	ck_assert_int_eq(one.status, OCSP_ST_REVOKED);
	ck_assert_int_eq(one.revoked_at, 0);
	ck_assert_int_eq(one.reason, 6);
}
END_TEST

static Suite *
ocsp_profile_suite(void)
{
	Suite	*s = suite_create("ocsp_profile");
	TCase	*tc;

	tc = tcase_create("cache headers");
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_max_age_bounds);
	tcase_add_test(tc, test_if_none_match);
	tcase_add_test(tc, test_if_modified_since);
	tcase_add_test(tc, test_if_none_match_wins);
	suite_add_tcase(s, tc);
	tc = tcase_create("status map");
	tcase_add_test(tc, test_status_good);
	tcase_add_test(tc, test_status_revoked);
	tcase_add_test(tc, test_status_hold);
	tcase_add_test(tc, test_status_never_issued);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(ocsp_profile_suite(), CK_FORK_GETENV);
}
