//! The [`Notifier`](crate::ports::Notifier) read-mark contract: a user's mark only moves
//! forward and is theirs alone, and `count_newer` counts exactly what the inbox lists after
//! a position, stopping at its bound.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::fixtures::*;
use super::notifier::{drop_note, order_note};
use crate::domain::Notification;
use crate::ids::UserId;
use crate::pagination::Cursor;
use crate::ports::Ports;

/// A notification's inbox position.
fn position(note: &Notification) -> Cursor {
    Cursor::after(note.event.occurred_at, note.event.id)
}

/// Delivers `user`'s own notifications at `at`, oldest first; returns them.
async fn own_notes(ports: &Ports, user: UserId, at: &[DateTime<Utc>]) -> Vec<Notification> {
    let mut notes = Vec::with_capacity(at.len());
    for &at in at {
        let note = order_note(user, at);
        assert!(ports.notifier.deliver(&note).await.unwrap());
        notes.push(note);
    }
    notes
}

/// A first mark is stored; an older or equal position changes nothing (`false`), the event
/// id breaking ties at one instant; a later one moves it. Another user's mark never moves.
/// The mark bounds `count_newer`: nothing newer after marking the newest, one newer once
/// another notification arrives.
pub async fn read_marks_only_move_forward(ports: &Ports) {
    let (reader, other) = (user(&*ports.catalog).await, user(&*ports.catalog).await);
    let t = now();
    let notes = own_notes(
        ports,
        reader.id,
        &[
            t - TimeDelta::seconds(30),
            t - TimeDelta::seconds(20),
            t - TimeDelta::seconds(10),
        ],
    )
    .await;
    let [p1, p2, p3] = [&notes[0], &notes[1], &notes[2]].map(position);
    let notifier = &ports.notifier;
    assert_eq!(notifier.read_mark(reader.id).await.unwrap(), None);
    assert_eq!(notifier.count_newer(reader.id, None, 100).await.unwrap(), 3);

    assert!(
        notifier.mark_read(reader.id, p2).await.unwrap(),
        "first mark"
    );
    assert_eq!(notifier.read_mark(reader.id).await.unwrap(), Some(p2));
    assert_eq!(
        notifier
            .count_newer(reader.id, Some(p2), 100)
            .await
            .unwrap(),
        1
    );
    let same_instant_lower_id = Cursor {
        key: p2.key,
        id: Uuid::nil(),
    };
    for (what, older) in [
        ("an older position", p1),
        ("the same position", p2),
        ("a lower id at the same instant", same_instant_lower_id),
    ] {
        assert!(
            !notifier.mark_read(reader.id, older).await.unwrap(),
            "{what} changes nothing"
        );
        assert_eq!(
            notifier.read_mark(reader.id).await.unwrap(),
            Some(p2),
            "{what} leaves the mark"
        );
    }
    let same_instant_higher_id = Cursor {
        key: p2.key,
        id: Uuid::max(),
    };
    assert!(
        notifier
            .mark_read(reader.id, same_instant_higher_id)
            .await
            .unwrap(),
        "a higher id at the same instant is later"
    );
    assert_eq!(
        notifier.read_mark(reader.id).await.unwrap(),
        Some(same_instant_higher_id)
    );
    assert_eq!(
        notifier.read_mark(other.id).await.unwrap(),
        None,
        "another user's mark does not move"
    );

    assert!(notifier.mark_read(reader.id, p3).await.unwrap());
    let mark = notifier.read_mark(reader.id).await.unwrap();
    assert_eq!(mark, Some(p3));
    assert_eq!(notifier.count_newer(reader.id, mark, 100).await.unwrap(), 0);
    own_notes(ports, reader.id, &[t - TimeDelta::seconds(5)]).await;
    assert_eq!(notifier.count_newer(reader.id, mark, 100).await.unwrap(), 1);
    assert!(!notifier.mark_read(reader.id, p1).await.unwrap());
    assert_eq!(notifier.read_mark(reader.id).await.unwrap(), Some(p3));
}

