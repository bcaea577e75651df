/* SPDX-License-Identifier: ISC */
/*
 * condget.h: conditional GET for the cacheable answers (OCSP responses,
 * CRLs, and any other signed object with a validity period): the ETag,
 * Last-Modified, Expires and Cache-Control headers, and the 304 decision
 * (RFC 9110 8.8.3, 13.1.2, 13.2.2; RFC 5019 6.2), and what shared caches
 * in front get besides: s-maxage (RFC 9111 5.2.2.10) when the operator caps
 * how long they may keep an answer, and X-Accel-Expires, the absolute end
 * of freshness that nginx honours above Cache-Control.  The decision is
 * pure; condget_answer() applies it to an evhttp request.
 *
 * Why an absolute time for nginx: a cache that serves a stored response
 * must send Age (RFC 9111 4, 5.1) so that the next cache can subtract the
 * time it was stored from max-age.  nginx 1.22 never sends Age and, as a
 * proxy, replaces the origin's Date with its own, so a second nginx tier
 * counts the whole max-age again from when it got the answer and can keep
 * it past nextUpdate.  "X-Accel-Expires: @T" means the same second in
 * every tier that forwards it (config/nginx-inner.conf).
 */
#ifndef CERTSTATUSD_CONDGET_H
#define CERTSTATUSD_CONDGET_H

#include <stddef.h>
#include <time.h>

#include <event2/http.h>

#define CONDGET_DATE_LEN	40	/* an IMF-fixdate and its NUL, with room */
#define CONDGET_ETAG_HEX	16	/* hex digits of SHA-256(DER) in a tag */
#define CONDGET_ETAG_SIZE	(CONDGET_ETAG_HEX + 3)	/* quotes and NUL */

/* One representation as a cache sees it. */
struct condget_rep {
	const char	*etag;		/* quoted strong tag, or NULL for none */
	time_t		 last_modified;	/* thisUpdate, notBefore, ... */
	time_t		 expires;	/* nextUpdate, notAfter, ... */
	long		 max_age_cap;	/* seconds; < 0: none but expires */
	int		 must_revalidate;
	int		 private_only;	/* "private": no shared cache may keep it
					   (answers only registered parties get) */
	long		 cache_max_age;	/* seconds a shared cache may keep it
					   (config cache-max-age); 0: no cap
					   but max-age */
};

/* The headers to send, and whether to answer 304. */
struct condget_headers {
	char	 last_modified[CONDGET_DATE_LEN];
	char	 expires[CONDGET_DATE_LEN];
	char	 cache_control[128];
	char	 accel_expires[24];	/* X-Accel-Expires value; "" for none */
	long	 max_age;	/* seconds, never past expires, never < 0 */
	long	 shared_max_age; /* what a shared cache gets: <= max_age */
	time_t	 shared_until;	/* X-Accel-Expires "@" time; 0: "0" or none */
	int	 not_modified;	/* 1: answer 304 Not Modified */
};

/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); 0, or -1 if it does not fit. */
int	condget_date(time_t t, char *buf, size_t len);
/* The time of an IMF-fixdate, or -1 when s is not one. */
time_t	condget_date_parse(const char *s);

/* The ETag of a DER object: '"' CONDGET_ETAG_HEX hex digits '"', in out. */
void	condget_etag(const unsigned char *der, size_t len,
	    char out[CONDGET_ETAG_SIZE]);

/*
 * 1 when an If-None-Match field value matches etag (a quoted tag): "*", or
 * a list element whose opaque-tag equals etag's, W/ or not (the weak
 * comparison, RFC 9110 8.8.3.2).  Malformed elements match nothing.  0 when
 * etag is NULL and the value is not "*".
 */
int	condget_etag_match(const char *if_none_match, const char *etag);

/*
 * The headers of rep at now and whether the request's If-None-Match /
 * If-Modified-Since (each may be NULL) make it a 304.  If-None-Match wins
 * when present (RFC 9110 13.2.2): If-Modified-Since is then ignored;
 * otherwise a valid date at or after rep->last_modified is a 304.  max-age
 * is expires - now, capped at max_age_cap, at least 0; Cache-Control reads
 * "max-age=N[, s-maxage=M], public, no-transform[, must-revalidate]"
 * ("private" for public when rep->private_only).  M is max-age capped at
 * rep->cache_max_age, written only when smaller.  Unless private_only,
 * accel_expires is "@T" with T = now + M but at most expires - 1 (nginx
 * serves an answer through the whole second T), or "0" (keep it not at
 * all) when that is not after now.
 */
void	condget_decide(const struct condget_rep *rep, time_t now,
	    const char *if_none_match, const char *if_modified_since,
	    struct condget_headers *out);

/*
 * Decide for req and add Last-Modified, Expires, Cache-Control, (when rep
 * has one) ETag and (unless private_only) X-Accel-Expires to its output
 * headers, 304 or not: nginx revalidating takes its new expiry from the
 * 304.  Returns 1 when the caller
 * answers 304 without a body, 0 when it sends the representation.  Sends
 * nothing itself.
 */
int	condget_answer(struct evhttp_request *req, const struct condget_rep *rep,
	    time_t now);

/*
 * The RFC 5019 view of a response valid from this_update to next_update
 * with this ETag (quoted; kept by reference): Last-Modified thisUpdate,
 * Expires nextUpdate, max-age up to nextUpdate, must-revalidate.  The 304
 * decision and the headers are the functions above.
 */
void	condget_ocsp_rep(time_t this_update, time_t next_update, const char *etag,
	    struct condget_rep *rep);

#endif
