/* SPDX-License-Identifier: ISC */
/*
 * cmd_party.c: registered relying parties (party add|list|remove), to whom
 * `ocsp-access registered` gives certificate status.  A party registers by
 * sending its certificate (the one it signs OCSP requests or authenticates
 * over TLS with); staff check it and record it here.  Each write is one
 * transaction with its audit record; a refusal writes nothing but its own
 * "refused" record, as every certctl refusal does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certctl.h"
#include "clock.h"
#include "db_party.h"
#include "log.h"
#include "pki.h"
#include "xalloc.h"

#define PARTY_NOTE_MAX	1024	/* bytes of --note */
#define PARTY_FP_LEN	64	/* hex digits of a SHA-256 fingerprint */

/* A database failure as r->why; REG_ERROR. */
static int
party_dberr(struct reg *r)
{
	return reg_say(r, REG_ERROR, "database: %s", db_errmsg(r->db));
}

/* The write's audit record (detail not consumed), kept as its result. */
static int
party_finish(struct reg *r, const char *action, const char *subject,
    json_t *detail)
{
	int	 rc;

	if (detail == NULL)
		fatal_oom();
	json_object_set_new(detail, "action", json_string(action));
	json_object_set_new(detail, "subject", json_string(subject));
	if ((rc = reg_audit(r, action, subject, detail)) == REG_OK) {
		json_decref(r->result);
		r->result = json_incref(detail);
	}
	return rc;
}

/* What party_add takes from the party's file and records. */
struct party_cert {
	X509		*x;
	unsigned char	*der;		/* the bytes as the party sent them */
	size_t		 der_len;
	char		 fingerprint[PARTY_FP_LEN + 1];
	char		*subject;	/* RFC 2253, malloc'd */
};

static void
party_cert_clear(struct party_cert *pc)
{
	X509_free(pc->x);
	free(pc->der);
	free(pc->subject);
	memset(pc, 0, sizeof(*pc));
}

/* 1 when name is 1-64 of [A-Za-z0-9._-]: it shows in logs and metrics labels. */
static int
party_name_valid(const char *name)
{
	size_t	 n = strlen(name);

	return n > 0 && n <= DB_PARTY_NAME_MAX && strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/*
 * The audit subject for name: "party NAME", or "party ?" for a name that
 * is not one (it may not even be text; the refusal's request keeps it
 * when it is).
 */
static void
party_subject_of(const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "party %s", party_name_valid(name) ? name : "?");
}

