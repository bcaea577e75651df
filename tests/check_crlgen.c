/* SPDX-License-Identifier: ISC */
/*
 * check_crlgen.c: the streaming CRL builder, read back by OpenSSL's parser,
 * `openssl crl` and GnuTLS `certtool`; the partitions' issuingDistributionPoint.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "check_main.h"
#include "crlgen.h"
#include "log.h"
#include "serial.h"

/*
 * thisUpdate an hour ago by the real clock: certtool --verify-crl judges
 * freshness against the wall clock and has no --attime.
 */
#define T_THIS		t_this
#define T_NEXT		(T_THIS + 7 * 86400)
#define T_2050		((time_t)2524608000)	/* 2050-01-01T00:00:00Z */
#define LARGE_N		100000
#define FRESHEST_URL	"http://crl.example.jp/crl/inagi-delta.crl"
#define IDP_URL		"http://crl.example.jp/crl/inagi-3.crl"
#define IDP_DELTA_URL	"http://crl.example.jp/crl/inagi-3-delta.crl"

enum { CA_RSA, CA_EC, CA_RSA_NOSKI, CA_COUNT };

struct ca {
	X509		*cert;
	EVP_PKEY	*key;
};

/* Made once in the parent (unchecked fixture); each forked test inherits them. */
static struct ca	 cas[CA_COUNT];
static char		 tmpdir[] = "/tmp/check_crlgen.XXXXXX";
static time_t		 t_this;

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	int		 ok;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static void
make_ca(struct ca *ca, EVP_PKEY *key, const char *cn, int with_ski)
{
	X509		*x = X509_new();
	X509_NAME	*name = X509_NAME_new();

	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_nonnull(key);
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
	    (const unsigned char *)"JP", -1, -1, 0), 1);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "L", MBSTRING_UTF8,
	    (const unsigned char *)"\xe7\xa8\xb2\xe5\x9f\x8e\xe5\xb8\x82", -1, -1, 0), 1);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	ck_assert_int_eq(X509_set_subject_name(x, name), 1);
	ck_assert_int_eq(X509_set_issuer_name(x, name), 1);
	ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &(time_t){T_THIS - 86400}));
	ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notAfter(x), 3650, 0, &(time_t){T_THIS}));
	ck_assert_int_eq(X509_set_pubkey(x, key), 1);
	ck_assert_int_eq(add_ext(x, NID_basic_constraints, "critical,CA:TRUE"), 1);
	ck_assert_int_eq(add_ext(x, NID_key_usage, "critical,keyCertSign,cRLSign"), 1);
	if (with_ski)
		ck_assert_int_eq(add_ext(x, NID_subject_key_identifier, "hash"), 1);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	X509_NAME_free(name);
	ca->cert = x;
	ca->key = key;
}

static void
setup_cas(void)
{
	EVP_PKEY	*rsa = EVP_RSA_gen(2048);

	t_this = time(NULL) - 3600;
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	make_ca(&cas[CA_RSA], rsa, "Inagi RSA CA", 1);
	make_ca(&cas[CA_EC], EVP_EC_gen("P-256"), "Inagi EC CA", 1);
	ck_assert_int_eq(EVP_PKEY_up_ref(rsa), 1);
	make_ca(&cas[CA_RSA_NOSKI], rsa, "Inagi RSA CA without SKI", 0);
}

