# SPDX-License-Identifier: ISC
"""http_framing.py: HTTP/1.1 framing as RFC 9112 and nginx do it, against
the real server.  Each framing case of tests/data/bad (EXPECTED) gets its
one answer with an HTTP/1.1 status line and the connection closed, and
nothing of it runs: a request hidden in the body of one with
Transfer-Encoding: gzip is never executed.  Good keep-alive and pipelined
requests still work, also when a head arrives byte by byte.  A body over
max-body is answered 413 and the server keeps reading (lingering close), so
urllib sees the 413, not a reset; a client that never stops sending is cut
off within the lingering bounds."""
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403

BAD = os.path.join(TOP, "tests", "data", "bad")
LINGER_SEC = 2          # server/http.c
LINGER_BYTES = 4 << 20
work = workdir()
reg = copy_registry(os.path.join(work, "reg"))
srv = Server(reg, "timeout 5s\naccess-log access.log")
good = ocsp_request(reg)
CASES = ("te_gzip te_identity te_xchunked te_chunked_gzip te_gzip_chunked "
         "te_chunked_twice te_and_cl cl_space_before_colon te_space_before_colon "
         "te_http10 nul_in_content_length nul_in_transfer_encoding cr_in_value "
         "name_with_space name_with_ctl obs_fold no_host_11 two_hosts http_12 "
         "http_20 te_smuggle post_cl_and_chunked post_duplicate_cl").split()


def metric(name, label):
    code, body = http_get(srv.port, "/metrics")
    m = re.search(r'^%s\{%s\} (\d+)$' % (re.escape(name), re.escape(label)),
                  body.decode(), re.M)
    return int(m.group(1)) if m else -1


def connections():
    code, body = http_get(srv.port, "/metrics")
    return int(re.search(r"^certstatus_connections (\d+)$", body.decode(), re.M).group(1))


