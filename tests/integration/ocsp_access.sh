#!/bin/sh
# SPDX-License-Identifier: ISC
# ocsp_access: ocsp-access registered, asked the way relying parties ask.
# A party registered with `certctl party add` signs its requests with
# `openssl ocsp -signer -signkey` (answered, verified); the same request
# unsigned gets sigRequired; signed by an unregistered key, by a key whose
# certificate claims the party's name, with flipped signature bytes, with a
# refused algorithm (DSA), with a long chain, or by a party whose
# certificate expired or that was removed: unauthorized.  Over HTTPS with
# the party's client certificate (curl --cert) OCSP and CRLs are served;
# CRLs without it: 403.  Signed answers carry Cache-Control no-store,
# registered ones "private"; /metrics counts per party.  Every case prints
# what the server answered.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D"
C="$D/certstatus.conf"
P="$WORK/pki"
mkdir -p "$P"
TLSPORT=$(free_port)

# --- the relying parties' PKI (test-made) ------------------------------------
# A CA for client certificates, a TLS server certificate, and the parties.
q() { "$@" >"$WORK/pki.log" 2>&1 || { cat "$WORK/pki.log"; echo "pki: $*"; exit 1; }; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/ca.key" -out "$P/ca.pem" -days 30 -subj "/CN=Relying parties CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/tls.key" -out "$P/tls.pem" -days 30 -subj "/CN=localhost" \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost
# party NAME CN KEYARGS...: NAME.key, NAME.pem (end entity, from the CA)
party() {
	name=$1 cn=$2
	shift 2
	q openssl req -new "$@" -nodes -keyout "$P/$name.key" \
	    -out "$P/$name.csr" -subj "/CN=$cn"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n' \
	    >"$P/ext"
	q openssl x509 -req -in "$P/$name.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" \
	    -CAcreateserial -days 30 -extfile "$P/ext" -out "$P/$name.pem"
}
EC="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
# shellcheck disable=SC2086
party rp1 rp1.example $EC
# shellcheck disable=SC2086
party stranger stranger.example $EC
# shellcheck disable=SC2086
party impostor rp1.example $EC
# shellcheck disable=SC2086
party fastparty fast.example $EC
q openssl dsaparam -out "$P/dsa.param" 2048
party dsaparty dsa.example -newkey "dsa:$P/dsa.param"
# A certificate that expires 5 s from now (openssl x509 counts in days).
$PY - "$P" <<'PY' || { echo "pki: short-lived certificate"; exit 1; }
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
d = sys.argv[1]
ca = x509.load_pem_x509_certificate(open(d + "/ca.pem", "rb").read())
cakey = serialization.load_pem_private_key(open(d + "/ca.key", "rb").read(), None)
key = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "brief.example")]))
        .issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(seconds=5))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .sign(cakey, hashes.SHA256()))
