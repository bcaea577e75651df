# SPDX-License-Identifier: ISC
"""hostile_clients.py: while 2,000 idle connections, a slowloris client
trickling header bytes and a client that never reads its responses are held
open, honest OCSP requests (with and without nonce) are answered; p50/p99
latency is reported.  Then, with the server limited to 256 file
descriptors, 300 connections exhaust them: the server must not spin (its
CPU time over a few seconds stays low), must not die, and must answer
again once they close.  Loopback only, bounded in time."""
import os
import resource
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 10000), hard))
IDLE = 2000 if min(hard, 10000) > 2300 else min(hard, 10000) - 300
SECS = 20 if LONG else 5
P99_MAX = 3.0 if SANITIZED else 1.0

work = workdir()
reg = copy_registry(os.path.join(work, "reg"))
srv = Server(reg, "timeout 60s\nmax-connections 4096")
plain = ocsp_request(reg)
stop = threading.Event()


def idle_clients(n):
    socks = []
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        except OSError as e:
            fail("idle connection %d refused: %s" % (len(socks), e))
            break
    return socks


def slowloris():
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    msg = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-a: b\r\n" * 10000
    sent = 0
    try:
        while not stop.is_set() and sent < len(msg):
            s.send(msg[sent:sent + 1])
            sent += 1
            time.sleep(0.05)
    except OSError:
        pass    # closed by the server: fine
    s.close()
    slow_sent.append(sent)


def non_reader():
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    s.setblocking(False)
    n = 0
    while not stop.is_set() and n < 5000:
        try:
            s.send(req)
            n += 1
        except BlockingIOError:
            time.sleep(0.05)
        except OSError:
            break
    nonread_sent.append(n)
    stop.wait()
    s.close()


slow_sent, nonread_sent = [], []
t0 = time.time()
idle = idle_clients(IDLE)
ok("%d idle connections open in %.1fs" % (len(idle), time.time() - t0))
threads = [threading.Thread(target=slowloris), threading.Thread(target=non_reader)]
for t in threads:
    t.start()
time.sleep(0.5)

lat, bad = [], 0
end = time.time() + SECS
i = 0
while time.time() < end:
    req = ocsp_request(reg, nonce=True) if i % 2 else plain
    t1 = time.time()
    if good_answered(srv.port, req, timeout=10):
        lat.append(time.time() - t1)
    else:
        bad += 1
    i += 1
check(bad == 0 and len(lat) > 50, "%d honest requests answered, %d failed, while hostile "
      "clients were held" % (len(lat), bad))
p50, p99 = percentile(lat, 50), percentile(lat, 99)
check(p99 < P99_MAX, "honest latency p50 %.1f ms, p99 %.1f ms, max %.1f ms (p99 bound %.0f ms)" %
      (p50 * 1000, p99 * 1000, max(lat) * 1000, P99_MAX * 1000))
code, body = http_get(srv.port, "/metrics")
check(code == 200, "/metrics answers while a client never reads it")
stop.set()
for t in threads:
    t.join(10)
ok("slowloris trickled %d header bytes; the non-reader pipelined %d GET /metrics" %
   (slow_sent[0] if slow_sent else -1, nonread_sent[0] if nonread_sent else -1))
for s in idle:
    s.close()
check(srv.alive(), "server alive after the hostile clients")
rss = int(open("/proc/%d/status" % srv.pid).read().split("VmRSS:")[1].split()[0])
check(rss < 512 * 1024, "server RSS %d MB" % (rss // 1024))
check(srv.stop() == 0, "server stopped cleanly")

# --- file descriptors run out ---------------------------------------------------
reg2 = copy_registry(os.path.join(work, "reg2"))
srv2 = Server(reg2, "timeout 60s\nworkers 1", prefix=["prlimit", "--nofile=256:256"])
ok("server under prlimit --nofile=256")
conns = []
for _ in range(300):
    try:
        s = socket.create_connection(("127.0.0.1", srv2.port), timeout=2)
        conns.append(s)
    except OSError:
        break
time.sleep(0.5)     # let it accept what it can and hit EMFILE
c0 = srv2.cpu_seconds()
time.sleep(3)
c1 = srv2.cpu_seconds()
check(c1 - c0 < 0.6, "out of descriptors with %d connections: %.2f s CPU in 3 s (no spin)" %
      (len(conns), c1 - c0))
check(srv2.alive(), "server alive when out of descriptors")
check("pausing the listener" in srv2.log_text(), "EMFILE logged (listener paused)")
for s in conns:
    s.close()
t0 = time.time()
back = False
while time.time() - t0 < 15:
    if good_answered(srv2.port, plain, timeout=2):
        back = True
        break
    time.sleep(0.1)
check(back, "answers again %.1f s after the connections closed" % (time.time() - t0))
c2 = srv2.cpu_seconds()
time.sleep(2)
check(srv2.cpu_seconds() - c2 < 0.4, "idle again afterwards (%.2f s CPU in 2 s)" %
      (srv2.cpu_seconds() - c2))
check(srv2.stop() == 0, "server stopped cleanly")
# --- a request trickled in forever -----------------------------------------------
# evhttp's timeout restarts at every byte; the server's own deadline (3 x
# timeout, at least 5 s) must close a client that never finishes its headers.
reg3 = copy_registry(os.path.join(work, "reg3"))
srv3 = Server(reg3, "timeout 1s\nworkers 1")
s = socket.create_connection(("127.0.0.1", srv3.port), timeout=2)
s.setblocking(False)
msg = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-a: b\r\n" * 1000
t0, sent, closed = time.time(), 0, False
while time.time() - t0 < 20 and not closed:
    try:
        s.send(msg[sent:sent + 1])
        sent += 1
        closed = s.recv(64) == b""
    except BlockingIOError:
        pass
    except OSError:
        closed = True
    time.sleep(0.3)
s.close()
took = time.time() - t0
check(closed and took < 9, "a client trickling %d header bytes was closed after %.1f s "
      "(deadline 5 s)" % (sent, took))
check(good_answered(srv3.port, plain, timeout=5), "the server answers after closing it")
code, body = http_get(srv3.port, "/metrics")
check(code == 200 and b"certstatus_connections_timed_out_total 1" in body,
      "/metrics counts the closed connection")
check(srv3.stop() == 0, "server stopped cleanly")

for s in (srv, srv2, srv3):
    if "AddressSanitizer" in s.log_text() or "runtime error" in s.log_text():
        fail("sanitizer report in a server log")
finish()
