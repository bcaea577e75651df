/* SPDX-License-Identifier: ISC */
/*
 * counter.c: the online counter.  A resident gives their own certificate
 * (PEM or DER) and reads, in Japanese, English or Spanish, whether it is
 * valid, expired, revoked (and why, in plain words), on hold, or not this
 * city's; with where to go next.  GET / is the page, POST /check its form
 * (works without JavaScript), POST /api/v1/check the same answer as JSON,
 * GET /static/<name> the CSS and script embedded in the binary.
 *
 * What the resident is told is decided in counter_judge.c (a certificate
 * is judged only after its signature verifies against one of our CAs);
 * this file reads the upload and the registry and writes the answer.
 * Privacy: nothing is looked up but the presented certificate; checks are
 * rate-limited per client address; no certificate content is ever logged.
 */
#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/err.h>

#include "clock.h"
#include "counter_i18n.h"
#include "counter_judge.h"
#include "counter_static.h"
#include "log.h"
#include "pki.h"
#include "proxy.h"
#include "reason.h"
#include "serial.h"
#include "server.h"

#define COUNTER_CERT_MAX	(16 * 1024)	/* bytes of certificate accepted */
#define COUNTER_FORM_MAX	(64 * 1024)	/* bytes of url-encoded form */
#define RATE_SLOTS		4096		/* clients tracked at once */
#define RATE_PROBE		8		/* slots tried per address */
#define RATE_WINDOW_SEC		60
#define STATIC_MAX_AGE		"public, max-age=3600"

#define COUNTER_CSP "default-src 'none'; style-src 'self'; script-src 'self'; " \
	"img-src 'self'; connect-src 'self'; form-action 'self'; " \
	"frame-ancestors 'none'; base-uri 'none'"

/* Why a check gave no verdict. */
enum check_error {
	CE_NONE, CE_EMPTY, CE_MALFORMED, CE_TOO_LARGE, CE_RATE, CE_UNAVAILABLE
};

static const struct {
	int		 code;
	const char	*name;
	enum msg	 text;
} check_errors[] = {
	[CE_NONE] = { HTTP_OK, "none", M_E_TITLE },
	[CE_EMPTY] = { HTTP_BADREQUEST, "empty", M_E_EMPTY },
	[CE_MALFORMED] = { HTTP_BADREQUEST, "malformed", M_E_MALFORMED },
	[CE_TOO_LARGE] = { 413, "too_large", M_E_TOO_LARGE },
	[CE_RATE] = { 429, "rate_limited", M_E_RATE },
	[CE_UNAVAILABLE] = { HTTP_SERVUNAVAIL, "unavailable", M_E_UNAVAILABLE },
};


struct rate_slot {
	char		 addr[PROXY_ADDR_MAX];
	time_t		 start;		/* monotonic seconds */
	int		 count;
};

struct counter {
	struct rate_slot	*slots;		/* RATE_SLOTS, fixed */
};

/* --- helpers --------------------------------------------------------- */

/* Append s HTML-escaped (text and attribute values alike). */
static void
html(struct evbuffer *b, const char *s)
{
	const char	*p, *run;

	for (p = run = s; *p != '\0'; p++) {
		const char	*e;

		switch (*p) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		evbuffer_add(b, run, (size_t)(p - run));
		evbuffer_add(b, e, strlen(e));
		run = p + 1;
	}
	evbuffer_add(b, run, (size_t)(p - run));
}

/* Append literal markup (never dynamic text). */
static void
raw(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, s, strlen(s));
}

/* Append printf-formatted text, HTML-escaped. */
static void
htmlf(struct evbuffer *b, const char *fmt, ...)
{
	char	 buf[2048];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	html(b, buf);
}

/* Security headers on every counter response. */
static void
counter_headers(struct evhttp_request *req, const char *cache)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", COUNTER_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
	evhttp_add_header(h, "Cache-Control", cache);
}

/* --- language -------------------------------------------------------- */

/*
 * The language asked for: an explicit choice (form field or ?lang=), then
 * Accept-Language, then Japanese.
 */
