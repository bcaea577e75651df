#!/bin/sh
# SPDX-License-Identifier: ISC
# certctl backup while the server reads and a certctl writer loop commits:
# the copy is consistent (integrity check, audit chain with the printed
# head), restores into a fresh folder where `audit verify --head` accepts
# that head; restore into the live registry is atomic, keeps the replaced
# one, refuses a copy whose audit chain is broken or lacks --head, and the
# running server answers from the restored registry by itself.
# Prints the registry size and the backup time under writes.
. "$(dirname "$0")/lib.sh"

EXTRA=${BACKUP_EXTRA:-2000}
t0=$(date +%s%N)
make_demo "$WORK/demo" --extra "$EXTRA"
echo "demo with $EXTRA extra certificates in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
C="$WORK/demo/certstatus.conf"
echo "poll-interval-ms 100" >>"$C"
start_server "$C"
url="http://127.0.0.1:$PORT/ocsp"
ocsp() {	# ocsp CERT [openssl options]: the status word
	c=$1; shift
	(cd "$WORK/demo" && openssl ocsp -issuer issuer.pem -cert "certs/$c" \
	    -url "$url" -CAfile issuer.pem "$@" 2>&1) | sed -n "s|^certs/$c: ||p"
}

# a writer: residents and cards, one certctl transaction each, until told
writer() {
	n=0
	while [ ! -e "$WORK/stop" ]; do
		n=$((n + 1))
		"$CERTCTL" -c "$C" resident add "W$n" --name "Writer $n" \
		    --address "Inagi" --birth-date 1990-01-01 --sex unknown >/dev/null &&
		"$CERTCTL" -c "$C" card add --resident "W$n" --number "WC-$n" \
		    --type mynumber --expires 2035-12-31 >/dev/null ||
		    { echo "writer: write $n failed"; touch "$WORK/writer-failed"; }
	done
	echo "$n" >"$WORK/writes"
}
writer &
WRITER=$!
sleep 1
before=$("$CERTCTL" -c "$C" --json audit verify | sed -n 's/.*"records": \([0-9]*\).*/\1/p')
size=$(stat -c %s "$WORK/demo/certstatus.db")
t0=$(date +%s%N)
"$CERTCTL" -c "$C" backup "$WORK/copy.db" >"$WORK/backup.out" 2>&1 || { cat "$WORK/backup.out"; fail "backup"; }
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
sleep 0.5
touch "$WORK/stop"; wait "$WRITER" 2>/dev/null || true
cat "$WORK/backup.out"
echo "FIGURE: registry $size bytes ($EXTRA extra certificates), backup under writes $ms ms (certctl wall time), $(cat "$WORK/writes") writer iterations"
[ ! -e "$WORK/writer-failed" ] && ok "the writer never failed during the backup" ||
    fail "a write failed during the backup"
[ "$(stat -c %a "$WORK/copy.db")" = 600 ] && ok "the copy is owner-only (personal data)" ||
    fail "copy mode $(stat -c %a "$WORK/copy.db")"
head=$(sed -n 's/.*audit chain intact: .* head \([0-9a-f]*\)$/\1/p' "$WORK/backup.out")
records=$(sed -n 's/.*audit chain intact: \([0-9]*\) records.*/\1/p' "$WORK/backup.out")
after=$("$CERTCTL" -c "$C" --json audit verify | sed -n 's/.*"records": \([0-9]*\).*/\1/p')
[ -n "$head" ] && [ "$records" -ge "$before" ] && [ "$records" -lt "$after" ] &&
    ok "the copy is one snapshot taken during the writes: $before <= $records < $after records" ||
    fail "records: before $before, copy $records, after $after"
[ "$(sqlite3 "$WORK/copy.db" 'PRAGMA integrity_check')" = ok ] &&
    ok "sqlite3 integrity_check of the copy: ok" || fail "copy integrity"

