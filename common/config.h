/*
 * config.h: the one configuration file both binaries read.
 *
 * One directive per line ("name value"), '#' comments, values may be
 * double-quoted.  Relative paths are relative to the config file's folder.
 * The parser is table-driven (config.c): each directive knows its type.
 */
#ifndef CERTSTATUS_CONFIG_H
#define CERTSTATUS_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CONFIG_OFFICES_MAX	16
#define CONFIG_ERR_MAX		512

enum unknown_policy { UNKNOWN_AS_UNKNOWN, UNKNOWN_AS_REVOKED };
enum crl_expired_policy { CRL_EXPIRED_DROP, CRL_EXPIRED_KEEP };

struct config {
	char	*path;			/* the file itself */
	char	*dir;			/* its folder: base of relative paths */

	/* storage */
	char	*database;
	char	*response_cache;	/* server-owned pre-signed responses */

	/* server */
	char	*listen_addr;
	int	 listen_port;
	char	*user;			/* drop to this user after bind */
	int	 workers;		/* signer processes; 0 = one per core */
	char	*access_log;		/* path, "-" stderr, or NULL */
	size_t	 max_body;		/* bytes */
	size_t	 max_headers;		/* bytes */
	int	 max_certids;
	int	 max_connections;
	int	 timeout_sec;		/* read/write, per connection */
	int	 poll_ms;		/* how often the registry is polled */

	/* OCSP */
	time_t	 ocsp_validity;		/* nextUpdate - thisUpdate */
	time_t	 ocsp_refresh;		/* re-sign responses older than this */
	enum unknown_policy unknown_serial;
	size_t	 cache_memory;		/* bytes of responses kept in memory */

	/* CRL */
	char	*base_url;		/* AIA OCSP and CRL URLs derive from it */
	time_t	 crl_validity;
	time_t	 crl_delta_validity;
	time_t	 crl_debounce;
	char	*crl_key;		/* when set, the server signs CRLs itself */
	enum crl_expired_policy crl_expired;
	time_t	 crl_retention;		/* drop expired entries after this */

	/* registry policy */
	char	*prefecture;
	char	*city;
	char	*key_algorithm;		/* rsa2048 or p256, for new keys */
	time_t	 juki_issuance_end;
	int	 juki_validity_years;
	int	 mynumber_birthdays;

	/* online counter */
	char	*offices[CONFIG_OFFICES_MAX];
	int	 noffices;
	char	*phone;
	char	*lost_card_phone;	/* 24-hour line for lost cards */
	time_t	 renewal_window;	/* "renew now" this long before expiry */
	int	 counter_rate;		/* checks per client per minute */
};

/*
 * Parse path into a new config (defaults first).  On failure returns NULL and
 * writes "file:line: directive: reason" into err.  Free with config_free().
 */
struct config	*config_load(const char *path, char *err, size_t errlen);
/* A config holding only the defaults, with dir as the base for paths. */
struct config	*config_defaults(const char *dir);
void		 config_free(struct config *c);
/* Resolve p against the config's folder; returns a new string. */
char		*config_path(const struct config *c, const char *p);
/* "Find the config": -c, then $CERTSTATUS_CONF, then ./certstatus.conf. */
const char	*config_default_path(const char *given);

/* Value parsers shared with certctl's options: 0 or -1. */
int	config_parse_duration(const char *s, time_t *out);	/* 10s 5m 12h 7d 3y */
int	config_parse_size(const char *s, size_t *out);		/* 512 64k 1M 1G */

#endif
