#!/bin/sh
# SPDX-License-Identifier: ISC
# The online counter in a real browser: headless Chromium driven by
# playwright-core (tests/browser, installed by tools/install-deps.sh).
# Uploads demo certificates through the file input, reads the answers from
# the DOM, switches language, runs the no-JS form path; for a Juki and a My
# Number certificate, a hold and one due for renewal, in ja/en/es, asserts
# the visible rules of the card, 一時保留 with the 24-hour line, the renewal
# notice and the issuer's name; screenshots land in tests/out/counter*.png.
. "$(dirname "$0")/lib.sh"

OUT="$TOP/tests/out"
mkdir -p "$OUT"
if [ ! -d "$TOP/tests/browser/node_modules/playwright-core" ]; then
	echo "playwright-core missing: run sh tools/install-deps.sh"
	exit 1
fi
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium missing"; exit 1; }

D="$WORK/demo"
make_demo "$D"
echo 'counter-rate 1000' >> "$D/certstatus.conf"
start_server "$D/certstatus.conf"

# Files the page is given besides the demo's PEMs: a DER, a forgery, junk.
openssl x509 -in "$D/certs/good-sign.pem" -outform DER -out "$OUT/tmp-good.der"
printf 'not a certificate\n' > "$OUT/tmp-junk.txt"
$PY - "$D/certs/good-sign.pem" "$OUT/tmp-forged.pem" <<'PYEOF'
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
real = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
key = ec.generate_private_key(ec.SECP256R1())
c = (x509.CertificateBuilder().subject_name(real.subject)
     .issuer_name(real.issuer).serial_number(real.serial_number)
     .not_valid_before(real.not_valid_before)
     .not_valid_after(real.not_valid_after).public_key(key.public_key())
     .sign(key, hashes.SHA256()))
open(sys.argv[2], "wb").write(c.public_bytes(serialization.Encoding.PEM))
PYEOF

rc=0
HOME="$WORK" timeout 180 node "$TOP/tests/browser/counter.js" \
    "http://127.0.0.1:$PORT" "$D/certs" "$OUT" || rc=$?
rm -f "$OUT/tmp-good.der" "$OUT/tmp-junk.txt" "$OUT/tmp-forged.pem"
[ "$rc" -eq 0 ] || fail "browser checks (exit $rc)"
for shot in counter counter-nojs counter-nojs-hold-ja \
    counter-juki-ja counter-juki-en counter-juki-es \
    counter-mynumber-ja counter-mynumber-en counter-mynumber-es \
    counter-hold-ja counter-hold-en counter-hold-es \
    counter-renewal-ja counter-renewal-en counter-renewal-es; do
	[ -s "$OUT/$shot.png" ] && echo "screenshot: $OUT/$shot.png" ||
	    fail "no screenshot $shot.png"
done
finish
