/* SPDX-License-Identifier: ISC */
/*
 * issuance.c: issuers and certificate issuance/import (see issuance.h).
 * The certificate profile itself is pki_cert_issue's (common/pki.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "clock.h"
#include "crlpub.h"
#include "issuance.h"
#include "log.h"
#include "p11.h"
#include "pki.h"
#include "xalloc.h"

void
iss_result_free(struct issue_result *res)
{
	free(res->pem);
	res->pem = NULL;
}

void
iss_ca_free(struct iss_ca *ca)
{
	reg_issuer_free(&ca->row);
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	memset(ca, 0, sizeof(*ca));
}

/* A key file's path in the config's folder; fatal when out of memory. */
static char *
key_path(struct reg *r, const char *p)
{
	char	*path;

	if ((path = config_path(r->cfg, p)) == NULL)
		fatal_oom();
	return path;
}

int
iss_ca_load(struct reg *r, const char *name, struct iss_ca *out)
{
	char	*path, err[256];
	int	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = reg_issuer_get(r, name, &out->row)) != REG_OK)
		return rc;
	if (out->row.ca_key == NULL) {
		rc = reg_say(r, REG_REFUSED, "issuer %s was imported without its "
		    "CA key: certificates can only be imported, not issued here",
		    out->row.name);
		goto fail;
	}
	if ((out->cert = pki_cert_from_pem(out->row.ca_cert,
	    strlen(out->row.ca_cert))) == NULL) {
		rc = reg_say(r, REG_ERROR, "issuer %s: stored CA certificate "
		    "does not parse", out->row.name);
		goto fail;
	}
	path = key_path(r, out->row.ca_key);
	out->key = pki_key_load(path, err, sizeof(err));
	free(path);
	if (out->key == NULL) {
		rc = reg_say(r, REG_REFUSED, "issuer %s: CA key: %s",
		    out->row.name, err);
		goto fail;
	}
	return REG_OK;
 fail:
	iss_ca_free(out);
	return rc;
}

/*
 * The subject CN of a new certificate, JPKI practice: not the resident's
 * id (that would name the person and be shared by their sign and auth
 * certificates) but a number unique to this one certificate, made of
 *   the issuance time   YYYYMMDDhhmmss, Japan time       14 digits
 *   a sequence number   the certificate's registry row   8 digits
 *   the municipality    ISS_MUNICIPALITY_CODE            6 digits
 * e.g. "20240401100000" "00000042" "132250".  The sequence alone makes it
 * unique within the registry; time and municipality keep it unique across
 * cities and after a restore.  out holds ISS_CN_MAX bytes.
 */
