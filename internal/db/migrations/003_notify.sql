-- Notifications (催办、督办) sent to people: one row per idempotency key and channel.
-- key is the caller's key (e.g. workflow/rung/person) joined with ":" and the channel, so
-- a retried activity finds a recorded send and never sends it again. A channel that could
-- not reach the person (no address) is kept as no_contact; the channel used instead names
-- it in fallback_from.
CREATE TABLE deliveries (
    key           text PRIMARY KEY,
    person_id     bigint NOT NULL REFERENCES people(id),
    channel       text NOT NULL CHECK (channel IN ('email','sms','dingtalk','wecom')),
    rung          text NOT NULL,
    item_ids      text[] NOT NULL DEFAULT '{}',
    subject       text NOT NULL,
    status        text NOT NULL CHECK (status IN ('sent','failed','no_contact')),
    provider_id   text NOT NULL DEFAULT '',
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text NOT NULL DEFAULT '',
    fallback_from text NOT NULL DEFAULT '' CHECK (fallback_from IN ('','email','sms','dingtalk','wecom')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz
);
CREATE INDEX deliveries_person_idx ON deliveries(person_id);
CREATE INDEX deliveries_item_ids_idx ON deliveries USING gin (item_ids);
