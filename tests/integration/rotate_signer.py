# SPDX-License-Identifier: ISC
"""rotate_signer.py: `certctl ca rotate-signer` under load.

The real certstatusd serves a demo while two client threads send OCSP
requests without pause (POST and GET, with and without a nonce, over the
demo's certificates).  Every answer must be HTTP 200, successful, state the
status index.tsv gives, echo the nonce, and verify: its responder
certificate issued by the CA with id-kp-OCSPSigning, its signature made by
that certificate's key, which is the old or the new signer.  Then
`certctl ca rotate-signer inagi`, and the clients keep going until every
kind of answer comes signed by the new signer.  Checked: no request
failed; the pre-signed set was re-signed (certstatus_presign_resigned_total
equals the answers stored before, and every stored answer is the new
signer's); the old signer's certificate is kept in the registry; the audit
log holds the record and verifies.  Last, a signer rotated with --days 10
makes /healthz warn (200) under the default cert-expiry-warning of 30d,
and a rotation while the server is stopped is re-signed after its start."""
import base64
import datetime
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding  # noqa: E402
from cryptography.x509 import ocsp  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID  # noqa: E402

work = workdir()
demo = make_demo(os.path.join(work, "demo"))
conf = os.path.join(demo, "certstatus.conf")
env = dict(os.environ, CERTSTATUS_CONF=conf)
ca = load_cert(os.path.join(demo, "issuer.pem"))
old_signer = load_cert(os.path.join(demo, "signer.pem"))
registry = os.path.join(demo, "certstatus.db")
store = os.path.join(demo, "responses.db")

STATUS = {}
for line in open(os.path.join(demo, "certs", "index.tsv")):
    f = line.rstrip("\n").split("\t")
    if len(f) >= 3 and f[2] in ("good", "revoked", "unknown"):
        STATUS[f[0]] = f[2]
CERTS = sorted(STATUS)
REQS = {}
for name in CERTS:
    cert = load_cert(os.path.join(demo, "certs", name))
    REQS[name] = (cert, ocsp.OCSPRequestBuilder().add_certificate(
        cert, ca, hashes.SHA1()))


def verify_sig(pub, sig, data, alg):
    if isinstance(pub, ec.EllipticCurvePublicKey):
        pub.verify(sig, data, ec.ECDSA(alg))
    else:
        pub.verify(sig, data, padding.PKCS1v15(), alg)


def metric(name, labels=""):
    code, body = http_get(srv.port, "/metrics")
    m = re.search(r"^%s%s (\S+)$" % (re.escape(name), re.escape(
        "{%s}" % labels if labels else "")), body.decode(), re.M)
    return float(m.group(1)) if m else None


def certctl(*args):
    return subprocess.run([CERTCTL] + list(args), env=env, capture_output=True,
                          text=True, timeout=120)


def answer_signer(der, name, nonce):
    """The signer certificate of a good answer, or raise saying why not."""
    r = ocsp.load_der_ocsp_response(der)
    if r.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise ValueError("responseStatus %s" % r.response_status.name)
    one = next(iter(r.responses))
    got = one.certificate_status.name.lower()
    if got != STATUS[name]:
        raise ValueError("%s: status %s, want %s" % (name, got, STATUS[name]))
    if nonce is not None:
        n = r.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        if n != nonce:
            raise ValueError("nonce not echoed")
    if len(r.certificates) != 1:
        raise ValueError("%d responder certificates" % len(r.certificates))
    rc = r.certificates[0]
    verify_sig(ca.public_key(), rc.signature, rc.tbs_certificate_bytes,
               rc.signature_hash_algorithm)
    eku = rc.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
        raise ValueError("responder certificate without id-kp-OCSPSigning")
    verify_sig(rc.public_key(), r.signature, r.tbs_response_bytes,
               r.signature_hash_algorithm)
    return rc


