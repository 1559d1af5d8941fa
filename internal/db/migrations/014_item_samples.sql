-- Sampling checks of closed items (抽查复核), against rectification on paper: the issuer
-- draws a share of its closed items with a seed the server drew; the ids the draw was made
-- from are kept, so anyone can draw it again. Each drawn item is re-inspected through its
-- workflow (reinspect_pass / reinspect_fail in item_audit).
CREATE TABLE item_samples (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issuer_unit_id bigint NOT NULL REFERENCES units(id),
    order_id       bigint REFERENCES orders(id), -- NULL: every order of the issuer
    share          numeric NOT NULL CHECK (share > 0 AND share <= 1),
    seed           bigint NOT NULL,
    eligible_ids   text[] NOT NULL,
    item_ids       text[] NOT NULL,
    drawn_by       bigint NOT NULL REFERENCES people(id),
    drawn_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX item_samples_issuer_idx ON item_samples (issuer_unit_id, drawn_at DESC);
