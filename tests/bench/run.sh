#!/bin/sh
# SPDX-License-Identifier: ISC
# run.sh: `make bench`.  Benchmarks, not tests: certstatusd side by side with
# `openssl ocsp -multi 2` and nginx (1 worker, a static file of the same
# size) on 127.0.0.1 in one run, a 1,000,000-certificate registry, CRL
# generation beside `openssl ca -gencrl`, and the signer key on a PKCS#11
# token (SoftHSM2) beside the same key in a file.  Every figure is the median of
# RUNS runs (the machine is shared and noisy).  Prints one markdown table
# and writes it to tests/out/bench.md.
#
#   BIN=bin sh tests/bench/run.sh      (make bench does this)
#   RUNS=3 SECS=3 BIG_N=1000000 EXTRA=10000 KEEP=1   (defaults; KEEP keeps $WORK)
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$TOP/bin}
case "$BIN" in /*) ;; *) BIN="$TOP/$BIN" ;; esac
BUILD=${BUILD:-build/rel}
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
PY=/usr/bin/python3
B="$TOP/tests/bench"
RUNS=${RUNS:-3}
SECS=${SECS:-3}
EXTRA=${EXTRA:-10000}
BIG_N=${BIG_N:-1000000}
CLIENTS=${CLIENTS:-32}
PRESIGN_MAX=${PRESIGN_MAX:-480}	# seconds we wait for 1M pre-signing
OUT="$TOP/tests/out/bench.md"
WORK=$(mktemp -d /tmp/certstatus-bench.XXXXXX)
BENCH=bench
. "$B/lib.sh"

# wait_presign PORT SECONDS: poll /metrics until the first pass is done
wait_presign() {
	i=0
	while ! curl -fs "http://127.0.0.1:$1/metrics" |
	    grep -q '^certstatus_presign_pass_complete 1'; do
		i=$((i + 1))
		[ $i -lt $(($2 * 10)) ] || return 1
		sleep 0.1
	done
}

# start_certstatusd DIR: PORT, SRV (pid), STARTUP (seconds to /healthz)
start_certstatusd() {
	PORT=$(free_port)
	t=$(now)
	start "$WORK/certstatusd.$PORT.log" "$BIN/certstatusd" -c "$1/certstatus.conf" \
	    -p "$PORT"
	SRV=$LAST
	wait_url "http://127.0.0.1:$PORT/healthz" 120
	STARTUP=$(elapsed "$t" "$(now)")
	TSTART=$t
}

# start_openssl DIR: OPORT, OSRV; index.txt exported beforehand in DIR/osl
start_openssl() {
	OPORT=$(free_port)
	start "$WORK/openssl.$OPORT.log" openssl ocsp -index "$1/osl/index.txt" \
	    -CA "$1/issuer.pem" -rsigner "$1/signer.pem" \
	    -rkey "$1/keys/inagi-ocsp.key" -port "$OPORT" -multi 2 -nmin 1440
	OSRV=$LAST
	i=0
	until curl -fs -o /dev/null --data-binary @"$1/post.der" \
	    -H 'Content-Type: application/ocsp-request' "http://127.0.0.1:$OPORT/"; do
		i=$((i + 1))
		[ $i -lt 600 ] || { cat "$WORK/openssl.$OPORT.log" >&2;
		    die "openssl ocsp did not start"; }
		sleep 0.05
	done
}

# check_ocsp URL DER ISSUER: the answer is a successful, verified OCSP response
check_ocsp() {
	curl -fs --data-binary @"$2" -H 'Content-Type: application/ocsp-request' \
	    -o "$WORK/check.der" "$1" || die "$1: no answer"
	openssl ocsp -respin "$WORK/check.der" -VAfile "$3" -CAfile "$3" \
	    -no_cert_verify -resp_text 2>&1 | grep -q 'Cert Status: good' ||
	    die "$1: not a good OCSP answer"
}

# stats LOG...: p50 and p99 (ms) of h2load --log-file logs
pct() {
	cat "$@" | awk '{ print $3 }' | sort -n | awk '{ a[NR] = $1 }
	    END { if (NR == 0) { print "- -"; exit }
	    i = int(NR * 0.50 + 0.5); if (i < 1) i = 1
	    j = int(NR * 0.99 + 0.5); if (j < 1) j = 1
	    printf "%.2f %.2f\n", a[i] / 1000, a[j] / 1000 }'
}


# one_run OUTFILE h2load-args...: appends "req/s p50 p99" of one h2load run
one_run() {
	o=$1
	shift
	rm -f "$WORK/h2.log"
	timeout 120 h2load --h1 -t 1 --log-file="$WORK/h2.log" "$@" \
	    >"$WORK/h2.out" 2>&1 || true
	rps=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$WORK/h2.out")
	bad=$(sed -n 's/^requests: .* \([0-9]*\) failed, \([0-9]*\) errored.*/\1\2/p' \
	    "$WORK/h2.out")
	non2xx=$(awk '$2 !~ /^2/' "$WORK/h2.log" 2>/dev/null | wc -l)
	if [ -z "$rps" ] || [ "$non2xx" -ne 0 ] || [ "${bad:-1}" != "00" ]; then
		echo "bench: h2load $*: failed (non-2xx $non2xx)" >&2
		tail -5 "$WORK/h2.out" >&2
		rps=0
	fi
	echo "$rps $(pct "$WORK/h2.log")" >>"$o"
}

