#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""gen_registry.py: synthetic certificate rows for the benchmark.

  gen_registry.py REGISTRY.db ISSUER N [SERIALS.txt]

Adds N certificates of issuer ISSUER (an issuer of the demo: its real CA and
signer) in one transaction: random 16-octet serials, der NULL (allowed for
bulk test data), about 10% revoked with a reason mix, change_seq set and the
registry's change counter moved past them.  With SERIALS.txt, every new
serial (hex) one a line.  Prints "rows=N revoked=R seconds=S".
"""
import os
import random
import sqlite3
import sys
import time

REASONS = [0, 1, 3, 4, 5, 3]


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    t0 = time.monotonic()
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")
    n = int(sys.argv[3])
    issuer, = db.execute("SELECT id FROM issuers WHERE name = ?",
        (sys.argv[2],)).fetchone()
    seq0, = db.execute("SELECT change_seq FROM registry_state").fetchone()
    now = int(time.time())
    rnd = random.Random(20240401)
    ser = open(sys.argv[4], "w") if len(sys.argv) > 4 else None
    revoked = 0

    def rows():
        nonlocal revoked
        for i in range(n):
            b = bytearray(os.urandom(16))
            b[0] = (b[0] & 0x3F) | 0x40     # positive, no leading zero
            serial = bytes(b)
            if ser is not None:
                ser.write(serial.hex().upper() + "\n")
            nb = now - rnd.randrange(3 * 365 * 86400)
            na = nb + 5 * 365 * 86400
            if i % 10 == 0:
                revoked += 1
                yield (issuer, serial, "auth" if i & 1 else "sign", nb, na,
                    "revoked", nb + rnd.randrange(86400, 365 * 86400),
                    REASONS[(i // 10) % len(REASONS)] or None,
                    seq0 + i + 1, nb)
            else:
                yield (issuer, serial, "auth" if i & 1 else "sign", nb, na,
                    "good", None, None, seq0 + i + 1, nb)

    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO certificates (issuer_id, serial, kind, "
        "not_before, not_after, status, revoked_at, reason, change_seq, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
    db.execute("UPDATE registry_state SET change_seq = ?", (seq0 + n,))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    if ser is not None:
        ser.close()
    print("rows=%d revoked=%d seconds=%.1f" % (n, revoked,
        time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
