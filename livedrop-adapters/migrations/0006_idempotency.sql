-- The idempotency store's records when Postgres serves as the fast path's fallback.

CREATE TABLE idempotency_keys (
    user_id      uuid NOT NULL,
    key          text NOT NULL,
    fingerprint  bytea NOT NULL,
    -- NULL while in flight; the typed answer once complete.
    answer       jsonb,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