# row SECTION NAME h2load-args...: RUNS runs, medians into the table
row() {
	sec=$1; name=$2
	shift 2
	: >"$WORK/runs"
	r=0
	while [ $r -lt "$RUNS" ]; do
		one_run "$WORK/runs" "$@"
		r=$((r + 1))
	done
	rps=$(awk '{ print $1 }' "$WORK/runs" | med)
	p50=$(awk '{ print $2 }' "$WORK/runs" | med)
	p99=$(awk '{ print $3 }' "$WORK/runs" | med)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$sec" "$name" "$rps" "$p50" "$p99" \
	    "$(awk '{ printf "%s%d", (NR > 1 ? "/" : ""), $1 }' "$WORK/runs")" \
	    >>"$WORK/rows"
	say "$name: $rps req/s (runs $(awk '{ printf "%d ", $1 }' "$WORK/runs"))"
}

# par_row SECTION NAME NPROC LISTPREFIX: NPROC h2load processes of one
# client each, process k walking LISTPREFIX.k (h2load's clients all walk one
# list in step, so one h2load with many clients would ask each URI many
# times at once); req/s summed, latencies over all processes.
par_row() {
	sec=$1; name=$2; np=$3; lp=$4
	: >"$WORK/runs"
	r=0
	while [ $r -lt "$RUNS" ]; do
		k=0; pids=""
		while [ $k -lt "$np" ]; do
			timeout 120 h2load --h1 -t 1 -c 1 -D "$SECS" --warm-up-time 1 \
			    --log-file="$WORK/p.$k.log" -i "$lp.$r.$k" \
			    >"$WORK/p.$k.out" 2>&1 &
			pids="$pids $!"
			k=$((k + 1))
		done
		for p in $pids; do wait "$p" || true; done
		rps=$(cat "$WORK"/p.*.out | sed -n \
		    's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' |
		    awk '{ s += $1 } END { printf "%.2f", s }')
		non2xx=$(cat "$WORK"/p.*.log | awk '$2 !~ /^2/' | wc -l)
		[ "$non2xx" -eq 0 ] || { echo "bench: $name: $non2xx non-2xx" >&2; rps=0; }
		echo "$rps $(pct "$WORK"/p.*.log)" >>"$WORK/runs"
		rm -f "$WORK"/p.*
		r=$((r + 1))
	done
	rps=$(awk '{ print $1 }' "$WORK/runs" | med)
	p50=$(awk '{ print $2 }' "$WORK/runs" | med)
	p99=$(awk '{ print $3 }' "$WORK/runs" | med)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$sec" "$name" "$rps" "$p50" "$p99" \
	    "$(awk '{ printf "%s%d", (NR > 1 ? "/" : ""), $1 }' "$WORK/runs")" \
	    >>"$WORK/rows"
	say "$name: $rps req/s"
}

