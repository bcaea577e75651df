# SPDX-License-Identifier: ISC
# lib.sh: what `make bench` (run.sh) and `make bench-national`
# (national.sh) share, sourced after they set BENCH (the name their
# messages carry), PY and WORK: the background processes and their
# cleanup, progress and failure lines, ports, timing, medians and ratios.
PIDS=""
T0=$(date +%s)

cleanup() {
	for p in $PIDS; do
		stop "$p"
	done
	if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "kept $WORK" >&2; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

say() { echo "$BENCH: $* ($(($(date +%s) - T0)) s)" >&2; }
die() { echo "$BENCH: $*" >&2; exit 1; }

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start LOG CMD...: in the background; the pid is left in $LAST.
start() {
	log=$1
	shift
	"$@" >"$log" 2>&1 &
	LAST=$!
	PIDS="$PIDS $LAST"
}

# stop PID: the process, then its children (openssl ocsp -multi leaves its
# children running when the parent alone is killed)
stop() {
	kids=$(ps -o pid= --ppid "$1" 2>/dev/null || true)
	kill -TERM "$1" 2>/dev/null || true
	[ -z "$kids" ] || kill -TERM $kids 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ' || true)
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "" || a == "-") print "-";
    else printf "%.2f", a / b }'; }
med() { sort -g | awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : "-" }'; }

# wait_url URL SECONDS: poll until it answers 200
wait_url() {
	i=0
	while ! curl -fs -o /dev/null "$1"; do
		i=$((i + 1))
		[ $i -lt $(($2 * 20)) ] || die "$1: no answer in $2 s"
		sleep 0.05
	done
}