static void
teardown_cas(void)
{
	char	 cmd[256];

	for (int i = 0; i < CA_COUNT; i++) {
		X509_free(cas[i].cert);
		EVP_PKEY_free(cas[i].key);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static void
params_init(struct crlgen_params *p, const struct ca *ca)
{
	memset(p, 0, sizeof(*p));
	p->issuer = ca->cert;
	p->key = ca->key;
	p->number = 42;
	p->delta_base = -1;
	p->this_update = T_THIS;
	p->next_update = T_NEXT;
}

static struct serial
ser(const char *hex)
{
	struct serial	 s;

	ck_assert_int_eq(serial_from_hex(hex, &s), 0);
	return s;
}

/* Entries of the small CRLs: serial, revocation time (seconds before thisUpdate, or absolute), reason. */
static const struct {
	const char	*hex;
	time_t		 ago, at;
	int		 reason;
} entries[] = {
	{ "01", 3600, 0, CRL_REASON_KEY_COMPROMISE },
	{ "7F", 3600, 0, CRL_REASON_NONE },	/* no reasonCode after one with */
	{ "80", 7200, 0, CRL_REASON_CERTIFICATE_HOLD },	/* needs a 00 pad */
	{ "00FF", 60, 0, CRL_REASON_AFFILIATION_CHANGED },
	{ "4A1B2C3D4E5F60718293A4B5C6D7E8F9", 1, 0, CRL_REASON_SUPERSEDED },
	{ "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 0, T_2050 + 5, CRL_REASON_CESSATION_OF_OPERATION },
	{ "1234", 10, 0, CRL_REASON_NONE },
};
#define N_ENTRIES	(sizeof(entries) / sizeof(entries[0]))

static time_t
entry_when(size_t i)
{
	return entries[i].at ? entries[i].at : T_THIS - entries[i].ago;
}

static unsigned char *
build(const struct crlgen_params *p, size_t n, size_t *len)
{
	struct crlgen	*g;
	unsigned char	*der;
	struct serial	 s;

	ck_assert_ptr_nonnull(g = crlgen_new(p));
	for (size_t i = 0; i < n; i++) {
		s = ser(entries[i].hex);
		ck_assert_int_eq(crlgen_add(g, &s, entry_when(i), entries[i].reason), 0);
	}
	ck_assert_uint_eq(crlgen_count(g), n);
	ck_assert_ptr_nonnull(der = crlgen_finish(g, len));
	crlgen_free(g);
	return der;
}

static X509_CRL *
parse(const unsigned char *der, size_t len)
{
	const unsigned char	*p = der;
	X509_CRL		*crl;

	ck_assert_ptr_nonnull(crl = d2i_X509_CRL(NULL, &p, (long)len));
	ck_assert_ptr_eq(p, der + len);		/* nothing trailing */
	return crl;
}

/* Our TBS must be exactly what OpenSSL's own encoder makes of the parse. */
static void
check_canonical_tbs(X509_CRL *crl, const unsigned char *der)
{
	unsigned char	*re = NULL;
	int		 n;
	long		 outer_len, tbs_len;
	int		 tag, xclass;
	const unsigned char *p = der, *tbs;

	ck_assert_int_eq(ASN1_get_object(&p, &outer_len, &tag, &xclass, 1 << 30) & 0x80, 0);
	tbs = p;
	ck_assert_int_eq(ASN1_get_object(&p, &tbs_len, &tag, &xclass, outer_len) & 0x80, 0);
	tbs_len += p - tbs;
	ck_assert_int_gt(n = i2d_re_X509_CRL_tbs(crl, &re), 0);
	ck_assert_int_eq(n, tbs_len);
	ck_assert_int_eq(memcmp(re, tbs, n), 0);
	OPENSSL_free(re);
}

static void
check_common(X509_CRL *crl, const struct ca *ca, uint64_t number)
{
	AUTHORITY_KEYID			*akid;
	ASN1_INTEGER			*num;
	const ASN1_OCTET_STRING		*ski;
	unsigned char			 md[EVP_MAX_MD_SIZE];
	unsigned int			 mdlen;
	uint64_t			 v;
	int				 crit;

	ck_assert_int_eq(X509_CRL_get_version(crl), 1);	/* v2 */
	ck_assert_int_eq(X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(ca->cert)), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(crl), T_THIS), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl), T_NEXT), 0);
	ck_assert_int_eq(ASN1_STRING_type(X509_CRL_get0_lastUpdate(crl)), V_ASN1_UTCTIME);
	ck_assert_int_eq(X509_CRL_verify(crl, ca->key), 1);

	ck_assert_ptr_nonnull(num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL));
	ck_assert_int_eq(crit, 0);
	ck_assert_int_eq(ASN1_INTEGER_get_uint64(&v, num), 1);
	ck_assert_uint_eq(v, number);
	ASN1_INTEGER_free(num);

	ck_assert_ptr_nonnull(akid = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &crit, NULL));
	ck_assert_int_eq(crit, 0);
	ck_assert_ptr_nonnull(akid->keyid);
	ck_assert_ptr_null(akid->issuer);
	if ((ski = X509_get0_subject_key_id(ca->cert)) != NULL)
		ck_assert_int_eq(ASN1_OCTET_STRING_cmp(akid->keyid, ski), 0);
	else {
		ck_assert_int_eq(X509_pubkey_digest(ca->cert, EVP_sha1(), md, &mdlen), 1);
		ck_assert_int_eq(ASN1_STRING_length(akid->keyid), (int)mdlen);
		ck_assert_int_eq(memcmp(ASN1_STRING_get0_data(akid->keyid), md, mdlen), 0);
	}
	AUTHORITY_KEYID_free(akid);
}

