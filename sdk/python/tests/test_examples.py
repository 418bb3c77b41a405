"""Runs examples/python/*.py and scripts/demo.py (make demo's main job) so they cannot rot: each must
exit 0 and print what it is about."""

import subprocess
import sys

import pytest
from conftest import REPO

EXAMPLES = {
    "temporal_lookup.py": ["2024-06-30: version v2", "no version was in force"],
    "tree_search.py": ["0007 Medical Necessity Criteria", "4.3 Cardiac MRI", "Review Timeframes > Urgent Requests"],
    "cross_references.py": ["0008 -see_also-> 0013", "cross_reference 0013"],
    "adapter.py": ["in force 2024-03-01: v2", "unknown policy: None", "get_nodes: ['0012', '0013']"],
}


def run(args, tmp_path):
    out = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs(name, tmp_path):
    stdout = run([str(REPO / "examples" / "python" / name), str(tmp_path / "ex.tsdb")], tmp_path)
    for expected in EXAMPLES[name]:
        assert expected in stdout


def test_demo_runs_the_main_job(tmp_path):
    db = tmp_path / "demo.tsdb"
    stdout = run([str(REPO / "scripts" / "demo.py"), str(db)], tmp_path)
    for expected in ["advanced-imaging-pa v3: 18 nodes", "5.2 Urgent Requests", "path: ", "version v2",
                     "added    4.3 Cardiac MRI", "6 tool results and trajectory", f"stays at {db}"]:  # fmt: skip
        assert expected in stdout
    assert db.is_file()
