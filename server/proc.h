/* SPDX-License-Identifier: ISC */
/*
 * proc.h: certstatusd's processes, as data, and the one way to start and
 * confine them.
 *
 * procs[] (proc.c) is the place to learn which process holds what and may
 * do what: the network process, the signer workers, the CRL child.  The
 * workers and the CRL child are started by fork + exec of our own image,
 * so none of them inherits the network process's memory.
 */
#ifndef CERTSTATUSD_PROC_H
#define CERTSTATUSD_PROC_H

#include <sys/types.h>

#include <stddef.h>

enum proc_id { PROC_NETWORK, PROC_SIGNER, PROC_CRL, PROC_COUNT };

#define PROC_FDS_MAX	80	/* descriptors proc_spawn() hands over */

/* What a process holds (struct proc.holds). */
#define PROC_HOLDS_LISTENER	0x001	/* the listening socket, client connections */
#define PROC_HOLDS_REGISTRY_RO	0x002	/* the registry, read-only */
#define PROC_HOLDS_REGISTRY_RW	0x004	/* the registry, read-write (CRLs) */
#define PROC_HOLDS_STORE	0x008	/* the response store, read-write */
#define PROC_HOLDS_ACCESS_LOG	0x010
#define PROC_HOLDS_CONFIG	0x020	/* re-read on SIGHUP */
#define PROC_HOLDS_KEY_FDS	0x040	/* open signer key files, never read */
#define PROC_HOLDS_SIGNER_KEYS	0x080	/* the delegated OCSP signers' keys */
#define PROC_HOLDS_CA_KEY	0x100	/* crl-key */
#define PROC_HOLDS_WORKER_SOCKS	0x200	/* one socketpair end per signer worker */

struct proc {
	const char	*name;
	const char	*flag;		/* argv[1] of the exec'd process; NULL: main's */
	unsigned	 holds;		/* PROC_HOLDS_* */
	const char	*started;	/* by whom and how */
	const char	*may;		/* what it does, and what it may not */
};

extern const struct proc procs[PROC_COUNT];

/*
 * The image later spawns exec: path, or NULL for our own (/proc/self/exe,
 * opened once, so a binary replaced on disk by an upgrade is not what the
 * workers of a running server become).  Call before confinement.  0 / -1.
 */
int	proc_self_open(const char *path);

/*
 * Fork and exec our image as process id ("certstatusd FLAG [ARG]"): fds[i]
 * becomes descriptor 3 + i in the child, which keeps nothing else but
 * stdio.  The pid, or -1 (errno set).  The caller reaps it.
 */
pid_t	proc_spawn(enum proc_id id, const char *arg, const int *fds, int nfds);

/*
 * Become user (when running as root and user is set): the network process
 * after binding, each signer worker after loading its keys.  0, or -1 with
 * the reason in err.
 */
int	drop_privileges(const char *user, char *err, size_t errlen);

struct config;

/*
 * Confine the calling process for the rest of its life (and that of every
 * process it execs): PR_SET_NO_NEW_PRIVS and a seccomp filter refusing
 * with EPERM what none of our processes needs; for the network process
 * (conf names its folders) also Landlock, where the kernel has it: writes
 * only in the registry's, the store's and the access log's folders, no
 * TCP bind or connect (see proc.c).  Call after drop_privileges(): the
 * filter refuses changing users.  0, or -1 and why.
 */
int	proc_confine(enum proc_id id, const struct config *conf, char *err,
	    size_t errlen);

#endif
