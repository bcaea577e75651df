#!/bin/sh
# SPDX-License-Identifier: ISC
# Run every test: Check unit suites, then integration scripts (each starts
# the real server itself).  Ends with one summary line: "N passed, N failed".
# Env: BIN (binaries), BUILD (objects), UNIT_TESTS (suite names),
# TESTS (optional filter: names of integration scripts to run).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "$top/${BIN:-bin}" && pwd)
BUILD=${BUILD:-build/rel}
export BIN TOP="$top"
out="$top/tests/out"
mkdir -p "$out"
passed=0; failed=0; failures=""

for t in ${UNIT_TESTS:-}; do
	[ -n "${TESTS:-}" ] && continue
	if (cd "$top" && CK_FORK=yes "$BUILD/tests/check_$t"); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)); failures="$failures check_$t"
	fi
done

for s in "$top"/tests/integration/*.sh "$top"/tests/integration/*.py; do
	[ -e "$s" ] || continue
	name=$(basename "$s")
	case "$name" in lib*) continue ;; esac	# sourced helpers, not tests
	if [ -n "${TESTS:-}" ] && ! echo " $TESTS " | grep -q " ${name%.*} "; then
		continue
	fi
	log="$out/${name%.*}.log"
	start=$(date +%s)
	case "$s" in
	*.py) cmd="/usr/bin/python3 $s" ;;
	*) cmd="sh $s" ;;
	esac
	if (cd "$top" && timeout 900 $cmd) >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "PASS: $name ($(( $(date +%s) - start ))s)"
	else
		failed=$((failed + 1)); failures="$failures $name"
		echo "FAIL: $name ($(( $(date +%s) - start ))s), last lines of $log:"
		tail -n 25 "$log" | sed 's/^/    /'
	fi
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
