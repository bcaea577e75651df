/* SPDX-License-Identifier: ISC */
/*
 * serial.c: serial number conversions (see serial.h).
 */
#include <ctype.h>
#include <string.h>

#include <openssl/bn.h>

#include "serial.h"

static void
serial_trim(struct serial *s)
{
	size_t	 i = 0;

	while (i < s->len && s->b[i] == 0)
		i++;
	memmove(s->b, s->b + i, s->len - i);
	s->len -= i;
}

int
serial_from_hex(const char *hex, struct serial *out)
{
	BIGNUM	*bn = NULL;
	size_t	 n;
	int	 rc = -1;

	if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		hex += 2;
	n = strlen(hex);
	if (n == 0 || n > 2 * SERIAL_MAX + 16)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)hex[i]))
			return -1;
	if (BN_hex2bn(&bn, hex) == 0 || BN_is_zero(bn) ||
	    BN_num_bytes(bn) > SERIAL_MAX)
		goto done;
	out->len = BN_bn2bin(bn, out->b);
	rc = 0;
 done:
	BN_free(bn);
	return rc;
}

void
serial_to_hex(const struct serial *s, char *out)
{
	static const char	 digits[] = "0123456789ABCDEF";
	size_t			 i;

	if (s->len == 0) {
		strcpy(out, "00");
		return;
	}
	for (i = 0; i < s->len; i++) {
		out[2 * i] = digits[s->b[i] >> 4];
		out[2 * i + 1] = digits[s->b[i] & 0xf];
	}
	out[2 * i] = '\0';
}

int
serial_from_asn1(const ASN1_INTEGER *ai, struct serial *out)
{
	const unsigned char	*d;
	int			 len;

	if (ai == NULL || ASN1_STRING_type(ai) != V_ASN1_INTEGER)
		return -1;
	d = ASN1_STRING_get0_data(ai);
	len = ASN1_STRING_length(ai);
	if (len < 0 || len > SERIAL_MAX)
		return -1;
	memcpy(out->b, d, len);
	out->len = len;
	serial_trim(out);
	return out->len == 0 ? -1 : 0;
}

ASN1_INTEGER *
serial_to_asn1(const struct serial *s)
{
	BIGNUM		*bn;
	ASN1_INTEGER	*ai;

	if ((bn = BN_bin2bn(s->b, s->len, NULL)) == NULL)
		return NULL;
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return ai;
}
