#!/bin/sh
# SPDX-License-Identifier: ISC
# pkcs11_softhsm: the CA and OCSP signer keys on a PKCS#11 token (SoftHSM2,
# a token in a temporary SOFTHSM2_CONF folder).  certctl demo --pkcs11
# generates both keys on the token and signs the demo's certificates and
# CRLs there; the server's signer workers and its CRL child (crl-key is the
# token URI) sign through it.  Checked: every index.tsv line answered with a
# nonce (signed on the token now) and verified by openssl ocsp and GnuTLS
# ocsptool; CRLs signed on the token verify with openssl crl; pkcs11-tool
# lists the private keys as sensitive and never extractable, and the
# registry holds only their URIs; a wrong PIN, a PIN in the URI and a PIN
# file others can read are one-line refusals at start; a replacement
# worker (started by the confined network process) logs in and signs; the
# token folder taken away while the server runs: nonce requests get
# tryLater, pre-signed answers are still served, /healthz is 503 naming
# the signer, and both recover by themselves when the token is back.
. "$(dirname "$0")/lib.sh"

for t in softhsm2-util pkcs11-tool ocsptool; do
	command -v $t >/dev/null 2>&1 || { fail "$t not installed (make deps)"; finish; }
done
MOD=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so; do
	[ -e "$m" ] && { MOD=$m; break; }
done
[ -n "$MOD" ] || { fail "libsofthsm2.so not found"; finish; }

TOK="$WORK/tokens"
mkdir -p "$TOK"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$TOK" >"$WORK/softhsm2.conf"
export SOFTHSM2_CONF="$WORK/softhsm2.conf"
softhsm2-util --init-token --free --label inagi --pin 4711 --so-pin 8642 \
    >"$WORK/init.txt" 2>&1 || { cat "$WORK/init.txt"; fail "init token"; finish; }
printf '4711\n' >"$WORK/pin"
chmod 600 "$WORK/pin"

D="$WORK/demo"
make_demo "$D" --pkcs11 "pkcs11:token=inagi" --pkcs11-module "$MOD" \
    --pkcs11-pin-file "$WORK/pin"
ok "certctl demo --pkcs11: CA and signer keys generated on the token"

keys=$(sqlite3 "$D/certstatus.db" "SELECT ca_key || ' ' || signer_key FROM issuers")
[ "$keys" = "pkcs11:token=inagi;object=inagi-ca pkcs11:token=inagi;object=inagi-signer" ] &&
    ok "the registry holds the keys' URIs: $keys" || fail "registry keys: $keys"
ls "$D/keys" | grep -q 'inagi-\(ca\|ocsp\)' && fail "CA or signer key written as a file" ||
    ok "no CA or signer key file"

pkcs11-tool --module "$MOD" --token-label inagi --login --pin 4711 \
    --list-objects --type privkey >"$WORK/objects.txt" 2>&1
for l in inagi-ca inagi-signer; do
	if ! grep -q "label:.*$l" "$WORK/objects.txt"; then
		fail "pkcs11-tool does not list private key $l"
	elif ! awk -v l="$l" '/^Private Key Object/ {p = 0} $0 ~ "label:.*" l "$" {p = 1}
	    p && /Access:/ {print}' "$WORK/objects.txt" |
	    grep "sensitive" | grep "never extractable" | grep -qv "[^r ]extractable,"; then
		fail "$l is not sensitive / never extractable: $(tr '\n' ' ' <"$WORK/objects.txt")"
	else
		ok "pkcs11-tool: $l is sensitive and never extractable"
	fi
done

# ca create --pkcs11 and ca import with token keys, in a copy of the demo
# (the same token; the server below serves the demo alone).
cp -r "$D" "$WORK/d2"
C="$WORK/d2/certstatus.conf"
"$CERTCTL" -c "$C" ca create tok2 --pkcs11 "pkcs11:token=inagi" >"$WORK/c2.txt" 2>&1 &&
    sqlite3 "$WORK/d2/certstatus.db" "SELECT signer_key FROM issuers WHERE name = 'tok2'" |
    grep -qx "pkcs11:token=inagi;object=tok2-signer" &&
    ok "ca create tok2 --pkcs11: keys tok2-ca and tok2-signer on the token" ||
    fail "ca create --pkcs11: $(cat "$WORK/c2.txt")"
