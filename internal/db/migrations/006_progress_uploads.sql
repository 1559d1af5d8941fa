-- Progress reported by an Excel round trip: the parsed sheet is kept between the preview
-- and its confirmation, with what was applied.
CREATE TABLE progress_uploads (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id    bigint NOT NULL REFERENCES units(id),
    person_id  bigint NOT NULL REFERENCES people(id),
    filename   text NOT NULL,
    preview    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    applied_at timestamptz,
    result     jsonb
);
