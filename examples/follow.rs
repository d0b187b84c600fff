//! Follow creators and print their drops' news as it happens: signs up a fan, follows
//! the creators of every upcoming and live drop (or the `--creator` ids given), then
//! prints each event the server streams (`drop.started`, `stock.low`, `drop.sold_out`,
//! and the fan's own orders) until ctrl-c or `--events` have arrived. The fan finishes
//! signing up with the link the server mails, read from the server's mail directory on
//! this machine (`LIVEDROP_MAIL_DIR`, or the server's default), as a person would click it.
//!
//! ```sh
//! cargo run -p livedrop-server                     # in one terminal
//! cargo run --example follow                       # in another
//! cargo run --example flash_sale                   # and watch the first one
//! ```
#![allow(clippy::print_stdout)]

use std::collections::BTreeSet;

use clap::Parser;
use futures_util::{StreamExt, TryStreamExt};
use livedrop_client::Client;
use livedrop_core::domain::DropStatus;
use livedrop_core::ids::CreatorId;

#[derive(Parser)]
struct Args {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// Creators to follow (default: those of every upcoming and live drop).
    #[arg(long)]
    creator: Vec<CreatorId>,
    /// Stop after this many events.
    #[arg(long)]
    events: Option<usize>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args = Args::parse();
    let fan = Client::builder().base_url(&args.base_url).build()?;
    let email = format!("fan-{}@example.com", uuid::Uuid::new_v4().simple());
    fan.auth().register(&email, "Fan").await?;
    // The link the server mailed, from its mail directory on this machine.
    let token = livedrop_load::confirmations::shared().take(&email).await?;
    fan.auth()
        .confirm_registration(&token, "follow-the-drops")
        .await?;

    let mut creators: BTreeSet<CreatorId> = args.creator.into_iter().collect();
    if creators.is_empty() {
        for status in [DropStatus::Scheduled, DropStatus::Live] {
            let drops: Vec<_> = fan.drops().browse(status).items().try_collect().await?;
            creators.extend(drops.iter().map(|drop| drop.creator_id));
        }
    }
    for creator in &creators {
        fan.follows().follow(*creator).await?;
    }
    println!(
        "following {} creators; waiting for events (ctrl-c to stop)",
        creators.len()
    );

    // Reconnects by itself (with Last-Event-ID) if the connection drops.
    let mut events = std::pin::pin!(fan.realtime().events());
    let mut seen = 0;
    while let Some(event) = events.next().await {
        let event = event?.event;
        println!(
            "{}  {:<16} creator {}  drop {}",
            event.occurred_at.format("%H:%M:%S%.3f"),
            event.kind(),
            event.creator_id,
            event.drop_id.map(|id| id.to_string()).unwrap_or_default()
        );
        seen += 1;
        if args.events.is_some_and(|max| seen >= max) {
            break;
        }
    }
    Ok(())
}
