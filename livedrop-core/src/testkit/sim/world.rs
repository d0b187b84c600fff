//! The simulated world: buyers, one creator with a product, and a few drops whose stock,
//! thresholds, limits and windows come from the seed.
//!
//! Windows are placed on the run's expected time span, so in a typical run some drops are
//! live from the start, some open and close mid-run, and some are still open at the end;
//! stocks are small, so drops sell out, get restocked by cancels, and sell out again.

use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::oracle::{DropModel, Seen, Violation, read};
use crate::domain::{
    self, Creator, CurrencyCode, Description, DisplayName, DropWindow, Email, Handle, PersonName,
    PriceCents, Product, ProductDetails, StockPlan, Title, User,
};
use crate::ids::{DropId, UserId};
use crate::ports::Catalog;

/// Who buys and what is on sale.
#[derive(Debug)]
pub struct World {
    /// The buyers.
    pub users: Vec<UserId>,
    /// The drops, as created.
    pub drops: Vec<DropModel>,
    /// An id no drop has.
    pub missing_drop: DropId,
}

/// Creates `users` buyers and `drops` drops in `catalog` at `start`, for a run expected to
/// span `span` of simulated time.
pub fn build(
    catalog: &dyn Catalog,
    rng: &mut ChaCha8Rng,
    start: DateTime<Utc>,
    span: TimeDelta,
    users: usize,
    drops: usize,
) -> Result<World, Violation> {
    let owner = user(catalog, "creator", start)?;
    let creator = Creator::new(
        owner,
        DisplayName::try_from("Sim Creator").map_err(text)?,
        Handle::try_from("sim_creator").map_err(text)?,
        start,
    );
    read("create_creator", catalog.create_creator(&creator))?;
    let details = ProductDetails {
        title: Title::try_from("Simulated sneaker").map_err(text)?,
        description: Description::try_from("").map_err(text)?,
        price_cents: PriceCents::try_from(12_900).map_err(text)?,
        currency_code: CurrencyCode::try_from("EUR").map_err(text)?,
    };
    let product = Product::new(creator.id, details, start);
    read("create_product", catalog.create_product(&product, owner))?;

    let buyers = (0..users)
        .map(|i| user(catalog, &format!("buyer{i}"), start))
        .collect::<Result<Vec<_>, _>>()?;
    let mut models = Vec::with_capacity(drops);
    for i in 0..drops {
        let window = window(rng, start, span, i)?;
        let plan = plan(rng)?;
        let drop = domain::Drop::new(product.id, creator.id, window, plan, start);
        read("create_drop", catalog.create_drop(&drop, owner))?;
        models.push(DropModel {
            id: drop.id,
            window,
            plan,
            seen: Seen::new(plan.initial_stock()),
        });
    }
    Ok(World {
        users: buyers,
        drops: models,
        missing_drop: DropId::new(),
    })
}

fn user(catalog: &dyn Catalog, name: &str, now: DateTime<Utc>) -> Result<UserId, Violation> {
    let user = User::new(
        Email::try_from(format!("{name}@sim.example.com")).map_err(text)?,
        PersonName::try_from(name).map_err(text)?,
        now,
    );
    read("create_user", catalog.create_user(&user))?;
    Ok(user.id)
}

/// Drop 0 opens right away; the others open somewhere in the first 70% of the span. All
/// stay open between 10% and 90% of the span, so most close during the run.
fn window(
    rng: &mut ChaCha8Rng,
    start: DateTime<Utc>,
    span: TimeDelta,
    index: usize,
) -> Result<DropWindow, Violation> {
    let span_ms = span.num_milliseconds().max(1_000);
    let opens = if index == 0 {
        1_000
    } else {
        rng.random_range(0..span_ms * 7 / 10)
    };
    let length = rng.random_range(span_ms / 10..=span_ms * 9 / 10);
    let open_at = start + TimeDelta::milliseconds(opens);
    DropWindow::new(open_at, open_at + TimeDelta::milliseconds(length.max(1))).map_err(text)
}

/// Stocks from one unit (sold out by the first order) to a hundred or so (which last a
/// while, so plenty of orders confirm and retries meet committed orders); thresholds anywhere from off to the whole stock; a
/// per-user limit on about half of them.
fn plan(rng: &mut ChaCha8Rng) -> Result<StockPlan, Violation> {
    let stock: i64 = match rng.random_range(0..10) {
        0..3 => rng.random_range(1..=3),
        3..6 => rng.random_range(4..=15),
        _ => rng.random_range(20..=120),
    };
    let threshold = if rng.random_bool(0.25) {
        0
    } else {
        rng.random_range(1..=stock)
    };
    let limit = rng.random_bool(0.5).then(|| rng.random_range(1..=4));
    StockPlan::new(stock, threshold, limit).map_err(text)
}

fn text(error: impl std::fmt::Display) -> Violation {
    format!("building the simulated world: {error}")
}
