/* SPDX-License-Identifier: ISC */
/*
 * config.c: table-driven parser for certstatus.conf (see config.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "p11.h"
#include "version.h"

enum conf_type {
	T_STR,		/* any text */
	T_PATH,		/* text, resolved against the config's folder */
	T_INT,
	T_DURATION,
	T_SIZE,
	T_DATE,
	T_LISTEN,	/* addr:port */
	T_UNKNOWN,	/* unknown | revoked */
	T_CRLEXP,	/* drop | keep */
	T_OFFICE,	/* repeatable, appends */
	T_LIST,		/* repeatable text, appends to a struct config_list */
	T_PROXY,	/* ADDR[/PREFIX], repeatable, appends */
	T_BOOL,		/* on | off */
	T_ACCESS,	/* open | registered */
};

struct directive {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;
	long		 min, max;	/* T_INT bounds; T_DURATION too when max > 0 */
};

#define F(m)	offsetof(struct config, m)
static const struct directive directives[] = {
	{ "database",		T_PATH,		F(database), 0, 0 },
	{ "response-cache",	T_PATH,		F(response_cache), 0, 0 },
	{ "listen",		T_LISTEN,	0, 0, 0 },
	{ "user",		T_STR,		F(user), 0, 0 },
	{ "workers",		T_INT,		F(workers), 0, 64 },
	{ "access-log",		T_STR,		F(access_log), 0, 0 },
	{ "max-body",		T_SIZE,		F(max_body), 0, 0 },
	{ "max-headers",	T_SIZE,		F(max_headers), 0, 0 },
	{ "max-certids",	T_INT,		F(max_certids), 1, 256 },
	{ "max-connections",	T_INT,		F(max_connections), 1, 1000000 },
	{ "timeout",		T_DURATION,	F(timeout_sec), 0, 0 },
	{ "poll-interval-ms",	T_INT,		F(poll_ms), 10, 60000 },
	{ "trusted-proxy",	T_PROXY,	0, 0, 0 },
	{ "tls-listen",		T_LISTEN,	F(tls_listen_addr), 0, 0 },
	{ "tls-cert",		T_PATH,		F(tls_cert), 0, 0 },
	{ "tls-key",		T_PATH,		F(tls_key), 0, 0 },
	{ "tls-client-ca",	T_PATH,		F(tls_client_ca), 0, 0 },
	{ "ocsp-access",	T_ACCESS,	F(ocsp_access), 0, 0 },
	{ "ocsp-validity",	T_DURATION,	F(ocsp_validity), 0, 0 },
	{ "ocsp-refresh",	T_DURATION,	F(ocsp_refresh), 0, 0 },
	/* 0: no warning; at most ten years */
	{ "cert-expiry-warning", T_DURATION,	F(cert_expiry_warning), 0,
	    3660 * 86400 },
	{ "unknown-serial",	T_UNKNOWN,	F(unknown_serial), 0, 0 },
	{ "cache-memory",	T_SIZE,		F(cache_memory), 0, 0 },
	/* 0: no cap (RFC 5019: until nextUpdate); at most a year */
	{ "cache-max-age",	T_DURATION,	F(cache_max_age), 0, 366 * 86400 },
	{ "base-url",		T_STR,		F(base_url), 0, 0 },
	{ "crl-validity",	T_DURATION,	F(crl_validity), 0, 0 },
	{ "crl-delta-validity",	T_DURATION,	F(crl_delta_validity), 0, 0 },
	{ "crl-debounce",	T_DURATION,	F(crl_debounce), 0, 0 },
	{ "crl-key",		T_PATH,		F(crl_key), 0, 0 },
	{ "crl-partitions",	T_INT,		F(crl_partitions), 1, 1024 },
	{ "pkcs11-module",	T_PATH,		F(pkcs11_module), 0, 0 },
	{ "pkcs11-pin-file",	T_PATH,		F(pkcs11_pin_file), 0, 0 },
	{ "crl-expired",	T_CRLEXP,	F(crl_expired), 0, 0 },
	{ "crl-retention",	T_DURATION,	F(crl_retention), 0, 0 },
	{ "prefecture",		T_STR,		F(prefecture), 0, 0 },
	{ "city",		T_STR,		F(city), 0, 0 },
	{ "key-algorithm",	T_STR,		F(key_algorithm), 0, 0 },
	{ "juki-issuance-end",	T_DATE,		F(juki_issuance_end), 0, 0 },
	{ "juki-validity-years", T_INT,		F(juki_validity_years), 1, 20 },
	{ "mynumber-birthdays",	T_INT,		F(mynumber_birthdays), 1, 20 },
	{ "sign-min-age",	T_INT,		F(sign_min_age), 0, 120 },
	{ "history-start",	T_DATE,		F(history_start), 0, 0 },
	{ "juki-card-end",	T_DATE,		F(juki_card_end), 0, 0 },
	{ "juki-card-years",	T_INT,		F(juki_card_years), 1, 20 },
	{ "mynumber-card-adult-age", T_INT,	F(mynumber_card_adult_age), 0, 120 },
	{ "mynumber-card-birthdays-adult", T_INT, F(mynumber_card_birthdays_adult), 1, 20 },
	{ "mynumber-card-birthdays-minor", T_INT, F(mynumber_card_birthdays_minor), 1, 20 },
	{ "photo-document",	T_LIST,		F(photo_documents), 0, 0 },
	{ "operator",		T_LIST,		F(operators), 0, 0 },
	{ "office",		T_OFFICE,	0, 0, 0 },
	{ "phone",		T_STR,		F(phone), 0, 0 },
	{ "lost-card-phone",	T_STR,		F(lost_card_phone), 0, 0 },
	/* at least a day: "3m" is three minutes here, not three months */
	{ "renewal-window",	T_DURATION,	F(renewal_window), 86400,
	    366 * 86400 },
	{ "counter-rate",	T_INT,		F(counter_rate), 1, 100000 },
	{ "server-tokens",	T_BOOL,		F(server_tokens), 0, 0 },
};
#undef F

