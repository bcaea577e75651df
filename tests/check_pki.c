/* SPDX-License-Identifier: ISC */
/*
 * check_pki.c: unit tests for common/pki.c.
 *
 * Every certificate is read back through OpenSSL's own parsers (DER round
 * trip, X509 accessors), and the chain is checked once more by the real
 * `openssl verify`.  Each test gets a fresh temporary directory.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "check_main.h"
#include "log.h"
#include "pki.h"
#include "serial.h"

#define YEAR_SEC	(365L * 24 * 3600)

#define JP_PREF		"東京都"
#define JP_CITY		"稲城市"
#define JP_NAME		"稲城 太郎"
#define JP_ADDRESS	"東京都稲城市東長沼2111"
#define JP_BIRTH	"1980-02-29"
#define OCSP_URL	"http://ocsp.city.inagi.example/ocsp"
#define CRL_URL		"http://crl.city.inagi.example/ca.crl"
#define CA_ISSUERS_URL	"http://crl.city.inagi.example/ca/inagi.crt"

static char	 tmpdir[] = "/tmp/check_pki.XXXXXX";
static char	 workdir[sizeof(tmpdir)];

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
setup(void)
{
	strcpy(workdir, tmpdir);
	ck_assert_ptr_nonnull(mkdtemp(workdir));
}

static void
teardown(void)
{
	nftw(workdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* A path under the test's directory; malloc'd. */
static char *
tpath(const char *name)
{
	char	*p;

	ck_assert_int_ne(asprintf(&p, "%s/%s", workdir, name), -1);
	return p;
}

static void
write_bytes(const char *path, const void *buf, size_t len, mode_t mode)
{
	FILE	*fp;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(buf, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* 1 when entry idx of n is nid with UTF-8 text want. */
static int
name_entry_is(const X509_NAME *n, int idx, int nid, const char *want)
{
	const X509_NAME_ENTRY	*e;
	unsigned char		*s = NULL;
	int			 len, ok;

	if ((e = X509_NAME_get_entry(n, idx)) == NULL ||
	    OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) != nid)
		return 0;
	len = ASN1_STRING_to_UTF8(&s, X509_NAME_ENTRY_get_data(e));
	ok = len >= 0 && (size_t)len == strlen(want) &&
	    memcmp(s, want, len) == 0;
	OPENSSL_free(s);
	return ok;
}

static int
ext_critical(X509 *x, int nid)
{
	int	 i;

	if ((i = X509_get_ext_by_NID(x, nid, -1)) < 0)
		return -1;
	return X509_EXTENSION_get_critical(X509_get_ext(x, i));
}

/* Re-parse x from its DER so tests read what a relying party reads. */
static X509 *
der_roundtrip(X509 *x)
{
	unsigned char	*der = NULL;
	X509		*y;
	int		 len;

	ck_assert_int_gt(len = i2d_X509(x, &der), 0);
	y = pki_cert_from_der(der, (size_t)len);
	OPENSSL_free(der);
	ck_assert_ptr_nonnull(y);
	return y;
}

/* Run the real openssl verify on ca + leaf; it must say OK. */
static void
openssl_verify_ok(X509 *ca, X509 *leaf)
{
	char	*ca_path = tpath("verify-ca.pem"), *leaf_path = tpath("verify-leaf.pem");
	char	*cmd, out[1024];
	FILE	*fp;
	size_t	 n;
	int	 st;

	ck_assert_int_eq(pki_cert_write(ca_path, ca), 0);
	ck_assert_int_eq(pki_cert_write(leaf_path, leaf), 0);
	ck_assert_int_ne(asprintf(&cmd, "openssl verify -CAfile '%s' '%s' 2>&1",
	    ca_path, leaf_path), -1);
	ck_assert_ptr_nonnull(fp = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, fp);
	out[n] = '\0';
	st = pclose(fp);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "openssl verify failed: %s", out);
	ck_assert_msg(strstr(out, ": OK\n") != NULL, "openssl verify: %s", out);
	free(cmd);
	free(ca_path);
	free(leaf_path);
}

static X509 *
make_ca(EVP_PKEY *key, const char *cn)
{
	time_t	 now = time(NULL);
	X509	*ca;

	ca = pki_ca_create(key, JP_PREF, JP_CITY, cn, now - 3600,
	    now + 10 * YEAR_SEC);
	ck_assert_ptr_nonnull(ca);
	return ca;
}

static void
profile_init(struct pki_profile *p, enum pki_kind kind)
{
	time_t	 now = time(NULL);

	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->prefecture = JP_PREF;
	p->city = JP_CITY;
	p->uid = "JPKI-0001-2345-6789";
	if (kind == PKI_KIND_SIGN) {
		p->name = JP_NAME;
		p->address = JP_ADDRESS;
		p->birth_date = JP_BIRTH;
		p->sex = 1;
	}
	p->not_before = now - 3600;
	p->not_after = now + 3 * YEAR_SEC;
	ck_assert_int_eq(pki_serial_random(&p->serial), 0);
	p->ocsp_url = OCSP_URL;
	p->crl_url = CRL_URL;
	p->ca_issuers_url = CA_ISSUERS_URL;
}

/* --- keys ---------------------------------------------------------------- */

