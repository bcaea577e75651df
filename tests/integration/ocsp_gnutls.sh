#!/bin/sh
# SPDX-License-Identifier: ISC
# ocsp_gnutls: GnuTLS ocsptool, an independent OCSP client, asks the server
# about every line of index.tsv (with and without a nonce), verifies each
# answer against issuer.pem (--load-trust), and verifies the saved DER again
# offline with -e (trust anchor, then the signer certificate itself).
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D"
start_server "$D/certstatus.conf"
URL="http://127.0.0.1:$PORT/ocsp"

seen_good=0 seen_revoked=0 seen_unknown=0
while IFS='	' read -r file serial want reason; do
	for nonce in "" --nonce; do
		label="$file ${nonce:-no-nonce}"
		out="$WORK/${file%.pem}$nonce"
		if ! timeout 20 ocsptool --ask="$URL" $nonce \
		    --load-issuer="$D/issuer.pem" --load-cert="$D/certs/$file" \
		    --load-trust="$D/issuer.pem" --outfile="$out.der" \
		    >"$out.txt" 2>&1 </dev/null; then
			fail "$label: ocsptool exited non-zero: $(tr '\n' ' ' <"$out.txt")"
			continue
		fi
		got=$(sed -n 's/.*Certificate Status: //p' "$out.txt")
		lserial=$(echo "$serial" | tr 'A-F' 'a-f')
		if [ "$got" != "$want" ]; then
			fail "$label: status $got, want $want"
		elif ! grep -q "Verifying OCSP Response: Success" "$out.txt"; then
			fail "$label: not verified: $(tr '\n' ' ' <"$out.txt")"
		elif ! grep -q "Serial Number: 0*$(echo "$lserial" | sed 's/^0*//')" "$out.txt"; then
			fail "$label: serial $lserial not in the answer"
		elif [ "$want" = revoked ] && ! grep -q "Revocation time:" "$out.txt"; then
			fail "$label: revoked without a revocation time"
		elif [ -n "$nonce" ] && ! grep -q "Nonce" "$out.txt"; then
			fail "$label: no nonce in the answer: $(tr '\n' ' ' <"$out.txt")"
		else
			ok "$label: $got"
			eval "seen_$want=1"
		fi
		# offline: the saved DER against the trust anchor and the signer
		for how in "--load-trust=$D/issuer.pem" "--load-signer=$D/signer.pem"; do
			if timeout 20 ocsptool -e "$how" --infile="$out.der" \
			    >"$out.v.txt" 2>&1 </dev/null &&
			    grep -q "Verifying OCSP Response: Success" "$out.v.txt"; then
				:
			else
				fail "$label: ocsptool -e ${how%%=*}: $(tr '\n' ' ' <"$out.v.txt")"
			fi
		done
	done
done <"$D/certs/index.tsv"
[ "$seen_good$seen_revoked$seen_unknown" = 111 ] ||
    fail "not every status seen (good $seen_good revoked $seen_revoked unknown $seen_unknown)"


stop_server_clean

finish