get_rps() { awk -F'\t' -v n="$1" '$2 == n { print $3 }' "$WORK/rows"; }
note() { printf '%s\n' "$*" >>"$WORK/notes"; }
# target NAME VALUE OP LIMIT WHAT
target() {
	ok=$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
	    if (v == "" || v == "-") { print "n/a"; exit }
	    print (op == ">=" ? v + 0 >= l + 0 : v + 0 <= l + 0) ? "met" : "NOT met" }')
	printf '| %s | %s | %s %s | %s |\n' "$1" "$2" "$3" "$4" "$ok" >>"$WORK/targets"
}

# rss PID: "VmRSS VmHWM" of the main process and the sum over its children (MB)
rss() {
	main=$(awk '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { printf "%.1f %.1f", r / 1024, h / 1024 }' \
	    "/proc/$1/status")
	kids=0
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		k=$(awk '/^VmRSS/ { print $2 }' "/proc/$c/status" 2>/dev/null || echo 0)
		kids=$((kids + ${k:-0}))
	done
	echo "$main $(awk -v k="$kids" 'BEGIN { printf "%.1f", k / 1024 }')"
}

: >"$WORK/rows"
: >"$WORK/notes"
: >"$WORK/targets"
[ -x "$BUILD/bench/crlgen_bench" ] || die "$BUILD/bench/crlgen_bench missing: run make bench"

# --- machine -----------------------------------------------------------------
NPROC=$(nproc)
RSA_SPEED=$(openssl speed -seconds 3 rsa2048 2>/dev/null |
    awk '/^rsa 2048 bits/ { print $(NF - 1) }')
EC_SPEED=$(openssl speed -seconds 3 ecdsap256 2>/dev/null |
    awk '/nistp256\)/ { print $(NF - 1) }')
say "nproc $NPROC, rsa2048 $RSA_SPEED sign/s, ecdsap256 $EC_SPEED sign/s"

# --- demos -------------------------------------------------------------------
# demo DIR ALG: certctl demo with EXTRA certificates, the openssl ca export,
# one POST body without and one with a nonce
demo() {
	t=$(now)
	"$BIN/certctl" demo "$1" --extra "$EXTRA" --key-algorithm "$2" \
	    >"$WORK/demo.out" 2>&1 || { cat "$WORK/demo.out"; die "demo failed"; }
	say "demo $2 with $EXTRA extra certificates: $(elapsed "$t" "$(now)") s"
	mkdir -p "$1/osl"
	$PY "$B/export_index.py" "$1/certstatus.db" inagi "$1/osl" \
	    "$1/serials.txt" >/dev/null
	s=$(awk -F'\t' '$1 == "extra/X0000001.pem" { print $2 }' "$1/certs/index.tsv")
	$PY "$B/ocspreq.py" der "$1/issuer.pem" "$s" "$1/post.der"
	$PY "$B/ocspreq.py" der "$1/issuer.pem" "$s" "$1/nonce.der" --nonce
}
demo "$WORK/rsa" rsa2048
demo "$WORK/ec" p256
# the server signs CRLs itself in the revocation-to-CRL measurement
echo "crl-key keys/inagi-ca.key" >>"$WORK/rsa/certstatus.conf"

CT='Content-Type: application/ocsp-request'

# --- 1. OCSP throughput ------------------------------------------------------
S1="OCSP, $EXTRA+ certificates"
start_certstatusd "$WORK/rsa"
wait_presign "$PORT" 300 || die "pre-signing of the RSA demo did not finish"
say "certstatusd (RSA demo) ready in $STARTUP s, pre-signed at $(elapsed "$TSTART" "$(now)") s"
check_ocsp "http://127.0.0.1:$PORT/" "$WORK/rsa/post.der" "$WORK/rsa/signer.pem"
RESP_LEN=$(curl -fs --data-binary @"$WORK/rsa/post.der" -H "$CT" \
    "http://127.0.0.1:$PORT/" | wc -c)
$PY "$B/ocspreq.py" uris "$WORK/rsa/issuer.pem" "http://127.0.0.1:$PORT" \
    "$WORK/rsa/serials.txt" "$WORK/rsa/uris.txt"
H="--warm-up-time 1 -D $SECS -c $CLIENTS"
row "$S1" "certstatusd POST no nonce" $H -d "$WORK/rsa/post.der" -H "$CT" \
    "http://127.0.0.1:$PORT/"
