#!/bin/sh
# SPDX-License-Identifier: ISC
# The systemd units: `systemd-analyze verify` accepts each, `systemd-analyze
# security` rates certstatusd.service at most 2.0; and certstatusd speaks
# sd_notify: READY=1 (after its first pre-signing pass), RELOADING=1 then
# READY=1 around SIGHUP, STOPPING=1 at SIGTERM.
. "$(dirname "$0")/lib.sh"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze not installed (Debian package systemd)"
	exit 0
fi
mkdir "$WORK/units"
for u in "$TOP"/systemd/*.service "$TOP"/systemd/*.timer; do
	sed -e "s|@sbindir@|$BIN|g" -e "s|@bindir@|$BIN|g" -e "s|@sysconfdir@|/etc|g" \
	    -e "s|@datadir@|/var/lib/certstatus|g" "$u" >"$WORK/units/$(basename "$u")"
done
for u in "$WORK"/units/*; do
	out=$(systemd-analyze verify --man=no "$u" 2>&1) && [ -z "$out" ] &&
	    ok "systemd-analyze verify $(basename "$u"): clean" ||
	    fail "systemd-analyze verify $(basename "$u"): $out"
done
for u in certstatusd.service certstatus-crl.service; do
	score=$(systemd-analyze security --offline=true "$WORK/units/$u" 2>&1 |
	    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	if [ -n "$score" ] && awk "BEGIN { exit !($score <= 2.0) }"; then
		ok "systemd-analyze security $u: exposure $score (<= 2.0)"
	else
		fail "systemd-analyze security $u: exposure '$score'"
	fi
done

# sd_notify: a datagram socket standing in for systemd's
make_demo "$WORK/demo"
$PY - "$WORK/notify.sock" "$WORK/notify.log" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w") as log:
    while True:
        msg = s.recv(4096).decode()
        for line in msg.split("\n"):
            log.write(line + "\n")
        log.flush()
        if "STOPPING=1" in msg:
            break
PYEOF
LISTENER=$!
i=0; until [ -S "$WORK/notify.sock" ]; do i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1; done
wait_for() {	# wait_for LINE N: until the Nth LINE arrived (10 s)
	i=0
	until [ "$(grep -c "^$1\$" "$WORK/notify.log" 2>/dev/null)" -ge "$2" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || return 1; sleep 0.1
	done
}
PORT=$(free_port)
NOTIFY_SOCKET="$WORK/notify.sock" "$CERTSTATUSD" -c "$WORK/demo/certstatus.conf" -p "$PORT" \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_for READY=1 1 && grep -q "pre-signing pass done" "$WORK/server.log" &&
    ok "READY=1 after the first pre-signing pass ($(grep STATUS= "$WORK/notify.log" | tail -n 1))" ||
    fail "no READY=1 after pre-signing: $(cat "$WORK/notify.log")"
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && ok "answering when READY=1 came" ||
    fail "not answering at READY=1"
kill -HUP "$SERVER_PID"
wait_for READY=1 2 && grep -A1 "^RELOADING=1$" "$WORK/notify.log" | grep -q "^READY=1$" &&
    ok "SIGHUP: RELOADING=1 then READY=1" || fail "reload: $(cat "$WORK/notify.log")"
stop_server_clean
wait "$LISTENER" 2>/dev/null || true
grep -q "^STOPPING=1$" "$WORK/notify.log" && ok "SIGTERM: STOPPING=1" ||
    fail "no STOPPING=1: $(cat "$WORK/notify.log")"
finish
