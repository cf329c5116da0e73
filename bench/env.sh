# Sourced by bench/run.sh and bench/precommit.sh: where the repository, the shared bench tools
# and the generated data live, and how many runs a hedge row gets.
#   BENCH_DATA   generated corpora, results and binaries (default ${TMPDIR:-/tmp}/hedge-bench)
#   BENCH_RUNS   measured runs of each hedge row (default 5)
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="$repo/../shared/bench"
data="${BENCH_DATA:-${TMPDIR:-/tmp}/hedge-bench}"
runs="${BENCH_RUNS:-5}"