static void
check_entries(X509_CRL *crl, size_t n)
{
	STACK_OF(X509_REVOKED)	*revs = X509_CRL_get_REVOKED(crl);
	X509_REVOKED		*r;
	ASN1_ENUMERATED		*reason;
	struct serial		 got, want;
	int			 crit;

	ck_assert_int_eq(sk_X509_REVOKED_num(revs), (int)n);
	for (size_t i = 0; i < n; i++) {
		/* X509_CRL parsing sorts by serial: look each one up instead. */
		ASN1_INTEGER *ai;

		want = ser(entries[i].hex);
		ck_assert_ptr_nonnull(ai = serial_to_asn1(&want));
		ck_assert_int_eq(X509_CRL_get0_by_serial(crl, &r, ai), 1);
		ASN1_INTEGER_free(ai);
		ck_assert_int_eq(serial_from_asn1(X509_REVOKED_get0_serialNumber(r), &got), 0);
		ck_assert_uint_eq(got.len, want.len);
		ck_assert_int_eq(memcmp(got.b, want.b, got.len), 0);
		ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_REVOKED_get0_revocationDate(r),
		    entry_when(i)), 0);
		ck_assert_int_eq(ASN1_STRING_type(X509_REVOKED_get0_revocationDate(r)),
		    entry_when(i) >= T_2050 ? V_ASN1_GENERALIZEDTIME : V_ASN1_UTCTIME);
		reason = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, NULL);
		if (entries[i].reason == CRL_REASON_NONE) {
			ck_assert_ptr_null(reason);
			/* Not even an empty Extensions SEQUENCE (SIZE (1..MAX)). */
			ck_assert_ptr_null(X509_REVOKED_get0_extensions(r));
		} else {
			ck_assert_ptr_nonnull(reason);
			ck_assert_int_eq(crit, 0);
			ck_assert_int_eq(ASN1_ENUMERATED_get(reason), entries[i].reason);
			ck_assert_int_eq(X509_REVOKED_get_ext_count(r), 1);
		}
		ASN1_ENUMERATED_free(reason);
	}
}

