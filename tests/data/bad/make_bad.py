#!/usr/bin/python3
"""make_bad.py: write the hostile inputs of tests/data/bad and the fuzz seeds.

Every request names the issuer of tests/data/registry (the fixed demo
registry), so that inputs which parse reach the registry lookups.  Each
input is a file; EXPECTED lists, per file, how it is sent and the answer:

    file <TAB> how <TAB> expected <TAB> what it is

how:      post (the file is the body of POST /ocsp), get (the file is the
          path after "GET /"), raw (the file is sent as-is on a socket)
expected: ocsp:<status>[:<cert status>] with status successful,
          malformedRequest, unauthorized, ...; or http:<code>[|<code>]

Run: /usr/bin/python3 tests/data/bad/make_bad.py  (outputs are committed).
"""
import base64
import hashlib
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
REG = os.path.join(TOP, "tests", "data", "registry")
CORPUS = os.path.join(TOP, "tests", "fuzz", "corpus")


# --- a small DER writer -------------------------------------------------------
def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + body


def seq(*items):
    return tlv(0x30, b"".join(items))


def octets(b):
    return tlv(0x04, b)


def integer(v):
    if v == 0:
        return tlv(0x02, b"\x00")
    n = (v.bit_length() + 8) // 8
    return tlv(0x02, v.to_bytes(n, "big", signed=True))


def integer_raw(b):
    return tlv(0x02, b)


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytes([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, out)


def explicit(n, body):
    return tlv(0xA0 | n, body)


NULL = b"\x05\x00"
OID_NONCE = "1.3.6.1.5.5.7.48.1.2"
HASHES = {
    "sha1": ("1.3.14.3.2.26", hashlib.sha1),
    "sha256": ("2.16.840.1.101.3.4.2.1", hashlib.sha256),
    "sha384": ("2.16.840.1.101.3.4.2.2", hashlib.sha384),
    "sha512": ("2.16.840.1.101.3.4.2.3", hashlib.sha512),
}

issuer = x509.load_pem_x509_certificate(open(os.path.join(REG, "issuer.pem"), "rb").read())
signer = x509.load_pem_x509_certificate(open(os.path.join(REG, "signer.pem"), "rb").read())
signer_key = serialization.load_pem_private_key(
    open(os.path.join(REG, "keys", "inagi-ocsp.key"), "rb").read(), None)
NAME_DER = issuer.subject.public_bytes()
KEY_BITS = issuer.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.PKCS1)

index = {}
for line in open(os.path.join(REG, "certs", "index.tsv")):
    f, serial, status, reason = line.rstrip("\n").split("\t")
    index[f] = (int(serial, 16), status)
GOOD = index["good-sign.pem"][0]
REVOKED = index["key-compromise-sign.pem"][0]


def certid(serial=GOOD, alg="sha1", name_hash=None, key_hash=None,
           params=NULL, serial_der=None, alg_oid=None):
    o, h = HASHES.get(alg, (None, hashlib.sha1))
    nh = name_hash if name_hash is not None else h(NAME_DER).digest()
    kh = key_hash if key_hash is not None else h(KEY_BITS).digest()
    algid = seq(oid(alg_oid or o), params) if params else seq(oid(alg_oid or o))
    sn = serial_der if serial_der is not None else integer(serial)
    return seq(algid, octets(nh), octets(kh), sn)


def ext(oid_s, value, critical=False):
    return seq(oid(oid_s), b"\x01\x01\xff" if critical else b"", octets(value))


def nonce_ext(n, wrap=True):
    v = os.urandom(n) if n else b""
    return ext(OID_NONCE, octets(v) if wrap else v)


def request(ids, exts=None, version=None, single_exts=None, signature=None):
    reqs = []
    for i, c in enumerate(ids):
        body = c
        if single_exts and i == 0:
            body += explicit(0, seq(*single_exts))
        reqs.append(seq(body))
    tbs = b""
    if version is not None:
        tbs += explicit(0, integer(version))
    tbs += seq(*reqs)
    if exts:
        tbs += explicit(2, seq(*exts))
    tbs = seq(tbs)
    if signature:
        return seq(tbs, explicit(0, signature(tbs)))
    return seq(tbs)


def sign_tbs(tbs):
    sig = signer_key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    algid = seq(oid("1.2.840.113549.1.1.11"), NULL)
    cert = signer.public_bytes(serialization.Encoding.DER)
    return seq(algid, tlv(0x03, b"\x00" + sig), explicit(0, seq(cert)))


def b64path(der):
    return base64.b64encode(der).decode()