static const char *default_offices[] = {
	"City Hall 1F Citizens Division", "Hirao branch", "Wakabadai branch",
};

/* Official photo documents a resident may show when the card has no photo. */
static const char *default_photo_documents[] = {
	"driver's licence", "passport", "residence card",
	"special permanent resident certificate", "My Number card with photo",
	"Basic Resident Register card with photo",
	"physical disability certificate with photo",
};

/*
 * Out of memory (README, "Out of memory"): this file is used by both
 * programs, so it never exits: config_load() and config_defaults() return
 * NULL with "out of memory" and the program decides (certctl exits,
 * certstatusd refuses to start, a SIGHUP reload keeps the running config).
 */
static const char nomem[] = "out of memory";	/* a reason, compared by address */

/* Replace *field with a copy of s: 0, or -1 (field unchanged) on failure. */
static int
set_str(char **field, const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		return -1;
	free(*field);
	*field = p;
	return 0;
}

int
config_parse_duration(const char *s, time_t *out)
{
	char		*end;
	long long	 v, mult;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0 || v < 0)
		return -1;
	switch (*end) {
	case '\0':
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 7 * 86400; break;
	case 'y': mult = 365 * 86400LL; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > (long long)INT_MAX / mult)
		return -1;
	*out = (time_t)(v * mult);
	return 0;
}

int
config_parse_size(const char *s, size_t *out)
{
	char			*end;
	unsigned long long	 v, mult;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno != 0)
		return -1;
	switch (*end) {
	case '\0': mult = 1; break;
	case 'k': case 'K': mult = 1024; break;
	case 'm': case 'M': mult = 1024 * 1024; break;
	case 'g': case 'G': mult = 1024ULL * 1024 * 1024; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > SIZE_MAX / mult)
		return -1;
	*out = (size_t)(v * mult);
	return 0;
}

char *
config_path(const struct config *c, const char *p)
{
	char	*r;

	if (p[0] == '/' || c->dir == NULL || p11_is_uri(p))
		return strdup(p);
	if (asprintf(&r, "%s/%s", c->dir, p) == -1)
		return NULL;
	return r;
}

