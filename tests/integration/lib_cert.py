# SPDX-License-Identifier: ISC
"""lib_cert: what the Python integration tests share (tests/run.sh skips
lib* files).  The paths of the binaries, ok/fail counting, certstatusd on a
free 127.0.0.1 port, `certctl demo`, and run(): a scratch directory, every
server stopped (exit status 0 on SIGTERM required), the verdict as the exit
status.  Import it with the test's own directory on sys.path."""

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

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("BIN") or os.path.join(TOP, "bin")
CERTCTL = os.path.join(BIN, "certctl")
CERTSTATUSD = os.path.join(BIN, "certstatusd")

fails = 0
_servers = []


def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg, flush=True)


def ok(msg):
    print("ok:", msg, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """certstatusd on a free 127.0.0.1 port, ready when /healthz answers.
    run() stops it if the test has not."""

    def __init__(self, conf, work):
        self.port = free_port()
        self.log = open(os.path.join(work, "server.log"), "w")
        self.proc = subprocess.Popen(
            [CERTSTATUSD, "-c", conf, "-p", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT)
        _servers.append(self)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                fail("server died: " + open(self.log.name).read())
                raise SystemExit(1)
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        fail("server not ready in 30 s")
        raise SystemExit(1)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=15)
                if rc != 0:
                    fail("server exited %d on SIGTERM" % rc)
            except subprocess.TimeoutExpired:
                fail("server did not stop on SIGTERM")
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def make_demo(work):
    """`certctl demo` in work/demo; returns that directory."""
    d = os.path.join(work, "demo")
    subprocess.run([CERTCTL, "demo", d], check=True, timeout=120,
                   stdout=subprocess.DEVNULL)
    return d


def load_pem(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def run(test):
    """Call test(work) with a fresh scratch directory, stop every Server
    still running, keep the scratch if a check failed (or KEEP is set), and
    exit 1 if any did."""
    work = tempfile.mkdtemp(prefix="certstatus-test.")
    try:
        test(work)
    finally:
        for srv in _servers:
            if not srv.log.closed:
                srv.stop()
        if fails == 0 and not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("scratch kept in", work)
    if fails:
        print("%d check(s) failed" % fails)
        sys.exit(1)
    print("all checks passed")
