#!/bin/sh
# SPDX-License-Identifier: ISC
# The CA certificate for relying parties: GET /ca/inagi.crt serves the same
# bytes as `certctl ca export inagi --der`, as application/pkix-cert with
# caching headers (ETag, Last-Modified, max-age at most a day) and a 304 for
# its validators; HEAD has the same headers; an unknown issuer
# is 404 (and a refusal in certctl); the PEM export parses.  Then a relying
# party that has only an issued certificate reads its caIssuers URL, fetches
# the CA from it and `openssl verify` builds the path.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
P=$(free_port)
make_demo "$D" --port "$P"
C="$D/certstatus.conf"
"$CERTSTATUSD" -c "$C" -p "$P" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PORT=$P
i=0
until curl -fs "http://127.0.0.1:$P/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 300 ] && kill -0 "$SERVER_PID" 2>/dev/null ||
	    { cat "$WORK/server.log"; fail "server not ready"; finish; }
	sleep 0.1
done
U="http://127.0.0.1:$P"

# --- certctl ca export ---------------------------------------------------
"$CERTCTL" -c "$C" ca export inagi --der >"$WORK/export.der" ||
    fail "ca export --der"
"$CERTCTL" -c "$C" ca export inagi >"$WORK/export.pem" || fail "ca export"
openssl x509 -in "$WORK/export.pem" -noout -subject >"$WORK/subj.txt" 2>&1 &&
    grep -q "Inagi" "$WORK/subj.txt" && ok "PEM export parses: $(cat "$WORK/subj.txt")" ||
    fail "PEM export does not parse: $(cat "$WORK/subj.txt")"
openssl x509 -in "$WORK/export.pem" -outform DER -out "$WORK/pem2der.der"
cmp -s "$WORK/pem2der.der" "$WORK/export.der" &&
    ok "PEM and DER exports are the same certificate" || fail "PEM and DER differ"
cmp -s "$WORK/export.pem" "$D/issuer.pem" &&
    ok "the export is the demo's issuer.pem" || fail "export differs from issuer.pem"
"$CERTCTL" -c "$C" ca export inagi --der --out "$WORK/out.der" >"$WORK/out.txt" &&
    cmp -s "$WORK/out.der" "$WORK/export.der" &&
    ok "--out writes the same DER: $(cat "$WORK/out.txt")" || fail "--out"
if "$CERTCTL" -c "$C" ca export nosuch >"$WORK/no.out" 2>"$WORK/no.err"; then
	fail "ca export of an unknown issuer succeeded"
else
	grep -q '^certctl: refused: no issuer named "nosuch"' "$WORK/no.err" &&
	    [ ! -s "$WORK/no.out" ] &&
	    ok "unknown issuer: $(cat "$WORK/no.err")" || fail "unknown issuer: $(cat "$WORK/no.err")"
fi

# --- GET /ca/inagi.crt ----------------------------------------------------
code=$(curl -s -D "$WORK/h1" -o "$WORK/get.der" -w '%{http_code}' "$U/ca/inagi.crt")
[ "$code" = 200 ] && ok "GET /ca/inagi.crt: 200" || fail "GET /ca/inagi.crt: $code"
cmp -s "$WORK/get.der" "$WORK/export.der" &&
    ok "GET /ca/inagi.crt equals certctl ca export inagi --der byte for byte" ||
    fail "served CA differs from the export"
hdr() { tr -d '\r' <"$1" | sed -n "s/^$2: //Ip" | head -n 1; }
[ "$(hdr "$WORK/h1" Content-Type)" = "application/pkix-cert" ] &&
    ok "Content-Type: application/pkix-cert" || fail "Content-Type: $(hdr "$WORK/h1" Content-Type)"
ETAG=$(hdr "$WORK/h1" ETag)
LM=$(hdr "$WORK/h1" Last-Modified)
CCTL=$(hdr "$WORK/h1" Cache-Control)
[ -n "$ETAG" ] && [ -n "$LM" ] && [ -n "$(hdr "$WORK/h1" Expires)" ] &&
    ok "ETag $ETAG, Last-Modified $LM" || fail "validators missing: $(cat "$WORK/h1")"
