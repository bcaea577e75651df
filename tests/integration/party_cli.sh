#!/bin/sh
# SPDX-License-Identifier: ISC
# Registered relying parties with the real certctl on a demo registry:
# a registry at schema 5 is upgraded to 6 by certctl init; party add takes
# a party's certificate (PEM or DER, made here with openssl) and prints its
# SHA-256 fingerprint as openssl computes it; party list (text and --json)
# shows name, fingerprint, subject, notAfter, rate and note; each refusal
# (name or certificate already registered, expired, not yet valid, a CA,
# a chain, a private key, a bad name, an unreadable file, a bad rate) is
# one line, a nonzero exit and leaves the parties table as it was; party
# remove keeps the row (list --all), refuses an unknown name, and frees the
# name for a new registration; audit verify passes and audit show lists
# every write and refusal.  The server still serves the registry.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D"
C="$D/certstatus.conf"
DB="$D/certstatus.db"
cc() { "$CERTCTL" -c "$C" --operator tester "$@"; }
parties() { sqlite3 "$DB" "SELECT * FROM parties ORDER BY id"; }

# --- schema 5 to 6 ----------------------------------------------------------
# (and without what came after 006: 007's partition column and table)
sqlite3 "$DB" "DROP TABLE parties; DROP INDEX certs_revoked_part;
    ALTER TABLE certificates DROP COLUMN crl_partition; DROP TABLE crl_partitions;
    DELETE FROM schema_migrations WHERE version >= 6"
rc=0; out=$(cc party list 2>&1) || rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "needs .certctl init. (schema 5" &&
    ok "schema 5: party list refused until init: $out" || fail "schema 5 party list: $rc $out"
out=$(cc init 2>&1) && echo "$out" | grep -q "upgraded from version 5 to" &&
    ok "certctl init: $out" || fail "init: $out"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name IN ('parties', 'parties_current_name', 'parties_current_cert')")" = 3 ] &&
    ok "schema 6: the parties table and its two unique indexes" || fail "schema 6 objects missing"
out=$(cc party list) && [ "$out" = "no relying parties registered" ] &&
    ok "party list on an empty table: $out" || fail "empty list: $out"

# --- the parties' certificates ----------------------------------------------
P="$WORK/p"
mkdir -p "$P"
ee() {	# ee NAME CN [openssl req args...]: an EC P-256 self-signed end-entity certificate
	n=$1; cn=$2; shift 2
	"$@" openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$P/$n.key" -out "$P/$n.pem" -days 30 -subj "/O=Test Bank/CN=$cn" \
	    -addext basicConstraints=critical,CA:FALSE \
	    -addext keyUsage=critical,digitalSignature 2>"$P/$n.err" ||
	    { cat "$P/$n.err"; fail "making $n"; finish; }
}
ee a "Bank A verifier"
ee b "Bank B verifier"
ee c "Bank C verifier"
ee expired "old" faketime -f -400d
ee future "early" faketime -f +30d
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/ca.key" \
    -out "$P/ca.pem" -days 30 -subj "/CN=Bank CA" 2>/dev/null || fail "making ca"
openssl x509 -in "$P/ca.pem" -noout -ext basicConstraints | grep -q "CA:TRUE" ||
    fail "the CA certificate has no CA:TRUE"
openssl x509 -in "$P/b.pem" -outform DER -out "$P/b.der"
cat "$P/c.pem" "$P/ca.pem" >"$P/chain.pem"
cat "$P/c.key" "$P/c.pem" >"$P/withkey.pem"
fp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
enddate() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/notAfter=//')" +%F; }
FA=$(fp "$P/a.pem"); FB=$(fp "$P/b.pem")

# --- add ----------------------------------------------------------------------
out=$(cc party add bank-a --cert "$P/a.pem" --note "Bank A, contract 12" --rate 50 2>&1) &&
    echo "$out" | grep -q "^party.add: party bank-a (recorded at .* by tester)" &&
    echo "$out" | grep -q "sha256 $FA" &&
    ok "party add bank-a (PEM): $(echo "$out" | head -2 | tr '\n' ' ')" || fail "add bank-a: $out"
out=$(cc party add bank-b --cert "$P/b.der" 2>&1) && echo "$out" | grep -q "sha256 $FB" &&
    echo "$out" | grep -q "rate no limit" &&
    ok "party add bank-b (DER): fingerprint $FB" || fail "add bank-b: $out"
