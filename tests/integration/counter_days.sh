#!/bin/sh
# SPDX-License-Identifier: ISC
# counter_days: a family's years at the counter, through the real certctl,
# with a real certstatusd answering OCSP (openssl ocsp) after each step.
# The child under 15 gets an authentication certificate and is refused a
# signature one; the mother marries (name change); the father moves within
# the city; the mother's card is lost and found, then takes new
# certificates; the father's card is replaced; the mother moves out of the
# city; the father dies (record removed).  After each step: `list`,
# `resident show`, the OCSP answer of every certificate concerned, and the
# audit record with the old and the new value.
. "$(dirname "$0")/lib.sh"
set +e	# refusals are expected here: each check says what failed

D="$WORK/demo"
make_demo "$D"
C="$D/certstatus.conf"
start_server "$C"
URL="http://127.0.0.1:$PORT/ocsp"
Y=$(date -u +%Y)
export CERTSTATUS_OPERATOR=counter-days

ctl() { "$CERTCTL" -c "$C" "$@"; }
jget() { $PY -c 'import json,sys
j=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    j=j[int(k)] if isinstance(j,list) else j[k]
print(j if j is not None else "-")' "$1"; }

# issue NAME CARD KIND: certificate in $WORK/NAME.pem, serial printed
issue() {
	ctl --json issue --card "$2" --kind "$3" --keyout "$WORK/$1.key" \
	    --out "$WORK/$1.pem" | jget serial
}

# ocsp NAME WANT [REASON]: the server's answer for $WORK/NAME.pem (a change
# is visible within a second or so: ask for up to 5 s)
ocsp() {
	i=0
	while :; do
		out=$(timeout 20 openssl ocsp -issuer "$D/issuer.pem" -CAfile \
		    "$D/issuer.pem" -url "$URL" -cert "$WORK/$1.pem" -no_nonce 2>&1)
		got=$(printf '%s\n' "$out" | awk -v n="$WORK/$1.pem:" '$1 == n { print $2 }')
		reason=$(printf '%s\n' "$out" | awk '$1 == "Reason:" { print $2 }')
		[ -n "$reason" ] || reason=-
		if [ "$got" = "$2" ] && [ "$reason" = "${3:--}" ]; then
			ok "OCSP $1: $got ${3:-}"
			return 0
		fi
		i=$((i + 1))
		if [ $i -ge 25 ]; then
			fail "OCSP $1: got '$got $reason', want '$2 ${3:--}'"
			return 1
		fi
		sleep 0.2
	done
}

# state SERIAL WANT: "state reason" from certctl show
state() {
	got=$(ctl --json show "$1" | $PY -c 'import json,sys
j=json.load(sys.stdin); print(j["state"], j["reason"] or "-")')
	[ "$got" = "$2" ] && ok "show $1: $got" || fail "show $1: '$got', want '$2'"
}

# refused WHAT TEXT CMD...: exit 1, one line "certctl: refused: ...TEXT..."
refused() {
	what=$1 text=$2
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 1 ]; then
		fail "$what: exit $rc, want 1 ($out)"
	elif [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ]; then
		fail "$what: refusal is not one line: $out"
	else
		case "$out" in
		"certctl: refused: "*"$text"*) ok "$what refused: $out" ;;
		*) fail "$what: refusal '$out' does not say '$text'" ;;
		esac
	fi
}

# last_audit ACTION PYEXPR: the newest record of ACTION satisfies PYEXPR (d = detail)
last_audit() {
	ctl --json audit show --limit 0 | $PY -c 'import json,sys
a=[x for x in json.load(sys.stdin) if x["action"]==sys.argv[1]]
d=a[-1]["detail"] if a else None
assert d is not None and ('"$2"'), (sys.argv[1], d)
print("audit", sys.argv[1], "ok")' "$1" >/dev/null && ok "audit $1: $2" ||
	    fail "audit $1 does not satisfy: $2"
}

