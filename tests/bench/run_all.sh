#!/usr/bin/env bash
# Runs every benchmark binary in the given folder and prints its table.
set -euo pipefail
dir=${1:?usage: run_all.sh BENCH_BUILD_DIR}
for b in "$dir"/bench_*; do
  [[ -x $b ]] || continue
  echo "== $(basename "$b")"
  "$b" --benchmark_counters_tabular=true
done
