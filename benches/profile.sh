#!/usr/bin/env bash
# Profiles one phase of the engine workload on one engine with perf (DWARF call graphs), attaching
# after the setup so the profile holds the phase alone.
#
#   benches/profile.sh ENGINE PHASE [SECONDS]     (see examples/profile.rs for the names)
#
# Leaves target/profile/ENGINE-PHASE/{run.log,perf.data,report.txt}; TREESTORE_BENCH_N sets the size.
set -euo pipefail
cd "$(dirname "$0")"
engine=$1 phase=$2
out=target/profile/$engine-$phase
mkdir -p "$out"
cargo build --release --example profile
target/release/examples/profile "$@" >"$out/run.log" &
pid=$!
until grep -q '^ready' "$out/run.log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$out/run.log"; exit 1; }
    sleep 0.1
done
perf record -q -F "${PERF_FREQ:-499}" --call-graph dwarf,16384 -p "$pid" -o "$out/perf.data" || true
wait "$pid"
cat "$out/run.log"
perf report -i "$out/perf.data" --no-children --percent-limit 0.5 --stdio >"$out/report.txt" 2>/dev/null
perf report -i "$out/perf.data" --children --percent-limit 2 --stdio -g none >"$out/children.txt" 2>/dev/null
echo "report: $out/report.txt (self) and $out/children.txt (inclusive)"
