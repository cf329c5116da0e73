#!/usr/bin/env bash
# The pre-commit case of issue 8: ten named files checked inside a 10,000-file repository, as
# the bundled hook runs them (`hedge check --cache FILE...`), timed by ../shared/bench/timeit.py.
#
#   bench/precommit.sh [SIZE]           default 10000
#
# Copies the generated tree $BENCH_DATA/corpus/nSIZE (made by bench/run.sh) into a fresh git
# repository under $BENCH_DATA/precommit/, picks ten tracked files spread over the tree (every
# SIZE/10th in `git ls-files` order: gateway configs, manifests, Terraform), and prints one
# table:
#   cold   no .hedge-cache yet: the run parses the whole project and writes the cache
#   warm   the cache is current: the named files are parsed, the walk is not repeated, and the
#          graph comes from the graph cache (only what the named files reach is re-resolved)
#   touch  one named file was touched before each run (new mtime, same content)
#   edit   one named YAML file gained a line before each run (new content, as in a real commit)
#   none   without --cache: the whole project is walked and parsed every time
# Prints SKIPPED (exit 0) without ../shared/bench or the generated tree.
set -euo pipefail

# shellcheck source=bench/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
size="${1:-10000}"
tree="$data/corpus/n$size"

if [ ! -f "$shared/timeit.py" ]; then
    echo "SKIPPED: $shared/timeit.py not found (the shared bench tools sit beside the repo)"
    exit 0
fi
if [ ! -d "$tree" ]; then
    echo "SKIPPED: $tree not found (bench/run.sh $size generates it)"
    exit 0
fi

cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
mkdir -p "$data/bin"
hedge="$data/bin/hedge-precommit"
cp "$repo/target/release/hedge" "$hedge.tmp" && mv "$hedge.tmp" "$hedge"

work="$data/precommit/n$size"
rm -rf "$work"
mkdir -p "$work"
cp -r "$tree/." "$work/"
cd "$work"
git init -q
git add -A
git -c user.email=bench@hedge -c user.name=bench commit -qm tree
mapfile -t files < <(git ls-files | awk -v step="$((size / 10))" '(NR - 1) % step == 0' | head -10)

time_row() {
    local name="$1" warmup="$2"
    shift 2
    # the timings go beside the repository: a file written into it would change its root
    # directory and rightly cost the next run its walk record
    python3 "$shared/timeit.py" -n "$runs" --warmup "$warmup" --json "$work.$name.json" -- "$@" > /dev/null
    python3 - "$work.$name.json" "$name" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
w, c, m = t["wall"], t["cpu"], t["peak_mib"]
print("| %s | %.3f [%.3f–%.3f] (%d) | %.3f | %.0f MiB |" % (sys.argv[2], w["median"], w["min"], w["max"], t["n"], c["median"], m["median"]))
EOF
}

echo "pre-commit: ${#files[@]} named files in a $(git ls-files | wc -l)-file repository; hedge $(git -C "$repo" rev-parse --short HEAD); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | wall s | cpu s | peak RSS |"
echo "|---|---|---|---|"
rm -rf .hedge-cache
time_row cold 0 sh -c "rm -rf .hedge-cache && '$hedge' check --cache --format short --fail-on never ${files[*]} > /dev/null"
"$hedge" check --cache --format short --fail-on never "${files[@]}" > /dev/null
time_row warm 1 "$hedge" check --cache --format short --fail-on never "${files[@]}"
time_row touch 1 sh -c "touch '${files[0]}' && '$hedge' check --cache --format short --fail-on never ${files[*]} > /dev/null"
yaml="$(printf '%s\n' "${files[@]}" | grep -m1 -E '\.ya?ml$')"
time_row edit 1 sh -c "echo '# edited' >> '$yaml' && '$hedge' check --cache --format short --fail-on never ${files[*]} > /dev/null"
time_row none 1 "$hedge" check --format short --fail-on never "${files[@]}"
