# SPDX-License-Identifier: ISC
"""hostile_input.py: every input of tests/data/bad (see EXPECTED there) sent
to the real server; each gets its expected answer, and the next good
request is still answered.  The server runs on a copy of the fixed registry
the inputs were made for."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403

BAD = os.path.join(TOP, "tests", "data", "bad")
work = workdir()
reg = copy_registry(os.path.join(work, "reg"))
srv = Server(reg, "timeout 2s\naccess-log access.log")
good = ocsp_request(reg)


def outcome(how, data):
    """What the server did: 'ocsp:<status>[:<cert>]', 'http:<code>' or 'none'."""
    if how == "post":
        code, body = http_post(srv.port, "/ocsp", data, timeout=10)
    elif how == "get":
        code, reply = raw_http(srv.port, b"GET /" + data + b" HTTP/1.1\r\nHost: x\r\n"
                               b"Connection: close\r\n\r\n", timeout=10)
        body = body_of(reply)
    else:
        code, reply = raw_http(srv.port, data, timeout=10, shut=False)
        body = body_of(reply)
    if code is None:
        return "none"
    if code == 200 and body[:1] == b"\x30":
        try:
            st, cert = ocsp_answer(body)
        except Exception as e:
            return "http:200 (unparsable OCSP: %s)" % e
        return "ocsp:%s:%s" % (st, cert) if cert else "ocsp:" + st
    return "http:%d" % code


def matches(expected, got):
    kind, _, rest = expected.partition(":")
    if kind == "http":
        alts = rest.split("|")
        return any(got == "http:" + a or (a == "none" and got == "none") for a in alts)
    if kind == "ocsp":
        return got == expected or (expected.count(":") == 1 and got.startswith(expected + ":"))
    return False


rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(BAD, "EXPECTED"))
        if l.strip() and not l.startswith("#")]
check(len(rows) >= 60, "%d hostile inputs listed" % len(rows))
for name, how, expected, what in rows:
    with open(os.path.join(BAD, name), "rb") as f:
        data = f.read()
    t0 = time.time()
    got = outcome(how, data)
    dt = time.time() - t0
    check(matches(expected, got), "%-30s %-48s -> %s (want %s, %.2fs)" %
          (name, what, got, expected, dt))
    if not srv.alive():
        fail("server died after %s" % name)
        break
    if not good_answered(srv.port, good):
        fail("good request not answered after %s" % name)

# Regression inputs found by fuzzing (tests/data/bad/crash-*): no crash.
for name in sorted(os.listdir(BAD)):
    if name.startswith(("crash-", "leak-", "timeout-", "oom-")):
        got = outcome("post", open(os.path.join(BAD, name), "rb").read())
        check(got.startswith("ocsp:") and srv.alive() and good_answered(srv.port, good),
              "fuzz regression %s -> %s, server answers" % (name, got))

check(srv.alive(), "server still running")
check(srv.stop() == 0, "server stopped cleanly (exit 0)")
log = srv.log_text()
check("AddressSanitizer" not in log and "runtime error" not in log,
      "no sanitizer report in the server log")
finish()
