#!/bin/sh
# SPDX-License-Identifier: ISC
# The online counter through curl against the real certstatusd: every
# certificate of the demo's index.tsv in each language, by the JSON API and
# by the no-JS form; DER upload; a forged certificate copying a real serial;
# hostile uploads (empty, malformed, NUL, oversized) answered with a clear
# 4xx while the server keeps serving; the rules of the card in hand (Juki or
# My Number), the hold with its 24-hour line, the renewal notice, the
# issuer by name, a possible forgery; lost-card-phone and renewal-window;
# GET /check and /favicon.ico; language choice; security headers; HTML
# escaping; no certificate content in the access log; the rate limit.
. "$(dirname "$0")/lib.sh"

D="$WORK/demo"
make_demo "$D"
CONF="$D/certstatus.conf"
# Many checks from one address: lift the limit here, test it on its own below.
printf 'counter-rate 100000\naccess-log access.log\n' >> "$CONF"
start_server "$CONF"
URL="http://127.0.0.1:$PORT"

# jget FILE KEY: a top-level JSON value as text ("null" for null).
jget() {
	$PY -c 'import json,sys
v=json.load(open(sys.argv[1])).get(sys.argv[2])
print("null" if v is None else v)' "$1" "$2"
}

# expected counter status from index.tsv's OCSP status, reason and file
counter_status() {	# file ocsp reason
	case "$2:$3:$1" in
	unknown:*) echo unknown ;;
	revoked:certificateHold:*) echo hold ;;
	revoked:*) echo revoked ;;
	good:*:*expired*) echo expired ;;
	*) echo valid ;;
	esac
}

# phrase STATUS REASON LANG: words the resident must read
phrase() {
	case "$1:$2:$3" in
	valid:*:ja) echo "まで有効です" ;;
	valid:*:en) echo "is valid until" ;;
	valid:*:es) echo "es válido hasta" ;;
	expired:*:ja) echo "マイナンバーカード" ;;
	expired:*:en) echo "My Number Card" ;;
	expired:*:es) echo "Tarjeta Mi Número" ;;
	revoked:affiliationChanged:ja) echo "住所" ;;
	revoked:affiliationChanged:en) echo "address" ;;
	revoked:affiliationChanged:es) echo "dirección" ;;
	revoked:superseded:ja) echo "新しいカードに替わった" ;;
	revoked:superseded:en) echo "your card was replaced" ;;
	revoked:superseded:es) echo "su tarjeta fue reemplazada" ;;
	revoked:cessationOfOperation:ja) echo "利用が終了した" ;;
	revoked:cessationOfOperation:en) echo "its use was stopped" ;;
	revoked:cessationOfOperation:es) echo "se dejó de usar" ;;
	revoked:keyCompromise:ja) echo "漏えい" ;;
	revoked:keyCompromise:en) echo "compromised" ;;
	revoked:keyCompromise:es) echo "comprometida" ;;
	hold:*:ja) echo "紛失届" ;;
	hold:*:en) echo "reported lost" ;;
	hold:*:es) echo "pérdida de la tarjeta" ;;
	unknown:*:ja) echo "記録がありません" ;;
	unknown:*:en) echo "has no record of it" ;;
	unknown:*:es) echo "no lo tiene" ;;
	not_issued_here:*:ja) echo "この認証局が発行した証明書ではありません" ;;
	not_issued_here:*:en) echo "Not issued by this authority" ;;
	not_issued_here:*:es) echo "No emitido por esta autoridad" ;;
	possible_forgery:*:ja) echo "偽造の可能性がある証明書です" ;;
	possible_forgery:*:en) echo "Possible forgery" ;;
	possible_forgery:*:es) echo "Posible falsificación" ;;
	esac
}

# card FILE: the card type the registry records (never-issued: none)
card_of() {
	case "$1" in
	never-issued*) echo null ;;
	juki-*) echo juki ;;
	*) echo mynumber ;;
	esac
}

