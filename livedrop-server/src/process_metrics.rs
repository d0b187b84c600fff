//! The `process_*` metrics every Prometheus client library exports (CPU time, memory, file
//! descriptors, start time), read from `/proc` at scrape time. On a system without
//! `/proc` they are simply absent.

/// The kernel reports CPU times in clock ticks of `USER_HZ`, 100 on every Linux port.
const TICKS_PER_SECOND: f64 = 100.0;

/// Sets the `process_*` gauges from `/proc/self`.
pub fn record() {
    if let Some(stat) = read("/proc/self/stat").as_deref().and_then(Stat::parse) {
        // A gauge: the `metrics` facade's counters count whole numbers, and CPU time has
        // a fraction worth keeping.
        metrics::gauge!("process_cpu_seconds_total")
            .set((stat.utime + stat.stime) as f64 / TICKS_PER_SECOND);
        if let Some(boot) = boot_time() {
            metrics::gauge!("process_start_time_seconds")
                .set(boot + stat.start_ticks as f64 / TICKS_PER_SECOND);
        }
    }
    if let Some(status) = read("/proc/self/status") {
        for (field, metric) in [
            ("VmRSS:", "process_resident_memory_bytes"),
            ("VmSize:", "process_virtual_memory_bytes"),
        ] {
            if let Some(kib) = kib_of(&status, field) {
                metrics::gauge!(metric).set(kib * 1024.0);
            }
        }
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        metrics::gauge!("process_open_fds").set(fds.count() as f64);
    }
    if let Some(max) = read("/proc/self/limits")
        .as_deref()
        .and_then(max_open_files)
    {
        metrics::gauge!("process_max_fds").set(max);
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The fields of `/proc/self/stat` used here.
#[derive(Debug, PartialEq)]
struct Stat {
    utime: u64,
    stime: u64,
    start_ticks: u64,
}

impl Stat {
    /// The command name (field 2) may hold spaces and parentheses, so the fields are
    /// counted from after its closing parenthesis: field 3 is the first there.
    fn parse(text: &str) -> Option<Self> {
        let after_name = &text[text.rfind(')')? + 1..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3)?.parse().ok();
        Some(Self {
            utime: field(14)?,
            stime: field(15)?,
            start_ticks: field(22)?,
        })
    }
}

/// Seconds since the epoch at boot (`btime` in `/proc/stat`).
fn boot_time() -> Option<f64> {
    read("/proc/stat")?
        .lines()
        .find_map(|line| line.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

/// A `Field:   123 kB` line's number.
fn kib_of(status: &str, field: &str) -> Option<f64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The soft limit of `Max open files` in `/proc/self/limits`.
fn max_open_files(limits: &str) -> Option<f64> {
    limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_command_name() {
        // A command name with a space and a parenthesis in it.
        let line = "4242 (my (odd) name) S 1 2 3 4 5 6 7 8 9 10 250 75 0 0 20 0 1 0 9000 1 2";
        assert_eq!(
            Stat::parse(line),
            Some(Stat {
                utime: 250,
                stime: 75,
                start_ticks: 9000
            })
        );
        assert_eq!(Stat::parse("no parenthesis"), None);
    }

    #[test]
    fn status_and_limit_lines_read_their_numbers() {
        let status = "Name:\tlivedrop\nVmSize:\t  123456 kB\nVmRSS:\t    2048 kB\n";
        assert_eq!(kib_of(status, "VmRSS:"), Some(2048.0));
        assert_eq!(kib_of(status, "VmSwap:"), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n";
        assert_eq!(max_open_files(limits), Some(20000.0));
    }
}
