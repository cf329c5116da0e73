//! Phase timings on stderr when `HEDGE_TIMINGS` is set: where a run's wall time goes (rule
//! loading, the walk, the per-file stage, the graph, reporting) without a profiler. Meant for
//! the benchmark work of `bench/`, so it is an environment switch, not a documented flag.

use std::sync::OnceLock;
use std::time::Instant;

fn start() -> Option<&'static Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    START
        .get_or_init(|| std::env::var_os("HEDGE_TIMINGS").map(|_| Instant::now()))
        .as_ref()
}

/// Marks the end of a phase: prints the time since the run began.
pub fn mark(phase: &str) {
    if let Some(t) = start() {
        eprintln!(
            "hedge-timings {:>9.3} ms  {phase}",
            t.elapsed().as_secs_f64() * 1e3
        );
    }
}