static enum lang
pick_lang(struct evhttp_request *req, const char *chosen)
{
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	const char		*q;
	struct evkeyvalq	 params;
	int			 l = -1;

	if (chosen != NULL)
		l = i18n_parse(chosen, strlen(chosen));
	if (l < 0 && u != NULL && (q = evhttp_uri_get_query(u)) != NULL) {
		TAILQ_INIT(&params);
		if (evhttp_parse_query_str(q, &params) == 0 &&
		    (chosen = evhttp_find_header(&params, "lang")) != NULL)
			l = i18n_parse(chosen, strlen(chosen));
		evhttp_clear_headers(&params);
	}
	if (l < 0)
		l = i18n_accept(evhttp_find_header(
		    evhttp_request_get_input_headers(req), "Accept-Language"));
	return (enum lang)l;
}

/* --- rate limit -------------------------------------------------------- */

static uint32_t
fnv1a(const char *s)
{
	uint32_t	 h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/*
 * Count one check for peer.  1 when allowed; 0 when over the limit, with
 * the seconds until the window ends in retry_after.  A full neighbourhood
 * evicts its oldest window: the table never grows.
 */
static int
rate_take(struct counter *c, const char *peer, int limit, int *retry_after)
{
	struct rate_slot	*slot = NULL, *victim = NULL;
	time_t			 now = clock_mono();
	uint32_t		 h = fnv1a(peer);
	int			 victim_free = 0, is_free;

	for (int i = 0; i < RATE_PROBE; i++) {
		struct rate_slot	*r = &c->slots[(h + i) % RATE_SLOTS];

		if (strcmp(r->addr, peer) == 0) {
			slot = r;
			break;
		}
		is_free = r->addr[0] == '\0' || now - r->start >= RATE_WINDOW_SEC;
		if (is_free && !victim_free) {
			victim = r;
			victim_free = 1;
		} else if (!is_free && !victim_free &&
		    (victim == NULL || r->start < victim->start))
			victim = r;
	}
	if (slot == NULL) {
		slot = victim;
		snprintf(slot->addr, sizeof(slot->addr), "%s", peer);
		slot->start = now;
		slot->count = 0;
	}
	if (now - slot->start >= RATE_WINDOW_SEC) {
		slot->start = now;
		slot->count = 0;
	}
	if (slot->count >= limit) {
		*retry_after = (int)(slot->start + RATE_WINDOW_SEC - now);
		if (*retry_after < 1)
			*retry_after = 1;
		return 0;
	}
	slot->count++;
	return 1;
}

/* 1 when the request may go on; else adds Retry-After and returns 0. */
static int
rate_check(struct server *s, struct evhttp_request *req)
{
	char	 buf[16], client[PROXY_ADDR_MAX];
	int	 retry;

	if (s->counter == NULL || rate_take(s->counter,
	    http_client_addr(s, req, client, sizeof(client)),
	    s->conf->counter_rate, &retry))
		return 1;
	snprintf(buf, sizeof(buf), "%d", retry);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", buf);
	return 0;
}

/* --- reading the certificate ----------------------------------------- */

static int
all_space(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' &&
		    p[i] != '\n')
			return 0;
	return 1;
}

/* A certificate from an upload: PEM text, or exactly one DER encoding. */
static X509 *
cert_from_bytes(const unsigned char *p, size_t len, enum check_error *e)
{
	X509	*x = NULL;

	*e = CE_NONE;
	if (p == NULL || len == 0 || all_space(p, len)) {
		*e = CE_EMPTY;
		return NULL;
	}
	if (len > COUNTER_CERT_MAX) {
		*e = CE_TOO_LARGE;
		return NULL;
	}
	if (memmem(p, len, "-----BEGIN", 10) != NULL) {
		/* text: a NUL would let parsers disagree on where it ends */
		if (memchr(p, '\0', len) == NULL)
			x = pki_cert_from_pem((const char *)p, len);
	} else
		x = pki_cert_from_der(p, len);
	if (x == NULL)
		*e = CE_MALFORMED;
	return x;
}

