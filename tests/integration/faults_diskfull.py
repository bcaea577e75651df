# SPDX-License-Identifier: ISC
"""faults_diskfull.py: the disk fills up during certctl writes (a small
tmpfs; skipped with a message where mount is not permitted).  The failing
command says so clearly and changes nothing (counts and audit as before,
audit verify intact); the running server keeps answering; once space is
back, writes succeed again."""
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403

work = workdir()
mnt = os.path.join(work, "mnt")
os.mkdir(mnt)
r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt], capture_output=True)
if r.returncode != 0:
    print("SKIP: cannot mount a tmpfs here (%s): disk-full test not run" %
          r.stderr.decode().strip())
    sys.exit(0)
import atexit  # noqa: E402
atexit.register(lambda: subprocess.run(["umount", "-l", mnt]))  # after the server stops

demo = make_demo(os.path.join(mnt, "demo"))
conf = os.path.join(demo, "certstatus.conf")
db = os.path.join(demo, "certstatus.db")
# the server's own response store lives on the tmpfs too: it must survive
srv = Server(demo)
good = ocsp_request(demo)


def state():
    c = sqlite3.connect(db, timeout=10)
    try:
        q = lambda sql: c.execute(sql).fetchall()
        return (q("SELECT count(*) FROM residents")[0][0], q("SELECT count(*) FROM cards")[0][0],
                tuple(q("SELECT status, count(*) FROM certificates GROUP BY status ORDER BY 1")),
                q("SELECT change_seq FROM registry_state")[0][0],
                q("SELECT count(*), max(id) FROM audit")[0])
    finally:
        c.close()


def certctl(*args):
    return subprocess.run([CERTCTL, "-c", conf, "--operator", "diskfull"] + list(args),
                          capture_output=True)


filler = os.path.join(mnt, "filler")
# Unbuffered: a buffered file keeps the tail of the last, partial write and
# fails again on close, depending on how the free space happens to align.
with open(filler, "wb", buffering=0) as f:  # fill the disk, then free 48 KB
    try:
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    except OSError:
        pass
os.truncate(filler, max(0, os.path.getsize(filler) - 48 * 1024))

failed = None
for i in range(400):
    before = state()
    r = certctl("resident", "add", "F%04d" % i, "--name", "Full Disk %d" % i,
                "--address", "Inagi " + "x" * 200, "--birth-date", "1990-02-03", "--sex", "male")
    if r.returncode != 0:
        failed = (i, r, before)
        break
check(failed is not None, "a write failed once the disk was full (after %d writes)" %
      (failed[0] if failed else -1))
if failed:
    i, r, before = failed
    msg = (r.stdout + r.stderr).decode(errors="replace").strip()
    check(r.returncode == 1 and ("full" in msg.lower() or "space" in msg.lower()),
          "the error is clear (exit %d): %s" % (r.returncode, msg))
    check(state() == before, "nothing partial: counts, change number and audit as before")
    v = certctl("--json", "audit", "verify")
    check(v.returncode == 0 and b'"intact"' in v.stdout, "audit verify intact on a full disk")
    r2 = certctl("revoke", [l.split("\t")[1] for l in open(os.path.join(demo, "certs", "index.tsv"))
                            if l.startswith("good-auth.pem")][0], "--reason", "keyCompromise")
    check(r2.returncode != 0 and state() == before, "a revocation on the full disk fails "
          "whole too: %s" % (r2.stdout + r2.stderr).decode().strip())
check(srv.alive() and good_answered(srv.port, good), "server answering on the full disk")
os.unlink(filler)
before = state()
r = certctl("resident", "add", "F9999", "--name", "After", "--address", "Inagi",
            "--birth-date", "1990-02-03", "--sex", "male")
check(r.returncode == 0 and state()[0] == before[0] + 1, "space back: writes succeed again")
v = certctl("--json", "audit", "verify")
check(v.returncode == 0 and b'"intact"' in v.stdout, "audit verify intact at the end")
check(srv.alive() and good_answered(srv.port, good), "server answering at the end")
check(srv.stop() == 0, "server stopped cleanly")
finish()
