//! [`conformance_suite!`](crate::conformance_suite): the whole suite as `#[tokio::test]`s.
//!
//! A backend's test file is one line:
//!
//! ```ignore
//! livedrop_core::conformance_suite!(async { my_backend().await.ports() });
//! // or, with `async fn make() -> Ports` in scope:
//! livedrop_core::conformance_suite!(make);
//! ```
//!
//! Each case gets its own test (in a module named after its file, e.g. `ledger::…`) and
//! evaluates the factory once, so a factory that builds a fresh backend isolates every
//! case. A factory that hands every case one shared backend also works, since cases create
//! unique data and filter what they read, with these exceptions, which need the backend to
//! themselves: `outbox::mark_sent_removes_records_for_good` and
//! `outbox::small_claims_drain_a_key_once_in_order` mark whole claimed batches sent (other
//! cases' events included), `cache::stats_count_hits_and_misses` and
//! `event_bus::lag_counts_what_the_group_has_not_committed` and
//! `event_bus::the_bus_counts_a_stalled_groups_backlog` and
//! `event_bus_tail::tails_leave_groups_and_their_lag_alone` count exactly, and the
//! `ledger_schedule` cases and `concurrency::concurrent_schedulers_apply_each_transition_once`
//! expect their own `advance_drops` calls to apply their drops.
//!
//! Concurrency cases (`concurrency`, `concurrent_writes`, `concurrent_pagination` and the
//! concurrent idempotency, rate-limit, credentials and read-mark cases) run on a
//! multi-thread runtime with two workers. The using crate needs `tokio` (features `macros`,
//! `rt-multi-thread`) as a dev-dependency. The whole suite takes a few seconds against the
//! memory backend (the expiry cases sleep in real time).

