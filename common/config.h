/* SPDX-License-Identifier: ISC */
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
#define CONFIG_PROXIES_MAX	32
#define CONFIG_ERR_MAX		512
#define CONFIG_LIST_MAX		64	/* entries in a repeatable directive */

/* A repeatable directive's values: the file's list replaces the defaults. */
struct config_list {
	char	*v[CONFIG_LIST_MAX];
	int	 n;
	int	 from_file;	/* set by the parser at the first entry */
};

enum unknown_policy { UNKNOWN_AS_UNKNOWN, UNKNOWN_AS_REVOKED };
enum crl_expired_policy { CRL_EXPIRED_DROP, CRL_EXPIRED_KEEP };
/* Who gets OCSP answers and CRLs (README "Who may ask"). */
enum ocsp_access { OCSP_ACCESS_OPEN, OCSP_ACCESS_REGISTERED };

/* An address prefix: ADDR/PREFIX, host bits zero. */
struct config_net {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];	/* network order; 4 bytes used for IPv4 */
	int		 prefix;	/* bits: 0-32 or 0-128 */
};

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

	/* HTTPS (tls-listen unset: none) */
	char	*tls_listen_addr;
	int	 tls_listen_port;
	char	*tls_cert;		/* PEM: the certificate, then its chain */
	char	*tls_key;		/* PEM private key */
	char	*tls_client_ca;		/* PEM CAs: ask for client certificates */
	enum ocsp_access ocsp_access;	/* open, or registered parties only */
	/* peers whose X-Forwarded-For names the client (none by default) */
	struct config_net proxies[CONFIG_PROXIES_MAX];
	int	 nproxies;

	/* OCSP */
	time_t	 ocsp_validity;		/* nextUpdate - thisUpdate */
	time_t	 ocsp_refresh;		/* re-sign responses older than this */
	time_t	 cert_expiry_warning;	/* /healthz warns this long before a
					   CA or signer certificate expires */
	enum unknown_policy unknown_serial;
	size_t	 cache_memory;		/* bytes of responses kept in memory */
	time_t	 cache_max_age;		/* most a shared HTTP cache may keep an
					   OCSP answer or CRL; 0: no cap */

	/* CRL */
	char	*base_url;		/* AIA OCSP and CRL URLs derive from it */
	time_t	 crl_validity;
	time_t	 crl_delta_validity;
	time_t	 crl_debounce;
	char	*crl_key;		/* when set, the server signs CRLs itself */
	int	 crl_partitions;	/* per issuer, for new certificates; 1: one CRL */

	/* keys on a PKCS#11 token (key paths "pkcs11:...", RFC 7512) */
	char	*pkcs11_module;		/* the module's shared object */
	char	*pkcs11_pin_file;	/* the user PIN, owner-only file */
	enum crl_expired_policy crl_expired;
	time_t	 crl_retention;		/* drop expired entries after this */

	/* registry policy */
	char	*prefecture;
	char	*city;
	char	*key_algorithm;		/* rsa2048 or p256, for new keys */
	time_t	 juki_issuance_end;
	int	 juki_validity_years;
	int	 mynumber_birthdays;

	/* the counter's rules (tools/rules.c) */
	int	 sign_min_age;		/* sign certificates from this birthday */
	time_t	 history_start;		/* no recorded date before (JPKI start) */
	time_t	 juki_card_end;		/* no new Juki cards from this date */
	int	 juki_card_years;	/* longest Juki card validity */
	int	 mynumber_card_adult_age;
	int	 mynumber_card_birthdays_adult;	/* longest My Number Card validity */
	int	 mynumber_card_birthdays_minor;
	struct config_list photo_documents;	/* official photo documents */
	struct config_list operators;	/* staff who may use certctl; empty: anyone */

	/* online counter */
	char	*offices[CONFIG_OFFICES_MAX];
	int	 noffices;
	char	*phone;
	char	*lost_card_phone;	/* 24-hour line for lost cards */
	time_t	 renewal_window;	/* "renew now" this long before expiry */
	int	 counter_rate;		/* checks per client per minute */

	/* HTTP */
	int	 server_tokens;		/* send "Server: certstatusd/VERSION" */
};

/*
 * Parse path into a new config (defaults first).  A whole config also sets
 * the process's PKCS#11 module and PIN file (p11_configure), so that every
 * key load after it reads token keys the config names.  On failure returns NULL and
 * writes "file:line: directive: reason" into err (the reason "out of memory"
 * when an allocation failed: never an exit, see README "Out of memory").
 * Free with config_free().
 */
struct config	*config_load(const char *path, char *err, size_t errlen);
/* A config holding only the defaults, with dir as the base for paths;
 * NULL when out of memory. */
struct config	*config_defaults(const char *dir);
void		 config_free(struct config *c);
/* Resolve p against the config's folder (a "pkcs11:" URI stays as it is);
 * returns a new string, or NULL when out of memory. */
char		*config_path(const struct config *c, const char *p);
/*
 * "Find the config": -c, then $CERTSTATUS_CONF, then the installed
 * SYSCONFDIR/certstatus/certstatus.conf (compiled in; see the Makefile).
 * Returns a static or given string.
 */
const char	*config_default_path(const char *given);
/*
 * The same search, but NULL when nothing was given and the installed file
 * is not there, with err naming all three places.
 */
const char	*config_find(const char *given, char *err, size_t errlen);

/* Value parsers shared with certctl's options: 0 or -1. */
int	config_parse_duration(const char *s, time_t *out);	/* 10s 5m 12h 7d 3y */
int	config_parse_size(const char *s, size_t *out);		/* 512 64k 1M 1G */
/*
 * "ADDR/PREFIX" or a bare ADDR (/32, /128), IPv4 or IPv6, into out.  NULL
 * on success, else a static reason (bad address, bad prefix, host bits set).
 */
const char *config_parse_net(const char *s, struct config_net *out);
/*
 * 1 when the address addr of family (AF_INET: 4 bytes, AF_INET6: 16, in
 * network order) lies inside one of the n prefixes of nets, else 0.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are matched as IPv4.
 */
int	config_net_match(const struct config_net *nets, int n, int family,
	    const void *addr);

#endif