row "$S1" "certstatusd GET no nonce, distinct certs" $H -i "$WORK/rsa/uris.txt"
row "$S1" "certstatusd POST nonce, RSA-2048" $H -d "$WORK/rsa/nonce.der" -H "$CT" \
    "http://127.0.0.1:$PORT/"

# revocation to a new CRL served (the server holds crl-key)
CRL_URL="http://127.0.0.1:$PORT/crl/inagi.crl"
if curl -fs -o "$WORK/crl0" "$CRL_URL" 2>/dev/null; then
	s=$(awk -F'\t' '$1 == "extra/X0000002.pem" { print $2 }' "$WORK/rsa/certs/index.tsv")
	n0=$(openssl crl -inform DER -in "$WORK/crl0" -noout -crlnumber | cut -d= -f2)
	t=$(now)
	"$BIN/certctl" -c "$WORK/rsa/certstatus.conf" revoke "$s" --reason keyCompromise \
	    >/dev/null
	i=0; REV_CRL=-
	while [ $i -lt 600 ]; do
		if curl -fs -o "$WORK/crl1" "$CRL_URL" &&
		    openssl crl -inform DER -in "$WORK/crl1" -noout -text |
		    grep -q "Serial Number: $s"; then
			REV_CRL=$(elapsed "$t" "$(now)")
			break
		fi
		i=$((i + 1)); sleep 0.05
	done
	n1=$(openssl crl -inform DER -in "$WORK/crl1" -noout -crlnumber | cut -d= -f2)
	deb=$(awk '$1 == "crl-debounce" { print $2 }' "$WORK/rsa/certstatus.conf")
	note "Revocation to CRL: \`certctl revoke\` to a CRL (number $n0 -> $n1) listing the serial at /crl/inagi.crl: $REV_CRL s (crl-debounce ${deb:-3s, the default})."
else
	REV_CRL=-
	note "Revocation to CRL: the server serves no CRL in this build: skipped."
fi
stop "$SRV"

start_certstatusd "$WORK/ec"
wait_presign "$PORT" 300 || die "pre-signing of the EC demo did not finish"
check_ocsp "http://127.0.0.1:$PORT/" "$WORK/ec/post.der" "$WORK/ec/signer.pem"
row "$S1" "certstatusd POST nonce, ECDSA P-256" $H -d "$WORK/ec/nonce.der" -H "$CT" \
    "http://127.0.0.1:$PORT/"
row "$S1" "certstatusd POST no nonce, ECDSA P-256, unsigned (open)" $H \
    -d "$WORK/ec/post.der" -H "$CT" "http://127.0.0.1:$PORT/"
stop "$SRV"

# What one signed answer costs a signer worker against the bare signature
# openssl speed counts (tests/bench/sign_bench.c), for each demo's signer.
for d in ec rsa; do
	"$BUILD/bench/sign_bench" "$WORK/$d/keys/inagi-ocsp.key" "$WORK/$d/signer.pem" 2 \
	    >"$WORK/sign.$d" 2>&1 || echo "sign_bench failed" >"$WORK/sign.$d"
	note "Signer worker, $d demo (sign_bench, one core, interleaved; share of openssl speed's rate): $(awk -F'\t' 'NF == 3 { printf "%s%s %s (%s)", sep, $1, $2, $3; sep = "; " }' "$WORK/sign.$d")."
done

# Signed requests (ocsp-access registered): every request's signature is
# verified with the registered party's key on the event loop, beside the
# same demo's unsigned answers above.  The party's key is ECDSA P-256.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$WORK/ec/party.key" -out "$WORK/ec/party.pem" -days 30 \
    -subj /CN=bench-party -config /dev/null >/dev/null 2>&1 ||
    die "party certificate"
"$BIN/certctl" -c "$WORK/ec/certstatus.conf" party add bench \
    --cert "$WORK/ec/party.pem" >/dev/null || die "certctl party add"
