/* SPDX-License-Identifier: ISC */
/*
 * clock.c: the process clock and civil-date arithmetic (see clock.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

static time_t	clock_fixed;
static int	clock_env_read;

int64_t
clock_days_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's days_from_civil. */
	int64_t		yy = y - (m <= 2);
	int64_t		era = (yy >= 0 ? yy : yy - 399) / 400;
	unsigned	yoe = (unsigned)(yy - era * 400);
	unsigned	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t		era;
	unsigned	doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400) + (*m <= 2);
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
clock_valid_date(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && is_leap(y));
}

int
clock_parse(const char *s, time_t *out)
{
	int	y, mo, d, h = 0, mi = 0, se = 0, n = 0;
	size_t	len = strlen(s);

	if (len == 10) {
		if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
			return -1;
	} else if (len == 20) {
		if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h,
		    &mi, &se, &n) != 6 || n != 20)
			return -1;
	} else
		return -1;
	if (!clock_valid_date(y, mo, d) || h > 23 || mi > 59 || se > 59 ||
	    h < 0 || mi < 0 || se < 0)
		return -1;
	*out = (time_t)(clock_days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + se);
	return 0;
}

time_t
clock_now(void)
{
	const char	*env;

	if (!clock_env_read) {
		clock_env_read = 1;
		if ((env = getenv("CERTSTATUS_NOW")) != NULL && *env != '\0') {
			time_t	 t;
			char	*end;

			if (clock_parse(env, &t) == 0)
				clock_fixed = t;
			else if ((t = (time_t)strtoll(env, &end, 10)) > 0 &&
			    *end == '\0')
				clock_fixed = t;
		}
	}
	return clock_fixed != 0 ? clock_fixed : time(NULL);
}

void
clock_set(time_t t)
{
	clock_env_read = 1;
	clock_fixed = t;
}

void
clock_format_date(time_t t, long offset_sec, char *out)
{
	int	y, m, d;
	int64_t	days = ((int64_t)t + offset_sec);

	days = (days >= 0 ? days : days - 86399) / 86400;
	civil_from_days(days, &y, &m, &d);
	char	tmp[64];

	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y, m, d);
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

void
clock_format_iso(time_t t, char *out)
{
	int	 y, m, d;
	int64_t	 days = ((int64_t)t >= 0 ? (int64_t)t : (int64_t)t - 86399) / 86400;
	int64_t	 secs = (int64_t)t - days * 86400;

	char	 tmp[64];

	civil_from_days(days, &y, &m, &d);
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	memcpy(out, tmp, 20);
	out[20] = '\0';
}

time_t
clock_add_years(time_t t, int years)
{
	int64_t	 days = ((int64_t)t >= 0 ? (int64_t)t : (int64_t)t - 86399) / 86400;
	int64_t	 secs = (int64_t)t - days * 86400;
	int	 y, m, d;

	civil_from_days(days, &y, &m, &d);
	y += years;
	if (m == 2 && d == 29 && !is_leap(y))
		d = 28;
	return (time_t)(clock_days_from_civil(y, m, d) * 86400 + secs);
}

time_t
clock_nth_birthday_after(const char *birth, time_t t, int n)
{
	int	by, bm, bd, iy, im, id, y, k = 0, cnt = 0;
	int64_t	issue_day, days;
	time_t	bt;

	if (n < 1 || clock_parse(birth, &bt) != 0)
		return -1;
	if (sscanf(birth, "%4d-%2d-%2d", &by, &bm, &bd) != 3)
		return -1;
	days = ((int64_t)t + JST_OFFSET_SEC);
	issue_day = (days >= 0 ? days : days - 86399) / 86400;
	civil_from_days(issue_day, &iy, &im, &id);
	for (y = iy; k < 200; y++, k++) {
		int	d = bd;

		if (bm == 2 && bd == 29 && !is_leap(y))
			d = 28;
		days = clock_days_from_civil(y, bm, d);
		if (y < by || (y == by && days <= clock_days_from_civil(by, bm, bd)))
			continue;	/* not a birthday before birth */
		if (days > issue_day && ++cnt == n)
			return (time_t)(days * 86400);
	}
	return -1;
}

static int64_t
us_of(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
ms_of(clockid_t id)
{
	return us_of(id) / 1000;
}

time_t
clock_mono(void)
{
	return (time_t)(us_of(CLOCK_MONOTONIC) / 1000000);
}

int64_t
clock_mono_ms(void)
{
	return ms_of(CLOCK_MONOTONIC);
}

int64_t
clock_mono_us(void)
{
	return us_of(CLOCK_MONOTONIC);
}

double
clock_mono_elapsed(int64_t t0_us)
{
	return (double)(us_of(CLOCK_MONOTONIC) - t0_us) / 1e6;
}

int
clock_watch_step(struct clock_watch *w, int64_t threshold_ms, int64_t *step_ms)
{
	int64_t	 off = ms_of(CLOCK_REALTIME) - ms_of(CLOCK_MONOTONIC);
	int64_t	 d = off - w->offset_ms;
	int	 stepped = w->primed && (d > threshold_ms || d < -threshold_ms);

	w->offset_ms = off;
	w->primed = 1;
	if (stepped && step_ms != NULL)
		*step_ms = d;
	return stepped;
}
