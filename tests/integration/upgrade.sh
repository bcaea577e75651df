#!/bin/sh
# SPDX-License-Identifier: ISC
# Upgrades: a registry of an older schema is served as it is and upgraded
# by `certctl init` (certctl refuses other verbs until then, saying so); a
# registry of a newer schema than the binaries know is refused by both, with
# one clear line.
. "$(dirname "$0")/lib.sh"

cp -r "$TOP/tests/data/registry" "$WORK/old"
chmod 600 "$WORK/old/keys/"*
conf="$WORK/old/certstatus.conf"
v() { sqlite3 "$WORK/old/certstatus.db" "SELECT max(version) FROM schema_migrations"; }
old=$(v)
rc=0; out=$("$BIN/certctl" -c "$conf" list 2>&1) || rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "needs .certctl init." &&
    ok "schema $old: certctl list refused until init: $out" || fail "old schema list: $rc $out"
start_server "$conf"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$code" = 200 ] && ok "schema $old: certstatusd serves it as it is" || fail "old schema healthz $code"
out=$("$BIN/certctl" -c "$conf" init 2>&1) && [ "$(v)" -gt "$old" ] &&
    ok "certctl init: $out" || fail "init: $out"
"$BIN/certctl" -c "$conf" audit verify >/dev/null 2>&1 &&
    ok "schema $(v): audit chain intact after the upgrade" || fail "audit after upgrade"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$code" = 200 ] && ok "the running server goes on after the upgrade" || fail "healthz after upgrade $code"
stop_server

sqlite3 "$WORK/old/certstatus.db" \
    "INSERT INTO schema_migrations VALUES (999, '999_future.sql', 0)"
rc=0; out=$("$BIN/certctl" -c "$conf" list 2>&1) || rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "schema version 999 is newer" &&
    ok "newer schema: certctl refuses: $out" || fail "newer schema certctl: $rc $out"
rc=0; out=$("$BIN/certctl" -c "$conf" init 2>&1) || rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "newer" &&
    ok "newer schema: certctl init refuses too" || fail "newer schema init: $rc $out"
rc=0; out=$("$BIN/certstatusd" -c "$conf" -p 0 2>&1) || rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "schema version 999 is newer than this certstatusd" &&
    ok "newer schema: certstatusd refuses to start: $(echo "$out" | tail -1)" ||
    fail "newer schema certstatusd: $rc $out"
finish