/*
 * The no-JS form: application/x-www-form-urlencoded "pem" and "lang".
 * A %00 (evhttp decodes it into a NUL that would cut the text short) or a
 * raw NUL makes the whole form malformed.  *lang gets the chosen language
 * (a new string or NULL).
 */
static X509 *
cert_from_form(struct evhttp_request *req, char **lang, enum check_error *e)
{
	struct evkeyvalq	 q;
	unsigned char		*body;
	char			*text = NULL;
	const char		*pem, *l;
	size_t			 len;
	int			 fail;
	X509			*x = NULL;

	*lang = NULL;
	TAILQ_INIT(&q);
	body = http_body(req, COUNTER_FORM_MAX, &len, &fail);
	if (body == NULL) {
		*e = fail == HTTP_BODY_TOO_LARGE ? CE_TOO_LARGE :
		    fail == HTTP_BODY_NOMEM ? CE_UNAVAILABLE : CE_EMPTY;
		return NULL;
	}
	*e = CE_MALFORMED;
	if (memchr(body, '\0', len) != NULL ||
	    memmem(body, len, "%00", 3) != NULL)
		goto done;
	if ((text = malloc(len + 1)) == NULL) {
		*e = CE_UNAVAILABLE;
		goto done;
	}
	/* form encoding: a literal '+' arrives as %2B, a raw '+' is a space
	 * (evhttp_parse_query_str leaves '+' alone) */
	for (size_t i = 0; i < len; i++)
		text[i] = body[i] == '+' ? ' ' : (char)body[i];
	text[len] = '\0';
	if (evhttp_parse_query_str(text, &q) != 0)
		goto done;
	if ((l = evhttp_find_header(&q, "lang")) != NULL)
		*lang = strdup(l);
	if ((pem = evhttp_find_header(&q, "pem")) == NULL ||
	    all_space((const unsigned char *)pem, strlen(pem))) {
		*e = CE_EMPTY;
		goto done;
	}
	x = cert_from_bytes((const unsigned char *)pem, strlen(pem), e);
 done:
	evhttp_clear_headers(&q);
	free(text);
	free(body);
	return x;
}

/* --- judging ----------------------------------------------------------- */

/*
 * Judge x: only after its signature verifies against one of our CAs is the
 * registry asked about it.  0, or -1 when the registry cannot be read.
 */
static int
counter_judge(struct server *s, X509 *x, struct verdict_info *vi)
{
	const struct issuer	*is;
	struct cert_status	 st;
	struct serial		 sn;
	char			 card[16], kind[8];

	if ((is = counter_judge_cert(x, s->issuers, vi)) == NULL)
		return 0;
	if (serial_from_asn1(X509_get0_serialNumber(x), &sn) != 0) {
		vi->v = V_UNKNOWN;
		return 0;
	}
	if (!s->db_ok || db_cert_status(s->db, is->id, &sn, &st) != 0 ||
	    db_cert_card(s->db, is->id, &sn, card, kind) != 0)
		return -1;
	counter_judge_record(vi, &st, card, kind, clock_now(),
	    s->conf->renewal_window);
	return 0;
}

/* --- the page ---------------------------------------------------------- */

static void
page_head(struct evbuffer *b, struct server *s, enum lang l)
{
	const char	*city = i18n_city(l, s->conf->city);

	raw(b, "<!DOCTYPE html>\n<html lang=\"");
	html(b, i18n_code(l));
	raw(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
	    "<title>");
	html(b, i18n(l, M_HTML_TITLE));
	raw(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/counter.css\">\n"
	    "<script src=\"/static/counter.js\" defer></script>\n</head>\n"
	    "<body>\n<a class=\"skip\" href=\"#main\">");
	html(b, i18n(l, M_SKIP));
	raw(b, "</a>\n<header class=\"site\">\n<div class=\"wrap bar\">\n"
	    "<p class=\"brand\"><span class=\"mark\" aria-hidden=\"true\"></span>"
	    "<span class=\"city\">");
	if (city != NULL)
		html(b, city);
	else if (s->conf->city != NULL)
		html(b, s->conf->city);
	else
		html(b, i18n(l, M_CITY));
	raw(b, "</span><span class=\"service\">");
	html(b, i18n(l, M_SERVICE));
	raw(b, "</span></p>\n<nav class=\"langs\" aria-label=\"");
	html(b, i18n(l, M_LANG_NAV));
	raw(b, "\">\n<ul>");
	for (int i = 0; i < LANG_COUNT; i++) {
		raw(b, "<li><a href=\"/?lang=");
		html(b, i18n_code(i));
		raw(b, "\" lang=\"");
		html(b, i18n_code(i));
		raw(b, "\" hreflang=\"");
		html(b, i18n_code(i));
		raw(b, "\" data-lang=\"");
		html(b, i18n_code(i));
		raw(b, i == (int)l ? "\" aria-current=\"true\">" : "\">");
		html(b, i18n_name(i));
		raw(b, "</a></li>");
	}
	raw(b, "</ul>\n</nav>\n</div>\n</header>\n");
}

