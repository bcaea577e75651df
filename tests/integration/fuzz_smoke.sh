#!/bin/sh
# SPDX-License-Identifier: ISC
# fuzz_smoke: build the libFuzzer targets and run each briefly (FUZZ_SMOKE
# seconds, 10 by default; 60 under make check-long) on its seed corpus and
# tests/data/bad.  Fails on any crash, leak or sanitizer report.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP"
if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: clang not installed (tools/install-deps.sh installs it)"
	exit 0
fi
secs=${FUZZ_SMOKE:-10}
[ "${CHECK_LONG:-}" = 1 ] && secs=${FUZZ_SMOKE:-60}
# a clean environment for the sub-make: no SANITIZE=1 or BIN from make check
env -u MAKEFLAGS -u MFLAGS -u BIN -u BUILD make -s --no-print-directory \
    FUZZ=1 fuzz-bins >build-fuzz.log 2>&1 ||
	{ tail -30 build-fuzz.log; rm -f build-fuzz.log; echo "FAIL: fuzz build"; exit 1; }
rm -f build-fuzz.log
FUZZ_SECONDS=$secs sh tests/fuzz/run.sh
echo "all checks passed"
