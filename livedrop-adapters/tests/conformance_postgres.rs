//! The shared conformance suite against PostgreSQL, a fresh schema per case, with the
//! ledger in its default batched mode and, in `per_order`, one transaction per order.
#![cfg(feature = "postgres")]

mod support;

use support::postgres::{batched_ports, per_order_ports};

livedrop_core::conformance_suite!(optional batched_ports);

mod per_order {
    use super::*;

    livedrop_core::conformance_suite!(optional per_order_ports);
}
