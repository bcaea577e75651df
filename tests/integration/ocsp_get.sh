#!/bin/sh
# SPDX-License-Identifier: ISC
# ocsp_get: OCSP over GET (RFC 6960 appendix A, RFC 5019) with curl.
# One DER request, sent as every encoding real clients use ('+' and '/' raw,
# %2B/%2F, base64url, missing padding, a doubled leading slash, /ocsp/
# prefix, all-escaped) gets the same bytes back, and the answer is right.
# Bad encodings get an OCSP malformedRequest.  Then the RFC 5019 cache
# headers: Last-Modified = thisUpdate, Expires = nextUpdate, Cache-Control
# max-age (<= nextUpdate - now), public, no-transform, ETag, and 304 for
# If-None-Match / If-Modified-Since; nonce and POST answers not cacheable.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D"
start_server "$D/certstatus.conf"
BASE="http://127.0.0.1:$PORT"

get() {	# get PATH OUT [curl args]: GET, headers in OUT.h, body in OUT
	p=$1 o=$2
	shift 2
	curl -s --path-as-is --max-time 20 -D "$o.h.raw" -o "$o" "$@" \
	    "$BASE$p" || echo "curl failed" >"$o.h.raw"
	tr -d '\r' <"$o.h.raw" >"$o.h"
}
code() { sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$1.h"; }
hdr() { sed -n "s/^$2: //Ip" "$1.h" | head -n 1; }

# status FILE CERT DIGEST: what openssl makes of a response for CERT
status() {
	openssl ocsp -respin "$1" -issuer "$D/issuer.pem" $3 -cert "$2" \
	    -CAfile "$D/issuer.pem" -no_nonce 2>&1 || true
}

# Requests (no nonce) for every certificate, SHA-1 and SHA-256; pick one
# whose base64 has both '+' and '/', and one with padding.
pick="" padded=""
while IFS='	' read -r file serial want reason; do
	[ "$want" = unknown ] && continue
	for dg in -sha1 -sha256; do
		r="$WORK/req-${file%.pem}$dg.der"
		openssl ocsp -issuer "$D/issuer.pem" $dg -cert "$D/certs/$file" \
		    -no_nonce -reqout "$r" >/dev/null 2>&1 || fail "reqout $file"
		b=$(base64 -w0 "$r")
		case "$b" in *+*/*|*/*+*) [ -z "$pick" ] && pick="$r $file $want $dg" ;; esac
		case "$b" in *=) [ -z "$padded" ] && padded="$r $file $want $dg" ;; esac
	done
done <"$D/certs/index.tsv"
# Fallback: random nonces until the base64 has both characters.
if [ -z "$pick" ]; then
	i=0
	while [ $i -lt 200 ] && [ -z "$pick" ]; do
		r="$WORK/req-nonce$i.der"
		openssl ocsp -issuer "$D/issuer.pem" -cert "$D/certs/good-sign.pem" \
		    -reqout "$r" >/dev/null 2>&1
		case "$(base64 -w0 "$r")" in *+*/*|*/*+*) pick="$r good-sign.pem good -sha1" ;; esac
		i=$((i + 1))
	done
fi
[ -n "$pick" ] || { fail "no request with '+' and '/' in its base64"; finish; }

