/* SPDX-License-Identifier: ISC */
/*
 * clock.h: the one source of "now", and calendar arithmetic.
 *
 * Tests and `certctl --issued-at` set the clock; CERTSTATUS_NOW (unix seconds
 * or YYYY-MM-DD[THH:MM:SSZ]) in the environment sets it for a whole process.
 * Dates are civil dates in UTC unless a function says Japan time.
 */
#ifndef CERTSTATUS_CLOCK_H
#define CERTSTATUS_CLOCK_H

#include <stdint.h>
#include <time.h>

#define JST_OFFSET_SEC	(9 * 3600)

/* Current time (seconds since the epoch), or the time set by clock_set(). */
time_t	clock_now(void);
/* Fix the clock at t; t == 0 returns to the real clock. */
void	clock_set(time_t t);
/*
 * Clock steps: the wall clock's offset from the monotonic clock, watched.
 * clock_watch_step() returns 1 (and the step in ms) when the offset moved
 * by more than threshold_ms since the last call (the first call only
 * records it); slewing (NTP's gradual corrections) stays below it.
 */
struct clock_watch {
	int64_t	offset_ms;
	int	primed;
};
int	clock_watch_step(struct clock_watch *w, int64_t threshold_ms,
	    int64_t *step_ms);
/* Monotonic seconds and milliseconds (for intervals, never for dates). */
time_t	clock_mono(void);
int64_t	clock_mono_ms(void);
int64_t	clock_mono_us(void);
/* Seconds, with their fraction, since t0_us (a clock_mono_us() reading). */
double	clock_mono_elapsed(int64_t t0_us);
/* Parse YYYY-MM-DD (midnight UTC) or YYYY-MM-DDTHH:MM:SSZ; -1 when invalid. */
int	clock_parse(const char *s, time_t *out);
/* Format as YYYY-MM-DD (UTC + offset_sec) into out (>= 11 bytes). */
void	clock_format_date(time_t t, long offset_sec, char *out);
/* Format as YYYY-MM-DDTHH:MM:SSZ into out (>= 21 bytes). */
void	clock_format_iso(time_t t, char *out);
/* Add years to a civil date, clamping 29 February to 28 February. */
time_t	clock_add_years(time_t t, int years);
/*
 * The holder's n-th birthday strictly after the Japan-time date of t, as
 * midnight UTC of that date
 * (29 February birthdays fall on 28 February in common years).  birth is
 * YYYY-MM-DD.  -1 on a bad date.
 */
time_t	clock_nth_birthday_after(const char *birth, time_t t, int n);
/* Days from civil date (proleptic Gregorian), for arithmetic without timegm(). */
int64_t	clock_days_from_civil(int y, int m, int d);
/* 1 when y-m-d is a real calendar date. */
int	clock_valid_date(int y, int m, int d);

#endif
