#!/bin/sh
# SPDX-License-Identifier: ISC
# https: certstatusd with tls-listen, checked with openssl s_client, curl,
# openssl ocsp and Python's ssl.  TLS 1.3 and 1.2 handshakes, TLS 1.1 and
# 1.0, a cipher without ECDHE and AEAD and renegotiation refused by the
# server; over HTTPS the page (HSTS), the API, OCSP and
# CRLs; on plain HTTP the page redirects (301/308 to the HTTPS port), the
# API answers 403 JSON, OCSP still 200; a client that never finishes its
# handshake is closed within the deadline while an honest client is served,
# and counted; SIGHUP with a new certificate in the same files serves it
# (its serial) while a connection opened before keeps working; a bad key on
# SIGHUP keeps the old certificate (and counts); tls-client-ca asks for a
# client certificate without requiring one; both listeners share
# max-connections; with `user`, a reload reads the key as that user;
# certstatusd -n names a missing tls-key.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
T="$WORK/tls"
make_demo "$D"
mkdir -p "$T"

# ca NAME: a throwaway CA in $T/NAME.pem / .key
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/$1.key" -out "$T/$1.pem" -days 2 -subj "/CN=$1 test CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
		{ fail "cannot make CA $1"; finish; }
}
# leaf NAME CA SERIAL EXT: a key and certificate signed by CA
leaf() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$1" 2>/dev/null &&
	printf '%s\n' "$4" >"$T/$1.ext" &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/$2.pem" -CAkey "$T/$2.key" \
	    -set_serial "$3" -days 1 -extfile "$T/$1.ext" -out "$T/$1.pem" \
	    2>/dev/null || { fail "cannot make certificate $1"; finish; }
	chmod 600 "$T/$1.key"
}
SERVER_EXT='subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth'
ca tlsca
leaf server tlsca 0x1001 "$SERVER_EXT"
leaf server2 tlsca 0x2002 "$SERVER_EXT"
leaf wrong tlsca 0x3003 "$SERVER_EXT"
ca partyca
leaf party partyca 0x4004 'extendedKeyUsage=clientAuth'
# the served files: the certificate followed by its chain
cat "$T/server.pem" "$T/tlsca.pem" >"$T/cert.pem"
cp "$T/server.key" "$T/key.pem" && chmod 600 "$T/key.pem"

TPORT=$(free_port)
C="$D/certstatus.conf"
cat >>"$C" <<CONF
tls-listen 127.0.0.1:$TPORT
tls-cert $T/cert.pem
tls-key $T/key.pem
timeout 2s
counter-rate 100000
CONF

# certstatusd -n: the configuration is fine, then without its key it is not
out=$("$CERTSTATUSD" -n -c "$C" 2>&1) && [ "$out" = "configuration OK" ] &&
	ok "certstatusd -n: configuration OK with TLS" ||
	fail "certstatusd -n on a good TLS config: $out"
sed "s|^tls-key .*|tls-key $T/missing.key|" "$C" >"$D/nokey.conf"
if out=$("$CERTSTATUSD" -n -c "$D/nokey.conf" 2>&1); then
	fail "certstatusd -n accepts a missing tls-key: $out"
elif printf '%s\n' "$out" | grep -q "^certstatusd: tls-key: .*missing.key: No such file"; then
	ok "certstatusd -n: $(printf '%s\n' "$out" | grep tls-key)"
else
	fail "certstatusd -n does not name the missing tls-key: $out"
fi
sed "s|^tls-key .*|tls-key $T/wrong.key|" "$C" >"$D/wrongkey.conf"
out=$("$CERTSTATUSD" -n -c "$D/wrongkey.conf" 2>&1) ||
	printf '%s\n' "$out" | grep -q "tls-key .*wrong.key does not match tls-cert" &&
	ok "certstatusd -n: a key that does not match is named" ||
	fail "certstatusd -n on a mismatched tls-key: $out"

start_server "$C"
H="https://127.0.0.1:$TPORT"
P="http://127.0.0.1:$PORT"
# curl over HTTPS (tc) and plain HTTP (pc); a failure is its 000, not an exit
tc() { curl -s --max-time 10 --cacert "$T/tlsca.pem" "$@" || true; }
pc() { curl -s --max-time 10 "$@" || true; }

