-- Bulletins (通报): periodic digests per issuing department, kept with their spreadsheet.
CREATE TABLE bulletins (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issuer_unit_id bigint NOT NULL REFERENCES units(id),
    kind           text NOT NULL CHECK (kind IN ('weekly', 'monthly', 'on_demand')),
    period_start   timestamptz NOT NULL,
    period_end     timestamptz NOT NULL,
    data           jsonb NOT NULL,
    xlsx           bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer_unit_id, kind, period_end)
);
