-- Work that must survive a restart of the process doing it.

-- Background problem-list imports (POST /api/imports): the upload is kept in the row until
-- the job ends, so any API process can run it and a restart resumes it. A process claims a
-- job with a lease and renews it while it runs; a job whose lease lapsed (its process died)
-- is claimed again, up to a few attempts, then failed with a reason.
CREATE TABLE import_jobs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id   bigint NOT NULL REFERENCES people(id),
    unit_id     bigint NOT NULL REFERENCES units(id),
    filename    text NOT NULL,
    title       text NOT NULL DEFAULT '',
    source      text NOT NULL DEFAULT '',
    doc_number  text NOT NULL DEFAULT '',
    file        bytea,
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    lease_until timestamptz,
    rows_read   integer NOT NULL DEFAULT 0,
    order_id    bigint REFERENCES orders(id),
    measures    integer NOT NULL DEFAULT 0,
    error       jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz,
    CHECK ((status IN ('done', 'failed')) = (finished_at IS NOT NULL)),
    CHECK (status <> 'done' OR order_id IS NOT NULL)
);
CREATE INDEX import_jobs_open_idx ON import_jobs (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX import_jobs_person_idx ON import_jobs (person_id) WHERE status IN ('queued', 'running');

-- A notification being sent: Deliver claims the caller's key here in a short transaction,
-- calls the provider holding no connection, records the outcome in deliveries and deletes
-- the claim. A claim left by a worker that died mid-send lapses at claimed_until.
CREATE TABLE delivery_claims (
    key           text PRIMARY KEY,
    token         uuid NOT NULL,
    claimed_until timestamptz NOT NULL
);
