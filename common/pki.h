/* SPDX-License-Identifier: ISC */
/*
 * pki.h: keys, certificates and CSRs for certstatus (OpenSSL 3.0).
 *
 * Everything is built through OpenSSL's X509 / X509V3 / EVP objects; no DER
 * is written by hand.  Constructors return a new object the caller frees
 * (EVP_PKEY_free, X509_free, free) or NULL after logging why.  Loaders that
 * take err/errlen put a one-line reason there instead of logging, so certctl
 * can print it as a refusal.  The in-memory parsers (pki_cert_from_pem,
 * pki_cert_from_der) fail quietly.  Every failure leaves OpenSSL's error
 * queue empty.
 */
#ifndef CERTSTATUS_PKI_H
#define CERTSTATUS_PKI_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "serial.h"

#define PKI_FILE_MAX		(1024 * 1024)	/* bytes; largest key/cert/CSR file read */
#define PKI_SERIAL_LEN		16		/* octets in a random serial */
#define PKI_RSA_BITS		2048
#define PKI_EC_CURVE		"P-256"
#define PKI_KEY_MODE		0600
#define PKI_CERT_MODE		0644

/* JPKI basic-details otherName types in a sign certificate's subjectAltName. */
#define PKI_OID_NAME		"1.2.392.200149.8.5.5.1"
#define PKI_OID_SEX		"1.2.392.200149.8.5.5.3"
#define PKI_OID_BIRTH		"1.2.392.200149.8.5.5.4"
#define PKI_OID_ADDRESS		"1.2.392.200149.8.5.5.5"

/*
 * JPKI certificate policies (certificatePolicies), one per kind.  What we
 * could confirm: the jsrsasign-oid-jpki 0.9.4 OID table by Kenji Urushima
 * (https://app.unpkg.com/jsrsasign-oid-jpki@0.9.4/files/lib/index.js, also
 * npmjs.com/package/jsrsasign-oid-jpki) names 1.2.392.200149.8.5.1 the JPKI
 * certificate policy arc, 1.2.392.200149.8.5.1.1.20 "jpki-cp-sign-class20"
 * and 1.2.392.200149.8.5.1.3.30 "jpki-cp-auth-class30"; notes on real My
 * Number Cards in public repositories show 1.2.392.200149.8.5.1.1.20 in
 * signature certificates (1.2.392.200149.8.5.1.0.20 on JPKI test cards).
 * The values ...1.1.10 and ...1.3.10 that the issue named were found
 * nowhere: they are NOT used.  The primary source (J-LIS 公的個人認証サービス
 * プロファイル仕様書, j-lis.go.jp/file/13_profile_genkou.pdf) was not
 * reachable from here; check these against it before production use.
 */
#define PKI_OID_POLICY_SIGN	"1.2.392.200149.8.5.1.1.20"
#define PKI_OID_POLICY_AUTH	"1.2.392.200149.8.5.1.3.30"

enum pki_keyalg { PKI_RSA2048, PKI_P256 };

/* "rsa2048"|"rsa": PKI_RSA2048; "p256"|"ecdsa"|"ec": PKI_P256.  0 or -1. */
int	 pki_keyalg_parse(const char *s, enum pki_keyalg *out);

/* A fresh key pair (caller frees), or NULL. */
EVP_PKEY *pki_key_generate(enum pki_keyalg alg);

/*
 * Write key as unencrypted PKCS#8 PEM to a new file with mode 0600.
 * Refuses to overwrite an existing file (or follow a symlink there); a
 * partly written file is removed.  0 or -1 (logged).
 */
int	 pki_key_write(const char *path, EVP_PKEY *key);

/*
 * Load a private key (PEM or DER; an encrypted key is refused, never
 * prompted for).  Refuses a file that group or others can access, one that
 * is not a regular file, or one that holds no private key, with the reason in
 * err.  The file image is wiped before returning.  A path "pkcs11:..." is a
 * key on a token (RFC 7512; p11_key_load in p11.h).  Caller frees the key.
 */
EVP_PKEY *pki_key_load(const char *path, char *err, size_t errlen);
/*
 * The same from a file already open on fd (read with pread from offset 0;
 * fd stays open and its offset is not moved); path names it in err.
 */
EVP_PKEY *pki_key_load_fd(int fd, const char *path, char *err, size_t errlen);

/* A certificate from a PEM or DER file (caller frees), or NULL + err. */
X509	*pki_cert_load(const char *path, char *err, size_t errlen);
/* The first PEM certificate in pem[0..len), or NULL.  Caller frees. */
X509	*pki_cert_from_pem(const char *pem, size_t len);
/* A certificate from exactly der[0..len) (no trailing bytes), or NULL. */
X509	*pki_cert_from_der(const unsigned char *der, size_t len);
/*
 * An ASN1_TIME (UTCTime or GeneralizedTime) as seconds since the epoch in
 * *out: 0, or -1 with *out = 0 when t is NULL or unreadable.
 */
