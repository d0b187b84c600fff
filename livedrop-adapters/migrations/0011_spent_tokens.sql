-- Single-use tokens (realtime tokens) and live sign-ins (the Credentials port's
-- `spend_once` and `family_live`).

-- The ids of spent single-use tokens, each until it expires. Spending is one
-- INSERT ... ON CONFLICT DO NOTHING on the primary key, so of any number of nodes spending
-- one id exactly one inserts it. Expired rows are deleted a few at a time by the spends
-- themselves, oldest first, through the expiry index.
CREATE TABLE spent_tokens (
    id          uuid PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX spent_tokens_by_expiry ON spent_tokens (expires_at);

-- Like the outbox, a queue of short-lived rows: vacuum it after every few thousand deletes
-- rather than after a fifth of the table changed.
ALTER TABLE spent_tokens SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 5000
);

-- Is a sign-in live: its one unspent refresh token, found without walking the spent ones
-- (a family refreshed every 15 minutes for 14 days has over a thousand).
CREATE INDEX refresh_tokens_unspent_by_family ON refresh_tokens (family_id) WHERE used_at IS NULL;