metric() {	# metric NAME: its value from /metrics (plain HTTP)
	curl -s --max-time 5 "$P/metrics" | awk -v n="$1" '$1 == n { print $2 }' || true
}
serial_served() {	# the serial of the certificate the server presents
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$TPORT" \
	    -CAfile "$T/tlsca.pem" 2>/dev/null | openssl x509 -noout -serial 2>/dev/null || true
}

echo "== protocol versions"
for v in tls1_3 tls1_2; do
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$TPORT" -$v \
	    -CAfile "$T/tlsca.pem" -verify_return_error >"$WORK/s.txt" 2>&1 || true
	# "New, TLSv1.3, Cipher is ..." (the session block may come too late)
	proto=$(sed -n 's/^New, \(TLSv1\.[0-9]\), Cipher is .*/\1/p' "$WORK/s.txt" | head -n 1)
	cipher=$(sed -n 's/^New, TLSv1\.[0-9], Cipher is //p' "$WORK/s.txt" | head -n 1)
	want=$(echo "$v" | sed 's/tls1_/TLSv1./')
	if [ "$proto" = "$want" ] && grep -q "Verify return code: 0 (ok)" "$WORK/s.txt"; then
		ok "s_client -$v: $proto, $cipher, verified"
	else
		fail "s_client -$v: protocol '$proto': $(tail -n 5 "$WORK/s.txt" | tr '\n' ' ')"
	fi
done
f0=$(metric certstatus_tls_handshake_failures_total)
for v in tls1_1 tls1; do
	# SECLEVEL=0 so that this client offers the old protocol: the refusal
	# must come from the server (a protocol_version alert)
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$TPORT" -$v \
	    -cipher 'DEFAULT:@SECLEVEL=0' >"$WORK/s.txt" 2>&1 || true
	if grep -q "alert protocol version" "$WORK/s.txt"; then
		ok "s_client -$v: the server refused (protocol_version alert)"
	else
		fail "s_client -$v not refused by the server: $(tail -n 5 "$WORK/s.txt" | tr '\n' ' ')"
	fi
done
echo | timeout 10 openssl s_client -connect "127.0.0.1:$TPORT" -tls1_2 \
    -cipher 'AES128-SHA256' >"$WORK/s.txt" 2>&1 || true
grep -q "alert handshake failure" "$WORK/s.txt" &&
	ok "TLS 1.2 with AES128-SHA256 (no ECDHE, no AEAD): the server refused" ||
	fail "AES128-SHA256 not refused by the server: $(tail -n 4 "$WORK/s.txt" | tr '\n' ' ')"
# s_client's R command asks for a TLS 1.2 renegotiation: refused
(sleep 0.5; echo R; sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:$TPORT" \
    -tls1_2 -CAfile "$T/tlsca.pem" >"$WORK/s.txt" 2>&1 || true
grep -q RENEGOTIATING "$WORK/s.txt" && grep -q ":no renegotiation:" "$WORK/s.txt" &&
	ok "TLS 1.2 renegotiation refused (no_renegotiation alert)" ||
	fail "renegotiation: $(tail -n 4 "$WORK/s.txt" | tr '\n' ' ')"
f1=$(metric certstatus_tls_handshake_failures_total)
[ "$f1" -ge $((f0 + 3)) ] &&
	ok "certstatus_tls_handshake_failures_total $f0 -> $f1" ||
	fail "handshake failures not counted: $f0 -> $f1"

echo "== over HTTPS"
code=$(tc -o "$WORK/page.html" -D "$WORK/h.txt" -w '%{http_code}' "$H/?lang=en")
if [ "$code" = 200 ] && grep -qi '^Strict-Transport-Security: max-age=31536000' "$WORK/h.txt" &&
    grep -q '<form' "$WORK/page.html"; then
	ok "GET / over HTTPS: 200 with HSTS"
else
	fail "GET / over HTTPS: $code, headers: $(tr '\r\n' '  ' <"$WORK/h.txt")"
fi
code=$(tc -o "$WORK/r.json" -D "$WORK/h.txt" -w '%{http_code}' \
    -H 'Content-Type: application/x-pem-file' \
    --data-binary "@$D/certs/good-sign.pem" "$H/api/v1/check?lang=en")
st=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("status"))' "$WORK/r.json" 2>/dev/null)
[ "$code" = 200 ] && [ "$st" = valid ] &&
    grep -qi '^Strict-Transport-Security:' "$WORK/h.txt" &&
	ok "POST /api/v1/check over HTTPS: 200, status valid, HSTS" ||
	fail "API over HTTPS: $code status $st"
