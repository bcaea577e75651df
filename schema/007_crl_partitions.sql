-- SPDX-License-Identifier: ISC
-- 007_crl_partitions.sql: partitioned CRLs (crl-partitions N).
-- certificates.crl_partition: the partition k (0..1023) whose CRL,
-- /crl/<issuer>-<k>.crl, the certificate's cRLDistributionPoints names; fixed
-- at issuance, so changing crl-partitions later moves no certificate.  NULL:
-- the unpartitioned /crl/<issuer>.crl (every certificate issued before this
-- version or with crl-partitions 1).
ALTER TABLE certificates ADD COLUMN crl_partition INTEGER
	CHECK (crl_partition BETWEEN 0 AND 1023);
-- The partition CRLs stream from this index, one partition after another.
CREATE INDEX certs_revoked_part ON certificates(issuer_id, crl_partition,
	serial, status, revoked_at, reason, not_after) WHERE status != 'good';
-- The largest crl-partitions any certificate of an issuer was issued under
-- (no row: none), so that every partition a certificate may name keeps being
-- published (an empty CRL too) after the setting shrinks, without an index
-- over all certificates to find them.  A table of its own, not a column of
-- issuers, so that the issuers row stays as it was.
CREATE TABLE crl_partitions (
	issuer_id	INTEGER PRIMARY KEY REFERENCES issuers(id),
	partitions	INTEGER NOT NULL CHECK (partitions BETWEEN 2 AND 1024)
);
-- crls.part: which CRL scope a row is (-1 the unpartitioned CRL, else k).
-- Every scope has its own CRL Number sequence (RFC 5280 5.2.3: per scope),
-- so the number is unique per (issuer, part): SQLite cannot change a
-- table's UNIQUE constraint in place, hence the copy.
CREATE TABLE crls_new (
	id		INTEGER PRIMARY KEY,
	issuer_id	INTEGER NOT NULL REFERENCES issuers(id),
	part		INTEGER NOT NULL DEFAULT -1
			CHECK (part BETWEEN -1 AND 1023),
	number		INTEGER NOT NULL,
	delta_base	INTEGER,		-- NULL for a full CRL
	change_seq	INTEGER NOT NULL,	-- registry state it reflects
	this_update	INTEGER NOT NULL,
	next_update	INTEGER NOT NULL,
	der		BLOB NOT NULL,
	UNIQUE (issuer_id, part, number)
);
INSERT INTO crls_new (id, issuer_id, part, number, delta_base, change_seq,
	this_update, next_update, der)
	SELECT id, issuer_id, -1, number, delta_base, change_seq, this_update,
	    next_update, der FROM crls;
DROP TABLE crls;
ALTER TABLE crls_new RENAME TO crls;
CREATE INDEX crls_latest ON crls(issuer_id, part, delta_base IS NULL, number);
