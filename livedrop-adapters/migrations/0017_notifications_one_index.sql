-- One index for a notification's feed instead of two. The row was keyed by
-- (feed_kind, feed_id, event_id) and the inbox read it by (feed_kind, feed_id, occurred_at,
-- event_id), so every delivery wrote two index entries of much the same key. An event's
-- time is part of the event: a redelivery carries the very same (the relay publishes the
-- stored JSON, which keeps it to the nanosecond), so (feed, occurred_at, event_id) is as
-- unique as (feed, event_id), and `ON CONFLICT DO NOTHING` still stores a redelivered
-- notification once. The inbox's reads already use this order; its join to the bodies now
-- names the time as well. On a large table the new key is built under the table's lock, so
-- deliveries wait for it once, during the upgrade.
ALTER TABLE notifications DROP CONSTRAINT notifications_pkey;
DROP INDEX notifications_by_feed;
ALTER TABLE notifications ADD PRIMARY KEY (feed_kind, feed_id, occurred_at, event_id);
