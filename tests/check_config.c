/* SPDX-License-Identifier: ISC */
/*
 * check_config.c: good and bad configuration files.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_main.h"
#include "config.h"

static char	 dir[64];
static char	 path[128];
static char	 err[CONFIG_ERR_MAX];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/certstatus.conf", dir);
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static struct config *
load(const char *text)
{
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	err[0] = '\0';
	return config_load(path, err, sizeof(err));
}

START_TEST(defaults)
{
	struct config	*c = load("# nothing but a comment\n\n");
	char		 want[160];

	ck_assert_ptr_nonnull(c);
	snprintf(want, sizeof(want), "%s/certstatus.db", c->dir);
	ck_assert_str_eq(c->database, want);
	ck_assert_int_eq(c->listen_port, 8080);
	ck_assert_int_eq(c->max_certids, 32);
	ck_assert_int_eq(c->noffices, 3);
	ck_assert_str_eq(c->offices[0], "City Hall 1F Citizens Division");
	ck_assert_int_eq(c->juki_validity_years, 3);
	ck_assert_int_eq(c->mynumber_birthdays, 5);
	ck_assert_int_eq((long)c->juki_issuance_end, 1450742400L);
	ck_assert_str_eq(c->lost_card_phone, "0120-95-0178");
	ck_assert_int_eq((long)c->renewal_window, 90 * 86400L);
	ck_assert_int_eq((long)c->cert_expiry_warning, 30 * 86400L);
	config_free(c);
}
END_TEST

START_TEST(values)
{
	struct config	*c = load(
	    "database   data/registry.db   # relative to this file\n"
	    "listen 127.0.0.1:9443\n"
	    "max-body 64k\n"
	    "ocsp-validity 2d\n"
	    "ocsp-refresh 6h\n"
	    "timeout 30s\n"
	    "unknown-serial revoked\n"
	    "crl-expired keep\n"
	    "juki-issuance-end 2016-01-31\n"
	    "office \"Hirao branch\"\n"
	    "office \"Wakabadai branch # not a comment\"\n"
	    "phone \"042-378-2111\"\n"
	    "lost-card-phone \"0120-00-0000 (24 h)\"\n"
	    "renewal-window 8w\n"
	    "cert-expiry-warning 10d\n"
	    "crl-key /etc/certstatus/ca.key\n");
	char		 want[160];

	ck_assert_msg(c != NULL, "%s", err);
	snprintf(want, sizeof(want), "%s/data/registry.db", c->dir);
	ck_assert_str_eq(c->database, want);
	ck_assert_str_eq(c->listen_addr, "127.0.0.1");
	ck_assert_int_eq(c->listen_port, 9443);
	ck_assert_uint_eq(c->max_body, 65536);
	ck_assert_int_eq((long)c->ocsp_validity, 2 * 86400);
	ck_assert_int_eq((long)c->ocsp_refresh, 6 * 3600);
	ck_assert_int_eq(c->timeout_sec, 30);
	ck_assert_int_eq(c->unknown_serial, UNKNOWN_AS_REVOKED);
	ck_assert_int_eq(c->crl_expired, CRL_EXPIRED_KEEP);
	/* the file's offices replace the defaults */
	ck_assert_int_eq(c->noffices, 2);
	ck_assert_str_eq(c->offices[1], "Wakabadai branch # not a comment");
	ck_assert_str_eq(c->crl_key, "/etc/certstatus/ca.key");
	ck_assert_str_eq(c->lost_card_phone, "0120-00-0000 (24 h)");
	ck_assert_int_eq((long)c->renewal_window, 56 * 86400L);
	ck_assert_int_eq((long)c->cert_expiry_warning, 10 * 86400L);
	config_free(c);
}
END_TEST

