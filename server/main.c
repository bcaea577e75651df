/* SPDX-License-Identifier: ISC */
/*
 * certstatusd: OCSP and CRL responder and online counter for resident-card
 * certificates.  See certstatusd(8) (man/certstatusd.8).
 *
 *	certstatusd [-dhn] [-c file] [-p port] | --version
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "access.h"
#include "cache.h"
#include "clock.h"
#include "log.h"
#include "proc.h"
#include "server.h"
#include "signer.h"
#include "version.h"

#define STOP_GRACE_SEC	10	/* in-flight requests get this long at SIGTERM */
#define RETIRE_MS	200	/* how often a retired signer pool is checked */

/*
 * main.c's own state, reached as s->main_state: the registry file the
 * poll watches, the signer pool a reload retired, the stop's progress.
 */
struct main_state {
	struct signer_pool	*retired;	/* freed when it has no jobs */
	struct event		*retire_ev;
	dev_t			 db_dev;	/* the registry file we opened */
	ino_t			 db_ino;
	struct stat		 db_seen;	/* the file at the last poll */
	int			 db_reopen;	/* it changed: reopen until it opens */
	time_t			 reopen_tried;
	int			 issuers_stale;	/* other signers: reload failed */
	time_t			 issuers_tried;
	int			 parties_stale;	/* their reload failed: again */
	int			 stop_ticks;	/* stop_check() turns so far */
	int			 stop_idle;	/* of them in a row with no job */
};

static const char usage_text[] =
"usage: certstatusd [-dhn] [-c file] [-p port] | --version\n"
"  -c file    configuration (default: $CERTSTATUS_CONF, then %s)\n"
"  -d         log debug messages\n"
"  -h         this help\n"
"  -n         check the configuration, keys and paths, then exit\n"
"  -p port    listen on this port instead of the configured one\n"
"  --version  print the version\n"
"See certstatusd(8) and certstatus.conf(5).\n";

static void
usage(void)
{
	fprintf(stderr, usage_text, config_default_path(NULL));
	exit(2);
}

static int	reload(struct server *);

static int
db_stat(const char *path, dev_t *dev, ino_t *ino)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

/* Open the registry read-only and remember in m which file it is. */
static struct db *
registry_open(struct main_state *m, const char *path, char *err,
    size_t errlen)
{
	struct db	*db;

	if ((db = db_open(path, DB_READONLY, err, errlen)) == NULL)
		return NULL;
	if (db_schema_version(db) < 1) {
		snprintf(err, errlen, "%s: no registry here (run certctl init)",
		    path);
		db_close(db);
		return NULL;
	}
	/*
	 * An older schema is read as it is (certctl init upgrades it; the
	 * server never migrates it); a newer one may mean what this
	 * binary does not know.
	 */
	if (db_schema_version(db) > db_schema_latest()) {
		snprintf(err, errlen, "%s: registry schema version %d is newer "
		    "than this certstatusd knows (%d): upgrade certstatusd",
		    path, db_schema_version(db), db_schema_latest());
		db_close(db);
		return NULL;
	}
	if (db_stat(path, &m->db_dev, &m->db_ino) == -1 ||
	    stat(path, &m->db_seen) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		db_close(db);
		return NULL;
	}
	return db;
}

static void
db_fail(struct server *s, const char *fmt, const char *arg)
{
	if (s->db_ok)
		log_warnx(fmt, arg);
	s->db_ok = 0;
	snprintf(s->db_error, sizeof(s->db_error), fmt, arg);
}

/*
 * After a commit: does the registry name other issuers or signers than the
 * ones served (certctl ca rotate-signer)?  Then reload as SIGHUP does: new
 * signer workers with the new keys take the new jobs, the old ones finish
 * theirs, and the stored answers are signed again (issuers_carry).  A
 * reload that fails (the new key unreadable) is tried again every 5 s,
 * serving with the old signer meanwhile.  1 when it reloaded.
 */
static int
issuers_changed(struct server *s)
{
	struct main_state	*m = s->main_state;
	struct issuer_set	*set;
	char			 err[CONFIG_ERR_MAX];
	int			 same;

	if (m->issuers_stale && time(NULL) - m->issuers_tried < 5)
		return 0;
	if ((set = issuers_load(s->db, s->conf, err, sizeof(err))) == NULL) {
		log_warnx("registry: cannot read its issuers: %s", err);
		return 0;
	}
	same = issuers_same(set, s->issuers);
	issuers_free(set);
	if (same) {
		m->issuers_stale = 0;
		return 0;
	}
	log_info("registry %s names other issuers or signers: reloading",
	    s->conf->database);
	m->issuers_tried = time(NULL);
	m->issuers_stale = reload(s) != 0;
	return !m->issuers_stale;
}

