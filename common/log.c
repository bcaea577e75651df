/* SPDX-License-Identifier: ISC */
/*
 * log.c: stderr logging with a level and a program name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "log.h"

static const char	*log_prog = "certstatus";
static enum log_level	 log_level = LOG_LVL_INFO;

void
log_init(const char *progname, enum log_level level)
{
	log_prog = progname;
	log_level = level;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

static void
log_vwrite(enum log_level lvl, const char *suffix, const char *fmt, va_list ap)
{
	char		 stamp[32];
	time_t		 t;
	struct tm	 tm;

	if (lvl > log_level)
		return;
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s: ", stamp, log_prog);
	vfprintf(stderr, fmt, ap);
	if (suffix != NULL)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARN, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

const char *
log_ssl_drain(void)
{
	static char	 buf[256];
	unsigned long	 e, first = 0;

	while ((e = ERR_get_error()) != 0)
		if (first == 0)
			first = e;
	if (first == 0)
		return "unknown OpenSSL error";
	ERR_error_string_n(first, buf, sizeof(buf));
	return buf;
}

void
log_ssl(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARN, log_ssl_drain(), fmt, ap);
	va_end(ap);
}
