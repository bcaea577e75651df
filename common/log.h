/* SPDX-License-Identifier: ISC */
/*
 * log.h: one logging family for both binaries.
 *
 * certstatusd logs to stderr (or syslog-style files via the config); certctl
 * prints errors through the same calls.  log_warnx() never appends errno;
 * log_warn() appends strerror(errno); log_ssl() drains OpenSSL's error queue
 * so the next request starts clean.
 */
#ifndef CERTSTATUS_LOG_H
#define CERTSTATUS_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void	log_init(const char *progname, enum log_level level);
void	log_set_level(enum log_level level);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log fmt plus every queued OpenSSL error, then clear the queue. */
void	log_ssl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Clear OpenSSL's error queue, returning the text of the first error (static). */
const char *log_ssl_drain(void);

#endif
