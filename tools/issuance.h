/* SPDX-License-Identifier: ISC */
/*
 * issuance.h: issuers and certificates that need keys (ca create/import,
 * issue, import).  Each call is one transaction with its audit record, as
 * in registry.h, and returns REG_OK / REG_REFUSED / REG_ERROR with r->why.
 */
#ifndef CERTSTATUS_ISSUANCE_H
#define CERTSTATUS_ISSUANCE_H

#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "registry.h"

#define CA_VALID_YEARS		20
#define SIGNER_VALID_YEARS	5

/* 全国地方公共団体コード of Inagi City (13225 and its check digit 0). */
#define ISS_MUNICIPALITY_CODE	"132250"
#define ISS_CN_MAX		64	/* bytes, with the NUL (ub-common-name) */

struct issue_req {
	const char	*card;
	const char	*kind;		/* "sign" | "auth" */
	const char	*issuer;	/* NULL: the only one */
	const char	*csr;		/* one of csr, pubkey, keyout, key */
	const char	*pubkey;
	const char	*keyout;	/* generate a key pair, write it here (0600) */
	EVP_PKEY	*key;		/* or this public key (not consumed) */
	const char	*key_algorithm;	/* NULL: the config's */
	time_t		 issued;	/* 0: now */
};

struct issue_result {
	char		 serial[SERIAL_HEX_MAX];
	time_t		 not_before, not_after;
	char		 card_expires[11];
	char		 card_type[16];
	char		 kind[8];
	char		*pem;		/* malloc'd */
};

void	iss_result_free(struct issue_result *res);

/*
 * Create issuer name: CA key + self-signed CA (not_before, CA_VALID_YEARS)
 * and a delegated OCSP signer, keys written under <config dir>/keys/ (0600).
 * not_before 0: now.
 */
int	iss_ca_create(struct reg *r, const char *name, const char *key_algorithm,
	    time_t not_before);
/*
 * A new key generated on the token prefix names ("pkcs11:token=..."), as
 * <prefix>;object=<label>, sensitive and not extractable (p11_key_generate),
 * then loaded from it.  *uri gets the key's URI (malloc'd, caller frees).
 * Returns the key (caller frees) or NULL after reg_say (REG_REFUSED in
 * *rc for a bad prefix, a taken label or a refused PIN).
 */
EVP_PKEY *iss_token_key_new(struct reg *r, const char *prefix,
	    const char *label, const char *key_algorithm, char **uri, int *rc);
/*
 * iss_ca_create with both keys generated on the token prefix names
 * (labels <name>-ca and <name>-signer); the registry gets the
 * certificates and the keys' URIs only.
 */
int	iss_ca_create_token(struct reg *r, const char *name,
	    const char *key_algorithm, const char *prefix, time_t not_before);
/*
 * Give issuer name a new delegated OCSP signer: a key (key_algorithm NULL:
 * the config's) written beside the old one as <name>-ocsp-<n>.key (0600,
 * the old key's owner), or generated on the token pkcs11 names
 * (non-NULL: "pkcs11:token=...", label <name>-signer-<n>), and a certificate valid from now for days (0:
 * SIGNER_VALID_YEARS), overlapping the old one.  The issuer row names the
 * new signer; the old one stays in the signers table.  Never valid past
 * the CA certificate (refused once that has expired).  One transaction
 * with its audit record (ca.rotate-signer); r->result says what was made.
 */
int	iss_signer_rotate(struct reg *r, const char *name,
	    const char *key_algorithm, const char *pkcs11, int days);
/* Record an existing CA and its signer (ca_key may be NULL); the keys may
 * be files or token keys ("pkcs11:..."). */
int	iss_ca_import(struct reg *r, const char *name, const char *ca_cert,
	    const char *signer_cert, const char *signer_key, const char *ca_key);
/* Issue a certificate for a card (see struct issue_req). */
int	iss_issue(struct reg *r, const struct issue_req *q,
	    struct issue_result *out);
/* Record a certificate issued elsewhere by a known issuer. */
int	iss_import(struct reg *r, const char *certfile, const char *card,
	    const char *kind, const char *issuer, struct issue_result *out);

/*
 * The subject CN of a certificate issued at `issued` with registry
 * sequence seq in municipality (6 digits): 28 digits, unique per
 * certificate.  See issuance.c.
 */
void	iss_cert_cn(time_t issued, int64_t seq, const char *municipality,
	    char out[ISS_CN_MAX]);

/* A loaded issuer that can sign (for many issuances in one transaction). */
struct iss_ca {
	struct issuer_row	 row;
	X509			*cert;
	EVP_PKEY		*key;
};

int	iss_ca_load(struct reg *r, const char *name, struct iss_ca *out);
void	iss_ca_free(struct iss_ca *ca);
/*
 * Inside the caller's transaction: issue for q->card with subject_key
 * (q's key sources are ignored).
 */
int	iss_issue_tx(struct reg *r, struct iss_ca *ca, const struct issue_req *q,
	    EVP_PKEY *subject_key, struct issue_result *out);

#endif
