/* SPDX-License-Identifier: ISC */
/*
 * ocsp_http.c: the RFC 5019 cache profile and the status mapping (see
 * ocsp_http.h).  No I/O, no global state.
 */
#include <string.h>
#include <time.h>

#include "ocsp_http.h"
#include "reason.h"

void
ocsp_http_rep(time_t this_update, time_t next_update, const char *etag,
    struct condget_rep *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->etag = etag;
	rep->last_modified = this_update;
	rep->expires = next_update;
	rep->max_age_cap = -1;		/* RFC 5019 6.2: until nextUpdate */
	rep->must_revalidate = 1;
}

int
ocsp_http_status(const struct cert_status *cs, int unknown_as_revoked,
    struct ocsp_single *one)
{
	switch (cs->state) {
	case CERT_GOOD:
		one->status = OCSP_ST_GOOD;
		return 0;
	case CERT_REVOKED:
	case CERT_HOLD:
		one->status = OCSP_ST_REVOKED;
		one->revoked_at = cs->revoked_at;
		one->reason = cs->state == CERT_HOLD ? REASON_CERTIFICATE_HOLD :
		    (cs->reason > 0 ? cs->reason : -1);
		return 0;
	default:
		break;
	}
	if (unknown_as_revoked) {
		one->status = OCSP_ST_REVOKED;
		one->revoked_at = 0;
		one->reason = REASON_CERTIFICATE_HOLD;
		return 1;
	}
	one->status = OCSP_ST_UNKNOWN;
	return 0;
}

uint64_t
ocsp_http_fp(const struct cert_status *cs)
{
	uint64_t	 fp = (uint64_t)(cs->state & 0xf) << 60;

	if (cs->state == CERT_REVOKED || cs->state == CERT_HOLD) {
		fp |= (uint64_t)((cs->reason + 1) & 0xff) << 48;
		fp |= (uint64_t)cs->revoked_at & 0xffffffffffffULL;
	}
	return fp;
}
