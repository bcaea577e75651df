#!/bin/sh
# SPDX-License-Identifier: ISC
# pkcs11_vs_file.sh: the OCSP signer key on a PKCS#11 token (SoftHSM2)
# beside the same key in a file, in one run: nonce answers per second
# (h2load, POST with a nonce: every answer signed now) and the pre-signing
# rate (certificates per second of the first pass, from start).  SoftHSM2 is
# software, so this measures the PKCS#11 path's overhead (libp11, the
# module's sessions and locking), not a hardware token's speed.  run.sh
# calls it; alone:
#   BIN=bin sh tests/bench/pkcs11_vs_file.sh [DEMO_DIR]
# With DEMO_DIR (a certctl demo with a file signer key) it uses a copy of
# that; without it makes one (EXTRA certificates).  Prints a markdown table.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$TOP/bin}
case "$BIN" in /*) ;; *) BIN="$TOP/$BIN" ;; esac
B="$TOP/tests/bench"
PY=/usr/bin/python3
RUNS=${RUNS:-3}
SECS=${SECS:-3}
CLIENTS=${CLIENTS:-32}
EXTRA=${EXTRA:-10000}
W=$(mktemp -d /tmp/certstatus-bench-p11.XXXXXX)
SRV=""
trap '[ -z "$SRV" ] || { kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP

say() { echo "bench pkcs11: $*" >&2; }
die() { echo "bench pkcs11: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
med() { sort -g | awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "") print "-";
    else printf "%.2f", a / b }'; }

MOD=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so; do
	[ -e "$m" ] && { MOD=$m; break; }
done
[ -n "$MOD" ] && command -v pkcs11-tool >/dev/null 2>&1 ||
    die "SoftHSM2 or pkcs11-tool missing (make deps)"

# the file demo
F="$W/file"
if [ -n "${1:-}" ]; then
	cp -r "$1" "$F"
else
	"$BIN/certctl" demo "$F" --extra "$EXTRA" --key-algorithm rsa2048 --no-crl \
	    >"$W/demo.out" 2>&1 || { cat "$W/demo.out"; die "demo failed"; }
fi
sed -i '/^crl-key/d' "$F/certstatus.conf"
s=$(awk -F'\t' 'NR == 1 { print $2 }' "$F/certs/index.tsv")
$PY "$B/ocspreq.py" der "$F/issuer.pem" "$s" "$W/nonce.der" --nonce

# the same signer key, put on a token (imported: a generated one could not
# be in a file too), and a copy of the demo that names it by URI
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$W/tokens" >"$W/softhsm2.conf"
export SOFTHSM2_CONF="$W/softhsm2.conf"
softhsm2-util --init-token --free --label bench --pin 4711 --so-pin 8642 >/dev/null
printf '4711\n' >"$W/pin"
chmod 600 "$W/pin"
pkcs11-tool --module "$MOD" --token-label bench --login --pin 4711 \
    --write-object "$F/keys/inagi-ocsp.key" --type privkey --label inagi-signer \
    --id 01 --usage-sign >/dev/null 2>&1 || die "pkcs11-tool could not import the key"
T="$W/token"
cp -r "$F" "$T"
sqlite3 "$T/certstatus.db" \
    "UPDATE issuers SET signer_key = 'pkcs11:token=bench;object=inagi-signer'"
printf 'pkcs11-module %s\npkcs11-pin-file %s\n' "$MOD" "$W/pin" >>"$T/certstatus.conf"
N=$(sqlite3 "$F/certstatus.db" "SELECT count(*) FROM certificates")

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# measure DIR NAME: "presign_s presign_rate rps_median runs"
measure() {
	rm -f "$1"/responses.db*
	PORT=$(free_port)
	t=$(now)
	"$BIN/certstatusd" -c "$1/certstatus.conf" -p "$PORT" >"$W/$2.log" 2>&1 &
	SRV=$!
	i=0
	until curl -fs "http://127.0.0.1:$PORT/metrics" 2>/dev/null |
	    grep -q '^certstatus_presign_pass_complete 1'; do
		i=$((i + 1))
		[ $i -lt 3000 ] || { cat "$W/$2.log" >&2; die "$2: pre-signing did not finish"; }
		kill -0 "$SRV" 2>/dev/null || { cat "$W/$2.log" >&2; die "$2: server died"; }
		sleep 0.1
	done
	ps=$(elapsed "$t" "$(now)")
	: >"$W/runs"
	r=0
	while [ $r -lt "$RUNS" ]; do
		timeout 120 h2load --h1 -t 1 --warm-up-time 1 -D "$SECS" -c "$CLIENTS" \
		    -d "$W/nonce.der" -H 'Content-Type: application/ocsp-request' \
		    "http://127.0.0.1:$PORT/" >"$W/h2.out" 2>&1 || true
		sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$W/h2.out" >>"$W/runs"
		grep -q '^status codes: [0-9]* 2xx' "$W/h2.out" || die "$2: h2load: $(cat "$W/h2.out")"
		r=$((r + 1))
	done
	curl -fs --data-binary @"$W/nonce.der" -H 'Content-Type: application/ocsp-request' \
	    -o "$W/$2.der" "http://127.0.0.1:$PORT/"
	openssl ocsp -respin "$W/$2.der" -VAfile "$1/signer.pem" -CAfile "$1/issuer.pem" \
	    -no_cert_verify >/dev/null 2>&1 || die "$2: the nonce answer does not verify"
	kill "$SRV"; wait "$SRV" 2>/dev/null || true; SRV=""
	echo "$ps $(awk -v n="$N" -v s="$ps" 'BEGIN { printf "%.0f", n / s }') \
$(med <"$W/runs") $(paste -sd/ "$W/runs")"
}

say "signer key in a file ($N certificates)"
set -- $(measure "$F" file)
F_PS=$1 F_RATE=$2 F_RPS=$3 F_RUNS=$4
say "file: pre-signed in $F_PS s ($F_RATE/s), nonce $F_RPS req/s"
set -- $(measure "$T" token)
T_PS=$1 T_RATE=$2 T_RPS=$3 T_RUNS=$4
say "token: pre-signed in $T_PS s ($T_RATE/s), nonce $T_RPS req/s"

echo "| signer key (RSA-2048, the same key), $N certificates | nonce POST req/s (median) | runs | pre-signing pass from start | certificates/s |"
echo "|---|---:|---|---:|---:|"
echo "| file | $(printf '%.0f' "$F_RPS") | $F_RUNS | $F_PS s | $F_RATE |"
echo "| SoftHSM2 (PKCS#11, libp11) | $(printf '%.0f' "$T_RPS") | $T_RUNS | $T_PS s | $T_RATE |"
echo "| ratio token / file | $(ratio "$T_RPS" "$F_RPS") | | | $(ratio "$T_RATE" "$F_RATE") |"
