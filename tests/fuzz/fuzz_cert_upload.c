/* SPDX-License-Identifier: ISC */
/*
 * fuzz_cert_upload.c: libFuzzer target for what the online counter does
 * with a resident's uploaded certificate (PEM or DER, as the client
 * software reads it from the card): pki_cert_from_pem / pki_cert_from_der,
 * then the checks the counter makes on what parsed: issued by our CA
 * (pki_cert_issued_by), its serial (serial_from_asn1), validity dates, the
 * four basic details (pki_cert_details), and the CertID it would look up.
 * server/counter.c was not written when this target was; it fuzzes the
 * parsers the counter is specified to use.
 */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "log.h"
#include "pki.h"
#include "serial.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509	*ca;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	EVP_PKEY	*key;

	(void)argc;
	(void)argv;
	log_init("fuzz", LOG_LVL_ERR);
	if ((key = pki_key_generate(PKI_P256)) == NULL ||
	    (ca = pki_ca_create(key, "Tokyo", "Inagi", "Fuzz CA",
	    time(NULL) - 3600, time(NULL) + 86400)) == NULL)
		errx(1, "cannot make a test CA");
	EVP_PKEY_free(key);
	return 0;
}

static void
examine(X509 *x)
{
	struct pki_details	 d;
	struct serial		 sn;
	struct tm		 tm;
	OCSP_CERTID		*id;

	(void)pki_cert_issued_by(x, ca);
	(void)serial_from_asn1(X509_get0_serialNumber(x), &sn);
	if (X509_get0_notAfter(x) != NULL)
		(void)ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm);
	if (X509_get0_notBefore(x) != NULL)
		(void)ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm);
	memset(&d, 0, sizeof(d));
	if (pki_cert_details(x, &d) == 0)
		pki_details_free(&d);
	else if (d.name != NULL || d.address != NULL || d.birth_date != NULL)
		abort();	/* documented: nothing left allocated on -1 */
	if ((id = OCSP_cert_to_id(EVP_sha1(), x, ca)) != NULL)
		OCSP_CERTID_free(id);
	ERR_clear_error();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509	*x;

	if ((x = pki_cert_from_pem((const char *)data, size)) != NULL) {
		examine(x);
		X509_free(x);
	}
	if (ERR_peek_error() != 0)
		abort();	/* the parsers fail quietly */
	if ((x = pki_cert_from_der(data, size)) != NULL) {
		examine(x);
		X509_free(x);
	}
	if (ERR_peek_error() != 0)
		abort();
	return 0;
}
