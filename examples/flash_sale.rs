//! A flash sale against a running server: a creator schedules a drop of `--units` units,
//! `--buyers` simulated buyers register and, the moment it goes live, buy one unit at a
//! time until it sells out. Prints what sold, what was refused, the throughput, latency
//! percentiles, and checks that nothing was oversold against the server's own records.
//!
//! ```sh
//! cargo run -p livedrop-server                        # in one terminal
//! cargo run --example flash_sale -- --buyers 100 --units 300
//! ```
//!
//! Each buyer connects from its own loopback address (127.0.0.2, 127.0.0.3, ...), as real
//! buyers come from their own addresses: the server's per-address sign-up limit then
//! applies per buyer, not to the whole simulation. Linux routes all of 127.0.0.0/8 to the
//! loopback; elsewhere pass `--one-address` (registrations then pace themselves to the
//! limit). Each finishes signing up with the link the server mails, read from the
//! server's mail directory on this machine (`LIVEDROP_MAIL_DIR`, or the server's default).
//! Exits 1 if the check fails.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use clap::Parser;
use futures_util::{StreamExt, TryStreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};
use livedrop_client::{ApiErrorKind, Client, ClientError};
use livedrop_core::domain::DropStatus;
use livedrop_core::ids::DropId;
use livedrop_core::wire::{CreateCreatorBody, CreateDropBody, CreateProductBody};

#[derive(Parser)]
struct Args {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// Simulated buyers.
    #[arg(long, default_value_t = 100)]
    buyers: usize,
    /// Units on sale.
    #[arg(long, default_value_t = 300)]
    units: u32,
    /// Every buyer connects from 127.0.0.1.
    #[arg(long)]
    one_address: bool,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What one buyer saw.
#[derive(Default)]
struct Tally {
    confirmed: u32,
    refused: u32,
    latencies: Vec<Duration>,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let seller = client(&args, None)?;
    let drop = schedule_drop(&seller, &run, args.units).await?;

    let signing_up = ProgressBar::new(args.buyers as u64).with_message("buyers signing up");
    signing_up.set_style(ProgressStyle::with_template("{msg} {bar:40} {pos}/{len}")?);
    let buyers: Vec<Client> = stream::iter(0..args.buyers)
        .map(|i| {
            let (args, run, bar) = (&args, &run, &signing_up);
            async move {
                let address = (!args.one_address).then(|| buyer_address(i));
                let buyer = client(args, address)?;
                let email = format!("buyer{i}-{run}@example.com");
                sign_up(&buyer, &email, "Buyer").await?;
                bar.inc(1);
                Ok::<_, Error>(buyer)
            }
        })
        .buffer_unordered(8)
        .try_collect()
        .await?;
    signing_up.finish();

    wait_until_live(&seller, drop).await?;
    let selling = ProgressBar::new(u64::from(args.units)).with_message("units sold");
    selling.set_style(ProgressStyle::with_template(
        "{msg} {bar:40} {pos}/{len} {per_sec}",
    )?);
    let started = Instant::now();
    let tallies = futures_util::future::join_all(
        buyers
            .iter()
            .map(|buyer| buy_until_sold_out(buyer, drop, &selling)),
    )
    .await;
    let elapsed = started.elapsed();
    selling.finish();

