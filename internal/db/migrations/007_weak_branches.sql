-- Rectifying weak and lax Party branches (软弱涣散基层党组织整顿).

-- The standard list of reasons a branch is weak; unit_id NULL rows ship with the system,
-- a department's own rows (and hidden defaults) override them for its subtree.
CREATE TABLE weak_reasons (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id    bigint REFERENCES units(id),
    category   text NOT NULL,
    name       text NOT NULL,
    active     boolean NOT NULL DEFAULT true,
    UNIQUE (unit_id, name)
);
INSERT INTO weak_reasons (category, name) VALUES
    ('班子建设', '班子不健全或不团结'),
    ('班子建设', '书记不胜任'),
    ('组织生活', '组织生活不正常'),
    ('组织生活', '党员教育管理缺失'),
    ('发展治理', '集体经济薄弱'),
    ('发展治理', '矛盾纠纷突出'),
    ('发展治理', '宗族宗教或黑恶势力干扰'),
    ('作风纪律', '村务公开和民主管理不落实');

-- A county's yearly campaign over its subtree.
CREATE TABLE weak_campaigns (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id     bigint NOT NULL REFERENCES units(id),
    year        integer NOT NULL,
    title       text NOT NULL,
    created_by  bigint NOT NULL REFERENCES people(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (unit_id, year)
);

-- A township proposes a branch (排查); the county determines (认定) or declines it.
CREATE TABLE weak_proposals (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id     bigint NOT NULL REFERENCES weak_campaigns(id),
    branch_unit_id  bigint NOT NULL REFERENCES units(id),
    proposed_by     bigint NOT NULL REFERENCES people(id),
    reasons         jsonb NOT NULL,   -- [{"reason_id", "name", "note"}]
    repeat_flag     boolean NOT NULL, -- rectified within the last five years
    repeat_note     text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'determined', 'declined')),
    decision_note   text NOT NULL DEFAULT '',
    decided_by      bigint REFERENCES people(id),
    decided_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, branch_unit_id)
);

-- One case a determined branch: read model kept by its workflow (revision only grows).
CREATE TABLE weak_cases (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id         bigint NOT NULL REFERENCES weak_campaigns(id),
    proposal_id         bigint NOT NULL UNIQUE REFERENCES weak_proposals(id),
    branch_unit_id      bigint NOT NULL REFERENCES units(id),
    workflow_id         text NOT NULL,
    stage               text NOT NULL,
    light               text NOT NULL DEFAULT 'green',
    light_reason        text NOT NULL DEFAULT '',
    plan_order_id       bigint REFERENCES orders(id),
    county_leader_id    bigint REFERENCES people(id),
    township_leader_id  bigint REFERENCES people(id),
    first_secretary_id  bigint REFERENCES people(id),
    paired_unit_id      bigint REFERENCES units(id),
    reports_received    integer NOT NULL DEFAULT 0,
    last_report_month   text NOT NULL DEFAULT '',
    score               numeric,
    accepted_at         timestamptz,
    relapses            integer NOT NULL DEFAULT 0,
    determined_at       timestamptz NOT NULL,
    closed_at           timestamptz,
    revision            bigint NOT NULL DEFAULT 0,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX weak_cases_campaign_idx ON weak_cases(campaign_id);

-- Everything that happened to a case (monthly reports, 初验, 验收 with its score sheet,
-- 回头看, 抽查, changes of the four ones), append-only like the item audit trail.
CREATE TABLE weak_case_events (
    case_id    bigint NOT NULL REFERENCES weak_cases(id),
    revision   bigint NOT NULL,
    at         timestamptz NOT NULL,
    actor_id   bigint REFERENCES people(id),
    kind       text NOT NULL,
    from_stage text NOT NULL,
    to_stage   text NOT NULL,
    detail     jsonb NOT NULL,
    PRIMARY KEY (case_id, revision)
);
CREATE TRIGGER weak_case_events_no_update BEFORE UPDATE OR DELETE ON weak_case_events
    FOR EACH ROW EXECUTE FUNCTION item_audit_append_only();

-- Sampling checks (抽查): the draw and its seed, so anyone can redraw it.
CREATE TABLE weak_samples (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES weak_campaigns(id),
    seed        bigint NOT NULL,
    share       numeric NOT NULL,
    case_ids    bigint[] NOT NULL,
    eligible_ids bigint[] NOT NULL DEFAULT '{}', -- what the draw was made from, so anyone can redraw it
    drawn_by    bigint NOT NULL REFERENCES people(id),
    drawn_at    timestamptz NOT NULL DEFAULT now()
);

-- Yearly grading of branches (先进/中间/后进, 晋位升级).
CREATE TABLE weak_grades (
    unit_id  bigint NOT NULL REFERENCES units(id),
    year     integer NOT NULL,
    grade    text NOT NULL CHECK (grade IN ('先进', '中间', '后进')),
    basis    text NOT NULL,
    PRIMARY KEY (unit_id, year)
);
