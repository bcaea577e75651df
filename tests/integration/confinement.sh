#!/bin/sh
# SPDX-License-Identifier: ISC
# confinement: the processes of server/proc.c's table, seen from outside.
# The running network process and its signer workers have no_new_privs and
# a seccomp filter (/proc/PID/status: NoNewPrivs 1, Seccomp 2); a call the
# filter refuses really is refused: gdb makes the network process itself
# call personality(0xffffffff) (a harmless query that any process may make)
# and it gets -1 EPERM, where an unconfined process gets its personality;
# with Landlock, creating a file outside its folders and a TCP connect are
# refused (EACCES), where creating one in the registry's folder works and an
# unconfined process connects;
# the workers are exec'd ("certstatusd --signer-worker" in
# /proc/PID/cmdline, /proc/PID/exe our binary), a replacement for a killed
# worker too; OCSP is still answered after all of it.
. "$(dirname "$0")/lib.sh"

make_demo "$WORK/demo"
start_server "$WORK/demo/certstatus.conf"

status_field() {	# PID FIELD
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

confined() {	# PID LABEL
	nnp=$(status_field "$1" NoNewPrivs)
	sc=$(status_field "$1" Seccomp)
	if [ "$nnp" = 1 ] && [ "$sc" = 2 ]; then
		ok "$2 $1: NoNewPrivs 1, Seccomp 2"
	else
		fail "$2 $1: NoNewPrivs '$nnp', Seccomp '$sc'"
	fi
}

exec_d() {	# PID LABEL
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline")
	exe=$(readlink "/proc/$1/exe")
	if [ "$cmd" = "certstatusd --signer-worker " ] &&
	    [ "$exe" = "$(readlink -f "$CERTSTATUSD")" ]; then
		ok "$2 $1 is exec'd: '$cmd' from $exe"
	else
		fail "$2 $1: cmdline '$cmd', exe '$exe'"
	fi
}

# personality(0xffffffff) made by PID itself, through gdb: "RC ERRNO"
personality_in() {
	timeout 60 gdb -nx -batch -p "$1" \
	    -iex 'set debuginfod enabled off' \
	    -ex 'print (long)syscall(135, 4294967295L)' \
	    -ex 'print *(int *)__errno_location()' 2>/dev/null |
	    awk '/^\$1 = / { rc = $3 } /^\$2 = / { e = $3 } END { print rc, e }'
}

ask() {
	(cd "$WORK/demo" && timeout 20 openssl ocsp -issuer issuer.pem \
	    -cert certs/good-sign.pem -CAfile issuer.pem \
	    -url "http://127.0.0.1:$PORT/ocsp" 2>&1)
}

workers() {
	ps -o pid= --ppid "$SERVER_PID" | tr -d ' '
}

confined "$SERVER_PID" "network process"
n=0
for w in $(workers); do
	confined "$w" "signer worker"
	exec_d "$w" "signer worker"
	n=$((n + 1))
done
[ "$n" -ge 1 ] && ok "$n signer worker(s)" || fail "no signer worker"

if ! command -v gdb >/dev/null 2>&1; then
	fail "gdb is not installed (tools/install-deps.sh installs it)"
else
	sleep 60 &
	ctl=$!
	got=$(personality_in "$ctl")
	kill "$ctl" 2>/dev/null || true
	wait "$ctl" 2>/dev/null || true
	case "$got" in
	-1*|"" |" ") fail "control: personality() in an unconfined process: '$got'" ;;
	*) ok "control: an unconfined process gets its personality ($got)" ;;
	esac
	got=$(personality_in "$SERVER_PID")
	[ "$got" = "-1 1" ] &&
	    ok "personality() in the network process: -1 EPERM (refused)" ||
	    fail "personality() in the network process: '$got', wanted '-1 1'"
