"""`metrics()`: the Prometheus text exposition, parsed, and its counters following the calls made."""
import re

import pytest

import treestore

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def parse(text: str) -> dict:
    """Parses the text format into ``{(name, labels): value}``, checking every family has a TYPE."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels, value = m.groups()
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in typed or family in typed, f"{name} has no # TYPE line"
        samples[(name, labels or "")] = float(value)
    return samples


def test_counts_follow_calls_and_errors(db):
    db.store_document({"policy_id": "p", "version_id": "v1"}, [{"node_id": "r", "title": "R"}])
    count = ("treestore_op_duration_seconds_count", '{op="get_node"}')
    errors = ("treestore_op_errors_total", '{op="get_node"}')
    before = parse(db.metrics())
    for _ in range(3):
        db.get_node("p", "r")
    with pytest.raises(treestore.NotFoundError):
        db.get_node("p", "missing")
    after = parse(db.metrics())
    assert after[count] - before.get(count, 0) == 4
    assert after[errors] - before.get(errors, 0) == 1
    inf = ("treestore_op_duration_seconds_bucket", '{op="get_node",le="+Inf"}')
    assert after[inf] == after[count]
    assert after[("treestore_commits_total", "")] >= 1