START_TEST(test_keyalg_parse)
{
	enum pki_keyalg	 a;

	ck_assert_int_eq(pki_keyalg_parse("rsa2048", &a), 0);
	ck_assert_int_eq(a, PKI_RSA2048);
	ck_assert_int_eq(pki_keyalg_parse("rsa", &a), 0);
	ck_assert_int_eq(a, PKI_RSA2048);
	ck_assert_int_eq(pki_keyalg_parse("p256", &a), 0);
	ck_assert_int_eq(a, PKI_P256);
	ck_assert_int_eq(pki_keyalg_parse("ecdsa", &a), 0);
	ck_assert_int_eq(a, PKI_P256);
	ck_assert_int_eq(pki_keyalg_parse("ec", &a), 0);
	ck_assert_int_eq(a, PKI_P256);
	ck_assert_int_eq(pki_keyalg_parse("dsa", &a), -1);
	ck_assert_int_eq(pki_keyalg_parse("", &a), -1);
	ck_assert_int_eq(pki_keyalg_parse(NULL, &a), -1);
}
END_TEST

static void
key_roundtrip(enum pki_keyalg alg)
{
	char		*path = tpath("key.pem"), err[256] = "", head[64];
	EVP_PKEY	*key, *back;
	struct stat	 st;
	FILE		*fp;

	ck_assert_ptr_nonnull(key = pki_key_generate(alg));
	if (alg == PKI_RSA2048) {
		ck_assert(EVP_PKEY_is_a(key, "RSA"));
		ck_assert_int_eq(EVP_PKEY_get_bits(key), 2048);
	} else {
		char	 group[32];
		size_t	 glen;

		ck_assert(EVP_PKEY_is_a(key, "EC"));
		ck_assert(EVP_PKEY_get_group_name(key, group, sizeof(group),
		    &glen));
		ck_assert_str_eq(group, "prime256v1");
	}
	ck_assert_int_eq(pki_key_write(path, key), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(head, sizeof(head), fp));
	fclose(fp);
	ck_assert_str_eq(head, "-----BEGIN PRIVATE KEY-----\n");

	back = pki_key_load(path, err, sizeof(err));
	ck_assert_msg(back != NULL, "load: %s", err);
	ck_assert_int_eq(EVP_PKEY_eq(key, back), 1);

	/* Never overwrite a key. */
	ck_assert_int_eq(pki_key_write(path, key), -1);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	fclose(fp);

	EVP_PKEY_free(back);
	EVP_PKEY_free(key);
	free(path);
}

START_TEST(test_key_rsa_roundtrip)
{
	key_roundtrip(PKI_RSA2048);
}
END_TEST

START_TEST(test_key_p256_roundtrip)
{
	key_roundtrip(PKI_P256);
}
END_TEST

START_TEST(test_key_load_refusals)
{
	char		*path = tpath("key.pem"), *junk = tpath("junk.pem");
	char		*missing = tpath("missing.pem"), err[256];
	EVP_PKEY	*key;

	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_P256));
	ck_assert_int_eq(pki_key_write(path, key), 0);

	ck_assert_int_eq(chmod(path, 0644), 0);
	err[0] = '\0';
	ck_assert_ptr_null(pki_key_load(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "is readable by others (mode 0644); "
	    "chmod 600 it") != NULL, "err: %s", err);
	ck_assert_msg(strstr(err, path) != NULL, "err: %s", err);

	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_ptr_null(pki_key_load(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "(mode 0640)"));

	ck_assert_int_eq(chmod(path, 0620), 0);
	ck_assert_ptr_null(pki_key_load(path, err, sizeof(err)));

	write_bytes(junk, "not a key\n", 10, 0600);
	err[0] = '\0';
	ck_assert_ptr_null(pki_key_load(junk, err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a private key") != NULL, "err: %s", err);

	err[0] = '\0';
	ck_assert_ptr_null(pki_key_load(missing, err, sizeof(err)));
	ck_assert_msg(strstr(err, "No such file") != NULL, "err: %s", err);

	/* A directory is not a key file. */
	ck_assert_ptr_null(pki_key_load(workdir, err, sizeof(err)));

	EVP_PKEY_free(key);
	free(path);
	free(junk);
	free(missing);
}
END_TEST

START_TEST(test_key_load_der)
{
	char		*path = tpath("key.der"), err[256] = "";
	unsigned char	*der = NULL;
	EVP_PKEY	*key, *back;
	int		 len;

	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_RSA2048));
	ck_assert_int_gt(len = i2d_PrivateKey(key, &der), 0);
	write_bytes(path, der, (size_t)len, 0600);
	back = pki_key_load(path, err, sizeof(err));
	ck_assert_msg(back != NULL, "err: %s", err);
	ck_assert_int_eq(EVP_PKEY_eq(key, back), 1);
	OPENSSL_free(der);
	EVP_PKEY_free(back);
	EVP_PKEY_free(key);
	free(path);
}
END_TEST

START_TEST(test_key_encrypted_refused)
{
	char		*path = tpath("enc.pem"), err[256] = "";
	EVP_PKEY	*key;
	FILE		*fp;

	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_P256));
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert(PEM_write_PKCS8PrivateKey(fp, key, EVP_aes_256_cbc(),
	    "secret", 6, NULL, NULL));
	fclose(fp);
	ck_assert_int_eq(chmod(path, 0600), 0);
	/* Must fail without prompting for a passphrase. */
	ck_assert_ptr_null(pki_key_load(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "encrypted") != NULL, "err: %s", err);
	EVP_PKEY_free(key);
	free(path);
}
END_TEST

