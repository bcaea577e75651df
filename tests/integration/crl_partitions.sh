#!/bin/sh
# SPDX-License-Identifier: ISC
# Partitioned CRLs (crl-partitions): certificates issued with crl-partitions
# 4 name /crl/inagi-<k>.crl, k stored with them; certctl crl generate
# publishes every partition (full + delta, a critical issuingDistributionPoint
# naming that URL, numbers per partition) and reports the entries of each;
# the server serves them (404 past the partitions); openssl verify
# -crl_check accepts a partition's CRL for its certificates (revoked ones
# revoked) and rejects it for another partition's ("different CRL scope"),
# -use_deltas sees a revocation only the partition's delta lists; the demo's
# certificates, issued before partitioning, stay on inagi.crl; crl-partitions
# 8 later moves none of them and the server's own generator (crl-key)
# publishes all eight.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D" --no-crl	# the demo's certificates: before partitioning
C="$D/certstatus.conf"
DB="$D/certstatus.db"
echo "poll-interval-ms 100" >>"$C"
ctl() { "$CERTCTL" -c "$C" "$@"; }
q() { sqlite3 "$DB" "$1"; }
# the k of the cRLDistributionPoints URL .../crl/inagi-<k>.crl ("" for inagi.crl)
dp_part() {
	openssl x509 -in "$1" -noout -ext crlDistributionPoints |
	    sed -n 's|.*URI:.*/crl/inagi-\([0-9]*\)\.crl$|\1|p'
}
dp_url() { openssl x509 -in "$1" -noout -ext crlDistributionPoints | sed -n 's/.*URI://p'; }
serial() { openssl x509 -in "$1" -noout -serial | sed 's/serial=//'; }
listed() { openssl crl -in "$1" -noout -text | grep -q "Serial Number: $2\$"; }
number() { printf '%d' "$(openssl crl -in "$1" -noout -crlnumber | sed 's/crlNumber=//')"; }

OLD="$D/certs/good-sign.pem"
OLDR="$D/certs/key-compromise-sign.pem"	# revoked by the demo
[ -z "$(dp_part "$OLD")" ] && dp_url "$OLD" | grep -q '/crl/inagi\.crl$' &&
	[ "$(q "SELECT count(*) FROM certificates WHERE crl_partition IS NOT NULL")" = 0 ] &&
	ok "before crl-partitions: the demo's certificates name inagi.crl, no partition stored" ||
	fail "demo certificates: $(dp_url "$OLD")"

# issue n residents' sign + auth certificates into $WORK/c/<tag><i>-{sign,auth}.pem,
# all for one P-256 key made here (key generation is not what is tested)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/k.pem" 2>/dev/null &&
	openssl pkey -in "$WORK/k.pem" -pubout -out "$WORK/pub.pem" || fail "key"
issue() {
	tag=$1 n=$2 i=1
	mkdir -p "$WORK/c"
	while [ $i -le "$n" ]; do
		ctl resident add "$tag$i" --name "稲城 $tag$i" --address "東京都稲城市東長沼2111" \
		    --birth-date 1990-02-28 --sex male >/dev/null || fail "resident add $tag$i"
		ctl card add --resident "$tag$i" --number "CARD-$tag$i" --type mynumber \
		    --expires 2035-12-31 >/dev/null || fail "card add $tag$i"
		for k in sign auth; do
			ctl issue --card "CARD-$tag$i" --kind $k --pubkey "$WORK/pub.pem" \
			    --out "$WORK/c/$tag$i-$k.pem" >/dev/null || fail "issue $tag$i $k"
		done
		i=$((i + 1))
	done
}

echo "crl-partitions 4" >>"$C"
issue P 12
# every certificate: its partition from its CRLDP, and the registry's
: >"$WORK/parts.txt"
for f in "$WORK"/c/P*.pem; do
	k=$(dp_part "$f"); s=$(serial "$f")
	echo "$k $s $f" >>"$WORK/parts.txt"
