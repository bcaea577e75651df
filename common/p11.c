/* SPDX-License-Identifier: ISC */
/*
 * p11.c: token keys through libp11 (see p11.h).
 *
 * State is one libp11 context per process (file statics below): the
 * module, its slots once enumerated, and the PIN.  A key found on a token
 * keeps a pointer into the slot list, so the list lives until p11_reset().
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libp11.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <p11-kit/pkcs11.h>

#include "p11.h"

#define P11_SCHEME	"pkcs11:"

struct p11_uri {
	char		 token[P11_ATTR_MAX], object[P11_ATTR_MAX];
	char		 serial[P11_ATTR_MAX];
	unsigned char	 id[P11_ATTR_MAX];
	size_t		 id_len;
	int		 has_token, has_object, has_serial, has_id;
};

static PKCS11_CTX	*ctx;
static PKCS11_SLOT	*slots;
static unsigned int	 nslots;
static char		*module_path, *pin_path;
static char		 pin[P11_PIN_MAX];
static int		 have_pin;

static void	errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	ERR_clear_error();
}

/* The library's reason for the last failure, for a refusal line. */
static const char *
last_reason(void)
{
	unsigned long	 e = ERR_peek_last_error();
	const char	*r = e != 0 ? ERR_reason_error_string(e) : NULL;

	return r != NULL ? r : "failed";
}

int
p11_is_uri(const char *s)
{
	return s != NULL && strncmp(s, P11_SCHEME, strlen(P11_SCHEME)) == 0;
}