static void
fact(struct evbuffer *b, const char *field, const char *label,
    const char *value)
{
	raw(b, "<div data-field=\"");
	html(b, field);
	raw(b, value == NULL || *value == '\0' ? "\" hidden><dt>" : "\"><dt>");
	html(b, label);
	raw(b, "</dt><dd>");
	if (value != NULL)
		html(b, value);
	raw(b, "</dd></div>\n");
}

/*
 * The result box.  With vi NULL and e CE_NONE it is the empty template the
 * script fills (hidden); the same markup serves both, so they look alike.
 */
/* A notice paragraph of the result box, hidden when empty (the script
 * fills the same markup). */
static void
notice(struct evbuffer *b, const char *part, const char *text)
{
	raw(b, "<p class=\"notice notice-");
	html(b, part);
	raw(b, "\" data-part=\"");
	html(b, part);
	raw(b, text == NULL || *text == '\0' ? "\" hidden>" : "\">");
	if (text != NULL)
		html(b, text);
	raw(b, "</p>\n");
}

static void
page_result(struct evbuffer *b, const struct config *c, enum lang l,
    const struct verdict_info *vi, enum check_error e)
{
	struct verdict_text	 t;
	char			 nb[64] = "", na[64] = "", ra[64] = "";
	const char		*kind = NULL;

	if (vi != NULL) {
		counter_judge_words(l, c, vi, &t);
		i18n_date(l, vi->not_before, nb, sizeof(nb));
		i18n_date(l, vi->not_after, na, sizeof(na));
		if (vi->revoked_at != 0)
			i18n_date(l, vi->revoked_at, ra, sizeof(ra));
		kind = vi->kind == KIND_SIGN ? i18n(l, M_KIND_SIGN) :
		    vi->kind == KIND_AUTH ? i18n(l, M_KIND_AUTH) : NULL;
	} else
		memset(&t, 0, sizeof(t));

	raw(b, "<section id=\"result\" class=\"result");
	if (vi != NULL) {
		raw(b, " result-");
		html(b, counter_judge_name(vi->v));
	} else if (e != CE_NONE)
		raw(b, " result-error");
	raw(b, "\" aria-labelledby=\"result-h\" tabindex=\"-1\"");
	if (vi == NULL && e == CE_NONE)
		raw(b, " hidden");
	raw(b, ">\n<h2 id=\"result-h\">");
	html(b, i18n(l, M_RESULT_H));
	raw(b, "</h2>\n<div role=\"status\" aria-live=\"polite\" "
	    "class=\"result-body\">\n<p class=\"headline\">");
	if (vi != NULL)
		html(b, t.headline);
	else if (e != CE_NONE)
		html(b, i18n(l, M_E_TITLE));
	raw(b, "</p>\n<p class=\"detail\">");
	if (vi != NULL)
		html(b, t.detail);
	else if (e != CE_NONE)
		html(b, i18n(l, check_errors[e].text));
	raw(b, "</p>\n<p class=\"advice\">");
	if (vi != NULL)
		html(b, t.advice);
	raw(b, "</p>\n");
	notice(b, "renewal", t.renewal);
	notice(b, "lost", t.lost);
	raw(b, "</div>\n<dl class=\"facts\">\n");
	fact(b, "status", i18n(l, M_F_STATUS), t.headline);
	fact(b, "card", i18n(l, M_F_CARD), t.card);
	fact(b, "kind", i18n(l, M_F_KIND), kind);
	fact(b, "serial", i18n(l, M_F_SERIAL), vi != NULL ? vi->serial : NULL);
	fact(b, "issuer", i18n(l, M_F_ISSUER), vi != NULL ? vi->issuer : NULL);
	fact(b, "not_before", i18n(l, M_F_NOT_BEFORE), nb);
	fact(b, "not_after", i18n(l, M_F_NOT_AFTER), na);
	fact(b, "revoked_at", i18n(l, M_F_REVOKED_AT), ra);
	fact(b, "reason", i18n(l, M_F_REASON), t.reason);
	raw(b, "</dl>\n<div class=\"card-rules\" data-part=\"rules\"");
	raw(b, t.nrules == 0 ? " hidden>\n<h3>" : ">\n<h3>");
	html(b, t.rules_h);
	raw(b, "</h3>\n<ul>");
	for (int i = 0; i < t.nrules; i++) {
		raw(b, "<li>");
		html(b, t.rules[i]);
		raw(b, "</li>");
	}
	raw(b, "</ul>\n</div>\n</section>\n");
}

