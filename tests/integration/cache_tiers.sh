#!/bin/sh
# SPDX-License-Identifier: ISC
# cache_tiers: two nginx cache tiers in front of certstatusd, from the
# shipped config/nginx-inner.conf and config/nginx-outer.conf (addresses
# rewritten to free ports, nothing else changed): client -> outer -> inner
# -> certstatusd.
#
# A. No cache-max-age (OCSP answers cacheable until nextUpdate), ocsp-validity
#    16s: an answer the inner tier has held for a few seconds (primed by
#    another outer tier, here a direct GET) is fetched by the outer tier;
#    polled through the outer tier until past that answer's nextUpdate, no
#    answer is served past its nextUpdate, and Date + max-age (what a client
#    counts) never passes it either.  A control outer tier that ignores
#    X-Accel-Expires (nginx-outer.conf plus proxy_ignore_headers) does
#    serve the same answer past its nextUpdate: that is the case checked.
# B. After SIGHUP with cache-max-age 3s: clients still get max-age until
#    nextUpdate, caches s-maxage=3; GETs spread over ~7 s through the outer
#    tier reach certstatusd about once per 3 s (its requests counter), OCSP
#    and CRL alike; a revocation (certctl revoke) shows through both tiers,
#    in OCSP and in the CRL, within the sum of the two tiers' max-ages.
. "$(dirname "$0")/lib.sh"
T_START=$(date +%s)

D="$WORK/demo"
make_demo "$D"
CONF="$D/certstatus.conf"
cat >>"$CONF" <<CONF
ocsp-validity 16s
ocsp-refresh 8s
crl-key keys/inagi-ca.key
crl-debounce 1s
poll-interval-ms 100
trusted-proxy 127.0.0.1/32
CONF
start_server "$CONF"
O="http://127.0.0.1:$PORT"

start_nginx_tier inner "$TOP/config/nginx-inner.conf" "$PORT"
IPORT=$TPORT
start_nginx_tier outer "$TOP/config/nginx-outer.conf" "$IPORT"
OPORT=$TPORT
# the control: the outer tier as nginx would run it without X-Accel-Expires
sed 's/^\([[:space:]]*\)proxy_cache_key\(.*\)$/&\n\1proxy_ignore_headers X-Accel-Expires;/' \
    "$TOP/config/nginx-outer.conf" >"$WORK/outer-control.conf"
[ "$(grep -c 'proxy_ignore_headers X-Accel-Expires;' "$WORK/outer-control.conf")" = 2 ] ||
    { fail "could not make the control outer tier"; finish; }
start_nginx_tier control "$WORK/outer-control.conf" "$IPORT"
CPORT=$TPORT

nowms() { echo $(( $(date +%s%N) / 1000000 )); }
get() {	# get URL OUT: body in OUT, headers (no CR) in OUT.h
	curl -s --path-as-is --max-time 10 -D "$2.h.raw" -o "$2" "$1" || true
	tr -d '\r' <"$2.h.raw" >"$2.h"
}
hdr() { sed -n "s/^$2: //Ip" "$1.h" | head -n 1; }
maxage() { hdr "$1" Cache-Control | tr ',' '\n' | sed -n 's/^ *max-age=\([0-9]*\)$/\1/p' | head -n 1; }
nextupdate() {	# the response's nextUpdate, unix seconds (as openssl reads it)
	nu=$(openssl ocsp -respin "$1" -resp_text -noverify 2>/dev/null |
	    sed -n 's/^ *Next Update: //p' | head -n 1)
	[ -n "$nu" ] && date -u -d "$nu" +%s || echo 0
}
httpdate() { date -u -d "$1" +%s 2>/dev/null || echo 0; }
status() {	# status RESPONSE CERT: good/revoked/... as openssl sees it
	openssl ocsp -respin "$1" -issuer "$D/issuer.pem" -cert "$2" -no_nonce \
	    -CAfile "$D/issuer.pem" 2>/dev/null | sed -n "s|^$2: ||p" || true
}
counter() {	# certstatusd's own request count for an endpoint
	curl -s --max-time 5 "$O/metrics" |
	    sed -n "s/^certstatus_requests_total{endpoint=\"$1\"} //p"
}
getpath() {	# getpath CERT: the GET path of a no-nonce request for CERT
	openssl ocsp -issuer "$D/issuer.pem" -cert "$1" -no_nonce \
	    -reqout "$WORK/req.der" >/dev/null 2>&1
	echo "/$(base64 -w0 "$WORK/req.der" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')"
}