open(d + "/brief.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(d + "/brief.key", "wb").write(key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption()))
PY

for p in rp1 dsaparty brief; do
	"$CERTCTL" -c "$C" party add "$p" --cert "$P/$p.pem" --note "test party" \
	    >"$WORK/add.out" 2>&1 || { cat "$WORK/add.out"; fail "party add $p"; }
done
"$CERTCTL" -c "$C" party add fast --cert "$P/fastparty.pem" --rate 2 \
    >"$WORK/add.out" 2>&1 || { cat "$WORK/add.out"; fail "party add fast"; }
BRIEF_END=$(($(date +%s) + 5))

cat >>"$C" <<CONF
ocsp-access registered
poll-interval-ms 100
tls-listen 127.0.0.1:$TLSPORT
tls-cert $P/tls.pem
tls-key $P/tls.key
tls-client-ca $P/ca.pem
CONF
start_server "$C"
U="http://127.0.0.1:$PORT"
T="https://127.0.0.1:$TLSPORT"
GOOD=$(awk -F'\t' '$3 == "good" { print $1; exit }' "$D/certs/index.tsv")
REVOKED=$(awk -F'\t' '$3 == "revoked" { print $1; exit }' "$D/certs/index.tsv")
[ -n "$GOOD" ] && [ -n "$REVOKED" ] || fail "demo index has no good and revoked lines"

# status FILE: the responseStatus of the OCSPResponse in FILE, as openssl
# says it ("OCSP Response Status: successful", "Responder Error: sigrequired")
status() {
	openssl ocsp -respin "$1" -resp_text -noverify 2>&1 | $PY -c '
import re, sys
names = {"sigrequired": "sigRequired", "unauthorized": "unauthorized",
         "trylater": "tryLater", "malformedrequest": "malformedRequest",
         "internalerror": "internalError", "successful": "successful"}
for line in sys.stdin:
    m = re.match(r"\s*(OCSP Response Status|Responder Error): (\w+)", line)
    if m:
        print(names.get(m.group(2).lower(), m.group(2)))
        break'
}

# req OUT CERT [openssl ocsp args]: an OCSPRequest for CERT into OUT
req() {
	out=$1 cert=$2
	shift 2
	openssl ocsp -issuer "$D/issuer.pem" -cert "$D/certs/$cert" \
	    -reqout "$out" "$@" >"$WORK/req.log" 2>&1 ||
	    { cat "$WORK/req.log"; fail "openssl ocsp -reqout $*"; }
}

# post IN OUT [curl args]: POST the DER in IN, answer body in OUT, headers
# in OUT.h; prints the HTTP status
post() {
	in=$1 out=$2
	shift 2
	curl -s -o "$out" -D "$out.h" -w '%{http_code}' --data-binary "@$in" \
	    -H 'Content-Type: application/ocsp-request' "$@"
}

# expect LABEL IN STATUS [curl args, URL]: POSTed, the answer has STATUS
expect() {
	label=$1 in=$2 want=$3
	shift 3
	code=$(post "$in" "$WORK/resp" "$@") || code=curl-failed
	got=$(status "$WORK/resp")
	if [ "$code" = 200 ] && [ "$got" = "$want" ]; then
		ok "$label: HTTP 200, $got"
	else
		fail "$label: HTTP $code, '$got' (want $want)"
	fi
}

# --- signed and unsigned requests over plain HTTP ---------------------------
if timeout 20 openssl ocsp -issuer "$D/issuer.pem" -CAfile "$D/issuer.pem" \
    -cert "$D/certs/$GOOD" -cert "$D/certs/$REVOKED" -url "$U/ocsp" \
    -signer "$P/rp1.pem" -signkey "$P/rp1.key" >"$WORK/out" 2>&1 &&
    grep -q '^Response verify OK' "$WORK/out" &&
    grep -q "$GOOD: good" "$WORK/out" && grep -q "$REVOKED: revoked" "$WORK/out"; then
	ok "signed by rp1 (openssl ocsp -signer): answered, verified, good and revoked"
else
	fail "signed by rp1: $(tr '\n' ' ' <"$WORK/out")"
fi
if timeout 20 openssl ocsp -issuer "$D/issuer.pem" -CAfile "$D/issuer.pem" \
    -cert "$D/certs/$GOOD" -url "$U/ocsp" >"$WORK/out" 2>&1; then :; fi
if grep -qi 'sigrequired' "$WORK/out"; then
	ok "the same request unsigned: $(grep -i 'sigrequired' "$WORK/out" | head -1)"
else
	fail "unsigned: $(tr '\n' ' ' <"$WORK/out")"
fi

req "$WORK/signed.der" "$GOOD" -no_nonce -signer "$P/rp1.pem" -signkey "$P/rp1.key"
expect "signed, no nonce" "$WORK/signed.der" successful "$U/ocsp"
grep -qi '^cache-control: no-store' "$WORK/resp.h" &&
    ok "signed answer: Cache-Control: no-store" ||
    fail "signed answer headers: $(tr '\r\n' '  ' <"$WORK/resp.h")"
# the same over GET (RFC 6960 A.1), base64 in the path
B64=$($PY -c 'import base64,sys,urllib.parse; print(urllib.parse.quote(base64.b64encode(open(sys.argv[1],"rb").read()).decode(), safe=""))' "$WORK/signed.der")
code=$(curl -s -o "$WORK/resp" -D "$WORK/resp.h" -w '%{http_code}' "$U/ocsp/$B64") || code=000
got=$(status "$WORK/resp")
if [ "$code" = 200 ] && [ "$got" = successful ] &&
    grep -qi '^cache-control: no-store' "$WORK/resp.h"; then
	ok "signed GET: HTTP 200, $got, Cache-Control: no-store"
else
	fail "signed GET: HTTP $code, $got, $(tr '\r\n' '  ' <"$WORK/resp.h")"
fi

req "$WORK/plain.der" "$GOOD" -no_nonce
expect "unsigned POST" "$WORK/plain.der" sigRequired "$U/ocsp"

req "$WORK/stranger.der" "$GOOD" -signer "$P/stranger.pem" -signkey "$P/stranger.key"
expect "signed by an unregistered key" "$WORK/stranger.der" unauthorized "$U/ocsp"

# rp1's name with another key: the requestorName does not match the signer
req "$WORK/impostor.der" "$GOOD" -signer "$P/impostor.pem" -signkey "$P/impostor.key"
expect "requestorName rp1, signed by another key" "$WORK/impostor.der" unauthorized "$U/ocsp"

# flipped signature bytes: without certificates the signature ends the DER
req "$WORK/nocerts.der" "$GOOD" -no_certs -signer "$P/rp1.pem" -signkey "$P/rp1.key"
expect "signed, no certificates" "$WORK/nocerts.der" successful "$U/ocsp"
$PY - "$WORK/nocerts.der" "$WORK/flipped.der" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-4] ^= 0x10           # inside the ECDSA signature's r or s
open(sys.argv[2], "wb").write(b)
PY
code=$(post "$WORK/flipped.der" "$WORK/resp" "$U/ocsp")
got=$(status "$WORK/resp")
case "$got" in
unauthorized|malformedRequest) ok "signature bytes flipped: HTTP $code, $got" ;;
*) fail "signature bytes flipped: HTTP $code, $got" ;;
esac

