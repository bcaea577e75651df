# SPDX-License-Identifier: ISC
"""lib_harden.py: helpers for the hardening tests (hostile input, hostile
clients, faults).  Imported, not run (tests/run.sh skips lib*).

A test gets a scratch copy of tests/data/registry (the fixed demo registry
the bad inputs were made for) or a fresh `certctl demo`, starts the real
certstatusd on a free 127.0.0.1 port and stops it at exit.
"""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("BIN") or os.path.join(TOP, "bin")
if not os.path.isabs(BIN):
    BIN = os.path.join(TOP, BIN)
CERTCTL = os.path.join(BIN, "certctl")
CERTSTATUSD = os.path.join(BIN, "certstatusd")
LONG = os.environ.get("CHECK_LONG") == "1"
SANITIZED = "/san" in BIN

FAILS = []


def ok(msg):
    print("ok: " + msg, flush=True)


def fail(msg):
    print("FAIL: " + msg, flush=True)
    FAILS.append(msg)


def check(cond, msg):
    (ok if cond else fail)(msg)
    return cond


SERVERS = []


def finish():
    for srv in SERVERS:     # ASan, LeakSanitizer and UBSan reports
        srv.stop()
        text = srv.log_text()
        if "Sanitizer" in text or "runtime error:" in text:
            fail("sanitizer report in %s" % srv.log)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


def workdir():
    d = tempfile.mkdtemp(prefix="certstatus-test.")

    def rm():
        if not FAILS and not os.environ.get("KEEP"):
            shutil.rmtree(d, ignore_errors=True)
        else:
            print("scratch kept in " + d)
    atexit.register(rm)
    return d


def copy_registry(dest):
    """A copy of tests/data/registry in dest (a new folder)."""
    shutil.copytree(os.path.join(TOP, "tests", "data", "registry"), dest)
    for k in os.listdir(os.path.join(dest, "keys")):
        os.chmod(os.path.join(dest, "keys", k), 0o600)
    return dest


def make_demo(dest, extra=0):
    args = [CERTCTL, "demo", dest]
    if extra:
        args += ["--extra", str(extra)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return dest


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    """certstatusd on a free port; stopped at exit."""

    def __init__(self, confdir, extra_conf="", prefix=None, wait=True):
        self.dir = confdir
        self.conf = os.path.join(confdir, "certstatus.conf")
        if extra_conf:
            with open(self.conf, "a") as f:
                f.write("\n" + extra_conf + "\n")
        self.port = free_port()
        self.log = os.path.join(confdir, "server.log")
        self.logf = open(self.log, "ab")
        cmd = (prefix or []) + [CERTSTATUSD, "-c", self.conf, "-p", str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT)
        atexit.register(self.stop)
        SERVERS.append(self)
        if wait:
            self.wait_ready()

    @property
    def pid(self):
        return self.proc.pid

    def wait_ready(self, secs=30):
        end = time.time() + secs
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("server died:\n" + self.log_text())
            try:
                if http_get(self.port, "/healthz", timeout=1)[0] in (200, 503):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server not ready:\n" + self.log_text())

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        self.logf.flush()
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def cpu_seconds(self):
        """utime + stime of the server process (not its signer workers)."""
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def http_get(port, path, timeout=5, headers=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def http_post(port, path, body, timeout=5, ctype="application/ocsp-request"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body,
                                 headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def raw_http(port, data, timeout=5, shut=False):
    """Send data on a fresh connection; (status code or None, whole reply)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        end = time.time() + timeout
        while time.time() < end:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not b:
                break
            out += b
            if reply_complete(out):
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        s.close()
    code = None
    if out.startswith(b"HTTP/1."):
        try:
            code = int(out.split(b" ", 2)[1])
        except (IndexError, ValueError):
            pass
    return code, out


def reply_complete(buf):
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            return len(body) >= int(v.strip())
    return False


def body_of(reply):
    return reply.partition(b"\r\n\r\n")[2]


# --- OCSP ---------------------------------------------------------------------
def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def ocsp_request(regdir, certname="good-sign.pem", nonce=False, alg=hashes.SHA1()):
    issuer = load_cert(os.path.join(regdir, "issuer.pem"))
    cert = load_cert(os.path.join(regdir, "certs", certname))
    b = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, alg)
    if nonce:
        b = b.add_extension(x509.OCSPNonce(os.urandom(16)), critical=False)
    return b.build().public_bytes(serialization.Encoding.DER)


def ocsp_answer(der):
    """('successful', 'good'|'revoked'|'unknown') or (status name, None)."""
    r = ocsp.load_der_ocsp_response(der)
    st = r.response_status.name.lower()
    names = {"successful": "successful", "malformed_request": "malformedRequest",
             "internal_error": "internalError", "try_later": "tryLater",
             "sig_required": "sigRequired", "unauthorized": "unauthorized"}
    st = names.get(st, st)
    if st != "successful":
        return st, None
    for one in r.responses:     # the first SingleResponse
        return st, one.certificate_status.name.lower()
    return st, None


def good_answered(port, req, timeout=5):
    """True when POSTing req gives a successful OCSP answer."""
    try:
        code, body = http_post(port, "/ocsp", req, timeout=timeout)
        return code == 200 and ocsp_answer(body)[0] == "successful"
    except Exception:
        return False


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]
