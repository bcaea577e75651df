#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""ocsp_revocation: a status change committed by certctl reaches OCSP answers
within 1 second, with no restart and no signal.  With the server running and
every answer pre-signed, `certctl revoke SERIAL --reason keyCompromise` on a
good certificate, then poll GET without a nonce (the pre-signed path), POST
without a nonce, and POST with a nonce until each says revoked; the same for
`certctl card lost` (hold: revoked, certificateHold).  Prints the measured
times."""

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_cert import CERTCTL, Server, fail, load_pem, make_demo, ok, run  # noqa: E402

LIMIT = 1.0     # seconds: the product promise
DEADLINE = 10.0  # give up polling after this long


def http(url, data=None):
    req = urllib.request.Request(url, data=data)
    if data is not None:
        req.add_header("Content-Type", "application/ocsp-request")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def status_of(der):
    r = ocsp.load_der_ocsp_response(der)
    if r.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return str(r.response_status), None
    st = r.certificate_status
    if st == ocsp.OCSPCertStatus.REVOKED:
        return "revoked", (r.revocation_reason.name
                           if r.revocation_reason else None)
    return st.name.lower(), None


def request(cert, issuer, nonce):
    b = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())
    if nonce:
        b = b.add_extension(x509.OCSPNonce(os.urandom(16)), critical=False)
    return b.build().public_bytes(serialization.Encoding.DER)


def certctl(conf, *args):
    t0 = time.monotonic()
    out = subprocess.run([CERTCTL, "-c", conf, "--json"] + list(args),
                         capture_output=True, timeout=60)
    if out.returncode != 0:
        fail("certctl %s: %s" % (" ".join(args), out.stderr.decode()))
    return out.stdout, time.monotonic() - t0


def watch(base, cert, issuer, want_reason, label, change):
    """Run change(), then poll three ways until revoked; check the times."""
    get_url = base + "/" + base64.b64encode(request(cert, issuer, False)) \
        .decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    post_plain = request(cert, issuer, False)
    ways = {
        "GET (pre-signed)": lambda: http(get_url),
        "POST no nonce (pre-signed)": lambda: http(base + "/ocsp", post_plain),
        "POST with nonce (signed now)":
            lambda: http(base + "/ocsp", request(cert, issuer, True)),
    }
    for name, f in ways.items():
        st, _ = status_of(f())
        if st != "good":
            fail("%s: %s before the change: %s" % (label, name, st))
            return
    took_cmd = change()
    t0 = time.monotonic()
    seen = {}
    while len(seen) < len(ways) and time.monotonic() - t0 < DEADLINE:
        for name, f in ways.items():
            if name in seen:
                continue
            st, reason = status_of(f())
            if st == "revoked":
                seen[name] = (time.monotonic() - t0, reason)
        time.sleep(0.005)
    for name in ways:
        if name not in seen:
            fail("%s: %s still not revoked after %.0f s"
                 % (label, name, DEADLINE))
            continue
        dt, reason = seen[name]
        line = ("%s: %s revoked (%s) %.3f s after certctl returned "
                "(certctl itself took %.3f s)"
                % (label, name, reason, dt, took_cmd))
        if reason != want_reason:
            fail(line + ": want reason " + want_reason)
        elif dt >= LIMIT:
            fail(line + ": over %.1f s" % LIMIT)
        else:
            ok(line)


def main(work):
    d = make_demo(work)
    conf = os.path.join(d, "certstatus.conf")
    srv = Server(conf, work)
    base = srv.url("")
    deadline = time.monotonic() + 30
    while True:
        if srv.proc.poll() is not None or time.monotonic() > deadline:
            fail("server did not pre-sign every answer: " +
                 open(srv.log.name).read())
            return
        try:
            body = http(base + "/metrics").decode()
            if "certstatus_presign_pass_complete 1" in body:
                break   # every answer pre-signed: the path under test
        except OSError:
            pass
        time.sleep(0.05)
    issuer = load_pem(os.path.join(d, "issuer.pem"))
    idx = {l.split("\t")[0]: l.rstrip("\n").split("\t")
           for l in open(os.path.join(d, "certs", "index.tsv"))}

    def load(name):
        return load_pem(os.path.join(d, "certs", name))

    # 1. certctl revoke
    serial = idx["good-sign.pem"][1]

    def revoke():
        return certctl(conf, "revoke", serial, "--reason",
                       "keyCompromise")[1]
    watch(base, load("good-sign.pem"), issuer, "key_compromise",
          "revoke keyCompromise", revoke)

    # 2. certctl card lost: every certificate on the card goes on hold
    serial = idx["moved-auth.pem"][1]
    card = json.loads(certctl(conf, "show", serial)[0])["card"]

    def lost():
        return certctl(conf, "card", "lost", card)[1]
    watch(base, load("moved-auth.pem"), issuer, "certificate_hold",
          "card lost " + card, lost)
    if srv.proc.poll() is not None:
        fail("server died")


if __name__ == "__main__":
    run(main)
