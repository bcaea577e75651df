/* SPDX-License-Identifier: ISC */
/*
 * check_p11.c: token key URIs and the PIN file (common/p11.c).  What needs
 * a token (loading, signing, generation, a lost session) is tested against
 * SoftHSM2 in tests/integration/pkcs11_softhsm.sh.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/err.h>

#include "check_main.h"
#include "p11.h"

static char	 dir[64], pin[128], err[512];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_p11.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pin, sizeof(pin), "%s/pin", dir);
}

static void
teardown(void)
{
	p11_shutdown();
	unlink(pin);
	rmdir(dir);
}

static void
pin_write(const char *text, mode_t mode)
{
	FILE	*f;

	unlink(pin);
	ck_assert_ptr_nonnull(f = fopen(pin, "w"));
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(pin, mode), 0);
}

static int
pin_check(void)
{
	int	 fd = open(pin, O_RDONLY), rc;

	ck_assert_int_ne(fd, -1);
	err[0] = '\0';
	rc = p11_pin_fd(fd, pin, err, sizeof(err));
	close(fd);
	return rc;
}

START_TEST(is_uri)
{
	ck_assert_int_eq(p11_is_uri("pkcs11:token=a;object=b"), 1);
	ck_assert_int_eq(p11_is_uri("/etc/certstatus/keys/a.key"), 0);
	ck_assert_int_eq(p11_is_uri("keys/pkcs11:x"), 0);
	ck_assert_int_eq(p11_is_uri(NULL), 0);
}
END_TEST

/* What a URI may not say is refused before any module is loaded. */
static const struct {
	const char	*uri;
	const char	*want;	/* in err */
} bad_uris[] = {
	{ "pkcs11:token=a;object=b;pin-value=1234",
	    "refused: a PIN in a key URI" },
	{ "pkcs11:token=a;object=b?pin-source=file:/tmp/p", "refused: a PIN" },
	{ "pkcs11:token=a?pin-value=1234&object=b", "refused: a PIN" },
	{ "pkcs11:token=a", "names no key" },
	{ "pkcs11:token=a;object=b;type=cert", "type must be private" },
	{ "pkcs11:token=a;object=b%2", "bad object" },
	{ "pkcs11:token=a;object=b%00c", "bad object" },
	{ "pkcs11:token=a;colour=red;object=b",
	    "unknown attribute \"colour\"" },
	{ "pkcs11:token=a;object", "is not name=value" },
	{ "pkcs11:token=a;id=", "bad id" },
};

START_TEST(uri_refused)
{
	const char	*u = bad_uris[_i].uri;

	ck_assert_int_eq(p11_configure("/nonexistent/module.so", pin), 0);
	err[0] = '\0';
	ck_assert_ptr_null(p11_key_load(u, err, sizeof(err)));
	ck_assert_msg(strstr(err, bad_uris[_i].want) != NULL, "%s: %s", u, err);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	ck_assert_int_eq(p11_key_generate(u, P11_GEN_P256, err, sizeof(err)),
	    -1);
}
END_TEST

/* A well-formed URI gets as far as the module, which names itself. */
START_TEST(uri_reaches_module)
{
	pin_write("1234\n", 0600);
	ck_assert_int_eq(p11_configure("/nonexistent/module.so", pin), 0);
	ck_assert_ptr_null(p11_key_load("pkcs11:token=inagi;object=inagi%2Dca;"
	    "id=%01%02;type=private", err, sizeof(err)));
	ck_assert_msg(strstr(err, "pkcs11-module /nonexistent/module.so") !=
	    NULL, "%s", err);
	ck_assert_int_eq(p11_configure(NULL, pin), 0);
	ck_assert_ptr_null(p11_key_load("pkcs11:object=a", err, sizeof(err)));
	ck_assert_msg(strstr(err, "need pkcs11-module") != NULL, "%s", err);
}
END_TEST

START_TEST(pin_file)
{
	pin_write("1234\n", 0600);
	ck_assert_msg(pin_check() == 0, "%s", err);
	pin_write("1234\n", 0640);
	ck_assert_int_eq(pin_check(), -1);
	ck_assert_msg(strstr(err, "accessible by others (mode 0640)") != NULL,
	    "%s", err);
	pin_write("1234\n", 0604);
	ck_assert_int_eq(pin_check(), -1);
	pin_write("\n", 0600);
	ck_assert_int_eq(pin_check(), -1);
	ck_assert_msg(strstr(err, "empty") != NULL, "%s", err);
	if (geteuid() == 0) {
		/* owned by someone else than its reader (root is trusted) */
		ck_assert_int_eq(chown(pin, 1, 1), 0);
		ck_assert_int_eq(pin_check(), -1);
		ck_assert_msg(strstr(err, "owned by uid 1") != NULL, "%s", err);
	}
}
END_TEST

START_TEST(pin_file_needed)
{
	ck_assert_int_eq(p11_configure("/nonexistent/module.so", NULL), 0);
	ck_assert_ptr_null(p11_key_load("pkcs11:object=a", err, sizeof(err)));
	/* the module is loaded before the PIN is read: either names itself */
	ck_assert_msg(strstr(err, "pkcs11") != NULL, "%s", err);
	ck_assert_int_eq(p11_key_generate("pkcs11:object=a", P11_GEN_P256, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "need pkcs11-pin-file") != NULL, "%s", err);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("p11");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, is_uri);
	tcase_add_loop_test(tc, uri_refused, 0,
	    sizeof(bad_uris) / sizeof(bad_uris[0]));
	tcase_add_test(tc, uri_reaches_module);
	tcase_add_test(tc, pin_file);
	tcase_add_test(tc, pin_file_needed);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV);
}
