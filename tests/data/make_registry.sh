#!/bin/sh
# Regenerate tests/data/registry: a fixed demo registry (certctl demo,
# checkpointed into one file) with its issuer and signer certificates, the
# signer's test key and the demo certificates.  The fuzz seeds and the bad
# inputs in tests/data/bad are built against this issuer, so that the
# fuzzers and the hostile-input test reach the registry lookups.  Test
# material only: the keys here protect nothing.
#	sh tests/data/make_registry.sh [bin]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$top/bin}
out=$top/tests/data/registry
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin/certctl" demo "$tmp/d" >/dev/null
sqlite3 "$tmp/d/certstatus.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
rm -rf "$out"
mkdir -p "$out/keys" "$out/certs"
cp "$tmp/d/certstatus.db" "$tmp/d/issuer.pem" "$tmp/d/signer.pem" "$out/"
cp "$tmp/d/keys/inagi-ocsp.key" "$out/keys/"
cp "$tmp/d/certs/"* "$out/certs/"
grep -v '^#' "$tmp/d/certstatus.conf" | grep . >"$out/certstatus.conf"
echo "wrote $out"