echo "  set up in $(( $(date +%s) - T_START )) s"
# --- A. never past nextUpdate through two tiers ------------------------------
CA="$D/certs/good-sign.pem"
PA=$(getpath "$CA")
# prime the inner tier (as another outer tier would), with an answer that has
# enough time left for the outer tier to fetch it a few seconds later
for try in 1 2 3; do
	get "http://127.0.0.1:$IPORT$PA" "$WORK/a0"
	t_prime=$(date +%s)
	nua=$(nextupdate "$WORK/a0")
	[ "$nua" -gt 0 ] || { fail "priming the inner tier: no OCSP response"; finish; }
	[ $((nua - t_prime)) -ge 7 ] && break
	sleep $((nua - t_prime + 1))
done
xa=$(hdr "$WORK/a0" X-Accel-Expires)
[ "$xa" = "@$((nua - 1))" ] && ok "the inner tier forwards certstatusd's X-Accel-Expires $xa (nextUpdate - 1 s)" ||
    fail "the inner tier forwards X-Accel-Expires '$xa' (nextUpdate $nua)"
[ "$(status "$WORK/a0" "$CA")" = good ] && [ $((nua - t_prime)) -ge 7 ] &&
    ok "inner tier primed: good, nextUpdate in $((nua - t_prime)) s, $(hdr "$WORK/a0" Cache-Control)" ||
    { fail "priming the inner tier: $(status "$WORK/a0" "$CA"), nextUpdate in $((nua - t_prime)) s"; finish; }
sleep 4
get "http://127.0.0.1:$OPORT$PA" "$WORK/a1"
get "http://127.0.0.1:$CPORT$PA" "$WORK/c1"
[ "$(hdr "$WORK/a1" X-Cache-Status)" = MISS ] && [ "$(hdr "$WORK/a1" X-Cache-Inner)" = HIT ] &&
    cmp -s "$WORK/a0" "$WORK/a1" &&
    ok "4 s later the outer tier fetched the inner tier's copy (outer MISS, inner HIT), max-age still $(maxage "$WORK/a1"), no Age header" ||
    fail "outer fetch: X-Cache-Status $(hdr "$WORK/a1" X-Cache-Status), X-Cache-Inner $(hdr "$WORK/a1" X-Cache-Inner)"
[ -z "$(hdr "$WORK/a1" Age)" ] || echo "note: nginx sent Age $(hdr "$WORK/a1" Age)"
[ -z "$(hdr "$WORK/a1" X-Accel-Expires)" ] && ok "clients do not get X-Accel-Expires" ||
    fail "the outer tier passed X-Accel-Expires to a client"

# poll both outer tiers until 5 s past nextUpdate
served=0 late=0 worst=99999 client_late=0 hits=0 newer=0 ctl_late=0 ctl_worst=0
end=$(( (nua + 5) * 1000 ))
t_poll=$(nowms)
while [ "$(nowms)" -lt $end ]; do
	t=$(nowms)
	get "http://127.0.0.1:$OPORT$PA" "$WORK/p"
	t2=$(nowms)
	get "http://127.0.0.1:$CPORT$PA" "$WORK/q"
	nu=$(nextupdate "$WORK/p")
	nq=$(nextupdate "$WORK/q")
	if [ "$nu" -gt 0 ]; then
		served=$((served + 1))
		m=$((nu * 1000 - t2))
		[ $m -lt $worst ] && worst=$m
		[ $((nu * 1000)) -le $t ] && late=$((late + 1))
		[ "$(hdr "$WORK/p" X-Cache-Status)" = HIT ] && hits=$((hits + 1))
		[ "$nu" -gt "$nua" ] && newer=$((newer + 1))
		# what a client counts (RFC 9111 4.2: no Age, so from Date)
		dt=$(httpdate "$(hdr "$WORK/p" Date)")
		[ $((dt + $(maxage "$WORK/p"))) -gt "$nu" ] && client_late=$((client_late + 1))
	else
		fail "outer tier: no OCSP response ($(sed -n 1p "$WORK/p.h"))"
	fi
	if [ "$nq" -gt 0 ] && [ $((nq * 1000)) -le $t ]; then
		ctl_late=$((ctl_late + 1))
		[ $((t - nq * 1000)) -gt $ctl_worst ] && ctl_worst=$((t - nq * 1000))
	fi
	sleep 0.2
done
[ $served -ge 10 ] && [ $late -eq 0 ] &&
    ok "outer tier: $served answers over $(( ($(nowms) - t_poll) / 1000 )) s, none past its nextUpdate (closest: ${worst} ms before it); $hits HITs; $newer of a newer answer after the first expired" ||
    fail "outer tier: $late of $served answers served at or past their nextUpdate (and at least 10 polls wanted)"