done
bad=$(awk '$1 == "" || $1 > 3' "$WORK/parts.txt" | wc -l)
used=$(awk '{print $1}' "$WORK/parts.txt" | sort -u | wc -l)
[ "$(wc -l <"$WORK/parts.txt")" = 24 ] && [ "$bad" = 0 ] && [ "$used" -ge 2 ] &&
	ok "24 certificates issued with crl-partitions 4 name inagi-0..3.crl ($used partitions used)" ||
	{ cat "$WORK/parts.txt"; fail "partition URLs: $bad outside 0..3, $used used"; }
mism=0
while read -r k s f; do
	[ "$(q "SELECT crl_partition FROM certificates WHERE hex(serial) = '$s'")" = "$k" ] ||
		mism=$((mism + 1))
done <"$WORK/parts.txt"
[ $mism = 0 ] && ok "the registry stores each certificate's partition as its CRLDP names it" ||
	fail "$mism certificates whose stored partition differs from their CRLDP"
q "SELECT hex(serial) || ' ' || ifnull(crl_partition, '-') FROM certificates ORDER BY id" \
	>"$WORK/before8.txt"

# the two fullest partitions a and b (24 over 4: a has 6 or more, b 2 or
# more unless the hash is badly skewed); revoke one certificate in each (and
# keep a good one of each), and one of the demo's old ones
awk '{print $1}' "$WORK/parts.txt" | sort | uniq -c | sort -rn >"$WORK/fill.txt"
A=$(awk 'NR == 1 {print $2}' "$WORK/fill.txt")
B=$(awk 'NR == 2 {print $2}' "$WORK/fill.txt")
awk -v k="$A" '$1 == k {print $3}' "$WORK/parts.txt" >"$WORK/a.txt"
awk -v k="$B" '$1 == k {print $3}' "$WORK/parts.txt" >"$WORK/b.txt"
RA=$(sed -n 1p "$WORK/a.txt"); GA=$(sed -n 2p "$WORK/a.txt"); RA2=$(sed -n 3p "$WORK/a.txt")
RB=$(sed -n 1p "$WORK/b.txt"); GB=$(sed -n 2p "$WORK/b.txt")
[ -n "$RA" ] && [ -n "$GA" ] && [ -n "$RA2" ] && [ -n "$RB" ] && [ -n "$GB" ] ||
	{ cat "$WORK/parts.txt"; fail "too few certificates in partitions $A and $B"; finish; }
for f in "$RA" "$RB" "$OLD"; do
	ctl revoke "$(serial "$f")" --reason keyCompromise >/dev/null || fail "revoke $f"
done

ctl --json crl generate >"$WORK/gen1.json" || fail "crl generate"
got=$($PY - "$WORK/gen1.json" "$A" "$B" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); a, b = int(sys.argv[2]), int(sys.argv[3])
p = d["partitions"]
ent = [x["full"]["entries"] for x in p]
ok = (len(p) == 4 and [x["partition"] for x in p] == [0, 1, 2, 3]
      and ent[a] == 1 and ent[b] == 1 and sum(ent) == 2
      and all(x["full"]["number"] == 1 and x["delta"]["number"] == 2 for x in p)
      and d["full"]["entries"] == 14)
print("ok" if ok else "bad", ent, d["full"]["entries"])
EOF
)
case "$got" in ok*) ok "crl generate --json: 4 partitions, entries $(echo "$got" | cut -d' ' -f2-) (partition, unpartitioned), numbers 1/2 in each";;
*) cat "$WORK/gen1.json"; fail "crl generate result: $got";; esac
ctl crl generate >"$WORK/gen2.txt" || fail "second crl generate"
grep -q "crl inagi: 4 partitions (inagi-0 .. inagi-3): 2 entries in full CRLs (0 .. 1 each)" "$WORK/gen2.txt" &&
	grep -q "^  inagi-$A: full CRL 3, 1 entries" "$WORK/gen2.txt" &&
	grep -q "crl inagi: full CRL 3, 14 entries" "$WORK/gen2.txt" &&
	ok "crl generate prints the partition sizes; each partition numbers its own CRLs (3 now)" ||
	{ cat "$WORK/gen2.txt"; fail "crl generate text"; }

