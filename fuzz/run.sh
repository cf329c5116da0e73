#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each, one after another, on the seed
# corpora of fuzz/seed.py, and appends one line per target to fuzz/runs.tsv:
#   date  target  seconds  executions  corpus-size  new-crash-files  sanitizer
# Crash inputs land in fuzz/artifacts/<target>/; copy each into fuzz/regressions/<target>/ once
# fixed (tests/fuzz_regressions.rs replays them).
#
#   fuzz/run.sh [SECONDS] [TARGET...]      (default: 60 s, every target)
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets it
# use the instrumentation flags it needs. SANITIZER (default none) picks cargo fuzz's -s: hedge
# and its parsers are safe Rust, so AddressSanitizer buys little and costs 2-3x executions;
# SANITIZER=address for an occasional run. Runs at nice 19 (and its autogroup too), so benchmarks
# beside it keep the CPU.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' "$here/Cargo.toml" | grep -v hedge-fuzz)
fi
cd "$here"
[ -d corpus ] || python3 seed.py
# With the kernel's autogroup scheduling (the default on desktop and many server kernels), nice
# only ranks processes inside their session's group: the fuzzer still took a whole core from a
# benchmark run in another session. Lowering the group itself makes it really yield.
if [ -w /proc/self/autogroup ]; then echo 19 > /proc/self/autogroup 2>/dev/null || true; fi
san="${SANITIZER:-none}"
RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz build -O -s "$san" >/dev/null
bin="$here/target/x86_64-unknown-linux-gnu/release"
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    log="$(mktemp)"
    # Crash files from earlier runs stay until someone moves them; count only this run's.
    before=$(find "artifacts/$t" -type f | wc -l)
    nice -n 19 "$bin/$t" "corpus/$t" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 \
        -timeout=10 -max_len="${MAX_LEN:-8192}" -artifact_prefix="artifacts/$t/" >"$log" 2>&1 || true
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    crashes=$(( $(find "artifacts/$t" -type f | wc -l) - before ))
    size=$(find "corpus/$t" -type f | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$t" "$secs" "${execs:-0}" "$size" "$crashes" "$san" | tee -a runs.tsv
    grep -E "^==[0-9]+==ERROR|panicked at|SUMMARY" "$log" | head -5 || true
    rm -f "$log"
done