[ $newer -ge 1 ] || fail "the outer tier never moved on to a newer answer"
[ $client_late -eq 0 ] && ok "Date + max-age (a client's freshness, no Age) never past nextUpdate" ||
    fail "$client_late answers: Date + max-age past nextUpdate (Date not the origin's?)"
[ $ctl_late -ge 1 ] &&
    ok "control (outer tier ignoring X-Accel-Expires): $ctl_late answers past nextUpdate, up to ${ctl_worst} ms: the check above catches that" ||
    fail "control outer tier never served past nextUpdate: this test did not provoke the case it checks"

echo "  part A done at $(( $(date +%s) - T_START )) s"
# --- B. cache-max-age 3s: absorption and revocation ---------------------------
CAP=3
echo "cache-max-age ${CAP}s" >>"$CONF"
kill -HUP "$SERVER_PID"
CB="$D/certs/good-auth.pem"
PB=$(getpath "$CB")
i=0
while :; do
	get "$O$PB" "$WORK/b0"
	case "$(hdr "$WORK/b0" Cache-Control)" in *"s-maxage=$CAP,"*) break ;; esac
	i=$((i + 1)); [ $i -lt 50 ] || { fail "no s-maxage=$CAP after SIGHUP: $(hdr "$WORK/b0" Cache-Control)"; finish; }
	sleep 0.1
done
ok "after SIGHUP certstatusd says: $(hdr "$WORK/b0" Cache-Control); X-Accel-Expires $(hdr "$WORK/b0" X-Accel-Expires) (now $(date +%s))"

# 200 OCSP GETs and 100 CRL GETs through the outer tier, spread over about 7 s
U="http://127.0.0.1:$OPORT"
urls=""	# one curl per batch: 10 OCSP and 5 CRL GETs on one connection
for i in 1 2 3 4 5 6 7 8 9 10; do urls="$urls -o /dev/null $U$PB"; done
for i in 1 2 3 4 5; do urls="$urls -o /dev/null $U/crl/inagi.crl"; done
g0=$(counter ocsp_get); c0=$(counter crl)
t0=$(nowms)
: >"$WORK/codes"
for batch in $(seq 1 20); do
	# shellcheck disable=SC2086 # options and URLs, split on purpose
	curl -s --path-as-is --max-time 10 \
	    -w '%{http_code} %header{x-cache-status} %{content_type}\n' $urls >>"$WORK/codes" || true
	sleep 0.3
done
t1=$(nowms)
g1=$(counter ocsp_get); c1=$(counter crl)
secs=$(( (t1 - t0 + 500) / 1000 ))
n_ocsp=$(grep -c '^200 .* application/ocsp-response' "$WORK/codes" || true)
n_crl=$(grep -c '^200 .* application/pkix-crl' "$WORK/codes" || true)
n_hit=$(grep -c '^200 HIT ' "$WORK/codes" || true)
# one request per key per cache-max-age, and one to start
lim=$(( (t1 - t0) / (CAP * 1000) + 2 ))
[ "$n_ocsp" = 200 ] && [ "$n_crl" = 100 ] ||
    fail "through the outer tier: $n_ocsp OCSP and $n_crl CRL answers of 200 and 100"
[ $((g1 - g0)) -ge 1 ] && [ $((g1 - g0)) -le $lim ] &&
    ok "200 OCSP GETs over $secs s through both tiers: certstatusd saw $((g1 - g0)) (at most $lim: one per ${CAP} s)" ||
    fail "200 OCSP GETs over $secs s: certstatusd saw $((g1 - g0)) (limit $lim)"
[ $((c1 - c0)) -ge 1 ] && [ $((c1 - c0)) -le $lim ] &&
    ok "100 CRL GETs over $secs s through both tiers: certstatusd saw $((c1 - c0)) (at most $lim)" ||
    fail "100 CRL GETs over $secs s: certstatusd saw $((c1 - c0)) (limit $lim)"
echo "  outer tier HITs: $n_hit of 300"
get "$U/crl/inagi.crl" "$WORK/crl0"
case "$(hdr "$WORK/crl0" Cache-Control)" in
*"s-maxage=$CAP,"*) ok "CRL via both tiers: $(hdr "$WORK/crl0" Cache-Control)" ;;
*) fail "CRL Cache-Control via the tiers: $(hdr "$WORK/crl0" Cache-Control)" ;;
esac
get "$U$PB" "$WORK/b1"
mb=$(maxage "$WORK/b1")
[ "$(status "$WORK/b1" "$CB")" = good ] && [ -n "$mb" ] && [ "$mb" -gt $CAP ] &&
    ok "clients still get max-age $mb (until nextUpdate, RFC 5019), caches s-maxage $CAP" ||
    fail "via the tiers: $(status "$WORK/b1" "$CB"), $(hdr "$WORK/b1" Cache-Control)"

