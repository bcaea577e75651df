/* SPDX-License-Identifier: ISC */
/*
 * bench_ocsp_parse.c: time ocsp_request_parse() and ocsp_get_decode() on
 * typical requests, next to a bare d2i_OCSP_REQUEST() for scale.
 *
 *   bench_ocsp_parse FILE.der ...   (requests from `openssl ocsp -reqout`)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>

#include "ocsp.h"

#define ROUNDS	200000

static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE		*f;
	unsigned char	*buf;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	buf = malloc(65536);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

int
main(int argc, char *argv[])
{
	struct ocsp_request	 r;
	OCSP_REQUEST		*req;
	const unsigned char	*p;
	unsigned char		*der, *out;
	char			*b64;
	const char		*why;
	double			 t0, t_d2i, t_parse, t_get;
	size_t			 len, olen;
	int			 a, i;

	for (a = 1; a < argc; a++) {
		if ((der = slurp(argv[a], &len)) == NULL)
			continue;
		b64 = malloc(len * 2 + 4);
		EVP_EncodeBlock((unsigned char *)b64, der, len);
		if (ocsp_request_parse(der, len, 100, &r, &why) == -1) {
			printf("%s: rejected: %s\n", argv[a], why);
			continue;
		}
		ocsp_request_clear(&r);

		t0 = now_us();
		for (i = 0; i < ROUNDS; i++) {
			p = der;
			req = d2i_OCSP_REQUEST(NULL, &p, len);
			OCSP_REQUEST_free(req);
		}
		t_d2i = (now_us() - t0) / ROUNDS;
		t0 = now_us();
		for (i = 0; i < ROUNDS; i++) {
			ocsp_request_parse(der, len, 100, &r, &why);
			ocsp_request_clear(&r);
		}
		t_parse = (now_us() - t0) / ROUNDS;
		t0 = now_us();
		for (i = 0; i < ROUNDS; i++) {
			ocsp_get_decode(b64, 65536, &out, &olen);
			free(out);
		}
		t_get = (now_us() - t0) / ROUNDS;
		printf("%-28s %5zu B  d2i+free %.2f us  parse+clear %.2f us  "
		    "get_decode %.2f us\n", argv[a], len, t_d2i, t_parse, t_get);
		free(b64);
		free(der);
	}
	return 0;
}
