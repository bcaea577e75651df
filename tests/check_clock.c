/* SPDX-License-Identifier: ISC */
/*
 * check_clock.c: civil-date arithmetic behind certificate validity.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "check_main.h"
#include "clock.h"

static time_t
d(const char *s)
{
	time_t	t;

	ck_assert_int_eq(clock_parse(s, &t), 0);
	return t;
}

static const char *
fmt(time_t t)
{
	static char	buf[16];

	clock_format_date(t, 0, buf);
	return buf;
}

START_TEST(parse_and_format)
{
	char	iso[32];
	time_t	t;

	ck_assert_int_eq((long)d("1970-01-01"), 0);
	ck_assert_int_eq((long)d("2015-12-22"), 1450742400L);
	clock_format_iso(d("2024-02-29T23:59:59Z"), iso);
	ck_assert_str_eq(iso, "2024-02-29T23:59:59Z");
	ck_assert_int_eq(clock_parse("2023-02-29", &t), -1);
	ck_assert_int_eq(clock_parse("2023-13-01", &t), -1);
	ck_assert_int_eq(clock_parse("2023-1-1", &t), -1);
	ck_assert_int_eq(clock_parse("2023-01-01x", &t), -1);
	ck_assert_int_eq(clock_parse("", &t), -1);
	ck_assert_int_eq(clock_parse("2023-01-01T25:00:00Z", &t), -1);
}
END_TEST

START_TEST(japan_date)
{
	char	buf[16];

	/* 2020-03-31T15:00:00Z is already 1 April in Japan */
	clock_format_date(d("2020-03-31T15:00:00Z"), JST_OFFSET_SEC, buf);
	ck_assert_str_eq(buf, "2020-04-01");
	clock_format_date(d("2020-03-31T14:59:59Z"), JST_OFFSET_SEC, buf);
	ck_assert_str_eq(buf, "2020-03-31");
}
END_TEST

START_TEST(add_years)
{
	ck_assert_str_eq(fmt(clock_add_years(d("2012-05-10"), 3)), "2015-05-10");
	/* 29 February plus three years is 28 February */
	ck_assert_str_eq(fmt(clock_add_years(d("2012-02-29"), 3)), "2015-02-28");
	ck_assert_str_eq(fmt(clock_add_years(d("2012-02-29"), 4)), "2016-02-29");
	ck_assert_int_eq((long)(clock_add_years(d("2012-02-29T10:20:30Z"), 1) -
	    d("2013-02-28")), 10 * 3600 + 20 * 60 + 30);
}
END_TEST

START_TEST(fifth_birthday)
{
	/* issued 2020-06-01 (JST), born 10 March: 5th birthday after is 2025 */
	ck_assert_str_eq(fmt(clock_nth_birthday_after("1990-03-10",
	    d("2020-06-01T03:00:00Z"), 5)), "2025-03-10");
	/* issued before this year's birthday: this year's counts as the 1st */
	ck_assert_str_eq(fmt(clock_nth_birthday_after("1990-08-10",
	    d("2020-06-01T03:00:00Z"), 5)), "2024-08-10");
	/* issued on the birthday itself: that day does not count */
	ck_assert_str_eq(fmt(clock_nth_birthday_after("1990-06-01",
	    d("2020-06-01T03:00:00Z"), 5)), "2025-06-01");
	/* the JST date decides: 2020-05-31T16:00Z is 1 June in Japan */
	ck_assert_str_eq(fmt(clock_nth_birthday_after("1990-06-01",
	    d("2020-05-31T16:00:00Z"), 5)), "2025-06-01");
	/* 29 February birthday: 28 February in common years */
	ck_assert_str_eq(fmt(clock_nth_birthday_after("2000-02-29",
	    d("2021-01-15"), 5)), "2025-02-28");
	ck_assert_str_eq(fmt(clock_nth_birthday_after("2000-02-29",
	    d("2019-03-01"), 5)), "2024-02-29");
	/* a baby: birthdays before birth never count */
	ck_assert_str_eq(fmt(clock_nth_birthday_after("2020-05-01",
	    d("2020-06-01"), 1)), "2021-05-01");
	ck_assert_int_eq((long)clock_nth_birthday_after("bad", d("2020-06-01"), 5), -1);
	ck_assert_int_eq((long)clock_nth_birthday_after("1990-02-30", d("2020-06-01"), 5), -1);
}
END_TEST

START_TEST(fixed_clock)
{
	clock_set(d("2030-01-01"));
	ck_assert_int_eq((long)clock_now(), (long)d("2030-01-01"));
	clock_set(0);
	ck_assert_int_gt((long)clock_now(), (long)d("2026-01-01"));
}
END_TEST

START_TEST(env_clock)
{
	setenv("CERTSTATUS_NOW", "2016-01-02", 1);
	ck_assert_int_eq((long)clock_now(), (long)d("2016-01-02"));
}
END_TEST

START_TEST(monotonic)
{
	int64_t		 us = clock_mono_us(), ms = clock_mono_ms();
	time_t		 sec = clock_mono();
	struct timespec	 nap = { 0, 20 * 1000 * 1000 };
	double		 e;

	/* the three read the same clock, in their units */
	ck_assert_int_le((long long)(us / 1000), (long long)ms);
	ck_assert_int_le((long long)(ms - us / 1000), 1000);
	ck_assert_int_le((long long)(us / 1000000), (long long)sec);
	ck_assert_int_le((long long)(sec - us / 1000000), 1);
	/* elapsed time, never backwards; the wall clock plays no part */
	clock_set(d("2030-01-01"));
	ck_assert_int_eq(nanosleep(&nap, NULL), 0);
	e = clock_mono_elapsed(us);
	clock_set(0);
	ck_assert_msg(e >= 0.020 && e < 5.0, "elapsed %f s", e);
	ck_assert_int_ge((long long)clock_mono_us(), (long long)us + 20000);
	e = clock_mono_elapsed(clock_mono_us() + 2000000);
	ck_assert_msg(e > -2.001 && e <= -1.9, "elapsed %f s", e);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("clock");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, parse_and_format);
	tcase_add_test(tc, japan_date);
	tcase_add_test(tc, add_years);
	tcase_add_test(tc, fifth_birthday);
	tcase_add_test(tc, fixed_clock);
	tcase_add_test(tc, env_clock);
	tcase_add_test(tc, monotonic);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV);
}