START_TEST(test_serial_random)
{
	struct serial	 a, b;
	int		 i;

	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(pki_serial_random(&a), 0);
		ck_assert_uint_eq(a.len, 16);
		ck_assert_uint_ne(a.b[0], 0);
		ck_assert_uint_eq(a.b[0] & 0x80, 0);
	}
	ck_assert_int_eq(pki_serial_random(&b), 0);
	ck_assert(memcmp(a.b, b.b, 16) != 0);
}
END_TEST

/* --- CA and signer ------------------------------------------------------- */

START_TEST(test_ca_create)
{
	EVP_PKEY		*key;
	X509			*ca, *x;
	const X509_NAME		*n;
	const ASN1_OCTET_STRING	*ski, *akid;
	struct serial		 sn;

	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_RSA2048));
	ca = make_ca(key, "Inagi City Resident CA");
	x = der_roundtrip(ca);

	ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
	ck_assert_int_eq(X509_check_ca(x), 1);
	ck_assert(X509_get_extension_flags(x) & EXFLAG_SS);
	ck_assert_int_eq(X509_verify(x, X509_get0_pubkey(x)), 1);
	ck_assert_int_eq(pki_cert_issued_by(x, x), 1);
	ck_assert_int_eq(pki_cert_matches_key(x, key), 1);
	ck_assert_int_eq(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);

	ck_assert_int_eq(ext_critical(x, NID_basic_constraints), 1);
	ck_assert_int_eq(ext_critical(x, NID_key_usage), 1);
	ck_assert_uint_eq(X509_get_key_usage(x), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	ck_assert_ptr_nonnull(ski = X509_get0_subject_key_id(x));
	ck_assert_ptr_nonnull(akid = X509_get0_authority_key_id(x));
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(ski, akid), 0);
	ck_assert_int_eq(ASN1_STRING_length(ski), 20);

	n = X509_get_subject_name(x);
	ck_assert_int_eq(X509_NAME_entry_count(n), 4);
	ck_assert(name_entry_is(n, 0, NID_countryName, "JP"));
	ck_assert(name_entry_is(n, 1, NID_localityName, JP_PREF));
	ck_assert(name_entry_is(n, 2, NID_localityName, JP_CITY));
	ck_assert(name_entry_is(n, 3, NID_commonName, "Inagi City Resident CA"));
	ck_assert_int_eq(X509_NAME_cmp(n, X509_get_issuer_name(x)), 0);
	ck_assert_int_eq(serial_from_asn1(X509_get0_serialNumber(x), &sn), 0);
	ck_assert_uint_eq(sn.len, 16);

	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_ca_create_org)
{
	EVP_PKEY	*key;
	X509		*ca;
	const X509_NAME	*n;
	time_t		 now = time(NULL);

	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_P256));
	ca = pki_ca_create_org(key, JP_PREF, JP_CITY, "稲城市役所", "Inagi CA",
	    now, now + YEAR_SEC);
	ck_assert_ptr_nonnull(ca);
	n = X509_get_subject_name(ca);
	ck_assert_int_eq(X509_NAME_entry_count(n), 5);
	ck_assert(name_entry_is(n, 3, NID_organizationName, "稲城市役所"));
	ck_assert(name_entry_is(n, 4, NID_commonName, "Inagi CA"));
	X509_free(ca);

	/* Empty fields and an inverted validity are refused. */
	ck_assert_ptr_null(pki_ca_create(key, "", JP_CITY, "x", now,
	    now + YEAR_SEC));
	ck_assert_ptr_null(pki_ca_create(key, JP_PREF, JP_CITY, "x", now, now));
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_signer_create)
{
	EVP_PKEY		*ca_key, *s_key;
	X509			*ca, *signer, *x;
	EXTENDED_KEY_USAGE	*eku;
	const X509_EXTENSION	*ext;
	const ASN1_OCTET_STRING	*data;
	time_t			 now = time(NULL);
	int			 i;

	ck_assert_ptr_nonnull(ca_key = pki_key_generate(PKI_RSA2048));
	ck_assert_ptr_nonnull(s_key = pki_key_generate(PKI_P256));
	ca = make_ca(ca_key, "Inagi CA");
	signer = pki_signer_create(ca, ca_key, s_key, NULL, now - 60,
	    now + YEAR_SEC);
	ck_assert_ptr_nonnull(signer);
	x = der_roundtrip(signer);

	ck_assert(name_entry_is(X509_get_subject_name(x), 3, NID_commonName,
	    "Inagi CA OCSP Signer"));
	ck_assert_int_eq(pki_cert_issued_by(x, ca), 1);
	ck_assert_int_eq(pki_cert_matches_key(x, s_key), 1);
	ck_assert_int_eq(X509_check_ca(x), 0);

	ck_assert(X509_get_extension_flags(x) & EXFLAG_XKUSAGE);
	ck_assert_uint_eq(X509_get_extended_key_usage(x), XKU_OCSP_SIGN);
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	ck_assert_ptr_nonnull(eku);
	ck_assert_int_eq(sk_ASN1_OBJECT_num(eku), 1);
	ck_assert_int_eq(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)), NID_OCSP_sign);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);

	/* id-pkix-ocsp-nocheck, value NULL (05 00). */
	ck_assert_int_ge(i = X509_get_ext_by_NID(x, NID_id_pkix_OCSP_noCheck, -1), 0);
	ext = X509_get_ext(x, i);
	data = X509_EXTENSION_get_data((X509_EXTENSION *)ext);
	ck_assert_int_eq(ASN1_STRING_length(data), 2);
	ck_assert_mem_eq(ASN1_STRING_get0_data(data), "\x05\x00", 2);

	ck_assert_int_eq(ext_critical(x, NID_key_usage), 1);
	ck_assert_uint_eq(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
	ck_assert_int_eq(ext_critical(x, NID_basic_constraints), 0);
	ck_assert_ptr_nonnull(X509_get0_subject_key_id(x));
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
	    X509_get0_subject_key_id(ca)), 0);
	openssl_verify_ok(ca, x);

	X509_free(x);
	X509_free(signer);

	/* Explicit CN; a CA key that does not match the CA is refused. */
	signer = pki_signer_create(ca, ca_key, s_key, "Responder 1", now,
	    now + YEAR_SEC);
	ck_assert_ptr_nonnull(signer);
	ck_assert(name_entry_is(X509_get_subject_name(signer), 3,
	    NID_commonName, "Responder 1"));
	X509_free(signer);
	ck_assert_ptr_null(pki_signer_create(ca, s_key, s_key, NULL, now,
	    now + YEAR_SEC));

	X509_free(ca);
	EVP_PKEY_free(s_key);
	EVP_PKEY_free(ca_key);
}
END_TEST