int
p11_configure(const char *module, const char *pin_file)
{
	char	*m = NULL, *p = NULL;

	if ((module != NULL && (m = strdup(module)) == NULL) ||
	    (pin_file != NULL && (p = strdup(pin_file)) == NULL)) {
		free(m);
		return -1;
	}
	free(module_path);
	free(pin_path);
	module_path = m;
	pin_path = p;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode s[0..n) into out (max bytes): its length, or -1. */
static long
pct_decode(const char *s, size_t n, unsigned char *out, size_t max)
{
	size_t	 len = 0;

	for (size_t i = 0; i < n; i++) {
		int	 c = (unsigned char)s[i];

		if (c == '%') {
			int	hi, lo;

			if (i + 2 >= n)
				return -1;
			if ((hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (len == max)
			return -1;
		out[len++] = (unsigned char)c;
	}
	return (long)len;
}

/* A decoded text attribute: NUL-terminated, no NUL inside.  0 or -1 + err. */
static int
attr_text(const char *v, size_t n, char *out, int *has, const char *name,
    const char *uri, char *err, size_t errlen)
{
	long	 len = pct_decode(v, n, (unsigned char *)out, P11_ATTR_MAX - 1);

	if (len < 0 || memchr(out, '\0', (size_t)len) != NULL) {
		errf(err, errlen, "%s: bad %s", uri, name);
		return -1;
	}
	out[len] = '\0';
	*has = 1;
	return 0;
}

/* One "name=value" of the URI's path. 0, or -1 + err. */
static int
uri_attr(struct p11_uri *u, const char *a, size_t n, const char *uri,
    char *err, size_t errlen)
{
	const char	*eq = memchr(a, '=', n);
	size_t		 kl, vl;
	long		 l;

	if (eq == NULL) {
		errf(err, errlen, "%s: \"%.*s\" is not name=value", uri,
		    (int)n, a);
		return -1;
	}
	kl = (size_t)(eq - a);
	vl = n - kl - 1;
#define IS(k)	(kl == strlen(k) && memcmp(a, k, kl) == 0)
	if (IS("token"))
		return attr_text(eq + 1, vl, u->token, &u->has_token, "token",
		    uri, err, errlen);
	if (IS("object"))
		return attr_text(eq + 1, vl, u->object, &u->has_object,
		    "object", uri, err, errlen);
	if (IS("serial"))
		return attr_text(eq + 1, vl, u->serial, &u->has_serial,
		    "serial", uri, err, errlen);
	if (IS("id")) {
		if ((l = pct_decode(eq + 1, vl, u->id, sizeof(u->id))) <= 0) {
			errf(err, errlen, "%s: bad id", uri);
			return -1;
		}
		u->id_len = (size_t)l;
		u->has_id = 1;
		return 0;
	}
	if (IS("type")) {
		if (vl == 7 && memcmp(eq + 1, "private", 7) == 0)
			return 0;
		errf(err, errlen, "%s: type must be private", uri);
		return -1;
	}
	if (IS("pin-value") || IS("pin-source")) {
		errf(err, errlen, "%s: refused: a PIN in a key URI; put it in "
		    "the file pkcs11-pin-file names", uri);
		return -1;
	}
	if (IS("manufacturer") || IS("model") || IS("library-manufacturer") ||
	    IS("library-description") || IS("library-version") ||
	    IS("slot-description") || IS("slot-manufacturer") ||
	    IS("slot-id"))
		return 0;	/* describe the token further: not needed */
#undef IS
	errf(err, errlen, "%s: unknown attribute \"%.*s\"", uri, (int)kl, a);
	return -1;
}

/*
 * Parse an RFC 7512 URI: path attributes separated by ';'; a query
 * ('?', '&'-separated) may only hold what is allowed in the path too, so
 * pin-value / pin-source there are refused as well.
 */
static int
uri_parse(const char *uri, struct p11_uri *u, char *err, size_t errlen)
{
	const char	*p = uri + strlen(P11_SCHEME);

	memset(u, 0, sizeof(*u));
	while (*p != '\0') {
		size_t	 n = strcspn(p, ";?&");

		if (n > 0 && uri_attr(u, p, n, uri, err, errlen) != 0)
			return -1;
		p += n;
		if (*p != '\0')
			p++;
	}
	if (!u->has_object && !u->has_id) {
		errf(err, errlen, "%s: names no key (object= or id=)", uri);
		return -1;
	}
	return 0;
}

int
p11_pin_fd(int fd, const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	ssize_t		 n;

	if (fstat(fd, &st) == -1) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		errf(err, errlen, "PIN file %s: not a regular file", path);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		errf(err, errlen, "PIN file %s: owned by uid %lu, not by its "
		    "reader (uid %lu) or root", path, (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
		return -1;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		errf(err, errlen, "PIN file %s is accessible by others (mode "
		    "%04o); chmod 600 it", path,
		    (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	OPENSSL_cleanse(pin, sizeof(pin));
	have_pin = 0;
	do
		n = pread(fd, pin, sizeof(pin), 0);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		errf(err, errlen, "PIN file %s: %s", path, strerror(errno));
		return -1;
	}
	if ((size_t)n == sizeof(pin)) {
		OPENSSL_cleanse(pin, sizeof(pin));
		errf(err, errlen, "PIN file %s: longer than %d bytes", path,
		    P11_PIN_MAX - 1);
		return -1;
	}
	pin[n] = '\0';
	pin[strcspn(pin, "\r\n")] = '\0';
	if (pin[0] == '\0') {
		errf(err, errlen, "PIN file %s: empty", path);
		return -1;
	}
	have_pin = 1;
	return 0;
}

static int
pin_load(char *err, size_t errlen)
{
	int	 fd, rc;

	if (have_pin)
		return 0;
	if (pin_path == NULL) {
		errf(err, errlen, "token keys need pkcs11-pin-file in the "
		    "config");
		return -1;
	}
	if ((fd = open(pin_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		errf(err, errlen, "PIN file %s: %s", pin_path, strerror(errno));
		return -1;
	}
	rc = p11_pin_fd(fd, pin_path, err, errlen);
	close(fd);
	return rc;
}

/* Load the module and list its slots, once. */
static int
module_load(char *err, size_t errlen)
{
	if (ctx != NULL)
		return 0;
	if (module_path == NULL) {
		errf(err, errlen, "token keys need pkcs11-module in the "
		    "config");
		return -1;
	}
	if ((ctx = PKCS11_CTX_new()) == NULL) {
		errf(err, errlen, "pkcs11: out of memory");
		return -1;
	}
	if (PKCS11_CTX_load(ctx, module_path) != 0) {
		errf(err, errlen, "pkcs11-module %s: cannot load it (%s)",
		    module_path, last_reason());
		PKCS11_CTX_free(ctx);
		ctx = NULL;
		return -1;
	}
	if (PKCS11_enumerate_slots(ctx, &slots, &nslots) != 0) {
		errf(err, errlen, "pkcs11-module %s: cannot list its slots "
		    "(%s)", module_path, last_reason());
		p11_reset();
		return -1;
	}
	return 0;
}

static PKCS11_SLOT *
slot_find(const struct p11_uri *u, const char *uri, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < nslots; i++) {
		PKCS11_TOKEN	*t = slots[i].token;

		if (t == NULL || !t->initialized)
			continue;
		if (u->has_token && strcmp(t->label, u->token) != 0)
			continue;
		if (u->has_serial && strcmp(t->serialnr, u->serial) != 0)
			continue;
		return &slots[i];
	}
	errf(err, errlen, "%s: no such token", uri);
	return NULL;
}

static int
slot_login(PKCS11_SLOT *slot, const char *uri, char *err, size_t errlen)
{
	int	 in = 0;

	if (PKCS11_is_logged_in(slot, 0, &in) == 0 && in)
		return 0;
	if (pin_load(err, errlen) != 0)
		return -1;
	if (PKCS11_login(slot, 0, pin) != 0) {
		errf(err, errlen, "%s: token %s refused the PIN from %s (%s)",
		    uri, slot->token->label, pin_path != NULL ? pin_path :
		    "the PIN file", last_reason());
		return -1;
	}
	return 0;
}

EVP_PKEY *
p11_key_load(const char *uri, char *err, size_t errlen)
{
	struct p11_uri	 u;
	PKCS11_SLOT	*slot;
	PKCS11_KEY	*keys = NULL, *k;
	unsigned int	 n = 0;
	EVP_PKEY	*pk;

	if (uri_parse(uri, &u, err, errlen) != 0 ||
	    module_load(err, errlen) != 0 ||
	    (slot = slot_find(&u, uri, err, errlen)) == NULL ||
	    slot_login(slot, uri, err, errlen) != 0)
		return NULL;
	if (PKCS11_enumerate_keys(slot->token, &keys, &n) != 0) {
		errf(err, errlen, "%s: cannot list the token's keys (%s)", uri,
		    last_reason());
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++) {
		k = &keys[i];
		if (!k->isPrivate)
			continue;
		if (u.has_object && (k->label == NULL ||
		    strcmp(k->label, u.object) != 0))
			continue;
		if (u.has_id && (k->id_len != u.id_len ||
		    memcmp(k->id, u.id, u.id_len) != 0))
			continue;
		if ((pk = PKCS11_get_private_key(k)) == NULL) {
			errf(err, errlen, "%s: cannot use the key (%s)", uri,
			    last_reason());
			return NULL;
		}
		ERR_clear_error();
		return pk;
	}
	errf(err, errlen, "%s: no such private key on token %s", uri,
	    slot->token->label);
	return NULL;
}

void
p11_reset(void)
{
	if (ctx == NULL)
		return;
	if (slots != NULL)
		PKCS11_release_all_slots(ctx, slots, nslots);
	slots = NULL;
	nslots = 0;
	PKCS11_CTX_unload(ctx);
	PKCS11_CTX_free(ctx);
	ctx = NULL;
	ERR_clear_error();
}

void
p11_shutdown(void)
{
	p11_reset();
	OPENSSL_cleanse(pin, sizeof(pin));
	have_pin = 0;
	(void)p11_configure(NULL, NULL);
}

/* --- key generation, through the module's own functions --------------- */

/* The module's function list, initialised; *fini when we must finalise. */
static CK_FUNCTION_LIST *
gen_module(void **dl, int *fini, char *err, size_t errlen)
{
	CK_C_GetFunctionList	 getlist;
	CK_FUNCTION_LIST	*f = NULL;
	CK_C_INITIALIZE_ARGS	 args;
	CK_RV			 rv;

	if (module_path == NULL) {
		errf(err, errlen, "token keys need pkcs11-module in the "
		    "config");
		return NULL;
	}
	if ((*dl = dlopen(module_path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		errf(err, errlen, "pkcs11-module %s: %s", module_path,
		    dlerror());
		return NULL;
	}
	getlist = (CK_C_GetFunctionList)dlsym(*dl, "C_GetFunctionList");
	if (getlist == NULL || getlist(&f) != CKR_OK || f == NULL) {
		errf(err, errlen, "pkcs11-module %s: not a PKCS#11 module",
		    module_path);
		return NULL;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		errf(err, errlen, "pkcs11-module %s: C_Initialize: 0x%lx",
		    module_path, (unsigned long)rv);
		return NULL;
	}
	*fini = rv == CKR_OK;
	return f;
}

/* Blank-padded CK_UTF8CHAR label field as a C string. */
static void
pad_label(const CK_UTF8CHAR *l, size_t n, char *out)
{
	memcpy(out, l, n);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static int
gen_slot(CK_FUNCTION_LIST *f, const struct p11_uri *u, CK_SLOT_ID *slot,
    const char *uri, char *err, size_t errlen)
{
	CK_SLOT_ID	 ids[64];
	CK_ULONG	 n = 64;
	CK_TOKEN_INFO	 ti;
	char		 label[sizeof(ti.label) + 1];
	char		 serial[sizeof(ti.serialNumber) + 1];

	if (f->C_GetSlotList(CK_TRUE, ids, &n) != CKR_OK) {
		errf(err, errlen, "%s: cannot list the slots", uri);
		return -1;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(ids[i], &ti) != CKR_OK ||
		    (ti.flags & CKF_TOKEN_INITIALIZED) == 0)
			continue;
		pad_label(ti.label, sizeof(ti.label), label);
		pad_label(ti.serialNumber, sizeof(ti.serialNumber), serial);
		if ((u->has_token && strcmp(label, u->token) != 0) ||
		    (u->has_serial && strcmp(serial, u->serial) != 0))
			continue;
		*slot = ids[i];
		return 0;
	}
	errf(err, errlen, "%s: no such token", uri);
	return -1;
}

/* 1 when the token holds a private key labelled label, 0, -1 on error. */
static int
gen_label_taken(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_CLASS		 cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE		 t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE	 o;
	CK_ULONG		 n = 0;

	if (f->C_FindObjectsInit(s, t, 2) != CKR_OK)
		return -1;
	if (f->C_FindObjects(s, &o, 1, &n) != CKR_OK)
		n = (CK_ULONG)-1;
	(void)f->C_FindObjectsFinal(s);
	return n == (CK_ULONG)-1 ? -1 : n > 0;
}

static int
gen_pair(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, const struct p11_uri *u,
    enum p11_keygen alg, const char *uri, char *err, size_t errlen)
{
	CK_BBOOL		 yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG		 bits = 2048;
	CK_BYTE			 e[] = { 0x01, 0x00, 0x01 }, id[16];
	CK_MECHANISM		 mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE	 pub, priv;
	unsigned char		*params = NULL;
	int			 plen = 0, rc = -1;
	CK_RV			 rv;
	CK_ATTRIBUTE		 pubt[8], privt[8];
	CK_ULONG		 npub = 0, npriv = 0;

	if (RAND_bytes(id, sizeof(id)) != 1) {
		errf(err, errlen, "%s: no random CKA_ID", uri);
		return -1;
	}
#define ADD(t, n, a, p, l) do { t[n].type = a; t[n].pValue = (void *)(p); \
	t[n].ulValueLen = (l); n++; } while (0)
	ADD(pubt, npub, CKA_TOKEN, &yes, sizeof(yes));
	ADD(pubt, npub, CKA_VERIFY, &yes, sizeof(yes));
	ADD(pubt, npub, CKA_LABEL, u->object, strlen(u->object));
	ADD(pubt, npub, CKA_ID, id, sizeof(id));
	ADD(privt, npriv, CKA_TOKEN, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_PRIVATE, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_SENSITIVE, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_EXTRACTABLE, &no, sizeof(no));
	ADD(privt, npriv, CKA_SIGN, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_LABEL, u->object, strlen(u->object));
	ADD(privt, npriv, CKA_ID, id, sizeof(id));
	if (alg == P11_GEN_RSA2048) {
		ADD(pubt, npub, CKA_MODULUS_BITS, &bits, sizeof(bits));
		ADD(pubt, npub, CKA_PUBLIC_EXPONENT, e, sizeof(e));
	} else {
		/* the curve's OID, DER-encoded by OpenSSL */
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		if ((plen = i2d_ASN1_OBJECT(OBJ_nid2obj(NID_X9_62_prime256v1),
		    &params)) <= 0) {
			errf(err, errlen, "%s: cannot encode the curve", uri);
			return -1;
		}
		ADD(pubt, npub, CKA_EC_PARAMS, params, (CK_ULONG)plen);
	}
#undef ADD
	rv = f->C_GenerateKeyPair(s, &mech, pubt, npub, privt, npriv, &pub,
	    &priv);
	if (rv != CKR_OK)
		errf(err, errlen, "%s: C_GenerateKeyPair: 0x%lx", uri,
		    (unsigned long)rv);
	else
		rc = 0;
	OPENSSL_free(params);
	return rc;
}

int
p11_key_generate(const char *uri, enum p11_keygen alg, char *err,
    size_t errlen)
{
	struct p11_uri		 u;
	CK_FUNCTION_LIST	*f;
	CK_SLOT_ID		 slot;
	CK_SESSION_HANDLE	 s = CK_INVALID_HANDLE;
	CK_RV			 rv;
	void			*dl = NULL;
	int			 fini = 0, logged = 0, rc = -1, taken;

	if (uri_parse(uri, &u, err, errlen) != 0)
		return -1;
	if (!u.has_object) {
		errf(err, errlen, "%s: a new key needs object=", uri);
		return -1;
	}
	if (pin_load(err, errlen) != 0 ||
	    (f = gen_module(&dl, &fini, err, errlen)) == NULL)
		goto done;
	if (gen_slot(f, &u, &slot, uri, err, errlen) != 0)
		goto done;
	if ((rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
	    NULL, NULL, &s)) != CKR_OK) {
		errf(err, errlen, "%s: C_OpenSession: 0x%lx", uri,
		    (unsigned long)rv);
		goto done;
	}
	rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		errf(err, errlen, "%s: the token refused the PIN from %s "
		    "(0x%lx)", uri, pin_path, (unsigned long)rv);
		goto done;
	}
	logged = rv == CKR_OK;
	if ((taken = gen_label_taken(f, s, u.object)) != 0) {
		errf(err, errlen, taken > 0 ? "%s: the token already holds a "
		    "key labelled so" : "%s: cannot search the token", uri);
		goto done;
	}
	rc = gen_pair(f, s, &u, alg, uri, err, errlen);
 done:
	if (logged)
		(void)f->C_Logout(s);
	if (s != CK_INVALID_HANDLE)
		(void)f->C_CloseSession(s);
	if (fini)
		(void)f->C_Finalize(NULL);
	if (dl != NULL)
		dlclose(dl);
	return rc;
}