static const struct {
	const char	*text;
	const char	*want;		/* expected tail of the error */
} bad[] = {
	{ "frobnicate 1\n", ":1: frobnicate: unknown directive" },
	{ "\n\ncrl-validity 1x\n", ":3: crl-validity: bad duration" },
	{ "max-certids 0\n", ":1: max-certids: out of range \"0\"" },
	{ "max-certids many\n", ":1: max-certids: not a number" },
	{ "listen 127.0.0.1\n", ":1: listen: expected address:port" },
	{ "listen 127.0.0.1:70000\n", ":1: listen: bad port" },
	{ "max-body 12q\n", ":1: max-body: bad size" },
	{ "unknown-serial good\n", ":1: unknown-serial: expected unknown or revoked" },
	{ "database\n", ":1: database: missing value" },
	{ "phone \"042\n", ":1: phone: unterminated quote" },
	{ "juki-issuance-end 2015-02-30\n", ":1: juki-issuance-end: bad date" },
	{ "ocsp-validity 1h\nocsp-refresh 2h\n", "ocsp-refresh must be shorter" },
	{ "trusted-proxy nginx\n", ":1: trusted-proxy: bad address (use e.g. 127.0.0.1/32 or ::1/128) \"nginx\"" },
	{ "trusted-proxy 127.0.0.1/33\n", ":1: trusted-proxy: bad prefix length (0-32 for IPv4) \"127.0.0.1/33\"" },
	{ "trusted-proxy ::1/129\n", ":1: trusted-proxy: bad prefix length (0-128 for IPv6)" },
	{ "trusted-proxy 127.0.0.1/\n", ":1: trusted-proxy: bad prefix length" },
	{ "trusted-proxy 127.0.0.1/+8\n", ":1: trusted-proxy: bad prefix length" },
	{ "trusted-proxy 127.0.0.1/-0\n", ":1: trusted-proxy: bad prefix length" },
	{ "trusted-proxy 127.0.0.1/32x\n", ":1: trusted-proxy: bad prefix length" },
	{ "trusted-proxy 127.0.0.1/99999999999999999999\n", ":1: trusted-proxy: bad prefix length" },
	{ "trusted-proxy 127.1\n", ":1: trusted-proxy: bad address" },
	{ "trusted-proxy 127.0.0.1:8080\n", ":1: trusted-proxy: bad address" },
	{ "trusted-proxy [::1]\n", ":1: trusted-proxy: bad address" },
	{ "trusted-proxy /8\n", ":1: trusted-proxy: bad address" },
	{ "trusted-proxy \"10.0.0.0 /8\"\n", ":1: trusted-proxy: bad address" },
	{ "\ntrusted-proxy 10.0.0.1/8\n", ":2: trusted-proxy: address has bits set past the prefix length \"10.0.0.1/8\"" },
	{ "trusted-proxy 2001:db8::1/32\n", ":1: trusted-proxy: address has bits set past the prefix length" },
	{ "trusted-proxy\n", ":1: trusted-proxy: missing value" },
	{ "renewal-window 3mo\n", ":1: renewal-window: bad duration" },
	{ "cert-expiry-warning 3661d\n", ":1: cert-expiry-warning: out of range" },
	{ "cert-expiry-warning soon\n", ":1: cert-expiry-warning: bad duration" },
	{ "renewal-window 3m\n", ":1: renewal-window: out of range \"3m\"" },
	{ "renewal-window 2y\n", ":1: renewal-window: out of range" },
	{ "lost-card-phone \"\"\n", ":1: lost-card-phone: empty value" },
};

START_TEST(bad_files)
{
	struct config	*c = load(bad[_i].text);

	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, bad[_i].want) != NULL, "got \"%s\", want \"%s\"",
	    err, bad[_i].want);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "no file name: %s", err);
}
END_TEST

