-- Passwords and refresh-token families (the Credentials port).

-- One PHC string per user (argon2id, made by the server; the database never sees a password).
CREATE TABLE user_passwords (
    user_id        uuid PRIMARY KEY REFERENCES users (id),
    password_hash  text NOT NULL
);

-- A family is what one sign-in rotates through. Revocation is per family, on this row:
-- every rotation locks it first, so a rotation and a revocation (logout, or reuse
-- detected by a concurrent rotation) of one family serialize here, and no token can be
-- added to a family after it was revoked.
CREATE TABLE refresh_families (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

-- 0008 created refresh_tokens before families had a table of their own; no code wrote to
-- it yet, so the constraint holds. A token's own revoked_at would duplicate the family's.
ALTER TABLE refresh_tokens
    ADD CONSTRAINT refresh_tokens_family_fkey FOREIGN KEY (family_id) REFERENCES refresh_families (id);
ALTER TABLE refresh_tokens DROP COLUMN revoked_at;
