-- The relay waits for work instead of polling: every statement that appends to the outbox
-- sends one notification on `livedrop_outbox` (delivered at commit; Postgres folds a
-- transaction's identical notifications into one), and an idle relay LISTENs for it. A
-- statement-level trigger, so a batch of orders costs one notification, and no writer
-- needs to know.
CREATE FUNCTION outbox_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('livedrop_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_appended AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_appended();

-- Sent records are deleted, so the outbox is a queue: its dead rows, which every claim's
-- index scan walks past until they are vacuumed, must go soon, not after a fifth of the
-- table changed (the default scale factor). Vacuum it after every few thousand deletes,
-- without the cost-based pauses.
ALTER TABLE outbox SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_cost_delay = 0,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 5000
);
