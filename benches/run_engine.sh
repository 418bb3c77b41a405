#!/usr/bin/env bash
# Runs the engine benchmark (TreeStore against redb, LMDB, SQLite) and records the machine beside it.
#
#   benches/run_engine.sh [criterion args]     e.g. TREESTORE_BENCH_N=300000 benches/run_engine.sh
#
# Output: the log in target/engine-run.log; the closing table in target/criterion/engine-table.md.
# The load average is printed before and after: on a shared machine a busy neighbour moves numbers.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p target
dir=${TREESTORE_BENCH_DIR:-${TMPDIR:-/tmp}}
{
    echo "date: $(date -u +%FT%TZ)"
    echo "nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
    echo "memory: $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
    echo "bench dir: $dir on $(df --output=source,fstype "$dir" | tail -1 | xargs)"
    echo "rustc: $(rustc --version)"
    echo "bulk pairs: ${TREESTORE_BENCH_N:-500000 (default)}"
    echo "load before: $(cat /proc/loadavg)"
} | tee target/engine-run.log
cargo bench --bench engine -- "$@" 2>&1 | tee -a target/engine-run.log
echo "load after: $(cat /proc/loadavg)" | tee -a target/engine-run.log