static void
page_form(struct evbuffer *b, enum lang l)
{
	raw(b, "<form id=\"check\" class=\"card\" method=\"post\" "
	    "action=\"/check\" accept-charset=\"utf-8\" data-checking=\"");
	html(b, i18n(l, M_CHECKING));
	raw(b, "\" data-error=\"");
	html(b, i18n(l, M_E_TITLE));
	raw(b, "\">\n<input type=\"hidden\" name=\"lang\" value=\"");
	html(b, i18n_code(l));
	raw(b, "\">\n<div class=\"field js-only\" hidden>\n<label for=\"file\">");
	html(b, i18n(l, M_FILE_LABEL));
	raw(b, "</label>\n<input type=\"file\" id=\"file\" accept=\".pem,.crt,"
	    ".cer,.der,application/x-x509-user-cert,application/pkix-cert\" "
	    "aria-describedby=\"file-hint\">\n<p id=\"file-hint\" class=\"hint\">");
	html(b, i18n(l, M_FILE_HINT));
	raw(b, "</p>\n</div>\n<div class=\"field\">\n<label for=\"pem\">");
	html(b, i18n(l, M_PEM_LABEL));
	raw(b, "</label>\n<textarea id=\"pem\" name=\"pem\" rows=\"7\" "
	    "spellcheck=\"false\" autocomplete=\"off\" autocapitalize=\"off\" "
	    "aria-describedby=\"pem-hint\"></textarea>\n"
	    "<p id=\"pem-hint\" class=\"hint\">");
	html(b, i18n(l, M_PEM_HINT));
	raw(b, "</p>\n</div>\n<p class=\"actions\"><button type=\"submit\">");
	html(b, i18n(l, M_SUBMIT));
	raw(b, "</button></p>\n<p class=\"privacy\">");
	html(b, i18n(l, M_PRIVACY));
	raw(b, "</p>\n</form>\n");
}

static void
page_where(struct evbuffer *b, struct server *s, enum lang l)
{
	char	 tel[64];
	size_t	 n = 0;

	raw(b, "<section class=\"where card\" aria-labelledby=\"where-h\">\n"
	    "<h2 id=\"where-h\">");
	html(b, i18n(l, M_WHERE_H));
	raw(b, "</h2>\n<p>");
	html(b, i18n(l, M_WHERE_INTRO));
	raw(b, "</p>\n<ul class=\"offices\">\n");
	for (int i = 0; i < s->conf->noffices; i++) {
		const char	*name = i18n_office(l, s->conf->offices[i]);

		raw(b, "<li>");
		html(b, name != NULL ? name : s->conf->offices[i]);
		raw(b, "</li>\n");
	}
	raw(b, "</ul>\n");
	if (s->conf->phone != NULL) {
		for (const char *p = s->conf->phone; *p != '\0' &&
		    n < sizeof(tel) - 1; p++)
			if ((*p >= '0' && *p <= '9') || (*p == '+' && n == 0))
				tel[n++] = *p;
		tel[n] = '\0';
		raw(b, "<p class=\"phone\">");
		if (n > 0) {
			raw(b, "<a href=\"tel:");
			html(b, tel);
			raw(b, "\">");
		}
		htmlf(b, i18n(l, M_PHONE_FMT), s->conf->phone);
		raw(b, n > 0 ? "</a></p>\n" : "</p>\n");
	}
	raw(b, "</section>\n");
}