start_server "$C"
U="http://127.0.0.1:$PORT"
get() { curl -s -o "$2.der" -w '%{http_code}' "$U/crl/$1"; }
for k in 0 1 2 3; do
	for s in "" -delta; do
		c=$(get "inagi-$k$s.crl" "$WORK/p$k$s")
		[ "$c" = 200 ] || { fail "/crl/inagi-$k$s.crl: $c"; continue; }
		openssl crl -inform DER -in "$WORK/p$k$s.der" -out "$WORK/p$k$s.pem"
		openssl crl -in "$WORK/p$k$s.pem" -noout -text >"$WORK/p$k$s.txt"
		openssl crl -in "$WORK/p$k$s.pem" -CAfile "$D/issuer.pem" -noout 2>&1 |
		    grep -q "verify OK" || fail "inagi-$k$s.crl does not verify"
		grep -A2 "Issuing Distribution Point: critical" "$WORK/p$k$s.txt" |
		    grep -q "URI:http://127.0.0.1:8080/crl/inagi-$k.crl\$" ||
		    { cat "$WORK/p$k$s.txt"; fail "inagi-$k$s.crl: no critical IDP naming inagi-$k.crl"; }
	done
	grep -A1 "Freshest CRL" "$WORK/p$k.txt" | grep -q "Full Name:" &&
	    grep -A3 "Freshest CRL" "$WORK/p$k.txt" | grep -q "URI:http://127.0.0.1:8080/crl/inagi-$k-delta.crl" &&
	    grep -q "Delta CRL Indicator: critical" "$WORK/p$k-delta.txt" ||
	    fail "partition $k: freshestCRL / deltaCRLIndicator"
done
ok "served: inagi-0..3.crl and their deltas, signed, each with a critical IDP naming its own URL"
[ "$(number "$WORK/p$A.pem")" = 3 ] && listed "$WORK/p$A.pem" "$(serial "$RA")" &&
	! listed "$WORK/p$A.pem" "$(serial "$RB")" && listed "$WORK/p$B.pem" "$(serial "$RB")" &&
	! listed "$WORK/p$A.pem" "$(serial "$OLD")" &&
	ok "partition $A's CRL lists only its revoked certificate (not partition $B's, not the old one)" ||
	fail "partition CRL entries"
for n in inagi-4.crl inagi-4-delta.crl inagi-01.crl inagi--1.crl inagi-x.crl; do
	c=$(curl -s -o /dev/null -w '%{http_code}' "$U/crl/$n")
	[ "$c" = 404 ] || fail "/crl/$n: $c, expected 404"
done
ok "404 for inagi-4.crl, inagi-4-delta.crl, inagi-01.crl, inagi--1.crl, inagi-x.crl"

c=$(get inagi.crl "$WORK/top"); openssl crl -inform DER -in "$WORK/top.der" -out "$WORK/top.pem"
[ "$c" = 200 ] && listed "$WORK/top.pem" "$(serial "$OLD")" && listed "$WORK/top.pem" "$(serial "$OLDR")" &&
	! listed "$WORK/top.pem" "$(serial "$RA")" &&
	openssl crl -in "$WORK/top.pem" -noout -text | grep -A2 "Issuing Distribution Point: critical" |
	    grep -q "URI:http://127.0.0.1:8080/crl/inagi.crl\$" &&
	ok "inagi.crl keeps the demo's certificates (and the new revocation of one), none of the partitions', scoped by its IDP" ||
	fail "unpartitioned CRL"

verify() {	# verify CERT CRL... : openssl's last line
	cert=$1; shift
	args=""
	for crl in "$@"; do args="$args -CRLfile $crl"; done
	# shellcheck disable=SC2086
	openssl verify -crl_check ${USE_DELTAS:-} -CAfile "$D/issuer.pem" $args "$cert" 2>&1 | tail -n 3
}
out=$(verify "$GA" "$WORK/p$A.pem")
echo "$out" | grep -q ": OK$" && ok "verify -crl_check: good certificate of partition $A with its CRL: OK" ||
	fail "good partition certificate with its CRL: $out"
out=$(verify "$RA" "$WORK/p$A.pem")
echo "$out" | grep -q "certificate revoked" && ok "verify -crl_check: revoked one of partition $A: certificate revoked" ||
	fail "revoked partition certificate: $out"
