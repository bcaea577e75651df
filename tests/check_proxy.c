/* SPDX-License-Identifier: ISC */
/*
 * check_proxy.c: the client address behind trusted proxies: which
 * X-Forwarded-For entry is believed, and that a client cannot pick one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "config.h"
#include "proxy.h"

static struct config_net	 nets[4];
static int			 nnets;

/* Trust these prefixes from now on (NULL-terminated). */
static void
trust(const char *first, ...)
{
	const char	*list[5] = { first, NULL };
	va_list		 ap;

	va_start(ap, first);
	for (int i = 1; i < 5 && list[i - 1] != NULL; i++)
		list[i] = va_arg(ap, const char *);
	va_end(ap);
	for (nnets = 0; list[nnets] != NULL; nnets++)
		ck_assert_ptr_null(config_parse_net(list[nnets], &nets[nnets]));
}

static const char *
client(const char *peer, const char *xff)
{
	static char	 out[PROXY_ADDR_MAX];

	return proxy_client_addr(nets, nnets, peer, xff, out, sizeof(out));
}

START_TEST(untrusted_peer)
{
	nnets = 0;	/* the default: nobody is trusted */
	ck_assert_str_eq(client("127.0.0.1", "10.0.0.1"), "127.0.0.1");
	trust("127.0.0.1/32", NULL);
	ck_assert_str_eq(client("127.0.0.2", "10.0.0.1"), "127.0.0.2");
	ck_assert_str_eq(client("127.0.0.2", "127.0.0.1"), "127.0.0.2");
	ck_assert_str_eq(client("192.0.2.1", NULL), "192.0.2.1");
	ck_assert_str_eq(client("-", "10.0.0.1"), "-");	/* no connection */
}
END_TEST

START_TEST(one_proxy)
{
	trust("127.0.0.1/32", NULL);
	ck_assert_str_eq(client("127.0.0.1", NULL), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1", "127.0.0.2"), "127.0.0.2");
	ck_assert_str_eq(client("127.0.0.1", " 127.0.0.2\t"), "127.0.0.2");
	/* what nginx's $proxy_add_x_forwarded_for makes of a forged header */
	ck_assert_str_eq(client("127.0.0.1", "10.9.9.9, 127.0.0.2"), "127.0.0.2");
	ck_assert_str_eq(client("127.0.0.1", "127.0.0.1, 127.0.0.2"), "127.0.0.2");
	ck_assert_str_eq(client("127.0.0.1", "garbage, 127.0.0.2"), "127.0.0.2");
	/* several headers, joined in order */
	ck_assert_str_eq(client("127.0.0.1", "10.0.0.1,10.0.0.2,127.0.0.3"),
	    "127.0.0.3");
}
END_TEST

START_TEST(chain)
{
	trust("127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32", NULL);
	ck_assert_str_eq(client("127.0.0.1", "198.51.100.7, 10.1.2.3"),
	    "198.51.100.7");
	ck_assert_str_eq(client("127.0.0.1",
	    "203.0.113.5, 198.51.100.7, 10.1.2.3, 10.4.5.6"), "198.51.100.7");
	/* all trusted: the leftmost, the farthest hop known */
	ck_assert_str_eq(client("127.0.0.1", "10.0.0.9, 10.0.0.8"), "10.0.0.9");
	ck_assert_str_eq(client("10.0.0.1", "2001:db8::5, 2001:DB8:0:0::1"),
	    "2001:db8::5");
	ck_assert_str_eq(client("127.0.0.1", "2001:db9::1"), "2001:db9::1");
}
END_TEST

START_TEST(malformed)
{
	trust("127.0.0.1/32", "10.0.0.0/8", NULL);
	/* the rightmost entry is bad: the peer */
	ck_assert_str_eq(client("127.0.0.1", ""), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1", "   "), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1", "198.51.100.7,"), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1", "unknown"), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1", "198.51.100.7:4711"), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1", "[2001:db8::1]"), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1", "fe80::1%eth0"), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1", "127.1"), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1", "0x7f.0.0.1"), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1", "1.2.3.4 5.6.7.8"), "127.0.0.1");
	ck_assert_str_eq(client("127.0.0.1",
	    "1111:2222:3333:4444:5555:6666:7777:8888:9999"), "127.0.0.1");
	/* a bad entry behind a trusted one: the last good address walked */
	ck_assert_str_eq(client("127.0.0.1", "198.51.100.7, _hidden, 10.0.0.5"),
	    "10.0.0.5");
	/* left of the client, nothing is read: bad entries there change nothing */
	ck_assert_str_eq(client("127.0.0.1", "_x, 198.51.100.7, 10.0.0.5"),
	    "198.51.100.7");
}
END_TEST

START_TEST(canonical)
{
	trust("127.0.0.1/32", NULL);
	/* one client, one text: the rate limit's key */
	ck_assert_str_eq(client("127.0.0.1", "2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
	ck_assert_str_eq(client("127.0.0.1", "::ffff:198.51.100.7"), "198.51.100.7");
	/* a dual-stack listener's IPv4 peer is an IPv4 proxy */
	ck_assert_str_eq(client("::ffff:127.0.0.1", "198.51.100.7"), "198.51.100.7");
	ck_assert_str_eq(client("::ffff:192.0.2.1", "198.51.100.7"), "192.0.2.1");
	/* a short buffer truncates, never overflows */
	{
		char	 small[8];

		ck_assert_str_eq(proxy_client_addr(nets, nnets, "127.0.0.1",
		    "198.51.100.7", small, sizeof(small)), "198.51.");
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("proxy");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, untrusted_peer);
	tcase_add_test(tc, one_proxy);
	tcase_add_test(tc, chain);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, canonical);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV);
}
