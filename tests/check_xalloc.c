/* SPDX-License-Identifier: ISC */
/*
 * check_xalloc.c: certctl's allocation (common/xalloc.c): what it returns,
 * and that running out of memory is one line on stderr and exit status 1,
 * never an abort.
 */
#include <sys/wait.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "xalloc.h"

/* Under ASan a refused allocation must return NULL, as malloc(3) does. */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/*
 * Run fn in a child with stderr into a pipe; the child's exit status and
 * what it wrote go into *status and out.
 */
static void
run_child(void (*fn)(void), int *status, char *out, size_t outlen)
{
	int	 fd[2];
	pid_t	 pid;
	ssize_t	 n;
	size_t	 len = 0;

	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], STDERR_FILENO);
		fn();
		_exit(99);	/* fn returned: not what the test expects */
	}
	close(fd[1]);
	while (len < outlen - 1 &&
	    (n = read(fd[0], out + len, outlen - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, status, 0), pid);
}

static void
huge_malloc(void)
{
	free(xmalloc(SIZE_MAX - 4096));
}

static void
overflowing_array(void)
{
	free(xreallocarray(NULL, SIZE_MAX / 2, 4));
}

static void
huge_calloc(void)
{
	free(xcalloc(SIZE_MAX / 16, 8));
}

START_TEST(t_oom_is_one_line_and_exit_1)
{
	void	(*fns[])(void) = { huge_malloc, overflowing_array, huge_calloc };
	char	 out[1024];
	char	*line;
	int	 status;

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		run_child(fns[i], &status, out, sizeof(out));
		ck_assert_msg(WIFEXITED(status), "case %zu: killed by signal %d",
		    i, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		ck_assert_int_eq(WEXITSTATUS(status), 1);
		/* under SANITIZE=1, ASan's own "==pid==WARNING" lines come first */
		for (line = out; strncmp(line, "==", 2) == 0 &&
		    strchr(line, '\n') != NULL; line = strchr(line, '\n') + 1)
			;
		ck_assert_str_eq(line, "check_xalloc: out of memory\n");
	}
}
END_TEST

START_TEST(t_allocations)
{
	char	*s, *p;
	int	*a;

	ck_assert_ptr_null(xstrdup(NULL));
	s = xstrdup("稲城");
	ck_assert_str_eq(s, "稲城");
	free(s);
	s = xasprintf("%s/%d", "keys", 42);
	ck_assert_str_eq(s, "keys/42");
	free(s);
	p = xcalloc(4, 8);
	for (int i = 0; i < 32; i++)
		ck_assert_int_eq(p[i], 0);
	free(p);
	a = xreallocarray(NULL, 2, sizeof(*a));
	a[0] = 1;
	a[1] = 2;
	a = xreallocarray(a, 1000, sizeof(*a));
	ck_assert_int_eq(a[0] + a[1], 3);
	free(a);
	free(xmalloc(0));	/* never NULL, even for nothing */
}
END_TEST

static Suite *
xalloc_suite(void)
{
	Suite	*s = suite_create("xalloc");
	TCase	*tc = tcase_create("xalloc");

	tcase_add_test(tc, t_oom_is_one_line_and_exit_1);
	tcase_add_test(tc, t_allocations);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(xalloc_suite(), CK_FORK_GETENV);
}