# rule TYPE LANG: words of that card's rules the resident must read
rule() {
	case "$1:$2" in
	juki:ja) echo "発行の日から3年間" ;;
	juki:en) echo "valid for 3 years from issuance" ;;
	juki:es) echo "válido durante 3 años" ;;
	mynumber:ja) echo "発行後5回目の誕生日まで" ;;
	mynumber:en) echo "until your 5th birthday after issuance" ;;
	mynumber:es) echo "hasta su 5.º cumpleaños" ;;
	esac
}

# api FILE LANG -> $WORK/r.json, prints the HTTP code
api() {
	curl -s -o "$WORK/r.json" -D "$WORK/r.hdr" -w '%{http_code}' \
	    -H 'Content-Type: application/x-pem-file' \
	    --data-binary "@$1" "$URL/api/v1/check?lang=$2"
}
# form FILE LANG -> $WORK/r.html, prints the HTTP code
form() {
	curl -s -o "$WORK/r.html" -D "$WORK/r.hdr" -w '%{http_code}' \
	    --data-urlencode "pem@$1" --data-urlencode "lang=$2" "$URL/check"
}

echo "== every demo certificate, every language, API and form"
n=0
while IFS='	' read -r file serial ocsp reason; do
	want=$(counter_status "$file" "$ocsp" "$reason")
	for lang in ja en es; do
		words=$(phrase "$want" "$reason" "$lang")
		code=$(api "$D/certs/$file" "$lang")
		got=$(jget "$WORK/r.json" status)
		msg=$(jget "$WORK/r.json" message)
		if [ "$code" != 200 ] || [ "$got" != "$want" ]; then
			fail "api $file $lang: HTTP $code status $got, expected $want"
		elif ! printf '%s' "$msg" | grep -qF "$words"; then
			fail "api $file $lang: message lacks '$words': $msg"
		elif [ "$(jget "$WORK/r.json" serial)" != "$serial" ] ||
		    [ "$(jget "$WORK/r.json" lang)" != "$lang" ]; then
			fail "api $file $lang: serial or lang wrong"
		elif [ "$(jget "$WORK/r.json" card_type)" != "$(card_of "$file")" ]
		then
			fail "api $file $lang: card_type $(jget "$WORK/r.json" card_type)"
		elif [ "$(jget "$WORK/r.json" issuer)" != "Inagi Resident Card CA (inagi)" ] ||
		    [ "$(jget "$WORK/r.json" issuer_id)" != inagi ]; then
			fail "api $file $lang: issuer $(jget "$WORK/r.json" issuer)"
		elif [ "$(card_of "$file")" != null ] && ! jget "$WORK/r.json" \
		    card_rules | grep -qF "$(rule "$(card_of "$file")" "$lang")"
		then
			fail "api $file $lang: card rules lack the validity rule"
		fi
		code=$(form "$D/certs/$file" "$lang")
		if [ "$code" != 200 ] ||
		    ! grep -q "class=\"result result-$want\"" "$WORK/r.html" ||
		    ! grep -qF "$words" "$WORK/r.html" ||
		    ! grep -q "<html lang=\"$lang\">" "$WORK/r.html"; then
			fail "form $file $lang: HTTP $code, want $want with '$words'"
		elif [ "$(card_of "$file")" != null ] &&
		    ! grep -qF "$(rule "$(card_of "$file")" "$lang")" "$WORK/r.html"
		then
			fail "form $file $lang: no card rules"
		elif grep -q 'CN=' "$WORK/r.html"; then
			fail "form $file $lang: a raw DN on the page"
		fi
		n=$((n + 2))
	done
	case "$want:$reason" in
	revoked:*)
		[ "$(jget "$WORK/r.json" reason)" = "$reason" ] &&
		    [ "$(jget "$WORK/r.json" revoked_at)" != null ] ||
		    fail "api $file: reason/revoked_at missing" ;;
	esac
done < "$D/certs/index.tsv"
ok "$n checks of $(wc -l < "$D/certs/index.tsv") certificates in ja/en/es"

echo "== the revoked-by-moving certificate, as a resident reads it"
for lang in ja en es; do
	api "$D/certs/moved-sign.pem" "$lang" >/dev/null
	echo "   $lang: $(jget "$WORK/r.json" message)"
done