/* A note fits one line of party list: no control characters, UTF-8. */
static int
party_note_ok(struct reg *r, const char *note)
{
	json_t	*j;

	if (note == NULL)
		return REG_OK;
	if (strlen(note) > PARTY_NOTE_MAX)
		return reg_say(r, REG_REFUSED, "--note is longer than %d bytes",
		    PARTY_NOTE_MAX);
	for (const unsigned char *p = (const unsigned char *)note; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return reg_say(r, REG_REFUSED, "--note must be one line "
			    "without control characters");
	if ((j = json_string(note)) == NULL)
		return reg_say(r, REG_REFUSED, "--note is not UTF-8 text");
	json_decref(j);
	return REG_OK;
}

/* The whole of a regular file up to PKI_FILE_MAX; REG_OK or REG_REFUSED. */
static int
party_file_read(struct reg *r, const char *path, unsigned char **out,
    size_t *len)
{
	struct stat	 st;
	unsigned char	*buf = NULL;
	size_t		 got = 0, cap;
	ssize_t		 n;
	int		 fd, rc = REG_REFUSED;

	*out = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO must not hang certctl before the S_ISREG check */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return reg_say(r, REG_REFUSED, "cannot read %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		reg_say(r, REG_REFUSED, "cannot read %s: %s", path,
		    strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		reg_say(r, REG_REFUSED, "%s is not a regular file", path);
		goto done;
	}
	if (st.st_size == 0 || st.st_size > PKI_FILE_MAX) {
		reg_say(r, REG_REFUSED, "%s is %s", path, st.st_size == 0 ?
		    "empty" : "too large for a certificate");
		goto done;
	}
	cap = (size_t)st.st_size + 1;	/* a spare byte shows growth */
	buf = xmalloc(cap);
	while (got < cap) {
		if ((n = read(fd, buf + got, cap - got)) == -1) {
			if (errno == EINTR)
				continue;
			reg_say(r, REG_REFUSED, "cannot read %s: %s", path,
			    strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == cap || got == 0) {
		reg_say(r, REG_REFUSED, "%s changed while being read", path);
		goto done;
	}
	*out = buf;
	*len = got;
	buf = NULL;
	rc = REG_OK;
 done:
	free(buf);
	close(fd);
	return rc;
}

/*
 * The party's certificate from path: one PEM certificate, or one DER
 * certificate.  A file with more than one certificate is refused rather
 * than taking the first: a chain sent by mistake would register whichever
 * came first, maybe a CA's.  A file with a private key in it is refused:
 * the key was meant to stay with the party.
 */
static int
party_cert_read(struct reg *r, const char *path, struct party_cert *pc)
{
	BIO		*bio;
	unsigned char	*buf = NULL, *data;
	char		*name, *header;
	long		 dlen;
	size_t		 len;
	int		 rc, ncerts = 0, nkeys = 0;

	memset(pc, 0, sizeof(*pc));
	if ((rc = party_file_read(r, path, &buf, &len)) != REG_OK)
		return rc;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		fatal_oom();
	while (PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
		if (strcmp(name, PEM_STRING_X509) == 0 ||
		    strcmp(name, PEM_STRING_X509_OLD) == 0) {
			if (ncerts++ == 0 && dlen > 0) {
				pc->x = pki_cert_from_der(data, (size_t)dlen);
				pc->der = xmalloc((size_t)dlen);
				memcpy(pc->der, data, (size_t)dlen);
				pc->der_len = (size_t)dlen;
			}
		} else if (strstr(name, "PRIVATE KEY") != NULL)
			nkeys++;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(data, dlen > 0 ? (size_t)dlen : 0);
	}
	BIO_free(bio);
	ERR_clear_error();	/* the loop ends on "no start line" */
	rc = REG_REFUSED;
	if (nkeys > 0) {
		reg_say(r, rc, "%s holds a private key: register only the "
		    "party's certificate (and have the party replace that key: "
		    "it has left its owner)", path);
		goto done;
	}
	if (ncerts > 1) {
		reg_say(r, rc, "%s holds %d certificates: give only the party's "
		    "own certificate, not its chain", path, ncerts);
		goto done;
	}
	if (ncerts == 0) {
		/* not PEM: the whole file as one DER certificate */
		if ((pc->x = pki_cert_from_der(buf, len)) == NULL) {
			reg_say(r, rc, "%s is not a certificate (PEM or DER)",
			    path);
			goto done;
		}
		pc->der = buf;
		pc->der_len = len;
		buf = NULL;
	} else if (pc->x == NULL) {
		reg_say(r, rc, "%s: its certificate does not parse", path);
		goto done;
	}
	rc = REG_OK;
 done:
	ERR_clear_error();
	free(buf);
	if (rc != REG_OK)
		party_cert_clear(pc);
	return rc;
}

/* x's subject in RFC 2253, UTF-8 kept when it is valid UTF-8; malloc'd. */
static char *
party_subject(X509 *x)
{
	unsigned long	 flags[] = { XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB,
			    XN_FLAG_RFC2253 };
	BIO		*bio;
	char		*data, *s = NULL;
	json_t		*j;
	long		 n;

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]) && s == NULL;
	    i++) {
		if ((bio = BIO_new(BIO_s_mem())) == NULL)
			fatal_oom();
		if (X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
		    flags[i]) >= 0 && (n = BIO_get_mem_data(bio, &data)) >= 0) {
			s = xmalloc((size_t)n + 1);
			memcpy(s, data, (size_t)n);
			s[n] = '\0';
			/* the audit detail and --json need UTF-8 */
			if (strlen(s) != (size_t)n || (j = json_string(s)) == NULL) {
				free(s);
				s = NULL;
			} else
				json_decref(j);
		}
		BIO_free(bio);
	}
	ERR_clear_error();
	return s;
}

/*
 * Is this a certificate a relying party signs requests with, valid now?
 * REG_OK, or REG_REFUSED with why.
 */
