/* SPDX-License-Identifier: ISC */
/*
 * crlgen_bench.c: time and peak memory of crlgen for N revoked entries, and
 * the same entries as an `openssl ca` database for crl_vs_openssl.sh.
 *
 *   crlgen_bench [N [DIR]]
 *
 * N revoked entries (default 100000) out of 10 * N certificates.  In DIR
 * (default: a new /tmp/crlgen_bench.XXXXXX) it writes ca.pem, ca.key,
 * crlgen.crl (DER), index.txt (10 * N lines, N of them 'R'), index.txt.attr,
 * crlnumber and openssl.cnf, then prints
 *   crlgen entries=N seconds=S maxrss_kb=K dir=DIR
 * Timing covers building and signing the CRL only; the RSS is the process's
 * peak, key generation and OpenSSL start-up included (as for `openssl ca`).
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crlgen.h"
#include "pki.h"
#include "serial.h"

#define CERTS_PER_REVOKED	10
#define BENCH_DEFAULT_N		100000

/* Reasons the openssl index can say without extra entry extensions. */
static const int	 mix[] = { CRL_REASON_NONE, CRL_REASON_KEY_COMPROMISE,
    CRL_REASON_AFFILIATION_CHANGED, CRL_REASON_SUPERSEDED,
    CRL_REASON_CESSATION_OF_OPERATION, CRL_REASON_AFFILIATION_CHANGED };
static const char	*mix_name[] = { NULL, "keyCompromise", "affiliationChanged",
    "superseded", "cessationOfOperation", "affiliationChanged" };
#define MIX_N	(sizeof(mix) / sizeof(mix[0]))

/* splitmix64: a bijection, so distinct i give distinct serials. */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* Certificate i's serial: 16 random-looking octets, first in 0x40..0x7F. */
static void
cert_serial(uint64_t i, struct serial *s)
{
	uint64_t	 hi = mix64(i ^ 0x5DEECE66DULL), lo = mix64(i);

	s->len = 16;
	for (int k = 0; k < 8; k++) {
		s->b[k] = (unsigned char)(hi >> (56 - 8 * k));
		s->b[8 + k] = (unsigned char)(lo >> (56 - 8 * k));
	}
	s->b[0] = (s->b[0] & 0x3f) | 0x40;
}

static time_t
cert_revoked_at(uint64_t i, time_t now)
{
	return now - 86400 - (time_t)(mix64(i ^ 0xC0FFEE) % (3 * 365 * 86400ULL));
}

static FILE *
open_in(const char *dir, const char *file, const char *mode)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, mode)) == NULL)
		err(1, "%s", path);
	return f;
}

static void
close_file(FILE *f, const char *file)
{
	if (ferror(f) || fclose(f) != 0)
		errx(1, "%s: write error", file);
}

