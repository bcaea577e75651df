#!/bin/sh
# SPDX-License-Identifier: ISC
# crl_vs_openssl.sh: the same N revoked entries (of 10 * N certificates) as a
# signed CRL, by crlgen and by `openssl ca -gencrl`; seconds and peak RSS.
#
#   sh tests/bench/crl_vs_openssl.sh [N]        (default 100000)
set -eu

N=${1:-100000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/crl_vs_openssl.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -O2 -I"$ROOT/common" \
    -o "$WORK/crlgen_bench" "$ROOT/tests/bench/crlgen_bench.c" \
    "$ROOT/common/crlgen.c" "$ROOT/common/pki.c" "$ROOT/common/serial.c" \
    "$ROOT/common/log.c" "$ROOT/common/clock.c" \
    $(pkg-config --cflags --libs openssl)

"$WORK/crlgen_bench" "$N" "$WORK"

/usr/bin/time -v openssl ca -gencrl -config "$WORK/openssl.cnf" \
    -keyfile "$WORK/ca.key" -cert "$WORK/ca.pem" -out "$WORK/openssl.crl" \
    2>"$WORK/time.txt" >/dev/null || { cat "$WORK/time.txt"; exit 1; }
secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0;
    for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s }' "$WORK/time.txt")
rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
openssl crl -in "$WORK/openssl.crl" -outform DER -out "$WORK/openssl.der"
bytes=$(wc -c <"$WORK/openssl.der")
echo "openssl-ca entries=$N seconds=$secs maxrss_kb=$rss bytes=$bytes"

# Both CRLs verify and hold the same entries (openssl ca sorts by serial).
for f in crlgen.crl openssl.der; do
	openssl crl -inform DER -in "$WORK/$f" -CAfile "$WORK/ca.pem" -noout 2>&1 |
	    grep -q 'verify OK' || { echo "$f: does not verify"; exit 1; }
	openssl crl -inform DER -in "$WORK/$f" -noout -text |
	    awk '/Serial Number:/ { if (e != "") print e; e = $3 }
	         /Revocation Date:/ { e = e " " $3 $4 $5 $6 }
	         /^ +[A-Za-z ]+$/ && e != "" && prev ~ /CRL Reason Code/ { e = e " " $1 $2 $3 }
	         { prev = $0 } END { if (e != "") print e }' | sort >"$WORK/$f.entries"
	echo "$f: verify OK, entries=$(wc -l <"$WORK/$f.entries")"
done
cmp -s "$WORK/crlgen.crl.entries" "$WORK/openssl.der.entries" &&
    echo "same entries (serial, date, reason)" ||
    { echo "entries differ"; diff "$WORK/crlgen.crl.entries" "$WORK/openssl.der.entries" | head; exit 1; }