s=$(awk -F'\t' '$1 == "extra/X0000001.pem" { print $2 }' "$WORK/ec/certs/index.tsv")
for n in -no_nonce ""; do
	# shellcheck disable=SC2086
	openssl ocsp -issuer "$WORK/ec/issuer.pem" -serial "0x$s" $n \
	    -signer "$WORK/ec/party.pem" -signkey "$WORK/ec/party.key" \
	    -reqout "$WORK/ec/signed${n:+-nn}.der" >/dev/null 2>&1 ||
	    die "openssl ocsp -reqout (signed)"
done
echo "ocsp-access registered" >>"$WORK/ec/certstatus.conf"
start_certstatusd "$WORK/ec"
wait_presign "$PORT" 300 || die "pre-signing of the EC demo did not finish"
check_ocsp "http://127.0.0.1:$PORT/" "$WORK/ec/signed-nn.der" "$WORK/ec/signer.pem"
row "$S1" "certstatusd POST no nonce, ECDSA P-256, signed by a registered party" $H \
    -d "$WORK/ec/signed-nn.der" -H "$CT" "http://127.0.0.1:$PORT/"
row "$S1" "certstatusd POST nonce, ECDSA P-256, signed by a registered party" $H \
    -d "$WORK/ec/signed.der" -H "$CT" "http://127.0.0.1:$PORT/"
stop "$SRV"
sed -i '$d' "$WORK/ec/certstatus.conf"	# open again for what follows

# openssl ocsp serves one connection at a time per process and keeps it
# open: two clients for its two processes (more would wait forever), and a
# request count rather than a duration (h2load -D waits on it at the end).
start_openssl "$WORK/rsa"
$PY "$B/ocspreq.py" uris-std "$WORK/rsa/issuer.pem" "http://127.0.0.1:$OPORT" \
    "$WORK/rsa/serials.txt" "$WORK/rsa/osl-uris.txt"
ON=$(awk -v r="${RSA_SPEED:-1000}" 'BEGIN { n = int(r * 1.5); print n < 1000 ? 1000 : n }')
O="-c 2 -n $ON"
row "$S1" "openssl ocsp -multi 2 POST no nonce" $O -d "$WORK/rsa/post.der" -H "$CT" \
    "http://127.0.0.1:$OPORT/"
row "$S1" "openssl ocsp -multi 2 GET, distinct certs" $O -i "$WORK/rsa/osl-uris.txt"
row "$S1" "openssl ocsp -multi 2 POST nonce, RSA-2048" $O -d "$WORK/rsa/nonce.der" \
    -H "$CT" "http://127.0.0.1:$OPORT/"
stop "$OSRV"
start_openssl "$WORK/ec"
row "$S1" "openssl ocsp -multi 2 POST nonce, ECDSA P-256" -c 2 -n $((ON * 4)) \
    -d "$WORK/ec/nonce.der" -H "$CT" "http://127.0.0.1:$OPORT/"
stop "$OSRV"

# nginx, one worker, a static file of a certstatusd answer's size
NG="$WORK/nginx"
NPORT=$(free_port)
mkdir -p "$NG/html" "$NG/logs" "$NG/tmp"
chmod 755 "$WORK" "$NG" "$NG/html"	# the worker runs as nobody under root
head -c "$RESP_LEN" /dev/urandom >"$NG/html/resp.der"
cat >"$NG/nginx.conf" <<EOF
worker_processes 1;
error_log $NG/logs/error.log;
pid $NG/logs/nginx.pid;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $NG/tmp;
	proxy_temp_path $NG/tmp;
	fastcgi_temp_path $NG/tmp;
	uwsgi_temp_path $NG/tmp;
	scgi_temp_path $NG/tmp;
	types { application/ocsp-response der; }
	server { listen 127.0.0.1:$NPORT; root $NG/html; }
}
EOF
start "$NG/logs/out" nginx -p "$NG" -c "$NG/nginx.conf" -g 'daemon off;'
NSRV=$LAST
wait_url "http://127.0.0.1:$NPORT/resp.der" 20
row "$S1" "nginx static file ($RESP_LEN bytes)" $H "http://127.0.0.1:$NPORT/resp.der"
stop "$NSRV"