static void
write_file(const char *path, const unsigned char *der, size_t len)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(der, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Run cmd; its output (stdout and stderr) in out; the exit status returned. */
static int
run(const char *cmd, char *out, size_t outsz)
{
	FILE	*f;
	size_t	 n;
	int	 st;

	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The CRL through `openssl crl` (signature) and, unless huge, GnuTLS certtool
 * (parse, verify): certtool 3.7 fetches entry i by walking the list from the
 * start, quadratic, over two minutes for 100,000 entries.
 */
static void
check_external(const struct ca *ca, const unsigned char *der, size_t len, const char *name,
    int huge)
{
	char	 crlpath[512], capath[512], cadpath[512], cmd[2048], out[8192];
	FILE	*f;

	snprintf(crlpath, sizeof(crlpath), "%s/%s.crl", tmpdir, name);
	snprintf(capath, sizeof(capath), "%s/%s-ca.pem", tmpdir, name);
	write_file(crlpath, der, len);
	ck_assert_ptr_nonnull(f = fopen(capath, "w"));
	ck_assert_int_eq(PEM_write_X509(f, ca->cert), 1);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(cadpath, sizeof(cadpath), "%s/%s-ca.der", tmpdir, name);	/* certtool --inder */
	ck_assert_ptr_nonnull(f = fopen(cadpath, "wb"));
	ck_assert_int_eq(i2d_X509_fp(f, ca->cert), 1);
	ck_assert_int_eq(fclose(f), 0);

	snprintf(cmd, sizeof(cmd), "openssl crl -inform DER -in '%s' -CAfile '%s' -noout 2>&1",
	    crlpath, capath);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "verify OK") != NULL, "openssl crl: %s", out);

	if (huge)
		return;
	snprintf(cmd, sizeof(cmd), "certtool --crl-info --inder --infile '%s' 2>&1", crlpath);
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "certtool --crl-info: %s", out);
	snprintf(cmd, sizeof(cmd), "certtool --verify-crl --load-ca-certificate '%s' "
	    "--inder --infile '%s' 2>&1", cadpath, crlpath);
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "certtool --verify-crl: %s", out);
}

START_TEST(test_full)
{
	const struct ca		*ca = &cas[_i];
	struct crlgen_params	 p;
	X509_CRL		*crl;
	CRL_DIST_POINTS		*dps;
	DIST_POINT		*dp;
	GENERAL_NAME		*gn;
	ASN1_OBJECT		*obj;
	X509_EXTENSION		*ext;
	ASN1_GENERALIZEDTIME	*gt;
	const unsigned char	*q;
	unsigned char		*der;
	size_t			 len;
	int			 loc, crit;
	char			 name[32];

	params_init(&p, ca);
	p.freshest_url = FRESHEST_URL;
	p.expired_certs_on_crl = T_THIS - 5 * 365 * 86400;
	der = build(&p, N_ENTRIES, &len);
	crl = parse(der, len);
	check_canonical_tbs(crl, der);
	check_common(crl, ca, 42);
	check_entries(crl, N_ENTRIES);

	ck_assert_ptr_null(X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit, NULL));
	ck_assert_ptr_nonnull(dps = X509_CRL_get_ext_d2i(crl, NID_freshest_crl, &crit, NULL));
	ck_assert_int_eq(crit, 0);
	ck_assert_int_eq(sk_DIST_POINT_num(dps), 1);
	dp = sk_DIST_POINT_value(dps, 0);
	ck_assert_int_eq(dp->distpoint->type, 0);
	ck_assert_int_eq(sk_GENERAL_NAME_num(dp->distpoint->name.fullname), 1);
	gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0);
	ck_assert_int_eq(gn->type, GEN_URI);
	ck_assert_str_eq((const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier),
	    FRESHEST_URL);
	CRL_DIST_POINTS_free(dps);

	ck_assert_ptr_nonnull(obj = OBJ_txt2obj("2.5.29.60", 1));
	ck_assert_int_ge(loc = X509_CRL_get_ext_by_OBJ(crl, obj, -1), 0);
	ASN1_OBJECT_free(obj);
	ext = X509_CRL_get_ext(crl, loc);
	ck_assert_int_eq(X509_EXTENSION_get_critical(ext), 0);
	q = ASN1_STRING_get0_data(X509_EXTENSION_get_data(ext));
	ck_assert_ptr_nonnull(gt = d2i_ASN1_GENERALIZEDTIME(NULL, &q,
	    ASN1_STRING_length(X509_EXTENSION_get_data(ext))));
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(gt, p.expired_certs_on_crl), 0);
	ASN1_GENERALIZEDTIME_free(gt);
	/* without idp_url: no issuingDistributionPoint, as before partitions */
	ck_assert_int_lt(X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1), 0);
	ck_assert_int_eq(X509_CRL_get_ext_count(crl), 4);

	snprintf(name, sizeof(name), "full-%d", _i);
	check_external(ca, der, len, name, 0);
	X509_CRL_free(crl);
	free(der);
}
END_TEST