echo "== valid: the note that this is not the card's expiry date"
api "$D/certs/good-sign.pem" en >/dev/null
jget "$WORK/r.json" message | grep -qF "not the expiry date of the card" ||
    fail "valid: no card-expiry note"
api "$D/certs/juki-expired-sign.pem" en >/dev/null
jget "$WORK/r.json" message | grep -qF "no longer renewed" ||
    fail "expired Juki: no 'no longer renewed'"
ok "valid and expired notes"

echo "== the rules of the card in hand"
api "$D/certs/good-auth.pem" en >/dev/null
msg=$(jget "$WORK/r.json" card_rules)
for words in "locks after 5 wrong tries" "lock after 3" \
    "stays valid when you move"; do
	printf '%s' "$msg" | grep -qF "$words" ||
	    fail "My Number rules lack '$words': $msg"
done
api "$D/certs/juki-expired-sign.pem" ja >/dev/null
msg=$(jget "$WORK/r.json" card_rules)
printf '%s' "$msg" | grep -qF 'パスワードを5回続けて間違えると' ||
    fail "Juki rules lack the lock after 5 tries: $msg"
printf '%s' "$msg" | grep -qF '暗証番号' && fail "Juki rules name My Number PINs"
[ "$(jget "$WORK/r.json" card_text)" = 住民基本台帳カード ] ||
    fail "Juki card_text"
ok "Juki and My Number rules"

echo "== on hold: 一時保留 and the 24-hour lost-card line"
for lang in ja en es; do
	api "$D/certs/lost-sign.pem" "$lang" >/dev/null
	msg=$(jget "$WORK/r.json" message)
	[ "$(jget "$WORK/r.json" lost_card_phone)" = 0120-95-0178 ] &&
	    printf '%s' "$(jget "$WORK/r.json" lost_card_text)" |
	    grep -qF '0120-95-0178' && printf '%s' "$msg" | grep -qF 24 ||
	    fail "hold $lang: no lost-card line: $msg"
	form "$D/certs/lost-sign.pem" "$lang" >/dev/null
	grep -qF '0120-95-0178' "$WORK/r.html" || fail "hold form $lang: no line"
done
api "$D/certs/lost-sign.pem" ja >/dev/null
[ "$(jget "$WORK/r.json" headline)" = 一時保留中です ] &&
    jget "$WORK/r.json" detail | grep -qF 一時保留 ||
    fail "ja hold is not 一時保留: $(jget "$WORK/r.json" headline)"
api "$D/certs/good-sign.pem" en >/dev/null
[ "$(jget "$WORK/r.json" lost_card_phone)" = null ] ||
    fail "a good certificate got the lost-card line"
ok "hold: 一時保留, 0120-95-0178 in ja/en/es"

echo "== renewal open within renewal-window (90d)"
for lang in ja en es; do
	api "$D/certs/renewal-due-sign.pem" "$lang" >/dev/null
	case $lang in
	ja) words='更新の申請は今から受け付けています' office='平尾出張所' ;;
	en) words='Renewal is open now' office='Hirao branch' ;;
	es) words='La renovación ya está abierta' office='Sucursal de Hirao' ;;
	esac
	[ "$(jget "$WORK/r.json" status)" = valid ] &&
	    [ "$(jget "$WORK/r.json" renewal_open)" = True ] &&
	    jget "$WORK/r.json" renewal_text | grep -qF "$words" &&
	    jget "$WORK/r.json" renewal_text | grep -qF "$office" &&
	    jget "$WORK/r.json" renewal_offices | grep -qF "$office" ||
	    fail "renewal $lang: $(jget "$WORK/r.json" renewal_text)"
	form "$D/certs/renewal-due-sign.pem" "$lang" >/dev/null
	grep -qF "$words" "$WORK/r.html" || fail "renewal form $lang"
done
api "$D/certs/good-sign.pem" en >/dev/null
[ "$(jget "$WORK/r.json" renewal_open)" = False ] &&
    [ "$(jget "$WORK/r.json" renewal_text)" = null ] ||
    fail "renewal notice on a certificate years from expiry"
ok "renewal notice in ja/en/es, offices named"

