"""Two builds of the SDK on the same database, alternated: this thread's CPU time per tree read, the
measure the machine's load moves least, for a before/after comparison in one run.

    cp -r target/venv/lib/python3*/site-packages/treestore /tmp/base/   # the build to compare with
    ... change, reinstall (make test-python) ...
    target/venv/bin/python sdk/python/bench/bench_ab.py /tmp/ab-db --base /tmp/base

The corpus is bench_vs.py's (BENCH_DOCS policies, default 3000), built into DIR/t.tsdb once; both
builds must read the same file format. Each round runs the base build (its folder first on
PYTHONPATH) and then the installed one, each in a process of its own; each query runs in 5 blocks of
calls on random keys, and the fastest block's CPU time per call is reported per round.
"""

import argparse
import os
import random
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def run(db_dir: str, label: str) -> None:
    import bench_vs as b

    n_docs = int(os.environ.get("BENCH_DOCS", "3000"))
    ts = b.TS(os.path.join(db_dir, "t.tsdb"), None)
    ids = b.pageindex_ids((2, 4, 4))
    rng = random.Random(5)
    keys = []
    for _ in range(2000):
        k = rng.randrange(n_docs)
        policy, version = f"pol-{k:05d}", "v3" if k % 3 == 0 else "v1"
        keys.append((policy, version, f"s{rng.randrange(2)}", rng.randrange(4), rng.randrange(4)))
    # the policies with several versions (every third, as bench_vs's as-of keys): the nearest below
    versioned = {k[0]: f"pol-{int(k[0][4:]) // 3 * 3:05d}" for k in keys}
    ops = [
        ("get_node", lambda p, v, s, c, i: ts.get_node(p, v, ids[f"{s}.{c}.{i}"]), 2000),
        ("get_children (4)", lambda p, v, s, c, i: ts.children(p, v, ids[s]), 2000),
        ("get_subtree (21 nodes)", lambda p, v, s, c, i: ts.subtree(p, v, ids[s]), 1000),
        ("get_subtree (1,000 nodes)", lambda p, v, s, c, i: ts.subtree("big", "v1", "root"), 40),
        ("get_ancestor_path (4)", lambda p, v, s, c, i: ts.ancestors(p, v, ids[f"{s}.{c}.{i}"]), 2000),
        ("get_version_as_of", lambda p, v, s, c, i: ts.as_of(versioned[p], "2023-06-15"), 2000),
    ]
    for name, fn, n in ops:
        for k in keys[:50]:
            fn(*k)  # warm caches
        blocks = []
        for _ in range(5):
            t = time.thread_time_ns()
            for k in keys[:n]:
                fn(*k)
            blocks.append((time.thread_time_ns() - t) / n / 1e3)
        print(f"{label}\t{name}\t{min(blocks):.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", help="folder of the database (built on first use)")
    ap.add_argument("--base", required=True, help="folder holding the base build's treestore package")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--inner", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        run(a.dir, a.inner)
        return
    os.makedirs(a.dir, exist_ok=True)
    if not os.path.exists(os.path.join(a.dir, "t.tsdb")):
        import bench_vs as b

        docs, _ = b.make_corpus(int(os.environ.get("BENCH_DOCS", "3000")))
        b.TS(os.path.join(a.dir, "t.tsdb"), docs).db.close()
    results: dict = {}
    for _ in range(a.rounds):
        for label, path in (("base", a.base), ("this", None)):
            env = dict(os.environ)
            if path:
                env["PYTHONPATH"] = os.path.abspath(path) + os.pathsep + env.get("PYTHONPATH", "")
            out = subprocess.run(
                [sys.executable, __file__, a.dir, "--base", a.base, "--inner", label],
                env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            for line in out.stdout.splitlines():
                lab, name, us = line.split("\t")
                results.setdefault(name, {}).setdefault(lab, []).append(float(us))
    print("| query | base CPU/call (µs, each round) | this build | this / base (best) |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        base, this = r["base"], r["this"]
        fmt = ", ".join
        print(
            f"| {name} | {fmt(f'{x:.2f}' for x in base)} | {fmt(f'{x:.2f}' for x in this)} | "
            f"{min(this) / min(base):.2f} |"
        )


if __name__ == "__main__":
    main()