void
iss_cert_cn(time_t issued, int64_t seq, const char *municipality,
    char out[ISS_CN_MAX])
{
	struct tm	 tm;
	time_t		 jst = issued + JST_OFFSET_SEC;

	gmtime_r(&jst, &tm);
	snprintf(out, ISS_CN_MAX, "%04d%02d%02d%02d%02d%02d%08lld%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (long long)(seq % 100000000), municipality);
}

/*
 * Inside the writer's transaction (BEGIN IMMEDIATE: no other writer), the
 * row id the next certificate gets: the sequence part of its CN.
 */
static int
next_cert_seq(struct reg *r, int64_t *seq)
{
	if ((*seq = db_cert_next_id(r->db)) < 0)
		return reg_say(r, REG_ERROR, "database: %s", db_errmsg(r->db));
	return REG_OK;
}

static void
result_fill(struct issue_result *out, X509 *x, const struct serial *s,
    const struct issue_plan *p, const char *kind)
{
	memset(out, 0, sizeof(*out));
	serial_to_hex(s, out->serial);
	out->not_before = p->not_before;
	out->not_after = p->not_after;
	snprintf(out->card_expires, sizeof(out->card_expires), "%s",
	    p->card_expires);
	snprintf(out->card_type, sizeof(out->card_type), "%s", p->card_type);
	snprintf(out->kind, sizeof(out->kind), "%s", kind);
	out->pem = pki_cert_to_pem(x);
}

static int
der_of(struct reg *r, X509 *x, unsigned char **der, int *len)
{
	*der = NULL;
	if ((*len = i2d_X509(x, der)) <= 0)
		return reg_say(r, REG_ERROR, "cannot encode certificate: %s",
		    log_ssl_drain());
	return REG_OK;
}

int
iss_issue_tx(struct reg *r, struct iss_ca *ca, const struct issue_req *q,
    EVP_PKEY *subject_key, struct issue_result *out)
{
	struct issue_plan	 plan;
	struct pki_profile	 p;
	X509			*x = NULL;
	unsigned char		*der = NULL;
	char			*ocsp = NULL, *crl = NULL, *caiss = NULL;
	char			 cn[ISS_CN_MAX];
	int64_t			 seq = 0;
	const char		*base = r->cfg->base_url;
	size_t			 blen = strlen(base);
	int			 rc, derlen, part;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if ((rc = reg_issue_plan(r, q->card, q->kind, q->issued != 0 ? q->issued :
	    r->now, &plan)) != REG_OK)
		return rc;
	if ((rc = next_cert_seq(r, &seq)) != REG_OK) {
		reg_plan_free(&plan);
		return rc;
	}
	iss_cert_cn(plan.not_before, seq, ISS_MUNICIPALITY_CODE, cn);
	ocsp = xasprintf("%.*s/ocsp", (int)blen, base);
	memset(&p, 0, sizeof(p));
	/*
	 * The CRL partition is fixed here, from the serial, and stored with the
	 * certificate: a later crl-partitions moves no certificate off the
	 * distribution point it names.
	 */
	if (pki_serial_random(&p.serial) != 0) {
		rc = reg_say(r, REG_ERROR, "no random serial: %s", log_ssl_drain());
		goto done;
	}
	part = crlpub_partition_of(&p.serial, r->cfg->crl_partitions);
	if ((crl = crlpub_url(r->cfg, ca->row.name, part, 0)) == NULL) {
		rc = reg_say(r, REG_ERROR, "out of memory");
		goto done;
	}
	/* RFC 5280 4.2.2.1: a relying party with only this certificate finds its CA */
	caiss = xasprintf("%.*s/ca/%s.crt", (int)blen, base, ca->row.name);
	p.kind = strcmp(q->kind, "sign") == 0 ? PKI_KIND_SIGN : PKI_KIND_AUTH;
	p.prefecture = r->cfg->prefecture;
	p.city = r->cfg->city;
	p.uid = cn;
	p.name = plan.name;
	p.address = plan.address;
	p.birth_date = plan.birth_date;
	p.sex = plan.sex;
	p.not_before = plan.not_before;
	p.not_after = plan.not_after;
	p.ocsp_url = ocsp;
	p.crl_url = crl;
	p.ca_issuers_url = caiss;
	if ((x = pki_cert_issue(ca->cert, ca->key, subject_key, &p)) == NULL) {
		rc = reg_say(r, REG_ERROR, "signing the certificate failed: %s",
		    log_ssl_drain());
		goto done;
	}
	if ((rc = der_of(r, x, &der, &derlen)) != REG_OK ||
	    (rc = reg_cert_insert(r, ca->row.id, &p.serial, der, (size_t)derlen,
	    &plan, q->kind, "cert.issue")) != REG_OK)
		goto done;
	if (part >= 0 && db_cert_set_partition(r->db, ca->row.id, &p.serial,
	    part, r->cfg->crl_partitions) != 0) {
		rc = reg_say(r, REG_ERROR, "database: %s", db_errmsg(r->db));
		goto done;
	}
	if (out != NULL)
		result_fill(out, x, &p.serial, &plan, q->kind);
 done:
	OPENSSL_free(der);
	X509_free(x);
	free(ocsp);
	free(crl);
	free(caiss);
	reg_plan_free(&plan);
	return rc;
}

int
iss_issue(struct reg *r, const struct issue_req *q, struct issue_result *out)
{
	struct iss_ca	 ca;
	EVP_PKEY	*key = NULL;
	enum pki_keyalg	 alg;
	char		 err[256], subject[128];
	int		 rc, nsrc, wrote = 0;

	memset(&ca, 0, sizeof(ca));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	snprintf(subject, sizeof(subject), "card %s", q->card != NULL ? q->card :
	    "");
	nsrc = (q->csr != NULL) + (q->pubkey != NULL) + (q->keyout != NULL) +
	    (q->key != NULL);
	if (nsrc != 1)
		return reg_say(r, REG_REFUSED, "give exactly one of --csr FILE, "
		    "--pubkey FILE or --keyout FILE");
	if (pki_keyalg_parse(q->key_algorithm != NULL ? q->key_algorithm :
	    r->cfg->key_algorithm, &alg) != 0)
		return reg_say(r, REG_REFUSED, "key algorithm must be rsa2048 or "
		    "p256");
	if ((rc = reg_txn_begin_as(r, EV_CERT_ISSUE, subject,
	    json_pack("{s:s?,s:s?}", "card", q->card, "kind", q->kind))) != REG_OK)
		return rc;
	if ((rc = iss_ca_load(r, q->issuer, &ca)) != REG_OK)
		goto done;
	if (q->key != NULL) {
		key = q->key;
		EVP_PKEY_up_ref(key);
	} else if (q->csr != NULL) {
		if ((key = pki_csr_pubkey(q->csr, err, sizeof(err))) == NULL)
			rc = reg_say(r, REG_REFUSED, "%s", err);
	} else if (q->pubkey != NULL) {
		if ((key = pki_pubkey_load(q->pubkey, err, sizeof(err))) == NULL)
			rc = reg_say(r, REG_REFUSED, "%s", err);
	} else {
		if (access(q->keyout, F_OK) == 0)
			rc = reg_say(r, REG_REFUSED, "%s already exists: choose "
			    "another --keyout file", q->keyout);
		else if ((key = pki_key_generate(alg)) == NULL)
			rc = reg_say(r, REG_ERROR, "key generation failed: %s",
			    log_ssl_drain());
	}
	if (rc != REG_OK)
		goto done;
	if ((rc = iss_issue_tx(r, &ca, q, key, out)) != REG_OK)
		goto done;
	if (q->keyout != NULL) {
		if (pki_key_write(q->keyout, key) != 0) {
			rc = reg_say(r, REG_ERROR, "cannot write the key to %s",
			    q->keyout);
			goto done;
		}
		wrote = 1;
	}
 done:
	rc = reg_txn_end(r, rc);
	if (rc != REG_OK) {
		if (wrote)
			unlink(q->keyout);
		if (out != NULL)
			iss_result_free(out);
	}
	EVP_PKEY_free(key);
	iss_ca_free(&ca);
	return rc;
}

static int
str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/*
 * A sign certificate's subjectAltName details must be exactly what the
 * registry records for the holder (name, address, date of birth, sex).
 */
static int
details_match(struct reg *r, X509 *x, const struct issue_plan *plan,
    const char *certfile)
{
	struct pki_details	 d;
	int			 rc = REG_OK;

	if (pki_cert_details(x, &d) != 0)
		return reg_say(r, REG_REFUSED, "%s: unreadable basic details in "
		    "subjectAltName", certfile);
	if (!str_eq(d.name, plan->name) || !str_eq(d.address, plan->address) ||
	    !str_eq(d.birth_date, plan->birth_date) || d.sex != plan->sex)
		rc = reg_say(r, REG_REFUSED, "%s is not for the holder of this "
		    "card (its name, address, date of birth or sex differ from "
		    "the record)", certfile);
	pki_details_free(&d);
	return rc;
}

int
iss_import(struct reg *r, const char *certfile, const char *card,
    const char *kind, const char *issuer, struct issue_result *out)
{
	struct issuer_row	 row;
	struct issue_plan	 plan;
	struct serial		 s;
	X509			*x = NULL, *ca = NULL;
	unsigned char		*der = NULL;
	char			 err[256], cn[256], subject[128];
	time_t			 nb, na;
	int			 rc, derlen;

	memset(&row, 0, sizeof(row));
	memset(&plan, 0, sizeof(plan));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((x = pki_cert_load(certfile, err, sizeof(err))) == NULL)
		return reg_say(r, REG_REFUSED, "%s", err);
	snprintf(subject, sizeof(subject), "card %s", card != NULL ? card : "");
	if ((rc = reg_txn_begin_as(r, EV_CERT_IMPORT, subject,
	    json_pack("{s:s,s:s?,s:s?}", "file", certfile, "card", card, "kind",
	    kind))) != REG_OK)
		goto out;
	if ((rc = reg_issuer_get(r, issuer, &row)) != REG_OK)
		goto done;
	if ((ca = pki_cert_from_pem(row.ca_cert, strlen(row.ca_cert))) == NULL) {
		rc = reg_say(r, REG_ERROR, "issuer %s: stored CA certificate "
		    "does not parse", row.name);
		goto done;
	}
	if (!pki_cert_issued_by(x, ca)) {
		rc = reg_say(r, REG_REFUSED, "%s was not issued by issuer %s",
		    certfile, row.name);
		goto done;
	}
	if (serial_from_asn1(X509_get0_serialNumber(x), &s) != 0 ||
	    pki_time(X509_get0_notBefore(x), &nb) != 0 ||
	    pki_time(X509_get0_notAfter(x), &na) != 0) {
		rc = reg_say(r, REG_REFUSED, "%s: unusable serial number or "
		    "validity", certfile);
		goto done;
	}
	if ((rc = reg_issue_plan(r, card, kind, nb < r->now ? nb : r->now,
	    &plan)) != REG_OK)
		goto done;
	/* The CN is a per-certificate number (iss_cert_cn), not the holder:
	 * a sign certificate is bound to the resident by its four details. */
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
	    cn, sizeof(cn)) <= 0) {
		rc = reg_say(r, REG_REFUSED, "%s has no subject CN", certfile);
		goto done;
	}
	if (strcmp(kind, "sign") == 0 &&
	    (rc = details_match(r, x, &plan, certfile)) != REG_OK)
		goto done;
	plan.not_before = nb;
	plan.not_after = na;
	if ((rc = der_of(r, x, &der, &derlen)) != REG_OK ||
	    (rc = reg_cert_insert(r, row.id, &s, der, (size_t)derlen, &plan,
	    kind, "cert.import")) != REG_OK)
		goto done;
	if (out != NULL)
		result_fill(out, x, &s, &plan, kind);
 done:
	rc = reg_txn_end(r, rc);
 out:
	OPENSSL_free(der);
	reg_plan_free(&plan);
	reg_issuer_free(&row);
	X509_free(ca);
	X509_free(x);
	return rc;
}

