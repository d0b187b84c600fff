-- Stock a server process (a holder) took from a drop's stock row to sell without locking
-- that row: each instance's batches then lock only their own allotment, and several
-- instances on one database stop queueing on one row. A drop's units left are
-- `drop_stock.available` plus its allotments' units.
--
-- Written only by the ledger: allotted from the stock row under its lock, sold from under
-- the allotment's own lock, and taken back whole (`reclaim`) by anything that needs the
-- drop's exact stock under the stock-row lock (its last units, a cancellation, the
-- scheduler). No foreign key, for the reason `orders` has none: the key check would lock
-- the hot stock row once more.
CREATE TABLE drop_allotments (
    drop_id     uuid NOT NULL,
    -- One per ledger instance (a server process); a process that is gone leaves its units
    -- here until the next reclaim.
    holder      uuid NOT NULL,
    -- The database refuses selling more than was allotted.
    units       integer NOT NULL CHECK (units >= 0),
    -- The last sale from it (NULL before the first): part of the drop's `updated_at`.
    updated_at  timestamptz,
    PRIMARY KEY (drop_id, holder)
);
