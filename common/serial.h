/* SPDX-License-Identifier: ISC */
/*
 * serial.h: certificate serial numbers as the registry stores them.
 *
 * A serial is kept as its big-endian magnitude without leading zero octets
 * (at most SERIAL_MAX octets, RFC 5280 4.1.2.2).  Text form is upper-case
 * hexadecimal as `openssl x509 -serial` prints it; leading zeros optional.
 */
#ifndef CERTSTATUS_SERIAL_H
#define CERTSTATUS_SERIAL_H

#include <stddef.h>

#include <openssl/asn1.h>

#define SERIAL_MAX	20	/* octets, RFC 5280 */
#define SERIAL_HEX_MAX	(2 * SERIAL_MAX + 1)

struct serial {
	unsigned char	b[SERIAL_MAX];
	size_t		len;
};

/* Parse hex text ("0A1B", "a1b", optional "0x"); 0 or -1 when not a serial. */
int	serial_from_hex(const char *hex, struct serial *out);
/* Upper-case hex without leading zeros ("00" for zero); out >= SERIAL_HEX_MAX. */
void	serial_to_hex(const struct serial *s, char *out);
/* From an ASN1_INTEGER: -1 when negative, zero or longer than SERIAL_MAX. */
int	serial_from_asn1(const ASN1_INTEGER *ai, struct serial *out);
/* A new ASN1_INTEGER (caller frees) or NULL. */
ASN1_INTEGER *serial_to_asn1(const struct serial *s);

#endif
