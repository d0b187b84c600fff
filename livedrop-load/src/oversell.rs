//! The oversell check: the server's own count of units sold (`GET /drops/{id}`, read
//! from the authority) against the `201`s this tool saw. Every mode that orders ends
//! with it.

use livedrop_client::{Client, ClientError};
use livedrop_core::ids::DropId;
use livedrop_core::wire::DropView;

use crate::StockCheck;

/// `none: 100 - 40 available = 60 sold, 60 confirmed to this tool`, or `CHECK FAILED: ...`.
impl std::fmt::Display for StockCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} - {} available = {} sold, {} confirmed to this tool",
            if self.ok { "none" } else { "CHECK FAILED" },
            self.initial_stock,
            self.available,
            self.sold,
            self.confirmed_seen
        )
    }
}

impl StockCheck {
    /// `initialStock - available` of `view` against `confirmed_seen`, the `201`s seen
    /// during the load and on asking again about unanswered orders.
    pub fn of(view: &DropView, confirmed_seen: u64) -> Self {
        let initial_stock = view.drop.plan.initial_stock();
        let sold = i64::from(initial_stock) - i64::from(view.stock.available);
        Self {
            initial_stock,
            available: view.stock.available,
            sold,
            confirmed_seen,
            // `available` is unsigned on the wire: a negative count would not decode.
            ok: u64::try_from(sold).is_ok_and(|sold| sold == confirmed_seen),
        }
    }

    /// Reads `drop` from the server's authority through `client` and checks it.
    ///
    /// # Errors
    /// The read failing.
    pub async fn read(
        client: &Client,
        drop: DropId,
        confirmed_seen: u64,
    ) -> Result<Self, ClientError> {
        let view = client.drops().get(drop).await?;
        Ok(Self::of(&view, confirmed_seen))
    }

    /// The failure sentence when the check did not pass.
    pub fn failure(&self) -> Option<String> {
        (!self.ok).then(|| {
            format!(
                "oversell check: initial stock {} - available {} = {} sold, but {} orders \
                 were confirmed to this tool",
                self.initial_stock, self.available, self.sold, self.confirmed_seen
            )
        })
    }
}
