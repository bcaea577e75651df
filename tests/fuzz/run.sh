#!/bin/sh
# SPDX-License-Identifier: ISC
# Run each libFuzzer target (bin/fuzz/fuzz_<name>) for FUZZ_SECONDS on its
# seed corpus (tests/fuzz/corpus/<name>, plus tests/data/bad for the OCSP
# targets); new inputs go to build/fuzz/corpus/<name>, crashes to
# build/fuzz/crashes/.  Prints executions per target; exits 1 on a crash.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"ocsp_request ocsp_answer config cert_upload"}
failed=""
mkdir -p build/fuzz/crashes
for t in $targets; do
	bin=bin/fuzz/fuzz_$t
	work=build/fuzz/corpus/$t
	mkdir -p "$work"
	seeds="tests/fuzz/corpus/$t"
	case $t in
	ocsp_*) seeds="$seeds tests/data/bad" ;;
	esac
	log=build/fuzz/$t.log
	"$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
	    -max_len=16384 -print_final_stats=1 \
	    -artifact_prefix="build/fuzz/crashes/$t-" \
	    "$work" $seeds >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -1)
	if [ "$rc" -ne 0 ]; then
		echo "fuzz_$t: CRASH after ${execs:-?} executions (log $log):"
		grep -aE 'ERROR|SUMMARY|artifact|==[0-9]+==' "$log" | head -20 |
		    sed 's/^/    /'
		failed="$failed $t"
	else
		echo "fuzz_$t: ${secs}s, ${execs:-?} executions (${rate:-?}/s), $cov"
	fi
done
[ -z "$failed" ] || { echo "crashed:$failed"; exit 1; }