const char *
config_default_path(const char *given)
{
	static char	 installed[PATH_MAX];
	const char	*env;

	if (given != NULL)
		return given;
	if ((env = getenv("CERTSTATUS_CONF")) != NULL && *env != '\0')
		return env;
	snprintf(installed, sizeof(installed), "%s/certstatus/certstatus.conf",
	    certstatus_sysconfdir);
	return installed;
}

const char *
config_find(const char *given, char *err, size_t errlen)
{
	const char	*path = config_default_path(given);
	const char	*env = getenv("CERTSTATUS_CONF");

	if (given != NULL || (env != NULL && *env != '\0') ||
	    access(path, F_OK) == 0)
		return path;
	snprintf(err, errlen, "no configuration file: no -c FILE given, "
	    "CERTSTATUS_CONF not set, and %s: %s", path, strerror(errno));
	return NULL;
}

struct config *
config_defaults(const char *dir)
{
	struct config	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (set_str(&c->dir, dir != NULL ? dir : ".") == -1 ||
	    (c->database = config_path(c, "certstatus.db")) == NULL ||
	    (c->response_cache = config_path(c, "responses.db")) == NULL ||
	    set_str(&c->listen_addr, "127.0.0.1") == -1 ||
	    set_str(&c->base_url, "http://127.0.0.1:8080") == -1 ||
	    set_str(&c->prefecture, "Tokyo") == -1 ||
	    set_str(&c->city, "Inagi") == -1 ||
	    set_str(&c->key_algorithm, "rsa2048") == -1 ||
	    set_str(&c->phone, "042-378-2111") == -1 ||
	    /* the national My Number line, which takes lost-card calls day
	     * and night and suspends the certificates */
	    set_str(&c->lost_card_phone, "0120-95-0178") == -1)
		goto fail;
	c->listen_port = 8080;
	c->workers = 0;
	c->max_body = 16 * 1024;
	c->max_headers = 8 * 1024;
	c->max_certids = 32;
	c->max_connections = 4096;
	c->timeout_sec = 10;
	c->poll_ms = 200;
	c->ocsp_validity = 24 * 3600;
	c->ocsp_refresh = 12 * 3600;
	c->cert_expiry_warning = 30 * 86400;
	c->unknown_serial = UNKNOWN_AS_UNKNOWN;
	c->cache_memory = 64 * 1024 * 1024;
	c->cache_max_age = 0;		/* caches: until nextUpdate */
	c->crl_validity = 7 * 86400;
	c->crl_delta_validity = 86400;
	c->crl_debounce = 3;
	c->crl_partitions = 1;
	c->crl_expired = CRL_EXPIRED_DROP;
	c->crl_retention = 0;
	clock_parse("2015-12-22", &c->juki_issuance_end);
	c->juki_validity_years = 3;
	c->mynumber_birthdays = 5;
	c->renewal_window = 90 * 86400;	/* JPKI: renewal opens 3 months ahead */
	c->counter_rate = 30;
	for (size_t i = 0; i < sizeof(default_offices) / sizeof(default_offices[0]); i++)
		if ((c->offices[c->noffices++] = strdup(default_offices[i])) == NULL)
			goto fail;
	c->sign_min_age = 15;
	clock_parse("2004-01-29", &c->history_start);
	clock_parse("2015-12-22", &c->juki_card_end);
	c->juki_card_years = 10;
	c->mynumber_card_adult_age = 18;
	c->mynumber_card_birthdays_adult = 10;
	c->mynumber_card_birthdays_minor = 5;
	for (size_t i = 0; i < sizeof(default_photo_documents) /
	    sizeof(default_photo_documents[0]); i++)
		if ((c->photo_documents.v[c->photo_documents.n++] =
		    strdup(default_photo_documents[i])) == NULL)
			goto fail;
	return c;
 fail:
	config_free(c);
	return NULL;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		const struct directive *d = &directives[i];

		if (d->type == T_STR || d->type == T_PATH)
			free(*(char **)((char *)c + d->off));
	}
	for (int i = 0; i < c->noffices; i++)
		free(c->offices[i]);
	for (int i = 0; i < c->photo_documents.n; i++)
		free(c->photo_documents.v[i]);
	for (int i = 0; i < c->operators.n; i++)
		free(c->operators.v[i]);
	free(c->listen_addr);
	free(c->tls_listen_addr);
	free(c->path);
	free(c->dir);
	free(c);
}