/*
 * Every poll interval: is the registry still the file we opened, readable,
 * and has anyone committed?  A replaced or corrupted file is reported (OCSP
 * answers internalError, /healthz fails) until a good one is back.
 */
/*
 * The relying parties again, after any commit: a party removed is refused
 * from the next request on.  When they cannot be read the registry is
 * failing (OCSP answers internalError until it is back), so the old set
 * is never used for long.
 */
static int
parties_reload(struct server *s)
{
	char	 err[256];

	int	 rc = access_load(s->access, s->db, err, sizeof(err));

	if (rc > 0)
		log_warnx("%s (%d such)", err, rc);
	s->main_state->parties_stale = rc < 0;
	if (rc < 0)
		db_fail(s, "%s", err);
	return rc < 0 ? -1 : 0;
}

static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server		*s = arg;
	struct main_state	*m = s->main_state;
	struct stat		 st;
	int64_t			 v;
	int			 changed;
	char			 err[256], ierr[CONFIG_ERR_MAX];
	struct issuer_set	*set;

	(void)fd;
	(void)what;
	if (stat(s->conf->database, &st) == -1) {
		db_fail(s, "registry %s is gone", s->conf->database);
		memset(&m->db_seen, 0, sizeof(m->db_seen));
		return;
	}
	/*
	 * Replaced (another inode), or rewritten in place (truncated,
	 * overwritten, copied over: same inode, and SQLite keeps answering
	 * from its page cache without error): reopen.  A checkpoint also
	 * rewrites the file; reopening then is merely wasted work.
	 */
	changed = st.st_dev != m->db_seen.st_dev ||
	    st.st_ino != m->db_seen.st_ino || st.st_size != m->db_seen.st_size ||
	    st.st_mtim.tv_sec != m->db_seen.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != m->db_seen.st_mtim.tv_nsec;
	m->db_seen = st;
	if (changed && st.st_dev == m->db_dev && st.st_ino == m->db_ino) {
		if (s->db_ok)
			log_info("registry %s was rewritten in place: "
			    "reopening", s->conf->database);
		m->db_reopen = 1;
	} else if (changed) {
		log_warnx("registry %s was replaced: reopening",
		    s->conf->database);
		m->db_reopen = 1;
	}
	if (m->db_reopen) {
		struct db	*db;

		/* one that failed to open: again when it changes, or in 5 s */
		if (!changed && time(NULL) - m->reopen_tried < 5)
			return;

		m->reopen_tried = time(NULL);
		if ((db = registry_open(m, s->conf->database, err,
		    sizeof(err))) == NULL) {
			db_fail(s, "%s", err);
			return;
		}
		m->db_reopen = 0;
		presign_stop(s);
		db_close(s->db);
		s->db = db;
		s->data_version = -1;
		s->db_ok = 1;
		/*
		 * Another file may name other CAs or signers under the same
		 * issuer ids: answering its statuses with the issuers loaded
		 * from the old one would be wrong.  Reload them (as SIGHUP
		 * does); if that fails, answer nothing rather than that.
		 */
		if ((set = issuers_load(s->db, s->conf, ierr, sizeof(ierr))) == NULL ||
		    !issuers_same(set, s->issuers)) {
			issuers_free(set);
			log_warnx("registry %s names other issuers: reloading",
			    s->conf->database);
			if (reload(s) != 0) {
				db_fail(s, "registry %s names other issuers and "
				    "the reload failed", s->conf->database);
				m->db_reopen = 1;
				return;
			}
			log_info("registry %s reopened", s->conf->database);
			return;		/* reload() restarted the responder */
		}
		issuers_free(set);
		if (presign_start(s) != 0) {
			db_fail(s, "registry %s: cannot read changes",
			    s->conf->database);
			return;
		}
		log_info("registry %s reopened", s->conf->database);
	}
	if ((v = db_data_version(s->db)) < 0 || db_change_seq(s->db) < 0) {
		db_fail(s, "registry read failed: %s", db_errmsg(s->db));
		return;
	}
	if (m->parties_stale && parties_reload(s) != 0)
		return;		/* answering for old parties would be wrong */
	if (!s->db_ok)
		log_info("registry %s readable again", s->conf->database);
	s->db_ok = 1;
	if (v != s->data_version || m->issuers_stale) {
		int	 committed = v != s->data_version;

		s->data_version = v;
		/* a reload applies the changes itself (presign_start) */
		if (!issuers_changed(s) && committed)
			presign_registry_changed(s);
		if (committed) {
			crl_registry_changed(s);
			(void)parties_reload(s);
		}
	}
}

static void
retire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct main_state	*m = ((struct server *)arg)->main_state;
	struct timeval		 tv = { 0, RETIRE_MS * 1000 };

	(void)fd;
	(void)what;
	if (m->retired != NULL && signer_pending(m->retired) == 0) {
		signer_pool_free(m->retired);
		m->retired = NULL;
		return;
	}
	if (m->retired != NULL)
		evtimer_add(m->retire_ev, &tv);
}

