/* SPDX-License-Identifier: ISC */
/*
 * service.c: telling systemd how the server is (Type=notify, sd_notify(3)):
 * READY=1 once the first pre-signing pass is done (answers come from the
 * store at full speed) or SERVICE_READY_WAIT_SEC after start-up, whichever
 * is first, so that a large store never runs into TimeoutStartSec;
 * RELOADING=1 / READY=1 around SIGHUP; STOPPING=1 at SIGTERM.  Without
 * NOTIFY_SOCKET (not under systemd) every call does nothing.  Built without
 * libsystemd (no HAVE_LIBSYSTEMD), it does nothing at all.
 */
#include <stdio.h>

#include <event2/event.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "server.h"

#define SERVICE_READY_WAIT_SEC	10

static int		 ready;
static struct event	*ready_ev;

static void
notify(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	int	 rc;

	if ((rc = sd_notify(0, state)) < 0)
		log_warnx("sd_notify: %s: error %d", state, -rc);
#else
	(void)state;
#endif
}

static void
ready_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (!ready) {
		ready = 1;
		notify("READY=1\nSTATUS=serving; first pre-signing pass still "
		    "running");
	}
}

void
service_started(struct server *s)
{
	struct timeval	 tv = { SERVICE_READY_WAIT_SEC, 0 };

	notify("STATUS=started; first pre-signing pass running");
	if ((ready_ev = evtimer_new(s->base, ready_timeout, s)) != NULL)
		evtimer_add(ready_ev, &tv);
	else
		ready_timeout(-1, 0, s);
}

void
service_presigned(struct server *s)
{
	char	 st[128];

	snprintf(st, sizeof(st), "%sSTATUS=serving; %llu pre-signing "
	    "pass(es) done", ready ? "" : "READY=1\n",
	    (unsigned long long)s->metrics.presign_passes);
	ready = 1;
	notify(st);
}

void
service_reloading(int begin)
{
	notify(begin ? "RELOADING=1" : "READY=1");
}

void
service_stopping(void)
{
	notify("STOPPING=1");
}

void
service_stop(void)
{
	if (ready_ev != NULL)
		event_free(ready_ev);
	ready_ev = NULL;
}