for choice in "$pick" "$padded"; do
	[ -n "$choice" ] || continue
	set -- $choice
	req=$1 file=$2 want=$3 dg=$4
	b64=$(base64 -w0 "$req")
	esc=$(printf %s "$b64" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
	url=$(printf %s "$b64" | tr '+/' '-_' | tr -d '=')
	nopad=$(printf %s "$b64" | tr -d '=')
	lower=$(printf %s "$b64" | sed 's/+/%2b/g; s/\//%2f/g')
	echo "request for $file ($dg): $b64"
	i=0
	for p in "/$b64" "/ocsp/$b64" "/$esc" "/ocsp/$esc" "/$lower" "/$url" \
	    "/ocsp/$url" "/$nopad" "//$b64" "//$url" "/ocsp//$b64"; do
		i=$((i + 1))
		get "$p" "$WORK/g$i"
		if [ "$(code "$WORK/g$i")" != 200 ]; then
			fail "GET $p: HTTP $(code "$WORK/g$i")"
			continue
		fi
		st=$(status "$WORK/g$i" "$D/certs/$file" "$dg")
		if ! echo "$st" | grep -q "^Response verify OK" ||
		    ! echo "$st" | grep -q ": $want\$"; then
			fail "GET $p: $(echo "$st" | tr '\n' ' ')"
		elif [ $i -gt 1 ] && ! cmp -s "$WORK/g1" "$WORK/g$i"; then
			fail "GET $p: different bytes than GET /$b64"
		else
			ok "GET $p: $want, same answer"
		fi
	done
	# and POST of the same request, no nonce: the same pre-signed answer
	curl -s --max-time 20 -H 'Content-Type: application/ocsp-request' \
	    --data-binary @"$req" -o "$WORK/post" "$BASE/ocsp"
	cmp -s "$WORK/g1" "$WORK/post" && ok "POST: same bytes as GET" ||
	    fail "POST of the same request: different bytes"
done

# Bad encodings: an OCSP malformedRequest (30 03 0a 01 01), HTTP 200.
for p in "/%00" "/MEIw%00QDA" "/%ZZMEIw" "/MEIw%2" "/!!!!" "/M" "/MEIwQDA+PzA9MAkGBSsOAwIaBQAEFA====" \
    "/$(printf %s "$b64" | cut -c1-20)" "/ocsp/%" "/a=b=c"; do
	get "$p" "$WORK/bad"
	if [ "$(code "$WORK/bad")" = 200 ] &&
	    [ "$(od -An -tx1 "$WORK/bad" | tr -d ' \n')" = 30030a0101 ]; then
		ok "GET $p: malformedRequest"
	else
		fail "GET $p: HTTP $(code "$WORK/bad"), body $(od -An -tx1 "$WORK/bad" | tr -d '\n' | cut -c1-60)"
	fi
done

# --- RFC 5019 cache headers -------------------------------------------------
set -- $pick
req=$1 file=$2
b64=$(base64 -w0 "$req")
get "/$b64" "$WORK/c"
openssl ocsp -respin "$WORK/c" -resp_text -noverify >"$WORK/c.txt" 2>&1 || true
tu=$(sed -n 's/^ *This Update: //p' "$WORK/c.txt" | head -n 1)
nu=$(sed -n 's/^ *Next Update: //p' "$WORK/c.txt" | head -n 1)
lm=$(hdr "$WORK/c" Last-Modified)
ex=$(hdr "$WORK/c" Expires)
cc=$(hdr "$WORK/c" Cache-Control)
et=$(hdr "$WORK/c" ETag)
ct=$(hdr "$WORK/c" Content-Type)
now=$(date +%s)
echo "thisUpdate $tu, nextUpdate $nu; Last-Modified $lm, Expires $ex, Cache-Control $cc, ETag $et"
[ "$ct" = application/ocsp-response ] && ok "Content-Type $ct" || fail "Content-Type '$ct'"
[ -n "$lm" ] && [ "$(date -d "$lm" +%s)" = "$(date -d "$tu" +%s)" ] &&
    ok "Last-Modified = thisUpdate" || fail "Last-Modified '$lm' vs thisUpdate '$tu'"
[ -n "$ex" ] && [ "$(date -d "$ex" +%s)" = "$(date -d "$nu" +%s)" ] &&
    ok "Expires = nextUpdate" || fail "Expires '$ex' vs nextUpdate '$nu'"
maxage=$(echo "$cc" | sed -n 's/.*max-age=\([0-9]*\).*/\1/p')
left=$(( $(date -d "$nu" +%s) - now ))
if [ -n "$maxage" ] && [ "$maxage" -le "$((left + 1))" ] && [ "$maxage" -ge "$((left - 60))" ] &&
    echo "$cc" | grep -q 'public' && echo "$cc" | grep -q 'no-transform'; then
	ok "Cache-Control: max-age $maxage (nextUpdate in ${left}s), public, no-transform"
else
	fail "Cache-Control '$cc' (nextUpdate in ${left}s)"
fi
case "$et" in \"?*\") ok "ETag $et" ;; *) fail "ETag '$et'" ;; esac
get "/$b64" "$WORK/c2" -H "If-None-Match: $et"
[ "$(code "$WORK/c2")" = 304 ] && [ ! -s "$WORK/c2" ] && ok "If-None-Match: 304, no body" ||
    fail "If-None-Match: HTTP $(code "$WORK/c2")"
get "/$b64" "$WORK/c2" -H 'If-None-Match: "0000"'
[ "$(code "$WORK/c2")" = 200 ] && ok "If-None-Match other tag: 200" ||
    fail "If-None-Match other tag: HTTP $(code "$WORK/c2")"
get "/$b64" "$WORK/c2" -H "If-Modified-Since: $lm"
[ "$(code "$WORK/c2")" = 304 ] && ok "If-Modified-Since = Last-Modified: 304" ||
    fail "If-Modified-Since: HTTP $(code "$WORK/c2")"
[ "$(hdr "$WORK/c2" ETag)" = "$et" ] && ok "304 carries the ETag" || fail "304 without ETag"
old=$(date -u -d "@$(( $(date -d "$lm" +%s) - 3600 ))" '+%a, %d %b %Y %H:%M:%S GMT')
get "/$b64" "$WORK/c2" -H "If-Modified-Since: $old"
[ "$(code "$WORK/c2")" = 200 ] && ok "If-Modified-Since an hour earlier: 200" ||
    fail "If-Modified-Since earlier: HTTP $(code "$WORK/c2")"
get "/$b64" "$WORK/c2" -I
[ "$(code "$WORK/c2")" = 200 ] && [ "$(hdr "$WORK/c2" ETag)" = "$et" ] && ok "HEAD: 200 with ETag" ||
    fail "HEAD: HTTP $(code "$WORK/c2")"

# A GET with a nonce and any POST: not cacheable.
openssl ocsp -issuer "$D/issuer.pem" -cert "$D/certs/$file" -reqout "$WORK/n.der" >/dev/null 2>&1
get "/$(base64 -w0 "$WORK/n.der" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')" "$WORK/n"
ncc=$(hdr "$WORK/n" Cache-Control)
if [ "$(code "$WORK/n")" = 200 ] && echo "$ncc" | grep -q no-store &&
    [ -z "$(hdr "$WORK/n" Expires)" ] && [ -z "$(hdr "$WORK/n" ETag)" ]; then
	ok "GET with a nonce: Cache-Control $ncc"
else
	fail "GET with a nonce: HTTP $(code "$WORK/n") Cache-Control '$ncc'"
fi
curl -s --max-time 20 -D "$WORK/p.h.raw" -o "$WORK/p" -H 'Content-Type: application/ocsp-request' \
    --data-binary @"$req" "$BASE/ocsp"
tr -d '\r' <"$WORK/p.h.raw" >"$WORK/p.h"
pcc=$(hdr "$WORK/p" Cache-Control)
if echo "$pcc" | grep -q no-store && [ -z "$(hdr "$WORK/p" Expires)" ]; then
	ok "POST: Cache-Control $pcc"
else
	fail "POST: Cache-Control '$pcc' Expires '$(hdr "$WORK/p" Expires)'"
fi


stop_server_clean

finish
