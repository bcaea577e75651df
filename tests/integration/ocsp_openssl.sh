#!/bin/sh
# SPDX-License-Identifier: ISC
# ocsp_openssl: every line of the demo's certs/index.tsv asked with
# `openssl ocsp` over POST: with and without nonce, SHA-1 and SHA-256
# CertIDs, one certificate per request and all of them in one request
# (by file and by serial).  Status and reason must match the file, the
# response must verify against issuer.pem, the nonce must come back (openssl
# checks it and warns otherwise).  A certificate of another CA gets
# "unauthorized".
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D"
start_server "$D/certstatus.conf"
URL="http://127.0.0.1:$PORT/ocsp"

# ask LABEL ARGS...: run openssl ocsp, output in $WORK/out
ask() {
	label=$1
	shift
	if ! timeout 20 openssl ocsp -issuer "$D/issuer.pem" -CAfile "$D/issuer.pem" \
	    -url "$URL" "$@" >"$WORK/out" 2>&1; then
		fail "$label: openssl ocsp exited non-zero: $(tr '\n' ' ' <"$WORK/out")"
		return 1
	fi
	if ! grep -q '^Response verify OK' "$WORK/out"; then
		fail "$label: no 'Response verify OK': $(tr '\n' ' ' <"$WORK/out")"
		return 1
	fi
	if grep -qi 'warning\|error' "$WORK/out"; then
		fail "$label: openssl complained: $(tr '\n' ' ' <"$WORK/out")"
		return 1
	fi
	return 0
}

# check LABEL NAME STATUS REASON: NAME's lines in $WORK/out match
check() {
	label=$1 name=$2 want=$3 reason=$4
	got=$(awk -v n="$name:" '$1 == n { print $2; exit }' "$WORK/out")
	gotr=$(awk -v n="$name:" '
		$1 == n { on = 1; next }
		on && /^[^ \t]/ { exit }
		on && $1 == "Reason:" { print $2; exit }' "$WORK/out")
	[ -n "$gotr" ] || gotr=-
	if [ "$got" != "$want" ] || [ "$gotr" != "$reason" ]; then
		fail "$label: $name: got $got/$gotr, want $want/$reason"
		return 1
	fi
	return 0
}

lines=0
all_files=""
all_serials=""
while IFS='	' read -r file serial want reason; do
	lines=$((lines + 1))
	for nonce in "" -no_nonce; do
		for dg in "" -sha256; do
			label="$file ${nonce:-nonce} ${dg:-sha1}"
			ask "$label" $nonce $dg -cert "$D/certs/$file" &&
			    check "$label" "$D/certs/$file" "$want" "$reason" &&
			    ok "$label: $want $reason"
		done
	done
	all_files="$all_files -cert $D/certs/$file"
	all_serials="$all_serials -serial 0x$serial"
done <"$D/certs/index.tsv"
[ "$lines" -ge 15 ] || fail "index.tsv has only $lines lines"

# Several certificates in one request: by file, then by serial, both digests.
for dg in "" -sha256; do
	label="all $lines certificates in one request ${dg:-sha1}"
	if ask "$label" $dg $all_files; then
		bad=0
		while IFS='	' read -r file serial want reason; do
			check "$label" "$D/certs/$file" "$want" "$reason" || bad=1
		done <"$D/certs/index.tsv"
		[ $bad -eq 0 ] && ok "$label"
	fi
	label="all $lines serials in one request, no nonce ${dg:-sha1}"
	if ask "$label" -no_nonce $dg $all_serials; then
		bad=0
		while IFS='	' read -r file serial want reason; do
			check "$label" "0x$serial" "$want" "$reason" || bad=1
		done <"$D/certs/index.tsv"
		[ $bad -eq 0 ] && ok "$label"
	fi
done

# A certificate of another CA: unauthorized.
make_demo "$WORK/other"
for nonce in "" -no_nonce; do
	timeout 20 openssl ocsp -issuer "$WORK/other/issuer.pem" $nonce \
	    -cert "$WORK/other/certs/good-sign.pem" -url "$URL" >"$WORK/out" 2>&1 || true
	if grep -q 'Responder Error: unauthorized (6)' "$WORK/out"; then
		ok "other CA ${nonce:-nonce}: unauthorized"
	else
		fail "other CA ${nonce:-nonce}: $(tr '\n' ' ' <"$WORK/out")"
	fi
done
# Mixed: one of ours and one of theirs in one request: ours answered, theirs
# unknown.  -noverify: OpenSSL accepts a delegated signer only when every
# CertID in the response names the same issuer (ocsp_vfy.c ocsp_check_ids).
timeout 20 openssl ocsp -issuer "$D/issuer.pem" -cert "$D/certs/good-sign.pem" \
    -issuer "$WORK/other/issuer.pem" -cert "$WORK/other/certs/good-sign.pem" \
    -noverify -url "$URL" >"$WORK/out" 2>&1 || true
if grep -q '^Response Verify Failure\|rror' "$WORK/out"; then
	fail "mixed request: $(tr '\n' ' ' <"$WORK/out")"
elif
    check "mixed" "$D/certs/good-sign.pem" good - &&
    check "mixed" "$WORK/other/certs/good-sign.pem" unknown -; then
	ok "ours and another CA's in one request: good and unknown"
else
	fail "mixed request: $(tr '\n' ' ' <"$WORK/out")"
fi


stop_server_clean

finish