START_TEST(test_delta)
{
	const struct ca		*ca = &cas[_i];
	struct crlgen_params	 p;
	struct crlgen		*g;
	struct serial		 s;
	X509_CRL		*crl;
	X509_REVOKED		*r;
	ASN1_INTEGER		*base;
	ASN1_ENUMERATED		*reason;
	unsigned char		*der;
	size_t			 len;
	int64_t			 v;
	int			 crit;
	char			 name[32];

	params_init(&p, ca);
	p.number = 43;
	p.delta_base = 41;
	ck_assert_ptr_nonnull(g = crlgen_new(&p));
	s = ser("0A");
	ck_assert_int_eq(crlgen_add(g, &s, T_THIS - 5, CRL_REASON_REMOVE_FROM_CRL), 0);
	s = ser("0B");
	ck_assert_int_eq(crlgen_add(g, &s, T_THIS - 5, CRL_REASON_CESSATION_OF_OPERATION), 0);
	ck_assert_ptr_nonnull(der = crlgen_finish(g, &len));
	crlgen_free(g);

	crl = parse(der, len);
	check_canonical_tbs(crl, der);
	check_common(crl, ca, 43);
	ck_assert_ptr_nonnull(base = X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit, NULL));
	ck_assert_int_eq(crit, 1);
	ck_assert_int_eq(ASN1_INTEGER_get_int64(&v, base), 1);
	ck_assert_int_eq(v, 41);
	ASN1_INTEGER_free(base);
	ck_assert_ptr_null(X509_CRL_get_ext_d2i(crl, NID_freshest_crl, &crit, NULL));
	ck_assert_int_lt(X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1), 0);
	ck_assert_int_eq(X509_CRL_get_ext_count(crl), 3);
	ck_assert_int_eq(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 2);
	r = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl), 0);
	ck_assert_ptr_nonnull(reason = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, NULL));
	ck_assert_int_eq(ASN1_ENUMERATED_get(reason), CRL_REASON_REMOVE_FROM_CRL);
	ASN1_ENUMERATED_free(reason);

	snprintf(name, sizeof(name), "delta-%d", _i);
	check_external(ca, der, len, name, 0);
	X509_CRL_free(crl);
	free(der);
}
END_TEST

/* The URI of a one-name fullName DistributionPointName. */
static const char *
dp_uri(const DIST_POINT_NAME *dpn)
{
	const GENERAL_NAME	*gn;

	ck_assert_ptr_nonnull(dpn);
	ck_assert_int_eq(dpn->type, 0);		/* fullName */
	ck_assert_int_eq(sk_GENERAL_NAME_num(dpn->name.fullname), 1);
	gn = sk_GENERAL_NAME_value(dpn->name.fullname, 0);
	ck_assert_int_eq(gn->type, GEN_URI);
	return (const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier);
}

/*
 * RFC 5280 5.2.5: critical, distributionPoint fullName exactly url, and
 * nothing else (all certificate kinds, all reasons, not indirect), so that
 * the scope is "the certificates whose CRLDP names url".
 */
static void
check_idp(X509_CRL *crl, const char *url)
{
	ISSUING_DIST_POINT	*idp;
	int			 crit = -1;

	ck_assert_ptr_nonnull(idp = X509_CRL_get_ext_d2i(crl,
	    NID_issuing_distribution_point, &crit, NULL));
	ck_assert_int_eq(crit, 1);
	ck_assert_str_eq(dp_uri(idp->distpoint), url);
	ck_assert_int_eq(idp->onlyuser, 0);
	ck_assert_int_eq(idp->onlyCA, 0);
	ck_assert_int_eq(idp->onlyattr, 0);
	ck_assert_int_eq(idp->indirectCRL, 0);
	ck_assert_ptr_null(idp->onlysomereasons);
	ISSUING_DIST_POINT_free(idp);
	/* exactly one */
	ck_assert_int_lt(X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point,
	    X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1)), 0);
}

