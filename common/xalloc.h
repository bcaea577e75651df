/* SPDX-License-Identifier: ISC */
/*
 * xalloc.h: allocation that cannot fail, for certctl (xalloc.c).
 *
 * Out of memory, the one policy (README, "Out of memory"):
 * - certctl: fatal.  Every allocation in certctl's code goes through these
 *   functions or calls fatal_oom() when a library call (OpenSSL, jansson)
 *   returns NULL for want of memory: one line "certctl: out of memory" on
 *   stderr and exit status 1.  The registry is left as it was: a write in
 *   progress is inside a transaction, and SQLite rolls back what a dead
 *   process did not commit.
 * - certstatusd: never fatal while serving.  A failed allocation fails that
 *   request only: tryLater for OCSP, 500 for the counter page and the API,
 *   and the loop goes on.  At start-up, before the first request, it is a
 *   clear fatal error ("certstatusd: ...: out of memory") like any other
 *   start-up error.  The daemon's code does not call these functions.
 * - common/ code used by both (config.c, db.c, ...) returns an error
 *   ("out of memory") and lets the program decide: a config reload on
 *   SIGHUP that runs out of memory keeps the running config.
 */
#ifndef CERTSTATUS_XALLOC_H
#define CERTSTATUS_XALLOC_H

#include <stddef.h>

/* Print "<program>: out of memory" to stderr and exit(1). */
void	 fatal_oom(void) __attribute__((noreturn));

/* malloc, calloc and strdup that call fatal_oom() instead of returning NULL.
 * xstrdup(NULL) is NULL. */
void	*xmalloc(size_t n);
void	*xcalloc(size_t n, size_t size);
void	*xreallocarray(void *p, size_t n, size_t size);
char	*xstrdup(const char *s);
/* asprintf into a new string (caller frees); fatal_oom() on failure. */
char	*xasprintf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
