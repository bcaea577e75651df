/* SPDX-License-Identifier: ISC */
/*
 * check_reason.c: unit tests for common/reason.c, the CRLReason table:
 * RFC 5280 5.3.1 names and codes, which agree with OpenSSL's CRL_REASON_*.
 */
#include <string.h>

#include <check.h>
#include <openssl/x509v3.h>

#include "check_main.h"
#include "reason.h"

static const struct {
	int		 code;
	int		 openssl;
	const char	*name;
} rfc5280[] = {
	{ REASON_UNSPECIFIED, CRL_REASON_UNSPECIFIED, "unspecified" },
	{ REASON_KEY_COMPROMISE, CRL_REASON_KEY_COMPROMISE, "keyCompromise" },
	{ REASON_CA_COMPROMISE, CRL_REASON_CA_COMPROMISE, "cACompromise" },
	{ REASON_AFFILIATION_CHANGED, CRL_REASON_AFFILIATION_CHANGED,
	    "affiliationChanged" },
	{ REASON_SUPERSEDED, CRL_REASON_SUPERSEDED, "superseded" },
	{ REASON_CESSATION, CRL_REASON_CESSATION_OF_OPERATION,
	    "cessationOfOperation" },
	{ REASON_CERTIFICATE_HOLD, CRL_REASON_CERTIFICATE_HOLD,
	    "certificateHold" },
	{ REASON_REMOVE_FROM_CRL, CRL_REASON_REMOVE_FROM_CRL, "removeFromCRL" },
	{ REASON_PRIVILEGE_WITHDRAWN, CRL_REASON_PRIVILEGE_WITHDRAWN,
	    "privilegeWithdrawn" },
	{ REASON_AA_COMPROMISE, CRL_REASON_AA_COMPROMISE, "aACompromise" },
};
#define NREASONS	(sizeof(rfc5280) / sizeof(rfc5280[0]))

START_TEST(test_names)
{
	for (size_t i = 0; i < NREASONS; i++) {
		ck_assert_int_eq(rfc5280[i].code, rfc5280[i].openssl);
		ck_assert_ptr_nonnull(reason_name(rfc5280[i].code));
		ck_assert_str_eq(reason_name(rfc5280[i].code), rfc5280[i].name);
	}
	ck_assert_int_eq(REASON_MAX, REASON_AA_COMPROMISE);
	/* 7 is not assigned; nothing outside 0..10 is a reason */
	ck_assert_ptr_null(reason_name(7));
	ck_assert_ptr_null(reason_name(-1));
	ck_assert_ptr_null(reason_name(REASON_MAX + 1));
}
END_TEST

START_TEST(test_parse)
{
	for (size_t i = 0; i < NREASONS; i++)
		ck_assert_int_eq(reason_parse(rfc5280[i].name),
		    rfc5280[i].code);
	ck_assert_int_eq(reason_parse("KEYCOMPROMISE"), REASON_KEY_COMPROMISE);
	ck_assert_int_eq(reason_parse("certificatehold"),
	    REASON_CERTIFICATE_HOLD);
	ck_assert_int_eq(reason_parse(""), -1);
	ck_assert_int_eq(reason_parse("keyCompromised"), -1);
	ck_assert_int_eq(reason_parse("7"), -1);
	ck_assert_int_eq(reason_parse("1"), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("reason");
	TCase	*tc = tcase_create("table");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_parse);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV);
}
