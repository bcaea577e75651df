#!/bin/sh
# SPDX-License-Identifier: ISC
# ocsp_errors: what goes wrong, and how the server says so.  Garbage ->
# malformedRequest; oversized body -> 413; PUT/DELETE -> 405; never-issued
# serial -> unknown, and after a SIGHUP reload with `unknown-serial revoked`
# -> revoked, certificateHold, 1970-01-01 with the extended-revoke extension;
# registry replaced by garbage -> internalError and /healthz 503, then back;
# -n config check; a bad config at SIGHUP keeps serving and says why; /metrics
# is valid Prometheus text with the promised metrics; SIGTERM exits 0 soon.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D"
CONF="$D/certstatus.conf"
start_server "$CONF"
BASE="http://127.0.0.1:$PORT"

hex() { od -An -tx1 "$1" | tr -d ' \n'; }
MALFORMED=30030a0101
INTERNAL=30030a0102

# --- config check -----------------------------------------------------------
out=$("$CERTSTATUSD" -n -c "$CONF" 2>&1) && [ "$out" = "configuration OK" ] &&
    ok "-n: configuration OK" || fail "-n on a good config: $out"
cp "$CONF" "$WORK/bad.conf"
printf 'ocsp-validity banana\n' >>"$WORK/bad.conf"
badline=$(wc -l <"$WORK/bad.conf")
if out=$("$CERTSTATUSD" -n -c "$WORK/bad.conf" 2>&1); then
	fail "-n on a bad config exited 0: $out"
else
	case "$out" in
	"$WORK/bad.conf:$badline: ocsp-validity"*) ok "-n bad config: $out" ;;
	*) fail "-n bad config: '$out', want $WORK/bad.conf:$badline: ocsp-validity..." ;;
	esac
fi

# --- garbage, sizes, methods ------------------------------------------------
head -c 300 /dev/urandom >"$WORK/garbage"
head -c 4000 "$TOP/README.md" >"$WORK/text"	# text, well under max-body
for body in "$WORK/garbage" "$WORK/text"; do
	c=$(curl -s --max-time 20 -o "$WORK/r" -w '%{http_code}' \
	    -H 'Content-Type: application/ocsp-request' --data-binary @"$body" "$BASE/ocsp")
	[ "$c" = 200 ] && [ "$(hex "$WORK/r")" = $MALFORMED ] &&
	    ok "POST $(basename "$body"): malformedRequest" ||
	    fail "POST $(basename "$body"): HTTP $c $(hex "$WORK/r" | cut -c1-40)"
done
c=$(curl -s --max-time 20 -o "$WORK/r" -w '%{http_code}' -X POST "$BASE/ocsp")
[ "$c" = 200 ] && [ "$(hex "$WORK/r")" = $MALFORMED ] &&
    ok "POST empty body: malformedRequest" || fail "POST empty: HTTP $c"
head -c 40000 /dev/zero | tr '\0' 'A' >"$WORK/big"
c=$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/ocsp-request' --data-binary @"$WORK/big" "$BASE/ocsp")
[ "$c" = 413 ] && ok "POST 40000 bytes (max-body 16k): 413" || fail "oversized POST: HTTP $c"
for m in PUT DELETE PATCH; do
	c=$(curl -s --max-time 20 -o /dev/null -D "$WORK/h" -w '%{http_code}' -X $m \
	    --data-binary @"$WORK/garbage" "$BASE/ocsp")
	[ "$c" = 405 ] && grep -qi '^Allow:' "$WORK/h" && ok "$m /ocsp: 405 with Allow" ||
	    fail "$m /ocsp: HTTP $c"
done

# --- never-issued serials ---------------------------------------------------
never=$(awk -F'\t' '$3 == "unknown" { print $1; exit }' "$D/certs/index.tsv")
ask_never() {
	openssl ocsp -issuer "$D/issuer.pem" $1 -cert "$D/certs/$never" \
	    -serial 0x0123456789ABCDEF -CAfile "$D/issuer.pem" \
	    -url "$BASE/ocsp" -resp_text >"$WORK/never.txt" 2>&1 || true
}
ask_never ""
[ "$(grep -c '^[^ 	].*: unknown$' "$WORK/never.txt")" = 2 ] &&
    ok "never-issued serials: unknown" ||
    fail "never-issued: $(tr '\n' ' ' <"$WORK/never.txt")"

