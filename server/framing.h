/* SPDX-License-Identifier: ISC */
/*
 * framing.h: the check of each request head (RFC 9112) before evhttp reads
 * it.  evhttp parses headers into C strings and takes the first
 * Content-Length or an exact "Transfer-Encoding: chunked" and ignores the
 * rest, so a head that a proxy in front could frame differently (request
 * smuggling) has to be refused from its raw bytes.  Fed byte ranges as
 * they arrive, it stops at the end of the head with a verdict.
 */
#ifndef CERTSTATUSD_FRAMING_H
#define CERTSTATUSD_FRAMING_H

#include <stddef.h>

#define FRAMING_VALUE_MAX	128	/* Content-Length / Transfer-Encoding text */
#define FRAMING_METHOD_MAX	16
#define FRAMING_TARGET_MAX	200	/* kept for the access log, up to '?' */

enum framing_state {
	FRAMING_HEAD,		/* inside a head: feed more */
	FRAMING_DONE,		/* the head ended and is sound */
	FRAMING_REJECT		/* answer code (why) and close */
};

struct framing {
	enum framing_state	 state;
	int			 code;		/* 400, 501, 505 when rejected */
	const char		*why;		/* static text for the reply */
	char			 method[FRAMING_METHOD_MAX];
	char			 target[FRAMING_TARGET_MAX + 1];

	/* the rest is the scanner's own */
	int			 in_fields;	/* past the request line */
	int			 cr;		/* the last byte was CR */
	size_t			 line_len;
	int			 spaces;	/* in the request line */
	size_t			 mlen, tlen;
	int			 target_done;
	char			 version[10];
	size_t			 vlen;
	int			 http10;
	int			 in_value;	/* past the colon */
	char			 name[24];	/* lowercased, truncated */
	size_t			 nlen;
	char			 value[FRAMING_VALUE_MAX + 1];
	size_t			 value_len;
	int			 hosts, lengths, codings;
	char			 te[FRAMING_VALUE_MAX + 1];	/* combined */
	size_t			 te_len;
	int			 too_long;	/* a CL/TE value over the max */
};

/* Start on a new request head. */
void	framing_reset(struct framing *f);

/*
 * Scan the next n bytes of the connection.  Returns how many belong to the
 * head (all of them while state stays FRAMING_HEAD; fewer when the head
 * ended or was refused: the rest is the body or the next request).
 */
size_t	framing_feed(struct framing *f, const unsigned char *p, size_t n);

#endif
