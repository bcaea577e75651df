#!/bin/sh
# SPDX-License-Identifier: ISC
# A resident's life through the real certctl binary: demo, then issue, move,
# replace the card, lose it, find it; each certificate's status checked with
# `show --json`; a refusal's exit code and one-line message; openssl verify of
# an issued certificate; audit verify.  Exits non-zero on the first failure,
# saying what failed.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${BIN:-$TOP/bin}
case "$BIN" in /*) ;; *) BIN="$TOP/$BIN" ;; esac
CERTCTL="$BIN/certctl"
work=$(mktemp -d /tmp/certctl_walk.XXXXXX)
trap 'rm -rf "$work"' EXIT
export CERTSTATUS_OPERATOR=walkthrough

fail() { echo "FAIL: $*"; exit 1; }
step() { echo "== $*"; }

# Run certctl against the demo's config from another directory.
ctl() { (cd / && "$CERTCTL" -c "$work/demo/certstatus.conf" "$@"); }

# status SERIAL -> "status reason"
status() {
	ctl --json show "$1" | python3 -c 'import json,sys
j=json.load(sys.stdin); print(j["status"], j["reason"] or "-")'
}
expect() {
	got=$(status "$1") || fail "show $1"
	[ "$got" = "$2" ] || fail "$3: serial $1 is '$got', expected '$2'"
	echo "   $3: $1 $got"
}
serial_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["serial"])'; }

step "demo from another working directory"
(cd "$work" && "$CERTCTL" demo demo >/dev/null) || fail "certctl demo"
for f in certstatus.conf issuer.pem certs/index.tsv certstatus.db; do
	[ -e "$work/demo/$f" ] || fail "demo did not write $f"
done
[ "$(wc -l < "$work/demo/certs/index.tsv")" -ge 15 ] || fail "index.tsv too short"
grep -q "	unknown	-$" "$work/demo/certs/index.tsv" || fail "no never-issued line"
(cd "$work" && "$CERTCTL" demo demo >/dev/null 2>&1) && fail "demo over an existing database was not refused"
# every index line agrees with the registry
while IFS="	" read -r file serial want reason; do
	[ "$want" = unknown ] && continue
	got=$(status "$serial") || fail "show $serial ($file)"
	case "$want/$reason" in
	good/-) exp="good -" ;;
	revoked/certificateHold) exp="hold certificateHold" ;;
	*) exp="revoked $reason" ;;
	esac
	[ "$got" = "$exp" ] || fail "$file: registry says '$got', index says '$exp'"
done < "$work/demo/certs/index.tsv"
echo "   index.tsv matches the registry"

step "a new resident with a My Number Card"
ctl resident add W1 --name "稲城 一郎" --address "東京都稲城市東長沼2111" \
    --birth-date 1990-02-28 --sex male >/dev/null || fail "resident add"
ctl card add --resident W1 --number W-CARD-1 --type mynumber \
    --expires 2035-12-31 >/dev/null || fail "card add"
sign=$(ctl --json issue --card W1-none --kind sign --keyout "$work/x.key" 2>/dev/null)
[ $? -eq 1 ] || fail "issue on an unknown card did not exit 1"
sign=$(ctl --json issue --card W-CARD-1 --kind sign --keyout "$work/w1-sign.key" \
    --out "$work/w1-sign.pem" --copy "$work/w1-copy.html" | serial_of) || fail "issue sign"
auth=$(ctl --json issue --card W-CARD-1 --kind auth --keyout "$work/w1-auth.key" \
    --out "$work/w1-auth.pem" | serial_of) || fail "issue auth"
[ "$(stat -c %a "$work/w1-sign.key")" = 600 ] || fail "key file is not 0600"
grep -q "$sign" "$work/w1-copy.html" || fail "copy HTML lacks the serial"
openssl verify -CAfile "$work/demo/issuer.pem" "$work/w1-sign.pem" >/dev/null ||
    fail "openssl verify of the issued certificate"
[ "$(openssl x509 -in "$work/w1-sign.pem" -noout -serial)" = "serial=$sign" ] ||
    fail "serial printed by openssl differs"
expect "$sign" "good -" "issued sign"
expect "$auth" "good -" "issued auth"
out=$(ctl issue --card W-CARD-1 --kind sign --keyout "$work/w1-sign2.key") ||
    fail "second sign issue"
printf '%s\n' "$out" | grep -q "有効期限" || fail "human issue output lacks the certificate copy"
printf '%s\n' "$out" | grep -q "renewal: the previous certificate was revoked (superseded): $sign" ||
    fail "a second sign certificate on the card does not say it is a renewal"
sign2=$(ctl --json list --card W-CARD-1 --status good | python3 -c 'import json,sys
print([c["serial"] for c in json.load(sys.stdin) if c["kind"]=="sign"][-1])')
expect "$sign" "revoked superseded" "renewal"

step "moving: sign certificates end, auth stays"
ctl resident change W1 --address "東京都稲城市平尾1-1" >/dev/null || fail "resident change"
expect "$sign" "revoked superseded" "after move (renewed before)"
expect "$sign2" "revoked affiliationChanged" "after move"
expect "$auth" "good -" "after move"
new_sign=$(ctl --json issue --card W-CARD-1 --kind sign --keyout "$work/w1-sign3.key" |
    serial_of) || fail "issue after move"

step "card replaced: everything on the old card superseded"
ctl card replace W-CARD-1 --number W-CARD-2 --expires 2036-01-31 >/dev/null || fail "card replace"
expect "$auth" "revoked superseded" "after replace"
expect "$new_sign" "revoked superseded" "after replace"
expect "$sign2" "revoked affiliationChanged" "already revoked, left alone"

step "a refusal: one line, exit 1"
out=$(ctl issue --card W-CARD-1 --kind sign --keyout "$work/nope.key" 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "issue on a replaced card exited $rc, expected 1"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "refusal is not one line: $out"
case "$out" in "certctl: refused: "*) ;; *) fail "refusal text: $out" ;; esac
echo "   $out"
ctl frobnicate >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown verb did not exit 2"

step "card lost: hold; found: revoked, and the card takes new certificates"
s4=$(ctl --json issue --card W-CARD-2 --kind sign --keyout "$work/w1-sign4.key" | serial_of) || fail "issue on new card"
a4=$(ctl --json issue --card W-CARD-2 --kind auth --keyout "$work/w1-auth4.key" | serial_of) || fail "issue auth on new card"
ctl card lost W-CARD-2 >/dev/null || fail "card lost"
expect "$s4" "hold certificateHold" "lost"
expect "$a4" "hold certificateHold" "lost"
ctl card found W-CARD-2 >/dev/null || fail "card found"
expect "$s4" "revoked cessationOfOperation" "found"
expect "$a4" "revoked cessationOfOperation" "found"
s5=$(ctl --json issue --card W-CARD-2 --kind sign --keyout "$work/w1-sign5.key" | serial_of) ||
    fail "issue on the found card"
expect "$s5" "good -" "new certificate on the found card"

step "counter procedure on a card without a photo (on a day the Juki card was valid)"
# No new Juki card today; the card of 2015 is recorded as history, and the
# procedure happens on 2024-06-01 (CERTSTATUS_NOW), when it was still valid.
ctl resident add W2 --name "Juki Holder" --address "Inagi" --birth-date 1950-01-01 --sex 3 >/dev/null || fail "resident add W2"
out=$(ctl card add --resident W2 --number W-JUKI --type juki --expires 2025-06-01 --no-photo 2>&1) &&
    fail "a new Juki card today was not refused"
case "$out" in *"no new Juki cards"*) ;; *) fail "Juki card refusal: $out" ;; esac
CERTSTATUS_NOW=2024-06-01T01:00:00Z ctl card add --resident W2 --number W-JUKI --type juki \
    --expires 2025-06-01 --no-photo --issued-at 2015-06-02 >/dev/null || fail "card add juki (history)"
CERTSTATUS_NOW=2024-06-01T01:00:00Z ctl card unlock W-JUKI --secret sign >/dev/null 2>&1 &&
    fail "unlock without photo document was not refused"
CERTSTATUS_NOW=2024-06-01T01:00:00Z ctl card unlock W-JUKI --secret sign --document "library card" >/dev/null 2>&1 &&
    fail "a library card was accepted as a photo document"
CERTSTATUS_NOW=2024-06-01T01:00:00Z ctl card unlock W-JUKI --secret sign --document "driver's licence" >/dev/null ||
    fail "unlock with licence"
out=$(CERTSTATUS_NOW=2024-06-01T01:00:00Z ctl issue --card W-JUKI --kind sign --keyout "$work/j.key" 2>&1) &&
    fail "Juki issuance after the end date was not refused"
case "$out" in *"My Number Card"*) ;; *) fail "Juki refusal does not point to the My Number Card: $out" ;; esac
out=$(ctl card unlock W-JUKI --secret sign --document "driver's licence" 2>&1) && fail "unlock on an expired card was not refused"
case "$out" in *"expired on 2025-06-01"*) ;; *) fail "expired card refusal: $out" ;; esac

step "audit"
ctl audit verify || fail "audit verify"
ctl --json audit show --limit 3 | python3 -c 'import json,sys
a=json.load(sys.stdin); assert len(a)==3 and a[-1]["action"]=="refused" and a[-1]["detail"]["attempt"]=="card.unlock", a' || fail "audit show"
ctl --json audit show --refused | python3 -c 'import json,sys
a=json.load(sys.stdin); assert all(x["action"]=="refused" for x in a) and len(a)>=5, a' || fail "audit show --refused"
echo "walkthrough passed"
