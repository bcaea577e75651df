#!/bin/sh
# The online counter in a real browser: headless Chromium driven by
# playwright-core (tests/browser, installed by tools/install-deps.sh).
# Uploads demo certificates through the file input, reads the answers from
# the DOM, switches language, runs the no-JS form path; screenshots land in
# tests/out/counter*.png.
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
[ -s "$OUT/counter.png" ] && echo "screenshot: $OUT/counter.png" ||
    fail "no screenshot"
finish
