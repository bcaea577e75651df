/*
 * counter.c: placeholder until the online counter lands.
 */
#include "server.h"

int
counter_start(struct server *s, char *err, size_t errlen)
{
	(void)s; (void)err; (void)errlen;
	return 0;
}

void
counter_handle_page(struct server *s, struct evhttp_request *req)
{
	(void)s;
	http_reply_error(req, HTTP_NOTFOUND, "not here yet");
}

void
counter_handle_api(struct server *s, struct evhttp_request *req)
{
	(void)s;
	http_reply_error(req, HTTP_NOTFOUND, "not here yet");
}

void
counter_handle_static(struct server *s, struct evhttp_request *req,
    const char *path)
{
	(void)s; (void)path;
	http_reply_error(req, HTTP_NOTFOUND, "not here yet");
}

void
counter_stop(struct server *s)
{
	(void)s;
}