START_TEST(test_idp)
{
	const struct ca		*ca = &cas[_i];
	struct crlgen_params	 p;
	X509_CRL		*full, *delta;
	CRL_DIST_POINTS		*dps;
	ASN1_INTEGER		*base;
	unsigned char		*fder, *dder;
	size_t			 flen, dlen;
	int			 crit;
	char			 name[32];

	/* a partition's full CRL: IDP naming its URL, freshestCRL its delta */
	params_init(&p, ca);
	p.freshest_url = IDP_DELTA_URL;
	p.idp_url = IDP_URL;
	fder = build(&p, N_ENTRIES, &flen);
	full = parse(fder, flen);
	check_canonical_tbs(full, fder);
	check_common(full, ca, 42);
	check_entries(full, N_ENTRIES);
	check_idp(full, IDP_URL);
	ck_assert_ptr_nonnull(dps = X509_CRL_get_ext_d2i(full, NID_freshest_crl, &crit, NULL));
	ck_assert_str_eq(dp_uri(sk_DIST_POINT_value(dps, 0)->distpoint), IDP_DELTA_URL);
	CRL_DIST_POINTS_free(dps);
	ck_assert_int_eq(X509_CRL_get_ext_count(full), 4);	/* AKID, number, IDP, freshest */
	snprintf(name, sizeof(name), "idp-full-%d", _i);
	check_external(ca, fder, flen, name, 0);

	/* its delta: the same IDP (a relying party pairs them by it) */
	params_init(&p, ca);
	p.number = 43;
	p.delta_base = 42;
	p.idp_url = IDP_URL;
	dder = build(&p, 2, &dlen);
	delta = parse(dder, dlen);
	check_canonical_tbs(delta, dder);
	check_common(delta, ca, 43);
	check_idp(delta, IDP_URL);
	ck_assert_ptr_nonnull(base = X509_CRL_get_ext_d2i(delta, NID_delta_crl, &crit, NULL));
	ck_assert_int_eq(crit, 1);
	ASN1_INTEGER_free(base);
	ck_assert_int_eq(X509_CRL_get_ext_count(delta), 4);	/* AKID, number, delta, IDP */
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(
	    X509_EXTENSION_get_data(X509_CRL_get_ext(full,
	    X509_CRL_get_ext_by_NID(full, NID_issuing_distribution_point, -1))),
	    X509_EXTENSION_get_data(X509_CRL_get_ext(delta,
	    X509_CRL_get_ext_by_NID(delta, NID_issuing_distribution_point, -1)))), 0);
	snprintf(name, sizeof(name), "idp-delta-%d", _i);
	check_external(ca, dder, dlen, name, 0);
	X509_CRL_free(full);
	X509_CRL_free(delta);
	free(fder);
	free(dder);
}
END_TEST

/*
 * Without idp_url the output is what it was: with the RSA CA (PKCS#1 v1.5
 * signatures are deterministic) the same parameters give the same bytes,
 * and setting idp_url changes exactly one thing: the extra extension.
 */
START_TEST(test_no_idp_unchanged)
{
	const struct ca		*ca = &cas[CA_RSA];
	struct crlgen_params	 p;
	X509_CRL		*a, *b;
	unsigned char		*d1, *d2, *d3;
	size_t			 l1, l2, l3;
	int			 loc;

	params_init(&p, ca);
	p.freshest_url = FRESHEST_URL;
	d1 = build(&p, N_ENTRIES, &l1);
	d2 = build(&p, N_ENTRIES, &l2);
	ck_assert_uint_eq(l1, l2);
	ck_assert_int_eq(memcmp(d1, d2, l1), 0);
	p.idp_url = IDP_URL;
	d3 = build(&p, N_ENTRIES, &l3);
	ck_assert_uint_gt(l3, l1);
	a = parse(d1, l1);
	b = parse(d3, l3);
	ck_assert_int_ge(loc = X509_CRL_get_ext_by_NID(b, NID_issuing_distribution_point, -1), 0);
	X509_EXTENSION_free(X509_CRL_delete_ext(b, loc));
	/* re-encoded without it, b's TBS is a's */
	{
		unsigned char	*ta = NULL, *tb = NULL;
		int		 na, nb;

		ck_assert_int_gt(na = i2d_re_X509_CRL_tbs(a, &ta), 0);
		ck_assert_int_gt(nb = i2d_re_X509_CRL_tbs(b, &tb), 0);
		ck_assert_int_eq(na, nb);
		ck_assert_int_eq(memcmp(ta, tb, na), 0);
		OPENSSL_free(ta);
		OPENSSL_free(tb);
	}
	X509_CRL_free(a);
	X509_CRL_free(b);
	free(d1);
	free(d2);
	free(d3);
}
END_TEST

