/* SPDX-License-Identifier: ISC */
/*
 * proxy.h: who the client is when the request came through trusted
 * proxies (trusted-proxy, X-Forwarded-For), kept apart from evhttp so that
 * unit tests reach it.
 */
#ifndef CERTSTATUSD_PROXY_H
#define CERTSTATUSD_PROXY_H

#include <stddef.h>

#include "config.h"

#define PROXY_ADDR_MAX	64	/* bytes: an IPv6 address with a scope, NUL */

/*
 * The client address of a request whose TCP peer is peer (text, as
 * libevent gives it) and whose X-Forwarded-For headers are xff (every
 * header's value, in order, joined by commas; NULL when there is none),
 * given the n trusted proxies nets.  Writes it into out (outlen bytes,
 * truncated if short) as inet_ntop writes it, an IPv4-mapped IPv6 address
 * as IPv4, and returns out.  A peer that is not an address (e.g. "-") is
 * copied as it is.  Never fails.
 */
const char	*proxy_client_addr(const struct config_net *nets, int n,
		    const char *peer, const char *xff, char *out, size_t outlen);

#endif
