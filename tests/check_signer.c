/* SPDX-License-Identifier: ISC */
/*
 * check_signer.c: unit tests for server/signer.c: the frames between the
 * network process and a worker, and the pool when a worker dies.
 *
 * The pool tests start real workers: fork + exec of the built certstatusd
 * ($BIN/certstatusd, default bin/; tests run from the repository's top), as
 * the server does.  A small PKI (an EC CA and delegated signer) is made per
 * test; the signer key goes to a temporary file, mode 600.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "check_main.h"
#include "clock.h"
#include "ocsp.h"
#include "proc.h"
#include "signer.h"

#define PUMP_MS		5000	/* longest wait for a job's end */

static EVP_PKEY			*ca_key, *signer_key;
static X509			*ca, *signer;
static struct issuer_set	 set;
static struct config		 conf;
static char			 keypath[] = "/tmp/check_signer.XXXXXX";
static struct event_base	*base;

struct result {
	int		 calls, status;
	size_t		 len;
	unsigned char	*der;
};

static X509 *
make_cert(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *key, const char *cn)
{
	X509		*x = X509_new();
	X509_NAME	*name = X509_NAME_new();

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), issuer == NULL ? 1 : 2);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	ck_assert_int_gt(X509_sign(x, issuer_key, EVP_sha256()), 0);
	return x;
}