/* --- issuers -------------------------------------------------------------- */

/*
 * Would /crl/<name>.crl also read as partition k (below
 * CRLPUB_PARTITIONS_MAX) or as the delta of an issuer named by name's
 * prefix?  The server prefers the exact issuer name, so such a name would
 * hide the other issuer's partition: refuse it up front.
 */
static int
issuer_name_reads_as_part(const char *name)
{
	size_t	 n = strlen(name), d = n;
	long	 k = 0;

	if (n > 6 && strcmp(name + n - 6, "-delta") == 0)
		return 1;
	while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
		d--;
	if (d == n || d < 2 || name[d - 1] != '-' || n - d > 4 ||
	    (name[d] == '0' && n - d > 1))
		return 0;	/* no "-<k>" the server would read as a partition */
	for (size_t i = d; i < n; i++)
		k = k * 10 + (name[i] - '0');
	return k < CRLPUB_PARTITIONS_MAX;
}

static int
issuer_name_ok(struct reg *r, const char *name)
{
	struct issuer_row	 row;
	size_t			 n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > 32 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != n)
		return reg_say(r, REG_REFUSED, "issuer name must be 1-32 letters, "
		    "digits, '-' or '_' (it becomes the CRL file name)");
	if (issuer_name_reads_as_part(name))
		return reg_say(r, REG_REFUSED, "issuer name %s ends like a CRL "
		    "partition or delta (-<0..1023> or -delta): /crl/%s.crl "
		    "would name another issuer's CRL", name, name);
	if (reg_issuer_get(r, name, &row) == REG_OK) {
		reg_issuer_free(&row);
		return reg_say(r, REG_REFUSED, "issuer %s already exists", name);
	}
	return REG_OK;
}

