"""The C decoder (treestore._speedups) builds exactly what the Python reference decoder builds."""

import copy
import json
import os
import pickle
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from conftest import POLICY, REPO, small_document

from treestore import _decode
from treestore.timestamps import to_micros
from treestore._native import NULL, lib

P = POLICY.encode()


def calls(db):
    db.store_document(small_document())
    db.set_metadata("node", f"{POLICY}/0006", "k", {"json": [1, 2]})
    db.store_cross_reference({"source_policy_id": "x", "target_policy_id": POLICY, "target_node_id": "0006"})
    db.store_trajectory({"case_id": "c", "steps": [{"action": "a"}, {"action": "b"}]})
    db.store_tool_result({"tool_name": "t", "result_data": {"nested": {"ok": True}}, "duration_ms": 3})
    db.store_prompt({"name": "n", "template": "hi {{x}}", "config": {"t": 0.5}})
    return [
        (lib.treestore_document_get, (P, len(P), NULL, 0)),
        (lib.treestore_document_get, (b"p", 1, NULL, 0)),  # non-ASCII text, metadata, see-also
        (lib.treestore_document_structure, (P, len(P), b"v1", 2, 20, 5, NULL, 0)),
        (lib.treestore_search, (P, len(P), NULL, 0, b"fax", 3, 5, 0, 80, True)),
        (lib.treestore_version_diff, (P, len(P), b"v1", 2, b"v3", 2)),
        (lib.treestore_version_list, (P, len(P), 0, NULL, 0)),
        # single version records, decoded through the C decoder's record shapes after the list's
        (lib.treestore_version_latest, (P, len(P))),
        (lib.treestore_version_get, (P, len(P), b"v1", 2)),
        (lib.treestore_node_enriched, (P, len(P), NULL, 0, b"0006", 4, 10)),
        (lib.treestore_node_related, (P, len(P), NULL, 0, b"0008", 4, b'["urgent"]', 10, 10)),
        (lib.treestore_trajectory_list, (b"c", 1, NULL, 0)),
        (lib.treestore_tool_result_list, (NULL, 0)),
        (lib.treestore_prompt_get, (b"n", 1, 0, NULL, 0)),
        (lib.treestore_search_settings_get, ()),
        # node lists whose nodes differ from the first in parent (None included), depth, version
        (lib.treestore_node_subtree, (b"p", 1, NULL, 0, b"root", 4, 0, True)),
        (lib.treestore_node_subtree, (b"p", 1, NULL, 0, b"a", 1, 0, False)),
        (lib.treestore_node_ancestors, (b"p", 1, NULL, 0, b"a1", 2, True)),
        (lib.treestore_node_children, (b"p", 1, NULL, 0, b"root", 4, True)),
        (lib.treestore_node_children, (P, len(P), b"v1", 2, NULL, 0, True)),
        (lib.treestore_node_get_batch, (b"p", 1, NULL, 0, b'["a","root","a1","b"]', 21, True)),
        (lib.treestore_node_get_batch, (b"p", 1, NULL, 0, b'["a1","nope"]', 13, True)),
    ]


@pytest.mark.skipif(_decode._c_decode is None, reason="treestore._speedups is not built")
def test_c_and_python_decoders_agree(policy_db):
    for fn, args in calls(policy_db):
        py = policy_db._q(_decode.py_take_full, fn, *args)
        c = policy_db._q(_decode.c_take_full, fn, *args)
        assert c[:4] == py[:4], fn
        assert py[0] or py[1], fn  # the call returned something to compare


@pytest.mark.skipif(_decode._c_decode is None, reason="treestore._speedups is not built")
def test_tree_queries_in_one_crossing_decode_as_the_python_decoder_does(policy_db):
    """_speedups.tree_query (children, subtree, ancestors: one C call each) builds what the Python
    reference decoder builds from the same library call, node lists of every shape included."""
    policy_db.store_document(small_document())
    policy_db.store_document(small_document(version="v2"))
    db = policy_db
    for policy, version in [("p", None), ("p", "v1"), (POLICY, None), (POLICY, "v1")]:
        p, v = policy.encode(), (version or "").encode()
        vv = (v, len(v)) if version else (NULL, 0)
        top = "root" if policy == "p" else db.get_children(policy)[0]["node_id"]
        roots = [n["node_id"] for n in db.get_subtree(policy, top, 0, version)]
        for text in (True, False):
            for node in roots:
                n = node.encode()
                cases = [
                    (db.get_children(policy, node, version, include_text=text), lib.treestore_node_children, (*vv, n, len(n), text)),
                    (db.get_subtree(policy, node, 0, version, text), lib.treestore_node_subtree, (*vv, n, len(n), 0, text)),
                    (db.get_subtree(policy, node, 1, version, text), lib.treestore_node_subtree, (*vv, n, len(n), 1, text)),
                    (db.get_ancestor_path(policy, node, version, include_text=text), lib.treestore_node_ancestors, (*vv, n, len(n), text)),
                ]  # fmt: skip
                for got, fn, args in cases:
                    want = db._q(_decode.py_take_nodes, fn, p, len(p), *args)
                    assert got == want, (policy, version, node, fn)