const char *
config_parse_net(const char *s, struct config_net *out)
{
	char		 addr[INET6_ADDRSTRLEN];
	const char	*slash = strchr(s, '/');
	size_t		 len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	char		*end;
	long		 bits, max;
	int		 nbytes;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(addr))
		return "bad address (use e.g. 127.0.0.1/32 or ::1/128)";
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else
		return "bad address (use e.g. 127.0.0.1/32 or ::1/128)";
	bits = max;
	if (slash != NULL) {
		/* digits only: strtol alone would take " 8", "+8" and "-0" */
		if (!isdigit((unsigned char)slash[1]))
			return max == 32 ? "bad prefix length (0-32 for IPv4)" :
			    "bad prefix length (0-128 for IPv6)";
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0' || errno != 0 || bits > max)
			return max == 32 ? "bad prefix length (0-32 for IPv4)" :
			    "bad prefix length (0-128 for IPv6)";
	}
	out->prefix = (int)bits;
	/*
	 * 10.0.0.1/8 is most likely a typo for /32 or for 10.0.0.0/8: refuse
	 * it rather than guess which one was meant.
	 */
	nbytes = max / 8;
	for (int i = 0; i < nbytes; i++) {
		int	 keep = (int)bits - i * 8;
		unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 :
		    (unsigned char)(0xff << (8 - keep));

		if (out->addr[i] & ~mask)
			return "address has bits set past the prefix length";
	}
	return NULL;
}