count_audit() { ctl --json audit show --limit 0 | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

echo "== day 1: the family registers; the child is 9"
ctl resident add F1 --name "稲城 太郎" --address "東京都稲城市東長沼1-1" \
    --birth-date 1980-05-05 --sex male >/dev/null || fail "add father"
ctl resident add M1 --name "山田 花子" --address "東京都稲城市東長沼1-1" \
    --birth-date 1985-08-08 --sex female >/dev/null || fail "add mother"
ctl resident add K1 --name "稲城 一郎" --address "東京都稲城市東長沼1-1" \
    --birth-date "$((Y - 9))-01-10" --sex male >/dev/null || fail "add child"
ctl card add --resident F1 --number F-CARD-1 --type mynumber --expires "$((Y + 5))-01-01" >/dev/null || fail "father card"
ctl card add --resident M1 --number M-CARD-1 --type mynumber --expires "$((Y + 5))-01-01" >/dev/null || fail "mother card"
refused "a child's card valid for 10 years" "5th birthday" \
    ctl card add --resident K1 --number K-CARD-1 --type mynumber --expires "$((Y + 9))-01-01"
ctl card add --resident K1 --number K-CARD-1 --type mynumber --expires "$((Y + 4))-01-01" >/dev/null || fail "child card"
refused "a second card in use" "card replace F-CARD-1" \
    ctl card add --resident F1 --number F-CARD-X --type mynumber --expires "$((Y + 5))-01-01"
fs=$(issue f-sign F-CARD-1 sign) && fa=$(issue f-auth F-CARD-1 auth) || fail "father certs"
ms=$(issue m-sign M-CARD-1 sign) && ma=$(issue m-auth M-CARD-1 auth) || fail "mother certs"
ka=$(issue k-auth K-CARD-1 auth) || fail "child auth"
refused "a signature certificate for the 9-year-old" "15th birthday" \
    ctl issue --card K-CARD-1 --kind sign --keyout "$WORK/k-sign.key"
[ "$(ctl --json audit show --refused --limit 1 | jget 0.detail.attempt)" = cert.issue ] &&
    ok "the refusal is on the record" || fail "refused issue not audited"
for n in f-sign f-auth m-sign m-auth k-auth; do ocsp $n good; done
[ "$(ctl --json list --resident K1 | $PY -c 'import json,sys; print(",".join(c["kind"] for c in json.load(sys.stdin)))')" = auth ] &&
    ok "list: the child holds auth only" || fail "list K1"

echo "== day 2: the mother marries: name change"
ctl resident change M1 --name "稲城 花子" >/dev/null || fail "name change"
ocsp m-sign revoked affiliationChanged
ocsp m-auth good
last_audit resident.change "d['changed']['name']=={'from':'山田 花子','to':'稲城 花子'} and d['revoked']==['$ms']"
before=$(count_audit)
refused "the same name again" "nothing changed" ctl resident change M1 --name "稲城 花子"
[ "$(count_audit)" -eq $((before + 1)) ] && ok "refusal: one record, nothing else" || fail "refusal wrote more"
ms2=$(issue m-sign2 M-CARD-1 sign) || fail "mother new sign"
ocsp m-sign2 good
[ "$(ctl --json resident show M1 | jget name)" = "稲城 花子" ] && ok "show: the new name" || fail "show M1 name"

echo "== day 3: the father moves within the city"
ctl resident change F1 --address "東京都稲城市平尾2-2" >/dev/null || fail "move"
ocsp f-sign revoked affiliationChanged
ocsp f-auth good
last_audit resident.change "d['changed']['address']=={'from':'東京都稲城市東長沼1-1','to':'東京都稲城市平尾2-2'}"
fs2=$(issue f-sign2 F-CARD-1 sign) || fail "father new sign"
ocsp f-sign2 good
refused "revoking auth for affiliationChanged" "never a reason" ctl revoke "$fa" --reason affiliationChanged
refused "a CA-level reason at the counter" "CA" ctl revoke "$fa" --reason cACompromise
ocsp f-auth good

echo "== day 4: the mother's card is lost, then found"
ctl card lost M-CARD-1 >/dev/null || fail "lost"
ocsp m-sign2 revoked certificateHold
ocsp m-auth revoked certificateHold
refused "unlocking a lost card" "reported lost" ctl card unlock M-CARD-1 --secret auth
ctl card found M-CARD-1 >/dev/null || fail "found"
ocsp m-sign2 revoked cessationOfOperation
ocsp m-auth revoked cessationOfOperation
ctl card unlock M-CARD-1 --secret auth >/dev/null || fail "unlock after found"
last_audit card.unlock "d['secret']=='auth' and d['locks_after']==3"
ms3=$(issue m-sign3 M-CARD-1 sign) && ma3=$(issue m-auth3 M-CARD-1 auth) || fail "new certs on the found card"
ocsp m-sign3 good
ocsp m-auth3 good
[ "$(ctl --json card show M-CARD-1 | jget state)" = found ] && ok "card show: found (usable)" || fail "card show state"

echo "== day 5: the father's card is replaced"
refused "a replacement expiring in the past" "expired already" \
    ctl card replace F-CARD-1 --number F-CARD-2 --expires 2020-01-01
ctl card replace F-CARD-1 --number F-CARD-2 --expires "$((Y + 5))-06-01" >/dev/null || fail "replace"
ocsp f-sign2 revoked superseded
ocsp f-auth revoked superseded
ocsp f-sign revoked affiliationChanged
fs3=$(issue f-sign3 F-CARD-2 sign) || fail "sign on the new card"
ocsp f-sign3 good
refused "issuing on the replaced card" "replaced" ctl issue --card F-CARD-1 --kind auth --keyout "$WORK/x.key"

echo "== day 6: the mother moves out of the city"
ctl resident moveout M1 --to "神奈川県川崎市多摩区3-3" >/dev/null || fail "moveout"
ocsp m-sign3 revoked affiliationChanged
ocsp m-auth3 good
refused "issuing for a resident who moved out" "moved out" \
    ctl issue --card M-CARD-1 --kind sign --keyout "$WORK/y.key"
[ "$(ctl --json resident show M1 | jget state)" = "moved out" ] && ok "show: moved out" || fail "show M1 state"
last_audit resident.moveout "d['changed']['address']['from']=='東京都稲城市東長沼1-1' and d['changed']['address']['to']=='神奈川県川崎市多摩区3-3'"

echo "== day 7: the father dies"
ctl resident remove F1 --note death >/dev/null || fail "remove"
ocsp f-sign3 revoked cessationOfOperation
state "$fs3" "revoked cessationOfOperation"
[ "$(ctl --json card show F-CARD-2 | jget state)" = returned ] && ok "card returned" || fail "card F-CARD-2 state"
[ "$(ctl --json resident show F1 | jget state)" = removed ] && ok "show: removed" || fail "show F1 state"
refused "a card for the removed resident" "removed" \
    ctl card add --resident F1 --number F-CARD-3 --type mynumber --expires "$((Y + 5))-01-01"
ocsp k-auth good	# the child is not touched by any of it
ocsp m-auth3 good

echo "== the clerk's view and the record"
ctl resident show K1 | grep -q "稲城 一郎" && ok "resident show (text)" || fail "resident show text"
refused "list for nobody" "no resident" ctl list --resident NOBODY
out=$(ctl --json list --resident NOBODY 2>/dev/null); rc=$?
[ $rc -eq 1 ] && [ "$(printf '%s' "$out" | jget error)" = refused ] &&
    ok "--json refusal on stdout, exit 1" || fail "--json refusal: $rc $out"
ctl --json show "$ka" | grep -q change_seq && fail "--json exposes change_seq" || ok "--json: no internal fields"
ctl help card | grep -q -- "--secret" && ok "help card" || fail "help card"
ctl audit verify >/dev/null && ok "audit verify" || fail "audit verify"
n=$(ctl --json audit show --refused --limit 0 | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" -ge 12 ] && ok "$n refusals on the record" || fail "only $n refusals recorded"
stop_server_clean
finish
