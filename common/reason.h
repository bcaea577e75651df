/* SPDX-License-Identifier: ISC */
/*
 * reason.h: CRLReason (RFC 5280 5.3.1), the one table of its codes and
 * names, for CRL entries, OCSP revocationReason, certctl and the counter.
 */
#ifndef CERTSTATUS_REASON_H
#define CERTSTATUS_REASON_H

#define REASON_UNSPECIFIED		0
#define REASON_KEY_COMPROMISE		1
#define REASON_CA_COMPROMISE		2
#define REASON_AFFILIATION_CHANGED	3
#define REASON_SUPERSEDED		4
#define REASON_CESSATION		5	/* cessationOfOperation */
#define REASON_CERTIFICATE_HOLD		6
					/* 7 is not assigned */
#define REASON_REMOVE_FROM_CRL		8
#define REASON_PRIVILEGE_WITHDRAWN	9
#define REASON_AA_COMPROMISE		10
#define REASON_MAX			10

/* The RFC 5280 name of code ("keyCompromise"), or NULL when none is. */
const char	*reason_name(int code);
/* The code of an RFC 5280 name, any case; -1 when unknown. */
int		 reason_parse(const char *name);

#endif
