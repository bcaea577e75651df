/* SPDX-License-Identifier: ISC */
/*
 * framing.c: one request head, byte by byte, against RFC 9112 as nginx
 * applies it.  Refused with 400: a control character (NUL, bare CR, ...)
 * anywhere in the head; a request line that is not "method SP target SP
 * HTTP/d.d"; a field name that is not a token (whitespace before the
 * colon included); obs-fold; an HTTP/1.1 request without exactly one Host
 * (HTTP/1.0: at most one); Content-Length that is not digits, or given
 * twice; Transfer-Encoding with Content-Length, in HTTP/1.0, or whose last
 * coding is not chunked, or with chunked twice.  A coding before chunked
 * (gzip, chunked) is 501: framed, but not implemented.  Versions other
 * than 1.0 and 1.1 are 505.  Lines may end in LF or CRLF, as evhttp reads
 * them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "framing.h"

static int
reject(struct framing *f, int code, const char *why)
{
	f->state = FRAMING_REJECT;
	f->code = code;
	f->why = why;
	return -1;
}

/* RFC 9110 5.6.2 tchar */
static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

void
framing_reset(struct framing *f)
{
	memset(f, 0, sizeof(*f));
	f->state = FRAMING_HEAD;
}

static int
request_line_byte(struct framing *f, unsigned char c)
{
	if (is_ctl(c))
		return reject(f, 400, "control character in the request line");
	if (c == ' ') {
		if (++f->spaces > 2)
			return reject(f, 400, "bad request line");
		if (f->spaces == 2)
			f->target_done = 1;
		return 0;
	}
	switch (f->spaces) {
	case 0:
		if (f->mlen + 1 < sizeof(f->method))
			f->method[f->mlen++] = (char)c;
		break;
	case 1:
		if (c == '?')
			f->target_done = 1;
		if (!f->target_done && f->tlen < FRAMING_TARGET_MAX)
			f->target[f->tlen++] = (char)c;
		break;
	default:
		if (f->vlen + 1 >= sizeof(f->version))
			return reject(f, 400, "bad request line");
		f->version[f->vlen++] = (char)c;
	}
	return 0;
}

static int
request_line_end(struct framing *f)
{
	const char	*v = f->version;

	if (f->spaces != 2 || f->mlen == 0 || f->line_len < 12)
		return reject(f, 400, "bad request line");
	if (f->vlen != 8 || strncmp(v, "HTTP/", 5) != 0 || v[5] < '0' ||
	    v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
		return reject(f, 400, "bad HTTP version");
	if (strcmp(v, "HTTP/1.1") != 0 && strcmp(v, "HTTP/1.0") != 0)
		return reject(f, 505, "HTTP version not supported");
	f->http10 = v[7] == '0';
	f->in_fields = 1;
	return 0;
}

static int
field_byte(struct framing *f, unsigned char c)
{
	if (f->line_len == 0 && (c == ' ' || c == '\t'))
		return reject(f, 400, "obs-fold (a header line starting with "
		    "whitespace)");
	if (!f->in_value) {
		if (c == ':') {
			if (f->nlen == 0)
				return reject(f, 400, "empty header name");
			f->in_value = 1;
			f->value_len = 0;
			return 0;
		}
		if (!is_tchar(c))
			return reject(f, 400, "bad character in a header name");
		if (f->nlen + 1 < sizeof(f->name))
			f->name[f->nlen++] = (char)(c | 0x20);
		else
			f->nlen = sizeof(f->name);	/* none we look at */
		return 0;
	}
	if (is_ctl(c) && c != '\t')
		return reject(f, 400, "control character in a header value");
	if (f->value_len < FRAMING_VALUE_MAX)
		f->value[f->value_len++] = (char)c;
	else
		f->too_long = 1;
	return 0;
}

/* The value without the optional whitespace around it, NUL-terminated. */
static char *
trimmed(char *v, size_t len)
{
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	v[len] = '\0';
	return v + strspn(v, " \t");
}

static int
field_end(struct framing *f)
{
	char	*v;

	if (!f->in_value)
		return reject(f, 400, "header line without a colon");
	f->name[f->nlen < sizeof(f->name) ? f->nlen : 0] = '\0';
	v = trimmed(f->value, f->value_len);
	if (strcmp(f->name, "host") == 0)
		f->hosts++;
	else if (strcmp(f->name, "content-length") == 0) {
		f->lengths++;
		if (f->too_long || *v == '\0' || v[strspn(v, "0123456789")] != '\0')
			return reject(f, 400, "bad Content-Length");
	} else if (strcmp(f->name, "transfer-encoding") == 0) {
		f->codings++;
		/* repeated fields are one list (RFC 9110 5.3) */
		if (f->too_long || f->te_len + strlen(v) + 2 > FRAMING_VALUE_MAX)
			return reject(f, 400, "Transfer-Encoding too long");
		f->te_len += (size_t)snprintf(f->te + f->te_len,
		    sizeof(f->te) - f->te_len, "%s%s", f->te_len ? "," : "", v);
	}
	f->in_value = 0;
	f->nlen = 0;
	f->too_long = 0;
	return 0;
}

/* The Transfer-Encoding list: "chunked" alone is all evhttp can read. */
static int
codings_check(struct framing *f)
{
	char	*p, *last = NULL, *save = NULL, *c;
	int	 n = 0, chunked = 0;

	for (p = strtok_r(f->te, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		c = trimmed(p, strlen(p));
		if (*c == '\0')
			continue;	/* empty list elements are allowed */
		n++;
		last = c;
		if (strcasecmp(c, "chunked") == 0)
			chunked++;
	}
	if (last == NULL || strcasecmp(last, "chunked") != 0)
		return reject(f, 400, "Transfer-Encoding whose last coding is "
		    "not chunked");
	if (chunked > 1)
		return reject(f, 400, "chunked applied more than once");
	if (n > 1)
		return reject(f, 501, "transfer coding not implemented");
	return 0;
}

static int
head_end(struct framing *f)
{
	if (f->hosts > 1 || (!f->http10 && f->hosts == 0))
		return reject(f, 400, f->hosts ? "more than one Host" :
		    "HTTP/1.1 request without Host");
	if (f->lengths > 1)
		return reject(f, 400, "more than one Content-Length");
	if (f->codings > 0) {
		if (f->http10)
			return reject(f, 400, "Transfer-Encoding in an HTTP/1.0 "
			    "request");
		if (f->lengths > 0)
			return reject(f, 400, "Transfer-Encoding and "
			    "Content-Length");
		if (codings_check(f) != 0)
			return -1;
	}
	f->state = FRAMING_DONE;
	return 0;
}

static int
line_end(struct framing *f)
{
	int	rc;

	if (!f->in_fields)
		rc = request_line_end(f);
	else if (f->line_len == 0)
		rc = head_end(f);
	else
		rc = field_end(f);
	f->line_len = 0;
	return rc;
}

size_t
framing_feed(struct framing *f, const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n && f->state == FRAMING_HEAD; i++) {
		if (p[i] == '\n') {
			f->cr = 0;
			line_end(f);
		} else if (f->cr)
			reject(f, 400, "bare CR in the request head");
		else if (p[i] == '\r')
			f->cr = 1;
		else {
			if (f->in_fields)
				field_byte(f, p[i]);
			else
				request_line_byte(f, p[i]);
			f->line_len++;
		}
	}
	return i;
}
