/* SPDX-License-Identifier: ISC */
/*
 * proxy.c: the client address behind trusted proxies (see proxy.h).
 *
 * X-Forwarded-For is a list each proxy appends to: the address that
 * connected to it.  Anyone can write anything into it, so an entry is only
 * as good as the proxy that appended it.  The walk starts at the TCP peer
 * and steps left through the list, one entry at a time, only while the
 * address in hand is a trusted proxy: a trusted proxy is believed about
 * who connected to it (the rightmost entry not yet walked), nobody else is
 * believed about anything.  It stops at
 *
 *  - an address that is no trusted proxy: the client (the rightmost
 *    untrusted entry; from an untrusted peer the header is never read);
 *  - the start of the list: every hop was a trusted proxy, and the
 *    leftmost entry is the farthest one known;
 *  - an entry that is not a bare IPv4 or IPv6 address (empty, with a port
 *    or brackets, "unknown", an obfuscated name): the trusted proxy in hand
 *    vouched for something unreadable, and nothing left of it was vouched
 *    for at all.  The answer is the last good address walked: the peer when
 *    the rightmost entry is bad, else a trusted proxy's.  As the walk stops
 *    at the first untrusted entry, no good untrusted one lies to the right.
 *
 * Whatever a client sends, the answer is the peer or an address a trusted
 * proxy wrote: a client behind nginx cannot choose its rate-limit key.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "proxy.h"

struct addr {
	int		 family;
	unsigned char	 b[16];
};

/* Parse the len bytes at s as one address; 0, or -1 when it is not one. */
static int
addr_parse(const char *s, size_t len, struct addr *a)
{
	static const unsigned char v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char	 buf[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a->b) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a->b) != 1)
		return -1;
	a->family = AF_INET6;
	if (memcmp(a->b, v4mapped, sizeof(v4mapped)) == 0) {
		/* one client, one key, whichever socket family it came by */
		memmove(a->b, a->b + 12, 4);
		a->family = AF_INET;
	}
	return 0;
}

/* One list entry, [p, end), with the optional whitespace around it. */
static int
entry_parse(const char *p, const char *end, struct addr *a)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return addr_parse(p, (size_t)(end - p), a);
}

const char *
proxy_client_addr(const struct config_net *nets, int n, const char *peer,
    const char *xff, char *out, size_t outlen)
{
	struct addr	 cur, next;
	const char	*end, *p;
	char		 text[INET6_ADDRSTRLEN];

	if (addr_parse(peer, strlen(peer), &cur) != 0) {
		snprintf(out, outlen, "%s", peer);
		return out;
	}
	end = xff != NULL ? xff + strlen(xff) : NULL;
	while (end != NULL && config_net_match(nets, n, cur.family, cur.b)) {
		for (p = end; p > xff && p[-1] != ','; p--)
			;
		if (entry_parse(p, end, &next) != 0)
			break;
		cur = next;
		end = p > xff ? p - 1 : NULL;	/* NULL: the list is walked */
	}
	if (inet_ntop(cur.family, cur.b, text, sizeof(text)) == NULL)
		snprintf(text, sizeof(text), "-");	/* cannot happen */
	snprintf(out, outlen, "%s", text);
	return out;
}