/* --- end-entity certificates -------------------------------------------- */

static void
check_sign_cert(X509 *ca, EVP_PKEY *subject_key, X509 *cert,
    const struct pki_profile *p, int sig_nid)
{
	X509			*x = der_roundtrip(cert);
	const X509_NAME		*n = X509_get_subject_name(x);
	const X509_NAME_ENTRY	*e;
	struct serial		 sn;
	struct pki_details	 d;
	GENERAL_NAMES		*gens;
	GENERAL_NAME		*gn;
	CRL_DIST_POINTS		*cdp;
	AUTHORITY_INFO_ACCESS	*aia;
	DIST_POINT		*dp;
	STACK_OF(OPENSSL_STRING) *ocsp;
	ASN1_OBJECT		*oid;
	ASN1_TYPE		*val;
	int			 i, others = 0, crit;

	ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
	ck_assert_int_eq(X509_get_signature_nid(x), sig_nid);
	ck_assert_int_eq(pki_cert_issued_by(x, ca), 1);
	ck_assert_int_eq(pki_cert_matches_key(x, subject_key), 1);

	/* Subject C=JP, L=prefecture, L=city, CN=uid; issuer is the CA. */
	ck_assert_int_eq(X509_NAME_entry_count(n), 4);
	ck_assert(name_entry_is(n, 0, NID_countryName, "JP"));
	e = X509_NAME_get_entry(n, 0);
	ck_assert_int_eq(ASN1_STRING_type(X509_NAME_ENTRY_get_data(e)),
	    V_ASN1_PRINTABLESTRING);
	ck_assert(name_entry_is(n, 1, NID_localityName, p->prefecture));
	ck_assert(name_entry_is(n, 2, NID_localityName, p->city));
	ck_assert(name_entry_is(n, 3, NID_commonName, p->uid));
	ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(x),
	    X509_get_subject_name(ca)), 0);

	ck_assert_int_eq(serial_from_asn1(X509_get0_serialNumber(x), &sn), 0);
	ck_assert_uint_eq(sn.len, p->serial.len);
	ck_assert_mem_eq(sn.b, p->serial.b, sn.len);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x),
	    p->not_before), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x),
	    p->not_after), 0);

	ck_assert_int_eq(X509_check_ca(x), 0);
	ck_assert_int_eq(ext_critical(x, NID_key_usage), 1);
	ck_assert_uint_eq(X509_get_key_usage(x),
	    KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	ck_assert_ptr_nonnull(X509_get0_subject_key_id(x));
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
	    X509_get0_subject_key_id(ca)), 0);

	/* SAN: exactly four otherNames, each a UTF8String. */
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	ck_assert_ptr_nonnull(gens);
	ck_assert_int_eq(crit, 0);
	ck_assert_int_eq(sk_GENERAL_NAME_num(gens), 4);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		ck_assert(GENERAL_NAME_get0_otherName(gn, &oid, &val));
		ck_assert_int_eq(val->type, V_ASN1_UTF8STRING);
		others++;
	}
	ck_assert_int_eq(others, 4);
	GENERAL_NAMES_free(gens);

	ck_assert_int_eq(pki_cert_details(x, &d), 0);
	ck_assert_str_eq(d.name, p->name);
	ck_assert_str_eq(d.address, p->address);
	ck_assert_str_eq(d.birth_date, p->birth_date);
	ck_assert_int_eq(d.sex, p->sex);
	pki_details_free(&d);
	ck_assert_ptr_null(d.name);
	pki_details_free(&d);

	/* AIA OCSP and CDP fullName. */
	ck_assert_ptr_nonnull(ocsp = X509_get1_ocsp(x));
	ck_assert_int_eq(sk_OPENSSL_STRING_num(ocsp), 1);
	ck_assert_str_eq(sk_OPENSSL_STRING_value(ocsp, 0), p->ocsp_url);
	X509_email_free(ocsp);
	/* AIA caIssuers after the OCSP entry */
	aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	ck_assert_ptr_nonnull(aia);
	ck_assert_int_eq(sk_ACCESS_DESCRIPTION_num(aia), 2);
	ck_assert_int_eq(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 1)->method),
	    NID_ad_ca_issuers);
	gn = sk_ACCESS_DESCRIPTION_value(aia, 1)->location;
	ck_assert_int_eq(gn->type, GEN_URI);
	ck_assert_str_eq((const char *)ASN1_STRING_get0_data(
	    gn->d.uniformResourceIdentifier), p->ca_issuers_url);
	AUTHORITY_INFO_ACCESS_free(aia);
	cdp = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	ck_assert_ptr_nonnull(cdp);
	ck_assert_int_eq(sk_DIST_POINT_num(cdp), 1);
	dp = sk_DIST_POINT_value(cdp, 0);
	ck_assert_ptr_nonnull(dp->distpoint);
	ck_assert_int_eq(dp->distpoint->type, 0);
	ck_assert_int_eq(sk_GENERAL_NAME_num(dp->distpoint->name.fullname), 1);
	gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0);
	ck_assert_int_eq(gn->type, GEN_URI);
	ck_assert_str_eq((const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier),
	    p->crl_url);
	CRL_DIST_POINTS_free(cdp);

	openssl_verify_ok(ca, x);
	X509_free(x);
}

