/* SPDX-License-Identifier: ISC */
/*
 * metrics.c: /metrics (Prometheus text exposition format) and /healthz.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "access.h"
#include "cache.h"
#include "clock.h"
#include "server.h"
#include "signer.h"
#include "version.h"

static const char *ocsp_status_names[8] = {
	"successful", "malformedRequest", "internalError", "tryLater", "4",
	"sigRequired", "unauthorized", "7",
};
static const char *cert_status_names[3] = { "good", "revoked", "unknown" };

/*
 * A warning for the CA or signer certificate of an issuer that expires
 * within cert-expiry-warning, appended to why (what fits): the first one
 * found, and how many others.  Not a failure: the answers still verify.
 */
static void
expiry_warning(struct server *s, time_t now, char *why, size_t whylen)
{
	const struct issuer	*first = NULL;
	const char		*which = NULL;
	time_t			 left = 0;
	size_t			 len = strlen(why);
	int			 more = 0;

	if (s->conf->cert_expiry_warning == 0)
		return;
	for (size_t i = 0; i < s->issuers->n; i++) {
		const struct issuer	*is = &s->issuers->v[i];
		const time_t		 na[2] = { is->signer_not_after,
					    is->ca_not_after };

		for (int k = 0; k < 2; k++) {
			if (na[k] - now >= s->conf->cert_expiry_warning)
				continue;
			if (first != NULL) {
				more++;
				continue;
			}
			first = is;
			which = k == 0 ? "signer" : "CA";
			left = na[k] - now;	/* > 0: expired fails first */
		}
	}
	if (first == NULL || len >= whylen)
		return;
	snprintf(why + len, whylen - len, "; warning: issuer %s: %s "
	    "certificate expires in %lld day(s)%s%s", first->name, which,
	    (long long)((left + 86399) / 86400), more ? " (and others: see /metrics)" :
	    "", strcmp(which, "signer") == 0 ? ": certctl ca rotate-signer" :
	    "");
}

/*
 * Only what is really wrong fails the check.  Stored answers past their
 * nextUpdate or dated in the future (after a clock step) are never served
 * (cache_get), so they are a problem only when pre-signing is not fixing
 * them: no pass running, or a pass running longer than the slack between
 * ocsp-refresh and ocsp-validity.
 */
int
health_check(struct server *s, char *why, size_t whylen)
{
	time_t	 now = clock_now(), oldest, newest, started;
	int	 alive = signer_alive(s->signers);
	int	 fixing;

	if (!s->db_ok) {
		snprintf(why, whylen, "registry: %s", s->db_error);
		return 0;
	}
	if (alive == 0) {
		snprintf(why, whylen, "no signer worker alive (0 of %d)",
		    signer_workers(s->signers));
		return 0;
	}
	if (signer_token_down(s->signers) > 0) {
		snprintf(why, whylen, "signer: token key unavailable in %d of "
		    "%d signer workers (nonce requests get tryLater)",
		    signer_token_down(s->signers), alive);
		return 0;
	}
	for (size_t i = 0; i < s->issuers->n; i++)
		if (s->issuers->v[i].signer_not_after <= now ||
		    s->issuers->v[i].ca_not_after <= now) {
			snprintf(why, whylen, "issuer %s: %s certificate "
			    "expired", s->issuers->v[i].name,
			    s->issuers->v[i].signer_not_after <= now ?
			    "signer" : "CA");
			return 0;
		}
	fixing = presign_running(s, &started) && now - started <=
	    s->conf->ocsp_validity - s->conf->ocsp_refresh;
	oldest = cache_oldest(s->cache);
	if (!fixing && oldest != 0 && oldest + s->conf->ocsp_validity <= now) {
		snprintf(why, whylen, "pre-signed responses past nextUpdate");
		return 0;
	}
	newest = cache_newest(s->cache);
	if (!fixing && newest > now) {
		snprintf(why, whylen, "pre-signed responses dated in the future");
		return 0;
	}
	snprintf(why, whylen, "ok: %d of %d signer workers alive", alive,
	    signer_workers(s->signers));
	expiry_warning(s, now, why, whylen);
	return 1;
}

void
healthz_handle(struct server *s, struct evhttp_request *req)
{
	char	 why[384], body[512];
	int	 ok = health_check(s, why, sizeof(why));
	int	 n;

	n = snprintf(body, sizeof(body), "%s\n", why);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	http_reply(s, req, ok ? HTTP_OK : 503, "text/plain; charset=utf-8", body,
	    (size_t)n);
}