static int
party_cert_check(struct reg *r, const char *path, struct party_cert *pc)
{
	uint32_t	 flags;
	time_t		 nb, na;
	char		 date[11];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	static const char digits[] = "0123456789abcdef";

	flags = X509_get_extension_flags(pc->x);
	if (flags & EXFLAG_INVALID)
		return reg_say(r, REG_REFUSED, "%s: the certificate's "
		    "extensions are malformed", path);
	if (pki_time(X509_get0_notBefore(pc->x), &nb) != 0 ||
	    pki_time(X509_get0_notAfter(pc->x), &na) != 0)
		return reg_say(r, REG_REFUSED, "%s: the certificate's validity "
		    "dates do not parse", path);
	if (r->now < nb) {
		clock_format_date(nb, 0, date);
		return reg_say(r, REG_REFUSED, "%s: the certificate is not valid "
		    "yet (from %s): register it once it is", path, date);
	}
	if (r->now > na) {
		clock_format_date(na, 0, date);
		return reg_say(r, REG_REFUSED, "%s: the certificate expired on "
		    "%s: ask the party for its current one", path, date);
	}
	if ((flags & EXFLAG_CA) || ((flags & EXFLAG_KUSAGE) &&
	    (X509_get_key_usage(pc->x) & KU_KEY_CERT_SIGN)))
		return reg_say(r, REG_REFUSED, "%s is a CA certificate: a relying "
		    "party registers the end-entity certificate it signs its "
		    "requests with", path);
	if ((flags & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(pc->x) & KU_DIGITAL_SIGNATURE))
		return reg_say(r, REG_REFUSED, "%s: its keyUsage lacks "
		    "digitalSignature, which signed requests and TLS client "
		    "authentication need", path);
	if (EVP_Digest(pc->der, pc->der_len, md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen * 2 != PARTY_FP_LEN)
		return reg_say(r, REG_ERROR, "SHA-256 failed: %s",
		    log_ssl_drain());
	for (unsigned int i = 0; i < mdlen; i++) {
		pc->fingerprint[2 * i] = digits[md[i] >> 4];
		pc->fingerprint[2 * i + 1] = digits[md[i] & 0xf];
	}
	pc->fingerprint[PARTY_FP_LEN] = '\0';
	if ((pc->subject = party_subject(pc->x)) == NULL)
		return reg_say(r, REG_REFUSED, "%s: the certificate's subject "
		    "cannot be printed", path);
	return REG_OK;
}

/* Within the write: is the name or the certificate registered now? */
static int
party_conflicts(struct reg *r, const char *name, const char *fingerprint)
{
	struct db_party_rec	*v;
	size_t			 n;
	char			 date[11];
	int			 rc = REG_OK;

	if (db_party_records(r->db, 0, &v, &n) != 0)
		return party_dberr(r);
	for (size_t i = 0; i < n && rc == REG_OK; i++) {
		clock_format_date(v[i].added_at, 0, date);
		if (strcmp(v[i].name, name) == 0)
			rc = reg_say(r, REG_REFUSED, "party %s is already "
			    "registered (since %s): party remove it first to "
			    "register another certificate", name, date);
		else if (strcmp(v[i].fingerprint, fingerprint) == 0)
			rc = reg_say(r, REG_REFUSED, "this certificate is "
			    "already registered as party %s (since %s)",
			    v[i].name, date);
	}
	db_party_records_free(v, n);
	return rc;
}

int
party_add(struct reg *r, const char *name, const char *cert_file,
    const char *note, int rate)
{
	struct party_cert	 pc;
	struct db_party_new	 p;
	char			 subject[128], iso[21];
	json_t			*req, *d;
	int64_t			 id;
	int			 rc;

	memset(&pc, 0, sizeof(pc));
	party_subject_of(name, subject, sizeof(subject));
	req = json_pack("{s:s?,s:s?,s:s?,s:i}", "name", name, "cert",
	    cert_file, "note", note, "rate", rate);
	r->now = clock_now();
	r->why[0] = '\0';
	r->refusal_recorded = 0;
	json_decref(r->result);
	r->result = NULL;
	if (!party_name_valid(name))
		rc = reg_say(r, REG_REFUSED, "a party name is 1-%d letters, "
		    "digits, '.', '_' or '-'", DB_PARTY_NAME_MAX);
	else if (rate < 0 || rate > DB_PARTY_RATE_MAX)
		rc = reg_say(r, REG_REFUSED, "--rate is requests per second, 0 "
		    "(no limit) to %d", DB_PARTY_RATE_MAX);
	else if ((rc = party_note_ok(r, note)) == REG_OK &&
	    (rc = party_cert_read(r, cert_file, &pc)) == REG_OK)
		rc = party_cert_check(r, cert_file, &pc);
	if (rc != REG_OK) {
		if (rc == REG_REFUSED) {
			reg_refusal_record(r, "party.add", subject, req);
			req = NULL;
		}
		goto done;
	}
	if ((rc = reg_txn_begin(r)) != REG_OK)
		goto done;
	/* a refusal from here on is recorded by reg_txn_end */
	r->attempt = "party.add";
	snprintf(r->attempt_subject, sizeof(r->attempt_subject), "%s", subject);
	r->request = req;
	req = NULL;
	if ((rc = party_conflicts(r, name, pc.fingerprint)) != REG_OK)
		goto end;
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.cert = pc.der;
	p.cert_len = pc.der_len;
	p.fingerprint = pc.fingerprint;
	p.subject = pc.subject;
	(void)pki_time(X509_get0_notAfter(pc.x), &p.not_after);
	p.note = note;
	p.rate = rate;
	p.added_by = r->operator_name;
	if ((id = db_party_insert(r->db, &p, r->now)) < 0) {
		rc = party_dberr(r);
		goto end;
	}
	clock_format_iso(p.not_after, iso);
	d = json_pack("{s:I,s:s,s:s,s:s,s:s,s:i,s:s?}", "id", (json_int_t)id,
	    "name", name, "fingerprint", pc.fingerprint, "cert_subject", pc.subject,
	    "not_after", iso, "rate", rate, "note", note);
	rc = party_finish(r, "party.add", subject, d);
	json_decref(d);
 end:
	rc = reg_txn_end(r, rc);
 done:
	json_decref(req);
	party_cert_clear(&pc);
	return rc;
}

int
party_remove(struct reg *r, const char *name)
{
	struct db_party_rec	*v = NULL;
	const struct db_party_rec *cur = NULL, *gone = NULL;
	size_t			 n = 0;
	char			 subject[128], date[11];
	json_t			*d;
	int			 rc;

	party_subject_of(name, subject, sizeof(subject));
	if ((rc = reg_txn_begin(r)) != REG_OK)
		return rc;
	r->attempt = "party.remove";
	snprintf(r->attempt_subject, sizeof(r->attempt_subject), "%s", subject);
	r->request = json_pack("{s:s?}", "name", name);
	if (db_party_records(r->db, 1, &v, &n) != 0) {
		rc = party_dberr(r);
		goto end;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0) {
			if (v[i].removed_at == 0)
				cur = &v[i];
			else
				gone = &v[i];	/* the latest removal */
		}
	if (cur == NULL && gone != NULL) {
		clock_format_date(gone->removed_at, 0, date);
		rc = reg_say(r, REG_REFUSED, "party %s was already removed on "
		    "%s", name, date);
		goto end;
	}
	if (cur == NULL && !party_name_valid(name)) {
		rc = reg_say(r, REG_REFUSED, "no party is named so: a party "
		    "name is 1-%d letters, digits, '.', '_' or '-'",
		    DB_PARTY_NAME_MAX);
		goto end;
	}
	if (cur == NULL) {
		rc = reg_say(r, REG_REFUSED, "no party named \"%s\" is "
		    "registered (certctl party list shows them)", name);
		goto end;
	}
	if (db_party_remove(r->db, cur->id, r->operator_name, r->now) != 0) {
		rc = party_dberr(r);
		goto end;
	}
	d = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)cur->id, "name",
	    cur->name, "fingerprint", cur->fingerprint, "cert_subject",
	    cur->subject);
	rc = party_finish(r, "party.remove", subject, d);
	json_decref(d);
 end:
	db_party_records_free(v, n);
	return reg_txn_end(r, rc);
}

