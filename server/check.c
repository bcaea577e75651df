/* SPDX-License-Identifier: ISC */
/*
 * check.c: certstatusd -n: everything start-up would refuse, found without
 * binding or forking: the config, the registry and its issuers, every key
 * the server would load (owner-only mode, loadable, matching its
 * certificate), the user to run as, the listen addresses, the TLS files
 * (tls.c: the chain, its key and that they match, tls-client-ca), and the
 * paths the server writes.  Each problem is one line on stderr.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pki.h"
#include "server.h"
#include "tls.h"

static int	problems;

static void
problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
problem(const char *fmt, ...)
{
	va_list	 ap;

	fputs("certstatusd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	problems++;
}

/* A key file: owner-only, a key, and (when cert is given) cert's key. */
static void
check_key(const char *what, const char *path, X509 *cert)
{
	char		 err[CONFIG_ERR_MAX];
	EVP_PKEY	*key;

	if ((key = pki_key_load(path, err, sizeof(err))) == NULL) {
		problem("%s: %s", what, err);
		(void)log_ssl_drain();
		return;
	}
	if (cert != NULL && X509_check_private_key(cert, key) != 1) {
		problem("%s: key %s does not match its certificate", what, path);
		(void)log_ssl_drain();
	}
	EVP_PKEY_free(key);
}

/*
 * The server will create or append to path: the file must be writable if it
 * is there, else its folder.
 */
static void
check_writable(const char *what, const char *path)
{
	char		 dir[PATH_MAX], *slash;
	struct stat	 st;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			problem("%s %s: is a folder", what, path);
		else if (access(path, W_OK) != 0)
			problem("%s %s: not writable: %s", what, path,
			    strerror(errno));
		return;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (access(dir, W_OK) != 0)
		problem("%s %s: cannot be created in %s: %s", what, path, dir,
		    strerror(errno));
}

static void
check_listen(const char *what, const char *addr, int portnum)
{
	struct addrinfo	 hints, *res = NULL;
	char		 port[16];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_ADDRCONFIG;
	snprintf(port, sizeof(port), "%d", portnum);
	if ((rc = getaddrinfo(addr, port, &hints, &res)) != 0)
		problem("%s %s:%d: %s", what, addr, portnum, gai_strerror(rc));
	freeaddrinfo(res);
}

static void
tls_problem(void *arg, const char *msg)
{
	(void)arg;
	problem("%s", msg);
}

int
config_check(struct server *s, const char *conf_path)
{
	const struct config	*conf = s->conf;
	struct db		*db;
	struct issuer_set	*set = NULL;
	char			 err[CONFIG_ERR_MAX], what[128];

	problems = 0;
	/* the registry, read-only as the server opens it, and its issuers */
	if ((db = db_open(conf->database, DB_READONLY, err, sizeof(err))) == NULL)
		problem("database: %s", err);
	else if (db_schema_version(db) < 1)
		problem("database %s: no registry here (run certctl init)",
		    conf->database);
	else if ((set = issuers_load(db, conf, err, sizeof(err))) == NULL)
		problem("database %s: %s", conf->database, err);
	for (size_t i = 0; set != NULL && i < set->n; i++) {
		snprintf(what, sizeof(what), "issuer %s: signer key",
		    set->v[i].name);
		check_key(what, set->v[i].signer_key, set->v[i].signer);
	}
	if (conf->crl_key != NULL)
		check_key("crl-key", conf->crl_key, NULL);
	issuers_free(set);
	db_close(db);

	if (conf->user != NULL && getpwnam(conf->user) == NULL)
		problem("user %s: no such user", conf->user);
	check_listen("listen", conf->listen_addr, conf->listen_port);
	if (conf->tls_listen_addr != NULL) {
		check_listen("tls-listen", conf->tls_listen_addr,
		    conf->tls_listen_port);
		(void)tls_check(conf, tls_problem, NULL);
	}
	check_writable("response-cache", conf->response_cache);
	if (conf->access_log != NULL && strcmp(conf->access_log, "-") != 0) {
		char	*p = config_path(conf, conf->access_log);

		if (p == NULL)
			problem("access-log: out of memory");
		else
			check_writable("access-log", p);
		free(p);
	}
	if (problems > 0) {
		fprintf(stderr, "%s: %d problem%s\n", conf_path, problems,
		    problems == 1 ? "" : "s");
		return -1;
	}
	return 0;
}