/*
 * Per issuer, what an operator alerts on: seconds until the CA and the
 * signer certificates expire, each served CRL's age and seconds to its
 * nextUpdate (no sample when none is served), and the pre-signing backlog.
 */
static void
per_issuer_metrics(struct server *s, struct evbuffer *b, time_t now)
{
	static const char	*kinds[2] = { "full", "delta" };
	time_t			 tu, nu;

	evbuffer_add_printf(b, "# HELP certstatus_cert_expiry_seconds seconds "
	    "until a CA or signer certificate expires.\n# TYPE "
	    "certstatus_cert_expiry_seconds gauge\n");
	for (size_t i = 0; i < s->issuers->n; i++) {
		struct issuer	*is = &s->issuers->v[i];

		evbuffer_add_printf(b, "certstatus_cert_expiry_seconds{issuer="
		    "\"%s\",cert=\"ca\"} %lld\n", is->name,
		    (long long)(is->ca_not_after - now));
		evbuffer_add_printf(b, "certstatus_cert_expiry_seconds{issuer="
		    "\"%s\",cert=\"signer\"} %lld\n", is->name,
		    (long long)(is->signer_not_after - now));
	}
	evbuffer_add_printf(b, "# HELP certstatus_crl_age_seconds age of the "
	    "served CRL (now - thisUpdate).\n# TYPE certstatus_crl_age_seconds "
	    "gauge\n");
	for (size_t i = 0; i < s->issuers->n; i++)
		for (int k = 0; k < 2; k++)
			if (crl_times(s, s->issuers->v[i].id, k, &tu, &nu) == 0)
				evbuffer_add_printf(b, "certstatus_crl_age_seconds"
				    "{issuer=\"%s\",kind=\"%s\"} %lld\n",
				    s->issuers->v[i].name, kinds[k],
				    (long long)(now - tu));
	evbuffer_add_printf(b, "# HELP certstatus_crl_next_update_seconds "
	    "seconds until the served CRL's nextUpdate.\n# TYPE "
	    "certstatus_crl_next_update_seconds gauge\n");
	for (size_t i = 0; i < s->issuers->n; i++)
		for (int k = 0; k < 2; k++)
			if (crl_times(s, s->issuers->v[i].id, k, &tu, &nu) == 0)
				evbuffer_add_printf(b, "certstatus_crl_next_update_"
				    "seconds{issuer=\"%s\",kind=\"%s\"} %lld\n",
				    s->issuers->v[i].name, kinds[k],
				    (long long)(nu - now));
	evbuffer_add_printf(b, "# HELP certstatus_presign_backlog stored "
	    "answers older than ocsp-refresh, waiting to be re-signed.\n"
	    "# TYPE certstatus_presign_backlog gauge\n"
	    "certstatus_presign_backlog %lld\n",
	    (long long)cache_count_before(s->cache, now - s->conf->ocsp_refresh));
}