START_TEST(test_issue_sign_rsa)
{
	EVP_PKEY		*ca_key, *key;
	X509			*ca, *cert;
	struct pki_profile	 p;

	ck_assert_ptr_nonnull(ca_key = pki_key_generate(PKI_RSA2048));
	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_RSA2048));
	ca = make_ca(ca_key, "Inagi CA");
	profile_init(&p, PKI_KIND_SIGN);
	p.sex = 2;
	ck_assert_ptr_nonnull(cert = pki_cert_issue(ca, ca_key, key, &p));
	check_sign_cert(ca, key, cert, &p, NID_sha256WithRSAEncryption);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
}
END_TEST

START_TEST(test_issue_ecdsa_ca)
{
	EVP_PKEY		*ca_key, *key_ec, *key_rsa;
	X509			*ca, *cert;
	struct pki_profile	 p;

	ck_assert_ptr_nonnull(ca_key = pki_key_generate(PKI_P256));
	ck_assert_ptr_nonnull(key_ec = pki_key_generate(PKI_P256));
	ck_assert_ptr_nonnull(key_rsa = pki_key_generate(PKI_RSA2048));
	ca = make_ca(ca_key, "Inagi EC CA");
	ck_assert_int_eq(X509_get_signature_nid(ca), NID_ecdsa_with_SHA256);

	profile_init(&p, PKI_KIND_SIGN);
	p.sex = 3;
	ck_assert_ptr_nonnull(cert = pki_cert_issue(ca, ca_key, key_ec, &p));
	check_sign_cert(ca, key_ec, cert, &p, NID_ecdsa_with_SHA256);
	X509_free(cert);

	profile_init(&p, PKI_KIND_SIGN);
	ck_assert_ptr_nonnull(cert = pki_cert_issue(ca, ca_key, key_rsa, &p));
	check_sign_cert(ca, key_rsa, cert, &p, NID_ecdsa_with_SHA256);
	X509_free(cert);

	X509_free(ca);
	EVP_PKEY_free(key_rsa);
	EVP_PKEY_free(key_ec);
	EVP_PKEY_free(ca_key);
}
END_TEST

START_TEST(test_issue_auth)
{
	EVP_PKEY		*ca_key, *key;
	X509			*ca, *cert, *x;
	struct pki_profile	 p;
	struct pki_details	 d;

	ck_assert_ptr_nonnull(ca_key = pki_key_generate(PKI_RSA2048));
	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_P256));
	ca = make_ca(ca_key, "Inagi CA");
	profile_init(&p, PKI_KIND_AUTH);
	/* Details given for an auth certificate are ignored. */
	p.name = JP_NAME;
	ck_assert_ptr_nonnull(cert = pki_cert_issue(ca, ca_key, key, &p));
	x = der_roundtrip(cert);
	ck_assert_int_lt(X509_get_ext_by_NID(x, NID_subject_alt_name, -1), 0);
	ck_assert_uint_eq(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
	ck_assert_int_eq(ext_critical(x, NID_key_usage), 1);
	ck_assert_int_eq(X509_check_ca(x), 0);
	ck_assert_int_eq(pki_cert_details(x, &d), 0);
	ck_assert_ptr_null(d.name);
	ck_assert_ptr_null(d.address);
	ck_assert_ptr_null(d.birth_date);
	ck_assert_int_eq(d.sex, 0);
	ck_assert_int_eq(pki_cert_issued_by(x, ca), 1);
	openssl_verify_ok(ca, x);
	X509_free(x);
	X509_free(cert);

	/* No URLs: no AIA, no CDP. */
	p.ocsp_url = p.crl_url = p.ca_issuers_url = NULL;
	ck_assert_ptr_nonnull(cert = pki_cert_issue(ca, ca_key, key, &p));
	ck_assert_int_lt(X509_get_ext_by_NID(cert, NID_info_access, -1), 0);
	ck_assert_int_lt(X509_get_ext_by_NID(cert,
	    NID_crl_distribution_points, -1), 0);
	X509_free(cert);

	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
}
END_TEST