pkcs11-tool --module "$MOD" --token-label inagi --login --pin 4711 --keypairgen \
    --key-type EC:prime256v1 --label tok3-ca >/dev/null 2>&1 || fail "pkcs11-tool --keypairgen"
out=$("$CERTCTL" -c "$C" ca create tok3 --pkcs11 "pkcs11:token=inagi" 2>&1) &&
    fail "ca create over an existing label passed" ||
    { echo "$out" | grep -q "already holds a key labelled so" &&
      ok "ca create over a label the token holds: $out" || fail "label taken: $out"; }
out=$("$CERTCTL" -c "$C" ca create tok4 --pkcs11 "pkcs11:token=inagi;object=x" 2>&1) &&
    fail "ca create --pkcs11 with object= passed" ||
    { echo "$out" | grep -q "without object=" && ok "--pkcs11 with object=: $out" ||
      fail "--pkcs11 with object=: $out"; }
sqlite3 "$WORK/d2/certstatus.db" "SELECT ca_cert FROM issuers WHERE name = 'tok2'" >"$WORK/tok2-ca.pem"
sqlite3 "$WORK/d2/certstatus.db" "SELECT signer_cert FROM issuers WHERE name = 'tok2'" >"$WORK/tok2-signer.pem"
"$CERTCTL" -c "$C" ca import tok2b --ca-cert "$WORK/tok2-ca.pem" \
    --signer-cert "$WORK/tok2-signer.pem" \
    --signer-key "pkcs11:token=inagi;object=tok2-ca" >"$WORK/imp.txt" 2>&1 &&
    fail "ca import accepted the CA key as the signer's" ||
    { grep -q "is not the key of" "$WORK/imp.txt" &&
      ok "ca import: a token key that is not the signer's is refused" ||
      fail "ca import wrong key: $(cat "$WORK/imp.txt")"; }
"$CERTCTL" -c "$C" ca import tok2b --ca-cert "$WORK/tok2-ca.pem" \
    --signer-cert "$WORK/tok2-signer.pem" \
    --signer-key "pkcs11:token=inagi;object=tok2-signer" \
    --ca-key "pkcs11:token=inagi;object=tok2-ca" >"$WORK/imp.txt" 2>&1 &&
    [ "$(sqlite3 "$WORK/d2/certstatus.db" "SELECT ca_key FROM issuers WHERE name = 'tok2b'")" = \
      "pkcs11:token=inagi;object=tok2-ca" ] &&
    ok "ca import with token keys records their URIs" ||
    fail "ca import with token keys: $(cat "$WORK/imp.txt")"

# ca rotate-signer --pkcs11: the new signer's key is generated on the token,
# the issuer names its URI, its certificate verifies under tok2's CA, and
# pkcs11-tool shows the key as never extractable.
"$CERTCTL" -c "$C" ca rotate-signer tok2 --pkcs11 "pkcs11:token=inagi" \
    >"$WORK/rot.txt" 2>&1 || fail "rotate-signer --pkcs11: $(cat "$WORK/rot.txt")"
rkey=$(sqlite3 "$WORK/d2/certstatus.db" "SELECT signer_key FROM issuers WHERE name = 'tok2'")
case "$rkey" in
"pkcs11:token=inagi;object=tok2-signer-"*) ok "rotate-signer --pkcs11: the issuer names $rkey" ;;
*) fail "rotate-signer --pkcs11: signer_key is $rkey" ;;
esac
sqlite3 "$WORK/d2/certstatus.db" "SELECT signer_cert FROM issuers WHERE name = 'tok2'" >"$WORK/tok2-signer2.pem"
cmp -s "$WORK/tok2-signer.pem" "$WORK/tok2-signer2.pem" && fail "rotate-signer --pkcs11: same certificate"
openssl verify -CAfile "$WORK/tok2-ca.pem" "$WORK/tok2-signer2.pem" 2>&1 |
    grep -q ": OK" && ok "the rotated signer's certificate verifies under tok2's CA" ||
    fail "rotated signer: $(openssl verify -CAfile "$WORK/tok2-ca.pem" "$WORK/tok2-signer2.pem" 2>&1)"
