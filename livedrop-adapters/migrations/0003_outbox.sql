-- The transactional outbox: events inserted in the transaction of the change that caused
-- them, relayed to the bus later (at least once).
--
-- Rows are spread over a fixed number of partitions by event key (drop, else creator); a
-- relay leases whole partitions, so per-key order holds with several relays running.
-- Events of one key come from transactions that serialize on one row (the drop's stock
-- row, or the creator's row), so `seq` order is commit order per key.

--
-- One index per row, the key relays read by: a hot drop writes an event per order, and
-- each index entry is paid for on that path. `event_id` has none: ids are unique by
-- construction (UUID v7, or the order's id for its `order.confirmed`), nothing looks an
-- event up by id, and consumers deduplicate on it downstream (delivery is at least once).
CREATE TABLE outbox (
    seq          bigserial NOT NULL,
    event_id     uuid NOT NULL,
    partition    smallint NOT NULL,
    -- The event's JSON, verbatim as relayed. text, not json: nothing queries inside it
    -- (cast it to json to look), the writer made it with serde, and a json column parses
    -- every body again on the way in (a fifth of a hot drop's outbox append).
    event        text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partition, seq)
);

-- A partition's lease: who holds it, until when (database clock), and exactly which
-- records it covers. Not "every record up to a seq": a record of another key in the same
-- partition may take a lower seq yet commit after the claim, and is not in the batch.
CREATE TABLE outbox_partitions (
    partition    smallint PRIMARY KEY,
    lease_id     uuid,
    lease_until  timestamptz,
    leased_seqs  bigint[]
);
INSERT INTO outbox_partitions (partition) SELECT generate_series(0, 15);