# The keys of a node dict, in the order the C decoder gives them.
NODE_KEYS = [
    "node_id", "policy_id", "version_id", "parent_id", "title", "page_start", "page_end", "summary",
    "text", "section_path", "child_ids", "depth", "created_at", "updated_at", "see_also", "metadata",
]  # fmt: skip


def _time_cache_entry(us: int) -> int:
    """The entry of _speedups.c's datetime cache that `us` maps to (TIME_CACHE_BITS = 12)."""
    return ((us * 0x9E3779B97F4A7C15) & (2**64 - 1)) >> 52


@pytest.mark.skipif(_decode._c_decode is None, reason="treestore._speedups is not built")
def test_times_that_share_a_cache_entry_decode_apart(db):
    """Two instants in one entry of the C decoder's direct-mapped datetime cache: each read gets its
    own datetime, however the reads alternate (the entry is checked, not trusted)."""
    t1 = 1_700_000_000_123_456
    t2 = next(t for t in range(t1 + 1, t1 + 1_000_000) if _time_cache_entry(t) == _time_cache_entry(t1))
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    when = {p: epoch + timedelta(microseconds=t) for p, t in (("p1", t1), ("p2", t2))}
    for p, start in when.items():
        db.store_document(small_document(p, effective_start=start))
    for p in ["p1", "p2", "p1", "p1", "p2", "p2", "p1"]:
        assert db.get_version_as_of(p, when[p])["effective_start"] == when[p], p
        assert db.list_versions(p)[0]["effective_start"] == when[p], p


@pytest.mark.skipif(_decode._c_decode is None, reason="treestore._speedups is not built")
def test_the_c_decoder_builds_the_datetimes_to_datetime_builds(db):
    """The C decoder builds datetimes from their fields (civil-from-days): the same instant as the
    SDK's to_datetime for days around the epoch, leap days, century rules, the first and last
    microsecond of datetime's range and random instants; outside it, the same OverflowError."""
    import random

    lo, hi = -62_135_596_800_000_000, 253_402_300_799_999_999  # 0001-01-01, 9999-12-31T23:59:59.999999
    day = 86_400_000_000
    fixed = [0, -1, 1, day - 1, day, -day, -day - 1, lo, lo + 1, hi, hi - 1]
    fixed += [to_micros(t) for t in ("2000-02-29T12:34:56.789012Z", "1900-02-28T23:59:59Z", "1900-03-01",
                                             "2100-03-01", "1600-02-29", "2024-12-31T23:59:59.999999Z")]  # fmt: skip
    rng = random.Random(7)
    instants = fixed + [rng.randrange(lo, hi + 1) for _ in range(300)]
    docs = [small_document(f"t{i}", effective_start=us) for i, us in enumerate(instants)]
    db.store_documents(docs)
    for i, us in enumerate(instants):
        assert db.list_versions(f"t{i}")[0]["effective_start"] == _decode.to_datetime(us), us
    for us in (lo - 1, hi + 1):
        with pytest.raises(OverflowError):
            _decode.to_datetime(us)
        with pytest.raises(OverflowError):  # stored, but its result holds the version's times
            db.store_document(small_document(f"out{us}", effective_start=us))
        with pytest.raises(OverflowError):
            db.list_versions(f"out{us}")


@pytest.mark.skipif(_decode._c_decode is None, reason="treestore._speedups is not built")
def test_node_dicts_are_ordinary_dicts_that_share_nothing(db):
    """Node dicts are copies of one template (a shared-key dict): changing one result, adding or
    removing keys, leaves every later result as it was."""
    db.store_document(small_document())
    first = db.get_node("p", "a")
    want = copy.deepcopy(first)
    assert type(first) is dict and list(first) == NODE_KEYS
    first["extra"] = 1
    del first["title"]
    first["text"] = "changed"
    first["child_ids"].append("zz")
    assert json.loads(json.dumps(first, default=str))["extra"] == 1
    assert pickle.loads(pickle.dumps(first)) == first
    for got in [db.get_node("p", "a"), *db.get_children("p", "root"), *db.get_subtree("p", "root")]:
        assert list(got) == NODE_KEYS and "extra" not in got
    again = db.get_node("p", "a")
    assert again == want and again["child_ids"] == want["child_ids"]