[ "$(sqlite3 "$DB" "SELECT hex(cert) FROM parties WHERE name = 'bank-b'")" = \
    "$(od -An -v -tx1 "$P/b.der" | tr -d ' \n' | tr a-f A-F)" ] &&
    ok "the registry holds bank-b's DER byte for byte" || fail "stored DER differs"

# --- list ---------------------------------------------------------------------
cc party list >"$WORK/list.txt" || fail "party list"
[ "$(wc -l <"$WORK/list.txt")" -eq 2 ] && ok "party list: two lines" || fail "list: $(cat "$WORK/list.txt")"
line=$(sed -n 1p "$WORK/list.txt")
echo "$line" | grep -q "^bank-a  *sha256 $FA until $(enddate "$P/a.pem") rate 50/s  *subject CN=Bank A verifier,O=Test Bank note Bank A, contract 12$" &&
    ok "list line: $line" || fail "list line 1: $line"
line=$(sed -n 2p "$WORK/list.txt")
echo "$line" | grep -q "^bank-b  *sha256 $FB until $(enddate "$P/b.pem") rate -  *subject CN=Bank B verifier,O=Test Bank note -$" &&
    ok "list line: $line" || fail "list line 2: $line"
cc --json party list >"$WORK/list.json" || fail "party list --json"
$PY - "$WORK/list.json" "$FA" "$FB" <<'PYEOF' && ok "--json: names, fingerprints, rate, note, removed_at null" || fail "--json: $(cat "$WORK/list.json")"
import json, sys
v = json.load(open(sys.argv[1]))
assert [p["name"] for p in v] == ["bank-a", "bank-b"], v
assert [p["fingerprint"] for p in v] == sys.argv[2:4], v
assert v[0]["rate"] == 50 and v[1]["rate"] == 0, v
assert v[0]["note"] == "Bank A, contract 12" and v[1]["note"] is None, v
assert all(p["removed_at"] is None and p["added_by"] == "tester" for p in v), v
assert v[0]["subject"] == "CN=Bank A verifier,O=Test Bank", v
PYEOF

# --- refusals: one line, exit 1 (2 for usage), nothing of the party written ---
before=$(parties)
refused() {	# refused EXIT PATTERN ARGS...
	want=$1; pat=$2; shift 2
	n0=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'refused'")
	rc=0; cc "$@" >"$WORK/r.out" 2>"$WORK/r.err" || rc=$?
	n1=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'refused'")
	if [ $rc -eq "$want" ] && [ ! -s "$WORK/r.out" ] && grep -q "$pat" "$WORK/r.err" &&
	    { [ "$want" -eq 2 ] || [ "$(wc -l <"$WORK/r.err")" -eq 1 ]; } &&
	    [ "$(parties)" = "$before" ]; then
		ok "$*: exit $rc, $(head -1 "$WORK/r.err")"
	else
		fail "$*: exit $rc (want $want), $(cat "$WORK/r.err" "$WORK/r.out")"
	fi
	# a refusal (exit 1) is on the record; a usage error is not
	if [ "$want" -eq 1 ]; then grow=1; else grow=0; fi
	[ "$n1" -eq $((n0 + grow)) ] || fail "$*: refused records went from $n0 to $n1"
}
refused 1 "^certctl: refused: party bank-a is already registered" party add bank-a --cert "$P/c.pem"
refused 1 "^certctl: refused: this certificate is already registered as party bank-a" party add bank-c --cert "$P/a.pem"
refused 1 "^certctl: refused: .*expired.pem: the certificate expired on $(enddate "$P/expired.pem")" party add bank-c --cert "$P/expired.pem"
refused 1 "^certctl: refused: .*future.pem: the certificate is not valid yet" party add bank-c --cert "$P/future.pem"
refused 1 "^certctl: refused: .*ca.pem is a CA certificate" party add bank-c --cert "$P/ca.pem"
refused 1 "^certctl: refused: .*chain.pem holds 2 certificates" party add bank-c --cert "$P/chain.pem"
refused 1 "^certctl: refused: .*withkey.pem holds a private key" party add bank-c --cert "$P/withkey.pem"
refused 1 "^certctl: refused: .*c.key holds a private key" party add bank-c --cert "$P/c.key"
refused 1 "^certctl: refused: cannot read .*nosuch.pem: No such file" party add bank-c --cert "$P/nosuch.pem"
refused 1 "^certctl: refused: a party name is 1-64" party add "bank c" --cert "$P/c.pem"
refused 1 "^certctl: refused: a party name is 1-64" party add "$(printf 'x%.0s' $(seq 65))" --cert "$P/c.pem"
refused 2 "^certctl: usage: --rate is requests per second" party add bank-c --cert "$P/c.pem" --rate 100001
refused 2 "^certctl: usage: --rate is requests per second" party add bank-c --cert "$P/c.pem" --rate -1
refused 2 "^certctl: usage: party add NAME --cert FILE" party add bank-c
refused 1 "^certctl: refused: no party named \"bank-z\" is registered" party remove bank-z