# --- 2. 1,000,000 certificates -------------------------------------------------
S2="Registry of $BIG_N (ECDSA P-256 signer)"
t=$(now)
$PY "$B/gen_registry.py" "$WORK/ec/certstatus.db" inagi "$BIG_N" \
    "$WORK/ec/big-serials.txt" >"$WORK/gen.out"
GEN_S=$(elapsed "$t" "$(now)")
say "registry of $BIG_N more rows: $(cat "$WORK/gen.out")"
rm -f "$WORK/ec/responses.db"*	# pre-sign everything afresh
start_certstatusd "$WORK/ec"
BIG_START=$STARTUP
if wait_presign "$PORT" "$PRESIGN_MAX"; then
	BIG_PRESIGN=$(elapsed "$TSTART" "$(now)")
else
	BIG_PRESIGN=">$PRESIGN_MAX"
	note "Pre-signing of the big registry did not finish within $PRESIGN_MAX s; figures below are taken with it still running."
fi
say "big registry: ready in $BIG_START s, pre-signed in $BIG_PRESIGN s"
set -- $(rss "$SRV")
BIG_RSS=$1; BIG_HWM=$2; BIG_KIDS=$3
NP=16
r=0
while [ $r -lt "$RUNS" ]; do
	# a fresh uniform sample per run and per client: no URI asked twice
	$PY "$B/ocspreq.py" uris "$WORK/ec/issuer.pem" "http://127.0.0.1:$PORT" \
	    "$WORK/ec/big-serials.txt" "$WORK/rand.$r" 50000 $((r + 7))
	split -n l/$NP -d -a 2 "$WORK/rand.$r" "$WORK/randp.$r."
	k=0
	while [ $k -lt $NP ]; do
		mv "$WORK/randp.$r.$(printf %02d $k)" "$WORK/rand.$r.$k"
		k=$((k + 1))
	done
	r=$((r + 1))
done
head -n 20 "$WORK/ec/big-serials.txt" >"$WORK/hot.s"
$PY "$B/ocspreq.py" uris "$WORK/ec/issuer.pem" "http://127.0.0.1:$PORT" \
    "$WORK/hot.s" "$WORK/hot.uris"
for u in $(cat "$WORK/hot.uris"); do curl -fs -o /dev/null "$u"; done	# now in memory
r=0
while [ $r -lt "$RUNS" ]; do
	k=0
	while [ $k -lt $NP ]; do cp "$WORK/hot.uris" "$WORK/hot.$r.$k"; k=$((k + 1)); done
	r=$((r + 1))
done
par_row "$S2" "certstatusd GET hot set (20 certs), $NP clients" $NP "$WORK/hot"
par_row "$S2" "certstatusd GET uniform random over $BIG_N, $NP clients" $NP "$WORK/rand"
set -- $(rss "$SRV")
BIG_RSS2=$1; BIG_HWM2=$2
HITS=$(curl -fs "http://127.0.0.1:$PORT/metrics" | grep -E '^certstatus_cache_lookups_total' |
    tr '\n' ' ' || true)
note "Cache counters after the random run: $HITS"
stop "$SRV"

# --- 3. CRL ------------------------------------------------------------------
S3="CRL"
REVOKED=$(sqlite3 "$WORK/ec/certstatus.db" \
    "SELECT count(*) FROM certificates WHERE status != 'good'")