if timeout 20 openssl ocsp -issuer "$D/issuer.pem" -CAfile "$D/issuer.pem" \
    -cert "$D/certs/good-sign.pem" -url "$H/ocsp" >"$WORK/o.txt" 2>&1 &&
    grep -q '^Response verify OK' "$WORK/o.txt" && grep -q ': good' "$WORK/o.txt"; then
	ok "openssl ocsp over HTTPS: verified, good"
else
	fail "OCSP over HTTPS: $(tr '\n' ' ' <"$WORK/o.txt")"
fi
code=$(tc -o "$WORK/crl.der" -w '%{http_code}' "$H/crl/inagi.crl")
[ "$code" = 200 ] && openssl crl -inform DER -in "$WORK/crl.der" \
    -CAfile "$D/issuer.pem" -noout 2>&1 | grep -q "verify OK" &&
	ok "CRL over HTTPS: 200, verifies" || fail "CRL over HTTPS: $code"
[ "$(tc -o /dev/null -w '%{http_code}' "$H/healthz")" = 200 ] &&
	ok "/healthz over HTTPS" || fail "/healthz over HTTPS"

echo "== plain HTTP"
code=$(pc -o /dev/null -D "$WORK/h.txt" -w '%{http_code}' "$P/check?lang=en")
loc=$(awk 'tolower($1) == "location:" { print $2 }' "$WORK/h.txt" | tr -d '\r')
[ "$code" = 301 ] && [ "$loc" = "https://127.0.0.1:$TPORT/check?lang=en" ] &&
	ok "GET /check on plain HTTP: 301 to $loc" ||
	fail "GET /check on plain HTTP: $code Location '$loc'"
grep -qi '^Strict-Transport-Security' "$WORK/h.txt" &&
	fail "HSTS sent on plain HTTP" || ok "no HSTS on plain HTTP"
code=$(pc -o /dev/null -D "$WORK/h.txt" -w '%{http_code}' -H 'Host: localhost:8080' "$P/")
loc=$(awk 'tolower($1) == "location:" { print $2 }' "$WORK/h.txt" | tr -d '\r')
[ "$code" = 301 ] && [ "$loc" = "https://localhost:$TPORT/" ] &&
	ok "Host localhost:8080: 301 to $loc" || fail "Host localhost: $code '$loc'"
code=$(pc -o /dev/null -D "$WORK/h.txt" -w '%{http_code}' -H 'Host: evil.example/x?' "$P/")
[ "$code" = 400 ] && ! grep -qi '^location' "$WORK/h.txt" &&
	ok "a Host header with bad characters: 400, not reflected" ||
	fail "bad Host header: $code $(tr '\r\n' '  ' <"$WORK/h.txt")"
code=$(pc -o /dev/null -D "$WORK/h.txt" -w '%{http_code}' \
    --data-urlencode "pem@$D/certs/good-sign.pem" "$P/check")
[ "$code" = 308 ] && grep -qi "^location: https://127.0.0.1:$TPORT/check" "$WORK/h.txt" &&
	ok "POST /check on plain HTTP: 308" || fail "POST /check on plain HTTP: $code"
# curl follows the 308 with the same POST, to HTTPS: the resident's answer
code=$(tc -L -o "$WORK/r.html" -w '%{http_code}' \
    --data-urlencode "pem@$D/certs/good-sign.pem" --data-urlencode lang=en "$P/check")
[ "$code" = 200 ] && grep -q "is valid until" "$WORK/r.html" &&
	ok "curl -L: the form reaches the answer over HTTPS" ||
	fail "following the 308: $code"
code=$(pc -o "$WORK/r.json" -w '%{http_code}' -H 'Content-Type: application/x-pem-file' \
    --data-binary "@$D/certs/good-sign.pem" "$P/api/v1/check")
e=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error"))' "$WORK/r.json" 2>/dev/null)
[ "$code" = 403 ] && [ "$e" = "https_required" ] &&
	ok "POST /api/v1/check on plain HTTP: 403 $(cat "$WORK/r.json")" ||
	fail "API on plain HTTP: $code $(cat "$WORK/r.json")"