# into a fresh folder: the copy becomes the registry, its chain verifies
mkdir "$WORK/fresh"
printf 'database certstatus.db\n' >"$WORK/fresh/certstatus.conf"
"$CERTCTL" -c "$WORK/fresh/certstatus.conf" restore "$WORK/copy.db" --head "$head" >"$WORK/r1.out" 2>&1 &&
    ok "restore into a fresh folder" || { cat "$WORK/r1.out"; fail "fresh restore"; }
out=$("$CERTCTL" -c "$WORK/fresh/certstatus.conf" audit verify --head "$head" 2>&1) &&
    [ "$out" = "audit log intact: $records records, head $head" ] &&
    ok "fresh registry: $out" || fail "fresh audit verify: $out"

# into the live registry under the running server
S=$(awk -F'\t' '$1 == "good-sign.pem" { print $2 }' "$WORK/demo/certs/index.tsv")
"$CERTCTL" -c "$C" revoke "$S" --reason keyCompromise >/dev/null
i=0; until [ "$(ocsp good-sign.pem -no_nonce)" = revoked ]; do
	i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1; done
[ "$(ocsp good-sign.pem -no_nonce)" = revoked ] && ok "revoked after the backup: OCSP says revoked" ||
    fail "revocation not answered"
live_head=$("$CERTCTL" -c "$C" audit verify | sed -n 's/.* head //p')

# refused: a copy with an edited audit record, a --head it lacks
cp "$WORK/copy.db" "$WORK/edited.db"
sqlite3 "$WORK/edited.db" "UPDATE audit SET operator = 'mallory' WHERE id = 7"
rc=0; out=$("$CERTCTL" -c "$C" restore "$WORK/edited.db" 2>&1) || rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "audit chain broken: record 7" &&
    ok "edited copy refused: $out" || fail "edited copy (exit $rc): $out"
rc=0; out=$("$CERTCTL" -c "$C" restore "$WORK/copy.db" --head "$live_head" 2>&1) || rc=$?
[ $rc -eq 1 ] && ok "a copy without the --head record refused: $out" || fail "--head (exit $rc): $out"
[ "$("$CERTCTL" -c "$C" audit verify | sed -n 's/.* head //p')" = "$live_head" ] &&
    ok "the live registry is untouched by the refusals" || fail "live registry changed"

t0=$(date +%s%N)
"$CERTCTL" -c "$C" restore "$WORK/copy.db" --head "$head" >"$WORK/r2.out" 2>&1 &&
    ok "restore into the live registry" || { cat "$WORK/r2.out"; fail "live restore"; }
echo "FIGURE: restore into the live registry $(( ($(date +%s%N) - t0) / 1000000 )) ms"
cat "$WORK/r2.out"
kept=$(sed -n 's/.*is kept as //p' "$WORK/r2.out")
[ -f "$kept" ] && [ "$("$CERTCTL" -c "$C" show "$S" --json >/dev/null 2>&1; echo $?)" = 0 ] &&
    ok "the replaced registry is kept: $(basename "$kept")" || fail "no kept registry"
out=$("$CERTCTL" -c "$C" audit verify --head "$head" 2>&1) &&
    [ "$out" = "audit log intact: $records records, head $head" ] &&
    ok "live registry after restore: $out" || fail "after restore: $out"
t0=$(date +%s%N)
i=0; until [ "$(ocsp good-sign.pem -no_nonce)" = good ]; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.05; done
[ "$(ocsp good-sign.pem -no_nonce)" = good ] && [ "$(ocsp good-sign.pem)" = good ] &&
    ok "the server answers from the restored registry (good again) after $(( ($(date +%s%N) - t0) / 1000000 )) ms" ||
    fail "server still answers from before the restore"
grep -q "history\|restored\|replaced" "$WORK/server.log" && ok "server log: $(grep -m1 "history\|restored\|replaced" "$WORK/server.log")" || true
stop_server_clean
finish
