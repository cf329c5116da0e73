#!/usr/bin/env bash
# Benchmark harness: hedge and its peers (Semgrep, Spectral, Checkov) on the same generated trees,
# timed the same way and scored against the generator's ground truth. See bench/README.md.
#
#   bench/run.sh [SIZES...]                  default: 1000 10000 (50000 works too)
#
# Needs ../shared/bench (gen_corpus.py, timeit.py, compare.py, commands.tsv) beside the repo and
# prints SKIPPED (exit 0) without it. For each size it generates the tree (deterministic) under
# $BENCH_DATA/corpus/nSIZE, builds hedge in release mode and prints one markdown table: wall time
# (median of the runs, [min–max]), CPU (user+sys), peak RSS, findings per bench check against the
# expected counts, and each peer's time divided by hedge's on the same five checks.
#
# Environment:
#   BENCH_DATA          big data: corpora, results, a copy of the binary (default ${TMPDIR:-/tmp}/hedge-bench)
#   PEERS_DIR           where ../shared/bench/setup_peers.sh installed the peers (default $BENCH_DATA/peers)
#   BENCH_PEERS         comma-separated subset of semgrep,spectral,checkov, or none (default: all three)
#   BENCH_RUNS          measured runs of each hedge row (default 5; 1 warm-up run before them)
#   BENCH_PEER_RUNS     measured runs of each peer (default 3 up to 1,000 files, else 1)
#   BENCH_PEER_WARMUP   peer warm-up runs (default 1 up to 1,000 files, else 0)
#   BENCH_CHECKOV_MAX   largest size Checkov runs at (default 1000: it took 956 s a run at 10,000)
#   BENCH_SPECTRAL_MAX  largest size Spectral runs at (default 10000: at 50,000 it runs out of heap)
#   BENCH_J1            0 leaves out the one-thread hedge rows (default 1)
#   BENCH_HEDGE         0 leaves out the floors and hedge rows (with BENCH_KEEP=1: re-time peers only)
#   BENCH_KEEP          1 keeps earlier results of rows not run this time (default 0: left out)
#   BENCH_TIMEOUT       bound on one row, all runs together, in seconds (default 3600)
#
# Results stay in $BENCH_DATA/results/nSIZE/ (KEY.timing.json, KEY.out, KEY.compare.json,
# table.md); the tables also go to stdout, progress to stderr.
set -euo pipefail

# shellcheck source=bench/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
peers="${PEERS_DIR:-$data/peers}"
peer_list="${BENCH_PEERS-semgrep,spectral,checkov}"
checkov_max="${BENCH_CHECKOV_MAX:-1000}"
spectral_max="${BENCH_SPECTRAL_MAX:-10000}"
with_j1="${BENCH_J1:-1}"
with_hedge="${BENCH_HEDGE:-1}"
keep="${BENCH_KEEP:-0}"
timeout="${BENCH_TIMEOUT:-3600}"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)

for f in gen_corpus.py timeit.py compare.py commands.tsv; do
    if [ ! -f "$shared/$f" ]; then
        echo "SKIPPED: $shared/$f not found (the shared bench tools sit beside the repo)"
        exit 0
    fi
done

log() { echo "$*" >&2; }

# Build, then time a private copy of the binary: others may rebuild target/ while this runs.
build_ok=0
for attempt in 1 2 3; do
    if cargo build --release --quiet --manifest-path "$repo/Cargo.toml"; then
        build_ok=1
        break
    fi
    log "build failed (attempt $attempt); retrying in 60 s"
    sleep 60
done
[ "$build_ok" = 1 ] || { log "cargo build --release failed"; exit 1; }
mkdir -p "$data/bin"
cp "$repo/target/release/hedge" "$data/bin/hedge.tmp.$$"
mv "$data/bin/hedge.tmp.$$" "$data/bin/hedge"
hedge="$data/bin/hedge"
rev="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$repo" status --porcelain -- src rules schemas Cargo.toml Cargo.lock 2>/dev/null)" ]; then
    rev="$rev+uncommitted"