static int
net_contains(const struct config_net *n, const unsigned char *addr)
{
	int	 full = n->prefix / 8, rest = n->prefix % 8;

	if (memcmp(n->addr, addr, full) != 0)
		return 0;
	return rest == 0 ||
	    ((n->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}

int
config_net_match(const struct config_net *nets, int n, int family,
    const void *addr)
{
	static const unsigned char v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const unsigned char	*a = addr;

	if (family == AF_INET6 && memcmp(a, v4mapped, 12) == 0) {
		family = AF_INET;
		a += 12;
	}
	for (int i = 0; i < n; i++)
		if (nets[i].family == family && net_contains(&nets[i], a))
			return 1;
	return 0;
}

/* Apply one directive's value; returns NULL or a static reason. */
static const char *
config_apply(struct config *c, const struct directive *d, const char *v,
    int *offices_reset)
{
	void		*field = (char *)c + d->off;
	char		*end;
	long		 n;
	const char	*colon;
	char		*p;

	switch (d->type) {
	case T_STR:
		if (*v == '\0')
			return "empty value";
		if (set_str(field, v) == -1)
			return nomem;
		break;
	case T_PATH:
		if (*v == '\0')
			return "empty path";
		if ((p = config_path(c, v)) == NULL)
			return nomem;
		free(*(char **)field);
		*(char **)field = p;
		break;
	case T_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (end == v || *end != '\0' || errno != 0)
			return "not a number";
		if (n < d->min || n > d->max)
			return "out of range";
		*(int *)field = (int)n;
		break;
	case T_DURATION: {
		time_t	t;

		if (config_parse_duration(v, &t) != 0)
			return "bad duration (use e.g. 30s, 5m, 12h, 7d)";
		if (d->max > 0 && (t < d->min || t > d->max))
			return "out of range";
		if (d->off == offsetof(struct config, timeout_sec))
			*(int *)field = (int)t;
		else
			*(time_t *)field = t;
		break;
	}
	case T_SIZE:
		if (config_parse_size(v, (size_t *)field) != 0)
			return "bad size (use e.g. 512, 64k, 1M)";
		break;
	case T_DATE:
		if (clock_parse(v, (time_t *)field) != 0)
			return "bad date (use YYYY-MM-DD)";
		break;
	case T_LISTEN:
		if ((colon = strrchr(v, ':')) == NULL || colon == v)
			return "expected address:port";
		errno = 0;
		n = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end != '\0' || n < 0 || n > 65535)
			return "bad port";
		if ((p = strndup(v, colon - v)) == NULL)
			return nomem;
		if (d->off == offsetof(struct config, tls_listen_addr)) {
			free(c->tls_listen_addr);
			c->tls_listen_addr = p;
			c->tls_listen_port = (int)n;
		} else {
			free(c->listen_addr);
			c->listen_addr = p;
			c->listen_port = (int)n;
		}
		break;
	case T_ACCESS:
		if (strcmp(v, "open") == 0)
			*(enum ocsp_access *)field = OCSP_ACCESS_OPEN;
		else if (strcmp(v, "registered") == 0)
			*(enum ocsp_access *)field = OCSP_ACCESS_REGISTERED;
		else
			return "expected open or registered";
		break;
	case T_UNKNOWN:
		if (strcmp(v, "unknown") == 0)
			*(enum unknown_policy *)field = UNKNOWN_AS_UNKNOWN;
		else if (strcmp(v, "revoked") == 0)
			*(enum unknown_policy *)field = UNKNOWN_AS_REVOKED;
		else
			return "expected unknown or revoked";
		break;
	case T_CRLEXP:
		if (strcmp(v, "drop") == 0)
			*(enum crl_expired_policy *)field = CRL_EXPIRED_DROP;
		else if (strcmp(v, "keep") == 0)
			*(enum crl_expired_policy *)field = CRL_EXPIRED_KEEP;
		else
			return "expected drop or keep";
		break;
	case T_BOOL:
		if (strcmp(v, "on") == 0)
			*(int *)field = 1;
		else if (strcmp(v, "off") == 0)
			*(int *)field = 0;
		else
			return "expected on or off";
		break;
	case T_OFFICE:
		if (!*offices_reset) {	/* the file's list replaces the defaults */
			for (int i = 0; i < c->noffices; i++)
				free(c->offices[i]);
			c->noffices = 0;
			*offices_reset = 1;
		}
		if (*v == '\0')
			return "empty value";
		if (c->noffices == CONFIG_OFFICES_MAX)
			return "too many offices";
		if ((c->offices[c->noffices] = strdup(v)) == NULL)
			return nomem;
		c->noffices++;
		break;
	case T_LIST: {
		struct config_list	*l = field;

		if (!l->from_file) {	/* the file's list replaces the defaults */
			for (int i = 0; i < l->n; i++)
				free(l->v[i]);
			l->n = 0;
			l->from_file = 1;
		}
		if (*v == '\0')
			return "empty value";
		for (int i = 0; i < l->n; i++)
			if (strcmp(l->v[i], v) == 0)
				return "listed twice";
		if (l->n == CONFIG_LIST_MAX)
			return "too many entries";
		if ((l->v[l->n] = strdup(v)) == NULL)
			return nomem;
		l->n++;
		break;
	}
	case T_PROXY: {
		const char	*why;

		if (c->nproxies == CONFIG_PROXIES_MAX)
			return "too many trusted proxies";
		if ((why = config_parse_net(v, &c->proxies[c->nproxies])) != NULL)
			return why;
		c->nproxies++;
		break;
	}
	}
	return NULL;
}

/* Split a line into name and value (value unquoted in place). */
static const char *
config_split(char *line, char **name, char **value)
{
	char	*p = line, *e;

	while (isspace((unsigned char)*p))
		p++;
	*name = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return "missing value";
	*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '"') {
		p++;
		if ((e = strrchr(p, '"')) == NULL)
			return "unterminated quote";
		for (char *t = e + 1; *t != '\0'; t++)
			if (!isspace((unsigned char)*t))
				return "text after closing quote";
		*e = '\0';
	} else {
		e = p + strlen(p);
		while (e > p && isspace((unsigned char)e[-1]))
			*--e = '\0';
	}
	*value = p;
	return NULL;
}

