-- Placeholder so that 012 loads in this branch (tern wants no gaps); another helper's
-- migration takes this number. Drop this file when merging.
SELECT 1;
