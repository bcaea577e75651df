#!/bin/sh
# SPDX-License-Identifier: ISC
# counter_proxy: the online counter's rate limit behind the shipped nginx
# (config/nginx-cache.conf), with counter-rate 3.  With `trusted-proxy
# 127.0.0.1/32` each resident has a limit of their own: client A (from
# 127.0.0.2) is limited while client B (127.0.0.3) is still answered, a
# forged X-Forwarded-For through nginx does not free A, and the access log
# names A and B, not nginx.  A client talking to certstatusd directly
# (127.0.0.4, an untrusted peer) cannot escape its limit by forging the
# header.  Without trusted-proxy the header is ignored: A and B share
# nginx's one limit, as before.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D"
CONF="$D/certstatus.conf"
CERT="$D/certs/good-sign.pem"
LOG="$D/access.log"
RATE=3
printf 'counter-rate %d\naccess-log access.log\ntrusted-proxy 127.0.0.1/32\n' \
    "$RATE" >>"$CONF"
start_server "$CONF"
start_nginx

# api SOURCE BASE [curl args]: one certificate check from address SOURCE;
# prints the HTTP code.
api() {
	src=$1 base=$2
	shift 2
	curl -s --max-time 10 --interface "$src" -o "$WORK/r.json" \
	    -w '%{http_code}' -H 'Content-Type: application/x-pem-file' "$@" \
	    --data-binary "@$CERT" "$base/api/v1/check?lang=en" || echo "000"
}

# tally NAME CODE: count answers (200) and refusals (429) per client
tally() {
	case "$2" in
	200) eval "${1}_ok=\$((${1}_ok + 1))" ;;
	429) eval "${1}_lim=\$((${1}_lim + 1))" ;;
	*) fail "$1: HTTP $2: $(cat "$WORK/r.json" 2>/dev/null)" ;;
	esac
}

# expect NAME CODE WHAT SOURCE BASE [curl args]: one check, the code it must get
expect() {
	name=$1 want=$2 what=$3
	shift 3
	got=$(api "$@")
	tally "$name" "$got"
	[ "$got" = "$want" ] || fail "$what: HTTP $got, want $want"
}

# api_clients FROM: the client addresses of the access log's API lines
# from line FROM on, one per line.
api_clients() {
	tail -n "+$1" "$LOG" | awk '$4 ~ /^\/api\/v1\/check/ { print $2 }'
}

A_ok=0 A_lim=0 B_ok=0 B_lim=0 F_ok=0 F_lim=0

echo "== trusted-proxy 127.0.0.1/32, through nginx"
for i in $(seq "$RATE"); do
	expect A 200 "A's check $i" 127.0.0.2 "$NB"
done
expect A 429 "A over the limit" 127.0.0.2 "$NB"
# A forges the header; nginx appends 127.0.0.2 and that is what counts
expect A 429 "A forging X-Forwarded-For: 203.0.113.1" 127.0.0.2 "$NB" \
    -H 'X-Forwarded-For: 203.0.113.1'
expect A 429 "A forging X-Forwarded-For: 127.0.0.1 (the proxy)" 127.0.0.2 "$NB" \
    -H 'X-Forwarded-For: 127.0.0.1'
expect A 429 "A forging two X-Forwarded-For headers" 127.0.0.2 "$NB" \
    -H 'X-Forwarded-For: 198.51.100.1' -H 'X-Forwarded-For: 198.51.100.2'
for i in $(seq "$RATE"); do
	expect B 200 "B's check $i while A is limited" 127.0.0.3 "$NB"
done
expect B 429 "B over its own limit" 127.0.0.3 "$NB"
[ "$A_ok" = "$RATE" ] && [ "$B_ok" = "$RATE" ] &&
    ok "through nginx: A answered $A_ok, limited $A_lim (3 of them forging X-Forwarded-For); B answered $B_ok, limited $B_lim" ||
    fail "through nginx: A answered $A_ok, limited $A_lim; B answered $B_ok, limited $B_lim"

echo "== an untrusted peer forging X-Forwarded-For straight to certstatusd"
for i in $(seq $((RATE + 2))); do
	if [ "$i" -le "$RATE" ]; then want=200; else want=429; fi
	expect F "$want" "direct check $i forging 198.51.100.$i" 127.0.0.4 \
	    "http://127.0.0.1:$PORT" -H "X-Forwarded-For: 198.51.100.$i"
done
[ "$F_ok" = "$RATE" ] &&
    ok "untrusted peer 127.0.0.4, a new X-Forwarded-For each time: answered $F_ok, limited $F_lim" ||
    fail "untrusted peer 127.0.0.4 forging X-Forwarded-For: answered $F_ok, limited $F_lim"

echo "== the access log names the clients"
api_clients 1 | sort | uniq -c | sed 's/^ */    /'
na=$(api_clients 1 | grep -cx '127\.0\.0\.2' || true)
nb=$(api_clients 1 | grep -cx '127\.0\.0\.3' || true)
nf=$(api_clients 1 | grep -cx '127\.0\.0\.4' || true)
other=$(api_clients 1 | grep -vxE '127\.0\.0\.[234]' | sort -u | tr '\n' ' ' || true)
[ "$na" = $((A_ok + A_lim)) ] && [ "$nb" = $((B_ok + B_lim)) ] &&
    [ "$nf" = $((F_ok + F_lim)) ] && [ -z "$other" ] &&
    ok "access log: $na API lines for 127.0.0.2, $nb for 127.0.0.3, $nf for 127.0.0.4, none for nginx" ||
    fail "access log: 127.0.0.2 $na, 127.0.0.3 $nb, 127.0.0.4 $nf, others: '$other'"
grep -qE '203\.0\.113\.|198\.51\.100\.' "$LOG" &&
    fail "a forged address reached the access log" ||
    ok "no forged address in the access log"

echo "== without trusted-proxy: the header is ignored, one limit for all"
stop_nginx
stop_server_clean
sed -i '/^trusted-proxy /d' "$CONF"
from=$(($(wc -l <"$LOG") + 1))
start_server "$CONF"
start_nginx
A_ok=0 A_lim=0 B_ok=0 B_lim=0
for i in $(seq "$RATE"); do
	expect A 200 "A's check $i, no trusted-proxy" 127.0.0.2 "$NB"
done
expect B 429 "B after A used nginx's limit" 127.0.0.3 "$NB"
expect B 429 "B forging X-Forwarded-For, no trusted-proxy" 127.0.0.3 "$NB" \
    -H 'X-Forwarded-For: 203.0.113.9'
[ "$A_ok" = "$RATE" ] && [ "$B_ok" = 0 ] &&
    ok "no trusted-proxy: A answered $A_ok, limited $A_lim; B answered $B_ok, limited $B_lim (one limit: nginx's)" ||
    fail "no trusted-proxy: A answered $A_ok, limited $A_lim; B answered $B_ok, limited $B_lim"
lines=$(api_clients "$from" | sort -u | tr '\n' ' ')
[ "$lines" = "127.0.0.1 " ] && ok "access log: every API line names nginx (127.0.0.1)" ||
    fail "access log without trusted-proxy: '$lines'"

stop_nginx
stop_server_clean

finish