# revoke: OCSP and CRL, at the origin and through both tiers
SERIAL=$(awk -F'\t' '$1 == "good-auth.pem" { print $2 }' "$D/certs/index.tsv")
SHEX=$(openssl x509 -in "$CB" -noout -serial | sed 's/serial=//')
listed() { openssl crl -inform DER -in "$1" -noout -text 2>/dev/null | grep -q "Serial Number: $2\$"; }
listed "$WORK/crl0" "$SHEX" && fail "good-auth already on the CRL"
# The worst case: revoke just after both tiers took a fresh copy from
# certstatusd (both expire at the same second, so the first GET after it
# misses in both); one tier then holds it for cache-max-age at most.
i=0
while :; do
	get "$U$PB" "$WORK/f"
	[ "$(hdr "$WORK/f" X-Cache-Status)" != HIT ] &&
	    [ "$(hdr "$WORK/f" X-Cache-Inner)" != HIT ] && break
	i=$((i + 1)); [ $i -lt 100 ] || { fail "no fresh copy in either tier within 10 s"; break; }
	sleep 0.1
done
t_rev=$(nowms)
"$CERTCTL" -c "$CONF" revoke "$SERIAL" --reason keyCompromise >"$WORK/revoke.out" 2>&1 ||
    fail "certctl revoke: $(cat "$WORK/revoke.out")"
o_ocsp="" x_ocsp="" o_crl="" x_crl="" good_after=0
while [ $(( $(nowms) - t_rev )) -lt 25000 ]; do
	if [ -z "$o_ocsp" ]; then
		get "$O$PB" "$WORK/r0"
		[ "$(status "$WORK/r0" "$CB")" = revoked ] && o_ocsp=$(( $(nowms) - t_rev ))
	fi
	if [ -z "$x_ocsp" ]; then
		get "$U$PB" "$WORK/r1"
		case "$(status "$WORK/r1" "$CB")" in
		revoked) x_ocsp=$(( $(nowms) - t_rev )) ;;
		good) good_after=$((good_after + 1)) ;;
		esac
	fi
	if [ -z "$o_crl" ]; then
		get "$O/crl/inagi.crl" "$WORK/r2"
		listed "$WORK/r2" "$SHEX" && o_crl=$(( $(nowms) - t_rev ))
	fi
	if [ -z "$x_crl" ]; then
		get "$U/crl/inagi.crl" "$WORK/r3"
		listed "$WORK/r3" "$SHEX" && x_crl=$(( $(nowms) - t_rev ))
	fi
	[ -n "$o_ocsp" ] && [ -n "$x_ocsp" ] && [ -n "$o_crl" ] && [ -n "$x_crl" ] && break
	sleep 0.1
done
# certstatusd re-signs within 1 s (SPEC); each tier then holds at most CAP
sum=$(( 2 * CAP * 1000 ))
[ -n "$o_ocsp" ] && ok "OCSP at certstatusd: revoked after $o_ocsp ms" || fail "OCSP at certstatusd: never revoked"
if [ -n "$x_ocsp" ] && [ "$x_ocsp" -le $((sum + 1500)) ]; then
	ok "OCSP through both tiers: revoked after $x_ocsp ms (revoked just after both tiers fetched; $good_after cached good answer(s) first; sum of the tiers' max-ages ${sum} ms, + re-signing)"
else
	fail "OCSP through both tiers: revoked after '${x_ocsp:-never}' ms (limit $((sum + 1500)))"
fi
[ -n "$o_crl" ] && ok "CRL at certstatusd: lists it after $o_crl ms (crl-debounce 1s)" || fail "CRL at certstatusd: never listed"
if [ -n "$x_crl" ] && [ -n "$o_crl" ] && [ $((x_crl - o_crl)) -le $((sum + 500)) ]; then
	ok "CRL through both tiers: lists it after $x_crl ms, $((x_crl - o_crl)) ms after certstatusd (sum of max-ages ${sum} ms)"
else
	fail "CRL through both tiers: listed after '${x_crl:-never}' ms, certstatusd '${o_crl:-never}' ms (limit + $((sum + 500)))"
fi

stop_nginx_tiers
stop_server_clean

finish