static void
setup(void)
{
	const char	*bin = getenv("BIN");
	char		 self[4096];
	FILE		*f;
	int		 fd;

	signal(SIGPIPE, SIG_IGN);
	ca_key = EVP_EC_gen("P-256");
	signer_key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(ca_key);
	ck_assert_ptr_nonnull(signer_key);
	ca = make_cert(NULL, ca_key, ca_key, "check_signer CA");
	signer = make_cert(ca, ca_key, signer_key, "check_signer OCSP");
	ck_assert_int_ne(fd = mkstemp(keypath), -1);
	ck_assert_int_eq(fchmod(fd, 0600), 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	ck_assert_int_eq(PEM_write_PrivateKey(f, signer_key, NULL, NULL, 0,
	    NULL, NULL), 1);
	fclose(f);
	memset(&set, 0, sizeof(set));
	set.v[0].name = "test";
	set.v[0].signer = signer;
	set.v[0].signer_key = keypath;
	set.n = 1;
	memset(&conf, 0, sizeof(conf));
	snprintf(self, sizeof(self), "%s/certstatusd", bin != NULL ? bin : "bin");
	ck_assert_msg(proc_self_open(self) == 0, "cannot open %s: build it "
	    "first, run from the repository's top", self);
	ck_assert_ptr_nonnull(base = event_base_new());
}

static void
teardown(void)
{
	signer_shutdown();
	event_base_free(base);
	unlink(keypath);
	X509_free(ca);
	X509_free(signer);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(signer_key);
}

/* An encoded job: one "good" answer for the signer certificate's CertID. */
static size_t
make_job(unsigned char *buf, struct ocsp_single *s, OCSP_CERTID **id)
{
	struct ocsp_job	 job;
	size_t		 len;
	time_t		 now = time(NULL);

	ck_assert_ptr_nonnull(*id = OCSP_cert_to_id(EVP_sha1(), signer, ca));
	memset(s, 0, sizeof(*s));
	s->id = *id;
	s->status = OCSP_ST_GOOD;
	s->reason = -1;
	s->this_update = now;
	s->next_update = now + 3600;
	memset(&job, 0, sizeof(job));
	job.issuer = 0;
	job.produced_at = now;
	memcpy(job.nonce, "check-nonce", 11);
	job.nonce_len = 11;
	job.s = s;
	job.n = 1;
	ck_assert_int_eq(ocsp_job_encode(&job, buf, OCSP_JOB_MAX, &len), 0);
	return len;
}

/* --- frames --------------------------------------------------------------- */

START_TEST(test_frame_job_roundtrip)
{
	unsigned char		*buf = malloc(OCSP_JOB_MAX);
	struct evbuffer		*wire = evbuffer_new(), *got = evbuffer_new();
	struct ocsp_single	 s;
	struct ocsp_job		 out;
	OCSP_CERTID		*id;
	size_t			 len = make_job(buf, &s, &id);

	ck_assert_int_eq(signer_frame_put(wire, buf, len, OCSP_JOB_MAX), 0);
	ck_assert_uint_eq(evbuffer_get_length(wire), SIGNER_FRAME_HDR + len);
	ck_assert_int_eq(signer_frame_put(wire, NULL, 0, OCSP_JOB_MAX), 0);
	ck_assert_int_eq(signer_frame_take(wire, OCSP_JOB_MAX, got), 1);
	ck_assert_uint_eq(evbuffer_get_length(got), len);
	ck_assert_int_eq(ocsp_job_decode(evbuffer_pullup(got, -1), len, &out), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_int_eq(OCSP_id_cmp(out.s[0].id, id), 0);
	ck_assert_uint_eq(out.nonce_len, 11);
	ck_assert_mem_eq(out.nonce, "check-nonce", 11);
	ocsp_job_clear(&out);
	/* the empty frame after it: whole, zero bytes */
	evbuffer_drain(got, len);
	ck_assert_int_eq(signer_frame_take(wire, OCSP_JOB_MAX, got), 1);
	ck_assert_uint_eq(evbuffer_get_length(got), 0);
	ck_assert_int_eq(signer_frame_take(wire, OCSP_JOB_MAX, got), 0);
	/* a job cut short inside its frame does not decode */
	ck_assert_int_eq(ocsp_job_decode(buf, len - 1, &out), -1);
	OCSP_CERTID_free(id);
	evbuffer_free(wire);
	evbuffer_free(got);
	free(buf);
}
END_TEST

START_TEST(test_frame_truncated_waits)
{
	struct evbuffer	*wire = evbuffer_new(), *got = evbuffer_new();
	unsigned char	 data[100];
	uint32_t	 len = sizeof(data);

	memset(data, 'x', sizeof(data));
	/* the length alone, in two pieces */
	evbuffer_add(wire, &len, 2);
	ck_assert_int_eq(signer_frame_take(wire, 1000, got), 0);
	evbuffer_add(wire, (unsigned char *)&len + 2, 2);
	ck_assert_int_eq(signer_frame_take(wire, 1000, got), 0);
	/* half the payload: still nothing taken */
	evbuffer_add(wire, data, 50);
	ck_assert_int_eq(signer_frame_take(wire, 1000, got), 0);
	ck_assert_uint_eq(evbuffer_get_length(wire), 4 + 50);
	ck_assert_uint_eq(evbuffer_get_length(got), 0);
	evbuffer_add(wire, data + 50, 50);
	ck_assert_int_eq(signer_frame_take(wire, 1000, got), 1);
	ck_assert_uint_eq(evbuffer_get_length(got), 100);
	ck_assert_uint_eq(evbuffer_get_length(wire), 0);
	evbuffer_free(wire);
	evbuffer_free(got);
}
END_TEST

START_TEST(test_frame_oversized_refused)
{
	struct evbuffer	*wire = evbuffer_new(), *got = evbuffer_new();
	unsigned char	 data[101];
	uint32_t	 len = 101;

	memset(data, 'x', sizeof(data));
	ck_assert_int_eq(signer_frame_put(wire, data, 101, 100), -1);
	ck_assert_uint_eq(evbuffer_get_length(wire), 0);
	ck_assert_int_eq(signer_frame_put(wire, data, 100, 100), 0);
	ck_assert_int_eq(signer_frame_take(wire, 99, got), -1);
	ck_assert_uint_eq(evbuffer_get_length(wire), 104);	/* untouched */
	ck_assert_int_eq(signer_frame_take(wire, 100, got), 1);
	/* refused on the length alone, before its bytes arrive */
	evbuffer_add(wire, &len, sizeof(len));
	ck_assert_int_eq(signer_frame_take(wire, 100, got), -1);
	len = UINT32_MAX;
	evbuffer_drain(wire, 4);
	evbuffer_add(wire, &len, sizeof(len));
	ck_assert_int_eq(signer_frame_take(wire, SIGNER_REPLY_MAX, got), -1);
	evbuffer_free(wire);
	evbuffer_free(got);
}
END_TEST

/* The worker's side, on a blocking socket. */
START_TEST(test_frame_fd)
{
	unsigned char	 buf[200], data[100];
	uint32_t	 len;
	int		 sv[2];

	memset(data, 'y', sizeof(data));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(signer_frame_write(sv[0], data, 100), 0);
	ck_assert_int_eq(signer_frame_read(sv[1], buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, 100);
	ck_assert_mem_eq(buf, data, 100);
	/* over the reader's bound */
	ck_assert_int_eq(signer_frame_write(sv[0], data, 100), 0);
	ck_assert_int_eq(signer_frame_read(sv[1], buf, 99, &len), -1);
	close(sv[0]);
	close(sv[1]);

	/* cut inside the payload, then end of file */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	len = 100;
	ck_assert_int_eq(write(sv[0], &len, 4), 4);
	ck_assert_int_eq(write(sv[0], data, 50), 50);
	close(sv[0]);
	ck_assert_int_eq(signer_frame_read(sv[1], buf, sizeof(buf), &len), -1);
	close(sv[1]);

	/* cut inside the length */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[0], &len, 2), 2);
	close(sv[0]);
	ck_assert_int_eq(signer_frame_read(sv[1], buf, sizeof(buf), &len), -1);
	close(sv[1]);
}
END_TEST

/* --- the pool, with real workers ---------------------------------------- */

static void
job_done(void *arg, int status, const unsigned char *der, size_t len)
{
	struct result	*r = arg;

	r->calls++;
	r->status = status;
	r->len = len;
	if (der != NULL) {
		r->der = malloc(len);
		memcpy(r->der, der, len);
	}
}

/* Run the loop until r has its answer or ms have passed. */
static void
pump(struct result *r, int ms)
{
	int64_t	 end = clock_mono_ms() + ms;

	while ((r == NULL || r->calls == 0) && clock_mono_ms() < end)
		event_base_loop(base, EVLOOP_ONCE);
}

/* Our children (the workers), in pid order; their number. */
static int
workers(pid_t *pids, int max)
{
	char	 path[64];
	FILE	*f;
	int	 n = 0;
	long	 pid;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/children",
	    (long)syscall(SYS_gettid));
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (n < max && fscanf(f, "%ld", &pid) == 1)
		pids[n++] = (pid_t)pid;
	fclose(f);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && pids[j] < pids[j - 1]; j--) {
			pid_t	 t = pids[j];

			pids[j] = pids[j - 1];
			pids[j - 1] = t;
		}
	return n;
}

