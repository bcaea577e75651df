#!/bin/sh
# SPDX-License-Identifier: ISC
# certstatusd -n checks what start-up would check, without binding: signer
# and CRL key files (owner-only, loadable, matching their certificates),
# `user`, the listen address, and the paths the server writes.  Each problem
# is one line, exit 1; and the server itself refuses to start on each.
. "$(dirname "$0")/lib.sh"

make_demo "$WORK/demo"
good="$WORK/demo/certstatus.conf"
key=$(ls "$WORK/demo/keys/"*-ocsp.key)
out=$("$CERTSTATUSD" -n -c "$good" 2>&1) && [ "$out" = "configuration OK" ] &&
    ok "good demo: configuration OK" || fail "good demo: $out"

# check NAME WANT [SETUP]: -n must exit 1 with a line matching WANT.
check() {
	name=$1 want=$2
	rc=0
	out=$("$CERTSTATUSD" -n -c "$conf" 2>&1) || rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q -- "$want"; then
		ok "$name: $(echo "$out" | head -n 1)"
	else
		fail "$name: exit $rc, want '$want': $out"
	fi
}
# starts NAME: the real server must refuse to start too (within 20 s).
starts_not() {
	rc=0
	timeout 20 "$CERTSTATUSD" -c "$conf" -p "$(free_port)" >"$WORK/start.log" 2>&1 || rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] && ok "$1: the server refuses to start too (exit $rc)" ||
	    fail "$1: server start exit $rc"
}
variant() {
	conf="$WORK/demo/$1.conf"
	cp "$good" "$conf"
	shift
	for line in "$@"; do echo "$line" >>"$conf"; done
}

# the signer key readable by others
chmod 644 "$key"
conf=$good
check "signer key mode 0644" "readable by others (mode 0644); chmod 600"
starts_not "signer key mode 0644"
chmod 600 "$key"

# a key that is not the signer certificate's
cp "$key" "$WORK/key.orig"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" 2>/dev/null
chmod 600 "$key"
check "another key" "does not match its certificate"
starts_not "another key"
# not a key at all
echo "not a key" >"$key"
check "not a key" "not a private key"
cp "$WORK/key.orig" "$key"; chmod 600 "$key"

# the CRL key: owner-only too
ca_key=$(ls "$WORK/demo/keys/"*-ca.key)
variant crlkey "crl-key $ca_key"
chmod 644 "$ca_key"
check "crl-key mode 0644" "crl-key: key file .* readable by others"
chmod 600 "$ca_key"
out=$("$CERTSTATUSD" -n -c "$conf" 2>&1) && ok "crl-key mode 0600: $out" || fail "crl-key 0600: $out"

variant user "user nosuchuser"
check "user nosuchuser" "^certstatusd: user nosuchuser: no such user$"
[ "$(id -u)" -eq 0 ] && starts_not "user nosuchuser"

variant listen "listen no-such-host.invalid:8080"
check "unresolvable listen address" "listen no-such-host.invalid:8080: "

variant cache "response-cache $WORK/nowhere/responses.db"
check "response-cache in a missing folder" "response-cache $WORK/nowhere/responses.db: cannot be created in $WORK/nowhere"
starts_not "response-cache in a missing folder"

variant alog "access-log $WORK/nowhere/access.log"
check "access-log in a missing folder" "access-log $WORK/nowhere/access.log: cannot be created"
starts_not "access-log in a missing folder"

variant dir "access-log $WORK"
check "access-log is a folder" "access-log $WORK: is a folder"

variant nodb "database $WORK/none.db"
check "no registry" "database: $WORK/none.db"

# several problems: one line each, and a count
variant many "user nosuchuser" "response-cache $WORK/nowhere/r.db" \
    "access-log $WORK/nowhere/a.log"
rc=0; out=$("$CERTSTATUSD" -n -c "$conf" 2>&1) || rc=$?
n=$(echo "$out" | grep -c '^certstatusd: ')
[ $rc -eq 1 ] && [ "$n" -eq 3 ] && echo "$out" | tail -n 1 | grep -q ": 3 problems$" &&
    ok "three problems: three lines and a count" || fail "three problems (exit $rc): $out"
finish
