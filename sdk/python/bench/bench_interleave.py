"""get_node and get_version_as_of when each read follows a commit to another store (a tool result,
as the reasoning service stores one after every tool call), against the same reads with no commit
between them. p50 latencies in microseconds on stdout.

    target/venv/bin/python sdk/python/bench/bench_interleave.py      # BENCH_DOCS=1000 policies
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_vs as b  # noqa: E402

import treestore  # noqa: E402

TOOL_RESULT = {"tool_name": "t", "policy_id": "pol-00001", "result_data": {"ok": True}}


def p50_us(db: treestore.TreeStore, calls, commit_between: bool) -> float:
    lat = []
    for _ in range(3):
        for call in calls:
            if commit_between:
                db.store_tool_result(TOOL_RESULT)
            t = time.perf_counter_ns()
            call()
            lat.append(time.perf_counter_ns() - t)
    return statistics.median(lat) / 1e3


def main() -> None:
    docs, _ = b.make_corpus(int(os.environ.get("BENCH_DOCS", "1000")))
    with tempfile.TemporaryDirectory() as d, treestore.TreeStore(os.path.join(d, "t.tsdb"), durability="relaxed") as db:
        for i in range(0, len(docs), 200):
            db.store_documents(docs[i : i + 200])
        db.checkpoint()
        node_ids = [n["node_id"] for n in docs[0]["nodes"]]
        keys = [(x["document"]["policy_id"], x["document"]["version_id"]) for x in docs]
        rng = random.Random(5)
        picks = [(rng.choice(keys), rng.choice(node_ids)) for _ in range(4000)]
        nodes = [lambda p=p, v=v, n=n: db.get_node(p, n, v) for (p, v), n in picks]
        as_of = [lambda p=p: db.get_version_as_of(p, "2024-06-01") for (p, _), _ in picks]
        for _ in range(2):
            row: Tuple[float, ...] = tuple(p50_us(db, calls, c) for c in (False, True) for calls in (nodes, as_of))
            print("no commits: get_node %.2f us, as-of %.2f us | a commit before each: get_node %.2f us, as-of %.2f us" % row)


if __name__ == "__main__":
    main()
