-- Sampling checks (抽查) come in rounds, one draw per round, with a seed the server drew.
-- Existing draws become rounds 1, 2, … of their campaign in the order they were made.
ALTER TABLE weak_samples ADD COLUMN round integer;
UPDATE weak_samples s SET round = r.n
    FROM (SELECT id, row_number() OVER (PARTITION BY campaign_id ORDER BY id) AS n FROM weak_samples) r
    WHERE r.id = s.id;
ALTER TABLE weak_samples ALTER COLUMN round SET NOT NULL,
    ADD CONSTRAINT weak_samples_round_check CHECK (round BETWEEN 1 AND 100),
    ADD CONSTRAINT weak_samples_one_draw_a_round UNIQUE (campaign_id, round);

-- Every upload of a year's holiday table is kept as a version, with who and when; the table
-- in force for a year is its newest version.
CREATE TABLE holiday_versions (
    year        integer NOT NULL,
    version     integer NOT NULL CHECK (version >= 1),
    data        jsonb NOT NULL,
    uploaded_by bigint REFERENCES people(id), -- NULL: loaded by the system (configuration, tests)
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, version)
);
INSERT INTO holiday_versions (year, version, data, uploaded_by, uploaded_at)
    SELECT year, 1, data, uploaded_by, uploaded_at FROM holiday_years;
DROP TABLE holiday_years;