static int
issuer_insert(struct reg *r, const char *name, X509 *ca, const char *ca_key,
    X509 *signer, const char *signer_key, const char *action)
{
	char		*ca_pem, *signer_pem;
	json_t		*d;
	char		 subject[128];
	int		 rc = REG_ERROR;

	ca_pem = pki_cert_to_pem(ca);
	signer_pem = pki_cert_to_pem(signer);
	if (ca_pem == NULL || signer_pem == NULL) {
		reg_say(r, REG_ERROR, "cannot encode certificates");
		goto done;
	}
	if (db_issuer_insert(r->db, name, ca_pem, ca_key, signer_pem,
	    signer_key, r->now) < 0) {
		reg_say(r, REG_ERROR, "database: %s", db_errmsg(r->db));
		goto done;
	}
	d = json_object();
	json_object_set_new(d, "name", json_string(name));
	json_object_set_new(d, "ca_key", ca_key != NULL ? json_string(ca_key) :
	    json_null());
	json_object_set_new(d, "signer_key", json_string(signer_key));
	snprintf(subject, sizeof(subject), "issuer %s", name);
	rc = reg_audit(r, action, subject, d);
	if (rc == REG_OK) {
		json_object_set_new(d, "action", json_string(action));
		json_object_set_new(d, "subject", json_string(subject));
		json_object_set_new(d, "ca_cert", json_string(ca_pem));
		json_decref(r->result);
		r->result = d;
	} else
		json_decref(d);
 done:
	free(ca_pem);
	free(signer_pem);
	return rc;
}