# a registration outlives its certificate: list marks it
out=$(CERTSTATUS_NOW=$(date -u -d '+40 days' +%F) cc party list 2>&1)
echo "$out" | grep -q "^bank-b  *sha256 $FB until $(enddate "$P/b.pem") (expired) rate" &&
    ok "40 days on, party list marks bank-b (expired)" || fail "expired mark: $out"
CERTSTATUS_NOW=$(date -u -d '+40 days' +%F) cc --json party list | $PY -c '
import json, sys; v = json.load(sys.stdin); sys.exit(0 if [p["expired"] for p in v] == [True, True] else 1)' &&
    ok "--json: expired true 40 days on" || fail "--json expired"
cc --json party list | $PY -c '
import json, sys; v = json.load(sys.stdin); sys.exit(0 if [p["expired"] for p in v] == [False, False] else 1)' &&
    ok "--json: expired false today" || fail "--json not expired"

# --- remove, and register the name again ------------------------------------
out=$(cc party remove bank-a 2>&1) && echo "$out" | grep -q "^party.remove: party bank-a" &&
    ok "party remove bank-a: $out" || fail "remove: $out"
out=$(cc party list) && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "^bank-b " &&
    ok "party list no longer shows bank-a" || fail "list after remove: $out"
out=$(cc party list --all)
echo "$out" | grep -q "^bank-a .* removed 20[0-9-]*T[0-9:]*Z  *subject" &&
    echo "$out" | grep -q "^bank-b .* removed -  *subject" &&
    ok "party list --all shows bank-a with its removal time" || fail "list --all: $out"
[ "$(sqlite3 "$DB" "SELECT removed_by FROM parties WHERE name = 'bank-a'")" = tester ] &&
    ok "the removed row stays, removed_by tester" || fail "removed row"
before=$(parties)
refused 1 "^certctl: refused: party bank-a was already removed on" party remove bank-a
out=$(cc party add bank-a --cert "$P/c.pem" 2>&1) && ok "bank-a registered again with another certificate" ||
    fail "re-add bank-a: $out"
out=$(cc party add bank-a-old --cert "$P/a.pem" 2>&1) &&
    ok "the removed certificate may be registered again (as bank-a-old)" || fail "re-add a.pem: $out"
[ "$(sqlite3 "$DB" "SELECT group_concat(name || ':' || (removed_at IS NULL), ' ') FROM parties ORDER BY id")" = \
    "bank-a:0 bank-b:1 bank-a:1 bank-a-old:1" ] && ok "rows in id order: $(sqlite3 "$DB" "SELECT group_concat(name, ' ') FROM parties")" ||
    fail "rows: $(parties)"

# --- the record ----------------------------------------------------------------
out=$(cc audit verify 2>&1) && ok "$out" || fail "audit verify: $out"
cc audit show --limit 0 >"$WORK/audit.txt"
[ "$(grep -c " party.add party " "$WORK/audit.txt")" -eq 4 ] &&
    [ "$(grep -c " party.remove party bank-a " "$WORK/audit.txt")" -eq 1 ] &&
    [ "$(grep -c '"attempt":"party.add"' "$WORK/audit.txt")" -eq 11 ] &&
    [ "$(grep -c '"attempt":"party.remove"' "$WORK/audit.txt")" -eq 2 ] &&
    ok "audit show: 4 party.add, 1 party.remove, 11 + 2 refusals" ||
    fail "audit show: $(grep party "$WORK/audit.txt")"
grep " party.add party bank-a " "$WORK/audit.txt" | head -1 | grep -q "\"fingerprint\":\"$FA\"" &&
    ok "the party.add record names the fingerprint" || fail "audit detail"

# --- the server reads the registry as before -------------------------------------
start_server "$C"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$code" = 200 ] && ok "certstatusd serves the schema 6 registry: healthz $code" || fail "healthz $code"
stop_server_clean 5000
finish
