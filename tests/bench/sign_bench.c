/* SPDX-License-Identifier: ISC */
/*
 * sign_bench.c: what one signed OCSP answer costs a signer worker, beside
 * the bare signature it contains.  On one core, for the key given: a bare
 * EVP_DigestSign() of 200 bytes (as `openssl speed` counts a signature,
 * with its EVP_DigestSignInit()), and one SingleResponse built, encoded
 * and signed by ocsp_response_sign() (the key set up per call) and by
 * ocsp_response_sign_prepared() (set up once), without and with a nonce.
 * Each rate is printed with its share of EVP_PKEY_sign() on a digest with a
 * context made once, which is what `openssl speed` counts.
 *
 *   sign_bench KEY.pem SIGNER.pem [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "ocsp.h"

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One operation of variant k: 0 on success. */
static int
one_op(int k, EVP_PKEY *key, EVP_PKEY_CTX *pctx, const EVP_MD_CTX *prep,
    X509 *signer,
    const struct ocsp_single *one, const unsigned char *nonce,
    const unsigned char *tbs, size_t tbslen)
{
	unsigned char	*der, sig[1024];
	size_t		 len = sizeof(sig);
	EVP_MD_CTX	*ctx;
	int		 ok;

	switch (k) {
	case 4:		/* the digest signed with a context made once */
		return EVP_PKEY_sign(pctx, sig, &len, tbs, 32) == 1 ? 0 : -1;
	case 0:
		ctx = EVP_MD_CTX_new();
		ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) &&
		    EVP_DigestSign(ctx, sig, &len, tbs, tbslen);
		EVP_MD_CTX_free(ctx);
		return ok ? 0 : -1;
	case 1:
		der = ocsp_response_sign(key, signer, one, 1, NULL, 0, 0,
		    one->this_update, &len);
		break;
	default:
		der = ocsp_response_sign_prepared(prep, signer, one, 1, nonce,
		    k == 3 ? 32 : 0, 0, one->this_update, &len);
		break;
	}
	OPENSSL_free(der);
	return der != NULL ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	EVP_PKEY		*key;
	X509			*signer;
	FILE			*f;
	OCSP_CERTID		*id;
	ASN1_INTEGER		*serial;
	struct ocsp_single	 one;
	unsigned char		 nonce[32], tbs[200];
	double			 secs = argc > 3 ? atof(argv[3]) : 2.0, t0;
	double			 rate[5], spent[5];
	long			 n, count[5];
	EVP_MD_CTX		*prep;
	EVP_PKEY_CTX		*pctx;

	if (argc < 3) {
		fprintf(stderr, "usage: sign_bench KEY.pem SIGNER.pem [SECONDS]\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL ||
	    (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
		return fprintf(stderr, "%s: no key\n", argv[1]), 1;
	fclose(f);
	if ((f = fopen(argv[2], "r")) == NULL ||
	    (signer = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		return fprintf(stderr, "%s: no certificate\n", argv[2]), 1;
	fclose(f);
	serial = ASN1_INTEGER_new();
	ASN1_INTEGER_set(serial, 123456789);
	id = OCSP_cert_id_new(EVP_sha1(), X509_get_issuer_name(signer),
	    X509_get0_pubkey_bitstr(signer), serial);
	memset(&one, 0, sizeof(one));
	one.id = id;
	one.status = OCSP_ST_GOOD;
	one.reason = -1;
	one.this_update = time(NULL);
	one.next_update = one.this_update + 86400;
	memset(nonce, 7, sizeof(nonce));
	memset(tbs, 3, sizeof(tbs));

	/*
	 * Interleaved slices of 50 ms, so that a busy machine slows every
	 * variant alike: 0 EVP_DigestSign() with its init, 1
	 * ocsp_response_sign() (the key set up at each call), 2 and 3
	 * ocsp_response_sign_prepared() without and with a nonce, 4
	 * EVP_PKEY_sign() of a digest (openssl speed).
	 */
	if ((pctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(pctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) != 1)
		return fprintf(stderr, "EVP_PKEY_sign_init failed\n"), 1;
	if ((prep = ocsp_sign_prepare(key)) == NULL)
		return fprintf(stderr, "ocsp_sign_prepare failed\n"), 1;
	memset(count, 0, sizeof(count));
	memset(spent, 0, sizeof(spent));
	for (t0 = now_s(); now_s() - t0 < secs * 4; ) {
		for (int k = 0; k < 5; k++) {
			double	 s0 = now_s(), s1;

			for (n = 0; (s1 = now_s()) - s0 < 0.05; n++)
				if (one_op(k, key, pctx, prep, signer, &one, nonce,
				    tbs, sizeof(tbs)) != 0)
					return fprintf(stderr, "variant %d "
					    "failed\n", k), 1;
			count[k] += n;
			spent[k] += s1 - s0;
		}
	}
	for (int k = 0; k < 5; k++)
		rate[k] = count[k] / spent[k];
	/* shares of the bare signature as openssl speed counts it */
	printf("EVP_PKEY_sign of a SHA-256 digest, context reused (openssl speed)\t%.0f/s\t1.00\n",
	    rate[4]);
	printf("EVP_DigestSign of 200 bytes, init per call\t%.0f/s\t%.2f\n",
	    rate[0], rate[0] / rate[4]);
	printf("ocsp_response_sign, no nonce (init per call)\t%.0f/s\t%.2f\n",
	    rate[1], rate[1] / rate[4]);
	printf("ocsp_response_sign_prepared, no nonce\t%.0f/s\t%.2f\n",
	    rate[2], rate[2] / rate[4]);
	printf("ocsp_response_sign_prepared, nonce\t%.0f/s\t%.2f\n",
	    rate[3], rate[3] / rate[4]);
	EVP_MD_CTX_free(prep);
	EVP_PKEY_CTX_free(pctx);
	OCSP_CERTID_free(id);
	ASN1_INTEGER_free(serial);
	X509_free(signer);
	EVP_PKEY_free(key);
	return 0;
}
