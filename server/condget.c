/* SPDX-License-Identifier: ISC */
/*
 * condget.c: conditional GET and the cache headers of cacheable answers
 * (see condget.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/keyvalq_struct.h>
#include <openssl/sha.h>

#include "condget.h"

int
condget_date(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	return strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0 ? 0 : -1;
}

time_t
condget_date_parse(const char *s)
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

void
condget_etag(const unsigned char *der, size_t len, char out[CONDGET_ETAG_SIZE])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[SHA256_DIGEST_LENGTH];

	SHA256(der, len, md);
	out[0] = '"';
	for (int i = 0; i < CONDGET_ETAG_HEX / 2; i++) {
		out[1 + 2 * i] = hex[md[i] >> 4];
		out[2 + 2 * i] = hex[md[i] & 0xf];
	}
	out[CONDGET_ETAG_HEX + 1] = '"';
	out[CONDGET_ETAG_HEX + 2] = '\0';
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * One If-None-Match element at p: "*" or [W/] DQUOTE *etagc DQUOTE.  Sets
 * *tag, *taglen to the quoted opaque-tag ("*" for the wildcard) and returns
 * what follows, or NULL when the element is malformed.
 */
static const char *
etag_element(const char *p, const char **tag, size_t *taglen)
{
	const char	*q;

	if (*p == '*') {
		*tag = p;
		*taglen = 1;
		return skip_ows(p + 1);
	}
	if (strncmp(p, "W/", 2) == 0)
		p += 2;
	if (*p != '"' || (q = strchr(p + 1, '"')) == NULL)
		return NULL;
	*tag = p;
	*taglen = (size_t)(q + 1 - p);
	return skip_ows(q + 1);
}

int
condget_etag_match(const char *list, const char *etag)
{
	const char	*p = list, *next, *tag;
	size_t		 taglen, n;

	if (etag != NULL && strncmp(etag, "W/", 2) == 0)
		etag += 2;
	n = etag != NULL ? strlen(etag) : 0;
	while (p != NULL && *p != '\0') {
		p = skip_ows(p);
		if (*p == ',') {	/* empty elements are allowed (RFC 9110 5.6.1) */
			p++;
			continue;
		}
		next = etag_element(p, &tag, &taglen);
		if (next != NULL && (*next == ',' || *next == '\0')) {
			if (taglen == 1 && *tag == '*')
				return 1;
			if (etag != NULL && taglen == n &&
			    memcmp(tag, etag, n) == 0)
				return 1;
		}
		/* on to the next element; a malformed one matches nothing */
		p = strchr(next != NULL ? next : p, ',');
	}
	return 0;
}

void
condget_decide(const struct condget_rep *rep, time_t now,
    const char *if_none_match, const char *if_modified_since,
    struct condget_headers *out)
{
	time_t	 since, until;
	char	 smax[32] = "";

	memset(out, 0, sizeof(*out));
	out->max_age = rep->expires > now ? (long)(rep->expires - now) : 0;
	if (rep->max_age_cap >= 0 && out->max_age > rep->max_age_cap)
		out->max_age = rep->max_age_cap;
	out->shared_max_age = out->max_age;
	if (rep->cache_max_age > 0 && out->shared_max_age > rep->cache_max_age)
		out->shared_max_age = rep->cache_max_age;
	if (!rep->private_only) {
		/*
		 * Absolute, so that every nginx tier stops at the same second
		 * however long the answer sat in the tier before it.  nginx
		 * keeps serving through the second it names, hence one second
		 * before nextUpdate at the latest.
		 */
		until = now + out->shared_max_age;
		if (until > rep->expires - 1)
			until = rep->expires - 1;
		if (until > now) {
			out->shared_until = until;
			snprintf(out->accel_expires, sizeof(out->accel_expires),
			    "@%lld", (long long)until);
		} else
			snprintf(out->accel_expires,
			    sizeof(out->accel_expires), "0");
		if (out->shared_max_age < out->max_age)
			snprintf(smax, sizeof(smax), ", s-maxage=%ld",
			    out->shared_max_age);
	}
	(void)condget_date(rep->last_modified, out->last_modified,
	    sizeof(out->last_modified));
	(void)condget_date(rep->expires, out->expires, sizeof(out->expires));
	snprintf(out->cache_control, sizeof(out->cache_control),
	    "max-age=%ld%s, %s, no-transform%s", out->max_age, smax,
	    rep->private_only ? "private" : "public",
	    rep->must_revalidate ? ", must-revalidate" : "");
	if (if_none_match != NULL)
		out->not_modified = condget_etag_match(if_none_match, rep->etag);
	else if (if_modified_since != NULL &&
	    (since = condget_date_parse(if_modified_since)) != -1)
		out->not_modified = since >= rep->last_modified;
}

int
condget_answer(struct evhttp_request *req, const struct condget_rep *rep,
    time_t now)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct condget_headers	 h;

	condget_decide(rep, now, evhttp_find_header(in, "If-None-Match"),
	    evhttp_find_header(in, "If-Modified-Since"), &h);
	evhttp_add_header(out, "Last-Modified", h.last_modified);
	evhttp_add_header(out, "Expires", h.expires);
	evhttp_add_header(out, "Cache-Control", h.cache_control);
	if (rep->etag != NULL)
		evhttp_add_header(out, "ETag", rep->etag);
	if (h.accel_expires[0] != '\0')
		evhttp_add_header(out, "X-Accel-Expires", h.accel_expires);
	return h.not_modified;
}

void
condget_ocsp_rep(time_t this_update, time_t next_update, const char *etag,
    struct condget_rep *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->etag = etag;
	rep->last_modified = this_update;
	rep->expires = next_update;
	rep->max_age_cap = -1;		/* RFC 5019 6.2: until nextUpdate */
	rep->must_revalidate = 1;
}