/* One party as --json shows it at now (a new reference). */
static json_t *
party_json(const struct db_party_rec *p, time_t now)
{
	char	 na[21], added[21], removed[21];
	json_t	*j;

	clock_format_iso(p->not_after, na);
	clock_format_iso(p->added_at, added);
	if (p->removed_at != 0)
		clock_format_iso(p->removed_at, removed);
	j = json_pack("{s:I,s:s,s:s,s:s,s:s,s:i,s:s?,s:s,s:s,s:s?,s:s?}",
	    "id", (json_int_t)p->id, "name", p->name, "fingerprint",
	    p->fingerprint, "subject", p->subject, "not_after", na, "rate",
	    p->rate, "note", p->note, "added_at", added, "added_by",
	    p->added_by, "removed_at", p->removed_at != 0 ? removed : NULL,
	    "removed_by", p->removed_by);
	if (j == NULL)
		fatal_oom();
	json_object_set_new(j, "expired", json_boolean(p->not_after < now));
	return j;
}

static int
party_list(struct ctx *c, int all)
{
	struct db_party_rec	*v;
	size_t			 n;
	char			 date[11], removed[21], rate[16];
	json_t			*a;
	time_t			 now = clock_now();
	int			 rc;

	if ((rc = ctx_open(c, 0)) != EXIT_OK)
		return rc;
	if (db_party_records(c->db, all, &v, &n) != 0)
		return report(c, party_dberr(&c->reg));
	if (c->json) {
		if ((a = json_array()) == NULL)
			fatal_oom();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, party_json(&v[i], now));
		print_json(a);
		json_decref(a);
	} else if (n == 0)
		printf("no relying parties registered%s\n", all ? " or removed" :
		    "");
	for (size_t i = 0; !c->json && i < n; i++) {
		clock_format_date(v[i].not_after, 0, date);
		if (v[i].rate == 0)
			snprintf(rate, sizeof(rate), "-");
		else
			snprintf(rate, sizeof(rate), "%d/s", v[i].rate);
		/* registered but no longer usable: the party needs to send
		 * its new certificate */
		printf("%-16s sha256 %s until %s%s rate %-8s ", v[i].name,
		    v[i].fingerprint, date, v[i].not_after < now ?
		    " (expired)" : "", rate);
		if (all) {
			if (v[i].removed_at != 0)
				clock_format_iso(v[i].removed_at, removed);
			printf("removed %-20s ", v[i].removed_at != 0 ? removed :
			    "-");
		}
		printf("subject %s note %s\n", v[i].subject[0] != '\0' ?
		    v[i].subject : "-", v[i].note != NULL ? v[i].note : "-");
	}
	db_party_records_free(v, n);
	return EXIT_OK;
}

