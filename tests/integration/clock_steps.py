# SPDX-License-Identifier: ISC
"""clock_steps.py: wall-clock steps never produce answers dated in the
future or past their nextUpdate, and /healthz tells only what is wrong.

The server runs under libfaketime with its wall clock read from a file
(the monotonic clock stays real), so the test steps it while it runs:
  - back: started 2 days ahead (a host booted with a wrong clock), then
    corrected; and the same across a restart (the store is on disk);
  - forward: 2 days ahead while running.
Every answer (POST and GET, no nonce) is checked against the server's own
clock at that moment: thisUpdate <= now < nextUpdate, and `openssl ocsp`
verifies it without "not yet valid" or "expired"."""
import base64
import datetime
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_harden import *  # noqa: E402,F401,F403
from cryptography.x509 import ocsp as xocsp  # noqa: E402

LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
if not os.path.exists(LIB):
    check(False, "libfaketime missing (Debian package faketime)")
    finish()

work = workdir()
demo = make_demo(os.path.join(work, "demo"))
clockfile = os.path.join(work, "clock")
DAY = 86400


def set_offset(days):
    with open(clockfile + ".tmp", "w") as f:
        f.write("%+dd\n" % days if days else "+0\n")
    os.rename(clockfile + ".tmp", clockfile)


def server_env():
    env = dict(os.environ)
    env.update(LD_PRELOAD=LIB, FAKETIME_TIMESTAMP_FILE=clockfile,
               FAKETIME_NO_CACHE="1", FAKETIME_DONT_FAKE_MONOTONIC="1",
               FAKETIME_DONT_RESET="1", NO_FAKE_STAT="1")
    # the sanitizer build: ASan wants to be first, libfaketime must be there
    opts = env.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "verify_asan_link_order=0"
    return env


def start():
    old = dict(os.environ)
    os.environ.update(server_env())
    try:
        # Server() passes os.environ to the process: faked for it alone
        return Server(demo, "poll-interval-ms 100")
    finally:
        os.environ.clear()
        os.environ.update(old)


def answer_times(port):
    """[(thisUpdate, nextUpdate)] of the POST and the GET answer."""
    req = ocsp_request(demo)
    out = []
    code, body = http_post(port, "/ocsp", req)
    bodies = [body if code == 200 else None]
    code, body = http_get(port, "/" + base64.b64encode(req).decode().replace("/", "%2F"))
    bodies.append(body if code == 200 else None)
    for b in bodies:
        if b is None:
            out.append(None)
            continue
        r = xocsp.load_der_ocsp_response(b)
        utc = datetime.timezone.utc
        out.append((r.this_update.replace(tzinfo=utc).timestamp(),
                    r.next_update.replace(tzinfo=utc).timestamp()))
    return out


def bad_answers(port, offset_days, secs):
    """Ask for secs seconds; answers outside thisUpdate <= now < nextUpdate
    for the server's clock (real + offset).  Returns (bad, asked)."""
    bad, asked = [], 0
    end = time.time() + secs
    while time.time() < end:
        t0 = time.time() + offset_days * DAY
        times = answer_times(port)
        t1 = time.time() + offset_days * DAY
        for t in times:
            asked += 1
            if t is None or not (t[0] <= t1 + 1 and t0 - 1 < t[1]):
                bad.append(t)
        time.sleep(0.05)
    return bad, asked


def openssl_verifies(port):
    r = subprocess.run(["openssl", "ocsp", "-issuer", os.path.join(demo, "issuer.pem"),
                        "-cert", os.path.join(demo, "certs", "good-sign.pem"),
                        "-url", "http://127.0.0.1:%d/ocsp" % port, "-no_nonce",
                        "-CAfile", os.path.join(demo, "issuer.pem")],
                       capture_output=True, text=True, timeout=10)
    text = r.stdout + r.stderr
    return r.returncode == 0 and ": good" in text and "not yet valid" not in text, text.strip()


def healthz_all_ok(port, secs):
    bad = []
    end = time.time() + secs
    while time.time() < end:
        code, body = http_get(port, "/healthz")
        if code != 200:
            bad.append(body.decode().strip())
        time.sleep(0.1)
    return bad


def metric(port, name):
    code, body = http_get(port, "/metrics")
    m = re.search(r"^%s (\S+)$" % re.escape(name), body.decode(), re.M)
    return float(m.group(1)) if m else None


def resigned_after_step(port, passes_before, secs=10):
    """Seconds until the step is seen and a pass after it has finished."""
    t0 = time.time()
    while time.time() - t0 < secs:
        if (metric(port, "certstatus_clock_steps_total") or 0) >= 1 and \
                (metric(port, "certstatus_presign_passes_total") or 0) > passes_before:
            return time.time() - t0
        time.sleep(0.02)
    return None


def during(measure, sample):
    """Run sample() in a thread while measure() runs here: both results."""
    import threading
    box = []
    th = threading.Thread(target=lambda: box.append(sample()))
    th.start()
    r = measure()
    th.join()
    return r, box[0]


# --- back: started 2 days ahead, corrected while running ----------------------
set_offset(2)
srv = start()
until = time.time() + 10
while time.time() < until and not (metric(srv.port, "certstatus_presign_passes_total") or 0):
    time.sleep(0.05)
bad, n = bad_answers(srv.port, 2, 1)
check(not bad, "2 days ahead: %d answers dated for the server's clock" % n)
passes = metric(srv.port, "certstatus_presign_passes_total")
set_offset(0)
t, (bad, n) = during(lambda: resigned_after_step(srv.port, passes),
                     lambda: bad_answers(srv.port, 0, 2))
check(not bad, "clock stepped back 2 days: 0 of %d answers dated in the future (%s)" % (
    n, bad[:2]))
check(t is not None and t < 3, "clock stepped back: step seen and the store re-signed in %s s" % (
    None if t is None else round(t, 3)))
ok_, text = openssl_verifies(srv.port)
check(ok_, "openssl ocsp after the step back: %s" % text.splitlines()[-1:])
hz = healthz_all_ok(srv.port, 1)
check(not hz, "/healthz 200 after the step back %s" % hz[:1])
check("wall clock stepped" in srv.log_text(), "the step is logged")

# --- back across a restart: the store on disk was signed 2 days ahead ---------
check(srv.stop() == 0, "stopped")
set_offset(2)
srv = start()
until = time.time() + 10
while time.time() < until and not (metric(srv.port, "certstatus_presign_passes_total") or 0):
    time.sleep(0.05)
check(srv.stop() == 0, "stopped after signing 2 days ahead")
set_offset(0)
srv = start()
bad, n = bad_answers(srv.port, 0, 1)
check(not bad, "restarted with the clock corrected: 0 of %d answers dated in the future" % n)
ok_, text = openssl_verifies(srv.port)
check(ok_, "openssl ocsp after the restart: %s" % text.splitlines()[-1:])

# --- forward: 2 days ahead while running --------------------------------------
passes = metric(srv.port, "certstatus_presign_passes_total")
set_offset(2)
t, (bad, n) = during(lambda: resigned_after_step(srv.port, passes),
                     lambda: bad_answers(srv.port, 2, 2))
check(not bad, "clock stepped forward 2 days: 0 of %d answers past nextUpdate (%s)" % (n, bad[:2]))
check(t is not None and t < 3, "clock stepped forward: step seen and the store re-signed in %s s" % (
    None if t is None else round(t, 3)))
hz = healthz_all_ok(srv.port, 1.5)
check(not hz, "/healthz 200 after the step forward %s" % hz[:1])
check(srv.stop() == 0, "stopped")
finish()