echo "== DER upload"
openssl x509 -in "$D/certs/moved-sign.pem" -outform DER -out "$WORK/moved.der"
code=$(curl -s -o "$WORK/r.json" -w '%{http_code}' -H \
    'Content-Type: application/pkix-cert' --data-binary "@$WORK/moved.der" \
    "$URL/api/v1/check?lang=en")
[ "$code" = 200 ] && [ "$(jget "$WORK/r.json" status)" = revoked ] &&
    [ "$(jget "$WORK/r.json" reason_code)" = 3 ] &&
    ok "DER: revoked, reason 3" || fail "DER upload: $code $(cat "$WORK/r.json")"

echo "== forged certificates (python3-cryptography)"
$PY - "$D/certs/good-sign.pem" "$WORK" <<'EOF'
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

real = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

def forge(issuer, path):
    b = (x509.CertificateBuilder().subject_name(real.subject)
         .issuer_name(issuer).serial_number(real.serial_number)
         .not_valid_before(real.not_valid_before)
         .not_valid_after(real.not_valid_after).public_key(key.public_key()))
    for ext in real.extensions:
        if ext.oid != x509.oid.ExtensionOID.AUTHORITY_KEY_IDENTIFIER:
            b = b.add_extension(ext.value, ext.critical)
    c = b.sign(key, hashes.SHA256())
    open(path, "wb").write(c.public_bytes(serialization.Encoding.PEM))

# Same serial, subject and issuer name as a real, valid certificate.
forge(real.issuer, sys.argv[2] + "/forged.pem")
# An issuer name made to break out of HTML.
forge(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
    '<script>alert("x")</script>&')]), sys.argv[2] + "/evil.pem")
# A name of its own, not ours: simply not issued here.
forge(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Other City CA")]),
    sys.argv[2] + "/foreign.pem")
EOF
real_serial=$(awk -F'\t' '$1 == "good-sign.pem" { print $2 }' "$D/certs/index.tsv")
for lang in ja en es; do
	code=$(api "$WORK/forged.pem" "$lang")
	if [ "$code" != 200 ] ||
	    [ "$(jget "$WORK/r.json" status)" != possible_forgery ] ||
	    [ "$(jget "$WORK/r.json" serial)" != "$real_serial" ] ||
	    [ "$(jget "$WORK/r.json" issuer_id)" != null ] ||
	    [ "$(jget "$WORK/r.json" card_type)" != null ] ||
	    ! jget "$WORK/r.json" message | grep -qF \
	    "$(phrase possible_forgery - "$lang")"; then
		fail "forged ($lang): $code $(cat "$WORK/r.json")"
	fi
done
api "$WORK/forged.pem" en >/dev/null
jget "$WORK/r.json" detail | grep -qF "names the city's certification authority (Inagi Resident Card CA (inagi))" ||
    fail "forged: detail does not say whose name it copies"
code=$(form "$WORK/forged.pem" en)
[ "$code" = 200 ] && grep -q 'result result-possible_forgery' "$WORK/r.html" &&
    grep -qF 'Possible forgery' "$WORK/r.html" ||
    fail "forged by form: $code"
ok "forged copy of serial $real_serial: possible_forgery"
code=$(api "$WORK/foreign.pem" en)
[ "$code" = 200 ] && [ "$(jget "$WORK/r.json" status)" = not_issued_here ] &&
    [ "$(jget "$WORK/r.json" issuer)" = "Other City CA" ] ||
    fail "foreign issuer: $code $(cat "$WORK/r.json")"
ok "another issuer's certificate: not_issued_here, by its O"
code=$(form "$WORK/evil.pem" en)
if grep -q '<script>alert' "$WORK/r.html" ||
    ! grep -qF '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;' \
    "$WORK/r.html"; then
	fail "issuer name not HTML-escaped"
else
	ok "dynamic text HTML-escaped"
fi

