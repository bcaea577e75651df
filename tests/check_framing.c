/* SPDX-License-Identifier: ISC */
/*
 * check_framing.c: the request-head check of server/framing.c, whole and
 * byte by byte: the verdict must not depend on how the head arrives.
 */
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "framing.h"

/* The code for head (0: sound), fed in pieces of step bytes; *used gets
 * how many bytes the check took. */
static int
verdict(const char *head, size_t step, size_t *used)
{
	struct framing	 f;
	size_t		 len = strlen(head), off = 0, n;

	framing_reset(&f);
	while (off < len && f.state == FRAMING_HEAD) {
		n = len - off < step ? len - off : step;
		off += framing_feed(&f, (const unsigned char *)head + off, n);
	}
	if (used != NULL)
		*used = off;
	ck_assert_int_ne(f.state, FRAMING_HEAD);
	return f.state == FRAMING_DONE ? 0 : f.code;
}

static void
expect(const char *head, int code)
{
	size_t	step;

	for (step = 1; step <= 9; step += 4)
		ck_assert_msg(verdict(head, step, NULL) == code,
		    "%s: want %d (step %zu)", head, code, step);
	ck_assert_int_eq(verdict(head, 65536, NULL), code);
}

#define H11	"POST /ocsp HTTP/1.1\r\nHost: x\r\n"

START_TEST(sound_heads)
{
	size_t	used;

	expect("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	expect("GET /healthz HTTP/1.0\r\n\r\n", 0);	/* no Host in 1.0 */
	expect("GET / HTTP/1.1\nHost: x\n\n", 0);	/* bare LF, as evhttp */
	expect(H11 "Content-Length: 5\r\n\r\n", 0);
	expect(H11 "Transfer-Encoding:  Chunked \r\n\r\n", 0);
	expect(H11 "X-Tab: a\tb\r\nX-Obs: \xe3\x81\x82\r\n\r\n", 0);
	/* the check ends at the empty line: the rest is the body */
	ck_assert_int_eq(verdict(H11 "Content-Length: 3\r\n\r\nabc", 65536,
	    &used), 0);
	ck_assert_uint_eq(used, strlen(H11 "Content-Length: 3\r\n\r\n"));
}
END_TEST

START_TEST(transfer_encoding)
{
	expect(H11 "Transfer-Encoding: gzip\r\n\r\n", 400);
	expect(H11 "Transfer-Encoding: identity\r\n\r\n", 400);
	expect(H11 "Transfer-Encoding: xchunked\r\n\r\n", 400);
	expect(H11 "Transfer-Encoding: chunked, gzip\r\n\r\n", 400);
	expect(H11 "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
	expect(H11 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	expect(H11 "Transfer-Encoding: gzip, chunked\r\n\r\n", 501);
	expect(H11 "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", 400);
	expect("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	expect(H11 "Transfer-Encoding:\r\n\r\n", 400);
}
END_TEST

START_TEST(content_length)
{
	expect(H11 "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", 400);
	expect(H11 "Content-Length: -1\r\n\r\n", 400);
	expect(H11 "Content-Length: +5\r\n\r\n", 400);
	expect(H11 "Content-Length: 5, 5\r\n\r\n", 400);
	expect(H11 "Content-Length:\r\n\r\n", 400);
	expect(H11 "Content-Length : 0\r\nContent-Length: 5\r\n\r\n", 400);
}
END_TEST

START_TEST(bytes_and_names)
{
	static const char	nul[] = H11 "Content-Length: 5\0" "00\r\n\r\n";
	struct framing		f;

	framing_reset(&f);
	framing_feed(&f, (const unsigned char *)nul, sizeof(nul) - 1);
	ck_assert_int_eq(f.state, FRAMING_REJECT);
	ck_assert_int_eq(f.code, 400);
	expect(H11 "X-A: a\rb\r\n\r\n", 400);
	expect(H11 "X A: b\r\n\r\n", 400);
	expect(H11 "X\x01" "A: b\r\n\r\n", 400);
	expect(H11 "Transfer-Encoding\t: chunked\r\n\r\n", 400);
	expect(H11 ": b\r\n\r\n", 400);
	expect(H11 "no colon\r\n\r\n", 400);
	expect(H11 "X-A: a\r\n b\r\n\r\n", 400);	/* obs-fold */
	expect(H11 "X-A: a\r\n\tb\r\n\r\n", 400);
	expect(H11 "X-A: \x7f\r\n\r\n", 400);
}
END_TEST

START_TEST(request_line_and_host)
{
	struct framing	f;
	const char	*h = "GET /ocsp/MEow?x=1 HTTP/1.2\r\n";

	expect("GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505);
	expect("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
	expect("GET / HTTP/1.1x\r\nHost: x\r\n\r\n", 400);
	expect("GET / http/1.1\r\nHost: x\r\n\r\n", 400);
	expect("GET /healthz\r\n\r\n", 400);
	expect("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	expect("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	expect("\x16\x03\x01\x02\x00\x01\x00", 400);
	expect("POST / HTTP/1.1\r\n\r\n", 400);
	expect("POST / HTTP/1.1\r\nHost: x\r\nhost: y\r\n\r\n", 400);
	expect("POST / HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n", 400);
	/* what the access log gets */
	framing_reset(&f);
	framing_feed(&f, (const unsigned char *)h, strlen(h));
	ck_assert_int_eq(f.code, 505);
	ck_assert_str_eq(f.method, "GET");
	ck_assert_str_eq(f.target, "/ocsp/MEow");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("framing");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, sound_heads);
	tcase_add_test(tc, transfer_encoding);
	tcase_add_test(tc, content_length);
	tcase_add_test(tc, bytes_and_names);
	tcase_add_test(tc, request_line_and_host);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV);
}