req "$WORK/dsa.der" "$GOOD" -signer "$P/dsaparty.pem" -signkey "$P/dsaparty.key"
expect "signed with DSA (not accepted)" "$WORK/dsa.der" unauthorized "$U/ocsp"

# long chains: 9 certificates beside the signature, and 10,000
for i in 1 2 3 4 5 6 7 8 9; do cat "$P/stranger.pem"; done >"$WORK/chain9.pem"
req "$WORK/chain9.der" "$GOOD" -signer "$P/rp1.pem" -signkey "$P/rp1.key" \
    -sign_other "$WORK/chain9.pem"
expect "signed by rp1 with 9 more certificates" "$WORK/chain9.der" unauthorized "$U/ocsp"
$PY -c 'import sys; c=open(sys.argv[1]).read(); open(sys.argv[2],"w").write(c*10000)' \
    "$P/stranger.pem" "$WORK/chain10k.pem"
req "$WORK/chain10k.der" "$GOOD" -signer "$P/rp1.pem" -signkey "$P/rp1.key" \
    -sign_other "$WORK/chain10k.pem"
t0=$(date +%s%N)
code=$(post "$WORK/chain10k.der" "$WORK/resp" "$U/ocsp") || code=curl-failed
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
size=$(wc -c <"$WORK/chain10k.der")
if [ "$code" = 413 ]; then
	ok "signed with a 10,000-certificate chain ($size bytes): HTTP 413 in $ms ms"
else
	fail "10,000-certificate chain: HTTP $code"
fi
expect "and then a signed request again" "$WORK/signed.der" successful "$U/ocsp"

