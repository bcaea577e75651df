#!/bin/sh
# SPDX-License-Identifier: ISC
# -h and --version on both programs (the version is the one in VERSION),
# the config search order (-c, $CERTSTATUS_CONF, the installed file) and
# its error, the build-info metric, and the Server header only when
# `server-tokens on`.
. "$(dirname "$0")/lib.sh"

version=$(cat "$TOP/VERSION")
for p in certstatusd certctl; do
	out=$("$BIN/$p" --version 2>&1) && [ "$out" = "$p $version" ] &&
	    ok "$p --version: $out" || fail "$p --version: $out"
	out=$("$BIN/$p" -h 2>&1) && echo "$out" | grep -q "usage: $p" &&
	    ok "$p -h prints the usage, exit 0" || fail "$p -h: $out"
done
rc=0; "$BIN/certstatusd" -x >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] && ok "certstatusd -x: usage, exit 2" || fail "certstatusd -x: exit $rc"

# Nothing given, nothing installed: the error names all three places.
cd "$WORK"
installed=$("$BIN/certstatusd" -h | sed -n 's/.*then \(.*\))$/\1/p')
[ -e "$installed" ] && echo "note: $installed exists: not checking the error"
[ -e "$installed" ] || for p in certstatusd certctl; do
	case $p in certstatusd) args="-n" ;; *) args="list" ;; esac
	rc=0; out=$(env -u CERTSTATUS_CONF "$BIN/$p" $args 2>&1) || rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q -- "-c FILE" &&
	    echo "$out" | grep -q CERTSTATUS_CONF &&
	    echo "$out" | grep -q "/certstatus/certstatus.conf"; then
		ok "$p without a config: $out"
	else
		fail "$p without a config (exit $rc): $out"
	fi
done
cd "$TOP"

make_demo "$WORK/demo"
conf="$WORK/demo/certstatus.conf"
printf 'database nowhere/x.db\n' >"$WORK/bad.conf"
# $CERTSTATUS_CONF is used when -c is not given...
CERTSTATUS_CONF=$conf "$BIN/certstatusd" -n >/dev/null 2>&1 &&
    ok "certstatusd finds \$CERTSTATUS_CONF" || fail "certstatusd ignores \$CERTSTATUS_CONF"
CERTSTATUS_CONF=$conf "$BIN/certctl" list >/dev/null 2>&1 &&
    ok "certctl finds \$CERTSTATUS_CONF" || fail "certctl ignores \$CERTSTATUS_CONF"
# ...and -c beats it.
CERTSTATUS_CONF=$WORK/bad.conf "$BIN/certstatusd" -n -c "$conf" >/dev/null 2>&1 &&
    ok "certstatusd: -c beats \$CERTSTATUS_CONF" || fail "certstatusd: -c lost to \$CERTSTATUS_CONF"
CERTSTATUS_CONF=$WORK/bad.conf "$BIN/certctl" -c "$conf" list >/dev/null 2>&1 &&
    ok "certctl: -c beats \$CERTSTATUS_CONF" || fail "certctl: -c lost to \$CERTSTATUS_CONF"

start_server "$conf"
url="http://127.0.0.1:$PORT"
curl -s "$url/metrics" | grep -qx "certstatus_build_info{version=\"$version\"} 1" &&
    ok "/metrics: certstatus_build_info{version=\"$version\"} 1" || fail "no build-info metric"
curl -sI "$url/healthz" | grep -qi '^Server:' && fail "Server header sent by default" ||
    ok "no Server header by default"
echo "server-tokens on" >>"$conf"
kill -HUP "$SERVER_PID"
i=0
until curl -sI "$url/healthz" | grep -qi "^Server: certstatusd/$version"; do
	i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1
done
[ $i -lt 50 ] && ok "server-tokens on: Server: certstatusd/$version" ||
    fail "no Server header with server-tokens on"
echo "server-tokens maybe" >>"$conf"
out=$("$BIN/certstatusd" -n -c "$conf" 2>&1) && fail "server-tokens maybe accepted" ||
    { echo "$out" | grep -q "server-tokens: expected on or off" &&
    ok "server-tokens maybe: $out" || fail "server-tokens maybe: $out"; }
stop_server_clean
finish
