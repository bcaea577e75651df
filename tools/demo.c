/* SPDX-License-Identifier: ISC */
/*
 * demo.c: `certctl demo DIR`: a ready demo registry with certificates in
 * every state, their PEM files and DIR/certs/index.tsv saying what OCSP
 * must answer for each (see certctl(8)).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certctl.h"
#include "clock.h"
#include "crlpub.h"
#include "issuance.h"
#include "log.h"
#include "pki.h"

#define DEMO_ISSUER	"inagi"
#define DEMO_RENEWAL_DAYS 60	/* renewal-due-*: days left, inside 90d */

struct demo {
	struct reg	 r;
	char		 dir[PATH_MAX];
	FILE		*index;
	char		 card_expires[11];	/* a date years ahead */
	char		 child_card_expires[11];	/* within a child's 5 birthdays */
	char		*why;
	size_t		 whylen;
};

static int
demo_fail(struct demo *d, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
demo_fail(struct demo *d, int rc, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(d->why, d->whylen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Run a registry call; on failure say which step. */
static int
step(struct demo *d, const char *what, int rc)
{
	if (rc != REG_OK)
		return demo_fail(d, rc == REG_REFUSED ? REG_ERROR : rc,
		    "demo: %s: %s", what, d->r.why);
	return REG_OK;
}

static int
write_text(const char *path, const char *text, mode_t mode)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rc = fputs(text, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0)
		rc = chmod(path, mode);
	return rc;
}

/* Write pem to certs/<file>.pem in the demo directory. */
static int
cert_write(struct demo *d, const char *file, const char *pem)
{
	char	 path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/certs/%s.pem", d->dir, file);
	if (write_text(path, pem, 0644) != 0)
		return demo_fail(d, REG_ERROR, "demo: %s: %s", path,
		    strerror(errno));
	return 0;
}

static time_t	jst_date(const char *ymd);

/* A resident and their card, issued on card_issued (YYYY-MM-DD; NULL:
 * today): a card of the past is recorded as history, as the rules want. */
static int
resident(struct demo *d, const char *uid, const char *name,
    const char *address, const char *birth, int sex, const char *card,
    const char *type, const char *expires, int photo, const char *card_issued)
{
	struct resident_info	 ri = { uid, name, address, birth, sex };
	struct card_info	 ci = { card, type, expires, photo,
	    card_issued != NULL ? jst_date(card_issued) : 0 };
	int			 rc;

	if ((rc = step(d, "resident add", reg_resident_add(&d->r, &ri))) != 0)
		return rc;
	return step(d, "card add", reg_card_add(&d->r, uid, &ci));
}

/*
 * A fresh key pair for one certificate, as a card makes one per
 * certificate: written to keys/<file>.key (0600) so that clients can sign
 * with it.  NULL (with d->why) on failure.
 */
static EVP_PKEY *
holder_key(struct demo *d, const char *file, enum pki_keyalg alg)
{
	EVP_PKEY	*key;
	char		 path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/keys/%s.key", d->dir, file);
	if ((key = pki_key_generate(alg)) == NULL ||
	    pki_key_write(path, key) != 0) {
		demo_fail(d, REG_ERROR, "demo: %s: holder key: %s", file,
		    log_ssl_drain());
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

/* Issue kind on card (at `issued`, 0 now) and write certs/<file>.pem. */
static int
issue(struct demo *d, const char *card, const char *kind, time_t issued,
    const char *file, char serial[SERIAL_HEX_MAX])
{
	struct issue_req	 q;
	struct issue_result	 res;
	EVP_PKEY		*key;
	int			 rc;

	if ((key = holder_key(d, file, PKI_RSA2048)) == NULL)
		return REG_ERROR;
	memset(&q, 0, sizeof(q));
	q.card = card;
	q.kind = kind;
	q.key = key;
	q.issued = issued;
	rc = step(d, file, iss_issue(&d->r, &q, &res));
	EVP_PKEY_free(key);
	if (rc != 0)
		return rc;
	rc = cert_write(d, file, res.pem);
	memcpy(serial, res.serial, SERIAL_HEX_MAX);
	iss_result_free(&res);
	return rc;
}

static void
index_line(struct demo *d, const char *file, const char *serial,
    const char *status, const char *reason)
{
	fprintf(d->index, "%s.pem\t%s\t%s\t%s\n", file, serial, status, reason);
}

/* Issue and list a certificate whose expected answer is known now. */
static int
cert(struct demo *d, const char *card, const char *kind, time_t issued,
    const char *file, const char *status, const char *reason,
    char serial[SERIAL_HEX_MAX])
{
	char	 s[SERIAL_HEX_MAX];
	int	 rc;

	if ((rc = issue(d, card, kind, issued, file, s)) != 0)
		return rc;
	index_line(d, file, s, status, reason);
	if (serial != NULL)
		memcpy(serial, s, sizeof(s));
	return 0;
}

static time_t
jst_date(const char *ymd)
{
	time_t	 t = 0;

	clock_parse(ymd, &t);
	return t - JST_OFFSET_SEC + 10 * 3600;	/* 10:00 at the counter */
}

/*
 * A date of birth and an issue date (both YYYY-MM-DD) such that a My
 * Number certificate issued then ends on the holder's birthday
 * DEMO_RENEWAL_DAYS from now: born 40 years before that day, issued the
 * day after the birthday mynumber-birthdays years before it.
 */
static void
renewal_due_dates(struct demo *d, char birth[11], char issued[11],
    char card_exp[11])
{
	char	 target[11], buf[48];
	int	 y, m, day, n = d->r.cfg->mynumber_birthdays;

	clock_format_date(clock_now() + DEMO_RENEWAL_DAYS * 86400,
	    JST_OFFSET_SEC, target);
	sscanf(target, "%d-%d-%d", &y, &m, &day);
	if (m == 2 && day == 29)
		day = 28;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y - 40, m, day);
	memcpy(birth, buf, 11);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y - n, m, day);
	memcpy(issued, buf, 11);
	/* the card itself lasts longer: within its 10th birthday after issue */
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y + 4, m, day);
	memcpy(card_exp, buf, 11);
	clock_format_date(jst_date(issued) + 86400, JST_OFFSET_SEC, issued);
}

/* A certificate signed by the demo CA but never recorded: OCSP "unknown". */
static int
never_issued(struct demo *d)
{
	struct iss_ca		 ca;
	struct pki_profile	 p;
	X509			*x = NULL;
	EVP_PKEY		*key;
	char			*pem = NULL, path[PATH_MAX + 64], hex[SERIAL_HEX_MAX];
	int			 rc;

	if ((key = holder_key(d, "never-issued", PKI_RSA2048)) == NULL)
		return REG_ERROR;
	if ((rc = step(d, "load CA", iss_ca_load(&d->r, DEMO_ISSUER, &ca))) != 0) {
		EVP_PKEY_free(key);
		return rc;
	}
	memset(&p, 0, sizeof(p));
	p.kind = PKI_KIND_AUTH;
	p.prefecture = d->r.cfg->prefecture;
	p.city = d->r.cfg->city;
	p.uid = "never-issued";
	p.not_before = clock_now();
	p.not_after = clock_add_years(p.not_before, 1);
	if (pki_serial_random(&p.serial) != 0 ||
	    (x = pki_cert_issue(ca.cert, ca.key, key, &p)) == NULL ||
	    (pem = pki_cert_to_pem(x)) == NULL) {
		rc = demo_fail(d, REG_ERROR, "demo: never-issued: %s",
		    log_ssl_drain());
		goto done;
	}
	snprintf(path, sizeof(path), "%s/certs/never-issued.pem", d->dir);
	if (write_text(path, pem, 0644) != 0) {
		rc = demo_fail(d, REG_ERROR, "demo: %s: %s", path, strerror(errno));
		goto done;
	}
	serial_to_hex(&p.serial, hex);
	index_line(d, "never-issued", hex, "unknown", "-");
 done:
	free(pem);
	X509_free(x);
	EVP_PKEY_free(key);
	iss_ca_free(&ca);
	return rc;
}

static int
scenario(struct demo *d)
{
	const char	*exp = d->card_expires;
	char		 s[SERIAL_HEX_MAX];
	int		 rc;

#define TRY(x)	do { if ((rc = (x)) != 0) return rc; } while (0)
	/* Good: a My Number Card with both certificates. */
	TRY(resident(d, "R0001", "山田 太郎", "東京都稲城市東長沼2111",
	    "1980-04-01", 1, "MN-0001", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0001", "sign", 0, "good-sign", "good", "-", NULL));
	TRY(cert(d, "MN-0001", "auth", 0, "good-auth", "good", "-", NULL));

	/* Moving: the sign certificate ends, the auth certificate stays. */
	TRY(resident(d, "R0002", "鈴木 花子", "東京都稲城市平尾1-1",
	    "1975-08-15", 2, "MN-0002", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0002", "sign", 0, "moved-sign", "revoked",
	    "affiliationChanged", NULL));
	TRY(cert(d, "MN-0002", "auth", 0, "moved-auth", "good", "-", NULL));
	{
		struct resident_info ri = { "R0002", NULL,
		    "東京都稲城市若葉台2-2", NULL, 0 };

		TRY(step(d, "move", reg_resident_change(&d->r, &ri)));
	}

	/* Name change (marriage), born on 29 February. */
	TRY(resident(d, "R0003", "佐藤 由紀", "東京都稲城市百村3-3",
	    "1992-02-29", 2, "MN-0003", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0003", "sign", 0, "name-change-sign", "revoked",
	    "affiliationChanged", NULL));
	{
		struct resident_info ri = { "R0003", "高橋 由紀", NULL, NULL, 0 };

		TRY(step(d, "name change", reg_resident_change(&d->r, &ri)));
	}

	/* Card replaced: both old certificates superseded, a new one good. */
	TRY(resident(d, "R0004", "高橋 健", "東京都稲城市矢野口4-4",
	    "1968-11-03", 1, "MN-0004", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0004", "sign", 0, "replaced-sign", "revoked",
	    "superseded", NULL));
	TRY(cert(d, "MN-0004", "auth", 0, "replaced-auth", "revoked",
	    "superseded", NULL));
	{
		struct card_info ci = { "MN-0104", "mynumber", exp, 1, 0 };

		TRY(step(d, "card replace", reg_card_replace(&d->r, "MN-0004",
		    &ci)));
	}
	TRY(cert(d, "MN-0104", "sign", 0, "replacement-sign", "good", "-",
	    NULL));

	/* Card returned. */
	TRY(resident(d, "R0005", "田中 恵美", "東京都稲城市坂浜5-5",
	    "1988-06-30", 2, "MN-0005", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0005", "sign", 0, "returned-sign", "revoked",
	    "cessationOfOperation", NULL));
	TRY(step(d, "card return", reg_card_return(&d->r, "MN-0005")));

	/* The holder asks to stop one certificate; another reports a
	 * compromised key. */
	TRY(resident(d, "R0006", "伊藤 純", "東京都稲城市大丸6-6",
	    "2001-01-01", 3, "MN-0006", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0006", "auth", 0, "holder-request-auth", "revoked",
	    "cessationOfOperation", s));
	TRY(step(d, "holder request", reg_cert_revoke(&d->r, s, NULL,
	    REASON_CESSATION)));
	TRY(cert(d, "MN-0006", "sign", 0, "holder-keeps-sign", "good", "-",
	    NULL));
	TRY(resident(d, "R0007", "渡辺 葵", "東京都稲城市長峰7-7",
	    "1995-12-24", 2, "MN-0007", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0007", "sign", 0, "key-compromise-sign", "revoked",
	    "keyCompromise", s));
	TRY(step(d, "key compromise", reg_cert_revoke(&d->r, s, NULL,
	    REASON_KEY_COMPROMISE)));

	/* Card lost: on hold. */
	TRY(resident(d, "R0008", "中村 翔", "東京都稲城市向陽台8-8",
	    "1983-03-03", 1, "MN-0008", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0008", "sign", 0, "lost-sign", "revoked",
	    "certificateHold", NULL));
	TRY(cert(d, "MN-0008", "auth", 0, "lost-auth", "revoked",
	    "certificateHold", NULL));
	TRY(step(d, "card lost", reg_card_lost(&d->r, "MN-0008")));

	/* Lost and found: the hold became a revocation. */
	TRY(resident(d, "R0009", "小林 凛", "東京都稲城市押立9-9",
	    "1999-09-09", 3, "MN-0009", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0009", "sign", 0, "found-sign", "revoked",
	    "cessationOfOperation", NULL));
	TRY(step(d, "card lost", reg_card_lost(&d->r, "MN-0009")));
	TRY(step(d, "card found", reg_card_found(&d->r, "MN-0009")));

	/* Expired, never revoked: OCSP still says good.  A Juki certificate
	 * recorded from before the end of Juki issuance... */
	TRY(resident(d, "R0010", "加藤 芽衣", "東京都稲城市東長沼10-10",
	    "1960-05-05", 2, "JK-0010", "juki", "2024-03-31", 0, "2014-04-01"));
	TRY(cert(d, "JK-0010", "sign", jst_date("2014-04-01"), "juki-expired-sign",
	    "good", "-", NULL));
	/* ...and a My Number certificate that ended with its card. */
	TRY(resident(d, "R0011", "吉田 蓮", "東京都稲城市平尾11-11",
	    "1970-07-07", 1, "MN-0011", "mynumber", "2021-01-31", 1, "2016-02-01"));
	TRY(cert(d, "MN-0011", "sign", jst_date("2016-02-01"),
	    "mynumber-expired-sign", "good", "-", NULL));
	TRY(cert(d, "MN-0011", "auth", jst_date("2016-02-01"),
	    "mynumber-expired-auth", "good", "-", NULL));

	/* Valid, but within the renewal window: the 5th birthday after
	 * issuance is DEMO_RENEWAL_DAYS away. */
	{
		char	 birth[11], issued[11], card_exp[11];

		renewal_due_dates(d, birth, issued, card_exp);
		TRY(resident(d, "R0020", "木村 美咲", "東京都稲城市百村13-13",
		    birth, 2, "MN-0020", "mynumber", card_exp, 1, issued));
		TRY(cert(d, "MN-0020", "sign", jst_date(issued),
		    "renewal-due-sign", "good", "-", NULL));
		TRY(cert(d, "MN-0020", "auth", jst_date(issued),
		    "renewal-due-auth", "good", "-", NULL));
	}

	/* Resident record removed (emigration). */
	TRY(resident(d, "R0012", "山本 大輔", "東京都稲城市若葉台12-12",
	    "1958-12-12", 1, "MN-0012", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0012", "sign", 0, "removed-sign", "revoked",
	    "cessationOfOperation", NULL));
	TRY(step(d, "resident remove", reg_resident_remove(&d->r, "R0012",
	    "emigration")));

	/* A child under 15: an authentication certificate only (a signature
	 * certificate is refused until the 15th birthday). */
	TRY(resident(d, "R0013", "小林 陽", "東京都稲城市押立9-9",
	    "2016-05-05", 1, "MN-0013", "mynumber", d->child_card_expires, 1,
	    NULL));
	TRY(cert(d, "MN-0013", "auth", 0, "child-auth", "good", "-", NULL));
	/* Moving out of the city: sign ends, auth stays valid. */
	TRY(resident(d, "R0014", "森 美咲", "東京都稲城市矢野口14-14",
	    "1990-03-14", 2, "MN-0014", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0014", "sign", 0, "moved-out-sign", "revoked",
	    "affiliationChanged", NULL));
	TRY(cert(d, "MN-0014", "auth", 0, "moved-out-auth", "good", "-", NULL));
	TRY(step(d, "move out", reg_resident_moveout(&d->r, "R0014",
	    "神奈川県川崎市多摩区1-1")));
	/* The found card is usable again: a new certificate on it. */
	TRY(cert(d, "MN-0009", "sign", 0, "found-new-sign", "good", "-", NULL));
	/* Renewal on the same card: the previous one is superseded. */
	TRY(resident(d, "R0015", "池田 翼", "東京都稲城市大丸15-15",
	    "1985-01-15", 1, "MN-0015", "mynumber", exp, 1, NULL));
	TRY(cert(d, "MN-0015", "auth", 0, "renewed-old-auth", "revoked",
	    "superseded", NULL));
	TRY(cert(d, "MN-0015", "auth", 0, "renewed-auth", "good", "-", NULL));
	/* Counter procedures: which secret, and the photo document seen. */
	TRY(step(d, "card unlock", reg_card_unlock(&d->r, "MN-0001", "auth",
	    NULL)));
	TRY(step(d, "password change", reg_password_change(&d->r, "MN-0006",
	    "sign", "passport")));
	return never_issued(d);
#undef TRY
}

/* N more good My Number certificates, one transaction. */
static int
extras(struct demo *d, int n)
{
	struct iss_ca		 ca;
	struct issue_req	 q;
	struct issue_result	 res;
	EVP_PKEY		*key;
	char			 uid[32], card[32], file[64], path[PATH_MAX + 128];
	int			 rc;

	snprintf(path, sizeof(path), "%s/certs/extra", d->dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return demo_fail(d, REG_ERROR, "demo: %s: %s", path,
		    strerror(errno));
	if ((rc = step(d, "begin", reg_txn_begin(&d->r))) != 0)
		return rc;
	if ((rc = step(d, "load CA", iss_ca_load(&d->r, DEMO_ISSUER, &ca))) != 0)
		return step(d, "rollback", reg_txn_end(&d->r, rc));
	for (int i = 1; i <= n && rc == 0; i++) {
		struct resident_info	 ri;
		struct card_info	 ci;

		snprintf(uid, sizeof(uid), "X%07d", i);
		snprintf(card, sizeof(card), "MN-X%07d", i);
		ri = (struct resident_info){ uid, "Demo Resident",
		    "Tokyo-to Inagi-shi", "1990-01-01", 3 };
		ci = (struct card_info){ card, "mynumber", d->card_expires, 1, 0 };
		memset(&q, 0, sizeof(q));
		q.card = card;
		q.kind = "auth";
		/* its own key too; P-256, as --extra runs to millions and an
		 * RSA key takes a hundred times longer to make; not written */
		if ((key = pki_key_generate(PKI_P256)) == NULL) {
			rc = demo_fail(d, REG_ERROR, "demo: %s: key: %s", uid,
			    log_ssl_drain());
			break;
		}
		rc = step(d, uid, reg_resident_add_tx(&d->r, &ri));
		if (rc == 0)
			rc = step(d, card, reg_card_add_tx(&d->r, uid, &ci));
		if (rc == 0)
			rc = step(d, card, iss_issue_tx(&d->r, &ca, &q, key,
			    &res));
		EVP_PKEY_free(key);
		if (rc != 0)
			break;
		snprintf(file, sizeof(file), "extra/%s", uid);
		if ((rc = cert_write(d, file, res.pem)) == 0)
			index_line(d, file, res.serial, "good", "-");
		iss_result_free(&res);
	}
	iss_ca_free(&ca);
	if (reg_txn_end(&d->r, rc) != REG_OK && rc == 0)
		rc = demo_fail(d, REG_ERROR, "demo: extra: %s", d->r.why);
	return rc;
}

/* mkdir -p: the demo folder may be several levels new. */
static int
mkdir_p(const char *dir)
{
	char	 p[PATH_MAX];
	size_t	 n = strlen(dir);

	if (n == 0 || n >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, dir, n + 1);
	for (char *s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* The listen address and the URLs in the certificates share the port. */
static const char demo_conf[] =
"# certstatus demo configuration, written by `certctl demo`.\n"
"# One file for both programs:\n"
"#   certstatusd -c certstatus.conf      (serve OCSP, CRLs, online counter)\n"
"#   certctl -c certstatus.conf list     (the counter's admin tool)\n"
"# Relative paths are relative to this file's folder.  See\n"
"# config/certstatus.conf for every directive.\n"
"database certstatus.db\n"
"listen 127.0.0.1:%d\n"
"base-url http://127.0.0.1:%d\n"
"prefecture Tokyo\n"
"city Inagi\n";

/*
 * Sign and store the demo issuer's full and delta CRLs, as `certctl crl
 * generate` does, so that the CRL URL in every demo certificate answers as
 * soon as a server serves the demo.
 */
static int
publish_crls(struct demo *d)
{
	struct iss_ca		 ca;
	struct crlpub_issuer	 is;
	struct crlpub_result	 res = { 0 };
	json_t			*detail;
	char			 err[512];
	int			 rc;

	if ((rc = step(d, "load CA", iss_ca_load(&d->r, DEMO_ISSUER, &ca))) != 0)
		return rc;
	is.id = ca.row.id;
	is.name = ca.row.name;
	is.ca = ca.cert;
	is.key = ca.key;
	if ((rc = step(d, "begin", reg_txn_begin(&d->r))) != 0)
		goto done;
	if (crlpub_generate_tx(d->r.db, d->r.cfg, &is, CRLPUB_FULL_AND_DELTA,
	    d->r.now, &res, err, sizeof(err)) != 0) {
		(void)reg_txn_end(&d->r, REG_ERROR);
		rc = demo_fail(d, REG_ERROR, "demo: crl generate: %s", err);
		goto done;
	}
	detail = json_pack("{s:s,s:I,s:I}", "issuer", is.name, "full",
	    (json_int_t)res.full_number, "delta", (json_int_t)res.delta_number);
	rc = step(d, "crl generate", reg_txn_end(&d->r, reg_audit(&d->r,
	    "crl.generate", "issuer " DEMO_ISSUER, detail)));
	json_decref(detail);
 done:
	crlpub_result_free(&res);
	iss_ca_free(&ca);
	return rc;
}

int
demo_build(const char *dir, int extra, const char *operator_name, char *why,
    size_t whylen)
{
	return demo_build_alg(dir, extra, NULL, operator_name, why, whylen);
}

int
demo_build_alg(const char *dir, int extra, const char *key_algorithm,
    const char *operator_name, char *why, size_t whylen)
{
	struct demo_opts o = { .extra = extra, .key_algorithm = key_algorithm };

	return demo_build_opts(dir, &o, operator_name, why, whylen);
}

/* The token's module and PIN file, appended to the demo's config. */
static int
demo_conf_pkcs11(const char *path, const struct demo_opts *o)
{
	char	 mod[PATH_MAX], pin[PATH_MAX];
	FILE	*f;
	int	 bad;

	if (realpath(o->pkcs11_module, mod) == NULL ||
	    realpath(o->pkcs11_pin_file, pin) == NULL ||
	    (f = fopen(path, "a")) == NULL)
		return -1;
	bad = fprintf(f, "pkcs11-module %s\npkcs11-pin-file %s\n", mod,
	    pin) < 0;
	return fclose(f) != 0 || bad ? -1 : 0;
}

/* key_algorithm: the CA and OCSP signer keys (NULL: the default, rsa2048);
 * it is also written to the demo's configuration for later issuers. */
int
demo_build_opts(const char *dir, const struct demo_opts *o,
    const char *operator_name, char *why, size_t whylen)
{
	const char	*key_algorithm = o->key_algorithm;
	int		 extra = o->extra, port = o->port > 0 ? o->port : 8080;
	char		 conf_text[sizeof(demo_conf) + 32];
	struct demo	 d;
	struct config	*cfg = NULL;
	struct db	*db = NULL;
	struct issuer_row row;
	char		 path[PATH_MAX + 64], err[512];
	int		 rc = REG_ERROR;

	memset(&d, 0, sizeof(d));
	memset(&row, 0, sizeof(row));
	d.why = why;
	d.whylen = whylen;
	if (mkdir_p(dir) != 0)
		return demo_fail(&d, REG_REFUSED, "%s: %s", dir, strerror(errno));
	if (realpath(dir, d.dir) == NULL)
		return demo_fail(&d, REG_REFUSED, "%s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/certstatus.db", d.dir);
	if (access(path, F_OK) == 0)
		return demo_fail(&d, REG_REFUSED, "%s already holds a database: "
		    "choose an empty folder", dir);
	snprintf(path, sizeof(path), "%s/certs", d.dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return demo_fail(&d, REG_ERROR, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/certstatus.conf", d.dir);
	snprintf(conf_text, sizeof(conf_text), demo_conf, port, port);
	if (write_text(path, conf_text, 0644) != 0)
		return demo_fail(&d, REG_ERROR, "%s: %s", path, strerror(errno));
	if (key_algorithm != NULL) {
		enum pki_keyalg	 alg;
		FILE		*f;
		int		 bad;

		if (pki_keyalg_parse(key_algorithm, &alg) != 0)
			return demo_fail(&d, REG_REFUSED, "key algorithm must be "
			    "rsa2048 or p256");
		if ((f = fopen(path, "a")) == NULL)
			return demo_fail(&d, REG_ERROR, "%s: %s", path,
			    strerror(errno));
		bad = fprintf(f, "key-algorithm %s\n", alg == PKI_P256 ?
		    "p256" : "rsa2048") < 0;
		if (fclose(f) != 0 || bad)
			return demo_fail(&d, REG_ERROR, "%s: write error", path);
	}
	if (o->pkcs11 != NULL && demo_conf_pkcs11(path, o) != 0)
		return demo_fail(&d, REG_ERROR, "%s: write error", path);
	/* the holders' keys (files) go here; ca create makes it for its own */
	snprintf(path, sizeof(path), "%s/keys", d.dir);
	if (o->pkcs11 != NULL && mkdir(path, 0700) != 0 && errno != EEXIST)
		return demo_fail(&d, REG_ERROR, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/certstatus.conf", d.dir);
	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		rc = demo_fail(&d, REG_ERROR, "%s", err);
		goto done;
	}
	if ((db = db_open(cfg->database, DB_CREATE, err, sizeof(err))) == NULL ||
	    db_migrate(db, err, sizeof(err)) != 0) {
		rc = demo_fail(&d, REG_ERROR, "%s", err);
		goto done;
	}
	reg_init(&d.r, db, cfg, operator_name, cfg->offices[0]);
	/* Within the longest validity of a card issued today: the 10th
	 * birthday after issuance for adults, the 5th for children. */
	clock_format_date(clock_add_years(clock_now(), 8), JST_OFFSET_SEC,
	    d.card_expires);
	clock_format_date(clock_add_years(clock_now(), 4), JST_OFFSET_SEC,
	    d.child_card_expires);
	if ((rc = step(&d, "ca create", o->pkcs11 != NULL ?
	    iss_ca_create_token(&d.r, DEMO_ISSUER, NULL, o->pkcs11,
	    jst_date("2010-01-01")) : iss_ca_create(&d.r, DEMO_ISSUER, NULL,
	    jst_date("2010-01-01")))) != 0)
		goto done;
	if ((rc = step(&d, "issuer", reg_issuer_get(&d.r, DEMO_ISSUER, &row))) != 0)
		goto done;
	snprintf(path, sizeof(path), "%s/issuer.pem", d.dir);
	if (write_text(path, row.ca_cert, 0644) != 0) {
		rc = demo_fail(&d, REG_ERROR, "%s: %s", path, strerror(errno));
		goto done;
	}
	snprintf(path, sizeof(path), "%s/signer.pem", d.dir);
	if (write_text(path, row.signer_cert, 0644) != 0) {
		rc = demo_fail(&d, REG_ERROR, "%s: %s", path, strerror(errno));
		goto done;
	}
	snprintf(path, sizeof(path), "%s/certs/index.tsv", d.dir);
	if ((d.index = fopen(path, "w")) == NULL) {
		rc = demo_fail(&d, REG_ERROR, "%s: %s", path, strerror(errno));
		goto done;
	}
	if ((rc = scenario(&d)) != 0 || (extra > 0 && (rc = extras(&d,
	    extra)) != 0) || (!o->no_crl && (rc = publish_crls(&d)) != 0))
		goto done;
	rc = REG_OK;
 done:
	if (d.index != NULL && fclose(d.index) != 0 && rc == REG_OK)
		rc = demo_fail(&d, REG_ERROR, "certs/index.tsv: %s",
		    strerror(errno));
	reg_issuer_free(&row);
	reg_done(&d.r);
	db_close(db);
	config_free(cfg);
	return rc;
}

int
cmd_demo(struct ctx *c, int argc, char **argv)
{
	static const struct optdef defs[] = { { "extra", 1 },
	    { "key-algorithm", 1 }, { "port", 1 }, { "no-crl", 0 },
	    { "pkcs11", 1 }, { "pkcs11-module", 1 }, { "pkcs11-pin-file", 1 },
	    { NULL, 0 } };
	struct opts	 o;
	struct demo_opts do_;
	const char	*x;
	char		 why[1024], *end;
	long		 extra = 0, port = 0;
	int		 rc;

	if (opts_parse(argc - 1, argv + 1, defs, &o) != 0)
		return EXIT_USAGE;
	if (o.npos != 1)
		return usage("demo DIR [--extra N] [--key-algorithm rsa2048|p256] "
		    "[--port N] [--no-crl] [--pkcs11 URI --pkcs11-module SO "
		    "--pkcs11-pin-file F]");
	if ((x = opt(&o, defs, "extra")) != NULL) {
		extra = strtol(x, &end, 10);
		if (*x == '\0' || *end != '\0' || extra < 0 || extra > 10000000)
			return usage("--extra takes a number of certificates");
	}
	if ((x = opt(&o, defs, "port")) != NULL) {
		port = strtol(x, &end, 10);
		if (*x == '\0' || *end != '\0' || port < 1 || port > 65535)
			return usage("--port takes a TCP port (1-65535)");
	}
	do_ = (struct demo_opts){ (int)extra, opt(&o, defs, "key-algorithm"),
	    (int)port, opt(&o, defs, "no-crl") != NULL, opt(&o, defs, "pkcs11"),
	    opt(&o, defs, "pkcs11-module"), opt(&o, defs, "pkcs11-pin-file") };
	if (do_.pkcs11 != NULL && (do_.pkcs11_module == NULL ||
	    do_.pkcs11_pin_file == NULL))
		return usage("--pkcs11 needs --pkcs11-module and "
		    "--pkcs11-pin-file");
	why[0] = '\0';
	if ((rc = demo_build_opts(o.pos[0], &do_, c->operator_name, why,
	    sizeof(why))) != REG_OK) {
		fprintf(stderr, "certctl: %s: %s\n", rc == REG_REFUSED ?
		    "refused" : "error", why);
		return EXIT_REFUSED;
	}
	if (c->json) {
		json_t	*j = json_pack("{s:b,s:s,s:i}", "ok", 1, "dir", o.pos[0],
		    "extra", (int)extra);

		print_json(j);
		json_decref(j);
	} else {
		char	 self[PATH_MAX], server[PATH_MAX + 16], *slash;
		ssize_t	 n;

		/* name the programs so that the lines work as printed */
		snprintf(self, sizeof(self), "certctl");
		snprintf(server, sizeof(server), "certstatusd");
		if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
			self[n] = '\0';
			if ((slash = strrchr(self, '/')) != NULL) {
				snprintf(server, sizeof(server), "%.*s/certstatusd",
				    (int)(slash - self), self);
				if (access(server, X_OK) != 0)
					snprintf(server, sizeof(server),
					    "certstatusd");
			}
		} else
			snprintf(self, sizeof(self), "certctl");
		printf("demo ready in %s (CRLs %s)\n"
		    "  serve it:   %s -c %s/certstatus.conf\n"
		    "  look:       %s -c %s/certstatus.conf list\n"
		    "  expected:   %s/certs/index.tsv\n", o.pos[0],
		    do_.no_crl ? "not published" : "published", server,
		    o.pos[0], self, o.pos[0], o.pos[0]);
	}
	return EXIT_OK;
}