/*
 * SIGHUP: parse the config afresh, reload issuers and start new signer
 * workers with the keys; swap only when all of it worked.
 */
static int
reload(struct server *s)
{
	struct main_state	*m = s->main_state;
	struct config		*conf;
	struct issuer_set	*set = NULL;
	struct signer_pool	*pool;
	char			 err[CONFIG_ERR_MAX];
	struct timeval		 tv = { 0, RETIRE_MS * 1000 };

	log_info("reloading %s", s->conf->path);
	if ((conf = config_load(s->conf->path, err, sizeof(err))) == NULL) {
		log_warnx("reload refused, keeping the running config: %s", err);
		return -1;
	}
	if (strcmp(conf->database, s->conf->database) != 0 ||
	    strcmp(conf->listen_addr, s->conf->listen_addr) != 0)
		log_warnx("reload: database and listen changes need a restart");
	if ((set = issuers_load(s->db, conf, err, sizeof(err))) == NULL ||
	    (pool = signer_pool_start(s->base, conf, set, conf->workers, err,
	    sizeof(err))) == NULL) {
		log_warnx("reload refused, keeping the running signers: %s", err);
		issuers_free(set);
		config_free(conf);
		return -1;
	}
	if (m->retired != NULL)
		signer_pool_free(m->retired);
	signer_pool_retire(s->signers);
	m->retired = s->signers;
	s->signers = pool;
	evtimer_add(m->retire_ev, &tv);
	/* keep the listen settings the socket was bound with */
	conf->listen_port = s->conf->listen_port;
	{	/* and the registry it has open: swapped, nothing to allocate */
		char	*db = conf->database;

		conf->database = s->conf->database;
		s->conf->database = db;
	}
	issuers_carry(set, s->issuers, clock_now());
	issuers_free(s->issuers);
	s->issuers = set;
	config_free(s->conf);
	s->conf = conf;
	s->epoch++;
	http_reload(s);
	presign_stop(s);
	(void)presign_start(s);
	log_info("reloaded: %zu issuer(s), %d signer worker(s)", set->n,
	    signer_alive(pool));
	return 0;
}

/*
 * After SIGTERM: wait for the answers still being signed, give the loop a
 * moment to write them, then leave (idle keep-alive connections are closed).
 */
static void
stop_check(evutil_socket_t fd, short what, void *arg)
{
	struct server		*s = arg;
	struct main_state	*m = s->main_state;
	struct timeval		 tv = { 0, 50 * 1000 };

	(void)fd;
	(void)what;
	m->stop_idle = signer_pending(s->signers) == 0 ? m->stop_idle + 1 : 0;
	if (m->stop_idle >= 2 || ++m->stop_ticks > STOP_GRACE_SEC * 20) {
		event_base_loopexit(s->base, NULL);
		return;
	}
	event_base_once(s->base, -1, EV_TIMEOUT, stop_check, s, &tv);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server	*s = arg;
	char		 err[CONFIG_ERR_MAX];

	(void)what;
	switch (sig) {
	case SIGHUP:
		service_reloading(1);
		(void)reload(s);
		service_reloading(0);
		/* FALLTHROUGH */
	case SIGUSR1:
		if (http_log_reopen(s, err, sizeof(err)) != 0)
			log_warnx("keeping the old access log: %s", err);
		else if (s->conf->access_log != NULL)
			log_info("access log reopened");
		break;
	case SIGTERM:
	case SIGINT:
		if (s->stopping)
			break;
		log_info("stopping: finishing requests in flight");
		service_stopping();
		s->stopping = 1;
		http_stop_listening(s);
		stop_check(-1, 0, s);
		break;
	}
}

