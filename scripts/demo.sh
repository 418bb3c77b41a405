#!/usr/bin/env bash
# `make demo`: the reasoning service's main job on treestore-demo.tsdb in the repo root.
# The Makefile first installs the Python SDK into target/venv (as `make python-env` and
# `make test-python` do: the package builds the Rust library and bundles it). Then this script
# builds the treestore command, runs scripts/demo.py through the SDK (imports the sample policy in
# three versions with effective dates, plus PageIndex's real outputs when ../shared/data/pageindex or
# $TREESTORE_PAGEINDEX_DIR exists; structure, children, ancestor path of a hit, search, as-of, diff,
# tool results and a trajectory), and draws the outline with `treestore tree`.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
CARGO="${CARGO:-cargo}"
PY="${PY:-$ROOT/target/venv/bin/python}"
DB=treestore-demo.tsdb
POLICY=advanced-imaging-pa

echo "building the treestore command (release)..." >&2
"$CARGO" build --release -q -p treestore-cli
BIN="$ROOT/target/release/treestore"

"$PY" scripts/demo.py "$ROOT/$DB"

printf '\n$ treestore tree %s %s\n' "$DB" "$POLICY"
"$BIN" tree "$DB" "$POLICY"
printf '\n$ treestore versions %s %s\n' "$DB" "$POLICY"
"$BIN" versions "$DB" "$POLICY"