TOTAL=$(sqlite3 "$WORK/ec/certstatus.db" "SELECT count(*) FROM certificates")
CRLF="$WORK/crl"
mkdir -p "$CRLF"
$PY "$B/export_index.py" "$WORK/ec/certstatus.db" inagi "$CRLF" >/dev/null
echo 2A >"$CRLF/crlnumber"
cat >"$CRLF/openssl.cnf" <<EOF
[ca]
default_ca = bench
[bench]
dir = $CRLF
database = \$dir/index.txt
crlnumber = \$dir/crlnumber
unique_subject = no
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
EOF
# time -v: "seconds maxrss_mb" of a command
timev() {
	/usr/bin/time -v "$@" >"$WORK/tv.out" 2>"$WORK/tv.txt" ||
	    { cat "$WORK/tv.txt" >&2; return 1; }
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0;
	    for (i = 1; i <= n; i++) s = s * 60 + a[i] }
	    /Maximum resident set size/ { m = $2 }
	    END { printf "%.2f %.1f\n", s, m / 1024 }' "$WORK/tv.txt"
}
crl_row() {
	name=$1
	shift
	: >"$WORK/runs"
	r=0
	while [ $r -lt "$RUNS" ]; do
		timev "$@" >>"$WORK/runs" || die "$name failed"
		r=$((r + 1))
	done
	printf '%s\t%s\t%s\t%s\n' "$name" "$(awk '{ print $1 }' "$WORK/runs" | med)" \
	    "$(awk '{ print $2 }' "$WORK/runs" | med)" \
	    "$(awk '{ printf "%s%s", (NR > 1 ? "/" : ""), $1 }' "$WORK/runs")" >>"$WORK/crlrows"
	say "$name: $(tail -1 "$WORK/runs")"
}
: >"$WORK/crlrows"
if "$BIN/certctl" help 2>&1 | grep -q 'crl generate' &&
    "$BIN/certctl" -c "$WORK/ec/certstatus.conf" crl generate >/dev/null 2>&1; then
	crl_row "certctl crl generate (full + delta, stored)" \
	    "$BIN/certctl" -c "$WORK/ec/certstatus.conf" crl generate
	CRL_HOW="certctl crl generate, end to end (reads the registry, signs full and delta CRLs, stores them)"
else
	crl_row "crlgen_bench (crlgen level, own data)" "$BUILD/bench/crlgen_bench" \
	    "$REVOKED" "$WORK/crlgen"
	CRL_HOW="crlgen_bench (certctl crl generate not in this build)"
fi
crl_row "openssl ca -gencrl" openssl ca -gencrl -config "$CRLF/openssl.cnf" \
    -keyfile "$WORK/ec/keys/inagi-ca.key" -cert "$WORK/ec/issuer.pem" \
    -out "$CRLF/openssl.crl"
CRL_ENTRIES=$(openssl crl -in "$CRLF/openssl.crl" -noout -text | grep -c 'Serial Number:')

# --- 4. signer key on a PKCS#11 token ----------------------------------------
# the RSA demo's signer key in its file beside the same key on SoftHSM2
say "signer key on SoftHSM2 beside the file"
BIN="$BIN" RUNS="$RUNS" SECS="$SECS" CLIENTS="$CLIENTS" \
    sh "$B/pkcs11_vs_file.sh" "$WORK/rsa" >"$WORK/p11.md" ||
    echo "| PKCS#11 benchmark failed (see above) |" >"$WORK/p11.md"

# --- table ---------------------------------------------------------------------
P_POST=$(get_rps "certstatusd POST no nonce")
P_GET=$(get_rps "certstatusd GET no nonce, distinct certs")
P_RSA=$(get_rps "certstatusd POST nonce, RSA-2048")
P_EC=$(get_rps "certstatusd POST nonce, ECDSA P-256")
O_POST=$(get_rps "openssl ocsp -multi 2 POST no nonce")
O_GET=$(get_rps "openssl ocsp -multi 2 GET, distinct certs")
O_RSA=$(get_rps "openssl ocsp -multi 2 POST nonce, RSA-2048")
O_EC=$(get_rps "openssl ocsp -multi 2 POST nonce, ECDSA P-256")
NGX=$(awk -F'\t' '$2 ~ /^nginx/ { print $3 }' "$WORK/rows")
HOT=$(awk -F'\t' '$2 ~ /hot set/ { print $3 }' "$WORK/rows")
RND=$(awk -F'\t' '$2 ~ /uniform random/ { print $3 }' "$WORK/rows")
C_T=$(awk -F'\t' 'NR == 1 { print $2 }' "$WORK/crlrows")
C_M=$(awk -F'\t' 'NR == 1 { print $3 }' "$WORK/crlrows")
OC_T=$(awk -F'\t' 'NR == 2 { print $2 }' "$WORK/crlrows")
OC_M=$(awk -F'\t' 'NR == 2 { print $3 }' "$WORK/crlrows")

