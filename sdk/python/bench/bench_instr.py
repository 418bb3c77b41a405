"""Instructions per call (valgrind callgrind), TreeStore's SDK against sqlite3: a measure that the
machine's load does not move, beside bench_vs.py's wall-clock table.

    target/venv/bin/python sdk/python/bench/bench_instr.py

Builds the bench_vs corpus (BENCH_DOCS, default 300) into a TreeStore and an SQLite file, compiles a
two-function helper around callgrind's client requests, then runs itself under callgrind: for each
query and system it zeroes the counters, makes N calls, and dumps; instructions per call are the
dump's total over N (the loop's own overhead, a few hundred instructions, is included for both).
The inner run hashes strs with PYTHONHASHSEED=0 unless set (the seed moves dict-key collisions,
and so the counts, by a few hundred instructions a call). With BENCH_INSTR_KEEP=1 the dumps are
kept (their folder is printed) for callgrind_annotate.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_vs as b  # noqa: E402

IDS = b.pageindex_ids((2, 4, 4))

HELPER = r"""
#include <valgrind/callgrind.h>
void cg_zero(void) { CALLGRIND_ZERO_STATS; }
void cg_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""

OPS = [  # name, calls, function(system)
    ("get_node", 300, lambda s: s.get_node("pol-00001", "v1", IDS["s1.2.3"])),
    ("get_children (4)", 300, lambda s: s.children("pol-00001", "v1", IDS["s1"])),
    ("get_subtree (21 nodes)", 100, lambda s: s.subtree("pol-00001", "v1", IDS["s1"])),
    ("get_subtree (1,000 nodes)", 5, lambda s: s.subtree("big", "v1", "root")),
    ("get_ancestor_path (4)", 300, lambda s: s.ancestors("pol-00001", "v1", IDS["s1.2.3"])),
    ("get_version_as_of", 300, lambda s: s.as_of("pol-00003", "2023-06-15")),
]


def inner(tmp: str) -> None:
    import ctypes

    cg = ctypes.CDLL(os.path.join(tmp, "cg.so"))
    systems = [b.TS(os.path.join(tmp, "ts.tsdb"), None), b.SQ(os.path.join(tmp, "sq.db"), None)]
    for name, n, fn in OPS:
        for s in systems:
            for _ in range(3):
                fn(s)  # warm caches and prepared statements
            cg.cg_zero()
            for _ in range(n):
                fn(s)
            cg.cg_dump(f"{name}|{s.name}|{n}".encode())


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--inner":
        inner(sys.argv[2])
        return
    tmp = tempfile.mkdtemp(prefix="treestore-instr-")
    docs, _ = b.make_corpus(int(os.environ.get("BENCH_DOCS", "300")))
    b.TS(os.path.join(tmp, "ts.tsdb"), docs).db.close()
    b.SQ(os.path.join(tmp, "sq.db"), docs).c.close()
    (Path(tmp) / "cg.c").write_text(HELPER)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", f"{tmp}/cg.so", f"{tmp}/cg.c"], check=True)
    out = f"{tmp}/callgrind.out"
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--collect-atstart=yes", f"--callgrind-out-file={out}",
         sys.executable, __file__, "--inner", tmp],
        check=True, stderr=subprocess.DEVNULL,
        # str hashes decide how dict keys collide: a fixed seed makes the counts repeat run to run
        env=dict(os.environ, PYTHONHASHSEED=os.environ.get("PYTHONHASHSEED", "0")),
    )  # fmt: skip
    per: dict = {}
    for f in sorted(Path(tmp).glob("callgrind.out*")):
        text = f.read_text(errors="replace")
        m, t = re.search(r"^desc: Trigger: Client Request: (.*)$", text, re.M), re.search(r"^totals: (\d+)", text, re.M)
        if m and t and "|" in m.group(1):
            name, system, n = m.group(1).rsplit("|", 2)
            per.setdefault(name, {})[system] = int(t.group(1)) / int(n)
    print("| query | TreeStore instructions/call | sqlite3 instructions/call | sqlite3 / TreeStore |")
    print("|---|---:|---:|---:|")
    for name, _n, _fn in OPS:
        r = per.get(name, {})
        ts, sq = r.get("TreeStore"), r.get("sqlite3")
        if ts and sq:
            print(f"| {name} | {ts:,.0f} | {sq:,.0f} | {sq / ts:.2f}x |")
    if os.environ.get("BENCH_INSTR_KEEP"):  # keep the dumps for callgrind_annotate
        print(f"callgrind dumps kept in {tmp}", file=sys.stderr)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
