/* SPDX-License-Identifier: ISC */
/*
 * proc.c: certstatusd's processes (see proc.h): the table, how they are
 * started, how they become the configured user, and how they are confined.
 *
 * Confinement is a seccomp denylist, not an allowlist.  The filter is
 * inherited across fork and exec: every signer worker respawned and every
 * CRL child started after the network process confined itself runs its
 * whole start (ld.so, OpenSSL's and SQLite's initialisation, ASan's under
 * SANITIZE=1) under it.  An allowlist that survives all of those, and the
 * next glibc or libevent that picks another syscall, would be a list of
 * everything they use, and a wrong guess is a server that dies on a rare
 * path.  What is refused below is what none of our processes ever needs
 * and what an attacker running code in one of them wants first: debugging
 * other processes, file-system and namespace games, the kernel's keyring,
 * modules, BPF, changing users (after the drop), and the clock.  It ends
 * with EPERM, never SIGSYS, so a library that probes a call sees an error
 * it handles.  x86-64's x32 calls go through the same rules; other
 * architectures' calls kill the process (libseccomp's default).
 *
 * Where the kernel has Landlock, the network process also limits what it
 * can do to the file system and the network (landlock_confine).  Landlock
 * is inherited too, so what any later child needs stays allowed: the CRL
 * child writes the registry and reads crl-key, a reload reads the key
 * files and the config again, libfaketime (tests/integration/
 * clock_steps.py) reads its clock file on every call.  So reading stays
 * open everywhere, and what is taken away is: writing, creating, removing
 * or renaming anything outside the folders of the registry, the response
 * store and the access log (and /dev/null); executing anything but our
 * own image and /usr; binding or connecting any TCP socket (the listener
 * is bound before, and nothing we run connects out).  A reload that names
 * a new access log or store outside those folders is refused by the
 * kernel (the log line says "Permission denied"): that needs a restart.
 * Landlock's signal scope is not used: the workers started before
 * confinement are outside the domain and must still be signalled.
 * Token keys (PKCS#11) need nothing more: a signer worker started inside
 * the domain loads the module from /usr, and SoftHSM2 only reads its
 * config and token folder to log in and sign (tests/integration/
 * pkcs11_softhsm.sh kills a worker so that its replacement logs in from
 * inside), so no token folder is added to the writable set.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/landlock.h>
#include <seccomp.h>
#include <sqlite3.h>

#include "proc.h"
#include "server.h"

extern char	**environ;

const struct proc procs[PROC_COUNT] = {
	[PROC_NETWORK] = {
		.name = "network",
		.flag = NULL,
		.holds = PROC_HOLDS_LISTENER | PROC_HOLDS_REGISTRY_RO |
		    PROC_HOLDS_STORE | PROC_HOLDS_ACCESS_LOG |
		    PROC_HOLDS_CONFIG | PROC_HOLDS_KEY_FDS |
		    PROC_HOLDS_WORKER_SOCKS,
		.started = "by the administrator or systemd; opens the "
		    "registry, the store and, for the workers, each signer "
		    "key file, binds, becomes `user`, then confines itself",
		.may = "serve HTTP; read the registry; write the store and "
		    "the access log; re-read the config; fork + exec signer "
		    "workers and the CRL child.  Never reads a signer or CA "
		    "key: their descriptors are only passed on (with "
		    "tls-listen it holds the TLS server key, which only "
		    "protects the connection).  Confined: the "
		    "seccomp filter; Landlock: writes only in the folders of "
		    "the registry, store and access log, no TCP bind/connect",
	},
	[PROC_SIGNER] = {
		.name = "signer",
		.flag = "--signer-worker",
		.holds = PROC_HOLDS_SIGNER_KEYS,
		.started = "by the network process (signer.c), fork + exec, "
		    "with its socket on fd 3 and the key files on 4... (for a "
		    "key on a PKCS#11 token, the PIN file); the "
		    "certificates come over the socket",
		.may = "load its keys, become `user`, confine itself, then "
		    "only sign the jobs that come over its socket: it opens "
		    "no file and no other socket, except its token's module "
		    "and files when it logs in to a token again",
	},
	[PROC_CRL] = {
		.name = "crl",
		.flag = "--crl-child",
		.holds = PROC_HOLDS_REGISTRY_RW | PROC_HOLDS_CA_KEY |
		    PROC_HOLDS_CONFIG,
		.started = "by the network process (crl.c), fork + exec, with "
		    "the config's path; inherits its user and confinement",
		.may = "load crl-key, sign the CRLs that are due, store them "
		    "in the registry, exit",
	},
};

static int	 self_fd = -1;

int
proc_self_open(const char *path)
{
	int	 fd;

	if ((fd = open(path != NULL ? path : "/proc/self/exe",
	    O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (self_fd != -1)
		close(self_fd);
	self_fd = fd;
	return 0;
}

/*
 * In the child, between fork and exec (async-signal-safe calls only): move
 * fds[] to 3.., our image just above them, close the rest, exec.
 */