/* --rate N: 0 to DB_PARTY_RATE_MAX, or absent (0: no limit). */
static int
party_rate(const char *arg, int *rate)
{
	char	*end;
	long	 n;

	*rate = 0;
	if (arg == NULL)
		return EXIT_OK;
	errno = 0;
	n = strtol(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 || n < 0 ||
	    n > DB_PARTY_RATE_MAX)
		return usage("--rate is requests per second, 0 (no limit) to "
		    "%d", DB_PARTY_RATE_MAX);
	*rate = (int)n;
	return EXIT_OK;
}

int
cmd_party(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = {
		{ "cert", 1 }, { "note", 1 }, { "rate", 1 }, { "all", 0 },
		{ NULL, 0 },
	};
	static const char add_usage[] =
	    "party add NAME --cert FILE [--note TEXT] [--rate N]";
	struct opts	 o;
	const char	*sub, *note;
	int		 rc, rate;

	if (argc < 2)
		return usage("party add|list|remove ...");
	sub = argv[1];
	if (opts_parse(argc - 2, argv + 2, defs, &o) != 0)
		return EXIT_USAGE;
	if (strcmp(sub, "list") == 0) {
		if (o.npos != 0 || opt(&o, defs, "cert") != NULL ||
		    opt(&o, defs, "note") != NULL || opt(&o, defs, "rate") != NULL)
			return usage("party list [--all]");
		return party_list(c, opt(&o, defs, "all") != NULL);
	}
	if (strcmp(sub, "add") == 0) {
		if (o.npos != 1 || opt(&o, defs, "cert") == NULL ||
		    opt(&o, defs, "all") != NULL)
			return usage("%s", add_usage);
		if ((rc = party_rate(opt(&o, defs, "rate"), &rate)) != EXIT_OK)
			return rc;
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		note = opt(&o, defs, "note");
		rc = party_add(&c->reg, o.pos[0], opt(&o, defs, "cert"),
		    note != NULL && *note != '\0' ? note : NULL, rate);
	} else if (strcmp(sub, "remove") == 0) {
		if (o.npos != 1 || opt(&o, defs, "cert") != NULL ||
		    opt(&o, defs, "note") != NULL ||
		    opt(&o, defs, "rate") != NULL || opt(&o, defs, "all") != NULL)
			return usage("party remove NAME");
		if ((rc = ctx_open(c, 0)) != EXIT_OK)
			return rc;
		rc = party_remove(&c->reg, o.pos[0]);
	} else
		return usage("party add|list|remove ...");
	if (rc != REG_OK)
		return report(c, rc);
	print_result(c);
	if (!c->json && strcmp(sub, "add") == 0) {
		json_t		*d = c->reg.result;
		const char	*n = json_string_value(json_object_get(d,
				    "note"));
		json_int_t	 r = json_integer_value(json_object_get(d,
				    "rate"));

		printf("  sha256 %s\n  subject %s\n  until %s\n",
		    json_string_value(json_object_get(d, "fingerprint")),
		    json_string_value(json_object_get(d, "cert_subject")),
		    json_string_value(json_object_get(d, "not_after")));
		if (r == 0)
			printf("  rate no limit\n");
		else
			printf("  rate %lld requests per second\n", (long long)r);
		if (n != NULL)
			printf("  note %s\n", n);
	}
	return EXIT_OK;
}
