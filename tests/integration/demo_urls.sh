#!/bin/sh
# SPDX-License-Identifier: ISC
# The demo as `make run` serves it (tools/run-demo.sh): every URL named in
# its certificates (AIA OCSP and caIssuers, CRL distribution point) and in its full CRL
# (freshestCRL) answers at once, on the port PORT= chose; a demo made for
# another port is made again; the commands it prints work as printed.
. "$(dirname "$0")/lib.sh"

RD_PID=""
run_demo() {	# run_demo PORT: tools/run-demo.sh in the background until ready
	DEMO_DIR="$WORK/demo" sh "$TOP/tools/run-demo.sh" "${BIN#"$TOP/"}" "$1" \
	    >"$WORK/run-$1.out" 2>&1 &
	RD_PID=$!
	i=0
	until curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 300 ] || { cat "$WORK/run-$1.out"; fail "run-demo on $1 not ready"; finish; }
		sleep 0.1
	done
}
stop_demo() { kill "$RD_PID" 2>/dev/null || true; wait "$RD_PID" 2>/dev/null || true; RD_PID=""; }
trap 'stop_demo; cleanup' EXIT INT TERM

# every URL a client would fetch, from every certificate and the full CRL
check_urls() {	# check_urls PORT
	p=$1; urls="$WORK/urls.txt"; : >"$urls"
	for c in "$WORK"/demo/certs/*.pem "$WORK"/demo/certs/extra/*.pem; do
		[ -e "$c" ] || continue
		openssl x509 -in "$c" -noout -ext authorityInfoAccess,crlDistributionPoints 2>/dev/null |
		    grep -o 'http://[^ ]*' >>"$urls" || true
	done
	sort -u -o "$urls" "$urls"
	n=$(wc -l <"$urls")
	[ "$n" -ge 2 ] || fail "only $n URLs in the certificates"
	other=$(grep -v "^http://127.0.0.1:$p/" "$urls" || true)
	[ -z "$other" ] && ok "all $n certificate URLs name port $p" || fail "URLs not on port $p: $other"
	while read -r u; do
		case "$u" in
		*.crl)
			code=$(curl -s -o "$WORK/c.der" -w '%{http_code}' "$u")
			if [ "$code" = 200 ] && openssl crl -inform DER -in "$WORK/c.der" \
			    -CAfile "$WORK/demo/issuer.pem" -noout 2>&1 | grep -q "verify OK"; then
				ok "$u: 200, a CRL that verifies"
			else
				fail "$u: $code"
			fi
			delta=$(openssl crl -inform DER -in "$WORK/c.der" -noout -text 2>/dev/null |
			    grep -o 'http://[^ ]*-delta.crl' | head -n 1)
			code=$(curl -s -o "$WORK/d.der" -w '%{http_code}' "$delta")
			[ "$code" = 200 ] && openssl crl -inform DER -in "$WORK/d.der" -noout -text |
			    grep -q "Delta CRL Indicator" && ok "freshestCRL $delta: 200, a delta CRL" ||
			    fail "freshestCRL $delta: $code"
			;;
		*/ocsp)
			(cd "$WORK/demo" && openssl ocsp -issuer issuer.pem -cert certs/good-sign.pem \
			    -url "$u" -CAfile issuer.pem 2>&1) | grep -q "good-sign.pem: good" &&
			    ok "$u: answers good-sign.pem: good" || fail "$u: no OCSP answer"
			;;
		*/ca/*.crt)
			code=$(curl -s -o "$WORK/ca.der" -w '%{http_code}' "$u")
			openssl x509 -in "$WORK/demo/issuer.pem" -outform DER -out "$WORK/issuer.der"
			[ "$code" = 200 ] && cmp -s "$WORK/ca.der" "$WORK/issuer.der" &&
			    ok "$u: 200, the demo's CA certificate" || fail "$u: $code"
			;;
		*) fail "unexpected URL $u" ;;
		esac
	done <"$urls"
}

P1=$(free_port)
run_demo "$P1"
check_urls "$P1"
# the commands run-demo.sh printed, run as printed from the repo root
awk '/^  openssl ocsp/ { on = 1 } on { print } /-resp_text$/ { exit }' \
    "$WORK/run-$P1.out" | tr -d '\\\n' >"$WORK/cmd.sh"
(cd "$TOP" && sh "$WORK/cmd.sh" 2>&1) | grep -q ": good" &&
    ok "the printed openssl ocsp command works as printed" ||
    { cat "$WORK/cmd.sh"; fail "printed command"; }
stop_demo

P2=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done
run_demo "$P2"
grep -q "made for another port" "$WORK/run-$P2.out" &&
    ok "PORT=$P2: the demo made for $P1 is made again" || fail "demo not remade for $P2"
check_urls "$P2"
stop_demo
finish