/*
 * The CA certificate (CA_VALID_YEARS from not_before) and its delegated
 * signer's (SIGNER_VALID_YEARS from now) for a new issuer name, from its
 * two keys, wherever those live.  0, or -1 with OpenSSL's errors queued.
 */
static int
ca_certs_make(struct reg *r, const char *name, EVP_PKEY *ca_key,
    EVP_PKEY *signer_key, time_t not_before, X509 **ca, X509 **signer)
{
	char	*cn = xasprintf("%s Resident Card CA (%s)", r->cfg->city, name);

	*signer = NULL;
	*ca = pki_ca_create(ca_key, r->cfg->prefecture, r->cfg->city, cn,
	    not_before, clock_add_years(not_before, CA_VALID_YEARS));
	free(cn);
	if (*ca != NULL)
		*signer = pki_signer_create(*ca, ca_key, signer_key, NULL,
		    not_before, clock_add_years(r->now, SIGNER_VALID_YEARS));
	return *ca != NULL && *signer != NULL ? 0 : -1;
}

int
iss_ca_create(struct reg *r, const char *name, const char *key_algorithm,
    time_t not_before)
{
	enum pki_keyalg	 alg;
	EVP_PKEY	*ca_key = NULL, *signer_key = NULL;
	X509		*ca = NULL, *signer = NULL;
	char		*keydir = NULL, *ca_rel = NULL, *signer_rel = NULL;
	char		*ca_path = NULL, *signer_path = NULL;
	int		 rc, wrote = 0;

	if (pki_keyalg_parse(key_algorithm != NULL ? key_algorithm :
	    r->cfg->key_algorithm, &alg) != 0)
		return reg_say(r, REG_REFUSED, "key algorithm must be rsa2048 or "
		    "p256");
	if ((rc = reg_txn_begin(r)) != REG_OK)
		return rc;
	if (not_before == 0)
		not_before = r->now;
	if ((rc = issuer_name_ok(r, name)) != REG_OK)
		goto done;
	ca_rel = xasprintf("keys/%s-ca.key", name);
	signer_rel = xasprintf("keys/%s-ocsp.key", name);
	keydir = key_path(r, "keys");
	ca_path = key_path(r, ca_rel);
	signer_path = key_path(r, signer_rel);
	if (mkdir(keydir, 0700) != 0 && errno != EEXIST) {
		rc = reg_say(r, REG_ERROR, "%s: %s", keydir, strerror(errno));
		goto done;
	}
	if (access(ca_path, F_OK) == 0 || access(signer_path, F_OK) == 0) {
		rc = reg_say(r, REG_REFUSED, "key files for %s already exist in "
		    "%s: move them away first", name, keydir);
		goto done;
	}
	if ((ca_key = pki_key_generate(alg)) == NULL ||
	    (signer_key = pki_key_generate(alg)) == NULL ||
	    ca_certs_make(r, name, ca_key, signer_key, not_before, &ca,
	    &signer) != 0) {
		rc = reg_say(r, REG_ERROR, "creating the CA failed: %s",
		    log_ssl_drain());
		goto done;
	}
	if (pki_key_write(ca_path, ca_key) != 0) {
		rc = reg_say(r, REG_ERROR, "cannot write %s", ca_path);
		goto done;
	}
	wrote = 1;
	if (pki_key_write(signer_path, signer_key) != 0) {
		rc = reg_say(r, REG_ERROR, "cannot write %s", signer_path);
		goto done;
	}
	wrote = 2;
	rc = issuer_insert(r, name, ca, ca_rel, signer, signer_rel, "ca.create");
 done:
	rc = reg_txn_end(r, rc);
	if (rc != REG_OK && wrote >= 1)
		unlink(ca_path);
	if (rc != REG_OK && wrote >= 2)
		unlink(signer_path);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(signer_key);
	X509_free(ca);
	X509_free(signer);
	free(keydir);
	free(ca_rel);
	free(signer_rel);
	free(ca_path);
	free(signer_path);
	return rc;
}

