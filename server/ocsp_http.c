/*
 * ocsp_http.c: RFC 5019 cache headers, the 304 decision and the status
 * mapping (see ocsp_http.h).  No I/O, no global state.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ocsp_http.h"

#define CRL_REASON_HOLD	6	/* certificateHold */

int
ocsp_http_date(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	return strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0 ? 0 : -1;
}

time_t
ocsp_http_date_parse(const char *s)
{
	struct tm	 tm;
	const char	*end;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm)) == NULL ||
	    *end != '\0')
		return -1;
	return timegm(&tm);
}

/* Does the If-None-Match list name etag (weak comparison), or is it "*"? */
static int
etag_listed(const char *list, const char *etag)
{
	size_t		 n = strlen(etag);
	const char	*p = list;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strcmp(p, "*") == 0)
		return 1;
	if (n == 0)
		return 0;
	/* the tag is quoted, so a match cannot start or end inside another */
	return strstr(p, etag) != NULL;
}

void
ocsp_http_cache_headers(time_t this_update, time_t next_update,
    const char *etag, time_t now, const char *if_none_match,
    const char *if_modified_since, struct ocsp_http_cache *out)
{
	time_t	 t;

	memset(out, 0, sizeof(*out));
	out->max_age = next_update > now ? (long)(next_update - now) : 0;
	(void)ocsp_http_date(this_update, out->last_modified,
	    sizeof(out->last_modified));
	(void)ocsp_http_date(next_update, out->expires, sizeof(out->expires));
	snprintf(out->cache_control, sizeof(out->cache_control),
	    "max-age=%ld, public, no-transform, must-revalidate", out->max_age);
	if (if_none_match != NULL)
		out->not_modified = etag != NULL &&
		    etag_listed(if_none_match, etag);
	else if (if_modified_since != NULL &&
	    (t = ocsp_http_date_parse(if_modified_since)) != -1)
		out->not_modified = t >= this_update;
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
		one->reason = cs->state == CERT_HOLD ? CRL_REASON_HOLD :
		    (cs->reason > 0 ? cs->reason : -1);
		return 0;
	default:
		break;
	}
	if (unknown_as_revoked) {
		one->status = OCSP_ST_REVOKED;
		one->revoked_at = 0;
		one->reason = CRL_REASON_HOLD;
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
