-- SPDX-License-Identifier: ISC
-- 003_registry_id.sql: the registry's identity.  A random id, made once
-- when the registry is created (or upgraded to this version), that a copy or
-- backup keeps and a different registry does not share.  The server binds
-- its response store to it (with the change sequence and the audit head), so
-- a registry replaced by another one is never answered from the old one's
-- pre-signed responses.
ALTER TABLE registry_state ADD COLUMN registry_id TEXT;
UPDATE registry_state SET registry_id = lower(hex(randomblob(16)));