out=$(verify "$GB" "$WORK/p$A.pem")
echo "$out" | grep -qi "different CRL scope" && ! echo "$out" | grep -q ": OK$" &&
	ok "verify -crl_check: partition $B's certificate with partition $A's CRL: rejected ($(echo "$out" | grep -i scope | head -1))" ||
	fail "other partition's certificate with this CRL: $out"
out=$(verify "$RB" "$WORK/p$A.pem")
echo "$out" | grep -qi "different CRL scope" &&
	ok "verify -crl_check: partition $B's revoked certificate is not passed by partition $A's CRL either" ||
	fail "other partition's revoked certificate: $out"
out=$(verify "$GA" "$WORK/top.pem")
echo "$out" | grep -qi "different CRL scope" &&
	ok "verify -crl_check: a partition's certificate with inagi.crl: different CRL scope" ||
	fail "partition certificate with inagi.crl: $out"
out=$(verify "$D/certs/good-auth.pem" "$WORK/top.pem")
out2=$(verify "$OLD" "$WORK/top.pem")
echo "$out" | grep -q ": OK$" && echo "$out2" | grep -q "certificate revoked" &&
	ok "verify -crl_check: the demo's certificates with inagi.crl: good-auth OK, good-sign (revoked now) revoked" ||
	fail "old certificates with inagi.crl: $out / $out2"

# a revocation only in partition A's delta
ctl revoke "$(serial "$RA2")" --reason keyCompromise >/dev/null || fail "revoke RA2"
ctl crl generate --delta-only >"$WORK/gen3.txt" || fail "delta-only"
i=0
while [ $i -lt 50 ]; do
	get "inagi-$A-delta.crl" "$WORK/d$A" >/dev/null
	openssl crl -inform DER -in "$WORK/d$A.der" -out "$WORK/d$A.pem"
	[ "$(number "$WORK/d$A.pem")" = 5 ] && break
	sleep 0.1; i=$((i + 1))
done
listed "$WORK/d$A.pem" "$(serial "$RA2")" && [ "$(number "$WORK/d$A.pem")" = 5 ] &&
	ok "delta-only: inagi-$A-delta.crl 5 lists the new revocation" ||
	{ cat "$WORK/gen3.txt"; fail "partition delta"; }
out=$(verify "$RA2" "$WORK/p$A.pem")
echo "$out" | grep -q ": OK$" || fail "full alone should not know RA2: $out"
out=$(USE_DELTAS=-use_deltas verify "$RA2" "$WORK/p$A.pem" "$WORK/d$A.pem")
echo "$out" | grep -q "certificate revoked" &&
	ok "verify -crl_check -use_deltas: partition $A's full + delta: certificate revoked (the full alone: OK)" ||
	fail "-use_deltas partition: $out"
out=$(USE_DELTAS=-use_deltas verify "$GA" "$WORK/p$A.pem" "$WORK/d$A.pem")
echo "$out" | grep -q ": OK$" && ok "verify -use_deltas: a good certificate of partition $A: OK" ||
	fail "-use_deltas good: $out"
# (with -use_deltas openssl reports the out-of-scope pair as no CRL at all)
out=$(USE_DELTAS=-use_deltas verify "$GB" "$WORK/p$A.pem" "$WORK/d$A.pem")
echo "$out" | grep -qi "different CRL scope\|unable to get certificate CRL" &&
	echo "$out" | grep -q "verification failed" &&
	ok "verify -use_deltas: partition $B's certificate with partition $A's full + delta: rejected ($(echo "$out" | grep -i 'CRL' | head -1 | sed 's/.*lookup: //'))" ||
	fail "-use_deltas other partition: $out"

# crl-partitions 8, and the server signs CRLs itself from now on
stop_server
sed -i 's/^crl-partitions 4$/crl-partitions 8/' "$C"
printf 'crl-key keys/inagi-ca.key\ncrl-debounce 1s\n' >>"$C"
issue Q 6
# 12 more certificates over 8 partitions: a few more residents should none
# land in 4..7 (one chance in 4096)
r=0
while [ $r -lt 3 ] && ! for f in "$WORK"/c/Q*.pem; do [ "$(dp_part "$f")" -ge 4 ] && echo y; done | grep -q y; do
	r=$((r + 1)); issue "Q${r}x" 2