EVP_PKEY *
iss_token_key_new(struct reg *r, const char *prefix, const char *label,
    const char *key_algorithm, char **uri, int *rc)
{
	enum pki_keyalg	 alg;
	EVP_PKEY	*k;
	char		 err[512];

	*uri = NULL;
	if (pki_keyalg_parse(key_algorithm != NULL ? key_algorithm :
	    r->cfg->key_algorithm, &alg) != 0) {
		*rc = reg_say(r, REG_REFUSED, "key algorithm must be rsa2048 "
		    "or p256");
		return NULL;
	}
	if (!p11_is_uri(prefix) || strstr(prefix, "object=") != NULL ||
	    strchr(prefix, '?') != NULL) {
		*rc = reg_say(r, REG_REFUSED, "--pkcs11 wants a token's URI "
		    "without object= (pkcs11:token=LABEL), not \"%s\"", prefix);
		return NULL;
	}
	*uri = xasprintf("%s%sobject=%s", prefix,
	    prefix[strlen(prefix) - 1] == ':' ||
	    prefix[strlen(prefix) - 1] == ';' ? "" : ";", label);
	if (p11_key_generate(*uri, alg == PKI_RSA2048 ? P11_GEN_RSA2048 :
	    P11_GEN_P256, err, sizeof(err)) != 0 ||
	    (k = pki_key_load(*uri, err, sizeof(err))) == NULL) {
		*rc = reg_say(r, REG_REFUSED, "%s", err);
		free(*uri);
		*uri = NULL;
		return NULL;
	}
	*rc = REG_OK;
	return k;
}

int
iss_ca_create_token(struct reg *r, const char *name, const char *key_algorithm,
    const char *prefix, time_t not_before)
{
	EVP_PKEY	*ca_key = NULL, *signer_key = NULL;
	X509		*ca = NULL, *signer = NULL;
	char		*label, *ca_uri = NULL, *signer_uri = NULL;
	int		 rc;

	if ((rc = reg_txn_begin(r)) != REG_OK)
		return rc;
	if (not_before == 0)
		not_before = r->now;
	if ((rc = issuer_name_ok(r, name)) != REG_OK)
		goto done;
	label = xasprintf("%s-ca", name);
	ca_key = iss_token_key_new(r, prefix, label, key_algorithm, &ca_uri,
	    &rc);
	free(label);
	if (ca_key == NULL)
		goto done;
	label = xasprintf("%s-signer", name);
	signer_key = iss_token_key_new(r, prefix, label, key_algorithm,
	    &signer_uri, &rc);
	free(label);
	if (signer_key == NULL)
		goto done;
	if (ca_certs_make(r, name, ca_key, signer_key, not_before, &ca,
	    &signer) != 0) {
		rc = reg_say(r, REG_ERROR, "creating the CA on the token "
		    "failed: %s", log_ssl_drain());
		goto done;
	}
	rc = issuer_insert(r, name, ca, ca_uri, signer, signer_uri,
	    "ca.create");
 done:
	rc = reg_txn_end(r, rc);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(signer_key);
	X509_free(ca);
	X509_free(signer);
	free(ca_uri);
	free(signer_uri);
	return rc;
}

/* --- signer rotation ------------------------------------------------------ */

/*
 * The new signer's key, for rotation: generated and written to path (0600,
 * refusing an existing file), given the owner of the key it replaces (like:
 * the service reads it).  The one place a signer key is made for
 * rotation, so that a token key can take its place.  REG_OK with *out.
 */
static int
signer_key_make(struct reg *r, enum pki_keyalg alg, const char *path,
    const struct stat *like, EVP_PKEY **out)
{
	EVP_PKEY	*k;

	*out = NULL;
	if ((k = pki_key_generate(alg)) == NULL)
		return reg_say(r, REG_ERROR, "key generation failed: %s",
		    log_ssl_drain());
	if (pki_key_write(path, k) != 0) {
		EVP_PKEY_free(k);
		return reg_say(r, REG_ERROR, "cannot write %s", path);
	}
	if (like != NULL && (like->st_uid != geteuid() ||
	    like->st_gid != getegid()) &&
	    chown(path, like->st_uid, like->st_gid) != 0) {
		(void)unlink(path);
		EVP_PKEY_free(k);
		return reg_say(r, REG_ERROR, "%s: cannot give it the old key's "
		    "owner: %s", path, strerror(errno));
	}
	*out = k;
	return REG_OK;
}

