# SPDX-License-Identifier: ISC
"""faults_signer.py: the delegated signer's key missing, readable by others,
of the wrong type (a certificate, an encrypted key, garbage) or not
matching its certificate.  At start: refused with a clear message.  At
SIGHUP: the reload is refused, logged, and the old signer keeps serving."""
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

work = workdir()
demo = make_demo(os.path.join(work, "demo"))
conf = os.path.join(demo, "certstatus.conf")
key = os.path.join(demo, "keys", "inagi-ocsp.key")
good_key = open(key, "rb").read()
signer_pem = open(os.path.join(demo, "signer.pem"), "rb").read()


def pem(k, enc=serialization.NoEncryption()):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


CASES = [
    ("missing", None, 0o600),
    ("readable by others", good_key, 0o644),
    ("a directory", "dir", 0o700),
    ("a certificate", signer_pem, 0o600),
    ("encrypted", pem(rsa.generate_private_key(65537, 2048),
                      serialization.BestAvailableEncryption(b"pw")), 0o600),
    ("garbage", os.urandom(1200), 0o600),
    ("empty", b"", 0o600),
    ("another RSA key", pem(rsa.generate_private_key(65537, 2048)), 0o600),
    ("an EC key", pem(ec.generate_private_key(ec.SECP256R1())), 0o600),
]


def put_key(content, mode):
    if os.path.isdir(key):
        os.rmdir(key)
    elif os.path.exists(key):
        os.unlink(key)
    if content is None:
        return
    if content == "dir":
        os.mkdir(key, mode)
        return
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.write(fd, content)
    os.close(fd)
    os.chmod(key, mode)


# --- at start -------------------------------------------------------------------
for name, content, mode in CASES:
    put_key(content, mode)
    t0 = time.time()
    r = subprocess.run([CERTSTATUSD, "-c", conf, "-p", str(free_port())],
                       capture_output=True, timeout=30)
    msg = (r.stdout + r.stderr).decode(errors="replace").strip().splitlines()
    last = msg[-1] if msg else ""
    check(r.returncode != 0 and ("key" in last or "signer" in last),
          "start with the signer key %s: refused in %.1f s: %s" % (name, time.time() - t0, last))

# --- at reload ------------------------------------------------------------------
put_key(good_key, 0o600)
srv = Server(demo)
issuer = load_cert(os.path.join(demo, "issuer.pem"))
signer = load_cert(os.path.join(demo, "signer.pem"))


def signed_by_signer():
    from cryptography.x509 import ocsp
    code, body = http_post(srv.port, "/ocsp", ocsp_request(demo, nonce=True))
    if code != 200:
        return False
    r = ocsp.load_der_ocsp_response(body)
    if r.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return False
    from cryptography.hazmat.primitives.asymmetric import padding
    try:
        signer.public_key().verify(r.signature, r.tbs_response_bytes, padding.PKCS1v15(),
                                   r.signature_hash_algorithm)
        return True
    except Exception:
        return False


check(signed_by_signer(), "running: nonce answers signed by the delegated signer")
for name, content, mode in CASES:
    put_key(content, mode)
    before = len(srv.log_text())
    srv.proc.send_signal(signal.SIGHUP)
    end = time.time() + 15
    while time.time() < end and "reload" not in srv.log_text()[before:].replace("reloading", ""):
        time.sleep(0.05)
    logged = [l for l in srv.log_text()[before:].splitlines() if "reload" in l and "reloading" not in l]
    check(logged and "refused" in logged[0], "SIGHUP with the key %s: %s" %
          (name, logged[0] if logged else "nothing logged"))
    check(srv.alive() and signed_by_signer(), "  ...the old signer keeps serving")
put_key(good_key, 0o600)
before = len(srv.log_text())
srv.proc.send_signal(signal.SIGHUP)
end = time.time() + 15
while time.time() < end and "reloaded" not in srv.log_text()[before:]:
    time.sleep(0.05)
check("reloaded" in srv.log_text()[before:], "SIGHUP with the good key back: reloaded")
check(signed_by_signer(), "answers signed after the reload")
time.sleep(1)   # the retired pool is freed (retire_cb) meanwhile
check(srv.alive() and signed_by_signer() and http_get(srv.port, "/healthz")[0] == 200,
      "still answering once the old signers are retired")
check(srv.stop() == 0, "server stopped cleanly")
finish()