int	 pki_time(const ASN1_TIME *t, time_t *out);
/* PEM text of x, NUL-terminated, malloc'd (caller frees), or NULL. */
char	*pki_cert_to_pem(X509 *x);
/*
 * Write x as PEM with mode 0644, replacing path atomically (temporary file
 * in the same directory, then rename).  0 or -1 (logged).
 */
int	 pki_cert_write(const char *path, X509 *x);
/* 1 when key (private or public) is the public key certified by x, else 0. */
int	 pki_cert_matches_key(X509 *x, EVP_PKEY *key);

/* PKI_SERIAL_LEN random octets: positive, first octet nonzero.  0 or -1. */
int	 pki_serial_random(struct serial *out);

/*
 * Self-signed CA certificate for key: subject C=JP, L=<prefecture>,
 * L=<city>, [O=<org>,] CN=<cn>; random serial; basicConstraints critical
 * CA:TRUE; keyUsage critical keyCertSign + cRLSign; SKI; AKI (keyid);
 * SHA-256.  pki_ca_create() has no O.  Caller frees; NULL on failure.
 */
X509	*pki_ca_create(EVP_PKEY *key, const char *prefecture, const char *city,
	    const char *cn, time_t not_before, time_t not_after);
X509	*pki_ca_create_org(EVP_PKEY *key, const char *prefecture,
	    const char *city, const char *org, const char *cn, time_t not_before,
	    time_t not_after);

/*
 * Delegated OCSP signer for signer_key issued by ca/ca_key: the CA's subject
 * with CN=<cn> (cn NULL: "<ca cn> OCSP Signer"); random serial; EKU
 * id-kp-OCSPSigning; id-pkix-ocsp-nocheck (NULL); keyUsage critical
 * digitalSignature; basicConstraints CA:FALSE; SKI; AKI (keyid).
 * Caller frees; NULL on failure.
 */
X509	*pki_signer_create(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *signer_key,
	    const char *cn, time_t not_before, time_t not_after);

enum pki_kind { PKI_KIND_SIGN, PKI_KIND_AUTH };

struct pki_profile {
	enum pki_kind	 kind;
	const char	*prefecture, *city;	/* subject C=JP, L=<prefecture>, L=<city> */
	const char	*uid;		/* CN: unique per certificate (iss_cert_cn) */
	const char	*name, *address, *birth_date;	/* sign only; "YYYY-MM-DD" as given */
	int		 sex;		/* 1 male, 2 female, 3 unknown; sign only */
	time_t		 not_before, not_after;
	struct serial	 serial;	/* required; see pki_serial_random() */
	const char	*ocsp_url, *crl_url;	/* AIA OCSP / CDP fullName; may be NULL */
	const char	*ca_issuers_url;	/* AIA caIssuers; may be NULL */
};

/*
 * End-entity certificate for subject_key issued by ca/ca_key under profile
 * p: v3, SHA-256 (RSA PKCS#1 v1.5 or ECDSA, by the CA key), basicConstraints
 * CA:FALSE, keyUsage critical (sign: digitalSignature + nonRepudiation,
 * auth: digitalSignature), SKI, AKI (keyid), certificatePolicies with the
 * kind's JPKI policy (PKI_OID_POLICY_SIGN / _AUTH), AIA OCSP, AIA caIssuers
 * and CDP when the URLs are given.  Sign certificates carry the four details as UTF8String
 * otherNames in subjectAltName; auth certificates carry none.  Strings must
 * be valid UTF-8 and URLs printable ASCII.  Caller frees; NULL on failure.
 */
X509	*pki_cert_issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *subject_key,
	    const struct pki_profile *p);

/*
 * Public key of a CSR file (PEM or DER) after verifying the CSR's
 * self-signature.  Caller frees; NULL + err on failure.
 */
EVP_PKEY *pki_csr_pubkey(const char *path, char *err, size_t errlen);

/* A public key from a PEM or DER SubjectPublicKeyInfo file, or NULL + err. */
EVP_PKEY *pki_pubkey_load(const char *path, char *err, size_t errlen);

struct pki_details {
	char	*name, *address, *birth_date;	/* malloc'd; NULL when absent */
	int	 sex;				/* 1..3; 0 when absent */
};

/*
 * Read the four basic details back from x's subjectAltName.  0 (fields of a
 * certificate without them stay NULL / 0) or -1 when the SAN is malformed,
 * repeats a detail, or a value is not a UTF8String without NULs.  On -1
 * nothing is left allocated.  Free with pki_details_free().
 */
int	 pki_cert_details(X509 *x, struct pki_details *out);
void	 pki_details_free(struct pki_details *d);

/* 1 when x's issuer name is issuer's subject and issuer's key verifies x. */
int	 pki_cert_issued_by(X509 *x, X509 *issuer);

#endif