/// Expands to one `#[tokio::test]` per conformance case, each building its
/// [`Ports`](crate::ports::Ports) with the given factory, which is one of:
/// - an `async` block: `conformance_suite!(async { backend().await.ports() })`;
/// - the path of an `async fn() -> Ports`: `conformance_suite!(make)`;
/// - a call of an async fn: `conformance_suite!(backends::make(config()))`;
/// - any other future of `Ports`, in parentheses: `conformance_suite!((make_future()))`;
/// - `optional` and the path of an `async fn() -> Option<Ports>`: a case whose factory
///   returns `None` (its backend is not configured here) returns at once, after the
///   factory has said why.
///
/// Prefixed with `event_bus:` (e.g. `conformance_suite!(event_bus: optional make)`), it
/// expands to the [`EventBus`](crate::ports::EventBus) cases only (modules `event_bus` and
/// `event_bus_tail`), for a backend that provides nothing but the bus; `media:` likewise
/// expands to the [`Media`](crate::ports::Media) cases only (module `media`), and `cache:`
/// to the [`Cache`](crate::ports::Cache) cases only (module `cache`), for a second
/// composition of a backend's cache; `idempotency:` and `rate_limiter:` likewise, for a
/// second deployment of a backend's shared state (Redis Cluster).
#[macro_export]
macro_rules! conformance_suite {
    (@module ($make:expr) $ports:ident $module:ident ($arg:expr)
        [$($case:ident),* $(,)?] [$($multi:ident),* $(,)?]) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[::tokio::test]
                async fn $case() {
                    let $ports: $crate::ports::Ports = $make;
                    $crate::testkit::$module::$case($arg).await;
                }
            )*
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $multi() {
                    let $ports: $crate::ports::Ports = $make;
                    $crate::testkit::$module::$multi(&$ports).await;
                }
            )*
        }
    };
    // The event bus cases (groups, then tails) on their own, for a backend that provides
    // only the bus.
    (@run event_bus ($make:expr)) => {
        $crate::conformance_suite!(@module ($make) ports event_bus (&*ports.bus) [
            subscribers_receive_every_event_in_key_order,
            batches_hand_out_every_event_in_key_order,
            every_group_receives_every_event,
            a_group_shares_events_between_its_members,
            uncommitted_events_are_redelivered,
            a_dead_members_events_survive_a_committing_peer,
            a_group_catches_up_after_all_members_left,
            lag_counts_what_the_group_has_not_committed,
            the_bus_counts_a_stalled_groups_backlog,
        ] []);
        $crate::conformance_suite!(@module ($make) ports event_bus_tail (&*ports.bus) [
            a_tail_delivers_what_was_published_after_it_opened,
            every_tail_gets_every_event,
            a_tail_delivers_at_once,
            tails_leave_groups_and_their_lag_alone,
        ] []);
    };
    (@run media ($make:expr)) => {
        $crate::conformance_suite!(@module ($make) ports media (&*ports.media) [
            presigned_upload_is_bound_to_its_request,
            presigned_urls_differ_per_key_and_expiry,
            public_urls_name_their_key,
        ] []);
    };
    // The cache cases on their own, for a backend's other composition of its cache.
    (@run cache ($make:expr)) => {
        $crate::conformance_suite!(@module ($make) ports cache (&*ports.cache) [
            get_returns_the_last_put,
            entries_expire_after_their_ttl,
            invalidate_removes_exactly_the_given_keys,
            stats_count_hits_and_misses,
        ] []);
    };
    // The idempotency and rate-limit cases on their own, for a second deployment of a
    // backend's shared state (a Redis Cluster beside a single Redis).
    (@run idempotency ($make:expr)) => {
        $crate::conformance_suite!(@module ($make) ports idempotency (&*ports.idempotency) [
            begin_is_set_if_absent,
            complete_stores_the_answer_for_replay,
            abandon_frees_the_key,
            complete_and_abandon_ignore_other_fingerprints,
            completed_records_are_not_touched,
            keys_of_different_users_never_collide,
            in_flight_records_expire_after_the_lock_ttl,
            completed_records_expire_after_retention,
        ] [
            concurrent_begins_start_exactly_once,
        ]);
    };
    (@run rate_limiter ($make:expr)) => {
        $crate::conformance_suite!(@module ($make) ports rate_limiter (&*ports.rate_limiter) [
            a_fresh_bucket_grants_its_capacity_then_denies,
            grants_stay_within_capacity_plus_refill,
            a_denied_check_takes_nothing,
            subjects_and_classes_are_independent,
        ] [
            concurrent_checks_never_overgrant,
        ]);
    };
    (@run all ($make:expr)) => {
        $crate::conformance_suite!(@module ($make) ports ledger (&ports) [
            place_order_confirms_takes_stock_and_stores_the_order,
            place_order_sold_out_writes_nothing,
            place_order_insufficient_stock_writes_nothing,
            place_order_on_scheduled_drop_is_not_live,
            place_order_on_ended_drop_is_not_live,
            place_order_over_the_per_user_limit_is_refused,
            place_order_on_unknown_drop_is_refused,
            unknown_order_is_not_found,
            orders_by_user_are_newest_first_and_paginated,
        ] []);
        $crate::conformance_suite!(@module ($make) ports ledger_replays (&ports) [
            same_key_returns_the_existing_order_without_taking_stock,
            same_key_with_another_payload_is_a_mismatch,
            same_key_of_different_users_are_different_orders,
            same_key_after_sell_out_returns_the_existing_order,
            retry_of_a_cancelled_order_takes_nothing,
        ] []);
        $crate::conformance_suite!(@module ($make) ports ledger_events (&ports) [
            place_order_appends_order_confirmed_and_audit_entry,
            first_order_announces_the_due_start_once,
            stock_low_is_emitted_exactly_once,
            sell_out_is_emitted_exactly_once,
            zero_threshold_never_warns_and_sell_out_comes_from_the_last_unit,
        ] []);
        $crate::conformance_suite!(@module ($make) ports ledger_cancel (&ports) [
            cancel_returns_stock_exactly_once,
            cancel_of_another_users_order_is_not_found,
            cancel_reopens_a_sold_out_drop,
            cancel_frees_the_per_user_limit,
        ] []);
        $crate::conformance_suite!(@module ($make) ports ledger_schedule (&ports) [
            advance_drops_applies_each_transition_once,
            advance_drops_ends_closed_windows,
            advance_drops_respects_its_limit,
            next_due_is_the_earliest_transition_ahead,
        ] []);
        $crate::conformance_suite!(@module ($make) ports catalog (&ports) [
            users_round_trip_and_emails_are_unique,
            creators_are_unique_per_handle_and_owner,
            creator_writes_append_events_and_move_the_handle,
            product_writes_are_evented_and_audited,
            products_by_creator_are_newest_first_and_paginated,
            creator_of_finds_the_owners_creator,
        ] []);
        $crate::conformance_suite!(@module ($make) ports catalog_drops (&ports) [
            create_drop_creates_its_stock_event_and_audit,
            create_drop_needs_a_product_of_its_creator,
            update_drop_replaces_a_scheduled_drop,
            update_drop_after_start_is_not_editable,
            drops_by_status_are_ordered_by_start,
            drops_by_creator_are_newest_first_and_paginated,
        ] []);
        $crate::conformance_suite!(@module ($make) ports credentials (&ports) [
            register_stores_the_user_and_password_together,
            passwords_round_trip_and_need_a_user,
            rotation_spends_the_token_and_keeps_the_family,
            reusing_a_spent_token_revokes_the_family,
            expired_and_unknown_tokens_are_refused,
            revoke_family_ends_one_family_only,
            a_family_is_live_until_logout_revokes_it,
            revocations_are_listed_from_when_they_happened,
            a_reused_refresh_token_ends_its_family,
            a_family_is_live_while_its_refresh_token_is,
        ] [
            concurrent_rotations_of_one_token_let_exactly_one_win,
            logout_racing_a_rotation_leaves_no_live_token,
        ]);
        $crate::conformance_suite!(@module ($make) ports credentials_token_ids (&ports) [
            a_token_id_is_spent_once,
            expired_token_ids_are_never_spent,
        ] [
            concurrent_spends_of_one_id_let_exactly_one_win,
        ]);
        $crate::conformance_suite!(@module ($make) ports follows (&ports) [
            follow_and_unfollow_are_idempotent,
            unfollow_without_follow_changes_nothing,
            follower_count_is_exact,
            follow_changes_are_evented_and_audited_once,
            follow_of_unknown_user_or_creator_is_not_found,
            follow_lists_are_newest_first_and_paginated,
        ] []);
        $crate::conformance_suite!(@run idempotency ($make));
        $crate::conformance_suite!(@module ($make) ports outbox (&ports) [
            claim_returns_a_keys_records_in_commit_order,
            an_orders_trace_comes_out_with_its_events,
            a_key_is_leased_to_one_claimer_at_a_time,
            mark_sent_removes_records_for_good,
            small_claims_drain_a_key_once_in_order,
            expired_leases_release_their_records,
            lag_counts_unsent_records,
            a_waiting_relay_hears_of_appends,
        ] []);
        $crate::conformance_suite!(@run event_bus ($make));
        $crate::conformance_suite!(@module ($make) ports notifier (&ports) [
            deliver_is_idempotent_by_event_id,
            followers_see_what_happened_while_they_followed,
            inbox_is_newest_first_and_paginated,
            an_inbox_merges_many_creators_in_order_at_every_page_size,
            deliver_all_answers_as_one_by_one,
            stock_notices_coalesce_within_their_window,
        ] []);
        $crate::conformance_suite!(@module ($make) ports notifier_reads (&ports) [
            read_marks_only_move_forward,
            count_newer_counts_what_the_inbox_lists_after_a_position,
            count_newer_stops_at_at_most,
        ] [
            concurrent_marks_keep_the_latest_position,
        ]);
        $crate::conformance_suite!(@run cache ($make));
        $crate::conformance_suite!(@run rate_limiter ($make));
        $crate::conformance_suite!(@module ($make) ports audit_log (&*ports.audit) [
            appended_entries_read_back_unchanged,
            entries_are_newest_first_and_paginated,
        ] []);
        $crate::conformance_suite!(@run media ($make));
        $crate::conformance_suite!(@module ($make) ports concurrency (&ports) [] [
            concurrent_buyers_small_stock,
            concurrent_buyers_exact_stock,
            concurrent_buyers_large_stock,
            concurrent_buyers_multi_unit,
            one_idempotency_key_from_many_tasks_places_one_order,
            concurrent_follows_of_one_pair_store_one_follow,
            concurrent_follow_churn_keeps_the_count_exact,
            concurrent_schedulers_apply_each_transition_once,
        ]);
        $crate::conformance_suite!(@module ($make) ports concurrent_writes (&ports) [] [
            concurrent_cancels_return_stock_once,
            concurrent_buys_and_cancels_keep_the_books,
            drops_are_never_visible_without_stock,
        ]);
        $crate::conformance_suite!(@module ($make) ports concurrent_pagination (&ports) [] [
            followers_pagination_is_stable_under_inserts,
            products_pagination_is_stable_under_inserts,
            drops_by_status_pagination_is_stable_under_inserts,
            orders_pagination_is_stable_under_inserts,
        ]);
    };
    (@factory $only:ident async $($body:tt)*) => {
        $crate::conformance_suite!(@run $only ((async $($body)*).await));
    };
    (@factory $only:ident optional $factory:path) => {
        $crate::conformance_suite!(@run $only (match $factory().await {
            Some(ports) => ports,
            None => return,
        }));
    };
    (@factory $only:ident $($factory:ident)::+ ($($args:tt)*)) => {
        $crate::conformance_suite!(@run $only ($($factory)::+($($args)*).await));
    };
    (@factory $only:ident $factory:path) => {
        $crate::conformance_suite!(@run $only ($factory().await));
    };
    (@factory $only:ident $factory:expr) => {
        $crate::conformance_suite!(@run $only ($factory.await));
    };
    (event_bus: $($factory:tt)*) => {
        $crate::conformance_suite!(@factory event_bus $($factory)*);
    };
    (media: $($factory:tt)*) => {
        $crate::conformance_suite!(@factory media $($factory)*);
    };
    (cache: $($factory:tt)*) => {
        $crate::conformance_suite!(@factory cache $($factory)*);
    };
    (idempotency: $($factory:tt)*) => {
        $crate::conformance_suite!(@factory idempotency $($factory)*);
    };
    (rate_limiter: $($factory:tt)*) => {
        $crate::conformance_suite!(@factory rate_limiter $($factory)*);
    };
    ($($factory:tt)*) => {
        $crate::conformance_suite!(@factory all $($factory)*);
    };
}