# --- SIGHUP: bad config keeps serving, good config applies -----------------
cp "$CONF" "$WORK/conf.good"
printf 'frobnicate yes\n' >>"$CONF"
kill -HUP "$SERVER_PID"
i=0
while [ $i -lt 100 ] && ! grep -q 'reload refused' "$WORK/server.log"; do
	sleep 0.05; i=$((i + 1))
done
if grep -q 'reload refused.*frobnicate' "$WORK/server.log" &&
    kill -0 "$SERVER_PID" && curl -fs --max-time 5 "$BASE/healthz" >/dev/null; then
	ok "SIGHUP with a bad config: kept serving; log: $(grep 'reload refused' "$WORK/server.log" | tail -n 1)"
else
	fail "SIGHUP with a bad config: $(tail -n 3 "$WORK/server.log" | tr '\n' ' ')"
fi
cp "$WORK/conf.good" "$CONF"
printf 'unknown-serial revoked\n' >>"$CONF"
kill -HUP "$SERVER_PID"
i=0
while [ $i -lt 100 ] && ! grep -q 'reloaded' "$WORK/server.log"; do
	sleep 0.05; i=$((i + 1))
done
grep -q reloaded "$WORK/server.log" && ok "SIGHUP: reloaded" || fail "SIGHUP: no 'reloaded' in the log"
for n in "" -no_nonce; do
	ask_never "$n"
	if grep -q 'Response verify OK' "$WORK/never.txt" &&
	    [ "$(grep -c '^[^ 	].*: revoked$' "$WORK/never.txt")" = 2 ] &&
	    [ "$(grep -c '	Reason: certificateHold' "$WORK/never.txt")" = 2 ] &&
	    [ "$(grep -c '	Revocation Time: Jan  1 00:00:00 1970 GMT' "$WORK/never.txt")" = 2 ] &&
	    sed -n '/Response Extensions:/,/Signature Algorithm/p' "$WORK/never.txt" |
	    grep -q '^ *valid:'; then
		# OpenSSL names id-pkix-ocsp 9 (RFC 6960 extended revoke) "valid"
		ok "unknown-serial revoked ${n:-nonce}: revoked, certificateHold, 1970-01-01, extended revoke"
	else
		fail "unknown-serial revoked ${n:-nonce}: $(tr '\n' ' ' <"$WORK/never.txt")"
	fi
done
# an issued good certificate is still good after the reload
openssl ocsp -issuer "$D/issuer.pem" -cert "$D/certs/good-sign.pem" -CAfile "$D/issuer.pem" \
    -url "$BASE/ocsp" >"$WORK/o" 2>&1 || true
grep -q 'good-sign.pem: good' "$WORK/o" && ok "after reload: good-sign still good" ||
    fail "after reload: $(tr '\n' ' ' <"$WORK/o")"

# --- registry replaced by garbage, then restored ---------------------------
openssl ocsp -issuer "$D/issuer.pem" -cert "$D/certs/good-sign.pem" -no_nonce \
    -reqout "$WORK/req.der" >/dev/null 2>&1
mv "$D/certstatus.db" "$WORK/registry.saved"
head -c 8192 /dev/urandom >"$D/certstatus.db"
i=0 hc=""
while [ $i -lt 100 ]; do
	hc=$(curl -s --max-time 5 -o "$WORK/hz" -w '%{http_code}' "$BASE/healthz")
	[ "$hc" = 503 ] && break
	sleep 0.05; i=$((i + 1))
done
[ "$hc" = 503 ] && ok "registry garbage: /healthz 503 ($(cat "$WORK/hz"))" ||
    fail "registry garbage: /healthz $hc"
for n in "" -no_nonce; do
	if [ -n "$n" ]; then
		cp "$WORK/req.der" "$WORK/q.der"
	else
		openssl ocsp -issuer "$D/issuer.pem" -cert "$D/certs/good-sign.pem" \
		    -reqout "$WORK/q.der" >/dev/null 2>&1
	fi
	c=$(curl -s --max-time 20 -o "$WORK/r" -w '%{http_code}' \
	    -H 'Content-Type: application/ocsp-request' --data-binary @"$WORK/q.der" "$BASE/ocsp")
	[ "$c" = 200 ] && [ "$(hex "$WORK/r")" = $INTERNAL ] &&
	    ok "registry garbage, POST ${n:-nonce}: internalError" ||
	    fail "registry garbage, POST ${n:-nonce}: HTTP $c $(hex "$WORK/r" | cut -c1-40)"
