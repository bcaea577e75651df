/*
 * crl.c: placeholder until CRL publication lands.
 */
#include "server.h"

int
crl_start(struct server *s, char *err, size_t errlen)
{
	(void)s; (void)err; (void)errlen;
	return 0;
}

void
crl_handle(struct server *s, struct evhttp_request *req, const char *name)
{
	(void)s; (void)name;
	http_reply_error(req, HTTP_NOTFOUND, "no such CRL");
}

void
crl_registry_changed(struct server *s)
{
	(void)s;
}

void
crl_stop(struct server *s)
{
	(void)s;
}