static void
assert_signed(const struct result *r)
{
	const unsigned char	*p = r->der;
	OCSP_RESPONSE		*resp;
	OCSP_BASICRESP		*bs;
	STACK_OF(X509)		*certs = sk_X509_new_null();

	ck_assert_int_eq(r->calls, 1);
	ck_assert_int_eq(r->status, SIGNER_OK);
	ck_assert_ptr_nonnull(resp = d2i_OCSP_RESPONSE(NULL, &p, (long)r->len));
	ck_assert_int_eq(OCSP_response_status(resp),
	    OCSP_RESPONSE_STATUS_SUCCESSFUL);
	ck_assert_ptr_nonnull(bs = OCSP_response_get1_basic(resp));
	sk_X509_push(certs, signer);
	/* the signature is the worker's key's: checked against its cert */
	ck_assert_int_eq(OCSP_basic_verify(bs, certs, NULL, OCSP_NOVERIFY |
	    OCSP_TRUSTOTHER), 1);
	sk_X509_free(certs);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
}

static void
cmdline_is_worker(pid_t pid)
{
	char	 path[64], buf[256];
	FILE	*f;
	size_t	 n;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "certstatusd");
	ck_assert_uint_gt(n, strlen(buf) + 1);
	ck_assert_str_eq(buf + strlen(buf) + 1, "--signer-worker");
}

START_TEST(test_pool_signs)
{
	unsigned char		*buf = malloc(OCSP_JOB_MAX);
	struct ocsp_single	 s;
	OCSP_CERTID		*id;
	size_t			 len = make_job(buf, &s, &id);
	struct signer_pool	*p;
	struct result		 r = { 0 };
	char			 err[512];
	pid_t			 pids[4];

	p = signer_pool_start(base, &conf, &set, 1, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(signer_alive(p), 1);
	ck_assert_int_eq(workers(pids, 4), 1);
	cmdline_is_worker(pids[0]);
	ck_assert_int_eq(signer_submit(p, buf, len, job_done, &r), 0);
	pump(&r, PUMP_MS);
	assert_signed(&r);
	ck_assert_uint_eq(signer_pending(p), 0);
	signer_pool_free(p);
	free(r.der);
	OCSP_CERTID_free(id);
	free(buf);
}
END_TEST

/* A key that does not match its certificate refuses the start, saying so. */
START_TEST(test_pool_wrong_key)
{
	struct signer_pool	*p;
	EVP_PKEY		*other = EVP_EC_gen("P-256");
	X509			*mismatched = make_cert(ca, ca_key, other, "x");
	char			 err[512] = "";

	set.v[0].signer = mismatched;
	p = signer_pool_start(base, &conf, &set, 1, err, sizeof(err));
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err, "does not match its certificate") != NULL,
	    "%s", err);
	set.v[0].signer = signer;
	X509_free(mismatched);
	EVP_PKEY_free(other);
}
END_TEST

