/* SPDX-License-Identifier: ISC */
/*
 * pki.c: keys, certificates and CSRs (see pki.h).
 *
 * Extensions are built as OpenSSL structures and encoded with
 * X509_add1_ext_i2d() rather than through X509V3_EXT_conf strings: the
 * config syntax splits on ',' and ';', which a resident's address or a URL
 * may contain.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "log.h"
#include "p11.h"
#include "pki.h"

#define PKI_DETAIL_MAX	1024	/* bytes in one basic-details value */
#define PKI_URL_MAX	2048	/* bytes */
#define PKI_OID_TXT_MAX	80	/* bytes of dotted OID text compared */

static void	errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Read a whole regular file into a malloc'd buffer.  A secret file must not
 * be accessible by group or others, and the caller wipes what it gets.
 */
static int
file_read_fd(int fd, const char *path, int secret, unsigned char **out,
    size_t *outlen, char *err, size_t errlen)
{
	struct stat	 st;
	unsigned char	*buf = NULL;
	size_t		 cap = 0, len = 0;
	ssize_t		 n;
	int		 rc = -1;

	if (fstat(fd, &st) == -1) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		errf(err, errlen, "%s: not a regular file", path);
		goto done;
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		errf(err, errlen, "key file %s is %s by others (mode %04o); "
		    "chmod 600 it", path,
		    (st.st_mode & (S_IRGRP | S_IROTH)) ? "readable" : "accessible",
		    (unsigned int)(st.st_mode & 07777));
		goto done;
	}
	if (st.st_size == 0) {
		errf(err, errlen, "%s: empty file", path);
		goto done;
	}
	if (st.st_size > PKI_FILE_MAX) {
		errf(err, errlen, "%s: larger than %d bytes", path, PKI_FILE_MAX);
		goto done;
	}
	cap = (size_t)st.st_size + 1;	/* one spare byte detects growth */
	if ((buf = malloc(cap)) == NULL) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	while (len < cap) {
		/* pread: processes sharing this open file share no offset */
		if ((n = pread(fd, buf + len, cap - len, (off_t)len)) == -1) {
			if (errno == EINTR)
				continue;
			errf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == cap || len == 0) {
		errf(err, errlen, "%s: file changed while being read", path);
		goto done;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
 done:
	if (buf != NULL) {
		if (secret)
			OPENSSL_cleanse(buf, len);
		free(buf);
	}
	return rc;
}

static int
file_read(const char *path, int secret, unsigned char **out, size_t *outlen,
    char *err, size_t errlen)
{
	int	 fd, rc;

	/* O_NONBLOCK: a FIFO must not hang us before the S_ISREG check. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = file_read_fd(fd, path, secret, out, outlen, err, errlen);
	close(fd);
	return rc;
}

/* Never prompt on a terminal for an encrypted key: refuse it. */
static int
pem_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* What pem_der_parse() reads. */
enum pki_obj {
	OBJ_CERT,	/* X509 */
	OBJ_CSR,	/* X509_REQ */
	OBJ_PUBKEY,	/* EVP_PKEY from a SubjectPublicKeyInfo */
	OBJ_PRIVKEY,	/* EVP_PKEY; an encrypted PEM key is refused */
};
#define FORM_PEM	0x01	/* the first PEM block of the kind */
#define FORM_DER	0x02	/* exactly buf[0..len): trailing bytes refused */

static void
obj_free(enum pki_obj kind, void *obj)
{
	switch (kind) {
	case OBJ_CERT:
		X509_free(obj);
		break;
	case OBJ_CSR:
		X509_REQ_free(obj);
		break;
	case OBJ_PUBKEY:
	case OBJ_PRIVKEY:
		EVP_PKEY_free(obj);
		break;
	}
}

/*
 * One object of the given kind from buf[0..len), in the forms allowed: PEM
 * first, then DER.  NULL if neither parses; OpenSSL's error queue is left
 * empty either way.
 */
static void *
pem_der_parse(enum pki_obj kind, int forms, const unsigned char *buf,
    size_t len)
{
	const unsigned char	*p = buf;
	BIO			*bio;
	void			*obj = NULL;

	if (buf == NULL || len == 0 || len > LONG_MAX)
		return NULL;
	/* A read-only memory BIO points at buf; nothing is copied. */
	if ((forms & FORM_PEM) && len <= INT_MAX &&
	    (bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		switch (kind) {
		case OBJ_CERT:
			obj = PEM_read_bio_X509(bio, NULL, NULL, NULL);
			break;
		case OBJ_CSR:
			obj = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
			break;
		case OBJ_PUBKEY:
			obj = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
			break;
		case OBJ_PRIVKEY:
			obj = PEM_read_bio_PrivateKey(bio, NULL,
			    pem_no_passphrase, NULL);
			break;
		}
		BIO_free(bio);
	}
	if (obj == NULL && (forms & FORM_DER)) {
		switch (kind) {
		case OBJ_CERT:
			obj = d2i_X509(NULL, &p, (long)len);
			break;
		case OBJ_CSR:
			obj = d2i_X509_REQ(NULL, &p, (long)len);
			break;
		case OBJ_PUBKEY:
			obj = d2i_PUBKEY(NULL, &p, (long)len);
			break;
		case OBJ_PRIVKEY:
			obj = d2i_AutoPrivateKey(NULL, &p, (long)len);
			break;
		}
		if (obj != NULL && p != buf + len) {
			obj_free(kind, obj);
			obj = NULL;
		}
	}
	ERR_clear_error();
	return obj;
}

int
pki_keyalg_parse(const char *s, enum pki_keyalg *out)
{
	if (s == NULL)
		return -1;
	if (strcasecmp(s, "rsa2048") == 0 || strcasecmp(s, "rsa") == 0) {
		*out = PKI_RSA2048;
		return 0;
	}
	if (strcasecmp(s, "p256") == 0 || strcasecmp(s, "ecdsa") == 0 ||
	    strcasecmp(s, "ec") == 0) {
		*out = PKI_P256;
		return 0;
	}
	return -1;
}

EVP_PKEY *
pki_key_generate(enum pki_keyalg alg)
{
	EVP_PKEY	*key = NULL;

	switch (alg) {
	case PKI_RSA2048:
		key = EVP_RSA_gen(PKI_RSA_BITS);
		break;
	case PKI_P256:
		key = EVP_EC_gen(PKI_EC_CURVE);
		break;
	}
	if (key == NULL)
		log_ssl("%s: key generation failed", __func__);
	return key;
}

int
pki_key_write(const char *path, EVP_PKEY *key)
{
	BIO	*bio = NULL;
	int	 fd, rc = -1;

	/* O_EXCL: never replace a key, never follow a planted symlink. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, PKI_KEY_MODE);
	if (fd == -1) {
		log_warn("%s: %s", __func__, path);
		return -1;
	}
	if ((bio = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL ||
	    !PEM_write_bio_PKCS8PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) ||
	    BIO_flush(bio) != 1) {
		log_ssl("%s: %s: cannot write key", __func__, path);
		goto done;
	}
	if (fsync(fd) == -1) {
		log_warn("%s: %s: fsync", __func__, path);
		goto done;
	}
	rc = 0;
 done:
	BIO_free(bio);
	if (close(fd) == -1 && rc == 0) {
		log_warn("%s: %s: close", __func__, path);
		rc = -1;
	}
	if (rc == -1)
		unlink(path);
	return rc;
}

/* The key in buf[0..len), which this wipes and frees; NULL + err. */
static EVP_PKEY *
key_parse(const char *path, unsigned char *buf, size_t len, char *err,
    size_t errlen)
{
	EVP_PKEY	*key;

	key = pem_der_parse(OBJ_PRIVKEY, FORM_PEM | FORM_DER, buf, len);
	if (key == NULL) {
		if (memmem(buf, len, "ENCRYPTED", 9) != NULL)
			errf(err, errlen, "%s: encrypted keys are not supported",
			    path);
		else
			errf(err, errlen, "%s: not a private key", path);
	}
	OPENSSL_cleanse(buf, len);
	free(buf);
	return key;
}

EVP_PKEY *
pki_key_load(const char *path, char *err, size_t errlen)
{
	unsigned char	*buf = NULL;
	size_t		 len = 0;

	if (p11_is_uri(path))
		return p11_key_load(path, err, errlen);
	if (file_read(path, 1, &buf, &len, err, errlen) == -1)
		return NULL;
	return key_parse(path, buf, len, err, errlen);
}

EVP_PKEY *
pki_key_load_fd(int fd, const char *path, char *err, size_t errlen)
{
	unsigned char	*buf = NULL;
	size_t		 len = 0;

	if (file_read_fd(fd, path, 1, &buf, &len, err, errlen) == -1)
		return NULL;
	return key_parse(path, buf, len, err, errlen);
}

X509 *
pki_cert_load(const char *path, char *err, size_t errlen)
{
	unsigned char	*buf = NULL;
	size_t		 len;
	X509		*x;

	if (file_read(path, 0, &buf, &len, err, errlen) == -1)
		return NULL;
	if ((x = pem_der_parse(OBJ_CERT, FORM_PEM | FORM_DER, buf, len)) == NULL)
		errf(err, errlen, "%s: not a certificate", path);
	free(buf);
	return x;
}

X509 *
pki_cert_from_pem(const char *pem, size_t len)
{
	return pem_der_parse(OBJ_CERT, FORM_PEM, (const unsigned char *)pem,
	    len);
}

X509 *
pki_cert_from_der(const unsigned char *der, size_t len)
{
	return pem_der_parse(OBJ_CERT, FORM_DER, der, len);
}

int
pki_time(const ASN1_TIME *t, time_t *out)
{
	struct tm	 tm;

	*out = 0;
	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return -1;
	}
	*out = timegm(&tm);
	return 0;
}

char *
pki_cert_to_pem(X509 *x)
{
	BIO	*bio;
	char	*data, *pem = NULL;
	long	 n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509(bio, x)) {
		log_ssl("%s: PEM encoding failed", __func__);
		goto done;
	}
	if ((n = BIO_get_mem_data(bio, &data)) <= 0)
		goto done;
	if ((pem = malloc((size_t)n + 1)) == NULL) {
		log_warn("%s", __func__);
		goto done;
	}
	memcpy(pem, data, (size_t)n);
	pem[n] = '\0';
 done:
	BIO_free(bio);
	return pem;
}

int
pki_cert_write(const char *path, X509 *x)
{
	BIO	*bio = NULL;
	char	*tmp = NULL;
	int	 fd = -1, rc = -1;

	if (asprintf(&tmp, "%s.XXXXXX", path) == -1) {
		tmp = NULL;
		log_warn("%s", __func__);
		goto done;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		log_warn("%s: %s", __func__, tmp);
		free(tmp);
		tmp = NULL;
		goto done;
	}
	if (fchmod(fd, PKI_CERT_MODE) == -1) {
		log_warn("%s: %s: fchmod", __func__, tmp);
		goto done;
	}
	if ((bio = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL ||
	    !PEM_write_bio_X509(bio, x) || BIO_flush(bio) != 1) {
		log_ssl("%s: %s: cannot write certificate", __func__, tmp);
		goto done;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		log_warn("%s: %s", __func__, tmp);
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_warn("%s: rename %s to %s", __func__, tmp, path);
		goto done;
	}
	rc = 0;
 done:
	BIO_free(bio);
	if (fd != -1)
		close(fd);
	if (rc == -1 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
pki_cert_matches_key(X509 *x, EVP_PKEY *key)
{
	EVP_PKEY	*pub;
	int		 match;

	if (x == NULL || key == NULL || (pub = X509_get0_pubkey(x)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	ERR_set_mark();
	match = EVP_PKEY_eq(pub, key) == 1;
	ERR_pop_to_mark();
	return match;
}

int
pki_serial_random(struct serial *out)
{
	do {
		if (RAND_bytes(out->b, PKI_SERIAL_LEN) != 1) {
			log_ssl("%s: RAND_bytes", __func__);
			return -1;
		}
		out->b[0] &= 0x7f;	/* positive without a leading 00 */
	} while (out->b[0] == 0);
	out->len = PKI_SERIAL_LEN;
	return 0;
}

/* --- certificate building ------------------------------------------------ */

/* Keys this module signs with: SHA-256 is right for both. */
static int
signing_key_ok(EVP_PKEY *key)
{
	int	 id;

	if (key == NULL)
		return 0;
	id = EVP_PKEY_get_base_id(key);
	return id == EVP_PKEY_RSA || id == EVP_PKEY_EC;
}

static int
name_add(X509_NAME *n, int nid, const char *v)
{
	if (v == NULL || *v == '\0') {
		log_warnx("name_add: empty %s", OBJ_nid2sn(nid));
		return -1;
	}
	/* MBSTRING_UTF8 checks the UTF-8 and the X.520 length bounds. */
	if (!X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8,
	    (const unsigned char *)v, -1, -1, 0)) {
		log_ssl("name_add: bad %s \"%s\"", OBJ_nid2sn(nid), v);
		return -1;
	}
	return 0;
}

/* C=JP, L=prefecture, L=city, [O=org,] CN=cn; caller frees. */
static X509_NAME *
name_build(const char *prefecture, const char *city, const char *org,
    const char *cn)
{
	X509_NAME	*n;

	if ((n = X509_NAME_new()) == NULL) {
		log_ssl("%s", __func__);
		return NULL;
	}
	if (name_add(n, NID_countryName, "JP") == -1 ||
	    name_add(n, NID_localityName, prefecture) == -1 ||
	    name_add(n, NID_localityName, city) == -1 ||
	    (org != NULL && name_add(n, NID_organizationName, org) == -1) ||
	    name_add(n, NID_commonName, cn) == -1) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

/*
 * An unsigned v3 certificate with the given names, key, serial (NULL:
 * random) and validity; caller frees.
 */
static X509 *
cert_new(const X509_NAME *subject, const X509_NAME *issuer, EVP_PKEY *pubkey,
    const struct serial *serial, time_t not_before, time_t not_after)
{
	struct serial	 sn;
	ASN1_INTEGER	*ai = NULL;
	X509		*x = NULL;
	int		 ok = 0;

	if (not_after <= not_before) {
		log_warnx("%s: notAfter is not after notBefore", __func__);
		return NULL;
	}
	if (serial == NULL) {
		if (pki_serial_random(&sn) == -1)
			return NULL;
		serial = &sn;
	}
	if (serial->len == 0 || serial->len > SERIAL_MAX ||
	    serial->b[0] == 0) {
		log_warnx("%s: bad serial (length %zu)", __func__, serial->len);
		return NULL;
	}
	if ((x = X509_new()) == NULL ||
	    (ai = serial_to_asn1(serial)) == NULL ||
	    !X509_set_version(x, X509_VERSION_3) ||
	    !X509_set_serialNumber(x, ai) ||
	    !X509_set_subject_name(x, subject) ||
	    !X509_set_issuer_name(x, issuer) ||
	    ASN1_TIME_set(X509_getm_notBefore(x), not_before) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), not_after) == NULL ||
	    !X509_set_pubkey(x, pubkey)) {
		log_ssl("%s", __func__);
		goto done;
	}
	ok = 1;
 done:
	ASN1_INTEGER_free(ai);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* Encode value with the extension's ASN.1 type and append it to x. */
static int
ext_add(X509 *x, int nid, void *value, int critical)
{
	if (value == NULL ||
	    X509_add1_ext_i2d(x, nid, value, critical, X509V3_ADD_DEFAULT) != 1) {
		log_ssl("ext_add: %s", OBJ_nid2sn(nid));
		return -1;
	}
	return 0;
}

static int
ext_basic_constraints(X509 *x, int ca)
{
	BASIC_CONSTRAINTS	*bc;
	int			 rc;

	if ((bc = BASIC_CONSTRAINTS_new()) == NULL)
		return ext_add(x, NID_basic_constraints, NULL, 0);
	bc->ca = ca ? 0xff : 0;
	rc = ext_add(x, NID_basic_constraints, bc, ca);
	BASIC_CONSTRAINTS_free(bc);
	return rc;
}

/* keyUsage, always critical; bits are RFC 5280 bit numbers. */
static int
ext_key_usage(X509 *x, const int *bits, size_t nbits)
{
	ASN1_BIT_STRING	*ku;
	size_t		 i;
	int		 rc = -1;

	if ((ku = ASN1_BIT_STRING_new()) == NULL) {
		log_ssl("%s", __func__);
		goto done;
	}
	for (i = 0; i < nbits; i++)
		if (!ASN1_BIT_STRING_set_bit(ku, bits[i], 1)) {
			log_ssl("%s: bit %d", __func__, bits[i]);
			goto done;
		}
	rc = ext_add(x, NID_key_usage, ku, 1);
 done:
	ASN1_BIT_STRING_free(ku);
	return rc;
}

/*
 * x's key identifier: its subjectKeyIdentifier when present, else the
 * SHA-1 of its subjectPublicKey (RFC 5280 4.2.1.2 method 1).  Caller frees.
 */
static ASN1_OCTET_STRING *
key_id(X509 *x)
{
	ASN1_OCTET_STRING	*id;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen;
	int			 crit = -1;

	if ((id = X509_get_ext_d2i(x, NID_subject_key_identifier, &crit,
	    NULL)) != NULL)
		return id;
	if (crit != -1) {
		log_ssl("%s: malformed or repeated subjectKeyIdentifier",
		    __func__);
		return NULL;
	}
	if (!X509_pubkey_digest(x, EVP_sha1(), md, &mdlen) ||
	    (id = ASN1_OCTET_STRING_new()) == NULL ||
	    !ASN1_OCTET_STRING_set(id, md, (int)mdlen)) {
		log_ssl("%s", __func__);
		ASN1_OCTET_STRING_free(id);
		return NULL;
	}
	return id;
}

static int
ext_ski(X509 *x)
{
	ASN1_OCTET_STRING	*id;
	int			 rc;

	if ((id = key_id(x)) == NULL)
		return -1;
	rc = ext_add(x, NID_subject_key_identifier, id, 0);
	ASN1_OCTET_STRING_free(id);
	return rc;
}

/* authorityKeyIdentifier with the issuer's key identifier only. */
static int
ext_aki(X509 *x, X509 *issuer)
{
	AUTHORITY_KEYID	*akid;
	int		 rc = -1;

	if ((akid = AUTHORITY_KEYID_new()) == NULL) {
		log_ssl("%s", __func__);
		return -1;
	}
	if ((akid->keyid = key_id(issuer)) != NULL)
		rc = ext_add(x, NID_authority_key_identifier, akid, 0);
	AUTHORITY_KEYID_free(akid);
	return rc;
}

static int
ext_ocsp_signing(X509 *x)
{
	EXTENDED_KEY_USAGE	*eku;
	ASN1_NULL		*nocheck = NULL;
	int			 rc = -1;

	if ((eku = sk_ASN1_OBJECT_new_null()) == NULL ||
	    !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_OCSP_sign)) ||
	    (nocheck = ASN1_NULL_new()) == NULL) {
		log_ssl("%s", __func__);
		goto done;
	}
	if (ext_add(x, NID_ext_key_usage, eku, 0) == -1 ||
	    ext_add(x, NID_id_pkix_OCSP_noCheck, nocheck, 0) == -1)
		goto done;
	rc = 0;
 done:
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ASN1_NULL_free(nocheck);
	return rc;
}

/* A uniformResourceIdentifier GeneralName; url must be printable ASCII. */
static GENERAL_NAME *
uri_name(const char *url)
{
	GENERAL_NAME	*gn = NULL;
	ASN1_IA5STRING	*s = NULL;
	size_t		 i, len;

	len = strlen(url);
	if (len == 0 || len > PKI_URL_MAX) {
		log_warnx("%s: bad URL length %zu", __func__, len);
		return NULL;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f) {
			log_warnx("%s: URL \"%s\" is not printable ASCII",
			    __func__, url);
			return NULL;
		}
	if ((s = ASN1_IA5STRING_new()) == NULL ||
	    !ASN1_STRING_set(s, url, (int)len) ||
	    (gn = GENERAL_NAME_new()) == NULL) {
		log_ssl("%s", __func__);
		ASN1_IA5STRING_free(s);
		return NULL;
	}
	GENERAL_NAME_set0_value(gn, GEN_URI, s);
	return gn;
}

/* One accessDescription of method nid at url, pushed onto aia. */
static int
aia_push(AUTHORITY_INFO_ACCESS *aia, int nid, const char *url)
{
	ACCESS_DESCRIPTION	*ad;
	GENERAL_NAME		*gn;

	if ((gn = uri_name(url)) == NULL)
		return -1;
	if ((ad = ACCESS_DESCRIPTION_new()) == NULL) {
		log_ssl("%s", __func__);
		GENERAL_NAME_free(gn);
		return -1;
	}
	ASN1_OBJECT_free(ad->method);
	ad->method = OBJ_nid2obj(nid);
	GENERAL_NAME_free(ad->location);
	ad->location = gn;
	if (!sk_ACCESS_DESCRIPTION_push(aia, ad)) {
		log_ssl("%s", __func__);
		ACCESS_DESCRIPTION_free(ad);
		return -1;
	}
	return 0;
}

/*
 * authorityInfoAccess: id-ad-ocsp at ocsp_url, then id-ad-caIssuers at
 * ca_url (RFC 5280 4.2.2.1), each when not NULL; none when both are.
 */
static int
ext_aia(X509 *x, const char *ocsp_url, const char *ca_url)
{
	AUTHORITY_INFO_ACCESS	*aia;
	int			 rc = -1;

	if (ocsp_url == NULL && ca_url == NULL)
		return 0;
	if ((aia = sk_ACCESS_DESCRIPTION_new_null()) == NULL) {
		log_ssl("%s", __func__);
		return -1;
	}
	if (ocsp_url != NULL && aia_push(aia, NID_ad_OCSP, ocsp_url) == -1)
		goto done;
	if (ca_url != NULL && aia_push(aia, NID_ad_ca_issuers, ca_url) == -1)
		goto done;
	rc = ext_add(x, NID_info_access, aia, 0);
 done:
	AUTHORITY_INFO_ACCESS_free(aia);
	return rc;
}

/* cRLDistributionPoints: one point whose fullName is url. */
static int
ext_crl_dp(X509 *x, const char *url)
{
	CRL_DIST_POINTS	*cdp = NULL;
	DIST_POINT	*dp = NULL;
	GENERAL_NAMES	*names = NULL;
	GENERAL_NAME	*gn;
	int		 rc = -1;

	if ((gn = uri_name(url)) == NULL)
		return -1;
	if ((names = GENERAL_NAMES_new()) == NULL ||
	    !sk_GENERAL_NAME_push(names, gn)) {
		log_ssl("%s", __func__);
		GENERAL_NAME_free(gn);
		goto done;
	}
	if ((cdp = sk_DIST_POINT_new_null()) == NULL ||
	    (dp = DIST_POINT_new()) == NULL ||
	    (dp->distpoint = DIST_POINT_NAME_new()) == NULL) {
		log_ssl("%s", __func__);
		goto done;
	}
	dp->distpoint->type = 0;	/* fullName */
	dp->distpoint->name.fullname = names;
	names = NULL;
	if (!sk_DIST_POINT_push(cdp, dp)) {
		log_ssl("%s", __func__);
		goto done;
	}
	dp = NULL;
	rc = ext_add(x, NID_crl_distribution_points, cdp, 0);
 done:
	GENERAL_NAMES_free(names);
	DIST_POINT_free(dp);
	CRL_DIST_POINTS_free(cdp);
	return rc;
}

/* certificatePolicies: one PolicyInformation, no qualifiers. */
static int
ext_cert_policies(X509 *x, const char *oid)
{
	CERTIFICATEPOLICIES	*cps = NULL;
	POLICYINFO		*pi = NULL;
	int			 rc = -1;

	if ((cps = sk_POLICYINFO_new_null()) == NULL ||
	    (pi = POLICYINFO_new()) == NULL) {
		log_ssl("%s", __func__);
		goto done;
	}
	ASN1_OBJECT_free(pi->policyid);
	if ((pi->policyid = OBJ_txt2obj(oid, 1)) == NULL ||
	    !sk_POLICYINFO_push(cps, pi)) {
		log_ssl("%s: %s", __func__, oid);
		goto done;
	}
	pi = NULL;
	rc = ext_add(x, NID_certificate_policies, cps, 0);
 done:
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(cps);
	return rc;
}

/* otherName { oid, [0] UTF8String value }; value must be valid UTF-8. */
static GENERAL_NAME *
othername_utf8(const char *oid, const char *value)
{
	GENERAL_NAME	*gn = NULL;
	ASN1_OBJECT	*obj = NULL;
	ASN1_TYPE	*t = NULL;
	ASN1_STRING	*s = NULL;
	size_t		 len;

	len = strlen(value);
	if (len == 0 || len > PKI_DETAIL_MAX) {
		log_warnx("%s: %s: bad length %zu", __func__, oid, len);
		return NULL;
	}
	/* Copying through ASN1_mbstring_copy rejects malformed UTF-8. */
	if (ASN1_mbstring_copy(&s, (const unsigned char *)value, (int)len,
	    MBSTRING_UTF8, B_ASN1_UTF8STRING) != V_ASN1_UTF8STRING) {
		log_ssl("%s: %s: not valid UTF-8", __func__, oid);
		goto done;
	}
	if ((t = ASN1_TYPE_new()) == NULL) {
		log_ssl("%s", __func__);
		goto done;
	}
	ASN1_TYPE_set(t, V_ASN1_UTF8STRING, s);
	s = NULL;
	if ((obj = OBJ_txt2obj(oid, 1)) == NULL ||
	    (gn = GENERAL_NAME_new()) == NULL ||
	    !GENERAL_NAME_set0_othername(gn, obj, t)) {
		log_ssl("%s: %s", __func__, oid);
		GENERAL_NAME_free(gn);
		gn = NULL;
		goto done;
	}
	obj = NULL;	/* owned by gn now */
	t = NULL;
 done:
	ASN1_OBJECT_free(obj);
	ASN1_TYPE_free(t);
	ASN1_STRING_free(s);
	return gn;
}

static int
birth_date_valid(const char *s)
{
	int	 i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	return clock_valid_date(atoi(s), atoi(s + 5), atoi(s + 8));
}

/* subjectAltName with the four basic details of a sign certificate. */
static int
ext_san_details(X509 *x, const struct pki_profile *p)
{
	static const char	*sexes[] = { "1", "2", "3" };
	GENERAL_NAMES		*gens;
	GENERAL_NAME		*gn;
	const char		*oids[4], *values[4];
	size_t			 i;
	int			 rc = -1;

	if (p->name == NULL || p->address == NULL || p->birth_date == NULL) {
		log_warnx("%s: a sign certificate needs name, address and "
		    "date of birth", __func__);
		return -1;
	}
	if (!birth_date_valid(p->birth_date)) {
		log_warnx("%s: bad date of birth \"%s\"", __func__,
		    p->birth_date);
		return -1;
	}
	if (p->sex < 1 || p->sex > 3) {
		log_warnx("%s: bad sex code %d", __func__, p->sex);
		return -1;
	}
	oids[0] = PKI_OID_NAME;		values[0] = p->name;
	oids[1] = PKI_OID_SEX;		values[1] = sexes[p->sex - 1];
	oids[2] = PKI_OID_BIRTH;	values[2] = p->birth_date;
	oids[3] = PKI_OID_ADDRESS;	values[3] = p->address;

	if ((gens = GENERAL_NAMES_new()) == NULL) {
		log_ssl("%s", __func__);
		return -1;
	}
	for (i = 0; i < 4; i++) {
		if ((gn = othername_utf8(oids[i], values[i])) == NULL)
			goto done;
		if (!sk_GENERAL_NAME_push(gens, gn)) {
			log_ssl("%s", __func__);
			GENERAL_NAME_free(gn);
			goto done;
		}
	}
	rc = ext_add(x, NID_subject_alt_name, gens, 0);
 done:
	GENERAL_NAMES_free(gens);
	return rc;
}

static int
cert_sign(X509 *x, EVP_PKEY *key)
{
	if (X509_sign(x, key, EVP_sha256()) <= 0) {
		log_ssl("%s", __func__);
		return -1;
	}
	return 0;
}

X509 *
pki_ca_create(EVP_PKEY *key, const char *prefecture, const char *city,
    const char *cn, time_t not_before, time_t not_after)
{
	return pki_ca_create_org(key, prefecture, city, NULL, cn, not_before,
	    not_after);
}

X509 *
pki_ca_create_org(EVP_PKEY *key, const char *prefecture, const char *city,
    const char *org, const char *cn, time_t not_before, time_t not_after)
{
	static const int	 ku[] = { 5, 6 };	/* keyCertSign, cRLSign */
	X509_NAME		*name = NULL;
	X509			*x = NULL;
	int			 ok = 0;

	if (!signing_key_ok(key)) {
		log_warnx("%s: CA key must be RSA or EC", __func__);
		return NULL;
	}
	if ((name = name_build(prefecture, city, org, cn)) == NULL ||
	    (x = cert_new(name, name, key, NULL, not_before, not_after)) == NULL)
		goto done;
	/* SKI first: the self-signed AKI copies it. */
	if (ext_basic_constraints(x, 1) == -1 ||
	    ext_key_usage(x, ku, 2) == -1 ||
	    ext_ski(x) == -1 ||
	    ext_aki(x, x) == -1 ||
	    cert_sign(x, key) == -1)
		goto done;
	ok = 1;
 done:
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* Checks shared by everything a CA signs. */
static int
issuer_ok(const char *fn, X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *subject_key)
{
	if (ca == NULL || subject_key == NULL || !signing_key_ok(ca_key)) {
		log_warnx("%s: missing CA, CA key or subject key, or CA key "
		    "not RSA/EC", fn);
		return 0;
	}
	if (!pki_cert_matches_key(ca, ca_key)) {
		log_warnx("%s: CA key does not match the CA certificate", fn);
		return 0;
	}
	return 1;
}

/* The CA's commonName as UTF-8 (caller frees with OPENSSL_free), or NULL. */
static unsigned char *
name_cn(X509_NAME *n)
{
	X509_NAME_ENTRY	*e;
	unsigned char	*s = NULL;
	int		 i;

	if ((i = X509_NAME_get_index_by_NID(n, NID_commonName, -1)) < 0 ||
	    (e = X509_NAME_get_entry(n, i)) == NULL ||
	    ASN1_STRING_to_UTF8(&s, X509_NAME_ENTRY_get_data(e)) < 0)
		return NULL;
	return s;
}

X509 *
pki_signer_create(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *signer_key,
    const char *cn, time_t not_before, time_t not_after)
{
	static const int	 ku[] = { 0 };	/* digitalSignature */
	X509_NAME		*name = NULL;
	X509_NAME_ENTRY		*e;
	X509			*x = NULL;
	unsigned char		*ca_cn = NULL;
	char			*dflt = NULL;
	int			 i, ok = 0;

	if (!issuer_ok(__func__, ca, ca_key, signer_key))
		return NULL;
	if (cn == NULL) {
		if ((ca_cn = name_cn(X509_get_subject_name(ca))) == NULL) {
			log_ssl("%s: CA has no usable commonName", __func__);
			goto done;
		}
		if (asprintf(&dflt, "%s OCSP Signer", ca_cn) == -1) {
			dflt = NULL;
			log_warn("%s", __func__);
			goto done;
		}
		cn = dflt;
	}
	if ((name = X509_NAME_dup(X509_get_subject_name(ca))) == NULL) {
		log_ssl("%s", __func__);
		goto done;
	}
	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) >= 0)
		if ((e = X509_NAME_delete_entry(name, i)) != NULL)
			X509_NAME_ENTRY_free(e);
	if (name_add(name, NID_commonName, cn) == -1 ||
	    (x = cert_new(name, X509_get_subject_name(ca), signer_key, NULL,
	    not_before, not_after)) == NULL)
		goto done;
	if (ext_basic_constraints(x, 0) == -1 ||
	    ext_key_usage(x, ku, 1) == -1 ||
	    ext_ocsp_signing(x) == -1 ||
	    ext_ski(x) == -1 ||
	    ext_aki(x, ca) == -1 ||
	    cert_sign(x, ca_key) == -1)
		goto done;
	ok = 1;
 done:
	OPENSSL_free(ca_cn);
	free(dflt);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

X509 *
pki_cert_issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *subject_key,
    const struct pki_profile *p)
{
	static const int	 ku_sign[] = { 0, 1 };	/* digitalSignature, nonRepudiation */
	static const int	 ku_auth[] = { 0 };	/* digitalSignature */
	X509_NAME		*name = NULL;
	X509			*x = NULL;
	int			 ok = 0;

	if (p == NULL || !issuer_ok(__func__, ca, ca_key, subject_key))
		return NULL;
	if (p->kind != PKI_KIND_SIGN && p->kind != PKI_KIND_AUTH) {
		log_warnx("%s: bad certificate kind %d", __func__, (int)p->kind);
		return NULL;
	}
	if ((name = name_build(p->prefecture, p->city, NULL, p->uid)) == NULL ||
	    (x = cert_new(name, X509_get_subject_name(ca), subject_key,
	    &p->serial, p->not_before, p->not_after)) == NULL)
		goto done;
	if (ext_basic_constraints(x, 0) == -1)
		goto done;
	if (p->kind == PKI_KIND_SIGN) {
		if (ext_key_usage(x, ku_sign, 2) == -1 ||
		    ext_san_details(x, p) == -1)
			goto done;
	} else if (ext_key_usage(x, ku_auth, 1) == -1)
		goto done;
	if (ext_ski(x) == -1 || ext_aki(x, ca) == -1 ||
	    ext_cert_policies(x, p->kind == PKI_KIND_SIGN ?
	    PKI_OID_POLICY_SIGN : PKI_OID_POLICY_AUTH) == -1)
		goto done;
	if (ext_aia(x, p->ocsp_url, p->ca_issuers_url) == -1)
		goto done;
	if (p->crl_url != NULL && ext_crl_dp(x, p->crl_url) == -1)
		goto done;
	if (cert_sign(x, ca_key) == -1)
		goto done;
	ok = 1;
 done:
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* --- reading back -------------------------------------------------------- */

EVP_PKEY *
pki_csr_pubkey(const char *path, char *err, size_t errlen)
{
	unsigned char	*buf = NULL;
	size_t		 len;
	X509_REQ	*req;
	EVP_PKEY	*key = NULL;

	if (file_read(path, 0, &buf, &len, err, errlen) == -1)
		return NULL;
	if ((req = pem_der_parse(OBJ_CSR, FORM_PEM | FORM_DER, buf, len)) ==
	    NULL) {
		errf(err, errlen, "%s: not a certificate request", path);
		goto done;
	}
	if ((key = X509_REQ_get_pubkey(req)) == NULL) {
		errf(err, errlen, "%s: unusable public key in request", path);
		goto done;
	}
	if (X509_REQ_verify(req, key) != 1) {
		errf(err, errlen, "%s: request signature does not verify",
		    path);
		EVP_PKEY_free(key);
		key = NULL;
	}
 done:
	ERR_clear_error();
	X509_REQ_free(req);
	free(buf);
	return key;
}

EVP_PKEY *
pki_pubkey_load(const char *path, char *err, size_t errlen)
{
	unsigned char	*buf = NULL;
	size_t		 len;
	EVP_PKEY	*key;

	if (file_read(path, 0, &buf, &len, err, errlen) == -1)
		return NULL;
	if ((key = pem_der_parse(OBJ_PUBKEY, FORM_PEM | FORM_DER, buf,
	    len)) == NULL)
		errf(err, errlen, "%s: not a public key", path);
	free(buf);
	return key;
}

/* A NUL-free, valid UTF-8 UTF8String as a malloc'd C string, or NULL. */
static char *
utf8_dup(const ASN1_TYPE *t)
{
	const unsigned char	*d;
	char			*s;
	int			 len;

	if (t == NULL || t->type != V_ASN1_UTF8STRING)
		return NULL;
	d = ASN1_STRING_get0_data(t->value.utf8string);
	len = ASN1_STRING_length(t->value.utf8string);
	if (len < 0 || len > PKI_DETAIL_MAX || memchr(d, '\0', len) != NULL)
		return NULL;
	/* out == NULL: only check the encoding. */
	if (ASN1_mbstring_copy(NULL, d, len, MBSTRING_UTF8,
	    B_ASN1_UTF8STRING) < 0)
		return NULL;
	if ((s = malloc((size_t)len + 1)) == NULL)
		return NULL;
	memcpy(s, d, (size_t)len);
	s[len] = '\0';
	return s;
}

int
pki_cert_details(X509 *x, struct pki_details *out)
{
	GENERAL_NAMES	*gens = NULL;
	GENERAL_NAME	*gn;
	ASN1_OBJECT	*oid;
	ASN1_TYPE	*value;
	char		 txt[PKI_OID_TXT_MAX], **slot, *sex = NULL;
	int		 i, crit = -1, rc = -1;

	memset(out, 0, sizeof(*out));
	if (x == NULL)
		return -1;
	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit,
	    NULL)) == NULL) {
		if (crit == -1)
			rc = 0;		/* no subjectAltName: no details */
		else
			log_warnx("%s: malformed or repeated subjectAltName",
			    __func__);
		goto done;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		if (!GENERAL_NAME_get0_otherName(gn, &oid, &value))
			continue;
		if (OBJ_obj2txt(txt, sizeof(txt), oid, 1) <= 0)
			continue;
		if (strcmp(txt, PKI_OID_NAME) == 0)
			slot = &out->name;
		else if (strcmp(txt, PKI_OID_ADDRESS) == 0)
			slot = &out->address;
		else if (strcmp(txt, PKI_OID_BIRTH) == 0)
			slot = &out->birth_date;
		else if (strcmp(txt, PKI_OID_SEX) == 0)
			slot = &sex;
		else
			continue;
		if (*slot != NULL) {
			log_warnx("%s: repeated %s", __func__, txt);
			goto done;
		}
		if ((*slot = utf8_dup(value)) == NULL) {
			log_warnx("%s: %s is not a UTF8String", __func__, txt);
			goto done;
		}
	}
	if (sex != NULL) {
		if (strlen(sex) != 1 || sex[0] < '1' || sex[0] > '3') {
			log_warnx("%s: bad sex code \"%s\"", __func__, sex);
			goto done;
		}
		out->sex = sex[0] - '0';
	}
	rc = 0;
 done:
	ERR_clear_error();
	free(sex);
	GENERAL_NAMES_free(gens);
	if (rc == -1)
		pki_details_free(out);
	return rc;
}

void
pki_details_free(struct pki_details *d)
{
	if (d == NULL)
		return;
	free(d->name);
	free(d->address);
	free(d->birth_date);
	memset(d, 0, sizeof(*d));
}

int
pki_cert_issued_by(X509 *x, X509 *issuer)
{
	EVP_PKEY	*key;
	int		 ok;

	if (x == NULL || issuer == NULL ||
	    (key = X509_get0_pubkey(issuer)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	if (X509_NAME_cmp(X509_get_issuer_name(x),
	    X509_get_subject_name(issuer)) != 0)
		return 0;
	ERR_set_mark();
	ok = X509_verify(x, key) == 1;
	ERR_pop_to_mark();
	return ok;
}
