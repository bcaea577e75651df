#!/bin/sh
# SPDX-License-Identifier: ISC
# `user NAME`: started as root, certstatusd reads the root-only signer keys,
# then every process (network process and signer workers) runs as NAME and
# still answers, including a revocation made after the drop.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: needs root to drop privileges"
	exit 0
fi
make_demo "$WORK/demo"
echo "user nobody" >>"$WORK/demo/certstatus.conf"
# as in a real deployment, the user can reach the registry's folder (the
# server watches the file there); the keys stay root's, mode 600
chmod 755 "$WORK"
start_server "$WORK/demo/certstatus.conf"

users=$(ps -o user= --ppid "$SERVER_PID"; ps -o user= -p "$SERVER_PID")
n=$(echo "$users" | grep -c .)
if [ "$n" -ge 2 ] && [ -z "$(echo "$users" | grep -v '^nobody$')" ]; then
	ok "all $n processes run as nobody"
else
	fail "process users: $(echo $users)"
fi
stat -c '%U %a' "$WORK/demo/keys/"*ocsp*.key | grep -q '^root 600$' &&
    ok "the signer key is root's, mode 600" || fail "signer key not root-only"

cd "$WORK/demo"
ask() {
	openssl ocsp -issuer issuer.pem -cert certs/good-sign.pem -CAfile issuer.pem \
	    -url "http://127.0.0.1:$PORT/ocsp" "$@" 2>&1
}
ask | grep -q "good-sign.pem: good" && ok "answers as nobody (nonce: signed now)" ||
    fail "no good answer as nobody"
serial=$(awk -F'\t' '$1 == "good-sign.pem" { print $2 }' certs/index.tsv)
"$CERTCTL" -c certstatus.conf revoke "$serial" --reason keyCompromise >/dev/null
i=0
until ask -no_nonce | grep -q "good-sign.pem: revoked"; do
	i=$((i + 1))
	[ $i -lt 50 ] || { fail "revocation not seen as nobody"; break; }
	sleep 0.1
done
[ $i -lt 50 ] && ok "a revocation after the drop is answered"
cd "$TOP"
stop_server_clean
finish
