"""`make demo`: the reasoning service's main job through the Python SDK, on an embedded database.

Imports the sample prior-authorization policy (examples/data) in three versions with effective
dates, and the real PageIndex outputs of ../shared/data/pageindex (or $TREESTORE_PAGEINDEX_DIR) when
present; then reads the structure, expands children, follows the ancestor path of a search hit,
searches keywords, finds the version in force on a date, diffs two versions, and records the tool
results and the trajectory of the run. scripts/demo.sh runs it and then draws the outline with
`treestore tree`. The database stays at the path given (default treestore-demo.tsdb).

    python scripts/demo.py [DB]
"""

import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import treestore

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"
POLICY = "advanced-imaging-pa"
EFFECTIVE = {"v1": "2023-01-01", "v2": "2024-01-01", "v3": "2025-01-01"}
# The real PageIndex outputs: $TREESTORE_PAGEINDEX_DIR, else ../shared/data/pageindex beside the
# checkout (or beside the folder of worktrees holding it).
_CANDIDATES = [ROOT.parent / "shared" / "data" / "pageindex", ROOT.parent.parent / "shared" / "data" / "pageindex"]
PAGEINDEX = Path(
    os.environ.get("TREESTORE_PAGEINDEX_DIR") or next((c for c in _CANDIDATES if c.is_dir()), _CANDIDATES[0])
)


def step(title: str) -> None:
    print(f"\n== {title}")


class Run:
    """Records each tool call of the demo as a tool result and a trajectory step, as the service does."""

    def __init__(self, db: treestore.TreeStore, case_id: str) -> None:
        self.db, self.case_id = db, case_id
        self.steps: List[Dict[str, Any]] = []

    def tool(self, name: str, action: str, fn, *args, **kwargs):
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        ms = (time.perf_counter() - t) * 1000
        summary = {"items": len(result)} if isinstance(result, (list, dict)) else {"value": str(result)}
        self.db.store_tool_result({"tool_name": name, "policy_id": POLICY, "case_id": self.case_id,
                                   "result_data": summary, "duration_ms": round(ms)})  # fmt: skip
        self.steps.append({"tool_name": name, "action": action, "observation": str(summary)})
        return result


def import_all(db: treestore.TreeStore) -> None:
    step("import: the sample policy in three versions, with effective dates")
    for version, start in EFFECTIVE.items():
        v = db.import_pageindex(DATA / f"{POLICY}_{version}.json", POLICY, version, effective_start=start)
        n = db.get_structure(POLICY, version, limit=1, summary_chars=0)["total"]
        print(f"  {POLICY} {version}: {n} nodes, in force from {v['effective_start']:%Y-%m-%d}")
    if PAGEINDEX.is_dir():
        files = sorted(PAGEINDEX.glob("*.json"))
        nodes = 0
        t = time.perf_counter()
        with db.transaction(write=True):
            for f in files:
                db.import_pageindex(f, f.stem.replace("_structure", ""), "v1")
                nodes += db.get_structure(f.stem.replace("_structure", ""), "v1", limit=1, summary_chars=0)["total"]
        print(f"  + {len(files)} real PageIndex files from {PAGEINDEX}: {nodes} nodes "
              f"in {time.perf_counter() - t:.2f} s")  # fmt: skip
    else:
        print(f"  ({PAGEINDEX} not found: only the sample policy)")


def main(path: str) -> None:
    for p in (path, path + "-wal"):
        if os.path.exists(p):
            os.remove(p)
    with treestore.TreeStore(path) as db:
        import_all(db)
        run = Run(db, case_id="case-2024-0613")

        step("read the structure (titles and pages, no text)")
        structure = run.tool("get_structure", "read the table of contents", db.get_structure, POLICY)
        for n in structure["nodes"]:
            if n["depth"] == 1:
                print(f"  {n['section_path']:>2} {n['title']} (p. {n['page_start']}-{n['page_end']})")

        step("expand the children of 'Review Timeframes'")
        section = next(n for n in structure["nodes"] if n["title"] == "Review Timeframes")
        for child in run.tool("get_children", "expand Review Timeframes", db.get_children, POLICY, section["node_id"]):
            print(f"  {child['section_path']} {child['title']}: {child['text'][:80]}...")

        step("search 'urgent lumbar' and follow the best hit's ancestor path")
        latest = db.latest_version(POLICY)["version_id"]
        hits = run.tool("search", "search 'urgent lumbar'", db.search, POLICY, "urgent OR lumbar", 3, latest)
        for h in hits:
            print(f"  {h['score']:.2f} {h['node']['section_path']} {h['node']['title']}: {h['snippet'][:70]}")
        path_nodes = run.tool("get_ancestor_path", "locate the best hit", db.get_ancestor_path, POLICY, hits[0]["node_id"])
        print("  path: " + " > ".join(n["title"] for n in path_nodes))

        step("the version in force on the date of service, 2024-06-30")
        v = run.tool("get_version_as_of", "date of service 2024-06-30", db.get_version_as_of, POLICY, "2024-06-30")
        node = db.get_node(POLICY, "0012", v["version_id"])
        print(f"  version {v['version_id']} (from {v['effective_start']:%Y-%m-%d}); 5.1 then read: {(node['text'] or '')[:90]}...")

        step("what changed from v1 to v3")
        diff = run.tool("diff_versions", "compare v1 and v3", db.diff_versions, POLICY, "v1", "v3")
        for kind in ("added", "removed", "changed"):
            for c in diff[kind]:
                print(f"  {kind:<7} {c['section_path']:>4} {c['title']} {', '.join(c['fields'])}")

        step("record the run: tool results and a trajectory")
        trajectory = db.store_trajectory({"case_id": run.case_id, "steps": run.steps})
        db.complete_trajectory(trajectory["trajectory_id"])
        results = db.get_tool_results(POLICY, limit=0)
        print(f"  {len(results)} tool results and trajectory {trajectory['trajectory_id'][:8]}... "
              f"of {len(trajectory['steps'])} steps for {run.case_id}")  # fmt: skip
        stats = db.stats()
        print(f"  database: {stats['total_documents']} policies, {stats['total_versions']} versions, "
              f"{stats['total_nodes']} nodes, {stats['db_size_bytes'] / 1e6:.1f} MB")  # fmt: skip
    print(f"\nThe database stays at {path}; explore it with target/release/treestore (tree, show, search...).")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "treestore-demo.tsdb"))
