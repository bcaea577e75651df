#!/bin/sh
# SPDX-License-Identifier: ISC
# The Debian package, for real (root only: it installs into this system):
# make deb; dpkg -i; the certstatus user and /var/lib/certstatus; the
# config a conffile; the unit enabled; systemd-analyze verify on the
# installed units; a registry and a CA made as root with the installed
# certctl and its installed config; certstatusd from /usr/sbin as the
# certstatus user answers openssl ocsp; then remove and purge leave nothing
# in /usr and no /etc/certstatus.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: deb_package needs root (it installs the package into this system)"
	exit 0
fi
if ! command -v dpkg-buildpackage >/dev/null 2>&1 || ! command -v dh >/dev/null 2>&1; then
	echo "SKIP: dpkg-dev and debhelper are not installed (tools/install-deps.sh)"
	exit 0
fi
if dpkg-query -W -f='${Status}' certstatus 2>/dev/null | grep -q "installed"; then
	echo "SKIP: a certstatus package is installed on this machine: not touching it"
	exit 0
fi
[ -e /etc/certstatus ] || [ -e /var/lib/certstatus ] &&
    { echo "SKIP: /etc/certstatus or /var/lib/certstatus exists: not touching it"; exit 0; }
had_user=0; getent passwd certstatus >/dev/null && had_user=1

purge_all() {
	[ -n "$SERVER_PID" ] && { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""; }
	dpkg -P certstatus >/dev/null 2>&1 || true
	rm -rf /var/lib/certstatus
	[ $had_user -eq 0 ] && getent passwd certstatus >/dev/null &&
	    { userdel certstatus 2>/dev/null || true; }
	if [ $had_user -eq 0 ] && getent group certstatus >/dev/null; then
		groupdel certstatus 2>/dev/null || true
	fi
	return 0
}
trap 'purge_all; cleanup' EXIT INT TERM

t0=$(date +%s)
(cd "$TOP" && make --no-print-directory deb >"$WORK/deb.log" 2>&1) ||
    { tail -n 30 "$WORK/deb.log"; fail "make deb"; finish; }
version=$(cat "$TOP/VERSION")
deb=$(ls "$TOP"/build/deb/certstatus_"$version"_*.deb)
ok "make deb: $(basename "$deb") in $(( $(date +%s) - t0 )) s"
if command -v lintian >/dev/null 2>&1; then
	lintian "$TOP/build/deb/certstatus_${version}_$(dpkg --print-architecture).changes" >"$WORK/lintian.txt" 2>&1 || true
	grep -q "^E: " "$WORK/lintian.txt" && fail "lintian errors: $(grep '^E: ' "$WORK/lintian.txt")" ||
	    ok "lintian: no errors ($(grep -c '^[EW]: ' "$WORK/lintian.txt") errors or warnings)"
fi

dpkg -i "$deb" >"$WORK/dpkg.log" 2>&1 || apt-get -f install -y -qq >>"$WORK/dpkg.log" 2>&1 ||
    { cat "$WORK/dpkg.log"; fail "dpkg -i"; finish; }
dpkg-query -W -f='${Status}\n' certstatus | grep -q "install ok installed" &&
    ok "dpkg -i: installed" || { cat "$WORK/dpkg.log"; fail "not installed"; finish; }
dpkg -L certstatus | while read -r f; do [ ! -f "$f" ] || echo "$f"; done >"$WORK/files.txt"
getent passwd certstatus | grep -q ":/var/lib/certstatus:" && ok "system user certstatus" || fail "no certstatus user"
[ "$(stat -c '%U:%G %a' /var/lib/certstatus)" = "certstatus:certstatus 750" ] &&
    ok "/var/lib/certstatus certstatus:certstatus 750" || fail "data dir: $(stat -c '%U:%G %a' /var/lib/certstatus)"
dpkg-query -W -f='${Conffiles}\n' certstatus | grep -q "/etc/certstatus/certstatus.conf" &&
    ok "/etc/certstatus/certstatus.conf is a conffile" || fail "config not a conffile"
[ -L /etc/systemd/system/multi-user.target.wants/certstatusd.service ] &&
    ok "certstatusd.service enabled (dh_installsystemd)" || fail "unit not enabled"
out=$(systemd-analyze verify /lib/systemd/system/certstatusd.service \
    /lib/systemd/system/certstatus-crl.service /lib/systemd/system/certstatus-crl.timer 2>&1) &&
    [ -z "$out" ] && ok "systemd-analyze verify on the installed units: clean" ||
    fail "systemd-analyze verify installed: $out"
man -w certstatus.conf >/dev/null 2>&1 && man -w certstatusd >/dev/null 2>&1 &&
    ok "man certstatusd, man certstatus.conf found" || fail "man pages not found"

