-- Every instance asks each second which sign-ins were revoked lately, to refuse their access
-- tokens at once (not when they expire). The index holds the revoked families only, so the
-- question costs an index range scan however many sign-ins there are.
CREATE INDEX refresh_families_revoked ON refresh_families (revoked_at) WHERE revoked_at IS NOT NULL;