/// `count_newer` counts exactly the inbox's notifications strictly after a position: the
/// user's own and followed creators' since the follow, never an unfollowed creator's, a
/// creator's from before the follow, another creator's or another user's; ties at one
/// instant ordered by event id as in the inbox.
pub async fn count_newer_counts_what_the_inbox_lists_after_a_position(ports: &Ports) {
    let (star, gone, elsewhere) = (
        seller(&*ports.catalog).await,
        seller(&*ports.catalog).await,
        seller(&*ports.catalog).await,
    );
    let (reader, stranger) = (user(&*ports.catalog).await, user(&*ports.catalog).await);
    let base = now() - TimeDelta::hours(1);
    let followed_at = base - TimeDelta::minutes(10);
    for creator in [star.creator.id, gone.creator.id] {
        ports
            .follows
            .follow(reader.id, creator, followed_at)
            .await
            .unwrap();
    }
    let mut visible = Vec::new();
    for (i, offset) in [5, 1, 3, 3, 0, 7, 2, 7].into_iter().enumerate() {
        let at = base + TimeDelta::seconds(offset);
        let note = if i % 2 == 0 {
            order_note(reader.id, at)
        } else {
            drop_note(star.creator.id, at)
        };
        assert!(ports.notifier.deliver(&note).await.unwrap());
        visible.push(note);
    }
    let hidden = [
        drop_note(star.creator.id, followed_at - TimeDelta::seconds(1)),
        drop_note(gone.creator.id, base + TimeDelta::seconds(4)),
        drop_note(elsewhere.creator.id, base + TimeDelta::seconds(4)),
        order_note(stranger.id, base + TimeDelta::seconds(4)),
    ];
    for note in &hidden {
        assert!(ports.notifier.deliver(note).await.unwrap());
    }
    ports
        .follows
        .unfollow(reader.id, gone.creator.id, base + TimeDelta::seconds(8))
        .await
        .unwrap();
    visible.sort_by_key(|n| std::cmp::Reverse(position(n)));
    let listed = collect_pages(limit(100), |page| ports.notifier.inbox(reader.id, page)).await;
    assert_eq!(listed, visible, "the inbox the counts must agree with");

    assert_eq!(
        ports
            .notifier
            .count_newer(reader.id, None, 100)
            .await
            .unwrap(),
        8,
        "no position: the whole inbox"
    );
    let mut positions: Vec<Cursor> = visible.iter().map(position).collect();
    for note in &visible {
        let at = position(note);
        positions.extend([
            Cursor {
                key: at.key,
                id: Uuid::nil(),
            },
            Cursor {
                key: at.key,
                id: Uuid::max(),
            },
        ]);
    }
    positions.extend([
        Cursor::after(base - TimeDelta::days(1), Uuid::nil()),
        Cursor::after(base + TimeDelta::days(1), Uuid::nil()),
    ]);
    for than in positions {
        let expected = visible.iter().filter(|n| position(n) > than).count();
        let counted = ports
            .notifier
            .count_newer(reader.id, Some(than), 100)
            .await
            .unwrap();
        assert_eq!(
            usize::try_from(counted).unwrap(),
            expected,
            "newer than {than:?}"
        );
    }
}

/// `count_newer` answers `min(count, at_most)`, with or without a position, across the
/// user's own feed and several followed creators'.
pub async fn count_newer_stops_at_at_most(ports: &Ports) {
    let reader = user(&*ports.catalog).await;
    let base = now() - TimeDelta::minutes(30);
    let mut all = own_notes(
        ports,
        reader.id,
        &[base + TimeDelta::seconds(1), base + TimeDelta::seconds(9)],
    )
    .await;
    for c in 0..3 {
        let star = seller(&*ports.catalog).await;
        ports
            .follows
            .follow(reader.id, star.creator.id, base)
            .await
            .unwrap();
        for s in 0..3 {
            let note = drop_note(star.creator.id, base + TimeDelta::seconds(2 + c * 3 + s));
            assert!(ports.notifier.deliver(&note).await.unwrap());
            all.push(note);
        }
    }
    assert_eq!(all.len(), 11);
    for at_most in [0, 1, 5, 10, 11, 12, 100] {
        assert_eq!(
            ports
                .notifier
                .count_newer(reader.id, None, at_most)
                .await
                .unwrap(),
            at_most.min(11),
            "at most {at_most}"
        );
    }
    all.sort_by_key(|n| std::cmp::Reverse(position(n)));
    // Four are newer than the fifth newest.
    let than = Some(position(&all[4]));
    for (at_most, expected) in [(0, 0), (2, 2), (4, 4), (5, 4)] {
        assert_eq!(
            ports
                .notifier
                .count_newer(reader.id, than, at_most)
                .await
                .unwrap(),
            expected,
            "at most {at_most} past the fifth newest"
        );
    }
}

/// Racing marks of one user to 24 positions leave the latest of them, whatever order they
/// land in; at least one reports moving the mark, and afterwards none of them moves it.
pub async fn concurrent_marks_keep_the_latest_position(ports: &Ports) {
    let reader = user(&*ports.catalog).await.id;
    let t = now() - TimeDelta::minutes(5);
    let positions: Vec<Cursor> = (0..24)
        .map(|i| Cursor::after(t + TimeDelta::milliseconds(i), Uuid::now_v7()))
        .collect();
    let moved = race(positions.len(), |i| {
        let notifier = ports.notifier.clone();
        // Interleaved, so later positions do not simply start later.
        let at = positions[(i * 7) % positions.len()];
        async move { notifier.mark_read(reader, at).await.unwrap() }
    })
    .await;
    assert!(moved.iter().any(|&m| m), "some mark moved it");
    let latest = *positions.iter().max().unwrap();
    assert_eq!(
        ports.notifier.read_mark(reader).await.unwrap(),
        Some(latest)
    );
    for &at in &positions {
        assert!(!ports.notifier.mark_read(reader, at).await.unwrap());
    }
    assert_eq!(
        ports.notifier.read_mark(reader).await.unwrap(),
        Some(latest)
    );
}