rlabel=${rkey##*object=}
pkcs11-tool --module "$MOD" --token-label inagi --login --pin 4711 \
    --list-objects --type privkey 2>/dev/null | awk -v l="$rlabel" '
	/^Private Key Object/ { inkey = 1; lab = "" }
	inkey && /label:/ { sub(/.*label: */, ""); lab = $0 }
	inkey && /Access:/ && lab == l { print; exit }' >"$WORK/racc.txt"
grep -q "never extractable" "$WORK/racc.txt" && grep -q "sensitive" "$WORK/racc.txt" &&
    ok "pkcs11-tool: $rlabel is sensitive and never extractable" ||
    fail "pkcs11-tool: $rlabel access: $(cat "$WORK/racc.txt")"

# The server signs CRLs itself with the CA key on the token too.
cat >>"$D/certstatus.conf" <<CONF
crl-key pkcs11:token=inagi;object=inagi-ca
crl-debounce 1s
CONF

# Refusals at start (certstatusd -n: one line per key that cannot be
# loaded, then the count), before anything is served.
refused() {	# refused WHAT PATTERN CONF
	out=$("$CERTSTATUSD" -n -c "$3" 2>&1) && { fail "$1: certstatusd -n passed"; return; }
	n=$(printf '%s\n' "$out" | grep -c "$2" || true)
	total=$(printf '%s\n' "$out" | grep -c . || true)
	if [ "$n" -ge 1 ] && [ "$total" -eq $((n + 1)) ]; then
		ok "$1: refused, one line per key: $(printf '%s\n' "$out" | head -n 1)"
	else
		fail "$1: want lines matching '$2', got: $out"
	fi
}
printf '1111\n' >"$WORK/badpin"
chmod 600 "$WORK/badpin"
sed "s|^pkcs11-pin-file .*|pkcs11-pin-file $WORK/badpin|" "$D/certstatus.conf" >"$D/badpin.conf"
refused "wrong PIN" "refused the PIN" "$D/badpin.conf"
cp "$WORK/pin" "$WORK/openpin"
chmod 644 "$WORK/openpin"
sed "s|^pkcs11-pin-file .*|pkcs11-pin-file $WORK/openpin|" "$D/certstatus.conf" >"$D/openpin.conf"
refused "PIN file readable by others" "chmod 600" "$D/openpin.conf"
sed "s|^crl-key .*|crl-key pkcs11:token=inagi;object=inagi-ca;pin-value=4711|" \
    "$D/certstatus.conf" >"$D/uripin.conf"
refused "PIN in the URI" "a PIN in a key URI" "$D/uripin.conf"

PORT=$(free_port)
"$CERTSTATUSD" -c "$D/badpin.conf" -p "$PORT" >"$WORK/badpin.log" 2>&1 &&
    fail "the server started with a wrong PIN" ||
    { grep -q "refused the PIN" "$WORK/badpin.log" &&
      ok "the server refuses to start with a wrong PIN: $(grep 'PIN' "$WORK/badpin.log" | head -n 1)" ||
      fail "wrong PIN at start: $(cat "$WORK/badpin.log")"; }

start_server "$D/certstatus.conf"
URL="http://127.0.0.1:$PORT/ocsp"

# ask FILE [-no_nonce]: openssl ocsp verified against issuer.pem; prints the status
ask() {
	openssl ocsp -issuer "$D/issuer.pem" -cert "$D/certs/$1" -url "$URL" \
	    -CAfile "$D/issuer.pem" -timeout 10 $2 >"$WORK/ask.txt" 2>&1 || true
	if grep -q "Response verify OK" "$WORK/ask.txt"; then
		sed -n "s|^$D/certs/$1: \([a-z]*\).*|\1|p" "$WORK/ask.txt"
	elif grep -q "Responder Error" "$WORK/ask.txt"; then
		sed -n 's/^Responder Error: \([a-zA-Z]*\).*/\1/p' "$WORK/ask.txt"
	else
		echo "unverified: $(tr '\n' ' ' <"$WORK/ask.txt")"
	fi
}

lines=0
while IFS='	' read -r file serial want reason; do
	lines=$((lines + 1))
	got=$(ask "$file" "")
	[ "$got" = "$want" ] && ok "openssl ocsp (nonce, signed on the token): $file $got" ||
	    fail "openssl ocsp $file: $got, want $want"
	if timeout 20 ocsptool --ask="$URL" --nonce --load-issuer="$D/issuer.pem" \
	    --load-cert="$D/certs/$file" --load-trust="$D/issuer.pem" \
	    >"$WORK/ocsptool.txt" 2>&1 </dev/null &&
	    grep -q "Verifying OCSP Response: Success" "$WORK/ocsptool.txt" &&
	    grep -q "Certificate Status: $want" "$WORK/ocsptool.txt"; then
		ok "ocsptool (nonce): $file $want"
	else
		fail "ocsptool $file: $(tr '\n' ' ' <"$WORK/ocsptool.txt")"
	fi
done <"$D/certs/index.tsv"
[ "$lines" -ge 10 ] && ok "$lines index.tsv lines answered" || fail "only $lines index.tsv lines"

# CRLs: the demo's (certctl, CA key on the token) and the server's own.
U="http://127.0.0.1:$PORT"
curl -fs -o "$WORK/full.der" "$U/crl/inagi.crl" &&
    openssl crl -inform DER -in "$WORK/full.der" -CAfile "$D/issuer.pem" -noout 2>&1 |
    grep -q "verify OK" && ok "openssl crl verifies the full CRL signed on the token" ||
    fail "full CRL does not verify"
n0=$(openssl crl -inform DER -in "$WORK/full.der" -noout -crlnumber 2>/dev/null)
"$CERTCTL" -c "$D/certstatus.conf" crl generate >"$WORK/crlgen.txt" 2>&1 &&
    ok "certctl crl generate with the CA key on the token: $(head -n 1 "$WORK/crlgen.txt")" ||
    fail "certctl crl generate: $(cat "$WORK/crlgen.txt")"
i=0
while :; do
	curl -fs -o "$WORK/full2.der" "$U/crl/inagi.crl" || true
	n1=$(openssl crl -inform DER -in "$WORK/full2.der" -noout -crlnumber 2>/dev/null || true)
	[ "$n1" != "$n0" ] && break
	i=$((i + 1)); [ $i -lt 50 ] || break
	sleep 0.1
done
[ "$n1" != "$n0" ] && openssl crl -inform DER -in "$WORK/full2.der" -CAfile "$D/issuer.pem" \
    -noout 2>&1 | grep -q "verify OK" && ok "the new CRL ($n1) verifies" ||
    fail "no new verified CRL after crl generate ($n0 -> $n1)"

# A replacement worker, started by the confined network process, logs in.
wpid=$(pgrep -P "$SERVER_PID" -f -- --signer-worker | head -n 1)
kill -KILL "$wpid"
sleep 1
ok=0
for _ in 1 2 3 4 5 6; do
	[ "$(ask good-sign.pem "")" = good ] && ok=$((ok + 1))
done
[ $ok -eq 6 ] && grep -q "signer worker .* started" "$WORK/server.log" &&
    ok "after a worker was killed every nonce request is signed on the token" ||
    fail "after a worker kill: $ok of 6 signed; $(tail -n 5 "$WORK/server.log")"

# The token goes away while the server runs, and comes back.
mv "$TOK" "$TOK.away"
got=""
for _ in 1 2 3 4; do got="$got $(ask good-sign.pem "")"; done
case "$got" in
*good*|*internalerror*|*unverified*) fail "token away: nonce answers were:$got" ;;
*) ok "token away: nonce requests get:$got" ;;
esac
[ "$(ask good-sign.pem -no_nonce)" = good ] &&
    ok "token away: the pre-signed answer is still served and verifies" ||
    fail "token away: no pre-signed answer"
h=$(curl -s -w ' %{http_code}' "$U/healthz")
case "$h" in
*signer*503) ok "token away: /healthz $h" ;;
*) fail "token away: /healthz $h" ;;
esac
mv "$TOK.away" "$TOK"
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$U/healthz")" = 200 ]; do
	i=$((i + 1)); [ $i -lt 50 ] || break
	sleep 0.1
done
[ $i -lt 50 ] && ok "token back: /healthz 200 again in about $((i / 10)) s without a request" ||
    fail "token back: /healthz $(curl -s "$U/healthz")"
got=""
for _ in 1 2 3 4; do got="$got $(ask good-sign.pem "")"; done
[ "$got" = " good good good good" ] && ok "token back: nonce requests signed again" ||
    fail "token back: nonce answers:$got"
grep -q "logged in to the token again" "$WORK/server.log" &&
    ok "the workers logged in again by themselves" || fail "no re-login in the log"

stop_server_clean 3000
finish