/* The file's path and folder into c: 0, or -1 when out of memory. */
static int
config_set_dir(struct config *c, const char *path)
{
	char	*abs, *slash;

	if ((abs = realpath(path, NULL)) == NULL &&
	    (abs = strdup(path)) == NULL)
		return -1;
	if (set_str(&c->path, abs) == -1) {
		free(abs);
		return -1;
	}
	if ((slash = strrchr(abs, '/')) == NULL)
		strcpy(abs, ".");
	else if (slash == abs)
		abs[1] = '\0';
	else
		*slash = '\0';
	free(c->dir);
	c->dir = abs;
	return 0;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct config	*c = NULL;
	FILE		*f;
	char		*line = NULL, *name, *value, *hash;
	size_t		 cap = 0;
	ssize_t		 len;
	int		 lineno = 0, offices_reset = 0, ok = 0;
	const char	*why;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((c = config_defaults(".")) == NULL || config_set_dir(c, path) != 0)
		goto nomem;
	/* re-derive defaults relative to the file's folder */
	free(c->database);
	free(c->response_cache);
	c->response_cache = NULL;
	if ((c->database = config_path(c, "certstatus.db")) == NULL ||
	    (c->response_cache = config_path(c, "responses.db")) == NULL)
		goto nomem;

	while (errno = 0, (len = getline(&line, &cap, f)) != -1) {
		const struct directive	*d = NULL;

		lineno++;
		if (memchr(line, '\0', len) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte in line", path,
			    lineno);
			goto done;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		/* '#' starts a comment unless inside quotes */
		if ((hash = strchr(line, '#')) != NULL &&
		    (strchr(line, '"') == NULL || hash < strchr(line, '"')))
			*hash = '\0';
		for (name = line; isspace((unsigned char)*name); name++)
			;
		if (*name == '\0')
			continue;
		if ((why = config_split(line, &name, &value)) != NULL) {
			snprintf(err, errlen, "%s:%d: %s: %s", path, lineno,
			    name, why);
			goto done;
		}
		for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
			if (strcmp(directives[i].name, name) == 0)
				d = &directives[i];
		if (d == NULL) {
			snprintf(err, errlen, "%s:%d: %s: unknown directive",
			    path, lineno, name);
			goto done;
		}
		if ((why = config_apply(c, d, value, &offices_reset)) == nomem) {
			snprintf(err, errlen, "%s:%d: %s: %s", path, lineno,
			    name, nomem);
			goto done;
		}
		if (why != NULL) {
			snprintf(err, errlen, "%s:%d: %s: %s \"%s\"", path,
			    lineno, name, why, value);
			goto done;
		}
	}
	if (errno == ENOMEM)
		goto nomem;
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto done;
	}
	if (c->ocsp_refresh >= c->ocsp_validity) {
		snprintf(err, errlen, "%s: ocsp-refresh must be shorter than "
		    "ocsp-validity", path);
		goto done;
	}
	if (c->tls_listen_addr != NULL &&
	    (c->tls_cert == NULL || c->tls_key == NULL)) {
		snprintf(err, errlen, "%s: tls-listen needs tls-cert and tls-key",
		    path);
		goto done;
	}
	if (c->tls_listen_addr == NULL && (c->tls_cert != NULL ||
	    c->tls_key != NULL || c->tls_client_ca != NULL)) {
		snprintf(err, errlen, "%s: tls-cert, tls-key and tls-client-ca "
		    "need tls-listen", path);
		goto done;
	}
	if (p11_configure(c->pkcs11_module, c->pkcs11_pin_file) != 0)
		goto nomem;
	ok = 1;
	goto done;
 nomem:
	snprintf(err, errlen, "%s: %s", path, nomem);
 done:
	free(line);
	fclose(f);
	if (!ok) {
		config_free(c);
		return NULL;
	}
	return c;
}
