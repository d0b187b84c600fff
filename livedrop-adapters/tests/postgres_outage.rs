//! The database goes away under the ledger and comes back: while it is gone every call is
//! refused at once by the backend's circuit breaker (the server's `503` with
//! `Retry-After`), nothing is half-written, and the ports recover by themselves.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use livedrop_adapters::postgres::LedgerMode;
use livedrop_core::Error;
use livedrop_core::ports::{Ledger, Placement};
use livedrop_core::testkit::fixtures;
use support::outage_proxy::OutageProxy;

/// Where `url`'s `host:port` stands in it.
fn host_port(url: &str) -> std::ops::Range<usize> {
    let start = url
        .find('@')
        .map_or(url.find("//").unwrap() + 2, |at| at + 1);
    start..start + url[start..].find('/').unwrap()
}

async fn order(
    ledger: &dyn Ledger,
    buyer: &livedrop_core::domain::User,
    drop_id: livedrop_core::ids::DropId,
) -> livedrop_core::Result<Placement> {
    ledger
        .place_order(&fixtures::order_request(
            buyer.id,
            drop_id,
            1,
            &fixtures::key(),
        ))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_database_is_refused_at_once_and_recovers_by_itself() {
    let url = match support::postgres::database_url().await {
        Ok(url) => url,
        Err(why) => return support::missing("PostgreSQL", &why),
    };
    let at = host_port(&url);
    let upstream = tokio::net::lookup_host(&url[at.clone()])
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = OutageProxy::start(upstream).await;
    let proxied = format!("{}{}{}", &url[..at.start], proxy.addr, &url[at.end..]);
    let pg = support::postgres::backend_at(proxied, LedgerMode::default()).await;
    let ports = pg.ports(support::postgres::base());
    let shop = fixtures::live_drop(&*ports.catalog, 1_000).await;
    let drop_id = shop.drop.id;
    let buyer = fixtures::user(&*ports.catalog).await;

    let mut confirmed: u64 = 0;
    for _ in 0..5 {
        assert!(matches!(
            order(&*ports.ledger, &buyer, drop_id).await,
            Ok(Placement::Confirmed(_))
        ));
        confirmed += 1;
    }

    proxy.take_down();
    // The first order to meet the outage finds the batch's connection cut, or no
    // connection to be had: either way a retryable `Unavailable`, and the circuit opens.
    let first = order(&*ports.ledger, &buyer, drop_id).await.unwrap_err();
    assert!(matches!(first, Error::Unavailable { .. }), "{first:?}");
    assert!(!pg.is_up(), "the backend noticed the database is gone");

    // From then on nothing waits for the database: orders, reads and stock are refused
    // without a connection attempt.
    for _ in 0..50 {
        let refused = order(&*ports.ledger, &buyer, drop_id).await.unwrap_err();
        assert!(refused.is_circuit_open(), "{refused:?}");
    }
    let read = ports.catalog.get_user(buyer.id).await.unwrap_err();
    assert!(read.is_circuit_open(), "{read:?}");
    let stock = ports.ledger.stock(drop_id).await.unwrap_err();
    assert!(stock.is_circuit_open(), "{stock:?}");

    proxy.bring_back().await;
    // The probe in the background closes the circuit within about a second.
    let mut back = false;
    for _ in 0..100 {
        if pg.is_up() {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(back, "the circuit closed once the database answered again");
    for _ in 0..5 {
        assert!(matches!(
            order(&*ports.ledger, &buyer, drop_id).await,
            Ok(Placement::Confirmed(_))
        ));
        confirmed += 1;
    }

    // Nothing the outage refused was written.
    let summary = ports.ledger.summary(drop_id).await.unwrap();
    assert_eq!(summary.confirmed_orders, confirmed);
    assert_eq!(
        u64::from(summary.initial_stock - summary.available),
        confirmed
    );
}