# An administrator's first steps, as root, with the installed paths only.
PORT=$(free_port)
conf=/etc/certstatus/certstatus.conf
sed -i "s|^listen.*|listen 127.0.0.1:$PORT|; s|^base-url.*|base-url http://127.0.0.1:$PORT|" "$conf"
export CERTSTATUS_OPERATOR=deb-test
(cd / && env -u CERTSTATUS_CONF /usr/bin/certctl init) >"$WORK/init.log" 2>&1 &&
    ok "certctl init finds /etc/certstatus/certstatus.conf: $(cat "$WORK/init.log")" ||
    { cat "$WORK/init.log"; fail "certctl init"; }
(cd / && env -u CERTSTATUS_CONF /usr/bin/certctl ca create inagi >/dev/null &&
    /usr/bin/certctl resident add D1 --name "Deb Test" --address Inagi --birth-date 1990-01-01 --sex unknown >/dev/null &&
    /usr/bin/certctl card add --resident D1 --number DC-1 --type mynumber --expires 2035-12-31 >/dev/null &&
    /usr/bin/certctl issue --card DC-1 --kind sign --keyout "$WORK/d1.key" --out "$WORK/d1.pem" >/dev/null &&
    /usr/bin/certctl crl generate >/dev/null) 2>"$WORK/ca.log" && ok "registry, CA, a certificate and CRLs made as root" ||
    { cat "$WORK/ca.log"; fail "CA setup"; }
# the OCSP signer key goes to the service user (README "Deploy")
chown certstatus /etc/certstatus/keys/inagi-ocsp.key
chmod 711 /etc/certstatus/keys
/usr/bin/certctl ca list >/dev/null 2>&1
openssl x509 -in "$WORK/d1.pem" -noout >/dev/null && cp "$WORK/d1.pem" "$WORK/cert.pem"
sqlite3 /var/lib/certstatus/certstatus.db "SELECT ca_cert FROM issuers WHERE name = 'inagi'" >"$WORK/issuer.pem"

as_user() { setpriv --reuid=certstatus --regid=certstatus --init-groups -- "$@"; }
out=$(as_user /usr/sbin/certstatusd -n 2>&1) && [ "$out" = "configuration OK" ] &&
    ok "certstatusd -n as certstatus: $out" || fail "certstatusd -n as certstatus: $out"
setpriv --reuid=certstatus --regid=certstatus --init-groups -- /usr/sbin/certstatusd \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!	# setpriv execs: this is certstatusd
i=0
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 100 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
		cat "$WORK/server.log"; fail "installed certstatusd did not start"; finish
	fi
	sleep 0.1
done
users=$(ps -o user= -p "$SERVER_PID"; ps -o user= --ppid "$SERVER_PID")
[ -z "$(echo "$users" | grep -v '^certstatus$')" ] && ok "every server process runs as certstatus" ||
    fail "process users: $(echo $users)"
ans=$(cd "$WORK" && openssl ocsp -issuer issuer.pem -cert cert.pem -CAfile issuer.pem \
    -url "http://127.0.0.1:$PORT/ocsp" 2>&1)
echo "$ans" | grep -q "^cert.pem: good" && ok "openssl ocsp against the installed server: good" ||
    fail "openssl ocsp: $ans"
code=$(curl -s -o "$WORK/crl.der" -w '%{http_code}' "http://127.0.0.1:$PORT/crl/inagi.crl")
[ "$code" = 200 ] && ok "GET /crl/inagi.crl: 200" || fail "CRL: $code"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
i=0; while ps -o pid= -u certstatus >/dev/null 2>&1; do	# its workers too
	i=$((i + 1)); [ $i -lt 50 ] || { fail "certstatus processes left: $(ps -o pid=,args= -u certstatus)"; break; }
	sleep 0.1
done

dpkg -r certstatus >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; fail "dpkg -r"; }
left=$(while read -r f; do case "$f" in /etc/*) ;; *) [ ! -e "$f" ] || echo "$f" ;; esac; done <"$WORK/files.txt")
[ -z "$left" ] && ok "dpkg -r: no package file left outside /etc" || fail "left after remove: $left"
[ -f "$conf" ] && ok "dpkg -r keeps the conffile" || fail "conffile gone at remove"
dpkg -P certstatus >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg -P"; }
[ ! -e /etc/certstatus ] && ok "dpkg -P: /etc/certstatus gone" || fail "/etc/certstatus left: $(find /etc/certstatus)"
left=$(while read -r f; do [ ! -e "$f" ] || echo "$f"; done <"$WORK/files.txt")
[ -z "$left" ] && ok "dpkg -P: none of the package's files left" || fail "left after purge: $left"
[ ! -e /etc/systemd/system/multi-user.target.wants/certstatusd.service ] &&
    ok "dpkg -P: the unit's enablement is gone" || fail "enablement symlink left"
ls -d /var/lib/certstatus/keys-saved-at-purge-* >/dev/null 2>&1 &&
    ok "dpkg -P: the keys made in /etc/certstatus/keys are kept in $(ls -d /var/lib/certstatus/keys-saved-at-purge-*)" ||
    fail "keys not kept"
cat "$WORK/purge.log"
finish