START_TEST(rule_directives)
{
	struct config	*c = load("");

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->sign_min_age, 15);
	ck_assert_int_eq((long)c->history_start, 1075334400L);	/* 2004-01-29 */
	ck_assert_int_eq((long)c->juki_card_end, 1450742400L);
	ck_assert_int_eq(c->juki_card_years, 10);
	ck_assert_int_eq(c->mynumber_card_adult_age, 18);
	ck_assert_int_eq(c->mynumber_card_birthdays_adult, 10);
	ck_assert_int_eq(c->mynumber_card_birthdays_minor, 5);
	ck_assert_int_ge(c->photo_documents.n, 5);
	ck_assert_str_eq(c->photo_documents.v[0], "driver's licence");
	ck_assert_int_eq(c->operators.n, 0);	/* anyone */
	config_free(c);
	c = load("sign-min-age 16\n"
	    "history-start 2005-04-01\n"
	    "juki-card-end 2015-12-28\n"
	    "photo-document \"passport\"\n"
	    "photo-document \"driver's licence\"\n"
	    "operator tanaka\n"
	    "operator suzuki\n");
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->sign_min_age, 16);
	ck_assert_int_eq((long)c->history_start, 1112313600L);
	ck_assert_int_eq(c->photo_documents.n, 2);	/* replaces the defaults */
	ck_assert_str_eq(c->photo_documents.v[1], "driver's licence");
	ck_assert_int_eq(c->operators.n, 2);
	ck_assert_str_eq(c->operators.v[0], "tanaka");
	config_free(c);
	ck_assert_ptr_null(load("operator a\noperator a\n"));
	ck_assert_ptr_nonnull(strstr(err, ":2: operator: listed twice"));
	ck_assert_ptr_null(load("sign-min-age -1\n"));
	ck_assert_ptr_nonnull(strstr(err, "sign-min-age: out of range"));
	ck_assert_ptr_null(load("photo-document \"\"\n"));
	ck_assert_ptr_nonnull(strstr(err, "photo-document: empty value"));
}
END_TEST

START_TEST(trusted_proxies)
{
	struct config	*c;
	char		 text[CONFIG_PROXIES_MAX * 24 + 32];
	size_t		 n = 0;

	c = load("");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->nproxies, 0);	/* default: none */
	config_free(c);

	c = load("trusted-proxy 127.0.0.1/32\n"
	    "trusted-proxy 10.1.0.0/16   # the load balancers\n"
	    "trusted-proxy ::1\n"
	    "trusted-proxy 2001:db8::/32\n"
	    "trusted-proxy 192.0.2.7\n");
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->nproxies, 5);
	ck_assert_int_eq(c->proxies[0].family, AF_INET);
	ck_assert_int_eq(c->proxies[0].prefix, 32);
	ck_assert_int_eq(c->proxies[1].prefix, 16);
	ck_assert_int_eq(c->proxies[2].family, AF_INET6);
	ck_assert_int_eq(c->proxies[2].prefix, 128);	/* bare: one address */
	ck_assert_int_eq(c->proxies[3].prefix, 32);
	ck_assert_int_eq(c->proxies[4].prefix, 32);
	config_free(c);

	/* one over the limit: refused, with the line */
	for (int i = 0; i <= CONFIG_PROXIES_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "trusted-proxy 10.0.0.%d\n", i);
	ck_assert_ptr_null(load(text));
	ck_assert_msg(strstr(err, ":33: trusted-proxy: too many trusted proxies") != NULL,
	    "%s", err);
}
END_TEST

/* 1 when text (an address) is inside one of the prefixes given. */
static int
inside(const char *text, const char *const *nets, int n)
{
	struct config_net	 set[8];
	unsigned char		 a[16];
	int			 family = strchr(text, ':') ? AF_INET6 : AF_INET;

	for (int i = 0; i < n; i++)
		ck_assert_ptr_null(config_parse_net(nets[i], &set[i]));
	ck_assert_int_eq(inet_pton(family, text, a), 1);
	return config_net_match(set, n, family, a);
}

