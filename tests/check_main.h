/* SPDX-License-Identifier: ISC */
/*
 * check_main.h: the end of every Check suite's main(): run the suite, free
 * the runner, and turn the failure count into the exit status tests/run.sh
 * reads.
 */
#ifndef CERTSTATUS_CHECK_MAIN_H
#define CERTSTATUS_CHECK_MAIN_H

#include <stdlib.h>

#include <check.h>

/*
 * Run every test of s.  fork_mode is CK_FORK_GETENV (Check's default: the
 * CK_FORK environment variable decides) or CK_FORK for a suite whose tests
 * must each run in their own process.  EXIT_SUCCESS or EXIT_FAILURE.
 */
static inline int
check_run(Suite *s, enum fork_status fork_mode)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_set_fork_status(sr, fork_mode);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