static void
spawn_child(const char *flag, const char *arg, const int *fds, int nfds)
{
	char	*argv[4];
	int	 moved[PROC_FDS_MAX], hi = 3 + nfds + 1, exe;

	argv[0] = "certstatusd";
	argv[1] = (char *)flag;
	argv[2] = (char *)arg;		/* NULL ends argv here */
	argv[3] = NULL;
	/* first out of the way, so that no dup2 overwrites a source */
	for (int i = 0; i < nfds; i++)
		if ((moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, hi)) == -1)
			_exit(127);
	if ((exe = fcntl(self_fd, F_DUPFD_CLOEXEC, hi)) == -1)
		_exit(127);
	for (int i = 0; i < nfds; i++)
		if (dup2(moved[i], 3 + i) == -1)
			_exit(127);
	/* stays close-on-exec: execveat runs it, the new image lacks it */
	if (dup2(exe, 3 + nfds) == -1 ||
	    fcntl(3 + nfds, F_SETFD, FD_CLOEXEC) == -1)
		_exit(127);
	(void)close_range(4 + nfds, ~0U, 0);
	syscall(SYS_execveat, 3 + nfds, "", argv, environ, AT_EMPTY_PATH);
	_exit(127);
}

pid_t
proc_spawn(enum proc_id id, const char *arg, const int *fds, int nfds)
{
	pid_t	 pid;

	if (id == PROC_NETWORK || (unsigned)id >= PROC_COUNT || nfds < 0 ||
	    nfds > PROC_FDS_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (self_fd == -1 && proc_self_open(NULL) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == 0)
		spawn_child(procs[id].flag, arg, fds, nfds);
	return pid;
}

int
drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd	*pw;

	if (user == NULL || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user %s: no such user", user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		snprintf(err, errlen, "cannot drop privileges to %s: %s", user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * LeakSanitizer stops the world with ptrace at exit: the SANITIZE=1 build
 * keeps it (ASan's own report would otherwise be a fatal error).
 */
#if defined(__SANITIZE_ADDRESS__)
#define PTRACE_DENIED	NULL
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PTRACE_DENIED	NULL
#endif
#endif
#ifndef PTRACE_DENIED
#define PTRACE_DENIED	"ptrace"
#endif

/* Refused to every process, with EPERM. */
static const char *const denied[] = {
	/* other processes' memory */
	PTRACE_DENIED, "process_vm_readv", "process_vm_writev", "kcmp",
	"pidfd_getfd",
	/* the file system's shape, namespaces */
	"mount", "umount2", "pivot_root", "chroot", "move_mount",
	"open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
	"mount_setattr", "unshare", "setns", "open_by_handle_at",
	"name_to_handle_at", "mknod", "mknodat",
	/* the kernel */
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "bpf", "perf_event_open", "keyctl", "add_key",
	"request_key", "reboot", "swapon", "swapoff", "acct", "quotactl",
	"syslog", "iopl", "ioperm", "uselib", "userfaultfd", "personality",
	"lookup_dcookie", "fanotify_init", "vhangup",
	/* the clock and the machine's names */
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	"sethostname", "setdomainname",
	/* users: only before confinement (drop_privileges) */
	"setuid", "setgid", "setreuid", "setregid", "setresuid",
	"setresgid", "setgroups", "setfsuid", "setfsgid",
};

/* clone() flags that make a namespace: refused like unshare(). */
static const unsigned long clone_ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWPID,
	CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP,
};

static int
filter_build(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int	 rc, nr;

	if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X32)) != 0 && rc != -EEXIST &&
	    rc != -EINVAL) {
		snprintf(err, errlen, "seccomp: x32: %s", strerror(-rc));
		return -1;
	}
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		if (denied[i] == NULL || (nr =
		    seccomp_syscall_resolve_name(denied[i])) == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr,
		    0)) != 0) {
			snprintf(err, errlen, "seccomp: %s: %s", denied[i],
			    strerror(-rc));
			return -1;
		}
	}
	for (size_t i = 0; i < sizeof(clone_ns_flags) /
	    sizeof(clone_ns_flags[0]); i++) {
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ,
		    clone_ns_flags[i], clone_ns_flags[i]))) != 0) {
			snprintf(err, errlen, "seccomp: clone: %s",
			    strerror(-rc));
			return -1;
		}
	}
	/* its flags sit in memory a filter cannot read: glibc falls back */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0)) != 0) {
		snprintf(err, errlen, "seccomp: clone3: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * Landlock, as the kernel speaks it at ABI 4 and later (Debian 12's
 * headers stop at ABI 2): the ruleset's access rights, file and network.
 */
#define LL_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#define LL_NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)
#define LL_FS_READ		(LANDLOCK_ACCESS_FS_READ_FILE | \
				 LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_FS_WRITE_DIR		(LANDLOCK_ACCESS_FS_WRITE_FILE | \
				 LANDLOCK_ACCESS_FS_REMOVE_FILE | \
				 LANDLOCK_ACCESS_FS_MAKE_REG | \
				 LANDLOCK_ACCESS_FS_REFER | LL_FS_TRUNCATE)

struct ll_ruleset_attr {
	uint64_t	 handled_access_fs;
	uint64_t	 handled_access_net;
};

static int
ll_allow(int ruleset, const char *path, int fd, uint64_t access,
    uint64_t handled)
{
	struct landlock_path_beneath_attr	 pb;
	int					 rc, own = -1;

	if (fd == -1 && (fd = own = open(path, O_PATH | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;	/* nothing to allow */
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = access & handled;
	pb.parent_fd = fd;
	rc = (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	if (own != -1)
		close(own);
	return rc == 0 ? 0 : -1;
}

/* The folder of path, into buf; "." for a bare name. */
static const char *
folder(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s", path);
	return dirname(buf);
}

/*
 * The network process's Landlock domain (see the top of this file).  0
 * when in force or when the kernel has no Landlock; -1 and why otherwise.
 */
static int
landlock_confine(const struct config *conf, char *err, size_t errlen)
{
	struct ll_ruleset_attr	 attr;
	const char		*rw[3] = { conf->database, conf->response_cache,
				    conf->access_log };
	char			 dir[4096];
	uint64_t		 fs;
	int			 abi, ruleset, rc = -1;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return 0;	/* not built in or not enabled: seccomp only */
	fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;	/* ABI 1 */
	if (abi >= 2)
		fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		fs |= LL_FS_TRUNCATE;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs;
	if (abi >= 4)
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	if ((ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    abi >= 4 ? sizeof(attr) : sizeof(attr.handled_access_fs), 0)) == -1) {
		snprintf(err, errlen, "landlock: %s", strerror(errno));
		return -1;
	}
	if (ll_allow(ruleset, "/", -1, LL_FS_READ, fs) != 0 ||
	    ll_allow(ruleset, "/usr", -1, LANDLOCK_ACCESS_FS_EXECUTE, fs) != 0 ||
	    ll_allow(ruleset, NULL, self_fd, LANDLOCK_ACCESS_FS_EXECUTE |
	    LANDLOCK_ACCESS_FS_READ_FILE, fs) != 0 ||
	    ll_allow(ruleset, "/dev/null", -1, LANDLOCK_ACCESS_FS_WRITE_FILE,
	    fs) != 0)
		goto fail;
	for (size_t i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		if (rw[i] == NULL || strcmp(rw[i], "-") == 0)
			continue;
		if (ll_allow(ruleset, folder(rw[i], dir, sizeof(dir)), -1,
		    LL_FS_READ | LL_FS_WRITE_DIR, fs) != 0)
			goto fail;
	}
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
		goto fail;
	rc = 0;
	goto done;
 fail:
	snprintf(err, errlen, "landlock: %s", strerror(errno));
 done:
	close(ruleset);
	return rc;
}

/*
 * SQLite's temporary files (large sorts, spilled statement journals) go to
 * the store's folder, which stays writable, rather than /var/tmp: in this
 * process now, and in every child it execs (SQLITE_TMPDIR).
 */
static void
sqlite_tmpdir(const struct config *conf)
{
	char	 dir[4096];

	folder(conf->response_cache, dir, sizeof(dir));
	(void)setenv("SQLITE_TMPDIR", dir, 1);
	if (sqlite3_temp_directory == NULL)
		sqlite3_temp_directory = sqlite3_mprintf("%s", dir);
}

int
proc_confine(enum proc_id id, const struct config *conf, char *err,
    size_t errlen)
{
	scmp_filter_ctx	 ctx;
	int		 rc = -1;

	if ((unsigned)id >= PROC_COUNT) {
		snprintf(err, errlen, "confine: no such process");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errlen, "%s process: no_new_privs: %s",
		    procs[id].name, strerror(errno));
		return -1;
	}
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		snprintf(err, errlen, "%s process: seccomp: out of memory",
		    procs[id].name);
		return -1;
	}
	if (filter_build(ctx, err, errlen) != 0)
		goto done;
	if (id == PROC_NETWORK && conf != NULL) {
		if (self_fd == -1 && proc_self_open(NULL) != 0) {
			snprintf(err, errlen, "/proc/self/exe: %s",
			    strerror(errno));
			goto done;
		}
		sqlite_tmpdir(conf);
		if (landlock_confine(conf, err, errlen) != 0)
			goto done;
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(err, errlen, "%s process: seccomp: %s", procs[id].name,
		    strerror(-rc));
		rc = -1;
	}
 done:
	seccomp_release(ctx);
	return rc;
}
