//! [`HashThreads`]: the threads password hashes run on, one per core.
//!
//! Not tokio's blocking pool: a hash allocates argon2's memory (19 MiB at the default
//! cost) on whichever thread runs it, and the allocator keeps a freed block committed in
//! that thread's heap until the thread allocates again. The blocking pool grows to dozens
//! of threads in a burst of sign-ups (the mailer writes its files there too), and an idle
//! pool thread never allocates again, so every thread that ever hashed kept a block (see
//! the memory run on PostgreSQL in BENCHMARKS.md). A fixed set of threads keeps at most
//! one block each, however many sign-ups come.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use livedrop_core::Error;

type Job = Box<dyn FnOnce() + Send>;

/// Runs closures on `count` threads of its own, in the order they were given; the
/// threads end when this is dropped.
pub(super) struct HashThreads {
    jobs: mpsc::Sender<Job>,
}

impl HashThreads {
    pub(super) fn start(count: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..count.max(1) {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("livedrop-hash-{n}"))
                .spawn(move || work(&queue));
            if let Err(error) = spawned {
                // Fewer threads only means fewer hashes at once; with none at all the
                // queue has no receiver left and `run` answers an error.
                tracing::warn!(%error, "a password hashing thread could not start");
            }
        }
        Self { jobs }
    }

    /// `job`'s result, computed on one of the threads.
    ///
    /// # Errors
    /// `Internal` if no thread is left to run it.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                // The asker may have gone (its request timed out): nothing to tell.
                let _ignored = answer.send(job());
            }))
            .map_err(|_| Error::internal("argon2", "no password hashing thread is running"))?;
        answered
            .await
            .map_err(|_| Error::internal("argon2", "a password hashing thread stopped"))
    }
}

/// One thread's loop: the next job, until the sender is gone.
fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // The lock is held only while waiting, so one idle thread waits at the queue and
        // the others behind it.
        let next = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match next {
            Ok(job) => job(),
            Err(mpsc::RecvError) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_named_threads_and_answer() {
        let threads = HashThreads::start(2);
        let names = futures_util::future::join_all((0..8).map(|i| {
            threads.run(move || (i * 2, std::thread::current().name().map(str::to_owned)))
        }))
        .await;
        for (i, answer) in names.into_iter().enumerate() {
            let (doubled, name) = answer.unwrap();
            assert_eq!(doubled, i * 2);
            let name = name.unwrap();
            assert!(
                name == "livedrop-hash-0" || name == "livedrop-hash-1",
                "ran on {name}"
            );
        }
    }

    #[tokio::test]
    async fn a_job_that_panics_is_an_error_and_the_other_thread_goes_on() {
        let threads = HashThreads::start(2);
        let failed = threads.run(|| -> u8 { panic!("a broken hash") }).await;
        assert!(failed.is_err());
        assert_eq!(threads.run(|| 7).await.unwrap(), 7);
    }
}
