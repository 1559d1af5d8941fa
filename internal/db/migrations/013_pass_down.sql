-- Passing work down (分办、转办/细化分解), looking back (回头看) and checks against
-- rectification on paper (文字整改).

-- 转办: a township splits its item into sub-items for the units below it. The split is an
-- order of its own (a child order), issued by the township, whose measures each go to one
-- unit. split_key makes a repeated split request find the order it already made.
ALTER TABLE orders ADD COLUMN parent_item_id text REFERENCES items(id);
ALTER TABLE orders ADD COLUMN split_key text;
CREATE UNIQUE INDEX orders_split_key_idx ON orders (parent_item_id, split_key) WHERE parent_item_id IS NOT NULL;
CREATE INDEX orders_parent_item_idx ON orders (parent_item_id) WHERE parent_item_id IS NOT NULL;
-- A measure of a child order goes to one unit only (NULL: to every target of the order).
ALTER TABLE measures ADD COLUMN target_unit_id bigint REFERENCES units(id);
CREATE INDEX items_parent_idx ON items (parent_item_id) WHERE parent_item_id IS NOT NULL;

-- 分办 and 签收: an acknowledgement after the acknowledgement deadline is told apart from a
-- late report; a relapse (反弹) or a failed re-inspection reopens an item and is counted.
ALTER TABLE items ADD COLUMN ack_late boolean NOT NULL DEFAULT false;
ALTER TABLE items ADD COLUMN reopen_count integer NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN children_total integer NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN children_closed integer NOT NULL DEFAULT 0;

-- 回头看: after 销号 the issuer re-checks the item on each day of its order's policy (30, 60
-- and 90 days by default). One row a round of one close-out (closed_revision), answered by
-- the re-check's audit revision.
CREATE TABLE item_look_backs (
    item_id         text NOT NULL REFERENCES items(id),
    closed_revision bigint NOT NULL,
    days            integer NOT NULL CHECK (days BETWEEN 1 AND 730),
    due_on          date NOT NULL,
    answered_revision bigint,
    outcome         text CHECK (outcome IN ('holds', 'relapse')),
    PRIMARY KEY (item_id, closed_revision, days)
);
CREATE INDEX item_look_backs_open_idx ON item_look_backs (due_on) WHERE answered_revision IS NULL;
