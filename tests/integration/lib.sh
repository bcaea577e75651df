# SPDX-License-Identifier: ISC
# lib.sh: shared helpers for integration scripts (sourced, not run).
# Each script gets a scratch folder ($WORK), builds a demo there with the
# real certctl, starts the real certstatusd on a free 127.0.0.1 port and
# stops it on exit.

set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${BIN:-$TOP/bin}
case "$BIN" in /*) ;; *) BIN="$TOP/$BIN" ;; esac
CERTCTL="$BIN/certctl"
CERTSTATUSD="$BIN/certstatusd"
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/certstatus-test.XXXXXX)
SERVER_PID=""
PORT=""
NGINX_PID=""
FAILS=0

cleanup() {
	stop_nginx
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	if [ "$FAILS" -eq 0 ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$WORK"
	else
		echo "scratch kept in $WORK"
	fi
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

ok() {
	echo "ok: $*"
}

# A TCP port nobody listens on now.
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# make_demo DIR [extra certctl demo args]
make_demo() {
	"$CERTCTL" demo "$@" >"$WORK/demo.out" 2>&1 ||
		{ cat "$WORK/demo.out"; echo "certctl demo failed"; exit 1; }
}

# start_server CONF: start certstatusd and wait for /healthz to answer 200.
start_server() {
	PORT=$(free_port)
	"$CERTSTATUSD" -c "$1" -p "$PORT" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	i=0
	while [ $i -lt 300 ]; do
		if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			cat "$WORK/server.log"; echo "server died"; exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	cat "$WORK/server.log"; echo "server not ready in 30 s"; exit 1
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}

# stop_server_clean [MAX_MS]: SIGTERM the server and require that it stops
# cleanly: exit status 0 (under SANITIZE=1 also: no sanitizer report, no
# leak) and, given MAX_MS, within that many milliseconds.
stop_server_clean() {
	t0=$(date +%s%N)
	kill -TERM "$SERVER_PID"
	rc=0
	wait "$SERVER_PID" || rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	SERVER_PID=""
	if [ $rc -ne 0 ]; then
		fail "server exited $rc on SIGTERM after $ms ms"
		tail -n 30 "$WORK/server.log"
	elif [ -n "${1:-}" ] && [ $ms -ge "$1" ]; then
		fail "server took $ms ms to exit on SIGTERM (limit $1 ms)"
	else
		ok "server exited 0 on SIGTERM in $ms ms"
	fi
}

# start_nginx: config/nginx-cache.conf in front of the server on $PORT, its
# two addresses rewritten to free ports and nothing else changed; waits for
# /healthz through it.  Sets NPORT and NB (its URL); prefix in $WORK/nginx.
start_nginx() {
	command -v nginx >/dev/null 2>&1 || { fail "nginx not installed"; finish; }
	NP="$WORK/nginx"
	mkdir -p "$NP/logs" "$NP/temp" "$NP/cache"
	NPORT=$(free_port)
	sed -e "s/127\.0\.0\.1:8080;/127.0.0.1:$PORT;/" \
	    -e "s/listen\([[:space:]]*\)127\.0\.0\.1:8081;/listen\1127.0.0.1:$NPORT;/" \
	    "$TOP/config/nginx-cache.conf" >"$NP/nginx.conf"
	grep -q "127.0.0.1:$PORT;" "$NP/nginx.conf" && grep -q "127.0.0.1:$NPORT;" "$NP/nginx.conf" ||
	    { fail "could not set the addresses in nginx-cache.conf"; finish; }
	g="daemon off; pid $NP/nginx.pid;"
	[ "$(id -u)" = 0 ] && g="$g user root;"	# workers must reach the 0700 $WORK
	nginx -t -p "$NP" -c "$NP/nginx.conf" -e "$NP/logs/error.log" -g "$g" >"$WORK/nginx-t.txt" 2>&1 &&
	    ok "nginx -t: $(tail -n 1 "$WORK/nginx-t.txt")" ||
	    { fail "nginx -t: $(cat "$WORK/nginx-t.txt")"; finish; }
	nginx -p "$NP" -c "$NP/nginx.conf" -e "$NP/logs/error.log" -g "$g" >"$WORK/nginx.out" 2>&1 &
	NGINX_PID=$!
	i=0
	while ! curl -fs --max-time 2 "http://127.0.0.1:$NPORT/healthz" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$NGINX_PID" 2>/dev/null; then
			cat "$WORK/nginx.out" "$NP/logs/error.log" 2>/dev/null
			fail "nginx did not start"; finish
		fi
		sleep 0.1
	done
	ok "nginx on 127.0.0.1:$NPORT in front of certstatusd on $PORT"
	NB="http://127.0.0.1:$NPORT"
}

stop_nginx() {
	if [ -n "${NGINX_PID:-}" ]; then
		kill "$NGINX_PID" 2>/dev/null || true
		wait "$NGINX_PID" 2>/dev/null || true
		NGINX_PID=""
	fi
}

finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS check(s) failed"
		exit 1
	fi
	echo "all checks passed"
}

# start_nginx_tier NAME CONF UPSTREAM_PORT: one more nginx (e.g. the cache
# tiers, config/nginx-inner.conf and nginx-outer.conf) beside start_nginx's,
# from CONF with its one `listen 127.0.0.1:N;` moved to a free port and its
# one upstream `server 127.0.0.1:N;` to UPSTREAM_PORT, nothing else
# changed; waits for /healthz through it.  Sets TPORT (its port); prefix in
# $WORK/nginx-NAME.  Stopped on exit (stop_nginx_tiers).
NGINX_TIER_PIDS=""
start_nginx_tier() {
	command -v nginx >/dev/null 2>&1 || { fail "nginx not installed"; finish; }
	tp="$WORK/nginx-$1"
	mkdir -p "$tp/logs" "$tp/temp" "$tp/cache"
	TPORT=$(free_port)
	sed -e "s/^\([[:space:]]*listen[[:space:]]*\)127\.0\.0\.1:[0-9]*;/\1127.0.0.1:$TPORT;/" \
	    -e "s/^\([[:space:]]*server[[:space:]]*\)127\.0\.0\.1:[0-9]*;/\1127.0.0.1:$3;/" \
	    "$2" >"$tp/nginx.conf"
	[ "$(grep -c "listen[[:space:]]*127.0.0.1:$TPORT;" "$tp/nginx.conf")" = 1 ] &&
	    [ "$(grep -c "server[[:space:]]*127.0.0.1:$3;" "$tp/nginx.conf")" = 1 ] ||
	    { fail "could not set the two addresses in $(basename "$2")"; finish; }
	g="daemon off; pid $tp/nginx.pid;"
	[ "$(id -u)" = 0 ] && g="$g user root;"	# workers must reach the 0700 $WORK
	nginx -t -p "$tp" -c "$tp/nginx.conf" -e "$tp/logs/error.log" -g "$g" >"$tp/t.txt" 2>&1 ||
	    { fail "nginx -t $(basename "$2"): $(cat "$tp/t.txt")"; finish; }
	if [ -z "$NGINX_TIER_PIDS" ]; then
		trap 'stop_nginx_tiers; cleanup' EXIT
		trap 'stop_nginx_tiers; cleanup; exit 1' INT TERM
	fi
	nginx -p "$tp" -c "$tp/nginx.conf" -e "$tp/logs/error.log" -g "$g" >"$tp/out.txt" 2>&1 &
	tpid=$!
	NGINX_TIER_PIDS="$NGINX_TIER_PIDS $tpid"
	i=0
	while ! curl -fs --max-time 2 "http://127.0.0.1:$TPORT/healthz" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$tpid" 2>/dev/null; then
			cat "$tp/out.txt" "$tp/logs/error.log" 2>/dev/null
			fail "nginx $1 did not start"; finish
		fi
		sleep 0.1
	done
	ok "nginx $1 ($(basename "$2")) on 127.0.0.1:$TPORT in front of 127.0.0.1:$3"
}

stop_nginx_tiers() {
	for p in $NGINX_TIER_PIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	NGINX_TIER_PIDS=""
}
