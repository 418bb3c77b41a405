"""get_node's CPU time per call (this thread's CPU clock around 20,000 calls, no per-call timers), the
measure the machine's load does not inflate, against sqlite3 on the same keys.

    target/venv/bin/python sdk/python/bench/bench_cpu.py          # BENCH_DOCS (default 3000)

Three loops, 3 rounds each: the SDK on random keys over the bench_vs corpus, sqlite3 on the same keys,
and the SDK on one key again and again (hot caches).
"""

import os
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_vs as b  # noqa: E402


def main() -> None:
    n_docs = int(os.environ.get("BENCH_DOCS", "3000"))
    docs, _ = b.make_corpus(n_docs)
    tmp = tempfile.mkdtemp(prefix="treestore-cpu-")
    ts, sq = b.TS(os.path.join(tmp, "t.tsdb"), docs), b.SQ(os.path.join(tmp, "s.db"), docs)
    rng = random.Random(3)
    keys = []
    ids = b.pageindex_ids((2, 4, 4))
    for _ in range(20000):
        k = rng.randrange(n_docs)
        node = ids[f"s{rng.randrange(2)}.{rng.randrange(4)}.{rng.randrange(4)}"]
        keys.append((f"pol-{k:05d}", "v3" if k % 3 == 0 else "v1", node))
    g, sg = ts.db.get_node, sq.get_node

    def ts_random():
        for p, v, n in keys:
            g(p, n, v)  # results dropped at once, as a service would after reading them

    def sq_random():
        for p, v, n in keys:
            sg(p, v, n)

    def ts_one():
        for _ in keys:
            g("pol-00001", ids["s1.2.3"], "v1")

    loops = [
        ("TreeStore get_node, random keys", ts_random),
        ("sqlite3 get_node, random keys", sq_random),
        ("TreeStore get_node, one key", ts_one),
    ]
    for _ in range(3):
        for name, loop in loops:
            t, w = time.thread_time_ns(), time.perf_counter_ns()
            loop()
            cpu, wall = (time.thread_time_ns() - t) / len(keys) / 1e3, (time.perf_counter_ns() - w) / len(keys) / 1e3
            print(f"{name}: CPU {cpu:.2f} µs/call, wall {wall:.2f} µs/call")
    ts.db.close()
    sq.c.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
