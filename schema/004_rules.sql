-- SPDX-License-Identifier: ISC
-- 004_rules.sql: what the counter's rules (tools/rules.c) need recorded.
-- moved_out_at: when the resident moved out of the city (NULL: lives here);
-- the state stays 'active' for the record, the rules derive "moved out".
-- issued_on: the card's own issue date (YYYY-MM-DD, Japan), for the
-- plausibility of its validity; NULL for cards recorded before this version.
ALTER TABLE residents ADD COLUMN moved_out_at INTEGER;
ALTER TABLE cards ADD COLUMN issued_on TEXT;
CREATE INDEX audit_by_subject ON audit(subject);