done
grep -q 'certstatus_healthy 0' "$(curl -s --max-time 5 -o "$WORK/m" "$BASE/metrics"; echo "$WORK/m")" &&
    ok "registry garbage: certstatus_healthy 0" || fail "registry garbage: metrics say healthy"
mv "$WORK/registry.saved" "$D/certstatus.db"
i=0
while [ $i -lt 100 ]; do
	hc=$(curl -s --max-time 5 -o "$WORK/hz" -w '%{http_code}' "$BASE/healthz")
	[ "$hc" = 200 ] && break
	sleep 0.05; i=$((i + 1))
done
[ "$hc" = 200 ] && ok "registry restored: /healthz 200" || fail "registry restored: /healthz $hc $(cat "$WORK/hz")"
openssl ocsp -issuer "$D/issuer.pem" -cert "$D/certs/good-sign.pem" -CAfile "$D/issuer.pem" \
    -url "$BASE/ocsp" >"$WORK/o" 2>&1 || true
grep -q 'good-sign.pem: good' "$WORK/o" && ok "registry restored: answers again" ||
    fail "registry restored: $(tr '\n' ' ' <"$WORK/o")"

# --- /metrics ---------------------------------------------------------------
curl -s --max-time 5 -D "$WORK/mh" -o "$WORK/m" "$BASE/metrics"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$WORK/mh" &&
    ok "/metrics Content-Type text/plain; version=0.0.4" || fail "/metrics Content-Type"
badm=$(grep -v '^#' "$WORK/m" | grep -Ev \
    '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$' || true)
[ -z "$badm" ] && ok "/metrics: every sample line is 'name{labels} value'" ||
    fail "/metrics bad lines: $badm"
# every sample belongs to a declared TYPE (histograms: _bucket/_sum/_count)
untyped=$(awk '
	/^# TYPE / { t[$3] = 1; next }
	/^#/ { next }
	{ n = $1; sub(/\{.*/, "", n); b = n; sub(/_(bucket|sum|count)$/, "", b)
	  if (!(n in t) && !(b in t)) print n }' "$WORK/m" | sort -u)
[ -z "$untyped" ] && ok "/metrics: every sample has a # TYPE" || fail "/metrics without TYPE: $untyped"
for want in 'certstatus_requests_total{endpoint="ocsp_post"}' \
    'certstatus_requests_total{endpoint="ocsp_get"}' \
    'certstatus_ocsp_responses_total{status="successful"}' \
    'certstatus_ocsp_responses_total{status="malformedRequest"}' \
    'certstatus_ocsp_responses_total{status="internalError"}' \
    'certstatus_cache_lookups_total{result="hit_memory"}' \
    'certstatus_signing_seconds_bucket{le="+Inf"}' certstatus_signing_seconds_count \
    certstatus_presigned_oldest_age_seconds \
    'certstatus_cert_expiry_seconds{issuer=' certstatus_healthy; do
	grep -qF "$want" "$WORK/m" && ok "/metrics has $want" || fail "/metrics lacks $want"
done
posts=$(sed -n 's/^certstatus_requests_total{endpoint="ocsp_post"} //p' "$WORK/m")
[ "${posts:-0}" -ge 10 ] && ok "ocsp_post requests counted: $posts" || fail "ocsp_post count $posts"
mal=$(sed -n 's/^certstatus_ocsp_responses_total{status="malformedRequest"} //p' "$WORK/m")
[ "${mal:-0}" -ge 3 ] && ok "malformedRequest answers counted: $mal" || fail "malformedRequest count $mal"

# --- SIGTERM ----------------------------------------------------------------
stop_server_clean 3000
sleep 0.2
if pgrep -f "certstatusd -c $CONF" >/dev/null; then
	fail "signer workers left running after SIGTERM"
else
	ok "no certstatusd process left"
fi

finish
