//! The drop lifecycle: `scheduled -> live -> sold_out | ended`, driven by time and stock.
//!
//! ```text
//! scheduled --start_at--> live --stock 0--> sold_out
//!     |                    |  <--cancel---    |
//!     +------end_at--------+-----end_at-------+--> ended
//! ```
//! `sold_out -> live` happens when a cancelled order returns stock before `end_at`.
//! `scheduled -> ended` covers a drop whose whole window passed while no scheduler ran.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a drop is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DropStatus {
    /// Announced; orders are refused until `start_at`.
    Scheduled,
    /// Taking orders.
    Live,
    /// No stock left; may go live again if an order is cancelled before `end_at`.
    SoldOut,
    /// The window closed. Final.
    Ended,
}

impl DropStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [DropStatus; 4] = [
        DropStatus::Scheduled,
        DropStatus::Live,
        DropStatus::SoldOut,
        DropStatus::Ended,
    ];

    /// The wire name (`"sold_out"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DropStatus::Scheduled => "scheduled",
            DropStatus::Live => "live",
            DropStatus::SoldOut => "sold_out",
            DropStatus::Ended => "ended",
        }
    }

    /// Whether the lifecycle allows going from `self` to `next`.
    pub fn can_become(self, next: DropStatus) -> bool {
        use DropStatus::*;
        matches!(
            (self, next),
            (Scheduled, Live)
                | (Scheduled, Ended)
                | (Live, SoldOut)
                | (Live, Ended)
                | (SoldOut, Live)
                | (SoldOut, Ended)
        )
    }

    /// `next` if the lifecycle allows it, otherwise an [`IllegalTransition`].
    pub fn transition(self, next: DropStatus) -> Result<DropStatus, IllegalTransition> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(IllegalTransition {
                from: self,
                to: next,
            })
        }
    }
}

impl fmt::Display for DropStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DropStatus {
    type Err = super::ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DropStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| super::ValidationError::UnknownDropStatus {
                value: s.to_owned(),
            })
    }
}

/// A status change the lifecycle forbids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a drop cannot go from {from} to {to}")]
pub struct IllegalTransition {
    /// Current status.
    pub from: DropStatus,
    /// Requested status.
    pub to: DropStatus,
}

#[cfg(test)]
mod tests {
    use super::DropStatus::*;
    use super::*;

    #[test]
    fn exactly_the_documented_transitions_are_legal() {
        let legal = [
            (Scheduled, Live),
            (Scheduled, Ended),
            (Live, SoldOut),
            (Live, Ended),
            (SoldOut, Live),
            (SoldOut, Ended),
        ];
        for from in DropStatus::ALL {
            for to in DropStatus::ALL {
                let expected = legal.contains(&(from, to));
                assert_eq!(from.can_become(to), expected, "{from} -> {to}");
                match from.transition(to) {
                    Ok(next) => assert!(expected && next == to),
                    Err(e) => assert!(!expected && e == IllegalTransition { from, to }),
                }
            }
        }
    }

    #[test]
    fn status_names_round_trip() {
        for status in DropStatus::ALL {
            assert_eq!(status.as_str().parse::<DropStatus>().unwrap(), status);
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{status}\"")
            );
        }
        assert!("upcoming".parse::<DropStatus>().is_err());
    }
}