class Load:
    """Clients sending requests continuously; what each answer was."""

    def __init__(self, nthreads=2):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.sent = 0
        self.failures = []
        self.log = []           # (monotonic time, kind, signer serial)
        self.threads = [threading.Thread(target=self.run, args=(i,))
                        for i in range(nthreads)]
        for t in self.threads:
            t.start()

    def one(self, i):
        name = CERTS[i % len(CERTS)]
        kind = ("post-nonce", "post", "get", "get-nonce")[(i // len(CERTS)) % 4]
        cert, b = REQS[name]
        nonce = None
        if kind.endswith("nonce"):
            nonce = os.urandom(16)
            b = b.add_extension(x509.OCSPNonce(nonce), critical=False)
        der = b.build().public_bytes(serialization.Encoding.DER)
        if kind.startswith("post"):
            code, body = http_post(srv.port, "/ocsp", der, timeout=20)
        else:
            path = "/ocsp/" + urllib.parse.quote(
                base64.b64encode(der).decode(), safe="")
            code, body = http_get(srv.port, path, timeout=20)
        if code != 200:
            raise ValueError("HTTP %d" % code)
        return kind, answer_signer(body, name, nonce)

    def run(self, tid):
        i = tid * 7
        while not self.stop.is_set():
            i += 1
            try:
                kind, rc = self.one(i)
                entry = (time.monotonic(), kind, rc.serial_number)
                err = None
            except Exception as e:    # noqa: BLE001 every failure counts
                entry, err = None, "%s: %s" % (type(e).__name__, e)
            with self.lock:
                self.sent += 1
                if err:
                    self.failures.append(err)
                else:
                    self.log.append(entry)

    def seen_new(self, serial, since):
        """The kinds of answers signed by serial since then."""
        with self.lock:
            return {k for t, k, s in self.log if t >= since and s == serial}

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()


def stored_signers():
    """Serial numbers of the responder certificates in the store's
    pre-signed (SHA-1) answers, and how many there are."""
    db = sqlite3.connect("file:%s?mode=ro" % store, uri=True, timeout=10)
    try:
        rows = db.execute("SELECT der FROM responses WHERE hash_alg = 0"
                          ).fetchall()
    finally:
        db.close()
    serials = {}
    for (der,) in rows:
        s = ocsp.load_der_ocsp_response(der).certificates[0].serial_number
        serials[s] = serials.get(s, 0) + 1
    return serials, len(rows)


srv = Server(demo, "poll-interval-ms 100")
end = time.time() + 60
while time.time() < end and metric("certstatus_presign_pass_complete") != 1:
    time.sleep(0.1)
check(metric("certstatus_presign_pass_complete") == 1, "first pre-signing pass done")
nstored, end = -1, time.time() + 10     # the store is written in batches
while time.time() < end:
    time.sleep(0.3)
    before, n = stored_signers()
    if n > 0 and n == nstored:
        break
    nstored = n
check(nstored > 0 and set(before) == {old_signer.serial_number},
      "%d pre-signed answers stored, all by the old signer" % nstored)
resigned0 = metric("certstatus_presign_resigned_total")

load = Load()
time.sleep(1.0)
t_rot = time.monotonic()
sent_at_rot = load.sent
r = certctl("--json", "ca", "rotate-signer", "inagi")
check(r.returncode == 0, "ca rotate-signer inagi: exit %d %s" % (r.returncode,
      r.stderr.strip()))
db = sqlite3.connect(registry)
new_pem, new_key = db.execute("SELECT signer_cert, signer_key FROM issuers "
                              "WHERE name = 'inagi'").fetchone()
db.close()
new_signer = x509.load_pem_x509_certificate(new_pem.encode())
check(new_signer.serial_number != old_signer.serial_number and
      new_key == "keys/inagi-ocsp-2.key",
      "the issuer names the new signer (%s)" % new_key)
st = os.stat(os.path.join(demo, new_key))
check(st.st_mode & 0o777 == 0o600, "new key file mode %o" % (st.st_mode & 0o777))
now = datetime.datetime.utcnow()
check(new_signer.not_valid_before <= now < old_signer.not_valid_after and
      new_signer.not_valid_after > now + datetime.timedelta(days=365) and
      new_signer.not_valid_after <= ca.not_valid_after,
      "validity overlaps the old signer's, within the CA's (%s .. %s; old "
      "until %s, CA until %s)" % (new_signer.not_valid_before,
                                  new_signer.not_valid_after,
                                  old_signer.not_valid_after,
                                  ca.not_valid_after))

# until every kind of answer is the new signer's and the store re-signed
ALL = {"post-nonce", "post", "get", "get-nonce"}
t_done = None
end = time.time() + 120
while time.time() < end:
    time.sleep(0.2)
    serials, n = stored_signers()
    if load.seen_new(new_signer.serial_number, t_rot) == ALL and \
            set(serials) == {new_signer.serial_number}:
        t_done = time.monotonic()
        sent_switch = load.sent - sent_at_rot
        break
time.sleep(1.0)     # and a while after the switch
load.finish()
check(t_done is not None, "every kind of answer signed by the new signer, "
      "store re-signed, in %.1f s" % ((t_done or time.monotonic()) - t_rot))
if t_done is not None:
    print("rotation: %d requests during the switch (%.1f s), %d in all, "
          "%d failed" % (sent_switch, t_done - t_rot, load.sent,
                         len(load.failures)), flush=True)
check(not load.failures, "no request failed (%d of %d): %s" % (
    len(load.failures), load.sent, load.failures[:3]))
with load.lock:
    after = [k for t, k, s in load.log if t >= (t_done or 0) + 0.5]
    stale = [k for t, k, s in load.log
             if t >= (t_done or 0) + 0.5 and s != new_signer.serial_number]
check(after and not stale, "%d answers after the switch, all by the new "
      "signer" % len(after))
serials, n = stored_signers()
resigned = metric("certstatus_presign_resigned_total") - resigned0
check(set(serials) == {new_signer.serial_number} and n >= nstored,
      "store: %d answers, all by the new signer" % n)
check(resigned == nstored, "certstatus_presign_resigned_total: %d re-signed, "
      "%d were stored" % (resigned, nstored))
print("re-signed: %d of %d pre-signed answers" % (resigned, nstored), flush=True)

# the record
db = sqlite3.connect(registry)
rows = db.execute("SELECT cert, key, retired_at FROM signers WHERE issuer_id "
                  "= (SELECT id FROM issuers WHERE name = 'inagi') ORDER BY "
                  "id").fetchall()
db.close()
old_pem = old_signer.public_bytes(serialization.Encoding.PEM).decode()
check(len(rows) == 2 and rows[0][0].strip() == old_pem.strip() and
      rows[0][2] is not None and rows[1][0] == new_pem and rows[1][2] is None,
      "signers: the old certificate kept (retired), the new one in use")
lst = certctl("--json", "ca", "list")
check(lst.returncode == 0 and '"signers": 2' in lst.stdout,
      "ca list counts 2 signers for inagi")
aud = certctl("audit", "show", "--limit", "5")
check(re.search(r"ca\.rotate-signer issuer inagi .*inagi-ocsp-2\.key",
                aud.stdout) is not None, "audit show: the ca.rotate-signer record")
ver = certctl("audit", "verify")
check(ver.returncode == 0 and "intact" in ver.stdout, "audit verify: " +
      ver.stdout.strip())

# a signer about to expire: /healthz warns, still 200
code, body = http_get(srv.port, "/healthz")
check(code == 200 and b"warning" not in body, "/healthz before: %d %s" %
      (code, body.decode().strip()))
r = certctl("ca", "rotate-signer", "inagi", "--days", "10")
check(r.returncode == 0, "ca rotate-signer inagi --days 10: %s" %
      (r.stdout + r.stderr).strip())
end = time.time() + 30
while time.time() < end:
    code, body = http_get(srv.port, "/healthz")
    if b"warning" in body:
        break
    time.sleep(0.1)
check(code == 200 and b"issuer inagi: signer certificate expires in 10 day"
      in body, "/healthz with a signer 10 days from expiry: %d %s" %
      (code, body.decode().strip()))
left = metric("certstatus_cert_expiry_seconds",
              'issuer="inagi",cert="signer"')
check(left is not None and 10 * 86400 - 120 < left <= 10 * 86400,
      "certstatus_cert_expiry_seconds signer: %s" % left)
check(good_answered(srv.port, ocsp_request(demo, nonce=True)),
      "answers after the second rotation")
r = certctl("ca", "rotate-signer", "inagi", "--days", "0")
check(r.returncode == 2, "--days 0 is a usage error (exit %d)" % r.returncode)
r = certctl("ca", "rotate-signer", "nosuch")
check(r.returncode == 1 and "no issuer" in r.stderr,
      "unknown issuer refused: " + r.stderr.strip())
check(srv.stop() == 0, "server stopped cleanly")

# rotated while the server is down: the stored answers predate the new
# signer's notBefore, so the first pass after the start signs them again
time.sleep(1.1)     # the new notBefore after every stored thisUpdate
r = certctl("ca", "rotate-signer", "inagi")
check(r.returncode == 0, "ca rotate-signer inagi with the server stopped")
db = sqlite3.connect(registry)
(pem,) = db.execute("SELECT signer_cert FROM issuers WHERE name = 'inagi'"
                    ).fetchone()
db.close()
newest = x509.load_pem_x509_certificate(pem.encode()).serial_number
srv = Server(demo)
end = time.time() + 60
while time.time() < end:
    serials, n = stored_signers()
    if set(serials) == {newest}:
        break
    time.sleep(0.2)
check(set(serials) == {newest}, "after a restart: the %d stored answers "
      "signed again by the newest signer" % n)
check(srv.stop() == 0, "server stopped cleanly")
finish()
