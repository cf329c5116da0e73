//! The `hedge` binary: everything lives in the library; this only sets the exit code.

// Parsing builds one small allocation per node and drops whole trees per file on every
// worker; mimalloc's per-thread free lists make that markedly cheaper than glibc's malloc,
// whose arenas the profile showed taking about a tenth of the CPU (bench/README.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    hedge::timings::mark("start");
    std::process::exit(hedge::cli::run());
}
