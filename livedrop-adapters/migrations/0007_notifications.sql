-- Notification storage: one row per (feed, event). A drop's notifications are written once
-- to its creator's feed and read through the follows (fan-out on read); a buyer's own
-- order notifications go to the user's feed.

CREATE TABLE notifications (
    feed_kind    text NOT NULL CHECK (feed_kind IN ('user', 'creator')),
    feed_id      uuid NOT NULL,
    event_id     uuid NOT NULL,
    event        jsonb NOT NULL,
    occurred_at  timestamptz NOT NULL,
    PRIMARY KEY (feed_kind, feed_id, event_id)
);
CREATE INDEX notifications_by_feed ON notifications (feed_kind, feed_id, occurred_at, event_id);
