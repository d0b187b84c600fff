-- Each user's inbox read mark: the inbox position (occurred_at, event_id) up to which,
-- inclusive, the user has read. One row per user, only ever moved forward (the upsert's
-- WHERE). The unread count is the inbox's merge (notifications_by_feed) bounded below by
-- this position, so it needs no index of its own. Like notifications.feed_id, user_id
-- references nothing: the mark is keyed by whoever the token named.

CREATE TABLE inbox_reads (
    user_id      uuid PRIMARY KEY,
    occurred_at  timestamptz NOT NULL,
    event_id     uuid NOT NULL
);
