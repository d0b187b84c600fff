//! Coalescing of concurrent identical calls within one process: while a call for a key is
//! under way, later calls for that key wait for its value instead of making their own.
//!
//! Why: a burst of retries of one order (a client retrying in a loop, a load balancer
//! replaying) would otherwise cost one database round trip each, queued behind one another
//! on the same row; under load the queue can outlast the very lock it is queuing for. And
//! a live drop's page read by thousands at once would cost one cache round trip each for
//! the same few hundred bytes.

use std::future::Future;
use std::hash::Hash;

use dashmap::DashMap;
use livedrop_core::Result;
use tokio::sync::watch;

/// How a [`SingleFlight::run`] got its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Flight<V> {
    /// This call ran the work.
    Led(V),
    /// Another call for the key was under way; this is its value.
    Joined(V),
}

impl<V> Flight<V> {
    /// The value, however it was got.
    #[cfg(feature = "redis")]
    pub(crate) fn into_value(self) -> V {
        match self {
            Self::Led(value) | Self::Joined(value) => value,
        }
    }
}

/// Calls under way, by key. Entries live only while their call runs.
#[derive(Debug)]
pub(crate) struct SingleFlight<K: Eq + Hash, V> {
    flights: DashMap<K, watch::Receiver<Option<V>>>,
}

impl<K: Eq + Hash + Clone, V: Clone> SingleFlight<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            flights: DashMap::new(),
        }
    }

    /// Runs `work` for `key`, or joins the run under way. A joiner whose leader fails or is
    /// cancelled runs `work` itself: errors are not shared, so each caller sees its own.
    pub(crate) async fn run<Fut>(&self, key: K, work: impl FnOnce() -> Fut) -> Result<Flight<V>>
    where
        Fut: Future<Output = Result<V>>,
    {
        // The map's guard lives only for this statement: nothing awaits while holding it.
        let role = match self.flights.entry(key.clone()) {
            dashmap::Entry::Occupied(flight) => Err(flight.get().clone()),
            dashmap::Entry::Vacant(slot) => {
                let (sender, receiver) = watch::channel(None);
                slot.insert(receiver.clone());
                Ok((sender, receiver))
            }
        };
        let (sender, receiver) = match role {
            Ok(leader) => leader,
            Err(mut flight) => {
                if let Ok(value) = flight.wait_for(Option::is_some).await
                    && let Some(value) = value.clone()
                {
                    return Ok(Flight::Joined(value));
                }
                return work().await.map(Flight::Led);
            }
        };
        let landing = Landing {
            flights: &self.flights,
            key,
            receiver,
        };
        let value = work().await?;
        // Deregister before publishing, so no caller joins after the value is out.
        drop(landing);
        sender.send_replace(Some(value.clone()));
        Ok(Flight::Led(value))
    }
}

/// Removes the leader's entry when the leader finishes, fails or is dropped mid-call (its
/// dropped sender then wakes the joiners, who run on their own).
struct Landing<'a, K: Eq + Hash, V> {
    flights: &'a DashMap<K, watch::Receiver<Option<V>>>,
    key: K,
    receiver: watch::Receiver<Option<V>>,
}

impl<K: Eq + Hash, V> Drop for Landing<'_, K, V> {
    fn drop(&mut self) {
        self.flights
            .remove_if(&self.key, |_, flight| flight.same_channel(&self.receiver));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn concurrent_calls_share_one_run_and_later_calls_run_again() {
        let flights = Arc::new(SingleFlight::<u8, usize>::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let call = |flights: Arc<SingleFlight<u8, usize>>, runs: Arc<AtomicUsize>| async move {
            flights
                .run(1, || async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok(runs.fetch_add(1, Ordering::SeqCst))
                })
                .await
                .unwrap()
        };
        let (a, b) = tokio::join!(
            call(flights.clone(), runs.clone()),
            call(flights.clone(), runs.clone())
        );
        assert_eq!((a, b), (Flight::Led(0), Flight::Joined(0)));
        assert_eq!(call(flights.clone(), runs).await, Flight::Led(1));
        assert!(flights.flights.is_empty());
    }

    #[tokio::test]
    async fn joiners_of_a_failed_run_run_themselves() {
        let flights = SingleFlight::<u8, u8>::new();
        let failing = flights.run(1, || async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err(livedrop_core::Error::unavailable("test", "down"))
        });
        let joining = async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            flights.run(1, || async { Ok(7) }).await
        };
        let (failed, joined) = tokio::join!(failing, joining);
        assert!(failed.is_err());
        assert_eq!(joined.unwrap(), Flight::Led(7));
        assert!(flights.flights.is_empty());
    }
}