# --- over HTTPS with client certificates ------------------------------------
TC="--cacert $P/tls.pem"
# shellcheck disable=SC2086
expect "unsigned over HTTPS with rp1's client certificate" "$WORK/plain.der" \
    successful $TC --cert "$P/rp1.pem" --key "$P/rp1.key" "$T/ocsp"
# shellcheck disable=SC2086
expect "unsigned over HTTPS without a client certificate" "$WORK/plain.der" \
    sigRequired $TC "$T/ocsp"
# shellcheck disable=SC2086
expect "unsigned over HTTPS, client certificate of no party" "$WORK/plain.der" \
    unauthorized $TC --cert "$P/impostor.pem" --key "$P/impostor.key" "$T/ocsp"
# an unsigned GET over mutual TLS: the party's own cache may keep it
PB64=$($PY -c 'import base64,sys,urllib.parse; print(urllib.parse.quote(base64.b64encode(open(sys.argv[1],"rb").read()).decode(), safe=""))' "$WORK/plain.der")
# shellcheck disable=SC2086
code=$(curl -s -o "$WORK/resp" -D "$WORK/resp.h" -w '%{http_code}' $TC \
    --cert "$P/rp1.pem" --key "$P/rp1.key" "$T/ocsp/$PB64") || code=000
got=$(status "$WORK/resp")
if [ "$code" = 200 ] && [ "$got" = successful ] &&
    grep -qi '^cache-control: max-age=[0-9]*, private' "$WORK/resp.h"; then
	ok "unsigned GET over mutual TLS: $got, $(grep -i '^cache-control' "$WORK/resp.h" | tr -d '\r')"
else
	fail "unsigned GET over mTLS: HTTP $code, $got, $(tr '\r\n' '  ' <"$WORK/resp.h")"
fi
GET_GOOD=$(curl -s -o /dev/null -w '%{http_code}' "$U/ocsp/$B64") || GET_GOOD=000
[ "$GET_GOOD" = 200 ] || fail "signed GET again: $GET_GOOD"
# shellcheck disable=SC2086
code=$(curl -s -o "$WORK/crl" -D "$WORK/crl.h" -w '%{http_code}' $TC \
    --cert "$P/rp1.pem" --key "$P/rp1.key" "$T/crl/inagi.crl") || code=000
if [ "$code" = 200 ] && openssl crl -inform DER -in "$WORK/crl" -noout 2>/dev/null &&
    grep -qi '^cache-control: .*private' "$WORK/crl.h"; then
	ok "CRL over HTTPS with rp1's client certificate: 200, a CRL, Cache-Control private"
else
	fail "CRL over mTLS: HTTP $code $(tr '\r\n' '  ' <"$WORK/crl.h")"
fi
code=$(curl -s -o "$WORK/body" -w '%{http_code}' "$U/crl/inagi.crl") || code=000
[ "$code" = 403 ] && ok "CRL over plain HTTP: 403 ($(cat "$WORK/body"))" ||
    fail "CRL over plain HTTP: $code"
# shellcheck disable=SC2086
code=$(curl -s -o "$WORK/body" -w '%{http_code}' $TC "$T/crl/inagi.crl") || code=000
[ "$code" = 403 ] && ok "CRL over HTTPS without a client certificate: 403" ||
    fail "CRL over HTTPS without a client certificate: $code"
# shellcheck disable=SC2086
code=$(curl -s -o "$WORK/body" -w '%{http_code}' $TC \
    --cert "$P/impostor.pem" --key "$P/impostor.key" "$T/crl/inagi.crl") || code=000
[ "$code" = 403 ] && ok "CRL with a client certificate of no party: 403" ||
    fail "CRL, unregistered client certificate: $code"