static void
para(struct evbuffer *b, enum lang l, enum msg id)
{
	raw(b, "<p>");
	html(b, i18n(l, id));
	raw(b, "</p>\n");
}

static void
page_rules(struct evbuffer *b, enum lang l)
{
	raw(b, "<section class=\"rules\" aria-labelledby=\"rules-h\">\n"
	    "<h2 id=\"rules-h\">");
	html(b, i18n(l, M_RULES_H));
	raw(b, "</h2>\n<div class=\"rule card\">\n<h3>");
	html(b, i18n(l, M_RULE_VALIDITY_H));
	raw(b, "</h3>\n");
	para(b, l, M_RULE_VALIDITY);
	para(b, l, M_RULE_COPY);
	para(b, l, M_RULE_CARD_EXPIRY);
	para(b, l, M_RULE_JUKI_END);
	raw(b, "</div>\n<div class=\"rule card\">\n<h3>");
	html(b, i18n(l, M_RULE_REVOKE_H));
	raw(b, "</h3>\n");
	para(b, l, M_RULE_REVOKE);
	raw(b, "</div>\n<div class=\"rule card\">\n<h3>");
	html(b, i18n(l, M_RULE_PASSWORD_H));
	raw(b, "</h3>\n");
	para(b, l, M_RULE_LOCK);
	para(b, l, M_RULE_PASSWORD);
	para(b, l, M_RULE_BRING);
	para(b, l, M_RULE_LEND);
	raw(b, "</div>\n</section>\n");
}

static void
page_send(struct server *s, struct evhttp_request *req, int code, enum lang l,
    const struct verdict_info *vi, enum check_error e)
{
	struct evbuffer	*b;
	size_t		 len;
	char		*p;

	if ((b = evbuffer_new()) == NULL) {
		http_reply_error(s, req, HTTP_INTERNAL, "out of memory");
		return;
	}
	page_head(b, s, l);
	raw(b, "<main id=\"main\" class=\"wrap\">\n<h1>");
	html(b, i18n(l, M_H1));
	raw(b, "</h1>\n<p class=\"intro\">");
	html(b, i18n(l, M_INTRO));
	raw(b, "</p>\n");
	page_result(b, s->conf, l, vi, e);
	page_form(b, l);
	page_where(b, s, l);
	page_rules(b, l);
	raw(b, "</main>\n<footer class=\"site\">\n<div class=\"wrap\">\n<p>");
	htmlf(b, i18n(l, M_CONTACT_FMT), s->conf->phone != NULL ?
	    s->conf->phone : "");
	raw(b, "</p>\n</div>\n</footer>\n</body>\n</html>\n");

	counter_headers(req, "no-store");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Vary",
	    "Accept-Language");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Language", i18n_code(l));
	len = evbuffer_get_length(b);
	if ((p = (char *)evbuffer_pullup(b, -1)) == NULL && len > 0)
		http_reply_error(s, req, HTTP_INTERNAL, "out of memory");
	else
		http_reply(s, req, code, "text/html; charset=utf-8", p, len);
	evbuffer_free(b);
}

/* --- JSON -------------------------------------------------------------- */

static json_t *
iso_or_null(time_t t)
{
	char	 buf[32];

	if (t == 0)
		return json_null();
	clock_format_iso(t, buf);
	return json_string(buf);
}

