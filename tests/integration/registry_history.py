# SPDX-License-Identifier: ISC
"""registry_history.py: a registry whose history goes back or is replaced
never makes the responder say "good" for a revoked certificate.

Cases (each followed by a revocation, which must be answered revoked on
every path, POST and GET without a nonce and POST with one, within 1 s):
  - live restore in place: sqlite3 .backup, revoke A, .restore, revoke G;
  - offline restore: the server stopped during the restore, then revoke;
  - the registry file replaced by a copy of an older backup (another inode);
  - a store left over from another registry (another registry_id): nothing
    of it is served.
Throughout, every answer the server gives is compared with the registry
(certctl show): zero wrong answers."""
import base64
import json
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
serials = {}
for line in open(os.path.join(demo, "certs", "index.tsv")):
    f = line.rstrip("\n").split("\t")
    serials[f[0]] = f[1]
WRONG = []


def certctl(*args):
    r = subprocess.run([CERTCTL, "-c", conf] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("certctl %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def registry_status(name):
    """What the registry says of the certificate now: good or revoked."""
    out = json.loads(certctl("--json", "show", serials[name]))
    st = out.get("status") or out.get("certificate", {}).get("status")
    return "good" if st == "good" else "revoked"


def answers(port, name):
    """(POST, GET, nonce POST) statuses for one certificate."""
    req = ocsp_request(demo, name)
    got = []
    code, body = http_post(port, "/ocsp", req)
    got.append(ocsp_answer(body)[1] if code == 200 else "http%d" % code)
    path = "/" + base64.b64encode(req).decode()
    code, body = http_get(port, path.replace("+", "%2B").replace("/", "%2F").replace("%2F", "/", 1))
    got.append(ocsp_answer(body)[1] if code == 200 else "http%d" % code)
    code, body = http_post(port, "/ocsp", ocsp_request(demo, name, nonce=True))
    got.append(ocsp_answer(body)[1] if code == 200 else "http%d" % code)
    return got


def until_revoked(port, name, secs=5):
    """Seconds until every path answers revoked (a commit is seen within
    poll-interval-ms), then 1 s more of asking: any answer that is not
    revoked after that point counts as wrong."""
    t0 = time.time()
    t = None
    while time.time() - t0 < secs:
        if all(g == "revoked" for g in answers(port, name)):
            t = time.time() - t0
            break
        time.sleep(0.02)
    if t is None:
        return None, 0
    wrong = 0
    end = time.time() + 1
    while time.time() < end:
        wrong += sum(1 for g in answers(port, name) if g != "revoked")
    return t, wrong


def sweep_all(port, label):
    """Every demo certificate answered as the registry says now."""
    bad = []
    for name in serials:
        if name == "never-issued.pem":
            continue
        want = registry_status(name)
        got = answers(port, name)
        if any(g != want for g in got):
            bad.append("%s: registry %s, answered %s" % (name, want, got))
    WRONG.extend(bad)
    check(not bad, "%s: every certificate answered as the registry says%s" %
          (label, "" if not bad else ": " + "; ".join(bad[:3])))


def sqlite(*cmds):
    subprocess.run(["sqlite3", db] + list(cmds), check=True)


# --- live restore in place ---------------------------------------------------
srv = Server(demo, "poll-interval-ms 100")
sweep_all(srv.port, "start")
backup = os.path.join(work, "b.db")
sqlite(".backup " + backup)
certctl("revoke", serials["good-sign.pem"], "--reason", "keyCompromise")
t, wrong = until_revoked(srv.port, "good-sign.pem")
check(t is not None and t < 1.0, "revoke A before the restore: revoked on every path in %s s" % t)
sqlite(".restore " + backup)
certctl("revoke", serials["good-auth.pem"], "--reason", "keyCompromise")
t, wrong = until_revoked(srv.port, "good-auth.pem")
check(t is not None and t < 1.0 and wrong == 0,
      "live restore, then revoke G: revoked on POST, GET and nonce in %s s, %d wrong answers" % (
          None if t is None else round(t, 3), wrong))
time.sleep(0.3)
sweep_all(srv.port, "after the live restore")
log = srv.log_text()
check("registry history changed" in log, "the server logged the history change")
code, body = http_get(srv.port, "/healthz")
check(code == 200, "/healthz after the restore: %d %s" % (code, body.decode().strip()))
code, body = http_get(srv.port, "/metrics")
check(b"certstatus_registry_history_breaks_total 1" in body or
      b"certstatus_registry_history_breaks_total 2" in body,
      "/metrics counts the history break")

# --- offline restore ----------------------------------------------------------
sqlite(".backup " + backup)
certctl("revoke", serials["holder-keeps-sign.pem"], "--reason", "keyCompromise")
t, wrong = until_revoked(srv.port, "holder-keeps-sign.pem")
check(t is not None, "revoke before the offline restore seen")
check(srv.stop() == 0, "server stopped")
sqlite(".restore " + backup)
certctl("revoke", serials["replacement-sign.pem"], "--reason", "keyCompromise")
srv = Server(demo)
got = answers(srv.port, "replacement-sign.pem")
check(got == ["revoked"] * 3, "offline restore, then revoke: first answers %s" % got)
sweep_all(srv.port, "after the offline restore")

# --- the file replaced by an older copy (another inode) ----------------------
sqlite(".backup " + backup)
certctl("revoke", serials["moved-auth.pem"], "--reason", "keyCompromise")
until_revoked(srv.port, "moved-auth.pem")
tmp = db + ".new"
shutil.copyfile(backup, tmp)
os.rename(tmp, db)
time.sleep(0.5)
certctl("revoke", serials["child-auth.pem"], "--reason", "keyCompromise")
t, wrong = until_revoked(srv.port, "child-auth.pem")
check(t is not None and t < 1.5 and wrong == 0,
      "file replaced by an older copy, then revoke: revoked in %s s, %d wrong" % (t, wrong))
sweep_all(srv.port, "after the file was replaced")

# --- a store from another registry ---------------------------------------------
check(srv.stop() == 0, "server stopped")
other = make_demo(os.path.join(work, "other"))
store = [l.split()[1] for l in open(conf) if l.startswith("response-cache")]
store = os.path.join(demo, store[0]) if store else os.path.join(demo, "responses.db")
if os.path.exists(store):
    # the other registry's server would have written its own mark: fake a
    # store bound to the other registry by rewriting the mark's id
    oid = sqlite3.connect(os.path.join(other, "certstatus.db")).execute(
        "SELECT registry_id FROM registry_state").fetchone()[0]
    c = sqlite3.connect(store)
    row = c.execute("SELECT v FROM meta WHERE k = 'mark'").fetchone()
    check(row is not None, "the store carries its registry mark: %s" % (row,))
    if row:
        c.execute("UPDATE meta SET v = ? WHERE k = 'mark'", (oid + row[0][row[0].index("|"):],))
        c.commit()
    c.close()
    srv = Server(demo)
    sweep_all(srv.port, "store bound to another registry")
    check("another registry" in srv.log_text(), "the server logged another registry")
else:
    check(False, "no response store found at %s" % store)

# --- a schema upgrade under a running server is no history break --------------
check(srv.stop() == 0, "server stopped")
old = copy_registry(os.path.join(work, "old"))
oconf = os.path.join(old, "certstatus.conf")
srv = Server(old, "poll-interval-ms 100")
code, body = http_post(srv.port, "/ocsp", ocsp_request(old))
before = ocsp_answer(body) if code == 200 else code
r = subprocess.run([CERTCTL, "-c", oconf, "init"], capture_output=True, text=True)
check(r.returncode == 0, "certctl init upgrades the old registry: %s" % (r.stdout + r.stderr).strip())
time.sleep(0.5)
code, body = http_post(srv.port, "/ocsp", ocsp_request(old))
after = ocsp_answer(body) if code == 200 else code
check(before == after == ("successful", "good"), "answers across the upgrade: %s, %s" % (before, after))
check("registry history changed" not in srv.log_text(), "an upgrade is not taken for a restore")

check(not WRONG, "zero wrong answers in all cases")
finish()
