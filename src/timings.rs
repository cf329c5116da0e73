//! Phase timings on stderr when `HEDGE_TIMINGS` is set: where a run's wall time goes (rule
//! loading, the walk, the per-file stage, the graph, reporting) and how much memory each phase
//! leaves resident, without a profiler. Meant for the benchmark work of `bench/`, so it is an
//! environment switch, not a documented flag.

use std::sync::OnceLock;
use std::time::Instant;

fn start() -> Option<&'static Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    START
        .get_or_init(|| std::env::var_os("HEDGE_TIMINGS").map(|_| Instant::now()))
        .as_ref()
}

/// Marks the end of a phase: prints the time since the run began, and the resident and peak
/// resident memory (Linux only; blank elsewhere).
pub fn mark(phase: &str) {
    if let Some(t) = start() {
        eprintln!(
            "hedge-timings {:>9.3} ms {:>16}  {phase}",
            t.elapsed().as_secs_f64() * 1e3,
            memory()
        );
    }
}

/// `rss/peak` in MiB, from `/proc/self/status` (`VmRSS`, `VmHWM`).
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    format!("{}/{} MiB", field("VmRSS:"), field("VmHWM:"))
}