static void
json_send(struct server *s, struct evhttp_request *req, int code, json_t *o)
{
	char	*text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	counter_headers(req, "no-store");
	if (text == NULL) {
		http_reply_error(s, req, HTTP_INTERNAL, "out of memory");
	} else {
		http_reply(s, req, code, "application/json; charset=utf-8", text,
		    strlen(text));
		free(text);
	}
	json_decref(o);
}

static void
json_error(struct server *s, struct evhttp_request *req, enum lang l,
    enum check_error e)
{
	json_send(s, req, check_errors[e].code, json_pack("{s:s, s:s, s:s}",
	    "error", check_errors[e].name, "message",
	    i18n(l, check_errors[e].text), "lang", i18n_code(l)));
}

static json_t *
string_or_null(const char *s)
{
	return s == NULL || *s == '\0' ? json_null() : json_string(s);
}

static void
json_verdict(struct server *s, struct evhttp_request *req, enum lang l,
    const struct verdict_info *vi)
{
	const struct config	*c = s->conf;
	struct verdict_text	 t;
	char			 message[6144];
	const char		*kind;
	const char		*sep = l == LANG_JA ? "" : " ";
	json_t			*o, *a;
	int			 bad = 0;

	counter_judge_words(l, c, vi, &t);
	/* Japanese runs sentences together without spaces */
	snprintf(message, sizeof(message), l == LANG_JA ? "%s。%s%s%s%s%s%s" :
	    "%s. %s %s%s%s%s%s", t.headline, t.detail, t.advice,
	    t.renewal[0] != '\0' ? sep : "", t.renewal,
	    t.lost[0] != '\0' ? sep : "", t.lost);
	kind = vi->kind == KIND_SIGN ? "sign" : vi->kind == KIND_AUTH ?
	    "auth" : NULL;
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s?, s:s, s:s, s:s, "
	    "s:s, s:s?}",
	    "status", counter_judge_name(vi->v),
	    "serial", vi->serial,
	    "issuer", vi->issuer,
	    "not_before", iso_or_null(vi->not_before),
	    "not_after", iso_or_null(vi->not_after),
	    "revoked_at", iso_or_null(vi->revoked_at),
	    "kind", kind,
	    "headline", t.headline,
	    "detail", t.detail,
	    "advice", t.advice,
	    "message", message,
	    "reason_text", t.reason);
	if (o != NULL) {
		if (reason_name(vi->reason) != NULL) {
			bad |= json_object_set_new(o, "reason_code",
			    json_integer(vi->reason));
			bad |= json_object_set_new(o, "reason",
			    json_string(reason_name(vi->reason)));
		} else {
			bad |= json_object_set_new(o, "reason_code",
			    json_null());
			bad |= json_object_set_new(o, "reason", json_null());
		}
		bad |= json_object_set_new(o, "kind_text", kind == NULL ?
		    json_null() : json_string(i18n(l, vi->kind == KIND_SIGN ?
		    M_KIND_SIGN : M_KIND_AUTH)));
		bad |= json_object_set_new(o, "lang", json_string(i18n_code(l)));
		bad |= json_object_set_new(o, "issuer_id", string_or_null(
		    vi->issuer_id));
		bad |= json_object_set_new(o, "card_type", vi->card == CARD_JUKI ?
		    json_string("juki") : vi->card == CARD_MYNUMBER ?
		    json_string("mynumber") : json_null());
		bad |= json_object_set_new(o, "card_text", string_or_null(t.card));
		bad |= json_object_set_new(o, "card_rules_title",
		    string_or_null(t.rules_h));
		a = json_array();
		for (int i = 0; i < t.nrules; i++)
			bad |= json_array_append_new(a, json_string(t.rules[i]));
		bad |= json_object_set_new(o, "card_rules", a);
		bad |= json_object_set_new(o, "lost_card_phone", vi->v == V_HOLD ?
		    string_or_null(c->lost_card_phone) : json_null());
		bad |= json_object_set_new(o, "lost_card_text", string_or_null(t.lost));
		bad |= json_object_set_new(o, "renewal_open", json_boolean(vi->renewal &&
		    vi->card != CARD_JUKI));
		bad |= json_object_set_new(o, "renewal_text", string_or_null(t.renewal));
		a = json_array();
		for (int i = 0; vi->renewal && vi->card != CARD_JUKI &&
		    i < c->noffices; i++) {
			const char *name = i18n_office(l, c->offices[i]);

			bad |= json_array_append_new(a, json_string(name != NULL ?
			    name : c->offices[i]));
		}
		bad |= json_object_set_new(o, "renewal_offices", a);
	}
	if (bad) {	/* out of memory: no answer with fields missing */
		json_decref(o);
		o = NULL;
	}
	json_send(s, req, HTTP_OK, o);
}

