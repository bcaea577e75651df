#!/bin/sh
# SPDX-License-Identifier: ISC
# nginx_cache: config/nginx-cache.conf in front of certstatusd (addresses
# rewritten to free ports, nothing else changed).  Repeated GETs are HITs
# answered by nginx alone (the server's request counter stays put); POST
# passes through uncached; after `certctl revoke` the cached good answer
# stays until its max-age passes, then nginx shows revoked.  The server runs
# with ocsp-validity 4s / ocsp-refresh 2s to keep this short, which also
# checks that pre-signed answers stay fresh (/healthz) over several
# validity periods, SHA-256 CertIDs included.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D"
CONF="$D/certstatus.conf"
printf 'ocsp-validity 4s\nocsp-refresh 2s\n' >>"$CONF"
start_server "$CONF"

start_nginx

get() {	# get BASE PATH OUT: headers (no CR) in OUT.h
	curl -s --path-as-is --max-time 10 -D "$3.h.raw" -o "$3" "$1$2" || true
	tr -d '\r' <"$3.h.raw" >"$3.h"
}
hdr() { sed -n "s/^$2: //Ip" "$1.h" | head -n 1; }
code() { sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$1.h"; }
gets() {	# the server's own count of OCSP GET requests
	curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" |
	    sed -n 's/^certstatus_requests_total{endpoint="ocsp_get"} //p'
}
status() {	# status RESPONSE CERT: good/revoked/... as openssl sees it
	openssl ocsp -respin "$1" -issuer "$D/issuer.pem" -cert "$2" -no_nonce \
	    -CAfile "$D/issuer.pem" 2>/dev/null | sed -n "s|^$2: ||p" || true
}

CERT="$D/certs/good-sign.pem"
SERIAL=$(awk -F'\t' '$1 == "good-sign.pem" { print $2 }' "$D/certs/index.tsv")
openssl ocsp -issuer "$D/issuer.pem" -cert "$CERT" -no_nonce -reqout "$WORK/req.der" >/dev/null 2>&1
P="/$(base64 -w0 "$WORK/req.der" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')"

# --- repeated GETs: one miss, then hits; the server sees one request -------
get "$NB" "$P" "$WORK/g0"
st0=$(hdr "$WORK/g0" X-Cache-Status)
[ "$(code "$WORK/g0")" = 200 ] && [ "$(status "$WORK/g0" "$CERT")" = good ] &&
    ok "first GET via nginx: good, X-Cache-Status $st0, $(hdr "$WORK/g0" Cache-Control)" ||
    fail "first GET via nginx: HTTP $(code "$WORK/g0") $st0 $(status "$WORK/g0" "$CERT")"
n0=$(gets)
hits=0
for i in 1 2 3 4 5; do
	get "$NB" "$P" "$WORK/g$i"
	[ "$(hdr "$WORK/g$i" X-Cache-Status)" = HIT ] && cmp -s "$WORK/g0" "$WORK/g$i" &&
	    hits=$((hits + 1))
done
n1=$(gets)
[ $hits -eq 5 ] && ok "5 repeated GETs: 5 HITs, same bytes" || fail "repeated GETs: $hits HITs of 5"
[ "$n0" = "$n1" ] && ok "server's ocsp_get counter unchanged ($n0)" ||
    fail "server's ocsp_get counter moved: $n0 -> $n1"
# nginx answers a conditional GET from the cache too
get "$NB" "$P" "$WORK/c" -H "If-None-Match: $(hdr "$WORK/g0" ETag)"
et=$(hdr "$WORK/g0" ETag)
code304=$(curl -s --path-as-is --max-time 10 -o /dev/null -w '%{http_code}' -H "If-None-Match: $et" "$NB$P")
[ "$code304" = 304 ] && ok "If-None-Match via nginx: 304" || fail "If-None-Match via nginx: $code304"

# --- POST passes through, not cached ---------------------------------------
p0=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | sed -n 's/^certstatus_requests_total{endpoint="ocsp_post"} //p')
for i in 1 2; do
	curl -s --max-time 10 -D "$WORK/p.h.raw" -o "$WORK/p" -H 'Content-Type: application/ocsp-request' \
	    --data-binary @"$WORK/req.der" "$NB/ocsp" || true
	tr -d '\r' <"$WORK/p.h.raw" >"$WORK/p.h"
done
p1=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | sed -n 's/^certstatus_requests_total{endpoint="ocsp_post"} //p')
pst=$(hdr "$WORK/p" X-Cache-Status)
if [ "$(status "$WORK/p" "$CERT")" = good ] && [ "$pst" != HIT ] && [ $((p1 - p0)) -eq 2 ]; then
	ok "POST via nginx: passed through (server counted 2), X-Cache-Status '${pst}'"
else
	fail "POST via nginx: status $(status "$WORK/p" "$CERT"), X-Cache-Status '$pst', server counted $((p1 - p0))"
fi

# --- revocation: cached good until max-age passes, then revoked -------------
# Fetch a fresh copy into nginx's cache, note when and for how long.
i=0
while [ "$(hdr "$WORK/g0" X-Cache-Status)" = HIT ] && [ $i -lt 100 ]; do
	sleep 0.1
	get "$NB" "$P" "$WORK/g0"
	i=$((i + 1))