/*
 * A free name beside the old key: <dir>/<issuer>-ocsp-<n>.key, relative as
 * the old one is recorded.  *rel and *abs malloc'd.
 */
static void
signer_key_name(struct reg *r, const char *issuer, const char *old,
    char **rel, char **abs)
{
	const char	*slash = strrchr(old, '/');
	int		 dirlen = slash != NULL ? (int)(slash - old + 1) : 0;

	for (int n = 2;; n++) {
		*rel = xasprintf("%.*s%s-ocsp-%d.key", dirlen, old, issuer, n);
		*abs = key_path(r, *rel);
		if (access(*abs, F_OK) != 0)
			return;
		free(*rel);
		free(*abs);
	}
}

/* The audit detail (and result) of a rotation. */
static json_t *
rotate_detail(const char *name, const char *old_key, const char *new_key,
    X509 *signer)
{
	json_t	*d = json_object();
	time_t	 nb = 0, na = 0;

	(void)pki_time(X509_get0_notBefore(signer), &nb);
	(void)pki_time(X509_get0_notAfter(signer), &na);
	json_object_set_new(d, "name", json_string(name));
	json_object_set_new(d, "old_signer_key", json_string(old_key));
	json_object_set_new(d, "signer_key", json_string(new_key));
	json_object_set_new(d, "not_before", json_integer((json_int_t)nb));
	json_object_set_new(d, "not_after", json_integer((json_int_t)na));
	return d;
}

int
iss_signer_rotate(struct reg *r, const char *name, const char *key_algorithm,
    const char *pkcs11, int days)
{
	struct iss_ca	 ca;
	struct stat	 old_st;
	enum pki_keyalg	 alg;
	EVP_PKEY	*key = NULL;
	X509		*signer = NULL;
	char		*rel = NULL, *path = NULL, *old_path = NULL, *pem = NULL;
	char		 subject[128];
	json_t		*d = NULL;
	time_t		 not_after, ca_end;
	int		 rc, wrote = 0;

	memset(&ca, 0, sizeof(ca));
	if (pki_keyalg_parse(key_algorithm != NULL ? key_algorithm :
	    r->cfg->key_algorithm, &alg) != 0)
		return reg_say(r, REG_REFUSED, "key algorithm must be rsa2048 or "
		    "p256");
	if (days < 0 || days > 3660)
		return reg_say(r, REG_REFUSED, "--days must be 1 to 3660");
	if ((rc = reg_txn_begin(r)) != REG_OK)
		return rc;
	if ((rc = iss_ca_load(r, name, &ca)) != REG_OK)
		goto done;
	old_path = key_path(r, ca.row.signer_key);
	if (pkcs11 == NULL)
		signer_key_name(r, ca.row.name, ca.row.signer_key, &rel, &path);
	not_after = days > 0 ? r->now + (time_t)days * 86400 :
	    clock_add_years(r->now, SIGNER_VALID_YEARS);
	/* never past the CA that vouches for it */
	if (pki_time(X509_get0_notAfter(ca.cert), &ca_end) == 0 &&
	    not_after > ca_end)
		not_after = ca_end;
	if (not_after <= r->now) {
		rc = reg_say(r, REG_REFUSED, "issuer %s: the CA certificate has "
		    "expired: a new signer needs a new CA", ca.row.name);
		goto done;
	}
	if (pkcs11 != NULL) {		/* on the token: rel is its URI */
		char	*label = xasprintf("%s-signer-%lld", ca.row.name,
		    (long long)r->now);

		key = iss_token_key_new(r, pkcs11, label, key_algorithm, &rel,
		    &rc);
		free(label);
		if (key == NULL)
			goto done;
	} else {
		if ((rc = signer_key_make(r, alg, path, stat(old_path,
		    &old_st) == 0 ? &old_st : NULL, &key)) != REG_OK)
			goto done;
		wrote = 1;
	}
	/* the old signer stays valid: the two overlap until it expires */
	if ((signer = pki_signer_create(ca.cert, ca.key, key, NULL, r->now,
	    not_after)) == NULL || (pem = pki_cert_to_pem(signer)) == NULL) {
		rc = reg_say(r, REG_ERROR, "creating the signer failed: %s",
		    log_ssl_drain());
		goto done;
	}
	if (db_issuer_signer_replace(r->db, ca.row.id, pem, rel, r->now) != 0) {
		rc = reg_say(r, REG_ERROR, "database: %s", db_errmsg(r->db));
		goto done;
	}
	d = rotate_detail(ca.row.name, ca.row.signer_key, rel, signer);
	snprintf(subject, sizeof(subject), "issuer %s", ca.row.name);
	if ((rc = reg_audit(r, "ca.rotate-signer", subject, d)) == REG_OK) {
		json_object_set_new(d, "action", json_string("ca.rotate-signer"));
		json_object_set_new(d, "subject", json_string(subject));
		json_object_set_new(d, "signer_cert", json_string(pem));
		json_decref(r->result);
		r->result = d;
		d = NULL;
	}
 done:
	rc = reg_txn_end(r, rc);
	if (rc != REG_OK && wrote)
		(void)unlink(path);
	json_decref(d);
	iss_ca_free(&ca);
	EVP_PKEY_free(key);
	X509_free(signer);
	free(rel);
	free(path);
	free(old_path);
	free(pem);
	return rc;
}

