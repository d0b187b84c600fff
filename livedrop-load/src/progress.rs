//! The progress bar's looks per phase, and the task that keeps it current during the load
//! from the live counts (the order tasks only bump atomics; nothing waits on drawing).

use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinHandle;

use crate::outcomes::OrderOutcomes;

/// How often the bar is redrawn during the load.
const REFRESH: Duration = Duration::from_millis(100);

/// A counting bar: `{msg} [bar] pos/len`.
pub fn counting(bar: &ProgressBar, message: &'static str, len: u64) {
    if let Ok(style) = ProgressStyle::with_template("{msg:<18} {wide_bar} {pos}/{len} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_length(len);
    bar.set_position(0);
    bar.set_message(message);
    bar.reset_elapsed();
}

/// A phase with no count: a spinner and `message`.
pub fn waiting(bar: &ProgressBar, message: String) {
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(REFRESH);
}

/// During the load: the bar's position is the orders sent (of `total`), its message the
/// confirmed, in-flight, `429` and skipped counts. Abort the task to stop.
pub fn follow_orders(
    bar: &ProgressBar,
    outcomes: Arc<OrderOutcomes>,
    total: u64,
) -> JoinHandle<()> {
    bar.disable_steady_tick();
    if let Ok(style) =
        ProgressStyle::with_template("orders {wide_bar} {pos}/{len} sent  {msg}  {elapsed}")
    {
        bar.set_style(style);
    }
    bar.set_length(total);
    bar.set_position(0);
    bar.set_message("starting");
    bar.reset_elapsed();
    let bar = bar.clone();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(REFRESH);
        loop {
            ticker.tick().await;
            let get = OrderOutcomes::get;
            bar.set_position(get(&outcomes.sent));
            bar.set_message(format!(
                "confirmed {}  in flight {}  429 {}  skipped {}",
                get(&outcomes.confirmed),
                get(&outcomes.in_flight),
                get(&outcomes.rate_limited),
                get(&outcomes.skipped),
            ));
        }
    })
}

/// During a load that lasts `duration`: the bar fills with the time gone, its message is
/// what `message` says now (live counts). Abort the task to stop.
pub fn follow_timed(
    bar: &ProgressBar,
    duration: Duration,
    message: impl Fn() -> String + Send + 'static,
) -> JoinHandle<()> {
    bar.disable_steady_tick();
    if let Ok(style) = ProgressStyle::with_template("load {wide_bar} {elapsed}  {msg}") {
        bar.set_style(style);
    }
    let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    bar.set_length(millis(duration));
    bar.set_position(0);
    bar.set_message("starting");
    bar.reset_elapsed();
    let bar = bar.clone();
    let start = Instant::now();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(REFRESH);
        loop {
            ticker.tick().await;
            bar.set_position(millis(start.elapsed()));
            bar.set_message(message());
        }
    })
}