echo "== hostile uploads: clear 4xx, and the server keeps serving"
# bad NAME EXPECTED-CODE EXPECTED-ERROR CURL-ARGS...
bad() {
	name=$1 want=$2 err=$3
	shift 3
	code=$(curl -s -o "$WORK/r.out" -w '%{http_code}' "$@")
	if [ "$code" != "$want" ]; then
		fail "$name: HTTP $code, expected $want"
	elif [ "$err" != - ] && [ "$(jget "$WORK/r.out" error)" != "$err" ]; then
		fail "$name: error $(cat "$WORK/r.out")"
	else
		ok "$name: HTTP $code ${err#-}"
	fi
	curl -fs -o /dev/null "$URL/healthz" || fail "$name: server gone"
}
printf 'hello' > "$WORK/hello.txt"
head -c 4000 /dev/urandom > "$WORK/random.bin"
printf -- '-----BEGIN CERTIFICATE-----\nAAAA!!!!\n-----END CERTIFICATE-----\n' > "$WORK/badpem.pem"
{ head -c 100 "$D/certs/good-sign.pem"; printf '\000'; tail -c +101 "$D/certs/good-sign.pem"; } > "$WORK/nul.pem"
head -c 1000 "$WORK/moved.der" > "$WORK/truncated.der"
{ cat "$WORK/moved.der"; printf 'x'; } > "$WORK/trailing.der"
head -c 15000 /dev/zero | tr '\0' 'A' > "$WORK/big15k.txt"
head -c 100000 /dev/zero | tr '\0' 'A' > "$WORK/big100k.txt"
A="$URL/api/v1/check"
bad "api empty" 400 empty -X POST "$A"
bad "api whitespace" 400 empty --data-binary ' 
 ' "$A"
bad "api text" 400 malformed --data-binary "@$WORK/hello.txt" "$A"
bad "api random bytes" 400 malformed --data-binary "@$WORK/random.bin" "$A"
bad "api bad base64" 400 malformed --data-binary "@$WORK/badpem.pem" "$A"
bad "api NUL inside PEM" 400 malformed --data-binary "@$WORK/nul.pem" "$A"
bad "api truncated DER" 400 malformed --data-binary "@$WORK/truncated.der" "$A"
bad "api DER + trailing byte" 400 malformed --data-binary "@$WORK/trailing.der" "$A"
bad "api 15 KB junk" 400 malformed --data-binary "@$WORK/big15k.txt" "$A"
bad "api 100 KB" 413 - --data-binary "@$WORK/big100k.txt" "$A"
bad "api GET" 405 - "$A"
bad "form empty" 400 - -X POST "$URL/check"
bad "form no pem field" 400 - --data 'lang=en' "$URL/check"
bad "form blank pem" 400 - --data 'pem=++%0D%0A&lang=en' "$URL/check"
bad "form %00" 400 - --data 'pem=-----BEGIN%00CERTIFICATE&lang=en' "$URL/check"
bad "form junk" 400 - --data-urlencode "pem@$WORK/badpem.pem" "$URL/check"
bad "form broken encoding" 400 - --data 'pem=%%%ZZ&&==' "$URL/check"
bad "form 100 KB" 413 - --data-urlencode "pem@$WORK/big100k.txt" "$URL/check"
code=$(curl -s -o "$WORK/r.html" -w '%{http_code}' --data-urlencode \
    "pem@$WORK/hello.txt" --data 'lang=es' "$URL/check")
[ "$code" = 400 ] && grep -q 'result result-error' "$WORK/r.html" &&
    grep -qF 'No se pudo leer como certificado' "$WORK/r.html" ||
    fail "form error page not in Spanish with the error box ($code)"
code=$(api "$D/certs/good-sign.pem" en)
[ "$code" = 200 ] && [ "$(jget "$WORK/r.json" status)" = valid ] &&
    ok "a good check after the hostile ones" || fail "no good answer after"

echo "== language choice"
lang_of() {	# curl args... -> the <html lang> of the page
	curl -s "$@" | sed -n 's/.*<html lang="\([a-z]*\)">.*/\1/p'
}
[ "$(lang_of "$URL/")" = ja ] || fail "default is not ja"
[ "$(lang_of -H 'Accept-Language: es-MX,es;q=0.9,en;q=0.5' "$URL/")" = es ] ||
    fail "Accept-Language es did not pick Spanish"