if timeout 20 openssl ocsp -issuer "$D/issuer.pem" -CAfile "$D/issuer.pem" \
    -cert "$D/certs/good-sign.pem" -url "$P/ocsp" >"$WORK/o.txt" 2>&1 &&
    grep -q '^Response verify OK' "$WORK/o.txt"; then
	ok "openssl ocsp on plain HTTP still answered"
else
	fail "OCSP on plain HTTP: $(tr '\n' ' ' <"$WORK/o.txt")"
fi
[ "$(pc -o /dev/null -w '%{http_code}' "$P/crl/inagi.crl")" = 200 ] &&
	ok "CRL on plain HTTP still 200" || fail "CRL on plain HTTP"

echo "== framing over HTTPS"
$PY - "$TPORT" "$T/tlsca.pem" >"$WORK/frame.txt" 2>&1 <<'PY' || true
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))),
                    server_hostname="localhost")
s.sendall(b"POST /ocsp HTTP/1.1\r\nHost: localhost\r\n"
          b"Transfer-Encoding: gzip\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n")
s.settimeout(10)
data = b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
except (socket.timeout, ssl.SSLError, ConnectionResetError) as e:
    data += b"\n[" + str(e).encode() + b"]"
print(data.decode(errors="replace"))
PY
if head -n 1 "$WORK/frame.txt" | grep -q '^HTTP/1.1 400' &&
    grep -qi '^Strict-Transport-Security: max-age=31536000' "$WORK/frame.txt" &&
    [ "$(grep -c '^HTTP/1' "$WORK/frame.txt")" = 1 ]; then
	ok "Transfer-Encoding: gzip over HTTPS: 400 (with HSTS), the hidden request not run"
else
	fail "framing over HTTPS: $(cat "$WORK/frame.txt")"
fi

echo "== a handshake that never finishes"
t0=$(metric certstatus_tls_handshake_timeouts_total)
# three clients: one says nothing, one sends half a ClientHello, one
# trickles it a byte every half second (evhttp's timeout never fires: the
# sweep closes it); each reports how long until the server closed
$PY - "$TPORT" >"$WORK/stall.txt" 2>&1 <<'PY' &
import select, socket, sys, threading, time
port = int(sys.argv[1])
done = []          # list.append is atomic under the GIL
def stall(name, data, trickle=False):
    s = socket.create_connection(("127.0.0.1", port))
    t = time.monotonic()
    how = "closed"
    try:
        if trickle:
            # until the server shuts its side (it lingers a while after)
            for i in range(40):
                s.sendall(data[i:i + 1] or b"\0")
                if select.select([s], [], [], 0.5)[0] and not s.recv(4096):
                    break
            else:
                how = "still open"
        else:
            s.sendall(data)
        s.settimeout(20)
        while s.recv(4096):
            pass
    except socket.timeout:
        how = "still open"
    except (ConnectionResetError, BrokenPipeError):
        pass
    # kept, and printed after the join: three threads printing at once
    # interleave their lines
    done.append("%s %s %.1f" % (name, how, time.monotonic() - t))
# a TLS record header for a 512-byte handshake message, then 20 of them
half = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]) + bytes(20)
ts = [threading.Thread(target=stall, args=a) for a in
      (("silent", b""), ("half", half), ("trickle", half, True))]
for t in ts: t.start()
for t in ts: t.join()
print("\n".join(done), flush=True)
PY
STALL=$!
sleep 0.5
t1=$(date +%s%N)
code=$(tc -o /dev/null -w '%{http_code}' "$H/healthz")
ms=$(( ($(date +%s%N) - t1) / 1000000 ))
[ "$code" = 200 ] && [ $ms -lt 1000 ] &&
	ok "an honest client served in $ms ms while two handshakes stall" ||
	fail "honest client: $code in $ms ms"