target "POST no nonce vs openssl ocsp" "$(ratio "$P_POST" "$O_POST")" ">=" 10
target "GET no nonce vs openssl ocsp" "$(ratio "$P_GET" "$O_GET")" ">=" 10
target "POST no nonce vs nginx static" "$(ratio "$P_POST" "$NGX")" ">=" 0.6
target "GET no nonce vs nginx static" "$(ratio "$P_GET" "$NGX")" ">=" 0.6
target "POST nonce RSA-2048 vs openssl ocsp" "$(ratio "$P_RSA" "$O_RSA")" ">=" 1.0
target "POST nonce ECDSA P-256 vs openssl ocsp (reported)" "$(ratio "$P_EC" "$O_EC")" ">=" 1.0
P_UNS=$(get_rps "certstatusd POST no nonce, ECDSA P-256, unsigned (open)")
P_SIG=$(get_rps "certstatusd POST no nonce, ECDSA P-256, signed by a registered party")
P_SIGN=$(get_rps "certstatusd POST nonce, ECDSA P-256, signed by a registered party")
target "signed no nonce vs unsigned no nonce, P-256 (reported)" "$(ratio "$P_SIG" "$P_UNS")" ">=" 0.25
target "signed nonce vs unsigned nonce, P-256 (reported)" "$(ratio "$P_SIGN" "$P_EC")" ">=" 0.5
target "$BIG_N: RSS after pre-signing, main + workers (MB)" \
    "$(awk -v a="$BIG_RSS" -v b="$BIG_KIDS" 'BEGIN { printf "%.1f", a + b }')" "<=" 256
target "$BIG_N: uniform random vs hot set" "$(ratio "$RND" "$HOT")" ">=" 0.5
target "CRL: openssl time / ours" "$(ratio "$OC_T" "$C_T")" ">=" 3
target "CRL: our peak RSS / openssl's" "$(ratio "$C_M" "$OC_M")" "<=" 0.25

{
	echo "# certstatus benchmark"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -m), nproc $NPROC," \
	    "$(openssl version | cut -d' ' -f1-2); \`openssl speed -seconds 3\`:" \
	    "rsa2048 $RSA_SPEED sign/s, ecdsap256 $EC_SPEED sign/s (one core)." \
	    "Medians of $RUNS runs (runs listed); h2load --h1 -t 1 on 127.0.0.1;" \
	    "certstatusd and nginx: $CLIENTS clients, ${SECS} s after 1 s warm-up;" \
	    "openssl ocsp: 2 clients (one per process), $ON requests."
	echo
	echo "| section | what | req/s | p50 ms | p99 ms | runs req/s |"
	echo "|---|---|---:|---:|---:|---|"
	awk -F'\t' '{ printf "| %s | %s | %.0f | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' \
	    "$WORK/rows"
	echo
	echo "| $S2 | figure |"
	echo "|---|---:|"
	echo "| generate $BIG_N rows (python3 sqlite3, one transaction) | $GEN_S s |"
	echo "| start-up to /healthz 200 | $BIG_START s |"
	echo "| start to pre-signing pass complete | $BIG_PRESIGN s |"
	echo "| main process VmRSS / VmHWM after pre-signing | $BIG_RSS / $BIG_HWM MB |"
	echo "| signer workers VmRSS (sum) | $BIG_KIDS MB |"
	echo "| main VmRSS / VmHWM after the random run | $BIG_RSS2 / $BIG_HWM2 MB |"
	echo
	echo "| CRL: $TOTAL certificates, $REVOKED revoked ($CRL_ENTRIES on openssl's CRL), ECDSA P-256 CA | seconds | peak RSS MB | runs s |"
	echo "|---|---:|---:|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$WORK/crlrows"
	echo
	echo "CRL measured with $CRL_HOW; /usr/bin/time -v."
	echo
	cat "$WORK/p11.md"
	echo
	echo "PKCS#11: tests/bench/pkcs11_vs_file.sh; SoftHSM2 is software, so the ratio is the PKCS#11 path's overhead, not a hardware token's speed."
	echo
	echo "| target | measured | wanted | |"
	echo "|---|---:|---|---|"
	cat "$WORK/targets"
	echo
	sed 's/^/- /' "$WORK/notes"
} >"$WORK/table.md"
mkdir -p "$(dirname "$OUT")"
cp "$WORK/table.md" "$OUT"
cat "$WORK/table.md"
say "done"
