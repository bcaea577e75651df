# SPDX-License-Identifier: ISC
"""faults_kill.py: certctl killed with SIGKILL at random points of its
writes (30 times in make check, 300 in check-long).  After each kill the
registry is as before or as after the command (residents, cards,
certificates by status, change number, audit records and last action),
`certctl audit verify` passes, and the running server keeps answering."""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403

KILLS = 300 if LONG else 30
work = workdir()
demo = make_demo(os.path.join(work, "demo"))
conf = os.path.join(demo, "certstatus.conf")
db = os.path.join(demo, "certstatus.db")
srv = Server(demo)
good = ocsp_request(demo)
keydir = os.path.join(work, "keys")
os.mkdir(keydir)
random.seed(int(os.environ.get("SEED", "0")) or None)


def state(path):
    c = sqlite3.connect(path, timeout=10)
    try:
        q = lambda sql: c.execute(sql).fetchall()
        return (q("SELECT count(*) FROM residents")[0][0],
                q("SELECT count(*) FROM cards")[0][0],
                tuple(q("SELECT status, count(*) FROM certificates GROUP BY status ORDER BY 1")),
                q("SELECT change_seq FROM registry_state")[0][0],
                q("SELECT count(*), max(id) FROM audit")[0],
                tuple(q("SELECT action, subject FROM audit ORDER BY id DESC LIMIT 1")))
    finally:
        c.close()


def snapshot(src, dst):
    """A consistent copy of the registry (SQLite backup API)."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(dst + suffix):
            os.unlink(dst + suffix)
    s, d = sqlite3.connect(src, timeout=10), sqlite3.connect(dst)
    s.backup(d)
    s.close()
    d.close()


def certctl(args, confpath=conf):
    return [CERTCTL, "-c", confpath, "--operator", "faults"] + args


def commands(i):
    """The i-th resident's life: each step one write transaction."""
    uid, card, card2 = "K%05d" % i, "MN-K%05d" % i, "MN-L%05d" % i
    pub = os.path.join(keydir, "k%d.pub" % i)
    return [
        ["resident", "add", uid, "--name", "Kill Test %d" % i, "--address", "Inagi 1-%d" % i,
         "--birth-date", "1980-01-01", "--sex", "female"],
        ["card", "add", "--resident", uid, "--number", card, "--type", "mynumber",
         "--expires", "2035-01-01", "--photo"],
        ["issue", "--card", card, "--kind", "sign", "--pubkey", pub],
        ["issue", "--card", card, "--kind", "auth", "--pubkey", pub],
        ["resident", "change", uid, "--address", "Inagi 2-%d" % i],
        ["card", "replace", card, "--number", card2, "--expires", "2036-01-01", "--photo"],
        ["card", "lost", card2],
        ["resident", "remove", uid],
    ]


def pubkey(i):
    pub = os.path.join(keydir, "k%d.pub" % i)
    if not os.path.exists(pub):
        subprocess.run("openssl ecparam -name prime256v1 -genkey -noout | "
                       "openssl ec -pubout -out %s 2>/dev/null" % pub, shell=True, check=True)


shadow = os.path.join(work, "shadow")
os.mkdir(shadow)
shutil.copy(conf, os.path.join(shadow, "certstatus.conf"))
for f in ("keys",):
    os.symlink(os.path.join(demo, f), os.path.join(shadow, f))
shadow_conf = os.path.join(shadow, "certstatus.conf")
shadow_db = os.path.join(shadow, "certstatus.db")

kills = before_kept = after_reached = 0
durations = []
i = 0
t_start = time.time()
while kills < KILLS and not FAILS:
    i += 1
    pubkey(i)
    for args in commands(i):
        if kills >= KILLS or FAILS:
            break
        # the state after: the same command, to completion, on a copy
        snapshot(db, shadow_db)
        before = state(db)
        t0 = time.time()
        r = subprocess.run(certctl(args, shadow_conf), capture_output=True)
        durations.append(time.time() - t0)
        if r.returncode != 0:
            fail("%s on the copy: %s" % (" ".join(args), r.stderr.decode().strip()))
            break
        after = state(shadow_db)
        # now for real, killed at a random point
        delay = random.uniform(0, max(durations[-20:]) * 1.1)
        p = subprocess.Popen(certctl(args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        kills += 1
        now = state(db)
        if now == before:
            before_kept += 1
            # not done: run it to completion so the life goes on
            r = subprocess.run(certctl(args), capture_output=True)
            if r.returncode != 0 or state(db)[:5] != after[:5]:
                fail("rerun of %s after a kill: %s" % (" ".join(args), r.stderr.decode().strip()))
        elif now[:5] == after[:5] and now[5][0][0] == after[5][0][0]:  # serials are random
            after_reached += 1
        else:
            fail("after SIGKILL at %.1f ms of %s: state %r is neither before %r nor after %r" %
                 (delay * 1000, " ".join(args), now, before, after))
        v = subprocess.run(certctl(["audit", "verify"]), capture_output=True)
        if v.returncode != 0:
            fail("audit verify after killing %s: %s" % (" ".join(args), v.stdout.decode()))
        if kills % 10 == 0 and not good_answered(srv.port, good):
            fail("server did not answer after %d kills" % kills)

check(not FAILS, "%d kills (%d left the registry as before, %d as after), median command "
      "%.1f ms, %.1f s" % (kills, before_kept, after_reached,
                           sorted(durations)[len(durations) // 2] * 1000, time.time() - t_start))
check(before_kept > 0 and after_reached > 0, "kills landed both before and after the commit")
v = subprocess.run(certctl(["--json", "audit", "verify"]), capture_output=True)
check(v.returncode == 0 and b'"intact"' in v.stdout, "audit verify: intact")
check(srv.alive() and good_answered(srv.port, good), "server answering at the end")
check(srv.stop() == 0, "server stopped cleanly")
finish()
