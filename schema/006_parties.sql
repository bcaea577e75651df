-- SPDX-License-Identifier: ISC
-- 006_parties.sql: registered relying parties (signature verifiers, in
-- JPKI's words platform operators), to whom `ocsp-access registered` gives
-- status.  A party is its certificate: the server knows a signed OCSP
-- request or a TLS client by it.  `certctl party add` inserts a row,
-- `certctl party remove` sets removed_at; a removed party stays here for
-- the record, so a name and a certificate may each be current at most once
-- (the partial indexes) but come back after a removal.
CREATE TABLE parties (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,		-- [A-Za-z0-9._-]{1,64}
	cert		BLOB NOT NULL,		-- the party's certificate, DER
	fingerprint	TEXT NOT NULL,		-- SHA-256 of cert, lowercase hex
	subject		TEXT NOT NULL,		-- its subject, RFC 2253
	not_after	INTEGER NOT NULL,	-- its notAfter (unix seconds)
	note		TEXT,			-- what staff want to remember
	rate		INTEGER NOT NULL DEFAULT 0
			    CHECK (rate BETWEEN 0 AND 100000),	-- requests/s; 0: no limit
	added_at	INTEGER NOT NULL,
	added_by	TEXT NOT NULL,		-- the operator (as in the audit log)
	removed_at	INTEGER,		-- NULL: registered now
	removed_by	TEXT
);
CREATE UNIQUE INDEX parties_current_name ON parties(name)
	WHERE removed_at IS NULL;
CREATE UNIQUE INDEX parties_current_cert ON parties(fingerprint)
	WHERE removed_at IS NULL;
