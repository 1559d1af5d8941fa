-- A campaign's supervision of its cases: report day, pass score, consolidation, look-backs.
ALTER TABLE weak_campaigns ADD COLUMN policy jsonb;