/*
 * One worker, holding a job, dies: no other worker to give it to, so it
 * ends SIGNER_UNAVAILABLE (tryLater), once; a replacement starts and signs
 * the next job.
 */
START_TEST(test_death_one_worker)
{
	unsigned char		*buf = malloc(OCSP_JOB_MAX);
	struct ocsp_single	 s;
	OCSP_CERTID		*id;
	size_t			 len = make_job(buf, &s, &id);
	struct signer_pool	*p;
	struct result		 r = { 0 }, r2 = { 0 };
	char			 err[512];
	pid_t			 pids[4], victim;
	int64_t			 end;

	p = signer_pool_start(base, &conf, &set, 1, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(workers(pids, 4), 1);
	victim = pids[0];
	/* stopped, it holds the job without answering; then it dies */
	ck_assert_int_eq(kill(victim, SIGSTOP), 0);
	ck_assert_int_eq(signer_submit(p, buf, len, job_done, &r), 0);
	pump(NULL, 200);
	ck_assert_int_eq(r.calls, 0);
	ck_assert_uint_eq(signer_pending(p), 1);
	ck_assert_int_eq(kill(victim, SIGKILL), 0);
	pump(&r, PUMP_MS);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.status, SIGNER_UNAVAILABLE);
	ck_assert_uint_eq(signer_pending(p), 0);
	/* replaced: a new exec'd worker, which signs */
	end = clock_mono_ms() + PUMP_MS;
	while (signer_alive(p) < 1 && clock_mono_ms() < end)
		pump(NULL, 100);
	ck_assert_int_eq(signer_alive(p), 1);
	ck_assert_int_ge(workers(pids, 4), 1);
	for (int i = 0; i < workers(pids, 4); i++)
		if (pids[i] != victim)
			cmdline_is_worker(pids[i]);
	ck_assert_int_eq(signer_submit(p, buf, len, job_done, &r2), 0);
	pump(&r2, PUMP_MS);
	assert_signed(&r2);
	ck_assert_int_eq(r.calls, 1);		/* never a second answer */
	signer_pool_free(p);
	free(r2.der);
	OCSP_CERTID_free(id);
	free(buf);
}
END_TEST

/*
 * Two workers, both stopped; the job goes to the first (the least busy,
 * first in the pool); the first dies: its job is requeued to the second
 * and signed when that one runs again.
 */
START_TEST(test_death_requeued)
{
	unsigned char		*buf = malloc(OCSP_JOB_MAX);
	struct ocsp_single	 s;
	OCSP_CERTID		*id;
	size_t			 len = make_job(buf, &s, &id);
	struct signer_pool	*p;
	struct result		 r = { 0 };
	char			 err[512];
	pid_t			 pids[4];

	p = signer_pool_start(base, &conf, &set, 2, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(workers(pids, 4), 2);	/* pids[0] started first */
	ck_assert_int_eq(kill(pids[0], SIGSTOP), 0);
	ck_assert_int_eq(kill(pids[1], SIGSTOP), 0);
	ck_assert_int_eq(signer_submit(p, buf, len, job_done, &r), 0);
	ck_assert_int_eq(kill(pids[0], SIGKILL), 0);
	pump(NULL, 300);
	ck_assert_int_eq(r.calls, 0);		/* not lost: waiting again */
	ck_assert_uint_eq(signer_pending(p), 1);
	ck_assert_int_eq(kill(pids[1], SIGCONT), 0);
	pump(&r, PUMP_MS);
	assert_signed(&r);
	signer_pool_free(p);
	free(r.der);
	OCSP_CERTID_free(id);
	free(buf);
}
END_TEST

static Suite *
signer_suite(void)
{
	Suite	*s = suite_create("signer");
	TCase	*tc = tcase_create("frames");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_frame_job_roundtrip);
	tcase_add_test(tc, test_frame_truncated_waits);
	tcase_add_test(tc, test_frame_oversized_refused);
	tcase_add_test(tc, test_frame_fd);
	suite_add_tcase(s, tc);
	tc = tcase_create("pool");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pool_signs);
	tcase_add_test(tc, test_pool_wrong_key);
	tcase_add_test(tc, test_death_one_worker);
	tcase_add_test(tc, test_death_requeued);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(signer_suite(), CK_FORK);
}
