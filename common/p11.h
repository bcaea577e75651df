/* SPDX-License-Identifier: ISC */
/*
 * p11.h: private keys on a PKCS#11 token, named by RFC 7512 URIs such as
 * "pkcs11:token=inagi;object=inagi-signer", through libp11.
 *
 * One module and one user PIN per process, from the config
 * (pkcs11-module, pkcs11-pin-file).  The module is loaded, and its token
 * logged in to, on the first key load, in the process that uses the key:
 * PKCS#11 sessions do not survive fork, so every process opens its own.
 * A PIN is never taken from a URI (pin-value, pin-source) or a command
 * line.  Loaders put a one-line reason in err and leave OpenSSL's error
 * queue empty.  Not thread-safe (none of our processes signs from threads).
 */
#ifndef CERTSTATUS_P11_H
#define CERTSTATUS_P11_H

#include <stddef.h>

#include <openssl/evp.h>

#define P11_PIN_MAX	256	/* bytes of a PIN file, newline included */
#define P11_ATTR_MAX	256	/* bytes of a decoded URI attribute */

/* 1 when s names a token key ("pkcs11:..."), else 0. */
int	 p11_is_uri(const char *s);

/*
 * The module (a shared object path) and the PIN file for later loads; both
 * copied, either may be NULL.  0, or -1 when out of memory.
 */
int	 p11_configure(const char *module, const char *pin_file);

/*
 * Read the PIN from a file already open on fd (pread; the fd stays open),
 * instead of opening the configured PIN file: for a process that got the
 * file as an inherited descriptor.  path names it in err.  The file must
 * be a regular file owned by the reader (or root) and not accessible by
 * group or others.  0, or -1 + err.
 */
int	 p11_pin_fd(int fd, const char *path, char *err, size_t errlen);

/*
 * The private key uri names: finds the token by token= (and serial=),
 * logs in with the PIN, matches object= and/or id=.  The key stays on the
 * token; the EVP_PKEY signs through the module.  Caller frees it, before
 * p11_reset() or p11_shutdown().  NULL + err on failure.
 */
EVP_PKEY *p11_key_load(const char *uri, char *err, size_t errlen);

enum p11_keygen { P11_GEN_RSA2048, P11_GEN_P256 };

/*
 * Generate a key pair on the token uri names (token=, object= the label
 * both halves get), through the module's C_GenerateKeyPair: the private
 * half CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, not CKA_EXTRACTABLE, with a
 * random CKA_ID shared with the public half.  Refuses a label the token
 * already holds.  Call it before any p11_key_load() in the process (the
 * module is initialised and finalised here).  0, or -1 + err.
 */
int	 p11_key_generate(const char *uri, enum p11_keygen alg, char *err,
	    size_t errlen);

/*
 * Forget every session and the module (after a token failure): keys loaded
 * before must have been freed.  The next p11_key_load() loads the module
 * and logs in again.  The PIN is kept.
 */
void	 p11_reset(void);

/* p11_reset(), and wipe the PIN and configuration. */
void	 p11_shutdown(void);

#endif