done
q "SELECT hex(serial) || ' ' || ifnull(crl_partition, '-') FROM certificates ORDER BY id" \
	>"$WORK/after8.txt"
head -n "$(wc -l <"$WORK/before8.txt")" "$WORK/after8.txt" | cmp -s - "$WORK/before8.txt" &&
	ok "crl-partitions 8: no certificate issued before moved partition ($(wc -l <"$WORK/before8.txt") rows as they were)" ||
	fail "existing certificates moved"
: >"$WORK/parts8.txt"
for f in "$WORK"/c/Q*.pem; do echo "$(dp_part "$f") $(serial "$f") $f" >>"$WORK/parts8.txt"; done
hi=$(awk '$1 >= 4 && $1 <= 7' "$WORK/parts8.txt" | wc -l)
bad=$(awk '$1 == "" || $1 > 7' "$WORK/parts8.txt" | wc -l)
[ "$bad" = 0 ] && [ "$hi" -ge 1 ] &&
	ok "$(wc -l <"$WORK/parts8.txt") new certificates name inagi-0..7.crl ($hi in 4..7)" || { cat "$WORK/parts8.txt"; fail "new partitions"; }
RQ=$(awk '$1 >= 4 {print $3; exit}' "$WORK/parts8.txt"); KQ=$(dp_part "$RQ")
ctl revoke "$(serial "$RQ")" --reason keyCompromise >/dev/null || fail "revoke RQ"

start_server "$C"	# with crl-key: generates at start, and after the change
U="http://127.0.0.1:$PORT"
i=0
while [ $i -lt 150 ]; do
	if [ "$(get "inagi-$KQ.crl" "$WORK/q$KQ")" = 200 ]; then
		openssl crl -inform DER -in "$WORK/q$KQ.der" -out "$WORK/q$KQ.pem"
		listed "$WORK/q$KQ.pem" "$(serial "$RQ")" && break
	fi
	sleep 0.1; i=$((i + 1))
done
listed "$WORK/q$KQ.pem" "$(serial "$RQ")" &&
	ok "the server's generator (crl-key) publishes inagi-$KQ.crl with the revocation" ||
	{ tail -n 20 "$WORK/server.log"; fail "server generation of partition $KQ"; }
for k in 0 1 2 3 4 5 6 7; do
	c=$(get "inagi-$k.crl" "$WORK/s$k"); c2=$(curl -s -o /dev/null -w '%{http_code}' "$U/crl/inagi-$k-delta.crl")
	[ "$c" = 200 ] && [ "$c2" = 200 ] || fail "inagi-$k: $c / delta $c2"
done
c=$(curl -s -o /dev/null -w '%{http_code}' "$U/crl/inagi-8.crl")
[ "$c" = 404 ] && ok "all 8 partitions (full + delta) served, inagi-8.crl 404" || fail "inagi-8.crl: $c"
openssl crl -inform DER -in "$WORK/s$A.der" -out "$WORK/s$A.pem"
out=$(verify "$RA" "$WORK/s$A.pem")
out2=$(verify "$GB" "$WORK/s$A.pem")
echo "$out" | grep -q "certificate revoked" && listed "$WORK/s$A.pem" "$(serial "$RA2")" &&
	echo "$out2" | grep -qi "different CRL scope" &&
	ok "after the change, partition $A's CRL still holds its certificates: revoked ones revoked, partition $B's out of scope" ||
	fail "partition $A after the change: $out / $out2"
grep -q "crl inagi: full CRL .* 8 partitions (4 entries)" "$WORK/server.log" &&
	ok "the generator logs the partitions: $(grep -o '8 partitions ([0-9]* entries)' "$WORK/server.log" | tail -1)" ||
	{ grep crl "$WORK/server.log" | tail -5; fail "generator log"; }
rc=0; out=$(ctl ca create inagi-3 --key-algorithm p256 2>&1) || rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "ends like a CRL partition or delta" &&
	[ "$(q "SELECT count(*) FROM issuers WHERE name = 'inagi-3'")" = 0 ] &&
	ok "an issuer named like a partition is refused: $out" || fail "ca create inagi-3: $rc $out"
ctl audit verify >/dev/null && ok "audit chain intact" || fail "audit verify"
stop_server_clean
finish
