"""CPU per call of the point reads on one key, repeated (warm caches): the SDK's own path (argument
reading, the library call, the dict building) without the cache misses of random keys, which
bench_ab.py keeps. For a before/after comparison, run it alternately for each build:

    PYTHONPATH=/tmp/base target/venv/bin/python sdk/python/bench/bench_hot.py DIR   # the base build
    target/venv/bin/python sdk/python/bench/bench_hot.py DIR                        # the installed one

DIR holds bench_ab.py's database (t.tsdb, built by bench_ab.py on first use). Prints the fastest of
7 blocks' CPU time per call, in ns, per query.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_vs as b  # noqa: E402


def main() -> None:
    ids = b.pageindex_ids((2, 4, 4))
    s = b.TS(os.path.join(sys.argv[1], "t.tsdb"), None)
    ops = {
        "get_node": (lambda: s.get_node("pol-00001", "v1", ids["s1.2.3"]), 20000),
        "get_children (4)": (lambda: s.children("pol-00001", "v1", ids["s1"]), 10000),
        "get_subtree (21 nodes)": (lambda: s.subtree("pol-00001", "v1", ids["s1"]), 3000),
        "get_version_as_of": (lambda: s.as_of("pol-00003", "2023-06-15"), 20000),
    }
    out = []
    for name, (fn, n) in ops.items():
        for _ in range(200):
            fn()
        best = float("inf")
        for _ in range(7):
            t = time.thread_time_ns()
            for _ in range(n):
                fn()
            best = min(best, (time.thread_time_ns() - t) / n)
        out.append(f"{name}={best:.0f}")
    print("  ".join(out))


if __name__ == "__main__":
    main()
