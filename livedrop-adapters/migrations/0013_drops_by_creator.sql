-- A creator's drops, newest first (`GET /api/creators/{id}/drops`, the creator's studio
-- and public page): the keyset `(created_at, id)` within one creator, read from the index
-- alone rather than a scan of every drop.
CREATE INDEX drops_by_creator ON drops (creator_id, created_at, id);