static void
fmt_yymmdd(time_t t, char *out, size_t outsz)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	/* The openssl ca database's UTCTime form: two-digit year. */
	snprintf(out, outsz, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The openssl ca side: database, attributes, CRL number and configuration. */
static void
write_openssl_ca(const char *dir, size_t n, time_t now)
{
	struct serial	 s;
	char		 hex[SERIAL_HEX_MAX], exp[32], rev[32];
	FILE		*f;
	uint64_t	 i, total = (uint64_t)n * CERTS_PER_REVOKED;

	f = open_in(dir, "index.txt", "w");
	fmt_yymmdd(now + 2 * 365 * 86400, exp, sizeof(exp));
	for (i = 0; i < total; i++) {
		cert_serial(i, &s);
		serial_to_hex(&s, hex);
		if (i % CERTS_PER_REVOKED != 0) {
			fprintf(f, "V\t%s\t\t%s\tunknown\t/CN=x\n", exp, hex);
			continue;
		}
		fmt_yymmdd(cert_revoked_at(i, now), rev, sizeof(rev));
		if (mix_name[i / CERTS_PER_REVOKED % MIX_N] == NULL)
			fprintf(f, "R\t%s\t%s\t%s\tunknown\t/CN=x\n", exp, rev, hex);
		else
			fprintf(f, "R\t%s\t%s,%s\t%s\tunknown\t/CN=x\n", exp, rev,
			    mix_name[i / CERTS_PER_REVOKED % MIX_N], hex);
	}
	close_file(f, "index.txt");
	f = open_in(dir, "index.txt.attr", "w");
	fprintf(f, "unique_subject = no\n");
	close_file(f, "index.txt.attr");
	f = open_in(dir, "crlnumber", "w");
	fprintf(f, "2A\n");
	close_file(f, "crlnumber");
	f = open_in(dir, "openssl.cnf", "w");
	fprintf(f,
	    "[ca]\n"
	    "default_ca = bench\n"
	    "[bench]\n"
	    "dir = %s\n"
	    "database = $dir/index.txt\n"
	    "crlnumber = $dir/crlnumber\n"
	    "unique_subject = no\n"
	    "default_md = sha256\n"
	    "default_crl_days = 7\n"
	    "crl_extensions = crl_ext\n"
	    "[crl_ext]\n"
	    "authorityKeyIdentifier = keyid:always\n", dir);
	close_file(f, "openssl.cnf");
}

int
main(int argc, char *argv[])
{
	struct crlgen_params	 p;
	struct crlgen		*g;
	struct serial		 s;
	struct rusage		 ru;
	struct timespec		 t0, t1;
	EVP_PKEY		*key;
	X509			*ca;
	FILE			*f;
	unsigned char		*der;
	char			 dirbuf[] = "/tmp/crlgen_bench.XXXXXX";
	const char		*dir;
	size_t			 n = BENCH_DEFAULT_N, len, i;
	time_t			 now = time(NULL);
	double			 sec;

	if (argc > 1 && (n = strtoul(argv[1], NULL, 10)) == 0)
		errx(2, "usage: crlgen_bench [N [DIR]]");
	if (argc > 2)
		dir = argv[2];
	else if ((dir = mkdtemp(dirbuf)) == NULL)
		err(1, "mkdtemp");

	if ((key = pki_key_generate(PKI_RSA2048)) == NULL ||
	    (ca = pki_ca_create(key, "Tokyo", "Inagi", "crlgen bench CA",
	    now - 86400, now + 3650 * 86400L)) == NULL)
		errx(1, "CA generation failed");
	f = open_in(dir, "ca.pem", "w");
	PEM_write_X509(f, ca);
	close_file(f, "ca.pem");
	f = open_in(dir, "ca.key", "w");
	PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	close_file(f, "ca.key");

	memset(&p, 0, sizeof(p));
	p.issuer = ca;
	p.key = key;
	p.number = 42;
	p.delta_base = -1;
	p.this_update = now;
	p.next_update = now + 7 * 86400;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((g = crlgen_new(&p)) == NULL)
		errx(1, "crlgen_new failed");
	/* Revoked certificates are every CERTS_PER_REVOKED-th, as in index.txt. */
	for (i = 0; i < n; i++) {
		uint64_t c = (uint64_t)i * CERTS_PER_REVOKED;

		cert_serial(c, &s);
		if (crlgen_add(g, &s, cert_revoked_at(c, now), mix[i % MIX_N]) == -1)
			errx(1, "crlgen_add failed");
	}
	if ((der = crlgen_finish(g, &len)) == NULL)
		errx(1, "crlgen_finish failed");
	crlgen_free(g);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &ru);
	sec = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	f = open_in(dir, "crlgen.crl", "wb");
	fwrite(der, 1, len, f);
	close_file(f, "crlgen.crl");
	free(der);
	printf("crlgen entries=%zu seconds=%.3f maxrss_kb=%ld bytes=%zu dir=%s\n",
	    n, sec, ru.ru_maxrss, len, dir);
	fflush(stdout);

	write_openssl_ca(dir, n, now);
	X509_free(ca);
	EVP_PKEY_free(key);
	return 0;
}
