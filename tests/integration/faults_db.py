# SPDX-License-Identifier: ISC
"""faults_db.py: the registry file moved away, replaced, truncated or
corrupted under a running server.  Each is detected within a few poll
intervals: OCSP answers internalError or tryLater (never a stale good),
/healthz 503, a log line; and the server recovers when a good database is
back."""
import os
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403

work = workdir()
demo = make_demo(os.path.join(work, "demo"))
conf = os.path.join(demo, "certstatus.conf")
db = os.path.join(demo, "certstatus.db")
srv = Server(demo, "poll-interval-ms 100")
import base64  # noqa: E402
plain = ocsp_request(demo)
get_path = "/ocsp/" + base64.b64encode(plain).decode()
DEADLINE = 5


def answers():
    """(pre-signed GET answer, nonce POST answer, /healthz code)."""
    code, body = http_get(srv.port, get_path)
    g = ocsp_answer(body) if code == 200 else ("http%d" % code, None)
    code, body = http_post(srv.port, "/ocsp", ocsp_request(demo, nonce=True))
    p = ocsp_answer(body) if code == 200 else ("http%d" % code, None)
    return g, p, http_get(srv.port, "/healthz")[0]


def wait_for(pred, secs=DEADLINE):
    end = time.time() + secs
    last = None
    while time.time() < end:
        last = answers()
        if pred(last):
            return True, last
        time.sleep(0.05)
    return False, last


def failing(a):
    g, p, h = a
    return g[0] in ("internalError", "tryLater") and p[0] in ("internalError", "tryLater") and h == 503


def healthy(a, want="good"):
    g, p, h = a
    return g == ("successful", want) and p == ("successful", want) and h == 200


def backup(dst):
    s, d = sqlite3.connect(db), sqlite3.connect(dst)
    s.backup(d)
    s.close()
    d.close()


def no_stale_good_meanwhile(secs=1.0):
    """After detection, keep asking: never a good answer."""
    end = time.time() + secs
    while time.time() < end:
        g, p, h = answers()
        if g[1] == "good" or p[1] == "good" or h == 200:
            return False
    return True


def scenario(name, damage, restore):
    log_before = len(srv.log_text())
    damage()
    okd, last = wait_for(failing)
    check(okd, "%s: detected: GET %s, POST %s, /healthz %s" % (name, last[0][0], last[1][0], last[2]))
    if okd:
        check(no_stale_good_meanwhile(), "%s: no good answer while the registry is bad" % name)
    logged = srv.log_text()[log_before:].strip().splitlines()
    check(any("registry" in l for l in logged), "%s: logged: %s" % (name, logged[:1]))
    restore()
    okr, last = wait_for(healthy)
    check(okr, "%s: recovered: GET %s, POST %s, /healthz %s" % (name, last[0], last[1], last[2]))
    check(srv.alive(), "%s: server alive" % name)


ok0, _ = wait_for(healthy, 10)
check(ok0, "baseline: good answers, /healthz 200")
good_copy = os.path.join(work, "good.db")
backup(good_copy)

# moved away and back (same file)
scenario("moved away",
         lambda: os.rename(db, db + ".away"),
         lambda: os.rename(db + ".away", db))

# truncated to 0 bytes in place; a good copy renamed in
def truncate():
    with open(db, "r+b") as f:
        f.truncate(0)


def put_back():
    shutil.copy(good_copy, db + ".new")
    os.rename(db + ".new", db)


scenario("truncated", truncate, put_back)

# corrupted in place: every page overwritten
def corrupt():
    n = os.path.getsize(db)
    with open(db, "r+b") as f:
        f.write(os.urandom(n))


scenario("corrupted (whole file)", corrupt, put_back)

# corrupted header only (the SQLite magic)
def corrupt_header():
    with open(db, "r+b") as f:
        f.write(b"this is not sqlite")


scenario("corrupted header", corrupt_header, put_back)

# replaced by a newer good registry in which the certificate is revoked:
# answered from the new file at once, not from the old one
newer = os.path.join(work, "newer")
os.mkdir(newer)
shutil.copy(conf, newer)
os.symlink(os.path.join(demo, "keys"), os.path.join(newer, "keys"))
backup(os.path.join(newer, "certstatus.db"))
serial = [l.split("\t")[1] for l in open(os.path.join(demo, "certs", "index.tsv"))
          if l.startswith("good-sign.pem")][0]
r = subprocess.run([CERTCTL, "-c", os.path.join(newer, "certstatus.conf"), "revoke", serial,
                    "--reason", "keyCompromise"], capture_output=True)
check(r.returncode == 0, "revoked in the newer copy")
con = sqlite3.connect(os.path.join(newer, "certstatus.db"))
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
con.close()
os.rename(os.path.join(newer, "certstatus.db"), db)
okn, last = wait_for(lambda a: healthy(a, "revoked"))
check(okn, "replaced by a newer registry: GET %s, POST %s, /healthz %s" % last)
check(srv.stop() == 0, "server stopped cleanly")
finish()