/* Absolute form of a path given on the command line (the config may live
 * elsewhere than the current directory); a token key's URI as it is. */
static char *
abs_path(const char *p)
{
	char	 cwd[PATH_MAX];

	if (p[0] == '/' || p11_is_uri(p) || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(p);
	return xasprintf("%s/%s", cwd, p);
}

int
iss_ca_import(struct reg *r, const char *name, const char *ca_cert,
    const char *signer_cert, const char *signer_key, const char *ca_key)
{
	X509		*ca = NULL, *signer = NULL;
	EVP_PKEY	*k = NULL;
	char		 err[256];
	char		*ca_key_abs = NULL, *signer_key_abs = NULL;
	int		 rc;

	if (ca_cert == NULL || signer_cert == NULL || signer_key == NULL)
		return reg_say(r, REG_REFUSED, "ca import needs --ca-cert, "
		    "--signer-cert and --signer-key");
	if ((ca = pki_cert_load(ca_cert, err, sizeof(err))) == NULL ||
	    (signer = pki_cert_load(signer_cert, err, sizeof(err))) == NULL) {
		rc = reg_say(r, REG_REFUSED, "%s", err);
		goto out;
	}
	if (!pki_cert_issued_by(signer, ca)) {
		rc = reg_say(r, REG_REFUSED, "%s was not issued by the CA in %s",
		    signer_cert, ca_cert);
		goto out;
	}
	if ((X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0) {
		rc = reg_say(r, REG_REFUSED, "%s is not an OCSP signer (no "
		    "id-kp-OCSPSigning)", signer_cert);
		goto out;
	}
	if ((k = pki_key_load(signer_key, err, sizeof(err))) == NULL) {
		rc = reg_say(r, REG_REFUSED, "%s", err);
		goto out;
	}
	if (!pki_cert_matches_key(signer, k)) {
		rc = reg_say(r, REG_REFUSED, "%s is not the key of %s",
		    signer_key, signer_cert);
		goto out;
	}
	EVP_PKEY_free(k);
	k = NULL;
	if (ca_key != NULL) {
		if ((k = pki_key_load(ca_key, err, sizeof(err))) == NULL) {
			rc = reg_say(r, REG_REFUSED, "%s", err);
			goto out;
		}
		if (!pki_cert_matches_key(ca, k)) {
			rc = reg_say(r, REG_REFUSED, "%s is not the key of %s",
			    ca_key, ca_cert);
			goto out;
		}
		ca_key_abs = abs_path(ca_key);
	}
	signer_key_abs = abs_path(signer_key);
	if ((rc = reg_txn_begin(r)) != REG_OK)
		goto out;
	if ((rc = issuer_name_ok(r, name)) == REG_OK)
		rc = issuer_insert(r, name, ca, ca_key_abs, signer,
		    signer_key_abs, "ca.import");
	rc = reg_txn_end(r, rc);
 out:
	EVP_PKEY_free(k);
	X509_free(ca);
	X509_free(signer);
	free(ca_key_abs);
	free(signer_key_abs);
	return rc;
}
