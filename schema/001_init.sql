-- SPDX-License-Identifier: ISC
-- 001_init.sql: the registry of issuers, residents, cards, certificates,
-- the audit log and the CRLs.  Applied once by `certctl init`; the version
-- is recorded in schema_migrations.  Times are unix seconds (UTC); civil
-- dates (birth, card expiry) are 'YYYY-MM-DD' text.

-- Issuers (CAs) and their delegated OCSP signers.  Key paths are relative to
-- the configuration file's folder; a NULL ca_key means the CA key is kept
-- elsewhere (imported CA): certctl can then neither issue nor sign CRLs.
CREATE TABLE issuers (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	ca_cert		TEXT NOT NULL,		-- PEM
	ca_key		TEXT,			-- path to PEM key, or NULL
	signer_cert	TEXT NOT NULL,		-- PEM, id-kp-OCSPSigning
	signer_key	TEXT NOT NULL,		-- path to PEM key
	created_at	INTEGER NOT NULL
);

CREATE TABLE residents (
	id		INTEGER PRIMARY KEY,
	uid		TEXT NOT NULL UNIQUE,	-- the CN of their certificates
	name		TEXT NOT NULL,
	address		TEXT NOT NULL,
	birth_date	TEXT NOT NULL,		-- YYYY-MM-DD
	sex		INTEGER NOT NULL CHECK (sex IN (1, 2, 3)),
	state		TEXT NOT NULL DEFAULT 'active'
			CHECK (state IN ('active', 'removed')),
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);

CREATE TABLE cards (
	id		INTEGER PRIMARY KEY,
	number		TEXT NOT NULL UNIQUE,
	resident_id	INTEGER NOT NULL REFERENCES residents(id),
	type		TEXT NOT NULL CHECK (type IN ('juki', 'mynumber')),
	expires		TEXT NOT NULL,		-- YYYY-MM-DD, the card's own
	has_photo	INTEGER NOT NULL CHECK (has_photo IN (0, 1)),
	state		TEXT NOT NULL DEFAULT 'active'
			CHECK (state IN ('active', 'replaced', 'returned', 'lost',
			    'found')),
	replaced_by	INTEGER REFERENCES cards(id),
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);
CREATE INDEX cards_by_resident ON cards(resident_id);

-- status: 'good', 'revoked' or 'hold'.  Expiry is derived from not_after.
-- reason: RFC 5280 CRLReason code (0 unspecified .. 10), NULL when good.
-- change_seq: set from registry_state.change_seq on every status change, so
-- readers (the server, the CRL generator) find changes by index.
CREATE TABLE certificates (
	id		INTEGER PRIMARY KEY,
	issuer_id	INTEGER NOT NULL REFERENCES issuers(id),
	serial		BLOB NOT NULL,		-- big-endian, no leading zeros
	card_id		INTEGER REFERENCES cards(id),
	resident_id	INTEGER REFERENCES residents(id),
	kind		TEXT NOT NULL CHECK (kind IN ('sign', 'auth')),
	not_before	INTEGER NOT NULL,
	not_after	INTEGER NOT NULL,
	der		BLOB,			-- NULL only for bulk test data
	status		TEXT NOT NULL DEFAULT 'good'
			CHECK (status IN ('good', 'revoked', 'hold')),
	revoked_at	INTEGER,
	reason		INTEGER CHECK (reason BETWEEN 0 AND 10),
	hold_at		INTEGER,		-- when a hold began (kept after it ends)
	change_seq	INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	UNIQUE (issuer_id, serial)
);
CREATE INDEX certs_by_resident ON certificates(resident_id);
CREATE INDEX certs_by_card ON certificates(card_id);
CREATE INDEX certs_by_change ON certificates(change_seq);
CREATE INDEX certs_revoked ON certificates(issuer_id, serial)
	WHERE status != 'good';

-- One row: the registry's change counter (bumped by every status change).
CREATE TABLE registry_state (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	change_seq	INTEGER NOT NULL
);
INSERT INTO registry_state (id, change_seq) VALUES (1, 0);

-- Append-only audit log; hash = SHA-256 over the previous hash and this
-- record's fields (see common/audit.c for the exact serialization).
CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,
	at		INTEGER NOT NULL,
	operator	TEXT NOT NULL,
	office		TEXT NOT NULL,
	action		TEXT NOT NULL,
	subject		TEXT NOT NULL,
	detail		TEXT NOT NULL,		-- JSON object
	prev_hash	BLOB NOT NULL,
	hash		BLOB NOT NULL
);

-- Signed CRLs, newest per (issuer, kind) served.  Full and delta CRLs share
-- one CRL Number sequence per issuer (RFC 5280 5.2.3).
CREATE TABLE crls (
	id		INTEGER PRIMARY KEY,
	issuer_id	INTEGER NOT NULL REFERENCES issuers(id),
	number		INTEGER NOT NULL,
	delta_base	INTEGER,		-- NULL for a full CRL
	change_seq	INTEGER NOT NULL,	-- registry state it reflects
	this_update	INTEGER NOT NULL,
	next_update	INTEGER NOT NULL,
	der		BLOB NOT NULL,
	UNIQUE (issuer_id, number)
);
CREATE INDEX crls_latest ON crls(issuer_id, delta_base IS NULL, number);
