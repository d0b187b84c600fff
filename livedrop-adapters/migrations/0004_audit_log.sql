-- The audit trail: who did what to which thing, and when. Append-only: the database
-- itself rejects updates, deletes and truncation.

CREATE TABLE audit_log (
    id           uuid PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor        uuid,
    action       text NOT NULL,
    target_kind  text NOT NULL,
    target_id    uuid NOT NULL,
    detail       json NOT NULL   -- read back whole, never queried inside
);
CREATE INDEX audit_log_by_target ON audit_log (target_kind, target_id, at, id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- The whole trail: the appended entries, and each order's `order.placed` entry read from
-- the order row itself (same id, actor, time and detail), which the orders table's own
-- triggers keep unchangeable. A hot drop writes one row per order instead of two; readers
-- filter on (target_kind, target_id), which reaches the audit index and the orders key.
CREATE VIEW audit_trail AS
    SELECT id, at, actor, action, target_kind, target_id, detail FROM audit_log
    UNION ALL
    SELECT id, created_at, user_id, 'order.placed', 'order', id,
           json_build_object('kind', 'order', 'dropId', drop_id, 'qty', qty)
    FROM orders;
