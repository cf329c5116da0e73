#!/usr/bin/env bash
# End-to-end timing of `hedge check` over a generated tree of configuration files.
#
#   bench/e2e.sh [FILES...]        default: 10000
#
# Generates the tree with ../shared/bench/gen_corpus.py (deterministic) under $BENCH_DATA
# (default: ${TMPDIR:-/tmp}/hedge-bench), builds hedge in release mode, then prints wall time,
# CPU time and peak RSS (median of 5 runs, 1 warm-up) for: reading every byte (`cat`, the
# floor) and `hedge check`. Uses ../shared/bench/timeit.py when present, else hyperfine.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="$here/../shared/bench"
data="${BENCH_DATA:-${TMPDIR:-/tmp}/hedge-bench}"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000)

if [ ! -f "$shared/gen_corpus.py" ]; then
    echo "SKIPPED: $shared/gen_corpus.py not found (the shared bench tools sit beside the repo)" >&2
    exit 0
fi
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
hedge="$here/target/release/hedge"

time_cmd() {
    local label="$1"; shift
    if [ -f "$shared/timeit.py" ]; then
        echo "-- $label"
        python3 "$shared/timeit.py" -n 5 --warmup 1 -- "$@" | sed 's/^/   /'
    elif command -v hyperfine >/dev/null; then
        hyperfine --warmup 1 --runs 5 -N --ignore-failure -n "$label" "$*"
    else
        echo "neither timeit.py nor hyperfine found" >&2
        exit 1
    fi
}

for n in "${sizes[@]}"; do
    tree="$data/corpus/n$n"
    if [ ! -d "$tree" ]; then
        mkdir -p "$data/corpus"
        python3 "$shared/gen_corpus.py" --files "$n" --out "$tree" >/dev/null
    fi
    files=$(find "$tree" -type f | wc -l)
    bytes=$(du -sb "$tree" | cut -f1)
    echo "== $tree: $files files, $bytes bytes, $(nproc) cores"
    time_cmd "floor: read every byte" sh -c "find '$tree' -type f -print0 | xargs -0 cat > /dev/null"
    all_rules=$("$hedge" rules --format json | python3 -c 'import json,sys; print(",".join(r["id"] for r in json.load(sys.stdin)))')
    time_cmd "parse only (every rule ignored)" sh -c "'$hedge' check --format short --fail-on never --ignore '$all_rules' '$tree' > /dev/null"
    time_cmd "hedge check (1 thread)" sh -c "'$hedge' check --format short --fail-on never --threads 1 '$tree' > /dev/null"
    time_cmd "hedge check" sh -c "'$hedge' check --format short --fail-on never '$tree' > /dev/null"
    echo "-- findings by rule"
    "$hedge" check --format short --fail-on never "$tree" | sed -n 's/.*\[\(.*\)\]: .*/\1/p' | sort | uniq -c | sed 's/^/   /'
done
