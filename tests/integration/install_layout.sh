#!/bin/sh
# SPDX-License-Identifier: ISC
# make install (PREFIX, DESTDIR, sysconfdir, localstatedir) puts each file
# where certstatusd(8) says; the man pages render without warnings; every
# directive the parser knows (the table in common/config.c) is documented
# in certstatus.conf(5) and in the annotated config/certstatus.conf; the
# installed config passes the parser with the installed paths.
. "$(dirname "$0")/lib.sh"

# every directive of the table, documented
directives=$(sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)",[[:space:]]*T_.*/\1/p' "$TOP/common/config.c")
n=$(echo "$directives" | wc -l)
[ "$n" -ge 30 ] || fail "found only $n directives in common/config.c"
missing=""; missing_conf=""
for d in $directives; do
	grep -q "^\.It Ic $d\( \|$\)" "$TOP/man/certstatus.conf.5" || missing="$missing $d"
	grep -Eq "^#?$d([[:space:]]|$)" "$TOP/config/certstatus.conf" || missing_conf="$missing_conf $d"
done
[ -z "$missing" ] && ok "all $n directives are documented in certstatus.conf(5)" ||
    fail "not in man/certstatus.conf.5:$missing (add an .It Ic entry with type, default, effect)"
[ -z "$missing_conf" ] && ok "all $n directives are in config/certstatus.conf" ||
    fail "not in config/certstatus.conf:$missing_conf"

# man pages render without warnings
if command -v man >/dev/null 2>&1; then
	for m in "$TOP"/man/*.[0-9]; do
		w=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
		[ -z "$w" ] && ok "man --warnings -l $(basename "$m"): no warnings" ||
		    fail "man $(basename "$m"): $w"
	done
else
	echo "SKIP: man (Debian package man-db) not installed: pages not rendered"
fi

# make install into a DESTDIR, with the directories given (sysconfdir is
# compiled in: left at its default here so that bin/ is not rebuilt)
D="$WORK/root"
# the same build as the binaries under test (bin/san is SANITIZE=1)
case "$BIN" in */san) mk="SANITIZE=1" ;; *) mk="SANITIZE=" ;; esac
(cd "$TOP" && make --no-print-directory install DESTDIR="$D" PREFIX=/opt/cs \
    localstatedir=/opt/cs/var $mk >"$WORK/install.log" 2>&1) ||
    { cat "$WORK/install.log"; fail "make install"; finish; }
for f in opt/cs/sbin/certstatusd opt/cs/bin/certctl opt/cs/share/man/man8/certstatusd.8 \
    opt/cs/share/man/man8/certctl.8 opt/cs/share/man/man5/certstatus.conf.5 \
    etc/certstatus/certstatus.conf etc/logrotate.d/certstatus \
    opt/cs/lib/systemd/system/certstatusd.service opt/cs/lib/systemd/system/certstatus-crl.service \
    opt/cs/lib/systemd/system/certstatus-crl.timer; do
	[ -f "$D/$f" ] || fail "make install did not install /$f"
done
[ -d "$D/opt/cs/var/lib/certstatus" ] && ok "make install: binaries, man pages, config, units, data dir" ||
    fail "no data dir"
grep -q "^database[[:space:]]*/opt/cs/var/lib/certstatus/certstatus.db$" "$D/etc/certstatus/certstatus.conf" &&
    grep -q "^response-cache[[:space:]]*/opt/cs/var/lib/certstatus/responses.db$" "$D/etc/certstatus/certstatus.conf" &&
    ok "the installed config names the data dir" || fail "installed config paths"
grep -q "ExecStart=/opt/cs/sbin/certstatusd -c /etc/certstatus/certstatus.conf" \
    "$D/opt/cs/lib/systemd/system/certstatusd.service" && ok "the unit names the installed paths" ||
    fail "unit paths: $(grep ExecStart "$D/opt/cs/lib/systemd/system/certstatusd.service")"
"$D/opt/cs/sbin/certstatusd" --version | grep -qx "certstatusd $(cat "$TOP/VERSION")" &&
    ok "installed certstatusd --version" || fail "installed --version"
# the installed parser accepts the installed config (only the registry is missing)
out=$("$D/opt/cs/sbin/certstatusd" -n -c "$D/etc/certstatus/certstatus.conf" 2>&1 || true)
echo "$out" | grep -q "database: /opt/cs/var/lib/certstatus/certstatus.db" &&
    ! echo "$out" | grep -q "unknown directive\|: bad " &&
    ok "installed config parses; -n only misses the registry" || fail "installed config: $out"
# an operator's config is never overwritten
echo "# mine" >>"$D/etc/certstatus/certstatus.conf"
(cd "$TOP" && make --no-print-directory install DESTDIR="$D" PREFIX=/opt/cs \
    localstatedir=/opt/cs/var $mk >"$WORK/install2.log" 2>&1)
tail -n 1 "$D/etc/certstatus/certstatus.conf" | grep -q "^# mine$" &&
    ok "a second make install keeps the operator's config" || fail "config overwritten"
finish