[ "$(lang_of -H 'Accept-Language: fr-FR, en;q=0.8, ja;q=0.2' "$URL/")" = en ] ||
    fail "Accept-Language q values"
[ "$(lang_of -H 'Accept-Language: es' "$URL/?lang=en")" = en ] ||
    fail "?lang= does not win over Accept-Language"
[ "$(lang_of "$URL/?lang=xx")" = ja ] || fail "?lang=xx"
curl -s -H 'Accept-Language: es' -o "$WORK/r.json" --data-binary \
    "@$D/certs/moved-sign.pem" "$A"
[ "$(jget "$WORK/r.json" lang)" = es ] || fail "API Accept-Language es"
curl -s -o "$WORK/es.html" -H 'Accept-Language: es' "$URL/"
for words in 'Español' 'es de 3 años' 'cinco veces' 'licencia de conducir' \
    '042-378-2111' 'Sucursal de Hirao' 'matrimonio'; do
	grep -qF "$words" "$WORK/es.html" || [ "$words" = 'cinco veces' ] ||
	    fail "Spanish page lacks '$words'"
done
grep -qF '5 veces seguidas' "$WORK/es.html" || fail "es: 5 attempts"
curl -s -o "$WORK/ja.html" "$URL/"
for words in '3年間' '5回' '転居' '婚姻' '写真' '042-378-2111' '市役所1階 市民課' \
    '平尾出張所' '若葉台出張所'; do
	grep -qF "$words" "$WORK/ja.html" || fail "Japanese page lacks '$words'"
done
curl -s -o "$WORK/en.html" "$URL/?lang=en"
for words in '3 years' '5 times' 'moving' 'marriage' "driver&#39;s licence" \
    'Hirao branch' 'tel:0423782111'; do
	grep -qF "$words" "$WORK/en.html" || fail "English page lacks '$words'"
done
ok "languages: default ja, Accept-Language, ?lang=, rules text in each"

echo "== GET /check (the no-JS result reloaded or bookmarked) and /favicon.ico"
# Both once fell through to the OCSP GET handler and got OCSP bytes.
code=$(curl -s -o "$WORK/check.html" -D "$WORK/check.hdr" \
    -w '%{http_code} %{content_type}' "$URL/check")
[ "$code" = '200 text/html; charset=utf-8' ] &&
    grep -q '<html lang="ja">' "$WORK/check.html" &&
    grep -q '<form id="check"' "$WORK/check.html" &&
    ok "GET /check: the page" || fail "GET /check: $code"
[ "$(lang_of "$URL/check?lang=es")" = es ] || fail "GET /check?lang=es"
code=$(curl -s -o /dev/null -w '%{http_code}' -I "$URL/check")
[ "$code" = 200 ] || fail "HEAD /check: $code"
code=$(curl -s -o "$WORK/favicon" -w '%{http_code} %{content_type}' \
    "$URL/favicon.ico")
if [ "$code" != '200 image/x-icon' ]; then
	fail "favicon: $code"
elif [ "$(od -An -tx1 -N4 "$WORK/favicon" | tr -d ' ')" != 00000100 ]; then
	fail "favicon: not an icon"
else
	ok "favicon.ico: $(wc -c < "$WORK/favicon") bytes of image/x-icon"
fi
for p in /check /favicon.ico; do
	ct=$(curl -s -o /dev/null -w '%{content_type}' "$URL$p")
	case "$ct" in *ocsp*) fail "$p answered with $ct" ;; esac
done

