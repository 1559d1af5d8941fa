-- One row naming this database among all that may share a Temporal namespace (tests, a
-- database reset while Temporal keeps its history): workflow ids start with it, so an order
-- numbered 1 here never meets another database's order 1.
CREATE TABLE deployment (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    id        text NOT NULL DEFAULT substr(md5(random()::text || clock_timestamp()::text), 1, 8)
);
INSERT INTO deployment DEFAULT VALUES;
