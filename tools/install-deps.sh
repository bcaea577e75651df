#!/bin/sh
# SPDX-License-Identifier: ISC
# Install what certstatus needs to build, test and benchmark on Debian 12.
# Idempotent: does nothing when every package is present.
set -eu

PKGS="build-essential pkg-config openssl libssl-dev libevent-dev libsqlite3-dev
sqlite3 check libjansson-dev libseccomp-dev gdb curl gnutls-bin python3 python3-cryptography
nghttp2-client nginx-light chromium clang libclang-rt-14-dev
fonts-noto-cjk faketime
libsystemd-dev systemd man-db debhelper lintian fakeroot dpkg-dev
prometheus libp11-dev libp11-kit-dev softhsm2 opensc"
# The browser test drives chromium with playwright-core from npm; Debian's
# nodejs and npm provide node where it is not installed some other way.
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"

# playwright-core for tests/browser, pinned by its package-lock.json.
browser_deps() {
	top=$(cd "$(dirname "$0")/.." && pwd)
	[ -d "$top/tests/browser/node_modules/playwright-core" ] && return 0
	echo "install-deps: npm ci --prefix tests/browser"
	npm ci --prefix "$top/tests/browser" --no-audit --no-fund >/dev/null
}

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	browser_deps
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Packages that carry a daemon (nginx-light, prometheus for promtool) must not
# start it on install: tests start what they need on 127.0.0.1 themselves.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
browser_deps