def exchange(data, timeout=4, pieces=None):
    """Send data (in pieces, if given, with a pause between them); read
    until the server closes or timeout.  (reply bytes, closed by server)."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    out, closed = b"", False
    try:
        if pieces:
            for i in range(0, len(data), pieces):
                s.sendall(data[i:i + pieces])
                time.sleep(0.01)
        else:
            s.sendall(data)
        end = time.time() + timeout
        while time.time() < end:
            b = s.recv(65536)
            if not b:
                closed = True
                break
            out += b
    except socket.timeout:
        pass
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    finally:
        s.close()
    return out, closed


def status_lines(reply):
    """The status lines ("HTTP/1.1 200") of the responses in reply, one
    after the other by their Content-Length."""
    out = []
    while reply:
        head, sep, rest = reply.partition(b"\r\n\r\n")
        m = re.match(rb"HTTP/\d\.\d \d{3}", head)
        if not sep or not m:
            out.append(b"garbage:" + reply[:20])
            break
        out.append(m.group(0))
        cl = re.search(rb"(?im)^Content-Length: *(\d+)\r?$", head)
        reply = rest[int(cl.group(1)) if cl else len(rest):]
    return out


rows = {l.split("\t")[0]: l.rstrip("\n").split("\t")
        for l in open(os.path.join(BAD, "EXPECTED")) if not l.startswith("#")}
posts0 = metric("certstatus_requests_total", 'endpoint="ocsp_post"')
other0 = metric("certstatus_requests_total", 'endpoint="other"')
c4xx0 = metric("certstatus_http_responses_total", 'code="4xx"')

# --- every framing case: one answer, HTTP/1.1, Connection: close, closed ---
for name in CASES:
    _, how, expected, what = rows[name + ".http"]
    with open(os.path.join(BAD, name + ".http"), "rb") as f:
        data = f.read()
    t0 = time.time()
    reply, closed = exchange(data)
    lines = status_lines(reply)
    want = expected.split(":")[1]
    head = reply.partition(b"\r\n\r\n")[0]
    check(len(lines) == 1 and lines[0].decode() == "HTTP/1.1 " + want and closed and
          re.search(rb"(?im)^Connection: close\r?$", head) is not None,
          "%-26s %-55s -> %s, %s (want one HTTP/1.1 %s and close, %.2fs)" %
          (name, what, [l.decode() for l in lines], "closed" if closed else "open",
           want, time.time() - t0))

# The same heads arriving a few bytes at a time (the check is incremental).
for name in ("te_gzip", "cl_space_before_colon", "nul_in_content_length", "obs_fold",
             "te_smuggle"):
    with open(os.path.join(BAD, name + ".http"), "rb") as f:
        data = f.read()
    reply, closed = exchange(data, pieces=7)
    lines = status_lines(reply)
    check([l.decode() for l in lines] == ["HTTP/1.1 400"] and closed,
          "%s sent 7 bytes at a time -> %s" % (name, [l.decode() for l in lines]))

check(srv.alive(), "server alive after the framing cases")
posts1 = metric("certstatus_requests_total", 'endpoint="ocsp_post"')
# post_cl_and_chunked and post_duplicate_cl are refused before routing too
check(posts1 == posts0, "no framing case reached the OCSP handler "
      "(ocsp_post requests %d -> %d)" % (posts0, posts1))
other1 = metric("certstatus_requests_total", 'endpoint="other"')
c4xx1 = metric("certstatus_http_responses_total", 'code="4xx"')
check(other1 - other0 >= len(CASES) and c4xx1 - c4xx0 >= len(CASES) - 3,
      "refusals counted: requests{other} +%d, responses{4xx} +%d" %
      (other1 - other0, c4xx1 - c4xx0))
log = open(os.path.join(reg, "access.log")).read()
check(re.search(r" 400 \d+$", log, re.M) is not None and
      re.search(r" 505 \d+$", log, re.M) is not None,
      "refusals are in the access log (400 and 505 lines)")

# --- request smuggling: the hidden request never runs -----------------------
with open(os.path.join(BAD, "te_smuggle.http"), "rb") as f:
    smuggle = f.read()
before = metric("certstatus_requests_total", 'endpoint="ocsp_post"')
reply, closed = exchange(smuggle + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
after = metric("certstatus_requests_total", 'endpoint="ocsp_post"')
check(len(status_lines(reply)) == 1 and after == before and b"\x30\x82" not in reply,
      "TE: gzip with a request in its body: %d answer(s) %s, ocsp_post %d -> %d" %
      (len(status_lines(reply)), [l.decode() for l in status_lines(reply)], before, after))

# --- keep-alive and pipelining still work -----------------------------------
req_cl = (b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
          b"Content-Length: %d\r\n\r\n" % len(good)) + good
chunks = b"".join(b"%x\r\n%s\r\n" % (len(good[i:i + 30]), good[i:i + 30])
                  for i in range(0, len(good), 30)) + b"0\r\n\r\n"
req_chunked = (b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n") + chunks
healthz = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
last = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
pipeline = healthz + req_cl + req_chunked + req_cl + healthz + last
for pieces in (None, 5):
    reply, closed = exchange(pipeline, pieces=pieces)
    lines = [l.decode() for l in status_lines(reply)]
    check(lines == ["HTTP/1.1 200"] * 6 and closed,
          "6 pipelined requests (healthz, CL, chunked, CL, healthz, close)%s -> %s" %
          (" 5 bytes at a time" if pieces else " in one write", lines))

# a bad head behind good ones: the good ones are answered, then 400 and close
before = metric("certstatus_requests_total", 'endpoint="ocsp_post"')
reply, closed = exchange(healthz + req_cl + smuggle + req_cl)
after = metric("certstatus_requests_total", 'endpoint="ocsp_post"')
lines = [l.decode() for l in status_lines(reply)]
check(lines == ["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 400"] and closed and
      after == before + 1,
      "healthz, POST, smuggling POST, POST pipelined -> %s, ocsp_post +%d" %
      (lines, after - before))

# HTTP/1.0 without Host, as openssl ocsp sends it
reply, closed = exchange(b"POST /ocsp HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(good) + good)
body = body_of(reply)
check(status_lines(reply) == [b"HTTP/1.0 200"] and ocsp_answer(body)[0] == "successful",
      "HTTP/1.0 POST without Host answered (%s)" % status_lines(reply))

# --- 413 with lingering close -----------------------------------------------
TRIES = 5
for size in (200 * 1000, 2 * 1000 * 1000):
    got = {}
    for _ in range(TRIES):
        req = urllib.request.Request("http://127.0.0.1:%d/ocsp" % srv.port,
                                     data=b"\x30" * size,
                                     headers={"Content-Type": "application/ocsp-request"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                k = "http:%d" % r.status
        except urllib.error.HTTPError as e:
            k = "http:%d" % e.code
        except Exception as e:          # broken pipe, reset: the bug
            k = type(e).__name__
        got[k] = got.get(k, 0) + 1
    check(got.get("http:413") == TRIES,
          "urllib POST of %d bytes: %s (want http:413 for %d of %d)" % (size, got, TRIES, TRIES))


def flood(delay, head=b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n"):
    """Send head, then zeros forever (with delay between sends) until the
    server ends the connection; (seconds, bytes sent, status code seen)."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    s.sendall(head)
    t0, sent, reply = time.time(), 0, b""
    blob = b"\x00" * (1 if delay else 65536)
    try:
        while time.time() - t0 < 15:
            s.settimeout(1)
            sent += s.send(blob)
            if delay:
                time.sleep(delay)
                s.setblocking(False)
                try:
                    reply += s.recv(4096)    # b"" after the FIN: go on
                except BlockingIOError:
                    pass
    except OSError:
        pass
    dt = time.time() - t0
    s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3})", reply)
    return dt, sent, int(m.group(1)) if m else None


dt, sent, _ = flood(0)
check(dt < LINGER_SEC + 2 and sent < LINGER_BYTES + (16 << 20),
      "a client sending forever at full speed is cut off after %.2fs and %d bytes "
      "(bounds %d s, %d bytes drained)" % (dt, sent, LINGER_SEC, LINGER_BYTES))
dt, sent, code = flood(0.02)
check(code == 413 and LINGER_SEC - 0.5 < dt < LINGER_SEC + 2,
      "a client trickling bytes forever got %s and was cut off after %.2fs" % (code, dt))

time.sleep(0.3)
n = connections()
check(n == 1, "connections gauge back to 1 (this /metrics request): %d" % n)
check(good_answered(srv.port, good), "a good request is answered afterwards")
check(srv.alive(), "server still running")
check(srv.stop() == 0, "server stopped cleanly (exit 0)")
finish()
