/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ocsp_request.c: libFuzzer target for the two parsers of network
 * input in ocsp.c: the request DER and the GET path.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Icommon -Iserver \
 *       tests/fuzz/fuzz_ocsp_request.c server/ocsp.c common/serial.c \
 *       common/log.c $(pkg-config --cflags --libs openssl)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "ocsp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ocsp_request	 r;
	const char		*why;
	unsigned char		*der;
	char			*path;
	size_t			 der_len;

	if (ocsp_request_parse(data, size, 100, &r, &why) == 0) {
		if (r.n == 0 || r.n > 100 || r.nonce_len > OCSP_NONCE_MAX)
			abort();
	}
	ocsp_request_clear(&r);

	if ((path = malloc(size + 1)) == NULL)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	if (ocsp_get_decode(path, 4096, &der, &der_len) == 0) {
		if (der_len == 0 || der_len > 4096)
			abort();
		/* A decoded GET goes on to the same request parser. */
		if (ocsp_request_parse(der, der_len, 100, &r, &why) == 0)
			ocsp_request_clear(&r);
		free(der);
	}
	free(path);
	if (ERR_peek_error() != 0)
		abort();	/* a failure left the error queue dirty */
	return 0;
}