START_TEST(test_issue_refusals)
{
	EVP_PKEY		*ca_key, *key;
	X509			*ca;
	struct pki_profile	 p;

	ck_assert_ptr_nonnull(ca_key = pki_key_generate(PKI_P256));
	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_P256));
	ca = make_ca(ca_key, "Inagi CA");

	profile_init(&p, PKI_KIND_SIGN);
	p.sex = 4;
	ck_assert_ptr_null(pki_cert_issue(ca, ca_key, key, &p));
	profile_init(&p, PKI_KIND_SIGN);
	p.birth_date = "1981-02-29";
	ck_assert_ptr_null(pki_cert_issue(ca, ca_key, key, &p));
	profile_init(&p, PKI_KIND_SIGN);
	p.birth_date = "S55.2.29";
	ck_assert_ptr_null(pki_cert_issue(ca, ca_key, key, &p));
	profile_init(&p, PKI_KIND_SIGN);
	p.name = "\xe7\xa8\xff";		/* broken UTF-8 */
	ck_assert_ptr_null(pki_cert_issue(ca, ca_key, key, &p));
	profile_init(&p, PKI_KIND_SIGN);
	p.address = NULL;
	ck_assert_ptr_null(pki_cert_issue(ca, ca_key, key, &p));
	profile_init(&p, PKI_KIND_SIGN);
	p.ocsp_url = "http://ocsp example/";
	ck_assert_ptr_null(pki_cert_issue(ca, ca_key, key, &p));
	profile_init(&p, PKI_KIND_SIGN);
	p.not_after = p.not_before;
	ck_assert_ptr_null(pki_cert_issue(ca, ca_key, key, &p));
	profile_init(&p, PKI_KIND_SIGN);
	p.serial.len = 0;
	ck_assert_ptr_null(pki_cert_issue(ca, ca_key, key, &p));
	profile_init(&p, PKI_KIND_SIGN);
	/* The CA key must be the CA certificate's key. */
	ck_assert_ptr_null(pki_cert_issue(ca, key, key, &p));

	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
}
END_TEST

/* URL with a comma and a semicolon: would break X509V3 config strings. */
START_TEST(test_issue_awkward_values)
{
	EVP_PKEY		*ca_key, *key;
	X509			*ca, *cert;
	struct pki_profile	 p;

	ck_assert_ptr_nonnull(ca_key = pki_key_generate(PKI_P256));
	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_P256));
	ca = make_ca(ca_key, "Inagi CA");
	profile_init(&p, PKI_KIND_SIGN);
	p.address = "東京都稲城市東長沼2111, 3-4;5 \"号室\"";
	p.ocsp_url = "http://ocsp.example/a,b;c";
	ck_assert_ptr_nonnull(cert = pki_cert_issue(ca, ca_key, key, &p));
	check_sign_cert(ca, key, cert, &p, NID_ecdsa_with_SHA256);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
}
END_TEST

/* --- files, CSRs, public keys -------------------------------------------- */

