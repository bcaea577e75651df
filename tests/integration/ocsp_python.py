#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""ocsp_python: python3-cryptography, an independent parser, builds OCSP
requests (SHA-1/256/384/512 CertIDs, with and without a nonce), POSTs them
with urllib, and checks every answer in detail: status, revocation time and
reason against `certctl show`, the signature with the signer certificate the
response carries, that signer's issuer and OCSPSigning EKU, responderID
byKey, thisUpdate/nextUpdate spacing (ocsp-validity), nonce echo, and the
nonce length limits (1..128 octets, else malformedRequest)."""

import datetime
import json
import os
import subprocess
import sys
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_cert import CERTCTL, Server, fail, load_pem, make_demo, ok, run  # noqa: E402

VALIDITY = 3 * 3600  # ocsp-validity set below


def post(srv, der):
    req = urllib.request.Request(
        srv.url("/ocsp"), data=der,
        headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.status, r.headers, r.read()


def verify_sig(pub, sig, data, hash_alg):
    if isinstance(pub, ec.EllipticCurvePublicKey):
        pub.verify(sig, data, ec.ECDSA(hash_alg))
    else:
        pub.verify(sig, data, padding.PKCS1v15(), hash_alg)


def registry_times(conf, serial):
    out = subprocess.run([CERTCTL, "-c", conf, "--json", "show", serial],
                         capture_output=True, timeout=30, check=True)
    j = json.loads(out.stdout)
    t = j.get("revoked_at") or j.get("hold_at")
    if t is None:
        return None
    return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ")


def check_response(label, der, issuer, cert_serial, want, reason, nonce,
                   revoked_at, hash_alg):
    r = ocsp.load_der_ocsp_response(der)
    if r.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return fail("%s: response status %s" % (label, r.response_status))
    if len(r.certificates) < 1:
        return fail("%s: no signer certificate in the response" % label)
    signer = r.certificates[0]
    # signature over tbsResponseData with the included signer's key
    try:
        verify_sig(signer.public_key(), r.signature, r.tbs_response_bytes,
                   r.signature_hash_algorithm)
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        return fail("%s: signature does not verify: %r" % (label, e))
    # the signer is issued by issuer.pem, and is an OCSP signer
    try:
        verify_sig(issuer.public_key(), signer.signature,
                   signer.tbs_certificate_bytes,
                   signer.signature_hash_algorithm)
    except Exception as e:  # noqa: BLE001
        return fail("%s: signer not signed by issuer.pem: %r" % (label, e))
    if signer.issuer != issuer.subject:
        return fail("%s: signer's issuer name is not issuer.pem's subject"
                    % label)
    eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    if ExtendedKeyUsageOID.OCSP_SIGNING not in eku.value:
        return fail("%s: signer lacks the OCSPSigning EKU" % label)
    # responderID byKey: SHA-1 of the signer's public key bits
    spki = x509.SubjectKeyIdentifier.from_public_key(signer.public_key())
    if r.responder_name is not None or r.responder_key_hash != spki.digest:
        return fail("%s: responderID is not byKey of the signer" % label)
    if r.serial_number != cert_serial:
        return fail("%s: answer for serial %x, asked %x"
                    % (label, r.serial_number, cert_serial))
    if type(r.hash_algorithm) is not type(hash_alg):
        return fail("%s: CertID hash %s, asked %s"
                    % (label, r.hash_algorithm.name, hash_alg.name))
    if r.next_update - r.this_update != datetime.timedelta(seconds=VALIDITY):
        return fail("%s: nextUpdate - thisUpdate = %s, want %ds"
                    % (label, r.next_update - r.this_update, VALIDITY))
    now = datetime.datetime.utcnow()
    if not (r.this_update <= now + datetime.timedelta(seconds=5)
            and r.produced_at <= now + datetime.timedelta(seconds=5)):
        return fail("%s: thisUpdate/producedAt in the future" % label)
    st = r.certificate_status
    got = {ocsp.OCSPCertStatus.GOOD: "good",
           ocsp.OCSPCertStatus.REVOKED: "revoked",
           ocsp.OCSPCertStatus.UNKNOWN: "unknown"}[st]
    if got != want:
        return fail("%s: status %s, want %s" % (label, got, want))
    if got == "revoked":
        gr = r.revocation_reason.name if r.revocation_reason else "-"
        if gr != reason:
            return fail("%s: reason %s, want %s" % (label, gr, reason))
        if revoked_at is not None and r.revocation_time != revoked_at:
            return fail("%s: revocation time %s, registry says %s"
                        % (label, r.revocation_time, revoked_at))
    nonces = [e.value.nonce for e in r.extensions
              if isinstance(e.value, x509.OCSPNonce)]
    if nonce is not None and nonces != [nonce]:
        return fail("%s: nonce not echoed (%r)" % (label, nonces))
    if nonce is None and nonces:
        return fail("%s: a nonce in the answer to a request without one"
                    % label)
    return True


REASONS = {
    "keyCompromise": "key_compromise", "affiliationChanged":
    "affiliation_changed", "superseded": "superseded",
    "cessationOfOperation": "cessation_of_operation",
    "certificateHold": "certificate_hold", "unspecified": "unspecified",
    "cACompromise": "ca_compromise", "privilegeWithdrawn":
    "privilege_withdrawn", "removeFromCRL": "remove_from_crl",
    "aACompromise": "aa_compromise",
}


def main(work):
    d = make_demo(work)
    conf = os.path.join(d, "certstatus.conf")
    with open(conf, "a") as f:
        f.write("ocsp-validity 3h\nocsp-refresh 1h\n")
    srv = Server(conf, work)
    issuer = load_pem(os.path.join(d, "issuer.pem"))
    lines = [l.rstrip("\n").split("\t")
             for l in open(os.path.join(d, "certs", "index.tsv"))]
    seen = set()
    for file, serial, want, reason in lines:
        cert = load_pem(os.path.join(d, "certs", file))
        revoked_at = (registry_times(conf, serial)
                      if want == "revoked" else None)
        rname = REASONS.get(reason, reason) if reason != "-" else "-"
        for alg in (hashes.SHA1(), hashes.SHA256(), hashes.SHA384(),
                    hashes.SHA512()):
            for nonce in (None, os.urandom(32)):
                label = "%s %s %s" % (file, alg.name,
                                      "nonce" if nonce else "no nonce")
                b = ocsp.OCSPRequestBuilder().add_certificate(
                    cert, issuer, alg)
                if nonce is not None:
                    b = b.add_extension(x509.OCSPNonce(nonce),
                                        critical=False)
                der = b.build().public_bytes(serialization.Encoding.DER)
                code, hdrs, body = post(srv, der)
                if code != 200 or hdrs.get("Content-Type") != \
                        "application/ocsp-response":
                    fail("%s: HTTP %d %s" % (label, code,
                         hdrs.get("Content-Type")))
                    continue
                if check_response(label, body, issuer,
                                  cert.serial_number, want, rname, nonce,
                                  revoked_at, alg):
                    seen.add(want)
        ok("%s: %s %s (4 digests x nonce/no nonce)" % (file, want, reason))
    if seen != {"good", "revoked", "unknown"}:
        fail("statuses seen: %s" % sorted(seen))

    # nonce length: 1 and 128 octets echoed; 0 and 129 malformedRequest
    cert = load_pem(os.path.join(d, "certs", lines[0][0]))
    for n, good in ((1, True), (128, True), (0, False), (129, False)):
        nonce = os.urandom(n)
        der = (ocsp.OCSPRequestBuilder()
               .add_certificate(cert, issuer, hashes.SHA1())
               .add_extension(x509.OCSPNonce(nonce), critical=False)
               .build().public_bytes(serialization.Encoding.DER))
        code, hdrs, body = post(srv, der)
        r = ocsp.load_der_ocsp_response(body)
        if good:
            if check_response("nonce of %d octets" % n, body, issuer,
                              cert.serial_number, lines[0][2], "-",
                              nonce, None, hashes.SHA1()):
                ok("nonce of %d octets echoed" % n)
        elif r.response_status == \
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST:
            ok("nonce of %d octets: malformedRequest" % n)
        else:
            fail("nonce of %d octets: %s" % (n, r.response_status))
    # POST answers carry no cache headers that allow caching
    code, hdrs, body = post(srv, der)
    cc = hdrs.get("Cache-Control", "")
    if "no-store" in cc and hdrs.get("Expires") is None:
        ok("POST answer: Cache-Control %s" % cc)
    else:
        fail("POST answer cacheable: Cache-Control %r Expires %r"
             % (cc, hdrs.get("Expires")))


if __name__ == "__main__":
    run(main)