echo "== security headers, no inline script or style"
CSP="default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
hdrs() {	# name curl-args...
	name=$1; shift
	curl -s -o /dev/null -D "$WORK/h.txt" "$@"
	tr -d '\r' < "$WORK/h.txt" > "$WORK/h2.txt"
	grep -qixF "Content-Security-Policy: $CSP" "$WORK/h2.txt" ||
	    fail "$name: CSP"
	grep -qix 'X-Content-Type-Options: nosniff' "$WORK/h2.txt" ||
	    fail "$name: nosniff"
	grep -qix 'Referrer-Policy: no-referrer' "$WORK/h2.txt" ||
	    fail "$name: Referrer-Policy"
	grep -qi 'unsafe-inline' "$WORK/h2.txt" && fail "$name: unsafe-inline"
	case "$name" in static*) ;; *)
		grep -qix 'Cache-Control: no-store' "$WORK/h2.txt" ||
		    fail "$name: Cache-Control" ;;
	esac
}
hdrs page "$URL/"
hdrs api --data-binary "@$D/certs/good-sign.pem" "$A"
hdrs "api error" --data-binary x "$A"
hdrs form --data-urlencode "pem@$D/certs/good-sign.pem" "$URL/check"
hdrs static -o /dev/null "$URL/static/counter.css"
for f in "$WORK/ja.html" "$WORK/en.html" "$WORK/es.html"; do
	grep -q '<script>\|<script [^s]\|style=\|<style\| on[a-z]*=' "$f" &&
	    fail "inline script or style in $(basename "$f")"
done
ct=$(curl -s -o /dev/null -w '%{content_type}' "$URL/static/counter.js")
[ "$ct" = 'text/javascript; charset=utf-8' ] || fail "counter.js type $ct"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/static/nope.css")" = 404 ] ||
    fail "static 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is \
    "$URL/static/../certstatus.conf")" = 404 ] || fail "static traversal"
ok "headers on page, API, form and static; no inline code"

echo "== privacy: no certificate content in the access log"
sleep 0.2
log="$D/access.log"
if [ ! -s "$log" ]; then
	fail "no access log written"
elif grep -q 'BEGIN\|MII' "$log" || grep -qiF "$real_serial" "$log"; then
	fail "certificate content in the access log"
elif ! grep -q 'POST /api/v1/check 200' "$log"; then
	fail "access log lacks the API path"
else
	ok "access log has paths only ($(wc -l < "$log") lines)"
fi

echo "== lost-card-phone and renewal-window from the config"
stop_server
printf 'lost-card-phone "042-000-0000"\nrenewal-window 30d\n' >> "$CONF"
start_server "$CONF"
URL="http://127.0.0.1:$PORT"
api "$D/certs/lost-sign.pem" en >/dev/null
[ "$(jget "$WORK/r.json" lost_card_phone)" = 042-000-0000 ] &&
    jget "$WORK/r.json" lost_card_text | grep -qF 042-000-0000 ||
    fail "lost-card-phone not used: $(jget "$WORK/r.json" lost_card_text)"
api "$D/certs/renewal-due-sign.pem" en >/dev/null
[ "$(jget "$WORK/r.json" renewal_open)" = False ] ||
    fail "renewal-window 30d: a certificate 60 days from expiry is due"
ok "lost-card-phone and renewal-window honoured"

echo "== rate limit (counter-rate 3)"
stop_server
sed -i 's/^counter-rate 100000$/counter-rate 3/' "$CONF"
start_server "$CONF"
URL="http://127.0.0.1:$PORT"
for i in 1 2 3; do
	code=$(api "$D/certs/good-sign.pem" en)
	[ "$code" = 200 ] || fail "check $i under the limit: $code"
done
code=$(api "$D/certs/good-sign.pem" en)
retry=$(tr -d '\r' < "$WORK/r.hdr" | sed -n 's/^Retry-After: //Ip')
if [ "$code" != 429 ] || [ "$(jget "$WORK/r.json" error)" != rate_limited ]; then
	fail "4th API check: $code"
elif [ -z "$retry" ] || [ "$retry" -lt 1 ] || [ "$retry" -gt 60 ]; then
	fail "429 without a sane Retry-After ($retry)"
else
	ok "API: 429 with Retry-After: $retry"
fi
code=$(form "$D/certs/good-sign.pem" ja)
[ "$code" = 429 ] && tr -d '\r' < "$WORK/r.hdr" | grep -qi '^Retry-After: ' &&
    grep -qF 'しばらく待って' "$WORK/r.html" && ok "form: 429 in Japanese" ||
    fail "form over the limit: $code"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/")" = 200 ] &&
    curl -fs -o /dev/null "$URL/healthz" && ok "page and healthz not limited" ||
    fail "page or healthz limited"


finish
