/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ocsp_answer.c: libFuzzer target for the whole OCSP path the server
 * runs on a request: DER -> parse, issuer match, registry lookups, signing
 * job (prepare_request), then what a signer worker does with the job
 * (ocsp_job_decode, ocsp_response_sign with the demo signer key) and what a
 * client does with the answer (d2i_OCSP_RESPONSE).  The registry is a demo
 * built once per process in a temporary folder (removed at exit); the
 * prepare step gets only what it reads (struct prepare_env), no server.
 *
 * Build and run: make fuzz (tests/fuzz/run.sh).
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "certctl.h"
#include "log.h"
#include "pki.h"
#include "prepare.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config	*conf;		/* kept for the process, as env's parts */
static struct prepare_env env;
static EVP_PKEY		*keys[ISSUERS_MAX];
static char		 dir[64];
static X509_STORE	*store;

static void
cleanup(void)
{
	char	cmd[128];

	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)system(cmd);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char			 why[512], path[1100], cmd[2400];
	const char		*reg;
	struct db		*db;
	struct issuer_set	*set;

	(void)argc;
	(void)argv;
	log_init("fuzz", LOG_LVL_WARN);
	snprintf(dir, sizeof(dir), "/tmp/certstatus-fuzz.XXXXXX");
	if (mkdtemp(dir) == NULL)
		err(1, "mkdtemp");
	atexit(cleanup);
	/*
	 * The fixed registry the seeds were made for (tests/data/registry,
	 * FUZZ_REGISTRY to pick another), copied; else a fresh demo.
	 */
	if ((reg = getenv("FUZZ_REGISTRY")) == NULL)
		reg = "tests/data/registry";
	snprintf(path, sizeof(path), "%s/certstatus.conf", reg);
	if (access(path, R_OK) == 0) {
		snprintf(cmd, sizeof(cmd), "cp -R '%s' '%s/demo' && "
		    "chmod 600 '%s/demo/keys/'*", reg, dir, dir);
		if (system(cmd) != 0)
			errx(1, "cannot copy %s", reg);
	} else {
		snprintf(path, sizeof(path), "%s/demo", dir);
		if (demo_build(path, 0, "fuzz", why, sizeof(why)) != 0)
			errx(1, "demo: %s", why);
	}
	snprintf(path, sizeof(path), "%s/demo/certstatus.conf", dir);
	if ((conf = config_load(path, why, sizeof(why))) == NULL)
		errx(1, "%s", why);
	if ((db = db_open(conf->database, DB_READONLY, why,
	    sizeof(why))) == NULL ||
	    (set = issuers_load(db, conf, why, sizeof(why))) == NULL)
		errx(1, "%s", why);
	prepare_env_set(&env, conf, set, db);
	for (size_t i = 0; i < set->n; i++)
		if ((keys[i] = pki_key_load(set->v[i].signer_key, why,
		    sizeof(why))) == NULL)
			errx(1, "%s", why);
	if ((store = X509_STORE_new()) == NULL)
		errx(1, "X509_STORE_new");
	return 0;
}

/* What a client does with any answer: it must parse, as the status says. */
static void
check_response(const unsigned char *der, size_t len, int want_status,
    size_t want_n, const struct ocsp_job *job)
{
	const unsigned char	*p = der;
	OCSP_RESPONSE		*resp;
	OCSP_BASICRESP		*basic = NULL;

	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL ||
	    p != der + len)
		abort();
	if (OCSP_response_status(resp) != want_status)
		abort();
	if (want_status == OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		if ((basic = OCSP_response_get1_basic(resp)) == NULL)
			abort();
		if ((size_t)OCSP_resp_count(basic) != want_n)
			abort();
		if (OCSP_basic_verify(basic, NULL, store, OCSP_NOVERIFY) != 1)
			abort();	/* signed by the signer it carries */
		if ((job->nonce_len > 0) != (OCSP_BASICRESP_get_ext_by_NID(basic,
		    NID_id_pkix_OCSP_Nonce, -1) >= 0))
			abort();	/* a nonce asked for is echoed */
	}
	OCSP_BASICRESP_free(basic);
	OCSP_RESPONSE_free(resp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 buf[OCSP_JOB_MAX];
	struct ocsp_job		 job;
	const unsigned char	*edr;
	unsigned char		*der;
	struct prepare_job	 pj;
	const char		*why;
	size_t			 dlen;
	int			 status;

	memset(&job, 0, sizeof(job));
	status = prepare_request(&env, data, size, time(NULL), buf,
	    sizeof(buf), &pj, &why);
	if (ERR_peek_error() != 0)
		abort();	/* a failure left the error queue dirty */
	if (status != 0) {
		if (why == NULL ||
		    (edr = ocsp_response_error(status, &dlen)) == NULL)
			abort();
		check_response(edr, dlen, status, 0, &job);
		goto done;
	}
	if (ocsp_job_decode(buf, pj.len, &job) != 0 || job.n == 0 ||
	    job.issuer >= env.issuers->n ||
	    pj.count[0] + pj.count[1] + pj.count[2] != job.n)
		abort();	/* every SingleResponse counted once */
	if ((der = ocsp_response_sign(keys[job.issuer],
	    env.issuers->v[job.issuer].signer, job.s, job.n, job.nonce,
	    job.nonce_len, job.extended_revoke, job.produced_at,
	    &dlen)) == NULL)
		abort();
	if (ERR_peek_error() != 0)
		abort();
	check_response(der, dlen, OCSP_RESPONSE_STATUS_SUCCESSFUL, job.n, &job);
	OPENSSL_free(der);
	ocsp_job_clear(&job);
 done:
	ERR_clear_error();	/* the client-side checks may leave some */
	return 0;
}