    let mut latencies: Vec<Duration> = Vec::new();
    let (mut confirmed, mut refused) = (0, 0);
    for tally in tallies {
        let tally = tally?;
        confirmed += tally.confirmed;
        refused += tally.refused;
        latencies.extend(tally.latencies);
    }
    latencies.sort();
    let available = seller.drops().get(drop).await?.stock.available;
    let recorded = recorded_units(&buyers).await?;
    let orders = latencies.len();
    println!(
        "sold        {confirmed} of {} units to {} buyers",
        args.units, args.buyers
    );
    println!("refused     {refused} orders (sold out)");
    println!(
        "throughput  {:.0} orders/s ({orders} orders in {:.2} s)",
        orders as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!(
        "latency     p50 {:.1?}  p95 {:.1?}  p99 {:.1?}  max {:.1?}",
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or_default()
    );
    let sound = recorded == confirmed && recorded + available == args.units;
    println!(
        "oversell    {}: the server records {recorded} units in orders, {available} left, of {}",
        if sound { "none" } else { "CHECK FAILED" },
        args.units
    );
    if !sound {
        std::process::exit(1);
    }
    Ok(())
}

/// A client for the server, sending from `address` if given.
fn client(args: &Args, address: Option<IpAddr>) -> Result<Client, Error> {
    let http = reqwest::Client::builder().local_address(address).build()?;
    Ok(Client::builder()
        .base_url(&args.base_url)
        .http_client(http)
        .build()?)
}

/// 127.0.0.2, 127.0.0.3, ... (127.0.0.1 is the seller's).
fn buyer_address(i: usize) -> IpAddr {
    let n = u32::try_from(i).unwrap_or(u32::MAX).saturating_add(2);
    let [_, b, c, d] = n.to_be_bytes();
    IpAddr::V4(Ipv4Addr::new(127, b, c, d))
}

/// Registers `email` as a buyer would: asks for the link, reads it from the server's mail
/// (its mail directory on this machine: see `livedrop_load::confirmations`) and confirms
/// with a password. Sign-ups are rate limited per address, and the client never retries
/// them (a confirmation answered but lost would find its account made): wait out a
/// refusal here.
async fn sign_up(client: &Client, email: &str, name: &str) -> Result<(), Error> {
    waiting_out_429(|| client.auth().register(email, name)).await?;
    let token = livedrop_load::confirmations::shared().take(email).await?;
    waiting_out_429(|| {
        client
            .auth()
            .confirm_registration(&token, "flash-sale-pass")
    })
    .await?;
    Ok(())
}

/// `call`'s answer, repeated after each `429`'s `Retry-After`.
async fn waiting_out_429<T, F, Fut>(call: F) -> Result<T, Error>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    loop {
        match call().await {
            Ok(answer) => return Ok(answer),
            Err(error) => match error.kind() {
                Some(ApiErrorKind::RateLimited { retry_after }) => {
                    tokio::time::sleep(retry_after).await;
                }
                _ => return Err(error.into()),
            },
        }
    }
}

/// A creator with a product and a drop of `units` that goes live in two seconds.
async fn schedule_drop(seller: &Client, run: &str, units: u32) -> Result<DropId, Error> {
    sign_up(seller, &format!("seller-{run}@example.com"), "Seller").await?;
    let creator = seller
        .creators()
        .create(&CreateCreatorBody {
            display_name: "Flash Sale Co".try_into()?,
            handle: format!("flash{}", &run[..12]).as_str().try_into()?,
        })
        .await?;
    let product = seller
        .products()
        .create(&CreateProductBody {
            creator_id: creator.id,
            title: "Limited Sneaker".try_into()?,
            description: "One run only".try_into()?,
            price_cents: 12_000.try_into()?,
            currency_code: "EUR".try_into()?,
        })
        .await?;
    let start_at = Utc::now() + TimeDelta::seconds(2);
    let drop = seller
        .drops()
        .create(&CreateDropBody {
            product_id: product.id,
            start_at,
            end_at: start_at + TimeDelta::hours(1),
            initial_stock: i64::from(units),
            low_stock_threshold: i64::from(units / 10),
            max_per_user: None,
        })
        .await?;
    Ok(drop.id)
}

async fn wait_until_live(client: &Client, drop: DropId) -> Result<(), Error> {
    while client.drops().get(drop).await?.stock.status != DropStatus::Live {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// One unit at a time until the drop sells out.
async fn buy_until_sold_out(
    buyer: &Client,
    drop: DropId,
    bar: &ProgressBar,
) -> Result<Tally, Error> {
    let mut tally = Tally::default();
    loop {
        let sent = Instant::now();
        let answer = buyer.orders().place(drop, 1).await;
        match answer {
            Ok(order) => {
                tally.latencies.push(sent.elapsed());
                tally.confirmed += order.qty.get();
                bar.inc(u64::from(order.qty.get()));
            }
            Err(error) => match error.kind() {
                Some(ApiErrorKind::SoldOut | ApiErrorKind::InsufficientStock { .. }) => {
                    tally.latencies.push(sent.elapsed());
                    tally.refused += 1;
                    return Ok(tally);
                }
                // The client already waited and retried; the bucket is still empty.
                Some(ApiErrorKind::RateLimited { retry_after }) => {
                    tokio::time::sleep(retry_after).await
                }
                _ => return Err(error.into()),
            },
        }
    }
}

/// Units in the buyers' confirmed orders, as the server lists them.
async fn recorded_units(buyers: &[Client]) -> Result<u32, ClientError> {
    let mut units = 0;
    for buyer in buyers {
        let orders: Vec<_> = buyer.orders().mine().await?.items().try_collect().await?;
        units += orders
            .iter()
            .filter(|order| order.status == livedrop_core::domain::OrderStatus::Confirmed)
            .map(|order| order.qty.get())
            .sum::<u32>();
    }
    Ok(units)
}

/// The `p`th percentile of sorted `samples` (nearest rank).
fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}