done
t_fetch=$(date +%s%N)
maxage=$(hdr "$WORK/g0" Cache-Control | sed -n 's/.*max-age=\([0-9]*\).*/\1/p')
[ -n "$maxage" ] && [ "$maxage" -le 4 ] && ok "fresh copy cached ($(hdr "$WORK/g0" X-Cache-Status)), max-age $maxage" ||
    fail "max-age '$maxage' with ocsp-validity 4s"
[ "$(status "$WORK/g0" "$CERT")" = good ] || fail "fresh copy not good"
"$CERTCTL" -c "$CONF" revoke "$SERIAL" --reason keyCompromise >"$WORK/revoke.out" 2>&1 ||
    fail "certctl revoke: $(cat "$WORK/revoke.out")"
t_rev=$(date +%s%N)
# the server itself says revoked at once
openssl ocsp -issuer "$D/issuer.pem" -cert "$CERT" -CAfile "$D/issuer.pem" \
    -url "http://127.0.0.1:$PORT/ocsp" >"$WORK/direct" 2>&1 || true
i=0
while ! grep -q ': revoked' "$WORK/direct" && [ $i -lt 40 ]; do
	sleep 0.05; i=$((i + 1))
	openssl ocsp -issuer "$D/issuer.pem" -cert "$CERT" -CAfile "$D/issuer.pem" \
	    -url "http://127.0.0.1:$PORT/ocsp" >"$WORK/direct" 2>&1 || true
done
grep -q ': revoked' "$WORK/direct" && ok "server direct: revoked" || fail "server direct: $(cat "$WORK/direct")"
stale_good=0 seen_rev=""
limit_ns=$(( t_fetch + (maxage + 3) * 1000000000 ))
while [ "$(date +%s%N)" -lt "$limit_ns" ]; do
	get "$NB" "$P" "$WORK/n"
	now=$(date +%s%N)
	s=$(status "$WORK/n" "$CERT")
	if [ "$s" = revoked ]; then
		seen_rev=$(( (now - t_fetch) / 1000000 ))
		break
	fi
	if [ "$s" = good ] && [ "$(hdr "$WORK/n" X-Cache-Status)" = HIT ]; then
		stale_good=$((stale_good + 1))
	fi
	# still good while within max-age: that is the cache doing its job;
	# good after max-age (plus a second of clock rounding) would be a bug
	if [ "$s" = good ] && [ $(( now - t_fetch )) -gt $(( (maxage + 1) * 1000000000 )) ]; then
		fail "nginx still serves good $(( (now - t_fetch) / 1000000 )) ms after caching (max-age $maxage)"
		break
	fi
	sleep 0.1
done
if [ -n "$seen_rev" ]; then
	ok "via nginx: good (cached, $stale_good HITs after the revocation) until max-age, revoked ${seen_rev} ms after caching, $(( ($(date +%s%N) - t_rev) / 1000000 )) ms after certctl revoke (max-age $maxage s)"
else
	fail "via nginx: never revoked"
fi
[ $stale_good -ge 1 ] || echo "note: the cached copy expired before the first poll"

# --- freshness over several validity periods ------------------------------
# A SHA-256 CertID asked once (stored), then 3 validity periods: /healthz
# must stay 200 (pre-signed answers re-signed before nextUpdate).
openssl ocsp -issuer "$D/issuer.pem" -sha256 -cert "$D/certs/good-auth.pem" -no_nonce \
    -reqout "$WORK/req256.der" >/dev/null 2>&1
get "http://127.0.0.1:$PORT" "/$(base64 -w0 "$WORK/req256.der" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')" "$WORK/s256"
[ "$(code "$WORK/s256")" = 200 ] || fail "SHA-256 GET: HTTP $(code "$WORK/s256")"
end=$(( $(date +%s) + 12 ))
bad=0
while [ "$(date +%s)" -lt $end ]; do
	hc=$(curl -s --max-time 5 -o "$WORK/hz" -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
	if [ "$hc" != 200 ]; then
		bad=$((bad + 1))
		[ $bad -eq 1 ] && echo "healthz $hc: $(cat "$WORK/hz")"
	fi
	sleep 0.5
done
[ $bad -eq 0 ] && ok "/healthz 200 throughout 12 s (3 validity periods)" ||
    fail "/healthz not 200 $bad times in 12 s"
age=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | sed -n 's/^certstatus_presigned_oldest_age_seconds //p')
[ -n "$age" ] && [ "$age" -lt 4 ] && ok "oldest pre-signed answer ${age}s old (< 4 s validity)" ||
    fail "oldest pre-signed answer '$age' s old"
# and nginx still serves correct answers (a good cert, fresh from upstream)
openssl ocsp -issuer "$D/issuer.pem" -cert "$D/certs/good-auth.pem" -no_nonce -reqout "$WORK/req2.der" >/dev/null 2>&1
get "$NB" "/$(base64 -w0 "$WORK/req2.der" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')" "$WORK/g2"
[ "$(status "$WORK/g2" "$D/certs/good-auth.pem")" = good ] && ok "good-auth via nginx: good" ||
    fail "good-auth via nginx: $(status "$WORK/g2" "$D/certs/good-auth.pem")"

stop_nginx

stop_server_clean

finish
