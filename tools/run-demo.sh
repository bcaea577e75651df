#!/bin/sh
# make run: build the demo under var/demo once, then serve it in the
# foreground on 127.0.0.1:PORT, printing OCSP commands that work as printed.
set -eu
BIN=${1:-bin}
PORT=${2:-8080}
top=$(cd "$(dirname "$0")/.." && pwd)
demo="$top/var/demo"

if [ ! -f "$demo/certstatus.db" ]; then
	echo "run: creating the demo in var/demo"
	"$top/$BIN/certctl" demo "$demo"
fi
good=$(awk -F'\t' '$3 == "good" { print $1; exit }' "$demo/certs/index.tsv")
revoked=$(awk -F'\t' '$3 == "revoked" && $4 != "certificateHold" { print $1; exit }' "$demo/certs/index.tsv")
cat <<EOT

certstatusd serves var/demo on http://127.0.0.1:$PORT (Ctrl-C stops it).
Try, from $top:

  openssl ocsp -issuer var/demo/issuer.pem -cert var/demo/certs/$good \\
      -url http://127.0.0.1:$PORT/ocsp -CAfile var/demo/issuer.pem -resp_text
  openssl ocsp -issuer var/demo/issuer.pem -cert var/demo/certs/$revoked \\
      -url http://127.0.0.1:$PORT/ocsp -CAfile var/demo/issuer.pem
  curl -s http://127.0.0.1:$PORT/metrics | head
  open http://127.0.0.1:$PORT/ in a browser (the online counter)

EOT
exec "$top/$BIN/certstatusd" -c "$demo/certstatus.conf" -p "$PORT"
