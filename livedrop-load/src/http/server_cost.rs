//! [`ServerCost`] of a load: the server processes' CPU time over the load (read from
//! `/proc` by the `sse` mode's `host.rs`) divided by the requests they answered, and their
//! resident memory at the end (summed over the instances when there are two).

use super::summary::ServerCost;
use crate::sse::host::ProcSample;

/// The server processes, read just before the load.
#[derive(Clone, Debug)]
pub struct CostMeter {
    before: Vec<(u32, ProcSample)>,
}

impl CostMeter {
    /// Starts measuring every process of `pids` (at least one), to be counted together.
    pub fn start_all(pids: &[u32]) -> Self {
        Self {
            before: pids
                .iter()
                .map(|&pid| (pid, ProcSample::read(pid)))
                .collect(),
        }
    }

    /// The cost so far, spread over `answered` requests: CPU and resident memory summed
    /// over the processes (either is `None` if any process's could not be read).
    pub fn finish(&self, answered: u64) -> ServerCost {
        let mut cpu_seconds = Some(0.0);
        let mut rss_kib = Some(0);
        for (pid, before) in &self.before {
            let after = ProcSample::read(*pid);
            cpu_seconds = cpu_seconds
                .zip(before.cpu_seconds_until(&after))
                .map(|(a, b)| a + b);
            rss_kib = rss_kib.zip(after.rss_kib).map(|(a, b)| a + b);
        }
        ServerCost {
            pid: self.before.first().map_or(0, |(pid, _)| *pid),
            processes: self.before.len(),
            cpu_seconds,
            cpu_us_per_request: cpu_seconds
                .filter(|_| answered > 0)
                .map(|seconds| seconds * 1e6 / answered as f64),
            rss_kib,
            pipeline_drained_after_ms: None,
            pipeline_lag_left: None,
            consumer_join_failures: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_costs_something_readable() {
        let meter = CostMeter::start_all(&[std::process::id()]);
        let busy: u64 = (0..2_000_000u64).map(std::hint::black_box).sum();
        assert!(busy > 0);
        let cost = meter.finish(1000);
        assert!(cost.rss_kib.is_some_and(|kib| kib > 0));
        assert!(cost.cpu_seconds.is_some());
        assert!(cost.cpu_us_per_request.is_some());
        assert!(meter.finish(0).cpu_us_per_request.is_none());
    }

    #[test]
    fn two_processes_are_counted_together() {
        let me = std::process::id();
        let one = CostMeter::start_all(&[me]).finish(1);
        let both = CostMeter::start_all(&[me, me]).finish(1);
        assert_eq!(both.processes, 2);
        let (one, both) = (one.rss_kib.unwrap(), both.rss_kib.unwrap());
        // The same process read twice: about twice its memory.
        assert!(both > one * 3 / 2, "{both} KiB for two, {one} KiB for one");
    }
}