static void
raise_fd_limit(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char *argv[])
{
	struct server	 server;
	struct main_state ms;
	struct server	*s = &server;
	const char	*conf_path = NULL;
	char		 err[CONFIG_ERR_MAX];
	int		 ch, check_only = 0, port = -1, rc;
	struct event	*sig_hup, *sig_term, *sig_int, *sig_usr1;
	struct event_config *ecfg;
	struct timeval	 tv;

	if (argc == 3 && strcmp(argv[1], procs[PROC_CRL].flag) == 0)
		return crl_child_main(argc, argv);	/* see crl.c */
	if (argc == 2 && strcmp(argv[1], procs[PROC_SIGNER].flag) == 0)
		return signer_worker_main();		/* see signer.c */
	memset(&server, 0, sizeof(server));
	memset(&ms, 0, sizeof(ms));
	s->main_state = &ms;
	log_init("certstatusd", LOG_LVL_INFO);
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("certstatusd %s\n", certstatus_version);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0) {
			printf(usage_text, config_default_path(NULL));
			return 0;
		}
	}
	while ((ch = getopt(argc, argv, "c:dhnp:")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'd':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'h':
			printf(usage_text, config_default_path(NULL));
			return 0;
		case 'n':
			check_only = 1;
			break;
		case 'p':
			port = atoi(optarg);
			if (port < 0 || port > 65535)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((conf_path = config_find(conf_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "certstatusd: %s\n", err);
		return 1;
	}
	if ((s->conf = config_load(conf_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (port >= 0)
		s->conf->listen_port = port;
	if (check_only) {
		if (config_check(s, conf_path) != 0) {
			config_free(s->conf);
			return 1;
		}
		config_free(s->conf);
		printf("configuration OK\n");
		return 0;
	}
	if ((s->db = registry_open(&ms, s->conf->database, err,
	    sizeof(err))) == NULL ||
	    (s->issuers = issuers_load(s->db, s->conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", conf_path, err);
		return 1;
	}
	if ((s->access = access_new()) == NULL ||
	    (rc = access_load(s->access, s->db, err, sizeof(err))) < 0) {
		fprintf(stderr, "%s: %s\n", conf_path, s->access == NULL ?
		    "out of memory" : err);
		return 1;
	}
	if (rc > 0)
		log_warnx("%s (%d such)", err, rc);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	s->started = clock_now();
	s->db_ok = 1;
	s->data_version = db_data_version(s->db);
	/*
	 * evhttp turns reading and writing on and off around every request;
	 * with the changelist, changes that cancel out within one loop turn
	 * never reach epoll_ctl.
	 */
	if ((ecfg = event_config_new()) == NULL ||
	    event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) != 0 ||
	    (s->base = event_base_new_with_config(ecfg)) == NULL)
		errx(1, "cannot create the event loop");
	event_config_free(ecfg);
	if ((s->cache = cache_open(s->conf->response_cache,
	    s->conf->cache_memory, err, sizeof(err))) == NULL)
		errx(1, "response cache: %s", err);
	if ((s->signers = signer_pool_start(s->base, s->conf, s->issuers,
	    s->conf->workers, err, sizeof(err))) == NULL)
		errx(1, "signer: %s", err);
	if (http_start(s, err, sizeof(err)) != 0)
		errx(1, "%s", err);
	if (drop_privileges(s->conf->user, err, sizeof(err)) != 0)
		errx(1, "%s", err);
	if (s->conf->user != NULL && getuid() != 0)
		log_info("running as %s", s->conf->user);
	if (presign_start(s) != 0)
		errx(1, "cannot read the registry's changes");
	if (crl_start(s, err, sizeof(err)) != 0)
		errx(1, "crl: %s", err);
	if (counter_start(s, err, sizeof(err)) != 0)
		errx(1, "counter: %s", err);
	if (proc_confine(PROC_NETWORK, s->conf, err, sizeof(err)) != 0)	/* proc.c */
		errx(1, "%s", err);

	sig_hup = evsignal_new(s->base, SIGHUP, signal_cb, s);
	sig_term = evsignal_new(s->base, SIGTERM, signal_cb, s);
	sig_int = evsignal_new(s->base, SIGINT, signal_cb, s);
	sig_usr1 = evsignal_new(s->base, SIGUSR1, signal_cb, s);
	evsignal_add(sig_hup, NULL);
	evsignal_add(sig_usr1, NULL);
	evsignal_add(sig_term, NULL);
	evsignal_add(sig_int, NULL);
	ms.retire_ev = evtimer_new(s->base, retire_cb, s);
	s->poll_ev = event_new(s->base, -1, EV_PERSIST, poll_cb, s);
	tv.tv_sec = s->conf->poll_ms / 1000;
	tv.tv_usec = (s->conf->poll_ms % 1000) * 1000;
	event_add(s->poll_ev, &tv);

	log_info("listening on %s:%d with %zu issuer(s), %d signer worker(s)",
	    s->conf->listen_addr, s->conf->listen_port, s->issuers->n,
	    signer_alive(s->signers));
	service_started(s);
	event_base_dispatch(s->base);

	log_info("stopped");
	service_stop();
	presign_stop(s);
	crl_stop(s);
	counter_stop(s);
	http_stop(s);
	signer_pool_free(s->signers);
	signer_pool_free(ms.retired);
	presign_free(s);	/* the pools' last jobs have reported to it */
	signer_shutdown();
	cache_close(s->cache);
	event_free(s->poll_ev);
	event_free(ms.retire_ev);
	event_free(sig_hup);
	event_free(sig_term);
	event_free(sig_int);
	event_free(sig_usr1);
	event_base_free(s->base);
	issuers_free(s->issuers);
	access_free(s->access);
	db_close(s->db);
	config_free(s->conf);
	return 0;
}
