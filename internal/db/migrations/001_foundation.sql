-- Organization tree (组织树). path is the chain of ids from the root, e.g. /1/4/17/,
-- so "this unit and everything below it" (一级抓一级) is one prefix match.
CREATE TABLE units (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       text NOT NULL UNIQUE,
    name       text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('province','city','county','township','street','village','community','branch','agency','enterprise','school')),
    parent_id  bigint REFERENCES units(id),
    path       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX units_parent_idx ON units(parent_id);
CREATE INDEX units_path_idx ON units(path text_pattern_ops);

CREATE TABLE people (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         text NOT NULL UNIQUE,
    name          text NOT NULL,
    unit_id       bigint NOT NULL REFERENCES units(id),
    roles         text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['org_staff','township_official','branch_secretary','leader']::text[]),
    position      text NOT NULL DEFAULT '',
    email         text NOT NULL DEFAULT '',
    mobile        text NOT NULL DEFAULT '',
    password_hash text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_unit_idx ON people(unit_id);

-- Personal API tokens for scripts; only a SHA-256 of the token is kept.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id    bigint NOT NULL REFERENCES people(id),
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

-- Session store in the shape alexedwards/scs/pgxstore expects.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions(expiry);

-- Orders (整改通知) and the four lists. Problems and measures are immutable once issued.
CREATE TABLE orders (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issuer_unit_id bigint NOT NULL REFERENCES units(id),
    title          text NOT NULL,
    source         text NOT NULL,
    doc_number     text NOT NULL DEFAULT '',
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','issuing','issued')),
    created_by     bigint NOT NULL REFERENCES people(id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    issued_by      bigint REFERENCES people(id),
    issued_at      timestamptz,
    units_started  integer NOT NULL DEFAULT 0
);
CREATE INDEX orders_issuer_idx ON orders(issuer_unit_id);

CREATE TABLE order_targets (
    order_id bigint NOT NULL REFERENCES orders(id),
    unit_id  bigint NOT NULL REFERENCES units(id),
    PRIMARY KEY (order_id, unit_id)
);

CREATE TABLE problems (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders(id),
    seq         integer NOT NULL,
    description text NOT NULL,
    category    text NOT NULL DEFAULT '',
    severity    text NOT NULL DEFAULT 'normal',
    UNIQUE (order_id, seq)
);

-- One measure (整改措施) with its responsibility (责任清单) and deadline (时限清单).
-- Person fields hold either a login or a position resolved at each target unit.
CREATE TABLE measures (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id          bigint NOT NULL REFERENCES orders(id),
    problem_id        bigint NOT NULL REFERENCES problems(id),
    seq               integer NOT NULL,
    content           text NOT NULL,
    criterion         text NOT NULL,
    evidence_expected text NOT NULL DEFAULT '',
    cooperating_units bigint[] NOT NULL DEFAULT '{}',
    responsibility    jsonb NOT NULL,
    deadline_kind     text NOT NULL CHECK (deadline_kind IN ('immediate','by_date','ongoing')),
    due_date          date,
    checkpoints       date[] NOT NULL DEFAULT '{}',
    UNIQUE (problem_id, seq)
);
CREATE INDEX measures_order_idx ON measures(order_id);

-- Read model of items (measure x target unit), written only by the workflows.
-- revision only grows: a write with an older revision is ignored.
CREATE TABLE items (
    id                 text PRIMARY KEY,
    order_id           bigint NOT NULL REFERENCES orders(id),
    measure_id         bigint NOT NULL REFERENCES measures(id),
    unit_id            bigint NOT NULL REFERENCES units(id),
    parent_item_id     text REFERENCES items(id),
    workflow_id        text NOT NULL,
    state              text NOT NULL,
    holder             text NOT NULL,
    deadline_kind      text NOT NULL,
    due_date           date,
    primary_person_id  bigint REFERENCES people(id),
    direct_person_id   bigint REFERENCES people(id),
    handler_person_id  bigint REFERENCES people(id),
    progress_count     integer NOT NULL DEFAULT 0,
    last_progress      text NOT NULL DEFAULT '',
    return_count       integer NOT NULL DEFAULT 0,
    revision           bigint NOT NULL,
    issued_at          timestamptz NOT NULL,
    acknowledged_at    timestamptz,
    closed_at          timestamptz,
    updated_at         timestamptz NOT NULL,
    UNIQUE (measure_id, unit_id)
);
CREATE INDEX items_unit_idx ON items(unit_id, state);
CREATE INDEX items_order_idx ON items(order_id, state);
CREATE INDEX items_handler_idx ON items(handler_person_id);

-- Audit trail (留痕): one row per state change, never changed afterwards.
CREATE TABLE item_audit (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id        text NOT NULL REFERENCES items(id),
    revision       bigint NOT NULL,
    at             timestamptz NOT NULL,
    actor_id       bigint REFERENCES people(id),
    actor_unit_id  bigint REFERENCES units(id),
    action         text NOT NULL,
    from_state     text NOT NULL,
    to_state       text NOT NULL,
    note           text NOT NULL DEFAULT '',
    evidence_ids   bigint[] NOT NULL DEFAULT '{}',
    UNIQUE (item_id, revision)
);

CREATE FUNCTION item_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'item_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER item_audit_no_update BEFORE UPDATE OR DELETE ON item_audit
    FOR EACH ROW EXECUTE FUNCTION item_audit_append_only();
CREATE TRIGGER item_audit_no_truncate BEFORE TRUNCATE ON item_audit
    FOR EACH STATEMENT EXECUTE FUNCTION item_audit_append_only();

-- Evidence files (佐证材料) kept on disk by content hash.
CREATE TABLE evidence (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id      text NOT NULL REFERENCES items(id),
    sha256       text NOT NULL,
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    uploaded_by  bigint NOT NULL REFERENCES people(id),
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_item_idx ON evidence(item_id);
