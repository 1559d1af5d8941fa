-- A read model that does not scan (province scale: ~45,000 villages, millions of items).

-- 1. Scope columns on the item itself, so that "the items of a subtree" and "the items a unit
--    issued" are index range scans instead of joins filtered afterwards. Filled on insert from
--    units and orders; kept right when a unit moves (its path changes).
ALTER TABLE items ADD COLUMN unit_path text, ADD COLUMN issuer_unit_id bigint REFERENCES units(id), ADD COLUMN issuer_path text;
UPDATE items i SET unit_path = u.path FROM units u WHERE u.id = i.unit_id;
UPDATE items i SET issuer_unit_id = o.issuer_unit_id, issuer_path = iu.path
    FROM orders o JOIN units iu ON iu.id = o.issuer_unit_id WHERE o.id = i.order_id;

CREATE FUNCTION items_fill_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT path INTO NEW.unit_path FROM units WHERE id = NEW.unit_id;
    SELECT o.issuer_unit_id, u.path INTO NEW.issuer_unit_id, NEW.issuer_path
        FROM orders o JOIN units u ON u.id = o.issuer_unit_id WHERE o.id = NEW.order_id;
    RETURN NEW;
END $$;
CREATE TRIGGER items_fill_scope BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION items_fill_scope();

CREATE FUNCTION units_path_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE items SET unit_path = NEW.path WHERE unit_id = NEW.id;
    UPDATE items SET issuer_path = NEW.path WHERE issuer_unit_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER units_path_moved AFTER UPDATE OF path ON units FOR EACH ROW
    WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION units_path_moved();

ALTER TABLE items ALTER COLUMN unit_path SET NOT NULL, ALTER COLUMN issuer_unit_id SET NOT NULL, ALTER COLUMN issuer_path SET NOT NULL;

-- Lists: the sort key of every item list (soonest deadline first, none last), then id, so that
-- a page is an index range and the next page starts after the last row (keyset).
ALTER TABLE items ADD COLUMN sort_at timestamptz GENERATED ALWAYS AS (coalesce(due_at,
    (due_date + time '17:30') AT TIME ZONE 'Asia/Shanghai', timestamptz '9999-12-31 00:00:00+00')) STORED;
CREATE INDEX items_unit_path_idx ON items (unit_path text_pattern_ops);
CREATE INDEX items_issuer_path_idx ON items (issuer_path text_pattern_ops);
CREATE INDEX items_unit_sort_idx ON items (unit_id, sort_at, id);
CREATE INDEX items_issuer_sort_idx ON items (issuer_unit_id, sort_at, id);
CREATE INDEX items_order_sort_idx ON items (order_id, sort_at, id);
CREATE INDEX items_open_light_sort_idx ON items (light, sort_at, id) WHERE state NOT IN ('closed', 'cancelled');
CREATE INDEX items_open_light_path_idx ON items (light, unit_path text_pattern_ops) WHERE state NOT IN ('closed', 'cancelled');
CREATE INDEX items_open_light_issuer_path_idx ON items (light, issuer_path text_pattern_ops) WHERE state NOT IN ('closed', 'cancelled');
DROP INDEX items_unit_idx, items_order_idx, items_light_idx;

-- 2. Counts for dashboards, kept by the database in the same transaction as every item write:
--    per unit, for the unit's own items (own) and for its whole subtree (not own), by state,
--    light and 挂牌督办 (unit_item_counts, a few rows a unit); and, apart, by day
--    (unit_day_counts): the due day of each open red item (kind 'r', for working days overdue)
--    and the Monday of each close-out (kind 'c', for close-outs per week), which only the unit
--    being looked at needs. A trigger appends deltas (never a lock on a shared row, so item
--    writes never wait on each other); a compactor folds them in; readers add both, so counts
--    are exact whenever read.
CREATE TABLE unit_item_counts (
    unit_id bigint NOT NULL REFERENCES units(id),
    own     boolean NOT NULL,
    state   text NOT NULL,
    light   text NOT NULL,
    listed  boolean NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (unit_id, own, state, light, listed)
);
CREATE TABLE unit_day_counts (
    unit_id bigint NOT NULL REFERENCES units(id),
    own     boolean NOT NULL,
    kind    "char" NOT NULL CHECK (kind IN ('r', 'c')),
    day     date NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (unit_id, own, kind, day)
);
CREATE TABLE item_count_deltas (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id bigint NOT NULL,
    own     boolean NOT NULL,
    state   text NOT NULL,
    light   text NOT NULL,
    listed  boolean NOT NULL,
    kind    "char",  -- with day: also a day count
    day     date,
    delta   integer NOT NULL
);
CREATE INDEX item_count_deltas_unit_idx ON item_count_deltas (unit_id);

