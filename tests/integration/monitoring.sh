#!/bin/sh
# SPDX-License-Identifier: ISC
# Monitoring: /metrics is valid Prometheus text (promtool check metrics),
# carries per issuer the CA and signer certificates' seconds to expiry, the
# served CRLs' age and seconds to nextUpdate, and the pre-signing backlog,
# with values that agree with the certificates and CRLs themselves; the
# shipped alert rules load (promtool check rules).
. "$(dirname "$0")/lib.sh"

if ! command -v promtool >/dev/null 2>&1; then
	fail "promtool missing (Debian package prometheus; tools/install-deps.sh installs it)"
	finish
fi
promtool check rules "$TOP/config/certstatus-alerts.yml" >"$WORK/rules.out" 2>&1 &&
    ok "alert rules: $(grep -o 'SUCCESS.*' "$WORK/rules.out")" ||
    fail "alert rules: $(cat "$WORK/rules.out")"

make_demo "$WORK/demo"
start_server "$WORK/demo/certstatus.conf"
url="http://127.0.0.1:$PORT"
curl -s "$url/metrics" >"$WORK/m.txt"
promtool check metrics <"$WORK/m.txt" >"$WORK/lint.out" 2>&1 &&
    ok "promtool check metrics: no problems" ||
    fail "promtool check metrics: $(head -5 "$WORK/lint.out")"

# metric NAME LABELS: the sample's value
metric() {
	grep "^$1{$2} " "$WORK/m.txt" | awk '{print $2}'
}
now=$(date +%s)
# the signer certificate's own notAfter, from the certificate
na=$(openssl x509 -in "$WORK/demo/signer.pem" -noout -enddate | cut -d= -f2)
want=$(( $(date -d "$na" +%s) - now ))
got=$(metric certstatus_cert_expiry_seconds 'issuer="inagi",cert="signer"')
[ -n "$got" ] && [ $((got - want)) -le 5 ] && [ $((want - got)) -le 5 ] &&
    ok "signer certificate: $got s to expiry (openssl: $want)" ||
    fail "signer expiry: metric '$got', certificate $want"
na=$(openssl x509 -in "$WORK/demo/issuer.pem" -noout -enddate | cut -d= -f2)
want=$(( $(date -d "$na" +%s) - now ))
got=$(metric certstatus_cert_expiry_seconds 'issuer="inagi",cert="ca"')
[ -n "$got" ] && [ $((got - want)) -le 5 ] && [ $((want - got)) -le 5 ] &&
    ok "CA certificate: $got s to expiry (openssl: $want)" ||
    fail "CA expiry: metric '$got', certificate $want"

# the served full CRL's nextUpdate, from the CRL itself
curl -s -o "$WORK/full.crl" "$url/crl/inagi.crl"
nu=$(openssl crl -inform DER -in "$WORK/full.crl" -noout -nextupdate | cut -d= -f2)
want=$(( $(date -d "$nu" +%s) - now ))
got=$(metric certstatus_crl_next_update_seconds 'issuer="inagi",kind="full"')
[ -n "$got" ] && [ $((got - want)) -le 5 ] && [ $((want - got)) -le 5 ] &&
    ok "full CRL: $got s to nextUpdate (openssl: $want)" ||
    fail "full CRL nextUpdate: metric '$got', CRL $want"
age=$(metric certstatus_crl_age_seconds 'issuer="inagi",kind="delta"')
[ -n "$age" ] && [ "$age" -ge 0 ] && [ "$age" -lt 600 ] &&
    ok "delta CRL age: $age s" || fail "delta CRL age: '$age'"
grep -q '^certstatus_presign_backlog 0$' "$WORK/m.txt" &&
    ok "pre-signing backlog 0 after the first pass" ||
    fail "backlog: $(grep '^certstatus_presign_backlog' "$WORK/m.txt")"
stop_server
finish
