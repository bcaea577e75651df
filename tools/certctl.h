/* SPDX-License-Identifier: ISC */
/*
 * certctl.h: shared types of the admin tool: the invocation context, verb
 * option parsing and output helpers (cli.c), and the verb groups
 * (cmd_*.c, demo.c).
 */
#ifndef CERTSTATUS_CERTCTL_H
#define CERTSTATUS_CERTCTL_H

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "registry.h"

#define EXIT_OK		0
#define EXIT_REFUSED	1
#define EXIT_USAGE	2

#define OPT_MAX		24
#define POS_MAX		8

struct ctx {
	const char	*conf_path;	/* NULL: the default search */
	struct config	*cfg;
	struct db	*db;
	struct reg	 reg;
	int		 json;
	const char	*operator_name;
	const char	*office;	/* NULL: the config's first */
	const char	*verb;		/* "card add", for refusal records */
	const char	*verb_subject;	/* its first argument, or NULL */
};

/* One verb option: "--name VALUE" (has_arg) or "--name" (a flag). */
struct optdef {
	const char	*name;
	int		 has_arg;
};

struct opts {
	const char	*val[OPT_MAX];	/* by optdef index; flags get "1" */
	const char	*pos[POS_MAX];	/* positional arguments */
	int		 npos;
};

/* Parse argv against defs (NULL-name terminated).  0, or -1 after usage(). */
int	opts_parse(int argc, char **argv, const struct optdef *defs,
	    struct opts *o);
/* Value of option name (NULL when absent). */
const char *opt(const struct opts *o, const struct optdef *defs,
	    const char *name);

/* Load the config and open the registry read-write (init: creating it). */
int	ctx_open(struct ctx *c, int create);
void	ctx_close(struct ctx *c);

/* Print "certctl: usage: ..." and return EXIT_USAGE. */
int	usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the one-line refusal/error for rc (r->why) and return the exit code. */
int	report(struct ctx *c, int rc);
/* Put a refusal into c->reg.why, report it (recorded when the registry is
 * open) and return EXIT_REFUSED. */
int	refuse(struct ctx *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Print a resident or card view (reg_resident_show, reg_card_show). */
void	print_view(json_t *j);
/* Print a write's result (c->reg.result) as text or JSON; EXIT_OK. */
int	print_result(struct ctx *c);
/* Print JSON (not consumed). */
void	print_json(json_t *j);

/* Verb groups: argv[0] is the verb (or group) word. */
int	cmd_init(struct ctx *c, int argc, char **argv);
int	cmd_ca(struct ctx *c, int argc, char **argv);
int	cmd_resident(struct ctx *c, int argc, char **argv);
int	cmd_card(struct ctx *c, int argc, char **argv);
int	cmd_password(struct ctx *c, int argc, char **argv);
int	cmd_issue(struct ctx *c, int argc, char **argv);
int	cmd_import(struct ctx *c, int argc, char **argv);
int	cmd_revoke(struct ctx *c, int argc, char **argv);
int	cmd_show(struct ctx *c, int argc, char **argv);
int	cmd_list(struct ctx *c, int argc, char **argv);
int	cmd_audit(struct ctx *c, int argc, char **argv);
int	cmd_crl(struct ctx *c, int argc, char **argv);
int	cmd_demo(struct ctx *c, int argc, char **argv);
int	cmd_backup(struct ctx *c, int argc, char **argv);
int	cmd_restore(struct ctx *c, int argc, char **argv);
int	cmd_party(struct ctx *c, int argc, char **argv);

/*
 * Relying parties (cmd_party.c), for party add|remove and the tests: each
 * one write with its audit record ("party.add", "party.remove"), or a
 * refusal (REG_REFUSED, r->why) that writes only its "refused" record.
 * cert_file: the party's certificate, PEM or DER, exactly one; note may be
 * NULL; rate: requests per second, 0 (no limit) to 100000.
 */
int	party_add(struct reg *r, const char *name, const char *cert_file,
	    const char *note, int rate);
int	party_remove(struct reg *r, const char *name);

/* An audit head as 64 hex digits (out: 65 bytes), and back (0 / -1). */
void	hash_to_hex(const unsigned char *h, char *out);
int	hex_to_hash(const char *hex, unsigned char *out);

/*
 * Build the demo in dir (see certctl.1).  extra: more good My Number
 * certificates.  0, or REG_REFUSED / REG_ERROR with why filled.
 */
int	demo_build(const char *dir, int extra, const char *operator_name,
	    char *why, size_t whylen);
int	demo_build_alg(const char *dir, int extra, const char *key_algorithm,
	    const char *operator_name, char *why, size_t whylen);
/* What `certctl demo` can be told. */
struct demo_opts {
	int		 extra;
	const char	*key_algorithm;	/* NULL: rsa2048 */
	int		 port;		/* listen and base-url port; 0: 8080 */
	int		 no_crl;	/* leave the CRLs unpublished */
	const char	*pkcs11;	/* keys on this token (URI); NULL: files */
	const char	*pkcs11_module, *pkcs11_pin_file;	/* for the config */
};
int	demo_build_opts(const char *dir, const struct demo_opts *o,
	    const char *operator_name, char *why, size_t whylen);

/* The holder's certificate copy as printable HTML (strings escaped). */
int	copy_write_html(const char *path, const char *uid, const char *name,
	    const char *serial, const char *issued, const char *expiry,
	    const char *card_expires, const char *kind);

#endif