@pytest.mark.skipif(_decode._c_decode is None, reason="treestore._speedups is not built")
def test_the_c_decoder_is_in_use():
    assert _decode.take_nodes is _decode.c_take_nodes


def test_the_pure_python_fallback_works(tmp_path):
    """TREESTORE_PURE_PYTHON=1 selects the Python readers (used where _speedups cannot be built)."""
    code = f"""
import treestore
from treestore import _decode
from treestore.timestamps import to_micros
assert _decode.take_nodes is _decode.py_take_nodes
with treestore.TreeStore({str(tmp_path / 'p.tsdb')!r}) as db:
    db.import_pageindex({str(REPO / 'examples/data/advanced-imaging-pa_v1.json')!r}, "p", "v1", "2023-01-01")
    n = db.get_node("p", "0006")
    assert n["title"] == "Submission Channels" and n["created_at"].tzinfo is not None
    assert [x["node_id"] for x in db.get_ancestor_path("p", "0006")] == ["root", "0004", "0006"]
    assert db.get_version_as_of("p", "2023-06-01")["version_id"] == "v1"
    assert db.search("p", "fax")[0]["node"]["node_id"] == "0006"
print("ok")
"""
    env = dict(os.environ, TREESTORE_PURE_PYTHON="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def _wide_document(policy: str, n: int) -> dict:
    """root -> s0..s{n/10}, each with ten items: ``n`` nodes and more, ids of a few bytes."""
    nodes = [{"node_id": "root", "title": "Wide"}]
    sections = n // 10
    for s in range(sections):
        see = [f"s{(s + 1) % sections}"]
        nodes.append({"node_id": f"s{s}", "parent_id": "root", "title": f"S{s}", "see_also": see})
        for i in range(10):
            item = {"node_id": f"s{s}.{i}", "parent_id": f"s{s}", "title": f"I{i}", "text": f"item {s} {i}"}
            nodes.append(item)
    return {"document": {"policy_id": policy, "version_id": "v1"}, "nodes": nodes}


@pytest.mark.skipif(_decode._c_decode is None, reason="treestore._speedups is not built")
def test_large_results_decode_as_the_python_decoder_does_and_leave_the_gc_as_it_was(db):
    """A result of at least 128 nodes is built with the cyclic GC paused (_speedups.c gc_pause): the
    same values as the Python decoder, through tree_query and decode alike, and the GC enabled or
    disabled afterwards as it was before, an error on the way included."""
    import gc

    db.store_document(_wide_document("w", 600))
    late = _wide_document("late", 300)
    late["document"]["created_at"] = 253_402_300_799_999_999 + 1  # past datetime's range
    with pytest.raises(OverflowError):  # stored; its result's version times cannot be decoded
        db.store_document(late)
    for enabled in (True, False, True):
        gc.enable() if enabled else gc.disable()
        try:
            for fn, args, got in [
                (lib.treestore_node_subtree, (b"root", 4, 0, True), lambda: db.get_subtree("w", "root")),
                (lib.treestore_node_children, (b"root", 4, True), lambda: db.get_children("w", "root")),
                (lib.treestore_node_get_batch, (b'["root","s3","s3.4"]', 20, True), None),
            ]:
                want = db._q(_decode.py_take_nodes, fn, b"w", 1, NULL, 0, *args)
                assert gc.isenabled() is enabled
                assert db._q(_decode.c_take_nodes, fn, b"w", 1, NULL, 0, *args) == want
                assert gc.isenabled() is enabled
                if got is not None:
                    assert got() == want
                    assert gc.isenabled() is enabled
            with pytest.raises(OverflowError):  # an error while the GC is paused (node times)
                db.get_subtree("late", "root")
            assert gc.isenabled() is enabled
        finally:
            gc.enable()


@pytest.mark.skipif(_decode._c_decode is None, reason="treestore._speedups is not built")
def test_ids_decoded_once_are_shared_and_never_mixed_up(db):
    """Short strings (ids) come from a direct-mapped cache keyed by their bytes (_speedups.c
    id_text): reading thousands of ids, again and in another order, gives each node its own ids,
    equal to the Python decoder's; a cached id is the same object across results."""
    db.store_document(_wide_document("w", 3000))
    py = db._q(_decode.py_take_nodes, lib.treestore_node_subtree, b"w", 1, NULL, 0, b"root", 4, 0, False)
    for _ in range(2):
        assert db.get_subtree("w", "root", include_text=False) == py
        for s in reversed(range(0, 300, 7)):
            kids = db.get_children("w", f"s{s}", include_text=False)
            assert [k["node_id"] for k in kids] == [f"s{s}.{i}" for i in range(10)]
            assert all(k["parent_id"] == f"s{s}" for k in kids)
    a, b = db.get_node("w", "s5"), db.get_node("w", "s5")
    assert a["child_ids"] == [f"s5.{i}" for i in range(10)] and a["child_ids"][3] is b["child_ids"][3]


@pytest.mark.skipif(_decode._c_decode is None, reason="treestore._speedups is not built")
def test_child_and_parent_ids_taken_from_the_result_match_their_bytes(db):
    """A result of 128 nodes or more decodes each node id once and gives a child or parent id
    that is the id of a node of the result that node's string (_speedups.c links): only when the
    bytes match. Whole subtrees, depth-limited ones (children outside the result), and batches in
    any order (the order puts other nodes where children would be) all decode as the Python
    decoder does."""
    import random

    db.store_document(_wide_document("w", 2000))
    cases = [
        (lib.treestore_node_subtree, (b"root", 4, 0, True), lambda: db.get_subtree("w", "root")),
        (lib.treestore_node_subtree, (b"root", 4, 1, True), lambda: db.get_subtree("w", "root", 1)),
        (lib.treestore_node_subtree, (b"root", 4, 0, False), lambda: db.get_subtree("w", "root", 0, None, 0)),
        (lib.treestore_node_children, (b"root", 4, True), lambda: db.get_children("w", "root")),
    ]
    order = ["root"] + [f"s{s}" for s in range(40)] + [f"s{s}.{i}" for s in range(40) for i in range(3)]
    random.Random(5).shuffle(order)
    order[:4] = ["s4", "s4.0", "s4.2", "s4.1"]  # a first child, then one out of order
    batch = json.dumps(order).encode()
    cases.append((lib.treestore_node_get_batch, (batch, len(batch), True), None))
    for fn, args, got in cases:
        want = db._q(_decode.py_take_nodes, fn, b"w", 1, NULL, 0, *args)
        assert db._q(_decode.c_take_nodes, fn, b"w", 1, NULL, 0, *args) == want, fn
        if got is not None:
            assert got() == want, fn
    nodes = db.get_subtree("w", "root")
    by_id = {n["node_id"]: n["node_id"] for n in nodes}
    assert all(c is by_id[c] for n in nodes for c in n["child_ids"])
    assert all(n["parent_id"] is by_id[n["parent_id"]] for n in nodes[1:])


@pytest.mark.skipif(_decode._c_decode is None, reason="treestore._speedups is not built")
def test_records_of_a_seeded_shape_decode_each_their_own_values(db):
    """The C decoder keeps the first record of each shape's short strs, ints, bools and times in the
    shape's template (_speedups.c shape_seed) and writes only the fields that differ: records of
    one shape with other values, longer strs, and the same values again decode as the Python
    decoder does, in any order, and share no mutable value."""
    long = "x" * 100
    for p, extra in [
        ("s1", {"description": "first", "created_by": "ann", "effective_start": "2020-01-01"}),
        ("s2", {"description": "", "created_by": "", "tags": ["t"], "metadata": {"k": "v"}}),
        ("s3", {"description": long, "created_by": "ann", "effective_start": "2021-06-01"}),
        ("s4", {"description": "first", "created_by": "bob", "pageindex_doc_id": "pi"}),
    ]:
        db.store_document(small_document(p, **extra))
    for p in ["s1", "s2", "s3", "s4", "s2", "s1", "s4", "s3", "s1"]:
        b = p.encode()
        for fn, args in [(lib.treestore_version_get, (b"v1", 2)), (lib.treestore_version_latest, ())]:
            want = db._q(_decode.py_take_records, fn, b, len(b), *args)
            assert db._q(_decode.c_take_records, fn, b, len(b), *args) == want, (p, fn)
        assert db.get_version_as_of(p, "2030-01-01") == db.get_version(p, "v1")
    a, b = db.get_version("s1", "v1"), db.get_version("s1", "v1")
    a["tags"].append("mine")
    a["metadata"]["k"] = "mine"
    assert b["tags"] == [] and b["metadata"] == {}