START_TEST(test_cert_files)
{
	char		*pem_path = tpath("ca.pem"), *der_path = tpath("ca.der");
	char		*junk = tpath("junk"), *pem, err[256] = "";
	unsigned char	*der = NULL, *padded;
	EVP_PKEY	*key;
	X509		*ca, *x;
	struct stat	 st;
	int		 len;

	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_P256));
	ca = make_ca(key, "Inagi CA");

	ck_assert_int_eq(pki_cert_write(pem_path, ca), 0);
	ck_assert_int_eq(stat(pem_path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(pki_cert_write(pem_path, ca), 0);	/* replaces */
	x = pki_cert_load(pem_path, err, sizeof(err));
	ck_assert_msg(x != NULL, "err: %s", err);
	ck_assert_int_eq(X509_cmp(x, ca), 0);
	X509_free(x);

	ck_assert_int_gt(len = i2d_X509(ca, &der), 0);
	write_bytes(der_path, der, (size_t)len, 0644);
	x = pki_cert_load(der_path, err, sizeof(err));
	ck_assert_msg(x != NULL, "err: %s", err);
	ck_assert_int_eq(X509_cmp(x, ca), 0);
	X509_free(x);

	/* Trailing bytes after the DER are refused. */
	ck_assert_ptr_nonnull(padded = malloc((size_t)len + 1));
	memcpy(padded, der, (size_t)len);
	padded[len] = 0;
	ck_assert_ptr_null(pki_cert_from_der(padded, (size_t)len + 1));
	free(padded);
	OPENSSL_free(der);

	ck_assert_ptr_nonnull(pem = pki_cert_to_pem(ca));
	ck_assert_ptr_nonnull(strstr(pem, "-----BEGIN CERTIFICATE-----\n"));
	ck_assert_ptr_nonnull(x = pki_cert_from_pem(pem, strlen(pem)));
	ck_assert_int_eq(X509_cmp(x, ca), 0);
	X509_free(x);
	ck_assert_ptr_null(pki_cert_from_pem(pem, 20));
	free(pem);

	write_bytes(junk, "hello\n", 6, 0644);
	ck_assert_ptr_null(pki_cert_load(junk, err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a certificate") != NULL, "err: %s", err);
	ck_assert_int_eq(ERR_peek_error(), 0);

	X509_free(ca);
	EVP_PKEY_free(key);
	free(pem_path);
	free(der_path);
	free(junk);
}
END_TEST

static X509_REQ *
csr_make(EVP_PKEY *key, const char *cn)
{
	X509_REQ	*req;

	ck_assert_ptr_nonnull(req = X509_REQ_new());
	ck_assert(X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req),
	    NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0));
	ck_assert(X509_REQ_set_pubkey(req, key));
	ck_assert_int_gt(X509_REQ_sign(req, key, EVP_sha256()), 0);
	return req;
}

START_TEST(test_csr_pubkey)
{
	char		*pem_path = tpath("req.pem"), *der_path = tpath("req.der");
	char		*bad_path = tpath("bad.der"), err[256] = "";
	unsigned char	*der = NULL, *hit;
	EVP_PKEY	*key, *pub;
	X509_REQ	*req;
	FILE		*fp;
	int		 len;

	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_P256));
	req = csr_make(key, "tamper-me");

	ck_assert_ptr_nonnull(fp = fopen(pem_path, "w"));
	ck_assert(PEM_write_X509_REQ(fp, req));
	fclose(fp);
	pub = pki_csr_pubkey(pem_path, err, sizeof(err));
	ck_assert_msg(pub != NULL, "err: %s", err);
	ck_assert_int_eq(EVP_PKEY_eq(pub, key), 1);
	EVP_PKEY_free(pub);

	ck_assert_int_gt(len = i2d_X509_REQ(req, &der), 0);
	write_bytes(der_path, der, (size_t)len, 0644);
	pub = pki_csr_pubkey(der_path, err, sizeof(err));
	ck_assert_msg(pub != NULL, "err: %s", err);
	ck_assert_int_eq(EVP_PKEY_eq(pub, key), 1);
	EVP_PKEY_free(pub);

	/* Change the subject after signing: the signature must fail. */
	ck_assert_ptr_nonnull(hit = memmem(der, (size_t)len, "tamper-me", 9));
	hit[0] = 'T';
	write_bytes(bad_path, der, (size_t)len, 0644);
	err[0] = '\0';
	ck_assert_ptr_null(pki_csr_pubkey(bad_path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "does not verify") != NULL, "err: %s", err);
	ck_assert_int_eq(ERR_peek_error(), 0);

	/* A certificate is not a CSR. */
	write_bytes(bad_path, "garbage", 7, 0644);
	ck_assert_ptr_null(pki_csr_pubkey(bad_path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a certificate request") != NULL,
	    "err: %s", err);

	OPENSSL_free(der);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	free(pem_path);
	free(der_path);
	free(bad_path);
}
END_TEST

START_TEST(test_pubkey_load)
{
	char		*pem_path = tpath("pub.pem"), *der_path = tpath("pub.der");
	char		*priv_path = tpath("priv.pem"), err[256] = "";
	unsigned char	*der = NULL;
	EVP_PKEY	*key, *pub;
	X509		*ca;
	FILE		*fp;
	int		 len;

	ck_assert_ptr_nonnull(key = pki_key_generate(PKI_RSA2048));
	ck_assert_ptr_nonnull(fp = fopen(pem_path, "w"));
	ck_assert(PEM_write_PUBKEY(fp, key));
	fclose(fp);
	pub = pki_pubkey_load(pem_path, err, sizeof(err));
	ck_assert_msg(pub != NULL, "err: %s", err);
	ck_assert_int_eq(EVP_PKEY_eq(pub, key), 1);

	/* A public key matches the certificate made for its private half. */
	ca = make_ca(key, "Inagi CA");
	ck_assert_int_eq(pki_cert_matches_key(ca, pub), 1);
	X509_free(ca);
	EVP_PKEY_free(pub);

	ck_assert_int_gt(len = i2d_PUBKEY(key, &der), 0);
	write_bytes(der_path, der, (size_t)len, 0644);
	pub = pki_pubkey_load(der_path, err, sizeof(err));
	ck_assert_msg(pub != NULL, "err: %s", err);
	ck_assert_int_eq(EVP_PKEY_eq(pub, key), 1);
	EVP_PKEY_free(pub);
	OPENSSL_free(der);

	ck_assert_int_eq(pki_key_write(priv_path, key), 0);
	ck_assert_ptr_null(pki_pubkey_load(priv_path, err, sizeof(err)));

	EVP_PKEY_free(key);
	free(pem_path);
	free(der_path);
	free(priv_path);
}
END_TEST