START_TEST(test_empty)
{
	const struct ca		*ca = &cas[_i];
	struct crlgen_params	 p;
	X509_CRL		*crl;
	unsigned char		*der;
	size_t			 len;
	char			 name[32];

	params_init(&p, ca);
	p.number = 1;
	der = build(&p, 0, &len);
	crl = parse(der, len);
	check_canonical_tbs(crl, der);
	check_common(crl, ca, 1);
	ck_assert_ptr_null(X509_CRL_get_REVOKED(crl));	/* field absent */
	ck_assert_int_eq(X509_CRL_get_ext_count(crl), 2);	/* AKI, cRLNumber */
	snprintf(name, sizeof(name), "empty-%d", _i);
	check_external(ca, der, len, name, 0);
	X509_CRL_free(crl);
	free(der);
}
END_TEST

START_TEST(test_generalized_time)
{
	struct crlgen_params	 p;
	X509_CRL		*crl;
	unsigned char		*der;
	size_t			 len;

	params_init(&p, &cas[CA_EC]);
	p.this_update = T_2050 - 1;
	p.next_update = T_2050;
	der = build(&p, 1, &len);
	crl = parse(der, len);
	ck_assert_int_eq(ASN1_STRING_type(X509_CRL_get0_lastUpdate(crl)), V_ASN1_UTCTIME);
	ck_assert_int_eq(ASN1_STRING_type(X509_CRL_get0_nextUpdate(crl)), V_ASN1_GENERALIZEDTIME);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl), T_2050), 0);
	ck_assert_int_eq(X509_CRL_verify(crl, cas[CA_EC].key), 1);
	X509_CRL_free(crl);
	free(der);
}
END_TEST

START_TEST(test_refusals)
{
	struct crlgen_params	 p;
	struct crlgen		*g;
	struct serial		 s, zero = { .b = { 0, 0 }, .len = 2 }, empty = { .len = 0 };
	unsigned char		*der;
	size_t			 len;

	log_set_level(LOG_LVL_ERR);
	params_init(&p, &cas[CA_RSA]);
	p.delta_base = 3;
	p.freshest_url = FRESHEST_URL;
	ck_assert_ptr_null(crlgen_new(&p));		/* freshestCRL on a delta */
	params_init(&p, &cas[CA_RSA]);
	p.next_update = p.this_update;
	ck_assert_ptr_null(crlgen_new(&p));
	params_init(&p, &cas[CA_RSA]);
	p.key = cas[CA_EC].key;
	ck_assert_ptr_null(crlgen_new(&p));		/* key not the CA's */

	params_init(&p, &cas[CA_RSA]);
	ck_assert_ptr_nonnull(g = crlgen_new(&p));
	s = ser("01");
	ck_assert_int_eq(crlgen_add(g, &s, T_THIS, 0), -1);
	ck_assert_int_eq(crlgen_add(g, &s, T_THIS, 7), -1);
	ck_assert_int_eq(crlgen_add(g, &s, T_THIS, 11), -1);
	ck_assert_int_eq(crlgen_add(g, &s, T_THIS, -2), -1);
	ck_assert_int_eq(crlgen_add(g, &s, T_THIS, CRL_REASON_REMOVE_FROM_CRL), -1);
	ck_assert_int_eq(crlgen_add(g, &zero, T_THIS, 1), -1);
	ck_assert_int_eq(crlgen_add(g, &empty, T_THIS, 1), -1);
	ck_assert_int_eq(crlgen_add(g, &s, T_THIS, CRL_REASON_AA_COMPROMISE), 0);
	ck_assert_uint_eq(crlgen_count(g), 1);
	ck_assert_ptr_nonnull(der = crlgen_finish(g, &len));
	ck_assert_int_eq(crlgen_add(g, &s, T_THIS, 1), -1);	/* after finish */
	ck_assert_ptr_null(crlgen_finish(g, &len));
	crlgen_free(g);
	free(der);
	crlgen_free(NULL);
}
END_TEST

