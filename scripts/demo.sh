#!/usr/bin/env bash
# `make demo`: the main job with the command-line tool, on treestore-demo.tsdb in the repo root.
# Imports three versions of a prior-authorization policy with effective dates (and PageIndex's
# sample outputs when ../shared/data/pageindex, or $TREESTORE_PAGEINDEX_DIR, exists), then draws,
# searches, dates, diffs and measures them. The Python SDK's part follows once its store methods
# exist.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
CARGO="${CARGO:-cargo}"
DB=treestore-demo.tsdb
DATA=examples/data
POLICY=advanced-imaging-pa
PAGEINDEX_DIR="${TREESTORE_PAGEINDEX_DIR:-$ROOT/../shared/data/pageindex}"

echo "building the treestore command (release)..." >&2
"$CARGO" build --release -q -p treestore-cli
BIN="$ROOT/target/release/treestore"

# Shows each command as a user would type it, then runs it.
run() {
  printf '\n$ treestore %s\n' "$*"
  "$BIN" "$@"
}

rm -f "$DB" "$DB-wal"

run import "$DB" "$DATA/${POLICY}_v1.json" --effective-from 2023-01-01
run import "$DB" "$DATA/${POLICY}_v2.json" --effective-from 2024-01-01
run import "$DB" "$DATA/${POLICY}_v3.json" --effective-from 2025-01-01 --tag current
if [ -d "$PAGEINDEX_DIR" ]; then
  run import "$DB" "$PAGEINDEX_DIR"
fi

run tree "$DB" "$POLICY"
run search "$DB" fax --policy "$POLICY" --all-versions --limit 3
run as-of "$DB" "$POLICY" 2024-06-30
run diff "$DB" "$POLICY" v1 v3
run stats "$DB"