START_TEST(test_issued_by_other_ca)
{
	EVP_PKEY		*k1, *k2, *leaf_key;
	X509			*ca1, *ca2_same_name, *ca3, *cert;
	struct pki_profile	 p;

	ck_assert_ptr_nonnull(k1 = pki_key_generate(PKI_RSA2048));
	ck_assert_ptr_nonnull(k2 = pki_key_generate(PKI_P256));
	ck_assert_ptr_nonnull(leaf_key = pki_key_generate(PKI_P256));
	ca1 = make_ca(k1, "Inagi CA");
	ca2_same_name = make_ca(k2, "Inagi CA");	/* same name, other key */
	ca3 = make_ca(k1, "Tama CA");			/* same key, other name */

	profile_init(&p, PKI_KIND_AUTH);
	ck_assert_ptr_nonnull(cert = pki_cert_issue(ca1, k1, leaf_key, &p));
	ck_assert_int_eq(pki_cert_issued_by(cert, ca1), 1);
	ck_assert_int_eq(pki_cert_issued_by(cert, ca2_same_name), 0);
	ck_assert_int_eq(pki_cert_issued_by(cert, ca3), 0);
	ck_assert_int_eq(pki_cert_issued_by(ca1, ca2_same_name), 0);
	ck_assert_int_eq(pki_cert_issued_by(NULL, ca1), 0);
	ck_assert_int_eq(pki_cert_matches_key(cert, k1), 0);
	ck_assert_int_eq(ERR_peek_error(), 0);

	X509_free(cert);
	X509_free(ca3);
	X509_free(ca2_same_name);
	X509_free(ca1);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k1);
}
END_TEST

/* An ASN1_TIME of this type holding exactly text (valid or not). */
static ASN1_TIME *
asn1_time_of(int type, const char *text)
{
	ASN1_TIME	*t = ASN1_TIME_new();

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(ASN1_STRING_set(t, text, (int)strlen(text)), 1);
	t->type = type;
	return t;
}

START_TEST(test_time)
{
	static const struct {
		int		 type;
		const char	*text;
		time_t		 want;
	} ok[] = {
		{ V_ASN1_UTCTIME, "700101000000Z", 0 },
		{ V_ASN1_UTCTIME, "261125120000Z", 1795608000 },
		{ V_ASN1_UTCTIME, "491231235959Z", 2524607999 },	/* 2049 */
		{ V_ASN1_UTCTIME, "500101000000Z", -631152000 },	/* 1950 */
		{ V_ASN1_GENERALIZEDTIME, "20500101000000Z", 2524608000 },
		{ V_ASN1_GENERALIZEDTIME, "99991231235959Z", 253402300799 },
	};
	static const char *const bad[] = {
		"garbage", "261325120000Z", "26112512000Z", "",
	};
	ASN1_TIME	*t;
	time_t		 out;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		t = asn1_time_of(ok[i].type, ok[i].text);
		out = 1;
		ck_assert_int_eq(pki_time(t, &out), 0);
		ck_assert_msg(out == ok[i].want, "%s: %lld, not %lld",
		    ok[i].text, (long long)out, (long long)ok[i].want);
		ASN1_TIME_free(t);
	}
	/* what ASN1_TIME_set() wrote reads back */
	ck_assert_ptr_nonnull(t = ASN1_TIME_set(NULL, 1795608000 + 59));
	ck_assert_int_eq(pki_time(t, &out), 0);
	ck_assert_int_eq((long long)out, 1795608000 + 59);
	ASN1_TIME_free(t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = asn1_time_of(V_ASN1_UTCTIME, bad[i]);
		out = 1;
		ck_assert_int_eq(pki_time(t, &out), -1);
		ck_assert_int_eq((long long)out, 0);
		ck_assert_int_eq(ERR_peek_error(), 0);
		ASN1_TIME_free(t);
	}
	out = 1;
	ck_assert_int_eq(pki_time(NULL, &out), -1);
	ck_assert_int_eq((long long)out, 0);
}
END_TEST

START_TEST(test_details_free_null)
{
	pki_details_free(NULL);
}
END_TEST

static Suite *
pki_suite(void)
{
	Suite	*s = suite_create("pki");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_keyalg_parse);
	tcase_add_test(tc, test_key_rsa_roundtrip);
	tcase_add_test(tc, test_key_p256_roundtrip);
	tcase_add_test(tc, test_key_load_refusals);
	tcase_add_test(tc, test_key_load_der);
	tcase_add_test(tc, test_key_encrypted_refused);
	tcase_add_test(tc, test_serial_random);
	tcase_add_test(tc, test_ca_create);
	tcase_add_test(tc, test_ca_create_org);
	tcase_add_test(tc, test_signer_create);
	tcase_add_test(tc, test_issue_sign_rsa);
	tcase_add_test(tc, test_issue_ecdsa_ca);
	tcase_add_test(tc, test_issue_auth);
	tcase_add_test(tc, test_issue_refusals);
	tcase_add_test(tc, test_issue_awkward_values);
	tcase_add_test(tc, test_cert_files);
	tcase_add_test(tc, test_csr_pubkey);
	tcase_add_test(tc, test_pubkey_load);
	tcase_add_test(tc, test_issued_by_other_ca);
	tcase_add_test(tc, test_details_free_null);
	tcase_add_test(tc, test_time);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	/* Refusal tests log on purpose; keep the output to the results. */
	log_init("check_pki", LOG_LVL_ERR);
	return check_run(pki_suite(), CK_FORK_GETENV);
}