age=$(echo "$CCTL" | sed -n 's/.*max-age=\([0-9]*\).*/\1/p')
[ -n "$age" ] && [ "$age" -gt 0 ] && [ "$age" -le 86400 ] &&
    echo "$CCTL" | grep -q public &&
    ok "Cache-Control: $CCTL (at most a day)" || fail "Cache-Control: $CCTL"
nb=$(openssl x509 -in "$WORK/export.pem" -noout -startdate | sed 's/notBefore=//')
[ "$(date -u -d "$nb" +%s)" = "$(date -u -d "$LM" +%s)" ] &&
    ok "Last-Modified is the CA's notBefore" || fail "Last-Modified $LM, notBefore $nb"

code=$(curl -s -o "$WORK/304.body" -w '%{http_code}' -H "If-None-Match: $ETAG" "$U/ca/inagi.crt")
[ "$code" = 304 ] && [ ! -s "$WORK/304.body" ] && ok "If-None-Match: 304, no body" ||
    fail "If-None-Match: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "0000000000000000"' "$U/ca/inagi.crt")
[ "$code" = 200 ] && ok "another ETag: 200" || fail "another ETag: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $LM" "$U/ca/inagi.crt")
[ "$code" = 304 ] && ok "If-Modified-Since its Last-Modified: 304" || fail "If-Modified-Since: $code"

curl -s -I -o "$WORK/head.h" "$U/ca/inagi.crt"
tr -d '\r' <"$WORK/head.h" | head -n 1 | grep -q ' 200' &&
    [ "$(hdr "$WORK/head.h" ETag)" = "$ETAG" ] &&
    [ "$(hdr "$WORK/head.h" Content-Type)" = "application/pkix-cert" ] &&
    ok "HEAD: 200, same ETag and type" || fail "HEAD: $(cat "$WORK/head.h")"

for path in /ca/nosuch.crt /ca/inagi /ca/inagi.pem /ca/ /ca/inagi.crt.crt; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$U$path")
	[ "$code" = 404 ] && ok "GET $path: 404" || fail "GET $path: $code"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data x "$U/ca/inagi.crt")
[ "$code" = 405 ] && ok "POST /ca/inagi.crt: 405" || fail "POST /ca/inagi.crt: $code"
n=$(curl -s "$U/metrics" | sed -n 's/^certstatus_requests_total{endpoint="ca"} //p')
[ -n "$n" ] && [ "$n" -ge 10 ] && ok "/metrics counts $n requests under endpoint \"ca\"" ||
    fail "/metrics endpoint=\"ca\": '$n'"

# --- a relying party with only the issued certificate ---------------------
RP="$WORK/rp"
mkdir -p "$RP"
cp "$D/certs/good-sign.pem" "$RP/cert.pem"
url=$(openssl x509 -in "$RP/cert.pem" -noout -ext authorityInfoAccess |
    sed -n 's/^ *CA Issuers - URI://p')
[ "$url" = "$U/ca/inagi.crt" ] && ok "the certificate's caIssuers URL: $url" ||
    fail "caIssuers URL: '$url'"
# the same through python3-cryptography, a library the server does not use
$PY - "$RP/cert.pem" "$url" <<'PYEOF' && ok "python3-cryptography reads the same caIssuers URL" || fail "python caIssuers"
import sys
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID
c = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
aia = c.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
urls = [d.access_location.value for d in aia
        if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS]
sys.exit(0 if urls == [sys.argv[2]] else 1)
PYEOF
if openssl verify -CAfile /dev/null "$RP/cert.pem" >/dev/null 2>&1; then
	fail "the certificate verified without its CA"
else
	ok "without the CA the certificate does not verify"
fi
curl -fs -o "$RP/fetched.der" "$url" || fail "fetch $url"
openssl x509 -inform DER -in "$RP/fetched.der" -out "$RP/fetched.pem" || fail "fetched CA does not parse"
out=$(openssl verify -CAfile "$RP/fetched.pem" "$RP/cert.pem" 2>&1)
[ "$out" = "$RP/cert.pem: OK" ] && ok "openssl verify -CAfile fetched.pem cert.pem: OK" ||
    fail "verify: $out"

stop_server_clean 5000
finish