/* --- handlers ---------------------------------------------------------- */

int
counter_start(struct server *s, char *err, size_t errlen)
{
	if (i18n_check(err, errlen) != 0)
		return -1;
	if ((s->counter = calloc(1, sizeof(*s->counter))) == NULL ||
	    (s->counter->slots = calloc(RATE_SLOTS,
	    sizeof(*s->counter->slots))) == NULL) {
		free(s->counter);
		s->counter = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
counter_stop(struct server *s)
{
	if (s->counter == NULL)
		return;
	free(s->counter->slots);
	free(s->counter);
	s->counter = NULL;
}

/* GET / (the page) and POST /check (its form, without JavaScript). */
void
counter_handle_page(struct server *s, struct evhttp_request *req)
{
	struct verdict_info	 vi;
	enum check_error	 e = CE_NONE;
	enum lang		 l;
	char			*chosen = NULL;
	X509			*x = NULL;
	int			 code = HTTP_OK;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		page_send(s, req, HTTP_OK, pick_lang(req, NULL), NULL, CE_NONE);
		return;
	}
	if (!rate_check(s, req))
		e = CE_RATE;
	else if ((x = cert_from_form(req, &chosen, &e)) != NULL &&
	    counter_judge(s, x, &vi) != 0)
		e = CE_UNAVAILABLE;
	l = pick_lang(req, chosen);
	if (e != CE_NONE)
		code = check_errors[e].code;
	page_send(s, req, code, l, e == CE_NONE ? &vi : NULL, e);
	X509_free(x);
	free(chosen);
}

/* POST /api/v1/check: the body is the certificate, PEM or DER. */
void
counter_handle_api(struct server *s, struct evhttp_request *req)
{
	struct verdict_info	 vi;
	enum check_error	 e = CE_NONE;
	enum lang		 l = pick_lang(req, NULL);
	unsigned char		*body = NULL;
	size_t			 len;
	int			 fail;
	X509			*x = NULL;

	if (!rate_check(s, req)) {
		e = CE_RATE;
		goto done;
	}
	body = http_body(req, COUNTER_CERT_MAX, &len, &fail);
	if (fail == HTTP_BODY_TOO_LARGE || fail == HTTP_BODY_NOMEM) {
		e = fail == HTTP_BODY_NOMEM ? CE_UNAVAILABLE : CE_TOO_LARGE;
		goto done;
	}
	if ((x = cert_from_bytes(body, len, &e)) == NULL)
		goto done;
	if (counter_judge(s, x, &vi) != 0)
		e = CE_UNAVAILABLE;
 done:
	if (e != CE_NONE)
		json_error(s, req, l, e);
	else
		json_verdict(s, req, l, &vi);
	X509_free(x);
	free(body);
}

/* GET /static/<name>: the embedded CSS and script. */
void
counter_handle_static(struct server *s, struct evhttp_request *req,
    const char *path)
{
	size_t	 n = strcspn(path, "?");

	(void)s;
	for (size_t i = 0; i < counter_nassets; i++) {
		const struct counter_asset	*a = &counter_assets[i];

		if (strlen(a->name) == n && strncmp(a->name, path, n) == 0) {
			counter_headers(req, STATIC_MAX_AGE);
			http_reply(s, req, HTTP_OK, a->type, a->data, a->len);
			return;
		}
	}
	counter_headers(req, "no-store");
	http_reply(s, req, HTTP_NOTFOUND, "text/plain; charset=utf-8",
	    "not found\n", 10);
}
