#!/usr/bin/env bash
# hedge-only end-to-end timing; kept for its old name. It is bench/run.sh without the peers:
#
#   bench/e2e.sh [FILES...]        default: 10000
#
# Set BENCH_PEERS=semgrep,spectral,checkov to add the peers; see bench/run.sh for the rest.
set -euo pipefail
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000)
BENCH_PEERS="${BENCH_PEERS-none}" exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" "${sizes[@]}"