START_TEST(net_match)
{
	const char	*lo[] = { "127.0.0.1/32" };
	const char	*ten[] = { "10.0.0.0/8", "192.168.1.0/25" };
	const char	*odd[] = { "172.16.0.0/12" };
	const char	*v6[] = { "2001:db8::/32", "::1" };
	const char	*all[] = { "0.0.0.0/0" };

	ck_assert(inside("127.0.0.1", lo, 1));
	ck_assert(!inside("127.0.0.2", lo, 1));
	ck_assert(inside("10.255.255.255", ten, 2));
	ck_assert(!inside("11.0.0.0", ten, 2));
	ck_assert(inside("192.168.1.127", ten, 2));
	ck_assert(!inside("192.168.1.128", ten, 2));
	ck_assert(inside("172.31.255.255", odd, 1));	/* prefix not on a byte */
	ck_assert(!inside("172.32.0.0", odd, 1));
	ck_assert(!inside("172.15.255.255", odd, 1));
	ck_assert(inside("2001:db8:ffff::1", v6, 2));
	ck_assert(!inside("2001:db9::", v6, 2));
	ck_assert(inside("::1", v6, 2));
	ck_assert(!inside("::2", v6, 2));
	/* an IPv4 client of a dual-stack socket is an IPv4 address */
	ck_assert(inside("::ffff:127.0.0.1", lo, 1));
	ck_assert(!inside("::ffff:127.0.0.2", lo, 1));
	/* and never an IPv6 prefix's, nor IPv4 inside IPv6 prefixes */
	ck_assert(!inside("127.0.0.1", v6, 2));
	ck_assert(!inside("::1", lo, 1));
	ck_assert(inside("203.0.113.9", all, 1));
	ck_assert(!inside("::", all, 1));
}
END_TEST

START_TEST(missing_file)
{
	ck_assert_ptr_null(config_load("/nonexistent/certstatus.conf", err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
}
END_TEST

START_TEST(durations_and_sizes)
{
	time_t	t;
	size_t	z;

	ck_assert_int_eq(config_parse_duration("90", &t), 0);
	ck_assert_int_eq((long)t, 90);
	ck_assert_int_eq(config_parse_duration("5m", &t), 0);
	ck_assert_int_eq((long)t, 300);
	ck_assert_int_eq(config_parse_duration("-5m", &t), -1);
	ck_assert_int_eq(config_parse_duration("5mm", &t), -1);
	ck_assert_int_eq(config_parse_duration("", &t), -1);
	ck_assert_int_eq(config_parse_duration("99999999999y", &t), -1);
	ck_assert_int_eq(config_parse_size("1M", &z), 0);
	ck_assert_uint_eq(z, 1048576);
	ck_assert_int_eq(config_parse_size("-1", &z), -1);
}
END_TEST

/* The token directives; a "pkcs11:" key URI is not a path to resolve. */
START_TEST(pkcs11_directives)
{
	struct config	*c = load("pkcs11-module /usr/lib/softhsm/libsofthsm2.so\n"
	    "pkcs11-pin-file token.pin\n"
	    "crl-key pkcs11:token=inagi;object=inagi-ca\n");
	char		 want[160], *p;

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->pkcs11_module, "/usr/lib/softhsm/libsofthsm2.so");
	snprintf(want, sizeof(want), "%s/token.pin", c->dir);
	ck_assert_str_eq(c->pkcs11_pin_file, want);
	ck_assert_str_eq(c->crl_key, "pkcs11:token=inagi;object=inagi-ca");
	p = config_path(c, "pkcs11:token=inagi;object=inagi-signer");
	ck_assert_str_eq(p, "pkcs11:token=inagi;object=inagi-signer");
	free(p);
	config_free(c);
	c = load("pkcs11-pin-file\n");
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, "pkcs11-pin-file"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, values);
	tcase_add_loop_test(tc, bad_files, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, rule_directives);
	tcase_add_test(tc, trusted_proxies);
	tcase_add_test(tc, net_match);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, durations_and_sizes);
	tcase_add_test(tc, pkcs11_directives);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV);
}
