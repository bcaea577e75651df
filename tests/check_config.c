/*
 * check_config.c: good and bad configuration files.
 */
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
	{ "renewal-window 3mo\n", ":1: renewal-window: bad duration" },
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

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, values);
	tcase_add_loop_test(tc, bad_files, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, durations_and_sizes);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV);
}