# --- rate limit: "fast" may ask 2 per second -------------------------------
# burst URL FILE N [WAIT_FOR]: POST FILE N times back to back (or, given
# WAIT_FOR, until that status comes), print "answered tryLater other ms"
# (an unsigned error OCSPResponse is the 5 bytes 30 03 0a 01 NN)
burst() {
	$PY - "$@" <<'PY'
import sys, time, urllib.request
url, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
want = int(sys.argv[4]) if len(sys.argv) > 4 else None
body = open(path, "rb").read()
counts = {0: 0, 3: 0, "other": 0}
t0 = time.monotonic()
for i in range(n):
    r = urllib.request.urlopen(urllib.request.Request(url, body,
        {"Content-Type": "application/ocsp-request"}), timeout=10).read()
    st = r[4] if len(r) == 5 and r[:4] == b"\x30\x03\x0a\x01" else 0
    counts[st if st in counts else "other"] += 1
    if want is not None and st == want:
        break
print(counts[0], counts[3], counts["other"], int((time.monotonic() - t0) * 1000))
PY
}
req "$WORK/fast.der" "$GOOD" -no_nonce -signer "$P/fastparty.pem" -signkey "$P/fastparty.key"
set -- $(burst "$U/ocsp" "$WORK/fast.der" 10)
if [ "$1" -ge 2 ] && [ "$1" -le $((2 + 2 * $4 / 1000 + 1)) ] && [ "$2" -ge 5 ] && [ "$3" -eq 0 ]; then
	ok "party at --rate 2: 10 requests in $4 ms: $1 answered, $2 tryLater"
else
	fail "rate limit: 10 requests in $4 ms: $1 answered, $2 tryLater, $3 other"
fi

# --- an expired party certificate --------------------------------------------
req "$WORK/brief.der" "$GOOD" -signer "$P/brief.pem" -signkey "$P/brief.key"
while [ "$(date +%s)" -le "$BRIEF_END" ]; do sleep 0.5; done
sleep 1
expect "signed by a party whose certificate expired" "$WORK/brief.der" unauthorized "$U/ocsp"

# --- /metrics per party -------------------------------------------------------
curl -s "$U/metrics" >"$WORK/metrics" || true
promtool check metrics <"$WORK/metrics" >"$WORK/lint.out" 2>&1 &&
    ok "promtool check metrics: no problems with parties" ||
    fail "promtool check metrics: $(head -5 "$WORK/lint.out")"
n=$(sed -n 's/^certstatus_party_requests_total{party="rp1"} \([0-9]*\)$/\1/p' "$WORK/metrics")
if [ -n "$n" ] && [ "$n" -ge 6 ]; then
	ok "metrics: rp1 answered $n times"
else
	fail "metrics: rp1 requests '$n'"
fi
grep -q '^certstatus_party_refused_total{party="fast",reason="rate_limited"} [1-9]' "$WORK/metrics" &&
    ok "metrics: fast's rate-limited refusals counted" || fail "metrics: no rate refusals for fast"
grep -q '^certstatus_access_refused_total{reason="sig_required"} [1-9]' "$WORK/metrics" &&
    ok "metrics: sigRequired refusals counted" || fail "metrics: sig_required"

# --- removed: refused within poll-interval-ms ---------------------------------
"$CERTCTL" -c "$C" party remove rp1 >"$WORK/rm.out" 2>&1 || { cat "$WORK/rm.out"; fail "party remove"; }
# the first answer is taken before the next poll may have seen the commit;
# poll-interval-ms 100 plus one poll's work is the bound
set -- $(burst "$U/ocsp" "$WORK/signed.der" 1000 6)
if [ "$3" -ge 1 ] && [ "$4" -le 300 ]; then
	ok "after party remove rp1: unauthorized after $4 ms ($1 answered before, poll-interval-ms 100)"
else
	fail "after party remove: $1 answered, $3 refused, $4 ms"
fi
# shellcheck disable=SC2086
code=$(curl -s -o /dev/null -w '%{http_code}' $TC --cert "$P/rp1.pem" \
    --key "$P/rp1.key" "$T/crl/inagi.crl") || code=000
[ "$code" = 403 ] && ok "removed rp1's client certificate: CRL 403" ||
    fail "removed rp1 CRL: $code"

"$CERTCTL" -c "$C" audit verify >/dev/null 2>&1 && ok "audit verify passes" ||
    fail "audit verify"
stop_server_clean
finish
