#!/bin/sh
# SPDX-License-Identifier: ISC
# The CA key kept away from the server: certctl crl generate signs and
# stores the CRLs, a server without crl-key serves the newest stored ones;
# certctl crl generate --delta-only publishes a revocation in the delta only
# (openssl verify -use_deltas sees it, the full alone does not); an issuer
# without its CA key is refused; the run is audited.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D" --no-crl	# this test publishes them itself
C="$D/certstatus.conf"
echo "poll-interval-ms 100" >>"$C"
start_server "$C"
U="http://127.0.0.1:$PORT"

number() { openssl crl -inform DER -in "$1" -noout -crlnumber | sed 's/crlNumber=//'; }
listed() { openssl crl -inform DER -in "$1" -noout -text | grep -q "Serial Number: $2\$"; }
# wait_number NAME N OUT: until /crl/NAME serves CRL number N (5 s)
wait_number() {
	i=0
	while [ $i -lt 50 ]; do
		if [ "$(curl -s -o "$3" -w '%{http_code}' "$U/crl/$1")" = 200 ] &&
			[ "$(printf '%d' "$(number "$3")")" -eq "$2" ]; then
			openssl crl -inform DER -in "$3" -out "$3.pem"
			return 0
		fi
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

c=$(curl -s -o /dev/null -w '%{http_code}' "$U/crl/inagi.crl")
[ "$c" = 404 ] && ok "nothing stored yet: 404" || fail "expected 404, got $c"

"$CERTCTL" -c "$C" --json crl generate >"$WORK/gen1.json" || fail "crl generate"
F1=$($PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['full']['number'], d['full']['entries'], d['delta']['number'], d['seconds'] >= 0)" "$WORK/gen1.json")
set -- $F1
[ "$1" = 1 ] && [ "$2" = 13 ] && [ "$3" = 2 ] && [ "$4" = True ] &&
	ok "crl generate: full 1 with 13 entries (the demo's revoked and held), delta 2, seconds reported" ||
	{ cat "$WORK/gen1.json"; fail "crl generate result: $F1"; }
wait_number inagi.crl 1 "$WORK/full1.der" && ok "server serves the stored full CRL" ||
	fail "stored full CRL not served"
wait_number inagi-delta.crl 2 "$WORK/delta1.der" || fail "stored delta not served"
openssl crl -inform DER -in "$WORK/full1.der" -CAfile "$D/issuer.pem" -noout 2>&1 |
	grep -q "verify OK" && ok "stored CRL verifies" || fail "stored CRL does not verify"

S=$(awk -F'\t' '$1 == "good-sign.pem" {print $2}' "$D/certs/index.tsv")
"$CERTCTL" -c "$C" revoke "$S" --reason keyCompromise >/dev/null || fail "revoke"
"$CERTCTL" -c "$C" crl generate --delta-only >"$WORK/gen2.txt" || fail "delta-only"
grep -q "delta CRL 3 (base 1), 1 entries" "$WORK/gen2.txt" &&
	ok "delta-only: delta 3 based on full 1 with the one revocation" ||
	{ cat "$WORK/gen2.txt"; fail "delta-only output"; }
wait_number inagi-delta.crl 3 "$WORK/delta2.der" && ok "server serves the new delta" ||
	fail "new delta not served"
wait_number inagi.crl 1 "$WORK/full1b.der" && ! listed "$WORK/full1b.der" "$S" &&
	ok "the full CRL served is still 1, without the revocation" ||
	fail "full CRL changed"
listed "$WORK/delta2.der" "$S" && ok "the delta lists the revocation" || fail "delta lacks it"
openssl verify -crl_check -CAfile "$D/issuer.pem" -CRLfile "$WORK/full1.der.pem" \
	"$D/certs/good-sign.pem" >/dev/null 2>&1 &&
	ok "full alone: good-sign.pem passes" || fail "full alone rejects good-sign"
if openssl verify -crl_check -use_deltas -CAfile "$D/issuer.pem" \
	-CRLfile "$WORK/full1.der.pem" -CRLfile "$WORK/delta2.der.pem" \
	"$D/certs/good-sign.pem" >"$WORK/v.txt" 2>&1; then
	fail "-use_deltas passes a certificate only the delta revokes"
else
	grep -q "certificate revoked" "$WORK/v.txt" &&
		ok "-use_deltas: full + delta: certificate revoked" ||
		{ cat "$WORK/v.txt"; fail "-use_deltas: other failure"; }
fi

"$CERTCTL" -c "$C" crl generate >/dev/null || fail "second generate"
wait_number inagi.crl 4 "$WORK/full4.der" && listed "$WORK/full4.der" "$S" &&
	ok "next full CRL 4 lists it" || fail "full CRL 4 not served with the entry"

"$CERTCTL" -c "$C" audit show --limit 5 | grep -q "crl.generate issuer inagi" &&
	ok "crl generate is audited" || fail "no crl.generate audit record"
"$CERTCTL" -c "$C" audit verify >/dev/null && ok "audit chain intact" || fail "audit verify"

"$CERTCTL" -c "$C" ca import nokey --ca-cert "$D/issuer.pem" \
	--signer-cert "$D/signer.pem" --signer-key "$D/keys/inagi-ocsp.key" >/dev/null ||
	fail "ca import"
if "$CERTCTL" -c "$C" crl generate --ca nokey 2>"$WORK/err.txt"; then
	fail "crl generate signed for an issuer without its CA key"
else
	grep -q "has no CA key" "$WORK/err.txt" &&
		ok "refused: $(cat "$WORK/err.txt")" || { cat "$WORK/err.txt"; fail "refusal text"; }
fi
finish
