//! The inbox's merge, in SQL: a user's own feed and the feed of every creator they follow
//! (since the follow), newest first by `(occurred_at, event_id)`, a page or a count at a
//! time. The cursor and every bound are in the query, so a page reads what it returns and
//! little more.
//!
//! A page is found in two steps, so a user following many creators does not pay a page
//! of rows per creator:
//! 1. `heads`: each followed creator's newest notification in range (one index probe per
//!    follow, one key each);
//! 2. `bar`: the page size's newest head. A page of `n` holds the `n` newest notifications;
//!    the `n` newest heads are `n` distinct notifications, so none of the page is older
//!    than the `n`th newest head. Only creators whose head is at or past the bar are read,
//!    each from its newest down to the bar, by key (index only); the page's bodies are
//!    then fetched by key. With 500 creators followed that is about 500 one-key probes
//!    and a few dozen short scans, instead of 500 scans of a page each.

/// An inbox page's query, with `$before` (a condition on `(occurred_at, event_id)`, or
/// nothing) in each of its three reads of the feeds: one text for the first and the later
/// pages, so they cannot drift apart.
macro_rules! inbox_page {
    ($before:literal) => {
        concat!(
            "WITH heads AS MATERIALIZED ( \
                SELECT f.creator_id, f.created_at, h.occurred_at AS head \
                  FROM follows f CROSS JOIN LATERAL ( \
                      SELECT occurred_at FROM notifications \
                       WHERE feed_kind = 'creator' AND feed_id = f.creator_id \
                         AND occurred_at >= f.created_at ",
            $before,
            "      ORDER BY occurred_at DESC, event_id DESC LIMIT 1) h \
                 WHERE f.user_id = $1), \
            bar AS ( \
                SELECT COALESCE((SELECT head FROM heads ORDER BY head DESC OFFSET $2 - 1 LIMIT 1), \
                                '-infinity'::timestamptz) AS at), \
            keys AS ( \
                (SELECT feed_kind, feed_id, occurred_at, event_id FROM notifications \
                  WHERE feed_kind = 'user' AND feed_id = $1 ",
            $before,
            "     ORDER BY occurred_at DESC, event_id DESC LIMIT $2) \
                UNION ALL \
                (SELECT 'creator'::text, c.creator_id, n.occurred_at, n.event_id \
                  FROM heads c CROSS JOIN bar CROSS JOIN LATERAL ( \
                      SELECT occurred_at, event_id FROM notifications \
                       WHERE feed_kind = 'creator' AND feed_id = c.creator_id \
                         AND occurred_at >= c.created_at AND occurred_at >= bar.at ",
            $before,
            "      ORDER BY occurred_at DESC, event_id DESC LIMIT $2) n \
                  WHERE c.head >= bar.at) \
                ORDER BY occurred_at DESC, event_id DESC LIMIT $2) \
            SELECT n.feed_kind, n.feed_id, n.event::text AS event, n.occurred_at, n.event_id \
              FROM keys k JOIN notifications n USING (feed_kind, feed_id, occurred_at, event_id) \
             ORDER BY n.occurred_at DESC, n.event_id DESC"
        )
    };
}

/// The first page of an inbox: `$1` the user, `$2` the row bound.
pub(super) const FIRST_PAGE: &str = inbox_page!("");

/// A later page: as [`FIRST_PAGE`], strictly before the cursor `($3, $4)`.
pub(super) const NEXT_PAGE: &str = inbox_page!("AND (occurred_at, event_id) < ($3, $4) ");

/// How many notifications of an inbox there are, counting at most `$2`: `$1` the user. Each
/// branch stops at the bound, and so does the whole.
pub(super) const COUNT_ALL: &str = "\
    SELECT count(*) FROM ( \
        (SELECT 1 FROM notifications \
          WHERE feed_kind = 'user' AND feed_id = $1 \
          LIMIT $2) \
        UNION ALL \
        (SELECT 1 FROM follows f CROSS JOIN LATERAL ( \
              SELECT 1 FROM notifications \
               WHERE feed_kind = 'creator' AND feed_id = f.creator_id \
                 AND occurred_at >= f.created_at \
               LIMIT $2) n \
          WHERE f.user_id = $1) \
        LIMIT $2 \
    ) inbox";

/// As [`COUNT_ALL`], of the notifications strictly after the position `($3, $4)`.
pub(super) const COUNT_NEWER: &str = "\
    SELECT count(*) FROM ( \
        (SELECT 1 FROM notifications \
          WHERE feed_kind = 'user' AND feed_id = $1 \
            AND (occurred_at, event_id) > ($3, $4) \
          LIMIT $2) \
        UNION ALL \
        (SELECT 1 FROM follows f CROSS JOIN LATERAL ( \
              SELECT 1 FROM notifications \
               WHERE feed_kind = 'creator' AND feed_id = f.creator_id \
                 AND occurred_at >= f.created_at \
                 AND (occurred_at, event_id) > ($3, $4) \
               LIMIT $2) n \
          WHERE f.user_id = $1) \
        LIMIT $2 \
    ) newer";