fi

# The bench pack must still load and agree with its fixtures under today's engine.
if ! "$hedge" test-rules --rules "$repo/bench/rules" "$repo/bench/fixtures" > "$data/test-rules.txt" 2>&1; then
    cat "$data/test-rules.txt" >&2
    log "bench/rules failed its fixtures (bench/fixtures); not measuring"
    exit 1
fi

ids() { python3 -c 'import json,sys; print(",".join(r["id"] for r in json.load(sys.stdin) if r["id"].startswith(sys.argv[1])))' "$1"; }
all_ids="$("$hedge" rules --format json | ids '')"
bench_ids="$("$hedge" rules --rules "$repo/bench/rules" --format json | ids bench-)"

has_peer() { [[ ",$peer_list," == *",$1,"* ]]; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# measure KEY SCORED RUNS WARMUP COMMAND: time COMMAND (run by sh, stdout to KEY.out) with
# timeit.py; SCORED=1 compares KEY.out with the ground truth.
measure() {
    local key="$1" scored="$2" n="$3" w="$4" cmd="$5"
    rm -f "$out/$key".*
    log "-- n$size $key (n=$n, warm-up $w, load $(load1))"
    echo "$(load1) ($(date -u +%H:%M))" > "$out/$key.load"
    printf '%s\n' "$cmd" > "$out/$key.cmd"
    python3 "$shared/timeit.py" -n "$n" --warmup "$w" --timeout "$timeout" --json "$out/$key.timing.json" -- \
        sh -c "{ $cmd ; } > '$out/$key.out' 2> '$out/$key.err'" < /dev/null > "$out/$key.timing.txt" 2>&1 || true
    sed 's/^/   /' "$out/$key.timing.txt" >&2
    if [ ! -f "$out/$key.timing.json" ]; then
        echo "no run finished within ${timeout} s" > "$out/$key.note"
    elif [ "$scored" = 1 ]; then
        python3 "$shared/compare.py" "$tree" "$out/$key.out" --expected "$tree.expected.json" \
            --json "$out/$key.compare.json" > "$out/$key.compare.txt" 2>&1 || true
    fi
}

# not_run KEY REASON: the row is printed with REASON instead of figures.
not_run() {
    rm -f "$out/$1".*
    echo "$2" > "$out/$1.note"
}

# skip KEY: the row is left out, or keeps its earlier figures with BENCH_KEEP=1.
skip() {
    [ "$keep" = 1 ] || rm -f "$out/$1".*
}

# peer TOOL KEY MAX_SIZE WHY_NOT_RUN BINARY: one peer row, its command taken from commands.tsv.
peer() {
    local tool="$1" key="$2" max="$3" why="$4" bin="$5" cmd pr pw
    if ! has_peer "$tool"; then
        skip "$key"
        return
    fi
    if [ "$size" -gt "$max" ]; then
        not_run "$key" "$why"
        return
    fi
    if [ ! -x "$bin" ]; then
        not_run "$key" "not installed (run ../shared/bench/setup_peers.sh; PEERS_DIR=$peers)"
        return
    fi
    cmd="$(awk -F'\t' -v k="$key" '$1 == k { print $4; exit }' "$shared/commands.tsv")"
    cmd="${cmd//\{corpus\}/$tree}"; cmd="${cmd//\{out\}/$out}"; cmd="${cmd//\{peers\}/$peers}"
    cmd="${cmd//\{bench\}/$shared}"; cmd="${cmd//\{name\}/$key}"
    if [ "$size" -le 1000 ]; then pr="${BENCH_PEER_RUNS:-3}"; pw="${BENCH_PEER_WARMUP:-1}"
    else pr="${BENCH_PEER_RUNS:-1}"; pw="${BENCH_PEER_WARMUP:-0}"; fi
    measure "$key" 1 "$pr" "$pw" "$cmd"
}

for size in "${sizes[@]}"; do
    tree="$data/corpus/n$size"
    out="$data/results/n$size"
    mkdir -p "$data/corpus" "$out"
    if [ ! -f "$tree.expected.json" ]; then
        if [ -e "$tree" ]; then
            log "$tree exists without $tree.expected.json (an interrupted generation?): remove it and re-run"
            exit 1
        fi
        log "generating $tree"
        tmp="$data/corpus/.n$size.tmp.$$"
        python3 "$shared/gen_corpus.py" --files "$size" --out "$tmp" --expected "$tmp.expected.json" > /dev/null
        mv "$tmp" "$tree"
        mv "$tmp.expected.json" "$tree.expected.json"
    fi
    files=$(find "$tree" -type f | wc -l)
    bytes=$(find "$tree" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
    load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
    started="$(date -u '+%Y-%m-%d %H:%M')"

    if [ "$with_hedge" = 1 ]; then
        measure floor-cat 0 "$runs" 1 "find '$tree' -type f -print0 | xargs -0 cat > /dev/null"
        measure hedge-parse 0 "$runs" 1 "'$hedge' check --isolated --format json --fail-on never --ignore '$all_ids' '$tree'"
        measure hedge-full 0 "$runs" 1 "'$hedge' check --isolated --format json --fail-on never '$tree'"
        measure hedge-full-sarif 0 "$runs" 1 "'$hedge' check --isolated --format sarif --fail-on never '$tree'"
        python3 -c 'import collections,json,sys; c=collections.Counter(r["ruleId"] for run in json.load(open(sys.argv[1]))["runs"] for r in run["results"]); print("%d in all; " % sum(c.values()) + ", ".join("%s %d" % kv for kv in sorted(c.items())))' \
            "$out/hedge-full-sarif.out" > "$out/hedge-full-sarif.rules" 2>/dev/null || rm -f "$out/hedge-full-sarif.rules"
        bench="'$hedge' check --isolated --rules '$repo/bench/rules' --select '$bench_ids' --format sarif --fail-on never"
        if [ "$with_j1" = 1 ]; then
            measure hedge-full-j1 0 "$runs" 1 "'$hedge' check --isolated --threads 1 --format json --fail-on never '$tree'"
        else
            skip hedge-full-j1
        fi
        measure hedge-bench 1 "$runs" 1 "$bench '$tree'"
        if [ "$with_j1" = 1 ]; then
            measure hedge-bench-j1 1 "$runs" 1 "$bench --threads 1 '$tree'"
        else
            skip hedge-bench-j1
        fi
    else
        for key in floor-cat hedge-parse hedge-full hedge-full-sarif hedge-full-j1 hedge-bench hedge-bench-j1; do
            skip "$key"
        done
    fi
    peer semgrep semgrep-rules 2147483647 "" "$peers/venv/bin/semgrep"
    peer spectral spectral-rules "$spectral_max" \
        "not run: at 50,000 files Spectral exhausts Node's default heap (../shared/bench/README.md)" \
        "$peers/node/node_modules/.bin/spectral"
    peer checkov checkov-rules "$checkov_max" \
        "not run (see ../shared/bench/README.md: 956 s a run at 10,000 files; BENCH_CHECKOV_MAX)" \
        "$peers/venv/bin/checkov"

    {
        python3 -c 'import sys; print("### n%s: %s files, %.1f MB" % (sys.argv[1], format(int(sys.argv[2]), ","), int(sys.argv[3]) / 1e6))' \
            "$size" "$files" "$bytes"
        echo
        echo "hedge $rev; $(nproc) cores; $started UTC; load average (1, 5, 15 min) $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
        echo
        python3 "$repo/bench/report.py" "$out" "$tree.expected.json"
        echo
    } > "$out/table.md"
    cat "$out/table.md"
done
log "results: $data/results/"
