/* SPDX-License-Identifier: ISC */
/*
 * condget.h: conditional GET for the cacheable answers (OCSP responses,
 * CRLs, and any other signed object with a validity period): the ETag,
 * Last-Modified, Expires and Cache-Control headers, and the 304 decision
 * (RFC 9110 8.8.3, 13.1.2, 13.2.2; RFC 5019 6.2).  The decision is pure;
 * condget_answer() applies it to an evhttp request.
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
};

/* The headers to send, and whether to answer 304. */
struct condget_headers {
	char	 last_modified[CONDGET_DATE_LEN];
	char	 expires[CONDGET_DATE_LEN];
	char	 cache_control[96];
	long	 max_age;	/* seconds, never past expires, never < 0 */
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
 * "max-age=N, public, no-transform[, must-revalidate]" ("private" for
 * public when rep->private_only).
 */
void	condget_decide(const struct condget_rep *rep, time_t now,
	    const char *if_none_match, const char *if_modified_since,
	    struct condget_headers *out);

/*
 * Decide for req and add Last-Modified, Expires, Cache-Control and (when
 * rep has one) ETag to its output headers.  Returns 1 when the caller
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
