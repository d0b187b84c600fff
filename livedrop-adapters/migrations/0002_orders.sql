-- Orders. Buyers are not a foreign key: an embedding service may keep its users elsewhere.

CREATE TABLE orders (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL,
    drop_id          uuid NOT NULL REFERENCES drops (id),
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