void
metrics_handle(struct server *s, struct evhttp_request *req)
{
	struct evbuffer		*b = evbuffer_new();
	struct cache_stats	 cs;
	struct signer_stats	 ss;
	struct metrics		*m = &s->metrics;
	time_t			 now = clock_now(), oldest;
	double			 cum = 0;
	char			 why[256];
	size_t			 len;
	unsigned char		*body;

	if (b == NULL) {
		http_reply_error(s, req, HTTP_INTERNAL, "out of memory");
		return;
	}
	cache_stats(s->cache, &cs);
	signer_stats(s->signers, &ss);
	evbuffer_add_printf(b, "# HELP certstatus_build_info the running "
	    "version.\n# TYPE certstatus_build_info gauge\n"
	    "certstatus_build_info{version=\"%s\"} 1\n", certstatus_version);
	evbuffer_add_printf(b, "# HELP certstatus_requests_total HTTP requests "
	    "by endpoint.\n# TYPE certstatus_requests_total counter\n");
	for (int i = 0; i < EP_COUNT; i++)
		evbuffer_add_printf(b, "certstatus_requests_total{endpoint=\"%s\"}"
		    " %llu\n", route_endpoint_name(i),
		    (unsigned long long)m->requests[i]);
	evbuffer_add_printf(b, "# HELP certstatus_http_responses_total HTTP "
	    "responses by status class.\n# TYPE certstatus_http_responses_total"
	    " counter\n");
	for (int i = 1; i < 6; i++)
		evbuffer_add_printf(b, "certstatus_http_responses_total{code=\"%dxx\"}"
		    " %llu\n", i, (unsigned long long)m->http_status[i]);
	evbuffer_add_printf(b, "# HELP certstatus_ocsp_responses_total OCSP "
	    "responses by responseStatus.\n# TYPE certstatus_ocsp_responses_total"
	    " counter\n");
	for (int i = 0; i < 8; i++)
		if (i != 4 && i != 7)
			evbuffer_add_printf(b, "certstatus_ocsp_responses_total"
			    "{status=\"%s\"} %llu\n", ocsp_status_names[i],
			    (unsigned long long)m->ocsp_response[i]);
	evbuffer_add_printf(b, "# HELP certstatus_ocsp_cert_status_total "
	    "certificate statuses answered (signed afresh).\n# TYPE "
	    "certstatus_ocsp_cert_status_total counter\n");
	for (int i = 0; i < 3; i++)
		evbuffer_add_printf(b, "certstatus_ocsp_cert_status_total{status="
		    "\"%s\"} %llu\n", cert_status_names[i],
		    (unsigned long long)m->ocsp_cert[i]);
	evbuffer_add_printf(b, "# HELP certstatus_cache_lookups_total "
	    "pre-signed response lookups.\n# TYPE certstatus_cache_lookups_total"
	    " counter\n"
	    "certstatus_cache_lookups_total{result=\"hit_memory\"} %llu\n"
	    "certstatus_cache_lookups_total{result=\"hit_store\"} %llu\n"
	    "certstatus_cache_lookups_total{result=\"miss\"} %llu\n",
	    (unsigned long long)cs.hits_memory, (unsigned long long)cs.hits_store,
	    (unsigned long long)cs.misses);
	evbuffer_add_printf(b, "# HELP certstatus_cache_memory_bytes bytes of "
	    "responses held in memory.\n# TYPE certstatus_cache_memory_bytes "
	    "gauge\ncertstatus_cache_memory_bytes %zu\n", cs.memory_bytes);
	evbuffer_add_printf(b, "# HELP certstatus_not_modified_total 304 "
	    "answers.\n# TYPE certstatus_not_modified_total counter\n"
	    "certstatus_not_modified_total %llu\n",
	    (unsigned long long)m->not_modified);
	evbuffer_add_printf(b, "# HELP certstatus_registry_history_breaks_total "
	    "times the registry's history was found restored or replaced.\n"
	    "# TYPE certstatus_registry_history_breaks_total counter\n"
	    "certstatus_registry_history_breaks_total %llu\n"
	    "# HELP certstatus_store_corrected_total stored answers found to "
	    "disagree with the registry (dropped, never served).\n"
	    "# TYPE certstatus_store_corrected_total counter\n"
	    "certstatus_store_corrected_total %llu\n"
	    "# HELP certstatus_clock_steps_total wall-clock steps seen.\n"
	    "# TYPE certstatus_clock_steps_total counter\n"
	    "certstatus_clock_steps_total %llu\n",
	    (unsigned long long)m->history_breaks,
	    (unsigned long long)m->store_corrected,
	    (unsigned long long)m->clock_steps);
	evbuffer_add_printf(b, "# HELP certstatus_presigned_total responses "
	    "signed ahead of requests.\n# TYPE certstatus_presigned_total "
	    "counter\ncertstatus_presigned_total %llu\n",
	    (unsigned long long)m->presigned);
	evbuffer_add_printf(b, "# HELP certstatus_presign_resigned_total stored "
	    "answers signed again for an issuer's new signer.\n# TYPE "
	    "certstatus_presign_resigned_total counter\n"
	    "certstatus_presign_resigned_total %llu\n",
	    (unsigned long long)m->resigned);
	oldest = cache_oldest(s->cache);
	evbuffer_add_printf(b, "# HELP certstatus_presigned_oldest_age_seconds "
	    "age of the oldest pre-signed response.\n# TYPE "
	    "certstatus_presigned_oldest_age_seconds gauge\n"
	    "certstatus_presigned_oldest_age_seconds %lld\n",
	    (long long)(oldest != 0 ? now - oldest : 0));
	evbuffer_add_printf(b, "# HELP certstatus_presign_pass_complete 1 once "
	    "a full pre-signing pass has finished.\n# TYPE "
	    "certstatus_presign_pass_complete gauge\n"
	    "certstatus_presign_pass_complete %d\n"
	    "# HELP certstatus_presign_passes_total pre-signing passes "
	    "finished.\n# TYPE certstatus_presign_passes_total counter\n"
	    "certstatus_presign_passes_total %llu\n", m->presign_passes > 0,
	    (unsigned long long)m->presign_passes);
	evbuffer_add_printf(b, "# HELP certstatus_signing_seconds time from "
	    "job to signed response.\n# TYPE certstatus_signing_seconds "
	    "histogram\n");
	for (int i = 0; i < 8; i++) {
		cum += (double)ss.buckets[i];
		if (i < 7)
			evbuffer_add_printf(b, "certstatus_signing_seconds_bucket"
			    "{le=\"%g\"} %.0f\n", signer_bucket_bounds[i], cum);
		else
			evbuffer_add_printf(b, "certstatus_signing_seconds_bucket"
			    "{le=\"+Inf\"} %.0f\n", cum);
	}
	evbuffer_add_printf(b, "certstatus_signing_seconds_sum %.6f\n"
	    "certstatus_signing_seconds_count %llu\n", ss.seconds_sum,
	    (unsigned long long)ss.signed_ok);
	evbuffer_add_printf(b, "# HELP certstatus_signing_failures_total jobs "
	    "that failed.\n# TYPE certstatus_signing_failures_total counter\n"
	    "certstatus_signing_failures_total %llu\n",
	    (unsigned long long)ss.failed);
	per_issuer_metrics(s, b, now);
	evbuffer_add_printf(b, "# HELP certstatus_signer_workers signer "
	    "processes alive.\n# TYPE certstatus_signer_workers gauge\n"
	    "certstatus_signer_workers %d\n", signer_alive(s->signers));
	evbuffer_add_printf(b, "# HELP certstatus_sign_queue jobs queued or "
	    "signing.\n# TYPE certstatus_sign_queue gauge\n"
	    "certstatus_sign_queue %zu\n", signer_pending(s->signers));
	evbuffer_add_printf(b, "# HELP certstatus_connections open client "
	    "connections.\n# TYPE certstatus_connections gauge\n"
	    "certstatus_connections %u\n", s->connections);
	evbuffer_add_printf(b, "# HELP certstatus_connections_timed_out_total "
	    "connections closed for not sending a whole request in time.\n"
	    "# TYPE certstatus_connections_timed_out_total counter\n"
	    "certstatus_connections_timed_out_total %llu\n",
	    (unsigned long long)m->connections_timed_out);
	evbuffer_add_printf(b, "# HELP certstatus_accept_errors_total accept() "
	    "failures (e.g. out of file descriptors).\n# TYPE "
	    "certstatus_accept_errors_total counter\n"
	    "certstatus_accept_errors_total %llu\n",
	    (unsigned long long)m->accept_errors);
	access_metrics(s->access, b);
	evbuffer_add_printf(b, "# HELP certstatus_tls_handshake_failures_total "
	    "HTTPS connections that ended in a failed TLS handshake.\n"
	    "# TYPE certstatus_tls_handshake_failures_total counter\n"
	    "certstatus_tls_handshake_failures_total %llu\n",
	    (unsigned long long)m->tls_handshake_failures);
	evbuffer_add_printf(b, "# HELP certstatus_tls_handshake_timeouts_total "
	    "HTTPS connections closed before their TLS handshake finished in "
	    "time.\n# TYPE certstatus_tls_handshake_timeouts_total counter\n"
	    "certstatus_tls_handshake_timeouts_total %llu\n",
	    (unsigned long long)m->tls_handshake_timeouts);
	evbuffer_add_printf(b, "# HELP certstatus_tls_reload_failures_total "
	    "reloads that kept the running TLS certificate (the new files did "
	    "not load).\n# TYPE certstatus_tls_reload_failures_total counter\n"
	    "certstatus_tls_reload_failures_total %llu\n",
	    (unsigned long long)m->tls_reload_failures);
	evbuffer_add_printf(b, "# HELP certstatus_healthy 1 when /healthz is "
	    "ok.\n# TYPE certstatus_healthy gauge\ncertstatus_healthy %d\n",
	    health_check(s, why, sizeof(why)));
	len = evbuffer_get_length(b);
	body = evbuffer_pullup(b, -1);
	http_reply(s, req, HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
	    body, len);
	evbuffer_free(b);
}
