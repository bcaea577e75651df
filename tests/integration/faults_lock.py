# SPDX-License-Identifier: ISC
"""faults_lock.py: another process holds the registry's lock (4 s in make
check, 10 s in check-long) while clients ask.  Two holders: an ordinary
writer (BEGIN IMMEDIATE and an UPDATE, as certctl does) and a hostile one
(locking_mode=EXCLUSIVE, which would lock readers out: WAL refuses it while
the server is attached).  Meanwhile no-nonce
GETs are answered from the pre-signed responses, no request waits long,
/healthz reports the state, and everything is back once the lock goes."""
import base64
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403

HOLD = 10 if LONG else 4
work = workdir()
demo = make_demo(os.path.join(work, "demo"))
db = os.path.join(demo, "certstatus.db")
srv = Server(demo, "poll-interval-ms 100")
plain = ocsp_request(demo)
get_path = "/ocsp/" + base64.b64encode(plain).decode()
# a pre-signed answer exists before the lock is taken
end = time.time() + 10
while time.time() < end and http_get(srv.port, get_path)[0] != 200:
    time.sleep(0.1)

HOLDER = r"""
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], timeout=2, isolation_level=None)
try:
    if sys.argv[3] == "exclusive":
        c.execute("PRAGMA locking_mode=EXCLUSIVE")
    c.execute("BEGIN IMMEDIATE" if sys.argv[3] == "writer" else "BEGIN EXCLUSIVE")
    c.execute("UPDATE registry_state SET change_seq = change_seq")
    print("locked", flush=True)
except sqlite3.OperationalError as e:
    print("refused: %s" % e, flush=True)
time.sleep(float(sys.argv[2]))
c.close()
"""


def timed(fn):
    t0 = time.time()
    try:
        r = fn()
    except Exception as e:
        r = ("error", str(e))
    return r, time.time() - t0


def phase(kind):
    p = subprocess.Popen([sys.executable, "-c", HOLDER, db, str(HOLD), kind],
                         stdout=subprocess.PIPE)
    said = p.stdout.readline().decode().strip()
    ok("%s lock holder: %s" % (kind, said))
    t_end = time.time() + HOLD - 0.5
    gets, posts, health = [], [], []
    while time.time() < t_end:
        (code, body), dt = timed(lambda: http_get(srv.port, get_path, timeout=15))
        gets.append((code == 200 and ocsp_answer(body) == ("successful", "good"), dt))
        (code, body), dt = timed(lambda: http_post(srv.port, "/ocsp", ocsp_request(demo, nonce=True),
                                                   timeout=15))
        posts.append((ocsp_answer(body)[0] if code == 200 else "http%d" % code, dt))
        (code, body), dt = timed(lambda: http_get(srv.port, "/healthz", timeout=15))
        health.append((code, body.decode(errors="replace").strip(), dt))
        time.sleep(0.1)
    p.wait()
    worst = max([g[1] for g in gets] + [q[1] for q in posts] + [h[2] for h in health])
    check(all(g[0] for g in gets), "%s lock: %d pre-signed GETs answered good" % (kind, len(gets)))
    outcomes = sorted(set(q[0] for q in posts))
    check(set(outcomes) <= {"successful", "tryLater", "internalError"},
          "%s lock: nonce POSTs answered %s" % (kind, ", ".join(outcomes)))
    check(worst < 1.0, "%s lock: slowest answer %.0f ms" % (kind, worst * 1000))
    states = sorted(set("%d %s" % (h[0], h[1]) for h in health))
    ok("%s lock: /healthz said: %s" % (kind, " | ".join(states)))
    return said, posts, health


said, posts, health = phase("writer")
check(said == "locked", "ordinary writer holds the lock")
check(all(q[0] == "successful" for q in posts), "ordinary writer: nonce POSTs all successful")
check(all(h[0] == 200 for h in health), "ordinary writer: /healthz 200 throughout")
# locking_mode=EXCLUSIVE would lock readers out, but in WAL mode it needs
# every other connection gone: while the server is attached it is refused.
said, posts, health = phase("exclusive")
check(said.startswith("refused"), "exclusive (reader-blocking) lock refused while the server "
      "is attached (WAL)")
check(all(q[0] == "successful" for q in posts) and all(h[0] == 200 for h in health),
      "exclusive attempt: nonce POSTs successful and /healthz 200 throughout")
end = time.time() + 5
while time.time() < end and http_get(srv.port, "/healthz")[0] != 200:
    time.sleep(0.1)
check(http_get(srv.port, "/healthz")[0] == 200, "/healthz 200 again after the lock")
check(good_answered(srv.port, ocsp_request(demo, nonce=True)), "nonce requests answered again")
check(srv.stop() == 0, "server stopped cleanly")
finish()
