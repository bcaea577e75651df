/* SPDX-License-Identifier: ISC */
/*
 * reason.c: the CRLReason table (see reason.h).
 */
#include <stddef.h>
#include <strings.h>

#include "reason.h"

static const char *const reason_names[REASON_MAX + 1] = {
	[REASON_UNSPECIFIED] = "unspecified",
	[REASON_KEY_COMPROMISE] = "keyCompromise",
	[REASON_CA_COMPROMISE] = "cACompromise",
	[REASON_AFFILIATION_CHANGED] = "affiliationChanged",
	[REASON_SUPERSEDED] = "superseded",
	[REASON_CESSATION] = "cessationOfOperation",
	[REASON_CERTIFICATE_HOLD] = "certificateHold",
	[REASON_REMOVE_FROM_CRL] = "removeFromCRL",
	[REASON_PRIVILEGE_WITHDRAWN] = "privilegeWithdrawn",
	[REASON_AA_COMPROMISE] = "aACompromise",
};

const char *
reason_name(int code)
{
	if (code < 0 || code > REASON_MAX)
		return NULL;
	return reason_names[code];
}

int
reason_parse(const char *name)
{
	for (int i = 0; i <= REASON_MAX; i++)
		if (reason_names[i] != NULL && strcasecmp(name, reason_names[i]) == 0)
			return i;
	return -1;
}