-- The day count an item is under, if any: kind 'r' and its due day for an open red item,
-- kind 'c' and the Monday of its close-out for a closed one.
CREATE FUNCTION item_count_kind(state text, light text) RETURNS "char" LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN state = 'closed' THEN 'c'::"char"
        WHEN state NOT IN ('closed', 'cancelled') AND light = 'red' THEN 'r'::"char" END
$$;
CREATE FUNCTION item_count_day(state text, light text, due_at timestamptz, due_date date, closed_at timestamptz)
RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE item_count_kind(state, light)
        WHEN 'c' THEN date_trunc('week', coalesce(closed_at, timestamptz '1970-01-01') AT TIME ZONE 'Asia/Shanghai')::date
        WHEN 'r' THEN coalesce((due_at AT TIME ZONE 'Asia/Shanghai')::date, due_date, date '1970-01-01') END
$$;

CREATE FUNCTION item_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.unit_path = NEW.unit_path AND OLD.state = NEW.state AND OLD.light = NEW.light
        AND OLD.listed = NEW.listed
        AND item_count_day(OLD.state, OLD.light, OLD.due_at, OLD.due_date, OLD.closed_at)
            IS NOT DISTINCT FROM item_count_day(NEW.state, NEW.light, NEW.due_at, NEW.due_date, NEW.closed_at) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO item_count_deltas (unit_id, own, state, light, listed, kind, day, delta)
        SELECT a::bigint, a::bigint = OLD.unit_id AND own, OLD.state, OLD.light, OLD.listed,
            item_count_kind(OLD.state, OLD.light), item_count_day(OLD.state, OLD.light, OLD.due_at, OLD.due_date, OLD.closed_at), -1
        FROM unnest(string_to_array(trim(both '/' FROM OLD.unit_path), '/')) a,
             (VALUES (false), (true)) o(own)
        WHERE NOT own OR a::bigint = OLD.unit_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO item_count_deltas (unit_id, own, state, light, listed, kind, day, delta)
        SELECT a::bigint, a::bigint = NEW.unit_id AND own, NEW.state, NEW.light, NEW.listed,
            item_count_kind(NEW.state, NEW.light), item_count_day(NEW.state, NEW.light, NEW.due_at, NEW.due_date, NEW.closed_at), 1
        FROM unnest(string_to_array(trim(both '/' FROM NEW.unit_path), '/')) a,
             (VALUES (false), (true)) o(own)
        WHERE NOT own OR a::bigint = NEW.unit_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER items_count_delta AFTER INSERT OR UPDATE OR DELETE ON items
    FOR EACH ROW EXECUTE FUNCTION item_count_delta();

-- The counts of the items already there.
CREATE FUNCTION rebuild_item_counts() RETURNS void LANGUAGE sql AS $$
    DELETE FROM item_count_deltas;
    DELETE FROM unit_item_counts;
    DELETE FROM unit_day_counts;
    INSERT INTO unit_item_counts (unit_id, own, state, light, listed, n)
    SELECT a::bigint, a::bigint = i.unit_id AND o.own, i.state, i.light, i.listed, count(*)
    FROM items i, unnest(string_to_array(trim(both '/' FROM i.unit_path), '/')) a, (VALUES (false), (true)) o(own)
    WHERE NOT o.own OR a::bigint = i.unit_id
    GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO unit_day_counts (unit_id, own, kind, day, n)
    SELECT a::bigint, a::bigint = i.unit_id AND o.own, item_count_kind(i.state, i.light),
        item_count_day(i.state, i.light, i.due_at, i.due_date, i.closed_at), count(*)
    FROM items i, unnest(string_to_array(trim(both '/' FROM i.unit_path), '/')) a, (VALUES (false), (true)) o(own)
    WHERE (NOT o.own OR a::bigint = i.unit_id) AND item_count_kind(i.state, i.light) IS NOT NULL
    GROUP BY 1, 2, 3, 4;
$$;
SELECT rebuild_item_counts();
