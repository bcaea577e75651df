#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""export_index.py: the registry as an `openssl ca` database (index.txt).

  export_index.py REGISTRY.db ISSUER OUTDIR [SERIALS.txt]

Writes OUTDIR/index.txt (V/R lines: expiry, revocation time[,reason],
serial hex), index.txt.attr and, with SERIALS.txt, every serial (hex) one a
line, for building requests.  Holds are written as certificateHold with
holdInstructionReject (openssl ca wants an instruction with a hold).
"""
import sqlite3
import sys
import time

REASONS = {1: "keyCompromise", 2: "CACompromise", 3: "affiliationChanged",
    4: "superseded", 5: "cessationOfOperation", 6: "certificateHold",
    8: "removeFromCRL", 9: "privilegeWithdrawn", 10: "AACompromise"}


def asn1_time(t):
    # UTCTime up to 2049, GeneralizedTime after (as openssl ca writes them)
    tm = time.gmtime(t)
    if tm.tm_year < 2050:
        return time.strftime("%y%m%d%H%M%SZ", tm)
    return time.strftime("%Y%m%d%H%M%SZ", tm)


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
    out = sys.argv[3]
    ser = open(sys.argv[4], "w") if len(sys.argv) > 4 else None
    q = ("SELECT c.serial, c.not_after, c.status, c.revoked_at, c.reason "
         "FROM certificates c JOIN issuers i ON i.id = c.issuer_id "
         "WHERE i.name = ? ORDER BY c.id")
    n = 0
    with open(out + "/index.txt", "w") as f:
        for serial, not_after, status, revoked_at, reason in db.execute(
                q, (sys.argv[2],)):
            hexs = serial.hex().upper() or "00"
            if ser is not None:
                ser.write(hexs + "\n")
            exp = asn1_time(not_after)
            if status == "good":
                f.write("V\t%s\t\t%s\tunknown\t/CN=x\n" % (exp, hexs))
            else:
                rev = asn1_time(revoked_at or 0)
                if status == "hold":
                    rev += ",certificateHold,holdInstructionReject"
                elif reason in REASONS:
                    rev += "," + REASONS[reason]
                f.write("R\t%s\t%s\t%s\tunknown\t/CN=x\n" % (exp, rev, hexs))
            n += 1
    with open(out + "/index.txt.attr", "w") as f:
        f.write("unique_subject = no\n")
    if ser is not None:
        ser.close()
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
