# SPDX-License-Identifier: ISC
"""faults_wal.py: WAL growth stays bounded while the server reads
continuously (nonce requests: registry lookups; the poll) and writers
commit (certctl, and bulk commits to swell the WAL quickly).  Checkpoints
must go through: the server never keeps a read transaction open."""
import os
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403

ROUNDS = 200 if LONG else 40
work = workdir()
demo = make_demo(os.path.join(work, "demo"))
conf = os.path.join(demo, "certstatus.conf")
db = os.path.join(demo, "certstatus.db")
wal = db + "-wal"
srv = Server(demo, "poll-interval-ms 50")
stop = threading.Event()
answered = [0, 0]


def reader():
    while not stop.is_set():
        if good_answered(srv.port, ocsp_request(demo, nonce=True)):
            answered[0] += 1
        else:
            answered[1] += 1


threads = [threading.Thread(target=reader) for _ in range(2)]
for t in threads:
    t.start()

c = sqlite3.connect(db, timeout=10, isolation_level=None)
c.execute("CREATE TABLE IF NOT EXISTS wal_test_filler (id INTEGER PRIMARY KEY, b BLOB)")
blob = os.urandom(256 * 1024)
sizes, written, certctl_writes = [], 0, 0
t0 = time.time()
for i in range(ROUNDS):
    c.execute("BEGIN IMMEDIATE")
    for _ in range(4):
        c.execute("INSERT INTO wal_test_filler (b) VALUES (?)", (blob,))
    c.execute("DELETE FROM wal_test_filler WHERE id <= (SELECT max(id) - 8 FROM wal_test_filler)")
    c.execute("COMMIT")
    written += 4 * len(blob)
    if i % 4 == 0:
        r = subprocess.run([CERTCTL, "-c", conf, "resident", "add", "W%04d" % i, "--name", "Wal",
                            "--address", "Inagi", "--birth-date", "1990-01-01", "--sex", "male"],
                           capture_output=True)
        certctl_writes += r.returncode == 0
    sizes.append(os.path.getsize(wal) if os.path.exists(wal) else 0)
stop.set()
for t in threads:
    t.join(10)
busy, log, ckpt = c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
c.close()
MB = 1024 * 1024
ok("%d rounds in %.1f s: %.0f MB committed, %d certctl writes, %d nonce answers (%d failed)" %
   (ROUNDS, time.time() - t0, written / MB, certctl_writes, answered[0], answered[1]))
check(max(sizes) < 10 * MB, "WAL bounded: at most %.1f MB (last %.1f MB) for %.0f MB committed" %
      (max(sizes) / MB, sizes[-1] / MB, written / MB))
check(busy == 0 and log == ckpt, "a passive checkpoint completes: %d of %d frames" % (ckpt, log))
check(answered[1] == 0 and answered[0] > 0, "every read answered")
check(srv.alive() and srv.stop() == 0, "server stopped cleanly")
finish()