fi
# Landlock (where the kernel has it): the network process, here still
# root, cannot create a file outside its folders, nor connect over TCP
# (to its own listener), while creating one in the registry's folder works.
# "RC ERRNO" of the last call gdb makes in PID.
in_gdb() {	# PID gdb-commands...
	pid=$1
	shift
	for c in "$@"; do
		printf '%s\n' "$c"
	done >"$WORK/gdb.cmd"
	timeout 60 gdb -nx -batch -p "$pid" -iex 'set debuginfod enabled off' \
	    -x "$WORK/gdb.cmd" 2>/dev/null |
	    awk '/^\$[0-9]+ = / { rc = e; e = $3 } END { print rc, e }'
}
# (the path is written into memory the process allocates and frees: a
# string literal would be left allocated by gdb, and LeakSanitizer in the
# SANITIZE=1 build would report it at exit)
create_in() {	# PID FILE: open(FILE, O_WRONLY | O_CREAT) made by PID itself
	in_gdb "$1" 'set $p = (char *)malloc(4096)' \
	    "set {char[$((${#2} + 1))]} \$p = \"$2\"" \
	    'set $fd = (int)open($p, 0101, 0600)' 'print $fd' \
	    'print *(int *)__errno_location()' \
	    'call (void)free($p)' 'call (void)close($fd)'
}
connect_in() {	# PID: connect(2) to 127.0.0.1:$PORT made by PID itself
	in_gdb "$1" 'set $a = (char *)malloc(16)' \
	    'call (void *)memset($a, 0, 16)' \
	    'set *(unsigned short *)$a = 2' \
	    "set *(unsigned char *)(\$a + 2) = $((PORT / 256))" \
	    "set *(unsigned char *)(\$a + 3) = $((PORT % 256))" \
	    'set *(unsigned int *)($a + 4) = 0x0100007f' \
	    'set $s = (int)socket(2, 1, 0)' \
	    'print (long)syscall(42, $s, $a, 16)' \
	    'print *(int *)__errno_location()' \
	    'call (void)close($s)' 'call (void)free($a)'
}
landlock=$($PY -c 'import ctypes
print(ctypes.CDLL(None, use_errno=True).syscall(444, None, 0, 1))')
if [ "$landlock" -lt 1 ]; then
	echo "skipped: no Landlock in this kernel"
elif command -v gdb >/dev/null 2>&1; then
	outside=$(mktemp -d /tmp/certstatus-outside.XXXXXX)
	got=$(create_in "$SERVER_PID" "$outside/x")
	case "$got" in
	"-1 13") ok "Landlock: creating $outside/x: -1 EACCES" ;;
	*) fail "Landlock: creating $outside/x: '$got', wanted '-1 13'" ;;
	esac
	[ -e "$outside/x" ] && fail "Landlock: $outside/x exists"
	rm -rf "$outside"
	got=$(create_in "$SERVER_PID" "$WORK/demo/landlock-probe")
	case "$got" in
	-1*|"") fail "Landlock: creating in the registry's folder: '$got'" ;;
	*) ok "Landlock: creating in the registry's folder works (fd ${got% *})" ;;
	esac
	rm -f "$WORK/demo/landlock-probe"
	if [ "$landlock" -ge 4 ]; then
		sleep 60 &
		ctl=$!
		got=$(connect_in "$ctl")
		kill "$ctl" 2>/dev/null || true
		wait "$ctl" 2>/dev/null || true
		case "$got" in
		"0 "*) ok "control: an unconfined process connects to 127.0.0.1:$PORT" ;;
		*) fail "control: TCP connect from an unconfined process: '$got'" ;;
		esac
		got=$(connect_in "$SERVER_PID")
		case "$got" in
		"-1 13") ok "Landlock: TCP connect to 127.0.0.1:$PORT: -1 EACCES" ;;
		*) fail "Landlock: TCP connect: '$got', wanted '-1 13'" ;;
		esac
	fi
fi
ask | grep -q "good-sign.pem: good" && ok "OCSP answered after the checks" ||
    fail "no OCSP answer after the checks"

# a replacement worker is exec'd as well, and confined
before=" $(workers | tr '\n' ' ') "
victim=$(workers | head -n 1)
kill -KILL "$victim"
new=""
i=0
while [ -z "$new" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
	for w in $(workers); do
		case "$before" in *" $w "*) ;; *) new=$w ;; esac
	done
done
[ -n "$new" ] || fail "no replacement for worker $victim"
if [ -n "$new" ]; then
	# it may still be reading its setup: give it a moment to confine itself
	sleep 0.5
	exec_d "$new" "replacement worker"
	confined "$new" "replacement worker"
fi
ask | grep -q "good-sign.pem: good" && ok "OCSP answered by the replacement" ||
    fail "no OCSP answer after the replacement"
stop_server_clean

# With `user` and root-only keys, workers started after the drop still load
# their key: from the key files the network process opened as root.
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: the privilege-drop part needs root"
	finish
	exit 0
fi
echo "user nobody" >>"$WORK/demo/certstatus.conf"
chmod 755 "$WORK"
start_server "$WORK/demo/certstatus.conf"
stat -c '%U %a' "$WORK/demo/keys/"*ocsp*.key | grep -q '^root 600$' ||
    fail "the signer key is not root's, mode 600"
before=" $(workers | tr '\n' ' ') "
n=$(workers | wc -l)
# every worker at once, so that the next nonce answer is a replacement's
kill -KILL $(workers)
i=0
until curl -fs "http://127.0.0.1:$PORT/healthz" 2>/dev/null |
    grep -q "ok: $n of $n signer workers alive" || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
replaced=0
for w in $(workers); do
	case "$before" in *" $w "*) continue ;; esac
	[ "$(ps -o user= -p "$w")" = nobody ] || fail "replacement $w: not nobody"
	replaced=$((replaced + 1))
done
[ "$replaced" -eq "$n" ] && ok "all $n workers replaced as nobody" ||
    fail "$replaced of $n workers replaced"
ask | grep -q "good-sign.pem: good" &&
    ok "replacements read the root-only key (nonce answer signed)" ||
    fail "no answer from replacements started after the drop"
grep -q "failed to start" "$WORK/server.log" &&
    fail "a replacement failed to start: $(grep 'failed to start' "$WORK/server.log" | head -n 1)"
stop_server_clean
finish
