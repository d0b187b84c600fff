//! The consumer loop against a scripted bus and handler.
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use livedrop_core::domain::{Event, EventData};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::{Error, Result};

use super::*;
use crate::background::RetryPolicy;

/// A bus with one subscription that hands out `events` (partition 0, offsets from 0),
/// then waits forever; it records the offsets committed. While `joins_held`, a subscribe
/// waits; then it refuses the first `refused_joins`, as a broker that admits no member to
/// the group.
#[derive(Debug, Default)]
struct Script {
    events: Mutex<VecDeque<Delivery>>,
    committed: Mutex<Vec<i64>>,
    joins_held: AtomicBool,
    refused_joins: Mutex<u32>,
}

#[derive(Debug)]
struct ScriptedBus(Arc<Script>);

#[derive(Debug)]
struct ScriptedSubscription(Arc<Script>);

#[async_trait]
impl EventBus for ScriptedBus {
    async fn publish(&self, _events: &[Event]) -> Result<()> {
        Ok(())
    }
    async fn subscribe(&self, _group: &str) -> Result<Box<dyn EventSubscription>> {
        while self.0.joins_held.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let mut refused = self.0.refused_joins.lock().unwrap();
        if *refused > 0 {
            *refused -= 1;
            return Err(Error::unavailable("test", "no member admitted"));
        }
        Ok(Box::new(ScriptedSubscription(self.0.clone())))
    }
    async fn lag(&self, _group: &str) -> Result<Vec<livedrop_core::ports::PartitionLag>> {
        Ok(Vec::new())
    }
    /// The script's publishes go nowhere, so a tail of one partition, from offset 0, waits
    /// forever.
    async fn tail(&self) -> Result<Box<dyn livedrop_core::ports::EventTail>> {
        Ok(Box::new(ScriptedTail))
    }
}

/// A tail of a bus nothing is published to.
#[derive(Debug)]
struct ScriptedTail;

#[async_trait]
impl livedrop_core::ports::EventTail for ScriptedTail {
    fn start(&self) -> &[i64] {
        &[0]
    }
    async fn next_batch(&mut self, _max: usize) -> Result<Vec<Delivery>> {
        std::future::pending().await
    }
}

#[async_trait]
impl EventSubscription for ScriptedSubscription {
    async fn next(&mut self) -> Result<Delivery> {
        let next = self.0.events.lock().unwrap().pop_front();
        match next {
            Some(delivery) => Ok(delivery),
            None => std::future::pending().await,
        }
    }
    async fn commit(&mut self, delivery: &Delivery) -> Result<()> {
        self.0.committed.lock().unwrap().push(delivery.offset);
        Ok(())
    }
    async fn lag(&mut self) -> Result<u64> {
        Ok(0)
    }
}

/// A handler answering from a script of outcomes, then `Ok(true)`.
#[derive(Debug, Default)]
struct ScriptedHandler {
    outcomes: Mutex<VecDeque<Result<bool>>>,
    calls: Mutex<Vec<i64>>,
}

#[async_trait]
impl EventHandler for ScriptedHandler {
    fn group(&self) -> &str {
        "test"
    }
    async fn handle(&self, event: &Event) -> Result<bool> {
        self.calls
            .lock()
            .unwrap()
            .push(event.occurred_at.timestamp_micros());
        self.outcomes
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Ok(true))
    }
}

fn script(n: i64) -> Arc<Script> {
    let events = (0..n)
        .map(|offset| Delivery {
            event: Event::new(
                EventData::FollowCreated {
                    user_id: UserId::new(),
                },
                CreatorId::new(),
                None,
                DateTime::from_timestamp_micros(offset).unwrap(),
            ),
            partition: 0,
            offset,
        })
        .collect();
    Arc::new(Script {
        events: Mutex::new(events),
        ..Script::default()
    })
}

fn config(commit_every: Duration) -> BackgroundConfig {
    BackgroundConfig {
        commit_every,
        retry: RetryPolicy {
            min: Duration::from_millis(1),
            max: Duration::from_millis(2),
        },
        ..BackgroundConfig::default()
    }
}

async fn until(what: &str, check: impl Fn() -> bool) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while !check() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what} within 5 s"));
}

#[tokio::test]
async fn a_retryable_failure_is_retried_before_the_event_is_committed() {
    let script = script(1);
    let handler = Arc::new(ScriptedHandler::default());
    for _ in 0..2 {
        let down = Error::unavailable("test", "down");
        handler.outcomes.lock().unwrap().push_back(Err(down));
    }
    let (stop, stopped) = watch::channel(false);
    let bus = Arc::new(ScriptedBus(script.clone()));
    let task = tokio::spawn(run(bus, handler.clone(), config(Duration::ZERO), stopped));
    until("the commit", || {
        !script.committed.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(
        handler.calls.lock().unwrap().len(),
        3,
        "two failures, one success"
    );
    assert_eq!(*script.committed.lock().unwrap(), vec![0]);
    stop.send(true).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn a_stop_commits_what_was_handled_and_an_unusable_event_is_passed() {
    let script = script(3);
    let handler = Arc::new(ScriptedHandler::default());
    let unusable = Error::internal("test", "cannot apply");
    handler.outcomes.lock().unwrap().push_back(Err(unusable));
    let (stop, stopped) = watch::channel(false);
    let bus = Arc::new(ScriptedBus(script.clone()));
    // Commits would only come after an hour: the stop must bring them.
    let every = Duration::from_secs(3600);
    let task = tokio::spawn(run(bus, handler.clone(), config(every), stopped));
    until("three events handled", || {
        handler.calls.lock().unwrap().len() == 3
    })
    .await;
    assert!(
        script.committed.lock().unwrap().is_empty(),
        "commits are batched"
    );
    stop.send(true).unwrap();
    task.await.unwrap();
    assert_eq!(
        *script.committed.lock().unwrap(),
        vec![2],
        "one commit covers the partition up to the last event handled"
    );
}

#[tokio::test]
async fn a_refused_join_is_counted_for_its_group_and_tried_again_until_admitted() {
    let registry = crate::telemetry::prometheus();
    let failures = "livedrop_consumer_join_failures_total{group=\"test\"}";
    let script = script(1);
    script.joins_held.store(true, Ordering::SeqCst);
    *script.refused_joins.lock().unwrap() = 2;
    let handler = Arc::new(ScriptedHandler::default());
    let (stop, stopped) = watch::channel(false);
    let bus = Arc::new(ScriptedBus(script.clone()));
    let task = tokio::spawn(run(bus, handler.clone(), config(Duration::ZERO), stopped));
    // Before the first join the series is there at 0, so an alert on its increase sees
    // the first failure.
    until("the counter at 0 before any join", || {
        registry.render().contains(&format!("{failures} 0"))
    })
    .await;
    script.joins_held.store(false, Ordering::SeqCst);
    until("the commit after the third join", || {
        !script.committed.lock().unwrap().is_empty()
    })
    .await;
    let scrape = registry.render();
    assert!(
        scrape.contains(&format!("{failures} 2")),
        "two refusals counted for the group:\n{scrape}"
    );
    stop.send(true).unwrap();
    task.await.unwrap();
}
