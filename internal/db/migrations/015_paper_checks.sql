-- Checks against rectification on paper (文字整改): the same evidence file (by SHA-256) used
-- for another item is flagged wherever a reviewer looks (review queue, item, ledger). Those
-- look-ups join evidence on sha256, which had no index.
CREATE INDEX evidence_sha256_idx ON evidence (sha256);
