# SPDX-License-Identifier: ISC
"""faults_workers.py: signer workers are supervised.

  - a worker killed while clients' jobs are queued on it: the jobs go to the
    other worker (no internalError), and a replacement is alive at once;
  - every worker killed: replaced, nonce requests answered again at once;
  - a worker stopped (SIGSTOP) while it holds jobs, then two SIGHUPs one
    second apart: the event loop never stops answering (/healthz), the
    stopped worker is killed and reaped, no zombie is left;
  - SIGTERM with a stopped worker holding a job: the server exits within a
    bound, with status 0, and the worker is gone.
Every answer is checked: successful and "good" for a good certificate, or
tryLater; never internalError, never a wrong status."""
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403

work = workdir()
demo = make_demo(os.path.join(work, "demo"))
srv = Server(demo, "workers 2")


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def zombies(pid):
    return [c for c in children(pid) if state(c) == "Z"]


def workers_alive(port):
    try:
        code, body = http_get(port, "/healthz", timeout=2)
    except OSError:
        return None
    text = body.decode(errors="replace")
    return code, text


class Load:
    """Clients sending nonce requests until stopped; tallies every answer."""

    def __init__(self, port, threads=6):
        self.port = port
        self.stop = False
        self.tally = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def run(self):
        while not self.stop:
            try:
                code, body = http_post(self.port, "/ocsp",
                                       ocsp_request(demo, nonce=True), timeout=8)
                if code == 200:
                    st, cert = ocsp_answer(body)
                    key = st if st != "successful" else "successful/" + str(cert)
                else:
                    key = "http%d" % code
            except Exception as e:  # noqa: BLE001
                key = "error:" + type(e).__name__
            with self.lock:
                self.tally[key] = self.tally.get(key, 0) + 1

    def end(self):
        self.stop = True
        for t in self.threads:
            t.join()
        return self.tally


def wrong(tally):
    return sum(n for k, n in tally.items() if k not in ("successful/good", "tryLater"))


def until(cond, secs):
    t0 = time.time()
    while time.time() - t0 < secs:
        if cond():
            return time.time() - t0
        time.sleep(0.01)
    return None


def full_pool():
    r = workers_alive(srv.port)
    return r is not None and r[0] == 200 and "2 of 2" in r[1]


check(full_pool(), "start: /healthz says 2 of 2 workers alive")

# --- one worker killed under load ----------------------------------------------
load = Load(srv.port)
time.sleep(1)
victim = children(srv.pid)[0]
os.kill(victim, signal.SIGKILL)
t_kill = time.time()
t_back = until(lambda: full_pool() and victim not in children(srv.pid), 5)
time.sleep(1)
tally = load.end()
check(t_back is not None and t_back < 1.0,
      "worker killed under load: replaced in %s s" % (None if t_back is None else round(t_back, 3)))
check(wrong(tally) == 0 and tally.get("tryLater", 0) == 0,
      "worker killed under load: answers %s (0 wrong, 0 tryLater)" % tally)
check(not zombies(srv.pid), "no zombie left after the kill")

# --- every worker killed ----------------------------------------------------------
load = Load(srv.port)
time.sleep(0.5)
for c in children(srv.pid):
    os.kill(c, signal.SIGKILL)
t0 = time.time()
t_ok = until(lambda: good_answered(srv.port, ocsp_request(demo, nonce=True), timeout=2), 5)
time.sleep(0.5)
tally = load.end()
check(wrong(tally) == 0, "all workers killed under load: answers %s (tryLater while none "
      "is alive, never internalError or a wrong status)" % tally)
check(t_ok is not None and t_ok < 1.0,
      "all workers killed: nonce requests answered again after %s s" % (
          None if t_ok is None else round(t_ok, 3)))
check(until(full_pool, 3) is not None, "all workers killed: 2 of 2 alive again")

# --- a stopped worker holding jobs, then two SIGHUPs -----------------------------
stuck = children(srv.pid)[0]
os.kill(stuck, signal.SIGSTOP)
load = Load(srv.port, threads=4)
time.sleep(0.3)
lat = []
done = threading.Event()


def probe():
    while not done.is_set():
        t = time.time()
        try:
            http_get(srv.port, "/healthz", timeout=5)
            lat.append(time.time() - t)
        except OSError:
            lat.append(99)
        time.sleep(0.05)


pt = threading.Thread(target=probe)
pt.start()
os.kill(srv.pid, signal.SIGHUP)
time.sleep(1)
os.kill(srv.pid, signal.SIGHUP)
time.sleep(3)
done.set()
pt.join()
tally = load.end()
check(lat and max(lat) < 0.5,
      "SIGSTOP + two SIGHUPs: /healthz answered throughout, slowest %.3f s of %d" % (
          max(lat) if lat else -1, len(lat)))
check(wrong(tally) == 0, "SIGSTOP + two SIGHUPs: answers %s (0 wrong)" % tally)
t_gone = until(lambda: state(stuck) is None, 5)
check(t_gone is not None, "the stopped worker was killed and reaped (%s s later)" % t_gone)
check(not zombies(srv.pid), "no zombie left")
check(until(full_pool, 3) is not None, "2 of 2 alive after the reloads")

# --- SIGTERM with a stuck worker ------------------------------------------------
stuck = children(srv.pid)[0]
os.kill(stuck, signal.SIGSTOP)
load = Load(srv.port, threads=2)
time.sleep(0.5)
t0 = time.time()
os.kill(srv.pid, signal.SIGTERM)
try:
    rc = srv.proc.wait(15)
except subprocess.TimeoutExpired:
    rc = None
took = time.time() - t0
tally = load.end()
check(rc == 0 and took < 6, "SIGTERM with a stopped worker: exit %s in %.2f s" % (rc, took))
check(state(stuck) is None, "the stopped worker is gone after the exit")
bad = {k: n for k, n in tally.items()
       if not (k in ("successful/good", "tryLater") or k.startswith("error:"))}
check(not bad, "SIGTERM: no wrong answer before the exit (connection errors once "
      "it stopped listening are expected): %s" % tally)
finish()
