/* SPDX-License-Identifier: ISC */
/*
 * version.h: what the build compiled in (build/<kind>/gen/version.c, made
 * by the Makefile from VERSION and its install directories).
 */
#ifndef CERTSTATUS_VERSION_H
#define CERTSTATUS_VERSION_H

extern const char certstatus_version[];		/* "0.9.0", from VERSION */
extern const char certstatus_sysconfdir[];	/* e.g. "/etc" */

#endif
