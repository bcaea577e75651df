#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""ocspreq.py: OCSP requests (DER, SHA-1 CertIDs) for the benchmark.

  ocspreq.py der ISSUER.pem SERIALHEX OUT.der [--nonce]
      one request for one serial (the POST body)
  ocspreq.py uris[-std] ISSUER.pem BASEURL SERIALS.txt OUT.txt [COUNT [SEED]]
      one GET URI per line: BASEURL/<base64url of the DER request>
      (uris-std: RFC 6960 form, base64 with '+', '/', '=' percent-encoded,
      which is what `openssl ocsp` accepts);
      SERIALS.txt holds serials (hex, one a line); with COUNT, COUNT
      uniformly random picks from it (SEED), else every serial once.

The DER is written by hand (a CertID is four fields) so that serials which
have no certificate file (the synthetic 1,000,000 registry) work too.
"""
import base64
import hashlib
import os
import random
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization


def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        hdr = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        hdr = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + hdr + body


def read_tlv(buf, off):
    """(tag, content start, content end) of the TLV at off."""
    tag = buf[off]
    n = buf[off + 1]
    off += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[off:off + k], "big")
        off += k
    return tag, off, off + n


def issuer_hashes(path):
    with open(path, "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    name = hashlib.sha1(ca.subject.public_bytes()).digest()
    spki = ca.public_key().public_bytes(serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    _, s, _ = read_tlv(spki, 0)            # SubjectPublicKeyInfo
    _, _, e = read_tlv(spki, s)            # AlgorithmIdentifier
    _, bs, be = read_tlv(spki, e)          # BIT STRING
    key = hashlib.sha1(spki[bs + 1:be]).digest()   # minus unused-bits octet
    return name, key


SHA1_ALG = tlv(0x30, tlv(0x06, bytes.fromhex("2b0e03021a")) + b"\x05\x00")
NONCE_OID = tlv(0x06, bytes.fromhex("2b06010505073001 02".replace(" ", "")))


def request(name, key, serial_hex, nonce=None):
    v = bytes.fromhex(serial_hex if len(serial_hex) % 2 == 0 else
        "0" + serial_hex)
    if v[0] & 0x80:
        v = b"\x00" + v
    certid = tlv(0x30, SHA1_ALG + tlv(0x04, name) + tlv(0x04, key) +
        tlv(0x02, v))
    tbs = tlv(0x30, tlv(0x30, certid))     # requestList { Request }
    if nonce is not None:
        ext = tlv(0x30, NONCE_OID + tlv(0x04, tlv(0x04, nonce)))
        tbs += tlv(0xA2, tlv(0x30, ext))
    return tlv(0x30, tlv(0x30, tbs))


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "der":
        name, key = issuer_hashes(sys.argv[2])
        nonce = os.urandom(16) if "--nonce" in sys.argv[5:] else None
        with open(sys.argv[4], "wb") as f:
            f.write(request(name, key, sys.argv[3], nonce))
        return 0
    if len(sys.argv) >= 6 and sys.argv[1] in ("uris", "uris-std"):
        std = sys.argv[1] == "uris-std"
        name, key = issuer_hashes(sys.argv[2])
        base = sys.argv[3].rstrip("/")
        with open(sys.argv[4]) as f:
            serials = [l.strip() for l in f if l.strip()]
        if len(sys.argv) > 6:
            rnd = random.Random(int(sys.argv[7]) if len(sys.argv) > 7 else 1)
            serials = [rnd.choice(serials) for _ in range(int(sys.argv[6]))]
        with open(sys.argv[5], "w") as f:
            for s in serials:
                der = request(name, key, s)
                if std:
                    d = base64.b64encode(der).decode().replace(
                        "+", "%2B").replace("/", "%2F").replace("=", "%3D")
                else:
                    d = base64.urlsafe_b64encode(der).decode().rstrip("=")
                f.write("%s/%s\n" % (base, d))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