wait $STALL || true
cat "$WORK/stall.txt"
# silent and half: evhttp's timeout (2 s).  trickle: every byte restarts
# that, so the sweep's deadline: 3 timeouts, compared in whole seconds and
# swept every second, so at most 8 s
for n in silent:4 half:4 trickle:9; do
	lim=${n#*:} n=${n%:*}
	line=$(grep "^$n " "$WORK/stall.txt" || true)
	secs=$(echo "$line" | awk '{ print $3 }')
	if echo "$line" | grep -q " closed " && [ "${secs%.*}" -lt "$lim" ]; then
		ok "$n handshake closed after ${secs} s (limit $lim s)"
	else
		fail "$n handshake: $line"
	fi
done
t2=$(metric certstatus_tls_handshake_timeouts_total)
[ "$t2" -ge $((t0 + 3)) ] &&
	ok "certstatus_tls_handshake_timeouts_total $t0 -> $t2" ||
	fail "stalled handshakes not counted: $t0 -> $t2"

echo "== SIGHUP with a new certificate"
s1=$(serial_served)
[ "$s1" = "serial=1001" ] && ok "served: $s1" || fail "served serial '$s1', want 1001"
# a keep-alive connection opened before the reload, used after it
mkfifo "$WORK/go"
$PY - "$TPORT" "$T/tlsca.pem" "$WORK/go" >"$WORK/keep.txt" 2>&1 <<'PY' &
import http.client, ssl, sys
port, ca, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
def get():
    c.request("GET", "/healthz")
    r = c.getresponse()
    r.read()
    return r.status
s = get()
serial = "%X" % int(c.sock.getpeercert()["serialNumber"], 16)
print("before", s, serial, flush=True)
open(go).read()		# the test reloads meanwhile
sock = c.sock
s = get()
print("after", s, "same-connection" if c.sock is sock else "new-connection", flush=True)
PY
KEEP_PID=$!
i=0
while ! grep -q '^before' "$WORK/keep.txt" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
cat "$T/server2.pem" "$T/tlsca.pem" >"$T/cert.pem"
cp "$T/server2.key" "$T/key.pem"
kill -HUP "$SERVER_PID"
i=0
while ! grep -q 'TLS certificate and key loaded' "$WORK/server.log" && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
echo go >"$WORK/go"
wait $KEEP_PID || true
cat "$WORK/keep.txt"
s2=$(serial_served)
[ "$s2" = "serial=2002" ] && ok "after SIGHUP served: $s2" ||
	fail "after SIGHUP served '$s2', want 2002: $(tail -n 5 "$WORK/server.log")"
grep -q '^before 200 1001' "$WORK/keep.txt" && grep -q '^after 200 same-connection' "$WORK/keep.txt" &&
	ok "a connection opened before the reload still answers after it" ||
	fail "keep-alive connection across the reload: $(cat "$WORK/keep.txt")"

echo "== SIGHUP with a key that does not match"
r0=$(metric certstatus_tls_reload_failures_total)
cp "$T/wrong.key" "$T/key.pem"
kill -HUP "$SERVER_PID"
i=0
while ! grep -q 'keeping the running TLS certificate' "$WORK/server.log" && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
grep 'keeping the running TLS certificate' "$WORK/server.log" | tail -n 1
s3=$(serial_served)
[ "$s3" = "serial=2002" ] && ok "bad key on SIGHUP: still serving $s3" ||
	fail "bad key on SIGHUP: served '$s3'"
r1=$(metric certstatus_tls_reload_failures_total)
[ "$r1" = $((r0 + 1)) ] && ok "certstatus_tls_reload_failures_total $r0 -> $r1" ||
	fail "reload failure not counted: $r0 -> $r1"
[ "$(tc -o /dev/null -w '%{http_code}' "$H/healthz")" = 200 ] &&
	ok "HTTPS still answers" || fail "HTTPS down after a bad reload"

echo "== tls-client-ca: asked for, not required"
cp "$T/server2.key" "$T/key.pem"
echo "tls-client-ca $T/partyca.pem" >>"$C"
kill -HUP "$SERVER_PID"
i=0
while [ "$(grep -c 'TLS certificate and key loaded' "$WORK/server.log")" -lt 2 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
echo | timeout 10 openssl s_client -connect "127.0.0.1:$TPORT" \
    -CAfile "$T/tlsca.pem" >"$WORK/s.txt" 2>&1 || true
grep -A1 "Acceptable client certificate CA names" "$WORK/s.txt" | grep -q "partyca test CA" &&
	ok "the server names tls-client-ca's CA to clients" ||
	fail "no client CA names: $(grep -i -A2 'client certificate' "$WORK/s.txt" | tr '\n' ' ')"
code=$(tc -o /dev/null -w '%{http_code}' "$H/?lang=en")
[ "$code" = 200 ] && ok "without a client certificate: the page, 200" ||
	fail "without a client certificate: $code"
code=$(tc --cert "$T/party.pem" --key "$T/party.key" -o /dev/null -w '%{http_code}' "$H/healthz")
[ "$code" = 200 ] && ok "with a client certificate: 200" ||
	fail "with a client certificate: $code"
[ "$(pc -o /dev/null -w '%{http_code}' "$P/healthz")" = 200 ] &&
	ok "plain HTTP still answers" || fail "plain HTTP down"

echo "== one max-connections for both listeners"
# at the cap both listeners stop accepting: plain connections hold the
# HTTPS port's handshake off until one of them closes
echo "max-connections 3" >>"$C"
n0=$(grep -c '^.*reloaded:' "$WORK/server.log")
kill -HUP "$SERVER_PID"
i=0
while [ "$(grep -c '^.*reloaded:' "$WORK/server.log")" -le "$n0" ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
$PY - "$PORT" "$TPORT" "$T/tlsca.pem" >"$WORK/cap.txt" 2>&1 <<'PY' || true
import socket, ssl, sys, time
port, tport, ca = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
def handshake():
    s = socket.create_connection(("127.0.0.1", tport))
    s.settimeout(1)
    try:
        t = ctx.wrap_socket(s, server_hostname="localhost")
        t.close()
        return "done"
    except (socket.timeout, ssl.SSLError, OSError):
        s.close()
        return "none"
plain = [socket.create_connection(("127.0.0.1", port)) for i in range(3)]
time.sleep(0.2)		# the server's idle timeout is 2 s: be quick
print("at-cap", handshake(), flush=True)
plain.pop().close()
time.sleep(0.2)
print("below", handshake(), flush=True)
PY
cat "$WORK/cap.txt"
grep -q '^at-cap none' "$WORK/cap.txt" && grep -q '^below done' "$WORK/cap.txt" &&
	ok "3 plain connections at max-connections 3 hold HTTPS off; one fewer lets it in" ||
	fail "max-connections across both listeners: $(cat "$WORK/cap.txt")"

stop_server_clean 5000

echo "== with user: SIGHUP reads the TLS key as that user"
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: needs root to drop privileges"
	finish
	exit 0
fi
# as README's Deploy says: the service user reaches the folders and owns
# its signer key (a reload reads it too); the TLS key stays root's for now
chmod 755 "$WORK"
chmod 711 "$D/keys"
chown nobody "$D"/keys/*ocsp*.key
sed -i '/^max-connections 3$/d' "$C"
echo "user nobody" >>"$C"
start_server "$C"
P="http://127.0.0.1:$PORT"
s4=$(serial_served)
[ "$s4" = "serial=2002" ] && ok "started as root with a root-only TLS key: $s4" ||
	fail "start with user nobody: served '$s4'"
reload_wait() {	# reload_wait PATTERN: SIGHUP, wait for one more PATTERN line
	n0=$(grep -c "$1" "$WORK/server.log" || true)
	kill -HUP "$SERVER_PID"
	i=0
	while [ "$(grep -c "$1" "$WORK/server.log" || true)" -le "$n0" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
reload_wait 'reloaded:'
grep -q "keeping the running TLS certificate: tls-key: .*key.pem: Permission denied" "$WORK/server.log" &&
	ok "SIGHUP as nobody with a root-only key: $(grep 'keeping the running TLS' "$WORK/server.log" | tail -n 1 | sed 's/.*certstatusd: //')" ||
	fail "root-only TLS key on SIGHUP as nobody: $(tail -n 4 "$WORK/server.log")"
[ "$(metric certstatus_tls_reload_failures_total)" = 1 ] &&
	ok "counted in certstatus_tls_reload_failures_total" || fail "not counted"
chown nobody "$T/key.pem"
reload_wait 'TLS certificate and key loaded'
grep -q 'TLS certificate and key loaded' "$WORK/server.log" &&
	[ "$(tc -o /dev/null -w '%{http_code}' "$H/healthz")" = 200 ] &&
	ok "with the key owned by nobody (mode 600) the reload takes" ||
	fail "reload with the key owned by nobody: $(tail -n 4 "$WORK/server.log")"
stop_server_clean 5000
finish
