-- SPDX-License-Identifier: ISC
-- 005_signers.sql: every delegated OCSP signer an issuer has had, for the
-- record.  issuers.signer_cert/signer_key stay the one in use (the server
-- reads only those); `certctl ca rotate-signer` retires the current row
-- (retired_at) and adds the new one in the same transaction as it updates
-- issuers and writes its audit record.  Filled here with the signers of the
-- issuers that exist.
CREATE TABLE signers (
	id		INTEGER PRIMARY KEY,
	issuer_id	INTEGER NOT NULL REFERENCES issuers(id),
	cert		TEXT NOT NULL,		-- PEM, id-kp-OCSPSigning
	key		TEXT NOT NULL,		-- path (as issuers.signer_key)
	created_at	INTEGER NOT NULL,
	retired_at	INTEGER			-- NULL: the one in use
);
CREATE INDEX signers_by_issuer ON signers(issuer_id);
INSERT INTO signers (issuer_id, cert, key, created_at)
	SELECT id, signer_cert, signer_key, created_at FROM issuers;
