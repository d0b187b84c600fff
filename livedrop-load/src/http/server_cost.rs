//! [`ServerCost`] of a load: the server process's CPU time over the load (read from
//! `/proc` by the `sse` mode's `host.rs`) divided by the requests it answered, and its
//! resident memory at the end.

use super::summary::ServerCost;
use crate::sse::host::ProcSample;

/// The server process read just before the load.
#[derive(Clone, Copy, Debug)]
pub struct CostMeter {
    pid: u32,
    before: ProcSample,
}

impl CostMeter {
    /// Starts measuring `pid`.
    pub fn start(pid: u32) -> Self {
        Self {
            pid,
            before: ProcSample::read(pid),
        }
    }

    /// The cost so far, spread over `answered` requests.
    pub fn finish(&self, answered: u64) -> ServerCost {
        let after = ProcSample::read(self.pid);
        let cpu_seconds = self.before.cpu_seconds_until(&after);
        ServerCost {
            pid: self.pid,
            cpu_seconds,
            cpu_us_per_request: cpu_seconds
                .filter(|_| answered > 0)
                .map(|seconds| seconds * 1e6 / answered as f64),
            rss_kib: after.rss_kib,
            pipeline_drained_after_ms: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_costs_something_readable() {
        let meter = CostMeter::start(std::process::id());
        let busy: u64 = (0..2_000_000u64).map(std::hint::black_box).sum();
        assert!(busy > 0);
        let cost = meter.finish(1000);
        assert!(cost.rss_kib.is_some_and(|kib| kib > 0));
        assert!(cost.cpu_seconds.is_some());
        assert!(cost.cpu_us_per_request.is_some());
        assert!(meter.finish(0).cpu_us_per_request.is_none());
    }
}
