-- Working-day deadlines, warning lights (红黄绿灯), reminders and escalation (催办、督办).

-- A deadline may be N working days from issue (交办) or from acknowledgement (签收).
ALTER TABLE measures ADD COLUMN working_days integer CHECK (working_days IS NULL OR working_days > 0);
ALTER TABLE measures ADD COLUMN working_days_from text CHECK (working_days_from IN ('issue', 'acknowledge'));

-- Supervision policy: a department default, copied into each order when it is created.
CREATE TABLE supervision_policies (
    unit_id    bigint PRIMARY KEY REFERENCES units(id),
    policy     jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE orders ADD COLUMN policy jsonb;

ALTER TABLE items ADD COLUMN working_days integer;
ALTER TABLE items ADD COLUMN working_days_from text;
ALTER TABLE items ADD COLUMN due_at timestamptz;
ALTER TABLE items ADD COLUMN extended_to date;
ALTER TABLE items ADD COLUMN extension_requested_to date;
ALTER TABLE items ADD COLUMN extension_reason text NOT NULL DEFAULT '';
-- Supervision fields move on their own sequence, written by the same workflow.
ALTER TABLE items ADD COLUMN light text NOT NULL DEFAULT 'green' CHECK (light IN ('green', 'yellow', 'red', 'none'));
ALTER TABLE items ADD COLUMN light_reason text NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN listed boolean NOT NULL DEFAULT false;
ALTER TABLE items ADD COLUMN supervision_seq bigint NOT NULL DEFAULT 0;
CREATE INDEX items_light_idx ON items(light) WHERE state NOT IN ('closed', 'cancelled');

-- History of each item's light: one row per change of colour or reason.
CREATE TABLE item_lights (
    item_id text NOT NULL REFERENCES items(id),
    seq     bigint NOT NULL,
    at      timestamptz NOT NULL,
    light   text NOT NULL,
    reason  text NOT NULL,
    PRIMARY KEY (item_id, seq)
);

-- Notices waiting to go out (催办/督办): written by the item workflows when a rung fires,
-- sent by the dispatcher at send_at (working hours only), consolidated per person and day.
CREATE TABLE notices (
    key          text PRIMARY KEY, -- workflow / item / rung / person
    item_id      text NOT NULL REFERENCES items(id),
    person_id    bigint NOT NULL REFERENCES people(id),
    rung         text NOT NULL,
    consolidated boolean NOT NULL,
    fire_at      timestamptz NOT NULL,
    send_at      timestamptz NOT NULL,
    detail       jsonb NOT NULL,
    delivery_key text,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX notices_pending_idx ON notices(send_at) WHERE status <> 'sent';
CREATE INDEX notices_item_idx ON notices(item_id);

-- Holiday tables loaded at run time (a later year without a rebuild), over the embedded ones.
CREATE TABLE holiday_years (
    year        integer PRIMARY KEY,
    data        jsonb NOT NULL,
    uploaded_by bigint REFERENCES people(id),
    uploaded_at timestamptz NOT NULL DEFAULT now()
);

-- One consolidated reminder message a person per working day: the first dispatch slot
-- that claims the day sends it; later reminders that day wait for the next working day.
CREATE TABLE digests (
    person_id    bigint NOT NULL REFERENCES people(id),
    day          date NOT NULL,
    slot         timestamptz NOT NULL,
    delivery_key text NOT NULL,
    sent         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (person_id, day)
);
