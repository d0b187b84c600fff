-- The idempotency store's records when Postgres serves as the fast path's fallback.
-- Expiry is on the database clock, so every server agrees; an expired row counts as absent
-- and is deleted by the store's purge (index on expires_at).

CREATE TABLE idempotency_keys (
    user_id      uuid NOT NULL,
    key          text NOT NULL,
    -- SHA-256 of the request (or the request itself packed into 32 bytes).
    fingerprint  bytea NOT NULL CHECK (octet_length(fingerprint) = 32),
    -- NULL while in flight; the typed answer once complete.
    answer       jsonb,
    -- The lock's end while in flight; the retention's end once complete.
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
