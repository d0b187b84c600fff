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
