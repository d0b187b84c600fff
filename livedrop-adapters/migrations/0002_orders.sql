-- Orders. Buyers are not a foreign key: an embedding service may keep its users elsewhere.
-- Neither is the drop: orders are written only by the ledger, inside the transaction that
-- holds the drop's stock row (which references drops), and the per-row key check against
-- the one hot drop row was a fifth of a hot drop's order insert.

CREATE TABLE orders (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL,
    drop_id          uuid NOT NULL,
    qty              integer NOT NULL CHECK (qty BETWEEN 1 AND 10),
    status           text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    idempotency_key  text NOT NULL,
    created_at       timestamptz NOT NULL,
    cancelled_at     timestamptz,
    -- The authority on idempotency: one order per buyer and key, whatever the fast path says.
    CONSTRAINT orders_user_key UNIQUE (user_id, idempotency_key),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE INDEX orders_by_user ON orders (user_id, created_at, id);
-- Units each buyer holds in a drop (maxPerUser), and the invariant check.
CREATE INDEX orders_by_drop ON orders (drop_id, user_id) WHERE status = 'confirmed';

-- An order row is its own `order.placed` audit entry (see `audit_trail` in
-- 0004_audit_log.sql), so the database keeps it as append-only as the audit log: never
-- deleted, and the one change allowed is the cancellation, once.
CREATE FUNCTION orders_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND (NEW.id, NEW.user_id, NEW.drop_id, NEW.qty, NEW.idempotency_key, NEW.created_at)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.user_id, OLD.drop_id, OLD.qty, OLD.idempotency_key, OLD.created_at)
        AND OLD.status = 'confirmed' AND NEW.status = 'cancelled'
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'orders are append-only (only a confirmed order may be cancelled): % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER orders_append_only
    BEFORE UPDATE OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_are_append_only();
CREATE TRIGGER orders_no_truncate
    BEFORE TRUNCATE ON orders
    FOR EACH STATEMENT EXECUTE FUNCTION orders_are_append_only();
