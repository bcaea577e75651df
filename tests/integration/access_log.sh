#!/bin/sh
# SPDX-License-Identifier: ISC
# The access log is reopened on SIGUSR1 and on SIGHUP, so logrotate can move
# it away (config/logrotate): new lines go to the new file, the moved file
# keeps the old ones, and signer workers that get the signal too (systemctl
# kill signals every process of the unit) keep working.
. "$(dirname "$0")/lib.sh"

make_demo "$WORK/demo"
log="$WORK/demo/access.log"
echo "access-log access.log" >>"$WORK/demo/certstatus.conf"
start_server "$WORK/demo/certstatus.conf"
url="http://127.0.0.1:$PORT"

# rotate SIG MARK: move the log away, signal, and check where a request lands
rotate() {
	sig=$1 mark=$2
	curl -s "$url/healthz?before-$mark" >/dev/null
	mv "$log" "$log.$mark"
	curl -s "$url/healthz?moved-$mark" >/dev/null	# still goes to the moved file
	for w in $(ps -o pid= --ppid "$SERVER_PID"); do kill "-$sig" "$w"; done
	kill "-$sig" "$SERVER_PID"
	i=0
	until [ -f "$log" ]; do
		i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1
	done
	curl -s "$url/crl/after-$mark.crl" >/dev/null
	if [ -f "$log" ] && grep -q "/crl/after-$mark.crl" "$log" &&
	    ! grep -q "/crl/after-$mark.crl" "$log.$mark" &&
	    [ "$(grep -c 'GET /healthz' "$log.$mark")" -ge 2 ]; then
		ok "SIG$sig: a new $log for new lines, the moved one keeps the old"
	else
		fail "SIG$sig: log not reopened"
		ls -l "$WORK/demo"; tail -n 5 "$WORK/server.log"
	fi
}
rotate USR1 1
rotate HUP 2
grep -q "access log reopened" "$WORK/server.log" && ok "server logs: access log reopened" ||
    fail "no 'access log reopened' line"
body=$(curl -s "$url/healthz")
case "$body" in "ok: "*) ok "signer workers survived the signals: $body" ;;
*) fail "after the signals: $body" ;; esac
(cd "$WORK/demo" && openssl ocsp -issuer issuer.pem -cert certs/good-sign.pem \
    -url "$url/ocsp" -CAfile issuer.pem 2>&1) | grep -q ": good" &&
    ok "OCSP with a nonce (signed now) still answered" || fail "no OCSP answer after the signals"

# a log that cannot be reopened: the old file goes on, the server too
mv "$log" "$log.3"
mkdir "$log"	# a folder where the file should be
kill -USR1 "$SERVER_PID"
sleep 0.3
curl -s "$url/crl/after-3.crl" >/dev/null
grep -q "keeping the old access log" "$WORK/server.log" && grep -q "after-3" "$log.3" &&
    ok "reopen failing: one warning, the old file goes on" || fail "failed reopen"
rmdir "$log"
stop_server_clean
finish
