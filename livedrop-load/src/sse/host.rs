//! A server process as the kernel sees it: resident memory (`/proc/PID/status`, `VmRSS`)
//! and CPU time (`/proc/PID/stat`, `utime + stime`), read here rather than with a crate:
//! two files and one `getconf`.

use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

/// One reading of a process.
#[derive(Clone, Copy, Debug)]
pub struct ProcSample {
    /// Resident set, KiB.
    pub rss_kib: Option<u64>,
    /// User plus system CPU time, clock ticks.
    pub cpu_ticks: Option<u64>,
    /// When it was read.
    pub at: Instant,
}

impl ProcSample {
    /// Reads `pid` now; fields that cannot be read (no such process, not Linux) are `None`.
    pub fn read(pid: u32) -> Self {
        let at = Instant::now();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
        Self {
            rss_kib: status.as_deref().and_then(rss_kib),
            cpu_ticks: stat.as_deref().and_then(cpu_ticks),
            at,
        }
    }

    /// CPU used between `self` and `later`, as % of one core.
    pub fn cpu_percent_until(&self, later: &ProcSample) -> Option<f64> {
        let cpu = self.cpu_seconds_until(later)?;
        let seconds = later.at.duration_since(self.at).as_secs_f64();
        (seconds > 0.0).then(|| cpu / seconds * 100.0)
    }

    /// CPU time (user plus system) used between `self` and `later`, s.
    pub fn cpu_seconds_until(&self, later: &ProcSample) -> Option<f64> {
        let ticks = later.cpu_ticks?.checked_sub(self.cpu_ticks?)?;
        Some(ticks as f64 / clock_ticks())
    }
}

/// `VmRSS:   123456 kB` → 123456.
fn rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Fields 14 and 15 of `/proc/PID/stat`. The second field (the command) is in parentheses
/// and may hold spaces, so fields are counted after its closing one (field 3 onwards).
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100, Linux's value everywhere, without it).
fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse::<f64>().ok())
            .filter(|ticks| *ticks > 0.0)
            .unwrap_or(100.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_stat_lines_parse() {
        assert_eq!(rss_kib("Name:\tx\nVmRSS:\t  5120 kB\n"), Some(5120));
        let stat = "42 (a b) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0";
        assert_eq!(cpu_ticks(stat), Some(300));
    }

    #[test]
    fn this_process_reads() {
        let sample = ProcSample::read(std::process::id());
        assert!(sample.rss_kib.is_some_and(|kib| kib > 0));
        assert!(sample.cpu_ticks.is_some());
    }
}
