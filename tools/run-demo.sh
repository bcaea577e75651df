#!/bin/sh
# SPDX-License-Identifier: ISC
# make run: build the demo under var/demo once (again when PORT changed:
# the certificates name it), then serve it in the foreground on
# 127.0.0.1:PORT, printing OCSP commands that work as printed.
set -eu
BIN=${1:-bin}
PORT=${2:-8080}
top=$(cd "$(dirname "$0")/.." && pwd)
demo=${DEMO_DIR:-$top/var/demo}	# DEMO_DIR: for tests
rel=${demo#"$top/"}

# The certificates name the port (AIA OCSP and CRL URLs), so a demo made
# for another port is made again rather than served with dead URLs.
if [ -f "$demo/certstatus.conf" ] && [ -f "$demo/certs/index.tsv" ] &&
    ! grep -qx "listen 127.0.0.1:$PORT" "$demo/certstatus.conf"; then
	echo "run: $rel was made for another port: making it again for $PORT"
	rm -rf "$demo"
fi
if [ ! -f "$demo/certstatus.db" ]; then
	echo "run: creating the demo in $rel (port $PORT, CRLs published)"
	"$top/$BIN/certctl" demo "$demo" --port "$PORT" >/dev/null
fi
# a demo made before demos published their CRLs: publish them now
if [ "$(sqlite3 "$demo/certstatus.db" 'SELECT count(*) FROM crls' 2>/dev/null)" = 0 ]; then
	echo "run: publishing the demo's CRLs"
	"$top/$BIN/certctl" -c "$demo/certstatus.conf" crl generate >/dev/null
fi
good=$(awk -F'\t' '$3 == "good" { print $1; exit }' "$demo/certs/index.tsv")
revoked=$(awk -F'\t' '$3 == "revoked" && $4 != "certificateHold" { print $1; exit }' "$demo/certs/index.tsv")
cat <<EOT

certstatusd serves $rel on http://127.0.0.1:$PORT (Ctrl-C stops it).
Try, from $top:

  openssl ocsp -issuer $rel/issuer.pem -cert $rel/certs/$good \\
      -url http://127.0.0.1:$PORT/ocsp -CAfile $rel/issuer.pem -resp_text
  openssl ocsp -issuer $rel/issuer.pem -cert $rel/certs/$revoked \\
      -url http://127.0.0.1:$PORT/ocsp -CAfile $rel/issuer.pem
  curl -s http://127.0.0.1:$PORT/crl/inagi.crl | openssl crl -inform DER -noout -text | head
  curl -s http://127.0.0.1:$PORT/metrics | head
  open http://127.0.0.1:$PORT/ in a browser (the online counter)

EOT
exec "$top/$BIN/certstatusd" -c "$demo/certstatus.conf"