GOOD_REQ = request([certid()])
files = []   # (name, how, expected, what, data)


def add(name, how, expected, what, data):
    if isinstance(data, str):
        data = data.encode()
    files.append((name, how, expected, what, data))


M = "ocsp:malformedRequest"
# DER shape
add("empty.der", "post", M, "empty body", b"")
add("truncated.der", "post", M, "good request cut in half", GOOD_REQ[:len(GOOD_REQ) // 2])
add("overlong.der", "post", M, "good request with 16 bytes after the DER", GOOD_REQ + b"\x00" * 16)
add("absurd_length.der", "post", M, "SEQUENCE claiming 2^31-1 bytes",
    b"\x30\x84\x7f\xff\xff\xff" + GOOD_REQ[2:])
add("absurd_length_inner.der", "post", M, "CertID OCTET STRING claiming 2^64-1 bytes",
    GOOD_REQ.replace(octets(hashlib.sha1(NAME_DER).digest()),
                     b"\x04\x88" + b"\xff" * 8 + hashlib.sha1(NAME_DER).digest(), 1))
add("deep_nesting.der", "post", M, "4000 nested indefinite-length SEQUENCEs",
    b"\x30\x80" * 4000 + b"\x00\x00" * 4000)
nested = b"\x05\x00"
for _ in range(1500):
    nested = seq(nested)
add("deep_nesting_definite.der", "post", M, "1500 nested definite-length SEQUENCEs", nested)
resp = ocsp.OCSPResponseBuilder().add_response(
    cert=x509.load_pem_x509_certificate(open(os.path.join(REG, "certs", "good-sign.pem"), "rb").read()),
    issuer=issuer, algorithm=hashes.SHA1(), cert_status=ocsp.OCSPCertStatus.GOOD,
    this_update=signer.not_valid_before, next_update=None, revocation_time=None,
    revocation_reason=None).responder_id(ocsp.OCSPResponderEncoding.HASH, signer).certificates(
    [signer]).sign(signer_key, hashes.SHA256())
add("response_as_request.der", "post", M, "a signed OCSP response POSTed as a request",
    resp.public_bytes(serialization.Encoding.DER))
add("wrong_version.der", "post", M, "version v2 (1)", request([certid()], version=1))
add("explicit_v1.der", "post", "ocsp:successful:good",
    "version v1 given explicitly (BER default, tolerated)", request([certid()], version=0))
# extensions
add("unknown_critical_ext.der", "post", M, "unknown critical request extension",
    request([certid()], exts=[ext("1.2.3.4.5.6.7", b"\x05\x00", critical=True)]))
add("unknown_noncritical_ext.der", "post", "ocsp:successful:good",
    "unknown non-critical request extension (ignored)",
    request([certid()], exts=[ext("1.2.3.4.5.6.7", b"\x05\x00")]))
add("unknown_critical_single_ext.der", "post", M, "unknown critical singleRequestExtension",
    request([certid()], single_exts=[ext("1.2.3.4.5.6.7", b"\x05\x00", critical=True)]))
add("duplicate_nonce.der", "post", M, "two nonce extensions",
    request([certid()], exts=[nonce_ext(16), nonce_ext(16)]))
add("duplicate_ext.der", "post", M, "the same unknown extension twice",
    request([certid()], exts=[ext("1.2.3.4", b"\x05\x00"), ext("1.2.3.4", b"\x05\x00")]))
add("nonce_0.der", "post", M, "nonce of 0 octets", request([certid()], exts=[nonce_ext(0)]))
add("nonce_1.der", "post", "ocsp:successful:good", "nonce of 1 octet (legal)",
    request([certid()], exts=[nonce_ext(1)]))
add("nonce_128.der", "post", "ocsp:successful:good", "nonce of 128 octets (legal)",
    request([certid()], exts=[nonce_ext(128)]))
add("nonce_129.der", "post", M, "nonce of 129 octets", request([certid()], exts=[nonce_ext(129)]))
add("nonce_10000.der", "post", M, "nonce of 10,000 octets",
    request([certid()], exts=[nonce_ext(10000)]))
add("nonce_unwrapped.der", "post", M, "nonce value not wrapped in an OCTET STRING",
    request([certid()], exts=[ext(OID_NONCE, b"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10")]))
add("nonce_wrong_type.der", "post", M, "nonce wrapped in an INTEGER",
    request([certid()], exts=[ext(OID_NONCE, integer(123456789))]))
# CertIDs
add("certids_200.der", "post", M, "200 CertIDs (limit 32)", request([certid()] * 200))
add("certids_2000.der", "post", "http:413", "2,000 CertIDs (over the body limit)",
    request([certid()] * 2000))
add("certids_32.der", "post", "ocsp:successful:good", "32 CertIDs (the limit)", request([certid()] * 32))
add("certids_0.der", "post", M, "no CertID", seq(seq(seq())))
add("unknown_hash.der", "post", M, "CertID hashed with MD5",
    request([certid(alg_oid="1.2.840.113549.2.5", name_hash=hashlib.md5(NAME_DER).digest(),
                    key_hash=hashlib.md5(KEY_BITS).digest())]))
add("hash_params.der", "post", M, "SHA-1 with non-NULL parameters",
    request([certid(params=integer(1))]))
add("hash_short.der", "post", M, "SHA-1 CertID with 19-octet hashes",
    request([certid(name_hash=hashlib.sha1(NAME_DER).digest()[:19],
                    key_hash=hashlib.sha1(KEY_BITS).digest()[:19])]))
add("hash_long.der", "post", M, "SHA-1 CertID with 32-octet (SHA-256) hashes",
    request([certid(name_hash=hashlib.sha256(NAME_DER).digest(),
                    key_hash=hashlib.sha256(KEY_BITS).digest())]))
add("hash_empty.der", "post", M, "SHA-256 CertID with empty hashes",
    request([certid(alg="sha256", name_hash=b"", key_hash=b"")]))
add("sha512.der", "post", "ocsp:successful:good", "SHA-512 CertID (legal)",
    request([certid(alg="sha512")]))
add("unknown_issuer.der", "post", "ocsp:unauthorized", "issuer hashes of no CA of ours",
    request([certid(name_hash=b"\x11" * 20, key_hash=b"\x22" * 20)]))
add("serial_zero.der", "post", "ocsp:successful:unknown", "serial 0", request([certid(serial=0)]))
add("serial_negative.der", "post", "ocsp:successful:unknown", "serial -5", request([certid(serial=-5)]))
add("serial_21_octets.der", "post", "ocsp:successful:unknown", "serial of 21 octets",
    request([certid(serial_der=integer_raw(b"\x01" + b"\x02" * 20))]))
add("serial_huge.der", "post", M, "serial of 1000 octets (CertID over 256 bytes)",
    request([certid(serial_der=integer_raw(b"\x01" + b"\x02" * 999))]))
add("serial_nonminimal.der", "post", M, "serial INTEGER with a redundant leading 00",
    request([certid(serial_der=integer_raw(b"\x00\x01"))]))
add("serial_empty.der", "post", M, "serial INTEGER of zero octets",
    request([certid(serial_der=integer_raw(b""))]))
add("signed.der", "post", "ocsp:successful:good", "signed request (signature not checked)",
    request([certid()], signature=sign_tbs))
add("signed_garbage.der", "post", M, "request whose signature field is garbage",
    seq(seq(seq(seq(certid()))), explicit(0, b"\x01\x02\x03")))
add("mixed_issuers.der", "post", "ocsp:successful:good", "one CertID of ours, one of nobody",
    request([certid(), certid(name_hash=b"\x11" * 20, key_hash=b"\x22" * 20)]))
add("revoked.der", "post", "ocsp:successful:revoked", "a revoked certificate (control)",
    request([certid(serial=REVOKED)]))

# GET
add("get_bad_base64.txt", "get", M, "GET with characters outside base64", "!!!!not*base64")
add("get_nul.txt", "get", M, "GET with %00 in the base64", b64path(GOOD_REQ)[:10] + "%00" + b64path(GOOD_REQ)[10:])
add("get_bad_escape.txt", "get", M, "GET with %ZZ", b64path(GOOD_REQ)[:10] + "%ZZ" + b64path(GOOD_REQ)[10:])
add("get_truncated_escape.txt", "get", M, "GET ending in a lone %", b64path(GOOD_REQ) + "%")
add("get_good.txt", "get", "ocsp:successful:good", "GET of a good request (control)", b64path(GOOD_REQ))
add("get_url_safe_nopad.txt", "get", "ocsp:successful:good", "GET in base64url without padding",
    base64.urlsafe_b64encode(request([certid(serial=GOOD + 0)] + [certid()] * 0)).decode().rstrip("="))
add("get_over_limit.txt", "get", "http:413|414|400", "GET path of 12,000 characters (headers limit 8k)",
    b64path(request([certid()] * 140)))

# raw HTTP
def post_raw(body, extra=b"", cl=True):
    h = b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
    if cl:
        h += b"Content-Length: %d\r\n" % len(body)
    return h + extra + b"Connection: close\r\n\r\n" + body


def chunked(body, n=20):
    out = b""
    for i in range(0, len(body), n):
        c = body[i:i + n]
        out += b"%x\r\n" % len(c) + c + b"\r\n"
    return out + b"0\r\n\r\n"


add("post_too_large.http", "raw", "http:413", "POST body of 20,000 octets (limit 16k)",
    post_raw(b"\x30\x82\x4e\x1c" + b"\x00" * 19996))
add("post_chunked.http", "raw", "ocsp:successful:good", "good request in 20-octet chunks",
    post_raw(chunked(GOOD_REQ), extra=b"Transfer-Encoding: chunked\r\n", cl=False))
add("post_chunked_too_large.http", "raw", "http:413", "chunked body of 40,000 octets",
    post_raw(chunked(b"\x00" * 40000, 4000), extra=b"Transfer-Encoding: chunked\r\n", cl=False))
add("post_chunked_bad.http", "raw", "http:400|413", "chunk size that is not hex",
    post_raw(b"zz\r\n" + GOOD_REQ + b"\r\n0\r\n\r\n", extra=b"Transfer-Encoding: chunked\r\n", cl=False))
add("post_duplicate_cl.http", "raw", "http:400", "two different Content-Length headers",
    post_raw(GOOD_REQ, extra=b"Content-Length: 5\r\n"))
add("post_cl_and_chunked.http", "raw", "http:400", "Content-Length and Transfer-Encoding: chunked",
    post_raw(chunked(GOOD_REQ), extra=b"Transfer-Encoding: chunked\r\n"))
add("post_negative_cl.http", "raw", "http:400|411", "Content-Length: -1",
    b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n")
add("post_short_body.http", "raw", "http:408|400|none", "Content-Length larger than the body sent (then close)",
    b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n" + GOOD_REQ)
for m in ("PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"):
    add("method_%s.http" % m.lower(), "raw", "http:405", "%s /ocsp" % m,
        b"%s /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" % m.encode())
add("method_unknown.http", "raw", "http:400|405|501", "method FOO",
    b"FOO / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
add("headers_too_large.http", "raw", "http:413|431|400", "one 10,000-octet header",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10000 + b"\r\nConnection: close\r\n\r\n")
add("headers_many.http", "raw", "http:413|431|400", "2,000 small headers",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(2000)) +
    b"Connection: close\r\n\r\n")
add("request_line_garbage.http", "raw", "http:400", "a request line that is not HTTP",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n")
add("http_09.http", "raw", "http:400|none", "HTTP/0.9-style request line",
    b"GET /healthz\r\n\r\n")

# HTTP framing (RFC 9112): every ambiguous head is refused with 400 and the
# connection closed, before anything runs; see server/http.c, head_check.
def raw(lines, body=b""):
    return b"".join(l + b"\r\n" for l in lines) + b"\r\n" + body


POST = b"POST /ocsp HTTP/1.1"
CT = b"Content-Type: application/ocsp-request"
CLG = b"Content-Length: %d" % len(GOOD_REQ)
HIDDEN = raw([POST, b"Host: x", CT, CLG], GOOD_REQ)
for name, te in (("te_gzip", b"gzip"), ("te_identity", b"identity"),
                 ("te_xchunked", b"xchunked"), ("te_chunked_gzip", b"chunked, gzip")):
    add(name + ".http", "raw", "http:400", "Transfer-Encoding: %s (last coding not chunked)" % te.decode(),
        raw([POST, b"Host: x", CT, b"Transfer-Encoding: " + te, b"Connection: close"], chunked(GOOD_REQ)))
add("te_gzip_chunked.http", "raw", "http:501", "Transfer-Encoding: gzip, chunked (coding not implemented)",
    raw([POST, b"Host: x", CT, b"Transfer-Encoding: gzip, chunked", b"Connection: close"], chunked(GOOD_REQ)))
add("te_chunked_twice.http", "raw", "http:400", "two Transfer-Encoding: chunked headers",
    raw([POST, b"Host: x", CT, b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked",
         b"Connection: close"], chunked(GOOD_REQ)))
add("te_and_cl.http", "raw", "http:400", "Content-Length: 0 then Transfer-Encoding: chunked",
    raw([POST, b"Host: x", CT, b"Content-Length: 0", b"Transfer-Encoding: chunked",
         b"Connection: close"], chunked(GOOD_REQ)))
add("cl_space_before_colon.http", "raw", "http:400", "Content-Length : 0 beside Content-Length: N",
    raw([POST, b"Host: x", CT, b"Content-Length : 0", CLG, b"Connection: close"], GOOD_REQ))
add("te_space_before_colon.http", "raw", "http:400", "Transfer-Encoding : chunked beside Content-Length",
    raw([POST, b"Host: x", CT, b"Transfer-Encoding : chunked", CLG, b"Connection: close"], GOOD_REQ))
add("te_http10.http", "raw", "http:400", "HTTP/1.0 request with Transfer-Encoding: chunked",
    raw([b"POST /ocsp HTTP/1.0", CT, b"Transfer-Encoding: chunked"], chunked(GOOD_REQ)))
add("nul_in_content_length.http", "raw", "http:400", "NUL inside the Content-Length value",
    raw([POST, b"Host: x", CT, CLG + b"\x0099", b"Connection: close"], GOOD_REQ))
add("nul_in_transfer_encoding.http", "raw", "http:400", "NUL inside the Transfer-Encoding value",
    raw([POST, b"Host: x", CT, b"Transfer-Encoding: chunked\x00, gzip", b"Connection: close"],
        chunked(GOOD_REQ)))
add("cr_in_value.http", "raw", "http:400", "a bare CR inside a header value",
    raw([b"GET /healthz HTTP/1.1", b"Host: x", b"X-A: a\rb", b"Connection: close"]))
add("name_with_space.http", "raw", "http:400", "header name with a space inside",
    raw([b"GET /healthz HTTP/1.1", b"Host: x", b"X A: b", b"Connection: close"]))
add("name_with_ctl.http", "raw", "http:400", "header name with a control character",
    raw([b"GET /healthz HTTP/1.1", b"Host: x", b"X\x01A: b", b"Connection: close"]))
add("obs_fold.http", "raw", "http:400", "obs-fold: a header line starting with SP",
    raw([b"GET /healthz HTTP/1.1", b"Host: x", b"X-A: a", b"  b", b"Connection: close"]))
add("no_host_11.http", "raw", "http:400", "HTTP/1.1 request without Host",
    raw([POST, CT, CLG, b"Connection: close"], GOOD_REQ))
add("two_hosts.http", "raw", "http:400", "HTTP/1.1 request with two Host headers",
    raw([POST, b"Host: x", b"Host: y", CT, CLG, b"Connection: close"], GOOD_REQ))
add("http_10_no_host.http", "raw", "http:200", "HTTP/1.0 GET /healthz without Host (control)",
    raw([b"GET /healthz HTTP/1.0"]))
add("http_12.http", "raw", "http:505", "HTTP/1.2 request (answered with an HTTP/1.1 status line)",
    raw([b"GET /healthz HTTP/1.2", b"Host: x", b"Connection: close"]))
add("http_20.http", "raw", "http:505", "HTTP/2.0 request line over HTTP/1",
    raw([b"GET /healthz HTTP/2.0", b"Host: x", b"Connection: close"]))
add("te_smuggle.http", "raw", "http:400", "second request hidden in the body of one with TE: gzip",
    raw([POST, b"Host: x", CT, b"Transfer-Encoding: gzip"], HIDDEN))

names = set()
with open(os.path.join(HERE, "EXPECTED"), "w") as ex:
    ex.write("# file\thow\texpected\twhat (generated by make_bad.py)\n")
    for name, how, expected, what, data in files:
        assert name not in names
        names.add(name)
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        ex.write("%s\t%s\t%s\t%s\n" % (name, how, expected, what))

# Fuzz seeds: good requests for the registry's certificates, every
# algorithm, with and without nonce; GET paths; configs; certificates.
os.makedirs(os.path.join(CORPUS, "ocsp_answer"), exist_ok=True)
os.makedirs(os.path.join(CORPUS, "ocsp_request"), exist_ok=True)
for f, (serial, status) in sorted(index.items()):
    for alg in ("sha1", "sha256"):
        for n in (0, 16):
            der = request([certid(serial=serial, alg=alg)],
                          exts=[nonce_ext(n)] if n else None)
            with open(os.path.join(CORPUS, "ocsp_answer", "%s-%s-%d.der" % (f[:-4], alg, n)), "wb") as o:
                o.write(der)
all_ids = request([certid(serial=s, alg=a) for (s, _), a in
                   zip(sorted(index.values()), ["sha1", "sha256", "sha384", "sha512"] * 8)],
                  exts=[nonce_ext(32)])
open(os.path.join(CORPUS, "ocsp_answer", "all-mixed.der"), "wb").write(all_ids)
open(os.path.join(CORPUS, "ocsp_request", "get_registry_good.txt"), "w").write("/ocsp/" + b64path(GOOD_REQ))
print("wrote %d bad inputs and the fuzz seeds" % len(files))