/* Deterministic, distinct 16-octet serials. */
static void
large_serial(size_t i, struct serial *s)
{
	uint64_t	 x = 0x9E3779B97F4A7C15ULL * (i + 1);

	s->len = 16;
	for (int k = 0; k < 8; k++) {
		s->b[k] = (unsigned char)(x >> (8 * k));
		s->b[8 + k] = (unsigned char)(i >> (8 * k));
	}
	s->b[0] |= 0x01;	/* never a leading zero octet */
}

START_TEST(test_large)
{
	static const int	 reasons[] = { CRL_REASON_NONE, 1, 3, 4, 5, 6 };
	struct crlgen_params	 p;
	struct crlgen		*g;
	struct serial		 s;
	X509_CRL		*crl;
	X509_REVOKED		*r;
	ASN1_INTEGER		*ai;
	ASN1_ENUMERATED		*reason;
	unsigned char		*der;
	size_t			 len, i;

	params_init(&p, &cas[CA_RSA]);
	p.freshest_url = FRESHEST_URL;
	ck_assert_ptr_nonnull(g = crlgen_new(&p));
	for (i = 0; i < LARGE_N; i++) {
		large_serial(i, &s);
		ck_assert_int_eq(crlgen_add(g, &s, T_THIS - (time_t)i,
		    reasons[i % 6]), 0);
	}
	ck_assert_uint_eq(crlgen_count(g), LARGE_N);
	ck_assert_ptr_nonnull(der = crlgen_finish(g, &len));
	crlgen_free(g);

	crl = parse(der, len);
	check_common(crl, &cas[CA_RSA], 42);
	ck_assert_int_eq(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), LARGE_N);
	for (i = 0; i < LARGE_N; i += 9973) {
		large_serial(i, &s);
		ck_assert_ptr_nonnull(ai = serial_to_asn1(&s));
		ck_assert_int_eq(X509_CRL_get0_by_serial(crl, &r, ai), 1);
		ASN1_INTEGER_free(ai);
		ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_REVOKED_get0_revocationDate(r),
		    T_THIS - (time_t)i), 0);
		reason = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
		if (reasons[i % 6] == CRL_REASON_NONE)
			ck_assert_ptr_null(reason);
		else
			ck_assert_int_eq(ASN1_ENUMERATED_get(reason), reasons[i % 6]);
		ASN1_ENUMERATED_free(reason);
	}
	check_external(&cas[CA_RSA], der, len, "large", 1);
	X509_CRL_free(crl);
	free(der);
}
END_TEST

static Suite *
crlgen_suite(void)
{
	Suite	*s = suite_create("crlgen");
	TCase	*tc = tcase_create("crlgen");

	tcase_add_unchecked_fixture(tc, setup_cas, teardown_cas);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_full, 0, CA_COUNT);
	tcase_add_loop_test(tc, test_delta, 0, CA_COUNT);
	tcase_add_loop_test(tc, test_empty, 0, CA_COUNT);
	tcase_add_loop_test(tc, test_idp, 0, CA_COUNT);
	tcase_add_test(tc, test_no_idp_unchanged);
	tcase_add_test(tc, test_generalized_time);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_large);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_crlgen", LOG_LVL_WARN);
	return check_run(crlgen_suite(), CK_FORK);
}
