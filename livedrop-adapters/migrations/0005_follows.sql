-- Follows, hash-partitioned by creator (the design's sharding key; Citus distributes the
-- same layout by creator_id). A creator's followers live in one partition; a user's
-- following list is served by its own index.

CREATE TABLE follows (
    creator_id  uuid NOT NULL REFERENCES creators (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (creator_id, user_id)
) PARTITION BY HASH (creator_id);

CREATE TABLE follows_p0 PARTITION OF follows FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE follows_p1 PARTITION OF follows FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE follows_p2 PARTITION OF follows FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE follows_p3 PARTITION OF follows FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE follows_p4 PARTITION OF follows FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE follows_p5 PARTITION OF follows FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE follows_p6 PARTITION OF follows FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE follows_p7 PARTITION OF follows FOR VALUES WITH (MODULUS 8, REMAINDER 7);

CREATE INDEX follows_by_creator ON follows (creator_id, created_at, user_id);
CREATE INDEX follows_by_user ON follows (user_id, created_at, creator_id);
